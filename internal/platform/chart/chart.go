// Package chart draws small accessible charts as server-rendered SVG: bar
// charts (horizontal or vertical), funnels and line charts. Every chart
// carries a <title> and a <desc>, role="img" with aria-labelledby, labels
// written on the chart itself, and comes with the same numbers as an HTML
// data table and as CSV, so no reader depends on the picture alone.
//
// The output needs no script and no stylesheet: colours are SVG
// presentation attributes (allowed by a strict Content-Security-Policy),
// and the second series of a bar chart is hatched so series never differ
// by colour alone. A page can still restyle charts through the classes
// "chart", "chart-bar", "chart-line" and "chart-label".
//
// Typical use in a handler:
//
//	c := &chart.Chart{ID: "by-region", Title: "Communautés par région", Kind: chart.HBar,
//		CategoryLabel: "Région", Categories: names,
//		Series: []chart.Series{{Name: "Communautés", Values: counts}}, Lang: lang,
//		CSVHref: "/observatoire/donnees/regions.csv"}
//	view.Chart = c.HTML() // figure: SVG, data table in <details>, CSV link
//
// and for the CSV download: c.WriteCSV(w).
package chart

import (
	"encoding/csv"
	"errors"
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
)

// Kind is the shape of a chart.
type Kind int

const (
	// HBar draws one horizontal bar per category (long labels fit well).
	HBar Kind = iota
	// Column draws vertical bars (years, short labels).
	Column
	// Line draws one line per series across the categories (time series).
	Line
	// Funnel draws centred bars whose width follows the value, in the order
	// given (stages of a process). Only the first series is drawn.
	Funnel
)

// Series is one set of values, one per category.
type Series struct {
	Name   string
	Values []float64
}

// Chart is the data and the words of one chart. Labels are already in the
// reader's language; Lang only decides how numbers are written.
type Chart struct {
	// ID must be unique in the page: it prefixes the ids of the title, the
	// description and the table.
	ID    string
	Title string
	// Description is read by screen readers with the title; when empty a
	// short summary (number of categories, largest value) is written.
	Description string
	Kind        Kind
	// CategoryLabel heads the first column of the table and CSV.
	CategoryLabel string
	Categories    []string
	Series        []Series
	// Unit follows every value ("kW", "MWh/an"); may be empty.
	Unit     string
	Decimals int
	// Lang is "fr" (default) or "en": decimal comma or point, and the few
	// words the chart writes itself.
	Lang string
	// CSVHref, when set, adds a download link under the table.
	CSVHref string
	// Width of the drawing in SVG units (default 640); the height follows
	// from the number of categories. Charts scale to their container.
	Width int
}

// Palette holds the series colours; each has a contrast ratio of at least
// 4.5:1 against white (WCAG 2.1 1.4.11 asks 3:1 for graphics).
var Palette = []string{"#0b3d91", "#1d6b35", "#8a4b00", "#6a1b9a", "#b0002a"}

// Validate reports a chart whose series do not match its categories.
func (c *Chart) Validate() error {
	if c.ID == "" {
		return errors.New("chart: ID is required")
	}
	for _, s := range c.Series {
		if len(s.Values) != len(c.Categories) {
			return fmt.Errorf("chart %s: series %q has %d values for %d categories", c.ID, s.Name, len(s.Values), len(c.Categories))
		}
	}
	return nil
}

func (c *Chart) en() bool { return c.Lang == "en" }

func (c *Chart) word(fr, en string) string {
	if c.en() {
		return en
	}
	return fr
}

// Number writes v with thousands separators in the chart's language
// ("12 345,6" or "12,345.6"); NaN and infinities are written "—".
func Number(lang string, v float64, decimals int) string { return web.FormatNumber(lang, v, decimals) }

func (c *Chart) num(v float64) string { return Number(c.Lang, v, c.Decimals) }

func (c *Chart) withUnit(v float64) string {
	if c.Unit == "" {
		return c.num(v)
	}
	return c.num(v) + "\u00a0" + c.Unit
}

func (c *Chart) width() int {
	if c.Width > 0 {
		return c.Width
	}
	return 640
}

// maxValue is the largest finite value over every drawn series (0 if none).
func (c *Chart) maxValue() float64 {
	m := 0.0
	for i, s := range c.Series {
		if c.Kind == Funnel && i > 0 {
			break
		}
		for _, v := range s.Values {
			if !math.IsNaN(v) && !math.IsInf(v, 0) && v > m {
				m = v
			}
		}
	}
	return m
}

func (c *Chart) summary() string {
	if c.Description != "" {
		return c.Description
	}
	if len(c.Categories) == 0 || len(c.Series) == 0 {
		return c.word("Aucune donnée.", "No data.")
	}
	best, bestV := "", math.Inf(-1)
	for i, v := range c.Series[0].Values {
		if !math.IsNaN(v) && v > bestV {
			best, bestV = c.Categories[i], v
		}
	}
	if best == "" {
		return c.word("Aucune donnée.", "No data.")
	}
	return fmt.Sprintf(c.word("%d catégories ; valeur la plus haute : %s (%s). Les valeurs figurent dans le tableau qui suit.",
		"%d categories; highest value: %s (%s). The values are in the table that follows."),
		len(c.Categories), best, c.withUnit(bestV))
}

func esc(s string) string { return template.HTMLEscapeString(s) }

func (c *Chart) colour(i int) string { return Palette[i%len(Palette)] }

// fill returns the fill of series i: plain colour, or a hatch pattern for
// odd series so that two series never differ by colour alone.
func (c *Chart) fill(i int) string {
	if i%2 == 1 {
		return "url(#" + esc(c.ID) + "-hatch-" + strconv.Itoa(i) + ")"
	}
	return c.colour(i)
}

func (c *Chart) defs(b *strings.Builder) {
	var any bool
	for i := range c.Series {
		if i%2 == 1 {
			if !any {
				b.WriteString("<defs>")
				any = true
			}
			fmt.Fprintf(b, `<pattern id="%s-hatch-%d" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/><rect width="3" height="6" fill="%s"/></pattern>`,
				esc(c.ID), i, c.colour(i))
		}
	}
	if any {
		b.WriteString("</defs>")
	}
}

func (c *Chart) open(b *strings.Builder, w, h int) {
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-labelledby="%s-title %s-desc" font-family="system-ui, sans-serif" font-size="12">`,
		w, h, w, h, esc(c.ID), esc(c.ID))
	fmt.Fprintf(b, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, esc(c.ID), esc(c.Title), esc(c.ID), esc(c.summary()))
	c.defs(b)
}

// legend draws one entry per series at the given top; it returns the height used.
func (c *Chart) legend(b *strings.Builder, x, y int) int {
	if len(c.Series) < 2 || c.Kind == Funnel {
		return 0
	}
	for i, s := range c.Series {
		ly := y + i*18
		if c.Kind == Line {
			fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2.5"%s/>`, x, ly+6, x+18, ly+6, c.colour(i), dash(i))
			marker(b, i, float64(x+9), float64(ly+6), c.colour(i))
		} else {
			fmt.Fprintf(b, `<rect x="%d" y="%d" width="14" height="12" fill="%s" stroke="%s"/>`, x, ly, c.fill(i), c.colour(i))
		}
		fmt.Fprintf(b, `<text x="%d" y="%d" class="chart-label" fill="#1b1b1b">%s</text>`, x+24, ly+11, esc(s.Name))
	}
	return len(c.Series)*18 + 6
}

func dash(i int) string {
	if i%2 == 1 {
		return ` stroke-dasharray="6 3"`
	}
	return ""
}

// marker draws a point: circles, squares, diamonds … by series.
func marker(b *strings.Builder, i int, x, y float64, colour string) {
	switch i % 3 {
	case 0:
		fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="3.5" fill="%s"/>`, x, y, colour)
	case 1:
		fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="7" height="7" fill="%s"/>`, x-3.5, y-3.5, colour)
	default:
		fmt.Fprintf(b, `<path d="M%.1f %.1fl4 4-4 4-4-4z" fill="%s"/>`, x, y-4, colour)
	}
}

// SVG draws the chart. An invalid chart draws a short message instead of
// failing the page: Validate in tests catches it.
func (c *Chart) SVG() template.HTML {
	if err := c.Validate(); err != nil {
		return template.HTML(`<p>` + esc(err.Error()) + `</p>`)
	}
	var b strings.Builder
	switch c.Kind {
	case Column:
		c.columns(&b)
	case Line:
		c.line(&b)
	case Funnel:
		c.funnel(&b)
	default:
		c.hbars(&b)
	}
	return template.HTML(b.String())
}

// labelWidth estimates the width of the longest category label.
func (c *Chart) labelWidth(max int) int {
	n := 0
	for _, s := range c.Categories {
		n = maxInt(n, len([]rune(s)))
	}
	return minInt(max, 12+n*7)
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}

func minInt(a, b int) int {
	if a < b {
		return a
	}
	return b
}

// truncate shortens a label drawn on the chart; the table keeps it whole.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func (c *Chart) hbars(b *strings.Builder) {
	w := c.width()
	lw := c.labelWidth(w / 3)
	ns := maxInt(1, len(c.Series))
	barH := 14
	group := ns*barH + 8
	top := 8
	h := top + len(c.Categories)*group + 8
	legendTop := h
	h += maxInt(0, c.legendHeight())
	c.open(b, w, h)
	m := c.maxValue()
	valueSpace := 90
	plotW := float64(w - lw - valueSpace)
	b.WriteString(`<g class="chart-bar">`)
	for i, cat := range c.Categories {
		y := top + i*group
		fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="end" class="chart-label" fill="#1b1b1b">%s</text>`, lw-6, y+ns*barH/2+4, esc(truncate(cat, (lw-12)/7)))
		for si, s := range c.Series {
			v := s.Values[i]
			bw := 0.0
			if m > 0 && v > 0 && !math.IsNaN(v) {
				bw = plotW * v / m
			}
			by := y + si*barH
			fmt.Fprintf(b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s" stroke="%s"><title>%s — %s : %s</title></rect>`,
				lw, by, bw, barH-2, c.fill(si), c.colour(si), esc(cat), esc(s.Name), esc(c.withUnit(v)))
			fmt.Fprintf(b, `<text x="%.1f" y="%d" class="chart-label" fill="#1b1b1b">%s</text>`, float64(lw)+bw+4, by+barH-4, esc(c.withUnit(v)))
		}
	}
	b.WriteString(`</g>`)
	c.legend(b, lw, legendTop)
	b.WriteString(`</svg>`)
}

func (c *Chart) legendHeight() int {
	if len(c.Series) < 2 || c.Kind == Funnel {
		return 0
	}
	return len(c.Series)*18 + 6
}

// niceScale returns a rounded maximum and tick step for an axis reaching m.
func niceScale(m float64) (top, step float64) {
	if m <= 0 || math.IsNaN(m) || math.IsInf(m, 0) {
		return 1, 0.25
	}
	raw := m / 4
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, f := range []float64{1, 2, 2.5, 5, 10} {
		if f*mag >= raw {
			step = f * mag
			break
		}
	}
	top = math.Ceil(m/step) * step
	return top, step
}

// scale is niceScale, with whole steps for charts of whole numbers
// (Decimals 0): counts are not drawn against 0.25 ticks.
func (c *Chart) scale() (top, step float64) {
	top, step = niceScale(c.maxValue())
	if c.Decimals == 0 && step < 1 {
		step = 1
		top = math.Max(1, math.Ceil(top))
	}
	return top, step
}

// axes draws the value axis and its grid lines for column and line charts.
func (c *Chart) axes(b *strings.Builder, left, top, plotW, plotH int, scaleTop, step float64) {
	b.WriteString(`<g class="chart-axis">`)
	dec := 0
	if step < 1 {
		dec = max(2, c.Decimals)
	}
	for v := 0.0; v <= scaleTop+step/2; v += step {
		y := float64(top+plotH) - float64(plotH)*v/scaleTop
		fmt.Fprintf(b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#c9d1de"/>`, left, y, left+plotW, y)
		fmt.Fprintf(b, `<text x="%d" y="%.1f" text-anchor="end" class="chart-label" fill="#1b1b1b">%s</text>`, left-4, y+4, esc(Number(c.Lang, v, dec)))
	}
	fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#4a4a4a"/>`, left, top+plotH, left+plotW, top+plotH)
	if c.Unit != "" {
		fmt.Fprintf(b, `<text x="%d" y="%d" class="chart-label" fill="#1b1b1b">%s</text>`, 4, top-6, esc(c.Unit))
	}
	b.WriteString(`</g>`)
}

// xLabelEvery thins category labels so they do not overlap.
func xLabelEvery(n int, slot float64) int {
	every := 1
	for slot*float64(every) < 34 && every < n {
		every++
	}
	return every
}

func (c *Chart) columns(b *strings.Builder) {
	w := c.width()
	left, top, plotH := 56, 20, 200
	plotW := w - left - 10
	h := top + plotH + 28
	legendTop := h
	h += c.legendHeight()
	c.open(b, w, h)
	scaleTop, step := c.scale()
	c.axes(b, left, top, plotW, plotH, scaleTop, step)
	n := len(c.Categories)
	if n == 0 {
		b.WriteString(`</svg>`)
		return
	}
	slot := float64(plotW) / float64(n)
	ns := maxInt(1, len(c.Series))
	bw := slot * 0.8 / float64(ns)
	every := xLabelEvery(n, slot)
	b.WriteString(`<g class="chart-bar">`)
	for i, cat := range c.Categories {
		x0 := float64(left) + slot*float64(i) + slot*0.1
		for si, s := range c.Series {
			v := s.Values[i]
			bh := 0.0
			if v > 0 && !math.IsNaN(v) {
				bh = float64(plotH) * v / scaleTop
			}
			fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s" stroke="%s"><title>%s — %s : %s</title></rect>`,
				x0+bw*float64(si), float64(top+plotH)-bh, bw, bh, c.fill(si), c.colour(si), esc(cat), esc(s.Name), esc(c.withUnit(v)))
		}
		if i%every == 0 {
			fmt.Fprintf(b, `<text x="%.1f" y="%d" text-anchor="middle" class="chart-label" fill="#1b1b1b">%s</text>`, x0+slot*0.4, top+plotH+16, esc(truncate(cat, 10)))
		}
	}
	b.WriteString(`</g>`)
	c.legend(b, left, legendTop)
	b.WriteString(`</svg>`)
}

func (c *Chart) line(b *strings.Builder) {
	w := c.width()
	left, top, plotH := 56, 20, 200
	plotW := w - left - 16
	h := top + plotH + 28
	legendTop := h
	h += c.legendHeight()
	c.open(b, w, h)
	scaleTop, step := c.scale()
	c.axes(b, left, top, plotW, plotH, scaleTop, step)
	n := len(c.Categories)
	if n == 0 {
		b.WriteString(`</svg>`)
		return
	}
	slot := float64(plotW) / float64(maxInt(1, n-1))
	xAt := func(i int) float64 {
		if n == 1 {
			return float64(left) + float64(plotW)/2
		}
		return float64(left) + slot*float64(i)
	}
	yAt := func(v float64) float64 { return float64(top+plotH) - float64(plotH)*v/scaleTop }
	b.WriteString(`<g class="chart-line">`)
	for si, s := range c.Series {
		var pts []string
		for i, v := range s.Values {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				continue
			}
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", xAt(i), yAt(math.Max(0, v))))
		}
		if len(pts) > 1 {
			fmt.Fprintf(b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2.5"%s/>`, strings.Join(pts, " "), c.colour(si), dash(si))
		}
		for i, v := range s.Values {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				continue
			}
			b.WriteString(`<g>`)
			marker(b, si, xAt(i), yAt(math.Max(0, v)), c.colour(si))
			fmt.Fprintf(b, `<title>%s — %s : %s</title></g>`, esc(c.Categories[i]), esc(s.Name), esc(c.withUnit(v)))
		}
	}
	every := xLabelEvery(n, slot)
	for i, cat := range c.Categories {
		if i%every == 0 {
			fmt.Fprintf(b, `<text x="%.1f" y="%d" text-anchor="middle" class="chart-label" fill="#1b1b1b">%s</text>`, xAt(i), top+plotH+16, esc(truncate(cat, 10)))
		}
	}
	b.WriteString(`</g>`)
	c.legend(b, left, legendTop)
	b.WriteString(`</svg>`)
}

func (c *Chart) funnel(b *strings.Builder) {
	w := c.width()
	step := 34
	h := 8 + len(c.Categories)*step + 4
	c.open(b, w, h)
	if len(c.Series) == 0 {
		b.WriteString(`</svg>`)
		return
	}
	m := c.maxValue()
	labelW := c.labelWidth(w / 3)
	plotW := float64(w - labelW - 80)
	mid := float64(labelW) + plotW/2
	s := c.Series[0]
	b.WriteString(`<g class="chart-bar">`)
	for i, cat := range c.Categories {
		v := s.Values[i]
		bw := 2.0
		if m > 0 && v > 0 && !math.IsNaN(v) {
			bw = math.Max(2, plotW*v/m)
		}
		y := 8 + i*step
		fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="end" class="chart-label" fill="#1b1b1b">%s</text>`, labelW-6, y+18, esc(truncate(cat, (labelW-12)/7)))
		fmt.Fprintf(b, `<rect x="%.1f" y="%d" width="%.1f" height="26" fill="%s"><title>%s : %s</title></rect>`, mid-bw/2, y, bw, c.colour(0), esc(cat), esc(c.withUnit(v)))
		fmt.Fprintf(b, `<text x="%.1f" y="%d" class="chart-label" fill="#1b1b1b">%s</text>`, mid+bw/2+6, y+18, esc(c.withUnit(v)))
	}
	b.WriteString(`</g></svg>`)
}

// Table writes the chart's numbers as an HTML table with a caption and
// header cells scoped to their row or column.
func (c *Chart) Table() template.HTML {
	var b strings.Builder
	fmt.Fprintf(&b, `<table class="chart-table" id="%s-table"><caption>%s</caption><thead><tr><th scope="col">%s</th>`,
		esc(c.ID), esc(c.Title), esc(c.CategoryLabel))
	for _, s := range c.Series {
		h := s.Name
		if c.Unit != "" {
			h += " (" + c.Unit + ")"
		}
		fmt.Fprintf(&b, `<th scope="col" class="num">%s</th>`, esc(h))
	}
	b.WriteString(`</tr></thead><tbody>`)
	for i, cat := range c.Categories {
		fmt.Fprintf(&b, `<tr><th scope="row">%s</th>`, esc(cat))
		for _, s := range c.Series {
			v := math.NaN()
			if i < len(s.Values) {
				v = s.Values[i]
			}
			fmt.Fprintf(&b, `<td class="num">%s</td>`, esc(c.num(v)))
		}
		b.WriteString(`</tr>`)
	}
	if len(c.Categories) == 0 {
		fmt.Fprintf(&b, `<tr><td colspan="%d">%s</td></tr>`, len(c.Series)+1, esc(c.word("Aucune donnée.", "No data.")))
	}
	b.WriteString(`</tbody></table>`)
	return template.HTML(b.String())
}

// HTML is the whole figure: the SVG, a caption, the data table in a
// <details> element and the CSV link when CSVHref is set.
func (c *Chart) HTML() template.HTML {
	var b strings.Builder
	fmt.Fprintf(&b, `<figure class="chart" id="%s"><figcaption class="chart-caption">%s</figcaption>`, esc(c.ID), esc(c.Title))
	b.WriteString(string(c.SVG()))
	fmt.Fprintf(&b, `<details class="chart-data"><summary>%s</summary><div class="table-scroll">%s</div></details>`,
		esc(c.word("Tableau des données", "Data table")), c.Table())
	if c.CSVHref != "" {
		fmt.Fprintf(&b, `<p class="chart-download"><a href="%s" download="">%s</a></p>`, esc(c.CSVHref),
			esc(c.word("Télécharger les données (CSV) : ", "Download the data (CSV): ")+c.Title))
	}
	b.WriteString(`</figure>`)
	return template.HTML(b.String())
}

// WriteCSV writes the numbers as CSV (comma separated, point as decimal
// mark, UTF-8): one header row, then one row per category. Values are
// written in full precision so sums made from the file match the chart.
func (c *Chart) WriteCSV(w io.Writer) error {
	if err := c.Validate(); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	head := []string{c.CategoryLabel}
	for _, s := range c.Series {
		h := s.Name
		if c.Unit != "" {
			h += " (" + c.Unit + ")"
		}
		head = append(head, h)
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	row := make([]string, len(head))
	for i, cat := range c.Categories {
		row[0] = cat
		for j, s := range c.Series {
			row[j+1] = FormatCSV(s.Values[i])
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// FormatCSV writes a number for a machine-readable file: the shortest
// exact form with a decimal point, empty for NaN.
func FormatCSV(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return ""
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}
