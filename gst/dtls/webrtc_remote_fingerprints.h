// SPDX-License-Identifier: LGPL-2.1-or-later
// Inside webrtcbin, the peer's certificate is checked against the remote description's
// a=fingerprint (RFC 8122 §5, RFC 8827 §6.5), which webrtcbin itself never passes to its DTLS
// elements (GStreamer 1.22). dtlssrtpdec finds the webrtcbin it sits in and learns each remote
// description when webrtcbin announces its new signaling state.
//
// Thread rules (docs/architecture.md): webrtcbin emits notify::signaling-state from its operation
// thread after releasing its PC lock; the handler reads `remote-description` there (taking that
// lock briefly) and hands the fingerprints to the DTLS peer, whose callbacks run with no lock of
// ours held. Nothing ever reads webrtcbin from a streaming thread, which webrtcbin may be waiting
// on while it holds its lock.
#pragma once

#include <gst/gst.h>
#include <gst/sdp/sdp.h>

#include <optional>
#include <string>
#include <vector>

#include "secmedia/dtls.h"

namespace secmedia::gst {

// The webrtcbin `element` sits in (a new reference), nullptr when none.
GstElement* enclosing_webrtcbin(GstElement* element);

// The m-line webrtcbin made a DTLS transport for: its connection-id is "rtp_<session id>_<random>"
// (gst_webrtc_dtls_transport_constructed). nullopt for any other id.
std::optional<guint> webrtc_session_id(const std::string& connection_id);

// The fingerprints that apply to m-line `session_id` of `sdp`: that media's a=fingerprint lines,
// else the session's (RFC 8122 §5; several may be given, any one may match). Values that do not
// parse, or name a hash function we do not know, are left out and listed in `unusable`.
std::vector<Fingerprint> remote_fingerprints(const GstSDPMessage* sdp, guint session_id,
                                             std::vector<std::string>* unusable);

// Watches one webrtcbin for remote descriptions on behalf of one element. `on_fingerprints` runs on
// webrtcbin's operation thread with no lock of webrtcbin's or ours held.
class RemoteFingerprintWatch {
 public:
  using Handler = void (*)(GstElement* element, const GstSDPMessage* remote_sdp);

  RemoteFingerprintWatch() = default;
  ~RemoteFingerprintWatch();
  RemoteFingerprintWatch(const RemoteFingerprintWatch&) = delete;
  RemoteFingerprintWatch& operator=(const RemoteFingerprintWatch&) = delete;

  // Starts watching `webrtcbin` for `element` (held weakly). False when already watching.
  bool start(GstElement* webrtcbin, GstElement* element, Handler handler);
  void stop();
  bool watching() const { return handler_id_ != 0; }

 private:
  GWeakRef webrtcbin_{};
  gulong handler_id_ = 0;
};

}  // namespace secmedia::gst
