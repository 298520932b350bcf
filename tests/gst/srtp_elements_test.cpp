// SPDX-License-Identifier: LGPL-2.1-or-later
// srtpenc and srtpdec driven through their pads (GstHarness): keys from properties, caps, signals
// and the key event; drops counted by cause; RTCP mux; buffer lists; late keys; ROC across a key
// change.
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gst/sdp/gstmikey.h>
#include <gtest/gtest.h>

#include <atomic>
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
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(0x10 + i);
  return key;
}();

std::vector<uint8_t> rtp_packet(uint16_t seq, uint32_t ssrc = 0x1234, size_t payload = 200) {
  RtpSpec spec;
  spec.sequence = seq;
  spec.ssrc = ssrc;
  spec.payload_length = payload;
  return make_rtp(spec);
}

void set_key(GstElement* element, const std::vector<uint8_t>& key) {
  GstBuffer* buffer = test::key_buffer(key);
  g_object_set(element, "key", buffer, nullptr);
  gst_buffer_unref(buffer);
}

// srtpenc harness on rtp_sink_0 -> srtpdec harness on rtp_sink -> rtp_src.
struct EncDecChain {
  GstHarness* enc;
  GstHarness* dec;
  EncDecChain() {
    enc = gst_harness_new_with_padnames("srtpenc", "rtp_sink_0", "rtp_src_0");
    dec = gst_harness_new_with_padnames("srtpdec", "rtp_sink", "rtp_src");
    gst_harness_set_src_caps_str(enc, "application/x-rtp, ssrc=(uint)4660");
  }
  ~EncDecChain() {
    gst_harness_teardown(enc);
    gst_harness_teardown(dec);
  }
  // Moves what srtpenc produced (events first, then buffers) into srtpdec.
  void forward() {
    while (GstEvent* event = gst_harness_try_pull_event(enc)) gst_harness_push_event(dec, event);
    while (GstBuffer* buffer = gst_harness_try_pull(enc)) {
      EXPECT_EQ(gst_harness_push(dec, buffer), GST_FLOW_OK);
    }
  }
};

struct CipherCase {
  const char* cipher;
  const char* auth;
  size_t key_length;
};

class SrtpElementRoundTrip : public ::testing::TestWithParam<CipherCase> {};

// srtpenc keyed by properties; srtpdec keyed by the key event srtpenc sends: no decoder
// configuration.
TEST_P(SrtpElementRoundTrip, EncoderToDecoderWithoutConfiguringTheDecoder) {
  const CipherCase& c = GetParam();
  EncDecChain chain;
  std::vector<uint8_t> key(c.key_length);
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(3 * i + 1);
  gst_util_set_object_arg(G_OBJECT(chain.enc->element), "rtp-cipher", c.cipher);
  gst_util_set_object_arg(G_OBJECT(chain.enc->element), "rtcp-cipher", c.cipher);
  gst_util_set_object_arg(G_OBJECT(chain.enc->element), "rtp-auth", c.auth);
  gst_util_set_object_arg(G_OBJECT(chain.enc->element), "rtcp-auth", c.auth);
  set_key(chain.enc->element, key);
  for (uint16_t seq = 65500; seq != 40; ++seq) {
    ASSERT_EQ(gst_harness_push(chain.enc, to_buffer(rtp_packet(seq))), GST_FLOW_OK);
  }
  chain.forward();
  for (uint16_t seq = 65500; seq != 40; ++seq) {
    EXPECT_EQ(pull_bytes(chain.dec), rtp_packet(seq)) << seq;
  }
  EXPECT_EQ(test::drop_count(chain.dec->element, "auth-failure"), 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Ciphers, SrtpElementRoundTrip,
    ::testing::Values(CipherCase{"aes-128-icm", "hmac-sha1-80", 30},
                      CipherCase{"aes-128-icm", "hmac-sha1-32", 30},
                      CipherCase{"aes-192-icm", "hmac-sha1-80", 38},
                      CipherCase{"aes-256-icm", "hmac-sha1-80", 46},
                      CipherCase{"aes-256-icm", "hmac-sha1-32", 46},
                      CipherCase{"aes-128-gcm", "null", 28}, CipherCase{"aes-256-gcm", "null", 44},
                      CipherCase{"null", "hmac-sha1-80", 30}, CipherCase{"null", "null", 30}),
    [](const auto& test_info) {
      std::string name = std::string(test_info.param.cipher) + "_" + test_info.param.auth;
      for (char& ch : name) {
        if (ch == '-') ch = '_';
      }
      return name;
    });

// Regression: srtpenc's output caps had no srtp-key, so gst-rtsp-server's MIKEY (built with
// gst_mikey_message_new_from_caps from those caps) carried no key and the receiver dropped
// everything.
TEST(SrtpEnc, ApplicationKeyTravelsInOutputCapsAsGstPluginsBadPutsIt) {
  EncDecChain chain;
  set_key(chain.enc->element, kKey30);
  ASSERT_EQ(gst_harness_push(chain.enc, to_buffer(rtp_packet(1))), GST_FLOW_OK);
  GstCaps* caps = gst_pad_get_current_caps(chain.enc->sinkpad);
  ASSERT_NE(caps, nullptr);
  const GstStructure* s = gst_caps_get_structure(caps, 0);
  EXPECT_TRUE(gst_structure_has_name(s, "application/x-srtp"));
  GstBuffer* key = nullptr;
  ASSERT_TRUE(gst_structure_get(s, "srtp-key", GST_TYPE_BUFFER, &key, nullptr));
  EXPECT_EQ(test::to_bytes(key), kKey30);
  gst_buffer_unref(key);
  EXPECT_STREQ(gst_structure_get_string(s, "srtp-cipher"), "aes-128-icm");
  EXPECT_STREQ(gst_structure_get_string(s, "srtp-auth"), "hmac-sha1-80");
  EXPECT_STREQ(gst_structure_get_string(s, "srtcp-cipher"), "aes-128-icm");
  EXPECT_STREQ(gst_structure_get_string(s, "srtcp-auth"), "hmac-sha1-80");
  // What gst-rtsp-server does with them: a MIKEY message carrying the key.
  GstMIKEYMessage* mikey = gst_mikey_message_new_from_caps(caps);
  ASSERT_NE(mikey, nullptr);
  GstCaps* back = gst_caps_new_empty_simple("application/x-srtp");
  ASSERT_TRUE(gst_mikey_message_to_caps(mikey, back));
  GstBuffer* mikey_key = nullptr;
  ASSERT_TRUE(gst_structure_get(gst_caps_get_structure(back, 0), "srtp-key", GST_TYPE_BUFFER,
                                &mikey_key, nullptr));
  EXPECT_EQ(test::to_bytes(mikey_key), kKey30);
  gst_buffer_unref(mikey_key);
  gst_caps_unref(back);
  gst_mikey_message_unref(mikey);
  gst_caps_unref(caps);
  // The protected packet differs from the plain one and carries the 10-octet tag.
  const auto out = pull_bytes(chain.enc);
  const auto plain = rtp_packet(1);
  ASSERT_EQ(out.size(), plain.size() + 10);
  EXPECT_NE(std::vector<uint8_t>(out.begin() + 12, out.end() - 10),
            std::vector<uint8_t>(plain.begin() + 12, plain.end()));
}

// gst-rtsp-server sets random-key, brings srtpenc to READY "so that it generates its key", then
// reads `key`, the caps and, for MIKEY's ROC, `stats` (streams[].roc for the sender's SSRC),
// possibly before the first packet: all three agree, and the SSRC of the caps has a stream from the
// start.
TEST(SrtpEnc, RandomKeyAppearsInCapsAndTheCapsSsrcInStats) {
  GstHarness* enc = gst_harness_new_with_padnames("srtpenc", "rtp_sink_0", "rtp_src_0");
  gst_util_set_object_arg(G_OBJECT(enc->element), "rtp-cipher", "aes-256-icm");
  gst_util_set_object_arg(G_OBJECT(enc->element), "rtcp-cipher", "aes-256-icm");
  gst_util_set_object_arg(G_OBJECT(enc->element), "rtp-auth", "hmac-sha1-32");
  g_object_set(enc->element, "random-key", TRUE, nullptr);
  gst_harness_set_src_caps_str(enc, "application/x-rtp, ssrc=(uint)4660");
  GstBuffer* key = nullptr;
  g_object_get(enc->element, "key", &key, nullptr);
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(gst_buffer_get_size(key), 46u);
  GstCaps* caps = gst_pad_get_current_caps(enc->sinkpad);
  ASSERT_NE(caps, nullptr);
  const GstStructure* s = gst_caps_get_structure(caps, 0);
  GstBuffer* caps_key = nullptr;
  ASSERT_TRUE(gst_structure_get(s, "srtp-key", GST_TYPE_BUFFER, &caps_key, nullptr));
  EXPECT_EQ(test::to_bytes(caps_key), test::to_bytes(key));
  EXPECT_STREQ(gst_structure_get_string(s, "srtp-cipher"), "aes-256-icm");
  EXPECT_STREQ(gst_structure_get_string(s, "srtp-auth"), "hmac-sha1-32");
  gst_buffer_unref(caps_key);
  gst_buffer_unref(key);
  gst_caps_unref(caps);
  GstStructure* stats = test::stats_of(enc->element);
  const GValue* streams = gst_structure_get_value(stats, "streams");
  ASSERT_NE(streams, nullptr);
  ASSERT_EQ(gst_value_array_get_size(streams), 1u);
  const GstStructure* stream = gst_value_get_structure(gst_value_array_get_value(streams, 0));
  guint ssrc = 0, roc = 99;
  EXPECT_TRUE(gst_structure_get_uint(stream, "ssrc", &ssrc));
  EXPECT_TRUE(gst_structure_get_uint(stream, "roc", &roc));
  EXPECT_EQ(ssrc, 4660u);
  EXPECT_EQ(roc, 0u);
  gst_structure_free(stats);
  gst_harness_teardown(enc);
}

// Keys negotiated by DTLS never appear in caps: they exist only in the key event.
TEST(SrtpEnc, DtlsKeysNeverAppearInCaps) {
  EncDecChain chain;
  set_key(chain.enc->element, kKey30);  // an application key first, then DTLS takes over
  ASSERT_EQ(gst_harness_push(chain.enc, to_buffer(rtp_packet(1))), GST_FLOW_OK);
  const auto keys = test::dtls_keys(SrtpProfile::aead_aes_128_gcm, DtlsRole::client, 0x33);
  ASSERT_TRUE(gst_harness_push_upstream_event(chain.enc, gst::make_srtp_keys_event(keys, false)));
  ASSERT_EQ(gst_harness_push(chain.enc, to_buffer(rtp_packet(2))), GST_FLOW_OK);
  GstCaps* caps = gst_pad_get_current_caps(chain.enc->sinkpad);
  ASSERT_NE(caps, nullptr);
  gchar* text = gst_caps_to_string(caps);
  EXPECT_EQ(std::string(text).find("srtp-key"), std::string::npos) << text;
  EXPECT_EQ(std::string(text).find(test::key_hex(keys.material.local_key).substr(0, 12)),
            std::string::npos);
  EXPECT_NE(std::string(text).find("srtp-cipher=(string)aes-128-gcm"), std::string::npos) << text;
  g_free(text);
  gst_caps_unref(caps);
}

// Never send under a throw-away key: without keys srtpenc drops and counts; keys from a DTLS
// element (the upstream key event) start the flow.
TEST(SrtpEnc, DropsAndCountsUntilKeyedByTheKeyEvent) {
  EncDecChain chain;
  for (uint16_t seq = 0; seq < 5; ++seq) {
    EXPECT_EQ(gst_harness_push(chain.enc, to_buffer(rtp_packet(seq))), GST_FLOW_OK);
  }
  EXPECT_EQ(gst_harness_buffers_received(chain.enc), 0u);
  GstStructure* stats = test::stats_of(chain.enc->element);
  guint64 dropped = 0;
  gboolean keyed = TRUE;
  gst_structure_get_uint64(stats, "dropped-no-key", &dropped);
  gst_structure_get_boolean(stats, "keyed", &keyed);
  gst_structure_free(stats);
  EXPECT_EQ(dropped, 5u);
  EXPECT_FALSE(keyed);

  const auto keys = test::dtls_keys(SrtpProfile::aead_aes_128_gcm, DtlsRole::client, 9);
  ASSERT_TRUE(gst_harness_push_upstream_event(chain.enc, gst::make_srtp_keys_event(keys, false)));
  ASSERT_EQ(gst_harness_push(chain.enc, to_buffer(rtp_packet(5))), GST_FLOW_OK);
  // The peer (server role) unprotects with its remote key, which is our local key.
  const auto peer = test::dtls_keys(SrtpProfile::aead_aes_128_gcm, DtlsRole::server, 9);
  ASSERT_TRUE(gst_harness_push_event(chain.dec, gst::make_srtp_keys_event(peer, true)));
  chain.forward();
  EXPECT_EQ(pull_bytes(chain.dec), rtp_packet(5));
}

// srtpenc started after the handshake: it asks downstream for keys with the key query.
TEST(SrtpEnc, LateLinkedEncoderAsksDownstreamForKeys) {
  EncDecChain chain;
  static gst::KeyEventValue keys =
      test::dtls_keys(SrtpProfile::aes_cm_128_hmac_sha1_80, DtlsRole::server, 77);
  static std::atomic<int> queries{0};
  gst_pad_add_probe(
      chain.enc->sinkpad, GST_PAD_PROBE_TYPE_QUERY_DOWNSTREAM,
      [](GstPad*, GstPadProbeInfo* info, gpointer) -> GstPadProbeReturn {
        GstQuery* query = GST_PAD_PROBE_INFO_QUERY(info);
        if (!gst::is_srtp_keys_query(query)) return GST_PAD_PROBE_OK;
        ++queries;
        gst::answer_srtp_keys_query(query, keys);
        return GST_PAD_PROBE_HANDLED;
      },
      nullptr, nullptr);
  ASSERT_EQ(gst_harness_push(chain.enc, to_buffer(rtp_packet(100))), GST_FLOW_OK);
  EXPECT_GE(queries.load(), 1);
  const auto peer = test::dtls_keys(SrtpProfile::aes_cm_128_hmac_sha1_80, DtlsRole::client, 77);
  ASSERT_TRUE(gst_harness_push_event(chain.dec, gst::make_srtp_keys_event(peer, true)));
  chain.forward();
  EXPECT_EQ(pull_bytes(chain.dec), rtp_packet(100));
}

TEST(SrtpEnc, WrongKeyLengthFailsWithAReason) {
  GstElement* pipeline = gst_parse_launch("fakesrc ! srtpenc name=enc ! fakesink", nullptr);
  ASSERT_NE(pipeline, nullptr);
  GstElement* enc = gst_bin_get_by_name(GST_BIN(pipeline), "enc");
  set_key(enc, std::vector<uint8_t>(16, 1));
  EXPECT_EQ(gst_element_set_state(pipeline, GST_STATE_READY), GST_STATE_CHANGE_FAILURE);
  GstBus* bus = gst_element_get_bus(pipeline);
  GstMessage* message = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
  ASSERT_NE(message, nullptr);
  GError* error = nullptr;
  gchar* debug = nullptr;
  gst_message_parse_error(message, &error, &debug);
  EXPECT_NE(std::string(debug).find("needs 30"), std::string::npos) << debug;
  g_error_free(error);
  g_free(debug);
  gst_message_unref(message);
  gst_object_unref(bus);
  gst_object_unref(enc);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
}

TEST(SrtpEnc, RandomKeyComesFromTheCsprngAndIsReadable) {
  GstElement* a = gst_element_factory_make("srtpenc", nullptr);
  GstElement* b = gst_element_factory_make("srtpenc", nullptr);
  g_object_set(a, "random-key", TRUE, nullptr);
  g_object_set(b, "random-key", TRUE, nullptr);
  ASSERT_EQ(gst_element_set_state(a, GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
  ASSERT_EQ(gst_element_set_state(b, GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
  GstBuffer* key_a = nullptr;
  GstBuffer* key_b = nullptr;
  g_object_get(a, "key", &key_a, nullptr);
  g_object_get(b, "key", &key_b, nullptr);
  ASSERT_NE(key_a, nullptr);
  ASSERT_NE(key_b, nullptr);
  EXPECT_EQ(gst_buffer_get_size(key_a), 30u);
  EXPECT_NE(test::to_bytes(key_a), test::to_bytes(key_b));
  gst_buffer_unref(key_a);
  gst_buffer_unref(key_b);
  for (GstElement* e : {a, b}) {
    gst_element_set_state(e, GST_STATE_NULL);
    gst_object_unref(e);
  }
}

// A new key keeps the rollover counter (gst-plugins-bad 1.22 restarts it at 0, reusing keystream).
TEST(SrtpEnc, RolloverCounterSurvivesAKeyChange) {
  EncDecChain chain;
  set_key(chain.enc->element, kKey30);
  for (uint16_t seq = 65530; seq != 5; ++seq) {
    ASSERT_EQ(gst_harness_push(chain.enc, to_buffer(rtp_packet(seq))), GST_FLOW_OK);
  }
  chain.forward();  // the first key's event and packets
  std::vector<uint8_t> second_key(kKey30.rbegin(), kKey30.rend());
  set_key(chain.enc->element, second_key);
  for (uint16_t seq = 5; seq < 10; ++seq) {
    ASSERT_EQ(gst_harness_push(chain.enc, to_buffer(rtp_packet(seq))), GST_FLOW_OK);
  }
  GstStructure* stats = test::stats_of(chain.enc->element);
  const GValue* streams = gst_structure_get_value(stats, "streams");
  ASSERT_EQ(gst_value_array_get_size(streams), 1u);
  const GstStructure* stream = gst_value_get_structure(gst_value_array_get_value(streams, 0));
  guint roc = 0;
  gst_structure_get_uint(stream, "roc", &roc);
  EXPECT_EQ(roc, 1u);
  gst_structure_free(stats);
  // The decoder follows both keys through the key events srtpenc sends before each key's packets.
  chain.forward();
  for (uint16_t seq = 65530; seq != 10; ++seq) EXPECT_EQ(pull_bytes(chain.dec), rtp_packet(seq));
}

// Regression (gst-plugins-bad 1.22: `rtpvrawpay ! srtpenc ! srtpdec` corrupts refcounts): lists
// pass as lists, each buffer checked on its own, the input list untouched for its other owners.
TEST(SrtpElements, BufferListsPassAsListsAndKeepRefcountsRight) {
  EncDecChain chain;
  set_key(chain.enc->element, kKey30);
  GstBufferList* list = gst_buffer_list_new();
  for (uint16_t seq = 0; seq < 20; ++seq) gst_buffer_list_add(list, to_buffer(rtp_packet(seq)));
  GstBufferList* kept = gst_buffer_list_ref(list);  // another owner, as a tee would be
  // Make sure caps/segment exist first (the harness sends them with the first push).
  ASSERT_EQ(gst_harness_push(chain.enc, to_buffer(rtp_packet(65535))), GST_FLOW_OK);
  ASSERT_EQ(gst_pad_push_list(chain.enc->srcpad, list), GST_FLOW_OK);
  EXPECT_EQ(gst_buffer_list_length(kept), 20u);
  EXPECT_EQ(test::to_bytes(gst_buffer_list_get(kept, 3)), rtp_packet(3)) << "input modified";
  gst_buffer_list_unref(kept);

  std::vector<GstBuffer*> protected_buffers;
  while (GstBuffer* b = gst_harness_try_pull(chain.enc)) protected_buffers.push_back(b);
  ASSERT_EQ(protected_buffers.size(), 21u);
  while (GstEvent* event = gst_harness_try_pull_event(chain.enc)) {
    gst_harness_push_event(chain.dec, event);
  }
  GstBufferList* srtp_list = gst_buffer_list_new();
  for (size_t i = 1; i < protected_buffers.size(); ++i) {
    gst_buffer_list_add(srtp_list, protected_buffers[i]);
  }
  // A tampered buffer in the middle is dropped on its own; the rest go through.
  GstBuffer* tampered = gst_buffer_make_writable(gst_buffer_list_get_writable(srtp_list, 7));
  gst_buffer_memset(tampered, 20, 0xff, 4);
  ASSERT_EQ(gst_harness_push(chain.dec, protected_buffers[0]), GST_FLOW_OK);
  ASSERT_EQ(gst_pad_push_list(chain.dec->srcpad, srtp_list), GST_FLOW_OK);
  EXPECT_EQ(pull_bytes(chain.dec), rtp_packet(65535));
  for (uint16_t seq = 0; seq < 20; ++seq) {
    if (seq == 7) continue;
    EXPECT_EQ(pull_bytes(chain.dec), rtp_packet(seq)) << seq;
  }
  EXPECT_EQ(test::drop_count(chain.dec->element, "auth-failure"), 1u);
}

// The decoder with gst-plugins-bad's caps keying (shared/PEERS.md §3), including RTCP and MKI.
TEST(SrtpDec, KeysFromCapsAsGstPluginsBadWritesThem) {
  EncDecChain chain;
  GstBuffer* mki = test::to_buffer({0xaa, 0xbb});
  g_object_set(chain.enc->element, "mki", mki, nullptr);
  gst_buffer_unref(mki);
  set_key(chain.enc->element, kKey30);
  ASSERT_EQ(gst_harness_push(chain.enc, to_buffer(rtp_packet(1))), GST_FLOW_OK);
  const auto packet = pull_bytes(chain.enc);

  GstHarness* dec = gst_harness_new_with_padnames("srtpdec", "rtp_sink", "rtp_src");
  const std::string caps =
      "application/x-srtp, ssrc=(uint)4660, srtp-key=(buffer)" + test::key_hex(kKey30) +
      ", srtp-cipher=(string)aes-128-icm, srtp-auth=(string)hmac-sha1-80, "
      "srtcp-cipher=(string)aes-128-icm, srtcp-auth=(string)hmac-sha1-80, mki=(buffer)aabb";
  gst_harness_set_src_caps_str(dec, caps.c_str());
  ASSERT_EQ(gst_harness_push(dec, to_buffer(packet)), GST_FLOW_OK);
  EXPECT_EQ(pull_bytes(dec), rtp_packet(1));
  // Output caps are plain RTP without any key field.
  GstCaps* out_caps = gst_pad_get_current_caps(dec->sinkpad);
  gchar* text = gst_caps_to_string(out_caps);
  EXPECT_EQ(std::string(text).find("srtp"), std::string::npos) << text;
  EXPECT_NE(std::string(text).find("application/x-rtp"), std::string::npos) << text;
  g_free(text);
  gst_caps_unref(out_caps);
  gst_harness_teardown(dec);
}

GstCaps* caps_for_key(uint32_t ssrc, const std::vector<uint8_t>& key) {
  const std::string text = "application/x-srtp, ssrc=(uint)" + std::to_string(ssrc) +
                           ", srtp-key=(buffer)" + test::key_hex(key) +
                           ", srtp-cipher=(string)aes-128-icm, srtp-auth=(string)hmac-sha1-80, "
                           "srtcp-cipher=(string)aes-128-icm, srtcp-auth=(string)hmac-sha1-80";
  return gst_caps_from_string(text.c_str());
}

struct RequestKeyLog {
  std::vector<guint> ssrcs;
  bool answer = true;
  GstElement* element = nullptr;
};

// request-key is emitted for an unknown SSRC with no lock held (the handler reads `stats`); a NULL
// answer is remembered, so a flood of packets from that SSRC does not flood the application.
// Regression: srtpdec asked request-key once per SSRC, so an SSRC whose first packet came before
// the application had its key (gst-rtsp-server before SETUP's KeyMgmt, rtspsrc before MIKEY) was
// never decrypted; gst-plugins-bad asks on every packet of an SSRC without keys.
TEST(SrtpDec, RequestKeySignalAndItsNegativeAnswer) {
  GstHarness* enc = gst_harness_new_with_padnames("srtpenc", "rtp_sink_0", "rtp_src_0");
  gst_harness_set_src_caps_str(enc, "application/x-rtp");
  set_key(enc->element, kKey30);
  GstHarness* dec = gst_harness_new_with_padnames("srtpdec", "rtp_sink", "rtp_src");
  gst_harness_set_src_caps_str(dec, "application/x-srtp");
  RequestKeyLog log;
  log.element = dec->element;
  g_signal_connect(dec->element, "request-key",
                   G_CALLBACK(+[](GstElement*, guint ssrc, RequestKeyLog* l) -> GstCaps* {
                     l->ssrcs.push_back(ssrc);
                     GstStructure* stats = test::stats_of(l->element);  // must not deadlock
                     gst_structure_free(stats);
                     return l->answer && ssrc == 0x1234 ? caps_for_key(ssrc, kKey30) : nullptr;
                   }),
                   &log);
  const auto push = [&](uint16_t seq, uint32_t ssrc) {
    ASSERT_EQ(gst_harness_push(enc, to_buffer(rtp_packet(seq, ssrc))), GST_FLOW_OK);
    ASSERT_EQ(gst_harness_push(dec, gst_harness_pull(enc)), GST_FLOW_OK);
  };
  // No key yet: every packet asks, and is dropped.
  log.answer = false;
  for (uint16_t seq = 0; seq < 2; ++seq) push(seq, 0x1234);
  EXPECT_EQ(log.ssrcs, (std::vector<guint>{0x1234, 0x1234}));
  EXPECT_EQ(gst_harness_buffers_received(dec), 0u);
  // The application has the key now: the next packet gets it, later ones need not ask.
  log.answer = true;
  for (uint16_t seq = 2; seq < 5; ++seq) push(seq, 0x1234);
  for (uint16_t seq = 0; seq < 3; ++seq) push(seq, 0x5678);
  EXPECT_EQ(log.ssrcs, (std::vector<guint>{0x1234, 0x1234, 0x1234, 0x5678, 0x5678, 0x5678}));
  EXPECT_EQ(gst_harness_buffers_received(dec), 3u);
  EXPECT_EQ(test::drop_count(dec->element, "no-key"), 5u);

  // remove-key forgets the SSRC: its next packet asks again.
  g_signal_emit_by_name(dec->element, "remove-key", 0x1234u);
  push(5, 0x1234);
  EXPECT_EQ(log.ssrcs.size(), 7u);
  EXPECT_EQ(gst_harness_buffers_received(dec), 4u);
  // clear-keys forgets everything.
  g_signal_emit_by_name(dec->element, "clear-keys");
  push(6, 0x1234);
  EXPECT_EQ(log.ssrcs.size(), 8u);
  EXPECT_EQ(gst_harness_buffers_received(dec), 5u);
  gst_harness_teardown(enc);
  gst_harness_teardown(dec);
}

struct LimitLog {
  int soft = 0;
  int hard = 0;
};

// key-lifetime brings the RFC 3711 §9.2 limits into reach: soft-limit at three quarters, and at the
// limit hard-limit, whose answer (new caps) keeps the stream going.
TEST(SrtpDec, SoftAndHardLimitSignalsRekey) {
  GstHarness* enc = gst_harness_new_with_padnames("srtpenc", "rtp_sink_0", "rtp_src_0");
  gst_harness_set_src_caps_str(enc, "application/x-rtp");
  set_key(enc->element, kKey30);
  GstHarness* dec = gst_harness_new_with_padnames("srtpdec", "rtp_sink", "rtp_src");
  g_object_set(dec->element, "key-lifetime", G_GUINT64_CONSTANT(8), nullptr);
  const std::string caps = "application/x-srtp, ssrc=(uint)4660, srtp-key=(buffer)" +
                           test::key_hex(kKey30) +
                           ", srtp-cipher=(string)aes-128-icm, srtp-auth=(string)hmac-sha1-80, "
                           "srtcp-cipher=(string)aes-128-icm, srtcp-auth=(string)hmac-sha1-80";
  gst_harness_set_src_caps_str(dec, caps.c_str());
  LimitLog log;
  g_signal_connect(dec->element, "soft-limit",
                   G_CALLBACK(+[](GstElement*, guint, LimitLog* l) -> GstCaps* {
                     ++l->soft;
                     return nullptr;
                   }),
                   &log);
  g_signal_connect(dec->element, "hard-limit",
                   G_CALLBACK(+[](GstElement*, guint ssrc, LimitLog* l) -> GstCaps* {
                     ++l->hard;
                     // The same key again: a real application would hand over a new one.
                     return caps_for_key(ssrc, kKey30);
                   }),
                   &log);
  for (uint16_t seq = 0; seq < 8; ++seq) {
    ASSERT_EQ(gst_harness_push(enc, to_buffer(rtp_packet(seq))), GST_FLOW_OK);
    ASSERT_EQ(gst_harness_push(dec, gst_harness_pull(enc)), GST_FLOW_OK);
  }
  EXPECT_EQ(log.soft, 1);
  EXPECT_EQ(log.hard, 1);
  EXPECT_EQ(gst_harness_buffers_received(dec), 8u);
  gst_harness_teardown(enc);
  gst_harness_teardown(dec);
}

// RFC 5761 rtcp-mux: SRTCP that arrives on rtp_sink leaves decrypted on rtcp_src, which gets its
// stream-start, caps and segment first.
TEST(SrtpDec, MuxedSrtcpLeavesOnRtcpSrc) {
  GstHarness* enc = gst_harness_new_with_padnames("srtpenc", "rtcp_sink_0", "rtcp_src_0");
  gst_harness_set_src_caps_str(enc, "application/x-rtcp");
  set_key(enc->element, kKey30);
  GstHarness* dec = gst_harness_new_with_padnames("srtpdec", "rtp_sink", "rtp_src");
  GstHarness* rtcp_out = gst_harness_new_with_element(dec->element, nullptr, "rtcp_src");
  const auto keys = test::dtls_keys(SrtpProfile::aes_cm_128_hmac_sha1_80, DtlsRole::client, 5);
  gst_harness_set_src_caps_str(dec, "application/x-srtp");
  auto symmetric = keys;
  symmetric.material.local_key = symmetric.material.remote_key =
      std::vector<uint8_t>(kKey30.begin(), kKey30.begin() + 16);
  symmetric.material.local_salt = symmetric.material.remote_salt =
      std::vector<uint8_t>(kKey30.begin() + 16, kKey30.end());
  ASSERT_TRUE(gst_harness_push_event(dec, gst::make_srtp_keys_event(symmetric, true)));

  ASSERT_EQ(gst_harness_push(enc, to_buffer(make_rtcp(0x4242))), GST_FLOW_OK);
  ASSERT_EQ(gst_harness_push(dec, gst_harness_pull(enc)), GST_FLOW_OK);
  EXPECT_EQ(gst_harness_buffers_received(dec), 0u);
  EXPECT_EQ(pull_bytes(rtcp_out), make_rtcp(0x4242));
  GstCaps* caps = gst_pad_get_current_caps(rtcp_out->sinkpad);
  ASSERT_NE(caps, nullptr);
  EXPECT_TRUE(gst_structure_has_name(gst_caps_get_structure(caps, 0), "application/x-rtcp"));
  gst_caps_unref(caps);
  gst_harness_teardown(rtcp_out);
  gst_harness_teardown(enc);
  gst_harness_teardown(dec);
}

// Regression: one authentic SRTCP packet muxed on rtp_sink while rtcp_src was unlinked made chain()
// return not-linked upstream, which stopped the pipeline (chain_list() combined the flows); an
// unlinked rtcp_src must never stop RTP. On rtcp_sink, the RTCP flow's own result still goes back.
TEST(SrtpDec, MuxedSrtcpWithRtcpSrcUnlinkedKeepsRtpFlowing) {
  GstHarness* enc = gst_harness_new_with_padnames("srtpenc", "rtp_sink_0", "rtp_src_0");
  GstHarness* enc_rtcp = gst_harness_new_with_element(enc->element, "rtcp_sink_0", "rtcp_src_0");
  gst_harness_set_src_caps_str(enc, "application/x-rtp");
  gst_harness_set_src_caps_str(enc_rtcp, "application/x-rtcp");
  set_key(enc->element, kKey30);
  GstHarness* dec = gst_harness_new_with_padnames("srtpdec", "rtp_sink", "rtp_src");
  GstHarness* dec_rtcp_in = gst_harness_new_with_element(dec->element, "rtcp_sink", nullptr);
  gst_harness_set_src_caps(dec, caps_for_key(0x1234, kKey30));
  gst_harness_set_src_caps_str(dec_rtcp_in, "application/x-srtcp");
  uint16_t seq = 0;
  const auto srtcp = [&] {
    EXPECT_EQ(gst_harness_push(enc_rtcp, to_buffer(make_rtcp(0x1234))), GST_FLOW_OK);
    return gst_harness_pull(enc_rtcp);
  };
  const auto srtp = [&] {
    EXPECT_EQ(gst_harness_push(enc, to_buffer(rtp_packet(seq++))), GST_FLOW_OK);
    return gst_harness_pull(enc);
  };
  const auto list_of = [](std::vector<GstBuffer*> buffers) {
    GstBufferList* list = gst_buffer_list_new();
    for (GstBuffer* buffer : buffers) gst_buffer_list_add(list, buffer);
    return list;
  };

  EXPECT_EQ(gst_harness_push(dec, srtcp()), GST_FLOW_OK);  // chain()
  EXPECT_EQ(gst_harness_push(dec, srtp()), GST_FLOW_OK);
  EXPECT_EQ(gst_pad_push_list(dec->srcpad, list_of({srtcp()})), GST_FLOW_OK);  // chain_list()
  EXPECT_EQ(gst_pad_push_list(dec->srcpad, list_of({srtcp(), srtp()})), GST_FLOW_OK);
  EXPECT_EQ(gst_harness_buffers_received(dec), 2u);
  GstStructure* stats = test::stats_of(dec->element);
  guint64 rtcp_packets = 0;
  gst_structure_get_uint64(stats, "rtcp-packets", &rtcp_packets);
  EXPECT_EQ(rtcp_packets, 3u);
  gst_structure_free(stats);

  // SRTCP on its own sink pad: the unlinked rtcp_src is that flow's own answer, in both functions.
  EXPECT_EQ(gst_harness_push(dec_rtcp_in, srtcp()), GST_FLOW_NOT_LINKED);
  EXPECT_EQ(gst_pad_push_list(dec_rtcp_in->srcpad, list_of({srtcp()})), GST_FLOW_NOT_LINKED);

  gst_harness_teardown(dec_rtcp_in);
  gst_harness_teardown(dec);
  gst_harness_teardown(enc_rtcp);
  gst_harness_teardown(enc);
}

// Replays, tampering and garbage are dropped and counted by cause; nothing else is lost.
// Regression: srtpdec forwarded the segment of an RTCP branch whose upstream sent no caps
// (rtspsrc's and gst-rtsp-server's RTCP udpsrc), so rtcp_src warned "Sticky event misordering, got
// 'segment' before 'caps'"; gst-plugins-bad sends its template caps first.
TEST(SrtpDec, CapsComeBeforeTheSegmentWhenUpstreamSentNone) {
  GstHarness* dec = gst_harness_new_with_padnames("srtpdec", "rtcp_sink", "rtcp_src");
  gst_harness_play(dec);
  ASSERT_TRUE(gst_harness_push_event(dec, gst_event_new_stream_start("rtcp")));
  GstSegment segment;
  gst_segment_init(&segment, GST_FORMAT_TIME);
  ASSERT_TRUE(gst_harness_push_event(dec, gst_event_new_segment(&segment)));
  std::vector<GstEventType> seen;
  while (GstEvent* event = gst_harness_try_pull_event(dec)) {
    if (GST_EVENT_TYPE(event) == GST_EVENT_CAPS) {
      GstCaps* caps;
      gst_event_parse_caps(event, &caps);
      EXPECT_TRUE(gst_structure_has_name(gst_caps_get_structure(caps, 0), "application/x-rtcp"));
    }
    seen.push_back(GST_EVENT_TYPE(event));
    gst_event_unref(event);
  }
  const std::vector<GstEventType> expected = {GST_EVENT_STREAM_START, GST_EVENT_CAPS,
                                              GST_EVENT_SEGMENT};
  EXPECT_EQ(seen, expected);
  gst_harness_teardown(dec);
}

TEST(SrtpDec, BadPacketsAreCountedByCause) {
  EncDecChain chain;
  set_key(chain.enc->element, kKey30);
  for (uint16_t seq = 0; seq < 3; ++seq) {
    ASSERT_EQ(gst_harness_push(chain.enc, to_buffer(rtp_packet(seq))), GST_FLOW_OK);
  }
  while (GstEvent* event = gst_harness_try_pull_event(chain.enc)) {
    gst_harness_push_event(chain.dec, event);
  }
  const auto p0 = pull_bytes(chain.enc);
  const auto p1 = pull_bytes(chain.enc);
  const auto p2 = pull_bytes(chain.enc);
  auto tampered = p2;
  tampered[15] ^= 1;
  for (const auto& packet : {p0, p1, p1, tampered, std::vector<uint8_t>{0x80, 0x00}, p2}) {
    ASSERT_EQ(gst_harness_push(chain.dec, to_buffer(packet)), GST_FLOW_OK);
  }
  EXPECT_EQ(gst_harness_buffers_received(chain.dec), 3u);
  EXPECT_EQ(test::drop_count(chain.dec->element, "replay-duplicate"), 1u);
  EXPECT_EQ(test::drop_count(chain.dec->element, "auth-failure"), 1u);
  EXPECT_EQ(test::drop_count(chain.dec->element, "malformed"), 1u);
  GstStructure* stats = test::stats_of(chain.dec->element);
  guint received = 0, dropped = 0;
  gst_structure_get_uint(stats, "recv-count", &received);
  gst_structure_get_uint(stats, "recv-drop-count", &dropped);
  EXPECT_EQ(received, 6u);
  EXPECT_EQ(dropped, 3u);
  gst_structure_free(stats);
}

// One srtpenc and one srtpdec carry many SSRCs; each has its own ROC and replay state.
TEST(SrtpElements, ManySsrcs) {
  EncDecChain chain;
  set_key(chain.enc->element, kKey30);
  for (uint32_t ssrc = 1; ssrc <= 500; ++ssrc) {
    ASSERT_EQ(gst_harness_push(chain.enc, to_buffer(rtp_packet(7, ssrc, 20))), GST_FLOW_OK);
  }
  chain.forward();
  EXPECT_EQ(gst_harness_buffers_received(chain.dec), 500u);
  GstStructure* stats = test::stats_of(chain.dec->element);
  EXPECT_EQ(gst_value_array_get_size(gst_structure_get_value(stats, "streams")), 500u);
  gst_structure_free(stats);
}

// With room after the data, srtpenc protects in place: the output is the input's memory.
TEST(SrtpEnc, ProtectsInPlaceWhenTheBufferHasTailRoom) {
  EncDecChain chain;
  set_key(chain.enc->element, kKey30);
  const auto plain = rtp_packet(1);
  GstAllocationParams params;
  gst_allocation_params_init(&params);
  params.padding = 64;
  GstBuffer* buffer = gst_buffer_new_allocate(nullptr, plain.size(), &params);
  gst_buffer_fill(buffer, 0, plain.data(), plain.size());
  GstMemory* memory = gst_buffer_peek_memory(buffer, 0);
  ASSERT_EQ(gst_harness_push(chain.enc, buffer), GST_FLOW_OK);
  GstBuffer* out = gst_harness_pull(chain.enc);
  EXPECT_EQ(gst_buffer_peek_memory(out, 0), memory);
  EXPECT_EQ(gst_buffer_get_size(out), plain.size() + 10);
  gst_buffer_unref(out);
}

// Without room after the data, a writable RTP buffer is still not copied: the payload is encrypted
// in place and the tag is appended as a second memory.
TEST(SrtpEnc, AppendsTheTagWhenTheBufferHasNoTailRoom) {
  EncDecChain chain;
  set_key(chain.enc->element, kKey30);
  const auto plain = rtp_packet(1);
  GstBuffer* buffer = gst_buffer_new_allocate(nullptr, plain.size(), nullptr);
  gst_buffer_fill(buffer, 0, plain.data(), plain.size());
  GstMemory* memory = gst_buffer_peek_memory(buffer, 0);
  gsize offset = 0, max_size = 0;
  gst_memory_get_sizes(memory, &offset, &max_size);
  ASSERT_LT(max_size - offset, plain.size() + 10) << "the test needs a buffer without tail room";
  ASSERT_EQ(gst_harness_push(chain.enc, buffer), GST_FLOW_OK);
  GstBuffer* out = gst_harness_pull(chain.enc);
  ASSERT_EQ(gst_buffer_n_memory(out), 2u);
  EXPECT_EQ(gst_buffer_peek_memory(out, 0), memory);
  EXPECT_EQ(gst_buffer_get_size(out), plain.size() + 10);
  // And it decrypts like any other.
  while (GstEvent* event = gst_harness_try_pull_event(chain.enc)) {
    gst_harness_push_event(chain.dec, event);
  }
  ASSERT_EQ(gst_harness_push(chain.dec, out), GST_FLOW_OK);
  EXPECT_EQ(pull_bytes(chain.dec), plain);
}

// srtpenc and srtpdec change a packet in place only in a memory the buffer alone owns and may write:
// read-only memory (static data an application wrapped) and a buffer the application still holds
// are left as they were, and the packet still goes through.
TEST(SrtpElements, ReadOnlyAndSharedInputIsNeverChanged) {
  static const std::vector<uint8_t> plain = rtp_packet(1);
  EncDecChain chain;
  set_key(chain.enc->element, kKey30);
  GstBuffer* read_only =
      gst_buffer_new_wrapped_full(GST_MEMORY_FLAG_READONLY, const_cast<uint8_t*>(plain.data()),
                                  plain.size(), 0, plain.size(), nullptr, nullptr);
  ASSERT_EQ(gst_harness_push(chain.enc, read_only), GST_FLOW_OK);
  GstBuffer* held = to_buffer(rtp_packet(2));
  gst_buffer_ref(held);
  ASSERT_EQ(gst_harness_push(chain.enc, held), GST_FLOW_OK);
  EXPECT_EQ(test::to_bytes(held), rtp_packet(2));
  gst_buffer_unref(held);
  EXPECT_EQ(plain, rtp_packet(1));

  GstBuffer* first = gst_harness_pull(chain.enc);
  GstBuffer* second = gst_harness_pull(chain.enc);
  ASSERT_TRUE(first && second);
  const std::vector<uint8_t> first_bytes = test::to_bytes(first);
  const std::vector<uint8_t> second_bytes = test::to_bytes(second);
  gst_buffer_unref(first);
  gst_buffer_unref(second);
  while (GstEvent* event = gst_harness_try_pull_event(chain.enc)) {
    gst_harness_push_event(chain.dec, event);
  }
  // The decoder's input: the first SRTP packet read-only, the second still held by the test.
  static std::vector<uint8_t> srtp_read_only;
  srtp_read_only = first_bytes;
  ASSERT_EQ(gst_harness_push(
                chain.dec, gst_buffer_new_wrapped_full(GST_MEMORY_FLAG_READONLY,
                                                       srtp_read_only.data(), srtp_read_only.size(),
                                                       0, srtp_read_only.size(), nullptr, nullptr)),
            GST_FLOW_OK);
  GstBuffer* held_srtp = to_buffer(second_bytes);
  gst_buffer_ref(held_srtp);
  ASSERT_EQ(gst_harness_push(chain.dec, held_srtp), GST_FLOW_OK);
  EXPECT_EQ(test::to_bytes(held_srtp), second_bytes);
  gst_buffer_unref(held_srtp);
  EXPECT_EQ(srtp_read_only, first_bytes);
  EXPECT_EQ(pull_bytes(chain.dec), rtp_packet(1));
  EXPECT_EQ(pull_bytes(chain.dec), rtp_packet(2));
}

// srtpdec reads the header that picks the keys from the buffer's first memory; a header split across
// memories (5 + 5 + the rest) must still be read whole, or the SSRC is wrong and the packet dropped.
TEST(SrtpElements, HeaderSplitAcrossMemoriesIsReadWhole) {
  EncDecChain chain;
  set_key(chain.enc->element, kKey30);
  ASSERT_EQ(gst_harness_push(chain.enc, to_buffer(rtp_packet(1))), GST_FLOW_OK);
  GstBuffer* protected_buffer = gst_harness_pull(chain.enc);
  ASSERT_TRUE(protected_buffer);
  const std::vector<uint8_t> srtp = test::to_bytes(protected_buffer);
  gst_buffer_unref(protected_buffer);
  while (GstEvent* event = gst_harness_try_pull_event(chain.enc)) {
    gst_harness_push_event(chain.dec, event);
  }
  GstBuffer* split = gst_buffer_new();
  for (const auto& [offset, length] :
       {std::pair<size_t, size_t>{0, 5}, {5, 5}, {10, srtp.size() - 10}}) {
    gpointer part = g_memdup2(srtp.data() + offset, length);
    gst_buffer_append_memory(split, gst_memory_new_wrapped(static_cast<GstMemoryFlags>(0), part,
                                                           length, 0, length, part, g_free));
  }
  ASSERT_EQ(gst_buffer_n_memory(split), 3u);
  ASSERT_EQ(gst_harness_push(chain.dec, split), GST_FLOW_OK);
  EXPECT_EQ(pull_bytes(chain.dec), rtp_packet(1));
}

// srtpenc asks upstream, in the ALLOCATION query, for the room after the data that the tag needs,
// so that payloaders allocate buffers it can protect in place.
TEST(SrtpEnc, AllocationQueryAsksForTailRoom) {
  EncDecChain chain;
  set_key(chain.enc->element, kKey30);
  ASSERT_EQ(gst_harness_push(chain.enc, to_buffer(rtp_packet(1))), GST_FLOW_OK);
  GstCaps* caps = gst_caps_from_string("application/x-rtp");
  GstQuery* query = gst_query_new_allocation(caps, TRUE);
  gst_caps_unref(caps);
  ASSERT_TRUE(gst_pad_peer_query(chain.enc->srcpad, query));
  ASSERT_GE(gst_query_get_n_allocation_params(query), 1u);
  GstAllocator* allocator = nullptr;
  GstAllocationParams params;
  gst_query_parse_nth_allocation_param(query, 0, &allocator, &params);
  EXPECT_GE(params.padding, 10u);
  if (allocator) gst_object_unref(allocator);
  gst_query_unref(query);
}

// A key of the wrong length in caps is refused with a warning naming the fields, never the bytes;
// the SSRC's packets are dropped as no-key rather than read past the key.
TEST(SrtpDec, ShortKeyInCapsIsRefusedClearly) {
  GstHarness* dec = gst_harness_new_with_padnames("srtpdec", "rtp_sink", "rtp_src");
  const std::vector<uint8_t> short_key(16, 0x42);
  const std::string caps = "application/x-srtp, ssrc=(uint)4660, srtp-key=(buffer)" +
                           test::key_hex(short_key) +
                           ", srtp-cipher=(string)aes-128-icm, srtp-auth=(string)hmac-sha1-80, "
                           "srtcp-cipher=(string)aes-128-icm, srtcp-auth=(string)hmac-sha1-80";
  GstBus* bus = gst_bus_new();
  gst_element_set_bus(dec->element, bus);
  gst_harness_set_src_caps_str(dec, caps.c_str());
  GstMessage* warning = gst_bus_pop_filtered(bus, GST_MESSAGE_WARNING);
  ASSERT_NE(warning, nullptr);
  GError* error = nullptr;
  gchar* debug = nullptr;
  gst_message_parse_warning(warning, &error, &debug);
  EXPECT_NE(std::string(debug).find("has 16 bytes; the cipher needs 30"), std::string::npos)
      << debug;
  EXPECT_EQ(std::string(debug).find(test::key_hex(short_key)), std::string::npos);
  g_error_free(error);
  g_free(debug);
  gst_message_unref(warning);
  std::vector<uint8_t> packet = rtp_packet(1);
  packet.resize(packet.size() + 10);
  ASSERT_EQ(gst_harness_push(dec, to_buffer(packet)), GST_FLOW_OK);
  EXPECT_EQ(gst_harness_buffers_received(dec), 0u);
  EXPECT_EQ(test::drop_count(dec->element, "no-key"), 1u);
  gst_element_set_bus(dec->element, nullptr);
  gst_object_unref(bus);
  gst_harness_teardown(dec);
}

// Each line is "<category> <message>".
void capture_log(GstDebugCategory* category, GstDebugLevel, const gchar*, const gchar*, gint,
                 GObject*, GstDebugMessage* message, gpointer data) {
  static_cast<std::string*>(data)
      ->append(gst_debug_category_get_name(category))
      .append(" ")
      .append(gst_debug_message_get(message))
      .append("\n");
}

// The lines of `log` written by secmedia's own debug categories.
std::string our_lines(const std::string& log) {
  std::string ours;
  size_t start = 0;
  while (start < log.size()) {
    size_t end = log.find('\n', start);
    if (end == std::string::npos) end = log.size();
    const std::string line = log.substr(start, end - start);
    for (const char* category : {"srtpenc ", "srtpdec ", "dtls"}) {
      if (line.rfind(category, 0) == 0) ours += line + "\n";
    }
    start = end + 1;
  }
  return ours;
}

std::string spaced_hex(const std::vector<uint8_t>& bytes) {
  std::string out;
  for (uint8_t b : bytes) out += test::key_hex({b}) + " ";
  return out.substr(0, out.size() - 1);
}

// Keys negotiated by DTLS never reach the debug log, at any level (the key event's boxed value has
// no string form). A key the application set travels in srtpenc's output caps, as with
// gst-plugins-bad, which GStreamer itself logs; our own categories never print it.
TEST(Security, KeysNeverAppearInDebugOutput) {
  std::string log;
  (gst_debug_add_log_function)(capture_log, &log, nullptr);
  (gst_debug_remove_log_function)(nullptr);  // the default one: keep the console quiet
  gst_debug_set_active(TRUE);
  gst_debug_set_threshold_from_string("*:9", TRUE);  // every category, every level
  const auto dtls = test::dtls_keys(SrtpProfile::aead_aes_128_gcm, DtlsRole::client, 0x5c);
  {
    EncDecChain chain;
    set_key(chain.enc->element, kKey30);
    for (uint16_t seq = 0; seq < 3; ++seq) {
      ASSERT_EQ(gst_harness_push(chain.enc, to_buffer(rtp_packet(seq))), GST_FLOW_OK);
    }
    chain.forward();
    ASSERT_TRUE(gst_harness_push_upstream_event(chain.enc, gst::make_srtp_keys_event(dtls, false)));
    ASSERT_TRUE(gst_harness_push_event(chain.dec, gst::make_srtp_keys_event(dtls, true)));
    ASSERT_EQ(gst_harness_push(chain.enc, to_buffer(rtp_packet(3))), GST_FLOW_OK);
    GstStructure* stats = test::stats_of(chain.enc->element);
    gchar* text = gst_structure_to_string(stats);
    log.append(text);
    g_free(text);
    gst_structure_free(stats);
  }
  const char* configured = g_getenv("GST_DEBUG");
  gst_debug_set_threshold_from_string(configured ? configured : "", TRUE);
  (gst_debug_remove_log_function)(capture_log);
  (gst_debug_add_log_function)(nullptr, nullptr, nullptr);  // the default one again
  ASSERT_GT(log.size(), 10000u) << "the log capture did not work";
  EXPECT_NE(log.find("secmedia-srtp-keys"), std::string::npos) << "the key event was not logged";
  const std::vector<std::vector<uint8_t>> application_secrets = {
      std::vector<uint8_t>(kKey30.begin(), kKey30.begin() + 12),
      std::vector<uint8_t>(kKey30.begin() + 16, kKey30.end()),
  };
  const std::vector<std::vector<uint8_t>> dtls_secrets = {
      std::vector<uint8_t>(dtls.material.local_key.begin(), dtls.material.local_key.begin() + 8),
      std::vector<uint8_t>(dtls.material.remote_key.begin(), dtls.material.remote_key.begin() + 8),
      dtls.material.local_salt,
  };
  const std::string ours = our_lines(log);
  ASSERT_NE(ours.find("srtpenc keyed"), std::string::npos) << "srtpenc's log was not captured";
  const auto expect_absent = [](const std::string& text, const std::vector<uint8_t>& secret) {
    std::string lower = text;
    for (char& c : lower) c = static_cast<char>(g_ascii_tolower(c));
    EXPECT_EQ(lower.find(test::key_hex(secret)), std::string::npos) << test::key_hex(secret);
    EXPECT_EQ(lower.find(spaced_hex(secret)), std::string::npos) << spaced_hex(secret);
    gchar* base64 = g_base64_encode(secret.data(), secret.size());
    EXPECT_EQ(text.find(std::string(base64).substr(0, 10)), std::string::npos) << base64;
    g_free(base64);
  };
  for (const auto& secret : dtls_secrets) expect_absent(log, secret);
  for (const auto& secret : application_secrets) expect_absent(ours, secret);
}

}  // namespace
}  // namespace secmedia

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  // A GLib critical (refcount misuse, bad arguments) fails the test program.
  g_log_set_always_fatal(static_cast<GLogLevelFlags>(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR));
  ::testing::InitGoogleTest(&argc, argv);
  return secmedia::test::run_all_tests_checking_gst_leaks();
}
