// SPDX-License-Identifier: LGPL-2.1-or-later
// The raw OpenSSL floor of SRTP: the OpenSSL calls RFC 3711 and RFC 7714 need for one packet, with
// nothing around them (no header parsing beyond SSRC and sequence, no stream table, no replay
// window, no counters). What any SRTP built on OpenSSL pays at least. srtp_core_bench times it
// against the core; srtp_element_bench runs it inside a do-nothing element, where GStreamer's code
// between two packets leaves the caches as our elements find them.
#pragma once

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "byte_order.h"
#include "key_derivation.h"
#include "secmedia/srtp.h"

namespace secmedia::bench {

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
struct MacCtxFree {
  void operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }
};
struct MacFree {
  void operator()(EVP_MAC* mac) const { EVP_MAC_free(mac); }
};

// The crypto of RFC 3711 §3.3 / RFC 7714 §8 and nothing else. Besides the contexts the only state
// is a ROC advanced when the sequence number goes backwards: enough for in-order packets.
class RawOpensslFloor {
 public:
  RawOpensslFloor(secmedia::SrtpProfile profile, secmedia::SrtpDirection direction,
                  std::span<const uint8_t> master_key, std::span<const uint8_t> master_salt)
      : aead_(secmedia::profile_info(profile).is_aead),
        protect_(direction == secmedia::SrtpDirection::protect),
        master_key_(master_key.begin(), master_key.end()),
        master_salt_(master_salt.begin(), master_salt.end()) {}

  bool reset() {
    roc_ = 0;
    last_sequence_ = 0;
    // Session keys are derived once, as a session does; a reset only forgets the ROC.
    return cipher_ ? true : init();
  }

  // Protects or unprotects in place. Protect writes the tag after the packet, or to `trailer` when
  // given (a packet without room after it); either way `length` grows by the tag.
  bool process(uint8_t* packet, size_t /*capacity: the harness always leaves kRoom*/,
               size_t& length, uint8_t* trailer = nullptr) {
    uint8_t* const tag_out = trailer ? trailer : packet + length;
    const uint16_t sequence = secmedia::detail::load_be16(packet + 2);
    const uint32_t ssrc = secmedia::detail::load_be32(packet + 8);
    if (sequence < last_sequence_) ++roc_;
    last_sequence_ = sequence;
    const uint64_t index = uint64_t{roc_} << 16 | sequence;
    uint8_t* payload = packet + kRtpHeaderLength;
    int written = 0;

    if (aead_) {
      // IV = (0x0000 || SSRC || ROC || SEQ) XOR salt (RFC 7714 §8.1).
      std::array<uint8_t, 12> iv;
      std::memcpy(iv.data(), salt_.data(), iv.size());
      for (int i = 0; i < 4; ++i) iv[2 + i] ^= static_cast<uint8_t>(ssrc >> (24 - 8 * i));
      for (int i = 0; i < 6; ++i) iv[6 + i] ^= static_cast<uint8_t>(index >> (40 - 8 * i));
      EVP_CIPHER_CTX* ctx = cipher_.get();
      if (protect_) {
        const int payload_length = static_cast<int>(length) - kRtpHeaderLength;
        if (EVP_CipherInit_ex(ctx, nullptr, nullptr, nullptr, iv.data(), 1) != 1 ||
            EVP_CipherUpdate(ctx, nullptr, &written, packet, kRtpHeaderLength) != 1 ||
            EVP_CipherUpdate(ctx, payload, &written, payload, payload_length) != 1 ||
            EVP_CipherFinal_ex(ctx, payload + payload_length, &written) != 1 ||
            !gcm_tag(ctx, tag_out, /*set=*/false)) {
          return fail("GCM seal");
        }
        length += kGcmTagLength;
      } else {
        length -= kGcmTagLength;
        const int payload_length = static_cast<int>(length) - kRtpHeaderLength;
        if (EVP_CipherInit_ex(ctx, nullptr, nullptr, nullptr, iv.data(), 0) != 1 ||
            !gcm_tag(ctx, packet + length, /*set=*/true) ||
            EVP_CipherUpdate(ctx, nullptr, &written, packet, kRtpHeaderLength) != 1 ||
            EVP_CipherUpdate(ctx, payload, &written, payload, payload_length) != 1 ||
            EVP_CipherFinal_ex(ctx, payload + payload_length, &written) != 1) {
          return fail("GCM open: tag mismatch");
        }
      }
      return true;
    }

    // IV = (salt * 2^16) XOR (SSRC * 2^64) XOR (index * 2^16) (RFC 3711 §4.1.1).
    std::array<uint8_t, 16> iv{};
    std::memcpy(iv.data(), salt_.data(), 14);
    for (int i = 0; i < 4; ++i) iv[4 + i] ^= static_cast<uint8_t>(ssrc >> (24 - 8 * i));
    for (int i = 0; i < 6; ++i) iv[8 + i] ^= static_cast<uint8_t>(index >> (40 - 8 * i));
    std::array<uint8_t, 4> roc;
    secmedia::detail::store_be32(roc.data(), roc_);
    std::array<uint8_t, 20> tag;
    if (!protect_) {
      // Authenticate before decrypting (RFC 3711 §3.3 step 5-6).
      length -= kHmacTagLength;
      if (!hmac(packet, length, roc.data(), tag.data())) return fail("HMAC");
      if (CRYPTO_memcmp(tag.data(), packet + length, kHmacTagLength) != 0) {
        return fail("HMAC: tag mismatch");
      }
    }
    if (EVP_CipherInit_ex(cipher_.get(), nullptr, nullptr, nullptr, iv.data(), -1) != 1 ||
        EVP_CipherUpdate(cipher_.get(), payload, &written, payload,
                         static_cast<int>(length) - kRtpHeaderLength) != 1) {
      return fail("AES-CTR");
    }
    if (protect_) {
      if (!hmac(packet, length, roc.data(), tag.data())) return fail("HMAC");
      std::memcpy(tag_out, tag.data(), kHmacTagLength);
      length += kHmacTagLength;
    }
    return true;
  }

  const std::string& error() const { return error_; }

 private:
  static constexpr int kGcmTagLength = 16;
  static constexpr size_t kHmacTagLength = 10;

  bool init() {
    using secmedia::detail::KdfLabel;
    const size_t salt_length = aead_ ? 12 : 14;
    std::array<uint8_t, 16> cipher_key;
    std::array<uint8_t, 20> auth_key;
    const bool derived =
        secmedia::detail::derive_session_key(master_key_, master_salt_, KdfLabel::srtp_encryption,
                                             cipher_key) &&
        secmedia::detail::derive_session_key(master_key_, master_salt_, KdfLabel::srtp_salt,
                                             std::span(salt_).first(salt_length)) &&
        (aead_ || secmedia::detail::derive_session_key(master_key_, master_salt_,
                                                       KdfLabel::srtp_authentication, auth_key));
    if (!derived) return fail("key derivation");

    cipher_.reset(EVP_CIPHER_CTX_new());
    const EVP_CIPHER* cipher = aead_ ? EVP_aes_128_gcm() : EVP_aes_128_ctr();
    if (!cipher_ || EVP_CipherInit_ex(cipher_.get(), cipher, nullptr, cipher_key.data(), nullptr,
                                      protect_ ? 1 : 0) != 1) {
      cipher_.reset();
      return fail("cipher init");
    }
    if (!aead_) {
      const std::unique_ptr<EVP_MAC, MacFree> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
      if (!mac) return fail("HMAC fetch");
      mac_.reset(EVP_MAC_CTX_new(mac.get()));
      char digest[] = "SHA1";
      const OSSL_PARAM params[] = {
          OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
          OSSL_PARAM_construct_end(),
      };
      if (!mac_ || EVP_MAC_init(mac_.get(), auth_key.data(), auth_key.size(), params) != 1) {
        cipher_.reset();
        return fail("HMAC init");
      }
    }
    return true;
  }

  // The tag as a provider parameter, the cheapest way OpenSSL 3 offers (EVP_CIPHER_CTX_ctrl builds
  // the same parameter through its legacy-control translation): the core does the same.
  static bool gcm_tag(EVP_CIPHER_CTX* ctx, uint8_t* tag, bool set) {
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, kGcmTagLength),
        OSSL_PARAM_construct_end()};
    return (set ? EVP_CIPHER_CTX_set_params(ctx, params)
                : EVP_CIPHER_CTX_get_params(ctx, params)) == 1;
  }

  bool hmac(const uint8_t* data, size_t length, const uint8_t* roc, uint8_t* out) {
    size_t written = 0;
    // No key: HMAC restarts from the key schedule done at init.
    return EVP_MAC_init(mac_.get(), nullptr, 0, nullptr) == 1 &&
           EVP_MAC_update(mac_.get(), data, length) == 1 &&
           EVP_MAC_update(mac_.get(), roc, 4) == 1 &&
           EVP_MAC_final(mac_.get(), out, &written, 20) == 1;
  }

  bool fail(const char* why) {
    error_ = std::string("floor: ") + why;
    return false;
  }

  static constexpr int kRtpHeaderLength = 12;  // the benchmarks' packets: no CSRC, no extension

  bool aead_;
  bool protect_;
  std::vector<uint8_t> master_key_;
  std::vector<uint8_t> master_salt_;
  std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree> cipher_;
  std::unique_ptr<EVP_MAC_CTX, MacCtxFree> mac_;
  std::array<uint8_t, 14> salt_{};
  uint32_t roc_ = 0;
  uint16_t last_sequence_ = 0;
  std::string error_;
};

}  // namespace secmedia::bench
