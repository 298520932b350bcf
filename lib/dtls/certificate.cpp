// SPDX-License-Identifier: LGPL-2.1-or-later
// Certificates for DTLS: self-signed ECDSA P-256 (fast to make) or RSA-2048, or loaded from PEM.
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "certificate_impl.h"
#include "p256_key.h"

namespace secmedia {

namespace {

using detail::OpenSslPtr;

std::string openssl_error(const char* what) {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return what;
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return std::string(what) + ": " + text;
}

std::string bio_to_string(BIO* bio) {
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(length));
}

// WebRTC endpoints use short-lived self-signed certificates whose only identity is their
// fingerprint (RFC 8827 §6.5); the subject is a random name so two of them never look alike.
OpenSslPtr<X509> self_signed(EVP_PKEY* key, std::string* why) {
  OpenSslPtr<X509> x509(X509_new());
  uint8_t serial_bytes[16];
  uint8_t name_bytes[8];
  if (!x509 || RAND_bytes(serial_bytes, sizeof serial_bytes) != 1 ||
      RAND_bytes(name_bytes, sizeof name_bytes) != 1) {
    if (why) *why = openssl_error("cannot create a certificate");
    return nullptr;
  }
  serial_bytes[0] &= 0x7f;  // a positive serial number (RFC 5280 §4.1.2.2)
  BIGNUM* serial = BN_bin2bn(serial_bytes, sizeof serial_bytes, nullptr);
  std::string common_name = "secmedia-";
  static const char kDigits[] = "0123456789abcdef";
  for (uint8_t b : name_bytes) {
    common_name.push_back(kDigits[b >> 4]);
    common_name.push_back(kDigits[b & 15]);
  }
  X509_NAME* name = X509_get_subject_name(x509.get());
  const bool ok =
      X509_set_version(x509.get(), 2) == 1 && serial &&
      BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(x509.get())) != nullptr &&
      X509_gmtime_adj(X509_getm_notBefore(x509.get()), -24 * 3600) != nullptr &&
      X509_gmtime_adj(X509_getm_notAfter(x509.get()), 30L * 24 * 3600) != nullptr &&
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                                 -1, 0) == 1 &&
      X509_set_issuer_name(x509.get(), name) == 1 && X509_set_pubkey(x509.get(), key) == 1 &&
      X509_sign(x509.get(), key, EVP_sha256()) > 0;
  BN_free(serial);
  if (!ok) {
    if (why) *why = openssl_error("cannot sign the certificate");
    return nullptr;
  }
  return x509;
}

}  // namespace

DtlsCertificate::DtlsCertificate(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DtlsCertificate::~DtlsCertificate() = default;

std::shared_ptr<const DtlsCertificate> DtlsCertificate::generate(CertificateType type,
                                                                 std::string* why) {
  auto impl = std::make_unique<Impl>();
  if (type == CertificateType::ecdsa_p256) {
    impl->key = detail::generate_p256_key();
  } else {
    impl->key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048}));
  }
  if (!impl->key) {
    if (why) *why = openssl_error("key generation failed");
    return nullptr;
  }
  impl->certificate = self_signed(impl->key.get(), why);
  if (!impl->certificate) return nullptr;
  return std::shared_ptr<const DtlsCertificate>(new DtlsCertificate(std::move(impl)));
}

std::shared_ptr<const DtlsCertificate> DtlsCertificate::from_pem(std::string_view certificate_pem,
                                                                 std::string_view private_key_pem,
                                                                 std::string* why) {
  auto impl = std::make_unique<Impl>();
  OpenSslPtr<BIO> cert_bio(
      BIO_new_mem_buf(certificate_pem.data(), static_cast<int>(certificate_pem.size())));
  OpenSslPtr<BIO> key_bio(
      BIO_new_mem_buf(private_key_pem.data(), static_cast<int>(private_key_pem.size())));
  if (cert_bio)
    impl->certificate.reset(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  if (!impl->certificate) {
    if (why) *why = openssl_error("not a PEM certificate");
    return nullptr;
  }
  if (key_bio) impl->key.reset(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  if (!impl->key) {
    if (why) *why = openssl_error("not a PEM private key");
    return nullptr;
  }
  if (X509_check_private_key(impl->certificate.get(), impl->key.get()) != 1) {
    if (why) *why = openssl_error("the private key does not belong to the certificate");
    return nullptr;
  }
  return std::shared_ptr<const DtlsCertificate>(new DtlsCertificate(std::move(impl)));
}

std::string DtlsCertificate::certificate_pem() const {
  OpenSslPtr<BIO> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), impl_->certificate.get()) != 1) return {};
  return bio_to_string(bio.get());
}

std::string DtlsCertificate::private_key_pem() const {
  OpenSslPtr<BIO> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), impl_->key.get(), nullptr, nullptr, 0, nullptr,
                                       nullptr) != 1) {
    return {};
  }
  return bio_to_string(bio.get());
}

Fingerprint DtlsCertificate::fingerprint(FingerprintAlgorithm algorithm) const {
  return detail::fingerprint_of(impl_->certificate.get(), algorithm);
}

}  // namespace secmedia
