// SPDX-License-Identifier: LGPL-2.1-or-later
// Certificates and fingerprints (RFC 8122 §5 form): generation, PEM round trip, parsing,
// comparison.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "secmedia/dtls.h"

namespace secmedia {
namespace {

TEST(DtlsCertificate, GeneratedEcdsaAndRsaHaveDistinctIdentities) {
  auto a = DtlsCertificate::generate(CertificateType::ecdsa_p256);
  auto b = DtlsCertificate::generate(CertificateType::ecdsa_p256);
  auto rsa = DtlsCertificate::generate(CertificateType::rsa_2048);
  ASSERT_TRUE(a && b && rsa);
  EXPECT_FALSE(a->fingerprint().matches(b->fingerprint()));
  EXPECT_NE(a->certificate_pem().find("BEGIN CERTIFICATE"), std::string::npos);
  EXPECT_NE(rsa->private_key_pem().find("PRIVATE KEY"), std::string::npos);
}

// The P-256 key is made through OpenSSL's EC_KEY interface for speed (lib/dtls/p256_key.cpp): what
// OpenSSL itself reads back must still be a self-signed ecdsa-with-SHA256 certificate whose key is
// on the named curve prime256v1 (RFC 5480 §2.1.1: named curves only), with a PKCS #8 private key.
TEST(DtlsCertificate, GeneratedEcdsaKeyIsANamedP256CurveAndSignsItsCertificate) {
  auto generated = DtlsCertificate::generate(CertificateType::ecdsa_p256);
  ASSERT_NE(generated, nullptr);
  const std::string pem = generated->certificate_pem();
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* certificate = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  ASSERT_NE(certificate, nullptr);
  EVP_PKEY* key = X509_get0_pubkey(certificate);
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(X509_verify(certificate, key), 1);
  EXPECT_EQ(X509_get_signature_nid(certificate), NID_ecdsa_with_SHA256);
  char group[64] = {};
  size_t group_length = 0;
  ASSERT_EQ(EVP_PKEY_get_group_name(key, group, sizeof group, &group_length), 1);
  EXPECT_STREQ(group, "prime256v1");
  const void* parameter = nullptr;
  int parameter_type = 0;
  X509_ALGOR* algorithm = nullptr;
  ASSERT_EQ(X509_PUBKEY_get0_param(nullptr, nullptr, nullptr, &algorithm,
                                   X509_get_X509_PUBKEY(certificate)),
            1);
  X509_ALGOR_get0(nullptr, &parameter_type, &parameter, algorithm);
  EXPECT_EQ(parameter_type, V_ASN1_OBJECT);  // a named curve, not explicit parameters
  X509_free(certificate);
  EXPECT_EQ(generated->private_key_pem().rfind("-----BEGIN PRIVATE KEY-----", 0), 0u);
}

TEST(DtlsCertificate, PemRoundTripKeepsTheFingerprint) {
  auto original = DtlsCertificate::generate(CertificateType::ecdsa_p256);
  std::string why;
  auto loaded =
      DtlsCertificate::from_pem(original->certificate_pem(), original->private_key_pem(), &why);
  ASSERT_NE(loaded, nullptr) << why;
  EXPECT_TRUE(loaded->fingerprint().matches(original->fingerprint()));
  EXPECT_EQ(
      fingerprint_of_pem(original->certificate_pem(), FingerprintAlgorithm::sha384)->to_string(),
      original->fingerprint(FingerprintAlgorithm::sha384).to_string());
}

TEST(DtlsCertificate, MismatchedKeyAndGarbageAreRefused) {
  auto a = DtlsCertificate::generate(CertificateType::ecdsa_p256);
  auto b = DtlsCertificate::generate(CertificateType::ecdsa_p256);
  std::string why;
  EXPECT_EQ(DtlsCertificate::from_pem(a->certificate_pem(), b->private_key_pem(), &why), nullptr);
  EXPECT_NE(why.find("does not belong"), std::string::npos) << why;
  EXPECT_EQ(DtlsCertificate::from_pem("garbage", a->private_key_pem(), &why), nullptr);
  EXPECT_NE(why.find("not a PEM certificate"), std::string::npos) << why;
}

TEST(Rfc8122Section5, FingerprintFormatAndParse) {
  auto cert = DtlsCertificate::generate(CertificateType::ecdsa_p256);
  const Fingerprint f = cert->fingerprint();
  const std::string text = f.to_string();
  ASSERT_EQ(text.size(), std::string("sha-256 ").size() + 32 * 3 - 1);
  EXPECT_EQ(text.substr(0, 8), "sha-256 ");
  auto parsed = Fingerprint::parse(text);
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(parsed->matches(f));
  // Case-insensitive, as SDP implementations vary.
  std::string lower = text;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  ASSERT_TRUE(Fingerprint::parse(lower));
  EXPECT_TRUE(Fingerprint::parse("SHA-256 " + text.substr(8))->matches(f));
  for (const auto algorithm : {FingerprintAlgorithm::sha1, FingerprintAlgorithm::sha224,
                               FingerprintAlgorithm::sha384, FingerprintAlgorithm::sha512}) {
    EXPECT_TRUE(Fingerprint::parse(cert->fingerprint(algorithm).to_string())
                    ->matches(cert->fingerprint(algorithm)));
  }
}

TEST(Rfc8122Section5, MalformedFingerprintsAreRefused) {
  for (const char* bad :
       {"", "sha-256", "md5 AB:CD", "sha-256 AB:CD", "sha-256 AB:C", "sha-256 ZZ:00",
        "sha-1 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
        "00:11:22:33:",
        "sha-1 00112233445566778899AABBCCDDEEFF00112233"}) {
    EXPECT_EQ(Fingerprint::parse(bad), std::nullopt) << bad;
  }
  EXPECT_TRUE(
      Fingerprint::parse("sha-1 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33"));
}

TEST(Fingerprint, DifferentAlgorithmsNeverMatch) {
  auto cert = DtlsCertificate::generate(CertificateType::ecdsa_p256);
  EXPECT_FALSE(cert->fingerprint(FingerprintAlgorithm::sha256)
                   .matches(cert->fingerprint(FingerprintAlgorithm::sha384)));
}

}  // namespace
}  // namespace secmedia
