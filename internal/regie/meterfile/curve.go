package meterfile

import "time"

// Curve is a parsed file, normalised: UTC instants, start of interval, integer
// Wh per interval, regular steps, gaps kept as gaps.
type Curve struct {
	PRM    string // the file's PRM, else Options.PRM, else ""
	Format Format
	Kind   Kind
	Flow   Flow
	// Segments are regular runs in time order, never overlapping. A file has
	// one segment unless its step changes (a meter moved from 60 to 30 or 10
	// minutes, for instance); a file whose rows are all empty has none.
	// Each segment starts and ends with a value: leading and trailing empty
	// rows are not kept, gaps inside are.
	Segments []Segment
	Stats    Stats
}

// Segment is a regular series. Gaps are marked by Present[i] == false, with Values[i] == 0.
type Segment struct {
	Step    time.Duration // load curve: the interval; daily energy: 24h (calendar days, see KindDailyEnergy)
	Start   time.Time     // UTC start of the first interval
	Values  []int64       // Wh per interval
	Present []bool        // false where the file holds no value (a gap)
}

// Len returns the number of intervals.
func (s *Segment) Len() int { return len(s.Values) }

// At returns the UTC start of interval i. For daily energy it is the French
// local midnight starting day i.
func (s *Segment) At(i int) time.Time {
	if s.Daily() {
		d, _ := parisDay(s.Start.Unix())
		return time.Unix(parisMidnightUnix(d+int64(i)), 0).UTC()
	}
	return s.Start.Add(time.Duration(i) * s.Step)
}

// End returns the UTC end of the last interval.
func (s *Segment) End() time.Time { return s.At(len(s.Values)) }

// Daily reports whether the segment holds French calendar days: load-curve
// steps never exceed one hour, so a 24h step can only mean that.
func (s *Segment) Daily() bool { return s.Step == 24*time.Hour }

// Stats summarises an import, for the person who sent the file.
type Stats struct {
	Rows        int       // data rows read
	Points      int       // intervals with a value
	Gaps        int       // intervals without a value between the first and the last value
	EmptyValues int       // rows present with an empty value (counted in Gaps when inside the period)
	Duplicates  int       // rows repeating an earlier row exactly, ignored
	Skipped     int       // rows of another flow left out by Options.Flow
	Steps       int       // number of distinct steps (segments) found
	From, To    time.Time // start of the first value and end of the last (UTC); zero when Points == 0
	TotalWh     int64     // sum of the values
}
