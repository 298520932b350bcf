// SPDX-License-Identifier: LGPL-2.1-or-later
// Fail closed: a security setting of dtlsenc, dtlsdec, dtlssrtpenc or dtlssrtpdec that is refused
// when set is reported at once (g_warning, seen even before a bus exists) and stops the element
// from starting (an element error naming the property and the value, a failed state change) until
// a valid value replaces it. Malformed peer-fingerprint forms, an srtp-profiles typo, a duplicate
// connection-id set at construction, static-key ciphers without a key; and what an attacker
// would see: no connection to an impostor, no forged plaintext delivered.
#include <glib/gstdio.h>
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "gst_test_support.h"
#include "secmedia/dtls.h"

namespace secmedia {
namespace {

constexpr int kConnected = 4;
std::atomic<int> next_id{0};

std::string unique(const char* prefix) {
  return prefix + std::to_string(next_id++);
}

// Collects the g_warning messages (any log domain) logged while it lives.
class WarningCapture {
 public:
  WarningCapture() { previous_ = g_log_set_default_handler(handler, this); }
  ~WarningCapture() { g_log_set_default_handler(previous_, nullptr); }
  std::string text() {
    std::lock_guard guard(lock_);
    return text_;
  }

 private:
  static void handler(const gchar* domain, GLogLevelFlags level, const gchar* message,
                      gpointer data) {
    auto* self = static_cast<WarningCapture*>(data);
    if (level & G_LOG_LEVEL_WARNING) {
      std::lock_guard guard(self->lock_);
      self->text_ += std::string(message) + "\n";
      return;
    }
    g_log_default_handler(domain, level, message, nullptr);
  }

  GLogFunc previous_;
  std::mutex lock_;
  std::string text_;
};

// Every error posted on `bus` so far, as "message: debug" lines.
std::string errors_on(GstBus* bus) {
  std::string text;
  while (GstMessage* m = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR)) {
    GError* error = nullptr;
    gchar* debug = nullptr;
    gst_message_parse_error(m, &error, &debug);
    text += std::string(error->message) + ": " + (debug ? debug : "") + "\n";
    g_error_free(error);
    g_free(debug);
    gst_message_unref(m);
  }
  return text;
}

std::string string_property(GstElement* element, const char* name) {
  gchar* value = nullptr;
  g_object_get(element, name, &value, nullptr);
  std::string result = value ? value : "";
  g_free(value);
  return result;
}

// An element that was configured before it had a bus, then put in a pipeline (which gives it
// one), as an application does.
struct Staged {
  GstElement* pipeline;
  GstElement* element;
  GstBus* bus;

  explicit Staged(GstElement* configured) : element(configured) {
    pipeline = gst_pipeline_new(nullptr);
    gst_bin_add(GST_BIN(pipeline), element);
    bus = gst_element_get_bus(pipeline);
  }
  ~Staged() {
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(bus);
    gst_object_unref(pipeline);
  }
  GstStateChangeReturn to(GstState state) { return gst_element_set_state(pipeline, state); }
  std::string errors() { return errors_on(bus); }
};

std::string fingerprint_of_new_certificate() {
  auto certificate = DtlsCertificate::generate(CertificateType::ecdsa_p256);
  return certificate->fingerprint().to_string();  // "sha-256 AB:CD:..."
}

// The malformed forms people produce from a good "sha-256 AB:..:EF", each refused.
std::vector<std::pair<std::string, std::string>> malformed_fingerprints() {
  const std::string good = fingerprint_of_new_certificate();
  const std::string hex = good.substr(8);
  return {
      {"pasted_attribute_line", "a=fingerprint:" + good},
      {"truncated", good.substr(0, good.size() - 3)},
      {"sha256_without_dash", "sha256 " + hex},
      {"digest_length_of_another_hash", "sha-1 " + hex},
      {"not_hex", "sha-256 " + std::string(hex.size(), 'Z')},
      {"one_bad_item_in_a_list", good + ",sha256 " + hex},
      {"only_separators", ","},
  };
}

class MalformedPeerFingerprint : public ::testing::TestWithParam<
                                     std::tuple<const char*, std::pair<std::string, std::string>>> {
};

// Regression: a malformed peer-fingerprint was dropped with a warning nobody saw (no bus at
// construction), read back empty, and the handshake ran unpinned: an impostor connected.
TEST_P(MalformedPeerFingerprint, IsRefusedLoudlyAndTheElementDoesNotStart) {
  const auto& [factory, form] = GetParam();
  const std::string& value = form.second;
  WarningCapture warnings;
  GstElement* element = gst_element_factory_make(factory, nullptr);
  ASSERT_NE(element, nullptr);
  g_object_set(element, "peer-fingerprint", value.c_str(), nullptr);
  EXPECT_NE(warnings.text().find("peer-fingerprint \"" + value + "\""), std::string::npos)
      << warnings.text();
  // Reads back as given: never empty, which would mean "not pinned".
  EXPECT_EQ(string_property(element, "peer-fingerprint"), value);
  Staged staged(element);
  EXPECT_EQ(staged.to(GST_STATE_READY), GST_STATE_CHANGE_FAILURE);
  const std::string errors = staged.errors();
  EXPECT_NE(errors.find("peer-fingerprint \"" + value + "\" refused"), std::string::npos) << errors;
}

INSTANTIATE_TEST_SUITE_P(EveryFormEveryElement, MalformedPeerFingerprint,
                         ::testing::Combine(::testing::Values("dtlsenc", "dtlsdec", "dtlssrtpdec"),
                                            ::testing::ValuesIn(malformed_fingerprints())),
                         [](const auto& test_info) {
                           return std::string(std::get<0>(test_info.param)) + "_" +
                                  std::get<1>(test_info.param).first;
                         });

// Regression: (as above) each malformed form gets a reason that says what to fix.
TEST(FailClosed, TheRefusalSaysWhatIsWrongWithTheFingerprint) {
  const std::string good = fingerprint_of_new_certificate();
  const std::string hex = good.substr(8);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"a=fingerprint:" + good, "give only what follows \"a=fingerprint:\""},
      {"sha256 " + hex, "\"sha256\" is not a hash function name"},
      {good.substr(0, good.size() - 3), "the digest has 31 octets; sha-256 gives 32"},
      {"sha-1 " + hex, "the digest has 32 octets; sha-1 gives 20"},
  };
  for (const auto& [value, reason] : cases) {
    WarningCapture warnings;
    GstElement* element = gst_element_factory_make("dtlsdec", nullptr);
    g_object_set(element, "peer-fingerprint", value.c_str(), nullptr);
    EXPECT_NE(warnings.text().find(reason), std::string::npos) << warnings.text();
    gst_object_unref(element);
  }
}

// Peer A pins its peer's certificate, with a typo, and the peer is an impostor.
struct PinnedCall {
  GstElement* pipeline = nullptr;
  std::atomic<guint> received{0};

  PinnedCall() {
    const std::string a = unique("pa"), b = unique("pb");
    const std::string description =
        "videotestsrc is-live=true ! video/x-raw,width=64,height=48,framerate=30/1 ! rtpvrawpay "
        "! srtpenc ! dtlsenc name=aenc is-client=true retransmission-timeout=50 connection-id=" +
        a + " ! dtlsdec name=bdec connection-id=" + b +
        " ! srtpdec ! fakesink name=bsink sync=false async=false  dtlsenc name=benc "
        "retransmission-timeout=50 connection-id=" +
        b + " ! dtlsdec name=adec connection-id=" + a +
        " ! srtpdec ! fakesink name=asink sync=false async=false";
    GError* error = nullptr;
    pipeline = gst_parse_launch(description.c_str(), &error);
    EXPECT_NE(pipeline, nullptr) << (error ? error->message : "");
    if (error) g_error_free(error);
    for (const char* name : {"bsink", "asink"}) {
      GstElement* sink = element(name);
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
  }
  ~PinnedCall() {
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(pipeline);
  }
  GstElement* element(const char* name) { return gst_bin_get_by_name(GST_BIN(pipeline), name); }
  int state_of(const char* name) {
    GstElement* e = element(name);
    int state = -1;
    g_object_get(e, "connection-state", &state, nullptr);
    gst_object_unref(e);
    return state;
  }
  std::string errors() {
    GstBus* bus = gst_element_get_bus(pipeline);
    std::string text = errors_on(bus);
    gst_object_unref(bus);
    return text;
  }
  void set(const char* name, const char* property, const std::string& value) {
    GstElement* e = element(name);
    g_object_set(e, property, value.c_str(), nullptr);
    gst_object_unref(e);
  }
};

// Regression: a pinned pair with a typo in the pin ran unpinned and connected to an impostor;
// keys reached srtpdec and srtpenc encrypted for it.
TEST(FailClosed, APinWithATypoNeverConnectsToAnImpostor) {
  WarningCapture warnings;
  PinnedCall call;
  // A means to pin its real peer; B is an impostor with a certificate of its own.
  const std::string real_peer = fingerprint_of_new_certificate();
  const std::string typo = "sha256 " + real_peer.substr(8);
  call.set("adec", "peer-fingerprint", typo);
  EXPECT_EQ(gst_element_set_state(call.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  std::string errors = call.errors();
  EXPECT_NE(errors.find("peer-fingerprint \"" + typo + "\" refused"), std::string::npos) << errors;
  // An application that ignores the failure and starts A's encoder (a DTLS client) by itself: the
  // association refuses to start for it too, so no ClientHello leaves unpinned.
  GstElement* aenc = call.element("aenc");
  EXPECT_EQ(gst_element_set_state(aenc, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  gst_object_unref(aenc);
  errors = call.errors();
  EXPECT_NE(errors.find("DTLS cannot start"), std::string::npos) << errors;
  EXPECT_NE(errors.find(typo), std::string::npos) << errors;
  g_usleep(500 * 1000);
  for (const char* name : {"aenc", "adec", "benc", "bdec"}) {
    EXPECT_NE(call.state_of(name), kConnected) << name;
  }
  EXPECT_EQ(call.received.load(), 0u);
}

// Regression: (fail closed must not stick) the right value set after a refused one clears the
// refusal: the same elements start and connect, pinned.
TEST(FailClosed, AValidValueAfterARefusedOneClearsTheRefusal) {
  PinnedCall call;
  GstElement* benc = call.element("benc");
  const std::string b_fingerprint = string_property(benc, "fingerprint");
  gst_object_unref(benc);
  {
    WarningCapture warnings;
    call.set("adec", "peer-fingerprint", "a=fingerprint:" + b_fingerprint);
  }
  EXPECT_EQ(gst_element_set_state(call.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  gst_element_set_state(call.pipeline, GST_STATE_NULL);
  call.errors();
  call.set("adec", "peer-fingerprint", b_fingerprint);
  GstElement* adec = call.element("adec");
  EXPECT_EQ(string_property(adec, "peer-fingerprint"), b_fingerprint);
  gst_object_unref(adec);
  ASSERT_NE(gst_element_set_state(call.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  EXPECT_EQ(test::wait_for(call.pipeline, [&] { return call.received >= 5; }), "");
  EXPECT_EQ(call.state_of("adec"), kConnected);
}

// Regression: a typo in srtp-profiles silently gave the default list (reading back all four).
TEST(FailClosed, SrtpProfilesTypoIsRefusedNotReadAsTheDefault) {
  for (const char* factory : {"dtlsenc", "dtlsdec"}) {
    const std::string value = "SRTP_AEAD_AES_128_GCM,SRTP_AES128_CM_SHA1_8O";
    WarningCapture warnings;
    GstElement* element = gst_element_factory_make(factory, nullptr);
    g_object_set(element, "srtp-profiles", value.c_str(), nullptr);
    EXPECT_NE(warnings.text().find("srtp-profiles \"" + value + "\""), std::string::npos)
        << warnings.text();
    EXPECT_NE(warnings.text().find("\"SRTP_AES128_CM_SHA1_8O\" is not a DTLS-SRTP profile"),
              std::string::npos)
        << warnings.text();
    EXPECT_EQ(string_property(element, "srtp-profiles"), value);
    Staged staged(element);
    EXPECT_EQ(staged.to(GST_STATE_READY), GST_STATE_CHANGE_FAILURE) << factory;
    const std::string errors = staged.errors();
    EXPECT_NE(errors.find("srtp-profiles \"" + value + "\" refused"), std::string::npos) << errors;
    // The intended value clears it.
    g_object_set(element, "srtp-profiles", "SRTP_AEAD_AES_128_GCM", nullptr);
    EXPECT_EQ(string_property(element, "srtp-profiles"), "SRTP_AEAD_AES_128_GCM");
    EXPECT_NE(staged.to(GST_STATE_READY), GST_STATE_CHANGE_FAILURE) << factory;
  }
}

// pem-file: the identity from a file (what secmedia-cert writes), for gst-launch lines, where a
// multi-line pem cannot be written. A file that cannot give an identity is refused like any invalid
// setting: the element never runs on a generated identity instead.
TEST(FailClosed, PemFileIsTheIdentityOrARefusal) {
  auto identity = DtlsCertificate::generate(CertificateType::ecdsa_p256);
  ASSERT_TRUE(identity);
  gchar* directory = g_dir_make_tmp("secmedia-pem-XXXXXX", nullptr);
  const std::string good = std::string(directory) + "/id.pem";
  const std::string certificate_only = std::string(directory) + "/cert.pem";
  const std::string missing = std::string(directory) + "/missing.pem";
  const std::string both = identity->certificate_pem() + identity->private_key_pem();
  ASSERT_TRUE(g_file_set_contents(good.c_str(), both.c_str(), -1, nullptr));
  ASSERT_TRUE(g_file_set_contents(certificate_only.c_str(), identity->certificate_pem().c_str(), -1,
                                  nullptr));
  for (const char* factory : {"dtlsenc", "dtlsdec", "dtlssrtpdec"}) {
    GstElement* element = gst_element_factory_make(factory, nullptr);
    g_object_set(element, "pem-file", good.c_str(), nullptr);
    EXPECT_EQ(string_property(element, "pem-file"), good) << factory;
    EXPECT_EQ(string_property(element, "fingerprint"), identity->fingerprint().to_string())
        << factory;
    EXPECT_EQ(string_property(element, "pem"), identity->certificate_pem()) << factory;
    for (const std::string& bad : {missing, certificate_only}) {
      WarningCapture warnings;
      g_object_set(element, "pem-file", bad.c_str(), nullptr);
      EXPECT_NE(warnings.text().find("pem-file \"" + bad + "\" refused"), std::string::npos)
          << factory << ": " << warnings.text();
      EXPECT_EQ(string_property(element, "pem-file"), bad) << factory;
    }
    Staged staged(element);
    EXPECT_EQ(staged.to(GST_STATE_READY), GST_STATE_CHANGE_FAILURE) << factory;
    EXPECT_NE(staged.errors().find("pem-file"), std::string::npos) << factory;
    g_object_set(element, "pem-file", good.c_str(), nullptr);
    EXPECT_NE(staged.to(GST_STATE_READY), GST_STATE_CHANGE_FAILURE) << factory;
  }
  for (const std::string& file : {good, certificate_only}) g_unlink(file.c_str());
  g_rmdir(directory);
  g_free(directory);
}

class DuplicateConnectionId : public ::testing::TestWithParam<const char*> {};

// Regression: two dtlsenc (or two dtlsdec) given the same connection-id at construction posted
// their error before any bus existed; the second then ran silently on a private association.
TEST_P(DuplicateConnectionId, SetAtConstructionFailsTheStateChange) {
  const char* factory = GetParam();
  const std::string id = unique("dup");
  WarningCapture warnings;
  GstElement* first = gst_element_factory_make(factory, nullptr);
  GstElement* second = gst_element_factory_make(factory, nullptr);
  g_object_set(first, "connection-id", id.c_str(), nullptr);
  g_object_set(second, "connection-id", id.c_str(), nullptr);
  // The bins' connection-id is their DTLS child's.
  const std::string kind = g_strrstr(factory, "enc") ? "dtlsenc" : "dtlsdec";
  EXPECT_NE(warnings.text().find("connection-id \"" + id + "\" is already used by another " + kind),
            std::string::npos)
      << warnings.text();
  Staged one(first);
  Staged two(second);
  EXPECT_NE(one.to(GST_STATE_READY), GST_STATE_CHANGE_FAILURE);
  EXPECT_EQ(two.to(GST_STATE_READY), GST_STATE_CHANGE_FAILURE);
  const std::string errors = two.errors();
  EXPECT_NE(errors.find("connection-id \"" + id + "\""), std::string::npos) << errors;
  // An id of its own clears the refusal.
  g_object_set(second, "connection-id", unique("own").c_str(), nullptr);
  EXPECT_NE(two.to(GST_STATE_READY), GST_STATE_CHANGE_FAILURE);
}

INSTANTIATE_TEST_SUITE_P(EveryElement, DuplicateConnectionId,
                         ::testing::Values("dtlsenc", "dtlsdec", "dtlssrtpenc", "dtlssrtpdec"));

// A plaintext RTP packet (RFC 3550 §5.1) as a forger sends it.
GstBuffer* plaintext_rtp(uint16_t sequence) {
  std::vector<uint8_t> packet = {0x80,
                                 96,
                                 static_cast<uint8_t>(sequence >> 8),
                                 static_cast<uint8_t>(sequence),
                                 0,
                                 0,
                                 0,
                                 static_cast<uint8_t>(sequence),
                                 0x12,
                                 0x34,
                                 0x56,
                                 0x78};
  packet.resize(packet.size() + 100, 0xAB);
  return test::to_buffer(packet);
}

GstElement* srtpdec_in(GstElement* bin) {
  GstElement* found = nullptr;
  for (GList* l = GST_BIN_CHILDREN(bin); l; l = l->next) {
    if (g_str_equal(G_OBJECT_TYPE_NAME(l->data), "SecmediaSrtpDec")) {
      found = GST_ELEMENT(gst_object_ref(l->data));
    }
  }
  return found;
}

// How many of 20 forged plaintext packets dtlssrtpdec delivers on rtp_src once `configure` set its
// static-key properties (while it runs, as the only way to get packets into a bin that refuses to
// start with them), and how many its srtpdec counted as dropped for want of a key.
std::pair<guint, guint64> forged_plaintext_delivered(
    const std::function<void(GstElement*)>& configure) {
  GstHarness* h = gst_harness_new_with_padnames("dtlssrtpdec", "sink", "rtp_src");
  gst_harness_set_src_caps_str(h, "application/x-srtp");
  configure(h->element);
  for (uint16_t i = 0; i < 20; ++i) EXPECT_EQ(gst_harness_push(h, plaintext_rtp(i)), GST_FLOW_OK);
  const guint delivered = gst_harness_buffers_received(h);
  GstElement* srtpdec = srtpdec_in(h->element);
  const guint64 no_key = test::drop_count(srtpdec, "no-key");
  gst_object_unref(srtpdec);
  gst_harness_teardown(h);
  return {delivered, no_key};
}

void set_names(GstElement* element, const char* cipher, const char* auth) {
  g_object_set(element, "srtp-cipher", cipher, "srtp-auth", auth, "srtcp-cipher", cipher,
               "srtcp-auth", auth, nullptr);
}

// Regression: dtlssrtpdec with the static-key ciphers set but no key passed forged plaintext RTP
// to rtp_src (20 of 20); gst-plugins-bad delivers none.
TEST(FailClosed, StaticCiphersWithoutKeyDeliverNoForgedPlaintext) {
  const auto [delivered, no_key] = forged_plaintext_delivered(
      [](GstElement* dec) { set_names(dec, "aes-128-icm", "hmac-sha1-80"); });
  EXPECT_EQ(delivered, 0u);
  EXPECT_EQ(no_key, 20u);
  // Part of the names, no key: the same.
  const auto [partial_delivered, partial_no_key] = forged_plaintext_delivered(
      [](GstElement* dec) { g_object_set(dec, "srtp-cipher", "null", nullptr); });
  EXPECT_EQ(partial_delivered, 0u);
  EXPECT_EQ(partial_no_key, 20u);
}

// Regression: (the same) and the bin started as if keyed; now it refuses, saying the key is
// missing. Its encoder twin too.
TEST(FailClosed, StaticCiphersWithoutKeyRefuseToStart) {
  for (const char* factory : {"dtlssrtpdec", "dtlssrtpenc"}) {
    GstElement* element = gst_element_factory_make(factory, nullptr);
    set_names(element, "aes-128-icm", "hmac-sha1-80");
    Staged staged(element);
    EXPECT_EQ(staged.to(GST_STATE_READY), GST_STATE_CHANGE_FAILURE) << factory;
    const std::string errors = staged.errors();
    EXPECT_NE(errors.find("key is missing"), std::string::npos) << errors;
    EXPECT_NE(errors.find("srtp-cipher=aes-128-icm"), std::string::npos) << errors;
    // A key of the right size clears it.
    std::vector<uint8_t> key(30, 0x42);
    GstBuffer* buffer = test::key_buffer(key);
    g_object_set(element, "key", buffer, nullptr);
    gst_buffer_unref(buffer);
    EXPECT_NE(staged.to(GST_STATE_READY), GST_STATE_CHANGE_FAILURE) << factory;
  }
}

// Regression: (fail open by typo) a cipher name srtpenc does not know was kept and srtpenc ran on
// its default cipher; a key of the wrong size, or a key without all four names, started too.
TEST(FailClosed, StaticKeyCombinationsThatCannotProtectAreRefused) {
  struct Case {
    const char* cipher;
    const char* auth;
    size_t key_size;
    const char* expected;
  };
  const std::vector<Case> cases = {
      {"aes-128-icmm", "hmac-sha1-80", 30, "srtp-cipher \"aes-128-icmm\" refused"},
      {"aes-128-icm", "hmac-sha1-8O", 30, "srtp-auth \"hmac-sha1-8O\" refused"},
      {"aes-256-icm", "hmac-sha1-80", 30, "key has 30 bytes; srtp-cipher=aes-256-icm needs 46"},
      {"aes-128-icm", "null", 30, "counter mode without authentication"},
      {"aes-128-icm", nullptr, 30, "key is set but srtp-auth, srtcp-auth not"},
  };
  for (const auto& c : cases) {
    WarningCapture warnings;
    GstElement* element = gst_element_factory_make("dtlssrtpdec", nullptr);
    set_names(element, c.cipher, c.auth);
    std::vector<uint8_t> key(c.key_size, 0x42);
    GstBuffer* buffer = test::key_buffer(key);
    g_object_set(element, "key", buffer, nullptr);
    gst_buffer_unref(buffer);
    Staged staged(element);
    EXPECT_EQ(staged.to(GST_STATE_READY), GST_STATE_CHANGE_FAILURE) << c.expected;
    const std::string errors = staged.errors();
    EXPECT_NE(errors.find(c.expected), std::string::npos) << errors;
  }
}

// gst-plugins-bad's unprotected mode stays, when asked for by name: all four names "null".
TEST(FailClosed, AllFourNamesNullIsExplicitPassThrough) {
  const auto [delivered, no_key] =
      forged_plaintext_delivered([](GstElement* dec) { set_names(dec, "null", "null"); });
  EXPECT_EQ(delivered, 20u);
  EXPECT_EQ(no_key, 0u);
  GstElement* element = gst_element_factory_make("dtlssrtpdec", nullptr);
  set_names(element, "null", "null");
  Staged staged(element);
  EXPECT_NE(staged.to(GST_STATE_READY), GST_STATE_CHANGE_FAILURE);
}

}  // namespace
}  // namespace secmedia

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  g_log_set_always_fatal(static_cast<GLogLevelFlags>(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR));
  ::testing::InitGoogleTest(&argc, argv);
  return secmedia::test::run_all_tests_checking_gst_leaks();
}
