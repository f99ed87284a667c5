// Package dbtest gives tests real stores: a SQLite file always, and a fresh
// PostgreSQL database when FABRIQUE_TEST_POSTGRES holds a server URL.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fabrique-des-energies/fabrique/internal/platform/db"
)

// EnvPostgres names the variable holding a PostgreSQL URL for tests.
const EnvPostgres = "FABRIQUE_TEST_POSTGRES"

// Store is a store under test and its dialect name, for subtest names.
type Store struct {
	Name string
	Cfg  db.Config
}

// Configs returns the store configurations to test against: SQLite always,
// PostgreSQL (a new, empty database dropped after the test) when
// FABRIQUE_TEST_POSTGRES is set.
func Configs(t testing.TB) []Store {
	t.Helper()
	out := []Store{{Name: "sqlite", Cfg: db.Config{DataDir: t.TempDir()}}}
	if u := os.Getenv(EnvPostgres); u != "" {
		out = append(out, Store{Name: "postgres", Cfg: db.Config{URL: NewPostgresDatabase(t, u)}})
	}
	return out
}

// Each runs fn as a subtest on every configured dialect with an opened,
// unmigrated store that is closed afterwards.
func Each(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	for _, s := range Configs(t) {
		t.Run(s.Name, func(t *testing.T) {
			d, err := db.Open(context.Background(), s.Cfg)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { d.Close() })
			fn(t, d)
		})
	}
}

// Migrated runs fn on every dialect with the given migrations applied.
func Migrated(t *testing.T, sets []db.Migrations, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	Each(t, func(t *testing.T, d *db.DB) {
		if err := d.Migrate(context.Background(), sets, nil); err != nil {
			t.Fatal(err)
		}
		fn(t, d)
	})
}

// SQLiteFile opens a migrated SQLite store in a temp dir (for benchmarks).
func SQLiteFile(tb testing.TB, sets []db.Migrations) *db.DB {
	tb.Helper()
	d, err := db.OpenSQLite(context.Background(), filepath.Join(tb.TempDir(), "fabrique.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { d.Close() })
	if err := d.Migrate(context.Background(), sets, nil); err != nil {
		tb.Fatal(err)
	}
	return d
}

// NewPostgresDatabase creates an empty database on the server named by
// serverURL and returns its URL; the database is dropped when the test ends.
func NewPostgresDatabase(tb testing.TB, serverURL string) string {
	tb.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "fabrique_test_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", serverURL)
	if err != nil {
		tb.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		tb.Fatalf("create test database: %v", err)
	}
	tb.Cleanup(func() {
		a, err := sql.Open("pgx", serverURL)
		if err != nil {
			return
		}
		defer a.Close()
		_, _ = a.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	})
	u, err := url.Parse(serverURL)
	if err != nil {
		tb.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// HasPostgres reports whether PostgreSQL tests are configured.
func HasPostgres() bool { return strings.TrimSpace(os.Getenv(EnvPostgres)) != "" }
