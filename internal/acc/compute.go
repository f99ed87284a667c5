package acc

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/energy"
	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/i18n"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
	"github.com/fabrique-des-energies/fabrique/internal/regie/block"
)

// MaxSteps bounds the period an analysis covers: three years at 15 minutes.
// Older readings stay stored but are left out (a warning says so).
const MaxSteps = 3 * 366 * 96

// Dataset is an operation's readings on one grid, ready for the engine:
// kWh per step, missing readings counted as zero and flagged.
type Dataset struct {
	Start time.Time
	Step  time.Duration
	T     int
	// Consumers and Producers in position order; Cons is N × T, Prod M × T.
	Consumers, Producers []Participant
	Cons, Prod           energy.Matrix
	// ConsPresent[i][t] is false where consumer i has no reading (nil:
	// complete); likewise ProdPresent.
	ConsPresent, ProdPresent [][]bool
	// Coef holds the dynamic key's coefficients (N × T) when the key is dynamic.
	Coef        energy.Matrix
	CoefMissing int
	Warnings    []i18n.Text
	// FromConsent is true when a curve came through the data trust.
	FromConsent bool
}

// series is one participant's curve on its own grid.
type series struct {
	s     energy.Series
	first time.Time // first present step
	end   time.Time // end of the last present step
}

func chunksToSeries(blocks []storedBlock, step time.Duration, scale float64) (energy.Series, error) {
	if len(blocks) == 0 {
		return energy.Series{}, nil
	}
	// Blocks come sorted by month: the series spans the first to the last.
	first := block.FromMonthIndex(blocks[0].month)
	end := block.FromMonthIndex(blocks[len(blocks)-1].month).AddDate(0, 1, 0)
	out := energy.Series{Start: first, Step: step, Values: make([]float64, int(end.Sub(first)/step))}
	for i := range out.Values {
		out.Values[i] = math.NaN()
	}
	var vals []int64
	var pres []bool
	for _, b := range blocks {
		month := block.FromMonthIndex(b.month)
		st, v, p, err := block.DecodeAppend(vals[:0], pres[:0], b.data)
		if err != nil {
			return out, fmt.Errorf("decode block %d/%d: %w", b.participantID, b.month, err)
		}
		vals, pres = v, p
		if st != step {
			// A block at another step (not written by this package) goes
			// through the general conversion.
			f := make([]float64, len(v))
			for i := range f {
				f[i] = math.NaN()
				if p[i] {
					f[i] = float64(v[i]) / scale
				}
			}
			s, _, err := toStep(energy.Series{Start: month, Step: st, Values: f}, step)
			if err != nil {
				return out, err
			}
			off := int(s.Start.Sub(first) / step)
			for i, x := range s.Values {
				if k := off + i; k >= 0 && k < len(out.Values) && !math.IsNaN(x) {
					out.Values[k] = x
				}
			}
			continue
		}
		off := int(month.Sub(first) / step)
		dst := out.Values[off : off+len(v)]
		for i, x := range v {
			if p[i] {
				dst[i] = float64(x) / scale
			}
		}
	}
	return out, nil
}

func bounds(s energy.Series) (series, bool) {
	first, last := -1, -1
	for i, v := range s.Values {
		if !math.IsNaN(v) {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		return series{s: s}, false
	}
	return series{s: s, first: s.Time(first), end: s.Time(last + 1)}, true
}

// LoadDataset assembles an operation's readings: uploaded blocks, and
// curves read through the data trust for participants who share them.
func (s *Service) LoadDataset(ctx context.Context, who *web.Identity, o *Operation) (*Dataset, error) {
	blocks, err := s.loadBlocks(ctx, o.ID)
	if err != nil {
		return nil, err
	}
	byKey := map[int64]map[curveKind][]storedBlock{}
	for _, b := range blocks {
		if byKey[b.participantID] == nil {
			byKey[b.participantID] = map[curveKind][]storedBlock{}
		}
		byKey[b.participantID][b.kind] = append(byKey[b.participantID][b.kind], b)
	}
	d := &Dataset{Step: o.Step, Consumers: o.Consumers(), Producers: o.Producers()}
	curves := map[int64]series{}
	var first, end time.Time
	src := s.curveSource()
	for _, p := range o.Participants {
		var ser energy.Series
		if p.Source == SourceConsent {
			if src == nil {
				d.Warnings = append(d.Warnings, i18n.T(fmt.Sprintf("La courbe de « %s » (consentement) n'est pas disponible sur cette instance.", p.Name),
					fmt.Sprintf("The curve of \"%s\" (consent) is not available on this instance.", p.Name)))
				continue
			}
			rd, err := src.Read(ctx, who, p, o.Step)
			if err != nil {
				if e, ok := errs.As(err); ok && e.Code != errs.Internal {
					d.Warnings = append(d.Warnings, i18n.T(fmt.Sprintf("Courbe de « %s » non lue : %s", p.Name, e.Message.FR),
						fmt.Sprintf("Curve of \"%s\" not read: %s", p.Name, e.Message.EN)))
					continue
				}
				return nil, err
			}
			d.FromConsent = true
			vals := make([]float64, len(rd.Values))
			for i, v := range rd.Values {
				if rd.Present[i] {
					vals[i] = float64(v) / 1000
				} else {
					vals[i] = math.NaN()
				}
			}
			ser = energy.Series{Start: rd.Start.UTC(), Step: rd.Step, Values: vals}
			if rd.Step != o.Step {
				if ser, _, err = toStep(ser, o.Step); err != nil {
					return nil, err
				}
			}
		} else if ser, err = chunksToSeries(byKey[p.ID][kindEnergy], o.Step, 1000); err != nil {
			return nil, err
		}
		b, ok := bounds(ser)
		if !ok {
			continue
		}
		curves[p.ID] = b
		if first.IsZero() || b.first.Before(first) {
			first = b.first
		}
		if b.end.After(end) {
			end = b.end
		}
	}
	if first.IsZero() {
		return nil, errs.New(errs.NotFound, "Aucun relevé pour cette opération : déposez les courbes de production et de consommation (page Données).",
			"No readings for this operation: upload the production and consumption curves (Data page).")
	}
	d.T = int(end.Sub(first) / o.Step)
	if d.T > MaxSteps {
		first = end.Add(-time.Duration(MaxSteps) * o.Step)
		d.T = MaxSteps
		d.Warnings = append(d.Warnings, i18n.T("Seules les trois dernières années de relevés sont analysées.", "Only the last three years of readings are analysed."))
	}
	d.Start = first
	fill := func(ps []Participant) (energy.Matrix, [][]bool) {
		m := energy.NewMatrix(len(ps), d.T)
		present := make([][]bool, len(ps))
		for i, p := range ps {
			c, ok := curves[p.ID]
			var pr []bool
			complete := true
			off := 0
			if ok {
				off = int(d.Start.Sub(c.s.Start) / o.Step)
			}
			for t := 0; t < d.T; t++ {
				v := math.NaN()
				if k := t + off; ok && k >= 0 && k < c.s.Len() {
					v = c.s.Values[k]
				}
				if math.IsNaN(v) {
					if complete {
						pr = make([]bool, d.T)
						for k := 0; k < t; k++ {
							pr[k] = true
						}
						complete = false
					}
					continue
				}
				if !complete {
					pr[t] = true
				}
				m.Data[t*m.N+i] = v
			}
			present[i] = pr
			if !ok {
				d.Warnings = append(d.Warnings, i18n.T(fmt.Sprintf("Aucun relevé pour « %s » : compté à zéro.", p.Name),
					fmt.Sprintf("No readings for \"%s\": counted as zero.", p.Name)))
			}
		}
		return m, present
	}
	d.Cons, d.ConsPresent = fill(d.Consumers)
	d.Prod, d.ProdPresent = fill(d.Producers)
	if o.Key == energy.KeyDynamic {
		d.Coef = energy.NewMatrix(len(d.Consumers), d.T)
		for i, p := range d.Consumers {
			ser, err := chunksToSeries(byKey[p.ID][kindCoefficient], o.Step, 1e6)
			if err != nil {
				return nil, err
			}
			off := 0
			if ser.Len() > 0 {
				off = int(d.Start.Sub(ser.Start) / o.Step)
			}
			for t := 0; t < d.T; t++ {
				k := t + off
				if ser.Len() == 0 || k < 0 || k >= ser.Len() || math.IsNaN(ser.Values[k]) {
					d.CoefMissing++
					continue
				}
				d.Coef.Data[t*d.Coef.N+i] = ser.Values[k]
			}
		}
		if d.CoefMissing > 0 {
			d.Warnings = append(d.Warnings, i18n.T(
				fmt.Sprintf("Clé dynamique : %d coefficients manquent (comptés à zéro, la production correspondante part en surplus). Déposez le fichier des coefficients.", d.CoefMissing),
				fmt.Sprintf("Dynamic key: %d coefficients are missing (counted as zero, the matching production goes to surplus). Upload the coefficient file.", d.CoefMissing)))
		}
	}
	return d, nil
}

// Key builds the engine key of an operation for a dataset.
func (o *Operation) EngineKey(d *Dataset) (energy.Key, error) {
	k := energy.Key{Kind: o.Key}
	switch o.Key {
	case energy.KeyStatic:
		for _, p := range d.Consumers {
			k.Static = append(k.Static, p.Coefficient)
		}
	case energy.KeyPriority:
		for _, p := range d.Consumers {
			k.Ranks = append(k.Ranks, max(p.Rank, 1))
		}
	case energy.KeyDynamic:
		k.Dynamic = d.Coef
	}
	return k, nil
}

// MonthTotals is the result of one calendar month (Paris).
type MonthTotals struct {
	Month time.Time // first day of the month, Paris
	Steps int
	energy.Totals
	// Missing readings per consumer and per producer (steps counted as zero).
	ConsMissing, ProdMissing []int
}

// Surplus is the production not allocated.
func (m *MonthTotals) Surplus() float64 { return m.Production - m.Allocated }

// ProfileSlot is one time of day of the average day.
type ProfileSlot struct {
	Minute                                   int // minutes after local midnight
	ProductionKW, ConsumptionKW, AllocatedKW float64
}

// Label writes the time of day (HH:MM).
func (p ProfileSlot) Label() string { return fmt.Sprintf("%02d:%02d", p.Minute/60, p.Minute%60) }

// Analysis is an operation's allocation over its readings: monthly totals
// per participant, the whole period and the average day.
type Analysis struct {
	OpID        int64
	DataVersion int64
	Key         energy.KeyKind
	Start, End  time.Time
	Step        time.Duration
	Steps       int
	Consumers   []Participant
	Producers   []Participant
	Months      []MonthTotals
	Whole       MonthTotals
	Profile     []ProfileSlot
	Warnings    []i18n.Text
	FromConsent bool
	ComputedIn  time.Duration
}

// Month finds a month ("2024-06").
func (a *Analysis) Month(ym string) (*MonthTotals, bool) {
	for i := range a.Months {
		if a.Months[i].Month.Format("2006-01") == ym {
			return &a.Months[i], true
		}
	}
	return nil, false
}

// Analyse allocates a dataset with the operation's key and sums the result.
func Analyse(o *Operation, d *Dataset) (*Analysis, error) {
	start := time.Now()
	key, err := o.EngineKey(d)
	if err != nil {
		return nil, err
	}
	n := len(d.Consumers)
	prod := make([]float64, d.T)
	for t := 0; t < d.T; t++ {
		var p float64
		for _, v := range d.Prod.Row(t) {
			p += v
		}
		prod[t] = p
	}
	alloc := energy.NewMatrix(n, d.T)
	if err := energy.Allocate(key, prod, d.Cons, alloc, nil); err != nil {
		var ce *energy.CoefficientError
		if asCoef(err, &ce) {
			return nil, errs.New(errs.Invalid, "Clé de répartition invalide : "+err.Error(), "Invalid allocation key: "+err.Error())
		}
		return nil, err
	}
	a := &Analysis{OpID: o.ID, DataVersion: o.DataVersion, Key: o.Key, Start: d.Start, Step: d.Step, Steps: d.T,
		End: d.Start.Add(time.Duration(d.T) * d.Step), Consumers: d.Consumers, Producers: d.Producers,
		Warnings: d.Warnings, FromConsent: d.FromConsent}
	loc := energy.Paris()
	months, err := energy.Breakdown(d.Start, d.Step, loc, energy.Month, d.Prod, d.Cons, alloc)
	if err != nil {
		return nil, err
	}
	// The whole period is the sum of its months (one pass over the steps, not two).
	whole := energy.NewTotals(len(d.Producers), n)
	for _, pt := range months {
		whole.Steps += pt.Steps
		whole.Production += pt.Production
		whole.Consumption += pt.Consumption
		whole.Allocated += pt.Allocated
		for i, c := range pt.Consumers {
			whole.Consumers[i].Consumption += c.Consumption
			whole.Consumers[i].Allocated += c.Allocated
		}
		for j, p := range pt.Producers {
			whole.Producers[j].Production += p.Production
			whole.Producers[j].SelfConsumed += p.SelfConsumed
		}
	}
	missing := func(present [][]bool, from, to int) []int {
		out := make([]int, len(present))
		for i, pr := range present {
			if pr == nil {
				continue
			}
			for t := from; t < to; t++ {
				if !pr[t] {
					out[i]++
				}
			}
		}
		return out
	}
	for _, pt := range months {
		ms := pt.Start.In(loc)
		a.Months = append(a.Months, MonthTotals{Month: time.Date(ms.Year(), ms.Month(), 1, 0, 0, 0, 0, loc), Steps: pt.To - pt.From, Totals: pt.Totals,
			ConsMissing: missing(d.ConsPresent, pt.From, pt.To), ProdMissing: missing(d.ProdPresent, pt.From, pt.To)})
	}
	a.Whole = MonthTotals{Month: d.Start.In(loc), Steps: d.T, Totals: whole, ConsMissing: missing(d.ConsPresent, 0, d.T), ProdMissing: missing(d.ProdPresent, 0, d.T)}
	// Average day in local time.
	slots := int(24 * time.Hour / d.Step)
	sum := make([][3]float64, slots)
	count := make([]int, slots)
	for t := 0; t < d.T; t++ {
		lt := d.Start.Add(time.Duration(t) * d.Step).In(loc)
		k := (lt.Hour()*60 + lt.Minute()) / int(d.Step/time.Minute)
		var c, al float64
		for _, v := range d.Cons.Row(t) {
			c += v
		}
		for _, v := range alloc.Row(t) {
			al += v
		}
		sum[k][0] += prod[t]
		sum[k][1] += c
		sum[k][2] += al
		count[k]++
	}
	h := d.Step.Hours()
	for k := range slots {
		ps := ProfileSlot{Minute: k * int(d.Step/time.Minute)}
		if count[k] > 0 {
			f := 1 / (float64(count[k]) * h)
			ps.ProductionKW, ps.ConsumptionKW, ps.AllocatedKW = sum[k][0]*f, sum[k][1]*f, sum[k][2]*f
		}
		a.Profile = append(a.Profile, ps)
	}
	a.ComputedIn = time.Since(start)
	return a, nil
}

// Analysis returns the allocation of an operation's readings, from a
// cache when nothing changed and no curve comes through a consent (those
// are read again each time, so that a withdrawal applies at once and every
// read is journaled by the data trust).
func (s *Service) Analysis(ctx context.Context, who *web.Identity, id int64) (*Operation, *Analysis, error) {
	o, err := s.Get(ctx, who, id)
	if err != nil {
		return nil, nil, err
	}
	cacheable := true
	for _, p := range o.Participants {
		cacheable = cacheable && p.Source != SourceConsent
	}
	if a, ok := s.results.get(o.ID, o.DataVersion); ok && cacheable {
		return o, a, nil
	}
	d, err := s.LoadDataset(ctx, who, o)
	if err != nil {
		return o, nil, err
	}
	a, err := Analyse(o, d)
	if err != nil {
		return o, nil, err
	}
	if cacheable {
		s.results.put(a)
	}
	return o, a, nil
}

func asCoef(err error, target **energy.CoefficientError) bool { return errors.As(err, target) }

// resultCache keeps the latest analyses (small: totals only, no matrices).
type resultCache struct {
	mu    sync.Mutex
	size  int
	items []*Analysis
}

func newResultCache(size int) *resultCache { return &resultCache{size: size} }

func (c *resultCache) get(id, version int64) (*Analysis, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, a := range c.items {
		if a.OpID == id && a.DataVersion == version {
			// Move to the front.
			copy(c.items[1:i+1], c.items[:i])
			c.items[0] = a
			return a, true
		}
	}
	return nil, false
}

func (c *resultCache) put(a *Analysis) {
	c.mu.Lock()
	defer c.mu.Unlock()
	kept := []*Analysis{a}
	for _, x := range c.items {
		if x.OpID != a.OpID && len(kept) < c.size {
			kept = append(kept, x)
		}
	}
	c.items = kept
}

func (c *resultCache) drop(id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	kept := c.items[:0]
	for _, x := range c.items {
		if x.OpID != id {
			kept = append(kept, x)
		}
	}
	c.items = kept
}
