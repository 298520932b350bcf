// The keying policy of an SRTP element, without GStreamer: which session the packets keyed by one
// key value (SrtpKeyingMaterial) use, what survives a rekey, and when the element must announce new
// keys. srtpenc and srtpdec drive one each; srtpdec's per-SSRC keys use continue_session().
//
// The rules:
// - A key value is taken when it differs from the one held in anything: generation, profiles, MKI or
//   key bytes. A second handshake that repeats a generation with new keys is therefore not lost,
//   and a sticky key event seen again (relinking, a restarted peer element) changes nothing.
// - A new key with unchanged session settings goes into the same session: every stream keeps its
//   rollover counter, replay window and SRTCP index (RFC 3711 §3.3.1: the ROC never restarts
//   under a new master key). Other settings (profiles, MKI length, window, header privacy) make a
//   new session that continues each stream's ROC, and on protect its next SRTCP index, so no
//   index, and so no keystream, is used twice.
// - The counters of a session that goes away are kept (retired()), so stats never go backwards.
// - A value or settings the core refuses leave no session: nothing is sent or accepted under other
//   settings than asked for (fail closed).
// Not thread-safe: the element serializes access, as for SrtpSession.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "secmedia/keying_material.h"
#include "secmedia/srtp.h"

namespace secmedia {

// Adds the counters of `from` to `into` (stream counts are not added: they are not totals).
void accumulate_stats(SrtpStats& into, const SrtpStats& from);

// Whether sessions of the two configs behave alike, so that new keys may go into the old session.
bool same_session_config(const SrtpConfig& a, const SrtpConfig& b);

// A session for `config` that continues the streams of `previous` (may be null): their rollover
// counters, and on protect their next SRTCP index. nullptr and `why` when the core refuses `config`.
std::unique_ptr<SrtpSession> continue_session(const SrtpConfig& config, const SrtpSession* previous,
                                              std::string* why);

class SrtpKeyring {
 public:
  enum class Result : uint8_t {
    unchanged,  // the same value under the same settings: nothing to do or announce
    keyed,      // the session now uses the value: announce it (caps, key event)
    refused,    // the core refused the value or the settings: no session
  };

  // Protect uses each value's local key, unprotect its remote key (the peer's write key).
  explicit SrtpKeyring(SrtpDirection direction) : direction_(direction) {}

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

  // Forgets the value and its session; their counters are kept.
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

  SrtpDirection direction_;
  std::optional<SrtpKeyingMaterial> value_;
  std::unique_ptr<SrtpSession> session_;
  SrtpStats retired_;
  uint64_t epoch_ = 0;
  uint32_t last_generation_ = 0;
};

}  // namespace secmedia
