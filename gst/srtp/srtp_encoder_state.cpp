// SPDX-License-Identifier: LGPL-2.1-or-later
#include "srtp_encoder_state.h"

#include <utility>

#include "secmedia/keying_material.h"
#include "srtp_caps.h"
#include "srtp_header_privacy.h"

namespace secmedia::gst {

void SrtpEncoderState::offer_event_keys(KeyEventValue value) {
  if (event_keys && event_keys->material == value.material) return;
  event_keys = std::move(value);
  rekey_needed = true;
}

// The manual settings, named as properties with their values, for messages about them.
std::string SrtpEncoderState::describe_settings() const {
  std::string text = manual.describe();
  if (!settings.encrypted_header_ids.empty()) {
    text += ", encrypted-header-ids " + format_extension_ids(settings.encrypted_header_ids);
  }
  if (settings.cryptex != CryptexMode::off) {
    text += std::string(", cryptex ") + to_string(settings.cryptex);
  }
  return text;
}

// The key value the session should have, from the key event or the properties. nullopt with
// key_problem set when there is none.
std::optional<KeyEventValue> SrtpEncoderState::wanted_keys() {
  if (event_keys) return event_keys;
  auto material = manual.value(key_problem);
  if (!material) return std::nullopt;
  // Every manual rekey (key, random key, ciphers, auths, mki) grows the generation srtpdec sees.
  material->generation = keyring.generation_for(*material);
  return KeyEventValue{std::move(*material), KeyOrigin::manual};
}

// The session settings of the properties (for a pad, with its caps' header privacy); the key value
// adds profiles and MKI length.
SrtpConfig SrtpEncoderState::property_settings(const HeaderPrivacyFields& fields) const {
  SrtpConfig config = settings.config(fields);
  config.allow_repeat_tx = allow_repeat_tx;
  return config;
}

// Fails closed: no session, and `problem` is why.
void SrtpEncoderState::unkey(std::string problem) {
  key_problem = std::move(problem);
  keyring.clear();
}

void SrtpEncoderState::rekey_if_needed(GstObject* element, GstDebugCategory* category) {
  if (!rekey_needed) return;
  rekey_needed = false;
  key_problem.clear();
  // Fail closed: nothing is protected under other settings than the application asked for.
  std::optional<KeyEventValue> wanted;
  if (settings.refused.empty()) wanted = wanted_keys();
  if (!wanted) {
    unkey(settings.refused.empty() ? key_problem : settings.refused);
    GST_CAT_INFO_OBJECT(category, element, "not keyed: %s", key_problem.c_str());
    return;
  }
  std::string why;
  const auto result = keyring.install(wanted->material, property_settings(), &why);
  if (result == SrtpKeyring::Result::refused) {
    unkey(wanted->origin == KeyOrigin::manual ? why + " (" + describe_settings() + ")" : why);
    return;
  }
  for (auto& pair : pads) {
    if (!pair->own_session) continue;
    const SrtpConfig pad_settings = property_settings(pair->caps_privacy);
    // A pad's first own session continues what the shared session knew of its streams.
    const SrtpSession* carry = pair->session ? pair->session.get() : keyring.session();
    if (!keyring.key_session(pair->session, pad_settings, carry, &why)) {
      // Nothing is sent until the caps or properties change: better than other settings than
      // the pad asked for.
      unkey("rtp_sink_" + std::to_string(pair->index) + "'s caps: " + why);
      return;
    }
  }
  if (result == SrtpKeyring::Result::unchanged) return;
  const SrtpKeyingMaterial& material = wanted->material;
  GST_CAT_INFO_OBJECT(category, element, "keyed: %s, SRTCP %s (%s, generation %u)",
                      std::string(profile_info(material.profile).name).c_str(),
                      std::string(profile_info(material.rtcp_profile).name).c_str(),
                      wanted->origin == KeyOrigin::dtls ? "from DTLS" : "manual",
                      material.generation);
}

GstEvent* SrtpEncoderState::manual_key_event() const {
  const SrtpKeyingMaterial* value = keyring.value();
  if (event_keys || !value) return nullptr;
  return make_srtp_keys_event(KeyEventValue{*value, KeyOrigin::manual}, true);
}

SrtpSession* SrtpEncoderState::session_for(const PadPair& pair) const {
  if (!keyring.session()) return nullptr;
  return pair.session ? pair.session.get() : keyring.session();
}

GstCaps* SrtpEncoderState::output_caps(GstCaps* input, const PadPair& pair) const {
  GstCaps* out = rename_caps(input, pair.kind, true);
  if (SrtpSession* session = session_for(pair)) {
    add_cipher_fields(out, session->config().rtp_profile, session->config().rtcp_profile,
                      event_keys ? nullptr : manual.mki);
    if (!event_keys && manual.key) {
      gst_caps_set_simple(out, "srtp-key", GST_TYPE_BUFFER, manual.key, nullptr);
    }
    if (pair.kind == PacketKind::rtp) {
      for (guint i = 0; i < gst_caps_get_size(out); ++i) {
        set_header_privacy_fields(gst_caps_get_structure(out, i), session->config());
      }
    }
  }
  return out;
}

}  // namespace secmedia::gst
