// SPDX-License-Identifier: LGPL-2.1-or-later
// A fresh ECDSA P-256 key for a self-signed DTLS certificate, made the fastest way OpenSSL allows.
#pragma once

#include "openssl_handles.h"

namespace secmedia::detail {

// Null when OpenSSL cannot make a key (its error queue says why).
OpenSslPtr<EVP_PKEY> generate_p256_key();

}  // namespace secmedia::detail
