package meterfile

import "time"

// Local time in France is computed from the EU summer-time rule instead of the
// system time-zone database, so that the binary needs no tzdata and parsing
// stays fast. The rule is exact for every year accepted by the parsers
// (minYear … maxYear):
//   - standard time CET = UTC+1, summer time CEST = UTC+2;
//   - summer time starts on the last Sunday of March at 01:00 UTC;
//   - it ends on the last Sunday of October at 01:00 UTC (from 1996 on) and on
//     the last Sunday of September at 01:00 UTC before 1996.
// Tests compare it with the Europe/Paris zone of the system database.

const (
	minYear = 1990
	maxYear = 2100

	secondsPerDay = 86400
	cet           = 3600
	cest          = 7200
)

// daysFromCivil returns the number of days since 1970-01-01 of a proleptic
// Gregorian date.
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

// civilFromDays is the inverse of daysFromCivil.
func civilFromDays(z int64) (y, m, d int) {
	z += 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era = (z - 146096) / 146097
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	yy := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	if mp < 10 {
		m = int(mp + 3)
	} else {
		m = int(mp - 9)
	}
	if m <= 2 {
		yy++
	}
	return int(yy), m, d
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysIn(y, m int) int {
	switch m {
	case 2:
		if isLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// lastSunday returns the day number (since the epoch) of the last Sunday of a month.
func lastSunday(y, m int) int64 {
	last := daysFromCivil(y, m, daysIn(y, m))
	// 1970-01-01 was a Thursday (weekday 4 with Sunday = 0).
	wd := (last%7 + 7 + 4) % 7
	return last - wd
}

// summerBounds returns the UTC instants (Unix seconds) where summer time starts and ends in year y.
func summerBounds(y int) (start, end int64) {
	start = lastSunday(y, 3)*secondsPerDay + 3600
	if y < 1996 {
		end = lastSunday(y, 9)*secondsPerDay + 3600
	} else {
		end = lastSunday(y, 10)*secondsPerDay + 3600
	}
	return start, end
}

// parisOffsetUnix returns the offset of French legal time at a Unix instant, in seconds.
func parisOffsetUnix(u int64) int64 {
	y, _, _ := civilFromDays(floorDiv(u, secondsPerDay))
	start, end := summerBounds(y)
	if u >= start && u < end {
		return cest
	}
	return cet
}

// localToUnix resolves a French wall-clock time. It returns the candidate
// instants in increasing order: none in the spring gap, two in the repeated
// autumn hour, one otherwise.
func localToUnix(y, m, d, hh, mm, ss int) (cands [2]int64, n int) {
	base := daysFromCivil(y, m, d)*secondsPerDay + int64(hh*3600+mm*60+ss)
	if u := base - cest; parisOffsetUnix(u) == cest {
		cands[n] = u
		n++
	}
	if u := base - cet; parisOffsetUnix(u) == cet {
		cands[n] = u
		n++
	}
	return cands, n
}

// parisMidnightUnix returns the instant of local midnight starting a day
// (days since the epoch). Midnight is never in a transition in France.
func parisMidnightUnix(day int64) int64 {
	base := day * secondsPerDay
	if parisOffsetUnix(base-cest) == cest {
		return base - cest
	}
	return base - cet
}

// parisDay returns the local day (days since the epoch) of a Unix instant and
// the seconds elapsed since local midnight.
func parisDay(u int64) (day, sec int64) {
	l := u + parisOffsetUnix(u)
	day = floorDiv(l, secondsPerDay)
	return day, l - day*secondsPerDay
}

// ParisOffset returns the offset of French legal time (Europe/Paris) at t.
func ParisOffset(t time.Time) time.Duration {
	return time.Duration(parisOffsetUnix(t.Unix())) * time.Second
}

// ParisDate returns the French calendar date at instant t.
func ParisDate(t time.Time) (year int, month time.Month, day int) {
	d, _ := parisDay(t.Unix())
	y, m, dd := civilFromDays(d)
	return y, time.Month(m), dd
}

// ParisMidnight returns the UTC instant at which the given French calendar
// day starts. Out-of-range days and months are normalised as by time.Date.
func ParisMidnight(year int, month time.Month, day int) time.Time {
	n := time.Date(year, month, day, 0, 0, 0, 0, time.UTC).Unix() / secondsPerDay
	return time.Unix(parisMidnightUnix(n), 0).UTC()
}
