// SPDX-License-Identifier: LGPL-2.1-or-later
// Writes the seed corpus of srtpdec_element_fuzzer into a directory: plain RTP and RTCP packets for
// every Session, for the fuzzer to protect itself (valid mode) or to push as they are (raw mode),
// with SSRCs that reach every answer of its request-key handler, lists that mix RTP and RTCP
// (rtcp-mux), and each buffer shape and control. Deterministic: a rerun rewrites the same files.
//
// Usage: make_srtpdec_seed_corpus <directory>      (tests/fuzz/srtpdec_corpus in the source tree)
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "srtpdec_fuzz_input.h"

namespace secmedia::fuzz::srtpdec {
namespace {

using Bytes = std::vector<uint8_t>;

void put16(Bytes& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}

void put32(Bytes& out, uint32_t v) {
  put16(out, static_cast<uint16_t>(v >> 16));
  put16(out, static_cast<uint16_t>(v));
}

// RFC 3550 §5.1, payload type 96, no CSRC or extension.
Bytes rtp(uint16_t sequence, uint32_t ssrc, size_t payload_length) {
  Bytes out{0x80, 96};
  put16(out, sequence);
  put32(out, 0x00012345u + sequence * 960u);
  put32(out, ssrc);
  for (size_t i = 0; i < payload_length; ++i) out.push_back(static_cast<uint8_t>(i * 13 + 5));
  return out;
}

// RTP with `csrcs` CSRCs and a header extension: `profile` (0xBEDE one-byte, 0x1000 two-byte, or
// anything else) and `extension` (whole 32-bit words). RFC 8285 one-byte elements 1 and 5 are what
// the header privacy sessions encrypt.
Bytes rtp_extended(uint16_t sequence, uint32_t ssrc, uint8_t csrcs, uint16_t profile,
                   const Bytes& extension, size_t payload_length) {
  Bytes out{static_cast<uint8_t>(0x80 | (profile ? 0x10 : 0) | csrcs), 96};
  put16(out, sequence);
  put32(out, 0x00012345u + sequence * 960u);
  put32(out, ssrc);
  for (uint8_t i = 0; i < csrcs; ++i) put32(out, 0xc0c0c000u + i);
  if (profile) {
    put16(out, profile);
    put16(out, static_cast<uint16_t>(extension.size() / 4));
    out.insert(out.end(), extension.begin(), extension.end());
  }
  for (size_t i = 0; i < payload_length; ++i) out.push_back(static_cast<uint8_t>(i * 11 + 3));
  return out;
}

// One-byte elements: ID 1 (2 octets), padding, ID 5 (4 octets), ID 3 (1 octet).
const Bytes kOneByteElements = {0x11, 0xaa, 0xbb, 0x00, 0x53, 1, 2, 3, 4, 0x30, 0x77, 0x00};
// Two-byte elements: ID 5 (3 octets), ID 200 (0 octets), ID 1 (2 octets), padding.
const Bytes kTwoByteElements = {5, 3, 9, 8, 7, 200, 0, 1, 2, 0x42, 0x43, 0x00};

// RFC 3550 §6.4.1 sender report without report blocks.
Bytes rtcp_sender_report(uint32_t ssrc) {
  Bytes out{0x80, 200};
  put16(out, 6);  // 28 octets
  put32(out, ssrc);
  put32(out, 0xe1a2b3c4);  // NTP timestamp, seconds
  put32(out, 0x80000000);  // NTP timestamp, fraction
  put32(out, 0x00054321);  // RTP timestamp
  put32(out, 1200);        // sender's packet count
  put32(out, 180000);      // sender's octet count
  return out;
}

// A compound packet: empty receiver report, then SDES with a CNAME (RFC 3550 §6.1, §6.5).
Bytes rtcp_receiver_report_sdes(uint32_t ssrc) {
  Bytes out{0x80, 201};
  put16(out, 1);
  put32(out, ssrc);
  out.insert(out.end(), {0x81, 202});
  put16(out, 4);  // 20 octets
  put32(out, ssrc);
  out.insert(out.end(), {1, 8, 'f', 'u', 'z', 'z', '@', 'h', 'o', 's', 0, 0});
  return out;
}

Selector selector(Session session, bool valid, bool list) {
  Selector s;
  s.session = session;
  s.valid = valid;
  s.list = list;
  return s;
}

void write_seed(const std::filesystem::path& directory, const std::string& name, const Selector& s,
                const std::vector<Bytes>& packets) {
  const std::array<uint8_t, kSelectorLength> octets = encode_selector(s);
  const Selector back = decode_selector(octets.data());
  if (back.session != s.session || back.rtcp_sink != s.rtcp_sink || back.list != s.list ||
      back.valid != s.valid || back.duplicate != s.duplicate || back.second_key != s.second_key ||
      back.shape != s.shape || back.control != s.control || back.split != s.split ||
      back.privacy_caps != s.privacy_caps) {
    std::fprintf(stderr, "selector of %s does not decode to itself\n", name.c_str());
    std::exit(1);
  }
  Bytes body;
  if (s.list) {
    for (const Bytes& packet : packets) {
      if (packet.size() > 255) {
        std::fprintf(stderr, "a packet of %s is too long for a list\n", name.c_str());
        std::exit(1);
      }
      body.push_back(static_cast<uint8_t>(packet.size()));
      body.insert(body.end(), packet.begin(), packet.end());
    }
  } else if (packets.size() == 1) {
    body = packets.front();
  } else {
    std::fprintf(stderr, "%s: one packet unless it is a list\n", name.c_str());
    std::exit(1);
  }
  std::ofstream out(directory / name, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(octets.data()), octets.size());
  out.write(reinterpret_cast<const char*>(body.data()), static_cast<std::streamsize>(body.size()));
  if (!out) {
    std::fprintf(stderr, "cannot write %s\n", (directory / name).c_str());
    std::exit(1);
  }
}

}  // namespace
}  // namespace secmedia::fuzz::srtpdec

int main(int argc, char** argv) {
  using namespace secmedia::fuzz::srtpdec;
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus directory>\n", argv[0]);
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);
  constexpr uint32_t kSsrc = 0x11223344;
  const uint32_t aes = granted_ssrc(KeyClass::aes128_80, Answer::keys, false);
  const uint32_t aes_roc = granted_ssrc(KeyClass::aes128_80, Answer::keys, true);
  const uint32_t gcm = granted_ssrc(KeyClass::gcm256_mki, Answer::keys, false);
  const uint32_t mixed = granted_ssrc(KeyClass::mixed, Answer::keys, false);
  const uint32_t passthrough = granted_ssrc(KeyClass::passthrough, Answer::keys, false);

  // Key event sessions.
  Selector s = selector(Session::event_aes128_80, true, false);
  write_seed(dir, "event_aes128_80_rtp", s, {rtp(1, kSsrc, 40)});
  s = selector(Session::event_gcm128, true, true);
  s.duplicate = true;
  write_seed(dir, "event_gcm128_mux_list_duplicates", s,
             {rtp(10, kSsrc, 24), rtcp_sender_report(kSsrc), rtp(11, kSsrc, 0)});
  s = selector(Session::event_gcm128, true, false);
  s.control = Control::flush;
  write_seed(dir, "event_gcm128_flush_then_mux", s, {rtcp_sender_report(kSsrc)});
  s = selector(Session::event_aes128_32, true, false);
  s.rtcp_sink = true;
  s.shape = Shape::two_memories;
  s.split = 7;
  write_seed(dir, "event_aes128_32_rtcp_sink_two_memories", s, {rtcp_receiver_report_sdes(kSsrc)});
  s = selector(Session::event_aes128_80, true, false);
  s.control = Control::rekey;
  write_seed(dir, "event_aes128_80_rekey", s, {rtp(2, kSsrc, 40)});
  s = selector(Session::event_gcm128, true, true);
  s.shape = Shape::shared;
  s.control = Control::clear_keys;
  write_seed(dir, "event_gcm128_clear_keys_shared_list", s,
             {rtp(0xfffe, 0x0badcafe, 8), rtp(0xffff, 0x0badcafe, 8), rtp(0, 0x0badcafe, 8)});

  // Caps session: kCapsSsrc keyed by caps with MKIs, other SSRCs by request-key.
  s = selector(Session::caps, true, false);
  s.second_key = true;
  write_seed(dir, "caps_second_key", s, {rtp(5, kCapsSsrc, 30)});
  s = selector(Session::caps, true, true);
  write_seed(dir, "caps_list_by_caps_and_request_key", s,
             {rtp(6, kCapsSsrc, 12), rtcp_sender_report(kCapsSsrc), rtp(1, gcm, 20),
              rtp(1, passthrough, 4), rtcp_receiver_report_sdes(mixed)});
  s = selector(Session::caps, true, false);
  s.control = Control::rekey;
  write_seed(dir, "caps_rekey", s, {rtp(100, kCapsSsrc, 16)});
  s = selector(Session::caps, true, false);
  s.control = Control::remove_key;
  write_seed(dir, "caps_remove_key", s, {rtp(101, kCapsSsrc, 16)});

  s = selector(Session::caps, true, false);
  s.control = Control::refused_keys;
  write_seed(dir, "caps_refused_keys", s, {rtp(102, kCapsSsrc, 16)});

  // Request-key only: every answer of the handler.
  s = selector(Session::request_key, false, true);
  write_seed(dir, "request_key_raw_answers", s,
             {rtp(1, granted_ssrc(KeyClass::aes128_80, Answer::bad_key_length, false), 8),
              rtp(1, granted_ssrc(KeyClass::gcm256_mki, Answer::unauthenticated, false), 8),
              rtp(1, granted_ssrc(KeyClass::mixed, Answer::empty_caps, false), 8),
              rtp(1, granted_ssrc(KeyClass::aes128_80, Answer::null, false), 8),
              rtp(1, 0x77777777, 8), rtp(2, passthrough, 8)});
  s = selector(Session::request_key, true, true);
  s.shape = Shape::read_only;
  write_seed(dir, "request_key_roc_and_mixed", s,
             {rtp(3, aes_roc, 20), rtcp_sender_report(aes_roc), rtp(3, mixed, 20)});
  s = selector(Session::request_key, false, false);
  s.control = Control::stats;
  write_seed(dir, "request_key_stats_short", s, {Bytes{0x80, 0x60, 0x00}});
  s = selector(Session::request_key, true, false);
  s.control = Control::remove_key;
  write_seed(dir, "request_key_remove_key", s, {rtp(4, aes, 20)});

  // Caps built from the first packet's payload: aes-128-icm/hmac-sha1-80 for both, two 30-octet
  // keys with two-octet MKIs, and a roc; then more packets of that SSRC.
  s = selector(Session::request_key, false, true);
  s.control = Control::fuzzed_caps;
  Bytes with_caps = rtp(9, kFuzzedCapsSsrcBase | 3, 0);
  with_caps.insert(with_caps.end(), {1, 2, 1, 2, 0x40, 2, 0, 2, 0x61, 0x62, 0x03});
  write_seed(dir, "request_key_fuzzed_caps", s,
             {with_caps, rtp(10, kFuzzedCapsSsrcBase | 3, 20),
              rtcp_sender_report(kFuzzedCapsSsrcBase | 3)});

  // The same with an empty srtp-key buffer.
  with_caps = rtp(11, kFuzzedCapsSsrcBase | 5, 0);
  with_caps.insert(with_caps.end(), {1, 2, 1, 2, 0x01, 1, 0, 0});
  write_seed(dir, "request_key_fuzzed_caps_empty_key", s, {with_caps});

  // Key lifetime: 16 packets per input against a lifetime of 48 reach soft-limit and hard-limit.
  std::vector<Bytes> many;
  for (uint16_t seq = 0; seq < kMaxChunks; ++seq) many.push_back(rtp(seq, aes, 4));
  s = selector(Session::key_lifetime, true, true);
  write_seed(dir, "key_lifetime_rtp_list", s, many);
  many.clear();
  for (uint16_t n = 0; n < kMaxChunks; ++n) many.push_back(rtcp_sender_report(gcm));
  s.second_key = true;
  write_seed(dir, "key_lifetime_rtcp_list_second_key", s, many);

  // Header privacy: RFC 6904 elements 1 and 5, cryptex, CSRCs alone, blocks that are not RFC 8285.
  const std::vector<Bytes> extended_kCaps = {
      rtp_extended(200, kCapsSsrc, 0, 0xbede, kOneByteElements, 20),
      rtp_extended(201, kCapsSsrc, 2, 0x1000, kTwoByteElements, 12),
      rtp_extended(202, kCapsSsrc, 3, 0, {}, 8),
      rtp_extended(203, kCapsSsrc, 1, 0x0bad, {1, 2, 3, 4}, 8),
      rtp_extended(204, kCapsSsrc, 0, 0xc0de, {0x10, 0x20, 0, 0}, 8)};
  std::vector<Bytes> extended;
  for (uint16_t n = 0; n < 5; ++n) {
    Bytes packet = extended_kCaps[n];
    packet[8] = 0x11;  // kSsrc
    packet[9] = 0x22;
    packet[10] = 0x33;
    packet[11] = 0x44;
    extended.push_back(packet);
  }
  s = selector(Session::event_header_privacy, true, true);
  write_seed(dir, "event_header_privacy_extensions_list", s, extended);
  s = selector(Session::caps_header_privacy, true, true);
  s.duplicate = true;
  write_seed(dir, "caps_header_privacy_extensions_list", s, extended_kCaps);
  s = selector(Session::event_gcm128, true, true);
  write_seed(dir, "event_gcm128_extensions_list", s, extended);
  // Every entry of the header privacy table (srtpdec_element_fuzzer.cpp), on sessions keyed by the
  // key event and by caps, then packets under the settings.
  for (uint8_t entry = 0; entry < kPrivacyEntryCount; ++entry) {
    const Session session = entry % 3 == 0   ? Session::caps_header_privacy
                            : entry % 3 == 1 ? Session::event_header_privacy
                                             : Session::event_aes128_80;
    s = selector(session, true, true);
    s.privacy_caps = true;
    s.split = entry;
    const std::vector<Bytes>& packets =
        session == Session::caps_header_privacy ? extended_kCaps : extended;
    write_seed(dir, "privacy_caps_entry_" + std::to_string(entry), s, packets);
  }
  s = selector(Session::event_header_privacy, false, false);
  s.privacy_caps = true;
  s.split = 9;
  s.control = Control::fuzzed_caps;
  write_seed(dir, "privacy_caps_refused_then_fuzzed_caps", s,
             {rtp_extended(12, kFuzzedCapsSsrcBase | 7, 0, 0xbede, kOneByteElements, 0)});

  // Raw garbage.
  s = selector(Session::event_aes128_80, false, false);
  write_seed(dir, "raw_short", s, {Bytes{0x80, 0x00, 0x12, 0x34, 0x56}});
  s = selector(Session::event_aes128_32, false, true);
  write_seed(dir, "raw_empty_packets", s, {Bytes{}, Bytes{0x81}, Bytes{}});
  return 0;
}
