// What dtlsenc and dtlsdec share: the properties that configure their DtlsPeer, the GTypes of their
// enums, and how an element attaches to the peer of its connection-id.
#pragma once

#include <gst/gst.h>

#include <memory>
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
  kDtlsPropLast,
};

void install_dtls_common_properties(GObjectClass* klass);

// An element's handle on its peer plus the settings it was given, re-applied when it re-attaches.
class DtlsElementLink {
 public:
  explicit DtlsElementLink(bool encoder) : encoder_(encoder) {}
  ~DtlsElementLink();

  // (Re)attaches to the peer of `id` ("" = a private peer). False with `why` for a duplicate id.
  bool attach(const std::string& id, std::string* why);
  void detach();
  const std::shared_ptr<DtlsPeer>& peer() const { return peer_; }
  const std::string& connection_id() const { return id_; }

  // Property access for the shared properties; false when `id` is not one of them.
  bool set_property(guint id, const GValue* value, std::string* problem);
  bool get_property(guint id, GValue* value);

  // Settings this element owns (is-client belongs to dtlsenc, as in gst-plugins-bad).
  void set_is_client(bool is_client);

 private:
  void apply();

  bool encoder_;
  std::string id_;
  std::shared_ptr<DtlsPeer> peer_;
  // Only what was set on this element; applied to the peer on every attach.
  std::optional<bool> is_client_;
  std::optional<std::string> pem_;
  std::optional<std::vector<Fingerprint>> peer_fingerprints_;
  std::optional<std::vector<SrtpProfile>> srtp_profiles_;
  std::optional<guint> mtu_;
  std::optional<guint> retransmission_timeout_ms_;
  std::optional<guint> handshake_timeout_ms_;
  std::optional<CertificateType> certificate_type_;
};

}  // namespace secmedia::gst
