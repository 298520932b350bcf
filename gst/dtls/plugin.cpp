// SPDX-License-Identifier: LGPL-2.1-or-later
// The "dtls" plugin: file libgstdtls.so, replacing gst-plugins-bad's by basename (see
// docs/elements/loading.md). GTypes are our own (SecmediaDtlsEnc, SecmediaDtlsDec, ...).
#include <gst/gst.h>

GType secmedia_dtls_enc_type();
GType secmedia_dtls_dec_type();
GType secmedia_dtls_srtp_enc_type();
GType secmedia_dtls_srtp_dec_type();
GType secmedia_dtls_srtp_demux_type();

static gboolean plugin_init(GstPlugin* plugin) {
  return gst_element_register(plugin, "dtlsenc", GST_RANK_NONE, secmedia_dtls_enc_type()) &&
         gst_element_register(plugin, "dtlsdec", GST_RANK_NONE, secmedia_dtls_dec_type()) &&
         gst_element_register(plugin, "dtlssrtpenc", GST_RANK_NONE,
                              secmedia_dtls_srtp_enc_type()) &&
         gst_element_register(plugin, "dtlssrtpdec", GST_RANK_NONE,
                              secmedia_dtls_srtp_dec_type()) &&
         gst_element_register(plugin, "dtlssrtpdemux", GST_RANK_NONE,
                              secmedia_dtls_srtp_demux_type());
}

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, dtls,
                  "secmedia DTLS 1.2 / DTLS-SRTP elements (drop-in for gst-plugins-bad's dtls)",
                  plugin_init, SECMEDIA_VERSION, "LGPL", "secmedia", "https://secmedia.invalid/")
