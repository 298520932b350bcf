// SPDX-License-Identifier: LGPL-2.1-or-later
// Where a datagram came from, in the form the DTLS core takes as a datagram's `source`
// (DtlsConnection::handle_datagram binds a handshake to the source that moved it on, RFC 6347
// §4.2.1): the socket address udpsrc (retrieve-sender-address, on by default) and other network
// sources attach to a buffer as GstNetAddressMeta, in its native struct sockaddr form. Empty when
// the buffer carries no address (nicesrc, appsrc, an element in between that dropped the meta).
#pragma once

#include <gst/gst.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace secmedia::gst {

class DatagramSource {
 public:
  // Reads the buffer's GstNetAddressMeta; no allocation.
  explicit DatagramSource(GstBuffer* buffer);
  std::span<const uint8_t> bytes() const { return {bytes_.data(), size_}; }

 private:
  std::array<uint8_t, 128> bytes_{};  // a struct sockaddr_storage
  size_t size_ = 0;
};

}  // namespace secmedia::gst
