package chart

import (
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// wellFormed parses s as XML and fails on any syntax error.
func wellFormed(t *testing.T, s string) {
	t.Helper()
	// HTML entities are not XML: the package only emits the five XML ones
	// plus numeric references, which encoding/xml understands.
	d := xml.NewDecoder(strings.NewReader("<root>" + s + "</root>"))
	d.Strict = true
	for {
		_, err := d.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("not well-formed: %v\n%s", err, s)
		}
	}
}

func sample(kind Kind, series int) *Chart {
	c := &Chart{ID: "c1", Title: "Puissance <installée> & prévue", Kind: kind, CategoryLabel: "Technologie",
		Categories: []string{"Photovoltaïque en toiture", "Éolien terrestre", "Hydroélectricité"}, Unit: "kW", Decimals: 1}
	for i := 0; i < series; i++ {
		c.Series = append(c.Series, Series{Name: "Série " + strconv.Itoa(i+1), Values: []float64{1200.5 * float64(i+1), 0, 36}})
	}
	return c
}

func TestSVGIsAccessibleAndWellFormed(t *testing.T) {
	for _, tc := range []struct {
		name   string
		kind   Kind
		series int
	}{
		{"hbar one series", HBar, 1}, {"hbar two series", HBar, 2},
		{"columns", Column, 2}, {"line", Line, 3}, {"funnel", Funnel, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := sample(tc.kind, tc.series)
			svg := string(c.SVG())
			wellFormed(t, svg)
			for _, want := range []string{`role="img"`, `aria-labelledby="c1-title c1-desc"`, `<title id="c1-title">Puissance &lt;installée&gt; &amp; prévue</title>`, `<desc id="c1-desc">`} {
				if !strings.Contains(svg, want) {
					t.Errorf("missing %s", want)
				}
			}
			if strings.Contains(svg, "style=") {
				t.Error("inline style attributes are blocked by the CSP")
			}
			// Every value is readable on the chart itself (as text or title).
			if !strings.Contains(svg, "1\u202f200,5\u00a0kW") {
				t.Errorf("value label missing in %s", svg)
			}
			if tc.series > 1 && tc.kind != Funnel && !strings.Contains(svg, "Série 2") {
				t.Error("legend missing")
			}
		})
	}
}

func TestSecondSeriesIsHatched(t *testing.T) {
	svg := string(sample(HBar, 2).SVG())
	if !strings.Contains(svg, `<pattern id="c1-hatch-1"`) || !strings.Contains(svg, `fill="url(#c1-hatch-1)"`) {
		t.Fatal("the second series should use a hatch pattern, not colour alone")
	}
}

func TestBarLengthsAreProportional(t *testing.T) {
	c := &Chart{ID: "p", Title: "t", Kind: HBar, Categories: []string{"a", "b"}, Series: []Series{{Name: "n", Values: []float64{10, 5}}}}
	re := regexp.MustCompile(`<rect x="\d+" y="\d+" width="([0-9.]+)"`)
	m := re.FindAllStringSubmatch(string(c.SVG()), -1)
	if len(m) != 2 {
		t.Fatalf("want 2 bars, got %d", len(m))
	}
	a, _ := strconv.ParseFloat(m[0][1], 64)
	b, _ := strconv.ParseFloat(m[1][1], 64)
	if a <= 0 || math.Abs(b/a-0.5) > 0.01 {
		t.Fatalf("bar widths %v and %v are not in ratio 2:1", a, b)
	}
}

func TestTable(t *testing.T) {
	c := sample(HBar, 2)
	html := string(c.Table())
	wellFormed(t, html)
	for _, want := range []string{`<caption>`, `<th scope="col">Technologie</th>`, `<th scope="col" class="num">Série 1 (kW)</th>`, `<th scope="row">Éolien terrestre</th>`, "<td class=\"num\">2\u202f401,0</td>"} {
		if !strings.Contains(html, want) {
			t.Errorf("table lacks %s in %s", want, html)
		}
	}
	c.Lang = "en"
	if !strings.Contains(string(c.Table()), "2,401.0") {
		t.Error("English numbers use a comma for thousands")
	}
}

func TestHTMLFigure(t *testing.T) {
	c := sample(Column, 1)
	c.CSVHref = "/x.csv?a=1&b=2"
	h := string(c.HTML())
	wellFormed(t, h)
	for _, want := range []string{`<figure class="chart" id="c1">`, `<details class="chart-data">`, `href="/x.csv?a=1&amp;b=2"`, `Tableau des données`} {
		if !strings.Contains(h, want) {
			t.Errorf("figure lacks %s", want)
		}
	}
}

func TestCSVRoundTrip(t *testing.T) {
	c := sample(HBar, 2)
	c.Series[0].Values[1] = math.NaN()
	var buf bytes.Buffer
	if err := c.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1+len(c.Categories) || rows[0][0] != "Technologie" || rows[0][2] != "Série 2 (kW)" {
		t.Fatalf("header or size: %v", rows)
	}
	for i, cat := range c.Categories {
		if rows[i+1][0] != cat {
			t.Errorf("row %d category %q", i, rows[i+1][0])
		}
		for j, s := range c.Series {
			cell := rows[i+1][j+1]
			if math.IsNaN(s.Values[i]) {
				if cell != "" {
					t.Errorf("NaN should be empty, got %q", cell)
				}
				continue
			}
			v, err := strconv.ParseFloat(cell, 64)
			if err != nil || v != s.Values[i] {
				t.Errorf("cell %q does not give back %v", cell, s.Values[i])
			}
		}
	}
}

func TestValidate(t *testing.T) {
	bad := &Chart{ID: "x", Categories: []string{"a"}, Series: []Series{{Name: "s", Values: []float64{1, 2}}}}
	if bad.Validate() == nil {
		t.Fatal("a series longer than the categories must be refused")
	}
	if err := bad.WriteCSV(io.Discard); err == nil {
		t.Fatal("WriteCSV must refuse an invalid chart")
	}
	if (&Chart{}).Validate() == nil {
		t.Fatal("an ID is required")
	}
}

func TestEmptyChartsDraw(t *testing.T) {
	for _, k := range []Kind{HBar, Column, Line, Funnel} {
		c := &Chart{ID: "e", Title: "Vide", Kind: k, Series: []Series{{Name: "s"}}}
		svg := string(c.SVG())
		wellFormed(t, svg)
		if !strings.Contains(svg, "Aucune donnée.") {
			t.Errorf("kind %d: the description should say there is no data", k)
		}
	}
}

func TestNiceScale(t *testing.T) {
	for _, m := range []float64{0, 0.3, 1, 7, 10, 99, 1234, 56789.5} {
		top, step := niceScale(m)
		if top < m {
			t.Errorf("niceScale(%v): top %v below the maximum", m, top)
		}
		ticks := top / step
		if math.Abs(ticks-math.Round(ticks)) > 1e-6 || ticks < 1 || ticks > 10 {
			t.Errorf("niceScale(%v) = %v, %v: %v ticks", m, top, step, ticks)
		}
		mant := step / math.Pow(10, math.Floor(math.Log10(step)))
		ok := false
		for _, f := range []float64{1, 2, 2.5, 5} {
			ok = ok || math.Abs(mant-f) < 1e-9
		}
		if !ok {
			t.Errorf("niceScale(%v): step %v is not a round number", m, step)
		}
	}
}

func TestNumber(t *testing.T) {
	for _, tc := range []struct {
		lang string
		v    float64
		d    int
		want string
	}{
		{"fr", 1234567.891, 2, "1\u202f234\u202f567,89"}, {"en", 1234567.891, 1, "1,234,567.9"},
		{"fr", -12, 0, "−12"}, {"fr", math.NaN(), 0, "—"}, {"fr", 0, 0, "0"},
	} {
		if got := Number(tc.lang, tc.v, tc.d); got != tc.want {
			t.Errorf("Number(%s, %v, %d) = %q, want %q", tc.lang, tc.v, tc.d, got, tc.want)
		}
	}
}

func BenchmarkHBar20(b *testing.B) {
	c := &Chart{ID: "b", Title: "t", Kind: HBar}
	vals := make([]float64, 20)
	for i := range vals {
		c.Categories = append(c.Categories, "Catégorie "+strconv.Itoa(i))
		vals[i] = float64(i * 37)
	}
	c.Series = []Series{{Name: "v", Values: vals}}
	for b.Loop() {
		_ = c.HTML()
	}
}

// Counts get whole ticks: no "0.25 communities" on an axis.
func TestWholeTicksForCounts(t *testing.T) {
	c := &Chart{ID: "w", Title: "t", Kind: Line, Categories: []string{"2020", "2021"}, Series: []Series{{Name: "n", Values: []float64{0, 1}}}}
	svg := string(c.SVG())
	if strings.Contains(svg, ">0,25<") || strings.Contains(svg, ">0,5<") || !strings.Contains(svg, ">1<") {
		t.Fatalf("ticks of a count chart: %s", svg)
	}
	c.Decimals = 2
	if !strings.Contains(string(c.SVG()), ">0,25<") {
		t.Fatal("a chart with decimals keeps fine ticks")
	}
}
