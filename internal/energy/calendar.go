package energy

import (
	"fmt"
	"sync"
	"time"
	_ "time/tzdata" // Europe/Paris must resolve on a machine without zoneinfo files
)

var paris = sync.OnceValue(func() *time.Location {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		// Unreachable with time/tzdata linked in.
		panic(fmt.Sprintf("energy: Europe/Paris: %v", err))
	}
	return loc
})

// Paris returns the Europe/Paris location used for French calendars.
func Paris() *time.Location { return paris() }

// Calendar selects the calendar period of a breakdown.
type Calendar uint8

// Calendar periods.
const (
	Day Calendar = iota + 1
	Month
)

// Period is a run of steps falling in one local calendar day or month.
type Period struct {
	Start, End time.Time // local midnight bounds in the requested location
	From, To   int       // step indices [From, To)
}

// Periods splits n steps of the given length from start into calendar
// periods of loc. A step belongs to the period holding its start; only
// periods that hold at least one step are returned.
func Periods(start time.Time, step time.Duration, n int, loc *time.Location, cal Calendar) []Period {
	if n <= 0 || step <= 0 {
		return nil
	}
	l := start.In(loc)
	y, m, d := l.Date()
	if cal == Month {
		d = 1
	}
	lo := time.Date(y, m, d, 0, 0, 0, 0, loc)
	var out []Period
	from := 0
	for from < n {
		var hi time.Time
		if cal == Month {
			hi = lo.AddDate(0, 1, 0)
		} else {
			hi = lo.AddDate(0, 0, 1)
		}
		// First step starting at or after hi.
		to := int((hi.Sub(start) + step - 1) / step)
		to = min(max(to, from), n)
		if to > from {
			out = append(out, Period{Start: lo, End: hi, From: from, To: to})
		}
		from = to
		lo = hi
	}
	return out
}
