// SPDX-License-Identifier: LGPL-2.1-or-later
// libFuzzer target for the unprotect paths of SrtpSession, with protect as the way to reach them
// with packets that authenticate.
//
// The input layout is in fuzz_input.h: selector octets, then the datagram. Sessions are created on
// first use, one set per (profile, MKI length, replay window, SRTCP E flag), and live across
// inputs: the streams, ROCs and replay windows one input leaves behind are what the next one runs
// into. Each set has
// - a lockstep pair: a protect and an unprotect session that see nothing but each other's packets,
//   so every packet protect lets through must come back ok and byte-equal, then be refused as a
//   replay;
// - a free pair: its unprotect session also gets raw datagrams and mutated and reordered packets,
//   so its state drifts from the protect side and only weaker invariants hold. Its keys have a
//   short lifetime to reach the key-limit paths; the pair is rebuilt once protect refuses a spent
//   key.
// Every call is checked against the contract in srtp.h: counted once in stats(), no stream state
// from a dropped packet, unprotect strips exactly what protect adds. A violation prints what failed
// and aborts.
//
// State carried across inputs means a crash input may only reproduce after the inputs before it:
// run the fuzzer on the crash file alone first, then on the corpus directories if that is clean.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "fuzz_input.h"
#include "secmedia/srtp.h"

namespace secmedia::fuzz {
namespace {

// Small, so that eviction runs often and memory stays bounded (8 streams x 2 windows x 4 KiB).
constexpr size_t kMaxStreams = 8;
// Free pair only: packets per master key and half before it is spent (RFC 3711 §9.2, lowered). The
// receiver's run out first, so that unprotect meets its spent keys before the pair is rebuilt.
constexpr uint64_t kFreeSendKeyLifetime = 200;
constexpr uint64_t kFreeReceiveKeyLifetime = 150;
constexpr uint64_t kFreeSoftLimitMargin = 20;
constexpr size_t kStashSize = 8;
constexpr size_t kSlotCount =
    kSrtpProfileCount * kMkiLengthChoices * kReplayWindows.size() * 2 * kHeaderPrivacyChoices;

const Selector* current_selector = nullptr;  // the input being run, for the failure message

[[noreturn]] void invariant_failed(const char* condition, int line) {
  if (current_selector != nullptr) {
    const Selector& s = *current_selector;
    std::fprintf(stderr,
                 "input: profile %s, privacy %d, %s, MKI length %zu, window %zu, E=%d, mode %d, "
                 "mutation %d\n",
                 profile_info(s.profile).name.data(), static_cast<int>(s.privacy),
                 s.rtcp ? "RTCP" : "RTP", s.mki_length, kReplayWindows[s.window_index],
                 s.encrypt_rtcp ? 1 : 0, static_cast<int>(s.mode), static_cast<int>(s.mutation));
  }
  std::fprintf(stderr, "invariant violated (srtp_unprotect_fuzzer.cpp:%d): %s\n", line, condition);
  std::abort();
}

// A macro rather than a function so that the message names the condition and its line.
#define FUZZ_CHECK(condition) \
  ((condition) ? static_cast<void>(0) : invariant_failed(#condition, __LINE__))

struct Pair {
  std::unique_ptr<SrtpSession> protect;
  std::unique_ptr<SrtpSession> unprotect;
};

struct Stashed {
  bool rtcp = false;
  std::vector<uint8_t> plain;
  std::vector<uint8_t> packet;  // protected
};

struct Slot {
  Pair lockstep;
  Pair free;
  std::array<std::optional<Stashed>, kStashSize> stash;  // free pair's held-back packets
};

std::unique_ptr<SrtpSession> make_session(const Selector& s, SrtpDirection direction,
                                          bool short_key_lifetime) {
  SrtpConfig config;
  config.direction = direction;
  config.rtp_profile = s.profile;
  config.rtcp_profile = s.profile;
  config.encrypt_rtcp = s.encrypt_rtcp;
  config.mki_length = s.mki_length;
  config.replay_window_size = kReplayWindows[s.window_index];
  config.max_streams = kMaxStreams;
  apply_header_privacy(config, s.privacy);
  if (short_key_lifetime) {
    const uint64_t lifetime =
        direction == SrtpDirection::protect ? kFreeSendKeyLifetime : kFreeReceiveKeyLifetime;
    config.srtp_key_lifetime = lifetime;
    config.srtcp_key_lifetime = lifetime;
    config.soft_limit_margin = kFreeSoftLimitMargin;
  }
  std::unique_ptr<SrtpSession> session = SrtpSession::create(config);
  FUZZ_CHECK(session != nullptr);
  // With an MKI there are two keys, so that the lookup by MKI has a choice to make.
  const size_t key_count = s.mki_length == 0 ? 1 : 2;
  for (size_t which = 0; which < key_count; ++which) {
    const MasterKey key = fuzz_master_key(s.profile, s.mki_length, which);
    FUZZ_CHECK(session->add_master_key(key.key, key.salt, key.mki) == SrtpStatus::ok);
  }
  return session;
}

Pair make_pair(const Selector& s, bool short_key_lifetime) {
  return {make_session(s, SrtpDirection::protect, short_key_lifetime),
          make_session(s, SrtpDirection::unprotect, short_key_lifetime)};
}

Slot& slot_for(const Selector& s) {
  // Function-local so that nothing runs before libFuzzer's main; freed at exit, so LSan is quiet.
  static std::array<std::unique_ptr<Slot>, kSlotCount> slots;
  const size_t index = (((static_cast<size_t>(s.profile) * kMkiLengthChoices + s.mki_length) *
                             kReplayWindows.size() +
                         s.window_index) *
                            2 +
                        (s.encrypt_rtcp ? 1 : 0)) *
                           kHeaderPrivacyChoices +
                       static_cast<size_t>(s.privacy);
  std::unique_ptr<Slot>& slot = slots[index];
  if (!slot) {
    slot = std::make_unique<Slot>();
    slot->lockstep = make_pair(s, false);
    slot->free = make_pair(s, true);
  }
  return *slot;
}

// Runs one packet call and checks what srtp.h promises about any call: a per-packet status, counted
// exactly once in stats() (packets and octets as passed in on ok, the cause otherwise), stream
// state only from packets that went through, and the length bounds of the packet layouts.
SrtpStatus run_call(SrtpSession& session, bool protect, bool rtcp, std::span<uint8_t> buffer,
                    size_t& length) {
  const SrtpStats before = session.stats();
  const size_t in_length = length;
  SrtpStatus status;
  if (protect) {
    status = rtcp ? session.protect_rtcp(buffer, length) : session.protect_rtp(buffer, length);
  } else {
    status = rtcp ? session.unprotect_rtcp(buffer, length) : session.unprotect_rtp(buffer, length);
  }
  const SrtpStats after = session.stats();
  FUZZ_CHECK(status <= SrtpStatus::wrong_direction ||
             status == SrtpStatus::header_extension_malformed ||
             status == SrtpStatus::cryptex_required);

  SrtpStats expected = before;
  if (status == SrtpStatus::ok) {
    ++(rtcp ? expected.rtcp_packets : expected.rtp_packets);
    (rtcp ? expected.rtcp_octets : expected.rtp_octets) += in_length;
  } else {
    ++(rtcp ? expected.rtcp_drops : expected.rtp_drops)[static_cast<size_t>(status)];
  }
  FUZZ_CHECK(after.rtp_packets == expected.rtp_packets &&
             after.rtcp_packets == expected.rtcp_packets &&
             after.rtp_octets == expected.rtp_octets && after.rtcp_octets == expected.rtcp_octets);
  FUZZ_CHECK(after.rtp_drops == expected.rtp_drops && after.rtcp_drops == expected.rtcp_drops);
  // Every RTP packet that came out ok is counted once by how its header was protected.
  FUZZ_CHECK(after.rtp_packets_cryptex + after.rtp_packets_encrypted_extensions +
                 after.rtp_packets_header_in_clear ==
             after.rtp_packets);
  const SrtpConfig& config = session.config();
  FUZZ_CHECK(config.cryptex != CryptexMode::off || after.rtp_packets_cryptex == 0);
  FUZZ_CHECK(!config.encrypted_header_extension_ids.empty() ||
             after.rtp_packets_encrypted_extensions == 0);
  FUZZ_CHECK(after.streams <= kMaxStreams && after.streams_evicted >= before.streams_evicted);

  if (status != SrtpStatus::ok) {
    // A dropped packet, forged or not, must not create or evict stream state.
    FUZZ_CHECK(after.streams == before.streams && after.streams_evicted == before.streams_evicted);
    return status;
  }
  const size_t overhead = rtcp ? session.rtcp_overhead() : session.rtp_overhead();
  const size_t header_length = rtcp ? 8 : 12;
  if (protect) {
    FUZZ_CHECK(length >= in_length && length <= in_length + overhead && length <= buffer.size());
  } else {
    // Never longer than the input; and RFC 3711 §3.1/§3.4 (RFC 7714 §8.1/§9.1) fix the trailer, so
    // unprotect strips exactly the tag, MKI and SRTCP index that protect added.
    FUZZ_CHECK(length <= in_length);
    FUZZ_CHECK(length + overhead == in_length && length >= header_length);
  }
  return status;
}

struct Unprotected {
  SrtpStatus status;
  std::vector<uint8_t> packet;  // the plain packet when status is ok
};

// Works on a fresh copy of exactly the packet's size (never a reused vector with spare capacity),
// so that ASan reports any read past the packet.
Unprotected unprotect(SrtpSession& session, bool rtcp, std::span<const uint8_t> packet) {
  Unprotected result{SrtpStatus::ok, std::vector<uint8_t>(packet.begin(), packet.end())};
  size_t length = result.packet.size();
  result.status = run_call(session, false, rtcp, result.packet, length);
  if (result.status == SrtpStatus::ok) result.packet.resize(length);
  return result;
}

// Protects `plain` in a buffer with exactly the room the API asks for (one octet less with
// Control::tight_buffer), so that ASan reports any write past it. nullopt when protect refuses the
// packet (not RTP/RTCP, a repeated index, a spent key, too little room).
std::optional<std::vector<uint8_t>> protect(SrtpSession& session, const Selector& s, bool rtcp,
                                            const std::vector<uint8_t>& plain) {
  if (s.mki_length > 0) {
    const MasterKey key = fuzz_master_key(s.profile, s.mki_length, s.second_key ? 1 : 0);
    // Control::rekey may have taken this key out of the free pair for the input: protect then goes
    // on with the other key.
    const SrtpStatus selected = session.select_send_key(key.mki);
    FUZZ_CHECK(selected == SrtpStatus::ok ||
               (selected == SrtpStatus::unknown_mki && session.master_key_count() == 1));
  }
  size_t room = rtcp ? session.rtcp_overhead() : session.rtp_overhead();
  if (s.control == Control::tight_buffer && room > 0) --room;
  std::vector<uint8_t> buffer(plain.size() + room);
  std::copy(plain.begin(), plain.end(), buffer.begin());
  size_t length = plain.size();
  if (run_call(session, true, rtcp, buffer, length) != SrtpStatus::ok) return std::nullopt;
  buffer.resize(length);
  return buffer;
}

// The datagram as a plain packet. Protect refuses anything but version 2, so setting it spends the
// fuzzer's effort past the version check rather than on finding it.
std::vector<uint8_t> plain_packet(std::span<const uint8_t> body) {
  std::vector<uint8_t> plain(body.begin(), body.end());
  if (!plain.empty()) plain[0] = static_cast<uint8_t>((plain[0] & 0x3f) | 0x80);
  return plain;
}

bool equal(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

// The SSRC where the datagram carries it (RTP: octets 8-11, RTCP: 4-7); 0 if it is too short.
uint32_t datagram_ssrc(const Selector& s, std::span<const uint8_t> body) {
  const size_t at = s.rtcp ? 4 : 8;
  if (body.size() < at + 4) return 0;
  return static_cast<uint32_t>(body[at]) << 24 | static_cast<uint32_t>(body[at + 1]) << 16 |
         static_cast<uint32_t>(body[at + 2]) << 8 | body[at + 3];
}

// An index the session just accepted must be refused when the same packet comes again: the estimate
// for the same sequence number gives the same index, and the window holds it (RFC 3711 §3.3.2).
void expect_replay_refused(SrtpSession& session, bool rtcp, std::span<const uint8_t> packet) {
  FUZZ_CHECK(unprotect(session, rtcp, packet).status == SrtpStatus::replay_duplicate);
}

void run_raw(Slot& slot, const Selector& s, std::span<const uint8_t> body) {
  const Unprotected out = unprotect(*slot.free.unprotect, s.rtcp, body);
  if (out.status == SrtpStatus::ok && !profile_info(s.profile).encrypts) {
    // Without a cipher, unprotect only strips the trailer: what is left is the input's start.
    FUZZ_CHECK(std::equal(out.packet.begin(), out.packet.end(), body.begin()));
  }
}

void run_lockstep(Slot& slot, const Selector& s, std::span<const uint8_t> body) {
  const std::vector<uint8_t> plain = plain_packet(body);
  const std::optional<std::vector<uint8_t>> packet =
      protect(*slot.lockstep.protect, s, s.rtcp, plain);
  if (!packet) return;
  // The unprotect session has seen exactly the packets the protect session made, so its streams,
  // ROCs, replay windows and evictions match the protect side: no drop is excusable here.
  const Unprotected out = unprotect(*slot.lockstep.unprotect, s.rtcp, *packet);
  FUZZ_CHECK(out.status == SrtpStatus::ok);
  FUZZ_CHECK(equal(out.packet, after_round_trip(plain, s.rtcp, slot.lockstep.protect->config())));
  expect_replay_refused(*slot.lockstep.unprotect, s.rtcp, *packet);
  const uint32_t ssrc = datagram_ssrc(s, plain);
  FUZZ_CHECK(slot.lockstep.protect->rollover_counter(ssrc) ==
             slot.lockstep.unprotect->rollover_counter(ssrc));
}

void run_mutate(Slot& slot, const Selector& s, std::span<const uint8_t> body) {
  const std::vector<uint8_t> plain = plain_packet(body);
  std::optional<std::vector<uint8_t>> packet = protect(*slot.free.protect, s, s.rtcp, plain);
  if (!packet) return;
  const size_t size = packet->size();  // > 0: protect succeeded
  const size_t position = s.from_end ? size - 1 - s.offset % size : s.offset % size;
  switch (s.mutation) {
    case Mutation::flip:
      (*packet)[position] ^= static_cast<uint8_t>(1u << s.flip_bit);
      break;
    case Mutation::truncate:
      packet->resize(size - 1 - s.offset % size);
      break;
    case Mutation::append:
      packet->push_back(s.offset);
      break;
    case Mutation::replay:
      break;
  }
  const Unprotected out = unprotect(*slot.free.unprotect, s.rtcp, *packet);
  if (s.mutation == Mutation::replay) {
    // Unmodified, but the free pair's states may have drifted apart: any drop is possible, yet what
    // comes out ok must be the plain packet, and once accepted it must not be accepted again.
    if (out.status == SrtpStatus::ok) {
      FUZZ_CHECK(equal(out.packet, after_round_trip(plain, s.rtcp, slot.free.protect->config())));
      expect_replay_refused(*slot.free.unprotect, s.rtcp, *packet);
    }
    return;
  }
  // The packet differs from the one protect made. With an 80-bit HMAC tag or a GCM tag, accepting
  // it would be a forgery (odds 2^-80 at best); the 32-bit tags and NULL_NULL are excused.
  if (profile_info(s.profile).tag_length >= 10) FUZZ_CHECK(out.status != SrtpStatus::ok);
}

void run_reorder(Slot& slot, const Selector& s, std::span<const uint8_t> body) {
  std::vector<uint8_t> plain = plain_packet(body);
  std::optional<std::vector<uint8_t>> packet = protect(*slot.free.protect, s, s.rtcp, plain);
  if (packet) {
    // Overwriting a held-back packet loses it, as the network would.
    slot.stash[s.offset & 0x07] = Stashed{s.rtcp, std::move(plain), std::move(*packet)};
  }
  std::optional<Stashed>& taken = slot.stash[(s.offset >> 3) & 0x07];
  if (!taken) return;
  const Stashed held = std::move(*taken);
  taken.reset();
  const Unprotected out = unprotect(*slot.free.unprotect, held.rtcp, held.packet);
  // Late, early or lost neighbours may make it a replay or fail to authenticate under a drifted ROC
  // estimate, but a genuine packet that is accepted must come out as it went in.
  if (out.status == SrtpStatus::ok) {
    FUZZ_CHECK(
        equal(out.packet, after_round_trip(held.plain, held.rtcp, slot.free.protect->config())));
  }
}

// streams() must agree with stats() and rollover_counter(), in SSRC order without duplicates.
std::vector<SrtpStreamInfo> checked_streams(const SrtpSession& session) {
  std::vector<SrtpStreamInfo> streams = session.streams();
  FUZZ_CHECK(streams.size() == session.stats().streams && streams.size() <= kMaxStreams);
  for (size_t i = 0; i < streams.size(); ++i) {
    FUZZ_CHECK(i == 0 || streams[i - 1].ssrc < streams[i].ssrc);
    FUZZ_CHECK(session.rollover_counter(streams[i].ssrc) == streams[i].rollover_counter);
  }
  return streams;
}

void run_control(Slot& slot, const Selector& s, std::span<const uint8_t> body) {
  const uint32_t ssrc = datagram_ssrc(s, body);
  switch (s.control) {
    case Control::none:
    case Control::tight_buffer:  // applies inside protect()
      break;
    case Control::set_roc:
      // RFC 3711 §3.3.1 late join. The free pair is allowed to disagree about the ROC afterwards.
      FUZZ_CHECK(slot.free.unprotect->set_rollover_counter(ssrc, s.control_parameter) ==
                 SrtpStatus::ok);
      FUZZ_CHECK(slot.free.unprotect->rollover_counter(ssrc) == s.control_parameter);
      break;
    case Control::srtcp_near_wrap: {
      // A few packets from the end of the 31-bit SRTCP index space, which must not wrap (§3.4).
      const uint32_t index = 0x7fffffffu - s.control_parameter;
      FUZZ_CHECK(slot.free.protect->set_next_srtcp_index(ssrc, index) == SrtpStatus::ok);
      FUZZ_CHECK(slot.free.unprotect->set_next_srtcp_index(ssrc, index) ==
                 SrtpStatus::wrong_direction);
      break;
    }
    case Control::rekey: {
      // Out for this input (no_key, unknown_mki, the send key falling back), back in afterwards.
      const MasterKey key = fuzz_master_key(s.profile, s.mki_length, s.second_key ? 1 : 0);
      for (SrtpSession* session : {slot.free.protect.get(), slot.free.unprotect.get()}) {
        const size_t count = session->master_key_count();
        FUZZ_CHECK(session->remove_master_key(key.mki) == SrtpStatus::ok);
        FUZZ_CHECK(session->master_key_count() == count - 1);
      }
      break;
    }
    case Control::check_streams: {
      checked_streams(*slot.free.protect);
      checked_streams(*slot.free.unprotect);
      // Lockstep: the receiver holds the same streams as the sender, with the same ROC and counts.
      const std::vector<SrtpStreamInfo> sent = checked_streams(*slot.lockstep.protect);
      const std::vector<SrtpStreamInfo> received = checked_streams(*slot.lockstep.unprotect);
      FUZZ_CHECK(sent.size() == received.size());
      for (size_t i = 0; i < sent.size(); ++i) {
        const SrtpStreamInfo& a = sent[i];
        const SrtpStreamInfo& b = received[i];
        FUZZ_CHECK(a.ssrc == b.ssrc && a.rollover_counter == b.rollover_counter &&
                   a.rtp_packets == b.rtp_packets && a.rtcp_packets == b.rtcp_packets);
        FUZZ_CHECK(a.rtp_packets == 0 || a.highest_sequence == b.highest_sequence);
        // Sender: index of the next packet; receiver: highest index received.
        FUZZ_CHECK(a.rtcp_packets == 0 || a.srtcp_index == ((b.srtcp_index + 1) & 0x7fffffffu));
      }
      break;
    }
  }
}

// Drains the key-limit events and checks they name a key of the session.
void drain_events(SrtpSession& session, size_t mki_length) {
  while (std::optional<SrtpEvent> event = session.poll_event()) {
    FUZZ_CHECK(event->mki.size() == mki_length);
  }
}

bool refused_spent_key(const SrtpSession& session) {
  const SrtpStats stats = session.stats();
  const auto expired = static_cast<size_t>(SrtpStatus::key_expired);
  return stats.rtp_drops[expired] + stats.rtcp_drops[expired] > 0;
}

void run_input(const uint8_t* data, size_t size) {
  if (size < kSelectorLength) return;
  const Selector selector = decode_selector(data);
  current_selector = &selector;
  Slot& slot = slot_for(selector);
  const std::span<const uint8_t> body(data + kSelectorLength, size - kSelectorLength);
  run_control(slot, selector, body);
  switch (selector.mode) {
    case Mode::raw:
      run_raw(slot, selector, body);
      break;
    case Mode::lockstep:
      run_lockstep(slot, selector, body);
      break;
    case Mode::mutate:
      run_mutate(slot, selector, body);
      break;
    case Mode::reorder:
      run_reorder(slot, selector, body);
      break;
  }
  // Key lifetimes are at their RFC maximum in the lockstep pair: no event can be due there.
  FUZZ_CHECK(!slot.lockstep.protect->poll_event() && !slot.lockstep.unprotect->poll_event());
  if (selector.control == Control::rekey) {
    const MasterKey key =
        fuzz_master_key(selector.profile, selector.mki_length, selector.second_key ? 1 : 0);
    for (SrtpSession* session : {slot.free.protect.get(), slot.free.unprotect.get()}) {
      FUZZ_CHECK(session->add_master_key(key.key, key.salt, key.mki) == SrtpStatus::ok);
      FUZZ_CHECK(session->master_key_count() == (selector.mki_length == 0 ? 1 : 2));
    }
  }
  drain_events(*slot.free.unprotect, selector.mki_length);
  drain_events(*slot.free.protect, selector.mki_length);
  if (refused_spent_key(*slot.free.protect)) {
    // Once protect has refused a spent key (the path this lifetime is there to reach), the pair
    // would mostly produce key_expired from then on, so start afresh.
    slot.free = make_pair(selector, true);
    slot.stash = {};
  }
  current_selector = nullptr;
}

}  // namespace
}  // namespace secmedia::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  secmedia::fuzz::run_input(data, size);
  return 0;
}
