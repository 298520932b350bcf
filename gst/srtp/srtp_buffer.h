// SPDX-License-Identifier: LGPL-2.1-or-later
// Running a core transform over a GstBuffer: in place when the buffer allows it, one copy
// otherwise.
#pragma once

#include <gst/gst.h>

#include <cstdint>
#include <vector>

#include "secmedia/srtp.h"

namespace secmedia::gst {

enum class PacketKind { rtp, rtcp };

// A copy of the buffer's bytes (keys and MKIs from properties and caps; never a packet).
std::vector<uint8_t> buffer_bytes(GstBuffer* buffer);

// Protects `buffer` (consumed) with `session`. Works in place when the buffer is writable, has one
// memory and `overhead` octets of room after the data; otherwise copies once into a new buffer with
// the room. Returns the protected buffer, or nullptr with `status` set when the packet was dropped.
GstBuffer* protect_buffer(SrtpSession& session, GstBuffer* buffer, PacketKind kind,
                          SrtpStatus& status);
// Unprotects `buffer` (consumed) in place (after gst_buffer_make_writable). Returns it shrunk, or
// nullptr with `status` set when the packet was dropped.
GstBuffer* unprotect_buffer(SrtpSession& session, GstBuffer* buffer, PacketKind kind,
                            SrtpStatus& status);

}  // namespace secmedia::gst
