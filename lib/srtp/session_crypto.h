// SPDX-License-Identifier: LGPL-2.1-or-later
// The session keys of one half (SRTP or SRTCP) of one master key, derived once (RFC 3711 §4.3), and
// the OpenSSL contexts that use them, created once and reused for every packet.
#pragma once

#include <openssl/evp.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "key_derivation.h"
#include "secmedia/srtp.h"

namespace secmedia::detail {

struct EvpCipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
struct EvpMacCtxDeleter {
  void operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }
};

inline constexpr size_t kHmacSha1Length = 20;
inline constexpr size_t kGcmIvLength = 12;
inline constexpr size_t kCtrIvLength = 16;

// Pieces of packet memory processed as if they were one contiguous run, in order: RFC 9335 encrypts
// the CSRCs, the extension data and the payload as one plaintext although the extension header
// lies between them.
using PacketParts = std::span<const std::span<uint8_t>>;

class SessionCrypto {
 public:
  SessionCrypto() = default;
  SessionCrypto(SessionCrypto&&) noexcept = default;
  SessionCrypto& operator=(SessionCrypto&&) noexcept = default;
  ~SessionCrypto();

  // `rtcp` selects the SRTCP labels (3, 4, 5) instead of the SRTP ones (0, 1, 2). `for_protect`
  // fixes the AEAD direction. Returns false with a reason if OpenSSL fails.
  bool init(SrtpProfile profile, std::span<const uint8_t> master_key,
            std::span<const uint8_t> master_salt, bool rtcp, bool for_protect, std::string* why);
  // Installs session keys as they are, without the KDF: for RFC 7714 §16/§17 vectors, which are
  // given as session keys. `salt` is 14 octets (AES-CM) or 12 (AEAD); `auth_key` 20 octets or
  // empty.
  bool init_with_session_keys(SrtpProfile profile, std::span<const uint8_t> cipher_key,
                              std::span<const uint8_t> salt, std::span<const uint8_t> auth_key,
                              bool for_protect, std::string* why);

  const SrtpProfileInfo& info() const { return *info_; }
  // Session salt: 14 octets for AES-CM, 12 for AEAD.
  const uint8_t* salt() const { return salt_.data(); }

  // AES-CM keystream XOR in place with the 16-octet counter block `iv` (RFC 3711 §4.1.1).
  bool ctr_xor(const uint8_t* iv, uint8_t* data, size_t length);
  // HMAC-SHA1 over the concatenation of `first` and `second` (RFC 3711 §4.2.1), full 20 octets.
  bool hmac(std::span<const uint8_t> first, std::span<const uint8_t> second, uint8_t* out);
  // AEAD (RFC 7714 §5.2): seal encrypts `data` in place and writes the 16-octet tag; open checks
  // the tag (constant time, inside OpenSSL) and decrypts in place. The AAD is the concatenation of
  // two parts.
  bool gcm_seal(const uint8_t* iv, std::span<const uint8_t> aad1, std::span<const uint8_t> aad2,
                uint8_t* data, size_t length, uint8_t* tag);
  bool gcm_open(const uint8_t* iv, std::span<const uint8_t> aad1, std::span<const uint8_t> aad2,
                uint8_t* data, size_t length, const uint8_t* tag);
  // The same three over parts.
  bool ctr_xor(const uint8_t* iv, PacketParts data);
  bool hmac(PacketParts message, uint8_t* out);
  bool gcm_seal(const uint8_t* iv, PacketParts aad, PacketParts data, uint8_t* tag);
  bool gcm_open(const uint8_t* iv, PacketParts aad, PacketParts data, const uint8_t* tag);

 private:
  const SrtpProfileInfo* info_ = nullptr;
  std::unique_ptr<EVP_CIPHER_CTX, EvpCipherCtxDeleter> cipher_;
  std::unique_ptr<EVP_MAC_CTX, EvpMacCtxDeleter> mac_;
  std::array<uint8_t, kKdfSaltLength> salt_{};
};

}  // namespace secmedia::detail
