#!/bin/sh
# need.sh PACKAGE... - installs the Debian packages that are missing, and
# says which.  Installed ones are left alone; nothing happens when all are.
# Packages come from the machine's own apt sources.
set -e
missing=""
for p in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0
echo "need.sh: installing missing packages:$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
# An empty or stale package list makes apt-get install fail: refresh once.
$SUDO apt-get update -q >/dev/null || true
$SUDO apt-get install -y -q --no-install-recommends $missing
