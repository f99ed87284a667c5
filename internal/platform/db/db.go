// Package db opens the store (an embedded SQLite file or PostgreSQL), applies
// the embedded migrations of every capability and hides the few real
// differences between the two dialects.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialect names a supported SQL engine.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is the store. Writes go through W; on SQLite W is a single connection
// (one writer, immediate transactions) so writers queue in Go instead of
// failing with "database is locked". Reads go through R, a pool of
// read-only connections. On PostgreSQL both are the same pool.
type DB struct {
	Dialect Dialect
	W       *sql.DB
	R       *sql.DB
	// Path is the SQLite file, empty on PostgreSQL.
	Path string
}

// Config selects the store: URL wins when set, else a SQLite file in DataDir.
type Config struct {
	DataDir string
	URL     string
}

// Queryer is what both *sql.DB and *sql.Tx offer.
type Queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Open connects to the store described by cfg. It does not migrate.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	if cfg.URL != "" {
		u := cfg.URL
		switch {
		case strings.HasPrefix(u, "postgres://"), strings.HasPrefix(u, "postgresql://"):
			return openPostgres(ctx, u)
		case strings.HasPrefix(u, "sqlite:"), strings.HasPrefix(u, "file:"):
			p := strings.TrimPrefix(strings.TrimPrefix(u, "sqlite:"), "file:")
			p = strings.TrimPrefix(p, "//")
			if i := strings.IndexByte(p, '?'); i >= 0 {
				p = p[:i]
			}
			return OpenSQLite(ctx, p)
		default:
			return nil, fmt.Errorf("database URL must start with postgres://, postgresql:// or sqlite:, got %q", redact(u))
		}
	}
	dir := cfg.DataDir
	if dir == "" {
		dir = "fabrique-data"
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	return OpenSQLite(ctx, filepath.Join(dir, "fabrique.db"))
}

// sqliteDSN puts the pragmas in the DSN so every pooled connection gets
// them: busy_timeout first so the others can wait for a lock.
func sqliteDSN(path string, readOnly bool) string {
	v := url.Values{}
	v.Add("_pragma", "busy_timeout(10000)")
	v.Add("_pragma", "journal_mode(WAL)")
	v.Add("_pragma", "synchronous(NORMAL)")
	v.Add("_pragma", "foreign_keys(ON)")
	v.Add("_pragma", "temp_store(MEMORY)")
	// 16 MiB of page cache per connection: with the read pool below that
	// bounds the cache of a busy laptop store to a few hundred MiB at most.
	v.Add("_pragma", "cache_size(-16000)")
	v.Set("_time_format", "sqlite")
	if readOnly {
		v.Add("_pragma", "query_only(ON)")
		v.Set("_txlock", "deferred")
	} else {
		v.Set("_txlock", "immediate")
	}
	return "file:" + filepath.ToSlash(path) + "?" + v.Encode()
}

// OpenSQLite opens (creating if needed) the SQLite file at path.
func OpenSQLite(ctx context.Context, path string) (*DB, error) {
	w, err := sql.Open("sqlite", sqliteDSN(path, false))
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	w.SetConnMaxLifetime(0)
	// The first connection creates the file and switches it to WAL before
	// any reader opens it.
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", filepath.Base(path), err)
	}
	r, err := sql.Open("sqlite", sqliteDSN(path, true))
	if err != nil {
		w.Close()
		return nil, err
	}
	// Readers do not block each other in WAL mode; a pool larger than the
	// CPU count keeps requests from queueing for a connection.
	n := max(8, 4*runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxIdleTime(5 * time.Minute)
	return &DB{Dialect: SQLite, W: w, R: r, Path: path}, nil
}

func openPostgres(ctx context.Context, u string) (*DB, error) {
	p, err := sql.Open("pgx", u)
	if err != nil {
		return nil, err
	}
	p.SetMaxOpenConns(max(8, 4*runtime.GOMAXPROCS(0)))
	p.SetMaxIdleConns(max(4, 2*runtime.GOMAXPROCS(0)))
	p.SetConnMaxIdleTime(5 * time.Minute)
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := p.PingContext(pingCtx); err != nil {
		p.Close()
		return nil, fmt.Errorf("connect to PostgreSQL %s: %w", redact(u), err)
	}
	return &DB{Dialect: Postgres, W: p, R: p}, nil
}

// redact hides a password in a connection URL.
func redact(u string) string {
	parsed, err := url.Parse(u)
	if err != nil || parsed.User == nil {
		return u
	}
	return parsed.Redacted()
}

// Close closes both pools. On SQLite it checkpoints the WAL first so the
// main file is complete on its own.
func (d *DB) Close() error {
	if d.Dialect == SQLite {
		_, _ = d.W.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
		err1 := d.R.Close()
		err2 := d.W.Close()
		return errors.Join(err1, err2)
	}
	return d.W.Close()
}

// Ping checks that the store answers.
func (d *DB) Ping(ctx context.Context) error {
	if err := d.W.PingContext(ctx); err != nil {
		return err
	}
	if d.R != d.W {
		return d.R.PingContext(ctx)
	}
	return nil
}

// Tx runs fn in a write transaction, committing when fn returns nil.
func (d *DB) Tx(ctx context.Context, fn func(tx *sql.Tx) error) (err error) {
	tx, err := d.W.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Now is the current time as stored: UTC, microsecond precision (what
// PostgreSQL keeps), so values read back compare equal on both dialects.
func Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// IsUniqueViolation reports whether err is a unique-constraint failure.
func IsUniqueViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	return false
}

// IsForeignKeyViolation reports whether err is a foreign-key failure.
func IsForeignKeyViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23503"
	}
	return false
}

// Placeholders returns "$from, $from+1, …" n times, for IN lists.
func Placeholders(from, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", from+i)
	}
	return b.String()
}

// Backup writes a consistent copy of a SQLite store to path while the
// store stays in use. PostgreSQL has its own tools.
func (d *DB) Backup(ctx context.Context, path string) error {
	if d.Dialect != SQLite {
		return errors.New("backup copies the embedded SQLite store only: on PostgreSQL use pg_dump (for example `pg_dump --format=custom --file=fabrique.dump DBNAME`)")
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("%s already exists: choose a new file name", path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	// VACUUM INTO reads one snapshot and writes a compact, complete file.
	_, err = d.W.ExecContext(ctx, "VACUUM INTO $1", abs)
	return err
}
