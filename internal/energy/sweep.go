package energy

import "fmt"

// SweepPoint holds the indicators of one PV capacity in a sweep.
type SweepPoint struct {
	KWc                 float64
	Production          float64 // kWh
	Consumption         float64 // kWh
	Allocated           float64 // kWh
	Surplus             float64 // kWh
	SelfConsumptionRate float64 // ΣA / ΣP
	SelfProductionRate  float64 // ΣA / ΣC
}

// SweepPV allocates, for each capacity in kwc, the production kwc ·
// perKWc[t] (kWh per step for 1 kWc) among consumers cons (N × T) with key,
// and returns one point per capacity, appended to dst[:0].
//
// The loop runs step by step and, within a step, over all capacities: the
// step's consumption row stays in cache for every capacity and the only
// working memory is one row of N values, so the cost is one read of the
// consumption matrix whatever the number of capacities.
func SweepPV(key Key, perKWc []float64, cons Matrix, kwc []float64, dst []SweepPoint) ([]SweepPoint, error) {
	if err := cons.check("consumption"); err != nil {
		return dst, err
	}
	if len(perKWc) != cons.T {
		return dst, fmt.Errorf("energy: production profile has %d steps, consumption %d", len(perKWc), cons.T)
	}
	if !validRow(perKWc) {
		return dst, fmt.Errorf("energy: production profile step %d is negative or not finite", firstInvalid(perKWc))
	}
	for i, k := range kwc {
		if !(k >= 0) || !validRow(kwc[i:i+1]) {
			return dst, fmt.Errorf("energy: capacity %g is negative or not finite", k)
		}
	}
	step, err := key.stepper(cons.N, cons.T)
	if err != nil {
		return dst, err
	}
	dst = dst[:0]
	for _, k := range kwc {
		dst = append(dst, SweepPoint{KWc: k})
	}
	row := make([]float64, cons.N)
	consumption := 0.0
	for t := range cons.T {
		c := cons.Row(t)
		ct, ok := rowTotal(c)
		if !ok {
			return dst, fmt.Errorf("energy: consumption of consumer %d at step %d is negative or not finite", firstInvalid(c), t)
		}
		consumption += ct
		for s := range dst {
			p := dst[s].KWc * perKWc[t]
			a, err := step(t, p, ct, c, row)
			if err != nil {
				return dst, err
			}
			dst[s].Production += p
			dst[s].Allocated += a
		}
	}
	for s := range dst {
		pt := &dst[s]
		pt.Consumption = consumption
		pt.Surplus = pt.Production - pt.Allocated
		pt.SelfConsumptionRate = ratio(pt.Allocated, pt.Production)
		pt.SelfProductionRate = ratio(pt.Allocated, pt.Consumption)
	}
	return dst, nil
}
