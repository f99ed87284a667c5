package accfile

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeCommunes stands in for the territory referential.
func fakeCommunes(code string) (float64, float64, string, bool) {
	switch code {
	case "29039":
		return 47.875, -3.918, "Concarneau", true
	case "66150":
		return 42.404, 2.479, "Prats-de-Mollo-la-Preste", true
	}
	return 0, 0, "", false
}

func runSynth(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := Synth(context.Background(), args, &stdout, &stderr, fakeCommunes)
	return stdout.String(), stderr.String(), err
}

func TestSynthPV(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "pv.csv")
	if _, _, err := runSynth(t, "pv", "--commune", "66150", "--kwc", "2,5", "--year", "2025", "--seed", "4", "--out", out); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tb, err := ReadSeries(out, f)
	if err != nil {
		t.Fatal(err)
	}
	if len(tb.IDs) != 1 || tb.IDs[0] != "pv" || tb.Step != 15*time.Minute || tb.Values.T != 35040 {
		t.Fatalf("ids %v step %v rows %d", tb.IDs, tb.Step, tb.Values.T)
	}
	if tb.Stamps[0] != "2025-01-01T00:00:00+01:00" || tb.Stamps[35039] != "2025-12-31T23:45:00+01:00" {
		t.Errorf("stamps %s … %s", tb.Stamps[0], tb.Stamps[35039])
	}
	total := 0.0
	for _, v := range tb.Values.Data {
		total += v
	}
	if y := total / 2.5; math.Abs(y/1350-1) > 0.05 {
		t.Errorf("Prats-de-Mollo yield %.0f kWh/kWc", y)
	}

	// Same seed, same bytes, on stdout this time; another seed differs.
	a, _, err := runSynth(t, "pv", "--commune", "29039", "--kwc", "3", "--year", "2024", "--step", "60m", "--seed", "9")
	if err != nil {
		t.Fatal(err)
	}
	b, _, _ := runSynth(t, "pv", "--commune", "29039", "--kwc", "3", "--year", "2024", "--step", "1h", "--seed", "9")
	c, _, _ := runSynth(t, "pv", "--commune", "29039", "--kwc", "3", "--year", "2024", "--step", "1h", "--seed", "10")
	if a != b || a == c || strings.Count(a, "\n") != 8784+1 {
		t.Errorf("reproducibility: equal %v, differs from seed 10 %v, %d lines", a == b, a != c, strings.Count(a, "\n"))
	}
}

func TestSynthLoad(t *testing.T) {
	out, _, err := runSynth(t, "load", "--profile", "household", "--kwh", "4500", "--year", "2025", "--step", "30m", "--id", "PRM 1")
	if err != nil {
		t.Fatal(err)
	}
	tb, err := ReadSeries("stdout", strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	total := 0.0
	for _, v := range tb.Values.Data {
		total += v
	}
	// Each printed value is rounded to 10^-6 kWh.
	if tb.IDs[0] != "PRM 1" || tb.Values.T != 17520 || math.Abs(total-4500) > 0.5e-6*17520 {
		t.Errorf("id %q, %d rows, %.6f kWh", tb.IDs[0], tb.Values.T, total)
	}
	if mean := total / 8760; math.Abs(mean-0.5137) > 0.0005 {
		t.Errorf("mean power %.4f kW", mean)
	}
	def, _, err := runSynth(t, "load", "--profile", "school", "--kwh", "30000", "--year", "2025")
	if err != nil || !strings.HasPrefix(def, "timestamp;school\n") {
		t.Errorf("default id: %.30q %v", def, err)
	}
}

func TestSynthErrors(t *testing.T) {
	usage := []struct {
		name string
		args []string
		want string
	}{
		{"no subcommand", nil, "pv"},
		{"unknown subcommand", []string{"wind"}, "wind"},
		{"pv without commune", []string{"pv", "--kwc", "3", "--year", "2025"}, "--commune"},
		{"pv without kwc", []string{"pv", "--commune", "29039", "--year", "2025"}, "--kwc"},
		{"pv negative kwc", []string{"pv", "--commune", "29039", "--kwc", "-3", "--year", "2025"}, "--kwc"},
		{"pv without year", []string{"pv", "--commune", "29039", "--kwc", "3"}, "--year"},
		{"pv bad step", []string{"pv", "--commune", "29039", "--kwc", "3", "--year", "2025", "--step", "7m"}, "--step"},
		{"load bad profile", []string{"load", "--profile", "villa", "--kwh", "3", "--year", "2025"}, "villa"},
		{"load without kwh", []string{"load", "--profile", "office", "--year", "2025"}, "--kwh"},
		{"load unknown flag", []string{"load", "--commune", "29039"}, "commune"},
	}
	for _, tt := range usage {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, err := runSynth(t, tt.args...)
			var ue *UsageError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(stderr, "Usage") {
				t.Fatalf("error %v, want a usage error about %s with usage on stderr", err, tt.want)
			}
		})
	}
	if _, _, err := runSynth(t, "pv", "--commune", "99999", "--kwc", "3", "--year", "2025"); err == nil || !strings.Contains(err.Error(), "99999") {
		t.Errorf("unknown commune: %v", err)
	}
	if _, _, err := runSynth(t, "load", "--profile", "office", "--kwh", "3", "--year", "1500"); err == nil || !strings.Contains(err.Error(), "1500") {
		t.Errorf("year 1500: %v", err)
	}
	dir := t.TempDir()
	if _, _, err := runSynth(t, "load", "--profile", "office", "--kwh", "3", "--year", "2025", "--out", filepath.Join(dir, "missing", "x.csv")); err == nil {
		t.Error("writing into a missing directory succeeded")
	}
	for _, args := range [][]string{{"--help"}, {"pv", "-h"}, {"load", "--help"}} {
		stdout, _, err := runSynth(t, args...)
		if !errors.Is(err, flag.ErrHelp) || !strings.Contains(stdout, "--year") {
			t.Errorf("%v: %v, help %q", args, err, stdout)
		}
	}
}
