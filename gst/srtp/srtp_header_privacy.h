// SPDX-License-Identifier: LGPL-2.1-or-later
// Header privacy settings of srtpenc and srtpdec (RFC 6904, RFC 9335): the properties' and caps
// fields' types, shared by both elements. An application that negotiates
// a=extmap:<id> urn:ietf:params:rtp-hdrext:encrypt <uri> lists <id> in encrypted-header-ids; one
// that negotiates a=cryptex sets cryptex.
#pragma once

#include <gst/gst.h>

#include <optional>
#include <string>
#include <vector>

#include "secmedia/srtp.h"
#include "secmedia/srtp_keyring.h"

namespace secmedia::gst {

// GEnum for CryptexMode ("off", "accept", "required").
GType cryptex_mode_get_type();

// "1,3,14" (spaces allowed, empty = none) into IDs 1-255; nullopt and `why` for anything else.
std::optional<std::vector<uint8_t>> parse_extension_ids(const char* text, std::string* why);
std::string format_extension_ids(const std::vector<uint8_t>& ids);

// Per-key overrides from caps: srtp-encrypted-header-ids (string, as above) and srtp-cryptex
// (string, a CryptexMode name). Absent fields stay nullopt; a bad value fails with `why`.
using HeaderPrivacyFields = SrtpHeaderPrivacy;
bool parse_header_privacy_fields(const GstStructure* s, HeaderPrivacyFields& out, std::string* why);

// The config's settings: the caps fields where present, else the element's properties.
void apply_header_privacy(SrtpConfig& config, const std::vector<uint8_t>& property_ids,
                          CryptexMode property_cryptex, const HeaderPrivacyFields& fields);

// Writes the settings `config` uses as srtp-encrypted-header-ids and srtp-cryptex (both always
// present, so a srtpdec downstream takes them over its own properties), as srtpenc announces them
// on its RTP output caps. They are not secret.
void set_header_privacy_fields(GstStructure* s, const SrtpConfig& config);

// The two properties, as both elements install them.
GParamSpec* encrypted_header_ids_pspec();
GParamSpec* cryptex_pspec();

// Adds the header-protection counters of `stats` to an element's stats structure.
void add_header_protection_stats(GstStructure* structure, const SrtpStats& stats);

}  // namespace secmedia::gst
