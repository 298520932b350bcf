// SPDX-License-Identifier: LGPL-2.1-or-later
/* The demo: a secure call between two pipelines on loopback, with no glue code between the DTLS and
 * SRTP elements.
 *
 *   alice:  videotestsrc ! vp8enc ! rtpvp8pay  --\
 *           audiotestsrc ! opusenc ! rtpopuspay --> srtpenc ! funnel ! dtlsenc ! udpsink -> bob
 *           udpsrc <- bob ! dtlsdec ! srtpdec ! fakesink     (the handshake runs both ways)
 *   bob:    udpsrc <- alice ! dtlsdec ! srtpdec ! rtpptdemux ! depayload ! decode ! fakesink
 *           dtlsenc ! udpsink -> alice
 *
 * Each side pins the other's certificate fingerprint (peer-fingerprint), as an SDP exchange would.
 * Keys travel from dtlsenc/dtlsdec to srtpenc/srtpdec as pad events. Nothing is sent under a wrong
 * key: srtpenc drops media until the handshake hands it the keys. The program prints the negotiated
 * profile, the handshake time and what bob decrypted and decoded, and exits 0 when bob has decoded
 * enough video and audio (1 on failure or after 30 s).
 *
 *   secure_call [alice-port] [bob-port] */
#include <gst/gst.h>
#include <stdio.h>
#include <stdlib.h>

#define VIDEO_FRAMES_WANTED 90
#define AUDIO_BUFFERS_WANTED 100

typedef struct {
  GMainLoop* loop;
  GstElement* alice;
  GstElement* bob;
  guint video_frames;
  guint audio_buffers;
  gboolean failed;
  gint64 started_us;
} Call;

static GstPadProbeReturn count_buffer(GstPad* pad, GstPadProbeInfo* info, gpointer data) {
  guint* counter = data;
  (void)pad;
  (void)info;
  g_atomic_int_inc(counter);
  return GST_PAD_PROBE_OK;
}

static GstCaps* pt_map(GstElement* demux, guint pt, gpointer data) {
  (void)demux;
  (void)data;
  if (pt == 96) {
    return gst_caps_from_string(
        "application/x-rtp,media=video,clock-rate=90000,encoding-name=VP8,payload=96");
  }
  if (pt == 97) {
    return gst_caps_from_string(
        "application/x-rtp,media=audio,clock-rate=48000,encoding-name=OPUS,payload=97");
  }
  return NULL;
}

/* bob's rtpptdemux made a pad for a payload type: decode it into a counting fakesink. */
static void on_demux_pad(GstElement* demux, GstPad* pad, Call* call) {
  gchar* name = gst_pad_get_name(pad);
  const gboolean video = g_str_has_suffix(name, "_96");
  g_free(name);
  GstElement* branch = gst_parse_bin_from_description(
      video ? "queue ! rtpvp8depay ! vp8dec ! fakesink name=sink sync=false"
            : "queue ! rtpopusdepay ! opusdec ! fakesink name=sink sync=false",
      TRUE, NULL);
  GstElement* sink = gst_bin_get_by_name(GST_BIN(branch), "sink");
  GstPad* sink_pad = gst_element_get_static_pad(sink, "sink");
  gst_pad_add_probe(sink_pad, GST_PAD_PROBE_TYPE_BUFFER, count_buffer,
                    video ? &call->video_frames : &call->audio_buffers, NULL);
  gst_object_unref(sink_pad);
  gst_object_unref(sink);
  gst_bin_add(GST_BIN(GST_ELEMENT_PARENT(demux)), branch);
  gst_element_sync_state_with_parent(branch);
  GstPad* branch_sink = gst_element_get_static_pad(branch, "sink");
  gst_pad_link(pad, branch_sink);
  gst_object_unref(branch_sink);
}

static gboolean on_bus(GstBus* bus, GstMessage* message, gpointer data) {
  Call* call = data;
  (void)bus;
  if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
    GError* error = NULL;
    gchar* debug = NULL;
    gst_message_parse_error(message, &error, &debug);
    fprintf(stderr, "error from %s: %s (%s)\n", GST_OBJECT_NAME(GST_MESSAGE_SRC(message)),
            error->message, debug ? debug : "");
    g_error_free(error);
    g_free(debug);
    call->failed = TRUE;
    g_main_loop_quit(call->loop);
  }
  return TRUE;
}

static gboolean check_progress(gpointer data) {
  Call* call = data;
  if (g_atomic_int_get(&call->video_frames) >= VIDEO_FRAMES_WANTED &&
      g_atomic_int_get(&call->audio_buffers) >= AUDIO_BUFFERS_WANTED) {
    g_main_loop_quit(call->loop);
    return G_SOURCE_REMOVE;
  }
  if (g_get_monotonic_time() - call->started_us > 30 * G_USEC_PER_SEC) {
    fprintf(stderr, "timed out: bob decoded %u video frames and %u audio buffers\n",
            call->video_frames, call->audio_buffers);
    call->failed = TRUE;
    g_main_loop_quit(call->loop);
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

static guint64 stats_uint64(GstElement* element, const char* field) {
  GstStructure* stats = NULL;
  guint64 value = 0;
  g_object_get(element, "stats", &stats, NULL);
  if (stats) {
    gst_structure_get_uint64(stats, field, &value);
    gst_structure_free(stats);
  }
  return value;
}

static double handshake_ms(GstElement* element) {
  GstStructure* stats = NULL;
  double value = -1;
  g_object_get(element, "stats", &stats, NULL);
  if (stats) {
    gst_structure_get_double(stats, "handshake-time", &value);
    gst_structure_free(stats);
  }
  return value;
}

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  const int alice_port = argc > 1 ? atoi(argv[1]) : 15004;
  const int bob_port = argc > 2 ? atoi(argv[2]) : 15006;
  Call call = {0};
  call.loop = g_main_loop_new(NULL, FALSE);

  gchar* alice_description = g_strdup_printf(
      "videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=30/1 ! "
      "vp8enc deadline=1 ! rtpvp8pay pt=96 ssrc=1111 ! srtp.rtp_sink_0 "
      "audiotestsrc is-live=true wave=ticks ! opusenc ! rtpopuspay pt=97 ssrc=2222 ! "
      "srtp.rtp_sink_1 "
      "srtpenc name=srtp  srtp.rtp_src_0 ! funnel name=mix  srtp.rtp_src_1 ! mix. "
      "mix. ! dtlsenc name=dtlsenc connection-id=alice is-client=true ! "
      "udpsink host=127.0.0.1 port=%d sync=false async=false "
      "udpsrc port=%d ! dtlsdec name=dtlsdec connection-id=alice ! srtpdec ! "
      "fakesink async=false",
      bob_port, alice_port);
  gchar* bob_description = g_strdup_printf(
      "udpsrc port=%d ! dtlsdec name=dtlsdec connection-id=bob ! srtpdec name=srtpdec ! "
      "rtpptdemux name=demux "
      "dtlsenc name=dtlsenc connection-id=bob ! udpsink host=127.0.0.1 port=%d sync=false "
      "async=false",
      bob_port, alice_port);
  GError* error = NULL;
  call.alice = gst_parse_launch(alice_description, &error);
  if (!call.alice) {
    fprintf(stderr, "alice: %s\n", error->message);
    return 1;
  }
  call.bob = gst_parse_launch(bob_description, &error);
  if (!call.bob) {
    fprintf(stderr, "bob: %s\n", error->message);
    return 1;
  }
  g_free(alice_description);
  g_free(bob_description);

  GstElement* alice_enc = gst_bin_get_by_name(GST_BIN(call.alice), "dtlsenc");
  GstElement* alice_dec = gst_bin_get_by_name(GST_BIN(call.alice), "dtlsdec");
  GstElement* alice_srtp = gst_bin_get_by_name(GST_BIN(call.alice), "srtp");
  GstElement* bob_enc = gst_bin_get_by_name(GST_BIN(call.bob), "dtlsenc");
  GstElement* bob_dec = gst_bin_get_by_name(GST_BIN(call.bob), "dtlsdec");
  GstElement* bob_srtp = gst_bin_get_by_name(GST_BIN(call.bob), "srtpdec");
  GstElement* demux = gst_bin_get_by_name(GST_BIN(call.bob), "demux");
  g_signal_connect(demux, "request-pt-map", G_CALLBACK(pt_map), NULL);
  g_signal_connect(demux, "pad-added", G_CALLBACK(on_demux_pad), &call);

  /* The SDP exchange, reduced to its security part: each side pins the other's fingerprint. */
  gchar* alice_fingerprint = NULL;
  gchar* bob_fingerprint = NULL;
  g_object_get(alice_dec, "fingerprint", &alice_fingerprint, NULL);
  g_object_get(bob_dec, "fingerprint", &bob_fingerprint, NULL);
  g_object_set(alice_dec, "peer-fingerprint", bob_fingerprint, NULL);
  g_object_set(bob_dec, "peer-fingerprint", alice_fingerprint, NULL);
  printf("alice  %s\nbob    %s\n", alice_fingerprint, bob_fingerprint);
  g_free(alice_fingerprint);
  g_free(bob_fingerprint);

  GstBus* bus = gst_element_get_bus(call.alice);
  gst_bus_add_watch(bus, on_bus, &call);
  gst_object_unref(bus);
  bus = gst_element_get_bus(call.bob);
  gst_bus_add_watch(bus, on_bus, &call);
  gst_object_unref(bus);

  call.started_us = g_get_monotonic_time();
  gst_element_set_state(call.bob, GST_STATE_PLAYING);
  gst_element_set_state(call.alice, GST_STATE_PLAYING);
  g_timeout_add(100, check_progress, &call);
  g_main_loop_run(call.loop);

  gchar* profile = NULL;
  g_object_get(bob_dec, "srtp-profile", &profile, NULL);
  printf("profile            %s\n", profile ? profile : "(none)");
  printf("handshake          %.1f ms (alice), %.1f ms (bob)\n", handshake_ms(alice_enc),
         handshake_ms(bob_dec));
  printf("alice protected    %" G_GUINT64_FORMAT
         " RTP packets (dropped before keys: %" G_GUINT64_FORMAT ")\n",
         stats_uint64(alice_srtp, "rtp-packets"), stats_uint64(alice_srtp, "dropped-no-key"));
  printf("bob decrypted      %" G_GUINT64_FORMAT " RTP packets\n",
         stats_uint64(bob_srtp, "rtp-packets"));
  printf("bob decoded        %u video frames, %u audio buffers\n", call.video_frames,
         call.audio_buffers);
  g_free(profile);

  gst_element_set_state(call.alice, GST_STATE_NULL);
  gst_element_set_state(call.bob, GST_STATE_NULL);
  gst_object_unref(alice_enc);
  gst_object_unref(alice_dec);
  gst_object_unref(alice_srtp);
  gst_object_unref(bob_enc);
  gst_object_unref(bob_dec);
  gst_object_unref(bob_srtp);
  gst_object_unref(demux);
  gst_object_unref(call.alice);
  gst_object_unref(call.bob);
  g_main_loop_unref(call.loop);
  printf("%s\n", call.failed ? "demo: FAILED" : "demo: OK");
  return call.failed ? 1 : 0;
}
