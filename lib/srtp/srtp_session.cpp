// SPDX-License-Identifier: LGPL-2.1-or-later
// SrtpSession: configuration, master keys, ROC and index settings, events and statistics.
#include <openssl/crypto.h>

#include <algorithm>
#include <utility>

#include "session_impl.h"

namespace secmedia {

using detail::MasterKeyState;

namespace {

bool mki_equals(const std::vector<uint8_t>& a, std::span<const uint8_t> b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

// Returns an empty string when the config is usable, otherwise what is wrong with it.
std::string config_problem(const SrtpConfig& config) {
  if (static_cast<size_t>(config.rtp_profile) >= kSrtpProfileCount ||
      static_cast<size_t>(config.rtcp_profile) >= kSrtpProfileCount) {
    return "unknown SRTP profile";
  }
  if (config.key_derivation_rate != 0) {
    return "key derivation rate " + std::to_string(config.key_derivation_rate) +
           " is not supported: only 0 (derive session keys once, RFC 3711 §4.3.1) is";
  }
  if (config.replay_window_size < kSrtpMinReplayWindow ||
      config.replay_window_size > kSrtpMaxReplayWindow) {
    return "replay window must be between 64 and 32768 packets (RFC 3711 §3.3.2), not " +
           std::to_string(config.replay_window_size);
  }
  if (config.mki_length > kSrtpMaxMkiLength) {
    return "MKI length above 128 octets is not supported";
  }
  const SrtpProfileInfo& rtp = profile_info(config.rtp_profile);
  const SrtpProfileInfo& rtcp = profile_info(config.rtcp_profile);
  if (rtp.master_key_length != rtcp.master_key_length ||
      rtp.master_salt_length != rtcp.master_salt_length) {
    return std::string("RTP profile ") + std::string(rtp.name) + " and RTCP profile " +
           std::string(rtcp.name) + " need different master key sizes";
  }
  if (config.max_streams == 0) return "max_streams must be at least 1";
  if (static_cast<size_t>(config.cryptex) >= kCryptexModeCount) return "unknown cryptex mode";
  for (const uint8_t id : config.encrypted_header_extension_ids) {
    // RFC 8285 §4.2/§4.3: ID 0 is padding, never an element.
    if (id == 0) return "header extension ID 0 cannot be encrypted: RFC 8285 IDs start at 1";
  }
  const bool header_privacy =
      config.cryptex != CryptexMode::off || !config.encrypted_header_extension_ids.empty();
  if (header_privacy && !rtp.encrypts) {
    return std::string(
               "header extension encryption (RFC 6904) and cryptex (RFC 9335) need an "
               "encrypting RTP profile, not ") +
           std::string(rtp.name);
  }
  return {};
}

}  // namespace

SrtpSession::Impl::Impl(const SrtpConfig& cfg)
    : config(cfg),
      rtp_info(profile_info(cfg.rtp_profile)),
      rtcp_info(profile_info(cfg.rtcp_profile)),
      send_encrypted_rtcp(cfg.encrypt_rtcp && profile_info(cfg.rtcp_profile).encrypts),
      streams(cfg.max_streams, cfg.replay_window_size, cfg.direction == SrtpDirection::unprotect) {
  config.srtp_key_lifetime = std::min(config.srtp_key_lifetime, uint64_t{1} << 48);
  config.srtcp_key_lifetime = std::min(config.srtcp_key_lifetime, uint64_t{1} << 31);
  for (const uint8_t id : config.encrypted_header_extension_ids) encrypted_extension_ids.set(id);
}

std::unique_ptr<SrtpSession> SrtpSession::create(const SrtpConfig& config, std::string* why) {
  std::string problem = config_problem(config);
  if (!problem.empty()) {
    if (why) *why = std::move(problem);
    return nullptr;
  }
  return std::unique_ptr<SrtpSession>(new SrtpSession(std::make_unique<Impl>(config)));
}

SrtpSession::SrtpSession(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SrtpSession::~SrtpSession() = default;

const SrtpConfig& SrtpSession::config() const {
  return impl_->config;
}

SrtpStatus SrtpSession::add_master_key(std::span<const uint8_t> key, std::span<const uint8_t> salt,
                                       std::span<const uint8_t> mki) {
  Impl& s = *impl_;
  if (key.size() != s.rtp_info.master_key_length || salt.size() != s.rtp_info.master_salt_length) {
    return SrtpStatus::bad_key_length;
  }
  if (mki.size() != s.config.mki_length) return SrtpStatus::bad_mki;
  if (s.keys.size() >= kSrtpMaxMasterKeys || (s.config.mki_length == 0 && !s.keys.empty())) {
    return SrtpStatus::too_many_keys;
  }
  for (const auto& existing : s.keys) {
    if (mki_equals(existing->mki, mki)) return SrtpStatus::duplicate_mki;
  }
  auto state = std::make_unique<MasterKeyState>();
  state->mki.assign(mki.begin(), mki.end());
  const bool for_protect = s.config.direction == SrtpDirection::protect;
  if (!state->srtp.init(s.config.rtp_profile, key, salt, false, for_protect, nullptr) ||
      !state->srtcp.init(s.config.rtcp_profile, key, salt, true, for_protect, nullptr) ||
      (s.encrypted_extension_ids.any() &&
       !state->header_cipher.init(s.config.rtp_profile, key, salt))) {
    return SrtpStatus::bad_key_length;
  }
  s.keys.push_back(std::move(state));
  if (s.send_key == nullptr) s.send_key = s.keys.back().get();
  return SrtpStatus::ok;
}

SrtpStatus SrtpSession::remove_master_key(std::span<const uint8_t> mki) {
  Impl& s = *impl_;
  auto it = std::find_if(s.keys.begin(), s.keys.end(),
                         [&](const auto& key) { return mki_equals(key->mki, mki); });
  if (it == s.keys.end()) return SrtpStatus::unknown_mki;
  if (s.send_key == it->get()) s.send_key = nullptr;
  s.keys.erase(it);
  if (s.send_key == nullptr && !s.keys.empty()) s.send_key = s.keys.front().get();
  return SrtpStatus::ok;
}

SrtpStatus SrtpSession::select_send_key(std::span<const uint8_t> mki) {
  Impl& s = *impl_;
  for (const auto& key : s.keys) {
    if (mki_equals(key->mki, mki)) {
      s.send_key = key.get();
      return SrtpStatus::ok;
    }
  }
  return SrtpStatus::unknown_mki;
}

void SrtpSession::clear_master_keys() {
  impl_->keys.clear();
  impl_->send_key = nullptr;
}

size_t SrtpSession::master_key_count() const {
  return impl_->keys.size();
}

SrtpStatus SrtpSession::protect_rtp(std::span<uint8_t> buffer, size_t& length) {
  return impl_->protect_rtp(buffer, length);
}
SrtpStatus SrtpSession::protect_rtp(std::span<uint8_t> packet, std::span<uint8_t> trailer,
                                    size_t& trailer_length) {
  return impl_->protect_rtp_split(packet, trailer, trailer_length);
}
SrtpStatus SrtpSession::unprotect_rtp(std::span<uint8_t> packet, size_t& length) {
  return impl_->unprotect_rtp(packet, length);
}
SrtpStatus SrtpSession::protect_rtcp(std::span<uint8_t> buffer, size_t& length) {
  return impl_->protect_rtcp(buffer, length);
}
SrtpStatus SrtpSession::unprotect_rtcp(std::span<uint8_t> packet, size_t& length) {
  return impl_->unprotect_rtcp(packet, length);
}

size_t SrtpSession::rtp_overhead() const {
  const bool may_insert_extension = impl_->config.direction == SrtpDirection::protect &&
                                    impl_->config.cryptex != CryptexMode::off;
  return srtp_max_overhead(impl_->config.rtp_profile, impl_->config.mki_length) +
         (may_insert_extension ? kCryptexMaxGrowth : 0);
}
size_t SrtpSession::rtcp_overhead() const {
  return srtcp_max_overhead(impl_->config.rtcp_profile, impl_->config.mki_length);
}

std::optional<uint32_t> SrtpSession::rollover_counter(uint32_t ssrc) const {
  const detail::StreamState* stream = impl_->streams.find(ssrc);
  if (!stream) return std::nullopt;
  if (stream->rtp_window.empty()) return stream->initial_rollover_counter;
  return static_cast<uint32_t>(stream->rtp_window.highest() >> 16);
}

void SrtpSession::forget_stream(uint32_t ssrc) {
  impl_->streams.erase(ssrc);
}

SrtpStatus SrtpSession::set_rollover_counter(uint32_t ssrc, uint32_t roc) {
  detail::StreamState* stream = impl_->streams.find(ssrc);
  if (!stream) stream = &impl_->streams.insert(ssrc);
  stream->initial_rollover_counter = roc;
  if (!stream->rtp_window.empty()) {
    const uint64_t highest = stream->rtp_window.highest();
    // An unchanged ROC keeps the replay history; a changed one starts it again at the new index.
    if ((highest >> 16) != roc) {
      stream->rtp_window.reset_highest(uint64_t{roc} << 16 | (highest & 0xffff), true);
    }
  }
  return SrtpStatus::ok;
}

SrtpStatus SrtpSession::set_next_srtcp_index(uint32_t ssrc, uint32_t index) {
  if (impl_->config.direction != SrtpDirection::protect) return SrtpStatus::wrong_direction;
  detail::StreamState* stream = impl_->streams.find(ssrc);
  if (!stream) stream = &impl_->streams.insert(ssrc);
  stream->next_srtcp_index = index & detail::kMaxSrtcpIndex;
  return SrtpStatus::ok;
}

std::optional<SrtpEvent> SrtpSession::poll_event() {
  if (impl_->events.empty()) return std::nullopt;
  SrtpEvent event = std::move(impl_->events.front());
  impl_->events.pop_front();
  return event;
}

SrtpStats SrtpSession::stats() const {
  SrtpStats stats = impl_->totals;
  stats.streams = impl_->streams.size();
  stats.streams_evicted = impl_->streams.evicted();
  return stats;
}

std::vector<SrtpStreamInfo> SrtpSession::streams() const {
  std::vector<SrtpStreamInfo> result;
  result.reserve(impl_->streams.size());
  const bool protect = impl_->config.direction == SrtpDirection::protect;
  for (const auto& [ssrc, stream] : impl_->streams.all()) {
    SrtpStreamInfo info;
    info.ssrc = ssrc;
    if (stream.rtp_window.empty()) {
      info.rollover_counter = stream.initial_rollover_counter;
    } else {
      info.rollover_counter = static_cast<uint32_t>(stream.rtp_window.highest() >> 16);
      info.highest_sequence = static_cast<uint16_t>(stream.rtp_window.highest());
    }
    info.rtp_packets = stream.rtp_packets;
    info.rtcp_packets = stream.rtcp_packets;
    info.srtcp_index =
        protect ? stream.next_srtcp_index : static_cast<uint32_t>(stream.srtcp_window.highest());
    info.replay_drops = stream.replay_drops;
    result.push_back(info);
  }
  std::sort(result.begin(), result.end(),
            [](const SrtpStreamInfo& a, const SrtpStreamInfo& b) { return a.ssrc < b.ssrc; });
  return result;
}

// --- helpers shared by the packet paths -------------------------------------------------------

MasterKeyState* SrtpSession::Impl::key_for_mki(const uint8_t* mki, SrtpStatus& why_not) {
  if (keys.empty()) {
    why_not = SrtpStatus::no_key;
    return nullptr;
  }
  if (config.mki_length == 0) return keys.front().get();
  for (const auto& key : keys) {
    // The MKI is not secret (it travels in clear), so an ordinary comparison is fine here.
    if (std::equal(key->mki.begin(), key->mki.end(), mki)) return key.get();
  }
  why_not = SrtpStatus::unknown_mki;
  return nullptr;
}

void SrtpSession::Impl::count_rtp_packet(detail::HeaderProtection protection, size_t octets) {
  ++totals.rtp_packets;
  totals.rtp_octets += octets;
  switch (protection) {
    case detail::HeaderProtection::cryptex:
      ++totals.rtp_packets_cryptex;
      break;
    case detail::HeaderProtection::encrypted_extensions:
      ++totals.rtp_packets_encrypted_extensions;
      break;
    case detail::HeaderProtection::in_clear:
      ++totals.rtp_packets_header_in_clear;
      break;
  }
}

bool SrtpSession::Impl::key_usable(MasterKeyState& key, bool rtcp) {
  const uint64_t used = rtcp ? key.srtcp_packets : key.srtp_packets;
  const uint64_t lifetime = rtcp ? config.srtcp_key_lifetime : config.srtp_key_lifetime;
  return used < lifetime;
}

void SrtpSession::Impl::count_key_use(MasterKeyState& key, bool rtcp) {
  uint64_t& used = rtcp ? key.srtcp_packets : key.srtp_packets;
  const uint64_t lifetime = rtcp ? config.srtcp_key_lifetime : config.srtp_key_lifetime;
  bool& soft_reported = rtcp ? key.srtcp_soft_limit_reported : key.srtp_soft_limit_reported;
  bool& hard_reported = rtcp ? key.srtcp_hard_limit_reported : key.srtp_hard_limit_reported;
  ++used;
  if (!soft_reported && config.soft_limit_margin > 0 &&
      lifetime - used <= config.soft_limit_margin) {
    soft_reported = true;
    events.push_back({SrtpEvent::Kind::soft_limit, rtcp, key.mki});
  }
  if (!hard_reported && used >= lifetime) {
    hard_reported = true;
    events.push_back({SrtpEvent::Kind::hard_limit, rtcp, key.mki});
  }
}

}  // namespace secmedia
