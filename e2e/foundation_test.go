package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// A visitor signs up, signs out, signs in again and sees the account page.
func TestSignupLogoutLoginAccount(t *testing.T) {
	ctx := Browser(t)
	a := Start(t)
	run(t, ctx,
		chromedp.Navigate(a.URL+"/"),
		chromedp.Click(chromedp.CSS(`a[href="/inscription"]`)),
		chromedp.WaitVisible(chromedp.ID("email")),
	)
	axe(t, ctx)
	run(t, ctx,
		chromedp.SendKeys(chromedp.ID("email"), "Lea.Dupont@Exemple.org"),
		chromedp.SendKeys(chromedp.ID("name"), "Léa Dupont"),
		chromedp.SendKeys(chromedp.ID("password"), "une phrase assez longue"),
		chromedp.SendKeys(chromedp.ID("password_confirm"), "une phrase assez longue"),
		chromedp.Submit(chromedp.ID("email")),
		chromedp.WaitVisible(chromedp.ID("account-name")),
	)
	if got := text(t, ctx, "#account-name"); got != "Léa Dupont" {
		t.Fatalf("account page shows %q", got)
	}
	run(t, ctx,
		chromedp.Click(chromedp.CSS(`form[action="/deconnexion"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/connexion"]`)),
		chromedp.Click(chromedp.CSS(`a[href="/connexion"]`)),
		chromedp.WaitVisible(chromedp.ID("password")),
	)
	axe(t, ctx)
	// The email is matched without regard to case.
	run(t, ctx,
		chromedp.SendKeys(chromedp.ID("email"), "lea.dupont@exemple.org"),
		chromedp.SendKeys(chromedp.ID("password"), "une phrase assez longue"),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.ID("account-email")),
	)
	if got := text(t, ctx, "#account-email"); got != "Lea.Dupont@Exemple.org" {
		t.Fatalf("account email %q", got)
	}
	axe(t, ctx)
}

// The language switch turns the page to English and the choice is remembered.
func TestLanguageSwitch(t *testing.T) {
	ctx := Browser(t)
	a := Start(t)
	run(t, ctx, chromedp.Navigate(a.URL+"/territoires/commune/66150"), chromedp.WaitVisible(chromedp.CSS("h1")))
	if lang := attr(t, ctx, "html", "lang"); lang != "fr" {
		t.Fatalf("default language %q", lang)
	}
	run(t, ctx,
		chromedp.Click(chromedp.CSS(`.lang-switch button`)),
		chromedp.WaitVisible(chromedp.CSS(`html[lang="en"]`)),
	)
	if loc := location(t, ctx); !strings.HasSuffix(loc, "/territoires/commune/66150") {
		t.Fatalf("language switch should come back to the page, got %s", loc)
	}
	if s := text(t, ctx, ".skip-link"); s != "Skip to content" {
		t.Fatalf("skip link in English: %q", s)
	}
	run(t, ctx, chromedp.Navigate(a.URL+"/"), chromedp.WaitVisible(chromedp.CSS("h1")))
	if lang := attr(t, ctx, "html", "lang"); lang != "en" {
		t.Fatalf("language not remembered: %q", lang)
	}
	run(t, ctx, chromedp.Click(chromedp.CSS(`.lang-switch button`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="fr"]`)))
}

// Home, login, sign-up and a territory page pass axe-core.
func TestFoundationPagesAccessible(t *testing.T) {
	ctx := Browser(t)
	a := Start(t)
	for _, p := range []string{"/", "/connexion", "/inscription", "/territoires/commune/29039", "/territoires/epci/246900740", "/territoires?q=mornant", "/a-propos", "/coalitions", "/dialogue", "/page-inexistante"} {
		t.Run(p, func(t *testing.T) {
			run(t, ctx, chromedp.Navigate(a.URL+p), chromedp.WaitReady(chromedp.CSS("main")))
			axe(t, ctx)
		})
	}
}

func attr(t *testing.T, ctx context.Context, sel, name string) string {
	t.Helper()
	r, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(sel), name))
	if err != nil {
		t.Fatal(err)
	}
	return r.Value
}
