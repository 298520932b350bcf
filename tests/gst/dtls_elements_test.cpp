// SPDX-License-Identifier: LGPL-2.1-or-later
// dtlsenc and dtlsdec with srtpenc and srtpdec, two peers in one process: every profile, both
// roles, fingerprints that match and that do not, lost handshake datagrams (netsim), late linking
// of srtpenc, restart, EOS and close_notify, application data both ways. No glue code: keys travel
// as pad events.
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gst_test_support.h"
#include "secmedia/dtls.h"

namespace secmedia {
namespace {

std::atomic<int> next_id{0};

// Peer A sends raw video to peer B; B only answers the handshake (its dtlsenc has nothing on sink).
struct Call {
  GstElement* pipeline = nullptr;
  std::atomic<guint> received{0};
  std::string a, b;  // connection ids

  explicit Call(const std::string& a_options = "", const std::string& b_options = "",
                const std::string& link_a_to_b = "", const std::string& link_b_to_a = "",
                bool with_media = true) {
    const int id = next_id++;
    a = "a" + std::to_string(id);
    b = "b" + std::to_string(id);
    const std::string media =
        with_media ? "videotestsrc is-live=true ! video/x-raw,width=64,height=48,framerate=30/1 ! "
                     "rtpvrawpay ! srtpenc name=srtpenc ! "
                   : "";
    const std::string description =
        media + "dtlsenc name=aenc connection-id=" + a + " retransmission-timeout=50 " + a_options +
        " ! " + link_a_to_b + " dtlsdec name=bdec connection-id=" + b +
        " ! srtpdec name=bsrtp ! fakesink name=bsink sync=false async=false "
        "dtlsenc name=benc connection-id=" +
        b + " retransmission-timeout=50 " + b_options + " ! " + link_b_to_a +
        " dtlsdec name=adec connection-id=" + a + " ! srtpdec ! fakesink sync=false async=false";
    GError* error = nullptr;
    pipeline = gst_parse_launch(description.c_str(), &error);
    EXPECT_NE(pipeline, nullptr) << (error ? error->message : "") << "\n" << description;
    if (error) g_error_free(error);
    GstElement* sink = element("bsink");
    GstPad* pad = gst_element_get_static_pad(sink, "sink");
    gst_pad_add_probe(
        pad, GST_PAD_PROBE_TYPE_BUFFER,
        [](GstPad*, GstPadProbeInfo*, gpointer data) {
          ++*static_cast<std::atomic<guint>*>(data);
          return GST_PAD_PROBE_OK;
        },
        &received, nullptr);
    gst_object_unref(pad);
    gst_object_unref(sink);
  }
  ~Call() {
    if (pipeline) {
      gst_element_set_state(pipeline, GST_STATE_NULL);
      gst_object_unref(pipeline);
    }
  }

  GstElement* element(const char* name) { return gst_bin_get_by_name(GST_BIN(pipeline), name); }

  int state_of(const char* name) {
    GstElement* e = element(name);
    int state = -1;
    g_object_get(e, "connection-state", &state, nullptr);
    gst_object_unref(e);
    return state;
  }

  std::string string_property(const char* name, const char* property) {
    GstElement* e = element(name);
    gchar* value = nullptr;
    g_object_get(e, property, &value, nullptr);
    gst_object_unref(e);
    std::string result = value ? value : "";
    g_free(value);
    return result;
  }

  void set(const char* name, const char* property, const std::string& value) {
    GstElement* e = element(name);
    g_object_set(e, property, value.c_str(), nullptr);
    gst_object_unref(e);
  }

  // Waits until `done` holds, an error is posted (returned as text) or `seconds` pass.
  std::string wait(const std::function<bool()>& done, double seconds = 10) {
    return test::wait_for(pipeline, done, seconds);
  }

  bool play() {
    return gst_element_set_state(pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE;
  }
};

constexpr int kConnected = 4;

class DtlsElementProfiles : public ::testing::TestWithParam<std::tuple<const char*, bool>> {};

TEST_P(DtlsElementProfiles, MediaFlowsUnderTheNegotiatedProfile) {
  const auto& [profile, a_is_client] = GetParam();
  Call call(std::string("srtp-profiles=") + profile + " is-client=" + (a_is_client ? "1" : "0"),
            std::string("is-client=") + (a_is_client ? "0" : "1"));
  ASSERT_TRUE(call.play());
  const std::string error = call.wait([&] { return call.received >= 20; });
  ASSERT_EQ(error, "");
  EXPECT_GE(call.received.load(), 20u);
  for (const char* name : {"aenc", "adec", "benc", "bdec"}) {
    EXPECT_EQ(call.state_of(name), kConnected) << name;
    EXPECT_EQ(call.string_property(name, "srtp-profile"), profile) << name;
  }
}

INSTANTIATE_TEST_SUITE_P(
    EveryProfileBothRoles, DtlsElementProfiles,
    ::testing::Combine(::testing::Values("SRTP_AEAD_AES_128_GCM", "SRTP_AEAD_AES_256_GCM",
                                         "SRTP_AES128_CM_SHA1_80", "SRTP_AES128_CM_SHA1_32"),
                       ::testing::Bool()),
    [](const auto& test_info) {
      return std::string(std::get<0>(test_info.param)) +
             (std::get<1>(test_info.param) ? "_a_client" : "_a_server");
    });

TEST(DtlsElements, PinnedFingerprintsConnect) {
  Call call("is-client=1");
  call.set("adec", "peer-fingerprint", call.string_property("bdec", "fingerprint"));
  call.set("bdec", "peer-fingerprint", call.string_property("adec", "fingerprint"));
  ASSERT_TRUE(call.play());
  EXPECT_EQ(call.wait([&] { return call.received >= 10; }), "");
  EXPECT_EQ(call.state_of("aenc"), kConnected);
  // Both elements of a peer show the same certificate.
  EXPECT_EQ(call.string_property("aenc", "fingerprint"),
            call.string_property("adec", "fingerprint"));
  EXPECT_NE(call.string_property("adec", "peer-pem").find("BEGIN CERTIFICATE"), std::string::npos);
}

// Regression: associations without a pem shared one process-wide certificate, so one fingerprint
// linked every call of the process.
TEST(DtlsElements, AssociationsWithoutPemPresentCertificatesOfTheirOwn) {
  Call call("is-client=1");
  const std::string a = call.string_property("adec", "fingerprint");
  const std::string b = call.string_property("bdec", "fingerprint");
  ASSERT_FALSE(a.empty());
  EXPECT_NE(a, b);
  call.set("adec", "peer-fingerprint", b);
  call.set("bdec", "peer-fingerprint", a);
  ASSERT_TRUE(call.play());
  EXPECT_EQ(call.wait([&] { return call.received >= 10; }), "");
  EXPECT_NE(call.string_property("adec", "peer-pem"), call.string_property("bdec", "peer-pem"));
}

TEST(DtlsElements, FingerprintMismatchIsAnErrorNamingBoth) {
  Call call("is-client=1");
  auto impostor = DtlsCertificate::generate(CertificateType::ecdsa_p256);
  const std::string expected = impostor->fingerprint().to_string();
  call.set("adec", "peer-fingerprint", expected);
  const std::string actual = call.string_property("bdec", "fingerprint");
  ASSERT_TRUE(call.play());
  // Both peers fail (B learns from A's alert); collect every error for a few seconds.
  std::string error;
  for (int i = 0; i < 3; ++i) error += call.wait([] { return false; }, 2) + "\n";
  EXPECT_NE(error.find("DTLS handshake failed"), std::string::npos) << error;
  EXPECT_NE(error.find(expected), std::string::npos) << error;
  EXPECT_NE(error.find(actual), std::string::npos) << error;
  EXPECT_EQ(call.received.load(), 0u) << "nothing decrypted from an unverified peer";
  // The pipeline stops cleanly after the failure.
  EXPECT_EQ(gst_element_set_state(call.pipeline, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
}

TEST(DtlsElements, LostHandshakeDatagramsAreRetransmitted) {
  Call call("is-client=1 handshake-timeout=90000", "handshake-timeout=90000",
            "netsim drop-probability=0.3 ! ", "netsim drop-probability=0.3 ! ");
  ASSERT_TRUE(call.play());
  // Each loss doubles the wait (RFC 6347 §4.2.4.1): most runs connect within a second, but the
  // tail is long (6.4 s seen in 150 runs, over 20 s once under ASan on a loaded machine).
  EXPECT_EQ(call.wait([&] { return call.received >= 10; }, 90), "");
  EXPECT_EQ(call.state_of("aenc"), kConnected);
}

TEST(DtlsElements, SrtpencLinkedAfterTheHandshakeGetsTheKeys) {
  Call call("is-client=1", "", "", "", false);
  ASSERT_TRUE(call.play());
  ASSERT_EQ(call.wait([&] { return call.state_of("aenc") == kConnected; }), "");
  GstElement* media = gst_parse_bin_from_description(
      "videotestsrc is-live=true ! video/x-raw,width=64,height=48,framerate=30/1 ! rtpvrawpay ! "
      "srtpenc",
      TRUE, nullptr);
  gst_bin_add(GST_BIN(call.pipeline), media);
  GstElement* aenc = call.element("aenc");
  ASSERT_TRUE(gst_element_link(media, aenc));
  gst_object_unref(aenc);
  gst_element_sync_state_with_parent(media);
  EXPECT_EQ(call.wait([&] { return call.received >= 10; }), "");
  EXPECT_GE(call.received.load(), 10u);
}

TEST(DtlsElements, RestartDoesANewHandshake) {
  Call call("is-client=1");
  ASSERT_TRUE(call.play());
  ASSERT_EQ(call.wait([&] { return call.received >= 5; }), "");
  gst_element_set_state(call.pipeline, GST_STATE_NULL);
  call.received = 0;
  ASSERT_TRUE(call.play());
  EXPECT_EQ(call.wait([&] { return call.received >= 5; }), "");
  EXPECT_EQ(call.state_of("bdec"), kConnected);
}

// Every handshake of an association used to key with generation 1, so a srtpdec could not tell a
// new key from the old. Two handshakes on the same connection-ids: generations 1, then 2.
TEST(DtlsElements, EachHandshakeOfAnAssociationKeysWithTheNextGeneration) {
  Call call("is-client=1");
  struct Seen {
    std::mutex lock;
    std::vector<guint> generations;
  } seen;
  GstElement* bdec = call.element("bdec");
  GstPad* pad = gst_element_get_static_pad(bdec, "src");
  gst_pad_add_probe(
      pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      [](GstPad*, GstPadProbeInfo* info, gpointer data) {
        if (auto value = gst::parse_srtp_keys_event(GST_PAD_PROBE_INFO_EVENT(info))) {
          auto* s = static_cast<Seen*>(data);
          std::lock_guard guard(s->lock);
          s->generations.push_back(value->material.generation);
        }
        return GST_PAD_PROBE_OK;
      },
      &seen, nullptr);
  gst_object_unref(pad);
  gst_object_unref(bdec);
  const auto count = [&] {
    std::lock_guard guard(seen.lock);
    return seen.generations.size();
  };
  ASSERT_TRUE(call.play());
  ASSERT_EQ(call.wait([&] { return call.received >= 5 && count() >= 1; }), "");
  gst_element_set_state(call.pipeline, GST_STATE_NULL);
  call.received = 0;
  ASSERT_TRUE(call.play());
  ASSERT_EQ(call.wait([&] { return call.received >= 5 && count() >= 2; }), "");
  std::lock_guard guard(seen.lock);
  EXPECT_EQ(seen.generations, (std::vector<guint>{1, 2}));
}

TEST(DtlsElements, EosSendsCloseNotifyWhichEndsThePeersStream) {
  const int id = next_id++;
  const std::string a = "ea" + std::to_string(id), b = "eb" + std::to_string(id);
  const std::string description =
      "videotestsrc is-live=true num-buffers=30 ! video/x-raw,width=64,height=48,framerate=30/1 ! "
      "rtpvrawpay ! srtpenc ! dtlsenc name=aenc is-client=1 connection-id=" +
      a + " ! dtlsdec name=bdec connection-id=" + b +
      " ! srtpdec ! fakesink name=bsink sync=false async=false  dtlsenc connection-id=" + b +
      " ! dtlsdec connection-id=" + a + " ! srtpdec ! fakesink sync=false async=false";
  GstElement* pipeline = gst_parse_launch(description.c_str(), nullptr);
  ASSERT_NE(pipeline, nullptr);
  // B's sink sees EOS only through B's dtlsdec, which sends it on receiving close_notify.
  GstElement* bsink = gst_bin_get_by_name(GST_BIN(pipeline), "bsink");
  GstPad* pad = gst_element_get_static_pad(bsink, "sink");
  std::atomic<bool> eos{false};
  gst_pad_add_probe(
      pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      [](GstPad*, GstPadProbeInfo* info, gpointer data) {
        if (GST_EVENT_TYPE(GST_PAD_PROBE_INFO_EVENT(info)) == GST_EVENT_EOS) {
          *static_cast<std::atomic<bool>*>(data) = true;
        }
        return GST_PAD_PROBE_OK;
      },
      &eos, nullptr);
  gst_object_unref(pad);
  gst_object_unref(bsink);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  for (int i = 0; i < 1000 && !eos; ++i) g_usleep(10000);
  EXPECT_TRUE(eos) << "no EOS after close_notify";
  GstBus* bus = gst_element_get_bus(pipeline);
  GstElement* bdec = gst_bin_get_by_name(GST_BIN(pipeline), "bdec");
  int state = -1;
  g_object_get(bdec, "connection-state", &state, nullptr);
  EXPECT_EQ(state, 1) << "closed";
  gst_object_unref(bdec);
  gst_object_unref(bus);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
}

TEST(DtlsElements, ApplicationDataBothWays) {
  const int id = next_id++;
  const std::string a = "da" + std::to_string(id), b = "db" + std::to_string(id);
  const std::string description =
      "dtlsenc name=aenc is-client=1 connection-id=" + a +
      " ! dtlsdec name=bdec connection-id=" + b +
      " ! fakesink sync=false async=false  dtlsenc name=benc connection-id=" + b +
      " ! dtlsdec name=adec connection-id=" + a +
      " ! fakesink sync=false async=false "
      "appsrc name=asrc format=time ! aenc.data_sink  bdec.data_src ! appsink name=bsink "
      "sync=false async=false  appsrc name=bsrc format=time ! benc.data_sink  adec.data_src ! "
      "appsink name=asink sync=false async=false";
  GError* error = nullptr;
  GstElement* pipeline = gst_parse_launch(description.c_str(), &error);
  ASSERT_NE(pipeline, nullptr) << (error ? error->message : "");
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  GstElement* aenc = gst_bin_get_by_name(GST_BIN(pipeline), "aenc");
  for (int i = 0; i < 500; ++i) {
    int state = 0;
    g_object_get(aenc, "connection-state", &state, nullptr);
    if (state == kConnected) break;
    g_usleep(10000);
  }
  gst_object_unref(aenc);
  auto send = [&](const char* src, const std::string& text) {
    GstElement* appsrc = gst_bin_get_by_name(GST_BIN(pipeline), src);
    GstBuffer* buffer = gst_buffer_new_memdup(text.data(), text.size());
    GstFlowReturn ret;
    g_signal_emit_by_name(appsrc, "push-buffer", buffer, &ret);
    gst_buffer_unref(buffer);
    gst_object_unref(appsrc);
  };
  auto receive = [&](const char* sink_name) {
    GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), sink_name);
    GstSample* sample = nullptr;
    g_signal_emit_by_name(sink, "try-pull-sample", 5 * GST_SECOND, &sample);
    std::string text;
    if (sample) {
      GstBuffer* buffer = gst_sample_get_buffer(sample);
      const auto bytes = test::to_bytes(buffer);
      text.assign(bytes.begin(), bytes.end());
      gst_sample_unref(sample);
    }
    gst_object_unref(sink);
    return text;
  };
  send("asrc", "hello from a");
  send("bsrc", "hello from b");
  EXPECT_EQ(receive("bsink"), "hello from a");
  EXPECT_EQ(receive("asink"), "hello from b");
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
}

// Issue 13: dtlsenc let its state (the datagram queue, its pads) go while the peer was still
// dispatching keys to it from another thread: disposing it removed the pads under that dispatch.
// Here a dtlsenc (server) is torn down while its key dispatch is held inside a probe: the pads
// must stay until the dispatch is over.
TEST(DtlsElements, DisposeWaitsForAKeyDispatchInFlight) {
  const std::string id = "dispose-race-" + std::to_string(next_id++);
  GstElement* enc = gst_element_factory_make("dtlsenc", nullptr);
  GstElement* dec = gst_element_factory_make("dtlsdec", nullptr);
  ASSERT_NE(enc, nullptr);
  g_object_set(enc, "connection-id", id.c_str(), "retransmission-timeout", 50, nullptr);
  g_object_set(dec, "connection-id", id.c_str(), nullptr);

  struct Race {
    std::mutex lock;
    std::condition_variable changed;
    bool in_dispatch = false;
    bool pad_removed = false;
    bool removed_during_dispatch = false;
  } race;
  g_signal_connect(enc, "pad-removed", G_CALLBACK(+[](GstElement*, GstPad*, gpointer data) {
                     auto* r = static_cast<Race*>(data);
                     std::lock_guard guard(r->lock);
                     r->pad_removed = true;
                     r->changed.notify_all();
                   }),
                   &race);
  // Kept by the test, so that a pad removed too early is reported here rather than used freed.
  GstPad* enc_sink = gst_element_get_static_pad(enc, "sink");
  gst_pad_add_probe(
      enc_sink, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM,
      [](GstPad*, GstPadProbeInfo* info, gpointer data) {
        if (!gst::is_srtp_keys_event(GST_PAD_PROBE_INFO_EVENT(info))) return GST_PAD_PROBE_OK;
        auto* r = static_cast<Race*>(data);
        std::unique_lock guard(r->lock);
        r->in_dispatch = true;
        r->changed.notify_all();
        r->changed.wait_for(guard, std::chrono::milliseconds(500), [&] { return r->pad_removed; });
        r->removed_during_dispatch = r->pad_removed;
        return GST_PAD_PROBE_OK;
      },
      &race, nullptr);

  GstHarness* h_enc = gst_harness_new_with_element(enc, "sink", "src");
  GstHarness* h_dec = gst_harness_new_with_element(dec, "sink", "src");
  gst_harness_set_src_caps_str(h_dec, "application/x-dtls");
  gst_object_unref(enc);
  gst_object_unref(dec);

  DtlsConfig config;
  config.role = DtlsRole::client;
  config.certificate = DtlsCertificate::generate(CertificateType::ecdsa_p256);
  auto client = DtlsConnection::create(config);
  ASSERT_NE(client, nullptr);
  const auto now = [] { return DtlsTime(g_get_monotonic_time() * 1000); };
  client->start(now());
  // The client's datagrams go into dtlsdec from another thread: the one that completes the server's
  // handshake carries the key dispatch into the probe.
  std::thread feeder;
  std::atomic<bool> fed{true};
  const gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  bool in_dispatch = false;
  while (!in_dispatch && g_get_monotonic_time() < deadline) {
    if (fed) {
      if (feeder.joinable()) feeder.join();
      std::vector<std::vector<uint8_t>> flight;
      while (auto datagram = client->poll_datagram()) flight.push_back(std::move(*datagram));
      if (!flight.empty()) {
        fed = false;
        feeder = std::thread([&, flight] {
          for (const auto& datagram : flight) gst_harness_push(h_dec, test::to_buffer(datagram));
          fed = true;
        });
      }
    }
    if (GstBuffer* buffer = gst_harness_try_pull(h_enc)) {
      client->handle_datagram(test::to_bytes(buffer), now());
      gst_buffer_unref(buffer);
    }
    client->handle_timeout(now());
    std::unique_lock guard(race.lock);
    race.changed.wait_for(guard, std::chrono::milliseconds(5), [&] { return race.in_dispatch; });
    in_dispatch = race.in_dispatch;
  }
  ASSERT_TRUE(in_dispatch) << "the server never reached its keys";
  gst_harness_teardown(h_enc);  // disposes dtlsenc while its key dispatch is held
  if (feeder.joinable()) feeder.join();
  {
    std::lock_guard guard(race.lock);
    EXPECT_FALSE(race.removed_during_dispatch)
        << "dtlsenc's pads were removed while the peer was still dispatching to it";
  }
  gst_object_unref(enc_sink);
  gst_harness_teardown(h_dec);
}

// Issue 15: dtlsenc had no chain_list, so the lists a payloader makes (kept by srtpenc) were split
// into single buffers at dtlsenc on their way to the sink.
TEST(DtlsElements, BufferListsFromSrtpencLeaveDtlsencAsLists) {
  Call call("is-client=1", "is-client=0");
  // A frame's packets in one list (rtpvrawpay sends a list per chunk, ten chunks a frame).
  test::set_on_elements_of(call.pipeline, "rtpvrawpay", "chunks-per-frame", 1);
  test::ListCounts in, out;
  GstElement* aenc = call.element("aenc");
  // What srtpenc sends (its src pad: dtlsenc's sink pad would see a list split by GstPad when
  // dtlsenc takes none), and what dtlsenc sends.
  GstPad* aenc_sink = gst_element_get_static_pad(aenc, "sink");
  GstPad* aenc_src = gst_element_get_static_pad(aenc, "src");
  GstPad* srtpenc_src = gst_pad_get_peer(aenc_sink);
  ASSERT_NE(srtpenc_src, nullptr);
  in.watch(srtpenc_src);
  out.watch(aenc_src);
  gst_object_unref(srtpenc_src);
  gst_object_unref(aenc_sink);
  gst_object_unref(aenc_src);
  ASSERT_TRUE(call.play());
  const std::string error = call.wait([&] { return call.received >= 40 && out.lists >= 10; });
  ASSERT_EQ(error, "");
  gst_element_set_state(call.pipeline, GST_STATE_NULL);
  EXPECT_EQ(call.state_of("bdec"), 0);  // stopped; keeps the counts below still
  EXPECT_GE(in.lists.load(), 10u) << "rtpvrawpay ! srtpenc made no lists to begin with";
  EXPECT_GE(in.largest_list.load(), 2u);
  EXPECT_EQ(in.single_srtp.load(), 0u);
  EXPECT_EQ(out.single_srtp.load(), 0u) << "dtlsenc split lists into single buffers";
  EXPECT_GE(out.lists.load(), 10u);
  // Every packet of every list, but a list in flight when the pipeline stopped.
  EXPECT_LE(out.packets_in_lists.load(), in.packets_in_lists.load());
  EXPECT_GE(out.packets_in_lists.load() + in.largest_list.load(), in.packets_in_lists.load());
  GstStructure* stats = nullptr;
  g_object_get(aenc, "stats", &stats, nullptr);
  guint64 forwarded = 0;
  ASSERT_TRUE(gst_structure_get_uint64(stats, "srtp-forwarded", &forwarded));
  EXPECT_GE(forwarded, static_cast<guint64>(out.packets_in_lists.load()));  // counted by packet
  gst_structure_free(stats);
  gst_object_unref(aenc);
}

// A dispatch from the peer to `element` held in a notify::connection-state handler, on the thread
// that made it, while another thread changes the element's connection-id; the handler then reads
// `property` of the element, as a handler may. The setter must not hold the element's lock while
// the old peer's detach waits for this dispatch. Bounded: a deadlock fails after 10 s, its threads
// and elements left behind rather than hanging the test binary.
struct HeldDispatch {
  HeldDispatch(GstElement* target, const char* read, std::string id)
      : element(target), property(read), new_id(std::move(id)) {}
  GstElement* element;
  const char* property;
  std::string new_id;
  std::mutex lock;
  std::condition_variable changed;
  bool held = false;
  bool set_returned = false;
  bool handler_returned = false;
  bool trigger_returned = false;
  std::thread setter;

  static void on_state(GObject*, GParamSpec*, gpointer data) {
    auto* d = static_cast<HeldDispatch*>(data);
    {
      std::unique_lock guard(d->lock);
      if (d->held) return;
      d->held = true;
    }
    d->setter = std::thread([d] {
      g_object_set(d->element, "connection-id", d->new_id.c_str(), nullptr);
      std::lock_guard guard(d->lock);
      d->set_returned = true;
      d->changed.notify_all();
    });
    {
      // Long enough for the setter to be waiting for this dispatch to end.
      std::unique_lock guard(d->lock);
      d->changed.wait_for(guard, std::chrono::milliseconds(300), [&] { return d->set_returned; });
    }
    GValue value = G_VALUE_INIT;
    g_object_get_property(G_OBJECT(d->element), d->property, &value);
    g_value_unset(&value);
    std::lock_guard guard(d->lock);
    d->handler_returned = true;
    d->changed.notify_all();
  }

  // Runs `trigger` (which makes the peer dispatch to `element` on its thread) and waits for it,
  // the handler and the setter. False on a deadlock; everything is then leaked.
  bool run(std::function<void()> trigger) {
    g_signal_connect(element, "notify::connection-state", G_CALLBACK(on_state), this);
    std::thread worker([this, trigger] {
      trigger();
      std::lock_guard guard(lock);
      trigger_returned = true;
      changed.notify_all();
    });
    std::unique_lock guard(lock);
    const bool done = changed.wait_for(guard, std::chrono::seconds(10), [&] {
      return trigger_returned && (!held || (set_returned && handler_returned));
    });
    const bool dispatched = held;
    guard.unlock();
    if (!done) {
      worker.detach();
      if (setter.joinable()) setter.detach();
      return false;
    }
    worker.join();
    if (setter.joinable()) setter.join();
    EXPECT_TRUE(dispatched) << "the trigger made no dispatch to the element";
    g_signal_handlers_disconnect_by_data(element, this);
    return true;
  }
};

// Regression: dtlsdec changing connection-id held its state lock while the old peer's detach
// waited for a dispatch in flight that needed that lock (a handler reading `stats`).
TEST(DtlsElements, DecoderConnectionIdChangeDuringADispatchDoesNotDeadlock) {
  const std::string id = "move-dec-" + std::to_string(next_id++);
  GstElement* enc = gst_element_factory_make("dtlsenc", nullptr);
  GstElement* dec = gst_element_factory_make("dtlsdec", nullptr);
  g_object_set(enc, "connection-id", id.c_str(), "is-client", TRUE, nullptr);
  g_object_set(dec, "connection-id", id.c_str(), nullptr);
  auto* held = new HeldDispatch(dec, "stats", id + "-moved");
  // dtlsenc's start (READY -> PAUSED) dispatches the new state to dtlsdec on this thread.
  const bool done = held->run([enc] { gst_element_set_state(enc, GST_STATE_PAUSED); });
  if (!done) {
    ADD_FAILURE() << "deadlock: setting dtlsdec's connection-id during a dispatch never returned";
    return;  // the deadlocked threads still use them
  }
  delete held;
  gchar* now = nullptr;
  g_object_get(dec, "connection-id", &now, nullptr);
  EXPECT_EQ(std::string(now), id + "-moved");
  g_free(now);
  gst_element_set_state(enc, GST_STATE_NULL);
  gst_object_unref(enc);
  gst_object_unref(dec);
}

// Regression: the same in dtlsenc (a handler reading `is-client` during a dispatch from dtlsdec).
TEST(DtlsElements, EncoderConnectionIdChangeDuringADispatchDoesNotDeadlock) {
  const std::string id = "move-enc-" + std::to_string(next_id++);
  GstElement* enc = gst_element_factory_make("dtlsenc", nullptr);
  GstElement* dec = gst_element_factory_make("dtlsdec", nullptr);
  g_object_set(enc, "connection-id", id.c_str(), nullptr);
  g_object_set(dec, "connection-id", id.c_str(), nullptr);
  GstHarness* h_dec = gst_harness_new_with_element(dec, "sink", "src");
  gst_harness_set_src_caps_str(h_dec, "application/x-dtls");
  DtlsConfig config;
  config.role = DtlsRole::client;
  config.certificate = DtlsCertificate::generate(CertificateType::ecdsa_p256);
  auto client = DtlsConnection::create(config);
  ASSERT_NE(client, nullptr);
  client->start(DtlsTime(g_get_monotonic_time() * 1000));
  auto hello = client->poll_datagram();
  ASSERT_TRUE(hello.has_value());
  auto* held = new HeldDispatch(enc, "is-client", id + "-moved");
  // The ClientHello starts the server on dtlsdec's streaming thread, which dispatches to dtlsenc.
  const bool done =
      held->run([h_dec, &hello] { gst_harness_push(h_dec, test::to_buffer(*hello)); });
  if (!done) {
    ADD_FAILURE() << "deadlock: setting dtlsenc's connection-id during a dispatch never returned";
    return;
  }
  delete held;
  gchar* now = nullptr;
  g_object_get(enc, "connection-id", &now, nullptr);
  EXPECT_EQ(std::string(now), id + "-moved");
  g_free(now);
  gst_harness_teardown(h_dec);
  gst_object_unref(enc);
  gst_object_unref(dec);
}

TEST(DtlsElements, DuplicateConnectionIdIsAClearError) {
  GstElement* first = gst_element_factory_make("dtlsenc", nullptr);
  GstElement* second = gst_element_factory_make("dtlsenc", nullptr);
  GstBus* bus = gst_bus_new();
  gst_element_set_bus(second, bus);
  g_object_set(first, "connection-id", "duplicate-test", nullptr);
  g_object_set(second, "connection-id", "duplicate-test", nullptr);
  GstMessage* message = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
  ASSERT_NE(message, nullptr);
  GError* error = nullptr;
  gchar* debug = nullptr;
  gst_message_parse_error(message, &error, &debug);
  EXPECT_NE(std::string(debug).find("duplicate-test"), std::string::npos) << debug;
  g_error_free(error);
  g_free(debug);
  gst_message_unref(message);
  gst_element_set_bus(second, nullptr);
  gst_object_unref(bus);
  gst_object_unref(first);
  gst_object_unref(second);
  // Once the first is gone, the id is free again.
  GstElement* third = gst_element_factory_make("dtlsenc", nullptr);
  g_object_set(third, "connection-id", "duplicate-test", nullptr);
  gchar* id = nullptr;
  g_object_get(third, "connection-id", &id, nullptr);
  EXPECT_STREQ(id, "duplicate-test");
  g_free(id);
  gst_object_unref(third);
}

}  // namespace
}  // namespace secmedia

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  g_log_set_always_fatal(static_cast<GLogLevelFlags>(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR));
  ::testing::InitGoogleTest(&argc, argv);
  return secmedia::test::run_all_tests_checking_gst_leaks();
}
