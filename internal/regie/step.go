package regie

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
	"github.com/fabrique-des-energies/fabrique/internal/regie/meterfile"
)

// Step is a time step written as an ISO 8601 duration: PTnM (n minutes
// dividing one hour), PT1H, P1D (a French calendar day, 23 to 25 hours) or
// P1M (a French calendar month). The zero value means "not chosen".
type Step string

// The steps offered in forms and accepted in consents.
const (
	StepPT10M Step = "PT10M"
	StepPT15M Step = "PT15M"
	StepPT30M Step = "PT30M"
	StepPT1H  Step = "PT1H"
	StepP1D   Step = "P1D"
	StepP1M   Step = "P1M"
)

// Steps lists the steps offered to people, finest first.
func Steps() []Step { return []Step{StepPT10M, StepPT15M, StepPT30M, StepPT1H, StepP1D, StepP1M} }

// ParseStep reads an ISO 8601 step. PT60M is read as PT1H.
func ParseStep(s string) (Step, error) {
	u := strings.ToUpper(strings.TrimSpace(s))
	switch u {
	case "P1D", "P1M", "PT1H":
		return Step(u), nil
	case "PT60M":
		return StepPT1H, nil
	}
	if m, ok := strings.CutPrefix(u, "PT"); ok {
		if n, ok := strings.CutSuffix(m, "M"); ok {
			v, err := strconv.Atoi(n)
			if err == nil && v > 0 && 60%v == 0 && strconv.Itoa(v) == n {
				if v == 60 {
					return StepPT1H, nil
				}
				return Step("PT" + n + "M"), nil
			}
		}
	}
	return "", errs.Field("step",
		fmt.Sprintf("Pas « %s » inconnu : utilisez une durée ISO 8601 parmi PT10M, PT15M, PT30M, PT1H, P1D ou P1M.", s),
		fmt.Sprintf("Unknown step %q: use an ISO 8601 duration among PT10M, PT15M, PT30M, PT1H, P1D or P1M.", s))
}

// StepOf names a fixed duration (a stored block's step).
func StepOf(d time.Duration) Step {
	switch {
	case d == time.Hour:
		return StepPT1H
	case d == 24*time.Hour:
		return StepP1D
	case d > 0 && d < time.Hour && d%time.Minute == 0 && time.Hour%d == 0:
		return Step("PT" + strconv.Itoa(int(d/time.Minute)) + "M")
	}
	return ""
}

// Fixed returns the duration of a fixed step, 0 for calendar steps.
func (s Step) Fixed() time.Duration {
	switch s {
	case StepPT1H:
		return time.Hour
	case StepP1D, StepP1M, "":
		return 0
	}
	if m, ok := strings.CutPrefix(string(s), "PT"); ok {
		if n, ok := strings.CutSuffix(m, "M"); ok {
			if v, err := strconv.Atoi(n); err == nil {
				return time.Duration(v) * time.Minute
			}
		}
	}
	return 0
}

// Valid reports whether s is a known step.
func (s Step) Valid() bool { return s == StepP1D || s == StepP1M || s.Fixed() > 0 }

// Nominal orders steps from the finest: a day counts 24 h, a month 31 days.
func (s Step) Nominal() time.Duration {
	switch s {
	case StepP1D:
		return 24 * time.Hour
	case StepP1M:
		return 31 * 24 * time.Hour
	}
	return s.Fixed()
}

// Coarser returns the coarser of two steps (a when equal).
func Coarser(a, b Step) Step {
	if b.Nominal() > a.Nominal() {
		return b
	}
	return a
}

// Label names the step for people.
func (s Step) Label(lang string) string {
	fr, en := "", ""
	switch s {
	case StepP1D:
		fr, en = "jour", "day"
	case StepP1M:
		fr, en = "mois", "month"
	case StepPT1H:
		fr, en = "heure", "hour"
	case "":
		fr, en = "pas d'origine", "original step"
	default:
		m := int(s.Fixed() / time.Minute)
		fr, en = strconv.Itoa(m)+" min", strconv.Itoa(m)+" min"
	}
	if lang == "en" {
		return en
	}
	return fr
}

// Seconds is the fixed step in seconds (86400 for a day, 0 for a month),
// as stored in block headers.
func (s Step) Seconds() int64 {
	if s == StepP1D {
		return 86400
	}
	return int64(s.Fixed() / time.Second)
}

// ---- French calendar ----

// parisMidnight is the UTC instant of local midnight starting the given date
// (any normalisation of the day or month is applied, like time.Date).
func parisMidnight(y int, m time.Month, d int) time.Time {
	return meterfile.ParisMidnight(y, m, d)
}

// parisDayStart is the start of the French calendar day holding t.
func parisDayStart(t time.Time) time.Time {
	y, m, d := meterfile.ParisDate(t)
	return parisMidnight(y, m, d)
}

// parisMonthStart is the start of the French calendar month holding t.
func parisMonthStart(t time.Time) time.Time {
	y, m, _ := meterfile.ParisDate(t)
	return parisMidnight(y, m, 1)
}

// Align moves t back to the start of the step interval holding it: UTC
// multiples of fixed steps (French offsets are whole hours, so these are
// also local boundaries), French midnights, French month starts.
func (s Step) Align(t time.Time) time.Time {
	t = t.UTC()
	switch s {
	case StepP1D:
		return parisDayStart(t)
	case StepP1M:
		return parisMonthStart(t)
	}
	if d := s.Fixed(); d > 0 {
		return t.Truncate(d)
	}
	return t
}

// Next returns the start of the interval after the one starting at t.
func (s Step) Next(t time.Time) time.Time {
	switch s {
	case StepP1D:
		y, m, d := meterfile.ParisDate(t)
		return parisMidnight(y, m, d+1)
	case StepP1M:
		y, m, _ := meterfile.ParisDate(t)
		return parisMidnight(y, m+1, 1)
	}
	return t.Add(s.Fixed())
}

// Bounds returns the interval starts covering [from, to): from aligned
// down, and every following start before to. The result has one more
// element than intervals: the last is the end of the last interval.
func (s Step) Bounds(from, to time.Time) []time.Time {
	a := s.Align(from)
	var out []time.Time
	for ; a.Before(to); a = s.Next(a) {
		out = append(out, a)
	}
	return append(out, a)
}

// Count returns the number of intervals covering [from, to).
func (s Step) Count(from, to time.Time) int {
	if d := s.Fixed(); d > 0 {
		a := s.Align(from)
		if !to.After(a) {
			return 0
		}
		return int((to.Sub(a) + d - 1) / d)
	}
	return len(s.Bounds(from, to)) - 1
}

// parisLoc is French legal time, for dates shown to people.
var parisLoc = web.Paris

// addParisDays moves a French midnight by n calendar days.
func addParisDays(t time.Time, n int) time.Time {
	y, m, d := meterfile.ParisDate(t)
	return parisMidnight(y, m, d+n)
}

// addParisMonths returns the start of the French month n months after the
// one holding t.
func addParisMonths(t time.Time, n int) time.Time {
	y, m, _ := meterfile.ParisDate(t)
	return parisMidnight(y, m+time.Month(n), 1)
}
