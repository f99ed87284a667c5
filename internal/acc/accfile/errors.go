package accfile

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
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
	fr.WriteString(printable(e.File))
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
			fmt.Fprintf(&fr, " « %s »", quote(e.Name))
			fmt.Fprintf(&en, " \"%s\"", quote(e.Name))
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

// quote makes text from a file or the command line fit in a one-line
// message: long text is cut and invisible characters are escaped.
func quote[T ~string | ~[]byte](text T) string {
	const max = 60
	s := string(text)
	if len(s) > max {
		return printable(s[:max]) + "…"
	}
	return printable(s)
}

// printable escapes control and other invisible characters (\r, \x00,
// \u200b) so that a message stays on one line.
func printable(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
			b.WriteString(`\ufffd`)
		case unicode.IsGraphic(r):
			b.WriteRune(r)
		case r < 0x80:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}
