#!/bin/sh
# readme-size.sh FOOTPRINT.md [README.md] - puts the footprint tables that
# `make size` wrote into the README, between the lines
#     <!-- footprint: begin ... -->  and  <!-- footprint: end -->
# Everything else in the README stays as it is.  Fails, changing nothing,
# when either marker is missing.
set -eu
md=${1:?usage: $0 FOOTPRINT.md [README.md]}
readme=${2:-README.md}

begins=$(grep -c '^<!-- footprint: begin' "$readme" || true)
ends=$(grep -c '^<!-- footprint: end' "$readme" || true)
if [ "$begins" != 1 ] || [ "$ends" != 1 ]; then
    echo "readme-size: $readme needs one footprint begin and one end" \
         "marker" >&2
    exit 1
fi
awk -v md="$md" '
    /^<!-- footprint: begin/ {
        print
        while ((getline l < md) > 0) print l
        skip = 1
        next
    }
    /^<!-- footprint: end/ { skip = 0 }
    !skip' "$readme" > "$readme.tmp"
if cmp -s "$readme" "$readme.tmp"; then
    rm -f "$readme.tmp"
    echo "readme-size: $readme already holds these figures"
else
    mv "$readme.tmp" "$readme"
    echo "readme-size: $readme updated from $md"
fi
