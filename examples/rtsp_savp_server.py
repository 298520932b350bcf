#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A secure RTSP camera in a few lines: gst-rtsp-server serves live VP8 video as RTP/SAVP, keyed by
MIKEY (RFC 3830) in the SDP, encrypted by secmedia's srtpenc (when GST_PLUGIN_PATH selects our
plugins). Play it with rtspsrc (README, "Recipes"):

    /usr/bin/python3 examples/rtsp_savp_server.py [PORT] [--cipher aes-256-gcm]

The cipher is chosen where gst-rtsp-server lets an application choose it: the stream's
`new-rtp-encoder` signal, before srtpenc makes its random key.
"""
import argparse
import signal

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402

CIPHERS = {  # srtpenc's rtp-cipher / rtp-auth nicks (GCM carries its own tag)
    "aes-128-icm": ("aes-128-icm", "hmac-sha1-80"),
    "aes-256-icm": ("aes-256-icm", "hmac-sha1-80"),
    "aes-128-gcm": ("aes-128-gcm", "null"),
    "aes-256-gcm": ("aes-256-gcm", "null"),
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("port", nargs="?", default="8554")
    parser.add_argument("--cipher", choices=sorted(CIPHERS), default="aes-128-icm")
    args = parser.parse_args()
    Gst.init(None)
    cipher, auth = CIPHERS[args.cipher]

    def on_encoder(_stream, srtpenc):
        for name, value in (("rtp-cipher", cipher), ("rtcp-cipher", cipher), ("rtp-auth", auth),
                            ("rtcp-auth", auth)):
            Gst.util_set_object_arg(srtpenc, name, value)

    def on_configure(_factory, media):
        for i in range(media.n_streams()):
            media.get_stream(i).connect("new-rtp-encoder", on_encoder)

    server = GstRtspServer.RTSPServer(address="127.0.0.1", service=args.port)
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch("( videotestsrc is-live=true ! video/x-raw,width=320,height=240 "
                       "! vp8enc deadline=1 ! rtpvp8pay name=pay0 pt=96 )")
    factory.set_profiles(GstRtsp.RTSPProfile.SAVP)
    factory.set_shared(True)
    factory.connect("media-configure", on_configure)
    server.get_mount_points().add_factory("/camera", factory)
    server.attach(None)
    print(f"serving rtsp://127.0.0.1:{args.port}/camera (RTP/SAVP, {args.cipher})", flush=True)
    loop = GLib.MainLoop()
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, loop.quit)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
    loop.run()


if __name__ == "__main__":
    main()
