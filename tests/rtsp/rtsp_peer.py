#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""One process of the secure RTSP tests (rtsp_srtp_test.py starts several): an RTSP server
(gst-rtsp-server, one mount point per scenario) or the RTSP clients (rtspsrc for PLAY, rtspclientsink
for RECORD, one pipeline per scenario), all on the srtpenc/srtpdec this process loads: ours when
GST_PLUGIN_PATH names our plugin directory, gst-plugins-bad's when it names nothing.

    rtsp_peer.py server|client SCENARIOS.json RESULTS_PREFIX

SCENARIOS.json is a list of {name, mode (play|record), transport (udp|tcp), profile (savp|savpf|avp),
cipher, auth, index (makes its media unique) and, for a client, url}. The process prints JSON lines
on stdout: `ready` (the port a server bound, which plugin files provide srtpenc and srtpdec, and the
in-process checks below), then `status` twice a second (decoded buffers per scenario, scenarios
stopped, errors). It reads JSON lines on stdin: `{"type": "start", "name": N}` and
`{"type": "stop", "name": N}` start and end one scenario's client pipeline; `{"type": "quit"}` ends
the process, which first writes RESULTS_PREFIX.json (per scenario: the SRTP elements it made, their
plugin files and settings, what the RTSP exchange carried) and RESULTS_PREFIX.rtp (every plaintext
RTP packet this process sent, as recorded before srtpenc: [u16 scenario index][u32 length][packet]).

The sender's plaintext is recorded by a probe on each payloader's src pad: gst-rtsp-server's `pay0`/
`pay1` for PLAY, the payloaders rtspclientsink announces by `new-payloader` for RECORD. Ciphers are
chosen where each application can choose them: on the server, GstRTSPStream's `new-rtp-encoder`
(connected from the factory's `media-configure`); on rtspclientsink, which makes its srtpenc inside
with the same gst-rtsp-server code but exposes neither the GstRTSPStream nor a signal for it, on the
srtpenc when it is added to rtspclientsink's rtpbin (`deep-element-added`, before it is READY and
makes its random key), so the MIKEY of its SETUP describes that cipher.
"""
import argparse
import json
import os
import struct
import sys
import threading
import time

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
gi.require_version("GstSdp", "1.0")
from gi.repository import GLib, GObject, Gst, GstRtsp, GstRtspServer, GstSdp  # noqa: E402

# Small and cheap: many streams run at once on two shared cores. A keyframe a second, so a receiver
# whose first packets were dropped still decodes soon. Colours and tone differ per scenario (`index`),
# so that no two scenarios send the same payloads and a plaintext chunk on the wire names its scenario.
def video_encode(index):
    foreground = 0xFF000000 | ((index + 1) * 2654435761) & 0xFFFFFF
    background = 0xFF000000 | ((index + 7) * 40503) & 0xFFFFFF
    return (f"videotestsrc is-live=true pattern=ball foreground-color={foreground} "
            f"background-color={background} ! video/x-raw,width=160,height=120,framerate=15/1 "
            "! vp8enc deadline=1 cpu-used=16 keyframe-max-dist=15 target-bitrate=200000")


def audio_encode(index):
    return (f"audiotestsrc is-live=true wave=sine freq={220 + 13 * index} "
            "! audio/x-raw,rate=48000,channels=1 ! opusenc bitrate=32000")


# Before rtspclientsink, whose sink pads answer caps queries with a profile vp8enc cannot use.
VP8_CAPS = "video/x-vp8,profile=(string)0"
DECODERS = {
    "VP8": "queue ! rtpvp8depay ! vp8dec ! fakesink name=sink sync=false async=false",
    "OPUS": "queue ! rtpopusdepay ! opusdec ! fakesink name=sink sync=false async=false",
}
PROFILE_FLAGS = {
    "avp": GstRtsp.RTSPProfile.AVP,
    "savp": GstRtsp.RTSPProfile.SAVP,
    "savpf": GstRtsp.RTSPProfile.SAVPF,
}
SRTP_FACTORIES = ("srtpenc", "srtpdec")
MAX_RECORDED_PACKETS = 20000  # per scenario; a few seconds of media are a few hundred


def emit(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def log(*parts):
    print(f"[{time.monotonic():9.3f}]", *parts, file=sys.stderr, flush=True)


def plugin_file(element_or_factory):
    factory = element_or_factory if isinstance(element_or_factory, Gst.ElementFactory) \
        else element_or_factory.get_factory()
    plugin = factory.get_plugin() if factory else None
    return plugin.get_filename() if plugin else None


def configure_cipher(srtpenc, cipher, auth):
    """The scenario's cipher on both RTP and RTCP, set by nick (the enum types differ per plugin)."""
    for name, value in (("rtp-cipher", cipher), ("rtp-auth", auth), ("rtcp-cipher", cipher),
                        ("rtcp-auth", auth)):
        Gst.util_set_object_arg(srtpenc, name, value)


def srtp_settings(srtpenc):
    settings = {}
    for name in ("rtp-cipher", "rtp-auth", "rtcp-cipher", "rtcp-auth"):
        value = srtpenc.get_property(name)
        settings[name] = value.value_nick if hasattr(value, "value_nick") else str(value)
    return settings


# --- in-process checks, reported in `ready`

def enum_types_by_name():
    """What gst-rtsp-server's stream_make_keymgmt() and rtspsrc's request_rtcp_encoder() do:
    g_type_from_name("GstSrtpCipherType"/"GstSrtpAuthType") once srtpenc is loaded, and use the type
    for srtpenc's cipher properties. Reports whether each name is found and is the property's type."""
    srtpenc = Gst.ElementFactory.make("srtpenc", None)
    result = {}
    for type_name, prop in (("GstSrtpCipherType", "rtp-cipher"), ("GstSrtpAuthType", "rtp-auth")):
        try:
            gtype = GObject.type_from_name(type_name)
        except RuntimeError:
            gtype = None
        pspec = srtpenc.find_property(prop) if srtpenc else None
        result[type_name] = {
            "found": bool(gtype),
            "property_type": pspec.value_type.name if pspec else None,
            "matches_property": bool(gtype) and pspec is not None and pspec.value_type == gtype,
        }
    return result


def srtpenc_output_caps():
    """srtpenc keyed by random-key, as gst-rtsp-server makes it: what its src caps say after one RTP
    packet, and whether GstSdp builds a MIKEY message from them (gst_mikey_message_new_from_caps, which
    gst-rtsp-server's SDP and rtspclientsink's SETUP use)."""
    pipeline = Gst.parse_launch(
        "appsrc name=src format=time caps=application/x-rtp,media=video,clock-rate=90000,"
        "encoding-name=VP8,payload=96,ssrc=(uint)1234 ! srtpenc name=enc random-key=true "
        "enc.rtp_src_0 ! fakesink name=sink sync=false")
    result = {"fields": {}, "mikey": False, "error": None}
    try:
        if pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
            result["error"] = "the pipeline did not start"
            return result
        packet = bytes([0x80, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0x04, 0xd2]) + bytes(range(64))
        pipeline.get_by_name("src").emit("push-buffer", Gst.Buffer.new_wrapped(packet))
        pipeline.get_state(5 * Gst.SECOND)
        caps = pipeline.get_by_name("sink").get_static_pad("sink").get_current_caps()
        if caps is None:
            result["error"] = "no caps reached the sink"
            return result
        structure = caps.get_structure(0)
        for field in ("srtp-key", "srtp-cipher", "srtp-auth", "srtcp-cipher", "srtcp-auth"):
            if not structure.has_field(field):
                continue
            if field == "srtp-key":
                key = structure.get_value(field)
                result["fields"][field] = key.get_size() if isinstance(key, Gst.Buffer) else repr(key)
            else:
                result["fields"][field] = structure.get_string(field)
        try:
            result["mikey"] = GstSdp.MIKEYMessage.new_from_caps(caps) is not None
        except TypeError:  # PyGObject: "constructor returned NULL"
            result["mikey"] = False
        return result
    finally:
        pipeline.set_state(Gst.State.NULL)


# --- what every scenario keeps

class Scenario:
    def __init__(self, spec):
        self.spec = spec
        self.name = spec["name"]
        self.decoded = {"video": 0, "audio": 0}
        self.errors = []
        self.srtp_elements = []  # {factory, plugin, name, settings}
        self.plaintext = []
        self.rtsp = {}  # what the RTSP exchange showed (SDP key-mgmt, KeyMgmt headers)
        self.pipeline = None
        self.stopped = False
        self._lock = threading.Lock()

    def note_element(self, element):
        factory = element.get_factory()
        name = factory.get_name() if factory else ""
        if name not in SRTP_FACTORIES:
            return
        entry = {"factory": name, "plugin": plugin_file(element), "name": element.get_name()}
        with self._lock:
            self.srtp_elements.append(entry)
        return entry

    def record_plaintext(self, _pad, info):
        buffers = []
        if info.type & Gst.PadProbeType.BUFFER_LIST:
            blist = info.get_buffer_list()
            buffers = [blist.get(i) for i in range(blist.length())]
        elif info.type & Gst.PadProbeType.BUFFER:
            buffers = [info.get_buffer()]
        with self._lock:
            for buffer in buffers:
                if len(self.plaintext) < MAX_RECORDED_PACKETS:
                    self.plaintext.append(buffer.extract_dup(0, buffer.get_size()))
        return Gst.PadProbeReturn.OK

    def count(self, media):
        def probe(_pad, info):
            if info.type & Gst.PadProbeType.BUFFER_LIST:
                self.decoded[media] += info.get_buffer_list().length()
            else:
                self.decoded[media] += 1
            return Gst.PadProbeReturn.OK
        return probe

    def result(self):
        with self._lock:
            return {"decoded": dict(self.decoded), "errors": list(self.errors),
                    "srtp_elements": list(self.srtp_elements), "rtsp": dict(self.rtsp),
                    "plaintext_packets": len(self.plaintext)}


PROBE_DATA = Gst.PadProbeType.BUFFER | Gst.PadProbeType.BUFFER_LIST


# --- the server

class Server:
    def __init__(self, scenarios):
        self.scenarios = {s.name: s for s in scenarios}
        self.server = GstRtspServer.RTSPServer()
        self.server.set_address("127.0.0.1")
        self.server.set_service("0")  # an ephemeral port, read back once bound
        mounts = self.server.get_mount_points()
        for scenario in scenarios:
            spec = scenario.spec
            factory = GstRtspServer.RTSPMediaFactory()
            if spec["mode"] == "play":
                index = spec["index"]
                factory.set_launch(f"( {video_encode(index)} ! rtpvp8pay name=pay0 pt=96 "
                                   f"{audio_encode(index)} ! rtpopuspay name=pay1 pt=97 )")
            else:
                factory.set_transport_mode(GstRtspServer.RTSPTransportMode.RECORD)
                # The server gives the SDP's i-th media to depay<i>. rtspclientsink announces its pads
                # last-requested first (it prepends each new stream to its list), and the client
                # requests sink_0 for video, then sink_1 for audio: Opus is media 0.
                factory.set_launch(
                    "( rtpopusdepay name=depay0 ! opusdec ! fakesink name=audio_sink sync=false async=false "
                    "rtpvp8depay name=depay1 ! vp8dec ! fakesink name=video_sink sync=false async=false )")
            factory.set_profiles(PROFILE_FLAGS[spec["profile"]])
            factory.set_protocols(GstRtsp.RTSPLowerTrans.UDP | GstRtsp.RTSPLowerTrans.TCP)
            factory.connect("media-configure", self._on_media_configure, scenario)
            mounts.add_factory("/" + scenario.name, factory)
        self.server.connect("client-connected", self._on_client_connected)
        self.server.attach(None)
        self.port = self.server.get_bound_port()

    def _on_client_connected(self, _server, client):
        client.connect("pre-setup-request", self._on_setup_request)
        client.connect("pre-announce-request", self._on_announce_request)

    def _scenario_of(self, ctx):
        path = ctx.uri.abspath if ctx.uri else ""
        for name, scenario in self.scenarios.items():
            if path == "/" + name or path.startswith("/" + name + "/"):
                return scenario
        return None

    def _on_setup_request(self, _client, ctx):
        # RECORD: the client's SETUP carries its MIKEY (the key of what it sends) in KeyMgmt.
        scenario = self._scenario_of(ctx)
        if scenario is not None:
            result, value = ctx.request.get_header(GstRtsp.RTSPHeaderField.KEYMGMT, 0)
            headers = scenario.rtsp.setdefault("setup_keymgmt", [])
            headers.append(result == GstRtsp.RTSPResult.OK and "mikey" in (value or ""))
        return GstRtsp.RTSPStatusCode.OK

    def _on_announce_request(self, _client, ctx):
        scenario = self._scenario_of(ctx)
        if scenario is not None:
            scenario.rtsp["announced"] = True
        return GstRtsp.RTSPStatusCode.OK

    def _on_media_configure(self, _factory, media, scenario):
        log(f"server: media for {scenario.name}")
        scenario.pipeline = media
        spec = scenario.spec
        for i in range(media.n_streams()):
            stream = media.get_stream(i)
            stream.connect("new-rtp-encoder", self._on_encoder, scenario)
            stream.connect("new-rtp-rtcp-decoder", lambda _s, dec: scenario.note_element(dec))
        element = media.get_element()
        # gst-rtsp-server watches the media pipeline's bus itself; errors are seen synchronously.
        bus = element.get_parent().get_bus()
        bus.enable_sync_message_emission()
        bus.connect("sync-message::error", self._on_media_error, scenario)
        if spec["mode"] == "play":
            for name in ("pay0", "pay1"):
                pad = element.get_by_name(name).get_static_pad("src")
                pad.add_probe(PROBE_DATA, scenario.record_plaintext)
        else:
            for media_kind in ("video", "audio"):
                sink = element.get_by_name(f"{media_kind}_sink")
                sink.get_static_pad("sink").add_probe(PROBE_DATA, scenario.count(media_kind))

    def _on_media_error(self, _bus, message, scenario):
        error, debug = message.parse_error()
        scenario.errors.append(f"{message.src.get_name()}: {error.message} ({debug})")
        log(f"server {scenario.name}: ERROR from {message.src.get_name()}: {error.message} {debug}")

    def _on_encoder(self, _stream, srtpenc, scenario):
        # The application's hook: before the encoder is READY and makes its random key.
        spec = scenario.spec
        if spec["mode"] == "play":
            configure_cipher(srtpenc, spec["cipher"], spec["auth"])
        scenario.note_element(srtpenc)["settings"] = srtp_settings(srtpenc)



# --- the clients

class Clients:
    """One client pipeline per scenario, started and stopped by the test (`start`/`stop` commands)."""

    def __init__(self, scenarios):
        self.scenarios = {s.name: s for s in scenarios}
        self.stopping = []

    def start(self, name):
        scenario = self.scenarios.get(name)
        if scenario is None or scenario.pipeline is not None:
            return
        spec = scenario.spec
        url = spec["url"]
        if spec["mode"] == "play":
            pipeline = Gst.Pipeline.new(scenario.name)
            src = Gst.ElementFactory.make("rtspsrc", "src")
            src.set_property("location", url)
            src.set_property("latency", 200)
            Gst.util_set_object_arg(src, "protocols", spec["transport"])
            Gst.util_set_object_arg(src, "profiles", spec["profile"])
            src.connect("pad-added", self._on_pad_added, scenario)
            src.connect("on-sdp", self._on_sdp, scenario)
            pipeline.add(src)
        else:
            pipeline = Gst.parse_launch(
                f"rtspclientsink name=sink location={url} latency=200 protocols={spec['transport']} "
                f"profiles={spec['profile']} {video_encode(spec['index'])} ! {VP8_CAPS} ! sink.sink_0 "
                f"{audio_encode(spec['index'])} ! sink.sink_1")
            pipeline.set_name(scenario.name)
            pipeline.get_by_name("sink").connect("new-payloader", self._on_new_payloader, scenario)
        pipeline.connect("deep-element-added", self._on_deep_element_added, scenario)
        bus = pipeline.get_bus()
        bus.add_signal_watch()
        bus.connect("message", self._on_bus_message, scenario)
        scenario.pipeline = pipeline
        log(f"client: starting {scenario.name}")
        if pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
            scenario.errors.append("the pipeline did not start")

    def _on_deep_element_added(self, _bin, _sub_bin, element, scenario):
        factory = element.get_factory()
        if factory is None or factory.get_name() not in SRTP_FACTORIES:
            return
        entry = scenario.note_element(element)
        spec = scenario.spec
        if factory.get_name() == "srtpenc" and spec["mode"] == "record":
            # rtspclientsink's srtpenc for what it sends: added to its rtpbin before READY.
            configure_cipher(element, spec["cipher"], spec["auth"])
            entry["settings"] = srtp_settings(element)

    def _on_new_payloader(self, _sink, payloader, scenario):
        payloader.get_static_pad("src").add_probe(PROBE_DATA, scenario.record_plaintext)

    def _on_sdp(self, _src, sdp, scenario):
        # One entry per media: does the SDP carry a=key-mgmt:mikey (the key rtspsrc will use)?
        scenario.rtsp["sdp_protos"] = [sdp.get_media(i).get_proto() for i in range(sdp.medias_len())]
        scenario.rtsp["sdp_keymgmt"] = [
            (sdp.get_media(i).get_attribute_val("key-mgmt") or "").startswith("mikey")
            for i in range(sdp.medias_len())]

    def _on_pad_added(self, _src, pad, scenario):
        caps = pad.get_current_caps() or pad.query_caps(None)
        structure = caps.get_structure(0)
        encoding = (structure.get_string("encoding-name") or "").upper()
        description = DECODERS.get(encoding)
        if description is None:
            scenario.errors.append(f"unexpected stream {caps.to_string()}")
            return
        media = "video" if encoding == "VP8" else "audio"
        branch = Gst.parse_bin_from_description(description, True)
        branch.get_by_name("sink").get_static_pad("sink").add_probe(PROBE_DATA, scenario.count(media))
        scenario.pipeline.add(branch)
        branch.sync_state_with_parent()
        pad.link(branch.get_static_pad("sink"))

    def _on_bus_message(self, _bus, message, scenario):
        if message.type == Gst.MessageType.ERROR:
            error, debug = message.parse_error()
            if not scenario.stopped:
                scenario.errors.append(f"{message.src.get_name()}: {error.message} ({debug})")
            log(f"client {scenario.name}: ERROR from {message.src.get_name()}: {error.message} {debug}")
        return True

    def stop(self, name):
        scenario = self.scenarios.get(name)
        if scenario is None or scenario.stopped or scenario.pipeline is None:
            return
        scenario.stopped = True
        pipeline = scenario.pipeline
        pipeline.get_bus().remove_signal_watch()
        # NULL sends TEARDOWN and waits for the reply (up to rtspsrc's/rtspclientsink's timeouts):
        # on a thread of its own, so the other scenarios' status keeps coming.
        thread = threading.Thread(target=pipeline.set_state, args=(Gst.State.NULL,), daemon=True)
        thread.start()
        self.stopping.append(thread)

    def stop_all(self, timeout_s=15):
        for name in list(self.scenarios):
            self.stop(name)
        deadline = time.monotonic() + timeout_s
        for thread in self.stopping:
            thread.join(max(0.0, deadline - time.monotonic()))


def write_results(prefix, scenarios, extra):
    names = [s.name for s in scenarios]
    with open(prefix + ".rtp", "wb") as f:
        for index, scenario in enumerate(scenarios):
            with scenario._lock:
                packets = list(scenario.plaintext)
            for packet in packets:
                f.write(struct.pack(">HI", index, len(packet)))
                f.write(packet)
    results = {"names": names, "scenarios": {s.name: s.result() for s in scenarios}}
    results.update(extra)
    with open(prefix + ".json.tmp", "w") as f:
        json.dump(results, f, indent=1)
    os.replace(prefix + ".json.tmp", prefix + ".json")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("role", choices=("server", "client"))
    parser.add_argument("scenarios")
    parser.add_argument("results_prefix")
    args = parser.parse_args()

    Gst.init(None)
    with open(args.scenarios) as f:
        scenarios = [Scenario(spec) for spec in json.load(f)]
    loop = GLib.MainLoop()
    ready = {
        "type": "ready",
        "plugins": {name: plugin_file(Gst.ElementFactory.find(name)) if Gst.ElementFactory.find(name)
                    else None for name in SRTP_FACTORIES},
        "enum_types": enum_types_by_name(),
        "srtpenc_output_caps": srtpenc_output_caps(),
    }
    if args.role == "server":
        peer = Server(scenarios)
        ready["port"] = peer.port
    else:
        peer = Clients(scenarios)
    emit(ready)

    def status():
        emit({"type": "status",
              "decoded": {s.name: dict(s.decoded) for s in scenarios},
              "stopped": [s.name for s in scenarios if s.stopped],
              "errors": {s.name: list(s.errors) for s in scenarios if s.errors}})
        return True

    GLib.timeout_add(500, status)

    def on_command(line):
        message = json.loads(line)
        if message["type"] == "start" and args.role == "client":
            peer.start(message["name"])
        elif message["type"] == "stop" and args.role == "client":
            peer.stop(message["name"])
        elif message["type"] == "quit":
            if args.role == "client":
                peer.stop_all()
            write_results(args.results_prefix, scenarios, {"ready": ready})
            loop.quit()
        return False

    def read_commands():
        for line in sys.stdin:
            GLib.idle_add(on_command, line)
        # stdin closed: the test ended without saying quit
        GLib.idle_add(on_command, json.dumps({"type": "quit"}))

    threading.Thread(target=read_commands, daemon=True).start()
    loop.run()
    emit({"type": "done"})
    # Media pipelines of gst-rtsp-server and stray threads are not waited for: the process ends here.
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
