// SPDX-License-Identifier: LGPL-2.1-or-later
// libFuzzer target for the DTLS engine (DtlsConnection): arbitrary datagrams, timeouts, sends and
// closes against an engine in the client or the server role, at any stage of its handshake.
//
// The input layout is in dtls_fuzz_input.h: a selector octet (role, SRTP, cookie exchange, MTU,
// expected fingerprints, the peer's key type), a stage octet (and retransmission settings), then
// operations. Each input gets a fresh engine (nothing carries over from one input to the next),
// which first receives the peer's first `stage` datagrams of a handshake recorded once per
// selector; randomness is deterministic per engine, so those datagrams are genuine for it and any
// stage is reachable, connected included. The operations then mix raw datagrams, genuine ones out
// of order, mutated ones, clock steps, application data and close.
//
// OpenSSL 3.0 runs DTLS retransmission timers on gettimeofday(); this program defines
// gettimeofday() so that OpenSSL reads the same clock the engine is given (it starts at kStartTime
// with every input and moves only by Op::timeout). Retransmissions, the retransmission limit and
// the handshake timeout are then reachable and every run of an input is the same.
//
// After every call the engine's outputs are drained and checked against the contract in dtls.h:
// - every datagram fits the MTU;
// - states move only fresh -> connecting -> connected -> closed, and to failed from connecting or
//   connected; closed and failed are final, and nothing at all comes out of the engine after them;
//   state() agrees with the last StateChanged; failed has a reason;
// - PeerCertificate comes once, before connected, and names the peer's certificate; KeysReady comes
//   once, only right before connected and only when SRTP is configured, with valid() keys of the
//   engine's role that srtp_profile() and keying_material() repeat; connected without SRTP keys
//   only in plain DTLS;
// - application data only once connected; send() succeeds exactly when connected and the data fits;
// - stats() counts what went in and came out; next_timeout() is empty after the end;
// - a datagram from a source other than the peer's (Op::raw and Op::mutated_genuine can come from
//   one) that the engine counts as such changes nothing: no datagram, no event, no state;
// - while the engine has received nothing but the recorded datagrams in order, it sends what it
//   sent in the recording (else the harness's replay would not be genuine).
// A violation prints what failed and aborts.
#include <sys/time.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <span>
#include <variant>
#include <vector>

#include "dtls_fuzz_input.h"
#include "secmedia/dtls.h"

namespace secmedia::fuzz::dtls {
namespace {

constexpr size_t kMaxOps = 256;  // keeps one input's time bounded
constexpr size_t kMaxApplicationRecord = 16384;

DtlsTime fake_clock = kStartTime;

struct Context {
  const Selector* selector = nullptr;
  uint8_t stage_octet = 0;
  size_t op_index = 0;
  int op = -1;
};
Context context;

[[noreturn]] void invariant_failed(const char* condition, int line) {
  if (context.selector != nullptr) {
    const Selector& s = *context.selector;
    std::fprintf(stderr,
                 "input: selector 0x%02x (%s, SRTP mode %d, cookie %d, MTU %zu, fingerprints %d, "
                 "peer %s), stage octet 0x%02x, operation %zu (kind %d)\n",
                 s.octet(), s.role == DtlsRole::client ? "client" : "server",
                 static_cast<int>(s.srtp), s.cookie_exchange ? 1 : 0, s.mtu,
                 static_cast<int>(s.fingerprints), s.peer_rsa ? "RSA" : "ECDSA",
                 context.stage_octet, context.op_index, context.op);
  }
  std::fprintf(stderr, "invariant violated (dtls_fuzzer.cpp:%d): %s\n", line, condition);
  std::abort();
}

#define FUZZ_CHECK(condition) \
  ((condition) ? static_cast<void>(0) : invariant_failed(#condition, __LINE__))

const Transcript& transcript_for(uint8_t selector_octet) {
  // Function-local so that nothing runs before libFuzzer's main; freed at exit, so LSan is quiet.
  static std::array<std::unique_ptr<Transcript>, 256> transcripts;
  std::unique_ptr<Transcript>& t = transcripts[selector_octet];
  if (!t) {
    const Selector s = Selector::parse(selector_octet);
    t = std::make_unique<Transcript>(record(s));
    check_replay(s, *t);
  }
  return *t;
}

bool allowed(DtlsState from, DtlsState to) {
  switch (from) {
    case DtlsState::fresh:
      return to == DtlsState::connecting || to == DtlsState::closed;
    case DtlsState::connecting:
      return to == DtlsState::connected || to == DtlsState::failed || to == DtlsState::closed;
    case DtlsState::connected:
      return to == DtlsState::closed || to == DtlsState::failed;
    case DtlsState::closed:
    case DtlsState::failed:
      return false;
  }
  return false;
}

bool final_state(DtlsState state) {
  return state == DtlsState::closed || state == DtlsState::failed;
}

bool same_keys(const SrtpKeyingMaterial& a, const SrtpKeyingMaterial& b) {
  return a.profile == b.profile && a.role == b.role && a.generation == b.generation &&
         a.local_key == b.local_key && a.local_salt == b.local_salt &&
         a.remote_key == b.remote_key && a.remote_salt == b.remote_salt;
}

// The engine under attack, with everything the checks need to remember about it.
class Harness {
 public:
  Harness(const Selector& s, const Transcript& t, DtlsConfig config)
      : s_(s), t_(t), config_(std::move(config)), stream_(stream_seed(s.role)), use_(stream_) {
    engine_ = create_engine(config_);
    peer_fingerprint_ = peer_certificate(s)->fingerprint(FingerprintAlgorithm::sha256);
  }

  void start() {
    const bool was_final = final_state(state_);
    engine_->start(fake_clock);
    drain(was_final);
  }

  // `stranger` 0: from the peer's source; otherwise from another one (a spoofer).
  void deliver(std::span<const uint8_t> datagram, bool genuine_in_order, uint8_t stranger = 0) {
    on_script_ = on_script_ && genuine_in_order && stranger == 0;
    const bool was_final = final_state(state_);
    ++received_;
    received_bytes_ += datagram.size();
    const uint8_t source[2] = {'s', stranger};
    const uint64_t ignored_before = engine_->stats().datagrams_from_other_sources;
    const uint64_t sent_before = sent_;
    const uint64_t events_before = events_;
    const DtlsState state_before = state_;
    engine_->handle_datagram(
        datagram, fake_clock,
        stranger == 0 ? std::span<const uint8_t>(kPeerSource) : std::span<const uint8_t>(source));
    drain(was_final);
    // A datagram ignored for its source (the peer's own, once a stranger got the handshake going)
    // changes nothing at all (dtls.h, handle_datagram).
    if (engine_->stats().datagrams_from_other_sources != ignored_before) {
      FUZZ_CHECK(sent_ == sent_before && events_ == events_before && state_ == state_before);
    }
  }

  void timeout(DtlsTime advance) {
    on_script_ = false;
    fake_clock += advance;
    const bool was_final = final_state(state_);
    engine_->handle_timeout(fake_clock);
    drain(was_final);
  }

  std::optional<DtlsTime> next_timeout() const { return engine_->next_timeout(); }

  void send(size_t length_choice) {
    on_script_ = false;
    const size_t max = engine_->max_application_data();
    FUZZ_CHECK(max > 0 && max < s_.mtu);
    const size_t length = length_choice % (max + 2);
    std::vector<uint8_t> data(length);
    for (size_t i = 0; i < length; ++i) data[i] = static_cast<uint8_t>(i * 31 + 3);
    const bool was_final = final_state(state_);
    const bool fits = state_ == DtlsState::connected && length > 0 && length <= max;
    const uint64_t before = sent_;
    const bool ok = engine_->send(data);
    FUZZ_CHECK(ok == fits);
    drain(was_final);
    if (ok) FUZZ_CHECK(sent_ > before);
  }

  void close() {
    on_script_ = false;
    const DtlsState before = state_;
    engine_->close(fake_clock);
    drain(final_state(before));
    if (!final_state(before)) FUZZ_CHECK(state_ == DtlsState::closed);
  }

  void check_accessors() const {
    const DtlsStats stats = engine_->stats();
    FUZZ_CHECK(stats.datagrams_sent == sent_ && stats.bytes_sent == sent_bytes_);
    FUZZ_CHECK(stats.datagrams_received == received_ && stats.bytes_received == received_bytes_);
    FUZZ_CHECK(stats.datagrams_rejected <= stats.datagrams_received);
    FUZZ_CHECK(stats.datagrams_rejected + stats.datagrams_from_other_sources +
                   stats.hello_verify_requests <=
               stats.datagrams_received);
    FUZZ_CHECK(stats.application_data_received == application_data_);
    FUZZ_CHECK(stats.handshake_duration.has_value() == reached_connected_);
    FUZZ_CHECK(engine_->state() == state_);
    if (state_ == DtlsState::failed) FUZZ_CHECK(!engine_->failure_reason().empty());
    if (final_state(state_) || state_ == DtlsState::fresh) FUZZ_CHECK(!engine_->next_timeout());
    if (reached_connected_) {
      FUZZ_CHECK(!engine_->peer_certificate_pem().empty());
      const auto keys = engine_->keying_material();
      FUZZ_CHECK(keys.has_value() == keys_.has_value());
      if (keys_) {
        FUZZ_CHECK(same_keys(*keys, *keys_));
        FUZZ_CHECK(engine_->srtp_profile() == keys_->profile);
      } else {
        FUZZ_CHECK(!engine_->srtp_profile());
      }
    }
  }

  DtlsState state() const { return state_; }

 private:
  // Drains every output after a call; `was_final`: the engine was closed or failed before it.
  void drain(bool was_final) {
    while (auto datagram = engine_->poll_datagram()) {
      FUZZ_CHECK(!was_final);
      FUZZ_CHECK(!datagram->empty() && datagram->size() <= s_.mtu);
      if (on_script_) {
        FUZZ_CHECK(script_index_ < t_.attacked_datagrams.size() &&
                   *datagram == t_.attacked_datagrams[script_index_]);
        ++script_index_;
      }
      ++sent_;
      sent_bytes_ += datagram->size();
    }
    bool keys_just_reported = false;
    while (auto event = engine_->poll_event()) {
      FUZZ_CHECK(!was_final);
      ++events_;
      if (const auto* changed = std::get_if<dtls_event::StateChanged>(&*event)) {
        FUZZ_CHECK(allowed(state_, changed->state));
        if (keys_just_reported) FUZZ_CHECK(changed->state == DtlsState::connected);
        keys_just_reported = false;
        if (changed->state == DtlsState::failed) FUZZ_CHECK(!changed->reason.empty());
        if (changed->state == DtlsState::connected) {
          FUZZ_CHECK(peer_certificate_reported_);
          FUZZ_CHECK(keys_.has_value() == (expects_keys(s_)));
          reached_connected_ = true;
        }
        state_ = changed->state;
      } else if (const auto* peer = std::get_if<dtls_event::PeerCertificate>(&*event)) {
        FUZZ_CHECK(state_ == DtlsState::connecting && !peer_certificate_reported_);
        // Nobody but the genuine peer can finish a handshake.
        FUZZ_CHECK(peer->fingerprint.matches(peer_fingerprint_));
        const auto from_pem = fingerprint_of_pem(peer->pem, FingerprintAlgorithm::sha256);
        FUZZ_CHECK(from_pem && from_pem->matches(peer_fingerprint_));
        peer_certificate_reported_ = true;
      } else if (const auto* keys = std::get_if<dtls_event::KeysReady>(&*event)) {
        FUZZ_CHECK(state_ == DtlsState::connecting && !keys_ && peer_certificate_reported_);
        FUZZ_CHECK(!config_.srtp_profiles.empty());
        FUZZ_CHECK(keys->keys.valid() && keys->keys.role == s_.role);
        bool offered = false;
        for (SrtpProfile p : config_.srtp_profiles) offered |= p == keys->keys.profile;
        FUZZ_CHECK(offered);
        keys_ = keys->keys;
        keys_just_reported = true;
      } else if (const auto* data = std::get_if<dtls_event::ApplicationData>(&*event)) {
        FUZZ_CHECK(state_ == DtlsState::connected);
        FUZZ_CHECK(!data->data.empty() && data->data.size() <= kMaxApplicationRecord);
        ++application_data_;
      } else if (const auto* alert = std::get_if<dtls_event::AlertReceived>(&*event)) {
        FUZZ_CHECK(!alert->description.empty());
      }
    }
    FUZZ_CHECK(!keys_just_reported);
    FUZZ_CHECK(engine_->state() == state_);
  }

  const Selector& s_;
  const Transcript& t_;
  DtlsConfig config_;
  RandomStream stream_;
  UseStream use_;  // every call into the engine draws from its stream
  std::unique_ptr<DtlsConnection> engine_;
  Fingerprint peer_fingerprint_;

  DtlsState state_ = DtlsState::fresh;
  bool reached_connected_ = false;
  bool peer_certificate_reported_ = false;
  std::optional<SrtpKeyingMaterial> keys_;
  uint64_t sent_ = 0;
  uint64_t sent_bytes_ = 0;
  uint64_t received_ = 0;
  uint64_t received_bytes_ = 0;
  uint64_t application_data_ = 0;
  uint64_t events_ = 0;
  bool on_script_ = true;
  size_t script_index_ = 0;
};

class Reader {
 public:
  explicit Reader(std::span<const uint8_t> data) : data_(data) {}
  bool empty() const { return offset_ >= data_.size(); }
  uint8_t octet() { return empty() ? 0 : data_[offset_++]; }
  uint16_t octets2() {
    const uint16_t high = octet();
    return static_cast<uint16_t>((high << 8) | octet());
  }
  std::span<const uint8_t> take(size_t length) {
    const size_t n = std::min(length, data_.size() - std::min(offset_, data_.size()));
    std::span<const uint8_t> out = data_.subspan(offset_, n);
    offset_ += n;
    return out;
  }

 private:
  std::span<const uint8_t> data_;
  size_t offset_ = 0;
};

void run(std::span<const uint8_t> input) {
  if (input.size() < kHeaderLength) return;
  const Selector s = Selector::parse(input[0]);
  context = Context{&s, input[1], 0, -1};
  fake_clock = kStartTime;
  const Transcript& t = transcript_for(input[0]);
  const auto& genuine = t.peer_datagrams;
  const Stage stage_octet = Stage::parse(input[1]);
  const size_t stage = stage_octet.datagrams % (genuine.size() + 1);

  DtlsConfig config = attacked_config(s);
  apply(stage_octet.timers, config);
  Harness h(s, t, std::move(config));
  if (!stage_octet.implicit_start) h.start();
  for (size_t i = 0; i < stage; ++i) h.deliver(genuine[i], true);
  size_t cursor = stage;

  Reader in(input.subspan(kHeaderLength));
  std::vector<uint8_t> scratch;
  for (size_t n = 0; n < kMaxOps && !in.empty(); ++n) {
    const uint8_t op_octet = in.octet();
    const auto op = static_cast<Op>(op_octet & 7);
    const unsigned p = op_octet >> 3;
    context.op_index = n;
    context.op = static_cast<int>(op);
    switch (op) {
      case Op::raw: {
        const size_t length = in.octets2() % (kMaxDatagram + 1);
        // A copy of exactly its size, so that ASan sees any read past the datagram.
        const auto bytes = in.take(length);
        scratch.assign(bytes.begin(), bytes.end());
        h.deliver(scratch, false, static_cast<uint8_t>(p));
        break;
      }
      case Op::raw_short: {
        const auto bytes = in.take(p);
        scratch.assign(bytes.begin(), bytes.end());
        h.deliver(scratch, false);
        break;
      }
      case Op::next_genuine:
        if (cursor < genuine.size()) {
          h.deliver(genuine[cursor], true);
          ++cursor;
        }
        break;
      case Op::genuine:
        if (!genuine.empty()) {
          const size_t index = p % genuine.size();
          h.deliver(genuine[index], index == cursor);
          if (index == cursor) ++cursor;
        }
        break;
      case Op::mutated_genuine: {
        const uint8_t index = in.octet();
        const uint16_t position = in.octets2();
        const uint8_t value = in.octet();
        if (genuine.empty()) break;
        scratch = genuine[index % genuine.size()];
        const size_t at = position % scratch.size();
        switch (p % 4) {
          case 0:
            scratch[at] ^= value == 0 ? 1 : value;
            break;
          case 1:
            scratch.resize(at);
            break;
          case 2:
            scratch[at] = value;
            break;
          default: {
            const auto& other = genuine[value % genuine.size()];
            scratch.insert(scratch.end(), other.begin(), other.end());
            break;
          }
        }
        h.deliver(scratch, false, static_cast<uint8_t>(p >> 2));
        break;
      }
      case Op::timeout: {
        DtlsTime advance = kClockSteps[p & 15];
        if (p & 16) {
          const auto next = h.next_timeout();
          advance = next && *next > fake_clock
                        ? std::min<DtlsTime>(*next - fake_clock, std::chrono::hours(1))
                        : DtlsTime(std::chrono::seconds(1));
        }
        h.timeout(advance);
        break;
      }
      case Op::send:
        h.send(in.octets2());
        break;
      case Op::close:
        if (p % 2 == 0) h.close();
        break;
    }
    h.check_accessors();
  }
  context.op = -1;
  h.check_accessors();
  context.selector = nullptr;
}

}  // namespace
}  // namespace secmedia::fuzz::dtls

// OpenSSL's DTLS timers read this (see the top of the file).
extern "C" int gettimeofday(struct timeval* __restrict tv, void* __restrict) noexcept {
  using namespace std::chrono;
  const auto now = secmedia::fuzz::dtls::fake_clock;
  tv->tv_sec = static_cast<time_t>(duration_cast<seconds>(now).count());
  tv->tv_usec = static_cast<suseconds_t>(duration_cast<microseconds>(now % seconds(1)).count());
  return 0;
}

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (!secmedia::fuzz::dtls::install_deterministic_random()) {
    secmedia::fuzz::dtls::setup_failed("OpenSSL refused the deterministic RAND_METHOD");
  }
  secmedia::fuzz::dtls::certificates();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  secmedia::fuzz::dtls::run(std::span<const uint8_t>(data, size));
  return 0;
}
