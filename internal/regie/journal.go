package regie

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/platform/db"
	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/i18n"
)

// Journal entry kinds.
const (
	JConsentRequested = "consent.requested"
	JConsentGiven     = "consent.given"
	JConsentRefused   = "consent.refused"
	JConsentWithdrawn = "consent.withdrawn"
	JConsentExpired   = "consent.expired"
	JRead             = "read"
	JReadRefused      = "read.refused"
	JOwnRead          = "own.read"
	JAggregate        = "aggregate"
	JAggregateRefused = "aggregate.refused"
	JImport           = "import"
	JExport           = "export"
	JErasure          = "erasure"
	JMeterAdded       = "meter.added"
	JMeterDeleted     = "meter.deleted"
	JAdminRecipient   = "admin.recipient"
	JAdminMember      = "admin.member"
)

// Actor kinds in the journal.
const (
	ActorHousehold = "household"
	ActorRecipient = "recipient"
	ActorSystem    = "system"
	ActorAdmin     = "admin"
)

// Entry is one line of the journal. Its JSON form (field order fixed by the
// struct) is the canonical content covered by the hash. People appear only
// under a pseudonym (households) or an account number (those acting for a
// recipient or administering the site).
type Entry struct {
	Seq           int64      `json:"seq"`
	At            time.Time  `json:"at"`
	Kind          string     `json:"kind"`
	Actor         string     `json:"actor"`
	ActorID       string     `json:"actor_id,omitempty"`
	Via           string     `json:"via,omitempty"`
	Subjects      []string   `json:"subjects,omitempty"`
	Recipient     int64      `json:"recipient,omitempty"`
	RecipientName string     `json:"recipient_name,omitempty"`
	Consent       int64      `json:"consent,omitempty"`
	Purpose       string     `json:"purpose,omitempty"`
	Meters        []int64    `json:"meters,omitempty"`
	Cohort        int        `json:"cohort,omitempty"`
	From          *time.Time `json:"from,omitempty"`
	To            *time.Time `json:"to,omitempty"`
	Step          string     `json:"step,omitempty"`
	Outcome       string     `json:"outcome,omitempty"`
	Rule          string     `json:"rule,omitempty"`
	Detail        string     `json:"detail,omitempty"`
	// Hash and PrevHash are not part of the content.
	Hash     string `json:"-"`
	PrevHash string `json:"-"`
}

// Outcomes of reads and aggregates.
const (
	OutcomeGranted = "granted"
	OutcomeRefused = "refused"
)

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

const genesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

func chainHash(prev string, content []byte) string {
	h := sha256.New()
	h.Write([]byte(prev))
	h.Write([]byte{'\n'})
	h.Write(content)
	return hex.EncodeToString(h.Sum(nil))
}

// appendJournal adds an entry inside tx. The head row is updated first, so
// concurrent appenders queue on its lock (PostgreSQL) or on the single
// writer (SQLite): the chain never forks.
func (s *Service) appendJournal(ctx context.Context, tx *sql.Tx, e *Entry) error {
	var seq int64
	var prev string
	if err := tx.QueryRowContext(ctx, `UPDATE regie_journal_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash`).Scan(&seq, &prev); err != nil {
		return fmt.Errorf("journal head: %w", err)
	}
	e.Seq = seq
	if e.At.IsZero() {
		e.At = s.now()
	}
	e.At = e.At.UTC().Truncate(time.Microsecond)
	slices.Sort(e.Subjects)
	e.Subjects = slices.Compact(e.Subjects)
	content, err := json.Marshal(e)
	if err != nil {
		return err
	}
	e.PrevHash = prev
	e.Hash = chainHash(prev, content)
	if _, err := tx.ExecContext(ctx, `INSERT INTO regie_journal (seq, at, kind, recipient_id, consent_id, content, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, seq, e.At, e.Kind, nullID(e.Recipient), nullID(e.Consent), string(content), prev, e.Hash); err != nil {
		return fmt.Errorf("journal insert: %w", err)
	}
	for _, sub := range e.Subjects {
		if _, err := tx.ExecContext(ctx, `INSERT INTO regie_journal_subjects (subject, seq) VALUES ($1, $2)`, sub, seq); err != nil {
			return fmt.Errorf("journal subject: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE regie_journal_head SET hash = $1 WHERE id = 1`, e.Hash); err != nil {
		return fmt.Errorf("journal head: %w", err)
	}
	return nil
}

// journal appends an entry in its own transaction.
func (s *Service) journal(ctx context.Context, e *Entry) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error { return s.appendJournal(ctx, tx, e) })
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// ChainError names the first entry at which the journal stops holding.
type ChainError struct {
	Seq     int64
	Message i18n.Text
}

func (e *ChainError) Error() string {
	return fmt.Sprintf("journal entry %d: %s", e.Seq, e.Message.EN)
}

// VerifyResult summarises a journal that holds.
type VerifyResult struct {
	Entries int64
	Head    string
}

func chainErr(seq int64, fr, en string) *ChainError {
	return &ChainError{Seq: seq, Message: i18n.T(fr, en)}
}

// VerifyJournal walks the whole chain: numbering without holes, each
// entry's previous hash equal to the hash before it, each hash equal to the
// hash of the content, the indexed columns equal to the content, the
// subject index equal to the subjects of the content, and the head equal to
// the last entry. It returns a *ChainError naming the first bad entry.
func (s *Service) VerifyJournal(ctx context.Context) (VerifyResult, error) {
	var res VerifyResult
	index := map[int64][]string{}
	srows, err := s.db.R.QueryContext(ctx, `SELECT seq, subject FROM regie_journal_subjects ORDER BY seq, subject`)
	if err != nil {
		return res, err
	}
	for srows.Next() {
		var seq int64
		var sub string
		if err := srows.Scan(&seq, &sub); err != nil {
			srows.Close()
			return res, err
		}
		index[seq] = append(index[seq], sub)
	}
	srows.Close()
	if err := srows.Err(); err != nil {
		return res, err
	}
	rows, err := s.db.R.QueryContext(ctx, `SELECT seq, at, kind, recipient_id, consent_id, content, prev_hash, hash FROM regie_journal ORDER BY seq`)
	if err != nil {
		return res, err
	}
	defer rows.Close()
	prev := genesisHash
	var want int64 = 1
	for rows.Next() {
		var seq int64
		var at time.Time
		var kind, content, prevHash, hash string
		var rid, cid sql.NullInt64
		if err := rows.Scan(&seq, &at, &kind, &rid, &cid, &content, &prevHash, &hash); err != nil {
			return res, err
		}
		switch {
		case seq > want:
			return res, chainErr(want, fmt.Sprintf("entrée manquante : l'entrée suivante porte le numéro %d (suppression)", seq),
				fmt.Sprintf("entry missing: the next entry is numbered %d (deletion)", seq))
		case seq < want:
			return res, chainErr(seq, "numéro d'entrée inattendu", "unexpected entry number")
		}
		if prevHash != prev {
			return res, chainErr(seq, "l'empreinte précédente ne correspond pas à l'entrée d'avant (entrée déplacée, insérée ou supprimée)",
				"the previous hash does not match the entry before (entry moved, inserted or deleted)")
		}
		if chainHash(prevHash, []byte(content)) != hash {
			return res, chainErr(seq, "l'empreinte ne correspond pas au contenu (contenu modifié)", "the hash does not match the content (content altered)")
		}
		var e Entry
		dec := json.NewDecoder(strings.NewReader(content))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			return res, chainErr(seq, "contenu illisible", "unreadable content")
		}
		canon, _ := json.Marshal(&e)
		if string(canon) != content {
			return res, chainErr(seq, "contenu non canonique", "content not in canonical form")
		}
		if e.Seq != seq || e.Kind != kind || !e.At.Equal(at) || e.Recipient != rid.Int64 || e.Consent != cid.Int64 {
			return res, chainErr(seq, "les colonnes de l'entrée ne correspondent pas à son contenu (colonne modifiée ou entrées échangées)",
				"the entry's columns do not match its content (column altered or entries swapped)")
		}
		if !slices.Equal(index[seq], e.Subjects) {
			return res, chainErr(seq, "l'index des personnes concernées ne correspond pas à l'entrée", "the subject index does not match the entry")
		}
		delete(index, seq)
		prev = hash
		want++
		res.Entries++
	}
	if err := rows.Err(); err != nil {
		return res, err
	}
	for seq := range index {
		return res, chainErr(seq, "l'index des personnes concernées désigne une entrée absente", "the subject index points at a missing entry")
	}
	var headSeq int64
	var headHash string
	if err := s.db.R.QueryRowContext(ctx, `SELECT seq, hash FROM regie_journal_head WHERE id = 1`).Scan(&headSeq, &headHash); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return res, chainErr(want, "tête du journal absente", "journal head missing")
		}
		return res, err
	}
	if headSeq != res.Entries || headHash != prev {
		return res, chainErr(res.Entries+1, fmt.Sprintf("la tête du journal annonce %d entrées, %d trouvées (dernières entrées supprimées ou tête modifiée)", headSeq, res.Entries),
			fmt.Sprintf("the journal head announces %d entries, %d found (last entries deleted or head altered)", headSeq, res.Entries))
	}
	res.Head = prev
	return res, nil
}

// JournalPage is a page of journal entries, newest first.
type JournalPage struct {
	Entries []Entry
	Total   int
}

func scanEntries(rows *sql.Rows) ([]Entry, error) {
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var content, hash, prev string
		if err := rows.Scan(&content, &hash, &prev); err != nil {
			return nil, err
		}
		var e Entry
		if err := json.Unmarshal([]byte(content), &e); err != nil {
			return nil, err
		}
		e.Hash, e.PrevHash = hash, prev
		out = append(out, e)
	}
	return out, rows.Err()
}

// SubjectJournal returns the entries about a household (newest first): the
// "who accessed my data, when, why" list. offset/limit page through it.
func (s *Service) SubjectJournal(ctx context.Context, userID int64, offset, limit int) (JournalPage, error) {
	pseudo, err := s.pseudonymOf(ctx, s.db.R, userID)
	if err != nil || pseudo == "" {
		return JournalPage{}, err
	}
	return s.journalOf(ctx, pseudo, offset, limit)
}

func (s *Service) journalOf(ctx context.Context, pseudo string, offset, limit int) (JournalPage, error) {
	var p JournalPage
	if err := s.db.R.QueryRowContext(ctx, `SELECT count(*) FROM regie_journal_subjects WHERE subject = $1`, pseudo).Scan(&p.Total); err != nil {
		return p, err
	}
	if limit <= 0 {
		limit = p.Total + 1
	}
	rows, err := s.db.R.QueryContext(ctx, `SELECT j.content, j.hash, j.prev_hash FROM regie_journal_subjects x JOIN regie_journal j ON j.seq = x.seq
		WHERE x.subject = $1 ORDER BY x.seq DESC LIMIT $2 OFFSET $3`, pseudo, limit, offset)
	if err != nil {
		return p, err
	}
	p.Entries, err = scanEntries(rows)
	return p, err
}

// RecipientJournal returns the entries about a recipient's own requests and reads.
func (s *Service) RecipientJournal(ctx context.Context, recipientID int64, limit int) ([]Entry, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT content, hash, prev_hash FROM regie_journal WHERE recipient_id = $1 ORDER BY seq DESC LIMIT $2`, recipientID, limit)
	if err != nil {
		return nil, err
	}
	return scanEntries(rows)
}

// entryBySeq reads one entry (receipts link to it).
func (s *Service) entryBySeq(ctx context.Context, q db.Queryer, seq int64) (Entry, error) {
	rows, err := q.QueryContext(ctx, `SELECT content, hash, prev_hash FROM regie_journal WHERE seq = $1`, seq)
	if err != nil {
		return Entry{}, err
	}
	es, err := scanEntries(rows)
	if err != nil {
		return Entry{}, err
	}
	if len(es) == 0 {
		return Entry{}, errs.New(errs.NotFound, "Entrée du journal introuvable.", "Journal entry not found.")
	}
	return es[0], nil
}
