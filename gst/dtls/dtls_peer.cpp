// SPDX-License-Identifier: LGPL-2.1-or-later
#include "dtls_peer.h"

#include <algorithm>
#include <unordered_map>

namespace secmedia::gst {

namespace {

// The only process-wide state: pairing dtlsenc and dtlsdec by connection-id, as gst-plugins-bad's
// interface requires. Entries live exactly as long as an element holds the peer.
// Beside it, what every association may share without sharing an identity: the OpenSSL settings
// (DtlsContext, no certificate in it) and the pool that pushes what no caller may push itself.
struct Registry {
  std::mutex lock;
  std::unordered_map<std::string, std::weak_ptr<DtlsPeer>> peers;
  // Made when first needed and kept for the life of the process, so that an association does not
  // pay for building OpenSSL's context (more than a third of a handshake). Every association still
  // generates its own certificate: unlike gst-plugins-bad's shared default certificate, one
  // fingerprint never links two calls of a process, and one leaked key exposes one association.
  // Its own lock, taken with a peer's lock held (never the reverse).
  std::mutex context_lock;
  std::shared_ptr<const DtlsContext> context;
  std::once_flag pool_once;
  GThreadPool* pool = nullptr;
};

Registry& registry() {
  static Registry instance;
  return instance;
}

struct TimerData {
  std::weak_ptr<DtlsPeer> peer;
};

std::shared_ptr<const DtlsContext> shared_context(std::string* why) {
  Registry& r = registry();
  std::lock_guard guard(r.context_lock);
  if (!r.context) r.context = DtlsContext::create(why);
  return r.context;
}

}  // namespace

void DtlsPeer::run_on_shared_pool(std::function<void()> job) {
  Registry& r = registry();
  std::call_once(r.pool_once, [&r] {
    // Two threads for every association in the process, taken from GLib's shared threads.
    r.pool = g_thread_pool_new(
        [](gpointer data, gpointer) {
          auto* work = static_cast<std::function<void()>*>(data);
          (*work)();
          delete work;
        },
        nullptr, 2, FALSE, nullptr);
  });
  g_thread_pool_push(r.pool, new std::function<void()>(std::move(job)), nullptr);
}

std::shared_ptr<DtlsPeer> DtlsPeer::attach(const std::string& id, bool encoder, std::string* why) {
  Registry& r = registry();
  std::lock_guard guard(r.lock);
  std::shared_ptr<DtlsPeer> peer;
  if (!id.empty()) {
    auto it = r.peers.find(id);
    if (it != r.peers.end()) peer = it->second.lock();
  }
  if (peer) {
    std::lock_guard peer_guard(peer->lock_);
    bool& taken = encoder ? peer->has_encoder_ : peer->has_decoder_;
    if (taken) {
      if (why) {
        *why = std::string("connection-id \"") + id + "\" is already used by another " +
               (encoder ? "dtlsenc" : "dtlsdec");
      }
      return nullptr;
    }
    taken = true;
    return peer;
  }
  peer = std::shared_ptr<DtlsPeer>(new DtlsPeer());
  peer->self_ = peer;
  peer->id_ = id;
  (encoder ? peer->has_encoder_ : peer->has_decoder_) = true;
  if (!id.empty()) r.peers[id] = peer;
  return peer;
}

void DtlsPeer::detach(const std::shared_ptr<DtlsPeer>& peer, bool encoder) {
  if (!peer) return;
  bool last = false;
  {
    std::unique_lock peer_guard(peer->lock_);
    (encoder ? peer->has_encoder_ : peer->has_decoder_) = false;
    (encoder ? peer->encoder_callbacks_ : peer->decoder_callbacks_) = {};
    last = !peer->has_encoder_ && !peer->has_decoder_;
    // The element goes away when this returns (detach runs from its dispose): a dispatch that
    // already copied its callback, on the timer thread or the other element's streaming thread,
    // must be over first. Not when this thread is the one dispatching (the element was released
    // from inside its own callback): it is past the call already.
    const std::thread::id me = std::this_thread::get_id();
    peer->dispatch_done_.wait(peer_guard, [&] {
      return std::none_of(peer->dispatching_.begin(), peer->dispatching_.end(),
                          [&](const auto& d) { return d.encoder == encoder && d.thread != me; });
    });
  }
  Registry& r = registry();
  std::lock_guard guard(r.lock);
  if (last && !peer->id_.empty()) {
    auto it = r.peers.find(peer->id_);
    if (it != r.peers.end() && it->second.lock() == peer) r.peers.erase(it);
  }
}

std::shared_ptr<DtlsPeer> DtlsPeer::find(const std::string& id) {
  if (id.empty()) return nullptr;
  Registry& r = registry();
  std::lock_guard guard(r.lock);
  auto it = r.peers.find(id);
  return it == r.peers.end() ? nullptr : it->second.lock();
}

DtlsPeer::~DtlsPeer() {
  if (timer_) {
    gst_clock_id_unschedule(timer_);
    gst_clock_id_unref(timer_);
  }
  if (clock_) gst_object_unref(clock_);
}

DtlsPeerSettings DtlsPeer::settings() {
  std::lock_guard guard(lock_);
  return settings_;
}

void DtlsPeer::update_settings(const std::function<void(DtlsPeerSettings&)>& change) {
  std::lock_guard guard(lock_);
  change(settings_);
  if (!settings_.pem.empty()) certificate_.reset();  // a new PEM replaces a generated identity
}

void DtlsPeer::set_callbacks(bool encoder, DtlsPeerCallbacks callbacks) {
  std::lock_guard guard(lock_);
  (encoder ? encoder_callbacks_ : decoder_callbacks_) = std::move(callbacks);
}

bool DtlsPeer::ensure_certificate_locked(std::string* why) {
  if (certificate_) return true;
  if (!settings_.pem.empty()) {
    // gst-plugins-bad's `pem` holds the certificate and the key in one string.
    certificate_ = DtlsCertificate::from_pem(settings_.pem, settings_.pem, why);
  } else {
    certificate_ = DtlsCertificate::generate(settings_.certificate_type, why);
  }
  return certificate_ != nullptr;
}

GstClockTime DtlsPeer::now_locked() const {
  return clock_ ? gst_clock_get_time(clock_) : g_get_monotonic_time() * GST_USECOND;
}

std::optional<DtlsOutputs> DtlsPeer::start(GstClock* clock, std::string* why, DtlsSide caller,
                                           bool streaming) {
  DtlsOutputs outputs;
  {
    std::lock_guard guard(lock_);
    if (connection_) return DtlsOutputs{};
    if (!settings_.encoder_refusals.empty() || !settings_.decoder_refusals.empty()) {
      const bool both = !settings_.encoder_refusals.empty() && !settings_.decoder_refusals.empty();
      if (why) *why = settings_.decoder_refusals + (both ? "; " : "") + settings_.encoder_refusals;
      return std::nullopt;
    }
    if (!ensure_certificate_locked(why)) return std::nullopt;
    DtlsConfig config;
    config.role = settings_.is_client ? DtlsRole::client : DtlsRole::server;
    config.certificate = certificate_;
    config.context = shared_context(why);
    if (!config.context) return std::nullopt;
    config.peer_fingerprints = settings_.peer_fingerprints;
    config.srtp_profiles = settings_.srtp_profiles;
    config.mtu = settings_.mtu;
    config.initial_retransmission_timeout =
        std::chrono::milliseconds(settings_.retransmission_timeout_ms);
    config.max_retransmission_timeout =
        std::max(config.initial_retransmission_timeout, std::chrono::milliseconds(60000));
    config.max_retransmissions = 12;
    config.handshake_timeout = std::chrono::milliseconds(settings_.handshake_timeout_ms);
    config.await_peer_fingerprints = settings_.await_peer_fingerprints;
    config.cookie_exchange = settings_.effective_cookie_exchange();
    // Each handshake of this association (a restart makes a new one) keys with the next generation.
    config.key_generation = handshakes_ + 1;
    connection_ = DtlsConnection::create(config, why);
    if (!connection_) return std::nullopt;
    ++handshakes_;
    if (clock_) gst_object_unref(clock_);
    clock_ = clock ? GST_CLOCK(gst_object_ref(clock)) : gst_system_clock_obtain();
    last_state_ = DtlsState::fresh;
    connection_->start(DtlsTime(now_locked()));
    if (connection_->awaiting_peer_fingerprints() && remote_fingerprints_) {
      connection_->set_peer_fingerprints(*remote_fingerprints_, DtlsTime(now_locked()));
    }
    outputs = collect_locked();
    schedule_timer_locked();
  }
  return dispatch(outputs, streaming, caller);
}

void DtlsPeer::stop() {
  std::lock_guard guard(lock_);
  if (timer_) {
    gst_clock_id_unschedule(timer_);
    gst_clock_id_unref(timer_);
    timer_ = nullptr;
  }
  connection_.reset();
  last_state_ = DtlsState::fresh;
}

DtlsOutputs DtlsPeer::collect_locked() {
  DtlsOutputs outputs;
  if (!connection_) return outputs;
  while (auto datagram = connection_->poll_datagram()) outputs.datagrams.push_back(*datagram);
  while (auto event = connection_->poll_event()) {
    if (auto* state = std::get_if<dtls_event::StateChanged>(&*event)) {
      outputs.reason = state->reason;
      if (state->state == DtlsState::closed && state->by_peer) outputs.closed_by_peer = true;
    } else if (auto* keys = std::get_if<dtls_event::KeysReady>(&*event)) {
      outputs.keys = keys->keys;
    } else if (auto* data = std::get_if<dtls_event::ApplicationData>(&*event)) {
      outputs.application_data.push_back(std::move(data->data));
    }
  }
  const DtlsState now = connection_->state();
  if (now != last_state_) {
    outputs.new_state = now;
    last_state_ = now;
  }
  return outputs;
}

DtlsOutputs DtlsPeer::dispatch(const DtlsOutputs& const_outputs, bool streaming, DtlsSide caller) {
  DtlsOutputs outputs = const_outputs;
  outputs.may_push_here = streaming;
  {
    std::lock_guard guard(lock_);
    outputs.decoder_attached = has_decoder_;
  }
  const std::thread::id me = std::this_thread::get_id();
  // Each other side's callback is copied and marked in flight under the lock, called without it,
  // and unmarked after: detach() waits for the mark, so the element outlives the call.
  for (const bool encoder : {true, false}) {
    if (caller == (encoder ? DtlsSide::encoder : DtlsSide::decoder)) continue;
    DtlsPeerCallbacks callbacks;
    {
      std::lock_guard guard(lock_);
      callbacks = encoder ? encoder_callbacks_ : decoder_callbacks_;
      if (!callbacks.on_outputs) continue;
      dispatching_.push_back({me, encoder});
    }
    callbacks.on_outputs(outputs);
    std::lock_guard guard(lock_);
    auto it = std::find_if(dispatching_.begin(), dispatching_.end(),
                           [&](const auto& d) { return d.thread == me && d.encoder == encoder; });
    if (it != dispatching_.end()) dispatching_.erase(it);
    dispatch_done_.notify_all();
  }
  return outputs;
}

void DtlsPeer::schedule_timer_locked() {
  const auto next = connection_ ? connection_->next_timeout() : std::nullopt;
  const GstClockTime when =
      next ? static_cast<GstClockTime>(std::max<int64_t>(next->count(), 0)) : GST_CLOCK_TIME_NONE;
  // An entry that fires no later than needed stays: if it fires early, on_timer finds nothing due
  // and sets the next one. Replacing it whenever the time moves (each flight restarts OpenSSL's
  // timer) would wake the clock's thread, which serves every association, once per datagram.
  if (timer_ && timer_time_ <= when) return;
  if (timer_) {
    gst_clock_id_unschedule(timer_);
    gst_clock_id_unref(timer_);
    timer_ = nullptr;
  }
  timer_time_ = when;
  if (when == GST_CLOCK_TIME_NONE || !clock_) return;
  timer_ = gst_clock_new_single_shot_id(clock_, when);
  gst_clock_id_wait_async(timer_, on_timer, new TimerData{self_},
                          [](gpointer data) { delete static_cast<TimerData*>(data); });
}

gboolean DtlsPeer::on_timer(GstClock*, GstClockTime, GstClockID id, gpointer data) {
  auto peer = static_cast<TimerData*>(data)->peer.lock();
  if (!peer) return TRUE;
  DtlsOutputs outputs;
  {
    std::lock_guard guard(peer->lock_);
    if (peer->timer_ != id || !peer->connection_) return TRUE;  // replaced or stopped meanwhile
    gst_clock_id_unref(peer->timer_);
    peer->timer_ = nullptr;
    const DtlsTime now(peer->now_locked());
    const auto due = peer->connection_->next_timeout();
    if (due && *due <= now) {
      peer->connection_->handle_timeout(now);
      outputs = peer->collect_locked();
    }
    peer->schedule_timer_locked();
  }
  peer->dispatch(outputs, false, DtlsSide::neither);
  return TRUE;
}

DtlsOutputs DtlsPeer::handle_datagram(std::span<const uint8_t> datagram,
                                      std::span<const uint8_t> source) {
  DtlsOutputs outputs;
  {
    std::lock_guard guard(lock_);
    if (!connection_) return outputs;
    connection_->handle_datagram(datagram, DtlsTime(now_locked()), source);
    outputs = collect_locked();
    schedule_timer_locked();
  }
  return dispatch(outputs, true, DtlsSide::decoder);
}

void DtlsPeer::provide_peer_fingerprints(std::vector<Fingerprint> fingerprints) {
  DtlsOutputs outputs;
  {
    std::lock_guard guard(lock_);
    remote_fingerprints_ = fingerprints;
    if (!connection_ || !connection_->awaiting_peer_fingerprints()) return;
    connection_->set_peer_fingerprints(std::move(fingerprints), DtlsTime(now_locked()));
    outputs = collect_locked();
    schedule_timer_locked();
  }
  dispatch(outputs, false, DtlsSide::neither);
}

bool DtlsPeer::send_application_data(std::span<const uint8_t> data, DtlsOutputs* caller_outputs) {
  DtlsOutputs outputs;
  bool sent;
  {
    std::lock_guard guard(lock_);
    if (!connection_) return false;
    sent = connection_->send(data);
    outputs = collect_locked();
  }
  *caller_outputs = dispatch(outputs, true, DtlsSide::encoder);
  return sent;
}

DtlsOutputs DtlsPeer::close() {
  DtlsOutputs outputs;
  {
    std::lock_guard guard(lock_);
    if (!connection_) return outputs;
    connection_->close(DtlsTime(now_locked()));
    outputs = collect_locked();
    schedule_timer_locked();
  }
  return dispatch(outputs, true, DtlsSide::encoder);
}

DtlsState DtlsPeer::state() {
  std::lock_guard guard(lock_);
  return last_state_;
}

std::optional<SrtpKeyingMaterial> DtlsPeer::keys() {
  std::lock_guard guard(lock_);
  return connection_ ? connection_->keying_material() : std::nullopt;
}

std::string DtlsPeer::local_certificate_pem() {
  std::lock_guard guard(lock_);
  if (!ensure_certificate_locked(nullptr)) return {};
  // The certificate only: whoever reads `pem` (webrtcbin hashes every base64 line of it for the
  // SDP's a=fingerprint, RFC 8122 §5) must get exactly what goes on the wire, and the private key
  // is never readable through any property.
  return certificate_->certificate_pem();
}

std::string DtlsPeer::local_fingerprint() {
  std::lock_guard guard(lock_);
  if (!ensure_certificate_locked(nullptr)) return {};
  return certificate_->fingerprint().to_string();
}

std::string DtlsPeer::peer_pem() {
  std::lock_guard guard(lock_);
  return connection_ ? connection_->peer_certificate_pem() : std::string();
}

DtlsStats DtlsPeer::stats() {
  std::lock_guard guard(lock_);
  return connection_ ? connection_->stats() : DtlsStats{};
}

std::string DtlsPeer::failure_reason() {
  std::lock_guard guard(lock_);
  return connection_ ? connection_->failure_reason() : std::string();
}

}  // namespace secmedia::gst
