// SPDX-License-Identifier: LGPL-2.1-or-later
// Per-packet cost of the srtpenc and srtpdec elements, ours against gst-plugins-bad's (the
// incumbent, on libsrtp2), in a real pipeline, with input as a socket delivers it (one GstMemory
// per buffer, exactly the packet's size):
//   base    appsrc ! fakesink                      what the pipeline costs without SRTP
//   enc     appsrc(RTP) ! srtpenc ! fakesink
//   pass    appsrc(RTP) ! a do-nothing element ! fakesink: what any element in the path costs,
//           with no work of its own (the least an srtpenc or srtpdec can cost net of base)
//   openssl-enc, openssl-dec
//           the same element running the raw OpenSSL floor (raw_openssl_floor.h) on each buffer in
//           place: the floor where an element runs, with GStreamer's code between two packets
//           (enc writes its tag aside: no room is made for it, which makes this floor lower still)
//   dec     appsrc(SRTP, keyed by caps) ! srtpdec ! fakesink
// The net cost of each element is its pipeline less the median base of the same packet size. The
// SRTP input of dec is protected beforehand by secmedia's core (deterministic: the same bytes either
// plugin's srtpenc makes), one packet per buffer.
// Both plugins are libgstsrtp.so, so each side runs in its own worker process (this program with
// --worker) with its own GST_PLUGIN_PATH and registry; the driver (no --worker) runs the sides'
// workers in an order drawn at random each round, and each worker runs its cases in an order drawn
// at random each repetition. It prints a table, one SAMPLE line per run and net (for
// tests/bench/report.py, which sets them against the core benchmark's floor) and one RATIO line per
// case (ours / gst-plugins-bad, medians, with the spread of the paired runs).
// --scaling (ours only) adds:
//   ssrc   srtpdec with 1 SSRC against srtpdec with 10,000 SSRCs (round robin), per packet net of
//          base, after one untimed packet of every SSRC (keys by request-key, as rtpbin asks);
//   thread two appsrc ! srtpenc ! fakesink branches (two streaming threads) against one: packets
//          per second of wall time.
// Entry point: tests/bench/run.sh.
#include <glib.h>
#include <glib/gstdio.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>

#include <time.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench_gst_support.h"
#include "packets.h"
#include "ratio_figure.h"
#include "raw_openssl_floor.h"
#include "secmedia/srtp.h"

#ifndef SECMEDIA_GST_PLUGIN_DIR
#error "SECMEDIA_GST_PLUGIN_DIR must name the build directory of our libgstsrtp.so"
#endif

namespace {

struct Profile {
  const char* name;  // as in the RATIO lines (the core benchmark's names)
  const char* cipher;
  const char* auth;
  const char* key_hex;  // master key and salt
  size_t key_length;    // master key octets (the rest of key_hex is the salt)
  size_t tag_length;    // what protect adds to an RTP packet (no MKI)
};

// The keys of the interop test: any fixed key does, the cost does not depend on it.
constexpr Profile kProfiles[] = {
    {"AES_CM_128_HMAC_SHA1_80", "aes-128-icm", "hmac-sha1-80",
     "e1f97a0d3e018be0d64fa32c06de41390ec675ad498afeebb6960b3aabe6", 16, 10},
    {"AEAD_AES_128_GCM", "aes-128-gcm", "null",
     "000102030405060708090a0b0c0d0e0fa0a1a2a3a4a5a6a7a8a9aaab", 16, 16},
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
// --scaling: SSRCs through one srtpdec, and the packets of each after its untimed first one.
constexpr size_t kManySsrcs = 10000;
constexpr size_t kSsrcRounds = 2;
constexpr size_t kScalingPayload = 1200;

enum class Kind {
  base,
  pass,
  openssl_enc,
  openssl_dec,
  enc,
  dec,
  dec_one_ssrc,
  dec_many_ssrcs,
  base_ssrc,
  one_thread,
  two_threads
};

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::base:
      return "base";
    case Kind::pass:
      return "pass";
    case Kind::openssl_enc:
      return "openssl-enc";
    case Kind::openssl_dec:
      return "openssl-dec";
    case Kind::enc:
      return "enc";
    case Kind::dec:
      return "dec";
    case Kind::dec_one_ssrc:
      return "dec-1-ssrc";
    case Kind::dec_many_ssrcs:
      return "dec-10000-ssrcs";
    case Kind::base_ssrc:
      return "base-ssrc";
    case Kind::one_thread:
      return "enc-1-thread";
    case Kind::two_threads:
      return "enc-2-threads";
  }
  return "?";
}

// The cases whose input is SRTP (protected beforehand by the core).
bool takes_srtp(Kind kind) {
  return kind == Kind::dec || kind == Kind::openssl_dec || kind == Kind::dec_one_ssrc ||
         kind == Kind::dec_many_ssrcs;
}

struct Options {
  bool worker = false;
  // Rounds of one worker per side, in random order, each running every case `repeat` times in
  // random order: 5 x 2 = 10 samples of every pipeline on each side.
  int rounds = 5;
  int repeat = 2;
  // Runs of 10 to 300 ms: short enough that a burst of noise spoils few of them, long enough that
  // the fixed cost of a run (starting and stopping) is below 1%; the pre-built input stays under
  // 30 MB.
  size_t packets_160 = 60000;
  size_t packets_1200 = 25000;
  std::string only;  // run only the cases whose "<profile>/<size>" contains this
  bool warm_up = true;
  bool scaling = false;  // the ssrc and thread cases (ours only)
  unsigned seed = 0;     // worker: the order of its cases
};

size_t packets_for(const Options& options, size_t payload) {
  return payload == 160 ? options.packets_160 : options.packets_1200;
}

bool selected(const Options& options, const Profile& profile, size_t payload) {
  const std::string name = std::string(profile.name) + "/" + std::to_string(payload);
  return options.only.empty() || name.find(options.only) != std::string::npos;
}

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "srtp_element_bench: %s\n", why.c_str());
  std::exit(1);
}

// ---------------------------------------------------------------------------------------------
// Worker: one process, one plugin set, every case `repeat` times.

std::vector<uint8_t> from_hex(std::string_view hex) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

std::vector<uint8_t> plain_packet(size_t payload, uint32_t ssrc, uint16_t sequence) {
  secmedia::test::RtpSpec spec;
  spec.ssrc = ssrc;
  spec.payload_length = payload;
  spec.sequence = sequence;
  spec.timestamp = static_cast<uint32_t>(0x10000 + sequence * 160u);
  return secmedia::test::make_rtp(spec);
}

// The packets of a run, as bytes: built once per case and process, copied into fresh buffers
// before each run (off the clock).
struct Packets {
  std::vector<std::vector<uint8_t>> bytes;
  std::vector<uint8_t> last_plain;  // what dec must deliver last, what enc's output starts with
};

// `count` packets of `ssrcs` SSRCs in turn, consecutive sequence numbers per SSRC (wrapping at 2^16,
// which both implementations follow with the ROC); protected by secmedia's core when `protect`.
Packets make_packets(size_t payload, size_t count, size_t ssrcs, const Profile* protect) {
  Packets packets;
  std::unique_ptr<secmedia::SrtpSession> session;
  if (protect) {
    secmedia::SrtpConfig config;
    config.direction = secmedia::SrtpDirection::protect;
    const auto profile = secmedia::profile_from_name(protect->name);
    if (!profile) die(std::string("unknown profile ") + protect->name);
    config.rtp_profile = *profile;
    config.rtcp_profile = *profile;
    config.max_streams = std::max<size_t>(ssrcs, 1);
    std::string why;
    session = secmedia::SrtpSession::create(config, &why);
    const std::vector<uint8_t> key = from_hex(protect->key_hex);
    if (!session || session->add_master_key(std::span(key).first(protect->key_length),
                                            std::span(key).subspan(protect->key_length)) !=
                        secmedia::SrtpStatus::ok) {
      die("cannot key the core to protect the input: " + why);
    }
  }
  packets.bytes.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    const uint32_t ssrc = ssrcs == 1 ? kSsrc : kSsrc + static_cast<uint32_t>(i % ssrcs);
    const auto sequence = static_cast<uint16_t>(1 + i / ssrcs);
    std::vector<uint8_t> packet = plain_packet(payload, ssrc, sequence);
    if (i + 1 == count) packets.last_plain = packet;
    if (session) {
      size_t length = packet.size();
      packet.resize(length + 64);
      if (session->protect_rtp(packet, length) != secmedia::SrtpStatus::ok) {
        die("the core did not protect the input");
      }
      packet.resize(length);
    }
    packets.bytes.push_back(std::move(packet));
  }
  return packets;
}

const Packets& packets_for_case(size_t payload, size_t count, size_t ssrcs,
                                const Profile* protect) {
  static std::map<std::string, Packets> cache;
  const std::string key = std::to_string(payload) + "/" + std::to_string(count) + "/" +
                          std::to_string(ssrcs) + "/" + (protect ? protect->name : "plain");
  auto it = cache.find(key);
  if (it == cache.end()) {
    it = cache.emplace(key, make_packets(payload, count, ssrcs, protect)).first;
  }
  return it->second;
}

// One buffer and one memory per packet, exactly the packet's size: as udpsrc (or a payloader)
// gives them. Neither srtpenc can protect in place, so both pay for one output buffer per packet.
std::vector<GstBuffer*> make_input(const Packets& packets) {
  std::vector<GstBuffer*> buffers;
  buffers.reserve(packets.bytes.size());
  for (const auto& packet : packets.bytes) {
    buffers.push_back(gst_buffer_new_memdup(packet.data(), packet.size()));
  }
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

// The caps that key srtpdec (gst-plugins-bad's way, which ours accepts too).
GstCaps* srtp_caps(const Profile& profile, uint32_t ssrc) {
  const std::vector<uint8_t> key = from_hex(profile.key_hex);
  GstBuffer* key_buffer = gst_buffer_new_memdup(key.data(), key.size());
  GstCaps* caps = gst_caps_new_simple(
      "application/x-srtp", "media", G_TYPE_STRING, "video", "clock-rate", G_TYPE_INT, 90000,
      "encoding-name", G_TYPE_STRING, "H264", "payload", G_TYPE_INT, 96, "ssrc", G_TYPE_UINT, ssrc,
      "srtp-key", GST_TYPE_BUFFER, key_buffer, "srtp-cipher", G_TYPE_STRING, profile.cipher,
      "srtp-auth", G_TYPE_STRING, profile.auth, "srtcp-cipher", G_TYPE_STRING, profile.cipher,
      "srtcp-auth", G_TYPE_STRING, profile.auth, nullptr);
  gst_buffer_unref(key_buffer);
  return caps;
}

GstCaps* on_request_key(GstElement*, guint ssrc, gpointer data) {
  return srtp_caps(*static_cast<const Profile*>(data), ssrc);
}

// What the sink's probe saw: the clock at the first timed packet and at EOS.
struct Marks {
  size_t untimed = kUntimedPackets;
  std::atomic<size_t> seen{0};
  double cpu_start = 0, cpu_end = 0;
  std::chrono::steady_clock::time_point wall_start{}, wall_end{};
};

double process_cpu_ns() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) * 1e9 + static_cast<double>(now.tv_nsec);
}

// On the sink's pad, in the streaming thread: the timed part starts when the first packet after
// the untimed ones arrives, and ends at EOS.
GstPadProbeReturn on_sink_pad(GstPad*, GstPadProbeInfo* info, gpointer data) {
  auto* marks = static_cast<Marks*>(data);
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    if (++marks->seen == marks->untimed + 1) {
      marks->wall_start = std::chrono::steady_clock::now();
      marks->cpu_start = process_cpu_ns();
    }
  } else if (GST_EVENT_TYPE(GST_PAD_PROBE_INFO_EVENT(info)) == GST_EVENT_EOS) {
    marks->cpu_end = process_cpu_ns();
    marks->wall_end = std::chrono::steady_clock::now();
  }
  return GST_PAD_PROBE_OK;
}

// The pass case's element: a sink pad and a src pad, every buffer pushed on as it came, events and
// queries to the other pad. What GStreamer charges for an element in the path (a pad push, the
// stream lock, the checks for probes) and nothing else. Registered in this process only.
struct BenchPass {
  GstElement parent;
  GstPad* src;
  secmedia::bench::RawOpensslFloor* floor;  // the openssl cases only; owned by the Branch
};
struct BenchPassClass {
  GstElementClass parent_class;
};
G_DEFINE_TYPE(BenchPass, bench_pass, GST_TYPE_ELEMENT)

GstStaticPadTemplate bench_pass_sink =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
GstStaticPadTemplate bench_pass_src =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

// The floor in place over the buffer's bytes; unprotect shrinks the buffer to the plain packet.
bool apply_floor(secmedia::bench::RawOpensslFloor& floor, GstBuffer* buffer) {
  GstMapInfo map;
  if (!gst_buffer_map(buffer, &map, GST_MAP_READWRITE)) return false;
  size_t length = map.size;
  std::array<uint8_t, 16> tag;  // protect: the tag, kept aside
  const bool ok = floor.process(map.data, map.size, length, tag.data());
  gst_buffer_unmap(buffer, &map);
  if (ok && length < map.size) gst_buffer_set_size(buffer, static_cast<gssize>(length));
  return ok;
}

GstFlowReturn bench_pass_chain(GstPad*, GstObject* parent, GstBuffer* buffer) {
  auto* self = reinterpret_cast<BenchPass*>(parent);
  if (self->floor && !apply_floor(*self->floor, buffer)) {
    gst_buffer_unref(buffer);
    GST_ELEMENT_ERROR(self, STREAM, FAILED, ("the raw OpenSSL floor failed"),
                      ("%s", self->floor->error().c_str()));
    return GST_FLOW_ERROR;
  }
  return gst_pad_push(self->src, buffer);
}

void bench_pass_class_init(BenchPassClass* klass) {
  GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
  gst_element_class_add_static_pad_template(element_class, &bench_pass_sink);
  gst_element_class_add_static_pad_template(element_class, &bench_pass_src);
  gst_element_class_set_static_metadata(element_class, "Pass (benchmark)", "Generic",
                                        "Pushes every buffer on as it came", "secmedia benchmarks");
}

void bench_pass_init(BenchPass* self) {
  GstPad* sink = gst_pad_new_from_static_template(&bench_pass_sink, "sink");
  gst_pad_set_chain_function(sink, bench_pass_chain);
  GST_PAD_SET_PROXY_CAPS(sink);
  GST_PAD_SET_PROXY_ALLOCATION(sink);
  gst_element_add_pad(GST_ELEMENT(self), sink);
  self->src = gst_pad_new_from_static_template(&bench_pass_src, "src");
  GST_PAD_SET_PROXY_CAPS(self->src);
  gst_element_add_pad(GST_ELEMENT(self), self->src);
}

struct Branch {
  GstElement* appsrc = nullptr;
  GstElement* sink = nullptr;
  GstElement* enc = nullptr;
  GstPad* enc_sink = nullptr;  // the requested pad, released at the end
  std::unique_ptr<Marks> marks = std::make_unique<Marks>();
  std::unique_ptr<secmedia::bench::RawOpensslFloor> floor;  // the openssl cases' element's
};

struct Pipeline {
  GstElement* pipeline = nullptr;
  std::vector<Branch> branches;
};

// appsrc ! [srtpenc | srtpdec] ! fakesink.
void add_branch(Pipeline& p, Kind kind, const Profile* profile, bool keep_last_sample,
                size_t untimed, int index) {
  Branch b;
  b.marks->untimed = untimed;
  const std::string suffix = std::to_string(index);
  b.appsrc = make_element("appsrc", ("src" + suffix).c_str());
  const bool srtp_in = takes_srtp(kind);
  const uint32_t ssrc = kSsrc;  // each branch has an srtpenc of its own
  GstCaps* caps = srtp_in ? srtp_caps(*profile, ssrc)
                          : gst_caps_new_simple("application/x-rtp", "media", G_TYPE_STRING,
                                                "video", "clock-rate", G_TYPE_INT, 90000,
                                                "encoding-name", G_TYPE_STRING, "H264", "payload",
                                                G_TYPE_INT, 96, "ssrc", G_TYPE_UINT, ssrc, nullptr);
  // Not live, no limit on what is queued (the whole input is queued before the clock starts), no
  // signals: appsrc costs the least it can.
  g_object_set(b.appsrc, "caps", caps, "format", GST_FORMAT_TIME, "is-live", FALSE, "block", FALSE,
               "max-bytes", G_GUINT64_CONSTANT(0), "emit-signals", FALSE, nullptr);
  gst_caps_unref(caps);
  b.sink = make_element("fakesink", ("sink" + suffix).c_str());
  // sync=false: as fast as the elements go. The last sample is kept only when it is checked.
  g_object_set(b.sink, "sync", FALSE, "enable-last-sample", keep_last_sample ? TRUE : FALSE,
               nullptr);
  gst_bin_add_many(GST_BIN(p.pipeline), b.appsrc, b.sink, nullptr);

  GstPad* src_pad = gst_element_get_static_pad(b.appsrc, "src");
  GstPad* sink_pad = gst_element_get_static_pad(b.sink, "sink");
  gst_pad_add_probe(
      sink_pad,
      static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
      on_sink_pad, b.marks.get(), nullptr);
  if (kind == Kind::base || kind == Kind::base_ssrc) {
    link(src_pad, sink_pad);
  } else if (kind == Kind::pass || kind == Kind::openssl_enc || kind == Kind::openssl_dec) {
    GstElement* pass = make_element("secmediabenchpass", ("pass" + suffix).c_str());
    if (kind != Kind::pass) {
      const std::vector<uint8_t> key = from_hex(profile->key_hex);
      b.floor = std::make_unique<secmedia::bench::RawOpensslFloor>(
          *secmedia::profile_from_name(profile->name),
          kind == Kind::openssl_enc ? secmedia::SrtpDirection::protect
                                    : secmedia::SrtpDirection::unprotect,
          std::span(key).first(profile->key_length), std::span(key).subspan(profile->key_length));
      if (!b.floor->reset()) die("cannot key the raw OpenSSL floor: " + b.floor->error());
      reinterpret_cast<BenchPass*>(pass)->floor = b.floor.get();
    }
    gst_bin_add(GST_BIN(p.pipeline), pass);
    if (!gst_element_link_many(b.appsrc, pass, b.sink, nullptr)) die("cannot link the pass case");
  } else if (srtp_in) {
    GstElement* dec = make_element("srtpdec", ("dec" + suffix).c_str());
    g_signal_connect(dec, "request-key", G_CALLBACK(on_request_key), const_cast<Profile*>(profile));
    gst_bin_add(GST_BIN(p.pipeline), dec);
    GstPad* dec_sink = gst_element_get_static_pad(dec, "rtp_sink");
    GstPad* dec_src = gst_element_get_static_pad(dec, "rtp_src");
    link(src_pad, dec_sink);
    link(dec_src, sink_pad);
    gst_object_unref(dec_sink);
    gst_object_unref(dec_src);
  } else {
    b.enc = make_element("srtpenc", ("enc" + suffix).c_str());
    set_arg(b.enc, "key", profile->key_hex);
    set_arg(b.enc, "rtp-cipher", profile->cipher);
    set_arg(b.enc, "rtp-auth", profile->auth);
    set_arg(b.enc, "rtcp-cipher", profile->cipher);
    set_arg(b.enc, "rtcp-auth", profile->auth);
    gst_bin_add(GST_BIN(p.pipeline), b.enc);
    // Named explicitly: both srtpenc then call the src pad that mirrors it rtp_src_0.
    b.enc_sink = gst_element_request_pad_simple(b.enc, "rtp_sink_0");
    GstPad* enc_src = gst_element_get_static_pad(b.enc, "rtp_src_0");
    if (!b.enc_sink || !enc_src) die("srtpenc did not give rtp_sink_0 and rtp_src_0");
    link(src_pad, b.enc_sink);
    link(enc_src, sink_pad);
    gst_object_unref(enc_src);
  }
  gst_object_unref(src_pad);
  gst_object_unref(sink_pad);
  p.branches.push_back(std::move(b));
}

void release(Pipeline& p) {
  gst_element_set_state(p.pipeline, GST_STATE_NULL);
  for (Branch& b : p.branches) {
    if (b.enc_sink) {
      gst_element_release_request_pad(b.enc, b.enc_sink);
      gst_object_unref(b.enc_sink);
    }
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

// What came out last must be the last packet sent: plain for base and dec (decrypted and
// authenticated), and for enc the same header with the payload encrypted and the tag appended.
void check_last_sample(GstElement* sink, Kind kind, const Profile* profile,
                       const std::vector<uint8_t>& last, const std::string& label) {
  GstSample* sample = nullptr;
  g_object_get(sink, "last-sample", &sample, nullptr);
  if (!sample) die(label + ": no last sample");
  GstBuffer* buffer = gst_sample_get_buffer(sample);
  GstMapInfo map;
  if (!buffer || !gst_buffer_map(buffer, &map, GST_MAP_READ)) die(label + ": unreadable sample");
  // openssl-enc keeps its tag aside: the packet's own length.
  const bool encrypted = kind == Kind::enc || kind == Kind::openssl_enc;
  const size_t tag = kind == Kind::enc ? profile->tag_length : 0;
  const bool ok =
      encrypted ? map.size == last.size() + tag && std::memcmp(map.data, last.data(), 12) == 0 &&
                      std::memcmp(map.data + 12, last.data() + 12, last.size() - 12) != 0
                : map.size == last.size() && std::memcmp(map.data, last.data(), map.size) == 0;
  if (!ok) {
    die(label + ": last packet out is wrong (" + std::to_string(map.size) + " bytes, " +
        hex_prefix(map.data, map.size) + "...; expected " + std::to_string(last.size()) +
        " bytes, " + hex_prefix(last.data(), last.size()) + "...)");
  }
  gst_buffer_unmap(buffer, &map);
  gst_sample_unref(sample);
}

// Per packet of one branch, over the timed part.
struct Timing {
  double cpu_ns;   // CPU time of the process: what the ratios use
  double wall_ns;  // steady clock: the same when the machine is otherwise idle
};

// Runs `count` packets through each branch. The whole input is queued in appsrc while the pipeline
// prerolls, so the timed part is appsrc's streaming thread alone taking packets from its queue: no
// producer thread competes with it for the two cores or for appsrc's lock, and the main thread
// sleeps on the bus. The process's CPU time is then that thread's, which does not count the time
// other programs on a shared machine hold the core (wall time does; it doubled under a load of 4).
// The clock runs from the first timed packet at the sink to EOS at the sink (a pad probe).
Timing run_once(Kind kind, const Profile* profile, size_t payload, size_t count, bool check) {
  const std::string label = std::string(kind_name(kind)) + "/" + (profile ? profile->name : "-") +
                            "/" + std::to_string(payload);
  const int branches = kind == Kind::two_threads ? 2 : 1;
  const bool ssrc_case =
      kind == Kind::dec_one_ssrc || kind == Kind::dec_many_ssrcs || kind == Kind::base_ssrc;
  // The ssrc cases time the packets after every SSRC's first one (its request-key).
  const size_t untimed = ssrc_case ? kManySsrcs : kUntimedPackets;
  const size_t ssrcs = kind == Kind::dec_many_ssrcs ? kManySsrcs : 1;
  const bool srtp_in = takes_srtp(kind);
  const Packets& packets = packets_for_case(payload, count, ssrcs, srtp_in ? profile : nullptr);

  Pipeline p;
  p.pipeline = gst_pipeline_new("bench");
  for (int i = 0; i < branches; ++i) add_branch(p, kind, profile, check, untimed, i);
  // Each branch's input is made by a thread of its own, as each stream's packets come from a source
  // of its own (its udpsrc or payloader thread). glibc gives every thread an arena of its own, and
  // a buffer goes back to the arena it came from when fakesink frees it: made by one thread for
  // both branches, the two streaming threads would queue on that one arena's lock on every packet
  // (perf: __lll_lock_wake_private in free), which is the benchmark's doing, not srtpenc's.
  std::vector<std::vector<GstBuffer*>> inputs(static_cast<size_t>(branches));
  {
    std::vector<std::thread> makers;
    for (auto& input : inputs) {
      makers.emplace_back([&input, &packets] { input = make_input(packets); });
    }
    for (auto& maker : makers) maker.join();
  }

  if (gst_element_set_state(p.pipeline, GST_STATE_PAUSED) == GST_STATE_CHANGE_FAILURE) {
    die(label + ": cannot pause: " + bus_error(p.pipeline));
  }
  for (int i = 0; i < branches; ++i) {
    for (GstBuffer* buffer : inputs[static_cast<size_t>(i)]) {
      if (gst_app_src_push_buffer(GST_APP_SRC(p.branches[static_cast<size_t>(i)].appsrc), buffer) !=
          GST_FLOW_OK) {
        die(label + ": appsrc refused a buffer");
      }
    }
    gst_app_src_end_of_stream(GST_APP_SRC(p.branches[static_cast<size_t>(i)].appsrc));
  }
  if (gst_element_get_state(p.pipeline, nullptr, nullptr, kTimeoutSeconds * GST_SECOND) !=
      GST_STATE_CHANGE_SUCCESS) {
    die(label + ": did not preroll: " + bus_error(p.pipeline));
  }

  GstBus* bus = gst_element_get_bus(p.pipeline);
  gst_element_set_state(p.pipeline, GST_STATE_PLAYING);
  GstMessage* message =
      gst_bus_timed_pop_filtered(bus, kTimeoutSeconds * GST_SECOND,
                                 static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  if (!message) die(label + ": no EOS after " + std::to_string(kTimeoutSeconds) + " s");
  if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
    gst_bus_post(bus, message);  // for bus_error
    gst_object_unref(bus);
    die(label + ": " + bus_error(p.pipeline));
  }
  gst_message_unref(message);
  gst_object_unref(bus);

  double cpu_start = INFINITY, cpu_end = 0;
  auto wall_start = std::chrono::steady_clock::time_point::max();
  auto wall_end = std::chrono::steady_clock::time_point::min();
  for (Branch& b : p.branches) {
    // Every packet must have come out: a drop would be measured as speed.
    GstStructure* stats = nullptr;
    g_object_get(b.sink, "stats", &stats, nullptr);
    guint64 rendered = 0;
    if (!stats || !gst_structure_get_uint64(stats, "rendered", &rendered) || rendered != count) {
      die(label + ": " + std::to_string(rendered) + " of " + std::to_string(count) +
          " packets reached fakesink");
    }
    gst_structure_free(stats);
    if (check) check_last_sample(b.sink, kind, profile, packets.last_plain, label);
    cpu_start = std::min(cpu_start, b.marks->cpu_start);
    cpu_end = std::max(cpu_end, b.marks->cpu_end);
    wall_start = std::min(wall_start, b.marks->wall_start);
    wall_end = std::max(wall_end, b.marks->wall_end);
  }
  release(p);

  const double wall = std::chrono::duration<double, std::nano>(wall_end - wall_start).count();
  const auto timed = static_cast<double>(count - untimed - 1);
  return {(cpu_end - cpu_start) / timed, wall / timed};
}

void print_result(Kind kind, const char* profile, size_t payload, Timing timing) {
  std::printf("RESULT %s %s %zu %.1f %.1f\n", kind_name(kind), profile, payload, timing.cpu_ns,
              timing.wall_ns);
  std::fflush(stdout);
}

// The file each element came from, so that the driver can check each side loaded its own.
void print_plugin(const char* factory_name) {
  if (!secmedia::bench::print_plugin(factory_name)) die(std::string("no element ") + factory_name);
}

struct Case {
  Kind kind;
  const Profile* profile;  // null for base
  size_t payload;
};

int worker(const Options& options) {
  gst_init(nullptr, nullptr);
  if (!gst_element_register(nullptr, "secmediabenchpass", GST_RANK_NONE, bench_pass_get_type())) {
    die("cannot register the pass element");
  }
  print_plugin("srtpenc");
  print_plugin("srtpdec");

  std::vector<Case> cases;
  for (size_t payload : kPayloadSizes) {
    bool any = false;
    for (const Profile& profile : kProfiles) {
      if (!selected(options, profile, payload)) continue;
      any = true;
      cases.push_back({Kind::enc, &profile, payload});
      cases.push_back({Kind::dec, &profile, payload});
      cases.push_back({Kind::openssl_enc, &profile, payload});
      cases.push_back({Kind::openssl_dec, &profile, payload});
    }
    if (any) {
      cases.push_back({Kind::base, nullptr, payload});
      cases.push_back({Kind::pass, nullptr, payload});
    }
  }
  if (options.scaling) {
    const Profile* profile = &kProfiles[0];
    for (Kind kind : {Kind::base_ssrc, Kind::dec_one_ssrc, Kind::dec_many_ssrcs, Kind::one_thread,
                      Kind::two_threads}) {
      cases.push_back({kind, kind == Kind::base_ssrc ? nullptr : profile, kScalingPayload});
    }
  }
  auto count_of = [&](const Case& c) {
    if (c.kind == Kind::dec_one_ssrc || c.kind == Kind::dec_many_ssrcs ||
        c.kind == Kind::base_ssrc) {
      return kManySsrcs * (1 + kSsrcRounds);
    }
    return packets_for(options, c.payload);
  };
  if (options.warm_up) {
    for (const Case& c : cases) {
      if (c.kind == Kind::base || c.kind == Kind::pass || c.kind == Kind::enc ||
          c.kind == Kind::dec || c.kind == Kind::openssl_enc || c.kind == Kind::openssl_dec) {
        run_once(c.kind, c.profile, c.payload, kWarmUpPackets, true);
      }
    }
  }
  std::mt19937 random(options.seed);
  for (int repeat = 0; repeat < options.repeat; ++repeat) {
    std::shuffle(cases.begin(), cases.end(), random);
    for (const Case& c : cases) {
      print_result(c.kind, c.profile ? c.profile->name : "-", c.payload,
                   run_once(c.kind, c.profile, c.payload, count_of(c), false));
    }
  }
  std::fflush(stdout);
  // No gst_deinit(): all is printed; OpenSSL's exit handlers are not what is measured.
  std::_Exit(0);
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

using SampleMap = std::map<std::string, std::vector<double>>;  // cpu/wall/<kind>/<profile>/<size>

std::string sample_key(const char* metric, std::string_view kind, std::string_view profile,
                       size_t payload) {
  return std::string(metric) + "/" + std::string(kind) + "/" + std::string(profile) + "/" +
         std::to_string(payload);
}

// Parses a worker's output into `samples` (in the order the runs ran) and checks which plugin files
// it loaded.
void collect(const Driver& driver, Side side, const std::string& output, SampleMap& samples,
             std::string& plugins) {
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
      samples[sample_key("cpu", kind, profile, payload)].push_back(cpu);
      samples[sample_key("wall", kind, profile, payload)].push_back(wall);
    }
  }
}

using secmedia::bench::quantile;

const std::vector<double>& get(const SampleMap& samples, const std::string& key) {
  static const std::vector<double> none;
  const auto it = samples.find(key);
  return it == samples.end() ? none : it->second;
}

std::vector<double> minus(const std::vector<double>& values, double offset) {
  std::vector<double> out;
  for (double v : values) out.push_back(v - offset);
  return out;
}

void print_report(const Options& options, const SampleMap (&by_side)[2]) {
  const SampleMap& ours = by_side[static_cast<int>(Side::ours)];
  const SampleMap& bad = by_side[static_cast<int>(Side::gst_plugins_bad)];
  // appsrc ! fakesink loads no SRTP plugin: the same pipeline on both sides, so all runs of both
  // sides make the baseline of both (its median).
  // All runs of both sides, for the pipelines that are the same on either side (no SRTP plugin).
  auto both_sides = [&](const std::string& key) {
    std::vector<double> all = get(ours, key);
    const auto& more = get(bad, key);
    all.insert(all.end(), more.begin(), more.end());
    return all;
  };
  auto baseline = [&](size_t payload) {
    return quantile(both_sides(sample_key("cpu", "base", "-", payload)), 0.5);
  };
  std::printf(
      "# srtp-element: CPU ns per packet, median of %d runs of each pipeline per side (%d rounds "
      "of a worker per side in random order, each running its cases %d times in random order)\n"
      "# input: one GstMemory per buffer, the packet's exact size (as udpsrc delivers it)\n"
      "# net = pipeline - (appsrc ! fakesink, median of both sides); enc: appsrc ! srtpenc ! "
      "fakesink; dec: appsrc(SRTP) ! srtpdec ! fakesink\n",
      options.rounds * options.repeat, options.rounds, options.repeat);
  std::printf("# %-3s %-23s %5s %8s %9s %9s %6s %13s %6s\n", "op", "profile", "size", "base",
              "net-ours", "net-bad", "ratio", "spread", "wall");
  std::vector<std::string> lines;
  bool suspicious = false;
  for (const Profile& profile : kProfiles) {
    for (size_t payload : kPayloadSizes) {
      if (!selected(options, profile, payload)) continue;
      const double base = baseline(payload);
      const double base_wall = quantile(both_sides(sample_key("wall", "base", "-", payload)), 0.5);
      for (const char* op : {"enc", "dec"}) {
        const auto net_ours = minus(get(ours, sample_key("cpu", op, profile.name, payload)), base);
        const auto net_bad = minus(get(bad, sample_key("cpu", op, profile.name, payload)), base);
        const auto figure = secmedia::bench::ratio_of(net_ours, net_bad);
        const double wall_ratio =
            (quantile(get(ours, sample_key("wall", op, profile.name, payload)), 0.5) - base_wall) /
            (quantile(get(bad, sample_key("wall", op, profile.name, payload)), 0.5) - base_wall);
        if (!(quantile(net_ours, 0.5) > 0) || !(quantile(net_bad, 0.5) > 0)) suspicious = true;
        std::printf("  %-3s %-23s %5zu %8.1f %9.1f %9.1f %6.2f %6.2f-%-6.2f %6.2f\n", op,
                    profile.name, payload, base, quantile(net_ours, 0.5), quantile(net_bad, 0.5),
                    figure.ratio, figure.low, figure.high, wall_ratio);
        for (double v : net_ours) {
          std::printf("SAMPLE srtp-element ours %s %s %zu %.1f\n", op, profile.name, payload, v);
        }
        for (double v : net_bad) {
          std::printf("SAMPLE srtp-element gst-plugins-bad %s %s %zu %.1f\n", op, profile.name,
                      payload, v);
        }
        lines.push_back(std::string(op) + "/" + profile.name + "/" + std::to_string(payload));
      }
    }
  }
  // The do-nothing element is the same on both sides: all runs of both make its figure.
  for (size_t payload : kPayloadSizes) {
    const std::vector<double> all = both_sides(sample_key("cpu", "pass", "-", payload));
    if (all.empty()) continue;
    const std::vector<double> pass = minus(all, baseline(payload));
    std::printf(
        "# pass: appsrc ! (a do-nothing element) ! fakesink, %zu B, net CPU ns per packet %.1f "
        "(spread %.1f-%.1f): what GStreamer charges any element in the path\n",
        payload, quantile(pass, 0.5), quantile(pass, 0.1), quantile(pass, 0.9));
    for (double v : pass) std::printf("SAMPLE srtp-element any pass - %zu %.1f\n", payload, v);
  }
  // Each element against the raw OpenSSL floor in a do-nothing element (the same on both sides, like
  // pass; ours is set against the floor's runs in our workers, which ran close to ours) and against
  // gst-plugins-bad's element.
  for (const Profile& profile : kProfiles) {
    for (size_t payload : kPayloadSizes) {
      if (!selected(options, profile, payload)) continue;
      const double base = baseline(payload);
      for (const char* op : {"enc", "dec"}) {
        const std::string figure =
            std::string(op) + "/" + profile.name + "/" + std::to_string(payload);
        const auto net_ours = minus(get(ours, sample_key("cpu", op, profile.name, payload)), base);
        const std::string floor_kind = std::string("openssl-") + op;
        const std::vector<double> floor =
            minus(both_sides(sample_key("cpu", floor_kind, profile.name, payload)), base);
        if (!floor.empty()) {
          std::printf(
              "# %s: appsrc ! (the raw OpenSSL floor in a do-nothing element) ! fakesink, %s "
              "%zu B, net CPU ns per packet %.1f (spread %.1f-%.1f)\n",
              floor_kind.c_str(), profile.name, payload, quantile(floor, 0.5), quantile(floor, 0.1),
              quantile(floor, 0.9));
          for (double v : floor) {
            std::printf("SAMPLE srtp-element any %s %s %zu %.1f\n", floor_kind.c_str(),
                        profile.name, payload, v);
          }
          secmedia::bench::print_ratio(
              "srtp-element", figure,
              secmedia::bench::ratio_of(
                  net_ours,
                  minus(get(ours, sample_key("cpu", floor_kind, profile.name, payload)), base)),
              "openssl-in-element");
        }
        secmedia::bench::print_ratio(
            "srtp-element", figure,
            secmedia::bench::ratio_of(
                net_ours, minus(get(bad, sample_key("cpu", op, profile.name, payload)), base)),
            "gst-plugins-bad");
      }
    }
  }
  if (suspicious) {
    std::printf(
        "# warning: a net cost is not positive: the machine was too noisy for these runs\n");
  }
  if (!options.scaling) return;

  // Ours only: SSRCs through one srtpdec, and two encoder threads against one.
  const char* profile = kProfiles[0].name;
  const double base =
      quantile(get(ours, sample_key("cpu", "base-ssrc", "-", kScalingPayload)), 0.5);
  const auto one =
      minus(get(ours, sample_key("cpu", "dec-1-ssrc", profile, kScalingPayload)), base);
  const auto many =
      minus(get(ours, sample_key("cpu", "dec-10000-ssrcs", profile, kScalingPayload)), base);
  std::printf(
      "# srtpdec (ours), %s %zu B, net CPU ns per packet after each SSRC's first packet: "
      "1 SSRC %.1f, %zu SSRCs %.1f\n",
      profile, kScalingPayload, quantile(one, 0.5), kManySsrcs, quantile(many, 0.5));
  for (double v : one)
    std::printf("SAMPLE srtp-element ours dec-1-ssrc %s %zu %.1f\n", profile, kScalingPayload, v);
  for (double v : many) {
    std::printf("SAMPLE srtp-element ours dec-10000-ssrcs %s %zu %.1f\n", profile, kScalingPayload,
                v);
  }
  secmedia::bench::print_ratio(
      "srtp-element",
      "dec-10000-ssrcs/" + std::string(profile) + "/" + std::to_string(kScalingPayload),
      secmedia::bench::ratio_of(many, one), "dec-1-ssrc");
  // Packets per second (all branches) from the wall time per packet of a branch.
  std::vector<double> rate_one, rate_two;
  for (double w : get(ours, sample_key("wall", "enc-1-thread", profile, kScalingPayload))) {
    rate_one.push_back(1e9 / w);
  }
  for (double w : get(ours, sample_key("wall", "enc-2-threads", profile, kScalingPayload))) {
    rate_two.push_back(2e9 / w);
  }
  std::printf(
      "# srtpenc (ours), %s %zu B, packets per second of wall time: one stream %.0f, two streams "
      "in two srtpenc on two threads %.0f\n",
      profile, kScalingPayload, quantile(rate_one, 0.5), quantile(rate_two, 0.5));
  // CPU time over wall time: how many cores the process had while it ran (2 when both branches
  // truly ran at once; less when other programs held a core).
  auto cores = [&](const char* kind) {
    return quantile(get(ours, sample_key("cpu", kind, profile, kScalingPayload)), 0.5) /
           quantile(get(ours, sample_key("wall", kind, profile, kScalingPayload)), 0.5);
  };
  std::printf(
      "# cores busy while it ran (CPU time / wall time): one stream %.2f, two streams %.2f\n",
      cores("enc-1-thread"), cores("enc-2-threads"));
  // The same runs by CPU time per packet: what a lock or shared cache line between the two encoders
  // would raise, whether or not the machine gave the process a second core (on this VM a process
  // got one or two for its whole life, seemingly at random, whichever the plugin).
  std::vector<double> cpu_one =
      get(ours, sample_key("cpu", "enc-1-thread", profile, kScalingPayload));
  std::vector<double> cpu_two;
  for (double c : get(ours, sample_key("cpu", "enc-2-threads", profile, kScalingPayload))) {
    cpu_two.push_back(c / 2);  // the process's CPU time per packet of one branch, both branches
  }
  secmedia::bench::print_ratio("srtp-element",
                               "enc-2-threads-cpu-per-packet/" + std::string(profile) + "/" +
                                   std::to_string(kScalingPayload),
                               secmedia::bench::ratio_of(cpu_two, cpu_one), "enc-1-thread");
  secmedia::bench::print_ratio(
      "srtp-element",
      "enc-2-threads-rate/" + std::string(profile) + "/" + std::to_string(kScalingPayload),
      secmedia::bench::ratio_of(rate_two, rate_one), "enc-1-thread-rate");
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
  if (!options.only.empty()) worker_args.push_back("--only=" + options.only);

  SampleMap by_side[2];
  std::string plugins[2];
  std::random_device device;
  std::mt19937 random(device());
  for (int round = 0; round < options.rounds; ++round) {
    // The sides in an order drawn at random each round, so that drift of the machine falls on
    // both alike; each worker draws the order of its cases from the seed it is given.
    Side order[2] = {Side::ours, Side::gst_plugins_bad};
    std::shuffle(std::begin(order), std::end(order), random);
    for (Side side : order) {
      const int s = static_cast<int>(side);
      std::vector<std::string> args = worker_args;
      args.push_back("--seed=" + std::to_string(random()));
      if (side == Side::ours && options.scaling) args.push_back("--scaling");
      collect(driver, side, driver.run_worker(side, args), by_side[s], plugins[s]);
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
    "                          [--only=<profile>/<size>] [--scaling]\n"
    "         ours against gst-plugins-bad's, each side in its own worker processes\n"
    "       srtp_element_bench --worker [--repeat=N] [--packets-160=N] [--packets-1200=N]\n"
    "                          [--only=...] [--scaling] [--seed=N] [--no-warm-up]\n"
    "         one process, the plugins GStreamer finds (GST_PLUGIN_PATH): to profile one side\n"
    "--scaling: also srtpdec with 10,000 SSRCs against 1, and two srtpenc threads against one "
    "(ours)\n";

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
    } else if (name == "--seed") {
      options.seed = static_cast<unsigned>(parse_count(value, name, 0));
    } else if (arg == "--scaling") {
      options.scaling = true;
    } else if (name == "--packets-1200") {
      options.packets_1200 = parse_count(value, name, 100);
    } else if (name == "--only") {
      options.only = value;
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
