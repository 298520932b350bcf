// SPDX-License-Identifier: LGPL-2.1-or-later
#include "dtls_element_half.h"

#include <utility>

// Inside the members only: the element's own category.
#define GST_CAT_DEFAULT category_

namespace secmedia::gst {

DtlsElementHalf::DtlsElementHalf(GstElement* element, bool encoder, GstDebugCategory* category,
                                 OutputsHandler on_outputs, AttachHook on_attach)
    : link(encoder),
      element_(element),
      encoder_(encoder),
      category_(category),
      on_outputs_(std::move(on_outputs)),
      on_attach_(std::move(on_attach)) {}

std::shared_ptr<DtlsPeer> DtlsElementHalf::peer() {
  std::lock_guard guard(lock);
  return link.peer();
}

// The peer's callback: outputs of an association the element has left (its connection-id changed
// while a dispatch was on its way) are not this element's any more.
void DtlsElementHalf::on_peer_outputs(const DtlsPeer* from, const DtlsOutputs& outputs) {
  {
    std::lock_guard guard(lock);
    if (link.peer().get() != from) return;
  }
  on_outputs_(outputs);
}

bool DtlsElementHalf::attach(const std::string& id) {
  std::string why;
  std::shared_ptr<DtlsPeer> previous;
  bool attached;
  {
    std::lock_guard guard(lock);
    attached = link.attach(id, &why, &previous);
    if (attached) {
      if (on_attach_) on_attach_(link);
      const DtlsPeer* peer = link.peer().get();
      link.peer()->set_callbacks(
          encoder_, {[this, peer](const DtlsOutputs& outputs) { on_peer_outputs(peer, outputs); }});
    }
  }
  // The association left behind goes without the lock: its detach waits for the dispatches to this
  // element in flight on other threads, which may take it (on_outputs, a handler of
  // connection-state or on-key-received reading a property, a push that comes back to this
  // element).
  DtlsElementLink::release(std::move(previous), encoder_);
  if (attached) return true;
  // Messages without the lock. Before a bus exists only the warning is seen; the refusal it left
  // fails the next start.
  warn_refused_setting(element_, why);
  GST_ELEMENT_ERROR(element_, RESOURCE, SETTINGS, ("Duplicate connection-id"), ("%s", why.c_str()));
  return false;
}

void DtlsElementHalf::set_property(GObject* object, guint id, const GValue* value,
                                   GParamSpec* pspec) {
  if (id == kPropConnectionId) {
    const gchar* connection_id = g_value_get_string(value);
    attach(connection_id ? connection_id : "");
    return;
  }
  std::string problem;
  bool known;
  {
    std::lock_guard guard(lock);
    known = link.set_property(id, value, &problem);
  }
  if (!known) G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  if (!problem.empty()) warn_refused_setting(element_, problem);
}

void DtlsElementHalf::get_property(GObject* object, guint id, GValue* value, GParamSpec* pspec) {
  if (!link.get_property(id, value)) G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
}

bool DtlsElementHalf::may_start(GstStateChange transition) {
  if (transition != GST_STATE_CHANGE_NULL_TO_READY &&
      transition != GST_STATE_CHANGE_READY_TO_PAUSED) {
    return true;
  }
  std::string refusals;
  {
    std::lock_guard guard(lock);
    refusals = link.refusals();
  }
  return secmedia::gst::may_start(element_, refusals);
}

GstPad* DtlsElementHalf::request_pad(GstPadTemplate* templ, const char* name, GstPad** slot,
                                     const std::function<void(GstPad*)>& setup) {
  std::lock_guard guard(lock);
  if (*slot) return nullptr;
  *slot = gst_pad_new_from_template(templ, name);
  if (setup) setup(*slot);
  gst_pad_set_active(*slot, TRUE);
  gst_element_add_pad(element_, *slot);
  return *slot;
}

void DtlsElementHalf::release_pad(GstPad* pad, GstPad** slot,
                                  const std::function<void()>& on_released) {
  {
    std::lock_guard guard(lock);
    if (pad != *slot) return;
    *slot = nullptr;
    if (on_released) on_released();
  }
  gst_pad_set_active(pad, FALSE);
  gst_element_remove_pad(element_, pad);
}

guint new_on_key_received_signal(GType type) {
  return g_signal_new("on-key-received", type, G_SIGNAL_RUN_LAST, 0, nullptr, nullptr, nullptr,
                      G_TYPE_NONE, 0);
}

}  // namespace secmedia::gst
