package regie

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fabrique-des-energies/fabrique/internal/platform/db"
	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/territory"
)

// Recipient is an actor that may receive household data under consent: an
// energy community, a territory (local authority) or a research team. The
// accounts that act for it hold its recipient role (RecipientMembers).
type Recipient struct {
	ID            int64
	Kind          RecipientKind
	Name          string
	SIREN         string
	TerritoryKind string
	TerritoryCode string
	// Ref links the recipient to another capability's record (for example
	// "community:<slug>"); empty when none. Unique when set.
	Ref       string
	CreatedAt time.Time
}

// RecipientSpec describes a recipient to create.
type RecipientSpec struct {
	Kind          RecipientKind
	Name          string
	SIREN         string
	TerritoryKind string
	TerritoryCode string
	Ref           string
}

func (s *Service) checkRecipientSpec(sp *RecipientSpec) error {
	sp.Name = strings.TrimSpace(sp.Name)
	sp.SIREN = strings.ReplaceAll(strings.TrimSpace(sp.SIREN), " ", "")
	sp.Ref = strings.TrimSpace(sp.Ref)
	switch sp.Kind {
	case KindCommunity, KindTerritory, KindResearcher:
	default:
		return errs.Field("kind", fmt.Sprintf("Type de destinataire « %s » inconnu (community, territory ou researcher).", sp.Kind),
			fmt.Sprintf("Unknown recipient kind %q (community, territory or researcher).", sp.Kind))
	}
	if n := utf8.RuneCountInString(sp.Name); n < 2 || n > 200 {
		return errs.Field("name", "Le nom du destinataire est obligatoire (2 à 200 caractères).", "The recipient's name is required (2 to 200 characters).")
	}
	if sp.SIREN != "" {
		ok := len(sp.SIREN) == 9
		for _, r := range sp.SIREN {
			ok = ok && r >= '0' && r <= '9'
		}
		if !ok {
			return errs.Field("siren", "Le SIREN compte 9 chiffres.", "A SIREN has 9 digits.")
		}
	}
	if sp.TerritoryKind != "" || sp.TerritoryCode != "" {
		k, err := territory.ParseKind(sp.TerritoryKind)
		if err != nil {
			return errs.Field("territory_kind", "Type de territoire inconnu (commune, epci, departement, region).", "Unknown territory kind (commune, epci, departement, region).")
		}
		if s.terr != nil {
			if _, ok := s.terr.Get(k, sp.TerritoryCode); !ok {
				return errs.Field("territory_code", "Territoire inconnu : "+sp.TerritoryCode+".", "Unknown territory: "+sp.TerritoryCode+".")
			}
		}
		sp.TerritoryKind = string(k)
	}
	if sp.Kind == KindTerritory && sp.TerritoryCode == "" {
		return errs.Field("territory_code", "Une collectivité destinataire doit indiquer son territoire.", "A local-authority recipient must name its territory.")
	}
	return nil
}

const recipientColumns = `id, kind, name, siren, territory_kind, territory_code, ref, created_at`

func scanRecipient(row interface{ Scan(...any) error }) (Recipient, error) {
	var r Recipient
	var kind string
	err := row.Scan(&r.ID, &kind, &r.Name, &r.SIREN, &r.TerritoryKind, &r.TerritoryCode, &r.Ref, &r.CreatedAt)
	r.Kind = RecipientKind(kind)
	return r, err
}

// CreateRecipient adds a recipient; adminID is the account doing it (0 for
// the command line or another capability), recorded in the journal.
func (s *Service) CreateRecipient(ctx context.Context, adminID int64, sp RecipientSpec) (Recipient, error) {
	if err := s.checkRecipientSpec(&sp); err != nil {
		return Recipient{}, err
	}
	r := Recipient{Kind: sp.Kind, Name: sp.Name, SIREN: sp.SIREN, TerritoryKind: sp.TerritoryKind, TerritoryCode: sp.TerritoryCode, Ref: sp.Ref, CreatedAt: s.clock()}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO regie_recipients (kind, name, siren, territory_kind, territory_code, ref, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, string(r.Kind), r.Name, r.SIREN, r.TerritoryKind, r.TerritoryCode, r.Ref, r.CreatedAt).Scan(&r.ID)
		if db.IsUniqueViolation(err) {
			return errs.Field("ref", "Un destinataire porte déjà cette référence.", "A recipient already has this reference.")
		}
		if err != nil {
			return err
		}
		return s.appendJournal(ctx, tx, &Entry{Kind: JAdminRecipient, Actor: adminActor(adminID), ActorID: accountID(adminID),
			Recipient: r.ID, RecipientName: r.Name, Detail: "kind=" + string(r.Kind)})
	})
	return r, err
}

// EnsureRecipient returns the recipient with sp.Ref, creating it when
// missing (other capabilities call it for their communities).
func (s *Service) EnsureRecipient(ctx context.Context, sp RecipientSpec) (Recipient, error) {
	if strings.TrimSpace(sp.Ref) == "" {
		return Recipient{}, errs.Field("ref", "Référence obligatoire.", "Reference required.")
	}
	r, err := scanRecipient(s.db.R.QueryRowContext(ctx, `SELECT `+recipientColumns+` FROM regie_recipients WHERE ref = $1`, strings.TrimSpace(sp.Ref)))
	if err == nil {
		return r, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return Recipient{}, err
	}
	return s.CreateRecipient(ctx, 0, sp)
}

func adminActor(id int64) string {
	if id == 0 {
		return ActorSystem
	}
	return ActorAdmin
}

func accountID(id int64) string {
	if id == 0 {
		return ""
	}
	return fmt.Sprintf("account:%d", id)
}

// Recipient returns a recipient by id.
func (s *Service) Recipient(ctx context.Context, id int64) (Recipient, error) {
	r, err := scanRecipient(s.db.R.QueryRowContext(ctx, `SELECT `+recipientColumns+` FROM regie_recipients WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Recipient{}, errs.New(errs.NotFound, "Destinataire introuvable.", "Recipient not found.")
	}
	return r, err
}

// Recipients lists every recipient (administration).
func (s *Service) Recipients(ctx context.Context) ([]Recipient, error) {
	return s.listRecipients(ctx, `SELECT `+recipientColumns+` FROM regie_recipients ORDER BY name, id`)
}

// RecipientsOf lists the recipients an account acts for.
func (s *Service) RecipientsOf(ctx context.Context, userID int64) ([]Recipient, error) {
	return s.listRecipients(ctx, `SELECT r.id, r.kind, r.name, r.siren, r.territory_kind, r.territory_code, r.ref, r.created_at
		FROM regie_recipients r JOIN regie_recipient_members m ON m.recipient_id = r.id WHERE m.user_id = $1 ORDER BY r.name, r.id`, userID)
}

func (s *Service) listRecipients(ctx context.Context, q string, args ...any) ([]Recipient, error) {
	rows, err := s.db.R.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Recipient
	for rows.Next() {
		r, err := scanRecipient(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// AddRecipientMember gives an account the recipient role for an actor.
func (s *Service) AddRecipientMember(ctx context.Context, adminID, recipientID, userID int64) error {
	r, err := s.Recipient(ctx, recipientID)
	if err != nil {
		return err
	}
	if _, err := s.accounts.UserByID(ctx, userID); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO regie_recipient_members (recipient_id, user_id, role, created_at) VALUES ($1, $2, 'recipient', $3)
			ON CONFLICT (recipient_id, user_id) DO NOTHING`, recipientID, userID, s.clock())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return s.appendJournal(ctx, tx, &Entry{Kind: JAdminMember, Actor: adminActor(adminID), ActorID: accountID(adminID),
			Recipient: r.ID, RecipientName: r.Name, Detail: fmt.Sprintf("grant account:%d", userID)})
	})
}

// RemoveRecipientMember takes the recipient role away from an account.
func (s *Service) RemoveRecipientMember(ctx context.Context, adminID, recipientID, userID int64) error {
	r, err := s.Recipient(ctx, recipientID)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM regie_recipient_members WHERE recipient_id = $1 AND user_id = $2`, recipientID, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.NotFound, "Ce compte n'agit pas pour ce destinataire.", "This account does not act for this recipient.")
		}
		return s.appendJournal(ctx, tx, &Entry{Kind: JAdminMember, Actor: adminActor(adminID), ActorID: accountID(adminID),
			Recipient: r.ID, RecipientName: r.Name, Detail: fmt.Sprintf("revoke account:%d", userID)})
	})
}

// Member is an account acting for a recipient.
type Member struct {
	UserID int64
	Name   string
	Email  string
	Since  time.Time
}

// RecipientMembers lists the accounts acting for a recipient.
func (s *Service) RecipientMembers(ctx context.Context, recipientID int64) ([]Member, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT user_id, created_at FROM regie_recipient_members WHERE recipient_id = $1 ORDER BY created_at, user_id`, recipientID)
	if err != nil {
		return nil, err
	}
	var out []Member
	for rows.Next() {
		var m Member
		if err := rows.Scan(&m.UserID, &m.Since); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if u, err := s.accounts.UserByID(ctx, out[i].UserID); err == nil {
			out[i].Name, out[i].Email = u.Name, u.Email
		}
	}
	return out, nil
}

// IsRecipientMember reports whether an account acts for a recipient.
func (s *Service) IsRecipientMember(ctx context.Context, recipientID, userID int64) (bool, error) {
	var n int
	err := s.db.R.QueryRowContext(ctx, `SELECT count(*) FROM regie_recipient_members WHERE recipient_id = $1 AND user_id = $2`, recipientID, userID).Scan(&n)
	return n > 0, err
}

// errNotRecipient refuses an account that does not act for the recipient.
func errNotRecipient() error {
	return errs.New(errs.Forbidden, "Votre compte n'agit pas pour ce destinataire de données.", "Your account does not act for this data recipient.")
}

// actingFor checks that the reader acts for the recipient and returns it.
func (s *Service) actingFor(ctx context.Context, rd Reader) (Recipient, error) {
	if rd.RecipientID == 0 {
		return Recipient{}, errNotRecipient()
	}
	if rd.UserID != 0 {
		ok, err := s.IsRecipientMember(ctx, rd.RecipientID, rd.UserID)
		if err != nil {
			return Recipient{}, err
		}
		if !ok {
			return Recipient{}, errNotRecipient()
		}
	} else if strings.TrimSpace(rd.Via) == "" {
		// Processing without an account must say which capability runs it.
		return Recipient{}, errs.New(errs.Forbidden, "Lecture sans compte : le traitement appelant doit se nommer.", "Read without an account: the calling processing must name itself.")
	}
	r, err := s.Recipient(ctx, rd.RecipientID)
	if errs.Is(err, errs.NotFound) {
		return Recipient{}, errNotRecipient()
	}
	return r, err
}
