package regie

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/auth"
	"github.com/fabrique-des-energies/fabrique/internal/energy"
	"github.com/fabrique-des-energies/fabrique/internal/platform/db/dbtest"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
	"github.com/fabrique-des-energies/fabrique/internal/regie/meterfile"
)

// benchYear is a local calendar year at 30 minutes: 17,520 half-hours.
const benchYear = 2025

// benchProfiles returns four household base profiles (kWh per half-hour for
// 1,000 kWh a year) that meters vary from.
func benchProfiles(tb testing.TB) [][]float64 {
	var out [][]float64
	for i, p := range []energy.LoadProfile{energy.ProfileHousehold, energy.ProfileHouseholdWaterHeater, energy.ProfileHouseholdElectricHeating, energy.ProfileHousehold} {
		s, err := energy.SynthLoad(energy.LoadParams{Profile: p, AnnualKWh: 1000, Year: benchYear, Step: 30 * time.Minute, Seed: uint64(11 + i)})
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, s.Values)
	}
	return out
}

// benchEnv is a SQLite store with one account holding n meters.
func benchEnv(b *testing.B, n int) (*env, auth.User, []Meter) {
	d := dbtest.SQLiteFile(b, testMigrations())
	e := newEnv(b, d)
	e.svc.SetClock(time.Now)
	u, err := e.auth.CreateUser(e.ctx, "banc@test.example", "Banc d'essai", "correct horse battery staple", web.RoleMember)
	if err != nil {
		b.Fatal(err)
	}
	ms := make([]Meter, n)
	for i := range ms {
		if ms[i], err = e.svc.AddMeter(e.ctx, u.ID, fmt.Sprintf("%014d", 40000000000000+i), "", "29039"); err != nil {
			b.Fatal(err)
		}
	}
	return e, u, ms
}

// BenchmarkImport1000MeterYears imports 1,000 meters × 1 year at 30
// minutes (17.5 million points) from customer export files on disk into
// SQLite, and reports points/s, MB/s of files and bytes per point on disk.
// Run it alone: go test ./internal/regie -run '^$' -bench Import1000 -benchtime 1x
func BenchmarkImport1000MeterYears(b *testing.B) {
	const meters = 1000
	bases := benchProfiles(b)
	start, _ := energy.YearBounds(benchYear, parisLoc)
	dir := b.TempDir()
	var fileBytes int64
	paths := make([]string, meters)
	for i := range paths {
		wh := vary(bases[i%len(bases)], 2500+float64(i%40)*100, uint64(i))
		w := make([]int64, len(wh))
		for j, v := range wh {
			w[j] = 2 * v // W over a half-hour
		}
		paths[i] = filepath.Join(dir, fmt.Sprintf("compteur-%04d.csv", i))
		f, err := os.Create(paths[i])
		if err != nil {
			b.Fatal(err)
		}
		if err := meterfile.WriteCustomerExport(f, fmt.Sprintf("%014d", 40000000000000+i), start, 30*time.Minute, w); err != nil {
			b.Fatal(err)
		}
		st, _ := f.Stat()
		fileBytes += st.Size()
		f.Close()
	}
	b.ResetTimer()
	for it := 0; it < b.N; it++ {
		b.StopTimer()
		e, u, ms := benchEnv(b, meters)
		items := make([]ImportItem, meters)
		for i := range items {
			p := paths[i]
			items[i] = ImportItem{UserID: u.ID, PRM: ms[i].PRM, Load: func() ([]byte, error) { return os.ReadFile(p) }}
		}
		b.StartTimer()
		t0 := time.Now()
		res, err := e.svc.ImportMany(e.ctx, items, 5000)
		if err != nil {
			b.Fatal(err)
		}
		el := time.Since(t0)
		b.StopTimer()
		points := 0
		for _, r := range res {
			points += r.Added
		}
		if points != meters*17520 {
			b.Fatalf("%d points stored", points)
		}
		if _, err := e.db.W.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			b.Fatal(err)
		}
		var blockBytes int64
		if err := e.db.R.QueryRow(`SELECT sum(length(data)) FROM regie_readings`).Scan(&blockBytes); err != nil {
			b.Fatal(err)
		}
		st, err := os.Stat(e.db.Path)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(points)/el.Seconds(), "points/s")
		b.ReportMetric(float64(fileBytes)/1e6/el.Seconds(), "MB/s")
		b.ReportMetric(float64(st.Size())/float64(points), "B/point_on_disk")
		b.ReportMetric(float64(blockBytes)/float64(points), "B/point_blocks")
		b.ReportMetric(el.Seconds(), "s/import")
		b.StartTimer()
	}
}

// seedYears stores n meter-years directly (no files) for the read benchmarks.
func seedYears(b *testing.B, e *env, u auth.User, ms []Meter) {
	bases := benchProfiles(b)
	start, _ := energy.YearBounds(benchYear, parisLoc)
	var batch []*prepared
	flush := func() {
		if err := e.db.Tx(e.ctx, func(tx *sql.Tx) error { _, err := e.svc.commit(e.ctx, tx, batch); return err }); err != nil {
			b.Fatal(err)
		}
		batch = batch[:0]
	}
	for i, m := range ms {
		p, err := demoPrepared(m, u.ID, start, vary(bases[i%len(bases)], 2500+float64(i%40)*100, uint64(i)), meterfile.FlowConsumption)
		if err != nil {
			b.Fatal(err)
		}
		batch = append(batch, p)
		if len(batch) == 50 {
			flush()
		}
	}
	if len(batch) > 0 {
		flush()
	}
}

// BenchmarkReadMeterYear reads one meter-year at 30 minutes through the
// door (owner rule, journaled), the page's and API's path.
func BenchmarkReadMeterYear(b *testing.B) {
	e, u, ms := benchEnv(b, 1)
	seedYears(b, e, u, ms)
	from, to := energy.YearBounds(benchYear, parisLoc)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c, err := e.svc.ReadCurve(context.Background(), CurveRequest{Reader: Reader{UserID: u.ID}, PRM: ms[0].PRM, From: from, To: to, Step: StepPT30M})
		if err != nil {
			b.Fatal(err)
		}
		if c.Len() != 17520 {
			b.Fatalf("%d values", c.Len())
		}
	}
}

// BenchmarkReadMeterYearUnderConsent is the same read by a recipient.
func BenchmarkReadMeterYearUnderConsent(b *testing.B) {
	e, u, ms := benchEnv(b, 1)
	seedYears(b, e, u, ms)
	rec, err := e.svc.CreateRecipient(e.ctx, 0, RecipientSpec{Kind: KindCommunity, Name: "Communauté"})
	if err != nil {
		b.Fatal(err)
	}
	agent, err := e.auth.CreateUser(e.ctx, "agent@test.example", "Agent", "correct horse battery staple", web.RoleMember)
	if err != nil {
		b.Fatal(err)
	}
	if err := e.svc.AddRecipientMember(e.ctx, 0, rec.ID, agent.ID); err != nil {
		b.Fatal(err)
	}
	from, to := energy.YearBounds(benchYear, parisLoc)
	rd := Reader{UserID: agent.ID, RecipientID: rec.ID}
	c, err := e.svc.RequestConsent(e.ctx, rd, ConsentRequest{HouseholdEmail: u.Email, Purpose: PurposeACC, Categories: []string{"load_curve"},
		DataFrom: from, DataTo: to, Resolution: StepPT30M, ValidityMonths: 12})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := e.svc.Give(e.ctx, u.ID, c.ID, nil); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cur, err := e.svc.ReadCurve(context.Background(), CurveRequest{Reader: rd, ConsentID: c.ID, PRM: ms[0].PRM, From: from, To: to, Step: StepPT30M})
		if err != nil || cur.Len() != 17520 {
			b.Fatal(err, cur.Len())
		}
	}
}

// BenchmarkAggregate1000MeterYears sums 1,000 meter-years at 30 minutes
// under consent, with the secrecy rules, through the door.
func BenchmarkAggregate1000MeterYears(b *testing.B) {
	e, u, ms := benchEnv(b, 1000)
	seedYears(b, e, u, ms)
	rec, err := e.svc.CreateRecipient(e.ctx, 0, RecipientSpec{Kind: KindTerritory, Name: "Agglomération", TerritoryKind: "epci", TerritoryCode: "242900769"})
	if err != nil {
		b.Fatal(err)
	}
	agent, err := e.auth.CreateUser(e.ctx, "agent@test.example", "Agent", "correct horse battery staple", web.RoleMember)
	if err != nil {
		b.Fatal(err)
	}
	if err := e.svc.AddRecipientMember(e.ctx, 0, rec.ID, agent.ID); err != nil {
		b.Fatal(err)
	}
	from, to := energy.YearBounds(benchYear, parisLoc)
	rd := Reader{UserID: agent.ID, RecipientID: rec.ID}
	c, err := e.svc.RequestConsent(e.ctx, rd, ConsentRequest{HouseholdEmail: u.Email, Purpose: PurposeClimatePlan, Categories: []string{"load_curve"},
		DataFrom: from, DataTo: to, Resolution: StepPT30M, ValidityMonths: 12, Mode: ModeAggregate})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := e.svc.Give(e.ctx, u.ID, c.ID, nil); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		a, err := e.svc.Aggregate(context.Background(), AggregateRequest{Reader: rd, Consents: []int64{c.ID}, From: from, To: to, Step: StepPT30M})
		if err != nil {
			b.Fatal(err)
		}
		if a.Meters != 1000 || len(a.Sum) != 17520 || a.MaskedSmall != 0 {
			b.Fatalf("aggregate of %d meters, %d steps, %d masked", a.Meters, len(a.Sum), a.MaskedSmall)
		}
	}
}
