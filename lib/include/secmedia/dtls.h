// SPDX-License-Identifier: LGPL-2.1-or-later
// secmedia DTLS 1.2 engine with DTLS-SRTP key negotiation (RFC 6347, RFC 5764), on OpenSSL 3.0.
//
// The contract:
// - Sans-IO: datagrams and the current time go in (handle_datagram, handle_timeout); datagrams to
//   send, the next timeout, keys, application data, state changes and errors come out
//   (poll_datagram, next_timeout, poll_event). No sockets, threads or clocks of its own; after
//   every input the caller drains every output.
// - Time is the caller's monotonic clock as a duration since any epoch it likes. One caveat:
//   OpenSSL 3.0 runs its DTLS retransmission timer on the wall clock, so next_timeout() is
//   OpenSSL's remaining time added to the caller's last `now`; retransmissions happen in real
//   time, whatever the caller's clock.
// - One connection per peer, with the certificate and settings its DtlsConfig gives (connections
//   given the same certificate share its OpenSSL context); nothing process-global.
// - Not thread-safe: callers serialize access to one connection.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "secmedia/keying_material.h"
#include "secmedia/srtp.h"

namespace secmedia {

using DtlsTime = std::chrono::nanoseconds;

// The values of gst-plugins-bad's GstDtlsConnectionState, so the elements can map them one to one.
enum class DtlsState : uint8_t { fresh = 0, closed = 1, failed = 2, connecting = 3, connected = 4 };
const char* to_string(DtlsState state);

enum class FingerprintAlgorithm : uint8_t { sha1, sha224, sha256, sha384, sha512 };

// A certificate fingerprint as SDP carries it (RFC 8122 §5): "sha-256 AB:CD:...".
struct Fingerprint {
  FingerprintAlgorithm algorithm = FingerprintAlgorithm::sha256;
  std::vector<uint8_t> digest;

  static std::optional<Fingerprint> parse(std::string_view text);
  std::string to_string() const;
  // Constant-time comparison of the digests (and equal algorithms).
  bool matches(const Fingerprint& other) const;
};

enum class CertificateType : uint8_t { ecdsa_p256, rsa_2048 };

// A certificate and its private key: generated self-signed, or loaded from PEM.
class DtlsCertificate {
 public:
  static std::shared_ptr<const DtlsCertificate> generate(CertificateType type,
                                                         std::string* why = nullptr);
  static std::shared_ptr<const DtlsCertificate> from_pem(std::string_view certificate_pem,
                                                         std::string_view private_key_pem,
                                                         std::string* why = nullptr);
  ~DtlsCertificate();

  std::string certificate_pem() const;
  std::string private_key_pem() const;
  Fingerprint fingerprint(FingerprintAlgorithm algorithm = FingerprintAlgorithm::sha256) const;
  // Builds now the OpenSSL context every connection with this identity shares (otherwise made by
  // the first DtlsConnection::create), so that starting a handshake later costs less.
  bool prepare(std::string* why = nullptr) const;

  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  explicit DtlsCertificate(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The OpenSSL settings every connection shares (DTLS 1.2 only, cipher suites, groups, options),
// without any identity. Building them costs more than a third of a whole handshake, so a program
// that makes many connections makes one context and gives it to each (DtlsConfig::context); each
// connection still presents its own certificate. Safe to share between threads.
class DtlsContext {
 public:
  static std::shared_ptr<const DtlsContext> create(std::string* why = nullptr);
  ~DtlsContext();

  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  explicit DtlsContext(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Fingerprint of a PEM certificate, e.g. one a peer presented.
std::optional<Fingerprint> fingerprint_of_pem(std::string_view certificate_pem,
                                              FingerprintAlgorithm algorithm);

// What a packet carries when DTLS, SRTP/SRTCP, STUN and others share one transport, told by its
// first byte (RFC 7983 §7, which extends RFC 5764 §5.1.2). Every demultiplexer of this project
// (dtlsdec, dtlssrtpdemux, the DTLS engine) asks this one function.
enum class PacketClass : uint8_t {
  stun,          // 0-3
  zrtp,          // 16-19
  dtls,          // 20-63
  turn_channel,  // 64-79
  rtp,           // 128-191: RTP or RTCP, here SRTP or SRTCP
  unknown,       // any other first byte, or an empty packet: to drop
};
PacketClass classify_packet(std::span<const uint8_t> packet);
const char* to_string(PacketClass packet_class);

// The default use_srtp preference (RFC 5764 §4.1.2, RFC 7714 §14.2).
std::vector<SrtpProfile> default_dtls_srtp_profiles();

struct DtlsConfig {
  DtlsRole role = DtlsRole::client;
  std::shared_ptr<const DtlsCertificate> certificate;  // required
  // The shared settings to build the connection from. Without one, the connection uses the context
  // its certificate keeps (made by the first connection with that certificate, or by prepare()).
  std::shared_ptr<const DtlsContext> context;
  // When not empty, the peer's certificate must match one of these, or the handshake fails.
  std::vector<Fingerprint> peer_fingerprints;
  // use_srtp (RFC 5764 §4.1.1), in order of preference. Empty means plain DTLS: no use_srtp
  // offered, application data only. When not empty, a peer that negotiates no SRTP profile fails
  // the handshake.
  std::vector<SrtpProfile> srtp_profiles = default_dtls_srtp_profiles();
  // Largest datagram to send (UDP payload); every datagram the engine emits fits. At least 256.
  size_t mtu = 1200;
  // RFC 6347 §4.2.4.1: start at 1 s, double on each retransmission up to the cap; give up after
  // max_retransmissions of one flight without an answer (OpenSSL allows at most 12; each new
  // flight starts again at the initial timeout and none), or when the whole handshake takes longer
  // than handshake_timeout. The initial timeout must be at least 20 ms (OpenSSL treats less than 15
  // ms left as expired).
  std::chrono::milliseconds initial_retransmission_timeout{1000};
  std::chrono::milliseconds max_retransmission_timeout{60000};
  unsigned max_retransmissions = 7;
  // Counted from start() for a client; for a server from the datagram that binds the handshake (see
  // handle_datagram: with cookie_exchange, the ClientHello with a valid cookie).
  std::chrono::milliseconds handshake_timeout{30000};
  // Server: answer a ClientHello without a valid cookie with a stateless HelloVerifyRequest
  // (RFC 6347 §4.2.1); the handshake (and its timeout) begins only with a ClientHello that echoes
  // the cookie, which proves its sender receives what this endpoint sends. Without it, the first
  // ClientHello that OpenSSL accepts begins the handshake, whoever sent it.
  bool cookie_exchange = false;
  // The expected fingerprints come later (from a remote SDP, RFC 8122 §5) and the peer must be
  // checked against them: while peer_fingerprints is empty and set_peer_fingerprints() has not been
  // called, every datagram that could carry the peer's certificate is held back (a server still
  // answers ClientHello, a client HelloVerifyRequest), so no certificate is accepted and no key
  // exported unverified. The handshake timeout still runs.
  bool await_peer_fingerprints = false;
  // The generation the keys of this handshake carry (SrtpKeyingMaterial::generation): the caller
  // counts the handshakes of one association, 1 for its first, so that every new key of the
  // association has a higher one than the last. At least 1.
  uint32_t key_generation = 1;
};

namespace dtls_event {
struct StateChanged {
  DtlsState state;
  std::string reason;  // why, for failed and closed
  // closed: the peer sent close_notify (RFC 5246 §7.2.1), rather than this side closing.
  bool by_peer = false;
};
// The peer's certificate, reported before the connection counts as connected.
struct PeerCertificate {
  std::string pem;
  Fingerprint fingerprint;  // sha-256
};
struct KeysReady {
  SrtpKeyingMaterial keys;
};
struct ApplicationData {
  std::vector<uint8_t> data;
};
struct AlertReceived {
  bool fatal;
  std::string description;  // e.g. "bad certificate"
};
}  // namespace dtls_event

using DtlsEvent =
    std::variant<dtls_event::StateChanged, dtls_event::PeerCertificate, dtls_event::KeysReady,
                 dtls_event::ApplicationData, dtls_event::AlertReceived>;

struct DtlsStats {
  uint64_t datagrams_received = 0;
  uint64_t datagrams_sent = 0;
  uint64_t bytes_received = 0;
  uint64_t bytes_sent = 0;
  uint64_t retransmissions = 0;
  uint64_t application_data_received = 0;  // records
  // Datagrams dropped whole: not DTLS, no record that could be processed (see records_discarded),
  // or, once connected, nothing in them that OpenSSL accepted (a forged or corrupted record fails
  // its MAC; a replayed one is refused, RFC 6347 §4.1.2.6), from the bound source (others count in
  // datagrams_from_other_sources). Late retransmissions of the peer's last handshake flight are not
  // counted.
  uint64_t datagrams_rejected = 0;
  // Records discarded before the handshake completed (RFC 6347 §4.1.2.7): epoch-0 application
  // data, unknown content types, handshake messages the peer's role never sends or longer than
  // the limit (32768 octets), fragments that do not frame, and, on a server waiting for a
  // handshake, anything but a ClientHello.
  uint64_t records_discarded = 0;
  // Datagrams from a source other than the one the handshake is bound to (see handle_datagram):
  // during the handshake dropped unread; once connected, those OpenSSL took nothing from.
  uint64_t datagrams_from_other_sources = 0;
  // HelloVerifyRequests sent (cookie_exchange): one per ClientHello without a valid cookie.
  uint64_t hello_verify_requests = 0;
  std::optional<DtlsTime> handshake_duration;
};

class DtlsConnection {
 public:
  // nullptr and a reason when the config cannot work (no certificate, MTU too small, ...).
  static std::unique_ptr<DtlsConnection> create(const DtlsConfig& config,
                                                std::string* why = nullptr);
  ~DtlsConnection();
  DtlsConnection(const DtlsConnection&) = delete;
  DtlsConnection& operator=(const DtlsConnection&) = delete;

  // Begins the handshake: a client sends its ClientHello, a server waits for one.
  void start(DtlsTime now);
  // `source` identifies the sender (for example its socket address, in any stable encoding); empty
  // when the caller does not know it. The first datagram that moves the handshake on (for a server
  // with cookie_exchange, the ClientHello with a valid cookie) binds the handshake to its source;
  // until the handshake completes, datagrams from any other source are dropped and counted, so a
  // third party can neither take the handshake over nor end it. Once connected, records are
  // authenticated and any source is heard (the peer's address may change, e.g. after a NAT
  // rebinding); the source only decides which counter a datagram OpenSSL refused goes to.
  void handle_datagram(std::span<const uint8_t> datagram, DtlsTime now,
                       std::span<const uint8_t> source = {});
  void handle_timeout(DtlsTime now);
  // When handle_timeout should be called next; nullopt when no timer runs.
  std::optional<DtlsTime> next_timeout() const;

  std::optional<std::vector<uint8_t>> poll_datagram();
  std::optional<DtlsEvent> poll_event();

  // Application data (connected only); false when it cannot be sent (state, or larger than a record
  // that fits the MTU).
  bool send(std::span<const uint8_t> data);
  // Sends close_notify (RFC 5246 §7.2.1) and moves to closed.
  void close(DtlsTime now);
  // The fingerprints the peer's certificate must match (any one of them), when they were not known
  // at create() (see DtlsConfig::await_peer_fingerprints): held datagrams are processed now. An
  // empty list fails the handshake (a peer that cannot be authenticated is not one to talk to).
  // Ignored once connected, failed or closed.
  void set_peer_fingerprints(std::vector<Fingerprint> fingerprints, DtlsTime now);
  // True while the handshake waits for set_peer_fingerprints().
  bool awaiting_peer_fingerprints() const;

  DtlsState state() const;
  const std::string& failure_reason() const;
  std::optional<SrtpProfile> srtp_profile() const;
  std::optional<SrtpKeyingMaterial> keying_material() const;
  std::string peer_certificate_pem() const;
  DtlsStats stats() const;
  // Largest application data record send() takes.
  size_t max_application_data() const;

  struct Impl;

 private:
  explicit DtlsConnection(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace secmedia
