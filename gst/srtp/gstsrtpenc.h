// SPDX-License-Identifier: LGPL-2.1-or-later
// srtpenc: protects RTP and RTCP into SRTP and SRTCP. Interface of gst-plugins-bad 1.22's srtpenc,
// keyed by its properties or by the key event from downstream (dtlsenc). See
// docs/elements/srtpenc.md.
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define SECMEDIA_TYPE_SRTP_ENC (secmedia_srtp_enc_get_type())
G_DECLARE_FINAL_TYPE(SecmediaSrtpEnc, secmedia_srtp_enc, SECMEDIA, SRTP_ENC, GstElement)

G_END_DECLS
