package observatory_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fabrique-des-energies/fabrique/internal/app"
	"github.com/fabrique-des-energies/fabrique/internal/app/apptest"
	"github.com/fabrique-des-energies/fabrique/internal/observatory"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
)

func TestDemoContent(t *testing.T) {
	a := apptest.Start(t, apptest.WithDemo())
	ctx := context.Background()
	items, total, err := a.Observatory.List(ctx, observatory.Filter{Sort: "name", Limit: 200, Page: 1})
	if err != nil {
		t.Fatal(err)
	}
	if total < 38 || total > 45 {
		t.Fatalf("%d demo communities, want about 40", total)
	}
	regions := map[string]bool{}
	for _, c := range items {
		if !c.Example || !strings.HasSuffix(c.Name, "(exemple)") {
			t.Errorf("%s is not marked as an example", c.Name)
		}
		regions[c.Place.Region] = true
	}
	if len(regions) < 15 {
		t.Errorf("demo communities cover %d régions", len(regions))
	}
	for i, slug := range observatory.DemoSlugs {
		c, err := a.Observatory.Community(ctx, slug)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"29039", "69141", "66150"}[i]; c.Place.Commune != want {
			t.Errorf("pilot %s in %s, want %s", slug, c.Place.Commune, want)
		}
		for _, f := range []func(context.Context, int64) (int, error){
			func(ctx context.Context, id int64) (int, error) {
				l, err := a.Observatory.Projects(ctx, id)
				return len(l), err
			},
			func(ctx context.Context, id int64) (int, error) {
				l, err := a.Observatory.Journal(ctx, id)
				return len(l), err
			},
			func(ctx context.Context, id int64) (int, error) {
				l, err := a.Observatory.Accompaniments(ctx, id)
				return len(l), err
			},
			func(ctx context.Context, id int64) (int, error) {
				l, err := a.Observatory.Managers(ctx, id)
				return len(l), err
			},
			func(ctx context.Context, id int64) (int, error) {
				l, err := a.Observatory.StageHistory(ctx, id)
				return len(l) - 1, err
			},
		} {
			if n, err := f(ctx, c.ID); err != nil || n < 1 {
				t.Errorf("pilot %s lacks projects, journal, accompaniment, manager or stage history (%d, %v)", slug, n, err)
			}
		}
	}
	// Accompaniments link to the resources of the commons by title.
	page := get(t, a.Anonymous(), "/communautes/"+observatory.DemoSlugs[1])
	if !strings.Contains(page, `<a href="/ressources/guide-pour-creer-une-cooperative-citoyenne-d-energie">Guide pour créer une coopérative citoyenne d&#39;énergie</a>`) {
		t.Error("the accompaniment does not link to the commons resource by its title")
	}
	camille, _ := a.Auth.UserByEmail(ctx, "camille.martin@demo.example")
	mine, _ := a.Observatory.ManagedBy(ctx, camille.ID)
	if len(mine) != 1 || mine[0].Slug != observatory.DemoSlugs[1] {
		t.Errorf("Camille manages %+v", mine)
	}
}

// The pages work without JavaScript: forms post, redirect and re-render
// with 422 and the errors on invalid input.
func TestFormsWithoutJavaScript(t *testing.T) {
	a := apptest.Start(t, apptest.WithDemo())
	email := a.NewUser(web.RoleMember)
	c := a.Login(email)
	resp := c.PostForm("/communautes", url.Values{"name": {""}, "legal_form": {"club"}, "commune": {"Nulle-Part-Sur-Mer"}})
	body := apptest.Body(t, resp)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `class="error-summary"`) || !strings.Contains(body, `id="legal_form" name="legal_form" aria-invalid="true"`) {
		t.Fatalf("invalid form: %d\n%.2000s", resp.StatusCode, body)
	}
	form := url.Values{"name": {"Lumière de Mornant"}, "legal_form": {"association"}, "commune": {"Mornant"}, "founding_year": {"2023"},
		"activities": {"generation", "mediation"}, "members_citizens": {"12"}, "contact_email": {"secret@lumiere.example"}, "contact_email_private": {"1"},
		"open_participation": {"met"}, "open_participation_evidence": {"Adhésion libre"}, "stage": {"emergence"}, "example": {"1"}}
	resp = c.PostForm("/communautes", form)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/communautes/lumiere-de-mornant" {
		t.Fatalf("create: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	page := get(t, c, "/communautes/lumiere-de-mornant")
	for _, want := range []string{"Lumière de Mornant", "Production, Médiation et éducation", "secret@lumiere.example", "Adhésion libre", `"@type":"Organization"`} {
		if !strings.Contains(page, want) {
			t.Errorf("community page lacks %q", want)
		}
	}
	if strings.Contains(page, "exemple fictif") {
		t.Error("a member cannot mark a community as an example")
	}
	if strings.Contains(page, `"email":"secret@lumiere.example"`) {
		t.Error("the JSON-LD must hold public fields only, even for a manager")
	}
	anon := get(t, a.Anonymous(), "/communautes/lumiere-de-mornant")
	if strings.Contains(anon, "secret@lumiere.example") || strings.Contains(anon, "/modifier") {
		t.Error("anonymous visitors see private fields or edit links")
	}
	// Follow-up forms: invalid then valid.
	resp = c.PostForm("/communautes/lumiere-de-mornant/journal", url.Values{"date": {"hier"}, "body": {""}})
	body = apptest.Body(t, resp)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "AAAA-MM-JJ") {
		t.Fatalf("bad journal entry: %d", resp.StatusCode)
	}
	for _, step := range []struct {
		path string
		form url.Values
	}{
		{"/communautes/lumiere-de-mornant/journal", url.Values{"date": {"2025-05-06"}, "body": {"Première réunion publique"}}},
		{"/communautes/lumiere-de-mornant/etape", url.Values{"stage": {"structuring"}, "note": {"Statuts déposés"}}},
		{"/communautes/lumiere-de-mornant/besoins", url.Values{"title": {"Des toitures"}}},
		{"/communautes/lumiere-de-mornant/projets", url.Values{"name": {"Toit de l'école"}, "technology": {"pv_rooftop"}, "status": {"study"}, "capacity_kw": {"36,5"}}},
		{"/communautes/lumiere-de-mornant/modifier", url.Values{"name": {"Lumière du Pays Mornantais"}, "legal_form": {"association"}, "commune": {"69141"}}},
	} {
		resp := c.PostForm(step.path, step.form)
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST %s: %d", step.path, resp.StatusCode)
		}
	}
	page = get(t, c, "/communautes/lumiere-de-mornant")
	for _, want := range []string{"Première réunion publique", "Statuts déposés", "Des toitures", "Toit de l&#39;école", "36,5", "Lumière du Pays Mornantais", `id="etape-actuelle">Structuration`} {
		if !strings.Contains(page, want) {
			t.Errorf("after the follow-up, the page lacks %q", want)
		}
	}
	// The edit form did not blank the private email (it was left as is).
	if !strings.Contains(get(t, c, "/communautes/lumiere-de-mornant/modifier"), "Lumière du Pays Mornantais") {
		t.Error("edit form")
	}
	other := a.As(web.RoleMember)
	resp = other.PostForm("/communautes/lumiere-de-mornant/etape", url.Values{"stage": {"operation"}})
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("another member moves the stage: %d", resp.StatusCode)
	}
	// The dashboard of the territory counts it.
	dash := get(t, a.Anonymous(), "/observatoire?territoire=commune:69141")
	if !strings.Contains(dash, `id="kpi-communities">2<`) {
		t.Errorf("Mornant's dashboard should count 2 communities:\n%.400s", dash[strings.Index(dash, "kpi-communities"):])
	}
}

func TestPagesNavAndSections(t *testing.T) {
	a := apptest.Start(t, apptest.WithDemo())
	c := a.Anonymous()
	home := get(t, c, "/")
	if !strings.Contains(home, `<a href="/observatoire">Observatoire</a>`) || !strings.Contains(home, "L&#39;observatoire en chiffres") {
		t.Error("home: nav entry or key figures block missing")
	}
	terr := get(t, c, "/territoires/epci/246900740")
	if !strings.Contains(terr, `id="observatoire"`) || !strings.Contains(terr, observatory.DemoSlugs[1]) || !strings.Contains(terr, "/observatoire?territoire=epci%3A246900740") {
		t.Errorf("territory page lacks the observatory section")
	}
	dash := get(t, c, "/observatoire?territoire=epci:246900740")
	for _, want := range []string{"CC du Pays Mornantais", `role="img"`, `<table id="carte-table">`, "chart-etapes-table", "/observatoire/donnees/technologies.csv?territoire=epci%3A246900740"} {
		if !strings.Contains(dash, want) {
			t.Errorf("territory dashboard lacks %q", want)
		}
	}
	// A name in the territory field is resolved, then the address is shareable.
	resp := c.Get("/observatoire?territoire=Concarneau")
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/observatoire?territoire=commune%3A29039" {
		t.Fatalf("name lookup: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp = c.Get("/observatoire?territoire=region:99")
	body := apptest.Body(t, resp)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Territoire inconnu") {
		t.Fatalf("unknown territory: %d", resp.StatusCode)
	}
	svg := get(t, c, "/observatoire/carte.svg?territoire=region:53&mesure=puissance")
	d := xml.NewDecoder(strings.NewReader(svg))
	for {
		if _, err := d.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("map SVG not well-formed: %v", err)
		}
	}
	if resp := c.Get("/observatoire/donnees/inconnu.csv"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown chart: %d", resp.StatusCode)
	}
	list := get(t, c, "/communautes?region=53")
	for _, want := range []string{`data-geojson="/communities.geojson?region=53"`, `id="obs-map-fallback"`, "vendor/leaflet/leaflet.js", `<option value="53" selected>`} {
		if !strings.Contains(list, want) {
			t.Errorf("list page lacks %q", want)
		}
	}
}

func multipartImport(t *testing.T, c *apptest.Client, a *apptest.App, file string, dry bool) (*http.Response, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fw, _ := w.CreateFormFile("file", "communautes.csv")
	fw.Write([]byte(file))
	if dry {
		w.WriteField("dry_run", "1")
	}
	w.Close()
	resp := c.Do("POST", "/admin/observatoire/import", &buf, http.Header{"Content-Type": {w.FormDataContentType()}, "Origin": {a.URL}, "Sec-Fetch-Site": {"same-origin"}})
	return resp, apptest.Body(t, resp)
}

func TestImportPageAndCommand(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *apptest.App) {
		admin := a.As(web.RoleAdmin)
		get(t, admin, "/admin/observatoire/import")
		good := "slug,name,legal_form,commune,stage\nimport-un,Import un,scic,29039,emergence\nimport-deux,Import deux,association,66150,operation\n"
		bad := good + "import-trois,Import trois,club,29039,emergence\n"
		resp, body := multipartImport(t, admin, a, bad, false)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `<td class="num">4</td><td class="num">3</td><td>legal_form</td>`) {
			t.Fatalf("bad file: %d\n%s", resp.StatusCode, body[strings.Index(body, "<main"):])
		}
		resp, body = multipartImport(t, admin, a, good, true)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Simulation") {
			t.Fatalf("dry run: %d", resp.StatusCode)
		}
		if _, err := a.Observatory.Community(context.Background(), "import-un"); err == nil {
			t.Fatal("a dry run wrote something")
		}
		resp, body = multipartImport(t, admin, a, good, false)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `href="/communautes/import-deux"`) {
			t.Fatalf("import: %d", resp.StatusCode)
		}
		// The API takes the same file.
		var rep observatory.ImportReport
		tok := a.WithToken(a.Token(a.NewUser(web.RoleAdmin)))
		req := tok.Do("POST", "/api/v1/observatory/import?dry_run=true", strings.NewReader(good), http.Header{"Content-Type": {"text/csv"}})
		req.Body.Close()
		if req.StatusCode != http.StatusOK {
			t.Fatalf("API import: %d", req.StatusCode)
		}
		_ = rep
	})
	// The command line, on a store of its own.
	dir := t.TempDir()
	file := filepath.Join(dir, "c.csv")
	os.WriteFile(file, []byte("name,legal_form,commune\nCommande,scic,29039\nMauvaise,scic,00000\n"), 0o644)
	var out, errOut bytes.Buffer
	if code := app.Main(context.Background(), []string{"import", "communities", file, "--data", dir, "--log-level", "error"}, nil, &out, &errOut); code != 1 ||
		!strings.Contains(errOut.String(), "line 3, column 3, field commune") {
		t.Fatalf("bad file: exit %d\n%s", code, errOut.String())
	}
	os.WriteFile(file, []byte("name,legal_form,commune\nCommande,scic,29039\n"), 0o644)
	out.Reset()
	if code := app.Main(context.Background(), []string{"import", "communities", "--data", dir, "--log-level", "error", file, "--dry-run"}, nil, &out, &errOut); code != 0 ||
		!strings.Contains(out.String(), "nothing written") || !strings.Contains(out.String(), "line 2: create commande") {
		t.Fatalf("dry run: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	out.Reset()
	if code := app.Main(context.Background(), []string{"import", "communities", file, "--data", dir, "--log-level", "error"}, nil, &out, &errOut); code != 0 || !strings.Contains(out.String(), "1 created") {
		t.Fatalf("import: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	if code := app.Main(context.Background(), []string{"import", "communities", file, "--data", dir, "--log-level", "error"}, nil, &out, &errOut); code != 0 || !strings.Contains(out.String(), "1 updated") {
		t.Fatalf("re-import: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	if code := app.Main(context.Background(), []string{"import", "communities"}, nil, &out, &errOut); code != 2 {
		t.Fatalf("no file: exit %d", code)
	}
}
