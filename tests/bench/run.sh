#!/usr/bin/env bash
# The benchmark command: a release build of the SRTP core benchmark only, run once. Prints the Google
# Benchmark table, then one RATIO line per case and the STATE line. Extra arguments go to the program
# (e.g. --benchmark_filter=GCM). About a minute on a 2-core machine.
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
ninja -C "$build_dir" tests/bench/srtp_core_bench >/dev/null

# Three repetitions of at least 0.4 s each, compared by their median: a small shared machine has bursts
# of noise that a single run would turn into a wrong ratio.
exec "$build_dir/tests/bench/srtp_core_bench" \
  --benchmark_min_time=0.4 \
  --benchmark_repetitions=3 \
  --benchmark_display_aggregates_only=true \
  "$@"
