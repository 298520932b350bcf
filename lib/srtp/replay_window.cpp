// SPDX-License-Identifier: LGPL-2.1-or-later
#include "replay_window.h"

#include <algorithm>

namespace secmedia::detail {

ReplayWindow::ReplayWindow(size_t window_size)
    : window_size_(static_cast<uint32_t>(window_size)),
      ring_bits_(static_cast<uint32_t>((window_size + 63) / 64 * 64)) {
  if (ring_bits_ / 64 > kInlineWords) heap_bits_ = std::make_unique<uint64_t[]>(ring_bits_ / 64);
}

bool ReplayWindow::test_bit(uint64_t index) const {
  const uint64_t slot = index % ring_bits_;
  return (words()[slot / 64] >> (slot % 64)) & 1;
}

void ReplayWindow::set_bit(uint64_t index) {
  const uint64_t slot = index % ring_bits_;
  words()[slot / 64] |= uint64_t{1} << (slot % 64);
}

void ReplayWindow::clear_bit(uint64_t index) {
  const uint64_t slot = index % ring_bits_;
  words()[slot / 64] &= ~(uint64_t{1} << (slot % 64));
}

void ReplayWindow::clear_all() {
  std::fill_n(words(), ring_bits_ / 64, 0);
}

ReplayVerdict ReplayWindow::check(uint64_t index) const {
  if (!started_ || index > highest_) return ReplayVerdict::fresh;
  if (highest_ - index >= window_size_) return ReplayVerdict::too_old;
  return test_bit(index) ? ReplayVerdict::duplicate : ReplayVerdict::fresh;
}

void ReplayWindow::accept(uint64_t index) {
  if (!started_) {
    clear_all();
    started_ = true;
    highest_ = index;
  } else if (index > highest_) {
    const uint64_t advance = index - highest_;
    if (advance >= ring_bits_) {
      clear_all();
    } else {
      // The slots of the indices we skip now belong to indices that fell out of the ring.
      for (uint64_t skipped = highest_ + 1; skipped < index; ++skipped) clear_bit(skipped);
    }
    highest_ = index;
  }
  set_bit(index);
}

void ReplayWindow::reset_highest(uint64_t index, bool started) {
  clear_all();
  highest_ = index;
  started_ = started;
  if (started) set_bit(index);
}

}  // namespace secmedia::detail
