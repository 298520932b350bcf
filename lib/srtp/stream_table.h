// SPDX-License-Identifier: LGPL-2.1-or-later
// Per-SSRC state of one session, capped in number. Lookup, use and eviction are O(1): the streams
// sit in a list from least to most recently used, threaded through the states themselves (the
// map's nodes never move, so the links stay valid across rehashes), and marking a stream used
// relinks it without allocating. Eviction only happens when a new stream is admitted at the cap
// (on unprotect that needs an authenticated packet, which an attacker without the key cannot
// make).
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>

#include "replay_window.h"

namespace secmedia::detail {

struct StreamState {
  StreamState(uint32_t stream_ssrc, size_t replay_window_size, bool track_srtcp_replay)
      : ssrc(stream_ssrc),
        rtp_window(replay_window_size),
        srtcp_window(track_srtcp_replay ? ReplayWindow(replay_window_size) : ReplayWindow()) {}

  // What every SRTP packet reads or writes comes first, together, so that a packet of one stream
  // among thousands touches as few cache lines as it can (issue 15); SRTCP's state follows.
  uint32_t ssrc;
  // ROC for the first packet when set out of band before any packet.
  uint32_t initial_rollover_counter = 0;
  // SRTP: highest authenticated index = ROC << 16 | s_l (RFC 3711 §3.3.1), plus the replay history.
  ReplayWindow rtp_window;
  uint64_t rtp_packets = 0;
  // Neighbours in the table's use order (nullptr at either end); only StreamTable touches them.
  StreamState* less_recent = nullptr;
  StreamState* more_recent = nullptr;

  // SRTCP, unprotect: highest index and replay history. Empty (no storage) on protect.
  ReplayWindow srtcp_window;
  // SRTCP, protect: index of the next packet (RFC 3711 §3.4).
  uint32_t next_srtcp_index = 0;
  uint64_t rtcp_packets = 0;
  uint64_t replay_drops = 0;
};

class StreamTable {
 public:
  StreamTable(size_t max_streams, size_t replay_window_size, bool track_srtcp_replay);

  StreamState* find(uint32_t ssrc) {
    auto it = streams_.find(ssrc);
    return it == streams_.end() ? nullptr : &it->second;
  }
  const StreamState* find(uint32_t ssrc) const {
    auto it = streams_.find(ssrc);
    return it == streams_.end() ? nullptr : &it->second;
  }
  // Creates the state for `ssrc`, evicting the least recently used stream when at the cap.
  StreamState& insert(uint32_t ssrc);
  // Drops the state of `ssrc`, if any.
  void erase(uint32_t ssrc);
  // Marks a stream used now, for eviction order.
  void touch(StreamState& stream) {
    if (&stream == most_recent_) return;
    unlink(stream);
    append(stream);
  }

  size_t size() const { return streams_.size(); }
  uint64_t evicted() const { return evicted_; }
  const std::unordered_map<uint32_t, StreamState>& all() const { return streams_; }

 private:
  void unlink(StreamState& stream);
  void append(StreamState& stream);

  std::unordered_map<uint32_t, StreamState> streams_;
  size_t max_streams_;
  size_t replay_window_size_;
  bool track_srtcp_replay_;
  StreamState* least_recent_ = nullptr;
  StreamState* most_recent_ = nullptr;
  uint64_t evicted_ = 0;
};

}  // namespace secmedia::detail
