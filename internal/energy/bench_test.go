package energy

import (
	"math"
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

// Benchmarks of the issue: a year at 15 minutes for 1,000 consumers (run with
// -cpu 1 for the one-core figure):
//
//	go test -run '^$' -bench . -benchtime 20x -cpu 1 ./internal/energy

const (
	benchConsumers = 1000
	benchSteps     = 35040
)

type benchData struct {
	prod  []float64
	cons  Matrix
	alloc Matrix
	dyn   Matrix
	keys  map[string]Key
}

// benchFixture builds, once, consumption around 0.1–0.4 kWh per quarter hour
// and a PV-like production that is nil at night, short at midday in winter
// and in surplus in summer, so every branch of the keys runs.
var benchFixture = sync.OnceValue(func() *benchData {
	r := rand.New(rand.NewPCG(1, 1))
	d := &benchData{
		prod:  make([]float64, benchSteps),
		cons:  NewMatrix(benchConsumers, benchSteps),
		alloc: NewMatrix(benchConsumers, benchSteps),
		dyn:   NewMatrix(benchConsumers, benchSteps),
	}
	for i := range d.cons.Data {
		d.cons.Data[i] = 0.1 + 0.3*r.Float64()
	}
	for t := range d.prod {
		h := float64(t%96) / 4
		season := 0.6 + 0.4*math.Cos(2*math.Pi*(float64(t/96)-172)/365)
		d.prod[t] = max(0, math.Sin(math.Pi*(h-6)/12)) * season * 0.5 * benchConsumers * r.Float64()
	}
	static := make([]float64, benchConsumers)
	ranks := make([]int, benchConsumers)
	for i := range static {
		static[i] = 1.0 / benchConsumers
		ranks[i] = 1 + i%5
	}
	for t := range benchSteps {
		row := d.dyn.Row(t)
		s := 0.0
		for i := range row {
			row[i] = r.Float64()
			s += row[i]
		}
		for i := range row {
			row[i] /= s * (1 + 1e-9)
		}
	}
	d.keys = map[string]Key{
		"default":  {Kind: KeyDefault},
		"static":   {Kind: KeyStatic, Static: static},
		"dynamic":  {Kind: KeyDynamic, Dynamic: d.dyn},
		"priority": {Kind: KeyPriority, Ranks: ranks},
	}
	return d
})

// measure runs the benchmark loop and reports consumer-steps per second of
// wall-clock time and the process CPU time per operation (the two differ
// when the machine is shared).
func measure(b *testing.B, perOp int, op func()) {
	cpu0, ok := processCPU()
	for b.Loop() {
		op()
	}
	b.ReportMetric(float64(perOp)*float64(b.N)/b.Elapsed().Seconds(), "consumer-steps/s")
	if cpu1, ok1 := processCPU(); ok && ok1 {
		b.ReportMetric(float64(cpu1-cpu0)/float64(b.N)/1e6, "cpu-ms/op")
	}
}

func BenchmarkAllocate(b *testing.B) {
	d := benchFixture()
	surplus := make([]float64, benchSteps)
	for _, name := range []string{"default", "static", "dynamic", "priority"} {
		b.Run(name, func(b *testing.B) {
			measure(b, benchConsumers*benchSteps, func() {
				if err := Allocate(d.keys[name], d.prod, d.cons, d.alloc, surplus); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// allocateDefaultConsumerMajor is the default key on the other layout
// (consumer i's year contiguous: cons[i*T+t]), kept to measure the layout
// choice: it needs a pass to total each step, then a pass to scale.
func allocateDefaultConsumerMajor(prod, cons []float64, n, steps int, alloc, total, factor []float64) bool {
	clear(total)
	var bits uint64
	for i := range n {
		row := cons[i*steps : (i+1)*steps]
		for t, v := range row {
			total[t] += v
			bits |= math.Float64bits(v)
		}
	}
	m := margin(n)
	for t, ct := range total {
		if ct*(1+m) <= prod[t] {
			factor[t] = 1
		} else {
			factor[t] = prod[t] / ct * (1 - 2*m)
		}
	}
	for i := range n {
		row := cons[i*steps : (i+1)*steps]
		out := alloc[i*steps : (i+1)*steps]
		for t, v := range row {
			out[t] = v * factor[t]
		}
	}
	return bits>>63 == 0
}

func TestConsumerMajorLayoutAgrees(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	n, steps := 17, 50
	cons := NewMatrix(n, steps)
	prod := make([]float64, steps)
	for i := range cons.Data {
		cons.Data[i] = r.Float64()
	}
	for i := range prod {
		prod[i] = 10 * r.Float64()
	}
	alloc := NewMatrix(n, steps)
	if err := Allocate(Key{}, prod, cons, alloc, nil); err != nil {
		t.Fatal(err)
	}
	cm := make([]float64, n*steps)
	for i := range n {
		copy(cm[i*steps:], cons.Column(i, nil))
	}
	out := make([]float64, n*steps)
	if !allocateDefaultConsumerMajor(prod, cm, n, steps, out, make([]float64, steps), make([]float64, steps)) {
		t.Fatal("valid input rejected")
	}
	for i := range n {
		for s := range steps {
			if !near(out[i*steps+s], alloc.At(i, s), 1e-12) {
				t.Fatalf("consumer %d step %d: %g vs %g", i, s, out[i*steps+s], alloc.At(i, s))
			}
		}
	}
}

func BenchmarkLayoutConsumerMajor(b *testing.B) {
	d := benchFixture()
	cm := make([]float64, benchConsumers*benchSteps)
	for i := range benchConsumers {
		for t := range benchSteps {
			cm[i*benchSteps+t] = d.cons.At(i, t)
		}
	}
	total := make([]float64, benchSteps)
	factor := make([]float64, benchSteps)
	measure(b, benchConsumers*benchSteps, func() {
		allocateDefaultConsumerMajor(d.prod, cm, benchConsumers, benchSteps, d.alloc.Data, total, factor)
	})
}

// BenchmarkSweepPV sweeps 50 PV capacities for 100 consumers over a year.
func BenchmarkSweepPV(b *testing.B) {
	const consumers = 100
	d := benchFixture()
	cons := Matrix{N: consumers, T: benchSteps, Data: make([]float64, consumers*benchSteps)}
	for t := range benchSteps {
		copy(cons.Row(t), d.cons.Row(t)[:consumers])
	}
	perKWc := make([]float64, benchSteps)
	for t := range perKWc {
		perKWc[t] = d.prod[t] / (0.5 * benchConsumers) / 4 // at most 0.25 kWh per quarter hour and kWc
	}
	kwc := make([]float64, 50)
	for i := range kwc {
		kwc[i] = 10 * float64(i+1)
	}
	ranks := make([]int, consumers)
	for i := range ranks {
		ranks[i] = 1 + i%5
	}
	var pts []SweepPoint
	for name, key := range map[string]Key{"default": {}, "priority": {Kind: KeyPriority, Ranks: ranks}} {
		b.Run(name, func(b *testing.B) {
			measure(b, len(kwc)*consumers*benchSteps, func() {
				var err error
				if pts, err = SweepPV(key, perKWc, cons, kwc, pts); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

func BenchmarkSynthPV(b *testing.B) {
	for b.Loop() {
		if _, err := SynthPV(PVParams{Lat: 45.619, Lon: 4.672, KWc: 9, Year: 2025, Step: 15 * time.Minute, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSynthLoad(b *testing.B) {
	for b.Loop() {
		if _, err := SynthLoad(LoadParams{Profile: ProfileHousehold, AnnualKWh: 4500, Year: 2025, Step: 15 * time.Minute, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}
