// SPDX-License-Identifier: LGPL-2.1-or-later
#include "dtls_property_specs.h"

#include "dtls_element_settings.h"

namespace secmedia::gst {

namespace {

constexpr auto kReadWriteReady =
    static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
constexpr auto kReadOnly = static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

}  // namespace

GParamSpec* connection_id_pspec(const char* blurb) {
  return g_param_spec_string("connection-id", "Connection id", blurb, nullptr, kReadWriteReady);
}

GParamSpec* is_client_pspec(const char* blurb) {
  return g_param_spec_boolean("is-client", "Is client", blurb, FALSE, kReadWriteReady);
}

GParamSpec* pem_pspec() {
  return g_param_spec_string("pem", "PEM",
                             "A string containing a X509 certificate and private key in PEM "
                             "format; reading it gives the certificate in use (generated when "
                             "none was set), never the private key",
                             nullptr, kReadWriteReady);
}

GParamSpec* pem_file_pspec(const char* blurb) {
  return g_param_spec_string("pem-file", "PEM file", blurb, nullptr, kReadWriteReady);
}

GParamSpec* peer_fingerprint_pspec() {
  return g_param_spec_string("peer-fingerprint", "Peer fingerprint",
                             "Expected fingerprint(s) of the peer's certificate in SDP form, "
                             "separated by commas; when set, any other certificate fails the "
                             "handshake",
                             nullptr, kReadWriteReady);
}

GParamSpec* cookie_exchange_pspec(const char* blurb) {
  return g_param_spec_boolean("cookie-exchange", "Cookie exchange", blurb, TRUE, kReadWriteReady);
}

GParamSpec* connection_state_pspec(const char* blurb) {
  return g_param_spec_enum("connection-state", "Connection state", blurb,
                           dtls_connection_state_get_type(), static_cast<int>(DtlsState::fresh),
                           kReadOnly);
}

GParamSpec* peer_pem_pspec() {
  return g_param_spec_string("peer-pem", "Peer PEM",
                             "The X509 certificate received in the DTLS handshake, in PEM format",
                             nullptr, kReadOnly);
}

GParamSpec* fingerprint_pspec() {
  return g_param_spec_string("fingerprint", "Fingerprint",
                             "The local certificate's fingerprint in SDP form (RFC 8122), "
                             "\"sha-256 AB:CD:...\"",
                             nullptr, kReadOnly);
}

GParamSpec* srtp_profile_pspec() {
  return g_param_spec_string("srtp-profile", "SRTP profile",
                             "The SRTP profile negotiated (RFC 5764 name), empty before", nullptr,
                             kReadOnly);
}

}  // namespace secmedia::gst
