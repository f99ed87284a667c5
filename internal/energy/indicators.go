package energy

import (
	"fmt"
	"time"
)

// ConsumerTotals is what one consumer consumed and was allocated (kWh).
type ConsumerTotals struct {
	Consumption float64
	Allocated   float64
}

// Complement is the energy bought from a supplier: consumption − allocated.
func (c ConsumerTotals) Complement() float64 { return c.Consumption - c.Allocated }

// SelfProductionRate is allocated / consumption (0 when nothing was consumed).
func (c ConsumerTotals) SelfProductionRate() float64 { return ratio(c.Allocated, c.Consumption) }

// ProducerTotals is what one producer produced and how much of it the
// consumers used. When several producers feed one operation, the energy used
// at a step is shared among them pro rata to their production at that step.
type ProducerTotals struct {
	Production   float64
	SelfConsumed float64
}

// Surplus is production − self-consumed.
func (p ProducerTotals) Surplus() float64 { return p.Production - p.SelfConsumed }

// SelfConsumptionRate is self-consumed / production (0 when nothing was produced).
func (p ProducerTotals) SelfConsumptionRate() float64 { return ratio(p.SelfConsumed, p.Production) }

// Totals accumulates the indicators of an operation over steps.
type Totals struct {
	Steps       int
	Production  float64
	Consumption float64
	Allocated   float64
	Consumers   []ConsumerTotals
	Producers   []ProducerTotals
}

// NewTotals returns empty totals for m producers and n consumers.
func NewTotals(m, n int) Totals {
	return Totals{Consumers: make([]ConsumerTotals, n), Producers: make([]ProducerTotals, m)}
}

// Surplus is production − allocated.
func (t *Totals) Surplus() float64 { return t.Production - t.Allocated }

// SelfConsumptionRate is ΣA / ΣP (0 when nothing was produced).
func (t *Totals) SelfConsumptionRate() float64 { return ratio(t.Allocated, t.Production) }

// SelfProductionRate is ΣA / ΣC (0 when nothing was consumed).
func (t *Totals) SelfProductionRate() float64 { return ratio(t.Allocated, t.Consumption) }

// Add accumulates one step: the production of each producer, the consumption
// and the allocation of each consumer (lengths as given to NewTotals).
func (t *Totals) Add(prod, cons, alloc []float64) {
	t.Steps++
	p := sum(prod)
	a := 0.0
	cs := t.Consumers[:len(cons)]
	alloc = alloc[:len(cons)]
	for i, c := range cons {
		cs[i].Consumption += c
		cs[i].Allocated += alloc[i]
		t.Consumption += c
		a += alloc[i]
	}
	t.Production += p
	t.Allocated += a
	if p > 0 {
		share := a / p
		for j, v := range prod {
			t.Producers[j].Production += v
			t.Producers[j].SelfConsumed += v * share
		}
	}
}

// PeriodTotals is the breakdown of one calendar period.
type PeriodTotals struct {
	Period
	Totals
}

// Summarize returns the totals of a whole allocation: producers (M × T, or
// 1 × T for pooled production), consumption and allocation (N × T).
func Summarize(producers, cons, alloc Matrix) (Totals, error) {
	tot := NewTotals(producers.N, cons.N)
	if err := checkOperation(producers, cons, alloc); err != nil {
		return tot, err
	}
	for t := range cons.T {
		tot.Add(producers.Row(t), cons.Row(t), alloc.Row(t))
	}
	return tot, nil
}

func checkOperation(producers, cons, alloc Matrix) error {
	if err := sameShape("consumption", cons, "allocation", alloc); err != nil {
		return err
	}
	if err := producers.check("production"); err != nil {
		return err
	}
	if producers.T != cons.T {
		return fmt.Errorf("energy: production has %d steps, consumption %d", producers.T, cons.T)
	}
	return nil
}

// Breakdown returns the totals of an allocation per calendar day or month of
// loc, for steps of the given length from start.
func Breakdown(start time.Time, step time.Duration, loc *time.Location, cal Calendar, producers, cons, alloc Matrix) ([]PeriodTotals, error) {
	if err := checkOperation(producers, cons, alloc); err != nil {
		return nil, err
	}
	if cal != Day && cal != Month {
		return nil, fmt.Errorf("energy: unknown calendar period %d", cal)
	}
	ps := Periods(start, step, cons.T, loc, cal)
	out := make([]PeriodTotals, len(ps))
	for k, p := range ps {
		out[k] = PeriodTotals{Period: p, Totals: NewTotals(producers.N, cons.N)}
		for t := p.From; t < p.To; t++ {
			out[k].Add(producers.Row(t), cons.Row(t), alloc.Row(t))
		}
	}
	return out, nil
}

func ratio(a, b float64) float64 {
	if b <= 0 {
		return 0
	}
	return a / b
}
