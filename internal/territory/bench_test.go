package territory

import (
	"io/fs"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// benchQueries builds a realistic mix from the data itself: whole names,
// name prefixes as typed (3 to 8 characters), names in capitals without
// accents, later words of names, postal codes, INSEE codes, code prefixes,
// EPCI SIREN and département codes, plus single letters.
func benchQueries(r *Referential, n int) []string {
	rng := rand.New(rand.NewPCG(42, 7))
	communes := r.all[:r.Count(Commune)]
	var qs []string
	for len(qs) < n {
		c := communes[rng.IntN(len(communes))]
		norm := Normalize(c.Name)
		switch len(qs) % 10 {
		case 0, 1:
			qs = append(qs, c.Name)
		case 2, 3:
			qs = append(qs, norm[:min(len(norm), 3+rng.IntN(6))])
		case 4:
			qs = append(qs, Normalize(c.Name)) // capitals and accents already folded: the typed form
		case 5:
			if i := len(norm) / 2; i > 0 {
				qs = append(qs, norm[i:])
			}
		case 6:
			if len(c.PostalCodes) > 0 {
				qs = append(qs, c.PostalCodes[0])
			}
		case 7:
			qs = append(qs, c.Code)
		case 8:
			qs = append(qs, c.Code[:2+rng.IntN(3)])
		case 9:
			switch rng.IntN(3) {
			case 0:
				qs = append(qs, r.all[r.Count(Commune)+rng.IntN(r.Count(EPCI))].Code)
			case 1:
				qs = append(qs, c.Departement)
			default:
				qs = append(qs, string(rune('a'+rng.IntN(26))))
			}
		}
	}
	return qs
}

// BenchmarkSearch runs the query mix over the whole referential and reports
// the median and 99th percentile latency of single searches.
//
//	go test -run '^$' -bench Search -benchmem ./internal/territory
func BenchmarkSearch(b *testing.B) {
	r := Default()
	qs := benchQueries(r, 2000)
	durations := make([]time.Duration, 0, 1<<16)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		start := time.Now()
		r.Search(qs[i%len(qs)], "", DefaultLimit)
		if len(durations) < cap(durations) {
			durations = append(durations, time.Since(start))
		}
		i++
	}
	slices.Sort(durations)
	if n := len(durations); n > 0 {
		b.ReportMetric(float64(durations[n/2].Nanoseconds()), "p50-ns")
		b.ReportMetric(float64(durations[n*99/100].Nanoseconds()), "p99-ns")
		b.ReportMetric(float64(durations[n-1].Nanoseconds()), "max-ns")
	}
}

// BenchmarkSearchKind is the same mix restricted to communes, the common
// case of a form field.
func BenchmarkSearchKind(b *testing.B) {
	r := Default()
	qs := benchQueries(r, 2000)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		r.Search(qs[i%len(qs)], Commune, DefaultLimit)
		i++
	}
}

// BenchmarkLoad measures parsing the embedded data and building the index,
// which the first call to Default pays, and reports the embedded size.
//
//	go test -run '^$' -bench Load -benchmem ./internal/territory
func BenchmarkLoad(b *testing.B) {
	size := 0
	err := fs.WalkDir(dataFS, "data", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err == nil {
			size += int(info.Size())
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(size), "embedded-bytes")
}

func BenchmarkContains(b *testing.B) {
	r := Default()
	for b.Loop() {
		r.Contains(Region, "76", "66150")
	}
}

func BenchmarkNormalize(b *testing.B) {
	buf := make([]byte, 0, 64)
	for b.Loop() {
		buf = normalizeQuery(buf[:0], "Saint-Étienne-du-Rouvray")
	}
}
