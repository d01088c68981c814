#!/bin/sh
# check_no_alloc.sh - the library's object code references no allocator.
#
# Compiles the implementation of telnyx_porting.h with gcc and clang, with
# mbedTLS and with TNX_NO_TLS, and, when arm-none-eabi-gcc is installed,
# for Cortex-M4 and M0+ without TLS; adds every Cortex-M object `make size`
# left in build/cm/*/lib; and lists what each object leaves undefined.  No
# object may name an allocator of the C library, of newlib's reentrant
# layer, of mbedTLS (the library must not spend mbedTLS's heap itself), or
# of the usual RTOSes.  Two controls keep the check honest: every object
# must show memcpy (so nm did read it), and an object that calls malloc
# must be caught.  Ends with "N passed, M failed"; run from the top of the
# tree (make test does).
set -u
out=build/noalloc
mkdir -p "$out"
pass=0
fail=0
ALLOC='malloc|calloc|realloc|reallocarray|free|aligned_alloc|memalign'
ALLOC="$ALLOC|posix_memalign|valloc|pvalloc|strdup|strndup|alloca"
ALLOC="$ALLOC|_malloc_r|_calloc_r|_realloc_r|_free_r|_sbrk|sbrk"
ALLOC="$ALLOC|mbedtls_calloc|mbedtls_free|pvPortMalloc|vPortFree"
ALLOC="$ALLOC|k_malloc|k_calloc|k_free|mem_malloc|mem_free"

ok() { echo "ok - $1"; pass=$((pass + 1)); }
bad() { echo "FAIL - $1"; fail=$((fail + 1)); }

# Prints the allocators object $2 references, using nm $1.
allocators() {
    "$1" -u "$2" | awk '{ print $NF }' | grep -Ex "($ALLOC)"
}

check() {  # NM OBJECT NAME
    if ! "$1" -u "$2" | awk '{ print $NF }' | grep -qx memcpy; then
        bad "$3: nm shows no memcpy, so it did not read the object"
        return
    fi
    found=$(allocators "$1" "$2" | tr '\n' ' ')
    if [ -n "$found" ]; then
        bad "$3 references $found"
    else
        ok "$3 references no allocator"
    fi
}

printf '#define TELNYX_PORTING_IMPLEMENTATION\n#include "telnyx_porting.h"\n' \
    > "$out/impl.c"
for cc in gcc clang; do
    if $cc -std=c99 -O2 -I. -c "$out/impl.c" -o "$out/$cc-tls.o"; then
        check nm "$out/$cc-tls.o" "$cc, mbedTLS"
    else
        bad "$cc, mbedTLS: does not compile"
    fi
    if $cc -std=c99 -O2 -DTNX_NO_TLS -I. -c "$out/impl.c" \
        -o "$out/$cc-notls.o"; then
        check nm "$out/$cc-notls.o" "$cc, TNX_NO_TLS"
    else
        bad "$cc, TNX_NO_TLS: does not compile"
    fi
done

if command -v arm-none-eabi-gcc >/dev/null 2>&1; then
    for cpu in cortex-m4 cortex-m0plus; do
        o="$out/$cpu-notls.o"
        if arm-none-eabi-gcc -mcpu=$cpu -mthumb -std=gnu99 -Os -DNDEBUG \
            -DTNX_NO_TLS -I. -c "$out/impl.c" -o "$o"; then
            check arm-none-eabi-nm "$o" "$cpu -Os, TNX_NO_TLS"
        else
            bad "$cpu, TNX_NO_TLS: does not compile"
        fi
    done
    for o in build/cm/*/lib/m[04]-*.o; do
        [ -f "$o" ] || continue
        check arm-none-eabi-nm "$o" "$o (make size)"
    done
else
    echo "note: arm-none-eabi-gcc is not installed; Cortex-M objects" \
         "are checked once make size or make cortex-m-deps has run"
fi

# The control: a call to malloc must be caught.
printf '#include <stdlib.h>\n#include <string.h>\n%s\n' \
    'void *f(size_t n, const void *s) { return memcpy(malloc(n), s, n); }' \
    > "$out/control.c"
if gcc -std=c99 -O2 -c "$out/control.c" -o "$out/control.o" &&
    [ "$(allocators nm "$out/control.o")" = malloc ]; then
    ok "the control object's malloc is caught"
else
    bad "the control object's malloc went unnoticed"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
