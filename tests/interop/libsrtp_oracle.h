// SPDX-License-Identifier: LGPL-2.1-or-later
// libsrtp2 (Debian's build, NSS crypto: independent of ours) as an SRTP oracle for tests.
#pragma once

#include <srtp2/srtp.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "secmedia/srtp.h"

namespace secmedia::test {

// libsrtp's policy for one of our profiles.
void set_libsrtp_crypto_policy(SrtpProfile profile, srtp_crypto_policy_t* policy);

class LibsrtpSession {
 public:
  struct MasterKey {
    std::vector<uint8_t> key_and_salt;
    std::vector<uint8_t> mki;
  };
  // `outbound` chooses ssrc_any_outbound (protect) or ssrc_any_inbound (unprotect).
  // `encrypted_extension_ids` is the policy's enc_xtn_hdr (RFC 6904); libsrtp 2.5 has no cryptex.
  LibsrtpSession(SrtpProfile rtp_profile, SrtpProfile rtcp_profile, bool outbound,
                 std::vector<MasterKey> keys, unsigned long window_size = 1024,
                 std::vector<int> encrypted_extension_ids = {});
  ~LibsrtpSession();
  LibsrtpSession(const LibsrtpSession&) = delete;
  LibsrtpSession& operator=(const LibsrtpSession&) = delete;

  bool ok() const { return session_ != nullptr; }
  // In place on `packet` (resized); `mki_index` picks the key when MKIs are in use.
  srtp_err_status_t protect(std::vector<uint8_t>& packet, bool rtcp, unsigned mki_index = 0);
  srtp_err_status_t unprotect(std::vector<uint8_t>& packet, bool rtcp);

 private:
  std::vector<MasterKey> keys_;
  std::vector<int> encrypted_extension_ids_;
  std::vector<srtp_master_key_t> key_structs_;
  std::vector<srtp_master_key_t*> key_pointers_;
  bool use_mki_ = false;
  srtp_t session_ = nullptr;
};

}  // namespace secmedia::test
