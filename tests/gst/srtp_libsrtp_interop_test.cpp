// SPDX-License-Identifier: LGPL-2.1-or-later
// libsrtp2 as the oracle through the elements: what srtpenc sends, libsrtp unprotects; what libsrtp
// protects, srtpdec decrypts. RTP across a sequence-number wrap, RTCP, several SSRCs, with and
// without MKI, for every cipher gst-plugins-bad's interface names.
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gst_test_support.h"
#include "libsrtp_oracle.h"
#include "packets.h"

namespace secmedia {
namespace {

using test::LibsrtpSession;
using test::pull_bytes;
using test::to_buffer;

struct ElementCase {
  const char* cipher;
  const char* auth;
  SrtpProfile profile;
  bool mki;
};

std::string case_name(const ElementCase& c) {
  std::string name = std::string(c.cipher) + "_" + c.auth + (c.mki ? "_mki" : "");
  for (char& ch : name) {
    if (ch == '-') ch = '_';
  }
  return name;
}

class ElementsAgainstLibsrtp : public ::testing::TestWithParam<ElementCase> {
 protected:
  void SetUp() override {
    const SrtpProfileInfo& info = profile_info(GetParam().profile);
    key_.resize(info.master_key_length + info.master_salt_length);
    for (size_t i = 0; i < key_.size(); ++i) key_[i] = static_cast<uint8_t>(0x61 + 5 * i);
    if (GetParam().mki) mki_ = {0x01, 0x02, 0x03};
  }

  std::vector<LibsrtpSession::MasterKey> libsrtp_keys() const { return {{key_, mki_}}; }

 public:
  // The caps gst-plugins-bad's srtpdec understands, for one SSRC.
  std::string caps_for(uint32_t ssrc) const {
    std::string caps = "application/x-srtp, ssrc=(uint)" + std::to_string(ssrc) +
                       ", srtp-key=(buffer)" + test::key_hex(key_) + ", srtp-cipher=(string)" +
                       GetParam().cipher + ", srtp-auth=(string)" + GetParam().auth +
                       ", srtcp-cipher=(string)" + GetParam().cipher + ", srtcp-auth=(string)" +
                       GetParam().auth;
    if (!mki_.empty()) caps += ", mki=(buffer)" + test::key_hex(mki_);
    return caps;
  }

 protected:
  std::vector<uint8_t> key_;
  std::vector<uint8_t> mki_;
};

constexpr uint32_t kSsrcs[] = {0x0badcafe, 0x11223344, 0x7e57ab1e};

std::vector<uint8_t> rtp_packet(uint32_t ssrc, uint16_t seq, int i) {
  test::RtpSpec spec;
  spec.ssrc = ssrc;
  spec.sequence = seq;
  spec.csrc_count = static_cast<uint8_t>(i % 3);
  spec.extension_words = static_cast<uint16_t>(i % 5 == 0 ? 1 : 0);
  spec.payload_length = static_cast<size_t>(20 + (i * 53) % 1100);
  return test::make_rtp(spec);
}

TEST_P(ElementsAgainstLibsrtp, SrtpencOutputIsUnprotectedByLibsrtp) {
  GstHarness* rtp = gst_harness_new_with_padnames("srtpenc", "rtp_sink_0", "rtp_src_0");
  GstHarness* rtcp = gst_harness_new_with_element(rtp->element, "rtcp_sink_0", "rtcp_src_0");
  gst_harness_set_src_caps_str(rtp, "application/x-rtp");
  gst_harness_set_src_caps_str(rtcp, "application/x-rtcp");
  for (const char* half : {"rtp", "rtcp"}) {
    gst_util_set_object_arg(G_OBJECT(rtp->element), (std::string(half) + "-cipher").c_str(),
                            GetParam().cipher);
    gst_util_set_object_arg(G_OBJECT(rtp->element), (std::string(half) + "-auth").c_str(),
                            GetParam().auth);
  }
  GstBuffer* key = to_buffer(key_);
  g_object_set(rtp->element, "key", key, nullptr);
  gst_buffer_unref(key);
  if (!mki_.empty()) {
    GstBuffer* mki = to_buffer(mki_);
    g_object_set(rtp->element, "mki", mki, nullptr);
    gst_buffer_unref(mki);
  }
  LibsrtpSession oracle(GetParam().profile, GetParam().profile, false, libsrtp_keys());
  ASSERT_TRUE(oracle.ok());

  for (int i = 0; i < 120; ++i) {
    for (uint32_t ssrc : kSsrcs) {
      const auto plain = rtp_packet(ssrc, static_cast<uint16_t>(65480 + i), i);
      ASSERT_EQ(gst_harness_push(rtp, to_buffer(plain)), GST_FLOW_OK);
      auto packet = pull_bytes(rtp);
      ASSERT_EQ(oracle.unprotect(packet, false), srtp_err_status_ok) << "RTP " << i;
      ASSERT_EQ(packet, plain);
      if (i % 10 == 0) {
        const auto report = test::make_rtcp(ssrc, static_cast<uint16_t>(4 + i % 7));
        ASSERT_EQ(gst_harness_push(rtcp, to_buffer(report)), GST_FLOW_OK);
        auto srtcp = pull_bytes(rtcp);
        ASSERT_EQ(oracle.unprotect(srtcp, true), srtp_err_status_ok) << "RTCP " << i;
        ASSERT_EQ(srtcp, report);
      }
    }
  }
  gst_harness_teardown(rtcp);
  gst_harness_teardown(rtp);
}

TEST_P(ElementsAgainstLibsrtp, LibsrtpOutputIsDecryptedBySrtpdec) {
  GstHarness* rtp = gst_harness_new_with_padnames("srtpdec", "rtp_sink", "rtp_src");
  GstHarness* rtcp = gst_harness_new_with_element(rtp->element, "rtcp_sink", "rtcp_src");
  gst_harness_set_src_caps_str(rtp, "application/x-srtp");
  gst_harness_set_src_caps_str(rtcp, "application/x-srtcp");
  // Keys for each SSRC arrive through request-key, as gst-plugins-bad's srtpdec asks for them.
  struct Context {
    const ElementsAgainstLibsrtp* self;
  } context{this};
  g_signal_connect(rtp->element, "request-key",
                   G_CALLBACK(+[](GstElement*, guint ssrc, Context* c) -> GstCaps* {
                     return gst_caps_from_string(c->self->caps_for(ssrc).c_str());
                   }),
                   &context);
  LibsrtpSession oracle(GetParam().profile, GetParam().profile, true, libsrtp_keys());
  ASSERT_TRUE(oracle.ok());

  for (int i = 0; i < 120; ++i) {
    for (uint32_t ssrc : kSsrcs) {
      const auto plain = rtp_packet(ssrc, static_cast<uint16_t>(65480 + i), i);
      auto packet = plain;
      ASSERT_EQ(oracle.protect(packet, false), srtp_err_status_ok);
      ASSERT_EQ(gst_harness_push(rtp, to_buffer(packet)), GST_FLOW_OK);
      ASSERT_EQ(pull_bytes(rtp), plain) << "RTP " << i;
      if (i % 10 == 0) {
        const auto report = test::make_rtcp(ssrc, static_cast<uint16_t>(4 + i % 7));
        auto srtcp = report;
        ASSERT_EQ(oracle.protect(srtcp, true), srtp_err_status_ok);
        ASSERT_EQ(gst_harness_push(rtcp, to_buffer(srtcp)), GST_FLOW_OK);
        ASSERT_EQ(pull_bytes(rtcp), report) << "RTCP " << i;
      }
    }
  }
  GstStructure* stats = test::stats_of(rtp->element);
  const GValue* streams = gst_structure_get_value(stats, "streams");
  ASSERT_EQ(gst_value_array_get_size(streams), 3u);
  for (guint i = 0; i < 3; ++i) {
    guint roc = 0;
    gst_structure_get_uint(gst_value_get_structure(gst_value_array_get_value(streams, i)), "roc",
                           &roc);
    EXPECT_EQ(roc, 1u) << "the run crossed the sequence wrap";
  }
  gst_structure_free(stats);
  gst_harness_teardown(rtcp);
  gst_harness_teardown(rtp);
}

INSTANTIATE_TEST_SUITE_P(
    GstPluginsBadCiphers, ElementsAgainstLibsrtp,
    ::testing::Values(
        ElementCase{"aes-128-icm", "hmac-sha1-80", SrtpProfile::aes_cm_128_hmac_sha1_80, false},
        ElementCase{"aes-128-icm", "hmac-sha1-80", SrtpProfile::aes_cm_128_hmac_sha1_80, true},
        ElementCase{"aes-128-icm", "hmac-sha1-32", SrtpProfile::aes_cm_128_hmac_sha1_32, false},
        ElementCase{"aes-256-icm", "hmac-sha1-80", SrtpProfile::aes_256_cm_hmac_sha1_80, false},
        ElementCase{"aes-256-icm", "hmac-sha1-32", SrtpProfile::aes_256_cm_hmac_sha1_32, true},
        ElementCase{"aes-128-gcm", "null", SrtpProfile::aead_aes_128_gcm, false},
        ElementCase{"aes-128-gcm", "null", SrtpProfile::aead_aes_128_gcm, true},
        ElementCase{"aes-256-gcm", "null", SrtpProfile::aead_aes_256_gcm, false},
        ElementCase{"null", "hmac-sha1-80", SrtpProfile::null_hmac_sha1_80, false}),
    [](const auto& test_info) { return case_name(test_info.param); });

}  // namespace
}  // namespace secmedia

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  g_log_set_always_fatal(static_cast<GLogLevelFlags>(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR));
  ::testing::InitGoogleTest(&argc, argv);
  return secmedia::test::run_all_tests_checking_gst_leaks();
}
