// SPDX-License-Identifier: LGPL-2.1-or-later
// Why not simply EVP_PKEY_Q_keygen: with OpenSSL 3.0, a key made through the provider interface is
// put into a certificate (X509_set_pubkey) by encoding it with the encoder framework and decoding
// it again with the decoder framework, and finding those encoders and decoders costs about 300 µs
// per certificate on a 2-core VM: three quarters of what making an association's identity costs,
// and 0.6 s of CPU for 1,000 associations (issue 15). A key made as an EC_KEY keeps its ASN.1
// method, which encodes the public key directly: the same certificate then costs about a third.
// The EC_KEY interface is deprecated since 3.0 but present in every 3.x; where OpenSSL is built
// without it, the provider path is taken.
//
// Both paths draw the private key from OpenSSL's default DRBG (a CSPRNG).
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>

#include "p256_key.h"

namespace secmedia::detail {

OpenSslPtr<EVP_PKEY> generate_p256_key() {
#ifndef OPENSSL_NO_DEPRECATED_3_0
  EC_KEY* ec = EC_KEY_new_by_curve_name(NID_X9_62_prime256v1);
  if (ec && EC_KEY_generate_key(ec) == 1) {
    // Named-curve form, as RFC 5480 §2.1.1 requires of certificates (not explicit parameters).
    EC_KEY_set_asn1_flag(ec, OPENSSL_EC_NAMED_CURVE);
    OpenSslPtr<EVP_PKEY> key(EVP_PKEY_new());
    if (key && EVP_PKEY_assign_EC_KEY(key.get(), ec) == 1) return key;
  }
  EC_KEY_free(ec);
  return nullptr;
#else
  return OpenSslPtr<EVP_PKEY>(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
#endif
}

}  // namespace secmedia::detail
