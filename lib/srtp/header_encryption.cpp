// SPDX-License-Identifier: LGPL-2.1-or-later
#include "header_encryption.h"

#include <openssl/crypto.h>

#include <algorithm>

#include "aes_cipher.h"
#include "packet_iv.h"

namespace secmedia::detail {

namespace {

// The keystream of one packet, made a chunk at a time as the walk over the elements asks for it:
// one AES call for the usual extension block of a few dozen octets, no allocation for a large one.
// AES-CM (RFC 3711 §4.1.1) block i is E(k_he, IV + i); the IV's low 16 bits are zero and a block
// never has 2^16 blocks, so IV + i is the IV with i in its last two octets. The counter blocks are
// written here and encrypted by an ECB context keyed once: no per-packet IV set-up in OpenSSL,
// which cost as much as the rest of RFC 6904 together.
class HeaderKeystream {
 public:
  static constexpr size_t kChunk = 64;  // a multiple of the AES block

  HeaderKeystream(EVP_CIPHER_CTX* ecb, const uint8_t* iv, size_t total_length)
      : ecb_(ecb), iv_(iv), total_length_(total_length) {}
  ~HeaderKeystream() { OPENSSL_cleanse(chunk_.data(), made_); }

  // XORs keystream octets [offset, offset + length) into `data`. Offsets never go back: the walk
  // visits elements in order and keystream offsets grow with them.
  bool xor_into(size_t offset, uint8_t* data, size_t length) {
    while (length > 0) {
      while (offset >= chunk_start_ + chunk_length_) {
        if (!next_chunk()) return false;
      }
      if (offset < chunk_start_) return false;
      const size_t count = std::min(length, chunk_start_ + chunk_length_ - offset);
      const uint8_t* key = chunk_.data() + (offset - chunk_start_);
      for (size_t i = 0; i < count; ++i) data[i] ^= key[i];
      data += count;
      offset += count;
      length -= count;
    }
    return true;
  }

 private:
  bool next_chunk() {
    chunk_start_ += chunk_length_;
    // Keystream offsets stay below the block's length, so no more than that is ever made.
    if (chunk_start_ >= total_length_) return false;
    chunk_length_ = std::min(kChunk, total_length_ - chunk_start_);
    const size_t blocks = (chunk_length_ + 15) / 16;
    const size_t first_block = chunk_start_ / 16;
    for (size_t b = 0; b < blocks; ++b) {
      uint8_t* block = chunk_.data() + 16 * b;
      std::copy_n(iv_, 14, block);
      const size_t counter = first_block + b;
      block[14] = static_cast<uint8_t>(counter >> 8);
      block[15] = static_cast<uint8_t>(counter);
    }
    made_ = std::max(made_, blocks * 16);
    int written = 0;
    return EVP_EncryptUpdate(ecb_, chunk_.data(), &written, chunk_.data(),
                             static_cast<int>(blocks * 16)) == 1 &&
           written == static_cast<int>(blocks * 16);
  }

  EVP_CIPHER_CTX* ecb_;
  const uint8_t* iv_;
  size_t total_length_;
  size_t chunk_start_ = 0;
  size_t chunk_length_ = 0;
  size_t made_ = 0;  // octets of chunk_ that held keystream, to wipe
  std::array<uint8_t, kChunk> chunk_;
};

const EVP_CIPHER* aes_ecb_for_key_length(size_t key_length) {
  switch (key_length) {
    case 16:
      return EVP_aes_128_ecb();
    case 24:
      return EVP_aes_192_ecb();
    case 32:
      return EVP_aes_256_ecb();
    default:
      return nullptr;
  }
}

}  // namespace

HeaderExtensionCipher::~HeaderExtensionCipher() {
  OPENSSL_cleanse(salt_.data(), salt_.size());
}

bool HeaderExtensionCipher::init(SrtpProfile profile, std::span<const uint8_t> master_key,
                                 std::span<const uint8_t> master_salt) {
  const SrtpProfileInfo& info = profile_info(profile);
  if (!info.encrypts) return false;
  // RFC 6904 §4.1: k_he has the length of the SRTP encryption key, k_hs that of the session salt.
  std::array<uint8_t, 32> key{};
  const std::span<uint8_t> key_span(key.data(), master_key.size());
  const size_t salt_length = info.is_aead ? kGcmIvLength : kKdfSaltLength;
  salt_.fill(0);
  const EVP_CIPHER* cipher = aes_ecb_for_key_length(master_key.size());
  bool ok =
      cipher != nullptr && master_key.size() <= key.size() &&
      derive_session_key(master_key, master_salt, KdfLabel::srtp_header_encryption, key_span) &&
      derive_session_key(master_key, master_salt, KdfLabel::srtp_header_salt,
                         std::span(salt_.data(), salt_length));
  if (ok) {
    cipher_.reset(EVP_CIPHER_CTX_new());
    ok = cipher_ && EVP_EncryptInit_ex(cipher_.get(), cipher, nullptr, key.data(), nullptr) == 1 &&
         EVP_CIPHER_CTX_set_padding(cipher_.get(), 0) == 1;
  }
  OPENSSL_cleanse(key.data(), key.size());
  if (!ok) cipher_.reset();
  return ok;
}

HeaderEncryptionResult HeaderExtensionCipher::apply(uint32_t ssrc, uint64_t index,
                                                    std::span<uint8_t> extension_data,
                                                    ExtensionForm form,
                                                    const HeaderExtensionIds& selected) {
  std::array<uint8_t, kCtrIvLength> iv;
  make_ctr_iv(salt_.data(), ssrc, index, iv.data());
  HeaderKeystream keystream(cipher_.get(), iv.data(), extension_data.size());
  bool encrypted = false;
  bool cipher_ok = true;
  const ExtensionWalk walk =
      walk_extension_elements(extension_data, form, [&](const ExtensionElement& element) {
        if (!cipher_ok || element.data_length == 0 || !selected.test(element.id)) return;
        cipher_ok =
            keystream.xor_into(element.keystream_offset,
                               extension_data.data() + element.data_offset, element.data_length);
        encrypted = true;
      });
  if (!cipher_ok) return HeaderEncryptionResult::cipher_failed;
  if (walk != ExtensionWalk::ok) return HeaderEncryptionResult::malformed;
  return encrypted ? HeaderEncryptionResult::encrypted : HeaderEncryptionResult::nothing_selected;
}

}  // namespace secmedia::detail
