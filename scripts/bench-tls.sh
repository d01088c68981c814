#!/bin/sh
# bench-tls.sh RUN... - the client's TLS handshake, full and resumed.
# Each RUN is a build directory holding bench_tls and mock_server (one per
# mbedTLS line), optionally followed by ':' and mock options joined by
# commas, e.g. build/mbedtls3:--tls-max,1.2.  For each: wall time of TCP
# connect + handshake against the mock on loopback (median and mean of
# BENCH_N - 1 handshakes; the mock's work is in it), and the client's
# instructions per handshake under callgrind (BENCH_VG_N - 1 handshakes).
# Run from the top of the tree.
set -eu
n=${BENCH_N:-101}
vn=${BENCH_VG_N:-11}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== TLS handshake: TCP connect + handshake, client to the mock over"
echo "   loopback (ECDSA P-256).  Wall: $((n - 1)) handshakes, the mock's"
echo "   share included.  Instructions: the client's, callgrind,"
echo "   $((vn - 1)) handshakes."
printf '%-7s %-8s %-9s %12s %12s %14s\n' mbedTLS TLS handshake \
    "wall median" "wall mean" "instructions"
for run in "$@"; do
    dir=${run%%:*}
    opts=
    case $run in *:*) opts=$(echo "${run#*:}" | tr ',' ' ') ;; esac
    for mode in full resumed; do
        # shellcheck disable=SC2086 # opts are words on purpose
        line=$("$dir/bench_tls" "$mode" "$n" $opts)
        # shellcheck disable=SC2086
        valgrind --tool=callgrind --collect-atstart=no \
            --callgrind-out-file="$tmp/cg.out" \
            "$dir/bench_tls" "$mode" "$vn" $opts >/dev/null 2>"$tmp/vg.err" || {
            cat "$tmp/vg.err" >&2
            exit 1
        }
        total=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$tmp/cg.out")
        [ -n "$total" ] || total=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' \
            "$tmp/cg.out")
        echo "$line" | awk -v ins="$((total / (vn - 1)))" '{
            printf "%-7s %-8s %-9s %9s us %9s us %14s\n", $5, $6, $1,
                   $3, $4, ins }'
    done
done
