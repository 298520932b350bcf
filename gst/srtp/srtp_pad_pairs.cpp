// SPDX-License-Identifier: LGPL-2.1-or-later
#include "srtp_pad_pairs.h"

#include <cstring>

namespace secmedia::gst {

namespace {

const char* sink_prefix(PacketKind kind) {
  return kind == PacketKind::rtcp ? "rtcp_sink_" : "rtp_sink_";
}

GstIterator* iterate_internal_links(GstPad* pad, GstObject*) {
  PadPair* pair = pair_of(pad);
  return iterate_other_pad(pad == pair->sink ? pair->src : pair->sink);
}

}  // namespace

GstIterator* iterate_other_pad(GstPad* other) {
  GValue value = G_VALUE_INIT;
  g_value_init(&value, GST_TYPE_PAD);
  g_value_set_object(&value, other);
  GstIterator* it = gst_iterator_new_single(GST_TYPE_PAD, &value);
  g_value_unset(&value);
  return it;
}

PadPair* pair_of(GstPad* pad) {
  return static_cast<PadPair*>(gst_pad_get_element_private(pad));
}

std::optional<guint> free_pair_index(const std::vector<std::unique_ptr<PadPair>>& pads,
                                     PacketKind kind, const char* name) {
  const char* prefix = sink_prefix(kind);
  guint index = 0;
  bool explicit_index = false;
  if (name && g_str_has_prefix(name, prefix) && name[strlen(prefix)] != '%') {
    index = static_cast<guint>(g_ascii_strtoull(name + strlen(prefix), nullptr, 10));
    explicit_index = true;
  }
  for (bool taken = true; taken;) {
    taken = false;
    for (const auto& existing : pads) {
      if (existing->kind == kind && existing->index == index) taken = true;
    }
    if (taken) {
      if (explicit_index) return std::nullopt;
      ++index;
    }
  }
  return index;
}

void make_pair_pads(PadPair& pair, GstPadTemplate* sink_template, GstElementClass* klass) {
  const bool rtcp = pair.kind == PacketKind::rtcp;
  gchar* sink_name = g_strdup_printf("%s%u", sink_prefix(pair.kind), pair.index);
  gchar* src_name = g_strdup_printf("%s%u", rtcp ? "rtcp_src_" : "rtp_src_", pair.index);
  pair.sink = gst_pad_new_from_template(sink_template, sink_name);
  pair.src = gst_pad_new_from_template(
      gst_element_class_get_pad_template(klass, rtcp ? "rtcp_src_%u" : "rtp_src_%u"), src_name);
  g_free(sink_name);
  g_free(src_name);
  for (GstPad* pad : {pair.sink, pair.src}) {
    gst_pad_set_element_private(pad, &pair);
    gst_pad_set_iterate_internal_links_function(pad, iterate_internal_links);
  }
}

}  // namespace secmedia::gst
