package commons

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/fabrique-des-energies/fabrique/internal/platform/db"
	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/markup"
)

const actorColumns = `id, slug, name, kind, territory_kind, territory_code, website, description, revision, example, hidden, created_at, updated_at`

func scanActor(row interface{ Scan(...any) error }) (*Actor, error) {
	a := &Actor{}
	var tk, tc string
	if err := row.Scan(&a.ID, &a.Slug, &a.Name, &a.Kind, &tk, &tc, &a.Website, &a.Description, &a.Revision, &a.Example, &a.Hidden, &a.CreatedAt, &a.UpdatedAt); err != nil {
		return nil, err
	}
	if tk != "" {
		a.Territory = &Place{Kind: tk, Code: tc}
	}
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	return a, nil
}

// Actor returns an actor by slug, hidden or not.
func (s *Service) Actor(ctx context.Context, slug string) (*Actor, error) {
	a, err := scanActor(s.db.R.QueryRowContext(ctx, `SELECT `+actorColumns+` FROM actors WHERE slug = $1`, slug))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundActor(slug)
	}
	return a, err
}

// ActorFilter selects actors in Actors.
type ActorFilter struct {
	Q         string // words of the name or description, accents and case ignored
	Kind      string
	Territory string // "kind:code": actors located in it or in its children
	Hidden    bool   // include hidden actors (moderators)
}

// Actors lists actors by name. Actors are few (hundreds), so filtering by words and
// territory is done on the list.
func (s *Service) Actors(ctx context.Context, f ActorFilter) ([]*Actor, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT `+actorColumns+` FROM actors ORDER BY name, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var within func(p *Place) bool
	if f.Territory != "" {
		pl, err := ParsePlace(s.terr, f.Territory)
		if err != nil {
			fr, en, _ := strings.Cut(err.Error(), " / ")
			return nil, errs.Field("territory", fr, en)
		}
		within = func(p *Place) bool { return p != nil && slices.Contains(s.ancestors(*p), pl.Key()) }
	}
	words := strings.Fields(markup.Fold(f.Q))
	out := []*Actor{}
	for rows.Next() {
		a, err := scanActor(rows)
		if err != nil {
			return nil, err
		}
		if a.Hidden && !f.Hidden || f.Kind != "" && a.Kind != f.Kind || within != nil && !within(a.Territory) {
			continue
		}
		if len(words) > 0 {
			hay := markup.Fold(a.Name + " " + a.Description)
			ok := true
			for _, w := range words {
				if !strings.Contains(hay, w) {
					ok = false
					break
				}
			}
			if !ok {
				continue
			}
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// CreateActor adds an actor with its first revision.
func (s *Service) CreateActor(ctx context.Context, f ActorFields, a Author, comment string) (*Actor, error) {
	return s.createActor(ctx, f, writeOpts{author: a, comment: cleanLine(comment), at: s.Now()})
}

func (s *Service) createActor(ctx context.Context, f ActorFields, o writeOpts) (*Actor, error) {
	if err := normalizeActor(&f, s.terr); err != nil {
		return nil, err
	}
	if o.comment == "" {
		o.comment = "Création"
	}
	var slug string
	for attempt := 0; ; attempt++ {
		err := s.db.Tx(ctx, func(tx *sql.Tx) error {
			var err error
			slug, err = freeSlug(ctx, tx, "actors", Slugify(f.Name))
			if err != nil {
				return err
			}
			tk, tc := placeCols(f.Territory)
			var createdBy any
			if o.author.UserID != 0 {
				createdBy = o.author.UserID
			}
			var id int64
			if err := tx.QueryRowContext(ctx, `INSERT INTO actors (slug, name, kind, territory_kind, territory_code, website, description, revision, example, created_by, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $9, $10, $10) RETURNING id`,
				slug, f.Name, f.Kind, tk, tc, f.Website, f.Description, o.example, createdBy, o.at).Scan(&id); err != nil {
				return err
			}
			if err := s.insertRevision(ctx, tx, EntityActor, id, 1, o, mustJSON(f)); err != nil {
				return err
			}
			return bumpGeneration(ctx, tx)
		})
		if db.IsUniqueViolation(err) && attempt < 3 {
			continue
		}
		if err != nil {
			return nil, err
		}
		break
	}
	return s.Actor(ctx, slug)
}

func placeCols(p *Place) (string, string) {
	if p == nil {
		return "", ""
	}
	return p.Kind, p.Code
}

// UpdateActor saves new fields as a new revision over base (Conflict when the actor moved on).
func (s *Service) UpdateActor(ctx context.Context, slug string, base int, f ActorFields, a Author, comment string) (*Actor, error) {
	comment = cleanLine(comment)
	if runes(comment) > MaxComment {
		return nil, errs.Field("comment", fmt.Sprintf("Le commentaire fait %d caractères au plus.", MaxComment), fmt.Sprintf("The comment is at most %d characters.", MaxComment))
	}
	if err := normalizeActor(&f, s.terr); err != nil {
		return nil, err
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var id int64
		var rev int
		var snap, oldName string
		err := tx.QueryRowContext(ctx, `SELECT a.id, a.revision, a.name, v.snapshot FROM actors a JOIN commons_revisions v
			ON v.entity = 'actor' AND v.entity_id = a.id AND v.number = a.revision WHERE a.slug = $1`, slug).Scan(&id, &rev, &oldName, &snap)
		if errors.Is(err, sql.ErrNoRows) {
			return notFoundActor(slug)
		}
		if err != nil {
			return err
		}
		if rev != base {
			return errConflict
		}
		if mustJSON(f) == snap {
			return nil
		}
		tk, tc := placeCols(f.Territory)
		now := s.Now()
		res, err := tx.ExecContext(ctx, `UPDATE actors SET name = $1, kind = $2, territory_kind = $3, territory_code = $4, website = $5,
			description = $6, revision = $7, updated_at = $8 WHERE id = $9 AND revision = $10`,
			f.Name, f.Kind, tk, tc, f.Website, f.Description, base+1, now, id, base)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errConflict
		}
		if err := s.insertRevision(ctx, tx, EntityActor, id, base+1, writeOpts{author: a, comment: comment, at: now}, mustJSON(f)); err != nil {
			return err
		}
		if oldName != f.Name {
			// Contributor names are part of the indexed text of the actor's resources.
			if err := s.reindexActorResources(ctx, tx, id); err != nil {
				return err
			}
		}
		return bumpGeneration(ctx, tx)
	})
	if err != nil {
		return nil, err
	}
	return s.Actor(ctx, slug)
}

func (s *Service) reindexActorResources(ctx context.Context, tx *sql.Tx, actorID int64) error {
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT resource_id FROM resource_contributors WHERE actor_id = $1`, actorID)
	if err != nil {
		return err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	for _, id := range ids {
		if err := s.reindexResource(ctx, tx, id); err != nil {
			return err
		}
	}
	return nil
}

// reindexResource recomputes a resource's index entry from its current row.
func (s *Service) reindexResource(ctx context.Context, tx *sql.Tx, id int64) error {
	r, err := scanResource(tx.QueryRowContext(ctx, `SELECT `+resourceColumns+resourceFrom+`WHERE r.id = $1`, id))
	if err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT a.slug, a.name, c.role FROM resource_contributors c JOIN actors a ON a.id = c.actor_id
		WHERE c.resource_id = $1 ORDER BY c.position`, id)
	if err != nil {
		return err
	}
	for rows.Next() {
		var c Contribution
		if err := rows.Scan(&c.Actor, &c.Name, &c.Role); err != nil {
			rows.Close()
			return err
		}
		r.Contributors = append(r.Contributors, c)
	}
	rows.Close()
	return s.ftsUpsert(ctx, tx, id, s.derive(&r.Fields).doc)
}

// RevertActor saves the fields of revision n as a new revision.
func (s *Service) RevertActor(ctx context.Context, slug string, n int, a Author) (*Actor, error) {
	cur, err := s.Actor(ctx, slug)
	if err != nil {
		return nil, err
	}
	rev, err := s.Revision(ctx, EntityActor, cur.ID, n)
	if err != nil {
		return nil, err
	}
	var f ActorFields
	if err := json.Unmarshal([]byte(rev.Snapshot), &f); err != nil {
		return nil, err
	}
	return s.UpdateActor(ctx, slug, cur.Revision, f, a, fmt.Sprintf("Rétablissement de la révision %d", n))
}

// ActorFieldsOf decodes an actor revision's snapshot.
func ActorFieldsOf(v Revision) (ActorFields, error) {
	var f ActorFields
	err := json.Unmarshal([]byte(v.Snapshot), &f)
	return f, err
}

// ActorResource is a resource an actor contributes to, with the actor's roles.
type ActorResource struct {
	Slug, Title, Summary, Kind, Status string
	Roles                              []string
	Hidden                             bool
}

// ActorResources lists the resources an actor contributes to, by title.
func (s *Service) ActorResources(ctx context.Context, actorID int64) ([]ActorResource, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT r.slug, r.title, r.summary, r.kind, r.status, r.hidden, c.role FROM resource_contributors c
		JOIN resources r ON r.id = c.resource_id WHERE c.actor_id = $1 ORDER BY r.title, r.id, c.position`, actorID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ActorResource
	for rows.Next() {
		var x ActorResource
		var role string
		if err := rows.Scan(&x.Slug, &x.Title, &x.Summary, &x.Kind, &x.Status, &x.Hidden, &role); err != nil {
			return nil, err
		}
		if n := len(out); n > 0 && out[n-1].Slug == x.Slug {
			out[n-1].Roles = append(out[n-1].Roles, role)
			continue
		}
		x.Roles = []string{role}
		out = append(out, x)
	}
	return out, rows.Err()
}

// ActorOptions lists every visible actor (slug and name), for contributor pickers.
func (s *Service) ActorOptions(ctx context.Context) ([]Option, error) {
	all, err := s.Actors(ctx, ActorFilter{})
	if err != nil {
		return nil, err
	}
	out := make([]Option, len(all))
	for i, a := range all {
		out[i] = Option{Code: a.Slug}
		out[i].Label.FR, out[i].Label.EN = a.Name, a.Name
	}
	return out, nil
}
