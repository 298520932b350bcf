// SPDX-License-Identifier: LGPL-2.1-or-later
#include "secmedia/keying_material.h"

#include <openssl/crypto.h>

namespace secmedia {

namespace {
void wipe(std::vector<uint8_t>& bytes) {
  if (!bytes.empty()) OPENSSL_cleanse(bytes.data(), bytes.size());
}
}  // namespace

SrtpProfile dtls_srtcp_profile(SrtpProfile profile) {
  if (profile == SrtpProfile::aes_cm_128_hmac_sha1_32) return SrtpProfile::aes_cm_128_hmac_sha1_80;
  if (profile == SrtpProfile::aes_256_cm_hmac_sha1_32) return SrtpProfile::aes_256_cm_hmac_sha1_80;
  return profile;
}

SrtpKeyingMaterial::~SrtpKeyingMaterial() {
  wipe(local_key);
  wipe(local_salt);
  wipe(remote_key);
  wipe(remote_salt);
}

size_t SrtpKeyingMaterial::exporter_length(SrtpProfile profile) {
  const SrtpProfileInfo& info = profile_info(profile);
  return 2 * (info.master_key_length + info.master_salt_length);
}

std::optional<SrtpKeyingMaterial> SrtpKeyingMaterial::from_exporter(
    SrtpProfile profile, std::span<const uint8_t> exported, DtlsRole role, uint32_t generation) {
  const SrtpProfileInfo& info = profile_info(profile);
  if (exported.size() != exporter_length(profile)) return std::nullopt;
  const size_t k = info.master_key_length;
  const size_t s = info.master_salt_length;
  const auto client_key = exported.subspan(0, k);
  const auto server_key = exported.subspan(k, k);
  const auto client_salt = exported.subspan(2 * k, s);
  const auto server_salt = exported.subspan(2 * k + s, s);
  const bool client = role == DtlsRole::client;
  SrtpKeyingMaterial material;
  material.profile = profile;
  material.rtcp_profile = dtls_srtcp_profile(profile);  // RFC 5764 §4.1.2
  material.role = role;
  material.generation = generation;
  material.local_key.assign((client ? client_key : server_key).begin(),
                            (client ? client_key : server_key).end());
  material.local_salt.assign((client ? client_salt : server_salt).begin(),
                             (client ? client_salt : server_salt).end());
  material.remote_key.assign((client ? server_key : client_key).begin(),
                             (client ? server_key : client_key).end());
  material.remote_salt.assign((client ? server_salt : client_salt).begin(),
                              (client ? server_salt : client_salt).end());
  return material;
}

std::optional<SrtpKeyingMaterial> SrtpKeyingMaterial::symmetric(SrtpProfile profile,
                                                                std::span<const uint8_t> key,
                                                                std::span<const uint8_t> salt,
                                                                uint32_t generation) {
  return symmetric(profile, profile, key, salt, {}, generation);
}

std::optional<SrtpKeyingMaterial> SrtpKeyingMaterial::symmetric(
    SrtpProfile profile, SrtpProfile rtcp_profile, std::span<const uint8_t> key,
    std::span<const uint8_t> salt, std::span<const uint8_t> mki, uint32_t generation) {
  SrtpKeyingMaterial material;
  material.profile = profile;
  material.rtcp_profile = rtcp_profile;
  material.generation = generation;
  material.mki.assign(mki.begin(), mki.end());
  material.local_key.assign(key.begin(), key.end());
  material.local_salt.assign(salt.begin(), salt.end());
  material.remote_key = material.local_key;
  material.remote_salt = material.local_salt;
  if (!material.valid()) return std::nullopt;
  return material;
}

bool SrtpKeyingMaterial::valid() const {
  if (static_cast<size_t>(profile) >= kSrtpProfileCount ||
      static_cast<size_t>(rtcp_profile) >= kSrtpProfileCount || mki.size() > kSrtpMaxMkiLength) {
    return false;
  }
  const SrtpProfileInfo& info = profile_info(profile);
  const SrtpProfileInfo& rtcp_info = profile_info(rtcp_profile);
  return info.master_key_length == rtcp_info.master_key_length &&
         info.master_salt_length == rtcp_info.master_salt_length &&
         local_key.size() == info.master_key_length &&
         remote_key.size() == info.master_key_length &&
         local_salt.size() == info.master_salt_length &&
         remote_salt.size() == info.master_salt_length;
}

bool SrtpKeyingMaterial::same_key_as(const SrtpKeyingMaterial& other) const {
  // Not secret-dependent timing that matters here: both values are this process's own keys.
  return profile == other.profile && rtcp_profile == other.rtcp_profile && role == other.role &&
         mki == other.mki && local_key == other.local_key && local_salt == other.local_salt &&
         remote_key == other.remote_key && remote_salt == other.remote_salt;
}

}  // namespace secmedia
