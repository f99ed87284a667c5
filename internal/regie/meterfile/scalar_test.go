package meterfile

import (
	"math/big"
	"math/rand/v2"
	"testing"
	"time"
)

func TestParseDateTime(t *testing.T) {
	tests := []struct {
		in      string
		ok      bool
		wantUTC string // for inputs with an offset
		hasTime bool
	}{
		{"2024-03-31T03:00:00+02:00", true, "2024-03-31T01:00:00Z", true},
		{"2024-03-31T03:00:00+0200", true, "2024-03-31T01:00:00Z", true},
		{"2024-03-31T03:00:00+02", true, "2024-03-31T01:00:00Z", true},
		{"2024-03-31 03:00:00+02:00", true, "2024-03-31T01:00:00Z", true},
		{"2024-03-31T01:00:00Z", true, "2024-03-31T01:00:00Z", true},
		{"2024-03-31T01:00Z", true, "2024-03-31T01:00:00Z", true},
		{"2024-03-31T01:00:00.000Z", true, "2024-03-31T01:00:00Z", true},
		{"2024-12-31T23:30:00-05:00", true, "2025-01-01T04:30:00Z", true},
		{"31/03/2024", true, "", false},
		{"2024-03-31", true, "", false},
		{"2024-02-30T00:00:00Z", false, "", false},
		{"2023-02-29", false, "", false},
		{"2024-02-29", true, "", false},
		{"2024-13-01T00:00:00Z", false, "", false},
		{"2024-03-31T25:00:00Z", false, "", false},
		{"2024-03-31T23:60:00Z", false, "", false},
		{"2024-03-31T03:00:00+2:00", false, "", false},
		{"2024-03-31T03:00:00+02:00x", false, "", false},
		{"2024-03-31X03:00:00Z", false, "", false},
		{"2024-3-31T03:00:00Z", false, "", false},
		{"", false, "", false},
		{"abcd-ef-ghT00:00:00Z", false, "", false},
	}
	for _, tt := range tests {
		c, ok := parseDateTime([]byte(tt.in))
		if ok != tt.ok {
			t.Errorf("%q: ok = %v", tt.in, ok)
			continue
		}
		if !ok {
			continue
		}
		if c.hasTime != tt.hasTime {
			t.Errorf("%q: hasTime = %v", tt.in, c.hasTime)
		}
		if tt.wantUTC != "" {
			if !c.hasOff {
				t.Errorf("%q: no offset read", tt.in)
			}
			if got := time.Unix(c.unix(), 0).UTC().Format(time.RFC3339); got != tt.wantUTC {
				t.Errorf("%q: %s, want %s", tt.in, got, tt.wantUTC)
			}
		}
	}
}

func TestParseDecimal(t *testing.T) {
	tests := []struct {
		in   string
		ok   bool
		mant int64
		exp  uint8
	}{
		{"0", true, 0, 0},
		{"1234", true, 1234, 0},
		{"0,512", true, 512, 3},
		{"0.512", true, 512, 3},
		{"-12.5", true, -125, 1},
		{"+7", true, 7, 0},
		{"1.", true, 1, 0},
		{".5", true, 5, 1},
		{"999999999999999999", true, 999999999999999999, 0},
		{"9999999999999999999", false, 0, 0},
		{"0.0000000001", false, 0, 0},
		{"1,2,3", false, 0, 0},
		{"1.2.3", false, 0, 0},
		{"1e3", false, 0, 0},
		{"", false, 0, 0},
		{"-", false, 0, 0},
		{",", false, 0, 0},
		{"12 345", false, 0, 0},
	}
	for _, tt := range tests {
		d, ok := parseDecimal([]byte(tt.in))
		if ok != tt.ok || (ok && (d.mant != tt.mant || d.exp != tt.exp)) {
			t.Errorf("%q: %+v %v, want %d e-%d %v", tt.in, d, ok, tt.mant, tt.exp, tt.ok)
		}
	}
}

// ratWh computes the expected Wh with big rationals, rounding half to even.
func ratWh(d decimal, u unit, stepSec int64) int64 {
	r := new(big.Rat).SetFrac(big.NewInt(d.mant), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(d.exp)), nil))
	switch u {
	case unitKW, unitKWh:
		r.Mul(r, big.NewRat(1000, 1))
	}
	if u.power() {
		r.Mul(r, big.NewRat(stepSec, 3600))
	}
	// Round half to even.
	num, den := r.Num(), r.Denom()
	q, m := new(big.Int).QuoRem(num, den, new(big.Int))
	twice := new(big.Int).Abs(new(big.Int).Mul(m, big.NewInt(2)))
	switch twice.Cmp(den) {
	case 1:
		q.Add(q, big.NewInt(int64(num.Sign())))
	case 0:
		if q.Bit(0) == 1 {
			q.Add(q, big.NewInt(int64(num.Sign())))
		}
	}
	return q.Int64()
}

func TestToWhMatchesRationals(t *testing.T) {
	units := []unit{unitW, unitKW, unitWh, unitKWh}
	steps := []int64{60, 300, 600, 900, 1800, 3600}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200000; i++ {
		d := decimal{mant: rng.Int64N(2_000_000_000) - 1_000_000_000, exp: uint8(rng.IntN(7))}
		u := units[rng.IntN(len(units))]
		s := steps[rng.IntN(len(steps))]
		got, ok := toWh(d, u, s)
		if !ok {
			t.Fatalf("toWh(%+v, %v, %d) overflowed", d, u, s)
		}
		if want := ratWh(d, u, s); got != want {
			t.Fatalf("toWh(%+v, %v, %d) = %d, want %d", d, u, s, got, want)
		}
	}
	// Ties go to even, in both directions.
	for _, tt := range []struct {
		w    int64
		want int64
	}{{101, 50}, {103, 52}, {-101, -50}, {-103, -52}, {1, 0}, {3, 2}} {
		if got, _ := toWh(decimal{mant: tt.w}, unitW, 1800); got != tt.want {
			t.Errorf("%d W over 30 min = %d Wh, want %d", tt.w, got, tt.want)
		}
	}
	if _, ok := toWh(decimal{mant: 999999999999999999}, unitKW, 3600); ok {
		t.Error("overflow not reported")
	}
}

func TestParseISODuration(t *testing.T) {
	tests := []struct {
		in   string
		sec  int64
		ok   bool
		step bool
	}{
		{"PT30M", 1800, true, true},
		{"PT10M", 600, true, true},
		{"PT1H", 3600, true, true},
		{"PT60M", 3600, true, true},
		{"PT15M", 900, true, true},
		{"P1D", 86400, true, false},
		{"PT1H30M", 5400, true, false},
		{"PT7M", 420, true, false},
		{"PT", 0, false, false},
		{"P", 0, false, false},
		{"30", 0, false, false},
		{"PT30X", 0, false, false},
		{"PT9999999M", 0, false, false},
	}
	for _, tt := range tests {
		sec, ok := parseISODuration([]byte(tt.in))
		if ok != tt.ok || (ok && sec != tt.sec) {
			t.Errorf("%q = %d %v, want %d %v", tt.in, sec, ok, tt.sec, tt.ok)
		}
		if ok && validStep(sec) != tt.step {
			t.Errorf("%q: validStep = %v", tt.in, validStep(sec))
		}
	}
}

func TestFoldAndFields(t *testing.T) {
	folds := []struct{ in, want string }{
		{"Type de données", "type de donnees"},
		{"Type de donn\xe9es", "type de donnees"}, // Latin-1
		{"  Unité ", "unite"},
		{"UNIT\xc9", "unite"},
		{"Pas  en\tminutes", "pas en minutes"},
		{"energy_kwh", "energy kwh"},
	}
	for _, tt := range folds {
		if got := fold([]byte(tt.in)); got != tt.want {
			t.Errorf("fold(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	fields := []struct {
		in   string
		sep  byte
		want []string
		ok   bool
	}{
		{"a;b;c", ';', []string{"a", "b", "c"}, true},
		{" a ; b ;", ';', []string{"a", "b", ""}, true},
		{`2024-01-01T00:00:00Z,"0,25"`, ',', []string{"2024-01-01T00:00:00Z", "0,25"}, true},
		{`"say ""hi""";x`, ';', []string{`say "hi"`, "x"}, true},
		{`"open;x`, ';', nil, false},
		{`"a"b;c`, ';', nil, false},
		{"a\tb", '\t', []string{"a", "b"}, true},
	}
	for _, tt := range fields {
		got, ok := splitFields([]byte(tt.in), tt.sep, nil)
		if ok != tt.ok {
			t.Errorf("splitFields(%q) ok = %v", tt.in, ok)
			continue
		}
		if !ok {
			continue
		}
		if len(got) != len(tt.want) {
			t.Errorf("splitFields(%q) = %q, want %q", tt.in, got, tt.want)
			continue
		}
		for i := range got {
			if string(got[i]) != tt.want[i] {
				t.Errorf("splitFields(%q)[%d] = %q, want %q", tt.in, i, got[i], tt.want[i])
			}
		}
	}
}

func TestValidPRM(t *testing.T) {
	tests := []struct {
		in     string
		ok     bool
		norm   string
		normOK bool
	}{
		{"30001234567890", true, "30001234567890", true},
		{"3000123456789", false, "", false},
		{"300012345678901", false, "", false},
		{"3000123456789a", false, "", false},
		{"", false, "", false},
		{"3000 1234 5678 90", false, "30001234567890", true},
		{"３0001234567890", false, "", false}, // full-width digit
	}
	for _, tt := range tests {
		err := ValidPRM(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("ValidPRM(%q) = %v", tt.in, err)
		}
		if err != nil && err.Error() == "" {
			t.Errorf("ValidPRM(%q): empty message", tt.in)
		}
		n, err := NormalizePRM(tt.in)
		if (err == nil) != tt.normOK || n != tt.norm {
			t.Errorf("NormalizePRM(%q) = %q, %v", tt.in, n, err)
		}
	}
}
