// SPDX-License-Identifier: LGPL-2.1-or-later
// The "srtp" plugin: file libgstsrtp.so, so that GST_PLUGIN_PATH=<build>/gst makes ours the one
// loaded in place of gst-plugins-bad's (the first file of a basename wins). Our GTypes have names
// of their own, so both plugin sets can be loaded in one process.
#include <gst/gst.h>

#include "gstsrtpdec.h"
#include "gstsrtpenc.h"

static gboolean plugin_init(GstPlugin* plugin) {
  return gst_element_register(plugin, "srtpenc", GST_RANK_NONE, SECMEDIA_TYPE_SRTP_ENC) &&
         gst_element_register(plugin, "srtpdec", GST_RANK_NONE, SECMEDIA_TYPE_SRTP_DEC);
}

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, srtp,
                  "secmedia SRTP/SRTCP elements (drop-in for gst-plugins-bad's srtp)", plugin_init,
                  SECMEDIA_VERSION, "LGPL", "secmedia", "https://secmedia.invalid/")
