package app

import (
	"context"
	"errors"

	"github.com/fabrique-des-energies/fabrique/internal/acc/accfile"
	"github.com/fabrique-des-energies/fabrique/internal/territory"
)

// accParts holds the collective self-consumption capability's services.
type accParts struct{}

func init() {
	registerCommand(command{"acc allocate", "split local production among consumers with an allocation key (CSV in, CSV/JSON out)", runAccAllocate})
	registerCommand(command{"synth", "write synthetic PV production (synth pv) or consumption (synth load) in the allocate input layout", runSynth})
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
