#!/bin/sh
# Runs the port contract test in a private network namespace that has only
# "lo", with a private /etc/hosts naming pc-dual.test as ::1 and 127.0.0.1.
# Then the two optional checks run too (see tests/port_contract.h), and no
# packet, DNS included, can leave the machine.  Needs unshare(1) and ip(8)
# and the right to create namespaces (root, or user namespaces); without
# them it runs the test as it is and those two checks are skipped.
#
#   tests/run_port_contract.sh [path/to/test_port_contract]
set -eu
bin=${1:-build/test_port_contract}
if ! unshare -rmn true 2>/dev/null; then
    echo "# no namespaces here: running without them" >&2
    exec "$bin"
fi
hosts=$(mktemp)
trap 'rm -f "$hosts"' EXIT
printf '127.0.0.1 localhost\n::1 pc-dual.test\n127.0.0.1 pc-dual.test\n' \
    >"$hosts"
# The bind mount lives only in the new mount namespace.
unshare -rmn sh -c 'ip link set lo up && mount --bind "$1" /etc/hosts &&
    PC_DUAL_NAME=pc-dual.test exec "$2"' sh "$hosts" "$bin"
