package territory

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"embed"
	"encoding/binary"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strconv"
	"strings"
)

//go:embed data/*.tsv.gz data/*.json.gz data/SOURCES.json data/licences/*.txt
var dataFS embed.FS

// Load parses the embedded data into a new referential. Most callers want
// Default, which does this once.
func Load() (*Referential, error) {
	r := &Referential{}
	tables := []struct {
		file string
		kind Kind
		raw  string
	}{
		{"communes.tsv.gz", Commune, ""},
		{"epci.tsv.gz", EPCI, ""},
		{"departements.tsv.gz", Departement, ""},
		{"regions.tsv.gz", Region, ""},
	}
	rows := 0
	for i := range tables {
		raw, err := readGzip("data/" + tables[i].file)
		if err != nil {
			return nil, err
		}
		tables[i].raw = raw
		rows += strings.Count(raw, "\n")
	}
	r.all = make([]Territory, 0, rows)
	for _, f := range tables {
		first := len(r.all)
		var err error
		if r.all, err = parseTable(r.all, f.raw, f.kind); err != nil {
			return nil, fmt.Errorf("%s: %w", f.file, err)
		}
		part := r.all[first:]
		slices.SortFunc(part, func(a, b Territory) int { return cmp.Compare(a.Code, b.Code) })
		m := make(map[string]int32, len(part))
		for i := range part {
			if _, dup := m[part[i].Code]; dup {
				return nil, fmt.Errorf("%s: code %q appears twice", f.file, part[i].Code)
			}
			m[part[i].Code] = int32(first + i)
		}
		r.byCode[f.kind.rank()] = m
		r.counts[f.kind.rank()] = len(part)
	}
	if err := r.link(); err != nil {
		return nil, err
	}
	r.index = buildIndex(r.all)
	return r, nil
}

func readGzip(name string) (string, error) {
	f, err := dataFS.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	var b strings.Builder
	b.Grow(gzipSize(f))
	if _, err := io.Copy(&b, zr); err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	return b.String(), nil
}

// gzipSize reads the uncompressed size a gzip file records in its last four
// bytes, so the whole table lands in one allocation of the right size.
func gzipSize(f fs.File) int {
	st, err := f.Stat()
	ra, ok := f.(io.ReaderAt)
	if err != nil || !ok || st.Size() < 4 {
		return 0
	}
	var tail [4]byte
	if _, err := ra.ReadAt(tail[:], st.Size()-4); err != nil {
		return 0
	}
	return int(binary.LittleEndian.Uint32(tail[:]))
}

// columns each table must have, in any order; the generator writes them.
var tableColumns = map[Kind][]string{
	Commune:     {"code", "nom", "departement", "region", "epci", "siren", "population", "lat", "lon", "point", "codes_postaux"},
	EPCI:        {"code", "nom", "type", "departement", "region", "population", "lat", "lon", "point"},
	Departement: {"code", "nom", "region", "chef_lieu", "population", "lat", "lon", "point"},
	Region:      {"code", "nom", "chef_lieu", "population", "lat", "lon", "point"},
}

// parseTable reads a TSV table whose first line names the columns. Field
// strings are slices of raw, and postal codes share a few large arrays, so
// a table costs a handful of allocations.
func parseTable(dst []Territory, raw string, kind Kind) ([]Territory, error) {
	header, rest, _ := strings.Cut(raw, "\n")
	names := strings.Split(header, "\t")
	// at[k] is the position of column tableColumns[kind][k].
	want := tableColumns[kind]
	at := make([]int, len(want))
	for k, name := range want {
		at[k] = slices.Index(names, name)
		if at[k] < 0 {
			return dst, fmt.Errorf("line 1: missing column %q", name)
		}
	}
	fields := make([]string, len(names))
	// Resolve the column of each Territory field once, not per row.
	col := func(name string) int {
		if k := slices.Index(want, name); k >= 0 {
			return at[k]
		}
		return -1
	}
	cCode, cName, cDep, cReg, cEPCI, cSIREN, cType, cChef := col("code"), col("nom"), col("departement"),
		col("region"), col("epci"), col("siren"), col("type"), col("chef_lieu")
	cPop, cLat, cLon, cPoint, cPostal := col("population"), col("lat"), col("lon"), col("point"), col("codes_postaux")
	field := func(c int) string {
		if c < 0 {
			return ""
		}
		return fields[c]
	}
	var postal []string // shared backing array for postal codes
	line := 1
	for rest != "" {
		line++
		var row string
		row, rest, _ = strings.Cut(rest, "\n")
		n := 0
		for f := range strings.SplitSeq(row, "\t") {
			if n < len(fields) {
				fields[n] = f
			}
			n++
		}
		if n != len(fields) {
			return dst, fmt.Errorf("line %d: %d fields, want %d", line, n, len(fields))
		}
		t := Territory{
			Kind:        kind,
			Code:        field(cCode),
			Name:        field(cName),
			Departement: field(cDep),
			Region:      field(cReg),
			EPCI:        field(cEPCI),
			SIREN:       field(cSIREN),
			EPCIType:    field(cType),
			ChefLieu:    field(cChef),
			PointSource: PointSource(field(cPoint)),
		}
		if kind == EPCI {
			t.SIREN = t.Code
		}
		if t.Code == "" || t.Name == "" {
			return dst, fmt.Errorf("line %d: empty code or name", line)
		}
		var err error
		if t.Population, err = strconv.Atoi(field(cPop)); err != nil || t.Population < 0 {
			return dst, fmt.Errorf("line %d (%s): population %q is not a count", line, t.Code, field(cPop))
		}
		switch t.PointSource {
		case PointNone:
		case PointExact, PointEPCI, PointDepartement, PointComputed:
			if t.Lat, err = strconv.ParseFloat(field(cLat), 64); err != nil || t.Lat < -90 || t.Lat > 90 {
				return dst, fmt.Errorf("line %d (%s): lat %q is not a latitude", line, t.Code, field(cLat))
			}
			if t.Lon, err = strconv.ParseFloat(field(cLon), 64); err != nil || t.Lon < -180 || t.Lon > 180 {
				return dst, fmt.Errorf("line %d (%s): lon %q is not a longitude", line, t.Code, field(cLon))
			}
		default:
			return dst, fmt.Errorf("line %d (%s): unknown point source %q", line, t.Code, t.PointSource)
		}
		if pc := field(cPostal); pc != "" {
			k := strings.Count(pc, " ") + 1
			if cap(postal)-len(postal) < k {
				postal = make([]string, 0, max(k, 4096))
			}
			from := len(postal)
			for c := range strings.SplitSeq(pc, " ") {
				if c == "" {
					return dst, fmt.Errorf("line %d (%s): empty postal code in %q", line, t.Code, pc)
				}
				postal = append(postal, c)
			}
			t.PostalCodes = postal[from:len(postal):len(postal)]
		}
		dst = append(dst, t)
	}
	return dst, nil
}

// link checks every reference between tables and builds the child lists.
func (r *Referential) link() error {
	r.kids = make([][]int32, len(r.all))
	for i := range r.all {
		t := &r.all[i]
		ref := func(k Kind, code string, need bool) (int32, error) {
			if code == "" && !need {
				return -1, nil
			}
			j, ok := r.byCode[k.rank()][code]
			if !ok {
				return -1, fmt.Errorf("%s %s: unknown %s %q", t.Kind, t.Code, k, code)
			}
			return j, nil
		}
		var parent int32 = -1
		var err error
		switch t.Kind {
		case Commune:
			if _, err = ref(Region, t.Region, true); err != nil {
				return err
			}
			var e int32
			if e, err = ref(EPCI, t.EPCI, false); err != nil {
				return err
			}
			if e >= 0 {
				r.kids[e] = append(r.kids[e], int32(i))
			}
			parent, err = ref(Departement, t.Departement, true)
		case EPCI:
			if _, err = ref(Departement, t.Departement, true); err != nil {
				return err
			}
			_, err = ref(Region, t.Region, true)
		case Departement:
			parent, err = ref(Region, t.Region, true)
		}
		if err != nil {
			return err
		}
		if parent >= 0 {
			r.kids[parent] = append(r.kids[parent], int32(i))
		}
	}
	return nil
}

// readEmbedded returns an embedded file, for the small JSON files.
func readEmbedded(name string) ([]byte, error) {
	b, err := dataFS.ReadFile(name)
	if err != nil {
		return nil, err
	}
	if strings.HasSuffix(name, ".gz") {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return io.ReadAll(zr)
	}
	return b, nil
}
