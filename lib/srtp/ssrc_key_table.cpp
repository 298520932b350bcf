// SPDX-License-Identifier: LGPL-2.1-or-later
#include "ssrc_key_table.h"

#include <algorithm>

namespace secmedia {

SsrcKeys& SsrcKeyTable::insert(uint32_t ssrc, SsrcKeys entry) {
  if (auto it = entries_.find(ssrc); it != entries_.end()) {
    it->second = std::move(entry);
    touch(it->second);
    return it->second;
  }
  if (entries_.size() >= max_entries_) {
    // Only keys the application gave and SSRCs that authenticated get here, never a forged SSRC:
    // like the core's stream table, the cap only bounds what legitimate churn leaves behind.
    auto oldest = entries_.begin();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->second.last_used < oldest->second.last_used) oldest = it;
    }
    entries_.erase(oldest);
  }
  SsrcKeys& added = entries_.emplace(ssrc, std::move(entry)).first->second;
  touch(added);
  return added;
}

void SsrcKeyTable::erase(uint32_t ssrc) {
  auto it = entries_.find(ssrc);
  if (it == entries_.end()) return;
  entries_.erase(it);
}

void SsrcKeyTable::clear() {
  entries_.clear();
}

SrtpSession* TrialSessions::get(const SrtpSsrcKeys& keys, const SrtpConfig& config, uint32_t ssrc,
                                std::string* why) {
  const std::optional<uint32_t> preset_ssrc =
      keys.roc ? std::optional<uint32_t>(ssrc) : std::nullopt;
  for (Trial& trial : trials_) {
    // A session tried before holds no stream state (nothing authenticated on it), except the ROC
    // preset for one SSRC: it serves any SSRC with the same template, or that one.
    if (trial.preset_ssrc == preset_ssrc && trial.keys.same_as(keys) &&
        trial.keys.roc == keys.roc && same_session_config(trial.session->config(), config)) {
      trial.last_used = ++clock_;
      return trial.session.get();
    }
  }
  auto session = SrtpSession::create(config, why);
  if (!session) return nullptr;
  for (const auto& key : keys.keys) {
    const SrtpStatus status = session->add_master_key(key.key, key.salt, key.mki);
    if (status != SrtpStatus::ok) {
      if (why) *why = to_string(status);
      return nullptr;
    }
  }
  if (keys.roc) session->set_rollover_counter(ssrc, *keys.roc);
  if (trials_.size() >= kSrtpMaxTrialSessions) {
    auto oldest =
        std::min_element(trials_.begin(), trials_.end(),
                         [](const auto& a, const auto& b) { return a.last_used < b.last_used; });
    retire_(*oldest->session);
    trials_.erase(oldest);
  }
  trials_.push_back({keys, preset_ssrc, std::move(session), ++clock_});
  return trials_.back().session.get();
}

std::unique_ptr<SrtpSession> TrialSessions::take(SrtpSession* session) {
  for (auto it = trials_.begin(); it != trials_.end(); ++it) {
    if (it->session.get() == session) {
      std::unique_ptr<SrtpSession> taken = std::move(it->session);
      trials_.erase(it);
      return taken;
    }
  }
  return nullptr;
}

void TrialSessions::clear() {
  for (Trial& trial : trials_) retire_(*trial.session);
  trials_.clear();
}

std::vector<const SrtpSession*> TrialSessions::sessions() const {
  std::vector<const SrtpSession*> result;
  result.reserve(trials_.size());
  for (const Trial& trial : trials_) result.push_back(trial.session.get());
  return result;
}

}  // namespace secmedia
