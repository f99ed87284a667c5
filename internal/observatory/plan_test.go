package observatory

import (
	"context"
	"strings"
	"testing"

	"github.com/fabrique-des-energies/fabrique/internal/auth"
	"github.com/fabrique-des-energies/fabrique/internal/platform/db"
	"github.com/fabrique-des-energies/fabrique/internal/platform/db/dbtest"
	"github.com/fabrique-des-energies/fabrique/internal/territory"
)

// On SQLite, every national statistics query reads a covering index in
// order (no table scan, no temporary sort), even on a store never analysed.
func TestStatisticsQueriesUseCoveringIndexes(t *testing.T) {
	d := dbtest.SQLiteFile(t, []db.Migrations{auth.Migrations(), Migrations()})
	s := New(d, territory.Default(), nil)
	generate(t, s, 300, 900, 1)
	for _, q := range []string{
		`SELECT c.departement, c.epci, count(*), SUM(c.members_citizens), SUM(c.members_local_authorities), SUM(c.members_businesses), SUM(c.members_associations) FROM obs_communities c GROUP BY c.departement, c.epci`,
		`SELECT c.stage, count(*) FROM obs_communities c GROUP BY c.stage`,
		`SELECT c.founding_year, count(*) FROM obs_communities c GROUP BY c.founding_year`,
		`SELECT p.departement, p.epci, count(*), SUM(CASE WHEN p.status = 'operation' THEN p.capacity_kw ELSE 0 END) FROM obs_projects p GROUP BY p.departement, p.epci`,
		`SELECT p.technology, p.status, count(*), SUM(p.capacity_kw), SUM(p.production_mwh) FROM obs_projects p GROUP BY p.technology, p.status`,
	} {
		rows, err := d.R.QueryContext(context.Background(), `EXPLAIN QUERY PLAN `+q)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, notused any
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		p := strings.Join(plan, "; ")
		if !strings.Contains(p, "USING COVERING INDEX") || strings.Contains(p, "TEMP B-TREE") {
			t.Errorf("%s\nplan: %s", q, p)
		}
	}
}
