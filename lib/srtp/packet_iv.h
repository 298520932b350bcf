// SPDX-License-Identifier: LGPL-2.1-or-later
// Per-packet IVs (counter blocks and nonces) of RFC 3711 §4.1.1 and RFC 7714 §8.1 / §9.1.
#pragma once

#include <algorithm>
#include <cstdint>

namespace secmedia::detail {

// AES-CM: IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16); 16 octets, k_s is the 14-octet
// session salt and i the 48-bit SRTP index or the 31-bit SRTCP index.
inline void make_ctr_iv(const uint8_t* salt, uint32_t ssrc, uint64_t index, uint8_t* iv) {
  std::copy_n(salt, 14, iv);
  iv[14] = 0;
  iv[15] = 0;
  for (int i = 0; i < 4; ++i) iv[4 + i] ^= static_cast<uint8_t>(ssrc >> (24 - 8 * i));
  for (int i = 0; i < 6; ++i) iv[8 + i] ^= static_cast<uint8_t>(index >> (40 - 8 * i));
}

// AEAD SRTP: IV = (0x0000 || SSRC || ROC || SEQ) XOR salt, 12 octets; ROC || SEQ is the 48-bit
// index.
inline void make_srtp_gcm_iv(const uint8_t* salt, uint32_t ssrc, uint64_t index, uint8_t* iv) {
  std::copy_n(salt, 12, iv);
  for (int i = 0; i < 4; ++i) iv[2 + i] ^= static_cast<uint8_t>(ssrc >> (24 - 8 * i));
  for (int i = 0; i < 6; ++i) iv[6 + i] ^= static_cast<uint8_t>(index >> (40 - 8 * i));
}

// AEAD SRTCP: IV = (0x0000 || SSRC || 0x0000 || 0 || 31-bit index) XOR salt, 12 octets.
inline void make_srtcp_gcm_iv(const uint8_t* salt, uint32_t ssrc, uint32_t index, uint8_t* iv) {
  std::copy_n(salt, 12, iv);
  for (int i = 0; i < 4; ++i) iv[2 + i] ^= static_cast<uint8_t>(ssrc >> (24 - 8 * i));
  for (int i = 0; i < 4; ++i) iv[8 + i] ^= static_cast<uint8_t>(index >> (24 - 8 * i));
}

}  // namespace secmedia::detail
