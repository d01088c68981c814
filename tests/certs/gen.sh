#!/usr/bin/env bash
# Makes the test PKI for the mock server and the TLS tests: a root CA, the
# server certificate for "localhost", and one certificate per way a client
# must refuse a server (expired, wrong host, self-signed, unknown CA).
#
# Every key is ECDSA P-256 and every signature SHA-256, the curve and hash a
# small mbedTLS build is most likely to have.  File names are fixed so the
# tests can name them; the keys differ on every run.  Run from anywhere:
#     bash tests/certs/gen.sh
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

days=7305              # 20 years, leap days included
say() { printf 'gen.sh: %s\n' "$*"; }

newkey() {             # newkey FILE
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
        -out "$1" 2>/dev/null
}

# openssl ca, unlike x509 -req, takes explicit start and end dates, which the
# expired certificate needs.  Its database files live in the temp dir.
cat > "$work/ca.cnf" <<CNF
[ ca ]
default_ca = test_ca
[ test_ca ]
dir = $work
database = \$dir/index.txt
new_certs_dir = \$dir
serial = \$dir/serial
default_md = sha256
policy = any_policy
unique_subject = no
email_in_dn = no
copy_extensions = none
[ any_policy ]
commonName = supplied
[ root_ext ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ leaf_localhost ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:localhost
[ leaf_wronghost ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:not-localhost.example
CNF

selfsign_ca() {        # selfsign_ca NAME CN
    newkey "$1.key"
    openssl req -new -x509 -sha256 -key "$1.key" -subj "/CN=$2" \
        -days "$days" -config "$work/ca.cnf" -extensions root_ext \
        -out "$1.pem"
}

# sign CA NAME CN EXT [openssl ca date options...]
sign() {
    local ca=$1 name=$2 cn=$3 ext=$4
    shift 4
    newkey "$name.key"
    openssl req -new -sha256 -key "$name.key" -subj "/CN=$cn" \
        -out "$work/$name.csr"
    : > "$work/index.txt"
    openssl ca -batch -notext -rand_serial -config "$work/ca.cnf" \
        -cert "$ca.pem" -keyfile "$ca.key" -extensions "$ext" \
        -in "$work/$name.csr" -out "$name.pem" "$@" 2>/dev/null
}

selfsign_ca ca "telnyx_porting test root CA"
selfsign_ca other-ca "telnyx_porting untrusted CA"
openssl x509 -in ca.pem -outform DER -out ca.der

sign ca server localhost leaf_localhost -days "$days"
sign ca expired localhost leaf_localhost \
    -startdate 20010101000000Z -enddate 20020101000000Z
sign ca wronghost not-localhost.example leaf_wronghost -days "$days"
sign other-ca untrusted localhost leaf_localhost -days "$days"

newkey selfsigned.key
openssl req -new -x509 -sha256 -key selfsigned.key -subj "/CN=localhost" \
    -days "$days" -addext "subjectAltName = DNS:localhost" \
    -addext "extendedKeyUsage = serverAuth" -out selfsigned.pem

# Each certificate must fail (or pass) for exactly the reason it is made for.
fails=0
expect() {             # expect ok|fail WHY openssl-verify-args...
    local want=$1 why=$2 out
    shift 2
    if out=$(openssl verify "$@" 2>&1); then got=ok; else got=fail; fi
    say "verify $*: $(printf '%s' "$out" | tr '\n' ' ')"
    if [ "$got" != "$want" ]; then
        say "UNEXPECTED: wanted $want ($why)"
        fails=$((fails + 1))
    elif [ "$want" = fail ] && ! grep -q "$why" <<<"$out"; then
        say "UNEXPECTED: failed, but not with '$why'"
        fails=$((fails + 1))
    fi
}
expect ok   "trusted"  -CAfile ca.pem -verify_hostname localhost server.pem
expect fail "expired"  -CAfile ca.pem expired.pem
expect ok   "chain ok" -CAfile ca.pem wronghost.pem
expect fail "mismatch" -CAfile ca.pem -verify_hostname localhost wronghost.pem
expect fail "self-signed" -CAfile ca.pem selfsigned.pem
expect fail "unable to get local issuer" -CAfile ca.pem untrusted.pem
expect ok   "other CA" -CAfile other-ca.pem -verify_hostname localhost \
    untrusted.pem
for k in ca other-ca server expired wronghost selfsigned untrusted; do
    openssl pkey -in "$k.key" -noout 2>/dev/null || {
        say "UNEXPECTED: $k.key does not parse"; fails=$((fails + 1)); }
done
[ "$fails" -eq 0 ] || { say "$fails check(s) failed"; exit 1; }
say "all certificates made and checked in $here"
