// SPDX-License-Identifier: LGPL-2.1-or-later
// SrtpSession behaviour through its public interface: configuration, keys and MKI, rollover
// counter, replay window, key lifetime, stream cap, statistics.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "hex.h"
#include "packets.h"
#include "secmedia/srtp.h"
#include "sessions.h"

namespace secmedia {
namespace {

using test::make_rtcp;
using test::make_rtp;
using test::RtpSpec;
using test::to_hex;

const std::vector<uint8_t> kKey(16, 0x11);
const std::vector<uint8_t> kSalt(14, 0x22);
const std::vector<uint8_t> kOtherKey(16, 0x33);
constexpr auto kProfile = SrtpProfile::aes_cm_128_hmac_sha1_80;

SrtpConfig sender_config() {
  return test::config_for(SrtpDirection::protect, kProfile, kProfile);
}
SrtpConfig receiver_config() {
  return test::config_for(SrtpDirection::unprotect, kProfile, kProfile);
}

std::vector<uint8_t> rtp(uint16_t sequence, uint32_t ssrc = 0x12345678, size_t payload = 100) {
  RtpSpec spec;
  spec.sequence = sequence;
  spec.ssrc = ssrc;
  spec.payload_length = payload;
  return make_rtp(spec);
}

TEST(SrtpConfigValidation, RefusesWithAReason) {
  std::string why;
  SrtpConfig config = sender_config();
  config.key_derivation_rate = 1 << 16;
  EXPECT_EQ(SrtpSession::create(config, &why), nullptr);
  EXPECT_NE(why.find("key derivation rate"), std::string::npos) << why;

  config = sender_config();
  config.replay_window_size = 32;
  EXPECT_EQ(SrtpSession::create(config, &why), nullptr);
  EXPECT_NE(why.find("replay window"), std::string::npos) << why;
  config.replay_window_size = 32769;
  EXPECT_EQ(SrtpSession::create(config, &why), nullptr);

  config = sender_config();
  config.rtcp_profile = SrtpProfile::aead_aes_128_gcm;  // 12-octet salt vs 14
  EXPECT_EQ(SrtpSession::create(config, &why), nullptr);
  EXPECT_NE(why.find("AEAD_AES_128_GCM"), std::string::npos) << why;

  config = sender_config();
  config.replay_window_size = 64;
  EXPECT_NE(SrtpSession::create(config, &why), nullptr);
  config.replay_window_size = 32768;
  EXPECT_NE(SrtpSession::create(config, &why), nullptr);
}

TEST(SrtpProfiles, NamesAndOverheads) {
  EXPECT_EQ(profile_from_name("aead_aes_256_gcm"), SrtpProfile::aead_aes_256_gcm);
  EXPECT_EQ(profile_from_name("AES_CM_128_HMAC_SHA1_32"), SrtpProfile::aes_cm_128_hmac_sha1_32);
  EXPECT_EQ(profile_from_name("AES_CM_128"), std::nullopt);
  EXPECT_EQ(srtp_max_overhead(SrtpProfile::aes_cm_128_hmac_sha1_80, 0), 10u);
  EXPECT_EQ(srtp_max_overhead(SrtpProfile::aes_cm_128_hmac_sha1_32, 4), 8u);
  EXPECT_EQ(srtp_max_overhead(SrtpProfile::aead_aes_128_gcm, 0), 16u);
  EXPECT_EQ(srtcp_max_overhead(SrtpProfile::aes_cm_128_hmac_sha1_80, 0), 14u);
  EXPECT_EQ(srtcp_max_overhead(SrtpProfile::aead_aes_256_gcm, 2), 22u);
  EXPECT_STREQ(to_string(SrtpStatus::replay_duplicate), "replay-duplicate");
}

TEST(SrtpKeys, KeyManagementErrors) {
  auto session = SrtpSession::create(sender_config());
  EXPECT_EQ(session->add_master_key(std::vector<uint8_t>(15), kSalt), SrtpStatus::bad_key_length);
  EXPECT_EQ(session->add_master_key(kKey, std::vector<uint8_t>(12)), SrtpStatus::bad_key_length);
  EXPECT_EQ(session->add_master_key(kKey, kSalt, std::vector<uint8_t>{1}), SrtpStatus::bad_mki);
  EXPECT_EQ(session->add_master_key(kKey, kSalt), SrtpStatus::ok);
  EXPECT_EQ(session->add_master_key(kOtherKey, kSalt), SrtpStatus::too_many_keys);

  SrtpConfig config = sender_config();
  config.mki_length = 2;
  session = SrtpSession::create(config);
  for (uint8_t i = 0; i < kSrtpMaxMasterKeys; ++i) {
    EXPECT_EQ(session->add_master_key(kKey, kSalt, std::vector<uint8_t>{0, i}), SrtpStatus::ok);
  }
  EXPECT_EQ(session->add_master_key(kKey, kSalt, std::vector<uint8_t>{1, 0}),
            SrtpStatus::too_many_keys);
  EXPECT_EQ(session->remove_master_key(std::vector<uint8_t>{0, 3}), SrtpStatus::ok);
  EXPECT_EQ(session->add_master_key(kKey, kSalt, std::vector<uint8_t>{0, 4}),
            SrtpStatus::duplicate_mki);
  EXPECT_EQ(session->select_send_key(std::vector<uint8_t>{0, 3}), SrtpStatus::unknown_mki);
  EXPECT_EQ(session->master_key_count(), kSrtpMaxMasterKeys - 1);
}

TEST(SrtpKeys, NoKeyAndWrongDirection) {
  auto sender = SrtpSession::create(sender_config());
  std::vector<uint8_t> packet = rtp(1);
  packet.resize(packet.size() + 10);
  size_t length = packet.size() - 10;
  EXPECT_EQ(sender->protect_rtp(packet, length), SrtpStatus::no_key);
  ASSERT_EQ(sender->add_master_key(kKey, kSalt), SrtpStatus::ok);
  EXPECT_EQ(sender->unprotect_rtp(packet, length), SrtpStatus::wrong_direction);
  auto receiver = SrtpSession::create(receiver_config());
  EXPECT_EQ(receiver->unprotect_rtp(packet, length), SrtpStatus::no_key);
  EXPECT_EQ(sender->stats().rtp_drops[static_cast<size_t>(SrtpStatus::no_key)], 1u);
  EXPECT_EQ(sender->stats().rtp_drops[static_cast<size_t>(SrtpStatus::wrong_direction)], 1u);
}

TEST(SrtpKeys, SwitchingTheSendKeyByMkiLosesNothing) {
  SrtpConfig config = sender_config();
  config.mki_length = 1;
  auto sender = test::make_session(config, kKey, kSalt, std::vector<uint8_t>{1});
  ASSERT_EQ(sender->add_master_key(kOtherKey, kSalt, std::vector<uint8_t>{2}), SrtpStatus::ok);
  config.direction = SrtpDirection::unprotect;
  auto receiver = test::make_session(config, kKey, kSalt, std::vector<uint8_t>{1});
  ASSERT_EQ(receiver->add_master_key(kOtherKey, kSalt, std::vector<uint8_t>{2}), SrtpStatus::ok);

  std::vector<uint8_t> plain;
  for (uint16_t seq = 0; seq < 40; ++seq) {
    if (seq == 20) {
      ASSERT_EQ(sender->select_send_key(std::vector<uint8_t>{2}), SrtpStatus::ok);
    }
    const auto packet = test::protect(*sender, rtp(seq));
    // The MKI sits between payload and tag (RFC 3711 §3.1).
    EXPECT_EQ(packet[packet.size() - 11], seq < 20 ? 1 : 2);
    ASSERT_EQ(test::unprotect(*receiver, packet, plain), SrtpStatus::ok) << seq;
    EXPECT_EQ(plain, rtp(seq));
  }
  // After the old key is withdrawn, a packet under it names an unknown MKI.
  const auto late = test::protect(*sender, rtp(40));
  ASSERT_EQ(sender->select_send_key(std::vector<uint8_t>{1}), SrtpStatus::ok);
  const auto under_old_key = test::protect(*sender, rtp(41));
  ASSERT_EQ(receiver->remove_master_key(std::vector<uint8_t>{1}), SrtpStatus::ok);
  EXPECT_EQ(test::unprotect(*receiver, late, plain), SrtpStatus::ok);
  EXPECT_EQ(test::unprotect(*receiver, under_old_key, plain), SrtpStatus::unknown_mki);
  EXPECT_EQ(receiver->stats().rtp_drops[static_cast<size_t>(SrtpStatus::unknown_mki)], 1u);
}

TEST(SrtpKeys, WrongKeyFailsAuthenticationInEveryProfile) {
  for (size_t p = 0; p < kSrtpProfileCount; ++p) {
    const auto profile = static_cast<SrtpProfile>(p);
    if (profile == SrtpProfile::null_null) continue;  // no integrity to fail: checked below
    SCOPED_TRACE(profile_info(profile).name);
    const SrtpProfileInfo& info = profile_info(profile);
    const std::vector<uint8_t> key(info.master_key_length, 0x44);
    const std::vector<uint8_t> wrong_key(info.master_key_length, 0x45);
    const std::vector<uint8_t> salt(info.master_salt_length, 0x55);
    auto sender =
        test::make_session(test::config_for(SrtpDirection::protect, profile, profile), key, salt);
    auto receiver = test::make_session(test::config_for(SrtpDirection::unprotect, profile, profile),
                                       wrong_key, salt);
    std::vector<uint8_t> plain;
    EXPECT_EQ(test::unprotect(*receiver, test::protect(*sender, rtp(7)), plain),
              SrtpStatus::auth_failure);
    EXPECT_EQ(test::unprotect(*receiver, test::protect(*sender, make_rtcp(9), true), plain, true),
              SrtpStatus::auth_failure);
    EXPECT_EQ(receiver->stats().streams, 0u) << "no state for a packet that did not authenticate";
  }
}

TEST(SrtpKeys, NullNullPassesPacketsUnchanged) {
  const auto profile = SrtpProfile::null_null;
  auto sender =
      test::make_session(test::config_for(SrtpDirection::protect, profile, profile), kKey, kSalt);
  const auto packet = test::protect(*sender, rtp(3));
  EXPECT_EQ(packet, rtp(3));
}

TEST(SrtpRollover, SequenceWrapWithReorderingAcrossIt) {
  auto sender = test::make_session(sender_config(), kKey, kSalt);
  auto receiver = test::make_session(receiver_config(), kKey, kSalt);
  std::vector<std::vector<uint8_t>> packets;
  for (uint32_t i = 0; i < 40; ++i) {
    packets.push_back(test::protect(*sender, rtp(static_cast<uint16_t>(65516 + i))));
  }
  EXPECT_EQ(sender->rollover_counter(0x12345678), 1u);
  // Deliver in a shuffled order around the wrap, within the replay window.
  std::mt19937 rng(7);
  std::vector<size_t> order(packets.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  for (size_t i = 0; i + 8 <= order.size(); i += 8) {
    std::shuffle(order.begin() + static_cast<long>(i), order.begin() + static_cast<long>(i + 8),
                 rng);
  }
  std::vector<uint8_t> plain;
  for (size_t i : order) {
    ASSERT_EQ(test::unprotect(*receiver, packets[i], plain), SrtpStatus::ok) << i;
    EXPECT_EQ(plain, rtp(static_cast<uint16_t>(65516 + i)));
  }
  EXPECT_EQ(receiver->rollover_counter(0x12345678), 1u);
  const auto streams = receiver->streams();
  ASSERT_EQ(streams.size(), 1u);
  EXPECT_EQ(streams[0].highest_sequence, 19);  // 65516 + 39 - 65536
  EXPECT_EQ(streams[0].rtp_packets, 40u);
}

TEST(SrtpRollover, SenderHandlesBackwardStepAcrossTheWrap) {
  // A retransmission-like late packet from before the wrap keeps the old ROC on the sender side
  // too.
  SrtpConfig config = sender_config();
  auto sender = test::make_session(config, kKey, kSalt);
  auto receiver = test::make_session(receiver_config(), kKey, kSalt);
  std::vector<uint8_t> plain;
  for (uint16_t seq : {65534, 65535, 0, 1}) {
    ASSERT_EQ(test::unprotect(*receiver, test::protect(*sender, rtp(seq)), plain), SrtpStatus::ok);
  }
  // 65533 was never sent: under ROC 0 it is fresh on both sides.
  ASSERT_EQ(test::unprotect(*receiver, test::protect(*sender, rtp(65533)), plain), SrtpStatus::ok);
  EXPECT_EQ(sender->rollover_counter(0x12345678), 1u);
}

TEST(SrtpRollover, LateJoinerNeedsTheRolloverCounter) {
  auto sender = test::make_session(sender_config(), kKey, kSalt);
  ASSERT_EQ(sender->set_rollover_counter(0x12345678, 5), SrtpStatus::ok);
  const auto packet = test::protect(*sender, rtp(100));
  EXPECT_EQ(sender->rollover_counter(0x12345678), 5u);

  std::vector<uint8_t> plain;
  auto unaware = test::make_session(receiver_config(), kKey, kSalt);
  EXPECT_EQ(test::unprotect(*unaware, packet, plain), SrtpStatus::auth_failure);

  auto informed = test::make_session(receiver_config(), kKey, kSalt);
  ASSERT_EQ(informed->set_rollover_counter(0x12345678, 5), SrtpStatus::ok);
  EXPECT_EQ(test::unprotect(*informed, packet, plain), SrtpStatus::ok);
  EXPECT_EQ(informed->rollover_counter(0x12345678), 5u);
  EXPECT_EQ(informed->rollover_counter(0x9999), std::nullopt);
}

TEST(SrtpRollover, KeptAcrossAMasterKeyChange) {
  auto sender = test::make_session(sender_config(), kKey, kSalt);
  auto receiver = test::make_session(receiver_config(), kKey, kSalt);
  std::vector<uint8_t> plain;
  for (uint32_t i = 0; i < 10; ++i) {
    const auto seq = static_cast<uint16_t>(65530 + i);
    ASSERT_EQ(test::unprotect(*receiver, test::protect(*sender, rtp(seq)), plain), SrtpStatus::ok);
  }
  ASSERT_EQ(sender->rollover_counter(0x12345678), 1u);
  // Rekey both sides without MKI (as a new DTLS generation does): the ROC stays.
  sender->clear_master_keys();
  receiver->clear_master_keys();
  ASSERT_EQ(sender->add_master_key(kOtherKey, kSalt), SrtpStatus::ok);
  ASSERT_EQ(receiver->add_master_key(kOtherKey, kSalt), SrtpStatus::ok);
  EXPECT_EQ(sender->rollover_counter(0x12345678), 1u);
  const auto packet = test::protect(*sender, rtp(4));
  ASSERT_EQ(test::unprotect(*receiver, packet, plain), SrtpStatus::ok);
  EXPECT_EQ(plain, rtp(4));
  EXPECT_EQ(receiver->rollover_counter(0x12345678), 1u);
}

TEST(SrtpReplay, DuplicateAndTooOldAreDroppedAndCounted) {
  SrtpConfig config = receiver_config();
  config.replay_window_size = 64;
  auto sender = test::make_session(sender_config(), kKey, kSalt);
  auto receiver = test::make_session(config, kKey, kSalt);
  std::vector<std::vector<uint8_t>> packets;
  for (uint16_t seq = 0; seq < 200; ++seq) packets.push_back(test::protect(*sender, rtp(seq)));
  std::vector<uint8_t> plain;
  ASSERT_EQ(test::unprotect(*receiver, packets[100], plain), SrtpStatus::ok);
  EXPECT_EQ(test::unprotect(*receiver, packets[100], plain), SrtpStatus::replay_duplicate);
  EXPECT_EQ(test::unprotect(*receiver, packets[37], plain), SrtpStatus::ok);
  EXPECT_EQ(test::unprotect(*receiver, packets[36], plain), SrtpStatus::replay_old);
  EXPECT_EQ(test::unprotect(*receiver, packets[37], plain), SrtpStatus::replay_duplicate);
  const SrtpStats stats = receiver->stats();
  EXPECT_EQ(stats.rtp_packets, 2u);
  EXPECT_EQ(stats.rtp_drops[static_cast<size_t>(SrtpStatus::replay_duplicate)], 2u);
  EXPECT_EQ(stats.rtp_drops[static_cast<size_t>(SrtpStatus::replay_old)], 1u);
  EXPECT_EQ(receiver->streams()[0].replay_drops, 3u);
}

TEST(SrtpReplay, DefaultWindowKeepsASecondOfNackRetransmissions) {
  auto sender = test::make_session(sender_config(), kKey, kSalt);
  auto receiver = test::make_session(receiver_config(), kKey, kSalt);
  std::vector<std::vector<uint8_t>> packets;
  for (uint16_t seq = 0; seq < 1100; ++seq) packets.push_back(test::protect(*sender, rtp(seq)));
  std::vector<uint8_t> plain;
  for (size_t i = 0; i < packets.size(); ++i) {
    if (i == 500) continue;  // "lost", retransmitted later
    ASSERT_EQ(test::unprotect(*receiver, packets[i], plain), SrtpStatus::ok);
  }
  EXPECT_EQ(test::unprotect(*receiver, packets[500], plain), SrtpStatus::ok);
  EXPECT_EQ(test::unprotect(*receiver, packets[50], plain), SrtpStatus::replay_old);
}

TEST(SrtpReplay, SrtcpReplayIsRefused) {
  auto sender = test::make_session(sender_config(), kKey, kSalt);
  auto receiver = test::make_session(receiver_config(), kKey, kSalt);
  const auto packet = test::protect(*sender, make_rtcp(0xabc), true);
  std::vector<uint8_t> plain;
  EXPECT_EQ(test::unprotect(*receiver, packet, plain, true), SrtpStatus::ok);
  EXPECT_EQ(test::unprotect(*receiver, packet, plain, true), SrtpStatus::replay_duplicate);
  EXPECT_EQ(receiver->stats().rtcp_drops[static_cast<size_t>(SrtpStatus::replay_duplicate)], 1u);
}

TEST(SrtpReplay, ProtectRefusesARepeatedIndexUnlessAllowed) {
  auto strict = test::make_session(sender_config(), kKey, kSalt);
  const auto first = test::protect(*strict, rtp(9));
  std::vector<uint8_t> again = rtp(9);
  size_t length = again.size();
  again.resize(length + strict->rtp_overhead());
  EXPECT_EQ(strict->protect_rtp(again, length), SrtpStatus::replay_duplicate);

  SrtpConfig config = sender_config();
  config.allow_repeat_tx = true;
  auto lenient = test::make_session(config, kKey, kSalt);
  EXPECT_EQ(test::protect(*lenient, rtp(9)), first);
  EXPECT_EQ(test::protect(*lenient, rtp(9)), first);
}

TEST(SrtcpEncryption, UnencryptedSrtcpCarriesEZeroAndStaysReadable) {
  SrtpConfig config = sender_config();
  config.encrypt_rtcp = false;
  auto sender = test::make_session(config, kKey, kSalt);
  auto receiver = test::make_session(receiver_config(), kKey, kSalt);
  const auto plain_rtcp = make_rtcp(0x77, 4);
  const auto packet = test::protect(*sender, plain_rtcp, true);
  ASSERT_EQ(packet.size(), plain_rtcp.size() + 14);
  EXPECT_TRUE(std::equal(plain_rtcp.begin(), plain_rtcp.end(), packet.begin()));
  EXPECT_EQ(packet[plain_rtcp.size()] & 0x80, 0);  // E flag clear, RFC 3711 §3.4
  std::vector<uint8_t> plain;
  ASSERT_EQ(test::unprotect(*receiver, packet, plain, true), SrtpStatus::ok);
  EXPECT_EQ(plain, plain_rtcp);
  // An encrypted one from another sender with the same key is accepted as well.
  auto encrypting = test::make_session(sender_config(), kKey, kSalt);
  const auto encrypted = test::protect(*encrypting, make_rtcp(0x78, 4), true);
  EXPECT_EQ(encrypted[plain_rtcp.size()] & 0x80, 0x80);
  ASSERT_EQ(test::unprotect(*receiver, encrypted, plain, true), SrtpStatus::ok);
  EXPECT_EQ(plain, make_rtcp(0x78, 4));
}

TEST(SrtpKeyLifetime, SoftThenHardLimitOnProtect) {
  SrtpConfig config = sender_config();
  config.srtp_key_lifetime = 10;
  config.soft_limit_margin = 3;
  auto sender = test::make_session(config, kKey, kSalt);
  for (uint16_t seq = 0; seq < 7; ++seq) test::protect(*sender, rtp(seq));
  auto event = sender->poll_event();
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->kind, SrtpEvent::Kind::soft_limit);
  EXPECT_FALSE(event->rtcp);
  EXPECT_FALSE(sender->poll_event().has_value());
  for (uint16_t seq = 7; seq < 10; ++seq) test::protect(*sender, rtp(seq));
  event = sender->poll_event();
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->kind, SrtpEvent::Kind::hard_limit);
  std::vector<uint8_t> packet = rtp(10);
  size_t length = packet.size();
  packet.resize(length + sender->rtp_overhead());
  EXPECT_EQ(sender->protect_rtp(packet, length), SrtpStatus::key_expired);
  EXPECT_EQ(sender->stats().rtp_drops[static_cast<size_t>(SrtpStatus::key_expired)], 1u);
  // A fresh key restores service with the ROC and replay state kept.
  sender->clear_master_keys();
  ASSERT_EQ(sender->add_master_key(kOtherKey, kSalt), SrtpStatus::ok);
  length = rtp(10).size();
  EXPECT_EQ(sender->protect_rtp(packet, length), SrtpStatus::ok);
}

TEST(SrtpKeyLifetime, SrtcpAndReceiverLimits) {
  SrtpConfig config = sender_config();
  config.srtcp_key_lifetime = 3;
  config.soft_limit_margin = 0;
  auto sender = test::make_session(config, kKey, kSalt);
  config.direction = SrtpDirection::unprotect;
  auto receiver = test::make_session(config, kKey, kSalt);
  std::vector<uint8_t> plain;
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(test::unprotect(*receiver, test::protect(*sender, make_rtcp(1), true), plain, true),
              SrtpStatus::ok);
  }
  std::vector<uint8_t> packet = make_rtcp(1);
  size_t length = packet.size();
  packet.resize(length + sender->rtcp_overhead());
  EXPECT_EQ(sender->protect_rtcp(packet, length), SrtpStatus::key_expired);
  const auto event = receiver->poll_event();
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->kind, SrtpEvent::Kind::hard_limit);
  EXPECT_TRUE(event->rtcp);
}

TEST(SrtpStreams, ForgedPacketsCreateNoStateAndTheCapEvictsTheIdlest) {
  SrtpConfig config = receiver_config();
  config.max_streams = 4;
  auto receiver = test::make_session(config, kKey, kSalt);
  auto forger = test::make_session(sender_config(), kOtherKey, kSalt);
  std::vector<uint8_t> plain;
  for (uint32_t ssrc = 1; ssrc <= 1000; ++ssrc) {
    EXPECT_EQ(test::unprotect(*receiver, test::protect(*forger, rtp(1, ssrc)), plain),
              SrtpStatus::auth_failure);
  }
  EXPECT_EQ(receiver->stats().streams, 0u);
  EXPECT_EQ(receiver->stats().rtp_drops[static_cast<size_t>(SrtpStatus::auth_failure)], 1000u);

  auto sender = test::make_session(sender_config(), kKey, kSalt);
  for (uint32_t ssrc = 1; ssrc <= 4; ++ssrc) {
    ASSERT_EQ(test::unprotect(*receiver, test::protect(*sender, rtp(1, ssrc)), plain),
              SrtpStatus::ok);
  }
  // SSRC 1 is used again, so SSRC 2 is now the one idle the longest.
  ASSERT_EQ(test::unprotect(*receiver, test::protect(*sender, rtp(2, 1)), plain), SrtpStatus::ok);
  ASSERT_EQ(test::unprotect(*receiver, test::protect(*sender, rtp(1, 5)), plain), SrtpStatus::ok);
  const auto streams = receiver->streams();
  ASSERT_EQ(streams.size(), 4u);
  std::vector<uint32_t> ssrcs;
  for (const auto& s : streams) ssrcs.push_back(s.ssrc);
  EXPECT_EQ(ssrcs, (std::vector<uint32_t>{1, 3, 4, 5}));
  EXPECT_EQ(receiver->stats().streams_evicted, 1u);
}

// Eviction at the cap takes the least recently used stream, however long the table and the history.
TEST(SrtpStreams, EvictionFollowsUseOrderAcrossManyStreams) {
  SrtpConfig config = receiver_config();
  config.max_streams = 64;
  auto receiver = test::make_session(config, kKey, kSalt);
  auto sender = test::make_session(sender_config(), kKey, kSalt);
  std::vector<uint8_t> plain;
  std::vector<uint16_t> next_sequence(1001, 1);
  auto send = [&](uint32_t ssrc) {
    return test::unprotect(*receiver, test::protect(*sender, rtp(next_sequence[ssrc]++, ssrc)),
                           plain);
  };
  // 1..1000 admitted in order, SSRC 1 used again after each admission: it is never the least
  // recently used, so it survives every eviction, though it was admitted first.
  for (uint32_t ssrc = 1; ssrc <= 1000; ++ssrc) {
    ASSERT_EQ(send(ssrc), SrtpStatus::ok);
    ASSERT_EQ(send(1), SrtpStatus::ok);
  }
  std::vector<uint32_t> expected{1};
  for (uint32_t ssrc = 1000 - 62; ssrc <= 1000; ++ssrc) expected.push_back(ssrc);
  std::vector<uint32_t> kept;
  for (const auto& stream : receiver->streams()) kept.push_back(stream.ssrc);
  std::sort(kept.begin(), kept.end());
  EXPECT_EQ(kept, expected);
  EXPECT_EQ(receiver->stats().streams, 64u);
  EXPECT_EQ(receiver->stats().streams_evicted, 1000u - 64u);
}

// The default cap holds a receiver of 10,000 SSRCs without evicting any.
TEST(SrtpStreams, DefaultCapHoldsTenThousandStreams) {
  auto receiver = test::make_session(receiver_config(), kKey, kSalt);
  auto sender = test::make_session(sender_config(), kKey, kSalt);
  std::vector<uint8_t> plain;
  for (uint32_t ssrc = 1; ssrc <= 10000; ++ssrc) {
    ASSERT_EQ(test::unprotect(*receiver, test::protect(*sender, rtp(1, ssrc)), plain),
              SrtpStatus::ok);
  }
  EXPECT_EQ(receiver->stats().streams, 10000u);
  EXPECT_EQ(receiver->stats().streams_evicted, 0u);
}

// The split form (tag written elsewhere, for buffers without tail room) gives the same bytes.
TEST(SrtpProtect, TrailerInSeparateMemoryMatchesContiguousOutput) {
  for (auto profile : {SrtpProfile::aes_cm_128_hmac_sha1_80, SrtpProfile::aead_aes_256_gcm}) {
    const SrtpProfileInfo& info = profile_info(profile);
    const std::vector<uint8_t> key(info.master_key_length, 9), salt(info.master_salt_length, 8);
    SrtpConfig config = test::config_for(SrtpDirection::protect, profile, profile);
    config.mki_length = 2;
    auto contiguous = test::make_session(config, key, salt, std::vector<uint8_t>{7, 7});
    auto split = test::make_session(config, key, salt, std::vector<uint8_t>{7, 7});
    for (uint16_t seq = 0; seq < 3; ++seq) {
      const auto expected = test::protect(*contiguous, rtp(seq));
      std::vector<uint8_t> packet = rtp(seq);
      std::vector<uint8_t> trailer(split->rtp_overhead());
      size_t trailer_length = 0;
      ASSERT_EQ(split->protect_rtp(packet, trailer, trailer_length), SrtpStatus::ok);
      packet.insert(packet.end(), trailer.begin(),
                    trailer.begin() + static_cast<long>(trailer_length));
      EXPECT_EQ(packet, expected);
    }
    std::vector<uint8_t> packet = rtp(9);
    std::vector<uint8_t> small(split->rtp_overhead() - 1);
    size_t trailer_length = 0;
    EXPECT_EQ(split->protect_rtp(packet, small, trailer_length), SrtpStatus::buffer_too_small);
  }
}

TEST(SrtpStats, CountsPacketsOctetsAndStreams) {
  auto sender = test::make_session(sender_config(), kKey, kSalt);
  test::protect(*sender, rtp(1, 10, 100));
  test::protect(*sender, rtp(2, 10, 50));
  test::protect(*sender, make_rtcp(10, 2), true);
  const SrtpStats stats = sender->stats();
  EXPECT_EQ(stats.rtp_packets, 2u);
  EXPECT_EQ(stats.rtp_octets, 112u + 62u);
  EXPECT_EQ(stats.rtcp_packets, 1u);
  EXPECT_EQ(stats.rtcp_octets, 16u);
  EXPECT_EQ(stats.streams, 1u);
  const auto streams = sender->streams();
  EXPECT_EQ(streams[0].srtcp_index, 1u);  // RFC 3711 §3.4: first index 0, next is 1
  EXPECT_EQ(streams[0].highest_sequence, 2);
}

}  // namespace
}  // namespace secmedia
