package observatory_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/fabrique-des-energies/fabrique/internal/app/apptest"
	"github.com/fabrique-des-energies/fabrique/internal/observatory"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
)

const mornant = "energies-citoyennes-du-pays-mornantais-exemple"

func rows(t *testing.T, body string) []map[string]string {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("CSV: %v\n%.300s", err, body)
	}
	var out []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

func get(t *testing.T, c *apptest.Client, path string) string {
	t.Helper()
	resp := c.Get(path)
	body := apptest.Body(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d\n%.400s", path, resp.StatusCode, body)
	}
	return body
}

// frNumber reads a number as the French pages write it ("12 345,6 kW").
func frNumber(t *testing.T, s string) float64 {
	t.Helper()
	s = strings.NewReplacer("\u202f", "", "\u00a0", "", " ", "", "&nbsp;", "", "kW", "", "MWh", "", ",", ".").Replace(strings.TrimSpace(s))
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("number %q: %v", s, err)
	}
	return v
}

func num(s string) float64 {
	v, _ := strconv.ParseFloat(s, 64)
	return v
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-6*math.Max(1, math.Abs(b)) }

// The numbers shown on the dashboard (key figures and every chart, read
// through the charts' CSV downloads) equal those an open-data reuser
// computes from communities.csv and projects.csv.
func TestDashboardEqualsFiguresFromCSVExports(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *apptest.App) {
		c := a.Anonymous()
		comm := rows(t, get(t, c, "/communities.csv"))
		proj := rows(t, get(t, c, "/projects.csv"))
		if len(comm) < 35 || len(proj) < 35 {
			t.Fatalf("demo content too small: %d communities, %d projects", len(comm), len(proj))
		}
		for _, sc := range []struct{ param, col, code string }{
			{"", "", ""}, {"region:53", "region", "53"}, {"epci:246900740", "epci", "246900740"}, {"departement:66", "departement", "66"},
		} {
			t.Run("scope "+sc.param, func(t *testing.T) {
				in := func(r map[string]string) bool { return sc.col == "" || r[sc.col] == sc.code }
				q := ""
				if sc.param != "" {
					q = "?territoire=" + url.QueryEscape(sc.param)
				}
				// Expected figures, from the exports only.
				var nComm, nProj, members int
				var installed, production float64
				byArea, projByArea := map[string]float64{}, map[string]float64{}
				stages, years, memberTypes := map[string]float64{}, map[string]float64{}, map[string]float64{}
				techIn, techPipe := map[string]float64{}, map[string]float64{}
				epciComm, epciKW := map[string]float64{}, map[string]float64{}
				areaCol, areaName := "region", "region_name"
				if sc.col != "" {
					areaCol, areaName = "departement", "departement_name"
				}
				areaKey := func(r map[string]string) string {
					if areaCol == "departement" {
						return r[areaCol] + " " + r[areaName]
					}
					return r[areaName]
				}
				for _, r := range comm {
					if !in(r) {
						continue
					}
					nComm++
					byArea[areaKey(r)]++
					stages[observatory.Stages.Label(r["stage"]).FR]++
					years[r["founding_year"]]++
					for _, mt := range observatory.MemberTypes {
						n := num(r["members_"+mt.Code])
						memberTypes[mt.Label.FR] += n
						members += int(n)
					}
					if r["epci"] != "" {
						epciComm[r["epci_name"]]++
					}
				}
				for _, r := range proj {
					if !in(r) {
						continue
					}
					nProj++
					projByArea[areaKey(r)]++
					kw := num(r["capacity_kw"])
					label := observatory.Technologies.Label(r["technology"]).FR
					switch r["status"] {
					case "operation":
						installed += kw
						production += num(r["production_mwh"])
						techIn[label] += kw
						epciKW[r["epci_name"]] += kw
					case "abandoned":
					default:
						techPipe[label] += kw
					}
				}
				// Key figures on the page.
				page := get(t, c, "/observatoire"+q)
				kpi := func(id string) float64 {
					m := regexp.MustCompile(`id="` + id + `">([^<]+)<`).FindStringSubmatch(page)
					if m == nil {
						t.Fatalf("no %s on the dashboard", id)
					}
					return frNumber(t, m[1])
				}
				if kpi("kpi-communities") != float64(nComm) || kpi("kpi-projects") != float64(nProj) || kpi("kpi-members") != float64(members) ||
					math.Abs(kpi("kpi-installed")-installed) > 0.5 || math.Abs(kpi("kpi-production")-production) > 0.5 {
					t.Errorf("key figures differ from the exports: %v %v %v %v %v vs %d %d %d %v %v", kpi("kpi-communities"), kpi("kpi-projects"),
						kpi("kpi-members"), kpi("kpi-installed"), kpi("kpi-production"), nComm, nProj, members, installed, production)
				}
				// Every chart, through its CSV download.
				chart := func(name string) map[string][]float64 {
					body := get(t, c, "/observatoire/donnees/"+name+".csv"+q)
					recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
					if err != nil {
						t.Fatal(err)
					}
					out := map[string][]float64{}
					for _, r := range recs[1:] {
						for _, v := range r[1:] {
							out[r[0]] = append(out[r[0]], num(v))
						}
					}
					return out
				}
				check := func(name string, got map[string][]float64, col int, want map[string]float64) {
					t.Helper()
					total := 0.0
					for k, v := range got {
						total += v[col]
						if !near(v[col], want[k]) {
							t.Errorf("chart %s, %q column %d: %v on the dashboard, %v from the exports", name, k, col, v[col], want[k])
						}
					}
					wantTotal := 0.0
					for _, v := range want {
						wantTotal += v
					}
					if name != "epci" && !near(total, wantTotal) {
						t.Errorf("chart %s column %d adds up to %v, the exports to %v", name, col, total, wantTotal)
					}
				}
				area := "regions"
				if sc.col != "" {
					area = "departements"
				}
				ac := chart(area)
				check(area, ac, 0, byArea)
				check(area, ac, 1, projByArea)
				tc := chart("technologies")
				check("technologies", tc, 0, techIn)
				check("technologies", tc, 1, techPipe)
				check("etapes", chart("etapes"), 0, stages)
				yc := chart("creations")
				delete(years, "")
				check("creations", yc, 0, years)
				check("membres", chart("membres"), 0, memberTypes)
				ec := chart("epci")
				check("epci", ec, 0, epciComm)
				check("epci", ec, 1, epciKW)
			})
		}
	}, apptest.WithDemo())
}

var markers = []string{"Marqueur-Nom-5f3a", "marqueur-5f3a@prive.example", "06 98 76 54 32", "Autre-Marqueur-91c", "autre-91c@prive.example"}

// Private contact fields never appear in any page, export or API answer to
// anyone but the community's managers and the Fabrique team.
func TestPrivateContactFieldsNeverLeak(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *apptest.App) {
		ctx := context.Background()
		managerEmail := a.NewUser(web.RoleMember)
		manager := a.WithToken(a.Token(managerEmail))
		in := observatory.CommunityInput{Name: "Communauté discrète", LegalForm: "association", Commune: "29039", Activities: []string{"generation"},
			Contact: observatory.Contact{Name: markers[0], NamePrivate: true, Email: markers[1], EmailPrivate: true, Phone: markers[2], PhonePrivate: true}}
		var created observatory.CommunityJSON
		if st := manager.JSON("POST", "/api/v1/communities", in, &created); st != http.StatusCreated {
			t.Fatalf("create: %d", st)
		}
		if created.Contact.Email != markers[1] {
			t.Fatalf("the creating manager gets the private fields back: %+v", created.Contact)
		}
		var proj observatory.ProjectJSON
		kw := 42.0
		if st := manager.JSON("POST", "/api/v1/communities/"+created.Slug+"/projects", observatory.ProjectInput{Name: "Toit", Technology: "pv_rooftop", Status: "operation", CapacityKW: &kw}, &proj); st != http.StatusCreated {
			t.Fatalf("project: %d", st)
		}
		// A demo community that route samples show gets private fields too.
		admin := &web.Identity{UserID: 1, Name: "admin", Role: web.RoleAdmin}
		cur, err := a.Observatory.CommunityForEditor(ctx, admin, mornant)
		if err != nil {
			t.Fatal(err)
		}
		upd := observatory.CommunityInput{Name: cur.Name, LegalForm: cur.LegalForm, EUStatus: cur.EUStatus, Commune: cur.Place.Commune, FoundingYear: cur.FoundingYear,
			Members: cur.Members, Activities: cur.Activities, Principles: cur.Principles, Label: cur.Label, Description: cur.Description, Example: true,
			Contact: observatory.Contact{Name: markers[3], NamePrivate: true, Email: markers[4], EmailPrivate: true}}
		if _, err := a.Observatory.Update(ctx, admin, mornant, upd); err != nil {
			t.Fatal(err)
		}
		paths := []string{"/communautes/" + created.Slug, "/api/v1/communities/" + created.Slug, "/api/v1/communities/" + mornant,
			"/api/v1/communities?q=discrete", "/api/v1/communities?limit=200", "/communautes?q=discrete", "/communautes?commune=29039",
			"/communities.csv", "/projects.csv", "/communities.geojson", "/communities.geojson?commune=29039", "/observatoire",
			"/observatoire?territoire=commune:29039", "/territoires/commune/29039", "/territoires/commune/69141", "/api/v1/observatory/stats?territory=commune:29039"}
		for _, rt := range a.Web.Routes() {
			if rt.Method == "GET" && !strings.Contains(rt.Path(), "{") {
				paths = append(paths, rt.Path())
			}
		}
		other := a.NewUser(web.RoleMember)
		clients := map[string]*apptest.Client{"anonymous": a.Anonymous(), "member (session)": a.Login(other), "member (token)": a.WithToken(a.Token(other))}
		checked := 0
		for who, c := range clients {
			for _, p := range paths {
				for _, accept := range []string{"text/html", "application/json"} {
					resp := c.Do("GET", p, nil, http.Header{"Accept": {accept}})
					body := apptest.Body(t, resp)
					checked++
					for _, m := range markers {
						if strings.Contains(body, m) {
							t.Errorf("%s GET %s (%s, status %d) shows the private field %q", who, p, accept, resp.StatusCode, m)
						}
					}
				}
			}
		}
		if checked < 100 {
			t.Fatalf("only %d answers checked", checked)
		}
		// Exports hide them from administrators too; the edit page and the
		// API show them to the manager.
		adminC := a.As(web.RoleAdmin)
		for _, p := range []string{"/communities.csv", "/communities.geojson", "/projects.csv"} {
			body := get(t, adminC, p)
			for _, m := range markers {
				if strings.Contains(body, m) {
					t.Errorf("admin export %s holds %q", p, m)
				}
			}
		}
		mc := a.Login(managerEmail)
		if body := get(t, mc, "/communautes/"+created.Slug+"/modifier"); !strings.Contains(body, markers[1]) {
			t.Error("the manager's edit form lacks the private email")
		}
		var detail observatory.CommunityJSON
		manager.JSON("GET", "/api/v1/communities/"+created.Slug, nil, &detail)
		if detail.Contact.Name != markers[0] || detail.CanEdit == nil || !*detail.CanEdit || len(detail.Managers) != 1 {
			t.Errorf("manager's API view: %+v", detail)
		}
	}, apptest.WithDemo())
}

func TestAPIWritesAndRights(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *apptest.App) {
		managerEmail := a.NewUser(web.RoleMember)
		manager := a.WithToken(a.Token(managerEmail))
		other := a.WithToken(a.Token(a.NewUser(web.RoleMember)))
		mod := a.WithToken(a.Token(a.NewUser(web.RoleModerator)))
		adminEmail := a.NewUser(web.RoleAdmin)
		admin := a.WithToken(a.Token(adminEmail))
		var errBody struct {
			Error struct {
				Code    string `json:"code"`
				Details []struct {
					Field   string `json:"field"`
					Message string `json:"message"`
				} `json:"details"`
			} `json:"error"`
		}
		if st := a.Anonymous().JSON("POST", "/api/v1/communities", observatory.CommunityInput{Name: "x"}, nil); st != http.StatusUnauthorized {
			t.Fatalf("anonymous create: %d", st)
		}
		if st := manager.JSON("POST", "/api/v1/communities", observatory.CommunityInput{Name: "Sans forme", Commune: "xx"}, &errBody); st != http.StatusUnprocessableEntity || len(errBody.Error.Details) < 2 {
			t.Fatalf("invalid create: %d %+v", st, errBody)
		}
		var c observatory.CommunityJSON
		in := observatory.CommunityInput{Name: "Coopérative du test", LegalForm: "scic", Commune: "66150", FoundingYear: 2024, Example: true}
		if st := manager.JSON("POST", "/api/v1/communities", in, &c); st != http.StatusCreated || c.Slug != "cooperative-du-test" || c.Example {
			t.Fatalf("create: %d %+v (a member cannot mark an example)", st, c)
		}
		base := "/api/v1/communities/" + c.Slug
		in.Name = "Coopérative du test renommée"
		if st := other.JSON("PUT", base, in, nil); st != http.StatusForbidden {
			t.Fatalf("non-manager update: %d", st)
		}
		if st := manager.JSON("PUT", base, in, &c); st != http.StatusOK || c.Name != in.Name {
			t.Fatalf("update: %d %+v", st, c)
		}
		kw := 120.0
		var p observatory.ProjectJSON
		if st := manager.JSON("POST", base+"/projects", observatory.ProjectInput{Name: "Moulin", Technology: "hydro", Status: "study", CapacityKW: &kw}, &p); st != http.StatusCreated || p.CapacityUnit != "kW" {
			t.Fatalf("project: %d %+v", st, p)
		}
		if st := other.JSON("DELETE", fmt.Sprintf("%s/projects/%d", base, p.ID), nil, nil); st != http.StatusForbidden {
			t.Fatalf("non-manager delete: %d", st)
		}
		p2 := observatory.ProjectInput{Name: "Moulin", Technology: "hydro", Status: "operation", CapacityKW: &kw}
		if st := manager.JSON("PUT", fmt.Sprintf("%s/projects/%d", base, p.ID), p2, &p); st != http.StatusOK || p.Status != "operation" {
			t.Fatalf("project update: %d", st)
		}
		var stage struct {
			Stage   string                    `json:"stage"`
			History []observatory.StageChange `json:"stage_history"`
		}
		if st := manager.JSON("POST", base+"/stage", map[string]string{"stage": "structuring", "note": "statuts"}, &stage); st != http.StatusOK || stage.Stage != "structuring" || len(stage.History) != 2 {
			t.Fatalf("stage: %d %+v", st, stage)
		}
		if st := manager.JSON("POST", base+"/journal", map[string]string{"date": "2025-04-01", "body": "Visite du site"}, nil); st != http.StatusCreated {
			t.Fatalf("journal: %d", st)
		}
		var need observatory.Need
		if st := manager.JSON("POST", base+"/needs", map[string]string{"title": "Un juriste"}, &need); st != http.StatusCreated {
			t.Fatalf("need: %d", st)
		}
		if st := manager.JSON("POST", fmt.Sprintf("%s/needs/%d/close", base, need.ID), nil, nil); st != http.StatusNoContent {
			t.Fatalf("close need: %d", st)
		}
		acc := observatory.AccompanimentInput{Date: "2025-04-02", Person: "Équipe", Hours: 2, Summary: "Atelier", Resources: []string{"guide-juridique"}}
		if st := manager.JSON("POST", base+"/accompaniments", acc, nil); st != http.StatusForbidden {
			t.Fatalf("a manager records an accompaniment: %d", st)
		}
		if st := mod.JSON("POST", base+"/accompaniments", acc, nil); st != http.StatusCreated {
			t.Fatalf("accompaniment: %d", st)
		}
		if st := mod.JSON("POST", base+"/managers", map[string]string{"email": adminEmail}, nil); st != http.StatusForbidden {
			t.Fatalf("a moderator assigns managers: %d", st)
		}
		var ms struct{ Items []observatory.Manager }
		if st := admin.JSON("POST", base+"/managers", map[string]string{"email": adminEmail}, &ms); st != http.StatusOK || len(ms.Items) != 2 {
			t.Fatalf("assign: %d %+v", st, ms)
		}
		if st := admin.JSON("DELETE", fmt.Sprintf("%s/managers/%d", base, ms.Items[1].UserID), nil, nil); st != http.StatusNoContent {
			t.Fatalf("remove manager: %d", st)
		}
		var d observatory.CommunityJSON
		a.Anonymous().JSON("GET", base, nil, &d)
		if len(d.Projects) != 1 || len(d.StageHistory) != 2 || len(d.Journal) != 1 || len(d.Needs) != 1 || len(d.Accompaniments) != 1 || d.Managers != nil || d.InstalledKW != 120 {
			t.Fatalf("public detail: %+v", d)
		}
		var list struct {
			Items []observatory.CommunityJSON `json:"items"`
			Total int                         `json:"total"`
		}
		if st := a.Anonymous().JSON("GET", "/api/v1/communities?territory=commune:66150&stage=structuring", nil, &list); st != http.StatusOK || list.Total != 1 || list.Items[0].Slug != c.Slug {
			t.Fatalf("list: %d %+v", st, list)
		}
		if st := a.Anonymous().JSON("GET", "/api/v1/communities?legal_form=club", nil, &errBody); st != http.StatusUnprocessableEntity || errBody.Error.Details[0].Field != "legal_form" {
			t.Fatalf("bad filter: %d %+v", st, errBody)
		}
		var stats observatory.Stats
		if st := a.Anonymous().JSON("GET", "/api/v1/observatory/stats?territory=commune:66150", nil, &stats); st != http.StatusOK || stats.Communities != 1 || stats.InstalledKW != 120 {
			t.Fatalf("stats: %d %+v", st, stats)
		}
		if st := manager.JSON("DELETE", fmt.Sprintf("%s/projects/%d", base, p.ID), nil, nil); st != http.StatusNoContent {
			t.Fatalf("delete project: %d", st)
		}
	})
}
