package regie

import (
	"sort"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/regie/block"
	"github.com/fabrique-des-energies/fabrique/internal/regie/meterfile"
)

// grid is the list of intervals a read answers with: regular for fixed
// steps, French days or months for calendar steps.
type grid struct {
	step  Step
	n     int
	start int64 // Unix seconds of the first interval's start
	fixed int64 // seconds per interval, 0 for calendar steps
	// bounds holds the n+1 boundaries of calendar intervals (Unix seconds).
	bounds []int64
}

func newGrid(step Step, from, to time.Time) grid {
	g := grid{step: step}
	if d := step.Fixed(); d > 0 {
		g.fixed = int64(d / time.Second)
		g.start = step.Align(from).Unix()
		g.n = step.Count(from, to)
		return g
	}
	b := step.Bounds(from, to)
	g.bounds = make([]int64, len(b))
	for i, t := range b {
		g.bounds[i] = t.Unix()
	}
	g.n = len(b) - 1
	g.start = g.bounds[0]
	return g
}

// at returns the start of interval i (i == n gives the end of the grid).
func (g *grid) at(i int) time.Time {
	if g.fixed > 0 {
		return time.Unix(g.start+int64(i)*g.fixed, 0).UTC()
	}
	return time.Unix(g.bounds[i], 0).UTC()
}

func (g *grid) startUnix(i int) int64 {
	if g.fixed > 0 {
		return g.start + int64(i)*g.fixed
	}
	return g.bounds[i]
}

// length is interval i's length in seconds.
func (g *grid) length(i int) int64 {
	if g.fixed > 0 {
		return g.fixed
	}
	return g.bounds[i+1] - g.bounds[i]
}

// curveRange is the span of load-curve block keys (UTC months) a read over
// the grid needs.
func (g *grid) curveRange() (from, to int64) {
	end := time.Unix(g.startUnix(g.n)-1, 0)
	return block.MonthIndex(block.MonthOf(time.Unix(g.start, 0))), block.MonthIndex(block.MonthOf(end))
}

// monthRange is the span of daily-energy block keys (first of each French
// month as a day number) the grid needs.
func (g *grid) monthRange() (from, to int64) {
	a := parisMonthStart(g.at(0))
	b := parisMonthStart(g.at(g.n).Add(-time.Second))
	ya, ma, _ := parisDateOf(a)
	yb, mb, _ := parisDateOf(b)
	return block.MonthIndex(time.Date(ya, ma, 1, 0, 0, 0, 0, time.UTC)), block.MonthIndex(time.Date(yb, mb, 1, 0, 0, 0, 0, time.UTC))
}

// acc holds one series on a grid: sums and the seconds covered by present
// stored intervals. An interval is known when its coverage equals its length.
type acc struct {
	sum []int64
	cov []int64
}

func newAcc(n int) *acc { return &acc{sum: make([]int64, n), cov: make([]int64, n)} }

func (a *acc) reset() {
	clear(a.sum)
	clear(a.cov)
}

// addCurve lays a load-curve chunk on the grid. It returns false when the
// chunk's step does not divide the grid's (its values cannot be used:
// nothing is ever spread over finer intervals).
func (g *grid) addCurve(c *block.Chunk, a *acc) bool {
	s := int64(c.Step / time.Second)
	t0 := c.Month.Unix()
	if g.fixed > 0 {
		if g.fixed%s != 0 {
			return false
		}
		i0 := 0
		if t0 < g.start {
			i0 = int((g.start - t0 + s - 1) / s)
		}
		end := g.start + int64(g.n)*g.fixed
		if g.fixed == s {
			// The common case: the stored step is the step asked for.
			k := int((t0 + int64(i0)*s - g.start) / s)
			if k >= g.n {
				return true
			}
			last := min(len(c.Values), i0+g.n-k)
			sum, cov := a.sum[k:], a.cov[k:]
			for i := i0; i < last; i++ {
				if c.Present[i] {
					sum[i-i0] += c.Values[i]
					cov[i-i0] += s
				}
			}
			return true
		}
		for i := i0; i < len(c.Values); i++ {
			t := t0 + int64(i)*s
			if t >= end {
				break
			}
			if c.Present[i] {
				k := (t - g.start) / g.fixed
				a.sum[k] += c.Values[i]
				a.cov[k] += s
			}
		}
		return true
	}
	// Calendar intervals start at local midnights, which are whole UTC
	// hours; stored steps divide one hour, so no interval straddles two.
	j := sort.Search(g.n, func(k int) bool { return g.bounds[k+1] > t0 })
	for i := 0; i < len(c.Values) && j < g.n; i++ {
		t := t0 + int64(i)*s
		for j < g.n && t >= g.bounds[j+1] {
			j++
		}
		if j >= g.n {
			break
		}
		if t < g.bounds[j] || !c.Present[i] {
			continue
		}
		a.sum[j] += c.Values[i]
		a.cov[j] += s
	}
	return true
}

// addDaily fills the days of a day grid that the curve left incomplete
// with a daily-energy chunk (one French month).
func (g *grid) addDaily(c *block.Chunk, a *acc) {
	if g.step != StepP1D {
		return
	}
	for i := range c.Values {
		if !c.Present[i] {
			continue
		}
		t := parisMidnight(c.Month.Year(), c.Month.Month(), 1+i).Unix()
		j := sort.Search(g.n, func(k int) bool { return g.bounds[k] >= t })
		if j >= g.n || g.bounds[j] != t {
			continue
		}
		if a.cov[j] != g.length(j) {
			a.sum[j] = c.Values[i]
			a.cov[j] = g.length(j)
		}
	}
}

// known reports whether interval i is fully covered.
func (g *grid) known(a *acc, i int) bool { return a.cov[i] == g.length(i) }

// foldMonths turns a complete day grid into a month grid: a month is known
// when all its days are.
func foldMonths(days *grid, da *acc, months *grid) *acc {
	ma := newAcc(months.n)
	j := 0
	for m := 0; m < months.n; m++ {
		full := true
		var sum int64
		for j < days.n && days.bounds[j] < months.bounds[m+1] {
			if days.bounds[j] >= months.bounds[m] {
				if days.known(da, j) {
					sum += da.sum[j]
				} else {
					full = false
				}
			}
			j++
		}
		if full {
			ma.sum[m] = sum
			ma.cov[m] = months.length(m)
		}
	}
	return ma
}

func parisDateOf(t time.Time) (int, time.Month, int) { return meterfile.ParisDate(t) }
