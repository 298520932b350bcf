#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""webrtcbin on secmedia against webrtcbin on gst-plugins-bad: how long a call takes to connect.

Each backend runs in worker processes of its own (our plugins by GST_PLUGIN_PATH, or the system's,
each with a private registry), in an order drawn at random each round, so that drift of the machine hits both alike. A worker
connects CALLS calls one after the other, two webrtcbins each (Opus audio, ICE on loopback), and
times, per call:

  dtls       from webrtcbin's ice-connection-state turning connected to its connection-state turning
             connected (the DTLS handshake and keying inside webrtcbin), the slower of the two peers
  connect    from create-offer to both peer connections connected (signalling, ICE and DTLS)
  cpu        the process's CPU time (all threads) per call, from connect until both peers are closed

The medians are printed per backend, then one RATIO line per measure (secmedia / gst-plugins-bad,
lower is better for us; tests/bench/ratio.py's form). Needs what tests/webrtc needs (gstreamer1.0-nice, python3-gi, ...).

    webrtc_bench.py PLUGIN_DIR [--calls N] [--rounds R]
"""
import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "webrtc"))
sys.path.insert(0, HERE)
import ratio as R  # noqa: E402


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def worker(calls):
    import webrtc_support as ws
    from gi.repository import GstWebRTC

    ws.init()
    connected_state = GstWebRTC.WebRTCPeerConnectionState.CONNECTED
    ice_connected = (GstWebRTC.WebRTCICEConnectionState.CONNECTED,
                     GstWebRTC.WebRTCICEConnectionState.COMPLETED)
    results = []
    for _ in range(calls):
        alice = ws.Peer("alice", send=None, video=False, data_channel=False)
        bob = ws.Peer("bob", send=None, video=False, data_channel=False)
        ws.connect_in_process(alice, bob)
        times = {}

        def watch(peer):
            def on_ice(webrtc, _pspec):
                if webrtc.get_property("ice-connection-state") in ice_connected:
                    times.setdefault((peer.name, "ice"), time.monotonic())

            def on_pc(webrtc, _pspec):
                if webrtc.get_property("connection-state") == connected_state:
                    times.setdefault((peer.name, "pc"), time.monotonic())

            peer._connect(peer.webrtc, "notify::ice-connection-state", on_ice)
            peer._connect(peer.webrtc, "notify::connection-state", on_pc)

        watch(alice)
        watch(bob)
        cpu_before = cpu_seconds()
        alice.start()
        bob.start()
        started = time.monotonic()
        alice.make_offer()
        ok = ws.run_until(lambda: all((p, "pc") in times for p in ("alice", "bob")), 20)
        alice.stop()
        bob.stop()
        cpu_used = cpu_seconds() - cpu_before
        if not ok or alice.errors or bob.errors:
            print(json.dumps({"error": alice.errors + bob.errors or ["no connection in 20 s"]}))
            return 2
        dtls = max(times[(p, "pc")] - times[(p, "ice")] for p in ("alice", "bob"))
        connect = max(times[(p, "pc")] for p in ("alice", "bob")) - started
        results.append({"dtls": dtls, "connect": connect, "cpu": cpu_used})
    print(json.dumps({"calls": results}))
    return 0


def run_worker(backend, plugin_dir, calls):
    env = dict(os.environ)
    env.pop("GST_PLUGIN_PATH", None)
    if backend == "secmedia":
        env["GST_PLUGIN_PATH"] = plugin_dir
    env["GST_REGISTRY"] = f"/tmp/secmedia-webrtc-bench-{backend}.bin"
    env["GST_REGISTRY_FORK"] = "no"
    done = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker", "--calls",
                           str(calls)], env=env, capture_output=True, text=True, timeout=600)
    last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "{}"
    result = json.loads(last)
    if done.returncode != 0 or "calls" not in result:
        raise RuntimeError(f"{backend} worker failed ({done.returncode}): {last}\n{done.stderr[-2000:]}")
    return result["calls"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("plugin_dir", nargs="?")
    parser.add_argument("--worker", action="store_true")
    parser.add_argument("--calls", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.worker:
        return worker(args.calls)
    plugin_dir = os.path.realpath(args.plugin_dir)
    samples = {"secmedia": [], "gst-plugins-bad": []}
    rng = random.Random()
    for _ in range(args.rounds):
        # The backends in an order drawn at random each round.
        order = list(samples)
        rng.shuffle(order)
        for backend in order:
            # The first call of a process pays for loading plugins: run one more and drop it.
            samples[backend] += run_worker(backend, plugin_dir, args.calls + 1)[1:]
    medians = {}
    print(f"{'backend':<16} {'calls':>5} {'dtls ms':>9} {'connect ms':>11} {'cpu ms/call':>12}")
    for backend, calls in samples.items():
        medians[backend] = {k: statistics.median(c[k] for c in calls) for k in ("dtls", "connect", "cpu")}
        m = medians[backend]
        print(f"{backend:<16} {len(calls):>5} {m['dtls'] * 1e3:>9.1f} {m['connect'] * 1e3:>11.1f} "
              f"{m['cpu'] * 1e3:>12.1f}")
    for measure in ("dtls", "connect", "cpu"):
        print(R.format_ratio("webrtc", measure,
                             R.ratio_of([c[measure] for c in samples["secmedia"]],
                                        [c[measure] for c in samples["gst-plugins-bad"]]),
                             "gst-plugins-bad"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
