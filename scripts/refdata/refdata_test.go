package main

import (
	"strings"
	"testing"
)

func geoLine(id, name, lat, lon, feature, country, admin1, admin4, pop string) string {
	f := make([]string, gnFields)
	f[gnID], f[1], f[2] = id, name, name
	f[gnLat], f[gnLon], f[6], f[gnFeatureCode], f[gnCountry] = lat, lon, "P", feature, country
	f[gnAdmin1], f[gnAdmin4], f[gnPopulation] = admin1, admin4, pop
	return strings.Join(f, "\t")
}

func TestParseGeoNamesLine(t *testing.T) {
	tests := []struct {
		name, line string
		ok         bool
		insee      string
		err        string
	}{
		{"metropolitan", geoLine("1", "Prats", "42.40404", "2.47928", "PPL", "FR", "76", "66150", "1100"), true, "66150", ""},
		{"not french", geoLine("2", "Soldeu", "42.57", "1.66", "PPL", "AD", "02", "", "602"), false, "", ""},
		{"mayotte in admin1", geoLine("3", "Mamoudzou", "-12.78", "45.22", "PPLC", "YT", "97611", "", "7"), true, "97611", ""},
		{"empty population", geoLine("4", "X", "45", "5", "PPL", "FR", "84", "01001", ""), true, "01001", ""},
		{"bad latitude", geoLine("5", "X", "north", "5", "PPL", "FR", "84", "01001", "1"), false, "", "column 5"},
		{"latitude out of range", geoLine("5", "X", "91", "5", "PPL", "FR", "84", "01001", "1"), false, "", "column 5"},
		{"bad longitude", geoLine("6", "X", "45", "200", "PPL", "FR", "84", "01001", "1"), false, "", "column 6"},
		{"bad id", geoLine("x", "X", "45", "5", "PPL", "FR", "84", "01001", "1"), false, "", "column 1"},
		{"bad population", geoLine("7", "X", "45", "5", "PPL", "FR", "84", "01001", "many"), false, "", "column 15"},
		{"short", "1\t2\t3", false, "", "3 columns"},
	}
	for _, tt := range tests {
		row, ok, err := parseGeoNamesLine(tt.line)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: error %v, want %q", tt.name, err, tt.err)
			}
			continue
		}
		if err != nil || ok != tt.ok || row.insee != tt.insee {
			t.Errorf("%s: got %+v, %v, %v", tt.name, row, ok, err)
		}
	}
}

func FuzzParseGeoNamesLine(f *testing.F) {
	f.Add(geoLine("1", "Prats", "42.40404", "2.47928", "PPL", "FR", "76", "66150", "1100"))
	f.Add(geoLine("3", "Mamoudzou", "-12.78", "45.22", "PPLC", "YT", "97611", "", "7"))
	f.Add("a\tb")
	f.Fuzz(func(t *testing.T, line string) {
		row, ok, err := parseGeoNamesLine(line)
		if err != nil && ok {
			t.Fatal("both ok and an error")
		}
		if ok && (row.lat < -90 || row.lat > 90 || row.lon < -180 || row.lon > 180) {
			t.Fatalf("accepted %v,%v", row.lat, row.lon)
		}
	})
}

func TestReadGeoNamesJoin(t *testing.T) {
	deps := map[string]string{"29039": "29", "97411": "974", "97611": "976", "66150": "66"}
	lines := []string{
		// Two rows for Concarneau: the seat of a division beats a section of a place.
		geoLine("10", "Concarneau section", "47.0", "-3.0", "PPLX", "FR", "53", "29039", "50000"),
		geoLine("11", "Concarneau", "47.87536", "-3.91896", "PPLA3", "FR", "53", "29039", "20000"),
		// A Réunion commune filed under FR does not join (wrong country for its département).
		geoLine("12", "Saint-Denis", "-20.88", "55.45", "PPL", "FR", "", "97411", "1"),
		geoLine("13", "Mamoudzou", "-12.78234", "45.22878", "PPLC", "YT", "97611", "", "7"),
		// A former commune code is not current: no join, never a name match.
		geoLine("14", "Prats-de-Mollo-la-Preste", "42.4", "2.4", "PPL", "FR", "76", "66999", "1"),
	}
	points, st, err := readGeoNames([]byte(strings.Join(lines, "\n")+"\n"), deps)
	if err != nil {
		t.Fatal(err)
	}
	if p := points["29039"]; p.Lat != 47.87536 || p.Lon != -3.91896 {
		t.Errorf("Concarneau = %+v, want the PPLA3 row", p)
	}
	if _, ok := points["97411"]; ok {
		t.Error("a Réunion code filed under FR joined")
	}
	if _, ok := points["97611"]; !ok {
		t.Error("Mamoudzou did not join")
	}
	if _, ok := points["66150"]; ok {
		t.Error("joined on a name")
	}
	if st.rows != 5 || st.french != 5 || st.joined != 2 || st.duplicates != 1 || st.unknown != 2 {
		t.Errorf("stats = %+v", st)
	}
	if _, _, err := readGeoNames([]byte(lines[0]+"\nbroken\n"), deps); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("error %v, want one naming line 2", err)
	}
}

func TestLocate(t *testing.T) {
	c := func(code, dep, epci string) *commune {
		return &commune{Code: code, Dep: dep, Region: "R", EPCI: epci, Point: pointNone}
	}
	r := &referential{
		communes: []*commune{
			c("01001", "01", "E1"), c("01002", "01", "E1"), c("01003", "01", "E1"), // E1: two located
			c("01004", "01", "E2"), // E2: none located → chef-lieu of 01
			c("01005", "01", ""),   // no EPCI → chef-lieu of 01
			c("02001", "02", ""),   // its chef-lieu lies in another département → no point
		},
		epcis:        []*epci{{Code: "E1", Members: []string{"01001", "01002", "01003"}}, {Code: "E2", Members: []string{"01004"}}},
		departements: []*area{{Code: "01", Region: "R", ChefLieu: "01002"}, {Code: "02", Region: "R", ChefLieu: "01001"}},
		regions:      []*area{{Code: "R"}},
		byCode:       map[string]*commune{},
	}
	for _, x := range r.communes {
		r.byCode[x.Code] = x
	}
	r.locate(map[string]latLon{"01001": {46, 5}, "01002": {48, 7}})
	tests := []struct {
		code     string
		point    string
		lat, lon float64
	}{
		{"01001", pointExact, 46, 5},
		{"01002", pointExact, 48, 7},
		{"01003", pointEPCI, 47, 6},
		{"01004", pointDepartement, 48, 7},
		{"01005", pointDepartement, 48, 7},
		{"02001", pointNone, 0, 0},
	}
	for _, tt := range tests {
		got := r.byCode[tt.code]
		if got.Point != tt.point || got.Lat != tt.lat || got.Lon != tt.lon {
			t.Errorf("%s: %s %v,%v; want %s %v,%v", tt.code, got.Point, got.Lat, got.Lon, tt.point, tt.lat, tt.lon)
		}
	}
	if d := r.departements[0]; d.Point != pointComputed || d.Lat != 47 || d.Lon != 6 {
		t.Errorf("département 01 = %s %v,%v; want the mean of its exact points", d.Point, d.Lat, d.Lon)
	}
	if d := r.departements[1]; d.Point != pointNone {
		t.Errorf("département 02 = %s, want none", d.Point)
	}
	if e := r.epcis[1]; e.Point != pointNone {
		t.Errorf("EPCI without located member = %s", e.Point)
	}
}

const sampleSVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0  613 585">
	<path id="2A" aria-label="Corse-du-Sud" d="m 1,2
	3,4 z"/>
	<path id="01" aria-label="Ain" d="m 5,6 z"/>
</svg>`

func TestParseSVG(t *testing.T) {
	m, err := parseSVG([]byte(sampleSVG))
	if err != nil {
		t.Fatal(err)
	}
	if m.ViewBox != "0 0 613 585" {
		t.Errorf("viewBox %q", m.ViewBox)
	}
	if len(m.Departements) != 2 || m.Departements[0].Code != "01" || m.Departements[1].D != "m 1,2 3,4 z" {
		t.Errorf("paths = %+v", m.Departements)
	}
	r := &referential{departements: []*area{{Code: "01", Zone: "metro"}, {Code: "2A", Zone: "metro"}, {Code: "971", Zone: "drom"}}}
	if err := m.check(r, 2); err != nil {
		t.Error(err)
	}
	if err := m.check(r, 3); err == nil {
		t.Error("check accepted a wrong count")
	}
	r.departements[0].Zone = "drom"
	if err := m.check(r, 2); err == nil {
		t.Error("check accepted an outline of a non-metropolitan département")
	}
}

func TestParseSVGErrors(t *testing.T) {
	tests := []struct{ name, svg, want string }{
		{"not svg", `<html/>`, "root element"},
		{"no viewBox", `<svg><path id="01" d="m 1,1"/></svg>`, "viewBox"},
		{"no id", `<svg viewBox="0 0 1 1"><path d="m 1,1"/></svg>`, "without id"},
		{"no d", `<svg viewBox="0 0 1 1"><path id="01"/></svg>`, "without d"},
		{"twice", `<svg viewBox="0 0 1 1"><path id="01" d="m"/><path id="01" d="m"/></svg>`, "twice"},
		{"broken", `<svg viewBox="0 0 1 1"><path`, "line"},
		{"empty", ``, "no <svg>"},
	}
	for _, tt := range tests {
		_, err := parseSVG([]byte(tt.svg))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
}

func FuzzParseSVG(f *testing.F) {
	f.Add([]byte(sampleSVG))
	f.Add([]byte(`<svg viewBox="0 0 1 1"><path id="01"/></svg>`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := parseSVG(raw)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, p := range m.Departements {
			if p.Code == "" || p.D == "" || seen[p.Code] {
				t.Fatalf("accepted path %+v", p)
			}
			seen[p.Code] = true
		}
	})
}

func TestGzipIsDeterministic(t *testing.T) {
	a, b := gz([]byte("same input")), gz([]byte("same input"))
	if string(a) != string(b) {
		t.Error("two compressions of the same bytes differ")
	}
}
