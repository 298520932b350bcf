// SPDX-License-Identifier: LGPL-2.1-or-later
// dtlssrtpenc: the sending half of DTLS-SRTP as one element, with the interface webrtcbin drives
// (gst-plugins-bad's dtlssrtpenc). Inside, secmedia's own elements:
//
//   rtp_sink_N  --> srtpenc.rtp_sink_N   srtpenc.rtp_src_N  --> clocksync_N --+
//   rtcp_sink_N --> srtpenc.rtcp_sink_N  srtpenc.rtcp_src_N -----------------+--> funnel
//                                                                                  |
//   data_sink   -------------------------------------------> dtlsenc.data_sink    |
//                                                             dtlsenc.sink <-------+
//                                                             dtlsenc.src  --> src
//
// dtlsenc sits last so that SRTP can never overtake the handshake flight that lets the peer derive
// its keys, and the keys reach srtpenc as the upstream key event (through funnel and clocksync),
// or by the key query if srtpenc starts later. srtpenc is never given a random key: RTP before
// the handshake ends is dropped and counted (srtpenc's stats), never sent under a wrong key.
// `on-key-set` is emitted once dtlsenc has handed its keys upstream.
//
// Setting any static-key property (key, srtp-cipher, ...) disables DTLS as in gst-plugins-bad:
// dtlsenc leaves the bin and srtpenc's output goes to src directly.
#include <gst/gst.h>

#include "dtls_element_settings.h"
#include "dtls_property_specs.h"
#include "dtls_srtp_bin.h"
#include "element_class.h"

GST_DEBUG_CATEGORY_STATIC(secmedia_dtls_srtp_enc_debug);
#define GST_CAT_DEFAULT secmedia_dtls_srtp_enc_debug

using namespace secmedia::gst;

#define SECMEDIA_TYPE_DTLS_SRTP_ENC (secmedia_dtls_srtp_enc_get_type())
G_DECLARE_FINAL_TYPE(SecmediaDtlsSrtpEnc, secmedia_dtls_srtp_enc, SECMEDIA, DTLS_SRTP_ENC, GstBin)

namespace {

enum {
  PROP_CONNECTION_ID = 1,
  PROP_IS_CLIENT,
  PROP_CONNECTION_STATE,
  PROP_RTP_SYNC,
  PROP_SRTP_PROFILE,
  PROP_DTLS_VERSION,
  PROP_STATIC_KEY_FIRST,
};
enum { SIGNAL_ON_KEY_SET, SIGNAL_LAST };
guint signals[SIGNAL_LAST];
GParamSpec* bin_connection_state;
StaticKeyPropertyIds static_key_ids;

// The same templates as gst-plugins-bad's, names included: webrtcbin looks them up by name.
GstStaticPadTemplate rtp_sink_template =
    GST_STATIC_PAD_TEMPLATE("rtp_sink_%d", GST_PAD_SINK, GST_PAD_REQUEST,
                            GST_STATIC_CAPS("application/x-rtp;application/x-rtcp"));
GstStaticPadTemplate rtcp_sink_template =
    GST_STATIC_PAD_TEMPLATE("rtcp_sink_%d", GST_PAD_SINK, GST_PAD_REQUEST,
                            GST_STATIC_CAPS("application/x-rtp;application/x-rtcp"));
GstStaticPadTemplate data_sink_template =
    GST_STATIC_PAD_TEMPLATE("data_sink", GST_PAD_SINK, GST_PAD_REQUEST, GST_STATIC_CAPS_ANY);
GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

}  // namespace

struct _SecmediaDtlsSrtpEnc {
  GstBin parent;
  GstElement* srtpenc;  // owned by the bin
  GstElement* funnel;
  GstElement* dtlsenc;  // nullptr once static keys disabled DTLS
  GstPad* src;          // ghost
  gboolean rtp_sync;
  gboolean dtls_removal_pending;  // object lock
  StaticKey* static_key;
  gulong key_handler, state_handler;  // on dtlsenc
};

G_DEFINE_TYPE(SecmediaDtlsSrtpEnc, secmedia_dtls_srtp_enc, GST_TYPE_BIN)

namespace {

void on_key_received(GstElement*, gpointer data) {
  // dtlsenc emits this after pushing the key event upstream, without any lock held.
  GstElement* self = weak_bin_get(data);
  if (!self) return;
  g_signal_emit(self, signals[SIGNAL_ON_KEY_SET], 0);
  gst_object_unref(self);
}

void on_connection_state(GObject*, GParamSpec*, gpointer data) {
  GstElement* self = weak_bin_get(data);
  if (!self) return;
  g_object_notify_by_pspec(G_OBJECT(self), bin_connection_state);
  gst_object_unref(self);
}

GstPad* add_ghost(SecmediaDtlsSrtpEnc* self, const char* name, GstPad* target,
                  GstPadTemplate* templ) {
  GstPad* ghost = gst_ghost_pad_new_from_template(name, target, templ);
  gst_pad_set_active(ghost, TRUE);
  gst_element_add_pad(GST_ELEMENT(self), ghost);
  return ghost;
}

// Takes dtlsenc out: srtpenc's output (through funnel) becomes src. Runs with funnel's src idle.
GstPadProbeReturn remove_dtls_when_idle(GstPad*, GstPadProbeInfo*, gpointer data) {
  SecmediaDtlsSrtpEnc* self = SECMEDIA_DTLS_SRTP_ENC(data);
  if (remove_dtls_child(GST_ELEMENT(self), &self->dtlsenc, &self->dtls_removal_pending,
                        {&self->key_handler, &self->state_handler}, self->src, self->funnel,
                        "src")) {
    GST_INFO_OBJECT(self, "static key set: DTLS disabled");
  }
  return GST_PAD_PROBE_REMOVE;
}

void disable_dtls(SecmediaDtlsSrtpEnc* self) {
  if (!begin_dtls_removal(GST_ELEMENT(self), &self->dtlsenc, &self->dtls_removal_pending)) return;
  GstPad* funnel_src = gst_element_get_static_pad(self->funnel, "src");
  gst_pad_add_probe(funnel_src, GST_PAD_PROBE_TYPE_IDLE, remove_dtls_when_idle, self, nullptr);
  gst_object_unref(funnel_src);
}

void set_property(GObject* object, guint id, const GValue* value, GParamSpec* pspec) {
  SecmediaDtlsSrtpEnc* self = SECMEDIA_DTLS_SRTP_ENC(object);
  if (self->static_key->set_property(GST_ELEMENT(self), static_key_ids, id, value)) {
    if (self->srtpenc) self->static_key->apply_to_encoder(self->srtpenc);
    disable_dtls(self);
    return;
  }
  switch (id) {
    case PROP_CONNECTION_ID:
    case PROP_IS_CLIENT:
      // is-client: the bin's own property notifies on every set, as webrtcbin expects.
      set_on_child(GST_ELEMENT(self), &self->dtlsenc, pspec, value);
      return;
    case PROP_RTP_SYNC:
      GST_OBJECT_LOCK(self);
      self->rtp_sync = g_value_get_boolean(value);
      GST_OBJECT_UNLOCK(self);
      return;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
}

void get_property(GObject* object, guint id, GValue* value, GParamSpec* pspec) {
  SecmediaDtlsSrtpEnc* self = SECMEDIA_DTLS_SRTP_ENC(object);
  if (self->static_key->get_property(static_key_ids, id, value)) return;
  switch (id) {
    case PROP_CONNECTION_ID:
    case PROP_IS_CLIENT:
    case PROP_CONNECTION_STATE:
    case PROP_SRTP_PROFILE:
      get_from_child(GST_ELEMENT(self), &self->dtlsenc, pspec, value);
      return;
    case PROP_RTP_SYNC:
      GST_OBJECT_LOCK(self);
      g_value_set_boolean(value, self->rtp_sync);
      GST_OBJECT_UNLOCK(self);
      return;
    case PROP_DTLS_VERSION:
      g_value_set_uint(value, dtls_version_of(GST_ELEMENT(self), &self->dtlsenc));
      return;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
}

GstPad* request_new_pad(GstElement* element, GstPadTemplate* templ, const gchar* name,
                        const GstCaps* caps) {
  SecmediaDtlsSrtpEnc* self = SECMEDIA_DTLS_SRTP_ENC(element);
  if (!self->srtpenc) return nullptr;
  const gchar* template_name = GST_PAD_TEMPLATE_NAME_TEMPLATE(templ);
  if (g_str_equal(template_name, "data_sink")) {
    return ghost_child_request_pad(element, &self->dtlsenc, "data_sink", templ, caps);
  }
  const bool rtp = g_str_equal(template_name, "rtp_sink_%d");
  // srtpenc numbers its pads itself when no name is given; its src pad has the same number.
  GstPad* target = gst_element_request_pad_simple(
      self->srtpenc, name ? name : (rtp ? "rtp_sink_%u" : "rtcp_sink_%u"));
  if (!target) return nullptr;
  guint number = 0;
  sscanf(GST_PAD_NAME(target), rtp ? "rtp_sink_%u" : "rtcp_sink_%u", &number);
  gchar* src_name = g_strdup_printf(rtp ? "rtp_src_%u" : "rtcp_src_%u", number);
  GstPad* srtp_src = gst_element_get_static_pad(self->srtpenc, src_name);
  g_free(src_name);
  GstPad* funnel_sink = gst_element_request_pad_simple(self->funnel, "sink_%u");
  if (rtp) {
    // RTP may be synchronised to the clock on its own (rtp-sync), so that waiting for an RTP
    // timestamp never holds back RTCP, as in gst-plugins-bad.
    GstElement* clocksync = gst_element_factory_make("clocksync", nullptr);
    g_object_bind_property(self, "rtp-sync", clocksync, "sync", G_BINDING_SYNC_CREATE);
    gst_bin_add(GST_BIN(self), clocksync);
    GstPad* clock_sink = gst_element_get_static_pad(clocksync, "sink");
    GstPad* clock_src = gst_element_get_static_pad(clocksync, "src");
    gst_pad_link(srtp_src, clock_sink);
    gst_pad_link(clock_src, funnel_sink);
    gst_object_unref(clock_sink);
    gst_object_unref(clock_src);
    gst_element_sync_state_with_parent(clocksync);
  } else {
    gst_pad_link(srtp_src, funnel_sink);
  }
  gst_object_unref(funnel_sink);
  gst_object_unref(srtp_src);
  GstPad* ghost = add_ghost(self, GST_PAD_NAME(target), target, templ);
  gst_object_unref(target);
  if (caps) g_object_set(ghost, "caps", caps, nullptr);
  return ghost;
}

// Releases funnel's request pad `funnel_sink` (and the clocksync in front of it, if any) that took
// the output of srtpenc's `srtp_src`.
void release_branch(SecmediaDtlsSrtpEnc* self, GstPad* srtp_src) {
  GstPad* peer = gst_pad_get_peer(srtp_src);
  if (!peer) return;
  GstElement* next = gst_pad_get_parent_element(peer);
  GstPad* funnel_sink = nullptr;
  if (next && next != self->funnel) {  // a clocksync
    GstPad* clock_src = gst_element_get_static_pad(next, "src");
    funnel_sink = gst_pad_get_peer(clock_src);
    gst_object_unref(clock_src);
    gst_element_set_locked_state(next, TRUE);
    gst_element_set_state(next, GST_STATE_NULL);
    gst_bin_remove(GST_BIN(self), next);
  } else {
    funnel_sink = GST_PAD(gst_object_ref(peer));
  }
  if (funnel_sink) {
    gst_element_release_request_pad(self->funnel, funnel_sink);
    gst_object_unref(funnel_sink);
  }
  if (next) gst_object_unref(next);
  gst_object_unref(peer);
}

void release_pad(GstElement* element, GstPad* pad) {
  SecmediaDtlsSrtpEnc* self = SECMEDIA_DTLS_SRTP_ENC(element);
  // An RTP or RTCP pad first takes its branch (clocksync, funnel pad) behind srtpenc with it.
  GstPad* target = gst_ghost_pad_get_target(GST_GHOST_PAD(pad));
  GstElement* owner = target ? gst_pad_get_parent_element(target) : nullptr;
  if (owner && owner == self->srtpenc) {
    const bool rtp = g_str_has_prefix(GST_PAD_NAME(target), "rtp_");
    guint number = 0;
    sscanf(GST_PAD_NAME(target), rtp ? "rtp_sink_%u" : "rtcp_sink_%u", &number);
    gchar* src_name = g_strdup_printf(rtp ? "rtp_src_%u" : "rtcp_src_%u", number);
    GstPad* srtp_src = gst_element_get_static_pad(self->srtpenc, src_name);
    g_free(src_name);
    if (srtp_src) {
      release_branch(self, srtp_src);
      gst_object_unref(srtp_src);
    }
  }
  if (owner) gst_object_unref(owner);
  if (target) gst_object_unref(target);
  release_ghost_and_target(element, pad);
}

// Fail closed: a static key that cannot protect media, or a refused cipher name, stops the bin
// here (a refused DTLS setting fails dtlsenc's own state change, and with it the bin's).
GstStateChangeReturn change_state(GstElement* element, GstStateChange transition) {
  if (!SECMEDIA_DTLS_SRTP_ENC(element)->static_key->may_start(element, transition)) {
    return GST_STATE_CHANGE_FAILURE;
  }
  return GST_ELEMENT_CLASS(secmedia_dtls_srtp_enc_parent_class)->change_state(element, transition);
}

void dispose(GObject* object) {
  SecmediaDtlsSrtpEnc* self = SECMEDIA_DTLS_SRTP_ENC(object);
  disconnect_from_child(GST_ELEMENT(self), &self->dtlsenc,
                        {&self->key_handler, &self->state_handler});
  G_OBJECT_CLASS(secmedia_dtls_srtp_enc_parent_class)->dispose(object);
}

void finalize(GObject* object) {
  SecmediaDtlsSrtpEnc* self = SECMEDIA_DTLS_SRTP_ENC(object);
  delete self->static_key;
  G_OBJECT_CLASS(secmedia_dtls_srtp_enc_parent_class)->finalize(object);
}

}  // namespace

static void secmedia_dtls_srtp_enc_init(SecmediaDtlsSrtpEnc* self) {
  self->static_key = new StaticKey();
  self->dtls_removal_pending = FALSE;
  self->rtp_sync = FALSE;
  self->key_handler = self->state_handler = 0;
  GstElement* element = GST_ELEMENT(self);
  self->srtpenc = make_secmedia_child(element, "srtpenc", "SecmediaSrtp");
  self->dtlsenc = make_secmedia_child(element, "dtlsenc", "SecmediaDtls");
  self->funnel = gst_element_factory_make("funnel", nullptr);
  GstPad* target = nullptr;
  if (self->srtpenc && self->dtlsenc && self->funnel) {
    gst_bin_add_many(GST_BIN(self), self->srtpenc, self->funnel, self->dtlsenc, nullptr);
    gst_element_link_pads(self->funnel, "src", self->dtlsenc, "sink");
    target = gst_element_get_static_pad(self->dtlsenc, "src");
    self->key_handler =
        connect_weakly(self->dtlsenc, "on-key-received", G_CALLBACK(on_key_received), element);
    self->state_handler = connect_weakly(self->dtlsenc, "notify::connection-state",
                                         G_CALLBACK(on_connection_state), element);
  } else {
    drop_children({&self->srtpenc, &self->dtlsenc, &self->funnel});
  }
  GstPadTemplate* templ = gst_static_pad_template_get(&src_template);
  self->src = target ? gst_ghost_pad_new_from_template("src", target, templ)
                     : gst_ghost_pad_new_no_target_from_template("src", templ);
  gst_object_unref(templ);
  if (target) gst_object_unref(target);
  gst_element_add_pad(element, self->src);
}

static void secmedia_dtls_srtp_enc_class_init(SecmediaDtlsSrtpEncClass* klass) {
  GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
  GST_DEBUG_CATEGORY_INIT(secmedia_dtls_srtp_enc_debug, "dtlssrtpenc", 0,
                          "secmedia DTLS-SRTP encoder bin");
  init_element_class(
      klass,
      {set_property, get_property, dispose, finalize, change_state, request_new_pad, release_pad},
      {&rtp_sink_template, &rtcp_sink_template, &data_sink_template, &src_template},
      {"DTLS-SRTP Encoder", "Encoder/Network/DTLS/SRTP",
       "Protects RTP/RTCP with keys from a DTLS handshake and sends both on src; drop-in for "
       "gst-plugins-bad's dtlssrtpenc as used by webrtcbin (secmedia)"});
  g_object_class_install_property(
      gobject_class, PROP_CONNECTION_ID,
      connection_id_pspec("Pairs this element with the dtlssrtpdec (or dtlsdec) of the same id"));
  g_object_class_install_property(
      gobject_class, PROP_IS_CLIENT,
      is_client_pspec("Set to true if the element should act as DTLS client and initiate "
                      "the handshake (notified on every set)"));
  bin_connection_state = bin_connection_state_pspec();
  g_object_class_install_property(gobject_class, PROP_CONNECTION_STATE, bin_connection_state);
  g_object_class_install_property(
      gobject_class, PROP_RTP_SYNC,
      g_param_spec_boolean("rtp-sync", "Synchronize RTP",
                           "Synchronize RTP to the pipeline clock before merging with RTCP", FALSE,
                           static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)));
  g_object_class_install_property(gobject_class, PROP_SRTP_PROFILE, srtp_profile_pspec());
  g_object_class_install_property(gobject_class, PROP_DTLS_VERSION, dtls_version_pspec());
  static_key_ids = install_static_key_properties(gobject_class, PROP_STATIC_KEY_FIRST);
  signals[SIGNAL_ON_KEY_SET] =
      g_signal_new("on-key-set", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, nullptr, nullptr,
                   nullptr, G_TYPE_NONE, 0);
}

GType secmedia_dtls_srtp_enc_type() {
  return SECMEDIA_TYPE_DTLS_SRTP_ENC;
}
