package meterfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"
)

// Options tune Parse. The zero value detects the format and applies the default limits.
type Options struct {
	// Format forces a format instead of detecting it.
	Format Format
	// PRM, when set, is the meter the file must concern: a file naming another
	// PRM is refused. A file naming none gets this one.
	PRM string
	// Flow keeps only the rows of one flow when a file mixes consumption and
	// production (SGE files may). Empty: such a file is refused. Files with a
	// single flow are not filtered: check Curve.Flow.
	Flow Flow
	// AllowNegative accepts negative values (net metering); refused by default.
	AllowNegative bool
	// MaxBytes caps the size of the input; 0 means DefaultMaxBytes.
	MaxBytes int64
	// MaxSlots caps the number of intervals of the result (values and gaps);
	// 0 means DefaultMaxSlots.
	MaxSlots int
}

const (
	// MaxWh bounds a value (1 TWh per interval): larger values are refused as
	// implausible, which also keeps every sum of a curve within an int64.
	MaxWh = 1e12

	DefaultMaxBytes = 64 << 20
	// DefaultMaxSlots allows about ten years at a 10-minute step.
	DefaultMaxSlots = 600_000
)

// Parse reads a whole file and normalises it. A file with any malformed row is
// refused whole with a *ParseError naming the line, the column and the reason.
func Parse(r io.Reader, opts Options) (*Curve, error) {
	max := opts.MaxBytes
	if max <= 0 {
		max = DefaultMaxBytes
	}
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, &ParseError{Line: countLines(data), Code: CodeRead,
			Reason: "lecture du fichier impossible", ReasonEN: "cannot read the file", Err: err}
	}
	if int64(len(data)) > max {
		return nil, newErr(countLines(data[:max]), "", CodeTooLarge,
			fmt.Sprintf("fichier trop volumineux (plus de %d octets)", max),
			fmt.Sprintf("file too large (more than %d bytes)", max))
	}
	return ParseBytes(data, opts)
}

// ParseBytes is Parse on a file already in memory.
func ParseBytes(data []byte, opts Options) (*Curve, error) {
	if opts.MaxBytes > 0 && int64(len(data)) > opts.MaxBytes {
		return nil, newErr(countLines(data[:opts.MaxBytes]), "", CodeTooLarge,
			fmt.Sprintf("fichier trop volumineux (plus de %d octets)", opts.MaxBytes),
			fmt.Sprintf("file too large (more than %d bytes)", opts.MaxBytes))
	}
	text := decodeText(data)
	if len(bytes.TrimSpace(text)) == 0 {
		return nil, newErr(1, "", CodeEmpty, "fichier vide", "empty file")
	}
	if opts.Format != "" && !opts.Format.Valid() {
		return nil, newErr(1, "", CodeFormat,
			fmt.Sprintf("format inconnu « %s »", shown([]byte(opts.Format))),
			fmt.Sprintf("unknown format %q", shown([]byte(opts.Format))))
	}
	if opts.PRM != "" {
		if fr, en, ok := checkPRM(opts.PRM); !ok {
			return nil, newErr(1, "", CodePRM, "PRM attendu invalide : "+fr, "invalid expected PRM: "+en)
		}
	}
	lr := newLineReader(text)
	h, perr := scanHeader(lr)
	if perr != nil {
		return nil, perr
	}
	format := opts.Format
	if format == "" {
		// Detection may read a few rows; it works on its own reader.
		look := *lr
		f, err := detectFrom(h, &look)
		if err != nil {
			return nil, err
		}
		format = f
	} else if !format.fits(h.fam) {
		return nil, formatMismatch(format, h)
	}
	p := &parser{opts: opts, format: format, lr: lr, h: h}
	p.maxSlots = opts.MaxSlots
	if p.maxSlots <= 0 {
		p.maxSlots = DefaultMaxSlots
	}
	p.recs = make([]rec, 0, countLines(text[lr.pos:])) // one row per line at most
	if perr := p.run(); perr != nil {
		return nil, perr
	}
	return p.curve, nil
}

// rec is one data row.
type rec struct {
	t     int64 // Unix seconds as written (end or start, per format); daily: French day number
	step  int64 // seconds, 0 until known
	wh    int64
	val   decimal
	line  int32
	unit  unit
	empty bool
}

type parser struct {
	opts     Options
	format   Format
	lr       *lineReader
	h        *header
	recs     []rec
	maxSlots int

	prm        string
	prmLine    int
	flow       Flow
	flowLine   int
	defUnit    unit
	headerStep int64
	endStamped bool
	daily      bool
	stats      Stats
	curve      *Curve
	fields     [][]byte
	lastPRM    []byte
	lastUnitB  []byte
	lastUnit   unit
	lastFlowB  []byte
	lastFlow   Flow
	lastStepB  []byte
	lastStep   int64
}

func (p *parser) run() *ParseError {
	h := p.h
	switch p.format {
	case FormatCustomerCurve, FormatCustomerDaily:
		p.daily = p.format == FormatCustomerDaily
		p.endStamped = !p.daily
		if perr := p.readMeta(); perr != nil {
			return perr
		}
		if h.fam == famDailyDate {
			if u := unitInParens(h.cols[1]); u != unitNone {
				p.defUnit = u
			}
		}
		if p.defUnit == unitNone {
			if p.daily {
				p.defUnit = unitWh
			} else {
				p.defUnit = unitW
			}
		}
		if perr := p.readTwoColumns(); perr != nil {
			return perr
		}
	case FormatCustomerMeanPower:
		p.endStamped = true
		if perr := p.readMeta(); perr != nil {
			return perr
		}
		p.defUnit = unitInParens(h.cols[1])
		if p.defUnit == unitNone {
			p.defUnit = unitW
		}
		if perr := p.readTwoColumns(); perr != nil {
			return perr
		}
	case FormatPlain:
		if perr := p.readMeta(); perr != nil {
			return perr
		}
		p.defUnit = plainUnit(h.cols[1])
		if perr := p.readTwoColumns(); perr != nil {
			return perr
		}
	case FormatCustomerMeasures:
		p.endStamped = true
		if perr := p.readMeta(); perr != nil {
			return perr
		}
		if perr := p.readMeasures(); perr != nil {
			return perr
		}
	case FormatSGE:
		if perr := p.readMeta(); perr != nil {
			return perr
		}
		if perr := p.readSGE(); perr != nil {
			return perr
		}
	}
	return p.finish()
}

// readMeta takes PRM, unit, step and flow from the header block or preamble.
func (p *parser) readMeta() *ParseError {
	m, line := p.h.meta, p.h.metaLine
	if v, ok := m["identifiant prm"]; ok && v != "" {
		if perr := p.setPRM([]byte(v), line, "Identifiant PRM"); perr != nil {
			return perr
		}
	} else if v, ok := m["prm"]; ok && v != "" {
		if perr := p.setPRM([]byte(v), line, "PRM"); perr != nil {
			return perr
		}
	}
	if v := m["unite"]; v != "" {
		u, ok := parseUnit(fold([]byte(v)))
		if !ok {
			return unitErr(line, "Unite", []byte(v))
		}
		p.defUnit = u
	}
	if v := m["pas en minutes"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || !validStep(int64(n)*60) {
			return stepErr(line, "Pas en minutes", []byte(v))
		}
		p.headerStep = int64(n) * 60
	}
	if v := m["grandeur metier"]; v != "" {
		p.flow, p.flowLine = flowOf(fold([]byte(v))), line
	}
	return nil
}

func unitErr(line int, col string, v []byte) *ParseError {
	return newErr(line, col, CodeUnit,
		fmt.Sprintf("unité « %s » non prise en charge (attendu W, kW, Wh ou kWh)", shown(v)),
		fmt.Sprintf("unsupported unit %q (expected W, kW, Wh or kWh)", shown(v)))
}

func stepErr(line int, col string, v []byte) *ParseError {
	return newErr(line, col, CodeStep,
		fmt.Sprintf("pas « %s » non pris en charge (attendu un nombre de minutes divisant 60 : 5, 10, 15, 30, 60…)", shown(v)),
		fmt.Sprintf("unsupported step %q (expected minutes dividing 60: 5, 10, 15, 30, 60…)", shown(v)))
}

func (p *parser) setPRM(v []byte, line int, col string) *ParseError {
	s := string(v)
	if s != p.prm {
		var err error
		if s, err = NormalizePRM(s); err != nil {
			var pe *PRMError
			errors.As(err, &pe)
			return newErr(line, col, CodePRM, "PRM invalide : "+pe.Reason, "invalid PRM: "+pe.ReasonEN)
		}
	}
	if p.prm != "" {
		if s == p.prm {
			return nil
		}
		e := newErr(line, col, CodePRM,
			fmt.Sprintf("PRM %s différent du PRM %s de la ligne %d : un fichier ne doit concerner qu'un compteur", s, p.prm, p.prmLine),
			fmt.Sprintf("PRM %s differs from PRM %s on line %d: a file must concern one meter", s, p.prm, p.prmLine))
		e.OtherLine = p.prmLine
		return e
	}
	if p.opts.PRM != "" && s != p.opts.PRM {
		return newErr(line, col, CodePRM,
			fmt.Sprintf("le fichier concerne le PRM %s, pas le compteur %s", s, p.opts.PRM),
			fmt.Sprintf("the file concerns PRM %s, not meter %s", s, p.opts.PRM))
	}
	p.prm, p.prmLine = s, line
	return nil
}

// rowFields splits a data row; it reports false for a blank row.
func (p *parser) rowFields(line []byte) ([][]byte, bool, *ParseError) {
	if isBlank(line) {
		return nil, false, nil
	}
	var ok bool
	p.fields, ok = splitFields(line, p.h.sep, p.fields)
	if !ok {
		return nil, false, newErr(p.lr.n, "", CodeColumns, "guillemet non fermé", "unterminated quote")
	}
	return p.fields, true, nil
}

func (p *parser) tooManyFields(n, want int) *ParseError {
	if p.h.sep == ',' {
		return newErr(p.lr.n, "", CodeColumns,
			fmt.Sprintf("%d champs au lieu de %d : avec le séparateur « , », une virgule décimale est ambiguë ; mettez la valeur entre guillemets ou utilisez « ; »", n, want),
			fmt.Sprintf("%d fields instead of %d: with the ',' separator a decimal comma is ambiguous; quote the value or use ';'", n, want))
	}
	return newErr(p.lr.n, "", CodeColumns,
		fmt.Sprintf("%d champs au lieu de %d", n, want),
		fmt.Sprintf("%d fields instead of %d", n, want))
}

// value reads a value field into r.
func (p *parser) value(r *rec, b []byte, col string) *ParseError {
	if len(b) == 0 {
		r.empty = true
		return nil
	}
	d, ok := parseDecimal(b)
	if !ok {
		return newErr(p.lr.n, col, CodeValue,
			fmt.Sprintf("valeur non numérique « %s »", shown(b)),
			fmt.Sprintf("not a number %q", shown(b)))
	}
	if d.mant < 0 && !p.opts.AllowNegative {
		return newErr(p.lr.n, col, CodeValue,
			fmt.Sprintf("valeur négative « %s »", shown(b)),
			fmt.Sprintf("negative value %q", shown(b)))
	}
	r.val = d
	return nil
}

func (p *parser) timeErr(col string, b []byte, fr, en string) *ParseError {
	return newErr(p.lr.n, col, CodeTimestamp,
		fmt.Sprintf("horodate « %s » invalide : %s", shown(b), fr),
		fmt.Sprintf("invalid timestamp %q: %s", shown(b), en))
}

// instant reads an ISO 8601 timestamp with offset; daily rows may also be bare dates.
func (p *parser) instant(r *rec, b []byte, col string) *ParseError {
	c, ok := parseDateTime(b)
	if !ok {
		return p.timeErr(col, b, "attendu AAAA-MM-JJThh:mm:ss+hh:mm", "expected YYYY-MM-DDThh:mm:ss+hh:mm")
	}
	if !c.yearOK() {
		return p.timeErr(col, b, fmt.Sprintf("année hors de %d–%d", minYear, maxYear),
			fmt.Sprintf("year outside %d–%d", minYear, maxYear))
	}
	if p.daily {
		if !c.hasTime {
			r.t = daysFromCivil(c.y, c.m, c.d)
			return nil
		}
		if !c.hasOff || c.hh == 24 {
			return p.timeErr(col, b, "décalage horaire manquant (+01:00, +02:00 ou Z)", "missing UTC offset (+01:00, +02:00 or Z)")
		}
		day, sec := parisDay(c.unix())
		if sec != 0 || c.frac {
			return newErr(p.lr.n, col, CodeDaily,
				fmt.Sprintf("horodate « %s » : une énergie quotidienne doit être datée à minuit, heure de Paris", shown(b)),
				fmt.Sprintf("timestamp %q: daily energy must be stamped at midnight, Paris time", shown(b)))
		}
		r.t = day
		return nil
	}
	if !c.hasTime || !c.hasOff || c.hh == 24 {
		return p.timeErr(col, b, "date, heure et décalage horaire attendus (AAAA-MM-JJThh:mm:ss+hh:mm ou Z)",
			"date, time and UTC offset expected (YYYY-MM-DDThh:mm:ss+hh:mm or Z)")
	}
	if c.frac {
		return newErr(p.lr.n, col, CodeAlignment,
			fmt.Sprintf("horodate « %s » avec une fraction de seconde : elle doit tomber sur le pas", shown(b)),
			fmt.Sprintf("timestamp %q has a fraction of a second: it must fall on the step", shown(b)))
	}
	r.t = c.unix()
	return nil
}

func (p *parser) push(r rec) {
	r.line = int32(p.lr.n)
	p.recs = append(p.recs, r)
	p.stats.Rows++
	if r.empty {
		p.stats.EmptyValues++
	}
}

// readTwoColumns reads timestamp;value rows.
func (p *parser) readTwoColumns() *ParseError {
	tcol, vcol := p.h.names[0], p.h.names[1]
	for {
		line, ok := p.lr.next()
		if !ok {
			return nil
		}
		f, ok, perr := p.rowFields(line)
		if perr != nil {
			return perr
		}
		if !ok {
			continue
		}
		f = trimTrailingEmpty(f)
		if len(f) > 2 {
			return p.tooManyFields(len(f), 2)
		}
		var r rec
		if len(f) == 0 || len(f[0]) == 0 {
			return newErr(p.lr.n, tcol, CodeTimestamp, "horodate manquante", "missing timestamp")
		}
		if perr := p.instant(&r, f[0], tcol); perr != nil {
			return perr
		}
		var v []byte
		if len(f) > 1 {
			v = f[1]
		}
		if perr := p.value(&r, v, vcol); perr != nil {
			return perr
		}
		r.unit = p.defUnit
		r.step = p.headerStep
		p.push(r)
	}
}

func (p *parser) col(name string) int { return p.h.index(name) }

func (p *parser) field(f [][]byte, i int) []byte {
	if i < 0 || i >= len(f) {
		return nil
	}
	return f[i]
}

func (p *parser) name(i int) string {
	if i < 0 || i >= len(p.h.names) {
		return ""
	}
	return p.h.names[i]
}

// rowUnit reads a per-row unit, caching the last one seen.
func (p *parser) rowUnit(b []byte, i int) (unit, *ParseError) {
	if len(b) == 0 {
		if p.defUnit == unitNone {
			return unitW, nil
		}
		return p.defUnit, nil
	}
	if bytes.Equal(b, p.lastUnitB) {
		return p.lastUnit, nil
	}
	u, ok := parseUnit(fold(b))
	if !ok {
		return unitNone, unitErr(p.lr.n, p.name(i), b)
	}
	p.lastUnitB = append(p.lastUnitB[:0], b...)
	p.lastUnit = u
	return u, nil
}

// rowPRM checks a per-row PRM.
func (p *parser) rowPRM(b []byte, i int) *ParseError {
	if len(b) == 0 || bytes.Equal(b, p.lastPRM) {
		return nil
	}
	if perr := p.setPRM(b, p.lr.n, p.name(i)); perr != nil {
		return perr
	}
	p.lastPRM = append(p.lastPRM[:0], b...)
	return nil
}

// rowFlow reads a per-row flow; skip is true when Options.Flow leaves the row out.
func (p *parser) rowFlow(b []byte, i int) (skip bool, perr *ParseError) {
	if len(b) == 0 {
		return false, nil
	}
	var fl Flow
	if bytes.Equal(b, p.lastFlowB) {
		fl = p.lastFlow
	} else {
		fl = flowOf(fold(b))
		p.lastFlowB = append(p.lastFlowB[:0], b...)
		p.lastFlow = fl
	}
	if fl == FlowUnknown {
		return false, nil
	}
	if p.opts.Flow != FlowUnknown {
		if fl != p.opts.Flow {
			p.stats.Skipped++
			return true, nil
		}
		p.flow = fl
		return false, nil
	}
	if p.flow == FlowUnknown {
		p.flow, p.flowLine = fl, p.lr.n
		return false, nil
	}
	if fl != p.flow {
		e := newErr(p.lr.n, p.name(i), CodeFlow,
			fmt.Sprintf("le fichier mélange consommation et production (ligne %d) : choisissez le flux à importer", p.flowLine),
			fmt.Sprintf("the file mixes consumption and production (line %d): choose the flow to import", p.flowLine))
		e.OtherLine = p.flowLine
		return false, e
	}
	return false, nil
}

// readMeasures reads the detailed customer export with French local times.
func (p *parser) readMeasures() *ParseError {
	iDate, iTime, iVal := p.col("date de la mesure"), p.col("heure de la mesure"), p.col("valeur")
	iPRM, iUnit, iStep, iFlow := p.col("prm"), p.col("unite"), p.col("pas en minutes"), p.col("grandeur metier")
	for {
		line, ok := p.lr.next()
		if !ok {
			break
		}
		f, ok, perr := p.rowFields(line)
		if perr != nil {
			return perr
		}
		if !ok {
			continue
		}
		if n := len(trimTrailingEmpty(f)); n > len(p.h.cols) {
			return p.tooManyFields(n, len(p.h.cols))
		}
		if skip, perr := p.rowFlow(p.field(f, iFlow), iFlow); perr != nil {
			return perr
		} else if skip {
			continue
		}
		var r rec
		db, tb := p.field(f, iDate), p.field(f, iTime)
		var c civil
		if _, ok := parseDate(db, &c); !ok || len(db) != 10 || !c.yearOK() {
			return p.timeErr(p.name(iDate), db, "date attendue JJ/MM/AAAA ou AAAA-MM-JJ", "date expected as DD/MM/YYYY or YYYY-MM-DD")
		}
		n, ok := parseClock(tb, &c)
		if !ok || n != len(tb) || c.frac {
			return p.timeErr(p.name(iTime), tb, "heure attendue hh:mm ou hh:mm:ss", "time expected as hh:mm or hh:mm:ss")
		}
		// Naive local seconds; resolved once the order of the rows is known.
		r.t = daysFromCivil(c.y, c.m, c.d)*secondsPerDay + int64(c.hh*3600+c.mm*60+c.ss)
		if perr := p.value(&r, p.field(f, iVal), p.name(iVal)); perr != nil {
			return perr
		}
		if perr := p.rowPRM(p.field(f, iPRM), iPRM); perr != nil {
			return perr
		}
		if r.unit, perr = p.rowUnit(p.field(f, iUnit), iUnit); perr != nil {
			return perr
		}
		if sb := p.field(f, iStep); len(sb) > 0 {
			if !bytes.Equal(sb, p.lastStepB) {
				m, err := strconv.Atoi(string(sb))
				if err != nil || !validStep(int64(m)*60) {
					return stepErr(p.lr.n, p.name(iStep), sb)
				}
				p.lastStepB = append(p.lastStepB[:0], sb...)
				p.lastStep = int64(m) * 60
			}
			r.step = p.lastStep
		}
		p.push(r)
	}
	return p.resolveLocal()
}

// resolveLocal turns naive French local times into instants. Rule: a time that
// does not exist (the spring-forward hour) is refused; a time that exists twice
// (the repeated autumn hour) takes, in a file in increasing order, the earliest
// of its two instants that is later than the previous row, else the later one;
// in a file in decreasing order, the mirror rule. So the first 02:30 of the
// autumn day is summer time (00:30Z) and the second one winter time (01:30Z).
// Ambiguous rows at the very beginning of a file have no previous row: they are
// resolved from the first unambiguous row, walking backwards with the mirror
// rule, so a file starting inside the repeated hour still reads right.
func (p *parser) resolveLocal() *ParseError {
	recs := p.recs
	if len(recs) == 0 {
		return nil
	}
	descending := recs[len(recs)-1].t < recs[0].t
	cands := make([][2]int64, len(recs))
	ns := make([]int, len(recs))
	firstSure := -1
	for i := range recs {
		r := &recs[i]
		y, m, d := civilFromDays(floorDiv(r.t, secondsPerDay))
		s := int(r.t - floorDiv(r.t, secondsPerDay)*secondsPerDay)
		cands[i], ns[i] = localToUnix(y, m, d, s/3600, s/60%60, s%60)
		if ns[i] == 0 {
			return newErr(int(r.line), p.name(p.col("heure de la mesure")), CodeDST,
				fmt.Sprintf("heure locale %02d:%02d inexistante le %02d/%02d/%04d (passage à l'heure d'été)", s/3600, s/60%60, d, m, y),
				fmt.Sprintf("local time %02d:%02d does not exist on %04d-%02d-%02d (start of summer time)", s/3600, s/60%60, y, m, d))
		}
		if ns[i] == 1 && firstSure < 0 {
			firstSure = i
		}
	}
	// pick chooses between two candidates given the neighbouring instant, when
	// walking towards later (forward) or earlier instants.
	pick := func(c [2]int64, prev int64, later bool) int64 {
		if later {
			if c[0] > prev {
				return c[0]
			}
			return c[1]
		}
		if c[1] < prev {
			return c[1]
		}
		return c[0]
	}
	start := 0
	if firstSure > 0 {
		prev := cands[firstSure][0]
		for i := firstSure - 1; i >= 0; i-- {
			recs[i].t = pick(cands[i], prev, descending)
			prev = recs[i].t
		}
		start = firstSure
	}
	var prev int64
	for i := start; i < len(recs); i++ {
		switch {
		case ns[i] == 1:
			recs[i].t = cands[i][0]
		case i == 0 && descending:
			recs[i].t = cands[i][1]
		case i == 0:
			recs[i].t = cands[i][0]
		default:
			recs[i].t = pick(cands[i], prev, !descending)
		}
		prev = recs[i].t
	}
	return nil
}

// readSGE reads the third-party SGE/R63 layout.
func (p *parser) readSGE() *ParseError {
	iPRM, iTime, iVal, iStep := p.col("identifiant prm"), p.col("horodate"), p.col("valeur"), p.col("pas")
	iUnit, iFlow := p.col("unite"), p.col("grandeur metier")
	for {
		line, ok := p.lr.next()
		if !ok {
			return nil
		}
		f, ok, perr := p.rowFields(line)
		if perr != nil {
			return perr
		}
		if !ok {
			continue
		}
		if n := len(trimTrailingEmpty(f)); n > len(p.h.cols) {
			return p.tooManyFields(n, len(p.h.cols))
		}
		if skip, perr := p.rowFlow(p.field(f, iFlow), iFlow); perr != nil {
			return perr
		} else if skip {
			continue
		}
		var r rec
		tb := p.field(f, iTime)
		if len(tb) == 0 {
			return newErr(p.lr.n, p.name(iTime), CodeTimestamp, "horodate manquante", "missing timestamp")
		}
		if perr := p.instant(&r, tb, p.name(iTime)); perr != nil {
			return perr
		}
		if perr := p.value(&r, p.field(f, iVal), p.name(iVal)); perr != nil {
			return perr
		}
		if perr := p.rowPRM(p.field(f, iPRM), iPRM); perr != nil {
			return perr
		}
		if r.unit, perr = p.rowUnit(p.field(f, iUnit), iUnit); perr != nil {
			return perr
		}
		if sb := p.field(f, iStep); len(sb) > 0 {
			if !bytes.Equal(sb, p.lastStepB) {
				s, ok := parseISODuration(sb)
				if !ok || !validStep(s) {
					return stepErr(p.lr.n, p.name(iStep), sb)
				}
				p.lastStepB = append(p.lastStepB[:0], sb...)
				p.lastStep = s
			}
			r.step = p.lastStep
		}
		p.push(r)
	}
}

// finish normalises the rows into a curve.
func (p *parser) finish() *ParseError {
	if p.stats.Rows == 0 {
		if p.stats.Skipped > 0 {
			return newErr(p.lr.n, "", CodeFlow,
				fmt.Sprintf("aucune ligne du flux « %s » dans le fichier", p.opts.Flow),
				fmt.Sprintf("no row of flow %q in the file", p.opts.Flow))
		}
		return newErr(max(p.lr.n, p.h.line), "", CodeEmpty,
			"le fichier ne contient aucune ligne de mesure", "the file holds no data row")
	}
	if p.prm == "" {
		p.prm = p.opts.PRM
	}
	p.curve = &Curve{PRM: p.prm, Format: p.format, Kind: KindLoadCurve, Flow: p.flow}
	if p.daily {
		p.curve.Kind = KindDailyEnergy
		return p.finishDaily()
	}
	return p.finishCurve()
}

func (p *parser) whOf(r *rec, stepSec int64) *ParseError {
	if r.empty {
		return nil
	}
	wh, ok := toWh(r.val, r.unit, stepSec)
	if !ok || wh > MaxWh || wh < -MaxWh {
		return newErr(int(r.line), "", CodeValue,
			fmt.Sprintf("valeur invraisemblable (plus de %d Wh par intervalle)", int64(MaxWh)),
			fmt.Sprintf("implausible value (more than %d Wh per interval)", int64(MaxWh)))
	}
	r.wh = wh
	return nil
}

func (p *parser) finishDaily() *ParseError {
	for i := range p.recs {
		r := &p.recs[i]
		if r.unit.power() {
			return newErr(int(r.line), "", CodeUnit,
				fmt.Sprintf("unité de puissance « %s » pour une énergie quotidienne (attendu Wh ou kWh)", r.unit),
				fmt.Sprintf("power unit %q for daily energy (expected Wh or kWh)", r.unit))
		}
		r.step = 1
		if perr := p.whOf(r, 0); perr != nil {
			return perr
		}
	}
	return p.build(true)
}

func (p *parser) finishCurve() *ParseError {
	recs := p.recs
	sortRecs(recs)
	needInfer := false
	for i := range recs {
		if recs[i].step == 0 {
			needInfer = true
			break
		}
	}
	if needInfer {
		if perr := p.inferSteps(); perr != nil {
			return perr
		}
	}
	for i := range recs {
		r := &recs[i]
		if p.endStamped {
			r.t -= r.step
		}
		if floorMod(r.t, r.step) != 0 {
			t := r.t
			if p.endStamped {
				t += r.step
			}
			return newErr(int(r.line), "", CodeAlignment,
				fmt.Sprintf("horodate %s non alignée sur le pas de %d min", time.Unix(t, 0).UTC().Format(time.RFC3339), r.step/60),
				fmt.Sprintf("timestamp %s not aligned on the %d-min step", time.Unix(t, 0).UTC().Format(time.RFC3339), r.step/60))
		}
		if perr := p.whOf(r, r.step); perr != nil {
			return perr
		}
	}
	if p.endStamped {
		sortRecs(recs)
	}
	return p.build(false)
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }

// sortRecs orders rows by time, then by line; files are usually already in
// order (or in reverse order), which costs one pass.
func sortRecs(recs []rec) {
	asc, desc := true, true
	for i := 1; i < len(recs) && (asc || desc); i++ {
		if recs[i].t < recs[i-1].t {
			asc = false
		}
		if recs[i].t >= recs[i-1].t {
			desc = false
		}
	}
	switch {
	case asc:
	case desc:
		slices.Reverse(recs)
	default:
		slices.SortStableFunc(recs, func(a, b rec) int {
			switch {
			case a.t < b.t:
				return -1
			case a.t > b.t:
				return 1
			}
			return int(a.line - b.line)
		})
	}
}

// inferSteps gives a step to rows whose file does not state it. Times are
// sorted. For end-of-interval stamps the spacing with the previous row is the
// candidate (with the next row for start stamps). A candidate is taken when it
// is a usual step and is confirmed by the step of the previous row or by the
// following spacing; otherwise the row keeps the previous row's step. So a
// missing row reads as a gap, not as a longer step, and a real change of step
// (60 → 10 min) is followed.
func (p *parser) inferSteps() *ParseError {
	recs := p.recs
	// Distinct times, in the direction that makes the candidate "previous spacing".
	ts := make([]int64, 0, len(recs))
	for i := range recs {
		if i == 0 || recs[i].t != recs[i-1].t {
			ts = append(ts, recs[i].t)
		}
	}
	if !p.endStamped {
		slices.Reverse(ts)
		for i := range ts {
			ts[i] = -ts[i]
		}
	}
	steps := make([]int64, len(ts))
	first := int64(0)
	for i := 1; i < len(ts); i++ {
		d := ts[i] - ts[i-1]
		if inferableStep(d) && i+1 < len(ts) && ts[i+1]-ts[i] == d {
			first = d
			break
		}
	}
	if first == 0 {
		for i := 1; i < len(ts); i++ {
			if d := ts[i] - ts[i-1]; inferableStep(d) {
				first = d
				break
			}
		}
	}
	if first == 0 {
		return newErr(int(recs[0].line), "", CodeStep,
			"impossible de déterminer le pas : le fichier ne l'indique pas et les horodates ne sont pas espacées de 1, 5, 10, 15, 30 ou 60 min",
			"cannot determine the step: the file does not state it and timestamps are not 1, 5, 10, 15, 30 or 60 min apart")
	}
	steps[0] = first
	for i := 1; i < len(ts); i++ {
		d := ts[i] - ts[i-1]
		if inferableStep(d) && (d == steps[i-1] || (i+1 < len(ts) && ts[i+1]-ts[i] == d)) {
			steps[i] = d
		} else {
			steps[i] = steps[i-1]
		}
	}
	if !p.endStamped {
		slices.Reverse(steps)
		slices.Reverse(ts)
		for i := range ts {
			ts[i] = -ts[i]
		}
	}
	j := 0
	for i := range recs {
		for ts[j] != recs[i].t {
			j++
		}
		if recs[i].step == 0 {
			recs[i].step = steps[j]
		}
	}
	return nil
}

// build turns sorted rows (t = start of interval, step set, wh computed) into segments.
func (p *parser) build(daily bool) *ParseError {
	c := p.curve
	var seg *Segment
	var segEnd int64 // end of the current segment (seconds, or days when daily)
	var prev *rec
	slots := 0
	for i := range p.recs {
		r := &p.recs[i]
		if r.empty {
			continue
		}
		if prev != nil {
			if r.t == prev.t && r.step == prev.step {
				if r.wh == prev.wh {
					p.stats.Duplicates++
					continue
				}
				a, b := prev.line, r.line
				if a > b {
					a, b = b, a
				}
				e := newErr(int(b), "", CodeDuplicate,
					fmt.Sprintf("même intervalle qu'à la ligne %d avec une autre valeur (%d Wh contre %d Wh)", a, r.wh, prev.wh),
					fmt.Sprintf("same interval as line %d with another value (%d Wh versus %d Wh)", a, r.wh, prev.wh))
				if r.line < prev.line {
					e.Reason = fmt.Sprintf("même intervalle qu'à la ligne %d avec une autre valeur (%d Wh contre %d Wh)", a, prev.wh, r.wh)
					e.ReasonEN = fmt.Sprintf("same interval as line %d with another value (%d Wh versus %d Wh)", a, prev.wh, r.wh)
				}
				e.OtherLine = int(a)
				return e
			}
			if r.t < prev.t+prev.step {
				a, b := prev.line, r.line
				if a > b {
					a, b = b, a
				}
				e := newErr(int(b), "", CodeOverlap,
					fmt.Sprintf("intervalle qui chevauche celui de la ligne %d (pas différents)", a),
					fmt.Sprintf("interval overlapping the one on line %d (different steps)", a))
				e.OtherLine = int(a)
				return e
			}
		}
		prev = r
		if seg == nil || r.step != int64(seg.Step/time.Second) && !daily {
			if seg != nil {
				c.Segments = append(c.Segments, *seg)
			}
			seg = &Segment{}
			if daily {
				seg.Step = 24 * time.Hour
				seg.Start = time.Unix(parisMidnightUnix(r.t), 0).UTC()
			} else {
				seg.Step = time.Duration(r.step) * time.Second
				seg.Start = time.Unix(r.t, 0).UTC()
			}
			segEnd = r.t
		}
		gap := (r.t - segEnd) / r.step
		if gap > int64(p.maxSlots-slots) {
			return newErr(int(r.line), "", CodeSpan,
				fmt.Sprintf("période trop longue : plus de %d intervalles", p.maxSlots),
				fmt.Sprintf("period too long: more than %d intervals", p.maxSlots))
		}
		for ; gap > 0; gap-- {
			seg.Values = append(seg.Values, 0)
			seg.Present = append(seg.Present, false)
			p.stats.Gaps++
			slots++
		}
		if slots >= p.maxSlots {
			return newErr(int(r.line), "", CodeSpan,
				fmt.Sprintf("période trop longue : plus de %d intervalles", p.maxSlots),
				fmt.Sprintf("period too long: more than %d intervals", p.maxSlots))
		}
		seg.Values = append(seg.Values, r.wh)
		seg.Present = append(seg.Present, true)
		slots++
		p.stats.Points++
		p.stats.TotalWh += r.wh
		segEnd = r.t + r.step
	}
	if seg != nil {
		c.Segments = append(c.Segments, *seg)
	}
	if n := len(c.Segments); n > 0 {
		p.stats.From = c.Segments[0].Start
		p.stats.To = c.Segments[n-1].End()
	}
	p.stats.Steps = len(c.Segments)
	c.Stats = p.stats
	return nil
}
