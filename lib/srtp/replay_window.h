// SPDX-License-Identifier: LGPL-2.1-or-later
// Sliding replay window over packet indices (RFC 3711 §3.3.2). The 48-bit SRTP index and the 31-bit
// SRTCP index both fit in 64 bits. The window also remembers the highest index, which for SRTP is
// the rollover counter and s_l of RFC 3711 §3.3.1 in one number.
#pragma once

#include <array>
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
  // A window of up to this many words (the 128-packet default of srtpenc and srtpdec, and
  // gst-plugins-bad's) keeps its bits inside the object: with 10,000 streams each packet then misses
  // the cache once less than with the bits in an allocation of their own (issue 15).
  static constexpr uint32_t kInlineWords = 2;

  bool test_bit(uint64_t index) const;
  void set_bit(uint64_t index);
  void clear_bit(uint64_t index);
  void clear_all();
  uint64_t* words() { return heap_bits_ ? heap_bits_.get() : inline_bits_.data(); }
  const uint64_t* words() const { return heap_bits_ ? heap_bits_.get() : inline_bits_.data(); }

  // The ring of `ring_bits_` bits indexed by index % ring_bits_: inline, or allocated when longer.
  std::array<uint64_t, kInlineWords> inline_bits_{};
  std::unique_ptr<uint64_t[]> heap_bits_;
  uint32_t window_size_ = 0;
  uint32_t ring_bits_ = 0;  // window_size_ rounded up to whole words
  uint64_t highest_ = 0;
  bool started_ = false;
};

}  // namespace secmedia::detail
