package app

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/fabrique-des-energies/fabrique/internal/auth"
	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
)

// Env is what a command may use besides its arguments.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// command is one entry of the command line ("user add", "acc allocate" …).
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *Env, args []string) error
}

var commands []command

// registerCommand adds a command; capability wire files call it from init.
func registerCommand(c command) {
	commands = append(commands, c)
	sort.Slice(commands, func(i, j int) bool { return commands[i].name < commands[j].name })
}

// usageError marks a misuse of the command line (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func init() {
	registerCommand(command{"serve", "run the web application (HTML pages, JSON API, open data)", runServe})
	registerCommand(command{"migrate", "apply the database migrations and exit", runMigrate})
	registerCommand(command{"version", "print the version", runVersion})
	registerCommand(command{"user add", "create an account (password read from stdin, or generated and printed once)", runUserAdd})
	registerCommand(command{"token create", "create an API bearer token for an account and print it once", runTokenCreate})
	registerCommand(command{"backup", "write a consistent copy of the SQLite store while the server runs", runBackup})
}

func printUsage(w io.Writer) {
	fmt.Fprintf(w, "Fabrique — système d'information ouvert de la Fabrique des Énergies (%s)\n\nUsage: fabrique <command> [flags]\n\nCommands:\n", Version())
	for _, c := range commands {
		fmt.Fprintf(w, "  %-18s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nRun \"fabrique <command> --help\" for the flags of a command; every flag also reads an environment variable (FABRIQUE_…).\n")
}

// Main runs the command line and returns the process exit status.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "--help" || args[0] == "-h" {
		printUsage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	var cmd *command
	var rest []string
	for i := range commands {
		words := strings.Fields(commands[i].name)
		if len(args) >= len(words) && strings.Join(args[:len(words)], " ") == commands[i].name {
			if cmd == nil || len(words) > len(strings.Fields(cmd.name)) {
				cmd, rest = &commands[i], args[len(words):]
			}
		}
	}
	if cmd == nil {
		fmt.Fprintf(stderr, "fabrique: unknown command %q\n\n", strings.Join(args, " "))
		printUsage(stderr)
		return 2
	}
	env := &Env{Stdin: stdin, Stdout: stdout, Stderr: stderr}
	err := cmd.run(ctx, env, rest)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	}
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "fabrique %s: %s\n", cmd.name, ue.msg)
		return 2
	}
	fmt.Fprintf(stderr, "fabrique %s: %s\n", cmd.name, describe(err))
	return 1
}

// describe renders an error for a terminal: French, then English, with
// its details (line, column, field) one per line.
func describe(err error) string {
	e, ok := errs.As(err)
	if !ok {
		return err.Error()
	}
	var b strings.Builder
	b.WriteString(e.Message.FR)
	if e.Message.EN != "" && e.Message.EN != e.Message.FR {
		b.WriteString(" / " + e.Message.EN)
	}
	for _, d := range e.Details {
		b.WriteString("\n  - ")
		b.WriteString(d.String())
	}
	if e.Err != nil && e.Code != errs.Internal {
		b.WriteString(" (" + e.Err.Error() + ")")
	} else if e.Err != nil {
		b.WriteString("\n  cause: " + e.Err.Error())
	}
	return b.String()
}

// parse parses flags, turning flag errors into usage errors.
func parse(fs *flag.FlagSet, args []string) error {
	if err := parseWithEnv(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q (see --help)", fs.Arg(0))}
	}
	return nil
}

func runServe(ctx context.Context, env *Env, args []string) error {
	var cfg Config
	fs := newFlagSet("serve", "Run the web application. With --demo, example content is loaded once (a second start adds nothing).", env.Stderr)
	fs.StringVar(&cfg.Addr, "addr", "127.0.0.1:8080", "address to listen on (host:port)")
	storeFlags(fs, &cfg)
	fs.BoolVar(&cfg.Demo, "demo", false, "load the demo content (accounts, resources, communities, households…) if not loaded yet")
	fs.StringVar(&cfg.BaseURL, "base-url", "", "public URL of the site, used in links, feeds and catalogues (default http://<addr>)")
	fs.StringVar(&cfg.TileURL, "tile-url", web.DefaultTileURL, "map tile URL template for interactive maps")
	fs.StringVar(&cfg.ShutdownTimeout, "shutdown-timeout", "30s", "how long in-flight requests may take to finish after SIGTERM")
	fs.StringVar(&cfg.SourceURL, "source-url", web.DefaultSourceURL, "where visitors can get the source code (shown in the footer, AGPL section 13)")
	fs.StringVar(&cfg.RegieMinCohort, "regie-min-cohort", "", "data trust: fewest meters in a published aggregate (10 by law; only higher values are accepted)")
	fs.StringVar(&cfg.RegieDominance, "regie-dominance", "", "data trust: share of a step's total above which one meter masks the step (0.85 by convention; only lower values are accepted)")
	fs.StringVar(&cfg.TrustedProxies, "trusted-proxies", "", "comma-separated networks of reverse proxies whose X-Forwarded-For is believed (for per-address login limits)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = "http://" + cfg.Addr
	}
	log := newLogger(cfg, env.Stderr)
	a, err := Build(ctx, cfg, log)
	if err != nil {
		return err
	}
	if cfg.Demo {
		if err := a.LoadDemo(ctx); err != nil {
			a.DB.Close()
			return err
		}
	}
	return a.Serve(ctx)
}

// withStore runs fn with a migrated store and the wired services.
func withStore(ctx context.Context, env *Env, cfg Config, fn func(a *App) error) error {
	log := newLogger(cfg, env.Stderr)
	a, err := Build(ctx, cfg, log)
	if err != nil {
		return err
	}
	a.Stdout = env.Stdout
	defer a.DB.Close()
	return fn(a)
}

func runMigrate(ctx context.Context, env *Env, args []string) error {
	var cfg Config
	fs := newFlagSet("migrate", "Apply the database migrations and exit.", env.Stderr)
	storeFlags(fs, &cfg)
	if err := parse(fs, args); err != nil {
		return err
	}
	log := newLogger(cfg, env.Stderr)
	store, err := Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer store.Close()
	fmt.Fprintf(env.Stdout, "database is up to date (%s)\n", store.Dialect)
	return nil
}

func runVersion(ctx context.Context, env *Env, args []string) error {
	fmt.Fprintf(env.Stdout, "fabrique %s\n", Version())
	return nil
}

// readPassword reads a password from a pipe or file on stdin; it returns ""
// when stdin is a terminal or empty.
func readPassword(stdin io.Reader) (string, error) {
	if f, ok := stdin.(*os.File); ok {
		st, err := f.Stat()
		if err != nil || st.Mode()&os.ModeCharDevice != 0 {
			return "", nil
		}
	}
	if stdin == nil {
		return "", nil
	}
	line, err := bufio.NewReader(io.LimitReader(stdin, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func runUserAdd(ctx context.Context, env *Env, args []string) error {
	var cfg Config
	var email, name, role string
	fs := newFlagSet("user add", "Create an account. The password is read from stdin (first line); when stdin is empty or a terminal, a strong password is generated and printed once.", env.Stderr)
	fs.StringVar(&email, "email", "", "email address of the account (required)")
	fs.StringVar(&name, "name", "", "display name (required)")
	fs.StringVar(&role, "role", "member", "role: admin, moderator or member")
	storeFlags(fs, &cfg)
	if err := parse(fs, args); err != nil {
		return err
	}
	if email == "" || name == "" {
		return usageError{"--email and --name are required"}
	}
	pw, err := readPassword(env.Stdin)
	if err != nil {
		return err
	}
	generated := pw == ""
	if generated {
		pw = auth.GeneratePassword()
	}
	return withStore(ctx, env, cfg, func(a *App) error {
		u, err := a.Auth.CreateUser(ctx, email, name, pw, web.Role(role))
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "account %d created: %s (%s)\n", u.ID, u.Email, u.Role)
		if generated {
			fmt.Fprintf(env.Stdout, "password (shown once): %s\n", pw)
		}
		return nil
	})
}

func runTokenCreate(ctx context.Context, env *Env, args []string) error {
	var cfg Config
	var email, label string
	fs := newFlagSet("token create", "Create an API bearer token for an account and print it once (only its hash is stored).", env.Stderr)
	fs.StringVar(&email, "email", "", "email address of the account (required)")
	fs.StringVar(&label, "label", "", "label to recognise the token later")
	storeFlags(fs, &cfg)
	if err := parse(fs, args); err != nil {
		return err
	}
	if email == "" {
		return usageError{"--email is required"}
	}
	return withStore(ctx, env, cfg, func(a *App) error {
		u, err := a.Auth.UserByEmail(ctx, email)
		if err != nil {
			return err
		}
		secret, _, err := a.Auth.CreateToken(ctx, u.ID, label)
		if err != nil {
			return err
		}
		fmt.Fprintln(env.Stdout, secret)
		return nil
	})
}

func runBackup(ctx context.Context, env *Env, args []string) error {
	var cfg Config
	var to string
	fs := newFlagSet("backup", "Write a consistent copy of the embedded SQLite store to a new file, while a server may be using it. On PostgreSQL, use pg_dump.", env.Stderr)
	fs.StringVar(&to, "to", "", "file to write (must not exist)")
	storeFlags(fs, &cfg)
	if err := parse(fs, args); err != nil {
		return err
	}
	if to == "" {
		return usageError{"--to is required"}
	}
	log := newLogger(cfg, env.Stderr)
	store, err := Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.Backup(ctx, to); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "backup written to %s\n", to)
	return nil
}
