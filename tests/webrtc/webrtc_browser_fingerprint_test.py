#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Headless Chromium against webrtcbin on our plugins, with the SDP's a=fingerprint altered on its way:
each side must refuse the other's certificate by its own check. Our dtlssrtpdec checks the browser's
certificate against webrtcbin's remote description (verify-remote-fingerprint); the browser checks
ours against its own remote description (PEERS.md section 7).

Same setting as webrtc_browser_test.py (its Call, reused here): a network namespace of our own with
only `lo`, the page browser_page.html driven through browser_support's HTTP server, VP8 + Opus and a
data channel. One browser serves every call: after its report the page is sent on to the next
scenario's page (a fresh RTCPeerConnection and certificate); it is restarted only if a call leaves it
without a report. Each call has a deadline; webrtcbin's pipeline is stopped after every call, data
channels closed first when open.

Cases (each counted by scripts/count_results.py from the JSON report):
  private_network, registry_features_are_ours      as in webrtc_browser_test.py
and for each role R in (browser_offers, browser_answers):
  R_altered_browser_fingerprint_*     the browser's SDP reaches webrtcbin with every a=fingerprint
                                      replaced by a false sha-256 5A:5A:...:
    _webrtcbin_fails                  webrtcbin's peer connection reaches `failed` within the deadline
    _error_names_both_fingerprints    a bus error from a dtlsdec inside webrtcbin (our plugin file)
                                      names the false fingerprint and the browser's true one (from its
                                      unaltered SDP)
    _nothing_decoded                  no VP8/Opus buffer at our decoders, nothing received by the
                                      browser, no data-channel message either way
    _browser_not_connected            the browser's connection and DTLS transport are not `connected`
  R_altered_webrtcbin_fingerprint_*   webrtcbin's SDP reaches the browser with its fingerprint altered
                                      (the other direction: the browser's own check):
    _browser_aborts                   the browser's connection or DTLS transport `failed`, never
                                      connected
    _webrtcbin_sees_failure           webrtcbin's peer connection `failed`, or a bus error from our
                                      dtlsdec (the browser's alert)
    _nothing_decoded                  as above, both sides
  R_several_fingerprints_*            the browser's SDP reaches webrtcbin with a false a=fingerprint
                                      before each true one:
    _connects                         both peer connections `connected`
    _media_and_data_flow              VP8 and Opus decoded/received both sides, messages both ways
    _no_errors                        no bus or page error

    webrtc_browser_fingerprint_test.py [--plugin-dir DIR]   (DIR defaults to $SECMEDIA_GST_PLUGIN_DIR)
"""
import argparse
import faulthandler
import os
import re
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import browser_support as bs  # noqa: E402  (imports no GStreamer: no thread before the namespace)
import webrtc_browser_test as wbt  # noqa: E402  (the same: browser_support only)

FAKE_FINGERPRINT = "sha-256 " + ":".join(["5A"] * 32)
FINGERPRINT_LINE = re.compile(r"^a=fingerprint:(.*?)\r?$", re.MULTILINE)
FAIL_TIMEOUT_S = 10  # from the page's start (or the browser's) to both sides' view of the failure
SETTLE_S = 1.0  # after a failure: media or data that slipped through would show by then
CALL_TIMEOUT_S = 20  # a call that must connect (about 2 s when it does)
BROWSER_START_S = 15  # added to the first call's deadline: the browser's own start (about 3 s)


def replace_fingerprints(sdp):
    return FINGERPRINT_LINE.sub(f"a=fingerprint:{FAKE_FINGERPRINT}", sdp)


def add_false_fingerprint(sdp):
    """A false fingerprint line before every true one."""
    return FINGERPRINT_LINE.sub(lambda m: f"a=fingerprint:{FAKE_FINGERPRINT}\r\na=fingerprint:{m.group(1)}",
                                sdp)


def raw_fingerprints(sdp):
    return FINGERPRINT_LINE.findall(sdp or "")


class SharedBrowser:
    """One Chromium for every call: the first call starts it on its page, each later one is reached by
    a "next" message to the previous call's page (sent after that call's report). A browser that
    exited, or a call without a report, gets a new browser."""

    def __init__(self, ws, workdir):
        self.ws = ws
        self.workdir = workdir
        self.browser = None
        self.previous = None  # the last call the browser served
        self.starts = 0

    def open(self, call):
        if self.browser is not None and self.browser.running() and self.previous is not None and \
                self.previous.result:
            self.previous.scenario.to_browser({"type": "next", "scenario": call.scenario.name})
            self.ws.log(f"{call.name}: the browser (pid {self.browser.pid}) sent on to {call.url}")
        else:
            self.stop()
            self.starts += 1
            profile = os.path.join(self.workdir, f"profile-{self.starts}")
            os.makedirs(profile)
            self.browser = bs.Browser(call.url, profile,
                                      os.path.join(self.workdir, f"chromium-{self.starts}.log"))
            self.ws.log(f"{call.name}: chromium pid {self.browser.pid} on {call.url}")
        call.browser = self.browser
        self.previous = call

    def stop(self):
        if self.browser is None:
            return
        killed = self.browser.stop()
        self.ws.log(f"chromium {self.browser.pid} ended" + (f" (SIGKILL for {killed})" if killed else ""))
        self.browser = None


def make_call_class(ws, GLib):
    """FingerprintCall, made once GStreamer may be imported (after the namespace change)."""

    class FingerprintCall(wbt.Call):
        """webrtc_browser_test's Call under its own scenario name, the SDP rewritten on its way:
        `to_webrtcbin`/`to_browser` take an SDP and return what the other side is given."""

        def __init__(self, server, role, workdir, name, to_webrtcbin=None, to_browser=None,
                     expect_failure=False):
            super().__init__(ws, GLib, server, role, workdir)
            # Its own scenario name (the base class names it after the role).
            server.scenarios.pop(role, None)
            self.name = name
            self.scenario = bs.Scenario(name, self.scenario.config, self._from_browser)
            self.url = server.add(self.scenario)
            self.rewrite_for_webrtcbin = to_webrtcbin
            self.rewrite_for_browser = to_browser
            self.expect_failure = expect_failure
            self.given_to_webrtcbin = []  # the browser's SDP as webrtcbin got it
            self.given_to_browser = []  # webrtcbin's SDP as the browser got it
            self.bus_errors = []  # (factory, plugin file, inside webrtcbin, text)
            self.deadline = None
            if expect_failure:
                self.scenario.config["deadlineMs"] = FAIL_TIMEOUT_S * 1000
            self.peer._connect(self.peer.pipeline.get_bus(), "message", self._on_bus_message)

        def _on_bus_message(self, _bus, message):
            if message.type != ws.Gst.MessageType.ERROR:
                return True
            error, debug = message.parse_error()
            source = message.src
            factory = source.get_factory() if hasattr(source, "get_factory") else None
            inside = False
            parent = source.get_parent()
            while parent is not None:
                if parent == self.peer.webrtc:
                    inside = True
                    break
                parent = parent.get_parent()
            self.bus_errors.append((factory.get_name() if factory else None,
                                    ws.plugin_file_of(source) if factory else None, inside,
                                    f"{source.get_name()}: {error.message} ({debug})"))
            return True

        def _to_browser(self, message):  # any thread
            if message["type"] in ("offer", "answer"):
                self.our_sdp.append(message["sdp"])
                if self.rewrite_for_browser:
                    message = dict(message, sdp=self.rewrite_for_browser(message["sdp"]))
                self.given_to_browser.append(message["sdp"])
            self.scenario.to_browser(message)

        def _deliver(self, message):  # the main loop
            if message.get("type") in ("offer", "answer"):
                self.browser_sdp.append(message["sdp"])
                if self.rewrite_for_webrtcbin:
                    message = dict(message, sdp=self.rewrite_for_webrtcbin(message["sdp"]))
                self.given_to_webrtcbin.append(message["sdp"])
                self.peer.receive(message)
                return
            super()._deliver(message)

        def our_failure_seen(self):
            return ws.GstWebRTC.WebRTCPeerConnectionState.FAILED in self.peer.connection_states

        def _call_over(self):
            if time.monotonic() > self.deadline:
                return True
            if not self.expect_failure:
                return super()._call_over()
            if not self.browser.running():
                return True
            # Both views of the failure: the page's report and ours (the state or the error; the
            # other follows within SETTLE_S). A browser that reports `connected` ends it too: the
            # call that should have failed did not.
            return bool(self.result) and (self.our_failure_seen() or bool(self.peer.errors) or
                                          self.result.get("connectionState") == "connected")

        def run(self, shared):
            started = time.monotonic()
            self.peer.start()
            try:
                if not ws.run_until(self._sources_negotiated, wbt.SOURCES_TIMEOUT_S):
                    ws.log(f"{self.name}: sources not negotiated after {wbt.SOURCES_TIMEOUT_S} s")
                if not self.browser_offers:
                    self.peer.make_offer()
                first = shared.browser is None
                shared.open(self)
                self.deadline = time.monotonic() + \
                    (FAIL_TIMEOUT_S if self.expect_failure else CALL_TIMEOUT_S) + \
                    (BROWSER_START_S if first else 0)
                finished = ws.run_until(self._call_over, self.deadline - time.monotonic() + 1)
                if self.expect_failure:
                    ws.run_until(lambda: False, SETTLE_S)
                elapsed = time.monotonic() - started
                ws.log(f"{self.name}: over after {elapsed:.1f} s (finished {finished}); webrtcbin "
                       f"{[s.value_nick for s in self.peer.connection_states]}, the browser "
                       f"{self.result.get('connectionState', 'no report')}; decoded here "
                       f"{self.peer.decoded}")
                outcome = {
                    "elapsed": elapsed,
                    "connected": self.peer.connected(),
                    "failed": self.our_failure_seen(),
                    "browser_running": self.browser.running(),
                    "decoded": dict(self.peer.decoded),
                    "received": list(self.peer.messages_received),
                    "errors": list(self.peer.errors),
                    "bus_errors": list(self.bus_errors),
                }
                # Only an open channel is closed (and waited for): one of a call that never
                # connected stays `connecting`.
                opened = [c for c in self.peer.channels if int(c.get_property("ready-state")) ==
                          int(ws.GstWebRTC.WebRTCDataChannelState.OPEN)]
                for channel in opened:
                    channel.emit("close")
                closed = int(ws.GstWebRTC.WebRTCDataChannelState.CLOSED)
                if not ws.run_until(lambda: all(int(c.get_property("ready-state")) == closed
                                                for c in opened), 5):
                    ws.log(f"{self.name}: data channels not all closed in time")
                return outcome
            finally:
                if self._restrict_handler is not None:
                    self.peer.pipeline.disconnect(self._restrict_handler)
                stopped = time.monotonic()
                self.peer.stop()
                ws.log(f"{self.name}: pipeline stopped in {time.monotonic() - stopped:.2f} s")

    return FingerprintCall


def browser_nothing_received(result):
    stats = wbt.BrowserStats(result.get("stats"))
    video, _ = stats.rtp("inbound-rtp", "video")
    audio, _ = stats.rtp("inbound-rtp", "audio")
    received = (result.get("channel") or {}).get("received", [])
    counts = {"framesDecoded": video.get("framesDecoded", 0),
              "videoPacketsReceived": video.get("packetsReceived", 0),
              "audioPacketsReceived": audio.get("packetsReceived", 0), "messages": received}
    return not any(counts.values()), counts


def browser_view(result):
    """The browser's connection state, DTLS transport state(s) and errors (alerts), as reported."""
    stats = wbt.BrowserStats(result.get("stats"))
    dtls_states = sorted({t.get("dtlsState") for t in stats.of_type("transport")} - {None})
    return {
        "report": bool(result),
        "connectionState": result.get("connectionState"),
        "dtlsTransportState": result.get("dtlsTransportState"),
        "statsDtlsStates": dtls_states,
        "errors": result.get("errors", []),
    }


def check_altered_browser_fingerprint(report, ws, call, outcome, ours):
    prefix = f"{call.role}_altered_browser_fingerprint"
    true_values = sorted(set(raw_fingerprints(call.browser_sdp[0] if call.browser_sdp else "")))
    given = sorted(set(raw_fingerprints(call.given_to_webrtcbin[0] if call.given_to_webrtcbin else "")))
    states = [s.value_nick for s in call.peer.connection_states]
    report.check(f"{prefix}_webrtcbin_fails",
                 outcome["failed"] and not outcome["connected"] and given == [FAKE_FINGERPRINT] and
                 len(true_values) == 1,
                 f"webrtcbin's states {states} after {outcome['elapsed']:.1f} s; the browser's true "
                 f"fingerprints {true_values}, webrtcbin was given {given}")
    true_value = true_values[0] if len(true_values) == 1 else None
    naming = [e for e in outcome["bus_errors"]
              if e[0] == "dtlsdec" and e[2] and ours(e[1]) and FAKE_FINGERPRINT.lower() in e[3].lower()
              and true_value is not None and true_value.lower() in e[3].lower()]
    report.check(f"{prefix}_error_names_both_fingerprints", bool(naming),
                 f"expected an error from our dtlsdec inside webrtcbin naming {FAKE_FINGERPRINT} and "
                 f"{true_value}; bus errors {outcome['bus_errors']}")
    nothing, counts = browser_nothing_received(call.result)
    report.check(f"{prefix}_nothing_decoded",
                 outcome["decoded"] == {"video": 0, "audio": 0} and not outcome["received"] and
                 nothing and bool(call.result),
                 f"decoded here {outcome['decoded']}, messages here {outcome['received']}; the browser "
                 f"{counts if call.result else 'sent no report'}")
    view = browser_view(call.result)
    report.check(f"{prefix}_browser_not_connected",
                 view["report"] and view["connectionState"] != "connected" and
                 view["dtlsTransportState"] != "connected" and "connected" not in view["statsDtlsStates"],
                 f"the browser: {view}")
    ws.log(f"{prefix}: the browser: {view}; our errors: {[e[3] for e in outcome['bus_errors']]}")


def check_altered_webrtcbin_fingerprint(report, ws, call, outcome, ours):
    prefix = f"{call.role}_altered_webrtcbin_fingerprint"
    view = browser_view(call.result)
    given = sorted(set(raw_fingerprints(call.given_to_browser[0] if call.given_to_browser else "")))
    report.check(f"{prefix}_browser_aborts",
                 view["report"] and given == [FAKE_FINGERPRINT] and
                 (view["connectionState"] == "failed" or view["dtlsTransportState"] == "failed" or
                  "failed" in view["statsDtlsStates"]) and
                 view["connectionState"] != "connected" and "connected" not in view["statsDtlsStates"],
                 f"the browser was given {given}: {view}")
    states = [s.value_nick for s in call.peer.connection_states]
    ours_errors = [e for e in outcome["bus_errors"] if e[0] == "dtlsdec" and e[2] and ours(e[1])]
    report.check(f"{prefix}_webrtcbin_sees_failure",
                 not outcome["connected"] and (outcome["failed"] or bool(ours_errors)),
                 f"webrtcbin's states {states}; bus errors {outcome['bus_errors']}")
    nothing, counts = browser_nothing_received(call.result)
    report.check(f"{prefix}_nothing_decoded",
                 outcome["decoded"] == {"video": 0, "audio": 0} and not outcome["received"] and
                 nothing and bool(call.result),
                 f"decoded here {outcome['decoded']}, messages here {outcome['received']}; the browser "
                 f"{counts if call.result else 'sent no report'}")
    ws.log(f"{prefix}: the browser: {view}; webrtcbin {states}, errors "
           f"{[e[3] for e in outcome['bus_errors']]}")


def check_several_fingerprints(report, ws, call, outcome):
    prefix = f"{call.role}_several_fingerprints"
    given = raw_fingerprints(call.given_to_webrtcbin[0] if call.given_to_webrtcbin else "")
    true_values = raw_fingerprints(call.browser_sdp[0] if call.browser_sdp else "")
    result = call.result
    report.check(f"{prefix}_connects",
                 outcome["connected"] and result.get("connectionState") == "connected" and
                 bool(true_values) and len(given) == 2 * len(true_values) and
                 given.count(FAKE_FINGERPRINT) == len(true_values),
                 f"webrtcbin {[s.value_nick for s in call.peer.connection_states]}, the browser "
                 f"{result.get('connectionState', 'no report')}; webrtcbin was given {given}")
    stats = wbt.BrowserStats(result.get("stats"))
    video, _ = stats.rtp("inbound-rtp", "video")
    audio, _ = stats.rtp("inbound-rtp", "audio")
    channel = result.get("channel") or {}
    decoded = outcome["decoded"]
    report.check(f"{prefix}_media_and_data_flow",
                 decoded["video"] >= wbt.VIDEO_FRAMES_WANTED and decoded["audio"] >= wbt.AUDIO_BUFFERS_WANTED
                 and video.get("framesDecoded", 0) >= wbt.BROWSER_VIDEO_FRAMES_WANTED and
                 audio.get("packetsReceived", 0) >= wbt.BROWSER_AUDIO_PACKETS_WANTED and
                 channel.get("received", []) == call.sent and len(call.sent) == wbt.MESSAGES and
                 outcome["received"] == channel.get("sent", []) and
                 len(outcome["received"]) == wbt.MESSAGES,
                 f"decoded here {decoded}, the browser decoded {video.get('framesDecoded', 0)} frames and "
                 f"received {audio.get('packetsReceived', 0)} Opus packets; webrtcbin sent {call.sent}, "
                 f"the browser received {channel.get('received')}; the browser sent {channel.get('sent')}, "
                 f"webrtcbin received {outcome['received']}")
    errors = outcome["errors"] + call.page_errors + result.get("errors", [])
    if not outcome["browser_running"]:
        errors.append("chromium exited early")
    report.check(f"{prefix}_no_errors", not errors, "; ".join(map(str, errors)))


def main():
    # First of all, before any thread exists: a network namespace of our own, only `lo` in it.
    host_namespace = bs.network_namespace()
    why_not = bs.enter_private_network()
    bs.adopt_orphans()

    parser = argparse.ArgumentParser()
    parser.add_argument("--plugin-dir", default=os.environ.get("SECMEDIA_GST_PLUGIN_DIR", ""))
    args = parser.parse_args()
    plugin_dir = os.path.realpath(args.plugin_dir) if args.plugin_dir else ""
    # Every call bounded: 4 failures, 2 calls that connect, one browser start, the teardowns.
    faulthandler.dump_traceback_later(4 * (FAIL_TIMEOUT_S + 20) + 2 * (CALL_TIMEOUT_S + 20) +
                                      BROWSER_START_S + 30, exit=True)

    import webrtc_support as ws
    from gi.repository import GLib

    report = ws.Report("WebrtcBrowserFingerprint")
    namespace_ok = why_not is None and bs.network_namespace() != host_namespace and \
        bs.interfaces() == ["lo"]
    report.check("private_network", namespace_ok,
                 why_not or f"namespace {bs.network_namespace()} (was {host_namespace}), interfaces "
                 f"{bs.interfaces()}")
    if not namespace_ok or not os.access(bs.CHROMIUM, os.X_OK):
        if namespace_ok:
            report.check("chromium_installed", False, f"no {bs.CHROMIUM} (scripts/setup.sh installs it)")
        report.write("webrtc_browser_fingerprint_test")
        return 1

    ws.init()

    def ours(path):
        return bool(plugin_dir) and path is not None and \
            os.path.dirname(os.path.realpath(path)) == plugin_dir

    features = {name: ws.factory_plugin_file(name) for name in ws.SECURE_FACTORIES}
    report.check("registry_features_are_ours", all(ours(path) for path in features.values()),
                 f"expected every factory from {plugin_dir}: {features}")

    FingerprintCall = make_call_class(ws, GLib)
    workdir = tempfile.mkdtemp(prefix="webrtc-browser-fingerprint-")
    server = bs.SignallingServer()
    shared = SharedBrowser(ws, workdir)
    started = time.monotonic()
    try:
        for role in wbt.ROLES:
            call = FingerprintCall(server, role, workdir, f"{role}_altered_browser_fingerprint",
                                   to_webrtcbin=replace_fingerprints, expect_failure=True)
            check_altered_browser_fingerprint(report, ws, call, call.run(shared), ours)
            call = FingerprintCall(server, role, workdir, f"{role}_altered_webrtcbin_fingerprint",
                                   to_browser=replace_fingerprints, expect_failure=True)
            check_altered_webrtcbin_fingerprint(report, ws, call, call.run(shared), ours)
            call = FingerprintCall(server, role, workdir, f"{role}_several_fingerprints",
                                   to_webrtcbin=add_false_fingerprint)
            check_several_fingerprints(report, ws, call, call.run(shared))
    finally:
        shared.stop()
        server.close()
        shutil.rmtree(workdir, ignore_errors=True)
    ws.log(f"all calls in {time.monotonic() - started:.1f} s, {shared.starts} browser start(s)")

    report.write("webrtc_browser_fingerprint_test")
    faulthandler.cancel_dump_traceback_later()
    return 1 if report.failures() else 0


if __name__ == "__main__":
    status = main()
    import webrtc_support as ws  # noqa: E402 (imported by main, once the namespace is set up)
    ws.exit_process(status)
