#!/usr/bin/env bash
# Load test of the search page with an outside tool (wrk, Debian package
# `wrk`): 20 connections for 30 s against the real binary serving a store of
# 20,000 generated resources, each request a different search.
#   scripts/load-search.sh          server and wrk share every core
#   PIN=1 scripts/load-search.sh    server alone on core 0 (GOMAXPROCS=1), wrk on core 1,
#                                   so the load tool does not steal the server's CPU
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "install wrk (Debian package wrk)"; exit 1; }
tmp=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT
FABRIQUE_LOAD_FIXTURE="$tmp" go test ./internal/commons/ -run TestWriteLoadFixture -count=1 >/dev/null
go build -o "$tmp/fabrique" ./cmd/fabrique
port=$(( 20000 + RANDOM % 20000 ))
server=() client=()
if [ "${PIN:-}" = 1 ]; then server=(env GOMAXPROCS=1 taskset -c 0); client=(taskset -c 1); fi
"${server[@]}" "$tmp/fabrique" serve --data "$tmp/data" --addr "127.0.0.1:$port" --log-level error &
pid=$!
for _ in $(seq 1 120); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
cat > "$tmp/paths.lua" <<LUA
local paths = {}
for line in io.lines("$tmp/paths.txt") do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
LUA
# Warm up (snapshot and templates), then measure.
threads=2; [ "${PIN:-}" = 1 ] && threads=1
"${client[@]}" wrk -t$threads -c20 -d5s -s "$tmp/paths.lua" "http://127.0.0.1:$port" >/dev/null
"${client[@]}" wrk -t$threads -c20 -d30s --latency -s "$tmp/paths.lua" "http://127.0.0.1:$port"
