// SPDX-License-Identifier: LGPL-2.1-or-later
// Handshake time and memory of the dtlsenc and dtlsdec elements, ours against gst-plugins-bad's
// (the incumbent), two peers in one pipeline joined in memory:
//   dtlsenc(A, is-client) ! dtlsdec(B)      dtlsenc(B) ! dtlsdec(A)
// paired by connection-id (A's two elements share one, B's another; each decoder is made before its
// encoder, as gst-plugins-bad's needs). Nothing else is in the pipeline: no media, no sinks.
//   handshake  a fresh pipeline with fresh connection-ids, timed from set_state(PLAYING) until
//              on-key-received has fired on both dtlsdec (both peers hold their SRTP keys);
//              then every element must report connection-state connected (4). Median over all runs.
//              A's dtlsenc (the client) is set to PLAYING right after the pipeline, inside the
//              timing: gst-plugins-bad's dtlsdec fails on a ClientHello that arrives before its own
//              dtlsenc has started the association, which the pipeline's order alone allows.
//   memory     K such pipelines connected and kept alive: the heap they hold (mallinfo2: uordblks +
//              hblkhd, every arena), less K empty pipelines', per connection side (one peer: its
//              dtlsenc, its dtlsdec and their association).
// What each handshake includes differs by design, and is part of what is compared:
//   ours             generates an ECDSA P-256 certificate per association (two per handshake, in
//                    READY_TO_PAUSED of each dtlsenc);
//   gst-plugins-bad  generates one RSA-2048 certificate per process (when the first dtlsdec is
//                    made: outside the timing, in the warm-up) and signs with RSA in every
//                    handshake.
// --with-pem-run adds an informational run of ours given one certificate for every association (the
// same `pem` on every dtlsdec), the only way the element interface offers to share an identity.
// Both plugins are libgstdtls.so, so each side runs in its own worker process (this program with
// --worker) with its own GST_PLUGIN_PATH and registry; the driver (no --worker) runs the
// sides in random order for several rounds and prints a table, RATIO lines (ours / gst-plugins-bad:
// median handshake time, CPU per handshake, heap per side; lower is better for us) and one STATE
// line (heap per connection side). Entry
// point: tests/bench/run.sh.
#include <glib.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "bench_gst_support.h"
#include "ratio_figure.h"

#ifndef SECMEDIA_GST_PLUGIN_DIR
#error "SECMEDIA_GST_PLUGIN_DIR must name the build directory of our libgstdtls.so"
#endif

namespace {

using Clock = std::chrono::steady_clock;

constexpr double kTimeoutSeconds = 10;

struct Options {
  bool worker = false;
  // Five rounds, each running one worker per side in an order drawn at random, so that a slow
  // drift of a shared machine falls on both.
  int rounds = 5;
  int handshakes = 40;  // worker: timed handshakes (fresh pipelines)
  int warm_up = 10;     // worker: untimed first (plugin loading, gst-plugins-bad's certificate)
  int memory = 50;      // worker: connected pipelines alive at once for the heap; 0: none
  bool shared_certificate = false;  // worker, ours only: one `pem` for every association
  bool with_pem_run = false;        // driver: the shared-certificate run of ours as well
};

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "dtls_element_bench: %s\n", why.c_str());
  std::exit(1);
}

// ---------------------------------------------------------------------------------------------
// Worker: one process, one plugin set.

double seconds_since(Clock::time_point start, Clock::time_point end) {
  return std::chrono::duration<double>(end - start).count();
}

// CPU time of the whole process (every thread): what a handshake costs, whatever else the machine
// runs meanwhile.
double process_cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

// What the signal handlers saw, written from the streaming and timer threads.
struct Keys {
  std::mutex lock;
  std::condition_variable changed;
  int decoders = 0;
  int encoders = 0;
  Clock::time_point last_decoder{};
  Clock::time_point last_any{};
};

struct Handler {
  Keys* keys;
  bool decoder;
};

void on_key_received(GstElement*, gpointer data) {
  const auto now = Clock::now();
  const auto* handler = static_cast<const Handler*>(data);
  Keys& keys = *handler->keys;
  {
    std::lock_guard guard(keys.lock);
    if (handler->decoder) {
      ++keys.decoders;
      keys.last_decoder = std::max(keys.last_decoder, now);
    } else {
      ++keys.encoders;
    }
    keys.last_any = std::max(keys.last_any, now);
  }
  keys.changed.notify_all();
}

GstElement* make_element(const char* factory) {
  GstElement* element = gst_element_factory_make(factory, nullptr);
  if (!element) die(std::string("no element ") + factory);
  return element;
}

void link(GstElement* from, GstElement* to) {
  GstPad* src = gst_element_get_static_pad(from, "src");
  GstPad* sink = gst_element_get_static_pad(to, "sink");
  if (!src || !sink || gst_pad_link(src, sink) != GST_PAD_LINK_OK) {
    die(std::string("cannot link ") + GST_ELEMENT_NAME(from) + " to " + GST_ELEMENT_NAME(to));
  }
  gst_object_unref(src);
  gst_object_unref(sink);
}

// Two peers, A (client) and B, joined in memory.
class Call {
 public:
  Call(int id, const std::string& pem) : keys_(std::make_unique<Keys>()) {
    pipeline_ = gst_pipeline_new(nullptr);
    // Appended, not "a" + std::to_string(id): g++ 12 -O3 warns wrongly on that (-Wrestrict).
    std::string a = "a", b = "b";
    a += std::to_string(id);
    b += std::to_string(id);
    // gst-plugins-bad's dtlsenc finds its association through the dtlsdec of the same id: the
    // decoders first.
    elements_[kADec] = make_element("dtlsdec");
    elements_[kBDec] = make_element("dtlsdec");
    g_object_set(elements_[kADec], "connection-id", a.c_str(), nullptr);
    g_object_set(elements_[kBDec], "connection-id", b.c_str(), nullptr);
    if (!pem.empty()) {
      g_object_set(elements_[kADec], "pem", pem.c_str(), nullptr);
      g_object_set(elements_[kBDec], "pem", pem.c_str(), nullptr);
    }
    elements_[kAEnc] = make_element("dtlsenc");
    elements_[kBEnc] = make_element("dtlsenc");
    g_object_set(elements_[kAEnc], "connection-id", a.c_str(), "is-client", TRUE, nullptr);
    g_object_set(elements_[kBEnc], "connection-id", b.c_str(), nullptr);
    for (GstElement* element : elements_) gst_bin_add(GST_BIN(pipeline_), element);
    link(elements_[kAEnc], elements_[kBDec]);
    link(elements_[kBEnc], elements_[kADec]);
    // The client starts after the rest of the pipeline: gst-plugins-bad's dtlsdec fails on a
    // ClientHello that arrives before its own dtlsenc has started the association (the pipeline
    // alone may start A's dtlsenc before B's).
    gst_element_set_locked_state(elements_[kAEnc], TRUE);
    for (int i = 0; i < kElements; ++i) {
      handlers_[i] = {keys_.get(), i == kADec || i == kBDec};
      g_signal_connect(elements_[i], "on-key-received", G_CALLBACK(on_key_received), &handlers_[i]);
    }
  }
  ~Call() {
    gst_element_set_state(elements_[kAEnc], GST_STATE_NULL);
    gst_element_set_state(pipeline_, GST_STATE_NULL);
    gst_object_unref(pipeline_);
  }
  Call(const Call&) = delete;
  Call& operator=(const Call&) = delete;

  struct Times {
    double both_decoders;  // seconds from set_state(PLAYING) to the keys on both peers
    double all_four;       // ... to on-key-received on all four elements
    double set_state;      // ... to the return of set_state (the synchronous part)
    double cpu;            // process CPU time (all threads) until all four had their keys
  };

  // Starts the handshake and waits until all four elements have their keys and say connected.
  Times connect() {
    const double cpu_start = process_cpu_seconds();
    const auto start = Clock::now();
    if (gst_element_set_state(pipeline_, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE ||
        gst_element_set_state(elements_[kAEnc], GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
      die("cannot start the pipeline: " + bus_error());
    }
    const auto returned = Clock::now();
    Times times{};
    times.set_state = seconds_since(start, returned);
    const auto deadline = start + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(kTimeoutSeconds));
    {
      std::unique_lock guard(keys_->lock);
      while (keys_->decoders < 2 || keys_->encoders < 2) {
        if (Clock::now() > deadline) {
          die("no keys after " + std::to_string(kTimeoutSeconds) + " s (" +
              std::to_string(keys_->decoders) + " decoders, " + std::to_string(keys_->encoders) +
              " encoders): " + bus_error());
        }
        // Short waits: an error on the bus ends the wait too.
        keys_->changed.wait_for(guard, std::chrono::milliseconds(20));
        if (keys_->decoders < 2 || keys_->encoders < 2) {
          guard.unlock();
          check_bus();
          guard.lock();
        }
      }
      times.both_decoders = seconds_since(start, keys_->last_decoder);
      times.all_four = seconds_since(start, keys_->last_any);
      times.cpu = process_cpu_seconds() - cpu_start;
    }
    // The keys must come with a connected association on every element (not timed: the state may
    // be notified just after the signal).
    const std::string problem = secmedia::bench::wait_until_connected(elements_, deadline);
    if (!problem.empty()) die(problem);
    drain_bus();
    return times;
  }

  // Drops what the bus holds (state changes, stream status), as an application's bus watch would:
  // the memory measurement counts the connection, not messages nobody reads. An error ends the run.
  void drain_bus() {
    check_bus();
    GstBus* bus = gst_element_get_bus(pipeline_);
    while (GstMessage* message = gst_bus_pop(bus)) gst_message_unref(message);
    gst_object_unref(bus);
  }

 private:
  enum { kADec, kBDec, kAEnc, kBEnc, kElements };

  std::string bus_error() {
    GstBus* bus = gst_element_get_bus(pipeline_);
    std::string why = "no error message";
    if (GstMessage* message = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR)) {
      GError* error = nullptr;
      gchar* debug = nullptr;
      gst_message_parse_error(message, &error, &debug);
      why = std::string(error->message) + " (" + (debug ? debug : "") + ")";
      g_clear_error(&error);
      g_free(debug);
      gst_message_unref(message);
    }
    gst_object_unref(bus);
    return why;
  }

  void check_bus() {
    GstBus* bus = gst_element_get_bus(pipeline_);
    GstMessage* message = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
    if (message) {
      gst_bus_post(bus, message);  // for bus_error
      gst_object_unref(bus);
      die("handshake failed: " + bus_error());
    }
    gst_object_unref(bus);
  }

  GstElement* pipeline_ = nullptr;
  GstElement* elements_[kElements] = {};
  std::unique_ptr<Keys> keys_;
  Handler handlers_[kElements] = {};
};

// Heap in use, every arena, small and mmapped blocks alike.
size_t heap_in_use() {
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

// The file each element came from, so that the driver can check each side loaded its own.
void print_plugin(const char* factory_name) {
  if (!secmedia::bench::print_plugin(factory_name)) die(std::string("no element ") + factory_name);
}

// One certificate and key in PEM, made by a throwaway dtlsdec (reading `pem` gives the one in use).
std::string one_pem() {
  GstElement* dec = make_element("dtlsdec");
  gst_object_ref_sink(dec);
  gchar* pem = nullptr;
  g_object_get(dec, "pem", &pem, nullptr);
  const std::string result = pem ? pem : "";
  g_free(pem);
  gst_object_unref(dec);
  if (result.find("PRIVATE KEY") == std::string::npos) die("dtlsdec gave no private key in pem");
  return result;
}

// K connected pipelines at once: bytes per connection side, net of K empty pipelines.
void measure_memory(int count, int& next_id, const std::string& pem) {
  // The streaming threads of the timed runs go back to GLib's shared pool after half a second idle,
  // and those beyond its few spare ones end, freeing their thread-local state (OpenSSL's among it):
  // let that happen before, not while, the heap is measured. Each dtlsenc's streaming thread is
  // then a new one, whose state counts for its side, in both plugins.
  g_usleep(1500 * 1000);
  const size_t before_empty = heap_in_use();
  std::vector<GstElement*> empty;
  for (int i = 0; i < count; ++i) {
    empty.push_back(gst_pipeline_new(nullptr));
    gst_element_set_state(empty.back(), GST_STATE_PLAYING);
    GstBus* bus = gst_element_get_bus(empty.back());
    while (GstMessage* message = gst_bus_pop(bus)) gst_message_unref(message);
    gst_object_unref(bus);
  }
  const size_t with_empty = heap_in_use();
  for (GstElement* pipeline : empty) {
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(pipeline);
  }
  const double empty_bytes = static_cast<double>(with_empty) - static_cast<double>(before_empty);

  const size_t before = heap_in_use();
  std::vector<std::unique_ptr<Call>> calls;
  for (int i = 0; i < count; ++i) {
    calls.push_back(std::make_unique<Call>(next_id++, pem));
    calls.back()->connect();
  }
  // The last datagrams of the last handshake settle (a task thread may still hold a buffer).
  g_usleep(100 * 1000);
  for (auto& call : calls) call->drain_bus();
  const size_t after = heap_in_use();
  calls.clear();
  const double gross = static_cast<double>(after) - static_cast<double>(before);
  const double sides = 2.0 * count;
  std::printf("RESULT memory %.0f %.0f\n", (gross - empty_bytes) / sides, gross / sides);
}

int worker(const Options& options) {
  gst_init(nullptr, nullptr);
  print_plugin("dtlsenc");
  print_plugin("dtlsdec");
  const std::string pem = options.shared_certificate ? one_pem() : std::string();

  int next_id = 0;
  for (int i = 0; i < options.warm_up; ++i) Call(next_id++, pem).connect();
  for (int i = 0; i < options.handshakes; ++i) {
    Call::Times times;
    {
      Call call(next_id++, pem);
      times = call.connect();
    }  // torn down outside the timing
    std::printf("RESULT handshake %.4f %.4f %.4f %.4f\n", times.both_decoders * 1e3,
                times.all_four * 1e3, times.set_state * 1e3, times.cpu * 1e3);
  }
  if (options.memory > 0) measure_memory(options.memory, next_id, pem);
  std::fflush(stdout);
  std::fflush(stderr);
  // No gst_deinit() and no exit handlers: OpenSSL's (OPENSSL_cleanup) races with the streaming
  // threads GLib's pool is still retiring, whose thread-local OpenSSL state is freed as they end
  // (seen as "double free or corruption" about once in a hundred runs). All is printed by now.
  std::_Exit(0);
}

// ---------------------------------------------------------------------------------------------
// Driver: the sides in worker processes in random order, then the table, RATIO and STATE.

enum class Side { ours, gst_plugins_bad, ours_shared_certificate };

const char* side_name(Side side) {
  switch (side) {
    case Side::ours:
      return "ours";
    case Side::gst_plugins_bad:
      return "gst-plugins-bad";
    case Side::ours_shared_certificate:
      return "ours-one-pem";
  }
  return "?";
}

bool is_ours(Side side) {
  return side != Side::gst_plugins_bad;
}

struct Samples {
  std::vector<double> both_decoders, all_four, set_state, cpu;  // ms
  std::vector<double> memory_net, memory_gross;                 // bytes per side
  std::string plugins;
};

struct Driver {
  std::string plugin_dir;  // where our libgstdtls.so is
  std::string scratch;     // the private registries
  std::string self;        // this program, run again as the worker

  std::vector<std::string> environment(Side side) const {
    std::vector<std::string> env;
    gchar** current = g_get_environ();
    for (gchar** e = current; *e; ++e) {
      const std::string_view entry = *e;
      // Whatever plugin path or registry the caller has would decide which dtls plugin loads.
      if (entry.starts_with("GST_PLUGIN_PATH=") || entry.starts_with("GST_PLUGIN_PATH_1_0=") ||
          entry.starts_with("GST_REGISTRY=") || entry.starts_with("GST_REGISTRY_1_0=")) {
        continue;
      }
      env.emplace_back(entry);
    }
    g_strfreev(current);
    if (is_ours(side)) {
      env.push_back("GST_PLUGIN_PATH=" + plugin_dir);
      env.push_back("GST_REGISTRY=" + scratch + "/registry-ours.bin");
    } else {
      env.push_back("GST_REGISTRY=" + scratch + "/registry-bad.bin");
    }
    return env;
  }

  // Runs one worker; returns its stdout, or exits with its stderr if it failed.
  std::string run_worker(Side side, const std::vector<std::string>& worker_args) const {
    std::vector<std::string> argv_strings = {self, "--worker"};
    argv_strings.insert(argv_strings.end(), worker_args.begin(), worker_args.end());
    if (side == Side::ours_shared_certificate) argv_strings.emplace_back("--shared-certificate");
    std::vector<gchar*> argv;
    for (auto& a : argv_strings) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env = environment(side);
    std::vector<gchar*> envp;
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    gchar* out = nullptr;
    gchar* err = nullptr;
    gint status = -1;
    GError* error = nullptr;
    if (!g_spawn_sync(nullptr, argv.data(), envp.data(), G_SPAWN_DEFAULT, nullptr, nullptr, &out,
                      &err, &status, &error)) {
      die(std::string("cannot run the worker: ") + error->message);
    }
    const std::string output = out ? out : "";
    const std::string errors = err ? err : "";
    g_free(out);
    g_free(err);
    if (!g_spawn_check_wait_status(status, nullptr)) {
      die(std::string(side_name(side)) + " worker failed:\n" + errors);
    }
    return output;
  }
};

// Parses a worker's output into `samples` and checks which plugin file it loaded.
void collect(const Driver& driver, Side side, const std::string& output, Samples& samples) {
  std::istringstream lines(output);
  std::string line;
  const std::string ours_file = driver.plugin_dir + "/libgstdtls.so";
  samples.plugins.clear();
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string tag, kind;
    fields >> tag;
    if (tag == "PLUGIN") {
      std::string factory, file, version;
      fields >> factory >> file >> version;
      if ((file == ours_file) != is_ours(side)) {
        die(std::string(side_name(side)) + " loaded " + factory + " from " + file);
      }
      samples.plugins += " " + factory + "=" + file + " (" + version + ")";
    } else if (tag == "RESULT" && (fields >> kind) && kind == "handshake") {
      double both = 0, all = 0, set_state = 0, cpu = 0;
      if (!(fields >> both >> all >> set_state >> cpu)) die("bad worker line: " + line);
      samples.cpu.push_back(cpu);
      samples.both_decoders.push_back(both);
      samples.all_four.push_back(all);
      samples.set_state.push_back(set_state);
    } else if (tag == "RESULT" && kind == "memory") {
      double net = 0, gross = 0;
      if (!(fields >> net >> gross)) die("bad worker line: " + line);
      samples.memory_net.push_back(net);
      samples.memory_gross.push_back(gross);
    }
  }
}

using secmedia::bench::quantile;

double median(const std::vector<double>& values) {
  return quantile(values, 0.5);
}

void print_report(const Options& options, const std::map<Side, Samples>& by_side) {
  std::printf(
      "# dtls-element: ms per handshake from set_state(PLAYING) to on-key-received on both "
      "dtlsdec, two peers in one pipeline; %d rounds of %d fresh pipelines per side in random "
      "order\n",
      options.rounds, options.handshakes);
  std::printf("# %-20s %5s %8s %8s %8s %8s %9s %9s %8s %11s %11s\n", "side", "runs", "median",
              "p10", "p90", "min", "all-four", "set_state", "cpu", "bytes/side", "gross/side");
  bool noisy = false;
  for (const auto& [side, s] : by_side) {
    std::printf("  %-20s %5zu %8.3f %8.3f %8.3f %8.3f %9.3f %9.3f %8.3f %11.0f %11.0f\n",
                side_name(side), s.both_decoders.size(), median(s.both_decoders),
                quantile(s.both_decoders, 0.1), quantile(s.both_decoders, 0.9),
                quantile(s.both_decoders, 0), median(s.all_four), median(s.set_state),
                median(s.cpu), median(s.memory_net), median(s.memory_gross));
    if (quantile(s.both_decoders, 0.5) > 1.5 * quantile(s.both_decoders, 0.1)) noisy = true;
  }
  std::printf(
      "# all-four: to on-key-received on both dtlsenc too; set_state: the synchronous part (ours "
      "generates both certificates there); cpu: process CPU time (all threads) per handshake\n"
      "# bytes/side: heap held per connection side (dtlsenc + dtlsdec + association) with %d "
      "connected pipelines alive, net of as many empty pipelines (gross/side: not net)\n"
      "# certificates: ours makes an ECDSA P-256 one per association, inside the timing; "
      "gst-plugins-bad one RSA-2048 per process, outside it\n",
      options.memory);
  if (by_side.contains(Side::ours_shared_certificate)) {
    std::printf(
        "# ours-one-pem: ours with the same pem on every dtlsdec (each association still parses "
        "it and makes an SSL_CTX of its own)\n");
  }
  const Samples& ours = by_side.at(Side::ours);
  const Samples& bad = by_side.at(Side::gst_plugins_bad);
  std::printf("# ratios by p10 %.2f and by cpu %.2f (less sensitive to a busy machine)\n",
              quantile(ours.both_decoders, 0.1) / quantile(bad.both_decoders, 0.1),
              median(ours.cpu) / median(bad.cpu));
  if (noisy) {
    std::printf(
        "# warning: a median is over 1.5x its p10: the machine was busy, the median ratio is "
        "unreliable\n");
  }
  secmedia::bench::print_ratio("dtls-element", "handshake",
                               secmedia::bench::ratio_of(ours.both_decoders, bad.both_decoders),
                               "gst-plugins-bad");
  secmedia::bench::print_ratio("dtls-element", "handshake-cpu",
                               secmedia::bench::ratio_of(ours.cpu, bad.cpu), "gst-plugins-bad");
  if (options.memory > 0) {
    std::printf("STATE dtls-element bytes-per-side ours=%.0f gst-plugins-bad=%.0f\n",
                median(ours.memory_net), median(bad.memory_net));
    secmedia::bench::print_ratio("dtls-element", "heap-per-side",
                                 secmedia::bench::ratio_of(ours.memory_net, bad.memory_net),
                                 "gst-plugins-bad");
  }
}

int drive(const Options& options) {
  Driver driver;
  const char* dir = std::getenv("SECMEDIA_GST_PLUGIN_DIR");
  driver.plugin_dir = dir && *dir ? dir : SECMEDIA_GST_PLUGIN_DIR;
  if (!g_file_test((driver.plugin_dir + "/libgstdtls.so").c_str(), G_FILE_TEST_EXISTS)) {
    die("our plugin is not built: " + driver.plugin_dir + "/libgstdtls.so");
  }
  gchar* self = g_file_read_link("/proc/self/exe", nullptr);
  if (!self) die("cannot find this program's path");
  driver.self = self;
  g_free(self);
  gchar* scratch = g_dir_make_tmp("secmedia-dtls-element-bench-XXXXXX", nullptr);
  if (!scratch) die("cannot make a scratch directory");
  driver.scratch = scratch;
  g_free(scratch);

  const std::vector<std::string> worker_args = {
      "--handshakes=" + std::to_string(options.handshakes),
      "--warm-up=" + std::to_string(options.warm_up),
      "--memory=" + std::to_string(options.memory),
  };
  std::vector<Side> sides = {Side::ours, Side::gst_plugins_bad};
  if (options.with_pem_run) sides.push_back(Side::ours_shared_certificate);
  std::map<Side, Samples> by_side;
  std::random_device device;
  std::mt19937 random(device());
  for (int round = 0; round < options.rounds; ++round) {
    // The sides in an order drawn at random each round: drift of the machine falls on all alike.
    std::vector<Side> order = sides;
    std::shuffle(order.begin(), order.end(), random);
    for (const Side side : order) {
      collect(driver, side, driver.run_worker(side, worker_args), by_side[side]);
    }
  }
  for (const auto& [side, s] : by_side) {
    std::printf("# %s:%s\n", side_name(side), s.plugins.c_str());
  }
  print_report(options, by_side);
  std::fflush(stdout);

  for (const char* file : {"/registry-ours.bin", "/registry-bad.bin"}) {
    g_remove((driver.scratch + file).c_str());
  }
  g_rmdir(driver.scratch.c_str());
  return 0;
}

int parse_count(std::string_view value, std::string_view what, int minimum) {
  int n = 0;
  for (char c : value) {
    if (c < '0' || c > '9' || n > 1000000) {
      die("not a number for " + std::string(what) + ": " + std::string(value));
    }
    n = n * 10 + (c - '0');
  }
  if (value.empty() || n < minimum) {
    die(std::string(what) + " must be at least " + std::to_string(minimum));
  }
  return n;
}

constexpr const char* kUsage =
    "usage: dtls_element_bench [--rounds=N] [--handshakes=N] [--warm-up=N] [--memory=K]\n"
    "                          [--with-pem-run]\n"
    "         ours against gst-plugins-bad's, each side in its own worker processes\n"
    "       dtls_element_bench --worker [--handshakes=N] [--warm-up=N] [--memory=K]\n"
    "                          [--shared-certificate]\n"
    "         one process, the plugins GStreamer finds (GST_PLUGIN_PATH): to profile one side\n"
    "--memory=K: K connected pipelines alive at once for the heap per side (0: no memory run)\n"
    "--shared-certificate: one pem for every dtlsdec (ours; gst-plugins-bad does it by itself)\n"
    "--with-pem-run: also ours with one pem for every association (ours-one-pem, for "
    "information)\n";

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const size_t eq = arg.find('=');
    const std::string_view name = arg.substr(0, eq);
    const std::string_view value = eq == std::string_view::npos ? "" : arg.substr(eq + 1);
    if (arg == "--worker") {
      options.worker = true;
    } else if (arg == "--shared-certificate") {
      options.shared_certificate = true;
    } else if (arg == "--with-pem-run") {
      options.with_pem_run = true;
    } else if (name == "--rounds") {
      options.rounds = parse_count(value, name, 1);
    } else if (name == "--handshakes") {
      options.handshakes = parse_count(value, name, 0);
    } else if (name == "--warm-up") {
      options.warm_up = parse_count(value, name, 0);
    } else if (name == "--memory") {
      options.memory = parse_count(value, name, 0);
    } else if (arg == "--help") {
      std::printf("%s", kUsage);
      std::exit(0);
    } else {
      die("unknown argument " + std::string(arg) + "\n" + kUsage);
    }
  }
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse(argc, argv);
  return options.worker ? worker(options) : drive(options);
}
