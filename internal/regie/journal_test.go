package regie

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"
)

type journalRow struct {
	seq                     int64
	at                      time.Time
	kind                    string
	recipient, consent      sql.NullInt64
	content, prevHash, hash string
}

func dumpJournal(t *testing.T, e *env) []journalRow {
	t.Helper()
	rows, err := e.db.R.QueryContext(e.ctx, `SELECT seq, at, kind, recipient_id, consent_id, content, prev_hash, hash FROM regie_journal ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []journalRow
	for rows.Next() {
		var r journalRow
		if err := rows.Scan(&r.seq, &r.at, &r.kind, &r.recipient, &r.consent, &r.content, &r.prevHash, &r.hash); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func restoreJournal(t *testing.T, e *env, rows []journalRow) {
	t.Helper()
	err := e.db.Tx(e.ctx, func(tx *sql.Tx) error {
		if _, err := tx.Exec(`DELETE FROM regie_journal`); err != nil {
			return err
		}
		for _, r := range rows {
			if _, err := tx.Exec(`INSERT INTO regie_journal (seq, at, kind, recipient_id, consent_id, content, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
				r.seq, r.at, r.kind, r.recipient, r.consent, r.content, r.prevHash, r.hash); err != nil {
				return err
			}
		}
		last := rows[len(rows)-1]
		_, err := tx.Exec(`UPDATE regie_journal_head SET seq = $1, hash = $2 WHERE id = 1`, last.seq, last.hash)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.VerifyJournal(e.ctx); err != nil {
		t.Fatalf("restored journal does not verify: %v", err)
	}
}

// Any tampering with the journal — content, a column, order, deletion in
// the middle or at the end, the subject index — makes verification fail
// naming the first bad entry.
func TestJournalTamperingDetected(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		comm, agent := e.recipient(KindCommunity, "Communauté de test")
		hh := e.user("foyer")
		m := e.meter(hh, "")
		e.importDays(hh, m, jan2025, 2, 1)
		rd := Reader{UserID: agent.ID, RecipientID: comm.ID}
		c, err := e.svc.RequestConsent(e.ctx, rd, accRequest(comm, hh.Email))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Give(e.ctx, hh.ID, c.ID, nil); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			if _, err := e.svc.ReadCurve(e.ctx, CurveRequest{Reader: rd, ConsentID: c.ID, PRM: m.PRM, From: jan2025, To: jan2025.Add(24 * time.Hour)}); err != nil {
				t.Fatal(err)
			}
		}
		res, err := e.svc.VerifyJournal(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		orig := dumpJournal(t, e)
		n := int64(len(orig))
		for i, k := range []string{JAdminRecipient, JAdminMember, JMeterAdded, JImport, JConsentRequested, JConsentGiven, JRead} {
			if orig[i].kind != k {
				t.Fatalf("entry %d is %s, want %s", i+1, orig[i].kind, k)
			}
		}
		if res.Entries != n || n < 8 || res.Head != orig[n-1].hash {
			t.Fatalf("verify: %+v for %d rows", res, n)
		}
		exec := func(q string, args ...any) func(context.Context) error {
			return func(ctx context.Context) error { _, err := e.db.W.ExecContext(ctx, q, args...); return err }
		}
		cases := []struct {
			name   string
			tamper func(context.Context) error
			want   int64
		}{
			{"content", exec(`UPDATE regie_journal SET content = replace(content, '"read"', '"own.read"') WHERE seq = 7`), 7},
			{"content re-hashed", func(ctx context.Context) error {
				r := orig[6]
				forged := strings.Replace(r.content, `"outcome":"granted"`, `"outcome":"refused"`, 1)
				_, err := e.db.W.ExecContext(ctx, `UPDATE regie_journal SET content = $1, hash = $2 WHERE seq = $3`, forged, chainHash(r.prevHash, []byte(forged)), r.seq)
				return err
			}, 8},
			{"column", exec(`UPDATE regie_journal SET consent_id = 999 WHERE seq = 5`), 5},
			{"order", func(ctx context.Context) error {
				a, b := orig[3], orig[4]
				if _, err := e.db.W.ExecContext(ctx, `UPDATE regie_journal SET seq = -1 WHERE seq = $1`, a.seq); err != nil {
					return err
				}
				if _, err := e.db.W.ExecContext(ctx, `UPDATE regie_journal SET seq = $1 WHERE seq = $2`, a.seq, b.seq); err != nil {
					return err
				}
				_, err := e.db.W.ExecContext(ctx, `UPDATE regie_journal SET seq = $1 WHERE seq = -1`, b.seq)
				return err
			}, 4},
			{"deletion in the middle", exec(`DELETE FROM regie_journal WHERE seq = 3`), 3},
			{"deletion at the end", exec(`DELETE FROM regie_journal WHERE seq = $1`, n), n},
			{"subject index", exec(`DELETE FROM regie_journal_subjects WHERE seq = 3`), 3},
		}
		for _, tc := range cases {
			if err := tc.tamper(e.ctx); err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			_, err := e.svc.VerifyJournal(e.ctx)
			var ce *ChainError
			if !errors.As(err, &ce) || ce.Seq != tc.want {
				t.Errorf("%s: got %v, want the chain to break at entry %d", tc.name, err, tc.want)
			}
			if tc.name == "subject index" {
				if _, err := e.db.W.Exec(`INSERT INTO regie_journal_subjects (subject, seq) VALUES ($1, 3)`, c.Subject); err != nil {
					t.Fatal(err)
				}
			}
			restoreJournal(t, e, orig)
		}
	})
}
