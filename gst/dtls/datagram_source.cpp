// SPDX-License-Identifier: LGPL-2.1-or-later
#include "datagram_source.h"

#include <gio/gio.h>
#include <gst/net/gstnetaddressmeta.h>

namespace secmedia::gst {

DatagramSource::DatagramSource(GstBuffer* buffer) {
  GstNetAddressMeta* meta = gst_buffer_get_net_address_meta(buffer);
  if (!meta || !meta->addr) return;
  const gssize size = g_socket_address_get_native_size(meta->addr);
  // The array was zeroed, so padding (sin_zero) compares equal from one datagram to the next.
  if (size <= 0 || static_cast<size_t>(size) > bytes_.size() ||
      !g_socket_address_to_native(meta->addr, bytes_.data(), bytes_.size(), nullptr)) {
    return;
  }
  size_ = static_cast<size_t>(size);
}

}  // namespace secmedia::gst
