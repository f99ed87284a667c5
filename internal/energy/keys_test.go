package energy

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// matrixOf builds a step-major matrix from rows (one row per step).
func matrixOf(rows ...[]float64) Matrix {
	if len(rows) == 0 {
		return Matrix{}
	}
	m := NewMatrix(len(rows[0]), len(rows))
	for t, r := range rows {
		copy(m.Row(t), r)
	}
	return m
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// TestWorkedExamples runs the examples of DOMAIN §5 and, for the dynamic and
// priority keys, examples worked by hand below.
func TestWorkedExamples(t *testing.T) {
	tests := []struct {
		name    string
		key     Key
		p       float64
		c       []float64
		wantA   []float64
		wantSur float64
	}{
		// DOMAIN §5.
		{"default short", Key{Kind: KeyDefault}, 1, []float64{0.4, 0.8}, []float64{1.0 / 3, 2.0 / 3}, 0},
		{"default long", Key{Kind: KeyDefault}, 2, []float64{0.4, 0.8}, []float64{0.4, 0.8}, 0.8},
		{"static", Key{Kind: KeyStatic, Static: []float64{0.5, 0.5}}, 1, []float64{0.4, 0.8}, []float64{0.4, 0.5}, 0.1},
		// Dynamic, k = (0.2, 0.7) at this step: consumer 1 gets min(0.4, 0.2) =
		// 0.2, consumer 2 min(0.8, 0.7) = 0.7; 0.1 of P has no coefficient.
		{"dynamic", Key{Kind: KeyDynamic, Dynamic: matrixOf([]float64{0.2, 0.7})}, 1, []float64{0.4, 0.8}, []float64{0.2, 0.7}, 0.1},
		// Dynamic, k = (0.9, 0.1): consumer 1 cannot absorb 0.9 and the unused
		// 0.5 is not redistributed.
		{"dynamic capped", Key{Kind: KeyDynamic, Dynamic: matrixOf([]float64{0.9, 0.1})}, 1, []float64{0.4, 0.8}, []float64{0.4, 0.1}, 0.5},
		// Priority: ranks (2, 1, 1), P = 1, C = (0.4, 0.3, 0.5). Rank 1 holds
		// consumers 2 and 3 (0.8 ≤ 1): fully served; 0.2 is left for rank 2
		// (consumer 1 wants 0.4): it gets 0.2; no surplus.
		{"priority", Key{Kind: KeyPriority, Ranks: []int{2, 1, 1}}, 1, []float64{0.4, 0.3, 0.5}, []float64{0.2, 0.3, 0.5}, 0},
		// Priority with rank 1 short: P = 0.4 < 0.8 wanted by rank 1, shared
		// pro rata 0.3:0.5; rank 2 gets nothing.
		{"priority short", Key{Kind: KeyPriority, Ranks: []int{2, 1, 1}}, 0.4, []float64{0.4, 0.3, 0.5}, []float64{0, 0.15, 0.25}, 0},
		// Priority with surplus: P = 2 covers everyone (1.2), S = 0.8.
		{"priority long", Key{Kind: KeyPriority, Ranks: []int{2, 1, 1}}, 2, []float64{0.4, 0.3, 0.5}, []float64{0.4, 0.3, 0.5}, 0.8},
		// No consumption: everything is surplus, for every key.
		{"default no consumption", Key{Kind: KeyDefault}, 1, []float64{0, 0}, []float64{0, 0}, 1},
		{"priority no production", Key{Kind: KeyPriority, Ranks: []int{1, 2}}, 0, []float64{0.3, 0.2}, []float64{0, 0}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cons := matrixOf(tt.c)
			alloc := NewMatrix(cons.N, 1)
			sur := make([]float64, 1)
			if err := Allocate(tt.key, []float64{tt.p}, cons, alloc, sur); err != nil {
				t.Fatal(err)
			}
			for i, want := range tt.wantA {
				if !near(alloc.At(i, 0), want, 1e-12) {
					t.Errorf("A_%d = %.15g, want %.15g", i, alloc.At(i, 0), want)
				}
			}
			if !near(sur[0], tt.wantSur, 1e-12) {
				t.Errorf("S = %.15g, want %.15g", sur[0], tt.wantSur)
			}
		})
	}
}

// randomCase draws one allocation problem with the awkward cases mixed in:
// zero consumption, zero production, production exactly equal to the
// consumption sum (in some order), coefficients summing to exactly 1 in
// decimal, equal ranks.
func randomCase(r *rand.Rand) (n, steps int, prod []float64, cons Matrix, static []float64, dyn Matrix, ranks []int) {
	n = 1 + r.IntN(300)
	steps = 1 + r.IntN(40)
	cons = NewMatrix(n, steps)
	scale := math.Pow(10, float64(r.IntN(9)-4))
	for i := range cons.Data {
		switch r.IntN(10) {
		case 0:
			cons.Data[i] = 0
		case 1:
			cons.Data[i] = scale * 1e-9 * r.Float64()
		default:
			cons.Data[i] = scale * r.Float64()
		}
	}
	prod = make([]float64, steps)
	for t := range prod {
		row := cons.Row(t)
		switch r.IntN(6) {
		case 0:
			prod[t] = 0
		case 1:
			prod[t] = naiveSum(row)
		case 2:
			prod[t] = math.Nextafter(sum(row), 0)
		case 3:
			prod[t] = sum(row) * (1 + 1e-15*float64(r.IntN(5)))
		default:
			prod[t] = scale * float64(n) * r.Float64()
		}
	}
	// Static: percentages with one decimal that add up to exactly 100 % or less.
	static = permilleCoefficients(r, n, r.IntN(2) == 0)
	dyn = NewMatrix(n, steps)
	for t := range steps {
		copy(dyn.Row(t), permilleCoefficients(r, n, r.IntN(2) == 0))
	}
	ranks = make([]int, n)
	for i := range ranks {
		ranks[i] = 1 + r.IntN(1+n/4)
	}
	return
}

// permilleCoefficients draws n coefficients in steps of 0.1 %, summing to
// exactly 100 % when full.
func permilleCoefficients(r *rand.Rand, n int, full bool) []float64 {
	q := make([]int, n)
	total := 1000
	if !full {
		total = r.IntN(1001)
	}
	for range total {
		q[r.IntN(n)]++
	}
	k := make([]float64, n)
	for i, v := range q {
		k[i] = float64(v) / 1000
	}
	return k
}

func naiveSum(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s
}

// checkInvariants verifies the guarantees shared by every key at step t,
// with three summation orders.
func checkInvariants(t *testing.T, label string, step int, p float64, c, a []float64, surplus float64) {
	t.Helper()
	for i := range c {
		if !(a[i] >= 0 && a[i] <= c[i]) {
			t.Fatalf("%s step %d: A_%d = %g not within [0, C=%g]", label, step, i, a[i], c[i])
		}
	}
	fwd := naiveSum(a)
	rev := 0.0
	for i := len(a) - 1; i >= 0; i-- {
		rev += a[i]
	}
	sorted := slices.Clone(a)
	slices.Sort(sorted)
	for _, s := range []float64{fwd, rev, naiveSum(sorted), sum(a)} {
		if s > p {
			t.Fatalf("%s step %d: ΣA = %.17g > P = %.17g", label, step, s, p)
		}
	}
	if !near(surplus, p-fwd, 1e-12*max(p, 1e-300)) || surplus < 0 {
		t.Fatalf("%s step %d: surplus %.17g, P − ΣA = %.17g", label, step, surplus, p-fwd)
	}
}

func TestAllocationProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 5))
	for range 300 {
		n, steps, prod, cons, static, dyn, ranks := randomCase(r)
		keys := []Key{
			{Kind: KeyDefault},
			{Kind: KeyStatic, Static: static},
			{Kind: KeyDynamic, Dynamic: dyn},
			{Kind: KeyPriority, Ranks: ranks},
		}
		for _, key := range keys {
			alloc := NewMatrix(n, steps)
			sur := make([]float64, steps)
			if err := Allocate(key, prod, cons, alloc, sur); err != nil {
				t.Fatal(err)
			}
			for s := range steps {
				p, c, a := prod[s], cons.Row(s), alloc.Row(s)
				checkInvariants(t, key.Kind.String(), s, p, c, a, sur[s])
				// Each key against its formula. The engine may lower an
				// allocation by a relative 10^-12 to keep ΣA ≤ P in float64.
				ct := naiveSum(c)
				var byRank []float64
				if key.Kind == KeyPriority {
					byRank = priorityByHand(p, c, ranks)
				}
				for i := range c {
					var want float64
					switch key.Kind {
					case KeyDefault:
						if ct > 0 {
							want = c[i] * min(1, p/ct)
						}
					case KeyStatic:
						want = min(c[i], static[i]*p)
					case KeyDynamic:
						want = min(c[i], dyn.At(i, s)*p)
					case KeyPriority:
						want = byRank[i]
					}
					if !near(a[i], want, 1e-12*max(want, p)) {
						t.Fatalf("%v step %d consumer %d: A = %.17g, formula %.17g", key.Kind, s, i, a[i], want)
					}
				}
			}
		}
	}
}

// priorityByHand applies the priority rule directly, rank by rank.
func priorityByHand(p float64, c []float64, ranks []int) []float64 {
	a := make([]float64, len(c))
	distinct := slices.Compact(slices.Sorted(slices.Values(ranks)))
	left := p
	for _, rank := range distinct {
		want := 0.0
		for i := range c {
			if ranks[i] == rank {
				want += c[i]
			}
		}
		f := 1.0
		if want > left {
			f = left / want
		}
		for i := range c {
			if ranks[i] == rank {
				a[i] = c[i] * f
			}
		}
		left = max(0, left-want*f)
	}
	return a
}

// TestKeyFileReproducesAllocation checks the bound proved in KeyPermille:
// applying the floored coefficients q/1000 as a dynamic key gives A' with
// −ε ≤ A − A' < P/1000 + ε, where ε = 2·10^-12·P covers δ and float64
// rounding, and rows of q sum to at most 1000 (100 %).
func TestKeyFileReproducesAllocation(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	for range 200 {
		n, steps, prod, cons, static, dyn, ranks := randomCase(r)
		for _, key := range []Key{{Kind: KeyDefault}, {Kind: KeyStatic, Static: static}, {Kind: KeyDynamic, Dynamic: dyn}, {Kind: KeyPriority, Ranks: ranks}} {
			alloc := NewMatrix(n, steps)
			if err := Allocate(key, prod, cons, alloc, nil); err != nil {
				t.Fatal(err)
			}
			q := make([]uint16, n*steps)
			if err := KeyPermilleMatrix(prod, alloc, q); err != nil {
				t.Fatal(err)
			}
			k := NewMatrix(n, steps)
			for i, v := range q {
				k.Data[i] = float64(v) / 1000
			}
			for s := range steps {
				total := 0
				for _, v := range q[s*n : (s+1)*n] {
					total += int(v)
				}
				if total > 1000 {
					t.Fatalf("%v step %d: coefficients sum to %d ‰", key.Kind, s, total)
				}
			}
			again := NewMatrix(n, steps)
			if err := Allocate(Key{Kind: KeyDynamic, Dynamic: k}, prod, cons, again, nil); err != nil {
				t.Fatal(err)
			}
			for s := range steps {
				p := prod[s]
				eps := 2e-12 * p
				for i := range n {
					d := alloc.At(i, s) - again.At(i, s)
					if d < -eps || d >= p/1000+eps && !(p == 0 && d == 0) {
						t.Fatalf("%v step %d consumer %d: A − A' = %g, P/1000 = %g", key.Kind, s, i, d, p/1000)
					}
				}
			}
		}
	}
}

func TestAllocateRejectsBadInput(t *testing.T) {
	good := matrixOf([]float64{0.1, 0.2}, []float64{0.3, 0.4})
	tests := []struct {
		name string
		key  Key
		prod []float64
		cons Matrix
		want string
	}{
		{"negative consumption", Key{}, []float64{1, 1}, matrixOf([]float64{0.1, 0.2}, []float64{-0.3, 0.4}), "consumer 0 at step 1"},
		{"NaN consumption", Key{}, []float64{1, 1}, matrixOf([]float64{0.1, math.NaN()}, []float64{0.3, 0.4}), "consumer 1 at step 0"},
		{"infinite production", Key{}, []float64{1, math.Inf(1)}, good, "production step 1"},
		{"short production", Key{}, []float64{1}, good, "production has 1 steps"},
		{"static count", Key{Kind: KeyStatic, Static: []float64{0.5}}, []float64{1, 1}, good, "1 coefficients for 2"},
		{"static over one", Key{Kind: KeyStatic, Static: []float64{0.7, 0.4}}, []float64{1, 1}, good, "sum to 1.1"},
		{"static negative", Key{Kind: KeyStatic, Static: []float64{-0.1, 0.4}}, []float64{1, 1}, good, "coefficient -0.1 of consumer 0"},
		{"dynamic over one", Key{Kind: KeyDynamic, Dynamic: matrixOf([]float64{0.5, 0.5}, []float64{0.6, 0.5})}, []float64{1, 1}, good, "at step 1"},
		{"dynamic shape", Key{Kind: KeyDynamic, Dynamic: matrixOf([]float64{0.5, 0.5})}, []float64{1, 1}, good, "are 2×1"},
		{"rank zero", Key{Kind: KeyPriority, Ranks: []int{1, 0}}, []float64{1, 1}, good, "rank 0 of consumer 1"},
		{"unknown kind", Key{Kind: 9}, []float64{1, 1}, good, "unknown key kind"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			alloc := NewMatrix(tt.cons.N, tt.cons.T)
			err := Allocate(tt.key, tt.prod, tt.cons, alloc, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one mentioning %q", err, tt.want)
			}
		})
	}
	var ce *CoefficientError
	err := Allocate(Key{Kind: KeyDynamic, Dynamic: matrixOf([]float64{0.5, 0.5}, []float64{0.6, 0.5})}, []float64{1, 1}, good, NewMatrix(2, 2), nil)
	if !errors.As(err, &ce) || ce.Step != 1 || ce.Index != -1 {
		t.Fatalf("error %#v, want a sum CoefficientError at step 1", err)
	}
}

func TestCoefficientTolerance(t *testing.T) {
	// Ten times 0.1 is 0.9999999999999999 and three times 1/3 may round above
	// 1: both are accepted, and a real excess is not.
	if err := CheckCoefficients(slices.Repeat([]float64{0.1}, 10)); err != nil {
		t.Fatal(err)
	}
	if err := CheckCoefficients([]float64{1.0 / 3, 1.0 / 3, 1.0/3 + 1e-12}); err != nil {
		t.Fatal(err)
	}
	if err := CheckCoefficients([]float64{0.5, 0.5 + 1e-6}); err == nil {
		t.Fatal("a sum of 1.000001 was accepted")
	}
}

func TestParseKeyKind(t *testing.T) {
	for _, k := range []KeyKind{KeyDefault, KeyStatic, KeyDynamic, KeyPriority} {
		got, err := ParseKeyKind(k.String())
		if err != nil || got != k {
			t.Errorf("ParseKeyKind(%q) = %v, %v", k.String(), got, err)
		}
	}
	if _, err := ParseKeyKind("Default"); err == nil {
		t.Error("ParseKeyKind accepted a capitalised name")
	}
}

func TestKeyPermilleRejectsOverAllocation(t *testing.T) {
	q := make([]uint16, 2)
	if err := KeyPermille(1, []float64{0.6, 0.5}, q); err == nil {
		t.Error("an allocation above production was accepted")
	}
	if err := KeyPermille(1, []float64{-0.1, 0.5}, q); err == nil {
		t.Error("a negative allocation was accepted")
	}
	if err := KeyPermille(0, []float64{0, 0}, q); err != nil || q[0] != 0 || q[1] != 0 {
		t.Errorf("no production: %v %v", q, err)
	}
	if err := KeyPermille(3, []float64{1, 2}, q); err != nil || q[0] != 333 || q[1] != 666 {
		t.Errorf("thirds: %v %v (want floors of 333.3 and 666.6)", q, err)
	}
	// Quarters lowered by the keys' float64 margin still read 25.0 %.
	a := make([]float64, 3)
	AllocateDefaultStep(0.1, []float64{0.125, 0.125, 0.25}, a)
	q3 := make([]uint16, 3)
	if err := KeyPermille(0.1, a, q3); err != nil || q3[0] != 250 || q3[2] != 500 {
		t.Errorf("quarters %v → %v ‰ (%v)", a, q3, err)
	}
}
