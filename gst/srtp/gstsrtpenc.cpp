// SPDX-License-Identifier: LGPL-2.1-or-later
// srtpenc. Locking: `lock` guards the configuration, the session and the pad table; it is never
// held while pushing, querying peers or emitting signals, so handlers may read any property.
#include "gstsrtpenc.h"

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "element_class.h"
#include "rate_limited_log.h"
#include "secmedia/keying_material.h"
#include "secmedia/srtp_keyring.h"
#include "srtp_buffer.h"
#include "srtp_caps.h"
#include "srtp_cipher_settings.h"
#include "srtp_encoder_state.h"
#include "srtp_header_privacy.h"
#include "srtp_key_event.h"
#include "srtp_manual_keys.h"
#include "srtp_pad_pairs.h"
#include "srtp_session_settings.h"
#include "srtp_stats.h"

GST_DEBUG_CATEGORY_STATIC(secmedia_srtp_enc_debug);
#define GST_CAT_DEFAULT secmedia_srtp_enc_debug

using secmedia::SrtpConfig;
using secmedia::SrtpProfile;
using secmedia::SrtpSession;
using secmedia::SrtpStatus;
using namespace secmedia::gst;

namespace {

constexpr gint64 kKeyQueryIntervalUs = 100 * G_TIME_SPAN_MILLISECOND;

enum {
  PROP_0,
  PROP_KEY,
  PROP_RTP_CIPHER,
  PROP_RTP_AUTH,
  PROP_RTCP_CIPHER,
  PROP_RTCP_AUTH,
  PROP_RANDOM_KEY,
  PROP_REPLAY_WINDOW_SIZE,
  PROP_ALLOW_REPEAT_TX,
  PROP_MKI,
  PROP_STATS,
  PROP_KEY_LIFETIME,
  PROP_ENCRYPTED_HEADER_IDS,
  PROP_CRYPTEX,
};

enum { SIGNAL_SOFT_LIMIT, SIGNAL_LAST };
guint signals[SIGNAL_LAST];

GstStaticPadTemplate rtp_sink_template = GST_STATIC_PAD_TEMPLATE(
    "rtp_sink_%u", GST_PAD_SINK, GST_PAD_REQUEST, GST_STATIC_CAPS("application/x-rtp"));
GstStaticPadTemplate rtp_src_template = GST_STATIC_PAD_TEMPLATE(
    "rtp_src_%u", GST_PAD_SRC, GST_PAD_SOMETIMES, GST_STATIC_CAPS("application/x-srtp"));
GstStaticPadTemplate rtcp_sink_template = GST_STATIC_PAD_TEMPLATE(
    "rtcp_sink_%u", GST_PAD_SINK, GST_PAD_REQUEST, GST_STATIC_CAPS("application/x-rtcp"));
GstStaticPadTemplate rtcp_src_template = GST_STATIC_PAD_TEMPLATE(
    "rtcp_src_%u", GST_PAD_SRC, GST_PAD_SOMETIMES, GST_STATIC_CAPS("application/x-srtcp"));

using EncoderState = SrtpEncoderState;

}  // namespace

struct _SecmediaSrtpEnc {
  GstElement parent;
  EncoderState* state;
};

G_DEFINE_TYPE(SecmediaSrtpEnc, secmedia_srtp_enc, GST_TYPE_ELEMENT)

namespace {

// Unchecked: called per packet, always with this element (a pad's parent in the chain function).
// The checked cast's GType lookup was 66 instructions a call under callgrind (issue 15).
SecmediaSrtpEnc* self_of(gpointer element) {
  return static_cast<SecmediaSrtpEnc*>(element);
}

EncoderState& state_of(gpointer element) {
  return *self_of(element)->state;
}

void rekey_if_needed(SecmediaSrtpEnc* self, EncoderState& state) {
  state.rekey_if_needed(GST_OBJECT_CAST(self), GST_CAT_DEFAULT);
}

// Asks downstream (dtlsenc) for keys: srtpenc may be linked or started after the handshake ended.
void query_keys_downstream(SecmediaSrtpEnc* self) {
  EncoderState& state = state_of(self);
  std::vector<GstPad*> src_pads;
  {
    std::lock_guard guard(state.lock);
    const gint64 now = g_get_monotonic_time();
    if (state.event_keys || now - state.last_key_query_us < kKeyQueryIntervalUs) return;
    state.last_key_query_us = now;
    for (auto& pair : state.pads) src_pads.push_back(GST_PAD(gst_object_ref(pair->src)));
  }
  for (GstPad* src : src_pads) {
    GstQuery* query = make_srtp_keys_query();
    if (gst_pad_peer_query(src, query)) {
      if (auto value = parse_srtp_keys_query(query)) {
        std::lock_guard guard(state.lock);
        state.offer_event_keys(std::move(*value));
      }
    }
    gst_query_unref(query);
    gst_object_unref(src);
  }
}

// Protects a buffer list or a single buffer (when `list` is null). Returns what to push.
GstFlowReturn process(SecmediaSrtpEnc* self, GstPad* sinkpad, GstBuffer* single,
                      GstBufferList* list) {
  EncoderState& state = state_of(self);
  PadPair* pair = pair_of(sinkpad);

  GstEvent* caps_event = nullptr;
  GstEvent* key_event = nullptr;
  GstBufferList* out_list = nullptr;
  GstBuffer* out_single = nullptr;
  KeyLimits limits;
  GstPad* src = nullptr;
  SrtpStatus last_failure = SrtpStatus::ok;
  {
    std::unique_lock guard(state.lock);
    rekey_if_needed(self, state);
    if (!state.keyring.session()) {
      // No keys yet: ask downstream (without the lock: the query crosses elements), then look
      // again.
      guard.unlock();
      query_keys_downstream(self);
      guard.lock();
      rekey_if_needed(self, state);
    }
    src = static_cast<GstPad*>(gst_object_ref(pair->src));
    const guint count = list ? gst_buffer_list_length(list) : 1;
    if (!state.keyring.session()) {
      // Never send under a throw-away key: drop and count until keys exist.
      state.dropped_before_key += count;
      if (state.drop_log.should_log(g_get_monotonic_time())) {
        GST_WARNING_OBJECT(self, "dropping RTP/RTCP until keyed (%" G_GUINT64_FORMAT " so far): %s",
                           state.dropped_before_key, state.key_problem.c_str());
      }
    } else {
      // New keys (the key ring's epoch moved): announce the caps, then the key event.
      const uint64_t epoch = state.keyring.epoch();
      if (pair->caps_epoch != epoch) {
        pair->caps_epoch = epoch;
        if (GstCaps* caps = gst_pad_get_current_caps(pair->sink)) {
          GstCaps* out_caps = state.output_caps(caps, *pair);
          caps_event = gst_event_new_caps(out_caps);
          gst_caps_unref(out_caps);
          gst_caps_unref(caps);
        }
      }
      if (pair->key_event_epoch != epoch) {
        pair->key_event_epoch = epoch;
        key_event = state.manual_key_event();
      }
      SrtpSession& session = *state.session_for(*pair);
      if (list) {
        out_list = protect_list(session, list, pair->kind, last_failure);
        list = nullptr;
      } else {
        SrtpStatus status;
        out_single = protect_buffer(session, single, pair->kind, status);
        single = nullptr;
        if (!out_single) last_failure = status;
      }
      limits = poll_key_limits(session);
      if (last_failure != SrtpStatus::ok && state.drop_log.should_log(g_get_monotonic_time())) {
        GST_WARNING_OBJECT(self, "dropped a packet: %s (see the stats property for counts)",
                           secmedia::to_string(last_failure));
      }
    }
  }
  if (list) gst_buffer_list_unref(list);
  if (single) gst_buffer_unref(single);

  if (caps_event) gst_pad_push_event(src, caps_event);
  if (key_event) gst_pad_push_event(src, key_event);
  if (limits.soft) g_signal_emit(self, signals[SIGNAL_SOFT_LIMIT], 0);
  GstFlowReturn ret = GST_FLOW_OK;
  if (last_failure == SrtpStatus::key_expired || limits.hard) {
    // RFC 3711 §9.2: the key may protect no more packets; without a new key the stream is over.
    GST_ELEMENT_ERROR(self, STREAM, ENCODE, ("Key usage limit has been reached"),
                      ("the master key protected its maximum number of packets; set a new key"));
    ret = GST_FLOW_ERROR;
    if (out_list) gst_buffer_list_unref(out_list);
    if (out_single) gst_buffer_unref(out_single);
  } else if (out_list) {
    ret = gst_buffer_list_length(out_list) ? gst_pad_push_list(src, out_list)
                                           : (gst_buffer_list_unref(out_list), GST_FLOW_OK);
  } else if (out_single) {
    ret = gst_pad_push(src, out_single);
  }
  gst_object_unref(src);
  return ret;
}

GstFlowReturn chain(GstPad* pad, GstObject* parent, GstBuffer* buffer) {
  return process(self_of(parent), pad, buffer, nullptr);
}

GstFlowReturn chain_list(GstPad* pad, GstObject* parent, GstBufferList* list) {
  return process(self_of(parent), pad, nullptr, list);
}

gboolean sink_event(GstPad* pad, GstObject* parent, GstEvent* event) {
  SecmediaSrtpEnc* self = SECMEDIA_SRTP_ENC(parent);
  PadPair* pair = pair_of(pad);
  if (GST_EVENT_TYPE(event) == GST_EVENT_CAPS) {
    GstCaps* caps;
    gst_event_parse_caps(event, &caps);
    HeaderPrivacyFields fields;
    if (pair->kind == PacketKind::rtp) {
      std::string why;
      const GstStructure* s = gst_caps_get_size(caps) ? gst_caps_get_structure(caps, 0) : nullptr;
      if (s && !parse_header_privacy_fields(s, fields, &why)) {
        // Refused rather than sent with other header protection than the application asked for.
        GST_ELEMENT_WARNING(self, STREAM, FORMAT, ("Caps refused"),
                            ("%s: %s", GST_PAD_NAME(pad), why.c_str()));
        gst_event_unref(event);
        return false;
      }
    }
    GstCaps* out;
    {
      EncoderState& state = state_of(self);
      std::lock_guard guard(state.lock);
      if ((fields.any() || pair->own_session) && !(fields == pair->caps_privacy)) {
        pair->caps_privacy = fields;
        pair->own_session = true;
        state.rekey_needed = true;
      }
      rekey_if_needed(self, state);
      // The stream of the caps' SSRC exists from now on (ROC 0), as in gst-plugins-bad: whoever
      // reads `stats` for that SSRC's rollover counter before its first packet, as gst-rtsp-server
      // does for MIKEY's crypto session (RFC 3830 §6.1), finds it.
      guint ssrc = 0;
      const GstStructure* s = gst_caps_get_size(caps) ? gst_caps_get_structure(caps, 0) : nullptr;
      SrtpSession* session = state.session_for(*pair);
      if (pair->kind == PacketKind::rtp && s && session &&
          gst_structure_get_uint(s, "ssrc", &ssrc) && !session->rollover_counter(ssrc)) {
        session->set_rollover_counter(ssrc, 0);
      }
      out = state.output_caps(caps, *pair);
      pair->caps_epoch = state.keyring.epoch();
    }
    gst_event_unref(event);
    const bool ok = gst_pad_push_event(pair->src, gst_event_new_caps(out));
    gst_caps_unref(out);
    return ok;
  }
  return gst_pad_push_event(pair->src, event);
}

gboolean src_event(GstPad* pad, GstObject* parent, GstEvent* event) {
  SecmediaSrtpEnc* self = SECMEDIA_SRTP_ENC(parent);
  if (auto value = parse_srtp_keys_event(event)) {
    EncoderState& state = state_of(self);
    std::lock_guard guard(state.lock);
    state.offer_event_keys(std::move(*value));
    gst_event_unref(event);
    return true;
  }
  return gst_pad_push_event(pair_of(pad)->sink, event);
}

gboolean sink_query(GstPad* pad, GstObject* parent, GstQuery* query) {
  PadPair* pair = pair_of(pad);
  switch (GST_QUERY_TYPE(query)) {
    case GST_QUERY_CAPS:
      return answer_caps_query(pad, query, pair->src, pair->kind, false);
    case GST_QUERY_ACCEPT_CAPS: {
      GstCaps* caps;
      gst_query_parse_accept_caps(query, &caps);
      GstCaps* templ = gst_pad_get_pad_template_caps(pad);
      gst_query_set_accept_caps_result(query, gst_caps_can_intersect(caps, templ));
      gst_caps_unref(templ);
      return true;
    }
    case GST_QUERY_ALLOCATION: {
      // Ask upstream for the tail room protect needs, so the packet is protected in place. What
      // downstream answers (if anything) is kept and only widened.
      gst_pad_peer_query(pair->src, query);
      EncoderState& state = state_of(parent);
      gsize overhead = secmedia::srtcp_max_overhead(SrtpProfile::aead_aes_256_gcm, 0);
      {
        std::lock_guard guard(state.lock);
        if (SrtpSession* session = state.session_for(*pair)) {
          overhead =
              pair->kind == PacketKind::rtcp ? session->rtcp_overhead() : session->rtp_overhead();
        }
      }
      request_tail_room(query, overhead);
      return true;
    }
    default:
      return gst_pad_query_default(pad, parent, query);
  }
}

gboolean src_query(GstPad* pad, GstObject* parent, GstQuery* query) {
  PadPair* pair = pair_of(pad);
  if (GST_QUERY_TYPE(query) == GST_QUERY_CAPS) {
    return answer_caps_query(pad, query, pair->sink, pair->kind, true);
  }
  return gst_pad_query_default(pad, parent, query);
}

GstPad* request_new_pad(GstElement* element, GstPadTemplate* templ, const gchar* name,
                        const GstCaps*) {
  SecmediaSrtpEnc* self = SECMEDIA_SRTP_ENC(element);
  EncoderState& state = state_of(self);
  GstElementClass* klass = GST_ELEMENT_GET_CLASS(element);
  auto pair = std::make_unique<PadPair>();
  pair->kind = templ == gst_element_class_get_pad_template(klass, "rtcp_sink_%u") ? PacketKind::rtcp
                                                                                  : PacketKind::rtp;
  {
    std::lock_guard guard(state.lock);
    const std::optional<guint> index = free_pair_index(state.pads, pair->kind, name);
    if (!index) {
      GST_WARNING_OBJECT(self, "pad %s already exists", name);
      return nullptr;
    }
    pair->index = *index;
  }
  make_pair_pads(*pair, templ, klass);
  gst_pad_set_chain_function(pair->sink, chain);
  gst_pad_set_chain_list_function(pair->sink, chain_list);
  gst_pad_set_event_function(pair->sink, sink_event);
  gst_pad_set_query_function(pair->sink, sink_query);
  gst_pad_set_event_function(pair->src, src_event);
  gst_pad_set_query_function(pair->src, src_query);
  GstPad* sink = pair->sink;
  GstPad* src = pair->src;
  {
    std::lock_guard guard(state.lock);
    state.pads.push_back(std::move(pair));
  }
  gst_pad_set_active(src, TRUE);
  gst_element_add_pad(element, src);
  gst_pad_set_active(sink, TRUE);
  gst_element_add_pad(element, sink);
  return sink;
}

void release_pad(GstElement* element, GstPad* pad) {
  EncoderState& state = state_of(element);
  std::unique_ptr<PadPair> removed;
  {
    std::lock_guard guard(state.lock);
    for (auto it = state.pads.begin(); it != state.pads.end(); ++it) {
      if ((*it)->sink == pad) {
        removed = std::move(*it);
        if (removed->session) state.keyring.retire(*removed->session);
        state.pads.erase(it);
        break;
      }
    }
  }
  if (!removed) return;
  gst_pad_set_active(removed->src, FALSE);
  gst_pad_set_active(removed->sink, FALSE);
  gst_element_remove_pad(element, removed->src);
  gst_element_remove_pad(element, removed->sink);
}

void set_property_locked(GObject* object, EncoderState& state, guint id, const GValue* value,
                         GParamSpec* pspec, std::string& refused) {
  if (id == PROP_ALLOW_REPEAT_TX) {
    state.allow_repeat_tx = g_value_get_boolean(value);
  } else if (!state.manual.set(pspec, value) && !state.settings.set(pspec, value, refused)) {
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
    return;
  }
  state.rekey_needed = true;
}

void set_property(GObject* object, guint id, const GValue* value, GParamSpec* pspec) {
  EncoderState& state = state_of(object);
  std::string refused;
  {
    std::lock_guard guard(state.lock);
    set_property_locked(object, state, id, value, pspec, refused);
  }
  warn_refused_value(object, refused, "nothing is sent and it will not start");
}

void get_property(GObject* object, guint id, GValue* value, GParamSpec* pspec) {
  EncoderState& state = state_of(object);
  if (id == PROP_STATS) {
    std::lock_guard guard(state.lock);
    std::vector<const SrtpSession*> pad_sessions;
    for (const auto& pair : state.pads) {
      if (pair->session) pad_sessions.push_back(pair->session.get());
    }
    g_value_take_boxed(value, encoder_stats(state.keyring, pad_sessions, state.dropped_before_key));
    return;
  }
  std::lock_guard guard(state.lock);
  if (id == PROP_ALLOW_REPEAT_TX) {
    g_value_set_boolean(value, state.allow_repeat_tx);
  } else if (!state.manual.get(pspec, value) && !state.settings.get(pspec, value)) {
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
}

GstStateChangeReturn change_state(GstElement* element, GstStateChange transition) {
  SecmediaSrtpEnc* self = SECMEDIA_SRTP_ENC(element);
  EncoderState& state = state_of(self);
  if (transition == GST_STATE_CHANGE_NULL_TO_READY) {
    std::string problem;
    {
      std::lock_guard guard(state.lock);
      // A configuration that can never work is refused now, with the reason; a missing key is
      // not, since a DTLS element may still deliver one. A refused property value always is.
      rekey_if_needed(self, state);
      if (!state.settings.refused.empty()) {
        problem = state.settings.refused;
      } else if (!state.keyring.session() && (state.manual.key || state.manual.random_key) &&
                 !state.event_keys) {
        problem = state.key_problem;
      }
    }
    if (!may_start(element, secmedia_srtp_enc_debug, problem)) return GST_STATE_CHANGE_FAILURE;
  }
  GstStateChangeReturn ret =
      GST_ELEMENT_CLASS(secmedia_srtp_enc_parent_class)->change_state(element, transition);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    std::lock_guard guard(state.lock);
    // The DTLS association ends with the stream; a manual key and its stream state are kept, so a
    // restart does not reuse keystream under the same key.
    if (state.event_keys) {
      state.event_keys.reset();
      state.keyring.clear();
      for (auto& pair : state.pads) {
        if (pair->session) state.keyring.retire(*pair->session);
        pair->session.reset();
      }
      state.rekey_needed = true;
    }
  }
  return ret;
}

void finalize(GObject* object) {
  delete SECMEDIA_SRTP_ENC(object)->state;
  G_OBJECT_CLASS(secmedia_srtp_enc_parent_class)->finalize(object);
}

}  // namespace

static void secmedia_srtp_enc_init(SecmediaSrtpEnc* self) {
  self->state = new EncoderState();
}

static void secmedia_srtp_enc_class_init(SecmediaSrtpEncClass* klass) {
  GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
  GST_DEBUG_CATEGORY_INIT(secmedia_srtp_enc_debug, "srtpenc", 0, "secmedia SRTP encoder");

  init_element_class(
      klass,
      {set_property, get_property, nullptr, finalize, change_state, request_new_pad, release_pad},
      {&rtp_sink_template, &rtp_src_template, &rtcp_sink_template, &rtcp_src_template},
      {"SRTP encoder", "Filter/Network/SRTP",
       "A SRTP and SRTCP encoder (secmedia: keyed by properties or by the DTLS key event)"});

  install_manual_key_properties(gobject_class, PROP_KEY, PROP_MKI);
  g_object_class_install_property(
      gobject_class, PROP_REPLAY_WINDOW_SIZE,
      replay_window_size_pspec("Size of the replay protection window in packets (gst-plugins-bad's "
                               "default is 128; 1024 keeps a second of NACK retransmissions)"));
  g_object_class_install_property(
      gobject_class, PROP_ALLOW_REPEAT_TX,
      g_param_spec_boolean("allow-repeat-tx", "Allow repeat packets transmission",
                           "Whether retransmissions of packets with the same sequence number are "
                           "allowed (Note that such repeated transmissions must have the same RTP "
                           "payload, or a severe security weakness is introduced!)",
                           FALSE,
                           static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)));
  g_object_class_install_property(
      gobject_class, PROP_STATS,
      stats_pspec("Various statistics: per-stream ssrc and roc, packets protected, drops by "
                  "cause"));

  install_lifetime_and_header_privacy_properties(gobject_class, PROP_KEY_LIFETIME);

  signals[SIGNAL_SOFT_LIMIT] =
      g_signal_new("soft-limit", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, nullptr, nullptr,
                   nullptr, G_TYPE_NONE, 0);

  gst_type_mark_as_plugin_api(srtp_cipher_get_type(), static_cast<GstPluginAPIFlags>(0));
  gst_type_mark_as_plugin_api(srtp_auth_get_type(), static_cast<GstPluginAPIFlags>(0));
  gst_type_mark_as_plugin_api(cryptex_mode_get_type(), static_cast<GstPluginAPIFlags>(0));
}
