// SPDX-License-Identifier: LGPL-2.1-or-later
// SRTP key derivation, RFC 3711 §4.3 with key_derivation_rate 0, using the AES-CM PRF keyed by the
// master key (AES-128, AES-192 per RFC 6188 §3 or AES-256 per RFC 6188 §4).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace secmedia::detail {

// RFC 3711 §4.3.2 labels; 6 and 7 are RFC 6904's header-encryption key and salt.
enum class KdfLabel : uint8_t {
  srtp_encryption = 0,
  srtp_authentication = 1,
  srtp_salt = 2,
  srtcp_encryption = 3,
  srtcp_authentication = 4,
  srtcp_salt = 5,
  srtp_header_encryption = 6,
  srtp_header_salt = 7,
};

inline constexpr size_t kKdfSaltLength = 14;

// Fills `out` with the PRF output for `label`. `master_salt` is 14 octets, or 12 for the AEAD
// profiles, which RFC 7714 §11 pads with two zero octets on the right. Returns false only if
// OpenSSL fails.
bool derive_session_key(std::span<const uint8_t> master_key, std::span<const uint8_t> master_salt,
                        KdfLabel label, std::span<uint8_t> out);

}  // namespace secmedia::detail
