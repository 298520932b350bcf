// SPDX-License-Identifier: LGPL-2.1-or-later
// Which records of an incoming datagram the engine lets OpenSSL see.
//
// RFC 6347 §4.1.2.7: "Unlike TLS, DTLS is resilient in the face of invalid records ... invalid
// records SHOULD be silently discarded, thus preserving the association". OpenSSL 3.0 ends the
// handshake on several records that nobody authenticated yet (epoch-0 application data, an
// unknown content type, a handshake message type the peer's role never sends, a fragment claiming
// a message over its size limit), so the engine reads the record layer (RFC 6347 §4.1) and the
// handshake fragment headers (§4.2.2) first and passes on only what can be processed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "secmedia/dtls.h"

namespace secmedia::detail {

// The largest handshake message accepted (its length field, RFC 6347 §4.2.2), and the size of the
// peer's certificate chain OpenSSL accepts (max_cert_list): a chain of a few RSA-4096 certificates
// fits, a browser's single self-signed certificate is well under 1 KB.
constexpr size_t kMaxHandshakeMessage = 32768;

// Where the handshake stands, as far as filtering goes.
enum class RecordPhase : uint8_t {
  // A server that has not begun a handshake, with the cookie exchange: ClientHellos only, the
  // first (message_seq 0) or one echoing a cookie (message_seq 1), as DTLSv1_listen takes them.
  listening,
  // A server that has not begun a handshake, without the cookie exchange: only a well-formed first
  // ClientHello (message_seq 0) may start one.
  awaiting_client_hello,
  // Between the first flights and the Finished messages: nothing is authenticated yet.
  handshaking,
  // Records are authenticated by OpenSSL (MAC or AEAD); only the framing is checked here.
  connected,
};

struct RecordScan {
  size_t records = 0;    // record headers seen
  size_t discarded = 0;  // of those, left out (including a trailing record that does not parse)
  // Every record kept is an epoch-0 handshake or change_cipher_spec record: once connected, a late
  // retransmission of the peer's last flight (RFC 6347 §4.2.4), which OpenSSL ignores by design.
  bool only_epoch0_handshake = true;
  bool client_hello = false;  // a ClientHello fragment is among the records kept
  // The largest message length a discarded handshake fragment claimed (0 if none claimed one over
  // the limit), for the log.
  uint32_t oversized_message = 0;
};

// Appends the records of `datagram` that may be processed in `phase` by an endpoint of
// `local_role` to `kept` (cleared first), in order and unchanged.
RecordScan filter_records(std::span<const uint8_t> datagram, DtlsRole local_role, RecordPhase phase,
                          std::vector<uint8_t>& kept);

}  // namespace secmedia::detail
