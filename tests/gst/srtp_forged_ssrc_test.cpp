// SPDX-License-Identifier: LGPL-2.1-or-later
// 100,000 forged SSRCs against a keyed srtpdec, in every keying mode (caps keys on rtp_sink,
// request-key answered for any SSRC, with and without a rollover counter, the key event, and the
// static SDES key of dtlssrtpdec): the heap must not grow with the number of SSRCs, and the
// legitimate stream must still come through afterwards.
//
// Heap growth is read from the allocator (mallinfo2's bytes in use, or AddressSanitizer's count
// under ASan), not from RSS, so that it does not depend on when the allocator returns pages. A
// warm-up flood first takes every one-time allocation (signal marshalling, probe sessions, log
// state); the measured flood then only shows what is kept per SSRC.
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gtest/gtest.h>
#include <malloc.h>

#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "gst_test_support.h"
#include "packets.h"
#include "secmedia/srtp.h"

#if defined(__SANITIZE_ADDRESS__)
#define SECMEDIA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SECMEDIA_ASAN 1
#endif
#endif
#ifdef SECMEDIA_ASAN
#include <sanitizer/allocator_interface.h>
#endif

namespace secmedia {
namespace {

using test::make_rtp;
using test::RtpSpec;
using test::to_buffer;

constexpr uint32_t kLegitimateSsrc = 0x1234;
constexpr uint32_t kForgedSsrcBase = 0x40000000;
constexpr int kWarmUpSsrcs = 2000;
constexpr int kForgedSsrcs = 100000;
// The bound is 10 MB for 100k SSRCs; nothing is kept per forged SSRC, so a tenth of that
// leaves room for allocator noise only.
constexpr long long kMaxGrowthBytes = 1 << 20;
constexpr uint32_t kPresetRoc = 7;

const std::vector<uint8_t> kKey30 = [] {
  std::vector<uint8_t> key(30);
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(0x10 + i);
  return key;
}();

long long heap_bytes_in_use() {
#ifdef SECMEDIA_ASAN
  return static_cast<long long>(__sanitizer_get_current_allocated_bytes());
#else
  const struct mallinfo2 info = mallinfo2();
  return static_cast<long long>(info.uordblks + info.hblkhd);
#endif
}

long long rss_bytes() {
  long pages_total = 0;
  long pages_resident = 0;
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  if (std::fscanf(f, "%ld %ld", &pages_total, &pages_resident) != 2) pages_resident = 0;
  std::fclose(f);
  return static_cast<long long>(pages_resident) * 4096;
}

GstCaps* caps_for_key(uint32_t ssrc, bool with_roc) {
  GstBuffer* key = to_buffer(kKey30);
  GstCaps* caps =
      gst_caps_new_simple("application/x-srtp", "ssrc", G_TYPE_UINT, ssrc, "srtp-key",
                          GST_TYPE_BUFFER, key, "srtp-cipher", G_TYPE_STRING, "aes-128-icm",
                          "srtp-auth", G_TYPE_STRING, "hmac-sha1-80", "srtcp-cipher", G_TYPE_STRING,
                          "aes-128-icm", "srtcp-auth", G_TYPE_STRING, "hmac-sha1-80", nullptr);
  if (with_roc) gst_caps_set_simple(caps, "roc", G_TYPE_UINT, kPresetRoc, nullptr);
  gst_buffer_unref(key);
  return caps;
}

// The sender of the legitimate stream, keyed as every mode keys the decoder.
std::unique_ptr<SrtpSession> legitimate_sender(bool preset_roc) {
  SrtpConfig config;
  config.direction = SrtpDirection::protect;
  auto session = SrtpSession::create(config);
  const std::span<const uint8_t> key(kKey30);
  EXPECT_EQ(session->add_master_key(key.first(16), key.subspan(16)), SrtpStatus::ok);
  if (preset_roc) session->set_rollover_counter(kLegitimateSsrc, kPresetRoc);
  return session;
}

GstBuffer* authentic_packet(SrtpSession& sender, uint16_t sequence,
                            uint32_t ssrc = kLegitimateSsrc) {
  RtpSpec spec;
  spec.ssrc = ssrc;
  spec.sequence = sequence;
  std::vector<uint8_t> packet = make_rtp(spec);
  size_t length = packet.size();
  packet.resize(length + sender.rtp_overhead());
  EXPECT_EQ(sender.protect_rtp(packet, length), SrtpStatus::ok);
  packet.resize(length);
  return to_buffer(packet);
}

// An SRTP-shaped packet (RTP header, 160 octets of payload, a 10-octet tag) from `ssrc`.
GstBuffer* forged_packet(uint32_t ssrc) {
  RtpSpec spec;
  spec.ssrc = ssrc;
  spec.sequence = static_cast<uint16_t>(ssrc * 7);
  spec.payload_length = 170;
  spec.payload_seed = static_cast<uint8_t>(ssrc);
  return to_buffer(make_rtp(spec));
}

void flood(GstHarness* h, uint32_t first, int count) {
  for (int i = 0; i < count; ++i) {
    ASSERT_EQ(gst_harness_push(h, forged_packet(first + static_cast<uint32_t>(i))), GST_FLOW_OK);
  }
}

// The SRTP decoder inside `element` (itself, or dtlssrtpdec's child).
GstElement* decoder_of(GstElement* element) {
  if (!GST_IS_BIN(element)) return GST_ELEMENT(gst_object_ref(element));
  for (GList* l = GST_BIN_CHILDREN(element); l; l = l->next) {
    if (g_str_equal(G_OBJECT_TYPE_NAME(l->data), "SecmediaSrtpDec")) {
      return GST_ELEMENT(gst_object_ref(l->data));
    }
  }
  return nullptr;
}

struct Mode {
  const char* name;
  bool preset_roc = false;
  // Makes the harness (rtp_sink or sink -> rtp_src), keyed.
  std::function<GstHarness*()> make;
  const char* forged_drop_cause;
};

GstCaps* answer_any_ssrc(GstElement*, guint ssrc, gpointer with_roc) {
  return caps_for_key(ssrc, with_roc != nullptr);
}

void run_flood(const Mode& mode) {
  GstHarness* h = mode.make();
  ASSERT_NE(h, nullptr);
  auto sender = legitimate_sender(mode.preset_roc);
  ASSERT_EQ(gst_harness_push(h, authentic_packet(*sender, 0)), GST_FLOW_OK);
  ASSERT_EQ(gst_harness_buffers_received(h), 1u) << mode.name << ": not keyed";

  flood(h, kForgedSsrcBase, kWarmUpSsrcs);
  const long long heap_before = heap_bytes_in_use();
  const long long rss_before = rss_bytes();
  flood(h, kForgedSsrcBase + kWarmUpSsrcs, kForgedSsrcs);
  const long long heap_growth = heap_bytes_in_use() - heap_before;
  const long long rss_growth = rss_bytes() - rss_before;
  std::printf("%s: %d forged SSRCs: heap %+lld bytes, RSS %+lld bytes\n", mode.name, kForgedSsrcs,
              heap_growth, rss_growth);
  ::testing::Test::RecordProperty("heap_growth_bytes", std::to_string(heap_growth));
  EXPECT_LT(heap_growth, kMaxGrowthBytes) << mode.name;

  // Every forged packet was dropped and counted; the legitimate stream goes on.
  GstElement* decoder = decoder_of(h->element);
  ASSERT_NE(decoder, nullptr);
  EXPECT_EQ(test::drop_count(decoder, mode.forged_drop_cause),
            static_cast<guint64>(kWarmUpSsrcs + kForgedSsrcs))
      << mode.name;
  gst_object_unref(decoder);
  ASSERT_EQ(gst_harness_push(h, authentic_packet(*sender, 1)), GST_FLOW_OK);
  EXPECT_EQ(gst_harness_buffers_received(h), 2u) << mode.name;
  gst_harness_teardown(h);
}

GstHarness* srtpdec_harness() {
  return gst_harness_new_with_padnames("srtpdec", "rtp_sink", "rtp_src");
}

TEST(ForgedSsrcs, CapsKeysOnRtpSink) {
  run_flood({"caps keys", false,
             [] {
               GstHarness* h = srtpdec_harness();
               gst_harness_set_src_caps(h, caps_for_key(kLegitimateSsrc, false));
               return h;
             },
             "no-key"});
}

TEST(ForgedSsrcs, RequestKeyAnsweredForAnySsrc) {
  run_flood({"request-key", false,
             [] {
               GstHarness* h = srtpdec_harness();
               gst_harness_set_src_caps_str(h, "application/x-srtp");
               g_signal_connect(h->element, "request-key", G_CALLBACK(answer_any_ssrc), nullptr);
               return h;
             },
             "auth-failure"});
}

// A rollover counter in the answer (a late joiner told it out of band, RFC 3711 §3.3.1) must not
// make the decoder keep state for an SSRC that never authenticated either.
TEST(ForgedSsrcs, RequestKeyAnsweredWithARolloverCounter) {
  run_flood({"request-key with roc", true,
             [] {
               GstHarness* h = srtpdec_harness();
               gst_harness_set_src_caps_str(h, "application/x-srtp");
               g_signal_connect(h->element, "request-key", G_CALLBACK(answer_any_ssrc),
                                GINT_TO_POINTER(1));
               return h;
             },
             "auth-failure"});
}

TEST(ForgedSsrcs, KeyEvent) {
  run_flood({"key event", false,
             [] {
               GstHarness* h = srtpdec_harness();
               gst_harness_set_src_caps_str(h, "application/x-srtp");
               auto keys =
                   test::dtls_keys(SrtpProfile::aes_cm_128_hmac_sha1_80, DtlsRole::client, 5);
               keys.material.remote_key.assign(kKey30.begin(), kKey30.begin() + 16);
               keys.material.remote_salt.assign(kKey30.begin() + 16, kKey30.end());
               EXPECT_TRUE(gst_harness_push_event(h, gst::make_srtp_keys_event(keys, true)));
               return h;
             },
             "auth-failure"});
}

// SDES (RFC 4568) through webrtcbin's dtlssrtpdec: the static key answers request-key for every
// SSRC with no application code at all.
TEST(ForgedSsrcs, StaticKeyOfDtlsSrtpDec) {
  run_flood({"dtlssrtpdec static key", false,
             [] {
               GstElement* dec = gst_element_factory_make("dtlssrtpdec", nullptr);
               EXPECT_NE(dec, nullptr);
               GstBuffer* key = to_buffer(kKey30);
               g_object_set(dec, "key", key, nullptr);
               gst_buffer_unref(key);
               for (const char* property : {"srtp-cipher", "srtcp-cipher"}) {
                 gst_util_set_object_arg(G_OBJECT(dec), property, "aes-128-icm");
               }
               for (const char* property : {"srtp-auth", "srtcp-auth"}) {
                 gst_util_set_object_arg(G_OBJECT(dec), property, "hmac-sha1-80");
               }
               GstHarness* h = gst_harness_new_with_element(dec, "sink", "rtp_src");
               gst_object_unref(dec);
               gst_harness_set_src_caps_str(h, "application/x-srtp");
               return h;
             },
             "auth-failure"});
}

// Issue 15: srtpdec kept keys for 1,024 SSRCs, so more SSRCs keyed alike by request-key evicted
// each other: every packet asked request-key again and built a new session (10.8x the cost per
// packet with 10,000 SSRCs). SSRCs with the same keys now share one session.
GstCaps* count_and_answer(GstElement*, guint ssrc, gpointer asked) {
  ++*static_cast<int*>(asked);
  return caps_for_key(ssrc, false);
}

TEST(ManySsrcs, RequestKeyOncePerSsrcAndEveryPacketDecrypts) {
  constexpr uint32_t kSsrcs = 3000;
  constexpr uint16_t kRounds = 3;
  constexpr uint32_t kFirstSsrc = 0x10000;
  GstHarness* h = srtpdec_harness();
  gst_harness_set_src_caps_str(h, "application/x-srtp");
  int asked = 0;
  g_signal_connect(h->element, "request-key", G_CALLBACK(count_and_answer), &asked);
  auto sender = legitimate_sender(false);
  for (uint16_t round = 0; round < kRounds; ++round) {
    for (uint32_t i = 0; i < kSsrcs; ++i) {
      ASSERT_EQ(gst_harness_push(h, authentic_packet(*sender, static_cast<uint16_t>(100 + round),
                                                     kFirstSsrc + i)),
                GST_FLOW_OK);
      gst_buffer_unref(gst_harness_pull(h));
    }
  }
  EXPECT_EQ(asked, static_cast<int>(kSsrcs)) << "request-key asked more than once per SSRC";
  EXPECT_EQ(gst_harness_buffers_received(h), guint{kSsrcs} * kRounds);

  // Stats still report every SSRC's stream, once.
  GstStructure* stats = nullptr;
  g_object_get(h->element, "stats", &stats, nullptr);
  ASSERT_NE(stats, nullptr);
  const GValue* streams = gst_structure_get_value(stats, "streams");
  ASSERT_NE(streams, nullptr);
  EXPECT_EQ(gst_value_array_get_size(streams), guint{kSsrcs});
  gst_structure_free(stats);

  // remove-key forgets one SSRC: its next packet asks again.
  g_signal_emit_by_name(h->element, "remove-key", kFirstSsrc);
  ASSERT_EQ(gst_harness_push(h, authentic_packet(*sender, 100 + kRounds, kFirstSsrc)), GST_FLOW_OK);
  EXPECT_EQ(asked, static_cast<int>(kSsrcs) + 1);
  EXPECT_EQ(gst_harness_buffers_received(h), guint{kSsrcs} * kRounds + 1);
  gst_harness_teardown(h);
}

}  // namespace
}  // namespace secmedia

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  g_log_set_always_fatal(static_cast<GLogLevelFlags>(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR));
  ::testing::InitGoogleTest(&argc, argv);
  return secmedia::test::run_all_tests_checking_gst_leaks();
}
