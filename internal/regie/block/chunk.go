package block

import (
	"fmt"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/regie/meterfile"
)

// Day is the step of daily-energy chunks: French calendar days.
const Day = 24 * time.Hour

// Chunk is the content of one block: one meter and one calendar month.
//
// A load-curve chunk covers a UTC month [Month, Month+1 month): it has
// days×24h/Step intervals, interval i starting at Month + i×Step. A
// daily-energy chunk (Step == 24h) covers a French calendar month: interval i
// is the local day Month + i days, and Month (00:00 UTC on the first) is used
// as a date only.
type Chunk struct {
	Month   time.Time
	Step    time.Duration
	Values  []int64
	Present []bool
}

// Daily reports whether the chunk holds French calendar days.
func (c *Chunk) Daily() bool { return c.Step == Day }

// Len returns the number of intervals.
func (c *Chunk) Len() int { return len(c.Values) }

// Points counts the intervals holding a value.
func (c *Chunk) Points() int {
	n := 0
	for _, p := range c.Present {
		if p {
			n++
		}
	}
	return n
}

// At returns the UTC start of interval i.
func (c *Chunk) At(i int) time.Time {
	if c.Daily() {
		return meterfile.ParisMidnight(c.Month.Year(), c.Month.Month(), 1+i)
	}
	return c.Month.Add(time.Duration(i) * c.Step)
}

// Encode packs the chunk (Month is the block key and is not stored).
func (c *Chunk) Encode() ([]byte, error) { return Encode(c.Step, c.Values, c.Present) }

// DecodeChunk unpacks a block stored under the key month and checks that its
// length fits the key.
func DecodeChunk(month time.Time, data []byte) (Chunk, error) {
	step, values, present, err := Decode(data)
	if err != nil {
		return Chunk{}, err
	}
	c := Chunk{Month: month, Step: step, Values: values, Present: present}
	if err := c.check(); err != nil {
		return Chunk{}, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return c, nil
}

// MonthOf returns the key of the load-curve block holding instant t: the
// first day of its UTC month.
func MonthOf(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// MonthIndex returns a block key as months since January 1970, a small
// integer for a database column; FromMonthIndex is its inverse.
func MonthIndex(month time.Time) int64 {
	return int64(month.Year()-1970)*12 + int64(month.Month()) - 1
}

// FromMonthIndex is the inverse of MonthIndex.
func FromMonthIndex(n int64) time.Time {
	return time.Date(1970, time.Month(1+n), 1, 0, 0, 0, 0, time.UTC)
}

func daysInMonth(month time.Time) int {
	return time.Date(month.Year(), month.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// SlotsFor returns the number of intervals of the chunk of a month at a step:
// days×24h/step for a load curve, the days of the month for daily energy.
func SlotsFor(month time.Time, step time.Duration) (int, error) {
	if step != Day && (step <= 0 || step%time.Minute != 0 || time.Hour%step != 0) {
		return 0, fmt.Errorf("block: step %v does not divide one hour", step)
	}
	return daysInMonth(month) * int(Day/step), nil
}

func (c *Chunk) check() error {
	if !c.Month.Equal(MonthOf(c.Month)) || c.Month.Location() != time.UTC {
		return fmt.Errorf("block: chunk key %v is not the first of a month at 00:00 UTC", c.Month)
	}
	n, err := SlotsFor(c.Month, c.Step)
	if err != nil {
		return err
	}
	if len(c.Values) != n || len(c.Present) != n {
		return fmt.Errorf("block: chunk of %s has %d values and %d flags, want %d", c.Month.Format("2006-01"), len(c.Values), len(c.Present), n)
	}
	return nil
}

func newChunk(month time.Time, step time.Duration) Chunk {
	n, _ := SlotsFor(month, step)
	return Chunk{Month: month, Step: step, Values: make([]int64, n), Present: make([]bool, n)}
}

// Split cuts a normalised curve into chunks aligned on block boundaries, in
// time order, leaving out chunks without any value. Load curves are cut per
// UTC month, daily energies per French calendar month. When a month holds two
// steps (the month a meter changed step), its chunk takes the least common
// multiple of both and keeps a coarse interval only when all its finer
// intervals are present: values are summed, never spread.
func Split(c *meterfile.Curve) ([]Chunk, error) {
	var out []Chunk
	index := map[time.Time]int{}
	add := func(ch Chunk) error {
		i, ok := index[ch.Month]
		if !ok {
			index[ch.Month] = len(out)
			out = append(out, ch)
			return nil
		}
		merged, err := overlayDisjoint(out[i], ch)
		if err != nil {
			return err
		}
		out[i] = merged
		return nil
	}
	for si := range c.Segments {
		s := &c.Segments[si]
		if s.Len() != len(s.Present) {
			return nil, fmt.Errorf("block: segment of %d values and %d flags", s.Len(), len(s.Present))
		}
		if s.Daily() {
			for i := 0; i < s.Len(); i++ {
				if !s.Present[i] {
					continue
				}
				y, m, d := meterfile.ParisDate(s.At(i))
				key := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
				j, ok := index[key]
				if !ok {
					j = len(out)
					index[key] = j
					out = append(out, newChunk(key, Day))
				}
				out[j].Values[d-1] = s.Values[i]
				out[j].Present[d-1] = true
			}
			continue
		}
		if s.Step <= 0 || s.Step%time.Minute != 0 || time.Hour%s.Step != 0 {
			return nil, fmt.Errorf("block: segment step %v does not divide one hour", s.Step)
		}
		start := s.Start.UTC()
		if start.Sub(MonthOf(start))%s.Step != 0 {
			return nil, fmt.Errorf("block: segment start %v is not on its step", start)
		}
		for i := 0; i < s.Len(); {
			at := start.Add(time.Duration(i) * s.Step)
			ch := newChunk(MonthOf(at), s.Step)
			slot := int(at.Sub(ch.Month) / s.Step)
			for ; i < s.Len() && slot < ch.Len(); i, slot = i+1, slot+1 {
				if s.Present[i] {
					ch.Values[slot], ch.Present[slot] = s.Values[i], true
				}
			}
			if err := add(ch); err != nil {
				return nil, err
			}
		}
	}
	// Order by month and drop chunks without values (a month of empty rows).
	kept := out[:0]
	for _, ch := range out {
		if ch.Points() > 0 {
			kept = append(kept, ch)
		}
	}
	sortChunks(kept)
	return kept, nil
}

func sortChunks(cs []Chunk) {
	for i := 1; i < len(cs); i++ {
		for j := i; j > 0 && cs[j].Month.Before(cs[j-1].Month); j-- {
			cs[j], cs[j-1] = cs[j-1], cs[j]
		}
	}
}

func gcd(a, b int64) int64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func lcm(a, b time.Duration) time.Duration {
	return a / time.Duration(gcd(int64(a), int64(b))) * b
}

// coarsen converts a chunk to a coarser step that is a multiple of its own:
// a coarse interval is the sum of its finer intervals when all are present, else a gap.
func coarsen(c Chunk, step time.Duration) Chunk {
	if step == c.Step {
		return c
	}
	k := int(step / c.Step)
	out := newChunk(c.Month, step)
	for j := range out.Values {
		var sum int64
		full := true
		for i := j * k; i < (j+1)*k; i++ {
			if !c.Present[i] {
				full = false
				break
			}
			sum += c.Values[i]
		}
		if full {
			out.Values[j], out.Present[j] = sum, true
		}
	}
	return out
}

// overlayDisjoint combines two chunks of the same day built from disjoint segments.
func overlayDisjoint(a, b Chunk) (Chunk, error) {
	if a.Step != b.Step {
		l := lcm(a.Step, b.Step)
		a, b = coarsen(a, l), coarsen(b, l)
	}
	out := Chunk{Month: a.Month, Step: a.Step, Values: append([]int64(nil), a.Values...), Present: append([]bool(nil), a.Present...)}
	for i, p := range b.Present {
		if !p {
			continue
		}
		if out.Present[i] {
			return Chunk{}, fmt.Errorf("block: two segments give a value at %s", out.At(i).Format(time.RFC3339))
		}
		out.Values[i], out.Present[i] = b.Values[i], true
	}
	return out, nil
}

// MergeStats counts what a merge did, in intervals of the merged chunk.
type MergeStats struct {
	Added     int  // new values where the old chunk had none
	Replaced  int  // new values replacing different old ones
	Unchanged int  // new values equal to the old ones
	Resampled bool // the merged chunk's step differs from the old one
}

// Changed reports whether the merge altered the stored chunk.
func (s MergeStats) Changed() bool { return s.Added > 0 || s.Replaced > 0 || s.Resampled }

// Merge lays a new chunk over an old one of the same key: the new values
// replace the old ones where they overlap, gaps of the new chunk keep the old
// values. Merging a chunk with itself changes nothing.
//
// With different steps, the new chunk's step is kept when its values cover
// every old value (re-importing a finer or coarser export of the same days);
// otherwise both are brought to the least common multiple of the steps as in
// Split, and the overlay is done there.
func Merge(old, nw Chunk) (Chunk, MergeStats, error) {
	var st MergeStats
	if err := old.check(); err != nil {
		return Chunk{}, st, err
	}
	if err := nw.check(); err != nil {
		return Chunk{}, st, err
	}
	if !old.Month.Equal(nw.Month) {
		return Chunk{}, st, fmt.Errorf("block: merging chunks of %s and %s", old.Month.Format("2006-01"), nw.Month.Format("2006-01"))
	}
	if old.Daily() != nw.Daily() {
		return Chunk{}, st, fmt.Errorf("block: merging a daily-energy chunk with a load-curve chunk")
	}
	base, top := old, nw
	if old.Step != nw.Step {
		if covers(nw, old) {
			base = newChunk(old.Month, nw.Step)
		} else {
			l := lcm(old.Step, nw.Step)
			base, top = coarsen(old, l), coarsen(nw, l)
		}
		st.Resampled = base.Step != old.Step
	}
	out := Chunk{Month: base.Month, Step: base.Step, Values: append([]int64(nil), base.Values...), Present: append([]bool(nil), base.Present...)}
	for i, p := range top.Present {
		if !p {
			continue
		}
		a := top.Month.Add(time.Duration(i) * top.Step)
		sum, full, any := sumOver(old, a, a.Add(top.Step))
		switch {
		case !any:
			st.Added++
		case full && sum == top.Values[i]:
			st.Unchanged++
		default:
			st.Replaced++
		}
		out.Values[i], out.Present[i] = top.Values[i], true
	}
	return out, st, nil
}

// covers reports whether every present interval of old lies within present intervals of nw.
func covers(nw, old Chunk) bool {
	for i, p := range old.Present {
		if !p {
			continue
		}
		a := old.Month.Add(time.Duration(i) * old.Step)
		b := a.Add(old.Step)
		j0 := int(a.Sub(nw.Month) / nw.Step)
		for j := j0; j < len(nw.Present); j++ {
			ja := nw.Month.Add(time.Duration(j) * nw.Step)
			if !ja.Before(b) {
				break
			}
			if !nw.Present[j] {
				return false
			}
		}
	}
	return true
}

// sumOver sums the old values inside [a, b): full when old intervals tile
// [a, b) exactly and are all present, any when some old value overlaps it.
func sumOver(old Chunk, a, b time.Time) (sum int64, full, any bool) {
	full = true
	if old.Daily() {
		i := int(a.Sub(old.Month) / old.Step)
		if old.Present[i] {
			return old.Values[i], true, true
		}
		return 0, false, false
	}
	i0 := int(a.Sub(old.Month) / old.Step)
	ia := old.Month.Add(time.Duration(i0) * old.Step)
	if !ia.Equal(a) {
		full = false
	}
	for i := i0; i < len(old.Values); i++ {
		s := old.Month.Add(time.Duration(i) * old.Step)
		if !s.Before(b) {
			break
		}
		if s.Add(old.Step).After(b) {
			full = false
		}
		if old.Present[i] {
			sum += old.Values[i]
			any = true
		} else {
			full = false
		}
	}
	return sum, full && any, any
}

// MergeEncoded merges a new chunk over a stored block and returns the bytes to
// store; when nothing changes it returns the stored bytes themselves.
func MergeEncoded(stored []byte, nw Chunk) ([]byte, MergeStats, error) {
	old, err := DecodeChunk(nw.Month, stored)
	if err != nil {
		return nil, MergeStats{}, err
	}
	m, st, err := Merge(old, nw)
	if err != nil {
		return nil, st, err
	}
	if !st.Changed() {
		return stored, st, nil
	}
	b, err := m.Encode()
	return b, st, err
}
