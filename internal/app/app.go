// Package app wires Fabrique together: configuration → store → capabilities
// → HTTP, and the command line. Tests start the real app on a free port.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // Europe/Paris must resolve on machines without zoneinfo

	"github.com/fabrique-des-energies/fabrique/internal/auth"
	"github.com/fabrique-des-energies/fabrique/internal/platform/db"
	"github.com/fabrique-des-energies/fabrique/internal/platform/demo"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
	"github.com/fabrique-des-energies/fabrique/internal/site"
	"github.com/fabrique-des-energies/fabrique/internal/territory"
)

// App is a built Fabrique: store, services and HTTP edge. Capability parts
// are embedded so each capability's wiring lives in its own file.
type App struct {
	Cfg    Config
	Log    *slog.Logger
	DB     *db.DB
	Terr   *territory.Referential
	Web    *web.Server
	API    *web.APIDoc
	Auth   *auth.Service
	Site   *site.Site
	Stdout io.Writer

	seeders []demo.Seeder

	commonsParts
	observatoryParts
	regieParts
	accParts

	mu       sync.Mutex
	listener net.Listener
	httpSrv  *http.Server
	served   chan error
}

// capability is one part of the application: its tables and its wiring.
type capability struct {
	name       string
	order      int
	migrations func() []db.Migrations
	wire       func(ctx context.Context, a *App) error
}

var capabilities []capability

// register adds a capability; called from the wire_*.go files' init.
func register(c capability) {
	capabilities = append(capabilities, c)
	sort.SliceStable(capabilities, func(i, j int) bool { return capabilities[i].order < capabilities[j].order })
}

// AllMigrations lists every component's migrations in application order.
func AllMigrations() []db.Migrations {
	out := []db.Migrations{auth.Migrations(), demo.Migrations()}
	for _, c := range capabilities {
		if c.migrations != nil {
			out = append(out, c.migrations()...)
		}
	}
	return out
}

// AddSeeder registers demo content, run in registration order.
func (a *App) AddSeeder(s demo.Seeder) { a.seeders = append(a.seeders, s) }

func newLogger(cfg Config, w io.Writer) *slog.Logger {
	var level slog.Level
	switch strings.ToLower(cfg.LogLevel) {
	case "debug":
		level = slog.LevelDebug
	case "warn":
		level = slog.LevelWarn
	case "error":
		level = slog.LevelError
	default:
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// Open opens and migrates the store named by cfg.
func Open(ctx context.Context, cfg Config, log *slog.Logger) (*db.DB, error) {
	store, err := db.Open(ctx, db.Config{DataDir: cfg.DataDir, URL: cfg.DatabaseURL})
	if err != nil {
		return nil, err
	}
	if err := store.Migrate(ctx, AllMigrations(), log); err != nil {
		store.Close()
		return nil, err
	}
	return store, nil
}

// Build opens the store, migrates it and wires every capability. It does
// not listen; Serve or Start do.
func Build(ctx context.Context, cfg Config, log *slog.Logger) (*App, error) {
	if log == nil {
		log = newLogger(cfg, os.Stderr)
	}
	store, err := Open(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	a, err := wire(ctx, cfg, log, store)
	if err != nil {
		store.Close()
		return nil, err
	}
	return a, nil
}

func wire(ctx context.Context, cfg Config, log *slog.Logger, store *db.DB) (*App, error) {
	a := &App{Cfg: cfg, Log: log, DB: store, Terr: territory.Default(), API: web.NewAPIDoc(Version()), Stdout: os.Stdout}
	a.Auth = auth.New(store, log)
	a.Auth.SecureCookies = strings.HasPrefix(cfg.BaseURL, "https://")
	proxies, err := web.ParseCIDRs(cfg.TrustedProxies)
	if err != nil {
		return nil, err
	}
	a.Web = web.NewServer(web.Config{BaseURL: cfg.BaseURL, TileURL: cfg.TileURL, Version: Version(),
		SourceURL: cfg.SourceURL, TrustedProxies: proxies}, log, a.Auth)
	a.Auth.Mount(a.Web)
	a.AddSeeder(demo.Seeder{Name: "accounts", Run: func(ctx context.Context) error { return seedAccounts(ctx, a) }})
	a.Site = site.New(a.Web, store, a.Terr, a.Auth)
	a.API.MustAdd(site.OpenAPI())
	for _, c := range capabilities {
		if err := c.wire(ctx, a); err != nil {
			return nil, fmt.Errorf("wire %s: %w", c.name, err)
		}
	}
	a.Web.Handle(a.API.Route(a.Web.Config().BaseURL))
	// The site's catch-all 404 goes last so capability routes are all known.
	a.Site.Mount()
	return a, nil
}

// LoadDemo runs the demo seeders that have not run yet.
func (a *App) LoadDemo(ctx context.Context) error {
	return demo.Run(ctx, a.DB, a.seeders, a.Log)
}

// Handler is the full HTTP handler.
func (a *App) Handler() http.Handler { return a.Web.Handler() }

// Listen binds the configured address (":0" picks a free port).
func (a *App) Listen() (string, error) {
	l, err := net.Listen("tcp", a.Cfg.Addr)
	if err != nil {
		return "", err
	}
	a.mu.Lock()
	a.listener = l
	a.httpSrv = &http.Server{
		Handler:           a.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute, // large imports are uploaded in one request
		WriteTimeout:      10 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
	}
	a.served = make(chan error, 1)
	a.mu.Unlock()
	return "http://" + l.Addr().String(), nil
}

// Start listens and serves in the background (used by tests).
func (a *App) Start() (string, error) {
	u, err := a.Listen()
	if err != nil {
		return "", err
	}
	go func() { a.served <- a.httpSrv.Serve(a.listener) }()
	return u, nil
}

// Serve listens and serves until ctx is cancelled, then shuts down
// gracefully: in-flight requests finish, then the store closes.
func (a *App) Serve(ctx context.Context) error {
	u, err := a.Listen()
	if err != nil {
		return err
	}
	a.Log.Info("Fabrique is listening", "url", u, "base_url", a.Web.Config().BaseURL, "dialect", string(a.DB.Dialect), "version", Version())
	go func() { a.served <- a.httpSrv.Serve(a.listener) }()
	select {
	case err := <-a.served:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	case <-ctx.Done():
	}
	a.Log.Info("shutting down: waiting for in-flight requests")
	return a.Shutdown(context.Background())
}

// Shutdown stops accepting requests, lets in-flight ones finish (within
// the shutdown timeout) and closes the store.
func (a *App) Shutdown(ctx context.Context) error {
	timeout := 30 * time.Second
	if d, err := time.ParseDuration(a.Cfg.ShutdownTimeout); err == nil && d > 0 {
		timeout = d
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var err error
	a.mu.Lock()
	srv := a.httpSrv
	a.mu.Unlock()
	if srv != nil {
		err = srv.Shutdown(ctx)
	}
	if cerr := a.DB.Close(); cerr != nil {
		err = errors.Join(err, cerr)
	} else {
		a.Log.Info("database closed cleanly")
	}
	return err
}
