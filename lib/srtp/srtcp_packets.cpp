// SPDX-License-Identifier: LGPL-2.1-or-later
// SRTCP protect and unprotect (RFC 3711 §3.4, RFC 7714 §9).
//
// Packet layouts:
//   AES-CM / NULL:  8-octet header | encrypted rest | E|index | MKI | tag
//                   (tag = HMAC over everything before the MKI, RFC 3711 §4.2)
//   AEAD, E=1:      8-octet header | ciphertext | 16-octet tag | E|index | MKI
//                   (AAD = 8-octet header || E|index, RFC 7714 §9.2)
//   AEAD, E=0:      whole packet | 16-octet tag | E|index | MKI  (AAD = packet || E|index, §9.3)
#include <openssl/crypto.h>

#include <algorithm>
#include <array>

#include "byte_order.h"
#include "packet_iv.h"
#include "rtp_header.h"
#include "session_impl.h"

namespace secmedia {

using detail::kCtrIvLength;
using detail::kGcmIvLength;
using detail::kHmacSha1Length;
using detail::kRtcpHeaderLength;
using detail::MasterKeyState;
using detail::ReplayVerdict;
using detail::StreamState;

namespace {

constexpr size_t kTrailerLength = 4;  // E flag and 31-bit SRTCP index
constexpr uint32_t kEncryptedFlag = 0x80000000;

}  // namespace

SrtpStatus SrtpSession::Impl::protect_rtcp(std::span<uint8_t> buffer, size_t& length) {
  auto drop = [this](SrtpStatus status) {
    ++totals.rtcp_drops[static_cast<size_t>(status)];
    return status;
  };
  if (config.direction != SrtpDirection::protect) return drop(SrtpStatus::wrong_direction);
  if (length > buffer.size()) return drop(SrtpStatus::malformed);
  uint8_t* packet = buffer.data();
  uint32_t ssrc = 0;
  if (!detail::parse_rtcp_header(packet, length, ssrc)) return drop(SrtpStatus::malformed);
  MasterKeyState* key = send_key;
  if (key == nullptr) return drop(SrtpStatus::no_key);
  const size_t tag_length = rtcp_info.tag_length;
  const size_t mki_length = config.mki_length;
  if (buffer.size() - length < kTrailerLength + tag_length + mki_length) {
    return drop(SrtpStatus::buffer_too_small);
  }
  StreamState* stream = streams.find(ssrc);
  const uint32_t index = stream ? stream->next_srtcp_index : 0;
  // RFC 3711 §3.4: the index must not wrap under one key; §9.2 caps packets per key.
  if ((stream && stream->rtcp_packets > 0 && index == 0) || !key_usable(*key, true)) {
    return drop(SrtpStatus::key_expired);
  }

  detail::SessionCrypto& crypto = key->srtcp;
  const bool encrypt = send_encrypted_rtcp;
  std::array<uint8_t, kTrailerLength> trailer;
  detail::store_be32(trailer.data(), index | (encrypt ? kEncryptedFlag : 0));
  size_t out_length = length;
  if (rtcp_info.is_aead) {
    std::array<uint8_t, kGcmIvLength> iv;
    detail::make_srtcp_gcm_iv(crypto.salt(), ssrc, index, iv.data());
    const bool sealed = encrypt ? crypto.gcm_seal(iv.data(), std::span(packet, kRtcpHeaderLength),
                                                  trailer, packet + kRtcpHeaderLength,
                                                  length - kRtcpHeaderLength, packet + length)
                                : crypto.gcm_seal(iv.data(), std::span(packet, length), trailer,
                                                  packet + length, 0, packet + length);
    if (!sealed) return drop(SrtpStatus::malformed);
    out_length += tag_length;
    std::copy(trailer.begin(), trailer.end(), packet + out_length);
    out_length += kTrailerLength;
    std::copy(key->mki.begin(), key->mki.end(), packet + out_length);
    out_length += mki_length;
  } else {
    if (encrypt) {
      std::array<uint8_t, kCtrIvLength> iv;
      detail::make_ctr_iv(crypto.salt(), ssrc, index, iv.data());
      if (!crypto.ctr_xor(iv.data(), packet + kRtcpHeaderLength, length - kRtcpHeaderLength)) {
        return drop(SrtpStatus::malformed);
      }
    }
    std::copy(trailer.begin(), trailer.end(), packet + out_length);
    out_length += kTrailerLength;
    const size_t authenticated_length = out_length;
    std::copy(key->mki.begin(), key->mki.end(), packet + out_length);
    out_length += mki_length;
    if (tag_length > 0) {
      std::array<uint8_t, kHmacSha1Length> tag;
      if (!crypto.hmac(std::span(packet, authenticated_length), {}, tag.data())) {
        return drop(SrtpStatus::malformed);
      }
      std::copy_n(tag.data(), tag_length, packet + out_length);
      out_length += tag_length;
    }
  }

  if (stream == nullptr) stream = &streams.insert(ssrc);
  streams.touch(*stream);
  stream->next_srtcp_index = (index + 1) & detail::kMaxSrtcpIndex;
  ++stream->rtcp_packets;
  count_key_use(*key, true);
  ++totals.rtcp_packets;
  totals.rtcp_octets += length;
  length = out_length;
  return SrtpStatus::ok;
}

SrtpStatus SrtpSession::Impl::unprotect_rtcp(std::span<uint8_t> buffer, size_t& length) {
  auto drop = [this](SrtpStatus status) {
    ++totals.rtcp_drops[static_cast<size_t>(status)];
    return status;
  };
  if (config.direction != SrtpDirection::unprotect) return drop(SrtpStatus::wrong_direction);
  if (length > buffer.size()) return drop(SrtpStatus::malformed);
  uint8_t* packet = buffer.data();
  const size_t tag_length = rtcp_info.tag_length;
  const size_t mki_length = config.mki_length;
  uint32_t ssrc = 0;
  if (!detail::parse_rtcp_header(packet, length, ssrc) ||
      length < kRtcpHeaderLength + kTrailerLength + tag_length + mki_length) {
    return drop(SrtpStatus::malformed);
  }
  const size_t trailer_offset = rtcp_info.is_aead
                                    ? length - mki_length - kTrailerLength
                                    : length - tag_length - mki_length - kTrailerLength;
  // AEAD: the tag sits before the trailer and must leave the 8-octet header intact.
  if (rtcp_info.is_aead && trailer_offset < kRtcpHeaderLength + tag_length) {
    return drop(SrtpStatus::malformed);
  }
  SrtpStatus key_status = SrtpStatus::ok;
  MasterKeyState* key = key_for_mki(packet + trailer_offset + kTrailerLength, key_status);
  if (key == nullptr) return drop(key_status);

  const uint32_t trailer = detail::load_be32(packet + trailer_offset);
  const bool encrypted = (trailer & kEncryptedFlag) != 0;
  const uint32_t index = trailer & detail::kMaxSrtcpIndex;
  StreamState* stream = streams.find(ssrc);
  if (stream != nullptr) {
    const ReplayVerdict verdict = stream->srtcp_window.check(index);
    if (verdict != ReplayVerdict::fresh) {
      ++stream->replay_drops;
      return drop(verdict == ReplayVerdict::duplicate ? SrtpStatus::replay_duplicate
                                                      : SrtpStatus::replay_old);
    }
  }
  if (!key_usable(*key, true)) return drop(SrtpStatus::key_expired);

  detail::SessionCrypto& crypto = key->srtcp;
  size_t plain_length = 0;
  if (rtcp_info.is_aead) {
    plain_length = trailer_offset - tag_length;
    std::array<uint8_t, kGcmIvLength> iv;
    detail::make_srtcp_gcm_iv(crypto.salt(), ssrc, index, iv.data());
    const std::span<const uint8_t> trailer_bytes(packet + trailer_offset, kTrailerLength);
    const bool opened =
        encrypted ? crypto.gcm_open(iv.data(), std::span(packet, kRtcpHeaderLength), trailer_bytes,
                                    packet + kRtcpHeaderLength, plain_length - kRtcpHeaderLength,
                                    packet + plain_length)
                  : crypto.gcm_open(iv.data(), std::span(packet, plain_length), trailer_bytes,
                                    packet + plain_length, 0, packet + plain_length);
    if (!opened) return drop(SrtpStatus::auth_failure);
  } else {
    plain_length = trailer_offset;
    if (tag_length > 0) {
      std::array<uint8_t, kHmacSha1Length> expected;
      if (!crypto.hmac(std::span(packet, trailer_offset + kTrailerLength), {}, expected.data()) ||
          CRYPTO_memcmp(expected.data(), packet + length - tag_length, tag_length) != 0) {
        return drop(SrtpStatus::auth_failure);
      }
    }
    if (encrypted && rtcp_info.encrypts) {
      std::array<uint8_t, kCtrIvLength> iv;
      detail::make_ctr_iv(crypto.salt(), ssrc, index, iv.data());
      if (!crypto.ctr_xor(iv.data(), packet + kRtcpHeaderLength,
                          plain_length - kRtcpHeaderLength)) {
        return drop(SrtpStatus::malformed);
      }
    }
  }

  if (stream == nullptr) stream = &streams.insert(ssrc);
  streams.touch(*stream);
  stream->srtcp_window.accept(index);
  ++stream->rtcp_packets;
  count_key_use(*key, true);
  ++totals.rtcp_packets;
  totals.rtcp_octets += length;
  length = plain_length;
  return SrtpStatus::ok;
}

}  // namespace secmedia
