package site

import (
	"net/http"
	"strings"

	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/i18n"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
	"github.com/fabrique-des-energies/fabrique/internal/territory"
)

// KindLabel names a territory kind in French and English.
func KindLabel(k territory.Kind) i18n.Text { return k.Label() }

// Ref is a compact reference to a territory in JSON.
type Ref struct {
	Kind string `json:"kind"`
	Code string `json:"code"`
	Name string `json:"name"`
}

// Centroid is a territory's point and how it was obtained.
type Centroid struct {
	Lat    float64 `json:"lat"`
	Lon    float64 `json:"lon"`
	Exact  bool    `json:"exact"`
	Source string  `json:"source"`
}

// TerritoryJSON is the API view of a territory.
type TerritoryJSON struct {
	Kind        string    `json:"kind"`
	Code        string    `json:"code"`
	Name        string    `json:"name"`
	Population  int       `json:"population"`
	Parents     []Ref     `json:"parents"`
	Centroid    *Centroid `json:"centroid"`
	PostalCodes []string  `json:"postal_codes,omitempty"`
	EPCIType    string    `json:"epci_type,omitempty"`
	URL         string    `json:"url"`
	Reason      string    `json:"match,omitempty"`
}

func (s *Site) toJSON(t territory.Territory) TerritoryJSON {
	out := TerritoryJSON{Kind: string(t.Kind), Code: t.Code, Name: t.Name, Population: t.Population,
		Parents: []Ref{}, PostalCodes: t.PostalCodes, EPCIType: t.EPCIType,
		URL: s.srv.Config().BaseURL + "/territoires/" + string(t.Kind) + "/" + t.Code}
	for _, p := range s.terr.Parents(t) {
		out.Parents = append(out.Parents, Ref{Kind: string(p.Kind), Code: p.Code, Name: p.Name})
	}
	if t.Located() {
		out.Centroid = &Centroid{Lat: t.Lat, Lon: t.Lon, Exact: t.PointSource == territory.PointExact, Source: string(t.PointSource)}
	}
	return out
}

func parseKindParam(s string) (territory.Kind, error) {
	if s == "" {
		return "", nil
	}
	k, err := territory.ParseKind(s)
	if err != nil {
		return "", errs.Field("kind", "Type de territoire inconnu « "+s+" » : commune, epci, departement ou region.",
			"Unknown territory kind \""+s+"\": commune, epci, departement or region.")
	}
	return k, nil
}

func (s *Site) apiSearch(w http.ResponseWriter, r *http.Request) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	kind, err := parseKindParam(r.URL.Query().Get("kind"))
	if err != nil {
		return err
	}
	limit, err := web.QueryInt(r, "limit", territory.DefaultLimit, 1, territory.MaxLimit)
	if err != nil {
		return err
	}
	if len(q) > 200 {
		return errs.Field("q", "La recherche fait 200 caractères au plus.", "The query is at most 200 characters.")
	}
	items := []TerritoryJSON{}
	for _, m := range s.terr.Search(q, kind, limit) {
		j := s.toJSON(m.Territory)
		j.Reason = string(m.Reason)
		items = append(items, j)
	}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	web.WriteJSON(w, http.StatusOK, map[string]any{"query": q, "kind": string(kind), "items": items})
	return nil
}

func (s *Site) lookup(r *http.Request) (territory.Territory, error) {
	kind, err := parseKindParam(r.PathValue("kind"))
	if err != nil {
		return territory.Territory{}, errs.New(errs.NotFound, "Type de territoire inconnu.", "Unknown territory kind.")
	}
	t, ok := s.terr.Get(kind, r.PathValue("code"))
	if !ok {
		return territory.Territory{}, errs.New(errs.NotFound,
			"Aucun territoire "+KindLabel(kind).FR+" avec le code "+r.PathValue("code")+".",
			"No "+KindLabel(kind).EN+" with code "+r.PathValue("code")+".")
	}
	return t, nil
}

func (s *Site) apiTerritory(w http.ResponseWriter, r *http.Request) error {
	t, err := s.lookup(r)
	if err != nil {
		return err
	}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	web.WriteJSON(w, http.StatusOK, s.toJSON(t))
	return nil
}

type searchView struct {
	Query    string
	Kind     string
	Kinds    []kindOption
	Results  []territory.Match
	Searched bool
}

type kindOption struct {
	Value string
	Label i18n.Text
}

func (s *Site) territorySearch(w http.ResponseWriter, r *http.Request) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	kind, err := parseKindParam(r.URL.Query().Get("kind"))
	if err != nil {
		return err
	}
	v := searchView{Query: q, Kind: string(kind), Searched: q != ""}
	for _, k := range territory.Kinds {
		v.Kinds = append(v.Kinds, kindOption{string(k), KindLabel(k)})
	}
	if q != "" {
		v.Results = s.terr.Search(q, kind, 50)
	}
	return s.tmpl.Render(w, r, http.StatusOK, "territories", &web.Page{
		Title: i18n.T("Territoires", "Territories").In(web.Lang(r.Context())), Data: v})
}

type territoryView struct {
	T         territory.Territory
	KindLabel i18n.Text
	Parents   []territory.Territory
	Children  []territory.Territory
	ChildKind i18n.Text
	Exact     bool
	Sections  []*Section
	APIURL    string
}

func (s *Site) territoryPage(w http.ResponseWriter, r *http.Request) error {
	t, err := s.lookup(r)
	if err != nil {
		return err
	}
	v := territoryView{T: t, KindLabel: KindLabel(t.Kind), Parents: s.terr.Parents(t),
		Children: s.terr.Children(t.Kind, t.Code), Exact: t.PointSource == territory.PointExact,
		APIURL: "/api/v1/territories/" + string(t.Kind) + "/" + t.Code}
	if len(v.Children) > 0 {
		v.ChildKind = KindLabel(v.Children[0].Kind)
	}
	s.mu.Lock()
	sections := append([]SectionFunc(nil), s.sections...)
	s.mu.Unlock()
	for _, f := range sections {
		sec, err := f(r, t)
		if err != nil {
			return err
		}
		if sec != nil {
			v.Sections = append(v.Sections, sec)
		}
	}
	lang := web.Lang(r.Context())
	p := &web.Page{Title: t.Name, Data: v,
		Description: KindLabel(t.Kind).In(lang) + " " + t.Name,
		Alternates:  []web.Alternate{{Type: "application/json", Href: v.APIURL, Title: "JSON"}},
		Crumbs:      []web.Crumb{{Href: "/territoires", Label: i18n.T("Territoires", "Territories").In(lang)}}}
	parents := s.terr.Parents(t)
	for i := len(parents) - 1; i >= 0; i-- {
		p.Crumbs = append(p.Crumbs, web.Crumb{Href: "/territoires/" + string(parents[i].Kind) + "/" + parents[i].Code, Label: parents[i].Name})
	}
	p.Crumbs = append(p.Crumbs, web.Crumb{Label: t.Name})
	return s.tmpl.Render(w, r, http.StatusOK, "territory", p)
}
