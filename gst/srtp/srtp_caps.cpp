// SPDX-License-Identifier: LGPL-2.1-or-later
#include "srtp_caps.h"

#include <openssl/crypto.h>

#include <cstring>

#include "srtp_cipher_settings.h"

namespace secmedia::gst {

namespace {

const char* caps_name(PacketKind kind, bool protected_form) {
  if (kind == PacketKind::rtcp) {
    return protected_form ? "application/x-srtcp" : "application/x-rtcp";
  }
  return protected_form ? "application/x-srtp" : "application/x-rtp";
}

}  // namespace

bool is_key_field(const char* name) {
  static const char* const kExact[] = {"srtp-key",   "srtp-cipher", "srtp-auth", "srtcp-cipher",
                                       "srtcp-auth", "mki",         "roc"};
  for (const char* field : kExact) {
    if (std::strcmp(name, field) == 0) return true;
  }
  // srtp-key2..16 and mki2..16
  return std::strncmp(name, "srtp-key", 8) == 0 || std::strncmp(name, "mki", 3) == 0;
}

GstCaps* rename_caps(const GstCaps* caps, PacketKind kind, bool protected_form) {
  GstCaps* out = gst_caps_copy(caps);
  for (guint i = 0; i < gst_caps_get_size(out); ++i) {
    GstStructure* s = gst_caps_get_structure(out, i);
    gst_structure_set_name(s, caps_name(kind, protected_form));
    // The header privacy fields describe SRTP: plain RTP and (S)RTCP caps do not carry them.
    const bool keep_header_privacy = protected_form && kind == PacketKind::rtp;
    gst_structure_filter_and_map_in_place(
        s,
        [](GQuark field, GValue*, gpointer keep) -> gboolean {
          const char* name = g_quark_to_string(field);
          if (!keep && (std::strcmp(name, "srtp-encrypted-header-ids") == 0 ||
                        std::strcmp(name, "srtp-cryptex") == 0)) {
            return false;
          }
          return !is_key_field(name);
        },
        keep_header_privacy ? s : nullptr);
  }
  return out;
}

void add_cipher_fields(GstCaps* caps, SrtpProfile rtp_profile, SrtpProfile rtcp_profile,
                       GstBuffer* mki) {
  SrtpCipher rtp_cipher, rtcp_cipher;
  SrtpAuth rtp_auth, rtcp_auth;
  cipher_auth_for(rtp_profile, rtp_cipher, rtp_auth);
  cipher_auth_for(rtcp_profile, rtcp_cipher, rtcp_auth);
  gst_caps_set_simple(caps, "srtp-cipher", G_TYPE_STRING, cipher_nick(rtp_cipher), "srtp-auth",
                      G_TYPE_STRING, auth_nick(rtp_auth), "srtcp-cipher", G_TYPE_STRING,
                      cipher_nick(rtcp_cipher), "srtcp-auth", G_TYPE_STRING, auth_nick(rtcp_auth),
                      nullptr);
  if (mki) gst_caps_set_simple(caps, "mki", GST_TYPE_BUFFER, mki, nullptr);
}

// Caps queries mirror the other side's peer with the structure names swapped; key fields never
// pass.
gboolean answer_caps_query(GstPad* pad, GstQuery* query, GstPad* other, PacketKind kind,
                           bool this_protected) {
  GstCaps* filter;
  gst_query_parse_caps(query, &filter);
  GstCaps* peer_filter = filter ? rename_caps(filter, kind, !this_protected) : nullptr;
  GstCaps* peer = gst_pad_peer_query_caps(other, peer_filter);
  if (peer_filter) gst_caps_unref(peer_filter);
  GstCaps* result;
  GstCaps* templ = gst_pad_get_pad_template_caps(pad);
  if (gst_caps_is_any(peer)) {
    result = gst_caps_ref(templ);
  } else {
    GstCaps* renamed = rename_caps(peer, kind, this_protected);
    result = gst_caps_intersect(renamed, templ);
    gst_caps_unref(renamed);
  }
  gst_caps_unref(templ);
  gst_caps_unref(peer);
  if (filter) {
    GstCaps* filtered = gst_caps_intersect_full(filter, result, GST_CAPS_INTERSECT_FIRST);
    gst_caps_unref(result);
    result = filtered;
  }
  gst_query_set_caps_result(query, result);
  gst_caps_unref(result);
  return true;
}

bool caps_carry_keys(const GstStructure* s) {
  if (gst_structure_has_field(s, "srtp-key")) return true;
  for (const char* field : {"srtp-cipher", "srtp-auth", "srtcp-cipher", "srtcp-auth"}) {
    const gchar* value = gst_structure_get_string(s, field);
    if (!value || std::strcmp(value, "null") != 0) return false;
  }
  return true;
}

std::optional<CapsKeys> parse_caps_keys(const GstStructure* s, std::string* why) {
  const auto fail = [why](std::string reason) -> std::optional<CapsKeys> {
    if (why) *why = std::move(reason);
    return std::nullopt;
  };
  const auto rtp_cipher = cipher_from_nick(gst_structure_get_string(s, "srtp-cipher"));
  const auto rtp_auth = auth_from_nick(gst_structure_get_string(s, "srtp-auth"));
  const auto rtcp_cipher = cipher_from_nick(gst_structure_get_string(s, "srtcp-cipher"));
  const auto rtcp_auth = auth_from_nick(gst_structure_get_string(s, "srtcp-auth"));
  if (!rtp_cipher || !rtp_auth || !rtcp_cipher || !rtcp_auth) {
    return fail("caps need srtp-cipher, srtp-auth, srtcp-cipher and srtcp-auth with known values");
  }
  CapsKeys result;
  if (std::string problem; !parse_header_privacy_fields(s, result.header_privacy, &problem)) {
    return fail(problem);
  }
  std::string reason;
  const auto rtp_profile = profile_for(*rtp_cipher, *rtp_auth, &reason);
  if (!rtp_profile) return fail("RTP: " + reason);
  const auto rtcp_profile = profile_for(*rtcp_cipher, *rtcp_auth, &reason);
  if (!rtcp_profile) return fail("RTCP: " + reason);
  result.rtp_profile = *rtp_profile;
  result.rtcp_profile = *rtcp_profile;
  const SrtpProfileInfo& rtp_info = profile_info(result.rtp_profile);
  const SrtpProfileInfo& rtcp_info = profile_info(result.rtcp_profile);
  if (rtp_info.master_key_length != rtcp_info.master_key_length ||
      rtp_info.master_salt_length != rtcp_info.master_salt_length) {
    return fail("srtp-cipher and srtcp-cipher need master keys of different sizes");
  }
  guint roc = 0;
  if (gst_structure_get_uint(s, "roc", &roc)) result.roc = roc;

  const bool passthrough =
      result.rtp_profile == SrtpProfile::null_null && result.rtcp_profile == SrtpProfile::null_null;
  const size_t expected = rtp_info.master_key_length + rtp_info.master_salt_length;
  for (int n = 1; n <= static_cast<int>(kSrtpMaxMasterKeys); ++n) {
    const std::string suffix = n == 1 ? "" : std::to_string(n);
    GstBuffer* key = nullptr;
    GstBuffer* mki = nullptr;
    if (!gst_structure_get(s, ("srtp-key" + suffix).c_str(), GST_TYPE_BUFFER, &key, nullptr)) {
      break;
    }
    gst_structure_get(s, ("mki" + suffix).c_str(), GST_TYPE_BUFFER, &mki, nullptr);
    std::vector<uint8_t> bytes = buffer_bytes(key);
    gst_buffer_unref(key);
    CapsMasterKey entry;
    if (mki) {
      entry.mki = buffer_bytes(mki);
      gst_buffer_unref(mki);
    }
    if (bytes.size() != expected) {
      OPENSSL_cleanse(bytes.data(), bytes.size());
      return fail("srtp-key" + suffix + " has " + std::to_string(bytes.size()) +
                  " bytes; the cipher needs " + std::to_string(expected) + " (key and salt)");
    }
    entry.key.assign(bytes.begin(), bytes.begin() + static_cast<long>(rtp_info.master_key_length));
    entry.salt.assign(bytes.begin() + static_cast<long>(rtp_info.master_key_length), bytes.end());
    OPENSSL_cleanse(bytes.data(), bytes.size());
    for (const auto& earlier : result.keys) {
      if (earlier.mki == entry.mki) return fail("two keys share one MKI");
    }
    if (entry.mki.size() > kSrtpMaxMkiLength ||
        (!result.keys.empty() && entry.mki.size() != result.keys.front().mki.size()) ||
        (n > 1 && entry.mki.empty())) {
      return fail(
          "every key needs an MKI of one common size (at most 128 bytes) once there are "
          "several");
    }
    result.keys.push_back(std::move(entry));
  }
  if (result.keys.empty() && !passthrough) return fail("caps have no srtp-key");
  return result;
}

}  // namespace secmedia::gst
