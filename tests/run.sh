#!/bin/sh
# run.sh BINARY... - runs each test binary from the top of the tree, shows
# its output, and adds up their "N passed, M failed" lines.  A binary that
# crashes or prints no such line counts as one failure.  The last line is
# the total; the exit status is non-zero when anything failed.
passed=0
failed=0
for t in "$@"; do
    echo "== $t"
    out=$(mktemp)
    "$t" > "$out" 2>&1
    rc=$?
    cat "$out"
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out" | tail -n 1)
    rm -f "$out"
    if [ -z "$line" ]; then
        echo "$t: exit $rc with no summary line"
        failed=$((failed + 1))
        continue
    fi
    p=${line%% passed*}
    f=${line#*passed, }
    f=${f%% failed*}
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "$t: exit $rc although it reported no failure"
        failed=$((failed + 1))
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
