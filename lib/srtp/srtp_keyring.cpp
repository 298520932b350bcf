// SPDX-License-Identifier: LGPL-2.1-or-later
#include "secmedia/srtp_keyring.h"

#include <openssl/crypto.h>

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

struct SrtpKeyring::SsrcState {
  SsrcKeyTable table;
  TrialSessions trials;
  explicit SsrcState(SrtpKeyring& ring)
      : table(kSrtpMaxSsrcKeys, [&ring](const SrtpSession& s) { ring.retire(s); }),
        trials([&ring](const SrtpSession& s) { ring.retire(s); }) {}
};

SrtpKeyring::SrtpKeyring(SrtpDirection direction)
    : direction_(direction), ssrc_(std::make_unique<SsrcState>(*this)) {}

SrtpKeyring::~SrtpKeyring() = default;

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
  SrtpSession* previous = existing ? existing->session.get() : nullptr;
  const SrtpConfig config = ssrc_config(keys, settings);
  if (!keys.passthrough() && !previous) {
    // The trial session the first packet will be tried on: made now, so that keys the core refuses
    // are refused with whatever brought them.
    if (!ssrc_->trials.get(keys, config, ssrc, why)) return false;
  } else if (!keys.passthrough()) {
    const bool in_place = same_session_config(previous->config(), config);
    std::unique_ptr<SrtpSession> fresh;
    if (!in_place) {
      fresh = continue_session(config, previous, why);
      if (!fresh) return false;
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
    entry.session = in_place ? std::move(existing->session) : std::move(fresh);
  }
  entry.keys = std::move(keys);
  ssrc_->table.insert(ssrc, std::move(entry));
  return true;
}

void SrtpKeyring::remove_ssrc_keys(uint32_t ssrc) {
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
  std::unique_ptr<SrtpSession> owned = ssrc_->trials.take(trial);
  if (!owned) return;
  if (SsrcKeys* entry = ssrc_->table.find(ssrc)) {
    entry->session = std::move(owned);
  } else if (offered) {
    SsrcKeys added;
    added.keys = *offered;
    added.session = std::move(owned);
    ssrc_->table.insert(ssrc, std::move(added));
  }
}

std::vector<const SrtpSession*> SrtpKeyring::sessions() const {
  std::vector<const SrtpSession*> result;
  if (session_) result.push_back(session_.get());
  for (const auto& [ssrc, entry] : ssrc_->table.all()) {
    if (entry.session) result.push_back(entry.session.get());
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
