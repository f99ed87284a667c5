package sim

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/energy"
	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/i18n"
)

// Locator finds a commune's point and name.
type Locator func(code string) (lat, lon float64, name string, ok bool)

// GroupTotals is what one group of consumers got with one key.
type GroupTotals struct {
	Label       i18n.Text
	Count       int
	Consumption float64 // kWh, whole group
	Allocated   float64
	// MinRate and MaxRate are the lowest and highest self-production rates
	// of the group's members.
	MinRate, MaxRate float64
}

// Rate is the group's self-production rate.
func (g GroupTotals) Rate() float64 { return ratio(g.Allocated, g.Consumption) }

// MonthPoint is one month of a result.
type MonthPoint struct {
	Month                              time.Time // first day, Paris
	Production, Consumption, Allocated float64
}

// KeyResult is the outcome of one key.
type KeyResult struct {
	Key                                energy.KeyKind
	Production, Consumption, Allocated float64
	Groups                             []GroupTotals
	MinRate, MaxRate                   float64
	Months                             []MonthPoint
}

// Surplus is the production no consumer used.
func (k *KeyResult) Surplus() float64 { return k.Production - k.Allocated }

// SelfConsumptionRate is ΣA/ΣP.
func (k *KeyResult) SelfConsumptionRate() float64 { return ratio(k.Allocated, k.Production) }

// SelfProductionRate is ΣA/ΣC.
func (k *KeyResult) SelfProductionRate() float64 { return ratio(k.Allocated, k.Consumption) }

// KitPoint is one kit size.
type KitPoint struct {
	Wc                       float64
	Production, SelfConsumed float64
	Savings                  float64
}

// KitResult is the plug-in kit estimate for one household.
type KitResult struct {
	Production, Consumption, SelfConsumed float64
	Savings                               float64 // € a year
	PaybackYears                          float64 // 0 when the cost is unknown
	Months                                []KitMonth
	Sizes                                 []KitPoint
}

// KitMonth is one month of the kit estimate.
type KitMonth struct {
	Month                                 time.Time
	Production, Consumption, SelfConsumed float64
}

// SelfConsumptionRate is the share of the kit's production used at home.
func (k *KitResult) SelfConsumptionRate() float64 { return ratio(k.SelfConsumed, k.Production) }

// SelfProductionRate is the share of the home's use covered by the kit.
func (k *KitResult) SelfProductionRate() float64 { return ratio(k.SelfConsumed, k.Consumption) }

// Result is a simulation's outcome.
type Result struct {
	Params      Params
	CommuneName string
	Lat, Lon    float64
	// YieldKWhPerKWc is the synthetic year's specific yield.
	YieldKWhPerKWc float64
	Steps          int
	Keys           []KeyResult
	Sweep          []energy.SweepPoint
	// SweepKey is the key the sweep used (the default key stands for the
	// dynamic key: both serve min(P, C) in total at every step).
	SweepKey energy.KeyKind
	Kit      *KitResult
	Elapsed  time.Duration
	Notes    []i18n.Text
}

// Key returns the result of one key.
func (r *Result) Key(k energy.KeyKind) *KeyResult {
	for i := range r.Keys {
		if r.Keys[i].Key == k {
			return &r.Keys[i]
		}
	}
	return nil
}

// Selected returns the result of the key chosen in the parameters.
func (r *Result) Selected() *KeyResult { return r.Key(r.Params.Key) }

func ratio(a, b float64) float64 {
	if b <= 0 {
		return 0
	}
	return a / b
}

// Runner runs simulations with bounded concurrency and caches synthetic
// curves (a household-year takes tens of milliseconds to synthesise) and
// recent results.
type Runner struct {
	locate  Locator
	sem     chan struct{}
	workers int

	curves  *lru[[]float64]
	results *lru[*Result]
}

// NewRunner returns a runner that lets at most slots simulations run at
// once (0: half the processors, at least one) and keeps about cacheMB
// megabytes of synthetic curves.
func NewRunner(locate Locator, slots, cacheMB int) *Runner {
	if slots <= 0 {
		slots = max(1, runtime.GOMAXPROCS(0)/2)
	}
	if cacheMB <= 0 {
		cacheMB = 96
	}
	return &Runner{locate: locate, sem: make(chan struct{}, slots), workers: runtime.GOMAXPROCS(0),
		curves: newLRU[[]float64](int64(cacheMB) << 20), results: newLRU[*Result](64)}
}

// curve returns a cached synthetic curve, or makes it.
func (r *Runner) curve(key string, make func() (energy.Series, error)) ([]float64, time.Time, error) {
	if v, ok := r.curves.get(key); ok {
		return v.val, v.start, nil
	}
	s, err := make()
	if err != nil {
		return nil, time.Time{}, err
	}
	r.curves.put(key, s.Values, s.Start, int64(8*len(s.Values)))
	return s.Values, s.Start, nil
}

func (r *Runner) pvUnit(lat, lon float64, p *Params, tilt, azimuth float64) ([]float64, time.Time, error) {
	if tilt == 0 {
		tilt = 1e-3 // zero would select the default tilt
	}
	key := fmt.Sprintf("pv|%.5f|%.5f|%d|%d|%g|%g", lat, lon, p.Year, p.Step, tilt, azimuth)
	return r.curve(key, func() (energy.Series, error) {
		return energy.SynthPV(energy.PVParams{Lat: lat, Lon: lon, KWc: 1, Year: p.Year, Step: p.Step, Seed: 1, Tilt: tilt, Azimuth: azimuth})
	})
}

func (r *Runner) load(p *Params, prof energy.LoadProfile, kwh float64, seed uint64) ([]float64, error) {
	key := fmt.Sprintf("load|%s|%g|%d|%d|%d", prof, kwh, p.Year, p.Step, seed)
	v, _, err := r.curve(key, func() (energy.Series, error) {
		return energy.SynthLoad(energy.LoadParams{Profile: prof, AnnualKWh: kwh, Year: p.Year, Step: p.Step, Seed: seed})
	})
	return v, err
}

// Run simulates p. Results without shared curves are cached by their query.
func (r *Runner) Run(ctx context.Context, p Params) (*Result, error) {
	cacheKey := p.Query().Encode()
	if len(p.Shared) == 0 {
		if v, ok := r.results.get(cacheKey); ok {
			return v.val, nil
		}
	}
	select {
	case r.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-r.sem }()
	start := time.Now()
	lat, lon, name, ok := r.locate(p.Commune)
	if !ok {
		return nil, errs.Field("commune", fmt.Sprintf("Commune « %s » inconnue ou sans position : donnez un code INSEE (par exemple 66150).", p.Commune),
			fmt.Sprintf("Commune %q unknown or without a position: give an INSEE code (for example 66150).", p.Commune))
	}
	res := &Result{Params: p, CommuneName: name, Lat: lat, Lon: lon}
	var err error
	if p.Mode == ModeKit {
		err = r.runKit(ctx, res)
	} else {
		err = r.runOperation(ctx, res)
	}
	if err != nil {
		return nil, err
	}
	res.Elapsed = time.Since(start)
	if len(p.Shared) == 0 {
		r.results.put(cacheKey, res, time.Time{}, 1)
	}
	return res, nil
}

// member is one synthetic consumer: its group, curve seed and week shift.
type member struct {
	group int
	seed  uint64
	weeks int
}

func (r *Runner) runOperation(ctx context.Context, res *Result) error {
	p := &res.Params
	unit, start, err := r.pvUnit(res.Lat, res.Lon, p, 0, 0)
	if err != nil {
		return err
	}
	T := len(unit)
	res.Steps = T
	for _, v := range unit {
		res.YieldKWhPerKWc += v
	}
	var members []member
	for gi, g := range p.Groups {
		for m := 0; m < g.Count; m++ {
			members = append(members, member{group: gi, seed: uint64(gi)*1000 + uint64(m%DistinctPerGroup) + 1, weeks: m / DistinctPerGroup})
		}
	}
	n := len(members) + len(p.Shared)
	if n == 0 {
		return errs.Field("count1", "Ajoutez au moins un consommateur.", "Add at least one consumer.")
	}
	for _, g := range p.Groups {
		if g.Count > DistinctPerGroup {
			res.Notes = append(res.Notes, i18n.T(
				fmt.Sprintf("Chaque groupe reçoit au plus %d courbes synthétiques différentes ; les membres suivants les reprennent décalées de semaines entières.", DistinctPerGroup),
				fmt.Sprintf("Each group gets at most %d different synthetic curves; further members reuse them shifted by whole weeks.", DistinctPerGroup)))
			break
		}
	}
	// Synthesise the distinct curves in parallel (cache misses cost tens of ms each).
	type job struct {
		prof energy.LoadProfile
		kwh  float64
		seed uint64
	}
	var jobs []job
	seen := map[job]bool{}
	for _, m := range members {
		g := p.Groups[m.group]
		j := job{g.Profile, g.KWh, m.seed}
		if !seen[j] {
			seen[j] = true
			jobs = append(jobs, j)
		}
	}
	curves := make(map[job][]float64, len(jobs))
	var mu sync.Mutex
	var wg sync.WaitGroup
	var firstErr error
	next := make(chan job)
	for range min(r.workers, max(1, len(jobs))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				v, err := r.load(p, j.prof, j.kwh, j.seed)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				curves[j] = v
				mu.Unlock()
			}
		}()
	}
	for _, j := range jobs {
		if ctx.Err() != nil {
			break
		}
		next <- j
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	cons := energy.NewMatrix(n, T)
	groupOf := make([]int, n)
	ranks := make([]int, n)
	annual := make([]float64, n)
	perDay := int(24 * time.Hour / p.Step)
	for i, m := range members {
		g := p.Groups[m.group]
		v := curves[job{g.Profile, g.KWh, m.seed}]
		if len(v) != T {
			return fmt.Errorf("sim: load curve of %d steps for a year of %d", len(v), T)
		}
		shift := (m.weeks * 7 * perDay) % T
		for t := 0; t < T; t++ {
			x := v[(t+shift)%T]
			cons.Data[t*n+i] = x
			annual[i] += x
		}
		groupOf[i], ranks[i] = m.group, g.Rank
	}
	labels := make([]i18n.Text, 0, len(p.Groups)+len(p.Shared))
	counts := make([]int, 0, len(p.Groups)+len(p.Shared))
	for _, g := range p.Groups {
		labels = append(labels, ProfileLabel(g.Profile))
		counts = append(counts, g.Count)
	}
	for si, s := range p.Shared {
		i := len(members) + si
		if len(s.Values) != T {
			return errs.New(errs.Invalid, fmt.Sprintf("La courbe partagée « %s » ne couvre pas l'année %d au pas choisi.", s.Name, p.Year),
				fmt.Sprintf("Shared curve \"%s\" does not cover year %d at the chosen step.", s.Name, p.Year))
		}
		for t := 0; t < T; t++ {
			x := s.Values[t]
			if math.IsNaN(x) || x < 0 {
				x = 0
			}
			cons.Data[t*n+i] = x
			annual[i] += x
		}
		groupOf[i], ranks[i] = len(labels), max(s.Rank, 1)
		labels = append(labels, i18n.T("Courbe partagée : "+s.Name, "Shared curve: "+s.Name))
		counts = append(counts, 1)
	}
	prod := make([]float64, T)
	for t, v := range unit {
		prod[t] = v * p.KWc
	}
	var total float64
	for _, a := range annual {
		total += a
	}
	static := make([]float64, n)
	for i, a := range annual {
		// Shares proportional to annual use, floored a hair so they add up to at most 1.
		static[i] = ratio(a, total) * (1 - 1e-12)
	}
	ranking, err := energy.NewRanking(ranks)
	if err != nil {
		return err
	}
	periods := energy.Periods(start, p.Step, T, energy.Paris(), energy.Month)
	for _, k := range Keys() {
		if err := ctx.Err(); err != nil {
			return err
		}
		kr := allocateKey(k, prod, cons, static, ranking, periods, groupOf, labels, counts)
		res.Keys = append(res.Keys, kr)
	}
	res.Notes = append(res.Notes, i18n.T(
		"Les clés par défaut, dynamique et par priorité distribuent toute la production tant que la consommation la dépasse : leurs taux globaux sont identiques, seul le partage entre participants change. La clé statique laisse en surplus la part qu'un participant n'utilise pas.",
		"The default, dynamic and priority keys hand out all the production as long as consumption exceeds it: their overall rates are identical, only the split between participants differs. The static key leaves as surplus the share a participant does not use."))
	// The sweep.
	sizes := make([]float64, p.SweepN)
	for i := range sizes {
		sizes[i] = p.SweepMax * float64(i+1) / float64(p.SweepN)
	}
	key := energy.Key{Kind: p.Key}
	res.SweepKey = p.Key
	switch p.Key {
	case energy.KeyStatic:
		key.Static = static
	case energy.KeyPriority:
		key.Ranks = ranks
	case energy.KeyDynamic:
		key, res.SweepKey = energy.Key{}, energy.KeyDefault
	}
	res.Sweep, err = energy.SweepPV(key, unit, cons, sizes, nil)
	return err
}

// allocateKey runs one key step by step (no allocation matrix is kept) and
// sums per consumer, group and month.
func allocateKey(k energy.KeyKind, prod []float64, cons energy.Matrix, static []float64, ranking energy.Ranking,
	periods []energy.Period, groupOf []int, labels []i18n.Text, counts []int) KeyResult {
	n := cons.N
	tot := energy.NewTotals(1, n)
	a := make([]float64, n)
	krow := make([]float64, n)
	scratch := make([]int, n)
	kr := KeyResult{Key: k}
	for _, pe := range periods {
		mp := MonthPoint{Month: pe.Start}
		for t := pe.From; t < pe.To; t++ {
			p, c := prod[t], cons.Row(t)
			var sa float64
			switch k {
			case energy.KeyDefault:
				sa = energy.AllocateDefaultStep(p, c, a)
			case energy.KeyStatic:
				sa = energy.AllocateCappedStep(p, static, c, a)
			case energy.KeyDynamic:
				EqualShares(p, c, krow, scratch)
				sa = energy.AllocateCappedStep(p, krow, c, a)
			case energy.KeyPriority:
				sa = ranking.AllocateStep(p, c, a)
			}
			tot.Add(prod[t:t+1], c, a)
			mp.Production += p
			mp.Allocated += sa
			for _, v := range c {
				mp.Consumption += v
			}
		}
		kr.Months = append(kr.Months, mp)
	}
	kr.Production, kr.Consumption, kr.Allocated = tot.Production, tot.Consumption, tot.Allocated
	kr.Groups = make([]GroupTotals, len(labels))
	for g := range kr.Groups {
		kr.Groups[g] = GroupTotals{Label: labels[g], Count: counts[g], MinRate: math.Inf(1), MaxRate: math.Inf(-1)}
	}
	kr.MinRate, kr.MaxRate = math.Inf(1), math.Inf(-1)
	for i, ct := range tot.Consumers {
		g := &kr.Groups[groupOf[i]]
		g.Consumption += ct.Consumption
		g.Allocated += ct.Allocated
		r := ct.SelfProductionRate()
		g.MinRate, g.MaxRate = math.Min(g.MinRate, r), math.Max(g.MaxRate, r)
		kr.MinRate, kr.MaxRate = math.Min(kr.MinRate, r), math.Max(kr.MaxRate, r)
	}
	for g := range kr.Groups {
		if kr.Groups[g].Count == 0 {
			kr.Groups[g].MinRate, kr.Groups[g].MaxRate = 0, 0
		}
	}
	return kr
}

// EqualShares writes into k the dynamic-key coefficients of one step that
// give every consumer an equal share of production p, re-allocating what a
// consumer cannot absorb to the others ("water-filling"): A_i = min(C_i, λ)
// with Σ A_i = min(p, Σ C_i), and k_i = A_i / p. scratch holds n ints.
func EqualShares(p float64, c, k []float64, scratch []int) {
	n := len(c)
	if p <= 0 {
		clear(k[:n])
		return
	}
	var total float64
	for _, v := range c {
		total += v
	}
	if total <= p {
		for i, v := range c {
			k[i] = v / p
		}
		return
	}
	active := scratch[:0]
	for i := range c {
		active = append(active, i)
	}
	rem := p
	for len(active) > 0 {
		level := rem / float64(len(active))
		kept := active[:0]
		for _, i := range active {
			if c[i] <= level {
				k[i] = c[i] / p
				rem -= c[i]
			} else {
				kept = append(kept, i)
			}
		}
		if len(kept) == len(active) {
			for _, i := range kept {
				k[i] = level / p
			}
			break
		}
		active = kept
	}
}

func (r *Runner) runKit(ctx context.Context, res *Result) error {
	p := &res.Params
	unit, start, err := r.pvUnit(res.Lat, res.Lon, p, p.Tilt, p.Azimuth)
	if err != nil {
		return err
	}
	load, err := r.load(p, p.HomeProfile, p.HomeKWh, 1)
	if err != nil {
		return err
	}
	if len(load) != len(unit) {
		return fmt.Errorf("sim: load of %d steps, production of %d", len(load), len(unit))
	}
	res.Steps = len(unit)
	for _, v := range unit {
		res.YieldKWhPerKWc += v
	}
	kw := p.KitWc / 1000
	kit := &KitResult{}
	for _, pe := range energy.Periods(start, p.Step, len(unit), energy.Paris(), energy.Month) {
		km := KitMonth{Month: pe.Start}
		for t := pe.From; t < pe.To; t++ {
			pv, c := unit[t]*kw, load[t]
			km.Production += pv
			km.Consumption += c
			km.SelfConsumed += math.Min(pv, c)
		}
		kit.Production += km.Production
		kit.Consumption += km.Consumption
		kit.SelfConsumed += km.SelfConsumed
		kit.Months = append(kit.Months, km)
	}
	kit.Savings = kit.SelfConsumed * p.Price
	if p.KitCost > 0 && kit.Savings > 0 {
		kit.PaybackYears = p.KitCost / kit.Savings
	}
	for wc := 100.0; wc <= 1500; wc += 100 {
		pt := KitPoint{Wc: wc}
		f := wc / 1000
		for t, u := range unit {
			pv := u * f
			pt.Production += pv
			pt.SelfConsumed += math.Min(pv, load[t])
		}
		pt.Savings = pt.SelfConsumed * p.Price
		kit.Sizes = append(kit.Sizes, pt)
	}
	res.Kit = kit
	res.Notes = append(res.Notes, i18n.T(
		"Estimation au pas de 15 ou 30 minutes : à l'échelle de la seconde, une partie de la production part sur le réseau même quand la consommation du quart d'heure la dépasse ; l'autoconsommation réelle est donc un peu plus faible. Le surplus injecté n'est pas rémunéré.",
		"Estimate at a 15- or 30-minute step: second by second, some production flows to the grid even when the quarter-hour's consumption exceeds it, so actual self-consumption is somewhat lower. The surplus fed into the grid is not paid for."))
	return ctx.Err()
}

// lru is a small least-recently-used cache bounded by a total cost.
type lru[V any] struct {
	mu    sync.Mutex
	limit int64
	cost  int64
	items []lruItem[V]
}

type lruItem[V any] struct {
	key   string
	val   V
	start time.Time
	cost  int64
}

func newLRU[V any](limit int64) *lru[V] { return &lru[V]{limit: limit} }

func (c *lru[V]) get(key string) (lruItem[V], bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, it := range c.items {
		if it.key == key {
			copy(c.items[1:i+1], c.items[:i])
			c.items[0] = it
			return it, true
		}
	}
	return lruItem[V]{}, false
}

func (c *lru[V]) put(key string, v V, start time.Time, cost int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, it := range c.items {
		if it.key == key {
			c.cost -= it.cost
			c.items = append(c.items[:i], c.items[i+1:]...)
			break
		}
	}
	c.items = append([]lruItem[V]{{key: key, val: v, start: start, cost: cost}}, c.items...)
	c.cost += cost
	for c.cost > c.limit && len(c.items) > 1 {
		last := c.items[len(c.items)-1]
		c.cost -= last.cost
		c.items = c.items[:len(c.items)-1]
	}
}
