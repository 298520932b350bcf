// SPDX-License-Identifier: LGPL-2.1-or-later
#include "secmedia/srtp_keyring.h"

#include <openssl/crypto.h>

#include <unordered_set>

#include "ssrc_key_table.h"

namespace secmedia {

void accumulate_stats(SrtpStats& into, const SrtpStats& from) {
  into.rtp_packets += from.rtp_packets;
  into.rtcp_packets += from.rtcp_packets;
  into.rtp_octets += from.rtp_octets;
  into.rtcp_octets += from.rtcp_octets;
  into.rtp_packets_cryptex += from.rtp_packets_cryptex;
  into.rtp_packets_encrypted_extensions += from.rtp_packets_encrypted_extensions;
  into.rtp_packets_header_in_clear += from.rtp_packets_header_in_clear;
  for (size_t i = 0; i < into.rtp_drops.size(); ++i) {
    into.rtp_drops[i] += from.rtp_drops[i];
    into.rtcp_drops[i] += from.rtcp_drops[i];
  }
  into.streams_evicted += from.streams_evicted;
}

bool same_session_config(const SrtpConfig& a, const SrtpConfig& b) {
  return a.direction == b.direction && a.rtp_profile == b.rtp_profile &&
         a.rtcp_profile == b.rtcp_profile && a.encrypt_rtcp == b.encrypt_rtcp &&
         a.mki_length == b.mki_length && a.key_derivation_rate == b.key_derivation_rate &&
         a.replay_window_size == b.replay_window_size && a.allow_repeat_tx == b.allow_repeat_tx &&
         a.max_streams == b.max_streams && a.srtp_key_lifetime == b.srtp_key_lifetime &&
         a.srtcp_key_lifetime == b.srtcp_key_lifetime &&
         a.soft_limit_margin == b.soft_limit_margin &&
         a.encrypted_header_extension_ids == b.encrypted_header_extension_ids &&
         a.cryptex == b.cryptex;
}

std::unique_ptr<SrtpSession> continue_session(const SrtpConfig& config, const SrtpSession* previous,
                                              std::string* why) {
  auto session = SrtpSession::create(config, why);
  if (!session || !previous) return session;
  const bool protect = config.direction == SrtpDirection::protect;
  for (const SrtpStreamInfo& stream : previous->streams()) {
    // RFC 3711 §3.3.1: the ROC counts the stream's sequence number wraps; a new key continues it.
    session->set_rollover_counter(stream.ssrc, stream.rollover_counter);
    // RFC 3711 §3.4: the SRTCP index counts the stream's SRTCP packets; on protect it carries on,
    // so no index, and no keystream, is used twice.
    if (protect) session->set_next_srtcp_index(stream.ssrc, stream.srtcp_index);
  }
  return session;
}

void SrtpHeaderPrivacy::apply(SrtpConfig& config) const {
  if (encrypted_header_ids) config.encrypted_header_extension_ids = *encrypted_header_ids;
  if (cryptex) config.cryptex = *cryptex;
}

bool SrtpSsrcKeys::same_as(const SrtpSsrcKeys& other) const {
  if (rtp_profile != other.rtp_profile || rtcp_profile != other.rtcp_profile ||
      keys.size() != other.keys.size() || !(header_privacy == other.header_privacy)) {
    return false;
  }
  for (size_t i = 0; i < keys.size(); ++i) {
    if (keys[i].key != other.keys[i].key || keys[i].salt != other.keys[i].salt ||
        keys[i].mki != other.keys[i].mki) {
      return false;
    }
  }
  return true;
}

SrtpSsrcKeys::~SrtpSsrcKeys() {
  for (auto& k : keys) {
    if (!k.key.empty()) OPENSSL_cleanse(k.key.data(), k.key.size());
    if (!k.salt.empty()) OPENSSL_cleanse(k.salt.data(), k.salt.size());
  }
}

// SSRCs whose keys are the same template (profiles, keys, MKIs, header privacy) under the same
// settings share one session, each a stream inside it: 10,000 SSRCs keyed alike by request-key cost
// one session, not one each (issue 15).
struct SharedSession {
  SrtpSsrcKeys keys;  // the template, its ROC aside
  std::weak_ptr<SrtpSession> session;
};

struct SrtpKeyring::SsrcState {
  SrtpKeyring& ring;
  SsrcKeyTable table;
  TrialSessions trials;
  // One per template with a session; few in practice (one key for all SSRCs, or a few caps keys).
  std::vector<SharedSession> shared;
  explicit SsrcState(SrtpKeyring& r)
      : ring(r), table(kSrtpMaxSsrcKeys), trials([&r](const SrtpSession& s) { r.retire(s); }) {}

  // The session SSRCs with `keys` under `config` share, or null.
  std::shared_ptr<SrtpSession> find_shared(const SrtpSsrcKeys& keys, const SrtpConfig& config) {
    std::shared_ptr<SrtpSession> found;
    std::erase_if(shared, [&](const SharedSession& s) {
      std::shared_ptr<SrtpSession> session = s.session.lock();
      if (!session) return true;
      if (!found && s.keys.same_as(keys) && same_session_config(session->config(), config)) {
        found = std::move(session);
      }
      return false;
    });
    return found;
  }
  std::shared_ptr<SrtpSession> owner_of(const SrtpSession* raw) {
    for (const SharedSession& s : shared) {
      std::shared_ptr<SrtpSession> session = s.session.lock();
      if (session.get() == raw) return session;
    }
    return nullptr;
  }
  // Makes `owned` a session SSRCs with `keys` share; its counters are kept when the last goes.
  std::shared_ptr<SrtpSession> share(std::unique_ptr<SrtpSession> owned, const SrtpSsrcKeys& keys) {
    SrtpKeyring* keyring = &ring;
    std::shared_ptr<SrtpSession> session(owned.release(), [keyring](SrtpSession* s) {
      keyring->retire(*s);
      delete s;
    });
    SharedSession entry{keys, session};
    entry.keys.roc.reset();
    shared.push_back(std::move(entry));
    return session;
  }
};

SrtpKeyring::SrtpKeyring(SrtpDirection direction)
    : direction_(direction), ssrc_(std::make_unique<SsrcState>(*this)) {}

// The shared sessions' deleters write retired_: they go first.
SrtpKeyring::~SrtpKeyring() {
  ssrc_.reset();
}

SrtpConfig SrtpKeyring::config_for(const SrtpKeyingMaterial& value,
                                   const SrtpConfig& settings) const {
  SrtpConfig config = settings;
  config.direction = direction_;
  config.rtp_profile = value.profile;
  config.rtcp_profile = value.rtcp_profile;
  config.mki_length = value.mki.size();
  return config;
}

bool SrtpKeyring::key_into(std::unique_ptr<SrtpSession>& slot, const SrtpConfig& config,
                           const SrtpKeyingMaterial& value, const SrtpSession* carry,
                           std::string* why) {
  if (slot && same_session_config(slot->config(), config)) {
    slot->clear_master_keys();
  } else {
    std::unique_ptr<SrtpSession> fresh = continue_session(config, carry, why);
    if (slot) retire(*slot);
    slot = std::move(fresh);
    if (!slot) return false;
  }
  const bool protect = direction_ == SrtpDirection::protect;
  const SrtpStatus status =
      slot->add_master_key(protect ? value.local_key : value.remote_key,
                           protect ? value.local_salt : value.remote_salt, value.mki);
  if (status != SrtpStatus::ok) {
    // Not reachable for a valid() value; never leave a session without keys.
    if (why) *why = std::string("the key does not fit the profile: ") + to_string(status);
    retire(*slot);
    slot.reset();
    return false;
  }
  return true;
}

SrtpKeyring::Result SrtpKeyring::install(const SrtpKeyingMaterial& value,
                                         const SrtpConfig& settings, std::string* why) {
  const SrtpConfig config = config_for(value, settings);
  if (session_ && value_ && *value_ == value && same_session_config(session_->config(), config)) {
    return Result::unchanged;
  }
  value_.reset();
  if (!value.valid()) {
    if (why) *why = "the key value does not fit its profiles";
    if (session_) retire(*session_);
    session_.reset();
    return Result::refused;
  }
  if (!key_into(session_, config, value, session_.get(), why)) return Result::refused;
  value_ = value;
  if (value.generation > last_generation_) last_generation_ = value.generation;
  ++epoch_;
  return Result::keyed;
}

bool SrtpKeyring::key_session(std::unique_ptr<SrtpSession>& slot, const SrtpConfig& settings,
                              const SrtpSession* carry, std::string* why) {
  if (!value_) {
    if (why) *why = "no key";
    if (slot) retire(*slot);
    slot.reset();
    return false;
  }
  return key_into(slot, config_for(*value_, settings), *value_, carry, why);
}

void SrtpKeyring::clear() {
  ssrc_->table.clear();
  ssrc_->shared.clear();
  ssrc_->trials.clear();
  if (session_) retire(*session_);
  session_.reset();
  value_.reset();
}

SrtpConfig SrtpKeyring::ssrc_config(const SrtpSsrcKeys& keys, const SrtpConfig& settings) const {
  SrtpConfig config = settings;
  keys.header_privacy.apply(config);
  config.direction = direction_;
  config.rtp_profile = keys.rtp_profile;
  config.rtcp_profile = keys.rtcp_profile;
  config.mki_length = keys.keys.empty() ? 0 : keys.keys.front().mki.size();
  return config;
}

bool SrtpKeyring::install_ssrc_keys(uint32_t ssrc, SrtpSsrcKeys keys, const SrtpConfig& settings,
                                    std::string* why) {
  SsrcKeys* existing = ssrc_->table.find(ssrc);
  if (existing && existing->keys.same_as(keys)) return true;
  SsrcKeys entry;
  std::shared_ptr<SrtpSession> previous = existing ? existing->session : nullptr;
  const SrtpConfig config = ssrc_config(keys, settings);
  std::shared_ptr<SrtpSession> joined =
      keys.passthrough() ? nullptr : ssrc_->find_shared(keys, config);
  if (joined) {
    // Another SSRC already authenticated with these keys: this one becomes a stream of its session
    // (the core admits it on its first authenticated packet), continuing its ROC (RFC 3711
    // §3.3.1), or starting at the one given (a trusted call).
    std::optional<uint32_t> roc = previous ? previous->rollover_counter(ssrc) : std::nullopt;
    if (!roc) roc = keys.roc;
    if (roc && !joined->rollover_counter(ssrc)) joined->set_rollover_counter(ssrc, *roc);
    entry.session = std::move(joined);
  } else if (!keys.passthrough() && !previous) {
    // The trial session the first packet will be tried on: made now, so that keys the core refuses
    // are refused with whatever brought them.
    if (!ssrc_->trials.get(keys, config, ssrc, why)) return false;
  } else if (!keys.passthrough()) {
    // In place only when no other SSRC shares the session (the registry holds no strong reference):
    // new keys of one SSRC never rekey another.
    const bool in_place =
        previous.use_count() == 2 && same_session_config(previous->config(), config);
    std::unique_ptr<SrtpSession> fresh;
    if (!in_place) {
      fresh = SrtpSession::create(config, why);
      if (!fresh) return false;
      // RFC 3711 §3.3.1: the ROC counts the stream's sequence number wraps; new keys continue it.
      if (auto roc = previous->rollover_counter(ssrc)) fresh->set_rollover_counter(ssrc, *roc);
    }
    SrtpSession& target = in_place ? *previous : *fresh;
    if (in_place) target.clear_master_keys();
    for (const auto& key : keys.keys) {
      const SrtpStatus status = target.add_master_key(key.key, key.salt, key.mki);
      if (status != SrtpStatus::ok) {
        if (why) *why = to_string(status);
        // Never leave an SSRC with a session but no keys.
        if (in_place) ssrc_->table.erase(ssrc);
        return false;
      }
    }
    if (keys.roc && !target.rollover_counter(ssrc)) target.set_rollover_counter(ssrc, *keys.roc);
    if (in_place) {
      for (SharedSession& s : ssrc_->shared) {
        if (s.session.lock() == previous) {
          s.keys = keys;
          s.keys.roc.reset();
        }
      }
      entry.session = std::move(previous);
    } else {
      entry.session = ssrc_->share(std::move(fresh), keys);
    }
  }
  entry.keys = std::move(keys);
  ssrc_->table.insert(ssrc, std::move(entry));
  return true;
}

void SrtpKeyring::remove_ssrc_keys(uint32_t ssrc) {
  // The SSRC's stream may live in a session other SSRCs share: keys given again start it afresh
  // (ROC from the new keys, empty replay window), as when it had a session of its own.
  if (SsrcKeys* entry = ssrc_->table.find(ssrc); entry && entry->session) {
    entry->session->forget_stream(ssrc);
  }
  ssrc_->table.erase(ssrc);
}

SrtpKeyring::Route SrtpKeyring::route(uint32_t ssrc, const SrtpSsrcKeys* offered,
                                      const SrtpConfig& settings, std::string* why) {
  Route route;
  const SrtpSsrcKeys* template_keys = nullptr;
  if (SsrcKeys* entry = ssrc_->table.find(ssrc)) {
    ssrc_->table.touch(*entry);
    if (entry->keys.passthrough()) {
      route.kind = Route::Kind::passthrough;
      return route;
    }
    route.session = entry->session.get();
    if (!route.session) template_keys = &entry->keys;
  } else if (session_) {
    route.session = session_.get();
  } else if (offered) {
    if (offered->passthrough()) {
      // Pass-through carries no stream state to protect: kept in the capped table, so the next
      // packet does not ask again.
      SsrcKeys passthrough;
      passthrough.keys = *offered;
      ssrc_->table.insert(ssrc, std::move(passthrough));
      route.kind = Route::Kind::passthrough;
      return route;
    }
    template_keys = offered;
  }
  if (!route.session && template_keys) {
    const SrtpConfig config = ssrc_config(*template_keys, settings);
    if (auto shared = ssrc_->find_shared(*template_keys, config);
        shared && (!template_keys->roc || shared->rollover_counter(ssrc))) {
      // Tried on the session SSRCs with the same keys share: the core keeps no state for the SSRC
      // unless the packet authenticates, and then authenticated() records it.
      route.session = shared.get();
      route.trial = true;
      route.kind = Route::Kind::unprotect;
      return route;
    }
    route.session =
        ssrc_->trials.get(*template_keys, ssrc_config(*template_keys, settings), ssrc, why);
    if (!route.session) {
      // Keys the core refuses under the current settings (a property changed since they came).
      route.kind = Route::Kind::refused;
      return route;
    }
    route.trial = true;
  }
  route.kind = route.session ? Route::Kind::unprotect : Route::Kind::no_key;
  return route;
}

void SrtpKeyring::authenticated(uint32_t ssrc, SrtpSession* trial, const SrtpSsrcKeys* offered) {
  // RFC 3711 §3.3, step 5: only now does the SSRC get a session, holding the stream state the core
  // has just created.
  SsrcKeys* entry = ssrc_->table.find(ssrc);
  const SrtpSsrcKeys* keys = entry ? &entry->keys : offered;
  if (!keys) return;
  std::shared_ptr<SrtpSession> session;
  if (std::unique_ptr<SrtpSession> owned = ssrc_->trials.take(trial)) {
    // The trial holds the SSRC's stream as its packet left it (ROC and the replay mark of that
    // packet, RFC 3711 §3.3.2): it becomes a session SSRCs with these keys may share. Moving the
    // SSRC into an existing shared session instead would lose the mark, and the packet could be
    // replayed once.
    session = ssrc_->share(std::move(owned), *keys);
  } else {
    session = ssrc_->owner_of(trial);
    if (!session) return;
  }
  if (entry) {
    entry->session = std::move(session);
  } else {
    SsrcKeys added;
    added.keys = *offered;
    added.session = std::move(session);
    ssrc_->table.insert(ssrc, std::move(added));
  }
}

std::vector<const SrtpSession*> SrtpKeyring::sessions() const {
  std::vector<const SrtpSession*> result;
  if (session_) result.push_back(session_.get());
  // Each shared session once, however many SSRCs use it.
  std::unordered_set<const SrtpSession*> seen;
  for (const auto& [ssrc, entry] : ssrc_->table.all()) {
    if (entry.session && seen.insert(entry.session.get()).second) {
      result.push_back(entry.session.get());
    }
  }
  return result;
}

std::vector<const SrtpSession*> SrtpKeyring::trial_sessions() const {
  return ssrc_->trials.sessions();
}

uint32_t SrtpKeyring::generation_for(const SrtpKeyingMaterial& manual) const {
  if (value_ && value_->same_key_as(manual)) return value_->generation;
  return last_generation_ + 1;
}

}  // namespace secmedia
