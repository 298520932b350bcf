// SPDX-License-Identifier: LGPL-2.1-or-later
// Certificate fingerprints in SDP form (RFC 8122 §5, RFC 4572): "<hash-func> <hex pairs joined by
// ':'>".
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cctype>

#include "openssl_handles.h"
#include "secmedia/dtls.h"

namespace secmedia {

namespace {

struct AlgorithmName {
  FingerprintAlgorithm algorithm;
  const char* sdp_name;
  const char* openssl_name;
  size_t length;
};

constexpr AlgorithmName kAlgorithms[] = {
    {FingerprintAlgorithm::sha1, "sha-1", "SHA1", 20},
    {FingerprintAlgorithm::sha224, "sha-224", "SHA224", 28},
    {FingerprintAlgorithm::sha256, "sha-256", "SHA256", 32},
    {FingerprintAlgorithm::sha384, "sha-384", "SHA384", 48},
    {FingerprintAlgorithm::sha512, "sha-512", "SHA512", 64},
};

const AlgorithmName& name_of(FingerprintAlgorithm algorithm) {
  for (const auto& a : kAlgorithms) {
    if (a.algorithm == algorithm) return a;
  }
  return kAlgorithms[2];
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<Fingerprint> Fingerprint::parse(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  const size_t space = text.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  const std::string_view name = text.substr(0, space);
  std::string_view hex = text.substr(space + 1);
  const AlgorithmName* algorithm = nullptr;
  for (const auto& a : kAlgorithms) {
    if (name.size() == std::char_traits<char>::length(a.sdp_name)) {
      bool equal = true;
      for (size_t i = 0; i < name.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(name[i])) != a.sdp_name[i]) equal = false;
      }
      if (equal) algorithm = &a;
    }
  }
  if (!algorithm) return std::nullopt;
  while (!hex.empty() && std::isspace(static_cast<unsigned char>(hex.back()))) hex.remove_suffix(1);
  Fingerprint fingerprint;
  fingerprint.algorithm = algorithm->algorithm;
  // Pairs of hex digits separated by ':' (RFC 8122 §5, "UHEX ':' UHEX ..."); lower case accepted
  // too.
  for (size_t i = 0; i < hex.size();) {
    if (i + 2 > hex.size()) return std::nullopt;
    const int high = hex_value(hex[i]);
    const int low = hex_value(hex[i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    fingerprint.digest.push_back(static_cast<uint8_t>(high << 4 | low));
    i += 2;
    if (i < hex.size()) {
      if (hex[i] != ':') return std::nullopt;
      ++i;
      if (i == hex.size()) return std::nullopt;
    }
  }
  if (fingerprint.digest.size() != algorithm->length) return std::nullopt;
  return fingerprint;
}

std::string Fingerprint::to_string() const {
  static const char kDigits[] = "0123456789ABCDEF";
  std::string out = name_of(algorithm).sdp_name;
  out.push_back(' ');
  for (size_t i = 0; i < digest.size(); ++i) {
    if (i) out.push_back(':');
    out.push_back(kDigits[digest[i] >> 4]);
    out.push_back(kDigits[digest[i] & 15]);
  }
  return out;
}

bool Fingerprint::matches(const Fingerprint& other) const {
  return algorithm == other.algorithm && digest.size() == other.digest.size() &&
         CRYPTO_memcmp(digest.data(), other.digest.data(), digest.size()) == 0;
}

namespace detail {

// Digest of the DER encoding of `certificate` (RFC 8122 §5).
Fingerprint fingerprint_of(X509* certificate, FingerprintAlgorithm algorithm) {
  Fingerprint fingerprint;
  fingerprint.algorithm = algorithm;
  const EVP_MD* md = EVP_get_digestbyname(name_of(algorithm).openssl_name);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (md && X509_digest(certificate, md, digest, &length) == 1) {
    fingerprint.digest.assign(digest, digest + length);
  }
  return fingerprint;
}

}  // namespace detail

std::optional<Fingerprint> fingerprint_of_pem(std::string_view certificate_pem,
                                              FingerprintAlgorithm algorithm) {
  detail::OpenSslPtr<BIO> bio(
      BIO_new_mem_buf(certificate_pem.data(), static_cast<int>(certificate_pem.size())));
  detail::OpenSslPtr<X509> certificate(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)
                                           : nullptr);
  if (!certificate) return std::nullopt;
  return detail::fingerprint_of(certificate.get(), algorithm);
}

}  // namespace secmedia
