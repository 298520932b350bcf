#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Counts test results over Meson build dirs and prints the closing line 'N passed, N failed'.

GoogleTest programs count one result per test case (from the JSON report each writes, see
tests/meson.build); every other Meson test (fuzz runs) counts as one. A program that Meson saw fail
although its cases passed (a crash at exit, a sanitizer report) adds one failure.
"""
import json
import os
import sys


def count_build(build_dir, failures):
    """Adds to failures one line per failed program or case, so a red run names what failed."""
    passed = failed = 0
    log_path = os.path.join(build_dir, "meson-logs", "testlog.json")
    if not os.path.exists(log_path):
        print(f"count: no test log in {build_dir}", file=sys.stderr)
        failures.append(f"{build_dir}: no test log")
        return 0, 1
    reports = os.path.join(build_dir, "tests", "gtest-reports")
    with open(log_path) as log:
        for line in log:
            entry = json.loads(line)
            name = entry["name"].split(" / ")[-1]
            meson_ok = entry["result"] in ("OK", "EXPECTEDFAIL")
            report = os.path.join(reports, name + ".json")
            if os.path.exists(report):
                with open(report) as f:
                    data = json.load(f)
                case_failures = data.get("failures", 0) + data.get("errors", 0)
                passed += data.get("tests", 0) - case_failures
                failed += case_failures
                for suite in data.get("testsuites", []):
                    for case in suite.get("testsuite", []):
                        if case.get("failures"):
                            failures.append(f"{build_dir}: {name}: {suite['name']}.{case['name']}")
                if not meson_ok and case_failures == 0:
                    failed += 1
                    failures.append(f"{build_dir}: {name}: every case passed, but the program "
                                    f"ended {entry['result']} (exit {entry.get('returncode')})")
            elif meson_ok:
                passed += 1
            else:
                failed += 1
                failures.append(f"{build_dir}: {name}: {entry['result']} "
                                f"(exit {entry.get('returncode')}, {entry.get('duration', 0):.0f} s)")
    return passed, failed


def main():
    total_passed = total_failed = 0
    failures = []
    for build_dir in sys.argv[1:]:
        passed, failed = count_build(build_dir, failures)
        print(f"count: {build_dir}: {passed} passed, {failed} failed", file=sys.stderr)
        total_passed += passed
        total_failed += failed
    for line in failures:
        print(f"failed: {line}")
    print(f"{total_passed} passed, {total_failed} failed")
    return 1 if total_failed else 0


if __name__ == "__main__":
    sys.exit(main())
