// SPDX-License-Identifier: LGPL-2.1-or-later
// The DTLS properties that dtlsenc/dtlsdec and the DTLS-SRTP bins both offer, made in one place so
// that a property has the same name, type, range and flags wherever it appears. Where an element
// describes a property in its own words (what connection-id pairs it with), the blurb is given.
#pragma once

#include <gst/gst.h>

namespace secmedia::gst {

// Read-write, mutable in READY.
GParamSpec* connection_id_pspec(const char* blurb);
GParamSpec* is_client_pspec(const char* blurb);
GParamSpec* pem_pspec();
GParamSpec* pem_file_pspec(const char* blurb);
GParamSpec* peer_fingerprint_pspec();
GParamSpec* cookie_exchange_pspec(const char* blurb);

// Read-only.
GParamSpec* connection_state_pspec(const char* blurb);
GParamSpec* peer_pem_pspec();
GParamSpec* fingerprint_pspec();
GParamSpec* srtp_profile_pspec();

}  // namespace secmedia::gst
