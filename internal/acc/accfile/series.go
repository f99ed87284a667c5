package accfile

import (
	"fmt"
	"io"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/energy"
)

// SeriesReader streams a production or consumption file:
//
//	timestamp;<id>;<id>;…
//	2025-01-01T00:00:00+01:00;0.125;0,3;…
//
// one row per step, the timestamp (ISO 8601 with offset) marking the START
// of the step, values in kWh per step with a decimal point or comma. A UTF-8
// BOM, CRLF line ends, quoted fields and trailing empty lines are accepted.
// Every row is checked as it is read: same number of fields as the header,
// non-negative numbers, timestamps increasing by one constant step (inferred
// from the first two rows).
type SeriesReader struct {
	t      *table
	values []float64
}

// NewSeriesReader reads the header of file (name is used in errors).
func NewSeriesReader(name string, r io.Reader) (*SeriesReader, error) {
	t, err := openTable(name, r, isoTime)
	if err != nil {
		return nil, err
	}
	return &SeriesReader{t: t, values: make([]float64, len(t.ids))}, nil
}

// IDs returns the column ids in file order.
func (s *SeriesReader) IDs() []string { return s.t.ids }

// Next reads the next row. It returns false at the end of the file; a file
// with a header and no rows is an error of kind KindNoRows.
func (s *SeriesReader) Next() (bool, error) {
	ok, err := s.t.next()
	if !ok || err != nil {
		return false, err
	}
	for j, f := range s.t.fields[1:] {
		v, ok := parseNumber(f)
		if !ok {
			return false, s.t.numberErr(j)
		}
		if v < 0 {
			return false, s.t.valueErr(j, KindNegative,
				fmt.Sprintf("valeur négative « %s »", quote(f)), fmt.Sprintf("negative value \"%s\"", quote(f)))
		}
		s.values[j] = v
	}
	return true, nil
}

// Values returns the current row's values in kWh, in IDs order; the slice
// is reused by the next call to Next.
func (s *SeriesReader) Values() []float64 { return s.values }

// Time returns the start of the current step.
func (s *SeriesReader) Time() time.Time { return time.Unix(0, s.t.at).UTC() }

// Stamp returns the current row's timestamp as written (trimmed, unquoted);
// the slice is reused by the next call to Next.
func (s *SeriesReader) Stamp() []byte { return s.t.stamp }

// Line returns the 1-based line number of the current row.
func (s *SeriesReader) Line() int { return s.t.lr.line }

// Rows returns the number of rows read so far.
func (s *SeriesReader) Rows() int { return s.t.rows }

// Step returns the step inferred from the first two rows (0 before them).
func (s *SeriesReader) Step() time.Duration { return time.Duration(s.t.step) }

// Table is a whole production or consumption file in memory.
type Table struct {
	IDs    []string
	Start  time.Time     // start of the first step, UTC
	Step   time.Duration // 0 when the file has a single row
	Stamps []string      // timestamps as written
	Values energy.Matrix // len(IDs) × steps, step-major
}

// ReadSeries reads a whole production or consumption file. Allocation
// streams instead; this is for callers that need the data at once.
func ReadSeries(name string, r io.Reader) (*Table, error) {
	s, err := NewSeriesReader(name, r)
	if err != nil {
		return nil, err
	}
	tb := &Table{IDs: s.IDs(), Values: energy.Matrix{N: len(s.IDs())}}
	for {
		ok, err := s.Next()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		if s.Rows() == 1 {
			tb.Start = s.Time()
		}
		tb.Stamps = append(tb.Stamps, string(s.Stamp()))
		tb.Values.Data = append(tb.Values.Data, s.Values()...)
	}
	tb.Values.T = s.Rows()
	tb.Step = s.Step()
	return tb, nil
}
