// SPDX-License-Identifier: LGPL-2.1-or-later
// Profile table (RFC 3711 §8.2, RFC 5764 §4.1.2, RFC 6188 §3, RFC 7714 §14) and status names.
#include <strings.h>

#include "secmedia/srtp.h"

namespace secmedia {
namespace {

// Indexed by SrtpProfile. NULL-cipher profiles keep a 16+14 octet master key: the authentication
// key is still derived with the AES-128 PRF (RFC 3711 §4.3.3), as libsrtp does.
constexpr SrtpProfileInfo kProfiles[kSrtpProfileCount] = {
    {"AES_CM_128_HMAC_SHA1_80", 16, 14, 10, true, false},
    {"AES_CM_128_HMAC_SHA1_32", 16, 14, 4, true, false},
    {"AES_192_CM_HMAC_SHA1_80", 24, 14, 10, true, false},
    {"AES_192_CM_HMAC_SHA1_32", 24, 14, 4, true, false},
    {"AES_256_CM_HMAC_SHA1_80", 32, 14, 10, true, false},
    {"AES_256_CM_HMAC_SHA1_32", 32, 14, 4, true, false},
    {"AEAD_AES_128_GCM", 16, 12, 16, true, true},
    {"AEAD_AES_256_GCM", 32, 12, 16, true, true},
    {"NULL_HMAC_SHA1_80", 16, 14, 10, false, false},
    {"NULL_HMAC_SHA1_32", 16, 14, 4, false, false},
    {"NULL_NULL", 16, 14, 0, false, false},
};

constexpr const char* kStatusNames[kSrtpStatusCount] = {
    "ok",
    "auth-failure",
    "replay-old",
    "replay-duplicate",
    "malformed",
    "key-expired",
    "no-key",
    "unknown-mki",
    "buffer-too-small",
    "wrong-direction",
    "header-extension-malformed",
    "cryptex-required",
    "bad-key-length",
    "bad-mki",
    "duplicate-mki",
    "too-many-keys",
};

constexpr const char* kCryptexModeNames[kCryptexModeCount] = {"off", "accept", "required"};

}  // namespace

const SrtpProfileInfo& profile_info(SrtpProfile profile) {
  return kProfiles[static_cast<size_t>(profile)];
}

std::optional<SrtpProfile> profile_from_name(std::string_view name) {
  for (size_t i = 0; i < kSrtpProfileCount; ++i) {
    const std::string_view candidate = kProfiles[i].name;
    if (candidate.size() == name.size() &&
        strncasecmp(candidate.data(), name.data(), name.size()) == 0) {
      return static_cast<SrtpProfile>(i);
    }
  }
  return std::nullopt;
}

const char* to_string(SrtpStatus status) {
  const auto index = static_cast<size_t>(status);
  return index < kSrtpStatusCount ? kStatusNames[index] : "unknown-status";
}

const char* to_string(CryptexMode mode) {
  const auto index = static_cast<size_t>(mode);
  return index < kCryptexModeCount ? kCryptexModeNames[index] : "unknown-cryptex-mode";
}

std::optional<CryptexMode> cryptex_mode_from_name(std::string_view name) {
  for (size_t i = 0; i < kCryptexModeCount; ++i) {
    const std::string_view candidate = kCryptexModeNames[i];
    if (candidate.size() == name.size() &&
        strncasecmp(candidate.data(), name.data(), name.size()) == 0) {
      return static_cast<CryptexMode>(i);
    }
  }
  return std::nullopt;
}

size_t srtp_max_overhead(SrtpProfile profile, size_t mki_length) {
  return profile_info(profile).tag_length + mki_length;
}

// RFC 3711 §3.4: SRTCP adds the E-flag|index word as well as MKI and tag.
size_t srtcp_max_overhead(SrtpProfile profile, size_t mki_length) {
  return 4 + profile_info(profile).tag_length + mki_length;
}

}  // namespace secmedia
