// SPDX-License-Identifier: LGPL-2.1-or-later
// srtpdec. Locking: `lock` guards keys, sessions and counters; it is never held while pushing or
// emitting a signal (request-key, soft-limit, hard-limit), so handlers may read `stats` or call
// clear-keys.
#include "gstsrtpdec.h"

#include <algorithm>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "element_class.h"
#include "rate_limited_log.h"
#include "secmedia/srtp_keyring.h"
#include "srtp_buffer.h"
#include "srtp_caps.h"
#include "srtp_cipher_settings.h"
#include "srtp_decoder_state.h"
#include "srtp_header_privacy.h"
#include "srtp_key_event.h"
#include "srtp_pad_pairs.h"
#include "srtp_session_settings.h"
#include "srtp_stats.h"

GST_DEBUG_CATEGORY_STATIC(secmedia_srtp_dec_debug);
#define GST_CAT_DEFAULT secmedia_srtp_dec_debug

using secmedia::SrtpConfig;
using secmedia::SrtpProfile;
using secmedia::SrtpSession;
using secmedia::SrtpStatus;
using namespace secmedia::gst;

namespace {

enum {
  PROP_0,
  PROP_REPLAY_WINDOW_SIZE,
  PROP_STATS,
  PROP_KEY_LIFETIME,
  PROP_ENCRYPTED_HEADER_IDS,
  PROP_CRYPTEX
};

enum {
  SIGNAL_REQUEST_KEY,
  SIGNAL_SOFT_LIMIT,
  SIGNAL_HARD_LIMIT,
  SIGNAL_CLEAR_KEYS,
  SIGNAL_REMOVE_KEY,
  SIGNAL_LAST
};
guint signals[SIGNAL_LAST];

GstStaticPadTemplate rtp_sink_template = GST_STATIC_PAD_TEMPLATE(
    "rtp_sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS("application/x-srtp"));
GstStaticPadTemplate rtp_src_template = GST_STATIC_PAD_TEMPLATE(
    "rtp_src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS("application/x-rtp"));
GstStaticPadTemplate rtcp_sink_template = GST_STATIC_PAD_TEMPLATE(
    "rtcp_sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS("application/x-srtcp"));
GstStaticPadTemplate rtcp_src_template = GST_STATIC_PAD_TEMPLATE(
    "rtcp_src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS("application/x-rtcp"));

using DecoderState = SrtpDecoderState;

}  // namespace

struct _SecmediaSrtpDec {
  GstElement parent;
  GstPad* rtp_sink;
  GstPad* rtp_src;
  GstPad* rtcp_sink;
  GstPad* rtcp_src;
  DecoderState* state;
};

G_DEFINE_TYPE(SecmediaSrtpDec, secmedia_srtp_dec, GST_TYPE_ELEMENT)

namespace {

// Unchecked: called per packet, always with this element (a pad's parent in the chain function).
// The checked cast's GType lookup was 66 instructions a call under callgrind (issue 15).
SecmediaSrtpDec* self_of(gpointer element) {
  return static_cast<SecmediaSrtpDec*>(element);
}

DecoderState& state_of(gpointer element) {
  return *self_of(element)->state;
}

// Emits a key signal (request-key, soft-limit or hard-limit) with no lock held and parses what the
// handler returned.
std::optional<CapsKeys> ask_application(SecmediaSrtpDec* self, guint signal, uint32_t ssrc) {
  GstCaps* caps = nullptr;
  g_signal_emit(self, signals[signal], 0, ssrc, &caps);
  std::optional<CapsKeys> keys;
  if (caps && !gst_caps_is_empty(caps)) {
    std::string why;
    keys = parse_caps_keys(gst_caps_get_structure(caps, 0), &why);
    if (!keys) {
      GST_WARNING_OBJECT(self, "keys for SSRC %08x from %s refused: %s", ssrc,
                         g_signal_name(signals[signal]), why.c_str());
    }
  }
  if (caps) gst_caps_unref(caps);
  return keys;
}

// soft-limit and hard-limit: the answer replaces the SSRC's keys. True when new keys were
// installed.
bool rekey_from_application(SecmediaSrtpDec* self, guint signal, uint32_t ssrc) {
  std::optional<CapsKeys> keys = ask_application(self, signal, ssrc);
  if (!keys) return false;
  std::lock_guard guard(state_of(self).lock);
  return state_of(self).install_ssrc_keys(ssrc, std::move(*keys));
}

// Makes sure rtcp_src has stream-start, caps and segment before SRTCP that arrived muxed on
// rtp_sink.
void start_rtcp_src_for_mux(SecmediaSrtpDec* self) {
  if (gst_pad_has_current_caps(self->rtcp_src)) return;
  gchar* rtp_stream_id = gst_pad_get_stream_id(self->rtp_sink);
  gchar* stream_id = g_strdup_printf("%s/rtcp", rtp_stream_id ? rtp_stream_id : "srtpdec");
  gst_pad_push_event(self->rtcp_src, gst_event_new_stream_start(stream_id));
  g_free(stream_id);
  g_free(rtp_stream_id);
  GstCaps* caps = gst_caps_new_empty_simple("application/x-rtcp");
  gst_pad_push_event(self->rtcp_src, gst_event_new_caps(caps));
  gst_caps_unref(caps);
  GstEvent* segment = gst_pad_get_sticky_event(self->rtp_sink, GST_EVENT_SEGMENT, 0);
  if (!segment) {
    GstSegment time_segment;
    gst_segment_init(&time_segment, GST_FORMAT_TIME);
    segment = gst_event_new_segment(&time_segment);
  }
  gst_pad_push_event(self->rtcp_src, segment);
  std::lock_guard guard(state_of(self).lock);
  state_of(self).rtcp_src_started_by_mux = true;
}

// Decrypts one buffer: picks keys, asks the application when needed (signals outside the lock).
GstBuffer* decrypt(SecmediaSrtpDec* self, GstBuffer* buffer, PacketKind& kind) {
  DecoderState& state = state_of(self);
  const ClassifiedPacket c = classify_packet(buffer);
  kind = c.kind;
  if (!c.ok) {
    std::lock_guard guard(state.lock);
    ++state.dropped_malformed;
    gst_buffer_unref(buffer);
    return nullptr;
  }
  DecoderState::Outcome outcome;
  {
    std::lock_guard guard(state.lock);
    outcome = state.try_unprotect(buffer, c, nullptr, true);
  }
  if (outcome.needs_key) {
    const std::optional<CapsKeys> offered = ask_application(self, SIGNAL_REQUEST_KEY, c.ssrc);
    std::lock_guard guard(state.lock);
    outcome = state.try_unprotect(buffer, c, offered ? &*offered : nullptr, false);
  }
  if (outcome.limits.soft) rekey_from_application(self, SIGNAL_SOFT_LIMIT, c.ssrc);
  if (outcome.limits.hard && rekey_from_application(self, SIGNAL_HARD_LIMIT, c.ssrc) &&
      !outcome.out) {
    GST_INFO_OBJECT(self, "SSRC %08x rekeyed after its hard limit", c.ssrc);
  }
  return outcome.out;
}

// Flow-combiner rule: an unlinked branch must not stop the other one; otherwise the worse result.
GstFlowReturn combine(GstFlowReturn a, GstFlowReturn b) {
  if (a == GST_FLOW_NOT_LINKED) return b;
  if (b == GST_FLOW_NOT_LINKED) return a;
  return a < b ? a : b;
}

// What a push of RTCP returns upstream of `sink`: SRTCP muxed on rtp_sink (RFC 5761) is a side
// branch of the RTP flow, and an unlinked rtcp_src must never stop RTP, in chain() as in
// chain_list() (gst-plugins-bad keeps RTP flowing).
GstFlowReturn rtcp_flow_for(SecmediaSrtpDec* self, GstPad* sink, GstFlowReturn rtcp) {
  return sink == self->rtp_sink ? combine(GST_FLOW_OK, rtcp) : rtcp;
}

GstFlowReturn chain(GstPad* pad, GstObject* parent, GstBuffer* buffer) {
  SecmediaSrtpDec* self = self_of(parent);
  PacketKind kind;
  GstBuffer* out = decrypt(self, buffer, kind);
  if (!out) return GST_FLOW_OK;
  if (kind == PacketKind::rtcp) {
    start_rtcp_src_for_mux(self);
    return rtcp_flow_for(self, pad, gst_pad_push(self->rtcp_src, out));
  }
  return gst_pad_push(self->rtp_src, out);
}

struct ListDecryption {
  SecmediaSrtpDec* self;
  GstBufferList* rtp;
  GstBufferList* rtcp;
};

gboolean decrypt_list_item(GstBuffer** buffer, guint, gpointer data) {
  auto& work = *static_cast<ListDecryption*>(data);
  PacketKind kind;
  GstBuffer* out = decrypt(work.self, *buffer, kind);
  *buffer = nullptr;  // taken: removed from the list without an unref
  if (!out) return TRUE;
  if (kind == PacketKind::rtcp) {
    if (!work.rtcp) work.rtcp = gst_buffer_list_new();
    gst_buffer_list_add(work.rtcp, out);
  } else {
    gst_buffer_list_add(work.rtp, out);
  }
  return TRUE;
}

// Each buffer of a list is checked on its own; the decrypted ones leave as lists again.
GstFlowReturn chain_list(GstPad* pad, GstObject* parent, GstBufferList* list) {
  SecmediaSrtpDec* self = self_of(parent);
  ListDecryption work{self, gst_buffer_list_new_sized(gst_buffer_list_length(list)), nullptr};
  // Each buffer is taken out of the (writable) list so that it can be decrypted in place; a list
  // shared with another owner is copied first and its buffers are then copied on write.
  list = gst_buffer_list_make_writable(list);
  gst_buffer_list_foreach(list, decrypt_list_item, &work);
  gst_buffer_list_unref(list);
  GstBufferList* rtp = work.rtp;
  GstBufferList* rtcp = work.rtcp;
  std::optional<GstFlowReturn> rtp_ret;
  if (gst_buffer_list_length(rtp) > 0) {
    rtp_ret = gst_pad_push_list(self->rtp_src, rtp);
  } else {
    gst_buffer_list_unref(rtp);
  }
  if (!rtcp) return rtp_ret.value_or(GST_FLOW_OK);
  start_rtcp_src_for_mux(self);
  const GstFlowReturn rtcp_ret = rtcp_flow_for(self, pad, gst_pad_push_list(self->rtcp_src, rtcp));
  return rtp_ret ? combine(*rtp_ret, rtcp_ret) : rtcp_ret;
}

gboolean sink_event(GstPad* pad, GstObject* parent, GstEvent* event) {
  SecmediaSrtpDec* self = SECMEDIA_SRTP_DEC(parent);
  DecoderState& state = state_of(self);
  const bool rtcp_pad = pad == self->rtcp_sink;
  GstPad* src = rtcp_pad ? self->rtcp_src : self->rtp_src;
  if (auto value = parse_srtp_keys_event(event)) {
    {
      std::lock_guard guard(state.lock);
      state.install_event_keys(value->material);
    }
    gst_event_unref(event);
    return true;
  }
  switch (GST_EVENT_TYPE(event)) {
    case GST_EVENT_CAPS: {
      GstCaps* caps;
      gst_event_parse_caps(event, &caps);
      const GstStructure* s = gst_caps_get_structure(caps, 0);
      guint ssrc = 0;
      // Keys in caps (gst-plugins-bad's way) need srtp-key, or all four ciphers and auths "null"
      // for pass-through; the descriptive fields our srtpenc adds alone configure nothing.
      if (s && gst_structure_get_uint(s, "ssrc", &ssrc) && caps_carry_keys(s)) {
        std::string why;
        auto keys = parse_caps_keys(s, &why);
        std::lock_guard guard(state.lock);
        if (!keys || !state.install_ssrc_keys(ssrc, std::move(*keys))) {
          // The reason names fields, never their values: the caps hold the key.
          GST_ELEMENT_WARNING(self, STREAM, DECRYPT, ("Could not use the keys in the caps"),
                              ("SSRC %08x: %s", ssrc, why.c_str()));
        }
      } else if (s && !rtcp_pad) {
        // No key: the header privacy fields (srtpenc announces them) configure the keys from the
        // key event. Bad values are refused and the previous settings stay.
        HeaderPrivacyFields fields;
        std::string why;
        if (!parse_header_privacy_fields(s, fields, &why)) {
          GST_ELEMENT_WARNING(self, STREAM, DECRYPT, ("Could not use the caps' header privacy"),
                              ("%s", why.c_str()));
        } else {
          std::lock_guard guard(state.lock);
          if (!(fields == state.event_privacy)) {
            state.event_privacy = fields;
            if (const auto* held = state.keyring.value()) {
              const secmedia::SrtpKeyingMaterial value = *held;
              state.install_event_keys(value);
            }
          }
        }
      }
      GstCaps* out = rename_caps(caps, rtcp_pad ? PacketKind::rtcp : PacketKind::rtp, false);
      gst_event_unref(event);
      const bool ok = gst_pad_push_event(src, gst_event_new_caps(out));
      gst_caps_unref(out);
      return ok;
    }
    case GST_EVENT_SEGMENT:
    case GST_EVENT_EOS:
    case GST_EVENT_FLUSH_START:
    case GST_EVENT_FLUSH_STOP: {
      bool mux_started;
      {
        std::lock_guard guard(state.lock);
        mux_started = state.rtcp_src_started_by_mux;
      }
      // With rtcp-mux the RTCP branch is fed from rtp_sink: it ends, flushes and gets a new segment
      // (after a flush) with it.
      if (!rtcp_pad && mux_started && !gst_pad_is_linked(self->rtcp_sink)) {
        gst_pad_push_event(self->rtcp_src, gst_event_ref(event));
      }
      // Sticky events go stream-start, caps, segment: an upstream that sent no caps (rtspsrc's and
      // gst-rtsp-server's RTCP udpsrc) still gets caps on our side first, the template's, as
      // gst-plugins-bad's srtpdec does.
      if (GST_EVENT_TYPE(event) == GST_EVENT_SEGMENT && !gst_pad_has_current_caps(src)) {
        GstCaps* caps = gst_pad_get_pad_template_caps(src);
        gst_pad_push_event(src, gst_event_new_caps(caps));
        gst_caps_unref(caps);
      }
      return gst_pad_push_event(src, event);
    }
    default:
      return gst_pad_push_event(src, event);
  }
}

gboolean sink_query(GstPad* pad, GstObject* parent, GstQuery* query) {
  SecmediaSrtpDec* self = SECMEDIA_SRTP_DEC(parent);
  const bool rtcp = pad == self->rtcp_sink;
  if (GST_QUERY_TYPE(query) == GST_QUERY_CAPS) {
    return answer_caps_query(pad, query, rtcp ? self->rtcp_src : self->rtp_src,
                             rtcp ? PacketKind::rtcp : PacketKind::rtp, true);
  }
  return gst_pad_query_default(pad, parent, query);
}

gboolean src_query(GstPad* pad, GstObject* parent, GstQuery* query) {
  SecmediaSrtpDec* self = SECMEDIA_SRTP_DEC(parent);
  const bool rtcp = pad == self->rtcp_src;
  if (GST_QUERY_TYPE(query) == GST_QUERY_CAPS) {
    return answer_caps_query(pad, query, rtcp ? self->rtcp_sink : self->rtp_sink,
                             rtcp ? PacketKind::rtcp : PacketKind::rtp, false);
  }
  return gst_pad_query_default(pad, parent, query);
}

GstIterator* iterate_internal_links(GstPad* pad, GstObject* parent) {
  SecmediaSrtpDec* self = SECMEDIA_SRTP_DEC(parent);
  GstPad* other = pad == self->rtp_sink    ? self->rtp_src
                  : pad == self->rtp_src   ? self->rtp_sink
                  : pad == self->rtcp_sink ? self->rtcp_src
                                           : self->rtcp_sink;
  return iterate_other_pad(other);
}

void clear_keys(SecmediaSrtpDec* self) {
  DecoderState& state = state_of(self);
  std::lock_guard guard(state.lock);
  state.keyring.clear();
}

void remove_key(SecmediaSrtpDec* self, guint ssrc) {
  DecoderState& state = state_of(self);
  std::lock_guard guard(state.lock);
  state.keyring.remove_ssrc_keys(ssrc);
}

void set_property(GObject* object, guint id, const GValue* value, GParamSpec* pspec) {
  DecoderState& state = state_of(object);
  std::string refused;
  bool known;
  {
    std::lock_guard guard(state.lock);
    known = state.settings.set(pspec, value, refused);
    state.ssrc_settings = state.settings.config();
  }
  if (!known) G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  warn_refused_value(object, refused, "it will not start");
}

void get_property(GObject* object, guint id, GValue* value, GParamSpec* pspec) {
  DecoderState& state = state_of(object);
  if (id == PROP_STATS) {
    std::lock_guard guard(state.lock);
    g_value_take_boxed(value,
                       decoder_stats(state.keyring, {state.dropped_no_key, state.dropped_malformed,
                                                     state.passed_through}));
    return;
  }
  std::lock_guard guard(state.lock);
  if (!state.settings.get(pspec, value)) G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
}

GstStateChangeReturn change_state(GstElement* element, GstStateChange transition) {
  SecmediaSrtpDec* self = SECMEDIA_SRTP_DEC(element);
  if (transition == GST_STATE_CHANGE_NULL_TO_READY) {
    std::string refused;
    {
      std::lock_guard guard(state_of(self).lock);
      refused = state_of(self).settings.refused;
    }
    if (!may_start(element, secmedia_srtp_dec_debug, refused)) return GST_STATE_CHANGE_FAILURE;
  }
  GstStateChangeReturn ret =
      GST_ELEMENT_CLASS(secmedia_srtp_dec_parent_class)->change_state(element, transition);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    clear_keys(self);
    std::lock_guard guard(state_of(self).lock);
    state_of(self).rtcp_src_started_by_mux = false;
    state_of(self).event_privacy = {};
  }
  return ret;
}

void finalize(GObject* object) {
  delete SECMEDIA_SRTP_DEC(object)->state;
  G_OBJECT_CLASS(secmedia_srtp_dec_parent_class)->finalize(object);
}

GstPad* add_pad(SecmediaSrtpDec* self, GstStaticPadTemplate* templ, bool sink) {
  GstPad* pad = gst_pad_new_from_static_template(templ, templ->name_template);
  gst_pad_set_iterate_internal_links_function(pad, iterate_internal_links);
  if (sink) {
    gst_pad_set_chain_function(pad, chain);
    gst_pad_set_chain_list_function(pad, chain_list);
    gst_pad_set_event_function(pad, sink_event);
    gst_pad_set_query_function(pad, sink_query);
  } else {
    gst_pad_set_query_function(pad, src_query);
    gst_pad_use_fixed_caps(pad);
  }
  gst_element_add_pad(GST_ELEMENT(self), pad);
  return pad;
}

}  // namespace

static void secmedia_srtp_dec_init(SecmediaSrtpDec* self) {
  self->state = new DecoderState(GST_ELEMENT(self), secmedia_srtp_dec_debug);
  self->rtp_sink = add_pad(self, &rtp_sink_template, true);
  self->rtp_src = add_pad(self, &rtp_src_template, false);
  self->rtcp_sink = add_pad(self, &rtcp_sink_template, true);
  self->rtcp_src = add_pad(self, &rtcp_src_template, false);
}

static void secmedia_srtp_dec_class_init(SecmediaSrtpDecClass* klass) {
  GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
  GST_DEBUG_CATEGORY_INIT(secmedia_srtp_dec_debug, "srtpdec", 0, "secmedia SRTP decoder");

  init_element_class(
      klass, {set_property, get_property, nullptr, finalize, change_state},
      {&rtp_sink_template, &rtp_src_template, &rtcp_sink_template, &rtcp_src_template},
      {"SRTP decoder", "Filter/Network/SRTP",
       "A SRTP and SRTCP decoder (secmedia: keyed by caps, signals or the DTLS key event)"});

  g_object_class_install_property(
      gobject_class, PROP_REPLAY_WINDOW_SIZE,
      replay_window_size_pspec(
          "Size of the replay protection window in packets, for keys installed "
          "afterwards (gst-plugins-bad's default is 128; 1024 keeps a second "
          "of NACK retransmissions)"));
  g_object_class_install_property(
      gobject_class, PROP_STATS,
      stats_pspec("Various statistics: per-stream ssrc, roc, recv-count, recv-drop-count; "
                  "totals; drops by cause"));

  install_lifetime_and_header_privacy_properties(gobject_class, PROP_KEY_LIFETIME);

  const GType type = G_TYPE_FROM_CLASS(klass);
  signals[SIGNAL_REQUEST_KEY] = g_signal_new("request-key", type, G_SIGNAL_RUN_LAST, 0, nullptr,
                                             nullptr, nullptr, GST_TYPE_CAPS, 1, G_TYPE_UINT);
  signals[SIGNAL_SOFT_LIMIT] = g_signal_new("soft-limit", type, G_SIGNAL_RUN_LAST, 0, nullptr,
                                            nullptr, nullptr, GST_TYPE_CAPS, 1, G_TYPE_UINT);
  signals[SIGNAL_HARD_LIMIT] = g_signal_new("hard-limit", type, G_SIGNAL_RUN_LAST, 0, nullptr,
                                            nullptr, nullptr, GST_TYPE_CAPS, 1, G_TYPE_UINT);
  signals[SIGNAL_CLEAR_KEYS] = g_signal_new_class_handler(
      "clear-keys", type, static_cast<GSignalFlags>(G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION),
      G_CALLBACK(clear_keys), nullptr, nullptr, nullptr, G_TYPE_NONE, 0);
  signals[SIGNAL_REMOVE_KEY] = g_signal_new_class_handler(
      "remove-key", type, static_cast<GSignalFlags>(G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION),
      G_CALLBACK(remove_key), nullptr, nullptr, nullptr, G_TYPE_NONE, 1, G_TYPE_UINT);
}
