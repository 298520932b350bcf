// SPDX-License-Identifier: LGPL-2.1-or-later
// RFC 3711 vectors from shared/vectors/srtp-vectors.txt (V1, V2, V3, V8a, V8b, V9).
#include <gtest/gtest.h>

#include "hex.h"
#include "key_derivation.h"
#include "secmedia/srtp.h"
#include "sessions.h"

namespace secmedia {
namespace {

using detail::derive_session_key;
using detail::KdfLabel;
using test::from_hex;
using test::to_hex;

std::string prf(std::string_view key, std::string_view salt, KdfLabel label, size_t length) {
  std::vector<uint8_t> out(length);
  EXPECT_TRUE(derive_session_key(from_hex(key), from_hex(salt), label, out));
  return to_hex(out);
}

// V1: with label 0 the PRF is the plain AES-CM keystream for IV = salt || 0x0000 (RFC 3711 §4.1.1).
TEST(Rfc3711AppendixB2, AesCmKeystream) {
  const std::string key = "2B7E151628AED2A6ABF7158809CF4F3C";
  const std::string salt = "F0F1F2F3F4F5F6F7F8F9FAFBFCFD";
  const std::string stream = prf(key, salt, KdfLabel::srtp_encryption, 0xff02 * 16);
  EXPECT_EQ(stream.substr(0, 96),
            "e03ead0935c95e80e166b16dd92b4eb4d23513162b02d0f72a43a2fe4a5f97ab"
            "41e95b3bb0a2e8dd477901e4fca894c0");
  EXPECT_EQ(stream.substr(0xfeff * 32, 96),
            "ec8cdf7398607cb0f2d21675ea9ea1e4362b7c3c6773516318a077d7fc5073ae"
            "6a2cc3787889374fbeb4c81b17ba6c44");
}

// V2: RFC 3711 Appendix B.3 key derivation.
TEST(Rfc3711AppendixB3, KeyDerivation) {
  const std::string key = "E1F97A0D3E018BE0D64FA32C06DE4139";
  const std::string salt = "0EC675AD498AFEEBB6960B3AABE6";
  EXPECT_EQ(prf(key, salt, KdfLabel::srtp_encryption, 16), "c61e7a93744f39ee10734afe3ff7a087");
  EXPECT_EQ(prf(key, salt, KdfLabel::srtp_salt, 14), "30cbbc08863d8c85d49db34a9ae1");
  EXPECT_EQ(prf(key, salt, KdfLabel::srtp_authentication, 20),
            "cebe321f6ff7716b6fd4ab49af256a156d38baa4");
}

// V3: the SRTCP labels 3, 4, 5 for the same master key.
TEST(Rfc3711Section4_3_2, SrtcpKeyDerivation) {
  const std::string key = "E1F97A0D3E018BE0D64FA32C06DE4139";
  const std::string salt = "0EC675AD498AFEEBB6960B3AABE6";
  EXPECT_EQ(prf(key, salt, KdfLabel::srtcp_encryption, 16), "4c1aa45a81f73d61c800bbb00fbb1eaa");
  EXPECT_EQ(prf(key, salt, KdfLabel::srtcp_authentication, 20),
            "8d54534feb49ae8e7993a6bd0b844fc323a93dfd");
  EXPECT_EQ(prf(key, salt, KdfLabel::srtcp_salt, 14), "9581c7ad87b3e530bf3e4454a8b3");
}

struct PacketVector {
  const char* name;
  SrtpProfile rtp_profile;
  SrtpProfile rtcp_profile;
  const char* key;
  const char* salt;
  bool rtcp;
  uint32_t srtcp_index;
  const char* plain;
  const char* protected_packet;
};

class Rfc3711Packets : public ::testing::TestWithParam<PacketVector> {};

// Protect must produce the reference bytes; unprotect must give back the plain packet.
TEST_P(Rfc3711Packets, ProtectAndUnprotect) {
  const PacketVector& v = GetParam();
  const auto key = from_hex(v.key);
  const auto salt = from_hex(v.salt);
  const auto plain = from_hex(v.plain);
  const auto expected = from_hex(v.protected_packet);

  auto sender = test::make_session(
      test::config_for(SrtpDirection::protect, v.rtp_profile, v.rtcp_profile), key, salt);
  ASSERT_NE(sender, nullptr);
  if (v.rtcp) {
    const uint32_t ssrc =
        uint32_t{plain[4]} << 24 | uint32_t{plain[5]} << 16 | uint32_t{plain[6]} << 8 | plain[7];
    ASSERT_EQ(sender->set_next_srtcp_index(ssrc, v.srtcp_index), SrtpStatus::ok);
  }
  EXPECT_EQ(to_hex(test::protect(*sender, plain, v.rtcp)), to_hex(expected));

  auto receiver = test::make_session(
      test::config_for(SrtpDirection::unprotect, v.rtp_profile, v.rtcp_profile), key, salt);
  ASSERT_NE(receiver, nullptr);
  std::vector<uint8_t> recovered;
  EXPECT_EQ(test::unprotect(*receiver, expected, recovered, v.rtcp), SrtpStatus::ok);
  EXPECT_EQ(to_hex(recovered), to_hex(plain));
}

constexpr const char* kV8Key = "e1f97a0d3e018be0d64fa32c06de4139";
constexpr const char* kV8Salt = "0ec675ad498afeebb6960b3aabe6";
constexpr const char* kV9Key = "22222222222222222222222222222222";
constexpr const char* kV9Salt = "4444444444444444444444444444";

INSTANTIATE_TEST_SUITE_P(
    LibsrtpReference, Rfc3711Packets,
    ::testing::Values(
        PacketVector{"V8a_srtp", SrtpProfile::aes_cm_128_hmac_sha1_80,
                     SrtpProfile::aes_cm_128_hmac_sha1_80, kV8Key, kV8Salt, false, 0,
                     "800f1234decafbadcafebabe abababababababababababababababab",
                     "800f1234decafbadcafebabe 4e55dc4ce79978d88ca4d215949d2402 "
                     "b78d6acc99ea179b8dbb"},
        PacketVector{"V8b_srtcp", SrtpProfile::aes_cm_128_hmac_sha1_80,
                     SrtpProfile::aes_cm_128_hmac_sha1_80, kV8Key, kV8Salt, true, 1,
                     "81c8000bcafebabe abababababababababababababababab",
                     "81c8000bcafebabe 7128035be487b9bdbef89041f977a5a8 80000001 "
                     "993e08cd54d6c1230798"},
        PacketVector{"V9a_srtp", SrtpProfile::aes_cm_128_hmac_sha1_80,
                     SrtpProfile::aes_cm_128_hmac_sha1_80, kV9Key, kV9Salt, false, 0,
                     "800000010000000001020304 a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5",
                     "800000010000000001020304 f5b44b7e3ad4eb057bc6480c45df6547bb70bcc2 "
                     "7b136e1f3d3a62821b15"},
        // SDES-style 32-bit SRTCP tag (RFC 5764 §4.1.2 would use 80 bits for SRTCP under _32).
        PacketVector{"V9b_srtcp_32bit_tag", SrtpProfile::aes_cm_128_hmac_sha1_32,
                     SrtpProfile::aes_cm_128_hmac_sha1_32, kV9Key, kV9Salt, true, 1,
                     "81cb0002 01020304 01620000", "81cb000201020304 87c9fcdb 80000001 e9442fcc"}),
    [](const auto& test_info) { return std::string(test_info.param.name); });

}  // namespace
}  // namespace secmedia
