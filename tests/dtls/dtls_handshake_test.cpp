// SPDX-License-Identifier: LGPL-2.1-or-later
// Two DtlsConnections through a simulated network: every DTLS-SRTP profile, both roles, loss,
// reordering, duplication, a small MTU, fingerprints that match and that do not, no common profile,
// timeouts, close_notify, application data, plain DTLS and the cookie exchange; spoofed datagrams
// from other sources and records that cannot be processed (issue 14).
#include <gtest/gtest.h>

#include <functional>
#include <random>

#include "dtls_network.h"
#include "secmedia/dtls.h"

namespace secmedia {
namespace {

using test::EventLog;
using test::NetworkConditions;
using test::SimulatedNetwork;
using namespace std::chrono_literals;

std::shared_ptr<const DtlsCertificate> certificate(
    CertificateType type = CertificateType::ecdsa_p256) {
  std::string why;
  auto cert = DtlsCertificate::generate(type, &why);
  EXPECT_NE(cert, nullptr) << why;
  return cert;
}

// Short timers: retransmissions run in real time.
DtlsConfig config(DtlsRole role, std::shared_ptr<const DtlsCertificate> cert = certificate()) {
  DtlsConfig c;
  c.role = role;
  c.certificate = std::move(cert);
  c.initial_retransmission_timeout = 20ms;
  c.max_retransmission_timeout = 160ms;
  c.max_retransmissions = 12;
  c.handshake_timeout = 20s;
  return c;
}

struct Pair {
  std::unique_ptr<DtlsConnection> client;
  std::unique_ptr<DtlsConnection> server;
  EventLog client_log;
  EventLog server_log;
  std::unique_ptr<SimulatedNetwork> network;

  Pair(const DtlsConfig& client_config, const DtlsConfig& server_config,
       NetworkConditions conditions = {}) {
    std::string why;
    client = DtlsConnection::create(client_config, &why);
    EXPECT_NE(client, nullptr) << why;
    server = DtlsConnection::create(server_config, &why);
    EXPECT_NE(server, nullptr) << why;
    network = std::make_unique<SimulatedNetwork>(*client, *server, conditions);
  }

  bool settled() {
    client_log.drain(*client);
    server_log.drain(*server);
    const auto done = [](DtlsState s) {
      return s == DtlsState::connected || s == DtlsState::failed || s == DtlsState::closed;
    };
    return done(client->state()) && done(server->state());
  }

  bool handshake(std::chrono::milliseconds limit = 15s) {
    server->start(SimulatedNetwork::now());
    client->start(SimulatedNetwork::now());
    return network->run([this] { return settled(); }, limit);
  }
};

void expect_matching_keys(const Pair& p, SrtpProfile profile) {
  ASSERT_EQ(p.client_log.keys.size(), 1u);
  ASSERT_EQ(p.server_log.keys.size(), 1u);
  const SrtpKeyingMaterial& c = p.client_log.keys[0];
  const SrtpKeyingMaterial& s = p.server_log.keys[0];
  EXPECT_EQ(c.profile, profile);
  EXPECT_EQ(s.profile, profile);
  EXPECT_EQ(c.role, DtlsRole::client);
  EXPECT_EQ(s.role, DtlsRole::server);
  EXPECT_EQ(c.local_key, s.remote_key);
  EXPECT_EQ(c.local_salt, s.remote_salt);
  EXPECT_EQ(c.remote_key, s.local_key);
  EXPECT_EQ(c.remote_salt, s.local_salt);
  EXPECT_NE(c.local_key, c.remote_key);
  EXPECT_TRUE(c.valid());
}

class DtlsSrtpProfiles : public ::testing::TestWithParam<SrtpProfile> {};

TEST_P(DtlsSrtpProfiles, HandshakeExportsTheSameKeysOnBothSides) {
  DtlsConfig client_config = config(DtlsRole::client);
  DtlsConfig server_config = config(DtlsRole::server);
  // The client prefers the profile under test; the server accepts all four.
  client_config.srtp_profiles = {GetParam()};
  Pair p(client_config, server_config);
  ASSERT_TRUE(p.handshake());
  ASSERT_EQ(p.client->state(), DtlsState::connected) << p.client->failure_reason();
  ASSERT_EQ(p.server->state(), DtlsState::connected) << p.server->failure_reason();
  expect_matching_keys(p, GetParam());
  EXPECT_EQ(p.client->srtp_profile(), GetParam());
  EXPECT_EQ(p.client_log.states,
            (std::vector<DtlsState>{DtlsState::connecting, DtlsState::connected}));
  // The peer's certificate is reported before the connection counts as connected.
  ASSERT_EQ(p.client_log.peer_fingerprints.size(), 1u);
  EXPECT_LT(p.client_log.certificate_position, p.client_log.connected_position);
  EXPECT_TRUE(p.client_log.peer_fingerprints[0].matches(
      p.server->peer_certificate_pem().empty()
          ? Fingerprint{}
          : *fingerprint_of_pem(p.client->peer_certificate_pem(), FingerprintAlgorithm::sha256)));
}

INSTANTIATE_TEST_SUITE_P(
    Rfc5764AndRfc7714, DtlsSrtpProfiles,
    ::testing::Values(SrtpProfile::aead_aes_128_gcm, SrtpProfile::aead_aes_256_gcm,
                      SrtpProfile::aes_cm_128_hmac_sha1_80, SrtpProfile::aes_cm_128_hmac_sha1_32),
    [](const auto& test_info) { return std::string(profile_info(test_info.param).name); });

TEST(DtlsHandshake, DefaultPreferenceIsAes128Gcm) {
  Pair p(config(DtlsRole::client), config(DtlsRole::server));
  ASSERT_TRUE(p.handshake());
  expect_matching_keys(p, SrtpProfile::aead_aes_128_gcm);
  EXPECT_TRUE(p.client->stats().handshake_duration.has_value());
}

// The keys carry the generation the caller gave the handshake (it counts an association's
// handshakes); 0 is refused, so no key ever has a generation below the first.
TEST(DtlsHandshake, KeysCarryTheConfiguredGeneration) {
  DtlsConfig client_config = config(DtlsRole::client), server_config = config(DtlsRole::server);
  client_config.key_generation = 3;
  server_config.key_generation = 3;
  Pair p(client_config, server_config);
  ASSERT_TRUE(p.handshake());
  EXPECT_EQ(p.client->keying_material()->generation, 3u);
  EXPECT_EQ(p.server->keying_material()->generation, 3u);
  client_config.key_generation = 0;
  std::string why;
  EXPECT_EQ(DtlsConnection::create(client_config, &why), nullptr);
  EXPECT_NE(why.find("generation"), std::string::npos) << why;
}

struct LossyCase {
  const char* name;
  NetworkConditions conditions;
  size_t mtu;
};

class DtlsLossyNetwork : public ::testing::TestWithParam<LossyCase> {};

TEST_P(DtlsLossyNetwork, HandshakeCompletesAndEveryDatagramFitsTheMtu) {
  DtlsConfig client_config = config(DtlsRole::client, certificate(CertificateType::rsa_2048));
  DtlsConfig server_config = config(DtlsRole::server, certificate(CertificateType::rsa_2048));
  client_config.mtu = server_config.mtu = GetParam().mtu;
  Pair p(client_config, server_config, GetParam().conditions);
  ASSERT_TRUE(p.handshake(30s));
  ASSERT_EQ(p.client->state(), DtlsState::connected) << p.client->failure_reason();
  ASSERT_EQ(p.server->state(), DtlsState::connected) << p.server->failure_reason();
  expect_matching_keys(p, SrtpProfile::aead_aes_128_gcm);
  for (const auto& [from, datagram] : p.network->sent()) {
    EXPECT_LE(datagram.size(), GetParam().mtu) << "from " << from;
  }
}

INSTANTIATE_TEST_SUITE_P(SeededNetworks, DtlsLossyNetwork,
                         ::testing::Values(LossyCase{"loss30_seed1", {0.3, 0, 0, 1}, 1200},
                                           LossyCase{"loss30_seed2", {0.3, 0, 0, 2}, 1200},
                                           LossyCase{"loss30_seed3", {0.3, 0, 0, 3}, 1200},
                                           LossyCase{
                                               "reorder_and_duplicate", {0, 0.3, 0.3, 4}, 1200},
                                           LossyCase{"mtu576_loss10", {0.1, 0.1, 0.1, 5}, 576},
                                           LossyCase{"mtu256", {0, 0, 0, 6}, 256}),
                         [](const auto& test_info) { return std::string(test_info.param.name); });

TEST(DtlsFingerprints, MatchingFingerprintsConnect) {
  auto client_cert = certificate();
  auto server_cert = certificate();
  DtlsConfig client_config = config(DtlsRole::client, client_cert);
  DtlsConfig server_config = config(DtlsRole::server, server_cert);
  client_config.peer_fingerprints = {server_cert->fingerprint(FingerprintAlgorithm::sha256)};
  server_config.peer_fingerprints = {
      client_cert->fingerprint(FingerprintAlgorithm::sha1),  // any of several may match
      client_cert->fingerprint(FingerprintAlgorithm::sha512)};
  Pair p(client_config, server_config);
  ASSERT_TRUE(p.handshake());
  EXPECT_EQ(p.client->state(), DtlsState::connected) << p.client->failure_reason();
  EXPECT_EQ(p.server->state(), DtlsState::connected) << p.server->failure_reason();
}

TEST(DtlsFingerprints, MismatchFailsWithAMessageNamingBoth) {
  auto server_cert = certificate();
  auto impostor = certificate();
  DtlsConfig client_config = config(DtlsRole::client);
  client_config.peer_fingerprints = {impostor->fingerprint()};
  Pair p(client_config, config(DtlsRole::server, server_cert));
  ASSERT_TRUE(p.handshake());
  EXPECT_EQ(p.client->state(), DtlsState::failed);
  const std::string& reason = p.client->failure_reason();
  EXPECT_NE(reason.find(server_cert->fingerprint().to_string()), std::string::npos) << reason;
  EXPECT_NE(reason.find(impostor->fingerprint().to_string()), std::string::npos) << reason;
  EXPECT_TRUE(p.client_log.keys.empty()) << "no keys from an unverified peer";
  // The server learns from the client's alert.
  EXPECT_EQ(p.server->state(), DtlsState::failed);
  EXPECT_NE(p.server->failure_reason().find("alert"), std::string::npos)
      << p.server->failure_reason();
}

// Fingerprints that arrive after the handshake started (webrtcbin: the peer's ClientHello or its
// second flight can come before the remote SDP is applied): the certificate is only accepted once
// they are known, and checked against them.
class DtlsLateFingerprints : public ::testing::TestWithParam<DtlsRole> {};

struct LateFingerprintPair {
  std::shared_ptr<const DtlsCertificate> client_cert = certificate();
  std::shared_ptr<const DtlsCertificate> server_cert = certificate();
  DtlsRole waiting;
  std::unique_ptr<Pair> pair;

  explicit LateFingerprintPair(DtlsRole waiting_role,
                               std::chrono::milliseconds timeout = std::chrono::seconds(20))
      : waiting(waiting_role) {
    DtlsConfig client_config = config(DtlsRole::client, client_cert);
    DtlsConfig server_config = config(DtlsRole::server, server_cert);
    DtlsConfig& late = waiting == DtlsRole::client ? client_config : server_config;
    late.await_peer_fingerprints = true;
    late.handshake_timeout = timeout;
    pair = std::make_unique<Pair>(client_config, server_config);
  }
  DtlsConnection& late() { return waiting == DtlsRole::client ? *pair->client : *pair->server; }
  DtlsConnection& other() { return waiting == DtlsRole::client ? *pair->server : *pair->client; }
  EventLog& late_log() { return waiting == DtlsRole::client ? pair->client_log : pair->server_log; }
  Fingerprint true_peer_fingerprint() {
    return (waiting == DtlsRole::client ? server_cert : client_cert)->fingerprint();
  }
  // Runs the handshake until the waiting side has held the datagrams carrying the certificate.
  void run_until_held() {
    pair->server->start(SimulatedNetwork::now());
    pair->client->start(SimulatedNetwork::now());
    // Long enough for several retransmissions of every flight (timers of 20 ms and up).
    pair->network->run(
        [this] {
          pair->settled();
          return false;
        },
        std::chrono::milliseconds(400));
  }
};

TEST_P(DtlsLateFingerprints, HandshakeWaitsThenConnectsWithTheRightOne) {
  LateFingerprintPair p(GetParam());
  p.run_until_held();
  EXPECT_TRUE(p.late().awaiting_peer_fingerprints());
  EXPECT_EQ(p.late().state(), DtlsState::connecting);
  EXPECT_FALSE(p.late().keying_material()) << "no key before the peer is verified";
  EXPECT_TRUE(p.late_log().peer_fingerprints.empty());
  const Fingerprint other_algorithm =
      (p.waiting == DtlsRole::client ? p.server_cert : p.client_cert)
          ->fingerprint(FingerprintAlgorithm::sha384);
  // Several fingerprints (RFC 8122 §5): one of them matching is enough.
  p.late().set_peer_fingerprints({certificate()->fingerprint(), other_algorithm},
                                 SimulatedNetwork::now());
  EXPECT_FALSE(p.late().awaiting_peer_fingerprints());
  ASSERT_TRUE(p.pair->network->run([&] { return p.pair->settled(); }, 15s));
  EXPECT_EQ(p.pair->client->state(), DtlsState::connected) << p.pair->client->failure_reason();
  EXPECT_EQ(p.pair->server->state(), DtlsState::connected) << p.pair->server->failure_reason();
  expect_matching_keys(*p.pair, SrtpProfile::aead_aes_128_gcm);
}

TEST_P(DtlsLateFingerprints, AWrongFingerprintFailsNamingBothAndExportsNoKey) {
  LateFingerprintPair p(GetParam());
  p.run_until_held();
  const Fingerprint impostor = certificate()->fingerprint();
  p.late().set_peer_fingerprints({impostor}, SimulatedNetwork::now());
  ASSERT_TRUE(p.pair->network->run([&] { return p.pair->settled(); }, 15s));
  EXPECT_EQ(p.late().state(), DtlsState::failed);
  const std::string reason = p.late().failure_reason();
  EXPECT_NE(reason.find(impostor.to_string()), std::string::npos) << reason;
  EXPECT_NE(reason.find(p.true_peer_fingerprint().to_string()), std::string::npos) << reason;
  EXPECT_TRUE(p.late_log().keys.empty());
  EXPECT_FALSE(p.late().keying_material());
  EXPECT_NE(p.other().state(), DtlsState::connected);
}

TEST_P(DtlsLateFingerprints, ADescriptionWithoutFingerprintFails) {
  LateFingerprintPair p(GetParam());
  p.run_until_held();
  p.late().set_peer_fingerprints({}, SimulatedNetwork::now());
  p.pair->settled();
  EXPECT_EQ(p.late().state(), DtlsState::failed);
  EXPECT_NE(p.late().failure_reason().find("no certificate fingerprint"), std::string::npos)
      << p.late().failure_reason();
  EXPECT_TRUE(p.late_log().keys.empty());
}

TEST_P(DtlsLateFingerprints, FingerprintsThatNeverComeFailInBoundedTime) {
  LateFingerprintPair p(GetParam(), std::chrono::milliseconds(600));
  p.pair->server->start(SimulatedNetwork::now());
  p.pair->client->start(SimulatedNetwork::now());
  p.pair->network->run(
      [&] {
        p.pair->settled();
        return p.late().state() == DtlsState::failed;
      },
      10s);
  EXPECT_EQ(p.late().state(), DtlsState::failed);
  EXPECT_NE(p.late().failure_reason().find("remote description was never set"), std::string::npos)
      << p.late().failure_reason();
  EXPECT_TRUE(p.late_log().keys.empty());
}

INSTANTIATE_TEST_SUITE_P(Roles, DtlsLateFingerprints,
                         ::testing::Values(DtlsRole::client, DtlsRole::server),
                         [](const auto& test_info) {
                           return test_info.param == DtlsRole::client ? std::string("client")
                                                                      : std::string("server");
                         });

TEST(DtlsSrtpNegotiation, NoCommonProfileFailsClearlyOnBothSides) {
  DtlsConfig client_config = config(DtlsRole::client);
  DtlsConfig server_config = config(DtlsRole::server);
  client_config.srtp_profiles = {SrtpProfile::aead_aes_256_gcm};
  server_config.srtp_profiles = {SrtpProfile::aes_cm_128_hmac_sha1_80};
  Pair p(client_config, server_config);
  ASSERT_TRUE(p.handshake());
  for (DtlsConnection* c : {p.client.get(), p.server.get()}) {
    EXPECT_EQ(c->state(), DtlsState::failed);
    EXPECT_NE(c->failure_reason().find("no SRTP protection profile"), std::string::npos)
        << c->failure_reason();
  }
  EXPECT_TRUE(p.client_log.keys.empty());
}

TEST(DtlsPlain, ApplicationDataBothWaysWithoutSrtp) {
  DtlsConfig client_config = config(DtlsRole::client);
  DtlsConfig server_config = config(DtlsRole::server);
  client_config.srtp_profiles.clear();
  server_config.srtp_profiles.clear();
  Pair p(client_config, server_config);
  ASSERT_TRUE(p.handshake());
  ASSERT_EQ(p.client->state(), DtlsState::connected) << p.client->failure_reason();
  EXPECT_TRUE(p.client_log.keys.empty());
  EXPECT_EQ(p.client->srtp_profile(), std::nullopt);
  const std::vector<uint8_t> hello{'h', 'e', 'l', 'l', 'o'};
  const std::vector<uint8_t> big(p.client->max_application_data(), 0x5a);
  ASSERT_TRUE(p.client->send(hello));
  ASSERT_TRUE(p.server->send(big));
  EXPECT_FALSE(p.server->send(std::vector<uint8_t>(p.client->max_application_data() + 1, 1)));
  p.network->run(
      [&] {
        p.settled();
        return !p.server_log.data.empty() && !p.client_log.data.empty();
      },
      5s);
  ASSERT_EQ(p.server_log.data.size(), 1u);
  EXPECT_EQ(p.server_log.data[0], hello);
  ASSERT_EQ(p.client_log.data.size(), 1u);
  EXPECT_EQ(p.client_log.data[0], big);
}

TEST(DtlsSrtpNegotiation, ApplicationDataAlsoFlowsBesideSrtp) {
  Pair p(config(DtlsRole::client), config(DtlsRole::server));
  ASSERT_TRUE(p.handshake());
  const std::vector<uint8_t> message{1, 2, 3};
  ASSERT_TRUE(p.server->send(message));
  p.network->run(
      [&] {
        p.settled();
        return !p.client_log.data.empty();
      },
      5s);
  ASSERT_EQ(p.client_log.data.size(), 1u);
  EXPECT_EQ(p.client_log.data[0], message);
}

TEST(DtlsClose, CloseNotifyEndsBothSides) {
  Pair p(config(DtlsRole::client), config(DtlsRole::server));
  ASSERT_TRUE(p.handshake());
  p.client->close(SimulatedNetwork::now());
  EXPECT_EQ(p.client->state(), DtlsState::closed);
  p.network->run([&] { return p.settled() && p.server->state() == DtlsState::closed; }, 5s);
  EXPECT_EQ(p.server->state(), DtlsState::closed);
  EXPECT_NE(p.server_log.reasons.back().find("close_notify"), std::string::npos);
  EXPECT_FALSE(p.server->send(std::vector<uint8_t>{1}));
  // The state change says who closed, so no caller has to read the reason's text.
  p.client_log.drain(*p.client);
  EXPECT_TRUE(p.server_log.by_peer.back());
  EXPECT_EQ(p.client_log.states.back(), DtlsState::closed);
  EXPECT_FALSE(p.client_log.by_peer.back());
}

TEST(DtlsTimeouts, RetransmissionLimitFailsWithAReason) {
  DtlsConfig client_config = config(DtlsRole::client);
  client_config.max_retransmissions = 2;
  Pair p(client_config, config(DtlsRole::server));
  p.network->drop_everything_from(0);
  p.server->start(SimulatedNetwork::now());
  p.client->start(SimulatedNetwork::now());
  p.network->run(
      [&] {
        p.settled();
        return p.client->state() == DtlsState::failed;
      },
      10s);
  EXPECT_EQ(p.client->state(), DtlsState::failed);
  EXPECT_NE(p.client->failure_reason().find("after 2 retransmissions"), std::string::npos)
      << p.client->failure_reason();
  // The first flight and exactly two retransmissions of it went out.
  EXPECT_EQ(p.client->stats().retransmissions, 3u) << "the third timeout found the limit";
}

TEST(DtlsTimeouts, HandshakeTimeoutFailsWithAReason) {
  DtlsConfig client_config = config(DtlsRole::client);
  client_config.handshake_timeout = 300ms;
  Pair p(client_config, config(DtlsRole::server));
  p.network->drop_everything_from(0);
  p.client->start(SimulatedNetwork::now());
  p.network->run(
      [&] {
        p.settled();
        return p.client->state() == DtlsState::failed;
      },
      5s);
  EXPECT_EQ(p.client->state(), DtlsState::failed);
  EXPECT_NE(p.client->failure_reason().find("did not complete within 0.300 s"), std::string::npos)
      << p.client->failure_reason();
}

TEST(DtlsCookie, ServerAnswersTheFirstClientHelloWithAHelloVerifyRequest) {
  DtlsConfig server_config = config(DtlsRole::server);
  server_config.cookie_exchange = true;
  Pair p(config(DtlsRole::client), server_config);
  ASSERT_TRUE(p.handshake());
  ASSERT_EQ(p.client->state(), DtlsState::connected) << p.client->failure_reason();
  ASSERT_EQ(p.server->state(), DtlsState::connected) << p.server->failure_reason();
  // The server's first datagram is a handshake record (22) carrying HelloVerifyRequest (type 3).
  for (const auto& [from, datagram] : p.network->sent()) {
    if (from != 1) continue;
    ASSERT_GT(datagram.size(), 13u);
    EXPECT_EQ(datagram[0], 22);
    EXPECT_EQ(datagram[13], 3);
    break;
  }
}

TEST(DtlsBadInput, GarbageIsCountedAndChangesNothing) {
  Pair p(config(DtlsRole::client), config(DtlsRole::server));
  p.server->start(SimulatedNetwork::now());
  p.server->handle_datagram(std::vector<uint8_t>{0x80, 1, 2, 3}, SimulatedNetwork::now());
  p.server->handle_datagram(std::vector<uint8_t>{}, SimulatedNetwork::now());
  EXPECT_EQ(p.server->stats().datagrams_rejected, 2u);
  ASSERT_TRUE(p.handshake());
  EXPECT_EQ(p.server->state(), DtlsState::connected) << p.server->failure_reason();
}

// --- Spoofed and unprocessable traffic (issue 14) ---------------------------------------------

// A DTLS record (RFC 6347 §4.1) of `type` in `epoch` around `body`.
std::vector<uint8_t> record(uint8_t type, uint16_t epoch, const std::vector<uint8_t>& body,
                            uint8_t sequence = 7) {
  std::vector<uint8_t> r = {type,
                            0xfe,
                            0xfd,
                            static_cast<uint8_t>(epoch >> 8),
                            static_cast<uint8_t>(epoch),
                            0,
                            0,
                            0,
                            0,
                            0,
                            sequence,
                            static_cast<uint8_t>(body.size() >> 8),
                            static_cast<uint8_t>(body.size())};
  r.insert(r.end(), body.begin(), body.end());
  return r;
}

// A handshake fragment (RFC 6347 §4.2.2) claiming a message of `length` octets.
std::vector<uint8_t> handshake_fragment(uint8_t type, uint32_t length, uint16_t message_seq,
                                        const std::vector<uint8_t>& fragment) {
  const auto u24 = [](uint32_t v) {
    return std::vector<uint8_t>{static_cast<uint8_t>(v >> 16), static_cast<uint8_t>(v >> 8),
                                static_cast<uint8_t>(v)};
  };
  std::vector<uint8_t> h = {type};
  for (uint8_t b : u24(length)) h.push_back(b);
  h.push_back(static_cast<uint8_t>(message_seq >> 8));
  h.push_back(static_cast<uint8_t>(message_seq));
  for (uint8_t b : u24(0)) h.push_back(b);
  for (uint8_t b : u24(static_cast<uint32_t>(fragment.size()))) h.push_back(b);
  h.insert(h.end(), fragment.begin(), fragment.end());
  return h;
}

// A genuine ClientHello, from a client engine that is not the one the server will talk to.
std::vector<uint8_t> foreign_client_hello() {
  auto other = DtlsConnection::create(config(DtlsRole::client));
  other->start(SimulatedNetwork::now());
  auto hello = other->poll_datagram();
  EXPECT_TRUE(hello.has_value());
  return hello.value_or(std::vector<uint8_t>{});
}

std::vector<uint8_t> spoofed_source(uint32_t n) {
  return {'x', static_cast<uint8_t>(n >> 16), static_cast<uint8_t>(n >> 8),
          static_cast<uint8_t>(n)};
}

DtlsConfig cookie_server() {
  DtlsConfig c = config(DtlsRole::server);
  c.cookie_exchange = true;
  return c;
}

// Runs the handshake, calling `meddle` once, right after the server has begun its handshake (it
// has answered the client's ClientHello with its flight), i.e. in the middle of it.
bool handshake_with_meddling(Pair& p, const std::function<void()>& meddle) {
  p.server->start(SimulatedNetwork::now());
  p.client->start(SimulatedNetwork::now());
  bool done = false;
  return p.network->run(
      [&] {
        if (!done && p.server->stats().datagrams_sent > p.server->stats().hello_verify_requests) {
          done = true;
          meddle();
        }
        return p.settled();
      },
      15s);
}

void expect_both_connected(Pair& p) {
  EXPECT_EQ(p.client->state(), DtlsState::connected) << p.client->failure_reason();
  EXPECT_EQ(p.server->state(), DtlsState::connected) << p.server->failure_reason();
  expect_matching_keys(p, SrtpProfile::aead_aes_128_gcm);
}

// Pins: a spoofed ClientHello before the real client's failed its handshake ("bad signature").
TEST(DtlsSpoofing, AClientHelloFromAnotherSourceBeforeTheRealOneDoesNotTakeTheServer) {
  Pair p(config(DtlsRole::client), cookie_server());
  p.server->start(SimulatedNetwork::now());
  // Its HelloVerifyRequest goes where the server's datagrams go: to the real client.
  p.network->deliver_from(1, foreign_client_hello(), spoofed_source(1));
  ASSERT_TRUE(p.handshake());
  expect_both_connected(p);
  EXPECT_GE(p.server->stats().hello_verify_requests, 2u);
}

// Pins: a flood of ClientHellos from other ports made the real client's handshake fail.
TEST(DtlsSpoofing, AClientHelloFloodFromOtherSourcesDoesNotStopTheRealClient) {
  Pair p(config(DtlsRole::client), cookie_server());
  const std::vector<uint8_t> hello = foreign_client_hello();
  constexpr uint32_t kFlood = 2000;
  uint32_t sent = 0;
  p.server->start(SimulatedNetwork::now());
  for (; sent < 100; ++sent) p.network->deliver_from(1, hello, spoofed_source(sent));
  p.client->start(SimulatedNetwork::now());
  // The rest arrive one per network step, through the whole real handshake. (The simulated
  // network is one queue: at a faster pace the server's answers to the flood, which go to the
  // real client as they would on a fixed path, would hold the client's datagrams back.)
  ASSERT_TRUE(p.network->run(
      [&] {
        if (sent < kFlood) p.network->deliver_from(1, hello, spoofed_source(sent++));
        if (!p.settled()) return false;
        while (sent < kFlood) p.network->deliver_from(1, hello, spoofed_source(sent++));
        return true;
      },
      15s));
  expect_both_connected(p);
  const DtlsStats stats = p.server->stats();
  // Before the real client's cookie came back each got a stateless HelloVerifyRequest; after it,
  // until the handshake completed, they were ignored unread.
  EXPECT_GE(stats.hello_verify_requests, 100u);
  EXPECT_GT(stats.datagrams_from_other_sources, 0u);
  EXPECT_EQ(stats.datagrams_rejected, 0u);
}

// Pins: a ClientHello or fatal alert from another source mid-handshake went into it (and ended it).
TEST(DtlsSpoofing, DatagramsFromOtherSourcesDuringTheHandshakeAreIgnoredAndCounted) {
  Pair p(config(DtlsRole::client), config(DtlsRole::server));
  ASSERT_TRUE(handshake_with_meddling(p, [&] {
    const auto stranger = spoofed_source(7);
    p.network->deliver_from(1, foreign_client_hello(), stranger);
    p.network->deliver_from(1, record(21, 0, {2, 40}), stranger);  // fatal handshake_failure
    p.network->deliver_from(0, record(21, 0, {2, 40}), stranger);
  }));
  expect_both_connected(p);
  EXPECT_EQ(p.server->stats().datagrams_from_other_sources, 2u);
  EXPECT_EQ(p.client->stats().datagrams_from_other_sources, 1u);
}

// Pins: one epoch-0 application-data record before the handshake failed it ("unexpected record").
TEST(DtlsUnprocessableRecords, EpochZeroApplicationDataBeforeTheHandshakeIsDiscarded) {
  Pair p(config(DtlsRole::client), cookie_server());
  const std::vector<uint8_t> data = record(23, 0, {1, 2, 3, 4});
  p.server->start(SimulatedNetwork::now());
  p.network->deliver_from(1, data, SimulatedNetwork::source_of(0));  // before any ClientHello
  ASSERT_TRUE(handshake_with_meddling(p, [&] {
    // From the very sources the handshake is bound to.
    p.network->deliver_from(1, data, SimulatedNetwork::source_of(0));
    p.network->deliver_from(0, data, SimulatedNetwork::source_of(1));
  }));
  expect_both_connected(p);
  EXPECT_EQ(p.server->stats().records_discarded, 2u);
  EXPECT_EQ(p.client->stats().records_discarded, 1u);
}

// Pins: a fragment claiming a 16 MB handshake message failed the handshake ("unknown error").
TEST(DtlsUnprocessableRecords, AFragmentOfAnOversizedHandshakeMessageIsDiscarded) {
  Pair p(config(DtlsRole::client), config(DtlsRole::server));
  constexpr uint32_t k16MB = 1u << 24;
  ASSERT_TRUE(handshake_with_meddling(p, [&] {
    for (uint16_t message_seq : {0, 1, 2}) {
      p.network->deliver_from(1, record(22, 0, handshake_fragment(11, k16MB, message_seq, {1, 2})),
                              SimulatedNetwork::source_of(0));
      p.network->deliver_from(0, record(22, 0, handshake_fragment(11, k16MB, message_seq, {1, 2})),
                              SimulatedNetwork::source_of(1));
    }
    // One within the limit but claiming more than the message holds does not frame either.
    p.network->deliver_from(1,
                            record(22, 0, handshake_fragment(16, 10, 1, std::vector<uint8_t>(20))),
                            SimulatedNetwork::source_of(0));
  }));
  expect_both_connected(p);
  EXPECT_EQ(p.server->stats().records_discarded, 4u);
  EXPECT_EQ(p.client->stats().records_discarded, 3u);
}

// Pins: a failure OpenSSL gave no reason for read "DTLS handshake failed: unknown error".
// A close_notify from the server in the middle of the handshake ends it, saying so.
TEST(DtlsUnprocessableRecords, AFailureAlwaysSaysWhatWentWrong) {
  Pair p(config(DtlsRole::client), config(DtlsRole::server));
  ASSERT_TRUE(handshake_with_meddling(p, [&] {
    p.network->deliver_from(0, record(21, 0, {1, 0}), SimulatedNetwork::source_of(1));
  }));
  EXPECT_EQ(p.client->state(), DtlsState::failed);
  EXPECT_NE(p.client->failure_reason().find("close_notify"), std::string::npos)
      << p.client->failure_reason();
  for (DtlsConnection* c : {p.client.get(), p.server.get()}) {
    EXPECT_EQ(c->failure_reason().find("unknown error"), std::string::npos) << c->failure_reason();
  }
}

// Pins: after connecting, 541 garbage datagrams OpenSSL discarded left datagrams_rejected at 0.
TEST(DtlsUnprocessableRecords, GarbageAfterConnectingIsCountedAsRejected) {
  Pair p(config(DtlsRole::client), config(DtlsRole::server));
  ASSERT_TRUE(p.handshake());
  expect_both_connected(p);
  const uint64_t before = p.server->stats().datagrams_rejected;
  std::mt19937 random(14);
  constexpr int kGarbage = 541;
  for (int i = 0; i < kGarbage; ++i) {
    std::vector<uint8_t> datagram;
    if (i % 2 == 0) {
      // Bytes that look like DTLS by their first octet (RFC 7983) and nothing more.
      datagram.resize(1 + random() % 300);
      for (auto& b : datagram) b = static_cast<uint8_t>(random());
      datagram[0] = static_cast<uint8_t>(20 + random() % 44);
    } else {
      // Well-framed epoch-1 application data that fails its authentication (RFC 6347 §4.1.2.7).
      std::vector<uint8_t> body(40 + random() % 100);
      for (auto& b : body) b = static_cast<uint8_t>(random());
      datagram = record(23, 1, body, static_cast<uint8_t>(100 + i % 100));
    }
    p.network->deliver_from(1, datagram, SimulatedNetwork::source_of(0));
  }
  EXPECT_EQ(p.server->stats().datagrams_rejected - before, static_cast<uint64_t>(kGarbage));
  EXPECT_EQ(p.server->state(), DtlsState::connected);
  // The association still carries data.
  const std::vector<uint8_t> message{9, 8, 7};
  ASSERT_TRUE(p.client->send(message));
  p.network->run(
      [&] {
        p.settled();
        return !p.server_log.data.empty();
      },
      5s);
  ASSERT_EQ(p.server_log.data.size(), 1u);
  EXPECT_EQ(p.server_log.data[0], message);
}

TEST(DtlsCookie, CompletesThroughLossDuplicationAndReordering) {
  for (uint32_t seed : {11u, 12u, 13u}) {
    Pair p(config(DtlsRole::client), cookie_server(), NetworkConditions{0.3, 0.2, 0.2, seed});
    ASSERT_TRUE(p.handshake(30s)) << "seed " << seed;
    expect_both_connected(p);
  }
}

TEST(DtlsConfigValidation, RefusesWithAReason) {
  std::string why;
  DtlsConfig c = config(DtlsRole::client);
  c.certificate = nullptr;
  EXPECT_EQ(DtlsConnection::create(c, &why), nullptr);
  EXPECT_NE(why.find("certificate"), std::string::npos);
  c = config(DtlsRole::client);
  c.mtu = 100;
  EXPECT_EQ(DtlsConnection::create(c, &why), nullptr);
  EXPECT_NE(why.find("MTU"), std::string::npos);
  c = config(DtlsRole::client);
  c.srtp_profiles = {SrtpProfile::aes_256_cm_hmac_sha1_80};
  EXPECT_EQ(DtlsConnection::create(c, &why), nullptr);
  EXPECT_NE(why.find("cannot be negotiated"), std::string::npos) << why;
  c = config(DtlsRole::client);
  c.max_retransmissions = 13;
  EXPECT_EQ(DtlsConnection::create(c, &why), nullptr);
}

}  // namespace
}  // namespace secmedia
