// SPDX-License-Identifier: LGPL-2.1-or-later
// Two DtlsConnections joined by a simulated network with seeded loss, duplication and reordering.
//
// Each end has a source address of its own (one octet, 'a' or 'b'), given with every datagram it
// sends, as a socket would; a test may deliver datagrams from any other source (spoofing).
//
// Delivery is immediate and the order of events is decided by the network alone; retransmission
// timers run in real time (OpenSSL 3.0 keeps its DTLS timer on the wall clock), so tests use
// timeouts of tens of milliseconds. When nothing is in flight the network waits for the earlier of
// the two timers.
#pragma once

#include <algorithm>
#include <chrono>
#include <deque>
#include <functional>
#include <random>
#include <span>
#include <thread>
#include <vector>

#include "secmedia/dtls.h"

namespace secmedia::test {

struct NetworkConditions {
  double loss = 0.0;         // per datagram, each way
  double duplication = 0.0;  // probability a datagram is delivered twice
  double reordering = 0.0;   // probability a datagram is held back behind the next one
  uint32_t seed = 1;
};

class SimulatedNetwork {
 public:
  SimulatedNetwork(DtlsConnection& a, DtlsConnection& b, NetworkConditions conditions)
      : ends_{&a, &b}, conditions_(conditions), rng_(conditions.seed) {}

  static DtlsTime now() {
    return std::chrono::duration_cast<DtlsTime>(
        std::chrono::steady_clock::now().time_since_epoch());
  }

  // Runs until `done` holds or `limit` passes. Returns whether `done` held.
  bool run(const std::function<bool()>& done, std::chrono::milliseconds limit) {
    const DtlsTime deadline = now() + limit;
    while (!done()) {
      if (now() > deadline) return false;
      collect();
      if (!in_flight_.empty()) {
        deliver_one();
        continue;
      }
      // Idle: wait for the earlier timer.
      std::optional<DtlsTime> next;
      int due = -1;
      for (int i = 0; i < 2; ++i) {
        const auto t = ends_[i]->next_timeout();
        if (t && (!next || *t < *next)) {
          next = t;
          due = i;
        }
      }
      if (!next) return done();
      const DtlsTime wait = *next - now();
      if (wait > DtlsTime::zero()) std::this_thread::sleep_for(std::min<DtlsTime>(wait, limit));
      ends_[due]->handle_timeout(now());
    }
    return true;
  }

  // Every datagram either side sent, in order, with its sender (0 = a, 1 = b).
  const std::vector<std::pair<int, std::vector<uint8_t>>>& sent() const { return sent_; }
  void drop_everything_from(int side) { mute_[side] = true; }
  // A datagram for end `to` (0 = a, 1 = b) from `source`, delivered now.
  void deliver_from(int to, std::span<const uint8_t> datagram, std::span<const uint8_t> source) {
    ends_[to]->handle_datagram(datagram, now(), source);
  }
  static std::span<const uint8_t> source_of(int side) { return {&kSources[side], 1}; }
  void set_conditions(NetworkConditions conditions) { conditions_ = conditions; }

 private:
  struct Datagram {
    int to;
    std::vector<uint8_t> bytes;
  };

  bool chance(double p) { return p > 0 && std::uniform_real_distribution<>(0, 1)(rng_) < p; }

  void collect() {
    for (int from = 0; from < 2; ++from) {
      while (auto datagram = ends_[from]->poll_datagram()) {
        sent_.emplace_back(from, *datagram);
        if (mute_[from] || chance(conditions_.loss)) continue;
        Datagram d{1 - from, std::move(*datagram)};
        if (chance(conditions_.duplication)) in_flight_.push_back(d);
        if (!in_flight_.empty() && chance(conditions_.reordering)) {
          in_flight_.insert(in_flight_.end() - 1, std::move(d));
        } else {
          in_flight_.push_back(std::move(d));
        }
      }
    }
  }

  void deliver_one() {
    Datagram d = std::move(in_flight_.front());
    in_flight_.pop_front();
    ends_[d.to]->handle_datagram(d.bytes, now(), source_of(1 - d.to));
  }

  static constexpr uint8_t kSources[2] = {'a', 'b'};

  DtlsConnection* ends_[2];
  NetworkConditions conditions_;
  std::mt19937 rng_;
  std::deque<Datagram> in_flight_;
  std::vector<std::pair<int, std::vector<uint8_t>>> sent_;
  bool mute_[2] = {false, false};
};

// Drains a connection's events into lists a test can inspect.
struct EventLog {
  std::vector<DtlsState> states;
  std::vector<std::string> reasons;
  std::vector<bool> by_peer;  // StateChanged::by_peer, one per state
  std::vector<SrtpKeyingMaterial> keys;
  std::vector<std::vector<uint8_t>> data;
  std::vector<Fingerprint> peer_fingerprints;
  std::vector<std::string> alerts;
  // Position of the peer-certificate event relative to the connected state, for ordering checks.
  int certificate_position = -1;
  int connected_position = -1;
  int count = 0;

  void drain(DtlsConnection& connection) {
    while (auto event = connection.poll_event()) {
      ++count;
      if (auto* s = std::get_if<dtls_event::StateChanged>(&*event)) {
        states.push_back(s->state);
        reasons.push_back(s->reason);
        by_peer.push_back(s->by_peer);
        if (s->state == DtlsState::connected) connected_position = count;
      } else if (auto* c = std::get_if<dtls_event::PeerCertificate>(&*event)) {
        peer_fingerprints.push_back(c->fingerprint);
        certificate_position = count;
      } else if (auto* k = std::get_if<dtls_event::KeysReady>(&*event)) {
        keys.push_back(k->keys);
      } else if (auto* d = std::get_if<dtls_event::ApplicationData>(&*event)) {
        data.push_back(d->data);
      } else if (auto* a = std::get_if<dtls_event::AlertReceived>(&*event)) {
        alerts.push_back(a->description);
      }
    }
  }
};

}  // namespace secmedia::test
