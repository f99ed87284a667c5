package sim

import (
	"context"
	"math"
	"math/rand/v2"
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/energy"
	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
)

func locate(code string) (float64, float64, string, bool) {
	switch code {
	case "66150":
		return 42.40404, 2.47928, "Prats-de-Mollo-la-Preste", true
	case "69141":
		return 45.61885, 4.67231, "Mornant", true
	}
	return 0, 0, "", false
}

func TestQueryRoundTrip(t *testing.T) {
	cases := []url.Values{
		{},
		{"mode": {"kit"}, "commune": {"69141"}, "kit_wc": {"600"}, "tilt": {"70"}, "azimuth": {"-45"}, "price": {"0,2"}, "kit_cost": {"450"}, "home_kwh": {"3200"}},
		{"commune": {"69141"}, "kwc": {"250"}, "key": {"priority"}, "step": {"30"}, "profile1": {"office"}, "kwh1": {"20000"}, "count1": {"3"}, "rank1": {"2"},
			"profile2": {"household"}, "kwh2": {"3500"}, "count2": {"12"}, "consent": {"4", "9"}, "sweep_max": {"800"}, "sweep_n": {"20"}},
	}
	for _, q := range cases {
		p, err := Parse(q, 2025)
		if err != nil {
			t.Fatalf("%v: %v", q, err)
		}
		back, err := Parse(p.Query(), 2025)
		if err != nil {
			t.Fatalf("round trip of %v: %v", p.Query(), err)
		}
		if !reflect.DeepEqual(p, back) {
			t.Errorf("round trip differs:\n%+v\n%+v", p, back)
		}
	}
}

func TestParseNamesBadFields(t *testing.T) {
	q := url.Values{"kwc": {"-4"}, "key": {"fair"}, "step": {"20"}, "profile1": {"factory"}, "kwh1": {"5"}, "count1": {"500"}, "rank1": {"0"}, "year": {"1850"}, "consent": {"x"}}
	_, err := Parse(q, 2025)
	e, ok := errs.As(err)
	if !ok || e.Code != errs.Invalid {
		t.Fatalf("want invalid, got %v", err)
	}
	got := map[string]bool{}
	for _, d := range e.Details {
		got[d.Field] = true
	}
	for _, f := range []string{"kwc", "key", "step", "profile1", "kwh1", "count1", "rank1", "year", "consent"} {
		if !got[f] {
			t.Errorf("no error on %s (%v)", f, got)
		}
	}
	// Over a hundred consumers in all.
	_, err = Parse(url.Values{"profile1": {"household"}, "kwh1": {"3000"}, "count1": {"60"}, "profile2": {"office"}, "kwh2": {"9000"}, "count2": {"41"}}, 2025)
	if !errs.Is(err, errs.Invalid) {
		t.Errorf("101 consumers accepted: %v", err)
	}
}

// EqualShares gives equal shares up to what each consumer can take, hands
// out min(P, ΣC) in total, and its coefficients add up to at most 1.
func TestEqualSharesProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 2000 {
		n := 1 + rng.IntN(30)
		c := make([]float64, n)
		var total float64
		for i := range c {
			if rng.IntN(5) > 0 {
				c[i] = rng.Float64() * 3
			}
			total += c[i]
		}
		p := rng.Float64() * 2 * total
		if trial%10 == 0 {
			p = 0
		}
		k := make([]float64, n)
		EqualShares(p, c, k, make([]int, n))
		a := make([]float64, n)
		sa := energy.AllocateCappedStep(p, k, c, a)
		if err := energy.CheckCoefficients(k); err != nil && p > 0 {
			t.Fatalf("coefficients %v: %v", k, err)
		}
		if want := math.Min(p, total); math.Abs(sa-want) > 1e-9*(1+want) {
			t.Fatalf("allocated %v, want min(P, ΣC) = %v", sa, want)
		}
		// Consumers not fully served all get the same share, at least what any other gets.
		var level float64 = -1
		for i := range c {
			if a[i] < c[i]-1e-9 {
				if level >= 0 && math.Abs(a[i]-level) > 1e-9 {
					t.Fatalf("unequal shares %v for %v", a, c)
				}
				level = a[i]
			}
		}
		for i := range c {
			if level >= 0 && a[i] > level+1e-9 {
				t.Fatalf("consumer %d got %v above the common level %v", i, a[i], level)
			}
		}
	}
}

func TestRunOperation(t *testing.T) {
	if testing.Short() {
		t.Skip("synthesises a year of curves")
	}
	r := NewRunner(locate, 1, 64)
	q := url.Values{"commune": {"66150"}, "kwc": {"60"}, "key": {"static"}, "step": {"30"}, "sweep_n": {"6"}, "sweep_max": {"120"},
		"profile1": {"household"}, "kwh1": {"4000"}, "count1": {"23"}, "rank1": {"2"}, "profile2": {"school"}, "kwh2": {"30000"}, "count2": {"1"}, "rank2": {"1"}}
	p, err := Parse(q, 2024)
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.Run(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if res.Steps != 366*48 || len(res.Keys) != 4 || len(res.Sweep) != 6 || res.SweepKey != energy.KeyStatic {
		t.Fatalf("steps %d keys %d sweep %d (%v)", res.Steps, len(res.Keys), len(res.Sweep), res.SweepKey)
	}
	def := res.Key(energy.KeyDefault)
	for _, k := range res.Keys {
		if k.Allocated > k.Production+1e-6 || k.Allocated > k.Consumption+1e-6 || k.Allocated < 0 {
			t.Errorf("%v: allocated %v, production %v, consumption %v", k.Key, k.Allocated, k.Production, k.Consumption)
		}
		if math.Abs(k.Production-def.Production) > 1e-6 || math.Abs(k.Consumption-def.Consumption) > 1e-6 {
			t.Errorf("%v: inputs differ from the default key's", k.Key)
		}
		var sumMonths, groupAlloc float64
		for _, m := range k.Months {
			sumMonths += m.Allocated
		}
		for _, g := range k.Groups {
			groupAlloc += g.Allocated
			if g.MinRate > g.Rate()+1e-12 || g.MaxRate < g.Rate()-1e-12 {
				t.Errorf("%v: group rate %v outside [%v, %v]", k.Key, g.Rate(), g.MinRate, g.MaxRate)
			}
		}
		if math.Abs(sumMonths-k.Allocated) > 1e-6 || math.Abs(groupAlloc-k.Allocated) > 1e-6 || len(k.Months) != 12 {
			t.Errorf("%v: months %v, groups %v, total %v", k.Key, sumMonths, groupAlloc, k.Allocated)
		}
		switch k.Key {
		case energy.KeyDynamic, energy.KeyPriority:
			// They hand out min(P, C) at every step, like the default key.
			if math.Abs(k.Allocated-def.Allocated) > 1e-6*def.Allocated {
				t.Errorf("%v allocates %v, the default key %v", k.Key, k.Allocated, def.Allocated)
			}
		case energy.KeyStatic:
			if k.Allocated > def.Allocated+1e-6 {
				t.Errorf("static key allocates more than the default key")
			}
		}
	}
	// Priority serves the school (rank 1) at least as well as the default key does.
	if pr := res.Key(energy.KeyPriority); pr.Groups[1].Rate() < def.Groups[1].Rate()-1e-9 {
		t.Errorf("school: priority %v < default %v", pr.Groups[1].Rate(), def.Groups[1].Rate())
	}
	// The sweep at 60 kWc equals the static key's totals.
	for _, s := range res.Sweep {
		if s.KWc == 60 && math.Abs(s.Allocated-res.Key(energy.KeyStatic).Allocated) > 1e-6 {
			t.Errorf("sweep at 60 kWc: %v, static key %v", s.Allocated, res.Key(energy.KeyStatic).Allocated)
		}
	}
	// Rates move the right way along the sweep.
	for i := 1; i < len(res.Sweep); i++ {
		if res.Sweep[i].SelfProductionRate < res.Sweep[i-1].SelfProductionRate-1e-12 || res.Sweep[i].SelfConsumptionRate > res.Sweep[i-1].SelfConsumptionRate+1e-12 {
			t.Errorf("sweep not monotonic at %v kWc", res.Sweep[i].KWc)
		}
	}
	// A second run is served from the cache.
	again, err := r.Run(context.Background(), p)
	if err != nil || again != res {
		t.Errorf("second run not cached: %v", err)
	}
}

func TestRunKit(t *testing.T) {
	if testing.Short() {
		t.Skip("synthesises a year of curves")
	}
	r := NewRunner(locate, 1, 16)
	p, err := Parse(url.Values{"mode": {"kit"}, "commune": {"69141"}, "kit_wc": {"400"}, "price": {"0.25"}, "kit_cost": {"500"}, "step": {"30"}}, 2024)
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.Run(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	k := res.Kit
	if k == nil || len(k.Months) != 12 {
		t.Fatal("no kit result")
	}
	if k.SelfConsumed > k.Production || k.SelfConsumed > k.Consumption || k.SelfConsumed <= 0 {
		t.Errorf("self-consumed %v, production %v, consumption %v", k.SelfConsumed, k.Production, k.Consumption)
	}
	if math.Abs(k.Savings-k.SelfConsumed*0.25) > 1e-9 || math.Abs(k.PaybackYears-500/k.Savings) > 1e-9 {
		t.Errorf("savings %v, payback %v", k.Savings, k.PaybackYears)
	}
	// A 400 Wc kit's production follows the commune's yield.
	if math.Abs(k.Production-0.4*res.YieldKWhPerKWc) > 1e-6 {
		t.Errorf("production %v for a yield of %v kWh/kWc", k.Production, res.YieldKWhPerKWc)
	}
	// Bigger kits produce more and save more, with diminishing returns.
	for i := 1; i < len(k.Sizes); i++ {
		a, b := k.Sizes[i-1], k.Sizes[i]
		if b.SelfConsumed < a.SelfConsumed || b.SelfConsumed-a.SelfConsumed > b.Production-a.Production+1e-9 {
			t.Errorf("kit sizes %v → %v", a, b)
		}
	}
	if math.IsNaN(k.SelfConsumed) || res.Elapsed <= 0 || res.Elapsed > time.Minute {
		t.Errorf("elapsed %v", res.Elapsed)
	}
}

func TestUnknownCommune(t *testing.T) {
	r := NewRunner(locate, 1, 1)
	p := Defaults(2024)
	p.Commune = "00000"
	if _, err := r.Run(context.Background(), p); !errs.Is(err, errs.Invalid) {
		t.Fatalf("unknown commune: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"", "mode=kit&kit_wc=450&tilt=70", "commune=66150&kwc=100&profile1=household&kwh1=4500&count1=20&rank1=2", "kwc=1e400&count1=-1&consent=0", "year=2024&step=30&key=static&sweep_n=2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		p, err := Parse(q, 2025)
		if err != nil {
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("%q: uncoded error %v", raw, err)
			}
			return
		}
		if p.Mode == ModeOperation && (p.Consumers()+len(p.Consents) > MaxConsumers || p.Consumers()+len(p.Consents) == 0) {
			t.Fatalf("%q: %d consumers accepted", raw, p.Consumers())
		}
		if p.KWc < 0 || p.KWc > MaxKWc || p.SweepN < 2 || p.SweepN > MaxSweep || math.IsNaN(p.Price) {
			t.Fatalf("%q: out of range %+v", raw, p)
		}
		back, err := Parse(p.Query(), 2025)
		if err != nil || !reflect.DeepEqual(back.Query(), p.Query()) {
			t.Fatalf("%q: round trip %v\n%v\n%v", raw, err, p.Query(), back.Query())
		}
	})
}

func keyOf(s string) (energy.KeyKind, error) { return energy.ParseKeyKind(s) }
