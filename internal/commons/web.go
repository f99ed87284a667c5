package commons

import (
	"embed"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/i18n"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
)

//go:embed all:templates openapi.json
var webFS embed.FS

// OpenAPI is the fragment describing /api/v1/resources and /api/v1/actors.
func OpenAPI() []byte {
	b, _ := webFS.ReadFile("openapi.json")
	return b
}

// Handlers are the commons pages, exports and API.
type Handlers struct {
	s    *Service
	srv  *web.Server
	tmpl *web.Templates
}

// Demo slugs used as route samples (they exist in the demo content).
const (
	SampleResource = "guide-pour-creer-une-cooperative-citoyenne-d-energie"
	SampleActor    = "energies-citoyennes-du-pays-mornantais"
)

// Mount registers the commons routes, the navigation entry and the footer links.
func (s *Service) Mount(srv *web.Server) *Handlers {
	h := &Handlers{s: s, srv: srv, tmpl: srv.Templates(webFS, "templates/*.html")}
	res := "/ressources/" + SampleResource
	act := "/acteurs/" + SampleActor
	srv.AddNav(web.NavItem{Path: "/ressources", Label: i18n.T("Ressources", "Resources"), Order: 10})
	srv.AddFooterLinks(
		web.NavItem{Path: "/catalog.jsonld", Label: i18n.T("Catalogue DCAT (JSON-LD)", "DCAT catalogue (JSON-LD)"), Order: 10},
		web.NavItem{Path: "/catalog.ttl", Label: i18n.T("Catalogue DCAT (Turtle)", "DCAT catalogue (Turtle)"), Order: 11},
		web.NavItem{Path: "/resources.csv", Label: i18n.T("Ressources (CSV)", "Resources (CSV)"), Order: 12},
		web.NavItem{Path: "/feed.atom", Label: i18n.T("Nouveautés (Atom)", "What's new (Atom)"), Order: 13},
	)
	srv.Handle(
		// Resources.
		web.Route{Method: "GET", Pattern: "/ressources", Access: web.Public, Handler: h.list},
		web.Route{Method: "GET", Pattern: "/ressources/nouvelle", Access: web.SignedIn, Handler: h.newForm},
		web.Route{Method: "POST", Pattern: "/ressources", Access: web.SignedIn, Handler: h.create},
		web.Route{Method: "GET", Pattern: "/ressources/{slug}", Access: web.Public, Sample: res, Handler: h.page},
		web.Route{Method: "GET", Pattern: "/ressources/{slug}/modifier", Access: web.SignedIn, Sample: res + "/modifier", Handler: h.editForm},
		web.Route{Method: "POST", Pattern: "/ressources/{slug}/modifier", Access: web.SignedIn, Sample: res + "/modifier", Handler: h.save},
		web.Route{Method: "GET", Pattern: "/ressources/{slug}/historique", Access: web.Public, Sample: res + "/historique", Handler: h.history(EntityResource)},
		web.Route{Method: "GET", Pattern: "/ressources/{slug}/historique.csv", Access: web.Public, Sample: res + "/historique.csv", Handler: h.historyCSV(EntityResource)},
		web.Route{Method: "GET", Pattern: "/ressources/{slug}/revisions/{n}", Access: web.Public, Sample: res + "/revisions/1", Handler: h.revision(EntityResource)},
		web.Route{Method: "GET", Pattern: "/ressources/{slug}/diff", Access: web.Public, Sample: res + "/diff?de=1&vers=2", Handler: h.diff(EntityResource)},
		web.Route{Method: "POST", Pattern: "/ressources/{slug}/revisions/{n}/retablir", Access: web.SignedIn, Sample: res + "/revisions/1/retablir", Handler: h.revert(EntityResource)},
		web.Route{Method: "GET", Pattern: "/ressources/{slug}/signaler", Access: web.SignedIn, Sample: res + "/signaler", Handler: h.reportForm(EntityResource)},
		web.Route{Method: "POST", Pattern: "/ressources/{slug}/signaler", Access: web.SignedIn, Sample: res + "/signaler", Handler: h.report(EntityResource)},
		web.Route{Method: "POST", Pattern: "/ressources/{slug}/fichiers", Access: web.SignedIn, Sample: res + "/fichiers", MaxBody: MaxAttachment + 1<<20, Handler: h.upload},
		web.Route{Method: "GET", Pattern: "/ressources/{slug}/fichiers/{id}/{name}", Access: web.Public, Sample: res + "/fichiers/1/fiche-etapes.csv", Handler: h.download},
		web.Route{Method: "POST", Pattern: "/ressources/{slug}/fichiers/{id}/supprimer", Access: web.SignedIn, Sample: res + "/fichiers/999999/supprimer", Handler: h.removeFile},
		web.Route{Method: "POST", Pattern: "/ressources/{slug}/essentiel", Access: web.Moderator, Sample: res + "/essentiel", Handler: h.essential},
		// Actors.
		web.Route{Method: "GET", Pattern: "/acteurs", Access: web.Public, Handler: h.actors},
		web.Route{Method: "GET", Pattern: "/acteurs/nouveau", Access: web.SignedIn, Handler: h.newActorForm},
		web.Route{Method: "POST", Pattern: "/acteurs", Access: web.SignedIn, Handler: h.createActor},
		web.Route{Method: "GET", Pattern: "/acteurs/{slug}", Access: web.Public, Sample: act, Handler: h.actor},
		web.Route{Method: "GET", Pattern: "/acteurs/{slug}/modifier", Access: web.SignedIn, Sample: act + "/modifier", Handler: h.editActorForm},
		web.Route{Method: "POST", Pattern: "/acteurs/{slug}/modifier", Access: web.SignedIn, Sample: act + "/modifier", Handler: h.saveActor},
		web.Route{Method: "GET", Pattern: "/acteurs/{slug}/ressources.csv", Access: web.Public, Sample: act + "/ressources.csv", Handler: h.actorResourcesCSV},
		web.Route{Method: "GET", Pattern: "/acteurs/{slug}/historique", Access: web.Public, Sample: act + "/historique", Handler: h.history(EntityActor)},
		web.Route{Method: "GET", Pattern: "/acteurs/{slug}/historique.csv", Access: web.Public, Sample: act + "/historique.csv", Handler: h.historyCSV(EntityActor)},
		web.Route{Method: "GET", Pattern: "/acteurs/{slug}/revisions/{n}", Access: web.Public, Sample: act + "/revisions/1", Handler: h.revision(EntityActor)},
		web.Route{Method: "GET", Pattern: "/acteurs/{slug}/diff", Access: web.Public, Sample: act + "/diff?de=1&vers=1", Handler: h.diff(EntityActor)},
		web.Route{Method: "POST", Pattern: "/acteurs/{slug}/revisions/{n}/retablir", Access: web.SignedIn, Sample: act + "/revisions/1/retablir", Handler: h.revert(EntityActor)},
		web.Route{Method: "GET", Pattern: "/acteurs/{slug}/signaler", Access: web.SignedIn, Sample: act + "/signaler", Handler: h.reportForm(EntityActor)},
		web.Route{Method: "POST", Pattern: "/acteurs/{slug}/signaler", Access: web.SignedIn, Sample: act + "/signaler", Handler: h.report(EntityActor)},
		// Moderation.
		web.Route{Method: "GET", Pattern: "/moderation", Access: web.Moderator, Handler: h.queue},
		web.Route{Method: "GET", Pattern: "/moderation.csv", Access: web.Moderator, Handler: h.queueCSV},
		web.Route{Method: "POST", Pattern: "/moderation/actions", Access: web.Moderator, Handler: h.moderate},
		web.Route{Method: "POST", Pattern: "/moderation/utilisateurs/{id}/bloquer", Access: web.Moderator, Sample: "/moderation/utilisateurs/999999/bloquer", Handler: h.block},
		web.Route{Method: "GET", Pattern: "/moderation/journal", Access: web.Moderator, Handler: h.modLog},
		web.Route{Method: "GET", Pattern: "/moderation/journal.csv", Access: web.Moderator, Handler: h.modLogCSV},
		// Federation.
		web.Route{Method: "GET", Pattern: "/admin/moissonnage", Access: web.Admin, Handler: h.harvestAdmin},
		web.Route{Method: "POST", Pattern: "/admin/moissonnage/sources", Access: web.Admin, Handler: h.addSource},
		web.Route{Method: "POST", Pattern: "/admin/moissonnage/sources/{id}/moissonner", Access: web.Admin, Sample: "/admin/moissonnage/sources/999999/moissonner", Handler: h.runSource},
		web.Route{Method: "POST", Pattern: "/admin/moissonnage/reglages", Access: web.Admin, Handler: h.harvestSettings},
		web.Route{Method: "GET", Pattern: "/admin/moissonnage/rapports.csv", Access: web.Admin, Handler: h.harvestJobsCSV},
		// Open formats.
		web.Route{Method: "GET", Pattern: "/catalog.jsonld", Access: web.Public, Handler: h.catalogJSONLD},
		web.Route{Method: "GET", Pattern: "/catalog.ttl", Access: web.Public, Handler: h.catalogTurtle},
		web.Route{Method: "GET", Pattern: "/resources.csv", Access: web.Public, Handler: h.resourcesCSV},
		web.Route{Method: "GET", Pattern: "/actors.csv", Access: web.Public, Handler: h.actorsCSV},
		web.Route{Method: "GET", Pattern: "/feed.atom", Access: web.Public, Handler: h.feed},
		// API.
		web.Route{Method: "GET", Pattern: "/api/v1/resources", Access: web.Public, Handler: h.apiList},
		web.Route{Method: "POST", Pattern: "/api/v1/resources", Access: web.SignedIn, Handler: h.apiCreate},
		web.Route{Method: "GET", Pattern: "/api/v1/resources/{slug}", Access: web.Public, Sample: "/api/v1" + "/resources/" + SampleResource, Handler: h.apiGet},
		web.Route{Method: "PUT", Pattern: "/api/v1/resources/{slug}", Access: web.SignedIn, Sample: "/api/v1/resources/" + SampleResource, Handler: h.apiPut},
		web.Route{Method: "GET", Pattern: "/api/v1/resources/{slug}/revisions", Access: web.Public, Sample: "/api/v1/resources/" + SampleResource + "/revisions", Handler: h.apiRevisions(EntityResource)},
		web.Route{Method: "POST", Pattern: "/api/v1/resources/{slug}/reports", Access: web.SignedIn, Sample: "/api/v1/resources/" + SampleResource + "/reports", Handler: h.apiReport(EntityResource)},
		web.Route{Method: "GET", Pattern: "/api/v1/actors", Access: web.Public, Handler: h.apiActors},
		web.Route{Method: "POST", Pattern: "/api/v1/actors", Access: web.SignedIn, Handler: h.apiCreateActor},
		web.Route{Method: "GET", Pattern: "/api/v1/actors/{slug}", Access: web.Public, Sample: "/api/v1/actors/" + SampleActor, Handler: h.apiGetActor},
		web.Route{Method: "PUT", Pattern: "/api/v1/actors/{slug}", Access: web.SignedIn, Sample: "/api/v1/actors/" + SampleActor, Handler: h.apiPutActor},
		web.Route{Method: "GET", Pattern: "/api/v1/actors/{slug}/revisions", Access: web.Public, Sample: "/api/v1/actors/" + SampleActor + "/revisions", Handler: h.apiRevisions(EntityActor)},
		web.Route{Method: "POST", Pattern: "/api/v1/actors/{slug}/reports", Access: web.SignedIn, Sample: "/api/v1/actors/" + SampleActor + "/reports", Handler: h.apiReport(EntityActor)},
	)
	return h
}

// author is the signed-in account as the author of a change.
func author(r *http.Request) Author {
	id := web.CurrentUser(r.Context())
	if id == nil {
		return Author{}
	}
	return Author{UserID: id.UserID, Name: id.Name}
}

func lang(r *http.Request) string { return web.Lang(r.Context()) }

func tr(r *http.Request, fr, en string) string { return i18n.T(fr, en).In(lang(r)) }

func isModerator(r *http.Request) bool { return web.CurrentUser(r.Context()).IsModerator() }

func pathInt(r *http.Request, name string) (int64, error) {
	v, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || v < 0 {
		return 0, errs.New(errs.NotFound, "Adresse invalide : « "+r.PathValue(name)+" » n'est pas un numéro.", "Invalid address: \""+r.PathValue(name)+"\" is not a number.")
	}
	return v, nil
}

// Pager is the data of the shared "pager" partial.
type Pager struct {
	Prev, Next, PrevLabel, NextLabel, Label string
}

func makePager(r *http.Request, page, pages int) Pager {
	p := Pager{PrevLabel: tr(r, "Page précédente", "Previous page"), NextLabel: tr(r, "Page suivante", "Next page"),
		Label: fmt.Sprintf(tr(r, "Page %d sur %d", "Page %d of %d"), page, max(pages, 1))}
	q := r.URL.Query()
	link := func(n int) string {
		q.Set("page", strconv.Itoa(n))
		return r.URL.Path + "?" + q.Encode()
	}
	if page > 1 {
		p.Prev = link(page - 1)
	}
	if page < pages {
		p.Next = link(page + 1)
	}
	return p
}

// withParam returns the current URL with one query parameter set (or removed when v is "")
// and the page reset.
func withParam(u *url.URL, k, v string) string {
	q := u.Query()
	if v == "" {
		q.Del(k)
	} else {
		q.Set(k, v)
	}
	q.Del("page")
	if len(q) == 0 {
		return u.Path
	}
	return u.Path + "?" + q.Encode()
}

func absURL(base, path string) string { return strings.TrimRight(base, "/") + path }
