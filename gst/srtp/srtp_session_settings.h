// SPDX-License-Identifier: LGPL-2.1-or-later
// The session settings srtpenc and srtpdec both take from properties (replay-window-size,
// key-lifetime, encrypted-header-ids, cryptex): the snapshot their secmedia::SrtpKeyring keys
// sessions under. The element's lock guards it.
#pragma once

#include <gst/gst.h>

#include <string>
#include <vector>

#include "secmedia/srtp.h"
#include "srtp_header_privacy.h"

namespace secmedia::gst {

inline constexpr guint kDefaultReplayWindow = 1024;

struct SessionSettings {
  guint replay_window_size = kDefaultReplayWindow;
  guint64 key_lifetime = guint64{1} << 48;    // RFC 3711 §9.2
  std::vector<uint8_t> encrypted_header_ids;  // RFC 6904
  CryptexMode cryptex = CryptexMode::off;     // RFC 9335
  // A refused value of a security property ("encrypted-header-ids: ... not '1,300'"): nothing is
  // keyed and the element does not start while one is pending; a valid value clears it. Never a
  // fallback to weaker settings.
  std::string refused;

  // Sets the property `pspec` names when it is one of the four: true. A value that is refused sets
  // `refused` and `rejected` (the message for the application).
  bool set(const GParamSpec* pspec, const GValue* value, std::string& rejected);
  bool get(const GParamSpec* pspec, GValue* value) const;
  // The config of a session (profiles and MKI length aside, which the key value gives): the caps
  // fields where present, else these.
  SrtpConfig config(const HeaderPrivacyFields& caps_fields = {}) const;
};

// replay-window-size; each element says in `blurb` which keys it applies to.
GParamSpec* replay_window_size_pspec(const char* blurb);
// key-lifetime, encrypted-header-ids and cryptex, installed as properties `first` to `first + 2`.
void install_lifetime_and_header_privacy_properties(GObjectClass* klass, guint first);

// A value refused when set is told at once with a g_warning, not a bus message: at construction
// there is no bus yet. `consequence` says what the element does until a valid value comes. Call it
// outside the element's lock: a log handler may read properties.
void warn_refused_value(GObject* object, const std::string& refused, const char* consequence);
// Fail closed at the start: false, with an element error logged in `category`, when `problem` (a
// refused value, a configuration that can never work) is set. Call it with no lock held: a bus
// sync handler may read properties.
bool may_start(GstElement* element, GstDebugCategory* category, const std::string& problem);

}  // namespace secmedia::gst
