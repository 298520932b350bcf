// SPDX-License-Identifier: LGPL-2.1-or-later
// A call survives spoofed traffic (issue 14), over UDP on 127.0.0.1: a dtlsdec in the server role
// gets ClientHellos from ports other than the real client's, before and during the real
// handshake, and the real client connects all the same. Each side is one pipeline on one socket
// (as in dtls_openssl_interop_test, and as ICE does), sending to the other side's fixed address:
//
//   udpsrc ! dtlsdec connection-id=X ! fakesink      dtlsenc connection-id=X ! multiudpsink
//
// The spoofer sends genuine ClientHellos, made by a DTLS engine of its own, from other sockets.
// Memory (VmRSS) and CPU time (getrusage) of the whole process around the flood are reported.
#include <arpa/inet.h>
#include <gio/gio.h>
#include <gst/gst.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "gst_test_support.h"
#include "secmedia/dtls.h"

namespace secmedia {
namespace {

using namespace std::chrono_literals;

constexpr int kConnected = 4;  // SecmediaDtlsConnectionState "connected"

// One side of the call: a pipeline on one UDP socket of 127.0.0.1.
class Endpoint {
 public:
  Endpoint(bool is_client, const std::string& options = "") {
    static int counter = 0;
    const std::string id = "spoofing-" + std::to_string(++counter);
    const std::string description =
        "udpsrc name=udp close-socket=false ! dtlsdec name=dec connection-id=" + id +
        " ! fakesink sync=false async=false "
        "dtlsenc name=enc connection-id=" +
        id + " is-client=" + (is_client ? "true" : "false") +
        " retransmission-timeout=100 handshake-timeout=20000 " + options +
        " ! multiudpsink name=sink sync=false async=false close-socket=false";
    GError* error = nullptr;
    pipeline_ = gst_parse_launch(description.c_str(), &error);
    EXPECT_NE(pipeline_, nullptr) << (error ? error->message : "");
    if (error) g_error_free(error);
    socket_ =
        g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, nullptr);
    GSocketAddress* any_port = g_inet_socket_address_new_from_string("127.0.0.1", 0);
    EXPECT_TRUE(socket_ && g_socket_bind(socket_, any_port, FALSE, nullptr));
    g_object_unref(any_port);
    GSocketAddress* local = g_socket_get_local_address(socket_, nullptr);
    port_ = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(local));
    g_object_unref(local);
    for (const char* name : {"udp", "sink"}) {
      GstElement* e = element(name);
      g_object_set(e, "socket", socket_, nullptr);
      gst_object_unref(e);
    }
  }
  ~Endpoint() {
    if (pipeline_) {
      gst_element_set_state(pipeline_, GST_STATE_NULL);
      gst_object_unref(pipeline_);
    }
    if (socket_) {
      g_socket_close(socket_, nullptr);
      g_object_unref(socket_);
    }
  }
  Endpoint(const Endpoint&) = delete;
  Endpoint& operator=(const Endpoint&) = delete;

  uint16_t port() const { return port_; }
  GstElement* element(const char* name) { return gst_bin_get_by_name(GST_BIN(pipeline_), name); }

  bool play(uint16_t peer_port) {
    GstElement* sink = element("sink");
    g_signal_emit_by_name(sink, "add", "127.0.0.1", static_cast<gint>(peer_port));
    gst_object_unref(sink);
    return gst_element_set_state(pipeline_, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE;
  }

  int state() {
    GstElement* enc = element("enc");
    gint state = -1;
    g_object_get(enc, "connection-state", &state, nullptr);
    gst_object_unref(enc);
    return state;
  }

  // A counter of dtlsdec's stats.
  guint64 stat(const char* field) {
    GstElement* dec = element("dec");
    GstStructure* stats = test::stats_of(dec);
    gst_object_unref(dec);
    guint64 value = 0;
    if (stats) {
      gst_structure_get_uint64(stats, field, &value);
      gst_structure_free(stats);
    }
    return value;
  }

  // Waits until `done` holds, an error is posted (returned) or `seconds` pass.
  std::string wait(const std::function<bool()>& done, double seconds) {
    return test::wait_for(pipeline_, done, seconds);
  }

 private:
  GstElement* pipeline_ = nullptr;
  GSocket* socket_ = nullptr;
  uint16_t port_ = 0;
};

// Sockets of their own on 127.0.0.1 (one port each) sending a genuine ClientHello.
class Spoofer {
 public:
  explicit Spoofer(int ports) {
    DtlsConfig config;
    config.role = DtlsRole::client;
    config.certificate = DtlsCertificate::generate(CertificateType::ecdsa_p256);
    auto engine = DtlsConnection::create(config);
    engine->start(DtlsTime::zero());
    hello_ = engine->poll_datagram().value_or(std::vector<uint8_t>{});
    for (int i = 0; i < ports; ++i) {
      const int fd = socket(AF_INET, SOCK_DGRAM, 0);
      sockaddr_in any{};
      any.sin_family = AF_INET;
      any.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      bind(fd, reinterpret_cast<sockaddr*>(&any), sizeof any);
      fds_.push_back(fd);
    }
  }
  ~Spoofer() {
    for (int fd : fds_) ::close(fd);
  }
  Spoofer(const Spoofer&) = delete;
  Spoofer& operator=(const Spoofer&) = delete;

  bool ready() const { return !hello_.empty() && !fds_.empty() && fds_.front() >= 0; }

  // The `n`th ClientHello, from port number n modulo the sockets.
  void send(uint16_t to_port, size_t n) {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    to.sin_port = htons(to_port);
    sendto(fds_[n % fds_.size()], hello_.data(), hello_.size(), 0, reinterpret_cast<sockaddr*>(&to),
           sizeof to);
  }

 private:
  std::vector<uint8_t> hello_;
  std::vector<int> fds_;
};

double vm_rss_mb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return 0;
}

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

bool both_connected(Endpoint& server, Endpoint& client) {
  return server.state() == kConnected && client.state() == kConnected;
}

// Pins: a spoofed ClientHello before the real client's failed its handshake ("bad signature").
TEST(DtlsSpoofing, ASpoofedClientHelloFromAnotherPortBeforeTheRealClientsIsHarmless) {
  Spoofer spoofer(1);
  ASSERT_TRUE(spoofer.ready());
  Endpoint server(false);
  Endpoint client(true);
  ASSERT_TRUE(server.play(client.port()));
  spoofer.send(server.port(), 0);
  // The spoofed ClientHello got its HelloVerifyRequest (which went to the real client's address)
  // before the real client said anything.
  ASSERT_EQ(server.wait([&] { return server.stat("dtls-hello-verify-requests") >= 1; }, 5), "");
  ASSERT_TRUE(client.play(server.port()));
  EXPECT_EQ(server.wait([&] { return both_connected(server, client); }, 15), "");
  EXPECT_EQ(server.state(), kConnected);
  EXPECT_EQ(client.state(), kConnected);
  EXPECT_GE(server.stat("dtls-hello-verify-requests"), 2u);
}

// Pins: a flood of ClientHellos from other ports made the real client's handshake fail.
TEST(DtlsSpoofing, AFloodOf5000ClientHellosFromOtherPortsDoesNotStopTheRealClient) {
  constexpr size_t kFlood = 5000;
  constexpr int kPorts = 50;
  Spoofer spoofer(kPorts);
  ASSERT_TRUE(spoofer.ready());
  Endpoint server(false);
  Endpoint client(true);
  ASSERT_TRUE(server.play(client.port()));
  ASSERT_EQ(server.wait([] { return false; }, 0.2), "");  // let it settle before measuring
  const double rss_before = vm_rss_mb();
  const double cpu_before = cpu_seconds();
  const auto started = std::chrono::steady_clock::now();
  std::atomic<size_t> sent{0};
  // A fifth at once, then the rest paced over about a second, through the real handshake.
  std::thread flood([&] {
    for (size_t n = 0; n < kFlood; ++n) {
      spoofer.send(server.port(), n);
      sent = n + 1;
      if (n >= kFlood / 5) std::this_thread::sleep_for(250us);
    }
  });
  while (sent < kFlood / 5) std::this_thread::sleep_for(1ms);
  ASSERT_TRUE(client.play(server.port()));
  const std::string error = server.wait([&] { return both_connected(server, client); }, 20);
  const double handshake_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  flood.join();
  ASSERT_EQ(server.wait([] { return false; }, 0.3), "");  // what is still queued arrives
  const double cpu = cpu_seconds() - cpu_before;
  const double rss_growth = vm_rss_mb() - rss_before;
  EXPECT_EQ(error, "");
  EXPECT_EQ(server.state(), kConnected);
  EXPECT_EQ(client.state(), kConnected);
  const guint64 answered = server.stat("dtls-hello-verify-requests");
  const guint64 ignored = server.stat("dtls-other-source");
  const guint64 received = server.stat("datagrams-received");
  std::printf(
      "flood of %zu ClientHellos from %d ports: connected after %.2f s; the server received %llu "
      "DTLS datagrams (the kernel dropped the rest), answered %llu with a HelloVerifyRequest and "
      "ignored %llu from other sources (during the handshake and after); process CPU %.2f s, "
      "VmRSS %+.1f MB\n",
      kFlood, kPorts, handshake_seconds, static_cast<unsigned long long>(received),
      static_cast<unsigned long long>(answered), static_cast<unsigned long long>(ignored), cpu,
      rss_growth);
  RecordProperty("cpu_seconds", std::to_string(cpu));
  RecordProperty("rss_growth_mb", std::to_string(rss_growth));
  EXPECT_GT(answered, 0u);
  EXPECT_GT(ignored, 0u);
  // Every ClientHello that reached dtlsdec is accounted for; the real client's datagrams are the
  // only others.
  EXPECT_GE(answered + ignored + 10, received);
  // Bounded: no state per ClientHello (DTLSv1_listen is stateless), and little work each.
  EXPECT_LT(rss_growth, 10.0);
  EXPECT_LT(cpu, 10.0);
}

// Pins: without the cookie exchange, ClientHellos from any port went into the one handshake.
// Now the real client's ClientHello binds the handshake to its address; others are ignored.
TEST(DtlsSpoofing, WithoutTheCookieExchangeClientHellosFromOtherPortsDuringTheHandshakeAreIgnored) {
  Spoofer spoofer(20);
  ASSERT_TRUE(spoofer.ready());
  Endpoint server(false, "cookie-exchange=false");
  Endpoint client(true);
  ASSERT_TRUE(server.play(client.port()));
  ASSERT_TRUE(client.play(server.port()));
  // As soon as the server has answered the real client's ClientHello (the handshake is bound to
  // its address), and until the handshake ends, ClientHellos from other ports.
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (server.stat("datagrams-sent") == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50us);
  }
  std::atomic<bool> stop{false};
  std::atomic<size_t> sent{0};
  std::thread flood([&] {
    for (size_t n = 0; !stop; ++n) {
      spoofer.send(server.port(), n);
      sent = n + 1;
      std::this_thread::sleep_for(20us);
    }
  });
  const std::string error = server.wait([&] { return both_connected(server, client); }, 15);
  stop = true;
  flood.join();
  EXPECT_EQ(error, "");
  EXPECT_EQ(server.state(), kConnected);
  EXPECT_EQ(client.state(), kConnected);
  EXPECT_GT(server.stat("dtls-other-source"), 0u) << sent << " sent";
  EXPECT_EQ(server.stat("dtls-hello-verify-requests"), 0u);
}

}  // namespace
}  // namespace secmedia

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  g_log_set_always_fatal(static_cast<GLogLevelFlags>(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR));
  ::testing::InitGoogleTest(&argc, argv);
  return secmedia::test::run_all_tests_checking_gst_leaks();
}
