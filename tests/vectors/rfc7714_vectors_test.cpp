// SPDX-License-Identifier: LGPL-2.1-or-later
// RFC 7714 vectors from shared/vectors/srtp-vectors.txt (V6 = §16, V7 = §17, V8c/V8d = libsrtp's
// GCM reference packets). §16 and §17 give session keys, not master keys, so they drive the AEAD
// transform directly; V8c/V8d go through the whole session, KDF included.
#include <gtest/gtest.h>

#include <array>

#include "hex.h"
#include "packet_iv.h"
#include "secmedia/srtp.h"
#include "session_crypto.h"
#include "sessions.h"

namespace secmedia {
namespace {

using detail::SessionCrypto;
using test::from_hex;
using test::to_hex;

constexpr const char* kSalt = "517569642070726f2071756f";
constexpr const char* kKey128 = "000102030405060708090a0b0c0d0e0f";
constexpr const char* kKey256 = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
constexpr const char* kRtp =
    "8040f17b8041f8d35501a0b2 47616c6c696120657374206f6d6e69732064697669736120696e2070617274657320"
    "74726573";
constexpr const char* kRtcp =
    "81c8000d4d617273 4e5450314e545032525450200000042a0000e9304c756e61"
    "deadbeefdeadbeefdeadbeefdeadbeefdeadbeef";

SessionCrypto session_crypto(SrtpProfile profile, const char* key, bool for_protect) {
  SessionCrypto crypto;
  std::string why;
  EXPECT_TRUE(
      crypto.init_with_session_keys(profile, from_hex(key), from_hex(kSalt), {}, for_protect, &why))
      << why;
  return crypto;
}

TEST(Rfc7714Section16, SrtpIv) {
  const auto salt = from_hex(kSalt);
  std::array<uint8_t, 12> iv;
  detail::make_srtp_gcm_iv(salt.data(), 0x5501a0b2, 0xf17b, iv.data());
  EXPECT_EQ(to_hex(iv), "51753c6580c2726f20718414");
}

struct SrtpGcmCase {
  SrtpProfile profile;
  const char* key;
  const char* expected;
};

// §16.1.1 (AES-128) and §16.2.1 (AES-256): seal gives ciphertext || tag; open gives back the plain
// text.
TEST(Rfc7714Section16, SrtpSealAndOpen) {
  const SrtpGcmCase cases[] = {
      {SrtpProfile::aead_aes_128_gcm, kKey128,
       "8040f17b8041f8d35501a0b2f24de3a3fb34de6cacba861c9d7e4bcabe633bd50d294e6f42a5f47a51c7d19b"
       "36de3adf8833899d7f27beb16a9152cf765ee4390cce"},
      {SrtpProfile::aead_aes_256_gcm, kKey256,
       "8040f17b8041f8d35501a0b232b1de78a822fe12ef9f78fa332e33aab18012389a58e2f3b50b2a0276ffae0f"
       "1ba63799b87b7aa3db36dfffd6b0f9bb7878d7a76c13"},
  };
  const auto salt = from_hex(kSalt);
  for (const auto& c : cases) {
    SCOPED_TRACE(profile_info(c.profile).name);
    std::vector<uint8_t> packet = from_hex(kRtp);
    const size_t plain_length = packet.size();
    packet.resize(plain_length + 16);
    std::array<uint8_t, 12> iv;
    detail::make_srtp_gcm_iv(salt.data(), 0x5501a0b2, 0xf17b, iv.data());

    SessionCrypto sealer = session_crypto(c.profile, c.key, true);
    ASSERT_TRUE(sealer.gcm_seal(iv.data(), std::span(packet.data(), 12), {}, packet.data() + 12,
                                plain_length - 12, packet.data() + plain_length));
    EXPECT_EQ(to_hex(packet), to_hex(from_hex(c.expected)));

    SessionCrypto opener = session_crypto(c.profile, c.key, false);
    ASSERT_TRUE(opener.gcm_open(iv.data(), std::span(packet.data(), 12), {}, packet.data() + 12,
                                plain_length - 12, packet.data() + plain_length));
    packet.resize(plain_length);
    EXPECT_EQ(to_hex(packet), to_hex(from_hex(kRtp)));
  }
}

TEST(Rfc7714Section17, SrtcpIv) {
  const auto salt = from_hex(kSalt);
  std::array<uint8_t, 12> iv;
  detail::make_srtcp_gcm_iv(salt.data(), 0x4d617273, 0x5d4, iv.data());
  EXPECT_EQ(to_hex(iv), "517524055203726f207170bb");
}

struct SrtcpGcmCase {
  SrtpProfile profile;
  const char* key;
  bool encrypted;
  const char* body_and_tag;  // what follows the 8-octet header (E=1) or the whole packet (E=0)
  const char* trailer;
};

// §17.1, §17.2 (E=1: AAD = header || E|index) and §17.3 (E=0: AAD = packet || E|index).
TEST(Rfc7714Section17, SrtcpSealAndOpen) {
  const SrtcpGcmCase cases[] = {
      {SrtpProfile::aead_aes_128_gcm, kKey128, true,
       "63e94885dcdab67ca727d7662f6b7e997ff5c0f76c06f32dc676a5f1730d6fda4ce09b4686303ded0bb9275b"
       "c84aa45896cf4d2fc5abf87245d9eade",
       "800005d4"},
      {SrtpProfile::aead_aes_256_gcm, kKey256, true,
       "d50ae4d1f5ce5d304ba297e47d470c282c3ece5dbffe0a50a2eaa5c1110555be8415f658c61de0476f1b6fad"
       "1d1eb30c4446839f57ff6f6cb26ac3be",
       "800005d4"},
      {SrtpProfile::aead_aes_128_gcm, kKey128, false, "841dd9683dd78ec92ae58790125f62b3",
       "000005d4"},
  };
  const auto salt = from_hex(kSalt);
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(profile_info(c.profile).name) + (c.encrypted ? " E=1" : " E=0"));
    const auto trailer = from_hex(c.trailer);
    std::vector<uint8_t> packet = from_hex(kRtcp);
    const size_t plain_length = packet.size();
    packet.resize(plain_length + 16);
    std::array<uint8_t, 12> iv;
    detail::make_srtcp_gcm_iv(salt.data(), 0x4d617273, 0x5d4, iv.data());
    const size_t aad_length = c.encrypted ? 8 : plain_length;
    const size_t data_length = plain_length - aad_length;

    SessionCrypto sealer = session_crypto(c.profile, c.key, true);
    ASSERT_TRUE(sealer.gcm_seal(iv.data(), std::span(packet.data(), aad_length), trailer,
                                packet.data() + aad_length, data_length,
                                packet.data() + plain_length));
    EXPECT_EQ(to_hex(std::span(packet).subspan(aad_length)), to_hex(from_hex(c.body_and_tag)));

    SessionCrypto opener = session_crypto(c.profile, c.key, false);
    ASSERT_TRUE(opener.gcm_open(iv.data(), std::span(packet.data(), aad_length), trailer,
                                packet.data() + aad_length, data_length,
                                packet.data() + plain_length));
    packet.resize(plain_length);
    EXPECT_EQ(to_hex(packet), to_hex(from_hex(kRtcp)));
  }
}

// V8c / V8d: libsrtp's srtp_validate_gcm reference packets through the session (KDF with the
// 12-octet master salt padded by two zero octets, RFC 7714 §11).
TEST(Rfc7714Packets, LibsrtpGcmReference) {
  const auto key = from_hex("000102030405060708090a0b0c0d0e0f");
  const auto salt = from_hex("a0a1a2a3a4a5a6a7a8a9aaab");
  const auto profile = SrtpProfile::aead_aes_128_gcm;
  const auto rtp = from_hex("800f1234decafbadcafebabe abababababababababababababababab");
  const auto srtp = from_hex(
      "800f1234decafbadcafebabe c5002ede04cfdd2eb91159e0880aa06ed2976826f796b201df3131a127e8a392");
  const auto rtcp = from_hex("81c8000bcafebabe abababababababababababababababab");
  const auto srtcp = from_hex(
      "81c8000bcafebabe c98b8b5df0392a55852b6c21ac8e7025c52c6fbea2b3b446ea31123ba88ce61e 80000001");

  auto sender =
      test::make_session(test::config_for(SrtpDirection::protect, profile, profile), key, salt);
  ASSERT_NE(sender, nullptr);
  ASSERT_EQ(sender->set_next_srtcp_index(0xcafebabe, 1), SrtpStatus::ok);
  EXPECT_EQ(to_hex(test::protect(*sender, rtp)), to_hex(srtp));
  EXPECT_EQ(to_hex(test::protect(*sender, rtcp, true)), to_hex(srtcp));

  auto receiver =
      test::make_session(test::config_for(SrtpDirection::unprotect, profile, profile), key, salt);
  ASSERT_NE(receiver, nullptr);
  std::vector<uint8_t> plain;
  EXPECT_EQ(test::unprotect(*receiver, srtp, plain), SrtpStatus::ok);
  EXPECT_EQ(to_hex(plain), to_hex(rtp));
  EXPECT_EQ(test::unprotect(*receiver, srtcp, plain, true), SrtpStatus::ok);
  EXPECT_EQ(to_hex(plain), to_hex(rtcp));
}

}  // namespace
}  // namespace secmedia
