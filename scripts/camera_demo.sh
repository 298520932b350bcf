#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The camera demo (examples/camera_app.cpp): sets up a fresh Debian 12 machine, builds, and runs the
# camera application on loopback. One capture is served two ways at once: over RTSP as RTP/SAVP
# (played here by gst-launch-1.0 rtspsrc) and over DTLS-SRTP to examples/camera_receiver, each side
# pinning the other's certificate fingerprint (two identities made by secmedia-cert). It exits 0 when
# both the DTLS receiver and the RTSP client decoded frames. Every process is bounded by timeout and
# ended by its PID.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ -d build-demo ]; then meson setup --reconfigure build-demo >/dev/null; else meson setup build-demo >/dev/null; fi
ninja -C build-demo >/dev/null
export GST_PLUGIN_PATH="$PWD/build-demo/gst"
export GST_REGISTRY="$PWD/build-demo/registry.bin"
echo "Our plugins: $(gst-inspect-1.0 dtlsenc | sed -n 's/^ *Filename *//p'), $(gst-inspect-1.0 srtpenc | sed -n 's/^ *Filename *//p')"

rtsp_port=18554 receiver_port=15204 camera_port=15206
work=$(mktemp -d)
pids=()
trap 'for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait; rm -rf "$work"' EXIT

# Two identities; each side is given the other's fingerprint, as an SDP exchange would.
camera_fp=$(build-demo/tools/secmedia-cert new "$work/camera.pem")
receiver_fp=$(build-demo/tools/secmedia-cert new "$work/receiver.pem")
echo "camera    $camera_fp"
echo "receiver  $receiver_fp"

timeout 60 build-demo/examples/camera_receiver --port "$receiver_port" \
  --peer "127.0.0.1:$camera_port" --identity "$work/receiver.pem" --peer-fingerprint "$camera_fp" \
  --duration 30 >"$work/receiver.log" 2>&1 &
receiver_pid=$!
pids+=("$receiver_pid")
timeout 60 build-demo/examples/camera_app --rtsp-port "$rtsp_port" \
  --peer "127.0.0.1:$receiver_port" --listen-port "$camera_port" --identity "$work/camera.pem" \
  --peer-fingerprint "$receiver_fp" --duration 30 --stats-interval 2 >"$work/camera.log" 2>&1 &
camera_pid=$!
pids+=("$camera_pid")
for _ in $(seq 100); do grep -q "^serving rtsp" "$work/camera.log" && break; sleep 0.1; done

echo "playing rtsp://127.0.0.1:$rtsp_port/camera for 6 s"
timeout -s INT 6 gst-launch-1.0 -v rtspsrc location="rtsp://127.0.0.1:$rtsp_port/camera" \
  ! rtpvp8depay ! vp8dec ! fakesink silent=false >"$work/client.log" 2>&1 || true
kill "$receiver_pid" "$camera_pid" 2>/dev/null || true
wait "$receiver_pid" "$camera_pid" 2>/dev/null || true

grep -E "^(serving|dtls:)" "$work/camera.log"
grep "^stats" "$work/camera.log" | tail -3
receiver_frames=$(sed -n 's/^frames decoded: \([0-9]*\).*/\1/p' "$work/receiver.log" | tail -1)
client_frames=$(grep -c "last-message = chain" "$work/client.log" || true)
srtp=$(grep -q "application/x-srtp" "$work/client.log" && echo "SRTP (application/x-srtp)" || echo "not SRTP")
echo "DTLS-SRTP receiver  $(grep '^frames decoded' "$work/receiver.log" | tail -1)"
echo "RTSP client         frames decoded: $client_frames, the stream was $srtp"
if [ "${receiver_frames:-0}" -gt 0 ] && [ "$client_frames" -gt 0 ] && [ "$srtp" != "not SRTP" ]; then
  echo "camera demo: OK"
else
  echo "camera demo: FAILED"
  exit 1
fi
