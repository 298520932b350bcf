# SPDX-License-Identifier: LGPL-2.1-or-later
"""What crossed the loopback interface during the secure RTSP tests: a pcap file (tcpdump -w) read
without third-party modules, each UDP datagram and each RTP/RTCP packet interleaved in an RTSP TCP
connection attributed to the scenario whose RTSP session set it up, and compared with the plaintext
RTP packets the senders recorded before their srtpenc.

Attribution comes from the RTSP exchange itself, which is plain text on the wire: a SETUP request
names the mount point (one per scenario) and its reply's Transport header the UDP ports of both ends
(client_port, server_port), so a datagram between a client port and a server port of one SETUP is
that session's; an interleaved session's packets travel in the same TCP connection as its requests.
So every datagram and every interleaved frame belongs to exactly one scenario, or is reported as
unattributed.

For each scenario:
- SRTP packets: RTP-shaped (version 2, not an RTCP packet type), matched to the sender's plaintext by
  SSRC and sequence number; the header must be the plaintext header, the payload must differ from
  the plaintext payload, and the packet must be longer by exactly the authentication tag of the
  scenario's cipher (10 octets for HMAC-SHA1-80, 4 for HMAC-SHA1-32, 16 for AES-GCM; RFC 3711 §3.1,
  RFC 7714 §5): which proves the chosen cipher's transform, not only some encryption, was applied.
- SRTCP packets: RTCP-shaped; a plain compound RTCP packet is a chain of RTCP headers whose lengths
  add up to the packet's length exactly, which an SRTCP packet never is (it ends with the E flag and
  SRTCP index word and, with HMAC, the tag: RFC 3711 §3.4).
- The plaintext itself: every 16-octet chunk of every recorded RTP payload (VP8 and Opus are high
  entropy, so a chunk identifies its packet) is searched for at every offset of every captured UDP
  payload and of every reassembled TCP byte stream, whoever's scenario they belong to.
"""
import re
import struct
from collections import defaultdict

CHUNK = 16
RTCP_TYPES = range(200, 205)  # SR, RR, SDES, BYE, APP (RFC 3550 §12.1)


# --- pcap

def read_pcap(path):
    """Yields (timestamp, IPv4 packet bytes) from a classic pcap file (Ethernet, raw IP, Linux SLL or
    BSD loopback link types)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        raise ValueError(f"{path}: not a pcap file")
    linktype = struct.unpack(endian + "I", data[20:24])[0] & 0xFFFF
    offset = 24
    while offset + 16 <= len(data):
        seconds, fraction, captured, _original = struct.unpack(endian + "IIII", data[offset:offset + 16])
        frame = data[offset + 16:offset + 16 + captured]
        offset += 16 + captured
        if linktype == 1:  # Ethernet
            if len(frame) < 14 or frame[12:14] != b"\x08\x00":
                continue
            ip = frame[14:]
        elif linktype == 113:  # Linux cooked
            if len(frame) < 16 or frame[14:16] != b"\x08\x00":
                continue
            ip = frame[16:]
        elif linktype in (0, 108):  # BSD loopback
            ip = frame[4:]
        elif linktype in (101, 228):  # raw IPv4
            ip = frame
        else:
            raise ValueError(f"{path}: link type {linktype} not handled")
        yield seconds + fraction / 1e6, ip


def parse_ipv4(ip):
    """(protocol, src, dst, payload) of an unfragmented IPv4 packet, or None."""
    if len(ip) < 20 or ip[0] >> 4 != 4:
        return None
    header_length = (ip[0] & 0x0F) * 4
    total_length = struct.unpack(">H", ip[2:4])[0]
    return ip[9], ip[12:16], ip[16:20], ip[header_length:total_length]


class TcpFlow:
    """One direction of a TCP connection, reassembled by sequence number."""

    def __init__(self):
        self.isn = None
        self.segments = {}  # relative sequence number -> payload

    def add(self, seq, flags, payload):
        if flags & 0x02:  # SYN: the next octet is sequence isn + 1
            self.isn = seq
            return
        if not payload:
            return
        if self.isn is None:
            self.isn = (seq - 1) & 0xFFFFFFFF
        relative = (seq - self.isn - 1) & 0xFFFFFFFF
        previous = self.segments.get(relative)
        if previous is None or len(payload) > len(previous):
            self.segments[relative] = payload

    def stream(self):
        """(bytes, number of holes): retransmitted overlaps are cut, holes counted."""
        out = bytearray()
        holes = 0
        for relative in sorted(self.segments):
            payload = self.segments[relative]
            end = relative + len(payload)
            if end <= len(out):
                continue
            if relative > len(out):
                holes += 1
                out += bytes(relative - len(out))  # keep offsets; zeros never match a chunk
            out += payload[len(out) - relative:]
        return bytes(out), holes


def read_capture(path):
    """UDP datagrams [(src port, dst port, payload)] and TCP flows {(src port, dst port): TcpFlow}."""
    datagrams = []
    flows = defaultdict(TcpFlow)
    for _time, ip in read_pcap(path):
        parsed = parse_ipv4(ip)
        if parsed is None:
            continue
        protocol, _src, _dst, payload = parsed
        if protocol == 17 and len(payload) >= 8:
            sport, dport = struct.unpack(">HH", payload[:4])
            datagrams.append((sport, dport, payload[8:]))
        elif protocol == 6 and len(payload) >= 20:
            sport, dport, seq = struct.unpack(">HHI", payload[:8])
            data_offset = (payload[12] >> 4) * 4
            flows[(sport, dport)].add(seq, payload[13], payload[data_offset:])
    return datagrams, flows


# --- RTSP over TCP: messages and interleaved frames

def split_rtsp_stream(data):
    """RTSP messages (text) and interleaved frames [(channel, packet)] of one TCP direction
    (RFC 2326 §10.12). Returns (messages, frames, unparsed octets)."""
    messages, frames = [], []
    i = 0
    while i < len(data):
        if data[i] == 0x24:  # '$'
            if i + 4 > len(data):
                break
            channel, length = data[i + 1], struct.unpack(">H", data[i + 2:i + 4])[0]
            if i + 4 + length > len(data):
                break
            frames.append((channel, data[i + 4:i + 4 + length]))
            i += 4 + length
            continue
        end = data.find(b"\r\n\r\n", i)
        if end < 0 or not re.match(rb"(RTSP/1\.0 \d{3}|[A-Z_]+ \S+ RTSP/1\.0)", data[i:i + 100]):
            break
        head = data[i:end].decode("latin-1")
        match = re.search(r"(?im)^content-length:\s*(\d+)", head)
        body_length = int(match.group(1)) if match else 0
        messages.append((head, data[end + 4:end + 4 + body_length].decode("latin-1", "replace")))
        i = end + 4 + body_length
    return messages, frames, len(data) - i


def header(head, name):
    match = re.search(rf"(?im)^{name}:\s*(.*?)\s*$", head)
    return match.group(1) if match else None


def rtsp_sessions(flows):
    """From every RTSP connection: {mount: {"client_ports", "server_ports": UDP ports of each end from
    the SETUP replies' Transport, "client_flows", "server_flows": TCP directions each end sent on}},
    the connections' interleaved frames {flow key: [(channel, packet)]}, unparsed octet counts and
    holes per flow."""
    mounts = defaultdict(lambda: {"client_ports": set(), "server_ports": set(), "client_flows": set(),
                                  "server_flows": set()})
    streams = {key: flow.stream() for key, flow in flows.items()}
    parsed = {key: split_rtsp_stream(data) for key, (data, _holes) in streams.items()}
    holes = {key: h for key, (_data, h) in streams.items()}
    for (sport, dport), (messages, _frames, _rest) in parsed.items():
        requests = {}
        for head, _body in messages:
            request = re.match(r"([A-Z_]+) rtsp://[^/]+/([^/\s?]+)", head)
            if request:
                requests[header(head, "CSeq")] = request.group(2)
                mounts[request.group(2)]["client_flows"].add((sport, dport))
                mounts[request.group(2)]["server_flows"].add((dport, sport))
        reply_messages = parsed.get((dport, sport), ([], [], 0))[0]
        for head, _body in reply_messages:
            mount = requests.get(header(head, "CSeq"))
            transport = header(head, "Transport")
            if mount is None or transport is None:
                continue
            for field, end in (("client_port", "client_ports"), ("server_port", "server_ports")):
                match = re.search(rf"{field}=(\d+)(?:-(\d+))?", transport)
                if match:
                    mounts[mount][end].update(int(p) for p in match.groups() if p)
    frames = {key: value[1] for key, value in parsed.items()}
    unparsed = {key: value[2] for key, value in parsed.items()}
    return mounts, frames, unparsed, holes


# --- RTP and RTCP

def rtp_header_length(packet):
    """Length of the RTP header (fixed part, CSRCs, extension; RFC 3550 §5.1, §5.3.1), or None."""
    if len(packet) < 12:
        return None
    length = 12 + 4 * (packet[0] & 0x0F)
    if packet[0] & 0x10:
        if len(packet) < length + 4:
            return None
        length += 4 + 4 * struct.unpack(">H", packet[length + 2:length + 4])[0]
    return length if length <= len(packet) else None


def packet_kind(packet):
    if len(packet) < 8 or packet[0] >> 6 != 2:
        return "other"
    if packet[1] in RTCP_TYPES:
        return "rtcp"
    return "rtp" if len(packet) >= 12 else "other"


def is_plain_rtcp(packet):
    """A compound RTCP packet whose headers chain to its exact end (RFC 3550 §6.1)."""
    i = 0
    while i + 4 <= len(packet):
        if packet[i] >> 6 != 2 or packet[i + 1] not in RTCP_TYPES:
            return False
        i += 4 * (struct.unpack(">H", packet[i + 2:i + 4])[0] + 1)
    return i == len(packet)


def plaintext_chunks(packet):
    """The 16-octet chunks of an RTP packet's payload that are diverse enough to identify it."""
    start = rtp_header_length(packet)
    if start is None:
        return []
    end = len(packet) - (packet[-1] if packet[0] & 0x20 and packet[-1] else 0)
    chunks = []
    for i in range(start, end - CHUNK + 1, CHUNK):
        chunk = packet[i:i + CHUNK]
        # Left out: few distinct octets or a short period (flat picture areas repeat like that).
        if len(set(chunk)) >= 8 and not any(chunk[p:] == chunk[:-p] for p in range(1, 9)):
            chunks.append(chunk)
    return chunks


def find_chunks(data, chunks):
    """Offsets in data where any of `chunks` (a dict chunk -> owner) starts: {owner: count}."""
    found = defaultdict(int)
    get = chunks.get
    for i in range(len(data) - CHUNK + 1):
        owner = get(data[i:i + CHUNK])
        if owner is not None:
            found[owner] += 1
    return found


class Analysis:
    """The wire, per scenario: see the module docstring."""

    def __init__(self, pcap_path, plaintext, tag_lengths, senders):
        """plaintext: {scenario: [RTP packets as sent before srtpenc]}; tag_lengths: {scenario:
        octets the cipher adds to an RTP packet}; senders: {scenario: "server" or "client", the end
        that sends the media}."""
        self.tag_lengths = tag_lengths
        self.index = {}  # (ssrc, seq) -> (scenario, packet)
        self.ssrcs = defaultdict(set)  # scenario -> SSRCs it sent
        owners = defaultdict(set)
        for scenario, packets in plaintext.items():
            for packet in packets:
                if packet_kind(packet) != "rtp":
                    continue
                ssrc, seq = struct.unpack(">I", packet[8:12])[0], struct.unpack(">H", packet[2:4])[0]
                self.index[(ssrc, seq)] = (scenario, packet)
                self.ssrcs[scenario].add(ssrc)
                for chunk in plaintext_chunks(packet):
                    owners[chunk].add(scenario)
        # A chunk two scenarios sent (the same encoder output) would not say whose plaintext leaked.
        chunks = {chunk: next(iter(o)) for chunk, o in owners.items() if len(o) == 1}
        self.chunk_count = len(chunks)
        self.shared_chunk_count = len(owners) - len(chunks)
        self.per = defaultdict(lambda: {
            "srtp": defaultdict(int),  # ssrc -> SRTP packets matched to plaintext
            "wrong_length": [],  # (ssrc, seq, added octets)
            "payload_in_clear": 0,  # wire payload == plaintext payload
            "rtcp": 0, "plain_rtcp": 0, "unmatched_rtp": 0,
            "from_receiver_not_rtcp": 0,  # e.g. rtspsrc's 200-octet random packets that open firewalls
            "chunks_found": 0,
        })
        self.unattributed = defaultdict(int)  # kind -> count

        datagrams, flows = read_capture(pcap_path)
        self.datagram_count = len(datagrams)
        mounts, frames, unparsed, holes = rtsp_sessions(flows)
        self.mounts = mounts
        self.tcp_holes = sum(holes.values())
        self.tcp_unparsed = {key: n for key, n in unparsed.items() if n}
        # A datagram belongs to the session whose SETUP reply named both its ports (one at each
        # end): ports alone are reused by later sessions once a client has gone.
        pair_owner, flow_owner = {}, {}
        self.ambiguous_pairs = 0
        for mount, m in mounts.items():
            from_client = senders.get(mount) == "client"
            for client_port in m["client_ports"]:
                for server_port in m["server_ports"]:
                    for pair, from_sender in (((client_port, server_port), from_client),
                                              ((server_port, client_port), not from_client)):
                        if pair_owner.get(pair, (mount,))[0] != mount:
                            self.ambiguous_pairs += 1
                        pair_owner[pair] = (mount, from_sender)
            for end in ("client", "server"):
                for flow in m[end + "_flows"]:
                    flow_owner[flow] = (mount, senders.get(mount) == end)

        # Every captured payload octet, attributed or not, is searched for every scenario's
        # plaintext. One exception: a datagram that is, octet for octet, a plaintext RTP packet the
        # scenario it belongs to recorded (the RTP/AVP control) is that scenario's own content, so
        # only its chunks count there (VP8 headers and flat areas repeat across scenarios at other
        # offsets).
        for sport, dport, payload in datagrams:
            owner, from_sender = pair_owner.get((sport, dport), (None, None))
            in_clear = self._packet(owner, from_sender, payload)
            for chunk_owner, count in find_chunks(payload, chunks).items():
                if not in_clear or chunk_owner == owner:
                    self.per[chunk_owner]["chunks_found"] += count
        for key, flow_frames in frames.items():
            owner, from_sender = flow_owner.get(key, (None, None))
            for _channel, packet in flow_frames:
                self._packet(owner, from_sender, packet)
        for key, flow in flows.items():
            data, _holes = flow.stream()
            for owner, count in find_chunks(data, chunks).items():
                self.per[owner]["chunks_found"] += count

    def _packet(self, owner, from_sender, packet):
        """Counts one packet for its scenario; True when it is a recorded plaintext RTP packet of that
        scenario, sent as it was recorded."""
        kind = packet_kind(packet)
        if owner is None:
            self.unattributed[kind] += 1
            return False
        stats = self.per[owner]
        if kind == "rtcp":
            stats["rtcp"] += 1
            if is_plain_rtcp(packet):
                stats["plain_rtcp"] += 1
            return False
        if not from_sender:
            stats["from_receiver_not_rtcp"] += 1
            return False
        if kind != "rtp":
            return False
        ssrc, seq = struct.unpack(">I", packet[8:12])[0], struct.unpack(">H", packet[2:4])[0]
        match = self.index.get((ssrc, seq))
        if match is None or match[0] != owner:
            stats["unmatched_rtp"] += 1
            return False
        plain = match[1]
        head = rtp_header_length(plain)
        if packet[:head] != plain[:head]:
            stats["unmatched_rtp"] += 1
            return False
        stats["srtp"][ssrc] += 1
        added = len(packet) - len(plain)
        if added != self.tag_lengths.get(owner):
            stats["wrong_length"].append((ssrc, seq, added))
        if packet[head:len(plain)] == plain[head:]:
            stats["payload_in_clear"] += 1
            return packet == plain
        return False
