// SPDX-License-Identifier: LGPL-2.1-or-later
// What srtpdec_element_fuzzer reads from its input, shared with make_srtpdec_seed_corpus so that
// the seeds and the target cannot disagree about the layout or the SSRCs that have keys.
//
// An input is kSelectorLength selector octets followed by the body:
//   octet 0  which element (Session), modulo kSessionCount
//   octet 1  bit 0 push on rtcp_sink if linked (else rtp_sink); bit 1 a GstBufferList;
//            bit 2 valid: the fuzzer protects each packet with the element's keys first;
//            bit 3 valid only: each protected packet is pushed twice (the copy must be dropped);
//            bit 4 send with the second master key (MKI keyings); bits 5-6 Shape of the buffers;
//            bit 7 header privacy caps first: kPrivacyEntries[octet 2 bits 4-7] (srtpdec_element_
//            fuzzer.cpp) in rtp_sink caps, without a key (keyed-by-event sessions: the key event's
//            settings) or with kCapsSsrc's keys (caps sessions)
//   octet 2  bits 0-3 Control, done before the push; bits 4-7 where Shape::two_memories splits,
//            and the header privacy entry
// The body is one packet, or for a list up to kMaxChunks packets, each a length octet and then that
// many octets (the last one takes what is left when it is shorter).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace secmedia::fuzz::srtpdec {

inline constexpr size_t kSelectorLength = 3;
inline constexpr size_t kMaxChunks = 16;

// One srtpdec instance each, keyed differently; all live for the whole run.
enum class Session : uint8_t {
  // Keyed by the key event: AES_CM_128_HMAC_SHA1_80.
  event_aes128_80,
  // Keyed by the key event: AEAD_AES_128_GCM. rtcp_sink is not linked (rtcp-mux only).
  event_gcm128,
  // Keyed by the key event: AES_CM_128_HMAC_SHA1_32 (its SRTCP keeps the 80-bit tag).
  event_aes128_32,
  // Caps with srtp-key/mki and srtp-key2/mki2 for kCapsSsrc; request-key for other SSRCs.
  caps,
  // No key at all: request-key for every SSRC. replay-window-size 64.
  request_key,
  // request-key, and key-lifetime kShortKeyLifetime: soft-limit and hard-limit hand over new keys.
  key_lifetime,
  // Keyed by the key event: AES_CM_128_HMAC_SHA1_80, with the properties encrypted-header-ids "1,5"
  // and cryptex accept (RFC 6904 and RFC 9335 until caps say otherwise).
  event_header_privacy,
  // As Session::caps, with srtp-encrypted-header-ids "1,5" and srtp-cryptex required in the caps
  // of kCapsSsrc.
  caps_header_privacy,
};
inline constexpr size_t kSessionCount = 8;
// Entries of the header privacy table (valid, malformed and wrongly typed fields).
inline constexpr size_t kPrivacyEntryCount = 16;

enum class Shape : uint8_t {
  plain,         // one writable memory
  two_memories,  // split in two memories
  read_only,     // one memory flagged read-only
  shared,        // the fuzzer keeps a reference: the element must copy, never write into it
};

enum class Control : uint8_t {
  none = 0,  // 0-8
  // flush-start, flush-stop and a new segment on the sink pad of the push (a flushing seek).
  flush = 9,
  // Caps on the sink pad of the push, built from the first packet's octets 12 and on (ciphers and
  // auths among known and unknown nicks, fields left out or of the wrong type, any number and
  // length of keys and MKIs, roc), for kFuzzedCapsSsrcBase | the low four bits of its SSRC.
  fuzzed_caps = 10,
  // Caps on rtp_sink with keys for the SSRC of the first packet that the element must refuse (two
  // keys with one MKI): nothing may change for that SSRC.
  refused_keys = 11,
  stats = 12,
  rekey = 13,       // key event with the next generation; caps: the other pair of MKI keys
  remove_key = 14,  // the remove-key signal for the SSRC of the first packet
  clear_keys = 15,  // the clear-keys signal, then the session's own keys again
};

// The SSRC the caps of Session::caps carry keys for.
inline constexpr uint32_t kCapsSsrc = 0xcafe0001;
// The request-key handler answers for kGrantedSsrcBase | 0..63 (a bounded set, so that the element
// keeps a bounded number of sessions) and returns NULL for every other SSRC. The low six bits:
//   bits 0-1  KeyClass
//   bits 2-4  Answer
//   bit 5     the caps carry roc = kGrantedRoc
inline constexpr uint32_t kGrantedSsrcBase = 0x5ec0de00;
inline constexpr uint32_t kGrantedSsrcMask = 0xffffffc0;
inline constexpr uint32_t kGrantedRoc = 0x1234;
inline constexpr uint64_t kShortKeyLifetime = 48;
// SSRCs whose keys come from Control::fuzzed_caps: the fuzzer does not model them.
inline constexpr uint32_t kFuzzedCapsSsrcBase = 0xf022ca00;
inline constexpr uint32_t kFuzzedCapsSsrcMask = 0xfffffff0;

enum class KeyClass : uint8_t {
  aes128_80,    // AES_CM_128_HMAC_SHA1_80, no MKI
  gcm256_mki,   // AEAD_AES_256_GCM, two keys with one-octet MKIs
  mixed,        // NULL_HMAC_SHA1_32 for RTP, AES_CM_128_HMAC_SHA1_80 for RTCP
  passthrough,  // all four ciphers and auths null: packets pass unchanged
};

enum class Answer : uint8_t {
  keys = 0,  // 0-3
  bad_key_length = 4,
  unauthenticated = 5,  // aes-128-icm with auth null: refused
  empty_caps = 6,
  null = 7,
};

struct Granted {
  bool granted = false;  // in the handler's range at all
  KeyClass key_class = KeyClass::aes128_80;
  Answer answer = Answer::null;
  bool roc = false;
};

inline Granted decode_granted(uint32_t ssrc) {
  Granted g;
  if ((ssrc & kGrantedSsrcMask) != kGrantedSsrcBase) return g;
  g.granted = true;
  g.key_class = static_cast<KeyClass>(ssrc & 0x03);
  const uint32_t answer = (ssrc >> 2) & 0x07;
  g.answer = answer < static_cast<uint32_t>(Answer::bad_key_length) ? Answer::keys
                                                                    : static_cast<Answer>(answer);
  g.roc = (ssrc & 0x20) != 0;
  return g;
}

inline uint32_t granted_ssrc(KeyClass key_class, Answer answer, bool roc) {
  return kGrantedSsrcBase | static_cast<uint32_t>(key_class) | static_cast<uint32_t>(answer) << 2 |
         (roc ? 0x20u : 0u);
}

struct Selector {
  Session session = Session::event_aes128_80;
  bool rtcp_sink = false;
  bool list = false;
  bool valid = false;
  bool duplicate = false;
  bool second_key = false;
  bool privacy_caps = false;
  Shape shape = Shape::plain;
  Control control = Control::none;
  uint8_t split = 0;  // 0..15
};

inline Selector decode_selector(const uint8_t* octets) {
  Selector s;
  s.session = static_cast<Session>(octets[0] % kSessionCount);
  s.rtcp_sink = (octets[1] & 0x01) != 0;
  s.list = (octets[1] & 0x02) != 0;
  s.valid = (octets[1] & 0x04) != 0;
  s.duplicate = (octets[1] & 0x08) != 0;
  s.second_key = (octets[1] & 0x10) != 0;
  s.shape = static_cast<Shape>((octets[1] >> 5) & 0x03);
  s.privacy_caps = (octets[1] & 0x80) != 0;
  const uint8_t control = octets[2] & 0x0f;
  s.control = control < static_cast<uint8_t>(Control::flush) ? Control::none
                                                             : static_cast<Control>(control);
  s.split = static_cast<uint8_t>(octets[2] >> 4);
  return s;
}

inline std::array<uint8_t, kSelectorLength> encode_selector(const Selector& s) {
  return {
      static_cast<uint8_t>(s.session),
      static_cast<uint8_t>((s.rtcp_sink ? 0x01 : 0) | (s.list ? 0x02 : 0) | (s.valid ? 0x04 : 0) |
                           (s.duplicate ? 0x08 : 0) | (s.second_key ? 0x10 : 0) |
                           static_cast<uint8_t>(s.shape) << 5 | (s.privacy_caps ? 0x80 : 0)),
      static_cast<uint8_t>(static_cast<uint8_t>(s.control) | s.split << 4),
  };
}

// The packets of a body: the whole body, or for a list its length-prefixed chunks.
inline std::vector<std::span<const uint8_t>> split_body(std::span<const uint8_t> body, bool list) {
  std::vector<std::span<const uint8_t>> chunks;
  if (!list) {
    chunks.push_back(body);
    return chunks;
  }
  while (!body.empty() && chunks.size() < kMaxChunks) {
    const size_t length = std::min<size_t>(body[0], body.size() - 1);
    chunks.push_back(body.subspan(1, length));
    body = body.subspan(1 + length);
  }
  return chunks;
}

}  // namespace secmedia::fuzz::srtpdec
