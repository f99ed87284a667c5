package e2e

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/fabrique-des-energies/fabrique/internal/app/apptest"
	"github.com/fabrique-des-energies/fabrique/internal/energy"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
)

// A visitor runs a simulation, changes the key and sees the comparison of
// the four keys; the kit mode works too. Every page passes axe-core.
func TestAccSimulatorChangeKey(t *testing.T) {
	ctx := Browser(t)
	a := Start(t)
	run(t, ctx,
		chromedp.Navigate(a.URL+"/autoconsommation"),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/simulateur"].button`)),
	)
	axe(t, ctx)
	run(t, ctx,
		chromedp.Click(chromedp.CSS(`a[href="/simulateur"].button`)),
		chromedp.WaitVisible(chromedp.ID("s-commune")),
		chromedp.Clear(chromedp.ID("s-commune")),
		chromedp.SendKeys(chromedp.ID("s-commune"), "Mornant"),
		chromedp.Clear(chromedp.ID("s-kwc")),
		chromedp.SendKeys(chromedp.ID("s-kwc"), "80"),
		chromedp.SetValue(chromedp.ID("s-step"), "30"),
		chromedp.Click(chromedp.CSS(`#s-form button[type="submit"]`)),
	)
	waitText(t, ctx, ".acc-commune-name", "Mornant")
	if loc := location(t, ctx); !strings.Contains(loc, "commune=Mornant") || !strings.Contains(loc, "kwc=80") {
		t.Fatalf("the simulation's parameters are not in its address: %s", loc)
	}
	if name := text(t, ctx, ".acc-commune-name"); name != "Mornant" {
		t.Fatalf("commune %q", name)
	}
	if sel := text(t, ctx, "#comparaison th.acc-selected"); !strings.Contains(sel, "Par défaut") {
		t.Fatalf("selected key %q", sel)
	}
	defaultSurplus := text(t, ctx, "#comparaison tbody tr:nth-child(2) td:nth-child(2)")
	axe(t, ctx)
	// Change the key: the comparison is the same, the detailed key changes.
	run(t, ctx,
		chromedp.SetValue(chromedp.ID("s-key"), "static"),
		chromedp.Click(chromedp.CSS(`#s-form button[type="submit"]`)),
	)
	waitText(t, ctx, "#comparaison th.acc-selected", "Statique")
	if loc := location(t, ctx); !strings.Contains(loc, "key=static") {
		t.Fatalf("key not in the address: %s", loc)
	}
	if sel := text(t, ctx, "#comparaison th.acc-selected"); !strings.Contains(sel, "Statique") {
		t.Fatalf("selected key after the change %q", sel)
	}
	if k := text(t, ctx, "#s-sweep-key"); !strings.Contains(k, "Statique") {
		t.Fatalf("sweep key %q", k)
	}
	// The static key leaves more surplus than the default key.
	staticSurplus := text(t, ctx, "#comparaison tbody tr:nth-child(2) td:nth-child(3)")
	if parseFR(t, staticSurplus) <= parseFR(t, defaultSurplus) {
		t.Errorf("surplus: static %s, default %s", staticSurplus, defaultSurplus)
	}
	// The shareable address gives the same page to another visitor.
	share, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("s-share")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(share, "key=static") || !strings.Contains(share, "commune=69141") {
		t.Fatalf("share address %q", share)
	}
	// The address is written with the configured public URL; the test
	// server listens elsewhere.
	_, rest, _ := strings.Cut(share, "/simulateur?")
	other := Browser(t)
	run(t, other, chromedp.Navigate(a.URL+"/simulateur?"+rest), chromedp.WaitVisible(chromedp.ID("comparaison")))
	if got := text(t, other, "#comparaison tbody tr:nth-child(2) td:nth-child(3)"); got != staticSurplus {
		t.Errorf("shared page shows %s, want %s", got, staticSurplus)
	}
	axe(t, ctx)
	run(t, ctx,
		chromedp.Click(chromedp.CSS(`a[href="/simulateur?mode=kit"]`)),
		chromedp.WaitVisible(chromedp.ID("s-kit")),
	)
	axe(t, ctx)
}

// accSignIn fills the login form.
func accSignIn(t *testing.T, ctx context.Context, a *apptest.App, email string) {
	t.Helper()
	run(t, ctx,
		chromedp.Navigate(a.URL+"/connexion"),
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), apptest.Password),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.ID("account-email")),
	)
}

// waitText waits until the element's text contains s.
func waitText(t *testing.T, ctx context.Context, sel, s string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		got, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel), chromedp.AtLeast(0)))
		if err == nil && strings.Contains(got, s) {
			return
		}
		if time.Now().After(deadline) {
			shot(t, ctx)
			t.Fatalf("%s never showed %q (last %q, %v)", sel, s, got, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func parseFR(t *testing.T, s string) float64 {
	t.Helper()
	s = strings.NewReplacer("\u202f", "", " ", "", ",", ".").Replace(s)
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("number %q: %v", s, err)
	}
	return v
}

// writeWeek writes a week of June at Prats in the allocate layout.
func writeWeek(t *testing.T, dir string) (prod, cons string) {
	t.Helper()
	pv, err := energy.SynthPV(energy.PVParams{Lat: 42.40404, Lon: 2.47928, KWc: 36, Year: 2025, Step: 15 * time.Minute, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	load, err := energy.SynthLoad(energy.LoadParams{Profile: energy.ProfileOffice, AnnualKWh: 60000, Year: 2025, Step: 15 * time.Minute, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2025, 6, 2, 0, 0, 0, 0, energy.Paris()).UTC()
	off := int(from.Sub(pv.Start) / (15 * time.Minute))
	var p, c strings.Builder
	p.WriteString("timestamp;Toiture de l'école\n")
	c.WriteString("timestamp;30000000000002\n")
	for i := range 7 * 96 {
		ts := from.Add(time.Duration(i) * 15 * time.Minute).In(energy.Paris()).Format(time.RFC3339)
		fmt.Fprintf(&p, "%s;%.6f\n", ts, pv.Values[off+i])
		fmt.Fprintf(&c, "%s;%.6f\n", ts, load.Values[off+i])
	}
	prod, cons = filepath.Join(dir, "production.csv"), filepath.Join(dir, "consommation.csv")
	if err := os.WriteFile(prod, []byte(p.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cons, []byte(c.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return prod, cons
}

// An organiser creates an operation whose participants are 3 km apart
// under the 2 km regime and gets a clear refusal; moves the consumer
// closer, saves, uploads the readings and reads the statement.
func TestAccOperationRefusalThenStatement(t *testing.T) {
	ctx := Browser(t)
	a := Start(t)
	email := a.NewUser(web.RoleMember)
	accSignIn(t, ctx, a, email)
	lonAt := func(km float64) string {
		return strconv.FormatFloat(2.47928+km/(111.195*math.Cos(42.40404*math.Pi/180)), 'f', 5, 64)
	}
	run(t, ctx,
		chromedp.Navigate(a.URL+"/autoconsommation/operations/nouvelle"),
		chromedp.WaitVisible(chromedp.ID("f-name")),
	)
	axe(t, ctx)
	run(t, ctx,
		chromedp.SendKeys(chromedp.ID("f-name"), "Soleil du Tech"),
		chromedp.SendKeys(chromedp.ID("f-organiser"), "Énergies citoyennes du Vallespir"),
		chromedp.SetValue(chromedp.ID("f-start-date"), "2025-06-01"),
		chromedp.SetValue(chromedp.ID("f-participants-0-role"), "producer"),
		chromedp.SendKeys(chromedp.ID("f-participants-0-name"), "Toiture de l'école"),
		chromedp.SendKeys(chromedp.ID("f-participants-0-prm"), "30000000000001"),
		chromedp.SendKeys(chromedp.ID("f-participants-0-lat"), "42.40404"),
		chromedp.SendKeys(chromedp.ID("f-participants-0-lon"), "2.47928"),
		chromedp.SendKeys(chromedp.ID("f-participants-0-kwc"), "36"),
		chromedp.SendKeys(chromedp.ID("f-participants-1-name"), "Maison de santé"),
		chromedp.SendKeys(chromedp.ID("f-participants-1-prm"), "30000000000002"),
		chromedp.SendKeys(chromedp.ID("f-participants-1-lat"), "42.40404"),
		chromedp.SendKeys(chromedp.ID("f-participants-1-lon"), lonAt(3)),
		chromedp.Click(chromedp.CSS(`button[value="save"]`)),
		chromedp.WaitVisible(chromedp.CSS(".error-summary")),
	)
	msg := text(t, ctx, ".error-summary")
	for _, want := range []string{"Périmètre dépassé", "« Toiture de l'école » et « Maison de santé »", "3,00 km", "au plus 2 km"} {
		if !strings.Contains(msg, want) {
			t.Errorf("refusal %q lacks %q", msg, want)
		}
	}
	axe(t, ctx)
	// The consumer's real site is 1.2 km away.
	run(t, ctx,
		chromedp.Clear(chromedp.ID("f-participants-1-lon")),
		chromedp.SendKeys(chromedp.ID("f-participants-1-lon"), lonAt(1.2)),
		chromedp.Click(chromedp.CSS(`button[value="save"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href$="/donnees"].button`)),
	)
	if flash := text(t, ctx, ".flash"); !strings.Contains(flash, "Périmètre respecté") {
		t.Fatalf("flash %q", flash)
	}
	axe(t, ctx)
	prod, cons := writeWeek(t, t.TempDir())
	run(t, ctx,
		chromedp.Click(chromedp.CSS(`a[href$="/donnees"].button`)),
		chromedp.WaitVisible(chromedp.ID("f-file")),
		chromedp.SetValue(chromedp.ID("f-kind"), "production"),
		chromedp.SetUploadFiles(chromedp.ID("f-file"), []string{prod}),
		chromedp.Submit(chromedp.ID("f-file")),
		chromedp.WaitVisible(chromedp.ID("compte-rendu")),
		chromedp.SetValue(chromedp.ID("f-kind"), "consumption"),
		chromedp.SetUploadFiles(chromedp.ID("f-file"), []string{cons}),
		chromedp.Submit(chromedp.ID("f-file")),
	)
	waitText(t, ctx, "#compte-rendu", "consommation.csv")
	if rep := text(t, ctx, "#import-report"); !strings.Contains(rep, "Maison de santé") || !strings.Contains(rep, "672 pas") {
		t.Fatalf("import report %q", rep)
	}
	axe(t, ctx)
	run(t, ctx,
		chromedp.Click(chromedp.CSS(`#import-report a`)),
		chromedp.WaitVisible(chromedp.ID("acc-monthly")),
	)
	axe(t, ctx)
	run(t, ctx,
		chromedp.Click(chromedp.CSS(`a[href$="/releves/2025-06"]`)),
		chromedp.WaitVisible(chromedp.CSS(".acc-statement")),
	)
	if h := text(t, ctx, "h1"); h != "Relevé de juin 2025" {
		t.Fatalf("statement title %q", h)
	}
	row := text(t, ctx, ".acc-lines tbody tr")
	if !strings.Contains(row, "Maison de santé") || !strings.Contains(row, "fichier déposé par l'organisateur") {
		t.Fatalf("statement row %q", row)
	}
	axe(t, ctx)
}
