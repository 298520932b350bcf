// SPDX-License-Identifier: LGPL-2.1-or-later
// Builders for plain RTP and RTCP packets used across the tests.
#pragma once

#include <cstdint>
#include <vector>

namespace secmedia::test {

struct RtpSpec {
  uint32_t ssrc = 0x12345678;
  uint16_t sequence = 0;
  uint32_t timestamp = 0;
  uint8_t payload_type = 96;
  uint8_t csrc_count = 0;
  uint16_t extension_words =
      0;  // 0 = no header extension; otherwise one 0xBEDE block of that many words
  size_t payload_length = 160;
  uint8_t payload_seed = 0;
};

inline void put32(std::vector<uint8_t>& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}

inline std::vector<uint8_t> make_rtp(const RtpSpec& spec) {
  std::vector<uint8_t> out;
  out.push_back(static_cast<uint8_t>(0x80 | (spec.extension_words ? 0x10 : 0) | spec.csrc_count));
  out.push_back(spec.payload_type & 0x7f);
  out.push_back(static_cast<uint8_t>(spec.sequence >> 8));
  out.push_back(static_cast<uint8_t>(spec.sequence));
  put32(out, spec.timestamp);
  put32(out, spec.ssrc);
  for (uint32_t i = 0; i < spec.csrc_count; ++i) put32(out, 0xc0000000 + i);
  if (spec.extension_words) {
    out.push_back(0xbe);
    out.push_back(0xde);
    out.push_back(static_cast<uint8_t>(spec.extension_words >> 8));
    out.push_back(static_cast<uint8_t>(spec.extension_words));
    for (uint32_t i = 0; i < spec.extension_words; ++i) put32(out, 0x10aa0000 + i);
  }
  for (size_t i = 0; i < spec.payload_length; ++i) {
    out.push_back(static_cast<uint8_t>(spec.payload_seed + i * 7 + spec.sequence));
  }
  return out;
}

// A sender report with `extra_words` of report body after the sender SSRC.
inline std::vector<uint8_t> make_rtcp(uint32_t ssrc, uint16_t extra_words = 6, uint8_t seed = 0) {
  // RFC 3550 §6.4.1: the length field counts 32-bit words minus one.
  const uint16_t length_field = static_cast<uint16_t>(extra_words + 1);
  std::vector<uint8_t> out{0x80, 200, static_cast<uint8_t>(length_field >> 8),
                           static_cast<uint8_t>(length_field)};
  put32(out, ssrc);
  for (uint32_t i = 0; i < extra_words; ++i) put32(out, 0x01020304u * (i + 1) + seed);
  return out;
}

}  // namespace secmedia::test
