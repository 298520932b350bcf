// SPDX-License-Identifier: LGPL-2.1-or-later
// SrtpSession's private state, shared by the files that implement it: key management
// (srtp_session.cpp), SRTP (srtp_packets.cpp) and SRTCP (srtcp_packets.cpp).
#pragma once

#include <deque>
#include <memory>
#include <vector>

#include "header_encryption.h"
#include "secmedia/srtp.h"
#include "session_crypto.h"
#include "stream_table.h"

namespace secmedia {

namespace detail {

// One master key (RFC 3711 §8.1) with the session keys of both halves and its usage counters
// (§9.2).
struct MasterKeyState {
  std::vector<uint8_t> mki;
  SessionCrypto srtp;
  SessionCrypto srtcp;
  // RFC 6904 k_he/k_hs; derived only when the session encrypts header extension elements.
  HeaderExtensionCipher header_cipher;
  uint64_t srtp_packets = 0;
  uint64_t srtcp_packets = 0;
  bool srtp_soft_limit_reported = false;
  bool srtp_hard_limit_reported = false;
  bool srtcp_soft_limit_reported = false;
  bool srtcp_hard_limit_reported = false;
};

// How an RTP packet's CSRCs and header extension were protected.
enum class HeaderProtection : uint8_t {
  in_clear,              // RFC 3711: neither is encrypted
  encrypted_extensions,  // RFC 6904: selected elements' data encrypted
  cryptex,               // RFC 9335: CSRCs and the whole extension encrypted
};

inline constexpr uint64_t kMaxSrtpIndex = (uint64_t{1} << 48) - 1;
inline constexpr uint32_t kMaxSrtcpIndex = 0x7fffffff;

}  // namespace detail

struct SrtpSession::Impl {
  explicit Impl(const SrtpConfig& config);

  SrtpConfig config;
  const SrtpProfileInfo& rtp_info;
  const SrtpProfileInfo& rtcp_info;
  bool send_encrypted_rtcp;
  detail::HeaderExtensionIds encrypted_extension_ids;  // RFC 6904, from the config
  std::vector<std::unique_ptr<detail::MasterKeyState>> keys;
  detail::MasterKeyState* send_key = nullptr;
  detail::StreamTable streams;
  std::deque<SrtpEvent> events;
  SrtpStats totals;

  SrtpStatus protect_rtp(std::span<uint8_t> buffer, size_t& length);
  SrtpStatus protect_rtp_split(std::span<uint8_t> packet, std::span<uint8_t> trailer,
                               size_t& trailer_length);
  SrtpStatus unprotect_rtp(std::span<uint8_t> packet, size_t& length);
  SrtpStatus protect_rtcp(std::span<uint8_t> buffer, size_t& length);
  SrtpStatus unprotect_rtcp(std::span<uint8_t> packet, size_t& length);

  // Counts an RTP packet that came out ok by how its header was protected.
  void count_rtp_packet(detail::HeaderProtection protection, size_t octets);

  // The key named by the MKI found in a received packet, or the only key without MKI.
  detail::MasterKeyState* key_for_mki(const uint8_t* mki, SrtpStatus& why_not);
  // RFC 3711 §9.2 lifetime: false when the key is spent; queues the hard-limit event once.
  bool key_usable(detail::MasterKeyState& key, bool rtcp);
  // Counts one packet against the key and queues the soft/hard-limit events when they are reached.
  void count_key_use(detail::MasterKeyState& key, bool rtcp);
};

}  // namespace secmedia
