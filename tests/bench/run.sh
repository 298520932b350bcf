#!/usr/bin/env bash
# The benchmark command: a release build, then
#   1. the SRTP core benchmark: the Google Benchmark table, one RATIO srtp-core line per case and the
#      STATE line. Extra arguments go to this program (e.g. --benchmark_filter=GCM).
#   2. the element benchmark: srtpenc and srtpdec in pipelines, ours against gst-plugins-bad's, each
#      in its own processes; a table, then one RATIO srtp-element line per case (options: run
#      build-bench/tests/bench/srtp_element_bench --help).
#   3. the DTLS core benchmark: in-memory handshakes, ours against bare OpenSSL (RATIO dtls-core).
#   4. the DTLS element benchmark: dtlsenc/dtlsdec handshakes and heap, ours against gst-plugins-bad's
#      (RATIO dtls-element, STATE dtls-element).
#   5. webrtcbin on our plugins against webrtcbin on gst-plugins-bad's: DTLS time, connect time and CPU
#      per call (RATIO webrtc), tests/bench/webrtc_bench.py.
# About four minutes on a 2-core machine.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

if [ -f scripts/setup.sh ]; then
  bash scripts/setup.sh
fi

build_dir=build-bench
options=(--buildtype=release -Dbenchmarks=enabled)
if [ -d "$build_dir" ]; then
  meson setup --reconfigure "$build_dir" "${options[@]}" >/dev/null
else
  meson setup "$build_dir" "${options[@]}" >/dev/null
fi
# The element benchmark loads our plugin at run time: it is a target of its own, not a link input.
ninja -C "$build_dir" tests/bench/srtp_core_bench tests/bench/srtp_element_bench \
  tests/bench/dtls_core_bench tests/bench/dtls_element_bench gst/libgstdtls.so gst/libgstsrtp.so \
  >/dev/null

status=0
# Three repetitions of at least 0.4 s each, compared by their median: a small shared machine has bursts
# of noise that a single run would turn into a wrong ratio.
"$build_dir/tests/bench/srtp_core_bench" \
  --benchmark_min_time=0.4 \
  --benchmark_repetitions=3 \
  --benchmark_display_aggregates_only=true \
  "$@" || status=$?

# After the core one, not beside it: both want a core of their own. A failure of either still runs
# the other, and the script fails.
"$build_dir/tests/bench/srtp_element_bench" || status=$?

# The DTLS handshakes, ours against bare OpenSSL, repetitions interleaved at random so that drift of
# the machine hits both alike; then dtlsenc/dtlsdec against gst-plugins-bad's (about 25 s).
"$build_dir/tests/bench/dtls_core_bench" \
  --benchmark_min_time=0.3 \
  --benchmark_repetitions=3 \
  --benchmark_enable_random_interleaving=true \
  --benchmark_display_aggregates_only=true || status=$?
"$build_dir/tests/bench/dtls_element_bench" || status=$?
/usr/bin/python3 tests/bench/webrtc_bench.py "$build_dir/gst" || status=$?
exit "$status"
