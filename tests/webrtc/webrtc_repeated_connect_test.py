#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Repeated connect/close of webrtcbin peer connections on our plugins: no deadlock, no leak.

webrtc_churn.py connects and closes N peer connections one after the other in one process (two
webrtcbins each, Opus audio and a data channel both ways, ICE on loopback). Every connection must reach
`connected`, decode audio and deliver a message each way within 20 s and close within 10 s, or the
program stops (a hang anywhere, even inside a state change, ends it through faulthandler with every
thread's stack). It runs twice under heaptrack, with N=5 and N=50, and GStreamer's leaks tracer on.

The leak criteria, each of which fails if every connection (or even one in ten) leaks:

- GStreamer objects: in the N=50 run, the GObjects and mini objects alive (by type, from the leaks
  tracer) after the 2 warm-up connections are compared with those alive at the end. No type may have
  grown by more than MAX_OBJECT_GROWTH over the 48 connections in between: a leaked element, pad,
  buffer, caps or event per connection would show 48 or more.
- Heap: heaptrack lists every allocation never freed at exit with its backtrace. The bytes leaked by
  allocations made through our code (a frame whose function name contains "secmedia": the sans-IO
  core, the elements, and what OpenSSL or GStreamer allocate when they call) are summed for each run;
  the N=50 run may leak at most MAX_HEAP_GROWTH bytes more than the N=5 run. A leaked DTLS association
  or SRTP session (several KB each) per connection would add hundreds of KB over the 45 extra
  connections, and any leak of 540 bytes or more per connection fails. One-time allocations are the
  same in both runs and cancel out. Left out, because they follow threads or the process, not
  connections, and would only add noise:
  * type and class registration (frames *_get_type, *_class_init, plugin_init, install_*): which of
    them gets blamed for a growth of GLib's never-freed type tables changes from run to run;
  * OpenSSL 3.0's per-thread state (random generators under RAND_get0_private/RAND_get0_public, the
    error queue under ERR_clear_error), made the first time a thread needs it and not freed with
    GStreamer's pooled streaming threads; gst-plugins-bad's elements show the same growth.
  G_SLICE=always-malloc, so GSlice's never-freed pages are not blamed on whichever allocation happened
  to need one. The test also fails if heaptrack saw no allocation through our code at all (the
  measurement would be blind).
- The process's total leak (Python, PyGObject closures, GLib) is printed for information only: the
  Debian 12 PyGObject leaks a closure per Python callback, which has nothing to do with our plugins.

Cases: connect_close_5, connect_close_50, gst_objects_do_not_grow, heap_through_secmedia_does_not_grow,
heaptrack_sees_our_code.

    webrtc_repeated_connect_test.py
"""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import webrtc_support as ws  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SMALL, LARGE = 5, 50
MAX_OBJECT_GROWTH = 4
MAX_HEAP_GROWTH = 24 * 1000
RUN_TIMEOUT_S = 240
UNITS = {"B": 1, "K": 1e3, "M": 1e6, "G": 1e9}  # heaptrack prints decimal units


def run_churn(count, workdir):
    """Runs webrtc_churn.py under heaptrack; returns (summary dict or None, heaptrack file, output)."""
    prefix = os.path.join(workdir, f"heaptrack-{count}")
    env = dict(os.environ)
    env.update({
        # GSlice keeps per-thread magazines and never returns its pages: with it, which allocation
        # gets blamed for a never-freed page depends on thread timing, not on leaks.
        "G_SLICE": "always-malloc",
        "GST_TRACERS": "leaks",
        "GST_DEBUG": "GST_TRACER:7",
        "GST_DEBUG_NO_COLOR": "1",
        "GST_DEBUG_FILE": os.path.join(workdir, f"gst-debug-{count}.log"),
    })
    command = ["heaptrack", "-o", prefix, sys.executable, os.path.join(HERE, "webrtc_churn.py"),
               str(count)]
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True,
                                timeout=RUN_TIMEOUT_S)
        output = result.stdout + result.stderr
    except subprocess.TimeoutExpired as timeout:
        output = f"timed out after {RUN_TIMEOUT_S} s\n" + str(timeout.stdout) + str(timeout.stderr)
    summary = None
    for line in output.splitlines():
        if line.startswith("{"):
            summary = json.loads(line)
    files = glob.glob(prefix + ".*")
    return summary, (files[0] if files else None), output


def leak_blocks(heaptrack_file):
    """(bytes, frames) for each backtrace whose allocations were never freed."""
    text = subprocess.run(["heaptrack_print", "-f", heaptrack_file, "-a", "0", "-p", "0", "-T", "0",
                           "-l", "1", "-m", "0", "-n", "1000000", "-s", "1000000"],
                          capture_output=True, text=True, check=True, timeout=120).stdout
    text = text.split("MEMORY LEAKS", 1)[-1]
    blocks = []
    for line in text.splitlines():
        match = re.match(r"^(-?[\d.]+)([BKMG]) leaked over \d+ calls from$", line)
        if match:
            blocks.append((float(match.group(1)) * UNITS[match.group(2)], []))
        elif blocks and line.startswith("  ") and not line.startswith("    "):
            blocks[-1][1].append(line.strip())
    return blocks


# OpenSSL 3.0 makes per-thread state the first time a thread needs it (random generators, the error
# queue) and, in GStreamer's pooled streaming threads, never frees it.
OPENSSL_PER_THREAD = ("RAND_get0_private", "RAND_get0_public", "ERR_clear_error", "ERR_get_state",
                      "ossl_err_get_state_int")


# Code that runs once per process (type and class registration): GLib's type tables, never freed, grow
# when some registration needs room, and which one gets blamed for the growth changes from run to run.
ONCE_PER_PROCESS = ("_get_type", "_get_type_once", "_class_init", "plugin_init", "install_")


def leaked_bytes(heaptrack_file):
    """(total leaked, leaked through secmedia code, OpenSSL per-thread state leaked through it)."""
    total = ours = per_thread = 0.0
    for size, frames in leak_blocks(heaptrack_file):
        total += size
        ours_frames = [frame for frame in frames if "secmedia" in frame]
        if ours_frames:
            if any(frame.split("(")[0].endswith(ONCE_PER_PROCESS) for frame in ours_frames):
                continue
            if any(frame in OPENSSL_PER_THREAD for frame in frames):
                per_thread += size
            else:
                ours += size
    return total, ours, per_thread


def allocations_through_our_code(heaptrack_file):
    text = subprocess.run(["heaptrack_print", "-f", heaptrack_file, "-a", "1", "-p", "0", "-T", "0",
                           "-l", "0", "-n", "1", "-s", "0", "--filter-bt-function", "secmedia"],
                          capture_output=True, text=True, check=True, timeout=120).stdout
    match = re.search(r"^(\d+) calls to allocation functions with", text, re.MULTILINE)
    return int(match.group(1)) if match else 0


def main():
    report = ws.Report("WebrtcRepeatedConnect")
    with tempfile.TemporaryDirectory(prefix="webrtc-churn-") as workdir:
        runs = {}
        for count in (SMALL, LARGE):
            summary, heaptrack_file, output = run_churn(count, workdir)
            runs[count] = (summary, heaptrack_file)
            complete = summary is not None and summary["completed"] == count and heaptrack_file
            if not complete:
                print(output[-6000:], file=sys.stderr)
            report.check(f"connect_close_{count}", bool(complete),
                         f"{count} connections: summary {summary}, heaptrack file {heaptrack_file}")
            if summary:
                ws.log(f"{count} connections: {summary['completed']} completed, slowest connect "
                       f"{summary['slowest_connect_s']} s, slowest close {summary['slowest_close_s']} "
                       f"s, live object growth {summary['leaked_objects']}")

        summary = runs[LARGE][0] or {}
        growth = summary.get("leaked_objects", {})
        too_many = {name: n for name, n in growth.items() if n > MAX_OBJECT_GROWTH}
        report.check("gst_objects_do_not_grow",
                     summary.get("leaks_tracer") is True and summary.get("completed") == LARGE and
                     not too_many,
                     f"objects alive at the end minus after warm-up, by type: {growth} (at most "
                     f"{MAX_OBJECT_GROWTH} each); leaks tracer active: {summary.get('leaks_tracer')}")

        files = {count: runs[count][1] for count in runs}
        # The comparison means something only when both runs made all their connections.
        complete = all(runs[count][0] and runs[count][0]["completed"] == count for count in runs)
        if complete and all(files.values()):
            small = leaked_bytes(files[SMALL])
            large = leaked_bytes(files[LARGE])
            seen = allocations_through_our_code(files[SMALL])
            ws.log(f"heaptrack, bytes never freed: total {small[0]:.0f} ({SMALL} connections) vs "
                   f"{large[0]:.0f} ({LARGE}); through secmedia code {small[1]:.0f} vs {large[1]:.0f}; "
                   f"OpenSSL per-thread state through it {small[2]:.0f} vs {large[2]:.0f}; allocation "
                   f"calls through secmedia code ({SMALL} connections): {seen}")
            report.check("heap_through_secmedia_does_not_grow",
                         large[1] - small[1] <= MAX_HEAP_GROWTH,
                         f"bytes leaked through secmedia code: {small[1]:.0f} after {SMALL} "
                         f"connections, {large[1]:.0f} after {LARGE} (at most {MAX_HEAP_GROWTH} more)")
            report.check("heaptrack_sees_our_code", seen > 0,
                         "heaptrack saw no allocation through a function named secmedia*")
        else:
            why = f"a run did not complete, or no heaptrack data: {files}"
            report.check("heap_through_secmedia_does_not_grow", False, why)
            report.check("heaptrack_sees_our_code", False, why)

    report.write("webrtc_repeated_connect_test")
    return 1 if report.failures() else 0


if __name__ == "__main__":
    ws.exit_process(main())
