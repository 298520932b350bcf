// SPDX-License-Identifier: LGPL-2.1-or-later
// RFC 9335 cryptex: the "defined by profile" values that mark an encrypted extension block, and the
// one change a sender makes to a packet's layout.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>

#include "header_extension.h"

namespace secmedia::detail {

// RFC 9335 §5: 0xC0DE replaces 0xBEDE, 0xC2DE replaces 0x1000.
inline constexpr uint16_t kCryptexOneByteProfile = 0xC0DE;
inline constexpr uint16_t kCryptexTwoByteProfile = 0xC2DE;

// The value a sender writes in place of an RFC 8285 block's, or nullopt when cryptex cannot carry
// the block: it is not RFC 8285, or it is a two-byte block with appbits set (RFC 9335 §5: the
// appbits do not survive the change, so ID 256 must not be negotiated).
inline std::optional<uint16_t> cryptex_profile_for(uint16_t profile) {
  if (profile == kOneByteExtensionProfile) return kCryptexOneByteProfile;
  if (profile == kTwoByteExtensionProfile) return kCryptexTwoByteProfile;
  return std::nullopt;
}

// The RFC 8285 value a receiver puts back, or nullopt when `profile` does not mark cryptex.
inline std::optional<uint16_t> plain_profile_for(uint16_t profile) {
  if (profile == kCryptexOneByteProfile) return kOneByteExtensionProfile;
  if (profile == kCryptexTwoByteProfile) return kTwoByteExtensionProfile;
  return std::nullopt;
}

// RFC 9335 §5.1: a packet with CSRCs and no header extension gets an empty 0xC0DE block at
// `offset` (right after the CSRCs) and X=1, so that its CSRCs can be encrypted. The packet is
// `body` followed by `overflow` (4 octets): the payload moves 4 octets on and its last octets, or
// part of the new block when the payload is short, land in `overflow`.
inline void insert_empty_cryptex_extension(std::span<uint8_t> body, std::span<uint8_t> overflow,
                                           size_t offset) {
  const uint8_t block[4] = {kCryptexOneByteProfile >> 8, kCryptexOneByteProfile & 0xff, 0, 0};
  const size_t length = body.size();
  const auto moved = [&](size_t position) -> uint8_t {
    if (position < offset + 4) return block[position - offset];
    return body[position - 4];
  };
  for (size_t i = 0; i < 4; ++i) overflow[i] = moved(length + i);
  if (length > offset + 4) {
    std::memmove(body.data() + offset + 4, body.data() + offset, length - offset - 4);
  }
  for (size_t i = offset; i < length && i < offset + 4; ++i) body[i] = block[i - offset];
  body[0] |= 0x10;
}

}  // namespace secmedia::detail
