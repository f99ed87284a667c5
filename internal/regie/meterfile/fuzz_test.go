package meterfile

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// checkParse asserts what must hold for any input: no panic, errors typed
// with a line inside the file, results internally consistent and repeatable.
func checkParse(t *testing.T, data []byte, opts Options) {
	c, err := ParseBytes(data, opts)
	if err != nil {
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Fatalf("error %T is not a *ParseError: %v", err, err)
		}
		if pe.Line < 1 || pe.Line > countLines(decodeText(data)) {
			t.Fatalf("line %d outside the file (%d lines): %v", pe.Line, countLines(decodeText(data)), err)
		}
		if pe.Code == "" || pe.Reason == "" || pe.ReasonEN == "" {
			t.Fatalf("incomplete error %#v", pe)
		}
		if c != nil {
			t.Fatal("curve returned with an error")
		}
		return
	}
	if opts.Format != "" && c.Format != opts.Format {
		t.Fatalf("format %q, forced %q", c.Format, opts.Format)
	}
	if c.PRM != "" {
		if err := ValidPRM(c.PRM); err != nil {
			t.Fatalf("invalid PRM kept: %v", err)
		}
	}
	points, gaps := 0, 0
	var total int64
	var prevEnd time.Time
	for i := range c.Segments {
		s := &c.Segments[i]
		if s.Len() == 0 || len(s.Present) != s.Len() {
			t.Fatalf("segment %d: %d values, %d flags", i, s.Len(), len(s.Present))
		}
		if !s.Present[0] || !s.Present[s.Len()-1] {
			t.Fatalf("segment %d starts or ends with a gap", i)
		}
		if s.Start.Location() != time.UTC {
			t.Fatalf("segment %d start not UTC", i)
		}
		if c.Kind == KindLoadCurve {
			sec := int64(s.Step / time.Second)
			if !validStep(sec) || s.Start.Unix()%sec != 0 {
				t.Fatalf("segment %d: step %v start %v", i, s.Step, s.Start)
			}
		} else if _, off := parisDay(s.Start.Unix()); off != 0 {
			t.Fatalf("daily segment starts at %v, not a local midnight", s.Start)
		}
		if i > 0 && s.Start.Before(prevEnd) {
			t.Fatalf("segment %d overlaps the previous one", i)
		}
		prevEnd = s.End()
		for j, p := range s.Present {
			if p {
				points++
				total += s.Values[j]
			} else {
				gaps++
				if s.Values[j] != 0 {
					t.Fatalf("gap with value %d", s.Values[j])
				}
			}
			if !opts.AllowNegative && s.Values[j] < 0 {
				t.Fatalf("negative value %d", s.Values[j])
			}
		}
	}
	st := c.Stats
	if st.Points != points || st.Gaps != gaps || st.TotalWh != total || st.Steps != len(c.Segments) {
		t.Fatalf("stats %+v disagree with %d points %d gaps %d Wh", st, points, gaps, total)
	}
	if st.Points+st.Duplicates+st.EmptyValues > st.Rows {
		t.Fatalf("more points, duplicates and empty values than rows: %+v", st)
	}
	again, err := ParseBytes(data, opts)
	if err != nil || !reflect.DeepEqual(again, c) {
		t.Fatalf("second parse differs: %v", err)
	}
}

func addGoldenSeeds(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.csv"))
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

func fuzzFormat(f *testing.F, format Format) {
	addGoldenSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		checkParse(t, data, Options{Format: format, MaxSlots: 50_000})
	})
}

func FuzzParse(f *testing.F) {
	addGoldenSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		checkParse(t, data, Options{MaxSlots: 50_000})
		checkParse(t, data, Options{MaxSlots: 50_000, AllowNegative: true, Flow: FlowConsumption})
	})
}

func FuzzParseCustomerCurve(f *testing.F)     { fuzzFormat(f, FormatCustomerCurve) }
func FuzzParseCustomerDaily(f *testing.F)     { fuzzFormat(f, FormatCustomerDaily) }
func FuzzParseCustomerMeasures(f *testing.F)  { fuzzFormat(f, FormatCustomerMeasures) }
func FuzzParseCustomerMeanPower(f *testing.F) { fuzzFormat(f, FormatCustomerMeanPower) }
func FuzzParseSGE(f *testing.F)               { fuzzFormat(f, FormatSGE) }
func FuzzParsePlain(f *testing.F)             { fuzzFormat(f, FormatPlain) }

func FuzzDetect(f *testing.F) {
	addGoldenSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		format, err := Detect(data)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Line < 1 {
				t.Fatalf("error %v without a line", err)
			}
			return
		}
		if !format.Valid() {
			t.Fatalf("invalid format %q", format)
		}
	})
}

func FuzzValidPRM(f *testing.F) {
	for _, s := range []string{"30001234567890", "3000 1234 5678 90", "", "abc", "３0001234567890"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := ValidPRM(s)
		n, nerr := NormalizePRM(s)
		if err == nil && (nerr != nil || n != s) {
			t.Fatalf("valid PRM %q normalised to %q, %v", s, n, nerr)
		}
		if nerr == nil && ValidPRM(n) != nil {
			t.Fatalf("NormalizePRM(%q) = %q, invalid", s, n)
		}
	})
}
