// SPDX-License-Identifier: LGPL-2.1-or-later
// RFC 6904: encryption of selected RTP header extension elements. Per master key, the header key
// k_he (KDF label 6) and salt k_hs (label 7) drive an AES-CM keystream whose IV is built like the
// payload's (RFC 3711 §4.1.1) with k_hs in place of the session salt (RFC 6904 §4.1). The
// keystream is XORed into the data of the elements whose ID is selected; element headers, padding
// and other elements stay as they are. XOR makes protect and unprotect the same operation.
#pragma once

#include <openssl/evp.h>

#include <array>
#include <bitset>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "header_extension.h"
#include "key_derivation.h"
#include "secmedia/srtp.h"
#include "session_crypto.h"

namespace secmedia::detail {

using HeaderExtensionIds = std::bitset<size_t{kMaxHeaderExtensionId} + 1>;

enum class HeaderEncryptionResult : uint8_t {
  nothing_selected,  // no element had a selected ID: the packet is unchanged
  encrypted,         // at least one element's data was XORed with the keystream
  malformed,         // the block does not parse (see walk_extension_elements)
  cipher_failed,     // OpenSSL failed
};

class HeaderExtensionCipher {
 public:
  HeaderExtensionCipher() = default;
  HeaderExtensionCipher(HeaderExtensionCipher&&) noexcept = default;
  HeaderExtensionCipher& operator=(HeaderExtensionCipher&&) noexcept = default;
  ~HeaderExtensionCipher();

  // Derives k_he and k_hs from the master key and salt. With the AEAD profiles the header keystream
  // is still AES-CM (RFC 7714 §8.3 keeps RFC 6904 as it is); k_hs is then 12 octets of label-7
  // output, zero-padded to 14 for the IV, which is what libsrtp does and what the GCM vectors E2
  // and E5 of srtp-header-vectors.txt were confirmed with.
  bool init(SrtpProfile profile, std::span<const uint8_t> master_key,
            std::span<const uint8_t> master_salt);
  bool ready() const { return cipher_ != nullptr; }

  // XORs the header keystream of packet (ssrc, index) into the data of the selected elements of
  // `extension_data` (the octets after the 4-octet block header), in the RFC 8285 `form`.
  HeaderEncryptionResult apply(uint32_t ssrc, uint64_t index, std::span<uint8_t> extension_data,
                               ExtensionForm form, const HeaderExtensionIds& selected);

 private:
  std::unique_ptr<EVP_CIPHER_CTX, EvpCipherCtxDeleter> cipher_;
  std::array<uint8_t, kKdfSaltLength> salt_{};
};

}  // namespace secmedia::detail
