// SPDX-License-Identifier: LGPL-2.1-or-later
#include "srtp_session_settings.h"

#include <cstring>

#include "srtp_cipher_settings.h"

namespace secmedia::gst {

bool SessionSettings::set(const GParamSpec* pspec, const GValue* value, std::string& rejected) {
  const char* name = g_param_spec_get_name(const_cast<GParamSpec*>(pspec));
  if (std::strcmp(name, "replay-window-size") == 0) {
    replay_window_size = g_value_get_uint(value);
  } else if (std::strcmp(name, "key-lifetime") == 0) {
    key_lifetime = g_value_get_uint64(value);
  } else if (std::strcmp(name, "encrypted-header-ids") == 0) {
    // Fail closed: a refused value is remembered, and until a valid one replaces it nothing is
    // keyed, rather than sending or accepting the extensions in clear (RFC 6904 §4 leaves the
    // choice of what to encrypt to the application, so a fallback would undo its choice).
    std::string why;
    if (auto ids = parse_extension_ids(g_value_get_string(value), &why)) {
      encrypted_header_ids = std::move(*ids);
      refused.clear();
    } else {
      refused = rejected = "encrypted-header-ids: " + why;
    }
  } else if (std::strcmp(name, "cryptex") == 0) {
    cryptex = static_cast<CryptexMode>(g_value_get_enum(value));
  } else {
    return false;
  }
  return true;
}

bool SessionSettings::get(const GParamSpec* pspec, GValue* value) const {
  const char* name = g_param_spec_get_name(const_cast<GParamSpec*>(pspec));
  if (std::strcmp(name, "replay-window-size") == 0) {
    g_value_set_uint(value, replay_window_size);
  } else if (std::strcmp(name, "key-lifetime") == 0) {
    g_value_set_uint64(value, key_lifetime);
  } else if (std::strcmp(name, "encrypted-header-ids") == 0) {
    g_value_set_string(value, format_extension_ids(encrypted_header_ids).c_str());
  } else if (std::strcmp(name, "cryptex") == 0) {
    g_value_set_enum(value, static_cast<gint>(cryptex));
  } else {
    return false;
  }
  return true;
}

SrtpConfig SessionSettings::config(const HeaderPrivacyFields& caps_fields) const {
  SrtpConfig config;
  config.replay_window_size = replay_window_size;
  apply_key_lifetime(config, key_lifetime);
  apply_header_privacy(config, encrypted_header_ids, cryptex, caps_fields);
  return config;
}

GParamSpec* replay_window_size_pspec(const char* blurb) {
  return g_param_spec_uint("replay-window-size", "Replay window size", blurb, 64, 32768,
                           kDefaultReplayWindow,
                           static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
}

void install_lifetime_and_header_privacy_properties(GObjectClass* klass, guint first) {
  g_object_class_install_property(klass, first, key_lifetime_pspec());
  g_object_class_install_property(klass, first + 1, encrypted_header_ids_pspec());
  g_object_class_install_property(klass, first + 2, cryptex_pspec());
}

void warn_refused_value(GObject* object, const std::string& refused, const char* consequence) {
  if (refused.empty()) return;
  g_warning("%s: %s; %s until the property has a valid value", GST_OBJECT_NAME(object),
            refused.c_str(), consequence);
}

// The element's category for the log line GST_ELEMENT_ERROR writes.
#define GST_CAT_DEFAULT category
bool may_start(GstElement* element, GstDebugCategory* category, const std::string& problem) {
  if (problem.empty()) return true;
  GST_ELEMENT_ERROR(element, LIBRARY, SETTINGS, ("Invalid SRTP configuration"),
                    ("%s", problem.c_str()));
  return false;
}
#undef GST_CAT_DEFAULT

}  // namespace secmedia::gst
