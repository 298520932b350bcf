// SPDX-License-Identifier: LGPL-2.1-or-later
// Per-packet cost of SRTP protect and unprotect in secmedia, measured against two references:
//   floor     the same OpenSSL calls with nothing around them (no header parsing beyond SSRC and
//             sequence, no stream table, no replay window, no counters): what any SRTP built on
//             OpenSSL has to pay at least.
//   libsrtp2  the library gst-plugins-bad's srtpenc/srtpdec use (whatever crypto backend the system
//             build has; Debian's uses NSS).
// After the Google Benchmark table it prints one RATIO line per case (ours / reference, CPU time
// per packet, lower is better for us) and a STATE line with the heap one more SSRC costs a session.
// Entry point: tests/bench/run.sh.
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <srtp2/srtp.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "byte_order.h"
#include "key_derivation.h"
#include "packets.h"
#include "ratio_reporter.h"
#include "raw_openssl_floor.h"
#include "secmedia/srtp.h"

namespace {

using secmedia::SrtpDirection;
using secmedia::SrtpProfile;
using secmedia::SrtpStatus;

// Fixed keys so that the three implementations can be checked to produce the same bytes.
constexpr std::array<uint8_t, 16> kMasterKey = {0xe1, 0xf9, 0x7a, 0x0d, 0x3e, 0x01, 0x8b, 0xe0,
                                                0xd6, 0x4f, 0xa3, 0x2c, 0x06, 0xde, 0x41, 0x39};
constexpr std::array<uint8_t, 14> kMasterSalt = {0x0e, 0xc6, 0x75, 0xad, 0x49, 0x8a, 0xfe,
                                                 0xeb, 0xb6, 0x96, 0x0b, 0x3a, 0xab, 0xe6};
constexpr uint32_t kSsrc = 0xcafebabe;
constexpr int kRtpHeaderLength = 12;  // the packets here carry no CSRC and no extension
// libsrtp may write this much after the packet whatever the profile; the others need less.
constexpr size_t kRoom = SRTP_MAX_TRAILER_LEN;
// Same window for both libraries, so neither pays for a bigger one in time or in STATE.
constexpr size_t kReplayWindow = 1024;
// Unprotect replays a ring of packets protected beforehand with consecutive sequence numbers and no
// wrap, so the receiver never sees a replay nor an index it would have to guess a ROC for.
constexpr size_t kRingPackets = 4096;
constexpr uint16_t kRingFirstSequence = 1;
// Streams added to one session to measure the heap each costs.
constexpr size_t kStateStreams = 1000;

constexpr SrtpProfile kProfiles[] = {SrtpProfile::aes_cm_128_hmac_sha1_80,
                                     SrtpProfile::aead_aes_128_gcm};
constexpr size_t kPayloadSizes[] = {160, 1200};  // G.711 20 ms; a video packet near the MTU
constexpr SrtpDirection kDirections[] = {SrtpDirection::protect, SrtpDirection::unprotect};
constexpr const char* kImplNames[] = {"ours", "floor", "libsrtp2"};

std::span<const uint8_t> master_salt(SrtpProfile profile) {
  return std::span(kMasterSalt).first(secmedia::profile_info(profile).master_salt_length);
}

const char* op_name(SrtpDirection direction) {
  return direction == SrtpDirection::protect ? "protect" : "unprotect";
}

std::string case_name(SrtpDirection direction, SrtpProfile profile, size_t payload,
                      std::string_view impl) {
  return std::string("BM/") + op_name(direction) + "/" +
         std::string(secmedia::profile_info(profile).name) + "/" + std::to_string(payload) + "/" +
         std::string(impl);
}

std::vector<uint8_t> make_plain(size_t payload, uint16_t sequence, uint32_t ssrc = kSsrc) {
  secmedia::test::RtpSpec spec;
  spec.ssrc = ssrc;
  spec.sequence = sequence;
  spec.timestamp = 0x10000u + sequence * 160u;
  spec.payload_length = payload;
  return secmedia::test::make_rtp(spec);
}

void set_sequence(uint8_t* packet, uint16_t sequence) {
  packet[2] = static_cast<uint8_t>(sequence >> 8);
  packet[3] = static_cast<uint8_t>(sequence);
}

// The three implementations share one shape so that the measuring loops are the same code:
//   reset()    fresh state for the direction (a new session), master key installed;
//   process()  protect or unprotect in place, false with error() set on failure.

class Ours {
 public:
  Ours(SrtpProfile profile, SrtpDirection direction) : profile_(profile), direction_(direction) {}

  bool reset() {
    secmedia::SrtpConfig config;
    config.direction = direction_;
    config.rtp_profile = profile_;
    config.rtcp_profile = profile_;
    config.replay_window_size = kReplayWindow;
    config.max_streams = kStateStreams;
    std::string why;
    session_ = secmedia::SrtpSession::create(config, &why);
    if (!session_) return fail("SrtpSession::create: " + why);
    const SrtpStatus status = session_->add_master_key(kMasterKey, master_salt(profile_));
    if (status != SrtpStatus::ok) {
      return fail(std::string("add_master_key: ") + secmedia::to_string(status));
    }
    return true;
  }

  bool process(uint8_t* packet, size_t capacity, size_t& length) {
    const std::span<uint8_t> buffer(packet, capacity);
    const SrtpStatus status = direction_ == SrtpDirection::protect
                                  ? session_->protect_rtp(buffer, length)
                                  : session_->unprotect_rtp(buffer, length);
    if (status == SrtpStatus::ok) [[likely]]
      return true;
    return fail(std::string(op_name(direction_)) + "_rtp: " + secmedia::to_string(status));
  }

  const std::string& error() const { return error_; }

 private:
  bool fail(std::string why) {
    error_ = std::move(why);
    return false;
  }

  SrtpProfile profile_;
  SrtpDirection direction_;
  std::unique_ptr<secmedia::SrtpSession> session_;
  std::string error_;
};

// The floor, with this benchmark's fixed keys.
class Floor : public secmedia::bench::RawOpensslFloor {
 public:
  Floor(SrtpProfile profile, SrtpDirection direction)
      : RawOpensslFloor(profile, direction, kMasterKey, master_salt(profile)) {}
};

void set_libsrtp_crypto(SrtpProfile profile, srtp_crypto_policy_t& policy) {
  if (profile == SrtpProfile::aead_aes_128_gcm) {
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy);
  } else {
    srtp_crypto_policy_set_rtp_default(&policy);  // AES_CM_128_HMAC_SHA1_80
  }
}

class Libsrtp {
 public:
  Libsrtp(SrtpProfile profile, SrtpDirection direction) : profile_(profile), direction_(direction) {
    // libsrtp takes master key and salt concatenated.
    const auto salt = master_salt(profile);
    std::memcpy(key_.data(), kMasterKey.data(), kMasterKey.size());
    std::memcpy(key_.data() + kMasterKey.size(), salt.data(), salt.size());
  }
  ~Libsrtp() { release(); }
  Libsrtp(const Libsrtp&) = delete;
  Libsrtp& operator=(const Libsrtp&) = delete;

  bool reset() {
    release();
    srtp_policy_t policy{};
    set_libsrtp_crypto(profile_, policy.rtp);
    set_libsrtp_crypto(profile_, policy.rtcp);
    policy.ssrc.type = direction_ == SrtpDirection::protect ? ssrc_any_outbound : ssrc_any_inbound;
    policy.key = key_.data();
    policy.window_size = kReplayWindow;
    policy.allow_repeat_tx = 0;
    const srtp_err_status_t status = srtp_create(&session_, &policy);
    if (status != srtp_err_status_ok) {
      session_ = nullptr;
      return fail("srtp_create", status);
    }
    return true;
  }

  bool process(uint8_t* packet, size_t /*capacity: the harness always leaves kRoom*/,
               size_t& length) {
    int srtp_length = static_cast<int>(length);
    const srtp_err_status_t status = direction_ == SrtpDirection::protect
                                         ? srtp_protect(session_, packet, &srtp_length)
                                         : srtp_unprotect(session_, packet, &srtp_length);
    if (status != srtp_err_status_ok) [[unlikely]] {
      return fail(direction_ == SrtpDirection::protect ? "srtp_protect" : "srtp_unprotect", status);
    }
    length = static_cast<size_t>(srtp_length);
    return true;
  }

  const std::string& error() const { return error_; }

 private:
  void release() {
    if (session_) srtp_dealloc(session_);
    session_ = nullptr;
  }

  bool fail(const char* call, srtp_err_status_t status) {
    error_ = std::string("libsrtp2: ") + call + " returned " + std::to_string(status);
    return false;
  }

  SrtpProfile profile_;
  SrtpDirection direction_;
  std::array<uint8_t, 30> key_{};
  srtp_t session_ = nullptr;
  std::string error_;
};

// Packets protected once (by secmedia, which the self-check shows to agree byte for byte with the
// other two) and unprotected by every implementation.
struct Ring {
  std::vector<uint8_t> bytes;
  size_t stride = 0;  // every packet has the same protected length
  size_t plain_length = 0;
  std::string error;

  const uint8_t* packet(size_t i) const { return bytes.data() + i * stride; }
};

const Ring& ring_for(SrtpProfile profile, size_t payload) {
  static std::map<std::pair<SrtpProfile, size_t>, Ring> rings;
  auto [it, inserted] = rings.try_emplace({profile, payload});
  Ring& ring = it->second;
  if (!inserted) return ring;

  Ours sender(profile, SrtpDirection::protect);
  if (!sender.reset()) {
    ring.error = sender.error();
    return ring;
  }
  const std::vector<uint8_t> plain = make_plain(payload, kRingFirstSequence);
  std::vector<uint8_t> buffer(plain.size() + kRoom);
  ring.plain_length = plain.size();
  for (size_t i = 0; i < kRingPackets; ++i) {
    std::memcpy(buffer.data(), plain.data(), plain.size());
    set_sequence(buffer.data(), static_cast<uint16_t>(kRingFirstSequence + i));
    size_t length = plain.size();
    if (!sender.process(buffer.data(), buffer.size(), length)) {
      ring.error = sender.error();
      return ring;
    }
    if (i == 0) ring.stride = length;
    ring.bytes.insert(ring.bytes.end(), buffer.begin(), buffer.begin() + length);
  }
  return ring;
}

void count_packets(benchmark::State& state, size_t payload) {
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(payload));
}

// One SSRC, sequence numbers counting up from 0 (the ROC advances every 65536 packets), the plain
// packet copied back into the reused buffer before each protect.
template <class Impl>
void bm_protect(benchmark::State& state, SrtpProfile profile, size_t payload) {
  Impl impl(profile, SrtpDirection::protect);
  if (!impl.reset()) {
    state.SkipWithError(impl.error().c_str());
    return;
  }
  const std::vector<uint8_t> plain = make_plain(payload, 0);
  std::vector<uint8_t> buffer(plain.size() + kRoom);
  uint16_t sequence = 0;
  for (auto _ : state) {
    std::memcpy(buffer.data(), plain.data(), plain.size());
    set_sequence(buffer.data(), sequence++);
    size_t length = plain.size();
    if (!impl.process(buffer.data(), buffer.size(), length)) [[unlikely]] {
      state.SkipWithError(impl.error().c_str());
      break;
    }
    benchmark::DoNotOptimize(length);
    benchmark::ClobberMemory();
  }
  count_packets(state, payload);
}

// Walks the ring in order, copying each packet into the work buffer. When the ring is used up the
// receiver has seen all of its indices, so it is replaced by a fresh one, off the clock: once every
// kRingPackets packets, and in the same way for all three implementations.
template <class Impl>
void bm_unprotect(benchmark::State& state, SrtpProfile profile, size_t payload) {
  const Ring& ring = ring_for(profile, payload);
  if (!ring.error.empty()) {
    state.SkipWithError(ring.error.c_str());
    return;
  }
  Impl impl(profile, SrtpDirection::unprotect);
  if (!impl.reset()) {
    state.SkipWithError(impl.error().c_str());
    return;
  }
  std::vector<uint8_t> work(ring.stride + kRoom);
  size_t next = 0;
  for (auto _ : state) {
    if (next == kRingPackets) [[unlikely]] {
      state.PauseTiming();
      const bool ok = impl.reset();
      state.ResumeTiming();
      if (!ok) {
        state.SkipWithError(impl.error().c_str());
        break;
      }
      next = 0;
    }
    std::memcpy(work.data(), ring.packet(next++), ring.stride);
    size_t length = ring.stride;
    if (!impl.process(work.data(), work.size(), length)) [[unlikely]] {
      state.SkipWithError(impl.error().c_str());
      break;
    }
    if (length != ring.plain_length) [[unlikely]] {
      state.SkipWithError("unprotect returned the wrong length");
      break;
    }
    benchmark::DoNotOptimize(length);
    benchmark::ClobberMemory();
  }
  count_packets(state, payload);
}

template <class Impl>
void register_case(SrtpDirection direction, SrtpProfile profile, size_t payload,
                   const char* impl_name) {
  const std::string name = case_name(direction, profile, payload, impl_name);
  auto run = [direction, profile, payload](benchmark::State& state) {
    if (direction == SrtpDirection::protect) {
      bm_protect<Impl>(state, profile, payload);
    } else {
      bm_unprotect<Impl>(state, profile, payload);
    }
  };
  benchmark::RegisterBenchmark(name.c_str(), run)->Unit(benchmark::kNanosecond);
}

// The three implementations of a case are registered side by side; tests/bench/run.sh runs them
// with --benchmark_enable_random_interleaving and repetitions, so that drift of the machine falls
// on all three alike rather than on whichever ran last.
void register_benchmarks() {
  for (SrtpDirection direction : kDirections) {
    for (SrtpProfile profile : kProfiles) {
      for (size_t payload : kPayloadSizes) {
        register_case<Ours>(direction, profile, payload, kImplNames[0]);
        register_case<Floor>(direction, profile, payload, kImplNames[1]);
        register_case<Libsrtp>(direction, profile, payload, kImplNames[2]);
      }
    }
  }
}

// Header privacy: protect of one 1200-octet video packet with 2 CSRCs and a one-byte extension
// (audio level, TWCC, abs-send-time) as plain SRTP, with cryptex (RFC 9335) and with RFC 6904
// encrypting all three elements. Each iteration copies the plain packet in first (the same cost in
// every mode), since a cryptex packet cannot be protected twice.
enum class HeaderMode { plain, cryptex, encrypted_extensions };
constexpr const char* kHeaderModeNames[] = {"plain", "cryptex", "rfc6904"};
constexpr size_t kHeaderPayload = 1200;

std::string header_case_name(SrtpProfile profile, HeaderMode mode) {
  return std::string("BM/protect-header/") + std::string(secmedia::profile_info(profile).name) +
         "/" + std::to_string(kHeaderPayload) + "/" + kHeaderModeNames[static_cast<int>(mode)];
}

std::vector<uint8_t> header_packet() {
  secmedia::test::RtpSpec spec;
  spec.ssrc = kSsrc;
  spec.csrc_count = 2;
  spec.payload_length = kHeaderPayload;
  std::vector<uint8_t> packet = secmedia::test::make_rtp(spec);
  // 0xBEDE block: ID 1 audio level (1), ID 3 TWCC (2), ID 2 abs-send-time (3), 3 padding octets.
  const std::vector<uint8_t> block = {0xbe, 0xde, 0x00, 0x03, 0x10, 0x7f, 0x31, 0x12,
                                      0x34, 0x22, 0x01, 0x02, 0x03, 0x00, 0x00, 0x00};
  std::vector<uint8_t> with_block(packet.begin(), packet.begin() + 20);
  with_block[0] |= 0x10;
  with_block.insert(with_block.end(), block.begin(), block.end());
  with_block.insert(with_block.end(), packet.begin() + 20, packet.end());
  return with_block;
}

void run_header_case(benchmark::State& state, SrtpProfile profile, HeaderMode mode) {
  secmedia::SrtpConfig config;
  config.rtp_profile = profile;
  config.rtcp_profile = profile;
  config.allow_repeat_tx = true;  // the same packet again and again
  if (mode == HeaderMode::cryptex) config.cryptex = secmedia::CryptexMode::required;
  if (mode == HeaderMode::encrypted_extensions) config.encrypted_header_extension_ids = {1, 2, 3};
  auto session = secmedia::SrtpSession::create(config);
  if (!session || session->add_master_key(kMasterKey, master_salt(profile)) != SrtpStatus::ok) {
    state.SkipWithError("session");
    return;
  }
  const std::vector<uint8_t> plain = header_packet();
  std::vector<uint8_t> buffer(plain.size() + kRoom);
  for (auto _ : state) {
    std::memcpy(buffer.data(), plain.data(), plain.size());
    size_t length = plain.size();
    if (session->protect_rtp(buffer, length) != SrtpStatus::ok) {
      state.SkipWithError("protect failed");
      return;
    }
    benchmark::DoNotOptimize(buffer.data());
  }
  const secmedia::SrtpStats stats = session->stats();
  const bool counted = mode == HeaderMode::cryptex ? stats.rtp_packets_cryptex > 0
                       : mode == HeaderMode::encrypted_extensions
                           ? stats.rtp_packets_encrypted_extensions > 0
                           : stats.rtp_packets_header_in_clear > 0;
  if (!counted) state.SkipWithError("the header was not protected as asked");
}

void register_header_cases() {
  for (SrtpProfile profile : kProfiles) {
    for (HeaderMode mode :
         {HeaderMode::plain, HeaderMode::cryptex, HeaderMode::encrypted_extensions}) {
      benchmark::RegisterBenchmark(
          header_case_name(profile, mode).c_str(),
          [profile, mode](benchmark::State& state) { run_header_case(state, profile, mode); });
    }
  }
}

// Before measuring anything: the three must turn the same plain packets into the same SRTP packets
// (so they do the same work) and each must unprotect the ring back to the plain packets.
template <class Impl>
bool protect_first_packets(SrtpProfile profile, size_t payload, std::vector<uint8_t>& out,
                           std::string& why) {
  Impl impl(profile, SrtpDirection::protect);
  if (!impl.reset()) {
    why = impl.error();
    return false;
  }
  out.clear();
  for (uint16_t sequence = 0; sequence < 3; ++sequence) {
    std::vector<uint8_t> buffer = make_plain(payload, sequence);
    size_t length = buffer.size();
    buffer.resize(length + kRoom);
    if (!impl.process(buffer.data(), buffer.size(), length)) {
      why = impl.error();
      return false;
    }
    out.insert(out.end(), buffer.begin(), buffer.begin() + length);
  }
  return true;
}

template <class Impl>
bool unprotect_ring_start(SrtpProfile profile, size_t payload, std::string& why) {
  const Ring& ring = ring_for(profile, payload);
  if (!ring.error.empty()) {
    why = ring.error;
    return false;
  }
  Impl impl(profile, SrtpDirection::unprotect);
  if (!impl.reset()) {
    why = impl.error();
    return false;
  }
  for (size_t i = 0; i < 3; ++i) {
    std::vector<uint8_t> work(ring.packet(i), ring.packet(i) + ring.stride);
    work.resize(ring.stride + kRoom);
    size_t length = ring.stride;
    if (!impl.process(work.data(), work.size(), length)) {
      why = impl.error();
      return false;
    }
    std::vector<uint8_t> expected = make_plain(payload, kRingFirstSequence);
    set_sequence(expected.data(), static_cast<uint16_t>(kRingFirstSequence + i));
    if (length != expected.size() || !std::equal(expected.begin(), expected.end(), work.begin())) {
      why = "unprotected packet differs from the plain one";
      return false;
    }
  }
  return true;
}

bool self_check() {
  bool ok = true;
  for (SrtpProfile profile : kProfiles) {
    for (size_t payload : kPayloadSizes) {
      const std::string label =
          std::string(secmedia::profile_info(profile).name) + "/" + std::to_string(payload);
      std::array<std::vector<uint8_t>, 3> produced;
      std::array<std::string, 3> why;
      const std::array<bool, 3> protected_ok = {
          protect_first_packets<Ours>(profile, payload, produced[0], why[0]),
          protect_first_packets<Floor>(profile, payload, produced[1], why[1]),
          protect_first_packets<Libsrtp>(profile, payload, produced[2], why[2])};
      for (size_t i = 0; i < 3; ++i) {
        if (!protected_ok[i]) {
          std::fprintf(stderr, "self-check %s: %s protect failed: %s\n", label.c_str(),
                       kImplNames[i], why[i].c_str());
          ok = false;
        } else if (i > 0 && protected_ok[0] && produced[i] != produced[0]) {
          std::fprintf(stderr, "self-check %s: %s and ours protect to different bytes\n",
                       label.c_str(), kImplNames[i]);
          ok = false;
        }
      }
      const std::array<bool, 3> unprotected_ok = {
          unprotect_ring_start<Ours>(profile, payload, why[0]),
          unprotect_ring_start<Floor>(profile, payload, why[1]),
          unprotect_ring_start<Libsrtp>(profile, payload, why[2])};
      for (size_t i = 0; i < 3; ++i) {
        if (!unprotected_ok[i]) {
          std::fprintf(stderr, "self-check %s: %s unprotect failed: %s\n", label.c_str(),
                       kImplNames[i], why[i].c_str());
          ok = false;
        }
      }
    }
  }
  return ok;
}

using secmedia::bench::RatioReporter;

// RATIO srtp-core protect-cryptex/<profile>/1200 <x> vs plain: cryptex and RFC 6904 against plain
// SRTP on the same packet (the budget is 1.10).
void print_header_ratios(const RatioReporter& reporter) {
  for (SrtpProfile profile : kProfiles) {
    const auto plain = reporter.samples(header_case_name(profile, HeaderMode::plain));
    const auto cryptex = reporter.samples(header_case_name(profile, HeaderMode::cryptex));
    const auto rfc6904 =
        reporter.samples(header_case_name(profile, HeaderMode::encrypted_extensions));
    const std::string name(secmedia::profile_info(profile).name);
    const std::string size = "/" + std::to_string(kHeaderPayload);
    if (!plain.empty() && !cryptex.empty()) {
      secmedia::bench::print_ratio("srtp-core", "protect-cryptex/" + name + size,
                                   secmedia::bench::ratio_of(cryptex, plain), "plain");
    }
    if (!plain.empty() && !rfc6904.empty()) {
      secmedia::bench::print_ratio("srtp-core", "protect-rfc6904/" + name + size,
                                   secmedia::bench::ratio_of(rfc6904, plain), "plain");
    }
  }
}

void print_ratios(const RatioReporter& reporter) {
  print_header_ratios(reporter);
  for (SrtpDirection direction : kDirections) {
    for (SrtpProfile profile : kProfiles) {
      for (size_t payload : kPayloadSizes) {
        std::array<std::vector<double>, 3> samples;
        for (size_t i = 0; i < 3; ++i) {
          samples[i] = reporter.samples(case_name(direction, profile, payload, kImplNames[i]));
        }
        // A filter may have left out part of a case; there is nothing to compare then.
        if (samples[0].empty() || samples[1].empty() || samples[2].empty()) continue;
        const std::string figure = std::string(op_name(direction)) + "/" +
                                   std::string(secmedia::profile_info(profile).name) + "/" +
                                   std::to_string(payload);
        secmedia::bench::print_ratio("srtp-core", figure,
                                     secmedia::bench::ratio_of(samples[0], samples[1]), "floor");
        secmedia::bench::print_ratio("srtp-core", figure,
                                     secmedia::bench::ratio_of(samples[0], samples[2]), "libsrtp2");
      }
    }
  }
}

// glibc's count of heap bytes in use, chunk overhead included: a delta catches every allocation a
// new stream causes, the growth of the containers holding it too.
std::optional<long long> heap_in_use() {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
  return static_cast<long long>(mallinfo2().uordblks);
#else
  return std::nullopt;
#endif
}

std::vector<std::vector<uint8_t>> state_packets() {
  std::vector<std::vector<uint8_t>> packets;
  for (size_t i = 0; i < kStateStreams; ++i) {
    std::vector<uint8_t> packet = make_plain(160, 0, 0x10000000u + static_cast<uint32_t>(i));
    packet.resize(packet.size() + kRoom);
    packets.push_back(std::move(packet));
  }
  return packets;
}

// Each stream announced by protecting one packet with its SSRC: the same usage for both libraries
// (one master key, streams learnt from traffic; libsrtp clones its ssrc_any_outbound template).
template <class Impl>
std::optional<long long> bytes_per_stream() {
  Impl impl(SrtpProfile::aes_cm_128_hmac_sha1_80, SrtpDirection::protect);
  if (!impl.reset()) return std::nullopt;
  std::vector<std::vector<uint8_t>> packets = state_packets();  // allocated before measuring
  const size_t plain_length = packets[0].size() - kRoom;
  const std::optional<long long> before = heap_in_use();
  for (std::vector<uint8_t>& packet : packets) {
    size_t length = plain_length;
    if (!impl.process(packet.data(), packet.size(), length)) return std::nullopt;
  }
  const std::optional<long long> after = heap_in_use();
  if (!before || !after) return std::nullopt;
  return (*after - *before) / static_cast<long long>(kStateStreams);
}

// For reference: libsrtp2 with one ssrc_specific policy per stream (srtp_add_stream), as srtpdec
// does, where each stream carries its own crypto contexts.
std::optional<long long> libsrtp_bytes_per_specific_stream() {
  srtp_t session = nullptr;
  if (srtp_create(&session, nullptr) != srtp_err_status_ok) return std::nullopt;
  std::array<uint8_t, 30> key{};
  std::memcpy(key.data(), kMasterKey.data(), kMasterKey.size());
  std::memcpy(key.data() + kMasterKey.size(), kMasterSalt.data(), kMasterSalt.size());
  srtp_policy_t policy{};
  set_libsrtp_crypto(SrtpProfile::aes_cm_128_hmac_sha1_80, policy.rtp);
  set_libsrtp_crypto(SrtpProfile::aes_cm_128_hmac_sha1_80, policy.rtcp);
  policy.ssrc.type = ssrc_specific;
  policy.key = key.data();
  policy.window_size = kReplayWindow;

  bool ok = true;
  const std::optional<long long> before = heap_in_use();
  for (size_t i = 0; i < kStateStreams && ok; ++i) {
    policy.ssrc.value = 0x10000000u + static_cast<uint32_t>(i);
    ok = srtp_add_stream(session, &policy) == srtp_err_status_ok;
  }
  const std::optional<long long> after = heap_in_use();
  srtp_dealloc(session);
  if (!ok || !before || !after) return std::nullopt;
  return (*after - *before) / static_cast<long long>(kStateStreams);
}

std::string format_bytes(std::optional<long long> bytes) {
  return bytes ? std::to_string(*bytes) : std::string("n/a");
}

void print_state() {
  // A throwaway round first, so one-time setup (NSS initialisation, OpenSSL provider caches) is not
  // charged to the streams.
  (void)bytes_per_stream<Libsrtp>();
  (void)bytes_per_stream<Ours>();
  const std::optional<long long> ours = bytes_per_stream<Ours>();
  const std::optional<long long> libsrtp = bytes_per_stream<Libsrtp>();
  const std::optional<long long> libsrtp_specific = libsrtp_bytes_per_specific_stream();
  std::printf("STATE srtp-core bytes-per-stream ours=%s libsrtp2=%s\n", format_bytes(ours).c_str(),
              format_bytes(libsrtp).c_str());
  std::printf("# libsrtp2 with one ssrc_specific policy per stream: %s bytes-per-stream\n",
              format_bytes(libsrtp_specific).c_str());
}

bool listing_only(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--benchmark_list_tests" || arg == "--benchmark_list_tests=true" ||
        arg == "--benchmark_list_tests=1") {
      return true;
    }
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  const bool list_only = listing_only(argc, argv);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  if (srtp_init() != srtp_err_status_ok) {
    std::fprintf(stderr, "srtp_init failed\n");
    return 1;
  }

  if (!list_only && !self_check()) return 1;
  register_benchmarks();
  register_header_cases();

  RatioReporter reporter(benchmark::CreateDefaultDisplayReporter());
  benchmark::RunSpecifiedBenchmarks(&reporter);
  std::fflush(stdout);
  if (!list_only) {
    print_ratios(reporter);
    print_state();
  }
  benchmark::Shutdown();
  srtp_shutdown();
  return reporter.failed() ? 1 : 0;
}
