// SPDX-License-Identifier: LGPL-2.1-or-later
#include "datagram_bio.h"

#include <algorithm>
#include <cstring>

namespace secmedia::detail {

bool DatagramBio::init() {
  method_.reset(BIO_meth_new(BIO_TYPE_SOURCE_SINK, "secmedia datagram"));
  return method_ && BIO_meth_set_write(method_.get(), write) == 1 &&
         BIO_meth_set_read(method_.get(), read) == 1 &&
         BIO_meth_set_ctrl(method_.get(), control) == 1 &&
         BIO_meth_set_create(method_.get(), create) == 1;
}

BIO* DatagramBio::make_bio() {
  BIO* bio = BIO_new(method_.get());
  if (bio) BIO_set_data(bio, this);
  return bio;
}

void DatagramBio::push_incoming(std::span<const uint8_t> datagram) {
  incoming_.emplace_back(datagram.begin(), datagram.end());
}

void DatagramBio::push_incoming(std::vector<uint8_t>&& datagram) {
  incoming_.push_back(std::move(datagram));
}

std::vector<uint8_t> DatagramBio::pop_outgoing() {
  std::vector<uint8_t> datagram = std::move(outgoing_.front());
  outgoing_.pop_front();
  return datagram;
}

int DatagramBio::create(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

int DatagramBio::write(BIO* bio, const char* data, int length) {
  auto* self = static_cast<DatagramBio*>(BIO_get_data(bio));
  if (!self || length < 0) return -1;
  self->outgoing_.emplace_back(reinterpret_cast<const uint8_t*>(data),
                               reinterpret_cast<const uint8_t*>(data) + length);
  ++self->datagrams_written_;
  self->bytes_written_ += static_cast<uint64_t>(length);
  return length;
}

int DatagramBio::read(BIO* bio, char* out, int length) {
  auto* self = static_cast<DatagramBio*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  if (!self || self->incoming_.empty()) {
    BIO_set_retry_read(bio);
    return -1;
  }
  std::vector<uint8_t> datagram = std::move(self->incoming_.front());
  self->incoming_.pop_front();
  // Like a UDP socket: what does not fit the reader's buffer is lost (OpenSSL reads with room for
  // the largest record, so this only trims garbage).
  const size_t copied = std::min(datagram.size(), static_cast<size_t>(length));
  std::memcpy(out, datagram.data(), copied);
  return static_cast<int>(copied);
}

long DatagramBio::control(BIO* bio, int command, long, void*) {
  auto* self = static_cast<DatagramBio*>(BIO_get_data(bio));
  switch (command) {
    case BIO_CTRL_FLUSH:
      return 1;
    case BIO_CTRL_PENDING:
      return self && !self->incoming_.empty() ? static_cast<long>(self->incoming_.front().size())
                                              : 0;
    case BIO_CTRL_WPENDING:
      return 0;
    case BIO_CTRL_DGRAM_GET_MTU_OVERHEAD:
      return 0;  // the MTU we are given is already the UDP payload size
    case BIO_CTRL_DGRAM_SET_NEXT_TIMEOUT:
      return 1;  // the caller runs the clock
    default:
      return 0;
  }
}

}  // namespace secmedia::detail
