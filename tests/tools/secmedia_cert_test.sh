#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# secmedia-cert against OpenSSL's command line: the identity it writes is a certificate and key in
# PEM, private to its owner, whose fingerprints (every hash of RFC 8122) are the ones OpenSSL
# computes; it never overwrites a file; a file without a certificate is refused.
#   secmedia_cert_test.sh PATH/TO/secmedia-cert
set -u
tool=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
check() {  # check NAME CONDITION-EXIT-STATUS MESSAGE
  if [ "$2" -eq 0 ]; then echo "[  OK  ] $1"; else echo "[ FAIL ] $1: $3"; failures=$((failures + 1)); fi
}
# OpenSSL prints "sha256 Fingerprint=AB:CD:..."; SDP form is "sha-256 AB:CD:...".
openssl_fingerprint() {
  openssl x509 -in "$1" -noout -fingerprint "-$2" | sed -e 's/^.*=//'
}

printed=$("$tool" new "$work/id.pem")
check new_exits_zero $? "exit status"
[[ "$printed" =~ ^sha-256\ ([0-9A-F]{2}:){31}[0-9A-F]{2}$ ]]
check new_prints_sdp_fingerprint $? "printed: $printed"
[ "$(stat -c %a "$work/id.pem")" = 600 ]
check identity_is_private $? "mode $(stat -c %a "$work/id.pem")"
grep -q -- "-----BEGIN CERTIFICATE-----" "$work/id.pem" && grep -q -- "PRIVATE KEY-----" "$work/id.pem"
check identity_holds_certificate_and_key $? "$(grep -- ----- "$work/id.pem")"
openssl pkey -in "$work/id.pem" -noout 2>/dev/null
check key_is_readable_by_openssl $? "openssl pkey refused it"
[ "$printed" = "sha-256 $(openssl_fingerprint "$work/id.pem" sha256)" ]
check new_fingerprint_is_openssls $? "$printed vs $(openssl_fingerprint "$work/id.pem" sha256)"
openssl x509 -in "$work/id.pem" -noout -text | grep -q "prime256v1\|P-256"
check default_is_ecdsa_p256 $? "$(openssl x509 -in "$work/id.pem" -noout -text | grep -i 'public key')"

[ "$("$tool" fingerprint "$work/id.pem")" = "$printed" ]
check fingerprint_matches_new $? "$("$tool" fingerprint "$work/id.pem")"
for hash in sha-1 sha-224 sha-384 sha-512; do
  ours=$("$tool" fingerprint "$work/id.pem" --hash "$hash")
  [ "$ours" = "$hash $(openssl_fingerprint "$work/id.pem" "${hash/-/}")" ]
  check "fingerprint_${hash/-/}_is_openssls" $? "$ours"
done
# A certificate made by OpenSSL, not by us.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$work/o.key" \
  -out "$work/o.crt" -days 1 -subj /CN=peer 2>/dev/null
[ "$("$tool" fingerprint "$work/o.crt")" = "sha-256 $(openssl_fingerprint "$work/o.crt" sha256)" ]
check fingerprint_of_openssls_certificate $? "$("$tool" fingerprint "$work/o.crt")"

"$tool" new "$work/id.pem" >/dev/null 2>&1
[ $? -eq 1 ] && [ "$("$tool" fingerprint "$work/id.pem")" = "$printed" ]
check never_overwrites $? "an existing identity was replaced or the exit status was not 1"
"$tool" fingerprint "$work/o.key" >/dev/null 2>&1
[ $? -eq 1 ]
check refuses_a_file_without_certificate $? "exit status"
"$tool" fingerprint "$work/o.crt" --hash md5 >/dev/null 2>&1
[ $? -eq 2 ]
check unknown_hash_is_a_usage_error $? "exit status"
"$tool" new "$work/rsa.pem" --rsa >/dev/null && openssl x509 -in "$work/rsa.pem" -noout -text | grep -q "rsaEncryption"
check rsa_identity $? "no RSA certificate"

echo "$failures failed"
exit $((failures > 0))
