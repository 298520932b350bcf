// SPDX-License-Identifier: LGPL-2.1-or-later
#include "record_filter.h"

namespace secmedia::detail {

namespace {

// RFC 6347 §4.1: type(1) version(2) epoch(2) sequence_number(6) length(2).
constexpr size_t kRecordHeader = 13;
// RFC 6347 §4.2.2: msg_type(1) length(3) message_seq(2) fragment_offset(3) fragment_length(3).
constexpr size_t kHandshakeHeader = 12;
// RFC 5246 §6.2.3, RFC 6347 §4.1: a record's fragment is at most 2^14 + 2048 octets.
constexpr size_t kMaxRecordBody = 16384 + 2048;

enum ContentType : uint8_t {
  kChangeCipherSpec = 20,
  kAlert = 21,
  kHandshake = 22,
  kApplicationData = 23,
};

enum HandshakeType : uint8_t {
  kClientHello = 1,
  kServerHello = 2,
  kHelloVerifyRequest = 3,
  kCertificate = 11,
  kServerKeyExchange = 12,
  kCertificateRequest = 13,
  kServerHelloDone = 14,
  kCertificateVerify = 15,
  kClientKeyExchange = 16,
};

uint32_t read24(const uint8_t* p) {
  return (uint32_t{p[0]} << 16) | (uint32_t{p[1]} << 8) | p[2];
}

// The plaintext handshake messages (epoch 0) the peer of `local_role` sends in a DTLS 1.2
// handshake with certificates on both sides (RFC 5246 §7.3, RFC 6347 §4.2.1); Finished is always
// encrypted. Renegotiation (HelloRequest) is off (RFC 8827 §6.5), no tickets are offered.
bool peer_may_send(DtlsRole local_role, uint8_t type) {
  if (local_role == DtlsRole::server) {
    return type == kClientHello || type == kCertificate || type == kClientKeyExchange ||
           type == kCertificateVerify;
  }
  return type == kHelloVerifyRequest || type == kServerHello || type == kCertificate ||
         type == kServerKeyExchange || type == kCertificateRequest || type == kServerHelloDone;
}

// Whether a complete ClientHello body frames (RFC 6347 §4.2.1, RFC 5246 §7.4.1.2): OpenSSL ends
// the handshake on one that does not, and without the cookie exchange the first ClientHello is
// the one a server commits to.
bool client_hello_frames(std::span<const uint8_t> body) {
  size_t at = 0;
  // Skips a vector with a length prefix of `prefix` octets holding `min`..`max` octets.
  const auto skip_vector = [&](size_t prefix, size_t min, size_t max) {
    if (body.size() - at < prefix) return false;
    size_t length = 0;
    for (size_t i = 0; i < prefix; ++i) length = (length << 8) | body[at + i];
    at += prefix;
    if (length < min || length > max || body.size() - at < length) return false;
    at += length;
    return true;
  };
  if (body.size() < 2 + 32 || body[0] != 0xFE) return false;  // DTLS client_version, random
  at = 2 + 32;
  if (!skip_vector(1, 0, 32) || !skip_vector(1, 0, 255)) return false;  // session_id, cookie
  const size_t suites_at = at;
  if (!skip_vector(2, 2, 65534) || (at - suites_at) % 2 != 0) return false;  // cipher_suites
  if (!skip_vector(1, 1, 255)) return false;                                 // compression_methods
  if (at == body.size()) return true;                                        // no extensions
  if (body.size() - at < 2) return false;
  const size_t extensions_length = (size_t{body[at]} << 8) | body[at + 1];
  at += 2;
  if (extensions_length != body.size() - at) return false;
  while (at < body.size()) {  // extension_type(2), extension_data<0..2^16-1>
    if (body.size() - at < 2) return false;
    at += 2;
    if (!skip_vector(2, 0, 65535)) return false;
  }
  return true;
}

// Whether an epoch-0 handshake record holds only well-formed fragments of messages the peer may
// send, within the size limit.
bool handshake_record_acceptable(std::span<const uint8_t> body, DtlsRole local_role,
                                 RecordPhase phase, RecordScan& scan, bool& client_hello) {
  if (body.empty()) return false;
  size_t offset = 0;
  while (offset < body.size()) {
    if (body.size() - offset < kHandshakeHeader) return false;
    const uint8_t* header = body.data() + offset;
    const uint8_t type = header[0];
    const uint32_t message_length = read24(header + 1);
    const unsigned message_seq = (unsigned{header[4]} << 8) | header[5];
    const uint32_t fragment_offset = read24(header + 6);
    const uint32_t fragment_length = read24(header + 9);
    if (message_length > kMaxHandshakeMessage) {
      if (message_length > scan.oversized_message) scan.oversized_message = message_length;
      return false;
    }
    if (fragment_length > body.size() - offset - kHandshakeHeader ||
        fragment_offset > message_length || fragment_length > message_length - fragment_offset) {
      return false;
    }
    if (phase == RecordPhase::listening) {
      // RFC 6347 §4.2.1: a client's first or (after a HelloVerifyRequest) second ClientHello.
      if (type != kClientHello || message_seq > 1) return false;
    } else if (phase == RecordPhase::awaiting_client_hello) {
      if (type != kClientHello || message_seq != 0) return false;
      const bool complete = fragment_offset == 0 && fragment_length == message_length;
      if (complete &&
          !client_hello_frames(body.subspan(offset + kHandshakeHeader, fragment_length))) {
        return false;
      }
    } else if (!peer_may_send(local_role, type)) {
      return false;
    }
    client_hello |= type == kClientHello;
    offset += kHandshakeHeader + fragment_length;
  }
  return true;
}

}  // namespace

RecordScan filter_records(std::span<const uint8_t> datagram, DtlsRole local_role, RecordPhase phase,
                          std::vector<uint8_t>& kept) {
  kept.clear();
  RecordScan scan;
  size_t offset = 0;
  while (offset < datagram.size()) {
    ++scan.records;
    if (datagram.size() - offset < kRecordHeader) {
      ++scan.discarded;  // a truncated header: nothing after it can be framed
      break;
    }
    const uint8_t* header = datagram.data() + offset;
    const uint8_t type = header[0];
    const unsigned version = (unsigned{header[1]} << 8) | header[2];
    const unsigned epoch = (unsigned{header[3]} << 8) | header[4];
    const size_t length = (size_t{header[11]} << 8) | header[12];
    if (length > datagram.size() - offset - kRecordHeader) {
      ++scan.discarded;  // claims more than the datagram holds: the rest is not framed
      break;
    }
    const std::span<const uint8_t> record = datagram.subspan(offset, kRecordHeader + length);
    const std::span<const uint8_t> body = record.subspan(kRecordHeader);
    offset += record.size();

    // DTLS 1.0 (0xFEFF, which a HelloVerifyRequest may carry, RFC 6347 §4.2.1) or 1.2 (0xFEFD).
    bool keep = (version == 0xFEFF || version == 0xFEFD) && length <= kMaxRecordBody &&
                type >= kChangeCipherSpec && type <= kApplicationData;
    bool client_hello = false;
    if (keep && (phase == RecordPhase::listening || phase == RecordPhase::awaiting_client_hello)) {
      keep = type == kHandshake && epoch == 0 &&
             handshake_record_acceptable(body, local_role, phase, scan, client_hello);
    } else if (keep && phase == RecordPhase::handshaking && epoch == 0) {
      switch (type) {
        case kApplicationData:
          keep = false;  // RFC 6347 §4.1: application data is never sent in epoch 0
          break;
        case kChangeCipherSpec:
          keep = length == 1 && body[0] == 1;  // RFC 5246 §7.1
          break;
        case kAlert:
          keep = length == 2 && (body[0] == 1 || body[0] == 2);  // RFC 5246 §7.2: warning, fatal
          break;
        case kHandshake:
          keep = handshake_record_acceptable(body, local_role, phase, scan, client_hello);
          break;
      }
    }
    if (!keep) {
      ++scan.discarded;
      continue;
    }
    scan.client_hello |= client_hello;
    scan.only_epoch0_handshake &= epoch == 0 && (type == kHandshake || type == kChangeCipherSpec);
    kept.insert(kept.end(), record.begin(), record.end());
  }
  if (kept.empty()) scan.only_epoch0_handshake = false;
  return scan;
}

}  // namespace secmedia::detail
