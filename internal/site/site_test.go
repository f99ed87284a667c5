package site_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/fabrique-des-energies/fabrique/internal/app/apptest"
	"github.com/fabrique-des-energies/fabrique/internal/site"
)

type searchResult struct {
	Items []site.TerritoryJSON `json:"items"`
}

// The territory queries of the foundation issue, over HTTP, on each dialect.
func TestTerritoryAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *apptest.App) {
		c := a.Anonymous()
		finds := func(q, kind, code string) {
			t.Helper()
			var out searchResult
			p := "/api/v1/territories?q=" + url.QueryEscape(q)
			if st := c.JSON("GET", p, nil, &out); st != 200 {
				t.Fatalf("%s: %d", p, st)
			}
			for _, it := range out.Items {
				if it.Kind == kind && it.Code == code {
					return
				}
			}
			t.Errorf("%q does not find %s %s: %+v", q, kind, code, out.Items)
		}
		first := func(q, kind, code string) {
			t.Helper()
			var out searchResult
			c.JSON("GET", "/api/v1/territories?q="+url.QueryEscape(q), nil, &out)
			if len(out.Items) == 0 || out.Items[0].Kind != kind || out.Items[0].Code != code {
				t.Errorf("%q: first result should be %s %s, got %+v", q, kind, code, out.Items)
			}
		}
		for _, q := range []string{"prats de mollo", "PRATS-DE-MOLLO", "66230", "66150", "Prats de Mollo la Preste", "prats"} {
			finds(q, "commune", "66150")
		}
		first("prats de mollo", "commune", "66150")
		first("PRATS-DE-MOLLO", "commune", "66150")
		first("66150", "commune", "66150")
		first("concarneau", "commune", "29039")
		finds("mornant", "epci", "246900740")
		first("29039", "commune", "29039")

		var kindOnly searchResult
		c.JSON("GET", "/api/v1/territories?q=mornant&kind=epci&limit=1", nil, &kindOnly)
		if len(kindOnly.Items) != 1 || kindOnly.Items[0].Kind != "epci" {
			t.Errorf("kind filter and limit: %+v", kindOnly.Items)
		}
		var bad struct{ Error struct{ Code string } }
		if st := c.JSON("GET", "/api/v1/territories?q=x&kind=planete", nil, &bad); st != 422 || bad.Error.Code != "invalid" {
			t.Errorf("bad kind: %d %+v", st, bad)
		}
		if st := c.JSON("GET", "/api/v1/territories?q=x&limit=100000", nil, &bad); st != 422 {
			t.Errorf("huge limit: %d", st)
		}

		var prats site.TerritoryJSON
		if st := c.JSON("GET", "/api/v1/territories/commune/66150", nil, &prats); st != 200 {
			t.Fatal(st)
		}
		if prats.Name != "Prats-de-Mollo-la-Preste" || prats.Population <= 0 || prats.Centroid == nil || !prats.Centroid.Exact {
			t.Errorf("commune 66150: %+v", prats)
		}
		wantParents := []string{"epci:246600548", "departement:66", "region:76"}
		var got []string
		for _, p := range prats.Parents {
			got = append(got, p.Kind+":"+p.Code)
		}
		if strings.Join(got, ",") != strings.Join(wantParents, ",") {
			t.Errorf("parents %v, want %v", got, wantParents)
		}
		if la, lo := prats.Centroid.Lat, prats.Centroid.Lon; la < 42.3 || la > 42.5 || lo < 2.3 || lo > 2.6 {
			t.Errorf("centroid %v,%v", la, lo)
		}
		var epci site.TerritoryJSON
		c.JSON("GET", "/api/v1/territories/epci/246900740", nil, &epci)
		if epci.Centroid == nil || epci.Centroid.Exact || epci.Centroid.Source != "computed" || epci.Population <= 0 {
			t.Errorf("EPCI centroid should be a computed fallback: %+v", epci)
		}
		for _, p := range []string{"/api/v1/territories/commune/99999", "/api/v1/territories/pays/FR"} {
			if st := c.JSON("GET", p, nil, &bad); st != 404 {
				t.Errorf("%s: %d", p, st)
			}
		}
	})
}

func TestTerritoryPage(t *testing.T) {
	a := apptest.Start(t)
	c := a.Anonymous()
	body := apptest.Body(t, c.Get("/territoires/commune/66150"))
	for _, want := range []string{"<h1>Prats-de-Mollo-la-Preste</h1>", `href="/territoires/epci/246600548"`, `href="/territoires/departement/66"`, "66230", "position exacte"} {
		if !strings.Contains(body, want) {
			t.Errorf("territory page lacks %q", want)
		}
	}
	body = apptest.Body(t, c.Get("/territoires?q=concarneau"))
	if !strings.Contains(body, `href="/territoires/commune/29039"`) {
		t.Error("search page does not list Concarneau")
	}
	if resp := c.Get("/territoires/commune/00000"); resp.StatusCode != 404 {
		t.Errorf("unknown commune page: %d", resp.StatusCode)
	}
}
