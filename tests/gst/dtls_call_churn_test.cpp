// SPDX-License-Identifier: LGPL-2.1-or-later
// A thousand create/start/stop/destroy cycles of a DTLS-SRTP call pair in one process: each cycle
// builds a pipeline holding both peers (a's dtlsenc/dtlsdec and b's, crossed in process), waits
// until the handshake has keyed srtpdec and media was decrypted, stops and destroys it. No cycle
// may hang (a bounded wait each), no GstObject may survive (GStreamer's leaks tracer at exit) and
// the heap may not grow with the number of cycles (mallinfo2 after the first tenth against the
// end).
//
// SECMEDIA_CHURN_CYCLES overrides the count (the sanitizer build runs fewer: each cycle is slower).
#include <gst/gst.h>
#include <gtest/gtest.h>
#include <malloc.h>

#include <cstdlib>
#include <string>

#include "gst_test_support.h"

namespace {

int cycles() {
  const char* text = std::getenv("SECMEDIA_CHURN_CYCLES");
  return text ? std::atoi(text) : 1000;
}

size_t heap_in_use() {
  malloc_trim(0);
  return mallinfo2().uordblks;
}

// One call: a sends audio to b as SRTP keyed by their handshake; b's dtlsenc answers a's dtlsdec.
// Returns "" when media arrived decrypted, else what went wrong.
std::string one_call(int n) {
  const std::string a = "churn-a" + std::to_string(n);
  const std::string b = "churn-b" + std::to_string(n);
  const std::string description =
      "audiotestsrc is-live=true samplesperbuffer=160 ! alawenc ! rtppcmapay ! srtpenc ! "
      "dtlsenc connection-id=" +
      a + " is-client=true ! dtlsdec connection-id=" + b +
      " ! srtpdec name=dec ! fakesink name=sink async=false sync=false "
      "dtlsenc connection-id=" +
      b + " ! dtlsdec connection-id=" + a + " ! fakesink async=false sync=false";
  GError* error = nullptr;
  GstElement* pipeline = gst_parse_launch(description.c_str(), &error);
  if (!pipeline) {
    std::string why = error ? error->message : "no pipeline";
    g_clear_error(&error);
    return why;
  }
  GstElement* dec = gst_bin_get_by_name(GST_BIN(pipeline), "dec");
  std::string result;
  if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    result = "PLAYING failed";
  } else {
    const auto decrypted = [dec] {
      GstStructure* stats = secmedia::test::stats_of(dec);
      guint64 packets = 0;
      gst_structure_get_uint64(stats, "rtp-packets", &packets);
      gst_structure_free(stats);
      return packets > 0;
    };
    const std::string bus_error = secmedia::test::wait_for(pipeline, decrypted, 20);
    if (!bus_error.empty()) {
      result = bus_error;
    } else if (!decrypted()) {
      result = "no media decrypted within 20 s";
    }
  }
  gst_object_unref(dec);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
  return result;
}

TEST(DtlsCallChurn, ManyCallsConnectAndGoWithoutLeakOrHang) {
  const int total = cycles();
  ASSERT_GT(total, 10);
  size_t after_warm_up = 0;
  int failed = 0;
  std::string first_failure;
  const gint64 started = g_get_monotonic_time();
  for (int n = 0; n < total; ++n) {
    const std::string why = one_call(n);
    if (!why.empty() && failed++ == 0) first_failure = "cycle " + std::to_string(n) + ": " + why;
    if (n + 1 == total / 10) after_warm_up = heap_in_use();
  }
  gst_task_cleanup_all();
  const size_t at_end = heap_in_use();
  const double seconds = (g_get_monotonic_time() - started) / 1e6;
  const long long growth = static_cast<long long>(at_end) - static_cast<long long>(after_warm_up);
  std::printf(
      "%d calls in %.1f s (%.1f ms each); heap in use after %d: %zu B, at the end: %zu B "
      "(%+lld B, %+.1f B per call)\n",
      total, seconds, 1000 * seconds / total, total / 10, after_warm_up, at_end, growth,
      static_cast<double>(growth) / (total - total / 10));
  EXPECT_EQ(failed, 0) << first_failure;
  // The heap in use moves by about ±100 KB between runs without any leak (allocator caches, the
  // per-thread state OpenSSL keeps for pool threads); a call's own objects (an SSL connection, a
  // session, buffers) are kilobytes, so 512 B a call (460 KB over 900 calls) tells a leak from that
  // noise. GstObjects leaked are caught one by one by the leaks tracer at exit.
  EXPECT_LT(growth, 512 * (total - total / 10)) << "the heap grows with the number of calls";
}

}  // namespace

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  return secmedia::test::run_all_tests_checking_gst_leaks();
}
