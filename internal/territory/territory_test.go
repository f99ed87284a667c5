package territory

import (
	"math"
	"slices"
	"sync"
	"testing"
)

func ref(t testing.TB) *Referential {
	t.Helper()
	return Default()
}

// The sizes DOMAIN.md §3 gives for @etalab/decoupage-administratif@6.0.0.
func TestCounts(t *testing.T) {
	r := ref(t)
	tests := []struct {
		kind Kind
		want int
	}{{Commune, 34969}, {EPCI, 1255}, {Departement, 109}, {Region, 26}}
	for _, tt := range tests {
		if got := r.Count(tt.kind); got != tt.want {
			t.Errorf("Count(%s) = %d, want %d", tt.kind, got, tt.want)
		}
	}
	noEPCI := 0
	for _, c := range r.all[:r.Count(Commune)] {
		if c.EPCI == "" {
			noEPCI++
		}
	}
	if noEPCI != 98 {
		t.Errorf("%d communes outside any EPCI, want 98", noEPCI)
	}
}

func TestParseKind(t *testing.T) {
	tests := []struct {
		in   string
		want Kind
		ok   bool
	}{
		{"commune", Commune, true},
		{"EPCI", EPCI, true},
		{"departement", Departement, true},
		{"Département", Departement, true},
		{"région", Region, true},
		{"region", Region, true},
		{"", "", false},
		{"canton", "", false},
		{"communes", "", false},
	}
	for _, tt := range tests {
		got, err := ParseKind(tt.in)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("ParseKind(%q) = %q, %v; want %q, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

// The pilot territories of DOMAIN.md §3.
func TestPilotTerritories(t *testing.T) {
	r := ref(t)
	tests := []struct {
		commune, name, epci string
	}{
		{"29039", "Concarneau", "242900769"},
		{"69141", "Mornant", "246900740"},
		{"66150", "Prats-de-Mollo-la-Preste", "246600548"},
	}
	for _, tt := range tests {
		c, ok := r.Get(Commune, tt.commune)
		if !ok || c.Name != tt.name || c.EPCI != tt.epci {
			t.Errorf("Get(commune, %s) = %+v, %v; want %s in EPCI %s", tt.commune, c, ok, tt.name, tt.epci)
			continue
		}
		parents := r.Parents(c)
		var kinds []Kind
		for _, p := range parents {
			kinds = append(kinds, p.Kind)
		}
		if !slices.Equal(kinds, []Kind{EPCI, Departement, Region}) {
			t.Errorf("Parents(%s) kinds = %v", tt.commune, kinds)
		}
		if parents[0].Code != tt.epci || parents[1].Code != c.Departement || parents[2].Code != c.Region {
			t.Errorf("Parents(%s) = %s, %s, %s", tt.commune, parents[0].Code, parents[1].Code, parents[2].Code)
		}
		if !r.Contains(EPCI, tt.epci, tt.commune) || !slices.Contains(r.Communes(EPCI, tt.epci), tt.commune) {
			t.Errorf("EPCI %s does not contain %s", tt.epci, tt.commune)
		}
	}
}

func TestGet(t *testing.T) {
	r := ref(t)
	tests := []struct {
		kind       Kind
		code, name string
		ok         bool
	}{
		{Commune, "2A004", "Ajaccio", true},
		{Departement, "2A", "Corse-du-Sud", true},
		{Departement, "2a", "Corse-du-Sud", true},
		{Departement, "974", "La Réunion", true},
		{Commune, "97411", "Saint-Denis", true},
		{Region, "53", "Bretagne", true},
		{EPCI, "246900740", "CC du Pays Mornantais (COPAMO)", true},
		{Commune, "99999", "", false},
		{Commune, "", "", false},
		{Kind("canton"), "01", "", false},
	}
	for _, tt := range tests {
		got, ok := r.Get(tt.kind, tt.code)
		if ok != tt.ok || got.Name != tt.name {
			t.Errorf("Get(%s, %q) = %q, %v; want %q, %v", tt.kind, tt.code, got.Name, ok, tt.name, tt.ok)
		}
		if ok && got.Kind != tt.kind {
			t.Errorf("Get(%s, %q).Kind = %s", tt.kind, tt.code, got.Kind)
		}
	}
}

// Every commune sits in the tree its parents describe, and populations add up.
func TestHierarchyConsistency(t *testing.T) {
	r := ref(t)
	perDep := map[string]int{}
	perReg := map[string]int{}
	for _, c := range r.all[:r.Count(Commune)] {
		perDep[c.Departement] += c.Population
		perReg[c.Region] += c.Population
		if !r.Contains(Commune, c.Code, c.Code) || !r.Contains(Departement, c.Departement, c.Code) || !r.Contains(Region, c.Region, c.Code) {
			t.Fatalf("Contains fails for commune %s in its own parents", c.Code)
		}
		if c.EPCI != "" && !r.Contains(EPCI, c.EPCI, c.Code) {
			t.Fatalf("Contains(EPCI %s, %s) = false", c.EPCI, c.Code)
		}
		if d, _ := r.Get(Departement, c.Departement); d.Region != c.Region {
			t.Fatalf("commune %s: région %s, but its département %s is in %s", c.Code, c.Region, d.Code, d.Region)
		}
	}
	for _, k := range []Kind{EPCI, Departement, Region} {
		total := 0
		for _, t0 := range r.all {
			if t0.Kind != k {
				continue
			}
			codes := r.Communes(k, t0.Code)
			if !slices.IsSorted(codes) {
				t.Errorf("Communes(%s, %s) is not sorted", k, t0.Code)
			}
			sum := 0
			for _, c := range codes {
				ct, _ := r.Get(Commune, c)
				sum += ct.Population
				if !r.Contains(k, t0.Code, c) {
					t.Errorf("Communes(%s, %s) lists %s but Contains says no", k, t0.Code, c)
				}
			}
			if sum != t0.Population {
				t.Errorf("%s %s: population %d, its communes add to %d", k, t0.Code, t0.Population, sum)
			}
			total += len(codes)
		}
		if k != EPCI && total != r.Count(Commune) {
			t.Errorf("communes of all %s: %d, want %d", k, total, r.Count(Commune))
		}
		if k == EPCI && total != r.Count(Commune)-98 {
			t.Errorf("communes of all EPCI: %d, want %d", total, r.Count(Commune)-98)
		}
	}
	if got := r.Communes(Commune, "29039"); !slices.Equal(got, []string{"29039"}) {
		t.Errorf("Communes(commune 29039) = %v", got)
	}
	if r.Communes(Region, "00") != nil || r.Contains(Region, "53", "00000") || r.Contains(Kind("x"), "53", "29039") {
		t.Error("unknown territories must contain nothing")
	}
}

func TestChildren(t *testing.T) {
	r := ref(t)
	tests := []struct {
		kind      Kind
		code      string
		childKind Kind
	}{
		{Region, "53", Departement},
		{Departement, "29", Commune},
		{EPCI, "242900769", Commune},
	}
	for _, tt := range tests {
		kids := r.Children(tt.kind, tt.code)
		if len(kids) == 0 {
			t.Errorf("Children(%s, %s) is empty", tt.kind, tt.code)
		}
		for _, k := range kids {
			if k.Kind != tt.childKind {
				t.Errorf("Children(%s, %s) holds a %s", tt.kind, tt.code, k.Kind)
			}
			ps := r.Parents(k)
			if !slices.ContainsFunc(ps, func(p Territory) bool { return p.Kind == tt.kind && p.Code == tt.code }) {
				t.Errorf("child %s %s of %s %s does not list it as a parent", k.Kind, k.Code, tt.kind, tt.code)
			}
		}
	}
	if kids := r.Children(Commune, "29039"); len(kids) != 0 {
		t.Errorf("a commune has children: %v", kids)
	}
	if got := len(r.Children(Region, "53")); got != 4 {
		t.Errorf("Bretagne has %d départements, want 4", got)
	}
}

func TestPoints(t *testing.T) {
	r := ref(t)
	exactPop, total := 0, 0
	for _, c := range r.all {
		if c.PointSource == "" {
			t.Fatalf("%s %s has no point source", c.Kind, c.Code)
		}
		if !c.Located() && (c.Lat != 0 || c.Lon != 0) {
			t.Fatalf("%s %s has coordinates but no point", c.Kind, c.Code)
		}
		if c.Kind != Commune {
			if c.PointSource != PointComputed && c.PointSource != PointNone {
				t.Errorf("%s %s: point source %s", c.Kind, c.Code, c.PointSource)
			}
			continue
		}
		total += c.Population
		switch c.PointSource {
		case PointExact:
			exactPop += c.Population
		case PointEPCI:
			e, _ := r.Get(EPCI, c.EPCI)
			if e.Lat != c.Lat || e.Lon != c.Lon {
				t.Errorf("commune %s takes its EPCI's point but differs from it", c.Code)
			}
		case PointDepartement:
			d, _ := r.Get(Departement, c.Departement)
			chef, _ := r.Get(Commune, d.ChefLieu)
			if chef.Lat != c.Lat || chef.Lon != c.Lon {
				t.Errorf("commune %s takes its chef-lieu's point but differs from it", c.Code)
			}
		case PointNone:
		default:
			t.Errorf("commune %s: point source %s", c.Code, c.PointSource)
		}
	}
	// DOMAIN.md §3: GeoNames covers communes holding 87 % of the population.
	if share := float64(exactPop) / float64(total); share < 0.87 {
		t.Errorf("exact points cover %.1f %% of the population", 100*share)
	}
}

func TestDistance(t *testing.T) {
	r := ref(t)
	paris, _ := r.Get(Commune, "75056")
	lyon, _ := r.Get(Commune, "69123")
	d := Distance(paris.Lat, paris.Lon, lyon.Lat, lyon.Lon)
	if d < 380e3 || d > 410e3 { // about 392 km as the crow flies
		t.Errorf("Paris–Lyon = %.0f m", d)
	}
	if back := Distance(lyon.Lat, lyon.Lon, paris.Lat, paris.Lon); back != d {
		t.Errorf("distance is not symmetric: %v vs %v", d, back)
	}
	if z := Distance(paris.Lat, paris.Lon, paris.Lat, paris.Lon); z != 0 {
		t.Errorf("distance to itself = %v", z)
	}
	if got, want := Distance(0, 0, 1, 0), earthRadius*math.Pi/180; math.Abs(got-want) > 1e-6 {
		t.Errorf("one degree of latitude = %v m, want %v", got, want)
	}
	if got, want := Distance(0, 0, 0, 180), earthRadius*math.Pi; math.Abs(got-want) > 1e-6 {
		t.Errorf("antipodes = %v m, want %v", got, want)
	}
}

func TestInFrance(t *testing.T) {
	r := ref(t)
	boxes := map[string]Box{}
	for _, b := range FranceBoxes() {
		boxes[b.Name] = b
	}
	n := 0
	for _, c := range r.all[:r.Count(Commune)] {
		if c.PointSource != PointExact {
			continue
		}
		d, _ := r.Get(Departement, c.Departement)
		box, ok := boxes[d.Code]
		if d.Code == "975" || d.Code == "986" { // collectivities, not départements
			if InFrance(c.Lat, c.Lon) {
				t.Errorf("commune %s of %s is inside a box", c.Code, d.Name)
			}
			continue
		}
		if !ok {
			box = boxes["metropole"]
		}
		if !box.Contains(c.Lat, c.Lon) || !InFrance(c.Lat, c.Lon) {
			t.Errorf("commune %s (%s) at %v,%v is outside box %s", c.Code, c.Name, c.Lat, c.Lon, box.Name)
		}
		n++
	}
	if n < 14000 {
		t.Errorf("only %d communes checked", n)
	}
	paris, _ := r.Get(Commune, "75056")
	if InFrance(paris.Lon, paris.Lat) {
		t.Error("swapped Paris coordinates are accepted")
	}
	if InFrance(0, 0) {
		t.Error("0,0 is accepted")
	}
}

func TestDepartementMap(t *testing.T) {
	r := ref(t)
	viewBox, paths, err := DepartementMap()
	if err != nil {
		t.Fatal(err)
	}
	if viewBox == "" || len(paths) == 0 {
		t.Fatalf("empty map: %q, %d paths", viewBox, len(paths))
	}
	metro := 0
	for _, d := range r.all {
		if d.Kind == Departement && len(d.Code) == 2 {
			metro++
		}
	}
	if len(paths) != metro {
		t.Errorf("%d outlines for %d metropolitan départements", len(paths), metro)
	}
	for _, p := range paths {
		if _, ok := r.Get(Departement, p.Code); !ok || p.D == "" {
			t.Errorf("outline %q: unknown département or empty path", p.Code)
		}
	}
	paths[0].D = "" // a copy: the next call is unaffected
	if _, again, _ := DepartementMap(); again[0].D == "" {
		t.Error("DepartementMap returns shared paths")
	}
}

func TestSources(t *testing.T) {
	list, err := Sources()
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]bool{}
	for _, s := range list {
		if s.Package == "" || s.Version == "" || s.LicenceCode == "" || s.LicenceData == "" ||
			s.Attribution == "" || s.AttributionEN == "" || s.Homepage == "" || len(s.Files) == 0 || s.LicenceText == "" {
			t.Errorf("incomplete source: %+v", s)
		}
		for _, o := range s.Outputs {
			outputs[o] = true
		}
	}
	entries, err := dataFS.ReadDir("data")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() && e.Name() != "SOURCES.json" && !outputs[e.Name()] {
			t.Errorf("embedded file %s is not listed as the output of any source", e.Name())
		}
	}
}

func TestDefaultConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	got := make([]*Referential, 8)
	for i := range got {
		wg.Go(func() { got[i] = Default() })
	}
	wg.Wait()
	for _, r := range got {
		if r != got[0] || r == nil {
			t.Fatal("Default returned different referentials")
		}
	}
}
