package observatory

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/i18n"
	"github.com/fabrique-des-energies/fabrique/internal/territory"
)

// Filter selects communities. The same query parameters drive the list
// page, the map, the exports and the API, so a filtered list and its map
// always show the same communities.
type Filter struct {
	Q           string
	Region      string
	Departement string
	EPCI        string
	Commune     string
	LegalForm   string
	EUStatus    string
	Stage       string
	Technology  string
	Activity    string
	Sort        string
	Page        int
	Limit       int
}

// Sorts are the accepted values of the sort parameter; a leading "-"
// reverses the order.
var Sorts = []Option{
	opt("name", "Nom", "Name"),
	opt("-founded", "Les plus récentes", "Newest"),
	opt("founded", "Les plus anciennes", "Oldest"),
	opt("-updated", "Mises à jour récemment", "Recently updated"),
	opt("-members", "Nombre de membres", "Number of members"),
	opt("-stage", "Étape la plus avancée", "Furthest stage"),
	opt("stage", "Étape la moins avancée", "Earliest stage"),
	opt("commune", "Commune", "Commune"),
	opt("-name", "Nom (Z → A)", "Name (Z → A)"),
}

var sortSQL = map[string]string{
	"name":     "c.sort_name, c.id",
	"founded":  "c.founding_year = 0, c.founding_year, c.sort_name",
	"updated":  "c.updated_at, c.id",
	"members":  "(c.members_citizens + c.members_local_authorities + c.members_businesses + c.members_associations), c.sort_name",
	"stage":    stageOrderSQL + ", c.sort_name",
	"commune":  "c.commune, c.sort_name",
	"-name":    "c.sort_name DESC, c.id DESC",
	"-founded": "c.founding_year = 0, c.founding_year DESC, c.sort_name",
	"-updated": "c.updated_at DESC, c.id DESC",
	"-members": "(c.members_citizens + c.members_local_authorities + c.members_businesses + c.members_associations) DESC, c.sort_name",
	"-stage":   stageOrderSQL + " DESC, c.sort_name",
	"-commune": "c.commune DESC, c.sort_name",
}

const stageOrderSQL = `CASE c.stage WHEN 'emergence' THEN 0 WHEN 'structuring' THEN 1 WHEN 'development' THEN 2 WHEN 'operation' THEN 3 ELSE 4 END`

// ParseFilter reads a filter from query parameters: q, territory (or its
// French alias territoire, "KIND:CODE"), region, departement, epci,
// commune, legal_form, eu_status, stage, technology, activity, sort, page
// and limit. Unknown values are refused with the parameter named.
func ParseFilter(terr *territory.Referential, v url.Values, defLimit, maxLimit int) (Filter, error) {
	f := Filter{Q: strings.TrimSpace(v.Get("q")), Region: strings.TrimSpace(v.Get("region")), Departement: strings.TrimSpace(v.Get("departement")),
		EPCI: strings.TrimSpace(v.Get("epci")), Commune: strings.TrimSpace(v.Get("commune")), Sort: strings.TrimSpace(v.Get("sort"))}
	var p problems
	if len(f.Q) > 200 {
		p.add("q", "La recherche fait 200 caractères au plus.", "The query is at most 200 characters.")
	}
	terrParam := strings.TrimSpace(v.Get("territory"))
	if terrParam == "" {
		terrParam = strings.TrimSpace(v.Get("territoire"))
	}
	if terrParam != "" {
		t, err := ParseTerritory(terr, terrParam)
		if err != nil {
			p.details = append(p.details, err.(*errs.Error).Details...)
		} else {
			f.setTerritory(t)
		}
	}
	for _, c := range []struct {
		field string
		kind  territory.Kind
		val   *string
	}{{"region", territory.Region, &f.Region}, {"departement", territory.Departement, &f.Departement}, {"epci", territory.EPCI, &f.EPCI}, {"commune", territory.Commune, &f.Commune}} {
		if *c.val == "" {
			continue
		}
		t, ok := terr.Get(c.kind, *c.val)
		if !ok {
			p.add(c.field, fmt.Sprintf("Code inconnu « %s » pour le paramètre %s.", *c.val, c.field), fmt.Sprintf("Unknown code %q for parameter %s.", *c.val, c.field))
			continue
		}
		*c.val = t.Code
	}
	for _, e := range []struct {
		field string
		enum  *Enum
		val   *string
	}{{"legal_form", LegalForms, &f.LegalForm}, {"eu_status", EUStatuses, &f.EUStatus}, {"stage", Stages, &f.Stage}, {"technology", Technologies, &f.Technology}, {"activity", Activities, &f.Activity}} {
		raw := strings.TrimSpace(v.Get(e.field))
		if raw == "" {
			continue
		}
		code, ok := e.enum.Parse(raw)
		if !ok {
			p.add(e.field, fmt.Sprintf("Valeur inconnue « %s » pour %s : %s.", raw, e.field, strings.Join(e.enum.Codes(), ", ")),
				fmt.Sprintf("Unknown value %q for %s: %s.", raw, e.field, strings.Join(e.enum.Codes(), ", ")))
			continue
		}
		*e.val = code
	}
	if f.Sort == "" {
		f.Sort = "name"
	}
	if _, ok := sortSQL[f.Sort]; !ok {
		p.add("sort", "Tri inconnu « "+f.Sort+" ».", "Unknown sort \""+f.Sort+"\".")
		f.Sort = "name"
	}
	f.Page, f.Limit = 1, defLimit
	if s := strings.TrimSpace(v.Get("page")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100000 {
			p.add("page", "Le numéro de page est un entier positif.", "The page number is a positive integer.")
		} else {
			f.Page = n
		}
	}
	if s := strings.TrimSpace(v.Get("limit")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxLimit {
			p.add("limit", fmt.Sprintf("La limite est un entier entre 1 et %d.", maxLimit), fmt.Sprintf("The limit is an integer between 1 and %d.", maxLimit))
		} else {
			f.Limit = n
		}
	}
	if e := p.err(); e != nil {
		e.Message = i18n.T("Filtre invalide : corrigez les paramètres signalés.", "Invalid filter: correct the parameters shown.")
		return f, e
	}
	return f, nil
}

// ParseTerritory reads "KIND:CODE" (epci:246900740, region:84,
// departement:29, commune:29039) and checks it exists.
func ParseTerritory(terr *territory.Referential, s string) (territory.Territory, error) {
	kindS, code, ok := strings.Cut(strings.TrimSpace(s), ":")
	bad := func() error {
		return errs.Field("territory", "Territoire inconnu « "+s+" » : écrivez TYPE:CODE, par exemple region:84, departement:29, epci:246900740 ou commune:29039.",
			"Unknown territory \""+s+"\": write KIND:CODE, for example region:84, departement:29, epci:246900740 or commune:29039.")
	}
	if !ok {
		return territory.Territory{}, bad()
	}
	kind, err := territory.ParseKind(kindS)
	if err != nil {
		return territory.Territory{}, bad()
	}
	t, found := terr.Get(kind, strings.TrimSpace(code))
	if !found {
		return territory.Territory{}, bad()
	}
	return t, nil
}

func (f *Filter) setTerritory(t territory.Territory) {
	switch t.Kind {
	case territory.Region:
		f.Region = t.Code
	case territory.Departement:
		f.Departement = t.Code
	case territory.EPCI:
		f.EPCI = t.Code
	case territory.Commune:
		f.Commune = t.Code
	}
}

// ForTerritory is a filter on one territory (nil: all of France).
func ForTerritory(t *territory.Territory) Filter {
	f := Filter{Sort: "name", Page: 1}
	if t != nil {
		f.setTerritory(*t)
	}
	return f
}

// Values writes the filter back as query parameters (without page).
func (f Filter) Values() url.Values {
	v := url.Values{}
	for _, kv := range [][2]string{{"q", f.Q}, {"region", f.Region}, {"departement", f.Departement}, {"epci", f.EPCI}, {"commune", f.Commune},
		{"legal_form", f.LegalForm}, {"eu_status", f.EUStatus}, {"stage", f.Stage}, {"technology", f.Technology}, {"activity", f.Activity}} {
		if kv[1] != "" {
			v.Set(kv[0], kv[1])
		}
	}
	if f.Sort != "" && f.Sort != "name" {
		v.Set("sort", f.Sort)
	}
	return v
}

// Active reports whether any criterion (besides sort and paging) is set.
func (f Filter) Active() bool {
	v := f.Values()
	v.Del("sort")
	return len(v) > 0
}

// where builds the SQL condition on communities c (and the arguments).
func (f Filter) where() (string, []any) {
	var conds []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	for _, w := range strings.Fields(territory.Normalize(f.Q)) {
		conds = append(conds, "c.search_text LIKE "+arg("%"+w+"%"))
	}
	for _, kv := range []struct{ col, v string }{{"c.region", f.Region}, {"c.departement", f.Departement}, {"c.epci", f.EPCI}, {"c.commune", f.Commune},
		{"c.legal_form", f.LegalForm}, {"c.eu_status", f.EUStatus}, {"c.stage", f.Stage}} {
		if kv.v != "" {
			conds = append(conds, kv.col+" = "+arg(kv.v))
		}
	}
	if f.Technology != "" {
		conds = append(conds, "EXISTS (SELECT 1 FROM obs_projects tp WHERE tp.community_id = c.id AND tp.technology = "+arg(f.Technology)+")")
	}
	if f.Activity != "" {
		conds = append(conds, "EXISTS (SELECT 1 FROM obs_community_activities ca WHERE ca.community_id = c.id AND ca.activity = "+arg(f.Activity)+")")
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// List returns one page of communities matching the filter (public view)
// with their number of projects and installed capacity, and the total.
func (s *Service) List(ctx context.Context, f Filter) ([]Community, int, error) {
	where, args := f.where()
	var total int
	if err := s.db.R.QueryRowContext(ctx, `SELECT count(*) FROM obs_communities c`+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 20
	}
	page := max(1, f.Page)
	order, ok := sortSQL[f.Sort]
	if !ok {
		order = sortSQL["name"]
	}
	q := `SELECT ` + communityCols(false) + `,
		(SELECT count(*) FROM obs_projects p WHERE p.community_id = c.id),
		(SELECT COALESCE(SUM(p.capacity_kw), 0) FROM obs_projects p WHERE p.community_id = c.id AND p.status = 'operation')
		FROM obs_communities c` + where +
		` ORDER BY ` + order + fmt.Sprintf(` LIMIT %d OFFSET %d`, limit, (page-1)*limit)
	rows, err := s.db.R.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []Community
	for rows.Next() {
		var c Community
		var n int
		var kw float64
		c, err = s.scanCommunity(rows, &n, &kw)
		if err != nil {
			return nil, 0, err
		}
		c.Projects, c.InstalledKW = n, kw
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	ptrs := make([]*Community, len(out))
	for i := range out {
		ptrs[i] = &out[i]
	}
	if err := s.loadActivities(ctx, s.db.R, ptrs); err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// Point is a community placed on a map.
type Point struct {
	Slug, Name, Commune, CommuneName, Departement string
	Lat, Lon                                      float64
}

// Points returns up to limit communities matching the filter with their
// point, ordered by name (the same set as List, without paging).
func (s *Service) Points(ctx context.Context, f Filter, limit int) ([]Point, error) {
	where, args := f.where()
	rows, err := s.db.R.QueryContext(ctx, `SELECT c.slug, c.name, c.commune, c.departement, c.lat, c.lon FROM obs_communities c`+where+
		fmt.Sprintf(` ORDER BY c.sort_name, c.id LIMIT %d`, limit), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Point
	for rows.Next() {
		var p Point
		if err := rows.Scan(&p.Slug, &p.Name, &p.Commune, &p.Departement, &p.Lat, &p.Lon); err != nil {
			return nil, err
		}
		if t, ok := s.terr.Get(territory.Commune, p.Commune); ok {
			p.CommuneName = t.Name
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
