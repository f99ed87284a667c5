package app_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/fabrique-des-energies/fabrique/internal/app"
	"github.com/fabrique-des-energies/fabrique/internal/app/apptest"
	"github.com/fabrique-des-energies/fabrique/internal/platform/db"
	"github.com/fabrique-des-energies/fabrique/internal/platform/db/dbtest"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
)

// Every component has the same migrations on both dialects, and after
// migrating, both dialects have the same tables, columns and type families.
func TestSchemaParity(t *testing.T) {
	for _, m := range app.AllMigrations() {
		if err := m.CheckParity(); err != nil {
			t.Error(err)
		}
	}
	schemas := map[string][]db.Column{}
	dbtest.Migrated(t, app.AllMigrations(), func(t *testing.T, d *db.DB) {
		cols, err := d.Schema(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(cols) == 0 {
			t.Fatal("no columns after migrating")
		}
		schemas[string(d.Dialect)] = cols
		// Migrating again changes nothing.
		if err := d.Migrate(context.Background(), app.AllMigrations(), nil); err != nil {
			t.Fatal(err)
		}
	})
	if !dbtest.HasPostgres() {
		t.Skip("schema comparison needs PostgreSQL: set " + dbtest.EnvPostgres)
	}
	key := func(c db.Column) string { return c.Table + "." + c.Name + " " + c.Family }
	var a, b []string
	for _, c := range schemas["sqlite"] {
		a = append(a, key(c))
	}
	for _, c := range schemas["postgres"] {
		b = append(b, key(c))
	}
	slices.Sort(a)
	slices.Sort(b)
	for _, x := range a {
		if !slices.Contains(b, x) {
			t.Errorf("only on sqlite: %s", x)
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			t.Errorf("only on postgres: %s", x)
		}
	}
}

var scriptTag = regexp.MustCompile(`(?is)<script\b([^>]*)>`)

// Every HTML page carries the security headers and a CSP without
// unsafe-inline for scripts, and contains no inline script (JSON-LD data
// blocks are data, not script, and are the one exception).
func TestSecurityHeadersAndNoInlineScript(t *testing.T) {
	a := apptest.Start(t, apptest.WithDemo())
	admin := a.As(web.RoleAdmin)
	pages := 0
	for _, rt := range a.Web.Routes() {
		if rt.Method != "GET" || strings.Contains(rt.Path(), "{") {
			continue
		}
		resp := admin.Get(rt.Path())
		body := apptest.Body(t, resp)
		h := resp.Header
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP %q", rt.Path(), csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" {
			t.Errorf("%s: missing nosniff or Referrer-Policy", rt.Path())
		}
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
			continue
		}
		pages++
		for _, m := range scriptTag.FindAllStringSubmatch(body, -1) {
			attrs := m[1]
			if strings.Contains(attrs, `type="application/ld+json"`) {
				continue
			}
			if !strings.Contains(attrs, "src=") {
				t.Errorf("%s: inline <script%s>", rt.Path(), attrs)
			}
		}
		if strings.Contains(strings.ToLower(body), " style=\"") {
			t.Errorf("%s: inline style attribute (blocked by the CSP)", rt.Path())
		}
		if !strings.Contains(body, `href="#contenu"`) || !strings.Contains(body, `<main id="contenu"`) {
			t.Errorf("%s: skip link or main landmark missing", rt.Path())
		}
	}
	if pages < 5 {
		t.Fatalf("only %d HTML pages checked", pages)
	}
}

// A cross-site POST is refused before any handler runs.
func TestCrossOriginPostRefused(t *testing.T) {
	a := apptest.Start(t)
	email := a.NewUser(web.RoleMember)
	c := a.Anonymous()
	form := url.Values{"email": {email}, "password": {apptest.Password}}.Encode()
	for _, h := range []http.Header{
		{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}, "Content-Type": {"application/x-www-form-urlencoded"}},
		{"Origin": {"https://evil.example"}, "Content-Type": {"application/x-www-form-urlencoded"}},
	} {
		resp := c.Do("POST", "/login", strings.NewReader(form), h)
		body := apptest.Body(t, resp)
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("cross-site POST /login: %d", resp.StatusCode)
		}
		if !strings.Contains(body, "autre site") {
			t.Errorf("the refusal should say why: %.200s", body)
		}
		if resp.Header.Get("Set-Cookie") != "" {
			t.Error("a refused request must not open a session")
		}
	}
	// The same form from this site works.
	resp := c.PostForm("/login", url.Values{"email": {email}, "password": {apptest.Password}})
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("same-origin login: %d", resp.StatusCode)
	}
}

func TestMetricsCountRequests(t *testing.T) {
	a := apptest.Start(t)
	c := a.Anonymous()
	for i := 0; i < 3; i++ {
		apptest.Body(t, c.Get("/territoires/commune/29039"))
	}
	apptest.Body(t, c.Get("/nulle-part"))
	body := apptest.Body(t, c.Get("/metrics"))
	for _, want := range []string{
		`fabrique_http_requests_total{route="GET /territoires/{kind}/{code}",status="200"} 3`,
		`fabrique_http_requests_total{route="GET /",status="404"} 1`,
		`fabrique_http_request_duration_seconds_bucket{route="GET /territoires/{kind}/{code}",status="200",le="+Inf"} 3`,
		`fabrique_db_open_connections{dialect="sqlite",pool="write"}`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestHealthAndReadiness(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *apptest.App) {
		c := a.Anonymous()
		for _, p := range []string{"/healthz", "/readyz"} {
			if resp := c.Get(p); resp.StatusCode != 200 {
				t.Errorf("%s: %d", p, resp.StatusCode)
			}
		}
		a.DB.R.Close()
		a.DB.W.Close()
		if resp := c.Get("/readyz"); resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("readyz with the database closed: %d", resp.StatusCode)
		}
	})
}

func TestLanguageNegotiation(t *testing.T) {
	a := apptest.Start(t)
	c := a.Anonymous()
	lang := func(h http.Header) string {
		resp := c.Do("GET", "/", nil, h)
		body := apptest.Body(t, resp)
		m := regexp.MustCompile(`<html lang="(\w+)"`).FindStringSubmatch(body)
		return m[1]
	}
	if l := lang(nil); l != "fr" {
		t.Errorf("default %s", l)
	}
	if l := lang(http.Header{"Accept-Language": {"en-GB,en;q=0.9"}}); l != "en" {
		t.Errorf("Accept-Language en: %s", l)
	}
	resp := c.PostForm("/langue", url.Values{"lang": {"en"}, "suivant": {"/a-propos"}})
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/a-propos" {
		t.Fatalf("language switch: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	// The cookie wins over Accept-Language.
	if l := lang(http.Header{"Accept-Language": {"fr"}}); l != "en" {
		t.Errorf("remembered choice: %s", l)
	}
	// An open redirect is refused.
	resp = c.PostForm("/langue", url.Values{"lang": {"fr"}, "suivant": {"//evil.example/"}})
	resp.Body.Close()
	if resp.Header.Get("Location") != "/" {
		t.Errorf("open redirect through the language switch: %s", resp.Header.Get("Location"))
	}
}

func TestErrorsInJSONOnAPI(t *testing.T) {
	a := apptest.Start(t)
	var out struct {
		Error struct{ Code, Message string }
	}
	if st := a.Anonymous().JSON("GET", "/api/v1/territories/commune/00000", nil, &out); st != 404 || out.Error.Code != "not_found" || out.Error.Message == "" {
		t.Fatalf("404 JSON: %d %+v", st, out)
	}
	if st := a.Anonymous().JSON("GET", "/api/v1/me", nil, &out); st != 401 || out.Error.Code != "unauthorized" {
		t.Fatalf("401 JSON: %d %+v", st, out)
	}
	if st := a.WithToken("fab_nope").JSON("GET", "/api/v1/territories?q=x", nil, &out); st != 401 {
		t.Fatalf("a bad token must be refused, not treated as anonymous: %d", st)
	}
}

// Too many wrong passwords: the login page answers 429 with a clear message.
func TestLoginRateLimitOverHTTP(t *testing.T) {
	a := apptest.Start(t)
	email := a.NewUser(web.RoleMember)
	c := a.Anonymous()
	var last *http.Response
	for i := 0; i < 6; i++ {
		last = c.PostForm("/connexion", url.Values{"email": {email}, "password": {"mauvais mot de passe"}})
		if i < 5 {
			apptest.Body(t, last)
		}
	}
	body := apptest.Body(t, last)
	if last.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "Trop de tentatives de connexion pour ce compte") || last.Header.Get("Retry-After") == "" {
		t.Fatalf("6th attempt: %d %q", last.StatusCode, last.Header.Get("Retry-After"))
	}
	// Even the right password waits for the window to pass.
	resp := c.PostForm("/connexion", url.Values{"email": {email}, "password": {apptest.Password}})
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("right password during the lock: %d", resp.StatusCode)
	}
}
