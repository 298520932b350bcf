// SPDX-License-Identifier: LGPL-2.1-or-later
#include "dtls_element_settings.h"

#include "dtls_property_specs.h"

#include <openssl/crypto.h>

#include <sstream>

namespace secmedia::gst {

namespace {

const GEnumValue kStateValues[] = {
    {static_cast<int>(DtlsState::fresh), "New connection", "new"},
    {static_cast<int>(DtlsState::closed), "Closed connection on either side", "closed"},
    {static_cast<int>(DtlsState::failed), "Failed connection", "failed"},
    {static_cast<int>(DtlsState::connecting), "Connecting", "connecting"},
    {static_cast<int>(DtlsState::connected), "Successfully connected", "connected"},
    {0, nullptr, nullptr},
};

const GEnumValue kCertificateValues[] = {
    {static_cast<int>(CertificateType::ecdsa_p256), "ECDSA P-256 (fast to generate)", "ecdsa-p256"},
    {static_cast<int>(CertificateType::rsa_2048), "RSA 2048", "rsa-2048"},
    {0, nullptr, nullptr},
};

// RFC 5764 names, as OpenSSL's -use_srtp and SDP tools write them.
const char* dtls_srtp_name(SrtpProfile profile) {
  switch (profile) {
    case SrtpProfile::aead_aes_128_gcm:
      return "SRTP_AEAD_AES_128_GCM";
    case SrtpProfile::aead_aes_256_gcm:
      return "SRTP_AEAD_AES_256_GCM";
    case SrtpProfile::aes_cm_128_hmac_sha1_80:
      return "SRTP_AES128_CM_SHA1_80";
    case SrtpProfile::aes_cm_128_hmac_sha1_32:
      return "SRTP_AES128_CM_SHA1_32";
    default:
      return nullptr;
  }
}

std::string known_profile_names() {
  std::string names;
  for (SrtpProfile p : default_dtls_srtp_profiles()) {
    names += (names.empty() ? "" : ", ") + std::string(dtls_srtp_name(p));
  }
  return names;
}

std::string trimmed(const std::string& text) {
  const size_t first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

// Empty `text` is plain DTLS. Anything else must name profiles only: a typo is refused (with
// `why`), never read as the default list or as plain DTLS.
std::optional<std::vector<SrtpProfile>> parse_profiles(const std::string& text, std::string* why) {
  std::vector<SrtpProfile> profiles;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ',')) {
    const std::string name = trimmed(item);
    if (name.empty()) continue;
    bool found = false;
    for (SrtpProfile p : default_dtls_srtp_profiles()) {
      if (name == dtls_srtp_name(p)) {
        profiles.push_back(p);
        found = true;
      }
    }
    if (!found) {
      *why = "\"" + name + "\" is not a DTLS-SRTP profile (" + known_profile_names() + ")";
      return std::nullopt;
    }
  }
  if (profiles.empty() && !trimmed(text).empty()) {
    *why = "it names no profile; an empty value means plain DTLS";
    return std::nullopt;
  }
  return profiles;
}

std::string profiles_text(const std::vector<SrtpProfile>& profiles) {
  std::string text;
  for (SrtpProfile p : profiles) {
    if (!text.empty()) text += ",";
    text += dtls_srtp_name(p);
  }
  return text;
}

// RFC 8122 §5 hash function names and the digest size of each.
struct HashName {
  const char* name;
  size_t octets;
};
constexpr HashName kHashNames[] = {
    {"sha-1", 20}, {"sha-224", 28}, {"sha-256", 32}, {"sha-384", 48}, {"sha-512", 64},
};

// Why `item`, which Fingerprint::parse refused, is not a fingerprint in SDP form, in words that
// say what to fix: the usual mistakes are a whole pasted attribute line, "sha256", and a value cut
// short.
std::string fingerprint_problem(const std::string& item) {
  if (g_ascii_strncasecmp(item.c_str(), "a=fingerprint:", 14) == 0) {
    return "a whole SDP attribute: give only what follows \"a=fingerprint:\"";
  }
  const size_t space = item.find(' ');
  const std::string name = item.substr(0, space);
  const HashName* hash = nullptr;
  for (const auto& h : kHashNames) {
    if (g_ascii_strcasecmp(name.c_str(), h.name) == 0) hash = &h;
  }
  if (!hash) {
    return "\"" + name + "\" is not a hash function name of RFC 8122 (sha-1, sha-224, sha-256, " +
           "sha-384, sha-512)";
  }
  const std::string digest = space == std::string::npos ? "" : trimmed(item.substr(space + 1));
  if (digest.empty()) return "no digest follows \"" + name + "\"";
  size_t octets = 0;
  std::stringstream stream(digest);
  std::string octet;
  while (std::getline(stream, octet, ':')) {
    if (octet.size() != 2 || !g_ascii_isxdigit(octet[0]) || !g_ascii_isxdigit(octet[1])) {
      return "the digest is not pairs of hex digits separated by ':' (\"AB:CD:...\")";
    }
    ++octets;
  }
  if (octets != hash->octets) {
    return "the digest has " + std::to_string(octets) + " octets; " + hash->name + " gives " +
           std::to_string(hash->octets);
  }
  return "not in SDP form (\"sha-256 AB:CD:...\")";
}

// Empty `text` turns pinning off. Anything else must be fingerprints only: one malformed item
// refuses the whole value (with `why`), never pins fewer certificates or none.
std::optional<std::vector<Fingerprint>> parse_fingerprints(const std::string& text,
                                                           std::string* why) {
  std::vector<Fingerprint> fingerprints;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ',')) {
    item = trimmed(item);
    if (item.empty()) continue;
    auto fingerprint = Fingerprint::parse(item);
    if (!fingerprint) {
      *why = fingerprint_problem(item);
      return std::nullopt;
    }
    fingerprints.push_back(*fingerprint);
  }
  if (fingerprints.empty() && !trimmed(text).empty()) {
    *why = "it names no fingerprint; an empty value turns pinning off";
    return std::nullopt;
  }
  return fingerprints;
}

}  // namespace

GType dtls_connection_state_get_type() {
  static GType type = 0;
  if (g_once_init_enter(&type)) {
    g_once_init_leave(&type, g_enum_register_static("SecmediaDtlsConnectionState", kStateValues));
  }
  return type;
}

GType dtls_certificate_type_get_type() {
  static GType type = 0;
  if (g_once_init_enter(&type)) {
    g_once_init_leave(&type,
                      g_enum_register_static("SecmediaDtlsCertificateType", kCertificateValues));
  }
  return type;
}

void install_dtls_common_properties(GObjectClass* klass) {
  const auto rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  const auto ro = static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  const auto rw_ready = static_cast<GParamFlags>(rw | GST_PARAM_MUTABLE_READY);
  g_object_class_install_property(
      klass, kPropConnectionId,
      connection_id_pspec(
          "Every encoder/decoder pair should have the same, unique, connection-id"));
  g_object_class_install_property(klass, kPropConnectionState,
                                  connection_state_pspec("Current connection state"));
  g_object_class_install_property(klass, kPropPem, pem_pspec());
  g_object_class_install_property(klass, kPropPeerPem, peer_pem_pspec());
  g_object_class_install_property(klass, kPropFingerprint, fingerprint_pspec());
  g_object_class_install_property(klass, kPropPeerFingerprint, peer_fingerprint_pspec());
  g_object_class_install_property(
      klass, kPropSrtpProfiles,
      g_param_spec_string("srtp-profiles", "SRTP profiles",
                          "use_srtp profiles in order of preference, separated by commas; empty "
                          "for plain DTLS",
                          "SRTP_AEAD_AES_128_GCM,SRTP_AEAD_AES_256_GCM,SRTP_AES128_CM_SHA1_80,"
                          "SRTP_AES128_CM_SHA1_32",
                          rw_ready));
  g_object_class_install_property(
      klass, kPropMtu,
      g_param_spec_uint("mtu", "MTU", "Largest datagram to send (UDP payload bytes)", 256, 65507,
                        1200, rw_ready));
  g_object_class_install_property(
      klass, kPropRetransmissionTimeout,
      g_param_spec_uint("retransmission-timeout", "Retransmission timeout",
                        "Initial handshake retransmission timeout in ms, doubled on each "
                        "retransmission (RFC 6347 section 4.2.4.1)",
                        20, 60000, 1000, rw_ready));
  g_object_class_install_property(
      klass, kPropHandshakeTimeout,
      g_param_spec_uint("handshake-timeout", "Handshake timeout",
                        "The handshake fails when not complete after this many ms", 100, 600000,
                        30000, rw_ready));
  g_object_class_install_property(
      klass, kPropCertificateType,
      g_param_spec_enum("certificate-type", "Certificate type",
                        "Kind of certificate generated when no pem is set",
                        dtls_certificate_type_get_type(),
                        static_cast<int>(CertificateType::ecdsa_p256), rw_ready));
  g_object_class_install_property(
      klass, kPropDtlsVersion,
      g_param_spec_string("dtls-version", "DTLS version", "The DTLS version spoken: always 1.2",
                          "1.2", ro));
  g_object_class_install_property(
      klass, kPropSrtpCipher,
      g_param_spec_uint("srtp-cipher", "SRTP cipher",
                        "gst-plugins-bad's GstDtlsSrtpCipher of the negotiated profile: 1 "
                        "aes-128-icm, 0 otherwise (see srtp-profile)",
                        0, 1, 0, ro));
  g_object_class_install_property(
      klass, kPropSrtpAuth,
      g_param_spec_uint("srtp-auth", "SRTP auth",
                        "gst-plugins-bad's GstDtlsSrtpAuth of the negotiated profile: 1 "
                        "hmac-sha1-32, 2 hmac-sha1-80, 0 otherwise (see srtp-profile)",
                        0, 2, 0, ro));
  g_object_class_install_property(klass, kPropSrtpProfile, srtp_profile_pspec());
  g_object_class_install_property(
      klass, kPropStats,
      g_param_spec_boxed("stats", "Statistics",
                         "state, handshake-time (ms), retransmissions, datagrams and bytes each "
                         "way, application data records, rejected datagrams",
                         GST_TYPE_STRUCTURE, ro));
  g_object_class_install_property(
      klass, kPropCookieExchange,
      cookie_exchange_pspec(
          "As the DTLS server, answer a ClientHello without a valid cookie with a "
          "HelloVerifyRequest (RFC 6347 section 4.2.1) and begin the handshake only with a client "
          "that echoes it, which proves it receives what this element sends: a spoofed "
          "ClientHello, or a flood of them, cannot take the association over. On by default; "
          "inside a webrtcbin, whose ICE checks verified the path, off unless set"));
  g_object_class_install_property(
      klass, kPropPemFile,
      pem_file_pspec("A file holding the X509 certificate and private key in PEM format "
                     "(what secmedia-cert new writes), read when set: the identity `pem` "
                     "takes, for a gst-launch line. A file that cannot be read or holds no "
                     "certificate and key is refused and the element does not start"));
}

void warn_refused_setting(GstElement* element, const std::string& problem) {
  gchar* path = gst_object_get_path_string(GST_OBJECT(element));
  g_warning("%s: %s; it will refuse to start until a valid value is set", path, problem.c_str());
  g_free(path);
  GST_ELEMENT_WARNING(element, RESOURCE, SETTINGS, ("%s", problem.c_str()),
                      ("the element refuses to start until a valid value is set"));
}

bool may_start(GstElement* element, const std::string& refusals) {
  if (refusals.empty()) return true;
  GST_ELEMENT_ERROR(element, RESOURCE, SETTINGS, ("%s", refusals.c_str()),
                    ("%s refuses to start on a security setting it cannot honour: running on a "
                     "weaker one instead would fail open; set a valid value",
                     GST_ELEMENT_NAME(element)));
  return false;
}

DtlsElementLink::~DtlsElementLink() {
  detach();
}

bool DtlsElementLink::attach(const std::string& id, std::string* why,
                             std::shared_ptr<DtlsPeer>* previous) {
  auto peer = DtlsPeer::attach(id, encoder_, why);
  if (!peer) {
    // The element stays on its previous association, which must not start either.
    set_refusal(kPropConnectionId, *why, id);
    apply();
    return false;
  }
  *previous = std::move(peer_);
  peer_ = std::move(peer);
  id_ = id;
  clear_refusal(kPropConnectionId);
  apply();
  return true;
}

void DtlsElementLink::detach() {
  release(std::move(peer_), encoder_);
  peer_.reset();
}

void DtlsElementLink::release(std::shared_ptr<DtlsPeer> peer, bool encoder) {
  if (!peer) return;
  // The other element may keep the association: what this one refused leaves with it.
  peer->update_settings([encoder](DtlsPeerSettings& s) {
    (encoder ? s.encoder_refusals : s.decoder_refusals).clear();
  });
  DtlsPeer::detach(peer, encoder);
}

void DtlsElementLink::set_refusal(guint id, std::string problem, std::string given) {
  std::lock_guard guard(refusals_lock_);
  refusals_[id] = {std::move(problem), std::move(given)};
}

void DtlsElementLink::clear_refusal(guint id) {
  std::lock_guard guard(refusals_lock_);
  refusals_.erase(id);
}

std::string DtlsElementLink::refusals() const {
  std::lock_guard guard(refusals_lock_);
  std::string text;
  for (const auto& [id, refusal] : refusals_) {
    text += (text.empty() ? "" : "; ") + refusal.problem;
  }
  return text;
}

void DtlsElementLink::set_is_client(bool is_client) {
  is_client_ = is_client;
  apply();
}

void DtlsElementLink::apply() {
  if (!peer_) return;
  const std::string refused = refusals();
  peer_->update_settings([&](DtlsPeerSettings& s) {
    (encoder_ ? s.encoder_refusals : s.decoder_refusals) = refused;
    if (is_client_) s.is_client = *is_client_;
    if (pem_) s.pem = *pem_;
    if (peer_fingerprints_) s.peer_fingerprints = *peer_fingerprints_;
    if (srtp_profiles_) s.srtp_profiles = *srtp_profiles_;
    if (mtu_) s.mtu = *mtu_;
    if (retransmission_timeout_ms_) s.retransmission_timeout_ms = *retransmission_timeout_ms_;
    if (handshake_timeout_ms_) s.handshake_timeout_ms = *handshake_timeout_ms_;
    if (certificate_type_) s.certificate_type = *certificate_type_;
    if (cookie_exchange_) s.cookie_exchange = *cookie_exchange_;
  });
}

bool DtlsElementLink::set_property(guint id, const GValue* value, std::string* problem) {
  switch (id) {
    case kPropPem: {
      const gchar* pem = g_value_get_string(value);
      pem_ = pem ? pem : "";
      pem_file_.clear();
      break;
    }
    case kPropPemFile: {
      const std::string path = g_value_get_string(value) ? g_value_get_string(value) : "";
      std::string why;
      gchar* contents = nullptr;
      gsize length = 0;
      GError* error = nullptr;
      if (path.empty()) {
        pem_file_.clear();
        clear_refusal(id);
        break;
      }
      if (!g_file_get_contents(path.c_str(), &contents, &length, &error)) {
        why = error->message;
        g_clear_error(&error);
      } else {
        const std::string pem(contents, length);
        OPENSSL_cleanse(contents, length);
        g_free(contents);
        // Loaded now, so a file without a usable identity is refused when set, not at the start.
        if (DtlsCertificate::from_pem(pem, pem, &why)) {
          pem_ = pem;
          pem_file_ = path;
          clear_refusal(id);
          break;
        }
        if (why.empty()) why = "no certificate and private key in PEM";
      }
      // Never the generated identity in place of the one asked for: the refusal stops the start.
      *problem = "pem-file \"" + path + "\" refused: " + why;
      set_refusal(id, *problem, path);
      break;
    }
    case kPropPeerFingerprint:
    case kPropSrtpProfiles: {
      const std::string text = g_value_get_string(value) ? g_value_get_string(value) : "";
      std::string why;
      if (id == kPropPeerFingerprint) {
        auto parsed = parse_fingerprints(text, &why);
        if (parsed) peer_fingerprints_ = *parsed;
      } else {
        auto parsed = parse_profiles(text, &why);
        if (parsed) srtp_profiles_ = *parsed;
      }
      if (why.empty()) {
        clear_refusal(id);
        break;
      }
      // The earlier value stays in the peer, but the refusal stops it from starting: neither the
      // old value nor the default runs in place of what the application asked for.
      *problem = std::string(id == kPropPeerFingerprint ? "peer-fingerprint" : "srtp-profiles") +
                 " \"" + text + "\" refused: " + why;
      set_refusal(id, *problem, text);
      break;
    }
    case kPropMtu:
      mtu_ = g_value_get_uint(value);
      break;
    case kPropRetransmissionTimeout:
      retransmission_timeout_ms_ = g_value_get_uint(value);
      break;
    case kPropHandshakeTimeout:
      handshake_timeout_ms_ = g_value_get_uint(value);
      break;
    case kPropCertificateType:
      certificate_type_ = static_cast<CertificateType>(g_value_get_enum(value));
      break;
    case kPropCookieExchange:
      cookie_exchange_ = g_value_get_boolean(value) != FALSE;
      break;
    default:
      return false;
  }
  apply();
  return true;
}

bool DtlsElementLink::get_property(guint id, GValue* value) {
  {
    std::lock_guard guard(refusals_lock_);
    if (auto it = refusals_.find(id); it != refusals_.end()) {
      g_value_set_string(value, it->second.given.c_str());
      return true;
    }
  }
  const DtlsPeerSettings s = peer_ ? peer_->settings() : DtlsPeerSettings{};
  switch (id) {
    case kPropConnectionId:
      g_value_set_string(value, id_.empty() ? nullptr : id_.c_str());
      return true;
    case kPropConnectionState:
      g_value_set_enum(value, static_cast<int>(peer_ ? peer_->state() : DtlsState::fresh));
      return true;
    case kPropPem:
      g_value_set_string(value, peer_ ? peer_->local_certificate_pem().c_str() : nullptr);
      return true;
    case kPropPeerPem: {
      const std::string pem = peer_ ? peer_->peer_pem() : std::string();
      g_value_set_string(value, pem.empty() ? nullptr : pem.c_str());
      return true;
    }
    case kPropFingerprint:
      g_value_set_string(value, peer_ ? peer_->local_fingerprint().c_str() : nullptr);
      return true;
    case kPropPeerFingerprint: {
      std::string text;
      for (const auto& f : s.peer_fingerprints) text += (text.empty() ? "" : ",") + f.to_string();
      g_value_set_string(value, text.empty() ? nullptr : text.c_str());
      return true;
    }
    case kPropSrtpProfiles:
      g_value_set_string(value, profiles_text(s.srtp_profiles).c_str());
      return true;
    case kPropMtu:
      g_value_set_uint(value, s.mtu);
      return true;
    case kPropRetransmissionTimeout:
      g_value_set_uint(value, s.retransmission_timeout_ms);
      return true;
    case kPropHandshakeTimeout:
      g_value_set_uint(value, s.handshake_timeout_ms);
      return true;
    case kPropCertificateType:
      g_value_set_enum(value, static_cast<int>(s.certificate_type));
      return true;
    case kPropDtlsVersion:
      g_value_set_string(value, "1.2");
      return true;
    case kPropCookieExchange:
      g_value_set_boolean(value, s.effective_cookie_exchange());
      return true;
    case kPropPemFile:
      g_value_set_string(value, pem_file_.empty() ? nullptr : pem_file_.c_str());
      return true;
    case kPropSrtpCipher:
    case kPropSrtpAuth:
    case kPropSrtpProfile: {
      const auto keys = peer_ ? peer_->keys() : std::nullopt;
      const bool cm = keys && (keys->profile == SrtpProfile::aes_cm_128_hmac_sha1_80 ||
                               keys->profile == SrtpProfile::aes_cm_128_hmac_sha1_32);
      if (id == kPropSrtpCipher) {
        g_value_set_uint(value, cm ? 1 : 0);
      } else if (id == kPropSrtpAuth) {
        g_value_set_uint(value, !cm                                                     ? 0
                                : keys->profile == SrtpProfile::aes_cm_128_hmac_sha1_32 ? 1
                                                                                        : 2);
      } else {
        g_value_set_string(value, keys ? dtls_srtp_name(keys->profile) : nullptr);
      }
      return true;
    }
    case kPropStats: {
      const DtlsStats st = peer_ ? peer_->stats() : DtlsStats{};
      const DtlsState state = peer_ ? peer_->state() : DtlsState::fresh;
      GstStructure* stats = gst_structure_new(
          "application/x-secmedia-dtls-stats", "state", G_TYPE_STRING, to_string(state),
          "handshake-time", G_TYPE_DOUBLE,
          st.handshake_duration
              ? std::chrono::duration<double, std::milli>(*st.handshake_duration).count()
              : -1.0,
          "retransmissions", G_TYPE_UINT64, st.retransmissions, "datagrams-received", G_TYPE_UINT64,
          st.datagrams_received, "datagrams-sent", G_TYPE_UINT64, st.datagrams_sent,
          "bytes-received", G_TYPE_UINT64, st.bytes_received, "bytes-sent", G_TYPE_UINT64,
          st.bytes_sent, "application-data-received", G_TYPE_UINT64, st.application_data_received,
          "dtls-rejected", G_TYPE_UINT64, st.datagrams_rejected, nullptr);
      g_value_take_boxed(value, stats);
      return true;
    }
    default:
      return false;
  }
}

}  // namespace secmedia::gst
