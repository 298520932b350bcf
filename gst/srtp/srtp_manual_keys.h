// SPDX-License-Identifier: LGPL-2.1-or-later
// srtpenc's manual keying properties (key, mki, rtp-cipher, rtp-auth, rtcp-cipher, rtcp-auth,
// random-key) and the key value they make for its secmedia::SrtpKeyring. The element's lock guards
// it.
#pragma once

#include <gst/gst.h>

#include <optional>
#include <string>

#include "secmedia/keying_material.h"
#include "srtp_cipher_settings.h"

namespace secmedia::gst {

struct ManualKeys {
  GstBuffer* key = nullptr;  // master key and salt, as the application set it or random-key made it
  GstBuffer* mki = nullptr;
  SrtpCipher rtp_cipher = kCipherAes128Icm;
  SrtpAuth rtp_auth = kAuthHmacSha1_80;
  SrtpCipher rtcp_cipher = kCipherAes128Icm;
  SrtpAuth rtcp_auth = kAuthHmacSha1_80;
  bool random_key = false;
  bool key_is_random = false;  // `key` was generated here (random-key), not set by the application

  ManualKeys() = default;
  ManualKeys(const ManualKeys&) = delete;
  ManualKeys& operator=(const ManualKeys&) = delete;
  ~ManualKeys();

  // Sets or reads the property `pspec` names when it is one of the seven: true.
  bool set(const GParamSpec* pspec, const GValue* value);
  bool get(const GParamSpec* pspec, GValue* value) const;

  // The key value the properties make, both directions alike (generation 0: the key ring gives it
  // one), making the random key first if asked. nullopt and `problem`, naming the properties and
  // their values, when they make none: a cipher without authentication, ciphers of different key
  // sizes, no key, a key of the wrong length.
  std::optional<SrtpKeyingMaterial> value(std::string& problem);
  // The settings, named as properties with their values, for messages about them.
  std::string describe() const;
};

// Installs key, rtp-cipher, rtp-auth, rtcp-cipher, rtcp-auth and random-key as properties `first`
// to `first + 5`, and mki as `mki_id`.
void install_manual_key_properties(GObjectClass* klass, guint first, guint mki_id);

}  // namespace secmedia::gst
