// SPDX-License-Identifier: LGPL-2.1-or-later
#include "srtp_header_privacy.h"

#include <cctype>

namespace secmedia::gst {

GType cryptex_mode_get_type() {
  static GType type = 0;
  if (g_once_init_enter(&type)) {
    static const GEnumValue values[] = {
        {static_cast<gint>(CryptexMode::off), "Cryptex off: headers as RFC 3711", "off"},
        {static_cast<gint>(CryptexMode::accept),
         "Cryptex accepted: decrypt it when it comes, send it", "accept"},
        {static_cast<gint>(CryptexMode::required),
         "Cryptex required: refuse CSRCs or extensions in clear", "required"},
        {0, nullptr, nullptr},
    };
    g_once_init_leave(&type, g_enum_register_static("SecmediaCryptexMode", values));
  }
  return type;
}

std::optional<std::vector<uint8_t>> parse_extension_ids(const char* text, std::string* why) {
  std::vector<uint8_t> ids;
  if (text == nullptr) return ids;
  unsigned value = 0;
  bool in_number = false;
  for (const char* p = text;; ++p) {
    const char c = *p;
    if (std::isdigit(static_cast<unsigned char>(c))) {
      value = value * 10 + static_cast<unsigned>(c - '0');
      in_number = true;
      if (value > kMaxHeaderExtensionId) break;
      continue;
    }
    if (c == ' ') continue;
    if (c != ',' && c != '\0') break;
    if (in_number) {
      if (value == 0) break;
      ids.push_back(static_cast<uint8_t>(value));
    } else if (c == ',') {
      break;
    }
    if (c == '\0') return ids;
    value = 0;
    in_number = false;
  }
  if (why)
    *why = std::string("header extension IDs must be a comma-separated list of 1-255, not '") +
           text + "'";
  return std::nullopt;
}

std::string format_extension_ids(const std::vector<uint8_t>& ids) {
  std::string text;
  for (const uint8_t id : ids) {
    if (!text.empty()) text += ',';
    text += std::to_string(id);
  }
  return text;
}

bool parse_header_privacy_fields(const GstStructure* s, HeaderPrivacyFields& out,
                                 std::string* why) {
  out = {};
  const auto fail = [why](std::string reason) {
    if (why) *why = std::move(reason);
    return false;
  };
  // A field of another type is refused, not ignored: ignoring it would send or expect other header
  // protection than the application wrote. An int is one ID: gst-launch-1.0 and
  // gst_caps_from_string() read srtp-encrypted-header-ids=5 as an int (a list needs quotes).
  if (const GValue* ids = gst_structure_get_value(s, "srtp-encrypted-header-ids")) {
    if (G_VALUE_HOLDS_INT(ids)) {
      const int id = g_value_get_int(ids);
      if (id < 1 || id > kMaxHeaderExtensionId) {
        return fail("srtp-encrypted-header-ids: an ID is 1-255, not " + std::to_string(id));
      }
      out.encrypted_header_ids = std::vector<uint8_t>{static_cast<uint8_t>(id)};
    } else if (G_VALUE_HOLDS_STRING(ids)) {
      std::string problem;
      out.encrypted_header_ids = parse_extension_ids(g_value_get_string(ids), &problem);
      if (!out.encrypted_header_ids) return fail("srtp-encrypted-header-ids: " + problem);
    } else {
      return fail(std::string("srtp-encrypted-header-ids must be a string, not a ") +
                  G_VALUE_TYPE_NAME(ids));
    }
  }
  if (const GValue* mode = gst_structure_get_value(s, "srtp-cryptex")) {
    if (!G_VALUE_HOLDS_STRING(mode)) {
      return fail(std::string("srtp-cryptex must be a string, not a ") + G_VALUE_TYPE_NAME(mode));
    }
    const char* name = g_value_get_string(mode);
    out.cryptex = cryptex_mode_from_name(name ? name : "");
    if (!out.cryptex) {
      return fail(std::string("srtp-cryptex must be off, accept or required, not '") +
                  (name ? name : "") + "'");
    }
  }
  return true;
}

void apply_header_privacy(SrtpConfig& config, const std::vector<uint8_t>& property_ids,
                          CryptexMode property_cryptex, const HeaderPrivacyFields& fields) {
  config.encrypted_header_extension_ids = property_ids;
  config.cryptex = property_cryptex;
  fields.apply(config);
}

void set_header_privacy_fields(GstStructure* s, const SrtpConfig& config) {
  gst_structure_set(s, "srtp-encrypted-header-ids", G_TYPE_STRING,
                    format_extension_ids(config.encrypted_header_extension_ids).c_str(),
                    "srtp-cryptex", G_TYPE_STRING, to_string(config.cryptex), nullptr);
}

GParamSpec* encrypted_header_ids_pspec() {
  return g_param_spec_string(
      "encrypted-header-ids", "Encrypted header extension IDs",
      "RFC 6904: comma-separated IDs (1-255) of the RTP header extension elements whose data is "
      "encrypted, as negotiated with a=extmap:<id> urn:ietf:params:rtp-hdrext:encrypt; empty for "
      "none. Needs an encrypting cipher. Caps field srtp-encrypted-header-ids overrides it per key",
      "",
      static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                               GST_PARAM_MUTABLE_PLAYING));
}

GParamSpec* cryptex_pspec() {
  return g_param_spec_enum(
      "cryptex", "Cryptex",
      "RFC 9335 (a=cryptex): off; accept (decrypt cryptex packets, send cryptex); required "
      "(also refuse packets whose CSRCs or header extension are in clear). Needs an encrypting "
      "cipher. Caps field srtp-cryptex overrides it per key",
      cryptex_mode_get_type(), static_cast<gint>(CryptexMode::off),
      static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                               GST_PARAM_MUTABLE_PLAYING));
}

void add_header_protection_stats(GstStructure* structure, const SrtpStats& stats) {
  gst_structure_set(structure, "rtp-packets-cryptex", G_TYPE_UINT64, stats.rtp_packets_cryptex,
                    "rtp-packets-encrypted-extensions", G_TYPE_UINT64,
                    stats.rtp_packets_encrypted_extensions, "rtp-packets-header-in-clear",
                    G_TYPE_UINT64, stats.rtp_packets_header_in_clear, nullptr);
}

}  // namespace secmedia::gst
