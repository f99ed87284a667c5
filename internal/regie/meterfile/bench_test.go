package meterfile

import (
	"bytes"
	"io"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// household draws average powers (W) shaped like a household: base load,
// morning, midday and evening peaks (later mornings at weekends), a seasonal
// factor heavier in winter and multiplicative noise. Seeded and reproducible.
func household(seed uint64, start time.Time, step time.Duration, n int) []int64 {
	rng := rand.New(rand.NewPCG(seed, 42))
	out := make([]int64, n)
	for i := range out {
		t := start.Add(time.Duration(i) * step)
		l := t.Add(ParisOffset(t))
		h := float64(l.Hour()) + float64(l.Minute())/60
		morning := 7.5
		if wd := l.Weekday(); wd == time.Saturday || wd == time.Sunday {
			morning = 9.5
		}
		d := float64(l.YearDay())
		season := -3.92e-10*math.Pow(d, 4) + 3.2e-7*math.Pow(d, 3) - 7.02e-5*d*d + 2.1e-3*d + 1.24
		p := 220 + 700*math.Exp(-(h-morning)*(h-morning)/1.2) + 450*math.Exp(-(h-12.5)*(h-12.5)/1.5) +
			1100*math.Exp(-(h-19.5)*(h-19.5)/2.5)
		p *= season * (0.75 + 0.5*rng.Float64())
		out[i] = int64(p)
	}
	return out
}

var yearStart = time.Date(2023, 12, 31, 23, 0, 0, 0, time.UTC) // 2024-01-01 00:00 in Paris

const yearPoints = 366 * 48 // 2024 at 30 minutes

func benchFile(b *testing.B, write writerFunc) []byte {
	var buf bytes.Buffer
	watts := household(1, yearStart, 30*time.Minute, yearPoints)
	if err := write(&buf, "30001234567890", yearStart, 30*time.Minute, watts); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkParseYear parses one meter-year at 30 minutes in each layout.
func BenchmarkParseYear(b *testing.B) {
	plain := func(w io.Writer, _ string, start time.Time, step time.Duration, watts []int64) error {
		wh := make([]int64, len(watts))
		for i, v := range watts {
			wh[i] = v / 2
		}
		return WritePlain(w, start, step, wh)
	}
	cases := []struct {
		name  string
		write writerFunc
	}{
		{"customer", WriteCustomerExport},
		{"measures", WriteCustomerMeasures},
		{"mean-power", WriteCustomerMeanPower},
		{"sge", WriteSGE},
		{"plain", plain},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			data := benchFile(b, c.write)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			points := 0
			for b.Loop() {
				cv, err := ParseBytes(data, Options{})
				if err != nil {
					b.Fatal(err)
				}
				points += cv.Stats.Points
			}
			b.ReportMetric(float64(points)/b.Elapsed().Seconds(), "points/s")
			b.ReportMetric(float64(len(data)), "file-bytes")
		})
	}
}

// BenchmarkParseYearParallel parses meter-years on every core, as an import of many files would.
func BenchmarkParseYearParallel(b *testing.B) {
	data := benchFile(b, WriteCustomerExport)
	b.SetBytes(int64(len(data)))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := ParseBytes(data, Options{}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(yearPoints)*float64(b.N)/b.Elapsed().Seconds(), "points/s")
}

func BenchmarkWriteCustomerExport(b *testing.B) {
	watts := household(1, yearStart, 30*time.Minute, yearPoints)
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := WriteCustomerExport(&buf, "30001234567890", yearStart, 30*time.Minute, watts); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportMetric(float64(yearPoints)*float64(b.N)/b.Elapsed().Seconds(), "points/s")
}

func TestHouseholdSeriesIsPlausible(t *testing.T) {
	w := household(1, yearStart, 30*time.Minute, yearPoints)
	var sum int64
	for _, v := range w {
		if v <= 0 || v > 12000 {
			t.Fatalf("implausible %d W", v)
		}
		sum += v
	}
	kwh := float64(sum) / 2 / 1000
	if kwh < 2500 || kwh > 9000 {
		t.Errorf("%.0f kWh a year, not a household", kwh)
	}
}
