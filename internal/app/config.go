package app

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// Config is the whole configuration, from flags with environment fallbacks.
type Config struct {
	Addr        string
	DataDir     string
	DatabaseURL string
	Demo        bool
	BaseURL     string
	TileURL     string
	LogLevel    string
	LogFormat   string
	SourceURL   string
	// Statistical-secrecy settings of the data trust (stricter only).
	RegieMinCohort string
	RegieDominance string
	TrustedProxies string
	// ShutdownTimeout bounds how long in-flight requests may take after SIGTERM.
	ShutdownTimeout string
}

// envName is the environment variable backing a flag: --base-url → FABRIQUE_BASE_URL.
func envName(flagName string) string {
	if flagName == "database" {
		return "FABRIQUE_DATABASE_URL"
	}
	return "FABRIQUE_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// newFlagSet returns a flag set whose usage lists each flag with its
// environment variable.
func newFlagSet(name, summary string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: fabrique %s [flags]\n\n%s\n\nFlags (each can also be set by the environment variable shown):\n", name, summary)
		fs.VisitAll(func(f *flag.Flag) {
			def := ""
			if f.DefValue != "" && f.DefValue != "false" {
				def = fmt.Sprintf(" (default %q)", f.DefValue)
			}
			fmt.Fprintf(stderr, "  --%s\n        %s%s [$%s]\n", f.Name, f.Usage, def, envName(f.Name))
		})
	}
	return fs
}

// parseWithEnv parses args, then fills every flag not given on the command
// line from its environment variable.
func parseWithEnv(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || err != nil {
			return
		}
		if v, ok := os.LookupEnv(envName(f.Name)); ok {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("environment variable %s=%q: %w", envName(f.Name), v, e)
			}
		}
	})
	return err
}

// storeFlags adds the flags every store-opening command shares.
func storeFlags(fs *flag.FlagSet, cfg *Config) {
	fs.StringVar(&cfg.DataDir, "data", "./fabrique-data", "directory of the embedded SQLite store (fabrique.db) and uploaded files")
	fs.StringVar(&cfg.DatabaseURL, "database", "", "PostgreSQL URL (postgres://user@host/db); when set, used instead of the embedded SQLite store")
	fs.StringVar(&cfg.LogLevel, "log-level", "info", "log level: debug, info, warn or error")
	fs.StringVar(&cfg.LogFormat, "log-format", "json", "log format: json or text")
}
