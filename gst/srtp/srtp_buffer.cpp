#include "srtp_buffer.h"

namespace secmedia::gst {

namespace {

// True when `buffer` can grow by `overhead` octets without a new allocation.
bool has_tail_room(GstBuffer* buffer, gsize overhead) {
  if (!gst_buffer_is_writable(buffer) || gst_buffer_n_memory(buffer) != 1) return false;
  GstMemory* memory = gst_buffer_peek_memory(buffer, 0);
  if (!gst_memory_is_writable(memory)) return false;
  gsize offset = 0;
  gsize max_size = 0;
  const gsize size = gst_memory_get_sizes(memory, &offset, &max_size);
  return max_size - offset >= size + overhead;
}

}  // namespace

GstBuffer* protect_buffer(SrtpSession& session, GstBuffer* buffer, PacketKind kind,
                          SrtpStatus& status) {
  const gsize size = gst_buffer_get_size(buffer);
  const gsize overhead =
      kind == PacketKind::rtcp ? session.rtcp_overhead() : session.rtp_overhead();
  GstBuffer* out = nullptr;
  if (has_tail_room(buffer, overhead)) {
    gst_buffer_set_size(buffer, static_cast<gssize>(size + overhead));
    out = buffer;
  } else {
    out = gst_buffer_new_allocate(nullptr, size + overhead, nullptr);
    gst_buffer_copy_into(out, buffer, GST_BUFFER_COPY_METADATA, 0, static_cast<gsize>(-1));
    GstMapInfo map;
    if (!gst_buffer_map(out, &map, GST_MAP_WRITE)) {
      gst_buffer_unref(out);
      gst_buffer_unref(buffer);
      status = SrtpStatus::malformed;
      return nullptr;
    }
    gst_buffer_extract(buffer, 0, map.data, size);
    gst_buffer_unmap(out, &map);
    gst_buffer_unref(buffer);
  }

  GstMapInfo map;
  if (!gst_buffer_map(out, &map, GST_MAP_READWRITE)) {
    gst_buffer_unref(out);
    status = SrtpStatus::malformed;
    return nullptr;
  }
  size_t length = size;
  const std::span<uint8_t> bytes(map.data, map.size);
  status = kind == PacketKind::rtcp ? session.protect_rtcp(bytes, length)
                                    : session.protect_rtp(bytes, length);
  gst_buffer_unmap(out, &map);
  if (status != SrtpStatus::ok) {
    gst_buffer_unref(out);
    return nullptr;
  }
  gst_buffer_set_size(out, static_cast<gssize>(length));
  return out;
}

GstBuffer* unprotect_buffer(SrtpSession& session, GstBuffer* buffer, PacketKind kind,
                            SrtpStatus& status) {
  buffer = gst_buffer_make_writable(buffer);
  GstMapInfo map;
  if (!gst_buffer_map(buffer, &map, GST_MAP_READWRITE)) {
    gst_buffer_unref(buffer);
    status = SrtpStatus::malformed;
    return nullptr;
  }
  size_t length = map.size;
  const std::span<uint8_t> bytes(map.data, map.size);
  status = kind == PacketKind::rtcp ? session.unprotect_rtcp(bytes, length)
                                    : session.unprotect_rtp(bytes, length);
  gst_buffer_unmap(buffer, &map);
  if (status != SrtpStatus::ok) {
    gst_buffer_unref(buffer);
    return nullptr;
  }
  gst_buffer_set_size(buffer, static_cast<gssize>(length));
  return buffer;
}

}  // namespace secmedia::gst
