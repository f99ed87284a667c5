package accfile

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/energy"
)

func TestParseNumber(t *testing.T) {
	valid := []struct {
		in   string
		want string // as strconv would read it, decimal point
	}{
		{"0", "0"}, {"12", "12"}, {"0.125", "0.125"}, {"0,125", "0.125"}, {".5", "0.5"}, {",5", "0.5"},
		{"5.", "5"}, {"+3", "3"}, {"-0", "0"}, {"-2,5", "-2.5"}, {"1e3", "1e3"}, {"1,5E-2", "1.5e-2"},
		{"0.1", "0.1"}, {"123456789012345678901234", "123456789012345678901234"},
		{"0.00000000000000000000000001", "1e-26"}, {"3.14159265358979323846", "3.14159265358979323846"},
		{"000123.4500", "123.45"}, {"1e-400", "0"},
	}
	for _, tt := range valid {
		got, ok := parseNumber([]byte(tt.in))
		want, _ := strconv.ParseFloat(tt.want, 64)
		if !ok || got != want || want == 0 && math.Signbit(got) {
			t.Errorf("parseNumber(%q) = %v, %v; want %v", tt.in, got, ok, want)
		}
	}
	for _, in := range []string{"", "-", ".", ",", "1.2.3", "1,2,3", "1.2,3", "1 000", "1_000", "0x10", "NaN", "inf", "Infinity",
		"1e", "1e+", "e5", "1e5.5", "12a", "1e400", "--1", "%"} {
		if v, ok := parseNumber([]byte(in)); ok {
			t.Errorf("parseNumber(%q) = %v, accepted", in, v)
		}
	}
}

// TestParseNumberAgreesWithStrconv checks the fast path against strconv on
// the kinds of numbers meters and spreadsheets write.
func TestParseNumberAgreesWithStrconv(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for range 200000 {
		var s string
		switch r.IntN(4) {
		case 0:
			s = strconv.FormatFloat(r.Float64()*math.Pow(10, float64(r.IntN(12)-4)), 'f', r.IntN(12), 64)
		case 1:
			s = strconv.FormatFloat(r.NormFloat64()*1e3, 'g', -1, 64)
		case 2:
			s = strconv.FormatFloat(r.ExpFloat64(), 'e', r.IntN(17), 64)
		default:
			s = strconv.Itoa(r.IntN(1e9)) + "." + strconv.Itoa(r.IntN(1e9))
		}
		want, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := parseNumber([]byte(strings.Replace(s, ".", ",", 1)))
		if !ok || got != want+0 {
			t.Fatalf("parseNumber(%q) = %v, %v; strconv says %v", s, got, ok, want)
		}
	}
}

func TestParseTimestamp(t *testing.T) {
	valid := []string{
		"2025-01-01T00:00:00+01:00", "2025-07-01T12:15:00+02:00", "2025-07-01T10:15:00Z", "2025-07-01 10:15:00z",
		"2024-02-29T23:45:00-03:30", "2025-01-01T00:00+01:00", "2025-01-01T00:00:00.250+0100", "2025-01-01T00:00:00,5+01",
		"1999-12-31T23:59:59.999999999Z",
	}
	for _, s := range valid {
		got, ok := parseTimestamp([]byte(s))
		// time.Parse does not take every variant: normalise for it.
		norm := strings.Replace(strings.Replace(s, " ", "T", 1), "z", "Z", 1)
		norm = strings.Replace(norm, ",5", ".5", 1)
		if strings.HasSuffix(norm, "+0100") {
			norm = strings.TrimSuffix(norm, "+0100") + "+01:00"
		}
		if strings.HasSuffix(norm, "+01") {
			norm = norm + ":00"
		}
		if strings.Count(norm[:16], ":") == 1 && (len(norm) < 17 || norm[16] != ':') {
			norm = norm[:16] + ":00" + norm[16:]
		}
		want, err := time.Parse(time.RFC3339Nano, norm)
		if err != nil {
			t.Fatalf("%s (%s): %v", s, norm, err)
		}
		if !ok || got != want.UnixNano() {
			t.Errorf("parseTimestamp(%q) = %v, %v; want %v", s, time.Unix(0, got).UTC(), ok, want.UTC())
		}
	}
	for _, s := range []string{
		"", "2025-01-01", "2025-01-01T00:00:00", "2025-01-01T00:00:00+1:00", "2025-13-01T00:00:00Z", "2025-02-29T00:00:00Z",
		"2025-01-01T24:00:00Z", "2025-01-01T00:60:00Z", "2025-01-01T00:00:61Z", "2025/01/01T00:00:00Z", "2025-01-01T00:00:00+01:00x",
		"01/01/2025 00:00", "2025-01-01T00:00:00.Z", "2025-01-01T00:00:00+24:00", "2025-01-01T00:00:00+01:60", "２０２５-01-01T00:00:00Z",
	} {
		if v, ok := parseTimestamp([]byte(s)); ok {
			t.Errorf("parseTimestamp(%q) = %v, accepted", s, time.Unix(0, v).UTC())
		}
	}
}

func TestParseHorodateAcrossClockChanges(t *testing.T) {
	loc := energy.Paris()
	// 27 October 2024: 02:00–02:59 happens twice.
	a, b, n := parseHorodate([]byte("27/10/2024 02:15"), loc)
	if n != 2 || b-a != int64(time.Hour) || time.Unix(0, a).UTC().Format("15:04") != "00:15" {
		t.Errorf("repeated hour: %d instants %v %v", n, time.Unix(0, a).UTC(), time.Unix(0, b).UTC())
	}
	// 31 March 2024: 02:00–02:59 does not exist.
	if _, _, n := parseHorodate([]byte("31/03/2024 02:30"), loc); n != 0 {
		t.Errorf("a skipped hour parsed to %d instants", n)
	}
	if a, _, n := parseHorodate([]byte("15/06/2024 12:00"), loc); n != 1 || time.Unix(0, a).UTC().Hour() != 10 {
		t.Errorf("summer noon: %v", time.Unix(0, a).UTC())
	}
	for _, s := range []string{"1/06/2024 12:00", "15/06/2024 12:00:00", "2024-06-15 12:00", "32/01/2024 00:00"} {
		if _, _, n := parseHorodate([]byte(s), loc); n != 0 {
			t.Errorf("parseHorodate(%q) accepted", s)
		}
	}
}

func TestSplitFields(t *testing.T) {
	tests := []struct {
		in    string
		want  []string
		quote int
	}{
		{"a;b;c", []string{"a", "b", "c"}, 0},
		{" a ;\tb;", []string{"a", "b", ""}, 0},
		{`"a;b";"say ""hi""";c`, []string{"a;b", `say "hi"`, "c"}, 0},
		{` "x" ; y`, []string{"x", "y"}, 0},
		{`"";x`, []string{"", "x"}, 0},
		{`"ab"cd;e`, []string{"abcd", "e"}, 0},
		{`a;"open`, nil, 2},
		{"", []string{""}, 0},
	}
	for _, tt := range tests {
		got, q := splitFields([]byte(tt.in), nil)
		if q != tt.quote {
			t.Errorf("splitFields(%q): unterminated quote at %d, want %d", tt.in, q, tt.quote)
			continue
		}
		if q != 0 {
			continue
		}
		var s []string
		for _, f := range got {
			s = append(s, string(f))
		}
		if strings.Join(s, "|") != strings.Join(tt.want, "|") || len(s) != len(tt.want) {
			t.Errorf("splitFields(%q) = %q, want %q", tt.in, s, tt.want)
		}
	}
}

func TestLineReader(t *testing.T) {
	long := strings.Repeat("x", 700<<10)
	in := "\xef\xbb\xbfa;b\r\nc\n" + long + "\r\n\nlast"
	lr := newLineReader("f", strings.NewReader(in))
	var got []string
	for {
		line, ok, err := lr.next()
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		got = append(got, string(line))
	}
	want := []string{"a;b", "c", long, "", "last"}
	if len(got) != len(want) {
		t.Fatalf("%d lines, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d: %.20q…, want %.20q…", i+1, got[i], want[i])
		}
	}
	if lr.line != 5 {
		t.Errorf("line count %d", lr.line)
	}
}
