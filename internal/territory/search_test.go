package territory

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func codesOf(ms []Match) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = string(m.Territory.Kind) + ":" + m.Territory.Code
	}
	return out
}

func TestSearchFirstResult(t *testing.T) {
	r := ref(t)
	tests := []struct {
		q          string
		kind       Kind
		wantKind   Kind
		wantCode   string
		wantReason Reason
	}{
		{"prats de mollo", "", Commune, "66150", ReasonNamePrefix},
		{"PRATS-DE-MOLLO", "", Commune, "66150", ReasonNamePrefix},
		{"prats de", "", Commune, "66150", ReasonNamePrefix},
		{"Prats-de-Mollo-la-Preste", "", Commune, "66150", ReasonName},
		{"66150", "", Commune, "66150", ReasonCode},
		{"concarneau", "", Commune, "29039", ReasonName},
		{"mornant", "", Commune, "69141", ReasonName},
		{"Saint-Étienne", "", Commune, "42218", ReasonName},
		{"saint etienne", "", Commune, "42218", ReasonName},
		{"st etienne", "", Commune, "42218", ReasonName},
		{"SAINT-ETIENNE", "", Commune, "42218", ReasonName},
		{"paris", "", Commune, "75056", ReasonName},
		{"paris", Departement, Departement, "75", ReasonName},
		{"mornant", EPCI, EPCI, "246900740", ReasonWordPrefix},
		{"246900740", "", EPCI, "246900740", ReasonCode},
		{"2A", "", Departement, "2A", ReasonCode},
		{"29", "", Departement, "29", ReasonCode},
		{"75", "", Departement, "75", ReasonCode}, // also the code of Nouvelle-Aquitaine
		{"11", "", Departement, "11", ReasonCode}, // also the code of Île-de-France
		{"75", Region, Region, "75", ReasonCode},
		{"53", Region, Region, "53", ReasonCode},
		{"bretagne", Region, Region, "53", ReasonName},
		{"mollo prats", "", Commune, "66150", ReasonWords},
		{"la preste", "", Commune, "66150", ReasonWordPrefix},
		{"l'ile d'yeu", "", Commune, "85113", ReasonName},
		{"lill", "", Commune, "59350", ReasonNamePrefix},
		{"reunion", "", Departement, "974", ReasonWordPrefix},
	}
	for _, tt := range tests {
		ms := r.Search(tt.q, tt.kind, 5)
		if len(ms) == 0 {
			t.Errorf("Search(%q, %q) found nothing", tt.q, tt.kind)
			continue
		}
		m := ms[0]
		if m.Territory.Kind != tt.wantKind || m.Territory.Code != tt.wantCode || m.Reason != tt.wantReason {
			t.Errorf("Search(%q, %q) first = %s:%s (%s), want %s:%s (%s); all %v", tt.q, tt.kind,
				m.Territory.Kind, m.Territory.Code, m.Reason, tt.wantKind, tt.wantCode, tt.wantReason, codesOf(ms))
		}
	}
}

func TestSearchFinds(t *testing.T) {
	r := ref(t)
	tests := []struct {
		q    string
		want []string // kind:code, all in the results
	}{
		{"mornant", []string{"commune:69141", "epci:246900740"}},
		{"concarneau", []string{"commune:29039", "epci:242900769"}},
		{"66230", []string{"commune:66150"}},
		{"pays mornantais", []string{"epci:246900740"}},
	}
	for _, tt := range tests {
		got := codesOf(r.Search(tt.q, "", 10))
		for _, w := range tt.want {
			if !slices.Contains(got, w) {
				t.Errorf("Search(%q) = %v, lacks %s", tt.q, got, w)
			}
		}
	}
}

// A query that is both an INSEE code and a postal code lists the commune
// with that code first, then the communes with that postal code. "66230" is
// the INSEE code of Vinça and the postal code of Prats-de-Mollo-la-Preste.
func TestSearchCodeBeforePostalCode(t *testing.T) {
	r := ref(t)
	ms := r.Search("66230", "", 10)
	if len(ms) < 2 {
		t.Fatalf("Search(66230) = %v", codesOf(ms))
	}
	if ms[0].Territory.Code != "66230" || ms[0].Reason != ReasonCode {
		t.Errorf("first = %s (%s), want the commune whose INSEE code is 66230", ms[0].Territory.Code, ms[0].Reason)
	}
	if ms[1].Territory.Code != "66150" || ms[1].Reason != ReasonPostalCode {
		t.Errorf("second = %s (%s), want Prats-de-Mollo-la-Preste by postal code", ms[1].Territory.Code, ms[1].Reason)
	}
	for _, m := range ms[1:] {
		if m.Reason == ReasonPostalCode && !slices.Contains(m.Territory.PostalCodes, "66230") {
			t.Errorf("%s matched by postal code but has %v", m.Territory.Code, m.Territory.PostalCodes)
		}
	}
}

func TestSearchEdgeCases(t *testing.T) {
	r := ref(t)
	long := strings.Repeat("a ", 600)
	for _, q := range []string{"", "   ", "-'-", "’", long, strings.Repeat("saint ", 30), long + long} {
		if ms := r.Search(q, "", 10); len(ms) != 0 {
			t.Errorf("Search(%q) = %v, want nothing", q, codesOf(ms))
		}
	}
	if ms := r.Search("paris", Kind("canton"), 10); len(ms) != 0 {
		t.Errorf("unknown kind found %v", codesOf(ms))
	}
	if ms := r.Search("zzzzzz", "", 10); len(ms) != 0 {
		t.Errorf("Search(zzzzzz) = %v", codesOf(ms))
	}
	for _, limit := range []int{1, 3, 10, 50} {
		if ms := r.Search("saint", "", limit); len(ms) != limit {
			t.Errorf("Search(saint, limit %d) gave %d", limit, len(ms))
		}
	}
	if ms := r.Search("saint", "", 0); len(ms) != DefaultLimit {
		t.Errorf("limit 0 gave %d results, want %d", len(ms), DefaultLimit)
	}
	if ms := r.Search("saint", "", 100000); len(ms) != MaxLimit {
		t.Errorf("huge limit gave %d results, want %d", len(ms), MaxLimit)
	}
}

// checkResults verifies what every search must hold, whatever the query.
func checkResults(t *testing.T, r *Referential, q string, kind Kind, limit int, ms []Match) {
	t.Helper()
	want := limit
	if want <= 0 {
		want = DefaultLimit
	}
	want = min(want, MaxLimit)
	if len(ms) > want {
		t.Fatalf("Search(%q, %d) gave %d results", q, limit, len(ms))
	}
	nq := string(normalizeQuery(nil, q))
	seen := map[string]bool{}
	for i, m := range ms {
		key := string(m.Territory.Kind) + m.Territory.Code
		if seen[key] {
			t.Fatalf("Search(%q) lists %s twice", q, key)
		}
		seen[key] = true
		if kind != "" && m.Territory.Kind != kind {
			t.Fatalf("Search(%q, %s) gave a %s", q, kind, m.Territory.Kind)
		}
		if m.Tier < 0 || m.Tier >= len(tiers) || tiers[m.Tier] != m.Reason {
			t.Fatalf("Search(%q): tier %d with reason %s", q, m.Tier, m.Reason)
		}
		if i > 0 && ms[i-1].Tier > m.Tier {
			t.Fatalf("Search(%q): tier %d after tier %d", q, m.Tier, ms[i-1].Tier)
		}
		if i > 0 && ms[i-1].Tier == m.Tier && m.Tier != int(tierCode) && ms[i-1].Territory.Population < m.Territory.Population {
			t.Fatalf("Search(%q): population %d after %d in tier %d", q, m.Territory.Population, ms[i-1].Territory.Population, m.Tier)
		}
		name := Normalize(m.Territory.Name)
		switch m.Reason {
		case ReasonName:
			if name != nq {
				t.Fatalf("Search(%q): %q is no exact name match", q, m.Territory.Name)
			}
		case ReasonNamePrefix:
			if !strings.HasPrefix(name, nq) {
				t.Fatalf("Search(%q): %q is no prefix match", q, m.Territory.Name)
			}
		case ReasonWordPrefix:
			if !strings.Contains(" "+name, " "+nq) {
				t.Fatalf("Search(%q): %q is no word-prefix match", q, m.Territory.Name)
			}
		case ReasonCode:
			if !strings.EqualFold(m.Territory.Code, nq) {
				t.Fatalf("Search(%q): code %s", q, m.Territory.Code)
			}
		case ReasonPostalCode:
			if !slices.Contains(m.Territory.PostalCodes, nq) {
				t.Fatalf("Search(%q): postal codes %v", q, m.Territory.PostalCodes)
			}
		}
		got, ok := r.Get(m.Territory.Kind, m.Territory.Code)
		if !ok || got.Name != m.Territory.Name {
			t.Fatalf("Search(%q) returned %s %s which Get does not know", q, m.Territory.Kind, m.Territory.Code)
		}
	}
}

// Every territory can be found by its exact name and by its code, for a
// spread sample of the referential.
func TestSearchFindsEachTerritory(t *testing.T) {
	r := ref(t)
	step := 37
	if testing.Short() {
		step = 397
	}
	for i := 0; i < len(r.all); i += step {
		want := r.all[i]
		for _, q := range []string{want.Name, want.Code} {
			ms := r.Search(q, want.Kind, MaxLimit)
			checkResults(t, r, q, want.Kind, MaxLimit, ms)
			found := slices.ContainsFunc(ms, func(m Match) bool { return m.Territory.Code == want.Code })
			if !found {
				// Homonyms larger than it may fill the list; then they must all share the name.
				for _, m := range ms {
					if Normalize(m.Territory.Name) != Normalize(want.Name) {
						t.Errorf("Search(%q, %s) misses %s", q, want.Kind, want.Code)
						break
					}
				}
			}
			if q == want.Code && ms[0].Territory.Code != want.Code {
				t.Errorf("Search(%q, %s) first = %s", q, want.Kind, ms[0].Territory.Code)
			}
		}
	}
}

// Search agrees with a plain scan of every territory on what matches.
func TestSearchAgreesWithScan(t *testing.T) {
	r := ref(t)
	rng := rand.New(rand.NewPCG(1, 2))
	queries := []string{"saint", "pr", "mont", "sur", "la", "le", "b", "29", "661", "75", "9", "ile", "val d", "est"}
	for range 30 {
		c := r.all[rng.IntN(len(r.all))]
		n := Normalize(c.Name)
		queries = append(queries, n[:1+rng.IntN(len(n))])
	}
	names := make([]string, len(r.all))
	for i, t0 := range r.all {
		names[i] = " " + Normalize(t0.Name)
	}
	for _, q := range queries {
		nq := Normalize(q)
		want := 0 // territories matching by name, word, code or postal code prefix, or by all words
		for i, t0 := range r.all {
			name := names[i][1:]
			code := strings.ToLower(t0.Code)
			allWords := strings.Contains(nq, " ")
			for w := range strings.SplitSeq(nq, " ") {
				allWords = allWords && strings.Contains(names[i], " "+w)
			}
			if strings.HasPrefix(name, nq) || strings.Contains(names[i], " "+nq) || strings.HasPrefix(code, nq) || allWords ||
				slices.ContainsFunc(t0.PostalCodes, func(p string) bool { return strings.HasPrefix(p, nq) }) {
				want++
			}
		}
		ms := r.Search(q, "", MaxLimit)
		checkResults(t, r, q, "", MaxLimit, ms)
		if len(ms) != min(want, MaxLimit) {
			t.Errorf("Search(%q) gave %d results, a scan finds %d", q, len(ms), want)
		}
	}
}

func FuzzSearch(f *testing.F) {
	for _, s := range []string{"prats de mollo", "66230", "2A", "st ", "saint-é", "l'", "9", "mollo prats", "\x00", "ÉÉÉ"} {
		f.Add(s, 10, "")
	}
	f.Add("paris", 3, "departement")
	f.Add("x", -1, "canton")
	r := Default()
	f.Fuzz(func(t *testing.T, q string, limit int, kind string) {
		k := Kind(kind)
		ms := r.Search(q, k, limit)
		if !k.Valid() && k != "" && len(ms) > 0 {
			t.Fatalf("kind %q found results", kind)
		}
		checkResults(t, r, q, k, limit, ms)
	})
}
