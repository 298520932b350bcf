// SPDX-License-Identifier: LGPL-2.1-or-later
// Interop with libsrtp2's RFC 6904 (its policy's enc_xtn_hdr): for AES-CM and AES-GCM, in the
// one-byte and two-byte forms, with CSRCs, across a sequence-number wrap, ours and libsrtp protect
// the same packet to the same bytes and each unprotects the other's. The blocks carry unselected
// elements, zero-length elements and padding between elements, where libsrtp's keystream
// convention (padding spends none) is the one we follow.
#include <gtest/gtest.h>

#include <array>
#include <string>

#include "hex.h"
#include "libsrtp_oracle.h"
#include "packets.h"
#include "secmedia/srtp.h"
#include "sessions.h"

namespace secmedia {
namespace {

using test::LibsrtpSession;
using test::to_hex;

struct HeaderCase {
  SrtpProfile profile;
  bool two_byte;
};

const std::vector<uint8_t> kSelectedIds = {1, 3, 5, 200};

// Element list of packet `i`: a mix of selected and unselected IDs, lengths that vary with `i`,
// and every third packet a padding octet between two elements.
std::vector<uint8_t> extension_block(int i, bool two_byte) {
  std::vector<uint8_t> data;
  const auto element = [&](uint8_t id, size_t length) {
    if (two_byte) {
      data.push_back(id);
      data.push_back(static_cast<uint8_t>(length));
    } else {
      data.push_back(static_cast<uint8_t>(id << 4 | (length - 1)));
    }
    for (size_t k = 0; k < length; ++k) data.push_back(static_cast<uint8_t>(0x11 * id + k + i));
  };
  element(1, 1);  // audio level (RFC 6464), selected
  element(2, 3);  // abs-send-time, in clear
  if (i % 3 == 0) data.push_back(0);
  element(3, 2);                                // transport-wide sequence number, selected
  element(5, 1 + static_cast<size_t>(i % 16));  // selected, 1-16 octets
  if (two_byte) {
    data.push_back(4);  // a zero-length element, in clear
    data.push_back(0);
    element(200, 20 + static_cast<size_t>(i % 40));  // beyond the one-byte form's IDs, selected
  }
  while (data.size() % 4 != 0) data.push_back(0);
  const size_t words = data.size() / 4;
  const std::array<uint8_t, 4> block_header = {
      two_byte ? uint8_t{0x10} : uint8_t{0xbe}, two_byte ? uint8_t{0x00} : uint8_t{0xde},
      static_cast<uint8_t>(words >> 8), static_cast<uint8_t>(words)};
  data.insert(data.begin(), block_header.begin(), block_header.end());
  return data;
}

size_t payload_length(int i) {
  return static_cast<size_t>(40 + (i * 53) % 1100);
}

std::vector<uint8_t> packet(int i, bool two_byte) {
  test::RtpSpec spec;
  spec.ssrc = 0x5eed5eed;
  spec.sequence = static_cast<uint16_t>(65450 + i);
  spec.timestamp = 960u * static_cast<uint32_t>(i);
  spec.csrc_count = static_cast<uint8_t>(i % 4);
  spec.payload_length = payload_length(i);
  std::vector<uint8_t> plain = test::make_rtp(spec);
  const auto block = extension_block(i, two_byte);
  plain[0] |= 0x10;
  plain.insert(plain.begin() + 12 + 4 * spec.csrc_count, block.begin(), block.end());
  return plain;
}

class LibsrtpHeaderEncryption : public ::testing::TestWithParam<HeaderCase> {};

TEST_P(LibsrtpHeaderEncryption, BothDirectionsAcrossSequenceWrap) {
  const HeaderCase& c = GetParam();
  const SrtpProfileInfo& info = profile_info(c.profile);
  LibsrtpSession::MasterKey key;
  for (size_t k = 0; k < info.master_key_length + info.master_salt_length; ++k) {
    key.key_and_salt.push_back(static_cast<uint8_t>(0x5c + 29 * k));
  }
  const std::vector<int> libsrtp_ids(kSelectedIds.begin(), kSelectedIds.end());
  LibsrtpSession libsrtp_out(c.profile, c.profile, true, {key}, 1024, libsrtp_ids);
  LibsrtpSession libsrtp_in(c.profile, c.profile, false, {key}, 1024, libsrtp_ids);
  ASSERT_TRUE(libsrtp_out.ok());
  ASSERT_TRUE(libsrtp_in.ok());
  SrtpConfig config = test::config_for(SrtpDirection::protect, c.profile, c.profile);
  config.encrypted_header_extension_ids = kSelectedIds;
  const std::span<const uint8_t> all(key.key_and_salt);
  const auto master_key = all.first(info.master_key_length);
  const auto master_salt = all.subspan(info.master_key_length);
  auto ours_out = test::make_session(config, master_key, master_salt);
  config.direction = SrtpDirection::unprotect;
  auto ours_in = test::make_session(config, master_key, master_salt);

  constexpr int kPackets = 160;
  for (int i = 0; i < kPackets; ++i) {
    SCOPED_TRACE("packet " + std::to_string(i));
    const auto plain = packet(i, c.two_byte);
    const auto ours = test::protect(*ours_out, plain);
    std::vector<uint8_t> theirs = plain;
    ASSERT_EQ(libsrtp_out.protect(theirs, false), srtp_err_status_ok);
    ASSERT_EQ(to_hex(ours), to_hex(theirs)) << "protected bytes differ";
    // The selected elements really are encrypted: the header differs from the plain one.
    const size_t header_length = plain.size() - payload_length(i);
    ASSERT_NE(to_hex(std::span(ours).first(header_length)),
              to_hex(std::span(plain).first(header_length)));

    std::vector<uint8_t> by_libsrtp = ours;
    ASSERT_EQ(libsrtp_in.unprotect(by_libsrtp, false), srtp_err_status_ok);
    EXPECT_EQ(to_hex(by_libsrtp), to_hex(plain));
    std::vector<uint8_t> by_us;
    ASSERT_EQ(test::unprotect(*ours_in, theirs, by_us), SrtpStatus::ok);
    EXPECT_EQ(to_hex(by_us), to_hex(plain));
  }
  EXPECT_EQ(ours_in->rollover_counter(0x5eed5eed), 1u);
  EXPECT_EQ(ours_in->stats().rtp_packets_encrypted_extensions, static_cast<uint64_t>(kPackets));
}

INSTANTIATE_TEST_SUITE_P(Rfc6904, LibsrtpHeaderEncryption,
                         ::testing::Values(HeaderCase{SrtpProfile::aes_cm_128_hmac_sha1_80, false},
                                           HeaderCase{SrtpProfile::aes_cm_128_hmac_sha1_80, true},
                                           HeaderCase{SrtpProfile::aes_256_cm_hmac_sha1_32, false},
                                           HeaderCase{SrtpProfile::aes_256_cm_hmac_sha1_32, true},
                                           HeaderCase{SrtpProfile::aead_aes_128_gcm, false},
                                           HeaderCase{SrtpProfile::aead_aes_128_gcm, true},
                                           HeaderCase{SrtpProfile::aead_aes_256_gcm, false},
                                           HeaderCase{SrtpProfile::aead_aes_256_gcm, true}),
                         [](const auto& test_info) {
                           return std::string(profile_info(test_info.param.profile).name) +
                                  (test_info.param.two_byte ? "_two_byte" : "_one_byte");
                         });

}  // namespace
}  // namespace secmedia
