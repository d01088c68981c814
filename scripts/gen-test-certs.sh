#!/bin/sh
# gen-test-certs.sh OUTDIR
#
# Makes a THROWAWAY test PKI in OUTDIR, for tests only: a self-signed CA
# and a server certificate for "localhost" signed by it, both ECDSA P-256
# with SHA-256, as ca.pem, ca.key, server.pem and server.key (the names the
# project's tests/certs/ will use).  Does nothing if server.pem exists.
set -eu

out=${1:?usage: $0 OUTDIR}
if [ -f "$out/server.pem" ] && [ -f "$out/server.key" ] &&
   [ -f "$out/ca.pem" ]; then
    echo "gen-test-certs: $out already has ca.pem, server.pem, server.key"
    exit 0
fi
mkdir -p "$out"
cd "$out"

openssl ecparam -name prime256v1 -genkey -noout -out ca.key
openssl req -new -x509 -key ca.key -sha256 -days 3650 -out ca.pem \
    -subj "/CN=telnyx-porting throwaway test CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign"

openssl ecparam -name prime256v1 -genkey -noout -out server.key
openssl req -new -key server.key -sha256 -out server.csr -subj "/CN=localhost"
printf '%s\n' "basicConstraints=critical,CA:FALSE" \
    "keyUsage=critical,digitalSignature" \
    "extendedKeyUsage=serverAuth" \
    "subjectAltName=DNS:localhost,IP:127.0.0.1" > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key \
    -CAcreateserial -sha256 -days 3650 -extfile server.ext -out server.pem \
    2>/dev/null
rm -f server.csr server.ext ca.srl
openssl verify -CAfile ca.pem server.pem
echo "gen-test-certs: throwaway CA and localhost server cert in $out"
