// SPDX-License-Identifier: LGPL-2.1-or-later
// camera_receiver: the DTLS-SRTP receiver for camera_app. It decrypts and decodes the camera's VP8
// and sends RTCP receiver reports back, which are camera_app's sign that this receiver is alive
// (DTLS sends nothing once the handshake is done):
//
//   udpsrc port=P ! dtlsdec ! srtpdec ! rtpbin ! rtpvp8depay ! vp8dec ! fakesink
//   rtpbin (RTCP) ! srtpenc ! dtlsenc ! udpsink -> the camera's --listen-port
//
// It prints "frames decoded: N" every --stats-interval seconds and at exit, with how many RTP
// packets srtpdec decrypted, and exits 0 after --duration seconds (or SIGINT/SIGTERM) when it
// decoded at least one frame, 1 otherwise or on a DTLS error (printed with its reason).
//
//   camera_receiver --port 5004 --peer 127.0.0.1:5006 --identity receiver.pem
//                   --peer-fingerprint "sha-256 AB:..." [--duration S] [--stats-interval S]
#include <glib-unix.h>
#include <gst/gst.h>

#include <atomic>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

namespace {

// RTCP every second instead of rtpsession's 5 s minimum, so the camera notices a stopped
// receiver within a few seconds (its --peer-timeout).
constexpr guint64 kRtcpIntervalNs = GST_SECOND;

struct Options {
  int port = 5004;
  std::string peer_host = "127.0.0.1";
  int peer_port = 5006;
  std::string identity_pem;
  std::string peer_fingerprint;
  int duration_s = 0;
  int stats_interval_s = 2;
};

struct Receiver {
  Options options;
  GMainLoop* loop = nullptr;
  GstElement* pipeline = nullptr;
  GstElement* srtpdec = nullptr;
  GstElement* dtlsdec = nullptr;
  std::atomic<guint64> frames{0};  // incremented on the streaming thread
  bool failed = false;
};

bool read_file(const std::string& path, std::string& contents) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  contents = buffer.str();
  return true;
}

bool parse_host_port(const std::string& text, std::string& host, int& port) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  host = text.substr(0, colon);
  port = std::atoi(text.c_str() + colon + 1);
  return port > 0 && port < 65536;
}

std::optional<Options> parse_options(int& argc, char**& argv) {
  gint port = 5004, duration = 0, stats_interval = 2;
  gchar *peer = nullptr, *identity = nullptr, *fingerprint = nullptr;
  GOptionEntry entries[] = {
      {"port", 0, 0, G_OPTION_ARG_INT, &port, "UDP port to receive on (5004)", "PORT"},
      {"peer", 0, 0, G_OPTION_ARG_STRING, &peer, "the camera's --listen-port (127.0.0.1:5006)",
       "HOST:PORT"},
      {"identity", 0, 0, G_OPTION_ARG_FILENAME, &identity,
       "certificate and key (secmedia-cert new)", "FILE.pem"},
      {"peer-fingerprint", 0, 0, G_OPTION_ARG_STRING, &fingerprint,
       "the camera's certificate fingerprint, pinned", "'sha-256 AB:...'"},
      {"duration", 0, 0, G_OPTION_ARG_INT, &duration, "exit after this many seconds (0: never)",
       "S"},
      {"stats-interval", 0, 0, G_OPTION_ARG_INT, &stats_interval, "print the count every S seconds",
       "S"},
      {},
  };
  GOptionContext* context = g_option_context_new("- the DTLS-SRTP receiver of camera_app");
  g_option_context_add_main_entries(context, entries, nullptr);
  g_option_context_add_group(context, gst_init_get_option_group());
  GError* error = nullptr;
  bool valid = g_option_context_parse(context, &argc, &argv, &error);
  g_option_context_free(context);
  if (!valid) {
    g_printerr("camera_receiver: %s\n", error->message);
    g_error_free(error);
  }
  Options options;
  options.port = port;
  options.duration_s = duration;
  options.stats_interval_s = stats_interval > 0 ? stats_interval : 2;
  if (valid && peer && !parse_host_port(peer, options.peer_host, options.peer_port)) {
    g_printerr("camera_receiver: --peer wants HOST:PORT, not %s\n", peer);
    valid = false;
  }
  // Unpinned DTLS would accept any camera: refuse to run without both.
  if (valid && (!identity || !fingerprint)) {
    g_printerr("camera_receiver: --identity and --peer-fingerprint are required\n");
    valid = false;
  }
  if (valid && !read_file(identity, options.identity_pem)) {
    g_printerr("camera_receiver: cannot read --identity %s\n", identity);
    valid = false;
  }
  if (fingerprint) options.peer_fingerprint = fingerprint;
  g_free(peer);
  g_free(identity);
  g_free(fingerprint);
  if (!valid) return std::nullopt;
  return options;
}

std::string pipeline_description(const Options& options) {
  // udpsrc's caps describe the stream, so after srtpdec rtpbin and the depayloader know it is VP8.
  // One connection-id pairs dtlsenc and dtlsdec into one association (the receiver is the server).
  std::ostringstream description;
  description << "udpsrc port=" << options.port
              << " caps=\"application/x-srtp,media=video,clock-rate=90000,encoding-name=VP8,"
                 "payload=96\" ! dtlsdec name=dtlsdec connection-id=receiver ! "
                 "srtpdec name=srtpdec ! rtpbin.recv_rtp_sink_0 "
                 "rtpbin name=rtpbin latency=100 "
                 "rtpbin.send_rtcp_src_0 ! srtpenc.rtcp_sink_0 "
                 "srtpenc name=srtpenc  srtpenc.rtcp_src_0 ! "
                 "dtlsenc name=dtlsenc connection-id=receiver ! udpsink host="
              << options.peer_host << " port=" << options.peer_port << " sync=false async=false";
  return description.str();
}

GstPadProbeReturn count_frame(GstPad*, GstPadProbeInfo*, gpointer data) {
  static_cast<Receiver*>(data)->frames++;
  return GST_PAD_PROBE_OK;
}

// rtpbin makes its output pad once the first packet has been decrypted: decode it there.
void on_rtpbin_pad(GstElement* rtpbin, GstPad* pad, gpointer data) {
  gchar* name = gst_pad_get_name(pad);
  const bool rtp = g_str_has_prefix(name, "recv_rtp_src_");
  g_free(name);
  if (!rtp) return;
  GstElement* branch = gst_parse_bin_from_description(
      "rtpvp8depay ! vp8dec ! fakesink name=sink sync=false async=false", TRUE, nullptr);
  GstElement* sink = gst_bin_get_by_name(GST_BIN(branch), "sink");
  GstPad* sink_pad = gst_element_get_static_pad(sink, "sink");
  gst_pad_add_probe(sink_pad, GST_PAD_PROBE_TYPE_BUFFER, count_frame, data, nullptr);
  gst_object_unref(sink_pad);
  gst_object_unref(sink);
  gst_bin_add(GST_BIN(GST_ELEMENT_PARENT(rtpbin)), branch);
  gst_element_sync_state_with_parent(branch);
  GstPad* branch_sink = gst_element_get_static_pad(branch, "sink");
  gst_pad_link(pad, branch_sink);
  gst_object_unref(branch_sink);
}

void shorten_rtcp_interval(GstElement* pipeline) {
  GstElement* rtpbin = gst_bin_get_by_name(GST_BIN(pipeline), "rtpbin");
  GObject* session = nullptr;
  g_signal_emit_by_name(rtpbin, "get-internal-session", 0u, &session);
  if (session) {
    g_object_set(session, "rtcp-min-interval", kRtcpIntervalNs, nullptr);
    g_object_unref(session);
  }
  gst_object_unref(rtpbin);
}

void print_progress(Receiver& receiver) {
  GstStructure* stats = nullptr;
  guint64 decrypted = 0;
  g_object_get(receiver.srtpdec, "stats", &stats, nullptr);
  if (stats) {
    gst_structure_get_uint64(stats, "rtp-packets", &decrypted);
    gst_structure_free(stats);
  }
  gchar* profile = nullptr;
  g_object_get(receiver.dtlsdec, "srtp-profile", &profile, nullptr);
  g_print("frames decoded: %" G_GUINT64_FORMAT " (srtpdec decrypted %" G_GUINT64_FORMAT
          " RTP packets, profile %s)\n",
          receiver.frames.load(), decrypted, profile && *profile ? profile : "(none yet)");
  g_free(profile);
}

gboolean on_stats_timer(gpointer data) {
  print_progress(*static_cast<Receiver*>(data));
  return G_SOURCE_CONTINUE;
}

gboolean on_bus(GstBus*, GstMessage* message, gpointer data) {
  auto& receiver = *static_cast<Receiver*>(data);
  if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
    GError* error = nullptr;
    gchar* debug = nullptr;
    gst_message_parse_error(message, &error, &debug);
    // The debug string carries dtlsdec's reason (fingerprint mismatch, alert, timeout).
    g_printerr("camera_receiver: error from %s: %s (%s)\n",
               GST_OBJECT_NAME(GST_MESSAGE_SRC(message)), error->message, debug ? debug : "");
    g_error_free(error);
    g_free(debug);
    receiver.failed = true;
    g_main_loop_quit(receiver.loop);
  } else if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_EOS) {
    g_print("camera_receiver: the camera ended the stream\n");
    g_main_loop_quit(receiver.loop);
  }
  return G_SOURCE_CONTINUE;
}

gboolean quit_loop(gpointer data) {
  g_main_loop_quit(static_cast<Receiver*>(data)->loop);
  return G_SOURCE_REMOVE;
}

bool build_pipeline(Receiver& receiver) {
  GError* error = nullptr;
  receiver.pipeline = gst_parse_launch(pipeline_description(receiver.options).c_str(), &error);
  if (!receiver.pipeline) {
    g_printerr("camera_receiver: %s\n", error->message);
    g_error_free(error);
    return false;
  }
  receiver.srtpdec = gst_bin_get_by_name(GST_BIN(receiver.pipeline), "srtpdec");
  receiver.dtlsdec = gst_bin_get_by_name(GST_BIN(receiver.pipeline), "dtlsdec");
  // Set as properties: a PEM has newlines and a fingerprint spaces, unfit for a launch line.
  g_object_set(receiver.dtlsdec, "pem", receiver.options.identity_pem.c_str(), "peer-fingerprint",
               receiver.options.peer_fingerprint.c_str(), nullptr);
  shorten_rtcp_interval(receiver.pipeline);
  GstElement* rtpbin = gst_bin_get_by_name(GST_BIN(receiver.pipeline), "rtpbin");
  g_signal_connect(rtpbin, "pad-added", G_CALLBACK(on_rtpbin_pad), &receiver);
  gst_object_unref(rtpbin);
  GstBus* bus = gst_element_get_bus(receiver.pipeline);
  gst_bus_add_watch(bus, on_bus, &receiver);
  gst_object_unref(bus);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  auto options = parse_options(argc, argv);
  if (!options) return 2;
  Receiver receiver;
  receiver.options = *options;
  receiver.loop = g_main_loop_new(nullptr, FALSE);
  if (!build_pipeline(receiver)) return 1;
  g_unix_signal_add(SIGINT, quit_loop, &receiver);
  g_unix_signal_add(SIGTERM, quit_loop, &receiver);
  g_timeout_add_seconds(static_cast<guint>(receiver.options.stats_interval_s), on_stats_timer,
                        &receiver);
  if (receiver.options.duration_s > 0) {
    g_timeout_add_seconds(static_cast<guint>(receiver.options.duration_s), quit_loop, &receiver);
  }
  g_print("camera_receiver: listening on UDP port %d\n", receiver.options.port);
  gst_element_set_state(receiver.pipeline, GST_STATE_PLAYING);
  g_main_loop_run(receiver.loop);

  print_progress(receiver);
  gst_element_set_state(receiver.pipeline, GST_STATE_NULL);
  gst_object_unref(receiver.srtpdec);
  gst_object_unref(receiver.dtlsdec);
  gst_object_unref(receiver.pipeline);
  g_main_loop_unref(receiver.loop);
  const bool ok = !receiver.failed && receiver.frames > 0;
  return ok ? 0 : 1;
}
