// SPDX-License-Identifier: LGPL-2.1-or-later
// SRTP protect and unprotect (RFC 3711 §3.3, RFC 7714 §8), with header privacy: selected header
// extension elements encrypted (RFC 6904) or the CSRCs and whole extension encrypted (RFC 9335).
//
// Packet layouts (RFC 3711 §3.1, RFC 7714 §8.1):
//   AES-CM / NULL:  header | encrypted payload | MKI | tag (HMAC-SHA1 over header, payload and ROC)
//   AEAD:           header | ciphertext | 16-octet tag | MKI
// With cryptex (RFC 9335 §6) the cipher covers CSRCs, extension data and payload as one plaintext;
// the fixed header and the 4-octet extension header stay in clear (and are the AEAD's AAD).
#include <openssl/crypto.h>

#include <algorithm>
#include <array>

#include "byte_order.h"
#include "cryptex.h"
#include "header_extension.h"
#include "packet_iv.h"
#include "rollover.h"
#include "rtp_header.h"
#include "session_impl.h"

namespace secmedia {

using detail::HeaderProtection;
using detail::kCtrIvLength;
using detail::kGcmIvLength;
using detail::kHmacSha1Length;
using detail::kRtpExtensionHeaderLength;
using detail::kRtpFixedHeaderLength;
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

// Up to five pieces of packet memory handed to the cipher or MAC as one run (no allocation).
class PartList {
 public:
  void add(std::span<uint8_t> part) {
    if (!part.empty()) parts_[count_++] = part;
  }
  detail::PacketParts view() const { return {parts_.data(), count_}; }

 private:
  std::array<std::span<uint8_t>, 5> parts_{};
  size_t count_ = 0;
};

// A protected packet as written: the caller's packet memory, then the first octets of the trailer
// when cryptex inserted an extension header (RFC 9335 §5.1) and the packet grew by 4.
struct WrittenPacket {
  std::span<uint8_t> body;
  std::span<uint8_t> overflow;

  size_t size() const { return body.size() + overflow.size(); }
  // Adds the pieces holding octets [from, to) to `parts`.
  void slice(size_t from, size_t to, PartList& parts) const {
    if (from < body.size()) parts.add(body.subspan(from, std::min(to, body.size()) - from));
    if (to > body.size()) {
      const size_t start = std::max(from, body.size()) - body.size();
      parts.add(overflow.subspan(start, to - body.size() - start));
    }
  }
};

// RFC 6904 over the extension of `header` in `packet`, if the session selects any IDs and the block
// is RFC 8285. The walk reads only element headers and padding, which are never encrypted, so it
// finds the same elements on both sides.
SrtpStatus apply_header_encryption(detail::MasterKeyState& key,
                                   const detail::HeaderExtensionIds& selected, uint8_t* packet,
                                   const detail::RtpHeaderView& header, uint64_t index,
                                   HeaderProtection& protection) {
  if (!header.has_extension || selected.none()) return SrtpStatus::ok;
  const detail::ExtensionForm form = detail::extension_form(header.extension_profile);
  if (form == detail::ExtensionForm::other) return SrtpStatus::ok;
  const std::span<uint8_t> data(packet + header.extension_offset + kRtpExtensionHeaderLength,
                                header.extension_data_length);
  switch (key.header_cipher.apply(header.ssrc, index, data, form, selected)) {
    case detail::HeaderEncryptionResult::nothing_selected:
      return SrtpStatus::ok;
    case detail::HeaderEncryptionResult::encrypted:
      protection = HeaderProtection::encrypted_extensions;
      return SrtpStatus::ok;
    case detail::HeaderEncryptionResult::malformed:
      return SrtpStatus::header_extension_malformed;
    case detail::HeaderEncryptionResult::cipher_failed:
      break;
  }
  return SrtpStatus::malformed;
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
  const size_t plain_length = packet_span.size();
  detail::RtpHeaderView header;
  if (!detail::parse_rtp_header(packet, plain_length, header)) return drop(SrtpStatus::malformed);
  MasterKeyState* key = send_key;
  if (key == nullptr) return drop(SrtpStatus::no_key);
  const size_t tag_length = rtp_info.tag_length;
  const size_t mki_length = config.mki_length;

  // RFC 9335 §5.1: with cryptex on, every packet with CSRCs or an RFC 8285 extension is sent with
  // it; a packet with CSRCs and no extension gets an empty one.
  HeaderProtection protection = HeaderProtection::in_clear;
  uint16_t cryptex_profile = 0;
  bool insert_extension = false;
  if (config.cryptex != CryptexMode::off) {
    if (header.has_extension) {
      if (const auto profile = detail::cryptex_profile_for(header.extension_profile)) {
        protection = HeaderProtection::cryptex;
        cryptex_profile = *profile;
      } else if (config.cryptex == CryptexMode::required ||
                 detail::plain_profile_for(header.extension_profile)) {
        // Required: nothing goes in clear. And a plain block already marked 0xC0DE/0xC2DE would be
        // taken for cryptex by the receiver and decrypted into garbage: refused in either mode.
        return drop(SrtpStatus::cryptex_required);
      }
      // Otherwise the block goes as plain SRTP, as jitsi sends it (vector C14).
    } else if (header.csrc_count > 0) {
      protection = HeaderProtection::cryptex;
      insert_extension = true;
    }
  }
  const size_t growth = insert_extension ? kCryptexMaxGrowth : 0;
  if (trailer.size() < growth + tag_length + mki_length) return drop(SrtpStatus::buffer_too_small);

  StreamState* stream = streams.find(header.ssrc);
  uint64_t index = 0;
  if (const SrtpStatus status = index_of(stream, header.sequence, config.allow_repeat_tx, index);
      status != SrtpStatus::ok) {
    return drop(status);
  }
  if (index > detail::kMaxSrtpIndex || !key_usable(*key, false)) {
    return drop(SrtpStatus::key_expired);
  }

  if (insert_extension) {
    detail::insert_empty_cryptex_extension(packet_span, trailer.first(growth),
                                           header.extension_offset);
    header.has_extension = true;
    header.extension_profile = detail::kCryptexOneByteProfile;
    header.header_length += kRtpExtensionHeaderLength;
  } else if (protection == HeaderProtection::cryptex) {
    detail::store_be16(packet + header.extension_offset, cryptex_profile);
  } else if (const SrtpStatus status = apply_header_encryption(*key, encrypted_extension_ids,
                                                               packet, header, index, protection);
             status != SrtpStatus::ok) {
    // RFC 6904 §4.1: header encryption comes before the SRTP transform, so the tag (or the AEAD's
    // AAD) covers the encrypted elements.
    return drop(status);
  }

  const WrittenPacket written{packet_span, trailer.first(growth)};
  const size_t length = written.size();
  PartList encrypted;
  PartList clear_header;
  if (protection == HeaderProtection::cryptex) {
    written.slice(kRtpFixedHeaderLength, header.extension_offset, encrypted);
    written.slice(header.extension_offset + kRtpExtensionHeaderLength, length, encrypted);
    written.slice(0, kRtpFixedHeaderLength, clear_header);
    written.slice(header.extension_offset, header.extension_offset + kRtpExtensionHeaderLength,
                  clear_header);
  } else {
    written.slice(header.header_length, length, encrypted);
    written.slice(0, header.header_length, clear_header);
  }

  detail::SessionCrypto& crypto = key->srtp;
  uint8_t* out = trailer.data() + growth;
  size_t out_length = 0;
  if (rtp_info.is_aead) {
    std::array<uint8_t, kGcmIvLength> iv;
    detail::make_srtp_gcm_iv(crypto.salt(), header.ssrc, index, iv.data());
    if (!crypto.gcm_seal(iv.data(), clear_header.view(), encrypted.view(), out)) {
      return drop(SrtpStatus::malformed);
    }
    out_length += tag_length;
    std::copy(key->mki.begin(), key->mki.end(), out + out_length);
    out_length += mki_length;
  } else {
    if (rtp_info.encrypts) {
      std::array<uint8_t, kCtrIvLength> iv;
      detail::make_ctr_iv(crypto.salt(), header.ssrc, index, iv.data());
      if (!crypto.ctr_xor(iv.data(), encrypted.view())) return drop(SrtpStatus::malformed);
    }
    std::copy(key->mki.begin(), key->mki.end(), out + out_length);
    out_length += mki_length;
    if (tag_length > 0) {
      // RFC 3711 §4.2: the tag covers header and encrypted payload, then the ROC; not the MKI.
      std::array<uint8_t, 4> roc;
      detail::store_be32(roc.data(), static_cast<uint32_t>(index >> 16));
      PartList message;
      written.slice(0, length, message);
      message.add(roc);
      std::array<uint8_t, kHmacSha1Length> tag;
      if (!crypto.hmac(message.view(), tag.data())) return drop(SrtpStatus::malformed);
      std::copy_n(tag.data(), tag_length, out + out_length);
      out_length += tag_length;
    }
  }

  if (stream == nullptr) stream = &streams.insert(header.ssrc);
  streams.touch(*stream);
  stream->rtp_window.accept(index);
  ++stream->rtp_packets;
  count_key_use(*key, false);
  count_rtp_packet(protection, plain_length);
  trailer_length = growth + out_length;
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
  const std::span<uint8_t> packet_span = buffer.first(length);
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

  // RFC 9335 §5.2: 0xC0DE/0xC2DE mark a cryptex packet, when cryptex was negotiated at all.
  const std::optional<uint16_t> restored_profile =
      config.cryptex != CryptexMode::off && header.has_extension
          ? detail::plain_profile_for(header.extension_profile)
          : std::nullopt;
  HeaderProtection protection =
      restored_profile ? HeaderProtection::cryptex : HeaderProtection::in_clear;
  const size_t ciphertext_end = rtp_info.is_aead ? mki_offset - tag_length : mki_offset;
  PartList encrypted;
  PartList clear_header;
  if (restored_profile) {
    encrypted.add(packet_span.subspan(kRtpFixedHeaderLength,
                                      header.extension_offset - kRtpFixedHeaderLength));
    const size_t data_start = header.extension_offset + kRtpExtensionHeaderLength;
    encrypted.add(packet_span.subspan(data_start, ciphertext_end - data_start));
    clear_header.add(packet_span.first(kRtpFixedHeaderLength));
    clear_header.add(packet_span.subspan(header.extension_offset, kRtpExtensionHeaderLength));
  } else {
    encrypted.add(packet_span.subspan(header.header_length, ciphertext_end - header.header_length));
    clear_header.add(packet_span.first(header.header_length));
  }

  detail::SessionCrypto& crypto = key->srtp;
  if (rtp_info.is_aead) {
    std::array<uint8_t, kGcmIvLength> iv;
    detail::make_srtp_gcm_iv(crypto.salt(), header.ssrc, index, iv.data());
    if (!crypto.gcm_open(iv.data(), clear_header.view(), encrypted.view(),
                         packet + ciphertext_end)) {
      return drop(SrtpStatus::auth_failure);
    }
  } else {
    if (tag_length > 0) {
      std::array<uint8_t, 4> roc;
      detail::store_be32(roc.data(), static_cast<uint32_t>(index >> 16));
      std::array<uint8_t, kHmacSha1Length> expected;
      if (!crypto.hmac(std::span(packet, mki_offset), roc, expected.data()) ||
          CRYPTO_memcmp(expected.data(), packet + mki_offset + mki_length, tag_length) != 0) {
        return drop(SrtpStatus::auth_failure);
      }
    }
    if (rtp_info.encrypts) {
      std::array<uint8_t, kCtrIvLength> iv;
      detail::make_ctr_iv(crypto.salt(), header.ssrc, index, iv.data());
      if (!crypto.ctr_xor(iv.data(), encrypted.view())) return drop(SrtpStatus::malformed);
    }
  }

  if (restored_profile) {
    detail::store_be16(packet + header.extension_offset, *restored_profile);
  } else {
    // RFC 9335 §5.2: once cryptex is required, CSRCs or an extension in clear are refused.
    if (config.cryptex == CryptexMode::required &&
        (header.csrc_count > 0 || header.has_extension)) {
      return drop(SrtpStatus::cryptex_required);
    }
    if (const SrtpStatus status = apply_header_encryption(*key, encrypted_extension_ids, packet,
                                                          header, index, protection);
        status != SrtpStatus::ok) {
      return drop(status);
    }
  }

  if (stream == nullptr) stream = &streams.insert(header.ssrc);
  streams.touch(*stream);
  stream->rtp_window.accept(index);
  ++stream->rtp_packets;
  count_key_use(*key, false);
  count_rtp_packet(protection, length);
  length = ciphertext_end;
  return SrtpStatus::ok;
}

}  // namespace secmedia
