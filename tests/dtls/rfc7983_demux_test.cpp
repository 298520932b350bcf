// SPDX-License-Identifier: LGPL-2.1-or-later
// RFC 7983 §7: the first byte of a packet on a shared transport says what it carries. Every range
// of the figure, its edges, and the bytes no range claims; classify_packet is what dtlsdec,
// dtlssrtpdemux and the DTLS engine use.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "secmedia/dtls.h"

namespace secmedia {
namespace {

PacketClass of_first_byte(int first) {
  const uint8_t packet[] = {static_cast<uint8_t>(first), 0, 0, 0};
  return classify_packet(packet);
}

TEST(Rfc7983Section7, EveryFirstByteFallsInItsRange) {
  for (int b = 0; b <= 255; ++b) {
    PacketClass expected = PacketClass::unknown;
    if (b <= 3) expected = PacketClass::stun;
    if (b >= 16 && b <= 19) expected = PacketClass::zrtp;
    if (b >= 20 && b <= 63) expected = PacketClass::dtls;
    if (b >= 64 && b <= 79) expected = PacketClass::turn_channel;
    if (b >= 128 && b <= 191) expected = PacketClass::rtp;
    EXPECT_EQ(of_first_byte(b), expected) << "first byte " << b;
  }
}

TEST(Rfc7983Section7, RangeEdges) {
  EXPECT_EQ(of_first_byte(3), PacketClass::stun);
  EXPECT_EQ(of_first_byte(4), PacketClass::unknown);
  EXPECT_EQ(of_first_byte(15), PacketClass::unknown);
  EXPECT_EQ(of_first_byte(16), PacketClass::zrtp);
  EXPECT_EQ(of_first_byte(19), PacketClass::zrtp);
  EXPECT_EQ(of_first_byte(20), PacketClass::dtls);  // change_cipher_spec
  EXPECT_EQ(of_first_byte(22), PacketClass::dtls);  // handshake
  EXPECT_EQ(of_first_byte(63), PacketClass::dtls);
  EXPECT_EQ(of_first_byte(64), PacketClass::turn_channel);
  EXPECT_EQ(of_first_byte(79), PacketClass::turn_channel);
  EXPECT_EQ(of_first_byte(80), PacketClass::unknown);
  EXPECT_EQ(of_first_byte(127), PacketClass::unknown);
  EXPECT_EQ(of_first_byte(128), PacketClass::rtp);  // RTP version 2
  EXPECT_EQ(of_first_byte(191), PacketClass::rtp);
  EXPECT_EQ(of_first_byte(192), PacketClass::unknown);
  EXPECT_EQ(of_first_byte(255), PacketClass::unknown);
}

TEST(Rfc7983Section7, AnEmptyPacketIsDropped) {
  EXPECT_EQ(classify_packet({}), PacketClass::unknown);
}

}  // namespace
}  // namespace secmedia
