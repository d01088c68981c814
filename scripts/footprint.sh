#!/bin/sh
# footprint.sh OUT - flash, RAM and stack of telnyx_porting.h on Cortex-M,
# from what mk/cortex-m.mk built under OUT; prints the tables and writes
# OUT/footprint.md, the README's section (scripts/readme-size.sh puts it
# there).
#
# Reads:
#   OUT/lib/V-C.o, .ci   the library for V in m4-Os m4-O1 m0-Os m0-O1 and
#                        C in tls (mbedTLS, client-only config) or notls
#   OUT/lib/V-C-split.o  the same with functions called once kept out of
#                        line: the per-layer split
#   OUT/lib/ram-V-C.o    tests/cortex-m/ram_probe.c: struct sizes
#   OUT/tls_client_probe-m4.map, -m0.map   mbedTLS's flash in a client
#   OUT/link_probe-V-C.map  a firmware that makes the one call (V m4-Os or
#                        m0-Os): the library as linked with --gc-sections
#   OUT/runs/IMAGE.log   output of stack_probe-m4/-m0, initiate_e2e-m4
# Environment: LAYERS (see scripts/size-layers.sh), SITES and CALLS (see
# scripts/stack-report.awk), CM_CC, SIZE, NM, READELF, OBJCOPY (the cross
# binutils), MBEDTLS_VERSION (e.g. 3.6.6).
set -eu

out=${1:?usage: $0 OUT}
lib=$out/lib
here=$(dirname "$0")
: "${LAYERS:?}" "${SITES:?}" "${CALLS:?}"
: "${CM_CC:=arm-none-eabi-gcc}" "${SIZE:=arm-none-eabi-size}"
: "${NM:=arm-none-eabi-nm}" "${MBEDTLS_VERSION:=?}"
export LAYERS READELF OBJCOPY
md=$out/footprint.md
variants="m4-Os m4-O1 m0-Os m0-O1"

# Targets of issue 6, in bytes.
FLASH_TARGET=6144
RAM_TARGET=1024
STACK_TARGET=512

label() {
    case $1 in
        m4-*) printf 'Cortex-M4 -%s' "${1#*-}" ;;
        *) printf 'Cortex-M0+ -%s' "${1#*-}" ;;
    esac
}

# size(1) of an object: "text data bss".
tdb() { "$SIZE" "$1" | awk 'NR == 2 { print $1, $2, $3 }'; }

# The size nm gives symbol $2 of object $1, in bytes.
symsize() {
    "$NM" -S -t d "$1" | awk -v s="$2" '$4 == s { print $2 + 0; f = 1 }
                                         END { if (!f) print 0 }'
}

# A value "key=N" from the footprint: lines of a run log, or "-".
run_value() {
    f=$out/runs/$1.log
    [ -f "$f" ] || { echo "-"; return; }
    sed -n "s/.*[ :]$2=\([0-9]*\).*/\1/p" "$f" | tail -n 1 | grep . || echo "-"
}

# Worst-case stack of the deepest public function: "bytes function".
stack_max() {
    awk -f "$here/stack-report.awk" -v format=tsv -v sites="$SITES" \
        -v calls="$CALLS" "$1" | sort -t "$(printf '\t')" -k2,2n |
        tail -n 1 | awk -F '\t' '{ print $2, $1 }'
}

echo "== telnyx_porting.h on Cortex-M: the library alone (no mbedTLS," \
     "no libc), bytes"
printf '%-17s %-10s %7s %6s %6s %8s\n' target config text data bss \
    "flash"
for v in $variants; do
    for c in tls notls; do
        set -- $(tdb "$lib/$v-$c.o")
        printf '%-17s %-10s %7d %6d %6d %8d\n' "$(label "$v")" \
            "$([ $c = tls ] && echo mbedTLS || echo TNX_NO_TLS)" \
            "$1" "$2" "$3" $(($1 + $2))
    done
done

# Per layer: one column per target, text+data of the split builds.
for c in tls notls; do
    echo ""
    echo "== per layer, $([ $c = tls ] && echo "with TLS glue" ||
        echo TNX_NO_TLS): text+data (functions called once kept out of" \
        "line, so that each layer keeps its code; totals differ from the" \
        "real build above by the inlining)"
    for v in $variants; do
        FORMAT=tsv sh "$here/size-layers.sh" "$lib/$v-$c-split.o" |
            awk -F '\t' -v v="$v" '{ print v "\t" $1 "\t" $2 + $3 }'
    done | awk -F '\t' -v cols="$variants" '
        { if (!($2 in seen) && $2 != "total") { seen[$2] = 1; row[++n] = $2 }
          val[$1, $2] = $3 }
        END {
            row[++n] = "total"
            m = split(cols, col, " ")
            printf "%-16s", "layer"
            for (j = 1; j <= m; j++) printf " %8s", col[j]
            printf "\n"
            for (i = 1; i <= n; i++) {
                printf "%-16s", row[i]
                for (j = 1; j <= m; j++) printf " %8d", val[col[j], row[i]]
                printf "\n"
            }
        }'
done

echo ""
echo "== stack: worst case of each public function, library frames only" \
     "(mbedTLS, libc and port frames excluded), bytes"
for c in tls notls; do
    for v in $variants; do
        awk -f "$here/stack-report.awk" -v format=tsv -v sites="$SITES" \
            -v calls="$CALLS" "$lib/$v-$c.ci" |
            awk -F '\t' -v k="$v-$c" '{ print k "\t" $1 "\t" $2 }'
    done
done | awk -F '\t' -v vs="$variants" '
    { if (!($2 in seen)) { seen[$2] = 1; row[++n] = $2 }
      val[$1, $2] = $3 }
    END {
        m = split(vs, v, " ")
        printf "%-29s", "function"
        for (j = 1; j <= m; j++) printf " %7s", v[j]
        printf " %11s\n", "m4-Os-notls"
        for (i = 1; i <= n; i++) {
            printf "%-29s", row[i]
            for (j = 1; j <= m; j++) printf " %7d", val[v[j] "-tls", row[i]]
            printf " %11d\n", val["m4-Os-notls", row[i]]
        }
    }'
echo "deepest path (Cortex-M4 -Os, TLS):"
awk -f "$here/stack-report.awk" -v sites="$SITES" -v calls="$CALLS" \
    "$lib/m4-Os-tls.ci" | sort -k2,2n | tail -n 1 | sed 's/^/  /'

echo ""
echo "== RAM at the default configuration, bytes (the same on M4 and M0+:" \
     "both are ILP32 AAPCS)"
ram() { symsize "$lib/ram-m4-Os-$1.o" "ram_$2"; }
for c in tls notls; do
    for s in client action_requirement error; do
        a=$(symsize "$lib/ram-m4-Os-$c.o" "ram_$s")
        b=$(symsize "$lib/ram-m0-Os-$c.o" "ram_$s")
        [ "$a" = "$b" ] || echo "note: sizeof $s differs: M4 $a, M0+ $b"
    done
done
client_tls=$(ram tls client)
mbed_ctx=$(( $(ram tls client_ssl) + $(ram tls client_conf) +
             $(ram tls client_ca) + $(ram tls client_drbg) ))
own_tls=$((client_tls - mbed_ctx))
client_notls=$(ram notls client)
ar=$(ram tls action_requirement)
er=$(ram tls error)
printf '%-48s %6s %10s\n' "" mbedTLS TNX_NO_TLS
printf '%-48s %6d %10d\n' "tnx_client" "$client_tls" "$client_notls"
printf '%-48s %6d %10s\n' "  mbedTLS's contexts (ssl, conf, ca, drbg)" \
    "$mbed_ctx" -
printf '%-48s %6d %10s\n' "    mbedtls_ssl_context" "$(ram tls client_ssl)" -
printf '%-48s %6d %10s\n' "    mbedtls_ssl_config" "$(ram tls client_conf)" -
printf '%-48s %6d %10s\n' "    mbedtls_x509_crt (CA chain head)" \
    "$(ram tls client_ca)" -
printf '%-48s %6d %10s\n' "    mbedtls_ctr_drbg_context" \
    "$(ram tls client_drbg)" -
printf '%-48s %6d %10d\n' "  the library's own" "$own_tls" "$client_notls"
for m in buf http http_line reader reader_js reader_map cfg host \
         base_path; do
    case $m in
        buf) t="I/O buffer (TNX_IO_BUF_SIZE)" ;;
        http) t="HTTP response parser" ;;
        http_line) t="  its header line (TNX_LINE_MAX)" ;;
        reader) t="JSON reader and schema mapper" ;;
        reader_js) t="  JSON reader" ;;
        reader_map) t="  schema mapper" ;;
        cfg) t="copy of tnx_config" ;;
        host) t="host (TNX_HOST_MAX)" ;;
        base_path) t="base path (TNX_PATH_MAX)" ;;
    esac
    printf '%-48s %6d %10d\n' "    $t" "$(ram tls client_$m)" \
        "$(ram notls client_$m)"
done
printf '%-48s %6d %10d\n' "per call, the caller's tnx_action_requirement" \
    "$ar" "$(ram notls action_requirement)"
printf '%-48s %6d %10d\n' "per call, the caller's tnx_error" "$er" \
    "$(ram notls error)"
set -- $(tdb "$lib/m4-Os-tls.o")
printf '%-48s %6d %10s\n' "static RAM (.data + .bss)" $(($2 + $3)) ""

echo ""
echo "== mbedTLS $MBEDTLS_VERSION in a TLS client image" \
     "(tests/cortex-m/mbedtls_config_cm4.h, client only), bytes"
mbed_flash() {
    awk -f "$here/map-libsize.awk" "$out/tls_client_probe-$1.map" |
        awk '/^mbedTLS/ { print $(NF - 2) + $(NF - 1) }'
}
mf4=$(mbed_flash m4)
mf0=$(mbed_flash m0)
echo "flash (text+data): Cortex-M4 -Os $mf4, Cortex-M0+ -Os $mf0"
heap_peak=$(run_value initiate_e2e-m4 heap_peak)
heap_conn=$(run_value initiate_e2e-m4 heap_connected)
echo "heap of the client (initiate_e2e-m4): peak $heap_peak," \
     "while connected $heap_conn"

# Flash of the library and of mbedTLS as linked into link_probe-$1.
linked() {
    awk -v each=1 -f "$here/map-libsize.awk" "$out/link_probe-$1.map" |
        awk -v obj="$1.o" '$1 == obj { lib = $2 + $3 }
            /^mbedTLS/ { mb = $(NF - 2) + $(NF - 1) }
            END { print lib + 0, mb + 0 }'
}
echo ""
echo "== linked into a firmware that makes the one call (tnx_config_default," \
     "tnx_client_init, tnx_initiate, tnx_client_free; --gc-sections):" \
     "flash, bytes"
printf '%-17s %-10s %8s %8s %8s\n' target config library mbedTLS both
for v in m4-Os m0-Os; do
    for c in tls notls; do
        set -- $(linked "$v-$c")
        printf '%-17s %-10s %8d %8d %8d\n' "$(label "$v")" \
            "$([ $c = tls ] && echo mbedTLS || echo TNX_NO_TLS)" "$1" "$2" \
            $(($1 + $2))
    done
done

echo ""
echo "== stack painted under qemu (whole calls: library, port, libc; and" \
     "mbedTLS where built with it)"
p4=$(run_value stack_probe-m4 painted_tnx_initiate)
p0=$(run_value stack_probe-m0 painted_tnx_initiate)
e_init=$(run_value initiate_e2e-m4 stack_init)
e_hs=$(run_value initiate_e2e-m4 stack_initiate_handshake)
e_kept=$(run_value initiate_e2e-m4 stack_initiate_kept)
echo "tnx_initiate, TNX_NO_TLS: Cortex-M4 -Os $p4, Cortex-M0+ -Os $p0" \
     "(stack_probe; each public function checked against its bound)"
echo "with mbedTLS (initiate_e2e-m4): tnx_client_init $e_init," \
     "tnx_initiate with handshake $e_hs, on a kept connection $e_kept"

set -- $(tdb "$lib/m4-Os-tls.o")
flash=$(($1 + $2))
set -- $(stack_max "$lib/m4-Os-tls.ci")
stack=$1
echo ""
echo "== against the targets of issue 6"
verdict() {  # name measured target
    if [ "$2" -le "$3" ]; then
        echo "$1: $2 B, target $3 B: met ($(($3 - $2)) B to spare)"
    else
        echo "$1: $2 B, target $3 B: MISSED by $(($2 - $3)) B"
    fi
}
verdict "flash, Cortex-M4 -Os, text+data" "$flash" $FLASH_TARGET
set -- $(linked m4-Os-tls)
verdict "flash, Cortex-M4 -Os, as linked for the one call" "$1" \
    $FLASH_TARGET
verdict "RAM beyond mbedTLS's own, tnx_client" "$own_tls" $RAM_TARGET
verdict "RAM beyond mbedTLS's own, with the caller's per-call results" \
    $((own_tls + ar + er)) $RAM_TARGET
verdict "stack inside the library, worst public function" "$stack" \
    $STACK_TARGET

# ---- The README section ----

# Prose to at most 78 columns; a "- " item continues indented.
wrap() {
    awk '{
        ind = ($0 ~ /^- /) ? "  " : ""
        n = split($0, w, " ")
        line = ""
        for (i = 1; i <= n; i++) {
            if (line != "" && length(line) + 1 + length(w[i]) > 78) {
                print line
                line = ind w[i]
            } else {
                line = (line == "") ? w[i] : line " " w[i]
            }
        }
        print line
    }'
}

{
    gccv=$("$CM_CC" -dumpversion)
    echo "Measured by \`make size\` with arm-none-eabi-gcc $gccv" \
         "(\`-mthumb -std=gnu99 -DNDEBUG -ffunction-sections" \
         "-fdata-sections\`, with \`-mcpu=cortex-m4 -mfloat-abi=hard" \
         "-mfpu=fpv4-sp-d16\` or \`-mcpu=cortex-m0plus\`) and mbedTLS" \
         "$MBEDTLS_VERSION configured by" \
         "\`tests/cortex-m/mbedtls_config_cm4.h\` (TLS 1.2 client," \
         "ECDHE-ECDSA P-256, AES-GCM, 4 KB records). Bytes, default" \
         "configuration." | wrap
    echo ""
    echo "| target | TLS | flash | static RAM | \`tnx_client\` |" \
         "of it mbedTLS | stack | painted |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|"
    for v in $variants; do
        for c in tls notls; do
            set -- $(tdb "$lib/$v-$c.o")
            f=$(($1 + $2)); r=$(($2 + $3))
            set -- $(stack_max "$lib/$v-$c.ci")
            s=$1
            if [ $c = tls ]; then
                p="-"
                [ "$v" = m4-Os ] && p="$e_hs"
                printf '| %s | mbedTLS | %d | %d | %d | %d | %d | %s |\n' \
                    "$(label "$v")" "$f" "$r" "$client_tls" "$mbed_ctx" \
                    "$s" "$p"
            else
                p="-"
                [ "$v" = m4-Os ] && p=$p4
                [ "$v" = m0-Os ] && p=$p0
                printf '| %s | `TNX_NO_TLS` | %d | %d | %d | - | %d | %s |\n' \
                    "$(label "$v")" "$f" "$r" "$client_notls" "$s" "$p"
            fi
        done
    done
    echo ""
    {
        set -- $(linked m4-Os-tls)
        l4=$1; m4=$2
        set -- $(linked m4-Os-notls)
        n4=$1
        echo "- **flash**: text + data of the whole library object. A" \
             "firmware that makes the one call (\`tnx_client_init\`," \
             "\`tnx_initiate\`, \`tnx_client_free\`) links $l4 B of it on" \
             "Cortex-M4 -Os ($n4 B with \`TNX_NO_TLS\`) and $m4 B of" \
             "mbedTLS (\`tests/cortex-m/link_probe.c\`, \`--gc-sections\`);" \
             "a client image of mbedTLS alone takes $mf4 B on Cortex-M4" \
             "and $mf0 B on Cortex-M0+."
        echo "- **static RAM**: .data + .bss. The library has no heap" \
             "either; mbedTLS's heap in the client peaks at $heap_peak B" \
             "(handshake) and holds $heap_conn B while connected."
        echo "- **\`tnx_client\`**: the caller's struct. $own_tls B of it" \
             "are the library's own (I/O buffer $(ram tls client_buf)," \
             "HTTP parser $(ram tls client_http), JSON reader and mapper" \
             "$(ram tls client_reader), configuration, host and path), the" \
             "rest mbedTLS's contexts. Each call also fills the caller's" \
             "\`tnx_action_requirement\` ($ar B) and \`tnx_error\` ($er B)."
        echo "- **stack**: worst case of the deepest public function," \
             "\`tnx_initiate\`, from \`-fstack-usage\` and the call graph:" \
             "the library's frames only (mbedTLS, libc, port excluded)."
        echo "- **painted**: the stack \`tnx_initiate\` really used under" \
             "\`qemu-system-arm -M mps2-an386\`, port and libc frames" \
             "included; with mbedTLS, the call with its full handshake," \
             "mbedTLS's frames included (\`tnx_client_init\`, which parses" \
             "the CA and seeds the DRBG: $e_init B)."
    } | wrap
    echo ""
    echo "Per layer, Cortex-M4 -Os with TLS (for this split only, functions" \
         "called once are kept out of line, so that inlined code stays in" \
         "its layer):" | wrap
    echo ""
    FORMAT=md sh "$here/size-layers.sh" "$lib/m4-Os-tls-split.o"
} > "$md"

echo ""
echo "== README section ($md; \`make readme-size\` puts it into README.md)"
cat "$md"
