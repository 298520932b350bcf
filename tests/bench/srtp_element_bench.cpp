// Per-packet cost of the srtpenc and srtpdec elements, ours against gst-plugins-bad's (the
// incumbent, on libsrtp2), in a real pipeline:
//   base    appsrc ! fakesink                      what the pipeline costs without SRTP
//   enc     appsrc ! srtpenc ! fakesink
//   encdec  appsrc ! srtpenc ! srtpdec ! fakesink
// enc's net cost is enc - base; dec's is encdec - enc. Both plugins are libgstsrtp.so, so each side
// runs in its own worker process (this program with --worker) with its own GST_PLUGIN_PATH and
// registry; the driver (no --worker) alternates the two for several rounds, keeps the best time of
// each pipeline (CPU time, as the core benchmark's ratios use) and prints a table and one RATIO
// line per case (ours / gst-plugins-bad, net of the pipeline, lower is better for us). Entry point:
// tests/bench/run.sh.
#include <glib.h>
#include <glib/gstdio.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "packets.h"

#ifndef SECMEDIA_GST_PLUGIN_DIR
#error "SECMEDIA_GST_PLUGIN_DIR must name the build directory of our libgstsrtp.so"
#endif

namespace {

struct Profile {
  const char* name;  // as in the RATIO lines (the core benchmark's names)
  const char* cipher;
  const char* auth;
  const char* key_hex;  // master key and salt
  size_t tag_length;    // what protect adds to an RTP packet (no MKI)
};

// The keys of the interop test: any fixed key does, the cost does not depend on it.
constexpr Profile kProfiles[] = {
    {"AES_CM_128_HMAC_SHA1_80", "aes-128-icm", "hmac-sha1-80",
     "e1f97a0d3e018be0d64fa32c06de41390ec675ad498afeebb6960b3aabe6", 10},
    {"AEAD_AES_128_GCM", "aes-128-gcm", "null",
     "000102030405060708090a0b0c0d0e0fa0a1a2a3a4a5a6a7a8a9aaab", 16},
};
constexpr size_t kPayloadSizes[] = {160, 1200};  // G.711 20 ms; a video packet near the MTU
constexpr uint32_t kSsrc = 0xcafebabe;
// The first packet goes through while the pipeline prerolls, before the clock starts: it pays for
// keying and the first caps, which no later packet does.
constexpr size_t kUntimedPackets = 1;
// A short run of each pipeline before the timed ones: code, allocator arenas and OpenSSL's tables
// warm, and its last packet checked byte for byte.
constexpr size_t kWarmUpPackets = 2000;
constexpr gint64 kTimeoutSeconds = 120;

enum class Kind { base, enc, encdec };

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::base:
      return "base";
    case Kind::enc:
      return "enc";
    case Kind::encdec:
      return "encdec";
  }
  return "?";
}

struct Options {
  bool worker = false;
  // Five rounds of two runs each: ten samples of every pipeline on each side, of which the best
  // counts (noise only ever adds time; the median moved about three times as much between
  // invocations). On this 2-core VM, with other programs keeping the load average near 5, the
  // RATIO lines of four invocations differed by at most 0.05.
  int rounds = 5;
  int repeat = 2;  // worker: each case this many times, interleaved with the others
  // Runs of 10 to 300 ms: short enough that a burst of noise spoils few of them, long enough that
  // the fixed cost of a run (starting and stopping, the same in the three pipelines of a size and
  // so gone from the net costs) is below 1%; the pre-built input stays under 30 MB.
  size_t packets_160 = 60000;
  size_t packets_1200 = 25000;
  std::string only;               // run only the cases whose "<profile>/<size>" contains this
  std::optional<Kind> only_kind;  // worker: run only this pipeline (e.g. under callgrind)
  // Octets of writable room after each input packet. 0 (the default, what RTP payloaders give)
  // makes every srtpenc copy; with room for the tag ours protects in place (gst-plugins-bad's
  // always copies), which shows what the copy costs ours.
  size_t tail_room = 0;
  bool warm_up = true;
};

size_t packets_for(const Options& options, size_t payload) {
  return payload == 160 ? options.packets_160 : options.packets_1200;
}

bool selected(const Options& options, const Profile& profile, size_t payload) {
  const std::string name = std::string(profile.name) + "/" + std::to_string(payload);
  return options.only.empty() || name.find(options.only) != std::string::npos;
}

bool size_selected(const Options& options, size_t payload) {
  for (const Profile& profile : kProfiles) {
    if (selected(options, profile, payload)) return true;
  }
  return false;
}

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "srtp_element_bench: %s\n", why.c_str());
  std::exit(1);
}

// ---------------------------------------------------------------------------------------------
// Worker: one process, one plugin set, every case `repeat` times.

// All the input of a run, built before the clock starts so that no allocation of input is timed.
// Each packet gets its own buffer (nothing reused, nothing shared). Without tail room its memory is
// exactly the packet's size: neither srtpenc can protect in place, so both pay for one output
// buffer per packet, as they would behind a payloader (which allocates exactly what it fills).
std::vector<GstBuffer*> make_input(size_t payload, size_t count, size_t tail_room,
                                   std::vector<uint8_t>& last) {
  secmedia::test::RtpSpec spec;
  spec.ssrc = kSsrc;
  spec.payload_length = payload;
  std::vector<uint8_t> packet = secmedia::test::make_rtp(spec);
  std::vector<GstBuffer*> buffers;
  buffers.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    // Consecutive sequence numbers (wrapping at 2^16, which both implementations follow with the
    // ROC) and timestamps: the receiver sees no replay and no loss.
    const auto sequence = static_cast<uint16_t>(1 + i);
    const auto timestamp = static_cast<uint32_t>(0x10000 + i * 160);
    packet[2] = static_cast<uint8_t>(sequence >> 8);
    packet[3] = static_cast<uint8_t>(sequence);
    for (int b = 0; b < 4; ++b) packet[4 + b] = static_cast<uint8_t>(timestamp >> (24 - 8 * b));
    if (tail_room == 0) {
      buffers.push_back(gst_buffer_new_memdup(packet.data(), packet.size()));
    } else {
      GstBuffer* buffer = gst_buffer_new_allocate(nullptr, packet.size() + tail_room, nullptr);
      gst_buffer_fill(buffer, 0, packet.data(), packet.size());
      gst_buffer_set_size(buffer, static_cast<gssize>(packet.size()));
      buffers.push_back(buffer);
    }
  }
  last = packet;
  return buffers;
}

GstElement* make_element(const char* factory, const char* name) {
  GstElement* element = gst_element_factory_make(factory, name);
  if (!element) die(std::string("no element ") + factory);
  return element;
}

void set_arg(GstElement* element, const char* property, const char* value) {
  // Parsed as gst-launch-1.0 would (enum nicks, hex for the key buffer).
  gst_util_set_object_arg(G_OBJECT(element), property, value);
}

void link(GstPad* src, GstPad* sink) {
  if (gst_pad_link(src, sink) != GST_PAD_LINK_OK) {
    die(std::string("cannot link ") + GST_PAD_NAME(src) + " to " + GST_PAD_NAME(sink));
  }
}

struct Pipeline {
  GstElement* pipeline = nullptr;
  GstElement* appsrc = nullptr;
  GstElement* sink = nullptr;
  GstPad* enc_sink = nullptr;  // the requested pad, released at the end
  GstElement* enc = nullptr;
};

Pipeline build(Kind kind, const Profile* profile, bool keep_last_sample) {
  Pipeline p;
  p.pipeline = gst_pipeline_new("bench");
  p.appsrc = make_element("appsrc", "src");
  GstCaps* caps =
      gst_caps_new_simple("application/x-rtp", "media", G_TYPE_STRING, "video", "clock-rate",
                          G_TYPE_INT, 90000, "encoding-name", G_TYPE_STRING, "H264", "payload",
                          G_TYPE_INT, 96, "ssrc", G_TYPE_UINT, kSsrc, nullptr);
  // Not live, no limit on what is queued (the whole input is queued before the clock starts), no
  // signals: appsrc costs the least it can.
  g_object_set(p.appsrc, "caps", caps, "format", GST_FORMAT_TIME, "is-live", FALSE, "block", FALSE,
               "max-bytes", G_GUINT64_CONSTANT(0), "emit-signals", FALSE, nullptr);
  gst_caps_unref(caps);
  p.sink = make_element("fakesink", "sink");
  // sync=false: as fast as the elements go. The last sample is kept only when it is checked.
  g_object_set(p.sink, "sync", FALSE, "enable-last-sample", keep_last_sample ? TRUE : FALSE,
               nullptr);
  gst_bin_add_many(GST_BIN(p.pipeline), p.appsrc, p.sink, nullptr);

  GstPad* src_pad = gst_element_get_static_pad(p.appsrc, "src");
  GstPad* sink_pad = gst_element_get_static_pad(p.sink, "sink");
  if (kind == Kind::base) {
    link(src_pad, sink_pad);
  } else {
    p.enc = make_element("srtpenc", "enc");
    set_arg(p.enc, "key", profile->key_hex);
    set_arg(p.enc, "rtp-cipher", profile->cipher);
    set_arg(p.enc, "rtp-auth", profile->auth);
    set_arg(p.enc, "rtcp-cipher", profile->cipher);
    set_arg(p.enc, "rtcp-auth", profile->auth);
    gst_bin_add(GST_BIN(p.pipeline), p.enc);
    // Named explicitly: both srtpenc then call the src pad that mirrors it rtp_src_0.
    p.enc_sink = gst_element_request_pad_simple(p.enc, "rtp_sink_0");
    GstPad* enc_src = gst_element_get_static_pad(p.enc, "rtp_src_0");
    if (!p.enc_sink || !enc_src) die("srtpenc did not give rtp_sink_0 and rtp_src_0");
    link(src_pad, p.enc_sink);
    if (kind == Kind::enc) {
      link(enc_src, sink_pad);
    } else {
      // gst-plugins-bad's srtpdec is keyed by the srtp-* fields its srtpenc adds to the caps;
      // ours by the key event our srtpenc sends: the same pipeline serves both.
      GstElement* dec = make_element("srtpdec", "dec");
      gst_bin_add(GST_BIN(p.pipeline), dec);
      GstPad* dec_sink = gst_element_get_static_pad(dec, "rtp_sink");
      GstPad* dec_src = gst_element_get_static_pad(dec, "rtp_src");
      link(enc_src, dec_sink);
      link(dec_src, sink_pad);
      gst_object_unref(dec_sink);
      gst_object_unref(dec_src);
    }
    gst_object_unref(enc_src);
  }
  gst_object_unref(src_pad);
  gst_object_unref(sink_pad);
  return p;
}

void release(Pipeline& p) {
  gst_element_set_state(p.pipeline, GST_STATE_NULL);
  if (p.enc_sink) {
    gst_element_release_request_pad(p.enc, p.enc_sink);
    gst_object_unref(p.enc_sink);
  }
  gst_object_unref(p.pipeline);
}

std::string bus_error(GstElement* pipeline) {
  GstBus* bus = gst_element_get_bus(pipeline);
  std::string why = "no error message";
  if (GstMessage* message = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR)) {
    GError* error = nullptr;
    gchar* debug = nullptr;
    gst_message_parse_error(message, &error, &debug);
    why = std::string(error->message) + " (" + (debug ? debug : "") + ")";
    g_clear_error(&error);
    g_free(debug);
    gst_message_unref(message);
  }
  gst_object_unref(bus);
  return why;
}

std::string hex_prefix(const uint8_t* data, size_t size) {
  std::string out;
  char byte[3];
  for (size_t i = 0; i < std::min<size_t>(size, 16); ++i) {
    std::snprintf(byte, sizeof byte, "%02x", data[i]);
    out += byte;
  }
  return out;
}

// What came out last must be the last packet sent: plain for base and encdec (decrypted and
// authenticated), and for enc the same header with the payload encrypted and the tag appended.
void check_last_sample(const Pipeline& p, Kind kind, const Profile* profile,
                       const std::vector<uint8_t>& last, const std::string& label) {
  GstSample* sample = nullptr;
  g_object_get(p.sink, "last-sample", &sample, nullptr);
  if (!sample) die(label + ": no last sample");
  GstBuffer* buffer = gst_sample_get_buffer(sample);
  GstMapInfo map;
  if (!buffer || !gst_buffer_map(buffer, &map, GST_MAP_READ)) die(label + ": unreadable sample");
  const bool ok =
      kind == Kind::enc
          ? map.size == last.size() + profile->tag_length &&
                std::memcmp(map.data, last.data(), 12) == 0 &&
                std::memcmp(map.data + 12, last.data() + 12, last.size() - 12) != 0
          : map.size == last.size() && std::memcmp(map.data, last.data(), map.size) == 0;
  if (!ok) {
    die(label + ": last packet out is wrong (" + std::to_string(map.size) + " bytes, " +
        hex_prefix(map.data, map.size) + "...; sent " + std::to_string(last.size()) + " bytes, " +
        hex_prefix(last.data(), last.size()) + "...)");
  }
  gst_buffer_unmap(buffer, &map);
  gst_sample_unref(sample);
}

// Per packet, from PLAYING to EOS.
struct Timing {
  double cpu_ns;   // CPU time of the process: what the ratios use
  double wall_ns;  // steady clock: the same when the machine is otherwise idle
};

double process_cpu_ns() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) * 1e9 + static_cast<double>(now.tv_nsec);
}

// Runs `count` packets through the pipeline. The whole input is queued in appsrc while the pipeline
// prerolls, so the timed part is appsrc's streaming thread alone taking packets from its queue: no
// producer thread competes with it for the two cores or for appsrc's lock, and the main thread
// sleeps on the bus. The process's CPU time is then that thread's, which does not count the time
// other programs on a shared machine hold the core (wall time does; it doubled under a load of 4).
Timing run_once(Kind kind, const Profile* profile, size_t payload, size_t count, size_t tail_room,
                bool check) {
  const std::string label = std::string(kind_name(kind)) + "/" + (profile ? profile->name : "-") +
                            "/" + std::to_string(payload);
  Pipeline p = build(kind, profile, check);
  std::vector<uint8_t> last;
  std::vector<GstBuffer*> input = make_input(payload, count, tail_room, last);

  if (gst_element_set_state(p.pipeline, GST_STATE_PAUSED) == GST_STATE_CHANGE_FAILURE) {
    die(label + ": cannot pause: " + bus_error(p.pipeline));
  }
  for (GstBuffer* buffer : input) {
    if (gst_app_src_push_buffer(GST_APP_SRC(p.appsrc), buffer) != GST_FLOW_OK) {
      die(label + ": appsrc refused a buffer");
    }
  }
  gst_app_src_end_of_stream(GST_APP_SRC(p.appsrc));
  if (gst_element_get_state(p.pipeline, nullptr, nullptr, kTimeoutSeconds * GST_SECOND) !=
      GST_STATE_CHANGE_SUCCESS) {
    die(label + ": did not preroll: " + bus_error(p.pipeline));
  }

  GstBus* bus = gst_element_get_bus(p.pipeline);
  const double cpu_start = process_cpu_ns();
  const auto start = std::chrono::steady_clock::now();
  gst_element_set_state(p.pipeline, GST_STATE_PLAYING);
  GstMessage* message =
      gst_bus_timed_pop_filtered(bus, kTimeoutSeconds * GST_SECOND,
                                 static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  const auto end = std::chrono::steady_clock::now();
  const double cpu_end = process_cpu_ns();
  if (!message) die(label + ": no EOS after " + std::to_string(kTimeoutSeconds) + " s");
  if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
    gst_bus_post(bus, message);  // for bus_error
    gst_object_unref(bus);
    die(label + ": " + bus_error(p.pipeline));
  }
  gst_message_unref(message);
  gst_object_unref(bus);

  // Every packet must have come out: a drop would be measured as speed.
  GstStructure* stats = nullptr;
  g_object_get(p.sink, "stats", &stats, nullptr);
  guint64 rendered = 0;
  if (!stats || !gst_structure_get_uint64(stats, "rendered", &rendered) || rendered != count) {
    die(label + ": " + std::to_string(rendered) + " of " + std::to_string(count) +
        " packets reached fakesink");
  }
  gst_structure_free(stats);
  if (check) check_last_sample(p, kind, profile, last, label);
  release(p);

  const double wall = std::chrono::duration<double, std::nano>(end - start).count();
  const auto timed = static_cast<double>(count - kUntimedPackets);
  return {(cpu_end - cpu_start) / timed, wall / timed};
}

void print_result(Kind kind, const char* profile, size_t payload, Timing timing) {
  std::printf("RESULT %s %s %zu %.1f %.1f\n", kind_name(kind), profile, payload, timing.cpu_ns,
              timing.wall_ns);
}

// The file each element came from, so that the driver can check each side loaded its own.
void print_plugin(const char* factory_name) {
  GstElementFactory* factory = gst_element_factory_find(factory_name);
  if (!factory) die(std::string("no element ") + factory_name);
  GstPlugin* plugin = gst_plugin_feature_get_plugin(GST_PLUGIN_FEATURE(factory));
  std::printf("PLUGIN %s %s %s\n", factory_name, plugin ? gst_plugin_get_filename(plugin) : "?",
              plugin ? gst_plugin_get_version(plugin) : "?");
  if (plugin) gst_object_unref(plugin);
  gst_object_unref(factory);
}

int worker(const Options& options) {
  gst_init(nullptr, nullptr);
  print_plugin("srtpenc");
  print_plugin("srtpdec");

  if (options.warm_up) {
    for (const Profile& profile : kProfiles) {
      for (size_t payload : kPayloadSizes) {
        if (!selected(options, profile, payload)) continue;
        for (Kind kind : {Kind::base, Kind::enc, Kind::encdec}) {
          run_once(kind, &profile, payload, kWarmUpPackets, options.tail_room, true);
        }
      }
    }
  }
  for (int repeat = 0; repeat < options.repeat; ++repeat) {
    for (size_t payload : kPayloadSizes) {
      if (!size_selected(options, payload)) continue;
      const size_t count = packets_for(options, payload);
      if (!options.only_kind || *options.only_kind == Kind::base) {
        print_result(Kind::base, "-", payload,
                     run_once(Kind::base, nullptr, payload, count, options.tail_room, false));
      }
      for (const Profile& profile : kProfiles) {
        if (!selected(options, profile, payload)) continue;
        for (Kind kind : {Kind::enc, Kind::encdec}) {
          if (options.only_kind && *options.only_kind != kind) continue;
          print_result(kind, profile.name, payload,
                       run_once(kind, &profile, payload, count, options.tail_room, false));
        }
      }
    }
  }
  std::fflush(stdout);
  gst_deinit();
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Driver: the two sides in alternating worker processes, then the table and the RATIO lines.

enum class Side { ours, gst_plugins_bad };
constexpr Side kSides[] = {Side::ours, Side::gst_plugins_bad};

const char* side_name(Side side) {
  return side == Side::ours ? "ours" : "gst-plugins-bad";
}

struct Driver {
  std::string plugin_dir;  // where our libgstsrtp.so is
  std::string scratch;     // the private registries
  std::string self;        // this program, run again as the worker

  std::vector<std::string> environment(Side side) const {
    std::vector<std::string> env;
    gchar** current = g_get_environ();
    for (gchar** e = current; *e; ++e) {
      const std::string_view entry = *e;
      // Whatever plugin path or registry the caller has would decide which srtp plugin loads.
      if (entry.starts_with("GST_PLUGIN_PATH=") || entry.starts_with("GST_PLUGIN_PATH_1_0=") ||
          entry.starts_with("GST_REGISTRY=") || entry.starts_with("GST_REGISTRY_1_0=")) {
        continue;
      }
      env.emplace_back(entry);
    }
    g_strfreev(current);
    if (side == Side::ours) {
      env.push_back("GST_PLUGIN_PATH=" + plugin_dir);
      env.push_back("GST_REGISTRY=" + scratch + "/registry-ours.bin");
    } else {
      env.push_back("GST_REGISTRY=" + scratch + "/registry-bad.bin");
    }
    return env;
  }

  // Runs one worker; returns its stdout, or exits with its stderr if it failed.
  std::string run_worker(Side side, const std::vector<std::string>& worker_args) const {
    std::vector<std::string> argv_strings = {self, "--worker"};
    argv_strings.insert(argv_strings.end(), worker_args.begin(), worker_args.end());
    std::vector<gchar*> argv;
    for (auto& a : argv_strings) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env = environment(side);
    std::vector<gchar*> envp;
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    gchar* out = nullptr;
    gchar* err = nullptr;
    gint status = -1;
    GError* error = nullptr;
    if (!g_spawn_sync(nullptr, argv.data(), envp.data(), G_SPAWN_DEFAULT, nullptr, nullptr, &out,
                      &err, &status, &error)) {
      die(std::string("cannot run the worker: ") + error->message);
    }
    const std::string output = out ? out : "";
    const std::string errors = err ? err : "";
    g_free(out);
    g_free(err);
    if (!g_spawn_check_wait_status(status, nullptr)) {
      die(std::string(side_name(side)) + " worker failed:\n" + errors);
    }
    // GStreamer's warnings and criticals are passed on: a run that printed some is suspect.
    if (!errors.empty()) std::fprintf(stderr, "%s worker: %s", side_name(side), errors.c_str());
    return output;
  }
};

enum class Metric { cpu, wall };

std::string sample_key(Metric metric, std::string_view kind, std::string_view profile,
                       size_t payload) {
  return std::string(metric == Metric::cpu ? "cpu/" : "wall/") + std::string(kind) + "/" +
         std::string(profile) + "/" + std::to_string(payload);
}

double best(const std::vector<double>& values) {
  return values.empty() ? NAN : *std::min_element(values.begin(), values.end());
}

// Parses a worker's output into `samples` and checks which plugin files it loaded.
void collect(const Driver& driver, Side side, const std::string& output,
             std::map<std::string, std::vector<double>>& samples, std::string& plugins) {
  std::istringstream lines(output);
  std::string line;
  const std::string ours_file = driver.plugin_dir + "/libgstsrtp.so";
  plugins.clear();
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string tag;
    fields >> tag;
    if (tag == "PLUGIN") {
      std::string factory, file, version;
      fields >> factory >> file >> version;
      if ((file == ours_file) != (side == Side::ours)) {
        die(std::string(side_name(side)) + " loaded " + factory + " from " + file);
      }
      plugins += " " + factory + "=" + file + " (" + version + ")";
    } else if (tag == "RESULT") {
      std::string kind, profile;
      size_t payload = 0;
      double cpu = 0;
      double wall = 0;
      if (!(fields >> kind >> profile >> payload >> cpu >> wall)) die("bad worker line: " + line);
      samples[sample_key(Metric::cpu, kind, profile, payload)].push_back(cpu);
      samples[sample_key(Metric::wall, kind, profile, payload)].push_back(wall);
    }
  }
}

// One case, one side: the pipeline's time and what remains after the baseline (enc) or after enc
// (dec).
struct Net {
  double gross, net;
};

void print_report(const Options& options,
                  const std::map<std::string, std::vector<double>> (&by_side)[2]) {
  auto get = [&](Side side, Metric metric, std::string_view kind, std::string_view profile,
                 size_t payload) -> double {
    const auto& samples = by_side[static_cast<int>(side)];
    const auto it = samples.find(sample_key(metric, kind, profile, payload));
    return it == samples.end() ? NAN : best(it->second);
  };
  // appsrc ! fakesink loads no SRTP plugin: it is the same pipeline on both sides, so the best of
  // both sides' runs is the baseline of both. (Each side's own best differed by up to 17% at random
  // under load, which moved the enc ratios by up to 0.05 either way.)
  auto baseline = [&](Metric metric, size_t payload) {
    return std::min(get(Side::ours, metric, "base", "-", payload),
                    get(Side::gst_plugins_bad, metric, "base", "-", payload));
  };
  auto net_of = [&](Side side, Metric metric, bool is_enc, const Profile& profile, size_t payload) {
    const double enc = get(side, metric, "enc", profile.name, payload);
    if (!is_enc) {
      const double encdec = get(side, metric, "encdec", profile.name, payload);
      return Net{encdec, encdec - enc};
    }
    return Net{enc, enc - baseline(metric, payload)};
  };
  std::printf(
      "# srtp-element: CPU ns per packet, best of %d runs of each pipeline (%d rounds of ours and "
      "gst-plugins-bad in alternating processes)\n"
      "# net: enc = (appsrc ! srtpenc ! fakesink) - (appsrc ! fakesink: the lower of base-ours and "
      "base-bad); dec = (... srtpenc ! srtpdec ...) - (... srtpenc ...)\n"
      "# wall: the ratio from wall-clock times instead (equal to ratio on an idle machine)\n",
      options.rounds * options.repeat, options.rounds);
  if (options.tail_room) {
    std::printf("# input packets with %zu octets of tail room (ours may protect in place)\n",
                options.tail_room);
  }
  std::printf("# %-3s %-23s %5s %10s %10s %9s %9s %9s %9s %6s %6s\n", "op", "profile", "size",
              "base-ours", "base-bad", "ours", "bad", "net-ours", "net-bad", "ratio", "wall");
  std::vector<std::string> ratios;
  bool suspicious = false;
  for (const Profile& profile : kProfiles) {
    for (size_t payload : kPayloadSizes) {
      if (!selected(options, profile, payload)) continue;
      for (const bool is_enc : {true, false}) {
        const char* op = is_enc ? "enc" : "dec";
        const Net ours = net_of(Side::ours, Metric::cpu, is_enc, profile, payload);
        const Net bad = net_of(Side::gst_plugins_bad, Metric::cpu, is_enc, profile, payload);
        const double wall_ratio =
            net_of(Side::ours, Metric::wall, is_enc, profile, payload).net /
            net_of(Side::gst_plugins_bad, Metric::wall, is_enc, profile, payload).net;
        const double ratio = ours.net / bad.net;
        if (!(ours.net > 0) || !(bad.net > 0)) suspicious = true;
        std::printf("  %-3s %-23s %5zu %10.1f %10.1f %9.1f %9.1f %9.1f %9.1f %6.2f %6.2f\n", op,
                    profile.name, payload, get(Side::ours, Metric::cpu, "base", "-", payload),
                    get(Side::gst_plugins_bad, Metric::cpu, "base", "-", payload), ours.gross,
                    bad.gross, ours.net, bad.net, ratio, wall_ratio);
        char line[160];
        std::snprintf(line, sizeof line, "RATIO srtp-element %s %s %zu vs-gst-plugins-bad=%.2f", op,
                      profile.name, payload, ratio);
        ratios.emplace_back(line);
      }
    }
  }
  for (const auto& line : ratios) std::printf("%s\n", line.c_str());
  if (suspicious) {
    std::printf(
        "# warning: a net cost is not positive: the machine was too noisy for these runs\n");
  }
}

std::string scratch_dir;  // the driver's private registries

void remove_scratch() {
  if (scratch_dir.empty()) return;
  for (const char* file : {"/registry-ours.bin", "/registry-bad.bin"}) {
    g_remove((scratch_dir + file).c_str());
  }
  g_rmdir(scratch_dir.c_str());
}

int drive(const Options& options) {
  Driver driver;
  const char* dir = std::getenv("SECMEDIA_GST_PLUGIN_DIR");
  driver.plugin_dir = dir && *dir ? dir : SECMEDIA_GST_PLUGIN_DIR;
  if (!g_file_test((driver.plugin_dir + "/libgstsrtp.so").c_str(), G_FILE_TEST_EXISTS)) {
    die("our plugin is not built: " + driver.plugin_dir + "/libgstsrtp.so");
  }
  gchar* self = g_file_read_link("/proc/self/exe", nullptr);
  if (!self) die("cannot find this program's path");
  driver.self = self;
  g_free(self);
  gchar* scratch = g_dir_make_tmp("secmedia-element-bench-XXXXXX", nullptr);
  if (!scratch) die("cannot make a scratch directory");
  driver.scratch = scratch;
  g_free(scratch);
  // Removed however the driver ends, die() included.
  scratch_dir = driver.scratch;
  std::atexit(remove_scratch);

  std::vector<std::string> worker_args = {
      "--packets-160=" + std::to_string(options.packets_160),
      "--packets-1200=" + std::to_string(options.packets_1200),
  };
  worker_args.push_back("--repeat=" + std::to_string(options.repeat));
  worker_args.push_back("--tail-room=" + std::to_string(options.tail_room));
  if (!options.only.empty()) worker_args.push_back("--only=" + options.only);

  std::map<std::string, std::vector<double>> by_side[2];
  std::string plugins[2];
  for (int round = 0; round < options.rounds; ++round) {
    // Alternating which side goes first spreads a slow drift of the machine over both.
    for (int i = 0; i < 2; ++i) {
      const Side side = kSides[(round + i) % 2];
      const int s = static_cast<int>(side);
      collect(driver, side, driver.run_worker(side, worker_args), by_side[s], plugins[s]);
    }
  }
  for (Side side : kSides) {
    std::printf("# %s:%s\n", side_name(side), plugins[static_cast<int>(side)].c_str());
  }
  print_report(options, by_side);
  std::fflush(stdout);

  return 0;
}

size_t parse_count(std::string_view value, std::string_view what, size_t minimum) {
  size_t n = 0;
  for (char c : value) {
    if (c < '0' || c > '9')
      die("not a number for " + std::string(what) + ": " + std::string(value));
    n = n * 10 + static_cast<size_t>(c - '0');
  }
  if (n < minimum) die(std::string(what) + " must be at least " + std::to_string(minimum));
  return n;
}

constexpr const char* kUsage =
    "usage: srtp_element_bench [--rounds=N] [--repeat=N] [--packets-160=N] [--packets-1200=N]\n"
    "                          [--only=<profile>/<size>] [--tail-room=N]\n"
    "         ours against gst-plugins-bad's, each side in its own worker processes\n"
    "       srtp_element_bench --worker [--repeat=N] [--packets-160=N] [--packets-1200=N]\n"
    "                          [--only=...] [--tail-room=N] [--kind=base|enc|encdec] "
    "[--no-warm-up]\n"
    "         one process, the plugins GStreamer finds (GST_PLUGIN_PATH): to profile one side\n"
    "--tail-room=N leaves N writable octets after each input packet (default 0, as payloaders "
    "do):\n"
    "         with room for the tag our srtpenc protects in place, gst-plugins-bad's still "
    "copies\n";

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const size_t eq = arg.find('=');
    const std::string_view name = arg.substr(0, eq);
    const std::string_view value = eq == std::string_view::npos ? "" : arg.substr(eq + 1);
    if (arg == "--worker") {
      options.worker = true;
    } else if (arg == "--no-warm-up") {
      options.warm_up = false;
    } else if (name == "--rounds") {
      options.rounds = static_cast<int>(parse_count(value, name, 1));
    } else if (name == "--repeat") {
      options.repeat = static_cast<int>(parse_count(value, name, 1));
    } else if (name == "--packets-160") {
      options.packets_160 = parse_count(value, name, 100);
    } else if (name == "--tail-room") {
      options.tail_room = parse_count(value, name, 0);
    } else if (name == "--packets-1200") {
      options.packets_1200 = parse_count(value, name, 100);
    } else if (name == "--only") {
      options.only = value;
    } else if (name == "--kind") {
      if (value == "base") {
        options.only_kind = Kind::base;
      } else if (value == "enc") {
        options.only_kind = Kind::enc;
      } else if (value == "encdec") {
        options.only_kind = Kind::encdec;
      } else {
        die("--kind is base, enc or encdec");
      }
    } else if (arg == "--help") {
      std::printf("%s", kUsage);
      std::exit(0);
    } else {
      die("unknown argument " + std::string(arg) + "\n" + kUsage);
    }
  }
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse(argc, argv);
  return options.worker ? worker(options) : drive(options);
}
