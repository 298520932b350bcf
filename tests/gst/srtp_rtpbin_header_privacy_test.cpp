// SPDX-License-Identifier: LGPL-2.1-or-later
// Header privacy the way applications plug SRTP into rtpbin: its request-rtp-encoder and
// request-rtp-decoder signals hand it a srtpenc and a srtpdec (the decoder keyed by its
// request-key signal, as from SDES), VP8 with a transport-wide-cc header extension crosses UDP on
// loopback between two rtpbins, is decoded to frames on the far side, and the TWCC numbers that
// reach the receiving rtpbin are the sender's while the ones on the wire are not readable.
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/rtp/rtp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "gst_test_support.h"

namespace secmedia {
namespace {

constexpr guint kTwccId = 5;
constexpr guint kFramesWanted = 20;
const char* kKeyHex = "4142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e";

std::optional<uint16_t> twcc_sequence(GstBuffer* buffer) {
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
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
  return result;
}

struct Call {
  std::string encoder_settings, decoder_settings;
  GstElement* pipeline = nullptr;
  GstElement* srtpenc = nullptr;  // our references to what rtpbin was given
  GstElement* srtpdec = nullptr;
  std::atomic<guint> frames{0};
  std::mutex lock;
  std::vector<uint16_t> received_twcc;  // at the receiving rtpbin's depayloader, decrypted
};

GstElement* on_request_encoder(GstElement*, guint session, Call* call) {
  GstElement* enc = gst_element_factory_make("srtpenc", nullptr);
  // rtpbin looks for rtp_sink_N/rtp_src_N as static pads: request them first (as with
  // gst-plugins-bad's srtpenc).
  gchar* name = g_strdup_printf("rtp_sink_%u", session);
  GstPad* sink = gst_element_request_pad_simple(enc, name);
  g_free(name);
  if (sink) gst_object_unref(sink);
  gst_util_set_object_arg(G_OBJECT(enc), "key", kKeyHex);
  gst_util_set_object_arg(G_OBJECT(enc), "encrypted-header-ids", "");
  if (!call->encoder_settings.empty()) {
    gchar** pair = g_strsplit(call->encoder_settings.c_str(), "=", 2);
    gst_util_set_object_arg(G_OBJECT(enc), pair[0], pair[1]);
    g_strfreev(pair);
  }
  call->srtpenc = GST_ELEMENT(gst_object_ref(enc));
  return enc;  // floating: rtpbin adds it
}

GstCaps* on_request_key(GstElement*, guint ssrc, Call*) {
  gchar* text = g_strdup_printf(
      "application/x-srtp, ssrc=(uint)%u, srtp-key=(buffer)%s, srtp-cipher=(string)aes-128-icm, "
      "srtp-auth=(string)hmac-sha1-80, srtcp-cipher=(string)aes-128-icm, "
      "srtcp-auth=(string)hmac-sha1-80",
      ssrc, kKeyHex);
  GstCaps* caps = gst_caps_from_string(text);
  g_free(text);
  return caps;
}

GstElement* on_request_decoder(GstElement*, guint, Call* call) {
  GstElement* dec = gst_element_factory_make("srtpdec", nullptr);
  if (!call->decoder_settings.empty()) {
    gchar** pair = g_strsplit(call->decoder_settings.c_str(), "=", 2);
    gst_util_set_object_arg(G_OBJECT(dec), pair[0], pair[1]);
    g_strfreev(pair);
  }
  g_signal_connect(dec, "request-key", G_CALLBACK(on_request_key), call);
  call->srtpdec = GST_ELEMENT(gst_object_ref(dec));
  return dec;
}

void on_pad_added(GstElement*, GstPad* pad, Call* call) {
  if (!g_str_has_prefix(GST_PAD_NAME(pad), "recv_rtp_src_")) return;
  GstElement* depay = gst_bin_get_by_name(GST_BIN(call->pipeline), "depay");
  GstPad* sink = gst_element_get_static_pad(depay, "sink");
  gst_pad_link(pad, sink);
  gst_object_unref(sink);
  gst_object_unref(depay);
}

struct Outcome {
  guint frames = 0;
  std::vector<uint16_t> received_twcc;
  std::vector<std::vector<uint8_t>> wire;
  GstStructure* enc_stats = nullptr;
  GstStructure* dec_stats = nullptr;
  ~Outcome() {
    if (enc_stats) gst_structure_free(enc_stats);
    if (dec_stats) gst_structure_free(dec_stats);
  }
};

void run_call(const std::string& encoder_settings, const std::string& decoder_settings,
              Outcome& outcome) {
  Call call;
  call.encoder_settings = encoder_settings;
  call.decoder_settings = decoder_settings;
  // rtpbin asks for its encoder/decoder when its pads are requested: they are linked below, after
  // the signal handlers are connected.
  const std::string description =
      "rtpbin name=sender  rtpbin name=receiver  "
      "videotestsrc is-live=true ! video/x-raw,width=160,height=120,framerate=30/1 ! "
      "vp8enc deadline=1 ! rtpvp8pay name=pay ssrc=4660 mtu=600  "
      "tee name=t ! queue ! udpsink name=out host=127.0.0.1 sync=false "
      "async=false  t. ! queue ! appsink name=wire sync=false async=false max-buffers=50 "
      "drop=true  udpsrc name=in address=127.0.0.1 port=0 "
      "caps=\"application/x-srtp,media=(string)video,clock-rate=(int)90000,"
      "encoding-name=(string)VP8,payload=(int)96\"  "
      "rtpvp8depay name=depay ! vp8dec ! fakesink name=frames sync=false async=false";
  GError* error = nullptr;
  call.pipeline = gst_parse_launch(description.c_str(), &error);
  ASSERT_NE(call.pipeline, nullptr) << (error ? error->message : "");
  GstElement* sender = gst_bin_get_by_name(GST_BIN(call.pipeline), "sender");
  GstElement* receiver = gst_bin_get_by_name(GST_BIN(call.pipeline), "receiver");
  g_signal_connect(sender, "request-rtp-encoder", G_CALLBACK(on_request_encoder), &call);
  g_signal_connect(receiver, "request-rtp-decoder", G_CALLBACK(on_request_decoder), &call);
  g_signal_connect(receiver, "pad-added", G_CALLBACK(on_pad_added), &call);
  auto link = [&](const char* from, const char* from_pad, const char* to, const char* to_pad) {
    GstElement* a = gst_bin_get_by_name(GST_BIN(call.pipeline), from);
    GstElement* b = gst_bin_get_by_name(GST_BIN(call.pipeline), to);
    EXPECT_TRUE(gst_element_link_pads(a, from_pad, b, to_pad)) << from << " ! " << to;
    gst_object_unref(a);
    gst_object_unref(b);
  };
  link("pay", "src", "sender", "send_rtp_sink_0");
  link("sender", "send_rtp_src_0", "t", nullptr);
  link("in", "src", "receiver", "recv_rtp_sink_0");
  GstElement* pay = gst_bin_get_by_name(GST_BIN(call.pipeline), "pay");
  GstElement* twcc = gst_element_factory_make("rtphdrexttwcc", nullptr);
  ASSERT_NE(twcc, nullptr);
  gst_rtp_header_extension_set_id(GST_RTP_HEADER_EXTENSION(twcc), kTwccId);
  g_signal_emit_by_name(pay, "add-extension", twcc);
  gst_object_unref(twcc);
  gst_object_unref(pay);
  // Frames decoded, and the TWCC numbers that reach the depayloader (after srtpdec and rtpbin).
  GstElement* frames = gst_bin_get_by_name(GST_BIN(call.pipeline), "frames");
  GstPad* frames_pad = gst_element_get_static_pad(frames, "sink");
  gst_pad_add_probe(
      frames_pad, GST_PAD_PROBE_TYPE_BUFFER,
      [](GstPad*, GstPadProbeInfo*, gpointer data) {
        ++static_cast<Call*>(data)->frames;
        return GST_PAD_PROBE_OK;
      },
      &call, nullptr);
  gst_object_unref(frames_pad);
  gst_object_unref(frames);
  GstElement* depay = gst_bin_get_by_name(GST_BIN(call.pipeline), "depay");
  GstPad* depay_pad = gst_element_get_static_pad(depay, "sink");
  gst_pad_add_probe(
      depay_pad, GST_PAD_PROBE_TYPE_BUFFER,
      [](GstPad*, GstPadProbeInfo* info, gpointer data) {
        auto* c = static_cast<Call*>(data);
        if (auto seq = twcc_sequence(GST_PAD_PROBE_INFO_BUFFER(info))) {
          std::lock_guard guard(c->lock);
          c->received_twcc.push_back(*seq);
        }
        return GST_PAD_PROBE_OK;
      },
      &call, nullptr);
  gst_object_unref(depay_pad);
  gst_object_unref(depay);
  // udpsrc binds in READY; the sender's udpsink goes to that port.
  ASSERT_NE(gst_element_set_state(call.pipeline, GST_STATE_READY), GST_STATE_CHANGE_FAILURE);
  GstElement* in = gst_bin_get_by_name(GST_BIN(call.pipeline), "in");
  GstElement* out = gst_bin_get_by_name(GST_BIN(call.pipeline), "out");
  gint port = 0;
  g_object_get(in, "port", &port, nullptr);
  g_object_set(out, "port", port, nullptr);
  gst_object_unref(in);
  gst_object_unref(out);
  ASSERT_NE(gst_element_set_state(call.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  // Deadline for a stuck call only (a loaded machine under the sanitizers is slow).
  EXPECT_EQ(test::wait_for(
                call.pipeline, [&] { return call.frames >= kFramesWanted; }, 60),
            "");
  outcome.frames = call.frames;
  {
    std::lock_guard guard(call.lock);
    outcome.received_twcc = call.received_twcc;
  }
  GstElement* wire = gst_bin_get_by_name(GST_BIN(call.pipeline), "wire");
  while (GstSample* sample = gst_app_sink_try_pull_sample(GST_APP_SINK(wire), 0)) {
    outcome.wire.push_back(test::to_bytes(gst_sample_get_buffer(sample)));
    gst_sample_unref(sample);
  }
  gst_object_unref(wire);
  if (call.srtpenc) outcome.enc_stats = test::stats_of(call.srtpenc);
  if (call.srtpdec) outcome.dec_stats = test::stats_of(call.srtpdec);
  gst_element_set_state(call.pipeline, GST_STATE_NULL);
  if (call.srtpenc) gst_object_unref(call.srtpenc);
  if (call.srtpdec) gst_object_unref(call.srtpdec);
  gst_object_unref(sender);
  gst_object_unref(receiver);
  gst_object_unref(call.pipeline);
  gst_task_cleanup_all();
}

guint64 stat(const GstStructure* s, const char* field) {
  guint64 value = 0;
  if (s) gst_structure_get_uint64(s, field, &value);
  return value;
}

// The receiving rtpbin sees the sender's TWCC numbers, consecutive; the wire does not.
void expect_twcc_readable_only_after_decryption(const Outcome& outcome) {
  ASSERT_GE(outcome.received_twcc.size(), 10u);
  size_t consecutive = 0;
  for (size_t i = 1; i < outcome.received_twcc.size(); ++i) {
    if (outcome.received_twcc[i] == static_cast<uint16_t>(outcome.received_twcc[i - 1] + 1)) {
      ++consecutive;
    }
  }
  EXPECT_GE(consecutive * 10, (outcome.received_twcc.size() - 1) * 9)
      << "decrypted TWCC numbers should count up";
  ASSERT_GE(outcome.wire.size(), 10u);
  size_t wire_consecutive = 0;
  std::optional<uint16_t> previous;
  for (const auto& packet : outcome.wire) {
    GstBuffer* buffer = test::to_buffer(packet);
    const auto seq = twcc_sequence(buffer);
    gst_buffer_unref(buffer);
    if (seq && previous && *seq == static_cast<uint16_t>(*previous + 1)) ++wire_consecutive;
    previous = seq;
  }
  EXPECT_LE(wire_consecutive, 2u) << "TWCC numbers readable on the wire";
}

TEST(SrtpRtpbinHeaderPrivacy, Rfc6904ThroughRtpbinEncoderAndDecoderSignals) {
  Outcome outcome;
  run_call("encrypted-header-ids=5", "encrypted-header-ids=5", outcome);
  EXPECT_GE(outcome.frames, kFramesWanted);
  expect_twcc_readable_only_after_decryption(outcome);
  EXPECT_GT(stat(outcome.enc_stats, "rtp-packets-encrypted-extensions"), 0u);
  EXPECT_GT(stat(outcome.dec_stats, "rtp-packets-encrypted-extensions"), 0u);
}

TEST(SrtpRtpbinHeaderPrivacy, CryptexThroughRtpbinEncoderAndDecoderSignals) {
  Outcome outcome;
  run_call("cryptex=accept", "cryptex=required", outcome);
  EXPECT_GE(outcome.frames, kFramesWanted);
  expect_twcc_readable_only_after_decryption(outcome);
  // RFC 9335: the block is marked 0xC0DE on the wire.
  ASSERT_FALSE(outcome.wire.empty());
  for (const auto& packet : outcome.wire) {
    ASSERT_GE(packet.size(), 16u);
    EXPECT_EQ(packet[12], 0xC0);
    EXPECT_EQ(packet[13], 0xDE);
  }
  EXPECT_GT(stat(outcome.dec_stats, "rtp-packets-cryptex"), 0u);
  EXPECT_EQ(stat(outcome.dec_stats, "rtp-packets-header-in-clear"), 0u);
}

}  // namespace
}  // namespace secmedia

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  g_log_set_always_fatal(static_cast<GLogLevelFlags>(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR));
  ::testing::InitGoogleTest(&argc, argv);
  return secmedia::test::run_all_tests_checking_gst_leaks();
}
