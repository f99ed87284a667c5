package accfile

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"math"
	"strconv"
	"time"
)

// lineReader yields the lines of a file without their terminator (LF or
// CRLF), with a UTF-8 byte-order mark removed from the first line. Lines
// are slices into an internal buffer, valid until the next call.
type lineReader struct {
	r    *bufio.Reader
	file string
	line int
	long []byte // accumulates lines longer than the bufio buffer
	eof  bool
}

func newLineReader(file string, r io.Reader) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 256<<10), file: file}
}

// next returns the next line, or ok == false at the end of the file.
func (lr *lineReader) next() (line []byte, ok bool, err error) {
	if lr.eof {
		return nil, false, nil
	}
	b, err := lr.r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		lr.long = append(lr.long[:0], b...)
		for errors.Is(err, bufio.ErrBufferFull) {
			b, err = lr.r.ReadSlice('\n')
			lr.long = append(lr.long, b...)
		}
		b = lr.long
	}
	if err == io.EOF {
		lr.eof = true
		if len(b) == 0 {
			return nil, false, nil
		}
	} else if err != nil {
		return nil, false, &Error{File: lr.file, Line: lr.line + 1, Kind: KindRead, Err: err,
			Fr: "lecture impossible : " + err.Error(), En: "cannot read: " + err.Error()}
	}
	lr.line++
	b = bytes.TrimSuffix(b, []byte{'\n'})
	b = bytes.TrimSuffix(b, []byte{'\r'})
	if lr.line == 1 {
		b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	}
	return b, true, nil
}

// blank reports whether a line holds nothing but separators and spaces, as
// spreadsheets write for empty rows.
func blank(line []byte) bool {
	for _, c := range line {
		if c != ';' && c != ' ' && c != '\t' {
			return false
		}
	}
	return true
}

// splitFields splits a line on ';' into dst. Fields are trimmed of spaces
// and tabs; a field may be enclosed in double quotes, with "" for a quote
// inside. It returns the 1-based column of an unterminated quote, or 0.
func splitFields(line []byte, dst [][]byte) ([][]byte, int) {
	dst = dst[:0]
	if bytes.IndexByte(line, '"') < 0 {
		for {
			i := bytes.IndexByte(line, ';')
			if i < 0 {
				return append(dst, trimSpace(line)), 0
			}
			dst = append(dst, trimSpace(line[:i]))
			line = line[i+1:]
		}
	}
	for {
		f := trimLeft(line)
		if len(f) > 0 && f[0] == '"' {
			var val []byte
			i := 1
			closed := false
			for i < len(f) {
				if f[i] == '"' {
					if i+1 < len(f) && f[i+1] == '"' {
						val = append(val, '"')
						i += 2
						continue
					}
					closed = true
					i++
					break
				}
				val = append(val, f[i])
				i++
			}
			if !closed {
				return dst, len(dst) + 1
			}
			if val == nil {
				val = []byte{}
			}
			dst = append(dst, val)
			rest := trimLeft(f[i:])
			if len(rest) == 0 {
				return dst, 0
			}
			if rest[0] != ';' {
				// Text after the closing quote: keep it, as spreadsheets do.
				j := bytes.IndexByte(rest, ';')
				if j < 0 {
					dst[len(dst)-1] = append(val, trimSpace(rest)...)
					return dst, 0
				}
				dst[len(dst)-1] = append(val, trimSpace(rest[:j])...)
				rest = rest[j:]
			}
			line = rest[1:]
			continue
		}
		i := bytes.IndexByte(f, ';')
		if i < 0 {
			return append(dst, trimSpace(f)), 0
		}
		dst = append(dst, trimSpace(f[:i]))
		line = f[i+1:]
	}
}

func trimLeft(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	return b
}

func trimSpace(b []byte) []byte {
	b = trimLeft(b)
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// parseNumber parses a decimal number written with a point or a comma:
// an optional sign, digits with at most one separator (at least one digit in
// all), and an optional exponent. No thousands separators, no NaN or
// infinity. Most values take an exact fast path (at most 15 significant
// digits and a power of ten up to 22, where one float64 operation is
// correctly rounded); the others go through strconv.
func parseNumber(b []byte) (float64, bool) { return parseScaled(b, 0) }

// parseScaled parses like parseNumber and returns the number times
// 10^shift, rounded once (a percentage is parseScaled(b, -2)).
func parseScaled(b []byte, shift int) (float64, bool) {
	i := 0
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	var mant uint64
	digits, sig, frac := 0, 0, 0
	sep := false
	exact := true
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
			if sep {
				frac++
			}
			if mant == 0 && c == '0' {
				continue
			}
			sig++
			if sig > 15 {
				exact = false
				continue
			}
			mant = mant*10 + uint64(c-'0')
		case (c == '.' || c == ',') && !sep:
			sep = true
		default:
			goto exponent
		}
	}
exponent:
	if digits == 0 {
		return 0, false
	}
	mantissaEnd := i
	exp := 0
	if i < len(b) {
		if b[i] != 'e' && b[i] != 'E' {
			return 0, false
		}
		i++
		eneg := false
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			eneg = b[i] == '-'
			i++
		}
		if i == len(b) {
			return 0, false
		}
		for ; i < len(b); i++ {
			c := b[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			if exp < 10000 {
				exp = exp*10 + int(c-'0')
			}
		}
		if eneg {
			exp = -exp
		}
	}
	exp += shift
	if exact {
		e := exp - frac
		var v float64
		switch {
		case mant == 0:
			v = 0
		case e >= 0 && e < len(pow10):
			v = float64(mant) * pow10[e]
		case e < 0 && -e < len(pow10):
			v = float64(mant) / pow10[-e]
		default:
			exact = false
		}
		if exact {
			if neg && v != 0 {
				v = -v
			}
			return v, true
		}
	}
	s := make([]byte, 0, len(b)+8)
	for _, c := range b[:mantissaEnd] {
		if c == ',' {
			c = '.'
		}
		s = append(s, c)
	}
	s = append(s, 'e')
	s = strconv.AppendInt(s, int64(exp), 10)
	v, err := strconv.ParseFloat(string(s), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false
	}
	if math.IsInf(v, 0) {
		return 0, false
	}
	return v + 0, true // + 0 turns −0 into 0
}

// parseTimestamp parses an ISO 8601 date and time with an offset:
// YYYY-MM-DDTHH:MM[:SS[.fraction]] followed by Z or ±HH:MM (or ±HHMM, ±HH).
// A space may replace the T. It returns Unix nanoseconds.
func parseTimestamp(b []byte) (int64, bool) {
	num := func(b []byte) (int, bool) {
		n := 0
		for _, c := range b {
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, len(b) > 0
	}
	if len(b) < 17 || b[4] != '-' || b[7] != '-' || (b[10] != 'T' && b[10] != 't' && b[10] != ' ') || b[13] != ':' {
		return 0, false
	}
	y, ok1 := num(b[0:4])
	mo, ok2 := num(b[5:7])
	d, ok3 := num(b[8:10])
	h, ok4 := num(b[11:13])
	mi, ok5 := num(b[14:16])
	if !(ok1 && ok2 && ok3 && ok4 && ok5) {
		return 0, false
	}
	rest := b[16:]
	sec, nanos := 0, 0
	if len(rest) > 0 && rest[0] == ':' {
		if len(rest) < 3 {
			return 0, false
		}
		var ok bool
		if sec, ok = num(rest[1:3]); !ok {
			return 0, false
		}
		rest = rest[3:]
		if len(rest) > 0 && (rest[0] == '.' || rest[0] == ',') {
			j := 1
			scale := 100000000
			for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
				nanos += int(rest[j]-'0') * scale // digits beyond nanoseconds add 0
				scale /= 10
				j++
			}
			if j == 1 {
				return 0, false
			}
			rest = rest[j:]
		}
	}
	if mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h > 23 || mi > 59 || sec > 59 {
		return 0, false
	}
	var off int
	switch {
	case len(rest) == 1 && (rest[0] == 'Z' || rest[0] == 'z'):
	case len(rest) >= 3 && (rest[0] == '+' || rest[0] == '-'):
		oh, ok := num(rest[1:3])
		if !ok || oh > 23 {
			return 0, false
		}
		om := 0
		switch tail := rest[3:]; {
		case len(tail) == 0:
		case len(tail) == 3 && tail[0] == ':':
			om, ok = num(tail[1:])
		case len(tail) == 2:
			om, ok = num(tail)
		default:
			ok = false
		}
		if !ok || om > 59 {
			return 0, false
		}
		off = (oh*60 + om) * 60
		if rest[0] == '-' {
			off = -off
		}
	default:
		return 0, false
	}
	days := daysFromCivil(y, mo, d)
	s := days*86400 + int64(h*3600+mi*60+sec) - int64(off)
	return s*1e9 + int64(nanos), true
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil returns the days since 1970-01-01 of a proleptic Gregorian
// date (Howard Hinnant's algorithm).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

// horodateLayout is the grid operator's local timestamp.
const horodateLayout = "02/01/2006 15:04"

// parseHorodate parses a local "dd/mm/yyyy HH:MM" in loc. A wall time that
// occurs twice (the hour repeated when clocks go back) yields both instants,
// earliest first; a wall time that does not exist yields none.
func parseHorodate(b []byte, loc *time.Location) (first, second int64, n int) {
	t, err := time.ParseInLocation(horodateLayout, string(b), loc)
	if err != nil {
		return 0, 0, 0
	}
	wall := t.Format(horodateLayout)
	if wall != string(b) {
		return 0, 0, 0 // skipped by a clock change, or not in canonical form
	}
	// The same wall time one hour earlier or later is the other occurrence.
	for _, d := range []time.Duration{-time.Hour, time.Hour} {
		if u := t.Add(d); u.In(loc).Format(horodateLayout) == wall {
			a, c := t.UnixNano(), u.UnixNano()
			return min(a, c), max(a, c), 2
		}
	}
	return t.UnixNano(), 0, 1
}
