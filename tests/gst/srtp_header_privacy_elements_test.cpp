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

std::vector<std::vector<uint8_t>> drain(GstElement* sink) {
  std::vector<std::vector<uint8_t>> packets;
  while (GstSample* sample = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), GST_SECOND)) {
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

// VP8 with TWCC through srtpenc, teed to the wire sink and to srtpdec keyed by caps.
void run_pipeline(const std::string& enc_settings, const std::string& caps_settings,
                  PipelineRun& run) {
  const std::string description =
      "videotestsrc num-buffers=" + std::to_string(kFrames) +
      " ! video/x-raw,width=160,height=120,framerate=30/1 ! vp8enc deadline=1 ! rtpvp8pay "
      "name=pay ssrc=4660 mtu=400 ! srtpenc name=enc key=" +
      test::key_hex(kKey30) + " " + enc_settings +
      " ! tee name=t ! queue ! appsink name=wire sync=false wait-on-eos=false t. ! queue ! "
      "capsfilter "
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
  GstMessage* message = gst_bus_timed_pop_filtered(
      bus, 20 * GST_SECOND, static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  ASSERT_NE(message, nullptr);
  EXPECT_EQ(GST_MESSAGE_TYPE(message), GST_MESSAGE_EOS);
  gst_message_unref(message);
  gst_object_unref(bus);
  run.wire = drain(wire);
  run.decrypted = drain(out);
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
