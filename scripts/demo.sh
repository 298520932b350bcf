#!/usr/bin/env bash
# The demo command: sets up a fresh Debian 12 machine, builds, and runs the demo.
# For now (until the DTLS elements exist) the demo is an RTP stream through SRTP protect and unprotect.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ -d build-demo ]; then meson setup --reconfigure build-demo >/dev/null; else meson setup build-demo >/dev/null; fi
ninja -C build-demo examples/srtp_roundtrip >/dev/null
for profile in AEAD_AES_128_GCM AES_CM_128_HMAC_SHA1_80; do
  ./build-demo/examples/srtp_roundtrip "$profile" 5000
  echo
done
