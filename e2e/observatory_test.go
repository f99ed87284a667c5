package e2e

import (
	"context"
	"encoding/base64"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/fabrique-des-energies/fabrique/internal/app"
	"github.com/fabrique-des-energies/fabrique/internal/app/apptest"
	"github.com/fabrique-des-energies/fabrique/internal/observatory"
)

// obsTileServer answers every map tile with a small grey PNG, standing in for
// OpenStreetMap on a machine without network.
func obsTileServer(t *testing.T) string {
	png, _ := base64.StdEncoding.DecodeString("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mN8/x8AAwMCAO+ip1sAAAAASUVORK5CYII=")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(png)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/{z}/{x}/{y}.png"
}

func obsWithTiles(url string) apptest.Option { return func(c *app.Config) { c.TileURL = url } }

// obsStageCounts reads the stage funnel's data table of the dashboard.
func obsStageCounts(t *testing.T, ctx context.Context) map[string]int {
	t.Helper()
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[[][]string](`Array.from(document.querySelectorAll('#chart-etapes-table tbody tr')).map(r => [r.cells[0].textContent, r.cells[1].textContent])`))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, r := range rows {
		n, err := strconv.Atoi(strings.NewReplacer("\u202f", "", " ", "").Replace(r[1]))
		if err != nil {
			t.Fatalf("stage table cell %q", r[1])
		}
		out[r[0]] = n
	}
	if len(out) != 5 {
		t.Fatalf("stage table: %v", rows)
	}
	return out
}

// obsWaitFor polls a JavaScript condition until it holds (the next page of a
// form post has loaded, a map has drawn its markers).
func obsWaitFor(t *testing.T, ctx context.Context, cond string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		// A poll interrupted by the page navigating is simply started again.
		ok, err := chromedp.Run(ctx, chromedp.Poll[bool](cond, chromedp.WithPollingTimeout(5*time.Second)))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			shot(t, ctx)
			t.Fatalf("waiting for %s: %v", cond, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Filter by région → the list and the map agree → open a community → its
// manager adds a journal entry and moves its stage → the dashboard changes.
func TestObservatoryJourney(t *testing.T) {
	ctx := Browser(t)
	a := apptest.Start(t, apptest.WithDemo(), obsWithTiles(obsTileServer(t)))
	// Camille Martin manages the Mornant community in the demo content.
	camille, err := a.Auth.UserByEmail(context.Background(), "camille.martin@demo.example")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Auth.SetPassword(context.Background(), camille.ID, apptest.Password); err != nil {
		t.Fatal(err)
	}
	slug := observatory.DemoSlugs[1]

	// The dashboard before.
	run(t, ctx, chromedp.Navigate(a.URL+"/observatoire?territoire=region:84"), chromedp.WaitVisible(chromedp.ID("chiffres-cles")))
	before := obsStageCounts(t, ctx)
	axe(t, ctx)

	// Filter the list by région.
	run(t, ctx,
		chromedp.Navigate(a.URL+"/communautes"),
		chromedp.WaitVisible(chromedp.ID("filtres")),
		chromedp.SetValue(chromedp.ID("region"), "84"),
		chromedp.Click(chromedp.ID("filtrer")),
		chromedp.WaitReady(chromedp.CSS(`#region option[value="84"][selected]`)),
	)
	if loc := location(t, ctx); !strings.Contains(loc, "region=84") {
		t.Fatalf("the filter is in the address: %s", loc)
	}
	total, err := strconv.Atoi(attr(t, ctx, "#resultats-nombre", "data-total"))
	if err != nil || total < 3 {
		t.Fatalf("list total %d (%v)", total, err)
	}
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#communautes-table tbody tr').length`))
	if err != nil {
		t.Fatal(err)
	}
	if rows != min(total, observatory.PageSize) {
		t.Fatalf("%d rows listed for a total of %d", rows, total)
	}
	// The interactive map shows one marker per community of the list, and
	// the offline map as many points.
	markers, err := chromedp.Run(ctx, chromedp.Poll[string](`document.getElementById('obs-map').dataset.markers`, chromedp.WithPollingTimeout(20*time.Second)))
	if err != nil {
		t.Fatalf("no markers on the interactive map: %v", err)
	}
	if markers != strconv.Itoa(total) {
		t.Fatalf("%s markers on the map, %d communities in the list", markers, total)
	}
	if mode := attr(t, ctx, "#obs-map", "data-mode"); mode != "leaflet" {
		t.Fatalf("map mode %q, want the interactive map", mode)
	}
	if pts := attr(t, ctx, "#obs-map-fallback", "data-points"); pts != strconv.Itoa(total) {
		t.Fatalf("offline map has %s points for %d communities", pts, total)
	}
	axe(t, ctx)

	// Open the community from the list.
	run(t, ctx,
		chromedp.Click(chromedp.CSS(`#communautes-table a[href="/communautes/`+slug+`"]`)),
		chromedp.WaitVisible(chromedp.ID("etape-actuelle")),
	)
	if h1 := text(t, ctx, "h1"); !strings.Contains(h1, "Pays Mornantais") {
		t.Fatalf("community page: %q", h1)
	}
	axe(t, ctx)

	// Its manager signs in, writes in the journal and moves the stage.
	run(t, ctx,
		chromedp.Navigate(a.URL+"/connexion?suivant=/communautes/"+slug),
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), "camille.martin@demo.example"),
		chromedp.SendKeys(chromedp.ID("password"), apptest.Password),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.ID("form-journal")),
		chromedp.SendKeys(chromedp.ID("journal-body"), "Visite des toitures avec le bureau d'études."),
		chromedp.Submit(chromedp.ID("journal-body")),
	)
	obsWaitFor(t, ctx, `(document.getElementById('journal-entrees') || {}).textContent.includes("Visite des toitures")`)
	if j := text(t, ctx, "#journal-entrees"); !strings.Contains(j, "Visite des toitures avec le bureau d'études.") || !strings.Contains(j, "Camille Martin") {
		t.Fatalf("journal: %q", j)
	}
	run(t, ctx,
		chromedp.SetValue(chromedp.ID("stage"), "spreading"),
		chromedp.SendKeys(chromedp.ID("stage-note"), "Accompagne deux communes voisines"),
		chromedp.Submit(chromedp.ID("stage-note")),
	)
	obsWaitFor(t, ctx, `(document.getElementById('historique-etapes') || {}).textContent.includes("Accompagne deux communes voisines")`)
	if s := text(t, ctx, "#etape-actuelle"); s != "Essaimage" {
		t.Fatalf("stage after the move: %q", s)
	}
	if h := text(t, ctx, "#historique-etapes"); !strings.Contains(h, "Accompagne deux communes voisines") || !strings.Contains(h, "Camille Martin") {
		t.Fatalf("stage history: %q", h)
	}
	axe(t, ctx)

	// The dashboard changed: one community left "Exploitation" for "Essaimage".
	run(t, ctx, chromedp.Navigate(a.URL+"/observatoire?territoire=region:84"), chromedp.WaitVisible(chromedp.ID("chiffres-cles")))
	after := obsStageCounts(t, ctx)
	if after["Exploitation"] != before["Exploitation"]-1 || after["Essaimage"] != before["Essaimage"]+1 {
		t.Fatalf("stage funnel before %v, after %v", before, after)
	}
}

// When the tile server cannot be reached the offline SVG map comes back,
// with its points and its legend.
func TestObservatoryMapFallsBackOffline(t *testing.T) {
	ctx := Browser(t)
	// A port nobody listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + l.Addr().String() + "/{z}/{x}/{y}.png"
	l.Close()
	a := apptest.Start(t, apptest.WithDemo(), obsWithTiles(dead))
	run(t, ctx, chromedp.Navigate(a.URL+"/communautes?departement=29"), chromedp.WaitVisible(chromedp.ID("obs-map")))
	mode, err := chromedp.Run(ctx, chromedp.Poll[string](`document.getElementById('obs-map').dataset.mode === 'svg' ? 'svg' : null`, chromedp.WithPollingTimeout(20*time.Second)))
	if err != nil || mode != "svg" {
		t.Fatalf("the map did not fall back to SVG: %q %v", mode, err)
	}
	run(t, ctx, chromedp.WaitVisible(chromedp.CSS("#obs-map-fallback svg")))
	if s := text(t, ctx, "#obs-map-status"); !strings.Contains(s, "hors ligne") {
		t.Fatalf("status %q", s)
	}
	total := attr(t, ctx, "#resultats-nombre", "data-total")
	circles, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#obs-map-fallback circle').length`))
	if err != nil || strconv.Itoa(circles) != total {
		t.Fatalf("%d points on the offline map, %s communities", circles, total)
	}
	axe(t, ctx)
}

// The other observatory pages pass axe-core, including forms and the
// administrator's import page.
func TestObservatoryPagesAccessible(t *testing.T) {
	ctx := Browser(t)
	a := apptest.Start(t, apptest.WithDemo())
	admin, err := a.Auth.UserByEmail(context.Background(), app.DemoAdminEmail)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Auth.SetPassword(context.Background(), admin.ID, apptest.Password); err != nil {
		t.Fatal(err)
	}
	run(t, ctx,
		chromedp.Navigate(a.URL+"/connexion"),
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), app.DemoAdminEmail),
		chromedp.SendKeys(chromedp.ID("password"), apptest.Password),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.ID("account-name")),
	)
	slug := observatory.DemoSlugs[0]
	for _, p := range []string{"/observatoire", "/observatoire?territoire=epci:246900740&mesure=puissance", "/communautes/" + slug,
		"/communautes/" + slug + "/modifier", "/communautes/" + slug + "/projets/nouveau", "/communautes/nouvelle", "/admin/observatoire/import",
		"/territoires/commune/66150"} {
		t.Run(p, func(t *testing.T) {
			run(t, ctx, chromedp.Navigate(a.URL+p), chromedp.WaitReady(chromedp.CSS("main")))
			if regexp.MustCompile(`/(modifier|nouvelle|nouveau|import)`).MatchString(p) {
				run(t, ctx, chromedp.WaitVisible(chromedp.CSS("form")))
			}
			axe(t, ctx)
		})
	}
	// An invalid form shows its errors accessibly too.
	run(t, ctx,
		chromedp.Navigate(a.URL+"/communautes/nouvelle"),
		chromedp.WaitVisible(chromedp.ID("name")),
		chromedp.Submit(chromedp.ID("name")),
		chromedp.WaitVisible(chromedp.ID("erreurs")),
	)
	axe(t, ctx)
}
