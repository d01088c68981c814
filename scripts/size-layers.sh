#!/bin/sh
# size-layers.sh OBJ - text, data and bss of one object file of the
# library, per layer (see scripts/size-report.awk for the table it prints).
#
# Every allocated section of OBJ is counted once.  With -ffunction-sections
# and -fdata-sections a section is named after its function or object, and
# GCC gives a function's private string literals a section of their own
# (.rodata.FN.str1.1), so most bytes have an owner by name.  The rest -
# string literals shared by several functions or held by a table, and
# static locals such as `hex.0` - are attributed through the relocations
# that point at them: a string to the layers that use it, with the offset
# read from the section bytes (ARM objects keep the addend there).
#
# Environment:
#   READELF, OBJCOPY  the binutils of OBJ's target (arm-none-eabi-*)
#   LAYERS            prefix=Layer pairs, comma-separated (required)
#   REST              layer of the tnx names no prefix matches (client)
#   FORMAT            text (default), md (Markdown) or tsv
set -eu

obj=${1:?usage: $0 OBJ}
: "${READELF:=arm-none-eabi-readelf}" "${OBJCOPY:=arm-none-eabi-objcopy}"
: "${LAYERS:?set LAYERS to prefix=Layer,...}" "${REST:=client}"
: "${FORMAT:=text}"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# "S NAME SIZE KIND" for each allocated section; KIND is text, data or bss.
"$READELF" -SW "$obj" | sed -n 's/^ *\[ *[0-9]*\] //p' | awk '
    NF >= 10 && $7 ~ /A/ {
        kind = "text"
        if ($7 ~ /W/) kind = ($2 == "NOBITS") ? "bss" : "data"
        print "S", $1, $5, kind
    }' > "$tmp/sections"

# "R FROM OFFSET TYPE TARGET" for each relocation whose target is a
# section symbol (a local object or a literal pool, never a function).
"$READELF" -rW "$obj" | awk '
    /^Relocation section/ {
        from = substr($3, 2, length($3) - 2); sub(/^\.rel\./, ".", from)
        next
    }
    NF >= 5 && $1 ~ /^[0-9a-f]+$/ && $5 ~ /^\./ {
        print "R", from, $1, $3, $5
    }' > "$tmp/relocs"

# Bytes of the shared literal pools and of every section that points into
# one: "B SECTION OFFSET VALUE", decimal.
pools=$(awk '$1 == "S" && $2 ~ /^\.rodata\.str1\.[0-9]+$/ { print $2 }' \
    "$tmp/sections")
users=$(awk -v pools=" $(echo $pools) " \
    'index(pools, " " $5 " ") && $4 == "R_ARM_ABS32" { print $2 }' \
    "$tmp/relocs" | sort -u)
: > "$tmp/bytes"
for s in $pools $users; do
    "$OBJCOPY" -O binary -j "$s" "$obj" "$tmp/sec.bin"
    od -An -v -tu1 "$tmp/sec.bin" |
        awk -v s="$s" '{ for (i = 1; i <= NF; i++) print "B", s, n++, $i }' \
        >> "$tmp/bytes"
done

cat "$tmp/sections" "$tmp/relocs" "$tmp/bytes" |
    awk -f "$(dirname "$0")/size-report.awk" -v layers="$LAYERS" \
        -v rest="$REST" -v format="$FORMAT"
