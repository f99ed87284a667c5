package main

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/fabrique-des-energies/fabrique/scripts/refdata/npmtgz"
)

// Point sources written in the generated files; internal/territory reads the same words.
const (
	pointExact       = "exact"       // the commune's own GeoNames point
	pointEPCI        = "epci"        // mean of the located members of its EPCI
	pointDepartement = "departement" // the point of its département's chef-lieu
	pointComputed    = "computed"    // EPCI, département, région: mean of member communes
	pointNone        = "none"        // nothing to go on (some overseas collectivities)
)

type expectations struct {
	communes, epci, departements, regions, noEPCI, svgPaths int
}

type commune struct {
	Code, Name, Dep, Region, SIREN string
	PostalCodes                    []string
	Population                     int
	EPCI                           string
	Lat, Lon                       float64
	Point                          string
}

type epci struct {
	Code, Name, Type string
	Members          []string // INSEE codes
	Dep, Region      string   // where most of its population lives
	Population       int
	Lat, Lon         float64
	Point            string
}

type area struct { // département or région
	Code, Name, Region, ChefLieu, Zone string
	Population                         int
	Lat, Lon                           float64
	Point                              string
}

type referential struct {
	communes     []*commune // sorted by code
	byCode       map[string]*commune
	epcis        []*epci // sorted by code
	departements []*area // in source order
	regions      []*area
}

// decoupage file names inside the tarball.
var decoupageFiles = []string{"data/communes.json", "data/epci.json", "data/departements.json", "data/regions.json"}

func decodeJSON(p *npmtgz.Package, name string, v any) error {
	b, err := p.File(name)
	if err != nil {
		return err
	}
	d := json.NewDecoder(bytes.NewReader(b))
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

func readDecoupage(p *npmtgz.Package, want expectations) (*referential, error) {
	var rawCommunes []struct {
		Code         string   `json:"code"`
		Nom          string   `json:"nom"`
		Type         string   `json:"type"`
		Departement  string   `json:"departement"`
		Region       string   `json:"region"`
		Siren        string   `json:"siren"`
		CodesPostaux []string `json:"codesPostaux"`
		Population   int      `json:"population"`
	}
	var rawEPCI []struct {
		Code    string `json:"code"`
		Nom     string `json:"nom"`
		Type    string `json:"type"`
		Membres []struct {
			Code string `json:"code"`
		} `json:"membres"`
	}
	var rawDeps []struct {
		Code     string `json:"code"`
		Nom      string `json:"nom"`
		Region   string `json:"region"`
		ChefLieu string `json:"chefLieu"`
		Zone     string `json:"zone"`
	}
	var rawRegions []struct {
		Code     string `json:"code"`
		Nom      string `json:"nom"`
		ChefLieu string `json:"chefLieu"`
		Zone     string `json:"zone"`
	}
	for i, v := range []any{&rawCommunes, &rawEPCI, &rawDeps, &rawRegions} {
		if err := decodeJSON(p, decoupageFiles[i], v); err != nil {
			return nil, err
		}
	}

	r := &referential{byCode: map[string]*commune{}}
	regions := map[string]bool{}
	for i, x := range rawRegions {
		if x.Code == "" || x.Nom == "" || regions[x.Code] {
			return nil, fmt.Errorf("regions.json entry %d: missing or repeated code/name (%q, %q)", i, x.Code, x.Nom)
		}
		regions[x.Code] = true
		r.regions = append(r.regions, &area{Code: x.Code, Name: x.Nom, ChefLieu: x.ChefLieu, Zone: x.Zone})
	}
	deps := map[string]bool{}
	for i, x := range rawDeps {
		if x.Code == "" || x.Nom == "" || deps[x.Code] {
			return nil, fmt.Errorf("departements.json entry %d: missing or repeated code/name (%q, %q)", i, x.Code, x.Nom)
		}
		if !regions[x.Region] {
			return nil, fmt.Errorf("departements.json entry %d (%s): unknown region %q", i, x.Code, x.Region)
		}
		deps[x.Code] = true
		r.departements = append(r.departements, &area{Code: x.Code, Name: x.Nom, Region: x.Region, ChefLieu: x.ChefLieu, Zone: x.Zone})
	}
	for i, x := range rawCommunes {
		if x.Type != "commune-actuelle" {
			continue
		}
		switch {
		case x.Code == "" || x.Nom == "":
			return nil, fmt.Errorf("communes.json entry %d: missing code or name", i)
		case r.byCode[x.Code] != nil:
			return nil, fmt.Errorf("communes.json entry %d: commune %s appears twice", i, x.Code)
		case !deps[x.Departement]:
			return nil, fmt.Errorf("communes.json entry %d (%s): unknown departement %q", i, x.Code, x.Departement)
		case !regions[x.Region]:
			return nil, fmt.Errorf("communes.json entry %d (%s): unknown region %q", i, x.Code, x.Region)
		case x.Population < 0:
			return nil, fmt.Errorf("communes.json entry %d (%s): negative population", i, x.Code)
		}
		// Tabs and newlines separate the generated columns and rows; spaces separate postal codes.
		if strings.ContainsAny(x.Nom, "\t\n\r") {
			return nil, fmt.Errorf("communes.json entry %d (%s): name %q holds a tab or newline", i, x.Code, x.Nom)
		}
		for _, s := range append([]string{x.Code, x.Siren}, x.CodesPostaux...) {
			if strings.ContainsAny(s, " \t\n\r") {
				return nil, fmt.Errorf("communes.json entry %d (%s): code %q holds a space, tab or newline", i, x.Code, s)
			}
		}
		c := &commune{Code: x.Code, Name: x.Nom, Dep: x.Departement, Region: x.Region, SIREN: x.Siren,
			PostalCodes: slices.Compact(slices.Sorted(slices.Values(x.CodesPostaux))), Population: x.Population, Point: pointNone}
		r.communes = append(r.communes, c)
		r.byCode[c.Code] = c
	}
	slices.SortFunc(r.communes, func(a, b *commune) int { return cmp.Compare(a.Code, b.Code) })

	seenEPCI := map[string]bool{}
	for i, x := range rawEPCI {
		if x.Code == "" || x.Nom == "" || seenEPCI[x.Code] || strings.ContainsAny(x.Nom, "\t\n\r") {
			return nil, fmt.Errorf("epci.json entry %d: missing, repeated or malformed code/name (%q, %q)", i, x.Code, x.Nom)
		}
		seenEPCI[x.Code] = true
		e := &epci{Code: x.Code, Name: x.Nom, Type: x.Type, Point: pointNone}
		for _, m := range x.Membres {
			c := r.byCode[m.Code]
			if c == nil {
				return nil, fmt.Errorf("epci.json %s: member %q is not a current commune", x.Code, m.Code)
			}
			if c.EPCI != "" {
				return nil, fmt.Errorf("epci.json %s: commune %s already belongs to %s", x.Code, m.Code, c.EPCI)
			}
			c.EPCI = x.Code
			e.Members = append(e.Members, m.Code)
		}
		if len(e.Members) == 0 {
			return nil, fmt.Errorf("epci.json %s: no members", x.Code)
		}
		slices.Sort(e.Members)
		r.epcis = append(r.epcis, e)
	}
	slices.SortFunc(r.epcis, func(a, b *epci) int { return cmp.Compare(a.Code, b.Code) })

	noEPCI := 0
	for _, c := range r.communes {
		if c.EPCI == "" {
			noEPCI++
		}
	}
	got := expectations{len(r.communes), len(r.epcis), len(r.departements), len(r.regions), noEPCI, want.svgPaths}
	if got != want {
		return nil, fmt.Errorf("counts differ from the pinned version: got communes=%d epci=%d departements=%d regions=%d without-epci=%d, want %d %d %d %d %d",
			got.communes, got.epci, got.departements, got.regions, got.noEPCI,
			want.communes, want.epci, want.departements, want.regions, want.noEPCI)
	}
	r.aggregatePopulation()
	return r, nil
}

// communeDep maps each INSEE code to its département, for the GeoNames join.
func (r *referential) communeDep() map[string]string {
	m := make(map[string]string, len(r.communes))
	for _, c := range r.communes {
		m[c.Code] = c.Dep
	}
	return m
}

// aggregatePopulation sums commune populations into EPCI, départements and
// régions, and gives each EPCI the département holding most of its people
// (an EPCI may straddle a border; the data names no seat).
func (r *referential) aggregatePopulation() {
	deps := map[string]*area{}
	for _, d := range r.departements {
		deps[d.Code] = d
	}
	regs := map[string]*area{}
	for _, g := range r.regions {
		regs[g.Code] = g
	}
	for _, c := range r.communes {
		deps[c.Dep].Population += c.Population
		regs[c.Region].Population += c.Population
	}
	for _, e := range r.epcis {
		perDep := map[string]int{}
		for _, m := range e.Members {
			c := r.byCode[m]
			e.Population += c.Population
			perDep[c.Dep] += c.Population
		}
		best := ""
		for d, n := range perDep {
			if best == "" || n > perDep[best] || n == perDep[best] && d < best {
				best = d
			}
		}
		e.Dep, e.Region = best, deps[best].Region
	}
}

// locate gives every territory a point. Communes: their own GeoNames point,
// else the plain mean of their EPCI's located members, else their
// département chef-lieu's point. EPCI, départements and régions: the plain
// (unweighted) mean of their members' exact points, falling back to all
// members' points when none is exact.
func (r *referential) locate(points map[string]latLon) {
	for _, c := range r.communes {
		if p, ok := points[c.Code]; ok {
			c.Lat, c.Lon, c.Point = p.Lat, p.Lon, pointExact
		}
	}
	members := func(codes []string) []*commune {
		out := make([]*commune, len(codes))
		for i, m := range codes {
			out[i] = r.byCode[m]
		}
		return out
	}
	epcis := map[string]*epci{}
	for _, e := range r.epcis {
		epcis[e.Code] = e
		e.Lat, e.Lon, e.Point = centroid(members(e.Members))
	}
	for _, c := range r.communes {
		if c.Point != pointNone || c.EPCI == "" {
			continue
		}
		if e := epcis[c.EPCI]; e.Point != pointNone { // only exact points exist at this stage
			c.Lat, c.Lon, c.Point = e.Lat, e.Lon, pointEPCI
		}
	}
	chef := map[string]*commune{}
	for _, d := range r.departements {
		chef[d.Code] = r.byCode[d.ChefLieu]
	}
	for _, c := range r.communes {
		if c.Point != pointNone {
			continue
		}
		// The chef-lieu must lie in the département itself: the source names
		// a commune of Saint-Pierre-et-Miquelon as chef-lieu of the TAAF.
		if cl := chef[c.Dep]; cl != nil && cl != c && cl.Dep == c.Dep && (cl.Point == pointExact || cl.Point == pointEPCI) {
			c.Lat, c.Lon, c.Point = cl.Lat, cl.Lon, pointDepartement
		}
	}
	byDep := map[string][]*commune{}
	byReg := map[string][]*commune{}
	for _, c := range r.communes {
		byDep[c.Dep] = append(byDep[c.Dep], c)
		byReg[c.Region] = append(byReg[c.Region], c)
	}
	for _, d := range r.departements {
		d.Lat, d.Lon, d.Point = centroid(byDep[d.Code])
	}
	for _, g := range r.regions {
		g.Lat, g.Lon, g.Point = centroid(byReg[g.Code])
	}
}

// centroid is the plain mean of the exact points of cs, or of all their
// points when none is exact. None of the territories crosses the antimeridian,
// so a plain mean of longitudes is sound.
func centroid(cs []*commune) (lat, lon float64, point string) {
	for _, exactOnly := range []bool{true, false} {
		n := 0
		for _, c := range cs {
			if c.Point == pointNone || exactOnly && c.Point != pointExact {
				continue
			}
			lat += c.Lat
			lon += c.Lon
			n++
		}
		if n > 0 {
			return round5(lat / float64(n)), round5(lon / float64(n)), pointComputed
		}
	}
	return 0, 0, pointNone
}

// round5 keeps five decimals (about a metre), the precision of GeoNames.
func round5(v float64) float64 { return math.Round(v*1e5) / 1e5 }

func fmtCoord(v float64, point string) string {
	if point == pointNone {
		return ""
	}
	return strconv.FormatFloat(round5(v), 'f', -1, 64)
}

// Output files: gzip'd TSV, first line the column names.
const (
	communesOutput     = "communes.tsv.gz"
	epciOutput         = "epci.tsv.gz"
	departementsOutput = "departements.tsv.gz"
	regionsOutput      = "regions.tsv.gz"
	svgOutput          = "departements-svg.json.gz"
	licenceDir         = "licences"
)

func (r *referential) tables() map[string][]byte {
	var b bytes.Buffer
	row := func(fields ...string) {
		b.WriteString(strings.Join(fields, "\t"))
		b.WriteByte('\n')
	}
	out := map[string][]byte{}

	row("code", "nom", "departement", "region", "epci", "siren", "population", "lat", "lon", "point", "codes_postaux")
	for _, c := range r.communes {
		row(c.Code, c.Name, c.Dep, c.Region, c.EPCI, c.SIREN, strconv.Itoa(c.Population),
			fmtCoord(c.Lat, c.Point), fmtCoord(c.Lon, c.Point), c.Point, strings.Join(c.PostalCodes, " "))
	}
	out[communesOutput] = gz(b.Bytes())

	b.Reset()
	row("code", "nom", "type", "departement", "region", "population", "lat", "lon", "point")
	for _, e := range r.epcis {
		row(e.Code, e.Name, e.Type, e.Dep, e.Region, strconv.Itoa(e.Population),
			fmtCoord(e.Lat, e.Point), fmtCoord(e.Lon, e.Point), e.Point)
	}
	out[epciOutput] = gz(b.Bytes())

	for _, t := range []struct {
		name  string
		areas []*area
	}{{departementsOutput, r.departements}, {regionsOutput, r.regions}} {
		b.Reset()
		row("code", "nom", "region", "chef_lieu", "zone", "population", "lat", "lon", "point")
		for _, a := range t.areas {
			row(a.Code, a.Name, a.Region, a.ChefLieu, a.Zone, strconv.Itoa(a.Population),
				fmtCoord(a.Lat, a.Point), fmtCoord(a.Lon, a.Point), a.Point)
		}
		out[t.name] = gz(b.Bytes())
	}
	return out
}

// gz compresses deterministically: no name, no modification time.
func gz(b []byte) []byte {
	var out bytes.Buffer
	w, err := gzip.NewWriterLevel(&out, gzip.BestCompression)
	if err != nil {
		panic(err) // only for an invalid level
	}
	if _, err := w.Write(b); err != nil {
		panic(err) // writes to a bytes.Buffer do not fail
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
	return out.Bytes()
}

func (r *referential) summary(w io.Writer, geo geoStats, files map[string][]byte) {
	count := map[string]int{}
	pop := map[string]int{}
	total := 0
	for _, c := range r.communes {
		count[c.Point]++
		pop[c.Point] += c.Population
		total += c.Population
	}
	fmt.Fprintf(w, "communes %d, epci %d, departements %d, regions %d\n",
		len(r.communes), len(r.epcis), len(r.departements), len(r.regions))
	fmt.Fprintf(w, "geonames rows read %d, french rows %d, joined %d (duplicates resolved %d, unknown codes %d)\n",
		geo.rows, geo.french, geo.joined, geo.duplicates, geo.unknown)
	for _, k := range []string{pointExact, pointEPCI, pointDepartement, pointNone} {
		fmt.Fprintf(w, "  point %-12s %6d communes, %5.1f %% of population\n", k, count[k], 100*float64(pop[k])/float64(total))
	}
	names := make([]string, 0, len(files))
	size := 0
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-40s %8d bytes\n", n, len(files[n]))
		size += len(files[n])
	}
	fmt.Fprintf(w, "  %-40s %8d bytes\n", "total", size)
}
