// SPDX-License-Identifier: LGPL-2.1-or-later
// libFuzzer target for the srtpdec element (gst/srtp/gstsrtpdec.cpp), driven through its pads with
// GstHarness: SRTP and SRTCP on either sink pad (rtcp-mux), the choice of keys per SSRC (key event,
// caps, request-key), the key signals, buffer lists, and buffers of several memory layouts.
//
// The input layout is in srtpdec_fuzz_input.h. GStreamer is initialised once, and the elements
// (one per Session, each with harnesses on rtp_sink -> rtp_src, rtcp_sink and rtcp_src) live for
// the whole run, so their streams, ROCs and replay windows carry over between inputs. The fuzzer
// keeps a model of the keys each element uses for each SSRC, and mirrors each of the element's
// unprotect sessions with a core protect session (secmedia::SrtpSession) holding the same keys:
// - raw packets go in as they are: what comes out must be no longer than what went in, and for a
//   pass-through SSRC it must be the packet itself;
// - valid packets are the input's packets protected first with the element's keys: each one must
//   come out, on the pad its second octet names (RFC 5761 §4), equal to the plain packet, and its
//   copy (selector bit) must be dropped as a replay. In Session::key_lifetime, where soft-limit and
//   hard-limit change keys in the middle of a push, an output, if any, must be the plain packet.
// Outputs are drained from both source pads after every input. Any other output, a flow error, data
// on a source pad before its stream-start, caps and segment, a buffer the element wrote into
// although it was shared, or a GLib warning or critical aborts. Controls (srtpdec_fuzz_input.h) run
// the key signals, rekeying, refused and malformed caps keys, and flushing seeks between pushes.
// Header privacy (RFC 6904, RFC 9335): two sessions have it from their properties or caps, and a
// selector bit pushes caps with srtp-encrypted-header-ids / srtp-cryptex from kPrivacyEntries
// (valid, malformed, wrongly typed) before the push; the model resolves them as the element must
// (caps field, else property; a refused entry changes nothing) and its senders protect with the
// same settings, so a valid packet must still come out as it went in.
//
// State carried across inputs means a crash input may only reproduce after the inputs before it:
// run the fuzzer on the crash file alone first, then on the corpus directories if that is clean.
//
// Environment: GST_PLUGIN_PATH must name the directory with this build's libgstsrtp.so (defaults to
// the one the fuzzer was built with); GST_REGISTRY defaults to fuzz-registry.bin next to the fuzzer
// and GST_REGISTRY_FORK to "no" (a sanitized plugin cannot be loaded by gst-plugin-scanner).
#include <gst/check/gstharness.h>
#include <gst/gst.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "secmedia/keying_material.h"
#include "secmedia/srtp.h"
#include "srtp_key_event.h"
#include "srtpdec_fuzz_input.h"

namespace secmedia::fuzz::srtpdec {
namespace {

const Selector* current_selector = nullptr;  // the input being run, for the failure message

[[noreturn]] void invariant_failed(const char* condition, int line) {
  if (current_selector != nullptr) {
    const Selector& s = *current_selector;
    std::fprintf(stderr,
                 "input: session %d, %s, %s, valid %d, duplicate %d, second key %d, shape %d, "
                 "control %d, privacy caps %d (entry %d)\n",
                 static_cast<int>(s.session), s.rtcp_sink ? "rtcp_sink" : "rtp_sink",
                 s.list ? "list" : "buffer", s.valid ? 1 : 0, s.duplicate ? 1 : 0,
                 s.second_key ? 1 : 0, static_cast<int>(s.shape), static_cast<int>(s.control),
                 s.privacy_caps ? 1 : 0, static_cast<int>(s.split));
  }
  std::fprintf(stderr, "invariant violated (srtpdec_element_fuzzer.cpp:%d): %s\n", line, condition);
  std::abort();
}

// A macro rather than a function so that the message names the condition and its line.
#define FUZZ_CHECK(condition) \
  ((condition) ? static_cast<void>(0) : invariant_failed(#condition, __LINE__))

using Bytes = std::vector<uint8_t>;

// ---- Keys -------------------------------------------------------------------------------------

struct MasterKey {
  Bytes key;
  Bytes salt;
  Bytes mki;
};

// Keys as the element holds them for one SSRC (caps or request-key); no keys: pass-through.
struct KeySet {
  SrtpProfile rtp_profile = SrtpProfile::null_null;
  SrtpProfile rtcp_profile = SrtpProfile::null_null;
  std::vector<MasterKey> keys;
  std::optional<uint32_t> roc;
};

// ---- Header privacy ---------------------------------------------------------------------------

// The header privacy fields of caps as the element reads them: absent, or a value.
struct PrivacyFields {
  std::optional<std::vector<uint8_t>> ids;
  std::optional<CryptexMode> cryptex;
  bool operator==(const PrivacyFields&) const = default;
};

// What a session uses: the fields where present, else the element's properties.
struct Privacy {
  std::vector<uint8_t> ids;
  CryptexMode cryptex = CryptexMode::off;
  bool operator==(const Privacy&) const = default;
};

Privacy resolve(const Privacy& properties, const PrivacyFields& fields) {
  return {fields.ids.value_or(properties.ids), fields.cryptex.value_or(properties.cryptex)};
}

enum class FieldType { string, integer, real, boolean };

// One entry of the table the selector picks from: how the two fields are written, and what the
// element must make of them (refused: the caps are refused and nothing changes).
struct PrivacyEntry {
  const char* ids;      // nullptr: no field
  FieldType ids_type;   // integer: 5; real: 5.0; otherwise the string
  const char* cryptex;  // nullptr: no field
  FieldType cryptex_type;
  bool refused;
  PrivacyFields fields;
};

using Ids = std::vector<uint8_t>;
constexpr auto S = FieldType::string;
const std::array<PrivacyEntry, kPrivacyEntryCount> kPrivacyEntries = {{
    {nullptr, S, nullptr, S, false, {}},
    {"5", S, nullptr, S, false, {Ids{5}, std::nullopt}},
    {"1,3,14", S, nullptr, S, false, {Ids{1, 3, 14}, std::nullopt}},
    {"", S, nullptr, S, false, {Ids{}, std::nullopt}},
    {nullptr, S, "off", S, false, {std::nullopt, CryptexMode::off}},
    {nullptr, S, "accept", S, false, {std::nullopt, CryptexMode::accept}},
    {nullptr, S, "required", S, false, {std::nullopt, CryptexMode::required}},
    {" 2 , 255", S, "accept", S, false, {Ids{2, 255}, CryptexMode::accept}},
    {"1,5", S, "required", S, false, {Ids{1, 5}, CryptexMode::required}},
    {"0", S, nullptr, S, true, {}},
    {"256", S, "accept", S, true, {}},
    {"1,,3", S, nullptr, S, true, {}},
    {"5", S, "Accept", S, false, {Ids{5}, CryptexMode::accept}},  // names ignore case
    {"1,5 ", S, "", S, true, {}},
    // gst_caps_from_string() reads srtp-encrypted-header-ids=5 as an int: one ID.
    {"5", FieldType::integer, "off", S, false, {Ids{5}, CryptexMode::off}},
    {"3", FieldType::real, "true", FieldType::boolean, true, {}},
}};

void set_privacy_fields(GstCaps* caps, const PrivacyEntry& entry) {
  const auto set = [caps](const char* field, const char* value, FieldType type) {
    if (value == nullptr) return;
    switch (type) {
      case FieldType::string:
        gst_caps_set_simple(caps, field, G_TYPE_STRING, value, nullptr);
        break;
      case FieldType::integer:
        gst_caps_set_simple(caps, field, G_TYPE_INT, std::atoi(value), nullptr);
        break;
      case FieldType::real:
        gst_caps_set_simple(caps, field, G_TYPE_DOUBLE, std::atof(value), nullptr);
        break;
      case FieldType::boolean:
        gst_caps_set_simple(caps, field, G_TYPE_BOOLEAN, TRUE, nullptr);
        break;
    }
  };
  set("srtp-encrypted-header-ids", entry.ids, entry.ids_type);
  set("srtp-cryptex", entry.cryptex, entry.cryptex_type);
}

void set_privacy_fields(GstCaps* caps, const PrivacyFields& fields) {
  if (fields.ids) {
    std::string text;
    for (const uint8_t id : *fields.ids) text += (text.empty() ? "" : ",") + std::to_string(id);
    gst_caps_set_simple(caps, "srtp-encrypted-header-ids", G_TYPE_STRING, text.c_str(), nullptr);
  }
  if (fields.cryptex) {
    gst_caps_set_simple(caps, "srtp-cryptex", G_TYPE_STRING, to_string(*fields.cryptex), nullptr);
  }
}

Bytes octets(size_t length, unsigned seed) {
  Bytes out(length);
  for (size_t i = 0; i < length; ++i) out[i] = static_cast<uint8_t>(seed + 7 * i);
  return out;
}

MasterKey master_key(SrtpProfile profile, unsigned seed, Bytes mki) {
  const SrtpProfileInfo& info = profile_info(profile);
  return {octets(info.master_key_length, seed), octets(info.master_salt_length, seed + 0x55),
          std::move(mki)};
}

// The keys request-key (and, in Session::key_lifetime, soft-limit and hard-limit) hands out.
KeySet class_keys(KeyClass key_class, uint32_t generation, bool roc) {
  KeySet k;
  const unsigned seed = 0x21 + 0x35 * static_cast<unsigned>(key_class) + 0x0b * generation;
  switch (key_class) {
    case KeyClass::aes128_80:
      k.rtp_profile = k.rtcp_profile = SrtpProfile::aes_cm_128_hmac_sha1_80;
      k.keys.push_back(master_key(k.rtp_profile, seed, {}));
      break;
    case KeyClass::gcm256_mki:
      k.rtp_profile = k.rtcp_profile = SrtpProfile::aead_aes_256_gcm;
      k.keys.push_back(master_key(k.rtp_profile, seed, {0xa0}));
      k.keys.push_back(master_key(k.rtp_profile, seed + 0x80, {0xa1}));
      break;
    case KeyClass::mixed:
      k.rtp_profile = SrtpProfile::null_hmac_sha1_32;
      k.rtcp_profile = SrtpProfile::aes_cm_128_hmac_sha1_80;
      k.keys.push_back(master_key(k.rtp_profile, seed, {}));
      break;
    case KeyClass::passthrough:
      break;
  }
  if (roc) k.roc = kGrantedRoc;
  return k;
}

// Session::caps: two of three keys with four-octet MKIs, {0, 1} in epoch 0 and {1, 2} in epoch 1.
KeySet caps_session_keys(int epoch) {
  KeySet k;
  k.rtp_profile = SrtpProfile::aes_256_cm_hmac_sha1_80;
  k.rtcp_profile = SrtpProfile::aes_256_cm_hmac_sha1_32;
  for (int n = epoch; n < epoch + 2; ++n) {
    k.keys.push_back(master_key(k.rtp_profile, 0x90 + 0x21 * static_cast<unsigned>(n),
                                {'M', 'K', 'I', static_cast<uint8_t>('0' + n)}));
  }
  return k;
}

// gst-plugins-bad's cipher and auth nicks (gst/srtp/srtp_cipher_settings.cpp).
std::pair<const char*, const char*> nicks(SrtpProfile profile) {
  switch (profile) {
    case SrtpProfile::aes_cm_128_hmac_sha1_80:
      return {"aes-128-icm", "hmac-sha1-80"};
    case SrtpProfile::aes_256_cm_hmac_sha1_80:
      return {"aes-256-icm", "hmac-sha1-80"};
    case SrtpProfile::aes_256_cm_hmac_sha1_32:
      return {"aes-256-icm", "hmac-sha1-32"};
    case SrtpProfile::aead_aes_256_gcm:
      return {"aes-256-gcm", "null"};
    case SrtpProfile::null_hmac_sha1_32:
      return {"null", "hmac-sha1-32"};
    case SrtpProfile::null_null:
      return {"null", "null"};
    default:
      invariant_failed("a profile the fuzzer does not put in caps", __LINE__);
  }
}

void set_buffer_field(GstCaps* caps, const std::string& name, const Bytes& bytes) {
  GstBuffer* buffer =
      bytes.empty() ? gst_buffer_new() : gst_buffer_new_memdup(bytes.data(), bytes.size());
  gst_caps_set_simple(caps, name.c_str(), GST_TYPE_BUFFER, buffer, nullptr);
  gst_buffer_unref(buffer);
}

// Caps in gst-plugins-bad's form: ssrc, the four ciphers and auths, srtp-key/mki,
// srtp-key2/mki2 ..., roc.
GstCaps* key_caps(const KeySet& k, uint32_t ssrc, const char* name) {
  const auto [rtp_cipher, rtp_auth] = nicks(k.rtp_profile);
  const auto [rtcp_cipher, rtcp_auth] = nicks(k.rtcp_profile);
  GstCaps* caps =
      gst_caps_new_simple(name, "ssrc", G_TYPE_UINT, ssrc, "srtp-cipher", G_TYPE_STRING, rtp_cipher,
                          "srtp-auth", G_TYPE_STRING, rtp_auth, "srtcp-cipher", G_TYPE_STRING,
                          rtcp_cipher, "srtcp-auth", G_TYPE_STRING, rtcp_auth, nullptr);
  for (size_t i = 0; i < k.keys.size(); ++i) {
    const std::string suffix = i == 0 ? "" : std::to_string(i + 1);
    Bytes key_and_salt = k.keys[i].key;
    key_and_salt.insert(key_and_salt.end(), k.keys[i].salt.begin(), k.keys[i].salt.end());
    set_buffer_field(caps, "srtp-key" + suffix, key_and_salt);
    if (!k.keys[i].mki.empty()) set_buffer_field(caps, "mki" + suffix, k.keys[i].mki);
  }
  if (k.roc) gst_caps_set_simple(caps, "roc", G_TYPE_UINT, *k.roc, nullptr);
  return caps;
}

// A protect session holding the same keys as the element's unprotect session for them.
std::unique_ptr<SrtpSession> make_sender(const KeySet& k, size_t replay_window, uint32_t ssrc,
                                         const Privacy& privacy) {
  SrtpConfig config;
  config.encrypted_header_extension_ids = privacy.ids;
  config.cryptex = privacy.cryptex;
  config.direction = SrtpDirection::protect;
  config.rtp_profile = k.rtp_profile;
  config.rtcp_profile = k.rtcp_profile;
  config.mki_length = k.keys.front().mki.size();
  config.replay_window_size = replay_window;
  std::unique_ptr<SrtpSession> session = SrtpSession::create(config);
  FUZZ_CHECK(session != nullptr);
  for (const MasterKey& key : k.keys) {
    FUZZ_CHECK(session->add_master_key(key.key, key.salt, key.mki) == SrtpStatus::ok);
  }
  if (k.roc) FUZZ_CHECK(session->set_rollover_counter(ssrc, *k.roc) == SrtpStatus::ok);
  return session;
}

// A sender for new settings that continues `previous`'s streams, as the element's new session
// continues its old one's rollover counters.
std::unique_ptr<SrtpSession> continue_sender(const KeySet& k, size_t replay_window,
                                             const SrtpSession* previous, const Privacy& privacy) {
  std::unique_ptr<SrtpSession> session = make_sender(k, replay_window, 0, privacy);
  if (previous) {
    for (const SrtpStreamInfo& stream : previous->streams()) {
      FUZZ_CHECK(session->set_rollover_counter(stream.ssrc, stream.rollover_counter) ==
                 SrtpStatus::ok);
    }
  }
  return session;
}

void replace_keys(SrtpSession& session, const KeySet& k) {
  session.clear_master_keys();
  for (const MasterKey& key : k.keys) {
    FUZZ_CHECK(session.add_master_key(key.key, key.salt, key.mki) == SrtpStatus::ok);
  }
}

// ---- Elements ---------------------------------------------------------------------------------

struct Element {
  Session id = Session::event_aes128_80;
  GstHarness* rtp = nullptr;       // rtp_sink -> rtp_src
  GstHarness* rtcp_in = nullptr;   // -> rtcp_sink; none in Session::event_gcm128 (rtcp-mux only)
  GstHarness* rtcp_out = nullptr;  // rtcp_src ->
  size_t replay_window = 1024;     // the element's replay-window-size
  Privacy properties;              // encrypted-header-ids and cryptex
  PrivacyFields event_fields;      // from the last rtp_sink caps without a key
  PrivacyFields caps_fields;       // in kCapsSsrc's caps (caps sessions)

  // Key event sessions: one protect session for every SSRC, as the element's event session.
  SrtpProfile event_profile = SrtpProfile::aes_cm_128_hmac_sha1_80;
  uint32_t generation = 1;
  std::unique_ptr<SrtpSession> event_sender;

  // Keys per SSRC (caps, request-key): one protect session per SSRC. The element holds such keys
  // as a template and makes the SSRC's session when a packet first authenticates with them (it
  // tries packets before that on a trial session without stream state, or with only the answer's
  // ROC): the same state as a sender made on first use, so the model needs no trial sessions.
  std::map<uint32_t, std::unique_ptr<SrtpSession>> senders;
  int caps_epoch = 0;
  // Session::key_lifetime: generation of the keys handed out per SSRC, and the SSRCs that
  // soft-limit or hard-limit gave new keys during the current push.
  std::map<uint32_t, uint32_t> key_generations;
  std::vector<uint32_t> rekeyed;

  GstElement* element() const { return rtp->element; }
  // Where a push goes: rtcp_sink when asked for and linked.
  GstHarness* sink(const Selector& s) const { return s.rtcp_sink && rtcp_in ? rtcp_in : rtp; }
  bool keyed_by_event() const {
    return id == Session::event_aes128_80 || id == Session::event_gcm128 ||
           id == Session::event_aes128_32 || id == Session::event_header_privacy;
  }
  bool keyed_by_caps() const { return id == Session::caps || id == Session::caps_header_privacy; }
  Privacy event_privacy() const { return resolve(properties, event_fields); }
  Privacy caps_privacy() const { return resolve(properties, caps_fields); }

  ~Element() {
    if (rtcp_out) gst_harness_teardown(rtcp_out);
    if (rtcp_in) gst_harness_teardown(rtcp_in);
    if (rtp) gst_harness_teardown(rtp);
  }
};

uint32_t key_generation(const Element& e, uint32_t ssrc) {
  const auto it = e.key_generations.find(ssrc);
  return it == e.key_generations.end() ? 0 : it->second;
}

// The keys the request-key handler gives `ssrc` (nullopt: none, or none the element accepts).
std::optional<KeySet> granted_keys(const Element& e, uint32_t ssrc) {
  const Granted g = decode_granted(ssrc);
  if (!g.granted || g.answer != Answer::keys) return std::nullopt;
  return class_keys(g.key_class, key_generation(e, ssrc), g.roc);
}

gst::KeyEventValue event_keys(const Element& e) {
  Bytes exported(SrtpKeyingMaterial::exporter_length(e.event_profile));
  for (size_t i = 0; i < exported.size(); ++i) {
    exported[i] =
        static_cast<uint8_t>(0x40 + 0x10 * static_cast<unsigned>(e.id) + e.generation + 13 * i);
  }
  std::optional<SrtpKeyingMaterial> material =
      SrtpKeyingMaterial::from_exporter(e.event_profile, exported, DtlsRole::client, e.generation);
  FUZZ_CHECK(material.has_value());
  return {*material, gst::KeyOrigin::dtls};
}

KeySet event_key_set(const Element& e) {
  const SrtpKeyingMaterial material = event_keys(e).material;
  KeySet k;
  // The value carries both profiles (RFC 5764 §4.1.2's rule for DTLS is the key ring's, tested in
  // tests/unit/srtp_keyring_test.cpp): the model takes them as they are.
  k.rtp_profile = material.profile;
  k.rtcp_profile = material.rtcp_profile;
  // The element unprotects with the peer's write key: this endpoint's remote key.
  k.keys.push_back({material.remote_key, material.remote_salt, {}});
  return k;
}

void push_key_event(Element& e) {
  FUZZ_CHECK(gst_harness_push_event(e.rtp, gst::make_srtp_keys_event(event_keys(e), true)));
}

void push_caps_keys(Element& e) {
  GstCaps* caps = key_caps(caps_session_keys(e.caps_epoch), kCapsSsrc, "application/x-srtp");
  set_privacy_fields(caps, e.caps_fields);
  FUZZ_CHECK(gst_harness_push_event(e.rtp, gst_event_new_caps(caps)));
  gst_caps_unref(caps);
}

GstCaps* on_request_key(GstElement*, guint ssrc, gpointer data) {
  const Element& e = *static_cast<const Element*>(data);
  const Granted g = decode_granted(ssrc);
  if (!g.granted) return nullptr;
  switch (g.answer) {
    case Answer::keys:
      return key_caps(*granted_keys(e, ssrc), ssrc, "application/x-srtp");
    case Answer::bad_key_length: {
      KeySet k = class_keys(
          g.key_class == KeyClass::passthrough ? KeyClass::aes128_80 : g.key_class, 0, false);
      k.keys.front().salt.pop_back();
      return key_caps(k, ssrc, "application/x-srtp");
    }
    case Answer::unauthenticated: {
      GstCaps* caps = gst_caps_new_simple(
          "application/x-srtp", "ssrc", G_TYPE_UINT, ssrc, "srtp-cipher", G_TYPE_STRING,
          "aes-128-icm", "srtp-auth", G_TYPE_STRING, "null", "srtcp-cipher", G_TYPE_STRING,
          "aes-128-icm", "srtcp-auth", G_TYPE_STRING, "null", nullptr);
      set_buffer_field(caps, "srtp-key", octets(30, 0x33));
      return caps;
    }
    case Answer::empty_caps:
      return gst_caps_new_empty();
    case Answer::null:
      return nullptr;
  }
  return nullptr;
}

// Session::key_lifetime. Only SSRCs with keys have limits. soft-limit hands over new keys every
// other time (otherwise the key runs on to its hard limit); hard-limit always does.
GstCaps* new_keys_at_limit(Element& e, uint32_t ssrc, bool soft) {
  const Granted g = decode_granted(ssrc);
  FUZZ_CHECK(g.granted && g.answer == Answer::keys && g.key_class != KeyClass::passthrough);
  uint32_t& generation = e.key_generations[ssrc];
  if (soft && generation % 2 == 1) return nullptr;
  ++generation;
  e.rekeyed.push_back(ssrc);
  return key_caps(class_keys(g.key_class, generation, g.roc), ssrc, "application/x-srtp");
}

GstCaps* on_soft_limit(GstElement*, guint ssrc, gpointer data) {
  return new_keys_at_limit(*static_cast<Element*>(data), ssrc, true);
}

GstCaps* on_hard_limit(GstElement*, guint ssrc, gpointer data) {
  return new_keys_at_limit(*static_cast<Element*>(data), ssrc, false);
}

constexpr auto kDataProbe =
    static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST);

// On the harnesses' sink pads: data must come after stream-start, caps and segment (GStreamer's
// event order), on rtcp_src too when the element starts it itself for rtcp-mux.
GstPadProbeReturn check_stream_events(GstPad* pad, GstPadProbeInfo*, gpointer pad_name) {
  for (const GstEventType type : {GST_EVENT_STREAM_START, GST_EVENT_CAPS, GST_EVENT_SEGMENT}) {
    GstEvent* event = gst_pad_get_sticky_event(pad, type, 0);
    if (event == nullptr) {
      std::fprintf(stderr, "a buffer on %s before any %s event\n",
                   static_cast<const char*>(pad_name), gst_event_type_get_name(type));
      invariant_failed("data flow before stream-start, caps and segment", __LINE__);
    }
    gst_event_unref(event);
  }
  return GST_PAD_PROBE_OK;
}

std::unique_ptr<Element> make_element(Session id) {
  auto e = std::make_unique<Element>();
  e->id = id;
  e->rtp = gst_harness_new_with_padnames("srtpdec", "rtp_sink", "rtp_src");
  if (g_strcmp0(G_OBJECT_TYPE_NAME(e->element()), "SecmediaSrtpDec") != 0) {
    std::fprintf(
        stderr, "srtpdec is %s, not secmedia's: set GST_PLUGIN_PATH to the build's gst directory\n",
        G_OBJECT_TYPE_NAME(e->element()));
    std::exit(1);
  }
  if (id != Session::event_gcm128) {
    e->rtcp_in = gst_harness_new_with_element(e->element(), "rtcp_sink", nullptr);
  }
  e->rtcp_out = gst_harness_new_with_element(e->element(), nullptr, "rtcp_src");
  gst_pad_add_probe(e->rtp->sinkpad, kDataProbe, check_stream_events, const_cast<char*>("rtp_src"),
                    nullptr);
  gst_pad_add_probe(e->rtcp_out->sinkpad, kDataProbe, check_stream_events,
                    const_cast<char*>("rtcp_src"), nullptr);
  GObject* object = G_OBJECT(e->element());
  switch (id) {
    case Session::event_aes128_80:
      e->event_profile = SrtpProfile::aes_cm_128_hmac_sha1_80;
      break;
    case Session::event_gcm128:
      e->event_profile = SrtpProfile::aead_aes_128_gcm;
      break;
    case Session::event_aes128_32:
      e->event_profile = SrtpProfile::aes_cm_128_hmac_sha1_32;
      break;
    case Session::caps:
      break;
    case Session::request_key:
      e->replay_window = 64;
      g_object_set(object, "replay-window-size", 64u, nullptr);
      break;
    case Session::key_lifetime:
      g_object_set(object, "key-lifetime", static_cast<guint64>(kShortKeyLifetime), nullptr);
      g_signal_connect(object, "soft-limit", G_CALLBACK(on_soft_limit), e.get());
      g_signal_connect(object, "hard-limit", G_CALLBACK(on_hard_limit), e.get());
      break;
    case Session::event_header_privacy:
      e->event_profile = SrtpProfile::aes_cm_128_hmac_sha1_80;
      g_object_set(object, "encrypted-header-ids", "1,5", nullptr);
      gst_util_set_object_arg(object, "cryptex", "accept");
      e->properties = {{1, 5}, CryptexMode::accept};
      break;
    case Session::caps_header_privacy:
      e->caps_fields = kPrivacyEntries[8].fields;
      break;
  }
  if (e->keyed_by_event()) {
    gst_harness_set_src_caps_str(e->rtp, "application/x-srtp");
    if (e->rtcp_in) gst_harness_set_src_caps_str(e->rtcp_in, "application/x-srtcp");
    push_key_event(*e);
    e->event_sender = make_sender(event_key_set(*e), e->replay_window, 0, e->event_privacy());
  } else {
    g_signal_connect(object, "request-key", G_CALLBACK(on_request_key), e.get());
    if (e->keyed_by_caps()) {
      const KeySet k = caps_session_keys(e->caps_epoch);
      GstCaps* rtp_caps = key_caps(k, kCapsSsrc, "application/x-srtp");
      set_privacy_fields(rtp_caps, e->caps_fields);
      gst_harness_set_src_caps(e->rtp, rtp_caps);
      // The same keys on rtcp_sink: nothing changes.
      GstCaps* rtcp_caps = key_caps(k, kCapsSsrc, "application/x-srtcp");
      set_privacy_fields(rtcp_caps, e->caps_fields);
      gst_harness_set_src_caps(e->rtcp_in, rtcp_caps);
    } else {
      gst_harness_set_src_caps_str(e->rtp, "application/x-srtp");
      gst_harness_set_src_caps_str(e->rtcp_in, "application/x-srtcp");
    }
  }
  return e;
}

std::array<std::unique_ptr<Element>, kSessionCount>& elements() {
  // Function-local so that nothing runs before gst_init; torn down at exit (which also runs the
  // element's PAUSED_TO_READY key clearing).
  static std::array<std::unique_ptr<Element>, kSessionCount> all;
  return all;
}

void set_up_elements() {
  for (size_t i = 0; i < kSessionCount; ++i) {
    elements()[i] = make_element(static_cast<Session>(i));
  }
}

// ---- The element's view of a packet ----------------------------------------------------------

// As srtpdec classifies (docs/elements/srtpdec.md): RTCP when the second octet is 192-223, on
// either sink pad; the SSRC at octet 8 (RTP) or 4 (RTCP); unusable when too short to name it.
struct Classified {
  bool ok = false;
  bool rtcp = false;
  uint32_t ssrc = 0;
};

Classified classify(std::span<const uint8_t> packet) {
  Classified c;
  c.rtcp = packet.size() >= 2 && packet[1] >= 192 && packet[1] <= 223;
  const size_t at = c.rtcp ? 4 : 8;
  if (packet.size() < at + 4) return c;
  c.ssrc = static_cast<uint32_t>(packet[at]) << 24 | static_cast<uint32_t>(packet[at + 1]) << 16 |
           static_cast<uint32_t>(packet[at + 2]) << 8 | packet[at + 3];
  c.ok = true;
  return c;
}

enum class KeyKind { none, passthrough, keys, unknown };

// Which keys the element uses for `ssrc`: caps, then request-key, then the key event. With keys,
// `sender` is the matching protect session (created on first use; the element's session starts
// from the same state when the first packet authenticates).
KeyKind keys_for(Element& e, uint32_t ssrc, SrtpSession** sender, KeySet* keys) {
  if ((ssrc & kFuzzedCapsSsrcMask) == kFuzzedCapsSsrcBase) return KeyKind::unknown;
  if (e.keyed_by_event()) {
    *sender = e.event_sender.get();
    *keys = event_key_set(e);
    return KeyKind::keys;
  }
  std::optional<KeySet> k;
  const bool by_caps = e.keyed_by_caps() && ssrc == kCapsSsrc;
  if (by_caps) {
    k = caps_session_keys(e.caps_epoch);
  } else {
    k = granted_keys(e, ssrc);
  }
  if (!k) return KeyKind::none;
  if (k->keys.empty()) return KeyKind::passthrough;
  std::unique_ptr<SrtpSession>& slot = e.senders[ssrc];
  // request-key's caps carry no header privacy: the properties apply.
  if (!slot)
    slot = make_sender(*k, e.replay_window, ssrc, by_caps ? e.caps_privacy() : e.properties);
  *sender = slot.get();
  *keys = std::move(*k);
  return KeyKind::keys;
}

// ---- Expected outputs -------------------------------------------------------------------------

struct Expected {
  enum class Kind {
    exact,        // exactly `bytes`
    maybe_exact,  // nothing, or exactly `bytes`
    maybe_any,    // nothing, or anything no longer than `input_size`
  };
  Kind kind = Kind::exact;
  Bytes bytes;
  size_t input_size = 0;
};

struct Plan {
  std::vector<Bytes> packets;                    // pushed in this order
  std::array<std::vector<Expected>, 2> outputs;  // per source pad: [0] rtp_src, [1] rtcp_src
};

void expect(Plan& plan, bool rtcp, Expected::Kind kind, Bytes bytes, size_t input_size) {
  plan.outputs[rtcp ? 1 : 0].push_back({kind, std::move(bytes), input_size});
}

void plan_raw(Element& e, std::span<const uint8_t> chunk, Plan& plan) {
  const Bytes packet(chunk.begin(), chunk.end());
  plan.packets.push_back(packet);
  const Classified c = classify(packet);
  if (!c.ok) return;  // dropped as malformed
  SrtpSession* sender = nullptr;
  KeySet keys;
  switch (keys_for(e, c.ssrc, &sender, &keys)) {
    case KeyKind::none:
      return;  // dropped for want of a key
    case KeyKind::passthrough:
      expect(plan, c.rtcp, Expected::Kind::exact, packet, packet.size());
      return;
    case KeyKind::keys:
      // Almost always dropped; a packet that authenticates (a 32-bit tag met by chance) may pass.
    case KeyKind::unknown:
      expect(plan, c.rtcp, Expected::Kind::maybe_any, {}, packet.size());
      return;
  }
}

std::optional<Bytes> protect(SrtpSession& sender, bool rtcp, const Bytes& plain) {
  Bytes buffer(plain);
  buffer.resize(plain.size() + (rtcp ? sender.rtcp_overhead() : sender.rtp_overhead()));
  size_t length = plain.size();
  const SrtpStatus status =
      rtcp ? sender.protect_rtcp(buffer, length) : sender.protect_rtp(buffer, length);
  if (status != SrtpStatus::ok) return std::nullopt;
  buffer.resize(length);
  return buffer;
}

void plan_valid(Element& e, const Selector& s, std::span<const uint8_t> chunk, Plan& plan) {
  // Version 2, so that protect spends the fuzzer's effort past the version check.
  Bytes plain(chunk.begin(), chunk.end());
  if (!plain.empty()) plain[0] = static_cast<uint8_t>((plain[0] & 0x3f) | 0x80);
  const Classified c = classify(plain);
  SrtpSession* sender = nullptr;
  KeySet keys;
  const KeyKind kind = c.ok ? keys_for(e, c.ssrc, &sender, &keys) : KeyKind::none;
  if (kind != KeyKind::keys) {
    plan_raw(e, plain, plan);
    if (s.duplicate) plan_raw(e, plain, plan);  // pass-through has no replay protection
    return;
  }
  if (keys.keys.size() > 1) {
    const MasterKey& key = keys.keys[s.second_key ? 1 : 0];
    FUZZ_CHECK(sender->select_send_key(key.mki) == SrtpStatus::ok);
  }
  std::optional<Bytes> packet = protect(*sender, c.rtcp, plain);
  if (!packet) {
    // Not a packet protect takes (too short, a repeated index): the plain packet goes in raw.
    plan_raw(e, plain, plan);
    return;
  }
  plan.packets.push_back(*packet);
  const Expected::Kind certainty =
      e.id == Session::key_lifetime ? Expected::Kind::maybe_exact : Expected::Kind::exact;
  const size_t protected_size = packet->size();
  // RFC 9335 §5.1 (Sending): a cryptex sender gives a packet with CSRCs and no extension an empty
  // block (0xC0DE on the wire), which the receiver leaves as an empty 0xBEDE block.
  const size_t csrc_count = plain[0] & 0x0f;
  if (!c.rtcp && sender->config().cryptex != CryptexMode::off && csrc_count > 0 &&
      (plain[0] & 0x10) == 0) {
    const size_t at = 12 + 4 * csrc_count;
    FUZZ_CHECK(plain.size() >= at);
    plain.insert(plain.begin() + static_cast<std::ptrdiff_t>(at), {0xbe, 0xde, 0x00, 0x00});
    plain[0] |= 0x10;
  }
  expect(plan, c.rtcp, certainty, std::move(plain), protected_size);
  // The copy is a replay: never output.
  if (s.duplicate) plan.packets.push_back(std::move(*packet));
}

// Whether `outs` can be the element's output for `expected`, in order. A small dynamic programme:
// the optional entries may or may not have produced a buffer.
bool outputs_match(const std::vector<Bytes>& outs, const std::vector<Expected>& expected) {
  const size_t n = outs.size();
  const size_t m = expected.size();
  // can[i][j]: outs[i..] is the output of expected[j..].
  std::vector<std::vector<char>> can(n + 1, std::vector<char>(m + 1, 0));
  can[n][m] = 1;
  for (size_t j = m; j-- > 0;) {
    can[n][j] = expected[j].kind != Expected::Kind::exact && can[n][j + 1];
  }
  for (size_t i = n; i-- > 0;) {
    for (size_t j = m; j-- > 0;) {
      const Expected& e = expected[j];
      const bool skip = e.kind != Expected::Kind::exact && can[i][j + 1];
      const bool fits =
          e.kind == Expected::Kind::maybe_any ? outs[i].size() <= e.input_size : outs[i] == e.bytes;
      can[i][j] = skip || (fits && can[i + 1][j + 1]);
    }
  }
  return can[0][0] != 0;
}

void report_mismatch(const char* pad, const std::vector<Bytes>& outs,
                     const std::vector<Expected>& expected) {
  std::fprintf(stderr, "%s: %zu buffers out:", pad, outs.size());
  for (const Bytes& out : outs) std::fprintf(stderr, " %zu", out.size());
  std::fprintf(stderr, "\nexpected (e = exact, m = maybe exact, a = maybe any):");
  for (const Expected& e : expected) {
    const char tag = e.kind == Expected::Kind::exact         ? 'e'
                     : e.kind == Expected::Kind::maybe_exact ? 'm'
                                                             : 'a';
    std::fprintf(stderr, " %c%zu", tag,
                 e.kind == Expected::Kind::maybe_any ? e.input_size : e.bytes.size());
  }
  std::fprintf(stderr, "\n");
}

// ---- Pushing and draining ---------------------------------------------------------------------

GstBuffer* make_buffer(const Bytes& bytes, Shape shape, uint8_t split) {
  if (bytes.empty()) return gst_buffer_new();
  const size_t size = bytes.size();
  if (shape == Shape::two_memories && size > 1) {
    const size_t at = 1 + split * (size - 1) / 16;
    GstBuffer* head = gst_buffer_new_memdup(bytes.data(), at);
    return gst_buffer_append(head, gst_buffer_new_memdup(bytes.data() + at, size - at));
  }
  if (shape == Shape::read_only) {
    gpointer copy = g_memdup2(bytes.data(), size);
    return gst_buffer_new_wrapped_full(GST_MEMORY_FLAG_READONLY, copy, size, 0, size, copy, g_free);
  }
  return gst_buffer_new_memdup(bytes.data(), size);
}

Bytes bytes_of(GstBuffer* buffer) {
  Bytes bytes(gst_buffer_get_size(buffer));
  if (!bytes.empty()) gst_buffer_extract(buffer, 0, bytes.data(), bytes.size());
  return bytes;
}

void push(Element& e, const Selector& s, const std::vector<Bytes>& packets) {
  GstHarness* h = e.sink(s);
  if (s.list) {
    GstBufferList* list = gst_buffer_list_new_sized(static_cast<guint>(packets.size()));
    for (const Bytes& packet : packets) {
      gst_buffer_list_add(list, make_buffer(packet, s.shape, s.split));
    }
    // Shared: the element must copy the list and its buffers rather than write into them.
    GstBufferList* kept = s.shape == Shape::shared ? gst_buffer_list_ref(list) : nullptr;
    FUZZ_CHECK(gst_pad_push_list(h->srcpad, list) == GST_FLOW_OK);
    if (kept) {
      FUZZ_CHECK(gst_buffer_list_length(kept) == packets.size());
      for (guint i = 0; i < gst_buffer_list_length(kept); ++i) {
        FUZZ_CHECK(bytes_of(gst_buffer_list_get(kept, i)) == packets[i]);
      }
      gst_buffer_list_unref(kept);
    }
    return;
  }
  for (const Bytes& packet : packets) {
    GstBuffer* buffer = make_buffer(packet, s.shape, s.split);
    GstBuffer* kept = s.shape == Shape::shared ? gst_buffer_ref(buffer) : nullptr;
    FUZZ_CHECK(gst_harness_push(h, buffer) == GST_FLOW_OK);
    if (kept) {
      FUZZ_CHECK(bytes_of(kept) == packet);
      gst_buffer_unref(kept);
    }
  }
}

std::vector<Bytes> pull_all(GstHarness* h) {
  std::vector<Bytes> outs;
  while (GstBuffer* buffer = gst_harness_try_pull(h)) {
    outs.push_back(bytes_of(buffer));
    gst_buffer_unref(buffer);
  }
  return outs;
}

void drop_events(GstHarness* h) {
  while (GstEvent* event = gst_harness_try_pull_event(h)) gst_event_unref(event);
  while (GstEvent* event = gst_harness_try_pull_upstream_event(h)) gst_event_unref(event);
}

// ---- Controls ---------------------------------------------------------------------------------

// Control::fuzzed_caps: caps whose key fields come from `params`, right or wrong.
GstCaps* fuzzed_caps(std::span<const uint8_t> params, uint32_t ssrc, bool rtcp) {
  const auto at = [params](size_t i) -> uint8_t { return i < params.size() ? params[i] : 0; };
  // Known nicks first; an index past them is an unknown nick, the last one no field at all.
  static constexpr std::array<const char*, 8> kCiphers = {
      "null", "aes-128-icm", "aes-256-icm", "aes-128-gcm", "aes-256-gcm", "aes-192-icm", "des", ""};
  static constexpr std::array<size_t, 8> kKeyLengths = {30, 30, 46, 28, 44, 38, 30, 30};
  static constexpr std::array<const char*, 5> kAuths = {"null", "hmac-sha1-32", "hmac-sha1-80",
                                                        "md5", ""};
  GstCaps* caps = gst_caps_new_simple(rtcp ? "application/x-srtcp" : "application/x-srtp", "ssrc",
                                      G_TYPE_UINT, ssrc, nullptr);
  const auto set_nick = [caps](const char* field, const char* nick) {
    if (*nick) gst_caps_set_simple(caps, field, G_TYPE_STRING, nick, nullptr);
  };
  const size_t cipher = at(0) % kCiphers.size();
  set_nick("srtp-cipher", kCiphers[cipher]);
  set_nick("srtp-auth", kAuths[at(1) % kAuths.size()]);
  set_nick("srtcp-cipher", kCiphers[at(2) % kCiphers.size()]);
  set_nick("srtcp-auth", kAuths[at(3) % kAuths.size()]);
  const uint8_t flags = at(4);
  const size_t key_count = at(5) % 18;  // up to two more than kSrtpMaxMasterKeys
  // Mostly the length the RTP cipher needs, sometimes any.
  const size_t key_length = (flags & 0x01) != 0 ? at(6) % 64 : kKeyLengths[cipher];
  const size_t mki_length = at(7) % 6;
  for (size_t i = 0; i < key_count; ++i) {
    const std::string suffix = i == 0 ? "" : std::to_string(i + 1);
    if ((flags & 0x02) != 0 && i == 1) {
      gst_caps_set_simple(caps, ("srtp-key" + suffix).c_str(), G_TYPE_STRING, "0123", nullptr);
    } else {
      set_buffer_field(caps, "srtp-key" + suffix, octets(key_length, at(8) + 0x17 * i));
    }
    // One MKI is left out, one repeated, or one has another length, as the flags say.
    if (mki_length == 0 || ((flags & 0x04) != 0 && i == key_count - 1)) continue;
    Bytes mki = octets(mki_length + ((flags & 0x08) != 0 && i == 1 ? 1 : 0), at(9) + i);
    if ((flags & 0x10) != 0 && i == 1) mki = octets(mki_length, at(9));
    if ((flags & 0x20) != 0 && i == 0) {
      gst_caps_set_simple(caps, ("mki" + suffix).c_str(), G_TYPE_UINT, 7u, nullptr);
    } else {
      set_buffer_field(caps, "mki" + suffix, mki);
    }
  }
  if ((flags & 0x40) != 0)
    gst_caps_set_simple(caps, "roc", G_TYPE_UINT, at(10) * 0x1010101u, nullptr);
  return caps;
}

void check_stats(Element& e) {
  GstStructure* stats = nullptr;
  g_object_get(e.element(), "stats", &stats, nullptr);
  FUZZ_CHECK(stats != nullptr);
  guint received = 0;
  guint dropped = 0;
  FUZZ_CHECK(gst_structure_get_uint(stats, "recv-count", &received));
  FUZZ_CHECK(gst_structure_get_uint(stats, "recv-drop-count", &dropped));
  FUZZ_CHECK(dropped <= received);
  FUZZ_CHECK(gst_structure_has_field_typed(stats, "streams", GST_TYPE_ARRAY));
  FUZZ_CHECK(gst_structure_has_field_typed(stats, "drops", GST_TYPE_STRUCTURE));
  gst_structure_free(stats);
}

// After the element lost its keys (clear-keys, remove-key), the session's own keys go in again; the
// element starts afresh for them, and so does the model.
void reinstall_own_keys(Element& e) {
  if (e.keyed_by_event()) {
    push_key_event(e);
    e.event_sender = make_sender(event_key_set(e), e.replay_window, 0, e.event_privacy());
  } else if (e.keyed_by_caps()) {
    e.senders.erase(kCapsSsrc);
    push_caps_keys(e);
  }
}

bool fuzzed_caps_all_null(GstCaps* caps) {
  const GstStructure* s = gst_caps_get_structure(caps, 0);
  for (const char* field : {"srtp-cipher", "srtp-auth", "srtcp-cipher", "srtcp-auth"}) {
    const gchar* value = gst_structure_get_string(s, field);
    if (value == nullptr || g_strcmp0(value, "null") != 0) return false;
  }
  return true;
}

// The element takes new header privacy for the key event's keys: a new session continuing the
// streams when the settings it resolves to change, the same session otherwise.
void set_event_fields(Element& e, const PrivacyFields& fields) {
  if (!e.keyed_by_event()) {
    e.event_fields = fields;
    return;
  }
  const Privacy before = e.event_privacy();
  e.event_fields = fields;
  if (e.event_privacy() != before) {
    e.event_sender =
        continue_sender(event_key_set(e), e.replay_window, e.event_sender.get(), e.event_privacy());
  }
}

// Selector bit: caps with a header privacy entry on rtp_sink, before any control.
void push_privacy_caps(Element& e, const PrivacyEntry& entry) {
  if (e.keyed_by_caps()) {
    // kCapsSsrc's keys with the entry's fields: a refused entry refuses the keys, which stay.
    GstCaps* caps = key_caps(caps_session_keys(e.caps_epoch), kCapsSsrc, "application/x-srtp");
    set_privacy_fields(caps, entry);
    FUZZ_CHECK(gst_harness_push_event(e.rtp, gst_event_new_caps(caps)));
    gst_caps_unref(caps);
    if (entry.refused) return;
    const Privacy before = e.caps_privacy();
    e.caps_fields = entry.fields;
    if (e.caps_privacy() == before) return;
    if (auto it = e.senders.find(kCapsSsrc); it != e.senders.end()) {
      it->second = continue_sender(caps_session_keys(e.caps_epoch), e.replay_window,
                                   it->second.get(), e.caps_privacy());
    }
    return;
  }
  GstCaps* caps = gst_caps_new_empty_simple("application/x-srtp");
  set_privacy_fields(caps, entry);
  FUZZ_CHECK(gst_harness_push_event(e.rtp, gst_event_new_caps(caps)));
  gst_caps_unref(caps);
  if (!entry.refused) set_event_fields(e, entry.fields);
}

void run_control(Element& e, const Selector& s,
                 const std::vector<std::span<const uint8_t>>& chunks) {
  switch (s.control) {
    case Control::none:
      return;
    case Control::flush: {
      // A flushing seek upstream. With rtcp-mux, rtcp_src is flushed with rtp_sink.
      GstHarness* h = e.sink(s);
      FUZZ_CHECK(gst_harness_push_event(h, gst_event_new_flush_start()));
      FUZZ_CHECK(gst_harness_push_event(h, gst_event_new_flush_stop(TRUE)));
      GstSegment segment;
      gst_segment_init(&segment, GST_FORMAT_TIME);
      FUZZ_CHECK(gst_harness_push_event(h, gst_event_new_segment(&segment)));
      return;
    }
    case Control::fuzzed_caps: {
      const std::span<const uint8_t> first =
          chunks.empty() ? std::span<const uint8_t>() : chunks.front();
      const uint32_t ssrc = kFuzzedCapsSsrcBase | (classify(first).ssrc & ~kFuzzedCapsSsrcMask);
      GstHarness* h = e.sink(s);
      GstCaps* caps = fuzzed_caps(
          first.size() > 12 ? first.subspan(12) : std::span<const uint8_t>(), ssrc, h == e.rtcp_in);
      // Caps without a key (no srtp-key, not all four nicks null) on rtp_sink set the header
      // privacy of the key event's keys: these have none, so back to the properties.
      const bool carries_keys =
          gst_structure_has_field(gst_caps_get_structure(caps, 0), "srtp-key") ||
          fuzzed_caps_all_null(caps);
      // The element answers true when it could forward the caps, whether it took the keys or not.
      FUZZ_CHECK(gst_harness_push_event(h, gst_event_new_caps(caps)));
      gst_caps_unref(caps);
      if (h == e.rtp && !carries_keys) set_event_fields(e, {});
      return;
    }
    case Control::refused_keys: {
      // Two keys with one MKI: the caps parse, and the element refuses them when it installs the
      // second key ("keys for SSRC ... refused"). Refused keys must leave the SSRC as it was.
      const Classified c = chunks.empty() ? Classified{} : classify(chunks.front());
      KeySet k = class_keys(KeyClass::gcm256_mki, 0, false);
      k.keys[1].mki = k.keys[0].mki;
      GstCaps* caps = key_caps(k, c.ssrc, "application/x-srtp");
      FUZZ_CHECK(gst_harness_push_event(e.rtp, gst_event_new_caps(caps)));
      gst_caps_unref(caps);
      return;
    }
    case Control::stats:
      check_stats(e);
      return;
    case Control::rekey:
      // New keys of the same profile: the element rekeys its session in place, keeping the streams.
      if (e.keyed_by_event()) {
        ++e.generation;
        push_key_event(e);
        replace_keys(*e.event_sender, event_key_set(e));
      } else if (e.keyed_by_caps()) {
        e.caps_epoch ^= 1;
        push_caps_keys(e);
        if (auto it = e.senders.find(kCapsSsrc); it != e.senders.end()) {
          replace_keys(*it->second, caps_session_keys(e.caps_epoch));
        }
      }
      return;
    case Control::remove_key: {
      const Classified c = chunks.empty() ? Classified{} : classify(chunks.front());
      g_signal_emit_by_name(e.element(), "remove-key", static_cast<guint>(c.ssrc));
      e.senders.erase(c.ssrc);
      if (e.keyed_by_caps() && c.ssrc == kCapsSsrc) reinstall_own_keys(e);
      return;
    }
    case Control::clear_keys:
      g_signal_emit_by_name(e.element(), "clear-keys");
      e.senders.clear();
      reinstall_own_keys(e);
      return;
  }
}

// ---- One input --------------------------------------------------------------------------------

void run_input(const uint8_t* data, size_t size) {
  if (size < kSelectorLength) return;
  const Selector s = decode_selector(data);
  current_selector = &s;
  Element& e = *elements()[static_cast<size_t>(s.session)];
  const std::vector<std::span<const uint8_t>> chunks =
      split_body(std::span<const uint8_t>(data + kSelectorLength, size - kSelectorLength), s.list);

  if (s.privacy_caps) push_privacy_caps(e, kPrivacyEntries[s.split]);
  run_control(e, s, chunks);
  drop_events(e.rtp);
  if (e.rtcp_in) drop_events(e.rtcp_in);
  drop_events(e.rtcp_out);

  Plan plan;
  for (const std::span<const uint8_t> chunk : chunks) {
    if (s.valid) {
      plan_valid(e, s, chunk, plan);
    } else {
      plan_raw(e, chunk, plan);
    }
  }
  push(e, s, plan.packets);

  const std::vector<Bytes> rtp_out = pull_all(e.rtp);
  const std::vector<Bytes> rtcp_out = pull_all(e.rtcp_out);
  drop_events(e.rtp);
  if (e.rtcp_in) drop_events(e.rtcp_in);
  drop_events(e.rtcp_out);
  if (!outputs_match(rtp_out, plan.outputs[0])) {
    report_mismatch("rtp_src", rtp_out, plan.outputs[0]);
    invariant_failed("rtp_src output differs from the model", __LINE__);
  }
  if (!outputs_match(rtcp_out, plan.outputs[1])) {
    report_mismatch("rtcp_src", rtcp_out, plan.outputs[1]);
    invariant_failed("rtcp_src output differs from the model", __LINE__);
  }

  // Keys that soft-limit or hard-limit handed over during the push: the senders follow.
  for (const uint32_t ssrc : e.rekeyed) {
    if (auto it = e.senders.find(ssrc); it != e.senders.end()) {
      replace_keys(*it->second, *granted_keys(e, ssrc));
    }
  }
  e.rekeyed.clear();
  current_selector = nullptr;
}

}  // namespace
}  // namespace secmedia::fuzz::srtpdec

namespace {

GLogLevelFlags fatal_levels = static_cast<GLogLevelFlags>(G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL);

// GLib ends a fatal message with a breakpoint (SIGTRAP), which libFuzzer does not catch: abort()
// instead, so that it prints the stack and keeps the input.
GLogWriterOutput abort_on_fatal(GLogLevelFlags level, const GLogField* fields, gsize count,
                                gpointer) {
  const GLogWriterOutput result = g_log_writer_default(level, fields, count, nullptr);
  if ((level & fatal_levels) != 0) std::abort();
  return result;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  (void)argc;
  g_log_set_writer_func(abort_on_fatal, nullptr, nullptr);
  // A GLib critical (refcount misuse, bad arguments) is a finding.
  g_log_set_always_fatal(fatal_levels);
  // A sanitized plugin cannot be loaded by the uninstrumented gst-plugin-scanner; and the user's
  // registry cache stays untouched.
  g_setenv("GST_REGISTRY_FORK", "no", FALSE);
  if (!g_getenv("GST_REGISTRY")) {
    gchar* dir = g_path_get_dirname((*argv)[0]);
    gchar* registry = g_build_filename(dir, "fuzz-registry.bin", nullptr);
    g_setenv("GST_REGISTRY", registry, FALSE);
    g_free(registry);
    g_free(dir);
  }
#ifdef SECMEDIA_FUZZ_GST_PLUGIN_DIR
  g_setenv("GST_PLUGIN_PATH", SECMEDIA_FUZZ_GST_PLUGIN_DIR, FALSE);
#endif
  gst_init(nullptr, nullptr);
  secmedia::fuzz::srtpdec::set_up_elements();
  // From here on, so are GLib warnings (e.g. GStreamer's "data flow before stream-start").
  fatal_levels = static_cast<GLogLevelFlags>(fatal_levels | G_LOG_LEVEL_WARNING);
  g_log_set_always_fatal(fatal_levels);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  secmedia::fuzz::srtpdec::run_input(data, size);
  return 0;
}
