// SPDX-License-Identifier: LGPL-2.1-or-later
#include "srtp_decoder_state.h"

#include <string>
#include <utility>

// Inside the members only: srtpdec's category.
#define GST_CAT_DEFAULT category_

namespace secmedia::gst {

using Route = SrtpKeyring::Route;

bool SrtpDecoderState::install_ssrc_keys(uint32_t ssrc, CapsKeys keys) {
  const std::string profile =
      keys.passthrough() ? "pass-through" : std::string(profile_info(keys.rtp_profile).name);
  std::string why;
  if (!keyring.install_ssrc_keys(ssrc, std::move(keys), ssrc_settings, &why)) {
    GST_WARNING_OBJECT(element_, "keys for SSRC %08x refused: %s", ssrc, why.c_str());
    return false;
  }
  GST_INFO_OBJECT(element_, "keys for SSRC %08x installed (%s)", ssrc, profile.c_str());
  return true;
}

void SrtpDecoderState::install_event_keys(const SrtpKeyingMaterial& value) {
  std::string why;
  switch (keyring.install(value, settings.config(event_privacy), &why)) {
    case SrtpKeyring::Result::unchanged:
      break;
    case SrtpKeyring::Result::keyed:
      GST_INFO_OBJECT(element_, "keyed by upstream: %s, SRTCP %s (generation %u)",
                      std::string(profile_info(value.profile).name).c_str(),
                      std::string(profile_info(value.rtcp_profile).name).c_str(), value.generation);
      break;
    case SrtpKeyring::Result::refused:
      // Fail closed: packets without keys of their SSRC are dropped (no-key) until new keys come.
      GST_ELEMENT_WARNING(element_, STREAM, DECRYPT, ("Keys from upstream refused"),
                          ("%s", why.c_str()));
      break;
  }
}

SrtpDecoderState::Outcome SrtpDecoderState::drop_without_key(GstBuffer* buffer) {
  Outcome outcome;
  ++dropped_no_key;
  outcome.status = SrtpStatus::no_key;
  gst_buffer_unref(buffer);
  return outcome;
}

SrtpDecoderState::Outcome SrtpDecoderState::try_unprotect(GstBuffer* buffer,
                                                          const ClassifiedPacket& c,
                                                          const CapsKeys* offered, bool may_ask) {
  Outcome outcome;
  std::string why;
  const auto route = keyring.route(c.ssrc, offered, ssrc_settings, &why);
  switch (route.kind) {
    case Route::Kind::passthrough:
      ++passed_through;
      outcome.out = buffer;
      return outcome;
    case Route::Kind::refused:
      if (refused_keys_log.should_log(g_get_monotonic_time())) {
        GST_WARNING_OBJECT(element_, "keys for SSRC %08x refused: %s", c.ssrc, why.c_str());
      }
      return drop_without_key(buffer);
    case Route::Kind::no_key:
      // Every packet of an SSRC without keys asks again, as in gst-plugins-bad: gst-rtsp-server and
      // rtspsrc answer nothing until the key management (MIKEY in SETUP or the SDP) has run, and
      // nothing is kept for an SSRC that got no keys.
      if (may_ask) {
        outcome.needs_key = true;
        return outcome;
      }
      return drop_without_key(buffer);
    case Route::Kind::unprotect:
      break;
  }
  SrtpSession& session = *route.session;
  outcome.out = unprotect_buffer(session, buffer, c.kind, outcome.status);
  outcome.limits = poll_key_limits(session);
  if (route.trial && outcome.out) {
    // Last use of `session`: a trial whose SSRC joins a shared session goes away here.
    keyring.authenticated(c.ssrc, &session, offered);
    GST_INFO_OBJECT(element_, "SSRC %08x authenticated", c.ssrc);
  }
  if (!outcome.out && drop_log.should_log(g_get_monotonic_time())) {
    GST_DEBUG_OBJECT(element_, "dropped a packet of SSRC %08x: %s", c.ssrc,
                     to_string(outcome.status));
  }
  return outcome;
}

}  // namespace secmedia::gst
