// SPDX-License-Identifier: LGPL-2.1-or-later
// What srtp_unprotect_fuzzer reads from its input, shared with make_seed_corpus so that the seeds
// and the target cannot disagree about the layout or the keys.
//
// An input is kSelectorLength selector octets followed by the datagram:
//   octet 0  bits 0-5 profile, modulo kSrtpProfileCount; bits 6-7 HeaderPrivacy (0 in the seeds
//            made before it existed, so they keep their meaning)
//   octet 1  bit 0 RTCP; bits 1-3 MKI length (modulo 5); bits 4-5 replay window (kReplayWindows);
//            bit 6 protect sends SRTCP encrypted (E=1); bit 7 protect uses the second master key
//   octet 2  bits 0-1 Mode; bits 2-3 Mutation; bit 4 mutation offset counts from the end;
//            bits 5-7 which bit a flip inverts
//   octet 3  mutation offset or length; in Mode::reorder, the stash slots (bits 0-2 put, 3-5 take)
//   octet 4  bits 0-2 Control, done before the mode; bits 3-7 its parameter
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "secmedia/srtp.h"

namespace secmedia::fuzz {

inline constexpr size_t kSelectorLength = 5;
inline constexpr size_t kMkiLengthChoices = 5;  // 0 (no MKI, one key) and 1..4
// 1000 is not a multiple of 64, so the ring of the replay window is larger than the window.
inline constexpr std::array<size_t, 4> kReplayWindows = {kSrtpMinReplayWindow, 128, 1000,
                                                         kSrtpMaxReplayWindow};

enum class Mode : uint8_t {
  raw,       // the datagram is SRTP/SRTCP, unprotected as it is
  lockstep,  // the datagram is plain RTP/RTCP: protect, unprotect, expect it back
  mutate,    // the datagram is plain: protect, apply the Mutation, unprotect
  reorder,   // the datagram is plain: protect, hold back, deliver a held-back packet instead
};

enum class Mutation : uint8_t {
  flip,      // invert one bit
  truncate,  // drop 1..n octets from the end
  append,    // add one octet at the end
  replay,    // no change, but unprotect the packet twice
};

// Calls besides protect and unprotect. Values 0-2 do nothing, so most inputs are about packets.
enum class Control : uint8_t {
  none = 0,
  // Protect gets one octet less room than rtp_overhead()/rtcp_overhead().
  tight_buffer = 3,
  // Free unprotect session: the ROC of the datagram's SSRC := parameter (late join).
  set_roc = 4,
  // Free protect session: the next SRTCP index of the datagram's SSRC := 2^31 - 1 - parameter.
  srtcp_near_wrap = 5,
  // Free sessions: remove a master key for this input, add it again afterwards.
  rekey = 6,
  // Compare streams() with stats() and, in the lockstep pair, the protect side with the unprotect
  // side.
  check_streams = 7,
};

// RFC 6904 / RFC 9335 settings of both sessions of a pair. Only with an encrypting profile: with
// the NULL cipher it is always `none`.
enum class HeaderPrivacy : uint8_t {
  none,
  encrypted_extensions,  // RFC 6904 with kFuzzEncryptedExtensionIds
  cryptex_accept,
  cryptex_required,
};
inline constexpr size_t kHeaderPrivacyChoices = 4;
// Both ID ranges of RFC 8285: 1-14 exist in both forms, 200 only in the two-byte form.
inline const std::vector<uint8_t> kFuzzEncryptedExtensionIds = {1, 2, 5, 14, 200};

inline void apply_header_privacy(SrtpConfig& config, HeaderPrivacy privacy) {
  config.encrypted_header_extension_ids.clear();
  config.cryptex = CryptexMode::off;
  if (!profile_info(config.rtp_profile).encrypts) return;
  switch (privacy) {
    case HeaderPrivacy::none:
      break;
    case HeaderPrivacy::encrypted_extensions:
      config.encrypted_header_extension_ids = kFuzzEncryptedExtensionIds;
      break;
    case HeaderPrivacy::cryptex_accept:
      config.cryptex = CryptexMode::accept;
      break;
    case HeaderPrivacy::cryptex_required:
      config.cryptex = CryptexMode::required;
      break;
  }
}

struct Selector {
  SrtpProfile profile = SrtpProfile::aes_cm_128_hmac_sha1_80;
  HeaderPrivacy privacy = HeaderPrivacy::none;
  bool rtcp = false;
  size_t mki_length = 0;
  size_t window_index = 0;
  bool encrypt_rtcp = true;
  bool second_key = false;
  Mode mode = Mode::raw;
  Mutation mutation = Mutation::flip;
  bool from_end = false;
  uint8_t flip_bit = 0;
  uint8_t offset = 0;
  Control control = Control::none;
  uint8_t control_parameter = 0;  // 0..31
};

inline Selector decode_selector(const uint8_t* octets) {
  Selector s;
  s.profile = static_cast<SrtpProfile>((octets[0] & 0x3f) % kSrtpProfileCount);
  s.privacy = profile_info(s.profile).encrypts ? static_cast<HeaderPrivacy>(octets[0] >> 6)
                                               : HeaderPrivacy::none;
  s.rtcp = (octets[1] & 0x01) != 0;
  s.mki_length = ((octets[1] >> 1) & 0x07) % kMkiLengthChoices;
  s.window_index = (octets[1] >> 4) & 0x03;
  s.encrypt_rtcp = (octets[1] & 0x40) != 0;
  s.second_key = (octets[1] & 0x80) != 0;
  s.mode = static_cast<Mode>(octets[2] & 0x03);
  s.mutation = static_cast<Mutation>((octets[2] >> 2) & 0x03);
  s.from_end = (octets[2] & 0x10) != 0;
  s.flip_bit = static_cast<uint8_t>(octets[2] >> 5);
  s.offset = octets[3];
  const uint8_t control = octets[4] & 0x07;
  s.control = control < static_cast<uint8_t>(Control::tight_buffer) ? Control::none
                                                                    : static_cast<Control>(control);
  s.control_parameter = static_cast<uint8_t>(octets[4] >> 3);
  return s;
}

inline std::array<uint8_t, kSelectorLength> encode_selector(const Selector& s) {
  return {
      static_cast<uint8_t>(static_cast<uint8_t>(s.profile) | static_cast<uint8_t>(s.privacy) << 6),
      static_cast<uint8_t>((s.rtcp ? 0x01 : 0) | (s.mki_length << 1) | (s.window_index << 4) |
                           (s.encrypt_rtcp ? 0x40 : 0) | (s.second_key ? 0x80 : 0)),
      static_cast<uint8_t>(static_cast<uint8_t>(s.mode) | static_cast<uint8_t>(s.mutation) << 2 |
                           (s.from_end ? 0x10 : 0) | s.flip_bit << 5),
      s.offset,
      static_cast<uint8_t>(static_cast<uint8_t>(s.control) | s.control_parameter << 3),
  };
}

struct MasterKey {
  std::vector<uint8_t> key;
  std::vector<uint8_t> salt;
  std::vector<uint8_t> mki;
};

// Master key `which` (0 or 1) of every session for `profile`: fixed octets of the lengths the
// profile needs, different between the two keys, so that a seed protected here authenticates in the
// fuzzer. The MKIs of the two keys differ in their first octet by more than one bit.
inline MasterKey fuzz_master_key(SrtpProfile profile, size_t mki_length, size_t which) {
  const SrtpProfileInfo& info = profile_info(profile);
  MasterKey k;
  for (size_t i = 0; i < info.master_key_length; ++i) {
    k.key.push_back(static_cast<uint8_t>(0x2b + 0x11 * which + 7 * i));
  }
  for (size_t i = 0; i < info.master_salt_length; ++i) {
    k.salt.push_back(static_cast<uint8_t>(0xd1 - 0x13 * which + 5 * i));
  }
  for (size_t i = 0; i < mki_length; ++i)
    k.mki.push_back(static_cast<uint8_t>(0x30 * (which + 1) + i));
  return k;
}

// What a plain RTP packet looks like after protect and unprotect: itself, except that cryptex adds
// an empty extension block to a packet with CSRCs and none (RFC 9335 §5.1, Sending), which
// unprotect keeps.
inline std::vector<uint8_t> after_round_trip(const std::vector<uint8_t>& plain, bool rtcp,
                                             const SrtpConfig& config) {
  if (rtcp || config.cryptex == CryptexMode::off || plain.size() < 12) return plain;
  const size_t csrcs = plain[0] & 0x0f;
  if ((plain[0] & 0x10) != 0 || csrcs == 0 || plain.size() < 12 + 4 * csrcs) return plain;
  std::vector<uint8_t> out(plain.begin(), plain.begin() + static_cast<long>(12 + 4 * csrcs));
  out[0] |= 0x10;
  out.insert(out.end(), {0xbe, 0xde, 0, 0});
  out.insert(out.end(), plain.begin() + static_cast<long>(12 + 4 * csrcs), plain.end());
  return out;
}

}  // namespace secmedia::fuzz
