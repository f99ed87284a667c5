package energy

import (
	"fmt"
	"math"
)

// permilleSlack is δ of KeyPermille, in tenths of a percent.
const permilleSlack = 1e-9

// KeyPermille turns one step of an allocation into the coefficients of a
// dynamic key that reproduces it, in tenths of a percent, floored:
// q_i = ⌊1000 · A_i / P + δ⌋ with δ = 10^-9 (all zero when P = 0).
//
// δ absorbs the relative 10^-13 or so by which the keys may lower an
// allocation to keep Σ A ≤ P in float64: without it an exact quarter of the
// production would be written 24,9 % instead of 25,0 %.
//
// Applying q_i/1000 as a dynamic key gives A'_i = min(C_i, q_i·P/1000), and
// q_i·P/1000 ≤ A_i + δ·P/1000, hence
//
//	−10^-12·P ≤ A_i − A'_i < P/1000  for every consumer,
//
// i.e. each consumer loses less than 0.1 % of the step's production and
// gains at most 10^-12 of it, up to a few float64 roundings. Since Σ A ≤ P,
// the q_i sum to at most 1000 (100 %) for fewer than 10^8 consumers; an
// allocation that breaks Σ A ≤ P or A ≥ 0 is an error.
func KeyPermille(p float64, alloc []float64, dst []uint16) error {
	dst = dst[:len(alloc)]
	if !(p > 0) {
		clear(dst)
		return nil
	}
	total := 0
	for i, a := range alloc {
		q := math.Floor(1000*a/p + permilleSlack)
		if !(q >= 0 && q <= 1000) {
			return fmt.Errorf("energy: allocation %g of consumer %d is not within [0, P=%g]", a, i, p)
		}
		dst[i] = uint16(q)
		total += int(q)
	}
	if total > 1000 {
		return fmt.Errorf("energy: allocation sums to more than production %g", p)
	}
	return nil
}

// KeyPermilleMatrix applies [KeyPermille] to every step of an allocation
// (N × T) and production (T values); dst holds N·T values, step-major.
func KeyPermilleMatrix(prod []float64, alloc Matrix, dst []uint16) error {
	if err := alloc.check("allocation"); err != nil {
		return err
	}
	if len(prod) != alloc.T || len(dst) != len(alloc.Data) {
		return fmt.Errorf("energy: production has %d steps and dst %d values for a %d×%d allocation", len(prod), len(dst), alloc.N, alloc.T)
	}
	for t := range alloc.T {
		if err := KeyPermille(prod[t], alloc.Row(t), dst[t*alloc.N:(t+1)*alloc.N]); err != nil {
			return fmt.Errorf("step %d: %w", t, err)
		}
	}
	return nil
}
