#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Do buffer lists stay lists from the payloader to udpsink through srtpenc (and dtlsenc)?

    videotestsrc ! rtpvrawpay ! srtpenc ! udpsink (127.0.0.1, a port nobody reads)
    videotestsrc ! rtpvrawpay ! srtpenc ! dtlsenc ! udpsink (ours only: issue 15)

rtpvrawpay pushes each frame's packets as one GstBufferList. Pad probes count what crosses the
payloader's src pad, srtpenc's src pad and udpsink's sink pad: lists (and the packets in them) and
single SRTP buffers (RFC 7983 first byte 128-191: dtlsenc's handshake datagrams are not counted).
For each implementation (ours by GST_PLUGIN_PATH, gst-plugins-bad's without), in a worker process
of its own; the dtlsenc case only for ours (gst-plugins-bad's SRTP goes around its dtlsenc, in
dtlssrtpenc's funnel). dtlsenc has no peer here: as before any handshake, SRTP (protected with
srtpenc's static key) passes it untouched. Prints one LISTS line per case and point, and a verdict
line.

    buffer_lists_check.py PLUGIN_DIR
"""
import json
import os
import subprocess
import sys
import tempfile

FRAMES = 30
KEY = "e1f97a0d3e018be0d64fa32c06de41390ec675ad498afeebb6960b3aabe6"


def worker(with_dtlsenc):
    import gi
    gi.require_version("Gst", "1.0")
    from gi.repository import Gst
    Gst.init(None)
    pipeline = Gst.parse_launch(
        f"videotestsrc num-buffers={FRAMES} ! video/x-raw,format=I420,width=320,height=240 "
        f"! rtpvrawpay name=pay mtu=1200 ! srtpenc name=enc key={KEY} "
        + ("! dtlsenc connection-id=lists-check is-client=true " if with_dtlsenc else "")
        + "! udpsink name=sink host=127.0.0.1 port=9 sync=false async=false")
    enc = pipeline.get_by_name("enc")
    factory = enc.get_factory()
    plugin = factory.get_plugin().get_filename() if factory.get_plugin() else "?"
    for element in pipeline.iterate_elements():
        if with_dtlsenc and element.get_factory().get_name() == "dtlsenc":
            plugin += ", " + element.get_factory().get_plugin().get_filename()
    counts = {}

    def probe(point):
        counts[point] = {"lists": 0, "packets_in_lists": 0, "buffers": 0}

        def on_data(_pad, info):
            c = counts[point]
            if info.type & Gst.PadProbeType.BUFFER_LIST:
                c["lists"] += 1
                c["packets_in_lists"] += info.get_buffer_list().length()
            elif info.type & Gst.PadProbeType.BUFFER:
                first = info.get_buffer().extract_dup(0, 1)
                if first and 128 <= first[0] <= 191:
                    c["buffers"] += 1
            return Gst.PadProbeReturn.OK
        return on_data

    pads = {"payloader": pipeline.get_by_name("pay").get_static_pad("src"),
            "srtpenc": None, "udpsink": pipeline.get_by_name("sink").get_static_pad("sink")}
    pads["srtpenc"] = enc.get_static_pad("rtp_src_0") or pads["udpsink"].get_peer()
    for point, pad in pads.items():
        pad.add_probe(Gst.PadProbeType.BUFFER | Gst.PadProbeType.BUFFER_LIST, probe(point))
    pipeline.set_state(Gst.State.PLAYING)
    message = pipeline.get_bus().timed_pop_filtered(30 * Gst.SECOND,
                                                     Gst.MessageType.EOS | Gst.MessageType.ERROR)
    pipeline.set_state(Gst.State.NULL)
    ok = message is not None and message.type == Gst.MessageType.EOS
    print(json.dumps({"plugin": plugin, "ok": ok, "counts": counts}))
    return 0


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        return worker(len(sys.argv) > 2 and sys.argv[2] == "dtlsenc")
    plugin_dir = os.path.realpath(sys.argv[1])
    status = 0
    with tempfile.TemporaryDirectory(prefix="secmedia-lists-") as scratch:
        for impl, case in (("ours", "srtpenc"), ("gst-plugins-bad", "srtpenc"),
                           ("ours", "dtlsenc")):
            env = {k: v for k, v in os.environ.items()
                   if not k.startswith(("GST_PLUGIN_PATH", "GST_REGISTRY"))}
            label = " ! dtlsenc" if case == "dtlsenc" else ""
            if impl == "ours":
                env["GST_PLUGIN_PATH"] = plugin_dir
            env["GST_REGISTRY"] = os.path.join(scratch, f"registry-{impl}.bin")
            env["GST_REGISTRY_FORK"] = "no"
            done = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker", case],
                                  env=env,
                                  capture_output=True, text=True, timeout=120)
            try:
                result = json.loads(done.stdout.strip().splitlines()[-1])
            except (IndexError, ValueError):
                print(f"# buffer lists: {impl} worker failed: {done.stderr[-500:]}")
                status = 1
                continue
            for point in ("payloader", "srtpenc", "udpsink"):
                c = result["counts"][point]
                print(f"LISTS {impl}{label} {point} lists={c['lists']} packets-in-lists="
                      f"{c['packets_in_lists']} single-buffers={c['buffers']}")
            pay, enc, sink = (result["counts"][p] for p in ("payloader", "srtpenc", "udpsink"))
            kept = (pay["lists"] > 0 and enc["lists"] == pay["lists"] and sink["lists"] == pay["lists"]
                    and enc["buffers"] == 0 and sink["buffers"] == 0)
            verdict = "stay lists" if kept else "do NOT stay lists"
            print(f"# buffer lists, {impl} ({result['plugin']}): {pay['lists']} lists of "
                  f"{pay['packets_in_lists']} packets from the payloader {verdict} through "
                  f"srtpenc{label} to udpsink (lists {sink['lists']}, single buffers {sink['buffers']} at udpsink)"
                  + ("" if result["ok"] else "; the pipeline did not reach EOS"))
    return status


if __name__ == "__main__":
    sys.exit(main())
