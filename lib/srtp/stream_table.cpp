// SPDX-License-Identifier: LGPL-2.1-or-later
#include "stream_table.h"

namespace secmedia::detail {

StreamTable::StreamTable(size_t max_streams, size_t replay_window_size, bool track_srtcp_replay)
    : max_streams_(max_streams),
      replay_window_size_(replay_window_size),
      track_srtcp_replay_(track_srtcp_replay) {
  streams_.max_load_factor(1.0f);
}

StreamState& StreamTable::insert(uint32_t ssrc) {
  if (streams_.size() >= max_streams_ && least_recent_ != nullptr) {
    StreamState& oldest = *least_recent_;
    unlink(oldest);
    streams_.erase(oldest.ssrc);
    ++evicted_;
  }
  auto [it, inserted] = streams_.try_emplace(ssrc, ssrc, replay_window_size_, track_srtcp_replay_);
  if (inserted) {
    append(it->second);
  } else {
    touch(it->second);
  }
  return it->second;
}

void StreamTable::erase(uint32_t ssrc) {
  auto it = streams_.find(ssrc);
  if (it == streams_.end()) return;
  unlink(it->second);
  streams_.erase(it);
}

void StreamTable::unlink(StreamState& stream) {
  (stream.less_recent ? stream.less_recent->more_recent : least_recent_) = stream.more_recent;
  (stream.more_recent ? stream.more_recent->less_recent : most_recent_) = stream.less_recent;
  stream.less_recent = stream.more_recent = nullptr;
}

void StreamTable::append(StreamState& stream) {
  stream.less_recent = most_recent_;
  stream.more_recent = nullptr;
  (most_recent_ ? most_recent_->more_recent : least_recent_) = &stream;
  most_recent_ = &stream;
}

}  // namespace secmedia::detail
