// SPDX-License-Identifier: LGPL-2.1-or-later
#include "srtp_buffer.h"

#include <algorithm>
#include <cstring>

namespace secmedia::gst {

namespace {

// The one memory of a buffer already known to be writable, when no other buffer shares that memory,
// so that it may be changed in place; null otherwise (several memories, shared or read-only ones
// take the GstBuffer calls, which copy what they must). Mapping and resizing that memory directly
// costs a third of what gst_buffer_map, gst_buffer_unmap and gst_buffer_set_size do (about 220
// against 740 instructions a packet under callgrind), which was half of what srtpdec adds to the
// core's work besides the pad push (issue 15).
GstMemory* sole_memory_of_writable(GstBuffer* writable) {
  if (gst_buffer_n_memory(writable) != 1) return nullptr;
  GstMemory* memory = gst_buffer_peek_memory(writable, 0);
  // A read-only memory (static data wrapped by the application) cannot be mapped for writing:
  // gst_buffer_map copies it.
  return gst_memory_is_writable(memory) && !GST_MEMORY_IS_READONLY(memory) ? memory : nullptr;
}

// The same for any buffer: null when the buffer itself is shared.
GstMemory* sole_writable_memory(GstBuffer* buffer) {
  return gst_buffer_is_writable(buffer) ? sole_memory_of_writable(buffer) : nullptr;
}

// The core transform of `kind` over `bytes` in place; `length` is the packet's length on entry
// (`bytes` may be longer by the room for the tag) and the transform's output on return.
SrtpStatus transform_bytes(std::span<uint8_t> bytes, size_t& length, bool protect, PacketKind kind,
                           SrtpSession& session) {
  if (protect) {
    return kind == PacketKind::rtcp ? session.protect_rtcp(bytes, length)
                                    : session.protect_rtp(bytes, length);
  }
  return kind == PacketKind::rtcp ? session.unprotect_rtcp(bytes, length)
                                  : session.unprotect_rtp(bytes, length);
}

// The same over `memory`, which then shrinks or grows to the transform's output.
SrtpStatus transform_memory(GstMemory* memory, size_t length, bool protect, PacketKind kind,
                            SrtpSession& session) {
  GstMapInfo map;
  if (!gst_memory_map(memory, &map, GST_MAP_READWRITE)) return SrtpStatus::malformed;
  const SrtpStatus status =
      transform_bytes(std::span<uint8_t>(map.data, map.size), length, protect, kind, session);
  gst_memory_unmap(memory, &map);
  if (status == SrtpStatus::ok) gst_memory_resize(memory, 0, length);
  return status;
}

// RTP in a writable buffer without room after it: encrypt in place and append the tag as a second,
// small memory, instead of copying the whole packet to make room.
GstBuffer* protect_with_appended_trailer(SrtpSession& session, GstBuffer* buffer, GstMemory* memory,
                                         SrtpStatus& status) {
  const gsize overhead = session.rtp_overhead();
  GstMemory* trailer = gst_allocator_alloc(nullptr, overhead, nullptr);
  GstMapInfo map;
  GstMapInfo trailer_map;
  if (!trailer || !gst_memory_map(memory, &map, GST_MAP_READWRITE)) {
    if (trailer) gst_memory_unref(trailer);
    gst_buffer_unref(buffer);
    status = SrtpStatus::malformed;
    return nullptr;
  }
  gst_memory_map(trailer, &trailer_map, GST_MAP_WRITE);
  size_t trailer_length = 0;
  status =
      session.protect_rtp(std::span<uint8_t>(map.data, map.size),
                          std::span<uint8_t>(trailer_map.data, trailer_map.size), trailer_length);
  gst_memory_unmap(trailer, &trailer_map);
  gst_memory_unmap(memory, &map);
  if (status != SrtpStatus::ok) {
    gst_memory_unref(trailer);
    gst_buffer_unref(buffer);
    return nullptr;
  }
  if (trailer_length != overhead) gst_memory_resize(trailer, 0, trailer_length);
  gst_buffer_append_memory(buffer, trailer);
  return buffer;
}

}  // namespace

std::vector<uint8_t> buffer_bytes(GstBuffer* buffer) {
  std::vector<uint8_t> bytes(gst_buffer_get_size(buffer));
  if (bytes.empty()) return bytes;  // an empty vector's data() is null, which extract refuses
  gst_buffer_extract(buffer, 0, bytes.data(), bytes.size());
  return bytes;
}

GstBuffer* protect_buffer(SrtpSession& session, GstBuffer* buffer, PacketKind kind,
                          SrtpStatus& status) {
  const gsize overhead =
      kind == PacketKind::rtcp ? session.rtcp_overhead() : session.rtp_overhead();
  if (GstMemory* memory = sole_writable_memory(buffer)) {
    gsize offset = 0;
    gsize max_size = 0;
    const gsize size = gst_memory_get_sizes(memory, &offset, &max_size);
    if (max_size - offset >= size + overhead) {
      // Room after the packet: in place, no allocation.
      gst_memory_resize(memory, 0, size + overhead);
      status = transform_memory(memory, size, true, kind, session);
      if (status != SrtpStatus::ok) {
        gst_buffer_unref(buffer);
        return nullptr;
      }
      return buffer;
    }
    if (kind == PacketKind::rtp) {
      return protect_with_appended_trailer(session, buffer, memory, status);
    }
  }
  const gsize size = gst_buffer_get_size(buffer);
  // Shared, in several memories, or RTCP without room: one copy, into a memory with the room.
  GstBuffer* out = gst_buffer_new_allocate(nullptr, size + overhead, nullptr);
  GstMemory* memory = out ? gst_buffer_peek_memory(out, 0) : nullptr;
  GstMapInfo map;
  if (!memory || !gst_memory_map(memory, &map, GST_MAP_READWRITE)) {
    if (out) gst_buffer_unref(out);
    gst_buffer_unref(buffer);
    status = SrtpStatus::malformed;
    return nullptr;
  }
  gst_buffer_copy_into(out, buffer, GST_BUFFER_COPY_METADATA, 0, static_cast<gsize>(-1));
  gst_buffer_extract(buffer, 0, map.data, size);
  gst_buffer_unref(buffer);
  // Protected while the copy is still mapped: one map of the new memory a packet, not two.
  size_t length = size;
  status = transform_bytes(std::span<uint8_t>(map.data, map.size), length, true, kind, session);
  gst_memory_unmap(memory, &map);
  if (status != SrtpStatus::ok) {
    gst_buffer_unref(out);
    return nullptr;
  }
  gst_memory_resize(memory, 0, length);
  return out;
}

GstBuffer* unprotect_buffer(SrtpSession& session, GstBuffer* buffer, PacketKind kind,
                            SrtpStatus& status) {
  buffer = gst_buffer_make_writable(buffer);
  if (GstMemory* memory = sole_memory_of_writable(buffer)) {
    status = transform_memory(memory, gst_memory_get_sizes(memory, nullptr, nullptr), false, kind,
                              session);
    if (status != SrtpStatus::ok) {
      gst_buffer_unref(buffer);
      return nullptr;
    }
    return buffer;
  }
  GstMapInfo map;
  if (!gst_buffer_map(buffer, &map, GST_MAP_READWRITE)) {
    gst_buffer_unref(buffer);
    status = SrtpStatus::malformed;
    return nullptr;
  }
  size_t length = map.size;
  status = transform_bytes(std::span<uint8_t>(map.data, map.size), length, false, kind, session);
  gst_buffer_unmap(buffer, &map);
  if (status != SrtpStatus::ok) {
    gst_buffer_unref(buffer);
    return nullptr;
  }
  gst_buffer_set_size(buffer, static_cast<gssize>(length));
  return buffer;
}

namespace {

struct ListProtection {
  SrtpSession& session;
  PacketKind kind;
  GstBufferList* out;
  SrtpStatus& last_failure;
};

gboolean protect_list_item(GstBuffer** buffer, guint, gpointer data) {
  auto& work = *static_cast<ListProtection*>(data);
  SrtpStatus status;
  if (GstBuffer* out = protect_buffer(work.session, *buffer, work.kind, status)) {
    gst_buffer_list_add(work.out, out);
  } else {
    work.last_failure = status;
  }
  *buffer = nullptr;  // taken: removed from the list without an unref
  return TRUE;
}

}  // namespace

GstBufferList* protect_list(SrtpSession& session, GstBufferList* list, PacketKind kind,
                            SrtpStatus& last_failure) {
  ListProtection work{session, kind, gst_buffer_list_new_sized(gst_buffer_list_length(list)),
                      last_failure};
  // Each buffer is taken out of the (writable) list so that it can be protected in place.
  list = gst_buffer_list_make_writable(list);
  gst_buffer_list_foreach(list, protect_list_item, &work);
  gst_buffer_list_unref(list);
  return work.out;
}

KeyLimits poll_key_limits(SrtpSession& session) {
  KeyLimits limits;
  while (auto event = session.poll_event()) {
    if (event->kind == SrtpEvent::Kind::soft_limit) limits.soft = true;
    if (event->kind == SrtpEvent::Kind::hard_limit) limits.hard = true;
  }
  return limits;
}

ClassifiedPacket classify_packet(GstBuffer* buffer) {
  ClassifiedPacket c;
  uint8_t head[12];
  gsize got = 0;
  // The first memory holds the header whenever a socket or a payloader made the buffer: read it
  // there, which costs half of gst_buffer_extract's general walk (about 200 of 414 instructions a
  // packet under callgrind, issue 15); the walk handles a header split across memories.
  GstMapInfo map;
  if (gst_buffer_n_memory(buffer) > 0 &&
      gst_memory_map(gst_buffer_peek_memory(buffer, 0), &map, GST_MAP_READ)) {
    got = std::min<gsize>(map.size, sizeof head);
    std::memcpy(head, map.data, got);
    gst_memory_unmap(gst_buffer_peek_memory(buffer, 0), &map);
  }
  if (got < sizeof head) got = gst_buffer_extract(buffer, 0, head, sizeof head);
  const bool rtcp = got >= 2 && head[1] >= 192 && head[1] <= 223;
  c.kind = rtcp ? PacketKind::rtcp : PacketKind::rtp;
  const gsize ssrc_offset = rtcp ? 4 : 8;
  if (got < ssrc_offset + 4) return c;
  c.ssrc = uint32_t{head[ssrc_offset]} << 24 | uint32_t{head[ssrc_offset + 1]} << 16 |
           uint32_t{head[ssrc_offset + 2]} << 8 | head[ssrc_offset + 3];
  c.ok = true;
  return c;
}

void request_tail_room(GstQuery* query, gsize overhead) {
  if (gst_query_get_n_allocation_params(query) > 0) {
    GstAllocator* allocator = nullptr;
    GstAllocationParams existing;
    gst_query_parse_nth_allocation_param(query, 0, &allocator, &existing);
    existing.padding = MAX(existing.padding, overhead);
    gst_query_set_nth_allocation_param(query, 0, allocator, &existing);
    if (allocator) gst_object_unref(allocator);
  } else {
    GstAllocationParams params;
    gst_allocation_params_init(&params);
    params.padding = overhead;
    gst_query_add_allocation_param(query, nullptr, &params);
  }
}

}  // namespace secmedia::gst
