# callgrind-split.awk - instructions of one callgrind output file split by
# who ran them: the library (functions defined in telnyx_porting.h),
# mbedTLS (its shared libraries), the port, the C library, the rest.
#
#   awk -f scripts/callgrind-split.awk -v title="tnx_initiate" callgrind.out
#
# Reads callgrind's own format: "ob=", "fl=", "fn=" set the object, file
# and function that the cost lines after them belong to; names appear once
# as "(id) name" and then as "(id)" alone; "cob=", "cfi=", "cfn=" name a
# callee, and the cost line after "calls=" is that call's inclusive cost,
# which is skipped so that each instruction counts once (exclusive costs).
# Only the first event (Ir, instructions executed) is used.

# "(12) name" defines id 12 in table t; "(12)" looks it up.
function name_of(t, s,    id, rest) {
    if (s !~ /^\(/) return s
    id = substr(s, 2, index(s, ")") - 2)
    rest = substr(s, index(s, ")") + 1)
    sub(/^ /, "", rest)
    if (rest != "") names[t, id] = rest
    return names[t, id]
}

function value(line) { return substr(line, index(line, "=") + 1) }

/^ob=/  { ob = name_of("ob", value($0)); next }
/^cob=/ { name_of("ob", value($0)); next }
/^fl=/  { fl = name_of("fl", value($0)); next }
/^(fi|fe|cfi|cfl)=/ { name_of("fl", value($0)); next }
/^fn=/  {
    fn = name_of("fn", value($0))
    key = ob SUBSEP fn
    if (!(key in file)) file[key] = fl
    next
}
/^cfn=/ { name_of("fn", value($0)); next }
/^calls=/ { skip = 1; next }
/^[0-9+*-]/ {
    if (skip) { skip = 0; next }
    cost[ob SUBSEP fn] += $2
    next
}

function who(o, f, src) {
    if (o ~ /libmbed/) return "mbedTLS"
    if (src ~ /telnyx_porting\.h$/) return "library"
    if (src ~ /tnx_port_[a-z]*\.c$/) return "port"
    if (f ~ /^tnx_/) return "library"
    if (o ~ /\/libc\.so/) return "libc"
    return "other"
}

# 1234567 as 1,234,567.
function commas(n,    s, r) {
    s = sprintf("%d", n)
    r = ""
    while (length(s) > 3) {
        r = "," substr(s, length(s) - 2) r
        s = substr(s, 1, length(s) - 3)
    }
    return s r
}

END {
    for (k in cost) {
        split(k, p, SUBSEP)
        w = who(p[1], p[2], file[k])
        sum[w] += cost[k]
        total += cost[k]
    }
    printf "%s: %s instructions\n", title, commas(total)
    n = split("library mbedTLS port libc other", order, " ")
    for (i = 1; i <= n; i++) {
        w = order[i]
        printf "  %-9s %14s  %5.1f%%\n", w, commas(sum[w]),
               total ? 100 * sum[w] / total : 0
    }
}
