package observatory

import (
	"context"
	"database/sql"
	"errors"

	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
	"github.com/fabrique-des-energies/fabrique/internal/territory"
)

const projectCols = `p.id, p.community_id, c.slug, c.name, p.name, p.technology, p.capacity_kw, p.capacity_unit, p.production_mwh, p.production_measured,
	p.status, p.commissioning, p.citizen_share_pct, p.investment_eur, p.commune, p.epci, p.departement, p.region, p.created_at, p.updated_at`

func (s *Service) scanProject(row scanner) (Project, error) {
	var p Project
	var capKW, prod, share, inv sql.NullFloat64
	err := row.Scan(&p.ID, &p.CommunityID, &p.CommunitySlug, &p.CommunityName, &p.Name, &p.Technology, &capKW, &p.CapacityUnit, &prod, &p.ProductionMeasured,
		&p.Status, &p.Commissioning, &share, &inv, &p.Place.Commune, &p.Place.EPCI, &p.Place.Departement, &p.Place.Region, &p.CreatedAt, &p.UpdatedAt)
	if err != nil {
		return p, err
	}
	p.CapacityKW, p.ProductionMWh, p.CitizenSharePct, p.InvestmentEUR = nullable(capKW), nullable(prod), nullable(share), nullable(inv)
	p.Place.fillNames(s.terr)
	if t, ok := s.terr.Get(territory.Commune, p.Place.Commune); ok {
		p.Place.Lat, p.Place.Lon = t.Lat, t.Lon
	}
	return p, nil
}

func nullable(v sql.NullFloat64) *float64 {
	if !v.Valid {
		return nil
	}
	x := v.Float64
	return &x
}

func nullArg(v *float64) any {
	if v == nil {
		return nil
	}
	return *v
}

// Projects lists a community's projects, operating ones first.
func (s *Service) Projects(ctx context.Context, communityID int64) ([]Project, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT `+projectCols+` FROM obs_projects p JOIN obs_communities c ON c.id = p.community_id
		WHERE p.community_id = $1 ORDER BY CASE p.status WHEN 'operation' THEN 0 WHEN 'abandoned' THEN 2 ELSE 1 END, p.name, p.id`, communityID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Project{}
	for rows.Next() {
		p, err := s.scanProject(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Project returns one project of a community.
func (s *Service) Project(ctx context.Context, slug string, projectID int64) (Project, error) {
	p, err := s.scanProject(s.db.R.QueryRowContext(ctx, `SELECT `+projectCols+` FROM obs_projects p JOIN obs_communities c ON c.id = p.community_id
		WHERE c.slug = $1 AND p.id = $2`, slug, projectID))
	if errors.Is(err, sql.ErrNoRows) {
		return Project{}, errs.New(errs.NotFound, "Aucun projet avec ce numéro pour cette communauté.", "No project with this number for this community.")
	}
	return p, err
}

// AddProject adds a project to a community (its managers and the Fabrique team).
func (s *Service) AddProject(ctx context.Context, id *web.Identity, slug string, in ProjectInput) (Project, error) {
	cid, err := s.editable(ctx, id, slug)
	if err != nil {
		return Project{}, err
	}
	var commune string
	if err := s.db.R.QueryRowContext(ctx, `SELECT commune FROM obs_communities WHERE id = $1`, cid).Scan(&commune); err != nil {
		return Project{}, err
	}
	p, verr := validateProject(s.terr, in, commune)
	if verr != nil {
		return Project{}, verr
	}
	now := s.now()
	p.CommunityID, p.CreatedAt, p.UpdatedAt = cid, now, now
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		p.ID, err = insertProject(ctx, tx, p)
		if err != nil {
			return err
		}
		if _, err = tx.ExecContext(ctx, `UPDATE obs_communities SET updated_at = $1 WHERE id = $2`, now, cid); err != nil {
			return err
		}
		return bump(ctx, tx)
	})
	if err != nil {
		return Project{}, err
	}
	return s.Project(ctx, slug, p.ID)
}

type execer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func insertProject(ctx context.Context, q execer, p Project) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `INSERT INTO obs_projects (community_id, name, technology, capacity_kw, capacity_unit, production_mwh, production_measured,
		status, commissioning, citizen_share_pct, investment_eur, commune, epci, departement, region, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id`,
		p.CommunityID, p.Name, p.Technology, nullArg(p.CapacityKW), p.CapacityUnit, nullArg(p.ProductionMWh), p.ProductionMeasured,
		p.Status, p.Commissioning, nullArg(p.CitizenSharePct), nullArg(p.InvestmentEUR),
		p.Place.Commune, p.Place.EPCI, p.Place.Departement, p.Place.Region, p.CreatedAt, p.UpdatedAt).Scan(&id)
	return id, err
}

// UpdateProject changes a project.
func (s *Service) UpdateProject(ctx context.Context, id *web.Identity, slug string, projectID int64, in ProjectInput) (Project, error) {
	cid, err := s.editable(ctx, id, slug)
	if err != nil {
		return Project{}, err
	}
	cur, err := s.Project(ctx, slug, projectID)
	if err != nil {
		return Project{}, err
	}
	p, verr := validateProject(s.terr, in, cur.Place.Commune)
	if verr != nil {
		return Project{}, verr
	}
	now := s.now()
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE obs_projects SET name = $1, technology = $2, capacity_kw = $3, capacity_unit = $4, production_mwh = $5,
			production_measured = $6, status = $7, commissioning = $8, citizen_share_pct = $9, investment_eur = $10,
			commune = $11, epci = $12, departement = $13, region = $14, updated_at = $15 WHERE id = $16 AND community_id = $17`,
			p.Name, p.Technology, nullArg(p.CapacityKW), p.CapacityUnit, nullArg(p.ProductionMWh), p.ProductionMeasured, p.Status, p.Commissioning,
			nullArg(p.CitizenSharePct), nullArg(p.InvestmentEUR), p.Place.Commune, p.Place.EPCI, p.Place.Departement, p.Place.Region, now, projectID, cid)
		if err != nil {
			return err
		}
		if _, err = tx.ExecContext(ctx, `UPDATE obs_communities SET updated_at = $1 WHERE id = $2`, now, cid); err != nil {
			return err
		}
		return bump(ctx, tx)
	})
	if err != nil {
		return Project{}, err
	}
	return s.Project(ctx, slug, projectID)
}

// DeleteProject removes a project.
func (s *Service) DeleteProject(ctx context.Context, id *web.Identity, slug string, projectID int64) error {
	cid, err := s.editable(ctx, id, slug)
	if err != nil {
		return err
	}
	res, err := s.db.W.ExecContext(ctx, `DELETE FROM obs_projects WHERE id = $1 AND community_id = $2`, projectID, cid)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.New(errs.NotFound, "Aucun projet avec ce numéro pour cette communauté.", "No project with this number for this community.")
	}
	return bump(ctx, s.db.W)
}
