package meterfile

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // tests compare with the Europe/Paris zone even on machines without tzdata
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/golden")

func paris(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// render prints a curve one interval per line with its French local time, for review by eye.
func render(t testing.TB, c *Curve) string {
	loc := paris(t)
	var b strings.Builder
	s := c.Stats
	fmt.Fprintf(&b, "prm %q format %s kind %s flow %q\n", c.PRM, c.Format, c.Kind, c.Flow)
	fmt.Fprintf(&b, "rows %d points %d gaps %d empty %d duplicates %d skipped %d steps %d total %d Wh\n",
		s.Rows, s.Points, s.Gaps, s.EmptyValues, s.Duplicates, s.Skipped, s.Steps, s.TotalWh)
	fmt.Fprintf(&b, "from %s to %s\n", s.From.Format(time.RFC3339), s.To.Format(time.RFC3339))
	for i := range c.Segments {
		seg := &c.Segments[i]
		fmt.Fprintf(&b, "segment step %s start %s intervals %d\n", seg.Step, seg.Start.Format(time.RFC3339), seg.Len())
		for j := 0; j < seg.Len(); j++ {
			at := seg.At(j)
			v := "-"
			if seg.Present[j] {
				v = fmt.Sprint(seg.Values[j])
			}
			fmt.Fprintf(&b, "  %s  %s  %s\n", at.Format(time.RFC3339), at.In(loc).Format("2006-01-02T15:04-07:00"), v)
		}
	}
	return b.String()
}

func TestGolden(t *testing.T) {
	tests := []struct {
		file   string
		format Format
	}{
		{"customer_curve_spring.csv", FormatCustomerCurve},
		{"customer_curve_autumn.csv", FormatCustomerCurve},
		{"customer_curve_step_change.csv", FormatCustomerCurve},
		{"customer_daily.csv", FormatCustomerDaily},
		{"customer_measures_autumn.csv", FormatCustomerMeasures},
		{"customer_measures_spring.csv", FormatCustomerMeasures},
		{"customer_mean_power_spring.csv", FormatCustomerMeanPower},
		{"sge_r63_autumn.csv", FormatSGE},
		{"plain_kwh_decimal_comma.csv", FormatPlain},
		{"plain_wh_comma_separator.csv", FormatPlain},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", "golden", tt.file)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			f, err := Detect(data)
			if err != nil || f != tt.format {
				t.Fatalf("Detect = %q, %v; want %q", f, err, tt.format)
			}
			c, err := Parse(bytes.NewReader(data), Options{})
			if err != nil {
				t.Fatal(err)
			}
			got := render(t, c)
			want := strings.TrimSuffix(path, ".csv") + ".golden"
			if *update {
				if err := os.WriteFile(want, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			exp, err := os.ReadFile(want)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(exp) {
				t.Errorf("%s differs from %s:\n%s", tt.file, want, got)
			}
			// Forcing the detected format gives the same curve.
			c2, err := Parse(bytes.NewReader(data), Options{Format: tt.format})
			if err != nil || render(t, c2) != got {
				t.Errorf("forced format: %v", err)
			}
		})
	}
}

// localDayIntervals counts the intervals of a curve that start on a French calendar day.
func localDayIntervals(t *testing.T, c *Curve, y int, m time.Month, d int) int {
	loc := paris(t)
	n := 0
	for i := range c.Segments {
		s := &c.Segments[i]
		for j := 0; j < s.Len(); j++ {
			ly, lm, ld := s.At(j).In(loc).Date()
			if ly == y && lm == m && ld == d {
				n++
			}
		}
	}
	return n
}

func TestGoldenDSTDays(t *testing.T) {
	tests := []struct {
		file    string
		y       int
		m       time.Month
		d       int
		step    time.Duration
		hours   int // length of the local day
		covered bool
	}{
		{"customer_curve_spring.csv", 2024, time.March, 31, 30 * time.Minute, 23, true},
		{"customer_curve_autumn.csv", 2024, time.October, 27, 30 * time.Minute, 25, true},
		{"customer_measures_spring.csv", 2024, time.March, 31, time.Hour, 23, true},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			c := parseFile(t, tt.file, Options{})
			want := int(time.Duration(tt.hours) * time.Hour / tt.step)
			if got := localDayIntervals(t, c, tt.y, tt.m, tt.d); got != want {
				t.Errorf("%d intervals on the local day, want %d", got, want)
			}
			seg := c.Segments[0]
			if seg.Step != tt.step {
				t.Errorf("step %v, want %v", seg.Step, tt.step)
			}
			// Every interval starts on the step in UTC and the segment is contiguous.
			for j := 0; j < seg.Len(); j++ {
				if seg.At(j).Unix()%int64(tt.step/time.Second) != 0 {
					t.Fatalf("interval %d at %v not on the step", j, seg.At(j))
				}
			}
		})
	}
}

func parseFile(t *testing.T, name string, opts Options) *Curve {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "golden", name))
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseBytes(data, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
