// SPDX-License-Identifier: LGPL-2.1-or-later
#include "key_derivation.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <memory>

#include "aes_cipher.h"

namespace secmedia::detail {

bool derive_session_key(std::span<const uint8_t> master_key, std::span<const uint8_t> master_salt,
                        KdfLabel label, std::span<uint8_t> out) {
  const EVP_CIPHER* cipher = aes_ctr_for_key_length(master_key.size());
  if (cipher == nullptr || master_salt.size() > kKdfSaltLength) return false;

  // RFC 3711 §4.3.1: x = (label << 48) XOR master_salt over 112 bits, so the label lands in octet 7
  // of the 14; the PRF input block is x * 2^16, i.e. x followed by a 16-bit block counter starting
  // at 0.
  std::array<uint8_t, 16> iv{};
  std::copy(master_salt.begin(), master_salt.end(), iv.begin());
  iv[7] ^= static_cast<uint8_t>(label);

  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(),
                                                                      EVP_CIPHER_CTX_free);
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), cipher, nullptr, master_key.data(), iv.data()) != 1) {
    return false;
  }
  std::fill(out.begin(), out.end(), 0);
  int written = 0;
  return EVP_EncryptUpdate(ctx.get(), out.data(), &written, out.data(),
                           static_cast<int>(out.size())) == 1;
}

}  // namespace secmedia::detail
