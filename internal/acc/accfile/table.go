package accfile

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/energy"
)

// timeColumn tells how the first column of a table is written.
type timeColumn uint8

const (
	isoTime      timeColumn = iota + 1 // "timestamp": ISO 8601 with offset
	horodateTime                       // "Horodate": local dd/mm/yyyy HH:MM
)

// table reads a file whose first line is a header `<time>;<id>;…` and whose
// rows are `<time>;<value>;…`, one per step. It checks the shape (no ragged
// rows, no empty line before data, no duplicate ids) and that the times
// increase by one constant step. Values are left as text for the caller.
type table struct {
	lr        *lineReader
	file      string
	ids       []string
	kind      timeColumn
	loc       *time.Location
	fields    [][]byte
	stamp     []byte
	at        int64 // start of the current step, Unix ns
	first     int64
	step      int64
	rows      int
	blankLine int // first blank line seen, 0 if none
}

// openTable reads the header. Accepted first-column names are listed in
// kinds; the id columns must be distinct and not empty.
func openTable(file string, r io.Reader, kinds ...timeColumn) (*table, error) {
	t := &table{lr: newLineReader(file, r), file: file, loc: energy.Paris()}
	line, ok, err := t.lr.next()
	for ok && err == nil && blank(line) {
		line, ok, err = t.lr.next()
	}
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, &Error{File: file, Kind: KindEmpty, Fr: "fichier vide", En: "empty file"}
	}
	var col int
	t.fields, col = splitFields(line, t.fields)
	if col > 0 {
		return nil, t.errAt(col, "", KindQuote, "guillemet non fermé", "unterminated quote")
	}
	head := string(t.fields[0])
	for _, k := range kinds {
		if k == isoTime && strings.EqualFold(head, "timestamp") || k == horodateTime && strings.EqualFold(head, "horodate") {
			t.kind = k
		}
	}
	if t.kind == 0 {
		names := `"timestamp"`
		if len(kinds) > 1 {
			names = `"timestamp" ou/or "Horodate"`
		}
		return nil, t.errAt(1, "", KindHeader,
			fmt.Sprintf("en-tête attendu : %s;<id>;… (trouvé « %s »)", names, quote(t.fields[0])),
			fmt.Sprintf("expected header %s;<id>;… (found \"%s\")", names, quote(t.fields[0])))
	}
	if len(t.fields) < 2 {
		return nil, t.errAt(0, "", KindHeader, "aucune colonne d'identifiant après la date", "no id column after the time column")
	}
	seen := make(map[string]int, len(t.fields))
	for j, f := range t.fields[1:] {
		id := string(f)
		if id == "" {
			return nil, t.errAt(j+2, "", KindHeader, "identifiant vide", "empty id")
		}
		if prev, dup := seen[id]; dup {
			return nil, t.errAt(j+2, id, KindDuplicateID,
				fmt.Sprintf("identifiant en double (déjà en colonne %d)", prev),
				fmt.Sprintf("duplicate id (already in column %d)", prev))
		}
		seen[id] = j + 2
		t.ids = append(t.ids, id)
	}
	return t, nil
}

// next reads the next row into t.fields[1:] (the values) and t.at. It
// returns false at the end of the file; a file without rows is an error.
func (t *table) next() (bool, error) {
	for {
		line, ok, err := t.lr.next()
		if err != nil {
			return false, err
		}
		if !ok {
			if t.rows == 0 {
				return false, &Error{File: t.file, Kind: KindNoRows, Fr: "aucune ligne de données", En: "no data rows"}
			}
			return false, nil
		}
		if blank(line) {
			if t.blankLine == 0 {
				t.blankLine = t.lr.line
			}
			continue
		}
		if t.blankLine != 0 {
			return false, &Error{File: t.file, Line: t.blankLine, Kind: KindEmptyLine,
				Fr: "ligne vide avant la fin des données", En: "empty line before the end of the data"}
		}
		var col int
		t.fields, col = splitFields(line, t.fields)
		if col > 0 {
			return false, t.errAt(col, "", KindQuote, "guillemet non fermé", "unterminated quote")
		}
		if n := len(t.fields); n != len(t.ids)+1 {
			j := min(n, len(t.ids)+1)
			name := ""
			if j < len(t.ids)+1 {
				name = t.ids[j-1]
			}
			return false, t.errAt(j+1, name, KindRagged,
				fmt.Sprintf("%d champs au lieu de %d", n, len(t.ids)+1),
				fmt.Sprintf("%d fields instead of %d", n, len(t.ids)+1))
		}
		if err := t.parseTime(); err != nil {
			return false, err
		}
		t.rows++
		return true, nil
	}
}

// parseTime reads the current row's time and checks the regular step.
func (t *table) parseTime() error {
	f := t.fields[0]
	t.stamp = append(t.stamp[:0], f...)
	var at int64
	switch t.kind {
	case isoTime:
		var ok bool
		if at, ok = parseTimestamp(f); !ok {
			return t.errAt(1, "", KindTimestamp,
				fmt.Sprintf("date invalide « %s » (attendu ISO 8601 avec décalage, par exemple 2025-01-01T00:00:00+01:00)", quote(f)),
				fmt.Sprintf("invalid timestamp \"%s\" (expected ISO 8601 with an offset, e.g. 2025-01-01T00:00:00+01:00)", quote(f)))
		}
	case horodateTime:
		a, b, n := parseHorodate(f, t.loc)
		switch {
		case n == 0:
			return t.errAt(1, "", KindTimestamp,
				fmt.Sprintf("horodate invalide « %s » (attendu jj/mm/aaaa HH:MM, heure de Paris existante)", quote(f)),
				fmt.Sprintf("invalid Horodate \"%s\" (expected dd/mm/yyyy HH:MM, an existing Paris time)", quote(f)))
		case n == 2 && t.rows > 0 && a <= t.at:
			at = b // the second occurrence of a repeated hour
		default:
			at = a
		}
	}
	switch t.rows {
	case 0:
		t.first = at
	case 1:
		if at <= t.first {
			return t.irregular("les dates ne sont pas croissantes", "timestamps are not increasing")
		}
		t.step = at - t.first
	default:
		if want := t.first + int64(t.rows)*t.step; at != want {
			switch {
			case at == t.at:
				return t.irregular("date en double", "duplicate timestamp")
			case at > want:
				return t.irregular(
					fmt.Sprintf("pas de temps manquant : attendu %s", t.format(want)),
					fmt.Sprintf("missing step: expected %s", t.format(want)))
			default:
				return t.irregular(
					fmt.Sprintf("pas irrégulier : attendu %s (pas de %v)", t.format(want), time.Duration(t.step)),
					fmt.Sprintf("irregular step: expected %s (step %v)", t.format(want), time.Duration(t.step)))
			}
		}
	}
	t.at = at
	return nil
}

func (t *table) irregular(fr, en string) error {
	return t.errAt(1, "", KindIrregular, fmt.Sprintf("%s (« %s »)", fr, quote(t.stamp)), fmt.Sprintf("%s (\"%s\")", en, quote(t.stamp)))
}

// format writes an instant the way this file writes times.
func (t *table) format(ns int64) string {
	tm := time.Unix(0, ns).In(t.loc)
	if t.kind == horodateTime {
		return tm.Format(horodateLayout)
	}
	return tm.Format(time.RFC3339)
}

// errAt builds an error at the current line.
func (t *table) errAt(col int, name string, kind Kind, fr, en string) *Error {
	return &Error{File: t.file, Line: t.lr.line, Column: col, Name: name, Kind: kind, Fr: fr, En: en}
}

// valueErr builds an error about the value in column j (0-based among ids).
func (t *table) valueErr(j int, kind Kind, fr, en string) *Error {
	return t.errAt(j+2, t.ids[j], kind, fr, en)
}

// numberErr explains why the field of column j is not an acceptable number.
func (t *table) numberErr(j int) *Error {
	f := t.fields[j+1]
	if len(f) == 0 {
		return t.valueErr(j, KindNumber, "valeur manquante", "missing value")
	}
	return t.valueErr(j, KindNumber, fmt.Sprintf("« %s » n'est pas un nombre", quote(f)), fmt.Sprintf("\"%s\" is not a number", quote(f)))
}
