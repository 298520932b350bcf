// SPDX-License-Identifier: LGPL-2.1-or-later
// The `stats` structures of srtpenc and srtpdec, built from their key rings and the drops each
// counted itself.
#pragma once

#include <gst/gst.h>

#include <span>
#include <vector>

#include "secmedia/srtp.h"
#include "secmedia/srtp_keyring.h"

namespace secmedia::gst {

// `totals` holds the sessions' counters and the drops the element counted itself (before any
// session: no key, too short to name an SSRC).

// Every drop, RTP and RTCP, whatever its cause.
uint64_t count_drops(const SrtpStats& totals);
// Sets the `drops` field of `stats`: a structure named "drops", one uint64 per cause of `causes`
// (RTP and RTCP together).
void set_drops(GstStructure* stats, const SrtpStats& totals, std::span<const SrtpStatus> causes);

// The `stats` property's spec; each element says in `blurb` what its structure holds.
GParamSpec* stats_pspec(const char* blurb);

// srtpenc's `stats`: the key ring's session and the sessions of pads that protect with their own
// (`pad_sessions`), and the packets dropped before any key.
GstStructure* encoder_stats(const SrtpKeyring& keyring,
                            const std::vector<const SrtpSession*>& pad_sessions,
                            uint64_t dropped_before_key);

// srtpdec's `stats`: the key ring's sessions, trial sessions included, and what was dropped or
// passed through before a session was chosen.
struct DecoderCounts {
  uint64_t dropped_no_key = 0;
  uint64_t dropped_malformed = 0;
  uint64_t passed_through = 0;
};
GstStructure* decoder_stats(const SrtpKeyring& keyring, const DecoderCounts& counts);

}  // namespace secmedia::gst
