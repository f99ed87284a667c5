package observatory

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"strconv"
	"testing"

	"github.com/fabrique-des-energies/fabrique/internal/territory"
)

// fromExports recomputes the dashboard figures from communities.csv and
// projects.csv, the way an open-data reuser would.
type fromExports struct {
	communities, projects, operating int
	installed, pipeline, production  float64
	members                          int
	byRegion, byDep, byEPCI          map[string]int
	projByRegion, projByDep          map[string]int
	kwByRegion, kwByDep, kwByEPCI    map[string]float64
	stages, years                    map[string]int
	membersByType                    map[string]int
	techInstalled, techPipeline      map[string]float64
	techProjects                     map[string]int
}

func parseNum(t *testing.T, s string) float64 {
	t.Helper()
	if s == "" {
		return 0
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("number %q: %v", s, err)
	}
	return v
}

func recompute(t *testing.T, communitiesCSV, projectsCSV string, inScope func(row map[string]string) bool) fromExports {
	t.Helper()
	e := fromExports{byRegion: map[string]int{}, byDep: map[string]int{}, byEPCI: map[string]int{}, projByRegion: map[string]int{}, projByDep: map[string]int{},
		kwByRegion: map[string]float64{}, kwByDep: map[string]float64{}, kwByEPCI: map[string]float64{}, stages: map[string]int{}, years: map[string]int{},
		membersByType: map[string]int{}, techInstalled: map[string]float64{}, techPipeline: map[string]float64{}, techProjects: map[string]int{}}
	for _, r := range csvRows(t, communitiesCSV) {
		if !inScope(r) {
			continue
		}
		e.communities++
		e.byRegion[r["region"]]++
		e.byDep[r["departement"]]++
		if r["epci"] != "" {
			e.byEPCI[r["epci"]]++
		}
		e.stages[r["stage"]]++
		e.years[r["founding_year"]]++
		for _, k := range []string{"citizens", "local_authorities", "businesses", "associations"} {
			n := int(parseNum(t, r["members_"+k]))
			e.membersByType[k] += n
			e.members += n
		}
	}
	for _, r := range csvRows(t, projectsCSV) {
		if !inScope(r) {
			continue
		}
		e.projects++
		e.projByRegion[r["region"]]++
		e.projByDep[r["departement"]]++
		kw := parseNum(t, r["capacity_kw"])
		e.techProjects[r["technology"]]++
		switch r["status"] {
		case "operation":
			e.operating++
			e.installed += kw
			e.production += parseNum(t, r["production_mwh"])
			e.kwByRegion[r["region"]] += kw
			e.kwByDep[r["departement"]] += kw
			e.kwByEPCI[r["epci"]] += kw
			e.techInstalled[r["technology"]] += kw
		case "abandoned":
		default:
			e.pipeline += kw
			e.techPipeline[r["technology"]] += kw
		}
	}
	return e
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-6*math.Max(1, math.Abs(b)) }

// compareStats checks every figure of the dashboard against the exports.
func compareStats(t *testing.T, st Stats, e fromExports) {
	t.Helper()
	if st.Communities != e.communities || st.Projects != e.projects || st.ProjectsInOperation != e.operating || st.Members != e.members {
		t.Errorf("totals: stats %d/%d/%d/%d, exports %d/%d/%d/%d", st.Communities, st.Projects, st.ProjectsInOperation, st.Members, e.communities, e.projects, e.operating, e.members)
	}
	if !near(st.InstalledKW, e.installed) || !near(st.PipelineKW, e.pipeline) || !near(st.ProductionMWh, e.production) {
		t.Errorf("capacity: stats %v/%v/%v, exports %v/%v/%v", st.InstalledKW, st.PipelineKW, st.ProductionMWh, e.installed, e.pipeline, e.production)
	}
	sum := 0
	for _, a := range st.Regions {
		sum += a.Communities
		if a.Communities != e.byRegion[a.Code] || a.Projects != e.projByRegion[a.Code] || !near(a.InstalledKW, e.kwByRegion[a.Code]) {
			t.Errorf("région %s: stats %d/%d/%v, exports %d/%d/%v", a.Code, a.Communities, a.Projects, a.InstalledKW, e.byRegion[a.Code], e.projByRegion[a.Code], e.kwByRegion[a.Code])
		}
	}
	if sum != e.communities {
		t.Errorf("régions add up to %d, not %d", sum, e.communities)
	}
	for _, a := range st.Departements {
		if a.Communities != e.byDep[a.Code] || a.Projects != e.projByDep[a.Code] || !near(a.InstalledKW, e.kwByDep[a.Code]) {
			t.Errorf("département %s: stats %d/%d/%v, exports %d/%d/%v", a.Code, a.Communities, a.Projects, a.InstalledKW, e.byDep[a.Code], e.projByDep[a.Code], e.kwByDep[a.Code])
		}
	}
	for _, s := range st.Stages {
		if s.Communities != e.stages[s.Stage] {
			t.Errorf("stage %s: stats %d, exports %d", s.Stage, s.Communities, e.stages[s.Stage])
		}
	}
	for _, y := range st.FoundedPerYear {
		if y.Communities != e.years[strconv.Itoa(y.Year)] {
			t.Errorf("year %d: stats %d, exports %d", y.Year, y.Communities, e.years[strconv.Itoa(y.Year)])
		}
	}
	if st.FoundingYearUnknown != e.years[""] {
		t.Errorf("unknown years: stats %d, exports %d", st.FoundingYearUnknown, e.years[""])
	}
	for _, m := range st.MembersByType {
		if m.Members != e.membersByType[m.Type] {
			t.Errorf("members %s: stats %d, exports %d", m.Type, m.Members, e.membersByType[m.Type])
		}
	}
	for _, x := range st.Technologies {
		if x.Projects != e.techProjects[x.Technology] || !near(x.InstalledKW, e.techInstalled[x.Technology]) || !near(x.PipelineKW, e.techPipeline[x.Technology]) {
			t.Errorf("technology %s: stats %d/%v/%v, exports %d/%v/%v", x.Technology, x.Projects, x.InstalledKW, x.PipelineKW,
				e.techProjects[x.Technology], e.techInstalled[x.Technology], e.techPipeline[x.Technology])
		}
	}
	for i, a := range st.TopEPCI {
		if a.Communities != e.byEPCI[a.Code] || !near(a.InstalledKW, e.kwByEPCI[a.Code]) {
			t.Errorf("top EPCI %s: stats %d/%v, exports %d/%v", a.Code, a.Communities, a.InstalledKW, e.byEPCI[a.Code], e.kwByEPCI[a.Code])
		}
		if i > 0 && st.TopEPCI[i-1].Communities < a.Communities {
			t.Errorf("top EPCI not in order at %d", i)
		}
	}
	// No EPCI outside the top has more communities than the last of it.
	if n := len(st.TopEPCI); n == TopEPCICount {
		for code, c := range e.byEPCI {
			in := false
			for _, a := range st.TopEPCI {
				in = in || a.Code == code
			}
			if !in && c > st.TopEPCI[n-1].Communities {
				t.Errorf("EPCI %s has %d communities but is not in the top", code, c)
			}
		}
	}
}

func TestStatsEqualFiguresFromExports(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		gen := generate(t, f.svc, 500, 1500, 42)
		var cb, pb bytes.Buffer
		if err := f.svc.WriteCommunitiesCSV(ctx, &cb, Filter{}, ""); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.WriteProjectsCSV(ctx, &pb, Filter{}); err != nil {
			t.Fatal(err)
		}
		st, err := f.svc.Stats(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if st.Communities != len(gen) {
			t.Fatalf("%d communities in the stats, %d generated", st.Communities, len(gen))
		}
		compareStats(t, st, recompute(t, cb.String(), pb.String(), func(map[string]string) bool { return true }))
		// The same on territories of every kind, from the national files.
		terr := f.svc.terr
		for _, sc := range []struct {
			kind territory.Kind
			code string
			col  string
		}{{territory.Region, "84", "region"}, {territory.Departement, gen[0].Place.Departement, "departement"}, {territory.EPCI, gen[1].Place.EPCI, "epci"}, {territory.Commune, gen[2].Place.Commune, "commune"}} {
			tt, ok := terr.Get(sc.kind, sc.code)
			if !ok {
				t.Fatalf("%s %s", sc.kind, sc.code)
			}
			st, err := f.svc.Stats(ctx, &tt)
			if err != nil {
				t.Fatal(err)
			}
			if st.Territory == nil || st.Territory.Code != sc.code {
				t.Fatalf("territory %+v", st.Territory)
			}
			compareStats(t, st, recompute(t, cb.String(), pb.String(), func(r map[string]string) bool { return r[sc.col] == sc.code }))
		}
	})
}

func TestGeoJSONIsValidAndInsideFrance(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		gen := generate(t, f.svc, 300, 300, 5)
		var buf bytes.Buffer
		if err := f.svc.WriteGeoJSON(ctx, &buf, Filter{}, "https://example.org"); err != nil {
			t.Fatal(err)
		}
		var fc struct {
			Type     string `json:"type"`
			Features []struct {
				Type     string          `json:"type"`
				ID       string          `json:"id"`
				Geometry json.RawMessage `json:"geometry"`
				Props    map[string]any  `json:"properties"`
			} `json:"features"`
		}
		dec := json.NewDecoder(&buf)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&fc); err != nil {
			t.Fatalf("not GeoJSON: %v", err)
		}
		if fc.Type != "FeatureCollection" || len(fc.Features) != len(gen) {
			t.Fatalf("%s with %d features for %d communities", fc.Type, len(fc.Features), len(gen))
		}
		byslug := map[string]Community{}
		for _, c := range gen {
			byslug[c.Slug] = c
		}
		located := 0
		for _, ft := range fc.Features {
			c, ok := byslug[ft.ID]
			if ft.Type != "Feature" || !ok || ft.Props["slug"] != ft.ID || ft.Props["url"] != "https://example.org/communautes/"+ft.ID {
				t.Fatalf("feature %+v", ft)
			}
			if string(ft.Geometry) == "null" {
				if territory.InFrance(c.Place.Lat, c.Place.Lon) {
					t.Errorf("%s is in France but has no geometry", c.Slug)
				}
				continue
			}
			var g struct {
				Type        string    `json:"type"`
				Coordinates []float64 `json:"coordinates"`
			}
			if err := json.Unmarshal(ft.Geometry, &g); err != nil || g.Type != "Point" || len(g.Coordinates) != 2 {
				t.Fatalf("geometry %s", ft.Geometry)
			}
			lon, lat := g.Coordinates[0], g.Coordinates[1]
			if !territory.InFrance(lat, lon) {
				t.Errorf("%s at %v,%v is outside France's boxes", c.Slug, lat, lon)
			}
			if math.Abs(lat-c.Place.Lat) > 1e-5 || math.Abs(lon-c.Place.Lon) > 1e-5 {
				t.Errorf("%s: point %v,%v, commune at %v,%v", c.Slug, lat, lon, c.Place.Lat, c.Place.Lon)
			}
			located++
		}
		if located < len(gen)*9/10 {
			t.Fatalf("only %d of %d communities located", located, len(gen))
		}
	})
}

// Cached statistics follow every change, including changes made by
// another process on the same store.
func TestStatsCacheFollowsChanges(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		other := New(f.d, f.svc.terr, nil) // a second process on the same store
		before, err := f.svc.Stats(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		c, err := other.Create(ctx, f.admin, validInput("Ailleurs", "29039"))
		if err != nil {
			t.Fatal(err)
		}
		kw := 10.0
		steps := []func() error{
			func() error { return nil },
			func() error {
				_, err := other.AddProject(ctx, f.admin, c.Slug, ProjectInput{Name: "P", Technology: "hydro", Status: "operation", CapacityKW: &kw})
				return err
			},
			func() error { return other.SetStage(ctx, f.admin, c.Slug, "spreading", "") },
		}
		for i, step := range steps {
			if err := step(); err != nil {
				t.Fatal(err)
			}
			got, err := f.svc.Stats(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			fresh, err := f.svc.ComputeStats(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got.Communities != fresh.Communities || got.Projects != fresh.Projects || got.InstalledKW != fresh.InstalledKW || got.Stages[4] != fresh.Stages[4] {
				t.Fatalf("step %d: cached %+v, fresh %+v", i, got, fresh)
			}
		}
		if after, _ := f.svc.Stats(ctx, nil); after.Communities != before.Communities+1 || after.Stages[4].Communities != before.Stages[4].Communities+1 {
			t.Fatalf("before %d, after %d", before.Communities, after.Communities)
		}
		// A caller changing its copy does not change the cache.
		a, _ := f.svc.Stats(ctx, nil)
		a.Regions[0].Communities = -1
		if b, _ := f.svc.Stats(ctx, nil); b.Regions[0].Communities == -1 {
			t.Fatal("the cache shares its slices")
		}
	})
}
