#!/bin/sh
# bench_json.sh BINARY - instructions per body byte to parse and map a
# response, counted by callgrind inside bench_parse only (start-up and the
# document generator are outside it).  Needs valgrind.
set -e
bin=${1:-build/bench_json}
out=$(dirname "$bin")
for doc in example big example-grammar big-grammar; do
    valgrind --tool=callgrind --toggle-collect='bench_parse*' \
        --callgrind-out-file="$out/callgrind.$doc" "$bin" "$doc" \
        > "$out/bench.$doc" 2> "$out/bench.$doc.log" || {
        cat "$out/bench.$doc.log"; exit 1; }
    bytes=$(awk '{print $2}' "$out/bench.$doc")
    ir=$(awk '/^totals:/ {print $2}' "$out/callgrind.$doc")
    awk -v d="$doc" -v b="$bytes" -v i="$ir" 'BEGIN {
        printf "%-16s %6d bytes %9d instructions %6.2f per byte\n",
               d, b, i, i / b }'
done
