// SPDX-License-Identifier: LGPL-2.1-or-later
// Interop with OpenSSL's command line (shared/PEERS.md §1): our engine over UDP on 127.0.0.1
// against `openssl s_server` and `openssl s_client`, both roles, every DTLS-SRTP profile. The
// keying material we export must equal the "Keying material" OpenSSL prints; plain DTLS carries
// application data both ways; a peer with no common SRTP profile fails the handshake with a clear
// reason.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "secmedia/dtls.h"

namespace secmedia {
namespace {

using namespace std::chrono_literals;

DtlsTime now() {
  return std::chrono::duration_cast<DtlsTime>(std::chrono::steady_clock::now().time_since_epoch());
}

class UdpSocket {
 public:
  explicit UdpSocket(uint16_t port = 0) {
    fd_ = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
  }
  ~UdpSocket() { ::close(fd_); }
  uint16_t port() const {
    sockaddr_in address{};
    socklen_t length = sizeof address;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    return ntohs(address.sin_port);
  }
  void send_to(const std::vector<uint8_t>& data, const sockaddr_in& to) {
    sendto(fd_, data.data(), data.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
  }
  std::optional<std::vector<uint8_t>> receive(std::chrono::milliseconds wait, sockaddr_in& from) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(wait.count())) <= 0) return std::nullopt;
    std::vector<uint8_t> buffer(65536);
    socklen_t length = sizeof from;
    const ssize_t n =
        recvfrom(fd_, buffer.data(), buffer.size(), 0, reinterpret_cast<sockaddr*>(&from), &length);
    if (n < 0) return std::nullopt;
    buffer.resize(static_cast<size_t>(n));
    return buffer;
  }

 private:
  int fd_;
};

uint16_t free_udp_port() {
  return UdpSocket().port();
}

sockaddr_in loopback(uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  return address;
}

std::string hex_upper(const std::vector<uint8_t>& bytes) {
  static const char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

// RFC 5764 §4.2 layout: client key | server key | client salt | server salt.
std::vector<uint8_t> exporter_output(const SrtpKeyingMaterial& k) {
  const bool client = k.role == DtlsRole::client;
  std::vector<uint8_t> out;
  for (const auto* part :
       {client ? &k.local_key : &k.remote_key, client ? &k.remote_key : &k.local_key,
        client ? &k.local_salt : &k.remote_salt, client ? &k.remote_salt : &k.local_salt}) {
    out.insert(out.end(), part->begin(), part->end());
  }
  return out;
}

struct PeerFiles {
  std::string dir;
  PeerFiles() {
    char templ[] = "/tmp/secmedia-openssl-XXXXXX";
    dir = mkdtemp(templ);
    auto cert = DtlsCertificate::generate(CertificateType::ecdsa_p256);
    std::ofstream(dir + "/peer.crt") << cert->certificate_pem();
    std::ofstream(dir + "/peer.key") << cert->private_key_pem();
  }
  ~PeerFiles() { std::system(("rm -rf " + dir).c_str()); }
};

// An OpenSSL command running in the background; its output is collected when it ends.
class OpenSslPeer {
 public:
  explicit OpenSslPeer(const std::string& command) { pipe_ = popen(command.c_str(), "r"); }
  ~OpenSslPeer() { finish(); }
  std::string finish() {
    if (pipe_) {
      std::array<char, 4096> buffer;
      size_t n;
      while ((n = fread(buffer.data(), 1, buffer.size(), pipe_)) > 0)
        output_.append(buffer.data(), n);
      pclose(pipe_);
      pipe_ = nullptr;
    }
    return output_;
  }

 private:
  FILE* pipe_ = nullptr;
  std::string output_;
};

struct Outcome {
  DtlsState state = DtlsState::fresh;
  std::string failure;
  std::optional<SrtpKeyingMaterial> keys;
  std::string received;
};

// Runs our connection over UDP against `peer_port` (client), or answers whoever writes first
// (server), until it is closed or failed, or "hello" arrived and `message` went out, or `limit`
// passes. (s_client sends close_notify at the end of its input; s_server 3.0 in DTLS mode does
// not.)
Outcome drive(DtlsConnection& connection, UdpSocket& socket, std::optional<uint16_t> peer_port,
              const std::string& message, std::chrono::milliseconds limit) {
  Outcome outcome;
  std::optional<sockaddr_in> peer;
  if (peer_port) peer = loopback(*peer_port);
  bool sent_message = false;
  connection.start(now());
  const DtlsTime deadline = now() + limit;
  while (now() < deadline) {
    while (auto datagram = connection.poll_datagram()) {
      if (peer) socket.send_to(*datagram, *peer);
    }
    while (auto event = connection.poll_event()) {
      if (auto* k = std::get_if<dtls_event::KeysReady>(&*event)) outcome.keys = k->keys;
      if (auto* d = std::get_if<dtls_event::ApplicationData>(&*event)) {
        outcome.received.append(d->data.begin(), d->data.end());
      }
    }
    if (connection.state() == DtlsState::connected && !sent_message && !message.empty()) {
      connection.send(std::vector<uint8_t>(message.begin(), message.end()));
      sent_message = true;
      continue;
    }
    if (connection.state() == DtlsState::closed || connection.state() == DtlsState::failed) break;
    if (outcome.received.find("hello") != std::string::npos && (sent_message || message.empty())) {
      break;
    }
    auto wait = 50ms;
    if (auto t = connection.next_timeout()) {
      wait =
          std::clamp(std::chrono::duration_cast<std::chrono::milliseconds>(*t - now()), 0ms, 50ms);
    }
    sockaddr_in from{};
    if (auto datagram = socket.receive(wait, from)) {
      if (!peer) peer = from;  // a server answers the address the ClientHello came from
      connection.handle_datagram(*datagram, now());
    } else if (auto t = connection.next_timeout(); t && *t <= now()) {
      connection.handle_timeout(now());
    }
  }
  outcome.state = connection.state();
  outcome.failure = connection.failure_reason();
  return outcome;
}

DtlsConfig our_config(DtlsRole role, std::vector<SrtpProfile> profiles) {
  DtlsConfig c;
  c.role = role;
  c.certificate = DtlsCertificate::generate(CertificateType::ecdsa_p256);
  c.srtp_profiles = std::move(profiles);
  c.initial_retransmission_timeout = 100ms;
  c.handshake_timeout = 10s;
  return c;
}

struct ProfileCase {
  SrtpProfile profile;
  const char* openssl_name;
};

std::string openssl_options(const PeerFiles& files, const ProfileCase* srtp) {
  std::string options = " -dtls1_2 -cert " + files.dir + "/peer.crt -key " + files.dir +
                        "/peer.key -timeout -mtu 1200";
  if (srtp) {
    options += std::string(" -use_srtp ") + srtp->openssl_name +
               " -keymatexport EXTRACTOR-dtls_srtp -keymatexportlen " +
               std::to_string(SrtpKeyingMaterial::exporter_length(srtp->profile));
  }
  return options;
}

void expect_same_keys(const Outcome& ours, const std::string& openssl_output,
                      const ProfileCase& c) {
  ASSERT_TRUE(ours.state == DtlsState::connected || ours.state == DtlsState::closed)
      << ours.failure << "\n"
      << openssl_output;
  ASSERT_TRUE(ours.keys.has_value());
  EXPECT_EQ(ours.keys->profile, c.profile);
  EXPECT_NE(
      openssl_output.find(std::string("SRTP Extension negotiated, profile=") + c.openssl_name),
      std::string::npos)
      << openssl_output;
  const std::string expected = "Keying material: " + hex_upper(exporter_output(*ours.keys));
  EXPECT_NE(openssl_output.find(expected), std::string::npos)
      << "ours: " << expected << "\nOpenSSL:\n"
      << openssl_output;
  EXPECT_NE(ours.received.find("hello"), std::string::npos) << "application data from OpenSSL";
}

class OpenSslCliInterop : public ::testing::TestWithParam<ProfileCase> {};

TEST_P(OpenSslCliInterop, OurClientAgainstSServer) {
  PeerFiles files;
  const uint16_t port = free_udp_port();
  // stdin stays open long enough for the handshake, then "hello" and EOF make s_server send the
  // data and close_notify.
  OpenSslPeer server(
      "(sleep 1; echo hello; sleep 1) | timeout 20 openssl s_server -accept 127.0.0.1:" +
      std::to_string(port) + openssl_options(files, &GetParam()) + " -verify 1 -naccept 1 2>&1");
  UdpSocket socket;
  auto connection = DtlsConnection::create(our_config(DtlsRole::client, {GetParam().profile}));
  ASSERT_NE(connection, nullptr);
  const Outcome outcome = drive(*connection, socket, port, "", 15s);
  expect_same_keys(outcome, server.finish(), GetParam());
}

TEST_P(OpenSslCliInterop, SClientAgainstOurServer) {
  PeerFiles files;
  UdpSocket socket;
  const uint16_t port = socket.port();
  OpenSslPeer client(
      "(sleep 1; echo hello; sleep 1) | timeout 20 openssl s_client -connect 127.0.0.1:" +
      std::to_string(port) + openssl_options(files, &GetParam()) + " 2>&1");
  auto connection = DtlsConnection::create(our_config(DtlsRole::server, {GetParam().profile}));
  ASSERT_NE(connection, nullptr);
  const Outcome outcome = drive(*connection, socket, std::nullopt, "", 15s);
  expect_same_keys(outcome, client.finish(), GetParam());
}

INSTANTIATE_TEST_SUITE_P(
    AllDtlsSrtpProfiles, OpenSslCliInterop,
    ::testing::Values(ProfileCase{SrtpProfile::aead_aes_128_gcm, "SRTP_AEAD_AES_128_GCM"},
                      ProfileCase{SrtpProfile::aead_aes_256_gcm, "SRTP_AEAD_AES_256_GCM"},
                      ProfileCase{SrtpProfile::aes_cm_128_hmac_sha1_80, "SRTP_AES128_CM_SHA1_80"},
                      ProfileCase{SrtpProfile::aes_cm_128_hmac_sha1_32, "SRTP_AES128_CM_SHA1_32"}),
    [](const auto& test_info) { return std::string(test_info.param.openssl_name); });

TEST(OpenSslCliInteropPlain, ApplicationDataBothWaysWithoutSrtp) {
  PeerFiles files;
  const uint16_t port = free_udp_port();
  OpenSslPeer server(
      "(sleep 1; echo hello; sleep 1) | timeout 20 openssl s_server -accept 127.0.0.1:" +
      std::to_string(port) + openssl_options(files, nullptr) + " -verify 1 -naccept 1 2>&1");
  UdpSocket socket;
  auto connection = DtlsConnection::create(our_config(DtlsRole::client, {}));
  const Outcome outcome = drive(*connection, socket, port, "ping from secmedia\n", 15s);
  const std::string output = server.finish();
  EXPECT_TRUE(outcome.state == DtlsState::connected || outcome.state == DtlsState::closed)
      << outcome.failure << "\n"
      << output;
  EXPECT_FALSE(outcome.keys.has_value());
  EXPECT_NE(outcome.received.find("hello"), std::string::npos);
  EXPECT_NE(output.find("ping from secmedia"), std::string::npos) << output;
}

// OpenSSL completes the handshake without use_srtp when no profile is common; for a DTLS-SRTP
// endpoint that is a failure with a reason, never plaintext media.
TEST(OpenSslCliInteropPlain, NoCommonSrtpProfileFailsWithAReason) {
  PeerFiles files;
  const uint16_t port = free_udp_port();
  const ProfileCase other{SrtpProfile::aes_cm_128_hmac_sha1_32, "SRTP_AES128_CM_SHA1_32"};
  OpenSslPeer server(
      "(sleep 1; sleep 1) | timeout 20 openssl s_server -accept 127.0.0.1:" + std::to_string(port) +
      openssl_options(files, &other) + " -verify 1 -naccept 1 2>&1");
  UdpSocket socket;
  auto connection =
      DtlsConnection::create(our_config(DtlsRole::client, {SrtpProfile::aead_aes_128_gcm}));
  const Outcome outcome = drive(*connection, socket, port, "", 15s);
  server.finish();
  EXPECT_EQ(outcome.state, DtlsState::failed);
  EXPECT_NE(outcome.failure.find("no SRTP protection profile"), std::string::npos)
      << outcome.failure;
}

}  // namespace
}  // namespace secmedia
