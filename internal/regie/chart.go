package regie

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
)

// chartView is a curve drawn on the server as SVG (the page works without
// JavaScript), with a table alternative and the data for the interactive
// chart that JavaScript builds on top.
type chartView struct {
	ID            string
	Title         string
	Desc          string
	Width, Height int
	Left, Bottom  int
	Top, Right    int
	Paths         []string
	Points        []chartPoint // isolated values (no neighbour to draw a line to)
	YTicks        []chartTick
	XTicks        []chartTick
	Unit          string
	Rows          []chartRow
	TooMany       bool
	Times, Values string
	Empty         bool
	TotalKWh      float64
	Known, N      int
	StepLabel     string
	Lang          string
}

// T picks the French or English text (templates of the chart partial).
func (v chartView) T(fr, en string) string {
	if v.Lang == "en" {
		return en
	}
	return fr
}

// Num formats a number in the chart's language.
func (v chartView) Num(x float64, decimals int) string { return web.FormatNumber(v.Lang, x, decimals) }

type chartTick struct {
	Pos   float64
	Label string
}

type chartPoint struct{ X, Y float64 }

type chartRow struct {
	When    string
	KWh     float64
	Missing bool
}

// maxTableRows bounds the table alternative; longer curves link to CSV.
const maxTableRows = 400

func newChart(id string, c *Curve, lang, title string) chartView {
	v := chartView{ID: id, Title: title, Width: 760, Height: 260, Left: 60, Bottom: 34, Top: 12, Right: 12, N: c.Len(), StepLabel: c.Step.Label(lang), Unit: "kWh", Lang: lang}
	plotW := float64(v.Width - v.Left - v.Right)
	plotH := float64(v.Height - v.Top - v.Bottom)
	var maxV int64
	for i, x := range c.Values {
		if c.Present[i] && x > maxV {
			maxV = x
		}
	}
	total, known := c.Total()
	v.TotalKWh, v.Known = float64(total)/1000, known
	v.Empty = known == 0
	top := niceCeil(float64(maxV) / 1000)
	if top <= 0 {
		top = 1
	}
	n := c.Len()
	xAt := func(i int) float64 {
		if n <= 1 {
			return float64(v.Left) + plotW/2
		}
		return float64(v.Left) + plotW*float64(i)/float64(n-1)
	}
	yAt := func(wh int64) float64 { return float64(v.Top) + plotH*(1-float64(wh)/1000/top) }
	var path strings.Builder
	run := 0
	flush := func(i int) {
		if run == 1 {
			v.Points = append(v.Points, chartPoint{xAt(i - 1), yAt(c.Values[i-1])})
		} else if run > 1 {
			v.Paths = append(v.Paths, path.String())
		}
		path.Reset()
		run = 0
	}
	for i := 0; i < n; i++ {
		if !c.Present[i] {
			flush(i)
			continue
		}
		if run == 0 {
			fmt.Fprintf(&path, "M%.1f %.1f", xAt(i), yAt(c.Values[i]))
		} else {
			fmt.Fprintf(&path, "L%.1f %.1f", xAt(i), yAt(c.Values[i]))
		}
		run++
	}
	flush(n)
	for k := 0; k <= 4; k++ {
		val := top * float64(k) / 4
		v.YTicks = append(v.YTicks, chartTick{Pos: float64(v.Top) + plotH*(1-float64(k)/4), Label: web.FormatNumber(lang, val, decimalsFor(top))})
	}
	ticks := min(6, n)
	for k := 0; k < ticks; k++ {
		i := 0
		if ticks > 1 {
			i = k * (n - 1) / (ticks - 1)
		}
		v.XTicks = append(v.XTicks, chartTick{Pos: xAt(i), Label: shortWhen(c.At(i), c.Step, c.End.Sub(c.Start), lang)})
	}
	if n <= maxTableRows {
		for i := 0; i < n; i++ {
			v.Rows = append(v.Rows, chartRow{When: longWhen(c.At(i), c.Step, lang), KWh: float64(c.Values[i]) / 1000, Missing: !c.Present[i]})
		}
	} else {
		v.TooMany = true
	}
	var ts, vs strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			ts.WriteByte(',')
			vs.WriteByte(',')
		}
		ts.WriteString(strconv.FormatInt(c.At(i).Unix(), 10))
		if c.Present[i] {
			vs.WriteString(strconv.FormatInt(c.Values[i], 10))
		}
	}
	v.Times, v.Values = ts.String(), vs.String()
	from, to := web.FormatDate(lang, c.Start), web.FormatDate(lang, c.End.Add(-time.Second))
	if lang == "en" {
		v.Desc = fmt.Sprintf("Energy per %s step from %s to %s: %d values, %d missing, highest %s kWh, total %s kWh.", v.StepLabel, from, to, known, n-known,
			web.FormatNumber(lang, float64(maxV)/1000, 3), web.FormatNumber(lang, v.TotalKWh, 1))
	} else {
		v.Desc = fmt.Sprintf("Énergie par pas de %s du %s au %s : %d valeurs, %d manquantes, maximum %s kWh, total %s kWh.", v.StepLabel, from, to, known, n-known,
			web.FormatNumber(lang, float64(maxV)/1000, 3), web.FormatNumber(lang, v.TotalKWh, 1))
	}
	return v
}

func decimalsFor(top float64) int {
	switch {
	case top >= 10:
		return 0
	case top >= 1:
		return 1
	}
	return 2
}

// niceCeil rounds up to 1, 2, 2.5 or 5 times a power of ten.
func niceCeil(x float64) float64 {
	if x <= 0 {
		return 0
	}
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*p >= x {
			return m * p
		}
	}
	return 10 * p
}

func shortWhen(t time.Time, step Step, span time.Duration, lang string) string {
	l := t.In(parisLoc)
	switch {
	case step == StepP1M:
		return string([]rune(monthName(l.Month(), lang))[:3]) + ". " + l.Format("06")
	case step == StepP1D || span > 3*24*time.Hour:
		return l.Format("02/01")
	}
	return l.Format("02/01 15:04")
}

func longWhen(t time.Time, step Step, lang string) string {
	l := t.In(parisLoc)
	switch step {
	case StepP1M:
		return monthName(l.Month(), lang) + " " + strconv.Itoa(l.Year())
	case StepP1D:
		return web.FormatDate(lang, t)
	}
	return web.FormatDateTime(lang, t)
}

var monthsFR = []string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}

func monthName(m time.Month, lang string) string {
	if lang == "en" {
		return m.String()
	}
	return monthsFR[m-1]
}
