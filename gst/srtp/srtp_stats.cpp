// SPDX-License-Identifier: LGPL-2.1-or-later
#include "srtp_stats.h"

#include "srtp_header_privacy.h"

namespace secmedia::gst {

namespace {

// The causes srtpenc's `stats` counts drops by: what protect can give here (no-key also counts the
// packets dropped before any key). The core's other statuses concern unprotect or key management,
// and protect_buffer() always gives protect its tail room, so they never drop a packet there.
constexpr SrtpStatus kEncoderDropCauses[] = {
    SrtpStatus::replay_old,       SrtpStatus::replay_duplicate,
    SrtpStatus::malformed,        SrtpStatus::key_expired,
    SrtpStatus::no_key,           SrtpStatus::header_extension_malformed,
    SrtpStatus::cryptex_required,
};

// The causes srtpdec's `stats` counts drops by: what unprotect can give. The core's other statuses
// concern key management or protect and never drop a packet there.
constexpr SrtpStatus kDecoderDropCauses[] = {
    SrtpStatus::auth_failure,     SrtpStatus::replay_old,
    SrtpStatus::replay_duplicate, SrtpStatus::malformed,
    SrtpStatus::key_expired,      SrtpStatus::no_key,
    SrtpStatus::unknown_mki,      SrtpStatus::header_extension_malformed,
    SrtpStatus::cryptex_required,
};

// Appends `stream` (taken) to the GstValueArray `streams`.
void append_stream(GValue* streams, GstStructure* stream) {
  GValue entry = G_VALUE_INIT;
  g_value_init(&entry, GST_TYPE_STRUCTURE);
  gst_value_set_structure(&entry, stream);
  gst_structure_free(stream);
  gst_value_array_append_and_take_value(streams, &entry);
}

}  // namespace

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

namespace secmedia::gst {

GParamSpec* stats_pspec(const char* blurb) {
  return g_param_spec_boxed("stats", "Statistics", blurb, GST_TYPE_STRUCTURE,
                            static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
}

GstStructure* encoder_stats(const SrtpKeyring& keyring,
                            const std::vector<const SrtpSession*>& pad_sessions,
                            uint64_t dropped_before_key) {
  GstStructure* stats = gst_structure_new_empty("application/x-srtp-encoder-stats");
  GValue streams = G_VALUE_INIT;
  gst_value_array_init(&streams, 0);
  SrtpStats totals = keyring.retired();
  std::vector<const SrtpSession*> sessions;
  if (keyring.session()) sessions.push_back(keyring.session());
  sessions.insert(sessions.end(), pad_sessions.begin(), pad_sessions.end());
  for (const SrtpSession* session : sessions) {
    accumulate_stats(totals, session->stats());
    for (const auto& info : session->streams()) {
      if (session != keyring.session() && info.rtp_packets == 0) continue;  // carried over
      append_stream(
          &streams,
          gst_structure_new("application/x-srtp-stream", "ssrc", G_TYPE_UINT, info.ssrc, "roc",
                            G_TYPE_UINT, info.rollover_counter, "rtp-packets", G_TYPE_UINT64,
                            info.rtp_packets, "rtcp-packets", G_TYPE_UINT64, info.rtcp_packets,
                            "srtcp-index", G_TYPE_UINT, info.srtcp_index, nullptr));
    }
  }
  gst_structure_take_value(stats, "streams", &streams);
  totals.rtp_drops[static_cast<size_t>(SrtpStatus::no_key)] += dropped_before_key;
  gst_structure_set(stats, "keyed", G_TYPE_BOOLEAN, keyring.session() != nullptr, "rtp-packets",
                    G_TYPE_UINT64, totals.rtp_packets, "rtcp-packets", G_TYPE_UINT64,
                    totals.rtcp_packets, "dropped", G_TYPE_UINT64, count_drops(totals),
                    "dropped-no-key", G_TYPE_UINT64, dropped_before_key, nullptr);
  add_header_protection_stats(stats, totals);
  set_drops(stats, totals, kEncoderDropCauses);
  return stats;
}

GstStructure* decoder_stats(const SrtpKeyring& keyring, const DecoderCounts& counts) {
  GstStructure* stats = gst_structure_new_empty("application/x-srtp-decoder-stats");
  GValue streams = G_VALUE_INIT;
  gst_value_array_init(&streams, 0);
  SrtpStats totals = keyring.retired();
  // Trial sessions hold no authenticated stream, only the drops of packets tried on them.
  for (const SrtpSession* trial : keyring.trial_sessions()) {
    accumulate_stats(totals, trial->stats());
  }
  for (const SrtpSession* session : keyring.sessions()) {
    accumulate_stats(totals, session->stats());
    for (const auto& info : session->streams()) {
      append_stream(
          &streams,
          gst_structure_new(
              "application/x-srtp-stream", "ssrc", G_TYPE_UINT, info.ssrc, "roc", G_TYPE_UINT,
              info.rollover_counter, "recv-count", G_TYPE_UINT,
              static_cast<guint>(info.rtp_packets + info.rtcp_packets + info.replay_drops),
              "recv-drop-count", G_TYPE_UINT, static_cast<guint>(info.replay_drops), nullptr));
    }
  }
  gst_structure_take_value(stats, "streams", &streams);
  totals.rtp_drops[static_cast<size_t>(SrtpStatus::no_key)] += counts.dropped_no_key;
  totals.rtp_drops[static_cast<size_t>(SrtpStatus::malformed)] += counts.dropped_malformed;
  const uint64_t dropped = count_drops(totals);
  const uint64_t received = totals.rtp_packets + totals.rtcp_packets + dropped;
  gst_structure_set(stats, "recv-count", G_TYPE_UINT, static_cast<guint>(received),
                    "recv-drop-count", G_TYPE_UINT, static_cast<guint>(dropped), "rtp-packets",
                    G_TYPE_UINT64, totals.rtp_packets, "rtcp-packets", G_TYPE_UINT64,
                    totals.rtcp_packets, "passed-through", G_TYPE_UINT64, counts.passed_through,
                    nullptr);
  add_header_protection_stats(stats, totals);
  set_drops(stats, totals, kDecoderDropCauses);
  return stats;
}

}  // namespace secmedia::gst
