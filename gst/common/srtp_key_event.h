// The key event: how keys travel between secmedia elements as pad events, never as caps or signals.
//
//   event   GST_EVENT_CUSTOM_DOWNSTREAM_STICKY (dtlsdec -> srtpdec, srtpenc -> srtpdec)
//           GST_EVENT_CUSTOM_UPSTREAM          (dtlsenc -> srtpenc)
//   query   GST_QUERY_CUSTOM, asked downstream by srtpenc when it has no key (late linking,
//   restart)
//
// Structure "secmedia-srtp-keys" (the query's is "secmedia-srtp-keys-query", answered with the same
// fields), documented in docs/key-event.md:
//   profile     string  RFC name of the SRTP profile, e.g. "AEAD_AES_128_GCM"
//   role        string  "client" or "server": the DTLS role of the endpoint the value belongs to
//   generation  uint    increases with every new key for the same association
//   origin      string  "dtls" or "manual"
//   keys        SecmediaSrtpKeys (boxed, opaque): local and remote master key and salt. The boxed
//   type
//               has no string form, so debug logs print the structure without the key bytes.
#pragma once

#include <gst/gst.h>

#include <optional>

#include "secmedia/keying_material.h"

namespace secmedia::gst {

inline constexpr const char* kSrtpKeysEventName = "secmedia-srtp-keys";
inline constexpr const char* kSrtpKeysQueryName = "secmedia-srtp-keys-query";

enum class KeyOrigin { dtls, manual };

struct KeyEventValue {
  SrtpKeyingMaterial material;
  KeyOrigin origin = KeyOrigin::manual;
};

GType srtp_keys_boxed_get_type();

// A downstream sticky event (downstream = true) or an upstream custom event carrying `value`.
GstEvent* make_srtp_keys_event(const KeyEventValue& value, bool downstream);
// nullopt if the event is not a key event or is malformed.
std::optional<KeyEventValue> parse_srtp_keys_event(GstEvent* event);
bool is_srtp_keys_event(GstEvent* event);

GstQuery* make_srtp_keys_query();
bool is_srtp_keys_query(GstQuery* query);
void answer_srtp_keys_query(GstQuery* query, const KeyEventValue& value);
std::optional<KeyEventValue> parse_srtp_keys_query(GstQuery* query);

}  // namespace secmedia::gst
