// SPDX-License-Identifier: LGPL-2.1-or-later
// RTP/RTCP header parsing (RFC 3550 §5.1, §5.3.1): every length is checked, nothing is read past
// the end.
#include <gtest/gtest.h>

#include <vector>

#include "packets.h"
#include "rtp_header.h"

namespace secmedia::detail {
namespace {

TEST(RtpHeader, CsrcsAndExtensionMoveThePayload) {
  test::RtpSpec spec;
  spec.csrc_count = 3;
  spec.extension_words = 2;
  spec.sequence = 4242;
  spec.ssrc = 0xabcdef01;
  const auto packet = test::make_rtp(spec);
  RtpHeaderView view{};
  ASSERT_TRUE(parse_rtp_header(packet.data(), packet.size(), view));
  EXPECT_EQ(view.header_length, 12u + 12 + 4 + 8);
  EXPECT_EQ(view.sequence, 4242);
  EXPECT_EQ(view.ssrc, 0xabcdef01u);
}

TEST(RtpHeader, RejectsEveryTruncationOfTheHeader) {
  test::RtpSpec spec;
  spec.csrc_count = 2;
  spec.extension_words = 3;
  spec.payload_length = 0;
  const auto packet = test::make_rtp(spec);
  for (size_t length = 0; length < packet.size(); ++length) {
    // Exact-size copies so that a sanitizer sees any read past the end.
    std::vector<uint8_t> truncated(packet.begin(), packet.begin() + static_cast<long>(length));
    RtpHeaderView view{};
    EXPECT_FALSE(parse_rtp_header(truncated.data(), truncated.size(), view)) << length;
  }
  RtpHeaderView view{};
  EXPECT_TRUE(parse_rtp_header(packet.data(), packet.size(), view));
}

TEST(RtpHeader, RejectsOtherVersionsAndExtensionLengthPastTheEnd) {
  auto packet = test::make_rtp({});
  RtpHeaderView view{};
  packet[0] = static_cast<uint8_t>((packet[0] & 0x3f) | 0x40);  // version 1
  EXPECT_FALSE(parse_rtp_header(packet.data(), packet.size(), view));

  test::RtpSpec spec;
  spec.extension_words = 1;
  spec.payload_length = 0;
  packet = test::make_rtp(spec);
  packet[14] = 0xff;  // extension length 0xff01 words
  EXPECT_FALSE(parse_rtp_header(packet.data(), packet.size(), view));
}

TEST(RtcpHeader, NeedsEightOctetsOfVersionTwo) {
  const auto packet = test::make_rtcp(0x01020304, 0);
  uint32_t ssrc = 0;
  ASSERT_TRUE(parse_rtcp_header(packet.data(), packet.size(), ssrc));
  EXPECT_EQ(ssrc, 0x01020304u);
  EXPECT_FALSE(parse_rtcp_header(packet.data(), 7, ssrc));
  auto bad = packet;
  bad[0] = 0x00;
  EXPECT_FALSE(parse_rtcp_header(bad.data(), bad.size(), ssrc));
}

}  // namespace
}  // namespace secmedia::detail
