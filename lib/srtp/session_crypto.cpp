// SPDX-License-Identifier: LGPL-2.1-or-later
#include "session_crypto.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>

#include "aes_cipher.h"

namespace secmedia::detail {

namespace {

constexpr size_t kGcmTagLength = 16;

// The GCM tag as a provider parameter: EVP_CIPHER_CTX_ctrl builds the same OSSL_PARAM through its
// legacy-control translation first, a few hundred instructions a packet (issue 15).
bool get_gcm_tag(EVP_CIPHER_CTX* ctx, uint8_t* tag) {
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, kGcmTagLength),
      OSSL_PARAM_construct_end()};
  return EVP_CIPHER_CTX_get_params(ctx, params) == 1;
}

bool set_gcm_tag(EVP_CIPHER_CTX* ctx, const uint8_t* tag) {
  OSSL_PARAM params[] = {OSSL_PARAM_construct_octet_string(
                             OSSL_CIPHER_PARAM_AEAD_TAG, const_cast<uint8_t*>(tag), kGcmTagLength),
                         OSSL_PARAM_construct_end()};
  return EVP_CIPHER_CTX_set_params(ctx, params) == 1;
}

// Wipes derived keys from the stack when the init function returns, whatever the path.
struct ScopedCleanse {
  std::span<uint8_t> bytes;
  ~ScopedCleanse() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
};

bool fail(std::string* why, const char* reason) {
  if (why) *why = reason;
  return false;
}

}  // namespace

SessionCrypto::~SessionCrypto() {
  OPENSSL_cleanse(salt_.data(), salt_.size());
}

bool SessionCrypto::init(SrtpProfile profile, std::span<const uint8_t> master_key,
                         std::span<const uint8_t> master_salt, bool rtcp, bool for_protect,
                         std::string* why) {
  const SrtpProfileInfo& info = profile_info(profile);
  const auto label = [rtcp](KdfLabel srtp_label) {
    return static_cast<KdfLabel>(static_cast<uint8_t>(srtp_label) + (rtcp ? 3 : 0));
  };
  // The cipher key has the master key's length in every profile of RFC 3711, 6188 and 7714.
  std::array<uint8_t, 32> cipher_key{};
  std::array<uint8_t, kKdfSaltLength> salt{};
  std::array<uint8_t, kHmacSha1Length> auth_key{};
  ScopedCleanse wipe_cipher_key{cipher_key};
  ScopedCleanse wipe_salt{salt};
  ScopedCleanse wipe_auth_key{auth_key};
  const std::span<uint8_t> cipher_key_span(cipher_key.data(), master_key.size());
  const std::span<uint8_t> salt_span(salt.data(), info.is_aead ? kGcmIvLength : kKdfSaltLength);
  const bool has_hmac = !info.is_aead && info.tag_length > 0;
  const std::span<uint8_t> auth_key_span(auth_key.data(), has_hmac ? kHmacSha1Length : 0);

  if (!derive_session_key(master_key, master_salt, label(KdfLabel::srtp_salt), salt_span) ||
      !derive_session_key(master_key, master_salt, label(KdfLabel::srtp_encryption),
                          cipher_key_span) ||
      (has_hmac && !derive_session_key(master_key, master_salt,
                                       label(KdfLabel::srtp_authentication), auth_key_span))) {
    return fail(why, "session key derivation failed");
  }
  return init_with_session_keys(profile, cipher_key_span, salt_span, auth_key_span, for_protect,
                                why);
}

bool SessionCrypto::init_with_session_keys(SrtpProfile profile, std::span<const uint8_t> cipher_key,
                                           std::span<const uint8_t> salt,
                                           std::span<const uint8_t> auth_key, bool for_protect,
                                           std::string* why) {
  info_ = &profile_info(profile);
  if (salt.size() > salt_.size()) return fail(why, "session salt too long");
  std::copy(salt.begin(), salt.end(), salt_.begin());

  if (info_->encrypts) {
    const EVP_CIPHER* cipher = info_->is_aead ? aes_gcm_for_key_length(cipher_key.size())
                                              : aes_ctr_for_key_length(cipher_key.size());
    cipher_.reset(EVP_CIPHER_CTX_new());
    if (!cipher || !cipher_ ||
        EVP_CipherInit_ex(cipher_.get(), cipher, nullptr, cipher_key.data(), nullptr,
                          info_->is_aead && !for_protect ? 0 : 1) != 1) {
      return fail(why, "OpenSSL refused the AES context");
    }
  }

  if (!info_->is_aead && info_->tag_length > 0) {
    EVP_MAC* hmac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (!hmac) return fail(why, "OpenSSL has no HMAC");
    mac_.reset(EVP_MAC_CTX_new(hmac));
    EVP_MAC_free(hmac);  // the context holds its own reference
    char digest[] = "SHA1";
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_end(),
    };
    if (!mac_ || EVP_MAC_init(mac_.get(), auth_key.data(), auth_key.size(), params) != 1) {
      return fail(why, "OpenSSL refused the HMAC-SHA1 context");
    }
  }
  return true;
}

bool SessionCrypto::ctr_xor(const uint8_t* iv, uint8_t* data, size_t length) {
  int written = 0;
  return EVP_CipherInit_ex(cipher_.get(), nullptr, nullptr, nullptr, iv, -1) == 1 &&
         EVP_CipherUpdate(cipher_.get(), data, &written, data, static_cast<int>(length)) == 1;
}

bool SessionCrypto::hmac(std::span<const uint8_t> first, std::span<const uint8_t> second,
                         uint8_t* out) {
  size_t written = 0;
  // A null key re-initialises with the key given at init: no key schedule per packet.
  return EVP_MAC_init(mac_.get(), nullptr, 0, nullptr) == 1 &&
         EVP_MAC_update(mac_.get(), first.data(), first.size()) == 1 &&
         (second.empty() || EVP_MAC_update(mac_.get(), second.data(), second.size()) == 1) &&
         EVP_MAC_final(mac_.get(), out, &written, kHmacSha1Length) == 1;
}

bool SessionCrypto::gcm_seal(const uint8_t* iv, std::span<const uint8_t> aad1,
                             std::span<const uint8_t> aad2, uint8_t* data, size_t length,
                             uint8_t* tag) {
  EVP_CIPHER_CTX* ctx = cipher_.get();
  int written = 0;
  return EVP_CipherInit_ex(ctx, nullptr, nullptr, nullptr, iv, 1) == 1 &&
         EVP_CipherUpdate(ctx, nullptr, &written, aad1.data(), static_cast<int>(aad1.size())) ==
             1 &&
         (aad2.empty() || EVP_CipherUpdate(ctx, nullptr, &written, aad2.data(),
                                           static_cast<int>(aad2.size())) == 1) &&
         (length == 0 ||
          EVP_CipherUpdate(ctx, data, &written, data, static_cast<int>(length)) == 1) &&
         EVP_CipherFinal_ex(ctx, data + length, &written) == 1 && get_gcm_tag(ctx, tag);
}

bool SessionCrypto::gcm_open(const uint8_t* iv, std::span<const uint8_t> aad1,
                             std::span<const uint8_t> aad2, uint8_t* data, size_t length,
                             const uint8_t* tag) {
  EVP_CIPHER_CTX* ctx = cipher_.get();
  int written = 0;
  return EVP_CipherInit_ex(ctx, nullptr, nullptr, nullptr, iv, 0) == 1 && set_gcm_tag(ctx, tag) &&
         EVP_CipherUpdate(ctx, nullptr, &written, aad1.data(), static_cast<int>(aad1.size())) ==
             1 &&
         (aad2.empty() || EVP_CipherUpdate(ctx, nullptr, &written, aad2.data(),
                                           static_cast<int>(aad2.size())) == 1) &&
         (length == 0 ||
          EVP_CipherUpdate(ctx, data, &written, data, static_cast<int>(length)) == 1) &&
         EVP_CipherFinal_ex(ctx, data + length, &written) ==
             1;  // verifies the tag in constant time
}

bool SessionCrypto::ctr_xor(const uint8_t* iv, PacketParts data) {
  // The counter context keeps its position inside a block between updates, so parts of any length
  // get one continuous keystream.
  if (EVP_CipherInit_ex(cipher_.get(), nullptr, nullptr, nullptr, iv, -1) != 1) return false;
  int written = 0;
  for (const std::span<uint8_t> part : data) {
    if (!part.empty() && EVP_CipherUpdate(cipher_.get(), part.data(), &written, part.data(),
                                          static_cast<int>(part.size())) != 1) {
      return false;
    }
  }
  return true;
}

bool SessionCrypto::hmac(PacketParts message, uint8_t* out) {
  if (EVP_MAC_init(mac_.get(), nullptr, 0, nullptr) != 1) return false;
  for (const std::span<uint8_t> part : message) {
    if (!part.empty() && EVP_MAC_update(mac_.get(), part.data(), part.size()) != 1) return false;
  }
  size_t written = 0;
  return EVP_MAC_final(mac_.get(), out, &written, kHmacSha1Length) == 1;
}

namespace {

bool gcm_update_parts(EVP_CIPHER_CTX* ctx, PacketParts aad, PacketParts data) {
  int written = 0;
  for (const std::span<uint8_t> part : aad) {
    if (!part.empty() &&
        EVP_CipherUpdate(ctx, nullptr, &written, part.data(), static_cast<int>(part.size())) != 1) {
      return false;
    }
  }
  // OpenSSL's GCM keeps partial blocks between updates: parts need not be block-aligned.
  for (const std::span<uint8_t> part : data) {
    if (!part.empty() && EVP_CipherUpdate(ctx, part.data(), &written, part.data(),
                                          static_cast<int>(part.size())) != 1) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool SessionCrypto::gcm_seal(const uint8_t* iv, PacketParts aad, PacketParts data, uint8_t* tag) {
  EVP_CIPHER_CTX* ctx = cipher_.get();
  std::array<uint8_t, 16> final_block;
  int written = 0;
  return EVP_CipherInit_ex(ctx, nullptr, nullptr, nullptr, iv, 1) == 1 &&
         gcm_update_parts(ctx, aad, data) &&
         EVP_CipherFinal_ex(ctx, final_block.data(), &written) == 1 && get_gcm_tag(ctx, tag);
}

bool SessionCrypto::gcm_open(const uint8_t* iv, PacketParts aad, PacketParts data,
                             const uint8_t* tag) {
  EVP_CIPHER_CTX* ctx = cipher_.get();
  std::array<uint8_t, 16> final_block;
  int written = 0;
  return EVP_CipherInit_ex(ctx, nullptr, nullptr, nullptr, iv, 0) == 1 && set_gcm_tag(ctx, tag) &&
         gcm_update_parts(ctx, aad, data) &&
         EVP_CipherFinal_ex(ctx, final_block.data(), &written) == 1;  // the tag, in constant time
}

}  // namespace secmedia::detail
