package observatory

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/fabrique-des-energies/fabrique/internal/platform/chart"
	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/i18n"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
	"github.com/fabrique-des-energies/fabrique/internal/site"
	"github.com/fabrique-des-energies/fabrique/internal/territory"
)

// ChartNames are the dashboard's charts, each downloadable as
// /observatoire/donnees/NAME.csv.
var ChartNames = []string{"regions", "departements", "technologies", "etapes", "creations", "membres", "epci"}

// charts builds the dashboard's charts from the statistics, in the
// reader's language; query is the territory parameter for the CSV links.
func charts(st Stats, l string, query string) map[string]*chart.Chart {
	t := func(fr, en string) string { return i18n.T(fr, en).In(l) }
	href := func(name string) string {
		if query == "" {
			return "/observatoire/donnees/" + name + ".csv"
		}
		return "/observatoire/donnees/" + name + ".csv?" + query
	}
	areas := func(id, title, label string, list []AreaStat) *chart.Chart {
		c := &chart.Chart{ID: "chart-" + id, Title: title, Kind: chart.HBar, CategoryLabel: label, Lang: l, CSVHref: href(id),
			Series: []chart.Series{{Name: t("Communautés", "Communities")}, {Name: t("Projets", "Projects")}}}
		for _, a := range list {
			c.Categories = append(c.Categories, a.Name)
			c.Series[0].Values = append(c.Series[0].Values, float64(a.Communities))
			c.Series[1].Values = append(c.Series[1].Values, float64(a.Projects))
		}
		return c
	}
	out := map[string]*chart.Chart{
		"regions":      areas("regions", t("Communautés et projets par région", "Communities and projects by region"), t("Région", "Region"), st.Regions),
		"departements": areas("departements", t("Communautés et projets par département", "Communities and projects by département"), t("Département", "Département"), st.Departements),
	}
	for i := range out["departements"].Categories {
		out["departements"].Categories[i] = st.Departements[i].Code + " " + st.Departements[i].Name
	}
	tech := &chart.Chart{ID: "chart-technologies", Title: t("Puissance par technologie", "Capacity by technology"), Kind: chart.HBar,
		CategoryLabel: t("Technologie", "Technology"), Unit: "kW", Decimals: 0, Lang: l, CSVHref: href("technologies"),
		Series: []chart.Series{{Name: t("En exploitation", "In operation")}, {Name: t("En projet", "In the pipeline")}}}
	for _, x := range st.Technologies {
		tech.Categories = append(tech.Categories, x.Label.In(l))
		tech.Series[0].Values = append(tech.Series[0].Values, x.InstalledKW)
		tech.Series[1].Values = append(tech.Series[1].Values, x.PipelineKW)
	}
	out["technologies"] = tech
	stages := &chart.Chart{ID: "chart-etapes", Title: t("Entonnoir des étapes de suivi", "Funnel of follow-up stages"), Kind: chart.Funnel,
		CategoryLabel: t("Étape", "Stage"), Lang: l, CSVHref: href("etapes"), Series: []chart.Series{{Name: t("Communautés", "Communities")}}}
	for _, x := range st.Stages {
		stages.Categories = append(stages.Categories, x.Label.In(l))
		stages.Series[0].Values = append(stages.Series[0].Values, float64(x.Communities))
	}
	out["etapes"] = stages
	years := &chart.Chart{ID: "chart-creations", Title: t("Communautés créées par année", "Communities founded per year"), Kind: chart.Line,
		CategoryLabel: t("Année", "Year"), Lang: l, CSVHref: href("creations"), Series: []chart.Series{{Name: t("Communautés créées", "Communities founded")}}}
	for _, x := range st.FoundedPerYear {
		years.Categories = append(years.Categories, strconv.Itoa(x.Year))
		years.Series[0].Values = append(years.Series[0].Values, float64(x.Communities))
	}
	out["creations"] = years
	members := &chart.Chart{ID: "chart-membres", Title: t("Membres par type", "Members by type"), Kind: chart.HBar,
		CategoryLabel: t("Type de membre", "Member type"), Lang: l, CSVHref: href("membres"), Series: []chart.Series{{Name: t("Membres", "Members")}}}
	for _, x := range st.MembersByType {
		members.Categories = append(members.Categories, x.Label.In(l))
		members.Series[0].Values = append(members.Series[0].Values, float64(x.Members))
	}
	out["membres"] = members
	epci := &chart.Chart{ID: "chart-epci", Title: fmt.Sprintf(t("Les %d intercommunalités qui comptent le plus de communautés", "The %d inter-municipalities with the most communities"), TopEPCICount),
		Kind: chart.HBar, CategoryLabel: t("Intercommunalité", "Inter-municipality"), Lang: l, CSVHref: href("epci"),
		Series: []chart.Series{{Name: t("Communautés", "Communities")}, {Name: t("Puissance en exploitation (kW)", "Capacity in operation (kW)")}}}
	for _, x := range st.TopEPCI {
		epci.Categories = append(epci.Categories, x.Name)
		epci.Series[0].Values = append(epci.Series[0].Values, float64(x.Communities))
		epci.Series[1].Values = append(epci.Series[1].Values, x.InstalledKW)
	}
	out["epci"] = epci
	return out
}

// dashboardScope reads ?territoire=KIND:CODE (or territory=); nil is France.
func (h *Handlers) dashboardScope(r *http.Request) (*territory.Territory, string, error) {
	s := strings.TrimSpace(r.URL.Query().Get("territoire"))
	if s == "" {
		s = strings.TrimSpace(r.URL.Query().Get("territory"))
	}
	if s == "" {
		return nil, "", nil
	}
	t, err := ParseTerritory(h.svc.terr, s)
	if err != nil {
		return nil, "", err
	}
	return &t, "territoire=" + url.QueryEscape(string(t.Kind)+":"+t.Code), nil
}

type dashboardView struct {
	Stats        Stats
	Territory    *territory.Territory
	KindLabel    i18n.Text
	Parents      []territory.Territory
	Query        template.URL // already encoded query parameters
	ListURL      string
	Charts       map[string]template.HTML
	ChartAreas   template.HTML
	Map          template.HTML
	MapMeasure   string
	MapTitle     string
	Departements []AreaStat
	Regions      []terrOption
	TerritoryIn  string
	Error        string
}

func (h *Handlers) dashboard(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if t := strings.TrimSpace(q.Get("territoire")); t != "" && !strings.Contains(t, ":") {
		if canon, ok := h.resolveTerritoryText(t); ok {
			return web.Redirect(w, r, "/observatoire?territoire="+url.QueryEscape(canon))
		}
	}
	l := lang(r)
	v := dashboardView{MapMeasure: q.Get("mesure")}
	status := http.StatusOK
	scope, query, err := h.dashboardScope(r)
	if err != nil {
		if !errs.Is(err, errs.Invalid) {
			return err
		}
		e, _ := errs.As(err)
		v.Error, status = e.Details[0].Message.In(l), http.StatusUnprocessableEntity
		scope, query = nil, ""
	}
	v.Territory, v.Query = scope, template.URL(query)
	v.TerritoryIn = q.Get("territoire")
	for _, rc := range RegionCodes {
		if t, ok := h.svc.terr.Get(territory.Region, rc); ok {
			v.Regions = append(v.Regions, terrOption{t.Code, t.Name})
		}
	}
	v.ListURL = "/communautes"
	if scope != nil {
		v.KindLabel = scope.Kind.Label()
		v.Parents = h.svc.terr.Parents(*scope)
		v.ListURL += "?territoire=" + url.QueryEscape(string(scope.Kind)+":"+scope.Code)
	}
	st, err := h.svc.Stats(r.Context(), scope)
	if err != nil {
		return err
	}
	v.Stats = st
	cs := charts(st, l, query)
	areaChart := "regions"
	if scope != nil {
		areaChart = "departements"
	}
	v.ChartAreas = cs[areaChart].HTML()
	v.Charts = map[string]template.HTML{}
	for _, name := range []string{"technologies", "etapes", "creations", "membres", "epci"} {
		v.Charts[name] = cs[name].HTML()
	}
	mapSVG, title, err := h.renderStatsMap(r, st, scope, v.MapMeasure)
	if err != nil {
		return err
	}
	v.Map, v.MapTitle = mapSVG, title
	v.Departements = st.Departements
	title = i18n.T("Observatoire des communautés énergétiques", "Observatory of energy communities").In(l)
	if scope != nil {
		title = fmt.Sprintf(i18n.T("Observatoire — %s", "Observatory — %s").In(l), scope.Name)
	}
	apiURL := "/api/v1/observatory/stats"
	if scope != nil {
		apiURL += "?territory=" + url.QueryEscape(string(scope.Kind)+":"+scope.Code)
	}
	return h.tmpl.Render(w, r, status, "dashboard", &web.Page{Title: title, Data: v, Styles: []string{"css/observatory.css"},
		Description: i18n.T("Tableau de bord des communautés énergétiques et de leurs projets, pour la France et chaque territoire.",
			"Dashboard of energy communities and their projects, for France and every territory.").In(l),
		Alternates: []web.Alternate{{Type: "application/json", Href: apiURL, Title: "JSON"}}})
}

// renderStatsMap draws the département map of a dashboard: communities
// (default) or installed capacity per département.
func (h *Handlers) renderStatsMap(r *http.Request, st Stats, scope *territory.Territory, measure string) (template.HTML, string, error) {
	l := lang(r)
	values := map[string]float64{}
	c := &Choropleth{ID: "carte-observatoire", Lang: l}
	if measure == "puissance" {
		for _, d := range st.Departements {
			values[d.Code] = d.InstalledKW
		}
		c.Title = i18n.T("Puissance en exploitation par département", "Capacity in operation per département").In(l)
		c.LegendTitle, c.Unit = i18n.T("Puissance en exploitation (kW)", "Capacity in operation (kW)").In(l), "kW"
	} else {
		for _, d := range st.Departements {
			values[d.Code] = float64(d.Communities)
		}
		c.Title = i18n.T("Communautés par département", "Communities per département").In(l)
		c.LegendTitle = i18n.T("Communautés", "Communities").In(l)
	}
	c.Values = values
	if scope != nil {
		c.Scope = h.scopeDepartements(scope)
	}
	var b bytes.Buffer
	if err := c.Render(&b, h.svc.terr); err != nil {
		return "", "", err
	}
	return template.HTML(b.String()), c.Title, nil
}

func (h *Handlers) mapSVG(w http.ResponseWriter, r *http.Request) error {
	scope, _, err := h.dashboardScope(r)
	if err != nil {
		return err
	}
	st, err := h.svc.Stats(r.Context(), scope)
	if err != nil {
		return err
	}
	svg, _, err := h.renderStatsMap(r, st, scope, r.URL.Query().Get("mesure"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/svg+xml; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, err = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + string(svg)))
	return err
}

func (h *Handlers) chartCSV(w http.ResponseWriter, r *http.Request) error {
	name, ok := strings.CutSuffix(r.PathValue("file"), ".csv")
	known := false
	for _, n := range ChartNames {
		known = known || n == name
	}
	if !ok || !known {
		return errs.New(errs.NotFound, "Aucun tableau de ce nom : "+strings.Join(ChartNames, ", ")+".", "No table with this name: "+strings.Join(ChartNames, ", ")+".")
	}
	scope, query, err := h.dashboardScope(r)
	if err != nil {
		return err
	}
	st, err := h.svc.Stats(r.Context(), scope)
	if err != nil {
		return err
	}
	c := charts(st, lang(r), query)[name]
	file := "observatoire-" + name
	if scope != nil {
		file += "-" + string(scope.Kind) + "-" + scope.Code
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+file+`.csv"`)
	return c.WriteCSV(w)
}

// ---- Territory pages of the site

type sectionView struct {
	*web.Page
	Stats   Stats
	Terr    territory.Territory
	Query   template.URL
	ListURL string
	Chart   template.HTML
	Items   []Community
	More    int
}

// TerritorySection renders the observatory's block on a territory page.
func (h *Handlers) TerritorySection(r *http.Request, t territory.Territory) (*site.Section, error) {
	st, err := h.svc.Stats(r.Context(), &t)
	if err != nil {
		return nil, err
	}
	l := lang(r)
	f := ForTerritory(&t)
	f.Limit = 10
	items, total, err := h.svc.List(r.Context(), f)
	if err != nil {
		return nil, err
	}
	q := "territoire=" + url.QueryEscape(string(t.Kind)+":"+t.Code)
	v := sectionView{Page: &web.Page{Lang: l}, Stats: st, Terr: t, Query: template.URL(q), ListURL: "/communautes?" + q, Items: items, More: total - len(items)}
	if st.Projects > 0 {
		v.Chart = charts(st, l, q)["technologies"].HTML()
	}
	var b bytes.Buffer
	if err := h.fragments.ExecuteTemplate(&b, "territory-section", v); err != nil {
		return nil, err
	}
	return &site.Section{ID: "observatoire", Title: i18n.T("Communautés énergétiques", "Energy communities").In(l), HTML: template.HTML(b.String())}, nil
}

// HomeBlock renders the observatory's key figures on the home page.
func (h *Handlers) HomeBlock(r *http.Request) (*site.Section, error) {
	st, err := h.svc.Stats(r.Context(), nil)
	if err != nil {
		return nil, err
	}
	l := lang(r)
	var b bytes.Buffer
	if err := h.fragments.ExecuteTemplate(&b, "home-block", sectionView{Page: &web.Page{Lang: l}, Stats: st}); err != nil {
		return nil, err
	}
	return &site.Section{ID: "observatoire-chiffres", Title: i18n.T("L'observatoire en chiffres", "The observatory in figures").In(l), HTML: template.HTML(b.String())}, nil
}
