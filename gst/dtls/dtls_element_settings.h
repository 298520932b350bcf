// SPDX-License-Identifier: LGPL-2.1-or-later
// What dtlsenc and dtlsdec share: the properties that configure their DtlsPeer, the GTypes of their
// enums, and how an element attaches to the peer of its connection-id.
#pragma once

#include <gst/gst.h>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "dtls_peer.h"

namespace secmedia::gst {

GType dtls_connection_state_get_type();  // "SecmediaDtlsConnectionState", gst-plugins-bad's values
GType dtls_certificate_type_get_type();  // "SecmediaDtlsCertificateType"

// Property ids shared by both elements; each element numbers its own after kDtlsPropLast.
enum DtlsCommonProperty : guint {
  kPropConnectionId = 1,
  kPropConnectionState,
  kPropPem,
  kPropPeerPem,
  kPropFingerprint,
  kPropPeerFingerprint,
  kPropSrtpProfiles,
  kPropMtu,
  kPropRetransmissionTimeout,
  kPropHandshakeTimeout,
  kPropCertificateType,
  kPropDtlsVersion,
  kPropSrtpCipher,
  kPropSrtpAuth,
  kPropSrtpProfile,
  kPropStats,
  kPropCookieExchange,
  kPropPemFile,
  kDtlsPropLast,
};

void install_dtls_common_properties(GObjectClass* klass);

// Fail closed. A security setting refused when set is reported at once with g_warning, which
// reaches the user even at construction, before the element has a bus to carry an element warning
// (posted too, for a bus that exists); the g_warning names the element by its path, so a bin's
// child shows under the bin. While a refusal stands the element refuses to start: may_start is
// false, with an element error naming the property and the value, unless `refusals` is empty.
void warn_refused_setting(GstElement* element, const std::string& problem);
bool may_start(GstElement* element, const std::string& refusals);

// An element's handle on its peer plus the settings it was given, re-applied when it re-attaches.
class DtlsElementLink {
 public:
  explicit DtlsElementLink(bool encoder) : encoder_(encoder) {}
  ~DtlsElementLink();

  // (Re)attaches to the peer of `id` ("" = a private peer). False with `why` for a duplicate id,
  // which is then a refusal (see refusals()) until an attach succeeds. The peer left behind is
  // moved to `previous`, for release() once the element's own lock is released: detaching waits
  // for the callbacks in flight, and a callback may take that lock (or run a handler that does).
  bool attach(const std::string& id, std::string* why, std::shared_ptr<DtlsPeer>* previous);
  // Detaches from the peer now; only where no lock a callback takes is held (dispose, finalize).
  void detach();
  // Lets go of a peer attach() left behind: returns once no callback of this element runs on it.
  static void release(std::shared_ptr<DtlsPeer> peer, bool encoder);
  const std::shared_ptr<DtlsPeer>& peer() const { return peer_; }
  const std::string& connection_id() const { return id_; }

  // Property access for the shared properties; false when `id` is not one of them. A value refused
  // (`problem` set) changes nothing in the peer, is remembered as a refusal until a valid value of
  // the same property replaces it, and reads back as given (never as the weaker setting in force).
  bool set_property(guint id, const GValue* value, std::string* problem);
  bool get_property(guint id, GValue* value);

  // Every refusal standing, "" when none: the element must not start while there is one. The peer
  // is told too, so that it does not start for the other element either.
  std::string refusals() const;

  // Settings this element owns (is-client belongs to dtlsenc, as in gst-plugins-bad).
  void set_is_client(bool is_client);

 private:
  void apply();
  void set_refusal(guint id, std::string problem, std::string given);
  void clear_refusal(guint id);

  bool encoder_;
  std::string id_;
  std::shared_ptr<DtlsPeer> peer_;
  // Only what was set on this element; applied to the peer on every attach.
  std::optional<bool> is_client_;
  std::optional<std::string> pem_;
  std::string pem_file_;  // the path `pem` was read from (pem-file), "" when none
  std::optional<std::vector<Fingerprint>> peer_fingerprints_;
  std::optional<std::vector<SrtpProfile>> srtp_profiles_;
  std::optional<guint> mtu_;
  std::optional<guint> retransmission_timeout_ms_;
  std::optional<guint> handshake_timeout_ms_;
  std::optional<CertificateType> certificate_type_;
  std::optional<bool> cookie_exchange_;
  // Refused values by property id: why, and the value as given. Its own lock: get_property reads
  // it without the element's.
  struct Refusal {
    std::string problem;
    std::string given;
  };
  mutable std::mutex refusals_lock_;
  std::map<guint, Refusal> refusals_;
};

}  // namespace secmedia::gst
