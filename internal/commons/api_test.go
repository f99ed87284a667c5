package commons_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/fabrique-des-energies/fabrique/internal/app/apptest"
	"github.com/fabrique-des-energies/fabrique/internal/commons"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
)

type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Details []struct {
			Field   string `json:"field"`
			Message string `json:"message"`
		} `json:"details"`
	} `json:"error"`
}

type listDoc struct {
	Items  []commons.HitDoc              `json:"items"`
	Total  int                           `json:"total"`
	Facets map[string][]commons.FacetDoc `json:"facets"`
}

func TestAPIResources(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *apptest.App) {
		member := a.WithToken(a.Token(a.NewUser(web.RoleMember)))
		other := a.WithToken(a.Token(a.NewUser(web.RoleMember)))
		anon := a.Anonymous()

		in := commons.ResourceDoc{Title: "Méthode de balade thermique", Summary: "Repérer les fuites de chaleur.", Body: "## Étapes\n\nUne caméra thermique.",
			Kind: "methode", Licence: "CC-BY-4.0", Themes: []string{"pole-mediation"}, Territories: []commons.PlaceDoc{{Kind: "commune", Code: "29039"}},
			Links: []commons.Link{{URL: "https://example.org/balade", Label: "Fiche"}}, Needs: []commons.Need{{Type: "testeurs", Text: "Trois quartiers"}}}
		var e apiError
		if st := anon.JSON("POST", "/api/v1/resources", in, &e); st != http.StatusUnauthorized {
			t.Fatalf("anonymous POST: %d", st)
		}
		var created commons.ResourceDoc
		if st := member.JSON("POST", "/api/v1/resources", in, &created); st != http.StatusCreated {
			t.Fatalf("POST: %d %+v", st, created)
		}
		if created.Slug != "methode-de-balade-thermique" || created.Revision != 1 || created.Territories[0].Name != "Concarneau" || created.LicenceURL == "" {
			t.Fatalf("created %+v", created)
		}
		var got commons.ResourceDoc
		if st := anon.JSON("GET", "/api/v1/resources/"+created.Slug, nil, &got); st != 200 || got.Title != in.Title || got.Needs[0].Text != "Trois quartiers" {
			t.Fatalf("GET: %d %+v", st, got)
		}
		// A document read with GET can be sent back changed: its revision is the base.
		got.Summary = "Repérer les fuites de chaleur d'un quartier, en hiver."
		var upd commons.ResourceDoc
		if st := member.JSON("PUT", "/api/v1/resources/"+created.Slug, got, &upd); st != 200 || upd.Revision != 2 {
			t.Fatalf("PUT: %d %+v", st, upd)
		}
		// Another client still holding revision 1 gets 409 and nothing is saved.
		stale := got
		stale.Revision, stale.Summary = 1, "Version concurrente"
		if st := other.JSON("PUT", "/api/v1/resources/"+created.Slug, stale, &e); st != http.StatusConflict || e.Error.Code != "conflict" {
			t.Fatalf("stale PUT: %d %+v", st, e)
		}
		anon.JSON("GET", "/api/v1/resources/"+created.Slug, nil, &got)
		if got.Summary != upd.Summary {
			t.Fatalf("conflicting PUT changed the resource: %q", got.Summary)
		}
		// No base revision at all: 422 naming the field.
		noBase := map[string]any{"title": "Sans base"}
		if st := member.JSON("PUT", "/api/v1/resources/"+created.Slug, noBase, &e); st != http.StatusUnprocessableEntity || e.Error.Details[0].Field != "base_revision" {
			t.Fatalf("PUT without base: %d %+v", st, e)
		}
		// Invalid fields are listed.
		bad := commons.ResourceDoc{Title: "Ressource invalide", Kind: "roman", Links: []commons.Link{{URL: "javascript:alert(1)"}}}
		if st := member.JSON("POST", "/api/v1/resources", bad, &e); st != http.StatusUnprocessableEntity || len(e.Error.Details) != 2 {
			t.Fatalf("invalid POST: %d %+v", st, e)
		}
		// Unknown members are refused.
		if st := member.JSON("POST", "/api/v1/resources", map[string]any{"title": "x y z", "colour": "red"}, &e); st != http.StatusUnprocessableEntity {
			t.Fatalf("unknown member: %d", st)
		}
		// List, search and facets.
		var list listDoc
		if st := anon.JSON("GET", "/api/v1/resources?q=fuites+chaleur&territory=departement:29", nil, &list); st != 200 || list.Total != 1 || list.Items[0].Slug != created.Slug {
			t.Fatalf("list: %d %+v", st, list)
		}
		if len(list.Facets["kind"]) != 1 || list.Facets["territory"][0].Count != 1 {
			t.Fatalf("facets: %+v", list.Facets)
		}
		if st := anon.JSON("GET", "/api/v1/resources?kind=roman", nil, &e); st != http.StatusUnprocessableEntity || e.Error.Details[0].Field != "kind" {
			t.Fatalf("bad filter: %d %+v", st, e)
		}
		// Revisions.
		var revs struct {
			Items []commons.RevisionDoc `json:"items"`
			Total int                   `json:"total"`
		}
		if st := anon.JSON("GET", "/api/v1/resources/"+created.Slug+"/revisions", nil, &revs); st != 200 || revs.Total != 2 || revs.Items[0].Number != 2 {
			t.Fatalf("revisions: %d %+v", st, revs)
		}
		// Reports: the same person twice is one report; three people hide it.
		var out commons.ReportOutcome
		if st := member.JSON("POST", "/api/v1/resources/"+created.Slug+"/reports", commons.ReportDoc{Reason: "publicité"}, &out); st != 201 || out.OpenReports != 1 {
			t.Fatalf("report: %d %+v", st, out)
		}
		if st := member.JSON("POST", "/api/v1/resources/"+created.Slug+"/reports", commons.ReportDoc{Reason: "encore"}, &e); st != http.StatusConflict {
			t.Fatalf("second report by the same person: %d", st)
		}
		other.JSON("POST", "/api/v1/resources/"+created.Slug+"/reports", commons.ReportDoc{Reason: "hors sujet"}, &out)
		third := a.WithToken(a.Token(a.NewUser(web.RoleMember)))
		if st := third.JSON("POST", "/api/v1/resources/"+created.Slug+"/reports", commons.ReportDoc{Reason: "spam"}, &out); st != 201 || !out.Hidden || out.OpenReports != 3 {
			t.Fatalf("third report: %d %+v", st, out)
		}
		if st := anon.JSON("GET", "/api/v1/resources/"+created.Slug, nil, &e); st != http.StatusNotFound {
			t.Fatalf("hidden resource visible: %d", st)
		}
		mod := a.WithToken(a.Token(a.NewUser(web.RoleModerator)))
		if st := mod.JSON("GET", "/api/v1/resources/"+created.Slug, nil, &got); st != 200 || !got.Hidden {
			t.Fatalf("moderator view: %d %+v", st, got)
		}
	})
}

func TestAPIActors(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *apptest.App) {
		member := a.WithToken(a.Token(a.NewUser(web.RoleMember)))
		anon := a.Anonymous()
		var act commons.ActorDoc
		in := commons.ActorDoc{Name: "Coopérative des toits de Mornant", Kind: "cooperative", Territory: &commons.PlaceDoc{Code: "69141"}, Website: "https://example.org/toits"}
		if st := member.JSON("POST", "/api/v1/actors", in, &act); st != 201 || act.Slug != "cooperative-des-toits-de-mornant" || act.Territory.Kind != "commune" {
			t.Fatalf("POST actor: %d %+v", st, act)
		}
		res := commons.ResourceDoc{Title: "Toitures partagées", Contributors: []commons.ContributorDoc{{Actor: act.Slug, Role: "porteur"}}}
		var r commons.ResourceDoc
		if st := member.JSON("POST", "/api/v1/resources", res, &r); st != 201 || r.Contributors[0].Name != in.Name {
			t.Fatalf("resource with contributor: %d %+v", st, r)
		}
		var got commons.ActorDoc
		if st := anon.JSON("GET", "/api/v1/actors/"+act.Slug, nil, &got); st != 200 || len(got.Resources) != 1 || got.Resources[0].Roles[0] != "porteur" {
			t.Fatalf("GET actor: %d %+v", st, got)
		}
		got.Description = "Trente toitures."
		if st := member.JSON("PUT", "/api/v1/actors/"+act.Slug, got, &act); st != 200 || act.Revision != 2 {
			t.Fatalf("PUT actor: %d %+v", st, act)
		}
		got.Revision = 1
		var e apiError
		if st := member.JSON("PUT", "/api/v1/actors/"+act.Slug, got, &e); st != http.StatusConflict {
			t.Fatalf("stale actor PUT: %d", st)
		}
		var list struct {
			Items  []commons.ActorDoc            `json:"items"`
			Total  int                           `json:"total"`
			Facets map[string][]commons.FacetDoc `json:"facets"`
		}
		if st := anon.JSON("GET", "/api/v1/actors?territory=departement:69&kind=cooperative", nil, &list); st != 200 || list.Total != 1 || len(list.Facets["kind"]) == 0 {
			t.Fatalf("actors list: %d %+v", st, list)
		}
		var revs struct {
			Total int `json:"total"`
		}
		if st := anon.JSON("GET", "/api/v1/actors/"+act.Slug+"/revisions", nil, &revs); st != 200 || revs.Total != 2 {
			t.Fatalf("actor revisions: %d %+v", st, revs)
		}
		var out commons.ReportOutcome
		if st := member.JSON("POST", "/api/v1/actors/"+act.Slug+"/reports", commons.ReportDoc{Reason: "faux profil"}, &out); st != 201 || out.OpenReports != 1 {
			t.Fatalf("actor report: %d %+v", st, out)
		}
	})
}

// A harvested resource is read-only here, through the API too.
func TestAPIReadOnlyHarvested(t *testing.T) {
	a := apptest.Start(t)
	id, err := a.DB.W.Exec(`INSERT INTO harvest_sources (name, url, created_at) VALUES ('Autre fabrique', 'https://example.org/catalog.jsonld', CURRENT_TIMESTAMP)`)
	if err != nil {
		t.Fatal(err)
	}
	srcID, _ := id.LastInsertId()
	member := a.WithToken(a.Token(a.NewUser(web.RoleMember)))
	var r commons.ResourceDoc
	member.JSON("POST", "/api/v1/resources", commons.ResourceDoc{Title: "Copie moissonnée"}, &r)
	if _, err := a.DB.W.Exec(`UPDATE resources SET source_id = $1, remote_id = 'x' WHERE slug = $2`, srcID, r.Slug); err != nil {
		t.Fatal(err)
	}
	r.Summary = "modifiée"
	var e apiError
	if st := member.JSON("PUT", "/api/v1/resources/"+r.Slug, r, &e); st != http.StatusForbidden || !strings.Contains(e.Error.Message, "source") {
		t.Fatalf("PUT on harvested: %d %+v", st, e)
	}
	resp := member.Get("/ressources/" + r.Slug + "/modifier")
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("edit form of a harvested resource: %d", resp.StatusCode)
	}
}

// A deleted account's contributions stay, without its name.
func TestDeletedAccountContributionsStay(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *apptest.App) {
		email := a.NewUser(web.RoleMember)
		c := a.WithToken(a.Token(email))
		var r commons.ResourceDoc
		if st := c.JSON("POST", "/api/v1/resources", commons.ResourceDoc{Title: "Contribution durable"}, &r); st != http.StatusCreated {
			t.Fatalf("POST: %d", st)
		}
		if st := c.JSON("DELETE", "/api/v1/me", nil, nil); st != http.StatusNoContent {
			t.Fatalf("delete account: %d", st)
		}
		var revs struct {
			Items []commons.RevisionDoc `json:"items"`
		}
		a.Anonymous().JSON("GET", "/api/v1/resources/"+r.Slug+"/revisions", nil, &revs)
		if len(revs.Items) != 1 || revs.Items[0].Author != commons.DeletedAccountName {
			t.Fatalf("revisions after deletion: %+v", revs.Items)
		}
	})
}
