package observatory

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"

	"github.com/fabrique-des-energies/fabrique/internal/territory"
)

// The fitted projection puts each département's chef-lieu inside (or
// within a few map units of) its own outline.
func TestProjectionPlacesChefLieux(t *testing.T) {
	terr := territory.Default()
	m, err := loadMap(terr)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.shapes) != 96 {
		t.Fatalf("%d départements on the map, want 96", len(m.shapes))
	}
	inside, total := 0, 0
	var misses []string
	for _, s := range m.shapes {
		d, ok := terr.Get(territory.Departement, s.code)
		if !ok {
			t.Fatalf("département %s of the map is not in the referential", s.code)
		}
		cl, ok := terr.Get(territory.Commune, d.ChefLieu)
		if !ok || cl.PointSource != territory.PointExact {
			continue
		}
		total++
		x, y := m.project(cl.Lat, cl.Lon)
		if s.contains(x, y) {
			inside++
		} else {
			misses = append(misses, s.code+" "+cl.Name)
		}
	}
	t.Logf("fit residual: mean %.2f, max %.2f map units; chef-lieux inside: %d/%d; misses: %v", m.meanResidual, m.maxResidual, inside, total, misses)
	if float64(inside) < 0.9*float64(total) {
		t.Fatalf("only %d of %d chef-lieux fall in their département", inside, total)
	}
}

func TestChoroplethSVG(t *testing.T) {
	terr := territory.Default()
	c := &Choropleth{ID: "m", Title: "Communautés <par> département", LegendTitle: "Communautés", Values: map[string]float64{"29": 3, "69": 12, "66": 1, "2A": 5},
		Points: []MapPoint{{Lat: 47.87, Lon: -3.92, Label: "Concarneau & co", Href: "/communautes/x"}, {Lat: -21.1, Lon: 55.5, Label: "Réunion"}}}
	var buf bytes.Buffer
	if err := c.Render(&buf, terr); err != nil {
		t.Fatal(err)
	}
	s := buf.String()
	d := xml.NewDecoder(strings.NewReader(s))
	for {
		if _, err := d.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("not well-formed: %v", err)
		}
	}
	for _, want := range []string{`role="group"`, `aria-labelledby="m-title m-desc"`, `Communautés &lt;par&gt; département`, `Finistère (29) : 3`, `Corse-du-Sud (2A) : 5`, `aria-label="Concarneau &amp; co"`} {
		if !strings.Contains(s, want) {
			t.Errorf("map lacks %s", want)
		}
	}
	if strings.Contains(s, "Réunion") {
		t.Error("an overseas point cannot be drawn on the metropolitan map")
	}
	if n := strings.Count(s, "<path d="); n != 96 {
		t.Errorf("%d département paths", n)
	}
	// Without links the map is a picture.
	c.Points[0].Href = ""
	buf.Reset()
	if err := c.Render(&buf, terr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `role="img"`) {
		t.Error("a map without links has the image role")
	}
	// A zoom on one région changes the viewBox and greys the others.
	c.Scope = []string{"29", "22", "35", "56"}
	buf.Reset()
	if err := c.Render(&buf, terr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), outsideShade) || strings.Contains(buf.String(), `viewBox="0.0 0.0 613.0`) {
		t.Error("scope should zoom and grey out the rest")
	}
}

func TestClassBreaks(t *testing.T) {
	vals := []float64{0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 100}
	br := classBreaks(vals)
	if len(br) == 0 || br[len(br)-1] != 100 {
		t.Fatalf("breaks %v must end at the maximum", br)
	}
	for i := 1; i < len(br); i++ {
		if br[i] <= br[i-1] {
			t.Fatalf("breaks %v not increasing", br)
		}
	}
	for _, v := range vals {
		k := classOf(v, br)
		if v == 0 && k != 0 || v > 0 && (k < 1 || k > len(br) || v > br[k-1]) {
			t.Errorf("value %v in class %d of %v", v, k, br)
		}
	}
	if classBreaks([]float64{0, 0}) != nil {
		t.Error("no breaks without values")
	}
}
