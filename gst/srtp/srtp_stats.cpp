// SPDX-License-Identifier: LGPL-2.1-or-later
#include "srtp_stats.h"

namespace secmedia::gst {

uint64_t count_drops(const SrtpStats& totals) {
  uint64_t dropped = 0;
  for (size_t i = 1; i < kSrtpDropCauseLimit; ++i) {
    dropped += totals.rtp_drops[i] + totals.rtcp_drops[i];
  }
  return dropped;
}

void set_drops(GstStructure* stats, const SrtpStats& totals, std::span<const SrtpStatus> causes) {
  GstStructure* drops = gst_structure_new_empty("drops");
  for (const SrtpStatus cause : causes) {
    const auto i = static_cast<size_t>(cause);
    gst_structure_set(drops, to_string(cause), G_TYPE_UINT64,
                      totals.rtp_drops[i] + totals.rtcp_drops[i], nullptr);
  }
  gst_structure_set(stats, "drops", GST_TYPE_STRUCTURE, drops, nullptr);
  gst_structure_free(drops);
}

}  // namespace secmedia::gst
