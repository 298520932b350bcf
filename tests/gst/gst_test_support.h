// SPDX-License-Identifier: LGPL-2.1-or-later
// Helpers for element tests: GStreamer set-up, buffers from byte vectors and back, key events.
#pragma once

#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gtest/gtest.h>
#include <openssl/crypto.h>

#include <atomic>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "secmedia/keying_material.h"
#include "srtp_key_event.h"

namespace secmedia::test {

inline GstBuffer* to_buffer(const std::vector<uint8_t>& bytes) {
  return gst_buffer_new_memdup(bytes.data(), bytes.size());
}

inline std::vector<uint8_t> to_bytes(GstBuffer* buffer) {
  std::vector<uint8_t> bytes(gst_buffer_get_size(buffer));
  gst_buffer_extract(buffer, 0, bytes.data(), bytes.size());
  return bytes;
}

// Pulls one buffer if there is one; empty vector otherwise.
inline std::vector<uint8_t> pull_bytes(GstHarness* h) {
  GstBuffer* buffer = gst_harness_try_pull(h);
  if (!buffer) return {};
  std::vector<uint8_t> bytes = to_bytes(buffer);
  gst_buffer_unref(buffer);
  return bytes;
}

inline std::string key_hex(const std::vector<uint8_t>& key) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : key) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

inline GstBuffer* key_buffer(const std::vector<uint8_t>& key) {
  return to_buffer(key);
}

inline gst::KeyEventValue dtls_keys(SrtpProfile profile, DtlsRole role, uint8_t seed,
                                    uint32_t generation = 1) {
  std::vector<uint8_t> exported(SrtpKeyingMaterial::exporter_length(profile));
  for (size_t i = 0; i < exported.size(); ++i) exported[i] = static_cast<uint8_t>(seed + 7 * i);
  gst::KeyEventValue value;
  value.material = *SrtpKeyingMaterial::from_exporter(profile, exported, role, generation);
  value.origin = gst::KeyOrigin::dtls;
  return value;
}

// Runs until `done` holds, an error is posted on `pipeline`'s bus (returned as "message: debug")
// or `seconds` pass (returns "").
inline std::string wait_for(GstElement* pipeline, const std::function<bool()>& done,
                            double seconds = 10) {
  GstBus* bus = gst_element_get_bus(pipeline);
  const gint64 deadline = g_get_monotonic_time() + static_cast<gint64>(seconds * 1e6);
  std::string error_text;
  while (g_get_monotonic_time() < deadline && !done()) {
    if (GstMessage* m = gst_bus_timed_pop_filtered(bus, 20 * GST_MSECOND, GST_MESSAGE_ERROR)) {
      GError* error = nullptr;
      gchar* debug = nullptr;
      gst_message_parse_error(m, &error, &debug);
      error_text = std::string(error->message) + ": " + (debug ? debug : "");
      g_error_free(error);
      g_free(debug);
      gst_message_unref(m);
      break;
    }
  }
  gst_object_unref(bus);
  return error_text;
}

inline GstStructure* stats_of(GstElement* element) {
  GstStructure* stats = nullptr;
  g_object_get(element, "stats", &stats, nullptr);
  return stats;
}

inline guint64 drop_count(GstElement* element, const char* cause) {
  GstStructure* stats = stats_of(element);
  const GstStructure* drops = nullptr;
  guint64 count = 0;
  if (stats && gst_structure_get(stats, "drops", GST_TYPE_STRUCTURE, &drops, nullptr)) {
    gst_structure_get_uint64(drops, cause, &count);
    gst_structure_free(const_cast<GstStructure*>(drops));
  }
  if (stats) gst_structure_free(stats);
  return count;
}

// Sets an integer property on every element of `bin` (recursively) made by `factory_name`.
inline void set_on_elements_of(GstElement* bin, const char* factory_name, const char* property,
                               int value) {
  GValue item = G_VALUE_INIT;
  GstIterator* it = gst_bin_iterate_recurse(GST_BIN(bin));
  while (gst_iterator_next(it, &item) == GST_ITERATOR_OK) {
    auto* e = GST_ELEMENT(g_value_get_object(&item));
    GstElementFactory* factory = gst_element_get_factory(e);
    if (factory && g_str_equal(GST_OBJECT_NAME(factory), factory_name)) {
      g_object_set(e, property, value, nullptr);
    }
    g_value_reset(&item);
  }
  g_value_unset(&item);
  gst_iterator_free(it);
}

// What crosses a pad: buffer lists (and the packets in them) and single SRTP/SRTCP buffers
// (RFC 7983 §7: first byte 128-191; DTLS datagrams are not counted).
struct ListCounts {
  std::atomic<guint> lists{0};
  std::atomic<guint> packets_in_lists{0};
  std::atomic<guint> largest_list{0};
  std::atomic<guint> single_srtp{0};

  void watch(GstPad* pad) {
    gst_pad_add_probe(
        pad,
        static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
        [](GstPad*, GstPadProbeInfo* info, gpointer data) {
          auto* c = static_cast<ListCounts*>(data);
          if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
            const guint length = gst_buffer_list_length(GST_PAD_PROBE_INFO_BUFFER_LIST(info));
            ++c->lists;
            c->packets_in_lists += length;
            if (length > c->largest_list) c->largest_list = length;
          } else {
            guint8 first = 0;
            gst_buffer_extract(GST_PAD_PROBE_INFO_BUFFER(info), 0, &first, 1);
            if (first >= 128 && first <= 191) ++c->single_srtp;
          }
          return GST_PAD_PROBE_OK;
        },
        this, nullptr);
  }
};

// Runs every test, then asks GStreamer's leaks tracer (GST_TRACERS=leaks, set by
// tests/gst/meson.build) for objects still alive: a leaked buffer, event, caps or element fails the
// program. (LeakSanitizer cannot serve here: the registry scan loads every system plugin, and some
// of those leak.)
// A test process exits while GStreamer's threads (the system clock's, which runs DTLS timers) may
// still be inside OpenSSL; OpenSSL's own atexit cleanup would then free its state under them (seen
// once as a SEGV in OPENSSL_cleanup at the exit of dtls_fail_closed_test under ASan). The process
// ends anyway: no cleanup at exit. Runs before main, ahead of any OpenSSL use.
inline const bool kOpenSslWithoutAtexitCleanup =
    OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, nullptr) == 1;

inline int run_all_tests_checking_gst_leaks() {
  int result = RUN_ALL_TESTS();
  // A task's thread may still be returning to the pool after its pipeline went to NULL: wait for
  // every one, so a finished GstTask is not taken for a leak (dtls_srtp_bins_test, 1 run in 7).
  gst_task_cleanup_all();
  // Threads that are not ours to join (GLib's shared pool, the system clock's) may still be
  // returning a reference they took just before the last test ended. Give them a moment: a leak is
  // what is still alive after it, and nothing in these programs is released later than that.
  g_usleep(250 * 1000);
  GList* tracers = gst_tracing_get_active_tracers();
  for (GList* l = tracers; l; l = l->next) {
    GstTracer* tracer = GST_TRACER(l->data);
    if (g_strcmp0(G_OBJECT_TYPE_NAME(tracer), "GstLeaksTracer") != 0) continue;
    GstStructure* live = nullptr;
    g_signal_emit_by_name(tracer, "get-live-objects", &live);
    const GValue* leaks = live ? gst_structure_get_value(live, "live-objects-list") : nullptr;
    const guint count = leaks ? gst_value_list_get_size(leaks) : 0;
    if (count > 0) {
      gchar* text = gst_structure_to_string(live);
      std::fprintf(stderr, "GStreamer objects leaked: %u\n%s\n", count, text);
      g_free(text);
      result = 1;
    } else if (live) {
      // Only when empty: freeing a list of leaked objects trips GStreamer's own checks.
      gst_structure_free(live);
    }
  }
  g_list_free_full(tracers, gst_object_unref);
  return result;
}

}  // namespace secmedia::test
