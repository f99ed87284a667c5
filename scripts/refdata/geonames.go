package main

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

const citiesFile = "dist/cities500.txt"

// GeoNames columns (1-based in the GeoNames documentation: 5 latitude,
// 6 longitude, 7 feature class, 8 feature code, 9 country, 11 admin1,
// 14 admin4, 15 population), here 0-based.
const (
	gnID          = 0
	gnLat         = 4
	gnLon         = 5
	gnFeatureCode = 7
	gnCountry     = 8
	gnAdmin1      = 10
	gnAdmin4      = 13
	gnPopulation  = 14
	gnFields      = 19
)

// GeoNames files the overseas départements and collectivities under their
// own country codes. For each, the département (INSEE) its communes must
// belong to; "" stands for metropolitan France. A row joins only when its
// code is a current commune of that département.
var frenchCountries = map[string]string{
	"FR": "", "GP": "971", "MQ": "972", "GF": "973", "RE": "974", "PM": "975",
	"YT": "976", "BL": "977", "MF": "978", "WF": "986", "PF": "987", "NC": "988",
}

// Where GeoNames puts the commune code in admin1 rather than admin4.
var admin1Codes = map[string]bool{"YT": true, "PM": true, "WF": true}

type latLon struct{ Lat, Lon float64 }

type geoStats struct {
	rows, french, joined, duplicates, unknown int
}

type geoRow struct {
	id       int
	insee    string
	country  string
	lat, lon float64
	feature  string
	pop      int
}

// parseGeoNamesLine reads one line of cities500.txt. It returns ok=false for
// rows that are not French; an error names the column that is wrong.
func parseGeoNamesLine(line string) (row geoRow, ok bool, err error) {
	f := strings.Split(line, "\t")
	if len(f) != gnFields {
		return row, false, fmt.Errorf("%d columns, want %d", len(f), gnFields)
	}
	if _, french := frenchCountries[f[gnCountry]]; !french {
		return row, false, nil
	}
	row.insee = f[gnAdmin4]
	if row.insee == "" && admin1Codes[f[gnCountry]] {
		row.insee = f[gnAdmin1]
	}
	if row.id, err = strconv.Atoi(f[gnID]); err != nil {
		return row, false, fmt.Errorf("column 1 (geonameid) %q: not an integer", f[gnID])
	}
	if row.lat, err = strconv.ParseFloat(f[gnLat], 64); err != nil || row.lat < -90 || row.lat > 90 {
		return row, false, fmt.Errorf("column 5 (latitude) %q: not a latitude", f[gnLat])
	}
	if row.lon, err = strconv.ParseFloat(f[gnLon], 64); err != nil || row.lon < -180 || row.lon > 180 {
		return row, false, fmt.Errorf("column 6 (longitude) %q: not a longitude", f[gnLon])
	}
	if f[gnPopulation] != "" {
		if row.pop, err = strconv.Atoi(f[gnPopulation]); err != nil {
			return row, false, fmt.Errorf("column 15 (population) %q: not an integer", f[gnPopulation])
		}
	}
	row.feature = f[gnFeatureCode]
	row.country = f[gnCountry]
	return row, true, nil
}

// featureRank orders populated-place codes: capital, seats of admin
// divisions, plain places, then the rest, sections of places (PPLX) last.
func featureRank(code string) int {
	switch code {
	case "PPLC":
		return 0
	case "PPLA":
		return 1
	case "PPLA2":
		return 2
	case "PPLA3":
		return 3
	case "PPLA4":
		return 4
	case "PPLA5":
		return 5
	case "PPL":
		return 6
	case "PPLX":
		return 8
	}
	return 7
}

// better reports whether a should represent a commune rather than b when
// both carry its code: higher-ranked feature, then more people, then the
// older GeoNames id (for a stable choice).
func better(a, b geoRow) bool {
	if ra, rb := featureRank(a.feature), featureRank(b.feature); ra != rb {
		return ra < rb
	}
	if a.pop != b.pop {
		return a.pop > b.pop
	}
	return a.id < b.id
}

// depMatches reports whether a commune of département dep may be located
// by a row filed under the GeoNames country code.
func depMatches(country, dep string) bool {
	want := frenchCountries[country]
	if want == "" {
		return len(dep) == 2 // metropolitan départements: 01…95, 2A, 2B
	}
	return dep == want
}

// readGeoNames joins GeoNames rows to communes on the INSEE code only.
// communeDep maps each current commune to its département.
func readGeoNames(raw []byte, communeDep map[string]string) (map[string]latLon, geoStats, error) {
	var st geoStats
	best := map[string]geoRow{}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	for line := 1; sc.Scan(); line++ {
		st.rows++
		row, ok, err := parseGeoNamesLine(sc.Text())
		if err != nil {
			return nil, st, fmt.Errorf("line %d: %w", line, err)
		}
		if !ok {
			continue
		}
		st.french++
		dep, known := communeDep[row.insee]
		if !known || !depMatches(row.country, dep) {
			st.unknown++ // a former commune, or a code that does not fit the country
			continue
		}
		if prev, dup := best[row.insee]; dup {
			st.duplicates++
			if !better(row, prev) {
				continue
			}
		}
		best[row.insee] = row
	}
	if err := sc.Err(); err != nil {
		return nil, st, err
	}
	out := make(map[string]latLon, len(best))
	for code, r := range best {
		out[code] = latLon{r.lat, r.lon}
	}
	st.joined = len(out)
	return out, st, nil
}
