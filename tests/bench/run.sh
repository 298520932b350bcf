#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The benchmark command: a release build, then every benchmark, each comparison's contenders in
# repetitions interleaved at random (so that drift of the machine falls on all of them alike):
#   1. SRTP core: ours, the raw OpenSSL floor and libsrtp2 (Google Benchmark, random interleaving,
#      every repetition kept in srtp_core.json); STATE bytes per stream.
#   2. SRTP elements: srtpenc and srtpdec in pipelines, ours against gst-plugins-bad's in worker
#      processes in random order; with --scaling, 10,000 SSRCs through one srtpdec against one, and
#      two srtpenc threads against one (ours).
#   3. DTLS core: in-memory handshakes, ours against bare OpenSSL.
#   4. DTLS elements: dtlsenc/dtlsdec handshake and heap per side, ours against gst-plugins-bad's.
#   5. webrtcbin on our plugins against webrtcbin on gst-plugins-bad's.
#   6. Scale: N = 10, 100, 1000 DTLS-SRTP associations in one process, ours and gst-plugins-bad's
#      (tests/bench/scale_bench.py; every run bounded by a timeout, killed by its PID).
#   7. Buffer lists from a payloader through srtpenc to udpsink.
# Then tests/bench/report.py prints the summary table (every RATIO line, with its target), draws the
# charts into build-bench/charts/ and, with --update-docs, copies them to docs/perf/ and rewrites the
# generated part of docs/performance.md. Every program's output is kept in build-bench/logs/ (the
# run before in build-bench/logs.previous/: the summary shows how far each figure moved since).
# Every RATIO line reads: RATIO <area> <figure> <ratio> vs <reference> (spread <p10>-<p90>, n=<pairs>).
# About 5 minutes on a quiet 2-core machine, 10-15 with other builds running.
#
#   bash tests/bench/run.sh [--update-docs] [--quick]
# --quick: fewer repetitions and N up to 100 (a few minutes; figures less steady).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

update_docs=0
quick=0
for arg in "$@"; do
  case "$arg" in
    --update-docs) update_docs=1 ;;
    --quick) quick=1 ;;
    *) echo "usage: bash tests/bench/run.sh [--update-docs] [--quick]" >&2; exit 2 ;;
  esac
done

started=$(date +%s)
if [ -f scripts/setup.sh ]; then
  bash scripts/setup.sh || exit 1
fi

build_dir=build-bench
options=(--buildtype=release -Dbenchmarks=enabled)
if [ -d "$build_dir" ]; then
  meson setup --reconfigure "$build_dir" "${options[@]}" >/dev/null || exit 1
else
  meson setup "$build_dir" "${options[@]}" >/dev/null || exit 1
fi
# The element benchmarks load our plugins at run time: they are targets of their own.
ninja -C "$build_dir" tests/bench/srtp_core_bench tests/bench/srtp_element_bench \
  tests/bench/dtls_core_bench tests/bench/dtls_element_bench tests/bench/dtls_scale_harness \
  gst/libgstdtls.so gst/libgstsrtp.so >/dev/null || exit 1

logs=$build_dir/logs
charts=$build_dir/charts
# The previous run's logs are kept beside: report.py shows how far each figure moved since.
rm -rf "$logs.previous"
if [ -d "$logs" ]; then mv "$logs" "$logs.previous"; fi
mkdir -p "$logs" "$charts"
python=/usr/bin/python3

# The machine, and what else ran on it.
{
  echo "nproc: $(nproc)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "kernel: $(uname -r)"
  echo "os: $(. /etc/os-release && echo "$PRETTY_NAME")"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  # Other work on the machine: the processes using the most CPU (over one second) as the run starts.
  echo "busiest processes at start: $(top -b -n 2 -d 1 -o %CPU -w 200 |
    awk '/^top -/ { n++ } n == 2 && $1 ~ /^[0-9]+$/ && shown++ < 4 {
      printf "%s%s %s%%", (shown > 1 ? ", " : ""), $12, $9 }')"
} >"$logs/machine.txt"

if [ "$quick" -eq 1 ]; then
  core_reps=5 element_rounds=3 element_repeat=2 dtls_rounds=3 webrtc_rounds=2 scale_sizes=10,100
  scale_rounds=10:3,100:2
else
  # Element workers: a process keeps the one or two cores the VM gave it for its whole life, so
  # the element figures gain more from more workers (rounds) than from more runs in each.
  core_reps=16 element_rounds=16 element_repeat=1 dtls_rounds=6 webrtc_rounds=3
  scale_sizes=10,100,1000 scale_rounds=10:12,100:6,1000:4
fi

status=0
# Each step bounded; `timeout` ends the program by its PID (and KILLs it 10 s later if need be).
step() {
  local name=$1 limit=$2
  shift 2
  local step_start
  step_start=$(date +%s)
  echo "== $name" >&2
  timeout -k 10 "$limit" "$@" 2>"$logs/$name.err" | tee "$logs/$name.txt"
  local rc=${PIPESTATUS[0]}
  echo "$name $(($(date +%s) - step_start)) s" >>"$logs/steps.txt"
  if [ "$rc" -ne 0 ]; then
    echo "== $name failed (exit $rc); stderr in $logs/$name.err" >&2
    tail -5 "$logs/$name.err" >&2
    status=1
  fi
}

# Repetitions of at least 0.1 s, interleaved at random across ours, the floor and libsrtp2; the
# ratios use the median and print the spread of the paired repetitions.
step srtp_core 600 "$build_dir/tests/bench/srtp_core_bench" \
  --benchmark_min_time=0.1 \
  --benchmark_repetitions="$core_reps" \
  --benchmark_enable_random_interleaving=true \
  --benchmark_out="$logs/srtp_core.json" --benchmark_out_format=json
step srtp_element 600 "$build_dir/tests/bench/srtp_element_bench" --rounds="$element_rounds" \
  --repeat="$element_repeat" --scaling
step dtls_core 300 "$build_dir/tests/bench/dtls_core_bench" \
  --benchmark_min_time=0.3 \
  --benchmark_repetitions="$core_reps" \
  --benchmark_enable_random_interleaving=true \
  --benchmark_out="$logs/dtls_core.json" --benchmark_out_format=json
step dtls_element 300 "$build_dir/tests/bench/dtls_element_bench" --rounds="$dtls_rounds"
step webrtc 300 "$python" tests/bench/webrtc_bench.py "$build_dir/gst" --rounds "$webrtc_rounds"
step scale 900 "$python" tests/bench/scale_bench.py "$build_dir" --sizes "$scale_sizes" \
  --rounds "$scale_rounds" --timeout 120 --json "$logs/scale.json"
step buffer_lists 120 "$python" tests/bench/buffer_lists_check.py "$build_dir/gst"

{
  echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "busiest processes at end: $(top -b -n 2 -d 1 -o %CPU -w 200 |
    awk '/^top -/ { n++ } n == 2 && $1 ~ /^[0-9]+$/ && shown++ < 4 {
      printf "%s%s %s%%", (shown > 1 ? ", " : ""), $12, $9 }')"
} >>"$logs/machine.txt"
elapsed=$(($(date +%s) - started))
echo "$((elapsed / 60)) min $((elapsed % 60)) s (build included; per step: $(paste -sd, "$logs/steps.txt" | sed 's/,/, /g'))" >"$logs/elapsed.txt"

report_args=("$logs" "$charts")
if [ -d "$logs.previous" ]; then report_args+=(--previous "$logs.previous"); fi
if [ "$update_docs" -eq 1 ]; then
  report_args+=(--docs docs/performance.md --docs-charts docs/perf)
fi
"$python" tests/bench/report.py "${report_args[@]}" || status=1
echo "# run.sh: $(cat "$logs/elapsed.txt"); logs in $logs, charts in $charts"
exit "$status"
