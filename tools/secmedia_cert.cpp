// SPDX-License-Identifier: LGPL-2.1-or-later
// secmedia-cert: certificates for people. Makes a DTLS identity (an ECDSA P-256 or RSA-2048
// self-signed certificate and its key) in PEM, and prints certificate fingerprints in SDP form
// (RFC 8122 §5), which is what the other side pins (`peer-fingerprint`, an SDP's a=fingerprint).
//
//   secmedia-cert new IDENTITY.pem [--rsa]     certificate + key in one file (mode 0600), as the
//                                              elements' `pem-file`/`pem` take it; prints its
//                                              fingerprint
//   secmedia-cert fingerprint FILE.pem [--hash sha-1|sha-224|sha-256|sha-384|sha-512]
//                                              the fingerprint of the (first) certificate in FILE
//
// Exit status 0 on success, 1 on a failure (with a message on stderr), 2 on a usage error.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "secmedia/dtls.h"

namespace {

using secmedia::CertificateType;
using secmedia::DtlsCertificate;
using secmedia::FingerprintAlgorithm;

int usage() {
  std::cerr << "usage: secmedia-cert new IDENTITY.pem [--rsa]\n"
               "       secmedia-cert fingerprint FILE.pem [--hash sha-256]\n"
               "new: writes a self-signed certificate and its private key (PEM, mode 0600) and\n"
               "     prints the certificate's fingerprint in SDP form (sha-256 AB:CD:...)\n"
               "fingerprint: prints the fingerprint of the certificate in FILE.pem\n";
  return 2;
}

bool parse_algorithm(std::string_view name, FingerprintAlgorithm& algorithm) {
  static const std::pair<std::string_view, FingerprintAlgorithm> kNames[] = {
      {"sha-1", FingerprintAlgorithm::sha1},     {"sha-224", FingerprintAlgorithm::sha224},
      {"sha-256", FingerprintAlgorithm::sha256}, {"sha-384", FingerprintAlgorithm::sha384},
      {"sha-512", FingerprintAlgorithm::sha512},
  };
  for (const auto& [text, value] : kNames) {
    if (name == text) {
      algorithm = value;
      return true;
    }
  }
  return false;
}

// Written with mode 0600 from the start, so the key is never readable by others, not even briefly.
bool write_private_file(const std::string& path, const std::string& contents, std::string& why) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, S_IRUSR | S_IWUSR);
  if (fd < 0) {
    why = path + ": " + std::strerror(errno) + (errno == EEXIST ? " (not overwritten)" : "");
    return false;
  }
  size_t written = 0;
  while (written < contents.size()) {
    const ssize_t n = ::write(fd, contents.data() + written, contents.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      why = path + ": " + std::strerror(errno);
      ::close(fd);
      return false;
    }
    written += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) {
    why = path + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

int make_identity(const std::vector<std::string>& args) {
  if (args.empty() || args.size() > 2) return usage();
  CertificateType type = CertificateType::ecdsa_p256;
  if (args.size() == 2) {
    if (args[1] != "--rsa") return usage();
    type = CertificateType::rsa_2048;
  }
  std::string why;
  auto identity = DtlsCertificate::generate(type, &why);
  if (!identity) {
    std::cerr << "secmedia-cert: cannot make a certificate: " << why << "\n";
    return 1;
  }
  if (!write_private_file(args[0], identity->certificate_pem() + identity->private_key_pem(),
                          why)) {
    std::cerr << "secmedia-cert: " << why << "\n";
    return 1;
  }
  std::cout << identity->fingerprint().to_string() << "\n";
  return 0;
}

int print_fingerprint(const std::vector<std::string>& args) {
  if (args.size() != 1 && args.size() != 3) return usage();
  FingerprintAlgorithm algorithm = FingerprintAlgorithm::sha256;
  if (args.size() == 3 && (args[1] != "--hash" || !parse_algorithm(args[2], algorithm))) {
    return usage();
  }
  std::ifstream file(args[0]);
  if (!file) {
    std::cerr << "secmedia-cert: " << args[0] << ": " << std::strerror(errno) << "\n";
    return 1;
  }
  std::stringstream contents;
  contents << file.rdbuf();
  const auto fingerprint = secmedia::fingerprint_of_pem(contents.str(), algorithm);
  if (!fingerprint) {
    std::cerr << "secmedia-cert: " << args[0] << " holds no PEM certificate\n";
    return 1;
  }
  std::cout << fingerprint->to_string() << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  const std::string command = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  if (command == "new") return make_identity(args);
  if (command == "fingerprint") return print_fingerprint(args);
  return usage();
}
