// SPDX-License-Identifier: LGPL-2.1-or-later
// Cost of one complete DTLS 1.2 + DTLS-SRTP handshake in secmedia's DtlsConnection, against the
// same handshake driven on bare OpenSSL:
//   ours     two DtlsConnections (client and server) made, handed each other's datagrams until both
//            are connected with their SRTP keys, and destroyed. Each connection sets up an SSL_CTX
//            of its own: that is part of what a connection costs.
//   openssl  two SSL objects from SSL_CTXs made once (same certificates, cipher list, groups,
//            use_srtp list, MTU and options as lib/dtls/dtls_connection.cpp, any peer certificate
//            accepted), joined by a minimal datagram BIO of this file, driven with SSL_do_handshake
//            until both are done, the SRTP keying material exported on both sides, then freed.
// Both sides run in this one thread with memory in between: no sockets, no loss, so no
// retransmission. ECDSA P-256 certificates are made once, outside the timing.
// After the Google Benchmark table it prints the milliseconds per handshake (a client and a
// server), one RATIO line (ours / openssl, CPU time per handshake, lower is better for us) and a
// STATE line with the heap one established connection (one side) keeps.
// Entry point: tests/bench/run.sh.
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/srtp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "ratio_reporter.h"
#include "secmedia/dtls.h"

namespace {

using secmedia::DtlsConnection;
using secmedia::DtlsRole;
using secmedia::DtlsState;
using secmedia::SrtpProfile;

// The same values as lib/dtls/dtls_connection.cpp, so that both sides negotiate the same suite
// (ECDHE-ECDSA-AES128-GCM-SHA256 on X25519 with these certificates) and the same SRTP profile.
constexpr const char* kCipherList =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES256-SHA";
constexpr const char* kGroups = "X25519:P-256:P-384";
constexpr const char* kSrtpProfiles =
    "SRTP_AEAD_AES_128_GCM:SRTP_AEAD_AES_256_GCM:SRTP_AES128_CM_SHA1_80:SRTP_AES128_CM_SHA1_32";
constexpr long kMtu = 1200;
// What both negotiate with the default preferences: 2 * (16-byte key + 12-byte salt) of exporter
// output (RFC 5764 §4.2, RFC 7714 §12).
constexpr SrtpProfile kExpectedProfile = SrtpProfile::aead_aes_128_gcm;
constexpr unsigned long kExpectedOpenSslProfile = SRTP_AEAD_AES_128_GCM;
constexpr size_t kExporterLength = 56;
constexpr char kExporterLabel[] = "EXTRACTOR-dtls_srtp";
// A full handshake is four flights; anything still talking after this many rounds is stuck.
constexpr int kMaxRounds = 16;
// Pairs kept connected at once to measure the heap each connection holds.
constexpr size_t kStatePairs = 200;

constexpr const char* kImplNames[] = {"ours", "openssl"};

std::string case_name(std::string_view impl) {
  return "BM/handshake/" + std::string(impl);
}

std::string take_openssl_error() {
  std::string text;
  while (const unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    if (!text.empty()) text += "; ";
    text += buffer;
  }
  return text.empty() ? "no OpenSSL error queued" : text;
}

struct Certificates {
  std::shared_ptr<const secmedia::DtlsCertificate> client;
  std::shared_ptr<const secmedia::DtlsCertificate> server;
};

const Certificates& certificates() {
  static const Certificates certs = [] {
    Certificates c;
    c.client = secmedia::DtlsCertificate::generate(secmedia::CertificateType::ecdsa_p256);
    c.server = secmedia::DtlsCertificate::generate(secmedia::CertificateType::ecdsa_p256);
    return c;
  }();
  return certs;
}

secmedia::DtlsTime now() {
  return std::chrono::duration_cast<secmedia::DtlsTime>(
      std::chrono::steady_clock::now().time_since_epoch());
}

// --- ours ----------------------------------------------------------------------------------------

secmedia::DtlsConfig ours_config(DtlsRole role) {
  secmedia::DtlsConfig config;
  config.role = role;
  config.certificate = role == DtlsRole::client ? certificates().client : certificates().server;
  config.mtu = static_cast<size_t>(kMtu);
  return config;  // default SRTP profiles, no expected fingerprints: any certificate is accepted
}

struct OursPair {
  std::unique_ptr<DtlsConnection> client;
  std::unique_ptr<DtlsConnection> server;
  std::optional<secmedia::SrtpKeyingMaterial> client_keys;
  std::optional<secmedia::SrtpKeyingMaterial> server_keys;
};

void drain_events(DtlsConnection& connection, std::optional<secmedia::SrtpKeyingMaterial>& keys) {
  while (std::optional<secmedia::DtlsEvent> event = connection.poll_event()) {
    if (auto* ready = std::get_if<secmedia::dtls_event::KeysReady>(&*event)) {
      keys = std::move(ready->keys);
    }
  }
}

// Makes both connections and runs the handshake to its end; the error is empty when both are
// connected with matching keys.
std::string ours_handshake(OursPair& pair, const secmedia::DtlsConfig& client_config,
                           const secmedia::DtlsConfig& server_config) {
  std::string why;
  pair.client = DtlsConnection::create(client_config, &why);
  if (!pair.client) return "ours: client create: " + why;
  pair.server = DtlsConnection::create(server_config, &why);
  if (!pair.server) return "ours: server create: " + why;
  DtlsConnection& client = *pair.client;
  DtlsConnection& server = *pair.server;

  server.start(now());
  client.start(now());
  for (int round = 0; round < kMaxRounds; ++round) {
    bool moved = false;
    while (std::optional<std::vector<uint8_t>> datagram = client.poll_datagram()) {
      server.handle_datagram(*datagram, now());
      moved = true;
    }
    while (std::optional<std::vector<uint8_t>> datagram = server.poll_datagram()) {
      client.handle_datagram(*datagram, now());
      moved = true;
    }
    drain_events(client, pair.client_keys);
    drain_events(server, pair.server_keys);
    if (!moved) break;
  }

  if (client.state() != DtlsState::connected || server.state() != DtlsState::connected) {
    return std::string("ours: handshake did not complete: client ") +
           secmedia::to_string(client.state()) + " (" + client.failure_reason() + "), server " +
           secmedia::to_string(server.state()) + " (" + server.failure_reason() + ")";
  }
  if (!pair.client_keys || !pair.server_keys) return "ours: no KeysReady on both sides";
  const secmedia::SrtpKeyingMaterial& c = *pair.client_keys;
  const secmedia::SrtpKeyingMaterial& s = *pair.server_keys;
  if (c.profile != kExpectedProfile || s.profile != kExpectedProfile) {
    return "ours: unexpected SRTP profile";
  }
  if (!c.valid() || c.local_key != s.remote_key || c.local_salt != s.remote_salt ||
      c.remote_key != s.local_key || c.remote_salt != s.local_salt) {
    return "ours: client and server keys differ";
  }
  return {};
}

// --- bare OpenSSL --------------------------------------------------------------------------------

// One end of the in-memory link: what this SSL wrote and what it has yet to read, one datagram per
// element (OpenSSL 3.0 has no datagram memory BIO; BIO_s_mem would glue a flight into one stream).
struct Endpoint {
  std::deque<std::vector<uint8_t>> incoming;
  std::deque<std::vector<uint8_t>> outgoing;
};

int endpoint_write(BIO* bio, const char* data, int length) {
  auto* end = static_cast<Endpoint*>(BIO_get_data(bio));
  if (!end || length < 0) return -1;
  const auto* bytes = reinterpret_cast<const uint8_t*>(data);
  end->outgoing.emplace_back(bytes, bytes + length);
  return length;
}

int endpoint_read(BIO* bio, char* out, int length) {
  auto* end = static_cast<Endpoint*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  if (!end || end->incoming.empty()) {
    BIO_set_retry_read(bio);
    return -1;
  }
  const std::vector<uint8_t>& datagram = end->incoming.front();
  const size_t copied = std::min(datagram.size(), static_cast<size_t>(length));
  std::memcpy(out, datagram.data(), copied);
  end->incoming.pop_front();
  return static_cast<int>(copied);
}

long endpoint_control(BIO* bio, int command, long, void*) {
  auto* end = static_cast<Endpoint*>(BIO_get_data(bio));
  switch (command) {
    case BIO_CTRL_FLUSH:
      return 1;
    case BIO_CTRL_PENDING:
      return end && !end->incoming.empty() ? static_cast<long>(end->incoming.front().size()) : 0;
    case BIO_CTRL_DGRAM_SET_NEXT_TIMEOUT:
      return 1;
    default:
      return 0;  // WPENDING, DGRAM_GET_MTU_OVERHEAD (the MTU is the UDP payload), ...
  }
}

int endpoint_create(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

struct SslCtxFree {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
struct SslFree {
  void operator()(SSL* ssl) const { SSL_free(ssl); }
};
struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Free {
  void operator()(X509* x509) const { X509_free(x509); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct BioMethodFree {
  void operator()(BIO_METHOD* method) const { BIO_meth_free(method); }
};

int accept_any_certificate(int, X509_STORE_CTX*) {
  return 1;
}

// Everything made once: the BIO method and a context per side.
class OpenSslSetup {
 public:
  bool init(std::string& why) {
    method_.reset(BIO_meth_new(BIO_TYPE_SOURCE_SINK, "dtls_core_bench datagram"));
    if (!method_ || BIO_meth_set_write(method_.get(), endpoint_write) != 1 ||
        BIO_meth_set_read(method_.get(), endpoint_read) != 1 ||
        BIO_meth_set_ctrl(method_.get(), endpoint_control) != 1 ||
        BIO_meth_set_create(method_.get(), endpoint_create) != 1) {
      why = "openssl: BIO method: " + take_openssl_error();
      return false;
    }
    client_ = make_context(*certificates().client, why);
    if (!client_) return false;
    server_ = make_context(*certificates().server, why);
    return server_ != nullptr;
  }

  SSL_CTX* client() const { return client_.get(); }
  SSL_CTX* server() const { return server_.get(); }
  const BIO_METHOD* method() const { return method_.get(); }

 private:
  static std::unique_ptr<SSL_CTX, SslCtxFree> make_context(
      const secmedia::DtlsCertificate& identity, std::string& why) {
    // Through PEM: the benchmark uses only the public API of the library.
    const std::string cert_pem = identity.certificate_pem();
    const std::string key_pem = identity.private_key_pem();
    const std::unique_ptr<BIO, BioFree> cert_bio(
        BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size())));
    const std::unique_ptr<BIO, BioFree> key_bio(
        BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())));
    const std::unique_ptr<X509, X509Free> cert(
        cert_bio ? PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr) : nullptr);
    const std::unique_ptr<EVP_PKEY, PkeyFree> key(
        key_bio ? PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr) : nullptr);
    std::unique_ptr<SSL_CTX, SslCtxFree> ctx(SSL_CTX_new(DTLS_method()));
    if (!cert || !key || !ctx) {
      why = "openssl: certificate or context: " + take_openssl_error();
      return nullptr;
    }
    SSL_CTX* c = ctx.get();
    SSL_CTX_set_options(c, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_QUERY_MTU | SSL_OP_NO_TICKET);
    SSL_CTX_set_verify(c, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                       accept_any_certificate);
    // SSL_CTX_set_tlsext_use_srtp returns 0 on success.
    if (SSL_CTX_set_min_proto_version(c, DTLS1_2_VERSION) != 1 ||
        SSL_CTX_set_max_proto_version(c, DTLS1_2_VERSION) != 1 ||
        SSL_CTX_set_cipher_list(c, kCipherList) != 1 || SSL_CTX_set1_groups_list(c, kGroups) != 1 ||
        SSL_CTX_use_certificate(c, cert.get()) != 1 || SSL_CTX_use_PrivateKey(c, key.get()) != 1 ||
        SSL_CTX_set_tlsext_use_srtp(c, kSrtpProfiles) != 0) {
      why = "openssl: context setup: " + take_openssl_error();
      return nullptr;
    }
    return ctx;
  }

  std::unique_ptr<BIO_METHOD, BioMethodFree> method_;
  std::unique_ptr<SSL_CTX, SslCtxFree> client_;
  std::unique_ptr<SSL_CTX, SslCtxFree> server_;
};

const OpenSslSetup* openssl_setup(std::string& why) {
  static OpenSslSetup setup;
  static std::string error;
  static const bool ok = setup.init(error);
  why = error;
  return ok ? &setup : nullptr;
}

// One side: its SSL and its end of the link. Heap-allocated so that the BIO's pointer stays put.
struct OpenSslSide {
  Endpoint link;
  std::unique_ptr<SSL, SslFree> ssl;
  bool done = false;
  std::array<uint8_t, kExporterLength> exported{};

  bool init(SSL_CTX* ctx, const BIO_METHOD* method, bool client) {
    ssl.reset(SSL_new(ctx));
    BIO* bio = BIO_new(method);
    if (!ssl || !bio) {
      BIO_free(bio);
      return false;
    }
    BIO_set_data(bio, &link);
    BIO_up_ref(bio);
    SSL_set_bio(ssl.get(), bio, bio);  // read and write: one reference each
    if (SSL_set_mtu(ssl.get(), kMtu) <= 0) return false;
    if (client) {
      SSL_set_connect_state(ssl.get());
    } else {
      SSL_set_accept_state(ssl.get());
    }
    return true;
  }

  // False on a fatal error.
  bool step() {
    if (done) return true;
    const int result = SSL_do_handshake(ssl.get());
    if (result == 1) {
      done = true;
      return true;
    }
    const int error = SSL_get_error(ssl.get(), result);
    return error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE;
  }

  // The DTLS-SRTP part of a finished handshake: the negotiated profile, then the key export.
  bool export_keys() {
    const SRTP_PROTECTION_PROFILE* selected = SSL_get_selected_srtp_profile(ssl.get());
    return SSL_get0_peer_certificate(ssl.get()) != nullptr && selected != nullptr &&
           selected->id == kExpectedOpenSslProfile &&
           SSL_export_keying_material(ssl.get(), exported.data(), exported.size(), kExporterLabel,
                                      sizeof kExporterLabel - 1, nullptr, 0, 0) == 1;
  }
};

struct OpenSslPair {
  std::unique_ptr<OpenSslSide> client;
  std::unique_ptr<OpenSslSide> server;
};

// Hands each datagram `from` wrote to `to`, one at a time, letting `to` handle each as a UDP
// receive loop would. False on a fatal error; `moved` tells whether anything was delivered.
bool deliver(OpenSslSide& from, OpenSslSide& to, bool& moved) {
  while (!from.link.outgoing.empty()) {
    to.link.incoming.push_back(std::move(from.link.outgoing.front()));
    from.link.outgoing.pop_front();
    moved = true;
    if (!to.step()) return false;
  }
  return true;
}

std::string openssl_handshake(OpenSslPair& pair, const OpenSslSetup& setup) {
  pair.client = std::make_unique<OpenSslSide>();
  pair.server = std::make_unique<OpenSslSide>();
  OpenSslSide& client = *pair.client;
  OpenSslSide& server = *pair.server;
  if (!client.init(setup.client(), setup.method(), true) ||
      !server.init(setup.server(), setup.method(), false)) {
    return "openssl: SSL_new: " + take_openssl_error();
  }

  bool ok = client.step();  // the ClientHello
  for (int round = 0; ok && round < kMaxRounds; ++round) {
    bool moved = false;
    ok = deliver(client, server, moved) && deliver(server, client, moved);
    if (!moved) break;
  }
  if (!ok || !client.done || !server.done) {
    return std::string("openssl: handshake did not complete: client ") +
           (client.done ? "done" : "not done") + ", server " + (server.done ? "done" : "not done") +
           ": " + take_openssl_error();
  }
  if (!client.export_keys() || !server.export_keys()) {
    return "openssl: no SRTP profile or key export failed: " + take_openssl_error();
  }
  if (CRYPTO_memcmp(client.exported.data(), server.exported.data(), kExporterLength) != 0) {
    return "openssl: client and server exported different keying material";
  }
  return {};
}

// --- the benchmarks ------------------------------------------------------------------------------

void bm_ours(benchmark::State& state) {
  const secmedia::DtlsConfig client_config = ours_config(DtlsRole::client);
  const secmedia::DtlsConfig server_config = ours_config(DtlsRole::server);
  for (auto _ : state) {
    OursPair pair;
    const std::string error = ours_handshake(pair, client_config, server_config);
    if (!error.empty()) [[unlikely]] {
      state.SkipWithError(error.c_str());
      break;
    }
    benchmark::DoNotOptimize(pair.client_keys);
  }
  state.SetItemsProcessed(state.iterations());
}

void bm_openssl(benchmark::State& state) {
  std::string why;
  const OpenSslSetup* setup = openssl_setup(why);
  if (!setup) {
    state.SkipWithError(why.c_str());
    return;
  }
  for (auto _ : state) {
    OpenSslPair pair;
    const std::string error = openssl_handshake(pair, *setup);
    if (!error.empty()) [[unlikely]] {
      state.SkipWithError(error.c_str());
      break;
    }
    benchmark::DoNotOptimize(pair.client->exported);
  }
  state.SetItemsProcessed(state.iterations());
}

void register_benchmarks() {
  benchmark::RegisterBenchmark(case_name(kImplNames[0]).c_str(), bm_ours)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark(case_name(kImplNames[1]).c_str(), bm_openssl)
      ->Unit(benchmark::kMillisecond);
}

// Before measuring anything: one handshake each way, so that a broken setup fails loudly here
// rather than as a skipped row.
bool self_check() {
  if (!certificates().client || !certificates().server) {
    std::fprintf(stderr, "self-check: certificate generation failed\n");
    return false;
  }
  bool ok = true;
  {
    OursPair pair;
    const std::string error =
        ours_handshake(pair, ours_config(DtlsRole::client), ours_config(DtlsRole::server));
    if (!error.empty()) {
      std::fprintf(stderr, "self-check: %s\n", error.c_str());
      ok = false;
    }
  }
  std::string why;
  const OpenSslSetup* setup = openssl_setup(why);
  if (!setup) {
    std::fprintf(stderr, "self-check: %s\n", why.c_str());
    return false;
  }
  OpenSslPair pair;
  const std::string error = openssl_handshake(pair, *setup);
  if (!error.empty()) {
    std::fprintf(stderr, "self-check: %s\n", error.c_str());
    ok = false;
  }
  return ok;
}

using secmedia::bench::RatioReporter;

// The per-iteration time of `name` in the unit `scale` per second gives (1e9: ns, 1e3: ms).
std::optional<double> per_iteration(const RatioReporter& reporter, double scale,
                                    const std::string& name) {
  const auto seconds = reporter.seconds_per_iteration(name);
  if (!seconds) return std::nullopt;
  return *seconds * scale;
}

void print_ratio(const RatioReporter& reporter) {
  const std::optional<double> ours = per_iteration(reporter, 1e3, case_name(kImplNames[0]));
  const std::optional<double> openssl = per_iteration(reporter, 1e3, case_name(kImplNames[1]));
  // A filter may have left out one of them; there is nothing to compare then.
  if (!ours || !openssl) return;
  std::printf("# dtls-core handshake ms-per-pair ours=%.3f openssl=%.3f\n", *ours, *openssl);
  secmedia::bench::print_ratio(
      "dtls-core", "handshake",
      secmedia::bench::ratio_of(reporter.samples(case_name(kImplNames[0])),
                                reporter.samples(case_name(kImplNames[1]))),
      "openssl");
}

// glibc's count of heap bytes in use, chunk overhead included: a delta catches every allocation a
// connection keeps, OpenSSL's as well as ours.
std::optional<long long> heap_in_use() {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
  return static_cast<long long>(mallinfo2().uordblks);
#else
  return std::nullopt;
#endif
}

// kStatePairs pairs handshaken and kept alive; the heap they hold, per side. The shared contexts of
// the openssl side exist before measuring (they serve every connection); ours has one per
// connection, so they count.
template <class Pair, class Handshake>
std::optional<long long> bytes_per_connection(Handshake handshake, std::string& why) {
  std::vector<Pair> pairs(kStatePairs);  // allocated before measuring
  const std::optional<long long> before = heap_in_use();
  for (Pair& pair : pairs) {
    why = handshake(pair);
    if (!why.empty()) return std::nullopt;
  }
  const std::optional<long long> after = heap_in_use();
  if (!before || !after) return std::nullopt;
  return (*after - *before) / static_cast<long long>(2 * kStatePairs);
}

std::string format_bytes(std::optional<long long> bytes) {
  return bytes ? std::to_string(*bytes) : std::string("n/a");
}

bool print_state() {
  const secmedia::DtlsConfig client_config = ours_config(DtlsRole::client);
  const secmedia::DtlsConfig server_config = ours_config(DtlsRole::server);
  std::string why;
  const OpenSslSetup* setup = openssl_setup(why);
  if (!setup) {
    std::fprintf(stderr, "STATE: %s\n", why.c_str());
    return false;
  }
  const auto ours = [&](OursPair& pair) {
    return ours_handshake(pair, client_config, server_config);
  };
  const auto openssl = [&](OpenSslPair& pair) { return openssl_handshake(pair, *setup); };
  std::string ours_why;
  std::string openssl_why;
  const std::optional<long long> ours_bytes = bytes_per_connection<OursPair>(ours, ours_why);
  const std::optional<long long> openssl_bytes =
      bytes_per_connection<OpenSslPair>(openssl, openssl_why);
  std::printf("STATE dtls-core bytes-per-connection ours=%s openssl=%s\n",
              format_bytes(ours_bytes).c_str(), format_bytes(openssl_bytes).c_str());
  bool ok = true;
  for (const std::string* error : {&ours_why, &openssl_why}) {
    if (!error->empty()) {
      std::fprintf(stderr, "STATE: %s\n", error->c_str());
      ok = false;
    }
  }
  return ok;
}

bool listing_only(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--benchmark_list_tests" || arg == "--benchmark_list_tests=true" ||
        arg == "--benchmark_list_tests=1") {
      return true;
    }
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  const bool list_only = listing_only(argc, argv);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;

  if (!list_only && !self_check()) return 1;
  register_benchmarks();

  RatioReporter reporter(benchmark::CreateDefaultDisplayReporter());
  benchmark::RunSpecifiedBenchmarks(&reporter);
  std::fflush(stdout);
  bool ok = !reporter.failed();
  if (!list_only) {
    print_ratio(reporter);
    ok = print_state() && ok;
  }
  benchmark::Shutdown();
  return ok ? 0 : 1;
}
