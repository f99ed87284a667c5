package acc

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/auth"
	"github.com/fabrique-des-energies/fabrique/internal/energy"
	"github.com/fabrique-des-energies/fabrique/internal/platform/db"
	"github.com/fabrique-des-energies/fabrique/internal/platform/db/dbtest"
	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
	"github.com/fabrique-des-energies/fabrique/internal/regie/meterfile"
	"github.com/fabrique-des-energies/fabrique/internal/territory"
)

func migrations() []db.Migrations { return []db.Migrations{auth.Migrations(), Migrations()} }

// fixture is a store with two accounts and the service.
type fixture struct {
	svc          *Service
	owner, other *web.Identity
	admin        *web.Identity
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	a := auth.New(d, nil)
	mk := func(email string, role web.Role) *web.Identity {
		u, err := a.CreateUser(context.Background(), email, "Test", "correct horse battery staple", role)
		if err != nil {
			t.Fatal(err)
		}
		return &web.Identity{UserID: u.ID, Email: email, Role: role}
	}
	f := &fixture{svc: New(d, territory.Default(), nil)}
	f.svc.SetClock(func() time.Time { return june2025 })
	f.owner = mk("pmo@test.example", web.RoleMember)
	f.other = mk("other@test.example", web.RoleMember)
	f.admin = mk("admin@test.example", web.RoleAdmin)
	return f
}

// demoInput is a small operation at Prats: two producers, three consumers.
func demoInput(key string) Input {
	in := Input{Name: "Soleil du Tech", Organiser: "Énergies citoyennes du Vallespir", Community: "energies-citoyennes-du-vallespir",
		StepMinutes: 15, Key: key, Regime: "2km", StartDate: "2024-01-01",
		Participants: []ParticipantInput{
			{Role: "producer", Name: "Toiture de l'école", PRM: "30000000000001", Commune: "66150", KWc: "36"},
			{Role: "producer", Name: "Ombrière du parking", PRM: "30000000000002", Commune: "66150", KWc: "9"},
			{Role: "consumer", Name: "École", PRM: "30000000000011", Commune: "66150", Coefficient: "0.5", Rank: "1"},
			{Role: "consumer", Name: "Maison Roig", PRM: "30000000000012", Commune: "66150", Coefficient: "0.25", Rank: "2"},
			{Role: "consumer", Name: "Maison Pujol", PRM: "30000000000013", Commune: "66150", Coefficient: "25 %", Rank: "2"},
		}}
	return in
}

// tableCSV writes series in the allocate layout (kWh per step, start of step).
func tableCSV(ids []string, cols [][]float64, start time.Time, step time.Duration) string {
	var b strings.Builder
	b.WriteString("timestamp")
	for _, id := range ids {
		b.WriteString(";" + id)
	}
	b.WriteString("\n")
	for t := range cols[0] {
		b.WriteString(start.Add(time.Duration(t) * step).In(energy.Paris()).Format(time.RFC3339))
		for _, c := range cols {
			fmt.Fprintf(&b, ";%.6f", c[t])
		}
		b.WriteString("\n")
	}
	return b.String()
}

// month of synthetic data: production of the two producers and three loads.
func synthMonth(t testing.TB, days int) (start time.Time, prod, cons [][]float64) {
	t.Helper()
	pv, err := energy.SynthPV(energy.PVParams{Lat: pratsLat, Lon: pratsLon, KWc: 1, Year: 2024, Step: 15 * time.Minute, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	// June 2024 (Paris) inside the synthetic year.
	from := time.Date(2024, 6, 1, 0, 0, 0, 0, energy.Paris()).UTC()
	off := int(from.Sub(pv.Start) / (15 * time.Minute))
	n := days * 96
	p1 := make([]float64, n)
	p2 := make([]float64, n)
	for i := range n {
		p1[i] = pv.Values[off+i] * 36
		p2[i] = pv.Values[off+i] * 9
	}
	prod = [][]float64{p1, p2}
	for k, prof := range []energy.LoadProfile{energy.ProfileSchool, energy.ProfileHousehold, energy.ProfileHouseholdWaterHeater} {
		l, err := energy.SynthLoad(energy.LoadParams{Profile: prof, AnnualKWh: []float64{40000, 4500, 6000}[k], Year: 2024, Step: 15 * time.Minute, Seed: uint64(k + 1)})
		if err != nil {
			t.Fatal(err)
		}
		cons = append(cons, append([]float64(nil), l.Values[off:off+n]...))
	}
	return from, prod, cons
}

// stored is what the store keeps of values written with 6 decimals, in kWh.
func stored(vs []float64) []float64 {
	x := make([]float64, len(vs))
	for i, v := range vs {
		x[i], _ = strconv.ParseFloat(strconv.FormatFloat(v, 'f', 6, 64), 64)
	}
	q, _ := Quantize(x, 1000)
	out := make([]float64, len(q))
	for i, v := range q {
		out[i] = float64(v) / 1000
	}
	return out
}

func TestOperationLifecycleAndStatement(t *testing.T) {
	dbtest.Migrated(t, migrations(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		for _, key := range []string{"default", "static", "priority"} {
			t.Run(key, func(t *testing.T) {
				o, _, err := f.svc.Create(ctx, f.owner, demoInput(key))
				if err != nil {
					t.Fatal(err)
				}
				// Only the organiser and administrators see it.
				if _, err := f.svc.Get(ctx, f.other, o.ID); !errs.Is(err, errs.Forbidden) {
					t.Fatalf("another member reads the operation: %v", err)
				}
				if _, err := f.svc.Get(ctx, f.admin, o.ID); err != nil {
					t.Fatal(err)
				}
				if _, _, err := f.svc.Analysis(ctx, f.owner, o.ID); !errs.Is(err, errs.NotFound) {
					t.Fatalf("analysis without readings: %v", err)
				}
				start, prod, cons := synthMonth(t, 30)
				// Producers by PRM, consumers by name.
				if _, err := f.svc.ImportTable(ctx, f.owner, o.ID, ImportProduction, "production.csv",
					strings.NewReader(tableCSV([]string{"30000000000001", "30000000000002"}, prod, start, 15*time.Minute))); err != nil {
					t.Fatal(err)
				}
				rep, err := f.svc.ImportTable(ctx, f.owner, o.ID, ImportConsumption, "consommation.csv",
					strings.NewReader(tableCSV([]string{"École", "maison roig", "30000000000013"}, cons, start, 15*time.Minute)))
				if err != nil {
					t.Fatal(err)
				}
				if len(rep.Lines) != 3 || rep.Lines[0].Steps != 30*96 {
					t.Fatalf("import report %+v", rep)
				}
				o, a, err := f.svc.Analysis(ctx, f.owner, o.ID)
				if err != nil {
					t.Fatal(err)
				}
				// The same allocation straight from the engine, on the stored
				// (Wh-rounded) values.
				n := 30 * 96
				P := make([]float64, n)
				C := energy.NewMatrix(3, n)
				p0, p1 := stored(prod[0]), stored(prod[1])
				for i := range n {
					P[i] = p0[i] + p1[i]
				}
				for j := range 3 {
					for i, v := range stored(cons[j]) {
						C.Set(j, i, v)
					}
				}
				key, _ := o.EngineKey(&Dataset{Consumers: o.Consumers()})
				A := energy.NewMatrix(3, n)
				if err := energy.Allocate(key, P, C, A, nil); err != nil {
					t.Fatal(err)
				}
				st, err := a.Statement(o, "2024-06", june2025)
				if err != nil {
					t.Fatal(err)
				}
				var sumA float64
				for j, c := range st.Consumers {
					var wantC, wantA float64
					for i := range n {
						wantC += C.At(j, i)
						wantA += A.At(j, i)
					}
					sumA += wantA
					if math.Abs(c.Consumption-wantC) > 1e-6 || math.Abs(c.Allocated-wantA) > 1e-6 {
						t.Errorf("%s: consumption %v allocated %v, want %v %v", c.Name, c.Consumption, c.Allocated, wantC, wantA)
					}
					if c.Allocated > c.Consumption+1e-9 || c.Complement() < 0 {
						t.Errorf("%s: allocated above consumption", c.Name)
					}
				}
				var sumP, sumSC float64
				for _, p := range st.Producers {
					sumP += p.Production
					sumSC += p.SelfConsumed
				}
				if math.Abs(sumSC-sumA) > 1e-6 || math.Abs(st.Allocated-sumA) > 1e-6 || math.Abs(st.Surplus()-(sumP-sumA)) > 1e-6 {
					t.Errorf("producers self-consumed %v, allocated %v, statement %v, surplus %v", sumSC, sumA, st.Allocated, st.Surplus())
				}
				var buf bytes.Buffer
				if err := WriteStatementCSV(&buf, st); err != nil {
					t.Fatal(err)
				}
				lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
				if len(lines) != 1+3+2+1 || !strings.HasPrefix(lines[1], "2024-06;consumer;École;30000000000011;upload;") {
					t.Errorf("CSV:\n%s", buf.String())
				}
				if _, err := a.Statement(o, "2023-01", june2025); !errs.Is(err, errs.NotFound) {
					t.Errorf("a month without readings: %v", err)
				}
				// Second analysis comes from the cache, until the data changes.
				_, a2, _ := f.svc.Analysis(ctx, f.owner, o.ID)
				if a2 != a {
					t.Error("analysis not cached")
				}
				if err := f.svc.ClearData(ctx, f.owner, o.ID, o.Consumers()[0].ID); err != nil {
					t.Fatal(err)
				}
				_, a3, err := f.svc.Analysis(ctx, f.owner, o.ID)
				if err != nil || a3 == a || a3.Whole.ConsMissing[0] != n {
					t.Fatalf("after clearing the school: %v, missing %v", err, a3.Whole.ConsMissing)
				}
				if err := f.svc.Delete(ctx, f.other, o.ID); !errs.Is(err, errs.Forbidden) {
					t.Fatalf("delete by another member: %v", err)
				}
			})
		}
	})
}

func TestMeterFileImport(t *testing.T) {
	dbtest.Migrated(t, migrations(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		o, _, err := f.svc.Create(ctx, f.owner, demoInput("default"))
		if err != nil {
			t.Fatal(err)
		}
		// A customer export: average W per 30 min, stamped at the end of the interval.
		start := time.Date(2024, 6, 1, 0, 0, 0, 0, energy.Paris()).UTC()
		watts := make([]int64, 48*7)
		var wh float64
		for i := range watts {
			watts[i] = int64(300 + 200*(i%48)/47)
			wh += math.RoundToEven(float64(watts[i]) / 2) // W over 30 min, rounded as the reader does
		}
		var buf bytes.Buffer
		if err := meterfile.WriteCustomerExport(&buf, "30000000000012", start, 30*time.Minute, watts); err != nil {
			t.Fatal(err)
		}
		roig := o.Consumers()[1]
		rep, err := f.svc.ImportMeterFile(ctx, f.owner, o.ID, roig.ID, "mes-mesures.csv", buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Lines) != 1 || rep.Lines[0].Steps != 96*7 || math.Abs(rep.Lines[0].KWh-wh/1000) > 1e-3 {
			t.Fatalf("report %+v, want %d steps and %v kWh", rep.Lines, 96*7, wh/1000)
		}
		// Another participant's file is refused, naming the PRM problem.
		if _, err := f.svc.ImportMeterFile(ctx, f.owner, o.ID, o.Consumers()[0].ID, "autre.csv", buf.Bytes()); !errs.Is(err, errs.Invalid) {
			t.Fatalf("file of another PRM: %v", err)
		}
		_, a, err := f.svc.Analysis(ctx, f.owner, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got := a.Whole.Consumers[1].Consumption; math.Abs(got-wh/1000) > 1e-3 {
			t.Errorf("consumption %v, want %v", got, wh/1000)
		}
		if a.Whole.ProdMissing[0] != a.Steps || a.Whole.Allocated != 0 {
			t.Errorf("no production uploaded: missing %v, allocated %v", a.Whole.ProdMissing, a.Whole.Allocated)
		}
	})
}

func TestImportErrorsNameLineAndColumn(t *testing.T) {
	dbtest.Migrated(t, migrations(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		o, _, err := f.svc.Create(ctx, f.owner, demoInput("default"))
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name, body, want string
		}{
			{"unknown column", "timestamp;Inconnu\n2024-06-01T00:00:00+02:00;1\n", "colonne 2 « Inconnu »"},
			{"negative", "timestamp;École\n2024-06-01T00:00:00+02:00;1\n2024-06-01T00:15:00+02:00;-1\n", "ligne 3"},
			{"ragged", "timestamp;École;Maison Roig\n2024-06-01T00:00:00+02:00;1\n", "ligne 2"},
		} {
			_, err := f.svc.ImportTable(ctx, f.owner, o.ID, ImportConsumption, "c.csv", strings.NewReader(tc.body))
			e, ok := errs.As(err)
			if !ok || e.Code != errs.Invalid || !strings.Contains(e.Message.FR, tc.want) {
				t.Errorf("%s: %v", tc.name, err)
			}
		}
	})
}

func TestUpdateKeepsReadingsOfKeptParticipants(t *testing.T) {
	dbtest.Migrated(t, migrations(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		o, _, err := f.svc.Create(ctx, f.owner, demoInput("default"))
		if err != nil {
			t.Fatal(err)
		}
		start, prod, cons := synthMonth(t, 2)
		if _, err := f.svc.ImportTable(ctx, f.owner, o.ID, ImportConsumption, "c.csv",
			strings.NewReader(tableCSV([]string{"30000000000011", "30000000000012", "30000000000013"}, cons, start, 15*time.Minute))); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.ImportTable(ctx, f.owner, o.ID, ImportProduction, "p.csv",
			strings.NewReader(tableCSV([]string{"30000000000001", "30000000000002"}, prod, start, 15*time.Minute))); err != nil {
			t.Fatal(err)
		}
		in := demoInput("default")
		in.Participants = append(in.Participants[:2], in.Participants[3:]...) // the school leaves
		in.Participants[2].Name = "Maison Roig-Puig"                          // renamed, same PRM
		o2, _, err := f.svc.Update(ctx, f.owner, o.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		_, a, err := f.svc.Analysis(ctx, f.owner, o2.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(a.Consumers) != 2 || a.Consumers[0].Name != "Maison Roig-Puig" || a.Whole.ConsMissing[0] != 0 {
			t.Fatalf("after the edit: %+v missing %v", a.Consumers, a.Whole.ConsMissing)
		}
		// The step cannot change while readings are stored.
		in.StepMinutes = 30
		if _, _, err := f.svc.Update(ctx, f.owner, o.ID, in); !errs.Is(err, errs.Invalid) {
			t.Fatalf("step change with readings: %v", err)
		}
	})
}

func authFor(d *db.DB) *auth.Service { return auth.New(d, nil) }

func TestLargeFileRefusedNotCut(t *testing.T) {
	dbtest.Migrated(t, migrations(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		o, _, err := f.svc.Create(ctx, f.owner, demoInput("default"))
		if err != nil {
			t.Fatal(err)
		}
		// A valid table longer than the limit: rows of one day repeated.
		head := "timestamp;École\n"
		r := io.MultiReader(strings.NewReader(head), &endless{})
		_, err = f.svc.ImportTable(ctx, f.owner, o.ID, ImportConsumption, "huge.csv", r)
		if !errs.Is(err, errs.TooLarge) {
			t.Fatalf("file beyond %d bytes: %v", MaxUpload, err)
		}
	})
}

// endless writes 15-minute rows forever.
type endless struct {
	t   time.Time
	buf []byte
}

func (e *endless) Read(p []byte) (int, error) {
	if e.t.IsZero() {
		e.t = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	for len(e.buf) < len(p) {
		e.buf = append(e.buf, e.t.Format(time.RFC3339)+";0.25\n"...)
		e.t = e.t.Add(15 * time.Minute)
	}
	n := copy(p, e.buf)
	e.buf = e.buf[n:]
	return n, nil
}
