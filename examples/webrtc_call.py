#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A WebRTC call between two webrtcbins in one process, on whichever dtls and srtp plugins GStreamer
loads: with GST_PLUGIN_PATH=<build>/gst, secmedia's (scripts/webrtc_demo.sh sets that up).

    alice: videotestsrc ! vp8enc ! rtpvp8pay  --\\                 /--> VP8 decoded, counted
           audiotestsrc ! opusenc ! rtpopuspay --> webrtcbin <== ICE ==> webrtcbin (bob, the same)
           data channel "chat" <--------------------------------------> bob answers each message

Offer, answer and ICE candidates go from one webrtcbin to the other in-process; ICE stays on
loopback (each NiceAgent gets 127.0.0.1 as its only address). webrtcbin runs DTLS-SRTP through the
dtlssrtpenc/dtlssrtpdec elements it makes; this program prints which plugin files they come from, the
negotiated SRTP profile, what each side decoded and the data-channel exchange, and exits 0 when both
sides decoded video and audio and the messages went both ways (1 otherwise, or after 30 s).

    GST_PLUGIN_PATH=$PWD/build/gst /usr/bin/python3 examples/webrtc_call.py
"""
import sys
import time

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstSdp", "1.0")
gi.require_version("GstWebRTC", "1.0")
gi.require_version("Nice", "0.1")
from gi.repository import GLib, Gst, GstSdp, GstWebRTC, Nice  # noqa: E402

VIDEO_FRAMES_WANTED = 60
AUDIO_BUFFERS_WANTED = 100
TIMEOUT_S = 30
SOURCES = [
    "videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=30/1 ! queue ! "
    "vp8enc deadline=1 cpu-used=8 ! rtpvp8pay ! capsfilter caps=application/x-rtp,media=video,"
    "encoding-name=VP8,payload=96",
    "audiotestsrc is-live=true ! audioconvert ! audioresample ! queue ! opusenc ! rtpopuspay ! "
    "capsfilter caps=application/x-rtp,media=audio,encoding-name=OPUS,payload=97",
]
DECODERS = {
    "VP8": "queue ! rtpvp8depay ! vp8dec ! fakesink name=sink sync=false async=false",
    "OPUS": "queue ! rtpopusdepay ! opusdec ! fakesink name=sink sync=false async=false",
}


class Peer:
    def __init__(self, name):
        self.name = name
        self.remote = None
        self.decoded = {"video": 0, "audio": 0}
        self.received = []
        self.channel = None
        self.greeted = False
        self.pipeline = Gst.Pipeline.new(name)
        self.webrtc = Gst.ElementFactory.make("webrtcbin", None)
        self.webrtc.set_property("bundle-policy", GstWebRTC.WebRTCBundlePolicy.MAX_BUNDLE)
        self.pipeline.add(self.webrtc)
        for description in SOURCES:
            source = Gst.parse_bin_from_description(description, True)
            self.pipeline.add(source)
            source.get_static_pad("src").link(self.webrtc.request_pad_simple("sink_%u"))
        self.pipeline.connect("deep-element-added", self.on_element_added)
        self.webrtc.connect("on-ice-candidate", self.on_ice_candidate)
        self.webrtc.connect("pad-added", self.on_pad_added)
        self.webrtc.connect("on-data-channel", lambda _w, channel: self.use_channel(channel))
        self.webrtc.connect("notify::connection-state", self.on_connection_state)

    def on_element_added(self, _bin, _sub_bin, element):
        # Loopback only: give each ICE agent 127.0.0.1 as its one local address before it gathers.
        # (The agent is taken from nicesrc: reading webrtcbin's ice-agent from Python breaks its
        # reference count.)
        if element.get_factory() and element.get_factory().get_name() == "nicesrc":
            address = Nice.Address.new()
            address.set_from_string("127.0.0.1")
            element.get_property("agent").add_local_address(address)

    def on_connection_state(self, webrtc, _pspec):
        print(f"{self.name}: peer connection {webrtc.get_property('connection-state').value_nick}")

    # Offer/answer. The promise's reply is kept in a variable while its fields are used.
    def offer(self):
        self.use_channel(self.webrtc.emit("create-data-channel", "chat", None))
        self.webrtc.emit("create-offer", None,
                         Gst.Promise.new_with_change_func(self.on_description, "offer"))

    def on_description(self, promise, kind):
        promise.wait()
        reply = promise.get_reply()
        description = reply.get_value(kind)
        self.webrtc.emit("set-local-description", description, None)
        text = description.sdp.as_text()
        GLib.idle_add(self.remote.on_remote_description, kind, text)

    def on_remote_description(self, kind, text):
        _, sdp = GstSdp.SDPMessage.new_from_text(text)
        sdp_type = GstWebRTC.WebRTCSDPType.OFFER if kind == "offer" else GstWebRTC.WebRTCSDPType.ANSWER
        promise = Gst.Promise.new_with_change_func(self.on_remote_set, kind)
        self.webrtc.emit("set-remote-description",
                         GstWebRTC.WebRTCSessionDescription.new(sdp_type, sdp), promise)
        return False

    def on_remote_set(self, promise, kind):
        promise.wait()
        reply = promise.get_reply()  # noqa: F841 (kept while the promise lives)
        if kind == "offer":
            self.webrtc.emit("create-answer", None,
                             Gst.Promise.new_with_change_func(self.on_description, "answer"))

    def on_ice_candidate(self, _webrtc, mline, candidate):
        fields = candidate.split()
        if fields[2].lower() == "udp" and fields[4] == "127.0.0.1":
            GLib.idle_add(self.remote.add_candidate, mline, candidate)

    def add_candidate(self, mline, candidate):
        self.webrtc.emit("add-ice-candidate", mline, candidate)
        return False

    # Media received: decode and count.
    def on_pad_added(self, _webrtc, pad):
        if pad.get_direction() != Gst.PadDirection.SRC:
            return
        structure = pad.get_current_caps().get_structure(0)
        media = structure.get_string("media")
        branch = Gst.parse_bin_from_description(DECODERS[structure.get_string("encoding-name")], True)
        branch.get_by_name("sink").get_static_pad("sink").add_probe(
            Gst.PadProbeType.BUFFER, self.count, media)
        self.pipeline.add(branch)
        branch.sync_state_with_parent()
        pad.link(branch.get_static_pad("sink"))

    def count(self, _pad, _info, media):
        self.decoded[media] += 1
        return Gst.PadProbeReturn.OK

    # Data channel: alice greets, bob answers each message.
    def use_channel(self, channel):
        self.channel = channel
        channel.connect("on-open", lambda ch: GLib.idle_add(self.on_open))
        channel.connect("on-message-string", lambda _ch, text: GLib.idle_add(self.on_message, text))
        if channel.props.ready_state == GstWebRTC.WebRTCDataChannelState.OPEN:
            GLib.idle_add(self.on_open)

    def on_open(self):
        if self.name == "alice" and not self.greeted:
            self.greeted = True
            for text in ("hello bob", "how is the weather on 127.0.0.1?"):
                print(f"alice -> bob: {text}")
                self.channel.emit("send-string", text)
        return False

    def on_message(self, text):
        self.received.append(text)
        if self.name == "bob":
            answer = f"bob got \"{text}\""
            print(f"bob -> alice: {answer}")
            self.channel.emit("send-string", answer)
        return False

    def secure_elements(self):
        found = []
        iterator = self.webrtc.iterate_recurse()
        while True:
            result, element = iterator.next()
            if result != Gst.IteratorResult.OK:
                break
            factory = element.get_factory()
            if factory and factory.get_name() in ("dtlssrtpenc", "dtlssrtpdec"):
                found.append(element)
        return found


def main():
    Gst.init(None)
    for name in ("webrtcbin", "dtlssrtpenc", "dtlssrtpdec", "srtpenc", "srtpdec", "nicesrc"):
        factory = Gst.ElementFactory.find(name)
        if factory is None:
            print(f"GStreamer element {name} is missing")
            return 1
        if name.startswith(("dtls", "srtp")):
            print(f"{name:12} from {factory.get_plugin().get_filename()}")
    alice, bob = Peer("alice"), Peer("bob")
    alice.remote, bob.remote = bob, alice
    started = time.monotonic()
    for peer in (alice, bob):
        peer.pipeline.set_state(Gst.State.PLAYING)
    alice.offer()

    loop = GLib.MainLoop()

    def done():
        return (all(p.decoded["video"] >= VIDEO_FRAMES_WANTED and
                    p.decoded["audio"] >= AUDIO_BUFFERS_WANTED for p in (alice, bob)) and
                len(bob.received) == 2 and len(alice.received) == 2)

    def check():
        if done() or time.monotonic() - started > TIMEOUT_S:
            loop.quit()
            return False
        return True

    GLib.timeout_add(100, check)
    loop.run()
    success = done()
    # Close the data channel and let both sides see it closed before stopping the pipelines:
    # gst-plugins-bad 1.22's SCTP elements can crash when a pipeline stops under an open channel.
    channels = [peer.channel for peer in (alice, bob) if peer.channel is not None]
    for channel in channels:
        channel.emit("close")
    deadline = time.monotonic() + 5
    context = GLib.MainContext.default()
    while time.monotonic() < deadline and any(
            c.props.ready_state != GstWebRTC.WebRTCDataChannelState.CLOSED for c in channels):
        context.iteration(False)
        time.sleep(0.01)
    for peer in (alice, bob):
        for element in peer.secure_elements():
            profile = element.get_property("srtp-profile") \
                if element.find_property("srtp-profile") else "(no srtp-profile property)"
            print(f"{peer.name}: {element.get_factory().get_name()} negotiated {profile}")
        print(f"{peer.name}: decoded {peer.decoded['video']} video frames and "
              f"{peer.decoded['audio']} audio buffers; received {peer.received}")
        peer.pipeline.set_state(Gst.State.NULL)
    print(f"{'call complete' if success else 'call FAILED'} after {time.monotonic() - started:.1f} s")
    return 0 if success else 1


if __name__ == "__main__":
    sys.exit(main())
