#!/bin/sh
# mbedtls-source.sh VERSION_LINE DESTDIR
#
# Puts Debian's `mbedtls` source package for one release line into DESTDIR:
#   2.28  -> the Debian 12 (bookworm) package, mbedTLS 2.28.x
#   3.6   -> the Debian 13 (trixie) package, mbedTLS 3.6.x
#
# Why this way: the project may only reach Debian's archive, and must not
# name its host.  So the archive URI and its keyring are read from this
# machine's own apt sources at run time, and apt runs on a private deb-src
# list with private lists and cache directories: the system's apt state is
# never changed (no deb-src line added, no `apt-get update` of its lists).
#
# Idempotent: when DESTDIR already holds the sources of the wanted line it
# says so and does nothing.  Needs root only to install dpkg-dev if missing.
set -eu

usage() {
    echo "usage: $0 2.28|3.6 DESTDIR" >&2
    exit 2
}
[ $# -eq 2 ] || usage
line=$1
dest=$2

case $line in
    2.28) suite=bookworm ;;
    3.6)  suite=trixie ;;
    *)    usage ;;
esac

# The version a source tree declares, e.g. "3.6.3", or "" if none.
tree_version() {
    for h in "$1/include/mbedtls/build_info.h" "$1/include/mbedtls/version.h"
    do
        if [ -f "$h" ]; then
            v=$(sed -n 's/^#define MBEDTLS_VERSION_STRING  *"\(.*\)"$/\1/p' \
                "$h")
            if [ -n "$v" ]; then
                echo "$v"
                return 0
            fi
        fi
    done
    echo ""
}

have=$(tree_version "$dest")
case $have in
    "$line".*)
        echo "mbedtls-source: $dest already holds mbedTLS $have; nothing to do"
        exit 0 ;;
    "") ;;
    *)
        echo "mbedtls-source: $dest holds mbedTLS $have, not $line.x;" \
             "remove it first" >&2
        exit 1 ;;
esac

if ! command -v dpkg-source >/dev/null 2>&1; then
    echo "mbedtls-source: installing dpkg-dev (for dpkg-source)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y \
        --no-install-recommends dpkg-dev
fi

# Find the archive and the security archive with their keyrings.  Prints
# "URI KEYRING" per line, the main archive first, then "security URI
# KEYRING".  deb822 first, one-line sources.list as the fallback.
find_archives() {
    f=/etc/apt/sources.list.d/debian.sources
    if [ -f "$f" ]; then
        awk '
            function flush() {
                if (deb && uri != "") {
                    if (sec) print "security", uri, key
                    else if (!done) { print "main", uri, key; done = 1 }
                }
                deb = 0; sec = 0; uri = ""; key = ""
            }
            /^[ \t]*$/ { flush(); next }
            /^#/ { next }
            tolower($1) == "types:" { for (i = 2; i <= NF; i++)
                                          if ($i == "deb") deb = 1 }
            tolower($1) == "uris:" { uri = $2 }
            tolower($1) == "suites:" { for (i = 2; i <= NF; i++)
                                           if ($i ~ /-security$/) sec = 1 }
            tolower($1) == "signed-by:" { key = $2 }
            END { flush() }' "$f"
        return 0
    fi
    f=/etc/apt/sources.list
    if [ -f "$f" ]; then
        # deb [signed-by=K] URI SUITE COMPONENTS...
        awk '
            $1 != "deb" { next }
            {
                key = ""; i = 2
                if ($2 ~ /^\[/) {
                    for (; i <= NF; i++) {
                        if ($i ~ /signed-by=/) {
                            key = $i; sub(/.*signed-by=/, "", key)
                            sub(/\]$/, "", key)
                        }
                        if ($i ~ /\]$/) { i++; break }
                    }
                }
                uri = $i; suite = $(i + 1)
                if (suite ~ /-security$/) print "security", uri, key
                else if (!done) { print "main", uri, key; done = 1 }
            }' "$f"
        return 0
    fi
}

archives=$(find_archives)
main_uri=$(echo "$archives" | awk '$1 == "main" { print $2; exit }')
main_key=$(echo "$archives" | awk '$1 == "main" { print $3; exit }')
sec_uri=$(echo "$archives" | awk '$1 == "security" { print $2; exit }')
sec_key=$(echo "$archives" | awk '$1 == "security" { print $3; exit }')
if [ -z "$main_uri" ]; then
    echo "mbedtls-source: no Debian archive found in this machine's apt" \
         "sources" >&2
    exit 1
fi
# The bookworm keyring package also carries the trixie keys; a machine
# without a Signed-By falls back to that keyring.
: "${main_key:=/usr/share/keyrings/debian-archive-keyring.gpg}"
: "${sec_key:=$main_key}"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# apt downloads as the unprivileged _apt user: let it into the temp dir.
chmod 755 "$tmp"
mkdir -p "$tmp/lists/partial" "$tmp/cache/archives/partial" \
         "$tmp/parts" "$tmp/work"
{
    echo "deb-src [signed-by=$main_key] $main_uri $suite main"
    if [ -n "$sec_uri" ]; then
        echo "deb-src [signed-by=$sec_key] $sec_uri $suite-security main"
    fi
} > "$tmp/sources.list"
chmod -R a+rwX "$tmp/work" "$tmp/lists" "$tmp/cache"

echo "mbedtls-source: private deb-src list for $suite:"
sed 's/^/    /' "$tmp/sources.list"

set -- -o "Dir::Etc::sourcelist=$tmp/sources.list" \
       -o "Dir::Etc::sourceparts=$tmp/parts" \
       -o "Dir::State::Lists=$tmp/lists" \
       -o "Dir::Cache=$tmp/cache" \
       -o "APT::Default-Release=" \
       -q
apt-get "$@" update
(cd "$tmp/work" && apt-get "$@" source --only-source mbedtls)

src=$(find "$tmp/work" -mindepth 1 -maxdepth 1 -type d -name 'mbedtls-*' |
      head -n 1)
if [ -z "$src" ]; then
    echo "mbedtls-source: apt-get source left no mbedtls-* directory" >&2
    exit 1
fi
got=$(tree_version "$src")
case $got in
    "$line".*) ;;
    *)
        echo "mbedtls-source: $suite has mbedTLS '$got', not $line.x" >&2
        exit 1 ;;
esac

mkdir -p "$(dirname "$dest")"
rm -rf "$dest"
mv "$src" "$dest"
dsc=$(cd "$tmp/work" && ls ./*.dsc)
echo "mbedtls-source: unpacked mbedTLS $got ($suite, ${dsc#./}) into $dest"
