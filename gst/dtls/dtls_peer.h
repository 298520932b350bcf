// SPDX-License-Identifier: LGPL-2.1-or-later
// One DTLS association shared by the dtlsenc and dtlsdec of a peer, paired by connection-id.
//
// The peer owns the sans-IO DtlsConnection and its settings. Elements feed it (datagrams from
// dtlsdec, application data and EOS from dtlsenc) and it answers with Outputs, collected under its
// lock and handed to the elements' callbacks after the lock is released: no callback, signal or
// push ever runs with the lock held. Retransmission timeouts run on a GstClock single-shot wait
// (the clock's one thread for every association); what a callback may not push on the calling
// thread goes to the shared pool (run_on_shared_pool). See docs/architecture.md, "The DTLS elements".
#pragma once

#include <gst/gst.h>

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "secmedia/dtls.h"

namespace secmedia::gst {

struct DtlsPeerSettings {
  bool is_client = false;
  std::string pem;  // certificate and key; empty: generate one (certificate_type)
  CertificateType certificate_type = CertificateType::ecdsa_p256;
  std::vector<Fingerprint> peer_fingerprints;
  std::vector<SrtpProfile> srtp_profiles = default_dtls_srtp_profiles();
  guint mtu = 1200;
  guint retransmission_timeout_ms = 1000;
  guint handshake_timeout_ms = 30000;
  // Inside webrtcbin: the peer's certificate is only accepted once the remote description's
  // fingerprints arrive (provide_peer_fingerprints), unless peer_fingerprints pins it already.
  bool await_peer_fingerprints = false;
  // A server's cookie exchange (RFC 6347 §4.2.1): as set on an element (cookie-exchange), else on
  // unless the elements sit in a webrtcbin, whose ICE connectivity checks verified the path.
  std::optional<bool> cookie_exchange;
  bool inside_webrtcbin = false;
  bool effective_cookie_exchange() const { return cookie_exchange.value_or(!inside_webrtcbin); }
  // Values dtlsenc / dtlsdec refused when set (DtlsElementLink::refusals): while either side holds
  // one, start() fails with it, so that neither element runs the handshake on a weaker setting.
  std::string encoder_refusals, decoder_refusals;
};

// What one input produced, delivered to the elements without the lock.
struct DtlsOutputs {
  std::vector<std::vector<uint8_t>> datagrams;
  std::optional<DtlsState> new_state;
  std::string reason;  // for failed / closed
  std::optional<SrtpKeyingMaterial> keys;
  std::vector<std::vector<uint8_t>> application_data;
  bool closed_by_peer = false;
  bool decoder_attached = false;  // errors are posted by dtlsdec when there is one
  // True when the call that produced these outputs came from a streaming thread that holds none of
  // our locks (dtlsdec's chain, dtlsenc's sink pads), where dtlsenc may push its datagrams at once;
  // false for the timer, a state change or webrtcbin's thread: dtlsenc hands them to the shared pool.
  bool may_push_here = false;
};

// Which element of the association called into the peer: that one gets the outputs of its call
// back as the return value and acts on them itself; only the other one (and both, for the timer
// and for calls from outside the pair) is reached through its callback.
enum class DtlsSide : uint8_t { encoder, decoder, neither };

struct DtlsPeerCallbacks {
  // Both set by the element that registers them; called without the peer's lock.
  std::function<void(const DtlsOutputs&)> on_outputs;
};

class DtlsPeer {
 public:
  // Finds or creates the peer for `id`. nullptr when `id` already has an element of that kind
  // (a duplicate connection-id), with `why` set.
  static std::shared_ptr<DtlsPeer> attach(const std::string& id, bool encoder, std::string* why);
  // Releases the element's hold on the peer; the registry entry goes with the last element. Returns
  // once no callback of that element is running on another thread, so the element may go.
  static void detach(const std::shared_ptr<DtlsPeer>& peer, bool encoder);
  // The peer of `id` if an element holds it, without attaching to it.
  static std::shared_ptr<DtlsPeer> find(const std::string& id);

  ~DtlsPeer();

  // Settings are read when the connection starts.
  DtlsPeerSettings settings();
  void update_settings(const std::function<void(DtlsPeerSettings&)>& change);

  void set_callbacks(bool encoder, DtlsPeerCallbacks callbacks);

  // Creates the connection if needed and starts the handshake (the client sends its ClientHello).
  // Either element may call it; the second call does nothing. False with `why` on bad settings.
  // `streaming`: called from a streaming thread (see DtlsOutputs::may_push_here). The caller's
  // outputs are returned (nullopt with `why` on bad settings).
  std::optional<DtlsOutputs> start(GstClock* clock, std::string* why, DtlsSide caller,
                                   bool streaming);
  void stop();

  // `source`: the sender's address (DatagramSource), empty when unknown.
  // From dtlsdec's streaming thread: returns dtlsdec's outputs.
  DtlsOutputs handle_datagram(std::span<const uint8_t> datagram,
                              std::span<const uint8_t> source = {});
  // From dtlsenc's streaming thread: `outputs` receives dtlsenc's.
  bool send_application_data(std::span<const uint8_t> data, DtlsOutputs* outputs);
  DtlsOutputs close();
  // The fingerprints of the remote description (RFC 8122 §5) the peer's certificate must match,
  // for a peer that awaits them: used at start, or now by a handshake already waiting. An empty
  // list fails the handshake.
  void provide_peer_fingerprints(std::vector<Fingerprint> fingerprints);

  DtlsState state();
  std::optional<SrtpKeyingMaterial> keys();
  // The effective certificate in PEM, without its key (generated when none was given).
  std::string local_certificate_pem();
  std::string local_fingerprint();
  std::string peer_pem();
  DtlsStats stats();
  std::string failure_reason();

  // Runs `job` on the plugin's small shared pool (a few threads for every association; issue 15),
  // for work the calling thread must not do itself, such as pushing from the timer's thread.
  static void run_on_shared_pool(std::function<void()> job);

 private:
  DtlsPeer() = default;
  // Collects what the connection produced (lock held).
  DtlsOutputs collect_locked();
  // Calls the callback of each side but `caller`; returns the outputs as that side would see them.
  DtlsOutputs dispatch(const DtlsOutputs& outputs, bool streaming, DtlsSide caller);
  void schedule_timer_locked();
  static gboolean on_timer(GstClock* clock, GstClockTime time, GstClockID id, gpointer data);
  GstClockTime now_locked() const;
  bool ensure_certificate_locked(std::string* why);

  std::mutex lock_;
  DtlsPeerSettings settings_;
  std::shared_ptr<const DtlsCertificate> certificate_;
  std::unique_ptr<DtlsConnection> connection_;
  std::optional<std::vector<Fingerprint>> remote_fingerprints_;
  DtlsState last_state_ = DtlsState::fresh;
  uint32_t handshakes_ = 0;  // connections started, for the key generation
  GstClock* clock_ = nullptr;
  GstClockID timer_ = nullptr;
  GstClockTime timer_time_ = GST_CLOCK_TIME_NONE;
  DtlsPeerCallbacks encoder_callbacks_;
  DtlsPeerCallbacks decoder_callbacks_;
  // Callbacks being called right now (by thread and side), and the signal that one finished.
  struct Dispatching {
    std::thread::id thread;
    bool encoder;
  };
  std::vector<Dispatching> dispatching_;
  std::condition_variable dispatch_done_;
  bool has_encoder_ = false;
  bool has_decoder_ = false;
  std::string id_;
  std::weak_ptr<DtlsPeer> self_;
};

}  // namespace secmedia::gst
