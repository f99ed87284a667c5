package regie

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/i18n"
	"github.com/fabrique-des-energies/fabrique/internal/regie/block"
	"github.com/fabrique-des-energies/fabrique/internal/territory"
)

// Reader says who reads household data and for whom.
type Reader struct {
	// UserID is the account making the request. A capability processing
	// data for a recipient on its own (a scheduled allocation, say) may
	// leave it 0 and must then name itself in Via.
	UserID int64
	// RecipientID is the actor the read is made for; 0 when a household
	// reads its own data (the owner rule applies then).
	RecipientID int64
	// Via names the channel or capability ("page", "api", "acc" …); it is
	// recorded in the journal.
	Via string
}

// CurveRequest asks for one meter's curve.
type CurveRequest struct {
	Reader Reader
	// ConsentID is the consent the recipient reads under (required for
	// recipients, ignored for the household itself).
	ConsentID int64
	PRM       string
	Flow      Flow
	// From and To bound the period (zero: the consent's period, or for the
	// household the data it holds).
	From, To time.Time
	// Step is the step asked for (zero: the finest allowed). A step finer
	// than the consent's resolution is raised to it.
	Step Step
	// Purpose, when set, must be the consent's purpose.
	Purpose string
}

// Curve is a meter's series on a regular grid: Wh per interval, gaps kept.
type Curve struct {
	PRM  string
	Flow Flow
	// Step is the step of the answer; Requested the step asked for.
	Step, Requested Step
	Start, End      time.Time
	Values          []int64
	Present         []bool
	ConsentID       int64
	JournalSeq      int64
	grid            grid
}

// Len is the number of intervals.
func (c *Curve) Len() int { return len(c.Values) }

// At returns the start of interval i.
func (c *Curve) At(i int) time.Time { return c.grid.at(i) }

// Downsampled reports whether the answer is coarser than asked.
func (c *Curve) Downsampled() bool { return c.Requested != "" && c.Step != c.Requested }

// Total sums the known values.
func (c *Curve) Total() (sum int64, known int) {
	for i, v := range c.Values {
		if c.Present[i] {
			sum += v
			known++
		}
	}
	return sum, known
}

// Rule names the rule behind a refusal.
type Rule string

// Refusal rules.
const (
	RuleRecipient    Rule = "recipient"
	RuleConsent      Rule = "consent"
	RuleStatus       Rule = "status"
	RuleExpired      Rule = "expired"
	RulePurpose      Rule = "purpose"
	RuleMode         Rule = "mode"
	RuleMeter        Rule = "meter"
	RuleCategory     Rule = "category"
	RulePeriod       Rule = "period"
	RuleOwner        Rule = "owner"
	RuleCohort       Rule = "cohort-size"
	RuleDifferencing Rule = "differencing"
)

// refusal is a read the door turned down.
type refusal struct {
	rule Rule
	msg  i18n.Text
}

func refuse(rule Rule, fr, en string) *refusal { return &refusal{rule: rule, msg: i18n.T(fr, en)} }

func (r *refusal) err() error {
	e := errs.New(errs.Forbidden, "Accès refusé (règle « "+string(r.rule)+" ») : "+r.msg.FR, "Access refused (rule \""+string(r.rule)+"\"): "+r.msg.EN)
	return e.With(errs.Detail{Field: "rule", Message: i18n.T(string(r.rule), string(r.rule))})
}

// RuleOf returns the rule of a refusal from the door, "" for other errors.
func RuleOf(err error) Rule {
	e, ok := errs.As(err)
	if !ok || e.Code != errs.Forbidden {
		return ""
	}
	for _, d := range e.Details {
		if d.Field == "rule" {
			return Rule(d.Message.FR)
		}
	}
	return ""
}

// effectiveResolution is the finest step a consent lets through: its
// resolution, and no finer than a day without the load-curve category.
func effectiveResolution(c *Consent, flow Flow) Step {
	r := c.Resolution
	if flow == FlowConsumption && !c.HasCategory(CatLoadCurve) {
		r = Coarser(r, StepP1D)
	}
	return r
}

// checkConsent is the consent rule: does consent c let recipient rid read
// meter meterID (flow, period [from, to)) at instant now, individually or
// inside an aggregate? It returns nil when it does.
func checkConsent(c *Consent, now time.Time, rid, meterID int64, flow Flow, from, to time.Time, purpose string, individual bool) *refusal {
	id := c.ID
	switch {
	case c.Recipient.ID != rid:
		return refuse(RuleConsent, fmt.Sprintf("le consentement n° %d n'a pas été donné à ce destinataire.", id), fmt.Sprintf("consent %d was not given to this recipient.", id))
	case c.Status == StatusRequested:
		return refuse(RuleStatus, fmt.Sprintf("le consentement n° %d attend encore la réponse du foyer.", id), fmt.Sprintf("consent %d still awaits the household's answer.", id))
	case c.Status == StatusRefused:
		return refuse(RuleStatus, fmt.Sprintf("le foyer a refusé le consentement n° %d.", id), fmt.Sprintf("the household refused consent %d.", id))
	case c.Status == StatusWithdrawn:
		return refuse(RuleStatus, fmt.Sprintf("le foyer a retiré le consentement n° %d le %s.", id, frDate(c.EndedAt)), fmt.Sprintf("the household withdrew consent %d on %s.", id, c.EndedAt.Format(time.DateOnly)))
	case c.Status == StatusExpired || (c.Status == StatusGiven && !now.Before(c.ValidUntil)):
		return refuse(RuleExpired, fmt.Sprintf("le consentement n° %d a expiré le %s.", id, frDate(c.ValidUntil)), fmt.Sprintf("consent %d expired on %s.", id, c.ValidUntil.Format(time.DateOnly)))
	case c.Status != StatusGiven || now.Before(c.ValidFrom):
		return refuse(RuleStatus, fmt.Sprintf("le consentement n° %d n'est pas en vigueur.", id), fmt.Sprintf("consent %d is not in force.", id))
	case purpose != "" && purpose != c.Purpose:
		return refuse(RulePurpose, fmt.Sprintf("le consentement n° %d a été donné pour « %s », pas pour « %s ».", id, c.Purpose, purpose), fmt.Sprintf("consent %d was given for %q, not for %q.", id, c.Purpose, purpose))
	case individual && c.Mode != ModeIndividual:
		return refuse(RuleMode, fmt.Sprintf("le consentement n° %d ne permet que des totaux anonymes d'au moins %d foyers, pas la lecture d'un compteur.", id, c.MinCohort),
			fmt.Sprintf("consent %d allows only anonymous totals of at least %d households, not reading one meter.", id, c.MinCohort))
	}
	found := false
	for _, m := range c.Meters {
		found = found || m.ID == meterID
	}
	if !found {
		return refuse(RuleMeter, fmt.Sprintf("le consentement n° %d ne couvre pas ce compteur.", id), fmt.Sprintf("consent %d does not cover this meter.", id))
	}
	if flow == FlowProduction && !c.HasCategory(CatProduction) {
		return refuse(RuleCategory, fmt.Sprintf("le consentement n° %d ne couvre pas les données de production.", id), fmt.Sprintf("consent %d does not cover production data.", id))
	}
	if flow == FlowConsumption && !c.HasCategory(CatLoadCurve) && !c.HasCategory(CatDailyEnergy) {
		return refuse(RuleCategory, fmt.Sprintf("le consentement n° %d ne couvre pas les données de consommation.", id), fmt.Sprintf("consent %d does not cover consumption data.", id))
	}
	if from.Before(c.DataFrom) || to.After(c.DataTo) {
		return refuse(RulePeriod, fmt.Sprintf("la période demandée sort de la période autorisée par le consentement n° %d (du %s au %s).", id, frDate(c.DataFrom), frDate(c.DataTo.Add(-time.Second))),
			fmt.Sprintf("the period asked for lies outside the period consent %d allows (%s to %s).", id, c.DataFrom.Format(time.DateOnly), c.DataTo.Add(-time.Second).Format(time.DateOnly)))
	}
	return nil
}

// maxIntervals bounds one answer (two years at ten minutes).
const maxIntervals = 110_000

func checkPeriod(from, to time.Time, step Step) error {
	if !from.Before(to) {
		return errs.Field("from", "Le début de la période doit précéder sa fin.", "The period must start before it ends.")
	}
	if n := step.Count(from, to); n > maxIntervals {
		return errs.Field("to", fmt.Sprintf("Période trop longue pour ce pas : %d intervalles, %d au plus ; choisissez un pas plus grand ou une période plus courte.", n, maxIntervals),
			fmt.Sprintf("Period too long for this step: %d intervals, %d at most; choose a larger step or a shorter period.", n, maxIntervals))
	}
	return nil
}

// ReadCurve reads one meter's curve through the door: for a recipient, a
// consent must cover recipient, purpose, meter, period and data category at
// this instant; the step is raised to the consent's resolution; the read
// (or its refusal) is written to the journal before any value leaves. A
// household reads its own meters under the owner rule, journaled as well.
func (s *Service) ReadCurve(ctx context.Context, req CurveRequest) (Curve, error) {
	ans, err := s.door(ctx, doorQuery{op: opCurve, reader: req.Reader, consentID: req.ConsentID, prm: req.PRM, flow: req.Flow,
		from: req.From, to: req.To, step: req.Step, purpose: req.Purpose})
	if err != nil {
		return Curve{}, err
	}
	return ans.curve, nil
}

type doorOp int

const (
	opCurve doorOp = iota + 1
	opAggregate
	opExport
)

// doorQuery is any read of household data.
type doorQuery struct {
	op        doorOp
	reader    Reader
	consentID int64
	consents  []int64
	cohort    *Cohort
	prm       string
	flow      Flow
	from, to  time.Time
	step      Step
	purpose   string
}

type doorAnswer struct {
	curve  Curve
	agg    Aggregate
	export []exportSeries
}

// door is the one function through which every read of household data
// passes: pages, API, exports, aggregates and other capabilities all call
// it (through ReadCurve, Aggregate and the export). It authorises the read
// at this instant, reads the blocks, shapes them to the allowed step and
// appends the read to the journal; a refusal is journaled too.
func (s *Service) door(ctx context.Context, q doorQuery) (doorAnswer, error) {
	now := s.clock()
	if q.flow == "" {
		q.flow = FlowConsumption
	}
	var ans doorAnswer
	switch q.op {
	case opCurve:
		p, err := s.planCurve(ctx, now, &q)
		if err != nil {
			return ans, err
		}
		if p.refusal != nil {
			if err := s.journal(ctx, p.entry(now, OutcomeRefused, p.refusal.rule)); err != nil {
				return ans, err
			}
			return ans, p.refusal.err()
		}
		g := newGrid(p.step, p.from, p.to)
		from, to := g.curveRange()
		curve, err := s.readBlocks(ctx, []int64{p.meter.ID}, seriesCode(q.flow, false), from, to)
		if err != nil {
			return ans, err
		}
		var daily []storedBlock
		if p.step == StepP1D || p.step == StepP1M {
			mf, mt := g.monthRange()
			if daily, err = s.readBlocks(ctx, []int64{p.meter.ID}, seriesCode(q.flow, true), mf, mt); err != nil {
				return ans, err
			}
		}
		c, err := shapeCurve(p.step, p.from, p.to, curve, daily, p.validFrom, p.validTo)
		if err != nil {
			return ans, err
		}
		c.PRM, c.Flow, c.Requested, c.ConsentID = p.meter.PRM, q.flow, q.step, q.consentID
		e := p.entry(now, OutcomeGranted, "")
		e.From, e.To, e.Step = timePtr(c.Start), timePtr(c.End), string(c.Step)
		if c.Downsampled() {
			e.Detail = "requested " + string(q.step)
		}
		if err := s.journal(ctx, e); err != nil {
			return ans, err
		}
		c.JournalSeq = e.Seq
		ans.curve = c
		return ans, nil

	case opAggregate:
		p, err := s.planAggregate(ctx, now, &q)
		if err != nil {
			return ans, err
		}
		if p.refusal != nil {
			return ans, s.recordAggregate(ctx, now, &q, p, &ans.agg)
		}
		g := newGrid(p.step, q.from, q.to)
		series := seriesCode(q.flow, false)
		from, to := g.curveRange()
		mf, mt := int64(0), int64(-1)
		if p.step == StepP1D || p.step == StepP1M {
			mf, mt = g.monthRange()
		}
		// Workers share the meters; each reads its own blocks and keeps
		// its own sums, merged at the end.
		workers := min(runtime.GOMAXPROCS(0), max(1, len(p.meters)/8))
		parts := make([]*cohortSums, workers)
		errc := make([]error, workers)
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				cs := newCohortSums(p.step, q.from, q.to)
				parts[w] = cs
				var mine []int64
				for i := w; i < len(p.meters); i += workers {
					mine = append(mine, p.meters[i])
				}
				for len(mine) > 0 {
					n := min(len(mine), 64)
					group := mine[:n]
					mine = mine[n:]
					curve, err := s.readBlocks(ctx, group, series, from, to)
					if err == nil && mt >= mf {
						var daily []storedBlock
						if daily, err = s.readBlocks(ctx, group, seriesCode(q.flow, true), mf, mt); err == nil {
							err = cs.addMeters(group, curve, daily)
						}
					} else if err == nil {
						err = cs.addMeters(group, curve, nil)
					}
					if err != nil {
						errc[w] = err
						return
					}
				}
			}(w)
		}
		wg.Wait()
		for _, err := range errc {
			if err != nil {
				return ans, err
			}
		}
		total := parts[0]
		for _, part := range parts[1:] {
			total.merge(part)
		}
		agg := total.release(p)
		agg.Purpose, agg.Flow, agg.Requested = p.purpose, q.flow, q.step
		if err := s.recordAggregate(ctx, now, &q, p, &agg); err != nil {
			return ans, err
		}
		ans.agg = agg
		return ans, nil

	case opExport:
		meters, err := s.Meters(ctx, q.reader.UserID)
		if err != nil {
			return ans, err
		}
		for _, m := range meters {
			for _, si := range m.Series {
				code := seriesCode(si.Flow, si.Daily)
				blocks, err := s.readBlocks(ctx, []int64{m.ID}, code, math.MinInt32, math.MaxInt32)
				if err != nil {
					return ans, err
				}
				es := exportSeries{meter: m, flow: si.Flow, daily: si.Daily}
				for _, b := range blocks {
					c, err := block.DecodeChunk(block.FromMonthIndex(b.month), b.data)
					if err != nil {
						return ans, err
					}
					es.chunks = append(es.chunks, c)
				}
				ans.export = append(ans.export, es)
			}
		}
		pseudo, err := s.Pseudonym(ctx, q.reader.UserID)
		if err != nil {
			return ans, err
		}
		e := &Entry{At: now, Kind: JExport, Actor: ActorHousehold, ActorID: pseudo, Via: q.reader.Via, Outcome: OutcomeGranted}
		if pseudo != "" {
			e.Subjects = []string{pseudo}
		}
		for _, m := range meters {
			e.Meters = append(e.Meters, m.ID)
		}
		return ans, s.journal(ctx, e)
	}
	return ans, fmt.Errorf("door: unknown operation %d", q.op)
}

// readBlocks reads stored blocks. Only the door calls it.
func (s *Service) readBlocks(ctx context.Context, meters []int64, series int, fromDay, toDay int64) ([]storedBlock, error) {
	return scanBlocks(ctx, s.db.R, meters, series, fromDay, toDay)
}

// curvePlan is an authorised (or refused) individual read.
type curvePlan struct {
	reader    Reader
	recipient Recipient
	consent   *Consent
	meter     Meter
	subject   string
	step      Step
	from, to  time.Time
	validFrom time.Time // intervals outside [validFrom, validTo) are gaps
	validTo   time.Time
	refusal   *refusal
	own       bool
}

func (p *curvePlan) entry(now time.Time, outcome string, rule Rule) *Entry {
	e := &Entry{At: now, Kind: JRead, Via: p.reader.Via, Outcome: outcome, Rule: string(rule), Step: string(p.step),
		From: timePtr(p.from), To: timePtr(p.to)}
	if p.own {
		e.Kind, e.Actor, e.ActorID = JOwnRead, ActorHousehold, p.subject
	} else {
		e.Actor, e.ActorID = ActorRecipient, accountID(p.reader.UserID)
		e.Recipient, e.RecipientName = p.recipient.ID, p.recipient.Name
		if outcome == OutcomeRefused {
			e.Kind = JReadRefused
		}
	}
	if p.consent != nil {
		e.Consent, e.Purpose = p.consent.ID, p.consent.Purpose
	}
	if p.subject != "" {
		e.Subjects = []string{p.subject}
	}
	if p.meter.ID != 0 {
		e.Meters = []int64{p.meter.ID}
	}
	return e
}

// planCurve authorises an individual read without touching the readings.
func (s *Service) planCurve(ctx context.Context, now time.Time, q *doorQuery) (*curvePlan, error) {
	p := &curvePlan{reader: q.reader}
	if q.step != "" && !q.step.Valid() {
		return nil, errs.Field("step", "Pas inconnu.", "Unknown step.")
	}
	if q.reader.RecipientID == 0 {
		// Owner rule: a household reads its own meters, nobody else's.
		m, err := s.OwnMeter(ctx, q.reader.UserID, q.prm)
		if err != nil {
			return nil, err
		}
		p.own, p.meter = true, m
		if p.subject, err = s.ensureSubject(ctx, q.reader.UserID); err != nil {
			return nil, err
		}
		var held *SeriesInfo
		for i, si := range m.Series {
			if si.Flow == q.flow && (held == nil || !si.Daily) {
				held = &m.Series[i]
			}
		}
		p.step = q.step
		if p.step == "" {
			p.step = StepPT30M
			if held != nil && held.Finest != "" {
				p.step = held.Finest
			}
		}
		p.from, p.to = q.from.UTC(), q.to.UTC()
		if p.from.IsZero() || p.to.IsZero() {
			if held == nil {
				return nil, errs.New(errs.NotFound, "Ce compteur n'a pas encore de relevés : importez un fichier d'abord.", "This meter has no readings yet: import a file first.")
			}
			if p.to.IsZero() {
				p.to = held.To
			}
			if p.from.IsZero() {
				p.from = held.From
			}
		}
		if err := checkPeriod(p.from, p.to, p.step); err != nil {
			return nil, err
		}
		if held != nil && held.Daily && p.step.Fixed() > 0 {
			return nil, errs.Field("step", "Ce compteur n'a que des énergies quotidiennes : choisissez le pas « jour » ou « mois ».",
				"This meter holds daily energies only: choose the \"day\" or \"month\" step.")
		}
		return p, nil
	}
	r, err := s.actingFor(ctx, q.reader)
	if err != nil {
		return nil, err
	}
	p.recipient = r
	if q.consentID == 0 {
		return nil, errs.Field("consent", "Indiquez le consentement sous lequel vous lisez (paramètre consent).", "Name the consent you read under (parameter consent).")
	}
	c, err := s.consentByID(ctx, s.db.R, q.consentID)
	if errs.Is(err, errs.NotFound) || (err == nil && c.Recipient.ID != r.ID) {
		p.refusal = refuse(RuleConsent, fmt.Sprintf("aucun consentement n° %d n'a été donné à %s.", q.consentID, r.Name), fmt.Sprintf("no consent %d was given to %s.", q.consentID, r.Name))
		return p, nil
	}
	if err != nil {
		return nil, err
	}
	p.consent, p.subject = &c, c.Subject
	prm := strings.TrimSpace(q.prm)
	for _, m := range c.Meters {
		if m.PRM == prm {
			p.meter = Meter{ID: m.ID, PRM: m.PRM, Label: m.Label, Commune: m.Commune}
		}
	}
	p.step = q.step
	res := effectiveResolution(&c, q.flow)
	if p.step == "" || p.step.Nominal() < res.Nominal() {
		p.step = res
	}
	p.from, p.to = q.from.UTC(), q.to.UTC()
	if p.from.IsZero() {
		p.from = c.DataFrom
	}
	if p.to.IsZero() {
		p.to = c.DataTo
		if p.to.After(now) {
			p.to = p.step.Next(p.step.Align(now))
			if p.to.After(c.DataTo) {
				p.to = c.DataTo
			}
		}
	}
	if err := checkPeriod(p.from, p.to, p.step); err != nil {
		return nil, err
	}
	meterID := p.meter.ID
	if meterID == 0 {
		meterID = -1
	}
	p.refusal = checkConsent(&c, now, r.ID, meterID, q.flow, p.from, p.to, q.purpose, true)
	if p.refusal != nil && p.refusal.rule == RuleExpired && c.Status == StatusGiven {
		// Expiry acted on this request; the stored status follows.
		if err := s.ExpireDue(ctx); err != nil {
			return nil, err
		}
	}
	p.validFrom, p.validTo = c.DataFrom, c.DataTo
	return p, nil
}

// ensureSubject returns the household's pseudonym, creating it.
func (s *Service) ensureSubject(ctx context.Context, userID int64) (string, error) {
	pseudo, err := s.pseudonymOf(ctx, s.db.R, userID)
	if err != nil || pseudo != "" {
		return pseudo, err
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		pseudo, err = s.householdSubject(ctx, tx, userID)
		return err
	})
	return pseudo, err
}

// shapeCurve decodes the blocks of one meter onto the grid of the step.
// Intervals not wholly inside [validFrom, validTo) (when set) are gaps.
func shapeCurve(step Step, from, to time.Time, curve, daily []storedBlock, validFrom, validTo time.Time) (Curve, error) {
	g := newGrid(step, from, to)
	a, coarse, err := meterOnGrid(&g, curve, daily, &decoder{}, nil)
	if err != nil {
		return Curve{}, err
	}
	c := Curve{Step: step, Start: g.at(0), End: g.at(g.n), Values: make([]int64, g.n), Present: make([]bool, g.n), grid: g}
	any := false
	for i := 0; i < g.n; i++ {
		if !g.known(a, i) {
			continue
		}
		if !validFrom.IsZero() && (g.at(i).Before(validFrom) || g.at(i+1).After(validTo)) {
			continue
		}
		c.Values[i], c.Present[i] = a.sum[i], true
		any = true
	}
	if !any && coarse != "" {
		return Curve{}, errs.Field("step", fmt.Sprintf("Les données de cette période sont au pas de %s : demandez ce pas ou un pas plus grand.", coarse.Label("fr")),
			fmt.Sprintf("The data of this period has a step of %s: ask for that step or a larger one.", coarse.Label("en")))
	}
	return c, nil
}

// meterOnGrid lays one meter's blocks on a grid, in a (reset first; nil
// allocates). coarse names a stored step that could not be used because it
// is coarser than the grid's.
func meterOnGrid(g *grid, curve, daily []storedBlock, dec *decoder, a *acc) (*acc, Step, error) {
	var coarse Step
	if g.step == StepP1M {
		dg := newGrid(StepP1D, g.at(0), g.at(g.n))
		da := newAcc(dg.n)
		if err := layBlocks(&dg, da, curve, daily, dec, &coarse); err != nil {
			return nil, "", err
		}
		return foldMonths(&dg, da, g), coarse, nil
	}
	if a == nil {
		a = newAcc(g.n)
	} else {
		a.reset()
	}
	if err := layBlocks(g, a, curve, daily, dec, &coarse); err != nil {
		return nil, "", err
	}
	return a, coarse, nil
}

func layBlocks(g *grid, a *acc, curve, daily []storedBlock, dec *decoder, coarse *Step) error {
	for _, b := range curve {
		c, err := dec.chunk(b)
		if err != nil {
			return err
		}
		if !g.addCurve(&c, a) {
			*coarse = StepOf(c.Step)
		}
	}
	for _, b := range daily {
		c, err := dec.chunk(b)
		if err != nil {
			return err
		}
		g.addDaily(&c, a)
	}
	return nil
}

// decoder unpacks blocks into buffers it reuses: a chunk it returns is
// valid until the next call.
type decoder struct {
	values  []int64
	present []bool
}

func (d *decoder) chunk(b storedBlock) (block.Chunk, error) {
	month := block.FromMonthIndex(b.month)
	step, v, p, err := block.DecodeAppend(d.values[:0], d.present[:0], b.data)
	if err == nil {
		d.values, d.present = v, p
		var n int
		if n, err = block.SlotsFor(month, step); err == nil && n != len(v) {
			err = fmt.Errorf("%w: %d intervals for the month, want %d", block.ErrCorrupt, len(v), n)
		}
	}
	if err != nil {
		return block.Chunk{}, fmt.Errorf("meter %d block %d: %w", b.meter, b.month, err)
	}
	return block.Chunk{Month: month, Step: step, Values: v, Present: p}, nil
}

// ---- aggregates ----

// Cohort selects the meters of an aggregate: every meter under a consent of
// the recipient for Purpose that covers the request at this instant,
// optionally only meters located in a territory.
type Cohort struct {
	Purpose       string
	TerritoryKind string
	TerritoryCode string
}

// AggregateRequest asks for the sum and mean of a cohort.
type AggregateRequest struct {
	Reader Reader
	// Consents names the consents explicitly; otherwise Cohort selects them.
	Consents []int64
	Cohort   *Cohort
	Flow     Flow
	From, To time.Time
	Step     Step
}

// Aggregate is a released aggregate: per interval, the cohort's total and
// mean, or nothing where a secrecy rule masks the interval.
type Aggregate struct {
	ID         int64
	Purpose    string
	Flow       Flow
	Step       Step
	Requested  Step
	Start, End time.Time
	// Meters is the cohort size.
	Meters int
	// Sum and Mean per interval; Present is false for masked or unknown
	// intervals. Count is the number of meters with a value.
	Sum     []int64
	Mean    []float64
	Count   []int
	Present []bool
	// MaskedDominance counts intervals masked because one meter held more
	// than Dominance of the total; MaskedSmall those with fewer than
	// MinCohort meters holding a value.
	MaskedDominance int
	MaskedSmall     int
	MinCohort       int
	Dominance       float64
	// TotalWh sums the released intervals only (a total over every
	// interval would let a masked one be recovered by subtraction).
	TotalWh    int64
	JournalSeq int64
	grid       grid
}

// At returns the start of interval i.
func (a *Aggregate) At(i int) time.Time { return a.grid.at(i) }

// Aggregate answers an aggregate request through the door, or refuses it
// stating the rule (the returned Aggregate then carries only the ID of the
// recorded refusal): fewer meters than the cohort threshold, a cohort that
// differs from one already released to the recipient for an overlapping
// period by fewer meters than the threshold, or a listed consent that does
// not cover the request. Dominated intervals are masked and counted.
func (s *Service) Aggregate(ctx context.Context, req AggregateRequest) (Aggregate, error) {
	ans, err := s.door(ctx, doorQuery{op: opAggregate, reader: req.Reader, consents: req.Consents, cohort: req.Cohort, flow: req.Flow,
		from: req.From, to: req.To, step: req.Step})
	if err != nil {
		// A refused request is recorded too: its ID names the record.
		return Aggregate{ID: ans.agg.ID}, err
	}
	return ans.agg, nil
}

type aggregatePlan struct {
	recipient Recipient
	purpose   string
	consents  []Consent
	meters    []int64
	subjects  []string
	step      Step
	minCohort int
	dominance float64
	refusal   *refusal
}

// planAggregate authorises an aggregate without touching the readings.
func (s *Service) planAggregate(ctx context.Context, now time.Time, q *doorQuery) (*aggregatePlan, error) {
	r, err := s.actingFor(ctx, q.reader)
	if err != nil {
		return nil, err
	}
	p := &aggregatePlan{recipient: r, minCohort: s.settings.MinCohort, dominance: s.settings.Dominance}
	if q.step == "" {
		q.step = StepPT30M
	}
	if !q.step.Valid() {
		return nil, errs.Field("step", "Pas inconnu.", "Unknown step.")
	}
	if q.from.IsZero() || q.to.IsZero() {
		return nil, errs.Field("from", "Indiquez la période (from, to).", "Give the period (from, to).")
	}
	q.from, q.to = q.from.UTC(), q.to.UTC()
	if err := checkPeriod(q.from, q.to, q.step); err != nil {
		return nil, err
	}
	if err := s.ExpireDue(ctx); err != nil {
		return nil, err
	}
	switch {
	case len(q.consents) > 0 && q.cohort != nil:
		return nil, errs.Field("cohort", "Donnez soit une liste de consentements, soit une cohorte, pas les deux.", "Give either a list of consents or a cohort, not both.")
	case len(q.consents) > 0:
		for _, id := range dedupe(q.consents) {
			c, err := s.consentByID(ctx, s.db.R, id)
			if errs.Is(err, errs.NotFound) || (err == nil && c.Recipient.ID != r.ID) {
				p.refusal = refuse(RuleConsent, fmt.Sprintf("aucun consentement n° %d n'a été donné à %s.", id, r.Name), fmt.Sprintf("no consent %d was given to %s.", id, r.Name))
				return p, nil
			}
			if err != nil {
				return nil, err
			}
			if p.purpose == "" {
				p.purpose = c.Purpose
			} else if c.Purpose != p.purpose {
				p.refusal = refuse(RulePurpose, fmt.Sprintf("les consentements listés ont des finalités différentes (%s, %s) : un agrégat sert une seule finalité.", p.purpose, c.Purpose),
					fmt.Sprintf("the listed consents have different purposes (%s, %s): an aggregate serves one purpose.", p.purpose, c.Purpose))
				return p, nil
			}
			for _, m := range c.Meters {
				if ref := checkConsent(&c, now, r.ID, m.ID, q.flow, q.from, q.to, "", false); ref != nil {
					p.refusal = ref
					return p, nil
				}
			}
			if len(c.Meters) == 0 {
				p.refusal = checkConsent(&c, now, r.ID, -1, q.flow, q.from, q.to, "", false)
				return p, nil
			}
			p.consents = append(p.consents, c)
		}
	case q.cohort != nil:
		if _, ok := PurposeByCode(q.cohort.Purpose); !ok {
			return nil, errs.Field("cohort.purpose", "Finalité de la cohorte inconnue.", "Unknown cohort purpose.")
		}
		p.purpose = q.cohort.Purpose
		cs, err := s.loadConsents(ctx, s.db.R, `c.recipient_id = $1 AND c.purpose = $2 AND c.status = 'given'`, r.ID, q.cohort.Purpose)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			var kept []ConsentMeter
			for _, m := range c.Meters {
				if checkConsent(&c, now, r.ID, m.ID, q.flow, q.from, q.to, "", false) != nil {
					continue
				}
				if q.cohort.TerritoryCode != "" && !s.inTerritory(q.cohort.TerritoryKind, q.cohort.TerritoryCode, m.Commune) {
					continue
				}
				kept = append(kept, m)
			}
			if len(kept) > 0 {
				c.Meters = kept
				p.consents = append(p.consents, c)
			}
		}
	default:
		return nil, errs.Field("consents", "Donnez une liste de consentements ou une cohorte.", "Give a list of consents or a cohort.")
	}
	res := Step("")
	for _, c := range p.consents {
		p.minCohort = max(p.minCohort, c.MinCohort)
		p.dominance = min(p.dominance, c.Dominance)
		res = Coarser(res, effectiveResolution(&c, q.flow))
		p.subjects = append(p.subjects, c.Subject)
		for _, m := range c.Meters {
			p.meters = append(p.meters, m.ID)
		}
	}
	p.meters = dedupe(p.meters)
	p.step = q.step
	if res != "" && p.step.Nominal() < res.Nominal() {
		p.step = res
	}
	if len(p.meters) < p.minCohort {
		p.refusal = refuse(RuleCohort, fmt.Sprintf("la cohorte compte %d compteurs ; un agrégat en demande au moins %d (secret statistique).", len(p.meters), p.minCohort),
			fmt.Sprintf("the cohort has %d meters; an aggregate needs at least %d (statistical secrecy).", len(p.meters), p.minCohort))
		return p, nil
	}
	// No differencing: compare with the cohorts already released to this
	// recipient for an overlapping period.
	rows, err := s.db.R.QueryContext(ctx, `SELECT id, period_from, period_to, created_at FROM regie_aggregates WHERE recipient_id = $1 AND outcome = 'released'`, r.ID)
	if err != nil {
		return nil, err
	}
	type prior struct {
		id       int64
		from, to time.Time
		at       time.Time
	}
	var priors []prior
	for rows.Next() {
		var pr prior
		if err := rows.Scan(&pr.id, &pr.from, &pr.to, &pr.at); err != nil {
			rows.Close()
			return nil, err
		}
		if pr.from.Before(q.to) && q.from.Before(pr.to) {
			priors = append(priors, pr)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, pr := range priors {
		var prev []int64
		mrows, err := s.db.R.QueryContext(ctx, `SELECT meter_id FROM regie_aggregate_meters WHERE aggregate_id = $1 ORDER BY meter_id`, pr.id)
		if err != nil {
			return nil, err
		}
		for mrows.Next() {
			var id int64
			if err := mrows.Scan(&id); err != nil {
				mrows.Close()
				return nil, err
			}
			prev = append(prev, id)
		}
		mrows.Close()
		if d := symmetricDifference(p.meters, prev); d > 0 && d < p.minCohort {
			p.refusal = refuse(RuleDifferencing, fmt.Sprintf("cette cohorte ne diffère que de %d compteur(s) de l'agrégat n° %d déjà fourni le %s pour une période qui se recouvre ; la différence des deux révélerait moins de %d foyers.", d, pr.id, frDate(pr.at), p.minCohort),
				fmt.Sprintf("this cohort differs by only %d meter(s) from aggregate %d released on %s for an overlapping period; the difference of both would reveal fewer than %d households.", d, pr.id, pr.at.Format(time.DateOnly), p.minCohort))
			return p, nil
		}
	}
	return p, nil
}

func (s *Service) inTerritory(kind, code, commune string) bool {
	if commune == "" || s.terr == nil {
		return false
	}
	return s.terr.Contains(territory.Kind(kind), code, commune)
}

func dedupe(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

// symmetricDifference counts the meters in exactly one of two sorted sets.
func symmetricDifference(a, b []int64) int {
	i, j, d := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			i++
			j++
		case a[i] < b[j]:
			d++
			i++
		default:
			d++
			j++
		}
	}
	return d + len(a) - i + len(b) - j
}

// cohortSums accumulates meters on a grid: per interval the total, the
// largest single meter and the number of meters with a value.
type cohortSums struct {
	g     grid
	sum   []int64
	top   []int64
	count []int
	dec   decoder
	one   *acc
}

func newCohortSums(step Step, from, to time.Time) *cohortSums {
	g := newGrid(step, from, to)
	return &cohortSums{g: g, sum: make([]int64, g.n), top: make([]int64, g.n), count: make([]int, g.n)}
}

// addMeters adds the blocks of a group of meters (ordered by meter).
func (cs *cohortSums) addMeters(group []int64, curve, daily []storedBlock) error {
	ci, di := 0, 0
	for _, m := range group {
		cj := ci
		for cj < len(curve) && curve[cj].meter == m {
			cj++
		}
		dj := di
		for dj < len(daily) && daily[dj].meter == m {
			dj++
		}
		a, _, err := meterOnGrid(&cs.g, curve[ci:cj], daily[di:dj], &cs.dec, cs.one)
		if err != nil {
			return err
		}
		if cs.g.step != StepP1M {
			cs.one = a
		}
		for i := 0; i < cs.g.n; i++ {
			if !cs.g.known(a, i) {
				continue
			}
			v := a.sum[i]
			cs.sum[i] += v
			cs.count[i]++
			if v > cs.top[i] {
				cs.top[i] = v
			}
		}
		ci, di = cj, dj
	}
	return nil
}

func (cs *cohortSums) merge(o *cohortSums) {
	for i := range cs.sum {
		cs.sum[i] += o.sum[i]
		cs.count[i] += o.count[i]
		cs.top[i] = max(cs.top[i], o.top[i])
	}
}

// release applies the secrecy rules interval by interval.
func (cs *cohortSums) release(p *aggregatePlan) Aggregate {
	g := cs.g
	a := Aggregate{Step: p.step, Start: g.at(0), End: g.at(g.n), Meters: len(p.meters), MinCohort: p.minCohort, Dominance: p.dominance,
		Sum: make([]int64, g.n), Mean: make([]float64, g.n), Count: make([]int, g.n), Present: make([]bool, g.n), grid: g}
	for i := 0; i < g.n; i++ {
		a.Count[i] = cs.count[i]
		switch {
		case cs.count[i] < p.minCohort:
			a.MaskedSmall++
			a.Count[i] = 0
		case cs.sum[i] > 0 && float64(cs.top[i]) > p.dominance*float64(cs.sum[i]):
			a.MaskedDominance++
		default:
			a.Sum[i], a.Present[i] = cs.sum[i], true
			a.Mean[i] = float64(cs.sum[i]) / float64(cs.count[i])
			a.TotalWh += cs.sum[i]
		}
	}
	return a
}

// recordAggregate stores the answer (released or refused), the released
// cohort's meters and the journal entry, in one transaction. For a refused
// request it returns the refusal.
func (s *Service) recordAggregate(ctx context.Context, now time.Time, q *doorQuery, p *aggregatePlan, agg *Aggregate) error {
	e := &Entry{At: now, Kind: JAggregate, Actor: ActorRecipient, ActorID: accountID(q.reader.UserID), Via: q.reader.Via,
		Subjects: p.subjects, Recipient: p.recipient.ID, RecipientName: p.recipient.Name, Purpose: p.purpose, Cohort: len(p.meters),
		From: timePtr(q.from), To: timePtr(q.to), Step: string(p.step), Outcome: OutcomeGranted}
	outcome, rule, reason, masked, result := "released", "", "", 0, ""
	if p.refusal != nil {
		e.Kind, e.Outcome, e.Rule = JAggregateRefused, OutcomeRefused, string(p.refusal.rule)
		outcome, rule, reason = "refused", string(p.refusal.rule), p.refusal.msg.FR
	} else {
		masked = agg.MaskedDominance + agg.MaskedSmall
		e.Detail = fmt.Sprintf("masked_dominance=%d masked_small=%d", agg.MaskedDominance, agg.MaskedSmall)
		b, err := json.Marshal(AggregateJSON(agg))
		if err != nil {
			return err
		}
		result = string(b)
	}
	var id int64
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.appendJournal(ctx, tx, e); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO regie_aggregates (recipient_id, user_id, created_at, purpose, flow, period_from, period_to, step, cohort,
			outcome, rule, reason, masked, result, journal_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id`,
			p.recipient.ID, nullID(q.reader.UserID), now, p.purpose, string(q.flow), q.from, q.to, string(p.step), len(p.meters),
			outcome, rule, reason, masked, result, e.Seq).Scan(&id); err != nil {
			return err
		}
		if p.refusal != nil {
			return nil
		}
		for _, m := range p.meters {
			if _, err := tx.ExecContext(ctx, `INSERT INTO regie_aggregate_meters (aggregate_id, meter_id) VALUES ($1, $2)`, id, m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	agg.ID, agg.JournalSeq = id, e.Seq
	if p.refusal != nil {
		return p.refusal.err()
	}
	return nil
}

// AggregateRecord is an aggregate request kept with its answer.
type AggregateRecord struct {
	ID         int64
	At         time.Time
	UserID     int64
	Purpose    string
	Flow       Flow
	From, To   time.Time
	Step       Step
	Cohort     int
	Released   bool
	Rule       Rule
	Reason     string
	Masked     int
	Answer     *AggregateAnswer
	JournalSeq int64
}

const aggregateColumns = `id, created_at, user_id, purpose, flow, period_from, period_to, step, cohort, outcome, rule, reason, masked, result, journal_seq`

func scanAggregate(row interface{ Scan(...any) error }) (AggregateRecord, error) {
	var a AggregateRecord
	var uid sql.NullInt64
	var flow, step, outcome, rule, result string
	err := row.Scan(&a.ID, &a.At, &uid, &a.Purpose, &flow, &a.From, &a.To, &step, &a.Cohort, &outcome, &rule, &a.Reason, &a.Masked, &result, &a.JournalSeq)
	if err != nil {
		return a, err
	}
	a.UserID, a.Flow, a.Step, a.Released, a.Rule = uid.Int64, Flow(flow), Step(step), outcome == "released", Rule(rule)
	a.At, a.From, a.To = a.At.UTC(), a.From.UTC(), a.To.UTC()
	if result != "" {
		var ans AggregateAnswer
		if err := json.Unmarshal([]byte(result), &ans); err != nil {
			return a, err
		}
		ans.ID, ans.JournalSeq = a.ID, a.JournalSeq
		a.Answer = &ans
	}
	return a, nil
}

// AggregateRecords lists a recipient's aggregate requests, newest first.
func (s *Service) AggregateRecords(ctx context.Context, rd Reader, limit int) ([]AggregateRecord, error) {
	r, err := s.actingFor(ctx, rd)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.R.QueryContext(ctx, `SELECT `+aggregateColumns+` FROM regie_aggregates WHERE recipient_id = $1 ORDER BY id DESC LIMIT $2`, r.ID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AggregateRecord
	for rows.Next() {
		a, err := scanAggregate(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// AggregateRecordByID returns one of the recipient's aggregate requests
// with its answer (released aggregates hold no individual data).
func (s *Service) AggregateRecordByID(ctx context.Context, rd Reader, id int64) (AggregateRecord, error) {
	r, err := s.actingFor(ctx, rd)
	if err != nil {
		return AggregateRecord{}, err
	}
	a, err := scanAggregate(s.db.R.QueryRowContext(ctx, `SELECT `+aggregateColumns+` FROM regie_aggregates WHERE id = $1 AND recipient_id = $2`, id, r.ID))
	if errors.Is(err, sql.ErrNoRows) {
		return a, errs.New(errs.NotFound, "Demande d'agrégat introuvable.", "Aggregate request not found.")
	}
	return a, err
}
