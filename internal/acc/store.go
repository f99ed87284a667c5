package acc

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/energy"
	"github.com/fabrique-des-energies/fabrique/internal/platform/db"
	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/i18n"
)

const operationColumns = `id, name, organiser, community_slug, owner_id, step_minutes, key_kind, regime, derogation_km,
	derogation_ref, public_led, non_interconnected, start_date, rule_version, max_distance_m, capacity_kw, zone,
	data_version, demo, created_at, updated_at`

func scanOperation(row interface{ Scan(...any) error }) (*Operation, error) {
	var (
		o              Operation
		owner          sql.NullInt64
		step           int
		key, reg, zone string
		start          string
	)
	if err := row.Scan(&o.ID, &o.Name, &o.Organiser, &o.Community, &owner, &step, &key, &reg, &o.DerogationKM,
		&o.DerogationRef, &o.PublicLed, &o.NonInterconnected, &start, &o.RuleVersion, &o.MaxDistanceM, &o.CapacityKW, &zone,
		&o.DataVersion, &o.Demo, &o.CreatedAt, &o.UpdatedAt); err != nil {
		return nil, err
	}
	o.OwnerID = owner.Int64
	o.Step = time.Duration(step) * time.Minute
	k, err := energy.ParseKeyKind(key)
	if err != nil {
		return nil, err
	}
	o.Key, o.Regime, o.Zone = k, Regime(reg), Zone(zone)
	d, err := time.ParseInLocation(time.DateOnly, start, energy.Paris())
	if err != nil {
		return nil, fmt.Errorf("operation %d: start date %q: %w", o.ID, start, err)
	}
	o.StartDate = d
	o.CreatedAt, o.UpdatedAt = o.CreatedAt.UTC(), o.UpdatedAt.UTC()
	return &o, nil
}

func nullOwner(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// loadOperation reads an operation and its participants.
func (s *Service) loadOperation(ctx context.Context, q db.Queryer, id int64) (*Operation, error) {
	o, err := scanOperation(q.QueryRowContext(ctx, `SELECT `+operationColumns+` FROM acc_operations WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.New(errs.NotFound, fmt.Sprintf("Opération n° %d introuvable.", id), fmt.Sprintf("Operation %d not found.", id))
	}
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT id, position, role, name, prm, commune_code, lat, lon, approx, kwc, coefficient,
		priority_rank, source, consent_id FROM acc_participants WHERE operation_id = $1 ORDER BY position, id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var p Participant
		var role, src string
		if err := rows.Scan(&p.ID, &p.Position, &role, &p.Name, &p.PRM, &p.Commune, &p.Lat, &p.Lon, &p.Approx, &p.KWc,
			&p.Coefficient, &p.Rank, &src, &p.ConsentID); err != nil {
			return nil, err
		}
		p.Role, p.Source = Role(role), Source(src)
		o.Participants = append(o.Participants, p)
	}
	return o, rows.Err()
}

// insertOperation writes a new operation and its participants.
func insertOperation(ctx context.Context, tx *sql.Tx, o *Operation) error {
	now := db.Now()
	o.CreatedAt, o.UpdatedAt, o.DataVersion = now, now, 1
	err := tx.QueryRowContext(ctx, `INSERT INTO acc_operations (name, organiser, community_slug, owner_id, step_minutes, key_kind,
		regime, derogation_km, derogation_ref, public_led, non_interconnected, start_date, rule_version, max_distance_m,
		capacity_kw, zone, data_version, demo, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20) RETURNING id`,
		o.Name, o.Organiser, o.Community, nullOwner(o.OwnerID), o.StepMinutes(), o.Key.String(), string(o.Regime),
		o.DerogationKM, o.DerogationRef, o.PublicLed, o.NonInterconnected, o.StartDate.Format(time.DateOnly), o.RuleVersion,
		o.MaxDistanceM, o.CapacityKW, string(o.Zone), o.DataVersion, o.Demo, now, now).Scan(&o.ID)
	if err != nil {
		return err
	}
	for i := range o.Participants {
		if err := insertParticipant(ctx, tx, o.ID, &o.Participants[i]); err != nil {
			return err
		}
	}
	return nil
}

func insertParticipant(ctx context.Context, tx *sql.Tx, opID int64, p *Participant) error {
	return tx.QueryRowContext(ctx, `INSERT INTO acc_participants (operation_id, position, role, name, prm, commune_code, lat, lon,
		approx, kwc, coefficient, priority_rank, source, consent_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
		opID, p.Position, string(p.Role), p.Name, p.PRM, p.Commune, p.Lat, p.Lon, p.Approx, p.KWc, p.Coefficient, p.Rank,
		string(p.Source), p.ConsentID).Scan(&p.ID)
}

// updateOperation rewrites an operation. Participants are matched with the
// stored ones by role and PRM so that their readings survive the edit;
// participants that disappear lose their readings.
func updateOperation(ctx context.Context, tx *sql.Tx, old, o *Operation) error {
	o.ID, o.OwnerID, o.CreatedAt, o.Demo = old.ID, old.OwnerID, old.CreatedAt, old.Demo
	o.UpdatedAt = db.Now()
	o.DataVersion = old.DataVersion + 1
	_, err := tx.ExecContext(ctx, `UPDATE acc_operations SET name = $1, organiser = $2, community_slug = $3, step_minutes = $4,
		key_kind = $5, regime = $6, derogation_km = $7, derogation_ref = $8, public_led = $9, non_interconnected = $10,
		start_date = $11, rule_version = $12, max_distance_m = $13, capacity_kw = $14, zone = $15, data_version = $16,
		updated_at = $17 WHERE id = $18`,
		o.Name, o.Organiser, o.Community, o.StepMinutes(), o.Key.String(), string(o.Regime), o.DerogationKM, o.DerogationRef,
		o.PublicLed, o.NonInterconnected, o.StartDate.Format(time.DateOnly), o.RuleVersion, o.MaxDistanceM, o.CapacityKW,
		string(o.Zone), o.DataVersion, o.UpdatedAt, o.ID)
	if err != nil {
		return err
	}
	byKey := map[string]Participant{}
	for _, p := range old.Participants {
		byKey[string(p.Role)+"/"+p.PRM] = p
	}
	kept := map[int64]bool{}
	// Positions move: park the kept rows first so the new positions never
	// meet a stale one (positions are not unique, but keep the order clean).
	for i := range o.Participants {
		p := &o.Participants[i]
		prev, ok := byKey[string(p.Role)+"/"+p.PRM]
		if !ok {
			continue
		}
		p.ID = prev.ID
		kept[p.ID] = true
		if _, err := tx.ExecContext(ctx, `UPDATE acc_participants SET position = $1, name = $2, commune_code = $3, lat = $4, lon = $5,
			approx = $6, kwc = $7, coefficient = $8, priority_rank = $9, source = $10, consent_id = $11 WHERE id = $12`,
			p.Position, p.Name, p.Commune, p.Lat, p.Lon, p.Approx, p.KWc, p.Coefficient, p.Rank, string(p.Source), p.ConsentID, p.ID); err != nil {
			return err
		}
	}
	for _, p := range old.Participants {
		if !kept[p.ID] {
			if _, err := tx.ExecContext(ctx, `DELETE FROM acc_participants WHERE id = $1`, p.ID); err != nil {
				return err
			}
		}
	}
	for i := range o.Participants {
		if o.Participants[i].ID == 0 {
			if err := insertParticipant(ctx, tx, o.ID, &o.Participants[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

// OperationSummary is a line of an operation list.
type OperationSummary struct {
	ID           int64
	Name         string
	Organiser    string
	Community    string
	Key          energy.KeyKind
	Consumers    int
	Producers    int
	CapacityKW   float64
	MaxDistanceM float64
	Demo         bool
	UpdatedAt    time.Time
}

func (s *Service) listOperations(ctx context.Context, ownerID int64, all bool) ([]OperationSummary, error) {
	q := `SELECT o.id, o.name, o.organiser, o.community_slug, o.key_kind, o.capacity_kw, o.max_distance_m, o.demo, o.updated_at,
		(SELECT COUNT(*) FROM acc_participants p WHERE p.operation_id = o.id AND p.role = 'consumer'),
		(SELECT COUNT(*) FROM acc_participants p WHERE p.operation_id = o.id AND p.role = 'producer')
		FROM acc_operations o`
	args := []any{}
	if !all {
		q += ` WHERE o.owner_id = $1`
		args = append(args, ownerID)
	}
	q += ` ORDER BY o.updated_at DESC, o.id DESC`
	rows, err := s.db.R.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []OperationSummary{}
	for rows.Next() {
		var o OperationSummary
		var key string
		if err := rows.Scan(&o.ID, &o.Name, &o.Organiser, &o.Community, &key, &o.CapacityKW, &o.MaxDistanceM, &o.Demo, &o.UpdatedAt, &o.Consumers, &o.Producers); err != nil {
			return nil, err
		}
		o.Key, _ = energy.ParseKeyKind(key)
		o.UpdatedAt = o.UpdatedAt.UTC()
		out = append(out, o)
	}
	return out, rows.Err()
}

// curveKind is what a stored block holds.
type curveKind string

const (
	kindEnergy      curveKind = "energy"
	kindCoefficient curveKind = "coefficient"
)

// storedBlock is one row of acc_curves.
type storedBlock struct {
	participantID int64
	kind          curveKind
	month         int64
	data          []byte
}

func (s *Service) loadBlocks(ctx context.Context, opID int64) ([]storedBlock, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT c.participant_id, c.kind, c.month_index, c.data FROM acc_curves c
		JOIN acc_participants p ON p.id = c.participant_id WHERE p.operation_id = $1 ORDER BY c.participant_id, c.kind, c.month_index`, opID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []storedBlock
	for rows.Next() {
		var b storedBlock
		var kind string
		if err := rows.Scan(&b.participantID, &kind, &b.month, &b.data); err != nil {
			return nil, err
		}
		b.kind = curveKind(kind)
		out = append(out, b)
	}
	return out, rows.Err()
}

func bumpDataVersion(ctx context.Context, tx *sql.Tx, opID int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE acc_operations SET data_version = data_version + 1, updated_at = $1 WHERE id = $2`, db.Now(), opID)
	return err
}

// KeyLabel names the key for people.
func (o OperationSummary) KeyLabel() i18n.Text { return KeyLabel(o.Key) }
