package meterfile

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
)

type writerFunc func(w io.Writer, prm string, start time.Time, step time.Duration, watts []int64) error

var powerWriters = []struct {
	name   string
	format Format
	write  writerFunc
	order  bool // rows may be shuffled without changing the result
}{
	{"customer", FormatCustomerCurve, WriteCustomerExport, true},
	{"measures", FormatCustomerMeasures, WriteCustomerMeasures, false},
	{"mean-power", FormatCustomerMeanPower, WriteCustomerMeanPower, true},
	{"sge", FormatSGE, WriteSGE, true},
}

// expected builds the normalised segment a list of watts must give, with rationals.
func expected(start time.Time, step time.Duration, watts []int64) (first int, wh []int64, present []bool) {
	lo, hi := -1, -1
	for i, w := range watts {
		if w != Missing {
			if lo < 0 {
				lo = i
			}
			hi = i
		}
	}
	if lo < 0 {
		return -1, nil, nil
	}
	for i := lo; i <= hi; i++ {
		if watts[i] == Missing {
			wh = append(wh, 0)
			present = append(present, false)
			continue
		}
		wh = append(wh, ratWh(decimal{mant: watts[i]}, unitW, int64(step/time.Second)))
		present = append(present, true)
	}
	return lo, wh, present
}

// randomCurve draws a curve of a few days, often around a DST change.
func randomCurve(rng *rand.Rand) (time.Time, time.Duration, []int64) {
	steps := []time.Duration{10 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour}
	step := steps[rng.IntN(len(steps))]
	days := []time.Time{
		ParisMidnight(2024, 3, 30), ParisMidnight(2024, 10, 26), ParisMidnight(2023, 3, 25),
		ParisMidnight(2025, 10, 25), ParisMidnight(2025, 1, 1), ParisMidnight(2024, 7, 14),
	}
	start := days[rng.IntN(len(days))].Add(time.Duration(rng.IntN(48)) * step)
	n := 1 + rng.IntN(int(72*time.Hour/step))
	watts := make([]int64, n)
	gapRate := []float64{0, 0.02, 0.3}[rng.IntN(3)]
	for i := range watts {
		if rng.Float64() < gapRate {
			watts[i] = Missing
		} else {
			watts[i] = rng.Int64N(12000)
		}
	}
	return start, step, watts
}

// allInRepeatedHour reports whether every interval of a curve ends inside the
// repeated autumn hour (local times 02:00–02:59 that occur twice).
func allInRepeatedHour(start time.Time, step time.Duration, n int) bool {
	for i := 1; i <= n; i++ {
		e := start.Add(time.Duration(i) * step).Unix()
		l := e + parisOffsetUnix(e)
		y, m, d := civilFromDays(floorDiv(l, secondsPerDay))
		s := floorMod(l, secondsPerDay)
		if _, k := localToUnix(y, m, d, int(s/3600), int(s/60%60), 0); k != 2 {
			return false
		}
	}
	return true
}

func shuffleRows(rng *rand.Rand, data []byte, headerLines int) []byte {
	lines := strings.SplitAfter(string(data), "\n")
	body := lines[headerLines:]
	rng.Shuffle(len(body), func(i, j int) { body[i], body[j] = body[j], body[i] })
	for i, l := range body {
		if !strings.HasSuffix(l, "\n") {
			body[i] = l + "\n"
		}
	}
	return []byte(strings.Join(lines, ""))
}

func headerLines(f Format) int {
	switch f {
	case FormatCustomerCurve:
		return 4
	case FormatCustomerMeanPower:
		return 2
	}
	return 1
}

func TestRoundTripPowerFormats(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for _, wr := range powerWriters {
		t.Run(wr.name, func(t *testing.T) {
			for iter := 0; iter < 300; iter++ {
				start, step, watts := randomCurve(rng)
				var buf bytes.Buffer
				if err := wr.write(&buf, "30001234567890", start, step, watts); err != nil {
					t.Fatal(err)
				}
				data := buf.Bytes()
				variants := map[string][]byte{"as written": data}
				variants["BOM and CRLF"] = append([]byte("\ufeff"), bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n"))...)
				if wr.order {
					variants["shuffled"] = shuffleRows(rng, data, headerLines(wr.format))
				}
				first, wh, present := expected(start, step, watts)
				if len(watts) == 1 && wr.format == FormatCustomerMeanPower {
					// One row and no stated step: the step cannot be known.
					if _, err := ParseBytes(data, Options{}); err == nil {
						t.Fatal("single row without step accepted")
					}
					continue
				}
				if wr.format == FormatCustomerMeasures && allInRepeatedHour(start, step, len(watts)) {
					continue // local times alone cannot tell which of the two hours is meant
				}
				for vname, v := range variants {
					c, err := ParseBytes(v, Options{})
					if err != nil {
						if first < 0 {
							continue // a file of empty rows and no stated step may be refused
						}
						t.Fatalf("%s, %s, step %v, start %v: %v", wr.name, vname, step, start, err)
					}
					ctx := fmt.Sprintf("%s %s step %v start %v n %d", wr.name, vname, step, start, len(watts))
					if c.Format != wr.format || c.PRM != "30001234567890" || c.Kind != KindLoadCurve {
						t.Fatalf("%s: format %q PRM %q kind %q", ctx, c.Format, c.PRM, c.Kind)
					}
					if first < 0 {
						if len(c.Segments) != 0 || c.Stats.Points != 0 {
							t.Fatalf("%s: curve of empty rows has %d segments", ctx, len(c.Segments))
						}
						continue
					}
					if len(c.Segments) != 1 {
						t.Fatalf("%s: %d segments", ctx, len(c.Segments))
					}
					s := c.Segments[0]
					if s.Step != step || !s.Start.Equal(start.Add(time.Duration(first)*step)) || s.Start.Location() != time.UTC {
						t.Fatalf("%s: segment step %v start %v", ctx, s.Step, s.Start)
					}
					if s.Len() != len(wh) {
						t.Fatalf("%s: %d intervals, want %d", ctx, s.Len(), len(wh))
					}
					points, gaps := 0, 0
					for i := range wh {
						if s.Present[i] != present[i] || s.Values[i] != wh[i] {
							t.Fatalf("%s: interval %d = %d %v, want %d %v", ctx, i, s.Values[i], s.Present[i], wh[i], present[i])
						}
						if present[i] {
							points++
						} else {
							gaps++
						}
					}
					if c.Stats.Points != points || c.Stats.Gaps != gaps || c.Stats.Rows != len(watts) {
						t.Fatalf("%s: stats %+v, want %d points %d gaps %d rows", ctx, c.Stats, points, gaps, len(watts))
					}
				}
			}
		})
	}
}

func TestRoundTripPlainAndDaily(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	for iter := 0; iter < 300; iter++ {
		start, step, vals := randomCurve(rng)
		var buf bytes.Buffer
		if err := WritePlain(&buf, start, step, vals); err != nil {
			t.Fatal(err)
		}
		c, err := ParseBytes(buf.Bytes(), Options{PRM: "30001234567890"})
		first, _, _ := expected(start, step, vals)
		if first < 0 || len(vals) == 1 {
			continue // nothing to compare, or one row whose step cannot be known
		}
		if err != nil {
			t.Fatal(err)
		}
		s := c.Segments[0]
		if c.PRM != "30001234567890" || s.Step != step || !s.Start.Equal(start.Add(time.Duration(first)*step)) {
			t.Fatalf("plain: PRM %q step %v start %v", c.PRM, s.Step, s.Start)
		}
		for i := 0; i < s.Len(); i++ {
			w := vals[first+i]
			if (w != Missing) != s.Present[i] || (w != Missing && w != s.Values[i]) {
				t.Fatalf("plain: interval %d = %d, want %d", i, s.Values[i], w)
			}
		}

		// Daily energy over the same number of days.
		day0 := time.Date(2023+rng.IntN(3), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC)
		days := vals[:min(len(vals), 400)]
		buf.Reset()
		if err := WriteDailyEnergy(&buf, "30001234567890", day0, days); err != nil {
			t.Fatal(err)
		}
		first, _, _ = expected(start, step, days)
		c, err = ParseBytes(buf.Bytes(), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if c.Format != FormatCustomerDaily || c.Kind != KindDailyEnergy {
			t.Fatalf("daily: format %q kind %q", c.Format, c.Kind)
		}
		if first < 0 {
			continue
		}
		s = c.Segments[0]
		want := ParisMidnight(day0.Year(), day0.Month(), day0.Day()+first)
		if !s.Start.Equal(want) || !s.Daily() {
			t.Fatalf("daily: start %v, want %v", s.Start, want)
		}
		for i := 0; i < s.Len(); i++ {
			w := days[first+i]
			if (w != Missing) != s.Present[i] || (w != Missing && w != s.Values[i]) {
				t.Fatalf("daily: day %d = %d, want %d", i, s.Values[i], w)
			}
			wantAt := ParisMidnight(day0.Year(), day0.Month(), day0.Day()+first+i)
			if !s.At(i).Equal(wantAt) {
				t.Fatalf("daily: At(%d) = %v, want %v", i, s.At(i), wantAt)
			}
		}
	}
}

func TestParseBehaviours(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		opts  Options
		check func(t *testing.T, c *Curve)
	}{
		{"rows of empty values only", custHead + "2024-01-01T00:30:00+01:00;\n2024-01-01T01:00:00+01:00;\n", Options{},
			func(t *testing.T, c *Curve) {
				if len(c.Segments) != 0 || c.Stats.Rows != 2 || c.Stats.EmptyValues != 2 || !c.Stats.From.IsZero() {
					t.Errorf("%+v", c.Stats)
				}
			}},
		{"empty duplicate of a value keeps the value", custHead + "2024-01-01T00:30:00+01:00;100\n2024-01-01T00:30:00+01:00;\n", Options{},
			func(t *testing.T, c *Curve) {
				if c.Stats.Points != 1 || c.Segments[0].Values[0] != 50 {
					t.Errorf("%+v %v", c.Stats, c.Segments)
				}
			}},
		{"kW with decimal comma", strings.Replace(custHead, ";W;30", ";kW;30", 1) + "2024-01-01T00:30:00+01:00;0,513\n", Options{},
			func(t *testing.T, c *Curve) {
				if v := c.Segments[0].Values[0]; v != 256 { // 513 W over 30 min = 256.5 Wh, tie to even
					t.Errorf("got %d Wh", v)
				}
			}},
		{"energy unit in a load curve", strings.Replace(custHead, ";W;30", ";Wh;30", 1) + "2024-01-01T00:30:00+01:00;321\n", Options{},
			func(t *testing.T, c *Curve) {
				if v := c.Segments[0].Values[0]; v != 321 {
					t.Errorf("got %d Wh", v)
				}
			}},
		{"negative values allowed", "timestamp;kwh\n2024-01-01T00:00:00Z;-0,5\n2024-01-01T00:30:00Z;0,25\n", Options{AllowNegative: true},
			func(t *testing.T, c *Curve) {
				if s := c.Segments[0]; s.Values[0] != -500 || s.Values[1] != 250 || c.Stats.TotalWh != -250 {
					t.Errorf("%v", s.Values)
				}
			}},
		{"plain Wh column", "Timestamp;Wh\n2024-01-01T00:00:00Z;12\n2024-01-01T00:30:00Z;13\n", Options{},
			func(t *testing.T, c *Curve) {
				if s := c.Segments[0]; s.Values[0] != 12 || s.Step != 30*time.Minute {
					t.Errorf("%v %v", s.Values, s.Step)
				}
			}},
		{"tab separator", "timestamp\tkwh\n2024-01-01T00:00:00Z\t1.5\n2024-01-01T01:00:00Z\t2\n", Options{},
			func(t *testing.T, c *Curve) {
				if s := c.Segments[0]; s.Values[0] != 1500 || s.Step != time.Hour {
					t.Errorf("%v %v", s.Values, s.Step)
				}
			}},
		{"CR line ends", strings.ReplaceAll(custHead+"2024-01-01T00:30:00+01:00;100\n", "\n", "\r"), Options{},
			func(t *testing.T, c *Curve) {
				if c.Stats.Points != 1 {
					t.Errorf("%+v", c.Stats)
				}
			}},
		{"production rows chosen", sgeHead + sgeRow("30001234567890", "CONS", "W", "2024-01-01T00:00:00+01:00", "100", "PT30M") +
			sgeRow("30001234567890", "PROD", "W", "2024-01-01T00:00:00+01:00", "300", "PT30M") +
			sgeRow("30001234567890", "PROD", "kW", "2024-01-01T00:30:00+01:00", "0,5", "PT30M"), Options{Flow: FlowProduction},
			func(t *testing.T, c *Curve) {
				s := c.Segments[0]
				if c.Flow != FlowProduction || c.Stats.Skipped != 1 || s.Values[0] != 150 || s.Values[1] != 250 {
					t.Errorf("flow %q stats %+v values %v", c.Flow, c.Stats, s.Values)
				}
			}},
		{"SGE step change gives two segments", sgeHead + sgeRow("30001234567890", "CONS", "W", "2024-01-01T00:00:00+01:00", "600", "PT60M") +
			sgeRow("30001234567890", "CONS", "W", "2024-01-01T01:00:00+01:00", "600", "PT30M") +
			sgeRow("30001234567890", "CONS", "W", "2024-01-01T01:30:00+01:00", "600", "PT30M"), Options{},
			func(t *testing.T, c *Curve) {
				if len(c.Segments) != 2 || c.Segments[0].Step != time.Hour || c.Segments[1].Step != 30*time.Minute ||
					c.Segments[0].Values[0] != 600 || c.Segments[1].Values[1] != 300 || c.Stats.Steps != 2 {
					t.Errorf("%+v", c.Segments)
				}
			}},
		{"bare Horodate;Valeur daily", "Horodate;Valeur\n2024-01-01T00:00:00+01:00;9000\n2024-01-02T00:00:00+01:00;9100\n", Options{},
			func(t *testing.T, c *Curve) {
				if c.Format != FormatCustomerDaily || c.Segments[0].Len() != 2 {
					t.Errorf("%q %+v", c.Format, c.Segments)
				}
			}},
		{"bare Horodate;Valeur curve", "Horodate;Valeur\n2024-01-01T00:30:00+01:00;900\n2024-01-01T01:00:00+01:00;800\n", Options{},
			func(t *testing.T, c *Curve) {
				if c.Format != FormatCustomerCurve || c.Segments[0].Values[0] != 450 {
					t.Errorf("%q %+v", c.Format, c.Segments)
				}
			}},
		{"Date;Valeur (en kWh) daily", "Date;Valeur (en kWh)\n2024-06-01;12,571\n2024-06-02;9,8\n", Options{},
			func(t *testing.T, c *Curve) {
				s := c.Segments[0]
				if c.Kind != KindDailyEnergy || s.Values[0] != 12571 || s.Values[1] != 9800 || !s.Start.Equal(ParisMidnight(2024, 6, 1)) {
					t.Errorf("%q %+v", c.Kind, s)
				}
			}},
		{"detailed export in reverse order over the autumn change", measHead +
			"27/10/2024;03:00;400;R;30001234567890;W;30\n27/10/2024;02:30;300;R;30001234567890;W;30\n" +
			"27/10/2024;02:00;200;R;30001234567890;W;30\n27/10/2024;02:30;100;R;30001234567890;W;30\n" +
			"27/10/2024;02:00;50;R;30001234567890;W;30\n", Options{},
			func(t *testing.T, c *Curve) {
				s := c.Segments[0]
				want := []int64{25, 50, 100, 150, 200} // starts 23:30Z … 01:30Z
				if !s.Start.Equal(time.Date(2024, 10, 26, 23, 30, 0, 0, time.UTC)) || fmt.Sprint(s.Values) != fmt.Sprint(want) {
					t.Errorf("start %v values %v, want %v", s.Start, s.Values, want)
				}
			}},
		{"detailed export with 24:00", measHead + "01/01/2024;23:30;100;R;30001234567890;W;30\n01/01/2024;24:00;200;R;30001234567890;W;30\n", Options{},
			func(t *testing.T, c *Curve) {
				s := c.Segments[0]
				if s.Len() != 2 || !s.End().Equal(ParisMidnight(2024, 1, 2)) {
					t.Errorf("%+v end %v", s, s.End())
				}
			}},
		{"PRM from the options", "timestamp;kwh\n2024-01-01T00:00:00Z;1\n2024-01-01T00:30:00Z;1\n", Options{PRM: "30001234567890"},
			func(t *testing.T, c *Curve) {
				if c.PRM != "30001234567890" {
					t.Errorf("PRM %q", c.PRM)
				}
			}},
		{"PRM with spaces", strings.Replace(custHead, "30001234567890", "3000 1234 5678 90", 1) + "2024-01-01T00:30:00+01:00;1\n", Options{PRM: "30001234567890"},
			func(t *testing.T, c *Curve) {
				if c.PRM != "30001234567890" {
					t.Errorf("PRM %q", c.PRM)
				}
			}},
		{"missing row is a gap, not a longer step", strings.Replace(custHead, ";W;30", ";W;", 1) +
			"2024-01-01T00:30:00+01:00;100\n2024-01-01T01:30:00+01:00;100\n2024-01-01T02:00:00+01:00;100\n2024-01-01T02:30:00+01:00;100\n", Options{},
			func(t *testing.T, c *Curve) {
				s := c.Segments[0]
				if s.Step != 30*time.Minute || s.Len() != 5 || s.Present[1] || c.Stats.Gaps != 1 {
					t.Errorf("%+v", s)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseBytes([]byte(tt.in), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}

func TestUTF16Input(t *testing.T) {
	text := custHead + "2024-01-01T00:30:00+01:00;100\n"
	for _, be := range []bool{false, true} {
		u := utf16.Encode([]rune(text))
		b := []byte{0xFF, 0xFE}
		if be {
			b = []byte{0xFE, 0xFF}
		}
		for _, r := range u {
			if be {
				b = append(b, byte(r>>8), byte(r))
			} else {
				b = append(b, byte(r), byte(r>>8))
			}
		}
		c, err := ParseBytes(b, Options{})
		if err != nil || c.Stats.Points != 1 {
			t.Fatalf("big endian %v: %v", be, err)
		}
	}
}

func TestWritersRefuseBadInput(t *testing.T) {
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var b bytes.Buffer
	tests := []struct {
		name string
		err  error
	}{
		{"bad PRM", WriteCustomerExport(&b, "123", start, 30*time.Minute, []int64{1})},
		{"bad step", WriteSGE(&b, "30001234567890", start, 7*time.Minute, []int64{1})},
		{"start off the step", WriteCustomerMeasures(&b, "30001234567890", start.Add(time.Minute), 30*time.Minute, []int64{1})},
		{"plain start off the step", WritePlain(&b, start.Add(time.Second), 30*time.Minute, []int64{1})},
		{"daily bad PRM", WriteDailyEnergy(&b, "1", start, []int64{1})},
	}
	for _, tt := range tests {
		if tt.err == nil {
			t.Errorf("%s: accepted", tt.name)
		}
	}
}

func TestFormatLabels(t *testing.T) {
	for _, f := range Formats() {
		fr, en := f.Label()
		if !f.Valid() || fr == "" || en == "" || fr == string(f) {
			t.Errorf("%q: %q / %q", f, fr, en)
		}
	}
	if Format("nope").Valid() {
		t.Error("unknown format valid")
	}
}
