package observatory

import (
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/i18n"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
	"github.com/fabrique-des-energies/fabrique/internal/territory"
)

//go:embed templates openapi.json
var files embed.FS

// OpenAPI is the fragment describing the observatory API.
func OpenAPI() []byte {
	b, _ := files.ReadFile("openapi.json")
	return b
}

// Handlers serve the observatory pages, exports and API.
type Handlers struct {
	svc       *Service
	srv       *web.Server
	tmpl      *web.Templates
	fragments *template.Template
}

// Page sizes.
const (
	PageSize    = 20
	APIPageSize = 50
	APIMaxLimit = 200
	// MapPointsLimit caps the communities drawn on the offline map of a list.
	MapPointsLimit = 3000
)

// Mount registers the observatory's routes and navigation entry.
func (s *Service) Mount(srv *web.Server) *Handlers {
	h := &Handlers{svc: s, srv: srv, tmpl: srv.Templates(files, "templates/*.html"),
		fragments: template.Must(template.New("fragments").ParseFS(files, "templates/fragments/*.tmpl"))}
	srv.AddNav(web.NavItem{Path: "/observatoire", Label: i18n.T("Observatoire", "Observatory"), Order: 20})
	srv.AddFooterLinks(
		web.NavItem{Path: "/communities.csv", Label: i18n.T("Communautés énergétiques (CSV)", "Energy communities (CSV)"), Order: 20},
		web.NavItem{Path: "/projects.csv", Label: i18n.T("Projets des communautés (CSV)", "Community projects (CSV)"), Order: 21},
		web.NavItem{Path: "/communities.geojson", Label: i18n.T("Carte des communautés (GeoJSON)", "Map of communities (GeoJSON)"), Order: 22},
	)
	const slug = "/communautes/energies-citoyennes-du-pays-mornantais-exemple"
	const apiSlug = "/api/v1/communities/energies-citoyennes-du-pays-mornantais-exemple"
	srv.Handle(
		web.Route{Method: "GET", Pattern: "/observatoire", Access: web.Public, Handler: h.dashboard},
		web.Route{Method: "GET", Pattern: "/observatoire/carte.svg", Access: web.Public, Handler: h.mapSVG},
		web.Route{Method: "GET", Pattern: "/observatoire/donnees/{file}", Access: web.Public, Sample: "/observatoire/donnees/technologies.csv", Handler: h.chartCSV},
		web.Route{Method: "GET", Pattern: "/communautes", Access: web.Public, Handler: h.list},
		web.Route{Method: "GET", Pattern: "/communautes/nouvelle", Access: web.SignedIn, Handler: h.newForm},
		web.Route{Method: "POST", Pattern: "/communautes", Access: web.SignedIn, Handler: h.create},
		web.Route{Method: "GET", Pattern: "/communautes/{slug}", Access: web.Public, Sample: slug, Handler: h.show},
		web.Route{Method: "GET", Pattern: "/communautes/{slug}/modifier", Access: web.SignedIn, Owner: true, Sample: slug + "/modifier", Handler: h.editForm},
		web.Route{Method: "POST", Pattern: "/communautes/{slug}/modifier", Access: web.SignedIn, Owner: true, Sample: slug + "/modifier", Handler: h.update},
		web.Route{Method: "POST", Pattern: "/communautes/{slug}/supprimer", Access: web.Moderator, Sample: "/communautes/inexistante/supprimer", Handler: h.delete},
		web.Route{Method: "POST", Pattern: "/communautes/{slug}/etape", Access: web.SignedIn, Owner: true, Sample: slug + "/etape", Handler: h.setStage},
		web.Route{Method: "POST", Pattern: "/communautes/{slug}/journal", Access: web.SignedIn, Owner: true, Sample: slug + "/journal", Handler: h.addJournal},
		web.Route{Method: "POST", Pattern: "/communautes/{slug}/besoins", Access: web.SignedIn, Owner: true, Sample: slug + "/besoins", Handler: h.addNeed},
		web.Route{Method: "POST", Pattern: "/communautes/{slug}/besoins/{id}/fermer", Access: web.SignedIn, Owner: true, Sample: slug + "/besoins/999999/fermer", Handler: h.closeNeed},
		web.Route{Method: "POST", Pattern: "/communautes/{slug}/accompagnements", Access: web.Moderator, Sample: slug + "/accompagnements", Handler: h.addAccompaniment},
		web.Route{Method: "GET", Pattern: "/communautes/{slug}/projets/nouveau", Access: web.SignedIn, Owner: true, Sample: slug + "/projets/nouveau", Handler: h.newProjectForm},
		web.Route{Method: "POST", Pattern: "/communautes/{slug}/projets", Access: web.SignedIn, Owner: true, Sample: slug + "/projets", Handler: h.createProject},
		web.Route{Method: "GET", Pattern: "/communautes/{slug}/projets/{id}/modifier", Access: web.SignedIn, Owner: true, Sample: slug + "/projets/1/modifier", Handler: h.editProjectForm},
		web.Route{Method: "POST", Pattern: "/communautes/{slug}/projets/{id}/modifier", Access: web.SignedIn, Owner: true, Sample: slug + "/projets/1/modifier", Handler: h.updateProject},
		web.Route{Method: "POST", Pattern: "/communautes/{slug}/projets/{id}/supprimer", Access: web.SignedIn, Owner: true, Sample: slug + "/projets/999999/supprimer", Handler: h.deleteProject},
		web.Route{Method: "POST", Pattern: "/communautes/{slug}/gestionnaires", Access: web.Admin, Sample: slug + "/gestionnaires", Handler: h.addManager},
		web.Route{Method: "POST", Pattern: "/communautes/{slug}/gestionnaires/{id}/retirer", Access: web.Admin, Sample: slug + "/gestionnaires/999999/retirer", Handler: h.removeManager},
		web.Route{Method: "GET", Pattern: "/admin/observatoire/import", Access: web.Admin, Handler: h.importForm},
		web.Route{Method: "POST", Pattern: "/admin/observatoire/import", Access: web.Admin, MaxBody: MaxImportBytes + 1<<20, Handler: h.importUpload},
		web.Route{Method: "GET", Pattern: "/communities.csv", Access: web.Public, Handler: h.communitiesCSV},
		web.Route{Method: "GET", Pattern: "/projects.csv", Access: web.Public, Handler: h.projectsCSV},
		web.Route{Method: "GET", Pattern: "/communities.geojson", Access: web.Public, Handler: h.geojson},

		web.Route{Method: "GET", Pattern: "/api/v1/communities", Access: web.Public, Handler: h.apiList},
		web.Route{Method: "POST", Pattern: "/api/v1/communities", Access: web.SignedIn, Handler: h.apiCreate},
		web.Route{Method: "GET", Pattern: "/api/v1/communities/{slug}", Access: web.Public, Sample: apiSlug, Handler: h.apiGet},
		web.Route{Method: "PUT", Pattern: "/api/v1/communities/{slug}", Access: web.SignedIn, Owner: true, Sample: apiSlug, Handler: h.apiUpdate},
		web.Route{Method: "POST", Pattern: "/api/v1/communities/{slug}/projects", Access: web.SignedIn, Owner: true, Sample: apiSlug + "/projects", Handler: h.apiAddProject},
		web.Route{Method: "PUT", Pattern: "/api/v1/communities/{slug}/projects/{id}", Access: web.SignedIn, Owner: true, Sample: apiSlug + "/projects/999999", Handler: h.apiUpdateProject},
		web.Route{Method: "DELETE", Pattern: "/api/v1/communities/{slug}/projects/{id}", Access: web.SignedIn, Owner: true, Sample: apiSlug + "/projects/999999", Handler: h.apiDeleteProject},
		web.Route{Method: "POST", Pattern: "/api/v1/communities/{slug}/stage", Access: web.SignedIn, Owner: true, Sample: apiSlug + "/stage", Handler: h.apiSetStage},
		web.Route{Method: "POST", Pattern: "/api/v1/communities/{slug}/journal", Access: web.SignedIn, Owner: true, Sample: apiSlug + "/journal", Handler: h.apiAddJournal},
		web.Route{Method: "POST", Pattern: "/api/v1/communities/{slug}/needs", Access: web.SignedIn, Owner: true, Sample: apiSlug + "/needs", Handler: h.apiAddNeed},
		web.Route{Method: "POST", Pattern: "/api/v1/communities/{slug}/needs/{id}/close", Access: web.SignedIn, Owner: true, Sample: apiSlug + "/needs/999999/close", Handler: h.apiCloseNeed},
		web.Route{Method: "POST", Pattern: "/api/v1/communities/{slug}/accompaniments", Access: web.Moderator, Sample: apiSlug + "/accompaniments", Handler: h.apiAddAccompaniment},
		web.Route{Method: "GET", Pattern: "/api/v1/communities/{slug}/managers", Access: web.SignedIn, Owner: true, Sample: apiSlug + "/managers", Handler: h.apiManagers},
		web.Route{Method: "POST", Pattern: "/api/v1/communities/{slug}/managers", Access: web.Admin, Sample: apiSlug + "/managers", Handler: h.apiAddManager},
		web.Route{Method: "DELETE", Pattern: "/api/v1/communities/{slug}/managers/{id}", Access: web.Admin, Sample: apiSlug + "/managers/999999", Handler: h.apiRemoveManager},
		web.Route{Method: "GET", Pattern: "/api/v1/observatory/stats", Access: web.Public, Sample: "/api/v1/observatory/stats?territory=epci:246900740", Handler: h.apiStats},
		web.Route{Method: "POST", Pattern: "/api/v1/observatory/import", Access: web.Admin, MaxBody: MaxImportBytes + 1<<20, Handler: h.apiImport},
	)
	return h
}

func lang(r *http.Request) string { return web.Lang(r.Context()) }

func tr(r *http.Request, fr, en string) string { return i18n.T(fr, en).In(lang(r)) }

func parseForm(r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return errs.Wrap(errs.Invalid, err, "Formulaire illisible.", "Unreadable form.")
	}
	return nil
}

func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errs.New(errs.NotFound, "Numéro inconnu.", "Unknown number.")
	}
	return id, nil
}

// assetExists reports whether a static file is embedded (vendored
// libraries may be absent from a trimmed build).
func assetExists(name string) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	web.AssetURL(name)
	return true
}

// ---- Lists and filters

type terrOption struct {
	Code, Name string
}

type filterOptions struct {
	Regions      []terrOption
	Departements []terrOption
	LegalForms   []Option
	EUStatuses   []Option
	Stages       []Option
	Technologies []Option
	Activities   []Option
	Sorts        []Option
}

func (h *Handlers) options() filterOptions {
	o := filterOptions{LegalForms: LegalForms.Options(), EUStatuses: EUStatuses.Options(), Stages: Stages.Options(),
		Technologies: Technologies.Options(), Activities: Activities.Options(), Sorts: Sorts}
	for _, rc := range RegionCodes {
		if t, ok := h.svc.terr.Get(territory.Region, rc); ok {
			o.Regions = append(o.Regions, terrOption{t.Code, t.Name})
			for _, d := range h.svc.terr.Children(territory.Region, rc) {
				o.Departements = append(o.Departements, terrOption{d.Code, d.Code + " — " + d.Name})
			}
		}
	}
	// Départements by code (01, 02 … 2A, 2B … 976).
	for i := 1; i < len(o.Departements); i++ {
		for j := i; j > 0 && o.Departements[j].Code < o.Departements[j-1].Code; j-- {
			o.Departements[j], o.Departements[j-1] = o.Departements[j-1], o.Departements[j]
		}
	}
	return o
}

type pagerView struct {
	Prev, Next           string
	PrevLabel, NextLabel string
	Label                string
}

func pager(r *http.Request, base string, v url.Values, page, limit, total int) pagerView {
	pages := max(1, (total+limit-1)/limit)
	p := pagerView{PrevLabel: tr(r, "Page précédente", "Previous page"), NextLabel: tr(r, "Page suivante", "Next page"),
		Label: fmt.Sprintf(tr(r, "Page %d sur %d", "Page %d of %d"), page, pages)}
	link := func(n int) string {
		q := url.Values{}
		for k, vs := range v {
			q[k] = vs
		}
		if n > 1 {
			q.Set("page", strconv.Itoa(n))
		}
		if len(q) == 0 {
			return base
		}
		return base + "?" + q.Encode()
	}
	if page > 1 {
		p.Prev = link(page - 1)
	}
	if page < pages {
		p.Next = link(page + 1)
	}
	return p
}

type listView struct {
	Filter        Filter
	Territory     *territory.Territory
	TerritoryKind i18n.Text
	TerritoryText string
	Items         []Community
	Total         int
	Pager         pagerView
	Options       filterOptions
	Query         template.URL // already encoded query parameters
	Map           template.HTML
	MapPoints     int
	MapOverseas   int
	MapTruncated  bool
	Departements  []AreaStat
	GeoJSONURL    string
	TileURL       string
	Attribution   string
	Errors        []string
	Invalid       map[string]bool
	Mine          []Community
	CanCreate     bool
}

// filterTerritory is the most precise territory a filter names.
func (h *Handlers) filterTerritory(f Filter) *territory.Territory {
	for _, c := range []struct {
		k territory.Kind
		v string
	}{{territory.Commune, f.Commune}, {territory.EPCI, f.EPCI}, {territory.Departement, f.Departement}, {territory.Region, f.Region}} {
		if c.v != "" {
			if t, ok := h.svc.terr.Get(c.k, c.v); ok {
				return &t
			}
		}
	}
	return nil
}

// resolveTerritoryText turns a name typed in the territory field into
// KIND:CODE, using the referential's search; ok is false when nothing matches.
func (h *Handlers) resolveTerritoryText(s string) (string, bool) {
	if _, err := ParseTerritory(h.svc.terr, s); err == nil {
		return s, true
	}
	m := h.svc.terr.Search(s, "", 1)
	if len(m) == 0 {
		return "", false
	}
	return string(m[0].Territory.Kind) + ":" + m[0].Territory.Code, true
}

// tileAttribution credits the map tiles: OpenStreetMap by default.
func tileAttribution(tileURL string) string {
	if strings.Contains(tileURL, "openstreetmap.org") {
		return `© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>`
	}
	if u, err := url.Parse(strings.ReplaceAll(tileURL, "{s}", "a")); err == nil && u.Host != "" {
		return template.HTMLEscapeString(u.Host)
	}
	return ""
}

func (h *Handlers) list(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	// A name typed in the territory field is resolved once, then the
	// address holds KIND:CODE so it can be shared.
	if t := strings.TrimSpace(q.Get("territoire")); t != "" && !strings.Contains(t, ":") {
		if canon, ok := h.resolveTerritoryText(t); ok {
			q.Set("territoire", canon)
			return web.Redirect(w, r, "/communautes?"+q.Encode())
		}
	}
	v := listView{Options: h.options(), TileURL: h.srv.Config().TileURL}
	v.Attribution = tileAttribution(v.TileURL)
	f, err := ParseFilter(h.svc.terr, q, PageSize, 100)
	status := http.StatusOK
	if err != nil {
		if !errs.Is(err, errs.Invalid) {
			return err
		}
		v.Errors, v.Invalid = web.FormErrors(lang(r), err)
		status = http.StatusUnprocessableEntity
		f = Filter{Sort: "name", Page: 1, Limit: PageSize}
	}
	v.Filter = f
	v.Territory = h.filterTerritory(f)
	if v.Territory != nil {
		v.TerritoryKind = v.Territory.Kind.Label()
	}
	v.TerritoryText = q.Get("territoire")
	if v.TerritoryText == "" {
		v.TerritoryText = q.Get("territory")
	}
	// Without the territory field, a commune or EPCI given as its own
	// parameter shows in the field so the form keeps it.
	if v.TerritoryText == "" && f.Commune != "" {
		v.TerritoryText = "commune:" + f.Commune
	} else if v.TerritoryText == "" && f.EPCI != "" {
		v.TerritoryText = "epci:" + f.EPCI
	}
	items, total, err := h.svc.List(r.Context(), f)
	if err != nil {
		return err
	}
	v.Items, v.Total = items, total
	fv := f.Values()
	query := fv.Encode()
	v.Query = template.URL(query)
	v.Pager = pager(r, "/communautes", fv, f.Page, f.Limit, total)
	v.GeoJSONURL = "/communities.geojson"
	if query != "" {
		v.GeoJSONURL += "?" + query
	}
	if err := h.listMap(r, &v); err != nil {
		return err
	}
	if id := web.CurrentUser(r.Context()); id != nil {
		v.CanCreate = true
		if v.Mine, err = h.svc.ManagedBy(r.Context(), id.UserID); err != nil {
			return err
		}
	}
	l := lang(r)
	p := &web.Page{Title: i18n.T("Communautés énergétiques", "Energy communities").In(l), Data: v,
		Description: i18n.T("Annuaire des communautés énergétiques : recherche, filtres par territoire, forme juridique, statut, étape, technologie et activité, carte.",
			"Directory of energy communities: search, filters by territory, legal form, status, stage, technology and activity, map.").In(l),
		Styles:  []string{"css/observatory.css"},
		Scripts: []string{"js/observatory-map.js"},
		Alternates: []web.Alternate{{Type: "text/csv", Href: "/communities.csv?" + query, Title: "CSV"},
			{Type: "application/geo+json", Href: v.GeoJSONURL, Title: "GeoJSON"},
			{Type: "application/json", Href: "/api/v1/communities?" + query, Title: "JSON"}},
		Crumbs: []web.Crumb{{Href: "/observatoire", Label: i18n.T("Observatoire", "Observatory").In(l)}, {Label: i18n.T("Communautés", "Communities").In(l)}}}
	if assetExists("vendor/leaflet/leaflet.js") {
		p.Scripts = []string{"vendor/leaflet/leaflet.js", "js/observatory-map.js"}
		p.Styles = []string{"vendor/leaflet/leaflet.css", "css/observatory.css"}
	}
	return h.tmpl.Render(w, r, status, "communities", p)
}

// listMap draws the offline map of a filtered list: départements shaded by
// the number of matching communities, one point per community.
func (h *Handlers) listMap(r *http.Request, v *listView) error {
	pts, err := h.svc.Points(r.Context(), v.Filter, MapPointsLimit+1)
	if err != nil {
		return err
	}
	if len(pts) > MapPointsLimit {
		pts, v.MapTruncated = pts[:MapPointsLimit], true
	}
	counts := map[string]float64{}
	var mp []MapPoint
	for _, p := range pts {
		counts[p.Departement]++
		if p.Lat < 41 {
			v.MapOverseas++
		}
		mp = append(mp, MapPoint{Lat: p.Lat, Lon: p.Lon, Label: p.Name + " (" + p.CommuneName + ")", Href: "/communautes/" + p.Slug})
	}
	v.MapPoints = len(pts)
	var scope []string
	if v.Territory != nil {
		scope = h.scopeDepartements(v.Territory)
	}
	c := &Choropleth{ID: "carte-communautes", Title: tr(r, "Carte des communautés de la liste", "Map of the communities in the list"),
		LegendTitle: tr(r, "Communautés par département", "Communities per département"), Values: counts, Scope: scope, Lang: lang(r),
		Points: mp, MaxLinkedPoints: 200}
	var b strings.Builder
	if err := c.Render(&b, h.svc.terr); err != nil {
		return err
	}
	v.Map = template.HTML(b.String())
	for code, n := range counts {
		a := AreaStat{Kind: "departement", Code: code, Name: code, Communities: int(n)}
		if t, ok := h.svc.terr.Get(territory.Departement, code); ok {
			a.Name = t.Name
		}
		v.Departements = append(v.Departements, a)
	}
	sortAreasByCode(v.Departements)
	return nil
}

func sortAreasByCode(a []AreaStat) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j].Code < a[j-1].Code; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

// scopeDepartements lists the metropolitan départements a map zooms on.
func (h *Handlers) scopeDepartements(t *territory.Territory) []string {
	switch t.Kind {
	case territory.Region:
		var out []string
		for _, d := range h.svc.terr.Children(territory.Region, t.Code) {
			out = append(out, d.Code)
		}
		return out
	case territory.Departement:
		return []string{t.Code}
	default:
		seen := map[string]bool{}
		var out []string
		for _, c := range h.svc.terr.Communes(t.Kind, t.Code) {
			if ct, ok := h.svc.terr.Get(territory.Commune, c); ok && !seen[ct.Departement] {
				seen[ct.Departement] = true
				out = append(out, ct.Departement)
			}
		}
		return out
	}
}

// ---- One community

type communityView struct {
	C              Community
	Projects       []Project
	History        []StageChange
	Journal        []JournalEntry
	Needs          []Need
	Accompaniments []Accompaniment
	Managers       []Manager
	CanEdit        bool
	IsModerator    bool
	IsAdmin        bool
	Today          string
	Stages         []Option
	Errors         []string
	Invalid        map[string]bool
	Form           string // which form on the page the errors belong to
	Input          map[string]string
	APIURL         string
	MembersTotal   int
}

func (h *Handlers) show(w http.ResponseWriter, r *http.Request) error {
	return h.renderCommunity(w, r, http.StatusOK, r.PathValue("slug"), nil, "", nil)
}

func (h *Handlers) renderCommunity(w http.ResponseWriter, r *http.Request, status int, slug string, formErr error, form string, input map[string]string) error {
	ctx := r.Context()
	id := web.CurrentUser(ctx)
	c, err := h.svc.Community(ctx, slug)
	if err != nil {
		return err
	}
	v := communityView{C: c, Stages: Stages.Options(), Today: time.Now().In(web.Paris).Format("2006-01-02"), Form: form, Input: input,
		APIURL: "/api/v1/communities/" + c.Slug, MembersTotal: c.Members.Total(), IsModerator: id.IsModerator(), IsAdmin: id.IsAdmin()}
	if v.Input == nil {
		v.Input = map[string]string{}
	}
	if formErr != nil {
		v.Errors, v.Invalid = web.FormErrors(lang(r), formErr)
	}
	if v.CanEdit, err = h.svc.CanEdit(ctx, id, c.ID); err != nil {
		return err
	}
	if v.CanEdit {
		// Editors see the private contact fields too.
		if v.C, err = h.svc.CommunityForEditor(ctx, id, slug); err != nil {
			return err
		}
		if v.Managers, err = h.svc.Managers(ctx, c.ID); err != nil {
			return err
		}
	}
	if v.Projects, err = h.svc.Projects(ctx, c.ID); err != nil {
		return err
	}
	if v.History, err = h.svc.StageHistory(ctx, c.ID); err != nil {
		return err
	}
	if v.Journal, err = h.svc.Journal(ctx, c.ID); err != nil {
		return err
	}
	if v.Needs, err = h.svc.Needs(ctx, c.ID); err != nil {
		return err
	}
	if v.Accompaniments, err = h.svc.Accompaniments(ctx, c.ID); err != nil {
		return err
	}
	l := lang(r)
	ld, err := h.jsonLD(c)
	if err != nil {
		return err
	}
	p := &web.Page{Title: c.Name, Data: v, JSONLD: ld, Styles: []string{"css/observatory.css"},
		Description: fmt.Sprintf("%s — %s, %s (%s)", c.Name, c.LegalFormLabel().In(l), c.Place.CommuneName, c.Place.DepartementName),
		Alternates:  []web.Alternate{{Type: "application/json", Href: v.APIURL, Title: "JSON"}},
		Crumbs: []web.Crumb{{Href: "/observatoire", Label: i18n.T("Observatoire", "Observatory").In(l)},
			{Href: "/communautes", Label: i18n.T("Communautés", "Communities").In(l)}, {Label: c.Name}}}
	return h.tmpl.Render(w, r, status, "community", p)
}

// jsonLD describes the community as a schema.org Organization (public
// fields only: c is the public view).
func (h *Handlers) jsonLD(c Community) (template.JS, error) {
	base := h.srv.Config().BaseURL
	org := map[string]any{
		"@context": "https://schema.org", "@type": "Organization", "@id": base + "/communautes/" + c.Slug,
		"name": c.Name, "url": base + "/communautes/" + c.Slug,
		"address": map[string]any{"@type": "PostalAddress", "addressLocality": c.Place.CommuneName, "addressRegion": c.Place.RegionName, "addressCountry": "FR"},
		"location": map[string]any{"@type": "Place", "name": c.Place.CommuneName,
			"geo": map[string]any{"@type": "GeoCoordinates", "latitude": round5(c.Place.Lat), "longitude": round5(c.Place.Lon)}},
		"areaServed": map[string]any{"@type": "AdministrativeArea", "name": c.Place.CommuneName, "identifier": c.Place.Commune},
	}
	if c.Description != "" {
		org["description"] = c.Description
	}
	if c.FoundingYear > 0 {
		org["foundingDate"] = strconv.Itoa(c.FoundingYear)
	}
	if c.Website != "" {
		org["sameAs"] = c.Website
	}
	if c.Contact.Email != "" && !c.Contact.EmailPrivate {
		org["email"] = c.Contact.Email
	}
	if c.Contact.Phone != "" && !c.Contact.PhonePrivate {
		org["telephone"] = c.Contact.Phone
	}
	if c.Label != "" {
		org["award"] = c.Label
	}
	org["additionalType"] = LegalForms.Label(c.LegalForm).FR
	b, err := json.Marshal(org)
	if err != nil {
		return "", err
	}
	// json.Marshal escapes <, > and & so the block cannot close the script element.
	return template.JS(b), nil
}
