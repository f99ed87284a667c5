package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/acc"
	"github.com/fabrique-des-energies/fabrique/internal/acc/accfile"
	"github.com/fabrique-des-energies/fabrique/internal/platform/db"
	"github.com/fabrique-des-energies/fabrique/internal/platform/demo"
	"github.com/fabrique-des-energies/fabrique/internal/territory"
)

// accParts holds the collective self-consumption capability's services.
type accParts struct {
	Acc         *acc.Service
	AccHandlers *acc.Handlers
}

func init() {
	register(capability{name: "acc", order: 60, migrations: func() []db.Migrations { return []db.Migrations{acc.Migrations()} }, wire: wireAcc})
	registerCommand(command{"acc allocate", "split local production among consumers with an allocation key (CSV in, CSV/JSON out)", runAccAllocate})
	registerCommand(command{"synth", "write synthetic PV production (synth pv) or consumption (synth load) in the allocate input layout", runSynth})
}

func wireAcc(ctx context.Context, a *App) error {
	svc := acc.New(a.DB, a.Terr, a.Log)
	if a.Regie != nil {
		// Participants' curves shared under consent come through the data
		// trust's one door, never from its tables.
		svc.SetCurveSource(acc.RegieSource{R: a.Regie})
	}
	a.Acc = svc
	// The demo readings cover the last full year: its June is the sample month.
	month := fmt.Sprintf("%d-06", acc.DemoYear(time.Now()))
	a.AccHandlers = svc.Mount(a.Web, acc.Samples{Operation: 1, Month: month})
	a.API.MustAdd(acc.OpenAPI())
	a.Site.AddTerritorySection(a.AccHandlers.TerritorySection)
	a.AddSeeder(demo.Seeder{Name: "acc", Run: func(ctx context.Context) error {
		prats, err := a.Auth.UserByEmail(ctx, "ines.bernard@demo.example")
		if err != nil {
			return err
		}
		people := acc.DemoPeople{Prats: prats.ID}
		if u, err := a.Auth.UserByEmail(ctx, "yann.le-goff@demo.example"); err == nil {
			people.Concarneau = u.ID
		}
		return svc.SeedDemo(ctx, people)
	}})
	return nil
}

// accUsage turns the allocate/synth command-line misuse into exit status 2.
func accUsage(err error) error {
	var ue *accfile.UsageError
	if errors.As(err, &ue) {
		return usageError{ue.Error()}
	}
	return err
}

func runAccAllocate(ctx context.Context, env *Env, args []string) error {
	return accUsage(accfile.Allocate(ctx, args, env.Stdout, env.Stderr))
}

func runSynth(ctx context.Context, env *Env, args []string) error {
	locate := func(code string) (float64, float64, string, bool) {
		t, ok := territory.Default().Get(territory.Commune, code)
		if !ok || !t.Located() {
			return 0, 0, "", false
		}
		return t.Lat, t.Lon, t.Name, true
	}
	return accUsage(accfile.Synth(ctx, args, env.Stdout, env.Stderr, locate))
}
