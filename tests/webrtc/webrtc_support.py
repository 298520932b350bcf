# SPDX-License-Identifier: LGPL-2.1-or-later
"""What the webrtcbin tests share: a peer (one pipeline holding a webrtcbin, test sources and counting
decoders), offer/answer and ICE signalling between two peers (in one process or through a pipe to
another process), the walk that finds the DTLS/SRTP elements inside webrtcbin, and a GoogleTest-style
JSON report so scripts/count_results.py counts each case.

ICE stays on loopback (docs: /work/shared/PEERS.md section 5): each NiceAgent webrtcbin makes is given
127.0.0.1 as its only local address, and only 127.0.0.1 UDP candidates are forwarded. webrtcbin's
`ice-agent` property is never read from Python (it corrupts its refcount), and a promise's reply is
kept in a variable while its fields are used.
"""
import json
import os
import sys
import time

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstSdp", "1.0")
gi.require_version("GstWebRTC", "1.0")
gi.require_version("Nice", "0.1")
from gi.repository import GLib, Gst, GstSdp, GstWebRTC, Nice  # noqa: E402

# Elements that do DTLS or SRTP work inside webrtcbin: each must come from the plugin under test.
SECURE_FACTORIES = ("dtlssrtpenc", "dtlssrtpdec", "dtlssrtpdemux", "dtlsenc", "dtlsdec", "srtpenc",
                    "srtpdec")

VIDEO_SOURCE = ("videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=30/1 "
                "! queue ! vp8enc deadline=1 cpu-used=8 ! rtpvp8pay ! "
                "capsfilter caps=application/x-rtp,media=video,encoding-name=VP8,payload=96")
AUDIO_SOURCE = ("audiotestsrc is-live=true wave=sine ! audioconvert ! audioresample ! queue ! opusenc ! "
                "rtpopuspay ! capsfilter caps=application/x-rtp,media=audio,encoding-name=OPUS,payload=97")
DECODERS = {
    "VP8": "queue ! rtpvp8depay ! vp8dec ! fakesink name=sink sync=false async=false",
    "OPUS": "queue ! rtpopusdepay ! opusdec ! fakesink name=sink sync=false async=false",
}

# The same profile has an RFC 3711/7714 name and an RFC 5764 (use_srtp registry) name.
_PROFILE_ALIASES = {
    "SRTP_AES128_CM_SHA1_80": "AES_CM_128_HMAC_SHA1_80",
    "SRTP_AES128_CM_SHA1_32": "AES_CM_128_HMAC_SHA1_32",
    "SRTP_AEAD_AES_128_GCM": "AEAD_AES_128_GCM",
    "SRTP_AEAD_AES_256_GCM": "AEAD_AES_256_GCM",
}


def canonical_profile(name):
    """The RFC 3711/7714 name of an SRTP profile given in either naming (None stays None)."""
    return _PROFILE_ALIASES.get(name, name)


def log(*parts):
    print(f"[{time.monotonic():9.3f}]", *parts, file=sys.stderr, flush=True)


def init():
    Gst.init(None)
    for name in ("webrtcbin", "nicesrc", "vp8enc", "opusenc"):
        if Gst.ElementFactory.find(name) is None:
            raise RuntimeError(f"GStreamer element {name} is missing (scripts/setup.sh installs it)")


def plugin_file_of(element):
    factory = element.get_factory()
    plugin = factory.get_plugin() if factory else None
    return plugin.get_filename() if plugin else None


def factory_plugin_file(name):
    factory = Gst.ElementFactory.find(name)
    plugin = factory.get_plugin() if factory else None
    return plugin.get_filename() if plugin else None


def iterate_recurse(bin_):
    """Every element inside bin_, at any depth (iterate_recurse also enters bins inside bins)."""
    elements = []
    iterator = bin_.iterate_recurse()
    while True:
        result, element = iterator.next()
        if result == Gst.IteratorResult.OK:
            elements.append(element)
        elif result == Gst.IteratorResult.RESYNC:
            iterator.resync()
            elements.clear()
        else:
            break
    return elements


def is_loopback_udp(candidate):
    # candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type> ...
    fields = candidate.split()
    return len(fields) >= 8 and fields[2].lower() == "udp" and fields[4] == "127.0.0.1"


class Peer:
    """One pipeline with a webrtcbin. `send` is a function taking a JSON-able dict for the remote."""

    def __init__(self, name, send, video=True, audio=True, data_channel=True):
        self.name = name
        self.send = send
        self.wants_data_channel = data_channel
        self.pipeline = Gst.Pipeline.new(name)
        self.webrtc = Gst.ElementFactory.make("webrtcbin", "webrtc")
        self.webrtc.set_property("bundle-policy", GstWebRTC.WebRTCBundlePolicy.MAX_BUNDLE)
        self.pipeline.add(self.webrtc)
        self.decoded = {"video": 0, "audio": 0}
        self.messages_received = []
        self.channels = []  # data channels, kept alive here
        self._channels_opened = []
        self.connection_states = []
        self.errors = []
        self.secure_elements = {}  # element name -> (factory name, plugin file)
        self._agents_seen = set()
        self._pending_candidates = []
        self.on_message = None  # called with (peer, text) from the main loop
        self.on_channel_open = None
        self.on_state = None
        # Every handler and probe is removed by stop(): a Python callback held by an element would
        # keep this Peer, hence its pipeline, alive (a cycle through C that Python's gc cannot see).
        self._handlers = []  # (object, handler id)
        self._probes = []  # (pad, probe id)
        self._connect(self.pipeline, "deep-element-added", self._on_deep_element_added)
        self._connect(self.webrtc, "on-ice-candidate", self._on_ice_candidate)
        self._connect(self.webrtc, "pad-added", self._on_pad_added)
        self._connect(self.webrtc, "on-data-channel", self._on_data_channel)
        self._connect(self.webrtc, "notify::connection-state", self._on_connection_state)
        bus = self.pipeline.get_bus()
        bus.add_signal_watch()
        self._connect(bus, "message", self._on_bus_message)
        if video:
            self._add_source(VIDEO_SOURCE)
        if audio:
            self._add_source(AUDIO_SOURCE)

    def _connect(self, gobject, signal, callback):
        self._handlers.append((gobject, gobject.connect(signal, callback)))

    def _add_source(self, description):
        source = Gst.parse_bin_from_description(description, True)
        self.pipeline.add(source)
        sink_pad = self.webrtc.request_pad_simple("sink_%u")
        source.get_static_pad("src").link(sink_pad)

    # --- what the element tree holds

    def _on_deep_element_added(self, _bin, _sub_bin, element):
        factory = element.get_factory()
        name = factory.get_name() if factory else ""
        if name == "nicesrc":
            # Loopback only: the agent's only local address is 127.0.0.1 (before it gathers).
            agent = element.get_property("agent")
            if agent is not None and id(agent) not in self._agents_seen:
                self._agents_seen.add(id(agent))
                address = Nice.Address.new()
                address.set_from_string("127.0.0.1")
                agent.add_local_address(address)
        if name in SECURE_FACTORIES:
            self.secure_elements[element.get_name()] = (name, plugin_file_of(element))

    def collect_secure_elements(self):
        """Walks webrtcbin's whole tree (elements made inside a bin before that bin was added never
        show up in deep-element-added)."""
        for element in iterate_recurse(self.webrtc):
            factory = element.get_factory()
            name = factory.get_name() if factory else ""
            if name in SECURE_FACTORIES:
                self.secure_elements[element.get_name()] = (name, plugin_file_of(element))
        return dict(self.secure_elements)

    def srtp_profiles(self):
        """The `srtp-profile` of every dtlssrtpenc/dtlssrtpdec inside webrtcbin (None when the element
        has no such property: gst-plugins-bad's)."""
        profiles = {}
        for element in iterate_recurse(self.webrtc):
            factory = element.get_factory()
            name = factory.get_name() if factory else ""
            if name in ("dtlssrtpenc", "dtlssrtpdec"):
                if element.find_property("srtp-profile") is None:
                    profiles[element.get_name()] = None
                else:
                    profiles[element.get_name()] = element.get_property("srtp-profile")
        return profiles

    # --- media received

    def _on_pad_added(self, _webrtc, pad):
        if pad.get_direction() != Gst.PadDirection.SRC:
            return
        caps = pad.get_current_caps() or pad.query_caps(None)
        structure = caps.get_structure(0)
        encoding = structure.get_string("encoding-name") or ""
        media = structure.get_string("media") or ""
        description = DECODERS.get(encoding.upper())
        if description is None:
            self.errors.append(f"{self.name}: unexpected stream {caps.to_string()}")
            return
        branch = Gst.parse_bin_from_description(description, True)
        sink = branch.get_by_name("sink")
        sink_pad = sink.get_static_pad("sink")
        self._probes.append((sink_pad, sink_pad.add_probe(Gst.PadProbeType.BUFFER,
                                                          self._count_decoded, media)))
        self.pipeline.add(branch)
        branch.sync_state_with_parent()
        pad.link(branch.get_static_pad("sink"))
        log(f"{self.name}: receiving {media} ({encoding})")

    def _count_decoded(self, _pad, _info, media):
        self.decoded[media] += 1
        return Gst.PadProbeReturn.OK

    # --- data channels

    def create_data_channel(self, label="chat"):
        channel = self.webrtc.emit("create-data-channel", label, None)
        if channel is None:
            raise RuntimeError(f"{self.name}: create-data-channel returned nothing")
        self._watch_channel(channel)
        return channel

    def _on_data_channel(self, _webrtc, channel):
        log(f"{self.name}: remote opened data channel {channel.props.label}")
        self._watch_channel(channel)
        if channel.props.ready_state == GstWebRTC.WebRTCDataChannelState.OPEN:
            GLib.idle_add(self._channel_opened, channel)

    def _watch_channel(self, channel):
        self.channels.append(channel)
        self._connect(channel, "on-open", lambda ch: GLib.idle_add(self._channel_opened, ch))
        self._connect(channel, "on-message-string", self._on_message_string)
        self._connect(channel, "on-error",
                      lambda _ch, error: self.errors.append(f"{self.name}: data channel error {error}"))

    def _channel_opened(self, channel):
        # Both on-data-channel (already open) and on-open may announce the same channel: once only.
        if channel in self._channels_opened:
            return False
        self._channels_opened.append(channel)
        if self.on_channel_open:
            self.on_channel_open(self, channel)
        return False

    def _on_message_string(self, _channel, text):
        def deliver():
            self.messages_received.append(text)
            if self.on_message:
                self.on_message(self, text)
            return False

        GLib.idle_add(deliver)

    # --- state

    def _on_connection_state(self, webrtc, _pspec):
        state = webrtc.get_property("connection-state")
        self.connection_states.append(state)
        log(f"{self.name}: peer connection {state.value_nick}")
        if self.on_state:
            GLib.idle_add(lambda: (self.on_state(self, state), False)[1])

    def connected(self):
        return self.webrtc.get_property("connection-state") == \
            GstWebRTC.WebRTCPeerConnectionState.CONNECTED

    def _on_bus_message(self, _bus, message):
        if message.type == Gst.MessageType.ERROR:
            error, debug = message.parse_error()
            self.errors.append(f"{self.name}: {message.src.get_name()}: {error.message} ({debug})")
            log(f"{self.name}: ERROR from {message.src.get_name()}: {error.message} {debug}")
        elif message.type == Gst.MessageType.WARNING:
            warning, debug = message.parse_warning()
            log(f"{self.name}: warning from {message.src.get_name()}: {warning.message} {debug}")
        return True

    # --- negotiation (every callback below may run on a webrtcbin thread)

    def start(self):
        if self.pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
            raise RuntimeError(f"{self.name}: the pipeline did not start")

    def make_offer(self):
        if self.wants_data_channel:
            self.create_data_channel()
        promise = Gst.Promise.new_with_change_func(self._on_offer_created, None)
        self.webrtc.emit("create-offer", None, promise)

    def _on_offer_created(self, promise, _data):
        promise.wait()
        reply = promise.get_reply()
        offer = reply.get_value("offer")
        if offer is None:
            self.errors.append(f"{self.name}: create-offer gave no offer: {reply.to_string()}")
            return
        self.webrtc.emit("set-local-description", offer, None)
        self.send({"type": "offer", "sdp": offer.sdp.as_text()})

    def _on_answer_created(self, promise, _data):
        promise.wait()
        reply = promise.get_reply()
        answer = reply.get_value("answer")
        if answer is None:
            self.errors.append(f"{self.name}: create-answer gave no answer: {reply.to_string()}")
            return
        self.webrtc.emit("set-local-description", answer, None)
        self.send({"type": "answer", "sdp": answer.sdp.as_text()})

    def _on_remote_offer_set(self, promise, _data):
        promise.wait()
        reply = promise.get_reply()  # kept while the promise is used (PEERS.md section 5)
        del reply
        answer_promise = Gst.Promise.new_with_change_func(self._on_answer_created, None)
        self.webrtc.emit("create-answer", None, answer_promise)

    def receive(self, message):
        """A message from the remote peer (call from the main loop)."""
        kind = message["type"]
        if kind in ("offer", "answer"):
            result, sdp = GstSdp.SDPMessage.new_from_text(message["sdp"])
            if result != GstSdp.SDPResult.OK:
                self.errors.append(f"{self.name}: could not parse the remote {kind}")
                return
            sdp_type = GstWebRTC.WebRTCSDPType.OFFER if kind == "offer" else \
                GstWebRTC.WebRTCSDPType.ANSWER
            description = GstWebRTC.WebRTCSessionDescription.new(sdp_type, sdp)
            if kind == "offer":
                promise = Gst.Promise.new_with_change_func(self._on_remote_offer_set, None)
            else:
                promise = Gst.Promise.new()
            self.webrtc.emit("set-remote-description", description, promise)
        elif kind == "ice":
            self.webrtc.emit("add-ice-candidate", message["mline"], message["candidate"])

    def _on_ice_candidate(self, _webrtc, mline, candidate):
        if is_loopback_udp(candidate):
            self.send({"type": "ice", "mline": mline, "candidate": candidate})

    # --- the end

    def stop(self):
        self.pipeline.set_state(Gst.State.NULL)
        for gobject, handler in self._handlers:
            gobject.disconnect(handler)
        for pad, probe in self._probes:
            pad.remove_probe(probe)
        self._handlers.clear()
        self._probes.clear()
        self.pipeline.get_bus().remove_signal_watch()
        self.on_message = self.on_channel_open = self.on_state = None
        self.channels.clear()
        self._channels_opened.clear()


def connect_in_process(offerer, answerer):
    """Wires two peers' signalling through the main loop (messages delivered from idle callbacks)."""
    def deliver_to(peer):
        def send(message):
            GLib.idle_add(lambda: (peer.receive(message), False)[1])
        return send

    offerer.send = deliver_to(answerer)
    answerer.send = deliver_to(offerer)


def close_data_channels(peers, timeout_s=5):
    """Closes every data channel of `peers` and runs the main loop until each is seen closed, as an
    application should before stopping its pipelines: gst-plugins-bad 1.22's sctpenc crashes
    (on_get_stream_bytes_sent into a freed usrsctp socket, on webrtcbin's thread) when webrtcbin still
    asks for a channel's buffered amount after the association went away with its pipeline. True when
    all closed in time."""
    channels = [channel for peer in peers for channel in peer.channels]
    for channel in channels:
        channel.emit("close")
    closed = GstWebRTC.WebRTCDataChannelState.CLOSED
    return run_until(lambda: all(c.get_property("ready-state") == closed for c in channels), timeout_s)


def run_until(loop_condition, timeout_s, poll_ms=50):
    """Runs the default main context until loop_condition() is true; False on timeout."""
    context = GLib.MainContext.default()
    deadline = time.monotonic() + timeout_s
    while not loop_condition():
        if time.monotonic() > deadline:
            return False
        # Wait for at most poll_ms for something to happen.
        source = GLib.timeout_source_new(poll_ms)
        source.set_callback(lambda *_: False)
        source.attach(context)
        context.iteration(True)
        source.destroy()
    return True


class Report:
    """Test cases of one program, written as a GoogleTest-style JSON report for count_results.py."""

    def __init__(self, suite):
        self.suite = suite
        self.cases = []  # (name, [failure messages])

    def check(self, name, condition, failure_message):
        self.cases.append((name, [] if condition else [failure_message]))
        print(f"[{'  OK  ' if condition else ' FAIL '}] {self.suite}.{name}" +
              ("" if condition else f": {failure_message}"), flush=True)
        return condition

    def failures(self):
        return sum(1 for _, failures in self.cases if failures)

    def write(self, test_name):
        """Writes $GTEST_OUTPUT (json:<dir>/) <dir>/<test_name>.json when GTEST_OUTPUT names a dir."""
        output = os.environ.get("GTEST_OUTPUT", "")
        if not output.startswith("json:"):
            return
        directory = output[len("json:"):]
        if not directory.endswith("/"):
            return
        os.makedirs(directory, exist_ok=True)
        cases = [{
            "name": name,
            "status": "RUN",
            "result": "COMPLETED",
            "classname": self.suite,
            "failures": [{"failure": message, "type": ""} for message in failures],
        } for name, failures in self.cases]
        report = {
            "tests": len(self.cases),
            "failures": self.failures(),
            "disabled": 0,
            "errors": 0,
            "name": "AllTests",
            "testsuites": [{
                "name": self.suite,
                "tests": len(self.cases),
                "failures": self.failures(),
                "disabled": 0,
                "errors": 0,
                "testsuite": cases,
            }],
        }
        with open(os.path.join(directory, test_name + ".json"), "w") as f:
            json.dump(report, f, indent=2)


def exit_process(status):
    """Ends the process with `status` without finalizing the interpreter.

    GStreamer's threads (the system clock's, which runs DTLS retransmission timers, and the shared
    pool that pushes DTLS datagrams) may still be running and calling into Python-connected signal
    handlers when main() returns; finalizing the interpreter under them can crash a program whose
    every check passed, which CI counts as a failure without naming a case.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(int(status or 0))
