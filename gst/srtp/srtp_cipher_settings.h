// SPDX-License-Identifier: LGPL-2.1-or-later
// gst-plugins-bad's cipher/auth vocabulary (its enum GType names, values and nicks, which
// gst-rtsp-server and rtspsrc look up by name) and its translation to secmedia profiles.
#pragma once

#include <gst/gst.h>

#include <optional>
#include <string>

#include "secmedia/srtp.h"

namespace secmedia::gst {

// Values 0-4 are gst-plugins-bad 1.22's GstSrtpCipherType; 5 is our addition (RFC 6188).
enum SrtpCipher : int {
  kCipherNull = 0,
  kCipherAes128Icm = 1,
  kCipherAes256Icm = 2,
  kCipherAes128Gcm = 3,
  kCipherAes256Gcm = 4,
  kCipherAes192Icm = 5,
};
enum SrtpAuth : int {
  kAuthNull = 0,
  kAuthHmacSha1_32 = 1,
  kAuthHmacSha1_80 = 2,
};

// "GstSrtpCipherType" and "GstSrtpAuthType"; an existing type of that name is reused when its
// values are ours (gst-plugins-bad's srtp plugin loaded first: then without aes-192-icm), else ours
// is "SecmediaSrtpCipherType" / "SecmediaSrtpAuthType".
GType srtp_cipher_get_type();
GType srtp_auth_get_type();

const char* cipher_nick(SrtpCipher cipher);
const char* auth_nick(SrtpAuth auth);
std::optional<SrtpCipher> cipher_from_nick(const char* nick);
std::optional<SrtpAuth> auth_from_nick(const char* nick);

// The profile for one half (RTP or RTCP). AES-GCM carries its own 16-octet tag, so `auth` is
// ignored with it. Encryption without authentication is refused (an AES-CM packet without a tag is
// malleable): nullopt and a reason.
std::optional<SrtpProfile> profile_for(SrtpCipher cipher, SrtpAuth auth, std::string* why);
// The reverse, for caps and properties.
void cipher_auth_for(SrtpProfile profile, SrtpCipher& cipher, SrtpAuth& auth);

// The key-lifetime property both elements share (RFC 3711 §9.2: at most 2^48 SRTP and 2^31 SRTCP
// packets per master key), and its effect on a session config: SRTCP gets min(lifetime, 2^31), and
// the soft-limit warning comes when a quarter of the lifetime (at most 2^16 packets) remains.
GParamSpec* key_lifetime_pspec();
void apply_key_lifetime(SrtpConfig& config, guint64 lifetime);

}  // namespace secmedia::gst
