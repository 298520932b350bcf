// SPDX-License-Identifier: LGPL-2.1-or-later
#include "rtp_header.h"

#include "byte_order.h"

namespace secmedia::detail {

namespace {
constexpr uint8_t kRtpVersion = 2;
}  // namespace

bool parse_rtp_header(const uint8_t* packet, size_t length, RtpHeaderView& view) {
  if (length < kRtpFixedHeaderLength || (packet[0] >> 6) != kRtpVersion) return false;
  const size_t csrc_count = packet[0] & 0x0f;
  const bool has_extension = (packet[0] & 0x10) != 0;
  size_t header_length = kRtpFixedHeaderLength + 4 * csrc_count;
  view.csrc_count = csrc_count;
  view.has_extension = has_extension;
  view.extension_offset = header_length;
  view.extension_profile = 0;
  view.extension_data_length = 0;
  if (has_extension) {
    // RFC 3550 §5.3.1: 16-bit profile-defined id, 16-bit length in 32-bit words, then the words.
    if (length < header_length + kRtpExtensionHeaderLength) return false;
    view.extension_profile = load_be16(packet + header_length);
    view.extension_data_length = 4 * size_t{load_be16(packet + header_length + 2)};
    header_length += kRtpExtensionHeaderLength + view.extension_data_length;
  }
  if (header_length > length) return false;
  view.header_length = header_length;
  view.sequence = load_be16(packet + 2);
  view.ssrc = load_be32(packet + 8);
  return true;
}

bool parse_rtcp_header(const uint8_t* packet, size_t length, uint32_t& ssrc) {
  if (length < kRtcpHeaderLength || (packet[0] >> 6) != kRtpVersion) return false;
  ssrc = load_be32(packet + 4);
  return true;
}

}  // namespace secmedia::detail
