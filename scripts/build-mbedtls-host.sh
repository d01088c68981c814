#!/bin/sh
# build-mbedtls-host.sh [LINE] [BUILDROOT]
#
# Builds Debian's mbedTLS source of one line (default 3.6) for the HOST with
# its default config, the library only, and installs the static libraries
# and headers into BUILDROOT/mbedtls-LINE/{include,lib} (BUILDROOT defaults
# to ./build).  For the CI job that tests the client against mbedTLS 3.6,
# where the machine's own libmbedtls-dev is 2.28.
#
# Environment: CC (default cc), JOBS (default 2: the machines have 2 cores).
# Idempotent: does nothing when the three libraries are already there.
set -eu

line=${1:-3.6}
root=${2:-build}
here=$(cd "$(dirname "$0")" && pwd)
top=$root/mbedtls-$line
src=$top/src

if [ -f "$top/lib/libmbedtls.a" ] && [ -f "$top/lib/libmbedx509.a" ] &&
   [ -f "$top/lib/libmbedcrypto.a" ]; then
    echo "build-mbedtls-host: $top/lib already built; nothing to do"
    exit 0
fi

sh "$here/mbedtls-source.sh" "$line" "$src"

start=$(date +%s)
# GEN_FILES= : use the generated sources shipped in the release tarball
# rather than regenerating them (that needs Python modules and Perl).
# -fPIC costs nothing here and lets the libraries go into a shared object.
make -C "$src/library" -j"${JOBS:-2}" GEN_FILES= \
     CC="${CC:-cc}" CFLAGS="-O2 -fPIC" \
     libmbedcrypto.a libmbedx509.a libmbedtls.a >"$top/build.log" 2>&1 || {
    tail -n 30 "$top/build.log" >&2
    echo "build-mbedtls-host: build failed; log in $top/build.log" >&2
    exit 1
}
end=$(date +%s)

mkdir -p "$top/lib" "$top/include"
cp "$src/library/libmbedcrypto.a" "$src/library/libmbedx509.a" \
   "$src/library/libmbedtls.a" "$top/lib/"
rm -rf "$top/include/mbedtls" "$top/include/psa"
cp -R "$src/include/mbedtls" "$top/include/"
if [ -d "$src/include/psa" ]; then
    cp -R "$src/include/psa" "$top/include/"
fi
echo "build-mbedtls-host: mbedTLS $line built for the host in" \
     "$((end - start)) s -> $top/include, $top/lib"
