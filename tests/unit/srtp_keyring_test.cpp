// SPDX-License-Identifier: LGPL-2.1-or-later
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

// ---- Keys per SSRC (srtpdec: caps, request-key, soft-limit, hard-limit) --------------------------

SrtpSsrcKeys ssrc_keys(uint8_t seed, Bytes mki = {},
                       SrtpProfile profile = SrtpProfile::aes_cm_128_hmac_sha1_80) {
  const auto value = manual_value(profile, profile, seed, mki);
  SrtpSsrcKeys keys;
  keys.rtp_profile = keys.rtcp_profile = profile;
  keys.keys.push_back({value.local_key, value.local_salt, value.mki});
  return keys;
}

std::unique_ptr<SrtpSession> sender_for(const SrtpSsrcKeys& keys) {
  SrtpConfig config;
  config.rtp_profile = keys.rtp_profile;
  config.rtcp_profile = keys.rtcp_profile;
  config.mki_length = keys.keys.front().mki.size();
  auto session = SrtpSession::create(config);
  for (const auto& key : keys.keys) session->add_master_key(key.key, key.salt, key.mki);
  if (keys.roc) session->set_rollover_counter(0x1234, *keys.roc);
  return session;
}

// Routes and unprotects one packet as srtpdec does; the status of the packet.
SrtpStatus receive(SrtpKeyring& ring, uint32_t ssrc, const Bytes& packet,
                   const SrtpSsrcKeys* offered = nullptr) {
  const auto route = ring.route(ssrc, offered, {}, nullptr);
  if (route.kind == SrtpKeyring::Route::Kind::passthrough) return SrtpStatus::ok;
  if (route.kind != SrtpKeyring::Route::Kind::unprotect) return SrtpStatus::no_key;
  const SrtpStatus status = unprotect(*route.session, packet);
  if (status == SrtpStatus::ok && route.trial) ring.authenticated(ssrc, route.session, offered);
  return status;
}

// RFC 3711 §3.3 step 5: keys for an SSRC make its session only once a packet authenticates; forged
// packets of any SSRC share one trial session and leave no state.
TEST(SrtpKeyringSsrcKeys, NoSessionUntilAPacketAuthenticates) {
  SrtpKeyring ring(SrtpDirection::unprotect);
  const auto keys = ssrc_keys(1);
  ASSERT_TRUE(ring.install_ssrc_keys(0x1234, keys, {}, nullptr));
  EXPECT_TRUE(ring.sessions().empty());
  Bytes forged = rtp_packet(1);
  forged.resize(forged.size() + 10, 0xee);
  EXPECT_EQ(receive(ring, 0x1234, forged), SrtpStatus::auth_failure);
  EXPECT_TRUE(ring.sessions().empty());
  EXPECT_EQ(ring.trial_sessions().size(), 1u);
  auto sender = sender_for(keys);
  EXPECT_EQ(receive(ring, 0x1234, protect(*sender, rtp_packet(2))), SrtpStatus::ok);
  ASSERT_EQ(ring.sessions().size(), 1u);
  EXPECT_TRUE(ring.trial_sessions().empty());
  EXPECT_EQ(ring.sessions()[0]->streams().size(), 1u);
}

// An SSRC's own keys take precedence over the key value's; other SSRCs use the value.
TEST(SrtpKeyringSsrcKeys, TakePrecedenceOverTheValue) {
  SrtpKeyring ring(SrtpDirection::unprotect);
  const auto value =
      manual_value(SrtpProfile::aes_cm_128_hmac_sha1_80, SrtpProfile::aes_cm_128_hmac_sha1_80, 7);
  ASSERT_EQ(ring.install(value, {}, nullptr), Result::keyed);
  const auto keys = ssrc_keys(1);
  ASSERT_TRUE(ring.install_ssrc_keys(0x1234, keys, {}, nullptr));
  SrtpKeyring value_sender(SrtpDirection::protect);
  ASSERT_EQ(value_sender.install(value, {}, nullptr), Result::keyed);
  EXPECT_EQ(receive(ring, 0x1234, protect(*value_sender.session(), rtp_packet(1))),
            SrtpStatus::auth_failure);
  EXPECT_EQ(receive(ring, 0x1234, protect(*sender_for(keys), rtp_packet(1))), SrtpStatus::ok);
  EXPECT_EQ(receive(ring, 0x5678, protect(*value_sender.session(), rtp_packet(1, 0x5678))),
            SrtpStatus::ok);
}

// A request-key answer: pass-through is kept at once; keys only once a packet authenticates.
TEST(SrtpKeyringSsrcKeys, OfferedKeysAreKeptOnlyWhenAPacketAuthenticates) {
  SrtpKeyring ring(SrtpDirection::unprotect);
  EXPECT_EQ(ring.route(0x1234, nullptr, {}, nullptr).kind, SrtpKeyring::Route::Kind::no_key);
  const auto keys = ssrc_keys(3);
  Bytes forged = rtp_packet(1);
  forged.resize(forged.size() + 10, 0);
  EXPECT_EQ(receive(ring, 0x1234, forged, &keys), SrtpStatus::auth_failure);
  EXPECT_EQ(ring.route(0x1234, nullptr, {}, nullptr).kind, SrtpKeyring::Route::Kind::no_key);
  EXPECT_EQ(receive(ring, 0x1234, protect(*sender_for(keys), rtp_packet(2)), &keys),
            SrtpStatus::ok);
  EXPECT_EQ(ring.route(0x1234, nullptr, {}, nullptr).kind, SrtpKeyring::Route::Kind::unprotect);
  const SrtpSsrcKeys passthrough;
  EXPECT_EQ(ring.route(0x9999, &passthrough, {}, nullptr).kind,
            SrtpKeyring::Route::Kind::passthrough);
  EXPECT_EQ(ring.route(0x9999, nullptr, {}, nullptr).kind, SrtpKeyring::Route::Kind::passthrough);
}

// From the fuzzer's model: new keys of the same shape go into the SSRC's session (its replay window
// still refuses a replay); keys of another shape continue its ROC in a new session.
TEST(SrtpKeyringSsrcKeys, NewKeysKeepTheStreamState) {
  SrtpKeyring ring(SrtpDirection::unprotect);
  const auto first = ssrc_keys(1, {'M', 'K', 'I', '0'});
  ASSERT_TRUE(ring.install_ssrc_keys(0x1234, first, {}, nullptr));
  auto sender = sender_for(first);
  Bytes last;
  for (uint16_t seq = 65534; seq != 2; ++seq) {
    last = protect(*sender, rtp_packet(seq));
    ASSERT_EQ(receive(ring, 0x1234, last), SrtpStatus::ok);
  }
  const SrtpSession* session = ring.sessions().at(0);
  const auto second = ssrc_keys(2, {'M', 'K', 'I', '1'});
  ASSERT_TRUE(ring.install_ssrc_keys(0x1234, second, {}, nullptr));
  EXPECT_EQ(ring.sessions().at(0), session);
  EXPECT_EQ(receive(ring, 0x1234, last), SrtpStatus::unknown_mki);
  const auto other_shape = ssrc_keys(4, {}, SrtpProfile::aes_cm_128_hmac_sha1_32);
  ASSERT_TRUE(ring.install_ssrc_keys(0x1234, other_shape, {}, nullptr));
  EXPECT_NE(ring.sessions().at(0), session);
  EXPECT_EQ(ring.sessions().at(0)->rollover_counter(0x1234), 1u);
}

// RFC 3711 §3.3.1: the ROC given with keys applies to an SSRC not seen yet.
TEST(SrtpKeyringSsrcKeys, TheRocOfTheKeysStartsALateJoiner) {
  SrtpKeyring ring(SrtpDirection::unprotect);
  auto keys = ssrc_keys(5);
  keys.roc = 7;
  ASSERT_TRUE(ring.install_ssrc_keys(0x1234, keys, {}, nullptr));
  EXPECT_EQ(receive(ring, 0x1234, protect(*sender_for(keys), rtp_packet(100))), SrtpStatus::ok);
  EXPECT_EQ(ring.sessions().at(0)->rollover_counter(0x1234), 7u);
}

// Issue 15: SSRCs keyed by the same template each had a session of their own (OpenSSL contexts,
// key derivation) and were capped at 1,024. They now share one, each a stream inside it; other
// keys, and new keys for one SSRC, never touch the others'.
TEST(SrtpKeyringSsrcKeys, SsrcsWithTheSameKeysShareOneSession) {
  SrtpKeyring ring(SrtpDirection::unprotect);
  const auto keys = ssrc_keys(1);
  auto sender = sender_for(keys);
  constexpr uint32_t kSsrcs = 2000;  // more than the old cap of 1,024
  for (uint32_t ssrc = 1; ssrc <= kSsrcs; ++ssrc) {
    ASSERT_EQ(receive(ring, ssrc, protect(*sender, rtp_packet(1, ssrc)), &keys), SrtpStatus::ok);
  }
  ASSERT_EQ(ring.sessions().size(), 1u);
  EXPECT_EQ(ring.sessions()[0]->streams().size(), kSsrcs);
  for (uint32_t ssrc = 1; ssrc <= kSsrcs; ++ssrc) {
    // Every SSRC is still known: no request-key, and its replay window holds.
    const auto route = ring.route(ssrc, nullptr, {}, nullptr);
    ASSERT_EQ(route.kind, SrtpKeyring::Route::Kind::unprotect) << ssrc;
    EXPECT_FALSE(route.trial);
  }
  // A forged packet of a new SSRC on the shared session leaves no state.
  Bytes forged = rtp_packet(1, 0x77777777);
  forged.resize(forged.size() + 10, 0xee);
  EXPECT_EQ(receive(ring, 0x77777777, forged, &keys), SrtpStatus::auth_failure);
  EXPECT_EQ(ring.sessions()[0]->streams().size(), kSsrcs);
  EXPECT_EQ(ring.route(0x77777777, nullptr, {}, nullptr).kind, SrtpKeyring::Route::Kind::no_key);

  // Caps keys of the same template join the session; other keys get their own.
  ASSERT_TRUE(ring.install_ssrc_keys(0x5000, keys, {}, nullptr));
  const auto other = ssrc_keys(2);
  ASSERT_TRUE(ring.install_ssrc_keys(0x6000, other, {}, nullptr));
  EXPECT_EQ(receive(ring, 0x5000, protect(*sender, rtp_packet(1, 0x5000))), SrtpStatus::ok);
  EXPECT_EQ(receive(ring, 0x6000, protect(*sender_for(other), rtp_packet(1, 0x6000))),
            SrtpStatus::ok);
  EXPECT_EQ(ring.sessions().size(), 2u);

  // New keys for SSRC 1 move it alone, continuing its ROC; SSRC 2 keeps the old keys.
  ASSERT_TRUE(ring.install_ssrc_keys(1, ssrc_keys(3), {}, nullptr));
  EXPECT_EQ(receive(ring, 2, protect(*sender, rtp_packet(2, 2))), SrtpStatus::ok);
  EXPECT_EQ(receive(ring, 1, protect(*sender_for(ssrc_keys(3)), rtp_packet(2, 1))), SrtpStatus::ok);
  EXPECT_EQ(ring.sessions().size(), 3u);

  // remove-key forgets one SSRC only; when the last SSRC of a session goes, its counters are kept.
  ring.remove_ssrc_keys(2);
  EXPECT_EQ(ring.route(2, nullptr, {}, nullptr).kind, SrtpKeyring::Route::Kind::no_key);
  EXPECT_EQ(ring.route(3, nullptr, {}, nullptr).kind, SrtpKeyring::Route::Kind::unprotect);
  ring.clear();
  EXPECT_TRUE(ring.sessions().empty());
  EXPECT_EQ(ring.retired().rtp_packets, kSsrcs + 4u);
}

// Regression: an SSRC whose request-key answer carried a ROC was tried on a trial session and then
// joined the session other SSRCs with the same keys share, leaving its first packet's replay mark
// behind: that packet, replayed, was accepted once.
TEST(SrtpKeyringSsrcKeys, AReplayOfTheFirstPacketOfAnSsrcKeyedWithARocIsDropped) {
  SrtpKeyring ring(SrtpDirection::unprotect);
  const auto keys = ssrc_keys(1);
  auto sender = sender_for(keys);
  ASSERT_EQ(receive(ring, 1, protect(*sender, rtp_packet(1, 1)), &keys), SrtpStatus::ok);
  auto with_roc = keys;
  with_roc.roc = 0;
  const Bytes first = protect(*sender, rtp_packet(5, 0x1234));
  ASSERT_EQ(receive(ring, 0x1234, first, &with_roc), SrtpStatus::ok);
  EXPECT_EQ(receive(ring, 0x1234, first, &with_roc), SrtpStatus::replay_duplicate);
  EXPECT_EQ(receive(ring, 0x1234, protect(*sender, rtp_packet(6, 0x1234)), &with_roc),
            SrtpStatus::ok);
}

// Regression: remove-key left the SSRC's stream in the session SSRCs with the same keys share, so
// the same keys given again continued its replay window instead of starting it afresh.
TEST(SrtpKeyringSsrcKeys, ARemovedSsrcStartsAfreshInASharedSession) {
  SrtpKeyring ring(SrtpDirection::unprotect);
  const auto keys = ssrc_keys(1);
  auto sender = sender_for(keys);
  ASSERT_EQ(receive(ring, 1, protect(*sender, rtp_packet(1, 1)), &keys), SrtpStatus::ok);
  const Bytes packet = protect(*sender, rtp_packet(5, 0x1234));
  ASSERT_EQ(receive(ring, 0x1234, packet, &keys), SrtpStatus::ok);
  ASSERT_EQ(ring.sessions().size(), 1u);
  ring.remove_ssrc_keys(0x1234);
  EXPECT_EQ(ring.sessions()[0]->streams().size(), 1u);
  EXPECT_EQ(receive(ring, 0x1234, packet, &keys), SrtpStatus::ok);
  EXPECT_EQ(receive(ring, 1, protect(*sender, rtp_packet(2, 1)), &keys), SrtpStatus::ok);
}

// Keys the core refuses leave the SSRC as it was.
TEST(SrtpKeyringSsrcKeys, RefusedKeysLeaveTheSsrcAsItWas) {
  SrtpKeyring ring(SrtpDirection::unprotect);
  const auto good = ssrc_keys(1, {0xa0});
  ASSERT_TRUE(ring.install_ssrc_keys(0x1234, good, {}, nullptr));
  auto bad = ssrc_keys(2, {0xa1});
  bad.keys.push_back(bad.keys.front());  // two keys with one MKI
  std::string why;
  EXPECT_FALSE(ring.install_ssrc_keys(0x1234, bad, {}, &why));
  EXPECT_FALSE(why.empty());
  EXPECT_EQ(receive(ring, 0x1234, protect(*sender_for(good), rtp_packet(1))), SrtpStatus::ok);
  // remove_ssrc_keys and clear forget them; the counters stay.
  ring.remove_ssrc_keys(0x1234);
  EXPECT_TRUE(ring.sessions().empty());
  EXPECT_EQ(ring.retired().rtp_packets, 1u);
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
