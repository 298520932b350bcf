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

// Protects every buffer of `list` (taken) into a new list, in place where each allows it (a list
// shared with another owner is copied first and its buffers then copied on write).
// `last_failure` is the status of the last packet dropped, left as it was when none was.
GstBufferList* protect_list(SrtpSession& session, GstBufferList* list, PacketKind kind,
                            SrtpStatus& last_failure);

// The key-usage limits (RFC 3711 §9.2) the session reported since the last call: at the soft
// limit the key should be replaced, at the hard limit it protects nothing more. Read with the
// element's lock held; signals and errors go out once it is released.
struct KeyLimits {
  bool soft = false;
  bool hard = false;
};
KeyLimits poll_key_limits(SrtpSession& session);

// A packet on srtpdec's sink: RTP or RTCP (RFC 5761 §4: with both on one flow, RTCP's second octet,
// the packet type, is 192-223) and its SSRC; `ok` is false when it is too short to name one.
struct ClassifiedPacket {
  bool ok = false;
  PacketKind kind = PacketKind::rtp;
  uint32_t ssrc = 0;
};
ClassifiedPacket classify_packet(GstBuffer* buffer);

// Answers an allocation query so that upstream's buffers have `overhead` octets of room after the
// data, for protect to work in place: what downstream answered (if anything) is kept and only its
// padding widened.
void request_tail_room(GstQuery* query, gsize overhead);

}  // namespace secmedia::gst
