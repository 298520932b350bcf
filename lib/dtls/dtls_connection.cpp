// SPDX-License-Identifier: LGPL-2.1-or-later
// DtlsConnection: OpenSSL's DTLS 1.2 driven through a datagram BIO, sans-IO.
//
// States follow the handshake: fresh -> connecting (start) -> connected (Finished exchanged, peer
// verified, SRTP keys exported) -> closed (close_notify either way); failed from anywhere before
// closed.
//
// Until the handshake completes nothing the peer sent is authenticated, so every datagram passes
// three gates before OpenSSL sees it: the source the handshake is bound to (handle_datagram), the
// record filter (record_filter.h, RFC 6347 §4.1.2.7), and, for a server with cookie_exchange, the
// stateless cookie exchange (DTLSv1_listen, RFC 6347 §4.2.1).
#include <openssl/err.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/srtp.h>

#include <algorithm>
#include <deque>

#include "certificate_impl.h"
#include "datagram_bio.h"
#include "openssl_handles.h"
#include "record_filter.h"
#include "secmedia/dtls.h"

namespace secmedia {

using detail::OpenSslPtr;
using detail::RecordPhase;
using detail::RecordScan;

namespace {

// RFC 5764 §4.1.2 and RFC 7714 §14.2: the profiles use_srtp can negotiate, by OpenSSL's names.
struct DtlsSrtpProfile {
  SrtpProfile profile;
  const char* openssl_name;
  unsigned long id;
};
constexpr DtlsSrtpProfile kDtlsSrtpProfiles[] = {
    {SrtpProfile::aead_aes_128_gcm, "SRTP_AEAD_AES_128_GCM", SRTP_AEAD_AES_128_GCM},
    {SrtpProfile::aead_aes_256_gcm, "SRTP_AEAD_AES_256_GCM", SRTP_AEAD_AES_256_GCM},
    {SrtpProfile::aes_cm_128_hmac_sha1_80, "SRTP_AES128_CM_SHA1_80", SRTP_AES128_CM_SHA1_80},
    {SrtpProfile::aes_cm_128_hmac_sha1_32, "SRTP_AES128_CM_SHA1_32", SRTP_AES128_CM_SHA1_32},
};

const DtlsSrtpProfile* dtls_srtp_profile(SrtpProfile profile) {
  for (const auto& p : kDtlsSrtpProfiles) {
    if (p.profile == profile) return &p;
  }
  return nullptr;
}

// A browser, pion, OpenSSL, GnuTLS and mbedTLS all accept these: ECDHE with ECDSA or RSA, AES-GCM
// first, ChaCha20-Poly1305, and AES-CBC-SHA as the last fallback.
constexpr const char* kCipherList =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES256-SHA";
constexpr const char* kGroups = "X25519:P-256:P-384";
constexpr size_t kMinMtu = 256;
constexpr unsigned kOpenSslMaxTimeouts = 12;  // DTLS1_TMO_ALERT_COUNT: OpenSSL gives up after that
constexpr size_t kCookieLength = 16;

std::string take_openssl_error() {
  std::string text;
  while (const unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    if (!text.empty()) text += "; ";
    text += buffer;
  }
  return text;
}

std::string seconds_text(std::chrono::milliseconds duration) {
  return std::to_string(duration.count() / 1000.0).substr(0, 5) + " s";
}

}  // namespace

const char* to_string(DtlsState state) {
  switch (state) {
    case DtlsState::fresh:
      return "new";
    case DtlsState::closed:
      return "closed";
    case DtlsState::failed:
      return "failed";
    case DtlsState::connecting:
      return "connecting";
    case DtlsState::connected:
      return "connected";
  }
  return "unknown";
}

std::vector<SrtpProfile> default_dtls_srtp_profiles() {
  return {SrtpProfile::aead_aes_128_gcm, SrtpProfile::aead_aes_256_gcm,
          SrtpProfile::aes_cm_128_hmac_sha1_80, SrtpProfile::aes_cm_128_hmac_sha1_32};
}

int generate_cookie_trampoline(SSL* ssl, unsigned char* cookie, unsigned int* length);
int verify_cookie_trampoline(SSL* ssl, const unsigned char* cookie, unsigned int length);

// The settings every connection shares (DTLS 1.2 only, suites, groups, options), and the identity
// when `identity` is given. Per-connection settings go on the SSL. Sets `error` when OpenSSL
// refuses.
OpenSslPtr<SSL_CTX> make_context(const DtlsCertificate::Impl* identity, std::string& error) {
  OpenSslPtr<SSL_CTX> context(SSL_CTX_new(DTLS_method()));
  SSL_CTX* ctx = context.get();
  // DTLS 1.2 exactly: a DTLS 1.3 that a newer OpenSSL may offer has not been tested here.
  if (!ctx || SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, DTLS1_2_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(ctx, kCipherList) != 1 ||
      SSL_CTX_set1_groups_list(ctx, kGroups) != 1) {
    error = "OpenSSL refused the DTLS parameters: " + take_openssl_error();
    return nullptr;
  }
  // RFC 8827 §6.5: no renegotiation. The MTU is ours to give. No tickets: nothing outlives the
  // connection.
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_QUERY_MTU | SSL_OP_NO_TICKET);
  // Records never exceed a datagram; OpenSSL's default 16 KB fragment only makes a 16 KB write
  // buffer per connection. 2048 covers every MTU in use on real paths.
  SSL_CTX_set_max_send_fragment(ctx, 2048);
  // The peer's certificate chain, and with it (dtls1_max_handshake_message_len) any handshake
  // message, is at most the size the record filter lets through.
  SSL_CTX_set_max_cert_list(ctx, static_cast<long>(detail::kMaxHandshakeMessage));
  if (identity && (SSL_CTX_use_certificate(ctx, identity->certificate.get()) != 1 ||
                   SSL_CTX_use_PrivateKey(ctx, identity->key.get()) != 1)) {
    error = "OpenSSL refused the certificate: " + take_openssl_error();
    return nullptr;
  }
  // Used only by connections that enable SSL_OP_COOKIE_EXCHANGE.
  SSL_CTX_set_cookie_generate_cb(ctx, generate_cookie_trampoline);
  SSL_CTX_set_cookie_verify_cb(ctx, verify_cookie_trampoline);
  return context;
}

// The context a certificate keeps for the connections that present it and were given no
// DtlsContext: made by the first of them (or prepare()).
SSL_CTX* certificate_context(const DtlsCertificate& certificate, std::string* why) {
  const DtlsCertificate::Impl& identity = certificate.impl();
  std::call_once(identity.context_once, [&identity] {
    identity.context = make_context(&identity, identity.context_error);
  });
  if (!identity.context && why) *why = identity.context_error;
  return identity.context.get();
}

struct DtlsConnection::Impl {
  DtlsConfig config;
  detail::DatagramBio bio;  // outlives `ssl`, which owns the BIO made from it
  OpenSslPtr<SSL> ssl;
  std::vector<uint8_t> cookie_secret;

  DtlsState state = DtlsState::fresh;
  std::string failure;
  std::string verify_failure;    // from the certificate callback
  std::string fatal_alert_text;  // the last fatal alert the peer sent
  std::string sent_alert_text;   // the last fatal alert OpenSSL sent the peer
  std::deque<DtlsEvent> events;
  std::optional<SrtpProfile> profile;
  std::optional<SrtpKeyingMaterial> keys;
  std::string peer_pem;

  // DtlsConfig::await_peer_fingerprints: datagrams (and their sources) held until the
  // fingerprints come.
  bool awaiting_fingerprints = false;
  struct Held {
    std::vector<uint8_t> datagram;
    std::vector<uint8_t> source;
  };
  std::deque<Held> held;

  // The source the handshake is bound to (handle_datagram): set by the first datagram that moved
  // the handshake on.
  bool bound = false;
  std::vector<uint8_t> bound_source;
  // DTLSv1_listen wants somewhere to write the client's address; the datagram BIO has none to give.
  OpenSslPtr<BIO_ADDR> listen_address;

  bool started = false;
  bool handshake_begun = false;   // a client's at start(), a server's at the first datagram
  bool buffers_released = false;  // the record buffers went back to the heap once connected
  DtlsTime started_at{};
  DtlsTime last_now{};
  unsigned retransmissions = 0;
  bool retransmission_limit_reached = false;
  DtlsStats stats;

  bool setup(std::string* why);
  bool may_carry_peer_certificate(std::span<const uint8_t> datagram) const;
  RecordPhase record_phase() const;
  bool from_bound_source(std::span<const uint8_t> source) const;
  void bind(std::span<const uint8_t> source, DtlsTime now);
  void listen(std::vector<uint8_t> datagram, std::span<const uint8_t> source, DtlsTime now);
  bool process(std::vector<uint8_t> datagram, std::span<const uint8_t> source, DtlsTime now);
  void set_state(DtlsState next, std::string reason = {}, bool by_peer = false);
  void fail(std::string reason);
  void drive_handshake();
  void on_handshake_complete();
  void read_application_data();
  bool restore_buffers();
  std::string describe_failure(const std::string& openssl_text, int ssl_error = 0) const;
  std::string ignored_traffic_text() const;

  static unsigned int timer_callback(SSL* ssl, unsigned int previous_us);
  static int verify_callback(int preverify_ok, X509_STORE_CTX* store);
  static void info_callback(const SSL* ssl, int where, int value);
  static int generate_cookie(SSL* ssl, unsigned char* cookie, unsigned int* length);
  static int verify_cookie(SSL* ssl, const unsigned char* cookie, unsigned int length);
};

bool DtlsConnection::Impl::setup(std::string* why) {
  const auto fail_setup = [why](std::string reason) {
    if (why) *why = std::move(reason) + (ERR_peek_error() ? ": " + take_openssl_error() : "");
    return false;
  };
  if (!config.certificate) return fail_setup("a certificate is required");
  if (config.mtu < kMinMtu) return fail_setup("MTU must be at least 256 bytes");
  if (config.key_generation == 0) return fail_setup("the key generation starts at 1");
  if (config.max_retransmissions > kOpenSslMaxTimeouts) {
    return fail_setup("at most 12 retransmissions are possible with OpenSSL");
  }
  // OpenSSL 3.0 counts a timer with less than 15 ms left as expired, so shorter timeouts would
  // retransmit at once.
  if (config.initial_retransmission_timeout < std::chrono::milliseconds(20) ||
      config.max_retransmission_timeout < config.initial_retransmission_timeout) {
    return fail_setup(
        "the initial retransmission timeout must be at least 20 ms, the cap at least as long");
  }
  std::string srtp_list;
  for (SrtpProfile p : config.srtp_profiles) {
    const DtlsSrtpProfile* dtls = dtls_srtp_profile(p);
    if (!dtls) {
      return fail_setup(std::string(profile_info(p).name) +
                        " cannot be negotiated by DTLS-SRTP (RFC 5764, RFC 7714)");
    }
    if (!srtp_list.empty()) srtp_list += ":";
    srtp_list += dtls->openssl_name;
  }

  SSL_CTX* ctx = config.context ? config.context->impl().context.get()
                                : certificate_context(*config.certificate, why);
  if (!ctx) return false;
  if (config.cookie_exchange) {
    cookie_secret.resize(32);
    if (RAND_bytes(cookie_secret.data(), static_cast<int>(cookie_secret.size())) != 1) {
      return fail_setup("no randomness for the cookie secret");
    }
  }

  if (!bio.init()) return fail_setup("OpenSSL cannot make a BIO method");
  ssl.reset(SSL_new(ctx));
  BIO* datagrams = bio.make_bio();
  if (!ssl || !datagrams) {
    if (datagrams) BIO_free(datagrams);
    return fail_setup("OpenSSL cannot make a DTLS connection");
  }
  if (config.context) {
    // A shared context holds no identity: this connection presents its own.
    const DtlsCertificate::Impl& identity = config.certificate->impl();
    if (SSL_use_certificate(ssl.get(), identity.certificate.get()) != 1 ||
        SSL_use_PrivateKey(ssl.get(), identity.key.get()) != 1) {
      BIO_free(datagrams);
      return fail_setup("OpenSSL refused the certificate: " + take_openssl_error());
    }
  }
  // One BIO for both directions: SSL_set_bio takes the one reference.
  SSL_set_bio(ssl.get(), datagrams, datagrams);
  // Both sides present certificates; identity is the fingerprint, checked in verify_callback.
  SSL_set_verify(ssl.get(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_callback);
  // SSL_set_tlsext_use_srtp returns 0 on success.
  if (!srtp_list.empty() && SSL_set_tlsext_use_srtp(ssl.get(), srtp_list.c_str()) != 0) {
    return fail_setup("OpenSSL refused the SRTP profiles");
  }
  SSL_set_app_data(ssl.get(), this);
  SSL_set_info_callback(ssl.get(), info_callback);
  DTLS_set_timer_cb(ssl.get(), timer_callback);
  // Returns the MTU it took, or 0 below the DTLS minimum.
  if (SSL_set_mtu(ssl.get(), static_cast<long>(config.mtu)) <= 0) {
    return fail_setup("OpenSSL refused the MTU");
  }
  if (config.role == DtlsRole::client) {
    SSL_set_connect_state(ssl.get());
  } else {
    SSL_set_accept_state(ssl.get());
    if (config.cookie_exchange) {
      SSL_set_options(ssl.get(), SSL_OP_COOKIE_EXCHANGE);
      listen_address.reset(BIO_ADDR_new());
      if (!listen_address) return fail_setup("OpenSSL cannot make an address for DTLSv1_listen");
    }
  }
  return true;
}

// Whether OpenSSL could meet the peer's certificate in `datagram`. Only the first flight of each
// side is certificate-free (RFC 6347 §4.2.4): a ClientHello (handshake type 1) for a server, a
// HelloVerifyRequest (type 3) for a client, in epoch-0 handshake records (RFC 6347 §4.1). Anything
// else, or a record that does not parse, may be.
bool DtlsConnection::Impl::may_carry_peer_certificate(std::span<const uint8_t> datagram) const {
  constexpr size_t kRecordHeader = 13;  // type, version, epoch, sequence number, length
  constexpr uint8_t kHandshake = 22;
  const uint8_t first_flight = config.role == DtlsRole::server ? 1 : 3;
  size_t offset = 0;
  while (offset < datagram.size()) {
    if (datagram.size() - offset < kRecordHeader + 1) return true;
    const uint8_t* record = datagram.data() + offset;
    const size_t length = (size_t{record[11]} << 8) | record[12];
    const unsigned epoch = (unsigned{record[3]} << 8) | record[4];
    if (record[0] != kHandshake || epoch != 0 || length == 0 ||
        length > datagram.size() - offset - kRecordHeader ||
        record[kRecordHeader] != first_flight) {
      return true;
    }
    offset += kRecordHeader + length;
  }
  return false;
}

RecordPhase DtlsConnection::Impl::record_phase() const {
  if (state == DtlsState::connected) return RecordPhase::connected;
  if (config.role == DtlsRole::server && !bound) {
    return config.cookie_exchange ? RecordPhase::listening : RecordPhase::awaiting_client_hello;
  }
  return RecordPhase::handshaking;
}

bool DtlsConnection::Impl::from_bound_source(std::span<const uint8_t> source) const {
  return std::equal(source.begin(), source.end(), bound_source.begin(), bound_source.end());
}

void DtlsConnection::Impl::bind(std::span<const uint8_t> source, DtlsTime now) {
  bound = true;
  bound_source.assign(source.begin(), source.end());
  if (!handshake_begun) {
    // A server's handshake (and its timeout) begins with the client that got it going; waiting for
    // one, or ClientHellos that went nowhere, are not part of it.
    handshake_begun = true;
    started_at = now;
  }
}

// RFC 6347 §4.2.1: before any state is committed to a client, its ClientHello must echo a cookie
// this endpoint sent; a ClientHello without one (or with a stale or forged one) gets a stateless
// HelloVerifyRequest. DTLSv1_listen does exactly that and nothing more: a datagram that is not a
// ClientHello, or does not parse, is dropped without an alert.
void DtlsConnection::Impl::listen(std::vector<uint8_t> datagram, std::span<const uint8_t> source,
                                  DtlsTime now) {
  const size_t sent_before = bio.outgoing_count();
  bio.push_incoming(std::move(datagram));
  ERR_clear_error();
  const int result = DTLSv1_listen(ssl.get(), listen_address.get());
  if (result > 0) {
    // The ClientHello with the cookie is buffered inside OpenSSL; the handshake goes on from it.
    bind(source, now);
    drive_handshake();
    return;
  }
  if (result < 0) {
    fail("the cookie exchange (RFC 6347 section 4.2.1) failed: " + take_openssl_error());
    return;
  }
  ERR_clear_error();  // a ClientHello that did not parse leaves its reason behind
  if (bio.outgoing_count() > sent_before) {
    ++stats.hello_verify_requests;
  } else {
    ++stats.datagrams_rejected;
  }
}

// Returns whether OpenSSL took anything from the datagram: a state change, an event (data,
// alert), or a datagram in answer.
bool DtlsConnection::Impl::process(std::vector<uint8_t> datagram, std::span<const uint8_t> source,
                                   DtlsTime now) {
  const size_t events_before = events.size();
  const size_t sent_before = bio.outgoing_count();
  const DtlsState state_before = state;
  const OSSL_HANDSHAKE_STATE handshake_before = SSL_get_state(ssl.get());
  bio.push_incoming(std::move(datagram));
  if (state == DtlsState::connected) {
    if (!restore_buffers()) {
      fail("out of memory for the DTLS record buffers");
      return true;
    }
    read_application_data();
  } else {
    drive_handshake();
  }
  const bool took = events.size() != events_before || bio.outgoing_count() != sent_before ||
                    state != state_before || SSL_get_state(ssl.get()) != handshake_before;
  // The first datagram that moved the handshake on names its source; one OpenSSL ignored (a
  // stray retransmission, a record it could not place) does not.
  if (!bound && took && state != DtlsState::failed) bind(source, now);
  return took;
}

void DtlsConnection::Impl::set_state(DtlsState next, std::string reason, bool by_peer) {
  if (state == next) return;
  state = next;
  events.emplace_back(dtls_event::StateChanged{next, std::move(reason), by_peer});
}

void DtlsConnection::Impl::fail(std::string reason) {
  if (state == DtlsState::failed || state == DtlsState::closed) return;
  failure = reason;
  ERR_clear_error();
  set_state(DtlsState::failed, std::move(reason));
}

std::string DtlsConnection::Impl::describe_failure(const std::string& openssl_text,
                                                   int ssl_error) const {
  if (!verify_failure.empty()) return verify_failure;
  if (!fatal_alert_text.empty()) return "the peer sent a fatal alert: " + fatal_alert_text;
  if (ssl_error == SSL_ERROR_ZERO_RETURN) {
    return "the peer closed the connection (close_notify) before the handshake completed";
  }
  if (openssl_text.find("no shared cipher") != std::string::npos) {
    return "no cipher suite in common with the peer (" + openssl_text + ")";
  }
  if (openssl_text.find("unsupported protocol") != std::string::npos ||
      openssl_text.find("wrong version") != std::string::npos) {
    return "the peer does not speak DTLS 1.2 (" + openssl_text + ")";
  }
  if (openssl_text.find("excessive message size") != std::string::npos) {
    return "a handshake message from the peer exceeds the limit of " +
           std::to_string(detail::kMaxHandshakeMessage) + " octets (" + openssl_text + ")";
  }
  const std::string sent =
      sent_alert_text.empty() ? "" : "; this endpoint sent the fatal alert " + sent_alert_text;
  if (!openssl_text.empty()) return "DTLS handshake failed: " + openssl_text + sent;
  // OpenSSL stopped without queueing a reason: say where it stopped, never just "unknown".
  return std::string("DTLS handshake failed in state \"") + SSL_state_string_long(ssl.get()) +
         "\" without a reason from OpenSSL (SSL_get_error " + std::to_string(ssl_error) + ")" +
         sent;
}

// For a handshake that timed out: what was thrown away meanwhile, which may be why.
std::string DtlsConnection::Impl::ignored_traffic_text() const {
  if (stats.records_discarded == 0 && stats.datagrams_from_other_sources == 0) return {};
  return " (meanwhile " + std::to_string(stats.records_discarded) +
         " records that could not be processed were discarded and " +
         std::to_string(stats.datagrams_from_other_sources) +
         " datagrams from other sources ignored)";
}

void DtlsConnection::Impl::drive_handshake() {
  ERR_clear_error();
  const int result = SSL_do_handshake(ssl.get());
  if (result == 1) {
    on_handshake_complete();
    return;
  }
  const int error = SSL_get_error(ssl.get(), result);
  if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
    if (state == DtlsState::fresh && SSL_in_init(ssl.get())) set_state(DtlsState::connecting);
    return;
  }
  fail(describe_failure(take_openssl_error(), error));
}

void DtlsConnection::Impl::on_handshake_complete() {
  X509* peer = SSL_get0_peer_certificate(ssl.get());
  if (!peer) {
    fail("the peer presented no certificate");
    return;
  }
  // The callback already refused a mismatch; checking again here costs nothing and survives any
  // change in how OpenSSL calls it.
  if (!config.peer_fingerprints.empty()) {
    bool matched = false;
    for (const auto& expected : config.peer_fingerprints) {
      matched |= detail::fingerprint_of(peer, expected.algorithm).matches(expected);
    }
    if (!matched) {
      fail("the peer's certificate matches none of the expected fingerprints");
      return;
    }
  }
  OpenSslPtr<BIO> pem(BIO_new(BIO_s_mem()));
  if (pem && PEM_write_bio_X509(pem.get(), peer) == 1) {
    char* data = nullptr;
    const long length = BIO_get_mem_data(pem.get(), &data);
    peer_pem.assign(data, static_cast<size_t>(length));
  }
  events.emplace_back(dtls_event::PeerCertificate{
      peer_pem, detail::fingerprint_of(peer, FingerprintAlgorithm::sha256)});

  if (!config.srtp_profiles.empty()) {
    const SRTP_PROTECTION_PROFILE* selected = SSL_get_selected_srtp_profile(ssl.get());
    const DtlsSrtpProfile* negotiated = nullptr;
    for (const auto& p : kDtlsSrtpProfiles) {
      if (selected && selected->id == p.id) negotiated = &p;
    }
    if (!negotiated) {
      std::string offered;
      for (SrtpProfile p : config.srtp_profiles) {
        offered += (offered.empty() ? "" : ", ") + std::string(dtls_srtp_profile(p)->openssl_name);
      }
      // RFC 5764 §4.1.2: without a common profile there are no SRTP keys; plaintext is no fallback.
      SSL_shutdown(ssl.get());
      fail("the peer negotiated no SRTP protection profile (use_srtp, RFC 5764); offered " +
           offered);
      return;
    }
    const size_t length = SrtpKeyingMaterial::exporter_length(negotiated->profile);
    std::vector<uint8_t> exported(length);
    static constexpr char kLabel[] = "EXTRACTOR-dtls_srtp";  // RFC 5764 §4.2
    if (SSL_export_keying_material(ssl.get(), exported.data(), exported.size(), kLabel,
                                   sizeof kLabel - 1, nullptr, 0, 0) != 1) {
      fail("exporting the SRTP keying material failed: " + take_openssl_error());
      return;
    }
    keys = SrtpKeyingMaterial::from_exporter(negotiated->profile, exported, config.role,
                                             config.key_generation);
    OPENSSL_cleanse(exported.data(), exported.size());
    profile = negotiated->profile;
    events.emplace_back(dtls_event::KeysReady{*keys});
  }
  stats.handshake_duration = last_now - started_at;
  set_state(DtlsState::connected);
  read_application_data();
  // Once connected, a DTLS-SRTP association rarely carries a record again: SRTP bypasses DTLS
  // (RFC 5764 §5.1.2). Its read buffer (16 KB, sized for the largest record) and write buffer go
  // back to the heap until a record does come or go (restore_buffers), instead of being held for
  // the whole call: 19 KB of the 85 KB an association side cost (issue 15).
  if (SSL_free_buffers(ssl.get()) == 1) buffers_released = true;
}

bool DtlsConnection::Impl::restore_buffers() {
  // OpenSSL 3.0's DTLS record layer does not allocate released buffers again by itself (a write
  // after SSL_free_buffers dereferences a null buffer), so every call that may read or write a
  // record once connected comes through here first. A connection that carries data (a data
  // channel) keeps its buffers from then on.
  if (!buffers_released) return true;
  if (SSL_alloc_buffers(ssl.get()) != 1) return false;
  buffers_released = false;
  return true;
}

void DtlsConnection::Impl::read_application_data() {
  uint8_t buffer[16384];
  for (;;) {
    ERR_clear_error();
    const int result = SSL_read(ssl.get(), buffer, sizeof buffer);
    if (result > 0) {
      ++stats.application_data_received;
      events.emplace_back(
          dtls_event::ApplicationData{std::vector<uint8_t>(buffer, buffer + result)});
      continue;
    }
    const int error = SSL_get_error(ssl.get(), result);
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) return;
    if (error == SSL_ERROR_ZERO_RETURN) {
      SSL_shutdown(ssl.get());  // answer the close_notify
      set_state(DtlsState::closed, "the peer closed the connection (close_notify)", true);
      return;
    }
    fail(describe_failure(take_openssl_error(), error));
    return;
  }
}

unsigned int DtlsConnection::Impl::timer_callback(SSL* ssl, unsigned int previous_us) {
  auto* self = static_cast<Impl*>(SSL_get_app_data(ssl));
  const auto initial_us = static_cast<unsigned int>(
      std::chrono::microseconds(self->config.initial_retransmission_timeout).count());
  if (previous_us == 0) {
    // A new flight: the peer answered the last one. The limit is on one flight going unanswered
    // (as OpenSSL's own, which it resets with the timer), not on the handshake's losses in all;
    // the handshake timeout bounds the whole.
    self->retransmissions = 0;
    return initial_us;
  }
  // Called when a timer expired and the flight is about to be sent again (RFC 6347 §4.2.4.1).
  ++self->retransmissions;
  ++self->stats.retransmissions;
  if (self->retransmissions > self->config.max_retransmissions) {
    self->retransmission_limit_reached = true;
  }
  const auto cap_us = static_cast<unsigned long long>(
      std::chrono::microseconds(self->config.max_retransmission_timeout).count());
  return static_cast<unsigned int>(std::min<unsigned long long>(2ull * previous_us, cap_us));
}

int DtlsConnection::Impl::verify_callback(int, X509_STORE_CTX* store) {
  // Self-signed certificates are the norm (RFC 8827 §6.5): identity is the fingerprint, not a
  // chain.
  if (X509_STORE_CTX_get_error_depth(store) != 0) return 1;
  auto* ssl =
      static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  auto* self = static_cast<Impl*>(SSL_get_app_data(ssl));
  if (self->config.peer_fingerprints.empty()) return 1;
  X509* certificate = X509_STORE_CTX_get_current_cert(store);
  std::string expected;
  for (const auto& fingerprint : self->config.peer_fingerprints) {
    if (detail::fingerprint_of(certificate, fingerprint.algorithm).matches(fingerprint)) return 1;
    expected += (expected.empty() ? "" : ", ") + fingerprint.to_string();
  }
  const FingerprintAlgorithm shown = self->config.peer_fingerprints.front().algorithm;
  self->verify_failure = "the peer's certificate fingerprint " +
                         detail::fingerprint_of(certificate, shown).to_string() +
                         " does not match the expected " + expected;
  return 0;
}

void DtlsConnection::Impl::info_callback(const SSL* ssl, int where, int value) {
  if (!(where & SSL_CB_ALERT)) return;
  auto* self = static_cast<Impl*>(SSL_get_app_data(ssl));
  const bool fatal = (value >> 8) == SSL3_AL_FATAL;
  const std::string description = SSL_alert_desc_string_long(value);
  if (where & SSL_CB_WRITE) {
    if (fatal) self->sent_alert_text = description;
    return;
  }
  if (fatal) self->fatal_alert_text = description;
  self->events.emplace_back(dtls_event::AlertReceived{fatal, description});
}

// RFC 6347 §4.2.1: the cookie proves the client receives at the address it claims. One connection
// serves one peer, so a MAC of a secret of this connection is enough: an off-path attacker cannot
// produce it, and a retried ClientHello echoes it.
int DtlsConnection::Impl::generate_cookie(SSL* ssl, unsigned char* cookie, unsigned int* length) {
  auto* self = static_cast<Impl*>(SSL_get_app_data(ssl));
  static constexpr unsigned char kContext[] = "secmedia DTLS cookie";
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_length = 0;
  if (!HMAC(EVP_sha256(), self->cookie_secret.data(), static_cast<int>(self->cookie_secret.size()),
            kContext, sizeof kContext, mac, &mac_length)) {
    return 0;
  }
  std::copy_n(mac, kCookieLength, cookie);
  *length = kCookieLength;
  return 1;
}

int DtlsConnection::Impl::verify_cookie(SSL* ssl, const unsigned char* cookie,
                                        unsigned int length) {
  unsigned char expected[kCookieLength];
  unsigned int expected_length = 0;
  if (length != kCookieLength || !generate_cookie(ssl, expected, &expected_length)) return 0;
  return CRYPTO_memcmp(expected, cookie, kCookieLength) == 0 ? 1 : 0;
}

int generate_cookie_trampoline(SSL* ssl, unsigned char* cookie, unsigned int* length) {
  return DtlsConnection::Impl::generate_cookie(ssl, cookie, length);
}
int verify_cookie_trampoline(SSL* ssl, const unsigned char* cookie, unsigned int length) {
  return DtlsConnection::Impl::verify_cookie(ssl, cookie, length);
}

DtlsContext::DtlsContext(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DtlsContext::~DtlsContext() = default;

std::shared_ptr<const DtlsContext> DtlsContext::create(std::string* why) {
  auto impl = std::make_unique<DtlsContext::Impl>();
  std::string error;
  impl->context = make_context(nullptr, error);
  if (!impl->context) {
    if (why) *why = error;
    return nullptr;
  }
  return std::shared_ptr<const DtlsContext>(new DtlsContext(std::move(impl)));
}

bool DtlsCertificate::prepare(std::string* why) const {
  return certificate_context(*this, why) != nullptr;
}

// --- public interface ---------------------------------------------------------------------------

DtlsConnection::DtlsConnection(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DtlsConnection::~DtlsConnection() = default;

std::unique_ptr<DtlsConnection> DtlsConnection::create(const DtlsConfig& config, std::string* why) {
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  impl->awaiting_fingerprints = config.await_peer_fingerprints && config.peer_fingerprints.empty();
  if (!impl->setup(why)) return nullptr;
  return std::unique_ptr<DtlsConnection>(new DtlsConnection(std::move(impl)));
}

void DtlsConnection::start(DtlsTime now) {
  Impl& s = *impl_;
  if (s.started) return;
  s.started = true;
  s.started_at = now;
  s.last_now = now;
  s.set_state(DtlsState::connecting);
  if (s.config.role == DtlsRole::client) {
    s.handshake_begun = true;
    s.drive_handshake();
  }
}

void DtlsConnection::handle_datagram(std::span<const uint8_t> datagram, DtlsTime now,
                                     std::span<const uint8_t> source) {
  Impl& s = *impl_;
  s.last_now = now;
  ++s.stats.datagrams_received;
  s.stats.bytes_received += datagram.size();
  // RFC 7983 §7: DTLS records start with a content type of 20-63; anything else is not ours.
  if (classify_packet(datagram) != PacketClass::dtls || s.state == DtlsState::failed ||
      s.state == DtlsState::closed) {
    ++s.stats.datagrams_rejected;
    return;
  }
  if (!s.started) start(now);
  // Nothing is authenticated before the Finished messages: once a source has moved the handshake
  // on, another cannot feed it (a spoofed ClientHello, alert or flight would otherwise end it).
  if (s.state != DtlsState::connected && s.bound && !s.from_bound_source(source)) {
    ++s.stats.datagrams_from_other_sources;
    return;
  }
  // RFC 6347 §4.1.2.7: records that cannot be processed are discarded, the association kept.
  std::vector<uint8_t> kept;
  kept.reserve(datagram.size());
  const RecordScan scan = detail::filter_records(datagram, s.config.role, s.record_phase(), kept);
  s.stats.records_discarded += scan.discarded;
  if (kept.empty()) {
    ++s.stats.datagrams_rejected;
    return;
  }
  if (s.config.role == DtlsRole::server && s.config.cookie_exchange && !s.bound) {
    s.listen(std::move(kept), source, now);
    return;
  }
  if (s.awaiting_fingerprints && s.may_carry_peer_certificate(kept)) {
    // Bounded: a retransmitted flight replaces nothing, the oldest datagram goes first.
    constexpr size_t kMaxHeld = 32;
    if (s.held.size() == kMaxHeld) {
      s.held.pop_front();
      ++s.stats.datagrams_rejected;
    }
    s.held.push_back({std::move(kept), std::vector<uint8_t>(source.begin(), source.end())});
    return;
  }
  const bool connected = s.state == DtlsState::connected;
  const bool took = s.process(std::move(kept), source, now);
  if (!connected || took) return;
  // Once connected every record is authenticated, so any source may speak; a datagram OpenSSL
  // took nothing from is counted by where it came from: another source (a flood that outlasted the
  // handshake), else a record that failed its MAC or was a replay (RFC 6347 §4.1.2.6, §4.1.2.7),
  // unless it was a late retransmission of the peer's last handshake flight (RFC 6347 §4.2.4).
  if (!s.from_bound_source(source)) {
    ++s.stats.datagrams_from_other_sources;
  } else if (!scan.only_epoch0_handshake) {
    ++s.stats.datagrams_rejected;
  }
}

void DtlsConnection::set_peer_fingerprints(std::vector<Fingerprint> fingerprints, DtlsTime now) {
  Impl& s = *impl_;
  s.last_now = now;
  if (s.state == DtlsState::connected || s.state == DtlsState::failed ||
      s.state == DtlsState::closed) {
    return;
  }
  s.awaiting_fingerprints = false;
  std::deque<Impl::Held> held;
  held.swap(s.held);
  if (fingerprints.empty()) {
    // RFC 8122 §5: the fingerprint is what authenticates the peer; without one it is anybody.
    s.bio.drop_outgoing();
    s.fail(
        "the remote description carries no certificate fingerprint (a=fingerprint, RFC 8122), "
        "so the peer cannot be authenticated");
    return;
  }
  s.config.peer_fingerprints = std::move(fingerprints);
  for (auto& [datagram, source] : held) {
    if (s.state == DtlsState::failed || s.state == DtlsState::closed) break;
    if (s.bound && !s.from_bound_source(source)) {
      ++s.stats.datagrams_from_other_sources;
      continue;
    }
    s.process(std::move(datagram), source, now);
  }
}

bool DtlsConnection::awaiting_peer_fingerprints() const {
  return impl_->awaiting_fingerprints;
}

void DtlsConnection::handle_timeout(DtlsTime now) {
  Impl& s = *impl_;
  s.last_now = now;
  if (!s.started || (s.state != DtlsState::connecting && s.state != DtlsState::connected)) return;
  if (s.state == DtlsState::connecting && s.handshake_begun &&
      now - s.started_at >= s.config.handshake_timeout) {
    s.bio.drop_outgoing();
    s.fail(s.awaiting_fingerprints
               ? "no fingerprint to check the peer's certificate against arrived within " +
                     seconds_text(s.config.handshake_timeout) +
                     " (the remote description was never set)"
               : "the DTLS handshake did not complete within " +
                     seconds_text(s.config.handshake_timeout) + s.ignored_traffic_text());
    return;
  }
  if (!s.restore_buffers()) {
    s.fail("out of memory for the DTLS record buffers");
    return;
  }
  ERR_clear_error();
  const int result = DTLSv1_handle_timeout(s.ssl.get());
  if (s.retransmission_limit_reached) {
    s.bio.drop_outgoing();
    s.fail("no answer from the peer after " + std::to_string(s.config.max_retransmissions) +
           " retransmissions");
    return;
  }
  if (result < 0) s.fail(s.describe_failure(take_openssl_error(), SSL_ERROR_SSL));
}

std::optional<DtlsTime> DtlsConnection::next_timeout() const {
  const Impl& s = *impl_;
  if (!s.started || (s.state != DtlsState::connecting && s.state != DtlsState::connected)) {
    return std::nullopt;
  }
  std::optional<DtlsTime> next;
  timeval remaining{};
  if (DTLSv1_get_timeout(s.ssl.get(), &remaining) == 1) {
    next = s.last_now + std::chrono::seconds(remaining.tv_sec) +
           std::chrono::microseconds(remaining.tv_usec);
  }
  if (s.state == DtlsState::connecting && s.handshake_begun) {
    const DtlsTime deadline = s.started_at + s.config.handshake_timeout;
    if (!next || deadline < *next) next = deadline;
  }
  return next;
}

std::optional<std::vector<uint8_t>> DtlsConnection::poll_datagram() {
  if (!impl_->bio.has_outgoing()) return std::nullopt;
  std::vector<uint8_t> datagram = impl_->bio.pop_outgoing();
  ++impl_->stats.datagrams_sent;
  impl_->stats.bytes_sent += datagram.size();
  return datagram;
}

std::optional<DtlsEvent> DtlsConnection::poll_event() {
  if (impl_->events.empty()) return std::nullopt;
  DtlsEvent event = std::move(impl_->events.front());
  impl_->events.pop_front();
  return event;
}

bool DtlsConnection::send(std::span<const uint8_t> data) {
  Impl& s = *impl_;
  if (s.state != DtlsState::connected || data.empty() || data.size() > max_application_data()) {
    return false;
  }
  if (!s.restore_buffers()) return false;
  ERR_clear_error();
  return SSL_write(s.ssl.get(), data.data(), static_cast<int>(data.size())) ==
         static_cast<int>(data.size());
}

void DtlsConnection::close(DtlsTime now) {
  Impl& s = *impl_;
  s.last_now = now;
  if (s.state == DtlsState::connected || s.state == DtlsState::connecting) {
    ERR_clear_error();
    // Without its buffers the close_notify cannot be written; the state changes all the same.
    if (s.restore_buffers()) SSL_shutdown(s.ssl.get());
    s.set_state(DtlsState::closed, "closed locally (close_notify sent)");
  } else if (s.state == DtlsState::fresh) {
    s.set_state(DtlsState::closed, "closed before the handshake");
  }
}

DtlsState DtlsConnection::state() const {
  return impl_->state;
}
const std::string& DtlsConnection::failure_reason() const {
  return impl_->failure;
}
std::optional<SrtpProfile> DtlsConnection::srtp_profile() const {
  return impl_->profile;
}
std::optional<SrtpKeyingMaterial> DtlsConnection::keying_material() const {
  return impl_->keys;
}
std::string DtlsConnection::peer_certificate_pem() const {
  return impl_->peer_pem;
}
DtlsStats DtlsConnection::stats() const {
  return impl_->stats;
}

size_t DtlsConnection::max_application_data() const {
  const size_t mtu = DTLS_get_data_mtu(impl_->ssl.get());
  return mtu > 0 ? mtu : impl_->config.mtu - 64;
}

}  // namespace secmedia
