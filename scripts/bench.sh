#!/bin/sh
# bench.sh - `make bench`: the client against the mock over loopback TLS.
#
#  1. callgrind counts the instructions of tnx_client_init, of a first
#     tnx_initiate (TCP connect and full TLS handshake included) and of a
#     second one on the kept-alive connection, each split into the
#     library's own, mbedTLS's, the port's and the C library's
#     (scripts/callgrind-split.awk).  The mock runs outside valgrind.
#  2. calls per second on one kept-alive connection, and with a new client
#     (so a new TCP connection and TLS handshake) per call, each at most
#     BENCH_CALLS calls or BENCH_SECONDS seconds.
#
# Run from the top of the tree, after build/bench_initiate and
# build/mock_server are built.
set -eu
b=build/bench
calls=${BENCH_CALLS:-500}
seconds=${BENCH_SECONDS:-5}
mkdir -p "$b"
rm -f "$b"/callgrind.*

cg() {  # OUTFILE VALGRIND-OPTIONS...
    out=$1
    shift
    valgrind --tool=callgrind --callgrind-out-file="$out" \
        --collect-atstart=no -q "$@" build/bench_initiate once
}

echo "== instructions (callgrind; library = functions of telnyx_porting.h)"
cg "$b/callgrind.init" --toggle-collect=tnx_client_init
awk -f scripts/callgrind-split.awk \
    -v title="tnx_client_init (CA parse, DRBG seed)" "$b/callgrind.init"
# One part file per tnx_initiate: .1 the first call, .2 the second.
cg "$b/callgrind.initiate" --toggle-collect=tnx_initiate \
    --dump-after=tnx_initiate
awk -f scripts/callgrind-split.awk \
    -v title="tnx_initiate, new connection (TCP, TLS handshake)" \
    "$b/callgrind.initiate.1"
awk -f scripts/callgrind-split.awk \
    -v title="tnx_initiate on the kept-alive connection" \
    "$b/callgrind.initiate.2"

echo ""
echo "== calls per second (loopback, the mock on the same machine)"
build/bench_initiate rate "$calls" "$seconds"
