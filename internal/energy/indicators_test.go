package energy

import (
	"math/rand/v2"
	"testing"
	"time"
)

// randomOperation draws an operation with two producers over n days of
// 30-min steps starting at local midnight on 1 January 2024.
func randomOperation(r *rand.Rand, consumers, days int) (start time.Time, producers, cons Matrix, prod []float64) {
	start, _ = YearBounds(2024, Paris())
	steps := days * 48
	producers = NewMatrix(2, steps)
	cons = NewMatrix(consumers, steps)
	prod = make([]float64, steps)
	for t := range steps {
		for j := range 2 {
			producers.Set(j, t, float64(r.IntN(3))*r.Float64())
		}
		prod[t] = sum(producers.Row(t))
		for i := range consumers {
			cons.Set(i, t, r.Float64())
		}
	}
	return
}

func TestTotalsAndBreakdown(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	start, producers, cons, prod := randomOperation(r, 7, 70) // into March
	alloc := NewMatrix(cons.N, cons.T)
	if err := Allocate(Key{Kind: KeyDefault}, prod, cons, alloc, nil); err != nil {
		t.Fatal(err)
	}
	tot, err := Summarize(producers, cons, alloc)
	if err != nil {
		t.Fatal(err)
	}
	// Direct sums.
	var p, c, a float64
	perCons := make([]ConsumerTotals, cons.N)
	perProd := make([]ProducerTotals, producers.N)
	for s := range cons.T {
		as := 0.0
		for i := range cons.N {
			perCons[i].Consumption += cons.At(i, s)
			perCons[i].Allocated += alloc.At(i, s)
			as += alloc.At(i, s)
		}
		c += sum(cons.Row(s))
		a += as
		p += prod[s]
		for j := range producers.N {
			perProd[j].Production += producers.At(j, s)
			if prod[s] > 0 {
				perProd[j].SelfConsumed += producers.At(j, s) / prod[s] * as
			}
		}
	}
	const tol = 1e-9
	if tot.Steps != cons.T || !near(tot.Production, p, tol) || !near(tot.Consumption, c, tol) || !near(tot.Allocated, a, tol) {
		t.Fatalf("totals %+v, want P=%g C=%g A=%g", tot, p, c, a)
	}
	if !near(tot.Surplus(), p-a, tol) || !near(tot.SelfConsumptionRate(), a/p, tol) || !near(tot.SelfProductionRate(), a/c, tol) {
		t.Fatalf("rates %g %g surplus %g", tot.SelfConsumptionRate(), tot.SelfProductionRate(), tot.Surplus())
	}
	for i, pc := range perCons {
		got := tot.Consumers[i]
		if !near(got.Consumption, pc.Consumption, tol) || !near(got.Allocated, pc.Allocated, tol) ||
			!near(got.Complement(), pc.Consumption-pc.Allocated, tol) || !near(got.SelfProductionRate(), pc.Allocated/pc.Consumption, tol) {
			t.Errorf("consumer %d: %+v, want %+v", i, got, pc)
		}
	}
	selfConsumed := 0.0
	for j, pp := range perProd {
		got := tot.Producers[j]
		selfConsumed += got.SelfConsumed
		if !near(got.Production, pp.Production, tol) || !near(got.SelfConsumed, pp.SelfConsumed, tol) ||
			!near(got.Surplus(), pp.Production-pp.SelfConsumed, tol) || !near(got.SelfConsumptionRate(), pp.SelfConsumed/pp.Production, tol) {
			t.Errorf("producer %d: %+v, want %+v", j, got, pp)
		}
	}
	if !near(selfConsumed, a, tol) {
		t.Errorf("producers' self-consumption %g ≠ allocated %g", selfConsumed, a)
	}

	// Monthly: three months whose parts add up to the whole.
	months, err := Breakdown(start, 30*time.Minute, Paris(), Month, producers, cons, alloc)
	if err != nil {
		t.Fatal(err)
	}
	if len(months) != 3 || months[0].To-months[0].From != 31*48 || months[1].Start.Month() != time.February {
		t.Fatalf("%d months, first with %d steps", len(months), months[0].To-months[0].From)
	}
	var mp, ma float64
	var m0c float64
	for _, m := range months {
		mp += m.Production
		ma += m.Allocated
		m0c += m.Consumers[0].Consumption
	}
	if !near(mp, p, tol) || !near(ma, a, tol) || !near(m0c, perCons[0].Consumption, tol) {
		t.Errorf("monthly parts P=%g A=%g C0=%g do not add up", mp, ma, m0c)
	}
}

func TestRatesWithNothing(t *testing.T) {
	tot := NewTotals(1, 1)
	tot.Add([]float64{0}, []float64{0}, []float64{0})
	if tot.SelfConsumptionRate() != 0 || tot.SelfProductionRate() != 0 || tot.Consumers[0].SelfProductionRate() != 0 || tot.Producers[0].SelfConsumptionRate() != 0 {
		t.Fatal("rates of an empty operation are not 0")
	}
}

func TestSweepPVMatchesAllocate(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	_, _, cons, _ := randomOperation(r, 12, 14)
	perKWc := make([]float64, cons.T)
	for i := range perKWc {
		perKWc[i] = max(0, r.Float64()-0.4)
	}
	kwcs := []float64{0, 1, 2.5, 10, 40}
	ranks := make([]int, cons.N)
	static := make([]float64, cons.N)
	dyn := NewMatrix(cons.N, cons.T)
	for i := range ranks {
		ranks[i] = 1 + i%3
		static[i] = 1 / float64(cons.N)
	}
	for i := range dyn.Data {
		dyn.Data[i] = r.Float64() / float64(cons.N)
	}
	for _, key := range []Key{{Kind: KeyDefault}, {Kind: KeyStatic, Static: static}, {Kind: KeyDynamic, Dynamic: dyn}, {Kind: KeyPriority, Ranks: ranks}} {
		pts, err := SweepPV(key, perKWc, cons, kwcs, nil)
		if err != nil {
			t.Fatal(err)
		}
		for s, k := range kwcs {
			prod := make([]float64, cons.T)
			for i := range prod {
				prod[i] = k * perKWc[i]
			}
			alloc := NewMatrix(cons.N, cons.T)
			if err := Allocate(key, prod, cons, alloc, nil); err != nil {
				t.Fatal(err)
			}
			tot, err := Summarize(Matrix{N: 1, T: cons.T, Data: prod}, cons, alloc)
			if err != nil {
				t.Fatal(err)
			}
			pt := pts[s]
			if pt.KWc != k || !near(pt.Production, tot.Production, 1e-9) || !near(pt.Allocated, tot.Allocated, 1e-9) ||
				!near(pt.Consumption, tot.Consumption, 1e-9) || !near(pt.Surplus, tot.Surplus(), 1e-9) ||
				!near(pt.SelfConsumptionRate, tot.SelfConsumptionRate(), 1e-12) || !near(pt.SelfProductionRate, tot.SelfProductionRate(), 1e-12) {
				t.Errorf("%v %g kWc: sweep %+v, allocation %+v", key.Kind, k, pt, tot)
			}
		}
	}
	if _, err := SweepPV(Key{}, perKWc, cons, []float64{-1}, nil); err == nil {
		t.Error("a negative capacity was accepted")
	}
	if _, err := SweepPV(Key{}, perKWc[1:], cons, kwcs, nil); err == nil {
		t.Error("a short production profile was accepted")
	}
}
