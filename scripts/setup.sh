#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Installs what secmedia needs to build, test and benchmark on Debian 12 (as root, or with sudo).
# Does nothing when everything is already there.
set -euo pipefail

packages=(
  g++ clang libclang-rt-14-dev          # compilers; clang's runtime for libFuzzer and sanitizers
  clang-format git                      # the formatting check
  meson ninja-build pkg-config python3  # build
  libssl-dev openssl                    # the core's only dependency; the CLI is a DTLS peer in tests
  libgtest-dev libbenchmark-dev         # tests and benchmarks
  libsrtp2-dev                          # test-only oracle and speed reference
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev  # the elements; gst-check for their tests
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad              # the incumbent we interoperate and compare with
  gstreamer1.0-nice gir1.2-nice-0.1     # webrtcbin tests and example: ICE, and its agent from Python
  python3-gi python3-gst-1.0 gir1.2-gstreamer-1.0 gir1.2-gst-plugins-base-1.0
  gir1.2-gst-plugins-bad-1.0            # GstWebRTC for Python
  libgstreamer-plugins-bad1.0-dev       # GstWebRTC: dtlssrtpdec reads webrtcbin's remote description
  heaptrack                             # the repeated-connect test's leak measurement
  chromium                              # the browser peer of the webrtcbin browser test
  gstreamer1.0-rtsp gir1.2-gst-rtsp-server-1.0 libgstrtspserver-1.0-dev  # secure RTSP tests
  tcpdump                               # what crossed the socket in the secure RTSP tests
  python3-matplotlib                    # tests/bench/report.py's charts
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$package")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

echo "setup: installing ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
