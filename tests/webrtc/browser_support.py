# SPDX-License-Identifier: LGPL-2.1-or-later
"""What webrtc_browser_test.py needs besides webrtcbin: a private network namespace with only `lo`, an
HTTP server on 127.0.0.1 that serves browser_page.html and relays signalling between the page and the
test, and headless Chromium started, bounded and ended by its process group
(docs: /work/shared/PEERS.md section 7).

Nothing here imports GStreamer: enter_private_network() must run before any thread exists, since a
namespace change applies to the calling thread and the threads it creates afterwards only.
"""
import ctypes
import fcntl
import http.server
import json
import os
import signal
import socket
import struct
import subprocess
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
PAGE = os.path.join(HERE, "browser_page.html")
CHROMIUM = "/usr/bin/chromium"
# Started through setpriv so that the kernel kills the browser when this process dies without its
# finally blocks (faulthandler's deadline, meson's timeout): its own session keeps it out of our
# process group otherwise.
SETPRIV = ("/usr/bin/setpriv", "--pdeathsig", "KILL", "--")

PR_SET_CHILD_SUBREAPER = 36
CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000
SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1

# Everything that would make Chromium reach beyond this machine is off; its only interface is `lo`
# anyway. --allow-loopback-in-peer-connection and mDNS off give 127.0.0.1 host candidates.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
    "--disable-features=WebRtcHideLocalIpsWithMdns",
    "--autoplay-policy=no-user-gesture-required",
    "--proxy-server=127.0.0.1:9",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-breakpad",
    "--disable-default-apps",
    "--disable-domain-reliability",
    "--no-first-run",
    "--no-default-browser-check",
    "--metrics-recording-only",
    "--mute-audio",
)


def adopt_orphans():
    """Makes this process the reaper of its descendants' orphans (PR_SET_CHILD_SUBREAPER): Chromium's
    crashpad handlers double-fork out of the browser's process group, and PID 1 of a container may never
    reap them. Browser.stop ends and reaps them as this process's children."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def network_namespace():
    """The inode naming this process's network namespace."""
    return os.stat("/proc/self/ns/net").st_ino


def enter_private_network():
    """Moves this process into a new network namespace and brings its `lo` up: nothing started from here
    on can reach any other interface. As root a plain CLONE_NEWNET; otherwise a user namespace with it,
    where the kernel allows one. Returns None, or why it could not."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNET) != 0:
        first = ctypes.get_errno()
        if libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0:
            return (f"unshare(CLONE_NEWNET): {os.strerror(first)}; with CLONE_NEWUSER: "
                    f"{os.strerror(ctypes.get_errno())}")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        request = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(s.fileno(), SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(s.fileno(), SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | IFF_UP))
    return None


def interfaces():
    return sorted(name for _, name in socket.if_nameindex())


class Scenario:
    """The signalling of one call between the page and the test. Messages to the browser queue up here
    and go out on its long polls; messages from it are handed to `on_message` (any thread)."""

    def __init__(self, name, config, on_message):
        self.name = name
        self.config = config
        self.on_message = on_message
        self._to_browser = []
        self._condition = threading.Condition()

    def to_browser(self, message):
        with self._condition:
            self._to_browser.append(message)
            self._condition.notify_all()

    def wait_to_browser(self, after, timeout_s):
        with self._condition:
            self._condition.wait_for(lambda: len(self._to_browser) > after, timeout_s)
            return self._to_browser[after:]


class SignallingServer:
    """An HTTP server on 127.0.0.1 (ephemeral port) in a thread of this process:
         GET  /page.html?scenario=S      the page
         GET  /s/S/config                the scenario's configuration (JSON)
         GET  /s/S/to-browser?after=N    messages for the browser from the Nth on (long poll, up to 2 s)
         POST /s/S/from-browser          one message from the browser (JSON)
    """

    POLL_S = 2.0

    def __init__(self):
        self.scenarios = {}
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args):
                pass

            def _reply(self, status, body, content_type="application/json"):
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the browser went away during a long poll

            def _scenario(self, path):
                parts = path.split("/")  # '', 's', name, endpoint
                if len(parts) == 4 and parts[1] == "s" and parts[2] in server.scenarios:
                    return server.scenarios[parts[2]], parts[3]
                return None, None

            def do_GET(self):
                url = urllib.parse.urlsplit(self.path)
                if url.path == "/page.html":
                    with open(PAGE, "rb") as f:
                        self._reply(200, f.read(), "text/html; charset=utf-8")
                    return
                scenario, endpoint = self._scenario(url.path)
                if endpoint == "config":
                    self._reply(200, scenario.config)
                elif endpoint == "to-browser":
                    after = int(urllib.parse.parse_qs(url.query).get("after", ["0"])[0])
                    self._reply(200, scenario.wait_to_browser(after, server.POLL_S))
                else:
                    self._reply(404, {"error": "not found"})

            def do_POST(self):
                scenario, endpoint = self._scenario(urllib.parse.urlsplit(self.path).path)
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                if endpoint != "from-browser":
                    self._reply(404, {"error": "not found"})
                    return
                try:
                    message = json.loads(body)
                except ValueError:
                    self._reply(400, {"error": "not JSON"})
                    return
                scenario.on_message(message)
                self._reply(200, {})

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.2},
                                       daemon=True)
        self.thread.start()

    def add(self, scenario):
        self.scenarios[scenario.name] = scenario
        return f"http://127.0.0.1:{self.port}/page.html?scenario={scenario.name}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


def _stat_fields(pid):
    """The fields of /proc/PID/stat after `pid (comm)` (comm may hold spaces and parentheses): state
    is [0], the parent's PID [1], the start time [19]. None when gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return None
    return stat[stat.rindex(")") + 2:].split()


def _descendants(pid):
    """(PID, start time) of every process below pid, zombies included: the start time tells a process
    from a later one that reuses its PID."""
    children = {}
    for entry in os.listdir("/proc"):
        fields = _stat_fields(entry) if entry.isdigit() else None
        if fields:
            children.setdefault(int(fields[1]), []).append((int(entry), fields[19]))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child[0])
    return found


def _reap(pid, timeout_s=5):
    """Waits for pid if it is this process's child (adopted or not); nothing otherwise."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return
        if done or time.monotonic() > deadline:
            return
        time.sleep(0.05)


def _alive(pid, start_time):
    """True while that very process exists and is not a zombie (a zombie is its parent's to reap)."""
    fields = _stat_fields(pid)
    return fields is not None and fields[19] == start_time and fields[0] != "Z"


class Browser:
    """Headless Chromium in its own session (process group = its PID), output to a log file."""

    def __init__(self, url, profile_dir, log_path):
        self.log_path = log_path
        self._log = open(log_path, "wb")
        # Its home, configuration and cache are the profile directory too: nothing of the user's.
        env = dict(os.environ, HOME=profile_dir, XDG_CONFIG_HOME=profile_dir, XDG_CACHE_HOME=profile_dir)
        self.process = subprocess.Popen([*SETPRIV, CHROMIUM, *CHROMIUM_FLAGS,
                                         f"--user-data-dir={profile_dir}", url],
                                        stdin=subprocess.DEVNULL, stdout=self._log,
                                        stderr=subprocess.STDOUT, env=env, start_new_session=True)
        self.pid = self.process.pid

    def running(self):
        return self.process.poll() is None

    def stop(self, timeout_s=10):
        """Ends the browser's process group (SIGTERM, then SIGKILL after timeout_s), then every other
        process below this one (this process starts no child but the browser; adopt_orphans() keeps
        the browser's orphans below it), and reaps them. Returns the PIDs that needed SIGKILL."""
        killed = []
        try:
            os.killpg(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            killed.append(self.pid)
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait(timeout_s)
        # Processes of the group that ended may leave orphans to this process meanwhile: until none.
        deadline = time.monotonic() + timeout_s
        while True:
            remaining = _descendants(os.getpid())
            if not remaining or time.monotonic() > deadline:
                break
            for pid, start_time in remaining:
                if _alive(pid, start_time):
                    try:
                        os.kill(pid, signal.SIGTERM)
                    except ProcessLookupError:
                        pass
                while _alive(pid, start_time) and time.monotonic() < deadline:
                    time.sleep(0.05)
                if _alive(pid, start_time):
                    killed.append(pid)
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                _reap(pid)
            time.sleep(0.05)
        self._log.close()
        return killed

    def log_tail(self, lines=30):
        try:
            with open(self.log_path, "rb") as f:
                return b"\n".join(f.read().splitlines()[-lines:]).decode(errors="replace")
        except OSError:
            return ""
