// SPDX-License-Identifier: LGPL-2.1-or-later
// RFC 8285 header extension blocks: which form a block is in, and a bounds-checked walk over its
// elements. Only the octets the walk is given are read; a block that does not parse is reported,
// never read past.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace secmedia::detail {

// RFC 8285 §4.2 and §4.3 "defined by profile" values; the two-byte form keeps 4 "appbits" in the
// low nibble.
inline constexpr uint16_t kOneByteExtensionProfile = 0xBEDE;
inline constexpr uint16_t kTwoByteExtensionProfile = 0x1000;
inline constexpr uint16_t kTwoByteExtensionProfileMask = 0xFFF0;

enum class ExtensionForm : uint8_t {
  one_byte,  // 0xBEDE: 4-bit ID, 4-bit length - 1
  two_byte,  // 0x100X: 8-bit ID, 8-bit length
  other,     // not an RFC 8285 block: no elements to find
};

inline ExtensionForm extension_form(uint16_t profile) {
  if (profile == kOneByteExtensionProfile) return ExtensionForm::one_byte;
  if ((profile & kTwoByteExtensionProfileMask) == kTwoByteExtensionProfile) {
    return ExtensionForm::two_byte;
  }
  return ExtensionForm::other;
}

struct ExtensionElement {
  uint8_t id;
  size_t data_offset;  // into the extension data (the octets after the 4-octet block header)
  size_t data_length;
  // Where the RFC 6904 header keystream for this element's data starts. libsrtp (the reference
  // browsers use) spends keystream on element headers and data but not on padding octets; the
  // RFC's mask form spends it on every octet. The two agree when padding only follows the last
  // element, as in every published vector; where they differ we follow libsrtp, since a peer that
  // disagrees would authenticate the packet and then read a garbled element.
  size_t keystream_offset;
};

enum class ExtensionWalk : uint8_t { ok, malformed };

// Calls visit(const ExtensionElement&) for each element of `data` in order. Stops early, with
// `ok`, at an ID 15 in the one-byte form (RFC 8285 §4.2: processing ends there). Returns
// `malformed`, after visiting the elements before the fault, when:
// - an element's header or data would run past the end of the block;
// - the block starts with a padding octet (RFC 8285 §4.1 allows padding only between and after
//   elements; libsrtp also refuses it);
// - a one-byte element has ID 0 (reserved for padding octets, RFC 8285 §4.2).
// `form` must be one_byte or two_byte.
template <typename Visit>
ExtensionWalk walk_extension_elements(std::span<const uint8_t> data, ExtensionForm form,
                                      Visit&& visit) {
  const bool one_byte = form == ExtensionForm::one_byte;
  const size_t element_header_length = one_byte ? 1 : 2;
  size_t position = 0;
  size_t padding_seen = 0;
  while (position < data.size()) {
    const uint8_t first = data[position];
    if (first == 0) {
      if (position == 0) return ExtensionWalk::malformed;
      ++position;
      ++padding_seen;
      continue;
    }
    uint8_t id = 0;
    size_t length = 0;
    if (one_byte) {
      id = first >> 4;
      if (id == 15) return ExtensionWalk::ok;
      if (id == 0) return ExtensionWalk::malformed;
      length = size_t{first & 0x0fu} + 1;
    } else {
      if (data.size() - position < element_header_length) return ExtensionWalk::malformed;
      id = first;
      length = data[position + 1];
    }
    const size_t data_offset = position + element_header_length;
    if (data.size() - data_offset < length) return ExtensionWalk::malformed;
    visit(ExtensionElement{id, data_offset, length, data_offset - padding_seen});
    position = data_offset + length;
  }
  return ExtensionWalk::ok;
}

}  // namespace secmedia::detail
