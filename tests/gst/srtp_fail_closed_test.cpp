// SPDX-License-Identifier: LGPL-2.1-or-later
// srtpenc and srtpdec fail closed on their security settings: a value that cannot be used is
// refused with a warning naming the property and the value, the element refuses to start (an
// element error at NULL->READY) until a valid value replaces it, and nothing is ever sent under
// weaker settings. Regression: encrypted-header-ids=1,300 on srtpenc was silently refused (it read
// back empty) and every header extension went out in clear.
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gst_test_support.h"
#include "packets.h"

namespace secmedia {
namespace {

using test::make_rtp;
using test::RtpSpec;
using test::to_buffer;

const std::vector<uint8_t> kKey30(30, 0x42);

// Collects the GLib warnings logged while it lives.
class WarningLog {
 public:
  WarningLog() { previous_ = g_log_set_default_handler(&WarningLog::handle, this); }
  ~WarningLog() { g_log_set_default_handler(previous_, nullptr); }
  const std::string& text() const { return text_; }

 private:
  static void handle(const gchar*, GLogLevelFlags level, const gchar* message, gpointer data) {
    if ((level & G_LOG_LEVEL_WARNING) != 0) static_cast<WarningLog*>(data)->text_ += message;
  }
  GLogFunc previous_;
  std::string text_;
};

// The element (not floating) in a pipeline, so that its error reaches a bus, going to READY: the
// error's text, or "" when it started.
std::string start(GstElement* element) {
  GstElement* pipeline = gst_pipeline_new(nullptr);
  gst_bin_add(GST_BIN(pipeline), element);  // the bin takes a reference of its own
  const GstStateChangeReturn ret = gst_element_set_state(pipeline, GST_STATE_READY);
  std::string error;
  GstBus* bus = gst_element_get_bus(pipeline);
  if (GstMessage* m = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR)) {
    GError* e = nullptr;
    gchar* debug = nullptr;
    gst_message_parse_error(m, &e, &debug);
    error = std::string(e->message) + ": " + (debug ? debug : "");
    g_error_free(e);
    g_free(debug);
    gst_message_unref(m);
  }
  gst_object_unref(bus);
  EXPECT_EQ(ret == GST_STATE_CHANGE_FAILURE, !error.empty()) << error;
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_bin_remove(GST_BIN(pipeline), element);
  gst_object_unref(pipeline);
  return error;
}

void set_key(GstElement* element) {
  GstBuffer* key = to_buffer(kKey30);
  g_object_set(element, "key", key, nullptr);
  gst_buffer_unref(key);
}

class HeaderIds : public ::testing::TestWithParam<const char*> {};

TEST_P(HeaderIds, AnInvalidListIsRefusedAndTheElementDoesNotStart) {
  GstElement* element =
      GST_ELEMENT(gst_object_ref_sink(gst_element_factory_make(GetParam(), nullptr)));
  if (g_str_equal(GetParam(), "srtpenc")) set_key(element);
  {
    WarningLog log;
    g_object_set(element, "encrypted-header-ids", "1,300", nullptr);
    EXPECT_NE(log.text().find("encrypted-header-ids"), std::string::npos) << log.text();
    EXPECT_NE(log.text().find("1,300"), std::string::npos) << log.text();
  }
  std::string error = start(element);
  EXPECT_NE(error.find("encrypted-header-ids"), std::string::npos) << error;
  EXPECT_NE(error.find("1,300"), std::string::npos) << error;
  // Still refused on a second try: the element remembers.
  EXPECT_FALSE(start(element).empty());
  // A valid value afterwards clears it.
  g_object_set(element, "encrypted-header-ids", "1,3", nullptr);
  gchar* ids = nullptr;
  g_object_get(element, "encrypted-header-ids", &ids, nullptr);
  EXPECT_STREQ(ids, "1,3");
  g_free(ids);
  EXPECT_EQ(start(element), "");
  gst_object_unref(element);
}

INSTANTIATE_TEST_SUITE_P(Elements, HeaderIds, ::testing::Values("srtpenc", "srtpdec"));

// Set while playing, an invalid list stops srtpenc from sending anything (counted as dropped
// without a key) instead of sending the extensions in clear; a valid list resumes protection.
TEST(SrtpEncFailClosed, InvalidHeaderIdsWhilePlayingSendNothing) {
  GstHarness* h = gst_harness_new_with_padnames("srtpenc", "rtp_sink_0", "rtp_src_0");
  gst_harness_set_src_caps_str(h, "application/x-rtp");
  set_key(h->element);
  g_object_set(h->element, "encrypted-header-ids", "1", nullptr);
  RtpSpec spec;
  spec.extension_words = 1;
  const auto push = [&](uint16_t sequence) {
    spec.sequence = sequence;
    EXPECT_EQ(gst_harness_push(h, to_buffer(make_rtp(spec))), GST_FLOW_OK);
  };
  push(1);
  EXPECT_EQ(gst_harness_buffers_received(h), 1u);
  {
    WarningLog log;
    g_object_set(h->element, "encrypted-header-ids", "1,300", nullptr);
  }
  push(2);
  EXPECT_EQ(gst_harness_buffers_received(h), 1u);
  GstStructure* stats = test::stats_of(h->element);
  guint64 dropped = 0;
  gst_structure_get_uint64(stats, "dropped-no-key", &dropped);
  EXPECT_EQ(dropped, 1u);
  gst_structure_free(stats);
  g_object_set(h->element, "encrypted-header-ids", "1,3", nullptr);
  push(3);
  EXPECT_EQ(gst_harness_buffers_received(h), 2u);
  gst_harness_teardown(h);
}

struct Combination {
  const char* settings;  // srtpenc properties, "name=value ..."
  bool random_key;
  std::vector<const char*> named;  // what the error must name
};

class CipherCombinations : public ::testing::TestWithParam<Combination> {};

// A cipher/auth/key combination that cannot work refuses READY with the properties and values that
// make it so; never a fallback to another profile.
TEST_P(CipherCombinations, AreRefusedWithThePropertiesNamed) {
  const Combination& c = GetParam();
  GstElement* element =
      GST_ELEMENT(gst_object_ref_sink(gst_element_factory_make("srtpenc", nullptr)));
  gchar** pairs = g_strsplit(c.settings, " ", -1);
  for (gchar** p = pairs; *p; ++p) {
    gchar** kv = g_strsplit(*p, "=", 2);
    gst_util_set_object_arg(G_OBJECT(element), kv[0], kv[1]);
    g_strfreev(kv);
  }
  g_strfreev(pairs);
  if (c.random_key) {
    g_object_set(element, "random-key", TRUE, nullptr);
  } else {
    set_key(element);
  }
  const std::string error = start(element);
  ASSERT_FALSE(error.empty()) << c.settings;
  for (const char* name : c.named) EXPECT_NE(error.find(name), std::string::npos) << error;
  gst_object_unref(element);
}

INSTANTIATE_TEST_SUITE_P(
    Settings, CipherCombinations,
    ::testing::Values(
        Combination{"rtp-auth=null", false, {"rtp-cipher aes-128-icm", "rtp-auth null"}},
        Combination{"rtcp-cipher=aes-256-icm rtcp-auth=null", false, {"rtcp-cipher", "rtcp-auth"}},
        // random-key used to hide these: no key was made, so nothing was checked at READY.
        Combination{"rtp-auth=null", true, {"rtp-auth null"}},
        Combination{
            "rtp-cipher=aes-256-icm", true, {"rtp-cipher aes-256-icm", "rtcp-cipher aes-128-icm"}},
        Combination{"rtp-cipher=null encrypted-header-ids=1",
                    false,
                    {"rtp-cipher null", "encrypted-header-ids 1"}},
        Combination{"rtp-cipher=null cryptex=required", false, {"cryptex required"}}));

}  // namespace
}  // namespace secmedia

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  g_log_set_always_fatal(static_cast<GLogLevelFlags>(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR));
  ::testing::InitGoogleTest(&argc, argv);
  return secmedia::test::run_all_tests_checking_gst_leaks();
}
