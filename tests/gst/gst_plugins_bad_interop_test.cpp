// SPDX-License-Identifier: LGPL-2.1-or-later
// Interop with gst-plugins-bad's srtpenc/srtpdec (the incumbent), each side in its own
// gst-launch-1.0 process with its own plugin path and registry. Raw video crosses the
// sequence-number wrap as SRTP, written with RFC 4571 framing (rtpstreampay) to a file: lossless
// and deterministic. The decoded video must equal what was sent, byte for byte, in both directions
// and for every profile both implement. (gst-plugins-bad 1.22 cannot run the NULL cipher with HMAC:
// libsrtp refuses its stream, so that one is checked against libsrtp directly in
// srtp_libsrtp_interop_test.)
#include <glib.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

enum class Side { ours, gst_plugins_bad };

struct Peer {
  std::string dir;  // scratch directory of the test
  std::string ours_plugin_dir;

  std::vector<std::string> environment(Side side) const {
    std::vector<std::string> env;
    gchar** current = g_get_environ();
    for (gchar** e = current; *e; ++e) {
      const std::string entry = *e;
      if (entry.rfind("GST_PLUGIN_PATH=", 0) == 0 || entry.rfind("GST_REGISTRY=", 0) == 0) continue;
      env.push_back(entry);
    }
    g_strfreev(current);
    if (side == Side::ours) {
      env.push_back("GST_PLUGIN_PATH=" + ours_plugin_dir);
      env.push_back("GST_REGISTRY=" + dir + "/registry-ours.bin");
    } else {
      env.push_back("GST_REGISTRY=" + dir + "/registry-bad.bin");
    }
    return env;
  }

  // Runs a command with a deadline; returns its exit status and stores its output.
  int run(Side side, const std::vector<std::string>& argv, std::string* output = nullptr) const {
    std::vector<std::string> full = {"timeout", "60"};
    full.insert(full.end(), argv.begin(), argv.end());
    std::vector<gchar*> args;
    for (auto& a : full) args.push_back(const_cast<gchar*>(a.c_str()));
    args.push_back(nullptr);
    std::vector<std::string> env = environment(side);
    std::vector<gchar*> envp;
    for (auto& e : env) envp.push_back(const_cast<gchar*>(e.c_str()));
    envp.push_back(nullptr);
    gchar* out = nullptr;
    gchar* err = nullptr;
    gint status = -1;
    GError* error = nullptr;
    if (!g_spawn_sync(dir.c_str(), args.data(), envp.data(), G_SPAWN_SEARCH_PATH, nullptr, nullptr,
                      &out, &err, &status, &error)) {
      ADD_FAILURE() << error->message;
      g_error_free(error);
      return -1;
    }
    if (output) *output = std::string(out ? out : "") + (err ? err : "");
    g_free(out);
    g_free(err);
    return g_spawn_check_wait_status(status, nullptr) ? 0 : 1;
  }
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

struct Profile {
  const char* cipher;
  const char* auth;
  const char* key_hex;
};

std::string name_of(const Profile& p) {
  std::string name = std::string(p.cipher) + "_" + p.auth;
  for (char& c : name) {
    if (c == '-') c = '_';
  }
  return name;
}

constexpr const char* kKey30 = "e1f97a0d3e018be0d64fa32c06de41390ec675ad498afeebb6960b3aabe6";
constexpr const char* kKey46 =
    "f0f04914b513f2763a1b1fa130f10e2998f6f6e43e4309d1e622a0e332b9f1b63b04803de51ee7c96423ab5b78d2";
constexpr const char* kKey28 = "000102030405060708090a0b0c0d0e0fa0a1a2a3a4a5a6a7a8a9aaab";
constexpr const char* kKey44 =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1fa0a1a2a3a4a5a6a7a8a9aaab";

class GstPluginsBadInterop : public ::testing::TestWithParam<std::tuple<Profile, bool>> {
 protected:
  static void SetUpTestSuite() {
    gchar* dir = g_dir_make_tmp("secmedia-interop-XXXXXX", nullptr);
    peer_.dir = dir;
    g_free(dir);
    const char* ours = std::getenv("SECMEDIA_GST_PLUGIN_DIR");
    peer_.ours_plugin_dir = ours ? ours : "";
  }
  static void TearDownTestSuite() {
    std::string ignored;
    peer_.run(Side::ours, {"rm", "-rf", peer_.dir}, &ignored);
  }

  static Peer peer_;
};
Peer GstPluginsBadInterop::peer_;

// Each process really loads the plugin it is meant to: ours from the build dir, the other from the
// system (gst-inspect-1.0 prints the plugin file).
TEST(GstPluginsBadInteropSetup, EachSideLoadsItsOwnPlugin) {
  Peer peer;
  gchar* dir = g_dir_make_tmp("secmedia-inspect-XXXXXX", nullptr);
  peer.dir = dir;
  g_free(dir);
  const char* ours = std::getenv("SECMEDIA_GST_PLUGIN_DIR");
  ASSERT_NE(ours, nullptr);
  peer.ours_plugin_dir = ours;
  std::string out;
  ASSERT_EQ(peer.run(Side::ours, {"gst-inspect-1.0", "srtpenc"}, &out), 0) << out;
  EXPECT_NE(out.find(peer.ours_plugin_dir + "/libgstsrtp.so"), std::string::npos) << out;
  EXPECT_NE(out.find("secmedia"), std::string::npos);
  ASSERT_EQ(peer.run(Side::gst_plugins_bad, {"gst-inspect-1.0", "srtpenc"}, &out), 0) << out;
  EXPECT_EQ(out.find(peer.ours_plugin_dir), std::string::npos) << out;
  EXPECT_NE(out.find("GStreamer Bad Plugins"), std::string::npos) << out;
  peer.run(Side::ours, {"rm", "-rf", peer.dir}, &out);
}

TEST_P(GstPluginsBadInterop, RawVideoBothWays) {
  const auto& [profile, ours_sends] = GetParam();
  const std::string tag = name_of(profile) + (ours_sends ? "_ours_to_bad" : "_bad_to_ours");
  const std::string in = tag + ".in.raw";
  const std::string wire = tag + ".srtp";
  const std::string out = tag + ".out.raw";
  const std::string ciphers = std::string("rtp-cipher=") + profile.cipher +
                              " rtp-auth=" + profile.auth + " rtcp-cipher=" + profile.cipher +
                              " rtcp-auth=" + profile.auth;
  // 40 frames of 64x48 I420 in packets of at most 600 bytes: about 330 packets, starting 36 before
  // the sequence-number wrap.
  const std::string sender =
      "videotestsrc num-buffers=40 pattern=ball ! "
      "video/x-raw,format=I420,width=64,height=48,framerate=30/1 ! tee name=t ! queue ! "
      "filesink location=" +
      in +
      " t. ! queue ! rtpvrawpay ssrc=1234 seqnum-offset=65500 mtu=600 ! "
      "srtpenc key=" +
      profile.key_hex + " " + ciphers + " ! rtpstreampay ! filesink location=" + wire;
  const std::string caps =
      std::string("application/x-srtp-stream,media=(string)video,clock-rate=(int)90000,") +
      "encoding-name=(string)RAW,sampling=(string)YCbCr-4:2:0,depth=(string)8,width=(string)64," +
      "height=(string)48,colorimetry=(string)BT601-5,payload=(int)96,ssrc=(uint)1234," +
      "srtp-key=(buffer)" + profile.key_hex + ",srtp-cipher=(string)" + profile.cipher +
      ",srtp-auth=(string)" + profile.auth + ",srtcp-cipher=(string)" + profile.cipher +
      ",srtcp-auth=(string)" + profile.auth;
  const std::string receiver =
      "filesrc location=" + wire + " ! '" + caps +
      "' ! rtpstreamdepay ! srtpdec ! rtpvrawdepay ! filesink location=" + out;

  std::string log;
  const Side send_side = ours_sends ? Side::ours : Side::gst_plugins_bad;
  const Side receive_side = ours_sends ? Side::gst_plugins_bad : Side::ours;
  ASSERT_EQ(peer_.run(send_side, {"sh", "-c", "gst-launch-1.0 -q " + sender}, &log), 0) << log;
  ASSERT_EQ(peer_.run(receive_side, {"sh", "-c", "gst-launch-1.0 -q " + receiver}, &log), 0) << log;
  EXPECT_EQ(log.find("CRITICAL"), std::string::npos) << log;
  const std::string sent = read_file(peer_.dir + "/" + in);
  const std::string received = read_file(peer_.dir + "/" + out);
  ASSERT_EQ(sent.size(), 40u * 64 * 48 * 3 / 2);
  EXPECT_TRUE(sent == received) << "decoded video differs (" << received.size() << " of "
                                << sent.size() << " bytes)";
  // What crossed was encrypted: the plain frames do not appear in the SRTP file (unless NULL
  // cipher).
  const std::string on_wire = read_file(peer_.dir + "/" + wire);
  if (std::string(profile.cipher) != "null") {
    EXPECT_EQ(on_wire.find(sent.substr(1000, 64)), std::string::npos);
  }
}

INSTANTIATE_TEST_SUITE_P(
    SharedProfiles, GstPluginsBadInterop,
    ::testing::Combine(::testing::Values(Profile{"aes-128-icm", "hmac-sha1-80", kKey30},
                                         Profile{"aes-128-icm", "hmac-sha1-32", kKey30},
                                         Profile{"aes-256-icm", "hmac-sha1-80", kKey46},
                                         Profile{"aes-256-icm", "hmac-sha1-32", kKey46},
                                         Profile{"aes-128-gcm", "null", kKey28},
                                         Profile{"aes-256-gcm", "null", kKey44}),
                       ::testing::Bool()),
    [](const auto& test_info) {
      return name_of(std::get<0>(test_info.param)) + (std::get<1>(test_info.param)
                                                          ? "_ours_to_gst_plugins_bad"
                                                          : "_gst_plugins_bad_to_ours");
    });

}  // namespace
