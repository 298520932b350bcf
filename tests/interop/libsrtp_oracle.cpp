// SPDX-License-Identifier: LGPL-2.1-or-later
#include "libsrtp_oracle.h"

#include <mutex>

namespace secmedia::test {

void set_libsrtp_crypto_policy(SrtpProfile profile, srtp_crypto_policy_t* policy) {
  switch (profile) {
    case SrtpProfile::aes_cm_128_hmac_sha1_80:
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(policy);
      break;
    case SrtpProfile::aes_cm_128_hmac_sha1_32:
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(policy);
      break;
    case SrtpProfile::aes_192_cm_hmac_sha1_80:
      srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80(policy);
      break;
    case SrtpProfile::aes_192_cm_hmac_sha1_32:
      srtp_crypto_policy_set_aes_cm_192_hmac_sha1_32(policy);
      break;
    case SrtpProfile::aes_256_cm_hmac_sha1_80:
      srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(policy);
      break;
    case SrtpProfile::aes_256_cm_hmac_sha1_32:
      srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32(policy);
      break;
    case SrtpProfile::aead_aes_128_gcm:
      srtp_crypto_policy_set_aes_gcm_128_16_auth(policy);
      break;
    case SrtpProfile::aead_aes_256_gcm:
      srtp_crypto_policy_set_aes_gcm_256_16_auth(policy);
      break;
    case SrtpProfile::null_hmac_sha1_80:
      srtp_crypto_policy_set_null_cipher_hmac_sha1_80(policy);
      break;
    case SrtpProfile::null_hmac_sha1_32:
      srtp_crypto_policy_set_null_cipher_hmac_sha1_80(policy);
      policy->auth_tag_len = 4;
      break;
    case SrtpProfile::null_null:
      srtp_crypto_policy_set_null_cipher_hmac_null(policy);
      break;
  }
}

LibsrtpSession::LibsrtpSession(SrtpProfile rtp_profile, SrtpProfile rtcp_profile, bool outbound,
                               std::vector<MasterKey> keys, unsigned long window_size,
                               std::vector<int> encrypted_extension_ids)
    : keys_(std::move(keys)), encrypted_extension_ids_(std::move(encrypted_extension_ids)) {
  // libsrtp keeps process-global state (its crypto kernel); tests initialise it once.
  static std::once_flag init_once;
  std::call_once(init_once, [] { srtp_init(); });

  srtp_policy_t policy{};
  set_libsrtp_crypto_policy(rtp_profile, &policy.rtp);
  set_libsrtp_crypto_policy(rtcp_profile, &policy.rtcp);
  policy.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
  policy.window_size = window_size;
  if (!encrypted_extension_ids_.empty()) {
    policy.enc_xtn_hdr = encrypted_extension_ids_.data();
    policy.enc_xtn_hdr_count = static_cast<int>(encrypted_extension_ids_.size());
  }
  use_mki_ = !keys_.empty() && !keys_.front().mki.empty();
  if (use_mki_) {
    key_structs_.resize(keys_.size());
    for (size_t i = 0; i < keys_.size(); ++i) {
      key_structs_[i].key = keys_[i].key_and_salt.data();
      key_structs_[i].mki_id = keys_[i].mki.data();
      key_structs_[i].mki_size = static_cast<unsigned>(keys_[i].mki.size());
      key_pointers_.push_back(&key_structs_[i]);
    }
    policy.keys = key_pointers_.data();
    policy.num_master_keys = keys_.size();
  } else {
    policy.key = keys_.front().key_and_salt.data();
  }
  if (srtp_create(&session_, &policy) != srtp_err_status_ok) session_ = nullptr;
}

LibsrtpSession::~LibsrtpSession() {
  if (session_) srtp_dealloc(session_);
}

srtp_err_status_t LibsrtpSession::protect(std::vector<uint8_t>& packet, bool rtcp,
                                          unsigned mki_index) {
  int length = static_cast<int>(packet.size());
  packet.resize(packet.size() + SRTP_MAX_TRAILER_LEN + 4);
  const srtp_err_status_t status =
      rtcp ? srtp_protect_rtcp_mki(session_, packet.data(), &length, use_mki_, mki_index)
           : srtp_protect_mki(session_, packet.data(), &length, use_mki_, mki_index);
  packet.resize(status == srtp_err_status_ok ? static_cast<size_t>(length) : 0);
  return status;
}

srtp_err_status_t LibsrtpSession::unprotect(std::vector<uint8_t>& packet, bool rtcp) {
  int length = static_cast<int>(packet.size());
  const srtp_err_status_t status =
      rtcp ? srtp_unprotect_rtcp_mki(session_, packet.data(), &length, use_mki_)
           : srtp_unprotect_mki(session_, packet.data(), &length, use_mki_);
  packet.resize(status == srtp_err_status_ok ? static_cast<size_t>(length) : 0);
  return status;
}

}  // namespace secmedia::test
