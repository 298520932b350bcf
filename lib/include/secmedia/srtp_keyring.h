// SPDX-License-Identifier: LGPL-2.1-or-later
// The keying policy of an SRTP element, without GStreamer: which session a packet uses (the key
// value's, SrtpKeyingMaterial, or keys given for its SSRC), what survives a rekey, and when the
// element must announce new keys. srtpenc and srtpdec drive one each.
//
// The rules:
// - A key value is taken when it differs from the one held in anything: generation, profiles, MKI or
//   key bytes. A second handshake that repeats a generation with new keys is therefore not lost,
//   and a sticky key event seen again (relinking, a restarted peer element) changes nothing.
// - A new key with unchanged session settings goes into the same session: every stream keeps its
//   rollover counter, replay window and SRTCP index (the ROC counts the stream's sequence number
//   wraps, RFC 3711 §3.3.1; restarting it would repeat indices). Other settings (profiles, MKI length, window, header privacy) make a
//   new session that continues each stream's ROC, and on protect its next SRTCP index, so no
//   index, and so no keystream, is used twice.
// - The counters of a session that goes away are kept (retired()), so stats never go backwards.
// - A value or settings the core refuses leave no session: nothing is sent or accepted under other
//   settings than asked for (fail closed).
// - Keys given for one SSRC (srtpdec: caps, request-key, soft-limit, hard-limit) take precedence
//   over the value's for that SSRC. They are a template until a packet of the SSRC authenticates
//   with them (RFC 3711 §3.3, step 5); only then does the SSRC get a session, with its stream state.
//   Until then packets are tried on a trial session; a few are kept for the next packet with the
//   same template, so forged SSRCs neither allocate nor derive keys per packet. SSRCs whose keys
//   are the same template under the same settings share one session, each a stream inside it, so
//   10,000 SSRCs keyed alike cost one session. At most kSrtpMaxSsrcKeys SSRCs have keys; at the
//   cap the one idle the longest is forgotten.
// Not thread-safe: the element serializes access, as for SrtpSession.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "secmedia/keying_material.h"
#include "secmedia/srtp.h"

namespace secmedia {

// Adds the counters of `from` to `into` (not `streams`, the number of live streams: no total).
void accumulate_stats(SrtpStats& into, const SrtpStats& from);

// Whether sessions of the two configs behave alike, so that new keys may go into the old session.
bool same_session_config(const SrtpConfig& a, const SrtpConfig& b);

// A session for `config` that continues the streams of `previous` (may be null): their rollover
// counters, and on protect their next SRTCP index. nullptr and `why` when the core refuses `config`.
std::unique_ptr<SrtpSession> continue_session(const SrtpConfig& config, const SrtpSession* previous,
                                              std::string* why);

// SSRCs with keys of their own; the core's default SrtpConfig::max_streams. Each entry holds its
// SSRC's copy of the template and a reference to a session it may share: about 280 octets with one
// master key, so the table stays under 19 MB besides the sessions' streams.
inline constexpr size_t kSrtpMaxSsrcKeys = 65536;
// Templates whose trial session is kept: the usual answers (one key for every SSRC, the caps key of
// a few SSRCs) need one or two.
inline constexpr size_t kSrtpMaxTrialSessions = 4;

// A master key and salt, with its MKI (empty without one).
struct SrtpMasterKey {
  std::vector<uint8_t> key;
  std::vector<uint8_t> salt;
  std::vector<uint8_t> mki;
};

// Header privacy a set of keys asks for (RFC 6904 IDs, RFC 9335 mode); an absent field leaves the
// element's setting.
struct SrtpHeaderPrivacy {
  std::optional<std::vector<uint8_t>> encrypted_header_ids;
  std::optional<CryptexMode> cryptex;
  bool any() const { return encrypted_header_ids.has_value() || cryptex.has_value(); }
  void apply(SrtpConfig& config) const;
  bool operator==(const SrtpHeaderPrivacy&) const = default;
};

// Keys given for one SSRC. No master key means pass-through (all ciphers and auths null).
struct SrtpSsrcKeys {
  SrtpProfile rtp_profile = SrtpProfile::null_null;
  SrtpProfile rtcp_profile = SrtpProfile::null_null;
  std::vector<SrtpMasterKey> keys;  // several only with MKIs of one size
  std::optional<uint32_t> roc;      // RFC 3711 §3.3.1: for a receiver that joins late
  SrtpHeaderPrivacy header_privacy;
  bool passthrough() const { return keys.empty(); }
  // The same profiles, keys, MKIs and header privacy (the ROC aside).
  bool same_as(const SrtpSsrcKeys& other) const;
  SrtpSsrcKeys() = default;
  SrtpSsrcKeys(const SrtpSsrcKeys&) = default;
  SrtpSsrcKeys(SrtpSsrcKeys&&) noexcept = default;
  SrtpSsrcKeys& operator=(const SrtpSsrcKeys&) = default;
  SrtpSsrcKeys& operator=(SrtpSsrcKeys&&) noexcept = default;
  ~SrtpSsrcKeys();  // wipes the keys
};

class SrtpKeyring {
 public:
  enum class Result : uint8_t {
    unchanged,  // the same value under the same settings: nothing to do or announce
    keyed,      // the session now uses the value: announce it (caps, key event)
    refused,    // the core refused the value or the settings: no session
  };

  // Protect uses each value's local key, unprotect its remote key (the peer's write key).
  explicit SrtpKeyring(SrtpDirection direction);
  ~SrtpKeyring();
  SrtpKeyring(const SrtpKeyring&) = delete;
  SrtpKeyring& operator=(const SrtpKeyring&) = delete;

  // Keys the session with `value` under `settings` (direction, replay window, lifetimes, header
  // privacy; the profiles and the MKI length come from the value).
  Result install(const SrtpKeyingMaterial& value, const SrtpConfig& settings, std::string* why);
  // Keys a session the caller keeps for some streams (srtpenc's pads with header privacy of their
  // own) with the held value under `settings`: in place when its config is unchanged, else anew
  // continuing `carry` (which may be `slot` itself). False, `slot` empty and `why` when refused.
  bool key_session(std::unique_ptr<SrtpSession>& slot, const SrtpConfig& settings,
                   const SrtpSession* carry, std::string* why);

  // The session of the held value; null before the first value and after clear() or a refusal.
  SrtpSession* session() const { return session_.get(); }
  const SrtpKeyingMaterial* value() const { return value_ ? &*value_ : nullptr; }
  // Grows with every install() that keyed: what an element announced at an older epoch is stale.
  uint64_t epoch() const { return epoch_; }

  // ---- Keys per SSRC (unprotect) ----

  // Installs `keys` for `ssrc` under `settings`. The same keys again change nothing. An SSRC with a
  // session takes new keys of the same shape into it (keeping ROC and replay window), others into a
  // new session continuing its ROC; the keys' ROC applies to an SSRC not seen yet. False and `why`
  // when the core refuses them: the SSRC keeps what it had.
  bool install_ssrc_keys(uint32_t ssrc, SrtpSsrcKeys keys, const SrtpConfig& settings,
                         std::string* why);
  void remove_ssrc_keys(uint32_t ssrc);

  struct Route {
    enum class Kind : uint8_t {
      unprotect,    // with `session`
      passthrough,  // keys for the SSRC say null: the packet passes unchanged
      no_key,       // nothing keys the SSRC: drop it, or ask the application and route again
      refused,      // its keys are refused under the current settings (`why`): drop it
    };
    Kind kind = Kind::no_key;
    SrtpSession* session = nullptr;
    bool trial = false;  // `session` is a trial: call authenticated() when the packet passed
  };
  // The session a packet of `ssrc` uses: its SSRC's keys, else the value's, else `offered` (what
  // the application just answered for this packet; a pass-through answer is kept at once, keys
  // only once a packet authenticates with them).
  Route route(uint32_t ssrc, const SrtpSsrcKeys* offered, const SrtpConfig& settings,
              std::string* why);
  // A packet routed to a trial session authenticated: the SSRC keeps that session from now on, or
  // joins the session SSRCs with the same keys share (then `trial` is destroyed: use it no more).
  void authenticated(uint32_t ssrc, SrtpSession* trial, const SrtpSsrcKeys* offered);

  // The sessions in use: the value's, then each SSRC's. Trial sessions hold no stream, only the
  // drops of packets tried on them.
  std::vector<const SrtpSession*> sessions() const;
  std::vector<const SrtpSession*> trial_sessions() const;

  // Forgets the value, every SSRC's keys and their sessions; their counters are kept.
  void clear();
  // Keeps the counters of a session that goes away (the caller's own, or this keyring's).
  void retire(const SrtpSession& session) { accumulate_stats(retired_, session.stats()); }
  const SrtpStats& retired() const { return retired_; }

  // Manual keying: the generation a value made by hand carries. The same key as the one held keeps
  // its generation; any other key gets one more than any given before, so every manual rekey grows
  // the generation a receiver sees.
  uint32_t generation_for(const SrtpKeyingMaterial& manual) const;

 private:
  SrtpConfig config_for(const SrtpKeyingMaterial& value, const SrtpConfig& settings) const;
  bool key_into(std::unique_ptr<SrtpSession>& slot, const SrtpConfig& config,
                const SrtpKeyingMaterial& value, const SrtpSession* carry, std::string* why);

  SrtpConfig ssrc_config(const SrtpSsrcKeys& keys, const SrtpConfig& settings) const;

  struct SsrcState;
  SrtpDirection direction_;
  std::unique_ptr<SsrcState> ssrc_;
  std::optional<SrtpKeyingMaterial> value_;
  std::unique_ptr<SrtpSession> session_;
  SrtpStats retired_;
  uint64_t epoch_ = 0;
  uint32_t last_generation_ = 0;
};

}  // namespace secmedia
