package meterfile

import (
	"fmt"
	"strings"
)

// Error codes carried by ParseError.Code. They are stable and meant for
// programs (API error details, tests); people read Reason and ReasonEN.
const (
	CodeEmpty     = "empty"      // no data at all
	CodeRead      = "read"       // the input could not be read
	CodeTooLarge  = "too-large"  // input bigger than Options.MaxBytes
	CodeFormat    = "format"     // unknown, unsupported or inconsistent layout
	CodeColumns   = "columns"    // wrong number of fields, bad quoting
	CodeTimestamp = "timestamp"  // unreadable or out-of-range date/time
	CodeDST       = "dst"        // local time that does not exist (spring gap)
	CodeValue     = "value"      // unreadable, negative or overflowing value
	CodeUnit      = "unit"       // unknown or unsupported unit
	CodeStep      = "step"       // unknown, unsupported or undeterminable step
	CodeAlignment = "alignment"  // timestamp not on the step grid
	CodePRM       = "prm"        // invalid PRM or PRM different from the expected one
	CodeFlow      = "flow"       // consumption and production mixed
	CodeDuplicate = "duplicate"  // the same interval twice with different values
	CodeOverlap   = "overlap"    // intervals that overlap with different steps
	CodeSpan      = "span"       // period too long (more than Options.MaxSlots intervals)
	CodeDaily     = "daily-time" // a daily row that is not at local midnight
)

// ParseError reports why a file was refused. The whole file is refused: no
// partial curve is returned with it.
type ParseError struct {
	Line      int    // 1-based line number in the file; always ≥ 1
	Column    string // column name as written in the file, "" when the whole line is at fault
	Code      string // one of the Code* constants
	Reason    string // French
	ReasonEN  string // English
	OtherLine int    // the other line involved (duplicates, overlaps, PRM or flow changes), else 0
	Err       error  // underlying error, if any (read errors)
}

func (e *ParseError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "ligne %d", e.Line)
	if e.Column != "" {
		fmt.Fprintf(&b, ", colonne « %s »", e.Column)
	}
	b.WriteString(" : ")
	b.WriteString(e.Reason)
	fmt.Fprintf(&b, " (line %d", e.Line)
	if e.Column != "" {
		fmt.Fprintf(&b, ", column %q", e.Column)
	}
	b.WriteString(": ")
	b.WriteString(e.ReasonEN)
	b.WriteString(")")
	return b.String()
}

func (e *ParseError) Unwrap() error { return e.Err }

func newErr(line int, column, code, fr, en string) *ParseError {
	if line < 1 {
		line = 1
	}
	return &ParseError{Line: line, Column: column, Code: code, Reason: fr, ReasonEN: en}
}
