package energy

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Synthetic profiles are built on a fixed 5-minute base grid and summed into
// the requested step, so the 60-minute series of a seed is exactly the sum of
// its 15-minute series.
const baseStep = 5 * time.Minute

// Random streams: one PCG stream per process so that adding draws to one
// process does not change the others.
const (
	streamClearness uint64 = 0x636c6561726e6573 + iota
	streamCloud
	streamTemperature
	streamLoad
	streamHeater
)

// CheckSynthStep reports whether step can be used for synthetic profiles:
// a multiple of 5 minutes that divides an hour, or whole hours dividing a day.
func CheckSynthStep(step time.Duration) error {
	ok := step > 0 && step%baseStep == 0 &&
		(time.Hour%step == 0 || (step%time.Hour == 0 && (24*time.Hour)%step == 0))
	if !ok {
		return fmt.Errorf("energy: step %v must be a multiple of 5 minutes dividing an hour (5m, 10m, 15m, 30m, 60m …) or whole hours dividing a day", step)
	}
	return nil
}

// YearBounds returns the UTC instants of 1 January 00:00 of year and of the
// next year in loc: a synthetic year is a local calendar year.
func YearBounds(year int, loc *time.Location) (start, end time.Time) {
	return time.Date(year, 1, 1, 0, 0, 0, 0, loc).UTC(), time.Date(year+1, 1, 1, 0, 0, 0, 0, loc).UTC()
}

func checkYear(year int) error {
	if year < 1900 || year > 2200 {
		return fmt.Errorf("energy: year %d is outside 1900–2200", year)
	}
	return nil
}

// ar1 fills x with a stationary AR(1) process of the given standard deviation
// and lag-one correlation phi.
func ar1(r *rand.Rand, x []float64, sd, phi float64) {
	innov := sd * math.Sqrt(1-phi*phi)
	prev := sd * r.NormFloat64()
	for i := range x {
		if i > 0 {
			prev = phi*prev + innov*r.NormFloat64()
		}
		x[i] = prev
	}
}

// aggregate sums a base-grid series (kWh per 5 minutes) into steps.
func aggregate(base []float64, start time.Time, step time.Duration) Series {
	k := int(step / baseStep)
	out := Series{Start: start, Step: step, Values: make([]float64, len(base)/k)}
	for i := range out.Values {
		out.Values[i] = sum(base[i*k : (i+1)*k])
	}
	return out
}

// dayOfYear returns the 1-based day of the year of t in loc and the local
// hour as a fraction.
func dayOfYear(t time.Time, loc *time.Location) (int, float64) {
	l := t.In(loc)
	return l.YearDay(), float64(l.Hour()) + float64(l.Minute())/60 + float64(l.Second())/3600
}

func clamp(x, lo, hi float64) float64 { return max(lo, min(hi, x)) }
