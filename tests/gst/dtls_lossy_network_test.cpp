// SPDX-License-Identifier: LGPL-2.1-or-later
// Handshakes through gst-plugins-bad's netsim (issue 14): 20 % and 40 % loss, with duplication and
// delays that reorder, our client against our server with the pipeline branches' roles swapped,
// the server with its default cookie exchange. Each case runs several handshakes and reports how
// long each took; every one ends within the handshake timeout.
//
//   dtlsenc A ! netsim ! dtlsdec B        dtlsenc B ! netsim ! dtlsdec A
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "gst_test_support.h"

namespace secmedia {
namespace {

constexpr int kConnected = 4;
constexpr int kFailed = 2;
constexpr int kHandshakeTimeoutSeconds = 60;

struct LossCase {
  const char* name;
  double drop_a_to_b;
  double drop_b_to_a;
  bool a_is_client;
  int runs;
  // Every run must connect; otherwise every run must end (connected, or failed naming the
  // handshake timeout) within the bound, and most must connect.
  bool all_connect;
};

class DtlsLossyNetwork : public ::testing::TestWithParam<LossCase> {};

std::string netsim(double drop) {
  // Duplicates, and a third of the datagrams delayed by 10-80 ms with reordering allowed.
  return "netsim drop-probability=" + std::to_string(drop) +
         " duplicate-probability=0.1 delay-probability=0.3 min-delay=10 max-delay=80 "
         "allow-reordering=true ! ";
}

int state_of(GstElement* pipeline, const char* name) {
  GstElement* e = gst_bin_get_by_name(GST_BIN(pipeline), name);
  gint state = -1;
  g_object_get(e, "connection-state", &state, nullptr);
  gst_object_unref(e);
  return state;
}

// Pins: at 40 % loss, "no answer from the peer after 12 retransmissions" while the peer answered.
// (The limit counted every loss of the handshake; handshakes under loss had no measured bound.)
TEST_P(DtlsLossyNetwork, HandshakesEndInBoundedTime) {
  static int counter = 0;
  const LossCase& c = GetParam();
  std::vector<double> seconds;
  int connected = 0;
  for (int run = 0; run < c.runs; ++run) {
    const std::string a = "lossy-a" + std::to_string(++counter);
    const std::string b = "lossy-b" + std::to_string(counter);
    const std::string common = " retransmission-timeout=100 handshake-timeout=" +
                               std::to_string(kHandshakeTimeoutSeconds * 1000) + " ";
    const std::string description =
        "dtlsenc name=aenc connection-id=" + a + common +
        "is-client=" + (c.a_is_client ? "true" : "false") + " ! " + netsim(c.drop_a_to_b) +
        "dtlsdec name=bdec connection-id=" + b + " ! fakesink sync=false async=false " +
        "dtlsenc name=benc connection-id=" + b + common +
        "is-client=" + (c.a_is_client ? "false" : "true") + " ! " + netsim(c.drop_b_to_a) +
        "dtlsdec name=adec connection-id=" + a + " ! fakesink sync=false async=false";
    GError* error = nullptr;
    GstElement* pipeline = gst_parse_launch(description.c_str(), &error);
    ASSERT_NE(pipeline, nullptr) << (error ? error->message : "");
    const auto started = std::chrono::steady_clock::now();
    ASSERT_NE(gst_element_set_state(pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
    const std::string failure = test::wait_for(
        pipeline,
        [&] {
          return state_of(pipeline, "aenc") == kConnected &&
                 state_of(pipeline, "benc") == kConnected;
        },
        kHandshakeTimeoutSeconds + 5);
    seconds.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    const bool ok =
        state_of(pipeline, "aenc") == kConnected && state_of(pipeline, "benc") == kConnected;
    connected += ok ? 1 : 0;
    if (c.all_connect) {
      EXPECT_TRUE(ok) << "run " << run << ": " << failure;
    }
    if (!c.all_connect && !ok) {
      // Ended, not hung: failed with the reason, within the handshake timeout.
      EXPECT_TRUE(state_of(pipeline, "aenc") == kFailed || state_of(pipeline, "benc") == kFailed)
          << "run " << run;
      EXPECT_NE(failure.find("did not complete within"), std::string::npos) << failure;
    }
    EXPECT_LE(seconds.back(), kHandshakeTimeoutSeconds + 1.0) << "run " << run;
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(pipeline);
  }
  if (!c.all_connect) {
    EXPECT_GE(connected, c.runs / 2);
  }
  std::sort(seconds.begin(), seconds.end());
  std::string shown;
  for (double s : seconds) shown += " " + std::to_string(s).substr(0, 5);
  std::printf("%s: %d of %d handshakes connected; seconds:%s\n", c.name, connected, c.runs,
              shown.c_str());
  RecordProperty("max_seconds", std::to_string(seconds.back()));
}

// "a" is one pipeline branch's dtlsenc/dtlsdec pair, "b" the other's; loss applies to a's
// datagrams towards b, and to b's towards a.
INSTANTIATE_TEST_SUITE_P(
    NetsimLoss, DtlsLossyNetwork,
    ::testing::Values(
        // 20 % each way: every handshake connects.
        LossCase{"loss20_each_way_a_client", 0.2, 0.2, true, 5, true},
        LossCase{"loss20_each_way_a_server", 0.2, 0.2, false, 5, true},
        // 40 % on the way into the server, then into the client (duplication and reordering both
        // ways): every handshake connects.
        LossCase{"loss40_into_server", 0.4, 0.0, true, 5, true},
        LossCase{"loss40_into_client", 0.0, 0.4, false, 5, true},
        // 40 % each way (64 % of round trips lost): with the RFC 6347 §4.2.4.1 backoff, doubling
        // up to 60 s, about 3 in 100 take longer than the handshake timeout (measured in the core's
        // simulated network); every one ends within it, and most connect.
        LossCase{"loss40_each_way_a_client", 0.4, 0.4, true, 4, false},
        LossCase{"loss40_each_way_a_server", 0.4, 0.4, false, 4, false}),
    [](const auto& test_info) { return std::string(test_info.param.name); });

}  // namespace
}  // namespace secmedia

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  g_log_set_always_fatal(static_cast<GLogLevelFlags>(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR));
  ::testing::InitGoogleTest(&argc, argv);
  return secmedia::test::run_all_tests_checking_gst_leaks();
}
