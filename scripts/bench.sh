#!/usr/bin/env bash
# Runs the benchmarks quoted in BENCHMARKS.md, then measures the binary
# size and the server's memory at rest with the demo data. Run it on a quiet
# machine: figures taken while other work runs are not comparable.
#   scripts/bench.sh            everything (about 10 minutes)
#   scripts/bench.sh quick      the in-process benchmarks only
set -euo pipefail
cd "$(dirname "$0")/.."

echo "# $(date -u +%Y-%m-%dT%H:%MZ) · $(go version) · $(nproc) CPU · $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "# load average: $(cut -d' ' -f1-3 /proc/loadavg)"

bench() { # package, pattern, benchtime
  go test -run '^$' -bench "$2" -benchtime "$3" -benchmem "$1" | grep -E '^(Benchmark|ok|FAIL)' || true
}

bench ./internal/territory 'Search$|SearchKind|Load' 2s
bench ./internal/energy 'Allocate|SweepPV' 10x
bench ./internal/acc/accfile 'AllocateCLI' 3x
bench ./internal/acc 'Statement|SimulatorPage' 5x
bench ./internal/commons 'Search20k|SearchPageHTTP20k' 1x
bench ./internal/commons 'ImportMediaWiki' 1x
bench ./internal/commons/mediawiki 'PeakHeap' 1x
bench ./internal/observatory 'Stats|GeoJSON|SVGMap' 3s
bench ./internal/regie 'ReadMeterYear|Aggregate1000' 5x
if [ "${1:-}" != quick ]; then
  bench ./internal/regie 'Import1000' 1x
fi

# Binary size and memory at rest with the demo data.
tmp=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT
go build -trimpath -ldflags '-s -w' -o "$tmp/fabrique" ./cmd/fabrique
go build -o "$tmp/fabrique-debug" ./cmd/fabrique
echo "binary: $(stat -c %s "$tmp/fabrique") bytes stripped (-s -w), $(stat -c %s "$tmp/fabrique-debug") bytes default build"
port=$(( 20000 + RANDOM % 20000 ))
"$tmp/fabrique" serve --demo --data "$tmp/data" --addr "127.0.0.1:$port" --log-level error 2>"$tmp/log" &
pid=$!
for _ in $(seq 1 120); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
for p in / /ressources /observatoire /communautes /territoires/commune/29039 /a-propos; do curl -fs -o /dev/null "http://127.0.0.1:$port$p"; done
sleep 10
echo "memory at rest with demo data (after a few page views, 10 s idle): $(grep VmRSS /proc/$pid/status | awk '{print $2}') kB RSS; database $(du -k "$tmp/data/fabrique.db" | cut -f1) kB"
