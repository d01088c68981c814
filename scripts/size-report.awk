# size-report.awk - sizes of one object file per layer of the library.
#
# Input: `arm-none-eabi-nm --size-sort -S -t d OBJ` (address, size, type,
# name; sizes in decimal).  Each symbol goes to the layer whose name prefix
# is the longest that matches; names no prefix matches go to `rest`.
#
#   arm-none-eabi-nm --size-sort -S -t d lib.o |
#       awk -f scripts/size-report.awk \
#           -v layers='tnx__http_=HTTP,tnx__json_=JSON reader' \
#           -v rest=client -v total="$(arm-none-eabi-size lib.o | tail -n 1)"
#
# Variables:
#   layers  prefix=Layer pairs separated by commas; the table keeps their
#           order, then `rest`.  Default: the telnyx_porting.h layers.
#   rest    name of the layer for everything else (default "client").
#   total   optional: the `size` line of the same object ("text data bss
#           dec hex name"); then a row shows what no symbol accounts for
#           (string literals, alignment padding), so the table adds up.
#
# Columns follow size(1)'s Berkeley format: text is code plus read-only
# data (nm types T t R r), data is initialised RAM (D d), bss is zeroed RAM
# (B b C).  Other symbol types (absolute, weak undefined) are ignored.
BEGIN {
    if (layers == "")
        layers = "tnx__http_=HTTP,tnx__json_=JSON reader,tnx__w=JSON writer," \
                 "tnx__tls_=TLS glue,tnx__map_=schema"
    if (rest == "")
        rest = "client"
    n = split(layers, pairs, ",")
    for (i = 1; i <= n; i++) {
        eq = index(pairs[i], "=")
        prefix[i] = substr(pairs[i], 1, eq - 1)
        name[i] = substr(pairs[i], eq + 1)
        # make's += puts a space before a comma; names are trimmed.
        gsub(/^ +| +$/, "", prefix[i])
        gsub(/^ +| +$/, "", name[i])
    }
    name[n + 1] = rest
}

NF >= 4 && $2 ~ /^[0-9]+$/ {
    size = $2 + 0
    type = $3
    sym = $4
    best = n + 1
    bestlen = 0
    for (i = 1; i <= n; i++) {
        len = length(prefix[i])
        if (len > bestlen && substr(sym, 1, len) == prefix[i]) {
            best = i
            bestlen = len
        }
    }
    if (type ~ /^[TtRr]$/)
        text[best] += size
    else if (type ~ /^[Dd]$/)
        data[best] += size
    else if (type ~ /^[BbCc]$/)
        bss[best] += size
    else
        next
    count[best]++
}

END {
    fmt = "%-16s %8s %8s %8s %8s\n"
    printf fmt, "layer", "text", "data", "bss", "symbols"
    for (i = 1; i <= n + 1; i++) {
        printf fmt, name[i], text[i] + 0, data[i] + 0, bss[i] + 0, count[i] + 0
        st += text[i]; sd += data[i]; sb += bss[i]; sc += count[i]
    }
    if (total != "") {
        split(total, t, " ")
        printf fmt, "(unnamed)", t[1] - st, t[2] - sd, t[3] - sb, "-"
        st = t[1]; sd = t[2]; sb = t[3]
    }
    printf fmt, "total", st + 0, sd + 0, sb + 0, sc + 0
}
