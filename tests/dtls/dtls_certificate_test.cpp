// SPDX-License-Identifier: LGPL-2.1-or-later
// Certificates and fingerprints (RFC 8122 §5 form): generation, PEM round trip, parsing,
// comparison.
#include <gtest/gtest.h>

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
