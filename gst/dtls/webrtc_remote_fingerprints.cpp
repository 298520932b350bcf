// SPDX-License-Identifier: LGPL-2.1-or-later
#include "webrtc_remote_fingerprints.h"

// The session description boxed type only; webrtcbin's library marks its API unstable.
#define GST_USE_UNSTABLE_API
#include <gst/webrtc/webrtc.h>

#include <cstdlib>
#include <cstring>

namespace secmedia::gst {

namespace {

bool is_webrtcbin(GstObject* object) {
  if (!GST_IS_ELEMENT(object)) return false;
  GstElementFactory* factory = gst_element_get_factory(GST_ELEMENT(object));
  return factory && std::strcmp(GST_OBJECT_NAME(factory), "webrtcbin") == 0;
}

void collect(const GstSDPMedia* media, const GstSDPMessage* sdp, std::vector<Fingerprint>& out,
             std::vector<std::string>* unusable) {
  const guint count =
      media ? gst_sdp_media_attributes_len(media) : gst_sdp_message_attributes_len(sdp);
  for (guint i = 0; i < count; ++i) {
    const GstSDPAttribute* attribute =
        media ? gst_sdp_media_get_attribute(media, i) : gst_sdp_message_get_attribute(sdp, i);
    if (!attribute->key || std::strcmp(attribute->key, "fingerprint") != 0) continue;
    const char* value = attribute->value ? attribute->value : "";
    if (auto fingerprint = Fingerprint::parse(value)) {
      out.push_back(*fingerprint);
    } else if (unusable) {
      unusable->push_back(value);
    }
  }
}

struct WatchData {
  GWeakRef element;
  RemoteFingerprintWatch::Handler handler;
};

// webrtcbin's operation thread, its PC lock released just before the notification (webrtcbin
// applies a description, then announces the new signaling state), so reading remote-description
// here takes that lock briefly. docs/architecture.md has the thread rules.
void on_signaling_state(GstElement* webrtcbin, GParamSpec*, gpointer data) {
  auto* watch = static_cast<WatchData*>(data);
  auto* element = static_cast<GstElement*>(g_weak_ref_get(&watch->element));
  if (!element) return;
  GstWebRTCSessionDescription* remote = nullptr;
  g_object_get(webrtcbin, "remote-description", &remote, nullptr);
  if (remote && remote->sdp) watch->handler(element, remote->sdp);
  if (remote) gst_webrtc_session_description_free(remote);
  gst_object_unref(element);
}

}  // namespace

GstElement* enclosing_webrtcbin(GstElement* element) {
  GstObject* parent = gst_object_get_parent(GST_OBJECT(element));
  while (parent) {
    if (is_webrtcbin(parent)) return GST_ELEMENT(parent);
    GstObject* next = gst_object_get_parent(parent);
    gst_object_unref(parent);
    parent = next;
  }
  return nullptr;
}

std::optional<guint> webrtc_session_id(const std::string& connection_id) {
  static constexpr char kPrefix[] = "rtp_";
  if (connection_id.rfind(kPrefix, 0) != 0) return std::nullopt;
  const char* digits = connection_id.c_str() + sizeof kPrefix - 1;
  char* end = nullptr;
  const unsigned long id = std::strtoul(digits, &end, 10);
  if (end == digits || *end != '_' || id > G_MAXUINT) return std::nullopt;
  return static_cast<guint>(id);
}

std::vector<Fingerprint> remote_fingerprints(const GstSDPMessage* sdp, guint session_id,
                                             std::vector<std::string>* unusable) {
  std::vector<Fingerprint> found;
  // RFC 8122 §5: a media-level fingerprint applies to that media, a session-level one to every
  // media without one of its own.
  if (session_id < gst_sdp_message_medias_len(sdp)) {
    collect(gst_sdp_message_get_media(sdp, session_id), sdp, found, unusable);
  }
  if (found.empty()) collect(nullptr, sdp, found, unusable);
  return found;
}

RemoteFingerprintWatch::~RemoteFingerprintWatch() {
  stop();
}

bool RemoteFingerprintWatch::start(GstElement* webrtcbin, GstElement* element, Handler handler) {
  if (handler_id_) return false;
  auto* data = new WatchData{{}, handler};
  g_weak_ref_init(&data->element, element);
  handler_id_ = g_signal_connect_data(
      webrtcbin, "notify::signaling-state", G_CALLBACK(on_signaling_state), data,
      [](gpointer closure_data, GClosure*) {
        auto* watch = static_cast<WatchData*>(closure_data);
        g_weak_ref_clear(&watch->element);
        delete watch;
      },
      static_cast<GConnectFlags>(0));
  g_weak_ref_init(&webrtcbin_, webrtcbin);
  return true;
}

void RemoteFingerprintWatch::stop() {
  if (!handler_id_) return;
  if (GObject* webrtcbin = static_cast<GObject*>(g_weak_ref_get(&webrtcbin_))) {
    g_signal_handler_disconnect(webrtcbin, handler_id_);
    g_object_unref(webrtcbin);
  }
  g_weak_ref_clear(&webrtcbin_);
  handler_id_ = 0;
}

}  // namespace secmedia::gst
