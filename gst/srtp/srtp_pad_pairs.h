// SPDX-License-Identifier: LGPL-2.1-or-later
// The sink/src pairs of the SRTP elements: each sink pad has one src pad that mirrors it (the
// internal link), and srtpenc's request pads come as such pairs, rtp_sink_N with rtp_src_N and
// rtcp_sink_N with rtcp_src_N, with the state of each pair.
#pragma once

#include <gst/gst.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "secmedia/srtp.h"
#include "srtp_buffer.h"
#include "srtp_header_privacy.h"

namespace secmedia::gst {

// iterate_internal_links of a pad whose one internal link is `other`.
GstIterator* iterate_other_pad(GstPad* other);

// One request sink pad of srtpenc and the src pad that mirrors it.
struct PadPair {
  GstPad* sink = nullptr;
  GstPad* src = nullptr;
  PacketKind kind = PacketKind::rtp;
  guint index = 0;
  // The key ring's epoch whose output caps, and whose key event when keyed by hand, went out on
  // `src`: an older one means the keys changed since (SrtpKeyring::epoch()).
  uint64_t caps_epoch = 0;
  uint64_t key_event_epoch = 0;
  // RTP pads: header privacy from the sink caps (srtp-encrypted-header-ids, srtp-cryptex), which
  // takes precedence over the properties for this pad's streams. A pad whose caps have carried
  // either field protects with a session of its own (the core has one header-privacy setting per
  // session), kept for the pad's life: its streams never return to a session holding stale
  // rollover state for them, which could repeat an index and so a keystream.
  HeaderPrivacyFields caps_privacy;
  bool own_session = false;
  std::unique_ptr<SrtpSession> session;
};

// The pair either pad of it belongs to.
PadPair* pair_of(GstPad* pad);

// The index of a new pair of `kind`: the one `name` asks for ("rtp_sink_3"), nullopt when a pair
// has it already; otherwise the lowest free one. gst-plugins-bad 1.22 names a pad requested by
// template "pad0"; we number it like its template.
std::optional<guint> free_pair_index(const std::vector<std::unique_ptr<PadPair>>& pads,
                                     PacketKind kind, const char* name);

// Makes the pads of `pair` (kind and index set), the sink pad from the template it was requested
// by and the src pad from `klass`'s, each linked internally to the other; the element sets their
// chain, event and query functions.
void make_pair_pads(PadPair& pair, GstPadTemplate* sink_template, GstElementClass* klass);

}  // namespace secmedia::gst
