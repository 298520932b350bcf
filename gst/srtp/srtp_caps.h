// SPDX-License-Identifier: LGPL-2.1-or-later
// Caps of the SRTP elements: renaming between application/x-rtp and application/x-srtp (and RTCP),
// and the key fields srtpdec accepts in its sink caps (gst-plugins-bad's names, so existing
// applications and the PEERS.md §3 caps keep working).
#pragma once

#include <gst/gst.h>

#include <optional>
#include <string>
#include <vector>

#include "secmedia/srtp.h"
#include "srtp_buffer.h"
#include "srtp_header_privacy.h"

namespace secmedia::gst {

// Every key-related field a caps structure may carry. None of them ever leaves our elements.
bool is_key_field(const char* field_name);

// Copies `caps` with the structures renamed for `kind` (protected or plain) and every key field
// removed; srtp-encrypted-header-ids and srtp-cryptex stay on SRTP caps only.
GstCaps* rename_caps(const GstCaps* caps, PacketKind kind, bool protected_form);

// Adds the descriptive (not secret) fields srtpenc puts on its output: srtp-cipher, srtp-auth,
// srtcp-cipher, srtcp-auth and, when set, mki.
void add_cipher_fields(GstCaps* caps, SrtpProfile rtp_profile, SrtpProfile rtcp_profile,
                       GstBuffer* mki);

// Answers a caps query on `pad` from the caps of `other`'s peer with the structure names swapped,
// so caps negotiate through the element. `this_protected`: whether `pad` carries SRTP/SRTCP.
gboolean answer_caps_query(GstPad* pad, GstQuery* query, GstPad* other, PacketKind kind,
                           bool this_protected);

// The keys of caps: srtp-key/mki, srtp-key2/mki2 ... srtp-key16/mki16, the four cipher and auth
// fields as profiles, roc, srtp-encrypted-header-ids and srtp-cryptex.
using CapsMasterKey = SrtpMasterKey;
using CapsKeys = SrtpSsrcKeys;

// True when `s` has srtp-key, or names all four ciphers and auths as "null" (pass-through).
bool caps_carry_keys(const GstStructure* s);

// Reads the key fields of `s`. nullopt with `why` when they are absent or inconsistent (wrong key
// length for the cipher, MKIs of different sizes, unknown cipher names).
std::optional<CapsKeys> parse_caps_keys(const GstStructure* s, std::string* why);

}  // namespace secmedia::gst
