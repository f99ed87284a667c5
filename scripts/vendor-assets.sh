#!/usr/bin/env bash
# Vendors pinned front-end files from the npm registry: Leaflet and uPlot
# into internal/platform/web/static/vendor/ (embedded, served at
# /static/vendor/), axe-core into e2e/vendor/ (browser tests only), and
# writes internal/platform/web/static/vendor/SOURCES.json. The output is
# committed: building Fabrique needs neither npm nor this script.
set -euo pipefail
cd "$(dirname "$0")/.."

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

(cd "$tmp" && npm pack --silent leaflet@1.9.4 uplot@1.6.32 axe-core@4.14.1 >/dev/null)

go run ./scripts/vendor-assets \
	-leaflet "$tmp/leaflet-1.9.4.tgz" \
	-uplot "$tmp/uplot-1.6.32.tgz" \
	-axe "$tmp/axe-core-4.14.1.tgz"
