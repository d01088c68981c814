# map-libsize.awk - what each library contributes to a linked image, read
# from the GNU ld map file (-Wl,-Map=FILE).  Sections dropped by
# --gc-sections are listed apart in the map and are not counted.
#
#   awk -f scripts/map-libsize.awk image.map
#
# Prints text (code and read-only data: what goes to flash), data
# (initialised RAM, also copied from flash) and bss per archive (by file
# name, e.g. libmbedcrypto.a) or "objects" for plain .o files (each by its
# own name with -v each=1), then the mbedTLS subtotal and the total.
# Sizes are of input sections, so alignment padding between them is not
# counted, and string literals that ld merges across files are counted
# before merging: the text total can exceed size(1)'s by a few hundred
# bytes.

/^Linker script and memory map/ { in_map = 1; next }
!in_map { next }

# Output sections start in column 0; input sections are indented.
!/^ / { pending = ""; next }

# An input section line: " .text.name  0xADDR  0xSIZE  file" or, when the
# section name is long, the name alone on one line and the rest on the next.
{
    sec = ""; addr = ""; size = ""; file = ""
    if ($1 ~ /^\./ && NF == 1) { pending = $1; next }
    if ($1 ~ /^\./ && NF >= 4 && $2 ~ /^0x/ && $3 ~ /^0x/) {
        sec = $1; size = $3; file = $4
    } else if (pending != "" && $1 ~ /^0x/ && $2 ~ /^0x/ && NF >= 3) {
        sec = pending; size = $2; file = $3
    } else if ($1 == "COMMON" && $2 ~ /^0x/ && $3 ~ /^0x/) {
        sec = ".bss"; size = $3; file = $4
    }
    pending = ""
    if (sec == "" || file == "")
        next
    bytes = strtonum_hex(size)
    if (bytes == 0)
        next
    if (sec ~ /^\.(text|rodata|ARM\.extab|ARM\.exidx|vectors)/)
        kind = "text"
    else if (sec ~ /^\.data/)
        kind = "data"
    else if (sec ~ /^\.bss/)
        kind = "bss"
    else
        next
    lib = file
    if (lib ~ /\.a\(/) {
        sub(/\(.*/, "", lib)
        sub(/.*\//, "", lib)
    } else if (each) {
        lib = file
        sub(/.*\//, "", lib)
    } else {
        lib = "objects"
    }
    if (!(lib in seen)) { seen[lib] = 1; order[++nlib] = lib }
    sum[lib, kind] += bytes
}

function strtonum_hex(s,    i, c, v) {
    v = 0
    s = tolower(substr(s, 3))
    for (i = 1; i <= length(s); i++) {
        c = index("0123456789abcdef", substr(s, i, 1)) - 1
        v = v * 16 + c
    }
    return v
}

END {
    fmt = "%-22s %8s %8s %8s\n"
    printf fmt, "library", "text", "data", "bss"
    for (i = 1; i <= nlib; i++) {
        l = order[i]
        printf fmt, l, sum[l, "text"] + 0, sum[l, "data"] + 0, sum[l, "bss"] + 0
        if (l ~ /^libmbed/) {
            mt += sum[l, "text"]; md += sum[l, "data"]; mb += sum[l, "bss"]
        }
        tt += sum[l, "text"]; td += sum[l, "data"]; tb += sum[l, "bss"]
    }
    printf fmt, "mbedTLS (libmbed*)", mt + 0, md + 0, mb + 0
    printf fmt, "total", tt + 0, td + 0, tb + 0
}
