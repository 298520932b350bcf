// SPDX-License-Identifier: LGPL-2.1-or-later
// Owning handles for the OpenSSL objects the DTLS engine uses.
#pragma once

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <memory>

namespace secmedia::detail {

struct OpenSslDeleter {
  void operator()(SSL_CTX* p) const { SSL_CTX_free(p); }
  void operator()(SSL* p) const { SSL_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(BIO* p) const { BIO_free_all(p); }
  void operator()(BIO_METHOD* p) const { BIO_meth_free(p); }
  void operator()(BIO_ADDR* p) const { BIO_ADDR_free(p); }
};

template <typename T>
using OpenSslPtr = std::unique_ptr<T, OpenSslDeleter>;

}  // namespace secmedia::detail
