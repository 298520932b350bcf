// SPDX-License-Identifier: LGPL-2.1-or-later
// dtlsdec: the receiving half of a DTLS peer. Each datagram on `sink` is classified by its first
// byte (RFC 7983): DTLS goes to the peer; SRTP/SRTCP leaves on `src` untouched; anything else is
// dropped and counted. When the handshake ends, the keys leave on `src` as the sticky key event, so
// a srtpdec downstream decrypts with them. Application data leaves on the request pad `data_src`.
#include <gst/gst.h>

#include <mutex>
#include <string>

#include "datagram_source.h"
#include "dtls_element_half.h"
#include "element_class.h"
#include "srtp_key_event.h"

GST_DEBUG_CATEGORY_STATIC(secmedia_dtls_dec_debug);
#define GST_CAT_DEFAULT secmedia_dtls_dec_debug

using namespace secmedia;
using namespace secmedia::gst;

#define SECMEDIA_TYPE_DTLS_DEC (secmedia_dtls_dec_get_type())
G_DECLARE_FINAL_TYPE(SecmediaDtlsDec, secmedia_dtls_dec, SECMEDIA, DTLS_DEC, GstElement)

namespace {

enum { SIGNAL_ON_KEY_RECEIVED, SIGNAL_LAST };
guint signals[SIGNAL_LAST];

GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS,
                                                            GST_STATIC_CAPS("application/x-srtp"));
GstStaticPadTemplate data_src_template =
    GST_STATIC_PAD_TEMPLATE("data_src", GST_PAD_SRC, GST_PAD_REQUEST, GST_STATIC_CAPS_ANY);

// What the peer handed over for the streaming thread to push (keys, data, end of stream).
struct Inbox {
  std::optional<SrtpKeyingMaterial> keys;
  std::vector<std::vector<uint8_t>> data;
  bool end_of_stream = false;
};

struct DecoderState {
  explicit DecoderState(GstElement* element);

  DtlsElementHalf half;  // its lock guards the members below too
  Inbox inbox;
  bool src_started = false;
  bool data_src_started = false;
  guint64 srtp_forwarded = 0;
  guint64 dropped_unknown = 0;
};

}  // namespace

struct _SecmediaDtlsDec {
  GstElement parent;
  GstPad* sink;
  GstPad* src;
  GstPad* data_src;
  DecoderState* state;
};

G_DEFINE_TYPE(SecmediaDtlsDec, secmedia_dtls_dec, GST_TYPE_ELEMENT)

namespace {

DecoderState& state_of(gpointer self) {
  return *SECMEDIA_DTLS_DEC(self)->state;
}

void on_outputs(SecmediaDtlsDec* self, const DtlsOutputs& outputs);

DecoderState::DecoderState(GstElement* element)
    : half(element, false, secmedia_dtls_dec_debug, [element](const DtlsOutputs& outputs) {
        on_outputs(SECMEDIA_DTLS_DEC(element), outputs);
      }) {}

// The caps src announces: what udpsrc was given when it describes SRTP (so a depayloader after
// srtpdec learns clock-rate and encoding), bare application/x-srtp otherwise.
GstCaps* src_caps(SecmediaDtlsDec* self) {
  GstCaps* upstream = gst_pad_get_current_caps(self->sink);
  if (upstream && !gst_caps_is_empty(upstream) &&
      gst_structure_has_name(gst_caps_get_structure(upstream, 0), "application/x-srtp")) {
    return upstream;
  }
  if (upstream) gst_caps_unref(upstream);
  return gst_caps_new_empty_simple("application/x-srtp");
}

void start_pad(SecmediaDtlsDec* self, GstPad* pad, const char* caps_name, const char* suffix) {
  gchar* upstream_id = gst_pad_get_stream_id(self->sink);
  gchar* id = upstream_id ? g_strdup_printf("%s/%s", upstream_id, suffix)
                          : gst_pad_create_stream_id(pad, GST_ELEMENT(self), suffix);
  gst_pad_push_event(pad, gst_event_new_stream_start(id));
  g_free(id);
  g_free(upstream_id);
  // Application data has no caps of its own (like gst-plugins-bad's data pad): whatever protocol
  // runs over DTLS (SCTP for WebRTC data channels) is for the element downstream to know.
  if (caps_name) {
    GstCaps* caps = src_caps(self);
    gst_pad_push_event(pad, gst_event_new_caps(caps));
    gst_caps_unref(caps);
  }
  GstEvent* segment = gst_pad_get_sticky_event(self->sink, GST_EVENT_SEGMENT, 0);
  if (!segment) {
    GstSegment time_segment;
    gst_segment_init(&time_segment, GST_FORMAT_TIME);
    segment = gst_event_new_segment(&time_segment);
  }
  gst_pad_push_event(pad, segment);
}

void ensure_src_started(SecmediaDtlsDec* self) {
  DecoderState& state = state_of(self);
  {
    std::lock_guard guard(state.half.lock);
    if (state.src_started) return;
    state.src_started = true;
  }
  start_pad(self, self->src, "application/x-srtp", "srtp");
}

// What a call into the peer produced for dtlsdec: returned by dtlsdec's own calls (its chain), or
// handed to its callback for the calls of dtlsenc, the timer or webrtcbin's thread. Kept for the
// streaming thread to push (drain_inbox); signals and messages here run with no lock held.
void on_outputs(SecmediaDtlsDec* self, const DtlsOutputs& outputs) {
  DecoderState& state = state_of(self);
  {
    std::lock_guard guard(state.half.lock);
    if (outputs.keys) state.inbox.keys = outputs.keys;
    for (const auto& data : outputs.application_data) state.inbox.data.push_back(data);
    if (outputs.closed_by_peer) state.inbox.end_of_stream = true;
  }
  if (outputs.new_state) {
    g_object_notify(G_OBJECT(self), "connection-state");
    if (*outputs.new_state == DtlsState::failed) {
      GST_ELEMENT_ERROR(self, RESOURCE, READ, ("DTLS handshake failed"),
                        ("%s", outputs.reason.c_str()));
    } else {
      GST_INFO_OBJECT(self, "DTLS %s %s", to_string(*outputs.new_state), outputs.reason.c_str());
    }
  }
}

// Pushes what the peer produced while handling a datagram (streaming thread, no lock held).
void drain_inbox(SecmediaDtlsDec* self) {
  DecoderState& state = state_of(self);
  Inbox inbox;
  GstPad* data_src = nullptr;
  {
    std::lock_guard guard(state.half.lock);
    inbox = std::move(state.inbox);
    state.inbox = {};
    if (self->data_src) data_src = GST_PAD(gst_object_ref(self->data_src));
  }
  if (inbox.keys) {
    ensure_src_started(self);
    KeyEventValue value{*inbox.keys, KeyOrigin::dtls};
    gst_pad_push_event(self->src, make_srtp_keys_event(value, true));
    GST_INFO_OBJECT(self, "keys sent downstream (%s)",
                    std::string(profile_info(inbox.keys->profile).name).c_str());
    g_signal_emit(self, signals[SIGNAL_ON_KEY_RECEIVED], 0);
  }
  if (data_src && !inbox.data.empty()) {
    bool start = false;
    {
      std::lock_guard guard(state.half.lock);
      start = !state.data_src_started;
      state.data_src_started = true;
    }
    if (start) start_pad(self, data_src, nullptr, "data");
    for (const auto& data : inbox.data) {
      gst_pad_push(data_src, gst_buffer_new_memdup(data.data(), data.size()));
    }
  }
  if (inbox.end_of_stream) {
    // RFC 5246 §7.2.1: close_notify ends the association, and with it the stream.
    ensure_src_started(self);
    gst_pad_push_event(self->src, gst_event_new_eos());
    if (data_src) gst_pad_push_event(data_src, gst_event_new_eos());
  }
  if (data_src) gst_object_unref(data_src);
}

GstFlowReturn chain(GstPad*, GstObject* parent, GstBuffer* buffer) {
  SecmediaDtlsDec* self = SECMEDIA_DTLS_DEC(parent);
  DecoderState& state = state_of(self);
  guint8 first = 0;
  if (gst_buffer_extract(buffer, 0, &first, 1) != 1) {
    gst_buffer_unref(buffer);
    return GST_FLOW_OK;
  }
  // RFC 7983 §7: DTLS to the peer, RTP/RTCP (here SRTP/SRTCP) on src, the rest dropped.
  const PacketClass packet_class = classify_packet(std::span<const uint8_t>(&first, 1));
  if (packet_class == PacketClass::dtls) {
    const std::shared_ptr<DtlsPeer> peer = state.half.peer();
    GstMapInfo map;
    if (peer && gst_buffer_map(buffer, &map, GST_MAP_READ)) {
      GST_LOG_OBJECT(self, "DTLS datagram of %" G_GSIZE_FORMAT " bytes", map.size);
      std::string why;
      GstClock* clock = gst_element_get_clock(GST_ELEMENT(self));
      // A server starts with the first ClientHello, even before its dtlsenc is running.
      const auto started = peer->start(clock, &why, DtlsSide::decoder, true);
      if (clock) gst_object_unref(clock);
      if (started) {
        on_outputs(self, *started);
      } else {
        GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("DTLS cannot start"), ("%s", why.c_str()));
      }
      // The sender's address binds the handshake to it (DtlsConnection::handle_datagram).
      const DatagramSource source(buffer);
      on_outputs(self, peer->handle_datagram(std::span<const uint8_t>(map.data, map.size),
                                             source.bytes()));
      gst_buffer_unmap(buffer, &map);
    }
    gst_buffer_unref(buffer);
    drain_inbox(self);
    return GST_FLOW_OK;
  }
  if (packet_class == PacketClass::rtp) {
    ensure_src_started(self);
    {
      std::lock_guard guard(state.half.lock);
      ++state.srtp_forwarded;
    }
    const GstFlowReturn ret = gst_pad_push(self->src, buffer);
    return ret == GST_FLOW_NOT_LINKED ? GST_FLOW_OK : ret;
  }
  {
    std::lock_guard guard(state.half.lock);
    ++state.dropped_unknown;
  }
  gst_buffer_unref(buffer);
  return GST_FLOW_OK;
}

gboolean sink_event(GstPad* pad, GstObject* parent, GstEvent* event) {
  SecmediaDtlsDec* self = SECMEDIA_DTLS_DEC(parent);
  switch (GST_EVENT_TYPE(event)) {
    case GST_EVENT_STREAM_START:
    case GST_EVENT_CAPS:
    case GST_EVENT_SEGMENT:
      // Our source pads describe their own streams; caps and segment are copied when they start
      // (the event stays sticky on the sink pad when it is accepted here).
      gst_event_unref(event);
      return TRUE;
    default: {
      GstPad* data_src = nullptr;
      {
        std::lock_guard guard(state_of(self).half.lock);
        if (self->data_src) data_src = GST_PAD(gst_object_ref(self->data_src));
      }
      if (data_src) {
        gst_pad_push_event(data_src, gst_event_ref(event));
        gst_object_unref(data_src);
      }
      return gst_pad_push_event(self->src, event);
    }
  }
  (void)pad;
}

GstPad* request_new_pad(GstElement* element, GstPadTemplate* templ, const gchar*, const GstCaps*) {
  SecmediaDtlsDec* self = SECMEDIA_DTLS_DEC(element);
  return state_of(self).half.request_pad(templ, "data_src", &self->data_src);
}

void release_pad(GstElement* element, GstPad* pad) {
  SecmediaDtlsDec* self = SECMEDIA_DTLS_DEC(element);
  state_of(self).half.release_pad(pad, &self->data_src,
                                  [self] { state_of(self).data_src_started = false; });
}

void set_property(GObject* object, guint id, const GValue* value, GParamSpec* pspec) {
  state_of(object).half.set_property(object, id, value, pspec);
}

void get_property(GObject* object, guint id, GValue* value, GParamSpec* pspec) {
  DecoderState& state = state_of(object);
  if (id == kPropStats) {
    state.half.link.get_property(id, value);
    GstStructure* stats = static_cast<GstStructure*>(g_value_get_boxed(value));
    std::shared_ptr<DtlsPeer> peer;
    {
      std::lock_guard guard(state.half.lock);
      gst_structure_set(stats, "srtp-forwarded", G_TYPE_UINT64, state.srtp_forwarded,
                        "dropped-not-dtls-or-srtp", G_TYPE_UINT64, state.dropped_unknown, nullptr);
      peer = state.half.link.peer();
    }
    // What the engine threw away of what arrived here (RFC 6347 §4.1.2.7, §4.2.1).
    const DtlsStats engine = peer ? peer->stats() : DtlsStats{};
    gst_structure_set(stats, "dtls-records-discarded", G_TYPE_UINT64, engine.records_discarded,
                      "dtls-other-source", G_TYPE_UINT64, engine.datagrams_from_other_sources,
                      "dtls-hello-verify-requests", G_TYPE_UINT64, engine.hello_verify_requests,
                      nullptr);
    return;
  }
  state.half.get_property(object, id, value, pspec);
}

GstStateChangeReturn change_state(GstElement* element, GstStateChange transition) {
  SecmediaDtlsDec* self = SECMEDIA_DTLS_DEC(element);
  DecoderState& state = state_of(self);
  if (transition == GST_STATE_CHANGE_NULL_TO_READY) {
    bool attached;
    {
      std::lock_guard guard(state.half.lock);
      attached = state.half.link.peer() != nullptr;
    }
    if (!attached && !state.half.attach("")) return GST_STATE_CHANGE_FAILURE;
  }
  if (!state.half.may_start(transition)) return GST_STATE_CHANGE_FAILURE;
  const GstStateChangeReturn ret =
      GST_ELEMENT_CLASS(secmedia_dtls_dec_parent_class)->change_state(element, transition);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    std::shared_ptr<DtlsPeer> peer;
    {
      std::lock_guard guard(state.half.lock);
      peer = state.half.link.peer();
      state.src_started = false;
      state.data_src_started = false;
      state.inbox = {};
    }
    if (peer) peer->stop();
  }
  return ret;
}

// DtlsElementHalf::detach says why it comes first.
void dispose(GObject* object) {
  state_of(object).half.detach();
  G_OBJECT_CLASS(secmedia_dtls_dec_parent_class)->dispose(object);
}

void finalize(GObject* object) {
  delete SECMEDIA_DTLS_DEC(object)->state;
  G_OBJECT_CLASS(secmedia_dtls_dec_parent_class)->finalize(object);
}

}  // namespace

static void secmedia_dtls_dec_init(SecmediaDtlsDec* self) {
  self->state = new DecoderState(GST_ELEMENT(self));
  self->sink = gst_pad_new_from_static_template(&sink_template, "sink");
  gst_pad_set_chain_function(self->sink, chain);
  gst_pad_set_event_function(self->sink, sink_event);
  gst_element_add_pad(GST_ELEMENT(self), self->sink);
  self->src = gst_pad_new_from_static_template(&src_template, "src");
  gst_pad_use_fixed_caps(self->src);
  gst_element_add_pad(GST_ELEMENT(self), self->src);
  self->data_src = nullptr;
  self->state->half.attach("");  // a private association, until a connection-id pairs the element
}

static void secmedia_dtls_dec_class_init(SecmediaDtlsDecClass* klass) {
  GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
  GST_DEBUG_CATEGORY_INIT(secmedia_dtls_dec_debug, "dtlsdec", 0, "secmedia DTLS decoder");
  init_element_class(
      klass,
      {set_property, get_property, dispose, finalize, change_state, request_new_pad, release_pad},
      {&sink_template, &src_template, &data_src_template},
      {"DTLS Decoder", "Decoder/Network/DTLS",
       "Runs the receiving half of a DTLS 1.2 association: passes SRTP/SRTCP on src, sends the "
       "DTLS-SRTP keys downstream as the key event, application data on data_src (secmedia)"});
  install_dtls_common_properties(gobject_class);
  signals[SIGNAL_ON_KEY_RECEIVED] = new_on_key_received_signal(G_TYPE_FROM_CLASS(klass));
  gst_type_mark_as_plugin_api(dtls_connection_state_get_type(), static_cast<GstPluginAPIFlags>(0));
  gst_type_mark_as_plugin_api(dtls_certificate_type_get_type(), static_cast<GstPluginAPIFlags>(0));
}

GType secmedia_dtls_dec_type() {
  return SECMEDIA_TYPE_DTLS_DEC;
}
