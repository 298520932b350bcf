// SPDX-License-Identifier: LGPL-2.1-or-later
// A BIO that keeps datagram boundaries between OpenSSL and the caller, in memory: each write
// OpenSSL makes is one datagram out, each read takes one datagram in. OpenSSL 3.0 has no datagram
// memory BIO (BIO_s_dgram_pair is 3.2+), and BIO_s_mem would glue records of a flight into one
// stream.
#pragma once

#include <openssl/bio.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <span>
#include <vector>

#include "openssl_handles.h"

namespace secmedia::detail {

class DatagramBio {
 public:
  // The BIO_METHOD is per connection: no process-global BIO type.
  bool init();
  // A new BIO reading from and writing to this object; the SSL object that gets it owns it. This
  // object must outlive it.
  BIO* make_bio();

  void push_incoming(std::span<const uint8_t> datagram);
  void push_incoming(std::vector<uint8_t>&& datagram);
  bool has_outgoing() const { return !outgoing_.empty(); }
  size_t outgoing_count() const { return outgoing_.size(); }
  std::vector<uint8_t> pop_outgoing();
  void drop_outgoing() { outgoing_.clear(); }

  uint64_t datagrams_written() const { return datagrams_written_; }
  uint64_t bytes_written() const { return bytes_written_; }

 private:
  static int write(BIO* bio, const char* data, int length);
  static int read(BIO* bio, char* out, int length);
  static long control(BIO* bio, int command, long number, void* pointer);
  static int create(BIO* bio);

  OpenSslPtr<BIO_METHOD> method_;
  std::deque<std::vector<uint8_t>> incoming_;
  std::deque<std::vector<uint8_t>> outgoing_;
  uint64_t datagrams_written_ = 0;
  uint64_t bytes_written_ = 0;
};

}  // namespace secmedia::detail
