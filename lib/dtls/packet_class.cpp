// SPDX-License-Identifier: LGPL-2.1-or-later
// The RFC 7983 §7 first-byte demultiplexer every element and the engine share.
#include "secmedia/dtls.h"

namespace secmedia {

PacketClass classify_packet(std::span<const uint8_t> packet) {
  if (packet.empty()) return PacketClass::unknown;
  const uint8_t first = packet[0];
  // RFC 7983 §7, in the order of its figure.
  if (first <= 3) return PacketClass::stun;
  if (first >= 16 && first <= 19) return PacketClass::zrtp;
  if (first >= 20 && first <= 63) return PacketClass::dtls;
  if (first >= 64 && first <= 79) return PacketClass::turn_channel;
  if (first >= 128 && first <= 191) return PacketClass::rtp;
  return PacketClass::unknown;
}

const char* to_string(PacketClass packet_class) {
  switch (packet_class) {
    case PacketClass::stun:
      return "STUN";
    case PacketClass::zrtp:
      return "ZRTP";
    case PacketClass::dtls:
      return "DTLS";
    case PacketClass::turn_channel:
      return "TURN channel";
    case PacketClass::rtp:
      return "RTP/RTCP";
    case PacketClass::unknown:
      break;
  }
  return "unknown";
}

}  // namespace secmedia
