#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Inside webrtcbin, our dtlssrtpdec checks the peer's certificate against the remote description's
a=fingerprint (RFC 8122 §5) during the handshake: two webrtcbins in one process on our plugins, the
SDP between them altered by the test.

Cases (each counted by scripts/count_results.py from the JSON report):
  true_sdp_*                  the unaltered call connects, media and data flow
  altered_answer_*            alice (offerer, DTLS server) gets an answer whose fingerprint is not
                              bob's certificate: her peer connection fails, the bus error names the
                              expected and the received fingerprint, nothing is decoded or delivered
  altered_offer_*             the same with bob (answerer, DTLS client) given a false offer
  no_fingerprint_*            an answer without any a=fingerprint: Debian's webrtcbin 1.22 refuses
                              it itself (set-remote-description errors); either way alice never
                              connects and nothing is decrypted or delivered
  several_fingerprints_*      an answer with a false fingerprint beside the true one connects
  late_answer_*               the answer reaches alice 2 s late: the call still completes
  race_*                      the race, made deterministic without ICE: our dtlssrtpdec placed in a
                              webrtcbin as DTLS server, a client's whole flight arrives before any
                              remote description: the handshake waits (connecting, no keys), then
                              completes when set-remote-description brings the client's fingerprint
  never_set_*                 the same, but no description ever comes: the handshake fails within
                              its timeout with a message saying why, no keys
  check_off_*                 verify-remote-fingerprint=false: a false fingerprint is not checked
                              (the application verifies by itself)

    webrtc_fingerprint_check_test.py
"""
import faulthandler
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import webrtc_support as ws  # noqa: E402
from gi.repository import GLib, GstWebRTC  # noqa: E402

FAKE_FINGERPRINT = "sha-256 " + ":".join(["5A"] * 32)
FAKE_SHA1 = "sha-1 " + ":".join(["A5"] * 20)
FINGERPRINT_LINE = re.compile(r"^a=fingerprint:(.*?)\r?$", re.MULTILINE)
CALL_TIMEOUT_S = 30
FAIL_TIMEOUT_S = 20
SHORT_HANDSHAKE_MS = 3000


def fingerprints_in(sdp):
    return FINGERPRINT_LINE.findall(sdp)


def replace_fingerprints(sdp, value):
    return FINGERPRINT_LINE.sub(f"a=fingerprint:{value}", sdp)


def remove_fingerprints(sdp):
    return re.sub(r"^a=fingerprint:.*\r?\n", "", sdp, flags=re.MULTILINE)


def add_fingerprint(sdp, value):
    # Before every existing fingerprint line: a false one first, then the true one.
    return FINGERPRINT_LINE.sub(lambda m: f"a=fingerprint:{value}\r\na=fingerprint:{m.group(1)}", sdp)


class Call:
    """alice offers to bob; `to_alice` and `to_bob` may rewrite or hold messages on their way."""

    def __init__(self, name, to_alice=None, to_bob=None, dec_settings=None):
        self.name = name
        self.alice = ws.Peer(f"{name}-alice", send=None, audio=False)
        self.bob = ws.Peer(f"{name}-bob", send=None, audio=False, data_channel=False)
        self.to_alice = to_alice or (lambda m: m)
        self.to_bob = to_bob or (lambda m: m)
        self.held_for_alice = []
        self.refused = []  # errors webrtcbin gave to set-remote-description
        self.true_fingerprints = {}  # peer name -> fingerprint lines of its own SDP
        self.dec_settings = dec_settings or {}
        self.dtlsdecs = {}
        for peer, deliver_to, rewrite in ((self.alice, self.bob, lambda m: self.to_bob(m)),
                                          (self.bob, self.alice, lambda m: self.to_alice(m))):
            peer.send = self._sender(peer, deliver_to, rewrite)
            peer._connect(peer.pipeline, "deep-element-added", self._on_element)
        self.messages = {"alice": [], "bob": []}
        self.alice.on_channel_open = self.bob.on_channel_open = self._on_channel_open

    def _on_element(self, _bin, _sub, element):
        factory = element.get_factory()
        name = factory.get_name() if factory else ""
        if name == "dtlssrtpdec" and "verify-remote-fingerprint" in self.dec_settings:
            element.set_property("verify-remote-fingerprint",
                                 self.dec_settings["verify-remote-fingerprint"])
        if name == "dtlsdec":
            self.dtlsdecs[element.get_name()] = element
            if "handshake-timeout" in self.dec_settings:
                element.set_property("handshake-timeout", self.dec_settings["handshake-timeout"])

    def _sender(self, peer, deliver_to, rewrite):
        def send(message):
            if message["type"] in ("offer", "answer"):
                self.true_fingerprints[peer.name] = fingerprints_in(message["sdp"])
            message = rewrite(dict(message))
            if message is None:
                return
            if message.get("hold"):
                self.held_for_alice.append(message)
                return
            GLib.idle_add(lambda: (self._deliver(deliver_to, message), False)[1])
        return send

    def _deliver(self, peer, message):
        if message["type"] != "answer":
            peer.receive(message)
            return
        # As Peer.receive, keeping webrtcbin's answer to set-remote-description.
        _result, sdp = ws.GstSdp.SDPMessage.new_from_text(message["sdp"])
        description = GstWebRTC.WebRTCSessionDescription.new(GstWebRTC.WebRTCSDPType.ANSWER, sdp)

        def on_set(promise, _data):
            promise.wait()
            reply = promise.get_reply()
            if reply is not None and reply.has_field("error"):
                self.refused.append(str(reply.get_value("error")))
        peer.webrtc.emit("set-remote-description", description,
                         ws.Gst.Promise.new_with_change_func(on_set, None))

    def release_held(self):
        for message in self.held_for_alice:
            message = dict(message)
            message.pop("hold")
            GLib.idle_add(lambda m=message: (self._deliver(self.alice, m), False)[1])
        self.held_for_alice = []

    def _on_channel_open(self, peer, channel):
        channel.emit("send-string", f"hello from {peer.name}")

    def start(self):
        self.alice.start()
        self.bob.start()
        self.alice.make_offer()

    def failed(self, peer):
        return GstWebRTC.WebRTCPeerConnectionState.FAILED in peer.connection_states

    def media_flowing(self):
        return (self.alice.connected() and self.bob.connected() and
                self.alice.decoded["video"] >= 10 and self.bob.decoded["video"] >= 10 and
                self.alice.messages_received and self.bob.messages_received)

    def stop(self):
        ws.close_data_channels((self.alice, self.bob), timeout_s=2)
        self.bob.stop()
        self.alice.stop()


def check_connects(report, call, prefix):
    ok = ws.run_until(call.media_flowing, CALL_TIMEOUT_S)
    report.check(f"{prefix}_connects", ok,
                 f"alice {[s.value_nick for s in call.alice.connection_states]} decoded "
                 f"{call.alice.decoded} got {call.alice.messages_received}; bob "
                 f"{[s.value_nick for s in call.bob.connection_states]} decoded {call.bob.decoded} "
                 f"got {call.bob.messages_received}; errors {call.alice.errors + call.bob.errors}")
    report.check(f"{prefix}_no_errors", not call.alice.errors and not call.bob.errors,
                 "; ".join(call.alice.errors + call.bob.errors))


def check_fails(report, call, prefix, victim, must_name):
    """`victim` (a Peer of `call`) must see its peer connection fail with an error naming every
    string of `must_name`; nothing decoded or delivered on either side."""
    ok = ws.run_until(lambda: call.failed(victim) and victim.errors, FAIL_TIMEOUT_S)
    # A little longer: media or data that slipped through would show now.
    ws.run_until(lambda: False, 1.0)
    report.check(f"{prefix}_peer_connection_fails", ok,
                 f"{victim.name} states {[s.value_nick for s in victim.connection_states]}, "
                 f"errors {victim.errors}")
    text = " ".join(victim.errors)
    missing = [s for s in must_name if s not in text]
    report.check(f"{prefix}_error_says_why", ok and not missing,
                 f"{missing} not in {victim.name}'s errors: {victim.errors}")
    nothing = (call.alice.decoded["video"] == 0 and call.bob.decoded["video"] == 0 and
               not call.alice.messages_received and not call.bob.messages_received)
    report.check(f"{prefix}_nothing_decrypted_or_delivered", nothing,
                 f"decoded alice {call.alice.decoded} bob {call.bob.decoded}, messages "
                 f"alice {call.alice.messages_received} bob {call.bob.messages_received}")

RACE_OFFER = ("v=0\r\no=- 4242 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
              "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\n"
              "a=ice-ufrag:raceufrag\r\na=ice-pwd:racepasswordracepassword\r\n"
              "a=fingerprint:{fingerprint}\r\na=setup:actpass\r\na=mid:0\r\na=sctp-port:5000\r\n")


def child_of_factory(bin_, factory_name):
    for element in ws.iterate_recurse(bin_):
        factory = element.get_factory()
        if factory and factory.get_name() == factory_name:
            return element
    return None


def run_race(report, set_description):
    """Our dtlssrtpdec as the DTLS server inside a webrtcbin (connection-id rtp_0_<n>, as webrtcbin
    names its transports), a client outside it: ICE plays no part, so the client's whole flight
    arrives before any remote description, every time."""
    prefix = "race" if set_description else "never_set"
    pipeline = ws.Gst.Pipeline.new(prefix)
    webrtc = ws.Gst.ElementFactory.make("webrtcbin", "webrtc")
    server_dec = ws.Gst.ElementFactory.make("dtlssrtpdec", "server_dec")
    server_enc = ws.Gst.ElementFactory.make("dtlssrtpenc", "server_enc")
    client_enc = ws.Gst.ElementFactory.make("dtlssrtpenc", "client_enc")
    client_dec = ws.Gst.ElementFactory.make("dtlssrtpdec", "client_dec")
    server_id = f"rtp_0_{4242 + int(set_description)}"
    client_id = f"race-client-{int(set_description)}"
    server_dec.set_property("connection-id", server_id)
    server_enc.set_property("connection-id", server_id)
    client_dec.set_property("connection-id", client_id)
    client_enc.set_property("connection-id", client_id)
    client_enc.set_property("is-client", True)
    timeout_ms = 20000 if set_description else SHORT_HANDSHAKE_MS
    for element in (server_dec, client_dec):
        child_of_factory(element, "dtlsdec").set_property("handshake-timeout", timeout_ms)
    webrtc.add(server_dec)
    for element in (webrtc, server_enc, client_enc, client_dec):
        pipeline.add(element)
    client_enc.link_pads("src", server_dec, "sink")  # ghosted through webrtcbin
    server_enc.link_pads("src", client_dec, "sink")
    errors = []
    bus = pipeline.get_bus()

    def drain_bus():
        while True:
            message = bus.pop_filtered(ws.Gst.MessageType.ERROR)
            if message is None:
                return
            error, debug = message.parse_error()
            errors.append(f"{message.src.get_name()}: {error.message} ({debug})")

    def state(element):
        return int(element.get_property("connection-state"))

    started = time.monotonic()
    pipeline.set_state(ws.Gst.State.PLAYING)
    server_dtlsdec = child_of_factory(server_dec, "dtlsdec")

    def flight_held():
        stats = server_dtlsdec.get_property("stats")
        return stats is not None and stats.get_value("datagrams-received") >= 2

    held = ws.run_until(flight_held, 10)
    ws.run_until(lambda: False, 1.0)
    drain_bus()
    report.check(f"{prefix}_waits_for_the_description",
                 held and state(server_dec) == 3 and not server_dec.get_property("srtp-profile")
                 and not errors,
                 f"held {held}, server state {state(server_dec)}, profile "
                 f"{server_dec.get_property('srtp-profile')!r}, errors {errors}")
    if set_description:
        fingerprint = client_dec.get_property("fingerprint")
        _result, sdp = ws.GstSdp.SDPMessage.new_from_text(RACE_OFFER.format(fingerprint=fingerprint))
        offer = GstWebRTC.WebRTCSessionDescription.new(GstWebRTC.WebRTCSDPType.OFFER, sdp)
        webrtc.emit("set-remote-description", offer, ws.Gst.Promise.new())
        connected = ws.run_until(lambda: state(server_dec) == 4 and state(client_dec) == 4, 15)
        drain_bus()
        report.check(f"{prefix}_completes_once_set", connected and not errors,
                     f"server {state(server_dec)} client {state(client_dec)} errors {errors}")
        report.check(f"{prefix}_keys_after_verification",
                     ws.canonical_profile(server_dec.get_property("srtp-profile")) ==
                     "AEAD_AES_128_GCM", f"profile {server_dec.get_property('srtp-profile')!r}")
    else:
        failed = ws.run_until(lambda: (drain_bus(), state(server_dec) == 2)[1],
                              timeout_ms / 1000 + 10)
        elapsed = time.monotonic() - started
        drain_bus()
        report.check(f"{prefix}_fails_in_bounded_time", failed and elapsed < timeout_ms / 1000 + 10,
                     f"server state {state(server_dec)} after {elapsed:.1f} s")
        report.check(f"{prefix}_error_says_why",
                     any("remote description was never set" in e for e in errors), f"{errors}")
        report.check(f"{prefix}_no_keys", not server_dec.get_property("srtp-profile"),
                     f"profile {server_dec.get_property('srtp-profile')!r}")
    pipeline.set_state(ws.Gst.State.NULL)


def main():
    faulthandler.dump_traceback_later(600, exit=True)
    ws.init()
    report = ws.Report("WebrtcFingerprintCheck")

    # The unaltered call.
    call = Call("true")
    call.start()
    check_connects(report, call, "true_sdp")
    call.stop()

    # Alice (offerer) is given an answer whose fingerprint is not bob's certificate.
    def fake_answer(message):
        if message["type"] == "answer":
            message["sdp"] = replace_fingerprints(message["sdp"], FAKE_FINGERPRINT)
        return message

    call = Call("altered-answer", to_alice=fake_answer)
    call.start()
    check_fails(report, call, "altered_answer", call.alice, [])
    true_bob = call.true_fingerprints.get(call.bob.name, ["?"])[0]
    report.check("altered_answer_error_names_both_fingerprints",
                 any(FAKE_FINGERPRINT in e and true_bob in e for e in call.alice.errors),
                 f"expected {FAKE_FINGERPRINT} and {true_bob} in {call.alice.errors}")
    call.stop()

    # Bob (answerer) is given an offer whose fingerprint is not alice's certificate.
    def fake_offer(message):
        if message["type"] == "offer":
            message["sdp"] = replace_fingerprints(message["sdp"], FAKE_FINGERPRINT)
        return message

    call = Call("altered-offer", to_bob=fake_offer)
    call.start()
    check_fails(report, call, "altered_offer", call.bob, [])
    true_alice = call.true_fingerprints.get(call.alice.name, ["?"])[0]
    report.check("altered_offer_error_names_both_fingerprints",
                 any(FAKE_FINGERPRINT in e and true_alice in e for e in call.bob.errors),
                 f"expected {FAKE_FINGERPRINT} and {true_alice} in {call.bob.errors}")
    call.stop()

    # An answer without any fingerprint.
    def bare_answer(message):
        if message["type"] == "answer":
            message["sdp"] = remove_fingerprints(message["sdp"])
        return message

    call = Call("no-fingerprint", to_alice=bare_answer)
    call.start()
    settled = ws.run_until(lambda: call.refused or call.failed(call.alice), FAIL_TIMEOUT_S)
    ws.run_until(lambda: False, 1.0)
    report.check("no_fingerprint_refused_or_failed", settled and not call.alice.connected(),
                 f"alice {[s.value_nick for s in call.alice.connection_states]} refused "
                 f"{call.refused} errors {call.alice.errors}")
    nothing = (call.alice.decoded["video"] == 0 and call.bob.decoded["video"] == 0 and
               not call.alice.messages_received and not call.bob.messages_received)
    report.check("no_fingerprint_nothing_decrypted_or_delivered", nothing,
                 f"decoded alice {call.alice.decoded} bob {call.bob.decoded}")
    call.stop()

    # Several fingerprints, one of them true (and another hash function).
    def crowded_answer(message):
        if message["type"] == "answer":
            message["sdp"] = add_fingerprint(add_fingerprint(message["sdp"], FAKE_SHA1),
                                             FAKE_FINGERPRINT)
        return message

    call = Call("several", to_alice=crowded_answer)
    call.start()
    check_connects(report, call, "several_fingerprints")
    call.stop()

    # The race: bob's DTLS flight reaches alice before she applies his answer.
    def late_answer(message):
        if message["type"] == "answer":
            message["hold"] = True
        return message

    call = Call("late-answer", to_alice=late_answer)
    call.start()
    ws.run_until(lambda: call.held_for_alice, 10)
    ws.run_until(lambda: False, 2.0)
    call.release_held()
    check_connects(report, call, "late_answer")
    call.stop()

    run_race(report, set_description=True)
    run_race(report, set_description=False)

    # The check turned off: a false fingerprint goes unnoticed (by design of that setting).
    call = Call("check-off", to_alice=fake_answer,
                dec_settings={"verify-remote-fingerprint": False})
    call.start()
    check_connects(report, call, "check_off")
    call.stop()

    report.write("webrtc_fingerprint_check_test")
    faulthandler.cancel_dump_traceback_later()
    return 1 if report.failures() else 0


if __name__ == "__main__":
    ws.exit_process(main())
