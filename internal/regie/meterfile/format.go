package meterfile

import (
	"fmt"
	"strings"
)

// Format names a file layout.
type Format string

const (
	// FormatCustomerCurve is the customer load-curve export ("Mes mesures"):
	// an optional header block (Identifiant PRM;Type de donnees;…;Unite;Pas en
	// minutes, then one line of values), then Horodate;Valeur rows holding the
	// average power in W over the step, stamped at the END of the interval with
	// an ISO 8601 offset.
	FormatCustomerCurve Format = "customer-load-curve"
	// FormatCustomerDaily is the customer daily-energy export: the same layout
	// with one Horodate;Valeur row per French calendar day, in Wh.
	FormatCustomerDaily Format = "customer-daily-energy"
	// FormatCustomerMeasures is the newer detailed export: Date de la
	// mesure;Heure de la mesure;Valeur;Statut de la mesure;PRM;…;Unité;Pas en
	// minutes, with French local times (no offset) at the END of the interval.
	FormatCustomerMeasures Format = "customer-measures"
	// FormatCustomerMeanPower is the newer two-column export: horodate ISO fin
	// de pas;puissance moyenne (W), possibly after "key;value" preamble lines.
	FormatCustomerMeanPower Format = "customer-mean-power"
	// FormatSGE is the third-party SGE/R63 CSV: one row per point with
	// Identifiant PRM;…;Unite;Horodate;Valeur;Nature;Pas, stamped at the START
	// of the interval, Pas an ISO 8601 duration.
	FormatSGE Format = "sge-r63"
	// FormatPlain is a plain two-column CSV timestamp;kwh (or timestamp;wh):
	// ISO 8601 instants with an offset or Z at the START of the interval,
	// energy per step.
	FormatPlain Format = "plain-energy"
)

// Formats lists the supported formats, in the order a form should offer them.
func Formats() []Format {
	return []Format{FormatCustomerCurve, FormatCustomerDaily, FormatCustomerMeasures,
		FormatCustomerMeanPower, FormatSGE, FormatPlain}
}

// Valid reports whether f is a supported format.
func (f Format) Valid() bool {
	for _, g := range Formats() {
		if f == g {
			return true
		}
	}
	return false
}

// Label returns a French label and its English translation.
func (f Format) Label() (fr, en string) {
	switch f {
	case FormatCustomerCurve:
		return "Export client « Mes mesures » : courbe de charge (W)", "Customer export: load curve (W)"
	case FormatCustomerDaily:
		return "Export client : énergie quotidienne (Wh)", "Customer export: daily energy (Wh)"
	case FormatCustomerMeasures:
		return "Export client détaillé (date et heure de la mesure)", "Detailed customer export (measure date and time)"
	case FormatCustomerMeanPower:
		return "Export client : puissance moyenne en fin de pas", "Customer export: mean power at end of step"
	case FormatSGE:
		return "Fichier tiers SGE / R63", "Third-party SGE / R63 file"
	case FormatPlain:
		return "CSV simple horodatage;kWh", "Plain timestamp;kWh CSV"
	}
	return string(f), string(f)
}

// Kind tells what the values of a curve are.
type Kind string

const (
	// KindLoadCurve: energy in Wh over regular intervals of Segment.Step.
	KindLoadCurve Kind = "load-curve"
	// KindDailyEnergy: energy in Wh per French calendar day. Segment.Step is
	// 24h as a label only: interval i is the local day Start's date + i days,
	// which lasts 23, 24 or 25 hours (use Segment.At).
	KindDailyEnergy Kind = "daily-energy"
)

// Flow tells whether a curve measures consumption (soutirage) or production (injection).
type Flow string

const (
	FlowUnknown     Flow = ""
	FlowConsumption Flow = "consumption"
	FlowProduction  Flow = "production"
)

func flowOf(folded string) Flow {
	switch {
	case strings.Contains(folded, "cons"), strings.Contains(folded, "sout"):
		return FlowConsumption
	case strings.Contains(folded, "prod"), strings.Contains(folded, "inj"):
		return FlowProduction
	}
	return FlowUnknown
}

// family is the kind of column header found in a file.
type family int

const (
	famNone family = iota
	famCustomer
	famDailyDate
	famMeanPower
	famMeasures
	famSGE
	famPlain
	famIndex
)

// header is what precedes the data rows.
type header struct {
	fam      family
	line     int // line number of the column header
	sep      byte
	cols     []string // folded column names
	names    []string // column names as written
	meta     map[string]string
	metaLine int
}

func (h *header) index(name string) int {
	for i, c := range h.cols {
		if c == name {
			return i
		}
	}
	return -1
}

const maxHeaderLines = 64

func classify(cols []string) family {
	has := func(s string) bool {
		for _, c := range cols {
			if c == s {
				return true
			}
		}
		return false
	}
	c0, c1 := cols[0], ""
	if len(cols) > 1 {
		c1 = cols[1]
	}
	switch {
	case has("date de la mesure") && has("heure de la mesure") && has("valeur"):
		return famMeasures
	case has("identifiant prm") && has("horodate") && has("valeur") && has("pas"):
		return famSGE
	case strings.HasPrefix(c0, "horodate iso") && strings.HasPrefix(c1, "puissance moyenne"):
		return famMeanPower
	case c0 == "horodate" && c1 == "valeur":
		return famCustomer
	case c0 == "horodate" && c1 == "type de releve":
		return famIndex
	case c0 == "date" && strings.HasPrefix(c1, "valeur"):
		return famDailyDate
	case isTimeColumn(c0) && plainUnit(c1) != unitNone:
		return famPlain
	}
	return famNone
}

func isTimeColumn(s string) bool {
	switch s {
	case "timestamp", "datetime", "date time", "time", "horodatage", "instant":
		return true
	}
	return false
}

// plainUnit reads the unit from the value column name of a plain file.
func plainUnit(s string) unit {
	switch {
	case strings.Contains(s, "kwh"):
		return unitKWh
	case s == "wh", strings.HasSuffix(s, " wh"), strings.Contains(s, "(wh)"):
		return unitWh
	}
	return unitNone
}

// unitInParens reads "(W)", "(kW)", "(en Wh)"… from a column name.
func unitInParens(s string) unit {
	i := strings.LastIndexByte(s, '(')
	j := strings.LastIndexByte(s, ')')
	if i < 0 || j < i {
		return unitNone
	}
	u := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s[i+1:j]), "en "))
	v, _ := parseUnit(u)
	return v
}

// scanHeader reads lines up to the column header, gathering the metadata block
// and "key;value" preamble lines on the way.
func scanHeader(lr *lineReader) (*header, *ParseError) {
	h := &header{meta: map[string]string{}}
	var buf [][]byte
	for seen := 0; seen < maxHeaderLines; {
		line, ok := lr.next()
		if !ok {
			break
		}
		if isBlank(line) {
			continue
		}
		seen++
		if h.sep == 0 {
			h.sep = sepOf(line)
		}
		var fok bool
		buf, fok = splitFields(line, h.sep, buf)
		if !fok {
			return nil, newErr(lr.n, "", CodeColumns, "guillemet non fermé", "unterminated quote")
		}
		fields := trimTrailingEmpty(buf)
		if len(fields) == 0 {
			continue
		}
		cols := make([]string, len(fields))
		for i, f := range fields {
			cols[i] = fold(f)
		}
		if fam := classify(cols); fam != famNone {
			h.fam, h.line, h.cols = fam, lr.n, cols
			h.names = make([]string, len(fields))
			for i, f := range fields {
				h.names[i] = string(f)
			}
			return h, nil
		}
		if len(cols) > 1 && cols[0] == "identifiant prm" && cols[1] == "type de donnees" {
			// Header block: the next non-blank line holds the values.
			for {
				vline, ok := lr.next()
				if !ok {
					return nil, newErr(lr.n, "", CodeFormat,
						"bloc d'en-tête sans ligne de valeurs", "header block without its line of values")
				}
				if isBlank(vline) {
					continue
				}
				vals, vok := splitFields(vline, h.sep, nil)
				if !vok {
					return nil, newErr(lr.n, "", CodeColumns, "guillemet non fermé", "unterminated quote")
				}
				for i, k := range cols {
					if i < len(vals) && k != "" {
						h.meta[k] = string(vals[i])
					}
				}
				h.metaLine = lr.n
				break
			}
			continue
		}
		if len(fields) > 1 {
			for i := 0; i+1 < len(fields); i += 2 {
				if cols[i] != "" {
					h.meta[cols[i]] = string(fields[i+1])
				}
			}
			h.metaLine = lr.n
		}
	}
	line := lr.n
	if line < 1 {
		line = 1
	}
	return nil, newErr(line, "", CodeFormat,
		"format de fichier non reconnu : aucune ligne d'en-tête connue (« Horodate;Valeur », « Date de la mesure;Heure de la mesure;… », « Identifiant PRM;…;Horodate;Valeur;Nature;Pas », « horodate ISO fin de pas;puissance moyenne (W) », « timestamp;kwh »)",
		"unrecognised file format: no known header line")
}

// Detect reads the beginning of a file (a few kilobytes are enough) and names its format.
func Detect(head []byte) (Format, error) {
	lr := newLineReader(decodeText(head))
	h, perr := scanHeader(lr)
	if perr != nil {
		return "", perr
	}
	return detectFrom(h, lr)
}

func detectFrom(h *header, lr *lineReader) (Format, error) {
	switch h.fam {
	case famMeasures:
		return FormatCustomerMeasures, nil
	case famSGE:
		return FormatSGE, nil
	case famMeanPower:
		return FormatCustomerMeanPower, nil
	case famPlain:
		return FormatPlain, nil
	case famDailyDate:
		return FormatCustomerDaily, nil
	case famIndex:
		return "", newErr(h.line, "", CodeFormat,
			"export d'index (relevés cumulés par cadran) non pris en charge : exportez la courbe de charge ou l'énergie quotidienne",
			"index export (cumulative register readings) not supported: export the load curve or the daily energy")
	}
	// Horodate;Valeur: load curve or daily energy.
	typ := fold([]byte(h.meta["type de donnees"]))
	switch {
	case strings.Contains(typ, "puissance max"):
		return "", newErr(max(h.metaLine, 1), "Type de donnees", CodeFormat,
			"export de puissance maximale non pris en charge", "maximum power export not supported")
	case strings.Contains(typ, "index"):
		return "", newErr(max(h.metaLine, 1), "Type de donnees", CodeFormat,
			"export d'index non pris en charge", "index export not supported")
	case strings.Contains(typ, "quotidien"), strings.Contains(typ, "journali"):
		return FormatCustomerDaily, nil
	case strings.Contains(typ, "courbe"):
		return FormatCustomerCurve, nil
	}
	if u, ok := parseUnit(fold([]byte(h.meta["unite"]))); ok && u.power() {
		return FormatCustomerCurve, nil
	}
	if strings.TrimSpace(h.meta["pas en minutes"]) != "" {
		return FormatCustomerCurve, nil
	}
	// Look at the first rows: dates without time, or rows a day apart, are daily energy.
	var times []int64
	var buf [][]byte
	for len(times) < 2 {
		line, ok := lr.next()
		if !ok {
			break
		}
		if isBlank(line) {
			continue
		}
		fields, ok := splitFields(line, h.sep, buf)
		if !ok || len(fields) == 0 {
			break
		}
		c, ok := parseDateTime(fields[0])
		if !ok {
			break
		}
		if !c.hasTime {
			return FormatCustomerDaily, nil
		}
		if !c.hasOff {
			break
		}
		times = append(times, c.unix())
	}
	if len(times) == 2 {
		d := times[1] - times[0]
		if d < 0 {
			d = -d
		}
		if d >= 20*3600 {
			return FormatCustomerDaily, nil
		}
	}
	return FormatCustomerCurve, nil
}

func (f Format) fits(fam family) bool {
	switch f {
	case FormatCustomerCurve:
		return fam == famCustomer
	case FormatCustomerDaily:
		return fam == famCustomer || fam == famDailyDate
	case FormatCustomerMeasures:
		return fam == famMeasures
	case FormatCustomerMeanPower:
		return fam == famMeanPower
	case FormatSGE:
		return fam == famSGE
	case FormatPlain:
		return fam == famPlain
	}
	return false
}

func (fam family) String() string {
	return [...]string{"?", "Horodate;Valeur", "Date;Valeur", "horodate ISO fin de pas;puissance moyenne",
		"Date de la mesure;Heure de la mesure;…", "Identifiant PRM;…;Horodate;Valeur;Nature;Pas",
		"timestamp;kwh", "Horodate;Type de releve;…"}[fam]
}

func formatMismatch(f Format, h *header) *ParseError {
	return newErr(h.line, "", CodeFormat,
		fmt.Sprintf("le fichier ne correspond pas au format demandé « %s » (en-tête trouvé : « %s »)", f, h.fam),
		fmt.Sprintf("the file does not match the requested format %q (header found: %q)", f, h.fam))
}
