// SPDX-License-Identifier: LGPL-2.1-or-later
// RFC 9335 (cryptex) vectors from shared/vectors/srtp-header-vectors.txt: C1-C12 are RFC 9335
// Appendix A (A.1 AES-CM, A.2 AES-GCM), both directions; C13 is the sending rule for CSRCs without
// an extension; C14 a non-RFC 8285 extension, sent as plain SRTP when cryptex is merely accepted.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "hex.h"
#include "secmedia/srtp.h"
#include "sessions.h"

namespace secmedia {
namespace {

using test::from_hex;
using test::to_hex;

struct Keys {
  SrtpProfile profile;
  const char* key;
  const char* salt;
};
// RFC 9335 A.1 and A.2.
const Keys kCtr{SrtpProfile::aes_cm_128_hmac_sha1_80, "e1f97a0d3e018be0d64fa32c06de4139",
                "0ec675ad498afeebb6960b3aabe6"};
const Keys kGcm{SrtpProfile::aead_aes_128_gcm, "000102030405060708090a0b0c0d0e0f",
                "a0a1a2a3a4a5a6a7a8a9aaab"};

struct CryptexVector {
  const char* name;
  const Keys* keys;
  const char* plaintext;
  const char* protected_packet;
};

const CryptexVector kVectors[] = {
    {"C1", &kCtr, "900f1235decafbadcafebabe bede0001 51000200 abababababababababababababababab",
     "900f1235decafbadcafebabe c0de0001 eb923652 51c3e036f8de27e9c27ee3e0b4651d9f "
     "bc4218a70244522f34a5"},
    {"C2", &kCtr, "900f1236decafbadcafebabe 10000001 05020002 abababababababababababababababab",
     "900f1236decafbadcafebabe c2de0001 4ed9cc4e 6a712b3096c5ca77339d4204ce0d7739 "
     "6cab69585fbce38194a5"},
    {"C3", &kCtr,
     "920f1238decafbadcafebabe 0001e2400000b26e bede0001 51000200 "
     "abababababababababababababababab",
     "920f1238decafbadcafebabe 8bb6e12b5cff16dd c0de0001 92838c8c "
     "09e58393e1de3a9a74734d6745671338 c3acf11da2df8423bee0"},
    {"C4", &kCtr,
     "920f1239decafbadcafebabe 0001e2400000b26e 10000001 05020002 "
     "abababababababababababababababab",
     "920f1239decafbadcafebabe f70e513eb90b9b25 c2de0001 bbed4848 "
     "faa644665f3d7f34125914e9f4d0ae92 3c6f479b95a0f7b53133"},
    {"C5", &kCtr,
     "920f123adecafbadcafebabe 0001e2400000b26e bede0000 abababababababababababababababab",
     "920f123adecafbadcafebabe 7130b6abfe2ab0e3 c0de0000 e3d9f64b25c9e74cb4cf8e43fb92e378 "
     "1c2c0ceab6b3a499a14c"},
    {"C6", &kCtr,
     "920f123bdecafbadcafebabe 0001e2400000b26e 10000000 abababababababababababababababab",
     "920f123bdecafbadcafebabe cbf24c124330e1c8 c2de0000 599dd45bc9d687b603e8b59d771fd38e "
     "88b170e0cd31e125eabe"},
    {"C7", &kGcm, "900f1235decafbadcafebabe bede0001 51000200 abababababababababababababababab",
     "900f1235decafbadcafebabe c0de0001 39972dc9 572c4d99e8fc355de743fb2e94f9d8ff "
     "54e72f4193bbc5c74ffab0fa9fa0fbeb"},
    {"C8", &kGcm, "900f1236decafbadcafebabe 10000001 05020002 abababababababababababababababab",
     "900f1236decafbadcafebabe c2de0001 bb75a4c5 45cd1f413bdb7daa2b1e3263de313667 "
     "c963249081b35a65f5cb6c88b394235f"},
    {"C9", &kGcm,
     "920f1238decafbadcafebabe 0001e2400000b26e bede0001 51000200 "
     "abababababababababababababababab",
     "920f1238decafbadcafebabe 63bbccc4a7f695c4 c0de0001 8ad7c71f "
     "ac70a80c92866b4c6ba98546ef913586 e95ffaaffe956885bb0647a8bc094ac8"},
    {"C10", &kGcm,
     "920f1239decafbadcafebabe 0001e2400000b26e 10000001 05020002 "
     "abababababababababababababababab",
     "920f1239decafbadcafebabe 3680524f8d312b00 c2de0001 c78d1200 "
     "38422bc111a7187a18246f980c059cc6 bc9df8b626394eca344e4b05d80fea83"},
    {"C11", &kGcm,
     "920f123adecafbadcafebabe 0001e2400000b26e bede0000 abababababababababababababababab",
     "920f123adecafbadcafebabe 15b6bb4337906fff c0de0000 b7b964537a2b03ab7ba5389ce9331712 "
     "6b5d974df30c6884dcb651c5e120c1da"},
    {"C12", &kGcm,
     "920f123bdecafbadcafebabe 0001e2400000b26e 10000000 abababababababababababababababab",
     "920f123bdecafbadcafebabe dcb38c9e48bf95f4 c2de0000 61ee432cf920317076613258d3ce4236 "
     "c06ac429681ad08413512dc98b5207d8"},
};

std::unique_ptr<SrtpSession> cryptex_session(const Keys& keys, SrtpDirection direction,
                                             CryptexMode mode) {
  SrtpConfig config = test::config_for(direction, keys.profile, keys.profile);
  config.cryptex = mode;
  return test::make_session(config, from_hex(keys.key), from_hex(keys.salt));
}

class Rfc9335Vectors : public ::testing::TestWithParam<CryptexVector> {};

TEST_P(Rfc9335Vectors, ProtectGivesTheVectorBytes) {
  const CryptexVector& v = GetParam();
  for (const CryptexMode mode : {CryptexMode::accept, CryptexMode::required}) {
    auto sender = cryptex_session(*v.keys, SrtpDirection::protect, mode);
    EXPECT_EQ(to_hex(test::protect(*sender, from_hex(v.plaintext))),
              to_hex(from_hex(v.protected_packet)))
        << to_string(mode);
    EXPECT_EQ(sender->stats().rtp_packets_cryptex, 1u);
  }
}

TEST_P(Rfc9335Vectors, UnprotectGivesThePlaintextBack) {
  const CryptexVector& v = GetParam();
  for (const CryptexMode mode : {CryptexMode::accept, CryptexMode::required}) {
    auto receiver = cryptex_session(*v.keys, SrtpDirection::unprotect, mode);
    std::vector<uint8_t> plain;
    ASSERT_EQ(test::unprotect(*receiver, from_hex(v.protected_packet), plain), SrtpStatus::ok)
        << to_string(mode);
    EXPECT_EQ(to_hex(plain), to_hex(from_hex(v.plaintext)));
    EXPECT_EQ(receiver->stats().rtp_packets_cryptex, 1u);
  }
}

// A receiver that did not negotiate cryptex treats 0xC0DE/0xC2DE as an unknown profile. With AES-CM
// the packet authenticates but its CSRCs and extension stay ciphertext; with AES-GCM the AAD it
// expects (the whole header) is not what the sender used, so authentication fails.
TEST_P(Rfc9335Vectors, AReceiverWithCryptexOffLeavesTheHeaderEncrypted) {
  const CryptexVector& v = GetParam();
  auto receiver = cryptex_session(*v.keys, SrtpDirection::unprotect, CryptexMode::off);
  std::vector<uint8_t> plain;
  if (profile_info(v.keys->profile).is_aead) {
    EXPECT_EQ(test::unprotect(*receiver, from_hex(v.protected_packet), plain),
              SrtpStatus::auth_failure);
    return;
  }
  ASSERT_EQ(test::unprotect(*receiver, from_hex(v.protected_packet), plain), SrtpStatus::ok);
  const auto wire = from_hex(v.protected_packet);
  const size_t header_length = plain.size() - 16;
  EXPECT_EQ(to_hex(std::span(plain).first(header_length)),
            to_hex(std::span(wire).first(header_length)));
}

TEST_P(Rfc9335Vectors, AnyFlippedBitIsRefused) {
  const CryptexVector& v = GetParam();
  const auto genuine = from_hex(v.protected_packet);
  auto receiver = cryptex_session(*v.keys, SrtpDirection::unprotect, CryptexMode::accept);
  for (size_t bit = 0; bit < genuine.size() * 8; ++bit) {
    auto forged = genuine;
    forged[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    std::vector<uint8_t> plain;
    EXPECT_NE(test::unprotect(*receiver, forged, plain), SrtpStatus::ok) << bit;
  }
}

INSTANTIATE_TEST_SUITE_P(SrtpHeaderVectors, Rfc9335Vectors, ::testing::ValuesIn(kVectors),
                         [](const auto& test_info) { return std::string(test_info.param.name); });

// C13: CSRCs and no extension. The sender adds an empty 0xC0DE block and sets X, giving exactly C5
// (AES-CM) or C11 (GCM); the receiver gives back C5's plaintext, the empty block kept.
TEST(Rfc9335SendingRule, CsrcsWithoutExtensionGetAnEmptyBlock) {
  const char* plaintext =
      "820f123adecafbadcafebabe 0001e2400000b26e abababababababababababababababab";
  const struct {
    const Keys* keys;
    const CryptexVector* expected;
  } cases[] = {{&kCtr, &kVectors[4]}, {&kGcm, &kVectors[10]}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.expected->name);
    auto sender = cryptex_session(*c.keys, SrtpDirection::protect, CryptexMode::accept);
    EXPECT_EQ(sender->rtp_overhead(), profile_info(c.keys->profile).tag_length + 4);
    EXPECT_EQ(to_hex(test::protect(*sender, from_hex(plaintext))),
              to_hex(from_hex(c.expected->protected_packet)));

    // The same through the split call: the 4 octets that no longer fit go to the trailer.
    auto split_sender = cryptex_session(*c.keys, SrtpDirection::protect, CryptexMode::accept);
    std::vector<uint8_t> packet = from_hex(plaintext);
    std::vector<uint8_t> trailer(split_sender->rtp_overhead());
    size_t trailer_length = 0;
    ASSERT_EQ(split_sender->protect_rtp(packet, trailer, trailer_length), SrtpStatus::ok);
    packet.insert(packet.end(), trailer.begin(), trailer.begin() + trailer_length);
    EXPECT_EQ(to_hex(packet), to_hex(from_hex(c.expected->protected_packet)));

    auto receiver = cryptex_session(*c.keys, SrtpDirection::unprotect, CryptexMode::required);
    std::vector<uint8_t> plain;
    ASSERT_EQ(test::unprotect(*receiver, from_hex(c.expected->protected_packet), plain),
              SrtpStatus::ok);
    EXPECT_EQ(to_hex(plain), to_hex(from_hex(c.expected->plaintext)));
  }
}

// C13 with payloads shorter than the inserted block, through the split call: the block itself then
// straddles the packet memory and the trailer. Whatever the split, the bytes equal the contiguous
// call's and unprotect gives the packet back with the empty block.
TEST(Rfc9335SendingRule, ShortPayloadsAcrossTheTrailer) {
  for (const Keys* keys : {&kCtr, &kGcm}) {
    for (size_t payload = 0; payload <= 5; ++payload) {
      SCOPED_TRACE(std::to_string(payload));
      std::vector<uint8_t> plain = from_hex("820f123adecafbadcafebabe 0001e2400000b26e");
      for (size_t i = 0; i < payload; ++i) plain.push_back(static_cast<uint8_t>(0xa0 + i));
      auto contiguous = cryptex_session(*keys, SrtpDirection::protect, CryptexMode::accept);
      const auto expected = test::protect(*contiguous, plain);
      auto split = cryptex_session(*keys, SrtpDirection::protect, CryptexMode::accept);
      std::vector<uint8_t> packet = plain;
      std::vector<uint8_t> trailer(split->rtp_overhead());
      size_t trailer_length = 0;
      ASSERT_EQ(split->protect_rtp(packet, trailer, trailer_length), SrtpStatus::ok);
      packet.insert(packet.end(), trailer.begin(), trailer.begin() + trailer_length);
      EXPECT_EQ(to_hex(packet), to_hex(expected));

      auto receiver = cryptex_session(*keys, SrtpDirection::unprotect, CryptexMode::required);
      std::vector<uint8_t> back;
      ASSERT_EQ(test::unprotect(*receiver, expected, back), SrtpStatus::ok);
      std::vector<uint8_t> with_block =
          from_hex("920f123adecafbadcafebabe 0001e2400000b26e bede0000");
      with_block.insert(with_block.end(), plain.begin() + 20, plain.end());
      EXPECT_EQ(to_hex(back), to_hex(with_block));
    }
  }
}

// C14: profile 0x0bad is not RFC 8285. With cryptex accepted it goes as plain SRTP both ways; when
// cryptex is required it is refused both ways.
TEST(Rfc9335NonRfc8285Extension, PlainSrtpWhenAcceptedRefusedWhenRequired) {
  const char* plaintext =
      "900f1237decafbadcafebabe 0bad0001 dededede abababababababababababababababab";
  const struct {
    const Keys* keys;
    const char* expected;
  } cases[] = {
      {&kCtr,
       "900f1237decafbadcafebabe 0bad0001 dededede f0d0ad5d827c05082c5e8a9d3515a8ff "
       "9faae0dda2f8787c254e"},
      {&kGcm,
       "900f1237decafbadcafebabe 0bad0001 dededede 0b30fff466b596a57241d861b7b1c681 "
       "e065d1bf3edb6b45e39b36d3c7765ebd"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(profile_info(c.keys->profile).name);
    auto sender = cryptex_session(*c.keys, SrtpDirection::protect, CryptexMode::accept);
    EXPECT_EQ(to_hex(test::protect(*sender, from_hex(plaintext))), to_hex(from_hex(c.expected)));
    EXPECT_EQ(sender->stats().rtp_packets_header_in_clear, 1u);
    auto receiver = cryptex_session(*c.keys, SrtpDirection::unprotect, CryptexMode::accept);
    std::vector<uint8_t> plain;
    ASSERT_EQ(test::unprotect(*receiver, from_hex(c.expected), plain), SrtpStatus::ok);
    EXPECT_EQ(to_hex(plain), to_hex(from_hex(plaintext)));

    auto strict_sender = cryptex_session(*c.keys, SrtpDirection::protect, CryptexMode::required);
    std::vector<uint8_t> buffer = from_hex(plaintext);
    size_t length = buffer.size();
    buffer.resize(length + strict_sender->rtp_overhead());
    EXPECT_EQ(strict_sender->protect_rtp(buffer, length), SrtpStatus::cryptex_required);
    EXPECT_EQ(strict_sender->stats().rtp_drops[static_cast<size_t>(SrtpStatus::cryptex_required)],
              1u);
    auto strict_receiver =
        cryptex_session(*c.keys, SrtpDirection::unprotect, CryptexMode::required);
    EXPECT_EQ(test::unprotect(*strict_receiver, from_hex(c.expected), plain),
              SrtpStatus::cryptex_required);
    EXPECT_EQ(strict_receiver->stats().rtp_drops[static_cast<size_t>(SrtpStatus::cryptex_required)],
              1u);
  }
}

}  // namespace
}  // namespace secmedia
