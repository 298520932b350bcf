// SPDX-License-Identifier: LGPL-2.1-or-later
// What srtpenc's and srtpdec's `stats` share: drops by cause.
#pragma once

#include <gst/gst.h>

#include <span>

#include "secmedia/srtp.h"

namespace secmedia::gst {

// `totals` holds the sessions' counters and the drops the element counted itself (before any
// session: no key, too short to name an SSRC).

// Every drop, RTP and RTCP, whatever its cause.
uint64_t count_drops(const SrtpStats& totals);
// Sets the `drops` field of `stats`: a structure named "drops", one uint64 per cause of `causes`
// (RTP and RTCP together).
void set_drops(GstStructure* stats, const SrtpStats& totals, std::span<const SrtpStatus> causes);

}  // namespace secmedia::gst
