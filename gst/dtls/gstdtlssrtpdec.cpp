// SPDX-License-Identifier: LGPL-2.1-or-later
// dtlssrtpdec: the receiving half of DTLS-SRTP as one element, with the interface webrtcbin drives
// (gst-plugins-bad's dtlssrtpdec). Inside, secmedia's own elements:
//
//   sink --> dtlsdec.sink   dtlsdec.src --> srtpdec.rtp_sink   srtpdec.rtp_src  --> rtp_src
//                                                              srtpdec.rtcp_src --> rtcp_src
//            dtlsdec.data_src --> data_src (request)
//
// dtlsdec demultiplexes by first byte (RFC 7983 §7): DTLS records feed the association shared
// with the dtlssrtpenc of the same connection-id, SRTP/SRTCP goes to srtpdec after the sticky key
// event, and srtpdec sends RTCP multiplexed on the RTP flow (RFC 5761) out of rtcp_src.
//
// Setting any static-key property (key, srtp-cipher, ...) disables DTLS as in gst-plugins-bad:
// dtlsdec leaves the bin, sink feeds srtpdec directly, and srtpdec's request-key is answered from
// those properties.
#include <gst/gst.h>

#include "dtls_element_settings.h"
#include "dtls_property_specs.h"
#include "dtls_srtp_bin.h"
#include "element_class.h"
#include "webrtc_remote_fingerprints.h"

GST_DEBUG_CATEGORY_STATIC(secmedia_dtls_srtp_dec_debug);
#define GST_CAT_DEFAULT secmedia_dtls_srtp_dec_debug

using namespace secmedia::gst;

#define SECMEDIA_TYPE_DTLS_SRTP_DEC (secmedia_dtls_srtp_dec_get_type())
G_DECLARE_FINAL_TYPE(SecmediaDtlsSrtpDec, secmedia_dtls_srtp_dec, SECMEDIA, DTLS_SRTP_DEC, GstBin)

namespace {

enum {
  PROP_CONNECTION_ID = 1,
  PROP_PEM,
  PROP_PEER_PEM,
  PROP_CONNECTION_STATE,
  PROP_SRTP_PROFILE,
  PROP_FINGERPRINT,
  PROP_PEER_FINGERPRINT,
  PROP_VERIFY_REMOTE_FINGERPRINT,
  PROP_DTLS_VERSION,
  PROP_COOKIE_EXCHANGE,
  PROP_PEM_FILE,
  PROP_STATIC_KEY_FIRST,
};
GParamSpec* bin_connection_state;
GParamSpec* bin_peer_pem;
StaticKeyPropertyIds static_key_ids;

GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
GstStaticPadTemplate rtp_src_template = GST_STATIC_PAD_TEMPLATE(
    "rtp_src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS("application/x-rtp"));
GstStaticPadTemplate rtcp_src_template = GST_STATIC_PAD_TEMPLATE(
    "rtcp_src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS("application/x-rtcp"));
GstStaticPadTemplate data_src_template =
    GST_STATIC_PAD_TEMPLATE("data_src", GST_PAD_SRC, GST_PAD_REQUEST, GST_STATIC_CAPS_ANY);

}  // namespace

struct _SecmediaDtlsSrtpDec {
  GstBin parent;
  GstElement* srtpdec;  // owned by the bin
  GstElement* dtlsdec;  // nullptr once static keys disabled DTLS
  GstPad* sink;         // ghost
  StaticKey* static_key;
  gboolean dtls_removal_pending;         // object lock
  gulong state_handler;                  // on dtlsdec
  gulong request_key_handler;            // on srtpdec
  gboolean verify_remote_fingerprint;    // object lock
  RemoteFingerprintWatch* remote_watch;  // streaming-state changes only
};

G_DEFINE_TYPE(SecmediaDtlsSrtpDec, secmedia_dtls_srtp_dec, GST_TYPE_BIN)

namespace {

void on_connection_state(GObject* dtlsdec, GParamSpec*, gpointer data) {
  GstElement* self = weak_bin_get(data);
  if (!self) return;
  // webrtcbin reads peer-pem when the state changes; the certificate is known by then.
  gint state = 0;
  g_object_get(dtlsdec, "connection-state", &state, nullptr);
  if (state == 4 /* connected */) g_object_notify_by_pspec(G_OBJECT(self), bin_peer_pem);
  g_object_notify_by_pspec(G_OBJECT(self), bin_connection_state);
  gst_object_unref(self);
}

GstCaps* on_request_key(GstElement*, guint, gpointer data) {
  GstElement* self = weak_bin_get(data);
  if (!self) return nullptr;
  // With DTLS the keys come as the key event; request-key answers only for static keys.
  GstCaps* caps = SECMEDIA_DTLS_SRTP_DEC(self)->static_key->decoder_caps();
  gst_object_unref(self);
  return caps;
}

GstElement* dtlsdec_ref(SecmediaDtlsSrtpDec* self) {
  return child_ref(GST_ELEMENT(self), &self->dtlsdec);
}

std::string connection_id_of(SecmediaDtlsSrtpDec* self) {
  GstElement* dtlsdec = dtlsdec_ref(self);
  if (!dtlsdec) return {};
  gchar* id = nullptr;
  g_object_get(dtlsdec, "connection-id", &id, nullptr);
  gst_object_unref(dtlsdec);
  std::string result = id ? id : "";
  g_free(id);
  return result;
}

// A remote description was set on the webrtcbin we sit in (its operation thread, no lock held):
// the fingerprints for our transport go to the DTLS peer, which checks the certificate with them.
void on_remote_description(GstElement* element, const GstSDPMessage* sdp) {
  auto* self = SECMEDIA_DTLS_SRTP_DEC(element);
  const std::string id = connection_id_of(self);
  const auto session = webrtc_session_id(id);
  std::vector<std::string> unusable;
  std::vector<secmedia::Fingerprint> fingerprints =
      remote_fingerprints(sdp, session.value_or(G_MAXUINT), &unusable);
  std::string shown;
  for (const auto& fingerprint : fingerprints) {
    shown += (shown.empty() ? "" : ", ") + fingerprint.to_string();
  }
  GST_INFO_OBJECT(self, "remote description for m-line %d: peer fingerprint(s) %s",
                  session ? static_cast<int>(*session) : -1,
                  shown.empty() ? "none" : shown.c_str());
  for (const auto& value : unusable) {
    GST_WARNING_OBJECT(self, "a=fingerprint:%s in the remote description cannot be used",
                       value.c_str());
  }
  if (auto peer = DtlsPeer::find(id)) peer->provide_peer_fingerprints(std::move(fingerprints));
}

// NULL -> READY inside a webrtcbin: the association waits for the remote description's
// fingerprints before it accepts the peer's certificate (unless peer-fingerprint pins it).
void watch_remote_description(SecmediaDtlsSrtpDec* self) {
  GST_OBJECT_LOCK(self);
  const bool verify = self->verify_remote_fingerprint;
  GST_OBJECT_UNLOCK(self);
  if (!verify || self->remote_watch->watching()) return;
  GstElement* webrtcbin = enclosing_webrtcbin(GST_ELEMENT(self));
  if (!webrtcbin) return;
  const std::string id = connection_id_of(self);
  if (auto peer = DtlsPeer::find(id)) {
    peer->update_settings([](DtlsPeerSettings& s) { s.await_peer_fingerprints = true; });
    self->remote_watch->start(webrtcbin, GST_ELEMENT(self), on_remote_description);
    GST_INFO_OBJECT(self,
                    "inside %s: the peer's certificate is checked against the remote "
                    "description's a=fingerprint",
                    GST_ELEMENT_NAME(webrtcbin));
  }
  gst_object_unref(webrtcbin);
}

// NULL -> READY inside a webrtcbin: ICE connectivity checks (RFC 8445 §7.2) verified the path,
// and libnice passes on datagrams only from checked candidates, so the association skips the
// cookie exchange's round trip unless cookie-exchange was set (as gst-plugins-bad never sends a
// HelloVerifyRequest; browsers, as clients, handle one when it is set).
void adopt_webrtcbin_defaults(SecmediaDtlsSrtpDec* self) {
  GstElement* webrtcbin = enclosing_webrtcbin(GST_ELEMENT(self));
  if (!webrtcbin) return;
  gst_object_unref(webrtcbin);
  if (auto peer = DtlsPeer::find(connection_id_of(self))) {
    peer->update_settings([](DtlsPeerSettings& s) { s.inside_webrtcbin = true; });
  }
}

GstStateChangeReturn change_state(GstElement* element, GstStateChange transition) {
  auto* self = SECMEDIA_DTLS_SRTP_DEC(element);
  // Fail closed: ciphers without a key (or any static key that cannot protect media) stop the bin
  // here rather than let srtpdec pass forged plaintext through; a refused DTLS setting fails
  // dtlsdec's own state change, and with it the bin's.
  if (!self->static_key->may_start(element, transition)) return GST_STATE_CHANGE_FAILURE;
  if (transition == GST_STATE_CHANGE_NULL_TO_READY) {
    adopt_webrtcbin_defaults(self);
    watch_remote_description(self);
  }
  const GstStateChangeReturn ret =
      GST_ELEMENT_CLASS(secmedia_dtls_srtp_dec_parent_class)->change_state(element, transition);
  if (transition == GST_STATE_CHANGE_READY_TO_NULL) self->remote_watch->stop();
  return ret;
}

// Takes dtlsdec out: sink feeds srtpdec. Runs with the sink ghost idle.
GstPadProbeReturn remove_dtls_when_idle(GstPad*, GstPadProbeInfo*, gpointer data) {
  SecmediaDtlsSrtpDec* self = SECMEDIA_DTLS_SRTP_DEC(data);
  if (remove_dtls_child(GST_ELEMENT(self), &self->dtlsdec, &self->dtls_removal_pending,
                        {&self->state_handler}, self->sink, self->srtpdec, "rtp_sink")) {
    GST_INFO_OBJECT(self, "static key set: DTLS disabled");
  }
  return GST_PAD_PROBE_REMOVE;
}

void disable_dtls(SecmediaDtlsSrtpDec* self) {
  if (begin_dtls_removal(GST_ELEMENT(self), &self->dtlsdec, &self->dtls_removal_pending)) {
    gst_pad_add_probe(self->sink, GST_PAD_PROBE_TYPE_IDLE, remove_dtls_when_idle, self, nullptr);
  }
}

void set_property(GObject* object, guint id, const GValue* value, GParamSpec* pspec) {
  SecmediaDtlsSrtpDec* self = SECMEDIA_DTLS_SRTP_DEC(object);
  if (self->static_key->set_property(GST_ELEMENT(self), static_key_ids, id, value)) {
    disable_dtls(self);
    // Streams that asked before (and got nothing) ask again.
    if (self->srtpdec) g_signal_emit_by_name(self->srtpdec, "clear-keys");
    return;
  }
  switch (id) {
    case PROP_CONNECTION_ID:
    case PROP_PEM:
    case PROP_PEER_FINGERPRINT:
    case PROP_COOKIE_EXCHANGE:
    case PROP_PEM_FILE:
      set_on_child(GST_ELEMENT(self), &self->dtlsdec, pspec, value);
      return;
    case PROP_VERIFY_REMOTE_FINGERPRINT:
      GST_OBJECT_LOCK(self);
      self->verify_remote_fingerprint = g_value_get_boolean(value);
      GST_OBJECT_UNLOCK(self);
      return;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
}

void get_property(GObject* object, guint id, GValue* value, GParamSpec* pspec) {
  SecmediaDtlsSrtpDec* self = SECMEDIA_DTLS_SRTP_DEC(object);
  if (self->static_key->get_property(static_key_ids, id, value)) return;
  switch (id) {
    case PROP_CONNECTION_ID:
    case PROP_PEM:
    case PROP_PEER_PEM:
    case PROP_CONNECTION_STATE:
    case PROP_SRTP_PROFILE:
    case PROP_FINGERPRINT:
    case PROP_PEER_FINGERPRINT:
    case PROP_COOKIE_EXCHANGE:
    case PROP_PEM_FILE:
      get_from_child(GST_ELEMENT(self), &self->dtlsdec, pspec, value);
      return;
    case PROP_VERIFY_REMOTE_FINGERPRINT:
      GST_OBJECT_LOCK(self);
      g_value_set_boolean(value, self->verify_remote_fingerprint);
      GST_OBJECT_UNLOCK(self);
      return;
    case PROP_DTLS_VERSION:
      g_value_set_uint(value, dtls_version_of(GST_ELEMENT(self), &self->dtlsdec));
      return;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
}

GstPad* request_new_pad(GstElement* element, GstPadTemplate* templ, const gchar*,
                        const GstCaps* caps) {
  SecmediaDtlsSrtpDec* self = SECMEDIA_DTLS_SRTP_DEC(element);
  return ghost_child_request_pad(element, &self->dtlsdec, "data_src", templ, caps);
}

void release_pad(GstElement* element, GstPad* pad) {
  release_ghost_and_target(element, pad);
}

void dispose(GObject* object) {
  SecmediaDtlsSrtpDec* self = SECMEDIA_DTLS_SRTP_DEC(object);
  self->remote_watch->stop();
  disconnect_from_child(GST_ELEMENT(self), &self->dtlsdec, {&self->state_handler});
  if (self->srtpdec) disconnect_handlers(self->srtpdec, {&self->request_key_handler});
  self->request_key_handler = 0;
  G_OBJECT_CLASS(secmedia_dtls_srtp_dec_parent_class)->dispose(object);
}

void finalize(GObject* object) {
  delete SECMEDIA_DTLS_SRTP_DEC(object)->static_key;
  delete SECMEDIA_DTLS_SRTP_DEC(object)->remote_watch;
  G_OBJECT_CLASS(secmedia_dtls_srtp_dec_parent_class)->finalize(object);
}

GstPad* add_ghost(GstElement* element, GstStaticPadTemplate* static_templ, GstElement* child,
                  const char* child_pad) {
  GstPadTemplate* templ = gst_static_pad_template_get(static_templ);
  GstPad* target = child ? gst_element_get_static_pad(child, child_pad) : nullptr;
  GstPad* ghost =
      target ? gst_ghost_pad_new_from_template(static_templ->name_template, target, templ)
             : gst_ghost_pad_new_no_target_from_template(static_templ->name_template, templ);
  if (target) gst_object_unref(target);
  gst_object_unref(templ);
  gst_element_add_pad(element, ghost);
  return ghost;
}

}  // namespace

static void secmedia_dtls_srtp_dec_init(SecmediaDtlsSrtpDec* self) {
  self->static_key = new StaticKey();
  self->remote_watch = new RemoteFingerprintWatch();
  self->verify_remote_fingerprint = TRUE;
  self->dtls_removal_pending = FALSE;
  self->state_handler = self->request_key_handler = 0;
  GstElement* element = GST_ELEMENT(self);
  self->srtpdec = make_secmedia_child(element, "srtpdec", "SecmediaSrtp");
  self->dtlsdec = make_secmedia_child(element, "dtlsdec", "SecmediaDtls");
  if (self->srtpdec && self->dtlsdec) {
    gst_bin_add_many(GST_BIN(self), self->dtlsdec, self->srtpdec, nullptr);
    gst_element_link_pads(self->dtlsdec, "src", self->srtpdec, "rtp_sink");
    self->state_handler = connect_weakly(self->dtlsdec, "notify::connection-state",
                                         G_CALLBACK(on_connection_state), element);
    self->request_key_handler =
        connect_weakly(self->srtpdec, "request-key", G_CALLBACK(on_request_key), element);
  } else {
    drop_children({&self->srtpdec, &self->dtlsdec});
  }
  self->sink = add_ghost(element, &sink_template, self->dtlsdec, "sink");
  add_ghost(element, &rtp_src_template, self->srtpdec, "rtp_src");
  add_ghost(element, &rtcp_src_template, self->srtpdec, "rtcp_src");
}

static void secmedia_dtls_srtp_dec_class_init(SecmediaDtlsSrtpDecClass* klass) {
  GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
  GST_DEBUG_CATEGORY_INIT(secmedia_dtls_srtp_dec_debug, "dtlssrtpdec", 0,
                          "secmedia DTLS-SRTP decoder bin");
  init_element_class(
      klass,
      {set_property, get_property, dispose, finalize, change_state, request_new_pad, release_pad},
      {&sink_template, &rtp_src_template, &rtcp_src_template, &data_src_template},
      {"DTLS-SRTP Decoder", "Decoder/Network/DTLS/SRTP",
       "Runs the DTLS handshake arriving on sink and unprotects SRTP/SRTCP with its keys onto "
       "rtp_src/rtcp_src; drop-in for gst-plugins-bad's dtlssrtpdec as used by webrtcbin "
       "(secmedia)"});
  g_object_class_install_property(
      gobject_class, PROP_CONNECTION_ID,
      connection_id_pspec("Pairs this element with the dtlssrtpenc (or dtlsenc) of the same id"));
  g_object_class_install_property(gobject_class, PROP_PEM, pem_pspec());
  g_object_class_install_property(
      gobject_class, PROP_PEM_FILE,
      pem_file_pspec("A file holding the certificate and private key in PEM format, read "
                     "when set (as dtlsdec's pem-file)"));
  bin_peer_pem = peer_pem_pspec();
  g_object_class_install_property(gobject_class, PROP_PEER_PEM, bin_peer_pem);
  bin_connection_state = bin_connection_state_pspec();
  g_object_class_install_property(gobject_class, PROP_CONNECTION_STATE, bin_connection_state);
  g_object_class_install_property(gobject_class, PROP_SRTP_PROFILE, srtp_profile_pspec());
  g_object_class_install_property(gobject_class, PROP_FINGERPRINT, fingerprint_pspec());
  g_object_class_install_property(gobject_class, PROP_PEER_FINGERPRINT, peer_fingerprint_pspec());
  g_object_class_install_property(
      gobject_class, PROP_VERIFY_REMOTE_FINGERPRINT,
      g_param_spec_boolean(
          "verify-remote-fingerprint", "Verify remote fingerprint",
          "Inside a webrtcbin: accept the peer's certificate only when it matches an "
          "a=fingerprint of the remote description for this transport (RFC 8122), waiting "
          "for that description within the handshake timeout; a mismatch, or a description "
          "without fingerprint, fails the connection. Off only for an application that "
          "verifies the peer by itself. No effect outside webrtcbin or with peer-fingerprint",
          TRUE,
          static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                   GST_PARAM_MUTABLE_READY)));
  g_object_class_install_property(gobject_class, PROP_DTLS_VERSION, dtls_version_pspec());
  g_object_class_install_property(
      gobject_class, PROP_COOKIE_EXCHANGE,
      cookie_exchange_pspec(
          "As the DTLS server, answer a ClientHello without a valid cookie with a "
          "HelloVerifyRequest (RFC 6347 section 4.2.1), so that a spoofed ClientHello cannot "
          "take the association over (dtlsdec's property). Inside a webrtcbin off unless set, "
          "elsewhere on"));
  static_key_ids = install_static_key_properties(gobject_class, PROP_STATIC_KEY_FIRST);
}

GType secmedia_dtls_srtp_dec_type() {
  return SECMEDIA_TYPE_DTLS_SRTP_DEC;
}
