// SPDX-License-Identifier: LGPL-2.1-or-later
// srtpenc and srtpdec show gst-plugins-bad 1.22's interface (names, pads, properties, enums,
// signals, the enum GType names applications look up) and are loaded from our plugin file.
#include <gst/gst.h>
#include <gtest/gtest.h>

#include "gst_test_support.h"

#include <cstdlib>
#include <string>

namespace {

GParamSpec* property(GstElement* element, const char* name) {
  return g_object_class_find_property(G_OBJECT_GET_CLASS(element), name);
}

void expect_enum(GParamSpec* spec, std::initializer_list<std::pair<int, const char*>> values) {
  ASSERT_NE(spec, nullptr);
  ASSERT_TRUE(G_IS_PARAM_SPEC_ENUM(spec));
  GEnumClass* klass = G_PARAM_SPEC_ENUM(spec)->enum_class;
  for (const auto& [value, nick] : values) {
    GEnumValue* v = g_enum_get_value(klass, value);
    ASSERT_NE(v, nullptr) << nick;
    EXPECT_STREQ(v->value_nick, nick);
  }
}

TEST(SrtpEncInterface, PropertiesPadsAndSignalsOfGstPluginsBad) {
  GstElement* enc = gst_element_factory_make("srtpenc", nullptr);
  ASSERT_NE(enc, nullptr);
  EXPECT_STREQ(G_OBJECT_TYPE_NAME(enc), "SecmediaSrtpEnc");
  for (const char* name : {"key", "mki"}) {
    GParamSpec* spec = property(enc, name);
    ASSERT_NE(spec, nullptr) << name;
    EXPECT_EQ(spec->value_type, GST_TYPE_BUFFER) << name;
    EXPECT_TRUE(spec->flags & GST_PARAM_MUTABLE_PLAYING) << name;
  }
  for (const char* name : {"rtp-cipher", "rtcp-cipher"}) {
    expect_enum(property(enc, name), {{0, "null"},
                                      {1, "aes-128-icm"},
                                      {2, "aes-256-icm"},
                                      {3, "aes-128-gcm"},
                                      {4, "aes-256-gcm"},
                                      {5, "aes-192-icm"}});
    EXPECT_EQ(G_PARAM_SPEC_ENUM(property(enc, name))->default_value, 1);
    EXPECT_STREQ(g_type_name(property(enc, name)->value_type), "GstSrtpCipherType");
  }
  for (const char* name : {"rtp-auth", "rtcp-auth"}) {
    expect_enum(property(enc, name), {{0, "null"}, {1, "hmac-sha1-32"}, {2, "hmac-sha1-80"}});
    EXPECT_EQ(G_PARAM_SPEC_ENUM(property(enc, name))->default_value, 2);
  }
  for (const char* name : {"random-key", "allow-repeat-tx"}) {
    ASSERT_NE(property(enc, name), nullptr) << name;
    EXPECT_EQ(property(enc, name)->value_type, G_TYPE_BOOLEAN);
  }
  GParamSpec* window = property(enc, "replay-window-size");
  ASSERT_NE(window, nullptr);
  EXPECT_EQ(G_PARAM_SPEC_UINT(window)->minimum, 64u);
  EXPECT_EQ(G_PARAM_SPEC_UINT(window)->maximum, 32768u);
  ASSERT_NE(property(enc, "stats"), nullptr);
  EXPECT_EQ(property(enc, "stats")->value_type, GST_TYPE_STRUCTURE);

  guint soft_limit = g_signal_lookup("soft-limit", G_OBJECT_TYPE(enc));
  ASSERT_NE(soft_limit, 0u);
  GSignalQuery query;
  g_signal_query(soft_limit, &query);
  EXPECT_EQ(query.n_params, 0u);

  struct Template {
    const char* name;
    GstPadDirection direction;
    GstPadPresence presence;
  };
  for (const Template& t : {Template{"rtp_sink_%u", GST_PAD_SINK, GST_PAD_REQUEST},
                            Template{"rtcp_sink_%u", GST_PAD_SINK, GST_PAD_REQUEST},
                            Template{"rtp_src_%u", GST_PAD_SRC, GST_PAD_SOMETIMES},
                            Template{"rtcp_src_%u", GST_PAD_SRC, GST_PAD_SOMETIMES}}) {
    GstPadTemplate* templ = gst_element_get_pad_template(enc, t.name);
    ASSERT_NE(templ, nullptr) << t.name;
    EXPECT_EQ(GST_PAD_TEMPLATE_DIRECTION(templ), t.direction);
    EXPECT_EQ(GST_PAD_TEMPLATE_PRESENCE(templ), t.presence);
  }
  gst_object_unref(enc);
}

// Regression: gst-plugins-bad 1.22 names a pad requested by template "pad0"; ours are numbered.
TEST(SrtpEncInterface, RequestedPadsAreNamedLikeTheirTemplate) {
  GstElement* enc = gst_element_factory_make("srtpenc", nullptr);
  GstPad* rtp0 = gst_element_request_pad_simple(enc, "rtp_sink_%u");
  GstPad* rtcp0 = gst_element_request_pad_simple(enc, "rtcp_sink_%u");
  GstPad* rtp5 = gst_element_request_pad_simple(enc, "rtp_sink_5");
  GstPad* rtp1 = gst_element_request_pad_simple(enc, "rtp_sink_%u");
  EXPECT_STREQ(GST_PAD_NAME(rtp0), "rtp_sink_0");
  EXPECT_STREQ(GST_PAD_NAME(rtcp0), "rtcp_sink_0");
  EXPECT_STREQ(GST_PAD_NAME(rtp5), "rtp_sink_5");
  EXPECT_STREQ(GST_PAD_NAME(rtp1), "rtp_sink_1");
  GstPad* src5 = gst_element_get_static_pad(enc, "rtp_src_5");
  EXPECT_NE(src5, nullptr);
  gst_element_release_request_pad(enc, rtp5);
  GstPad* gone = gst_element_get_static_pad(enc, "rtp_src_5");
  EXPECT_EQ(gone, nullptr);
  for (GstPad* pad : {rtp0, rtcp0, rtp5, rtp1, src5}) {
    if (pad) gst_object_unref(pad);
  }
  gst_object_unref(enc);
}

TEST(SrtpDecInterface, PropertiesPadsAndSignalsOfGstPluginsBad) {
  GstElement* dec = gst_element_factory_make("srtpdec", nullptr);
  ASSERT_NE(dec, nullptr);
  EXPECT_STREQ(G_OBJECT_TYPE_NAME(dec), "SecmediaSrtpDec");
  for (const char* name : {"rtp_sink", "rtp_src", "rtcp_sink", "rtcp_src"}) {
    GstPad* pad = gst_element_get_static_pad(dec, name);
    EXPECT_NE(pad, nullptr) << name;
    if (pad) gst_object_unref(pad);
  }
  ASSERT_NE(property(dec, "replay-window-size"), nullptr);
  ASSERT_NE(property(dec, "stats"), nullptr);
  for (const char* name : {"request-key", "soft-limit", "hard-limit"}) {
    guint id = g_signal_lookup(name, G_OBJECT_TYPE(dec));
    ASSERT_NE(id, 0u) << name;
    GSignalQuery query;
    g_signal_query(id, &query);
    EXPECT_EQ(query.return_type & ~G_SIGNAL_TYPE_STATIC_SCOPE, GST_TYPE_CAPS) << name;
    ASSERT_EQ(query.n_params, 1u) << name;
    EXPECT_EQ(query.param_types[0] & ~G_SIGNAL_TYPE_STATIC_SCOPE, G_TYPE_UINT) << name;
  }
  for (const char* name : {"clear-keys", "remove-key"}) {
    guint id = g_signal_lookup(name, G_OBJECT_TYPE(dec));
    ASSERT_NE(id, 0u) << name;
    GSignalQuery query;
    g_signal_query(id, &query);
    EXPECT_TRUE(query.signal_flags & G_SIGNAL_ACTION) << name;
  }
  GstStructure* stats = nullptr;
  g_object_get(dec, "stats", &stats, nullptr);
  ASSERT_NE(stats, nullptr);
  EXPECT_TRUE(gst_structure_has_name(stats, "application/x-srtp-decoder-stats"));
  EXPECT_TRUE(gst_structure_has_field(stats, "streams"));
  EXPECT_TRUE(gst_structure_has_field(stats, "recv-count"));
  EXPECT_TRUE(gst_structure_has_field(stats, "recv-drop-count"));
  gst_structure_free(stats);
  gst_object_unref(dec);
}

// Regression: GstSrtpCipherType/GstSrtpAuthType were not found by name, so gst-rtsp-server crashed
// answering a RECORD ANNOUNCE (stream_make_keymgmt) and rtspsrc could not set its RTCP encoder.
TEST(SrtpEncInterface, EnumTypesAreFoundByNameAsRtspsrcAndGstRtspServerDo) {
  GstElement* enc = gst_element_factory_make("srtpenc", nullptr);
  ASSERT_NE(enc, nullptr);
  const GType cipher_type = g_type_from_name("GstSrtpCipherType");
  const GType auth_type = g_type_from_name("GstSrtpAuthType");
  ASSERT_NE(cipher_type, 0u);
  ASSERT_NE(auth_type, 0u);
  EXPECT_EQ(property(enc, "rtcp-cipher")->value_type, cipher_type);
  EXPECT_EQ(property(enc, "rtcp-auth")->value_type, auth_type);
  // rtspsrc's request_rtcp_encoder: GValues of the looked-up types, filled from the MIKEY caps'
  // nicks.
  GValue cipher = G_VALUE_INIT;
  GValue auth = G_VALUE_INIT;
  g_value_init(&cipher, cipher_type);
  g_value_init(&auth, auth_type);
  ASSERT_TRUE(gst_value_deserialize(&cipher, "aes-256-icm"));
  ASSERT_TRUE(gst_value_deserialize(&auth, "hmac-sha1-32"));
  g_object_set_property(G_OBJECT(enc), "rtp-cipher", &cipher);
  g_object_set_property(G_OBJECT(enc), "rtcp-auth", &auth);
  g_value_unset(&cipher);
  g_value_unset(&auth);
  // gst-rtsp-server's stream_make_keymgmt: ints through the looked-up classes to nicks.
  gint rtp_cipher = -1, rtcp_auth = -1;
  g_object_get(enc, "rtp-cipher", &rtp_cipher, "rtcp-auth", &rtcp_auth, nullptr);
  auto* cipher_class = static_cast<GEnumClass*>(g_type_class_ref(cipher_type));
  auto* auth_class = static_cast<GEnumClass*>(g_type_class_ref(auth_type));
  ASSERT_NE(g_enum_get_value(cipher_class, rtp_cipher), nullptr);
  ASSERT_NE(g_enum_get_value(auth_class, rtcp_auth), nullptr);
  EXPECT_STREQ(g_enum_get_value(cipher_class, rtp_cipher)->value_nick, "aes-256-icm");
  EXPECT_STREQ(g_enum_get_value(auth_class, rtcp_auth)->value_nick, "hmac-sha1-32");
  g_type_class_unref(cipher_class);
  g_type_class_unref(auth_class);
  gst_object_unref(enc);
}

// GST_PLUGIN_PATH=<build>/gst alone makes ours the srtp plugin, although gst-plugins-bad is
// installed.
TEST(PluginLoading, OurPluginFileProvidesTheElements) {
  const char* expected_dir = std::getenv("SECMEDIA_GST_PLUGIN_DIR");
  ASSERT_NE(expected_dir, nullptr);
  for (const char* name : {"srtpenc", "srtpdec"}) {
    GstElementFactory* factory = gst_element_factory_find(name);
    ASSERT_NE(factory, nullptr) << name;
    GstPlugin* plugin = gst_plugin_feature_get_plugin(GST_PLUGIN_FEATURE(factory));
    ASSERT_NE(plugin, nullptr);
    const std::string file = gst_plugin_get_filename(plugin);
    EXPECT_EQ(file, std::string(expected_dir) + "/libgstsrtp.so") << name;
    gst_object_unref(plugin);
    gst_object_unref(factory);
  }
}

}  // namespace

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  return secmedia::test::run_all_tests_checking_gst_leaks();
}
