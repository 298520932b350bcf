// N DTLS-SRTP associations in one pipeline (issue 15): for each, two sides
//   dtlsdec(A) dtlsenc(A, is-client) ! dtlsdec(B)      dtlsdec(B) dtlsenc(B) ! dtlsdec(A)
// paired by connection-id, no media, no sinks. Measures the time from set_state(PLAYING) until
// on-key-received has fired on every dtlsdec (all 2N sides hold keys), the threads of the process
// (/proc/self/task) once all are connected, and the heap (mallinfo2: uordblks + hblkhd) and RSS that
// the N associations hold, per side.
//
// Runs against whichever libgstdtls.so GStreamer finds: ours with GST_PLUGIN_PATH set to the build's
// gst/ directory, gst-plugins-bad's without it. The client dtlsenc are started after the rest of the
// pipeline (gst-plugins-bad's dtlsdec fails on a ClientHello that arrives before its own dtlsenc
// started), as tests/bench/dtls_element_bench.cpp does.
//
//   dtls_scale [--n N] [--timeout SECONDS] [--check]
// prints one line: "n=.. create_ms=.. connect_ms=.. threads=.. threads_before=.. heap_per_side=.. rss_per_side=..".
// --check (the test at small N): exit status 1 unless every side of every association connected and
// both elements of every side received keys.
#include <gst/gst.h>
#include <malloc.h>
#include <unistd.h>

#include <dirent.h>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kConnected = 4;  // connection-state "connected" in both plugins

size_t thread_count() {
  size_t count = 0;
  if (DIR* dir = opendir("/proc/self/task")) {
    while (dirent* entry = readdir(dir)) {
      if (entry->d_name[0] != '.') ++count;
    }
    closedir(dir);
  }
  return count;
}

size_t heap_bytes() {
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

size_t rss_bytes() {
  long pages = 0, resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return static_cast<size_t>(resident) * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

GstElement* make(const char* factory) {
  GstElement* element = gst_element_factory_make(factory, nullptr);
  if (!element) {
    std::fprintf(stderr, "dtls_scale: no element %s\n", factory);
    std::exit(2);
  }
  return element;
}

struct Calls {
  GstElement* pipeline = nullptr;
  std::vector<GstElement*> decoders, encoders, clients;
  std::atomic<int> decoder_keys{0}, encoder_keys{0};

  Calls(int n, const std::string& prefix) {
    pipeline = gst_pipeline_new(nullptr);
    for (int i = 0; i < n; ++i) {
      const std::string a = prefix + "a" + std::to_string(i), b = prefix + "b" + std::to_string(i);
      // Each decoder before its encoder, as gst-plugins-bad's needs.
      GstElement* adec = make("dtlsdec");
      g_object_set(adec, "connection-id", a.c_str(), nullptr);
      GstElement* aenc = make("dtlsenc");
      g_object_set(aenc, "connection-id", a.c_str(), "is-client", TRUE, nullptr);
      GstElement* bdec = make("dtlsdec");
      g_object_set(bdec, "connection-id", b.c_str(), nullptr);
      GstElement* benc = make("dtlsenc");
      g_object_set(benc, "connection-id", b.c_str(), nullptr);
      gst_bin_add_many(GST_BIN(pipeline), adec, aenc, bdec, benc, nullptr);
      if (!gst_element_link(aenc, bdec) || !gst_element_link(benc, adec)) {
        std::fprintf(stderr, "dtls_scale: cannot link\n");
        std::exit(2);
      }
      gst_element_set_locked_state(aenc, TRUE);
      for (GstElement* d : {adec, bdec}) {
        g_signal_connect(d, "on-key-received", G_CALLBACK(+[](GstElement*, gpointer count) {
                           ++*static_cast<std::atomic<int>*>(count);
                         }),
                         &decoder_keys);
        decoders.push_back(d);
      }
      for (GstElement* e : {aenc, benc}) {
        g_signal_connect(e, "on-key-received", G_CALLBACK(+[](GstElement*, gpointer count) {
                           ++*static_cast<std::atomic<int>*>(count);
                         }),
                         &encoder_keys);
        encoders.push_back(e);
      }
      clients.push_back(aenc);
    }
  }
  ~Calls() {
    for (GstElement* client : clients) gst_element_set_state(client, GST_STATE_NULL);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(pipeline);
  }

  bool play() {
    if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
      return false;
    for (GstElement* client : clients) {
      if (gst_element_set_state(client, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
        return false;
    }
    return true;
  }

  // Until every dtlsdec has its keys, or an error, or the deadline; false unless all did.
  bool wait(double seconds) {
    GstBus* bus = gst_element_get_bus(pipeline);
    const auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
    bool ok = true;
    while (decoder_keys.load() < static_cast<int>(decoders.size())) {
      if (Clock::now() > deadline) {
        ok = false;
        break;
      }
      if (GstMessage* m = gst_bus_timed_pop_filtered(bus, 2 * GST_MSECOND, GST_MESSAGE_ERROR)) {
        GError* error = nullptr;
        gst_message_parse_error(m, &error, nullptr);
        std::fprintf(stderr, "dtls_scale: error from %s: %s\n", GST_MESSAGE_SRC_NAME(m),
                     error->message);
        g_error_free(error);
        gst_message_unref(m);
        ok = false;
        break;
      }
    }
    gst_object_unref(bus);
    return ok;
  }

  int connected_elements() {
    int count = 0;
    for (auto* list : {&decoders, &encoders}) {
      for (GstElement* e : *list) {
        int state = -1;
        g_object_get(e, "connection-state", &state, nullptr);
        count += state == kConnected;
      }
    }
    return count;
  }
};

}  // namespace

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  int n = 100;
  double timeout = 60;
  bool check = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--n") && i + 1 < argc) {
      n = std::atoi(argv[++i]);
    } else if (!std::strcmp(argv[i], "--timeout") && i + 1 < argc) {
      timeout = std::atof(argv[++i]);
    } else if (!std::strcmp(argv[i], "--check")) {
      check = true;
    } else {
      std::fprintf(stderr, "usage: dtls_scale [--n N] [--timeout SECONDS] [--check]\n");
      return 2;
    }
  }
  // Warm-up, untimed: the plugin loaded, a process-wide default certificate made.
  {
    Calls warm(1, "warm-");
    if (!warm.play() || !warm.wait(timeout)) {
      std::fprintf(stderr, "dtls_scale: the warm-up association did not connect\n");
      return 1;
    }
  }
  malloc_trim(0);
  const size_t threads_before = thread_count();
  const size_t heap_before = heap_bytes(), rss_before = rss_bytes();
  const auto created_at = Clock::now();
  Calls calls(n, "scale-");
  const double create_ms =
      std::chrono::duration<double, std::milli>(Clock::now() - created_at).count();
  const auto start = Clock::now();
  const bool played = calls.play();
  const bool all = played && calls.wait(timeout);
  const double connect_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  // Encoders report their keys a moment after the decoders.
  const auto settle = Clock::now() + std::chrono::seconds(5);
  while (calls.encoder_keys.load() < static_cast<int>(calls.encoders.size()) &&
         Clock::now() < settle) {
    g_usleep(1000);
  }
  const size_t threads = thread_count();
  const size_t heap = heap_bytes(), rss = rss_bytes();
  const int connected = calls.connected_elements();
  const double sides = 2.0 * n;
  std::printf(
      "n=%d connected=%s create_ms=%.1f connect_ms=%.1f threads=%zu threads_before=%zu "
      "heap_per_side=%.0f "
      "rss_per_side=%.0f decoder_keys=%d encoder_keys=%d connected_elements=%d\n",
      n, all ? "all" : "NOT-ALL", create_ms, connect_ms, threads, threads_before,
      (static_cast<double>(heap) - static_cast<double>(heap_before)) / sides,
      (static_cast<double>(rss) - static_cast<double>(rss_before)) / sides,
      calls.decoder_keys.load(), calls.encoder_keys.load(), connected);
  std::fflush(stdout);
  if (check) {
    const int elements = 4 * n;
    if (!all || calls.encoder_keys.load() != 2 * n || connected != elements) return 1;
  }
  return 0;
}
