#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The camera application (examples/camera_app.cpp, issue 16) end to end, on our plugins:
#   1. camera + DTLS-SRTP receiver + an rtspsrc client: both decode frames, over SRTP (the RTSP
#      caps are application/x-srtp; the receiver's srtpdec decrypted the DTLS stream);
#   2. a receiver with the wrong identity (its fingerprint is not the pinned one): the camera reports
#      the handshake failure with its reason, and the RTSP client still decodes frames;
#   3. the receiver is killed: the camera reports that the peer stopped (no RTCP), retries, and the
#      RTSP client still decodes frames.
# Every process is bounded by timeout and ended by its PID. As root it runs in a network namespace of
# its own (loopback only); otherwise on free ports picked by the kernel.
#
#   camera_app_test.sh BUILD_DIR
set -uo pipefail
build=$(realpath "$1")
here=$(realpath "$0")

if [ "${CAMERA_TEST_NETNS:-}" != 1 ] && [ "$(id -u)" = 0 ] && unshare --net true 2>/dev/null; then
  exec env CAMERA_TEST_NETNS=1 unshare --net -- bash "$here" "$@"
fi
[ "${CAMERA_TEST_NETNS:-}" = 1 ] && ip link set lo up

export GST_PLUGIN_PATH="$build/gst"
export GST_DEBUG="${GST_DEBUG:-*:1}"
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

failures=0
check() {  # check DESCRIPTION COMMAND...: one assertion, printed either way
  if "${@:2}"; then echo "  ok: $1"; else echo "  FAILED: $1"; failures=$((failures + 1)); fi
}
free_port() {  # free_port udp|tcp
  /usr/bin/python3 -c "import socket,sys; s=socket.socket(socket.AF_INET, \
socket.SOCK_DGRAM if sys.argv[1]=='udp' else socket.SOCK_STREAM); s.bind(('127.0.0.1',0)); \
print(s.getsockname()[1])" "$1"
}
wait_for() {  # wait_for FILE PATTERN SECONDS
  for _ in $(seq $((${3} * 10))); do grep -q -- "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  return 1
}
last_frames() { sed -n 's/^frames decoded: \([0-9]*\).*/\1/p' "$1" | tail -1; }
last_decrypted() { sed -n 's/.*srtpdec decrypted \([0-9]*\) RTP.*/\1/p' "$1" | tail -1; }
gt() { [ "${1:-0}" -gt "$2" ]; }

cert="$build/tools/secmedia-cert"
camera_fp=$("$cert" new "$work/camera.pem") || exit 1
receiver_fp=$("$cert" new "$work/receiver.pem") || exit 1
"$cert" new "$work/stranger.pem" >/dev/null || exit 1

# start_pair NAME RECEIVER_PEM: a receiver with that identity and a camera pinning receiver.pem.
start_pair() {
  local name=$1 identity=$2
  rtsp_port=$(free_port tcp) receiver_port=$(free_port udp) camera_port=$(free_port udp)
  timeout 40 "$build/examples/camera_receiver" --port "$receiver_port" \
    --peer "127.0.0.1:$camera_port" --identity "$identity" --peer-fingerprint "$camera_fp" \
    --duration 30 --stats-interval 1 >"$work/$name.receiver" 2>&1 &
  receiver_pid=$!
  pids+=("$receiver_pid")
  timeout 40 "$build/examples/camera_app" --rtsp-port "$rtsp_port" \
    --peer "127.0.0.1:$receiver_port" --listen-port "$camera_port" --identity "$work/camera.pem" \
    --peer-fingerprint "$receiver_fp" --duration 30 --stats-interval 1 --retry-delay 2 --peer-timeout 3 \
    >"$work/$name.camera" 2>&1 &
  camera_pid=$!
  pids+=("$camera_pid")
  wait_for "$work/$name.camera" "^serving rtsp" 10
}

# play NAME: an rtspsrc client for 6 s; its -v output has the caps and a line per decoded frame.
play() {
  timeout -s INT 6 gst-launch-1.0 -v rtspsrc location="rtsp://127.0.0.1:$rtsp_port/camera" \
    ! rtpvp8depay ! vp8dec ! fakesink silent=false >"$work/$1.client" 2>&1
  grep -c "last-message = chain" "$work/$1.client"
}

stop() { kill "$@" 2>/dev/null; wait "$@" 2>/dev/null; }

started=$(date +%s)
echo "case 1: camera, DTLS-SRTP receiver and RTSP client"
start_pair good "$work/receiver.pem"
check "the camera connected to the receiver" wait_for "$work/good.camera" "attempt 1 connected" 10
client_frames=$(play good)
stop "$receiver_pid" "$camera_pid"
check "the RTSP client decoded frames ($client_frames)" gt "$client_frames" 10
check "the RTSP stream is SRTP (application/x-srtp)" grep -q "application/x-srtp" "$work/good.client"
check "the receiver decoded frames ($(last_frames "$work/good.receiver"))" \
  gt "$(last_frames "$work/good.receiver")" 10
check "the receiver's srtpdec decrypted ($(last_decrypted "$work/good.receiver"))" \
  gt "$(last_decrypted "$work/good.receiver")" 10
check "the camera printed the DTLS srtpenc stats, keyed" \
  grep -q "^stats dtls srtpenc: keyed=1 rtp-packets=[1-9]" "$work/good.camera"
check "the camera printed the RTSP srtpenc stats, keyed" \
  grep -q "^stats rtsp\[0\] srtpenc: keyed=1 rtp-packets=[1-9]" "$work/good.camera"
check "the camera printed dtlsenc's stats" grep -q "^stats dtls dtlsenc: connection-state=4" \
  "$work/good.camera"

echo "case 2: a receiver with the wrong identity; RTSP keeps serving"
start_pair stranger "$work/stranger.pem"
check "the camera reported the fingerprint mismatch" \
  wait_for "$work/stranger.camera" "attempt 1 ended: DTLS handshake failed: the peer.s certificate fingerprint .* does not match" 12
client_frames=$(play stranger)
stop "$receiver_pid" "$camera_pid"
check "the RTSP client still decoded frames ($client_frames)" gt "$client_frames" 10
check "the camera retried the DTLS sender" grep -q "attempt 2, handshake" "$work/stranger.camera"
check "the receiver decoded nothing" test "$(last_frames "$work/stranger.receiver")" = 0

echo "case 3: the receiver stops; the camera notices, RTSP keeps serving"
start_pair stopped "$work/receiver.pem"
check "the camera connected to the receiver" wait_for "$work/stopped.camera" "attempt 1 connected" 10
sleep 1
stop "$receiver_pid"  # timeout passes SIGTERM on: the receiver exits as a person would stop it
check "the camera reported the stopped peer" \
  wait_for "$work/stopped.camera" "attempt 1 ended: peer stopped: no RTCP for 3 s" 8
client_frames=$(play stopped)
stop "$camera_pid"
check "the RTSP client still decoded frames ($client_frames)" gt "$client_frames" 10
check "the camera retried the DTLS sender" grep -q "attempt 2, handshake" "$work/stopped.camera"

echo "took $(($(date +%s) - started)) s"
if [ "$failures" != 0 ]; then
  for f in "$work"/*.camera "$work"/*.receiver; do echo "--- $f"; head -30 "$f"; done
  echo "camera_app_test: $failures FAILED"
  exit 1
fi
echo "camera_app_test: OK"
