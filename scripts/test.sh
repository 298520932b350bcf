#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The test command: sets up a fresh Debian 12 machine, builds, runs every test, and ends with the line
# "N passed, N failed". Exit status is non-zero on any failure.
#
#   build-test      g++, warnings as errors: vectors, unit, libsrtp2 interop; benchmarks built, not run
#   build-sanitize  clang with AddressSanitizer + UndefinedBehaviorSanitizer: the same tests again, plus
#                   the libFuzzer targets for a bounded number of runs
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }

status=0
run_build() {
  local dir=$1
  shift
  if [ -d "$dir" ]; then
    meson setup --reconfigure "$dir" "$@" >/dev/null || return 1
  else
    meson setup "$dir" "$@" >/dev/null || return 1
  fi
  rm -rf "$dir/tests/gtest-reports" "$dir/meson-logs/testlog.json"
  if ! ninja -C "$dir"; then
    # A build that fails counts as a failed test, not as an old result.
    mkdir -p "$dir/meson-logs"
    echo '{"name": "build ('"$dir"')", "result": "FAIL"}' > "$dir/meson-logs/testlog.json"
    return 1
  fi
  meson test -C "$dir" --no-rebuild --print-errorlogs --num-processes 2
}

run_build build-test -Dwerror=true -Dtests=enabled -Dbenchmarks=enabled || status=1
CXX=clang++ CC=clang run_build build-sanitize -Dwerror=true -Dtests=enabled -Dbenchmarks=disabled \
  -Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false || status=1

python3 scripts/count_results.py build-test build-sanitize || status=1
exit $status
