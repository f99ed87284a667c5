package energy

import "time"

// easter returns the month and day of Easter Sunday in the Gregorian
// calendar (the anonymous Gregorian algorithm).
func easter(year int) (time.Month, int) {
	a := year % 19
	b, c := year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return time.Month(month), day
}

// publicHoliday reports whether the local date is a French public holiday
// (jour férié) of mainland France.
func publicHoliday(year int, month time.Month, day int) bool {
	switch {
	case month == time.January && day == 1,
		month == time.May && (day == 1 || day == 8),
		month == time.July && day == 14,
		month == time.August && day == 15,
		month == time.November && (day == 1 || day == 11),
		month == time.December && day == 25:
		return true
	}
	em, ed := easter(year)
	e := time.Date(year, em, ed, 12, 0, 0, 0, time.UTC)
	for _, offset := range []int{1, 39, 50} { // Easter Monday, Ascension, Whit Monday
		h := e.AddDate(0, 0, offset)
		if h.Month() == month && h.Day() == day {
			return true
		}
	}
	return false
}

// schoolHoliday approximates French school holidays with one set of dates
// for every zone and year: the real calendar differs by zone (A, B, C) and
// year by a week or two, which is enough for a demonstration profile.
func schoolHoliday(month time.Month, day int) bool {
	md := int(month)*100 + day
	switch {
	case md <= 103: // Christmas, end
		return true
	case md >= 210 && md <= 225: // winter
		return true
	case md >= 412 && md <= 427: // spring
		return true
	case md >= 705 && md <= 831: // summer
		return true
	case md >= 1019 && md <= 1103: // Toussaint (All Saints)
		return true
	case md >= 1220: // Christmas, start
		return true
	}
	return false
}
