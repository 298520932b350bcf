// SPDX-License-Identifier: LGPL-2.1-or-later
// The DTLS and SRTP elements against OpenSSL's command line over UDP on 127.0.0.1, both roles,
// every DTLS-SRTP profile. In this process:
//
//   appsrc (RTP) ! srtpenc ! dtlsenc is-client=... srtp-profiles=<one> ! multiudpsink
//   udpsrc ! dtlsdec ! srtpdec ! fakesink
//
// with one socket for both directions (the test binds it and hands it to udpsrc and multiudpsink),
// since OpenSSL answers the address a datagram came from. As client we send to s_server's port; as
// server we answer the address of s_client's first datagram (GstNetAddressMeta). Once dtlsenc hands
// srtpenc its keys, RTP packets go out as SRTP; the datagrams leaving multiudpsink are captured,
// and libsrtp2 must decrypt them back to the very packets we pushed with the key OpenSSL exported
// ("Keying material", RFC 5764 §4.2): the elements do not show their keys, so that is how the keys
// are shown equal. The profile the elements report must be the one OpenSSL negotiated.
#include <arpa/inet.h>
#include <gio/gio.h>
#include <gst/gst.h>
#include <gst/net/gstnetaddressmeta.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "gst_test_support.h"
#include "libsrtp_oracle.h"

namespace secmedia {
namespace {

using namespace std::chrono_literals;

constexpr int kPackets = 30;
constexpr uint32_t kSsrc = 0x5ec3ed1a;
constexpr int kConnected = 4;  // SecmediaDtlsConnectionState "connected", as gst-plugins-bad's

struct ProfileCase {
  SrtpProfile profile;
  const char* name;  // RFC 5764 name, as OpenSSL's -use_srtp and our srtp-profiles write it
  size_t key_length;
  size_t salt_length;
  SrtpProfile rtcp_profile;  // SRTP_AES128_CM_SHA1_32 keeps an 80-bit SRTCP tag (RFC 5764 §4.1.2)
};

// Lengths written out from RFC 5764 §4.1.2 and RFC 7714 §14.2, not taken from our library.
const ProfileCase kProfiles[] = {
    {SrtpProfile::aead_aes_128_gcm, "SRTP_AEAD_AES_128_GCM", 16, 12, SrtpProfile::aead_aes_128_gcm},
    {SrtpProfile::aead_aes_256_gcm, "SRTP_AEAD_AES_256_GCM", 32, 12, SrtpProfile::aead_aes_256_gcm},
    {SrtpProfile::aes_cm_128_hmac_sha1_80, "SRTP_AES128_CM_SHA1_80", 16, 14,
     SrtpProfile::aes_cm_128_hmac_sha1_80},
    {SrtpProfile::aes_cm_128_hmac_sha1_32, "SRTP_AES128_CM_SHA1_32", 16, 14,
     SrtpProfile::aes_cm_128_hmac_sha1_80},
};

void PrintTo(const ProfileCase& c, std::ostream* os) {
  *os << c.name;
}

uint16_t free_udp_port() {
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

// OpenSSL's certificate and key, made by OpenSSL, in a scratch directory.
struct PeerFiles {
  std::string dir;
  bool ok = false;
  PeerFiles() {
    char templ[] = "/tmp/secmedia-dtls-openssl-XXXXXX";
    if (!mkdtemp(templ)) return;
    dir = templ;
    const std::string command =
        "timeout 20 openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
        "-keyout " +
        dir + "/peer.key -out " + dir + "/peer.crt -days 30 -subj /CN=peer >/dev/null 2>&1";
    ok = std::system(command.c_str()) == 0 && std::filesystem::exists(dir + "/peer.crt");
  }
  ~PeerFiles() {
    std::error_code ignored;
    if (!dir.empty()) std::filesystem::remove_all(dir, ignored);
  }
  std::string options(const ProfileCase& c) const {
    return " -dtls1_2 -cert " + dir + "/peer.crt -key " + dir +
           "/peer.key -timeout -mtu 1200 -use_srtp " + c.name +
           " -keymatexport EXTRACTOR-dtls_srtp -keymatexportlen " +
           std::to_string(2 * (c.key_length + c.salt_length));
  }
};

// An OpenSSL command in the background (its stdin ends after a sleep, which ends the session);
// its output is collected when it exits.
class OpenSslPeer {
 public:
  explicit OpenSslPeer(const std::string& command) { pipe_ = popen(command.c_str(), "r"); }
  ~OpenSslPeer() { finish(); }
  OpenSslPeer(const OpenSslPeer&) = delete;
  OpenSslPeer& operator=(const OpenSslPeer&) = delete;
  bool started() const { return pipe_ != nullptr; }
  std::string finish() {
    if (pipe_) {
      std::array<char, 4096> buffer;
      size_t n;
      while ((n = fread(buffer.data(), 1, buffer.size(), pipe_)) > 0) {
        output_.append(buffer.data(), n);
      }
      pclose(pipe_);
      pipe_ = nullptr;
    }
    return output_;
  }

 private:
  FILE* pipe_ = nullptr;
  std::string output_;
};

std::string openssl_line_value(const std::string& output, const std::string& prefix) {
  const size_t at = output.find(prefix);
  if (at == std::string::npos) return {};
  const size_t start = at + prefix.size();
  const size_t end = output.find_first_of("\r\n", start);
  return output.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

std::optional<std::vector<uint8_t>> parse_hex(const std::string& text) {
  if (text.empty() || text.size() % 2 != 0) return std::nullopt;
  std::vector<uint8_t> bytes;
  for (size_t i = 0; i < text.size(); i += 2) {
    const int high = g_ascii_xdigit_value(text[i]);
    const int low = g_ascii_xdigit_value(text[i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    bytes.push_back(static_cast<uint8_t>(high * 16 + low));
  }
  return bytes;
}

std::vector<uint8_t> rtp_packet(uint16_t seq, uint32_t timestamp) {
  std::vector<uint8_t> p = {0x80,
                            96,
                            static_cast<uint8_t>(seq >> 8),
                            static_cast<uint8_t>(seq),
                            static_cast<uint8_t>(timestamp >> 24),
                            static_cast<uint8_t>(timestamp >> 16),
                            static_cast<uint8_t>(timestamp >> 8),
                            static_cast<uint8_t>(timestamp),
                            static_cast<uint8_t>(kSsrc >> 24),
                            static_cast<uint8_t>(kSsrc >> 16),
                            static_cast<uint8_t>(kSsrc >> 8),
                            static_cast<uint8_t>(kSsrc)};
  const size_t payload = 100 + seq % 50;
  for (size_t i = 0; i < payload; ++i) p.push_back(static_cast<uint8_t>(seq * 7 + i * 13));
  return p;
}

// Our side: one pipeline, one UDP socket.
class OurEndpoint {
 public:
  OurEndpoint(bool is_client, const ProfileCase& c, const std::string& connection_id) {
    const std::string description =
        "appsrc name=src is-live=true format=time "
        "caps=\"application/x-rtp,media=video,clock-rate=90000,encoding-name=VP8,payload=96\" ! "
        "srtp.rtp_sink_0 srtpenc name=srtp srtp.rtp_src_0 ! dtlsenc name=enc connection-id=" +
        connection_id + " is-client=" + (is_client ? "true" : "false") +
        " srtp-profiles=" + c.name +
        " retransmission-timeout=100 handshake-timeout=10000 ! multiudpsink name=sink "
        "sync=false async=false close-socket=false "
        "udpsrc name=udp close-socket=false retrieve-sender-address=true ! "
        "dtlsdec name=dec connection-id=" +
        connection_id + " ! srtpdec ! fakesink sync=false async=false";
    GError* error = nullptr;
    pipeline_ = gst_parse_launch(description.c_str(), &error);
    if (error) {
      problem_ = error->message;
      g_error_free(error);
    }
    if (!pipeline_) return;
    src_ = gst_bin_get_by_name(GST_BIN(pipeline_), "src");
    enc_ = gst_bin_get_by_name(GST_BIN(pipeline_), "enc");
    dec_ = gst_bin_get_by_name(GST_BIN(pipeline_), "dec");
    sink_ = gst_bin_get_by_name(GST_BIN(pipeline_), "sink");
    udp_ = gst_bin_get_by_name(GST_BIN(pipeline_), "udp");
    g_signal_connect(enc_, "on-key-received", G_CALLBACK(on_key_received), this);
    GstPad* pad = gst_element_get_static_pad(sink_, "sink");
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, capture_sent, this, nullptr);
    gst_object_unref(pad);
    pad = gst_element_get_static_pad(udp_, "src");
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, learn_peer, this, nullptr);
    gst_object_unref(pad);
  }

  ~OurEndpoint() {
    if (pipeline_) gst_element_set_state(pipeline_, GST_STATE_NULL);
    if (enc_) g_signal_handlers_disconnect_by_data(enc_, this);
    for (GstElement* e : {src_, enc_, dec_, sink_, udp_}) {
      if (e) gst_object_unref(e);
    }
    if (pipeline_) gst_object_unref(pipeline_);
    if (socket_) {
      g_socket_close(socket_, nullptr);
      g_object_unref(socket_);
    }
  }
  OurEndpoint(const OurEndpoint&) = delete;
  OurEndpoint& operator=(const OurEndpoint&) = delete;

  // One socket on 127.0.0.1 for both directions, made here and handed to udpsrc and
  // multiudpsink before they open (multiudpsink makes its own in NULL->READY otherwise). With
  // `peer_port` (we are the client) the destination is known now; otherwise it is the sender of
  // the first datagram. Returns our port, 0 on failure.
  uint16_t start(std::optional<uint16_t> peer_port) {
    if (!pipeline_) return 0;
    GError* error = nullptr;
    socket_ =
        g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &error);
    GSocketAddress* any_port = g_inet_socket_address_new_from_string("127.0.0.1", 0);
    if (socket_ && !g_socket_bind(socket_, any_port, FALSE, &error)) {
      g_object_unref(socket_);
      socket_ = nullptr;
    }
    g_object_unref(any_port);
    if (!socket_) {
      problem_ = std::string("no UDP socket: ") + (error ? error->message : "");
      if (error) g_error_free(error);
      return 0;
    }
    uint16_t port = 0;
    GSocketAddress* local = g_socket_get_local_address(socket_, nullptr);
    if (local && G_IS_INET_SOCKET_ADDRESS(local)) {
      port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(local));
    }
    if (local) g_object_unref(local);
    g_object_set(udp_, "socket", socket_, nullptr);
    g_object_set(sink_, "socket", socket_, nullptr);
    if (peer_port) {
      g_signal_emit_by_name(sink_, "add", "127.0.0.1", static_cast<gint>(*peer_port));
      peer_port_ = *peer_port;
    }
    if (gst_element_set_state(pipeline_, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
      problem_ = "the pipeline does not reach PLAYING";
      return 0;
    }
    return port;
  }

  // Polls `done` until it holds, an error is posted or `limit` passes.
  bool wait_for(const std::function<bool()>& done, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    GstBus* bus = gst_element_get_bus(pipeline_);
    bool held = false;
    while (!(held = done())) {
      GstMessage* message = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
      if (message) {
        GError* error = nullptr;
        gchar* debug = nullptr;
        gst_message_parse_error(message, &error, &debug);
        problem_ += std::string("error from ") + GST_OBJECT_NAME(GST_MESSAGE_SRC(message)) + ": " +
                    error->message + " (" + (debug ? debug : "") + ")\n";
        g_error_free(error);
        g_free(debug);
        gst_message_unref(message);
        break;
      }
      if (std::chrono::steady_clock::now() > deadline) break;
      std::this_thread::sleep_for(10ms);
    }
    gst_object_unref(bus);
    return held;
  }

  bool keyed() const { return keyed_.load(); }

  int connection_state() const {
    gint state = -1;
    g_object_get(enc_, "connection-state", &state, nullptr);
    return state;
  }

  std::string srtp_profile(GstElement* element) const {
    gchar* profile = nullptr;
    g_object_get(element, "srtp-profile", &profile, nullptr);
    std::string text = profile ? profile : "";
    g_free(profile);
    return text;
  }
  GstElement* enc() const { return enc_; }
  GstElement* dec() const { return dec_; }

  void push(const std::vector<uint8_t>& packet) {
    GstBuffer* buffer = test::to_buffer(packet);
    GstFlowReturn ret = GST_FLOW_OK;
    g_signal_emit_by_name(src_, "push-buffer", buffer, &ret);
    gst_buffer_unref(buffer);
  }

  std::vector<std::vector<uint8_t>> sent_srtp() {
    std::lock_guard guard(lock_);
    return sent_srtp_;
  }
  size_t sent_srtp_count() {
    std::lock_guard guard(lock_);
    return sent_srtp_.size();
  }
  uint16_t peer_port() const { return peer_port_.load(); }
  std::string problem() const {
    std::lock_guard guard(lock_);
    return problem_ + learn_problem_;
  }

 private:
  static void on_key_received(GstElement*, gpointer data) {
    static_cast<OurEndpoint*>(data)->keyed_ = true;
  }

  // Every datagram leaving the pipeline; SRTP is kept (RFC 7983: first byte 128-191).
  static GstPadProbeReturn capture_sent(GstPad*, GstPadProbeInfo* info, gpointer data) {
    auto* self = static_cast<OurEndpoint*>(data);
    std::vector<uint8_t> bytes = test::to_bytes(GST_PAD_PROBE_INFO_BUFFER(info));
    if (!bytes.empty() && bytes[0] >= 128 && bytes[0] <= 191) {
      std::lock_guard guard(self->lock_);
      self->sent_srtp_.push_back(std::move(bytes));
    }
    return GST_PAD_PROBE_OK;
  }

  // As server: the first datagram's sender (s_client) becomes the destination. Only 127.0.0.1.
  static GstPadProbeReturn learn_peer(GstPad*, GstPadProbeInfo* info, gpointer data) {
    auto* self = static_cast<OurEndpoint*>(data);
    if (self->peer_port_.load() != 0) return GST_PAD_PROBE_OK;
    GstNetAddressMeta* meta = gst_buffer_get_net_address_meta(GST_PAD_PROBE_INFO_BUFFER(info));
    if (!meta || !G_IS_INET_SOCKET_ADDRESS(meta->addr)) return GST_PAD_PROBE_OK;
    GInetSocketAddress* from = G_INET_SOCKET_ADDRESS(meta->addr);
    gchar* host = g_inet_address_to_string(g_inet_socket_address_get_address(from));
    const uint16_t port = g_inet_socket_address_get_port(from);
    if (g_strcmp0(host, "127.0.0.1") == 0 && port != 0) {
      g_signal_emit_by_name(self->sink_, "add", "127.0.0.1", static_cast<gint>(port));
      self->peer_port_ = port;
    } else {
      std::lock_guard guard(self->lock_);
      self->learn_problem_ = std::string("ignored a datagram from ") + host + "\n";
    }
    g_free(host);
    return GST_PAD_PROBE_OK;
  }

  GstElement* pipeline_ = nullptr;
  GstElement* src_ = nullptr;
  GstElement* enc_ = nullptr;
  GstElement* dec_ = nullptr;
  GstElement* sink_ = nullptr;
  GstElement* udp_ = nullptr;
  GSocket* socket_ = nullptr;
  std::atomic<bool> keyed_{false};
  std::atomic<uint16_t> peer_port_{0};
  mutable std::mutex lock_;
  std::vector<std::vector<uint8_t>> sent_srtp_;
  std::string problem_;
  std::string learn_problem_;
};

std::string case_name(const ::testing::TestParamInfo<ProfileCase>& info) {
  return info.param.name;
}

class DtlsOpenSslInterop : public ::testing::TestWithParam<ProfileCase> {
 protected:
  void SetUp() override {
    // Ours, not gst-plugins-bad's (installed too): GST_PLUGIN_PATH must put the build first.
    const char* dir = std::getenv("SECMEDIA_GST_PLUGIN_DIR");
    ASSERT_NE(dir, nullptr) << "SECMEDIA_GST_PLUGIN_DIR names the build's gst directory";
    for (const auto& [element, file] : {std::pair{"dtlsenc", "libgstdtls.so"},
                                        {"dtlsdec", "libgstdtls.so"},
                                        {"srtpenc", "libgstsrtp.so"},
                                        {"srtpdec", "libgstsrtp.so"}}) {
      GstElementFactory* factory = gst_element_factory_find(element);
      ASSERT_NE(factory, nullptr) << element;
      GstPlugin* plugin = gst_plugin_feature_get_plugin(GST_PLUGIN_FEATURE(factory));
      const std::string filename = plugin ? gst_plugin_get_filename(plugin) : "";
      if (plugin) gst_object_unref(plugin);
      gst_object_unref(factory);
      ASSERT_EQ(filename, std::string(dir) + "/" + file) << element;
    }
    ASSERT_TRUE(files_.ok) << "openssl req could not make a certificate in " << files_.dir;
  }

  static std::string connection_id() {
    static int counter = 0;
    return "openssl-interop-" + std::to_string(++counter);
  }

  // After the handshake: RTP in, SRTP out, then OpenSSL's account of the session.
  void run_media_and_check(OurEndpoint& ours, OpenSslPeer& openssl, bool we_are_client) {
    const ProfileCase& c = GetParam();
    const bool keyed = ours.wait_for([&] { return ours.keyed(); }, 5s);
    if (!keyed) {
      ADD_FAILURE() << "no keys from the handshake: " << ours.problem() << "\nOpenSSL:\n"
                    << openssl.finish();
      return;
    }
    EXPECT_EQ(ours.connection_state(), kConnected);
    EXPECT_EQ(ours.srtp_profile(ours.enc()), c.name);
    EXPECT_EQ(ours.srtp_profile(ours.dec()), c.name);

    // srtpenc drops what arrives before its keys by design; it has them now (dtlsenc sends the key
    // event upstream before it emits on-key-received).
    std::vector<std::vector<uint8_t>> pushed;
    for (int i = 0; i < kPackets; ++i) {
      pushed.push_back(rtp_packet(static_cast<uint16_t>(1000 + i), 90000u * 7 + 3000u * i));
      ours.push(pushed.back());
    }
    const bool all_sent =
        ours.wait_for([&] { return ours.sent_srtp_count() >= static_cast<size_t>(kPackets); }, 3s);
    EXPECT_TRUE(all_sent) << "SRTP datagrams sent: " << ours.sent_srtp_count() << " of " << kPackets
                          << "\n"
                          << ours.problem();

    const std::string output = openssl.finish();
    EXPECT_EQ(openssl_line_value(output, "SRTP Extension negotiated, profile="), c.name) << output;
    const auto exported = parse_hex(openssl_line_value(output, "Keying material: "));
    ASSERT_TRUE(exported.has_value()) << "no Keying material in OpenSSL's output:\n" << output;
    ASSERT_EQ(exported->size(), 2 * (c.key_length + c.salt_length)) << output;

    // RFC 5764 §4.2: client key | server key | client salt | server salt; we send under our own.
    const size_t key_at = we_are_client ? 0 : c.key_length;
    const size_t salt_at = 2 * c.key_length + (we_are_client ? 0 : c.salt_length);
    std::vector<uint8_t> key_and_salt(exported->begin() + key_at,
                                      exported->begin() + key_at + c.key_length);
    key_and_salt.insert(key_and_salt.end(), exported->begin() + salt_at,
                        exported->begin() + salt_at + c.salt_length);
    test::LibsrtpSession libsrtp(c.profile, c.rtcp_profile, false, {{key_and_salt, {}}});
    ASSERT_TRUE(libsrtp.ok());

    const auto sent = ours.sent_srtp();
    ASSERT_EQ(sent.size(), pushed.size());
    for (size_t i = 0; i < sent.size(); ++i) {
      std::vector<uint8_t> packet = sent[i];
      EXPECT_NE(packet, pushed[i]) << "packet " << i << " left unencrypted";
      ASSERT_EQ(libsrtp.unprotect(packet, false), srtp_err_status_ok)
          << "libsrtp2 cannot decrypt packet " << i << " with the key OpenSSL exported";
      EXPECT_EQ(packet, pushed[i]) << "packet " << i;
    }
  }

  PeerFiles files_;
};

// We are the DTLS client; OpenSSL's s_server answers.
TEST_P(DtlsOpenSslInterop, OurClientAgainstSServer) {
  const uint16_t port = free_udp_port();
  OpenSslPeer server(
      "(sleep 2) | timeout 10 openssl s_server -accept 127.0.0.1:" + std::to_string(port) +
      files_.options(GetParam()) + " -verify 1 -naccept 1 2>&1");
  ASSERT_TRUE(server.started());
  OurEndpoint ours(true, GetParam(), connection_id());
  ASSERT_NE(ours.start(port), 0) << ours.problem();
  run_media_and_check(ours, server, true);
}

// We are the DTLS server; OpenSSL's s_client writes first and we answer its address.
TEST_P(DtlsOpenSslInterop, SClientAgainstOurServer) {
  OurEndpoint ours(false, GetParam(), connection_id());
  const uint16_t port = ours.start(std::nullopt);
  ASSERT_NE(port, 0) << ours.problem();
  OpenSslPeer client("(sleep 2) | timeout 10 openssl s_client -connect 127.0.0.1:" +
                     std::to_string(port) + files_.options(GetParam()) + " 2>&1");
  ASSERT_TRUE(client.started());
  run_media_and_check(ours, client, false);
  EXPECT_NE(ours.peer_port(), 0);
}

INSTANTIATE_TEST_SUITE_P(AllDtlsSrtpProfiles, DtlsOpenSslInterop, ::testing::ValuesIn(kProfiles),
                         case_name);

}  // namespace
}  // namespace secmedia

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  g_log_set_always_fatal(static_cast<GLogLevelFlags>(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR));
  ::testing::InitGoogleTest(&argc, argv);
  return secmedia::test::run_all_tests_checking_gst_leaks();
}
