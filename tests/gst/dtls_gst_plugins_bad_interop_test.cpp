// SPDX-License-Identifier: LGPL-2.1-or-later
// Interop with gst-plugins-bad's DTLS-SRTP (dtlssrtpenc/dtlssrtpdec), the incumbent: a two-way
// PCMU call on loopback. Our side (srtpenc ! dtlsenc, dtlsdec ! srtpdec) runs in this process;
// gst-plugins-bad's runs in a gst-launch-1.0 process that loads the system plugins only. That side
// negotiates SRTP_AES128_CM_SHA1_80 and nothing else, so our default preference (AEAD first) must
// fall back to it. Both DTLS roles; the audio each side sends is decoded by the other.
//
// What driving gst-plugins-bad 1.22 from gst-launch takes (see also PEERS.md §3): the decoder comes
// first on the command line (it creates the shared connection); dtlssrtpenc's sink pad is named
// (`enc.rtp_sink_0`: an unnamed request crashes it in sscanf); a queue holds its RTP for 2 s, or
// it goes out under a random key before the handshake; its rtp_src caps are bare, so a capssetter
// goes before the depayloader; its udpsink needs async=false (else it waits in preroll while the
// pipeline plays and no datagram leaves); and the process never ends by EOS (dtlssrtpenc's funnel
// waits for dtlsenc, which sends EOS only after both sides closed), so it is stopped by SIGINT,
// after which gst-launch-1.0 exits 0. It answers to the configured port, not the source address.
#include <arpa/inet.h>
#include <fcntl.h>
#include <glib.h>
#include <gst/gst.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "gst_test_support.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr const char* kPcmuRtpCaps =
    "media=(string)audio,clock-rate=(int)8000,encoding-name=(string)PCMU,payload=(int)0";
// 20 ms of PCMU at 8 kHz per RTP packet; decoded, 160 samples of S16.
constexpr int kSamplesPerPacket = 160;
constexpr size_t kDecodedBytesPerPacket = kSamplesPerPacket * 2;
// gst-plugins-bad sends 2 s of audio, after its 2 s hold; ours 5 s, so that our side is still up
// when the last of theirs arrives whichever side started first.
constexpr int kTheirPackets = 100;
constexpr int kOurPackets = 250;
constexpr auto kCallDeadline = 12s;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A UDP port on 127.0.0.1 that was free a moment ago.
int free_udp_port() {
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  int port = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  close(fd);
  return port;
}

// Loudest sample of S16 audio: a decoded sine is loud, a wrongly keyed stream never decodes.
int peak_of(const uint8_t* data, size_t size) {
  int peak = 0;
  for (size_t i = 0; i + 1 < size; i += 2) {
    int16_t sample;
    std::memcpy(&sample, data + i, sizeof(sample));
    peak = std::max(peak, std::abs(static_cast<int>(sample)));
  }
  return peak;
}

// The environment of a process that must load gst-plugins-bad's plugins, not ours, and none of
// this test program's GStreamer settings (private registry, leaks tracer).
std::vector<std::string> gst_plugins_bad_environment(const std::string& dir) {
  std::vector<std::string> env;
  gchar** current = g_get_environ();
  for (gchar** e = current; *e; ++e) {
    const std::string entry = *e;
    bool drop = false;
    for (const char* name : {"GST_PLUGIN_PATH=", "GST_PLUGIN_PATH_1_0=", "GST_REGISTRY=",
                             "GST_REGISTRY_FORK=", "GST_TRACERS=", "SECMEDIA_GST_PLUGIN_DIR="}) {
      if (entry.rfind(name, 0) == 0) drop = true;
    }
    if (!drop) env.push_back(entry);
  }
  g_strfreev(current);
  env.push_back("GST_REGISTRY=" + dir + "/registry-gst-plugins-bad.bin");
  return env;
}

std::vector<gchar*> c_strings(std::vector<std::string>& strings) {
  std::vector<gchar*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// A command under `timeout`, output to a log file, ended by its PID.
class Process {
 public:
  Process() = default;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process() {
    if (pid_ <= 0) return;
    interrupt();  // `timeout` passes it on, and kills the command 3 s later if it is still there
    if (wait_for_exit(5s) == -1 && pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }

  // Runs `argv` bounded by `limit` (then SIGINT, then SIGKILL 3 s later).
  bool start(const std::string& dir, std::vector<std::string> argv, std::vector<std::string> env,
             const std::string& log_path, std::chrono::seconds limit) {
    log_path_ = log_path;
    // --foreground: otherwise `timeout` passes a signal it gets on to the command and then to its
    // whole process group, so gst-launch-1.0 gets SIGINT twice; its handler removes itself after
    // the first, and the second kills it in the middle of its shutdown.
    std::vector<std::string> full = {
        "timeout", "--foreground", "-s", "INT", "-k", "3", std::to_string(limit.count())};
    full.insert(full.end(), argv.begin(), argv.end());
    std::vector<gchar*> args = c_strings(full);
    std::vector<gchar*> envp = c_strings(env);
    const int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (log_fd < 0) return false;
    GError* error = nullptr;
    GPid pid = 0;
    const gboolean spawned = g_spawn_async_with_fds(
        dir.c_str(), args.data(), envp.data(),
        static_cast<GSpawnFlags>(G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD), nullptr, nullptr,
        &pid, -1, log_fd, log_fd, &error);
    close(log_fd);
    if (!spawned) {
      ADD_FAILURE() << "cannot start " << argv.front() << ": " << error->message;
      g_error_free(error);
      return false;
    }
    pid_ = pid;
    return true;
  }

  std::string log() const { return read_file(log_path_); }

  bool running() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) != pid_) return true;
    pid_ = 0;
    status_ = status;
    return false;
  }

  // Waits until `text` appears in the log; false if the process ended or time ran out first.
  bool wait_for_log(const std::string& text, std::chrono::milliseconds limit) {
    const auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
      if (log().find(text) != std::string::npos) return true;
      if (!running()) return false;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }

  // SIGINT to `timeout`, which passes it on: gst-launch-1.0 stops its pipeline and exits 0.
  void interrupt() {
    if (pid_ > 0) kill(pid_, SIGINT);
  }

  // The exit code (128 + the signal if one ended it), or -1 if it did not end in time.
  int wait_for_exit(std::chrono::milliseconds limit) {
    const auto deadline = Clock::now() + limit;
    while (running()) {
      if (Clock::now() > deadline) return -1;
      std::this_thread::sleep_for(20ms);
    }
    return WIFEXITED(status_) ? WEXITSTATUS(status_) : 128 + WTERMSIG(status_);
  }

 private:
  GPid pid_ = 0;
  int status_ = 0;
  std::string log_path_;
};

// gst-plugins-bad's end of the call: a gst-launch-1.0 description, one argument per word.
std::vector<std::string> gst_plugins_bad_pipeline(bool is_client, int listen_port, int peer_port,
                                                  const std::string& decoded_file) {
  const std::string description =
      "dtlssrtpdec name=dec connection-id=gst-plugins-bad "
      "udpsrc address=127.0.0.1 port=" +
      std::to_string(listen_port) +
      " ! dec.sink "
      "dec.rtp_src ! capssetter caps=application/x-rtp," +
      kPcmuRtpCaps + " ! rtppcmudepay ! mulawdec ! filesink location=" + decoded_file +
      " dec.rtcp_src ! fakesink async=false "
      "audiotestsrc is-live=true num-buffers=" +
      std::to_string(kTheirPackets) + " samplesperbuffer=" + std::to_string(kSamplesPerPacket) +
      " freq=440 ! audio/x-raw,rate=8000,channels=1 ! mulawenc ! rtppcmupay ssrc=2222 ! "
      "queue min-threshold-time=2000000000 max-size-time=0 max-size-bytes=0 max-size-buffers=0 ! "
      "enc.rtp_sink_0 "
      "dtlssrtpenc name=enc connection-id=gst-plugins-bad is-client=" +
      std::string(is_client ? "true" : "false") +
      " ! udpsink host=127.0.0.1 port=" + std::to_string(peer_port) + " sync=false async=false";
  std::vector<std::string> argv = {"gst-launch-1.0"};
  gchar** words = g_strsplit(description.c_str(), " ", -1);
  for (gchar** w = words; *w; ++w) {
    if (**w) argv.emplace_back(*w);
  }
  g_strfreev(words);
  return argv;
}

// Our end of the call, in this process.
class OurSide {
 public:
  OurSide(bool is_client, int listen_port, int peer_port, const std::string& connection_id) {
    const std::string description =
        "udpsrc address=127.0.0.1 port=" + std::to_string(listen_port) +
        " caps=\"application/x-srtp," + kPcmuRtpCaps +
        "\" ! dtlsdec name=dtlsdec connection-id=" + connection_id +
        " ! srtpdec name=srtpdec ! rtppcmudepay ! mulawdec ! fakesink name=decoded sync=false "
        "async=false "
        "audiotestsrc is-live=true num-buffers=" +
        std::to_string(kOurPackets) + " samplesperbuffer=" + std::to_string(kSamplesPerPacket) +
        " freq=660 ! audio/x-raw,rate=8000,channels=1 ! mulawenc ! rtppcmupay ssrc=1111 ! "
        "srtpenc name=srtpenc ! dtlsenc name=dtlsenc connection-id=" +
        connection_id + " is-client=" + (is_client ? "true" : "false") +
        " ! udpsink host=127.0.0.1 port=" + std::to_string(peer_port) + " sync=false async=false";
    GError* error = nullptr;
    pipeline_ = gst_parse_launch(description.c_str(), &error);
    if (!pipeline_ || error) {
      ADD_FAILURE() << "our pipeline: " << (error ? error->message : "?");
      if (error) g_error_free(error);
      return;
    }
    dtlsenc_ = gst_bin_get_by_name(GST_BIN(pipeline_), "dtlsenc");
    dtlsdec_ = gst_bin_get_by_name(GST_BIN(pipeline_), "dtlsdec");
    srtpenc_ = gst_bin_get_by_name(GST_BIN(pipeline_), "srtpenc");
    srtpdec_ = gst_bin_get_by_name(GST_BIN(pipeline_), "srtpdec");
    g_signal_connect(dtlsdec_, "notify::connection-state", G_CALLBACK(on_state), &dec_connected_);
    g_signal_connect(dtlsenc_, "notify::connection-state", G_CALLBACK(on_state), &enc_connected_);
    GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline_), "decoded");
    GstPad* pad = gst_element_get_static_pad(sink, "sink");
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, on_decoded, this, nullptr);
    gst_object_unref(pad);
    gst_object_unref(sink);
    pad = gst_element_get_static_pad(dtlsenc_, "sink");
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_event, &sent_all_, nullptr);
    gst_object_unref(pad);
  }

  ~OurSide() {
    if (!pipeline_) return;
    gst_element_set_state(pipeline_, GST_STATE_NULL);
    for (GstElement* e : {dtlsenc_, dtlsdec_, srtpenc_, srtpdec_}) gst_object_unref(e);
    gst_object_unref(pipeline_);
  }

  bool valid() const { return pipeline_ != nullptr; }

  bool play() {
    return gst_element_set_state(pipeline_, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE;
  }

  // Runs until `done` holds or an error is posted or `deadline` passes; collects errors.
  void run_until(const std::function<bool()>& done, Clock::time_point deadline) {
    GstBus* bus = gst_element_get_bus(pipeline_);
    while (Clock::now() < deadline && !done()) {
      GstMessage* message = gst_bus_timed_pop_filtered(
          bus, 20 * GST_MSECOND,
          static_cast<GstMessageType>(GST_MESSAGE_ERROR | GST_MESSAGE_WARNING));
      if (!message) continue;
      GError* error = nullptr;
      gchar* debug = nullptr;
      const bool fatal = GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR;
      if (fatal) {
        gst_message_parse_error(message, &error, &debug);
      } else {
        gst_message_parse_warning(message, &error, &debug);
      }
      problems_ += std::string(fatal ? "error" : "warning") + " from " +
                   GST_OBJECT_NAME(GST_MESSAGE_SRC(message)) + ": " + error->message + " (" +
                   (debug ? debug : "") + ")\n";
      g_error_free(error);
      g_free(debug);
      gst_message_unref(message);
      if (fatal) break;
    }
    gst_object_unref(bus);
  }

  std::string string_property(GstElement* element, const char* name) const {
    gchar* value = nullptr;
    g_object_get(element, name, &value, nullptr);
    std::string out = value ? value : "";
    g_free(value);
    return out;
  }

  guint uint_property(GstElement* element, const char* name) const {
    guint value = 0;
    g_object_get(element, name, &value, nullptr);
    return value;
  }

  guint64 stat(GstElement* element, const char* field) const {
    GstStructure* stats = secmedia::test::stats_of(element);
    guint64 value = 0;
    if (stats) {
      gst_structure_get_uint64(stats, field, &value);
      gst_structure_free(stats);
    }
    return value;
  }

  double handshake_ms() const {
    GstStructure* stats = secmedia::test::stats_of(dtlsdec_);
    double value = -1;
    if (stats) {
      gst_structure_get_double(stats, "handshake-time", &value);
      gst_structure_free(stats);
    }
    return value;
  }

  GstElement* dtlsenc_ = nullptr;
  GstElement* dtlsdec_ = nullptr;
  GstElement* srtpenc_ = nullptr;
  GstElement* srtpdec_ = nullptr;
  std::atomic<bool> enc_connected_{false};
  std::atomic<bool> dec_connected_{false};
  std::atomic<bool> sent_all_{false};
  std::atomic<guint> decoded_buffers_{0};
  std::atomic<guint64> decoded_bytes_{0};
  std::atomic<int> decoded_peak_{0};
  std::string problems_;

 private:
  static void on_state(GObject* element, GParamSpec*, gpointer data) {
    gint state = 0;
    g_object_get(element, "connection-state", &state, nullptr);
    if (state == 4) static_cast<std::atomic<bool>*>(data)->store(true);  // connected
  }

  static GstPadProbeReturn on_decoded(GstPad*, GstPadProbeInfo* info, gpointer data) {
    OurSide* self = static_cast<OurSide*>(data);
    GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
    GstMapInfo map;
    if (gst_buffer_map(buffer, &map, GST_MAP_READ)) {
      const int peak = peak_of(map.data, map.size);
      if (peak > self->decoded_peak_) self->decoded_peak_ = peak;
      self->decoded_bytes_ += map.size;
      gst_buffer_unmap(buffer, &map);
    }
    ++self->decoded_buffers_;
    return GST_PAD_PROBE_OK;
  }

  static GstPadProbeReturn on_event(GstPad*, GstPadProbeInfo* info, gpointer data) {
    if (GST_EVENT_TYPE(GST_PAD_PROBE_INFO_EVENT(info)) == GST_EVENT_EOS) {
      static_cast<std::atomic<bool>*>(data)->store(true);
    }
    return GST_PAD_PROBE_OK;
  }

  GstElement* pipeline_ = nullptr;
};

class DtlsGstPluginsBadInterop : public ::testing::TestWithParam<bool> {
 protected:
  static void SetUpTestSuite() {
    gchar* dir = g_dir_make_tmp("secmedia-dtls-interop-XXXXXX", nullptr);
    dir_ = dir;
    g_free(dir);
    // Builds gst-plugins-bad's registry once, outside the timed calls, and checks the plugin is
    // there and is theirs.
    std::vector<std::string> env = gst_plugins_bad_environment(dir_);
    std::vector<std::string> argv = {"timeout", "60", "gst-inspect-1.0", "dtlssrtpenc"};
    std::vector<gchar*> args = c_strings(argv);
    std::vector<gchar*> envp = c_strings(env);
    gchar* out = nullptr;
    gint status = -1;
    if (g_spawn_sync(dir_.c_str(), args.data(), envp.data(), G_SPAWN_SEARCH_PATH, nullptr, nullptr,
                     &out, nullptr, &status, nullptr)) {
      inspect_ = out ? out : "";
      have_dtlssrtpenc_ = g_spawn_check_wait_status(status, nullptr);
    }
    g_free(out);
  }

  static void TearDownTestSuite() { std::filesystem::remove_all(dir_); }

  static std::string dir_;
  static std::string inspect_;
  static bool have_dtlssrtpenc_;
};
std::string DtlsGstPluginsBadInterop::dir_;
std::string DtlsGstPluginsBadInterop::inspect_;
bool DtlsGstPluginsBadInterop::have_dtlssrtpenc_ = false;

TEST_P(DtlsGstPluginsBadInterop, TwoWayPcmuCall) {
  ASSERT_TRUE(have_dtlssrtpenc_)
      << "gst-plugins-bad's dtls plugin is not installed (scripts/setup.sh installs it)";
  // The other process really runs gst-plugins-bad's element, not ours.
  const char* ours = std::getenv("SECMEDIA_GST_PLUGIN_DIR");
  ASSERT_NE(inspect_.find("GStreamer Bad Plugins"), std::string::npos) << inspect_;
  if (ours) {
    ASSERT_EQ(inspect_.find(ours), std::string::npos) << inspect_;
  }

  const bool ours_is_client = GetParam();
  const std::string tag = ours_is_client ? "ours-client" : "ours-server";
  const int our_port = free_udp_port();
  int their_port = free_udp_port();
  while (their_port == our_port) their_port = free_udp_port();
  ASSERT_GT(our_port, 0);
  ASSERT_GT(their_port, 0);
  const std::string their_decoded = dir_ + "/" + tag + ".gst-plugins-bad.raw";
  const auto started = Clock::now();

  OurSide our(ours_is_client, our_port, their_port, "interop-" + tag);
  ASSERT_TRUE(our.valid());
  // Our default preference puts AEAD first: SRTP_AES128_CM_SHA1_80 is a fallback here.
  const std::string offered = our.string_property(our.dtlsdec_, "srtp-profiles");
  EXPECT_NE(offered.find("SRTP_AES128_CM_SHA1_80"), std::string::npos) << offered;
  EXPECT_NE(offered.rfind("SRTP_AES128_CM_SHA1_80", 0), 0u) << offered;

  // The server comes up first, so that the client's first flight is not lost to a closed port.
  Process theirs;
  auto start_theirs = [&] {
    return theirs.start(
        dir_, gst_plugins_bad_pipeline(!ours_is_client, their_port, our_port, their_decoded),
        gst_plugins_bad_environment(dir_), dir_ + "/" + tag + ".log", 20s);
  };
  if (ours_is_client) {
    ASSERT_TRUE(start_theirs());
    ASSERT_TRUE(theirs.wait_for_log("Setting pipeline to PLAYING", 10s)) << theirs.log();
    ASSERT_TRUE(our.play());
  } else {
    ASSERT_TRUE(our.play());
    ASSERT_TRUE(start_theirs());
  }

  // The call: ours sends everything (its EOS closes the association with close_notify) and
  // decodes everything gst-plugins-bad sends.
  our.run_until(
      [&] { return our.sent_all_ && our.decoded_buffers_ >= static_cast<guint>(kTheirPackets); },
      started + kCallDeadline);
  std::this_thread::sleep_for(200ms);  // the last datagrams reach the other process
  const bool still_running = theirs.running();
  theirs.interrupt();
  const int their_exit = theirs.wait_for_exit(5s);
  const std::string their_log = theirs.log();
  EXPECT_TRUE(still_running) << "gst-plugins-bad's process ended early:\n" << their_log;
  EXPECT_EQ(their_exit, 0) << their_log;
  EXPECT_EQ(their_log.find("CRITICAL"), std::string::npos) << their_log;
  EXPECT_EQ(their_log.find("ERROR: from element"), std::string::npos) << their_log;
  EXPECT_EQ(our.problems_, "");

  // Our side: connected, fell back to gst-plugins-bad's one profile, decrypted and decoded
  // everything gst-plugins-bad sent.
  EXPECT_TRUE(our.dec_connected_);
  EXPECT_TRUE(our.enc_connected_);
  EXPECT_GE(our.handshake_ms(), 0.0);
  EXPECT_EQ(our.string_property(our.dtlsdec_, "srtp-profile"), "SRTP_AES128_CM_SHA1_80");
  EXPECT_EQ(our.string_property(our.dtlsenc_, "srtp-profile"), "SRTP_AES128_CM_SHA1_80");
  EXPECT_EQ(our.uint_property(our.dtlsdec_, "srtp-cipher"), 1u);  // aes-128-icm
  EXPECT_EQ(our.uint_property(our.dtlsdec_, "srtp-auth"), 2u);    // hmac-sha1-80
  EXPECT_NE(our.string_property(our.dtlsdec_, "peer-pem").find("BEGIN CERTIFICATE"),
            std::string::npos);
  EXPECT_EQ(our.stat(our.srtpdec_, "rtp-packets"), static_cast<guint64>(kTheirPackets));
  EXPECT_EQ(our.decoded_buffers_, static_cast<guint>(kTheirPackets));
  EXPECT_EQ(our.decoded_bytes_, kTheirPackets * kDecodedBytesPerPacket);
  EXPECT_GT(our.decoded_peak_, 10000) << "what we decoded is not the sine that was sent";

  // gst-plugins-bad's side decoded what our srtpenc protected: all of it but, at most, the first
  // packet or two, which can overtake the installation of its keys.
  const guint64 protected_packets = our.stat(our.srtpenc_, "rtp-packets");
  ASSERT_GT(protected_packets, static_cast<guint64>(kOurPackets / 2));
  EXPECT_EQ(protected_packets + our.stat(our.srtpenc_, "dropped-no-key"),
            static_cast<guint64>(kOurPackets));
  const std::string decoded = read_file(their_decoded);
  EXPECT_EQ(decoded.size() % kDecodedBytesPerPacket, 0u);
  EXPECT_LE(decoded.size(), protected_packets * kDecodedBytesPerPacket);
  EXPECT_GE(decoded.size(), (protected_packets - 2) * kDecodedBytesPerPacket);
  EXPECT_GT(peak_of(reinterpret_cast<const uint8_t*>(decoded.data()), decoded.size()), 10000)
      << "what gst-plugins-bad decoded is not the sine that was sent";

  const auto elapsed =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
  EXPECT_LT(elapsed, 15s);
  std::printf("[ %s ] handshake %.1f ms, ours protected %" G_GUINT64_FORMAT
              " packets, decoded %u; gst-plugins-bad decoded %zu; %lld ms\n",
              tag.c_str(), our.handshake_ms(), protected_packets, our.decoded_buffers_.load(),
              decoded.size() / kDecodedBytesPerPacket, static_cast<long long>(elapsed.count()));
}

INSTANTIATE_TEST_SUITE_P(BothRoles, DtlsGstPluginsBadInterop, ::testing::Bool(),
                         [](const auto& test_info) {
                           return test_info.param ? std::string("OursClient_GstPluginsBadServer")
                                                  : std::string("GstPluginsBadClient_OursServer");
                         });

}  // namespace

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  // A GLib critical (refcount misuse, bad arguments) fails the test program.
  g_log_set_always_fatal(static_cast<GLogLevelFlags>(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR));
  ::testing::InitGoogleTest(&argc, argv);
  return secmedia::test::run_all_tests_checking_gst_leaks();
}
