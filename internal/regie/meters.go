package regie

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/platform/db"
	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/regie/block"
	"github.com/fabrique-des-energies/fabrique/internal/regie/meterfile"
	"github.com/fabrique-des-energies/fabrique/internal/territory"
)

// Meter is a household's delivery point.
type Meter struct {
	ID        int64
	UserID    int64
	PRM       string
	Label     string
	Commune   string
	CreatedAt time.Time
	Series    []SeriesInfo
}

// SeriesInfo describes what a meter holds for one flow and kind, without
// its values.
type SeriesInfo struct {
	Flow   Flow
	Daily  bool
	From   time.Time // start of the first stored interval
	To     time.Time // end of the last stored interval
	Points int64
	Blocks int
	Finest Step
}

// Series codes in regie_readings: curve or daily energy, per flow.
const (
	seriesConsCurve = 1
	seriesProdCurve = 2
	seriesConsDaily = 3
	seriesProdDaily = 4
)

func seriesCode(f Flow, daily bool) int {
	switch {
	case f == FlowProduction && daily:
		return seriesProdDaily
	case f == FlowProduction:
		return seriesProdCurve
	case daily:
		return seriesConsDaily
	}
	return seriesConsCurve
}

func seriesFlow(code int) (Flow, bool) {
	switch code {
	case seriesProdCurve:
		return FlowProduction, false
	case seriesConsDaily:
		return FlowConsumption, true
	case seriesProdDaily:
		return FlowProduction, true
	}
	return FlowConsumption, false
}

// blockEnd is the end of a block: the next UTC month, or the next French
// month for daily-energy blocks.
func blockEnd(month int64, daily bool) time.Time {
	d := block.FromMonthIndex(month)
	if daily {
		return parisMidnight(d.Year(), d.Month()+1, 1)
	}
	return d.AddDate(0, 1, 0)
}

func blockStart(month int64, daily bool) time.Time {
	d := block.FromMonthIndex(month)
	if daily {
		return parisMidnight(d.Year(), d.Month(), 1)
	}
	return d
}

// NormalizePRM checks a PRM typed by a person and returns its 14 digits.
func NormalizePRM(s string) (string, error) {
	p, err := meterfile.NormalizePRM(s)
	if err != nil {
		var pe *meterfile.PRMError
		if errors.As(err, &pe) {
			return "", errs.Field("prm", "PRM invalide : "+pe.Reason+". Le PRM (point de référence mesure) compte 14 chiffres ; il figure sur la facture.",
				"Invalid PRM: "+pe.ReasonEN+". The PRM (metering point reference) has 14 digits; it is printed on the bill.")
		}
		return "", err
	}
	return p, nil
}

// AddMeter registers a meter for a household.
func (s *Service) AddMeter(ctx context.Context, userID int64, prm, label, commune string) (Meter, error) {
	prm, err := NormalizePRM(prm)
	if err != nil {
		return Meter{}, err
	}
	label = trimLabel(label, 100)
	commune = strings.TrimSpace(commune)
	if commune != "" && s.terr != nil {
		if _, ok := s.terr.Get(territory.Commune, commune); !ok {
			return Meter{}, errs.Field("commune", "Code INSEE de commune inconnu : "+commune+".", "Unknown commune INSEE code: "+commune+".")
		}
	}
	m := Meter{UserID: userID, PRM: prm, Label: label, Commune: commune, CreatedAt: s.clock()}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		var owner int64
		err := tx.QueryRowContext(ctx, `SELECT user_id FROM regie_meters WHERE prm = $1`, prm).Scan(&owner)
		if err == nil {
			if owner == userID {
				return errs.Field("prm", "Ce compteur est déjà enregistré dans votre compte.", "This meter is already registered in your account.")
			}
			return errs.New(errs.Conflict, "Ce PRM est déjà enregistré par un autre compte. S'il s'agit bien de votre compteur, écrivez à l'équipe de la Fabrique.",
				"This PRM is already registered by another account. If it really is your meter, write to the Fabrique team.")
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO regie_meters (user_id, prm, label, commune, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			userID, prm, label, commune, m.CreatedAt).Scan(&m.ID); err != nil {
			if db.IsUniqueViolation(err) {
				return errs.New(errs.Conflict, "Ce PRM est déjà enregistré par un autre compte.", "This PRM is already registered by another account.")
			}
			return err
		}
		pseudo, err := s.householdSubject(ctx, tx, userID)
		if err != nil {
			return err
		}
		return s.appendJournal(ctx, tx, &Entry{Kind: JMeterAdded, Actor: ActorHousehold, ActorID: pseudo, Subjects: []string{pseudo}, Meters: []int64{m.ID}})
	})
	return m, err
}

const meterColumns = `id, user_id, prm, label, commune, created_at`

func scanMeter(row interface{ Scan(...any) error }) (Meter, error) {
	var m Meter
	err := row.Scan(&m.ID, &m.UserID, &m.PRM, &m.Label, &m.Commune, &m.CreatedAt)
	return m, err
}

// Meters lists a household's meters with what they hold.
func (s *Service) Meters(ctx context.Context, userID int64) ([]Meter, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT `+meterColumns+` FROM regie_meters WHERE user_id = $1 ORDER BY created_at, id`, userID)
	if err != nil {
		return nil, err
	}
	var out []Meter
	for rows.Next() {
		m, err := scanMeter(rows)
		if err != nil {
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
		if out[i].Series, err = s.seriesInfo(ctx, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Service) seriesInfo(ctx context.Context, meterID int64) ([]SeriesInfo, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT series, data_from, data_to, blocks, points, finest_step FROM regie_series WHERE meter_id = $1 ORDER BY series`, meterID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SeriesInfo
	for rows.Next() {
		var code, blocks int
		var first, last, points, finest int64
		if err := rows.Scan(&code, &first, &last, &blocks, &points, &finest); err != nil {
			return nil, err
		}
		f, daily := seriesFlow(code)
		si := SeriesInfo{Flow: f, Daily: daily, From: time.Unix(first, 0).UTC(), To: time.Unix(last, 0).UTC(), Points: points, Blocks: blocks}
		si.Finest = StepOf(time.Duration(finest) * time.Second)
		out = append(out, si)
	}
	return out, rows.Err()
}

// errNotYourMeter is the answer for a PRM that is not in the account,
// whether it exists elsewhere or not (so it reveals nothing).
func errNotYourMeter(prm string) error {
	return errs.New(errs.Forbidden, fmt.Sprintf("Le compteur %s n'est pas enregistré dans votre compte.", prm),
		fmt.Sprintf("Meter %s is not registered in your account.", prm))
}

// OwnMeter returns one of the household's meters by PRM; another
// household's meter (or an unknown PRM) is refused with Forbidden.
func (s *Service) OwnMeter(ctx context.Context, userID int64, prm string) (Meter, error) {
	m, err := scanMeter(s.db.R.QueryRowContext(ctx, `SELECT `+meterColumns+` FROM regie_meters WHERE prm = $1`, strings.TrimSpace(prm)))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && m.UserID != userID) {
		return Meter{}, errNotYourMeter(prm)
	}
	if err != nil {
		return Meter{}, err
	}
	m.Series, err = s.seriesInfo(ctx, m.ID)
	return m, err
}

// DeleteMeter removes a meter, its readings and its imports; consents keep
// their other meters.
func (s *Service) DeleteMeter(ctx context.Context, userID int64, prm string) error {
	m, err := s.OwnMeter(ctx, userID, prm)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := deleteMeterData(ctx, tx, m.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM regie_meters WHERE id = $1`, m.ID); err != nil {
			return err
		}
		pseudo, err := s.householdSubject(ctx, tx, userID)
		if err != nil {
			return err
		}
		return s.appendJournal(ctx, tx, &Entry{Kind: JMeterDeleted, Actor: ActorHousehold, ActorID: pseudo, Subjects: []string{pseudo}, Meters: []int64{m.ID}})
	})
}
