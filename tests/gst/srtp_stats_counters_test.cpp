// SPDX-License-Identifier: LGPL-2.1-or-later
// Every counter docs/elements/srtpdec.md and srtpenc.md document in `stats` moves when its event
// happens, and `drops` has exactly the documented causes (it used to list the core's key management
// statuses, such as unknown-stream, which no packet could ever reach, and is gone from the core).
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "gst_test_support.h"
#include "packets.h"
#include "secmedia/srtp.h"

namespace secmedia {
namespace {

using test::make_rtcp;
using test::make_rtp;
using test::RtpSpec;
using test::to_buffer;

using Bytes = std::vector<uint8_t>;

constexpr uint32_t kSsrc = 0x1234;

const Bytes kKey30 = [] {
  Bytes key(30);
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(0x10 + i);
  return key;
}();

Bytes rtp(uint16_t sequence, uint16_t extension_words = 0) {
  RtpSpec spec;
  spec.ssrc = kSsrc;
  spec.sequence = sequence;
  spec.extension_words = extension_words;
  return make_rtp(spec);
}

// One 0xBEDE word whose element (ID 1) claims 16 octets: past the block's end (RFC 8285 §4.2).
Bytes rtp_with_malformed_extension(uint16_t sequence) {
  Bytes packet = rtp(sequence, 1);
  packet[16] = 0x1f;
  return packet;
}

// An extension that is not RFC 8285 (profile 0x0BAD), which cryptex cannot carry (RFC 9335 §5.1).
Bytes rtp_with_other_extension(uint16_t sequence) {
  Bytes packet = rtp(sequence, 1);
  packet[12] = 0x0b;
  packet[13] = 0xad;
  return packet;
}

// ---- stats access ------------------------------------------------------------------------------

struct Stats {
  GstStructure* s = nullptr;
  explicit Stats(GstElement* element) { s = test::stats_of(element); }
  ~Stats() {
    if (s) gst_structure_free(s);
  }
  guint64 u64(const char* field) const {
    guint64 value = 0;
    EXPECT_TRUE(gst_structure_get_uint64(s, field, &value)) << field;
    return value;
  }
  guint u32(const char* field) const {
    guint value = 0;
    EXPECT_TRUE(gst_structure_get_uint(s, field, &value)) << field;
    return value;
  }
  guint64 drop(const char* cause) const {
    const GstStructure* drops = gst_value_get_structure(gst_structure_get_value(s, "drops"));
    guint64 value = 0;
    EXPECT_TRUE(gst_structure_get_uint64(drops, cause, &value)) << cause;
    return value;
  }
  std::set<std::string> drop_causes() const {
    const GstStructure* drops = gst_value_get_structure(gst_structure_get_value(s, "drops"));
    std::set<std::string> names;
    for (int i = 0; i < gst_structure_n_fields(drops); ++i) {
      names.insert(gst_structure_nth_field_name(drops, static_cast<guint>(i)));
    }
    return names;
  }
  // A field of the stream of `ssrc` in `streams`.
  const GValue* stream_field(uint32_t ssrc, const char* field) const {
    const GValue* streams = gst_structure_get_value(s, "streams");
    for (guint i = 0; i < gst_value_array_get_size(streams); ++i) {
      const GstStructure* stream = gst_value_get_structure(gst_value_array_get_value(streams, i));
      guint value = 0;
      if (gst_structure_get_uint(stream, "ssrc", &value) && value == ssrc) {
        return gst_structure_get_value(stream, field);
      }
    }
    return nullptr;
  }
};

// ---- srtpdec -----------------------------------------------------------------------------------

std::unique_ptr<SrtpSession> sender(const std::function<void(SrtpConfig&)>& configure = {},
                                    const Bytes& mki = {}) {
  SrtpConfig config;
  config.direction = SrtpDirection::protect;
  config.mki_length = mki.size();
  if (configure) configure(config);
  auto session = SrtpSession::create(config);
  EXPECT_NE(session, nullptr);
  const std::span<const uint8_t> key(kKey30);
  EXPECT_EQ(session->add_master_key(key.first(16), key.subspan(16), mki), SrtpStatus::ok);
  return session;
}

Bytes protect(SrtpSession& session, Bytes packet, bool rtcp = false) {
  size_t length = packet.size();
  packet.resize(length + (rtcp ? session.rtcp_overhead() : session.rtp_overhead()));
  EXPECT_EQ(rtcp ? session.protect_rtcp(packet, length) : session.protect_rtp(packet, length),
            SrtpStatus::ok);
  packet.resize(length);
  return packet;
}

struct Decoder {
  GstHarness* rtp;
  GstHarness* rtcp_out;
  explicit Decoder(const char* properties = nullptr) {
    GstElement* element = gst_element_factory_make("srtpdec", nullptr);
    if (properties) {
      gchar** pairs = g_strsplit(properties, " ", -1);
      for (gchar** p = pairs; *p; ++p) {
        gchar** kv = g_strsplit(*p, "=", 2);
        gst_util_set_object_arg(G_OBJECT(element), kv[0], kv[1]);
        g_strfreev(kv);
      }
      g_strfreev(pairs);
    }
    rtp = gst_harness_new_with_element(element, "rtp_sink", "rtp_src");
    gst_object_unref(element);
    rtcp_out = gst_harness_new_with_element(rtp->element, nullptr, "rtcp_src");
    gst_harness_set_src_caps_str(rtp, "application/x-srtp");
  }
  ~Decoder() {
    gst_harness_teardown(rtcp_out);
    gst_harness_teardown(rtp);
  }
  void key_by_event() {
    auto keys = test::dtls_keys(SrtpProfile::aes_cm_128_hmac_sha1_80, DtlsRole::client, 5);
    keys.material.remote_key.assign(kKey30.begin(), kKey30.begin() + 16);
    keys.material.remote_salt.assign(kKey30.begin() + 16, kKey30.end());
    ASSERT_TRUE(gst_harness_push_event(rtp, gst::make_srtp_keys_event(keys, true)));
  }
  void push(const Bytes& packet) {
    ASSERT_EQ(gst_harness_push(rtp, to_buffer(packet)), GST_FLOW_OK);
  }
  Stats stats() const { return Stats(rtp->element); }
};

TEST(SrtpDecStats, DropsHaveExactlyTheDocumentedCauses) {
  Decoder dec;
  const std::set<std::string> documented = {
      "auth-failure",    "replay-duplicate", "replay-old",  "malformed",
      "no-key",          "unknown-mki",      "key-expired", "header-extension-malformed",
      "cryptex-required"};
  EXPECT_EQ(dec.stats().drop_causes(), documented);
}

TEST(SrtpDecStats, PacketsRepliesAndTheirCounters) {
  Decoder dec;
  // no-key: a packet before any key.
  dec.push(rtp(1));
  EXPECT_EQ(dec.stats().drop("no-key"), 1u);
  dec.key_by_event();
  auto send = sender();
  auto late = sender();  // protects sequence 3 before the main sender moves far ahead
  const Bytes old = protect(*late, rtp(3));
  const Bytes first = protect(*send, rtp(10));
  dec.push(first);
  dec.push(first);  // replay-duplicate
  EXPECT_EQ(dec.stats().drop("replay-duplicate"), 1u);
  dec.push(protect(*send, rtp(3000)));
  dec.push(old);  // replay-old: 2997 behind, the window is 1024
  EXPECT_EQ(dec.stats().drop("replay-old"), 1u);
  Bytes tampered = protect(*send, rtp(3001));
  tampered[20] ^= 1;
  dec.push(tampered);  // auth-failure
  EXPECT_EQ(dec.stats().drop("auth-failure"), 1u);
  dec.push({0x80, 0x00, 0x00});  // malformed: too short to name an SSRC
  EXPECT_EQ(dec.stats().drop("malformed"), 1u);
  dec.push(protect(*send, make_rtcp(kSsrc), true));  // SRTCP muxed on rtp_sink

  Stats stats = dec.stats();
  EXPECT_EQ(stats.u64("rtp-packets"), 2u);
  EXPECT_EQ(stats.u64("rtcp-packets"), 1u);
  EXPECT_EQ(stats.u64("rtp-packets-header-in-clear"), 2u);
  EXPECT_EQ(stats.u32("recv-count"), 8u);
  EXPECT_EQ(stats.u32("recv-drop-count"), 5u);
  // Per stream: the two RTP packets and the SRTCP one, and the replays (per-stream drops are those
  // of an SSRC that has authenticated).
  const GValue* recv = stats.stream_field(kSsrc, "recv-count");
  const GValue* dropped = stats.stream_field(kSsrc, "recv-drop-count");
  ASSERT_NE(recv, nullptr);
  ASSERT_NE(dropped, nullptr);
  EXPECT_EQ(g_value_get_uint(recv), 5u);
  EXPECT_EQ(g_value_get_uint(dropped), 2u);
  EXPECT_EQ(g_value_get_uint(stats.stream_field(kSsrc, "roc")), 0u);
  EXPECT_EQ(gst_harness_buffers_received(dec.rtp), 2u);
  EXPECT_EQ(gst_harness_buffers_received(dec.rtcp_out), 1u);
}

TEST(SrtpDecStats, UnknownMkiAndPassThrough) {
  Decoder dec;
  // Keys by caps with MKI aabb; a packet under MKI ccdd names no key.
  const std::string caps =
      "application/x-srtp, ssrc=(uint)4660, srtp-key=(buffer)" + test::key_hex(kKey30) +
      ", srtp-cipher=(string)aes-128-icm, srtp-auth=(string)hmac-sha1-80, "
      "srtcp-cipher=(string)aes-128-icm, srtcp-auth=(string)hmac-sha1-80, mki=(buffer)aabb";
  gst_harness_set_src_caps_str(dec.rtp, caps.c_str());
  auto other_mki = sender({}, {0xcc, 0xdd});
  dec.push(protect(*other_mki, rtp(1)));
  EXPECT_EQ(dec.stats().drop("unknown-mki"), 1u);
  auto right_mki = sender({}, {0xaa, 0xbb});
  dec.push(protect(*right_mki, rtp(2)));
  EXPECT_EQ(dec.stats().u64("rtp-packets"), 1u);

  // passed-through: an SSRC whose caps name no cipher and no authentication.
  gst_harness_set_src_caps_str(dec.rtp,
                               "application/x-srtp, ssrc=(uint)777, srtp-cipher=(string)null, "
                               "srtp-auth=(string)null, srtcp-cipher=(string)null, "
                               "srtcp-auth=(string)null");
  RtpSpec spec;
  spec.ssrc = 777;
  dec.push(make_rtp(spec));
  EXPECT_EQ(dec.stats().u64("passed-through"), 1u);
}

TEST(SrtpDecStats, KeyExpired) {
  Decoder dec("key-lifetime=2");
  dec.key_by_event();
  auto send = sender();
  for (uint16_t seq = 0; seq < 3; ++seq) dec.push(protect(*send, rtp(seq)));
  EXPECT_EQ(dec.stats().drop("key-expired"), 1u);
}

TEST(SrtpDecStats, HeaderPrivacyCounters) {
  {
    // RFC 6904: element 1 encrypted on both sides.
    Decoder dec("encrypted-header-ids=1");
    dec.key_by_event();
    auto send = sender([](SrtpConfig& c) { c.encrypted_header_extension_ids = {1}; });
    dec.push(protect(*send, rtp(1, 1)));
    EXPECT_EQ(dec.stats().u64("rtp-packets-encrypted-extensions"), 1u);
    // A block that does not parse, from a sender that encrypts nothing: found after authentication.
    auto plain = sender();
    dec.push(protect(*plain, rtp_with_malformed_extension(2)));
    EXPECT_EQ(dec.stats().drop("header-extension-malformed"), 1u);
  }
  {
    // RFC 9335.
    Decoder dec("cryptex=required");
    dec.key_by_event();
    auto send = sender([](SrtpConfig& c) { c.cryptex = CryptexMode::accept; });
    dec.push(protect(*send, rtp(1, 1)));
    EXPECT_EQ(dec.stats().u64("rtp-packets-cryptex"), 1u);
    auto plain = sender();
    dec.push(protect(*plain, rtp(2, 1)));
    EXPECT_EQ(dec.stats().drop("cryptex-required"), 1u);
  }
}

// ---- srtpenc -----------------------------------------------------------------------------------

struct Encoder {
  GstHarness* rtp;
  GstHarness* rtcp;
  explicit Encoder(const char* properties = nullptr) {
    GstElement* element = gst_element_factory_make("srtpenc", nullptr);
    if (properties) {
      gchar** pairs = g_strsplit(properties, " ", -1);
      for (gchar** p = pairs; *p; ++p) {
        gchar** kv = g_strsplit(*p, "=", 2);
        gst_util_set_object_arg(G_OBJECT(element), kv[0], kv[1]);
        g_strfreev(kv);
      }
      g_strfreev(pairs);
    }
    rtp = gst_harness_new_with_element(element, "rtp_sink_0", "rtp_src_0");
    gst_object_unref(element);
    rtcp = gst_harness_new_with_element(rtp->element, "rtcp_sink_0", "rtcp_src_0");
    gst_harness_set_src_caps_str(rtp, "application/x-rtp");
    gst_harness_set_src_caps_str(rtcp, "application/x-rtcp");
  }
  ~Encoder() {
    gst_harness_teardown(rtcp);
    gst_harness_teardown(rtp);
  }
  void set_key() {
    GstBuffer* key = to_buffer(kKey30);
    g_object_set(rtp->element, "key", key, nullptr);
    gst_buffer_unref(key);
  }
  GstFlowReturn push(const Bytes& packet) { return gst_harness_push(rtp, to_buffer(packet)); }
  Stats stats() const { return Stats(rtp->element); }
};

TEST(SrtpEncStats, DropsHaveExactlyTheDocumentedCauses) {
  Encoder enc;
  const std::set<std::string> documented = {
      "replay-old", "replay-duplicate",           "malformed",       "key-expired",
      "no-key",     "header-extension-malformed", "cryptex-required"};
  EXPECT_EQ(enc.stats().drop_causes(), documented);
}

TEST(SrtpEncStats, PacketsDropsAndStreams) {
  Encoder enc;
  EXPECT_EQ(enc.push(rtp(1)), GST_FLOW_OK);  // before any key
  {
    Stats stats = enc.stats();
    EXPECT_FALSE(g_value_get_boolean(gst_structure_get_value(stats.s, "keyed")));
    EXPECT_EQ(stats.u64("dropped-no-key"), 1u);
    EXPECT_EQ(stats.drop("no-key"), 1u);
  }
  enc.set_key();
  EXPECT_EQ(enc.push(rtp(10)), GST_FLOW_OK);
  EXPECT_EQ(enc.push(rtp(10)), GST_FLOW_OK);  // replay-duplicate: allow-repeat-tx is off
  EXPECT_EQ(enc.push(rtp(3000)), GST_FLOW_OK);
  EXPECT_EQ(enc.push(rtp(3)), GST_FLOW_OK);              // replay-old
  EXPECT_EQ(enc.push({0x80, 0x00, 0x00}), GST_FLOW_OK);  // malformed
  ASSERT_EQ(gst_harness_push(enc.rtcp, to_buffer(make_rtcp(kSsrc))), GST_FLOW_OK);

  Stats stats = enc.stats();
  EXPECT_TRUE(g_value_get_boolean(gst_structure_get_value(stats.s, "keyed")));
  EXPECT_EQ(stats.drop("replay-duplicate"), 1u);
  EXPECT_EQ(stats.drop("replay-old"), 1u);
  EXPECT_EQ(stats.drop("malformed"), 1u);
  EXPECT_EQ(stats.u64("rtp-packets"), 2u);
  EXPECT_EQ(stats.u64("rtcp-packets"), 1u);
  EXPECT_EQ(stats.u64("rtp-packets-header-in-clear"), 2u);
  EXPECT_EQ(stats.u64("dropped"), 4u);
  const GValue* packets = stats.stream_field(kSsrc, "rtp-packets");
  ASSERT_NE(packets, nullptr);
  EXPECT_EQ(g_value_get_uint64(packets), 2u);
  EXPECT_EQ(g_value_get_uint64(stats.stream_field(kSsrc, "rtcp-packets")), 1u);
  EXPECT_EQ(g_value_get_uint(stats.stream_field(kSsrc, "srtcp-index")), 1u);
  EXPECT_EQ(g_value_get_uint(stats.stream_field(kSsrc, "roc")), 0u);
}

TEST(SrtpEncStats, KeyExpired) {
  Encoder enc("key-lifetime=2");
  enc.set_key();
  EXPECT_EQ(enc.push(rtp(0)), GST_FLOW_OK);
  EXPECT_EQ(enc.push(rtp(1)), GST_FLOW_ERROR);  // the last packet the key may protect: hard limit
  EXPECT_EQ(enc.push(rtp(2)), GST_FLOW_ERROR);
  EXPECT_EQ(enc.stats().drop("key-expired"), 1u);
}

TEST(SrtpEncStats, HeaderPrivacyCounters) {
  {
    Encoder enc("encrypted-header-ids=1");
    enc.set_key();
    EXPECT_EQ(enc.push(rtp(1, 1)), GST_FLOW_OK);
    EXPECT_EQ(enc.stats().u64("rtp-packets-encrypted-extensions"), 1u);
    EXPECT_EQ(enc.push(rtp_with_malformed_extension(2)), GST_FLOW_OK);
    EXPECT_EQ(enc.stats().drop("header-extension-malformed"), 1u);
  }
  {
    Encoder enc("cryptex=required");
    enc.set_key();
    EXPECT_EQ(enc.push(rtp(1, 1)), GST_FLOW_OK);
    EXPECT_EQ(enc.stats().u64("rtp-packets-cryptex"), 1u);
    EXPECT_EQ(enc.push(rtp_with_other_extension(2)), GST_FLOW_OK);
    EXPECT_EQ(enc.stats().drop("cryptex-required"), 1u);
  }
}

}  // namespace
}  // namespace secmedia

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  g_log_set_always_fatal(static_cast<GLogLevelFlags>(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR));
  ::testing::InitGoogleTest(&argc, argv);
  return secmedia::test::run_all_tests_checking_gst_leaks();
}
