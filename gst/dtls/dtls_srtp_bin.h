// SPDX-License-Identifier: LGPL-2.1-or-later
// What dtlssrtpenc and dtlssrtpdec share: creating their secmedia children, and the static-key
// properties (key, srtp-cipher, srtp-auth, srtcp-cipher, srtcp-auth) that gst-plugins-bad's
// GstDtlsSrtpBin gives both for SDES-style keying (RFC 4568), where setting any of them disables
// DTLS in that element.
#pragma once

#include <gst/gst.h>

#include <initializer_list>
#include <map>
#include <mutex>
#include <string>

namespace secmedia::gst {

// Makes the element of `factory` and checks it is secmedia's (its GType name starts with
// `type_prefix`): the bins hand keys to srtpenc/srtpdec as pad events, which gst-plugins-bad's
// srtp elements do not understand. nullptr with an element error posted on `bin` otherwise.
GstElement* make_secmedia_child(GstElement* bin, const char* factory, const char* type_prefix);

// Connects `handler` to `signal` of `child` with a weak reference to `bin` as its data, so that a
// signal emitted from a streaming or timer thread while the bin is being disposed elsewhere never
// reaches a dead bin. The handler gets the bin with weak_bin_get.
gulong connect_weakly(gpointer child, const char* signal, GCallback handler, GstElement* bin);
// In a handler connected by connect_weakly: a strong reference to the bin (unref it), or nullptr
// once the bin is going.
GstElement* weak_bin_get(gpointer data);

// A reference to the child in `*member` (nullptr once DTLS was disabled), read under the bin's
// object lock.
GstElement* child_ref(GstElement* bin, GstElement* const* member);
// The bins' properties that belong to their DTLS child: set or get the child's property of the
// same name. Setting after DTLS was disabled is ignored, with a g_warning (the application believes
// a DTLS setting is in force).
void set_on_child(GstElement* bin, GstElement* const* member, GParamSpec* pspec,
                  const GValue* value);
void get_from_child(GstElement* bin, GstElement* const* member, GParamSpec* pspec, GValue* value);
// The bins' `dtls-version` (GStreamer 1.30's webrtcbin stats read it as tls-version): the
// negotiated version as on the wire (RFC 6347 §4.1: DTLS 1.2 is 0xFEFD) once connected, else 0.
guint dtls_version_of(GstElement* bin, GstElement* const* member);
GParamSpec* dtls_version_pspec();
// The bins' `connection-state`: the DTLS child's, with its values spelled out for webrtcbin users.
GParamSpec* bin_connection_state_pspec();
// Removes the bin's ghost pad `ghost` and releases the request pad it targeted on a child.
void release_ghost_and_target(GstElement* bin, GstPad* ghost);
// Requests `name` of the child in `*member` and adds a ghost pad of the same name for it, made from
// `templ` and given `caps` if any: the bins' data pads. nullptr once DTLS was disabled, or when the
// child has that pad already.
GstPad* ghost_child_request_pad(GstElement* bin, GstElement* const* member, const char* name,
                                GstPadTemplate* templ, const GstCaps* caps);
// In instance init, when not every child could be made: drops those that were.
void drop_children(std::initializer_list<GstElement**> children);

// Disconnects the handlers (ids set to 0) the bin connected to `child`; an id of 0 is skipped.
void disconnect_handlers(GstElement* child, std::initializer_list<gulong*> handlers);
// The same at dispose, for the DTLS child in `*member` if it is still there.
void disconnect_from_child(GstElement* bin, GstElement* const* member,
                           std::initializer_list<gulong*> handlers);

// Disabling DTLS once a static key is set, in two steps. First, under the bin's object lock: true
// when the DTLS child in `*member` is there and no removal is `*pending` yet (the caller then adds
// an idle probe, which runs at once when nothing flows, else after the buffer in flight).
bool begin_dtls_removal(GstElement* bin, GstElement* const* member, gboolean* pending);
// Then, from that probe: takes the child out of `*member`, disconnects `handlers`, stops it and
// removes it from the bin, and retargets `ghost` to `new_pad` of `new_owner`. False when the child
// was gone already.
bool remove_dtls_child(GstElement* bin, GstElement** member, gboolean* pending,
                       std::initializer_list<gulong*> handlers, GstPad* ghost,
                       GstElement* new_owner, const char* new_pad);

// Property ids of the static-key properties, numbered from `first` by the element.
struct StaticKeyPropertyIds {
  guint key, srtp_cipher, srtp_auth, srtcp_cipher, srtcp_auth;
};
StaticKeyPropertyIds install_static_key_properties(GObjectClass* klass, guint first);

// The static key of one bin. Lock-protected: properties are set from the application thread and
// read from streaming threads (srtpdec's request-key).
//
// Fail closed: a cipher or auth name srtpenc/srtpdec do not know is refused when set (`problem`),
// and start_refusal() names what stops the bin from starting: a refused name, or a combination
// that cannot protect media (ciphers without a key, a key without all four names, a key of the
// wrong size). Unprotected RTP (gst-plugins-bad's pass-through) needs all four names set to "null"
// explicitly; anything less than a complete key never passes packets through.
class StaticKey {
 public:
  ~StaticKey();
  // True when `id` is one of the static-key properties (and stores it, or refuses it with
  // `problem` set).
  bool set_property(const StaticKeyPropertyIds& ids, guint id, const GValue* value,
                    std::string* problem);
  bool get_property(const StaticKeyPropertyIds& ids, guint id, GValue* value);
  // set_property for a bin: a refused value is warned about (warn_refused_setting).
  bool set_property(GstElement* bin, const StaticKeyPropertyIds& ids, guint id,
                    const GValue* value);
  // True once any of the properties was set: DTLS is off for this element.
  bool in_use();
  // Why the bin must not start with these settings, "" when it may (or when they are not in use).
  std::string start_refusal();
  // Fail closed: false, with an element error, when `transition` starts `bin` while
  // start_refusal() names a reason.
  bool may_start(GstElement* bin, GstStateChange transition);
  // srtpdec's request-key answer (gst-plugins-bad's format): the key, or all-null caps when all
  // four names are "null"; nullptr otherwise (incomplete or refused), so srtpdec drops and counts.
  GstCaps* decoder_caps();
  // Applies key and ciphers to a secmedia srtpenc.
  void apply_to_encoder(GstElement* srtpenc);

 private:
  std::string combination_problem_locked() const;

  std::mutex lock_;
  bool in_use_ = false;
  GstBuffer* key_ = nullptr;
  std::string srtp_cipher_, srtp_auth_, srtcp_cipher_, srtcp_auth_;
  // Refused names by property id, until a valid value replaces one: why, and the name as given
  // (what the property reads back).
  struct Refusal {
    std::string problem;
    std::string given;
  };
  std::map<guint, Refusal> refused_;
};

}  // namespace secmedia::gst
