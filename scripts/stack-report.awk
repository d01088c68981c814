# stack-report.awk - worst-case stack of each public function of the
# library, from GCC's call graph with stack usage (-fcallgraph-info=su,
# which writes one .ci file per object in VCG format).
#
#   awk -f scripts/stack-report.awk -v src=telnyx_porting.h \
#       -v sites='->event(=tnx__map_event' -v calls='...' impl.ci [port.ci]
#
# The bound of a function is its own frame plus the largest bound among
# what it calls; it holds because the library never recurses (a cycle is
# reported and fails the run).  What the graph cannot see is resolved with
# two tables:
#   sites  PATTERN=FN FN...;...  an indirect call whose source text (the
#          line the .ci names) contains PATTERN may reach these functions,
#          e.g. the JSON reader's event callback or the writer's sink;
#   calls  NAME=FN FN...;...     an external function (mbedTLS) that calls
#          back into these, e.g. mbedtls_ssl_read into tnx__bio_recv.
# Any other call leaves the graph: mbedTLS's own frames, the C library,
# libgcc helpers, and hooks of a port not given; they count 0 here, which
# is what "the library's stack, mbedTLS excluded" means.
#
# Variables:
#   src     path prefix the .ci names its source files by (to read lines)
#   public  regular expression of the functions to report (^tnx_[a-z])
#   format  text (default): a table with the deepest path; md: a
#           Markdown table; h: #define lines for a C test; tsv: name,
#           bytes and path, tab-separated
#   prefix  for format=h, the macro prefix (TNX_STACK_)
# Exit status 1 on recursion or on an unbounded dynamic frame (alloca, a
# VLA).

function unq(s) {
    sub(/^"/, "", s)
    sub(/"$/, "", s)
    return s
}

# The value of `key: "..."` on a VCG line.
function field(line, key,    i, rest) {
    i = index(line, key ": \"")
    if (i == 0) return ""
    rest = substr(line, i + length(key) + 3)
    return substr(rest, 1, index(rest, "\"") - 1)
}

# The function name of a node title "file.c:name" or "name".
function fname(t,    i) {
    i = index(t, ":")
    return i ? substr(t, i + 1) : t
}

# One line of a source file, cached.
function src_line(file, n,    l, k) {
    if (!((file, 1) in srcl)) {
        k = 0
        while ((getline l < file) > 0) srcl[file, ++k] = l
        close(file)
        if (k == 0) srcl[file, 1] = ""
    }
    return srcl[file, n]
}

function add_edge(a, b) {
    if (!((a, b) in has_edge)) {
        has_edge[a, b] = 1
        ne[a]++
        edge[a, ne[a]] = b
    }
}

# Worst case from f down: own frame plus the deepest callee.
function bound(f,    i, c, b, best, bestc) {
    if (f in done) return done[f]
    if (f in busy) {
        printf "stack-report: recursion through %s\n", f > "/dev/stderr"
        bad = 1
        return 0
    }
    busy[f] = 1
    best = 0
    bestc = ""
    for (i = 1; i <= ne[f]; i++) {
        c = edge[f, i]
        if (!(c in frame)) continue        # outside the library
        b = bound(c)
        if (b > best) { best = b; bestc = c }
    }
    delete busy[f]
    next_on_path[f] = bestc
    done[f] = frame[f] + best
    return done[f]
}

BEGIN {
    if (public == "") public = "^tnx_[a-z]"
    if (prefix == "") prefix = "TNX_STACK_"
    ns = split(sites, s1, ";")
    for (i = 1; i <= ns; i++) {
        eq = index(s1[i], "=")
        spat[i] = substr(s1[i], 1, eq - 1)
        sfns[i] = substr(s1[i], eq + 1)
    }
    nc = split(calls, c1, ";")
    for (i = 1; i <= nc; i++) {
        eq = index(c1[i], "=")
        cb[substr(c1[i], 1, eq - 1)] = substr(c1[i], eq + 1)
    }
}

/^node:/ {
    t = fname(field($0, "title"))
    lab = field($0, "label")
    # label: name\nfile:line:col\nN bytes (static|dynamic|...)
    if (match(lab, /[0-9]+ bytes \([a-z,]+\)$/)) {
        q = substr(lab, RSTART)
        frame[t] = q + 0
        if (q ~ /dynamic/ && q !~ /bounded/) {
            printf "stack-report: %s has a dynamic frame\n", t > "/dev/stderr"
            bad = 1
        }
        if (q ~ /dynamic/) dyn[t] = 1
    }
    next
}

/^edge:/ {
    a = fname(field($0, "sourcename"))
    b = fname(field($0, "targetname"))
    if (b != "__indirect_call") {
        add_edge(a, b)
        if (b in cb) {
            n = split(cb[b], t1, " ")
            for (i = 1; i <= n; i++) add_edge(a, t1[i])
        }
        next
    }
    # An indirect call: read its source line to see what it calls through.
    site = field($0, "label")
    n = split(site, p1, ":")
    text = (n >= 3) ? src_line(p1[1], p1[2] + 0) : ""
    hit = 0
    for (i = 1; i <= ns; i++) {
        if (spat[i] != "" && index(text, spat[i])) {
            m = split(sfns[i], t1, " ")
            for (j = 1; j <= m; j++) add_edge(a, t1[j])
            hit = 1
        }
    }
    if (!hit) outside[a] = outside[a] " " site
    next
}

END {
    for (f in frame) if (f ~ public) pub[++np] = f
    # A stable order: by name (a small insertion sort; mawk has no asort).
    for (i = 2; i <= np; i++) {
        v = pub[i]
        for (j = i - 1; j >= 1 && pub[j] > v; j--) pub[j + 1] = pub[j]
        pub[j + 1] = v
    }
    if (format == "md") {
        print "| function | worst case (bytes) | deepest path |"
        print "|---|---:|---|"
    } else if (format != "h" && format != "tsv") {
        printf "%-30s %6s  %s\n", "function", "bytes", "deepest path"
    }
    for (i = 1; i <= np; i++) {
        f = pub[i]
        b = bound(f)
        path = f "(" frame[f] ")"
        for (g = next_on_path[f]; g != ""; g = next_on_path[g])
            path = path " > " g "(" frame[g] ")"
        if (format == "md") printf "| `%s` | %d | %s |\n", f, b, path
        else if (format == "h") printf "#define %s%s %d\n", prefix, f, b
        else if (format == "tsv") printf "%s\t%d\t%s\n", f, b, path
        else printf "%-30s %6d  %s\n", f, b, path
    }
    exit bad
}
