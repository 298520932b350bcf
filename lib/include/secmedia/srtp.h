// SPDX-License-Identifier: LGPL-2.1-or-later
// secmedia SRTP/SRTCP engine (RFC 3711, RFC 6188, RFC 7714).
//
// The contract:
// - Sans-IO: an SrtpSession transforms packets in place in memory the caller owns. It does no I/O,
//   reads no clock, starts no thread, and keeps no process-global state.
// - One session serves one direction (protect or unprotect) for one set of master keys, with the
//   state of every SSRC it has seen inside it (rollover counter, replay window, SRTCP index).
// - Per-packet results are an SrtpStatus, never an exception. A packet that is not `ok` has been
//   dropped: the buffer may hold garbage and must not be forwarded. Every drop is counted in
//   stats() by cause.
// - Protect grows a packet by at most rtp_overhead() / rtcp_overhead() octets; the buffer passed in
//   must have that much room after the packet. Unprotect shrinks it. No allocation happens per
//   packet.
// - Per-SSRC state is created on protect, and on unprotect only after a packet authenticates, so
//   forged packets cannot grow memory. The number of streams is capped (SrtpConfig::max_streams);
//   when a new authenticated stream arrives at the cap, the stream idle the longest is evicted.
// - A session is not thread-safe: callers serialize access to one session.
// - Which session a key value keys, and what survives a rekey, is secmedia/srtp_keyring.h.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace secmedia {

// Crypto suites. The RTP and RTCP halves of a session may use different profiles as long as their
// master key and salt lengths agree (gst-plugins-bad and libsrtp allow e.g. AES-CM for RTP and NULL
// for RTCP).
enum class SrtpProfile : uint8_t {
  aes_cm_128_hmac_sha1_80,  // RFC 3711 / RFC 5764 SRTP_AES128_CM_HMAC_SHA1_80
  aes_cm_128_hmac_sha1_32,  // RFC 5764 SRTP_AES128_CM_HMAC_SHA1_32 (use _80 for its RTCP half)
  aes_192_cm_hmac_sha1_80,  // RFC 6188
  aes_192_cm_hmac_sha1_32,  // RFC 6188
  aes_256_cm_hmac_sha1_80,  // RFC 6188
  aes_256_cm_hmac_sha1_32,  // RFC 6188
  aead_aes_128_gcm,         // RFC 7714, 16-octet tag
  aead_aes_256_gcm,         // RFC 7714, 16-octet tag
  null_hmac_sha1_80,        // RFC 3711 NULL cipher, authentication only
  null_hmac_sha1_32,        // RFC 3711 NULL cipher, authentication only
  null_null,                // no confidentiality, no integrity: for tests only
};

inline constexpr size_t kSrtpProfileCount = 11;

struct SrtpProfileInfo {
  std::string_view name;      // e.g. "AES_CM_128_HMAC_SHA1_80"
  size_t master_key_length;   // octets
  size_t master_salt_length;  // octets: 14, or 12 for AEAD (RFC 7714 §12)
  size_t tag_length;          // authentication tag octets appended to each packet
  bool encrypts;              // false for the NULL cipher
  bool is_aead;               // AES-GCM: tag produced by the cipher, no HMAC
};

const SrtpProfileInfo& profile_info(SrtpProfile profile);
// Accepts the names of SrtpProfileInfo::name, case-insensitively.
std::optional<SrtpProfile> profile_from_name(std::string_view name);

enum class SrtpStatus : uint8_t {
  ok,
  // Per-packet drop causes (what SrtpStats counts; kSrtpDropCauseLimit bounds them).
  auth_failure,      // tag mismatch: wrong key, corrupted or forged packet
  replay_old,        // index older than the replay window
  replay_duplicate,  // index already seen inside the replay window
  malformed,         // not a parsable RTP/RTCP/SRTP/SRTCP packet of the expected shape
  key_expired,  // master key reached its packet limit (RFC 3711 §9.2) or the index space ran out
  no_key,       // no master key installed
  unknown_mki,  // MKI names no installed master key
  buffer_too_small,            // not enough room after the packet for the tag/MKI/index
  wrong_direction,             // protect on an unprotect session or the reverse
  header_extension_malformed,  // RFC 6904 needs the RFC 8285 elements, and the block cannot be
                               // parsed: an element past the block's end, padding before the
                               // first element, an ID 0 element in the one-byte form
  cryptex_required,  // unprotect: CSRCs or a header extension in clear while cryptex is required;
                     // protect: a header extension cryptex cannot carry (not RFC 8285) while it
                     // is required, or, with cryptex on, a plain block already marked
                     // 0xC0DE/0xC2DE, which the receiver would take for cryptex
  // Results of key management calls: never a packet's, so never counted as drops.
  bad_key_length,  // key or salt length does not match the profile
  bad_mki,         // MKI length differs from SrtpConfig::mki_length
  duplicate_mki,   // a key with that MKI is already installed
  too_many_keys,   // kSrtpMaxMasterKeys reached, or a second key without MKI
};

inline constexpr size_t kSrtpStatusCount = 16;
// Statuses below this are per-packet results (index 0, ok, is never a drop): SrtpStats' drop
// arrays have this many entries.
inline constexpr size_t kSrtpDropCauseLimit = static_cast<size_t>(SrtpStatus::bad_key_length);
const char* to_string(SrtpStatus status);

inline constexpr size_t kSrtpMaxMasterKeys = 16;
inline constexpr size_t kSrtpMaxMkiLength = 128;
inline constexpr size_t kSrtpMinReplayWindow = 64;
inline constexpr size_t kSrtpMaxReplayWindow = 32768;

enum class SrtpDirection : uint8_t { protect, unprotect };

// RFC 9335 cryptex: the CSRC list and the header extension encrypted with the payload.
enum class CryptexMode : uint8_t {
  off,       // RFC 3711 as it was: nothing sent with cryptex, 0xC0DE/0xC2DE not decrypted
  accept,    // unprotect: decrypt cryptex packets, accept packets without it;
             // protect: send cryptex for every packet with CSRCs or an RFC 8285 extension, and
             // send any other extension as plain SRTP (as jitsi does)
  required,  // unprotect: refuse packets whose CSRCs or extension are in clear (cryptex_required);
             // protect: as accept, but refuse a packet whose extension cryptex cannot carry
};

inline constexpr size_t kCryptexModeCount = 3;
const char* to_string(CryptexMode mode);
std::optional<CryptexMode> cryptex_mode_from_name(std::string_view name);

// RFC 8285 local identifiers: 1-14 in the one-byte form, 1-255 in the two-byte form.
inline constexpr uint8_t kMaxHeaderExtensionId = 255;

struct SrtpConfig {
  SrtpDirection direction = SrtpDirection::protect;
  SrtpProfile rtp_profile = SrtpProfile::aes_cm_128_hmac_sha1_80;
  SrtpProfile rtcp_profile = SrtpProfile::aes_cm_128_hmac_sha1_80;
  // Send SRTCP with E=1 (encrypted). Ignored when the RTCP profile has no cipher. Unprotect accepts
  // both E=0 and E=1 since the E flag is authenticated (RFC 3711 §3.4).
  bool encrypt_rtcp = true;
  // Octets of MKI carried in every packet; 0 means no MKI and exactly one master key
  // (RFC 3711 §3.1).
  size_t mki_length = 0;
  // Only 0 is supported (RFC 3711 §4.3.1: session keys derived once). Anything else is refused.
  uint64_t key_derivation_rate = 0;
  // Replay window in packets, kSrtpMinReplayWindow..kSrtpMaxReplayWindow (RFC 3711 §3.3.2 asks for
  // at least 64; 1024 keeps NACK retransmissions of the last second of video acceptable).
  size_t replay_window_size = 1024;
  // Protect: allow protecting the same RTP index twice (retransmission of an identical packet), as
  // libsrtp's allow_repeat_tx. Off by default: a repeated index with new content reuses keystream.
  bool allow_repeat_tx = false;
  // Cap on per-SSRC states; the stream idle the longest is evicted (in O(1)) to admit a new one.
  // A receiver of many cameras or conference legs holds thousands; each costs about 300 octets,
  // so the cap bounds a session's stream state near 20 MB, reached only by key holders (unprotect
  // admits a stream after its first authenticated packet).
  size_t max_streams = 65536;
  // Packets one master key may process (RFC 3711 §9.2: at most 2^48 SRTP and 2^31 SRTCP packets).
  // Lower values may be set by policy or tests; higher ones are clamped.
  uint64_t srtp_key_lifetime = uint64_t{1} << 48;
  uint64_t srtcp_key_lifetime = uint64_t{1} << 31;
  // A soft_limit event is queued once when at most this many packets remain for a key; 0
  // disables it.
  uint64_t soft_limit_margin = uint64_t{1} << 16;
  // RFC 6904: the IDs (1-255) of the RFC 8285 header extension elements whose data is encrypted,
  // in the one-byte (0xBEDE) and two-byte (0x100X) forms. Both ends must list the same IDs (in SDP,
  // a=extmap with urn:ietf:params:rtp-hdrext:encrypt). Needs an encrypting RTP profile.
  std::vector<uint8_t> encrypted_header_extension_ids;
  // RFC 9335 (a=cryptex in SDP). Needs an encrypting RTP profile. A packet sent with cryptex is
  // not also RFC 6904 encrypted (RFC 9335 §5); one received without it still is decrypted.
  CryptexMode cryptex = CryptexMode::off;
};

struct SrtpEvent {
  enum class Kind : uint8_t {
    soft_limit,  // the key nears its lifetime: install a new one
    hard_limit,  // the key reached its lifetime: packets under it now fail with key_expired
  };
  Kind kind;
  bool rtcp;                 // which lifetime: SRTCP (true) or SRTP (false)
  std::vector<uint8_t> mki;  // which key (empty without MKI)
};

struct SrtpStats {
  uint64_t rtp_packets = 0;  // packets that came out ok
  uint64_t rtcp_packets = 0;
  uint64_t rtp_octets = 0;  // of the packets as passed in
  uint64_t rtcp_octets = 0;
  // How the header of each RTP packet that came out ok was protected; the three add up to
  // rtp_packets.
  uint64_t rtp_packets_cryptex = 0;               // RFC 9335: CSRCs and extension encrypted
  uint64_t rtp_packets_encrypted_extensions = 0;  // RFC 6904: at least one element encrypted
  uint64_t rtp_packets_header_in_clear = 0;       // neither
  std::array<uint64_t, kSrtpDropCauseLimit> rtp_drops{};  // indexed by SrtpStatus
  std::array<uint64_t, kSrtpDropCauseLimit> rtcp_drops{};
  size_t streams = 0;
  uint64_t streams_evicted = 0;
};

struct SrtpStreamInfo {
  uint32_t ssrc = 0;
  uint32_t rollover_counter = 0;
  uint16_t highest_sequence = 0;  // meaningful once rtp_packets > 0
  uint64_t rtp_packets = 0;
  uint64_t rtcp_packets = 0;
  uint32_t srtcp_index = 0;  // protect: next index to send; unprotect: highest received
  uint64_t replay_drops = 0;
};

class SrtpSession {
 public:
  // Returns nullptr and sets *why when the config is invalid (unsupported key derivation rate,
  // window size out of range, RTP and RTCP profiles with different master key sizes, ...).
  static std::unique_ptr<SrtpSession> create(const SrtpConfig& config, std::string* why = nullptr);
  ~SrtpSession();
  SrtpSession(const SrtpSession&) = delete;
  SrtpSession& operator=(const SrtpSession&) = delete;

  const SrtpConfig& config() const;

  // Master keys. Key and salt lengths must match the profile; `mki` must be mki_length octets. The
  // first key added becomes the send key. Stream state (ROC, replay, SRTCP index) is kept across
  // key changes.
  SrtpStatus add_master_key(std::span<const uint8_t> key, std::span<const uint8_t> salt,
                            std::span<const uint8_t> mki = {});
  SrtpStatus remove_master_key(std::span<const uint8_t> mki);
  // Selects the key protect uses from now on (RFC 3711 §8.1: the sender chooses by MKI).
  SrtpStatus select_send_key(std::span<const uint8_t> mki);
  void clear_master_keys();
  size_t master_key_count() const;

  // RTP. `buffer` holds the packet in its first `length` octets and has room for the growth; on ok,
  // `length` is the protected length. On any other status the buffer content is unspecified.
  SrtpStatus protect_rtp(std::span<uint8_t> buffer, size_t& length);
  // The same, for a packet whose memory has no room after it: the payload is encrypted in place and
  // the MKI and tag (rtp_overhead() octets at most) are written to `trailer`, to be sent right
  // after the packet; `trailer_length` says how many. Saves copying the packet to make room.
  SrtpStatus protect_rtp(std::span<uint8_t> packet, std::span<uint8_t> trailer,
                         size_t& trailer_length);
  // `packet` is the SRTP packet; on ok, `length` is the plain RTP length (in place, same start).
  SrtpStatus unprotect_rtp(std::span<uint8_t> packet, size_t& length);
  // RTCP (compound or RFC 5506 reduced-size alike).
  SrtpStatus protect_rtcp(std::span<uint8_t> buffer, size_t& length);
  SrtpStatus unprotect_rtcp(std::span<uint8_t> packet, size_t& length);

  // Octets protect adds at most (tag, MKI, and for SRTCP the E|index word; with cryptex, the 4
  // octets of the empty extension RFC 9335 §5.1 adds to a packet with CSRCs and no extension).
  size_t rtp_overhead() const;
  size_t rtcp_overhead() const;

  // RFC 3711 §3.3.1: the ROC is signalled out of band when a receiver joins late. Setting it for an
  // SSRC with no state creates that state (a trusted call, unlike a packet).
  std::optional<uint32_t> rollover_counter(uint32_t ssrc) const;
  SrtpStatus set_rollover_counter(uint32_t ssrc, uint32_t roc);
  // Drops the state of one SSRC (ROC, replay window, SRTCP index, counters): its next packet is
  // that of a new stream. For a receiver told an SSRC's keys were removed (gst-plugins-bad's
  // remove-key), whose session other SSRCs share.
  void forget_stream(uint32_t ssrc);
  // Protect only: the SRTCP index the next packet of `ssrc` carries (RFC 3711 §3.4 starts at 0;
  // libsrtp starts at 1).
  SrtpStatus set_next_srtcp_index(uint32_t ssrc, uint32_t index);

  // Events (key soft/hard limits) in the order they happened; nullopt when none is pending.
  std::optional<SrtpEvent> poll_event();

  SrtpStats stats() const;
  std::vector<SrtpStreamInfo> streams() const;

 private:
  struct Impl;
  explicit SrtpSession(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Worst-case growth of a protected packet, for sizing buffers before a session exists (add
// kCryptexMaxGrowth to the SRTP figure when cryptex is on).
inline constexpr size_t kCryptexMaxGrowth = 4;
size_t srtp_max_overhead(SrtpProfile profile, size_t mki_length);
size_t srtcp_max_overhead(SrtpProfile profile, size_t mki_length);

}  // namespace secmedia
