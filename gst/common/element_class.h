// SPDX-License-Identifier: LGPL-2.1-or-later
// The class_init every secmedia element repeats: its GObject and GstElement functions, its pad
// templates and its metadata, set in one call so that each element names only what is its own.
#pragma once

#include <gst/gst.h>

#include <initializer_list>

namespace secmedia::gst {

// An element's class functions, in this order (each element names its own functions after the
// fields); those left null keep the parent class's.
struct ElementFunctions {
  GObjectSetPropertyFunc set_property = nullptr;
  GObjectGetPropertyFunc get_property = nullptr;
  GObjectFinalizeFunc dispose = nullptr;
  GObjectFinalizeFunc finalize = nullptr;
  GstStateChangeReturn (*change_state)(GstElement*, GstStateChange) = nullptr;
  GstPad* (*request_new_pad)(GstElement*, GstPadTemplate*, const gchar*, const GstCaps*) = nullptr;
  void (*release_pad)(GstElement*, GstPad*) = nullptr;
};

// What gst-inspect-1.0 shows of the element; every secmedia element has the same author.
struct ElementMetadata {
  const char* long_name;
  const char* classification;
  const char* description;
};

// Sets `functions` on `klass`, adds `pad_templates` in the order given (the order gst-inspect-1.0
// lists them in) and the metadata.
void init_element_class(gpointer klass, const ElementFunctions& functions,
                        std::initializer_list<GstStaticPadTemplate*> pad_templates,
                        const ElementMetadata& metadata);

}  // namespace secmedia::gst
