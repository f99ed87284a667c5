// Package observatory is the registry of energy communities and their
// projects ("observatoire"): who does what where, how far each community
// has come (stages, journal, needs, accompaniment by the Fabrique), and
// what it adds up to for a territory (dashboards, maps, open exports).
//
// The package owns its tables (prefix obs_). Other packages use the
// Service; they never read the tables. Private contact fields never leave
// the package except to a community's managers and the Fabrique team:
// public reads blank them in SQL, so a forgotten check cannot leak them.
package observatory

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/platform/db"
	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
	"github.com/fabrique-des-energies/fabrique/internal/territory"
)

//go:embed migrations
var migrationsFS embed.FS

// Migrations are the observatory's tables.
func Migrations() db.Migrations {
	sub, _ := fs.Sub(migrationsFS, "migrations")
	return db.Migrations{Component: "observatory", FS: sub}
}

// Users looks accounts up for the managers of communities.
type Users interface {
	// LookupEmail returns the id and display name of the account with that email.
	LookupEmail(ctx context.Context, email string) (id int64, name string, err error)
	// LookupID returns the display name and email of an account.
	LookupID(ctx context.Context, id int64) (name, email string, err error)
}

// Resources resolves slugs of resources of the commons to titles and
// links. It may be nil: accompaniments then show slugs only.
type Resources interface {
	ResourceRefs(ctx context.Context, slugs []string) (map[string]ResourceRef, error)
}

// Service is the observatory capability.
type Service struct {
	db   *db.DB
	terr *territory.Referential
	log  *slog.Logger
	now  func() time.Time

	mu        sync.RWMutex
	users     Users
	resources Resources

	statsMu    sync.Mutex
	statsCache map[string]statsEntry
}

// statsEntry is a computed set of statistics and the generation it reflects.
type statsEntry struct {
	gen int64
	st  Stats
}

// New returns the service.
func New(store *db.DB, terr *territory.Referential, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{db: store, terr: terr, log: log, now: db.Now}
}

// SetUsers sets the account directory used for managers.
func (s *Service) SetUsers(u Users) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users = u
}

// SetResources sets the resolver of commons resources (nil to disable).
func (s *Service) SetResources(r Resources) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.resources = r
}

func (s *Service) directory() Users {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.users
}

func (s *Service) resolver() Resources {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.resources
}

// bump marks a change of communities or projects: cached statistics of
// an older generation are recomputed.
func bump(ctx context.Context, q db.Queryer) error {
	_, err := q.ExecContext(ctx, `UPDATE obs_meta SET value = value + 1 WHERE name = 'generation'`)
	return err
}

// generation reads the change counter.
func (s *Service) generation(ctx context.Context) (int64, error) {
	var g int64
	err := s.db.R.QueryRowContext(ctx, `SELECT value FROM obs_meta WHERE name = 'generation'`).Scan(&g)
	return g, err
}

// Territories returns the referential the service places communities with.
func (s *Service) Territories() *territory.Referential { return s.terr }

var (
	errNotFound = func(slug string) error {
		return errs.New(errs.NotFound, "Aucune communauté « "+slug+" ».", "No community \""+slug+"\".")
	}
	errForbidden = errs.New(errs.Forbidden,
		"Seuls les gestionnaires de cette communauté et l'équipe de la Fabrique peuvent la modifier.",
		"Only this community's managers and the Fabrique team may change it.")
)

// contactCols selects the contact fields; public reads blank private ones
// in the query itself.
func contactCols(private bool) string {
	if private {
		return `c.contact_name, c.contact_email, c.contact_phone`
	}
	return `CASE WHEN c.contact_name_private THEN '' ELSE c.contact_name END,
		CASE WHEN c.contact_email_private THEN '' ELSE c.contact_email END,
		CASE WHEN c.contact_phone_private THEN '' ELSE c.contact_phone END`
}

func communityCols(private bool) string {
	return `c.id, c.slug, c.name, c.legal_form, c.eu_status,
		c.open_participation, c.open_participation_evidence, c.member_control, c.member_control_evidence, c.benefits, c.benefits_evidence,
		c.commune, c.epci, c.departement, c.region, c.lat, c.lon, c.founding_year,
		c.members_citizens, c.members_local_authorities, c.members_businesses, c.members_associations,
		c.website, ` + contactCols(private) + `, c.contact_name_private, c.contact_email_private, c.contact_phone_private,
		c.label, c.description, c.stage, c.stage_since, c.example, c.created_at, c.updated_at`
}

type scanner interface{ Scan(...any) error }

func (s *Service) scanCommunity(row scanner, extra ...any) (Community, error) {
	var c Community
	p := &c.Principles
	dest := []any{&c.ID, &c.Slug, &c.Name, &c.LegalForm, &c.EUStatus,
		&p.OpenParticipation.Status, &p.OpenParticipation.Evidence, &p.MemberControl.Status, &p.MemberControl.Evidence, &p.Benefits.Status, &p.Benefits.Evidence,
		&c.Place.Commune, &c.Place.EPCI, &c.Place.Departement, &c.Place.Region, &c.Place.Lat, &c.Place.Lon, &c.FoundingYear,
		&c.Members.Citizens, &c.Members.LocalAuthorities, &c.Members.Businesses, &c.Members.Associations,
		&c.Website, &c.Contact.Name, &c.Contact.Email, &c.Contact.Phone, &c.Contact.NamePrivate, &c.Contact.EmailPrivate, &c.Contact.PhonePrivate,
		&c.Label, &c.Description, &c.Stage, &c.StageSince, &c.Example, &c.CreatedAt, &c.UpdatedAt}
	if err := row.Scan(append(dest, extra...)...); err != nil {
		return c, err
	}
	c.Place.fillNames(s.terr)
	return c, nil
}

// Community returns the public view of a community: private contact
// fields are empty.
func (s *Service) Community(ctx context.Context, slug string) (Community, error) {
	return s.community(ctx, s.db.R, slug, false)
}

// CommunityForEditor returns the whole community, private contact fields
// included, to one of its managers or the Fabrique team; others get a
// Forbidden error.
func (s *Service) CommunityForEditor(ctx context.Context, id *web.Identity, slug string) (Community, error) {
	c, err := s.community(ctx, s.db.R, slug, true)
	if err != nil {
		return Community{}, err
	}
	ok, err := s.CanEdit(ctx, id, c.ID)
	if err != nil {
		return Community{}, err
	}
	if !ok {
		return Community{}, errForbidden
	}
	return c, nil
}

func (s *Service) community(ctx context.Context, q db.Queryer, slug string, private bool) (Community, error) {
	c, err := s.scanCommunity(q.QueryRowContext(ctx, `SELECT `+communityCols(private)+` FROM obs_communities c WHERE c.slug = $1`, slug))
	if errors.Is(err, sql.ErrNoRows) {
		return Community{}, errNotFound(slug)
	}
	if err != nil {
		return Community{}, fmt.Errorf("community %s: %w", slug, err)
	}
	if err := s.loadActivities(ctx, q, []*Community{&c}); err != nil {
		return Community{}, err
	}
	return c, nil
}

func (s *Service) loadActivities(ctx context.Context, q db.Queryer, list []*Community) error {
	if len(list) == 0 {
		return nil
	}
	byID := make(map[int64]*Community, len(list))
	args := make([]any, len(list))
	for i, c := range list {
		byID[c.ID] = c
		args[i] = c.ID
		c.Activities = nil
	}
	rows, err := q.QueryContext(ctx, `SELECT community_id, activity FROM obs_community_activities WHERE community_id IN (`+db.Placeholders(1, len(args))+`)`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	got := map[int64]map[string]bool{}
	for rows.Next() {
		var id int64
		var a string
		if err := rows.Scan(&id, &a); err != nil {
			return err
		}
		if got[id] == nil {
			got[id] = map[string]bool{}
		}
		got[id][a] = true
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for id, set := range got {
		for _, code := range Activities.Codes() {
			if set[code] {
				byID[id].Activities = append(byID[id].Activities, code)
			}
		}
	}
	return nil
}

// CanEdit reports whether the identity may change the community: one of
// its managers, a moderator or an administrator.
func (s *Service) CanEdit(ctx context.Context, id *web.Identity, communityID int64) (bool, error) {
	if id == nil {
		return false, nil
	}
	if id.IsModerator() {
		return true, nil
	}
	var n int
	err := s.db.R.QueryRowContext(ctx, `SELECT count(*) FROM obs_managers WHERE community_id = $1 AND user_id = $2`, communityID, id.UserID).Scan(&n)
	return n > 0, err
}

func searchText(c Community) string {
	return territory.Normalize(strings.Join([]string{c.Name, c.Place.CommuneName, c.Place.EPCIName, c.Label, c.Description}, " "))
}

func actorID(id *web.Identity) any {
	if id == nil || id.UserID == 0 {
		return nil
	}
	return id.UserID
}

func actorName(id *web.Identity) string {
	if id == nil {
		return ""
	}
	return id.Name
}

// Create adds a community. Its creator becomes its first manager. When the
// slug is derived from the name and already taken, a number is appended.
func (s *Service) Create(ctx context.Context, id *web.Identity, in CommunityInput) (Community, error) {
	now := s.now()
	c, verr := validateCommunity(s.terr, in, now)
	if verr != nil {
		return Community{}, verr
	}
	explicit := strings.TrimSpace(in.Slug) != ""
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		slug, err := s.freeSlug(ctx, tx, c.Slug, explicit)
		if err != nil {
			return err
		}
		c.Slug = slug
		c.CreatedAt, c.UpdatedAt, c.StageSince = now, now, now
		if c.ID, err = insertCommunity(ctx, tx, c, actorID(id)); err != nil {
			return err
		}
		if err := writeActivities(ctx, tx, c.ID, c.Activities); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO obs_stage_changes (community_id, stage, changed_at, changed_by, author_name, note) VALUES ($1, $2, $3, $4, $5, $6)`,
			c.ID, c.Stage, now, actorID(id), actorName(id), ""); err != nil {
			return err
		}
		if id != nil && id.UserID != 0 && !id.IsModerator() {
			if _, err = tx.ExecContext(ctx, `INSERT INTO obs_managers (community_id, user_id, added_at) VALUES ($1, $2, $3)`, c.ID, id.UserID, now); err != nil {
				return err
			}
		}
		return bump(ctx, tx)
	})
	if err != nil {
		return Community{}, err
	}
	return c, nil
}

// freeSlug returns slug if unused; otherwise a numbered variant, or a
// conflict when the slug was chosen explicitly.
func (s *Service) freeSlug(ctx context.Context, q db.Queryer, slug string, explicit bool) (string, error) {
	if slug == "" {
		slug = "communaute"
	}
	for i := 1; i < 1000; i++ {
		try := slug
		if i > 1 {
			try = fmt.Sprintf("%s-%d", strings.TrimRight(slug[:min(len(slug), 75)], "-"), i)
		}
		var n int
		if err := q.QueryRowContext(ctx, `SELECT count(*) FROM obs_communities WHERE slug = $1`, try).Scan(&n); err != nil {
			return "", err
		}
		if n == 0 {
			return try, nil
		}
		if explicit {
			return "", errs.Field("slug", "L'identifiant « "+slug+" » est déjà pris par une autre communauté.",
				"The identifier \""+slug+"\" is already used by another community.")
		}
	}
	return "", errs.Field("slug", "Impossible de trouver un identifiant libre.", "No free identifier found.")
}

func insertCommunity(ctx context.Context, q db.Queryer, c Community, createdBy any) (int64, error) {
	p := c.Principles
	var id int64
	err := q.QueryRowContext(ctx, `INSERT INTO obs_communities (slug, name, sort_name, search_text, legal_form, eu_status,
		open_participation, open_participation_evidence, member_control, member_control_evidence, benefits, benefits_evidence,
		commune, epci, departement, region, lat, lon, founding_year,
		members_citizens, members_local_authorities, members_businesses, members_associations,
		website, contact_name, contact_name_private, contact_email, contact_email_private, contact_phone, contact_phone_private,
		label, description, stage, stage_since, example, created_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23,
		$24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34, $35, $36, $37, $38) RETURNING id`,
		c.Slug, c.Name, territory.Normalize(c.Name), searchText(c), c.LegalForm, c.EUStatus,
		p.OpenParticipation.Status, p.OpenParticipation.Evidence, p.MemberControl.Status, p.MemberControl.Evidence, p.Benefits.Status, p.Benefits.Evidence,
		c.Place.Commune, c.Place.EPCI, c.Place.Departement, c.Place.Region, c.Place.Lat, c.Place.Lon, c.FoundingYear,
		c.Members.Citizens, c.Members.LocalAuthorities, c.Members.Businesses, c.Members.Associations,
		c.Website, c.Contact.Name, c.Contact.NamePrivate, c.Contact.Email, c.Contact.EmailPrivate, c.Contact.Phone, c.Contact.PhonePrivate,
		c.Label, c.Description, c.Stage, c.StageSince, c.Example, createdBy, c.CreatedAt, c.UpdatedAt).Scan(&id)
	if db.IsUniqueViolation(err) {
		return 0, errs.Field("slug", "L'identifiant « "+c.Slug+" » est déjà pris.", "The identifier \""+c.Slug+"\" is already used.")
	}
	return id, err
}

func updateCommunity(ctx context.Context, q db.Queryer, c Community) error {
	p := c.Principles
	_, err := q.ExecContext(ctx, `UPDATE obs_communities SET name = $1, sort_name = $2, search_text = $3, legal_form = $4, eu_status = $5,
		open_participation = $6, open_participation_evidence = $7, member_control = $8, member_control_evidence = $9, benefits = $10, benefits_evidence = $11,
		commune = $12, epci = $13, departement = $14, region = $15, lat = $16, lon = $17, founding_year = $18,
		members_citizens = $19, members_local_authorities = $20, members_businesses = $21, members_associations = $22,
		website = $23, contact_name = $24, contact_name_private = $25, contact_email = $26, contact_email_private = $27, contact_phone = $28, contact_phone_private = $29,
		label = $30, description = $31, stage = $32, stage_since = $33, example = $34, updated_at = $35 WHERE id = $36`,
		c.Name, territory.Normalize(c.Name), searchText(c), c.LegalForm, c.EUStatus,
		p.OpenParticipation.Status, p.OpenParticipation.Evidence, p.MemberControl.Status, p.MemberControl.Evidence, p.Benefits.Status, p.Benefits.Evidence,
		c.Place.Commune, c.Place.EPCI, c.Place.Departement, c.Place.Region, c.Place.Lat, c.Place.Lon, c.FoundingYear,
		c.Members.Citizens, c.Members.LocalAuthorities, c.Members.Businesses, c.Members.Associations,
		c.Website, c.Contact.Name, c.Contact.NamePrivate, c.Contact.Email, c.Contact.EmailPrivate, c.Contact.Phone, c.Contact.PhonePrivate,
		c.Label, c.Description, c.Stage, c.StageSince, c.Example, c.UpdatedAt, c.ID)
	return err
}

func writeActivities(ctx context.Context, q db.Queryer, id int64, acts []string) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM obs_community_activities WHERE community_id = $1`, id); err != nil {
		return err
	}
	for _, a := range acts {
		if _, err := q.ExecContext(ctx, `INSERT INTO obs_community_activities (community_id, activity) VALUES ($1, $2)`, id, a); err != nil {
			return err
		}
	}
	return nil
}

// Update changes a community (its slug stays). A different stage is
// recorded in the stage history.
func (s *Service) Update(ctx context.Context, id *web.Identity, slug string, in CommunityInput) (Community, error) {
	cur, err := s.CommunityForEditor(ctx, id, slug)
	if err != nil {
		return Community{}, err
	}
	in.Slug = cur.Slug
	if strings.TrimSpace(in.Stage) == "" {
		in.Stage = cur.Stage
	}
	now := s.now()
	c, verr := validateCommunity(s.terr, in, now)
	if verr != nil {
		return Community{}, verr
	}
	c.ID, c.CreatedAt, c.UpdatedAt, c.StageSince = cur.ID, cur.CreatedAt, now, cur.StageSince
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if c.Stage != cur.Stage {
			c.StageSince = now
			if _, err := tx.ExecContext(ctx, `INSERT INTO obs_stage_changes (community_id, stage, changed_at, changed_by, author_name, note) VALUES ($1, $2, $3, $4, $5, $6)`,
				c.ID, c.Stage, now, actorID(id), actorName(id), ""); err != nil {
				return err
			}
		}
		if err := updateCommunity(ctx, tx, c); err != nil {
			return err
		}
		if err := writeActivities(ctx, tx, c.ID, c.Activities); err != nil {
			return err
		}
		return bump(ctx, tx)
	})
	return c, err
}

// Delete removes a community and everything attached to it (moderators
// and administrators only).
func (s *Service) Delete(ctx context.Context, id *web.Identity, slug string) error {
	if !id.IsModerator() {
		return errs.New(errs.Forbidden, "Seule l'équipe de la Fabrique peut supprimer une communauté.", "Only the Fabrique team may delete a community.")
	}
	res, err := s.db.W.ExecContext(ctx, `DELETE FROM obs_communities WHERE slug = $1`, slug)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errNotFound(slug)
	}
	return bump(ctx, s.db.W)
}

// editable loads a community's id for a write, checking the rights.
func (s *Service) editable(ctx context.Context, id *web.Identity, slug string) (int64, error) {
	var cid int64
	err := s.db.R.QueryRowContext(ctx, `SELECT id FROM obs_communities WHERE slug = $1`, slug).Scan(&cid)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, errNotFound(slug)
	}
	if err != nil {
		return 0, err
	}
	ok, err := s.CanEdit(ctx, id, cid)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, errForbidden
	}
	return cid, nil
}

// SetStage moves a community to a stage and records it with a note.
func (s *Service) SetStage(ctx context.Context, id *web.Identity, slug, stage, note string) error {
	cid, err := s.editable(ctx, id, slug)
	if err != nil {
		return err
	}
	var p problems
	code := p.enum("stage", Stages, stage, "", "L'étape", "Stage")
	note = p.text("note", note, 1000, false, "La note", "The note")
	if e := p.err(); e != nil {
		return e
	}
	now := s.now()
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		var cur string
		if err := tx.QueryRowContext(ctx, `SELECT stage FROM obs_communities WHERE id = $1`, cid).Scan(&cur); err != nil {
			return err
		}
		if cur == code {
			return errs.Field("stage", "La communauté est déjà à l'étape « "+Stages.Label(code).FR+" ».", "The community is already at stage \""+Stages.Label(code).EN+"\".")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE obs_communities SET stage = $1, stage_since = $2, updated_at = $2 WHERE id = $3`, code, now, cid); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO obs_stage_changes (community_id, stage, changed_at, changed_by, author_name, note) VALUES ($1, $2, $3, $4, $5, $6)`,
			cid, code, now, actorID(id), actorName(id), note); err != nil {
			return err
		}
		return bump(ctx, tx)
	})
}

// StageHistory lists a community's stages, oldest first.
func (s *Service) StageHistory(ctx context.Context, communityID int64) ([]StageChange, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT stage, changed_at, author_name, note FROM obs_stage_changes WHERE community_id = $1 ORDER BY changed_at, id`, communityID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []StageChange{}
	for rows.Next() {
		var sc StageChange
		if err := rows.Scan(&sc.Stage, &sc.At, &sc.Author, &sc.Note); err != nil {
			return nil, err
		}
		out = append(out, sc)
	}
	return out, rows.Err()
}

// AddJournal writes a dated journal entry signed by the identity.
func (s *Service) AddJournal(ctx context.Context, id *web.Identity, slug, date, body string) (JournalEntry, error) {
	cid, err := s.editable(ctx, id, slug)
	if err != nil {
		return JournalEntry{}, err
	}
	var p problems
	now := s.now()
	if strings.TrimSpace(date) == "" {
		date = now.In(web.Paris).Format("2006-01-02")
	}
	d, ok := parseDate(date)
	if !ok {
		p.add("date", "La date s'écrit AAAA-MM-JJ (par exemple 2025-03-14).", "The date is written YYYY-MM-DD (for example 2025-03-14).")
	}
	body = p.text("body", body, 5000, true, "Le texte de l'entrée", "The entry text")
	if e := p.err(); e != nil {
		return JournalEntry{}, e
	}
	e := JournalEntry{Date: d, Author: actorName(id), Body: body, CreatedAt: now}
	err = s.db.W.QueryRowContext(ctx, `INSERT INTO obs_journal (community_id, entry_date, body, author_id, author_name, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		cid, e.Date, e.Body, actorID(id), e.Author, now).Scan(&e.ID)
	if err != nil {
		return JournalEntry{}, err
	}
	_, err = s.db.W.ExecContext(ctx, `UPDATE obs_communities SET updated_at = $1 WHERE id = $2`, now, cid)
	return e, err
}

// Journal lists a community's journal, newest first.
func (s *Service) Journal(ctx context.Context, communityID int64) ([]JournalEntry, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT id, entry_date, author_name, body, created_at FROM obs_journal WHERE community_id = $1 ORDER BY entry_date DESC, id DESC`, communityID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []JournalEntry{}
	for rows.Next() {
		var e JournalEntry
		if err := rows.Scan(&e.ID, &e.Date, &e.Author, &e.Body, &e.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// AddNeed records an open need of a community.
func (s *Service) AddNeed(ctx context.Context, id *web.Identity, slug, title, details string) (Need, error) {
	cid, err := s.editable(ctx, id, slug)
	if err != nil {
		return Need{}, err
	}
	var p problems
	title = p.text("title", title, 200, true, "Le besoin", "The need")
	details = p.text("details", details, 2000, false, "Le détail du besoin", "The need's details")
	if e := p.err(); e != nil {
		return Need{}, e
	}
	n := Need{Title: title, Details: details, Open: true, CreatedAt: s.now()}
	err = s.db.W.QueryRowContext(ctx, `INSERT INTO obs_needs (community_id, title, details, is_open, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		cid, n.Title, n.Details, true, n.CreatedAt).Scan(&n.ID)
	return n, err
}

// CloseNeed marks a need as met.
func (s *Service) CloseNeed(ctx context.Context, id *web.Identity, slug string, needID int64) error {
	cid, err := s.editable(ctx, id, slug)
	if err != nil {
		return err
	}
	res, err := s.db.W.ExecContext(ctx, `UPDATE obs_needs SET is_open = $1, closed_at = $2 WHERE id = $3 AND community_id = $4 AND is_open = $5`, false, s.now(), needID, cid, true)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.New(errs.NotFound, "Aucun besoin ouvert avec ce numéro pour cette communauté.", "No open need with this number for this community.")
	}
	return nil
}

// Needs lists a community's needs, open ones first.
func (s *Service) Needs(ctx context.Context, communityID int64) ([]Need, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT id, title, details, is_open, created_at, closed_at FROM obs_needs WHERE community_id = $1 ORDER BY is_open DESC, created_at DESC, id DESC`, communityID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Need{}
	for rows.Next() {
		var n Need
		var closed sql.NullTime
		if err := rows.Scan(&n.ID, &n.Title, &n.Details, &n.Open, &n.CreatedAt, &closed); err != nil {
			return nil, err
		}
		if closed.Valid {
			t := closed.Time
			n.ClosedAt = &t
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// AccompanimentInput records support given by the Fabrique.
type AccompanimentInput struct {
	Date      string   `json:"date"`
	Person    string   `json:"person"`
	Hours     float64  `json:"hours"`
	Summary   string   `json:"summary"`
	Resources []string `json:"resources"`
}

var resourceSlug = slugPattern

// AddAccompaniment records an accompaniment (the Fabrique team only).
func (s *Service) AddAccompaniment(ctx context.Context, id *web.Identity, slug string, in AccompanimentInput) (Accompaniment, error) {
	if !id.IsModerator() {
		return Accompaniment{}, errs.New(errs.Forbidden, "Seule l'équipe de la Fabrique enregistre ses accompagnements.", "Only the Fabrique team records its accompaniments.")
	}
	cid, err := s.editable(ctx, id, slug)
	if err != nil {
		return Accompaniment{}, err
	}
	var p problems
	d, ok := parseDate(in.Date)
	if !ok {
		p.add("date", "La date s'écrit AAAA-MM-JJ (par exemple 2025-03-14).", "The date is written YYYY-MM-DD (for example 2025-03-14).")
	}
	person := p.text("person", in.Person, 120, true, "La personne qui accompagne", "The person who accompanied")
	if in.Hours <= 0 || in.Hours > 1000 || in.Hours != in.Hours {
		p.add("hours", "Le nombre d'heures est compris entre 0 (exclu) et 1000.", "The number of hours is between 0 (excluded) and 1000.")
	}
	summary := p.text("summary", in.Summary, 5000, true, "Ce qui a été produit", "What was produced")
	var slugs []string
	seen := map[string]bool{}
	for _, r := range in.Resources {
		r = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(r), "/ressources/"))
		if r == "" || seen[r] {
			continue
		}
		if !resourceSlug.MatchString(r) || len(r) > 120 {
			p.add("resources", "Ressource « "+r+" » : donnez l'identifiant (slug) d'une ressource du centre de ressources.",
				"Resource \""+r+"\": give the identifier (slug) of a resource of the commons.")
			continue
		}
		seen[r] = true
		slugs = append(slugs, r)
	}
	if e := p.err(); e != nil {
		return Accompaniment{}, e
	}
	a := Accompaniment{Date: d, Person: person, Hours: in.Hours, Summary: summary, CreatedAt: s.now()}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO obs_accompaniments (community_id, occurred_on, person, hours, summary, author_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			cid, a.Date, a.Person, a.Hours, a.Summary, actorID(id), a.CreatedAt).Scan(&a.ID); err != nil {
			return err
		}
		for _, sl := range slugs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO obs_accompaniment_resources (accompaniment_id, resource_slug) VALUES ($1, $2)`, a.ID, sl); err != nil {
				return err
			}
			a.Resources = append(a.Resources, ResourceRef{Slug: sl})
		}
		return nil
	})
	return a, err
}

// Accompaniments lists a community's accompaniments, newest first, with
// resource titles when the commons can resolve them.
func (s *Service) Accompaniments(ctx context.Context, communityID int64) ([]Accompaniment, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT a.id, a.occurred_on, a.person, a.hours, a.summary, a.created_at, COALESCE(r.resource_slug, '')
		FROM obs_accompaniments a LEFT JOIN obs_accompaniment_resources r ON r.accompaniment_id = a.id
		WHERE a.community_id = $1 ORDER BY a.occurred_on DESC, a.id DESC, r.resource_slug`, communityID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Accompaniment{}
	var all []string
	for rows.Next() {
		var a Accompaniment
		var slug string
		if err := rows.Scan(&a.ID, &a.Date, &a.Person, &a.Hours, &a.Summary, &a.CreatedAt, &slug); err != nil {
			return nil, err
		}
		if n := len(out); n > 0 && out[n-1].ID == a.ID {
			out[n-1].Resources = append(out[n-1].Resources, ResourceRef{Slug: slug})
		} else {
			if slug != "" {
				a.Resources = []ResourceRef{{Slug: slug}}
			} else {
				a.Resources = []ResourceRef{}
			}
			out = append(out, a)
		}
		if slug != "" {
			all = append(all, slug)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	s.resolveResources(ctx, out, all)
	return out, nil
}

func (s *Service) resolveResources(ctx context.Context, list []Accompaniment, slugs []string) {
	res := s.resolver()
	if res == nil || len(slugs) == 0 {
		return
	}
	refs, err := res.ResourceRefs(ctx, slugs)
	if err != nil {
		// Titles are a comfort: the slugs still show.
		s.log.WarnContext(ctx, "resolve commons resources", "err", err)
		return
	}
	for i := range list {
		for j, r := range list[i].Resources {
			if ref, ok := refs[r.Slug]; ok {
				ref.Slug = r.Slug
				list[i].Resources[j] = ref
			}
		}
	}
}

// Managers lists the accounts allowed to edit a community.
func (s *Service) Managers(ctx context.Context, communityID int64) ([]Manager, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT user_id FROM obs_managers WHERE community_id = $1 ORDER BY added_at, user_id`, communityID)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := []Manager{}
	dir := s.directory()
	for _, id := range ids {
		m := Manager{UserID: id}
		if dir != nil {
			name, email, err := dir.LookupID(ctx, id)
			if err != nil && !errs.Is(err, errs.NotFound) {
				return nil, err
			}
			m.Name, m.Email = name, email
		}
		out = append(out, m)
	}
	return out, nil
}

// AddManager lets the account with that email edit the community
// (administrators only).
func (s *Service) AddManager(ctx context.Context, id *web.Identity, slug, email string) error {
	if !id.IsAdmin() {
		return errs.New(errs.Forbidden, "Seuls les administrateurs désignent les gestionnaires.", "Only administrators assign managers.")
	}
	c, err := s.Community(ctx, slug)
	if err != nil {
		return err
	}
	email = strings.TrimSpace(email)
	if email == "" {
		return errs.Field("email", "Donnez l'adresse du compte à ajouter.", "Give the email of the account to add.")
	}
	dir := s.directory()
	if dir == nil {
		return errs.New(errs.Internal, "Annuaire des comptes indisponible.", "Account directory unavailable.")
	}
	uid, _, err := dir.LookupEmail(ctx, email)
	if errs.Is(err, errs.NotFound) {
		return errs.Field("email", "Aucun compte avec l'adresse "+email+" : la personne doit d'abord créer son compte.",
			"No account with address "+email+": the person must first create an account.")
	}
	if err != nil {
		return err
	}
	return s.addManagerID(ctx, c.ID, uid)
}

func (s *Service) addManagerID(ctx context.Context, communityID, userID int64) error {
	_, err := s.db.W.ExecContext(ctx, `INSERT INTO obs_managers (community_id, user_id, added_at) VALUES ($1, $2, $3) ON CONFLICT (community_id, user_id) DO NOTHING`,
		communityID, userID, s.now())
	return err
}

// RemoveManager withdraws an account's right to edit (administrators only).
func (s *Service) RemoveManager(ctx context.Context, id *web.Identity, slug string, userID int64) error {
	if !id.IsAdmin() {
		return errs.New(errs.Forbidden, "Seuls les administrateurs désignent les gestionnaires.", "Only administrators assign managers.")
	}
	c, err := s.Community(ctx, slug)
	if err != nil {
		return err
	}
	res, err := s.db.W.ExecContext(ctx, `DELETE FROM obs_managers WHERE community_id = $1 AND user_id = $2`, c.ID, userID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.New(errs.NotFound, "Ce compte ne gère pas cette communauté.", "This account does not manage this community.")
	}
	return nil
}

// DeletedAuthor replaces the name of a deleted account in the follow-up.
const DeletedAuthor = "compte supprimé"

// ForgetAuthor removes a deleted account's name from the journal entries
// and stage changes it wrote; the entries stay. It runs inside the
// account-deletion transaction (register it with the accounts service).
func ForgetAuthor(ctx context.Context, tx *sql.Tx, userID int64) error {
	for _, q := range []string{
		`UPDATE obs_journal SET author_name = $1, author_id = NULL WHERE author_id = $2`,
		`UPDATE obs_stage_changes SET author_name = $1, changed_by = NULL WHERE changed_by = $2`,
	} {
		if _, err := tx.ExecContext(ctx, q, DeletedAuthor, userID); err != nil {
			return err
		}
	}
	return nil
}

// ManagedBy lists the communities an account manages (public view).
func (s *Service) ManagedBy(ctx context.Context, userID int64) ([]Community, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT `+communityCols(false)+` FROM obs_communities c JOIN obs_managers m ON m.community_id = c.id
		WHERE m.user_id = $1 ORDER BY c.sort_name`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Community
	for rows.Next() {
		c, err := s.scanCommunity(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
