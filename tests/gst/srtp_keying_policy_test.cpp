// SPDX-License-Identifier: LGPL-2.1-or-later
// srtpenc and srtpdec agreeing on keys through the key event (issue 13): the value carries the RTP
// and the RTCP profile and the MKI, and every new key is taken, whatever its generation says.
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gst_test_support.h"
#include "packets.h"
#include "secmedia/srtp.h"

namespace secmedia {
namespace {

using test::make_rtcp;
using test::make_rtp;
using test::pull_bytes;
using test::RtpSpec;
using test::to_buffer;

const std::vector<uint8_t> kKey30 = [] {
  std::vector<uint8_t> key(30);
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(0x21 + 3 * i);
  return key;
}();

std::vector<uint8_t> rtp_packet(uint16_t seq, uint32_t ssrc = 0x1234) {
  RtpSpec spec;
  spec.sequence = seq;
  spec.ssrc = ssrc;
  spec.payload_length = 100;
  return make_rtp(spec);
}

void set_buffer_property(GstElement* element, const char* name, const std::vector<uint8_t>& v) {
  GstBuffer* buffer = to_buffer(v);
  g_object_set(element, name, buffer, nullptr);
  gst_buffer_unref(buffer);
}

// srtpenc's `kind`_sink_0 -> srtpdec's `kind`_sink, events first.
struct Link {
  GstHarness* enc;
  GstHarness* dec;
  explicit Link(const char* kind) {
    const std::string k = kind;
    enc = gst_harness_new_with_padnames("srtpenc", (k + "_sink_0").c_str(), (k + "_src_0").c_str());
    dec = gst_harness_new_with_padnames("srtpdec", (k + "_sink").c_str(), (k + "_src").c_str());
    gst_harness_set_src_caps_str(
        enc, k == "rtp" ? "application/x-rtp, ssrc=(uint)4660" : "application/x-rtcp");
  }
  ~Link() {
    gst_harness_teardown(enc);
    gst_harness_teardown(dec);
  }
  // With `keyless_caps`, srtpenc's caps (which carry a key the application set, as gst-plugins-bad
  // does) reach srtpdec without it, as from a udpsrc: the key event alone keys srtpdec.
  void forward(bool keyless_caps = false) {
    while (GstEvent* event = gst_harness_try_pull_event(enc)) {
      if (keyless_caps && GST_EVENT_TYPE(event) == GST_EVENT_CAPS) {
        gst_event_unref(event);
        GstCaps* caps = gst_caps_new_empty_simple("application/x-srtp");
        event = gst_event_new_caps(caps);
        gst_caps_unref(caps);
      }
      gst_harness_push_event(dec, event);
    }
    while (GstBuffer* buffer = gst_harness_try_pull(enc)) {
      EXPECT_EQ(gst_harness_push(dec, buffer), GST_FLOW_OK);
    }
  }
  std::string output_caps() const {
    GstCaps* caps = gst_pad_get_current_caps(enc->sinkpad);
    if (!caps) return "";
    gchar* text = gst_caps_to_string(caps);
    std::string result = text;
    g_free(text);
    gst_caps_unref(caps);
    return result;
  }
};

class RtcpAuth32 : public ::testing::TestWithParam<const char*> {};

// Regression: srtpenc keyed by properties with rtcp-auth=hmac-sha1-32 sent a key event with one
// profile; srtpdec re-derived the SRTCP profile with RFC 5764's rule (an 80-bit tag) and dropped
// every SRTCP packet as an auth failure.
TEST_P(RtcpAuth32, SrtcpWith32BitTagsPassesThroughTheKeyEvent) {
  Link link("rtcp");
  gst_util_set_object_arg(G_OBJECT(link.enc->element), "rtp-auth", GetParam());
  gst_util_set_object_arg(G_OBJECT(link.enc->element), "rtcp-auth", "hmac-sha1-32");
  set_buffer_property(link.enc->element, "key", kKey30);
  for (uint8_t i = 0; i < 20; ++i) {
    ASSERT_EQ(gst_harness_push(link.enc, to_buffer(make_rtcp(0x4242, 6, i))), GST_FLOW_OK);
  }
  link.forward();
  for (uint8_t i = 0; i < 20; ++i) EXPECT_EQ(pull_bytes(link.dec), make_rtcp(0x4242, 6, i)) << +i;
  EXPECT_EQ(test::drop_count(link.dec->element, "auth-failure"), 0u);
}

// The caps srtpenc announces name the SRTCP auth it sends with (the issue reported
// srtcp-auth=hmac-sha1-80 with rtcp-auth=hmac-sha1-32; a guard, it held before the key ring too).
TEST_P(RtcpAuth32, OutputCapsAnnounceTheRtcpAuthInUse) {
  for (const char* kind : {"rtp", "rtcp"}) {
    Link link(kind);
    gst_util_set_object_arg(G_OBJECT(link.enc->element), "rtp-auth", GetParam());
    gst_util_set_object_arg(G_OBJECT(link.enc->element), "rtcp-auth", "hmac-sha1-32");
    set_buffer_property(link.enc->element, "key", kKey30);
    const bool rtp = std::string(kind) == "rtp";
    ASSERT_EQ(gst_harness_push(link.enc, to_buffer(rtp ? rtp_packet(1) : make_rtcp(0x4242))),
              GST_FLOW_OK);
    const std::string caps = link.output_caps();
    EXPECT_NE(caps.find("srtcp-auth=(string)hmac-sha1-32"), std::string::npos) << caps;
    EXPECT_NE(caps.find(std::string("srtp-auth=(string)") + GetParam()), std::string::npos) << caps;
  }
}

INSTANTIATE_TEST_SUITE_P(RtpAuth, RtcpAuth32, ::testing::Values("hmac-sha1-80", "hmac-sha1-32"),
                         [](const auto& test_info) {
                           return std::string(test_info.param) == "hmac-sha1-80" ? "rtp_auth_80"
                                                                                 : "rtp_auth_32";
                         });

// Regression: the key event carried no MKI, so srtpdec keyed by srtpenc's event expected packets
// without one and dropped every packet srtpenc sent with its `mki` property set.
TEST(KeyEvent, CarriesTheMkiFromSrtpencToSrtpdec) {
  Link link("rtp");
  set_buffer_property(link.enc->element, "key", kKey30);
  set_buffer_property(link.enc->element, "mki", {0xca, 0xfe});
  for (uint16_t seq = 1; seq <= 5; ++seq) {
    ASSERT_EQ(gst_harness_push(link.enc, to_buffer(rtp_packet(seq))), GST_FLOW_OK);
  }
  link.forward(true);
  for (uint16_t seq = 1; seq <= 5; ++seq) EXPECT_EQ(pull_bytes(link.dec), rtp_packet(seq)) << seq;
  // A new MKI is a manual rekey: srtpdec follows it.
  set_buffer_property(link.enc->element, "mki", {0xbe, 0xef});
  for (uint16_t seq = 6; seq <= 10; ++seq) {
    ASSERT_EQ(gst_harness_push(link.enc, to_buffer(rtp_packet(seq))), GST_FLOW_OK);
  }
  link.forward(true);
  for (uint16_t seq = 6; seq <= 10; ++seq) EXPECT_EQ(pull_bytes(link.dec), rtp_packet(seq)) << seq;
  EXPECT_EQ(test::drop_count(link.dec->element, "unknown-mki"), 0u);
}

// The generation of the key events srtpenc sends: it grows with every manual rekey.
TEST(KeyEvent, GenerationGrowsWithEveryManualRekey) {
  Link link("rtp");
  std::vector<uint32_t> generations;
  auto collect = [&] {
    while (GstEvent* event = gst_harness_try_pull_event(link.enc)) {
      if (auto value = gst::parse_srtp_keys_event(event)) {
        generations.push_back(value->material.generation);
      }
      gst_event_unref(event);
    }
    while (GstBuffer* buffer = gst_harness_try_pull(link.enc)) gst_buffer_unref(buffer);
  };
  set_buffer_property(link.enc->element, "key", kKey30);
  ASSERT_EQ(gst_harness_push(link.enc, to_buffer(rtp_packet(1))), GST_FLOW_OK);
  collect();
  set_buffer_property(link.enc->element, "key",
                      std::vector<uint8_t>(kKey30.rbegin(), kKey30.rend()));
  ASSERT_EQ(gst_harness_push(link.enc, to_buffer(rtp_packet(2))), GST_FLOW_OK);
  collect();
  set_buffer_property(link.enc->element, "mki", {1, 2, 3, 4});
  ASSERT_EQ(gst_harness_push(link.enc, to_buffer(rtp_packet(3))), GST_FLOW_OK);
  collect();
  ASSERT_EQ(generations.size(), 3u);
  EXPECT_LT(generations[0], generations[1]);
  EXPECT_LT(generations[1], generations[2]);
}

gst::KeyEventValue dtls_value(uint8_t seed, uint32_t generation, DtlsRole role = DtlsRole::server) {
  return test::dtls_keys(SrtpProfile::aes_cm_128_hmac_sha1_80, role, seed, generation);
}

// What a peer keyed with `value` sends, protected with its local key.
std::vector<uint8_t> protect_as_peer(const gst::KeyEventValue& value, uint16_t seq) {
  SrtpConfig config;
  auto session = SrtpSession::create(config);
  session->add_master_key(value.material.local_key, value.material.local_salt);
  std::vector<uint8_t> packet = rtp_packet(seq);
  size_t length = packet.size();
  packet.resize(length + session->rtp_overhead());
  EXPECT_EQ(session->protect_rtp(packet, length), SrtpStatus::ok);
  packet.resize(length);
  return packet;
}

// Regression: srtpdec ignored a key event whose generation and profile were those it had, so the
// keys of a second DTLS handshake with the same profile (every handshake said generation 1) never
// replaced the first one's, and every packet under them failed authentication.
TEST(KeyEvent, SrtpdecTakesNewKeysOfTheSameProfileAndGeneration) {
  GstHarness* dec = gst_harness_new_with_padnames("srtpdec", "rtp_sink", "rtp_src");
  gst_harness_set_src_caps_str(dec, "application/x-srtp");
  const auto first_peer = dtls_value(1, 1, DtlsRole::client);
  const auto second_peer = dtls_value(2, 1, DtlsRole::client);
  ASSERT_TRUE(gst_harness_push_event(dec, gst::make_srtp_keys_event(dtls_value(1, 1), true)));
  ASSERT_EQ(gst_harness_push(dec, to_buffer(protect_as_peer(first_peer, 1))), GST_FLOW_OK);
  EXPECT_EQ(pull_bytes(dec), rtp_packet(1));
  ASSERT_TRUE(gst_harness_push_event(dec, gst::make_srtp_keys_event(dtls_value(2, 1), true)));
  ASSERT_EQ(gst_harness_push(dec, to_buffer(protect_as_peer(second_peer, 2))), GST_FLOW_OK);
  EXPECT_EQ(pull_bytes(dec), rtp_packet(2));
  // And a higher generation, the same keys: the same key, no reset of the replay window.
  ASSERT_TRUE(gst_harness_push_event(dec, gst::make_srtp_keys_event(dtls_value(2, 2), true)));
  ASSERT_EQ(gst_harness_push(dec, to_buffer(protect_as_peer(second_peer, 2))), GST_FLOW_OK);
  EXPECT_EQ(gst_harness_buffers_received(dec), 2u);
  EXPECT_EQ(test::drop_count(dec->element, "auth-failure"), 0u);
  gst_harness_teardown(dec);
}

// Regression: srtpenc ignored an upstream key event whose generation and profile were those it
// had, and went on protecting with the first handshake's key.
TEST(KeyEvent, SrtpencTakesNewKeysOfTheSameProfileAndGeneration) {
  Link link("rtp");
  ASSERT_TRUE(gst_harness_push_upstream_event(
      link.enc, gst::make_srtp_keys_event(dtls_value(1, 1, DtlsRole::client), false)));
  ASSERT_EQ(gst_harness_push(link.enc, to_buffer(rtp_packet(1))), GST_FLOW_OK);
  ASSERT_TRUE(gst_harness_push_upstream_event(
      link.enc, gst::make_srtp_keys_event(dtls_value(2, 1, DtlsRole::client), false)));
  ASSERT_EQ(gst_harness_push(link.enc, to_buffer(rtp_packet(2))), GST_FLOW_OK);
  // The peer (server) unprotects with the second handshake's keys.
  ASSERT_TRUE(gst_harness_push_event(link.dec, gst::make_srtp_keys_event(dtls_value(2, 1), true)));
  link.forward();
  EXPECT_EQ(pull_bytes(link.dec), rtp_packet(2));
  EXPECT_EQ(test::drop_count(link.dec->element, "auth-failure"), 1u);  // packet 1, first keys
  while (GstEvent* event = gst_harness_try_pull_event(link.dec)) gst_event_unref(event);
}

}  // namespace
}  // namespace secmedia

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  g_log_set_always_fatal(static_cast<GLogLevelFlags>(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR));
  ::testing::InitGoogleTest(&argc, argv);
  return secmedia::test::run_all_tests_checking_gst_leaks();
}
