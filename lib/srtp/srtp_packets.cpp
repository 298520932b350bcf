// SRTP protect and unprotect (RFC 3711 §3.3, RFC 7714 §8).
//
// Packet layouts (RFC 3711 §3.1, RFC 7714 §8.1):
//   AES-CM / NULL:  header | encrypted payload | MKI | tag (HMAC-SHA1 over header, payload and ROC)
//   AEAD:           header | ciphertext | 16-octet tag | MKI
#include <openssl/crypto.h>

#include <algorithm>
#include <array>

#include "byte_order.h"
#include "packet_iv.h"
#include "rollover.h"
#include "rtp_header.h"
#include "session_impl.h"

namespace secmedia {

using detail::kCtrIvLength;
using detail::kGcmIvLength;
using detail::kHmacSha1Length;
using detail::MasterKeyState;
using detail::ReplayVerdict;
using detail::StreamState;

namespace {

SrtpStatus replay_status(ReplayVerdict verdict) {
  return verdict == ReplayVerdict::duplicate ? SrtpStatus::replay_duplicate
                                             : SrtpStatus::replay_old;
}

// The packet index of `sequence` for `stream` (RFC 3711 §3.3.1) and its replay check (§3.3.2): the
// first packet of a stream starts at its preset ROC; later ones are estimated from the highest
// index. `allow_repeat` lets an index already seen pass (protect with allow_repeat_tx).
SrtpStatus index_of(StreamState* stream, uint16_t sequence, bool allow_repeat, uint64_t& index) {
  if (stream == nullptr || stream->rtp_window.empty()) {
    index = uint64_t{stream ? stream->initial_rollover_counter : 0} << 16 | sequence;
    return SrtpStatus::ok;
  }
  const auto estimate = detail::estimate_srtp_index(stream->rtp_window.highest(), sequence);
  if (!estimate) return SrtpStatus::replay_old;
  index = *estimate;
  const ReplayVerdict verdict = stream->rtp_window.check(index);
  if (verdict == ReplayVerdict::fresh || (verdict == ReplayVerdict::duplicate && allow_repeat)) {
    return SrtpStatus::ok;
  }
  ++stream->replay_drops;
  return replay_status(verdict);
}

}  // namespace

SrtpStatus SrtpSession::Impl::protect_rtp(std::span<uint8_t> buffer, size_t& length) {
  if (length > buffer.size()) {
    ++totals.rtp_drops[static_cast<size_t>(SrtpStatus::malformed)];
    return SrtpStatus::malformed;
  }
  size_t trailer_length = 0;
  const SrtpStatus status =
      protect_rtp_split(buffer.first(length), buffer.subspan(length), trailer_length);
  if (status == SrtpStatus::ok) length += trailer_length;
  return status;
}

SrtpStatus SrtpSession::Impl::protect_rtp_split(std::span<uint8_t> packet_span,
                                                std::span<uint8_t> trailer,
                                                size_t& trailer_length) {
  auto drop = [this](SrtpStatus status) {
    ++totals.rtp_drops[static_cast<size_t>(status)];
    return status;
  };
  if (config.direction != SrtpDirection::protect) return drop(SrtpStatus::wrong_direction);
  uint8_t* packet = packet_span.data();
  const size_t length = packet_span.size();
  detail::RtpHeaderView header;
  if (!detail::parse_rtp_header(packet, length, header)) return drop(SrtpStatus::malformed);
  MasterKeyState* key = send_key;
  if (key == nullptr) return drop(SrtpStatus::no_key);
  const size_t tag_length = rtp_info.tag_length;
  const size_t mki_length = config.mki_length;
  if (trailer.size() < tag_length + mki_length) return drop(SrtpStatus::buffer_too_small);

  StreamState* stream = streams.find(header.ssrc);
  uint64_t index = 0;
  if (const SrtpStatus status = index_of(stream, header.sequence, config.allow_repeat_tx, index);
      status != SrtpStatus::ok) {
    return drop(status);
  }
  if (index > detail::kMaxSrtpIndex || !key_usable(*key, false)) {
    return drop(SrtpStatus::key_expired);
  }

  detail::SessionCrypto& crypto = key->srtp;
  uint8_t* payload = packet + header.header_length;
  const size_t payload_length = length - header.header_length;
  uint8_t* out = trailer.data();
  size_t out_length = 0;
  if (rtp_info.is_aead) {
    std::array<uint8_t, kGcmIvLength> iv;
    detail::make_srtp_gcm_iv(crypto.salt(), header.ssrc, index, iv.data());
    if (!crypto.gcm_seal(iv.data(), std::span(packet, header.header_length), {}, payload,
                         payload_length, out)) {
      return drop(SrtpStatus::malformed);
    }
    out_length += tag_length;
    std::copy(key->mki.begin(), key->mki.end(), out + out_length);
    out_length += mki_length;
  } else {
    if (rtp_info.encrypts) {
      std::array<uint8_t, kCtrIvLength> iv;
      detail::make_ctr_iv(crypto.salt(), header.ssrc, index, iv.data());
      if (!crypto.ctr_xor(iv.data(), payload, payload_length)) return drop(SrtpStatus::malformed);
    }
    std::copy(key->mki.begin(), key->mki.end(), out + out_length);
    out_length += mki_length;
    if (tag_length > 0) {
      // RFC 3711 §4.2: the tag covers header and encrypted payload, then the ROC; not the MKI.
      std::array<uint8_t, 4> roc;
      detail::store_be32(roc.data(), static_cast<uint32_t>(index >> 16));
      std::array<uint8_t, kHmacSha1Length> tag;
      if (!crypto.hmac(std::span(packet, length), roc, tag.data())) {
        return drop(SrtpStatus::malformed);
      }
      std::copy_n(tag.data(), tag_length, out + out_length);
      out_length += tag_length;
    }
  }

  if (stream == nullptr) stream = &streams.insert(header.ssrc);
  streams.touch(*stream);
  stream->rtp_window.accept(index);
  ++stream->rtp_packets;
  count_key_use(*key, false);
  ++totals.rtp_packets;
  totals.rtp_octets += length;
  trailer_length = out_length;
  return SrtpStatus::ok;
}

SrtpStatus SrtpSession::Impl::unprotect_rtp(std::span<uint8_t> buffer, size_t& length) {
  auto drop = [this](SrtpStatus status) {
    ++totals.rtp_drops[static_cast<size_t>(status)];
    return status;
  };
  if (config.direction != SrtpDirection::unprotect) return drop(SrtpStatus::wrong_direction);
  if (length > buffer.size()) return drop(SrtpStatus::malformed);
  uint8_t* packet = buffer.data();
  const size_t tag_length = rtp_info.tag_length;
  const size_t mki_length = config.mki_length;
  detail::RtpHeaderView header;
  if (!detail::parse_rtp_header(packet, length, header) ||
      length < header.header_length + tag_length + mki_length) {
    return drop(SrtpStatus::malformed);
  }
  // The authenticated portion ends where MKI and tag begin (AEAD: where the tag begins).
  const size_t mki_offset =
      rtp_info.is_aead ? length - mki_length : length - mki_length - tag_length;
  SrtpStatus key_status = SrtpStatus::ok;
  MasterKeyState* key = key_for_mki(packet + mki_offset, key_status);
  if (key == nullptr) return drop(key_status);

  StreamState* stream = streams.find(header.ssrc);
  uint64_t index = 0;
  // Checked before the tag so that replays cost no crypto; committed only after it (§3.3.2).
  if (const SrtpStatus status = index_of(stream, header.sequence, false, index);
      status != SrtpStatus::ok) {
    return drop(status);
  }
  if (index > detail::kMaxSrtpIndex || !key_usable(*key, false)) {
    return drop(SrtpStatus::key_expired);
  }

  detail::SessionCrypto& crypto = key->srtp;
  uint8_t* payload = packet + header.header_length;
  size_t plain_length = 0;
  if (rtp_info.is_aead) {
    const size_t ciphertext_length = mki_offset - tag_length - header.header_length;
    std::array<uint8_t, kGcmIvLength> iv;
    detail::make_srtp_gcm_iv(crypto.salt(), header.ssrc, index, iv.data());
    if (!crypto.gcm_open(iv.data(), std::span(packet, header.header_length), {}, payload,
                         ciphertext_length, payload + ciphertext_length)) {
      return drop(SrtpStatus::auth_failure);
    }
    plain_length = header.header_length + ciphertext_length;
  } else {
    plain_length = mki_offset;
    if (tag_length > 0) {
      std::array<uint8_t, 4> roc;
      detail::store_be32(roc.data(), static_cast<uint32_t>(index >> 16));
      std::array<uint8_t, kHmacSha1Length> expected;
      if (!crypto.hmac(std::span(packet, plain_length), roc, expected.data()) ||
          CRYPTO_memcmp(expected.data(), packet + mki_offset + mki_length, tag_length) != 0) {
        return drop(SrtpStatus::auth_failure);
      }
    }
    if (rtp_info.encrypts) {
      std::array<uint8_t, kCtrIvLength> iv;
      detail::make_ctr_iv(crypto.salt(), header.ssrc, index, iv.data());
      if (!crypto.ctr_xor(iv.data(), payload, plain_length - header.header_length)) {
        return drop(SrtpStatus::malformed);
      }
    }
  }

  if (stream == nullptr) stream = &streams.insert(header.ssrc);
  streams.touch(*stream);
  stream->rtp_window.accept(index);
  ++stream->rtp_packets;
  count_key_use(*key, false);
  ++totals.rtp_packets;
  totals.rtp_octets += length;
  length = plain_length;
  return SrtpStatus::ok;
}

}  // namespace secmedia
