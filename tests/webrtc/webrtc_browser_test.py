#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Headless Chromium against webrtcbin on our dtls and srtp plugins (loaded by GST_PLUGIN_PATH alone,
with gst-plugins-bad installed): the browser offers, then webrtcbin offers. VP8 and Opus both ways (the
browser's fake camera and microphone; videotestsrc and audiotestsrc here), a data channel both ways.

The program first moves itself into a network namespace of its own whose only interface is `lo`, so the
browser, the HTTP server and webrtcbin started after it cannot send a packet anywhere else; ICE is also
kept to 127.0.0.1 (webrtc_support). The page (browser_page.html) drives the browser: it fetches the
remote SDP and candidates from this process's HTTP server (browser_support.SignallingServer) and posts
its own, then its getStats(), descriptions and data-channel messages, from which the browser's side of
each check below is read.

Cases (each counted by scripts/count_results.py from the JSON report):
  private_network                  this process is in a network namespace of its own, `lo` its only
                                   interface
  registry_features_are_ours       the dtls*/srtp* factories in the registry come from our plugin files
and for each role R in (browser_offers, browser_answers):
  R_connect                        webrtcbin's and the browser's peer connections reach `connected`
  R_secure_elements_are_ours       every DTLS/SRTP element inside webrtcbin is from our plugin files
  R_srtp_profile_is_aes_128_gcm    our dtlssrtpenc/dtlssrtpdec negotiated AEAD_AES_128_GCM
  R_browser_srtp_is_aes_128_gcm    the browser's transport stats: dtlsState connected, srtpCipher
                                   AEAD_AES_128_GCM, a dtlsCipher
  R_browser_got_our_certificate    the certificate the browser received (its remoteCertificateId's
                                   base64Certificate and its RTCDtlsTransport's getRemoteCertificates(),
                                   hashed here, and the stats' fingerprint) matches webrtcbin's
                                   a=fingerprint
  R_we_got_browser_certificate     dtlssrtpdec's peer-pem, hashed, matches the browser's a=fingerprint
                                   and the browser's own certificate in its stats
  R_pem_is_certificate_only        (regression, see check_pem) dtlssrtpdec's pem is one certificate,
                                   whose hash is webrtcbin's a=fingerprint
  R_ice_on_loopback                the browser's selected candidate pair is 127.0.0.1 on both ends
  R_video_both_ways                VP8 frames decoded here and in the browser
  R_audio_both_ways                Opus buffers decoded here, Opus packets received by the browser
  R_data_channel_both_ways         each side's messages arrive, in order, at the other
  R_no_errors                      no bus error, no page error, the browser still running at the end

    webrtc_browser_test.py [--plugin-dir DIR]   (DIR defaults to $SECMEDIA_GST_PLUGIN_DIR)
"""
import argparse
import base64
import faulthandler
import hashlib
import os
import re
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import browser_support as bs  # noqa: E402  (imports no GStreamer: no thread before the namespace)

VIDEO_FRAMES_WANTED = 45  # decoded here, from videotestsrc at 30 fps
AUDIO_BUFFERS_WANTED = 75  # decoded here (20 ms each)
BROWSER_VIDEO_FRAMES_WANTED = 45  # framesDecoded of the browser's inbound VP8
BROWSER_AUDIO_PACKETS_WANTED = 75  # packetsReceived of the browser's inbound Opus
MESSAGES = 3
CALL_TIMEOUT_S = 45  # from the browser's start to both sides' conditions (both roles well under it)
SOURCES_TIMEOUT_S = 10  # for the sources' caps to reach webrtcbin, before any SDP
FAILED_GRACE_S = 5  # for the page's report after webrtcbin's connection failed
WANTED_PROFILE = "AEAD_AES_128_GCM"
ROLES = ("browser_offers", "browser_answers")
# webrtcbin 1.22 answers an offered m-line with the transceiver whose sink caps intersect the offer's,
# payload number included: with webrtc_support's Opus on 97 it answered Chromium's Opus (111) with a new
# recvonly transceiver and sent no audio. So the sources carry Chromium's numbers (VP8 96, Opus 111).
AUDIO_PAYLOAD = ("payload=97", "payload=111")
# When Chromium is the DTLS server (it offers actpass, webrtcbin answers active), it picks from its own
# preference order, which puts AES128_CM_SHA1_80 first and AEAD_AES_256_GCM before AEAD_AES_128_GCM:
# with our default list it chose AES128_CM_SHA1_80. In that role webrtcbin's DTLS elements offer
# AEAD_AES_128_GCM only, the profile this test requires. As DTLS server ourselves (webrtcbin offers)
# our default preference gives AEAD_AES_128_GCM unaided.
SERVER_BROWSER_PROFILES = "SRTP_AEAD_AES_128_GCM"
# Chromium's names in getStats() (transport.srtpCipher) where they differ from RFC 5764's.
BROWSER_SRTP_NAMES = {
    "SRTP_AES128_CM_HMAC_SHA1_80": "AES_CM_128_HMAC_SHA1_80",
    "SRTP_AES128_CM_HMAC_SHA1_32": "AES_CM_128_HMAC_SHA1_32",
}


def normalize_fingerprint(text):
    """'sha-256 ab:cd:…' → 'sha-256 ABCD…', so that SDP, stats and our own hashes compare."""
    algorithm, _, value = text.strip().partition(" ")
    return f"{algorithm.lower()} {value.replace(':', '').upper()}"


def sdp_fingerprints(sdp):
    """Every a=fingerprint of an SDP (session and media level), normalized."""
    return {normalize_fingerprint(line[len("a=fingerprint:"):])
            for line in sdp.splitlines() if line.startswith("a=fingerprint:")}


def der_fingerprint(der, algorithm="sha-256"):
    return f"{algorithm} {hashlib.new(algorithm.replace('-', ''), der).hexdigest().upper()}"


def pem_blocks(pem):
    """[(label, DER)] of every PEM block in the text, in order."""
    blocks = []
    for label, body in re.findall(r"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", pem or "", re.S):
        try:
            blocks.append((label, base64.b64decode("".join(body.split()))))
        except ValueError:
            blocks.append((label, b""))
    return blocks


def single(values):
    """The one value of a set, or None when it is empty or holds several."""
    return next(iter(values)) if len(values) == 1 else None


class BrowserStats:
    """The browser's getStats() as posted by the page (a list of RTCStats dictionaries)."""

    def __init__(self, stats):
        self.by_id = {entry.get("id"): entry for entry in stats or []}

    def of_type(self, kind):
        return [entry for entry in self.by_id.values() if entry.get("type") == kind]

    def transport(self):
        transports = self.of_type("transport")
        connected = [t for t in transports if t.get("dtlsState") == "connected"]
        return (connected or transports or [{}])[0]

    def certificate(self, certificate_id):
        return self.by_id.get(certificate_id) or {}

    def rtp(self, kind, media):
        """The inbound-rtp/outbound-rtp entry of media ('video'/'audio') and its codec's mimeType."""
        for entry in self.of_type(kind):
            if entry.get("kind") == media:
                codec = self.by_id.get(entry.get("codecId")) or {}
                return entry, codec.get("mimeType", "")
        return {}, ""

    def selected_pair(self):
        pair = self.by_id.get(self.transport().get("selectedCandidatePairId")) or {}
        local = self.by_id.get(pair.get("localCandidateId")) or {}
        remote = self.by_id.get(pair.get("remoteCandidateId")) or {}
        return local, remote


class Call:
    """One call between webrtcbin (a webrtc_support.Peer) and the browser, role being who offers."""

    def __init__(self, ws, GLib, server, role, workdir):
        self.ws = ws
        self.GLib = GLib
        self.role = role
        self.browser_offers = role == "browser_offers"
        self.our_sdp = []  # what webrtcbin sent
        self.browser_sdp = []  # what the browser sent
        self.result = {}
        self.page_errors = []
        self.candidates = {"used": 0, "ignored": []}
        self.sent = []
        config = {
            "role": "offerer" if self.browser_offers else "answerer",
            "messages": MESSAGES,
            "videoFramesWanted": BROWSER_VIDEO_FRAMES_WANTED,
            "audioPacketsWanted": BROWSER_AUDIO_PACKETS_WANTED,
            "deadlineMs": CALL_TIMEOUT_S * 1000,
        }
        self.scenario = bs.Scenario(role, config, self._from_browser)
        self.url = server.add(self.scenario)
        self.peer = ws.Peer(role, send=self._to_browser, data_channel=not self.browser_offers,
                            video=False, audio=False)
        self.peer._add_source(ws.VIDEO_SOURCE)
        self.peer._add_source(ws.AUDIO_SOURCE.replace(*AUDIO_PAYLOAD))
        self.peer.on_channel_open = self._on_channel_open
        self.profiles_set = []  # (element, srtp-profiles) set when the browser is the DTLS server
        self._restrict_handler = None
        if self.browser_offers:
            self._restrict_handler = self.peer.pipeline.connect("deep-element-added",
                                                                self._restrict_profiles)
        self.workdir = workdir
        self.browser = None
        self.failed_at = None

    def _restrict_profiles(self, _bin, _sub_bin, element):
        """Sets SERVER_BROWSER_PROFILES on the dtlsenc/dtlsdec inside each dtlssrtpenc/dtlssrtpdec
        webrtcbin adds (still in NULL then; they were made, with their children, before being added)."""
        factory = element.get_factory()
        if not factory or factory.get_name() not in ("dtlssrtpenc", "dtlssrtpdec"):
            return
        for child in self.ws.iterate_recurse(element):
            child_factory = child.get_factory()
            if child_factory and child_factory.get_name() in ("dtlsenc", "dtlsdec") and \
                    child.find_property("srtp-profiles") is not None:
                child.set_property("srtp-profiles", SERVER_BROWSER_PROFILES)
                self.profiles_set.append((child.get_name(), SERVER_BROWSER_PROFILES))

    def _to_browser(self, message):  # any thread
        if message["type"] in ("offer", "answer"):
            self.our_sdp.append(message["sdp"])
        self.scenario.to_browser(message)

    def _from_browser(self, message):  # an HTTP server thread
        self.GLib.idle_add(lambda: (self._deliver(message), False)[1])

    def _deliver(self, message):
        kind = message.get("type")
        if kind in ("offer", "answer"):
            self.browser_sdp.append(message["sdp"])
            self.peer.receive(message)
        elif kind == "ice":
            if self.ws.is_loopback_udp(message.get("candidate", "")):
                self.candidates["used"] += 1
                self.peer.receive(message)
            else:
                self.candidates["ignored"].append(message.get("candidate"))
        elif kind == "log":
            self.ws.log(f"{self.role}: browser: {message.get('text')}")
            if message.get("error"):
                self.page_errors.append(message.get("text"))
        elif kind == "result":
            self.result = message

    def _on_channel_open(self, peer, channel):
        if self.sent:
            return
        for i in range(MESSAGES):
            text = f"webrtcbin says {i} ({'x' * (i * 100)})"
            self.sent.append(text)
            channel.emit("send-string", text)
        self.ws.log(f"{peer.name}: sent {MESSAGES} messages")

    def _our_side_done(self):
        return (self.peer.connected() and self.peer.decoded["video"] >= VIDEO_FRAMES_WANTED and
                self.peer.decoded["audio"] >= AUDIO_BUFFERS_WANTED and
                len(self.peer.messages_received) >= MESSAGES)

    def _sources_negotiated(self):
        pads = list(self.peer.webrtc.sinkpads)
        return bool(pads) and all(pad.get_current_caps() is not None for pad in pads)

    def _call_over(self):
        """Both sides are done, or either gave up: the page reported an incomplete call, the browser
        is gone, or webrtcbin's connection failed (then the page's report is awaited a little, for the
        browser's view of the failure)."""
        if not self.browser.running():
            return True
        if self.result:
            return self._our_side_done() or not self.result.get("complete")
        if self.ws.GstWebRTC.WebRTCPeerConnectionState.FAILED in self.peer.connection_states:
            if self.failed_at is None:
                self.failed_at = time.monotonic()
            return time.monotonic() - self.failed_at > FAILED_GRACE_S
        return False

    def run(self):
        """Runs the call until both sides are done (or the deadline), then reads our elements and ends
        everything. Returns what the checks need."""
        ws = self.ws
        started = time.monotonic()
        profile = os.path.join(self.workdir, f"{self.role}-profile")
        os.makedirs(profile)
        self.peer.start()
        try:
            # A description made before the sources' caps reached webrtcbin describes Opus without
            # its channel count ("OPUS/48000"), and Chromium then answered the audio with PCMU (seen
            # once in 5 runs when webrtcbin offered at once). So nothing starts before they are there.
            if not ws.run_until(self._sources_negotiated, SOURCES_TIMEOUT_S):
                ws.log(f"{self.role}: sources not negotiated after {SOURCES_TIMEOUT_S} s")
            if not self.browser_offers:
                self.peer.make_offer()
            self.browser = bs.Browser(self.url, profile, os.path.join(self.workdir, f"{self.role}.log"))
            ws.log(f"{self.role}: chromium pid {self.browser.pid} on {self.url}")
            finished = ws.run_until(self._call_over, CALL_TIMEOUT_S + 15)
            elapsed = time.monotonic() - started
            ws.log(f"{self.role}: call {'complete' if finished and self.result else 'INCOMPLETE'} "
                   f"after {elapsed:.1f} s; browser {'complete' if self.result.get('complete') else 'not'} "
                   f"after {self.result.get('elapsedMs', 0) / 1000:.1f} s of page time; decoded here "
                   f"{self.peer.decoded}; browser candidates used {self.candidates['used']}, ignored "
                   f"{self.candidates['ignored']}" +
                   (f"; srtp-profiles set on {self.profiles_set}" if self.browser_offers else ""))
            outcome = {
                "elapsed": elapsed,
                "connected": self.peer.connected(),
                "browser_running": self.browser.running(),
                "elements": self.peer.collect_secure_elements(),
                "profiles": self.peer.srtp_profiles(),
                "decoders": self._dtlssrtpdecs(),
                "decoded": dict(self.peer.decoded),
                "received": list(self.peer.messages_received),
                "errors": list(self.peer.errors),
            }
            # A channel of a call that never connected stays `connecting`: no long wait for it.
            if not ws.close_data_channels([self.peer], 5 if outcome["connected"] else 1):
                ws.log(f"{self.role}: data channels not all closed in time")
            return outcome
        finally:
            if self._restrict_handler is not None:
                self.peer.pipeline.disconnect(self._restrict_handler)
            self.peer.stop()
            if self.browser is not None:
                killed = self.browser.stop()
                ws.log(f"{self.role}: chromium ended" + (f" (SIGKILL for {killed})" if killed else ""))
                if not self.result:
                    ws.log(f"{self.role}: chromium's output ends with:\n{self.browser.log_tail()}")

    def _dtlssrtpdecs(self):
        """pem, peer-pem and connection-state of every dtlssrtpdec inside webrtcbin."""
        found = {}
        for element in self.ws.iterate_recurse(self.peer.webrtc):
            factory = element.get_factory()
            if factory and factory.get_name() == "dtlssrtpdec":
                found[element.get_name()] = {
                    "pem": element.get_property("pem"),
                    "peer-pem": element.get_property("peer-pem"),
                    "state": int(element.get_property("connection-state")),
                }
        return found


def check_call(report, ws, call, outcome, ours):
    role = call.role
    result = call.result
    failures_before = report.failures()
    stats = BrowserStats(result.get("stats"))
    transport = stats.transport()

    report.check(f"{role}_connect",
                 outcome["connected"] and result.get("connectionState") == "connected",
                 f"webrtcbin connected: {outcome['connected']} (states "
                 f"{[s.value_nick for s in call.peer.connection_states]}); browser: "
                 f"{result.get('connectionState', 'no report from the page')}")

    problems = []
    kinds = {factory for factory, _ in outcome["elements"].values()}
    for needed in ("dtlssrtpenc", "dtlssrtpdec"):
        if needed not in kinds:
            problems.append(f"no {needed} inside webrtcbin")
    for element, (factory, path) in outcome["elements"].items():
        if not ours(path):
            problems.append(f"{element} ({factory}) is from {path}")
    report.check(f"{role}_secure_elements_are_ours", not problems, "; ".join(problems))

    profiles = outcome["profiles"]
    report.check(f"{role}_srtp_profile_is_aes_128_gcm",
                 bool(profiles) and all(ws.canonical_profile(p) == WANTED_PROFILE
                                        for p in profiles.values()),
                 f"srtp-profile of our elements: {profiles}" +
                 (f" (srtp-profiles set: {call.profiles_set})" if call.browser_offers else ""))

    browser_profile = ws.canonical_profile(BROWSER_SRTP_NAMES.get(transport.get("srtpCipher"),
                                                                  transport.get("srtpCipher")))
    report.check(f"{role}_browser_srtp_is_aes_128_gcm",
                 transport.get("dtlsState") == "connected" and browser_profile == WANTED_PROFILE and
                 bool(transport.get("dtlsCipher")),
                 f"browser transport: dtlsState {transport.get('dtlsState')}, srtpCipher "
                 f"{transport.get('srtpCipher')}, dtlsCipher {transport.get('dtlsCipher')}")

    # What webrtcbin announced against what went on the wire to the browser.
    our_fingerprints = set().union(*map(sdp_fingerprints, call.our_sdp)) if call.our_sdp else set()
    our_fingerprint = single(our_fingerprints)
    remote_certificate = stats.certificate(transport.get("remoteCertificateId"))
    received_der = base64.b64decode(remote_certificate.get("base64Certificate", ""))
    received = der_fingerprint(received_der) if received_der else None
    received_said = normalize_fingerprint(
        f"{remote_certificate.get('fingerprintAlgorithm', '')} {remote_certificate.get('fingerprint', '')}")
    chain = result.get("remoteCertificates") or []
    on_transport = der_fingerprint(base64.b64decode(chain[0])) if chain else None
    report.check(f"{role}_browser_got_our_certificate",
                 our_fingerprint is not None and received == our_fingerprint and
                 received_said == our_fingerprint and on_transport == our_fingerprint,
                 f"webrtcbin's SDP a=fingerprint {sorted(our_fingerprints)}; the browser received a "
                 f"certificate hashing to {received} in its stats (which say {received_said}), "
                 f"to {on_transport} from its RTCDtlsTransport ({len(chain)} in the chain)")

    # What the browser announced against what our dtlssrtpdec received.
    browser_fingerprints = set().union(*map(sdp_fingerprints, call.browser_sdp)) \
        if call.browser_sdp else set()
    browser_fingerprint = single(browser_fingerprints)
    local_certificate = stats.certificate(transport.get("localCertificateId"))
    browser_own = normalize_fingerprint(
        f"{local_certificate.get('fingerprintAlgorithm', '')} {local_certificate.get('fingerprint', '')}")
    connected = {name: d for name, d in outcome["decoders"].items() if d["state"] == 4}
    peer_hashes = {}
    for name, decoder in connected.items():
        blocks = pem_blocks(decoder["peer-pem"])
        algorithm = browser_fingerprint.split()[0] if browser_fingerprint else "sha-256"
        peer_hashes[name] = der_fingerprint(blocks[0][1], algorithm) \
            if blocks and blocks[0][0] == "CERTIFICATE" else f"not a certificate: {decoder['peer-pem']!r}"
    report.check(f"{role}_we_got_browser_certificate",
                 browser_fingerprint is not None and bool(connected) and
                 all(h == browser_fingerprint for h in peer_hashes.values()) and
                 browser_own == browser_fingerprint,
                 f"the browser's SDP a=fingerprint {sorted(browser_fingerprints)}, its own certificate "
                 f"in its stats {browser_own}; peer-pem of our connected dtlssrtpdec hashes to "
                 f"{peer_hashes} (decoder states {[d['state'] for d in outcome['decoders'].values()]})")

    check_pem(report, role, outcome["decoders"], our_fingerprint, our_fingerprints)

    local, remote = stats.selected_pair()
    addresses = (local.get("address") or local.get("ip"), remote.get("address") or remote.get("ip"))
    report.check(f"{role}_ice_on_loopback", addresses == ("127.0.0.1", "127.0.0.1"),
                 f"the browser's selected pair: local {addresses[0]}, remote {addresses[1]}")

    inbound_video, video_codec = stats.rtp("inbound-rtp", "video")
    inbound_audio, audio_codec = stats.rtp("inbound-rtp", "audio")
    decoded = outcome["decoded"]
    report.check(f"{role}_video_both_ways",
                 decoded["video"] >= VIDEO_FRAMES_WANTED and video_codec.lower() == "video/vp8" and
                 inbound_video.get("framesDecoded", 0) >= BROWSER_VIDEO_FRAMES_WANTED,
                 f"decoded here {decoded['video']} (wanted {VIDEO_FRAMES_WANTED}); the browser decoded "
                 f"{inbound_video.get('framesDecoded', 0)} {video_codec or 'no codec'} frames (wanted "
                 f"{BROWSER_VIDEO_FRAMES_WANTED})")
    report.check(f"{role}_audio_both_ways",
                 decoded["audio"] >= AUDIO_BUFFERS_WANTED and audio_codec.lower() == "audio/opus" and
                 inbound_audio.get("packetsReceived", 0) >= BROWSER_AUDIO_PACKETS_WANTED,
                 f"decoded here {decoded['audio']} (wanted {AUDIO_BUFFERS_WANTED}); the browser received "
                 f"{inbound_audio.get('packetsReceived', 0)} {audio_codec or 'no codec'} packets (wanted "
                 f"{BROWSER_AUDIO_PACKETS_WANTED})")

    channel = result.get("channel") or {}
    browser_sent = channel.get("sent", [])
    browser_received = channel.get("received", [])
    report.check(f"{role}_data_channel_both_ways",
                 len(call.sent) == MESSAGES and browser_received == call.sent and
                 len(browser_sent) == MESSAGES and outcome["received"] == browser_sent,
                 f"webrtcbin sent {call.sent}, the browser received {browser_received}; the browser sent "
                 f"{browser_sent}, webrtcbin received {outcome['received']}")

    errors = outcome["errors"] + call.page_errors + result.get("errors", [])
    if not outcome["browser_running"]:
        errors.append(f"chromium exited early: {call.browser.log_tail(10)}")
    report.check(f"{role}_no_errors", not errors, "; ".join(map(str, errors)))
    ws.log(f"{role}: browser transport " + ", ".join(
        f"{key} {transport.get(key)}" for key in ("dtlsState", "dtlsRole", "tlsVersion", "dtlsCipher",
                                                  "srtpCipher", "iceRole")))
    if report.failures() > failures_before:
        certificates = [{k: v for k, v in c.items() if k != "base64Certificate"}
                        for c in stats.of_type("certificate")]
        ws.log(f"{role}: the browser's transports {stats.of_type('transport')} and certificates "
               f"{certificates}")
        ws.log(f"{role}: webrtcbin's SDP:\n" + "\n".join(call.our_sdp))
        ws.log(f"{role}: the browser's SDP:\n" + "\n".join(call.browser_sdp))


def check_pem(report, role, decoders, our_fingerprint, our_fingerprints):
    # Regression: dtlssrtpdec's pem returned the private key too, so webrtcbin's a=fingerprint did not
    # match our certificate and browsers aborted with certificate unknown.
    # webrtcbin 1.22 hashes every line of `pem` that does not start with "-----" (PEERS.md section 7):
    # a private key block after the certificate went into its a=fingerprint. So the pem read inside
    # webrtcbin must be exactly one CERTIFICATE block, and the SDP's fingerprint its DER's sha-256.
    problems = []
    if not decoders:
        problems.append("no dtlssrtpdec inside webrtcbin")
    for name, decoder in decoders.items():
        pem = decoder["pem"] or ""
        labels = [label for label, _ in pem_blocks(pem)]
        if labels != ["CERTIFICATE"] or "PRIVATE KEY" in pem:
            problems.append(f"{name}: pem holds blocks {labels}"
                            f"{' and a private key' if 'PRIVATE KEY' in pem else ''}")
            continue
        hashed = der_fingerprint(pem_blocks(pem)[0][1])
        if hashed != our_fingerprint:
            problems.append(f"{name}: its certificate hashes to {hashed}, webrtcbin's SDP says "
                            f"{sorted(our_fingerprints)}")
    report.check(f"{role}_pem_is_certificate_only", not problems, "; ".join(problems))


def main():
    # First of all, before any thread exists: a network namespace of our own, only `lo` in it.
    host_namespace = bs.network_namespace()
    why_not = bs.enter_private_network()
    bs.adopt_orphans()

    parser = argparse.ArgumentParser()
    parser.add_argument("--plugin-dir", default=os.environ.get("SECMEDIA_GST_PLUGIN_DIR", ""))
    args = parser.parse_args()
    plugin_dir = os.path.realpath(args.plugin_dir) if args.plugin_dir else ""
    # A deadlock anywhere ends the program with every thread's stack (the browser dies with it: see
    # browser_support.SETPRIV).
    faulthandler.dump_traceback_later(len(ROLES) * (CALL_TIMEOUT_S + 60) + 20, exit=True)

    import webrtc_support as ws
    from gi.repository import GLib

    report = ws.Report("WebrtcBrowser")
    namespace_ok = why_not is None and bs.network_namespace() != host_namespace and \
        bs.interfaces() == ["lo"]
    report.check("private_network", namespace_ok,
                 why_not or f"namespace {bs.network_namespace()} (was {host_namespace}), interfaces "
                 f"{bs.interfaces()}")
    if not namespace_ok or not os.access(bs.CHROMIUM, os.X_OK):
        if namespace_ok:
            report.check("chromium_installed", False, f"no {bs.CHROMIUM} (scripts/setup.sh installs it)")
        report.write("webrtc_browser_test")
        return 1

    ws.init()

    def ours(path):
        return bool(plugin_dir) and path is not None and \
            os.path.dirname(os.path.realpath(path)) == plugin_dir

    features = {name: ws.factory_plugin_file(name) for name in ws.SECURE_FACTORIES}
    report.check("registry_features_are_ours", all(ours(path) for path in features.values()),
                 f"expected every factory from {plugin_dir}: {features}")

    workdir = tempfile.mkdtemp(prefix="webrtc-browser-")
    server = bs.SignallingServer()
    started = time.monotonic()
    try:
        for role in ROLES:
            call = Call(ws, GLib, server, role, workdir)
            outcome = call.run()
            check_call(report, ws, call, outcome, ours)
    finally:
        server.close()
        shutil.rmtree(workdir, ignore_errors=True)
    ws.log(f"both calls in {time.monotonic() - started:.1f} s")

    report.write("webrtc_browser_test")
    faulthandler.cancel_dump_traceback_later()
    return 1 if report.failures() else 0


if __name__ == "__main__":
    status = main()
    import webrtc_support as ws  # noqa: E402 (imported by main, once the namespace is set up)
    ws.exit_process(status)
