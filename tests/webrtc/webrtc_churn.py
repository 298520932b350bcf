#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Connects and closes N webrtcbin peer connections one after the other in this process (two
webrtcbins each, Opus audio and a data channel both ways, ICE on loopback), for
webrtc_repeated_connect_test.py, which runs it under heaptrack.

Each connection must reach `connected`, decode audio on both sides, carry a data-channel message each
way and close (both pipelines to NULL), each step within its deadline; otherwise the program stops with
exit status 2 (and a deadlock anywhere, even inside set_state, ends it through faulthandler with every
thread's stack and exit status 1).

With GST_TRACERS=leaks (and GST_DEBUG=GST_TRACER:7, GST_DEBUG_FILE), the objects alive (by type, from GStreamer's leaks tracer) after the first
WARMUP connections, which make the process's one-time objects (clocks, task pools, plugin features),
are compared with those alive at the end: every type whose count grew is reported.

The last line on stdout is a JSON summary: connections completed, slowest connect and close, and the
leaked objects by type.

    webrtc_churn.py N
"""
import faulthandler
import gc
import json
import re
import sys
import os
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import webrtc_support as ws  # noqa: E402
from gi.repository import Gst  # noqa: E402

WARMUP = 2
CONNECT_TIMEOUT_S = 20  # connected, audio decoded and messages delivered
CLOSE_TIMEOUT_S = 10  # both pipelines to NULL
AUDIO_BUFFERS_WANTED = 10


def leaks_tracer():
    for tracer in Gst.tracing_get_active_tracers():
        if type(tracer).__name__ == "GstLeaksTracer":
            return tracer
    return None


def live_objects(tracer):
    """The objects (GObjects and mini objects) alive now, counted by type. The leaks tracer logs them
    (GST_TRACER:7) to GST_DEBUG_FILE; its get-live-objects signal is not used, as it takes over the
    references of every live object (for leaks found at exit) and so would destroy live ones."""
    gc.collect()
    path = os.environ.get("GST_DEBUG_FILE")
    if not path:
        raise RuntimeError("counting live objects needs GST_DEBUG=GST_TRACER:7 and GST_DEBUG_FILE")
    start = os.path.getsize(path)
    tracer.emit("log-live-objects")
    with open(path, errors="replace") as log_file:
        log_file.seek(start)
        text = log_file.read()
    counts = {}
    for type_name in re.findall(r"object-alive, type-name=\(string\)(\w+)", text):
        counts[type_name] = counts.get(type_name, 0) + 1
    return counts


def one_connection(index):
    """Returns (seconds to connect, seconds to close) or raises RuntimeError."""
    alice = ws.Peer(f"alice{index}", send=None, video=False, audio=True)
    bob = ws.Peer(f"bob{index}", send=None, video=False, audio=True, data_channel=False)
    ws.connect_in_process(alice, bob)
    texts = {alice.name: f"from alice {index}", bob.name: f"from bob {index}"}

    def on_channel_open(peer, channel):
        channel.emit("send-string", texts[peer.name])

    alice.on_channel_open = bob.on_channel_open = on_channel_open
    started = time.monotonic()
    alice.start()
    bob.start()
    alice.make_offer()

    def done():
        return (alice.connected() and bob.connected() and
                alice.decoded["audio"] >= AUDIO_BUFFERS_WANTED and
                bob.decoded["audio"] >= AUDIO_BUFFERS_WANTED and
                alice.messages_received == [texts[bob.name]] and
                bob.messages_received == [texts[alice.name]])

    finished = ws.run_until(done, CONNECT_TIMEOUT_S)
    connect_s = time.monotonic() - started
    what = (f"connection {index}: connected alice {alice.connected()} bob {bob.connected()}, audio "
            f"decoded {alice.decoded['audio']}/{bob.decoded['audio']}, messages "
            f"{alice.messages_received}/{bob.messages_received}, errors {alice.errors + bob.errors}")
    closing = time.monotonic()
    if finished:
        ws.close_data_channels((alice, bob), CLOSE_TIMEOUT_S)
    bob.stop()
    alice.stop()
    close_s = time.monotonic() - closing
    if not finished or alice.errors or bob.errors:
        raise RuntimeError(f"{what}; not complete within {CONNECT_TIMEOUT_S} s" if not finished else what)
    if close_s > CLOSE_TIMEOUT_S:
        raise RuntimeError(f"connection {index}: closing took {close_s:.1f} s")
    return connect_s, close_s


def main():
    count = int(sys.argv[1])
    ws.init()
    tracer = leaks_tracer()
    summary = {"connections": count, "completed": 0, "slowest_connect_s": 0.0, "slowest_close_s": 0.0,
               "leaks_tracer": tracer is not None, "leaked_objects": {}, "error": None}
    baseline = None
    for index in range(count):
        if index == WARMUP and tracer is not None:
            baseline = live_objects(tracer)
        # A connection that hangs anywhere (even in a state change) ends the program with its stacks.
        faulthandler.dump_traceback_later(CONNECT_TIMEOUT_S + CLOSE_TIMEOUT_S + 10, exit=True)
        try:
            connect_s, close_s = one_connection(index)
        except RuntimeError as error:
            summary["error"] = str(error)
            break
        finally:
            faulthandler.cancel_dump_traceback_later()
            gc.collect()
        summary["completed"] += 1
        summary["slowest_connect_s"] = max(summary["slowest_connect_s"], round(connect_s, 3))
        summary["slowest_close_s"] = max(summary["slowest_close_s"], round(close_s, 3))
        ws.log(f"connection {index}: connected and exchanged in {connect_s:.2f} s, closed in "
               f"{close_s:.2f} s")
    if baseline is not None and summary["completed"] > WARMUP:
        final = live_objects(tracer)
        summary["leaked_objects"] = {name: final.get(name, 0) - baseline.get(name, 0)
                                     for name in sorted(final)
                                     if final.get(name, 0) > baseline.get(name, 0)}
    print(json.dumps(summary), flush=True)
    return 0 if summary["completed"] == count else 2


if __name__ == "__main__":
    sys.exit(main())
