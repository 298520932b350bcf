// SPDX-License-Identifier: LGPL-2.1-or-later
// Demo: an RTP stream through SRTP protect and unprotect, with the trouble a network brings (loss,
// reordering, a replayed packet, a tampered packet, a forged SSRC) and what the receiver made of
// it.
//
//   srtp_roundtrip [profile-name] [packet-count]
#include <openssl/rand.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "secmedia/srtp.h"

namespace {

using secmedia::SrtpSession;
using secmedia::SrtpStatus;

std::vector<uint8_t> make_rtp_packet(uint16_t sequence, uint32_t timestamp, uint32_t ssrc) {
  std::vector<uint8_t> packet(12 + 160);
  packet[0] = 0x80;
  packet[1] = 0;  // PCMU
  packet[2] = static_cast<uint8_t>(sequence >> 8);
  packet[3] = static_cast<uint8_t>(sequence);
  for (int i = 0; i < 4; ++i) {
    packet[4 + i] = static_cast<uint8_t>(timestamp >> (24 - 8 * i));
    packet[8 + i] = static_cast<uint8_t>(ssrc >> (24 - 8 * i));
  }
  for (size_t i = 12; i < packet.size(); ++i) packet[i] = static_cast<uint8_t>(i + sequence);
  return packet;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string profile_name = argc > 1 ? argv[1] : "AEAD_AES_128_GCM";
  const int packet_count = argc > 2 ? std::atoi(argv[2]) : 5000;
  const auto profile = secmedia::profile_from_name(profile_name);
  if (!profile) {
    std::fprintf(stderr, "unknown profile %s\n", profile_name.c_str());
    return 2;
  }
  const secmedia::SrtpProfileInfo& info = secmedia::profile_info(*profile);

  // Master key and salt from OpenSSL's CSPRNG, as a DTLS handshake would hand them over.
  std::vector<uint8_t> key(info.master_key_length), salt(info.master_salt_length);
  if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1 ||
      RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1) {
    std::fprintf(stderr, "no randomness\n");
    return 1;
  }

  secmedia::SrtpConfig config;
  config.rtp_profile = *profile;
  config.rtcp_profile = *profile;
  config.direction = secmedia::SrtpDirection::protect;
  std::string why;
  auto sender = SrtpSession::create(config, &why);
  config.direction = secmedia::SrtpDirection::unprotect;
  auto receiver = SrtpSession::create(config, &why);
  if (!sender || !receiver || sender->add_master_key(key, salt) != SrtpStatus::ok ||
      receiver->add_master_key(key, salt) != SrtpStatus::ok) {
    std::fprintf(stderr, "session setup failed: %s\n", why.c_str());
    return 1;
  }

  const uint32_t ssrc = 0x5ec3ed1a;
  std::vector<std::vector<uint8_t>> wire;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < packet_count; ++i) {
    // Start near the sequence wrap so the rollover counter moves during the demo.
    const auto sequence = static_cast<uint16_t>(65000 + i);
    std::vector<uint8_t> packet = make_rtp_packet(sequence, 160u * static_cast<uint32_t>(i), ssrc);
    size_t length = packet.size();
    packet.resize(length + sender->rtp_overhead());
    if (sender->protect_rtp(packet, length) != SrtpStatus::ok) return 1;
    packet.resize(length);
    wire.push_back(std::move(packet));
  }

  // The network: swap neighbours now and then, lose one packet in 100 (the first of those arrives
  // tampered with instead), replay an earlier packet, and inject a forged one from an unknown SSRC.
  for (size_t i = 10; i + 1 < wire.size(); i += 37) std::swap(wire[i], wire[i + 1]);
  std::vector<std::vector<uint8_t>> delivered;
  for (size_t i = 0; i < wire.size(); ++i) {
    if (i == 60) delivered.push_back(wire[42]);  // replayed
    if (i == 99) {
      delivered.push_back(wire[i]);
      delivered.back()[20] ^= 0x01;  // one bit flipped in the payload
    }
    if (i % 100 == 99) continue;
    delivered.push_back(wire[i]);
  }
  std::vector<uint8_t> forged = make_rtp_packet(1, 0, 0xbadc0de);
  forged.resize(forged.size() + info.tag_length);
  delivered.push_back(forged);

  size_t decrypted = 0;
  for (auto& packet : delivered) {
    size_t length = packet.size();
    if (receiver->unprotect_rtp(packet, length) == SrtpStatus::ok) ++decrypted;
  }
  const double elapsed_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();

  const secmedia::SrtpStats stats = receiver->stats();
  std::printf("profile          %s\n", std::string(info.name).c_str());
  std::printf("protected        %d RTP packets (SSRC %08x, ROC now %u)\n", packet_count, ssrc,
              sender->rollover_counter(ssrc).value_or(0));
  std::printf("delivered        %zu datagrams (loss, reordering, replay, tamper, forgery)\n",
              delivered.size());
  std::printf("decrypted        %zu\n", decrypted);
  for (size_t i = 1; i < secmedia::kSrtpDropCauseLimit; ++i) {
    if (stats.rtp_drops[i]) {
      std::printf("dropped          %llu %s\n", static_cast<unsigned long long>(stats.rtp_drops[i]),
                  secmedia::to_string(static_cast<SrtpStatus>(i)));
    }
  }
  std::printf("streams          %zu (the forged SSRC got none)\n", stats.streams);
  std::printf("time             %.1f ms for protect + unprotect\n", elapsed_ms);

  // Everything the sender sent and the network delivered once must come out; nothing else may.
  const size_t expected =
      static_cast<size_t>(packet_count) - static_cast<size_t>(packet_count) / 100;
  const bool good = decrypted == expected &&
                    stats.rtp_drops[static_cast<size_t>(SrtpStatus::auth_failure)] == 2 &&
                    stats.rtp_drops[static_cast<size_t>(SrtpStatus::replay_duplicate)] == 1;
  std::printf("%s\n", good ? "demo: OK" : "demo: UNEXPECTED RESULT");
  return good ? 0 : 1;
}
