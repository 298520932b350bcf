// SPDX-License-Identifier: LGPL-2.1-or-later
// Sliding replay window over packet indices (RFC 3711 §3.3.2). The 48-bit SRTP index and the 31-bit
// SRTCP index both fit in 64 bits. The window also remembers the highest index, which for SRTP is
// the rollover counter and s_l of RFC 3711 §3.3.1 in one number.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace secmedia::detail {

enum class ReplayVerdict : uint8_t { fresh, duplicate, too_old };

class ReplayWindow {
 public:
  ReplayWindow() = default;
  explicit ReplayWindow(size_t window_size);

  bool empty() const { return !started_; }
  uint64_t highest() const { return highest_; }

  // Checks only; state changes in accept(), after the packet authenticated (RFC 3711 §3.3.2).
  ReplayVerdict check(uint64_t index) const;
  void accept(uint64_t index);
  // Moves the highest index without a packet (ROC set out of band). Clears the history.
  void reset_highest(uint64_t index, bool started);

 private:
  bool test_bit(uint64_t index) const;
  void set_bit(uint64_t index);
  void clear_bit(uint64_t index);

  std::unique_ptr<uint64_t[]> bits_;  // ring of `ring_bits_` bits indexed by index % ring_bits_
  uint32_t window_size_ = 0;
  uint32_t ring_bits_ = 0;  // window_size_ rounded up to whole words
  uint64_t highest_ = 0;
  bool started_ = false;
};

}  // namespace secmedia::detail
