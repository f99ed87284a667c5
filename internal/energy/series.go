package energy

import (
	"fmt"
	"math"
	"time"
)

// Series is a regular time series: Values[i] covers [Start + i·Step,
// Start + (i+1)·Step). Start is a UTC instant. A NaN value is a gap.
type Series struct {
	Start  time.Time
	Step   time.Duration
	Values []float64
}

// Len returns the number of steps.
func (s Series) Len() int { return len(s.Values) }

// Time returns the start of step i.
func (s Series) Time(i int) time.Time { return s.Start.Add(time.Duration(i) * s.Step) }

// End returns the end of the last step.
func (s Series) End() time.Time { return s.Time(len(s.Values)) }

// Gaps counts the NaN values.
func (s Series) Gaps() int {
	n := 0
	for _, v := range s.Values {
		if math.IsNaN(v) {
			n++
		}
	}
	return n
}

// Check reports whether the series is usable: a positive step and a UTC start.
func (s Series) Check() error {
	if s.Step <= 0 {
		return fmt.Errorf("energy: series step %v is not positive", s.Step)
	}
	if s.Start.Location() != time.UTC {
		return fmt.Errorf("energy: series start %v is not in UTC", s.Start)
	}
	return nil
}

// CheckAligned reports an error unless all series share start, step and length.
func CheckAligned(series ...Series) error {
	for i, s := range series {
		if err := s.Check(); err != nil {
			return fmt.Errorf("series %d: %w", i, err)
		}
		if i == 0 {
			continue
		}
		f := series[0]
		switch {
		case !s.Start.Equal(f.Start):
			return fmt.Errorf("energy: series %d starts at %v, series 0 at %v", i, s.Start, f.Start)
		case s.Step != f.Step:
			return fmt.Errorf("energy: series %d has step %v, series 0 has %v", i, s.Step, f.Step)
		case s.Len() != f.Len():
			return fmt.Errorf("energy: series %d has %d steps, series 0 has %d", i, s.Len(), f.Len())
		}
	}
	return nil
}

// onGrid reports whether t is a multiple of step since the Unix epoch. With
// the whole-hour offsets of Europe/Paris a 15-, 30- or 60-minute UTC grid is
// also the local grid.
func onGrid(t time.Time, step time.Duration) bool {
	return t.UnixNano()%int64(step) == 0
}

// Window returns the series over [from, to) on the same step, with NaN where
// s has no data. from must be on s's grid and to − from a multiple of Step.
func (s Series) Window(from, to time.Time) (Series, error) {
	if err := s.Check(); err != nil {
		return Series{}, err
	}
	d := from.Sub(s.Start)
	if d%s.Step != 0 || to.Sub(from)%s.Step != 0 || to.Before(from) {
		return Series{}, fmt.Errorf("energy: window [%v, %v) is not on the %v grid of the series", from, to, s.Step)
	}
	n := int(to.Sub(from) / s.Step)
	off := int(d / s.Step)
	out := Series{Start: from.UTC(), Step: s.Step, Values: make([]float64, n)}
	for i := range out.Values {
		j := i + off
		if j >= 0 && j < len(s.Values) {
			out.Values[i] = s.Values[j]
		} else {
			out.Values[i] = math.NaN()
		}
	}
	return out, nil
}

// PowerToEnergy turns average power in W (any step, typically 10, 30 or 60
// minutes, each value constant over its step) into energy in kWh per step of
// the given length (typically 15 or 30 minutes). The output grid is aligned on
// multiples of step since the Unix epoch and covers only output steps that lie
// entirely inside the input; an output step touching a gap is a gap.
//
// Meter exports often stamp the END of each interval: shift such data back by
// one step before calling this function.
func PowerToEnergy(power Series, step time.Duration) (Series, error) {
	if err := power.Check(); err != nil {
		return Series{}, err
	}
	if step <= 0 {
		return Series{}, fmt.Errorf("energy: output step %v is not positive", step)
	}
	in0 := power.Start.UnixNano()
	in1 := power.End().UnixNano()
	st := int64(step)
	first := ceilDiv(in0, st) * st
	n := 0
	if last := floorDiv(in1, st) * st; last > first {
		n = int((last - first) / st)
	}
	out := Series{Start: time.Unix(0, first).UTC(), Step: step, Values: make([]float64, n)}
	d := int64(power.Step)
	const nsPerHour = float64(time.Hour)
	for k := range n {
		a := first + int64(k)*st
		b := a + st
		e := 0.0
		for i := floorDiv(a-in0, d); i*d+in0 < b; i++ {
			lo := max(a, in0+i*d)
			hi := min(b, in0+(i+1)*d)
			e += power.Values[i] * float64(hi-lo)
		}
		out.Values[k] = e / nsPerHour / 1000
	}
	return out, nil
}

// Downsample sums energy into a coarser step, a multiple of s.Step. The output
// starts at s.Start, which must be on the coarser grid, and s must hold a
// whole number of coarse steps. A coarse step containing a gap is a gap.
func Downsample(s Series, step time.Duration) (Series, error) {
	if err := s.Check(); err != nil {
		return Series{}, err
	}
	if step <= 0 || step%s.Step != 0 {
		return Series{}, fmt.Errorf("energy: step %v is not a multiple of %v", step, s.Step)
	}
	if !onGrid(s.Start, step) {
		return Series{}, fmt.Errorf("energy: start %v is not on the %v grid", s.Start, step)
	}
	k := int(step / s.Step)
	if len(s.Values)%k != 0 {
		return Series{}, fmt.Errorf("energy: %d steps of %v do not make whole steps of %v", len(s.Values), s.Step, step)
	}
	out := Series{Start: s.Start, Step: step, Values: make([]float64, len(s.Values)/k)}
	for i := range out.Values {
		out.Values[i] = sum(s.Values[i*k : (i+1)*k])
	}
	return out, nil
}

// PeriodSum is the energy of one calendar period.
type PeriodSum struct {
	Period
	Sum  float64 // sum of the known values (kWh)
	Gaps int     // number of NaN steps left out of Sum
}

// SumBy sums an energy series by calendar day or month in loc. Unlike
// [Downsample], gaps are skipped and counted so that a month with a missing
// hour still has a total.
func SumBy(s Series, loc *time.Location, cal Calendar) ([]PeriodSum, error) {
	if err := s.Check(); err != nil {
		return nil, err
	}
	ps := Periods(s.Start, s.Step, s.Len(), loc, cal)
	out := make([]PeriodSum, len(ps))
	for j, p := range ps {
		out[j].Period = p
		for _, v := range s.Values[p.From:p.To] {
			if math.IsNaN(v) {
				out[j].Gaps++
			} else {
				out[j].Sum += v
			}
		}
	}
	return out, nil
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func ceilDiv(a, b int64) int64 { return -floorDiv(-a, b) }
