// SPDX-License-Identifier: LGPL-2.1-or-later
// srtpdec: unprotects SRTP and SRTCP (also SRTCP muxed on the RTP pad, RFC 5761). Interface of
// gst-plugins-bad 1.22's srtpdec, keyed by caps, its signals, or the key event from upstream
// (dtlsdec). See docs/elements/srtpdec.md.
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define SECMEDIA_TYPE_SRTP_DEC (secmedia_srtp_dec_get_type())
G_DECLARE_FINAL_TYPE(SecmediaSrtpDec, secmedia_srtp_dec, SECMEDIA, SRTP_DEC, GstElement)

G_END_DECLS
