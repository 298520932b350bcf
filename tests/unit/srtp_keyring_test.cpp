// secmedia::SrtpKeyring: the keying policy srtpenc and srtpdec share (issue 13), and what the
// srtpdec element fuzzer's model assumed of it: which value is taken, what survives a rekey, what
// the element must announce, and the counters of retired sessions.
#include <gtest/gtest.h>

#include <numeric>
#include <vector>

#include "packets.h"
#include "secmedia/keying_material.h"
#include "secmedia/srtp_keyring.h"

namespace secmedia {
namespace {

using Bytes = std::vector<uint8_t>;
using Result = SrtpKeyring::Result;

SrtpKeyingMaterial dtls_value(SrtpProfile profile, DtlsRole role, uint8_t seed,
                              uint32_t generation) {
  Bytes exported(SrtpKeyingMaterial::exporter_length(profile));
  for (size_t i = 0; i < exported.size(); ++i) exported[i] = static_cast<uint8_t>(seed + 7 * i);
  return *SrtpKeyingMaterial::from_exporter(profile, exported, role, generation);
}

SrtpKeyingMaterial manual_value(SrtpProfile rtp, SrtpProfile rtcp, uint8_t seed, Bytes mki = {}) {
  const SrtpProfileInfo& info = profile_info(rtp);
  Bytes key(info.master_key_length), salt(info.master_salt_length);
  std::iota(key.begin(), key.end(), seed);
  std::iota(salt.begin(), salt.end(), static_cast<uint8_t>(seed + 0x40));
  return *SrtpKeyingMaterial::symmetric(rtp, rtcp, key, salt, mki, 0);
}

Bytes rtp_packet(uint16_t sequence, uint32_t ssrc = 0x1234) {
  test::RtpSpec spec;
  spec.sequence = sequence;
  spec.ssrc = ssrc;
  spec.payload_length = 40;
  return test::make_rtp(spec);
}

// Protects `plain` with `session`; empty when it was dropped.
Bytes protect(SrtpSession& session, Bytes plain, bool rtcp = false) {
  size_t length = plain.size();
  plain.resize(length + (rtcp ? session.rtcp_overhead() : session.rtp_overhead()));
  const SrtpStatus status =
      rtcp ? session.protect_rtcp(plain, length) : session.protect_rtp(plain, length);
  if (status != SrtpStatus::ok) return {};
  plain.resize(length);
  return plain;
}

SrtpStatus unprotect(SrtpSession& session, Bytes packet, bool rtcp = false) {
  size_t length = packet.size();
  return rtcp ? session.unprotect_rtcp(packet, length) : session.unprotect_rtp(packet, length);
}

TEST(DtlsSrtcpProfile, Rfc5764Section4_1_2KeepsAn80BitTagForSrtcp) {
  EXPECT_EQ(dtls_srtcp_profile(SrtpProfile::aes_cm_128_hmac_sha1_32),
            SrtpProfile::aes_cm_128_hmac_sha1_80);
  EXPECT_EQ(dtls_srtcp_profile(SrtpProfile::aes_256_cm_hmac_sha1_32),
            SrtpProfile::aes_256_cm_hmac_sha1_80);
  EXPECT_EQ(dtls_srtcp_profile(SrtpProfile::aead_aes_128_gcm), SrtpProfile::aead_aes_128_gcm);
  const auto value = dtls_value(SrtpProfile::aes_cm_128_hmac_sha1_32, DtlsRole::client, 1, 1);
  EXPECT_EQ(value.rtcp_profile, SrtpProfile::aes_cm_128_hmac_sha1_80);
  EXPECT_TRUE(value.mki.empty());
}

TEST(SrtpKeyingMaterialValue, RtcpProfileAndMkiMustFit) {
  EXPECT_TRUE(manual_value(SrtpProfile::aes_cm_128_hmac_sha1_80, SrtpProfile::null_hmac_sha1_32, 1)
                  .valid());
  const Bytes key(16, 1), salt(14, 2);
  EXPECT_FALSE(SrtpKeyingMaterial::symmetric(SrtpProfile::aes_cm_128_hmac_sha1_80,
                                             SrtpProfile::aes_256_cm_hmac_sha1_80, key, salt, {},
                                             0));
  EXPECT_FALSE(SrtpKeyingMaterial::symmetric(SrtpProfile::aes_cm_128_hmac_sha1_80,
                                             SrtpProfile::aes_cm_128_hmac_sha1_80, key, salt,
                                             Bytes(kSrtpMaxMkiLength + 1, 7), 0));
}

// Regression: the key value carried one profile; a receiver re-derived the SRTCP profile with the
// DTLS rule and dropped all SRTCP of a sender keyed with rtcp-auth=hmac-sha1-32 (auth failures).
TEST(SrtpKeyring, SrtcpUsesTheValuesOwnRtcpProfile) {
  for (const SrtpProfile rtp :
       {SrtpProfile::aes_cm_128_hmac_sha1_80, SrtpProfile::aes_cm_128_hmac_sha1_32}) {
    const auto value = manual_value(rtp, SrtpProfile::aes_cm_128_hmac_sha1_32, 3);
    SrtpKeyring sender(SrtpDirection::protect), receiver(SrtpDirection::unprotect);
    ASSERT_EQ(sender.install(value, {}, nullptr), Result::keyed);
    ASSERT_EQ(receiver.install(value, {}, nullptr), Result::keyed);
    EXPECT_EQ(receiver.session()->config().rtcp_profile, SrtpProfile::aes_cm_128_hmac_sha1_32);
    for (uint8_t i = 0; i < 20; ++i) {
      const Bytes packet = protect(*sender.session(), test::make_rtcp(0x4242, 6, i), true);
      ASSERT_FALSE(packet.empty());
      EXPECT_EQ(unprotect(*receiver.session(), packet, true), SrtpStatus::ok) << +i;
    }
  }
}

// The MKI of the value is in every packet and names the key on the receiving side.
TEST(SrtpKeyring, CarriesTheMki) {
  const auto value = manual_value(SrtpProfile::aes_cm_128_hmac_sha1_80,
                                  SrtpProfile::aes_cm_128_hmac_sha1_80, 5, {0xca, 0xfe});
  SrtpKeyring sender(SrtpDirection::protect), receiver(SrtpDirection::unprotect);
  ASSERT_EQ(sender.install(value, {}, nullptr), Result::keyed);
  ASSERT_EQ(receiver.install(value, {}, nullptr), Result::keyed);
  EXPECT_EQ(sender.session()->config().mki_length, 2u);
  const Bytes packet = protect(*sender.session(), rtp_packet(1));
  EXPECT_EQ(unprotect(*receiver.session(), packet), SrtpStatus::ok);
}

// A DTLS value: protect uses the local key, unprotect the remote key (the peer's write key).
TEST(SrtpKeyring, EachDirectionUsesItsKeyOfTheDtlsValue) {
  SrtpKeyring client(SrtpDirection::protect), server(SrtpDirection::unprotect);
  ASSERT_EQ(client.install(dtls_value(SrtpProfile::aead_aes_128_gcm, DtlsRole::client, 9, 1), {},
                           nullptr),
            Result::keyed);
  ASSERT_EQ(server.install(dtls_value(SrtpProfile::aead_aes_128_gcm, DtlsRole::server, 9, 1), {},
                           nullptr),
            Result::keyed);
  EXPECT_EQ(unprotect(*server.session(), protect(*client.session(), rtp_packet(7))),
            SrtpStatus::ok);
}

// The same value seen again (a sticky event re-sent on relinking) changes nothing.
TEST(SrtpKeyring, TheSameValueAgainIsUnchanged) {
  SrtpKeyring ring(SrtpDirection::unprotect);
  const auto value = dtls_value(SrtpProfile::aes_cm_128_hmac_sha1_80, DtlsRole::server, 1, 1);
  ASSERT_EQ(ring.install(value, {}, nullptr), Result::keyed);
  const SrtpSession* session = ring.session();
  const uint64_t epoch = ring.epoch();
  EXPECT_EQ(ring.install(value, {}, nullptr), Result::unchanged);
  EXPECT_EQ(ring.session(), session);
  EXPECT_EQ(ring.epoch(), epoch);
}

// Regression: a key value whose generation and profile were those held was ignored, so the keys of
// a second handshake with the same profile (every handshake said generation 1) were lost.
TEST(SrtpKeyring, NewKeysOfTheSameProfileAndGenerationAreTaken) {
  SrtpKeyring sender(SrtpDirection::protect), receiver(SrtpDirection::unprotect);
  const auto first = dtls_value(SrtpProfile::aes_cm_128_hmac_sha1_80, DtlsRole::client, 1, 1);
  const auto second = dtls_value(SrtpProfile::aes_cm_128_hmac_sha1_80, DtlsRole::client, 2, 1);
  ASSERT_EQ(
      receiver.install(dtls_value(SrtpProfile::aes_cm_128_hmac_sha1_80, DtlsRole::server, 1, 1), {},
                       nullptr),
      Result::keyed);
  ASSERT_EQ(sender.install(first, {}, nullptr), Result::keyed);
  EXPECT_EQ(unprotect(*receiver.session(), protect(*sender.session(), rtp_packet(1))),
            SrtpStatus::ok);
  ASSERT_EQ(sender.install(second, {}, nullptr), Result::keyed);
  ASSERT_EQ(
      receiver.install(dtls_value(SrtpProfile::aes_cm_128_hmac_sha1_80, DtlsRole::server, 2, 1), {},
                       nullptr),
      Result::keyed);
  EXPECT_EQ(unprotect(*receiver.session(), protect(*sender.session(), rtp_packet(2))),
            SrtpStatus::ok);
}

// A new generation of the same keys is taken (the element announces it again) into the same
// session: the replay window still refuses what it saw.
TEST(SrtpKeyring, ANewGenerationKeepsTheSessionAndItsStreams) {
  SrtpKeyring sender(SrtpDirection::protect), receiver(SrtpDirection::unprotect);
  auto value =
      manual_value(SrtpProfile::aes_cm_128_hmac_sha1_80, SrtpProfile::aes_cm_128_hmac_sha1_80, 8);
  value.generation = 1;
  ASSERT_EQ(sender.install(value, {}, nullptr), Result::keyed);
  ASSERT_EQ(receiver.install(value, {}, nullptr), Result::keyed);
  const Bytes packet = protect(*sender.session(), rtp_packet(1));
  EXPECT_EQ(unprotect(*receiver.session(), packet), SrtpStatus::ok);
  const SrtpSession* session = receiver.session();
  const uint64_t epoch = receiver.epoch();
  value.generation = 2;
  EXPECT_EQ(receiver.install(value, {}, nullptr), Result::keyed);
  EXPECT_EQ(receiver.session(), session);
  EXPECT_GT(receiver.epoch(), epoch);
  EXPECT_EQ(unprotect(*receiver.session(), packet), SrtpStatus::replay_duplicate);
}

// RFC 3711 §3.3.1: a new profile makes a new session, which continues each stream's ROC and, on
// protect, its SRTCP index (no index, so no keystream, twice).
TEST(SrtpKeyring, AProfileChangeCarriesRocAndSrtcpIndex) {
  SrtpKeyring sender(SrtpDirection::protect);
  ASSERT_EQ(sender.install(manual_value(SrtpProfile::aes_cm_128_hmac_sha1_80,
                                        SrtpProfile::aes_cm_128_hmac_sha1_80, 1),
                           {}, nullptr),
            Result::keyed);
  for (uint16_t seq = 65534; seq != 2; ++seq)
    ASSERT_FALSE(protect(*sender.session(), rtp_packet(seq)).empty());
  for (int i = 0; i < 3; ++i) {
    ASSERT_FALSE(protect(*sender.session(), test::make_rtcp(0x1234), true).empty());
  }
  const SrtpSession* first = sender.session();
  ASSERT_EQ(sender.install(manual_value(SrtpProfile::aes_cm_128_hmac_sha1_32,
                                        SrtpProfile::aes_cm_128_hmac_sha1_80, 1),
                           {}, nullptr),
            Result::keyed);
  EXPECT_NE(sender.session(), first);
  const auto streams = sender.session()->streams();
  ASSERT_EQ(streams.size(), 1u);
  EXPECT_EQ(streams[0].rollover_counter, 1u);
  EXPECT_EQ(streams[0].srtcp_index, 3u);
  // The retired session's counters are kept.
  EXPECT_EQ(sender.retired().rtp_packets, 4u);
  EXPECT_EQ(sender.retired().rtcp_packets, 3u);
}

// From the fuzzer's model: new session settings (header privacy from caps) under the same key make
// a new receiving session that continues the ROC; a _32 DTLS value keeps SRTCP at 80 bits.
TEST(SrtpKeyring, NewSettingsContinueTheRoc) {
  SrtpKeyring sender(SrtpDirection::protect), receiver(SrtpDirection::unprotect);
  const auto local = dtls_value(SrtpProfile::aes_cm_128_hmac_sha1_32, DtlsRole::client, 4, 1);
  const auto remote = dtls_value(SrtpProfile::aes_cm_128_hmac_sha1_32, DtlsRole::server, 4, 1);
  ASSERT_EQ(sender.install(local, {}, nullptr), Result::keyed);
  ASSERT_EQ(receiver.install(remote, {}, nullptr), Result::keyed);
  EXPECT_EQ(receiver.session()->config().rtcp_profile, SrtpProfile::aes_cm_128_hmac_sha1_80);
  for (uint16_t seq = 65534; seq != 2; ++seq) {
    ASSERT_EQ(unprotect(*receiver.session(), protect(*sender.session(), rtp_packet(seq))),
              SrtpStatus::ok);
  }
  SrtpConfig privacy;
  privacy.cryptex = CryptexMode::accept;
  ASSERT_EQ(sender.install(local, privacy, nullptr), Result::keyed);
  ASSERT_EQ(receiver.install(remote, privacy, nullptr), Result::keyed);
  EXPECT_EQ(receiver.session()->rollover_counter(0x1234), 1u);
  EXPECT_EQ(unprotect(*receiver.session(), protect(*sender.session(), rtp_packet(2))),
            SrtpStatus::ok);
}

// Settings the core refuses leave no session (fail closed), with the reason.
TEST(SrtpKeyring, RefusedSettingsLeaveNoSession) {
  SrtpKeyring ring(SrtpDirection::protect);
  const auto value =
      manual_value(SrtpProfile::null_hmac_sha1_80, SrtpProfile::null_hmac_sha1_80, 2);
  ASSERT_EQ(ring.install(value, {}, nullptr), Result::keyed);
  SrtpConfig settings;
  settings.encrypted_header_extension_ids = {1};  // RFC 6904 needs an encrypting profile
  std::string why;
  EXPECT_EQ(ring.install(value, settings, &why), Result::refused);
  EXPECT_FALSE(why.empty());
  EXPECT_EQ(ring.session(), nullptr);
  EXPECT_EQ(ring.value(), nullptr);
}

// A session the caller keeps (srtpenc's pad with header privacy of its own) continues the shared
// session's streams and takes the held key.
TEST(SrtpKeyring, KeysASessionOfTheCallersOwn) {
  SrtpKeyring ring(SrtpDirection::protect), receiver(SrtpDirection::unprotect);
  const auto value = manual_value(SrtpProfile::aead_aes_128_gcm, SrtpProfile::aead_aes_128_gcm, 6);
  ASSERT_EQ(ring.install(value, {}, nullptr), Result::keyed);
  ASSERT_EQ(receiver.install(value, {}, nullptr), Result::keyed);
  ASSERT_FALSE(protect(*ring.session(), test::make_rtcp(0x99), true).empty());
  std::unique_ptr<SrtpSession> own;
  SrtpConfig settings;
  settings.cryptex = CryptexMode::accept;
  ASSERT_TRUE(ring.key_session(own, settings, ring.session(), nullptr));
  ASSERT_NE(own, nullptr);
  EXPECT_EQ(own->config().cryptex, CryptexMode::accept);
  EXPECT_EQ(own->streams().at(0).srtcp_index, 1u);
  EXPECT_EQ(unprotect(*receiver.session(), protect(*own, rtp_packet(1))), SrtpStatus::ok);
  ring.retire(*own);
  EXPECT_EQ(ring.retired().rtp_packets, 1u);
}

// Every manual rekey grows the generation; the same key keeps it, so the same event is not seen as
// new.
TEST(SrtpKeyring, GenerationGrowsWithEveryManualRekey) {
  SrtpKeyring ring(SrtpDirection::protect);
  auto first =
      manual_value(SrtpProfile::aes_cm_128_hmac_sha1_80, SrtpProfile::aes_cm_128_hmac_sha1_80, 1);
  first.generation = ring.generation_for(first);
  ASSERT_EQ(ring.install(first, {}, nullptr), Result::keyed);
  auto again = first;
  again.generation = 0;
  EXPECT_EQ(ring.generation_for(again), first.generation);
  auto new_mki = manual_value(SrtpProfile::aes_cm_128_hmac_sha1_80,
                              SrtpProfile::aes_cm_128_hmac_sha1_80, 1, {1});
  new_mki.generation = ring.generation_for(new_mki);
  EXPECT_GT(new_mki.generation, first.generation);
  ASSERT_EQ(ring.install(new_mki, {}, nullptr), Result::keyed);
  // After a DTLS value of a higher generation, a manual key still grows past it.
  ASSERT_EQ(ring.install(dtls_value(SrtpProfile::aes_cm_128_hmac_sha1_80, DtlsRole::client, 1, 9),
                         {}, nullptr),
            Result::keyed);
  EXPECT_EQ(ring.generation_for(first), 10u);
  ring.clear();
  EXPECT_EQ(ring.session(), nullptr);
  EXPECT_EQ(ring.generation_for(first), 10u);
}

TEST(SrtpStatsAccumulation, AddsEveryCounter) {
  SrtpStats a, b;
  b.rtp_packets = 2;
  b.rtcp_octets = 3;
  b.rtp_drops[static_cast<size_t>(SrtpStatus::cryptex_required)] = 4;
  b.rtcp_drops[static_cast<size_t>(SrtpStatus::auth_failure)] = 5;
  accumulate_stats(a, b);
  accumulate_stats(a, b);
  EXPECT_EQ(a.rtp_packets, 4u);
  EXPECT_EQ(a.rtcp_octets, 6u);
  EXPECT_EQ(a.rtp_drops[static_cast<size_t>(SrtpStatus::cryptex_required)], 8u);
  EXPECT_EQ(a.rtcp_drops[static_cast<size_t>(SrtpStatus::auth_failure)], 10u);
}

// Removed statuses and counters that could never move: key management results come after every
// drop cause, and the drop arrays end before them.
TEST(SrtpStatusValues, KeyManagementResultsAreNoDropCauses) {
  EXPECT_EQ(kSrtpDropCauseLimit, static_cast<size_t>(SrtpStatus::bad_key_length));
  EXPECT_EQ(SrtpStats{}.rtp_drops.size(), kSrtpDropCauseLimit);
  EXPECT_STREQ(to_string(SrtpStatus::cryptex_required), "cryptex-required");
  EXPECT_STREQ(to_string(SrtpStatus::too_many_keys), "too-many-keys");
  EXPECT_EQ(kSrtpStatusCount, static_cast<size_t>(SrtpStatus::too_many_keys) + 1);
}

}  // namespace
}  // namespace secmedia
