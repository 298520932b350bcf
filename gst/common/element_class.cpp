// SPDX-License-Identifier: LGPL-2.1-or-later
#include "element_class.h"

namespace secmedia::gst {

void init_element_class(gpointer klass, const ElementFunctions& functions,
                        std::initializer_list<GstStaticPadTemplate*> pad_templates,
                        const ElementMetadata& metadata) {
  GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
  if (functions.set_property) gobject_class->set_property = functions.set_property;
  if (functions.get_property) gobject_class->get_property = functions.get_property;
  if (functions.dispose) gobject_class->dispose = functions.dispose;
  if (functions.finalize) gobject_class->finalize = functions.finalize;
  if (functions.change_state) element_class->change_state = functions.change_state;
  if (functions.request_new_pad) element_class->request_new_pad = functions.request_new_pad;
  if (functions.release_pad) element_class->release_pad = functions.release_pad;
  for (GstStaticPadTemplate* pad_template : pad_templates) {
    gst_element_class_add_static_pad_template(element_class, pad_template);
  }
  gst_element_class_set_static_metadata(element_class, metadata.long_name, metadata.classification,
                                        metadata.description, "secmedia developers");
}

}  // namespace secmedia::gst
