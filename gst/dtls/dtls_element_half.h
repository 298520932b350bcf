// SPDX-License-Identifier: LGPL-2.1-or-later
// What dtlsenc and dtlsdec do alike as the two halves of one DtlsPeer: attaching to the peer of
// their connection-id, the shared properties, the refusal check before starting, the one request
// pad each may have, and letting go of the peer at dispose. Each element keeps one beside the state
// of its own direction.
#pragma once

#include <gst/gst.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "dtls_element_settings.h"

namespace secmedia::gst {

class DtlsElementHalf {
 public:
  // What the element does with outputs of its peer's calls made on other threads (its timer, the
  // other element's streaming thread, webrtcbin's thread); called with no lock held.
  using OutputsHandler = std::function<void(const DtlsOutputs&)>;
  // Run with `lock` held on every successful attach, before the peer's callbacks are set: the
  // element re-applies the settings it owns (dtlsenc's is-client).
  using AttachHook = std::function<void(DtlsElementLink&)>;

  // `category`: the element's debug category, so that its messages log where its own do.
  DtlsElementHalf(GstElement* element, bool encoder, GstDebugCategory* category,
                  OutputsHandler on_outputs, AttachHook on_attach = {});
  DtlsElementHalf(const DtlsElementHalf&) = delete;
  DtlsElementHalf& operator=(const DtlsElementHalf&) = delete;

  // Guards `link` and whatever the element keeps beside it under the same lock.
  std::mutex lock;
  DtlsElementLink link;

  // The peer attached now (takes `lock`).
  std::shared_ptr<DtlsPeer> peer();

  // (Re)attaches to the peer of `id` ("" = a private peer). A duplicate id is refused with a
  // warning and an element error; the refusal it leaves fails the next start.
  bool attach(const std::string& id);

  // GObject's set_property and get_property for the shared properties (connection-id included);
  // an id that is none of them is warned about as invalid.
  void set_property(GObject* object, guint id, const GValue* value, GParamSpec* pspec);
  void get_property(GObject* object, guint id, GValue* value, GParamSpec* pspec);

  // Fail closed: false, with an element error, when `transition` starts the element while a
  // refused setting stands.
  bool may_start(GstStateChange transition);

  // The element's one request pad, kept in `*slot` (guarded by `lock`): nullptr when it exists
  // already. `setup` sets the new pad's functions before it is activated.
  GstPad* request_pad(GstPadTemplate* templ, const char* name, GstPad** slot,
                      const std::function<void(GstPad*)>& setup = {});
  // Removes `pad` if it is the one in `*slot`; `on_released` runs with `lock` held after the slot
  // is cleared.
  void release_pad(GstPad* pad, GstPad** slot, const std::function<void()>& on_released = {});

  // Issue 13: the peer may be dispatching to this element on another thread (its timer, the other
  // element's streaming thread). Detaching waits for those dispatches to end and stops new ones,
  // so it comes first in the element's dispose, before GstElement's dispose removes the pads and
  // before finalize destroys the state: nothing of the element goes while the peer can still reach
  // it, whatever the order of the state's members. Not under `lock`, which a dispatch in flight
  // may be waiting for; nothing else uses the link once the element is disposed (its streaming
  // stopped at NULL).
  void detach() { link.detach(); }

 private:
  void on_peer_outputs(const DtlsPeer* from, const DtlsOutputs& outputs);

  GstElement* element_;
  bool encoder_;
  GstDebugCategory* category_;
  OutputsHandler on_outputs_;
  AttachHook on_attach_;
};

// Registers the "on-key-received" signal both elements emit once their keys went out.
guint new_on_key_received_signal(GType type);

}  // namespace secmedia::gst
