// SPDX-License-Identifier: LGPL-2.1-or-later
// The one value a DTLS-SRTP handshake ends in (RFC 5764 §4.2): the negotiated profile and each
// direction's master key and salt, seen from one endpoint. It travels from the DTLS elements to the
// SRTP elements, and can be made by hand for manual keying (then with an RTCP profile of its own and
// an MKI, as srtpenc's properties allow).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "secmedia/srtp.h"

namespace secmedia {

enum class DtlsRole : uint8_t { client, server };

// RFC 5764 §4.1.2: SRTP_AES128_CM_HMAC_SHA1_32 (and RFC 6188's AES-256 _32 profile, alike) keeps
// an 80-bit authentication tag for SRTCP. Every other profile protects SRTCP as it protects SRTP.
SrtpProfile dtls_srtcp_profile(SrtpProfile profile);

struct SrtpKeyingMaterial {
  SrtpProfile profile = SrtpProfile::aes_cm_128_hmac_sha1_80;       // of SRTP
  SrtpProfile rtcp_profile = SrtpProfile::aes_cm_128_hmac_sha1_80;  // of SRTCP; same key sizes
  DtlsRole role = DtlsRole::client;  // of the endpoint this value belongs to
  uint32_t generation = 0;           // increases with every new handshake or key update
  std::vector<uint8_t> mki;          // carried in every packet (RFC 3711 §3.1); empty: none
  std::vector<uint8_t> local_key;    // what this endpoint protects with
  std::vector<uint8_t> local_salt;
  std::vector<uint8_t> remote_key;  // what this endpoint unprotects with (the peer's write key)
  std::vector<uint8_t> remote_salt;

  SrtpKeyingMaterial() = default;
  SrtpKeyingMaterial(const SrtpKeyingMaterial&) = default;
  SrtpKeyingMaterial(SrtpKeyingMaterial&&) noexcept = default;
  SrtpKeyingMaterial& operator=(const SrtpKeyingMaterial&) = default;
  SrtpKeyingMaterial& operator=(SrtpKeyingMaterial&&) noexcept = default;
  ~SrtpKeyingMaterial();  // wipes the keys

  // Octets of exporter output a profile needs: 2 * (key + salt), RFC 5764 §4.2.
  static size_t exporter_length(SrtpProfile profile);
  // Splits exporter output laid out as client key | server key | client salt | server salt. The
  // RTCP profile is dtls_srtcp_profile(profile); no MKI.
  static std::optional<SrtpKeyingMaterial> from_exporter(SrtpProfile profile,
                                                         std::span<const uint8_t> exported,
                                                         DtlsRole role, uint32_t generation);
  // Both directions keyed alike: one master key for a sender and its receivers (manual keying).
  static std::optional<SrtpKeyingMaterial> symmetric(SrtpProfile profile,
                                                     std::span<const uint8_t> key,
                                                     std::span<const uint8_t> salt,
                                                     uint32_t generation);
  // The same with an RTCP profile of its own (its key sizes must be the RTP profile's) and an MKI.
  static std::optional<SrtpKeyingMaterial> symmetric(SrtpProfile profile, SrtpProfile rtcp_profile,
                                                     std::span<const uint8_t> key,
                                                     std::span<const uint8_t> salt,
                                                     std::span<const uint8_t> mki,
                                                     uint32_t generation);
  // Key lengths fit both profiles, and the MKI is at most kSrtpMaxMkiLength octets.
  bool valid() const;
  // The same keys, profiles, MKI and role, whatever the generation.
  bool same_key_as(const SrtpKeyingMaterial& other) const;
  bool operator==(const SrtpKeyingMaterial& other) const {
    return generation == other.generation && same_key_as(other);
  }
};

}  // namespace secmedia
