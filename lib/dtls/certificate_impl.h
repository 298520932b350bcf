// SPDX-License-Identifier: LGPL-2.1-or-later
// DtlsCertificate's OpenSSL objects, shared with the connection that installs them.
#pragma once

#include <mutex>
#include <string>

#include "openssl_handles.h"
#include "secmedia/dtls.h"

namespace secmedia {

struct DtlsCertificate::Impl {
  detail::OpenSslPtr<X509> certificate;
  detail::OpenSslPtr<EVP_PKEY> key;

  // The DTLS context for this identity, made on first use and shared by every connection that
  // presents it: building an SSL_CTX costs more than a third of a whole handshake. Everything that
  // differs between connections is set on each SSL instead. Owned here, so nothing is
  // process-global.
  mutable std::once_flag context_once;
  mutable detail::OpenSslPtr<SSL_CTX> context;
  mutable std::string context_error;
};

struct DtlsContext::Impl {
  detail::OpenSslPtr<SSL_CTX> context;  // no certificate: each SSL gets its connection's own
};

namespace detail {
Fingerprint fingerprint_of(X509* certificate, FingerprintAlgorithm algorithm);
}

}  // namespace secmedia
