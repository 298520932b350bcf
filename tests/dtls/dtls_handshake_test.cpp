// Two DtlsConnections through a simulated network: every DTLS-SRTP profile, both roles, loss,
// reordering, duplication, a small MTU, fingerprints that match and that do not, no common profile,
// timeouts, close_notify, application data, plain DTLS and the cookie exchange.
#include <gtest/gtest.h>

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
