// SPDX-License-Identifier: LGPL-2.1-or-later
// RFC 5764 §4.2 keying material layout (shared/vectors V10): client key | server key | client salt
// | server salt, 60, 56 or 88 octets by profile; each side's local key is its own write key.
#include <gtest/gtest.h>

#include <numeric>

#include "secmedia/keying_material.h"

namespace secmedia {
namespace {

TEST(Rfc5764Section4_2, ExporterLengths) {
  EXPECT_EQ(SrtpKeyingMaterial::exporter_length(SrtpProfile::aes_cm_128_hmac_sha1_80), 60u);
  EXPECT_EQ(SrtpKeyingMaterial::exporter_length(SrtpProfile::aes_cm_128_hmac_sha1_32), 60u);
  EXPECT_EQ(SrtpKeyingMaterial::exporter_length(SrtpProfile::aead_aes_128_gcm), 56u);
  EXPECT_EQ(SrtpKeyingMaterial::exporter_length(SrtpProfile::aead_aes_256_gcm), 88u);
}

TEST(Rfc5764Section4_2, SplitsByRole) {
  std::vector<uint8_t> exported(56);
  std::iota(exported.begin(), exported.end(), 0);
  const auto client = SrtpKeyingMaterial::from_exporter(SrtpProfile::aead_aes_128_gcm, exported,
                                                        DtlsRole::client, 1);
  const auto server = SrtpKeyingMaterial::from_exporter(SrtpProfile::aead_aes_128_gcm, exported,
                                                        DtlsRole::server, 1);
  ASSERT_TRUE(client && server);
  EXPECT_EQ(client->local_key.front(), 0);    // client write key: octets 0..15
  EXPECT_EQ(client->remote_key.front(), 16);  // server write key: octets 16..31
  EXPECT_EQ(client->local_salt.front(), 32);  // client salt: octets 32..43
  EXPECT_EQ(client->remote_salt.front(), 44);
  EXPECT_EQ(client->remote_salt.back(), 55);
  EXPECT_EQ(server->local_key, client->remote_key);
  EXPECT_EQ(server->local_salt, client->remote_salt);
  EXPECT_EQ(server->remote_key, client->local_key);
  EXPECT_TRUE(client->valid());
  EXPECT_FALSE(SrtpKeyingMaterial::from_exporter(
      SrtpProfile::aead_aes_128_gcm, std::span(exported).first(55), DtlsRole::client, 1));
}

TEST(SrtpKeyingMaterial, SymmetricChecksLengths) {
  const std::vector<uint8_t> key(16, 1), salt(14, 2);
  EXPECT_TRUE(SrtpKeyingMaterial::symmetric(SrtpProfile::aes_cm_128_hmac_sha1_80, key, salt, 0));
  EXPECT_FALSE(SrtpKeyingMaterial::symmetric(SrtpProfile::aead_aes_128_gcm, key, salt, 0));
}

}  // namespace
}  // namespace secmedia
