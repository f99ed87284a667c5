package accfile

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/energy"
)

// parseCoefficient reads a coefficient written as a fraction ("0.25",
// "0,25") or a percentage ("25%", "25 %", "25,5 %"). With percent set, a
// bare number is a percentage too (the grid operator's key files).
func parseCoefficient(b []byte, percent bool) (float64, bool) {
	if n := len(b); n > 0 && b[n-1] == '%' {
		b = trimSpace(b[:n-1])
		percent = true
	}
	if percent {
		return parseScaled(b, -2)
	}
	return parseNumber(b)
}

// coefficientErr checks 0 ≤ v ≤ 1 for a coefficient written as text.
func coefficientErr(v float64, text []byte) (fr, en string, kind Kind) {
	switch {
	case v < 0:
		return fmt.Sprintf("coefficient négatif « %s »", quote(text)), fmt.Sprintf("negative coefficient \"%s\"", quote(text)), KindNegative
	case v > 1:
		return fmt.Sprintf("coefficient « %s » supérieur à 1 (100 %%)", quote(text)), fmt.Sprintf("coefficient \"%s\" is above 1 (100 %%)", quote(text)), KindCoefficient
	}
	return "", "", 0
}

// pairs reads a two-column file `consumer;value` whose consumers must be
// exactly the given ones, each once. A first line whose value isValue
// rejects is a header. store checks and keeps the value of consumer i.
func pairs(name string, r io.Reader, consumers []string, valueName string,
	isValue func(text []byte) bool, store func(i int, text []byte, line int) *Error) error {
	index := make(map[string]int, len(consumers))
	for i, c := range consumers {
		index[c] = i
	}
	seenAt := make([]int, len(consumers))
	lr := newLineReader(name, r)
	var fields [][]byte
	lines, rows, blankLine := 0, 0, 0
	for {
		line, ok, err := lr.next()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		if blank(line) {
			if blankLine == 0 {
				blankLine = lr.line
			}
			continue
		}
		if blankLine != 0 && lines > 0 {
			return &Error{File: name, Line: blankLine, Kind: KindEmptyLine, Fr: "ligne vide avant la fin des données", En: "empty line before the end of the data"}
		}
		blankLine = 0
		lines++
		var col int
		fields, col = splitFields(line, fields)
		if col > 0 {
			return &Error{File: name, Line: lr.line, Column: col, Kind: KindQuote, Fr: "guillemet non fermé", En: "unterminated quote"}
		}
		if len(fields) != 2 {
			return &Error{File: name, Line: lr.line, Column: min(len(fields), 2) + 1, Kind: KindRagged,
				Fr: fmt.Sprintf("%d champs au lieu de 2 (consommateur;%s)", len(fields), valueName),
				En: fmt.Sprintf("%d fields instead of 2 (consumer;%s)", len(fields), valueName)}
		}
		if lines == 1 && !isValue(fields[1]) {
			continue // a header line
		}
		id := string(fields[0])
		i, known := index[id]
		switch {
		case !known:
			return &Error{File: name, Line: lr.line, Column: 1, Name: id, Kind: KindUnknownID,
				Fr: fmt.Sprintf("consommateur « %s » absent du fichier de consommation", quote(fields[0])),
				En: fmt.Sprintf("consumer \"%s\" is not in the consumption file", quote(fields[0]))}
		case seenAt[i] != 0:
			return &Error{File: name, Line: lr.line, Column: 1, Name: id, Kind: KindDuplicateID,
				Fr: fmt.Sprintf("consommateur « %s » en double (déjà ligne %d)", quote(fields[0]), seenAt[i]),
				En: fmt.Sprintf("duplicate consumer \"%s\" (already on line %d)", quote(fields[0]), seenAt[i])}
		}
		if err := store(i, fields[1], lr.line); err != nil {
			err.File, err.Line, err.Column, err.Name = name, lr.line, 2, id
			return err
		}
		seenAt[i] = lr.line
		rows++
	}
	if lines == 0 {
		return &Error{File: name, Kind: KindEmpty, Fr: "fichier vide", En: "empty file"}
	}
	if rows == 0 {
		return &Error{File: name, Kind: KindNoRows, Fr: "aucune ligne de données", En: "no data rows"}
	}
	if missing := missingIDs(consumers, seenAt); missing != "" {
		return &Error{File: name, Kind: KindMissingID,
			Fr: "consommateur(s) absent(s) : " + missing, En: "missing consumer(s): " + missing}
	}
	return nil
}

// missingIDs lists (up to five of) the consumers whose seen mark is zero.
func missingIDs(consumers []string, seen []int) string {
	var out []string
	n := 0
	for i, s := range seen {
		if s == 0 {
			if n < 5 {
				out = append(out, "\""+quote(consumers[i])+"\"")
			}
			n++
		}
	}
	if n > 5 {
		out = append(out, fmt.Sprintf("… (%d)", n))
	}
	return strings.Join(out, ", ")
}

// ReadStaticCoefficients reads a static key, `consumer;coefficient` lines
// (an optional header line first), one per consumer of the consumption file,
// each a fraction 0–1 or a percentage written with %. It returns the
// coefficients in consumers order. Their sum must not exceed 1 (100 %).
func ReadStaticCoefficients(name string, r io.Reader, consumers []string) ([]float64, error) {
	k := make([]float64, len(consumers))
	isValue := func(text []byte) bool {
		_, ok := parseCoefficient(text, false)
		return ok
	}
	err := pairs(name, r, consumers, "coefficient", isValue, func(i int, text []byte, _ int) *Error {
		v, ok := parseCoefficient(text, false)
		if !ok {
			return &Error{Kind: KindNumber,
				Fr: fmt.Sprintf("« %s » n'est pas un coefficient (fraction 0–1 ou pourcentage avec %%)", quote(text)),
				En: fmt.Sprintf("\"%s\" is not a coefficient (a fraction 0–1 or a percentage with %%)", quote(text))}
		}
		if fr, en, kind := coefficientErr(v, text); kind != 0 {
			return &Error{Kind: kind, Fr: fr, En: en}
		}
		k[i] = v
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := energy.CheckCoefficients(k); err != nil {
		return nil, &Error{File: name, Kind: KindCoefficient,
			Fr: fmt.Sprintf("les coefficients totalisent %s, plus de 100 %%", percent(err)),
			En: fmt.Sprintf("coefficients sum to %s, more than 100 %%", percent(err))}
	}
	return k, nil
}

// percent formats the sum carried by a coefficient error.
func percent(err error) string {
	var ce *energy.CoefficientError
	if errors.As(err, &ce) {
		return fmt.Sprintf("%.4g %%", ce.Value*100)
	}
	return err.Error()
}

// ReadPriorities reads a priority key, `consumer;rank` lines (an optional
// header line first), one per consumer, ranks being whole numbers ≥ 1
// (1 is served first; equal ranks share pro rata). It returns the ranks in
// consumers order.
func ReadPriorities(name string, r io.Reader, consumers []string) ([]int, error) {
	ranks := make([]int, len(consumers))
	isValue := func(text []byte) bool {
		_, ok := parseNumber(text)
		return ok
	}
	err := pairs(name, r, consumers, "rang/rank", isValue, func(i int, text []byte, _ int) *Error {
		n := 0
		for _, c := range text {
			if c < '0' || c > '9' || n > 1e6 {
				n = -1
				break
			}
			n = n*10 + int(c-'0')
		}
		if n < 1 {
			return &Error{Kind: KindRank,
				Fr: fmt.Sprintf("rang « %s » invalide (nombre entier ≥ 1 attendu)", quote(text)),
				En: fmt.Sprintf("invalid rank \"%s\" (a whole number ≥ 1 is expected)", quote(text))}
		}
		ranks[i] = n
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ranks, nil
}

// CoefficientReader streams a dynamic key: one row per step with a
// coefficient per consumer, in either layout:
//
//	timestamp;<id>;…   ISO 8601 with offset; fractions 0–1, or percentages with %
//	Horodate;<id>;…    the grid operator's layout written by --key-file: local
//	                   Paris time dd/mm/yyyy HH:MM; values are percentages
//
// The columns must be exactly the consumers of the consumption file, in any
// order. Each coefficient is within [0, 1] and each row sums to at most 1
// (within energy.CoefficientTolerance).
type CoefficientReader struct {
	t       *table
	column  []int // column j → consumer index
	values  []float64
	percent bool
}

// NewCoefficientReader reads the header of a dynamic key file.
func NewCoefficientReader(name string, r io.Reader, consumers []string) (*CoefficientReader, error) {
	t, err := openTable(name, r, isoTime, horodateTime)
	if err != nil {
		return nil, err
	}
	index := make(map[string]int, len(consumers))
	for i, c := range consumers {
		index[c] = i
	}
	c := &CoefficientReader{t: t, column: make([]int, len(t.ids)), values: make([]float64, len(consumers)), percent: t.kind == horodateTime}
	seen := make([]int, len(consumers))
	for j, id := range t.ids {
		i, ok := index[id]
		if !ok {
			return nil, t.errAt(j+2, id, KindUnknownID,
				fmt.Sprintf("consommateur « %s » absent du fichier de consommation", quote(id)),
				fmt.Sprintf("consumer \"%s\" is not in the consumption file", quote(id)))
		}
		c.column[j] = i
		seen[i] = j + 2
	}
	if missing := missingIDs(consumers, seen); missing != "" {
		return nil, &Error{File: name, Line: 1, Kind: KindMissingID,
			Fr: "consommateur(s) absent(s) : " + missing, En: "missing consumer(s): " + missing}
	}
	return c, nil
}

// Next reads and checks the next row.
func (c *CoefficientReader) Next() (bool, error) {
	ok, err := c.t.next()
	if !ok || err != nil {
		return false, err
	}
	for j, f := range c.t.fields[1:] {
		v, ok := parseCoefficient(f, c.percent)
		if !ok {
			return false, c.t.numberErr(j)
		}
		if fr, en, kind := coefficientErr(v, f); kind != 0 {
			return false, c.t.valueErr(j, kind, fr, en)
		}
		c.values[c.column[j]] = v
	}
	if err := energy.CheckCoefficients(c.values); err != nil {
		return false, c.t.errAt(0, "", KindCoefficient,
			fmt.Sprintf("les coefficients de la ligne totalisent %s, plus de 100 %%", percent(err)),
			fmt.Sprintf("the row's coefficients sum to %s, more than 100 %%", percent(err)))
	}
	return true, nil
}

// Values returns the current row's coefficients (fractions) in consumers
// order; the slice is reused by the next call to Next.
func (c *CoefficientReader) Values() []float64 { return c.values }

// Time returns the start of the current step.
func (c *CoefficientReader) Time() time.Time { return time.Unix(0, c.t.at).UTC() }

// Stamp returns the current row's time as written.
func (c *CoefficientReader) Stamp() []byte { return c.t.stamp }

// Line returns the 1-based line number of the current row.
func (c *CoefficientReader) Line() int { return c.t.lr.line }
