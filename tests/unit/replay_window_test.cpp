// SPDX-License-Identifier: LGPL-2.1-or-later
// ReplayWindow (RFC 3711 §3.3.2) and index estimation (RFC 3711 §3.3.1, Appendix A).
#include <gtest/gtest.h>

#include "replay_window.h"
#include "rollover.h"

namespace secmedia::detail {
namespace {

TEST(ReplayWindow, FreshDuplicateAndTooOld) {
  ReplayWindow window(64);
  EXPECT_EQ(window.check(100), ReplayVerdict::fresh);
  window.accept(100);
  EXPECT_EQ(window.check(100), ReplayVerdict::duplicate);
  EXPECT_EQ(window.check(99), ReplayVerdict::fresh);
  EXPECT_EQ(window.check(37), ReplayVerdict::fresh);  // 100 - 37 = 63 < 64
  EXPECT_EQ(window.check(36), ReplayVerdict::too_old);
  window.accept(99);
  EXPECT_EQ(window.check(99), ReplayVerdict::duplicate);
}

TEST(ReplayWindow, AdvancingForgetsSlotsOfSkippedIndices) {
  ReplayWindow window(100);  // ring of 128 bits, window of 100
  for (uint64_t i = 0; i < 100; ++i) window.accept(i);
  window.accept(227);  // skips 100..226; the slots of 100..127 held 0..27 before
  for (uint64_t i = 128; i < 227; ++i) {
    EXPECT_EQ(window.check(i), ReplayVerdict::fresh) << i;
  }
  EXPECT_EQ(window.check(127), ReplayVerdict::too_old);
  EXPECT_EQ(window.check(227), ReplayVerdict::duplicate);
}

TEST(ReplayWindow, LargeJumpClearsEverything) {
  ReplayWindow window(1024);
  for (uint64_t i = 0; i < 2000; ++i) window.accept(i);
  window.accept(1'000'000);
  EXPECT_EQ(window.check(1'000'000 - 1023), ReplayVerdict::fresh);
  EXPECT_EQ(window.check(1'000'000 - 1024), ReplayVerdict::too_old);
}

TEST(ReplayWindow, MaximumSizeWindow) {
  ReplayWindow window(32768);
  window.accept(40000);
  EXPECT_EQ(window.check(40000 - 32767), ReplayVerdict::fresh);
  EXPECT_EQ(window.check(40000 - 32768), ReplayVerdict::too_old);
}

// A window of up to 128 packets keeps its bits inside the object: moving it (as a stream's state is
// built) must carry the history along, for the inline bits as for allocated ones.
TEST(ReplayWindow, MovedWindowKeepsItsHistory) {
  for (const size_t size : {size_t{64}, size_t{128}, size_t{129}, size_t{1024}}) {
    ReplayWindow original(size);
    for (uint64_t i = 5000; i < 5010; i += 2) original.accept(i);
    ReplayWindow moved(std::move(original));
    ReplayWindow assigned;
    assigned = std::move(moved);
    EXPECT_EQ(assigned.check(5008), ReplayVerdict::duplicate) << size;
    EXPECT_EQ(assigned.check(5007), ReplayVerdict::fresh) << size;
    EXPECT_EQ(assigned.check(5008 - size), ReplayVerdict::too_old) << size;
    assigned.accept(5007);
    EXPECT_EQ(assigned.check(5007), ReplayVerdict::duplicate) << size;
  }
}

TEST(Rfc3711Section3_3_1, IndexEstimation) {
  // Within one ROC period.
  EXPECT_EQ(estimate_srtp_index(0x0000'1000, 0x1001), 0x0000'1001u);
  EXPECT_EQ(estimate_srtp_index(0x0000'1000, 0x0fff), 0x0000'0fffu);
  // Forward across the wrap: s_l high, seq low -> ROC + 1.
  EXPECT_EQ(estimate_srtp_index(0x0002'fff0, 0x0005), 0x0003'0005u);
  // Backward across the wrap: s_l low, seq high -> ROC - 1 (a late packet from before the wrap).
  EXPECT_EQ(estimate_srtp_index(0x0003'0005, 0xfff0), 0x0002'fff0u);
  // A late packet from before index 0 has no index.
  EXPECT_EQ(estimate_srtp_index(0x0000'0005, 0xfff0), std::nullopt);
  // Exactly half a period either way stays in the same ROC.
  EXPECT_EQ(estimate_srtp_index(0x0001'8000, 0x0000), 0x0001'0000u);
}

}  // namespace
}  // namespace secmedia::detail
