// SPDX-License-Identifier: LGPL-2.1-or-later
#include "dtls_srtp_bin.h"

#include <algorithm>
#include <tuple>
#include <utility>

#include "dtls_element_settings.h"
#include "dtls_property_specs.h"
#include "secmedia/srtp.h"

namespace secmedia::gst {

GstElement* make_secmedia_child(GstElement* bin, const char* factory, const char* type_prefix) {
  GstElement* element = gst_element_factory_make(factory, nullptr);
  if (!element) {
    GST_ELEMENT_ERROR(bin, CORE, MISSING_PLUGIN, ("No \"%s\" element", factory),
                      ("%s needs secmedia's %s (libgstsrtp.so / libgstdtls.so on GST_PLUGIN_PATH)",
                       GST_ELEMENT_NAME(bin), factory));
    return nullptr;
  }
  if (!g_str_has_prefix(G_OBJECT_TYPE_NAME(element), type_prefix)) {
    GST_ELEMENT_ERROR(bin, CORE, MISSING_PLUGIN, ("\"%s\" is not secmedia's", factory),
                      ("%s got a %s: keys travel as secmedia's key event, which only secmedia's "
                       "elements understand; put secmedia's plugins on GST_PLUGIN_PATH",
                       GST_ELEMENT_NAME(bin), G_OBJECT_TYPE_NAME(element)));
    gst_object_unref(gst_object_ref_sink(element));
    return nullptr;
  }
  return element;
}

gulong connect_weakly(gpointer child, const char* signal, GCallback handler, GstElement* bin) {
  auto* weak = new GWeakRef;
  g_weak_ref_init(weak, bin);
  return g_signal_connect_data(
      child, signal, handler, weak,
      [](gpointer data, GClosure*) {
        g_weak_ref_clear(static_cast<GWeakRef*>(data));
        delete static_cast<GWeakRef*>(data);
      },
      static_cast<GConnectFlags>(0));
}

GstElement* weak_bin_get(gpointer data) {
  return static_cast<GstElement*>(g_weak_ref_get(static_cast<GWeakRef*>(data)));
}

GstElement* child_ref(GstElement* bin, GstElement* const* member) {
  GST_OBJECT_LOCK(bin);
  GstElement* child = *member ? GST_ELEMENT(gst_object_ref(*member)) : nullptr;
  GST_OBJECT_UNLOCK(bin);
  return child;
}

void set_on_child(GstElement* bin, GstElement* const* member, GParamSpec* pspec,
                  const GValue* value) {
  GstElement* child = child_ref(bin, member);
  if (!child) {
    g_warning("%s: %s ignored: a static key disabled DTLS in this element", GST_ELEMENT_NAME(bin),
              pspec->name);
    return;
  }
  g_object_set_property(G_OBJECT(child), pspec->name, value);
  gst_object_unref(child);
}

void get_from_child(GstElement* bin, GstElement* const* member, GParamSpec* pspec, GValue* value) {
  GstElement* child = child_ref(bin, member);
  if (!child) return;  // the property's default
  g_object_get_property(G_OBJECT(child), pspec->name, value);
  gst_object_unref(child);
}

guint dtls_version_of(GstElement* bin, GstElement* const* member) {
  GstElement* child = child_ref(bin, member);
  if (!child) return 0;
  gint state = 0;
  g_object_get(child, "connection-state", &state, nullptr);
  gst_object_unref(child);
  constexpr gint kConnected = 4;
  constexpr guint kDtls12 = 0xFEFD;  // the only version the association speaks
  return state == kConnected ? kDtls12 : 0;
}

GParamSpec* dtls_version_pspec() {
  return g_param_spec_uint("dtls-version", "DTLS version",
                           "Negotiated DTLS version as on the wire (0xFEFD: DTLS 1.2), 0 before "
                           "the handshake completes",
                           0, G_MAXUINT16, 0,
                           static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
}

GParamSpec* bin_connection_state_pspec() {
  return connection_state_pspec(
      "Current connection state: new 0, closed 1, failed 2, connecting 3, connected 4");
}

void release_ghost_and_target(GstElement* bin, GstPad* ghost) {
  GstPad* target = gst_ghost_pad_get_target(GST_GHOST_PAD(ghost));
  gst_element_remove_pad(bin, ghost);
  if (!target) return;
  GstElement* owner = gst_pad_get_parent_element(target);
  if (owner) {
    gst_element_release_request_pad(owner, target);
    gst_object_unref(owner);
  }
  gst_object_unref(target);
}

GstPad* ghost_child_request_pad(GstElement* bin, GstElement* const* member, const char* name,
                                GstPadTemplate* templ, const GstCaps* caps) {
  GstElement* child = child_ref(bin, member);
  if (!child) return nullptr;
  GstPad* target = gst_element_request_pad_simple(child, name);
  gst_object_unref(child);
  if (!target) return nullptr;
  GstPad* ghost = gst_ghost_pad_new_from_template(name, target, templ);
  gst_object_unref(target);
  gst_pad_set_active(ghost, TRUE);
  gst_element_add_pad(bin, ghost);
  if (caps) g_object_set(ghost, "caps", caps, nullptr);
  return ghost;
}

void drop_children(std::initializer_list<GstElement**> children) {
  for (GstElement** child : children) {
    if (*child) gst_object_unref(gst_object_ref_sink(*child));
    *child = nullptr;
  }
}

void disconnect_handlers(GstElement* child, std::initializer_list<gulong*> handlers) {
  for (gulong* handler : handlers) {
    if (*handler) g_signal_handler_disconnect(child, *handler);
    *handler = 0;
  }
}

void disconnect_from_child(GstElement* bin, GstElement* const* member,
                           std::initializer_list<gulong*> handlers) {
  GstElement* child = child_ref(bin, member);
  if (!child) return;
  disconnect_handlers(child, handlers);
  gst_object_unref(child);
}

bool begin_dtls_removal(GstElement* bin, GstElement* const* member, gboolean* pending) {
  GST_OBJECT_LOCK(bin);
  const bool start = *member && !*pending;
  *pending = TRUE;
  GST_OBJECT_UNLOCK(bin);
  return start;
}

bool remove_dtls_child(GstElement* bin, GstElement** member, gboolean* pending,
                       std::initializer_list<gulong*> handlers, GstPad* ghost,
                       GstElement* new_owner, const char* new_pad) {
  GstElement* child = nullptr;
  GST_OBJECT_LOCK(bin);
  std::swap(child, *member);
  *pending = FALSE;
  GST_OBJECT_UNLOCK(bin);
  if (!child) return false;
  disconnect_handlers(child, handlers);
  gst_element_set_locked_state(child, TRUE);
  gst_element_set_state(child, GST_STATE_NULL);
  GstPad* target = gst_element_get_static_pad(new_owner, new_pad);
  gst_ghost_pad_set_target(GST_GHOST_PAD(ghost), nullptr);
  gst_bin_remove(GST_BIN(bin), child);  // unlinks it, and any ghost's target on it
  gst_ghost_pad_set_target(GST_GHOST_PAD(ghost), target);
  gst_object_unref(target);
  return true;
}

StaticKeyPropertyIds install_static_key_properties(GObjectClass* klass, guint first) {
  const StaticKeyPropertyIds ids{first, first + 1, first + 2, first + 3, first + 4};
  const auto flags = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                              GST_PARAM_MUTABLE_PLAYING);
  g_object_class_install_property(
      klass, ids.key,
      g_param_spec_boxed("key", "Key",
                         "SRTP master key and salt for SDES-style keying; setting it (or any "
                         "cipher/auth below) disables DTLS in this element",
                         GST_TYPE_BUFFER, flags));
  g_object_class_install_property(
      klass, ids.srtp_cipher,
      g_param_spec_string("srtp-cipher", "SRTP cipher",
                          "SRTP cipher nick of srtpenc/srtpdec ('null', 'aes-128-icm', "
                          "'aes-256-icm', 'aes-128-gcm', ...); setting it disables DTLS",
                          nullptr, flags));
  g_object_class_install_property(
      klass, ids.srtp_auth,
      g_param_spec_string("srtp-auth", "SRTP auth",
                          "SRTP auth nick ('null', 'hmac-sha1-32', 'hmac-sha1-80'); setting it "
                          "disables DTLS",
                          nullptr, flags));
  g_object_class_install_property(
      klass, ids.srtcp_cipher,
      g_param_spec_string("srtcp-cipher", "SRTCP cipher",
                          "SRTCP cipher nick, as srtp-cipher; setting it disables DTLS", nullptr,
                          flags));
  g_object_class_install_property(
      klass, ids.srtcp_auth,
      g_param_spec_string("srtcp-auth", "SRTCP auth",
                          "SRTCP auth nick, as srtp-auth; setting it disables DTLS", nullptr,
                          flags));
  return ids;
}

namespace {

// srtpenc's and srtpdec's names (gst-plugins-bad's GstSrtpCipherType and GstSrtpAuthType nicks),
// each cipher with a profile that has its master key and salt sizes.
struct CipherName {
  const char* nick;
  SrtpProfile sizes;
  bool counter_mode;
};
constexpr CipherName kCipherNames[] = {
    {"null", SrtpProfile::null_hmac_sha1_80, false},
    {"aes-128-icm", SrtpProfile::aes_cm_128_hmac_sha1_80, true},
    {"aes-192-icm", SrtpProfile::aes_192_cm_hmac_sha1_80, true},
    {"aes-256-icm", SrtpProfile::aes_256_cm_hmac_sha1_80, true},
    {"aes-128-gcm", SrtpProfile::aead_aes_128_gcm, false},
    {"aes-256-gcm", SrtpProfile::aead_aes_256_gcm, false},
};
constexpr const char* kAuthNames[] = {"null", "hmac-sha1-32", "hmac-sha1-80"};
constexpr const char* kNameProperties[4] = {"srtp-cipher", "srtp-auth", "srtcp-cipher",
                                            "srtcp-auth"};

const CipherName* cipher_named(const std::string& nick) {
  for (const auto& c : kCipherNames) {
    if (nick == c.nick) return &c;
  }
  return nullptr;
}

bool auth_named(const std::string& nick) {
  for (const char* a : kAuthNames) {
    if (nick == a) return true;
  }
  return false;
}

size_t key_and_salt_size(const CipherName& cipher) {
  const SrtpProfileInfo& info = profile_info(cipher.sizes);
  return info.master_key_length + info.master_salt_length;
}

}  // namespace

StaticKey::~StaticKey() {
  if (key_) gst_buffer_unref(key_);
}

bool StaticKey::set_property(const StaticKeyPropertyIds& ids, guint id, const GValue* value,
                             std::string* problem) {
  std::lock_guard guard(lock_);
  if (id == ids.key) {
    if (key_) gst_buffer_unref(key_);
    key_ = static_cast<GstBuffer*>(g_value_dup_boxed(value));
  } else if (id == ids.srtp_cipher || id == ids.srtp_auth || id == ids.srtcp_cipher ||
             id == ids.srtcp_auth) {
    const int index = id == ids.srtp_cipher    ? 0
                      : id == ids.srtp_auth    ? 1
                      : id == ids.srtcp_cipher ? 2
                                               : 3;
    const gchar* text = g_value_get_string(value);
    const std::string name = text ? text : "";
    const bool is_cipher = index % 2 == 0;
    if (!name.empty() && !(is_cipher ? cipher_named(name) != nullptr : auth_named(name))) {
      // Refused, not ignored: srtpenc would keep its default and srtpdec would never get a key.
      std::string known;
      if (is_cipher) {
        for (const auto& c : kCipherNames)
          known += (known.empty() ? "" : ", ") + std::string(c.nick);
      } else {
        for (const char* a : kAuthNames) known += (known.empty() ? "" : ", ") + std::string(a);
      }
      *problem =
          std::string(kNameProperties[index]) + " \"" + name + "\" refused: not one of " + known;
      refused_[id] = {*problem, name};
    } else {
      std::string* fields[4] = {&srtp_cipher_, &srtp_auth_, &srtcp_cipher_, &srtcp_auth_};
      *fields[index] = name;
      refused_.erase(id);
    }
  } else {
    return false;
  }
  in_use_ = true;
  return true;
}

bool StaticKey::get_property(const StaticKeyPropertyIds& ids, guint id, GValue* value) {
  std::lock_guard guard(lock_);
  if (id == ids.key) {
    g_value_set_boxed(value, key_);
    return true;
  }
  const std::string* field = id == ids.srtp_cipher    ? &srtp_cipher_
                             : id == ids.srtp_auth    ? &srtp_auth_
                             : id == ids.srtcp_cipher ? &srtcp_cipher_
                             : id == ids.srtcp_auth   ? &srtcp_auth_
                                                      : nullptr;
  if (!field) return false;
  if (auto it = refused_.find(id); it != refused_.end()) field = &it->second.given;
  g_value_set_string(value, field->empty() ? nullptr : field->c_str());
  return true;
}

bool StaticKey::in_use() {
  std::lock_guard guard(lock_);
  return in_use_;
}

std::string StaticKey::combination_problem_locked() const {
  const std::string* names[4] = {&srtp_cipher_, &srtp_auth_, &srtcp_cipher_, &srtcp_auth_};
  // Unprotected RTP and RTCP, and only when asked for by name (a key, if any, is not used).
  if (std::all_of(names, names + 4, [](const std::string* n) { return *n == "null"; })) return {};
  std::string given, missing;
  for (int i = 0; i < 4; ++i) {
    if (!names[i]->empty()) {
      given += (given.empty() ? "" : " ") + std::string(kNameProperties[i]) + "=" + *names[i];
    } else {
      missing += (missing.empty() ? "" : ", ") + std::string(kNameProperties[i]);
    }
  }
  if (!key_) {
    return "key is missing" + (given.empty() ? std::string() : " (" + given + " set)") +
           ": set key (SRTP master key and salt), or srtp-cipher, srtp-auth, srtcp-cipher and "
           "srtcp-auth all to \"null\" for unprotected RTP";
  }
  if (!missing.empty()) {
    return "key is set but " + missing +
           " not: a static key needs srtp-cipher, srtp-auth, srtcp-cipher and srtcp-auth";
  }
  const CipherName* rtp = cipher_named(srtp_cipher_);
  const CipherName* rtcp = cipher_named(srtcp_cipher_);
  for (const auto& [cipher, auth, label] :
       {std::tuple{rtp, &srtp_auth_, "srtp"}, std::tuple{rtcp, &srtcp_auth_, "srtcp"}}) {
    if (cipher->counter_mode && *auth == "null") {
      return std::string(label) + "-cipher=" + cipher->nick + " with " + label +
             "-auth=null: counter mode without authentication lets packets be altered undetected "
             "(use hmac-sha1-80)";
    }
  }
  const size_t expected = key_and_salt_size(*rtp);
  if (key_and_salt_size(*rtcp) != expected) {
    return "srtp-cipher=" + srtp_cipher_ + " and srtcp-cipher=" + srtcp_cipher_ +
           " need master keys of different sizes";
  }
  const gsize size = gst_buffer_get_size(key_);
  if (size != expected) {
    return "key has " + std::to_string(size) + " bytes; srtp-cipher=" + srtp_cipher_ + " needs " +
           std::to_string(expected) + " (master key and salt)";
  }
  return {};
}

bool StaticKey::set_property(GstElement* bin, const StaticKeyPropertyIds& ids, guint id,
                             const GValue* value) {
  std::string problem;
  if (!set_property(ids, id, value, &problem)) return false;
  if (!problem.empty()) warn_refused_setting(bin, problem);
  return true;
}

bool StaticKey::may_start(GstElement* bin, GstStateChange transition) {
  if (transition != GST_STATE_CHANGE_NULL_TO_READY &&
      transition != GST_STATE_CHANGE_READY_TO_PAUSED) {
    return true;
  }
  return secmedia::gst::may_start(bin, start_refusal());
}

std::string StaticKey::start_refusal() {
  std::lock_guard guard(lock_);
  if (!in_use_) return {};
  std::string text;
  for (const auto& [id, refusal] : refused_) text += (text.empty() ? "" : "; ") + refusal.problem;
  return text.empty() ? combination_problem_locked() : text;
}

GstCaps* StaticKey::decoder_caps() {
  std::lock_guard guard(lock_);
  // Only a complete key, or pass-through asked for by name: anything else makes srtpdec drop and
  // count the packet (no-key), where gst-plugins-bad passed it through when no key was set.
  if (!in_use_ || !refused_.empty() || !combination_problem_locked().empty()) return nullptr;
  if (srtp_cipher_ == "null" && srtp_auth_ == "null" && srtcp_cipher_ == "null" &&
      srtcp_auth_ == "null") {
    return gst_caps_new_simple("application/x-srtp", "srtp-cipher", G_TYPE_STRING, "null",
                               "srtp-auth", G_TYPE_STRING, "null", "srtcp-cipher", G_TYPE_STRING,
                               "null", "srtcp-auth", G_TYPE_STRING, "null", nullptr);
  }
  return gst_caps_new_simple("application/x-srtp", "srtp-key", GST_TYPE_BUFFER, key_, "srtp-cipher",
                             G_TYPE_STRING, srtp_cipher_.c_str(), "srtp-auth", G_TYPE_STRING,
                             srtp_auth_.c_str(), "srtcp-cipher", G_TYPE_STRING,
                             srtcp_cipher_.c_str(), "srtcp-auth", G_TYPE_STRING,
                             srtcp_auth_.c_str(), nullptr);
}

void StaticKey::apply_to_encoder(GstElement* srtpenc) {
  GstBuffer* key = nullptr;
  std::string names[4];
  {
    std::lock_guard guard(lock_);
    if (key_) key = gst_buffer_ref(key_);
    names[0] = srtp_cipher_;
    names[1] = srtp_auth_;
    names[2] = srtcp_cipher_;
    names[3] = srtcp_auth_;
  }
  // Without the lock: setting srtpenc's properties may notify.
  static constexpr const char* kEncoderProperties[4] = {"rtp-cipher", "rtp-auth", "rtcp-cipher",
                                                        "rtcp-auth"};
  for (int i = 0; i < 4; ++i) {
    if (!names[i].empty())
      gst_util_set_object_arg(G_OBJECT(srtpenc), kEncoderProperties[i], names[i].c_str());
  }
  g_object_set(srtpenc, "key", key, nullptr);
  if (key) gst_buffer_unref(key);
}

}  // namespace secmedia::gst
