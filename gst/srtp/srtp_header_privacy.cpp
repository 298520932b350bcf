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
  if (const char* ids = gst_structure_get_string(s, "srtp-encrypted-header-ids")) {
    out.encrypted_header_ids = parse_extension_ids(ids, why);
    if (!out.encrypted_header_ids) return false;
  }
  if (const char* mode = gst_structure_get_string(s, "srtp-cryptex")) {
    out.cryptex = cryptex_mode_from_name(mode);
    if (!out.cryptex) {
      if (why) *why = std::string("srtp-cryptex must be off, accept or required, not ") + mode;
      return false;
    }
  }
  return true;
}

void apply_header_privacy(SrtpConfig& config, const std::vector<uint8_t>& property_ids,
                          CryptexMode property_cryptex, const HeaderPrivacyFields& fields) {
  config.encrypted_header_extension_ids = fields.encrypted_header_ids.value_or(property_ids);
  config.cryptex = fields.cryptex.value_or(property_cryptex);
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
