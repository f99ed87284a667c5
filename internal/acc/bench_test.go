package acc

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/energy"
	"github.com/fabrique-des-energies/fabrique/internal/platform/db/dbtest"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
	"github.com/fabrique-des-energies/fabrique/internal/territory"
)

// benchOperation is a realistic operation: 3 producers (250 kWc in all)
// and 50 consumers (households, offices, a school) at Prats, with a year of
// 15-minute readings stored as uploaded blocks.
func benchOperation(b *testing.B) (*Service, *web.Identity, *Operation) {
	b.Helper()
	d := dbtest.SQLiteFile(b, migrations())
	svc := New(d, territory.Default(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	svc.SetClock(func() time.Time { return june2025 })
	u, err := authFor(d).CreateUser(context.Background(), "bench@test.example", "Bench", "correct horse battery staple", web.RoleMember)
	if err != nil {
		b.Fatal(err)
	}
	who := &web.Identity{UserID: u.ID, Role: web.RoleMember}
	in := Input{Name: "Banc d'essai", Organiser: "PMO", StepMinutes: 15, Key: "default", Regime: "2km", StartDate: "2024-01-01"}
	for j, k := range []string{"100", "100", "50"} {
		in.Participants = append(in.Participants, ParticipantInput{Role: "producer", Name: fmt.Sprintf("P%d", j), PRM: fmt.Sprintf("300000000009%02d", j), Commune: "66150", KWc: k})
	}
	for i := range 50 {
		in.Participants = append(in.Participants, ParticipantInput{Role: "consumer", Name: fmt.Sprintf("C%d", i), PRM: fmt.Sprintf("300000000001%02d", i), Commune: "66150"})
	}
	o, _, err := svc.Create(context.Background(), who, in)
	if err != nil {
		b.Fatal(err)
	}
	step := 15 * time.Minute
	pv, err := energy.SynthPV(energy.PVParams{Lat: pratsLat, Lon: pratsLon, KWc: 1, Year: 2024, Step: step, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	var series []pending
	for _, p := range o.Producers() {
		v := make([]float64, pv.Len())
		for t, x := range pv.Values {
			v[t] = x * p.KWc
		}
		series = append(series, pending{p: p, kind: kindEnergy, s: energy.Series{Start: pv.Start, Step: step, Values: v}, scale: 1000})
	}
	profiles := []energy.LoadProfile{energy.ProfileHousehold, energy.ProfileHouseholdWaterHeater, energy.ProfileOffice, energy.ProfileSchool}
	var bases [][]float64
	for k, prof := range profiles {
		s, err := energy.SynthLoad(energy.LoadParams{Profile: prof, AnnualKWh: 1, Year: 2024, Step: step, Seed: uint64(k + 1)})
		if err != nil {
			b.Fatal(err)
		}
		bases = append(bases, s.Values)
	}
	for i, p := range o.Consumers() {
		base := bases[i%len(bases)]
		v := make([]float64, len(base))
		for t := range v {
			v[t] = base[(t+i*672)%len(base)] * float64(3000+i*400)
		}
		series = append(series, pending{p: p, kind: kindEnergy, s: energy.Series{Start: pv.Start, Step: step, Values: v}, scale: 1000})
	}
	if _, err := svc.store(context.Background(), o, "bench.csv", series); err != nil {
		b.Fatal(err)
	}
	o, err = svc.Get(context.Background(), who, o.ID)
	if err != nil {
		b.Fatal(err)
	}
	return svc, who, o
}

// BenchmarkStatement measures the monthly statements of a realistic
// operation (50 consumers, 3 producers, a year at 15 minutes): reading the
// blocks from SQLite, allocating, and the monthly, whole-period and
// average-day totals every statement and the dashboard use.
func BenchmarkStatement(b *testing.B) {
	svc, who, o := benchOperation(b)
	ctx := context.Background()
	b.Run("load+allocate+totals", func(b *testing.B) {
		cpu0, cpuOK := processCPU()
		defer reportCPU(b, cpu0, cpuOK)
		for b.Loop() {
			d, err := svc.LoadDataset(ctx, who, o)
			if err != nil {
				b.Fatal(err)
			}
			a, err := Analyse(o, d)
			if err != nil {
				b.Fatal(err)
			}
			if len(a.Months) != 12 {
				b.Fatalf("%d months", len(a.Months))
			}
		}
		b.ReportMetric(float64(50*35136*b.N)/b.Elapsed().Seconds(), "consumer-steps/s")
	})
	d, err := svc.LoadDataset(ctx, who, o)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("allocate+totals", func(b *testing.B) {
		cpu0, cpuOK := processCPU()
		defer reportCPU(b, cpu0, cpuOK)
		for b.Loop() {
			if _, err := Analyse(o, d); err != nil {
				b.Fatal(err)
			}
		}
	})
	a, err := Analyse(o, d)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("one month, cached analysis", func(b *testing.B) {
		cpu0, cpuOK := processCPU()
		defer reportCPU(b, cpu0, cpuOK)
		for b.Loop() {
			st, err := a.Statement(o, "2024-06", june2025)
			if err != nil {
				b.Fatal(err)
			}
			if err := WriteStatementCSV(io.Discard, st); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSimulatorPage renders /simulateur for 100 consumers with a
// sweep of 50 capacities, the synthetic curves already cached (the first
// visit with new profiles also synthesises them: see sim's BenchmarkRun).
// Each iteration asks for another capacity so no result comes from the cache.
func BenchmarkSimulatorPage(b *testing.B) {
	svc := New(nil, territory.Default(), nil)
	srv := web.NewServer(web.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	svc.Mount(srv, Samples{Operation: 1, Month: "2024-06"})
	h := srv.Handler()
	q := "commune=66150&year=2024&step=15&key=default&sweep_n=50&sweep_max=500&profile1=household&kwh1=4500&count1=40&profile2=household-water-heater&kwh2=6000&count2=40&profile3=office&kwh3=25000&count3=15&profile4=school&kwh4=40000&count4=5"
	get := func(kwc int) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", fmt.Sprintf("/simulateur?kwc=%d&%s", kwc, q), nil))
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %.300s", rec.Code, rec.Body.String())
		}
	}
	get(99) // warms the curve cache
	kwc := 100
	cpu0, cpuOK := processCPU()
	defer reportCPU(b, cpu0, cpuOK)
	for b.Loop() {
		get(kwc)
		kwc++
	}
}

// reportCPU adds the CPU time per operation (user + system, all threads).
func reportCPU(b *testing.B, cpu0 time.Duration, ok bool) {
	if cpu1, ok1 := processCPU(); ok && ok1 && b.N > 0 {
		b.ReportMetric(float64(cpu1-cpu0)/float64(b.N)/1e6, "cpu-ms/op")
	}
}
