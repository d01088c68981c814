#!/bin/sh
# demo.sh - starts the mock Telnyx server on a free localhost port, runs
# build/initiate against it with the test CA, prints the answer, stops it.
set -e
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$dir"; true' EXIT
build/mock_server --port 0 --port-file "$dir/port" --api-key demo-key-123 \
    --max-requests 1 --idle-timeout-ms 15000 > "$dir/mock.log" 2>&1 &
pid=$!
i=0
while [ ! -s "$dir/port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
[ -s "$dir/port" ] || { echo "demo: the mock did not start"; cat "$dir/mock.log"; exit 1; }
port=$(cat "$dir/port")
echo "demo: mock Telnyx API at https://localhost:$port/v2"
echo "demo: build/initiate --porting-order-id 12ade33a-21c0-473b-b055-b3c836e1c292 \\"
echo "          --id 6a09cdc3-8948-47f0-aa62-74ac943d6c58 --first-name John --last-name Doe"
TELNYX_API_KEY=demo-key-123 build/initiate \
    --base-url "https://localhost:$port/v2" --ca-file tests/certs/ca.pem \
    --porting-order-id 12ade33a-21c0-473b-b055-b3c836e1c292 \
    --id 6a09cdc3-8948-47f0-aa62-74ac943d6c58 \
    --first-name John --last-name Doe
# The mock exits by itself after its one request, its log complete.
wait "$pid" 2>/dev/null || true
trap - EXIT
echo "demo: the mock saw:"
cat "$dir/mock.log"
rm -rf "$dir"
