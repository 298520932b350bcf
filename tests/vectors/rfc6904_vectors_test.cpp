// SPDX-License-Identifier: LGPL-2.1-or-later
// RFC 6904 (encrypted header extension elements) vectors E1-E5 from
// shared/vectors/srtp-header-vectors.txt, both directions, through SrtpSession. E1 is RFC 6904
// Appendix A; E2 is libsrtp's GCM variant (12-octet k_hs, zero-padded); E3-E5 cover the two-byte
// form and CSRCs, confirmed with libsrtp2 and an independent implementation.
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "hex.h"
#include "key_derivation.h"
#include "packet_iv.h"
#include "secmedia/srtp.h"
#include "sessions.h"

namespace secmedia {
namespace {

using test::from_hex;
using test::to_hex;

constexpr const char* kKey = "e1f97a0d3e018be0d64fa32c06de4139";
constexpr const char* kSaltCm = "0ec675ad498afeebb6960b3aabe6";
constexpr const char* kSaltGcm = "0ec675ad498afeebb6960b3a";

struct HeaderVector {
  const char* name;
  SrtpProfile profile;
  const char* salt;
  const char* plaintext;
  const char* protected_packet;
};

const HeaderVector kVectors[] = {
    {"E1 one-byte AES-CM (RFC 6904 Appendix A)", SrtpProfile::aes_cm_128_hmac_sha1_80, kSaltCm,
     "900f1234decafbadcafebabe bede0006 17414273a475262748220000c8308e4655996386b395fb00 "
     "abababababababababababababababab",
     "900f1234decafbadcafebabe bede0006 17588a9270f4e15e1c220000c8309546a994f0bc54789700 "
     "4e55dc4ce79978d88ca4d215949d2402 5a46b3ca35c535a891c7"},
    {"E2 one-byte GCM", SrtpProfile::aead_aes_128_gcm, kSaltGcm,
     "900f1234decafbadcafebabe bede0006 17414273a475262748220000c8308e4655996386b395fb00 "
     "abababababababababababababababab",
     "900f1234decafbadcafebabe bede0006 1712e0205bfa949b1c220000c830bb46732778d9929aab00 "
     "0eca0cf95ee955b26cd3d288b49f6ca9 f4b1b759719eb5bc113b9ff1d40cd25a"},
    {"E3 two-byte AES-CM", SrtpProfile::aes_cm_128_hmac_sha1_80, kSaltCm,
     "900f1240decafbadcafebabe 10000004 0104deadbeef0202cafe030004020102 "
     "abababababababababababababababab",
     "900f1240decafbadcafebabe 10000004 010454d34af10202cafe03000402e943 "
     "3a949d545d6e89d4f66d3d60112effb2 f78a91b060fb62bd2fb4"},
    {"E4 one-byte AES-CM with CSRCs", SrtpProfile::aes_cm_128_hmac_sha1_80, kSaltCm,
     "920f1241decafbadcafebabe 0001e2400000b26e bede0006 "
     "17414273a475262748220000c8308e4655996386b395fb00 abababababababababababababababab",
     "920f1241decafbadcafebabe 0001e2400000b26e bede0006 "
     "17a2379ada3f853f4d220000c830df46f2a8bac09e3f9800 eabdc131a838513995efd7623779262a "
     "a90c0ed0d4103a029acd"},
    {"E5 two-byte GCM with CSRCs", SrtpProfile::aead_aes_128_gcm, kSaltGcm,
     "920f1242decafbadcafebabe 0001e2400000b26e 10000004 0104deadbeef0202cafe030004020102 "
     "abababababababababababababababab",
     "920f1242decafbadcafebabe 0001e2400000b26e 10000004 01047243fe860202cafe03000402bca0 "
     "3b3b11a5dbc03c00e61ca879391460ee 02c50e701da18443b4e8ef514f3e2bcb"},
};

std::unique_ptr<SrtpSession> session_for(const HeaderVector& v, SrtpDirection direction,
                                         CryptexMode cryptex = CryptexMode::off) {
  SrtpConfig config = test::config_for(direction, v.profile, v.profile);
  config.encrypted_header_extension_ids = {1, 3, 4};
  config.cryptex = cryptex;
  return test::make_session(config, from_hex(kKey), from_hex(v.salt));
}

class Rfc6904Vectors : public ::testing::TestWithParam<HeaderVector> {};

TEST_P(Rfc6904Vectors, ProtectGivesTheVectorBytes) {
  const HeaderVector& v = GetParam();
  auto sender = session_for(v, SrtpDirection::protect);
  ASSERT_NE(sender, nullptr);
  EXPECT_EQ(to_hex(test::protect(*sender, from_hex(v.plaintext))),
            to_hex(from_hex(v.protected_packet)));
  const SrtpStats stats = sender->stats();
  EXPECT_EQ(stats.rtp_packets_encrypted_extensions, 1u);
  EXPECT_EQ(stats.rtp_packets_cryptex + stats.rtp_packets_header_in_clear, 0u);
}

TEST_P(Rfc6904Vectors, ProtectWithTheTagInASeparateTrailerGivesTheSameBytes) {
  const HeaderVector& v = GetParam();
  auto sender = session_for(v, SrtpDirection::protect);
  ASSERT_NE(sender, nullptr);
  std::vector<uint8_t> packet = from_hex(v.plaintext);
  std::vector<uint8_t> trailer(sender->rtp_overhead());
  size_t trailer_length = 0;
  ASSERT_EQ(sender->protect_rtp(packet, trailer, trailer_length), SrtpStatus::ok);
  packet.insert(packet.end(), trailer.begin(), trailer.begin() + trailer_length);
  EXPECT_EQ(to_hex(packet), to_hex(from_hex(v.protected_packet)));
}

TEST_P(Rfc6904Vectors, UnprotectGivesThePlaintextBack) {
  const HeaderVector& v = GetParam();
  auto receiver = session_for(v, SrtpDirection::unprotect);
  ASSERT_NE(receiver, nullptr);
  std::vector<uint8_t> plain;
  ASSERT_EQ(test::unprotect(*receiver, from_hex(v.protected_packet), plain), SrtpStatus::ok);
  EXPECT_EQ(to_hex(plain), to_hex(from_hex(v.plaintext)));
  EXPECT_EQ(receiver->stats().rtp_packets_encrypted_extensions, 1u);
}

// RFC 9335 §5: a packet that is not sent with cryptex may still use RFC 6904. A receiver that
// accepts cryptex decrypts these elements all the same.
TEST_P(Rfc6904Vectors, AReceiverAcceptingCryptexStillDecryptsElements) {
  const HeaderVector& v = GetParam();
  auto receiver = session_for(v, SrtpDirection::unprotect, CryptexMode::accept);
  ASSERT_NE(receiver, nullptr);
  std::vector<uint8_t> plain;
  ASSERT_EQ(test::unprotect(*receiver, from_hex(v.protected_packet), plain), SrtpStatus::ok);
  EXPECT_EQ(to_hex(plain), to_hex(from_hex(v.plaintext)));
}

// Without the IDs the receiver authenticates the packet and leaves the elements encrypted: the
// vector's header bytes really are ciphertext.
TEST_P(Rfc6904Vectors, AReceiverWithoutTheIdsSeesCiphertext) {
  const HeaderVector& v = GetParam();
  SrtpConfig config = test::config_for(SrtpDirection::unprotect, v.profile, v.profile);
  auto receiver = test::make_session(config, from_hex(kKey), from_hex(v.salt));
  std::vector<uint8_t> plain;
  ASSERT_EQ(test::unprotect(*receiver, from_hex(v.protected_packet), plain), SrtpStatus::ok);
  EXPECT_NE(to_hex(plain), to_hex(from_hex(v.plaintext)));
  const auto expected = from_hex(v.plaintext);
  // The payload is plain all the same.
  EXPECT_EQ(to_hex(std::span(plain).last(16)), to_hex(std::span(expected).last(16)));
  EXPECT_EQ(receiver->stats().rtp_packets_header_in_clear, 1u);
}

TEST_P(Rfc6904Vectors, AnyFlippedBitIsRefused) {
  const HeaderVector& v = GetParam();
  const auto genuine = from_hex(v.protected_packet);
  auto receiver = session_for(v, SrtpDirection::unprotect);
  for (size_t bit = 0; bit < genuine.size() * 8; ++bit) {
    auto forged = genuine;
    forged[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    std::vector<uint8_t> plain;
    EXPECT_NE(test::unprotect(*receiver, forged, plain), SrtpStatus::ok) << bit;
  }
  std::vector<uint8_t> plain;
  EXPECT_EQ(test::unprotect(*receiver, genuine, plain), SrtpStatus::ok);
}

INSTANTIATE_TEST_SUITE_P(SrtpHeaderVectors, Rfc6904Vectors, ::testing::ValuesIn(kVectors),
                         [](const auto& test_info) {
                           return std::string(test_info.param.name, 2);
                         });

// E1's intermediate values: k_he and k_hs from KDF labels 6 and 7, the header IV and keystream.
TEST(Rfc6904AppendixA, HeaderKeyAndSaltFromLabels6And7) {
  const auto key = from_hex(kKey);
  const auto salt = from_hex(kSaltCm);
  std::array<uint8_t, 16> k_he;
  std::array<uint8_t, 14> k_hs;
  ASSERT_TRUE(
      detail::derive_session_key(key, salt, detail::KdfLabel::srtp_header_encryption, k_he));
  ASSERT_TRUE(detail::derive_session_key(key, salt, detail::KdfLabel::srtp_header_salt, k_hs));
  EXPECT_EQ(to_hex(k_he), "549752054d6fb708622c4a2e596a1b93");
  EXPECT_EQ(to_hex(k_hs), "ab01818174c40d39a3781f7c2d27");
  std::array<uint8_t, 16> iv;
  detail::make_ctr_iv(k_hs.data(), 0xcafebabe, 0x1234, iv.data());
  EXPECT_EQ(to_hex(iv), "ab018181be3ab787a3781f7c3f130000");
}

// E2's header salt: libsrtp takes 12 octets of label-7 output with the GCM profiles.
TEST(Rfc6904WithGcm, HeaderSaltIsTwelveOctetsOfLabel7) {
  std::array<uint8_t, 16> k_he;
  std::array<uint8_t, 12> k_hs;
  ASSERT_TRUE(detail::derive_session_key(from_hex(kKey), from_hex(kSaltGcm),
                                         detail::KdfLabel::srtp_header_encryption, k_he));
  ASSERT_TRUE(detail::derive_session_key(from_hex(kKey), from_hex(kSaltGcm),
                                         detail::KdfLabel::srtp_header_salt, k_hs));
  EXPECT_EQ(to_hex(k_he), "f565d1d5bcf13e6d3b93e5b3593d2ee0");
  EXPECT_EQ(to_hex(k_hs), "52d7f6ea0c3e161ab58f3f5c");
}

}  // namespace
}  // namespace secmedia
