// SPDX-License-Identifier: LGPL-2.1-or-later
#include "aes_cipher.h"

namespace secmedia::detail {

const EVP_CIPHER* aes_ctr_for_key_length(size_t key_length) {
  switch (key_length) {
    case 16:
      return EVP_aes_128_ctr();
    case 24:
      return EVP_aes_192_ctr();
    case 32:
      return EVP_aes_256_ctr();
    default:
      return nullptr;
  }
}

const EVP_CIPHER* aes_gcm_for_key_length(size_t key_length) {
  switch (key_length) {
    case 16:
      return EVP_aes_128_gcm();
    case 32:
      return EVP_aes_256_gcm();
    default:
      return nullptr;
  }
}

}  // namespace secmedia::detail
