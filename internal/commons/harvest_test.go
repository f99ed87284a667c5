package commons_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/app"
	"github.com/fabrique-des-energies/fabrique/internal/app/apptest"
	"github.com/fabrique-des-energies/fabrique/internal/commons"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
)

// Two real instances on loopback: B harvests A's catalogue twice without duplicates, follows
// an upstream change, and archives an item removed upstream once the grace period is over.
func TestFederationTwoInstances(t *testing.T) {
	upstream := apptest.Start(t, apptest.WithDemo())
	apptest.Each(t, func(t *testing.T, b *apptest.App) {
		ctx := context.Background()
		var up listDoc
		upstream.Anonymous().JSON("GET", "/api/v1/resources?limit=1", nil, &up)
		n := up.Total
		src, err := b.Commons.AddSource(ctx, upstream.URL+"/catalog.jsonld", "Fabrique A", commons.Author{Name: "test"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.Commons.AddSource(ctx, upstream.URL+"/catalog.jsonld", "", commons.Author{}); err == nil {
			t.Fatal("the same source registered twice")
		}
		j1, err := b.Commons.Harvest(ctx, src.ID, "test")
		if err != nil || j1.Created != n || j1.Errors != 0 {
			t.Fatalf("first harvest: %+v %v (upstream has %d)", j1, err, n)
		}
		j2, err := b.Commons.Harvest(ctx, src.ID, "test")
		if err != nil || j2.Created != 0 || j2.Updated != 0 || j2.Unchanged != n {
			t.Fatalf("second harvest: %+v %v", j2, err)
		}
		if c, _ := b.Commons.CountResources(ctx); c != n {
			t.Fatalf("after two harvests B has %d resources, want %d", c, n)
		}
		// Provenance and labels.
		var doc commons.ResourceDoc
		b.Anonymous().JSON("GET", "/api/v1/resources/"+commons.SampleResource, nil, &doc)
		if doc.Source == nil || doc.Source.Name != "Fabrique A" || doc.Source.RemoteID != commons.SampleResource ||
			doc.Source.RemoteURL != upstream.Web.Config().BaseURL+"/ressources/"+commons.SampleResource || doc.Licence != "CC-BY-SA-4.0" ||
			len(doc.Territories) != 2 || len(doc.Themes) != 2 {
			t.Fatalf("harvested copy %+v", doc)
		}
		if p := get(t, b.Anonymous(), "/ressources/"+commons.SampleResource, 200); !strings.Contains(p, "Ressource moissonnée depuis") || strings.Contains(p, "/modifier\"") {
			t.Error("harvested page not labelled, or editable")
		}
		if l := get(t, b.Anonymous(), "/ressources?q=cooperative", 200); !strings.Contains(l, "moissonnée de Fabrique A") {
			t.Error("harvested hit not labelled with its source")
		}
		// An upstream change is followed.
		editor := upstream.WithToken(upstream.Token(upstream.NewUser(web.RoleMember)))
		var a commons.ResourceDoc
		editor.JSON("GET", "/api/v1/resources/"+commons.SampleResource, nil, &a)
		a.Summary = fmt.Sprintf("Résumé revu pour %s.", b.Dialect)
		if st := editor.JSON("PUT", "/api/v1/resources/"+commons.SampleResource, a, &a); st != 200 {
			t.Fatalf("upstream edit: %d", st)
		}
		j3, _ := b.Commons.Harvest(ctx, src.ID, "test")
		if j3.Updated != 1 || j3.Created != 0 {
			t.Fatalf("after an upstream edit: %+v", j3)
		}
		// An item removed upstream (archived there, so out of its catalogue).
		gone := "four-solaire-en-materiaux-de-recuperation"
		var g commons.ResourceDoc
		editor.JSON("GET", "/api/v1/resources/"+gone, nil, &g)
		g.Status = commons.StatusArchived
		if st := editor.JSON("PUT", "/api/v1/resources/"+gone, g, &g); st != 200 {
			t.Fatalf("upstream archive: %d", st)
		}
		defer func() {
			g.Status = commons.StatusPublished
			editor.JSON("PUT", "/api/v1/resources/"+gone, g, &g)
		}()
		j4, _ := b.Commons.Harvest(ctx, src.ID, "test")
		if j4.Archived != 0 || j4.Unchanged != n-1 {
			t.Fatalf("within the grace period: %+v", j4)
		}
		b.Anonymous().JSON("GET", "/api/v1/resources/"+gone, nil, &doc)
		if doc.Status != commons.StatusPublished || doc.Source.GoneSince == nil {
			t.Fatalf("missing item during the grace period: %+v", doc.Source)
		}
		// Eight days later (default grace: seven days) it is archived.
		b.Commons.SetClock(func() time.Time { return time.Now().Add(8 * 24 * time.Hour) })
		defer b.Commons.SetClock(time.Now)
		j5, _ := b.Commons.Harvest(ctx, src.ID, "test")
		if j5.Archived != 1 {
			t.Fatalf("after the grace period: %+v", j5)
		}
		b.Anonymous().JSON("GET", "/api/v1/resources/"+gone, nil, &doc)
		if doc.Status != commons.StatusArchived {
			t.Fatalf("not archived: %s", doc.Status)
		}
		if c, _ := b.Commons.CountResources(ctx); c != n {
			t.Fatalf("archiving removed or duplicated items: %d", c)
		}
		// Jobs keep their reports; the admin page shows them and its button runs a harvest.
		jobs, _ := b.Commons.Jobs(ctx, src.ID, 10)
		if len(jobs) != 5 || jobs[0].Archived != 1 || jobs[4].Created != n {
			t.Fatalf("jobs %+v", jobs)
		}
		admin := b.Login(b.NewUser(web.RoleAdmin))
		post(t, admin, fmt.Sprintf("/admin/moissonnage/sources/%d/moissonner", src.ID), url.Values{}, http.StatusSeeOther)
		page := get(t, admin, "/admin/moissonnage", 200)
		if !strings.Contains(page, "Fabrique A") || strings.Count(page, `id="rapport-`) != 6 {
			t.Errorf("admin page does not show the sources and six reports")
		}
		if rows, err := csvRows(get(t, admin, "/admin/moissonnage/rapports.csv", 200)); err != nil || len(rows) != 7 || rows[6][7] != fmt.Sprint(n) {
			t.Errorf("jobs CSV: %v %v", rows, err)
		}
		post(t, admin, "/admin/moissonnage/reglages", url.Values{"grace": {"3"}}, http.StatusSeeOther)
		if g, _ := b.Commons.GracePeriod(ctx); g != 72*time.Hour {
			t.Errorf("grace period %v", g)
		}
		post(t, admin, "/admin/moissonnage/reglages", url.Values{"grace": {"bientôt"}}, http.StatusUnprocessableEntity)
	})
}

// The command line registers and runs a harvest against a live instance.
func TestHarvestCommandLine(t *testing.T) {
	upstream := apptest.Start(t, apptest.WithDemo())
	dir := t.TempDir()
	var out, errb bytes.Buffer
	ctx := context.Background()
	if code := app.Main(ctx, []string{"harvest", "add", upstream.URL + "/catalog.jsonld", "--name", "Fabrique A", "--data", dir, "--log-level", "error"}, nil, &out, &errb); code != 0 {
		t.Fatalf("harvest add: %d %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "source 1 registered: Fabrique A") {
		t.Fatalf("harvest add output %q", out.String())
	}
	out.Reset()
	if code := app.Main(ctx, []string{"harvest", "run", "--data", dir, "--log-level", "error"}, nil, &out, &errb); code != 0 {
		t.Fatalf("harvest run: %d %s", code, errb.String())
	}
	if !strings.Contains(out.String(), `source 1 "Fabrique A": ok — 33 created, 0 updated, 0 unchanged, 0 archived, 0 error(s)`) {
		t.Fatalf("harvest run output %q", out.String())
	}
	out.Reset()
	if code := app.Main(ctx, []string{"harvest", "run", "--source", "1", "--data", dir, "--log-level", "error"}, nil, &out, &errb); code != 0 ||
		!strings.Contains(out.String(), "0 created, 0 updated, 33 unchanged") {
		t.Fatalf("second run: %d %q", code, out.String())
	}
	if code := app.Main(ctx, []string{"harvest", "add", "ftp://example.org", "--data", dir}, nil, &out, &errb); code != 1 || !strings.Contains(errb.String(), "http(s)") {
		t.Fatalf("bad URL: %d %q", code, errb.String())
	}
}

// A catalogue spread over pages, written with full IRIs and with a broken dataset: every page is
// read, the broken dataset is reported with its reason; an unreachable catalogue fails the job
// without archiving anything.
func TestHarvestPagesErrorsAndOutages(t *testing.T) {
	var down atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/ld+json")
		if r.URL.Query().Get("page") == "2" {
			fmt.Fprint(w, `{"@graph":[{"@id":"https://autre.example/r/3","@type":"http://www.w3.org/ns/dcat#Dataset",
				"http://purl.org/dc/terms/identifier":"r3","http://purl.org/dc/terms/title":[{"@value":"Heat map","@language":"en"},{"@value":"Carte de chaleur","@language":"fr"}],
				"http://purl.org/dc/terms/license":{"@id":"https://spdx.org/licenses/CC0-1.0.html"},
				"http://purl.org/dc/terms/spatial":[{"@id":"https://autre.example/territoires/commune/66150"}]}]}`)
			return
		}
		fmt.Fprintf(w, `{"@type":"dcat:Catalog","dcat:dataset":[
			{"@id":"https://autre.example/r/1","dct:identifier":"r1","dct:title":"Méthode de concertation","dct:description":"Résumé.","dct:type":"methode",
			 "dcat:theme":[{"@id":"https://autre.example/ressources?theme=dialogue-enr"}],"dcat:distribution":[{"dcat:accessURL":{"@id":"javascript:alert(1)"}},{"dcat:accessURL":{"@id":"https://autre.example/f.pdf"},"dct:title":"PDF"}]},
			{"@id":"https://autre.example/r/2","dct:identifier":"r2"}
		],"hydra:view":{"hydra:next":{"@id":"%s/catalog.jsonld?page=2"}}}`, "http://"+r.Host)
	}))
	defer srv.Close()
	a := apptest.Start(t)
	ctx := context.Background()
	src, err := a.Commons.AddSource(ctx, srv.URL+"/catalog.jsonld", "", commons.Author{})
	if err != nil {
		t.Fatal(err)
	}
	j, err := a.Commons.Harvest(ctx, src.ID, "test")
	if err != nil || j.Created != 2 || j.Errors != 1 || !strings.Contains(j.Report[0].Message, "titre") || j.Report[0].Item != "r2" {
		t.Fatalf("paged harvest: %+v %v", j, err)
	}
	var d commons.ResourceDoc
	a.Anonymous().JSON("GET", "/api/v1/resources/carte-de-chaleur", nil, &d)
	if d.Licence != "CC0-1.0" || len(d.Territories) != 1 || d.Territories[0].Code != "66150" {
		t.Fatalf("expanded IRIs not read: %+v", d)
	}
	a.Anonymous().JSON("GET", "/api/v1/resources/methode-de-concertation", nil, &d)
	if d.Kind != "methode" || len(d.Links) != 1 || d.Themes[0] != "dialogue-enr" {
		t.Fatalf("dataset mapping: %+v", d)
	}
	down.Store(true)
	a.Commons.SetClock(func() time.Time { return time.Now().Add(30 * 24 * time.Hour) })
	j, err = a.Commons.Harvest(ctx, src.ID, "test")
	if err == nil || j.Status != commons.JobFailed || j.Archived != 0 || !strings.Contains(j.Report[len(j.Report)-1].Message, "503") {
		t.Fatalf("outage: %+v %v", j, err)
	}
	a.Anonymous().JSON("GET", "/api/v1/resources/carte-de-chaleur", nil, &d)
	if d.Status != commons.StatusPublished || d.Source.GoneSince != nil {
		t.Fatalf("an outage marked items as gone: %+v", d.Source)
	}
}
