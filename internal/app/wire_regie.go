package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/fabrique-des-energies/fabrique/internal/auth"
	"github.com/fabrique-des-energies/fabrique/internal/platform/db"
	"github.com/fabrique-des-energies/fabrique/internal/platform/demo"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
	"github.com/fabrique-des-energies/fabrique/internal/regie"
	"github.com/fabrique-des-energies/fabrique/internal/regie/meterfile"
)

// regieParts holds the data trust (régie de données): meters, readings,
// consents, the one door to household data, aggregates and the journal.
type regieParts struct {
	Regie *regie.Service
}

func init() {
	register(capability{name: "regie", order: 50, migrations: func() []db.Migrations { return []db.Migrations{regie.Migrations()} }, wire: wireRegie})
	registerCommand(command{"audit verify", "check the data trust's hash-chained journal; exit status 1 names the first bad entry", runAuditVerify})
	registerCommand(command{"regie recipient add", "create a data recipient (community, territory, researcher) and appoint the accounts acting for it", runRegieRecipientAdd})
	registerCommand(command{"regie import", "import a readings file for a household's meter (the meter is registered when missing)", runRegieImport})
}

// regieSettings reads the secrecy settings from the serve flags or, for
// the other commands, the environment; they can only be made stricter than
// the rules (at least 10 meters, dominance at most 85 %).
func regieSettings(cfg Config) (regie.Settings, error) {
	st := regie.DefaultSettings()
	minCohort, dominance := cfg.RegieMinCohort, cfg.RegieDominance
	if minCohort == "" {
		minCohort = os.Getenv("FABRIQUE_REGIE_MIN_COHORT")
	}
	if dominance == "" {
		dominance = os.Getenv("FABRIQUE_REGIE_DOMINANCE")
	}
	if v := strings.TrimSpace(minCohort); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return st, fmt.Errorf("FABRIQUE_REGIE_MIN_COHORT=%q: a whole number of meters is expected", v)
		}
		st.MinCohort = n
	}
	if v := strings.TrimSpace(dominance); v != "" {
		x, err := strconv.ParseFloat(strings.ReplaceAll(v, ",", "."), 64)
		if err != nil {
			return st, fmt.Errorf("FABRIQUE_REGIE_DOMINANCE=%q: a share between 0.5 and 0.85 is expected", v)
		}
		st.Dominance = x
	}
	if err := st.Validate(); err != nil {
		return st, fmt.Errorf("data trust settings: %w", err)
	}
	return st, nil
}

func wireRegie(ctx context.Context, a *App) error {
	st, err := regieSettings(a.Cfg)
	if err != nil {
		return err
	}
	svc, err := regie.New(a.DB, a.Log, a.Auth, a.Terr, st)
	if err != nil {
		return err
	}
	a.Regie = svc
	// Deleting an account erases its readings and consents in the same transaction.
	a.Auth.OnDelete(svc.EraseAccount)
	svc.Mount(a.Web, regie.DemoSamples)
	a.API.MustAdd(regie.OpenAPI())
	a.AddSeeder(demo.Seeder{Name: "regie", Run: func(ctx context.Context) error {
		return svc.SeedDemo(ctx, regie.DemoPeople{
			Household:   "camille.martin@demo.example",
			PVHousehold: "ines.bernard@demo.example",
			Community:   "yann.le-goff@demo.example",
			Territory:   "paul.roux@demo.example",
		}, func(ctx context.Context, email, name string) (int64, error) {
			// Example households sign in nowhere: their password is thrown away.
			u, err := a.Auth.CreateUser(ctx, email, name, auth.GeneratePassword(), web.RoleMember)
			return u.ID, err
		})
	}})
	return nil
}

func runAuditVerify(ctx context.Context, env *Env, args []string) error {
	var cfg Config
	fs := newFlagSet("audit verify", "Check the data trust's journal: numbering, hash chain, columns against content, subject index and head. Exit status 0 when the chain holds, 1 naming the first bad entry otherwise.", env.Stderr)
	storeFlags(fs, &cfg)
	if err := parse(fs, args); err != nil {
		return err
	}
	return withStore(ctx, env, cfg, func(a *App) error {
		res, err := a.Regie.VerifyJournal(ctx)
		var ce *regie.ChainError
		if errors.As(err, &ce) {
			return fmt.Errorf("journal altéré à l'entrée n° %d : %s (journal broken at entry %d: %s)", ce.Seq, ce.Message.FR, ce.Seq, ce.Message.EN)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "journal intact : %d entrées, empreinte de tête %s (journal holds: %d entries)\n", res.Entries, res.Head, res.Entries)
		return nil
	})
}

func runRegieRecipientAdd(ctx context.Context, env *Env, args []string) error {
	var cfg Config
	var sp regie.RecipientSpec
	var kind, members string
	fs := newFlagSet("regie recipient add", "Create a data recipient and appoint the accounts that act for it.", env.Stderr)
	fs.StringVar(&kind, "kind", "", "community, territory or researcher (required)")
	fs.StringVar(&sp.Name, "name", "", "name of the recipient (required)")
	fs.StringVar(&sp.SIREN, "siren", "", "SIREN number, when known")
	fs.StringVar(&sp.TerritoryKind, "territory-kind", "", "territory kind: commune, epci, departement or region")
	fs.StringVar(&sp.TerritoryCode, "territory-code", "", "territory code (INSEE code or EPCI SIREN)")
	fs.StringVar(&sp.Ref, "ref", "", "reference of the actor in another capability (unique)")
	fs.StringVar(&members, "member", "", "email addresses of the accounts acting for it, comma-separated")
	storeFlags(fs, &cfg)
	if err := parse(fs, args); err != nil {
		return err
	}
	if kind == "" || sp.Name == "" {
		return usageError{"--kind and --name are required"}
	}
	sp.Kind = regie.RecipientKind(kind)
	return withStore(ctx, env, cfg, func(a *App) error {
		r, err := a.Regie.CreateRecipient(ctx, 0, sp)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "recipient %d created: %s (%s)\n", r.ID, r.Name, r.Kind)
		for _, email := range strings.Split(members, ",") {
			if email = strings.TrimSpace(email); email == "" {
				continue
			}
			u, err := a.Auth.UserByEmail(ctx, email)
			if err != nil {
				return err
			}
			if err := a.Regie.AddRecipientMember(ctx, 0, r.ID, u.ID); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "%s acts for recipient %d\n", u.Email, r.ID)
		}
		return nil
	})
}

func runRegieImport(ctx context.Context, env *Env, args []string) error {
	var cfg Config
	var email, prm, file, format, flow string
	fs := newFlagSet("regie import", "Import a readings file for a household's meter; the format is detected unless --format says it. The whole file is refused, naming the line, when one row is malformed.", env.Stderr)
	fs.StringVar(&email, "email", "", "email address of the household's account (required)")
	fs.StringVar(&prm, "prm", "", "the meter's PRM, 14 digits (required)")
	fs.StringVar(&file, "file", "", "the readings file (required)")
	fs.StringVar(&format, "format", "", "force a format: "+formatList())
	fs.StringVar(&flow, "flow", "", "keep one flow of a file mixing both: consumption or production")
	storeFlags(fs, &cfg)
	if err := parse(fs, args); err != nil {
		return err
	}
	if email == "" || prm == "" || file == "" {
		return usageError{"--email, --prm and --file are required"}
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	return withStore(ctx, env, cfg, func(a *App) error {
		u, err := a.Auth.UserByEmail(ctx, email)
		if err != nil {
			return err
		}
		if _, err := a.Regie.OwnMeter(ctx, u.ID, prm); err != nil {
			if _, err := a.Regie.AddMeter(ctx, u.ID, prm, "", ""); err != nil {
				return err
			}
		}
		res, err := a.Regie.Import(ctx, u.ID, prm, data, regie.ImportOptions{Format: meterfile.Format(format), Flow: meterfile.Flow(flow), Filename: file})
		if err != nil {
			return err
		}
		fmt.Fprintln(env.Stdout, res.Summary().FR)
		return nil
	})
}

func formatList() string {
	var s []string
	for _, f := range meterfile.Formats() {
		s = append(s, string(f))
	}
	return strings.Join(s, ", ")
}
