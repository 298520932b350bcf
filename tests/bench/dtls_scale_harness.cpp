// SPDX-License-Identifier: LGPL-2.1-or-later
// N DTLS-SRTP associations in one process, through the elements' public interface only, for
// whichever plugin GStreamer loads (ours by GST_PLUGIN_PATH, gst-plugins-bad's without it):
//   association i:  dtlsenc(a<i>, is-client) ! dtlsdec(b<i>)     dtlsenc(b<i>) ! dtlsdec(a<i>)
// all in one pipeline, no sinks (with a sink per association in one bin, GStreamer's own message
// handling dominates). Each decoder is made before its encoder and the clients start after the rest
// of the pipeline, as gst-plugins-bad's needs (see dtls_element_bench.cpp).
//   create   from the first element made until all 4N are made, added and linked;
//   connect  from then (set_state(PLAYING) included) until on-key-received has fired on all 4N
//            elements (every side holds its keys); then every dtlsdec must say connection-state
//            connected (not timed);
//   threads  the process's threads once all are connected, less those before the pipeline;
//   heap     glibc's heap in use (every arena) and RSS once all are connected, less before the
//            pipeline, per side (a side: one dtlsenc, one dtlsdec and their association).
// A warm-up association is connected and torn down first (plugin loading, gst-plugins-bad's
// process-wide certificate).
// --media-sample=K also makes K associations (spread over the N) of dtlssrtpenc/dtlssrtpdec, with
// RTP from an appsrc through each direction into an appsink: each must deliver its packets
// decrypted and unchanged, with SRTP (not the plain payload) between the peers. That is the
// correctness check the test runs (tests/bench/meson.build, dtls_scale_test); the benchmark runs
// without it (tests/bench/scale_bench.py).
// Output: PLUGIN lines, then one RESULT line, or a FAIL line and exit status 1 (2 on a timeout).
#include <glib.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <malloc.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>
#include "bench_gst_support.h"

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kMediaPackets = 20;
constexpr size_t kPayloadLength = 160;
constexpr char kPattern[] = "secmedia-scale-payload-";  // repeated through every RTP payload

struct Options {
  int associations = 10;
  double timeout_seconds = 60;
  int media_sample = 0;
  bool teardown = false;  // set the pipeline to NULL at the end (timed) instead of _Exit
};

[[noreturn]] void fail(const std::string& why, int status = 1) {
  std::printf("FAIL %s\n", why.c_str());
  std::fflush(stdout);
  std::_Exit(status);
}

double seconds_since(Clock::time_point start, Clock::time_point end = Clock::now()) {
  return std::chrono::duration<double>(end - start).count();
}

size_t heap_in_use() {
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

// From /proc/self/status: "Threads:" and "VmRSS:" (kB).
long status_field(const char* name) {
  std::ifstream status("/proc/self/status");
  std::string line;
  const size_t length = std::strlen(name);
  while (std::getline(status, line)) {
    if (line.compare(0, length, name) == 0) return std::atol(line.c_str() + length);
  }
  return -1;
}

GstElement* make(const char* factory, const std::string& name = {}) {
  GstElement* element = gst_element_factory_make(factory, name.empty() ? nullptr : name.c_str());
  if (!element) fail(std::string("no element ") + factory);
  return element;
}

void link_pads(GstElement* from, const char* src_name, GstElement* to, const char* sink_name) {
  GstPad* src = gst_element_get_static_pad(from, src_name);
  if (!src) src = gst_element_request_pad_simple(from, src_name);
  GstPad* sink = gst_element_get_static_pad(to, sink_name);
  if (!sink) sink = gst_element_request_pad_simple(to, sink_name);
  if (!src || !sink || gst_pad_link(src, sink) != GST_PAD_LINK_OK) {
    fail(std::string("cannot link ") + GST_ELEMENT_NAME(from) + "." + src_name + " to " +
         GST_ELEMENT_NAME(to) + "." + sink_name);
  }
  gst_object_unref(src);
  gst_object_unref(sink);
}

// Counted from the streaming and timer threads.
struct Progress {
  std::mutex lock;
  std::condition_variable changed;
  int keyed = 0;  // on-key-received, all elements
  Clock::time_point last{};
};

void on_key_received(GstElement*, gpointer data) {
  auto* progress = static_cast<Progress*>(data);
  {
    std::lock_guard guard(progress->lock);
    ++progress->keyed;
    progress->last = Clock::now();
  }
  progress->changed.notify_all();
}

// One direction of a sampled association's media: what went in, what came out and what crossed.
struct MediaPath {
  GstElement* appsrc = nullptr;
  GstElement* appsink = nullptr;
  uint32_t ssrc = 0;
  uint16_t next_sequence = 1;
  std::atomic<int> wire_packets{0};    // buffers from dtlssrtpenc that look like RTP
  std::atomic<int> wire_plaintext{0};  // ... with the plain payload visible
  int received = 0;
  int received_wrong = 0;
};

bool contains_pattern(const uint8_t* data, size_t size) {
  const size_t n = sizeof kPattern - 1;
  for (size_t i = 0; i + n <= size; ++i) {
    if (std::memcmp(data + i, kPattern, n) == 0) return true;
  }
  return false;
}

GstPadProbeReturn on_wire(GstPad*, GstPadProbeInfo* info, gpointer data) {
  auto* path = static_cast<MediaPath*>(data);
  GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
  GstMapInfo map;
  if (buffer && gst_buffer_map(buffer, &map, GST_MAP_READ)) {
    // RFC 7983: 128..191 is RTP/RTCP, 20..63 DTLS.
    if (map.size > 12 && map.data[0] >= 128 && map.data[0] <= 191) {
      ++path->wire_packets;
      if (contains_pattern(map.data, map.size)) ++path->wire_plaintext;
    }
    gst_buffer_unmap(buffer, &map);
  }
  return GST_PAD_PROBE_OK;
}

std::vector<uint8_t> rtp_packet(uint32_t ssrc, uint16_t sequence) {
  std::vector<uint8_t> packet = {0x80, 96, static_cast<uint8_t>(sequence >> 8),
                                 static_cast<uint8_t>(sequence)};
  const uint32_t timestamp = 960u * sequence;
  for (uint32_t value : {timestamp, ssrc}) {
    for (int shift = 24; shift >= 0; shift -= 8)
      packet.push_back(static_cast<uint8_t>(value >> shift));
  }
  for (size_t i = 0; i < kPayloadLength; ++i) packet.push_back(kPattern[i % (sizeof kPattern - 1)]);
  return packet;
}

class Scale {
 public:
  explicit Scale(const Options& options) : options_(options) {}

  // Makes, adds and links everything; returns the number of on-key-received to wait for.
  void create(int first_id) {
    pipeline_ = gst_pipeline_new("scale");
    const int n = options_.associations;
    const int sample = std::min(options_.media_sample, n);
    for (int i = 0; i < n; ++i) {
      const bool media = sample > 0 && i % std::max(1, n / sample) == 0 &&
                         static_cast<int>(paths_.size()) < 2 * sample;
      // Appended, not "a" + std::to_string(id): g++ 12 -O3 warns wrongly on that (-Wrestrict).
      std::string a = "a", b = "b";
      a += std::to_string(first_id + i);
      b += std::to_string(first_id + i);
      add_association(a, b, media);
    }
  }

  int expected_keys() const { return 4 * plain_associations_; }

  // set_state(PLAYING), then the clients.
  void start() {
    if (gst_element_set_state(pipeline_, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
      fail("cannot start the pipeline: " + bus_error());
    }
    for (GstElement* client : clients_) {
      gst_element_set_locked_state(client, FALSE);
      if (gst_element_set_state(client, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
        fail("cannot start a client: " + bus_error());
      }
    }
  }

  // Waits until every element has its keys; the time of the last one.
  Clock::time_point wait_connected(Clock::time_point deadline) {
    std::unique_lock guard(progress_.lock);
    while (progress_.keyed < expected_keys()) {
      if (Clock::now() > deadline) {
        const int keyed = progress_.keyed;
        guard.unlock();
        fail("timeout: " + std::to_string(keyed) + " of " + std::to_string(expected_keys()) +
                 " elements keyed; " + bus_error(),
             2);
      }
      progress_.changed.wait_for(guard, std::chrono::milliseconds(50));
      guard.unlock();
      check_bus();
      guard.lock();
    }
    return progress_.last;
  }

  // Not timed: each dtlsdec must say connected.
  void check_connected(Clock::time_point deadline) {
    const std::string problem = secmedia::bench::wait_until_connected(decoders_, deadline);
    if (!problem.empty()) fail(problem);
  }

  // Sends RTP both ways on every sampled association until each path has delivered kMediaPackets
  // (packets sent before the SRTP keys are in place are dropped by design, so it keeps sending).
  void check_media(Clock::time_point deadline) {
    if (paths_.empty()) return;
    while (true) {
      bool all = true;
      for (auto& path : paths_) {
        pull(*path);
        if (path->received < kMediaPackets) {
          all = false;
          push(*path);
        }
      }
      if (all) break;
      if (Clock::now() > deadline) {
        std::string counts;
        for (auto& path : paths_) {
          counts += ' ';  // appended: g++ 12 -O3 warns wrongly on " " + std::to_string (-Wrestrict)
          counts += std::to_string(path->received);
        }
        fail("media: not every sampled path delivered " + std::to_string(kMediaPackets) +
                 " packets (received:" + counts + "); " + bus_error(),
             2);
      }
      check_bus();
      g_usleep(5000);
    }
    for (auto& path : paths_) {
      if (path->received_wrong > 0) fail("media: a packet came out different from what went in");
      if (path->wire_packets.load() < kMediaPackets) fail("media: no SRTP seen between the peers");
      if (path->wire_plaintext.load() > 0) fail("media: the plain payload crossed between peers");
    }
  }

  size_t media_paths() const { return paths_.size(); }

  void stop() {
    if (!pipeline_) return;
    gst_element_set_state(pipeline_, GST_STATE_NULL);
    gst_object_unref(pipeline_);
    pipeline_ = nullptr;
  }

  void check_bus() {
    GstBus* bus = gst_element_get_bus(pipeline_);
    GstMessage* message = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
    if (message) {
      gst_bus_post(bus, message);
      gst_object_unref(bus);
      fail("error on the bus: " + bus_error());
    }
    // Everything else is dropped, as an application's bus watch would.
    while (GstMessage* other = gst_bus_pop(bus)) gst_message_unref(other);
    gst_object_unref(bus);
  }

 private:
  // Two sides, a (the client) and b, each a decoder and an encoder linked to the other's decoder:
  // dtlsenc/dtlsdec, or with `media` the DTLS-SRTP bins with RTP sent both ways.
  void add_association(const std::string& a, const std::string& b, bool media) {
    GstElement* a_dec = make(media ? "dtlssrtpdec" : "dtlsdec", "dec-" + a);
    GstElement* b_dec = make(media ? "dtlssrtpdec" : "dtlsdec", "dec-" + b);
    g_object_set(a_dec, "connection-id", a.c_str(), nullptr);
    g_object_set(b_dec, "connection-id", b.c_str(), nullptr);
    GstElement* a_enc = make(media ? "dtlssrtpenc" : "dtlsenc", "enc-" + a);
    GstElement* b_enc = make(media ? "dtlssrtpenc" : "dtlsenc", "enc-" + b);
    g_object_set(a_enc, "connection-id", a.c_str(), "is-client", TRUE, nullptr);
    g_object_set(b_enc, "connection-id", b.c_str(), nullptr);
    gst_bin_add_many(GST_BIN(pipeline_), a_dec, b_dec, a_enc, b_enc, nullptr);
    link_pads(a_enc, "src", b_dec, "sink");
    link_pads(b_enc, "src", a_dec, "sink");
    gst_element_set_locked_state(a_enc, TRUE);
    clients_.push_back(a_enc);
    if (media) {
      // A to B, then B to A.
      add_media_path(a_enc, b_dec, 0x5ca1e000u + static_cast<uint32_t>(paths_.size()));
      add_media_path(b_enc, a_dec, 0x5ca1e000u + static_cast<uint32_t>(paths_.size()));
      return;
    }
    for (GstElement* element : {a_dec, b_dec, a_enc, b_enc}) {
      g_signal_connect(element, "on-key-received", G_CALLBACK(on_key_received), &progress_);
    }
    decoders_.push_back(a_dec);
    decoders_.push_back(b_dec);
    ++plain_associations_;
  }

  void add_media_path(GstElement* enc, GstElement* dec, uint32_t ssrc) {
    auto path = std::make_unique<MediaPath>();
    path->ssrc = ssrc;
    path->appsrc = make("appsrc");
    GstCaps* caps =
        gst_caps_new_simple("application/x-rtp", "media", G_TYPE_STRING, "audio", "clock-rate",
                            G_TYPE_INT, 48000, "encoding-name", G_TYPE_STRING, "OPUS", "payload",
                            G_TYPE_INT, 96, "ssrc", G_TYPE_UINT, ssrc, nullptr);
    g_object_set(path->appsrc, "caps", caps, "format", GST_FORMAT_TIME, "is-live", TRUE, nullptr);
    gst_caps_unref(caps);
    path->appsink = make("appsink");
    // No preroll: the pipeline must reach PLAYING before any media flows.
    g_object_set(path->appsink, "sync", FALSE, "async", FALSE, "emit-signals", FALSE, nullptr);
    gst_bin_add_many(GST_BIN(pipeline_), path->appsrc, path->appsink, nullptr);
    link_pads(path->appsrc, "src", enc, "rtp_sink_0");
    link_pads(dec, "rtp_src", path->appsink, "sink");
    GstPad* wire = gst_element_get_static_pad(enc, "src");
    gst_pad_add_probe(wire, GST_PAD_PROBE_TYPE_BUFFER, on_wire, path.get(), nullptr);
    gst_object_unref(wire);
    paths_.push_back(std::move(path));
  }

  void push(MediaPath& path) {
    const std::vector<uint8_t> packet = rtp_packet(path.ssrc, path.next_sequence++);
    GstBuffer* buffer = gst_buffer_new_memdup(packet.data(), packet.size());
    gst_app_src_push_buffer(GST_APP_SRC(path.appsrc), buffer);
  }

  void pull(MediaPath& path) {
    while (GstSample* sample = gst_app_sink_try_pull_sample(GST_APP_SINK(path.appsink), 0)) {
      GstBuffer* buffer = gst_sample_get_buffer(sample);
      GstMapInfo map;
      if (buffer && gst_buffer_map(buffer, &map, GST_MAP_READ)) {
        const uint16_t sequence = static_cast<uint16_t>(map.data[2] << 8 | map.data[3]);
        const std::vector<uint8_t> expected = rtp_packet(path.ssrc, sequence);
        if (map.size == expected.size() && std::memcmp(map.data, expected.data(), map.size) == 0) {
          ++path.received;
        } else {
          ++path.received_wrong;
        }
        gst_buffer_unmap(buffer, &map);
      }
      gst_sample_unref(sample);
    }
  }

  std::string bus_error() {
    if (!pipeline_) return "no pipeline";
    GstBus* bus = gst_element_get_bus(pipeline_);
    std::string why = "no error message";
    if (GstMessage* message = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR)) {
      GError* error = nullptr;
      gchar* debug = nullptr;
      gst_message_parse_error(message, &error, &debug);
      why = std::string(GST_OBJECT_NAME(GST_MESSAGE_SRC(message))) + ": " + error->message;
      g_clear_error(&error);
      g_free(debug);
      gst_message_unref(message);
    }
    gst_object_unref(bus);
    return why;
  }

  Options options_;
  GstElement* pipeline_ = nullptr;
  std::vector<GstElement*> clients_;
  std::vector<GstElement*> decoders_;
  std::vector<std::unique_ptr<MediaPath>> paths_;
  int plain_associations_ = 0;
  Progress progress_;
};

void print_plugin(const char* factory_name) {
  if (!secmedia::bench::print_plugin(factory_name)) fail(std::string("no element ") + factory_name);
}

Clock::time_point deadline_from(Clock::time_point start, double seconds) {
  return start +
         std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

int run(const Options& options) {
  gst_init(nullptr, nullptr);
  print_plugin("dtlsenc");
  print_plugin("dtlsdec");
  if (options.media_sample > 0) {
    print_plugin("dtlssrtpenc");
    print_plugin("dtlssrtpdec");
  }
  std::fflush(stdout);

  // Warm-up: one association, connected and torn down.
  {
    Options one = options;
    one.associations = 1;
    one.media_sample = 0;
    Scale warm(one);
    warm.create(1000000);
    warm.start();
    const auto deadline = deadline_from(Clock::now(), options.timeout_seconds);
    warm.wait_connected(deadline);
    warm.check_connected(deadline);
    warm.stop();
  }
  // Let GLib's pool retire the warm-up's streaming threads before the baseline.
  g_usleep(700 * 1000);

  const long threads_before = status_field("Threads:");
  const long rss_before = status_field("VmRSS:");
  const size_t heap_before = heap_in_use();

  Scale scale(options);
  const auto start = Clock::now();
  const auto deadline = deadline_from(start, options.timeout_seconds);
  scale.create(0);
  const auto created = Clock::now();
  scale.start();
  const auto started = Clock::now();
  const auto connected = scale.wait_connected(deadline);
  const auto waited = Clock::now();
  scale.check_bus();

  const long threads = status_field("Threads:");
  const long rss = status_field("VmRSS:");
  const size_t heap = heap_in_use();

  scale.check_connected(deadline);
  scale.check_media(deadline_from(Clock::now(), options.timeout_seconds));

  const double sides = 2.0 * options.associations;
  double teardown = -1;
  if (options.teardown) {
    const auto before_stop = Clock::now();
    scale.stop();
    teardown = seconds_since(before_stop);
  }
  // N associations, create s, connect s, set_state s, all-connected seen s, threads (net and total),
  // heap bytes per side, RSS bytes per side, media paths checked, teardown s (-1: not done).
  std::printf(
      "RESULT %d create=%.4f connect=%.4f set_state=%.4f seen=%.4f threads=%ld "
      "threads_total=%ld heap_per_side=%.0f rss_per_side=%.0f media_paths=%zu teardown=%.4f\n",
      options.associations, seconds_since(start, created), seconds_since(created, connected),
      seconds_since(created, started), seconds_since(created, waited), threads - threads_before,
      threads, (static_cast<double>(heap) - static_cast<double>(heap_before)) / sides,
      static_cast<double>(rss - rss_before) * 1024.0 / sides, scale.media_paths(), teardown);
  std::fflush(stdout);
  // No gst_deinit() nor exit handlers: OpenSSL's cleanup would race with the streaming threads
  // GLib's pool is still retiring (see dtls_element_bench.cpp); tearing down N associations is not
  // what is measured unless --teardown says so.
  std::_Exit(0);
}

int parse_int(std::string_view value, std::string_view what) {
  int n = 0;
  for (char c : value) {
    if (c < '0' || c > '9' || n > 10000000) fail("not a number for " + std::string(what));
    n = n * 10 + (c - '0');
  }
  if (value.empty()) fail("no value for " + std::string(what));
  return n;
}

constexpr const char* kUsage =
    "usage: dtls_scale_harness [--associations=N] [--timeout=SECONDS] [--media-sample=K] "
    "[--teardown]\n"
    "  N DTLS-SRTP associations (2N sides) of whichever dtls plugin GStreamer loads, in one\n"
    "  pipeline; prints RESULT N create= connect= ... or FAIL <why> (exit 1, 2 on a timeout)\n";

}  // namespace

int main(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const size_t eq = arg.find('=');
    const std::string_view name = arg.substr(0, eq);
    const std::string_view value = eq == std::string_view::npos ? "" : arg.substr(eq + 1);
    if (name == "--associations") {
      options.associations = std::max(1, parse_int(value, name));
    } else if (name == "--timeout") {
      options.timeout_seconds = std::max(1, parse_int(value, name));
    } else if (name == "--media-sample") {
      options.media_sample = parse_int(value, name);
    } else if (arg == "--teardown") {
      options.teardown = true;
    } else if (arg == "--help") {
      std::printf("%s", kUsage);
      return 0;
    } else {
      std::fprintf(stderr, "unknown argument %s\n%s", argv[i], kUsage);
      return 2;
    }
  }
  return run(options);
}
