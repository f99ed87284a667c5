package acc

import (
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/acc/sim"
	"github.com/fabrique-des-energies/fabrique/internal/energy"
	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/i18n"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
	"github.com/fabrique-des-energies/fabrique/internal/site"
	"github.com/fabrique-des-energies/fabrique/internal/territory"
)

//go:embed templates/*.html openapi.json
var files embed.FS

// OpenAPI is the fragment describing the collective self-consumption API.
func OpenAPI() []byte {
	b, _ := files.ReadFile("openapi.json")
	return b
}

// Handlers are the pages and API of the capability.
type Handlers struct {
	svc    *Service
	srv    *web.Server
	tmpl   *web.Templates
	runner *sim.Runner
}

// Samples are concrete paths of the demo data for the route tests.
type Samples struct {
	Operation int64
	Month     string // "2024-06"
}

// Locator returns the simulator's commune lookup on a referential.
func Locator(terr *territory.Referential) sim.Locator {
	return func(code string) (float64, float64, string, bool) {
		t, ok := terr.Get(territory.Commune, code)
		if !ok || !t.Located() {
			return 0, 0, "", false
		}
		return t.Lat, t.Lon, t.Name, true
	}
}

// Mount registers the routes and the navigation entry.
func (s *Service) Mount(srv *web.Server, samples Samples) *Handlers {
	h := &Handlers{svc: s, srv: srv, tmpl: srv.Templates(files, "templates/*.html"), runner: sim.NewRunner(Locator(s.terr), 0, 0)}
	srv.AddNav(web.NavItem{Path: "/autoconsommation", Label: i18n.T("Autoconsommation", "Self-consumption"), Order: 55})
	op := "/autoconsommation/operations/" + strconv.FormatInt(samples.Operation, 10)
	// Destructive samples point at an operation that does not exist, so the
	// route test (which posts empty forms) cannot erase the demo.
	gone := "/autoconsommation/operations/999999"
	apiOp := "/api/v1/acc/operations/" + strconv.FormatInt(samples.Operation, 10)
	apiGone := "/api/v1/acc/operations/999999"
	srv.Handle(
		web.Route{Method: "GET", Pattern: "/autoconsommation", Access: web.Public, Handler: h.home},
		web.Route{Method: "GET", Pattern: "/autoconsommation/regles", Access: web.Public, Handler: h.rules},
		web.Route{Method: "GET", Pattern: "/simulateur", Access: web.Public, Handler: h.simulator},
		web.Route{Method: "GET", Pattern: "/simulateur/resultats.csv", Access: web.Public, Handler: h.simulatorCSV},
		web.Route{Method: "GET", Pattern: "/autoconsommation/operations/nouvelle", Access: web.SignedIn, Handler: h.newForm},
		web.Route{Method: "POST", Pattern: "/autoconsommation/operations", Access: web.SignedIn, Handler: h.create},
		web.Route{Method: "GET", Pattern: "/autoconsommation/operations/{id}", Access: web.SignedIn, Owner: true, Household: true, Sample: op, Handler: h.dashboard},
		web.Route{Method: "GET", Pattern: "/autoconsommation/operations/{id}/modifier", Access: web.SignedIn, Owner: true, Sample: op + "/modifier", Handler: h.editForm},
		web.Route{Method: "POST", Pattern: "/autoconsommation/operations/{id}/modifier", Access: web.SignedIn, Owner: true, Sample: gone + "/modifier", Handler: h.update},
		web.Route{Method: "POST", Pattern: "/autoconsommation/operations/{id}/supprimer", Access: web.SignedIn, Owner: true, Sample: gone + "/supprimer", Handler: h.delete},
		web.Route{Method: "GET", Pattern: "/autoconsommation/operations/{id}/donnees", Access: web.SignedIn, Owner: true, Sample: op + "/donnees", Handler: h.dataPage},
		web.Route{Method: "POST", Pattern: "/autoconsommation/operations/{id}/donnees", Access: web.SignedIn, Owner: true, MaxBody: MaxUpload + 1<<20, Sample: gone + "/donnees", Handler: h.upload},
		web.Route{Method: "POST", Pattern: "/autoconsommation/operations/{id}/donnees/effacer", Access: web.SignedIn, Owner: true, Sample: gone + "/donnees/effacer", Handler: h.clear},
		web.Route{Method: "GET", Pattern: "/autoconsommation/operations/{id}/releves.csv", Access: web.SignedIn, Owner: true, Household: true, Sample: op + "/releves.csv", Handler: h.statementsCSV},
		web.Route{Method: "GET", Pattern: "/autoconsommation/operations/{id}/releves/{month}", Access: web.SignedIn, Owner: true, Household: true, Sample: op + "/releves/" + samples.Month, Handler: h.statement},
		web.Route{Method: "GET", Pattern: "/autoconsommation/operations/{id}/releves/{month}/csv", Access: web.SignedIn, Owner: true, Household: true, Sample: op + "/releves/" + samples.Month + "/csv", Handler: h.statementCSV},

		web.Route{Method: "GET", Pattern: "/api/v1/acc/rules", Access: web.Public, Handler: h.apiRules},
		web.Route{Method: "POST", Pattern: "/api/v1/acc/checks", Access: web.Public, Handler: h.apiCheck},
		web.Route{Method: "GET", Pattern: "/api/v1/acc/simulations", Access: web.Public, Sample: "/api/v1/acc/simulations?commune=66150&kwc=50&profile1=household&kwh1=4500&count1=5", Handler: h.apiSimulation},
		web.Route{Method: "GET", Pattern: "/api/v1/acc/operations", Access: web.SignedIn, Handler: h.apiList},
		web.Route{Method: "POST", Pattern: "/api/v1/acc/operations", Access: web.SignedIn, Handler: h.apiCreate},
		web.Route{Method: "GET", Pattern: "/api/v1/acc/operations/{id}", Access: web.SignedIn, Owner: true, Sample: apiOp, Handler: h.apiGet},
		web.Route{Method: "PUT", Pattern: "/api/v1/acc/operations/{id}", Access: web.SignedIn, Owner: true, Sample: apiGone, Handler: h.apiUpdate},
		web.Route{Method: "DELETE", Pattern: "/api/v1/acc/operations/{id}", Access: web.SignedIn, Owner: true, Sample: apiGone, Handler: h.apiDelete},
		web.Route{Method: "GET", Pattern: "/api/v1/acc/operations/{id}/participants", Access: web.SignedIn, Owner: true, Sample: apiOp + "/participants", Handler: h.apiParticipants},
		web.Route{Method: "POST", Pattern: "/api/v1/acc/operations/{id}/data", Access: web.SignedIn, Owner: true, MaxBody: MaxUpload + 1<<20, Sample: apiGone + "/data", Handler: h.apiUpload},
		web.Route{Method: "POST", Pattern: "/api/v1/acc/operations/{id}/participants/{pid}/data", Access: web.SignedIn, Owner: true, MaxBody: MaxUpload + 1<<20, Sample: apiGone + "/participants/1/data", Handler: h.apiUploadMeter},
		web.Route{Method: "GET", Pattern: "/api/v1/acc/operations/{id}/statements", Access: web.SignedIn, Owner: true, Household: true, Sample: apiOp + "/statements", Handler: h.apiStatements},
		web.Route{Method: "GET", Pattern: "/api/v1/acc/operations/{id}/statements/{month}", Access: web.SignedIn, Owner: true, Household: true, Sample: apiOp + "/statements/" + samples.Month, Handler: h.apiStatement},
	)
	return h
}

// Runner is the simulator's runner (benchmarks use it).
func (h *Handlers) Runner() *sim.Runner { return h.runner }

func lang(r *http.Request) string { return web.Lang(r.Context()) }

func tr(r *http.Request, fr, en string) string { return i18n.T(fr, en).In(lang(r)) }

// pathID reads the {id} of a path.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errs.New(errs.NotFound, "Opération introuvable.", "Operation not found.")
	}
	return id, nil
}

// homeView is the landing page.
type homeView struct {
	Operations []OperationSummary
	Rules      RuleSet
}

func (h *Handlers) home(w http.ResponseWriter, r *http.Request) error {
	v := homeView{Rules: RulesAt(h.svc.today())}
	if who := web.CurrentUser(r.Context()); who != nil {
		var err error
		if v.Operations, err = h.svc.List(r.Context(), who); err != nil {
			return err
		}
	}
	return h.tmpl.Render(w, r, http.StatusOK, "home", &web.Page{
		Title:       tr(r, "Autoconsommation collective", "Collective self-consumption"),
		Description: tr(r, "Simuler, créer et suivre une opération d'autoconsommation collective : clés de répartition, périmètre, relevés mensuels.", "Simulate, create and follow a collective self-consumption operation: allocation keys, perimeter, monthly statements."),
		Styles:      []string{"css/acc.css"}, Data: v})
}

type rulesView struct {
	Sets    []RuleSet
	Current string
	Regimes []Regime
}

func (h *Handlers) rules(w http.ResponseWriter, r *http.Request) error {
	v := rulesView{Sets: RuleSets(), Current: RulesAt(h.svc.today()).Version, Regimes: Regimes()}
	return h.tmpl.Render(w, r, http.StatusOK, "rules", &web.Page{
		Title:  tr(r, "Règles de l'autoconsommation collective", "Collective self-consumption rules"),
		Crumbs: []web.Crumb{{Href: "/autoconsommation", Label: tr(r, "Autoconsommation", "Self-consumption")}, {Label: tr(r, "Règles", "Rules")}},
		Styles: []string{"css/acc.css"}, Data: v})
}

// KeyLabel names an operation's key for people.
func KeyLabel(k energy.KeyKind) i18n.Text {
	switch k {
	case energy.KeyDefault:
		return i18n.T("par défaut (au prorata de la consommation)", "default (pro rata of consumption)")
	case energy.KeyStatic:
		return i18n.T("statique (coefficients fixes)", "static (fixed coefficients)")
	case energy.KeyDynamic:
		return i18n.T("dynamique (coefficients par pas)", "dynamic (coefficients per step)")
	case energy.KeyPriority:
		return i18n.T("par priorité", "priority")
	}
	return i18n.T(k.String(), k.String())
}

// monthLabel writes a month for people ("juin 2024", "June 2024").
func monthLabel(lang string, t time.Time) string {
	if lang == i18n.EN {
		return t.Format("January 2006")
	}
	months := []string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}
	return fmt.Sprintf("%s %d", months[t.Month()-1], t.Year())
}

func shortMonth(lang string, t time.Time) string {
	if lang == i18n.EN {
		return t.Format("Jan 2006")
	}
	months := []string{"janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."}
	return fmt.Sprintf("%s %d", months[t.Month()-1], t.Year())
}

// chartMonth labels a month on a chart axis: "janv." or, when the data
// spans several years, "01/25".
func chartMonth(lang string, t time.Time, years bool) string {
	if years {
		return t.Format("01/06")
	}
	return strings.TrimSuffix(shortMonth(lang, t), fmt.Sprintf(" %d", t.Year()))
}

// attachment names a download.
func attachment(w http.ResponseWriter, name, ctype string) {
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="`+strings.ReplaceAll(name, `"`, "")+`"`)
	w.Header().Set("Cache-Control", "no-store")
}

// TerritorySection offers, on a commune's page, the simulator set for that
// commune (nothing is computed until the visitor follows the link).
func (h *Handlers) TerritorySection(r *http.Request, t territory.Territory) (*site.Section, error) {
	if t.Kind != territory.Commune || !t.Located() {
		return nil, nil
	}
	lg := lang(r)
	q := url.Values{"commune": {t.Code}}
	kit := url.Values{"mode": {"kit"}, "commune": {t.Code}}
	body := fmt.Sprintf(`<p>%s</p><ul><li><a href="/simulateur?%s">%s</a></li><li><a href="/simulateur?%s">%s</a></li></ul>`,
		template.HTMLEscapeString(i18n.T("Estimer ce que donnerait une opération d'autoconsommation collective à "+t.Name+", ou un kit solaire pour un foyer, avec la production photovoltaïque synthétique de la commune.",
			"Estimate what a collective self-consumption operation in "+t.Name+" would give, or a solar kit for a household, with the commune's synthetic PV production.").In(lg)),
		template.HTMLEscapeString(q.Encode()), template.HTMLEscapeString(i18n.T("Simuler une opération collective", "Simulate a collective operation").In(lg)),
		template.HTMLEscapeString(kit.Encode()), template.HTMLEscapeString(i18n.T("Simuler un kit solaire", "Simulate a solar kit").In(lg)))
	return &site.Section{ID: "autoconsommation", Title: i18n.T("Autoconsommation", "Self-consumption").In(lg), HTML: template.HTML(body)}, nil
}
