// SPDX-License-Identifier: LGPL-2.1-or-later
// dtlsenc: the sending half of a DTLS peer. Its src pad carries the handshake datagrams (pushed by
// the thread that made them or the plugin's shared pool, see SrcQueue) and the SRTP/SRTCP that
// arrives on `sink`, untouched. When the handshake ends, the
// keys go upstream as the key event, so a srtpenc upstream protects with them (and a srtpenc linked
// later gets them by the key query). Application data enters on the request pad `data_sink`. EOS
// sends close_notify.
#include <gst/gst.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "dtls_element_half.h"
#include "dtls_property_specs.h"
#include "element_class.h"
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

// What leaves on src, in order: handshake and alert datagrams, SRTP/SRTCP from sink, EOS. No thread
// of its own (issue 15: a thread per association does not scale). Whoever adds to it pushes it out
// itself when it may (a streaming thread holding none of our locks, DtlsOutputs::may_push_here) and
// no other thread is pushing; a thread already pushing takes new items along (also when they come
// from inside its own push: the peer's answer travelling back through the pipeline); items added
// where no push may happen (the timer's thread, a state change, webrtcbin's thread) are pushed by
// the shared pool (DtlsPeer::run_on_shared_pool). One thread pushes at a time, and nobody waits
// for a lock while pushing, so two associations pushing into each other cannot deadlock.
struct SrcQueue {
  std::mutex lock;
  std::condition_variable idle;      // no thread is pushing any more
  std::deque<GstMiniObject*> items;  // GstBuffer, GstBufferList (SRTP) or GstEvent (EOS)
  bool active = false;               // src is active: items may be pushed
  std::thread::id pusher;            // the thread pushing items; none when default
  bool pool_job = false;             // a pool job is on its way
  bool started = false;              // stream-start, caps and segment sent (by the pusher)
  // A reference until the element's dispose closes the queue (null from then on): a pool job may
  // still hold the queue after that, and must find nothing of GStreamer's in it.
  GstPad* src = nullptr;
  std::atomic<guint64> srtp_forwarded{0};

  explicit SrcQueue(GstPad* pad) : src(GST_PAD(gst_object_ref(pad))) {}
  bool pushing() const { return pusher != std::thread::id(); }
  ~SrcQueue() {
    for (GstMiniObject* item : items) gst_mini_object_unref(item);
    if (src) gst_object_unref(src);
  }
};

struct EncoderState {
  explicit EncoderState(GstElement* element);

  DtlsElementHalf half;  // its lock guards is_client too
  bool is_client = false;
  std::shared_ptr<SrcQueue> queue;
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

void on_outputs(SecmediaDtlsEnc* self, const DtlsOutputs& outputs);

// On every attach the new peer learns is-client, which belongs to dtlsenc.
EncoderState::EncoderState(GstElement* element)
    : half(
          element, true, secmedia_dtls_enc_debug,
          [element](const DtlsOutputs& outputs) {
            on_outputs(SECMEDIA_DTLS_ENC(element), outputs);
          },
          [this](DtlsElementLink& link) { link.set_is_client(is_client); }) {}

// By the thread pushing (SrcQueue::pusher).
void ensure_src_started(SrcQueue& queue) {
  if (queue.started) return;
  queue.started = true;
  // gst_pad_create_stream_id() wants at most one sink pad; dtlsenc may have two (sink, data_sink).
  gchar* id = g_strdup_printf("%08x%08x/dtls", g_random_int(), g_random_int());
  gst_pad_push_event(queue.src, gst_event_new_stream_start(id));
  g_free(id);
  GstCaps* caps = gst_caps_new_empty_simple("application/x-dtls");
  gst_pad_push_event(queue.src, gst_event_new_caps(caps));
  gst_caps_unref(caps);
  GstSegment segment;
  gst_segment_init(&segment, GST_FORMAT_TIME);
  gst_pad_push_event(queue.src, gst_event_new_segment(&segment));
}

// By the thread pushing: a datagram, SRTP taken along from sink (a buffer or a list), or EOS.
void push_item(SrcQueue& queue, GstMiniObject* item) {
  if (GST_IS_BUFFER(item)) {
    GST_LOG_OBJECT(queue.src, "sending %" G_GSIZE_FORMAT " bytes",
                   gst_buffer_get_size(GST_BUFFER(item)));
    const GstFlowReturn ret = gst_pad_push(queue.src, GST_BUFFER(item));
    if (ret != GST_FLOW_OK) GST_DEBUG_OBJECT(queue.src, "push: %s", gst_flow_get_name(ret));
  } else if (GST_IS_BUFFER_LIST(item)) {
    const GstFlowReturn ret = gst_pad_push_list(queue.src, GST_BUFFER_LIST(item));
    if (ret != GST_FLOW_OK) GST_DEBUG_OBJECT(queue.src, "push list: %s", gst_flow_get_name(ret));
  } else {
    gst_pad_push_event(queue.src, GST_EVENT(item));
  }
}

// The thread that made itself `pusher` pushes until the queue is empty (or src stops), then lets go.
void push_queued(SrcQueue& queue) {
  for (;;) {
    std::deque<GstMiniObject*> batch;
    {
      std::lock_guard guard(queue.lock);
      if (queue.items.empty() || !queue.active) {
        queue.pusher = {};
        queue.idle.notify_all();
        return;
      }
      batch.swap(queue.items);
    }
    ensure_src_started(queue);
    for (GstMiniObject* item : batch) push_item(queue, item);
  }
}

// At dispose: no push runs or starts any more, and the queue lets go of the src pad and of what
// waits in it, so nothing of GStreamer's outlives the element in a pool job that still holds the
// queue (a leak to GStreamer's leaks tracer, and to an application that counts its objects).
void close_queue(SrcQueue& queue) {
  GstPad* src = nullptr;
  std::deque<GstMiniObject*> left;
  {
    std::unique_lock guard(queue.lock);
    queue.active = false;
    if (queue.pusher != std::this_thread::get_id()) {
      queue.idle.wait(guard, [&] { return !queue.pushing(); });
    }
    left.swap(queue.items);
    src = std::exchange(queue.src, nullptr);
  }
  for (GstMiniObject* item : left) gst_mini_object_unref(item);
  if (src) gst_object_unref(src);
}

void push_from_pool(const std::shared_ptr<SrcQueue>& queue) {
  {
    std::lock_guard guard(queue->lock);
    queue->pool_job = false;
    if (queue->pushing() || !queue->active || queue->items.empty()) return;
    queue->pusher = std::this_thread::get_id();
  }
  push_queued(*queue);
}

// Queue lock held: has the shared pool push the queue, unless a job is already on its way.
void schedule_pool_locked(const std::shared_ptr<SrcQueue>& queue) {
  if (queue->pool_job) return;
  queue->pool_job = true;
  // Weakly: a job still waiting in the pool keeps neither the queue nor the src pad alive once the
  // element is gone.
  DtlsPeer::run_on_shared_pool([weak = std::weak_ptr<SrcQueue>(queue)] {
    if (auto alive = weak.lock()) push_from_pool(alive);
  });
}

// Appends `items` (taking them) and sees them pushed: here when `may_push_here` and no other thread
// is pushing, else by the thread pushing or by the pool. Kept while src is inactive: datagrams the
// peer made before dtlsenc reached PAUSED (a server answering the first ClientHello) leave when it
// does.
void enqueue(const std::shared_ptr<SrcQueue>& queue, std::vector<GstMiniObject*> items,
             bool may_push_here) {
  {
    std::unique_lock guard(queue->lock);
    if (!queue->src) {
      guard.unlock();
      for (GstMiniObject* item : items) gst_mini_object_unref(item);
      return;
    }
    queue->items.insert(queue->items.end(), items.begin(), items.end());
    if (queue->pushing() || !queue->active) return;
    if (!may_push_here) {
      schedule_pool_locked(queue);
      return;
    }
    queue->pusher = std::this_thread::get_id();
  }
  push_queued(*queue);
}

// What a call into the peer produced for dtlsenc: returned by the calls dtlsenc makes, or handed
// to its callback for the calls of dtlsdec, the timer or webrtcbin's thread (without the peer's
// lock; no lock of ours is held either).
void on_outputs(SecmediaDtlsEnc* self, const DtlsOutputs& outputs) {
  EncoderState& state = state_of(self);
  if (!outputs.datagrams.empty()) {
    std::vector<GstMiniObject*> datagrams;
    for (const auto& datagram : outputs.datagrams) {
      datagrams.push_back(
          GST_MINI_OBJECT_CAST(gst_buffer_new_memdup(datagram.data(), datagram.size())));
    }
    enqueue(state.queue, std::move(datagrams), outputs.may_push_here);
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

gboolean src_activate_mode(GstPad*, GstObject* parent, GstPadMode mode, gboolean active) {
  SrcQueue& queue = *state_of(parent).queue;
  if (mode != GST_PAD_MODE_PUSH) return FALSE;
  std::lock_guard guard(queue.lock);
  if (active) {
    // What waits is pushed once the element is PAUSED (change_state), not from inside activation.
    queue.active = true;
    return TRUE;
  }
  // A push under way fails (src is flushing) and its thread lets go; what is left belonged to the
  // association that stops.
  queue.active = false;
  queue.started = false;
  for (GstMiniObject* item : queue.items) gst_mini_object_unref(item);
  queue.items.clear();
  return TRUE;
}

// SRTP/SRTCP from srtpenc passes through untouched, after the datagrams queued before it (a
// server's Finished: SRTP protected with the new keys must not overtake the message that lets the
// peer derive them). `media` is a buffer or a buffer list (issue 15: a list from the payloader
// stays a list through srtpenc and dtlsenc to the sink), `packets` how many packets it holds.
GstFlowReturn forward_media(SrcQueue& queue, GstMiniObject* media, guint packets) {
  {
    std::unique_lock guard(queue.lock);
    if (queue.pusher == std::this_thread::get_id()) {
      // Called from inside this thread's own push (a pipeline that loops back): the push in
      // progress takes it along.
      queue.srtp_forwarded += packets;
      queue.items.push_back(media);
      return GST_FLOW_OK;
    }
    queue.idle.wait(guard, [&] { return !queue.pushing(); });
    if (!queue.src) {
      guard.unlock();
      gst_mini_object_unref(media);
      return GST_FLOW_FLUSHING;
    }
    queue.pusher = std::this_thread::get_id();
  }
  std::deque<GstMiniObject*> before;
  {
    std::lock_guard guard(queue.lock);
    before.swap(queue.items);
  }
  ensure_src_started(queue);
  for (GstMiniObject* item : before) push_item(queue, item);
  queue.srtp_forwarded += packets;
  const GstFlowReturn ret = GST_IS_BUFFER_LIST(media)
                                ? gst_pad_push_list(queue.src, GST_BUFFER_LIST(media))
                                : gst_pad_push(queue.src, GST_BUFFER(media));
  push_queued(queue);  // what came meanwhile; lets go of `pusher`
  return ret;
}

GstFlowReturn chain(GstPad*, GstObject* parent, GstBuffer* buffer) {
  return forward_media(*state_of(parent).queue, GST_MINI_OBJECT_CAST(buffer), 1);
}

GstFlowReturn chain_list(GstPad*, GstObject* parent, GstBufferList* list) {
  const guint packets = gst_buffer_list_length(list);
  if (packets == 0) {
    gst_buffer_list_unref(list);
    return GST_FLOW_OK;
  }
  return forward_media(*state_of(parent).queue, GST_MINI_OBJECT_CAST(list), packets);
}

GstFlowReturn data_chain(GstPad*, GstObject* parent, GstBuffer* buffer) {
  SecmediaDtlsEnc* self = SECMEDIA_DTLS_ENC(parent);
  const std::shared_ptr<DtlsPeer> peer = state_of(self).half.peer();
  GstMapInfo map;
  if (peer && gst_buffer_map(buffer, &map, GST_MAP_READ)) {
    DtlsOutputs outputs;
    if (!peer->send_application_data(std::span<const uint8_t>(map.data, map.size), &outputs)) {
      GST_DEBUG_OBJECT(self, "application data dropped: not connected, or larger than a record");
    }
    gst_buffer_unmap(buffer, &map);
    on_outputs(self, outputs);
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
      const std::shared_ptr<DtlsPeer> peer = state.half.peer();
      if (peer) on_outputs(self, peer->close());  // close_notify is queued first
      enqueue(state.queue, {GST_MINI_OBJECT_CAST(gst_event_new_eos())}, true);
      return TRUE;
    }
    default:
      return gst_pad_push_event(self->src, event);
  }
}

gboolean sink_query(GstPad* pad, GstObject* parent, GstQuery* query) {
  SecmediaDtlsEnc* self = SECMEDIA_DTLS_ENC(parent);
  if (is_srtp_keys_query(query)) {
    const std::shared_ptr<DtlsPeer> peer = state_of(self).half.peer();
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
  return state_of(self).half.request_pad(templ, "data_sink", &self->data_sink, [](GstPad* pad) {
    gst_pad_set_chain_function(pad, data_chain);
    gst_pad_set_event_function(pad, sink_event);
  });
}

void release_pad(GstElement* element, GstPad* pad) {
  SecmediaDtlsEnc* self = SECMEDIA_DTLS_ENC(element);
  state_of(self).half.release_pad(pad, &self->data_sink);
}

void set_property(GObject* object, guint id, const GValue* value, GParamSpec* pspec) {
  SecmediaDtlsEnc* self = SECMEDIA_DTLS_ENC(object);
  EncoderState& state = state_of(self);
  if (id == PROP_IS_CLIENT) {
    std::lock_guard guard(state.half.lock);
    state.is_client = g_value_get_boolean(value);
    state.half.link.set_is_client(state.is_client);
    return;  // GObject notifies on every set, as webrtcbin expects
  }
  state.half.set_property(object, id, value, pspec);
}

void get_property(GObject* object, guint id, GValue* value, GParamSpec* pspec) {
  EncoderState& state = state_of(object);
  if (id == PROP_IS_CLIENT) {
    std::lock_guard guard(state.half.lock);
    g_value_set_boolean(value, state.is_client);
    return;
  }
  if (id == kPropStats) {
    state.half.link.get_property(id, value);
    GstStructure* stats = static_cast<GstStructure*>(g_value_get_boxed(value));
    gst_structure_set(stats, "srtp-forwarded", G_TYPE_UINT64, state.queue->srtp_forwarded.load(),
                      nullptr);
    return;
  }
  state.half.get_property(object, id, value, pspec);
}

GstStateChangeReturn change_state(GstElement* element, GstStateChange transition) {
  SecmediaDtlsEnc* self = SECMEDIA_DTLS_ENC(element);
  EncoderState& state = state_of(self);
  if (!state.half.may_start(transition)) return GST_STATE_CHANGE_FAILURE;
  const GstStateChangeReturn ret =
      GST_ELEMENT_CLASS(secmedia_dtls_enc_parent_class)->change_state(element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE) return ret;
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
    const std::shared_ptr<DtlsPeer> peer = state.half.peer();
    // src is active now: a client's ClientHello can go out, and what the peer made before (a
    // server's answer to an early ClientHello) too, by the pool: not from the thread changing the
    // state, which may hold locks of the application's (webrtcbin's, for one).
    std::string why;
    GstClock* clock = gst_element_get_clock(element);
    const auto outputs = peer ? peer->start(clock, &why, DtlsSide::encoder, false) : DtlsOutputs{};
    if (clock) gst_object_unref(clock);
    if (!outputs) {
      GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("DTLS cannot start"), ("%s", why.c_str()));
      return GST_STATE_CHANGE_FAILURE;
    }
    on_outputs(self, *outputs);
    std::lock_guard guard(state.queue->lock);
    if (!state.queue->items.empty() && !state.queue->pushing()) schedule_pool_locked(state.queue);
  }
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    const std::shared_ptr<DtlsPeer> peer = state.half.peer();
    if (peer) peer->stop();
  }
  return ret;
}

// DtlsElementHalf::detach says why it comes first.
void dispose(GObject* object) {
  state_of(object).half.detach();
  close_queue(*state_of(object).queue);
  G_OBJECT_CLASS(secmedia_dtls_enc_parent_class)->dispose(object);
}

void finalize(GObject* object) {
  delete SECMEDIA_DTLS_ENC(object)->state;
  G_OBJECT_CLASS(secmedia_dtls_enc_parent_class)->finalize(object);
}

}  // namespace

static void secmedia_dtls_enc_init(SecmediaDtlsEnc* self) {
  self->state = new EncoderState(GST_ELEMENT(self));
  self->sink = gst_pad_new_from_static_template(&sink_template, "sink");
  gst_pad_set_chain_function(self->sink, chain);
  gst_pad_set_chain_list_function(self->sink, chain_list);
  gst_pad_set_event_function(self->sink, sink_event);
  gst_pad_set_query_function(self->sink, sink_query);
  gst_element_add_pad(GST_ELEMENT(self), self->sink);
  self->src = gst_pad_new_from_static_template(&src_template, "src");
  self->state->queue = std::make_shared<SrcQueue>(self->src);
  gst_pad_set_activatemode_function(self->src, src_activate_mode);
  gst_pad_use_fixed_caps(self->src);
  gst_element_add_pad(GST_ELEMENT(self), self->src);
  self->data_sink = nullptr;
  self->state->half.attach("");  // a private association, until a connection-id pairs the element
}

static void secmedia_dtls_enc_class_init(SecmediaDtlsEncClass* klass) {
  GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
  GST_DEBUG_CATEGORY_INIT(secmedia_dtls_enc_debug, "dtlsenc", 0, "secmedia DTLS encoder");
  init_element_class(
      klass,
      {set_property, get_property, dispose, finalize, change_state, request_new_pad, release_pad},
      {&sink_template, &data_sink_template, &src_template},
      {"DTLS Encoder", "Encoder/Network/DTLS",
       "Runs the sending half of a DTLS 1.2 association: handshake datagrams and the SRTP/SRTCP "
       "from sink on src, DTLS-SRTP keys upstream as the key event, application data from "
       "data_sink (secmedia)"});
  install_dtls_common_properties(gobject_class);
  g_object_class_install_property(
      gobject_class, PROP_IS_CLIENT,
      is_client_pspec("Set to true if the decoder should act as client and initiate the "
                      "handshake"));
  signals[SIGNAL_ON_KEY_RECEIVED] = new_on_key_received_signal(G_TYPE_FROM_CLASS(klass));
}

GType secmedia_dtls_enc_type() {
  return SECMEDIA_TYPE_DTLS_ENC;
}
