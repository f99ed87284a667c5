// Package commons is the "Centre de ressources": the catalogue of commons (resources) and of
// the actors who make them, with revisions, French full-text search, moderation, open formats
// (JSON-LD, DCAT-AP, CSV, Atom), federation between catalogues and MediaWiki import.
//
// Other packages use the Service; the tables are the package's own.
package commons

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/commons/frtext"
	"github.com/fabrique-des-energies/fabrique/internal/platform/db"
	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/markup"
	"github.com/fabrique-des-energies/fabrique/internal/territory"
)

//go:embed migrations
var migrationsFS embed.FS

// Migrations are the commons tables (after the accounts: they reference users).
func Migrations() db.Migrations {
	sub, _ := fs.Sub(migrationsFS, "migrations")
	return db.Migrations{Component: "commons", FS: sub}
}

// Service is the commons capability.
type Service struct {
	db      *db.DB
	terr    *territory.Referential
	log     *slog.Logger
	baseURL string

	mu  sync.RWMutex
	now func() time.Time

	idx     index
	blocker Blocker
	// HTTPClient fetches harvested catalogues.
	HTTPClient *http.Client
}

// New returns the commons service. baseURL is the public address used in open formats.
func New(store *db.DB, terr *territory.Referential, log *slog.Logger, baseURL string) *Service {
	s := &Service{db: store, terr: terr, log: log, baseURL: strings.TrimRight(baseURL, "/"), now: db.Now,
		HTTPClient: &http.Client{Timeout: 60 * time.Second}}
	s.idx.s = s
	return s
}

// SetClock replaces the clock (tests move time forward to pass grace periods).
func (s *Service) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = func() time.Time { return now().UTC().Truncate(time.Microsecond) }
}

// Now is the service's current time.
func (s *Service) Now() time.Time {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.now()
}

// BaseURL is the public address of the site.
func (s *Service) BaseURL() string { return s.baseURL }

// Referential is the territory referential in use.
func (s *Service) Referential() *territory.Referential { return s.terr }

// DB is the store (for the application's tests and benchmarks).
func (s *Service) DB() *db.DB { return s.db }

func bumpGeneration(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `UPDATE commons_generation SET n = n + 1 WHERE id = 1`)
	return err
}

func notFoundResource(slug string) error {
	return errs.New(errs.NotFound, "Aucune ressource « "+slug+" ».", "No resource \""+slug+"\".")
}

func notFoundActor(slug string) error {
	return errs.New(errs.NotFound, "Aucun acteur « "+slug+" ».", "No actor \""+slug+"\".")
}

// derived is what is computed from the fields before writing a resource.
type derived struct {
	bodyText, titleTerms, summaryTerms, doc string
	themes, territories, links, needs       string
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func (s *Service) derive(f *Fields) derived {
	d := derived{bodyText: markup.PlainText(f.Body)}
	var tt, st strings.Builder
	frtext.Join(&tt, frtext.Terms(f.Title, 0))
	frtext.Join(&st, frtext.Terms(f.Summary, 0))
	d.titleTerms, d.summaryTerms = tt.String(), st.String()
	var extra []string
	for _, c := range f.Contributors {
		extra = append(extra, c.Name)
	}
	for _, p := range f.Territories {
		if t, ok := s.terr.Get(territory.Kind(p.Kind), p.Code); ok {
			extra = append(extra, t.Name)
		}
	}
	for _, l := range f.Links {
		extra = append(extra, l.Label)
	}
	for _, n := range f.Needs {
		extra = append(extra, n.Text)
	}
	d.doc = frtext.Document(f.Title, f.Summary, d.bodyText, strings.Join(extra, "\n"))
	d.themes, d.territories, d.links, d.needs = mustJSON(f.Themes), mustJSON(f.Territories), mustJSON(f.Links), mustJSON(f.Needs)
	return d
}

// ftsUpsert writes a resource's analysed document into the dialect's full-text index.
func (s *Service) ftsUpsert(ctx context.Context, tx *sql.Tx, id int64, doc string) error {
	if s.db.Dialect == db.Postgres {
		_, err := tx.ExecContext(ctx, `INSERT INTO resource_fts (resource_id, doc) VALUES ($1, to_tsvector('fabrique_fr', $2))
			ON CONFLICT (resource_id) DO UPDATE SET doc = excluded.doc`, id, doc)
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM resource_fts WHERE rowid = $1`, id); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO resource_fts (rowid, doc) VALUES ($1, $2)`, id, doc)
	return err
}

// actorRefs resolves actor slugs to ids and names within a transaction.
func actorRefs(ctx context.Context, q db.Queryer, slugs []string) (map[string]actorRef, error) {
	out := map[string]actorRef{}
	if len(slugs) == 0 {
		return out, nil
	}
	args := make([]any, len(slugs))
	for i, v := range slugs {
		args[i] = v
	}
	rows, err := q.QueryContext(ctx, `SELECT id, slug, name FROM actors WHERE slug IN (`+db.Placeholders(1, len(slugs))+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var a actorRef
		if err := rows.Scan(&a.id, &a.slug, &a.name); err != nil {
			return nil, err
		}
		out[a.slug] = a
	}
	return out, rows.Err()
}

type actorRef struct {
	id         int64
	slug, name string
}

// prepare normalizes fields against the referential and the existing actors.
func (s *Service) prepare(ctx context.Context, q db.Queryer, f *Fields) (map[string]actorRef, error) {
	var slugs []string
	for _, c := range f.Contributors {
		if c := strings.TrimSpace(c.Actor); c != "" {
			slugs = append(slugs, c)
		}
	}
	refs, err := actorRefs(ctx, q, slugs)
	if err != nil {
		return nil, err
	}
	if err := normalize(f, s.terr, func(slug string) (string, bool) {
		a, ok := refs[slug]
		return a.name, ok
	}); err != nil {
		return nil, err
	}
	return refs, nil
}

// freeSlug returns base, or base-2, base-3… the first not used in table. Each probe is an
// index lookup; after a few collisions one scan finds the next free number.
func freeSlug(ctx context.Context, q db.Queryer, table, base string) (string, error) {
	taken := func(slug string) (bool, error) {
		var one int
		err := q.QueryRowContext(ctx, `SELECT 1 FROM `+table+` WHERE slug = $1`, slug).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return false, nil
		}
		return err == nil, err
	}
	for i := 1; i <= 5; i++ {
		c := base
		if i > 1 {
			c = fmt.Sprintf("%s-%d", base, i)
		}
		used, err := taken(c)
		if err != nil || !used {
			return c, err
		}
	}
	rows, err := q.QueryContext(ctx, `SELECT slug FROM `+table+` WHERE slug LIKE $1`, base+"-%")
	if err != nil {
		return "", err
	}
	defer rows.Close()
	used := map[string]bool{}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return "", err
		}
		used[v] = true
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	for i := 6; ; i++ {
		if c := fmt.Sprintf("%s-%d", base, i); !used[c] {
			return c, nil
		}
	}
}

// writeOpts are the facts of a write besides the fields.
type writeOpts struct {
	at      time.Time
	example bool
	origin  string
	comment string
	author  Author
	prov    *Provenance
}

func (s *Service) insertRevision(ctx context.Context, tx *sql.Tx, e Entity, id int64, number int, o writeOpts, snapshot string) error {
	var authorID any
	if o.author.UserID != 0 {
		authorID = o.author.UserID
	}
	var origin any
	if o.origin != "" {
		origin = o.origin
	}
	name := o.author.Name
	if name == "" {
		name = "anonyme"
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO commons_revisions (entity, entity_id, number, author_id, author_name, created_at, comment, snapshot, origin)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, string(e), id, number, authorID, name, o.at, o.comment, snapshot, origin)
	return err
}

func (s *Service) setContributors(ctx context.Context, tx *sql.Tx, id int64, cs []Contribution, refs map[string]actorRef) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM resource_contributors WHERE resource_id = $1`, id); err != nil {
		return err
	}
	for i, c := range cs {
		a, ok := refs[c.Actor]
		if !ok {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO resource_contributors (resource_id, actor_id, role, position) VALUES ($1, $2, $3, $4)`,
			id, a.id, c.Role, i); err != nil {
			return err
		}
	}
	return nil
}

// insertResource creates the resource row, its contributors, first revision and index entry.
func (s *Service) insertResource(ctx context.Context, tx *sql.Tx, f *Fields, refs map[string]actorRef, slug string, o writeOpts) (int64, string, error) {
	if slug == "" {
		slug = Slugify(f.Title)
	}
	slug, err := freeSlug(ctx, tx, "resources", slug)
	if err != nil {
		return 0, "", err
	}
	d := s.derive(f)
	var createdBy any
	if o.author.UserID != 0 {
		createdBy = o.author.UserID
	}
	var srcID, remoteID, remoteURI, remoteURL, lastSeen any
	if p := o.prov; p != nil {
		srcID, remoteID, remoteURI, remoteURL, lastSeen = p.SourceID, p.RemoteID, p.RemoteURI, p.RemoteURL, p.LastSeen
	}
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO resources (slug, title, summary, body, body_text, kind, licence, maturity, status,
		themes, territories, links, needs, title_terms, summary_terms, example, revision,
		source_id, remote_id, remote_uri, remote_url, last_seen_at, created_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 1, $17, $18, $19, $20, $21, $22, $23, $23)
		RETURNING id`,
		slug, f.Title, f.Summary, f.Body, d.bodyText, f.Kind, f.Licence, f.Maturity, f.Status,
		d.themes, d.territories, d.links, d.needs, d.titleTerms, d.summaryTerms, o.example,
		srcID, remoteID, remoteURI, remoteURL, lastSeen, createdBy, o.at).Scan(&id)
	if err != nil {
		return 0, "", fmt.Errorf("insert resource: %w", err)
	}
	if err := s.setContributors(ctx, tx, id, f.Contributors, refs); err != nil {
		return 0, "", err
	}
	if err := s.insertRevision(ctx, tx, EntityResource, id, 1, o, mustJSON(f)); err != nil {
		return 0, "", err
	}
	if err := s.ftsUpsert(ctx, tx, id, d.doc); err != nil {
		return 0, "", err
	}
	return id, slug, bumpGeneration(ctx, tx)
}

// updateResourceRow writes new fields over revision base, adding revision base+1. It returns
// errConflict when the resource moved on meanwhile.
func (s *Service) updateResourceRow(ctx context.Context, tx *sql.Tx, id int64, base int, f *Fields, refs map[string]actorRef, o writeOpts) error {
	d := s.derive(f)
	res, err := tx.ExecContext(ctx, `UPDATE resources SET title = $1, summary = $2, body = $3, body_text = $4, kind = $5, licence = $6,
		maturity = $7, status = $8, themes = $9, territories = $10, links = $11, needs = $12, title_terms = $13, summary_terms = $14,
		revision = $15, updated_at = $16 WHERE id = $17 AND revision = $18`,
		f.Title, f.Summary, f.Body, d.bodyText, f.Kind, f.Licence, f.Maturity, f.Status, d.themes, d.territories, d.links, d.needs,
		d.titleTerms, d.summaryTerms, base+1, o.at, id, base)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errConflict
	}
	if err := s.setContributors(ctx, tx, id, f.Contributors, refs); err != nil {
		return err
	}
	if err := s.insertRevision(ctx, tx, EntityResource, id, base+1, o, mustJSON(f)); err != nil {
		return err
	}
	if err := s.ftsUpsert(ctx, tx, id, d.doc); err != nil {
		return err
	}
	return bumpGeneration(ctx, tx)
}

var errConflict = errs.New(errs.Conflict,
	"Cette fiche a été modifiée par quelqu'un d'autre depuis que vous l'avez ouverte.",
	"This item was changed by someone else since you opened it.")

// IsConflict reports an edit made over an older revision.
func IsConflict(err error) bool { return errs.Is(err, errs.Conflict) }

// CreateResource adds a resource with its first revision.
func (s *Service) CreateResource(ctx context.Context, f Fields, a Author, comment string) (*Resource, error) {
	return s.createResource(ctx, f, writeOpts{author: a, comment: cleanLine(comment), at: s.Now()})
}

func (s *Service) createResource(ctx context.Context, f Fields, o writeOpts) (*Resource, error) {
	if runes(o.comment) > MaxComment {
		return nil, errs.Field("comment", fmt.Sprintf("Le commentaire fait %d caractères au plus.", MaxComment), fmt.Sprintf("The comment is at most %d characters.", MaxComment))
	}
	if o.comment == "" {
		o.comment = "Création"
	}
	var slug string
	for attempt := 0; ; attempt++ {
		err := s.db.Tx(ctx, func(tx *sql.Tx) error {
			refs, err := s.prepare(ctx, tx, &f)
			if err != nil {
				return err
			}
			_, slug, err = s.insertResource(ctx, tx, &f, refs, "", o)
			return err
		})
		// Two people creating the same title at once: try the next free slug.
		if db.IsUniqueViolation(err) && attempt < 3 {
			continue
		}
		if err != nil {
			return nil, err
		}
		break
	}
	return s.Resource(ctx, slug)
}

// UpdateResource saves new fields as a new revision. base is the revision the editor started
// from: when the resource has a newer one, nothing is saved and a Conflict error is returned.
// Saving fields identical to the current ones adds no revision.
func (s *Service) UpdateResource(ctx context.Context, slug string, base int, f Fields, a Author, comment string) (*Resource, error) {
	comment = cleanLine(comment)
	if runes(comment) > MaxComment {
		return nil, errs.Field("comment", fmt.Sprintf("Le commentaire fait %d caractères au plus.", MaxComment), fmt.Sprintf("The comment is at most %d characters.", MaxComment))
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		cur, err := s.resourceHead(ctx, tx, slug)
		if err != nil {
			return err
		}
		if cur.sourceID.Valid {
			return errs.New(errs.Forbidden, "Cette ressource est moissonnée depuis un autre catalogue : elle se modifie à sa source.",
				"This resource is harvested from another catalogue: edit it at its source.")
		}
		if base != cur.revision {
			return errConflict
		}
		refs, err := s.prepare(ctx, tx, &f)
		if err != nil {
			return err
		}
		if mustJSON(f) == cur.snapshot {
			return nil
		}
		return s.updateResourceRow(ctx, tx, cur.id, base, &f, refs, writeOpts{author: a, comment: comment, at: s.Now()})
	})
	if err != nil {
		return nil, err
	}
	return s.Resource(ctx, slug)
}

type head struct {
	id       int64
	revision int
	sourceID sql.NullInt64
	snapshot string
	hidden   bool
}

func (s *Service) resourceHead(ctx context.Context, q db.Queryer, slug string) (head, error) {
	var h head
	err := q.QueryRowContext(ctx, `SELECT r.id, r.revision, r.source_id, r.hidden, v.snapshot FROM resources r
		JOIN commons_revisions v ON v.entity = 'resource' AND v.entity_id = r.id AND v.number = r.revision
		WHERE r.slug = $1`, slug).Scan(&h.id, &h.revision, &h.sourceID, &h.hidden, &h.snapshot)
	if errors.Is(err, sql.ErrNoRows) {
		return h, notFoundResource(slug)
	}
	return h, err
}

// RevertResource saves the fields of revision n as a new revision.
func (s *Service) RevertResource(ctx context.Context, slug string, n int, a Author) (*Resource, error) {
	r, err := s.Resource(ctx, slug)
	if err != nil {
		return nil, err
	}
	rev, err := s.Revision(ctx, EntityResource, r.ID, n)
	if err != nil {
		return nil, err
	}
	var f Fields
	if err := json.Unmarshal([]byte(rev.Snapshot), &f); err != nil {
		return nil, err
	}
	return s.UpdateResource(ctx, slug, r.Revision, f, a, fmt.Sprintf("Rétablissement de la révision %d", n))
}

const resourceColumns = `r.id, r.slug, r.title, r.summary, r.body, r.body_text, r.kind, r.licence, r.maturity, r.status,
	r.themes, r.territories, r.links, r.needs, r.essential, r.example, r.hidden, r.revision, r.created_by, r.created_at, r.updated_at,
	r.source_id, COALESCE(h.name, ''), COALESCE(h.url, ''), COALESCE(r.remote_id, ''), COALESCE(r.remote_uri, ''), COALESCE(r.remote_url, ''),
	r.last_seen_at, r.gone_since`

const resourceFrom = ` FROM resources r LEFT JOIN harvest_sources h ON h.id = r.source_id `

func scanResource(row interface{ Scan(...any) error }) (*Resource, error) {
	r := &Resource{}
	var themes, places, links, needs string
	var createdBy, srcID sql.NullInt64
	var lastSeen, gone sql.NullTime
	var p Provenance
	if err := row.Scan(&r.ID, &r.Slug, &r.Title, &r.Summary, &r.Body, &r.BodyText, &r.Kind, &r.Licence, &r.Maturity, &r.Status,
		&themes, &places, &links, &needs, &r.Essential, &r.Example, &r.Hidden, &r.Revision, &createdBy, &r.CreatedAt, &r.UpdatedAt,
		&srcID, &p.SourceName, &p.SourceURL, &p.RemoteID, &p.RemoteURI, &p.RemoteURL, &lastSeen, &gone); err != nil {
		return nil, err
	}
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	r.CreatedBy = createdBy.Int64
	for _, x := range []struct {
		s string
		v any
	}{{themes, &r.Themes}, {places, &r.Territories}, {links, &r.Links}, {needs, &r.Needs}} {
		if err := json.Unmarshal([]byte(x.s), x.v); err != nil {
			return nil, fmt.Errorf("resource %d: %w", r.ID, err)
		}
	}
	if srcID.Valid {
		p.SourceID = srcID.Int64
		p.LastSeen = lastSeen.Time.UTC()
		if gone.Valid {
			t := gone.Time.UTC()
			p.GoneSince = &t
		}
		r.Source = &p
	}
	return r, nil
}

// Resource returns a resource by slug, with contributors and attachments, hidden or not.
func (s *Service) Resource(ctx context.Context, slug string) (*Resource, error) {
	r, err := scanResource(s.db.R.QueryRowContext(ctx, `SELECT `+resourceColumns+resourceFrom+`WHERE r.slug = $1`, slug))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundResource(slug)
	}
	if err != nil {
		return nil, err
	}
	if err := s.fillResource(ctx, r); err != nil {
		return nil, err
	}
	return r, nil
}

func (s *Service) fillResource(ctx context.Context, r *Resource) error {
	rows, err := s.db.R.QueryContext(ctx, `SELECT a.slug, a.name, c.role FROM resource_contributors c JOIN actors a ON a.id = c.actor_id
		WHERE c.resource_id = $1 ORDER BY c.position`, r.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	r.Contributors = []Contribution{}
	for rows.Next() {
		var c Contribution
		if err := rows.Scan(&c.Actor, &c.Name, &c.Role); err != nil {
			return err
		}
		r.Contributors = append(r.Contributors, c)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	r.Attachments, err = s.Attachments(ctx, r.ID)
	return err
}

// Revisions lists the revisions of a resource or an actor, newest first (without snapshots).
func (s *Service) Revisions(ctx context.Context, e Entity, id int64) ([]Revision, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT id, number, COALESCE(author_id, 0), author_name, created_at, comment FROM commons_revisions
		WHERE entity = $1 AND entity_id = $2 ORDER BY number DESC`, string(e), id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Revision
	for rows.Next() {
		v := Revision{Entity: e, EntityID: id}
		if err := rows.Scan(&v.ID, &v.Number, &v.AuthorID, &v.AuthorName, &v.CreatedAt, &v.Comment); err != nil {
			return nil, err
		}
		v.CreatedAt = v.CreatedAt.UTC()
		out = append(out, v)
	}
	return out, rows.Err()
}

// Revision returns revision n of a resource or an actor, with its snapshot.
func (s *Service) Revision(ctx context.Context, e Entity, id int64, n int) (Revision, error) {
	v := Revision{Entity: e, EntityID: id, Number: n}
	err := s.db.R.QueryRowContext(ctx, `SELECT id, COALESCE(author_id, 0), author_name, created_at, comment, snapshot FROM commons_revisions
		WHERE entity = $1 AND entity_id = $2 AND number = $3`, string(e), id, n).
		Scan(&v.ID, &v.AuthorID, &v.AuthorName, &v.CreatedAt, &v.Comment, &v.Snapshot)
	if errors.Is(err, sql.ErrNoRows) {
		return v, errs.New(errs.NotFound, fmt.Sprintf("Aucune révision %d.", n), fmt.Sprintf("No revision %d.", n))
	}
	v.CreatedAt = v.CreatedAt.UTC()
	return v, err
}

// ResourceFields decodes a resource revision's snapshot.
func ResourceFields(v Revision) (Fields, error) {
	var f Fields
	err := json.Unmarshal([]byte(v.Snapshot), &f)
	return f, err
}

// SetEssential sets or clears the curated "commun essentiel" flag (moderators), logged.
func (s *Service) SetEssential(ctx context.Context, slug string, on bool, mod Author) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		var id int64
		var title string
		err := tx.QueryRowContext(ctx, `SELECT id, title FROM resources WHERE slug = $1`, slug).Scan(&id, &title)
		if errors.Is(err, sql.ErrNoRows) {
			return notFoundResource(slug)
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE resources SET essential = $1 WHERE id = $2`, on, id); err != nil {
			return err
		}
		action := "essential-on"
		if !on {
			action = "essential-off"
		}
		if err := s.logAction(ctx, tx, mod, action, EntityResource, id, title, 0, ""); err != nil {
			return err
		}
		return bumpGeneration(ctx, tx)
	})
}

// DeletedAccountName replaces the name of a deleted account in revisions and logs.
const DeletedAccountName = "compte supprimé"

// ForgetAuthor runs inside an account deletion: the account's revisions and moderation
// entries stay, without its name.
func ForgetAuthor(ctx context.Context, tx *sql.Tx, userID int64) error {
	if _, err := tx.ExecContext(ctx, `UPDATE commons_revisions SET author_name = $1 WHERE author_id = $2`, DeletedAccountName, userID); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE commons_moderation_log SET moderator_name = $1 WHERE moderator_id = $2`, DeletedAccountName, userID)
	return err
}
