package energy

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// KeyKind names an allocation key (clé de répartition).
type KeyKind uint8

// The four keys of DOMAIN §5.
const (
	KeyDefault  KeyKind = iota // A_i,t = C_i,t · min(1, P_t / C_t)
	KeyStatic                  // A_i,t = min(C_i,t, k_i · P_t)
	KeyDynamic                 // A_i,t = min(C_i,t, k_i,t · P_t)
	KeyPriority                // ranks served in turn with the default rule
)

var keyNames = [...]string{"default", "static", "dynamic", "priority"}

// String returns the name used on the command line and in summaries.
func (k KeyKind) String() string {
	if int(k) < len(keyNames) {
		return keyNames[k]
	}
	return fmt.Sprintf("KeyKind(%d)", k)
}

// ParseKeyKind parses "default", "static", "dynamic" or "priority".
func ParseKeyKind(s string) (KeyKind, error) {
	for i, n := range keyNames {
		if s == n {
			return KeyKind(i), nil
		}
	}
	return 0, fmt.Errorf("energy: unknown key %q (want default, static, dynamic or priority)", s)
}

// CoefficientTolerance is how far above 1 a sum of coefficients may go and
// still be accepted: coefficients written as decimal fractions or percentages
// that add up to exactly 1 (100 %) do not always do so in float64. The engine
// still guarantees Σ A ≤ P exactly, whatever the tolerance let through.
const CoefficientTolerance = 1e-9

// Key is an allocation key with its parameters.
type Key struct {
	Kind KeyKind
	// Static holds k_i for KeyStatic (one per consumer, Σ k_i ≤ 1).
	Static []float64
	// Dynamic holds k_i,t for KeyDynamic (N × T, Σ_i k_i,t ≤ 1 at every step).
	Dynamic Matrix
	// Ranks holds the rank of each consumer for KeyPriority (1 is served first;
	// ranks need not be contiguous, only their order matters).
	Ranks []int
}

// CoefficientError reports an invalid set of coefficients.
type CoefficientError struct {
	Step  int     // step index for dynamic coefficients, -1 for static ones
	Index int     // consumer index, or -1 when the sum is at fault
	Value float64 // the offending coefficient, or the sum
}

func (e *CoefficientError) Error() string {
	where := ""
	if e.Step >= 0 {
		where = fmt.Sprintf(" at step %d", e.Step)
	}
	if e.Index < 0 {
		return fmt.Sprintf("energy: coefficients sum to %g%s, more than 1", e.Value, where)
	}
	return fmt.Sprintf("energy: coefficient %g of consumer %d%s is not within [0, 1]", e.Value, e.Index, where)
}

// CheckCoefficients verifies 0 ≤ k_i ≤ 1 and Σ k_i ≤ 1 + CoefficientTolerance.
// A failure is a *CoefficientError with Step -1.
func CheckCoefficients(k []float64) error {
	for i, v := range k {
		if !(v >= 0 && v <= 1) {
			return &CoefficientError{Step: -1, Index: i, Value: v}
		}
	}
	if s := sum(k); s > 1+CoefficientTolerance {
		return &CoefficientError{Step: -1, Index: -1, Value: s}
	}
	return nil
}

const unitRoundoff = 0x1p-53

// margin is the relative slack that makes a float64 sum of n non-negative
// terms safe whatever the summation order. Any order's computed sum lies
// within a factor (1 ± γ), γ = (n−1)u/(1−(n−1)u), of the exact sum, so two
// computed sums differ by at most about 2(n−1)u relatively; (2n+16)u covers
// that plus the few roundings of the kernels, for n up to about 10^8.
func margin(n int) float64 { return float64(2*n+16) * unitRoundoff }

// AllocateDefaultStep applies the default key to one step: it writes
// A_i = C_i · min(1, P / ΣC) into a (len(a) ≥ len(c)) and returns Σ A_i.
//
// Inputs must be finite and non-negative (this hot function does not check;
// [Allocate] does). When P ≥ ΣC (with a margin of (2N+16) units of roundoff)
// A = C exactly; otherwise the factor P/ΣC is lowered by 2·margin, a relative
// change below 10^-12 for 1,000 consumers, so that the float64 sum of A in ANY
// order is ≤ P: for every order the computed sum is at most the exact sum
// times (1+γ), and the exact sum is at most P·(1−2m)(1+u)^3/(1−γ) < P/(1+γ).
// The same guarantee holds for every key of this package.
func AllocateDefaultStep(p float64, c, a []float64) float64 {
	return defaultStep(p, sum(c), c, a)
}

// defaultStep is AllocateDefaultStep with ct = sum(c) already known.
func defaultStep(p, ct float64, c, a []float64) float64 {
	a = a[:len(c)]
	m := margin(len(c))
	if ct*(1+m) <= p {
		copy(a, c)
		return ct
	}
	return scaleInto(a, c, p/ct*(1-2*m))
}

// AllocateCappedStep applies A_i = min(C_i, k_i · P) to one step: the static
// key with its fixed k, the dynamic key with the step's row of k. It returns
// Σ A_i. The coefficients must satisfy [CheckCoefficients]; what the tolerance
// lets through is absorbed so that Σ A ≤ P holds in any summation order.
func AllocateCappedStep(p float64, k, c, a []float64) float64 {
	a = a[:len(c)]
	k = k[:len(c)]
	var s0, s1 float64
	i := 0
	for ; i+1 < len(c); i += 2 {
		x0, x1 := k[i]*p, k[i+1]*p
		x0 = min(x0, c[i])
		x1 = min(x1, c[i+1])
		a[i], a[i+1] = x0, x1
		s0 += x0
		s1 += x1
	}
	if i < len(c) {
		x := min(k[i]*p, c[i])
		a[i] = x
		s0 += x
	}
	return settle(p, s0+s1, a)
}

// Ranking is a priority order prepared once for [Ranking.AllocateStep].
type Ranking struct {
	order []int // consumer indices sorted by rank, stable
	ends  []int // end offset in order of each rank group
}

// NewRanking prepares a priority key from the rank of each consumer
// (1 is served first). Ranks must be ≥ 1; equal ranks form one group.
func NewRanking(ranks []int) (Ranking, error) {
	order := make([]int, len(ranks))
	for i, r := range ranks {
		if r < 1 {
			return Ranking{}, fmt.Errorf("energy: rank %d of consumer %d is not ≥ 1", r, i)
		}
		order[i] = i
	}
	slices.SortStableFunc(order, func(x, y int) int { return cmp.Compare(ranks[x], ranks[y]) })
	var ends []int
	for j := 1; j <= len(order); j++ {
		if j == len(order) || ranks[order[j]] != ranks[order[j-1]] {
			ends = append(ends, j)
		}
	}
	return Ranking{order: order, ends: ends}, nil
}

// AllocateStep applies the priority key to one step: the first rank group is
// served with the default rule on the whole production P, what it leaves goes
// to the next group with the same rule, and so on. It writes A into a and
// returns Σ A_i, with the guarantees of [AllocateDefaultStep].
func (r Ranking) AllocateStep(p float64, c, a []float64) float64 {
	a = a[:len(c)]
	rem := p
	start := 0
	for _, end := range r.ends {
		g := r.order[start:end]
		start = end
		if rem <= 0 {
			for _, i := range g {
				a[i] = 0
			}
			continue
		}
		cg := 0.0
		for _, i := range g {
			cg += c[i]
		}
		if cg <= rem {
			for _, i := range g {
				a[i] = c[i]
			}
			rem -= cg
			continue
		}
		f := rem / cg
		for _, i := range g {
			a[i] = c[i] * f
		}
		rem = 0
	}
	return settle(p, sum(a), a)
}

// settle lowers a (in place, proportionally) until its sum s is at most
// P·(1−margin), which makes Σ a ≤ P hold in any summation order. It returns
// the new sum. It is a no-op unless the allocation uses nearly all of P.
func settle(p, s float64, a []float64) float64 {
	m := margin(len(a))
	lim := p * (1 - m)
	for shrink := m; s > lim; shrink *= 2 {
		r := lim / s * (1 - shrink)
		s = scaleInto(a, a, r)
	}
	return s
}

// sum adds x with four accumulators: a long serial chain of dependent
// additions would be latency-bound.
func sum(x []float64) float64 {
	var s0, s1, s2, s3 float64
	for len(x) >= 4 {
		s0 += x[0]
		s1 += x[1]
		s2 += x[2]
		s3 += x[3]
		x = x[4:]
	}
	for _, v := range x {
		s0 += v
	}
	return (s0 + s1) + (s2 + s3)
}

// scaleInto writes dst_i = src_i · f and returns Σ dst_i.
func scaleInto(dst, src []float64, f float64) float64 {
	dst = dst[:len(src)]
	var s0, s1, s2, s3 float64
	for len(src) >= 4 {
		d := dst[:4:4]
		x0, x1, x2, x3 := src[0]*f, src[1]*f, src[2]*f, src[3]*f
		d[0], d[1], d[2], d[3] = x0, x1, x2, x3
		s0 += x0
		s1 += x1
		s2 += x2
		s3 += x3
		src, dst = src[4:], dst[4:]
	}
	for i, v := range src {
		x := v * f
		dst[i] = x
		s0 += x
	}
	return (s0 + s1) + (s2 + s3)
}

// rowTotal returns the sum of x (as sum does) and whether every value is
// finite and ≥ 0. It ORs the sign bits in the same pass and only looks
// closer when a sign bit is set, since −0 is allowed.
func rowTotal(x []float64) (float64, bool) {
	var s0, s1, s2, s3 float64
	var bits uint64
	y := x
	for len(y) >= 4 {
		s0 += y[0]
		s1 += y[1]
		s2 += y[2]
		s3 += y[3]
		bits |= math.Float64bits(y[0]) | math.Float64bits(y[1]) | math.Float64bits(y[2]) | math.Float64bits(y[3])
		y = y[4:]
	}
	for _, v := range y {
		s0 += v
		bits |= math.Float64bits(v)
	}
	s := (s0 + s1) + (s2 + s3)
	if bits>>63 != 0 {
		for _, v := range x {
			if v < 0 {
				return s, false
			}
		}
	}
	return s, !math.IsNaN(s) && !math.IsInf(s, 0)
}

func validRow(x []float64) bool {
	_, ok := rowTotal(x)
	return ok
}

// stepFunc allocates step t of a key; ct is sum(c).
type stepFunc func(t int, p, ct float64, c, a []float64) (float64, error)

// stepper validates the key for n consumers and t steps and returns its
// per-step function.
func (k Key) stepper(n, steps int) (stepFunc, error) {
	switch k.Kind {
	case KeyDefault:
		return func(_ int, p, ct float64, c, a []float64) (float64, error) {
			return defaultStep(p, ct, c, a), nil
		}, nil
	case KeyStatic:
		if len(k.Static) != n {
			return nil, fmt.Errorf("energy: static key has %d coefficients for %d consumers", len(k.Static), n)
		}
		if err := CheckCoefficients(k.Static); err != nil {
			return nil, err
		}
		return func(_ int, p, _ float64, c, a []float64) (float64, error) {
			return AllocateCappedStep(p, k.Static, c, a), nil
		}, nil
	case KeyDynamic:
		if err := k.Dynamic.check("dynamic coefficients"); err != nil {
			return nil, err
		}
		if k.Dynamic.N != n || k.Dynamic.T != steps {
			return nil, fmt.Errorf("energy: dynamic coefficients are %d×%d for %d consumers × %d steps", k.Dynamic.N, k.Dynamic.T, n, steps)
		}
		return func(t int, p, _ float64, c, a []float64) (float64, error) {
			row := k.Dynamic.Row(t)
			if err := CheckCoefficients(row); err != nil {
				err.(*CoefficientError).Step = t
				return 0, err
			}
			return AllocateCappedStep(p, row, c, a), nil
		}, nil
	case KeyPriority:
		if len(k.Ranks) != n {
			return nil, fmt.Errorf("energy: priority key has %d ranks for %d consumers", len(k.Ranks), n)
		}
		r, err := NewRanking(k.Ranks)
		if err != nil {
			return nil, err
		}
		return func(_ int, p, _ float64, c, a []float64) (float64, error) {
			return r.AllocateStep(p, c, a), nil
		}, nil
	}
	return nil, fmt.Errorf("energy: unknown key kind %d", k.Kind)
}

// Allocate applies key to production prod (T values, kWh) and consumption
// cons (N × T), writing A into alloc (N × T) and, when surplus is not nil,
// S_t = P_t − Σ_i A_i,t into surplus (T values). Inputs must be finite and
// non-negative; the first offending value is reported.
func Allocate(key Key, prod []float64, cons, alloc Matrix, surplus []float64) error {
	if err := sameShape("consumption", cons, "allocation", alloc); err != nil {
		return err
	}
	if len(prod) != cons.T {
		return fmt.Errorf("energy: production has %d steps, consumption %d", len(prod), cons.T)
	}
	if surplus != nil && len(surplus) != cons.T {
		return fmt.Errorf("energy: surplus has %d steps, consumption %d", len(surplus), cons.T)
	}
	if !validRow(prod) {
		return fmt.Errorf("energy: production step %d is negative or not finite", firstInvalid(prod))
	}
	step, err := key.stepper(cons.N, cons.T)
	if err != nil {
		return err
	}
	for t := range cons.T {
		c := cons.Row(t)
		ct, ok := rowTotal(c)
		if !ok {
			return fmt.Errorf("energy: consumption of consumer %d at step %d is negative or not finite", firstInvalid(c), t)
		}
		s, err := step(t, prod[t], ct, c, alloc.Row(t))
		if err != nil {
			return err
		}
		if surplus != nil {
			surplus[t] = prod[t] - s
		}
	}
	return nil
}

// firstInvalid returns the index of the first negative or non-finite value,
// or of the value where the sum overflows.
func firstInvalid(x []float64) int {
	s := 0.0
	for i, v := range x {
		s += v
		if v < 0 || math.IsNaN(v) || math.IsInf(s, 0) {
			return i
		}
	}
	return -1
}
