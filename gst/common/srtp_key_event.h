// SPDX-License-Identifier: LGPL-2.1-or-later
// The key event: how keys travel between secmedia elements as pad events, never as caps or signals.
//
//   event   GST_EVENT_CUSTOM_DOWNSTREAM_STICKY (dtlsdec -> srtpdec, srtpenc -> srtpdec)
//           GST_EVENT_CUSTOM_UPSTREAM          (dtlsenc -> srtpenc)
//   query   GST_QUERY_CUSTOM, asked downstream by srtpenc when it has no key (late linking, restart)
//
// Structure "secmedia-srtp-keys" (the query's is "secmedia-srtp-keys-query", answered with the same
// fields), documented in docs/key-event.md:
//   profile       string  RFC name of the SRTP profile, e.g. "AEAD_AES_128_GCM"
//   rtcp-profile  string  RFC name of the SRTCP profile (RFC 5764 §4.1.2 for DTLS; srtpenc's
//                         rtcp-cipher and rtcp-auth when keyed by hand)
//   role          string  "client" or "server": the DTLS role of the endpoint the value belongs to
//   generation    uint    grows with every handshake and every manual rekey
//   origin        string  "dtls" or "manual"
//   keys          SecmediaSrtpKeys (boxed, opaque): the whole SrtpKeyingMaterial, with local and
//                 remote master key and salt and the MKI. The boxed type has no string form, so
//                 debug logs print the structure without the key bytes.
// A receiver takes a value that differs from the one it holds in anything (generation, profiles,
// MKI, keys) and ignores the same value seen again (secmedia::SrtpKeyring).
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
