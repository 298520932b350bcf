#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""webrtcbin on our dtls/srtp plugins (this process) against webrtcbin on gst-plugins-bad's (another
process, webrtc_remote_peer.py, started without GST_PLUGIN_PATH and with its own GST_REGISTRY). SDP and
ICE candidates go through the child's stdin/stdout; ICE on loopback. Both roles: we offer, then they
offer. VP8 video, Opus audio and a data channel, each both ways.

Cases, for each role R in (we_offer, they_offer):
  R_connect                      both peer connections reach `connected`
  R_their_elements_are_system    the other process really runs gst-plugins-bad's dtls/srtp elements
  R_our_elements_are_ours        every DTLS/SRTP element inside our webrtcbin is from our plugin files
  R_srtp_profile_is_aes_cm_80    our side negotiated AES_CM_128_HMAC_SHA1_80 (gst-plugins-bad 1.22
                                 offers no GCM)
  R_video_decoded_both_ways      VP8 frames decoded at both sides' sinks
  R_audio_decoded_both_ways      Opus buffers decoded at both sides' sinks
  R_data_channel_both_ways       data-channel messages arrive, in order, on both sides
  R_no_errors                    no error message on either side

    webrtc_gst_plugins_bad_interop_test.py [--plugin-dir DIR]   (default $SECMEDIA_GST_PLUGIN_DIR)
"""
import argparse
import faulthandler
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import webrtc_support as ws  # noqa: E402
from gi.repository import GLib  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
VIDEO_FRAMES_WANTED = 45
AUDIO_BUFFERS_WANTED = 75
MESSAGES = 3
CALL_TIMEOUT_S = 60


class RemotePeer:
    """The gst-plugins-bad side: a child process speaking JSON lines."""

    def __init__(self, registry):
        env = dict(os.environ)
        for name in ("GST_PLUGIN_PATH", "GST_TRACERS", "SECMEDIA_GST_PLUGIN_DIR", "LD_PRELOAD"):
            env.pop(name, None)
        env["GST_REGISTRY"] = registry
        self.process = subprocess.Popen([sys.executable, os.path.join(HERE, "webrtc_remote_peer.py")],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
                                        text=True, bufsize=1)
        self.status = {}
        self.on_signal = None
        self.stopped = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            message = json.loads(line)
            if message["type"] == "status":
                self.status = message
                if message.get("stopped"):
                    self.stopped.set()
            else:
                GLib.idle_add(lambda m=message: (self.on_signal(m), False)[1])
        self.stopped.set()

    def send(self, message):
        try:
            self.process.stdin.write(json.dumps(message) + "\n")
            self.process.stdin.flush()
        except (BrokenPipeError, ValueError):
            pass

    def finish(self):
        self.send({"type": "stop"})
        self.stopped.wait(30)
        try:
            self.process.stdin.close()
        except BrokenPipeError:
            pass
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        return self.process.returncode


def run_role(role, report, plugin_dir, registry):
    we_offer = role == "we_offer"
    ws.log(f"--- {role}")
    remote = RemotePeer(registry)
    local = ws.Peer("ours", send=remote.send)
    remote.on_signal = local.receive
    sent = []

    def on_channel_open(_peer, channel):
        if sent:
            return
        for i in range(MESSAGES):
            text = f"ours says {i}"
            sent.append(text)
            channel.emit("send-string", text)

    local.on_channel_open = on_channel_open
    local.start()
    if we_offer:
        local.make_offer()
    else:
        remote.send({"type": "make-offer"})

    def remote_decoded(media):
        return remote.status.get("decoded", {}).get(media, 0)

    def done():
        return (local.connected() and remote.status.get("connected") and
                local.decoded["video"] >= VIDEO_FRAMES_WANTED and
                local.decoded["audio"] >= AUDIO_BUFFERS_WANTED and
                remote_decoded("video") >= VIDEO_FRAMES_WANTED and
                remote_decoded("audio") >= AUDIO_BUFFERS_WANTED and
                len(local.messages_received) >= MESSAGES and
                len(remote.status.get("messages_received", [])) >= MESSAGES)

    finished = ws.run_until(done, CALL_TIMEOUT_S)
    connected = local.connected()
    elements = local.collect_secure_elements()
    profiles = local.srtp_profiles()
    ws.close_data_channels((local,))
    local.stop()
    exit_code = remote.finish()
    status = remote.status
    ws.log(f"{role}: {'complete' if finished else 'TIMED OUT'}; ours decoded {local.decoded}, "
           f"theirs {status.get('decoded')}; our srtp-profile {profiles}; our elements {elements}; "
           f"their elements {status.get('elements')}; remote exit {exit_code}")

    def ours(path):
        return path is not None and os.path.dirname(os.path.realpath(path)) == plugin_dir

    report.check(f"{role}_connect", connected and status.get("connected"),
                 f"ours {[s.value_nick for s in local.connection_states]}, theirs connected: "
                 f"{status.get('connected')}")
    theirs = status.get("elements", {})
    report.check(f"{role}_their_elements_are_system",
                 any(f == "dtlssrtpenc" for f, _ in theirs.values()) and
                 not any(ours(path) for _, path in theirs.values()),
                 f"the other process's elements: {theirs}")
    problems = [f"{name} ({factory}) is from {path}" for name, (factory, path) in elements.items()
                if not ours(path)]
    kinds = {factory for factory, _ in elements.values()}
    problems += [f"no {k} inside webrtcbin" for k in ("dtlssrtpenc", "dtlssrtpdec") if k not in kinds]
    report.check(f"{role}_our_elements_are_ours", not problems, "; ".join(problems))
    report.check(f"{role}_srtp_profile_is_aes_cm_80",
                 bool(profiles) and all(ws.canonical_profile(p) == "AES_CM_128_HMAC_SHA1_80"
                                        for p in profiles.values()),
                 f"our srtp-profile: {profiles}")
    report.check(f"{role}_video_decoded_both_ways",
                 local.decoded["video"] >= VIDEO_FRAMES_WANTED and
                 remote_decoded("video") >= VIDEO_FRAMES_WANTED,
                 f"wanted {VIDEO_FRAMES_WANTED}: ours decoded {local.decoded['video']}, theirs "
                 f"{remote_decoded('video')}")
    report.check(f"{role}_audio_decoded_both_ways",
                 local.decoded["audio"] >= AUDIO_BUFFERS_WANTED and
                 remote_decoded("audio") >= AUDIO_BUFFERS_WANTED,
                 f"wanted {AUDIO_BUFFERS_WANTED}: ours decoded {local.decoded['audio']}, theirs "
                 f"{remote_decoded('audio')}")
    their_sent = status.get("messages_sent", [])
    their_received = status.get("messages_received", [])
    report.check(f"{role}_data_channel_both_ways",
                 len(sent) == MESSAGES and their_received == sent and
                 len(their_sent) == MESSAGES and local.messages_received == their_sent,
                 f"we sent {sent}, they received {their_received}; they sent {their_sent}, we "
                 f"received {local.messages_received}")
    errors = local.errors + status.get("errors", []) + \
        ([f"the other process exited with {exit_code}"] if exit_code != 0 else [])
    report.check(f"{role}_no_errors", not errors, "; ".join(errors))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--plugin-dir", default=os.environ.get("SECMEDIA_GST_PLUGIN_DIR", ""))
    args = parser.parse_args()
    plugin_dir = os.path.realpath(args.plugin_dir) if args.plugin_dir else ""
    faulthandler.dump_traceback_later(2 * (CALL_TIMEOUT_S + 60), exit=True)
    ws.init()
    report = ws.Report("WebrtcGstPluginsBadInterop")
    # The other process's registry: beside ours when there is one (kept across runs), else temporary.
    our_registry = os.environ.get("GST_REGISTRY")
    with tempfile.TemporaryDirectory(prefix="webrtc-interop-") as workdir:
        registry = os.path.join(os.path.dirname(our_registry) if our_registry else workdir,
                                "registry-gst-plugins-bad.bin")
        for role in ("we_offer", "they_offer"):
            run_role(role, report, plugin_dir, registry)
    report.write("webrtc_gst_plugins_bad_interop_test")
    faulthandler.cancel_dump_traceback_later()
    return 1 if report.failures() else 0


if __name__ == "__main__":
    ws.exit_process(main())
