// SPDX-License-Identifier: LGPL-2.1-or-later
// Header privacy behaviour beyond the vectors: configuration checks, the cryptex modes, malformed
// extension blocks (a status, never an over-read: buffers are exact-size for the sanitizers), the
// RFC 8285 walk and its keystream offsets, and a sequence-number wrap.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "header_extension.h"
#include "hex.h"
#include "packets.h"
#include "secmedia/srtp.h"
#include "sessions.h"

namespace secmedia {
namespace {

using test::from_hex;
using test::to_hex;

const std::vector<uint8_t> kKey(16, 0x42);
const std::vector<uint8_t> kSalt(14, 0x24);

SrtpConfig config_with(SrtpDirection direction, std::vector<uint8_t> ids, CryptexMode cryptex,
                       SrtpProfile profile = SrtpProfile::aes_cm_128_hmac_sha1_80) {
  SrtpConfig config = test::config_for(direction, profile, profile);
  config.encrypted_header_extension_ids = std::move(ids);
  config.cryptex = cryptex;
  return config;
}

std::unique_ptr<SrtpSession> session_with(SrtpDirection direction, std::vector<uint8_t> ids,
                                          CryptexMode cryptex) {
  return test::make_session(config_with(direction, std::move(ids), cryptex), kKey, kSalt);
}

// A packet: fixed header with `csrcs`, then `extension` (block header included) and 20 octets of
// payload.
std::vector<uint8_t> packet_with(const char* extension, uint16_t sequence = 7, int csrcs = 0) {
  std::vector<uint8_t> packet = from_hex("8060000000000001 12345678");
  packet[0] = static_cast<uint8_t>(0x80 | csrcs | (extension[0] ? 0x10 : 0));
  packet[2] = static_cast<uint8_t>(sequence >> 8);
  packet[3] = static_cast<uint8_t>(sequence);
  for (int i = 0; i < csrcs; ++i) test::put32(packet, 0xc5c50000u + static_cast<uint32_t>(i));
  const auto ext = from_hex(extension);
  packet.insert(packet.end(), ext.begin(), ext.end());
  for (int i = 0; i < 20; ++i) packet.push_back(static_cast<uint8_t>(0x30 + i));
  return packet;
}

TEST(HeaderPrivacyConfig, RefusesIdZeroAndUnencryptedProfiles) {
  std::string why;
  EXPECT_EQ(
      SrtpSession::create(config_with(SrtpDirection::protect, {1, 0}, CryptexMode::off), &why),
      nullptr);
  EXPECT_NE(why.find("ID 0"), std::string::npos) << why;
  for (const SrtpProfile profile : {SrtpProfile::null_hmac_sha1_80, SrtpProfile::null_null}) {
    why.clear();
    EXPECT_EQ(SrtpSession::create(
                  config_with(SrtpDirection::protect, {}, CryptexMode::accept, profile), &why),
              nullptr);
    EXPECT_NE(why.find("encrypting RTP profile"), std::string::npos) << why;
    EXPECT_EQ(SrtpSession::create(
                  config_with(SrtpDirection::unprotect, {3}, CryptexMode::off, profile), &why),
              nullptr);
  }
  SrtpConfig bad_mode = config_with(SrtpDirection::protect, {}, CryptexMode::off);
  bad_mode.cryptex = static_cast<CryptexMode>(7);
  EXPECT_EQ(SrtpSession::create(bad_mode, &why), nullptr);
  EXPECT_NE(SrtpSession::create(
                config_with(SrtpDirection::protect, {1, 14, 15, 255}, CryptexMode::required)),
            nullptr);
}

TEST(HeaderPrivacyConfig, ModeNames) {
  for (const CryptexMode mode : {CryptexMode::off, CryptexMode::accept, CryptexMode::required}) {
    EXPECT_EQ(cryptex_mode_from_name(to_string(mode)), mode);
  }
  EXPECT_EQ(cryptex_mode_from_name("REQUIRED"), CryptexMode::required);
  EXPECT_EQ(cryptex_mode_from_name("on"), std::nullopt);
  EXPECT_STREQ(to_string(SrtpStatus::cryptex_required), "cryptex-required");
  EXPECT_STREQ(to_string(SrtpStatus::header_extension_malformed), "header-extension-malformed");
}

// Only a cryptex session's sender may grow a packet by the inserted block.
TEST(HeaderPrivacyConfig, OverheadGrowsOnlyForACryptexSender) {
  EXPECT_EQ(session_with(SrtpDirection::protect, {}, CryptexMode::accept)->rtp_overhead(), 14u);
  EXPECT_EQ(session_with(SrtpDirection::protect, {1}, CryptexMode::off)->rtp_overhead(), 10u);
  EXPECT_EQ(session_with(SrtpDirection::unprotect, {}, CryptexMode::required)->rtp_overhead(), 10u);
}

// Required: a packet whose CSRCs or extension travel in clear is refused after it authenticated;
// a packet with neither has nothing to hide and passes.
TEST(CryptexModes, RequiredRefusesHeadersInClear) {
  auto plain_sender = session_with(SrtpDirection::protect, {}, CryptexMode::off);
  auto receiver = session_with(SrtpDirection::unprotect, {}, CryptexMode::required);
  std::vector<uint8_t> out;
  const auto with_csrcs = test::protect(*plain_sender, packet_with("", 1, 2));
  EXPECT_EQ(test::unprotect(*receiver, with_csrcs, out), SrtpStatus::cryptex_required);
  const auto with_extension = test::protect(*plain_sender, packet_with("bede0001 10aa0000", 2));
  EXPECT_EQ(test::unprotect(*receiver, with_extension, out), SrtpStatus::cryptex_required);
  const auto bare = test::protect(*plain_sender, packet_with("", 3));
  EXPECT_EQ(test::unprotect(*receiver, bare, out), SrtpStatus::ok);
  const SrtpStats stats = receiver->stats();
  EXPECT_EQ(stats.rtp_drops[static_cast<size_t>(SrtpStatus::cryptex_required)], 2u);
  EXPECT_EQ(stats.rtp_packets_header_in_clear, 1u);
  // A refused packet did not enter the replay window: sent again with cryptex, it passes.
  auto cryptex_sender = session_with(SrtpDirection::protect, {}, CryptexMode::accept);
  EXPECT_EQ(test::unprotect(*receiver, test::protect(*cryptex_sender, packet_with("", 1, 2)), out),
            SrtpStatus::ok);
  EXPECT_EQ(to_hex(out), to_hex(packet_with("bede0000", 1, 2)));
}

TEST(CryptexModes, AcceptTakesBothAndCountsEach) {
  auto plain_sender = session_with(SrtpDirection::protect, {}, CryptexMode::off);
  auto cryptex_sender = session_with(SrtpDirection::protect, {}, CryptexMode::accept);
  auto receiver = session_with(SrtpDirection::unprotect, {}, CryptexMode::accept);
  std::vector<uint8_t> out;
  const auto plain = packet_with("bede0001 10aa0000", 1, 1);
  EXPECT_EQ(test::unprotect(*receiver, test::protect(*plain_sender, plain), out), SrtpStatus::ok);
  EXPECT_EQ(to_hex(out), to_hex(plain));
  auto second = packet_with("bede0001 10aa0000", 2, 1);
  const auto wire = test::protect(*cryptex_sender, second);
  // On the wire: 0xC0DE, and neither the CSRC nor the element's octet is readable.
  EXPECT_EQ(to_hex(std::span(wire).subspan(16, 2)), "c0de");
  EXPECT_NE(to_hex(std::span(wire).subspan(12, 4)), "c5c50000");
  EXPECT_NE(wire[21], 0xaa);
  EXPECT_EQ(test::unprotect(*receiver, wire, out), SrtpStatus::ok);
  EXPECT_EQ(to_hex(out), to_hex(second));
  const SrtpStats stats = receiver->stats();
  EXPECT_EQ(stats.rtp_packets_cryptex, 1u);
  EXPECT_EQ(stats.rtp_packets_header_in_clear, 1u);
  EXPECT_EQ(stats.rtp_packets, 2u);
}

// RFC 9335 §5: a packet is sent with cryptex or RFC 6904, never both. A sender configured with
// both uses cryptex; a receiver configured with both reads either.
TEST(CryptexModes, CryptexTakesPrecedenceOverRfc6904) {
  auto both_sender = session_with(SrtpDirection::protect, {1}, CryptexMode::accept);
  auto only_6904 = session_with(SrtpDirection::protect, {1}, CryptexMode::off);
  auto receiver = session_with(SrtpDirection::unprotect, {1}, CryptexMode::accept);
  std::vector<uint8_t> out;
  const auto first = packet_with("bede0001 10aa0000", 1);
  EXPECT_EQ(test::unprotect(*receiver, test::protect(*both_sender, first), out), SrtpStatus::ok);
  EXPECT_EQ(to_hex(out), to_hex(first));
  const auto second = packet_with("bede0001 10aa0000", 2);
  const auto wire = test::protect(*only_6904, second);
  EXPECT_EQ(to_hex(std::span(wire).subspan(12, 4)), "bede0001");
  EXPECT_NE(wire[17], 0xaa);
  EXPECT_EQ(test::unprotect(*receiver, wire, out), SrtpStatus::ok);
  EXPECT_EQ(to_hex(out), to_hex(second));
  EXPECT_EQ(both_sender->stats().rtp_packets_cryptex, 1u);
  EXPECT_EQ(receiver->stats().rtp_packets_cryptex, 1u);
  EXPECT_EQ(receiver->stats().rtp_packets_encrypted_extensions, 1u);
}

// Found by srtp_unprotect_fuzzer: a plain packet whose block already says 0xC2DE went out as plain
// SRTP, and the receiver took it for cryptex. A cryptex sender now refuses it in either mode.
TEST(CryptexModes, SenderRefusesABlockAlreadyMarkedCryptex) {
  for (const CryptexMode mode : {CryptexMode::accept, CryptexMode::required}) {
    auto sender = session_with(SrtpDirection::protect, {}, mode);
    for (const char* block : {"c0de0001 10aa0000", "c2de0001 0101aa00"}) {
      std::vector<uint8_t> packet = packet_with(block, 5, 1);
      size_t length = packet.size();
      packet.resize(length + sender->rtp_overhead());
      EXPECT_EQ(sender->protect_rtp(packet, length), SrtpStatus::cryptex_required) << block;
    }
  }
}

struct MalformedBlock {
  const char* what;
  const char* extension;
};

const MalformedBlock kMalformed[] = {
    {"leading padding, one-byte", "bede0001 0010aa00"},
    {"leading padding, two-byte", "10000001 000101aa"},
    {"ID 0 with a length", "bede0001 10aa05bb"},
    {"one-byte element past the block", "bede0001 1faabbcc"},
    {"two-byte element past the block", "10000001 0105aabb"},
    {"two-byte element header cut by the block's end", "10000001 0101aa07"},
};

// RFC 6904 needs the elements: a block that does not parse is refused with its own status on
// protect, and on unprotect after the packet authenticated (sent by a peer without RFC 6904).
TEST(MalformedExtensionBlocks, GetAStatusBothWays) {
  for (const auto& m : kMalformed) {
    SCOPED_TRACE(m.what);
    auto sender = session_with(SrtpDirection::protect, {1}, CryptexMode::off);
    std::vector<uint8_t> packet = packet_with(m.extension);
    size_t length = packet.size();
    packet.resize(length + sender->rtp_overhead());
    EXPECT_EQ(sender->protect_rtp(packet, length), SrtpStatus::header_extension_malformed);
    EXPECT_EQ(
        sender->stats().rtp_drops[static_cast<size_t>(SrtpStatus::header_extension_malformed)], 1u);

    auto plain_sender = session_with(SrtpDirection::protect, {}, CryptexMode::off);
    const auto wire = test::protect(*plain_sender, packet_with(m.extension));
    auto receiver = session_with(SrtpDirection::unprotect, {1}, CryptexMode::accept);
    std::vector<uint8_t> out;
    EXPECT_EQ(test::unprotect(*receiver, wire, out), SrtpStatus::header_extension_malformed);
    // Cryptex carries the block whole, malformed or not, and needs no walk.
    auto cryptex_sender = session_with(SrtpDirection::protect, {}, CryptexMode::required);
    auto cryptex_receiver = session_with(SrtpDirection::unprotect, {}, CryptexMode::required);
    EXPECT_EQ(test::unprotect(*cryptex_receiver,
                              test::protect(*cryptex_sender, packet_with(m.extension)), out),
              SrtpStatus::ok);
    EXPECT_EQ(to_hex(out), to_hex(packet_with(m.extension)));
  }
}

// Every truncation of packets with header privacy is refused without reading past the end.
TEST(MalformedExtensionBlocks, EveryTruncationIsRefused) {
  for (const CryptexMode mode : {CryptexMode::off, CryptexMode::accept}) {
    auto sender = session_with(SrtpDirection::protect, {1, 2}, mode);
    auto receiver = session_with(SrtpDirection::unprotect, {1, 2}, mode);
    const auto wire = test::protect(*sender, packet_with("bede0002 10aa21bbcc00 0000", 9, 2));
    for (size_t length = 0; length < wire.size(); ++length) {
      std::vector<uint8_t> truncated(wire.begin(), wire.begin() + static_cast<long>(length));
      std::vector<uint8_t> out;
      EXPECT_NE(test::unprotect(*receiver, truncated, out), SrtpStatus::ok) << length;
    }
    std::vector<uint8_t> out;
    EXPECT_EQ(test::unprotect(*receiver, wire, out), SrtpStatus::ok);
  }
}

// RFC 8285 §4.2: ID 15 ends processing; an element after it, even with a selected ID, is left
// alone.
TEST(Rfc8285Walk, IdFifteenStopsTheWalk) {
  auto sender = session_with(SrtpDirection::protect, {1}, CryptexMode::off);
  const auto wire = test::protect(*sender, packet_with("bede0002 10aaf010 bb000000"));
  EXPECT_NE(wire[17], 0xaa);
  EXPECT_EQ(to_hex(std::span(wire).subspan(18, 4)), "f010bb00");
}

// Keystream offsets follow libsrtp: element headers and data spend keystream, padding does not.
TEST(Rfc8285Walk, PaddingSpendsNoKeystream) {
  const auto one_byte = from_hex("10aa 0000 21bbcc 00");
  std::vector<detail::ExtensionElement> seen;
  EXPECT_EQ(detail::walk_extension_elements(one_byte, detail::ExtensionForm::one_byte,
                                            [&](const auto& e) { seen.push_back(e); }),
            detail::ExtensionWalk::ok);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].id, 2);
  EXPECT_EQ(seen[1].data_offset, 5u);
  EXPECT_EQ(seen[1].data_length, 2u);
  EXPECT_EQ(seen[1].keystream_offset, 3u);

  const auto two_byte = from_hex("0100 00 0302aabb 0000");
  seen.clear();
  EXPECT_EQ(detail::walk_extension_elements(two_byte, detail::ExtensionForm::two_byte,
                                            [&](const auto& e) { seen.push_back(e); }),
            detail::ExtensionWalk::ok);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].data_length, 0u);
  EXPECT_EQ(seen[1].id, 3);
  EXPECT_EQ(seen[1].keystream_offset, 4u);
  EXPECT_EQ(detail::extension_form(0x1003), detail::ExtensionForm::two_byte);
  EXPECT_EQ(detail::extension_form(0xc0de), detail::ExtensionForm::other);
}

// Large two-byte blocks need more keystream than one chunk: elements far into the block still
// round-trip and are encrypted.
TEST(Rfc8285Walk, LargeTwoByteBlockRoundTrips) {
  std::string ext = "1000 0100";  // 256 words = 1024 octets
  std::string data;
  for (int element = 0; element < 4; ++element) {
    data += element % 2 ? "02fe" : "01fe";
    for (int i = 0; i < 254; ++i) data += "5a";
  }
  data += std::string(2 * (1024 - 4 * 256), '0');
  auto sender = session_with(SrtpDirection::protect, {1, 2}, CryptexMode::off);
  auto receiver = session_with(SrtpDirection::unprotect, {1, 2}, CryptexMode::off);
  const auto plain = packet_with((ext + data).c_str());
  const auto wire = test::protect(*sender, plain);
  EXPECT_NE(wire[16 + 3 * 256 + 2], 0x5a);
  EXPECT_NE(wire[16 + 3 * 256 + 255], 0x5a);
  std::vector<uint8_t> out;
  ASSERT_EQ(test::unprotect(*receiver, wire, out), SrtpStatus::ok);
  EXPECT_EQ(to_hex(out), to_hex(plain));
}

// The ROC enters the header IV (RFC 6904 §4.1) and the cryptex IV alike: both survive a wrap.
TEST(HeaderPrivacyRollover, SequenceWrap) {
  for (const CryptexMode mode : {CryptexMode::off, CryptexMode::required}) {
    for (const SrtpProfile profile :
         {SrtpProfile::aes_256_cm_hmac_sha1_80, SrtpProfile::aead_aes_256_gcm}) {
      const SrtpProfileInfo& info = profile_info(profile);
      const std::vector<uint8_t> key(info.master_key_length, 3), salt(info.master_salt_length, 4);
      auto sender =
          test::make_session(config_with(SrtpDirection::protect, {1, 2}, mode, profile), key, salt);
      auto receiver = test::make_session(
          config_with(SrtpDirection::unprotect, {1, 2}, mode, profile), key, salt);
      for (uint32_t i = 0; i < 40; ++i) {
        const auto seq = static_cast<uint16_t>(0xffec + i);
        const auto plain = packet_with("bede0002 10aa21bbcc00 0000", seq, 1);
        std::vector<uint8_t> out;
        ASSERT_EQ(test::unprotect(*receiver, test::protect(*sender, plain), out), SrtpStatus::ok)
            << seq;
        EXPECT_EQ(to_hex(out), to_hex(plain));
      }
      EXPECT_EQ(receiver->rollover_counter(0x12345678), 1u);
    }
  }
}

}  // namespace
}  // namespace secmedia
