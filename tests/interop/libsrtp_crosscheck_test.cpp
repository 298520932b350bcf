// SPDX-License-Identifier: LGPL-2.1-or-later
// Interop with libsrtp2: for every profile both implement, packets we protect are unprotected by
// libsrtp and the reverse, and both produce the same bytes for the same input, over a run that
// crosses a sequence number wrap, for RTP and RTCP, several SSRCs, with and without MKI (switching
// the send key mid-run).
#include <gtest/gtest.h>

#include <string>

#include "hex.h"
#include "libsrtp_oracle.h"
#include "packets.h"
#include "secmedia/srtp.h"
#include "sessions.h"

namespace secmedia {
namespace {

using test::LibsrtpSession;
using test::to_hex;

struct CrossCheckCase {
  SrtpProfile rtp_profile;
  SrtpProfile rtcp_profile;
  size_t mki_length;
};

std::string case_name(const CrossCheckCase& c) {
  std::string name(profile_info(c.rtp_profile).name);
  if (c.rtcp_profile != c.rtp_profile)
    name += "_rtcp_" + std::string(profile_info(c.rtcp_profile).name);
  return name + (c.mki_length ? "_mki" : "");
}

std::vector<uint8_t> key_material(size_t length, uint8_t seed) {
  std::vector<uint8_t> bytes(length);
  for (size_t i = 0; i < length; ++i) bytes[i] = static_cast<uint8_t>(seed + 13 * i);
  return bytes;
}

class LibsrtpCrossCheck : public ::testing::TestWithParam<CrossCheckCase> {
 protected:
  void SetUp() override {
    const CrossCheckCase& c = GetParam();
    const SrtpProfileInfo& info = profile_info(c.rtp_profile);
    const size_t key_count = c.mki_length ? 2 : 1;
    for (size_t k = 0; k < key_count; ++k) {
      LibsrtpSession::MasterKey key;
      key.key_and_salt = key_material(info.master_key_length + info.master_salt_length,
                                      static_cast<uint8_t>(0x40 + 0x31 * k));
      key.mki = key_material(c.mki_length, static_cast<uint8_t>(0xa0 + k));
      keys_.push_back(key);
    }
    SrtpConfig config = test::config_for(SrtpDirection::protect, c.rtp_profile, c.rtcp_profile);
    config.mki_length = c.mki_length;
    ours_out_ = make_ours(config);
    config.direction = SrtpDirection::unprotect;
    ours_in_ = make_ours(config);
    libsrtp_out_ = std::make_unique<LibsrtpSession>(c.rtp_profile, c.rtcp_profile, true, keys_);
    libsrtp_in_ = std::make_unique<LibsrtpSession>(c.rtp_profile, c.rtcp_profile, false, keys_);
    ASSERT_TRUE(libsrtp_out_->ok());
    ASSERT_TRUE(libsrtp_in_->ok());
  }

  std::unique_ptr<SrtpSession> make_ours(const SrtpConfig& config) {
    auto session = SrtpSession::create(config);
    EXPECT_NE(session, nullptr);
    const size_t key_length = profile_info(config.rtp_profile).master_key_length;
    for (const auto& key : keys_) {
      const std::span<const uint8_t> all(key.key_and_salt);
      EXPECT_EQ(session->add_master_key(all.first(key_length), all.subspan(key_length), key.mki),
                SrtpStatus::ok);
    }
    return session;
  }

  // One packet through all four paths: ours and libsrtp protect the same plain packet to the same
  // bytes; each side unprotects the other's output back to the plain packet.
  void check_packet(const std::vector<uint8_t>& plain, bool rtcp, unsigned key_index) {
    if (GetParam().mki_length) {
      ASSERT_EQ(ours_out_->select_send_key(keys_[key_index].mki), SrtpStatus::ok);
    }
    const std::vector<uint8_t> ours = test::protect(*ours_out_, plain, rtcp);
    std::vector<uint8_t> theirs = plain;
    ASSERT_EQ(libsrtp_out_->protect(theirs, rtcp, key_index), srtp_err_status_ok);
    ASSERT_EQ(to_hex(ours), to_hex(theirs)) << "protected bytes differ";

    std::vector<uint8_t> by_libsrtp = ours;
    ASSERT_EQ(libsrtp_in_->unprotect(by_libsrtp, rtcp), srtp_err_status_ok);
    EXPECT_EQ(to_hex(by_libsrtp), to_hex(plain));

    std::vector<uint8_t> by_us;
    ASSERT_EQ(test::unprotect(*ours_in_, theirs, by_us, rtcp), SrtpStatus::ok);
    EXPECT_EQ(to_hex(by_us), to_hex(plain));
  }

  std::vector<LibsrtpSession::MasterKey> keys_;
  std::unique_ptr<SrtpSession> ours_out_, ours_in_;
  std::unique_ptr<LibsrtpSession> libsrtp_out_, libsrtp_in_;
};

TEST_P(LibsrtpCrossCheck, RtpAcrossSequenceWrap) {
  const uint32_t ssrcs[] = {0x11111111, 0x22222222, 0xdeadbeef};
  constexpr int kPackets = 150;
  for (int i = 0; i < kPackets; ++i) {
    for (size_t s = 0; s < std::size(ssrcs); ++s) {
      test::RtpSpec spec;
      spec.ssrc = ssrcs[s];
      // Each SSRC starts at its own place before the wrap at 65535 and crosses it.
      spec.sequence = static_cast<uint16_t>(65500 - 17 * s + i);
      spec.timestamp = 3000u * static_cast<uint32_t>(i);
      spec.csrc_count = static_cast<uint8_t>(i % 3 == 0 ? 2 : 0);
      spec.extension_words = static_cast<uint16_t>(i % 4 == 1 ? 2 : 0);
      spec.payload_length = static_cast<size_t>((i * 37) % 1200);
      spec.payload_seed = static_cast<uint8_t>(s);
      const unsigned key_index = GetParam().mki_length && i >= kPackets / 2 ? 1 : 0;
      ASSERT_NO_FATAL_FAILURE(check_packet(test::make_rtp(spec), false, key_index))
          << "packet " << i << " of SSRC " << std::hex << ssrcs[s];
    }
  }
  for (uint32_t ssrc : ssrcs) {
    EXPECT_EQ(ours_out_->rollover_counter(ssrc), 1u);
    EXPECT_EQ(ours_in_->rollover_counter(ssrc), 1u);
  }
}

TEST_P(LibsrtpCrossCheck, Rtcp) {
  const uint32_t ssrcs[] = {0x11111111, 0x22222222, 0xdeadbeef};
  // libsrtp sends its first SRTCP index as 1; RFC 3711 §3.4 would start at 0. Match it to compare
  // bytes.
  for (uint32_t ssrc : ssrcs) ASSERT_EQ(ours_out_->set_next_srtcp_index(ssrc, 1), SrtpStatus::ok);
  constexpr int kPackets = 40;
  for (int i = 0; i < kPackets; ++i) {
    for (uint32_t ssrc : ssrcs) {
      const unsigned key_index = GetParam().mki_length && i >= kPackets / 2 ? 1 : 0;
      // Reduced-size (RFC 5506) packets of 0 extra words alternate with compound-sized ones.
      const auto words = static_cast<uint16_t>(i % 5 == 0 ? 0 : 6 + i);
      ASSERT_NO_FATAL_FAILURE(
          check_packet(test::make_rtcp(ssrc, words, static_cast<uint8_t>(i)), true, key_index))
          << "RTCP packet " << i;
    }
  }
}

std::vector<CrossCheckCase> all_cases() {
  std::vector<CrossCheckCase> cases;
  for (size_t p = 0; p < kSrtpProfileCount; ++p) {
    const auto profile = static_cast<SrtpProfile>(p);
    // Debian's libsrtp 2.5 derives AES-192 session keys with the AES-256 PRF (libsrtp issue #763),
    // so it cannot be the oracle for AES-192; RFC 6188 §7.4 is (rfc6188_vectors_test).
    if (profile == SrtpProfile::aes_192_cm_hmac_sha1_80 ||
        profile == SrtpProfile::aes_192_cm_hmac_sha1_32) {
      continue;
    }
    cases.push_back({profile, profile, 0});
    cases.push_back({profile, profile, 4});
  }
  // RFC 5764 §4.1.2: SRTP_AES128_CM_HMAC_SHA1_32 keeps an 80-bit tag for SRTCP.
  cases.push_back({SrtpProfile::aes_cm_128_hmac_sha1_32, SrtpProfile::aes_cm_128_hmac_sha1_80, 0});
  // gst-plugins-bad allows an authentication-only RTCP half beside an encrypted RTP half.
  cases.push_back({SrtpProfile::aes_cm_128_hmac_sha1_80, SrtpProfile::null_hmac_sha1_80, 0});
  return cases;
}

INSTANTIATE_TEST_SUITE_P(AllProfiles, LibsrtpCrossCheck, ::testing::ValuesIn(all_cases()),
                         [](const auto& test_info) { return case_name(test_info.param); });

}  // namespace
}  // namespace secmedia
