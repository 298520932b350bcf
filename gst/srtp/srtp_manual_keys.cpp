// SPDX-License-Identifier: LGPL-2.1-or-later
#include "srtp_manual_keys.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <cstring>
#include <span>
#include <vector>

#include "srtp_buffer.h"

namespace secmedia::gst {

namespace {

void replace(GstBuffer*& slot, const GValue* value) {
  if (slot) gst_buffer_unref(slot);
  slot = static_cast<GstBuffer*>(g_value_dup_boxed(value));
}

}  // namespace

ManualKeys::~ManualKeys() {
  if (key) gst_buffer_unref(key);
  if (mki) gst_buffer_unref(mki);
}

bool ManualKeys::set(const GParamSpec* pspec, const GValue* value) {
  const char* name = g_param_spec_get_name(const_cast<GParamSpec*>(pspec));
  if (std::strcmp(name, "key") == 0) {
    replace(key, value);
    key_is_random = false;
  } else if (std::strcmp(name, "mki") == 0) {
    replace(mki, value);
  } else if (std::strcmp(name, "rtp-cipher") == 0) {
    rtp_cipher = static_cast<SrtpCipher>(g_value_get_enum(value));
  } else if (std::strcmp(name, "rtp-auth") == 0) {
    rtp_auth = static_cast<SrtpAuth>(g_value_get_enum(value));
  } else if (std::strcmp(name, "rtcp-cipher") == 0) {
    rtcp_cipher = static_cast<SrtpCipher>(g_value_get_enum(value));
  } else if (std::strcmp(name, "rtcp-auth") == 0) {
    rtcp_auth = static_cast<SrtpAuth>(g_value_get_enum(value));
  } else if (std::strcmp(name, "random-key") == 0) {
    random_key = g_value_get_boolean(value);
  } else {
    return false;
  }
  return true;
}

bool ManualKeys::get(const GParamSpec* pspec, GValue* value) const {
  const char* name = g_param_spec_get_name(const_cast<GParamSpec*>(pspec));
  if (std::strcmp(name, "key") == 0) {
    g_value_set_boxed(value, key);
  } else if (std::strcmp(name, "mki") == 0) {
    g_value_set_boxed(value, mki);
  } else if (std::strcmp(name, "rtp-cipher") == 0) {
    g_value_set_enum(value, rtp_cipher);
  } else if (std::strcmp(name, "rtp-auth") == 0) {
    g_value_set_enum(value, rtp_auth);
  } else if (std::strcmp(name, "rtcp-cipher") == 0) {
    g_value_set_enum(value, rtcp_cipher);
  } else if (std::strcmp(name, "rtcp-auth") == 0) {
    g_value_set_enum(value, rtcp_auth);
  } else if (std::strcmp(name, "random-key") == 0) {
    g_value_set_boolean(value, random_key);
  } else {
    return false;
  }
  return true;
}

std::string ManualKeys::describe() const {
  std::string text = std::string("rtp-cipher ") + cipher_nick(rtp_cipher) + ", rtp-auth " +
                     auth_nick(rtp_auth) + ", rtcp-cipher " + cipher_nick(rtcp_cipher) +
                     ", rtcp-auth " + auth_nick(rtcp_auth);
  if (mki) text += ", mki of " + std::to_string(gst_buffer_get_size(mki)) + " bytes";
  return text;
}

std::optional<SrtpKeyingMaterial> ManualKeys::value(std::string& problem) {
  std::string why;
  const auto rtp_profile = profile_for(rtp_cipher, rtp_auth, &why);
  if (!rtp_profile) {
    problem = std::string("rtp-cipher ") + cipher_nick(rtp_cipher) + " with rtp-auth " +
              auth_nick(rtp_auth) + ": " + why;
    return std::nullopt;
  }
  const auto rtcp_profile = profile_for(rtcp_cipher, rtcp_auth, &why);
  if (!rtcp_profile) {
    problem = std::string("rtcp-cipher ") + cipher_nick(rtcp_cipher) + " with rtcp-auth " +
              auth_nick(rtcp_auth) + ": " + why;
    return std::nullopt;
  }
  const SrtpProfileInfo& info = profile_info(*rtp_profile);
  const SrtpProfileInfo& rtcp_info = profile_info(*rtcp_profile);
  if (info.master_key_length != rtcp_info.master_key_length ||
      info.master_salt_length != rtcp_info.master_salt_length) {
    problem = std::string("rtp-cipher ") + cipher_nick(rtp_cipher) + " and rtcp-cipher " +
              cipher_nick(rtcp_cipher) + " need master keys of different sizes";
    return std::nullopt;
  }
  const size_t needed = info.master_key_length + info.master_salt_length;
  if (key && key_is_random && gst_buffer_get_size(key) != needed) {
    // The cipher changed after a random key was made for another one: make one that fits.
    gst_buffer_unref(key);
    key = nullptr;
  }
  if (!key && random_key) {
    // Keys come from OpenSSL's CSPRNG (gst-plugins-bad used g_random_int, which is not one).
    std::vector<uint8_t> random(needed);
    if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
      problem = "OpenSSL could not generate a random key";
      return std::nullopt;
    }
    key = gst_buffer_new_memdup(random.data(), random.size());
    key_is_random = true;
    OPENSSL_cleanse(random.data(), random.size());
  }
  if (!key) {
    problem = "no key: set the key property, random-key, or link a DTLS element";
    return std::nullopt;
  }
  std::vector<uint8_t> bytes = buffer_bytes(key);
  const std::vector<uint8_t> mki_bytes = mki ? buffer_bytes(mki) : std::vector<uint8_t>();
  std::optional<SrtpKeyingMaterial> material;
  if (bytes.size() != needed) {
    problem = "the key has " + std::to_string(bytes.size()) + " bytes; rtp-cipher " +
              cipher_nick(rtp_cipher) + " (" + std::string(info.name) + ") needs " +
              std::to_string(needed) + " (master key and salt)";
  } else if (mki_bytes.size() > kSrtpMaxMkiLength) {
    problem = "the mki has " + std::to_string(mki_bytes.size()) + " bytes; at most " +
              std::to_string(kSrtpMaxMkiLength);
  } else {
    const std::span<const uint8_t> all(bytes);
    material = SrtpKeyingMaterial::symmetric(*rtp_profile, *rtcp_profile,
                                             all.first(info.master_key_length),
                                             all.subspan(info.master_key_length), mki_bytes, 0);
  }
  OPENSSL_cleanse(bytes.data(), bytes.size());
  return material;
}

void install_manual_key_properties(GObjectClass* klass, guint first, guint mki_id) {
  const auto mutable_flags = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                                      GST_PARAM_MUTABLE_PLAYING);
  const auto flags = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_property(
      klass, first,
      g_param_spec_boxed(
          "key", "Key",
          "Master key and salt (30 bytes for AES-128-ICM, 38 for AES-192-ICM, 46 for "
          "AES-256-ICM, 28 for AES-128-GCM, 44 for AES-256-GCM). Ignored while a "
          "DTLS element downstream provides keys. Sent in the output caps as srtp-key (as "
          "gst-plugins-bad does: MIKEY in gst-rtsp-server and rtspclientsink reads it there); "
          "keys negotiated by DTLS never appear in caps, logs or properties.",
          GST_TYPE_BUFFER, mutable_flags));
  g_object_class_install_property(
      klass, first + 1,
      g_param_spec_enum("rtp-cipher", "RTP Cipher", "RTP Cipher", srtp_cipher_get_type(),
                        kCipherAes128Icm, flags));
  g_object_class_install_property(
      klass, first + 2,
      g_param_spec_enum("rtp-auth", "RTP Authentication",
                        "RTP Authentication (ignored with AES-GCM, which has its own tag)",
                        srtp_auth_get_type(), kAuthHmacSha1_80, flags));
  g_object_class_install_property(
      klass, first + 3,
      g_param_spec_enum("rtcp-cipher", "RTCP Cipher", "RTCP Cipher", srtp_cipher_get_type(),
                        kCipherAes128Icm, flags));
  g_object_class_install_property(
      klass, first + 4,
      g_param_spec_enum("rtcp-auth", "RTCP Authentication",
                        "RTCP Authentication (ignored with AES-GCM, which has its own tag)",
                        srtp_auth_get_type(), kAuthHmacSha1_80, flags));
  g_object_class_install_property(
      klass, first + 5,
      g_param_spec_boolean("random-key", "Generate random key",
                           "Generate a random key from OpenSSL's CSPRNG if no key is set (at the "
                           "change to READY; then readable as key and sent in the caps)",
                           FALSE, flags));
  g_object_class_install_property(
      klass, mki_id,
      g_param_spec_boxed("mki", "MKI", "Master key Identifier (NULL means no MKI)", GST_TYPE_BUFFER,
                         mutable_flags));
}

}  // namespace secmedia::gst
