// SPDX-License-Identifier: LGPL-2.1-or-later
// Bad input gets a status and changes nothing else: every single-bit flip and every truncation of a
// protected packet is refused, in every profile, for SRTP and SRTCP, with and without MKI; the
// session still accepts the genuine packet afterwards. Also: no heap allocation per packet.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "packets.h"
#include "secmedia/srtp.h"
#include "sessions.h"

// The replacement pair below is malloc/free on both sides; GCC 12 cannot see that through inlining.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

// Counts heap allocations in this test program, to check the per-packet path makes none.
namespace {
std::atomic<uint64_t> g_allocations{0};
}
void* operator new(size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, size_t) noexcept {
  std::free(p);
}

namespace secmedia {
namespace {

struct BadInputCase {
  SrtpProfile profile;
  size_t mki_length;
};

class SrtpBadInput : public ::testing::TestWithParam<BadInputCase> {
 protected:
  void SetUp() override {
    const SrtpProfileInfo& info = profile_info(GetParam().profile);
    key_.assign(info.master_key_length, 0x5a);
    salt_.assign(info.master_salt_length, 0xa5);
    mki_.assign(GetParam().mki_length, 0x3c);
    SrtpConfig config =
        test::config_for(SrtpDirection::protect, GetParam().profile, GetParam().profile);
    config.mki_length = GetParam().mki_length;
    sender_ = test::make_session(config, key_, salt_, mki_);
    config.direction = SrtpDirection::unprotect;
    receiver_ = test::make_session(config, key_, salt_, mki_);
  }

  void check_every_flip_and_truncation(bool rtcp) {
    test::RtpSpec spec;
    spec.csrc_count = 1;
    spec.extension_words = 1;
    spec.payload_length = 24;
    const auto plain = rtcp ? test::make_rtcp(0xfeedface, 5) : test::make_rtp(spec);
    const auto packet = test::protect(*sender_, plain, rtcp);
    std::vector<uint8_t> out;

    for (size_t bit = 0; bit < packet.size() * 8; ++bit) {
      auto flipped = packet;
      flipped[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
      const SrtpStatus status = test::unprotect(*receiver_, flipped, out, rtcp);
      EXPECT_NE(status, SrtpStatus::ok) << "bit " << bit << " of " << packet.size() * 8;
    }
    for (size_t length = 0; length < packet.size(); ++length) {
      // Exact-size copy: a read past `length` is a sanitizer error, not a silent pass.
      const std::vector<uint8_t> truncated(packet.begin(),
                                           packet.begin() + static_cast<long>(length));
      EXPECT_NE(test::unprotect(*receiver_, truncated, out, rtcp), SrtpStatus::ok) << length;
    }
    // None of that disturbed the session: the genuine packet still goes through.
    ASSERT_EQ(test::unprotect(*receiver_, packet, out, rtcp), SrtpStatus::ok);
    EXPECT_EQ(out, plain);
    const SrtpStats stats = receiver_->stats();
    const auto& drops = rtcp ? stats.rtcp_drops : stats.rtp_drops;
    uint64_t dropped = 0;
    for (uint64_t count : drops) dropped += count;
    EXPECT_EQ(dropped, packet.size() * 9) << "every refused packet is counted";
  }

  std::vector<uint8_t> key_, salt_, mki_;
  std::unique_ptr<SrtpSession> sender_, receiver_;
};

TEST_P(SrtpBadInput, Srtp) {
  check_every_flip_and_truncation(false);
}
TEST_P(SrtpBadInput, Srtcp) {
  check_every_flip_and_truncation(true);
}

std::vector<BadInputCase> bad_input_cases() {
  std::vector<BadInputCase> cases;
  for (size_t p = 0; p < kSrtpProfileCount; ++p) {
    const auto profile = static_cast<SrtpProfile>(p);
    if (profile == SrtpProfile::null_null) continue;  // no integrity: flips cannot be detected
    cases.push_back({profile, 0});
    cases.push_back({profile, 3});
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(AllProfiles, SrtpBadInput, ::testing::ValuesIn(bad_input_cases()),
                         [](const auto& test_info) {
                           return std::string(profile_info(test_info.param.profile).name) +
                                  (test_info.param.mki_length ? "_mki" : "");
                         });

TEST(SrtpBadInputGarbage, ShortAndRandomDatagramsAreMalformedOrUnauthenticated) {
  const std::vector<uint8_t> key(16, 1), salt(14, 2);
  auto receiver = test::make_session(
      test::config_for(SrtpDirection::unprotect, SrtpProfile::aes_cm_128_hmac_sha1_80,
                       SrtpProfile::aes_cm_128_hmac_sha1_80),
      key, salt);
  std::vector<uint8_t> out;
  EXPECT_EQ(test::unprotect(*receiver, {}, out), SrtpStatus::malformed);
  EXPECT_EQ(test::unprotect(*receiver, {0x80}, out), SrtpStatus::malformed);
  EXPECT_EQ(test::unprotect(*receiver, std::vector<uint8_t>(21, 0x80), out), SrtpStatus::malformed);
  EXPECT_EQ(test::unprotect(*receiver, std::vector<uint8_t>(22, 0x80), out),
            SrtpStatus::auth_failure);
  // The protect side refuses a packet without room for the tag.
  auto sender = test::make_session(
      test::config_for(SrtpDirection::protect, SrtpProfile::aes_cm_128_hmac_sha1_80,
                       SrtpProfile::aes_cm_128_hmac_sha1_80),
      key, salt);
  std::vector<uint8_t> packet = test::make_rtp({});
  size_t length = packet.size();
  packet.resize(length + 9);
  EXPECT_EQ(sender->protect_rtp(packet, length), SrtpStatus::buffer_too_small);
  EXPECT_EQ(sender->protect_rtcp(packet, length), SrtpStatus::buffer_too_small);
  length = 11;
  EXPECT_EQ(sender->protect_rtp(packet, length), SrtpStatus::malformed);
}

TEST(SrtpHotPath, NoHeapAllocationPerPacket) {
  for (auto profile : {SrtpProfile::aes_cm_128_hmac_sha1_80, SrtpProfile::aead_aes_128_gcm}) {
    SCOPED_TRACE(profile_info(profile).name);
    const SrtpProfileInfo& info = profile_info(profile);
    const std::vector<uint8_t> key(info.master_key_length, 7), salt(info.master_salt_length, 9);
    auto sender =
        test::make_session(test::config_for(SrtpDirection::protect, profile, profile), key, salt);
    auto receiver =
        test::make_session(test::config_for(SrtpDirection::unprotect, profile, profile), key, salt);
    std::vector<uint8_t> buffer(1500);
    const auto warm_up = [&](uint16_t seq) {
      test::RtpSpec spec;
      spec.sequence = seq;
      const auto plain = test::make_rtp(spec);
      std::copy(plain.begin(), plain.end(), buffer.begin());
      size_t length = plain.size();
      ASSERT_EQ(sender->protect_rtp(buffer, length), SrtpStatus::ok);
      ASSERT_EQ(receiver->unprotect_rtp(std::span(buffer).first(length), length), SrtpStatus::ok);
    };
    warm_up(0);  // creates the stream state: allocations allowed here
    const auto plain = test::make_rtp({});
    const uint64_t before = g_allocations.load();
    for (uint16_t seq = 1; seq < 1000; ++seq) {
      std::copy(plain.begin(), plain.end(), buffer.begin());
      buffer[2] = static_cast<uint8_t>(seq >> 8);
      buffer[3] = static_cast<uint8_t>(seq);
      size_t length = plain.size();
      ASSERT_EQ(sender->protect_rtp(buffer, length), SrtpStatus::ok);
      ASSERT_EQ(receiver->unprotect_rtp(std::span(buffer).first(length), length), SrtpStatus::ok);
    }
    EXPECT_EQ(g_allocations.load() - before, 0u);
  }
}

// Header privacy adds no allocation either: RFC 6904 over a one-byte block, and cryptex over a
// packet with CSRCs and an extension, both ways, AES-CM and GCM.
TEST(SrtpHotPath, NoHeapAllocationPerPacketWithHeaderPrivacy) {
  for (auto profile : {SrtpProfile::aes_cm_128_hmac_sha1_80, SrtpProfile::aead_aes_128_gcm}) {
    for (const bool cryptex : {false, true}) {
      SCOPED_TRACE(std::string(profile_info(profile).name) + (cryptex ? " cryptex" : " rfc6904"));
      const SrtpProfileInfo& info = profile_info(profile);
      const std::vector<uint8_t> key(info.master_key_length, 7), salt(info.master_salt_length, 9);
      SrtpConfig config = test::config_for(SrtpDirection::protect, profile, profile);
      if (cryptex) {
        config.cryptex = CryptexMode::required;
      } else {
        config.encrypted_header_extension_ids = {1};
      }
      auto sender = test::make_session(config, key, salt);
      config.direction = SrtpDirection::unprotect;
      auto receiver = test::make_session(config, key, salt);
      test::RtpSpec spec;
      spec.csrc_count = 2;
      spec.extension_words = 1;  // 10 aa 00 00: element 1 with one octet, then padding
      std::vector<uint8_t> buffer(1500);
      const auto round_trip = [&](uint16_t seq) {
        spec.sequence = seq;
        const auto plain = test::make_rtp(spec);
        std::copy(plain.begin(), plain.end(), buffer.begin());
        size_t length = plain.size();
        ASSERT_EQ(sender->protect_rtp(buffer, length), SrtpStatus::ok);
        ASSERT_EQ(receiver->unprotect_rtp(std::span(buffer).first(length), length), SrtpStatus::ok);
      };
      round_trip(0);  // creates the stream state: allocations allowed here
      const auto plain = test::make_rtp(spec);
      const uint64_t before = g_allocations.load();
      for (uint16_t seq = 1; seq < 1000; ++seq) {
        std::copy(plain.begin(), plain.end(), buffer.begin());
        buffer[2] = static_cast<uint8_t>(seq >> 8);
        buffer[3] = static_cast<uint8_t>(seq);
        size_t length = plain.size();
        ASSERT_EQ(sender->protect_rtp(buffer, length), SrtpStatus::ok);
        ASSERT_EQ(receiver->unprotect_rtp(std::span(buffer).first(length), length), SrtpStatus::ok);
      }
      EXPECT_EQ(g_allocations.load() - before, 0u);
      EXPECT_EQ(receiver->stats().rtp_packets_header_in_clear, 0u);
    }
  }
}

}  // namespace
}  // namespace secmedia
