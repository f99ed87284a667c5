package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/fabrique-des-energies/fabrique/internal/app/apptest"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
)

// signIn signs in through the login form and waits for the account page.
func signIn(t *testing.T, ctx context.Context, a *apptest.App, email string) {
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

func signOut(t *testing.T, ctx context.Context) {
	t.Helper()
	run(t, ctx,
		chromedp.Click(chromedp.CSS(`form[action="/deconnexion"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/connexion"]`)),
	)
}

// Search "energie" → open a result → edit it → its history → the diff of the edit; axe-core
// on the list, the page, the edit form, the history and the diff.
func TestCommonsSearchEditHistoryDiff(t *testing.T) {
	ctx := Browser(t)
	a := Start(t)
	signIn(t, ctx, a, a.NewUser(web.RoleMember))
	run(t, ctx,
		chromedp.Navigate(a.URL+"/ressources"),
		chromedp.WaitVisible(chromedp.ID("q")),
		chromedp.SendKeys(chromedp.ID("q"), "energie"),
		chromedp.Submit(chromedp.ID("q")),
		chromedp.WaitVisible(chromedp.CSS(".hits .hit")),
	)
	if got := text(t, ctx, ".count-line"); !strings.Contains(got, "ressources") {
		t.Fatalf("result count %q", got)
	}
	// Accents and inflections are ignored: énergétique and énergies are highlighted too.
	if marks := text(t, ctx, ".hits"); !strings.Contains(marks, "énerg") {
		t.Fatalf("results %q", marks)
	}
	axe(t, ctx)
	title := text(t, ctx, ".hits .hit h2 a")
	run(t, ctx,
		chromedp.Click(chromedp.CSS(".hits .hit h2 a")),
		chromedp.WaitVisible(chromedp.CSS("article.resource h1")),
	)
	if h1 := text(t, ctx, "h1"); h1 != title {
		t.Fatalf("opened %q, expected %q", h1, title)
	}
	axe(t, ctx)
	page := location(t, ctx)
	run(t, ctx,
		chromedp.Click(chromedp.CSS(`a[href$="/modifier"]`)),
		chromedp.WaitVisible(chromedp.ID("body")),
	)
	axe(t, ctx)
	run(t, ctx,
		chromedp.SetValue(chromedp.ID("summary"), "Résumé revu pendant le parcours de test : plus court et plus clair."),
		chromedp.SendKeys(chromedp.ID("comment"), "résumé raccourci"),
		chromedp.Submit(chromedp.ID("comment")),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)
	if loc := location(t, ctx); loc != page {
		t.Fatalf("after saving: %s, want %s", loc, page)
	}
	if lead := text(t, ctx, ".resource-head .lead"); !strings.Contains(lead, "parcours de test") {
		t.Fatalf("summary not saved: %q", lead)
	}
	run(t, ctx,
		chromedp.Click(chromedp.CSS(`a[href$="/historique"]`)),
		chromedp.WaitVisible(chromedp.CSS("table.history")),
	)
	if h := text(t, ctx, "table.history tbody tr"); !strings.Contains(h, "résumé raccourci") {
		t.Fatalf("history's first row %q", h)
	}
	axe(t, ctx)
	run(t, ctx,
		chromedp.Click(chromedp.CSS(`form[action$="/diff"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".field-diff")),
	)
	if d := text(t, ctx, "#diff-summary"); !strings.Contains(d, "Résumé") {
		t.Fatalf("diff does not show the summary change: %q", d)
	}
	if after := text(t, ctx, ".field-diff .diff-insert"); !strings.Contains(after, "parcours de test") {
		t.Fatalf("diff 'after' cell %q", after)
	}
	axe(t, ctx)
}

// Three people report a resource → it is hidden → a moderator restores it from the queue.
func TestCommonsReportHideRestore(t *testing.T) {
	ctx := Browser(t)
	a := Start(t)
	const slug = "/ressources/kit-solaire-pret-a-brancher-atelier-de-mediation"
	for i := 0; i < 3; i++ {
		signIn(t, ctx, a, a.NewUser(web.RoleMember))
		run(t, ctx,
			chromedp.Navigate(a.URL+slug),
			chromedp.Click(chromedp.CSS(`a[href$="/signaler"]`)),
			chromedp.WaitVisible(chromedp.ID("reason")),
		)
		if i == 0 {
			axe(t, ctx)
		}
		run(t, ctx,
			chromedp.SendKeys(chromedp.ID("reason"), "Contenu publicitaire"),
			chromedp.Submit(chromedp.ID("reason")),
			chromedp.WaitVisible(chromedp.CSS(".flash")),
		)
		signOut(t, ctx)
	}
	run(t, ctx, chromedp.Navigate(a.URL+slug), chromedp.WaitVisible(chromedp.CSS("h1")))
	if body := text(t, ctx, "main"); !strings.Contains(body, "masquée en attente de modération") {
		t.Fatalf("after three reports the page shows %q", body)
	}
	signIn(t, ctx, a, a.NewUser(web.RoleModerator))
	run(t, ctx,
		chromedp.Navigate(a.URL+"/moderation"),
		chromedp.WaitVisible(chromedp.CSS("table.queue")),
	)
	if q := text(t, ctx, "table.queue tbody"); !strings.Contains(q, "Kit solaire") || !strings.Contains(q, "masqué") {
		t.Fatalf("queue %q", q)
	}
	axe(t, ctx)
	run(t, ctx,
		chromedp.Click(chromedp.CSS(`input[name="items"]`)),
		chromedp.SetValue(chromedp.ID("bulk-action"), "restore"),
		chromedp.SendKeys(chromedp.ID("bulk-note"), "signalements infondés"),
		chromedp.Click(chromedp.CSS(`#bulk button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)
	run(t, ctx, chromedp.Navigate(a.URL+"/moderation/journal"), chromedp.WaitVisible(chromedp.CSS("table")))
	if l := text(t, ctx, "table tbody"); !strings.Contains(l, "rétablissement") || !strings.Contains(l, "masquage automatique") {
		t.Fatalf("log %q", l)
	}
	axe(t, ctx)
	signOut(t, ctx)
	run(t, ctx, chromedp.Navigate(a.URL+slug), chromedp.WaitVisible(chromedp.CSS("article.resource h1")))
	if h1 := text(t, ctx, "h1"); !strings.Contains(h1, "Kit solaire") {
		t.Fatalf("restored page h1 %q", h1)
	}
}

// The other commons pages pass axe-core too.
func TestCommonsPagesAccessible(t *testing.T) {
	ctx := Browser(t)
	a := Start(t)
	const r = "/ressources/guide-pour-creer-une-cooperative-citoyenne-d-energie"
	for _, p := range []string{"/ressources", "/ressources?q=cooperative&territory=departement:69", r, r + "/revisions/1", r + "/diff?de=1&vers=3",
		"/acteurs", "/acteurs/energies-citoyennes-du-pays-mornantais", "/territoires/departement/66"} {
		t.Run(p, func(t *testing.T) {
			run(t, ctx, chromedp.Navigate(a.URL+p), chromedp.WaitReady(chromedp.CSS("main")))
			axe(t, ctx)
		})
	}
	signIn(t, ctx, a, a.NewUser(web.RoleAdmin))
	for _, p := range []string{"/ressources/nouvelle", "/acteurs/nouveau", "/moderation", "/admin/moissonnage"} {
		t.Run(p, func(t *testing.T) {
			run(t, ctx, chromedp.Navigate(a.URL+p), chromedp.WaitReady(chromedp.CSS("main")))
			axe(t, ctx)
		})
	}
}
