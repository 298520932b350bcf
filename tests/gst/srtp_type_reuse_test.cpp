// SPDX-License-Identifier: LGPL-2.1-or-later
// srtpenc's cipher and auth enums in a process where a type of gst-plugins-bad's name already
// exists (its srtp plugin loaded first): a matching one is shared, so applications' GValues of it
// set our properties; one that does not match leaves ours under a name of its own, and both keep
// working.
#include <gst/gst.h>
#include <gtest/gtest.h>

#include "gst_test_support.h"

namespace {

// gst-plugins-bad 1.22's GstSrtpCipherType: our values without aes-192-icm.
const GEnumValue kTheirCiphers[] = {
    {0, "GST_SRTP_CIPHER_NULL", "null"},
    {1, "GST_SRTP_CIPHER_AES_128_ICM", "aes-128-icm"},
    {2, "GST_SRTP_CIPHER_AES_256_ICM", "aes-256-icm"},
    {3, "GST_SRTP_CIPHER_AES_128_GCM", "aes-128-gcm"},
    {4, "GST_SRTP_CIPHER_AES_256_GCM", "aes-256-gcm"},
    {0, nullptr, nullptr},
};
// A GstSrtpAuthType of another vocabulary (value 2 means something else).
const GEnumValue kOtherAuths[] = {
    {0, "OTHER_AUTH_NULL", "null"},
    {2, "OTHER_AUTH_POLY1305", "poly1305"},
    {0, nullptr, nullptr},
};

GType their_cipher_type = 0;
GType other_auth_type = 0;

TEST(SrtpTypeReuse, AMatchingTypeOfGstPluginsBadsNameIsShared) {
  GstElement* enc = gst_element_factory_make("srtpenc", nullptr);
  ASSERT_NE(enc, nullptr);
  GParamSpec* spec = g_object_class_find_property(G_OBJECT_GET_CLASS(enc), "rtp-cipher");
  EXPECT_EQ(spec->value_type, their_cipher_type);
  GValue cipher = G_VALUE_INIT;
  g_value_init(&cipher, their_cipher_type);
  g_value_set_enum(&cipher, 3);
  g_object_set_property(G_OBJECT(enc), "rtp-cipher", &cipher);
  g_value_unset(&cipher);
  gint value = -1;
  g_object_get(enc, "rtp-cipher", &value, nullptr);
  EXPECT_EQ(value, 3);
  gst_object_unref(enc);
}

TEST(SrtpTypeReuse, AnotherVocabularyUnderThatNameLeavesOursItsOwnName) {
  GstElement* enc = gst_element_factory_make("srtpenc", nullptr);
  ASSERT_NE(enc, nullptr);
  GParamSpec* spec = g_object_class_find_property(G_OBJECT_GET_CLASS(enc), "rtp-auth");
  EXPECT_NE(spec->value_type, other_auth_type);
  EXPECT_STREQ(g_type_name(spec->value_type), "SecmediaSrtpAuthType");
  gst_util_set_object_arg(G_OBJECT(enc), "rtp-auth", "hmac-sha1-32");
  gint value = -1;
  g_object_get(enc, "rtp-auth", &value, nullptr);
  EXPECT_EQ(value, 1);
  gst_object_unref(enc);
}

}  // namespace

int main(int argc, char** argv) {
  // Before any of our elements exists, as when gst-plugins-bad's srtp plugin was loaded first.
  their_cipher_type = g_enum_register_static("GstSrtpCipherType", kTheirCiphers);
  other_auth_type = g_enum_register_static("GstSrtpAuthType", kOtherAuths);
  gst_init(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  return secmedia::test::run_all_tests_checking_gst_leaks();
}
