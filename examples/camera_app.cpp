// SPDX-License-Identifier: LGPL-2.1-or-later
// camera_app: a camera that serves its one capture two ways at once, both encrypted by secmedia:
//
//   capture:  v4l2src (or videotestsrc) ! convert/scale ! raw caps ! intervideosink channel=C
//   RTSP:     gst-rtsp-server, RTP/SAVP keyed by MIKEY:   intervideosrc channel=C ! vp8enc ! pay
//   DTLS:     intervideosrc channel=C ! vp8enc ! rtpvp8pay ! srtpenc ! dtlsenc ! udpsink -> peer
//             udpsrc <- peer ! dtlsdec ! srtpdec ! (RTCP counted: the peer is alive)
//
// Why intervideosink/intervideosrc and not a tee: every consumer is a pipeline of its own, so a
// DTLS handshake failure or a vanished peer tears down and restarts only the DTLS pipeline (an
// error in a tee'd branch would stop the capture and the RTSP clients with it), and gst-rtsp-server
// makes and ends its media pipelines itself. The price is one VP8 encoder per consumer instead of
// one in all; in exchange each consumer starts on its own key frame, which a late RTSP client or a
// retried DTLS peer needs anyway.
//
// Every --stats-interval seconds it prints the stats of each srtpenc (the DTLS stream's and each
// RTSP media stream's, kept from gst-rtsp-server's `new-rtp-encoder` signal) and of dtlsenc. A
// handshake failure or a peer that stops (DTLS closed, EOS, no RTCP) is reported with its reason;
// the DTLS pipeline is torn down and retried after --retry-delay, while RTSP keeps serving.
//
//   camera_app --identity camera.pem --peer 127.0.0.1:5004 --peer-fingerprint "sha-256 AB:..."
//              [--listen-port 5006] [--rtsp-port 8554] [--cipher aes-128-icm] [--duration S]
//              [--stats-interval S] [--retry-delay S] [--peer-timeout S]
#include <glib-unix.h>
#include <gst/gst.h>
#include <gst/rtsp-server/rtsp-server.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace {

// One raw format for the capture and every consumer: intervideosrc outputs the caps its
// intervideosink received, so the consumers' capsfilter must agree with the capture's.
constexpr const char* kRawCaps = "video/x-raw,format=I420,width=320,height=240,framerate=30/1";
constexpr const char* kChannel = "secmedia-camera";
// A failed handshake is retried anyway; 10 s (instead of the RFC-ish 30 s default) keeps a retry
// loop against an absent peer responsive.
constexpr guint kHandshakeTimeoutMs = 10000;

struct Options {
  int rtsp_port = 8554;
  std::string peer_host;
  int peer_port = 0;  // 0: no DTLS receiver, RTSP only
  int listen_port = 5006;
  std::string identity_pem;
  std::string peer_fingerprint;
  std::string cipher = "aes-128-icm";
  int duration_s = 0;  // 0: run until SIGINT/SIGTERM
  int stats_interval_s = 5;
  int retry_delay_s = 3;
  int peer_timeout_s = 6;
};

// srtpenc's rtp-cipher / rtp-auth nicks for --cipher (GCM carries its own tag), and the DTLS-SRTP
// profile that uses the same cipher (RFC 5764, RFC 7714), offered alone so both streams match.
struct Cipher {
  const char* cipher;
  const char* auth;
  const char* dtls_profile;  // nullptr: no such DTLS-SRTP profile, the default offer stays
};
const std::map<std::string, Cipher> kCiphers = {
    {"aes-128-icm", {"aes-128-icm", "hmac-sha1-80", "SRTP_AES128_CM_SHA1_80"}},
    {"aes-256-icm", {"aes-256-icm", "hmac-sha1-80", nullptr}},
    {"aes-128-gcm", {"aes-128-gcm", "null", "SRTP_AEAD_AES_128_GCM"}},
    {"aes-256-gcm", {"aes-256-gcm", "null", "SRTP_AEAD_AES_256_GCM"}},
};

// The DTLS sender of one attempt. A retry builds a new one (new connection-id): nothing of a
// failed association is reused.
struct DtlsSender {
  GstElement* pipeline = nullptr;
  GstElement* srtpenc = nullptr;
  GstElement* dtlsenc = nullptr;
  guint bus_watch = 0;
  guint generation = 0;
  bool stopping = false;
  // Written by streaming threads (pad probes), read by the main loop's watchdog.
  std::atomic<gint64> last_rtcp_us{0};
  std::atomic<bool> eos_from_peer{false};
  gint64 connected_us = 0;  // main loop only
};

struct App {
  Options options;
  GMainLoop* loop = nullptr;
  GstElement* capture = nullptr;
  GstRTSPServer* rtsp = nullptr;
  // srtpenc of each RTSP media stream, weakly: gst-rtsp-server owns and ends them.
  // Appended on gst-rtsp-server's threads (new-rtp-encoder), read by the main loop's stats.
  std::mutex encoders_lock;
  std::vector<std::unique_ptr<GWeakRef, void (*)(GWeakRef*)>> rtsp_encoders;
  std::unique_ptr<DtlsSender> dtls;
  guint dtls_generation = 0;
  guint retry_source = 0;
  bool failed = false;
};

void stop_dtls_sender(App& app, const std::string& reason);
gboolean start_dtls_sender(gpointer data);

// ---------------------------------------------------------------------------------------------
// Options

bool read_file(const std::string& path, std::string& contents) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  contents = buffer.str();
  return true;
}

// HOST:PORT; the last colon splits, so a bracket-less IPv6 host is not supported (say so, not
// guess).
bool parse_host_port(const std::string& text, std::string& host, int& port) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  host = text.substr(0, colon);
  port = std::atoi(text.c_str() + colon + 1);
  return port > 0 && port < 65536;
}

std::optional<Options> parse_options(int& argc, char**& argv) {
  gint rtsp_port = 8554, listen_port = 5006, duration = 0, stats_interval = 5, retry_delay = 3,
       peer_timeout = 6;
  gchar *peer = nullptr, *identity = nullptr, *fingerprint = nullptr, *cipher = nullptr;
  GOptionEntry entries[] = {
      {"rtsp-port", 0, 0, G_OPTION_ARG_INT, &rtsp_port, "RTSP port (8554)", "PORT"},
      {"peer", 0, 0, G_OPTION_ARG_STRING, &peer, "DTLS-SRTP receiver to send to", "HOST:PORT"},
      {"listen-port", 0, 0, G_OPTION_ARG_INT, &listen_port,
       "local UDP port of the DTLS return path", "PORT"},
      {"identity", 0, 0, G_OPTION_ARG_FILENAME, &identity,
       "certificate and key (secmedia-cert new)", "FILE.pem"},
      {"peer-fingerprint", 0, 0, G_OPTION_ARG_STRING, &fingerprint,
       "the receiver's certificate fingerprint, pinned", "'sha-256 AB:...'"},
      {"cipher", 0, 0, G_OPTION_ARG_STRING, &cipher,
       "aes-128-icm (default), aes-256-icm, aes-128-gcm, aes-256-gcm", "NAME"},
      {"duration", 0, 0, G_OPTION_ARG_INT, &duration, "exit after this many seconds (0: never)",
       "S"},
      {"stats-interval", 0, 0, G_OPTION_ARG_INT, &stats_interval, "print stats every S seconds",
       "S"},
      {"retry-delay", 0, 0, G_OPTION_ARG_INT, &retry_delay, "retry the DTLS sender after S seconds",
       "S"},
      {"peer-timeout", 0, 0, G_OPTION_ARG_INT, &peer_timeout,
       "the peer has stopped after S seconds without RTCP (0: a receiver that sends none)", "S"},
      {},
  };
  GOptionContext* context = g_option_context_new("- a secure camera: RTSP (SAVP) and DTLS-SRTP");
  g_option_context_add_main_entries(context, entries, nullptr);
  g_option_context_add_group(context, gst_init_get_option_group());
  GError* error = nullptr;
  const bool parsed = g_option_context_parse(context, &argc, &argv, &error);
  g_option_context_free(context);
  Options options;
  bool valid = parsed;
  if (!parsed) {
    g_printerr("camera_app: %s\n", error->message);
    g_error_free(error);
  }
  options.rtsp_port = rtsp_port;
  options.listen_port = listen_port;
  options.duration_s = duration;
  options.stats_interval_s = stats_interval > 0 ? stats_interval : 5;
  options.retry_delay_s = retry_delay > 0 ? retry_delay : 3;
  options.peer_timeout_s = peer_timeout >= 0 ? peer_timeout : 6;
  if (cipher) options.cipher = cipher;
  if (valid && !kCiphers.contains(options.cipher)) {
    g_printerr("camera_app: unknown --cipher %s\n", options.cipher.c_str());
    valid = false;
  }
  if (valid && peer && !parse_host_port(peer, options.peer_host, options.peer_port)) {
    g_printerr("camera_app: --peer wants HOST:PORT, not %s\n", peer);
    valid = false;
  }
  // A DTLS peer without pinning would accept any certificate: refuse rather than run unpinned.
  if (valid && peer && (!identity || !fingerprint)) {
    g_printerr("camera_app: --peer needs --identity and --peer-fingerprint\n");
    valid = false;
  }
  if (valid && identity && !read_file(identity, options.identity_pem)) {
    g_printerr("camera_app: cannot read --identity %s\n", identity);
    valid = false;
  }
  if (fingerprint) options.peer_fingerprint = fingerprint;
  g_free(peer);
  g_free(identity);
  g_free(fingerprint);
  g_free(cipher);
  if (!valid) return std::nullopt;
  return options;
}

// ---------------------------------------------------------------------------------------------
// Capture: the one pipeline that touches the camera.

std::string capture_description() {
  // A real camera when there is one; otherwise a live test pattern, so the app runs anywhere.
  const bool camera = g_file_test("/dev/video0", G_FILE_TEST_EXISTS);
  const std::string source =
      camera ? "v4l2src device=/dev/video0" : "videotestsrc is-live=true pattern=ball";
  return source + " ! videoconvert ! videoscale ! videorate ! " + kRawCaps +
         " ! intervideosink channel=" + kChannel;
}

gboolean on_capture_bus(GstBus*, GstMessage* message, gpointer data) {
  auto& app = *static_cast<App*>(data);
  // Without the capture there is nothing to serve: this is the one error that ends the app.
  if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
    GError* error = nullptr;
    gchar* debug = nullptr;
    gst_message_parse_error(message, &error, &debug);
    g_printerr("capture failed: %s (%s)\n", error->message, debug ? debug : "");
    g_error_free(error);
    g_free(debug);
    app.failed = true;
    g_main_loop_quit(app.loop);
  }
  return G_SOURCE_CONTINUE;
}

bool start_capture(App& app) {
  GError* error = nullptr;
  app.capture = gst_parse_launch(capture_description().c_str(), &error);
  if (!app.capture) {
    g_printerr("capture: %s\n", error->message);
    g_error_free(error);
    return false;
  }
  GstBus* bus = gst_element_get_bus(app.capture);
  gst_bus_add_watch(bus, on_capture_bus, &app);
  gst_object_unref(bus);
  return gst_element_set_state(app.capture, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE;
}

// ---------------------------------------------------------------------------------------------
// RTSP: RTP/SAVP, the key sent to the client by MIKEY in the SDP.

void free_weak_ref(GWeakRef* ref) {
  g_weak_ref_clear(ref);
  delete ref;
}

// gst-rtsp-server made the stream's srtpenc and has not yet made its random key: the one moment
// the cipher can be chosen. The encoder is kept (weakly) for the stats.
void on_new_rtp_encoder(GstRTSPStream*, GstElement* srtpenc, gpointer data) {
  auto& app = *static_cast<App*>(data);
  const Cipher& cipher = kCiphers.at(app.options.cipher);
  gst_util_set_object_arg(G_OBJECT(srtpenc), "rtp-cipher", cipher.cipher);
  gst_util_set_object_arg(G_OBJECT(srtpenc), "rtcp-cipher", cipher.cipher);
  gst_util_set_object_arg(G_OBJECT(srtpenc), "rtp-auth", cipher.auth);
  gst_util_set_object_arg(G_OBJECT(srtpenc), "rtcp-auth", cipher.auth);
  auto ref = std::unique_ptr<GWeakRef, void (*)(GWeakRef*)>(new GWeakRef, free_weak_ref);
  g_weak_ref_init(ref.get(), srtpenc);
  std::lock_guard guard(app.encoders_lock);
  app.rtsp_encoders.push_back(std::move(ref));
}

void on_media_configure(GstRTSPMediaFactory*, GstRTSPMedia* media, gpointer data) {
  for (guint i = 0; i < gst_rtsp_media_n_streams(media); i++) {
    g_signal_connect(gst_rtsp_media_get_stream(media, i), "new-rtp-encoder",
                     G_CALLBACK(on_new_rtp_encoder), data);
  }
}

bool start_rtsp_server(App& app) {
  app.rtsp = gst_rtsp_server_new();
  const std::string port = std::to_string(app.options.rtsp_port);
  gst_rtsp_server_set_service(app.rtsp, port.c_str());
  GstRTSPMediaFactory* factory = gst_rtsp_media_factory_new();
  const std::string launch = std::string("( intervideosrc channel=") + kChannel + " ! " + kRawCaps +
                             " ! queue ! vp8enc deadline=1 keyframe-max-dist=30 ! "
                             "rtpvp8pay name=pay0 pt=96 )";
  gst_rtsp_media_factory_set_launch(factory, launch.c_str());
  gst_rtsp_media_factory_set_profiles(factory, GST_RTSP_PROFILE_SAVP);
  // Shared: every client plays the same media, so there is one RTSP encoder, not one per client.
  gst_rtsp_media_factory_set_shared(factory, TRUE);
  g_signal_connect(factory, "media-configure", G_CALLBACK(on_media_configure), &app);
  GstRTSPMountPoints* mounts = gst_rtsp_server_get_mount_points(app.rtsp);
  gst_rtsp_mount_points_add_factory(mounts, "/camera", factory);
  g_object_unref(mounts);
  if (gst_rtsp_server_attach(app.rtsp, nullptr) == 0) {
    g_printerr("rtsp: cannot listen on port %d\n", app.options.rtsp_port);
    return false;
  }
  g_print("serving rtsp://127.0.0.1:%d/camera (RTP/SAVP, %s)\n", app.options.rtsp_port,
          app.options.cipher.c_str());
  return true;
}

// ---------------------------------------------------------------------------------------------
// DTLS-SRTP sender: one attempt per DtlsSender.

std::string dtls_sender_description(const Options& options, guint generation) {
  // The pair (dtlsenc, dtlsdec) shares one association through its connection-id; the generation
  // makes each attempt's id new. is-client: the camera starts the handshake toward the receiver.
  const std::string id = "camera-" + std::to_string(generation);
  std::ostringstream description;
  description << "intervideosrc channel=" << kChannel << " ! " << kRawCaps
              << " ! queue ! vp8enc deadline=1 keyframe-max-dist=30 ! rtpvp8pay pt=96 ! "
                 "srtpenc name=srtpenc  srtpenc.rtp_src_0 ! "
              << "dtlsenc name=dtlsenc is-client=true connection-id=" << id
              << " ! udpsink host=" << options.peer_host << " port=" << options.peer_port
              << " sync=false async=false "
              << "udpsrc port=" << options.listen_port
              << " ! dtlsdec name=dtlsdec connection-id=" << id
              << " ! srtpdec name=srtpdec  srtpdec.rtp_src ! fakesink async=false "
              << "srtpdec.rtcp_src ! fakesink name=rtcpsink async=false";
  return description.str();
}

// Identity, pinning, profile and timeout go in as properties, not in the launch line: a PEM has
// newlines and the fingerprint spaces, which gst_parse_launch would have to quote.
void configure_dtls_element(GstElement* element, const Options& options) {
  g_object_set(element, "pem", options.identity_pem.c_str(), "peer-fingerprint",
               options.peer_fingerprint.c_str(), "handshake-timeout", kHandshakeTimeoutMs, nullptr);
  if (const char* profile = kCiphers.at(options.cipher).dtls_profile) {
    g_object_set(element, "srtp-profiles", profile, nullptr);
  }
}

GstPadProbeReturn on_rtcp_from_peer(GstPad*, GstPadProbeInfo*, gpointer data) {
  static_cast<DtlsSender*>(data)->last_rtcp_us = g_get_monotonic_time();
  return GST_PAD_PROBE_OK;
}

// dtlsdec turns a received close_notify into EOS: the peer has ended the association.
GstPadProbeReturn on_return_event(GstPad*, GstPadProbeInfo* info, gpointer data) {
  if (GST_EVENT_TYPE(GST_PAD_PROBE_INFO_EVENT(info)) == GST_EVENT_EOS) {
    static_cast<DtlsSender*>(data)->eos_from_peer = true;
  }
  return GST_PAD_PROBE_OK;
}

void add_probe(GstElement* bin, const char* element, const char* pad, GstPadProbeType type,
               GstPadProbeCallback callback, DtlsSender* sender) {
  GstElement* found = gst_bin_get_by_name(GST_BIN(bin), element);
  GstPad* static_pad = gst_element_get_static_pad(found, pad);
  gst_pad_add_probe(static_pad, type, callback, sender, nullptr);
  gst_object_unref(static_pad);
  gst_object_unref(found);
}

std::string error_reason(GstMessage* message) {
  GError* error = nullptr;
  gchar* debug = nullptr;
  gst_message_parse_error(message, &error, &debug);
  // The debug string is where dtlsdec says why (e.g. the two fingerprints of a mismatch), after a
  // first line that names the source file and the element; the GError message is the category.
  std::string reason = debug ? debug : "";
  if (const auto newline = reason.rfind('\n'); newline != std::string::npos) {
    reason.erase(0, newline + 1);
  }
  reason = std::string(error->message) + ": " + reason;
  g_error_free(error);
  g_free(debug);
  return reason;
}

struct BusContext {
  App* app;
  guint generation;
};

// Runs in the main loop; the pipeline is stopped from an idle callback, never from inside its own
// bus watch, so the watch is not removed while it dispatches.
gboolean on_dtls_bus(GstBus*, GstMessage* message, gpointer data) {
  auto& context = *static_cast<BusContext*>(data);
  App& app = *context.app;
  if (!app.dtls || app.dtls->generation != context.generation || app.dtls->stopping) {
    return G_SOURCE_CONTINUE;
  }
  std::string reason;
  if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
    reason = error_reason(message);
  } else if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_EOS) {
    reason = "DTLS peer ended the stream (EOS)";
  } else {
    return G_SOURCE_CONTINUE;
  }
  app.dtls->stopping = true;
  auto* stop = new std::pair<App*, std::string>(&app, reason);
  g_idle_add(
      [](gpointer p) -> gboolean {
        std::unique_ptr<std::pair<App*, std::string>> owned(
            static_cast<std::pair<App*, std::string>*>(p));
        stop_dtls_sender(*owned->first, owned->second);
        return G_SOURCE_REMOVE;
      },
      stop);
  return G_SOURCE_CONTINUE;
}

gboolean start_dtls_sender(gpointer data) {
  App& app = *static_cast<App*>(data);
  app.retry_source = 0;
  auto sender = std::make_unique<DtlsSender>();
  sender->generation = ++app.dtls_generation;
  GError* error = nullptr;
  sender->pipeline =
      gst_parse_launch(dtls_sender_description(app.options, sender->generation).c_str(), &error);
  if (!sender->pipeline) {
    g_printerr("dtls: %s\n", error->message);
    g_error_free(error);
    app.failed = true;
    g_main_loop_quit(app.loop);
    return G_SOURCE_REMOVE;
  }
  sender->srtpenc = gst_bin_get_by_name(GST_BIN(sender->pipeline), "srtpenc");
  sender->dtlsenc = gst_bin_get_by_name(GST_BIN(sender->pipeline), "dtlsenc");
  GstElement* dtlsdec = gst_bin_get_by_name(GST_BIN(sender->pipeline), "dtlsdec");
  configure_dtls_element(sender->dtlsenc, app.options);
  configure_dtls_element(dtlsdec, app.options);
  gst_object_unref(dtlsdec);
  add_probe(sender->pipeline, "rtcpsink", "sink", GST_PAD_PROBE_TYPE_BUFFER, on_rtcp_from_peer,
            sender.get());
  add_probe(sender->pipeline, "dtlsdec", "src", GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
            on_return_event, sender.get());
  GstBus* bus = gst_element_get_bus(sender->pipeline);
  sender->bus_watch = gst_bus_add_watch_full(
      bus, G_PRIORITY_DEFAULT, on_dtls_bus, new BusContext{&app, sender->generation},
      [](gpointer p) { delete static_cast<BusContext*>(p); });
  gst_object_unref(bus);
  g_print("dtls: attempt %u, handshake with %s:%d\n", sender->generation,
          app.options.peer_host.c_str(), app.options.peer_port);
  GstElement* pipeline = sender->pipeline;
  app.dtls = std::move(sender);
  // A failure to start (a refused setting) is posted on the bus too; its watch reports it and
  // schedules the retry, like any other failure.
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  return G_SOURCE_REMOVE;
}

void schedule_dtls_retry(App& app) {
  if (app.retry_source == 0) {
    app.retry_source = g_timeout_add_seconds(static_cast<guint>(app.options.retry_delay_s),
                                             start_dtls_sender, &app);
  }
}

// Stops this attempt (RTSP and the capture are not touched) and retries after --retry-delay.
void stop_dtls_sender(App& app, const std::string& reason) {
  if (!app.dtls) return;
  g_print("dtls: attempt %u ended: %s; retrying in %d s (RTSP keeps serving)\n",
          app.dtls->generation, reason.c_str(), app.options.retry_delay_s);
  std::unique_ptr<DtlsSender> sender = std::move(app.dtls);
  g_source_remove(sender->bus_watch);
  gst_element_set_state(sender->pipeline, GST_STATE_NULL);
  gst_object_unref(sender->srtpenc);
  gst_object_unref(sender->dtlsenc);
  gst_object_unref(sender->pipeline);
  schedule_dtls_retry(app);
}

int connection_state(GstElement* dtlsenc) {
  int state = 0;
  g_object_get(dtlsenc, "connection-state", &state, nullptr);
  return state;
}

// Polled from the main loop: the probes only set flags, so no decision is taken on a streaming
// thread. connection-state values are gst-plugins-bad's: closed 1, failed 2, connected 4.
gboolean watch_dtls_peer(gpointer data) {
  App& app = *static_cast<App*>(data);
  DtlsSender* sender = app.dtls.get();
  if (!sender || sender->stopping) return G_SOURCE_CONTINUE;
  const int state = connection_state(sender->dtlsenc);
  const gint64 now = g_get_monotonic_time();
  if (state == 4 && sender->connected_us == 0) {
    sender->connected_us = now;
    g_print("dtls: attempt %u connected\n", sender->generation);
  }
  std::string reason;
  if (sender->eos_from_peer) {
    reason = "peer stopped: DTLS close_notify (EOS)";
  } else if (state == 1 && sender->connected_us != 0) {
    reason = "peer stopped: DTLS connection closed";
  } else if (sender->connected_us != 0 && app.options.peer_timeout_s > 0) {
    // RTCP receiver reports are the receiver's heartbeat: DTLS itself sends nothing when idle.
    const gint64 last = std::max<gint64>(sender->last_rtcp_us, sender->connected_us);
    if (now - last > gint64{app.options.peer_timeout_s} * G_USEC_PER_SEC) {
      reason = "peer stopped: no RTCP for " + std::to_string(app.options.peer_timeout_s) + " s";
    }
  }
  if (!reason.empty()) {
    sender->stopping = true;
    stop_dtls_sender(app, reason);
  }
  return G_SOURCE_CONTINUE;
}

// ---------------------------------------------------------------------------------------------
// Stats

std::string uint64_field(const GstStructure* stats, const char* field) {
  guint64 value = 0;
  gst_structure_get_uint64(stats, field, &value);
  return std::to_string(value);
}

void print_srtpenc_stats(const std::string& label, GstElement* srtpenc) {
  GstStructure* stats = nullptr;
  g_object_get(srtpenc, "stats", &stats, nullptr);
  if (!stats) return;
  gboolean keyed = FALSE;
  gst_structure_get_boolean(stats, "keyed", &keyed);
  g_print(
      "stats %s srtpenc: keyed=%d rtp-packets=%s rtcp-packets=%s dropped=%s dropped-no-key=%s\n",
      label.c_str(), keyed, uint64_field(stats, "rtp-packets").c_str(),
      uint64_field(stats, "rtcp-packets").c_str(), uint64_field(stats, "dropped").c_str(),
      uint64_field(stats, "dropped-no-key").c_str());
  gst_structure_free(stats);
}

void print_dtlsenc_stats(GstElement* dtlsenc) {
  GstStructure* stats = nullptr;
  gchar* profile = nullptr;
  g_object_get(dtlsenc, "stats", &stats, "srtp-profile", &profile, nullptr);
  gchar* text = stats ? gst_structure_to_string(stats) : nullptr;
  g_print("stats dtls dtlsenc: connection-state=%d srtp-profile=%s %s\n", connection_state(dtlsenc),
          profile ? profile : "(none)", text ? text : "");
  g_free(text);
  g_free(profile);
  if (stats) gst_structure_free(stats);
}

gboolean print_stats(gpointer data) {
  App& app = *static_cast<App*>(data);
  if (app.dtls) {
    print_srtpenc_stats("dtls", app.dtls->srtpenc);
    print_dtlsenc_stats(app.dtls->dtlsenc);
  }
  std::lock_guard guard(app.encoders_lock);
  // Encoders of media gst-rtsp-server has ended are gone from their weak references: drop them.
  std::erase_if(app.rtsp_encoders, [](const auto& ref) {
    GObject* alive = static_cast<GObject*>(g_weak_ref_get(ref.get()));
    if (alive) g_object_unref(alive);
    return alive == nullptr;
  });
  for (size_t i = 0; i < app.rtsp_encoders.size(); i++) {
    auto* srtpenc = static_cast<GstElement*>(g_weak_ref_get(app.rtsp_encoders[i].get()));
    if (!srtpenc) continue;
    print_srtpenc_stats("rtsp[" + std::to_string(i) + "]", srtpenc);
    gst_object_unref(srtpenc);
  }
  return G_SOURCE_CONTINUE;
}

// ---------------------------------------------------------------------------------------------

gboolean quit_loop(gpointer data) {
  g_main_loop_quit(static_cast<App*>(data)->loop);
  return G_SOURCE_REMOVE;
}

void shut_down(App& app) {
  if (app.retry_source) g_source_remove(app.retry_source);
  if (app.dtls) {
    app.dtls->stopping = true;
    g_source_remove(app.dtls->bus_watch);
    gst_element_set_state(app.dtls->pipeline, GST_STATE_NULL);
    gst_object_unref(app.dtls->srtpenc);
    gst_object_unref(app.dtls->dtlsenc);
    gst_object_unref(app.dtls->pipeline);
    app.dtls.reset();
  }
  {
    std::lock_guard guard(app.encoders_lock);
    app.rtsp_encoders.clear();
  }
  if (app.rtsp) g_object_unref(app.rtsp);
  if (app.capture) {
    gst_element_set_state(app.capture, GST_STATE_NULL);
    gst_object_unref(app.capture);
  }
}

}  // namespace

int main(int argc, char** argv) {
  auto options = parse_options(argc, argv);
  if (!options) return 2;
  App app;
  app.options = *options;
  app.loop = g_main_loop_new(nullptr, FALSE);
  g_unix_signal_add(SIGINT, quit_loop, &app);
  g_unix_signal_add(SIGTERM, quit_loop, &app);

  if (!start_capture(app) || !start_rtsp_server(app)) {
    shut_down(app);
    return 1;
  }
  if (app.options.peer_port != 0) {
    start_dtls_sender(&app);
    g_timeout_add(500, watch_dtls_peer, &app);
  }
  g_timeout_add_seconds(static_cast<guint>(app.options.stats_interval_s), print_stats, &app);
  if (app.options.duration_s > 0) {
    g_timeout_add_seconds(static_cast<guint>(app.options.duration_s), quit_loop, &app);
  }
  g_main_loop_run(app.loop);

  print_stats(&app);
  shut_down(app);
  g_main_loop_unref(app.loop);
  g_print("camera_app: %s\n", app.failed ? "FAILED" : "done");
  return app.failed ? 1 : 0;
}
