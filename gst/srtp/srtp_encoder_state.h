// SPDX-License-Identifier: LGPL-2.1-or-later
// srtpenc's state and how it keys its sessions: the settings its properties give, the keys from
// downstream (dtlsenc's key event or key query), which take precedence, the sessions keyed by
// whichever wins, and the pad pairs. All of it is guarded by `lock`, which srtpenc never holds
// while pushing, querying peers or emitting signals.
#pragma once

#include <gst/gst.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "rate_limited_log.h"
#include "secmedia/srtp_keyring.h"
#include "srtp_key_event.h"
#include "srtp_manual_keys.h"
#include "srtp_pad_pairs.h"
#include "srtp_session_settings.h"

namespace secmedia::gst {

struct SrtpEncoderState {
  std::mutex lock;

  // Properties: key, mki, ciphers, auths, random-key; then the session's.
  ManualKeys manual;
  bool allow_repeat_tx = false;
  // replay-window-size, key-lifetime, encrypted-header-ids, cryptex; while a value is refused
  // nothing is protected, so nothing is sent.
  SessionSettings settings;

  // Keys from downstream (dtlsenc), which take precedence over the properties.
  std::optional<KeyEventValue> event_keys;
  bool rekey_needed = true;
  std::string key_problem;  // why there is no session, for the error message

  // The session for RTCP and the RTP of pads without their own session, the counters of every
  // session replaced or released, and the generation of manual keys.
  SrtpKeyring keyring{SrtpDirection::protect};
  std::vector<std::unique_ptr<PadPair>> pads;
  uint64_t dropped_before_key = 0;
  gint64 last_key_query_us = 0;
  RateLimitedLog drop_log;

  // Keys from downstream: any value but the one held is new (a second handshake may repeat a
  // generation), and rekeys the sessions.
  void offer_event_keys(KeyEventValue value);

  // (Re)keys the sessions if something changed, logging what happened in `category` against
  // `element`. The key ring keeps every stream's ROC, replay state and SRTCP index across the
  // change.
  void rekey_if_needed(GstObject* element, GstDebugCategory* category);

  // The key event srtpenc sends downstream when keyed by hand, so srtpdec is keyed without caps
  // (null when keyed by DTLS or not keyed).
  GstEvent* manual_key_event() const;

  // The session that protects `pair`'s packets (null when not keyed).
  SrtpSession* session_for(const PadPair& pair) const;

  // The caps srtpenc sends for `input`: renamed, key fields removed, cipher names added and, on
  // RTP, the header privacy settings in use, so a srtpdec downstream is configured by them.
  //
  // A key the application gave (the `key` property, or `random-key`) goes out as `srtp-key`, as
  // gst-plugins-bad does: gst-rtsp-server (gst_mikey_message_new_from_caps on rtpbin's
  // send_rtp_src_N) and rtspclientsink build their MIKEY key exchange (RFC 3830) from these caps,
  // and the key is the application's to distribute anyway. A key negotiated by DTLS (the key
  // event) never does: it exists nowhere but in the key event.
  GstCaps* output_caps(GstCaps* input, const PadPair& pair) const;

 private:
  std::string describe_settings() const;
  std::optional<KeyEventValue> wanted_keys();
  SrtpConfig property_settings(const HeaderPrivacyFields& fields = {}) const;
  void unkey(std::string problem);
};

}  // namespace secmedia::gst
