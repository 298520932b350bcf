#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Two webrtcbins in one process on our dtls and srtp plugins (loaded by GST_PLUGIN_PATH alone, with
gst-plugins-bad installed): VP8 video and Opus audio both ways, a data channel both ways, ICE on
loopback.

Cases (each counted by scripts/count_results.py from the JSON report):
  registry_features_are_ours   the dtls*/srtp* factories in the registry come from our plugin files
  peers_connect                both peer connections reach `connected`
  secure_elements_are_ours     every dtlssrtpenc/dtlssrtpdec/dtlssrtpdemux/dtlsenc/dtlsdec/srtpenc/
                               srtpdec inside both webrtcbins (walked recursively) is from our plugins
  srtp_profile_is_aes_128_gcm  both sides negotiated AEAD_AES_128_GCM (read from srtp-profile, which
                               may give the RFC 7714 name or the RFC 5764 one, SRTP_AEAD_AES_128_GCM)
  video_decoded_both_ways      VP8 frames decoded at each side's sink
  audio_decoded_both_ways      Opus buffers decoded at each side's sink
  data_channel_both_ways       the messages each side sent arrive, in order, at the other
  no_errors                    no error message on either bus

    webrtc_call_test.py [--plugin-dir DIR]   (DIR defaults to $SECMEDIA_GST_PLUGIN_DIR)
"""
import argparse
import faulthandler
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import webrtc_support as ws  # noqa: E402

VIDEO_FRAMES_WANTED = 45
AUDIO_BUFFERS_WANTED = 75
MESSAGES = 3
CALL_TIMEOUT_S = 60


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--plugin-dir", default=os.environ.get("SECMEDIA_GST_PLUGIN_DIR", ""))
    args = parser.parse_args()
    plugin_dir = os.path.realpath(args.plugin_dir) if args.plugin_dir else ""
    # A deadlock anywhere (even in set_state) ends the program with every thread's stack.
    faulthandler.dump_traceback_later(CALL_TIMEOUT_S + 60, exit=True)

    ws.init()
    report = ws.Report("WebrtcCall")

    def ours(path):
        return bool(plugin_dir) and path is not None and \
            os.path.dirname(os.path.realpath(path)) == plugin_dir

    features = {name: ws.factory_plugin_file(name) for name in ws.SECURE_FACTORIES}
    report.check("registry_features_are_ours", all(ours(path) for path in features.values()),
                 f"expected every factory from {plugin_dir}: {features}")

    alice = ws.Peer("alice", send=None)
    bob = ws.Peer("bob", send=None, data_channel=False)
    ws.connect_in_process(alice, bob)
    sent = {"alice": [], "bob": []}

    def on_channel_open(peer, channel):
        if sent[peer.name]:
            return
        for i in range(MESSAGES):
            text = f"{peer.name} says {i} ({'x' * (i * 100)})"
            sent[peer.name].append(text)
            channel.emit("send-string", text)
        ws.log(f"{peer.name}: sent {MESSAGES} messages")

    alice.on_channel_open = bob.on_channel_open = on_channel_open
    started = time.monotonic()
    connected_at = {}

    def on_state(peer, _state):
        if peer.connected() and peer.name not in connected_at:
            connected_at[peer.name] = time.monotonic() - started

    alice.on_state = bob.on_state = on_state
    alice.start()
    bob.start()
    alice.make_offer()

    def done():
        return (alice.connected() and bob.connected() and
                all(p.decoded["video"] >= VIDEO_FRAMES_WANTED and
                    p.decoded["audio"] >= AUDIO_BUFFERS_WANTED for p in (alice, bob)) and
                len(alice.messages_received) >= MESSAGES and len(bob.messages_received) >= MESSAGES)

    finished = ws.run_until(done, CALL_TIMEOUT_S)
    elapsed = time.monotonic() - started
    ws.log(f"call {'complete' if finished else 'TIMED OUT'} after {elapsed:.1f} s; connected at "
           f"{connected_at}; decoded alice {alice.decoded} bob {bob.decoded}")

    peers_connected = {p.name: p.connected() for p in (alice, bob)}
    elements = {p.name: p.collect_secure_elements() for p in (alice, bob)}
    profiles = {p.name: p.srtp_profiles() for p in (alice, bob)}
    for name in elements:
        ws.log(f"{name}: secure elements {elements[name]}")
        ws.log(f"{name}: srtp-profile {profiles[name]}")
    ws.close_data_channels((alice, bob))
    bob.stop()
    alice.stop()

    report.check("peers_connect", all(peers_connected.values()),
                 f"connection states: alice {[s.value_nick for s in alice.connection_states]}, "
                 f"bob {[s.value_nick for s in bob.connection_states]}")
    problems = []
    for name, found in elements.items():
        kinds = {factory for factory, _ in found.values()}
        for needed in ("dtlssrtpenc", "dtlssrtpdec"):
            if needed not in kinds:
                problems.append(f"{name}: no {needed} inside webrtcbin")
        for element, (factory, path) in found.items():
            if not ours(path):
                problems.append(f"{name}: {element} ({factory}) is from {path}")
    report.check("secure_elements_are_ours", not problems, "; ".join(problems))
    problems = []
    for name, by_element in profiles.items():
        if not by_element:
            problems.append(f"{name}: no dtlssrtpenc/dtlssrtpdec")
        for element, profile in by_element.items():
            if ws.canonical_profile(profile) != "AEAD_AES_128_GCM":
                problems.append(f"{name}: {element} srtp-profile is {profile!r}")
    report.check("srtp_profile_is_aes_128_gcm", not problems, "; ".join(problems))
    report.check("video_decoded_both_ways",
                 all(p.decoded["video"] >= VIDEO_FRAMES_WANTED for p in (alice, bob)),
                 f"wanted {VIDEO_FRAMES_WANTED} frames each side: alice decoded "
                 f"{alice.decoded['video']}, bob {bob.decoded['video']}")
    report.check("audio_decoded_both_ways",
                 all(p.decoded["audio"] >= AUDIO_BUFFERS_WANTED for p in (alice, bob)),
                 f"wanted {AUDIO_BUFFERS_WANTED} buffers each side: alice decoded "
                 f"{alice.decoded['audio']}, bob {bob.decoded['audio']}")
    report.check("data_channel_both_ways",
                 len(sent["alice"]) == MESSAGES and bob.messages_received == sent["alice"] and
                 len(sent["bob"]) == MESSAGES and alice.messages_received == sent["bob"],
                 f"alice sent {sent['alice']}, bob received {bob.messages_received}; "
                 f"bob sent {sent['bob']}, alice received {alice.messages_received}")
    report.check("no_errors", not alice.errors and not bob.errors, "; ".join(alice.errors + bob.errors))

    report.write("webrtc_call_test")
    faulthandler.cancel_dump_traceback_later()
    return 1 if report.failures() else 0


if __name__ == "__main__":
    ws.exit_process(main())
