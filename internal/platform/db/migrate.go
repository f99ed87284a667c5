package db

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Migrations are the schema changes of one capability. FS holds
// "sqlite/NNNN_name.sql" and "postgres/NNNN_name.sql" with the same numbers.
// Each capability owns its migrations next to its code; components are
// applied in the order given, so a component may reference the tables of
// the ones before it.
type Migrations struct {
	Component string
	FS        fs.FS
}

type migration struct {
	version int
	name    string
	sql     string
}

var migrationName = regexp.MustCompile(`^(\d{4})_([a-z0-9_]+)\.sql$`)

func (m Migrations) list(d Dialect) ([]migration, error) {
	dir := string(d)
	entries, err := fs.ReadDir(m.FS, dir)
	if err != nil {
		return nil, fmt.Errorf("migrations of %s: %w", m.Component, err)
	}
	var out []migration
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		g := migrationName.FindStringSubmatch(e.Name())
		if g == nil {
			return nil, fmt.Errorf("migration %s/%s/%s: name must look like 0001_create_things.sql", m.Component, dir, e.Name())
		}
		v, _ := strconv.Atoi(g[1])
		b, err := fs.ReadFile(m.FS, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: g[2], sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i := range out {
		if out[i].version != i+1 {
			return nil, fmt.Errorf("migrations of %s (%s): expected version %04d, found %04d", m.Component, dir, i+1, out[i].version)
		}
	}
	return out, nil
}

// CheckParity verifies that both dialects have the same migration numbers
// and names for this component.
func (m Migrations) CheckParity() error {
	a, err := m.list(SQLite)
	if err != nil {
		return err
	}
	b, err := m.list(Postgres)
	if err != nil {
		return err
	}
	if len(a) != len(b) {
		return fmt.Errorf("%s: %d sqlite migrations but %d postgres migrations", m.Component, len(a), len(b))
	}
	for i := range a {
		if a[i].name != b[i].name {
			return fmt.Errorf("%s: migration %04d is %q on sqlite but %q on postgres", m.Component, a[i].version, a[i].name, b[i].name)
		}
	}
	return nil
}

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	component TEXT NOT NULL,
	version INTEGER NOT NULL,
	name TEXT NOT NULL,
	applied_at TIMESTAMP NOT NULL,
	PRIMARY KEY (component, version)
)`

// Migrate applies every pending migration, each in its own transaction,
// and records it. Several processes may call it at once: SQLite serialises
// them through its write lock, PostgreSQL through an advisory lock.
func (d *DB) Migrate(ctx context.Context, sets []Migrations, log *slog.Logger) error {
	conn, err := d.W.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if d.Dialect == Postgres {
		// A constant key shared by every Fabrique instance on this database.
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(7261534)"); err != nil {
			return fmt.Errorf("migration lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(7261534)")
	}
	if _, err := conn.ExecContext(ctx, createMigrationsTable); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	for _, set := range sets {
		list, err := set.list(d.Dialect)
		if err != nil {
			return err
		}
		for _, m := range list {
			if err := d.applyOne(ctx, conn, set.Component, m, log); err != nil {
				return err
			}
		}
	}
	return nil
}

func (d *DB) applyOne(ctx context.Context, conn *sql.Conn, component string, m migration, log *slog.Logger) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE component = $1 AND version = $2`, component, m.version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return fmt.Errorf("migration %s %04d_%s (%s): %w", component, m.version, m.name, d.Dialect, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (component, version, name, applied_at) VALUES ($1, $2, $3, $4)`,
		component, m.version, m.name, Now()); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	if log != nil {
		log.Info("migration applied", "component", component, "version", m.version, "name", m.name, "dialect", string(d.Dialect))
	}
	return nil
}

// Column describes one column for the schema-parity test.
type Column struct {
	Table, Name, Family string
	NotNull             bool
}

// Schema lists the application's tables and columns with a portable type
// family, so tests can compare the two dialects after migrating.
func (d *DB) Schema(ctx context.Context) ([]Column, error) {
	var rows *sql.Rows
	var err error
	if d.Dialect == SQLite {
		rows, err = d.R.QueryContext(ctx, `SELECT m.name, p.name, p.type, p."notnull" OR p.pk > 0
			FROM sqlite_master m JOIN pragma_table_info(m.name) p
			WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.sql NOT LIKE 'CREATE VIRTUAL TABLE%'
			ORDER BY m.name, p.name`)
	} else {
		rows, err = d.R.QueryContext(ctx, `SELECT c.table_name, c.column_name, c.data_type, c.is_nullable = 'NO'
			FROM information_schema.columns c JOIN information_schema.tables t
			ON t.table_schema = c.table_schema AND t.table_name = c.table_name
			WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
			ORDER BY c.table_name, c.column_name`)
	}
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Column
	for rows.Next() {
		var c Column
		var typ string
		if err := rows.Scan(&c.Table, &c.Name, &typ, &c.NotNull); err != nil {
			return nil, err
		}
		// Full-text indexes differ by nature between dialects (FTS5 virtual
		// tables, tsvector tables): tables named *_fts* are dialect-specific.
		if strings.Contains(c.Table, "_fts") {
			continue
		}
		c.Family = typeFamily(typ)
		out = append(out, c)
	}
	return out, rows.Err()
}

var familyRules = []struct {
	re     *regexp.Regexp
	family string
}{
	{regexp.MustCompile(`(?i)^(bool)`), "bool"},
	{regexp.MustCompile(`(?i)(timestamp|datetime)`), "timestamp"},
	{regexp.MustCompile(`(?i)^date$`), "date"},
	{regexp.MustCompile(`(?i)(int|serial)`), "integer"},
	{regexp.MustCompile(`(?i)(real|double|float|numeric|decimal)`), "real"},
	{regexp.MustCompile(`(?i)(blob|bytea)`), "blob"},
	{regexp.MustCompile(`(?i)(text|char|clob|json|tsvector)`), "text"},
}

func typeFamily(t string) string {
	for _, r := range familyRules {
		if r.re.MatchString(t) {
			return r.family
		}
	}
	return "other:" + t
}
