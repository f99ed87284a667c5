package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/fabrique-des-energies/fabrique/internal/app/apptest"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
	"github.com/fabrique-des-energies/fabrique/internal/regie"
	"github.com/fabrique-des-energies/fabrique/internal/regie/meterfile"
)

// The data trust's journey: a household imports a customer export file and
// sees the chart, gives a consent; the recipient reads the data; the
// household withdraws; the recipient's next read is refused; the
// household's journal shows the reads and the refusal. Every page passes
// axe-core.
func TestRegieHouseholdConsentJourney(t *testing.T) {
	hctx := Browser(t)
	a := Start(t)
	ctx := context.Background()

	// The household, a customer export of a week of January at 30 minutes.
	email := a.NewUser(web.RoleMember)
	prm := "30012345678901"
	watts := make([]int64, 7*48)
	for i := range watts {
		watts[i] = int64(400 + (i*53)%2200)
	}
	file := filepath.Join(t.TempDir(), "mes-mesures.csv")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2024, 12, 31, 23, 0, 0, 0, time.UTC)
	if err := meterfile.WriteCustomerExport(f, prm, start, 30*time.Minute, watts); err != nil {
		t.Fatal(err)
	}
	f.Close()

	signIn(t, hctx, a, email)
	run(t, hctx,
		chromedp.Navigate(a.URL+"/mes-donnees"),
		chromedp.WaitVisible(chromedp.ID("prm")),
	)
	axe(t, hctx)
	run(t, hctx,
		chromedp.SendKeys(chromedp.ID("prm"), "3001 2345 6789 01"),
		chromedp.SendKeys(chromedp.ID("label"), "Maison"),
		chromedp.Submit(chromedp.ID("prm")),
		chromedp.WaitVisible(chromedp.ID("file")),
		chromedp.SetUploadFiles(chromedp.ID("file"), []string{file}),
		chromedp.Click(chromedp.ID("import-submit")),
		chromedp.WaitVisible(chromedp.CSS("figure.regie-chart")),
	)
	if flash := text(t, hctx, ".flash"); !strings.Contains(flash, "336 valeurs lues") {
		t.Fatalf("import message: %q", flash)
	}
	// The static SVG is there for everyone; the interactive chart replaces
	// it when scripts run.
	run(t, hctx, chromedp.WaitVisible(chromedp.CSS("figure.regie-chart.is-enhanced .regie-plot canvas")))
	if n := attr(t, hctx, "figure.regie-chart", "data-label"); !strings.Contains(n, prm) {
		t.Fatalf("chart label %q", n)
	}
	axe(t, hctx)

	// A community asks for the curve.
	rec, err := a.Regie.CreateRecipient(ctx, 0, regie.RecipientSpec{Kind: regie.KindCommunity, Name: "Soleil partagé (essai)"})
	if err != nil {
		t.Fatal(err)
	}
	agentEmail := a.NewUser(web.RoleMember)
	agent, err := a.Auth.UserByEmail(ctx, agentEmail)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Regie.AddRecipientMember(ctx, 0, rec.ID, agent.ID); err != nil {
		t.Fatal(err)
	}
	c, err := a.Regie.RequestConsent(ctx, regie.Reader{UserID: agent.ID, RecipientID: rec.ID}, regie.ConsentRequest{HouseholdEmail: email, Purpose: regie.PurposeACC,
		Categories: []string{"load_curve"}, PRMs: []string{prm}, DataFrom: start, DataTo: start.AddDate(1, 0, 0), Resolution: regie.StepPT30M, ValidityMonths: 12, RetentionDays: 30})
	if err != nil {
		t.Fatal(err)
	}
	give := fmt.Sprintf(`form[action="/mes-donnees/consentements/%d/donner"] button`, c.ID)
	run(t, hctx,
		chromedp.Navigate(a.URL+"/mes-donnees"),
		chromedp.WaitVisible(chromedp.CSS(give)),
	)
	axe(t, hctx)
	run(t, hctx,
		chromedp.Click(chromedp.CSS(give)),
		chromedp.WaitVisible(chromedp.ID("withdraw")),
	)
	if s := text(t, hctx, "#consent-status"); s != "donné" {
		t.Fatalf("status after giving: %q", s)
	}
	axe(t, hctx)

	// The recipient reads two days.
	rctx := Browser(t)
	signIn(t, rctx, a, agentEmail)
	readURL := func(day string) string {
		return fmt.Sprintf("%s/destinataire/%d/consentements/%d?prm=%s&du=%s&au=%s&pas=PT30M", a.URL, rec.ID, c.ID, prm, day, day)
	}
	run(t, rctx,
		chromedp.Navigate(fmt.Sprintf("%s/destinataire/%d", a.URL, rec.ID)),
		chromedp.WaitVisible(chromedp.ID("household_email")),
	)
	axe(t, rctx)
	run(t, rctx,
		chromedp.Navigate(fmt.Sprintf("%s/destinataire/%d/consentements/%d", a.URL, rec.ID, c.ID)),
		chromedp.WaitVisible(chromedp.ID("read")),
		chromedp.SetValue(chromedp.ID("du"), "2025-01-02"),
		chromedp.SetValue(chromedp.ID("au"), "2025-01-02"),
		chromedp.Click(chromedp.ID("read")),
		chromedp.WaitVisible(chromedp.CSS("figure.regie-chart")),
	)
	axe(t, rctx)
	run(t, rctx,
		chromedp.Navigate(readURL("2025-01-03")),
		chromedp.WaitVisible(chromedp.CSS("figure.regie-chart")),
	)

	// The household withdraws, in one click.
	run(t, hctx,
		chromedp.Navigate(fmt.Sprintf("%s/mes-donnees/consentements/%d", a.URL, c.ID)),
		chromedp.WaitVisible(chromedp.ID("withdraw")),
		chromedp.Click(chromedp.ID("withdraw")),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)
	if s := text(t, hctx, "#consent-status"); s != "retiré" {
		t.Fatalf("status after withdrawing: %q", s)
	}

	// The recipient's next read is refused.
	run(t, rctx,
		chromedp.Navigate(readURL("2025-01-04")),
		chromedp.WaitVisible(chromedp.ID("refusal")),
	)
	if s := text(t, rctx, "#refusal"); !strings.Contains(s, "retiré") {
		t.Fatalf("refusal: %q", s)
	}
	axe(t, rctx)

	// The household's journal: two reads and the refused one.
	run(t, hctx,
		chromedp.Navigate(a.URL+"/mes-donnees/journal"),
		chromedp.WaitVisible(chromedp.CSS("table.journal")),
	)
	journal := text(t, hctx, "table.journal")
	if n := strings.Count(journal, "a lu les relevés du compteur "+prm); n != 2 {
		t.Errorf("journal shows %d reads, want 2:\n%s", n, journal)
	}
	if !strings.Contains(journal, "a tenté de lire") || !strings.Contains(journal, "accès refusé") {
		t.Errorf("journal does not show the refused read:\n%s", journal)
	}
	axe(t, hctx)
}

// The data trust's other pages, with the demo content, pass axe-core: a
// year of readings by day and by month, a consent and its receipt, the
// journal with the household's own views, the territory's aggregate and the
// administration of recipients.
func TestRegiePagesAccessible(t *testing.T) {
	bctx := Browser(t)
	a := Start(t)
	ctx := context.Background()
	for _, email := range []string{"camille.martin@demo.example", "paul.roux@demo.example", "admin@demo.example"} {
		u, err := a.Auth.UserByEmail(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Auth.SetPassword(ctx, u.ID, apptest.Password); err != nil {
			t.Fatal(err)
		}
	}
	s := regie.DemoSamples
	visits := []struct {
		email string
		paths []string
	}{
		{"camille.martin@demo.example", []string{"/mes-donnees", "/mes-donnees/compteurs/" + s.PRM, "/mes-donnees/compteurs/" + s.PRM + "?du=2025-01-01&au=2025-12-31&pas=P1D",
			fmt.Sprintf("/mes-donnees/consentements/%d", s.Consent), fmt.Sprintf("/recus/%d", s.Receipt), "/mes-donnees/journal?moi=1"}},
		{"paul.roux@demo.example", []string{"/destinataire", fmt.Sprintf("/destinataire/%d", s.AggregateRecipient), fmt.Sprintf("/destinataire/%d/agregats/%d", s.AggregateRecipient, s.Aggregate)}},
		{"admin@demo.example", []string{"/admin/regie"}},
	}
	for _, v := range visits {
		run(t, bctx, chromedp.Navigate(a.URL+"/connexion"))
		if loc := location(t, bctx); !strings.HasSuffix(loc, "/connexion") {
			run(t, bctx, chromedp.Click(chromedp.CSS(`form[action="/deconnexion"] button`)), chromedp.WaitVisible(chromedp.CSS(`a[href="/connexion"]`)))
		}
		signIn(t, bctx, a, v.email)
		for _, p := range v.paths {
			t.Run(p, func(t *testing.T) {
				run(t, bctx, chromedp.Navigate(a.URL+p), chromedp.WaitReady(chromedp.CSS("main h1")))
				axe(t, bctx)
			})
		}
	}
}
