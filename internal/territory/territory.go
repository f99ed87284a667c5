// Package territory is the French territorial referential: current communes,
// EPCI (intercommunalités à fiscalité propre), départements and régions, each
// with its population and a point, plus a search that forgives accents, case,
// hyphens and apostrophes.
//
// The data is embedded in the binary (see data/SOURCES.json for versions,
// licences and attributions; scripts/refdata.sh regenerates it) and parsed
// once, on first use, in a few tens of milliseconds. Everything is read-only
// after loading and safe for concurrent use. The package does no I/O beyond
// its embedded files.
//
// Search looks up sorted arrays of normalised keys (whole names, names from
// each later word, codes and postal codes) by binary search, keeps the best
// results in a small bounded list and stops as soon as weaker tiers can no
// longer enter it: a typical query costs a few microseconds.
package territory

import (
	"fmt"

	"github.com/fabrique-des-energies/fabrique/internal/platform/i18n"
	"strings"
	"sync"
)

// Kind is the level of a territory.
type Kind string

// The four levels, from the smallest.
const (
	Commune     Kind = "commune"
	EPCI        Kind = "epci"
	Departement Kind = "departement"
	Region      Kind = "region"
)

// Kinds lists the levels from the smallest to the largest.
var Kinds = []Kind{Commune, EPCI, Departement, Region}

// rank orders kinds from the smallest; unknown kinds sort last.
func (k Kind) rank() int {
	switch k {
	case Commune:
		return 0
	case EPCI:
		return 1
	case Departement:
		return 2
	case Region:
		return 3
	}
	return 4
}

// Label names the kind for people, in French and English.
func (k Kind) Label() i18n.Text {
	switch k {
	case Commune:
		return i18n.T("commune", "municipality")
	case EPCI:
		return i18n.T("intercommunalité (EPCI)", "inter-municipality (EPCI)")
	case Departement:
		return i18n.T("département", "département")
	case Region:
		return i18n.T("région", "region")
	}
	return i18n.T(string(k), string(k))
}

// Valid reports whether k is one of the four levels.
func (k Kind) Valid() bool { return k.rank() < 4 }

// ParseKind reads a kind as found in a URL or a form. It accepts the four
// identifiers and their French spellings with accents or capitals
// ("Département", "région").
func ParseKind(s string) (Kind, error) {
	k := Kind(Normalize(s))
	if k.Valid() {
		return k, nil
	}
	return "", fmt.Errorf("unknown territory kind %q: want commune, epci, departement or region", s)
}

// PointSource says where a territory's point comes from.
type PointSource string

// Point sources.
const (
	// PointExact: the commune's own point from GeoNames (joined on the INSEE code).
	PointExact PointSource = "exact"
	// PointEPCI: the commune has no point of its own; it takes the plain mean
	// of the exact points of the other communes of its EPCI.
	PointEPCI PointSource = "epci"
	// PointDepartement: neither the commune nor its EPCI has a point; it takes
	// the point of its département's chef-lieu.
	PointDepartement PointSource = "departement"
	// PointComputed: an EPCI, département or région; the plain (unweighted)
	// mean of the exact points of its communes.
	PointComputed PointSource = "computed"
	// PointNone: nothing to go on (a few overseas collectivities); Lat and Lon are zero.
	PointNone PointSource = "none"
)

// Territory is one commune, EPCI, département or région. Slices are shared
// with the referential: do not modify them.
type Territory struct {
	Kind Kind
	// Code identifies the territory within its kind: INSEE code for communes
	// ("66150", "2A004"), départements ("29", "2A", "974") and régions ("53"),
	// SIREN for EPCI ("246900740").
	Code string
	Name string
	// Population is the legal municipal population of a commune, and the sum
	// over its communes for the other kinds.
	Population  int
	Lat, Lon    float64 // WGS 84 degrees; zero when PointSource is PointNone
	PointSource PointSource
	PostalCodes []string // communes only, sorted
	SIREN       string   // communes and EPCI
	// EPCI is the SIREN of a commune's EPCI, "" for the few communes outside any.
	EPCI string
	// EPCIType is the legal form of an EPCI: CC, CA, CU, METRO or MET69.
	EPCIType string
	// Departement is the département of a commune, or for an EPCI the
	// département where most of its population lives (a few straddle a border).
	Departement string
	// Region is the région of a commune, an EPCI (through Departement) or a département.
	Region string
	// ChefLieu is the INSEE code of the chef-lieu of a département or région.
	ChefLieu string
}

// Located reports whether the territory has a point.
func (t Territory) Located() bool { return t.PointSource != PointNone && t.PointSource != "" }

// Referential holds every territory and the search index. Build it with
// Default (or Load); the zero value is not usable.
type Referential struct {
	all    []Territory         // communes, then EPCI, départements, régions, each sorted by code
	byCode [4]map[string]int32 // per kind rank: code → index in all
	kids   [][]int32           // direct children, by index in all
	counts [4]int              // territories per kind
	index  searchIndex
}

var (
	defaultOnce sync.Once
	defaultRef  *Referential
)

// Default returns the referential built from the embedded data, loading it
// on first call. It panics if the embedded data is corrupt, which the
// package's tests rule out.
func Default() *Referential {
	defaultOnce.Do(func() {
		r, err := Load()
		if err != nil {
			panic("territory: embedded data: " + err.Error())
		}
		defaultRef = r
	})
	return defaultRef
}

// Count returns how many territories of kind k the referential holds.
func (r *Referential) Count(k Kind) int {
	if !k.Valid() {
		return 0
	}
	return r.counts[k.rank()]
}

func (r *Referential) lookup(kind Kind, code string) (int32, bool) {
	if !kind.Valid() {
		return 0, false
	}
	i, ok := r.byCode[kind.rank()][code]
	if !ok && (kind == Departement || kind == Commune) {
		// "2a" or "2a004" in a URL mean "2A", "2A004"
		i, ok = r.byCode[kind.rank()][strings.ToUpper(code)]
	}
	return i, ok
}

// Get returns the territory of that kind and code.
func (r *Referential) Get(kind Kind, code string) (Territory, bool) {
	i, ok := r.lookup(kind, code)
	if !ok {
		return Territory{}, false
	}
	return r.all[i], true
}

// Parents returns the territories containing t, from the nearest: for a
// commune its EPCI, département and région; for an EPCI its département and
// région; for a département its région. Missing levels are skipped.
func (r *Referential) Parents(t Territory) []Territory {
	var out []Territory
	add := func(k Kind, code string) {
		if code == "" {
			return
		}
		if p, ok := r.Get(k, code); ok {
			out = append(out, p)
		}
	}
	switch t.Kind {
	case Commune:
		add(EPCI, t.EPCI)
		add(Departement, t.Departement)
		add(Region, t.Region)
	case EPCI:
		add(Departement, t.Departement)
		add(Region, t.Region)
	case Departement:
		add(Region, t.Region)
	}
	return out
}

// Children returns the direct children of a territory, sorted by code: the
// départements of a région, the communes of a département, the member
// communes of an EPCI. A commune has none. EPCI are not children of a
// département because some straddle two.
func (r *Referential) Children(kind Kind, code string) []Territory {
	i, ok := r.lookup(kind, code)
	if !ok {
		return nil
	}
	out := make([]Territory, len(r.kids[i]))
	for j, c := range r.kids[i] {
		out[j] = r.all[c]
	}
	return out
}

// Communes returns the INSEE codes of every commune inside a territory, at
// any depth, sorted; for a commune, its own code. Nil if the territory does
// not exist.
func (r *Referential) Communes(kind Kind, code string) []string {
	i, ok := r.lookup(kind, code)
	if !ok {
		return nil
	}
	var out []string
	var walk func(i int32)
	walk = func(i int32) {
		if r.all[i].Kind == Commune {
			out = append(out, r.all[i].Code)
			return
		}
		for _, c := range r.kids[i] {
			walk(c)
		}
	}
	walk(i)
	return out
}

// Contains reports whether the commune communeCode lies inside the
// territory (kind, code), or is that territory. It does not allocate.
func (r *Referential) Contains(kind Kind, code, communeCode string) bool {
	i, ok := r.byCode[0][communeCode]
	if !ok {
		return false
	}
	c := &r.all[i]
	switch kind {
	case Commune:
		return c.Code == code
	case EPCI:
		return c.EPCI != "" && c.EPCI == code
	case Departement:
		return c.Departement == code || strings.EqualFold(c.Departement, code)
	case Region:
		return c.Region == code
	}
	return false
}
