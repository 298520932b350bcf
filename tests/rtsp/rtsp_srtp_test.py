#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Secure RTSP (RTP/SAVP and RTP/SAVPF keyed by MIKEY) through the real applications, on our
srtpenc/srtpdec and on gst-plugins-bad's (docs: /work/shared/PEERS.md sections 3, 4 and 8).

gst-rtsp-server serves live VP8 (rtpvp8pay pt=96) and Opus (rtpopuspay pt=97) on 127.0.0.1 with an
ephemeral port, one mount point per scenario; rtspsrc plays them over UDP or TCP-interleaved and
decodes every stream (buffers counted after vp8dec and opusdec); rtspclientsink records VP8 + Opus to
mount points in RECORD mode, where the server decodes every stream. The cipher is chosen where each
application chooses it: the server's in GstRTSPStream's `new-rtp-encoder` hook, the recording
client's on the srtpenc rtspclientsink makes (see rtsp_peer.py). Servers and clients are separate
processes (rtsp_peer.py), each with its own plugin path and registry: ours (GST_PLUGIN_PATH = our
plugin directory, whose libgstsrtp.so replaces the system's) or gst-plugins-bad's (no
GST_PLUGIN_PATH). Each process reports which plugin file provides srtpenc and srtpdec and which file
every SRTP element it made came from. A server or client process serves one mode (PLAY or RECORD) for
one side, so a crash in one leaves the others' cases meaningful.

What crossed the socket: the whole test runs in its own network namespace (re-executed under
`unshare --net` as root, loopback brought up), where `tcpdump -i lo` captures everything the
processes exchanged and nothing else. The senders record every plaintext RTP packet by a pad probe
before srtpenc (on the payloaders' src pads); rtsp_wire.py then checks, per scenario, that (1) the
scenario's SRTP packets flowed: RTP-shaped packets with the recorded SSRC, sequence number and header,
at least a few dozen per stream; (2) none carried its payload in the clear, and each is longer than
its plaintext by exactly the chosen cipher's tag (10, 4 or 16 octets), so the chosen transform and no
other was applied; (3) no RTCP packet was plain compound RTCP; (4) no 16-octet chunk of any recorded
plaintext payload appears anywhere in any captured UDP payload or reassembled TCP stream. Packets are
attributed to scenarios from the RTSP exchange on the wire (mount point in the SETUP URL, ports in the
Transport reply, the TCP connection for interleaved data). A control scenario (RTP/AVP, no SRTP) must
show its plaintext on the wire, which proves the search finds what it looks for. This was preferred to
counting srtpdec's statistics or decrypting with a side key: it checks the bytes an eavesdropper sees,
independently of the elements under test, and needs no knowledge of the keys.

Case names: MODE_TRANSPORT_PROFILE_CIPHER[_AUTH]_SERVER_CLIENT, SERVER and CLIENT being the plugins
(ours or bad) of the server and client processes; in RECORD the client sends and the server receives.
Each such case passes when the receiver decoded video and audio, the RTSP exchange carried the key
(a=key-mgmt:mikey in the SDP for PLAY, KeyMgmt in each SETUP for RECORD), every SRTP element came from
the expected plugin file and the sender's srtpenc had the chosen cipher, no error was posted, and the
wire checks above hold. Other cases: plugin files and clean exit (no crash, no GLib warning or
critical) per process, the capture itself, the control, and regressions (see REGRESSIONS below).

    rtsp_srtp_test.py [--plugin-dir DIR] [--only SUBSTRING] [--keep]

DIR defaults to $SECMEDIA_GST_PLUGIN_DIR. Registries: $GST_REGISTRY's directory (registry-ours.bin,
registry-bad.bin), else the work directory.
"""
import argparse
import json
import os
import queue
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import rtsp_wire  # noqa: E402

NETNS_MARK = "SECMEDIA_RTSP_TEST_NETNS"
VIDEO_FRAMES_WANTED = 30  # two seconds at 15 frames/s
AUDIO_BUFFERS_WANTED = 50  # one second of 20 ms Opus frames
WIRE_PACKETS_WANTED = 20  # SRTP packets per stream matched on the wire
CONCURRENT_SCENARIOS = 8
SCENARIO_MIN_S = 5  # RTCP: the first report comes 1.25 to 3.75 s in (RFC 3550 §6.2, 5 s minimum halved)
SCENARIO_TIMEOUT_S = 25
READY_TIMEOUT_S = 90  # the first run of a process scans the plugins into its registry
QUIT_TIMEOUT_S = 30
CAPTURE_LIMIT_S = 300  # beyond meson's 240 s for the whole program

ICM_80 = ("aes-128-icm", "hmac-sha1-80")
ICM_32 = ("aes-128-icm", "hmac-sha1-32")
ICM256_80 = ("aes-256-icm", "hmac-sha1-80")
ICM256_32 = ("aes-256-icm", "hmac-sha1-32")
GCM_128 = ("aes-128-gcm", "null")  # gst-plugins-bad's srtpenc needs auth null with GCM
GCM_256 = ("aes-256-gcm", "null")
CIPHERS = (ICM_80, ICM_32, ICM256_80, ICM256_32, GCM_128, GCM_256)
# Octets an SRTP packet has over its RTP packet: the authentication tag (RFC 3711 §4.2, RFC 7714 §5.2).
TAG_LENGTH = {"hmac-sha1-80": 10, "hmac-sha1-32": 4}
GCM_TAG_LENGTH = 16


def scenario(mode, transport, profile, cipher, server, client):
    name_cipher = cipher[0] if cipher[1] == "null" else f"{cipher[0]}_{cipher[1]}"
    if profile == "avp":
        name = f"control_{mode}_{transport}_avp_plain_{server}_{client}"
    else:
        name = f"{mode}_{transport}_{profile}_{name_cipher}_{server}_{client}"
    return {"name": name, "mode": mode, "transport": transport, "profile": profile,
            "cipher": cipher[0], "auth": cipher[1], "server": server, "client": client}


def all_scenarios():
    s = []
    # Every cipher, ours on both sides, PLAY over UDP.
    for cipher in CIPHERS:
        s.append(scenario("play", "udp", "savp", cipher, "ours", "ours"))
    # TCP-interleaved PLAY; RECORD over UDP and TCP; one ICM and one GCM cipher each.
    # Regression: GstSrtpCipherType/GstSrtpAuthType not found by name, so gst-rtsp-server crashed
    # answering a RECORD ANNOUNCE (stream_make_keymgmt() took g_enum_get_value(NULL, ...)->value_nick):
    # the record_* cases with an ours server, with regression_record_server_survives_announce_ours.
    s += [scenario("play", "tcp", "savp", ICM_80, "ours", "ours"),
          scenario("play", "tcp", "savp", GCM_128, "ours", "ours"),
          scenario("record", "udp", "savp", ICM_80, "ours", "ours"),
          scenario("record", "udp", "savp", GCM_128, "ours", "ours"),
          scenario("record", "tcp", "savp", ICM_80, "ours", "ours"),
          scenario("record", "tcp", "savp", GCM_256, "ours", "ours")]
    # SAVPF.
    s += [scenario("play", "udp", "savpf", ICM_80, "ours", "ours"),
          scenario("play", "tcp", "savpf", GCM_256, "ours", "ours"),
          scenario("record", "udp", "savpf", ICM_80, "ours", "ours")]
    # Ours against gst-plugins-bad, both directions.
    for server, client in (("ours", "bad"), ("bad", "ours")):
        s += [scenario("play", "udp", "savp", ICM_80, server, client),
              scenario("play", "tcp", "savp", ICM_80, server, client),
              scenario("record", "udp", "savp", ICM_80, server, client)]
    s += [scenario("play", "udp", "savp", GCM_128, "ours", "bad"),
          scenario("record", "udp", "savp", GCM_128, "bad", "ours")]
    # gst-plugins-bad on both sides: the harness's baseline, which must pass.
    s += [scenario("play", "udp", "savp", ICM_80, "bad", "bad"),
          scenario("play", "tcp", "savp", GCM_128, "bad", "bad"),
          scenario("play", "udp", "savpf", ICM256_32, "bad", "bad"),
          scenario("record", "udp", "savp", ICM_80, "bad", "bad"),
          scenario("record", "tcp", "savp", GCM_256, "bad", "bad")]
    # The control: plain RTP/AVP, whose payloads the wire check must find.
    s.append(scenario("play", "udp", "avp", ("null", "null"), "bad", "bad"))
    for index, spec in enumerate(s):
        spec["index"] = index
    return s


def tag_length(spec):
    if spec["profile"] == "avp":
        return 0
    return GCM_TAG_LENGTH if spec["cipher"].endswith("gcm") else TAG_LENGTH[spec["auth"]]


def log(*parts):
    print(f"[{time.monotonic():9.3f}]", *parts, file=sys.stderr, flush=True)


# --- the network namespace

def enter_network_namespace():
    """Re-executes this program under `unshare --net` (as root), then brings loopback up there.
    Returns a reason when it could not (the test then captures the shared loopback)."""
    if os.environ.get(NETNS_MARK) == "1":
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True, timeout=10)
        return None
    if os.geteuid() != 0:
        return "not root: no network namespace of its own"
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return "unshare or ip not found"
    probe = subprocess.run(["unshare", "--net", "true"], capture_output=True, timeout=10)
    if probe.returncode != 0:
        return f"unshare --net failed: {probe.stderr.decode(errors='replace').strip()}"
    env = dict(os.environ)
    env[NETNS_MARK] = "1"
    sys.stdout.flush()
    sys.stderr.flush()
    os.execvpe("unshare", ["unshare", "--net", "--", sys.executable, os.path.abspath(__file__)]
               + sys.argv[1:], env)
    return "exec failed"  # not reached


# --- the capture

class Capture:
    def __init__(self, path, log_path):
        self.path = path
        self.log_path = log_path
        self.process = None
        self.problem = None
        if shutil.which("tcpdump") is None:
            self.problem = "tcpdump not installed (scripts/setup.sh installs it)"
            return
        # Bounded by `timeout` even if this program is killed; SIGINT to timeout's PID reaches tcpdump.
        command = ["timeout", "-s", "INT", str(CAPTURE_LIMIT_S), "tcpdump", "-i", "lo", "-n", "-U",
                   "-B", "16384", "-s", "0", "-w", path]
        if os.geteuid() == 0:
            command[5:5] = ["-Z", "root"]  # write the file as root, not as the tcpdump user
        self._log = open(log_path, "w")
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=self._log)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with open(log_path) as f:
                if "listening on" in f.read():
                    return
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        self.problem = "tcpdump did not start: " + open(log_path).read().strip()

    def stop(self):
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
                self.problem = "tcpdump did not end on SIGINT"
        self._log.close()
        text = open(self.log_path).read()
        match = re.search(r"(\d+) packets? dropped by kernel", text)
        if match is None:
            self.problem = self.problem or f"tcpdump's summary is missing: {text.strip()}"
        elif int(match.group(1)) != 0:
            self.problem = f"tcpdump: {match.group(0)}"


# --- the processes

class Peer:
    """One rtsp_peer.py process: role (server|client), mode (play|record), side (ours|bad)."""

    def __init__(self, role, mode, side, specs, workdir, plugin_dir, registry_dir, events):
        self.role, self.mode, self.side = role, mode, side
        self.label = f"{role}_{mode}_{side}"
        self.specs = specs
        self.results_prefix = os.path.join(workdir, self.label)
        self.log_path = self.results_prefix + ".log"
        self.ready = None
        self.status = {}
        self.decoded_max = {}  # scenario -> {"video", "audio"}: the most seen in any status
        self.errors = {}
        self.done = False
        scenarios_path = self.results_prefix + ".scenarios.json"
        with open(scenarios_path, "w") as f:
            json.dump(specs, f)
        env = dict(os.environ)
        for name in ("GST_PLUGIN_PATH", "GST_PLUGIN_PATH_1_0", "GST_TRACERS", "LD_PRELOAD",
                     "SECMEDIA_GST_PLUGIN_DIR"):
            env.pop(name, None)
        if side == "ours":
            env["GST_PLUGIN_PATH"] = plugin_dir
        env["GST_REGISTRY"] = os.path.join(registry_dir, f"registry-{side}.bin")
        env["GST_DEBUG_NO_COLOR"] = "1"
        self._log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "rtsp_peer.py"), role, scenarios_path,
             self.results_prefix],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log, env=env, text=True,
            bufsize=1)
        self._events = events
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            try:
                message = json.loads(line)
            except json.JSONDecodeError:
                continue
            self._events.put((self, message))
        self._events.put((self, {"type": "eof"}))

    def handle(self, message):
        kind = message["type"]
        if kind == "ready":
            self.ready = message
        elif kind == "status":
            self.status = message
            for name, counts in message["decoded"].items():
                best = self.decoded_max.setdefault(name, {"video": 0, "audio": 0})
                for media, n in counts.items():
                    best[media] = max(best[media], n)
            self.errors = message.get("errors", {})
        elif kind in ("done", "eof"):
            self.done = True

    def alive(self):
        return self.process.poll() is None

    def send(self, message):
        try:
            self.process.stdin.write(json.dumps(message) + "\n")
            self.process.stdin.flush()
        except (BrokenPipeError, ValueError, OSError):
            pass

    def finish(self, timeout_s):
        """Waits for the process to end after `quit` (killed by its PID after timeout_s)."""
        try:
            self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            log(f"{self.label}: did not end in {timeout_s} s, killing {self.process.pid}")
            self.process.kill()
            self.process.wait(10)
        self._log.close()

    def exit_description(self):
        code = self.process.returncode
        if code is None:
            return "still running"
        if code < 0:
            return f"killed by signal {signal.Signals(-code).name}"
        return f"exit status {code}"

    def results(self):
        try:
            with open(self.results_prefix + ".json") as f:
                return json.load(f)
        except (OSError, json.JSONDecodeError):
            return None

    def plaintext(self):
        """{scenario: [packets]} from the .rtp file."""
        out = {}
        results = self.results()
        if results is None:
            return out
        names = results["names"]
        try:
            with open(self.results_prefix + ".rtp", "rb") as f:
                data = f.read()
        except OSError:
            return out
        offset = 0
        while offset + 6 <= len(data):
            index, length = struct.unpack(">HI", data[offset:offset + 6])
            out.setdefault(names[index], []).append(data[offset + 6:offset + 6 + length])
            offset += 6 + length
        return out

    def log_problems(self):
        """GLib warnings and criticals in the process's stderr (PyGObject shows GLib warnings as
        Python warnings: ": Warning: ")."""
        try:
            with open(self.log_path, errors="replace") as f:
                lines = f.read().splitlines()
        except OSError:
            return []
        return [line for line in lines
                if re.search(r"-(CRITICAL|WARNING) \*\*|: Warning: |Segmentation fault", line)]


class Report:
    """Test cases, written as a GoogleTest-style JSON report for scripts/count_results.py (the same
    format as tests/webrtc's)."""

    def __init__(self, suite):
        self.suite = suite
        self.cases = []

    def check(self, name, problems):
        self.cases.append((name, problems))
        status = "  OK  " if not problems else " FAIL "
        print(f"[{status}] {self.suite}.{name}" + ("" if not problems else ": " + "; ".join(problems)),
              flush=True)

    def failures(self):
        return sum(1 for _, problems in self.cases if problems)

    def write(self, test_name):
        output = os.environ.get("GTEST_OUTPUT", "")
        if not output.startswith("json:") or not output.endswith("/"):
            return
        directory = output[len("json:"):]
        os.makedirs(directory, exist_ok=True)
        cases = [{"name": name, "status": "RUN", "result": "COMPLETED", "classname": self.suite,
                  "failures": [{"failure": p, "type": ""} for p in problems]}
                 for name, problems in self.cases]
        report = {"tests": len(cases), "failures": self.failures(), "disabled": 0, "errors": 0,
                  "name": "AllTests",
                  "testsuites": [{"name": self.suite, "tests": len(cases), "failures": self.failures(),
                                  "disabled": 0, "errors": 0, "testsuite": cases}]}
        with open(os.path.join(directory, test_name + ".json"), "w") as f:
            json.dump(report, f, indent=2)


# --- running the scenarios

def run(scenarios, workdir, plugin_dir, registry_dir):
    """Starts the processes, runs every scenario (at most CONCURRENT_SCENARIOS at once), ends them.
    Returns {label: Peer}."""
    events = queue.Queue()
    peers = {}

    def pump(timeout_s):
        try:
            peer, message = events.get(timeout=timeout_s)
        except queue.Empty:
            return
        peer.handle(message)

    def wait_for(condition, timeout_s):
        deadline = time.monotonic() + timeout_s
        while not condition() and time.monotonic() < deadline:
            pump(0.2)
        return condition()

    def group(side_key):
        groups = {}
        for spec in scenarios:
            groups.setdefault((spec["mode"], spec[side_key]), []).append(spec)
        return groups

    # Servers first: they also bring each side's registry up to date for the clients.
    for (mode, side), specs in sorted(group("server").items()):
        peers[f"server_{mode}_{side}"] = Peer("server", mode, side, specs, workdir, plugin_dir,
                                              registry_dir, events)
    servers = [p for p in peers.values()]
    wait_for(lambda: all(p.ready or p.done for p in servers), READY_TIMEOUT_S)
    ports = {}
    for peer in servers:
        if peer.ready:
            log(f"{peer.label}: port {peer.ready['port']}, srtpenc from {peer.ready['plugins']['srtpenc']}")
            for spec in peer.specs:
                ports[spec["name"]] = peer.ready["port"]
        else:
            log(f"{peer.label}: not ready ({peer.exit_description()})")

    runnable = [dict(spec, url=f"rtsp://127.0.0.1:{ports[spec['name']]}/{spec['name']}")
                for spec in scenarios if spec["name"] in ports]
    for (mode, side), specs in sorted(group("client").items()):
        specs = [s for s in runnable if s["mode"] == mode and s["client"] == side]
        if specs:
            peers[f"client_{mode}_{side}"] = Peer("client", mode, side, specs, workdir, plugin_dir,
                                                  registry_dir, events)
    clients = [p for p in peers.values() if p.role == "client"]
    wait_for(lambda: all(p.ready or p.done for p in clients), READY_TIMEOUT_S)

    def client_of(spec):
        return peers.get(f"client_{spec['mode']}_{spec['client']}")

    def server_of(spec):
        return peers.get(f"server_{spec['mode']}_{spec['server']}")

    def receiver_of(spec):
        return client_of(spec) if spec["mode"] == "play" else server_of(spec)

    def satisfied(spec):
        receiver = receiver_of(spec)
        counts = receiver.decoded_max.get(spec["name"], {}) if receiver else {}
        return counts.get("video", 0) >= VIDEO_FRAMES_WANTED and \
            counts.get("audio", 0) >= AUDIO_BUFFERS_WANTED

    def hopeless(spec):
        client, server = client_of(spec), server_of(spec)
        if not (client and client.alive() and server and server.alive()):
            return "a process ended"
        if client.errors.get(spec["name"]):
            return "the client posted an error"
        return None

    pending = [s for s in runnable if client_of(s) and client_of(s).ready]
    active = {}  # name -> (spec, start time)
    while pending or active:
        while pending and len(active) < CONCURRENT_SCENARIOS:
            spec = pending.pop(0)
            client_of(spec).send({"type": "start", "name": spec["name"]})
            active[spec["name"]] = (spec, time.monotonic())
        pump(0.2)
        for name, (spec, started) in list(active.items()):
            reason = None
            if satisfied(spec) and time.monotonic() - started >= SCENARIO_MIN_S:
                reason = "decoded enough"
            elif time.monotonic() - started > SCENARIO_TIMEOUT_S:
                reason = f"{SCENARIO_TIMEOUT_S} s passed"
            else:
                reason = hopeless(spec)
            if reason:
                log(f"{name}: ends ({reason}) after {time.monotonic() - started:.1f} s")
                client = client_of(spec)
                if client:
                    client.send({"type": "stop", "name": name})
                del active[name]

    # Clients first (their TEARDOWNs end the servers' media), then the servers.
    for role in ("client", "server"):
        group_peers = [p for p in peers.values() if p.role == role]
        for peer in group_peers:
            peer.send({"type": "quit"})
        for peer in group_peers:
            peer.finish(QUIT_TIMEOUT_S)
    while not events.empty():
        pump(0)
    return peers


# --- the cases


def plugin_problem(path, side, plugin_dir):
    ours = os.path.realpath(os.path.join(plugin_dir, "libgstsrtp.so"))
    if path is None:
        return "no plugin file"
    real = os.path.realpath(path)
    if side == "ours" and real != ours:
        return f"{path} is not ours ({ours})"
    if side == "bad" and (real == ours or os.path.basename(real) != "libgstsrtp.so"):
        return f"{path} is not gst-plugins-bad's libgstsrtp.so"
    return None


def scenario_problems(spec, peers, analysis, plugin_dir):
    problems = []
    name = spec["name"]
    secure = spec["profile"] != "avp"
    server = peers.get(f"server_{spec['mode']}_{spec['server']}")
    client = peers.get(f"client_{spec['mode']}_{spec['client']}")
    if server is None or client is None or not server.ready or not client.ready:
        return ["the server or client process never got ready"]
    server_results, client_results = server.results(), client.results()
    for peer, results in ((server, server_results), (client, client_results)):
        if results is None:
            problems.append(f"no results from {peer.label} ({peer.exit_description()})")
    if problems:
        return problems
    here = {"server": server_results["scenarios"][name], "client": client_results["scenarios"][name]}
    sender, receiver = ("server", "client") if spec["mode"] == "play" else ("client", "server")

    decoded = (client if receiver == "client" else server).decoded_max.get(name, {})
    if decoded.get("video", 0) < VIDEO_FRAMES_WANTED or decoded.get("audio", 0) < AUDIO_BUFFERS_WANTED:
        problems.append(f"the {receiver} decoded {decoded.get('video', 0)} video frames and "
                        f"{decoded.get('audio', 0)} audio buffers (want {VIDEO_FRAMES_WANTED}, "
                        f"{AUDIO_BUFFERS_WANTED})")
    for role in ("server", "client"):
        for error in here[role]["errors"][:2]:
            problems.append(f"{role} error: {error.splitlines()[0]}")

    if secure:
        # The key travelled in the RTSP exchange.
        if spec["mode"] == "play":
            keymgmt = here["client"]["rtsp"].get("sdp_keymgmt")
            if keymgmt is None:
                problems.append("the client got no SDP")
            elif len(keymgmt) != 2 or not all(keymgmt):
                problems.append(f"a=key-mgmt:mikey per SDP media: {keymgmt}")
        else:
            keymgmt = here["server"]["rtsp"].get("setup_keymgmt", [])
            if len(keymgmt) != 2 or not all(keymgmt):
                problems.append(f"KeyMgmt with MIKEY per RECORD SETUP: {keymgmt}")
        # The elements: from the expected plugin files, the sender's with the chosen cipher.
        for role in ("server", "client"):
            side = spec[role]
            elements = here[role]["srtp_elements"]
            for element in elements:
                problem = plugin_problem(element["plugin"], side, plugin_dir)
                if problem:
                    problems.append(f"{role}'s {element['name']}: {problem}")
            wanted = "srtpenc" if role == sender else "srtpdec"
            if not any(e["factory"] == wanted for e in elements):
                problems.append(f"the {role} made no {wanted}")
        chosen = {"rtp-cipher": spec["cipher"], "rtp-auth": spec["auth"],
                  "rtcp-cipher": spec["cipher"], "rtcp-auth": spec["auth"]}
        for element in here[sender]["srtp_elements"]:
            if "settings" in element and element["settings"] != chosen:
                problems.append(f"the {sender}'s {element['name']} had {element['settings']}")

    # The wire.
    if analysis is None:
        problems.append("no wire analysis")
        return problems
    wire = analysis.per[name]
    ssrcs = analysis.ssrcs.get(name, set())
    if name not in analysis.mounts:
        problems.append("no RTSP session for this mount point on the wire")
    if len(ssrcs) != 2:
        problems.append(f"the {sender} recorded {len(ssrcs)} RTP streams before srtpenc (want 2)")
    for ssrc in sorted(ssrcs):
        if wire["srtp"].get(ssrc, 0) < WIRE_PACKETS_WANTED:
            problems.append(f"SSRC {ssrc:08x}: {wire['srtp'].get(ssrc, 0)} packets on the wire "
                            f"(want {WIRE_PACKETS_WANTED})")
    if secure:
        if wire["wrong_length"]:
            ssrc, seq, added = wire["wrong_length"][0]
            problems.append(f"{len(wire['wrong_length'])} packets not {tag_length(spec)} octets longer "
                            f"than their plaintext (first: SSRC {ssrc:08x} seq {seq}: {added})")
        if wire["payload_in_clear"]:
            problems.append(f"{wire['payload_in_clear']} packets carried their payload in the clear")
        if wire["chunks_found"]:
            problems.append(f"{wire['chunks_found']} chunks of plaintext payload found on the wire")
        if wire["plain_rtcp"]:
            problems.append(f"{wire['plain_rtcp']} plain RTCP packets on the wire")
        if not wire["rtcp"]:
            problems.append("no RTCP-shaped packet on the wire")
        if wire["unmatched_rtp"]:
            problems.append(f"{wire['unmatched_rtp']} RTP-shaped packets matching no recorded plaintext")
    return problems


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--plugin-dir", default=os.environ.get("SECMEDIA_GST_PLUGIN_DIR"))
    parser.add_argument("--only", help="run only the scenarios whose name contains this")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args()
    if not args.plugin_dir or not os.path.exists(os.path.join(args.plugin_dir, "libgstsrtp.so")):
        print("rtsp_srtp_test: --plugin-dir (or SECMEDIA_GST_PLUGIN_DIR) must name our plugin directory",
              file=sys.stderr)
        return 2
    netns_problem = enter_network_namespace()
    # meson's timeout sends SIGTERM: end the processes and the capture on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    started = time.monotonic()
    workdir = tempfile.mkdtemp(prefix="rtsp-srtp-")
    registry = os.environ.get("GST_REGISTRY")
    registry_dir = os.path.dirname(os.path.abspath(registry)) if registry else workdir
    report = Report("RtspSrtp")

    scenarios = all_scenarios()
    if args.only:
        scenarios = [s for s in scenarios if args.only in s["name"]]
    log(f"{len(scenarios)} scenarios, work directory {workdir}"
        + (f" (no network namespace: {netns_problem})" if netns_problem else " (own network namespace)"))

    capture = Capture(os.path.join(workdir, "lo.pcap"), os.path.join(workdir, "tcpdump.log"))
    peers = {}
    try:
        peers = run(scenarios, workdir, args.plugin_dir, registry_dir)
    finally:
        for peer in peers.values():
            if peer.alive():
                peer.process.kill()
        capture.stop()
    log(f"media done after {time.monotonic() - started:.1f} s")

    # The wire.
    analysis = None
    plaintext = {}
    for spec in scenarios:
        sender_role = "server" if spec["mode"] == "play" else "client"
        peer = peers.get(f"{sender_role}_{spec['mode']}_{spec[sender_role]}")
        if peer is not None:
            plaintext.setdefault(peer.label, peer.plaintext())
    by_scenario = {name: packets for packets_of in plaintext.values() for name, packets in packets_of.items()}
    capture_problems = []
    if netns_problem:
        capture_problems.append(netns_problem)
    if capture.problem:
        capture_problems.append(capture.problem)
    if os.path.exists(capture.path):
        try:
            analysis = rtsp_wire.Analysis(
                capture.path, by_scenario, {s["name"]: tag_length(s) for s in scenarios},
                {s["name"]: "server" if s["mode"] == "play" else "client" for s in scenarios})
        except (OSError, ValueError) as error:
            capture_problems.append(f"the capture could not be read: {error}")
    else:
        capture_problems.append("no capture file")
    log(f"wire analysed after {time.monotonic() - started:.1f} s")

    for spec in scenarios:
        if spec["profile"] == "avp":
            continue
        report.check(spec["name"], scenario_problems(spec, peers, analysis, args.plugin_dir))

    # The control: plaintext RTP/AVP must be found by the same search.
    for spec in (s for s in scenarios if s["profile"] == "avp"):
        problems = []
        if analysis is None:
            problems.append("no wire analysis")
        else:
            wire = analysis.per[spec["name"]]
            matched = sum(wire["srtp"].values())
            if matched < WIRE_PACKETS_WANTED or not wire["chunks_found"] or \
                    wire["payload_in_clear"] != matched:
                problems.append(f"plain RTP not recognised: {matched} packets matched, "
                                f"{wire['payload_in_clear']} in the clear, {wire['chunks_found']} "
                                f"plaintext chunks found")
        report.check(spec["name"] + "_seen_in_clear", problems)

    if analysis is not None:
        if analysis.tcp_holes:
            capture_problems.append(f"{analysis.tcp_holes} holes in the TCP streams")
        if analysis.tcp_unparsed:
            capture_problems.append(f"TCP streams not parsed as RTSP to their end: {analysis.tcp_unparsed}")
        if analysis.ambiguous_pairs:
            capture_problems.append(f"{analysis.ambiguous_pairs} UDP port pairs set up by two sessions")
        if analysis.unattributed.get("rtp") or analysis.unattributed.get("rtcp"):
            capture_problems.append(f"RTP/RTCP packets of no RTSP session: {dict(analysis.unattributed)}")
        log(f"wire: {analysis.datagram_count} UDP datagrams, {analysis.chunk_count} plaintext chunks "
            f"({analysis.shared_chunk_count} left out: sent by more than one scenario)")
    report.check("wire_capture_complete", capture_problems)

    # Per process: the plugin file that provides srtpenc and srtpdec, a clean end.
    for label, peer in sorted(peers.items()):
        problems = []
        if not peer.ready:
            problems.append(f"never ready ({peer.exit_description()})")
        else:
            for factory in ("srtpenc", "srtpdec"):
                problem = plugin_problem(peer.ready["plugins"][factory], peer.side, args.plugin_dir)
                if problem:
                    problems.append(f"{factory}: {problem}")
        report.check(f"plugin_files_{label}", problems)
        problems = []
        if peer.process.returncode != 0:
            problems.append(peer.exit_description())
        warnings = peer.log_problems()
        if warnings:
            problems.append(f"{len(warnings)} GLib warnings/criticals, first: {warnings[0].strip()}")
        report.check(f"process_clean_{label}", problems)

    # REGRESSIONS, each pinned in process (rtsp_peer.py reports the checks in `ready`) and by the
    # RTSP cases above.
    checked = set()
    for label, peer in sorted(peers.items()):
        if not peer.ready or peer.side in checked:
            continue
        checked.add(peer.side)
        side = peer.side
        # Regression: srtpenc's output caps had no srtp-key, so gst-rtsp-server's MIKEY carried no
        # key and the receiver dropped everything (gst-rtsp-server builds a=key-mgmt from the caps
        # of rtpbin's send_rtp_src with gst_mikey_message_new_from_caps(); rtspclientsink its SETUP
        # KeyMgmt the same way).
        caps = peer.ready["srtpenc_output_caps"]
        problems = []
        wanted = {"srtp-key": 30, "srtp-cipher": "aes-128-icm", "srtp-auth": "hmac-sha1-80",
                  "srtcp-cipher": "aes-128-icm", "srtcp-auth": "hmac-sha1-80"}
        if caps.get("error"):
            problems.append(caps["error"])
        if caps.get("fields") != wanted:
            problems.append(f"src caps fields {caps.get('fields')}, want {wanted}")
        if not caps.get("mikey"):
            problems.append("gst_mikey_message_new_from_caps() made nothing of them")
        report.check(f"regression_srtpenc_src_caps_carry_key_{side}", problems)
        # Regression: GstSrtpCipherType/GstSrtpAuthType not found by name, so gst-rtsp-server
        # crashed answering a RECORD ANNOUNCE (rtsp-client.c stream_make_keymgmt()), and rtspsrc's
        # request_rtcp_encoder() set srtpenc's RTCP cipher from a GValue of type 0.
        problems = []
        for type_name, found in peer.ready["enum_types"].items():
            if not found["found"]:
                problems.append(f"g_type_from_name(\"{type_name}\") is 0 (the property's type is "
                                f"{found['property_type']})")
            elif not found["matches_property"]:
                problems.append(f"{type_name} is not the type of srtpenc's property")
        report.check(f"regression_cipher_enum_types_found_by_name_{side}", problems)
    for side in ("ours", "bad"):
        peer = peers.get(f"server_record_{side}")
        if peer is None:
            continue
        # Regression: GstSrtpCipherType/GstSrtpAuthType not found by name, so gst-rtsp-server crashed
        # answering a RECORD ANNOUNCE: the record server process must answer every ANNOUNCE and live.
        problems = []
        if peer.process.returncode != 0:
            problems.append(f"the record server ended: {peer.exit_description()}")
        results = peer.results() or {"scenarios": {}}
        for spec in peer.specs:
            if not results["scenarios"].get(spec["name"], {}).get("rtsp", {}).get("announced"):
                problems.append(f"{spec['name']}: no ANNOUNCE answered")
                break
        report.check(f"regression_record_server_survives_announce_{side}", problems)

    report.write("rtsp_srtp_test")
    elapsed = time.monotonic() - started
    print(f"{len(report.cases) - report.failures()} of {len(report.cases)} cases passed in {elapsed:.0f} s",
          flush=True)
    if report.failures() and not args.keep:
        log(f"failures: work directory kept at {workdir} (pcap, process logs, results)")
    elif not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if report.failures() else 0


if __name__ == "__main__":
    sys.exit(main())
