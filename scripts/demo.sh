#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The demo command: sets up a fresh Debian 12 machine, builds, and runs a secure call between two
# pipelines on loopback (examples/secure_call.c): VP8 video and Opus audio as SRTP, keyed by a DTLS 1.2
# handshake in which each side pins the other's certificate fingerprint. It prints the negotiated
# profile, the handshake time and what the receiver decrypted and decoded, and exits 0 by itself.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ -d build-demo ]; then meson setup --reconfigure build-demo >/dev/null; else meson setup build-demo >/dev/null; fi
ninja -C build-demo >/dev/null
export GST_PLUGIN_PATH="$PWD/build-demo/gst"
export GST_REGISTRY="$PWD/build-demo/registry.bin"
echo "Our plugins: $(gst-inspect-1.0 dtlsenc | sed -n 's/^ *Filename *//p'), $(gst-inspect-1.0 srtpenc | sed -n 's/^ *Filename *//p')"
./build-demo/examples/secure_call
