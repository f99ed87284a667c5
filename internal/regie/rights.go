package regie

import (
	"archive/zip"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/auth"
	"github.com/fabrique-des-energies/fabrique/internal/regie/block"
	"github.com/fabrique-des-energies/fabrique/internal/regie/meterfile"
)

// exportSeries is one series of a meter as stored.
type exportSeries struct {
	meter  Meter
	flow   Flow
	daily  bool
	chunks []block.Chunk
}

// Export writes everything the data trust holds about a household as one
// zip: readings as CSV files that can be imported again, meters and imports,
// consents with their receipts, and the journal entries about the household.
// The readings are read through the door and the export is journaled.
func (s *Service) Export(ctx context.Context, userID int64, via string, w io.Writer) error {
	consents, err := s.HouseholdConsents(ctx, userID)
	if err != nil {
		return err
	}
	ans, err := s.door(ctx, doorQuery{op: opExport, reader: Reader{UserID: userID, Via: via}})
	if err != nil {
		return err
	}
	pseudo, err := s.Pseudonym(ctx, userID)
	if err != nil {
		return err
	}
	var journal JournalPage
	if pseudo != "" {
		if journal, err = s.journalOf(ctx, pseudo, 0, 0); err != nil {
			return err
		}
	}
	meters, err := s.Meters(ctx, userID)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(w)
	now := s.clock()
	create := func(name string) (io.Writer, error) {
		return zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: now})
	}
	f, err := create("LISEZMOI.txt")
	if err != nil {
		return err
	}
	fmt.Fprintf(f, `Vos données de la régie de données de la Fabrique des Énergies, exportées le %s (UTC).
Your data from the Fabrique des Énergies data trust, exported on %s (UTC).

Pseudonyme / pseudonym: %s

releves/      relevés de vos compteurs, en Wh par pas, au pas enregistré ; instants UTC de début de pas.
              Les fichiers « courbe » (timestamp;wh) et « quotidien » (export client) se réimportent tels quels.
              readings in Wh per step at the stored step; UTC start-of-interval instants; they can be imported again.
compteurs.json   vos compteurs et leurs imports / your meters and their imports
consentements.json   vos consentements, avec l'historique et le reçu de chaque événement / your consents with each event's receipt
journal.json  les entrées du journal qui vous concernent (qui a accédé à vos données, quand, pourquoi), avec leurs empreintes
              the journal entries about you (who accessed your data, when, why), with their hashes
`, now.Format(time.RFC3339), now.Format(time.RFC3339), pseudo)
	for _, es := range ans.export {
		kind := "courbe"
		if es.daily {
			kind = "quotidien"
		}
		f, err := create(fmt.Sprintf("releves/%s-%s-%s.csv", es.meter.PRM, es.flow, kind))
		if err != nil {
			return err
		}
		if es.daily {
			if err := writeDailyCSV(f, es); err != nil {
				return err
			}
		} else if err := writeCurveCSV(f, es.chunks); err != nil {
			return err
		}
	}
	type meterJSON struct {
		PRM       string         `json:"prm"`
		Label     string         `json:"label"`
		Commune   string         `json:"commune,omitempty"`
		CreatedAt time.Time      `json:"created_at"`
		Series    []SeriesJSON   `json:"series"`
		Imports   []ImportRecord `json:"imports"`
	}
	var mj []meterJSON
	for _, m := range meters {
		x := meterJSON{PRM: m.PRM, Label: m.Label, Commune: m.Commune, CreatedAt: m.CreatedAt.UTC(), Series: seriesJSON(m.Series), Imports: []ImportRecord{}}
		ims, err := s.Imports(ctx, userID, m.PRM, 1000)
		if err != nil {
			return err
		}
		for _, im := range ims {
			x.Imports = append(x.Imports, importRecord(im))
		}
		mj = append(mj, x)
	}
	if err := writeJSON(create, "compteurs.json", mj); err != nil {
		return err
	}
	var cj []ConsentJSON
	for i := range consents {
		cj = append(cj, consentJSON(&consents[i], true))
	}
	if err := writeJSON(create, "consentements.json", cj); err != nil {
		return err
	}
	var jj []EntryJSON
	for _, e := range journal.Entries {
		jj = append(jj, entryJSON(e))
	}
	if err := writeJSON(create, "journal.json", jj); err != nil {
		return err
	}
	return zw.Close()
}

func writeJSON(create func(string) (io.Writer, error), name string, v any) error {
	f, err := create(name)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// writeCurveCSV writes load-curve chunks as a plain timestamp;wh file.
func writeCurveCSV(w io.Writer, chunks []block.Chunk) error {
	var b []byte
	b = append(b, "timestamp;wh\n"...)
	for _, c := range chunks {
		for i, v := range c.Values {
			if !c.Present[i] {
				continue
			}
			b = c.At(i).AppendFormat(b, "2006-01-02T15:04:05Z")
			b = append(b, ';')
			b = strconv.AppendInt(b, v, 10)
			b = append(b, '\n')
			if len(b) > 32<<10 {
				if _, err := w.Write(b); err != nil {
					return err
				}
				b = b[:0]
			}
		}
	}
	_, err := w.Write(b)
	return err
}

// writeDailyCSV writes daily-energy chunks as a customer daily export.
func writeDailyCSV(w io.Writer, es exportSeries) error {
	if len(es.chunks) == 0 {
		return nil
	}
	first := es.chunks[0].Month
	var wh []int64
	for _, c := range es.chunks {
		// Months may be missing between chunks: fill with gaps.
		want := time.Date(first.Year(), first.Month(), 1+len(wh), 0, 0, 0, 0, time.UTC)
		for want.Before(c.Month) {
			wh = append(wh, meterfile.Missing)
			want = want.AddDate(0, 0, 1)
		}
		for i, v := range c.Values {
			if c.Present[i] {
				wh = append(wh, v)
			} else {
				wh = append(wh, meterfile.Missing)
			}
		}
	}
	for len(wh) > 0 && wh[len(wh)-1] == meterfile.Missing {
		wh = wh[:len(wh)-1]
	}
	return meterfile.WriteDailyEnergy(w, es.meter.PRM, first, wh)
}

// EraseAccount is the account-deletion hook: inside the deletion
// transaction it deletes the household's readings, meters and consents at
// once, leaves recipients a withdrawn stub of each consent, unlinks the
// pseudonym and journals the erasure under it.
func (s *Service) EraseAccount(ctx context.Context, tx *sql.Tx, userID int64) error {
	now := s.clock()
	pseudo, err := s.pseudonymOf(ctx, tx, userID)
	if err != nil {
		return err
	}
	var emailKey string
	if u, err := s.accounts.UserByID(ctx, userID); err == nil {
		emailKey = auth.EmailKey(u.Email)
	}
	where, args := `c.household_id = $1`, []any{userID}
	if emailKey != "" {
		where, args = `c.household_id = $1 OR (c.household_id IS NULL AND c.household_email_key = $2)`, []any{userID, emailKey}
	}
	consents, err := s.loadConsents(ctx, tx, where, args...)
	if err != nil {
		return err
	}
	var meterIDs []int64
	rows, err := tx.QueryContext(ctx, `SELECT id FROM regie_meters WHERE user_id = $1`, userID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		meterIDs = append(meterIDs, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if pseudo == "" && len(consents) == 0 && len(meterIDs) == 0 {
		return nil
	}
	for i := range consents {
		c := &consents[i]
		status := c.Status
		if status == StatusGiven || status == StatusRequested {
			status = StatusWithdrawn
			if err := s.appendJournal(ctx, tx, &Entry{At: now, Kind: JConsentWithdrawn, Actor: ActorHousehold, ActorID: c.Subject, Subjects: []string{c.Subject},
				Recipient: c.Recipient.ID, RecipientName: c.Recipient.Name, Consent: c.ID, Purpose: c.Purpose, Detail: "account erased"}); err != nil {
				return err
			}
		}
		ended := c.EndedAt
		if ended.IsZero() || status != c.Status {
			ended = now
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO regie_consent_tombstones (consent_id, recipient_id, subject, purpose, status, requested_at, ended_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, c.ID, c.Recipient.ID, c.Subject, c.Purpose, string(status), c.RequestedAt, ended); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM regie_consents WHERE id = $1`, c.ID); err != nil {
			return err
		}
	}
	for _, id := range meterIDs {
		if err := deleteMeterData(ctx, tx, id); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM regie_meters WHERE user_id = $1`, userID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM regie_subjects WHERE user_id = $1`, userID); err != nil {
		return err
	}
	if emailKey != "" {
		if _, err := tx.ExecContext(ctx, `DELETE FROM regie_subjects WHERE email_key = $1`, emailKey); err != nil {
			return err
		}
	}
	if pseudo == "" && len(consents) > 0 {
		pseudo = consents[0].Subject
	}
	return s.appendJournal(ctx, tx, &Entry{At: now, Kind: JErasure, Actor: ActorHousehold, ActorID: pseudo, Subjects: []string{pseudo}, Meters: meterIDs,
		Detail: fmt.Sprintf("meters=%d consents=%d", len(meterIDs), len(consents))})
}

// SeriesJSON describes a stored series.
type SeriesJSON struct {
	Flow   Flow      `json:"flow"`
	Kind   string    `json:"kind"`
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
	Points int64     `json:"points"`
	Step   Step      `json:"finest_step"`
}

func seriesJSON(ss []SeriesInfo) []SeriesJSON {
	out := []SeriesJSON{}
	for _, si := range ss {
		k := "load_curve"
		if si.Daily {
			k = "daily_energy"
		}
		out = append(out, SeriesJSON{Flow: si.Flow, Kind: k, From: si.From.UTC(), To: si.To.UTC(), Points: si.Points, Step: si.Finest})
	}
	return out
}

// ImportRecord is a past import in JSON.
type ImportRecord struct {
	ID         int64      `json:"id"`
	At         time.Time  `json:"at"`
	Format     string     `json:"format"`
	Filename   string     `json:"filename,omitempty"`
	Points     int        `json:"points"`
	Gaps       int        `json:"gaps"`
	Duplicates int        `json:"duplicates"`
	Added      int        `json:"added"`
	Replaced   int        `json:"replaced"`
	Unchanged  int        `json:"unchanged"`
	From       *time.Time `json:"from,omitempty"`
	To         *time.Time `json:"to,omitempty"`
}

func importRecord(im Import) ImportRecord {
	return ImportRecord{ID: im.ID, At: im.At.UTC(), Format: string(im.Format), Filename: im.Filename, Points: im.Points, Gaps: im.Gaps,
		Duplicates: im.Duplicates, Added: im.Added, Replaced: im.Replaced, Unchanged: im.Unchanged, From: timePtr(im.From), To: timePtr(im.To)}
}

// EntryJSON is a journal entry with its place in the chain.
type EntryJSON struct {
	Entry
	Hash     string `json:"hash"`
	PrevHash string `json:"prev_hash"`
}

func entryJSON(e Entry) EntryJSON { return EntryJSON{Entry: e, Hash: e.Hash, PrevHash: e.PrevHash} }

func sanitizeFilename(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 32 || r == '"' || r == '\\' || r == '/' {
			return '_'
		}
		return r
	}, s)
}
