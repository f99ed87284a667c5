package energy

import "fmt"

// Matrix holds N series (consumers, producers or coefficients) over T steps in
// one flat slice, step-major: the value of series i at step t is Data[t*N+i].
type Matrix struct {
	N, T int
	Data []float64
}

// NewMatrix returns a zeroed n × t matrix.
func NewMatrix(n, t int) Matrix {
	return Matrix{N: n, T: t, Data: make([]float64, n*t)}
}

// At returns the value of series i at step t.
func (m Matrix) At(i, t int) float64 { return m.Data[t*m.N+i] }

// Set stores the value of series i at step t.
func (m Matrix) Set(i, t int, v float64) { m.Data[t*m.N+i] = v }

// Row returns the N values of step t; it aliases Data.
func (m Matrix) Row(t int) []float64 { return m.Data[t*m.N : (t+1)*m.N : (t+1)*m.N] }

// Column copies series i into dst (grown if needed) and returns it.
func (m Matrix) Column(i int, dst []float64) []float64 {
	dst = dst[:0]
	for t := 0; t < m.T; t++ {
		dst = append(dst, m.Data[t*m.N+i])
	}
	return dst
}

// check reports whether the matrix is well formed.
func (m Matrix) check(name string) error {
	if m.N < 0 || m.T < 0 || len(m.Data) != m.N*m.T {
		return fmt.Errorf("energy: %s matrix is %d×%d but holds %d values", name, m.N, m.T, len(m.Data))
	}
	return nil
}

// sameShape reports an error when b is not shaped like a.
func sameShape(aName string, a Matrix, bName string, b Matrix) error {
	if err := a.check(aName); err != nil {
		return err
	}
	if err := b.check(bName); err != nil {
		return err
	}
	if a.N != b.N || a.T != b.T {
		return fmt.Errorf("energy: %s is %d×%d but %s is %d×%d", aName, a.N, a.T, bName, b.N, b.T)
	}
	return nil
}
