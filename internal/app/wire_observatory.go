package app

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/fabrique-des-energies/fabrique/internal/auth"
	"github.com/fabrique-des-energies/fabrique/internal/observatory"
	"github.com/fabrique-des-energies/fabrique/internal/platform/db"
	"github.com/fabrique-des-energies/fabrique/internal/platform/demo"
	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
)

// observatoryParts holds the observatory capability's services.
type observatoryParts struct {
	Observatory    *observatory.Service
	ObservatoryWeb *observatory.Handlers
}

func init() {
	register(capability{
		name:       "observatory",
		order:      40,
		migrations: func() []db.Migrations { return []db.Migrations{observatory.Migrations()} },
		wire:       wireObservatory,
	})
	registerCommand(command{"import communities", "import energy communities from a CSV file, all or nothing, updating by slug (--dry-run to check only)", runImportCommunities})
}

func wireObservatory(ctx context.Context, a *App) error {
	svc := observatory.New(a.DB, a.Terr, a.Log)
	svc.SetUsers(observatoryUsers{a.Auth})
	if a.Commons != nil {
		svc.SetResources(observatoryResources{a})
	}
	// A deleted account's follow-up entries stay, without its name.
	a.Auth.OnDelete(observatory.ForgetAuthor)
	a.Observatory = svc
	a.ObservatoryWeb = svc.Mount(a.Web)
	a.API.MustAdd(observatory.OpenAPI())
	a.Site.AddTerritorySection(a.ObservatoryWeb.TerritorySection)
	a.Site.AddHomeBlock(a.ObservatoryWeb.HomeBlock)
	a.AddSeeder(demo.Seeder{Name: "observatory", Run: svc.SeedDemo})
	return nil
}

// observatoryUsers lets the observatory name and find the accounts that
// manage communities, through the accounts service.
type observatoryUsers struct{ auth *auth.Service }

func (u observatoryUsers) LookupEmail(ctx context.Context, email string) (int64, string, error) {
	usr, err := u.auth.UserByEmail(ctx, email)
	return usr.ID, usr.Name, err
}

func (u observatoryUsers) LookupID(ctx context.Context, id int64) (string, string, error) {
	usr, err := u.auth.UserByID(ctx, id)
	return usr.Name, usr.Email, err
}

// observatoryResources names the resources of the commons that
// accompaniments link to, through the commons service (hidden resources
// and unknown slugs stay plain slugs).
type observatoryResources struct{ a *App }

func (r observatoryResources) ResourceRefs(ctx context.Context, slugs []string) (map[string]observatory.ResourceRef, error) {
	out := map[string]observatory.ResourceRef{}
	for _, slug := range slugs {
		if _, done := out[slug]; done {
			continue
		}
		res, err := r.a.Commons.Resource(ctx, slug)
		if errs.Is(err, errs.NotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if !res.Hidden {
			out[slug] = observatory.ResourceRef{Slug: slug, Title: res.Title, URL: "/ressources/" + slug}
		}
	}
	return out, nil
}

// runImportCommunities is `fabrique import communities FILE.csv [--dry-run]`.
func runImportCommunities(ctx context.Context, env *Env, args []string) error {
	var cfg Config
	var dryRun bool
	fs := newFlagSet("import communities FILE.csv", "Import energy communities from a CSV file (columns: see docs/observatory.md). All or nothing: "+
		"with a single bad line nothing is written and every problem is listed with its line, column and reason. A line whose slug exists updates that community.", env.Stderr)
	fs.BoolVar(&dryRun, "dry-run", false, "check the file and report what would change, without writing anything")
	storeFlags(fs, &cfg)
	// The file may come before or after the flags.
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return usageError{err.Error()}
	}
	rest := fs.Args()
	if len(rest) == 0 {
		return usageError{"give the CSV file to import: fabrique import communities FILE.csv [--dry-run]"}
	}
	file := rest[0]
	if err := parse(fs, rest[1:]); err != nil {
		return err
	}
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("open %s: %w", file, err)
	}
	defer f.Close()
	return withStore(ctx, env, cfg, func(a *App) error {
		rep, err := a.Observatory.Import(ctx, nil, f, dryRun)
		if err != nil {
			return err
		}
		if !dryRun {
			fmt.Fprintf(env.Stdout, "%s: %d line(s) imported: %d created, %d updated\n", file, rep.Rows, rep.Created, rep.Updated)
			return nil
		}
		fmt.Fprintf(env.Stdout, "%s: %d line(s) checked, nothing written (dry run): %d would be created, %d updated\n", file, rep.Rows, rep.Created, rep.Updated)
		for _, l := range rep.Lines {
			fmt.Fprintf(env.Stdout, "  line %d: %s %s\n", l.Line, l.Action, l.Slug)
		}
		return nil
	})
}
