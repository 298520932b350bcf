// SPDX-License-Identifier: LGPL-2.1-or-later
// srtpdec's state and how it picks the keys of a packet: keys per SSRC from caps or signals, which
// take precedence, keys from the key event (dtlsdec, srtpenc) for any other SSRC, and the counters
// of what was dropped before a session was chosen. All of it is guarded by `lock`, which srtpdec
// never holds while pushing or emitting a signal.
#pragma once

#include <gst/gst.h>

#include <mutex>

#include "rate_limited_log.h"
#include "secmedia/srtp_keyring.h"
#include "srtp_buffer.h"
#include "srtp_caps.h"
#include "srtp_header_privacy.h"
#include "srtp_session_settings.h"

namespace secmedia::gst {

struct SrtpDecoderState {
  // Messages name `element` and go to `category`: srtpdec's.
  SrtpDecoderState(GstElement* element, GstDebugCategory* category)
      : element_(element), category_(category) {}

  std::mutex lock;
  // replay-window-size, key-lifetime, encrypted-header-ids, cryptex, for keys installed afterwards.
  SessionSettings settings;

  // The properties as a session config, for keys per SSRC (kept: trials need it per packet).
  SrtpConfig ssrc_settings = settings.config();
  // Keys per SSRC from caps or signals, which take precedence, and keys from the key event
  // (dtlsdec, srtpenc) for any other SSRC. The key ring also keeps the counters of every session
  // replaced, so stats do not go backwards on a rekey.
  SrtpKeyring keyring{SrtpDirection::unprotect};
  // Header privacy from rtp_sink caps that carry no key (e.g. what srtpenc announces): it applies
  // to the keys from the key event; absent fields take the properties.
  HeaderPrivacyFields event_privacy;

  // Drops that happen before a session is chosen (no key, too short to name an SSRC).
  uint64_t dropped_no_key = 0;
  uint64_t dropped_malformed = 0;
  uint64_t passed_through = 0;
  bool rtcp_src_started_by_mux = false;
  RateLimitedLog drop_log;
  RateLimitedLog refused_keys_log;

  // Installs keys for one SSRC: see SrtpKeyring::install_ssrc_keys. parse_caps_keys() has checked
  // lengths and MKIs; keys the core still refuses leave the SSRC as it was.
  bool install_ssrc_keys(uint32_t ssrc, CapsKeys keys);

  // Keys every SSRC without keys of its own with `value` from the key event. The same value under
  // the same settings changes nothing; any other value is taken.
  void install_event_keys(const SrtpKeyingMaterial& value);

  struct Outcome {
    GstBuffer* out = nullptr;
    SrtpStatus status = SrtpStatus::ok;
    bool needs_key = false;  // no keys for this SSRC: ask the application
    KeyLimits limits;
  };
  // One unprotect attempt. Consumes `buffer` unless needs_key is set. `offered`: what request-key
  // answered for this packet's SSRC, tried like a template and kept only if the packet
  // authenticates with it.
  Outcome try_unprotect(GstBuffer* buffer, const ClassifiedPacket& c, const CapsKeys* offered,
                        bool may_ask);

 private:
  Outcome drop_without_key(GstBuffer* buffer);

  GstElement* element_;
  GstDebugCategory* category_;
};

}  // namespace secmedia::gst
