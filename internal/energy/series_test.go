package energy

import (
	"math"
	"testing"
	"time"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func TestPowerToEnergy(t *testing.T) {
	tests := []struct {
		name  string
		in    Series
		step  time.Duration
		start time.Time
		want  []float64 // kWh
	}{
		{
			// 30-min steps of 1,000 W and 2,000 W: each 15-min step carries
			// a quarter hour of its half hour's power.
			name: "30 min to 15 min", step: 15 * time.Minute,
			in:    Series{Start: utc("2024-06-01T00:00:00Z"), Step: 30 * time.Minute, Values: []float64{1000, 2000}},
			start: utc("2024-06-01T00:00:00Z"), want: []float64{0.25, 0.25, 0.5, 0.5},
		},
		{
			// 10-min steps: the second quarter hour takes 5 min of 600 W and
			// 10 min of 1,200 W.
			name: "10 min to 15 min", step: 15 * time.Minute,
			in:    Series{Start: utc("2024-06-01T00:00:00Z"), Step: 10 * time.Minute, Values: []float64{600, 600, 1200}},
			start: utc("2024-06-01T00:00:00Z"), want: []float64{600.0/6/1000 + 600.0/12/1000, 600.0/12/1000 + 1200.0/6/1000},
		},
		{
			// 60-min to 30-min, starting off the output grid: the first whole
			// output step starts at 01:00.
			name: "60 min to 30 min off grid", step: 30 * time.Minute,
			in:    Series{Start: utc("2024-06-01T00:10:00Z"), Step: time.Hour, Values: []float64{500, 700}},
			start: utc("2024-06-01T00:30:00Z"), want: []float64{0.25, 500.0/6/1000 + 700.0/3/1000, 0.35},
		},
		{
			name: "gap propagates", step: 15 * time.Minute,
			in:    Series{Start: utc("2024-06-01T00:00:00Z"), Step: 30 * time.Minute, Values: []float64{1000, math.NaN()}},
			start: utc("2024-06-01T00:00:00Z"), want: []float64{0.25, 0.25, math.NaN(), math.NaN()},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := PowerToEnergy(tt.in, tt.step)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Start.Equal(tt.start) || got.Step != tt.step || got.Len() != len(tt.want) {
				t.Fatalf("got %v/%v/%d steps, want %v/%v/%d", got.Start, got.Step, got.Len(), tt.start, tt.step, len(tt.want))
			}
			for i, w := range tt.want {
				g := got.Values[i]
				if math.IsNaN(w) != math.IsNaN(g) || !math.IsNaN(w) && !near(g, w, 1e-12) {
					t.Errorf("step %d: %g kWh, want %g", i, g, w)
				}
			}
		})
	}
}

func TestPowerToEnergyConservesEnergy(t *testing.T) {
	// A day of 10-min power: the 15-min energies add up to the integral.
	in := Series{Start: utc("2024-03-01T00:00:00Z"), Step: 10 * time.Minute, Values: make([]float64, 144)}
	integral := 0.0
	for i := range in.Values {
		in.Values[i] = float64(100 + 37*i%900)
		integral += in.Values[i] / 6 / 1000
	}
	out, err := PowerToEnergy(in, 15*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if out.Len() != 96 || !near(sum(out.Values), integral, 1e-9) {
		t.Fatalf("%d steps summing to %g kWh, want 96 summing to %g", out.Len(), sum(out.Values), integral)
	}
}

func TestDownsample(t *testing.T) {
	in := Series{Start: utc("2024-01-01T00:00:00Z"), Step: 15 * time.Minute, Values: []float64{1, 2, 3, 4, 5, 6, 7, math.NaN()}}
	out, err := Downsample(in, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if out.Len() != 2 || out.Values[0] != 10 || !math.IsNaN(out.Values[1]) {
		t.Fatalf("got %v", out.Values)
	}
	for _, bad := range []struct {
		s    Series
		step time.Duration
	}{
		{in, 20 * time.Minute}, // not a multiple
		{Series{Start: in.Start.Add(15 * time.Minute), Step: in.Step, Values: in.Values[:4]}, time.Hour}, // off grid
		{Series{Start: in.Start, Step: in.Step, Values: in.Values[:6]}, time.Hour},                       // partial hour
	} {
		if _, err := Downsample(bad.s, bad.step); err == nil {
			t.Errorf("Downsample(%v from %v, %v) succeeded", bad.s.Step, bad.s.Start, bad.step)
		}
	}
}

func TestWindowAndAlignment(t *testing.T) {
	s := Series{Start: utc("2024-01-01T00:00:00Z"), Step: 30 * time.Minute, Values: []float64{1, 2, 3}}
	w, err := s.Window(utc("2023-12-31T23:30:00Z"), utc("2024-01-01T01:30:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	if w.Len() != 4 || !math.IsNaN(w.Values[0]) || w.Values[1] != 1 || w.Values[3] != 3 || w.Gaps() != 1 {
		t.Fatalf("window %v", w.Values)
	}
	if _, err := s.Window(utc("2024-01-01T00:10:00Z"), utc("2024-01-01T01:10:00Z")); err == nil {
		t.Error("a window off the grid was accepted")
	}
	if err := CheckAligned(s, w); err == nil {
		t.Error("series with different starts are reported aligned")
	}
	if err := CheckAligned(s, Series{Start: s.Start, Step: s.Step, Values: make([]float64, 3)}); err != nil {
		t.Error(err)
	}
	if err := (Series{Start: s.Start.In(Paris()), Step: s.Step}).Check(); err == nil {
		t.Error("a non-UTC start was accepted")
	}
}

// TestPeriodsAcrossDST checks the local days and months of a 15-min grid:
// the spring day has 92 steps, the autumn day 100, March 2024 has 743 hours.
func TestPeriodsAcrossDST(t *testing.T) {
	start, end := YearBounds(2024, Paris())
	n := int(end.Sub(start) / (15 * time.Minute))
	days := Periods(start, 15*time.Minute, n, Paris(), Day)
	if len(days) != 366 {
		t.Fatalf("%d days in 2024", len(days))
	}
	for _, d := range days {
		want := int(d.End.Sub(d.Start) / (15 * time.Minute))
		if d.To-d.From != want {
			t.Errorf("%s: %d steps, want %d", d.Start.Format("2006-01-02"), d.To-d.From, want)
		}
		if d.Start.Format("01-02") == "03-31" && want != 92 || d.Start.Format("01-02") == "10-27" && want != 100 {
			t.Errorf("%s has %d quarter hours", d.Start.Format("2006-01-02"), want)
		}
	}
	months := Periods(start, 15*time.Minute, n, Paris(), Month)
	if len(months) != 12 || months[2].To-months[2].From != 743*4 || months[11].To != n {
		t.Fatalf("months %+v", months[2])
	}
	// Monthly sums of a constant series follow the month lengths.
	s := Series{Start: start, Step: 15 * time.Minute, Values: make([]float64, n)}
	for i := range s.Values {
		s.Values[i] = 0.25
	}
	s.Values[10] = math.NaN()
	sums, err := SumBy(s, Paris(), Month)
	if err != nil {
		t.Fatal(err)
	}
	if sums[0].Gaps != 1 || !near(sums[0].Sum, 744-0.25, 1e-9) || !near(sums[9].Sum, 745, 1e-9) {
		t.Fatalf("January %+v, October %+v", sums[0], sums[9])
	}
}
