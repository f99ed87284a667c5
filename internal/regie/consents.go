package regie

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fabrique-des-energies/fabrique/internal/auth"
	"github.com/fabrique-des-energies/fabrique/internal/platform/db"
	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
)

// Consent is a household's permission for a recipient to use some of its
// data for one purpose (DOMAIN §8).
type Consent struct {
	ID          int64
	Recipient   Recipient
	RequestedBy int64
	// Subject is the household's pseudonym.
	Subject       string
	HouseholdID   int64
	Purpose       string
	PurposeText   string
	LegalBasis    string
	Categories    []Category
	Meters        []ConsentMeter
	RequestedPRMs []string
	// DataFrom and DataTo bound the period of the data the recipient may read.
	DataFrom, DataTo time.Time
	// Resolution is the finest step the recipient may read; finer requests
	// are downsampled to it.
	Resolution Step
	Mode       Mode
	// MinCohort and Dominance are the secrecy thresholds of aggregates
	// using this consent.
	MinCohort      int
	Dominance      float64
	ValidityMonths int
	// ValidFrom and ValidUntil are set when the consent is given.
	ValidFrom, ValidUntil time.Time
	RetentionDays         int
	NoticeVersion         string
	NoticeHash            string
	NoticeText            string
	Message               string
	Status                Status
	RequestedAt           time.Time
	DecidedAt, EndedAt    time.Time
	Events                []ConsentEvent
	// Erased is set for a consent whose household erased its account: only
	// a withdrawn stub remains for the recipient.
	Erased bool
}

// ConsentMeter is a meter a consent covers.
type ConsentMeter struct {
	ID      int64
	PRM     string
	Label   string
	Commune string
}

// ConsentEvent is one step of a consent's life; each has a receipt.
type ConsentEvent struct {
	ID         int64
	ConsentID  int64
	Kind       Status
	At         time.Time
	Actor      string
	JournalSeq int64
	Receipt    json.RawMessage
}

// Active reports whether the consent lets data through at instant t.
func (c *Consent) Active(t time.Time) bool {
	return c.Status == StatusGiven && !t.Before(c.ValidFrom) && t.Before(c.ValidUntil)
}

// PRMs lists the covered meters' PRMs.
func (c *Consent) PRMs() []string {
	out := make([]string, len(c.Meters))
	for i, m := range c.Meters {
		out[i] = m.PRM
	}
	return out
}

// HasCategory reports whether the consent covers a data category.
func (c *Consent) HasCategory(k Category) bool { return slices.Contains(c.Categories, k) }

// ConsentRequest is what a recipient asks a household for.
type ConsentRequest struct {
	RecipientID    int64
	HouseholdEmail string
	Purpose        string
	Categories     []string
	// PRMs are the meters asked for; empty means the meters the household
	// chooses (all its meters when it gives in one click).
	PRMs           []string
	DataFrom       time.Time
	DataTo         time.Time
	Resolution     Step
	Mode           Mode
	ValidityMonths int
	RetentionDays  int
	// MinCohort and Dominance tighten the secrecy settings for aggregates
	// (0 keeps the settings).
	MinCohort int
	Dominance float64
	Message   string
}

// NoticeVersion names the template of the notice shown to households.
const NoticeVersion = "notice-2025-1"

// notice writes the plain-French text a household reads before answering.
func notice(r Recipient, c *Consent) string {
	p, _ := PurposeByCode(c.Purpose)
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s", r.Name, r.Kind.Label().FR)
	if r.SIREN != "" {
		fmt.Fprintf(&b, ", SIREN %s", r.SIREN)
	}
	fmt.Fprintf(&b, ") vous demande l'accès à vos données d'énergie pour : %s.\n", p.Name.FR)
	fmt.Fprintf(&b, "Ce qui sera fait : %s\n", c.PurposeText)
	fmt.Fprintf(&b, "Base légale : %s\n", c.LegalBasis)
	cats := make([]string, len(c.Categories))
	for i, k := range c.Categories {
		cats[i] = k.Label().FR
	}
	fmt.Fprintf(&b, "Données : %s.\n", strings.Join(cats, ", "))
	if len(c.RequestedPRMs) > 0 {
		fmt.Fprintf(&b, "Compteurs : %s.\n", strings.Join(c.RequestedPRMs, ", "))
	} else {
		b.WriteString("Compteurs : ceux que vous choisirez.\n")
	}
	fmt.Fprintf(&b, "Période des données : du %s au %s.\n", frDate(c.DataFrom), frDate(c.DataTo.Add(-time.Second)))
	fmt.Fprintf(&b, "Précision la plus fine : %s.\n", c.Resolution.Label("fr"))
	if c.Mode == ModeAggregate {
		fmt.Fprintf(&b, "Mode d'accès : totaux anonymes seulement ; vos données ne sont jamais transmises seules, mais additionnées à celles d'au moins %d foyers ; un pas de temps où un foyer pèse plus de %.0f %% du total est masqué.\n", c.MinCohort, c.Dominance*100)
	} else {
		b.WriteString("Mode d'accès : données individuelles ; le destinataire peut lire la courbe de vos compteurs.\n")
	}
	fmt.Fprintf(&b, "Durée : %d mois à partir de votre accord ; vous pouvez retirer votre consentement à tout moment, en un clic, avec effet immédiat.\n", c.ValidityMonths)
	fmt.Fprintf(&b, "Conservation après la fin : %d jours au plus.\n", c.RetentionDays)
	b.WriteString("Chaque lecture de vos données est inscrite dans votre journal, que vous pouvez consulter.")
	return b.String()
}

func frDate(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(parisLoc).Format("02/01/2006")
}

func hashText(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func validEmail(email string) bool {
	a, err := mail.ParseAddress(email)
	return err == nil && a.Address == email && strings.Contains(email, "@") && len(email) <= 254
}

// RequestConsent records a recipient's request. The household is named by
// email: the request waits for it, even if it has no account yet (the
// answer is the same either way, so it reveals nothing).
func (s *Service) RequestConsent(ctx context.Context, rd Reader, req ConsentRequest) (Consent, error) {
	if req.RecipientID != 0 {
		rd.RecipientID = req.RecipientID
	}
	r, err := s.actingFor(ctx, rd)
	if err != nil {
		return Consent{}, err
	}
	email := strings.TrimSpace(req.HouseholdEmail)
	if !validEmail(email) {
		return Consent{}, errs.Field("household_email", "Adresse électronique du foyer invalide.", "Invalid household email address.")
	}
	p, ok := PurposeByCode(req.Purpose)
	if !ok {
		codes := make([]string, len(purposes))
		for i, x := range purposes {
			codes[i] = x.Code
		}
		return Consent{}, errs.Field("purpose", "Finalité inconnue ; choisissez parmi : "+strings.Join(codes, ", ")+".", "Unknown purpose; choose among: "+strings.Join(codes, ", ")+".")
	}
	if !p.allows(r.Kind) {
		return Consent{}, errs.Field("purpose", fmt.Sprintf("La finalité « %s » n'est pas ouverte à ce type de destinataire (%s).", p.Name.FR, r.Kind.Label().FR),
			fmt.Sprintf("Purpose %q is not open to this kind of recipient (%s).", p.Name.EN, r.Kind.Label().EN))
	}
	cats, err := parseCategories(req.Categories)
	if err != nil {
		return Consent{}, err
	}
	var prms []string
	for _, x := range req.PRMs {
		if strings.TrimSpace(x) == "" {
			continue
		}
		prm, err := NormalizePRM(x)
		if err != nil {
			return Consent{}, err
		}
		if !slices.Contains(prms, prm) {
			prms = append(prms, prm)
		}
	}
	if len(prms) > 50 {
		return Consent{}, errs.Field("prms", "50 compteurs au plus par demande.", "At most 50 meters per request.")
	}
	if req.DataFrom.IsZero() || req.DataTo.IsZero() || !req.DataFrom.Before(req.DataTo) {
		return Consent{}, errs.Field("data_from", "La période des données doit avoir un début antérieur à sa fin.", "The data period must start before it ends.")
	}
	if req.DataTo.Sub(req.DataFrom) > 10*366*24*time.Hour {
		return Consent{}, errs.Field("data_to", "La période des données couvre dix ans au plus.", "The data period covers ten years at most.")
	}
	if !req.Resolution.Valid() {
		return Consent{}, errs.Field("resolution", "Précision inconnue : PT10M, PT15M, PT30M, PT1H, P1D ou P1M.", "Unknown resolution: PT10M, PT15M, PT30M, PT1H, P1D or P1M.")
	}
	mode := req.Mode
	if mode == "" {
		mode = ModeIndividual
		if p.AggregateOnly {
			mode = ModeAggregate
		}
	}
	switch mode {
	case ModeIndividual:
		if p.AggregateOnly {
			return Consent{}, errs.Field("mode", fmt.Sprintf("La finalité « %s » n'autorise que des totaux anonymes (mode aggregate).", p.Name.FR),
				fmt.Sprintf("Purpose %q allows anonymous totals only (aggregate mode).", p.Name.EN))
		}
	case ModeAggregate:
	default:
		return Consent{}, errs.Field("mode", "Mode d'accès inconnu : individual ou aggregate.", "Unknown access mode: individual or aggregate.")
	}
	if req.ValidityMonths < 1 || req.ValidityMonths > MaxValidityMonths {
		return Consent{}, errs.Field("validity_months", fmt.Sprintf("La durée de validité va de 1 à %d mois (trois ans au plus).", MaxValidityMonths),
			fmt.Sprintf("The validity lasts 1 to %d months (three years at most).", MaxValidityMonths))
	}
	if req.RetentionDays < 0 || req.RetentionDays > MaxRetentionDays {
		return Consent{}, errs.Field("retention_days", fmt.Sprintf("La conservation après la fin va de 0 à %d jours.", MaxRetentionDays),
			fmt.Sprintf("Retention after the end lasts 0 to %d days.", MaxRetentionDays))
	}
	minCohort, dominance := s.settings.MinCohort, s.settings.Dominance
	if req.MinCohort != 0 {
		if req.MinCohort < minCohort {
			return Consent{}, errs.Field("min_cohort", fmt.Sprintf("La taille minimale de cohorte ne peut pas descendre sous %d.", minCohort), fmt.Sprintf("The minimum cohort cannot go below %d.", minCohort))
		}
		minCohort = req.MinCohort
	}
	if req.Dominance != 0 {
		if req.Dominance > dominance || req.Dominance < 0.5 {
			return Consent{}, errs.Field("dominance", fmt.Sprintf("Le seuil de dominance va de 0,5 à %.2f.", dominance), fmt.Sprintf("The dominance threshold lies between 0.5 and %.2f.", dominance))
		}
		dominance = req.Dominance
	}
	msg := strings.TrimSpace(req.Message)
	if utf8.RuneCountInString(msg) > 2000 {
		return Consent{}, errs.Field("message", "Le message fait 2 000 caractères au plus.", "The message is at most 2,000 characters.")
	}
	now := s.clock()
	c := Consent{Recipient: r, RequestedBy: rd.UserID, Purpose: p.Code, PurposeText: p.Text.FR, LegalBasis: p.LegalBasis.FR, Categories: cats,
		RequestedPRMs: prms, DataFrom: req.DataFrom.UTC(), DataTo: req.DataTo.UTC(), Resolution: req.Resolution, Mode: mode,
		MinCohort: minCohort, Dominance: dominance, ValidityMonths: req.ValidityMonths, RetentionDays: req.RetentionDays,
		NoticeVersion: NoticeVersion, Message: msg, Status: StatusRequested, RequestedAt: now}
	c.NoticeText = notice(r, &c)
	c.NoticeHash = hashText(c.NoticeText)
	key := auth.EmailKey(email)
	var householdID int64
	if u, err := s.accounts.UserByEmail(ctx, email); err == nil {
		householdID = u.ID
	} else if !errs.Is(err, errs.NotFound) {
		return Consent{}, err
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		var open int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM regie_consents WHERE recipient_id = $1 AND household_email_key = $2 AND purpose = $3 AND status = 'requested'`,
			r.ID, key, p.Code).Scan(&open); err != nil {
			return err
		}
		if open > 0 {
			return errs.New(errs.Conflict, "Une demande pour cette finalité attend déjà la réponse de ce foyer.", "A request for this purpose already awaits this household's answer.")
		}
		pseudo, err := s.subjectFor(ctx, tx, key, householdID)
		if err != nil {
			return err
		}
		c.Subject, c.HouseholdID = pseudo, householdID
		err = tx.QueryRowContext(ctx, `INSERT INTO regie_consents (recipient_id, requested_by, subject, household_id, household_email_key, purpose, purpose_text, legal_basis,
			categories, requested_prms, data_from, data_to, resolution, mode, min_cohort, dominance, validity_months, retention_days,
			notice_version, notice_hash, notice_text, message, status, requested_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, 'requested', $23, $23) RETURNING id`,
			r.ID, nullID(rd.UserID), pseudo, nullID(householdID), key, c.Purpose, c.PurposeText, c.LegalBasis, joinCategories(cats), strings.Join(prms, ","),
			c.DataFrom, c.DataTo, string(c.Resolution), string(c.Mode), c.MinCohort, c.Dominance, c.ValidityMonths, c.RetentionDays,
			c.NoticeVersion, c.NoticeHash, c.NoticeText, c.Message, now).Scan(&c.ID)
		if err != nil {
			return err
		}
		return s.addEvent(ctx, tx, &c, StatusRequested, ActorRecipient, rd)
	})
	return c, err
}

// addEvent journals a consent event and stores its receipt.
func (s *Service) addEvent(ctx context.Context, tx *sql.Tx, c *Consent, kind Status, actor string, rd Reader) error {
	now := s.clock()
	e := &Entry{At: now, Kind: "consent." + string(kind), Actor: actor, Subjects: []string{c.Subject}, Recipient: c.Recipient.ID,
		RecipientName: c.Recipient.Name, Consent: c.ID, Purpose: c.Purpose, From: timePtr(c.DataFrom), To: timePtr(c.DataTo), Step: string(c.Resolution)}
	switch actor {
	case ActorHousehold:
		e.ActorID = c.Subject
	case ActorRecipient:
		e.ActorID, e.Via = accountID(rd.UserID), rd.Via
	}
	for _, m := range c.Meters {
		e.Meters = append(e.Meters, m.ID)
	}
	if err := s.appendJournal(ctx, tx, e); err != nil {
		return err
	}
	ev := ConsentEvent{ConsentID: c.ID, Kind: kind, At: now, Actor: actor, JournalSeq: e.Seq}
	c.Events = append(c.Events, ev)
	if err := tx.QueryRowContext(ctx, `INSERT INTO regie_consent_events (consent_id, kind, at, actor, journal_seq, receipt) VALUES ($1, $2, $3, $4, $5, '') RETURNING id`,
		c.ID, string(kind), now, actor, e.Seq).Scan(&ev.ID); err != nil {
		return err
	}
	c.Events[len(c.Events)-1].ID = ev.ID
	rec, err := json.Marshal(buildReceipt(c, ev, e.Hash))
	if err != nil {
		return err
	}
	c.Events[len(c.Events)-1].Receipt = rec
	_, err = tx.ExecContext(ctx, `UPDATE regie_consent_events SET receipt = $1 WHERE id = $2`, string(rec), ev.ID)
	return err
}

// Receipt is the JSON record of a consent event, handed to the household
// and to the recipient: the consent as it stood after the event, with the
// journal entry that proves it.
type Receipt struct {
	ReceiptID  int64            `json:"receipt_id"`
	Version    string           `json:"version"`
	ConsentID  int64            `json:"consent_id"`
	Event      string           `json:"event"`
	EventAt    time.Time        `json:"event_at"`
	Actor      string           `json:"actor"`
	Journal    ReceiptJournal   `json:"journal"`
	Subject    string           `json:"subject"`
	Recipient  ReceiptRecipient `json:"recipient"`
	Purpose    ReceiptPurpose   `json:"purpose"`
	Categories []Category       `json:"data_categories"`
	Meters     []string         `json:"source_meters"`
	Period     ReceiptPeriod    `json:"data_period"`
	Resolution Step             `json:"finest_resolution"`
	Access     ReceiptAccess    `json:"access"`
	Validity   ReceiptValidity  `json:"validity"`
	Retention  int              `json:"retention_days_after_end"`
	Notice     ReceiptNotice    `json:"notice"`
	Status     Status           `json:"status"`
	Events     []ReceiptEvent   `json:"events"`
}

// ReceiptJournal points at the journal entry of the event.
type ReceiptJournal struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
}

// ReceiptRecipient names the recipient.
type ReceiptRecipient struct {
	ID    int64         `json:"id"`
	Kind  RecipientKind `json:"kind"`
	Name  string        `json:"name"`
	SIREN string        `json:"siren,omitempty"`
}

// ReceiptPurpose is the purpose as shown.
type ReceiptPurpose struct {
	Code       string `json:"code"`
	Text       string `json:"text"`
	LegalBasis string `json:"legal_basis"`
}

// ReceiptPeriod bounds the data.
type ReceiptPeriod struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// ReceiptAccess is the access mode with its thresholds.
type ReceiptAccess struct {
	Mode      Mode    `json:"mode"`
	MinCohort int     `json:"min_cohort,omitempty"`
	Dominance float64 `json:"dominance_threshold,omitempty"`
}

// ReceiptValidity bounds the consent.
type ReceiptValidity struct {
	Months int        `json:"months"`
	From   *time.Time `json:"from,omitempty"`
	Until  *time.Time `json:"until,omitempty"`
}

// ReceiptNotice identifies the text shown to the household.
type ReceiptNotice struct {
	Version string `json:"version"`
	SHA256  string `json:"sha256"`
}

// ReceiptEvent is one event of the consent's list.
type ReceiptEvent struct {
	Kind       Status    `json:"kind"`
	At         time.Time `json:"at"`
	Actor      string    `json:"actor"`
	JournalSeq int64     `json:"journal_seq"`
}

// ReceiptVersion names the receipt format.
const ReceiptVersion = "fabrique-consent-receipt/1"

func buildReceipt(c *Consent, ev ConsentEvent, hash string) Receipt {
	r := Receipt{ReceiptID: ev.ID, Version: ReceiptVersion, ConsentID: c.ID, Event: string(ev.Kind), EventAt: ev.At, Actor: ev.Actor,
		Journal: ReceiptJournal{Seq: ev.JournalSeq, Hash: hash}, Subject: c.Subject,
		Recipient:  ReceiptRecipient{ID: c.Recipient.ID, Kind: c.Recipient.Kind, Name: c.Recipient.Name, SIREN: c.Recipient.SIREN},
		Purpose:    ReceiptPurpose{Code: c.Purpose, Text: c.PurposeText, LegalBasis: c.LegalBasis},
		Categories: c.Categories, Meters: c.PRMs(), Period: ReceiptPeriod{From: c.DataFrom, To: c.DataTo}, Resolution: c.Resolution,
		Access:    ReceiptAccess{Mode: c.Mode},
		Validity:  ReceiptValidity{Months: c.ValidityMonths, From: timePtr(c.ValidFrom), Until: timePtr(c.ValidUntil)},
		Retention: c.RetentionDays, Notice: ReceiptNotice{Version: c.NoticeVersion, SHA256: c.NoticeHash}, Status: c.Status}
	if len(r.Meters) == 0 {
		r.Meters = c.RequestedPRMs
	}
	if r.Meters == nil {
		r.Meters = []string{}
	}
	if c.Mode == ModeAggregate {
		r.Access.MinCohort, r.Access.Dominance = c.MinCohort, c.Dominance
	}
	for _, e := range c.Events {
		r.Events = append(r.Events, ReceiptEvent{Kind: e.Kind, At: e.At, Actor: e.Actor, JournalSeq: e.JournalSeq})
	}
	return r
}

const consentColumns = `c.id, c.recipient_id, c.requested_by, c.subject, c.household_id, c.purpose, c.purpose_text, c.legal_basis, c.categories, c.requested_prms,
	c.data_from, c.data_to, c.resolution, c.mode, c.min_cohort, c.dominance, c.validity_months, c.valid_from, c.valid_until, c.retention_days,
	c.notice_version, c.notice_hash, c.notice_text, c.message, c.status, c.requested_at, c.decided_at, c.ended_at`

func scanConsent(row interface{ Scan(...any) error }) (Consent, error) {
	var c Consent
	var reqBy, hh sql.NullInt64
	var cats, prms, res, mode, status string
	var vf, vu, dec, end sql.NullTime
	err := row.Scan(&c.ID, &c.Recipient.ID, &reqBy, &c.Subject, &hh, &c.Purpose, &c.PurposeText, &c.LegalBasis, &cats, &prms,
		&c.DataFrom, &c.DataTo, &res, &mode, &c.MinCohort, &c.Dominance, &c.ValidityMonths, &vf, &vu, &c.RetentionDays,
		&c.NoticeVersion, &c.NoticeHash, &c.NoticeText, &c.Message, &status, &c.RequestedAt, &dec, &end)
	if err != nil {
		return c, err
	}
	c.RequestedBy, c.HouseholdID = reqBy.Int64, hh.Int64
	c.Categories = splitCategories(cats)
	if prms != "" {
		c.RequestedPRMs = strings.Split(prms, ",")
	}
	c.Resolution, c.Mode, c.Status = Step(res), Mode(mode), Status(status)
	c.ValidFrom, c.ValidUntil, c.DecidedAt, c.EndedAt = vf.Time.UTC(), vu.Time.UTC(), dec.Time.UTC(), end.Time.UTC()
	c.DataFrom, c.DataTo, c.RequestedAt = c.DataFrom.UTC(), c.DataTo.UTC(), c.RequestedAt.UTC()
	if !vf.Valid {
		c.ValidFrom = time.Time{}
	}
	if !vu.Valid {
		c.ValidUntil = time.Time{}
	}
	if !dec.Valid {
		c.DecidedAt = time.Time{}
	}
	if !end.Valid {
		c.EndedAt = time.Time{}
	}
	return c, nil
}

// loadConsents reads consents with their recipient, meters and events.
func (s *Service) loadConsents(ctx context.Context, q db.Queryer, where string, args ...any) ([]Consent, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+consentColumns+` FROM regie_consents c WHERE `+where+` ORDER BY c.requested_at DESC, c.id DESC`, args...)
	if err != nil {
		return nil, err
	}
	var out []Consent
	for rows.Next() {
		c, err := scanConsent(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	recips := map[int64]Recipient{}
	for i := range out {
		c := &out[i]
		r, ok := recips[c.Recipient.ID]
		if !ok {
			if r, err = scanRecipient(q.QueryRowContext(ctx, `SELECT `+recipientColumns+` FROM regie_recipients WHERE id = $1`, c.Recipient.ID)); err != nil {
				return nil, err
			}
			recips[r.ID] = r
		}
		c.Recipient = r
		mrows, err := q.QueryContext(ctx, `SELECT m.id, m.prm, m.label, m.commune FROM regie_consent_meters cm JOIN regie_meters m ON m.id = cm.meter_id
			WHERE cm.consent_id = $1 ORDER BY m.prm`, c.ID)
		if err != nil {
			return nil, err
		}
		for mrows.Next() {
			var m ConsentMeter
			if err := mrows.Scan(&m.ID, &m.PRM, &m.Label, &m.Commune); err != nil {
				mrows.Close()
				return nil, err
			}
			c.Meters = append(c.Meters, m)
		}
		mrows.Close()
		erows, err := q.QueryContext(ctx, `SELECT id, consent_id, kind, at, actor, journal_seq, receipt FROM regie_consent_events WHERE consent_id = $1 ORDER BY id`, c.ID)
		if err != nil {
			return nil, err
		}
		for erows.Next() {
			var e ConsentEvent
			var kind, rec string
			if err := erows.Scan(&e.ID, &e.ConsentID, &kind, &e.At, &e.Actor, &e.JournalSeq, &rec); err != nil {
				erows.Close()
				return nil, err
			}
			e.Kind, e.Receipt, e.At = Status(kind), json.RawMessage(rec), e.At.UTC()
			c.Events = append(c.Events, e)
		}
		erows.Close()
	}
	return out, nil
}

func (s *Service) consentByID(ctx context.Context, q db.Queryer, id int64) (Consent, error) {
	cs, err := s.loadConsents(ctx, q, `c.id = $1`, id)
	if err != nil {
		return Consent{}, err
	}
	if len(cs) == 0 {
		return Consent{}, errs.New(errs.NotFound, "Consentement introuvable.", "Consent not found.")
	}
	return cs[0], nil
}

// claim links requests made to the household's email before it had an
// account (or before its first visit) to the account.
func (s *Service) claim(ctx context.Context, userID int64) error {
	u, err := s.accounts.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	key := auth.EmailKey(u.Email)
	var n int
	if err := s.db.R.QueryRowContext(ctx, `SELECT count(*) FROM regie_consents WHERE household_id IS NULL AND household_email_key = $1`, key).Scan(&n); err != nil || n == 0 {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := s.subjectFor(ctx, tx, key, userID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE regie_consents SET household_id = $1 WHERE household_id IS NULL AND household_email_key = $2`, userID, key)
		return err
	})
}

// HouseholdConsents lists the consents asked of or given by a household,
// newest first; expired ones are marked so on the way.
func (s *Service) HouseholdConsents(ctx context.Context, userID int64) ([]Consent, error) {
	if err := s.claim(ctx, userID); err != nil {
		return nil, err
	}
	if err := s.ExpireDue(ctx); err != nil {
		return nil, err
	}
	return s.loadConsents(ctx, s.db.R, `c.household_id = $1`, userID)
}

// HouseholdConsent returns one of the household's consents; another
// household's consent is refused with Forbidden.
func (s *Service) HouseholdConsent(ctx context.Context, userID, id int64) (Consent, error) {
	if err := s.claim(ctx, userID); err != nil {
		return Consent{}, err
	}
	if err := s.ExpireDue(ctx); err != nil {
		return Consent{}, err
	}
	c, err := s.consentByID(ctx, s.db.R, id)
	if errs.Is(err, errs.NotFound) || (err == nil && c.HouseholdID != userID) {
		return Consent{}, errs.New(errs.Forbidden, "Ce consentement ne concerne pas votre compte.", "This consent does not concern your account.")
	}
	return c, err
}

// RecipientConsents lists a recipient's consents (status "" for all),
// including the withdrawn stubs of erased households.
func (s *Service) RecipientConsents(ctx context.Context, rd Reader, status Status) ([]Consent, error) {
	r, err := s.actingFor(ctx, rd)
	if err != nil {
		return nil, err
	}
	if status != "" && !slices.Contains(Statuses(), status) {
		return nil, errs.Field("status", "Statut inconnu : requested, given, refused, withdrawn ou expired.", "Unknown status: requested, given, refused, withdrawn or expired.")
	}
	if err := s.ExpireDue(ctx); err != nil {
		return nil, err
	}
	var cs []Consent
	if status == "" {
		cs, err = s.loadConsents(ctx, s.db.R, `c.recipient_id = $1`, r.ID)
	} else {
		cs, err = s.loadConsents(ctx, s.db.R, `c.recipient_id = $1 AND c.status = $2`, r.ID, string(status))
	}
	if err != nil {
		return nil, err
	}
	q := `SELECT consent_id, subject, purpose, status, requested_at, ended_at FROM regie_consent_tombstones WHERE recipient_id = $1`
	args := []any{r.ID}
	if status != "" {
		q += ` AND status = $2`
		args = append(args, string(status))
	}
	rows, err := s.db.R.QueryContext(ctx, q+` ORDER BY consent_id DESC`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		c := Consent{Recipient: r, Erased: true}
		var st string
		if err := rows.Scan(&c.ID, &c.Subject, &c.Purpose, &st, &c.RequestedAt, &c.EndedAt); err != nil {
			return nil, err
		}
		c.Status = Status(st)
		if p, ok := PurposeByCode(c.Purpose); ok {
			c.PurposeText = p.Text.FR
		}
		cs = append(cs, c)
	}
	return cs, rows.Err()
}

// RecipientConsent returns one consent of the recipient.
func (s *Service) RecipientConsent(ctx context.Context, rd Reader, id int64) (Consent, error) {
	cs, err := s.RecipientConsents(ctx, rd, "")
	if err != nil {
		return Consent{}, err
	}
	for _, c := range cs {
		if c.ID == id {
			return c, nil
		}
	}
	return Consent{}, errs.New(errs.Forbidden, "Ce consentement ne concerne pas ce destinataire.", "This consent does not concern this recipient.")
}

// Give records the household's consent. prms narrows the meters (empty:
// the requested meters, or all the household's meters when none were
// named). Validity starts now.
func (s *Service) Give(ctx context.Context, userID, id int64, prms []string) (Consent, error) {
	return s.decide(ctx, userID, id, StatusGiven, prms)
}

// Refuse records the household's refusal.
func (s *Service) Refuse(ctx context.Context, userID, id int64) (Consent, error) {
	return s.decide(ctx, userID, id, StatusRefused, nil)
}

// Withdraw ends a given consent at once: the recipient's next read is refused.
func (s *Service) Withdraw(ctx context.Context, userID, id int64) (Consent, error) {
	return s.decide(ctx, userID, id, StatusWithdrawn, nil)
}

func (s *Service) decide(ctx context.Context, userID, id int64, to Status, prms []string) (Consent, error) {
	c, err := s.HouseholdConsent(ctx, userID, id)
	if err != nil {
		return Consent{}, err
	}
	switch {
	case to == StatusWithdrawn && c.Status != StatusGiven:
		return Consent{}, errs.New(errs.Conflict, fmt.Sprintf("Seul un consentement donné peut être retiré (celui-ci est %s).", c.Status.Label().FR),
			fmt.Sprintf("Only a given consent can be withdrawn (this one is %s).", c.Status.Label().EN))
	case to != StatusWithdrawn && c.Status != StatusRequested:
		return Consent{}, errs.New(errs.Conflict, fmt.Sprintf("Cette demande a déjà reçu une réponse (%s).", c.Status.Label().FR),
			fmt.Sprintf("This request has already been answered (%s).", c.Status.Label().EN))
	}
	var meters []Meter
	if to == StatusGiven {
		all, err := s.Meters(ctx, userID)
		if err != nil {
			return Consent{}, err
		}
		want := c.RequestedPRMs
		if len(prms) > 0 {
			want = nil
			for _, p := range prms {
				if len(c.RequestedPRMs) > 0 && !slices.Contains(c.RequestedPRMs, p) {
					return Consent{}, errs.Field("prm", fmt.Sprintf("Le compteur %s n'est pas dans la demande.", p), fmt.Sprintf("Meter %s is not in the request.", p))
				}
				want = append(want, p)
			}
		}
		for _, m := range all {
			if len(want) == 0 || slices.Contains(want, m.PRM) {
				meters = append(meters, m)
			}
		}
		if len(meters) == 0 {
			return Consent{}, errs.New(errs.Invalid, "Aucun des compteurs demandés n'est enregistré dans votre compte : ajoutez-le d'abord sur « Mes données ».",
				"None of the requested meters is registered in your account: add it first on \"My data\".")
		}
	}
	now := s.clock()
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		var res sql.Result
		var err error
		switch to {
		case StatusGiven:
			c.ValidFrom, c.ValidUntil = now, now.AddDate(0, c.ValidityMonths, 0)
			res, err = tx.ExecContext(ctx, `UPDATE regie_consents SET status = 'given', decided_at = $1, valid_from = $1, valid_until = $2, updated_at = $1
				WHERE id = $3 AND status = 'requested'`, now, c.ValidUntil, c.ID)
			if err == nil {
				for _, m := range meters {
					if _, err = tx.ExecContext(ctx, `INSERT INTO regie_consent_meters (consent_id, meter_id) VALUES ($1, $2)`, c.ID, m.ID); err != nil {
						break
					}
					c.Meters = append(c.Meters, ConsentMeter{ID: m.ID, PRM: m.PRM, Label: m.Label, Commune: m.Commune})
				}
			}
			c.DecidedAt = now
		case StatusRefused:
			res, err = tx.ExecContext(ctx, `UPDATE regie_consents SET status = 'refused', decided_at = $1, updated_at = $1 WHERE id = $2 AND status = 'requested'`, now, c.ID)
			c.DecidedAt = now
		case StatusWithdrawn:
			res, err = tx.ExecContext(ctx, `UPDATE regie_consents SET status = 'withdrawn', ended_at = $1, updated_at = $1 WHERE id = $2 AND status = 'given'`, now, c.ID)
			c.EndedAt = now
		}
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.Conflict, "Ce consentement vient de changer : rechargez la page.", "This consent just changed: reload the page.")
		}
		c.Status = to
		return s.addEvent(ctx, tx, &c, to, ActorHousehold, Reader{UserID: userID})
	})
	return c, err
}

// ExpireDue marks given consents past their validity as expired, with an
// event and a journal entry each. Reads do not wait for it: the door
// compares validity with the clock on every request.
func (s *Service) ExpireDue(ctx context.Context) error {
	now := s.clock()
	var ids []int64
	// The SQL bound is one second loose (SQLite compares instants as text,
	// which is exact only across different seconds); Go compares exactly.
	rows, err := s.db.R.QueryContext(ctx, `SELECT id, valid_until FROM regie_consents WHERE status = 'given' AND valid_until <= $1`, now.Add(time.Second))
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		var until time.Time
		if err := rows.Scan(&id, &until); err != nil {
			rows.Close()
			return err
		}
		if !until.After(now) {
			ids = append(ids, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(ids) == 0 {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		for _, id := range ids {
			c, err := s.consentByID(ctx, tx, id)
			if err != nil {
				return err
			}
			res, err := tx.ExecContext(ctx, `UPDATE regie_consents SET status = 'expired', ended_at = valid_until, updated_at = $1 WHERE id = $2 AND status = 'given'`, now, id)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				continue
			}
			c.Status, c.EndedAt = StatusExpired, c.ValidUntil
			if err := s.addEvent(ctx, tx, &c, StatusExpired, ActorSystem, Reader{}); err != nil {
				return err
			}
		}
		return nil
	})
}

// ReceiptFor returns a receipt (a consent event) to the household it
// concerns or to an account acting for its recipient.
func (s *Service) ReceiptFor(ctx context.Context, userID, eventID int64) (Consent, ConsentEvent, error) {
	var consentID int64
	err := s.db.R.QueryRowContext(ctx, `SELECT consent_id FROM regie_consent_events WHERE id = $1`, eventID).Scan(&consentID)
	denied := errs.New(errs.Forbidden, "Ce reçu ne concerne ni votre compte ni un destinataire pour lequel vous agissez.",
		"This receipt concerns neither your account nor a recipient you act for.")
	if errors.Is(err, sql.ErrNoRows) {
		return Consent{}, ConsentEvent{}, denied
	}
	if err != nil {
		return Consent{}, ConsentEvent{}, err
	}
	c, err := s.consentByID(ctx, s.db.R, consentID)
	if err != nil {
		return Consent{}, ConsentEvent{}, err
	}
	allowed := c.HouseholdID == userID
	if !allowed {
		if allowed, err = s.IsRecipientMember(ctx, c.Recipient.ID, userID); err != nil {
			return Consent{}, ConsentEvent{}, err
		}
	}
	if !allowed {
		return Consent{}, ConsentEvent{}, denied
	}
	for _, e := range c.Events {
		if e.ID == eventID {
			return c, e, nil
		}
	}
	return Consent{}, ConsentEvent{}, denied
}
