// DtlsCertificate's OpenSSL objects, shared with the connection that installs them.
#pragma once

#include "openssl_handles.h"
#include "secmedia/dtls.h"

namespace secmedia {

struct DtlsCertificate::Impl {
  detail::OpenSslPtr<X509> certificate;
  detail::OpenSslPtr<EVP_PKEY> key;
};

namespace detail {
Fingerprint fingerprint_of(X509* certificate, FingerprintAlgorithm algorithm);
}

}  // namespace secmedia
