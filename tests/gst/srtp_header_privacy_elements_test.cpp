// SPDX-License-Identifier: LGPL-2.1-or-later
// Header privacy through the elements: rtpvp8pay writes a real transport-wide-cc header extension
// (rtphdrexttwcc, added through the payloader's add-extension), srtpenc protects it with RFC 6904
// (encrypted-header-ids) or cryptex (cryptex property), srtpdec gets the same settings from its
// sink caps (srtp-encrypted-header-ids, srtp-cryptex) and gives the packets back; the wire bytes
// are checked to be unreadable where they should be.
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/rtp/rtp.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "gst_test_support.h"

namespace secmedia {
namespace {

const std::vector<uint8_t> kKey30 = [] {
  std::vector<uint8_t> key(30);
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(0x31 + 7 * i);
  return key;
}();
constexpr int kFrames = 15;
constexpr guint kTwccId = 5;

// Every sample an appsink at EOS holds (pulling at EOS with none left returns at once).
std::vector<std::vector<uint8_t>> drain(GstElement* sink) {
  std::vector<std::vector<uint8_t>> packets;
  while (GstSample* sample = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 0)) {
    packets.push_back(test::to_bytes(gst_sample_get_buffer(sample)));
    gst_sample_unref(sample);
  }
  return packets;
}

struct PipelineRun {
  std::vector<std::vector<uint8_t>> wire;
  std::vector<std::vector<uint8_t>> decrypted;
  GstStructure* enc_stats = nullptr;
  GstStructure* dec_stats = nullptr;
  ~PipelineRun() {
    if (enc_stats) gst_structure_free(enc_stats);
    if (dec_stats) gst_structure_free(dec_stats);
  }
};

// VP8 with TWCC through srtpenc, teed to the wire sink and to srtpdec keyed by caps: srtpenc's
// output caps (which announce its header privacy) with the key and `caps_settings` set over them by
// capssetter, as an application configures a udpsrc (capsfilter could not make the decoder disagree
// with what srtpenc announces: the caps would not intersect).
void run_pipeline(const std::string& enc_settings, const std::string& caps_settings,
                  PipelineRun& run) {
  const std::string description =
      "videotestsrc num-buffers=" + std::to_string(kFrames) +
      " ! video/x-raw,width=160,height=120,framerate=30/1 ! vp8enc deadline=1 ! rtpvp8pay "
      "name=pay ssrc=4660 mtu=400 ! srtpenc name=enc key=" +
      test::key_hex(kKey30) + " " + enc_settings +
      " ! tee name=t ! queue ! appsink name=wire sync=false wait-on-eos=false t. ! queue ! "
      "capssetter join=true replace=false "
      "caps=\"application/x-srtp, ssrc=(uint)4660, srtp-key=(buffer)" +
      test::key_hex(kKey30) +
      ", srtp-cipher=(string)aes-128-icm, srtp-auth=(string)hmac-sha1-80, "
      "srtcp-cipher=(string)aes-128-icm, srtcp-auth=(string)hmac-sha1-80" +
      caps_settings + "\" ! srtpdec name=dec ! appsink name=out sync=false wait-on-eos=false";
  GError* error = nullptr;
  GstElement* pipeline = gst_parse_launch(description.c_str(), &error);
  ASSERT_NE(pipeline, nullptr) << (error ? error->message : "");
  GstElement* pay = gst_bin_get_by_name(GST_BIN(pipeline), "pay");
  GstElement* twcc = gst_element_factory_make("rtphdrexttwcc", nullptr);
  ASSERT_NE(twcc, nullptr);
  gst_rtp_header_extension_set_id(GST_RTP_HEADER_EXTENSION(twcc), kTwccId);
  g_signal_emit_by_name(pay, "add-extension", twcc);
  gst_object_unref(twcc);
  gst_object_unref(pay);
  GstElement* wire = gst_bin_get_by_name(GST_BIN(pipeline), "wire");
  GstElement* out = gst_bin_get_by_name(GST_BIN(pipeline), "out");
  ASSERT_NE(gst_element_set_state(pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  GstBus* bus = gst_element_get_bus(pipeline);
  // A deadline for a hung pipeline only: 15 small frames take milliseconds, minutes leave room for
  // a loaded machine under the sanitizers.
  GstMessage* message = gst_bus_timed_pop_filtered(
      bus, 120 * GST_SECOND, static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  ASSERT_NE(message, nullptr);
  EXPECT_EQ(GST_MESSAGE_TYPE(message), GST_MESSAGE_EOS);
  gst_message_unref(message);
  gst_object_unref(bus);
  // The bin posts EOS once both appsinks have taken theirs, after every sample: all are queued, and
  // once drained each sink says it is at EOS (no sample left, EOS received).
  run.wire = drain(wire);
  run.decrypted = drain(out);
  EXPECT_TRUE(gst_app_sink_is_eos(GST_APP_SINK(wire)));
  EXPECT_TRUE(gst_app_sink_is_eos(GST_APP_SINK(out)));
  GstElement* enc = gst_bin_get_by_name(GST_BIN(pipeline), "enc");
  GstElement* dec = gst_bin_get_by_name(GST_BIN(pipeline), "dec");
  run.enc_stats = test::stats_of(enc);
  run.dec_stats = test::stats_of(dec);
  gst_object_unref(enc);
  gst_object_unref(dec);
  gst_object_unref(wire);
  gst_object_unref(out);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
  // Setting NULL joins the streaming threads, but each GstTask is unreffed for the last time by its
  // pool thread just after the join has returned; on a loaded machine that came after the leaks
  // tracer's check at exit ("GstTask videotestsrc3:src" alive). Wait for the pool's threads to
  // finish, which is a condition, not a delay.
  gst_task_cleanup_all();
}

// The TWCC element (ID 5, 2 octets: the transport-wide sequence number) of a plain RTP packet.
std::optional<uint16_t> twcc_sequence(const std::vector<uint8_t>& packet) {
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  GstBuffer* buffer = test::to_buffer(packet);
  std::optional<uint16_t> result;
  if (gst_rtp_buffer_map(buffer, GST_MAP_READ, &rtp)) {
    gpointer data = nullptr;
    guint size = 0;
    if (gst_rtp_buffer_get_extension_onebyte_header(&rtp, kTwccId, 0, &data, &size) && size == 2) {
      const auto* bytes = static_cast<const uint8_t*>(data);
      result = static_cast<uint16_t>(bytes[0] << 8 | bytes[1]);
    }
    gst_rtp_buffer_unmap(&rtp);
  }
  gst_buffer_unref(buffer);
  return result;
}

guint64 stat(const GstStructure* s, const char* field) {
  guint64 value = 0;
  EXPECT_TRUE(gst_structure_get_uint64(s, field, &value)) << field;
  return value;
}

// Decrypted packets carry consecutive TWCC numbers; the same packets on the wire do not (their
// element data is ciphertext), while the plain block header is still there.
TEST(SrtpHeaderPrivacyElements, Rfc6904EncryptsTheTwccElement) {
  PipelineRun run;
  ASSERT_NO_FATAL_FAILURE(
      run_pipeline("encrypted-header-ids=5", ", srtp-encrypted-header-ids=(string)5", run));
  ASSERT_GE(run.decrypted.size(), static_cast<size_t>(kFrames));
  ASSERT_EQ(run.wire.size(), run.decrypted.size());
  size_t unreadable = 0;
  for (size_t i = 0; i < run.decrypted.size(); ++i) {
    const auto plain = twcc_sequence(run.decrypted[i]);
    ASSERT_TRUE(plain) << i;
    if (i > 0) {
      EXPECT_EQ(*plain, static_cast<uint16_t>(*twcc_sequence(run.decrypted[i - 1]) + 1));
    }
    // On the wire: still a 0xBEDE block, with the element's data encrypted.
    EXPECT_EQ(run.wire[i][12], 0xbe);
    EXPECT_EQ(run.wire[i][13], 0xde);
    const auto on_wire =
        twcc_sequence(std::vector<uint8_t>(run.wire[i].begin(), run.wire[i].end() - 10));
    if (on_wire && *on_wire != *plain) ++unreadable;
  }
  EXPECT_GE(unreadable, run.decrypted.size() - 1);
  EXPECT_EQ(stat(run.enc_stats, "rtp-packets-encrypted-extensions"), run.wire.size());
  EXPECT_EQ(stat(run.dec_stats, "rtp-packets-encrypted-extensions"), run.decrypted.size());
  EXPECT_EQ(stat(run.dec_stats, "rtp-packets-header-in-clear"), 0u);
}

// With cryptex the block reads 0xC0DE on the wire and no TWCC element can be found in it.
TEST(SrtpHeaderPrivacyElements, CryptexHidesTheWholeBlock) {
  PipelineRun run;
  ASSERT_NO_FATAL_FAILURE(run_pipeline("cryptex=accept", ", srtp-cryptex=(string)required", run));
  ASSERT_GE(run.decrypted.size(), static_cast<size_t>(kFrames));
  for (size_t i = 0; i < run.decrypted.size(); ++i) {
    ASSERT_TRUE(twcc_sequence(run.decrypted[i])) << i;
    EXPECT_EQ(run.wire[i][12], 0xc0);
    EXPECT_EQ(run.wire[i][13], 0xde);
    EXPECT_EQ(run.decrypted[i][12], 0xbe);
  }
  EXPECT_EQ(stat(run.enc_stats, "rtp-packets-cryptex"), run.wire.size());
  EXPECT_EQ(stat(run.dec_stats, "rtp-packets-cryptex"), run.decrypted.size());
}

// Nothing set on the decoder side but the key: srtpenc's announced caps configure srtpdec.
TEST(SrtpHeaderPrivacyElements, AnnouncedCapsConfigureTheDecoder) {
  PipelineRun run;
  ASSERT_NO_FATAL_FAILURE(run_pipeline("cryptex=required encrypted-header-ids=5", "", run));
  ASSERT_GE(run.decrypted.size(), static_cast<size_t>(kFrames));
  ASSERT_EQ(run.wire.size(), run.decrypted.size());
  for (size_t i = 0; i < run.decrypted.size(); ++i) {
    ASSERT_TRUE(twcc_sequence(run.decrypted[i])) << i;
    EXPECT_EQ(run.wire[i][12], 0xc0);
  }
  EXPECT_EQ(stat(run.dec_stats, "rtp-packets-cryptex"), run.decrypted.size());
}

// A decoder that requires cryptex refuses the same stream sent without it, and counts why.
TEST(SrtpHeaderPrivacyElements, RequiredCryptexRefusesPlainHeaders) {
  PipelineRun run;
  ASSERT_NO_FATAL_FAILURE(run_pipeline("", ", srtp-cryptex=(string)required", run));
  EXPECT_GE(run.wire.size(), static_cast<size_t>(kFrames));
  EXPECT_TRUE(run.decrypted.empty());
  const GstStructure* drops = nullptr;
  ASSERT_TRUE(gst_structure_get(run.dec_stats, "drops", GST_TYPE_STRUCTURE, &drops, nullptr));
  EXPECT_EQ(stat(drops, "cryptex-required"), run.wire.size());
  gst_structure_free(const_cast<GstStructure*>(drops));
}

// --- srtpenc per stream from its sink caps (GstHarness, no timing involved) ---

// An RTP packet with `csrcs` CSRCs and a one-byte (0xBEDE) block holding one element: ID 5, two
// octets (a TWCC-like sequence number, `seq` + 1000), then one octet of padding.
std::vector<uint8_t> rtp_with_extension(uint32_t ssrc, uint16_t seq, uint8_t csrcs = 0) {
  std::vector<uint8_t> p = {static_cast<uint8_t>(0x90 | csrcs),
                            96,
                            static_cast<uint8_t>(seq >> 8),
                            static_cast<uint8_t>(seq),
                            0,
                            0,
                            0x10,
                            static_cast<uint8_t>(seq)};
  for (int shift = 24; shift >= 0; shift -= 8) p.push_back(static_cast<uint8_t>(ssrc >> shift));
  for (uint8_t i = 0; i < csrcs; ++i) p.insert(p.end(), {0xc5, 0xc5, 0xc5, i});
  const uint16_t twcc = static_cast<uint16_t>(seq + 1000);
  p.insert(p.end(), {0xbe, 0xde, 0x00, 0x01, static_cast<uint8_t>(kTwccId << 4 | 1),
                     static_cast<uint8_t>(twcc >> 8), static_cast<uint8_t>(twcc), 0x00});
  for (int i = 0; i < 40; ++i) p.push_back(static_cast<uint8_t>(0xa0 + i));
  return p;
}

constexpr size_t kExtensionOffset = 12;  // without CSRCs

const std::vector<uint8_t> kKey28 = [] {
  std::vector<uint8_t> key(28);
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(0x52 + 5 * i);
  return key;
}();

// srtpenc with request pads rtp_sink_N/rtp_src_N behind harnesses, keyed by properties.
struct Encoder {
  GstElement* element;
  std::vector<GstHarness*> pads;
  Encoder(const char* cipher, const char* auth, const std::vector<uint8_t>& key) {
    element = gst_element_factory_make("srtpenc", nullptr);
    gst_object_ref_sink(element);
    for (const char* name : {"rtp-cipher", "rtcp-cipher"}) {
      gst_util_set_object_arg(G_OBJECT(element), name, cipher);
    }
    for (const char* name : {"rtp-auth", "rtcp-auth"}) {
      gst_util_set_object_arg(G_OBJECT(element), name, auth);
    }
    GstBuffer* buffer = test::key_buffer(key);
    g_object_set(element, "key", buffer, nullptr);
    gst_buffer_unref(buffer);
  }
  ~Encoder() {
    for (GstHarness* h : pads) gst_harness_teardown(h);
    gst_object_unref(element);
  }
  GstHarness* add_pad(guint index) {
    const std::string sink = "rtp_sink_" + std::to_string(index);
    const std::string src = "rtp_src_" + std::to_string(index);
    pads.push_back(gst_harness_new_with_element(element, sink.c_str(), src.c_str()));
    return pads.back();
  }
};

// The caps srtpenc announces on `h`'s src pad, as a string (empty when there are none).
std::string output_caps(GstHarness* h) {
  GstCaps* caps = gst_pad_get_current_caps(h->sinkpad);
  if (!caps) return {};
  gchar* text = gst_caps_to_string(caps);
  std::string result = text;
  g_free(text);
  gst_caps_unref(caps);
  return result;
}

// A srtpdec harness whose sink caps are what srtpenc announced on `enc` plus the key, as an
// application gives a udpsrc: the announced caps configure the header privacy.
GstHarness* decoder_from_announced_caps(GstHarness* enc, const std::vector<uint8_t>& key) {
  GstCaps* caps = gst_pad_get_current_caps(enc->sinkpad);
  EXPECT_NE(caps, nullptr);
  if (!caps) return nullptr;
  caps = gst_caps_make_writable(caps);
  GstBuffer* key_buffer = test::key_buffer(key);
  gst_caps_set_simple(caps, "srtp-key", GST_TYPE_BUFFER, key_buffer, nullptr);
  gst_buffer_unref(key_buffer);
  GstHarness* dec = gst_harness_new_with_padnames("srtpdec", "rtp_sink", "rtp_src");
  gst_harness_set_src_caps(dec, caps);
  return dec;
}

// Pushes `count` packets of `ssrc` through `enc` and returns what came out, in order.
std::vector<std::vector<uint8_t>> protect(GstHarness* enc, uint32_t ssrc, int count,
                                          uint8_t csrcs = 0) {
  std::vector<std::vector<uint8_t>> out;
  for (int i = 0; i < count; ++i) {
    EXPECT_EQ(gst_harness_push(enc, test::to_buffer(rtp_with_extension(ssrc, i, csrcs))),
              GST_FLOW_OK);
    out.push_back(test::pull_bytes(enc));
  }
  return out;
}

std::vector<std::vector<uint8_t>> unprotect(GstHarness* dec,
                                            const std::vector<std::vector<uint8_t>>& wire) {
  std::vector<std::vector<uint8_t>> out;
  for (const auto& packet : wire) {
    EXPECT_EQ(gst_harness_push(dec, test::to_buffer(packet)), GST_FLOW_OK);
    while (GstBuffer* buffer = gst_harness_try_pull(dec)) {
      out.push_back(test::to_bytes(buffer));
      gst_buffer_unref(buffer);
    }
  }
  return out;
}

guint64 stat_of(GstElement* element, const char* field) {
  GstStructure* stats = test::stats_of(element);
  const guint64 value = stat(stats, field);
  gst_structure_free(stats);
  return value;
}

// Two RTP pads of one srtpenc: the caps of each select its own header privacy over the properties
// (cryptex required on the element): pad 0 RFC 6904 for ID 5 without cryptex, pad 1 cryptex. Each
// pad announces what it uses (and no key); a srtpdec given those caps plus the key reads both.
TEST(SrtpEncCapsHeaderPrivacy, EachPadFollowsItsCapsAndAnnouncesThem) {
  Encoder enc("aes-128-icm", "hmac-sha1-80", kKey30);
  gst_util_set_object_arg(G_OBJECT(enc.element), "cryptex", "required");
  GstHarness* pad0 = enc.add_pad(0);
  GstHarness* pad1 = enc.add_pad(1);
  gst_harness_set_src_caps_str(pad0,
                               "application/x-rtp, ssrc=(uint)1001, "
                               "srtp-encrypted-header-ids=(string)5, srtp-cryptex=(string)off");
  gst_harness_set_src_caps_str(pad1,
                               "application/x-rtp, ssrc=(uint)1002, srtp-cryptex=(string)accept");
  const auto wire0 = protect(pad0, 1001, 5);
  const auto wire1 = protect(pad1, 1002, 5, 2);

  const std::string caps0 = output_caps(pad0);
  const std::string caps1 = output_caps(pad1);
  EXPECT_NE(caps0.find("srtp-encrypted-header-ids=(string)5"), std::string::npos) << caps0;
  EXPECT_NE(caps0.find("srtp-cryptex=(string)off"), std::string::npos) << caps0;
  EXPECT_NE(caps1.find("srtp-encrypted-header-ids=(string)\"\""), std::string::npos) << caps1;
  EXPECT_NE(caps1.find("srtp-cryptex=(string)accept"), std::string::npos) << caps1;
  for (const std::string& caps : {caps0, caps1}) {
    // The application's key goes with them, as gst-plugins-bad sends it (MIKEY reads it there).
    EXPECT_NE(caps.find("srtp-key=(buffer)" + test::key_hex(kKey30)), std::string::npos) << caps;
  }

  for (int i = 0; i < 5; ++i) {
    const auto plain0 = rtp_with_extension(1001, i);
    ASSERT_EQ(wire0[i].size(), plain0.size() + 10);
    // RFC 6904: the block header stays, the element header stays, its data does not.
    EXPECT_EQ(wire0[i][kExtensionOffset], 0xbe);
    EXPECT_EQ(wire0[i][kExtensionOffset + 1], 0xde);
    EXPECT_EQ(wire0[i][kExtensionOffset + 4], plain0[kExtensionOffset + 4]);
    EXPECT_NE(std::vector<uint8_t>(wire0[i].begin() + 17, wire0[i].begin() + 19),
              std::vector<uint8_t>(plain0.begin() + 17, plain0.begin() + 19));
    // Cryptex: 0xC0DE after the two CSRCs, which are no longer readable.
    const auto plain1 = rtp_with_extension(1002, i, 2);
    ASSERT_EQ(wire1[i].size(), plain1.size() + 10);
    EXPECT_EQ(wire1[i][kExtensionOffset + 8], 0xc0);
    EXPECT_EQ(wire1[i][kExtensionOffset + 9], 0xde);
    EXPECT_NE(std::vector<uint8_t>(wire1[i].begin() + 12, wire1[i].begin() + 20),
              std::vector<uint8_t>(plain1.begin() + 12, plain1.begin() + 20));
  }
  EXPECT_EQ(stat_of(enc.element, "rtp-packets-encrypted-extensions"), 5u);
  EXPECT_EQ(stat_of(enc.element, "rtp-packets-cryptex"), 5u);
  EXPECT_EQ(stat_of(enc.element, "rtp-packets"), 10u);

  GstHarness* dec0 = decoder_from_announced_caps(pad0, kKey30);
  GstHarness* dec1 = decoder_from_announced_caps(pad1, kKey30);
  ASSERT_NE(dec0, nullptr);
  ASSERT_NE(dec1, nullptr);
  const auto plain0 = unprotect(dec0, wire0);
  const auto plain1 = unprotect(dec1, wire1);
  ASSERT_EQ(plain0.size(), 5u);
  ASSERT_EQ(plain1.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(plain0[i], rtp_with_extension(1001, i)) << i;
    EXPECT_EQ(plain1[i], rtp_with_extension(1002, i, 2)) << i;
  }
  EXPECT_EQ(stat_of(dec0->element, "rtp-packets-encrypted-extensions"), 5u);
  EXPECT_EQ(stat_of(dec1->element, "rtp-packets-cryptex"), 5u);
  // The decoder's output is plain RTP: it does not describe SRTP header protection.
  const std::string dec_caps = output_caps(dec1);
  EXPECT_EQ(dec_caps.find("srtp-cryptex"), std::string::npos) << dec_caps;
  gst_harness_teardown(dec0);
  gst_harness_teardown(dec1);
}

// srtpenc -> srtpdec with nothing set on srtpdec: the key event keys it, the announced caps give it
// the header privacy. Then the caps change to cryptex mid-stream: the next packets are cryptex and
// still decode, with the stream's index carried over.
TEST(SrtpEncCapsHeaderPrivacy, DecoderDownstreamNeedsNoConfiguration) {
  Encoder enc("aes-128-gcm", "null", kKey28);
  GstHarness* pad0 = enc.add_pad(0);
  GstHarness* dec = gst_harness_new_with_padnames("srtpdec", "rtp_sink", "rtp_src");
  gst_harness_set_src_caps_str(
      pad0, "application/x-rtp, ssrc=(uint)7, srtp-encrypted-header-ids=(string)5");
  std::vector<std::vector<uint8_t>> wire;
  const auto forward = [&] {
    while (GstEvent* event = gst_harness_try_pull_event(pad0)) gst_harness_push_event(dec, event);
    while (GstBuffer* buffer = gst_harness_try_pull(pad0)) {
      wire.push_back(test::to_bytes(buffer));
      EXPECT_EQ(gst_harness_push(dec, buffer), GST_FLOW_OK);
    }
  };
  for (uint16_t seq = 0; seq < 4; ++seq) {
    ASSERT_EQ(gst_harness_push(pad0, test::to_buffer(rtp_with_extension(7, seq))), GST_FLOW_OK);
  }
  forward();
  gst_harness_set_src_caps_str(pad0,
                               "application/x-rtp, ssrc=(uint)7, srtp-cryptex=(string)required");
  for (uint16_t seq = 4; seq < 8; ++seq) {
    ASSERT_EQ(gst_harness_push(pad0, test::to_buffer(rtp_with_extension(7, seq))), GST_FLOW_OK);
  }
  forward();
  ASSERT_EQ(wire.size(), 8u);
  for (size_t i = 0; i < wire.size(); ++i) {
    EXPECT_EQ(wire[i][kExtensionOffset], i < 4 ? 0xbe : 0xc0) << i;
    EXPECT_EQ(test::pull_bytes(dec), rtp_with_extension(7, static_cast<uint16_t>(i))) << i;
  }
  EXPECT_EQ(stat_of(dec->element, "rtp-packets-encrypted-extensions"), 4u);
  EXPECT_EQ(stat_of(dec->element, "rtp-packets-cryptex"), 4u);
  EXPECT_EQ(test::drop_count(dec->element, "auth-failure"), 0u);
  gst_harness_teardown(dec);
}

// Encoder cryptex on (from its caps), decoder told cryptex off: with AES-GCM the cryptex header is
// part of the authenticated data, read differently, so every packet fails authentication and is
// counted; with AES-CM the packets authenticate but come out still encrypted (0xC0DE, no readable
// element) and are counted as header in clear.
TEST(SrtpEncCapsHeaderPrivacy, CryptexMismatchFailsVisiblyAndIsCounted) {
  {
    Encoder enc("aes-128-gcm", "null", kKey28);
    GstHarness* pad0 = enc.add_pad(0);
    gst_harness_set_src_caps_str(pad0,
                                 "application/x-rtp, ssrc=(uint)9, srtp-cryptex=(string)accept");
    const auto wire = protect(pad0, 9, 6, 1);
    GstHarness* dec = gst_harness_new_with_padnames("srtpdec", "rtp_sink", "rtp_src");
    gst_harness_set_src_caps_str(
        dec, ("application/x-srtp, ssrc=(uint)9, srtp-key=(buffer)" + test::key_hex(kKey28) +
              ", srtp-cipher=(string)aes-128-gcm, srtp-auth=(string)null, "
              "srtcp-cipher=(string)aes-128-gcm, srtcp-auth=(string)null, srtp-cryptex=(string)off")
                 .c_str());
    EXPECT_TRUE(unprotect(dec, wire).empty());
    EXPECT_EQ(test::drop_count(dec->element, "auth-failure"), 6u);
    gst_harness_teardown(dec);
  }
  {
    Encoder enc("aes-128-icm", "hmac-sha1-80", kKey30);
    GstHarness* pad0 = enc.add_pad(0);
    gst_harness_set_src_caps_str(pad0,
                                 "application/x-rtp, ssrc=(uint)9, srtp-cryptex=(string)accept");
    const auto wire = protect(pad0, 9, 6);
    GstHarness* dec = gst_harness_new_with_padnames("srtpdec", "rtp_sink", "rtp_src");
    gst_harness_set_src_caps_str(
        dec, ("application/x-srtp, ssrc=(uint)9, srtp-key=(buffer)" + test::key_hex(kKey30) +
              ", srtp-cipher=(string)aes-128-icm, srtp-auth=(string)hmac-sha1-80, "
              "srtcp-cipher=(string)aes-128-icm, srtcp-auth=(string)hmac-sha1-80, "
              "srtp-cryptex=(string)off")
                 .c_str());
    const auto out = unprotect(dec, wire);
    ASSERT_EQ(out.size(), 6u);
    for (size_t i = 0; i < out.size(); ++i) {
      EXPECT_EQ(out[i][kExtensionOffset], 0xc0) << i;
      EXPECT_NE(out[i], rtp_with_extension(9, static_cast<uint16_t>(i))) << i;
      EXPECT_FALSE(twcc_sequence(out[i])) << i;
    }
    EXPECT_EQ(stat_of(dec->element, "rtp-packets-header-in-clear"), 6u);
    EXPECT_EQ(stat_of(dec->element, "rtp-packets-cryptex"), 0u);
    gst_harness_teardown(dec);
  }
}

// Bad values of either field in srtpenc's sink caps refuse the caps (never send with other header
// protection than asked): the caps event fails, a warning names the field, nothing is sent.
TEST(SrtpEncCapsHeaderPrivacy, BadValuesRefuseTheCaps) {
  for (const char* fields :
       {"srtp-cryptex=(string)maybe", "srtp-encrypted-header-ids=(string)0",
        "srtp-encrypted-header-ids=(string)\"1,,2\"", "srtp-encrypted-header-ids=(string)256",
        "srtp-encrypted-header-ids=(double)5", "srtp-cryptex=(boolean)true"}) {
    Encoder enc("aes-128-icm", "hmac-sha1-80", kKey30);
    GstHarness* pad0 = enc.add_pad(0);
    GstBus* bus = gst_bus_new();
    gst_element_set_bus(enc.element, bus);
    GstCaps* caps =
        gst_caps_from_string((std::string("application/x-rtp, ssrc=(uint)3, ") + fields).c_str());
    ASSERT_NE(caps, nullptr) << fields;
    gst_pad_push_event(pad0->srcpad, gst_event_new_stream_start("s"));
    gst_pad_push_event(pad0->srcpad, gst_event_new_caps(caps));
    gst_caps_unref(caps);
    GstPad* enc_sink = gst_pad_get_peer(pad0->srcpad);
    EXPECT_FALSE(gst_pad_has_current_caps(enc_sink)) << fields;
    gst_object_unref(enc_sink);
    GstMessage* warning = gst_bus_pop_filtered(bus, GST_MESSAGE_WARNING);
    ASSERT_NE(warning, nullptr) << fields;
    GError* error = nullptr;
    gchar* debug = nullptr;
    gst_message_parse_warning(warning, &error, &debug);
    EXPECT_NE(std::string(debug).find(std::string(fields).substr(0, 10)), std::string::npos)
        << debug;
    g_error_free(error);
    g_free(debug);
    gst_message_unref(warning);
    EXPECT_NE(gst_harness_push(pad0, test::to_buffer(rtp_with_extension(3, 0))), GST_FLOW_OK);
    EXPECT_EQ(gst_harness_buffers_received(pad0), 0u) << fields;
    gst_element_set_bus(enc.element, nullptr);
    gst_object_unref(bus);
  }
}

// Regression: caps written as gst-launch-1.0 does, srtp-encrypted-header-ids=5 unquoted, hold an
// int, which both elements ignored (gst_structure_get_string() gives nothing for an int): srtpenc
// sent the element in clear. An int is one ID.
TEST(SrtpEncCapsHeaderPrivacy, UnquotedSingleIdIsTaken) {
  Encoder enc("aes-128-icm", "hmac-sha1-80", kKey30);
  GstHarness* pad0 = enc.add_pad(0);
  gst_harness_set_src_caps_str(pad0,
                               "application/x-rtp, ssrc=(uint)4, srtp-encrypted-header-ids=5");
  const auto wire = protect(pad0, 4, 3);
  const std::string caps = output_caps(pad0);
  EXPECT_NE(caps.find("srtp-encrypted-header-ids=(string)5"), std::string::npos) << caps;
  GstHarness* dec = gst_harness_new_with_padnames("srtpdec", "rtp_sink", "rtp_src");
  gst_harness_set_src_caps_str(
      dec, ("application/x-srtp, ssrc=(uint)4, srtp-key=(buffer)" + test::key_hex(kKey30) +
            ", srtp-cipher=(string)aes-128-icm, srtp-auth=(string)hmac-sha1-80, "
            "srtcp-cipher=(string)aes-128-icm, srtcp-auth=(string)hmac-sha1-80, "
            "srtp-encrypted-header-ids=5")
               .c_str());
  const auto plain = unprotect(dec, wire);
  ASSERT_EQ(plain.size(), 3u);
  for (size_t i = 0; i < plain.size(); ++i) {
    const auto sent = rtp_with_extension(4, static_cast<uint16_t>(i));
    EXPECT_NE(std::vector<uint8_t>(wire[i].begin() + 17, wire[i].begin() + 19),
              std::vector<uint8_t>(sent.begin() + 17, sent.begin() + 19));
    EXPECT_EQ(plain[i], sent) << i;
  }
  EXPECT_EQ(stat_of(enc.element, "rtp-packets-encrypted-extensions"), 3u);
  EXPECT_EQ(stat_of(dec->element, "rtp-packets-encrypted-extensions"), 3u);
  gst_harness_teardown(dec);
}

TEST(SrtpHeaderPrivacyElements, PropertiesReadBackAndRefuseBadIds) {
  GstElement* enc = gst_element_factory_make("srtpenc", nullptr);
  g_object_set(enc, "encrypted-header-ids", "1, 3,200", nullptr);
  gchar* ids = nullptr;
  g_object_get(enc, "encrypted-header-ids", &ids, nullptr);
  EXPECT_STREQ(ids, "1,3,200");
  g_free(ids);
  g_object_set(enc, "encrypted-header-ids", "0,256", nullptr);  // refused, the old value stays
  g_object_get(enc, "encrypted-header-ids", &ids, nullptr);
  EXPECT_STREQ(ids, "1,3,200");
  g_free(ids);
  gst_util_set_object_arg(G_OBJECT(enc), "cryptex", "required");
  gint mode = 0;
  g_object_get(enc, "cryptex", &mode, nullptr);
  EXPECT_EQ(mode, static_cast<gint>(CryptexMode::required));
  gst_object_unref(enc);
}

}  // namespace
}  // namespace secmedia

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  g_log_set_always_fatal(static_cast<GLogLevelFlags>(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR));
  ::testing::InitGoogleTest(&argc, argv);
  return secmedia::test::run_all_tests_checking_gst_leaks();
}
