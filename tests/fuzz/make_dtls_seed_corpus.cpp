// SPDX-License-Identifier: LGPL-2.1-or-later
// Writes the seed corpus of dtls_fuzzer into a directory: for eight selectors (both roles, the
// cookie exchange, the small MTU, plain DTLS, expected fingerprints, an RSA peer, a peer without
// use_srtp), a whole handshake driven by the recorded datagrams, the connected engine with the
// peer's application data and close_notify, the peer's first flight carried as raw datagrams (so
// that the fuzzer mutates real hellos, certificates and key exchanges), mutated and reordered
// genuine datagrams, copies of the peer's datagrams from strangers, and timeouts up to the
// retransmission limit. Deterministic: rerunning it
// rewrites the same files (the handshakes are recorded as dtls_fuzzer records them, with the same
// deterministic randomness and certificates).
//
// Usage: make_dtls_seed_corpus <directory>      (tests/fuzz/dtls_corpus in the source tree)
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "dtls_fuzz_input.h"

namespace secmedia::fuzz::dtls {
namespace {

using Bytes = std::vector<uint8_t>;

uint8_t op(Op kind, unsigned parameter = 0) {
  return static_cast<uint8_t>(static_cast<unsigned>(kind) | (parameter << 3));
}

void put16(Bytes& out, size_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}

void raw(Bytes& out, const Bytes& datagram, unsigned stranger = 0) {
  out.push_back(op(Op::raw, stranger));
  put16(out, datagram.size());
  out.insert(out.end(), datagram.begin(), datagram.end());
}

Bytes header(const Selector& s, size_t stage, TimerProfile timers = TimerProfile::standard,
             bool implicit_start = false) {
  return {s.octet(), Stage{stage, timers, implicit_start}.octet()};
}

void write(const std::filesystem::path& directory, const std::string& name, const Bytes& input) {
  std::ofstream out(directory / name, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(input.data()),
            static_cast<std::streamsize>(input.size()));
  if (!out) {
    std::fprintf(stderr, "cannot write %s\n", (directory / name).c_str());
    std::exit(1);
  }
}

void write_seeds(const std::filesystem::path& directory, const std::string& name, const Selector& s,
                 TimerProfile timers) {
  const Transcript t = record(s);
  check_replay(s, t);
  const size_t handshake = t.handshake_datagrams;

  // The whole handshake one recorded datagram at a time, then application data both ways and a
  // close.
  Bytes handshake_input = header(s, 0);
  for (size_t i = 0; i < handshake; ++i) handshake_input.push_back(op(Op::next_genuine));
  handshake_input.push_back(op(Op::send));
  put16(handshake_input, 100);
  for (size_t i = handshake; i < t.peer_datagrams.size(); ++i) {
    handshake_input.push_back(op(Op::next_genuine));
  }
  handshake_input.push_back(op(Op::close));
  write(directory, name + "_handshake", handshake_input);

  // Connected from the start: the peer's records out of order and twice, a send (0xffff, taken
  // modulo max_application_data() + 2), garbage application data, a clock step and close.
  Bytes connected = header(s, handshake);
  for (size_t i = t.peer_datagrams.size(); i-- > handshake;) {
    connected.push_back(op(Op::genuine, static_cast<unsigned>(i)));
    connected.push_back(op(Op::genuine, static_cast<unsigned>(i)));
  }
  connected.push_back(op(Op::send));
  put16(connected, 0xffff);
  raw(connected, {23, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 9, 0, 4, 1, 2, 3, 4});
  connected.push_back(op(Op::timeout, 5));
  connected.push_back(op(Op::close));
  write(directory, name + "_connected", connected);

  // The peer's datagrams as raw bytes, for the fuzzer to mutate in place.
  Bytes raw_flights = header(s, 0);
  for (size_t i = 0; i < handshake; ++i) raw(raw_flights, t.peer_datagrams[i]);
  write(directory, name + "_raw_flights", raw_flights);

  // Mutated copies of the peer's first datagram before the genuine ones, with no start() first: the
  // record's version flipped, an octet of the handshake message set, the datagram cut, two
  // datagrams in one.
  Bytes mutated = header(s, 0, TimerProfile::standard, true);  // the first datagram starts it
  struct Mutation {
    unsigned kind;
    size_t position;
    uint8_t value;
  };
  const Mutation mutations[] = {{0, 1, 0x80}, {2, 60, 0}, {1, 100, 0}, {3, 0, 1}};
  for (const Mutation& m : mutations) {
    mutated.push_back(op(Op::mutated_genuine, m.kind));
    mutated.push_back(0);
    put16(mutated, m.position);
    mutated.push_back(m.value);
  }
  for (size_t i = 0; i < handshake; ++i) mutated.push_back(op(Op::next_genuine));
  write(directory, name + "_mutated", mutated);

  // Every datagram of the peer's handshake first from a stranger (a spoofer copying it), then from
  // the peer: the stranger's copy before the handshake is bound, ignored after.
  Bytes strangers = header(s, 0);
  for (size_t i = 0; i < handshake; ++i) {
    raw(strangers, t.peer_datagrams[i], 1 + static_cast<unsigned>(i % 31));
    strangers.push_back(op(Op::next_genuine));
  }
  write(directory, name + "_strangers", strangers);

  // Silence after the first flight: retransmissions (at the next timeout each time) until the limit
  // of the retransmission profile or the handshake timeout ends it.
  Bytes retransmit = header(s, handshake > 0 ? 1 : 0, timers);
  for (int i = 0; i < 14; ++i) retransmit.push_back(op(Op::timeout, 16));
  write(directory, name + "_retransmit", retransmit);

  // Never started: send, a clock step and close on a fresh engine, then a datagram it must refuse.
  if (s.srtp == SrtpMode::both_default && s.fingerprints == FingerprintMode::none &&
      s.mtu == 1200) {
    Bytes fresh = header(s, 0, TimerProfile::standard, true);
    fresh.push_back(op(Op::send));
    put16(fresh, 10);
    fresh.push_back(op(Op::timeout, 5));
    fresh.push_back(op(Op::close));
    fresh.push_back(op(Op::next_genuine));
    write(directory, name + "_fresh_close", fresh);
  }
}

}  // namespace
}  // namespace secmedia::fuzz::dtls

int main(int argc, char** argv) {
  using namespace secmedia::fuzz::dtls;
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <directory>\n", argv[0]);
    return 2;
  }
  const std::filesystem::path directory = argv[1];
  std::filesystem::create_directories(directory);
  if (!install_deterministic_random())
    setup_failed("OpenSSL refused the deterministic RAND_METHOD");

  struct Named {
    const char* name;
    Selector selector;
  };
  const auto make = [](secmedia::DtlsRole role) {
    Selector s;
    s.role = role;
    return s;
  };
  std::vector<Named> selectors;
  for (secmedia::DtlsRole role : {secmedia::DtlsRole::client, secmedia::DtlsRole::server}) {
    selectors.push_back({role == secmedia::DtlsRole::client ? "client" : "server", make(role)});
  }
  Selector s = make(secmedia::DtlsRole::client);
  s.mtu = 256;
  selectors.push_back({"client_mtu256", s});
  s = make(secmedia::DtlsRole::server);
  s.cookie_exchange = true;
  s.mtu = 256;
  selectors.push_back({"server_cookie_mtu256", s});
  s = make(secmedia::DtlsRole::server);
  s.srtp = SrtpMode::plain;
  s.fingerprints = FingerprintMode::matching;
  selectors.push_back({"server_plain_fingerprint", s});
  s = make(secmedia::DtlsRole::client);
  s.peer_rsa = true;
  s.srtp = SrtpMode::peer_other;
  s.fingerprints = FingerprintMode::several;
  selectors.push_back({"client_rsa_peer_other", s});
  s = make(secmedia::DtlsRole::client);
  s.srtp = SrtpMode::peer_plain;
  selectors.push_back({"client_peer_plain", s});
  s = make(secmedia::DtlsRole::server);
  s.fingerprints = FingerprintMode::mismatch;
  selectors.push_back({"server_fingerprint_mismatch", s});

  // Each retransmission profile for two of them.
  for (size_t i = 0; i < selectors.size(); ++i) {
    write_seeds(directory, selectors[i].name, selectors[i].selector,
                static_cast<TimerProfile>(i % 4));
  }
  std::printf("wrote the seeds of %zu selectors to %s\n", selectors.size(), directory.c_str());
  return 0;
}
