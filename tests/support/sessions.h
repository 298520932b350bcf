// SPDX-License-Identifier: LGPL-2.1-or-later
// Session construction shortcuts for tests.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "secmedia/srtp.h"

namespace secmedia::test {

inline std::unique_ptr<SrtpSession> make_session(SrtpConfig config, std::span<const uint8_t> key,
                                                 std::span<const uint8_t> salt,
                                                 std::span<const uint8_t> mki = {}) {
  std::string why;
  auto session = SrtpSession::create(config, &why);
  EXPECT_NE(session, nullptr) << why;
  if (!session) return nullptr;
  EXPECT_EQ(session->add_master_key(key, salt, mki), SrtpStatus::ok);
  return session;
}

inline SrtpConfig config_for(SrtpDirection direction, SrtpProfile rtp, SrtpProfile rtcp) {
  SrtpConfig config;
  config.direction = direction;
  config.rtp_profile = rtp;
  config.rtcp_profile = rtcp;
  return config;
}

// Protects a copy of `plain` (RTP or RTCP), returning the protected bytes; fails the test on error.
inline std::vector<uint8_t> protect(SrtpSession& session, const std::vector<uint8_t>& plain,
                                    bool rtcp = false) {
  std::vector<uint8_t> buffer(plain);
  buffer.resize(plain.size() + (rtcp ? session.rtcp_overhead() : session.rtp_overhead()));
  size_t length = plain.size();
  const SrtpStatus status =
      rtcp ? session.protect_rtcp(buffer, length) : session.protect_rtp(buffer, length);
  EXPECT_EQ(status, SrtpStatus::ok) << to_string(status);
  buffer.resize(status == SrtpStatus::ok ? length : 0);
  return buffer;
}

// Unprotects a copy of `packet`; returns the status and leaves the plain packet in `plain`.
inline SrtpStatus unprotect(SrtpSession& session, const std::vector<uint8_t>& packet,
                            std::vector<uint8_t>& plain, bool rtcp = false) {
  plain = packet;
  size_t length = plain.size();
  const SrtpStatus status =
      rtcp ? session.unprotect_rtcp(plain, length) : session.unprotect_rtp(plain, length);
  plain.resize(status == SrtpStatus::ok ? length : 0);
  return status;
}

}  // namespace secmedia::test
