// SPDX-License-Identifier: LGPL-2.1-or-later
// dtlssrtpenc, dtlssrtpdec and dtlssrtpdemux, the elements webrtcbin creates by name: the interface
// it relies on (pad template names, properties, notifications, on-key-set), two peers in one
// process (media and RTCP under AEAD_AES_128_GCM, application data both ways), the encoder held in
// NULL while the peer's ClientHello arrives (as webrtcbin does until ICE connects), RTP before the
// keys dropped and counted, SDES-style static keys without DTLS, and the RFC 7983 demultiplexer.
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "gst_test_support.h"
#include "secmedia/dtls.h"

namespace secmedia {
namespace {

constexpr int kConnecting = 3;
constexpr int kConnected = 4;
std::atomic<int> next_id{0};

GstElement* make(const char* factory) {
  GstElement* element = gst_element_factory_make(factory, nullptr);
  EXPECT_NE(element, nullptr) << factory;
  return element;
}

std::string plugin_file_of(const char* factory_name) {
  GstElementFactory* factory = gst_element_factory_find(factory_name);
  if (!factory) return "";
  GstPlugin* plugin = gst_plugin_feature_get_plugin(GST_PLUGIN_FEATURE(factory));
  std::string file =
      plugin && gst_plugin_get_filename(plugin) ? gst_plugin_get_filename(plugin) : "";
  if (plugin) gst_object_unref(plugin);
  gst_object_unref(factory);
  return file;
}

void expect_template(const char* factory_name, const char* name, GstPadDirection direction,
                     GstPadPresence presence) {
  GstElementFactory* factory = gst_element_factory_find(factory_name);
  ASSERT_NE(factory, nullptr);
  bool found = false;
  for (const GList* l = gst_element_factory_get_static_pad_templates(factory); l; l = l->next) {
    const auto* templ = static_cast<const GstStaticPadTemplate*>(l->data);
    if (g_str_equal(templ->name_template, name)) {
      found = true;
      EXPECT_EQ(templ->direction, direction) << factory_name << " " << name;
      EXPECT_EQ(templ->presence, presence) << factory_name << " " << name;
    }
  }
  EXPECT_TRUE(found) << factory_name << " has no pad template named exactly " << name;
  gst_object_unref(factory);
}

TEST(DtlsSrtpInterface, TheElementsComeFromOurPluginFile) {
  const char* dir = g_getenv("SECMEDIA_GST_PLUGIN_DIR");
  ASSERT_NE(dir, nullptr);
  for (const char* name : {"dtlssrtpenc", "dtlssrtpdec", "dtlssrtpdemux", "dtlsenc", "dtlsdec"}) {
    EXPECT_EQ(plugin_file_of(name), std::string(dir) + "/libgstdtls.so") << name;
  }
}

TEST(DtlsSrtpInterface, PadTemplatesHaveTheNamesWebrtcbinAsksFor) {
  expect_template("dtlssrtpenc", "rtp_sink_%d", GST_PAD_SINK, GST_PAD_REQUEST);
  expect_template("dtlssrtpenc", "rtcp_sink_%d", GST_PAD_SINK, GST_PAD_REQUEST);
  expect_template("dtlssrtpenc", "data_sink", GST_PAD_SINK, GST_PAD_REQUEST);
  expect_template("dtlssrtpenc", "src", GST_PAD_SRC, GST_PAD_ALWAYS);
  expect_template("dtlssrtpdec", "sink", GST_PAD_SINK, GST_PAD_ALWAYS);
  expect_template("dtlssrtpdec", "rtp_src", GST_PAD_SRC, GST_PAD_ALWAYS);
  expect_template("dtlssrtpdec", "rtcp_src", GST_PAD_SRC, GST_PAD_ALWAYS);
  expect_template("dtlssrtpdec", "data_src", GST_PAD_SRC, GST_PAD_REQUEST);
  expect_template("dtlssrtpdemux", "sink", GST_PAD_SINK, GST_PAD_ALWAYS);
  expect_template("dtlssrtpdemux", "rtp_src", GST_PAD_SRC, GST_PAD_ALWAYS);
  expect_template("dtlssrtpdemux", "dtls_src", GST_PAD_SRC, GST_PAD_ALWAYS);
}

TEST(DtlsSrtpInterface, PropertiesAndConnectionStateValuesMatchGstPluginsBad) {
  GstElement* enc = make("dtlssrtpenc");
  GstElement* dec = make("dtlssrtpdec");
  for (const char* name : {"connection-id", "is-client", "rtp-sync", "connection-state", "key",
                           "srtp-cipher", "srtp-auth", "srtcp-cipher", "srtcp-auth"}) {
    EXPECT_NE(g_object_class_find_property(G_OBJECT_GET_CLASS(enc), name), nullptr) << name;
  }
  for (const char* name : {"connection-id", "pem", "peer-pem", "connection-state", "key",
                           "srtp-cipher", "srtp-auth", "srtcp-cipher", "srtcp-auth"}) {
    EXPECT_NE(g_object_class_find_property(G_OBJECT_GET_CLASS(dec), name), nullptr) << name;
  }
  EXPECT_NE(g_signal_lookup("on-key-set", G_OBJECT_TYPE(enc)), 0u);
  GParamSpec* state = g_object_class_find_property(G_OBJECT_GET_CLASS(enc), "connection-state");
  ASSERT_TRUE(G_IS_PARAM_SPEC_ENUM(state));
  GEnumClass* values = G_PARAM_SPEC_ENUM(state)->enum_class;
  const std::vector<std::pair<const char*, int>> expected = {
      {"new", 0}, {"closed", 1}, {"failed", 2}, {"connecting", 3}, {"connected", 4}};
  for (const auto& [nick, value] : expected) {
    const GEnumValue* v = g_enum_get_value_by_nick(values, nick);
    ASSERT_NE(v, nullptr) << nick;
    EXPECT_EQ(v->value, value) << nick;
  }
  gst_object_unref(enc);
  gst_object_unref(dec);
}

TEST(DtlsSrtpInterface, IsClientNotifiesOnEverySetEvenWithTheSameValue) {
  GstElement* enc = make("dtlssrtpenc");
  int notifications = 0;
  g_signal_connect(enc, "notify::is-client",
                   G_CALLBACK(+[](GObject*, GParamSpec*, int* n) { ++*n; }), &notifications);
  g_object_set(enc, "is-client", FALSE, nullptr);
  g_object_set(enc, "is-client", FALSE, nullptr);
  g_object_set(enc, "is-client", TRUE, nullptr);
  EXPECT_EQ(notifications, 3);
  gboolean is_client = FALSE;
  g_object_get(enc, "is-client", &is_client, nullptr);
  EXPECT_TRUE(is_client);
  gst_object_unref(enc);
}

TEST(DtlsSrtpInterface, ChildrenAreSecmediasOwnElements) {
  GstElement* enc = make("dtlssrtpenc");
  GstElement* dec = make("dtlssrtpdec");
  std::vector<std::string> types;
  for (GstElement* bin : {enc, dec}) {
    for (GList* l = GST_BIN_CHILDREN(bin); l; l = l->next) {
      types.push_back(G_OBJECT_TYPE_NAME(l->data));
    }
  }
  for (const char* expected :
       {"SecmediaSrtpEnc", "SecmediaDtlsEnc", "SecmediaSrtpDec", "SecmediaDtlsDec"}) {
    EXPECT_NE(std::find(types.begin(), types.end(), expected), types.end()) << expected;
  }
  gst_object_unref(enc);
  gst_object_unref(dec);
}

TEST(DtlsSrtpInterface, ReleasedPadsTakeTheirBranchWithThem) {
  GstElement* enc = make("dtlssrtpenc");
  const guint children = GST_BIN_NUMCHILDREN(enc);
  for (int round = 0; round < 2; ++round) {
    GstPad* rtp = gst_element_request_pad_simple(enc, "rtp_sink_%d");
    GstPad* rtcp = gst_element_request_pad_simple(enc, "rtcp_sink_%d");
    GstPad* data = gst_element_request_pad_simple(enc, "data_sink");
    ASSERT_NE(rtp, nullptr);
    ASSERT_NE(rtcp, nullptr);
    ASSERT_NE(data, nullptr);
    EXPECT_EQ(GST_BIN_NUMCHILDREN(enc), children + 1);  // the RTP branch's clocksync
    for (GstPad* pad : {rtp, rtcp, data}) {
      gst_element_release_request_pad(enc, pad);
      gst_object_unref(pad);
    }
    EXPECT_EQ(GST_BIN_NUMCHILDREN(enc), children);
    EXPECT_EQ(GST_ELEMENT(enc)->numsinkpads, 0);
    for (GList* l = GST_BIN_CHILDREN(enc); l; l = l->next) {
      GstElement* child = GST_ELEMENT(l->data);
      if (g_str_equal(G_OBJECT_TYPE_NAME(child), "GstFunnel") ||
          g_str_equal(G_OBJECT_TYPE_NAME(child), "SecmediaSrtpEnc")) {
        EXPECT_EQ(child->numsinkpads, 0) << G_OBJECT_TYPE_NAME(child);
      }
    }
  }
  gst_object_unref(enc);
}

// webrtcbin reads the certificate from dtlssrtpdec to put its fingerprint in the SDP, before
// anything starts; the handshake must then use that very certificate.
TEST(DtlsSrtpInterface, PemIsReadableBeforeStartAndCanBeSet) {
  const std::string id = "pem" + std::to_string(next_id++);
  GstElement* enc = make("dtlssrtpenc");
  GstElement* dec = make("dtlssrtpdec");
  g_object_set(enc, "connection-id", id.c_str(), nullptr);
  g_object_set(dec, "connection-id", id.c_str(), nullptr);
  gchar* pem = nullptr;
  g_object_get(dec, "pem", &pem, nullptr);
  ASSERT_NE(pem, nullptr);
  EXPECT_TRUE(g_str_has_prefix(pem, "-----BEGIN CERTIFICATE-----")) << pem;
  gchar* fingerprint = nullptr;
  g_object_get(dec, "fingerprint", &fingerprint, nullptr);
  EXPECT_TRUE(fingerprint && g_str_has_prefix(fingerprint, "sha-256 "));
  // Setting an identity (certificate and key, as gst-plugins-bad takes it) takes effect.
  auto identity = secmedia::DtlsCertificate::generate(secmedia::CertificateType::ecdsa_p256);
  ASSERT_TRUE(identity);
  const std::string identity_pem = identity->certificate_pem() + identity->private_key_pem();
  GstElement* other = make("dtlssrtpdec");
  g_object_set(other, "pem", identity_pem.c_str(), nullptr);
  gchar* other_fingerprint = nullptr;
  g_object_get(other, "fingerprint", &other_fingerprint, nullptr);
  EXPECT_EQ(other_fingerprint, identity->fingerprint().to_string());
  gchar* other_pem = nullptr;
  g_object_get(other, "pem", &other_pem, nullptr);
  EXPECT_EQ(other_pem, identity->certificate_pem());
  g_free(other_pem);
  g_free(other_fingerprint);
  g_free(fingerprint);
  g_free(pem);
  gst_object_unref(other);
  gst_object_unref(enc);
  gst_object_unref(dec);
}

// webrtcbin's a=fingerprint from `pem` (it hashes every base64 line,
// _generate_fingerprint_from_certificate). Regression: dtlssrtpdec's pem returned the private key
// too, so webrtcbin's a=fingerprint did not match our certificate and browsers aborted the
// handshake with "certificate unknown".
TEST(DtlsSrtpInterface, PemIsTheCertificateOnlyAndHashesToTheFingerprint) {
  const std::string id = "pemfp" + std::to_string(next_id++);
  GstElement* dec = make("dtlssrtpdec");
  GstElement* plain = make("dtlsdec");
  g_object_set(dec, "connection-id", id.c_str(), nullptr);
  for (GstElement* element : {dec, plain}) {
    gchar* pem = nullptr;
    gchar* fingerprint = nullptr;
    g_object_get(element, "pem", &pem, "fingerprint", &fingerprint, nullptr);
    ASSERT_NE(pem, nullptr);
    ASSERT_NE(fingerprint, nullptr);
    EXPECT_EQ(strstr(pem, "PRIVATE KEY"), nullptr) << GST_ELEMENT_NAME(element);
    EXPECT_EQ(strstr(pem, "-----BEGIN"), strstr(pem, "-----BEGIN CERTIFICATE-----"));
    EXPECT_EQ(strstr(pem + 1, "-----BEGIN"), nullptr) << "one PEM block only";
    // What webrtcbin does: the base64 of every line not starting with "-----", decoded, hashed.
    std::string base64;
    gchar** lines = g_strsplit(pem, "\n", -1);
    for (gchar** line = lines; *line; ++line) {
      if (!g_str_has_prefix(*line, "-----")) base64 += *line;
    }
    g_strfreev(lines);
    gsize der_size = 0;
    guchar* der = g_base64_decode(base64.c_str(), &der_size);
    GChecksum* checksum = g_checksum_new(G_CHECKSUM_SHA256);
    g_checksum_update(checksum, der, der_size);
    guint8 digest[32];
    gsize digest_size = sizeof(digest);
    g_checksum_get_digest(checksum, digest, &digest_size);
    g_checksum_free(checksum);
    g_free(der);
    std::string expected = "sha-256 ";
    for (gsize i = 0; i < digest_size; ++i) {
      char octet[4];
      g_snprintf(octet, sizeof(octet), i + 1 < digest_size ? "%02X:" : "%02X", digest[i]);
      expected += octet;
    }
    EXPECT_EQ(expected, fingerprint) << GST_ELEMENT_NAME(element);
    g_free(fingerprint);
    g_free(pem);
  }
  gst_object_unref(plain);
  gst_object_unref(dec);
}

// Two peers in one pipeline: A's media and RTCP through aenc to bdec, B answering through benc to
// adec. ids: A's pair shares connection id `a`, B's `b`.
struct BinCall {
  GstElement* pipeline = nullptr;
  std::atomic<guint> rtp_received{0};
  std::atomic<guint> key_set[2] = {0, 0};
  std::string a, b;

  explicit BinCall(const std::string& a_options = "", const std::string& b_options = "",
                   const std::string& extra = "") {
    const int id = next_id++;
    a = "ba" + std::to_string(id);
    b = "bb" + std::to_string(id);
    const std::string description =
        "videotestsrc is-live=true ! video/x-raw,width=64,height=48,framerate=30/1 ! rtpvrawpay ! "
        "aenc.rtp_sink_0  appsrc name=rtcpsrc format=time "
        "caps=application/x-rtcp ! aenc.rtcp_sink_0  "
        "dtlssrtpenc name=aenc connection-id=" +
        a + " " + a_options + " ! dtlssrtpdec name=bdec connection-id=" + b +
        "  bdec.rtp_src ! fakesink name=bsink sync=false async=false "
        "  bdec.rtcp_src ! appsink name=rtcpsink sync=false async=false "
        "dtlssrtpenc name=benc connection-id=" +
        b + " " + b_options + " ! dtlssrtpdec name=adec connection-id=" + a +
        "  adec.rtp_src ! fakesink sync=false async=false  adec.rtcp_src ! fakesink sync=false "
        "async=false " +
        extra;
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
        &rtp_received, nullptr);
    gst_object_unref(pad);
    gst_object_unref(sink);
    for (int i = 0; i < 2; ++i) {
      GstElement* enc = element(i == 0 ? "aenc" : "benc");
      g_signal_connect(enc, "on-key-set",
                       G_CALLBACK(+[](GstElement*, std::atomic<guint>* n) { ++*n; }), &key_set[i]);
      gst_object_unref(enc);
    }
  }
  ~BinCall() {
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
  // The srtpenc/srtpdec inside a bin.
  GstElement* child_of_type(const char* bin_name, const char* type_name) {
    GstElement* bin = element(bin_name);
    GstElement* found = nullptr;
    for (GList* l = GST_BIN_CHILDREN(bin); l; l = l->next) {
      if (g_str_equal(G_OBJECT_TYPE_NAME(l->data), type_name)) {
        found = GST_ELEMENT(gst_object_ref(l->data));
      }
    }
    gst_object_unref(bin);
    return found;
  }
  std::string wait(const std::function<bool()>& done, double seconds = 10) {
    return test::wait_for(pipeline, done, seconds);
  }
  void play() {
    ASSERT_NE(gst_element_set_state(pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  }
};

// A minimal RTCP receiver report (RFC 3550 §6.4.2) with no report blocks.
std::vector<uint8_t> receiver_report(uint32_t ssrc) {
  return {0x80,
          201,
          0x00,
          0x01,
          static_cast<uint8_t>(ssrc >> 24),
          static_cast<uint8_t>(ssrc >> 16),
          static_cast<uint8_t>(ssrc >> 8),
          static_cast<uint8_t>(ssrc)};
}

TEST(DtlsSrtpBins, MediaAndRtcpFlowUnderAeadAes128Gcm) {
  BinCall call("is-client=true");
  // GStreamer 1.30's webrtcbin reads dtls-version from dtlssrtpenc for its tls-version stat.
  const auto dtls_version = [&](const char* name) {
    GstElement* e = call.element(name);
    guint version = 1;
    g_object_get(e, "dtls-version", &version, nullptr);
    gst_object_unref(e);
    return version;
  };
  EXPECT_EQ(dtls_version("aenc"), 0u);
  call.play();
  EXPECT_EQ(call.wait([&] { return call.rtp_received >= 20; }), "");
  EXPECT_GE(call.rtp_received.load(), 20u);
  EXPECT_EQ(call.state_of("aenc"), kConnected);
  EXPECT_EQ(call.state_of("bdec"), kConnected);
  EXPECT_EQ(call.string_property("aenc", "srtp-profile"), "SRTP_AEAD_AES_128_GCM");
  EXPECT_EQ(call.string_property("bdec", "srtp-profile"), "SRTP_AEAD_AES_128_GCM");
  EXPECT_EQ(dtls_version("aenc"), 0xFEFDu);
  EXPECT_EQ(dtls_version("bdec"), 0xFEFDu);
  EXPECT_EQ(call.key_set[0].load(), 1u);
  EXPECT_EQ(call.key_set[1].load(), 1u);
  // The peer certificate is readable, as webrtcbin's remote-certificate.
  EXPECT_TRUE(g_str_has_prefix(call.string_property("bdec", "peer-pem").c_str(),
                               "-----BEGIN CERTIFICATE-----"));
  // RTCP from rtcp_sink_0 arrives decrypted on the peer's rtcp_src, unchanged.
  const auto report = receiver_report(0x11223344);
  GstElement* rtcpsrc = call.element("rtcpsrc");
  GstFlowReturn ret;
  GstBuffer* buffer = gst_buffer_new_memdup(report.data(), report.size());
  g_signal_emit_by_name(rtcpsrc, "push-buffer", buffer, &ret);
  gst_buffer_unref(buffer);
  gst_object_unref(rtcpsrc);
  GstElement* rtcpsink = call.element("rtcpsink");
  GstSample* sample = nullptr;
  g_signal_emit_by_name(rtcpsink, "try-pull-sample", 5 * GST_SECOND, &sample);
  ASSERT_NE(sample, nullptr);
  EXPECT_EQ(test::to_bytes(gst_sample_get_buffer(sample)), report);
  gst_sample_unref(sample);
  gst_object_unref(rtcpsink);
}

// Issue 15: inside dtlssrtpenc (srtpenc ! funnel ! dtlsenc) a payloader's buffer lists were split
// into single buffers at dtlsenc, which had no chain_list.
TEST(DtlsSrtpBins, BufferListsFromThePayloaderLeaveTheEncoderAsLists) {
  BinCall call("is-client=true");
  // A frame's packets in one list (rtpvrawpay sends a list per chunk, ten chunks a frame).
  test::set_on_elements_of(call.pipeline, "rtpvrawpay", "chunks-per-frame", 1);
  test::ListCounts counts;
  GstElement* aenc = call.element("aenc");
  GstPad* src = gst_element_get_static_pad(aenc, "src");
  counts.watch(src);
  gst_object_unref(src);
  gst_object_unref(aenc);
  call.play();
  EXPECT_EQ(call.wait([&] { return call.rtp_received >= 40 && counts.lists >= 10; }), "");
  EXPECT_GE(counts.lists.load(), 10u);
  EXPECT_GE(counts.largest_list.load(), 2u);
  EXPECT_EQ(counts.single_srtp.load(), 0u) << "lists were split into single buffers";
}

TEST(DtlsSrtpBins, SecmediaPeersFallBackToWhatTheOtherOffers) {
  BinCall call("is-client=true");
  // Profiles are a property of the association; the decoder exposes the dtlsdec's peer settings.
  GstElement* enc = call.child_of_type("benc", "SecmediaDtlsEnc");
  ASSERT_NE(enc, nullptr);
  g_object_set(enc, "srtp-profiles", "SRTP_AES128_CM_SHA1_80", nullptr);
  gst_object_unref(enc);
  call.play();
  EXPECT_EQ(call.wait([&] { return call.rtp_received >= 5; }), "");
  EXPECT_EQ(call.string_property("aenc", "srtp-profile"), "SRTP_AES128_CM_SHA1_80");
}

// webrtcbin 1.22 never hands the SDP's a=fingerprint to its DTLS elements; an application that
// reaches dtlssrtpdec can, and then nothing but that certificate is accepted.
TEST(DtlsSrtpBins, PinnedPeerFingerprintConnectsAndAnyOtherFails) {
  {
    BinCall call("is-client=true");
    GstElement* adec = call.element("adec");
    GstElement* bdec = call.element("bdec");
    gchar* b_fingerprint = nullptr;
    g_object_get(bdec, "fingerprint", &b_fingerprint, nullptr);
    g_object_set(adec, "peer-fingerprint", b_fingerprint, nullptr);
    g_free(b_fingerprint);
    gst_object_unref(adec);
    gst_object_unref(bdec);
    call.play();
    EXPECT_EQ(call.wait([&] { return call.rtp_received >= 5; }), "");
    EXPECT_EQ(call.state_of("aenc"), kConnected);
  }
  {
    BinCall call("is-client=true");
    // A well-formed fingerprint of no certificate in this call.
    std::string impostor = "sha-256 ";
    for (int i = 0; i < 32; ++i) impostor += i ? ":AB" : "AB";
    GstElement* adec = call.element("adec");
    g_object_set(adec, "peer-fingerprint", impostor.c_str(), nullptr);
    gst_object_unref(adec);
    call.play();
    // Both peers fail (B learns from A's alert, in either order): collect the errors until A's,
    // which names the fingerprint it expected, has come.
    std::string error;
    for (int i = 0; i < 5 && error.find(impostor.substr(8)) == std::string::npos; ++i) {
      error += call.wait([] { return false; }, 2) + "\n";
    }
    EXPECT_NE(error.find("DTLS handshake failed"), std::string::npos) << error;
    EXPECT_NE(error.find(impostor.substr(8)), std::string::npos) << error;
    EXPECT_EQ(call.rtp_received.load(), 0u);
    EXPECT_NE(call.state_of("adec"), kConnected);
    EXPECT_EQ(call.key_set[0].load(), 0u) << "no keys from an unverified peer";
  }
}

// webrtcbin keeps dtlssrtpenc locked in NULL until ICE connects; the peer's ClientHello may reach
// dtlssrtpdec before that. The handshake must complete once the encoder starts.
TEST(DtlsSrtpBins, ClientHelloBeforeTheEncoderStartedStillConnects) {
  BinCall call("is-client=true");
  GstElement* benc = call.element("benc");
  gst_element_set_locked_state(benc, TRUE);
  call.play();
  EXPECT_EQ(call.wait([&] { return call.state_of("bdec") == kConnecting; }, 5), "");
  g_usleep(300 * 1000);  // B's answer waits for its encoder; A retransmits meanwhile
  EXPECT_EQ(call.rtp_received.load(), 0u);
  EXPECT_NE(call.state_of("aenc"), kConnected);
  gst_element_set_locked_state(benc, FALSE);
  EXPECT_TRUE(gst_element_sync_state_with_parent(benc));
  gst_object_unref(benc);
  EXPECT_EQ(call.wait([&] { return call.rtp_received >= 10; }), "");
  EXPECT_EQ(call.state_of("aenc"), kConnected);
  EXPECT_EQ(call.key_set[0].load(), 1u);
}

// RTP that reaches dtlssrtpenc before the handshake ends is dropped and counted, never sent under
// some other key: the peer's decoder sees no packet it cannot authenticate.
TEST(DtlsSrtpBins, RtpBeforeTheKeysIsDroppedAndCountedNotSent) {
  BinCall call("is-client=true");
  GstElement* benc = call.element("benc");
  gst_element_set_locked_state(benc, TRUE);  // no ServerHello until we let it go
  call.play();
  GstElement* srtpenc = call.child_of_type("aenc", "SecmediaSrtpEnc");
  ASSERT_NE(srtpenc, nullptr);
  auto dropped_no_key = [&] {
    GstStructure* stats = test::stats_of(srtpenc);
    guint64 no_key = 0;
    gst_structure_get_uint64(stats, "dropped-no-key", &no_key);
    gst_structure_free(stats);
    return no_key;
  };
  EXPECT_EQ(call.wait([&] { return dropped_no_key() >= 3; }), "");
  EXPECT_GE(dropped_no_key(), 3u);
  gst_element_set_locked_state(benc, FALSE);
  gst_element_sync_state_with_parent(benc);
  gst_object_unref(benc);
  EXPECT_EQ(call.wait([&] { return call.rtp_received >= 10; }), "");
  GstElement* srtpdec = call.child_of_type("bdec", "SecmediaSrtpDec");
  ASSERT_NE(srtpdec, nullptr);
  EXPECT_EQ(test::drop_count(srtpdec, "auth-failure"), 0u);
  EXPECT_EQ(test::drop_count(srtpdec, "no-key"), 0u);
  gst_object_unref(srtpdec);
  gst_object_unref(srtpenc);
}

TEST(DtlsSrtpBins, ApplicationDataBothWaysOverDataSinkAndDataSrc) {
  BinCall call("is-client=true", "",
               "appsrc name=adata format=time ! aenc.data_sink  bdec.data_src ! appsink "
               "name=bdata sync=false async=false  appsrc name=bdatasrc format=time ! "
               "benc.data_sink  adec.data_src ! appsink name=adata_sink sync=false async=false");
  call.play();
  EXPECT_EQ(call.wait([&] { return call.state_of("aenc") == kConnected; }), "");
  auto send = [&](const char* src, const std::string& text) {
    GstElement* appsrc = call.element(src);
    GstBuffer* buffer = gst_buffer_new_memdup(text.data(), text.size());
    GstFlowReturn ret;
    g_signal_emit_by_name(appsrc, "push-buffer", buffer, &ret);
    gst_buffer_unref(buffer);
    gst_object_unref(appsrc);
  };
  auto receive = [&](const char* sink_name) {
    GstElement* sink = call.element(sink_name);
    GstSample* sample = nullptr;
    g_signal_emit_by_name(sink, "try-pull-sample", 5 * GST_SECOND, &sample);
    std::string text;
    if (sample) {
      const auto bytes = test::to_bytes(gst_sample_get_buffer(sample));
      text.assign(bytes.begin(), bytes.end());
      gst_sample_unref(sample);
    }
    gst_object_unref(sink);
    return text;
  };
  send("adata", "sctp from a");
  send("bdatasrc", "sctp from b");
  EXPECT_EQ(receive("bdata"), "sctp from a");
  EXPECT_EQ(receive("adata_sink"), "sctp from b");
}

// SDES-style keying (RFC 4568): the static-key properties turn DTLS off; what leaves src is SRTP
// (first byte 0x80), decoded by a dtlssrtpdec with the same key and not by one with another.
TEST(DtlsSrtpBins, StaticKeysDisableDtlsAndProtectMedia) {
  const std::string key = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d";
  const std::string wrong = "ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d";
  const std::string ciphers =
      " srtp-cipher=aes-128-icm srtp-auth=hmac-sha1-80 srtcp-cipher=aes-128-icm "
      "srtcp-auth=hmac-sha1-80 ";
  for (const bool same_key : {true, false}) {
    // Over UDP, as SDES peers are: in one pipeline srtpenc's own key event would reach srtpdec.
    const std::string description =
        "videotestsrc is-live=true ! video/x-raw,width=64,height=48,framerate=30/1 ! rtpvrawpay "
        "! enc.rtp_sink_0  dtlssrtpenc name=enc key=" +
        key + ciphers +
        " ! tee name=t ! queue ! udpsink name=out host=127.0.0.1 sync=false async=false  "
        "udpsrc name=in address=127.0.0.1 port=0 caps=application/x-srtp ! dtlssrtpdec name=dec "
        "key=" +
        (same_key ? key : wrong) + ciphers +
        " dec.rtp_src ! fakesink name=sink sync=false async=false  t. ! queue ! appsink "
        "name=wire sync=false async=false max-buffers=5 drop=true";
    GError* error = nullptr;
    GstElement* pipeline = gst_parse_launch(description.c_str(), &error);
    ASSERT_NE(pipeline, nullptr) << (error ? error->message : "");
    gst_element_set_state(pipeline, GST_STATE_READY);  // udpsrc binds its port
    GstElement* in = gst_bin_get_by_name(GST_BIN(pipeline), "in");
    GstElement* out = gst_bin_get_by_name(GST_BIN(pipeline), "out");
    gint port = 0;
    g_object_get(in, "port", &port, nullptr);
    ASSERT_NE(port, 0);
    g_object_set(out, "port", port, nullptr);
    gst_object_unref(in);
    gst_object_unref(out);
    std::atomic<guint> received{0};
    GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
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
    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    GstElement* wire = gst_bin_get_by_name(GST_BIN(pipeline), "wire");
    GstSample* sample = nullptr;
    g_signal_emit_by_name(wire, "try-pull-sample", 5 * GST_SECOND, &sample);
    ASSERT_NE(sample, nullptr);
    const auto packet = test::to_bytes(gst_sample_get_buffer(sample));
    gst_sample_unref(sample);
    gst_object_unref(wire);
    ASSERT_FALSE(packet.empty());
    EXPECT_EQ(packet[0], 0x80) << "not an RTP/SRTP packet: DTLS was not disabled";
    // Until the decoder has seen enough: ten packets decoded, or ten refused as forged.
    GstElement* dec = gst_bin_get_by_name(GST_BIN(pipeline), "dec");
    GstElement* srtpdec = nullptr;
    for (GList* l = GST_BIN_CHILDREN(dec); l; l = l->next) {
      if (g_str_equal(G_OBJECT_TYPE_NAME(l->data), "SecmediaSrtpDec")) {
        srtpdec = GST_ELEMENT(gst_object_ref(l->data));
      }
    }
    gst_object_unref(dec);
    ASSERT_NE(srtpdec, nullptr);
    for (int i = 0; i < 500; ++i) {
      if (same_key ? received >= 10 : test::drop_count(srtpdec, "auth-failure") >= 10) break;
      g_usleep(20 * 1000);
    }
    if (!same_key) {
      EXPECT_GE(test::drop_count(srtpdec, "auth-failure"), 10u);
    }
    gst_object_unref(srtpdec);
    GstElement* enc = gst_bin_get_by_name(GST_BIN(pipeline), "enc");
    for (GList* l = GST_BIN_CHILDREN(enc); l; l = l->next) {
      EXPECT_STRNE(G_OBJECT_TYPE_NAME(l->data), "SecmediaDtlsEnc");
    }
    gst_object_unref(enc);
    if (same_key) {
      EXPECT_GE(received.load(), 10u);
    } else {
      EXPECT_EQ(received.load(), 0u);
    }
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(pipeline);
  }
}

TEST(DtlsSrtpDemux, SplitsByFirstByteAndCountsTheRest) {
  GstHarness* h = gst_harness_new_with_padnames("dtlssrtpdemux", "sink", nullptr);
  GstHarness* rtp = gst_harness_new_with_element(h->element, nullptr, "rtp_src");
  GstHarness* dtls = gst_harness_new_with_element(h->element, nullptr, "dtls_src");
  gst_harness_set_src_caps_str(h, "application/x-srtp");
  const std::vector<std::vector<uint8_t>> packets = {
      {22, 0xfe, 0xfd, 0},       // DTLS handshake record
      {0x80, 96, 0, 1, 0, 0},    // RTP
      {0x00, 0x01, 0x00, 0x00},  // STUN binding request: neither
      {64},                      // TURN channel range: neither
      {},                        // empty: neither
      {63, 0},                   // last DTLS value (RFC 7983)
      {191, 200},                // last RTP/RTCP value
  };
  for (const auto& p : packets) {
    EXPECT_EQ(gst_harness_push(h, p.empty() ? gst_buffer_new() : test::to_buffer(p)), GST_FLOW_OK);
  }
  EXPECT_EQ(gst_harness_buffers_received(dtls), 2u);
  EXPECT_EQ(gst_harness_buffers_received(rtp), 2u);
  GstStructure* stats = test::stats_of(h->element);
  guint64 dropped = 0;
  gst_structure_get_uint64(stats, "dropped", &dropped);
  EXPECT_EQ(dropped, 3u);
  gst_structure_free(stats);
  gst_harness_teardown(dtls);
  gst_harness_teardown(rtp);
  gst_harness_teardown(h);
}

}  // namespace
}  // namespace secmedia

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  g_log_set_always_fatal(static_cast<GLogLevelFlags>(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR));
  ::testing::InitGoogleTest(&argc, argv);
  return secmedia::test::run_all_tests_checking_gst_leaks();
}
