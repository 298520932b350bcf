// dtlsenc: the sending half of a DTLS peer. Its src pad carries the handshake datagrams (pushed by
// a pad task) and the SRTP/SRTCP that arrives on `sink`, untouched. When the handshake ends, the
// keys go upstream as the key event, so a srtpenc upstream protects with them (and a srtpenc linked
// later gets them by the key query). Application data enters on the request pad `data_sink`. EOS
// sends close_notify.
#include <gst/gst.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>

#include "dtls_element_settings.h"
#include "srtp_key_event.h"

GST_DEBUG_CATEGORY_STATIC(secmedia_dtls_enc_debug);
#define GST_CAT_DEFAULT secmedia_dtls_enc_debug

using namespace secmedia;
using namespace secmedia::gst;

#define SECMEDIA_TYPE_DTLS_ENC (secmedia_dtls_enc_get_type())
G_DECLARE_FINAL_TYPE(SecmediaDtlsEnc, secmedia_dtls_enc, SECMEDIA, DTLS_ENC, GstElement)

namespace {

enum { PROP_IS_CLIENT = kDtlsPropLast };
enum { SIGNAL_ON_KEY_RECEIVED, SIGNAL_LAST };
guint signals[SIGNAL_LAST];

GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
GstStaticPadTemplate data_sink_template =
    GST_STATIC_PAD_TEMPLATE("data_sink", GST_PAD_SINK, GST_PAD_REQUEST, GST_STATIC_CAPS_ANY);
GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS,
                                                            GST_STATIC_CAPS("application/x-dtls"));

struct EncoderState {
  std::mutex lock;  // link, queue, flags
  DtlsElementLink link{true};
  bool is_client = false;
  std::condition_variable wake;
  std::deque<GstBuffer*> datagrams;  // handshake and alert datagrams for the task to push
  bool eos_after_datagrams = false;
  bool flushing = true;
  std::mutex push_lock;  // one push at a time on src: the task's and the sink's
  bool src_started = false;
  guint64 srtp_forwarded = 0;

  // Datagrams the peer produced after the src pad stopped (its timer may fire while the element
  // shuts down) are still owned here.
  ~EncoderState() {
    for (GstBuffer* datagram : datagrams) gst_buffer_unref(datagram);
  }
};

}  // namespace

struct _SecmediaDtlsEnc {
  GstElement parent;
  GstPad* sink;
  GstPad* src;
  GstPad* data_sink;
  EncoderState* state;
};

G_DEFINE_TYPE(SecmediaDtlsEnc, secmedia_dtls_enc, GST_TYPE_ELEMENT)

namespace {

EncoderState& state_of(gpointer self) {
  return *SECMEDIA_DTLS_ENC(self)->state;
}

// With push_lock held.
void ensure_src_started(SecmediaDtlsEnc* self) {
  EncoderState& state = state_of(self);
  if (state.src_started) return;
  state.src_started = true;
  // gst_pad_create_stream_id() wants at most one sink pad; dtlsenc may have two (sink, data_sink).
  gchar* id = g_strdup_printf("%08x%08x/dtls", g_random_int(), g_random_int());
  gst_pad_push_event(self->src, gst_event_new_stream_start(id));
  g_free(id);
  GstCaps* caps = gst_caps_new_empty_simple("application/x-dtls");
  gst_pad_push_event(self->src, gst_event_new_caps(caps));
  gst_caps_unref(caps);
  GstSegment segment;
  gst_segment_init(&segment, GST_FORMAT_TIME);
  gst_pad_push_event(self->src, gst_event_new_segment(&segment));
}

void on_outputs(SecmediaDtlsEnc* self, const DtlsOutputs& outputs) {
  EncoderState& state = state_of(self);
  if (!outputs.datagrams.empty()) {
    std::lock_guard guard(state.lock);
    for (const auto& datagram : outputs.datagrams) {
      state.datagrams.push_back(gst_buffer_new_memdup(datagram.data(), datagram.size()));
    }
    state.wake.notify_one();
  }
  if (outputs.keys) {
    // Upstream events need no streaming thread: the srtpenc upstream installs the keys at once.
    KeyEventValue value{*outputs.keys, KeyOrigin::dtls};
    gst_pad_push_event(self->sink, make_srtp_keys_event(value, false));
    g_signal_emit(self, signals[SIGNAL_ON_KEY_RECEIVED], 0);
  }
  if (outputs.new_state) {
    g_object_notify(G_OBJECT(self), "connection-state");
    if (*outputs.new_state == DtlsState::failed && !outputs.decoder_attached) {
      GST_ELEMENT_ERROR(self, RESOURCE, WRITE, ("DTLS handshake failed"),
                        ("%s", outputs.reason.c_str()));
    }
  }
}

void push_task(gpointer data) {
  SecmediaDtlsEnc* self = SECMEDIA_DTLS_ENC(data);
  EncoderState& state = state_of(self);
  GstBuffer* buffer = nullptr;
  bool eos = false;
  {
    std::unique_lock guard(state.lock);
    state.wake.wait(guard, [&] {
      return state.flushing || !state.datagrams.empty() || state.eos_after_datagrams;
    });
    if (state.flushing) {
      gst_pad_pause_task(self->src);
      return;
    }
    if (!state.datagrams.empty()) {
      buffer = state.datagrams.front();
      state.datagrams.pop_front();
    } else {
      eos = true;
      state.eos_after_datagrams = false;
    }
  }
  std::lock_guard push(state.push_lock);
  ensure_src_started(self);
  if (buffer) {
    GST_LOG_OBJECT(self, "sending a DTLS datagram of %" G_GSIZE_FORMAT " bytes",
                   gst_buffer_get_size(buffer));
    const GstFlowReturn ret = gst_pad_push(self->src, buffer);
    if (ret != GST_FLOW_OK) GST_DEBUG_OBJECT(self, "push: %s", gst_flow_get_name(ret));
  } else if (eos) {
    gst_pad_push_event(self->src, gst_event_new_eos());
  }
}

gboolean src_activate_mode(GstPad* pad, GstObject* parent, GstPadMode mode, gboolean active) {
  SecmediaDtlsEnc* self = SECMEDIA_DTLS_ENC(parent);
  EncoderState& state = state_of(self);
  if (mode != GST_PAD_MODE_PUSH) return FALSE;
  if (active) {
    {
      std::lock_guard guard(state.lock);
      state.flushing = false;
    }
    return gst_pad_start_task(pad, push_task, self, nullptr);
  }
  {
    std::lock_guard guard(state.lock);
    state.flushing = true;
    state.wake.notify_all();
  }
  const gboolean stopped = gst_pad_stop_task(pad);
  std::lock_guard guard(state.lock);
  for (GstBuffer* b : state.datagrams) gst_buffer_unref(b);
  state.datagrams.clear();
  state.eos_after_datagrams = false;
  return stopped;
}

// SRTP/SRTCP from srtpenc passes through untouched.
GstFlowReturn chain(GstPad*, GstObject* parent, GstBuffer* buffer) {
  SecmediaDtlsEnc* self = SECMEDIA_DTLS_ENC(parent);
  EncoderState& state = state_of(self);
  std::lock_guard push(state.push_lock);
  ensure_src_started(self);
  // Handshake datagrams still queued (a server's Finished) go first: SRTP protected with the new
  // keys must not overtake the message that lets the peer derive them.
  std::deque<GstBuffer*> pending;
  {
    std::lock_guard guard(state.lock);
    pending.swap(state.datagrams);
  }
  for (GstBuffer* datagram : pending) gst_pad_push(self->src, datagram);
  ++state.srtp_forwarded;
  return gst_pad_push(self->src, buffer);
}

GstFlowReturn data_chain(GstPad*, GstObject* parent, GstBuffer* buffer) {
  SecmediaDtlsEnc* self = SECMEDIA_DTLS_ENC(parent);
  std::shared_ptr<DtlsPeer> peer;
  {
    std::lock_guard guard(state_of(self).lock);
    peer = state_of(self).link.peer();
  }
  GstMapInfo map;
  if (peer && gst_buffer_map(buffer, &map, GST_MAP_READ)) {
    if (!peer->send_application_data(std::span<const uint8_t>(map.data, map.size))) {
      GST_DEBUG_OBJECT(self, "application data dropped: not connected, or larger than a record");
    }
    gst_buffer_unmap(buffer, &map);
  }
  gst_buffer_unref(buffer);
  return GST_FLOW_OK;
}

gboolean sink_event(GstPad* pad, GstObject* parent, GstEvent* event) {
  SecmediaDtlsEnc* self = SECMEDIA_DTLS_ENC(parent);
  EncoderState& state = state_of(self);
  switch (GST_EVENT_TYPE(event)) {
    case GST_EVENT_STREAM_START:
    case GST_EVENT_CAPS:
    case GST_EVENT_SEGMENT:
      gst_event_unref(event);  // src carries a DTLS stream of its own
      return TRUE;
    case GST_EVENT_EOS: {
      gst_event_unref(event);
      if (pad != self->sink) return TRUE;  // end of application data only
      std::shared_ptr<DtlsPeer> peer;
      {
        std::lock_guard guard(state.lock);
        peer = state.link.peer();
      }
      if (peer) peer->close();  // close_notify is queued first
      std::lock_guard guard(state.lock);
      state.eos_after_datagrams = true;
      state.wake.notify_one();
      return TRUE;
    }
    default:
      return gst_pad_push_event(self->src, event);
  }
}

gboolean sink_query(GstPad* pad, GstObject* parent, GstQuery* query) {
  SecmediaDtlsEnc* self = SECMEDIA_DTLS_ENC(parent);
  if (is_srtp_keys_query(query)) {
    std::shared_ptr<DtlsPeer> peer;
    {
      std::lock_guard guard(state_of(self).lock);
      peer = state_of(self).link.peer();
    }
    const auto keys = peer ? peer->keys() : std::nullopt;
    if (!keys) return FALSE;
    answer_srtp_keys_query(query, KeyEventValue{*keys, KeyOrigin::dtls});
    return TRUE;
  }
  if (GST_QUERY_TYPE(query) == GST_QUERY_CAPS) {
    GstCaps* filter;
    gst_query_parse_caps(query, &filter);
    gst_query_set_caps_result(query, filter ? filter : GST_CAPS_ANY);
    return TRUE;
  }
  if (GST_QUERY_TYPE(query) == GST_QUERY_ACCEPT_CAPS) {
    gst_query_set_accept_caps_result(query, TRUE);
    return TRUE;
  }
  return gst_pad_query_default(pad, parent, query);
}

GstPad* request_new_pad(GstElement* element, GstPadTemplate* templ, const gchar*, const GstCaps*) {
  SecmediaDtlsEnc* self = SECMEDIA_DTLS_ENC(element);
  std::lock_guard guard(state_of(self).lock);
  if (self->data_sink) return nullptr;
  self->data_sink = gst_pad_new_from_template(templ, "data_sink");
  gst_pad_set_chain_function(self->data_sink, data_chain);
  gst_pad_set_event_function(self->data_sink, sink_event);
  gst_pad_set_active(self->data_sink, TRUE);
  gst_element_add_pad(element, self->data_sink);
  return self->data_sink;
}

void release_pad(GstElement* element, GstPad* pad) {
  SecmediaDtlsEnc* self = SECMEDIA_DTLS_ENC(element);
  {
    std::lock_guard guard(state_of(self).lock);
    if (pad != self->data_sink) return;
    self->data_sink = nullptr;
  }
  gst_pad_set_active(pad, FALSE);
  gst_element_remove_pad(element, pad);
}

bool attach(SecmediaDtlsEnc* self, const std::string& id) {
  EncoderState& state = state_of(self);
  std::string why;
  {
    std::lock_guard guard(state.lock);
    if (state.link.attach(id, &why)) {
      state.link.set_is_client(state.is_client);
      state.link.peer()->set_callbacks(
          true, {[self](const DtlsOutputs& outputs) { on_outputs(self, outputs); }});
      return true;
    }
  }
  // Messages without the lock. Before a bus exists only the warning is seen; the refusal it left
  // fails the next start.
  warn_refused_setting(GST_ELEMENT(self), why);
  GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("Duplicate connection-id"), ("%s", why.c_str()));
  return false;
}

void set_property(GObject* object, guint id, const GValue* value, GParamSpec* pspec) {
  SecmediaDtlsEnc* self = SECMEDIA_DTLS_ENC(object);
  EncoderState& state = state_of(self);
  if (id == kPropConnectionId) {
    const gchar* connection_id = g_value_get_string(value);
    attach(self, connection_id ? connection_id : "");
    return;
  }
  if (id == PROP_IS_CLIENT) {
    std::lock_guard guard(state.lock);
    state.is_client = g_value_get_boolean(value);
    state.link.set_is_client(state.is_client);
    return;  // GObject notifies on every set, as webrtcbin expects
  }
  std::string problem;
  bool known;
  {
    std::lock_guard guard(state.lock);
    known = state.link.set_property(id, value, &problem);
  }
  if (!known) G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  if (!problem.empty()) warn_refused_setting(GST_ELEMENT(self), problem);
}

void get_property(GObject* object, guint id, GValue* value, GParamSpec* pspec) {
  EncoderState& state = state_of(object);
  if (id == PROP_IS_CLIENT) {
    std::lock_guard guard(state.lock);
    g_value_set_boolean(value, state.is_client);
    return;
  }
  if (id == kPropStats) {
    state.link.get_property(id, value);
    GstStructure* stats = static_cast<GstStructure*>(g_value_get_boxed(value));
    std::lock_guard guard(state.push_lock);
    gst_structure_set(stats, "srtp-forwarded", G_TYPE_UINT64, state.srtp_forwarded, nullptr);
    return;
  }
  if (!state.link.get_property(id, value)) G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
}

GstStateChangeReturn change_state(GstElement* element, GstStateChange transition) {
  SecmediaDtlsEnc* self = SECMEDIA_DTLS_ENC(element);
  EncoderState& state = state_of(self);
  if (transition == GST_STATE_CHANGE_NULL_TO_READY ||
      transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
    std::string refusals;
    {
      std::lock_guard guard(state.lock);
      refusals = state.link.refusals();
    }
    if (!may_start(element, refusals)) return GST_STATE_CHANGE_FAILURE;
  }
  const GstStateChangeReturn ret =
      GST_ELEMENT_CLASS(secmedia_dtls_enc_parent_class)->change_state(element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE) return ret;
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
    std::shared_ptr<DtlsPeer> peer;
    {
      std::lock_guard guard(state.lock);
      peer = state.link.peer();
    }
    // The src task runs now: a client's ClientHello can go out.
    std::string why;
    GstClock* clock = gst_element_get_clock(element);
    if (peer && !peer->start(clock, &why)) {
      GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("DTLS cannot start"), ("%s", why.c_str()));
      if (clock) gst_object_unref(clock);
      return GST_STATE_CHANGE_FAILURE;
    }
    if (clock) gst_object_unref(clock);
  }
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    std::shared_ptr<DtlsPeer> peer;
    {
      std::lock_guard guard(state.lock);
      peer = state.link.peer();
    }
    if (peer) peer->stop();
    std::lock_guard push(state.push_lock);
    state.src_started = false;
  }
  return ret;
}

// Issue 13: the peer may be dispatching to this element on another thread (its timer, the other
// element's streaming thread). Detaching waits for those dispatches to end and stops new ones, so
// it comes first, before GstElement's dispose removes the pads and before finalize destroys the
// state: nothing of the element goes while the peer can still reach it, whatever the order of the
// state's members. Not under the state's lock, which a dispatch in flight may be waiting for;
// nothing else uses the link once the element is disposed (its streaming stopped at NULL).
void dispose(GObject* object) {
  state_of(object).link.detach();
  G_OBJECT_CLASS(secmedia_dtls_enc_parent_class)->dispose(object);
}

void finalize(GObject* object) {
  delete SECMEDIA_DTLS_ENC(object)->state;
  G_OBJECT_CLASS(secmedia_dtls_enc_parent_class)->finalize(object);
}

}  // namespace

static void secmedia_dtls_enc_init(SecmediaDtlsEnc* self) {
  self->state = new EncoderState();
  self->sink = gst_pad_new_from_static_template(&sink_template, "sink");
  gst_pad_set_chain_function(self->sink, chain);
  gst_pad_set_event_function(self->sink, sink_event);
  gst_pad_set_query_function(self->sink, sink_query);
  gst_element_add_pad(GST_ELEMENT(self), self->sink);
  self->src = gst_pad_new_from_static_template(&src_template, "src");
  gst_pad_set_activatemode_function(self->src, src_activate_mode);
  gst_pad_use_fixed_caps(self->src);
  gst_element_add_pad(GST_ELEMENT(self), self->src);
  self->data_sink = nullptr;
  attach(self, "");  // a private association, until a connection-id pairs the element
}

static void secmedia_dtls_enc_class_init(SecmediaDtlsEncClass* klass) {
  GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
  GST_DEBUG_CATEGORY_INIT(secmedia_dtls_enc_debug, "dtlsenc", 0, "secmedia DTLS encoder");
  gobject_class->set_property = set_property;
  gobject_class->get_property = get_property;
  gobject_class->dispose = dispose;
  gobject_class->finalize = finalize;
  element_class->change_state = change_state;
  element_class->request_new_pad = request_new_pad;
  element_class->release_pad = release_pad;
  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &data_sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(
      element_class, "DTLS Encoder", "Encoder/Network/DTLS",
      "Runs the sending half of a DTLS 1.2 association: handshake datagrams and the SRTP/SRTCP "
      "from sink on src, DTLS-SRTP keys upstream as the key event, application data from "
      "data_sink (secmedia)",
      "secmedia developers");
  install_dtls_common_properties(gobject_class);
  g_object_class_install_property(
      gobject_class, PROP_IS_CLIENT,
      g_param_spec_boolean("is-client", "Is client",
                           "Set to true if the decoder should act as client and initiate the "
                           "handshake",
                           FALSE,
                           static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                                    GST_PARAM_MUTABLE_READY)));
  signals[SIGNAL_ON_KEY_RECEIVED] =
      g_signal_new("on-key-received", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, nullptr,
                   nullptr, nullptr, G_TYPE_NONE, 0);
}

GType secmedia_dtls_enc_type() {
  return SECMEDIA_TYPE_DTLS_ENC;
}
