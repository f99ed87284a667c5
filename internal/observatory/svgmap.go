package observatory

import (
	"errors"
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/fabrique-des-energies/fabrique/internal/platform/chart"
	"github.com/fabrique-des-energies/fabrique/internal/territory"
)

// deptShape is one metropolitan département of the offline map: its SVG
// path and, parsed from it, its rings, bounding box and centroid in the
// map's coordinates.
type deptShape struct {
	code                   string
	d                      string
	rings                  [][][2]float64
	minX, minY, maxX, maxY float64
	cx, cy                 float64
}

// baseMap is the parsed département map with a projection from WGS 84 to
// its coordinates, fitted once on the départements' centres.
type baseMap struct {
	viewBox      [4]float64
	shapes       []deptShape
	byCode       map[string]int
	px, py       [6]float64 // quadratic projection coefficients
	maxResidual  float64    // largest fit error in map units, for tests
	meanResidual float64
}

var (
	mapOnce sync.Once
	theMap  *baseMap
	mapErr  error
)

// loadMap parses the embedded département outlines and fits the projection.
func loadMap(terr *territory.Referential) (*baseMap, error) {
	mapOnce.Do(func() { theMap, mapErr = buildMap(terr) })
	return theMap, mapErr
}

func buildMap(terr *territory.Referential) (*baseMap, error) {
	vb, paths, err := territory.DepartementMap()
	if err != nil {
		return nil, err
	}
	m := &baseMap{byCode: map[string]int{}}
	f := strings.Fields(vb)
	if len(f) != 4 {
		return nil, fmt.Errorf("département map: bad viewBox %q", vb)
	}
	for i := range f {
		if m.viewBox[i], err = strconv.ParseFloat(f[i], 64); err != nil {
			return nil, fmt.Errorf("département map: bad viewBox %q", vb)
		}
	}
	for _, p := range paths {
		s, err := parseShape(p.Code, p.D)
		if err != nil {
			return nil, err
		}
		m.byCode[s.code] = len(m.shapes)
		m.shapes = append(m.shapes, s)
	}
	if err := m.fit(terr); err != nil {
		return nil, err
	}
	return m, nil
}

// parseShape reads an SVG path made of move, line and close commands
// (absolute or relative, with implicit line-tos), which is what the map
// data holds.
func parseShape(code, d string) (deptShape, error) {
	s := deptShape{code: code, d: d, minX: math.Inf(1), minY: math.Inf(1), maxX: math.Inf(-1), maxY: math.Inf(-1)}
	toks := tokenizePath(d)
	var cx, cy, sx, sy float64
	var cmd byte
	var ring [][2]float64
	flush := func() {
		if len(ring) > 2 {
			s.rings = append(s.rings, ring)
		}
		ring = nil
	}
	num := func(i int) (float64, error) {
		if i >= len(toks) {
			return 0, fmt.Errorf("département %s: path ends early", code)
		}
		return strconv.ParseFloat(toks[i], 64)
	}
	for i := 0; i < len(toks); {
		t := toks[i]
		if c := t[0]; len(t) == 1 && strings.IndexByte("mMlLhHvVzZ", c) >= 0 {
			cmd = c
			i++
			if c == 'z' || c == 'Z' {
				flush()
				cx, cy = sx, sy
			}
			continue
		} else if (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') {
			return s, fmt.Errorf("département %s: path command %q not supported", code, t)
		}
		switch cmd {
		case 'm', 'M', 'l', 'L':
			x, err := num(i)
			if err != nil {
				return s, err
			}
			y, err := num(i + 1)
			if err != nil {
				return s, err
			}
			i += 2
			if cmd == 'm' || cmd == 'l' {
				x, y = cx+x, cy+y
			}
			if cmd == 'm' || cmd == 'M' {
				flush()
				sx, sy = x, y
				// Further pairs after a move are line-tos.
				if cmd == 'm' {
					cmd = 'l'
				} else {
					cmd = 'L'
				}
			}
			cx, cy = x, y
		case 'h', 'H', 'v', 'V':
			v, err := num(i)
			if err != nil {
				return s, err
			}
			i++
			switch cmd {
			case 'h':
				cx += v
			case 'H':
				cx = v
			case 'v':
				cy += v
			case 'V':
				cy = v
			}
		default:
			return s, fmt.Errorf("département %s: number before any command", code)
		}
		ring = append(ring, [2]float64{cx, cy})
		s.minX, s.maxX = math.Min(s.minX, cx), math.Max(s.maxX, cx)
		s.minY, s.maxY = math.Min(s.minY, cy), math.Max(s.maxY, cy)
	}
	flush()
	if len(s.rings) == 0 {
		return s, fmt.Errorf("département %s: empty outline", code)
	}
	// Area-weighted centroid over all rings (shoelace formula).
	var a, x, y float64
	for _, r := range s.rings {
		for j := range r {
			p, q := r[j], r[(j+1)%len(r)]
			cross := p[0]*q[1] - q[0]*p[1]
			a += cross
			x += (p[0] + q[0]) * cross
			y += (p[1] + q[1]) * cross
		}
	}
	if a == 0 {
		return s, fmt.Errorf("département %s: outline without area", code)
	}
	s.cx, s.cy = x/(3*a), y/(3*a)
	return s, nil
}

func tokenizePath(d string) []string {
	var out []string
	i := 0
	for i < len(d) {
		c := d[i]
		switch {
		case c == ' ' || c == ',' || c == '\n' || c == '\t' || c == '\r':
			i++
		case (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') && c != 'E' && c != 'e':
			out = append(out, d[i:i+1])
			i++
		default:
			j := i + 1
			for j < len(d) {
				cj := d[j]
				if (cj >= '0' && cj <= '9') || cj == '.' || cj == 'e' || cj == 'E' || ((cj == '-' || cj == '+') && (d[j-1] == 'e' || d[j-1] == 'E')) {
					j++
					continue
				}
				break
			}
			out = append(out, d[i:j])
			i = j
		}
	}
	return out
}

// terms are the quadratic terms of the projection fit.
func terms(lat, lon float64) [6]float64 {
	return [6]float64{1, lon, lat, lon * lon, lon * lat, lat * lat}
}

// fit finds, by least squares, x and y on the map as quadratic functions
// of longitude and latitude, from each département's centre (mean of its
// communes' points) and the centroid of its outline.
func (m *baseMap) fit(terr *territory.Referential) error {
	var ata [6][6]float64
	var atx, aty [6]float64
	type pair struct{ lat, lon, x, y float64 }
	var pairs []pair
	for _, s := range m.shapes {
		t, ok := terr.Get(territory.Departement, s.code)
		if !ok || !t.Located() {
			continue
		}
		pairs = append(pairs, pair{t.Lat, t.Lon, s.cx, s.cy})
		v := terms(t.Lat, t.Lon)
		for i := 0; i < 6; i++ {
			for j := 0; j < 6; j++ {
				ata[i][j] += v[i] * v[j]
			}
			atx[i] += v[i] * s.cx
			aty[i] += v[i] * s.cy
		}
	}
	if len(pairs) < 12 {
		return errors.New("département map: too few located départements to fit the projection")
	}
	var err error
	if m.px, err = solve6(ata, atx); err != nil {
		return err
	}
	if m.py, err = solve6(ata, aty); err != nil {
		return err
	}
	var sum float64
	for _, p := range pairs {
		x, y := m.project(p.lat, p.lon)
		r := math.Hypot(x-p.x, y-p.y)
		sum += r
		m.maxResidual = math.Max(m.maxResidual, r)
	}
	m.meanResidual = sum / float64(len(pairs))
	return nil
}

func solve6(a [6][6]float64, b [6]float64) ([6]float64, error) {
	for col := 0; col < 6; col++ {
		piv := col
		for r := col + 1; r < 6; r++ {
			if math.Abs(a[r][col]) > math.Abs(a[piv][col]) {
				piv = r
			}
		}
		if math.Abs(a[piv][col]) < 1e-12 {
			return b, errors.New("département map: singular projection fit")
		}
		a[col], a[piv] = a[piv], a[col]
		b[col], b[piv] = b[piv], b[col]
		for r := 0; r < 6; r++ {
			if r == col {
				continue
			}
			f := a[r][col] / a[col][col]
			for c := col; c < 6; c++ {
				a[r][c] -= f * a[col][c]
			}
			b[r] -= f * b[col]
		}
	}
	var x [6]float64
	for i := range x {
		x[i] = b[i] / a[i][i]
	}
	return x, nil
}

// project maps a WGS 84 point to map coordinates.
func (m *baseMap) project(lat, lon float64) (float64, float64) {
	v := terms(lat, lon)
	var x, y float64
	for i := range v {
		x += m.px[i] * v[i]
		y += m.py[i] * v[i]
	}
	return x, y
}

// contains reports whether a map point lies inside a département outline
// (even-odd rule over its rings).
func (s *deptShape) contains(x, y float64) bool {
	if x < s.minX || x > s.maxX || y < s.minY || y > s.maxY {
		return false
	}
	in := false
	for _, r := range s.rings {
		for i, j := 0, len(r)-1; i < len(r); j, i = i, i+1 {
			if (r[i][1] > y) != (r[j][1] > y) && x < (r[j][0]-r[i][0])*(y-r[i][1])/(r[j][1]-r[i][1])+r[i][0] {
				in = !in
			}
		}
	}
	return in
}

// MapPoint is a marker on the offline map.
type MapPoint struct {
	Lat, Lon float64
	Label    string
	Href     string
}

// Choropleth describes a map of metropolitan départements shaded by value.
type Choropleth struct {
	ID    string
	Title string
	// Values by département code; départements absent count as zero.
	Values map[string]float64
	// Scope, when set, lists the départements of the territory shown: the
	// map zooms on them and greys out the others.
	Scope    []string
	Unit     string
	Decimals int
	Lang     string
	// LegendTitle heads the legend (what the shades measure).
	LegendTitle string
	Points      []MapPoint
	// MaxLinkedPoints caps the points drawn as links (each link is a tab
	// stop); beyond, points are drawn without links.
	MaxLinkedPoints int
}

// Shades of the map, from "none" to the largest class; the text colour
// on each keeps a contrast above 4.5:1 in the legend.
var mapShades = []string{"#f2f2f2", "#d6e4f5", "#9fc1e8", "#5b93d1", "#2a64b0", "#0b3d91"}

const outsideShade = "#ffffff"

// shadeOf spreads the classes over the palette so that few classes still
// use clearly different shades.
func shadeOf(class, classes int) string {
	if class <= 0 || classes <= 0 {
		return mapShades[0]
	}
	return mapShades[(class*(len(mapShades)-1)+classes-1)/classes]
}

// classBreaks returns up to five upper bounds for the non-zero values,
// from quantiles rounded to two significant digits.
func classBreaks(values []float64) []float64 {
	var nz []float64
	for _, v := range values {
		if v > 0 && !math.IsNaN(v) {
			nz = append(nz, v)
		}
	}
	if len(nz) == 0 {
		return nil
	}
	sort.Float64s(nz)
	var out []float64
	for k := 1; k <= 5; k++ {
		q := nz[min(len(nz)-1, int(math.Ceil(float64(k)*float64(len(nz))/5))-1)]
		if k == 5 {
			q = nz[len(nz)-1]
		} else {
			q = roundSig(q)
		}
		if len(out) == 0 || q > out[len(out)-1] {
			out = append(out, q)
		}
	}
	out[len(out)-1] = nz[len(nz)-1]
	return out
}

func roundSig(v float64) float64 {
	if v <= 0 {
		return v
	}
	mag := math.Pow(10, math.Floor(math.Log10(v))-1)
	return math.Ceil(v/mag) * mag
}

func classOf(v float64, breaks []float64) int {
	if v <= 0 || math.IsNaN(v) {
		return 0
	}
	for i, b := range breaks {
		if v <= b {
			return i + 1
		}
	}
	return len(breaks)
}

func (c *Choropleth) word(fr, en string) string {
	if c.Lang == "en" {
		return en
	}
	return fr
}

// Render writes the map as a standalone SVG element: title and
// description for screen readers, one titled path per département, a
// legend giving each class's range, and the markers.
func (c *Choropleth) Render(w io.Writer, terr *territory.Referential) error {
	m, err := loadMap(terr)
	if err != nil {
		return err
	}
	var vals []float64
	for _, s := range m.shapes {
		vals = append(vals, c.Values[s.code])
	}
	breaks := classBreaks(vals)
	vb := m.viewBox
	inScope := map[string]bool{}
	if len(c.Scope) > 0 {
		minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
		for _, code := range c.Scope {
			i, ok := m.byCode[code]
			if !ok {
				continue
			}
			inScope[code] = true
			s := m.shapes[i]
			minX, minY, maxX, maxY = math.Min(minX, s.minX), math.Min(minY, s.minY), math.Max(maxX, s.maxX), math.Max(maxY, s.maxY)
		}
		if len(inScope) > 0 {
			pad := math.Max(maxX-minX, maxY-minY) * 0.08
			vb = [4]float64{minX - pad, minY - pad, maxX - minX + 2*pad, maxY - minY + 2*pad}
		}
	}
	legendH := 22.0 * float64(len(breaks)+2)
	scale := vb[2] / 613 // keep legend text readable when zoomed
	id := template.HTMLEscapeString(c.ID)
	var b strings.Builder
	b.Grow(160 << 10)
	// A map holding links is a group of links, not a picture: an image
	// role may not contain interactive elements.
	role := "img"
	for i, p := range c.Points {
		if p.Href != "" && (c.MaxLinkedPoints == 0 || i < c.MaxLinkedPoints) {
			role = "group"
			break
		}
	}
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="obs-map-svg" viewBox="%.1f %.1f %.1f %.1f" role="%s" aria-labelledby="%s-title %s-desc" font-family="system-ui, sans-serif">`,
		vb[0], vb[1], vb[2], vb[3]+legendH*scale, role, id, id)
	total := 0.0
	shown := 0
	for _, s := range m.shapes {
		if len(inScope) == 0 || inScope[s.code] {
			total += c.Values[s.code]
			if c.Values[s.code] > 0 {
				shown++
			}
		}
	}
	desc := fmt.Sprintf(c.word("Carte des départements métropolitains : %s. Total %s, %d départements concernés. Le tableau qui suit donne les valeurs.",
		"Map of metropolitan départements: %s. Total %s, %d départements concerned. The table that follows gives the values."),
		c.LegendTitle, c.fmt(total), shown)
	fmt.Fprintf(&b, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, id, template.HTMLEscapeString(c.Title), id, template.HTMLEscapeString(desc))
	b.WriteString(`<g class="obs-map-deps" stroke="#ffffff" stroke-width="0.6">`)
	for _, s := range m.shapes {
		v := c.Values[s.code]
		fill, stroke := shadeOf(classOf(v, breaks), len(breaks)), ""
		if len(inScope) > 0 && !inScope[s.code] {
			fill, stroke = outsideShade, ` stroke="#c9d1de"`
		}
		name := s.code
		if t, ok := terr.Get(territory.Departement, s.code); ok {
			name = t.Name
		}
		fmt.Fprintf(&b, `<path d="%s" fill="%s"%s data-code="%s"><title>%s (%s) : %s</title></path>`, s.d, fill, stroke, s.code,
			template.HTMLEscapeString(name), s.code, template.HTMLEscapeString(c.fmt(v)))
	}
	b.WriteString(`</g>`)
	if len(c.Points) > 0 {
		r := 3.2 * scale
		b.WriteString(`<g class="obs-map-points" fill="#b0002a" stroke="#ffffff" stroke-width="` + strconv.FormatFloat(0.8*scale, 'f', 2, 64) + `">`)
		for i, p := range c.Points {
			if !territory.InFrance(p.Lat, p.Lon) || p.Lat < 41 {
				continue // overseas: not on this map
			}
			x, y := m.project(p.Lat, p.Lon)
			label := template.HTMLEscapeString(p.Label)
			if p.Href != "" && (c.MaxLinkedPoints == 0 || i < c.MaxLinkedPoints) {
				fmt.Fprintf(&b, `<a href="%s" aria-label="%s"><circle cx="%.1f" cy="%.1f" r="%.2f"><title>%s</title></circle></a>`, template.HTMLEscapeString(p.Href), label, x, y, r, label)
			} else {
				fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="%.2f"><title>%s</title></circle>`, x, y, r, label)
			}
		}
		b.WriteString(`</g>`)
	}
	// Legend under the map.
	lx, ly := vb[0]+8*scale, vb[1]+vb[3]+8*scale
	fs := 12 * scale
	fmt.Fprintf(&b, `<g class="obs-map-legend" font-size="%.2f"><text x="%.1f" y="%.1f" fill="#1b1b1b" font-weight="bold">%s</text>`, fs, lx, ly+fs, template.HTMLEscapeString(c.LegendTitle))
	rows := []string{c.word("aucun", "none")}
	lo := 0.0
	for _, br := range breaks {
		from := nextAbove(lo, c.Decimals)
		if from >= br {
			rows = append(rows, c.fmtNum(br))
		} else {
			rows = append(rows, fmt.Sprintf(c.word("de %s à %s", "%s to %s"), c.fmtNum(from), c.fmtNum(br)))
		}
		lo = br
	}
	for i, label := range rows {
		y := ly + float64(i+1)*20*scale
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s" stroke="#4a4a4a" stroke-width="%.2f"/><text x="%.1f" y="%.1f" fill="#1b1b1b">%s</text>`,
			lx, y, 18*scale, 14*scale, shadeOf(i, len(breaks)), 0.5*scale, lx+24*scale, y+11*scale, template.HTMLEscapeString(label))
	}
	b.WriteString(`</g></svg>`)
	_, err = io.WriteString(w, b.String())
	return err
}

// nextAbove is the smallest value shown above lo in the legend.
func nextAbove(lo float64, decimals int) float64 {
	if lo == 0 {
		return math.Pow(10, -float64(decimals))
	}
	return lo + math.Pow(10, -float64(decimals))
}

func (c *Choropleth) fmtNum(v float64) string { return chart.Number(c.Lang, v, c.Decimals) }

func (c *Choropleth) fmt(v float64) string {
	if c.Unit == "" {
		return c.fmtNum(v)
	}
	return c.fmtNum(v) + "\u00a0" + c.Unit
}

// MetropolitanDepartements lists the codes drawn on the offline map.
func MetropolitanDepartements(terr *territory.Referential) ([]string, error) {
	m, err := loadMap(terr)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(m.shapes))
	for i, s := range m.shapes {
		out[i] = s.code
	}
	return slices.Clip(out), nil
}
