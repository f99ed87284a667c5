package accfile

import (
	"bufio"
	"encoding/json"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/energy"
)

// appendKWh writes v with exactly six decimals and a decimal point. Values
// below 10^6 take a fast path (strconv's fixed-precision 'f' formatting
// goes through big decimals and dominated the CLI's run time): v·10^6 is
// rounded half up to an integer. This can differ from exact decimal rounding
// only when v·10^6 lies within one float64 ulp (at most 1.2·10^-4) of a
// half, and then by one unit in the sixth decimal.
func appendKWh(b []byte, v float64) []byte {
	if !(v >= 0 && v < 1e6) {
		return strconv.AppendFloat(b, v, 'f', 6, 64)
	}
	n := uint64(v*1e6 + 0.5)
	b = strconv.AppendUint(b, n/1e6, 10)
	frac := n % 1e6
	var d [7]byte
	d[0] = '.'
	for i := 6; i >= 1; i-- {
		d[i] = byte('0' + frac%10)
		frac /= 10
	}
	return append(b, d[:]...)
}

// appendField writes a header field, quoted when it holds a separator, a
// quote, surrounding spaces or a line break.
func appendField(b []byte, s string) []byte {
	if !strings.ContainsAny(s, ";\"\r\n") && strings.TrimSpace(s) == s {
		return append(b, s...)
	}
	b = append(b, '"')
	b = append(b, strings.ReplaceAll(s, `"`, `""`)...)
	return append(b, '"')
}

// TableWriter writes `;`-separated files in the layout of the allocation
// inputs and output: a header, then one row per step starting with its time.
type TableWriter struct {
	w   *bufio.Writer
	buf []byte
	loc *time.Location
}

// NewTableWriter writes the header `first;names…` and returns the writer.
// Rows use a decimal point and six decimals.
func NewTableWriter(w io.Writer, first string, names []string) (*TableWriter, error) {
	t := &TableWriter{w: bufio.NewWriterSize(w, 256<<10), loc: energy.Paris()}
	t.buf = appendField(t.buf[:0], first)
	for _, n := range names {
		t.buf = append(t.buf, ';')
		t.buf = appendField(t.buf, n)
	}
	t.buf = append(t.buf, '\n')
	_, err := t.w.Write(t.buf)
	return t, err
}

// Row writes a row whose time is given as text (written as is).
func (t *TableWriter) Row(stamp []byte, values []float64) error {
	b := append(t.buf[:0], stamp...)
	for _, v := range values {
		b = append(b, ';')
		b = appendKWh(b, v)
	}
	b = append(b, '\n')
	t.buf = b
	_, err := t.w.Write(b)
	return err
}

// TimeRow writes a row whose time is an instant, written in Paris time as
// ISO 8601 with its offset (2025-01-01T00:00:00+01:00).
func (t *TableWriter) TimeRow(at time.Time, values []float64) error {
	var s [32]byte
	return t.Row(at.In(t.loc).AppendFormat(s[:0], time.RFC3339), values)
}

// Flush writes any buffered data.
func (t *TableWriter) Flush() error { return t.w.Flush() }

// KeyFileWriter writes per-step coefficients in the grid operator's layout:
//
//	Horodate;<id>;…
//	01/01/2025 00:00;33,3;66,6
//
// local Paris time, percentages with a decimal comma and one decimal. During
// the hour repeated when clocks go back the same Horodate appears twice, in
// time order, as the layout has no offset.
type KeyFileWriter struct {
	w   *bufio.Writer
	buf []byte
	loc *time.Location
}

// NewKeyFileWriter writes the header and returns the writer.
func NewKeyFileWriter(w io.Writer, ids []string) (*KeyFileWriter, error) {
	k := &KeyFileWriter{w: bufio.NewWriterSize(w, 256<<10), loc: energy.Paris()}
	b := append(k.buf[:0], "Horodate"...)
	for _, id := range ids {
		b = append(b, ';')
		b = appendField(b, id)
	}
	k.buf = append(b, '\n')
	_, err := k.w.Write(k.buf)
	return k, err
}

// Row writes one step: q holds tenths of a percent (energy.KeyPermille).
func (k *KeyFileWriter) Row(at time.Time, q []uint16) error {
	b := at.In(k.loc).AppendFormat(k.buf[:0], horodateLayout)
	for _, v := range q {
		b = append(b, ';')
		b = strconv.AppendUint(b, uint64(v/10), 10)
		b = append(b, ',', byte('0'+v%10))
	}
	b = append(b, '\n')
	k.buf = b
	_, err := k.w.Write(b)
	return err
}

// Flush writes any buffered data.
func (k *KeyFileWriter) Flush() error { return k.w.Flush() }

// Summary is the --summary JSON document.
type Summary struct {
	Key                 string            `json:"key"`
	Steps               int               `json:"steps"`
	ProductionKWh       float64           `json:"production_kwh"`
	ConsumptionKWh      float64           `json:"consumption_kwh"`
	AllocatedKWh        float64           `json:"allocated_kwh"`
	SurplusKWh          float64           `json:"surplus_kwh"`
	SelfConsumptionRate float64           `json:"self_consumption_rate"`
	SelfProductionRate  float64           `json:"self_production_rate"`
	Consumers           []ConsumerSummary `json:"consumers"`
}

// ConsumerSummary is one consumer's line of the summary.
type ConsumerSummary struct {
	ID                 string  `json:"id"`
	ConsumptionKWh     float64 `json:"consumption_kwh"`
	AllocatedKWh       float64 `json:"allocated_kwh"`
	SelfProductionRate float64 `json:"self_production_rate"`
}

// NewSummary builds the summary of an allocation from its totals. Rates are
// 0 when their denominator is 0. Numbers below 10^6 are rounded to 9
// decimals (1 µWh for energies), which hides float64 noise such as
// 9.000000000000002 and keeps far more precision than meters have.
func NewSummary(key energy.KeyKind, ids []string, tot *energy.Totals) Summary {
	s := Summary{
		Key:                 key.String(),
		Steps:               tot.Steps,
		ProductionKWh:       round9(tot.Production),
		ConsumptionKWh:      round9(tot.Consumption),
		AllocatedKWh:        round9(tot.Allocated),
		SurplusKWh:          round9(tot.Surplus()),
		SelfConsumptionRate: round9(tot.SelfConsumptionRate()),
		SelfProductionRate:  round9(tot.SelfProductionRate()),
		Consumers:           make([]ConsumerSummary, len(ids)),
	}
	for i, id := range ids {
		c := tot.Consumers[i]
		s.Consumers[i] = ConsumerSummary{ID: id, ConsumptionKWh: round9(c.Consumption),
			AllocatedKWh: round9(c.Allocated), SelfProductionRate: round9(c.SelfProductionRate())}
	}
	return s
}

func round9(v float64) float64 {
	if math.Abs(v) < 1e6 {
		return math.Round(v*1e9) / 1e9
	}
	return v
}

// WriteSummary writes the summary as indented JSON.
func WriteSummary(w io.Writer, s Summary) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(s)
}
