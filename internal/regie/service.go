// Package regie is the household data trust (régie de données): meters and
// their readings stored as compact blocks, consents given by households to
// recipients (communities, territories, researchers) for a purpose, the one
// door through which every read of household data passes, aggregates under
// statistical secrecy, and a hash-chained journal households can read.
//
// Only this package touches the regie_* tables. Other packages read curves
// and aggregates through Service.ReadCurve and Service.Aggregate, which
// check a consent and write to the journal on every call.
package regie

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/base32"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/auth"
	"github.com/fabrique-des-energies/fabrique/internal/platform/db"
	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/territory"
)

//go:embed migrations
var migrationsFS embed.FS

// Migrations are the data trust's tables.
func Migrations() db.Migrations {
	sub, _ := fs.Sub(migrationsFS, "migrations")
	return db.Migrations{Component: "regie", FS: sub}
}

// Floor values of the secrecy settings: the rules of DOMAIN §7.
const (
	// MinCohortFloor is the smallest cohort an aggregate may describe.
	MinCohortFloor = 10
	// DominanceCeiling is the largest share of a step one meter may hold
	// before the step is masked.
	DominanceCeiling = 0.85
	// MaxValidityMonths bounds a consent's validity (three years).
	MaxValidityMonths = 36
	// MaxRetentionDays bounds how long a recipient may keep data after a
	// consent ends.
	MaxRetentionDays = 5 * 365
)

// Settings are the data trust's rules that an operator may tighten.
type Settings struct {
	// MinCohort is the fewest meters an aggregate may describe (≥ 10).
	MinCohort int
	// Dominance masks a step where one meter holds more than this share of
	// the cohort's total (between 0.5 and 0.85).
	Dominance float64
}

// DefaultSettings are the legal minimums.
func DefaultSettings() Settings {
	return Settings{MinCohort: MinCohortFloor, Dominance: DominanceCeiling}
}

// Validate refuses settings looser than the rules.
func (st Settings) Validate() error {
	if st.MinCohort < MinCohortFloor {
		return errs.Field("min_cohort",
			fmt.Sprintf("La taille minimale d'une cohorte ne peut pas descendre sous %d compteurs (secret statistique) : %d demandé.", MinCohortFloor, st.MinCohort),
			fmt.Sprintf("The minimum cohort size cannot go below %d meters (statistical secrecy): %d asked.", MinCohortFloor, st.MinCohort))
	}
	if st.MinCohort > 10000 {
		return errs.Field("min_cohort", "Taille minimale de cohorte trop grande (10 000 au plus).", "Minimum cohort size too large (at most 10,000).")
	}
	if !(st.Dominance >= 0.5 && st.Dominance <= DominanceCeiling) {
		return errs.Field("dominance",
			fmt.Sprintf("Le seuil de dominance doit être compris entre 0,5 et %.2f : %g demandé.", DominanceCeiling, st.Dominance),
			fmt.Sprintf("The dominance threshold must lie between 0.5 and %.2f: %g asked.", DominanceCeiling, st.Dominance))
	}
	return nil
}

// Accounts is what the data trust needs from the accounts capability.
type Accounts interface {
	UserByEmail(ctx context.Context, email string) (auth.User, error)
	UserByID(ctx context.Context, id int64) (auth.User, error)
}

// Service is the data trust.
type Service struct {
	db       *db.DB
	log      *slog.Logger
	accounts Accounts
	terr     *territory.Referential
	settings Settings

	mu  sync.Mutex
	now func() time.Time
}

// New returns the data trust service. It refuses settings looser than the rules.
func New(store *db.DB, log *slog.Logger, accounts Accounts, terr *territory.Referential, st Settings) (*Service, error) {
	if err := st.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{db: store, log: log, accounts: accounts, terr: terr, settings: st, now: db.Now}, nil
}

// Settings returns the secrecy settings in force.
func (s *Service) Settings() Settings { return s.settings }

// SetClock replaces the clock (tests move time forward to expire consents).
func (s *Service) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = func() time.Time { return now().UTC().Truncate(time.Microsecond) }
}

func (s *Service) clock() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now()
}

// ---- subjects (pseudonyms) ----

var pseudoEncoding = base32.NewEncoding("abcdefghijkmnpqrstuvwxyz23456789").WithPadding(base32.NoPadding)

func newPseudonym() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "f-" + pseudoEncoding.EncodeToString(b[:])
}

// subjectFor returns the pseudonym of the household known by emailKey,
// creating it when needed; userID (when not 0) is linked to it.
func (s *Service) subjectFor(ctx context.Context, tx *sql.Tx, emailKey string, userID int64) (string, error) {
	var pseudo string
	var uid sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT pseudonym, user_id FROM regie_subjects WHERE email_key = $1`, emailKey).Scan(&pseudo, &uid)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		pseudo = newPseudonym()
		_, err = tx.ExecContext(ctx, `INSERT INTO regie_subjects (pseudonym, user_id, email_key, created_at) VALUES ($1, $2, $3, $4)`,
			pseudo, nullID(userID), emailKey, s.clock())
		return pseudo, err
	case err != nil:
		return "", err
	}
	if userID != 0 && (!uid.Valid || uid.Int64 != userID) {
		if _, err := tx.ExecContext(ctx, `UPDATE regie_subjects SET user_id = $1 WHERE pseudonym = $2`, userID, pseudo); err != nil {
			return "", err
		}
	}
	return pseudo, nil
}

// householdSubject returns the pseudonym of an account, creating it.
func (s *Service) householdSubject(ctx context.Context, tx *sql.Tx, userID int64) (string, error) {
	var pseudo string
	err := tx.QueryRowContext(ctx, `SELECT pseudonym FROM regie_subjects WHERE user_id = $1`, userID).Scan(&pseudo)
	if err == nil {
		return pseudo, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", err
	}
	u, err := s.accounts.UserByID(ctx, userID)
	if err != nil {
		return "", err
	}
	return s.subjectFor(ctx, tx, auth.EmailKey(u.Email), userID)
}

// pseudonymOf returns an account's pseudonym, "" when it has none yet.
func (s *Service) pseudonymOf(ctx context.Context, q db.Queryer, userID int64) (string, error) {
	var pseudo string
	err := q.QueryRowContext(ctx, `SELECT pseudonym FROM regie_subjects WHERE user_id = $1`, userID).Scan(&pseudo)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return pseudo, err
}

// Pseudonym returns the household's pseudonym as shown in its journal and
// receipts ("" before its first consent, import or read).
func (s *Service) Pseudonym(ctx context.Context, userID int64) (string, error) {
	return s.pseudonymOf(ctx, s.db.R, userID)
}

func trimLabel(s string, max int) string {
	s = strings.TrimSpace(s)
	r := []rune(s)
	if len(r) > max {
		return string(r[:max])
	}
	return s
}
