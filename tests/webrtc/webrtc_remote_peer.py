#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A webrtcbin peer in its own process, driven through its stdin and stdout, one JSON object a line.

Whatever GStreamer plugins its environment gives it are the ones it uses: the interop test starts it
without GST_PLUGIN_PATH and with its own GST_REGISTRY, so it runs on gst-plugins-bad.

  in:  {"type": "offer"|"answer", "sdp": ...}, {"type": "ice", "mline": N, "candidate": ...},
       {"type": "make-offer"}, {"type": "stop"}
  out: the same signalling, and {"type": "status", ...} every 200 ms and once more after the stop:
       connected, decoded frames/buffers, data-channel messages received, the DTLS/SRTP elements inside
       webrtcbin with their plugin files, errors.

It sends MESSAGES data-channel messages when its channel opens, and stops when told, when its stdin
closes or after its deadline.
"""
import faulthandler
import json
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import webrtc_support as ws  # noqa: E402
from gi.repository import GLib  # noqa: E402

DEADLINE_S = 120
MESSAGES = 3


def main():
    faulthandler.dump_traceback_later(DEADLINE_S + 30, exit=True)
    ws.init()
    out_lock = threading.Lock()

    def send(message):
        with out_lock:
            sys.stdout.write(json.dumps(message) + "\n")
            sys.stdout.flush()

    peer = ws.Peer("remote", send=send)
    sent = []
    loop = GLib.MainLoop()

    def on_channel_open(_peer, channel):
        if sent:
            return
        for i in range(MESSAGES):
            text = f"remote says {i}"
            sent.append(text)
            channel.emit("send-string", text)

    peer.on_channel_open = on_channel_open

    def status():
        return {
            "type": "status",
            "connected": peer.connected(),
            "decoded": peer.decoded,
            "messages_received": peer.messages_received,
            "messages_sent": sent,
            "elements": peer.collect_secure_elements(),
            "errors": peer.errors,
        }

    def report_status():
        send(status())
        return True

    stopping = []

    def stop():
        if not stopping:
            stopping.append(True)
            final = status()
            peer.stop()
            final["stopped"] = True
            send(final)
            loop.quit()
        return False

    def handle(message):
        if message["type"] == "make-offer":
            peer.make_offer()
        elif message["type"] == "stop":
            stop()
        else:
            peer.receive(message)
        return False

    def read_stdin():
        for line in sys.stdin:
            if line.strip():
                GLib.idle_add(handle, json.loads(line))
        GLib.idle_add(stop)

    peer.start()
    threading.Thread(target=read_stdin, daemon=True).start()
    GLib.timeout_add(200, report_status)
    GLib.timeout_add_seconds(DEADLINE_S, stop)
    loop.run()
    faulthandler.cancel_dump_traceback_later()
    return 0


if __name__ == "__main__":
    ws.exit_process(main())
