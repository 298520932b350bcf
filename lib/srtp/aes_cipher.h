// SPDX-License-Identifier: LGPL-2.1-or-later
// The OpenSSL cipher names this engine uses, by key length.
#pragma once

#include <openssl/evp.h>

#include <cstddef>

namespace secmedia::detail {

// AES in counter mode (RFC 3711 §4.1.1) for 16, 24 or 32 octet keys; nullptr for other lengths.
const EVP_CIPHER* aes_ctr_for_key_length(size_t key_length);
// AES-GCM (RFC 7714) for 16 or 32 octet keys; nullptr for other lengths.
const EVP_CIPHER* aes_gcm_for_key_length(size_t key_length);

}  // namespace secmedia::detail
