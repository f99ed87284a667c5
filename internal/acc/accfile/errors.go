package accfile

import (
	"fmt"
	"strings"
)

// Kind classifies an input error so that callers and tests need not read
// the message.
type Kind uint8

// Input error kinds.
const (
	KindRead        Kind = iota + 1 // the file cannot be read
	KindEmpty                       // the file is empty
	KindNoRows                      // a header but no data row
	KindHeader                      // the header is missing or malformed
	KindDuplicateID                 // an id appears twice
	KindUnknownID                   // an id is not a consumer of the consumption file
	KindMissingID                   // a consumer is absent
	KindRagged                      // a row has too few or too many fields
	KindQuote                       // an unterminated quoted field
	KindEmptyLine                   // an empty line before more data
	KindTimestamp                   // a timestamp that cannot be parsed
	KindIrregular                   // timestamps not increasing by one constant step
	KindMismatch                    // a timestamp differs from the production file's
	KindRowCount                    // files with different numbers of steps
	KindNumber                      // a value that is not a number
	KindNegative                    // a negative value
	KindCoefficient                 // a coefficient above 1 (100 %), or a row summing above 1
	KindRank                        // a rank that is not a whole number ≥ 1
)

// Error is a problem in an input file: which file, where, and why, in French
// then English. Line and Column are 1-based; 0 means "not about one line"
// or "not about one column". Name is the column's header when it helps.
type Error struct {
	File   string
	Line   int
	Column int
	Name   string
	Kind   Kind
	Fr, En string // reason
	Err    error  // underlying error, for KindRead
}

func (e *Error) Error() string {
	var fr, en strings.Builder
	fr.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&fr, ", ligne %d", e.Line)
		fmt.Fprintf(&en, "line %d", e.Line)
	}
	if e.Column > 0 {
		if en.Len() > 0 {
			en.WriteString(", ")
		}
		fmt.Fprintf(&fr, ", colonne %d", e.Column)
		fmt.Fprintf(&en, "column %d", e.Column)
		if e.Name != "" {
			fmt.Fprintf(&fr, " « %s »", e.Name)
			fmt.Fprintf(&en, " %q", e.Name)
		}
	}
	fr.WriteString(" : ")
	fr.WriteString(e.Fr)
	fr.WriteString(" / ")
	if en.Len() > 0 {
		en.WriteString(": ")
	}
	en.WriteString(e.En)
	return fr.String() + en.String()
}

func (e *Error) Unwrap() error { return e.Err }

// UsageError is a misuse of the command line (unknown flag, missing or
// conflicting option). Its message is one line, French then English; the
// usage text has already been written to stderr. Help requested with -h or
// --help is reported as flag.ErrHelp instead, after the usage text was
// written to stdout.
type UsageError struct {
	Fr, En string
}

func (e *UsageError) Error() string { return e.Fr + " / " + e.En }

func usagef(fr, en string, args ...any) *UsageError {
	return &UsageError{Fr: fmt.Sprintf(fr, args...), En: fmt.Sprintf(en, args...)}
}

// quote shortens a field for a message.
func quote(b []byte) string {
	const max = 40
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}
