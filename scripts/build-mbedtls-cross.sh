#!/bin/sh
# build-mbedtls-cross.sh SRCDIR OUTDIR
#
# Cross-compiles every file of SRCDIR/library (an mbedTLS 2.28 or 3.6
# source tree) with $CC and $CFLAGS into OUTDIR/obj, and archives them as
# OUTDIR/libmbedcrypto.a, libmbedx509.a and libmbedtls.a, split the way
# mbedTLS's own build splits them.  Modules the config leaves out compile
# to empty objects, so the file list needs no upkeep across versions.
#
# Environment: CC, AR (the cross tools), CFLAGS (CPU, optimisation, and
# -DMBEDTLS_CONFIG_FILE with the -I it needs), JOBS (default 2).
set -eu

src=${1:?usage: $0 SRCDIR OUTDIR}
out=${2:?usage: $0 SRCDIR OUTDIR}
: "${CC:?set CC}" "${AR:?set AR}" "${CFLAGS:?set CFLAGS}"

rm -rf "$out/obj"
mkdir -p "$out/obj"
start=$(date +%s)
# One compiler per file, two at a time; the flags go through the
# environment so that quoting in CFLAGS survives xargs.
export CC CFLAGS src out
ls "$src/library" | grep '\.c$' |
    xargs -P "${JOBS:-2}" -I{} sh -c \
        'eval "set -- $CFLAGS"; exec "$CC" "$@" -I"$src/include" \
             -I"$src/library" -c "$src/library/{}" \
             -o "$out/obj/$(basename {} .c).o"'

cd "$out"
rm -f libmbedcrypto.a libmbedx509.a libmbedtls.a
tls=$(cd obj && ls ssl_*.o mps_*.o debug.o net_sockets.o 2>/dev/null || true)
x509=$(cd obj && ls x509*.o pkcs7.o 2>/dev/null || true)
all=$(cd obj && ls ./*.o | sed 's|^\./||')
crypto=$(for o in $all; do
             case " $(echo $tls $x509) " in
                 *" $o "*) ;;
                 *) echo "$o" ;;
             esac
         done)
(cd obj && "$AR" rcs ../libmbedtls.a $tls &&
           "$AR" rcs ../libmbedx509.a $x509 &&
           "$AR" rcs ../libmbedcrypto.a $crypto)
end=$(date +%s)
echo "build-mbedtls-cross: $(echo $all | wc -w) files ->" \
     "$out/libmbed{crypto,x509,tls}.a in $((end - start)) s"
