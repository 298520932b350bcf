// SPDX-License-Identifier: LGPL-2.1-or-later
// What dtls_fuzzer reads from its input, and the genuine handshakes it replays; shared with
// make_dtls_seed_corpus so that the seeds and the target cannot disagree about the layout, the
// certificates or the handshakes.
//
// Reaching the later stages of a handshake cheaply: OpenSSL's randomness is made deterministic and
// per engine (each engine draws from a stream of its own, seeded by its role), and the certificates
// are fixed. An engine then sends the same datagrams whenever it is created with the same config
// and given the same datagrams, so a handshake recorded once (record(), per selector octet) can be
// replayed into a fresh engine: the peer's recorded datagrams are genuine for it, Finished and
// CertificateVerify included, and take it to any stage, connected too. Each input costs one engine
// and its share of the handshake's cryptography, not a second engine.
//
// An input is a selector octet, a stage octet, then operations:
//   octet 0  bit 0 role under attack (0 client, 1 server); bits 1-2 SrtpMode; bit 3 the server
//            demands a cookie (HelloVerifyRequest); bit 4 MTU 256 on both sides, else 1200;
//            bits 5-6 FingerprintMode of the engine under attack; bit 7 the peer's certificate is
//            RSA-2048, else ECDSA P-256
//   octet 1  bits 0-3 stage: how many of the peer's recorded datagrams to deliver first, modulo
//            their count plus one (the recording goes on past the handshake: application data,
//            close_notify); bits 4-5 TimerProfile of the engine under attack; bit 6 no start():
//            the first datagram starts the engine (or nothing does); bit 7 unused
//   then     operations, one octet each: the low 3 bits an Op, the high 5 bits its parameter P,
//            followed by the operands the Op names, until the input ends (cut short operands take
//            what is left).
#pragma once

#include <openssl/rand.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "secmedia/dtls.h"

namespace secmedia::fuzz::dtls {

inline constexpr size_t kHeaderLength = 2;
inline constexpr size_t kMaxDatagram = 2048;  // raw datagrams longer than this are cut

enum class SrtpMode : uint8_t {
  both_default = 0,  // both offer default_dtls_srtp_profiles()
  plain = 1,         // neither offers use_srtp: application data only
  peer_plain = 2,    // the engine under attack offers SRTP, the peer none: fails at the end
  peer_other = 3,    // the peer offers only SRTP_AES128_CM_SHA1_32 and SRTP_AEAD_AES_256_GCM
};

enum class FingerprintMode : uint8_t {
  none = 0,      // any peer certificate
  matching = 1,  // the peer's sha-256
  mismatch = 2,  // the sha-256 of another certificate: fails on the peer's Certificate
  several = 3,   // another certificate's sha-1, then the peer's sha-512
};

// Retransmission settings of the engine under attack. They change no datagram of the handshake
// while the clock stands still, so the recordings do not depend on them. (Not below 15 ms: OpenSSL
// 3.0 counts a timer with less than 15 ms left as expired, and retransmits at once.)
enum class TimerProfile : uint8_t {
  standard = 0,  // the defaults: 1 s doubling up to 60 s, 7 retransmissions, 30 s for a handshake
  // 50 ms doubling up to 400 ms, 3 retransmissions: the limit comes before the handshake timeout
  short_limit = 1,
  no_retransmission = 2,  // 200 ms, no retransmission at all
  openssl_limit = 3,      // 20 ms up to 40 ms, 12 retransmissions: OpenSSL's own limit as well
};

struct Stage {
  size_t datagrams = 0;  // before modulo
  TimerProfile timers = TimerProfile::standard;
  bool implicit_start = false;

  static Stage parse(uint8_t octet) {
    return {static_cast<size_t>(octet & 15), static_cast<TimerProfile>((octet >> 4) & 3),
            (octet & 64) != 0};
  }
  uint8_t octet() const {
    return static_cast<uint8_t>((datagrams & 15) | (static_cast<unsigned>(timers) << 4) |
                                (implicit_start ? 64 : 0));
  }
};

inline void apply(TimerProfile timers, DtlsConfig& c) {
  using std::chrono::milliseconds;
  switch (timers) {
    case TimerProfile::standard:
      break;
    case TimerProfile::short_limit:
      c.initial_retransmission_timeout = milliseconds(50);
      c.max_retransmission_timeout = milliseconds(400);
      c.max_retransmissions = 3;
      break;
    case TimerProfile::no_retransmission:
      c.initial_retransmission_timeout = milliseconds(200);
      c.max_retransmission_timeout = milliseconds(200);
      c.max_retransmissions = 0;
      break;
    case TimerProfile::openssl_limit:
      c.initial_retransmission_timeout = milliseconds(20);
      c.max_retransmission_timeout = milliseconds(40);
      c.max_retransmissions = 12;
      c.handshake_timeout = milliseconds(60000);
      break;
  }
}

// Every datagram comes from the peer's source (kPeerSource) unless the Op names another: the
// engine binds its handshake to the source that moved it on (dtls.h, handle_datagram).
inline constexpr uint8_t kPeerSource[1] = {'p'};

enum class Op : uint8_t {
  // 2 octets length (big-endian, at most kMaxDatagram), then the datagram; from the peer when P is
  // 0, else from stranger P
  raw = 0,
  raw_short = 1,     // P octets (0-31) of datagram follow
  next_genuine = 2,  // the peer's next recorded datagram (a cursor that starts at the stage)
  genuine = 3,       // the peer's recorded datagram number P (modulo their count)
  // octets: datagram number, position (2 octets, modulo its length), value. P modulo 4: 0 xor the
  // octet at the position with value (0 counts as 1); 1 cut it at the position; 2 set the octet;
  // 3 append recorded datagram number `value` (two records in one datagram). P / 4: 0 from the
  // peer, else from that stranger
  mutated_genuine = 4,
  // P bit 4 clear: advance the clock by kClockSteps[P]; set: to the engine's next_timeout() (or
  // by 1 s without one). Then handle_timeout.
  timeout = 5,
  send = 6,   // 2 octets length, modulo max_application_data() + 2: application data to send
  close = 7,  // P even: close(); odd: check stats() and the accessors only
};

inline constexpr std::chrono::milliseconds kClockSteps[16] = {
    std::chrono::milliseconds(0),      std::chrono::milliseconds(1),
    std::chrono::milliseconds(10),     std::chrono::milliseconds(100),
    std::chrono::milliseconds(999),    std::chrono::milliseconds(1000),
    std::chrono::milliseconds(1500),   std::chrono::milliseconds(2000),
    std::chrono::milliseconds(4000),   std::chrono::milliseconds(8000),
    std::chrono::milliseconds(16000),  std::chrono::milliseconds(29000),
    std::chrono::milliseconds(30000),  std::chrono::milliseconds(60000),
    std::chrono::milliseconds(600000), std::chrono::milliseconds(3600000),
};

struct Selector {
  DtlsRole role = DtlsRole::client;  // of the engine under attack
  SrtpMode srtp = SrtpMode::both_default;
  bool cookie_exchange = false;
  size_t mtu = 1200;
  FingerprintMode fingerprints = FingerprintMode::none;
  bool peer_rsa = false;

  static Selector parse(uint8_t octet) {
    Selector s;
    s.role = (octet & 1) ? DtlsRole::server : DtlsRole::client;
    s.srtp = static_cast<SrtpMode>((octet >> 1) & 3);
    s.cookie_exchange = (octet & 8) != 0;
    s.mtu = (octet & 16) ? 256 : 1200;
    s.fingerprints = static_cast<FingerprintMode>((octet >> 5) & 3);
    s.peer_rsa = (octet & 128) != 0;
    return s;
  }
  uint8_t octet() const {
    return static_cast<uint8_t>((role == DtlsRole::server ? 1 : 0) |
                                (static_cast<unsigned>(srtp) << 1) | (cookie_exchange ? 8 : 0) |
                                (mtu == 256 ? 16 : 0) | (static_cast<unsigned>(fingerprints) << 5) |
                                (peer_rsa ? 128 : 0));
  }
};

// --- deterministic randomness --------------------------------------------------------------------

// SplitMix64: not cryptographic, and need not be; only reproducible.
class RandomStream {
 public:
  explicit RandomStream(uint64_t seed) : state_(seed) {}
  void fill(unsigned char* out, size_t length) {
    while (length > 0) {
      uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
      z ^= z >> 31;
      for (int i = 0; i < 8 && length > 0; ++i, --length)
        *out++ = static_cast<unsigned char>(z >> (8 * i));
    }
  }

 private:
  uint64_t state_;
};

// The stream OpenSSL draws from: the one of the engine being called. Outside calls into an engine,
// a stream of its own.
inline RandomStream& idle_stream() {
  static RandomStream stream(0x1d1e);
  return stream;
}
inline RandomStream* current_stream = nullptr;

// Every RAND_bytes and RAND_priv_bytes of the process, OpenSSL's own included (hello randoms, ECDHE
// and ECDSA nonces, cookie secrets, IVs), goes through the RAND_METHOD when one other than
// OpenSSL's is set. RAND_METHOD is deprecated in OpenSSL 3.0 but still honoured, and much shorter
// than a provider.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
inline int deterministic_bytes(unsigned char* out, int length) {
  if (length < 0) return 0;
  (current_stream ? *current_stream : idle_stream()).fill(out, static_cast<size_t>(length));
  return 1;
}
inline int deterministic_status() {
  return 1;
}

inline bool install_deterministic_random() {
  static const RAND_METHOD method = {
      nullptr, deterministic_bytes, nullptr, nullptr, deterministic_bytes, deterministic_status,
  };
  return RAND_set_rand_method(&method) == 1;
}
#pragma GCC diagnostic pop

// Makes `stream` the one OpenSSL draws from for the lifetime of this object.
class UseStream {
 public:
  explicit UseStream(RandomStream& stream) : previous_(current_stream) { current_stream = &stream; }
  ~UseStream() { current_stream = previous_; }
  UseStream(const UseStream&) = delete;
  UseStream& operator=(const UseStream&) = delete;

 private:
  RandomStream* previous_;
};

inline uint64_t stream_seed(DtlsRole role) {
  return role == DtlsRole::client ? 0xc11e47ull : 0x5e47e4ull;
}

// --- fixed certificates --------------------------------------------------------------------------

// Made once with `openssl req -x509 -newkey ... -days 36500`; fixed so that the recorded handshakes
// are the same in every process (generated ones carry the time they were made). The engine checks
// fingerprints, not validity periods.
inline constexpr const char* kClientCertificatePem = R"(-----BEGIN CERTIFICATE-----
MIIBijCCATGgAwIBAgIUCw8Lh9HfEuxFf75E4XwX2ftP4TswCgYIKoZIzj0EAwIw
GjEYMBYGA1UEAwwPc2VjbWVkaWEtZnV6ei1hMCAXDTI2MTEyMjAwMjMxMFoYDzIx
MjYxMDI5MDAyMzEwWjAaMRgwFgYDVQQDDA9zZWNtZWRpYS1mdXp6LWEwWTATBgcq
hkjOPQIBBggqhkjOPQMBBwNCAATP/D2kr2mBVb8+WRAotAYCqap1DEjN3CrZhe7k
TeAx5SQgJNmBhSAmvbYEcCevdgAMWQd84UwtAYlsTmmjkXfmo1MwUTAdBgNVHQ4E
FgQUTJzVvmjcSxJhal/pzPsN/VwzFoowHwYDVR0jBBgwFoAUTJzVvmjcSxJhal/p
zPsN/VwzFoowDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNHADBEAiAx77I6
UfoCUNaGV4ssuEEqTwYl69nmBP5RqB0ZTNyEDQIgCeACzC3bWxs0HpS87Zhq2WoB
UtJEfO6UkgXy7IiD8fE=
-----END CERTIFICATE-----
)";
inline constexpr const char* kClientKeyPem = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg1wBF2UTrpYBB6zQQ
TObVBeqIpuDULA9qSgv9SJac2PChRANCAATP/D2kr2mBVb8+WRAotAYCqap1DEjN
3CrZhe7kTeAx5SQgJNmBhSAmvbYEcCevdgAMWQd84UwtAYlsTmmjkXfm
-----END PRIVATE KEY-----
)";
inline constexpr const char* kServerCertificatePem = R"(-----BEGIN CERTIFICATE-----
MIIBjDCCATGgAwIBAgIUKEp64SnJox8UAzy90goEK0MvnpowCgYIKoZIzj0EAwIw
GjEYMBYGA1UEAwwPc2VjbWVkaWEtZnV6ei1iMCAXDTI2MTEyMjAwMjMxMFoYDzIx
MjYxMDI5MDAyMzEwWjAaMRgwFgYDVQQDDA9zZWNtZWRpYS1mdXp6LWIwWTATBgcq
hkjOPQIBBggqhkjOPQMBBwNCAARaHkv2r0lMkPRIpufeYGaaQxJSL5JP3+1NvsyE
+OHe83mIQVHnj5tHQO99+TduEyCsEzo7RJig7k5ne7SVqC7mo1MwUTAdBgNVHQ4E
FgQUDL/Y5ijPQM5Cl/b6HtkavOd1q7UwHwYDVR0jBBgwFoAUDL/Y5ijPQM5Cl/b6
HtkavOd1q7UwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNJADBGAiEAtGIf
5njOQuGqfb+J/XVXg9Qgnrf6uQjfKZI/FoHSvJsCIQDPREYwGUVR9bWYtXngXESD
ZEDFy2LgC6IzXV+q1tnvWw==
-----END CERTIFICATE-----
)";
inline constexpr const char* kServerKeyPem = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgLKYL0AxB4mM+GUVA
suAIdqopNkHgmZnID06CzrYiOE2hRANCAARaHkv2r0lMkPRIpufeYGaaQxJSL5JP
3+1NvsyE+OHe83mIQVHnj5tHQO99+TduEyCsEzo7RJig7k5ne7SVqC7m
-----END PRIVATE KEY-----
)";
inline constexpr const char* kRsaCertificatePem = R"(-----BEGIN CERTIFICATE-----
MIIDGzCCAgOgAwIBAgIUWxoEfQAqE9peoFcNeVb13TjgJ5owDQYJKoZIhvcNAQEL
BQAwHDEaMBgGA1UEAwwRc2VjbWVkaWEtZnV6ei1yc2EwIBcNMjYxMTIyMDAyMzEw
WhgPMjEyNjEwMjkwMDIzMTBaMBwxGjAYBgNVBAMMEXNlY21lZGlhLWZ1enotcnNh
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAxoSrg102tqvGHH/vc/T7
tF8PaNdBsyLKLuup2gX/DGs5fbn8sh7qHHB76zDeeQ9l7x4C4YsqgC9GuMEvcgdq
qG3zgVpr6gRUQhY4nBMvF6JNV7MIbXHGz33O21JHnjZhKKAgD7PDUrjVH6pzICYo
NKaMYsd5tdYqn8GZvjIRj2LdAlFnoK6zdoqh3PCQUBoZnIQopf4kNeatiGSlpE1Z
0vaxEIlQrcmhY+9IsmZYSb2GO8iimVt/g5oEgiS3890cBjqaC2qZ9W/ECG1SDC5Q
ddCyJHmAcSaNwi4D1KAxe41t4FqlDpTRSFVqjzmVzUR7v4zYmJg/mAadUOExOxvZ
0QIDAQABo1MwUTAdBgNVHQ4EFgQUK4kNOkw05NQEwj4RhUOcKgh2khowHwYDVR0j
BBgwFoAUK4kNOkw05NQEwj4RhUOcKgh2khowDwYDVR0TAQH/BAUwAwEB/zANBgkq
hkiG9w0BAQsFAAOCAQEAw3AQxlRYvJ8gZn6KYkKmEfRR/UYLsaSuVaqr2GN/f8cK
bGgf3yHbrcZp66Ga4I73kYJaq1bZb/3zrY6onEiqfH6SteDrchcWIbPOy/2AooNc
NBBDPr+UQqUlctDHd1bJ7smGMc7X6OKVN9fQG8+Wl/jeZoV9BG46vtNAv4XQc/Dh
pHdjpl77bYuiRP4kwXTLn6iWkmE1EL4Ba9h7/Pfm/cQ+/QV6rqbOi4xsUHeQ4AMb
ScsCYawSdxxIKv8t0kItlM+njzf1RsuWEQRQYJKDuyS82+dfTx6fg6pTOcaZk/xr
iY00PHxzr8XNZMzOWAB4Z0vQvmIjAUBtUuRjKu+9PQ==
-----END CERTIFICATE-----
)";
inline constexpr const char* kRsaKeyPem = R"(-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDGhKuDXTa2q8Yc
f+9z9Pu0Xw9o10GzIsou66naBf8Mazl9ufyyHuoccHvrMN55D2XvHgLhiyqAL0a4
wS9yB2qobfOBWmvqBFRCFjicEy8Xok1XswhtccbPfc7bUkeeNmEooCAPs8NSuNUf
qnMgJig0poxix3m11iqfwZm+MhGPYt0CUWegrrN2iqHc8JBQGhmchCil/iQ15q2I
ZKWkTVnS9rEQiVCtyaFj70iyZlhJvYY7yKKZW3+DmgSCJLfz3RwGOpoLapn1b8QI
bVIMLlB10LIkeYBxJo3CLgPUoDF7jW3gWqUOlNFIVWqPOZXNRHu/jNiYmD+YBp1Q
4TE7G9nRAgMBAAECggEAAm1guLrm+muuIN70VUBQg82B/2na3fsp2lIjtfSK8Fqf
BcVUdHPV8FY0gK0cukGUwSxGdB4mzVGOqX+Esk3qiR/LiXhK354RDuwNQgTGx5Di
pdTswGRSzkqLMQGv+hxveo7/J1v/AlPb2L7VeKYYyaCD8MkAOSfCxohoJiP/9Jcn
CKLMb3fN+Xxyt2oOwB586C8XPDWKcg0OzM/DERYloDg/dEHCOH956eNRW7VW6ort
ZrTkyt/LVF+xEf699T/ppseGuZIGimoYOpOiJjzD8Y1byaU1UpQzNPKTYqt/hpCM
L9yZqhs/W/+J+0/STWD8I1ElXNDoPDw1E+Flx0oAAQKBgQDrf8KgCkZKQcPiyCgV
MhloPNl7SjHcZTBmfAOC+u+5Qx+pigJvYjxURI5dwK6APN59uU8rhkaiVo6l6Onp
7E2NHy6vOK4a/v5GWsCxs6u8BsqmkA1IYALm+vrINnfFHtVVJj2p2WeRL5+xU1Hw
QRIlUYypn+Z+NveadShnxKsAAQKBgQDXzMUHHjVQLJgyrPIesTmSOtPvdET+NOgV
XyTQNJGnZLDvrt9hzVshwdaGqQ3XzvFhj4nmAb4AUxNBJajMom2V6NjChLRGHXnZ
88NvxEzuEKRL/iunu1pPdEQJ67U6zaud1m9RXDiK9IB1F/JkfYJC2GAWtBSjAN/y
wbFEuIDZ0QKBgBJ6JbUU2Ur+OfZTKgHvulqZW572xU67ib6gwE3IjoKEp7lPoL1I
gd9CucDVW1uoavSGU5XgpS4biHmv+ppl9fe6mJka414u35h5imDm7fSEu+Wxq7kf
/1pMGt0WmPMYZjiWFYR8EEot6GOrW+Rz1o6jBVxRtW31thuiUZdCsQABAoGBAIp3
HlkB3g1yf7nMVJKy/pDAZGp5vScrRVspMFLT2D2DEzDHkReND5Nqb775zCMT6rfB
xSarKYHFzE353wRmmFAfFq5BPfbbROs/SMB3QTFjxjfof5RhV4IxxNJkxmVTwHFH
PSgEN1eZqK75TZODIMjJU2Zd5/vrPMbj112T0UFxAoGACyO4Vk5wqfmAJlcvgJvm
IzyCxTKcHb3E7VSOm4UwWATTZTJpk/4C4SlYo7LkbFHsKGhCuz+BnTsxan+MhZ2K
Xt1WPKrnzKik22QWQN5X+9F8YhWXmlqaBAYvNZEzcZKmUQbywZw8XmGYKWz2S8YM
in3tm/4SvJ+/Ty5LwPdsyx0=
-----END PRIVATE KEY-----
)";

[[noreturn]] inline void setup_failed(const std::string& what) {
  std::fprintf(stderr, "dtls fuzz setup: %s\n", what.c_str());
  std::abort();
}

struct Certificates {
  std::shared_ptr<const DtlsCertificate> client;
  std::shared_ptr<const DtlsCertificate> server;
  std::shared_ptr<const DtlsCertificate> rsa;
};

inline const Certificates& certificates() {
  static const Certificates certs = [] {
    Certificates c;
    std::string why;
    c.client = DtlsCertificate::from_pem(kClientCertificatePem, kClientKeyPem, &why);
    if (!c.client) setup_failed("client certificate: " + why);
    c.server = DtlsCertificate::from_pem(kServerCertificatePem, kServerKeyPem, &why);
    if (!c.server) setup_failed("server certificate: " + why);
    c.rsa = DtlsCertificate::from_pem(kRsaCertificatePem, kRsaKeyPem, &why);
    if (!c.rsa) setup_failed("RSA certificate: " + why);
    // The engine makes one SSL_CTX per certificate on first use and shares it (it keeps no
    // sessions: SSL_VERIFY_PEER without a session id context turns the server cache off). Making
    // it draws randomness, so it is made here, from no engine's stream: the first engine of a
    // certificate then draws what every later one draws, and a replay matches its recording.
    UseStream use(idle_stream());
    for (const auto& certificate : {c.client, c.server, c.rsa}) {
      DtlsConfig config;
      config.certificate = certificate;
      if (!DtlsConnection::create(config, &why)) setup_failed("DtlsConnection::create: " + why);
    }
    return c;
  }();
  return certs;
}

inline std::shared_ptr<const DtlsCertificate> attacked_certificate(const Selector& s) {
  return s.role == DtlsRole::client ? certificates().client : certificates().server;
}
inline std::shared_ptr<const DtlsCertificate> peer_certificate(const Selector& s) {
  if (s.peer_rsa) return certificates().rsa;
  return s.role == DtlsRole::client ? certificates().server : certificates().client;
}

// --- configs -------------------------------------------------------------------------------------

inline DtlsConfig attacked_config(const Selector& s) {
  DtlsConfig c;
  c.role = s.role;
  c.certificate = attacked_certificate(s);
  c.mtu = s.mtu;
  c.cookie_exchange = s.cookie_exchange && s.role == DtlsRole::server;
  if (s.srtp == SrtpMode::plain) c.srtp_profiles.clear();
  const auto peer = peer_certificate(s);
  const auto self = attacked_certificate(s);
  switch (s.fingerprints) {
    case FingerprintMode::none:
      break;
    case FingerprintMode::matching:
      c.peer_fingerprints = {peer->fingerprint(FingerprintAlgorithm::sha256)};
      break;
    case FingerprintMode::mismatch:
      c.peer_fingerprints = {self->fingerprint(FingerprintAlgorithm::sha256)};
      break;
    case FingerprintMode::several:
      c.peer_fingerprints = {self->fingerprint(FingerprintAlgorithm::sha1),
                             peer->fingerprint(FingerprintAlgorithm::sha512)};
      break;
  }
  return c;
}

inline DtlsConfig peer_config(const Selector& s) {
  DtlsConfig c;
  c.role = s.role == DtlsRole::client ? DtlsRole::server : DtlsRole::client;
  c.certificate = peer_certificate(s);
  c.mtu = s.mtu;
  c.cookie_exchange = s.cookie_exchange && c.role == DtlsRole::server;
  if (s.srtp == SrtpMode::plain || s.srtp == SrtpMode::peer_plain) c.srtp_profiles.clear();
  if (s.srtp == SrtpMode::peer_other) {
    c.srtp_profiles = {SrtpProfile::aes_cm_128_hmac_sha1_32, SrtpProfile::aead_aes_256_gcm};
  }
  return c;
}

// Whether a connected engine under attack must have reported SRTP keys.
inline bool expects_keys(const Selector& s) {
  return s.srtp != SrtpMode::plain;
}

// The clock both the engines and (in dtls_fuzzer) OpenSSL's timers read.
inline constexpr DtlsTime kStartTime = std::chrono::seconds(1'700'000'000);

// --- recorded handshakes -------------------------------------------------------------------------

struct Transcript {
  // What the peer sent, in the order the engine under attack received it: the handshake, then (when
  // both connected) three application data records and a close_notify.
  std::vector<std::vector<uint8_t>> peer_datagrams;
  size_t handshake_datagrams = 0;  // how many of them the handshake took
  // What the engine under attack sent in the recording, for the replay check.
  std::vector<std::vector<uint8_t>> attacked_datagrams;
  size_t attacked_handshake_datagrams = 0;      // how many of them the handshake part took
  DtlsState attacked_state = DtlsState::fresh;  // after the handshake part
  DtlsState peer_state = DtlsState::fresh;
};

inline constexpr size_t kPeerApplicationDataSizes[] = {1, 100, 0 /* max_application_data() */};

inline std::unique_ptr<DtlsConnection> create_engine(const DtlsConfig& config) {
  std::string why;
  std::unique_ptr<DtlsConnection> engine = DtlsConnection::create(config, &why);
  if (!engine) setup_failed("DtlsConnection::create: " + why);
  return engine;
}

inline bool settled(DtlsState state) {
  return state == DtlsState::connected || state == DtlsState::failed || state == DtlsState::closed;
}

// Runs the handshake between a fresh engine under attack and a fresh peer, every datagram delivered
// at once and in order, each engine drawing from its own stream. Events are drained and dropped.
inline Transcript record(const Selector& s) {
  Transcript t;
  RandomStream attacked_stream(stream_seed(s.role));
  RandomStream peer_stream(
      stream_seed(s.role == DtlsRole::client ? DtlsRole::server : DtlsRole::client));
  std::unique_ptr<DtlsConnection> attacked;
  std::unique_ptr<DtlsConnection> peer;
  {
    UseStream use(attacked_stream);
    attacked = create_engine(attacked_config(s));
  }
  {
    UseStream use(peer_stream);
    peer = create_engine(peer_config(s));
  }
  // In flight: (to the engine under attack?, datagram).
  std::deque<std::pair<bool, std::vector<uint8_t>>> in_flight;
  const auto collect = [&] {
    while (auto d = attacked->poll_datagram()) {
      t.attacked_datagrams.push_back(*d);
      in_flight.emplace_back(false, std::move(*d));
    }
    while (auto d = peer->poll_datagram()) in_flight.emplace_back(true, std::move(*d));
    while (attacked->poll_event()) {
    }
    while (peer->poll_event()) {
    }
  };
  const auto deliver = [&](bool to_attacked, const std::vector<uint8_t>& datagram) {
    if (to_attacked) {
      t.peer_datagrams.push_back(datagram);
      UseStream use(attacked_stream);
      attacked->handle_datagram(datagram, kStartTime);
    } else {
      UseStream use(peer_stream);
      peer->handle_datagram(datagram, kStartTime);
    }
  };
  // The server first, so that the client's hello finds it listening.
  for (bool server_first : {true, false}) {
    const bool attacked_now = (s.role == DtlsRole::server) == server_first;
    UseStream use(attacked_now ? attacked_stream : peer_stream);
    (attacked_now ? attacked : peer)->start(kStartTime);
  }
  collect();
  for (int step = 0; step < 1000 && !in_flight.empty(); ++step) {
    auto [to_attacked, datagram] = std::move(in_flight.front());
    in_flight.pop_front();
    deliver(to_attacked, datagram);
    collect();
  }
  t.handshake_datagrams = t.peer_datagrams.size();
  t.attacked_handshake_datagrams = t.attacked_datagrams.size();
  t.attacked_state = attacked->state();
  t.peer_state = peer->state();
  if (t.attacked_state != DtlsState::connected || t.peer_state != DtlsState::connected) return t;

  // After the handshake: application data from the peer (the largest record too), then its
  // close_notify.
  for (size_t size : kPeerApplicationDataSizes) {
    if (size == 0) size = peer->max_application_data();
    std::vector<uint8_t> data(size);
    for (size_t i = 0; i < size; ++i) data[i] = static_cast<uint8_t>(i * 7 + 1);
    {
      UseStream use(peer_stream);
      if (!peer->send(data)) setup_failed("the recording peer cannot send application data");
    }
    while (auto d = peer->poll_datagram()) deliver(true, *d);
    collect();
  }
  {
    UseStream use(peer_stream);
    peer->close(kStartTime);
  }
  while (auto d = peer->poll_datagram()) deliver(true, *d);
  collect();
  return t;
}

// Replays the peer's handshake datagrams into a fresh engine under attack and checks that it sends
// what it sent in the recording: otherwise the engine (or OpenSSL) draws randomness or reads time
// in a way this harness does not control, and the genuine datagrams would not be genuine.
inline void check_replay(const Selector& s, const Transcript& t) {
  RandomStream stream(stream_seed(s.role));
  UseStream use(stream);
  std::unique_ptr<DtlsConnection> engine = create_engine(attacked_config(s));
  std::vector<std::vector<uint8_t>> sent;
  engine->start(kStartTime);
  while (auto d = engine->poll_datagram()) sent.push_back(std::move(*d));
  for (size_t i = 0; i < t.handshake_datagrams; ++i) {
    engine->handle_datagram(t.peer_datagrams[i], kStartTime);
    while (auto d = engine->poll_datagram()) sent.push_back(std::move(*d));
  }
  const std::vector<std::vector<uint8_t>> expected(
      t.attacked_datagrams.begin(),
      t.attacked_datagrams.begin() + static_cast<std::ptrdiff_t>(t.attacked_handshake_datagrams));
  if (sent != expected || engine->state() != t.attacked_state) {
    setup_failed("replaying the recorded handshake for selector " + std::to_string(s.octet()) +
                 " does not give the recorded datagrams (" + std::to_string(sent.size()) + " vs " +
                 std::to_string(expected.size()) + "); state " + to_string(engine->state()) +
                 " vs " + to_string(t.attacked_state) + " " + engine->failure_reason());
  }
}

}  // namespace secmedia::fuzz::dtls
