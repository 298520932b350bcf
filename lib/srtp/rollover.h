// SPDX-License-Identifier: LGPL-2.1-or-later
// SRTP packet index estimation, RFC 3711 §3.3.1 and Appendix A.
#pragma once

#include <cstdint>
#include <optional>

namespace secmedia::detail {

// Given the highest authenticated index (ROC << 16 | s_l) and a received sequence number, the index
// the packet most likely has: the one closest to s_l. nullopt when that would be before index 0.
inline std::optional<uint64_t> estimate_srtp_index(uint64_t highest, uint16_t sequence) {
  const uint64_t roc = highest >> 16;
  const uint16_t s_l = static_cast<uint16_t>(highest);
  uint64_t v = roc;
  if (s_l < 32768) {
    if (sequence > s_l && sequence - s_l > 32768) {
      if (roc == 0) return std::nullopt;
      v = roc - 1;
    }
  } else if (s_l - 32768 > sequence) {
    v = roc + 1;
  }
  return v << 16 | sequence;
}

}  // namespace secmedia::detail
