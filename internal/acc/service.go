package acc

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/energy"
	"github.com/fabrique-des-energies/fabrique/internal/platform/db"
	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/i18n"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
	"github.com/fabrique-des-energies/fabrique/internal/territory"
)

//go:embed migrations
var migrationsFS embed.FS

// Migrations are the collective self-consumption tables.
func Migrations() db.Migrations {
	sub, _ := fs.Sub(migrationsFS, "migrations")
	return db.Migrations{Component: "acc", FS: sub}
}

// Service is the collective self-consumption capability: operations,
// their readings, statements and the simulator.
type Service struct {
	db   *db.DB
	terr *territory.Referential
	log  *slog.Logger
	now  func() time.Time

	mu      sync.Mutex
	curves  CurveSource
	results *resultCache
}

// New returns the service.
func New(store *db.DB, terr *territory.Referential, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	return &Service{db: store, terr: terr, log: log, now: time.Now, results: newResultCache(8)}
}

// SetClock replaces the clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// today is the current day in Paris.
func (s *Service) today() time.Time {
	t := s.now().In(energy.Paris())
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, energy.Paris())
}

// SetCurveSource plugs in the data trust: curves of participants whose
// source is a consent are read through it.
func (s *Service) SetCurveSource(c CurveSource) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.curves = c
}

func (s *Service) curveSource() CurveSource {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.curves
}

// canManage reports whether who may see and change the operation: its
// owner, and administrators.
func canManage(who *web.Identity, o *Operation) bool {
	return who != nil && (who.IsAdmin() || (o.OwnerID != 0 && o.OwnerID == who.UserID))
}

func forbidden() error {
	return errs.New(errs.Forbidden, "Cette opération est gérée par un autre compte : seuls son organisateur et l'administration y ont accès.",
		"This operation is managed by another account: only its organiser and the administrators have access.")
}

// Get returns an operation its organiser (or an administrator) may see.
func (s *Service) Get(ctx context.Context, who *web.Identity, id int64) (*Operation, error) {
	o, err := s.loadOperation(ctx, s.db.R, id)
	if err != nil {
		return nil, err
	}
	if !canManage(who, o) {
		return nil, forbidden()
	}
	return o, nil
}

// List returns the operations of who (every operation for administrators).
func (s *Service) List(ctx context.Context, who *web.Identity) ([]OperationSummary, error) {
	if who == nil {
		return []OperationSummary{}, nil
	}
	return s.listOperations(ctx, who.UserID, who.IsAdmin())
}

// Validate checks an input against the rules without saving it.
func (s *Service) Validate(in Input) (*Operation, Check, error) {
	return Validate(in, s.terr, s.today())
}

// Create checks and saves a new operation owned by who.
func (s *Service) Create(ctx context.Context, who *web.Identity, in Input) (*Operation, Check, error) {
	if who == nil {
		return nil, Check{}, errs.New(errs.Unauthorized, "Connectez-vous pour créer une opération.", "Sign in to create an operation.")
	}
	if err := s.fillFromConsents(ctx, who, &in); err != nil {
		return nil, Check{}, err
	}
	o, chk, err := s.Validate(in)
	if err != nil {
		return o, chk, err
	}
	if err := s.checkConsents(ctx, who, o); err != nil {
		return o, chk, err
	}
	o.OwnerID = who.UserID
	if err := s.db.Tx(ctx, func(tx *sql.Tx) error { return insertOperation(ctx, tx, o) }); err != nil {
		return o, chk, err
	}
	return o, chk, nil
}

// Update checks and saves new values for an operation. The step cannot
// change once readings are stored (they are kept at the operation's step).
func (s *Service) Update(ctx context.Context, who *web.Identity, id int64, in Input) (*Operation, Check, error) {
	old, err := s.Get(ctx, who, id)
	if err != nil {
		return nil, Check{}, err
	}
	if err := s.fillFromConsents(ctx, who, &in); err != nil {
		return nil, Check{}, err
	}
	o, chk, err := s.Validate(in)
	if err != nil {
		return o, chk, err
	}
	if o.Step != old.Step {
		n, err := s.countBlocks(ctx, id)
		if err != nil {
			return o, chk, err
		}
		if n > 0 {
			return o, chk, errs.Field("step_minutes", "Le pas ne peut pas changer tant que des relevés sont enregistrés : effacez-les d'abord (page Données).",
				"The step cannot change while readings are stored: clear them first (Data page).")
		}
	}
	if err := s.checkConsents(ctx, who, o); err != nil {
		return o, chk, err
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error { return updateOperation(ctx, tx, old, o) })
	return o, chk, err
}

// Delete removes an operation and the readings uploaded for it.
func (s *Service) Delete(ctx context.Context, who *web.Identity, id int64) error {
	if _, err := s.Get(ctx, who, id); err != nil {
		return err
	}
	_, err := s.db.W.ExecContext(ctx, `DELETE FROM acc_operations WHERE id = $1`, id)
	s.results.drop(id)
	return err
}

func (s *Service) countBlocks(ctx context.Context, opID int64) (int, error) {
	var n int
	err := s.db.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM acc_curves c JOIN acc_participants p ON p.id = c.participant_id
		WHERE p.operation_id = $1`, opID).Scan(&n)
	return n, err
}

// fillFromConsents completes participants that name a consent: the PRM
// and the commune of the consent's meter, and a name from the household's
// pseudonym, when the organiser left them blank.
func (s *Service) fillFromConsents(ctx context.Context, who *web.Identity, in *Input) error {
	lister, ok := s.curveSource().(ConsentLister)
	need := false
	for _, p := range in.Participants {
		need = need || p.ConsentID > 0
	}
	if !ok || !need {
		return nil
	}
	cs, err := lister.Consents(ctx, who)
	if err != nil {
		return err
	}
	byID := map[int64]ConsentOption{}
	for _, c := range cs {
		byID[c.ID] = c
	}
	for i := range in.Participants {
		p := &in.Participants[i]
		c, ok := byID[p.ConsentID]
		if p.ConsentID == 0 || !ok || len(c.PRMs) == 0 {
			continue
		}
		if strings.TrimSpace(p.PRM) == "" {
			p.PRM = c.PRMs[0]
		}
		if strings.TrimSpace(p.Commune+p.Lat+p.Lon) == "" && len(c.Communes) > 0 {
			p.Commune = c.Communes[0]
		}
		if strings.TrimSpace(p.Name) == "" {
			p.Name = "Foyer " + c.Subject
		}
		if strings.TrimSpace(p.Role) == "" {
			p.Role = string(Consumer)
		}
	}
	return nil
}

// checkConsents verifies that participants said to come through the data
// trust name a consent the organiser may use.
func (s *Service) checkConsents(ctx context.Context, who *web.Identity, o *Operation) error {
	src := s.curveSource()
	for i, p := range o.Participants {
		if p.Source != SourceConsent {
			continue
		}
		if src == nil {
			return errs.Field(fmt.Sprintf("participants[%d].consent_id", i),
				"Les courbes partagées par consentement ne sont pas disponibles sur cette instance : déposez un fichier.",
				"Curves shared under consent are not available on this instance: upload a file.")
		}
		if err := src.CheckConsent(ctx, who, p); err != nil {
			msg := i18n.T("consentement inutilisable", "consent not usable")
			if e, ok := errs.As(err); ok && e.Code != errs.Internal {
				msg = e.Message
			} else {
				return err
			}
			return errs.Field(fmt.Sprintf("participants[%d].consent_id", i),
				fmt.Sprintf("Participant « %s » : %s", p.Name, msg.FR),
				fmt.Sprintf("Participant \"%s\": %s", p.Name, msg.EN))
		}
	}
	return nil
}
