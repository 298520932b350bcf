// SPDX-License-Identifier: LGPL-2.1-or-later
// The key ring's keys per SSRC, with memory bounded whatever a sender forges (srtp_keyring.h).
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

namespace secmedia {

// Called with a session that goes away, so that its counters are kept in the totals.
using RetireSession = std::function<void(const SrtpSession&)>;

struct SsrcKeys {
  SrtpSsrcKeys keys;  // the template
  // Set when a packet of the SSRC authenticated with `keys`; null until then. Shared by every SSRC
  // whose keys are the same template (each is a stream inside it); its deleter keeps its counters.
  std::shared_ptr<SrtpSession> session;
  uint64_t last_used = 0;
};

class SsrcKeyTable {
 public:
  explicit SsrcKeyTable(size_t max_entries) : max_entries_(max_entries) {}

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
  const std::unordered_map<uint32_t, SsrcKeys>& all() const { return entries_; }

 private:
  std::unordered_map<uint32_t, SsrcKeys> entries_;
  size_t max_entries_;
  uint64_t clock_ = 0;
};

class TrialSessions {
 public:
  explicit TrialSessions(RetireSession retire) : retire_(std::move(retire)) {}

  // The session to try a packet of `ssrc` on, keyed with `keys` under `config`: a kept one, or a
  // new one (which has the template's ROC for `ssrc`, RFC 3711 §3.3.1). nullptr and `why` when the
  // core refuses the config or a key.
  SrtpSession* get(const SrtpSsrcKeys& keys, const SrtpConfig& config, uint32_t ssrc,
                   std::string* why);
  // Hands over `session` (from get()) once a packet authenticated with it: it becomes the SSRC's.
  std::unique_ptr<SrtpSession> take(SrtpSession* session);
  void clear();
  std::vector<const SrtpSession*> sessions() const;

 private:
  struct Trial {
    SrtpSsrcKeys keys;
    // The SSRC whose ROC the session was given (the template has a `roc`): only for that SSRC.
    std::optional<uint32_t> preset_ssrc;
    std::unique_ptr<SrtpSession> session;
    uint64_t last_used = 0;
  };
  std::vector<Trial> trials_;
  RetireSession retire_;
  uint64_t clock_ = 0;
};

}  // namespace secmedia
