package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/fabrique-des-energies/fabrique/internal/app/apptest"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
)

// roleClient is a signed-in (or anonymous) browser-like client for one role.
type roleClient struct {
	name  string
	role  web.Role // "" for anonymous
	email string
	c     *apptest.Client
	id    *web.Identity
}

// TestRouteAuthorization walks the whole route table for every role and
// checks each answer against the route's rule: anonymous visitors are sent
// to the login page (HTML) or get 401 (API); signed-in users without the
// role get 403; those with it pass the gate (and GET pages answer 200).
func TestRouteAuthorization(t *testing.T) {
	a := apptest.Start(t, apptest.WithDemo())
	roles := []*roleClient{{name: "anonymous"}, {name: "member", role: web.RoleMember}, {name: "moderator", role: web.RoleModerator}, {name: "admin", role: web.RoleAdmin}}
	for _, rc := range roles {
		if rc.role != "" {
			rc.email = a.NewUser(rc.role)
			rc.c = a.Login(rc.email)
			rc.id = &web.Identity{Role: rc.role}
		} else {
			rc.c = a.Anonymous()
		}
	}
	routes := a.Web.Routes()
	if len(routes) < 20 {
		t.Fatalf("only %d routes registered", len(routes))
	}
	for _, rt := range routes {
		if strings.Contains(rt.Path(), "{") {
			t.Errorf("%s %s has wildcards but no Sample path for this test", rt.Method, rt.Pattern)
			continue
		}
		for _, rc := range roles {
			name := rt.Method + " " + rt.Pattern + " as " + rc.name
			var resp *http.Response
			if rt.Method == "GET" {
				resp = rc.c.Do("GET", rt.Path(), nil, http.Header{"Accept": {"text/html"}})
			} else {
				resp = rc.c.Do(rt.Method, rt.Path(), strings.NewReader(url.Values{}.Encode()), http.Header{
					"Content-Type": {"application/x-www-form-urlencoded"}, "Origin": {a.URL}, "Sec-Fetch-Site": {"same-origin"}})
			}
			resp.Body.Close()
			st := resp.StatusCode
			loc := resp.Header.Get("Location")
			allowed := rt.Access.Allows(rc.id)
			switch {
			case !allowed && rc.role == "":
				if rt.IsAPI() {
					if st != http.StatusUnauthorized {
						t.Errorf("%s: got %d, want 401", name, st)
					}
				} else if st != http.StatusFound || !strings.HasPrefix(loc, web.LoginPath) {
					t.Errorf("%s: got %d (Location %q), want 302 to %s", name, st, loc, web.LoginPath)
				}
			case !allowed:
				if st != http.StatusForbidden {
					t.Errorf("%s: got %d, want 403", name, st)
				}
			default:
				if st == http.StatusUnauthorized || (st == http.StatusFound && strings.HasPrefix(loc, web.LoginPath)) {
					t.Errorf("%s: allowed by the table but got %d %q", name, st, loc)
				}
				if st == http.StatusForbidden && !rt.Owner {
					t.Errorf("%s: allowed by the table but got 403 (mark the route Owner if the handler narrows it)", name)
				}
				if rt.Method == "GET" && rt.Pattern != "/" && st >= 400 && !(rt.Owner && st == http.StatusForbidden) {
					t.Errorf("%s: sample %s answers %d, want 200 (or a redirect)", name, rt.Path(), st)
				}
				if rt.Pattern == "/" && st != http.StatusNotFound {
					t.Errorf("catch-all: got %d, want 404", st)
				}
			}
			// Some routes end the session (sign-out): sign in again.
			if rc.role != "" && !signedIn(rc.c, a.URL) {
				rc.c = a.Login(rc.email)
			}
		}
	}
}

func signedIn(c *apptest.Client, base string) bool {
	u, _ := url.Parse(base)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "fabrique_session" && ck.Value != "" {
			return true
		}
	}
	return false
}

func TestRouteWithoutRuleCannotRegister(t *testing.T) {
	a := apptest.Start(t)
	defer func() {
		if recover() == nil {
			t.Fatal("a route without an access rule was registered")
		}
	}()
	a.Web.Handle(web.Route{Method: "GET", Pattern: "/sans-regle", Handler: func(http.ResponseWriter, *http.Request) error { return nil }})
}

// Every /api/v1 route is described in the OpenAPI document.
func TestOpenAPICoversAPIRoutes(t *testing.T) {
	a := apptest.Start(t)
	for _, rt := range a.Web.Routes() {
		if !strings.HasPrefix(rt.Pattern, "/api/v1/") {
			continue
		}
		if !a.API.Has(rt.Method, rt.Pattern) {
			t.Errorf("%s %s is not in the OpenAPI document", rt.Method, rt.Pattern)
		}
	}
	var doc map[string]any
	if st := a.Anonymous().JSON("GET", "/api/v1/openapi.json", nil, &doc); st != 200 || doc["openapi"] != "3.1.0" {
		t.Fatalf("openapi.json: %d %v", st, doc["openapi"])
	}
}
