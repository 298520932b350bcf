#include "stream_table.h"

namespace secmedia::detail {

StreamTable::StreamTable(size_t max_streams, size_t replay_window_size, bool track_srtcp_replay)
    : max_streams_(max_streams),
      replay_window_size_(replay_window_size),
      track_srtcp_replay_(track_srtcp_replay) {}

StreamState& StreamTable::insert(uint32_t ssrc) {
  if (streams_.size() >= max_streams_) {
    auto oldest = streams_.begin();
    for (auto it = streams_.begin(); it != streams_.end(); ++it) {
      if (it->second.last_used < oldest->second.last_used) oldest = it;
    }
    streams_.erase(oldest);
    ++evicted_;
  }
  auto [it, inserted] = streams_.try_emplace(ssrc, replay_window_size_, track_srtcp_replay_);
  touch(it->second);
  return it->second;
}

}  // namespace secmedia::detail
