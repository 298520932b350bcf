#include "secmedia/srtp_keyring.h"

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
    // RFC 3711 §3.3.1: the ROC is the stream's, not the key's; a new key continues it.
    session->set_rollover_counter(stream.ssrc, stream.rollover_counter);
    // RFC 3711 §3.4: an SRTCP index is never sent twice; on protect, the next one carries on.
    if (protect) session->set_next_srtcp_index(stream.ssrc, stream.srtcp_index);
  }
  return session;
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
  if (session_) retire(*session_);
  session_.reset();
  value_.reset();
}

uint32_t SrtpKeyring::generation_for(const SrtpKeyingMaterial& manual) const {
  if (value_ && value_->same_key_as(manual)) return value_->generation;
  return last_generation_ + 1;
}

}  // namespace secmedia
