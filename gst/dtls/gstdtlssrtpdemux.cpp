// SPDX-License-Identifier: LGPL-2.1-or-later
// dtlssrtpdemux: splits one UDP flow into DTLS records (dtls_src) and SRTP/SRTCP (rtp_src) by
// the packet's first byte, RFC 7983 §7 (classify_packet: 20-63 DTLS, 128-191 RTP/RTCP); anything
// else (STUN, ZRTP, TURN channels, garbage) is dropped and counted. gst-plugins-bad's element of the same
// name and pads; dtlssrtpdec does not need it (secmedia's dtlsdec demultiplexes by itself).
#include <gst/gst.h>

#include <atomic>
#include <span>

#include "element_class.h"
#include "secmedia/dtls.h"

GST_DEBUG_CATEGORY_STATIC(secmedia_dtls_srtp_demux_debug);
#define GST_CAT_DEFAULT secmedia_dtls_srtp_demux_debug

#define SECMEDIA_TYPE_DTLS_SRTP_DEMUX (secmedia_dtls_srtp_demux_get_type())
G_DECLARE_FINAL_TYPE(SecmediaDtlsSrtpDemux, secmedia_dtls_srtp_demux, SECMEDIA, DTLS_SRTP_DEMUX,
                     GstElement)

namespace {

enum { PROP_STATS = 1 };

GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
GstStaticPadTemplate rtp_src_template = GST_STATIC_PAD_TEMPLATE(
    "rtp_src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS("application/x-rtp;application/x-rtcp;application/x-srtp;application/"
                    "x-srtcp"));
GstStaticPadTemplate dtls_src_template = GST_STATIC_PAD_TEMPLATE(
    "dtls_src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS("application/x-dtls"));

struct DemuxCounters {
  std::atomic<guint64> dtls{0}, rtp{0}, dropped{0};
};

}  // namespace

struct _SecmediaDtlsSrtpDemux {
  GstElement parent;
  GstPad* sink;
  GstPad* rtp_src;
  GstPad* dtls_src;
  DemuxCounters* counters;
};

G_DEFINE_TYPE(SecmediaDtlsSrtpDemux, secmedia_dtls_srtp_demux, GST_TYPE_ELEMENT)

namespace {

using secmedia::classify_packet;
using secmedia::PacketClass;
using secmedia::gst::init_element_class;

GstFlowReturn chain(GstPad*, GstObject* parent, GstBuffer* buffer) {
  SecmediaDtlsSrtpDemux* self = SECMEDIA_DTLS_SRTP_DEMUX(parent);
  guint8 first = 0;
  GstPad* out = nullptr;
  const gsize length = gst_buffer_extract(buffer, 0, &first, 1);
  const PacketClass packet_class = classify_packet(std::span<const uint8_t>(&first, length));
  if (packet_class == PacketClass::dtls) {
    out = self->dtls_src;
    ++self->counters->dtls;
  } else if (packet_class == PacketClass::rtp) {
    out = self->rtp_src;
    ++self->counters->rtp;
  }
  if (!out) {
    ++self->counters->dropped;
    GST_LOG_OBJECT(self, "dropped a packet that is neither DTLS nor RTP (first byte %u)", first);
    gst_buffer_unref(buffer);
    return GST_FLOW_OK;
  }
  const GstFlowReturn ret = gst_pad_push(out, buffer);
  // One output unlinked (no DTLS consumer, say) must not stop the other.
  return ret == GST_FLOW_NOT_LINKED ? GST_FLOW_OK : ret;
}

gboolean sink_event(GstPad* pad, GstObject* parent, GstEvent* event) {
  SecmediaDtlsSrtpDemux* self = SECMEDIA_DTLS_SRTP_DEMUX(parent);
  if (GST_EVENT_TYPE(event) == GST_EVENT_CAPS) {
    // Each output describes its own stream: the DTLS side is application/x-dtls, the RTP side
    // keeps what upstream said (application/x-srtp with clock-rate and so on).
    GstCaps* dtls_caps = gst_caps_new_empty_simple("application/x-dtls");
    gst_pad_push_event(self->dtls_src, gst_event_new_caps(dtls_caps));
    gst_caps_unref(dtls_caps);
    return gst_pad_push_event(self->rtp_src, event);
  }
  return gst_pad_event_default(pad, parent, event);
}

void get_property(GObject* object, guint id, GValue* value, GParamSpec* pspec) {
  SecmediaDtlsSrtpDemux* self = SECMEDIA_DTLS_SRTP_DEMUX(object);
  if (id != PROP_STATS) {
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
    return;
  }
  g_value_take_boxed(value,
                     gst_structure_new("application/x-dtls-srtp-demux-stats", "dtls", G_TYPE_UINT64,
                                       self->counters->dtls.load(), "rtp", G_TYPE_UINT64,
                                       self->counters->rtp.load(), "dropped", G_TYPE_UINT64,
                                       self->counters->dropped.load(), nullptr));
}

void finalize(GObject* object) {
  delete SECMEDIA_DTLS_SRTP_DEMUX(object)->counters;
  G_OBJECT_CLASS(secmedia_dtls_srtp_demux_parent_class)->finalize(object);
}

}  // namespace

static void secmedia_dtls_srtp_demux_init(SecmediaDtlsSrtpDemux* self) {
  self->counters = new DemuxCounters();
  self->sink = gst_pad_new_from_static_template(&sink_template, "sink");
  gst_pad_set_chain_function(self->sink, chain);
  gst_pad_set_event_function(self->sink, sink_event);
  gst_element_add_pad(GST_ELEMENT(self), self->sink);
  self->rtp_src = gst_pad_new_from_static_template(&rtp_src_template, "rtp_src");
  gst_pad_use_fixed_caps(self->rtp_src);
  gst_element_add_pad(GST_ELEMENT(self), self->rtp_src);
  self->dtls_src = gst_pad_new_from_static_template(&dtls_src_template, "dtls_src");
  gst_pad_use_fixed_caps(self->dtls_src);
  gst_element_add_pad(GST_ELEMENT(self), self->dtls_src);
}

static void secmedia_dtls_srtp_demux_class_init(SecmediaDtlsSrtpDemuxClass* klass) {
  GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
  GST_DEBUG_CATEGORY_INIT(secmedia_dtls_srtp_demux_debug, "dtlssrtpdemux", 0,
                          "secmedia DTLS/SRTP demultiplexer");
  init_element_class(
      klass, {nullptr, get_property, nullptr, finalize},
      {&sink_template, &rtp_src_template, &dtls_src_template},
      {"DTLS SRTP Demultiplexer", "DTLS/SRTP/Demux",
       "Sends DTLS records to dtls_src and SRTP/SRTCP to rtp_src by first byte (RFC 7983), "
       "dropping and counting anything else (secmedia)"});
  g_object_class_install_property(
      gobject_class, PROP_STATS,
      g_param_spec_boxed(
          "stats", "Statistics", "Packets sent to dtls_src and rtp_src, and dropped (neither)",
          GST_TYPE_STRUCTURE, static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));
}

GType secmedia_dtls_srtp_demux_type() {
  return SECMEDIA_TYPE_DTLS_SRTP_DEMUX;
}
