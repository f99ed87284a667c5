package sim

import (
	"context"
	"net/url"
	"testing"
	"time"
)

// benchQuery is 100 consumers in four groups with a sweep of 50 capacities.
var benchQuery = url.Values{"commune": {"66150"}, "year": {"2024"}, "step": {"15"}, "kwc": {"150"}, "sweep_n": {"50"}, "sweep_max": {"500"},
	"profile1": {"household"}, "kwh1": {"4500"}, "count1": {"40"}, "profile2": {"household-water-heater"}, "kwh2": {"6000"}, "count2": {"40"},
	"profile3": {"office"}, "kwh3": {"25000"}, "count3": {"15"}, "profile4": {"school"}, "kwh4": {"40000"}, "count4": {"5"}}

// BenchmarkRun measures a simulation of 100 consumers over a year at 15
// minutes: the four keys side by side and a sweep of 50 PV capacities.
// "cold" synthesises every curve (a first visit with new profiles); "warm"
// finds them in the cache, as when a visitor changes the key or capacity.
func BenchmarkRun(b *testing.B) {
	p, err := Parse(benchQuery, 2024)
	if err != nil {
		b.Fatal(err)
	}
	for _, key := range []string{"default", "priority"} {
		p.Key, _ = keyOf(key)
		b.Run("warm/"+key, func(b *testing.B) {
			r := NewRunner(locate, 1, 128)
			if _, err := r.Run(context.Background(), p); err != nil {
				b.Fatal(err)
			}
			cpu0, cpuOK := processCPU()
			defer reportCPU(b, cpu0, cpuOK)
			for b.Loop() {
				r.results = newLRU[*Result](64) // no result from the cache
				if _, err := r.Run(context.Background(), p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("cold", func(b *testing.B) {
		cpu0, cpuOK := processCPU()
		defer reportCPU(b, cpu0, cpuOK)
		for b.Loop() {
			r := NewRunner(locate, 1, 128)
			if _, err := r.Run(context.Background(), p); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// reportCPU adds the CPU time per operation (user + system, all threads).
func reportCPU(b *testing.B, cpu0 time.Duration, ok bool) {
	if cpu1, ok1 := processCPU(); ok && ok1 && b.N > 0 {
		b.ReportMetric(float64(cpu1-cpu0)/float64(b.N)/1e6, "cpu-ms/op")
	}
}
