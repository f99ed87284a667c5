package observatory

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/auth"
	"github.com/fabrique-des-energies/fabrique/internal/platform/db"
	"github.com/fabrique-des-energies/fabrique/internal/territory"
)

// The benchmark store: 10,000 communities and 30,000 projects on SQLite,
// generated once per test binary.
var (
	benchOnce sync.Once
	benchSvc  *Service
	benchDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if benchSvc != nil {
		benchSvc.db.Close()
	}
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

func benchService(b *testing.B) *Service {
	b.Helper()
	benchOnce.Do(func() {
		dir, err := os.MkdirTemp("", "observatory-bench-")
		if err != nil {
			b.Fatal(err)
		}
		benchDir = dir
		d, err := db.OpenSQLite(context.Background(), filepath.Join(dir, "fabrique.db"))
		if err != nil {
			b.Fatal(err)
		}
		if err := d.Migrate(context.Background(), []db.Migrations{auth.Migrations(), Migrations()}, nil); err != nil {
			b.Fatal(err)
		}
		benchSvc = New(d, territory.Default(), nil)
		start := time.Now()
		generate(b, benchSvc, 10_000, 30_000, 2026)
		if _, err := d.W.Exec(`ANALYZE`); err != nil {
			b.Fatal(err)
		}
		b.Logf("generated 10,000 communities and 30,000 projects in %v", time.Since(start).Round(time.Millisecond))
	})
	if benchSvc == nil {
		b.Fatal("benchmark store unavailable")
	}
	return benchSvc
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportLatency adds the median and 99th percentile of the iterations and
// the CPU time per operation since cpu0 (all threads: an upper bound of the
// wall time on an otherwise idle machine, and steadier than wall time on a
// busy one).
func reportLatency(b *testing.B, d []time.Duration, cpu0 time.Duration) {
	if len(d) == 0 {
		return
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(len(d)), "cpu-ms/op")
	slices.Sort(d)
	ms := func(x time.Duration) float64 { return float64(x.Microseconds()) / 1000 }
	b.ReportMetric(ms(d[len(d)/2]), "p50-ms")
	b.ReportMetric(ms(d[min(len(d)-1, len(d)*99/100)]), "p99-ms")
}

// Target: national dashboard statistics p99 ≤ 50 ms in-process on SQLite.
// Stats answers from its cache while the data does not change (one
// generation query); BenchmarkStatsNationalCold measures the computation.
func BenchmarkStatsNational(b *testing.B) {
	s := benchService(b)
	ctx := context.Background()
	var lat []time.Duration
	b.ResetTimer()
	cpu0 := cpuTime()
	for b.Loop() {
		t0 := time.Now()
		st, err := s.Stats(ctx, nil)
		if err != nil || st.Communities != 10_000 || st.Projects != 30_000 {
			b.Fatalf("%v %d %d", err, st.Communities, st.Projects)
		}
		lat = append(lat, time.Since(t0))
	}
	reportLatency(b, lat, cpu0)
}

func BenchmarkStatsNationalCold(b *testing.B) {
	s := benchService(b)
	ctx := context.Background()
	var lat []time.Duration
	b.ResetTimer()
	cpu0 := cpuTime()
	for b.Loop() {
		t0 := time.Now()
		st, err := s.ComputeStats(ctx, nil)
		if err != nil || st.Communities != 10_000 || st.Projects != 30_000 {
			b.Fatalf("%v %d %d", err, st.Communities, st.Projects)
		}
		lat = append(lat, time.Since(t0))
	}
	reportLatency(b, lat, cpu0)
}

func BenchmarkStatsRegionCold(b *testing.B) {
	s := benchService(b)
	ctx := context.Background()
	reg, _ := s.terr.Get(territory.Region, "84")
	var lat []time.Duration
	b.ResetTimer()
	cpu0 := cpuTime()
	for b.Loop() {
		t0 := time.Now()
		if _, err := s.ComputeStats(ctx, &reg); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	reportLatency(b, lat, cpu0)
}

// Target: GeoJSON export of all communities ≤ 200 ms.
func BenchmarkGeoJSONAll(b *testing.B) {
	s := benchService(b)
	ctx := context.Background()
	var lat []time.Duration
	b.ResetTimer()
	cpu0 := cpuTime()
	for b.Loop() {
		t0 := time.Now()
		if err := s.WriteGeoJSON(ctx, io.Discard, Filter{}, "https://example.org"); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	reportLatency(b, lat, cpu0)
}

func BenchmarkCommunitiesCSVAll(b *testing.B) {
	s := benchService(b)
	ctx := context.Background()
	for b.Loop() {
		if err := s.WriteCommunitiesCSV(ctx, io.Discard, Filter{}, ""); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkListFiltered(b *testing.B) {
	s := benchService(b)
	ctx := context.Background()
	f := Filter{Region: "84", Technology: "pv_rooftop", Sort: "-members", Page: 2, Limit: 20}
	for b.Loop() {
		if _, _, err := s.List(ctx, f); err != nil {
			b.Fatal(err)
		}
	}
}

// Target: the SVG map ≤ 20 ms (national map shaded by département, from
// the statistics).
func BenchmarkSVGMap(b *testing.B) {
	s := benchService(b)
	st, err := s.Stats(context.Background(), nil)
	if err != nil {
		b.Fatal(err)
	}
	values := map[string]float64{}
	for _, d := range st.Departements {
		values[d.Code] = float64(d.Communities)
	}
	c := &Choropleth{ID: "m", Title: "Communautés par département", LegendTitle: "Communautés", Values: values}
	if err := c.Render(io.Discard, s.terr); err != nil { // parses the outlines once
		b.Fatal(err)
	}
	var lat []time.Duration
	b.ResetTimer()
	cpu0 := cpuTime()
	for b.Loop() {
		t0 := time.Now()
		if err := c.Render(io.Discard, s.terr); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	reportLatency(b, lat, cpu0)
}
