package acc

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/acc/accfile"
	"github.com/fabrique-des-energies/fabrique/internal/energy"
	"github.com/fabrique-des-energies/fabrique/internal/platform/db"
	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/i18n"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
	"github.com/fabrique-des-energies/fabrique/internal/regie/block"
	"github.com/fabrique-des-energies/fabrique/internal/regie/meterfile"
)

// Reading is a participant's curve on a regular grid: integer Wh per step
// (or millionths for coefficients), with gaps.
type Reading struct {
	Start   time.Time
	Step    time.Duration
	Values  []int64
	Present []bool
}

// CurveSource reads the curves of participants who share them through the
// data trust. It is the only way acc gets household curves under consent.
type CurveSource interface {
	// CheckConsent verifies that who (the organiser) may read p's curve
	// under p.ConsentID for a collective self-consumption operation.
	CheckConsent(ctx context.Context, who *web.Identity, p Participant) error
	// Read returns p's curve (consumption for consumers, production for
	// producers) at the given step, over what the consent allows.
	Read(ctx context.Context, who *web.Identity, p Participant, step time.Duration) (Reading, error)
}

// ImportKind is what an uploaded table holds.
type ImportKind string

// Table imports.
const (
	ImportProduction   ImportKind = "production"
	ImportConsumption  ImportKind = "consumption"
	ImportCoefficients ImportKind = "coefficients"
)

// MaxUpload is the largest file accepted (a year of 500 consumers at 15
// minutes in the allocate layout is about 150 MB; operations that large
// upload per month).
const MaxUpload = 64 << 20

// ImportLine says what an import stored for one participant.
type ImportLine struct {
	ParticipantID int64
	Name          string
	Steps         int
	Gaps          int
	From, To      time.Time
	KWh           float64
}

// ImportReport is what an import did.
type ImportReport struct {
	File     string
	Lines    []ImportLine
	Warnings []i18n.Text
}

// matchColumn finds the participant of a file column: by PRM, else by name
// (ignoring case).
func matchColumn(ps []Participant, id string) (Participant, bool) {
	id = strings.TrimSpace(id)
	if prm, err := meterfile.NormalizePRM(id); err == nil {
		for _, p := range ps {
			if p.PRM == prm {
				return p, true
			}
		}
	}
	for _, p := range ps {
		if strings.EqualFold(p.Name, id) {
			return p, true
		}
	}
	return Participant{}, false
}

// fileError turns a reader's error into a coded error naming the line.
func fileError(err error) error {
	if errs.Is(err, errs.TooLarge) {
		e, _ := errs.As(err)
		return e
	}
	var ae *accfile.Error
	if errors.As(err, &ae) {
		msg := i18n.T(ae.Fr, ae.En)
		where := i18n.T(fmt.Sprintf("Fichier %s refusé", ae.File), fmt.Sprintf("File %s refused", ae.File))
		if ae.Line > 0 {
			where = i18n.T(fmt.Sprintf("%s, ligne %d", where.FR, ae.Line), fmt.Sprintf("%s, line %d", where.EN, ae.Line))
		}
		if ae.Column > 0 {
			col := ""
			if ae.Name != "" {
				col = " (" + ae.Name + ")"
			}
			where = i18n.T(fmt.Sprintf("%s, colonne %d%s", where.FR, ae.Column, col), fmt.Sprintf("%s, column %d%s", where.EN, ae.Column, col))
		}
		e := errs.New(errs.Invalid, where.FR+" : "+msg.FR, where.EN+": "+msg.EN)
		return e.With(errs.Detail{Field: "file", Line: ae.Line, Column: ae.Column, Message: msg})
	}
	var pe *meterfile.ParseError
	if errors.As(err, &pe) {
		col := ""
		if pe.Column != "" {
			col = " (" + pe.Column + ")"
		}
		e := errs.New(errs.Invalid, fmt.Sprintf("Fichier refusé, ligne %d%s : %s", pe.Line, col, pe.Reason),
			fmt.Sprintf("File refused, line %d%s: %s", pe.Line, col, pe.ReasonEN))
		return e.With(errs.Detail{Field: "file", Line: pe.Line, Message: i18n.T(pe.Reason, pe.ReasonEN)})
	}
	return err
}

// capped reads at most MaxUpload bytes and fails beyond, so that a large
// file is refused rather than silently cut.
func capped(r io.Reader) io.Reader { return &capReader{r: r, left: MaxUpload} }

type capReader struct {
	r    io.Reader
	left int64
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.left < 0 {
		return 0, tooLarge()
	}
	if int64(len(p)) > c.left+1 {
		p = p[:c.left+1]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	if c.left < 0 {
		return n, tooLarge()
	}
	return n, err
}

func tooLarge() error {
	return errs.New(errs.TooLarge, fmt.Sprintf("Fichier trop volumineux : %d Mio au plus ; déposez-le mois par mois.", MaxUpload>>20),
		fmt.Sprintf("File too large: at most %d MiB; upload it month by month.", MaxUpload>>20))
}

// ImportTable stores a production or consumption file in the allocate
// layout (timestamp;<PRM or name>;…, kWh per step), or a dynamic key
// (timestamp;<PRM>;… or Horodate;<PRM>;…, one column per consumer).
// Columns name participants by PRM or by name; values replace those
// already stored for the same steps.
func (s *Service) ImportTable(ctx context.Context, who *web.Identity, opID int64, kind ImportKind, file string, r io.Reader) (ImportReport, error) {
	o, err := s.Get(ctx, who, opID)
	if err != nil {
		return ImportReport{}, err
	}
	rep := ImportReport{File: file}
	var series []pending
	switch kind {
	case ImportProduction, ImportConsumption:
		role := Consumer
		if kind == ImportProduction {
			role = Producer
		}
		tab, err := accfile.ReadSeries(file, capped(r))
		if err != nil {
			return rep, fileError(err)
		}
		step := tab.Step
		if step == 0 {
			step = o.Step
		}
		for j, id := range tab.IDs {
			p, ok := matchColumn(o.byRole(role), id)
			if !ok {
				return rep, errs.New(errs.Invalid,
					fmt.Sprintf("Fichier %s, colonne %d « %s » : aucun %s de l'opération n'a ce PRM ou ce nom.", file, j+2, id, role.Label().FR),
					fmt.Sprintf("File %s, column %d \"%s\": no %s of the operation has this PRM or name.", file, j+2, id, role.Label().EN)).
					With(errs.Detail{Field: "file", Line: 1, Column: j + 2, Message: i18n.T("colonne inconnue", "unknown column")})
			}
			if p.Source == SourceConsent {
				rep.Warnings = append(rep.Warnings, i18n.T(
					fmt.Sprintf("La colonne « %s » est ignorée : ce participant partage sa courbe par consentement.", id),
					fmt.Sprintf("Column \"%s\" is ignored: this participant shares its curve under consent.", id)))
				continue
			}
			vals := tab.Values.Column(j, nil)
			ser, warn, err := toStep(energy.Series{Start: tab.Start, Step: step, Values: vals}, o.Step)
			if err != nil {
				return rep, err
			}
			if warn != nil {
				rep.Warnings = append(rep.Warnings, *warn)
			}
			series = append(series, pending{p: p, kind: kindEnergy, s: ser, scale: 1000})
		}
	case ImportCoefficients:
		if o.Key != energy.KeyDynamic {
			return rep, errs.Field("kind", "Les coefficients par pas ne servent qu'à la clé dynamique.", "Per-step coefficients are only used by the dynamic key.")
		}
		cons := o.Consumers()
		ids := make([]string, len(cons))
		for i, p := range cons {
			ids[i] = p.PRM
		}
		cr, err := accfile.NewCoefficientReader(file, capped(r), ids)
		if err != nil {
			return rep, fileError(err)
		}
		cols := make([][]float64, len(cons))
		var start, prev time.Time
		for {
			ok, err := cr.Next()
			if err != nil {
				return rep, fileError(err)
			}
			if !ok {
				break
			}
			t := cr.Time()
			if start.IsZero() {
				start = t
			} else if t.Sub(prev) != o.Step {
				return rep, errs.New(errs.Invalid, fmt.Sprintf("Fichier %s, ligne %d : les coefficients doivent être donnés au pas de l'opération (%d min).", file, cr.Line(), o.StepMinutes()),
					fmt.Sprintf("File %s, line %d: coefficients must be given at the operation's step (%d min).", file, cr.Line(), o.StepMinutes()))
			}
			prev = t
			for i, v := range cr.Values() {
				cols[i] = append(cols[i], v)
			}
		}
		if start.IsZero() {
			return rep, errs.New(errs.Invalid, "Fichier "+file+" : aucune ligne de coefficients.", "File "+file+": no coefficient rows.")
		}
		for i, p := range cons {
			series = append(series, pending{p: p, kind: kindCoefficient, s: energy.Series{Start: start.UTC(), Step: o.Step, Values: cols[i]}, scale: 1e6})
		}
	default:
		return rep, errs.Field("kind", "Type de fichier inconnu : production, consumption ou coefficients.", "Unknown file kind: production, consumption or coefficients.")
	}
	if len(series) == 0 {
		return rep, errs.New(errs.Invalid, "Le fichier ne contient aucune colonne à enregistrer.", "The file holds no column to store.")
	}
	lines, err := s.store(ctx, o, file, series)
	rep.Lines = lines
	return rep, err
}

// ImportMeterFile stores one participant's file in any format the data
// trust reads (customer exports, SGE/R63, plain CSV): power or energy at
// 10, 15, 30 or 60 minutes, brought to the operation's step. The file's
// PRM, when it names one, must be the participant's.
func (s *Service) ImportMeterFile(ctx context.Context, who *web.Identity, opID, participantID int64, file string, data []byte) (ImportReport, error) {
	o, err := s.Get(ctx, who, opID)
	if err != nil {
		return ImportReport{}, err
	}
	rep := ImportReport{File: file}
	p, ok := o.Participant(participantID)
	if !ok {
		return rep, errs.Field("participant", "Choisissez un participant de l'opération.", "Choose a participant of the operation.")
	}
	if p.Source == SourceConsent {
		return rep, errs.Field("participant", "Ce participant partage sa courbe par consentement : aucun fichier n'est nécessaire.",
			"This participant shares its curve under consent: no file is needed.")
	}
	flow := meterfile.FlowConsumption
	if p.Role == Producer {
		flow = meterfile.FlowProduction
	}
	c, err := meterfile.ParseBytes(data, meterfile.Options{PRM: p.PRM, Flow: flow, MaxBytes: MaxUpload})
	if err != nil {
		return rep, fileError(err)
	}
	if c.Kind != meterfile.KindLoadCurve {
		return rep, errs.New(errs.Invalid, "Ce fichier donne des énergies journalières : la répartition demande une courbe de charge (pas de 10 à 60 minutes).",
			"This file holds daily energies: the allocation needs a load curve (10- to 60-minute steps).")
	}
	if len(c.Segments) == 0 {
		return rep, errs.New(errs.Invalid, "Le fichier ne contient aucune valeur.", "The file holds no value.")
	}
	var series []pending
	for _, seg := range c.Segments {
		vals := make([]float64, seg.Len())
		for i, v := range seg.Values {
			if seg.Present[i] {
				vals[i] = float64(v) / 1000
			} else {
				vals[i] = math.NaN()
			}
		}
		ser, warn, err := toStep(energy.Series{Start: seg.Start, Step: seg.Step, Values: vals}, o.Step)
		if err != nil {
			return rep, err
		}
		if warn != nil {
			rep.Warnings = append(rep.Warnings, *warn)
		}
		if ser.Len() > 0 {
			series = append(series, pending{p: p, kind: kindEnergy, s: ser, scale: 1000})
		}
	}
	if len(series) == 0 {
		return rep, errs.New(errs.Invalid, fmt.Sprintf("Le fichier ne couvre aucun pas entier de %d minutes.", o.StepMinutes()),
			fmt.Sprintf("The file covers no whole %d-minute step.", o.StepMinutes()))
	}
	lines, err := s.store(ctx, o, file, series)
	rep.Lines = lines
	return rep, err
}

// toStep brings an energy series (kWh per step, NaN for gaps) to the
// operation's step: as is when equal, by summing when the operation's step
// is a multiple, otherwise through average power (which spreads a coarser
// step evenly: a warning says so).
func toStep(s energy.Series, step time.Duration) (energy.Series, *i18n.Text, error) {
	s.Start = s.Start.UTC()
	if s.Step == step {
		return s, nil, nil
	}
	if s.Step <= 0 || s.Step > time.Hour || s.Step%time.Minute != 0 {
		return s, nil, errs.New(errs.Invalid, fmt.Sprintf("Pas de %s non pris en charge : 5 à 60 minutes.", s.Step), fmt.Sprintf("Step of %s not supported: 5 to 60 minutes.", s.Step))
	}
	first := s.Start.Truncate(step)
	if first.Before(s.Start) {
		first = first.Add(step)
	}
	if step%s.Step == 0 && first.Sub(s.Start)%s.Step == 0 {
		// Keep the whole operation steps the series covers.
		last := s.End().Truncate(step)
		if !last.After(first) {
			return energy.Series{Start: first, Step: step}, nil, nil
		}
		w, err := s.Window(first, last)
		if err != nil {
			return s, nil, err
		}
		out, err := energy.Downsample(w, step)
		return out, nil, err
	}
	power := energy.Series{Start: s.Start, Step: s.Step, Values: make([]float64, len(s.Values))}
	h := s.Step.Hours()
	for i, v := range s.Values {
		power.Values[i] = v * 1000 / h
	}
	out, err := energy.PowerToEnergy(power, step)
	if err != nil {
		return s, nil, err
	}
	var warn *i18n.Text
	if s.Step > step {
		w := i18n.T(fmt.Sprintf("Valeurs au pas de %d min réparties également sur des pas de %d min : la répartition sera approchée.", int(s.Step.Minutes()), int(step.Minutes())),
			fmt.Sprintf("Values at a %d-min step spread evenly over %d-min steps: the allocation will be approximate.", int(s.Step.Minutes()), int(step.Minutes())))
		warn = &w
	}
	return out, warn, nil
}

// Quantize turns values into integers of 1/scale (Wh for kWh with scale
// 1000) by rounding the running total, so that the stored total stays
// within half a unit of the true one instead of drifting by half a unit per
// value (a 30-minute reading split in two would otherwise gain 1 Wh each
// time it is odd). NaN values are gaps.
func Quantize(values []float64, scale float64) ([]int64, []bool) {
	vals, pres := make([]int64, len(values)), make([]bool, len(values))
	var cum float64
	var done int64
	for i, v := range values {
		if math.IsNaN(v) {
			continue
		}
		cum += v * scale
		r := int64(math.Round(cum))
		vals[i], pres[i] = r-done, true
		done = r
	}
	return vals, pres
}

// floorMillionths stores coefficients as millionths, floored (with a
// hair of slack for binary fractions such as 0.3) so that a row of
// coefficients adding up to 1 never adds up to more.
func floorMillionths(values []float64) ([]int64, []bool) {
	vals, pres := make([]int64, len(values)), make([]bool, len(values))
	for i, v := range values {
		if !math.IsNaN(v) {
			vals[i], pres[i] = int64(math.Floor(v*1e6+1e-6)), true
		}
	}
	return vals, pres
}

// pending is a series waiting to be stored.
type pending struct {
	p     Participant
	kind  curveKind
	s     energy.Series
	scale float64 // stored integer = round(value × scale)
}

// store writes series as month blocks, merged over what is stored: new
// values replace old ones on the same steps, gaps keep the old values.
func (s *Service) store(ctx context.Context, o *Operation, file string, series []pending) ([]ImportLine, error) {
	var lines []ImportLine
	type row struct {
		pid   int64
		kind  curveKind
		chunk block.Chunk
	}
	var rows []row
	for _, ps := range series {
		line := ImportLine{ParticipantID: ps.p.ID, Name: ps.p.Name}
		for i, v := range ps.s.Values {
			if !math.IsNaN(v) && (v < 0 || v*ps.scale > 1e15) {
				return nil, errs.New(errs.Invalid, fmt.Sprintf("Valeur hors limites pour « %s » au %s.", ps.p.Name, ps.s.Time(i).In(energy.Paris()).Format("02/01/2006 15:04")),
					fmt.Sprintf("Value out of range for \"%s\" at %s.", ps.p.Name, ps.s.Time(i).In(energy.Paris()).Format("2006-01-02 15:04")))
			}
		}
		var vals []int64
		var pres []bool
		if ps.kind == kindCoefficient {
			vals, pres = floorMillionths(ps.s.Values)
		} else {
			vals, pres = Quantize(ps.s.Values, ps.scale)
		}
		for i, v := range ps.s.Values {
			if math.IsNaN(v) {
				line.Gaps++
				continue
			}
			line.Steps++
			if ps.kind == kindEnergy {
				line.KWh += v
			}
			if line.From.IsZero() {
				line.From = ps.s.Time(i)
			}
			line.To = ps.s.Time(i + 1)
		}
		if line.Steps == 0 {
			continue
		}
		curve := &meterfile.Curve{Kind: meterfile.KindLoadCurve, Segments: []meterfile.Segment{{Step: ps.s.Step, Start: ps.s.Start, Values: vals, Present: pres}}}
		chunks, err := block.Split(curve)
		if err != nil {
			return nil, err
		}
		for _, c := range chunks {
			rows = append(rows, row{pid: ps.p.ID, kind: ps.kind, chunk: c})
		}
		lines = append(lines, line)
	}
	now := db.Now()
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		for _, r := range rows {
			idx := block.MonthIndex(r.chunk.Month)
			var old []byte
			err := tx.QueryRowContext(ctx, `SELECT data FROM acc_curves WHERE participant_id = $1 AND kind = $2 AND month_index = $3`,
				r.pid, string(r.kind), idx).Scan(&old)
			var data []byte
			switch {
			case errors.Is(err, sql.ErrNoRows):
				if data, err = r.chunk.Encode(); err != nil {
					return err
				}
			case err != nil:
				return err
			default:
				if data, _, err = block.MergeEncoded(old, r.chunk); err != nil {
					return err
				}
				if bytes.Equal(data, old) {
					continue
				}
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO acc_curves (participant_id, kind, month_index, data, source_name, uploaded_at)
				VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (participant_id, kind, month_index)
				DO UPDATE SET data = excluded.data, source_name = excluded.source_name, uploaded_at = excluded.uploaded_at`,
				r.pid, string(r.kind), idx, data, truncate(file, 200), now); err != nil {
				return err
			}
		}
		return bumpDataVersion(ctx, tx, o.ID)
	})
	if err != nil {
		return nil, err
	}
	s.results.drop(o.ID)
	return lines, nil
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}

// ClearData deletes the uploaded readings of one participant, or of the
// whole operation when participantID is 0.
func (s *Service) ClearData(ctx context.Context, who *web.Identity, opID, participantID int64) error {
	o, err := s.Get(ctx, who, opID)
	if err != nil {
		return err
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if participantID != 0 {
			if _, ok := o.Participant(participantID); !ok {
				return errs.Field("participant", "Ce participant n'est pas dans l'opération.", "This participant is not in the operation.")
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM acc_curves WHERE participant_id = $1`, participantID); err != nil {
				return err
			}
		} else if _, err := tx.ExecContext(ctx, `DELETE FROM acc_curves WHERE participant_id IN (SELECT id FROM acc_participants WHERE operation_id = $1)`, opID); err != nil {
			return err
		}
		return bumpDataVersion(ctx, tx, opID)
	})
	s.results.drop(opID)
	return err
}

// DataLine is what is stored for one participant.
type DataLine struct {
	Participant
	Months      int
	Steps       int
	KWh         float64
	From, To    time.Time
	Coefficient bool // a dynamic key's coefficients (KWh unused)
}

// DataStatus lists, per participant, the readings stored for the operation
// (curves shared under consent are not stored here and show nothing).
func (s *Service) DataStatus(ctx context.Context, who *web.Identity, opID int64) (*Operation, []DataLine, error) {
	o, err := s.Get(ctx, who, opID)
	if err != nil {
		return nil, nil, err
	}
	blocks, err := s.loadBlocks(ctx, opID)
	if err != nil {
		return o, nil, err
	}
	type key struct {
		id   int64
		kind curveKind
	}
	lines := map[key]*DataLine{}
	for _, b := range blocks {
		k := key{b.participantID, b.kind}
		l := lines[k]
		if l == nil {
			p, _ := o.Participant(b.participantID)
			l = &DataLine{Participant: p, Coefficient: b.kind == kindCoefficient}
			lines[k] = l
		}
		ch, err := block.DecodeChunk(block.FromMonthIndex(b.month), b.data)
		if err != nil {
			return o, nil, err
		}
		l.Months++
		for i, ok := range ch.Present {
			if !ok {
				continue
			}
			l.Steps++
			if b.kind == kindEnergy {
				l.KWh += float64(ch.Values[i]) / 1000
			}
			at := ch.At(i)
			if l.From.IsZero() || at.Before(l.From) {
				l.From = at
			}
			if end := at.Add(ch.Step); end.After(l.To) {
				l.To = end
			}
		}
	}
	var out []DataLine
	for _, p := range o.Participants {
		for _, k := range []curveKind{kindEnergy, kindCoefficient} {
			if l := lines[key{p.ID, k}]; l != nil {
				out = append(out, *l)
			} else if k == kindEnergy {
				out = append(out, DataLine{Participant: p})
			}
		}
	}
	return o, out, nil
}
