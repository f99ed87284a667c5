package meterfile

import (
	"math"
	"math/bits"
)

// civil is a date and time as written in a file.
type civil struct {
	y, m, d, hh, mm, ss int
	hasTime             bool
	hasOff              bool  // an offset or Z was written
	off                 int64 // seconds east of UTC
	frac                bool  // a non-zero fraction of second was written
}

func digits(b []byte, n int) (int, bool) {
	if len(b) < n {
		return 0, false
	}
	v := 0
	for i := 0; i < n; i++ {
		c := b[i] - '0'
		if c > 9 {
			return 0, false
		}
		v = v*10 + int(c)
	}
	return v, true
}

// parseDate reads YYYY-MM-DD or DD/MM/YYYY at the start of b and returns how many bytes it used.
func parseDate(b []byte, c *civil) (int, bool) {
	var ok1, ok2, ok3 bool
	switch {
	case len(b) >= 10 && b[4] == '-' && b[7] == '-':
		c.y, ok1 = digits(b, 4)
		c.m, ok2 = digits(b[5:], 2)
		c.d, ok3 = digits(b[8:], 2)
	case len(b) >= 10 && b[2] == '/' && b[5] == '/':
		c.d, ok1 = digits(b, 2)
		c.m, ok2 = digits(b[3:], 2)
		c.y, ok3 = digits(b[6:], 4)
	default:
		return 0, false
	}
	if !ok1 || !ok2 || !ok3 || c.m < 1 || c.m > 12 || c.d < 1 || c.d > daysIn(c.y, c.m) {
		return 0, false
	}
	return 10, true
}

// parseClock reads hh:mm[:ss[.fff]] and returns how many bytes it used. 24:00 is accepted
// here; callers that do not want it refuse hh == 24.
func parseClock(b []byte, c *civil) (int, bool) {
	var ok bool
	if len(b) < 5 || b[2] != ':' {
		return 0, false
	}
	if c.hh, ok = digits(b, 2); !ok {
		return 0, false
	}
	if c.mm, ok = digits(b[3:], 2); !ok {
		return 0, false
	}
	i := 5
	if i < len(b) && b[i] == ':' {
		if c.ss, ok = digits(b[i+1:], 2); !ok {
			return 0, false
		}
		i += 3
		if i < len(b) && (b[i] == '.' || b[i] == ',') {
			i++
			start := i
			for i < len(b) && b[i] >= '0' && b[i] <= '9' {
				if b[i] != '0' {
					c.frac = true
				}
				i++
			}
			if i == start {
				return 0, false
			}
		}
	}
	if c.mm > 59 || c.ss > 59 || c.hh > 24 || (c.hh == 24 && (c.mm != 0 || c.ss != 0 || c.frac)) {
		return 0, false
	}
	c.hasTime = true
	return i, true
}

// parseDateTime reads a date, optionally followed by 'T' or a space, a time
// and an offset (Z, ±hh:mm, ±hhmm or ±hh).
func parseDateTime(b []byte) (c civil, ok bool) {
	i, ok := parseDate(b, &c)
	if !ok {
		return c, false
	}
	if i == len(b) {
		return c, true
	}
	if b[i] != 'T' && b[i] != ' ' {
		return c, false
	}
	i++
	n, ok := parseClock(b[i:], &c)
	if !ok {
		return c, false
	}
	i += n
	if i == len(b) {
		return c, true
	}
	switch b[i] {
	case 'Z', 'z':
		if i+1 != len(b) {
			return c, false
		}
		c.hasOff = true
		return c, true
	case '+', '-':
		rest := b[i+1:]
		oh, ok := digits(rest, 2)
		if !ok {
			return c, false
		}
		om := 0
		switch {
		case len(rest) == 2:
		case len(rest) == 5 && rest[2] == ':':
			om, ok = digits(rest[3:], 2)
		case len(rest) == 4:
			om, ok = digits(rest[2:], 2)
		default:
			ok = false
		}
		if !ok || oh > 14 || om > 59 {
			return c, false
		}
		c.off = int64(oh*3600 + om*60)
		if b[i] == '-' {
			c.off = -c.off
		}
		c.hasOff = true
		return c, true
	}
	return c, false
}

func (c *civil) yearOK() bool { return c.y >= minYear && c.y <= maxYear }

// unix returns the instant of a civil time that carries an offset.
func (c *civil) unix() int64 {
	return daysFromCivil(c.y, c.m, c.d)*secondsPerDay + int64(c.hh*3600+c.mm*60+c.ss) - c.off
}

// decimal is an exact decimal number: mant / 10^exp.
type decimal struct {
	mant int64
	exp  uint8
}

// parseDecimal reads [+-]digits[(.|,)digits]. At most 18 significant digits
// and 9 decimals are accepted, which keeps every later product exact.
func parseDecimal(b []byte) (decimal, bool) {
	var d decimal
	if len(b) == 0 {
		return d, false
	}
	neg := false
	switch b[0] {
	case '-':
		neg = true
		b = b[1:]
	case '+':
		b = b[1:]
	}
	var m uint64
	nd, sig := 0, 0
	point := false
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			nd++
			if m != 0 || c != '0' {
				sig++
			}
			if sig > 18 {
				return d, false
			}
			m = m*10 + uint64(c-'0')
			if point {
				d.exp++
				if d.exp > 9 {
					return d, false
				}
			}
		case (c == '.' || c == ',') && !point:
			point = true
		default:
			return d, false
		}
	}
	if nd == 0 {
		return d, false
	}
	d.mant = int64(m)
	if neg {
		d.mant = -d.mant
	}
	return d, true
}

var pow10 = [...]uint64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9}

// unit is the physical unit of the values of a file.
type unit uint8

const (
	unitNone unit = iota
	unitW
	unitKW
	unitWh
	unitKWh
)

func (u unit) power() bool { return u == unitW || u == unitKW }

func (u unit) String() string {
	return [...]string{"", "W", "kW", "Wh", "kWh"}[u]
}

// parseUnit reads a folded unit name.
func parseUnit(s string) (unit, bool) {
	switch s {
	case "w", "watt", "watts":
		return unitW, true
	case "kw":
		return unitKW, true
	case "wh":
		return unitWh, true
	case "kwh":
		return unitKWh, true
	}
	return unitNone, false
}

// toWh converts a value into Wh over an interval of stepSec seconds:
// power (W, kW) is multiplied by the step, energy (Wh, kWh) is taken as is.
// The exact rational result is rounded half to even, so a 30-min average of
// 101 W gives 50 Wh and 103 W gives 52 Wh: at most 0.5 Wh off per interval and
// no bias on sums. ok is false when the result does not fit in an int64.
func toWh(d decimal, u unit, stepSec int64) (int64, bool) {
	mul := uint64(1)
	den := pow10[d.exp]
	if u == unitKW || u == unitKWh {
		mul = 1000
	}
	if u.power() {
		mul *= uint64(stepSec)
		den *= 3600
	}
	neg := d.mant < 0
	a := uint64(d.mant)
	if neg {
		a = uint64(-d.mant)
	}
	hi, lo := bits.Mul64(a, mul)
	if hi >= den {
		return 0, false
	}
	q, r := bits.Div64(hi, lo, den)
	if 2*r > den || (2*r == den && q&1 == 1) {
		q++
	}
	if q > math.MaxInt64 {
		return 0, false
	}
	if neg {
		return -int64(q), true
	}
	return int64(q), true
}

// parseISODuration reads the step of an SGE row (PT30M, PT1H, PT10M, PT1H30M…) in seconds.
func parseISODuration(b []byte) (int64, bool) {
	if len(b) < 3 || (b[0] != 'P' && b[0] != 'p') {
		return 0, false
	}
	b = b[1:]
	var total int64
	timePart := false
	seen := false
	for len(b) > 0 {
		if b[0] == 'T' || b[0] == 't' {
			if timePart {
				return 0, false
			}
			timePart = true
			b = b[1:]
			continue
		}
		var n int64
		nd := 0
		for len(b) > 0 && b[0] >= '0' && b[0] <= '9' {
			n = n*10 + int64(b[0]-'0')
			nd++
			if nd > 6 {
				return 0, false
			}
			b = b[1:]
		}
		if nd == 0 || len(b) == 0 {
			return 0, false
		}
		switch {
		case !timePart && (b[0] == 'D' || b[0] == 'd'):
			total += n * secondsPerDay
		case timePart && (b[0] == 'H' || b[0] == 'h'):
			total += n * 3600
		case timePart && (b[0] == 'M' || b[0] == 'm'):
			total += n * 60
		case timePart && (b[0] == 'S' || b[0] == 's'):
			total += n
		default:
			return 0, false
		}
		seen = true
		b = b[1:]
	}
	return total, seen
}

// validStep reports whether a load-curve step (seconds) is supported: a whole
// number of minutes dividing one hour, so that steps stay aligned on the hour in
// every French offset.
func validStep(sec int64) bool {
	return sec >= 60 && sec <= 3600 && sec%60 == 0 && 3600%sec == 0
}

// inferable steps: the spacings that may be taken as a step when a file does not state it.
func inferableStep(sec int64) bool {
	switch sec {
	case 60, 300, 600, 900, 1800, 3600:
		return true
	}
	return false
}
