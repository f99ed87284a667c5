// Package demo loads example content once. Each capability registers a
// seeder; a seeder that has run is recorded and never runs again, so a
// second start with --demo adds nothing.
package demo

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/platform/db"
)

//go:embed migrations
var migrationsFS embed.FS

// Migrations record which seeders have run.
func Migrations() db.Migrations {
	sub, _ := fs.Sub(migrationsFS, "migrations")
	return db.Migrations{Component: "demo", FS: sub}
}

// Seeder creates one capability's demo content. Run must be all-or-nothing
// or safe to repeat: it is recorded only after it succeeds.
type Seeder struct {
	Name string
	Run  func(ctx context.Context) error
}

// Run applies, in order, the seeders that have not run yet on this store.
func Run(ctx context.Context, store *db.DB, seeders []Seeder, log *slog.Logger) error {
	for _, s := range seeders {
		var at time.Time
		err := store.W.QueryRowContext(ctx, `SELECT applied_at FROM demo_seeds WHERE name = $1`, s.Name).Scan(&at)
		if err == nil {
			continue
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		start := time.Now()
		if err := s.Run(ctx); err != nil {
			return fmt.Errorf("demo content %q: %w", s.Name, err)
		}
		if _, err := store.W.ExecContext(ctx, `INSERT INTO demo_seeds (name, applied_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, s.Name, db.Now()); err != nil {
			return err
		}
		log.Info("demo content loaded", "seeder", s.Name, "duration_ms", time.Since(start).Milliseconds())
	}
	return nil
}
