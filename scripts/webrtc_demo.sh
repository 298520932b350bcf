#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The webrtcbin demo: sets up a fresh Debian 12 machine, builds, and runs a WebRTC call between two
# webrtcbins in one process on our dtls and srtp plugins (examples/webrtc_call.py): VP8 video, Opus
# audio and a data channel both ways, ICE on loopback. It prints which plugin files the DTLS-SRTP
# elements come from, the negotiated SRTP profile and what each side decoded, and exits 0 by itself.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ -d build-demo ]; then meson setup --reconfigure build-demo >/dev/null; else meson setup build-demo >/dev/null; fi
ninja -C build-demo >/dev/null
export GST_PLUGIN_PATH="$PWD/build-demo/gst"
export GST_REGISTRY="$PWD/build-demo/registry.bin"
/usr/bin/python3 examples/webrtc_call.py
