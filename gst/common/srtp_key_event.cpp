// SPDX-License-Identifier: LGPL-2.1-or-later
#include "srtp_key_event.h"

#include <cstring>

namespace secmedia::gst {

namespace {

gpointer copy_keys(gpointer boxed) {
  return new SrtpKeyingMaterial(*static_cast<const SrtpKeyingMaterial*>(boxed));
}
void free_keys(gpointer boxed) {
  delete static_cast<SrtpKeyingMaterial*>(boxed);
}

void fill_structure(GstStructure* s, const KeyEventValue& value) {
  gst_structure_set(s, "profile", G_TYPE_STRING, profile_info(value.material.profile).name.data(),
                    "rtcp-profile", G_TYPE_STRING,
                    profile_info(value.material.rtcp_profile).name.data(), "role", G_TYPE_STRING,
                    value.material.role == DtlsRole::client ? "client" : "server", "generation",
                    G_TYPE_UINT, value.material.generation, "origin", G_TYPE_STRING,
                    value.origin == KeyOrigin::dtls ? "dtls" : "manual", "keys",
                    srtp_keys_boxed_get_type(), &value.material, nullptr);
}

std::optional<KeyEventValue> parse_structure(const GstStructure* s) {
  const gchar* profile_name = gst_structure_get_string(s, "profile");
  const gchar* origin = gst_structure_get_string(s, "origin");
  const GValue* keys = gst_structure_get_value(s, "keys");
  if (!profile_name || !keys || G_VALUE_TYPE(keys) != srtp_keys_boxed_get_type()) {
    return std::nullopt;
  }
  const auto* material = static_cast<const SrtpKeyingMaterial*>(g_value_get_boxed(keys));
  const auto profile = profile_from_name(profile_name);
  if (!material || !profile || *profile != material->profile || !material->valid()) {
    return std::nullopt;
  }
  // Absent from a value made before the field existed; when present it must agree.
  if (const gchar* rtcp_name = gst_structure_get_string(s, "rtcp-profile")) {
    const auto rtcp_profile = profile_from_name(rtcp_name);
    if (!rtcp_profile || *rtcp_profile != material->rtcp_profile) return std::nullopt;
  }
  KeyEventValue value;
  value.material = *material;
  value.origin = origin && std::strcmp(origin, "dtls") == 0 ? KeyOrigin::dtls : KeyOrigin::manual;
  return value;
}

}  // namespace

GType srtp_keys_boxed_get_type() {
  static GType type = 0;
  if (g_once_init_enter(&type)) {
    // Each secmedia plugin (and a test program) carries its own copy of this code: the first copy
    // registers the type, the others use it. The copies are identical, so either's functions serve.
    GType registered = g_type_from_name("SecmediaSrtpKeys");
    if (registered == 0) {
      registered = g_boxed_type_register_static("SecmediaSrtpKeys", copy_keys, free_keys);
    }
    g_once_init_leave(&type, registered);
  }
  return type;
}

GstEvent* make_srtp_keys_event(const KeyEventValue& value, bool downstream) {
  GstStructure* s = gst_structure_new_empty(kSrtpKeysEventName);
  fill_structure(s, value);
  return gst_event_new_custom(
      downstream ? GST_EVENT_CUSTOM_DOWNSTREAM_STICKY : GST_EVENT_CUSTOM_UPSTREAM, s);
}

bool is_srtp_keys_event(GstEvent* event) {
  const GstEventType type = GST_EVENT_TYPE(event);
  if (type != GST_EVENT_CUSTOM_DOWNSTREAM_STICKY && type != GST_EVENT_CUSTOM_UPSTREAM) return false;
  const GstStructure* s = gst_event_get_structure(event);
  return s && gst_structure_has_name(s, kSrtpKeysEventName);
}

std::optional<KeyEventValue> parse_srtp_keys_event(GstEvent* event) {
  if (!is_srtp_keys_event(event)) return std::nullopt;
  return parse_structure(gst_event_get_structure(event));
}

GstQuery* make_srtp_keys_query() {
  return gst_query_new_custom(GST_QUERY_CUSTOM, gst_structure_new_empty(kSrtpKeysQueryName));
}

bool is_srtp_keys_query(GstQuery* query) {
  if (GST_QUERY_TYPE(query) != GST_QUERY_CUSTOM) return false;
  const GstStructure* s = gst_query_get_structure(query);
  return s && gst_structure_has_name(s, kSrtpKeysQueryName);
}

void answer_srtp_keys_query(GstQuery* query, const KeyEventValue& value) {
  GstStructure* s = gst_query_writable_structure(query);
  fill_structure(s, value);
}

std::optional<KeyEventValue> parse_srtp_keys_query(GstQuery* query) {
  if (!is_srtp_keys_query(query)) return std::nullopt;
  return parse_structure(gst_query_get_structure(query));
}

}  // namespace secmedia::gst
