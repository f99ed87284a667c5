// Package site serves the shell's own pages: home, about and licences,
// language switch, territory pages and API, health, readiness and metrics.
package site

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"html/template"
	"net/http"
	"sort"
	"sync"

	"github.com/fabrique-des-energies/fabrique/internal/platform/db"
	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/i18n"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
	"github.com/fabrique-des-energies/fabrique/internal/territory"
)

//go:embed templates openapi.json
var files embed.FS

// LangSetter remembers a signed-in user's language.
type LangSetter interface {
	SetLang(ctx context.Context, userID int64, lang string) error
}

// Section is a block another capability adds to a territory page.
type Section struct {
	ID    string
	Title string
	HTML  template.HTML
}

// SectionFunc renders a capability's section for a territory; it returns
// nil when it has nothing to show there.
type SectionFunc func(r *http.Request, t territory.Territory) (*Section, error)

// HomeBlock is a block a capability adds to the home page.
type HomeBlock func(r *http.Request) (*Section, error)

// Site holds the shell pages.
type Site struct {
	srv   *web.Server
	db    *db.DB
	terr  *territory.Referential
	langs LangSetter
	tmpl  *web.Templates

	mu         sync.Mutex
	sections   []SectionFunc
	homeBlocks []HomeBlock
}

// New builds the site pages.
func New(srv *web.Server, store *db.DB, terr *territory.Referential, langs LangSetter) *Site {
	return &Site{srv: srv, db: store, terr: terr, langs: langs, tmpl: srv.Templates(files, "templates/*.html")}
}

// AddTerritorySection lets a capability add a section to territory pages.
func (s *Site) AddTerritorySection(f SectionFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sections = append(s.sections, f)
}

// AddHomeBlock lets a capability add a block to the home page.
func (s *Site) AddHomeBlock(f HomeBlock) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.homeBlocks = append(s.homeBlocks, f)
}

// OpenAPI is the fragment describing the territory API.
func OpenAPI() []byte {
	b, _ := files.ReadFile("openapi.json")
	return b
}

// Mount registers the shell routes and navigation.
func (s *Site) Mount() {
	s.srv.AddNav(
		web.NavItem{Path: "/", Label: i18n.T("Accueil", "Home"), Order: 0},
		web.NavItem{Path: "/territoires", Label: i18n.T("Territoires", "Territories"), Order: 60},
		// Capabilities to come: their place in the navigation is kept, and
		// their page says honestly that they are being prepared.
		web.NavItem{Path: "/coalitions", Label: i18n.T("Coalitions", "Coalitions"), Order: 30},
		web.NavItem{Path: "/dialogue", Label: i18n.T("Dialogue", "Dialogue"), Order: 40},
	)
	s.srv.Handle(
		web.Route{Method: "GET", Pattern: "/{$}", Access: web.Public, Sample: "/", Handler: s.home},
		web.Route{Method: "GET", Pattern: "/a-propos", Access: web.Public, Handler: s.about},
		web.Route{Method: "POST", Pattern: "/langue", Access: web.Public, Handler: s.setLang},
		web.Route{Method: "GET", Pattern: "/territoires", Access: web.Public, Handler: s.territorySearch},
		web.Route{Method: "GET", Pattern: "/territoires/{kind}/{code}", Access: web.Public, Sample: "/territoires/commune/29039", Handler: s.territoryPage},
		web.Route{Method: "GET", Pattern: "/api/v1/territories", Access: web.Public, Sample: "/api/v1/territories?q=concarneau", Handler: s.apiSearch},
		web.Route{Method: "GET", Pattern: "/api/v1/territories/{kind}/{code}", Access: web.Public, Sample: "/api/v1/territories/commune/66150", Handler: s.apiTerritory},
		web.Route{Method: "GET", Pattern: "/coalitions", Access: web.Public, Handler: s.upcoming(upcomingCoalitions)},
		web.Route{Method: "GET", Pattern: "/dialogue", Access: web.Public, Handler: s.upcoming(upcomingDialogue)},
		web.Route{Method: "GET", Pattern: "/healthz", Access: web.Public, Handler: s.healthz},
		web.Route{Method: "GET", Pattern: "/readyz", Access: web.Public, Handler: s.readyz},
		// Metrics are public like the rest of the operational endpoints;
		// they hold counts per route pattern, no personal data.
		web.Route{Method: "GET", Pattern: "/metrics", Access: web.Public, Handler: s.metrics},
		web.Route{Method: "GET", Pattern: "/robots.txt", Access: web.Public, Handler: s.robots},
		s.srv.StaticRoute(),
		// Everything else is a 404 page in the visitor's language.
		web.Route{Method: "GET", Pattern: "/", Access: web.Public, Sample: "/cette-page-n-existe-pas", Handler: s.notFound},
	)
	s.srv.Metrics().AddGauges(s.dbGauges)
}

// upcomingView presents a capability that is not open yet.
type upcomingView struct {
	Title, Lead i18n.Text
	Links       []web.NavItem
}

var upcomingCoalitions = upcomingView{
	Title: i18n.T("Coalitions, défis et événements", "Coalitions, challenges and events"),
	Lead: i18n.T("Les territoires y publieront leurs défis, les acteurs y formeront des coalitions, et les résidences, séminaires et ateliers y seront consignés comme ressources.",
		"Territories will post their challenges here, actors will form coalitions, and residencies, seminars and workshops will be recorded as resources."),
	Links: []web.NavItem{
		{Path: "/ressources", Label: i18n.T("Les ressources communes, dont les comptes rendus de résidences et de séminaires", "The shared resources, including reports of residencies and seminars")},
		{Path: "/observatoire", Label: i18n.T("L'observatoire des communautés énergétiques et de leur accompagnement", "The observatory of energy communities and their accompaniment")},
	},
}

var upcomingDialogue = upcomingView{
	Title: i18n.T("Enquêtes et dialogue territorial", "Surveys and territorial dialogue"),
	Lead: i18n.T("Enquêtes et consultations structurées, y compris avec les personnes opposées aux projets d'énergies renouvelables.",
		"Surveys and structured consultations, including with people opposed to renewable energy projects."),
	Links: []web.NavItem{
		{Path: "/ressources?theme=dialogue-enr", Label: i18n.T("Les ressources sur la mise en dialogue des oppositions aux EnR", "Resources on dialogue with opponents of renewable energy")},
		{Path: "/communautes", Label: i18n.T("Les communautés énergétiques près de chez vous", "Energy communities near you")},
	},
}

func (s *Site) upcoming(v upcomingView) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		return s.tmpl.Render(w, r, http.StatusOK, "upcoming", &web.Page{Title: v.Title.In(web.Lang(r.Context())), Data: v})
	}
}

func (s *Site) notFound(w http.ResponseWriter, r *http.Request) error {
	return errs.New(errs.NotFound, "Cette page n'existe pas ou plus. Vérifiez l'adresse, ou partez de l'accueil.",
		"This page does not exist (any more). Check the address, or start from the home page.")
}

type homeView struct {
	Pilots []territory.Territory
	Blocks []*Section
}

func (s *Site) home(w http.ResponseWriter, r *http.Request) error {
	v := homeView{}
	for _, code := range []string{"29039", "69141", "66150"} {
		if t, ok := s.terr.Get(territory.Commune, code); ok {
			v.Pilots = append(v.Pilots, t)
		}
	}
	s.mu.Lock()
	blocks := append([]HomeBlock(nil), s.homeBlocks...)
	s.mu.Unlock()
	for _, b := range blocks {
		sec, err := b(r)
		if err != nil {
			return err
		}
		if sec != nil {
			v.Blocks = append(v.Blocks, sec)
		}
	}
	lang := web.Lang(r.Context())
	return s.tmpl.Render(w, r, http.StatusOK, "home", &web.Page{
		Title:       i18n.T("Accueil", "Home").In(lang),
		Description: i18n.T("La Fabrique des Énergies aide citoyens, territoires et organisations à former des communautés énergétiques.", "The Fabrique des Énergies helps citizens, territories and organisations form energy communities.").In(lang),
		Data:        v,
	})
}

// Source is one third-party package shown on the licences page.
type Source struct {
	Package, Version, Licence, Attribution, Homepage, Use string
}

type aboutView struct {
	Data    []territory.Source
	Vendor  []territory.Source
	Modules []Source
}

//go:embed dependencies.json
var dependenciesJSON []byte

func (s *Site) about(w http.ResponseWriter, r *http.Request) error {
	v := aboutView{}
	var err error
	if v.Data, err = territory.Sources(); err != nil {
		return err
	}
	if b, err := web.VendorSources(); err == nil {
		if err := json.Unmarshal(b, &v.Vendor); err != nil {
			return err
		}
	}
	if err := json.Unmarshal(dependenciesJSON, &v.Modules); err != nil {
		return err
	}
	return s.tmpl.Render(w, r, http.StatusOK, "about", &web.Page{
		Title: i18n.T("À propos et licences", "About and licences").In(web.Lang(r.Context())), Data: v})
}

func (s *Site) setLang(w http.ResponseWriter, r *http.Request) error {
	lang := i18n.Normalize(r.PostFormValue("lang"))
	if lang == "" {
		return errs.Field("lang", "Langue inconnue : choisissez fr ou en.", "Unknown language: choose fr or en.")
	}
	http.SetCookie(w, &http.Cookie{Name: i18n.CookieName, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode, HttpOnly: true})
	if id := web.CurrentUser(r.Context()); id != nil && s.langs != nil {
		if err := s.langs.SetLang(r.Context(), id.UserID, lang); err != nil {
			return err
		}
	}
	return web.Redirect(w, r, web.SafeNext(r.PostFormValue("suivant"), "/"))
}

func (s *Site) healthz(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, err := w.Write([]byte("ok\n"))
	return err
}

func (s *Site) readyz(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.db.Ping(r.Context()); err != nil {
		s.srv.Logger().ErrorContext(r.Context(), "readiness: database unreachable", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("database unreachable\n"))
		return nil
	}
	_, err := w.Write([]byte("ready\n"))
	return err
}

func (s *Site) metrics(w http.ResponseWriter, r *http.Request) error {
	s.srv.Metrics().ServeHTTP(w, r)
	return nil
}

func (s *Site) robots(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, err := w.Write([]byte("User-agent: *\nDisallow: /compte\nDisallow: /admin\nDisallow: /mes-donnees\n"))
	return err
}

func (s *Site) dbGauges() []web.Gauge {
	var out []web.Gauge
	pools := map[string]*dbStats{"write": statsOf(s.db.W)}
	if s.db.R != s.db.W {
		pools["read"] = statsOf(s.db.R)
	}
	names := make([]string, 0, len(pools))
	for n := range pools {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		st := pools[n]
		lbl := map[string]string{"pool": n, "dialect": string(s.db.Dialect)}
		out = append(out,
			web.Gauge{Name: "fabrique_db_open_connections", Help: "Open database connections per pool.", Labels: lbl, Value: float64(st.open)},
			web.Gauge{Name: "fabrique_db_in_use_connections", Help: "Database connections in use per pool.", Labels: lbl, Value: float64(st.inUse)},
			web.Gauge{Name: "fabrique_db_idle_connections", Help: "Idle database connections per pool.", Labels: lbl, Value: float64(st.idle)},
			web.Gauge{Name: "fabrique_db_wait_count", Help: "Total waits for a database connection per pool.", Labels: lbl, Value: float64(st.waitCount)},
			web.Gauge{Name: "fabrique_db_wait_seconds", Help: "Total time waited for a database connection per pool.", Labels: lbl, Value: st.waitSeconds},
		)
	}
	return out
}

type dbStats struct {
	open, inUse, idle int
	waitCount         int64
	waitSeconds       float64
}

func statsOf(p *sql.DB) *dbStats {
	st := p.Stats()
	return &dbStats{open: st.OpenConnections, inUse: st.InUse, idle: st.Idle, waitCount: st.WaitCount, waitSeconds: st.WaitDuration.Seconds()}
}
