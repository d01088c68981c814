# size-report.awk - sizes of one object file of the library per layer, from
# what scripts/size-layers.sh gathers with readelf and objcopy:
#
#   S NAME SIZE KIND        an allocated section; SIZE in hex; KIND is
#                           text (code, read-only data), data or bss
#   R FROM OFFSET TYPE TO   a relocation in section FROM against the
#                           section symbol TO (OFFSET in hex)
#   B SECTION OFFSET BYTE   a byte of a literal pool or of a section
#                           that points into one (decimal)
#
# Owners: a section named after a function or object (.text.NAME,
# .rodata.NAME, .rodata.NAME.str1.1, .data.NAME, .bss.NAME) goes to the
# layer whose prefix is the longest that starts NAME; a tnx name that no
# prefix starts goes to `rest`.  Any other section (a static local such as
# hex.0, a switch table) goes to the layer of the sections that point at it,
# and each string of a shared pool (.rodata.str1.N) to the layers of the
# sections that point at that string.  Something used by two layers is
# counted once, in the row "(shared)".
#
# Variables: layers ("prefix=Layer,prefix=Layer,..."; rows keep the order in
# which layers first appear), rest, format ("text", "md", or "tsv": one
# tab-separated line per row).
# Works with mawk: no strtonum, no bitwise operators.

function hex(s,    i, v) {
    v = 0
    s = tolower(s)
    sub(/^0x/, "", s)
    for (i = 1; i <= length(s); i++)
        v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
    return v
}

# The layer number a symbol name belongs to, or 0 if the name says nothing.
function layer_of_name(nm,    i, best, bestlen, len) {
    best = 0
    bestlen = 0
    for (i = 1; i <= np; i++) {
        len = length(prefix[i])
        if (len > bestlen && substr(nm, 1, len) == prefix[i]) {
            best = player[i]
            bestlen = len
        }
    }
    if (best == 0 && nm ~ /^tnx/) best = nrest
    return best
}

function add_layer(name,    i) {
    for (i = 1; i <= nl; i++)
        if (lname[i] == name) return i
    lname[++nl] = name
    return nl
}

# Adds layer l to the set s ("|1|3|").
function set_add(s, l) {
    if (l == 0 || index(s, "|" l "|")) return s
    return (s == "" ? "|" : s) l "|"
}

# The one layer of a set, the shared row for several, 0 for none.
function set_one(s,    n, parts) {
    if (s == "") return 0
    n = split(substr(s, 2, length(s) - 2), parts, "|")
    return n == 1 ? parts[1] + 0 : nshared
}

BEGIN {
    n = split(layers, pairs, ",")
    for (i = 1; i <= n; i++) {
        eq = index(pairs[i], "=")
        p = substr(pairs[i], 1, eq - 1)
        nm = substr(pairs[i], eq + 1)
        # make puts spaces around the commas of a += list; trim them.
        gsub(/^ +| +$/, "", p)
        gsub(/^ +| +$/, "", nm)
        prefix[++np] = p
        player[np] = add_layer(nm)
    }
    nrest = add_layer(rest == "" ? "client" : rest)
    nshared = add_layer("(shared)")
}

$1 == "S" {
    ns++
    sname[ns] = $2
    ssize[$2] = hex($3)
    skind[$2] = $4
    next
}
$1 == "R" {
    nr++
    rfrom[nr] = $2
    roff[nr] = hex($3)
    rtype[nr] = $4
    rto[nr] = $5
    next
}
$1 == "B" {
    byte[$2, $3] = $4 + 0
    next
}

END {
    # Owners by name.
    for (i = 1; i <= ns; i++) {
        s = sname[i]
        nm = s
        sub(/^\.(text|rodata|data|bss)\./, "", nm)
        sub(/\.str1\.[0-9]+$/, "", nm)
        is_pool[s] = s ~ /^\.rodata\.str1\.[0-9]+$/
        owner[s] = (is_pool[s] || nm == s) ? 0 : layer_of_name(nm)
        if (skind[s] == "text" && s ~ /^\.text\./ && owner[s]) funcs[owner[s]]++
    }

    # Sections with no owner by name take their referrers' layers; a
    # referrer may itself be such a section, so go round until nothing
    # changes (the chains are short: a table that points at strings).
    for (pass = 1; pass <= 8; pass++) {
        for (i = 1; i <= ns; i++) refs[sname[i]] = ""
        for (r = 1; r <= nr; r++)
            if (!is_pool[rto[r]])
                refs[rto[r]] = set_add(refs[rto[r]], owner[rfrom[r]])
        for (i = 1; i <= ns; i++) {
            s = sname[i]
            if (!is_pool[s] && s !~ /^\.(text|rodata|data|bss)\.tnx/ &&
                refs[s] != "")
                owner[s] = set_one(refs[s])
        }
    }

    # Pool strings: the users of each string's first byte.
    for (r = 1; r <= nr; r++) {
        if (!is_pool[rto[r]] || rtype[r] != "R_ARM_ABS32") continue
        f = rfrom[r]; o = roff[r]
        a = byte[f, o + 3] * 256 + byte[f, o + 2]
        a = (a * 256 + byte[f, o + 1]) * 256 + byte[f, o]
        # Back to the start of the string the addend points into.
        while (a > 0 && byte[rto[r], a - 1] != 0) a--
        str[rto[r], a] = set_add(str[rto[r], a], owner[f])
    }

    for (i = 1; i <= ns; i++) {
        s = sname[i]
        k = skind[s]
        if (!is_pool[s]) {
            l = owner[s]
            if (l == 0 && ssize[s] > 0) l = nshared
            size[l, k] += ssize[s]
            continue
        }
        start = 0
        for (o = 0; o < ssize[s]; o++) {
            if (byte[s, o] != 0) continue
            l = set_one(str[s, start])
            size[l ? l : nshared, k] += o + 1 - start
            start = o + 1
        }
        if (start < ssize[s]) size[nshared, k] += ssize[s] - start
    }

    if (format == "tsv") {
        fmt = "%s\t%d\t%d\t%d\t%d\n"
        tfmt = fmt
    } else if (format == "md") {
        print "| layer | text | data | bss | functions |"
        print "|---|---:|---:|---:|---:|"
        fmt = "| %s | %d | %d | %d | %d |\n"
        tfmt = "| **%s** | **%d** | **%d** | **%d** | **%d** |\n"
    } else {
        fmt = "%-16s %8s %8s %8s %9s\n"
        printf fmt, "layer", "text", "data", "bss", "functions"
        tfmt = fmt
    }
    for (l = 1; l <= nl; l++) {
        t = size[l, "text"] + 0; d = size[l, "data"] + 0
        b = size[l, "bss"] + 0
        if (l == nshared && t + d + b == 0) continue
        printf fmt, lname[l], t, d, b, funcs[l] + 0
        st += t; sd += d; sb += b; sf += funcs[l]
    }
    printf tfmt, "total", st, sd, sb, sf
}
