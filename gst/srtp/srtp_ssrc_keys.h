// srtpdec's keys per SSRC, with memory bounded whatever a sender forges.
//
// A key the application gives for an SSRC (caps, request-key, soft-limit, hard-limit) is held as a
// template: profiles, key material, rollover counter, header privacy (CapsKeys). The session that
// unprotects the SSRC, with its stream state (RFC 3711 §3.3.1 ROC, §3.3.2 replay window), is made
// only when a packet of that SSRC authenticates with the template, as the core creates a stream
// only after authentication (docs/srtp-core.md, Streams and memory). Until then a packet is tried
// on a trial session made from the template; a few trial sessions are kept for the next packet
// with the same template, so a flood of forged SSRCs neither allocates nor derives keys per packet.
// The table of SSRCs is capped like the core's stream table: at the cap, the SSRC idle the longest
// is evicted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "secmedia/srtp.h"
#include "secmedia/srtp_keyring.h"
#include "srtp_caps.h"

namespace secmedia::gst {

// SSRCs with keys of their own; the core's default SrtpConfig::max_streams.
inline constexpr size_t kMaxSsrcKeys = 1024;
// Templates whose trial session is kept: the usual answers (one key for every SSRC, the caps key of
// a few SSRCs) need one or two.
inline constexpr size_t kMaxTrialSessions = 4;

// Called with a session that goes away, so that its counters are kept in the element's totals.
using RetireSession = std::function<void(SrtpSession&)>;

struct SsrcKeys {
  CapsKeys keys;             // the template
  bool passthrough = false;  // all four ciphers and auths null: packets pass unchanged
  // Made when a packet of the SSRC authenticated with `keys`; null until then.
  std::unique_ptr<SrtpSession> session;
  uint64_t last_used = 0;
};

class SsrcKeyTable {
 public:
  SsrcKeyTable(size_t max_entries, RetireSession retire)
      : max_entries_(max_entries), retire_(std::move(retire)) {}

  SsrcKeys* find(uint32_t ssrc) {
    auto it = entries_.find(ssrc);
    return it == entries_.end() ? nullptr : &it->second;
  }
  // Marks an entry used now, for eviction order.
  void touch(SsrcKeys& entry) { entry.last_used = ++clock_; }
  // Sets the entry of `ssrc`; a new SSRC at the cap evicts the one idle the longest.
  SsrcKeys& insert(uint32_t ssrc, SsrcKeys entry);
  void erase(uint32_t ssrc);
  void clear();

  size_t size() const { return entries_.size(); }
  uint64_t evicted() const { return evicted_; }
  const std::unordered_map<uint32_t, SsrcKeys>& all() const { return entries_; }

 private:
  std::unordered_map<uint32_t, SsrcKeys> entries_;
  size_t max_entries_;
  RetireSession retire_;
  uint64_t clock_ = 0;
  uint64_t evicted_ = 0;
};

class TrialSessions {
 public:
  explicit TrialSessions(RetireSession retire) : retire_(std::move(retire)) {}

  // The session to try a packet of `ssrc` on, keyed with `keys` under `config`: a kept one, or a
  // new one (which has the template's ROC for `ssrc`, RFC 3711 §3.3.1). nullptr and `why` when the
  // core refuses the config or a key.
  SrtpSession* get(const CapsKeys& keys, const SrtpConfig& config, uint32_t ssrc, std::string* why);
  // Hands over `session` (from get()) once a packet authenticated with it: it becomes the SSRC's.
  std::unique_ptr<SrtpSession> take(SrtpSession* session);
  void clear();
  // Every kept trial session (for their drop counters).
  std::vector<const SrtpSession*> sessions() const;

 private:
  struct Trial {
    CapsKeys keys;
    // The SSRC whose ROC the session was given (the template has a `roc`): only for that SSRC.
    std::optional<uint32_t> preset_ssrc;
    std::unique_ptr<SrtpSession> session;
    uint64_t last_used = 0;
  };
  std::vector<Trial> trials_;
  RetireSession retire_;
  uint64_t clock_ = 0;
};

}  // namespace secmedia::gst
