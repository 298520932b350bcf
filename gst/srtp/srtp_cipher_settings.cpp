// SPDX-License-Identifier: LGPL-2.1-or-later
#include "srtp_cipher_settings.h"

#include <algorithm>
#include <cstring>

namespace secmedia::gst {

namespace {

const GEnumValue kCipherValues[] = {
    {kCipherNull, "GST_SRTP_CIPHER_NULL", "null"},
    {kCipherAes128Icm, "GST_SRTP_CIPHER_AES_128_ICM", "aes-128-icm"},
    {kCipherAes256Icm, "GST_SRTP_CIPHER_AES_256_ICM", "aes-256-icm"},
    {kCipherAes128Gcm, "GST_SRTP_CIPHER_AES_128_GCM", "aes-128-gcm"},
    {kCipherAes256Gcm, "GST_SRTP_CIPHER_AES_256_GCM", "aes-256-gcm"},
    {kCipherAes192Icm, "GST_SRTP_CIPHER_AES_192_ICM", "aes-192-icm"},
    {0, nullptr, nullptr},
};

const GEnumValue kAuthValues[] = {
    {kAuthNull, "GST_SRTP_AUTH_NULL", "null"},
    {kAuthHmacSha1_32, "GST_SRTP_AUTH_HMAC_SHA1_32", "hmac-sha1-32"},
    {kAuthHmacSha1_80, "GST_SRTP_AUTH_HMAC_SHA1_80", "hmac-sha1-80"},
    {0, nullptr, nullptr},
};

template <typename T>
std::optional<T> value_from_nick(const GEnumValue* values, const char* nick) {
  if (!nick) return std::nullopt;
  for (const GEnumValue* v = values; v->value_nick; ++v) {
    if (std::strcmp(v->value_nick, nick) == 0) return static_cast<T>(v->value);
  }
  return std::nullopt;
}

const char* nick_of(const GEnumValue* values, int value) {
  for (const GEnumValue* v = values; v->value_nick; ++v) {
    if (v->value == value) return v->value_nick;
  }
  return "null";
}

}  // namespace

namespace {

// True when every value of `existing` is one of `ours`, with the same name and nick, and `existing`
// has at least gst-plugins-bad 1.22's values (`required` of them, 0 to required - 1).
bool enum_matches(GType existing, const GEnumValue* ours, int required) {
  if (!G_TYPE_IS_ENUM(existing)) return false;
  auto* klass = static_cast<GEnumClass*>(g_type_class_ref(existing));
  bool matches = true;
  for (guint i = 0; i < klass->n_values && matches; ++i) {
    const GEnumValue& theirs = klass->values[i];
    const GEnumValue* same = ours;
    while (same->value_nick && same->value != theirs.value) ++same;
    matches = same->value_nick && std::strcmp(same->value_nick, theirs.value_nick) == 0 &&
              std::strcmp(same->value_name, theirs.value_name) == 0;
  }
  for (int value = 0; value < required && matches; ++value) {
    matches = g_enum_get_value(klass, value) != nullptr;
  }
  g_type_class_unref(klass);
  return matches;
}

// gst-rtsp-server (stream_make_keymgmt) and rtspsrc (request_rtcp_encoder) find srtpenc's enums
// with g_type_from_name("GstSrtpCipherType") / ("GstSrtpAuthType") and set the properties through
// GValues of those types, so ours carry gst-plugins-bad's names. Both plugin files (and
// gst-plugins-bad's srtp plugin, loaded first in the same process) may get here: a type of that
// name that matches is shared, one that does not (a different vocabulary) leaves ours under
// `fallback_name`.
GType register_enum(const char* name, const char* fallback_name, const GEnumValue* values,
                    int required) {
  if (GType existing = g_type_from_name(name)) {
    if (enum_matches(existing, values, required)) return existing;
    if (GType own = g_type_from_name(fallback_name)) return own;
    return g_enum_register_static(fallback_name, values);
  }
  return g_enum_register_static(name, values);
}

}  // namespace

GType srtp_cipher_get_type() {
  static GType type = 0;
  if (g_once_init_enter(&type)) {
    g_once_init_leave(&type, register_enum("GstSrtpCipherType", "SecmediaSrtpCipherType",
                                           kCipherValues, kCipherAes256Gcm + 1));
  }
  return type;
}

GType srtp_auth_get_type() {
  static GType type = 0;
  if (g_once_init_enter(&type)) {
    g_once_init_leave(&type, register_enum("GstSrtpAuthType", "SecmediaSrtpAuthType", kAuthValues,
                                           kAuthHmacSha1_80 + 1));
  }
  return type;
}

const char* cipher_nick(SrtpCipher cipher) {
  return nick_of(kCipherValues, cipher);
}
const char* auth_nick(SrtpAuth auth) {
  return nick_of(kAuthValues, auth);
}
std::optional<SrtpCipher> cipher_from_nick(const char* nick) {
  return value_from_nick<SrtpCipher>(kCipherValues, nick);
}
std::optional<SrtpAuth> auth_from_nick(const char* nick) {
  return value_from_nick<SrtpAuth>(kAuthValues, nick);
}

std::optional<SrtpProfile> profile_for(SrtpCipher cipher, SrtpAuth auth, std::string* why) {
  const bool short_tag = auth == kAuthHmacSha1_32;
  switch (cipher) {
    case kCipherAes128Gcm:
      return SrtpProfile::aead_aes_128_gcm;
    case kCipherAes256Gcm:
      return SrtpProfile::aead_aes_256_gcm;
    case kCipherNull:
      if (auth == kAuthNull) return SrtpProfile::null_null;
      return short_tag ? SrtpProfile::null_hmac_sha1_32 : SrtpProfile::null_hmac_sha1_80;
    case kCipherAes128Icm:
    case kCipherAes192Icm:
    case kCipherAes256Icm:
      break;
  }
  if (auth == kAuthNull) {
    if (why) {
      *why = std::string(cipher_nick(cipher)) +
             " without authentication is refused: unauthenticated counter-mode packets can be "
             "altered undetected (use hmac-sha1-80)";
    }
    return std::nullopt;
  }
  if (cipher == kCipherAes128Icm) {
    return short_tag ? SrtpProfile::aes_cm_128_hmac_sha1_32 : SrtpProfile::aes_cm_128_hmac_sha1_80;
  }
  if (cipher == kCipherAes192Icm) {
    return short_tag ? SrtpProfile::aes_192_cm_hmac_sha1_32 : SrtpProfile::aes_192_cm_hmac_sha1_80;
  }
  return short_tag ? SrtpProfile::aes_256_cm_hmac_sha1_32 : SrtpProfile::aes_256_cm_hmac_sha1_80;
}

void cipher_auth_for(SrtpProfile profile, SrtpCipher& cipher, SrtpAuth& auth) {
  switch (profile) {
    case SrtpProfile::aes_cm_128_hmac_sha1_80:
      cipher = kCipherAes128Icm;
      auth = kAuthHmacSha1_80;
      break;
    case SrtpProfile::aes_cm_128_hmac_sha1_32:
      cipher = kCipherAes128Icm;
      auth = kAuthHmacSha1_32;
      break;
    case SrtpProfile::aes_192_cm_hmac_sha1_80:
      cipher = kCipherAes192Icm;
      auth = kAuthHmacSha1_80;
      break;
    case SrtpProfile::aes_192_cm_hmac_sha1_32:
      cipher = kCipherAes192Icm;
      auth = kAuthHmacSha1_32;
      break;
    case SrtpProfile::aes_256_cm_hmac_sha1_80:
      cipher = kCipherAes256Icm;
      auth = kAuthHmacSha1_80;
      break;
    case SrtpProfile::aes_256_cm_hmac_sha1_32:
      cipher = kCipherAes256Icm;
      auth = kAuthHmacSha1_32;
      break;
    case SrtpProfile::aead_aes_128_gcm:
      cipher = kCipherAes128Gcm;
      auth = kAuthNull;
      break;
    case SrtpProfile::aead_aes_256_gcm:
      cipher = kCipherAes256Gcm;
      auth = kAuthNull;
      break;
    case SrtpProfile::null_hmac_sha1_80:
      cipher = kCipherNull;
      auth = kAuthHmacSha1_80;
      break;
    case SrtpProfile::null_hmac_sha1_32:
      cipher = kCipherNull;
      auth = kAuthHmacSha1_32;
      break;
    case SrtpProfile::null_null:
      cipher = kCipherNull;
      auth = kAuthNull;
      break;
  }
}

GParamSpec* key_lifetime_pspec() {
  constexpr guint64 kMax = guint64{1} << 48;
  return g_param_spec_uint64(
      "key-lifetime", "Key lifetime",
      "Packets a master key may protect or unprotect before it expires (RFC 3711 section 9.2); "
      "SRTCP is also capped at 2^31. soft-limit is signalled when a quarter (at most 65536) "
      "remains; at the limit the key stops working. For keys installed afterwards.",
      1, kMax, kMax, static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
}

void apply_key_lifetime(SrtpConfig& config, guint64 lifetime) {
  config.srtp_key_lifetime = lifetime;
  config.srtcp_key_lifetime = std::min<guint64>(lifetime, guint64{1} << 31);
  config.soft_limit_margin = std::min<guint64>(lifetime / 4, guint64{1} << 16);
}

}  // namespace secmedia::gst
