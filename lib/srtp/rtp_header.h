// SPDX-License-Identifier: LGPL-2.1-or-later
// Bounds-checked views of RTP (RFC 3550 §5.1) and RTCP (RFC 3550 §6.4) headers. Nothing here reads
// past the length it is given.
#pragma once

#include <cstddef>
#include <cstdint>

namespace secmedia::detail {

inline constexpr size_t kRtpFixedHeaderLength = 12;
// RFC 3550 §5.3.1: 16-bit "defined by profile" field, 16-bit length in 32-bit words.
inline constexpr size_t kRtpExtensionHeaderLength = 4;

struct RtpHeaderView {
  size_t header_length;  // fixed header + CSRCs + header extension: where the payload starts
  uint16_t sequence;
  uint32_t ssrc;
  size_t csrc_count;
  bool has_extension;
  // Meaningful when has_extension: where the 4-octet extension header starts (right after the
  // CSRCs), its "defined by profile" value, and the octets of extension data after it.
  size_t extension_offset;
  uint16_t extension_profile;
  size_t extension_data_length;
};

// False when the packet is shorter than its own header says, or is not RTP version 2.
bool parse_rtp_header(const uint8_t* packet, size_t length, RtpHeaderView& view);

// RTCP: the first 8 octets (V=2, P, count, PT, length, sender SSRC) stay in clear in SRTCP (RFC
// 3711 §3.4).
inline constexpr size_t kRtcpHeaderLength = 8;
bool parse_rtcp_header(const uint8_t* packet, size_t length, uint32_t& ssrc);

}  // namespace secmedia::detail
