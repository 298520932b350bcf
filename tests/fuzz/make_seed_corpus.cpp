// SPDX-License-Identifier: LGPL-2.1-or-later
// Writes the seed corpus of srtp_unprotect_fuzzer into a directory: plain RTP and RTCP packets for
// the protect-then-unprotect modes, and packets protected with the fuzzer's own keys (fuzz_input.h)
// for the raw mode, which would otherwise almost never get past authentication. Deterministic:
// rerunning it rewrites the same files.
//
// Usage: make_seed_corpus <directory>      (tests/fuzz/corpus in the source tree)
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "fuzz_input.h"
#include "secmedia/srtp.h"

namespace secmedia::fuzz {
namespace {

void put16(std::vector<uint8_t>& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}

void put32(std::vector<uint8_t>& out, uint32_t v) {
  put16(out, static_cast<uint16_t>(v >> 16));
  put16(out, static_cast<uint16_t>(v));
}

// RFC 3550 §5.1, with `csrcs` CSRCs and, when `extension_words` > 0, an RFC 8285 one-byte header
// extension block of that many words.
std::vector<uint8_t> rtp(uint16_t sequence, uint32_t ssrc, uint8_t csrcs, uint16_t extension_words,
                         size_t payload_length) {
  std::vector<uint8_t> out;
  out.push_back(static_cast<uint8_t>(0x80 | (extension_words > 0 ? 0x10 : 0) | csrcs));
  out.push_back(96);
  put16(out, sequence);
  put32(out, 0x00012345u + sequence * 960u);
  put32(out, ssrc);
  for (uint32_t i = 0; i < csrcs; ++i) put32(out, 0xc5c50000u + i);
  if (extension_words > 0) {
    put16(out, 0xbede);
    put16(out, extension_words);
    // Element id 1, length 2 (L=1), then padding up to the end of the block.
    for (uint16_t i = 0; i < extension_words; ++i) put32(out, i == 0 ? 0x10abcd00u : 0);
  }
  for (size_t i = 0; i < payload_length; ++i) out.push_back(static_cast<uint8_t>(i * 13 + 5));
  return out;
}

// RFC 3550 §6.4.1 sender report with one report block.
std::vector<uint8_t> rtcp_sender_report(uint32_t ssrc) {
  std::vector<uint8_t> out{0x81, 200};
  put16(out, 12);  // length in words minus one: 52 octets
  put32(out, ssrc);
  put32(out, 0xe1a2b3c4);  // NTP timestamp, seconds
  put32(out, 0x80000000);  // NTP timestamp, fraction
  put32(out, 0x00054321);  // RTP timestamp
  put32(out, 1200);        // sender's packet count
  put32(out, 180000);      // sender's octet count
  put32(out, 0x22222222);  // report block: source
  put32(out, 0x01000005);  // fraction lost, cumulative lost
  put32(out, 0x00010400);  // extended highest sequence number
  put32(out, 17);          // jitter
  put32(out, 0x1234abcd);  // LSR
  put32(out, 0x00000fff);  // DLSR
  return out;
}

// A compound packet: empty receiver report, then SDES with a CNAME (RFC 3550 §6.1, §6.5).
std::vector<uint8_t> rtcp_receiver_report_sdes(uint32_t ssrc) {
  std::vector<uint8_t> out{0x80, 201};
  put16(out, 1);
  put32(out, ssrc);
  out.insert(out.end(), {0x81, 202});
  put16(out, 4);  // 20 octets
  put32(out, ssrc);
  out.insert(out.end(), {1, 8, 'f', 'u', 'z', 'z', '@', 'h', 'o', 's', 0, 0});
  return out;
}

uint32_t load_ssrc(const std::vector<uint8_t>& packet, bool rtcp) {
  const size_t at = rtcp ? 4 : 8;
  return static_cast<uint32_t>(packet[at]) << 24 | static_cast<uint32_t>(packet[at + 1]) << 16 |
         static_cast<uint32_t>(packet[at + 2]) << 8 | packet[at + 3];
}

// The packet as the fuzzer's free-pair protect session for `s` would send it with a fresh stream
// whose ROC is `roc`.
std::vector<uint8_t> protect_for(const Selector& s, std::vector<uint8_t> plain, uint32_t roc = 0) {
  SrtpConfig config;
  config.rtp_profile = s.profile;
  config.rtcp_profile = s.profile;
  config.encrypt_rtcp = s.encrypt_rtcp;
  config.mki_length = s.mki_length;
  apply_header_privacy(config, s.privacy);
  std::unique_ptr<SrtpSession> session = SrtpSession::create(config);
  const MasterKey key = fuzz_master_key(s.profile, s.mki_length, s.second_key ? 1 : 0);
  if (!session || session->add_master_key(key.key, key.salt, key.mki) != SrtpStatus::ok) {
    std::fprintf(stderr, "cannot set up a %s session\n", profile_info(s.profile).name.data());
    std::exit(1);
  }
  if (roc != 0) session->set_rollover_counter(load_ssrc(plain, s.rtcp), roc);
  size_t length = plain.size();
  plain.resize(length + (s.rtcp ? session->rtcp_overhead() : session->rtp_overhead()));
  const SrtpStatus status =
      s.rtcp ? session->protect_rtcp(plain, length) : session->protect_rtp(plain, length);
  if (status != SrtpStatus::ok) {
    std::fprintf(stderr, "protect failed: %s\n", to_string(status));
    std::exit(1);
  }
  plain.resize(length);
  return plain;
}

void write_seed(const std::filesystem::path& directory, const std::string& name, const Selector& s,
                std::span<const uint8_t> packet) {
  const std::array<uint8_t, kSelectorLength> octets = encode_selector(s);
  const Selector back = decode_selector(octets.data());
  if (back.profile != s.profile || back.privacy != s.privacy || back.rtcp != s.rtcp ||
      back.mki_length != s.mki_length || back.window_index != s.window_index ||
      back.encrypt_rtcp != s.encrypt_rtcp || back.second_key != s.second_key ||
      back.mode != s.mode || back.mutation != s.mutation || back.from_end != s.from_end ||
      back.flip_bit != s.flip_bit || back.offset != s.offset || back.control != s.control ||
      back.control_parameter != s.control_parameter) {
    std::fprintf(stderr, "selector of %s does not decode to itself\n", name.c_str());
    std::exit(1);
  }
  std::ofstream out(directory / name, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(octets.data()), octets.size());
  out.write(reinterpret_cast<const char*>(packet.data()),
            static_cast<std::streamsize>(packet.size()));
  if (!out) {
    std::fprintf(stderr, "cannot write %s\n", (directory / name).c_str());
    std::exit(1);
  }
}

Selector make_selector(SrtpProfile profile, bool rtcp, Mode mode, size_t mki_length = 0) {
  Selector s;
  s.profile = profile;
  s.rtcp = rtcp;
  s.mode = mode;
  s.mki_length = mki_length;
  return s;
}

}  // namespace
}  // namespace secmedia::fuzz

int main(int argc, char** argv) {
  using namespace secmedia;
  using namespace secmedia::fuzz;
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus directory>\n", argv[0]);
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);
  using P = SrtpProfile;

  const std::vector<uint8_t> rich_rtp = rtp(0x1234, 0x11223344, 2, 2, 40);
  const std::vector<uint8_t> small_rtp = rtp(7, 0x0badcafe, 0, 0, 0);
  const std::vector<uint8_t> wrapping_rtp = rtp(0xffff, 0x5eed5eed, 1, 0, 20);
  const std::vector<uint8_t> sender_report = rtcp_sender_report(0x11223344);
  const std::vector<uint8_t> compound = rtcp_receiver_report_sdes(0x0badcafe);

  // Raw: plain packets (dropped, but they walk the parsers) and protected ones (accepted).
  write_seed(dir, "raw_rtp_plain", make_selector(P::aes_cm_128_hmac_sha1_80, false, Mode::raw),
             rich_rtp);
  write_seed(dir, "raw_rtcp_plain", make_selector(P::aes_cm_128_hmac_sha1_80, true, Mode::raw),
             sender_report);
  Selector s = make_selector(P::aes_cm_128_hmac_sha1_80, false, Mode::raw);
  write_seed(dir, "raw_srtp_aes128_80", s, protect_for(s, rich_rtp));
  s = make_selector(P::aes_192_cm_hmac_sha1_80, false, Mode::raw, 3);
  write_seed(dir, "raw_srtp_aes192_80_mki3", s, protect_for(s, wrapping_rtp));
  s = make_selector(P::aead_aes_128_gcm, true, Mode::raw, 2);
  s.second_key = true;
  write_seed(dir, "raw_srtcp_gcm128_mki2_key2", s, protect_for(s, sender_report));
  s = make_selector(P::null_hmac_sha1_32, true, Mode::raw, 1);
  s.encrypt_rtcp = false;
  write_seed(dir, "raw_srtcp_null_hmac32_mki1", s, protect_for(s, compound));
  s = make_selector(P::null_null, false, Mode::raw);
  write_seed(dir, "raw_srtp_null_null", s, protect_for(s, small_rtp));
  // A late join: the receiver is told the ROC out of band before the first packet.
  s = make_selector(P::aes_cm_128_hmac_sha1_32, false, Mode::raw);
  s.control = Control::set_roc;
  s.control_parameter = 2;
  write_seed(dir, "raw_srtp_aes128_32_roc2", s, protect_for(s, rich_rtp, 2));

  // Lockstep: plain packets that the fuzzer protects and unprotects.
  write_seed(dir, "lockstep_rtp_aes128_80",
             make_selector(P::aes_cm_128_hmac_sha1_80, false, Mode::lockstep), rich_rtp);
  write_seed(dir, "lockstep_rtcp_sr_aes128_80",
             make_selector(P::aes_cm_128_hmac_sha1_80, true, Mode::lockstep), sender_report);
  s = make_selector(P::aes_256_cm_hmac_sha1_32, false, Mode::lockstep, 1);
  s.window_index = 3;  // 32768 packets
  write_seed(dir, "lockstep_rtp_aes256_32_mki1", s, wrapping_rtp);
  s = make_selector(P::aead_aes_128_gcm, true, Mode::lockstep, 4);
  s.encrypt_rtcp = false;
  write_seed(dir, "lockstep_rtcp_gcm128_mki4_unencrypted", s, compound);
  s = make_selector(P::aead_aes_256_gcm, false, Mode::lockstep);
  s.window_index = 2;  // 1000 packets
  write_seed(dir, "lockstep_rtp_gcm256", s, rich_rtp);
  write_seed(dir, "lockstep_rtp_null_hmac80_minimal",
             make_selector(P::null_hmac_sha1_80, false, Mode::lockstep), small_rtp);

  // Mutate and reorder: the free pair.
  s = make_selector(P::aes_cm_128_hmac_sha1_80, false, Mode::mutate);
  s.mutation = Mutation::flip;
  s.from_end = true;  // into the tag
  write_seed(dir, "mutate_flip_tag_aes128_80", s, rich_rtp);
  s = make_selector(P::aead_aes_256_gcm, true, Mode::mutate, 2);
  s.mutation = Mutation::truncate;
  write_seed(dir, "mutate_truncate_gcm256_mki2", s, sender_report);
  s = make_selector(P::aes_256_cm_hmac_sha1_80, false, Mode::mutate);
  s.mutation = Mutation::replay;
  write_seed(dir, "mutate_replay_aes256_80", s, rich_rtp);
  s = make_selector(P::aes_cm_128_hmac_sha1_32, false, Mode::reorder);
  s.offset = 0x00;  // put into slot 0, take from slot 0: delivered at once
  write_seed(dir, "reorder_rtp_aes128_32", s, wrapping_rtp);
  s.offset = 0x09;  // put into slot 1, take from slot 1
  write_seed(dir, "reorder_rtp_aes128_32_slot1", s, small_rtp);
  s = make_selector(P::aes_cm_128_hmac_sha1_80, true, Mode::reorder);
  s.control = Control::srtcp_near_wrap;
  s.control_parameter = 1;
  write_seed(dir, "reorder_rtcp_aes128_80_near_wrap", s, compound);
  s = make_selector(P::aes_cm_128_hmac_sha1_80, false, Mode::lockstep);
  s.control = Control::check_streams;
  write_seed(dir, "lockstep_rtp_aes128_80_check_streams", s, wrapping_rtp);

  // Header privacy (RFC 6904, RFC 9335): packets with one-byte and two-byte blocks, CSRCs without
  // an extension, a malformed block and a non-RFC 8285 one, in every mode.
  std::vector<uint8_t> two_byte = rtp(0x4321, 0x0badcafe, 1, 0, 30);
  two_byte[0] |= 0x10;
  const std::vector<uint8_t> two_byte_block = {0x10, 0x00, 0x00, 0x03, 0x01, 0x02, 0xaa, 0xbb,
                                               0x00, 0xc8, 0x03, 0x01, 0x02, 0x03, 0x0e, 0x00};
  two_byte.insert(two_byte.begin() + 16, two_byte_block.begin(), two_byte_block.end());
  const std::vector<uint8_t> csrcs_only = rtp(0x0fff, 0x51515151, 3, 0, 3);
  // rich_rtp's block reads, by RFC 8285, as element 1 (one octet) and then an element 12 that runs
  // past the block: malformed for RFC 6904. This one is well formed: element 1 with two octets.
  std::vector<uint8_t> one_byte = rich_rtp;
  one_byte[24] = 0x11;
  std::vector<uint8_t> leading_padding = rtp(0x2222, 0x22222222, 0, 1, 12);
  leading_padding[16] = 0x00;  // a block that starts with padding: malformed for RFC 6904
  std::vector<uint8_t> non_rfc8285 = rtp(0x3333, 0x33333333, 0, 1, 12);
  non_rfc8285[12] = 0x0b;  // profile 0x0bad
  non_rfc8285[13] = 0xad;
  const struct {
    const char* name;
    HeaderPrivacy privacy;
  } privacies[] = {{"rfc6904", HeaderPrivacy::encrypted_extensions},
                   {"cryptex", HeaderPrivacy::cryptex_accept},
                   {"cryptex_required", HeaderPrivacy::cryptex_required}};
  for (const auto& p : privacies) {
    const std::string suffix = std::string("_") + p.name;
    for (const auto profile : {P::aes_cm_128_hmac_sha1_80, P::aead_aes_128_gcm}) {
      const std::string name = profile == P::aead_aes_128_gcm ? "gcm128" : "aes128_80";
      s = make_selector(profile, false, Mode::lockstep);
      s.privacy = p.privacy;
      write_seed(dir, "lockstep_rtp_" + name + suffix, s, rich_rtp);
      write_seed(dir, "lockstep_rtp_two_byte_" + name + suffix, s, two_byte);
      write_seed(dir, "lockstep_rtp_csrcs_only_" + name + suffix, s, csrcs_only);
      write_seed(dir, "lockstep_rtp_leading_padding_" + name + suffix, s, leading_padding);
      write_seed(dir, "lockstep_rtp_non_rfc8285_" + name + suffix, s, non_rfc8285);
      s.mode = Mode::raw;
      write_seed(dir, "lockstep_rtp_one_byte_" + name + suffix, s, one_byte);
      write_seed(dir, "raw_srtp_" + name + suffix, s, protect_for(s, one_byte));
      write_seed(dir, "raw_srtp_two_byte_" + name + suffix, s, protect_for(s, two_byte));
      s.mode = Mode::mutate;
      s.mutation = Mutation::flip;
      s.offset = 17;  // inside the extension block
      write_seed(dir, "mutate_flip_extension_" + name + suffix, s, one_byte);
    }
  }
  // A receiver with RFC 6904 meets a malformed block sent without it (raw: after authentication).
  s = make_selector(P::aes_cm_128_hmac_sha1_80, false, Mode::raw);
  const std::vector<uint8_t> sent_plain = protect_for(s, leading_padding);
  s.privacy = HeaderPrivacy::encrypted_extensions;
  write_seed(dir, "raw_srtp_leading_padding_aes128_80_rfc6904", s, sent_plain);
  return 0;
}
