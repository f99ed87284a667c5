package app

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/commons"
	"github.com/fabrique-des-energies/fabrique/internal/platform/db"
	"github.com/fabrique-des-energies/fabrique/internal/platform/demo"
	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
)

// commonsParts holds the commons capability (the "Centre de ressources").
type commonsParts struct {
	Commons    *commons.Service
	CommonsWeb *commons.Handlers
}

func init() {
	register(capability{
		name:       "commons",
		order:      30,
		migrations: func() []db.Migrations { return []db.Migrations{commons.Migrations()} },
		wire:       wireCommons,
	})
	registerCommand(command{"harvest add", "register another catalogue to harvest: fabrique harvest add URL [--name N]", runHarvestAdd})
	registerCommand(command{"harvest run", "harvest the registered catalogues now: fabrique harvest run [--source ID]", runHarvestRun})
	registerCommand(command{"import mediawiki", "import a MediaWiki XML export as resources with their history: fabrique import mediawiki FILE.xml", runImportMediaWiki})
}

func wireCommons(ctx context.Context, a *App) error {
	a.Commons = commons.New(a.DB, a.Terr, a.Log, a.Web.Config().BaseURL)
	// Moderators block member accounts; moderators and administrators are managed by the
	// administrators' own tools.
	a.Commons.SetBlocker(func(ctx context.Context, id int64, reason string) (string, error) {
		u, err := a.Auth.UserByID(ctx, id)
		if err != nil {
			return "", err
		}
		if u.Role != web.RoleMember {
			return "", errs.New(errs.Forbidden, "La modération ne bloque que des comptes de membres.", "Moderation only blocks member accounts.")
		}
		return u.Name, a.Auth.Block(ctx, id, reason)
	})
	// A deleted account's contributions stay, without its name.
	a.Auth.OnDelete(func(ctx context.Context, tx *sql.Tx, userID int64) error {
		return commons.ForgetAuthor(ctx, tx, userID)
	})
	a.CommonsWeb = a.Commons.Mount(a.Web)
	a.API.MustAdd(commons.OpenAPI())
	a.Site.AddTerritorySection(a.CommonsWeb.TerritorySection)
	a.Site.AddHomeBlock(a.CommonsWeb.HomeBlock)
	a.AddSeeder(demo.Seeder{Name: "commons", Run: func(ctx context.Context) error {
		users := map[string]commons.Author{}
		for _, email := range commons.DemoAccountEmails {
			u, err := a.Auth.UserByEmail(ctx, email)
			if err != nil {
				return err
			}
			users[email] = commons.Author{UserID: u.ID, Name: u.Name}
		}
		return a.Commons.SeedDemo(ctx, users, commons.DemoAccountEmails[0])
	}})
	return nil
}

// parseArgs parses flags placed before or after positional arguments and returns the
// positional ones.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{err.Error()}
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if err := parseWithEnv(fs, nil); err != nil {
		return nil, usageError{err.Error()}
	}
	return pos, nil
}

func runHarvestAdd(ctx context.Context, env *Env, args []string) error {
	var cfg Config
	var name string
	fs := newFlagSet("harvest add", "Register another fabrique's DCAT-AP catalogue (its /catalog.jsonld address) as a harvest source.", env.Stderr)
	fs.StringVar(&name, "name", "", "name shown for the source (default: the site's host name)")
	storeFlags(fs, &cfg)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"give exactly one catalogue URL, for example: fabrique harvest add https://example.org/catalog.jsonld --name \"Fabrique des Mobilités\""}
	}
	return withStore(ctx, env, cfg, func(a *App) error {
		src, err := a.Commons.AddSource(ctx, pos[0], name, commons.Author{Name: "ligne de commande"})
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "source %d registered: %s (%s)\n", src.ID, src.Name, src.URL)
		return nil
	})
}

func runHarvestRun(ctx context.Context, env *Env, args []string) error {
	var cfg Config
	var source int64
	fs := newFlagSet("harvest run", "Harvest the registered catalogues now (all of them, or one with --source) and print each job's report.", env.Stderr)
	fs.Int64Var(&source, "source", 0, "id of the source to harvest (see the admin page or the output of harvest add); 0 for all")
	storeFlags(fs, &cfg)
	if err := parse(fs, args); err != nil {
		return err
	}
	return withStore(ctx, env, cfg, func(a *App) error {
		var jobs []commons.Job
		var err error
		if source > 0 {
			var j commons.Job
			j, err = a.Commons.Harvest(ctx, source, "ligne de commande")
			if j.ID != 0 {
				jobs = append(jobs, j)
			}
		} else {
			jobs, err = a.Commons.HarvestAll(ctx, "ligne de commande")
		}
		for _, j := range jobs {
			fmt.Fprintf(env.Stdout, "source %d %q: %s — %d created, %d updated, %d unchanged, %d archived, %d error(s)\n",
				j.SourceID, j.SourceName, j.Status, j.Created, j.Updated, j.Unchanged, j.Archived, j.Errors)
			for _, is := range j.Report {
				item := ""
				if is.Item != "" {
					item = is.Item + ": "
				}
				fmt.Fprintf(env.Stdout, "  - %s%s\n", item, is.Message)
			}
		}
		if len(jobs) == 0 && err == nil && source == 0 {
			fmt.Fprintln(env.Stdout, "no source registered: add one with fabrique harvest add URL")
		}
		return err
	})
}

func runImportMediaWiki(ctx context.Context, env *Env, args []string) error {
	var cfg Config
	var opt commons.ImportOptions
	fs := newFlagSet("import mediawiki", "Import a MediaWiki XML export (Special:Export or dumpBackup, with all revisions): one resource per page, every revision kept with its author and date. Importing the same file again changes nothing.", env.Stderr)
	fs.IntVar(&opt.Namespace, "namespace", 0, "namespace of the pages to import (0: main namespace)")
	fs.BoolVar(&opt.DryRun, "dry-run", false, "read and convert everything, write nothing, print what would be imported")
	fs.StringVar(&opt.Licence, "licence", "", "licence of the imported pages, an SPDX identifier such as CC-BY-SA-4.0 (default: not specified)")
	fs.StringVar(&opt.Wiki, "wiki", "", "identifier of the source wiki (default: the export's database name); keep it the same between imports")
	storeFlags(fs, &cfg)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"give exactly one export file, for example: fabrique import mediawiki export.xml --namespace 0"}
	}
	f, err := os.Open(pos[0])
	if err != nil {
		return err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil {
		opt.Size = st.Size()
	}
	pr := newProgress(env.Stderr)
	opt.Progress = pr.show
	return withStore(ctx, env, cfg, func(a *App) error {
		rep, err := a.Commons.ImportMediaWiki(ctx, f, opt)
		pr.clear()
		if rep != nil {
			verb := "imported"
			if rep.DryRun {
				verb = "would import (dry run, nothing written)"
			}
			fmt.Fprintf(env.Stdout, "wiki %q: %d pages read (%d in other namespaces skipped); %s %d new revisions; %d revisions already present\n",
				rep.Wiki, rep.Pages, rep.PagesSkipped, verb, rep.RevisionsAdded, rep.RevisionsKnown)
			fmt.Fprintf(env.Stdout, "pages: %d created, %d updated, %d unchanged; %d revisions in %s (%.0f revisions/s)\n",
				rep.PagesCreated, rep.PagesUpdated, rep.PagesUnchanged, rep.Revisions, rep.Elapsed.Round(time.Millisecond), float64(rep.Revisions)/max(rep.Elapsed.Seconds(), 1e-9))
			for i, is := range rep.Issues {
				if i == 50 {
					fmt.Fprintf(env.Stderr, "… and %d more problems\n", rep.IssueCount-50)
					break
				}
				fmt.Fprintf(env.Stderr, "problem: %s\n", is)
			}
			if err == nil && rep.IssueCount > 0 {
				err = fmt.Errorf("%d revision(s) or page(s) could not be imported (listed above); the rest is imported", rep.IssueCount)
			}
		}
		return err
	})
}

// progress prints an import's progress: one line rewritten in place on a terminal, a line
// every few seconds otherwise.
type progress struct {
	w        io.Writer
	terminal bool
	last     time.Time
	shown    bool
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.terminal = true
		}
	}
	return p
}

func (p *progress) show(ip commons.ImportProgress) {
	if ip.Done {
		return
	}
	if !p.terminal && time.Since(p.last) < 5*time.Second {
		return
	}
	p.last = time.Now()
	pct := ""
	if ip.Size > 0 {
		pct = fmt.Sprintf("%3.0f %% ", 100*float64(ip.Bytes)/float64(ip.Size))
	}
	line := fmt.Sprintf("%s%d pages, %d revisions (%d new), %.0f revisions/s", pct, ip.Pages, ip.Revisions, ip.NewRevisions, ip.RevisionsPerSecond)
	if p.terminal {
		fmt.Fprintf(p.w, "\r\033[K%s", line)
		p.shown = true
		return
	}
	fmt.Fprintln(p.w, line)
}

func (p *progress) clear() {
	if p.terminal && p.shown {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
