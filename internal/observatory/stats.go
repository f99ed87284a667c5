package observatory

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"slices"
	"sync"

	"github.com/fabrique-des-energies/fabrique/internal/platform/i18n"
	"github.com/fabrique-des-energies/fabrique/internal/territory"
)

// RegionCodes are the régions shown in national tables: the 13
// metropolitan régions and the 5 overseas ones (overseas collectivities
// appear only when a community is there).
var RegionCodes = []string{"11", "24", "27", "28", "32", "44", "52", "53", "75", "76", "84", "93", "94", "01", "02", "03", "04", "06"}

// TerritoryRef names a territory in answers.
type TerritoryRef struct {
	Kind string `json:"kind"`
	Code string `json:"code"`
	Name string `json:"name"`
}

// AreaStat counts communities and projects in one territory.
type AreaStat struct {
	Kind        string  `json:"kind"`
	Code        string  `json:"code"`
	Name        string  `json:"name"`
	Communities int     `json:"communities"`
	Projects    int     `json:"projects"`
	InstalledKW float64 `json:"installed_kw"`
}

// TechStat sums the projects of one technology.
type TechStat struct {
	Technology string    `json:"technology"`
	Label      i18n.Text `json:"label"`
	Projects   int       `json:"projects"`
	// InstalledKW: capacity of projects in operation; PipelineKW: of
	// projects from idea to construction (abandoned ones count in neither).
	InstalledKW   float64 `json:"installed_kw"`
	PipelineKW    float64 `json:"pipeline_kw"`
	ProductionMWh float64 `json:"production_mwh"`
}

// StageStat counts the communities at one stage.
type StageStat struct {
	Stage       string    `json:"stage"`
	Label       i18n.Text `json:"label"`
	Communities int       `json:"communities"`
}

// YearStat counts the communities founded in one year.
type YearStat struct {
	Year        int `json:"year"`
	Communities int `json:"communities"`
}

// MemberStat sums the members of one type.
type MemberStat struct {
	Type    string    `json:"type"`
	Label   i18n.Text `json:"label"`
	Members int       `json:"members"`
}

// Stats are the figures of the dashboard for France or one territory.
// Communities are placed by their commune, projects by theirs.
type Stats struct {
	Territory           *TerritoryRef `json:"territory"`
	Communities         int           `json:"communities"`
	Projects            int           `json:"projects"`
	ProjectsInOperation int           `json:"projects_in_operation"`
	InstalledKW         float64       `json:"installed_kw"`
	PipelineKW          float64       `json:"pipeline_kw"`
	// ProductionMWh is the yearly production of projects in operation.
	ProductionMWh       float64      `json:"production_mwh"`
	Members             int          `json:"members"`
	FoundingYearUnknown int          `json:"founding_year_unknown"`
	Regions             []AreaStat   `json:"regions"`
	Departements        []AreaStat   `json:"departements"`
	Technologies        []TechStat   `json:"technologies"`
	Stages              []StageStat  `json:"stages"`
	FoundedPerYear      []YearStat   `json:"founded_per_year"`
	MembersByType       []MemberStat `json:"members_by_type"`
	TopEPCI             []AreaStat   `json:"top_epci"`
}

// TopEPCICount is how many intercommunalités the dashboard ranks.
const TopEPCICount = 10

// scopeWhere is the condition placing rows of alias a in the territory.
func scopeWhere(t *territory.Territory, a string) (string, []any) {
	if t == nil {
		return "", nil
	}
	col := map[territory.Kind]string{territory.Region: "region", territory.Departement: "departement", territory.EPCI: "epci", territory.Commune: "commune"}[t.Kind]
	return " WHERE " + a + "." + col + " = $1", []any{t.Code}
}

// Ref names a territory.
func Ref(t *territory.Territory) *TerritoryRef {
	if t == nil {
		return nil
	}
	return &TerritoryRef{Kind: string(t.Kind), Code: t.Code, Name: t.Name}
}

type areaKey struct{ dep, reg, epci string }

type areaRow struct {
	key         areaKey
	communities int
	projects    int
	installed   float64
}

type techKey struct{ tech, status string }

type techSum struct {
	n       int
	kw, mwh float64
}

// maxCachedScopes bounds the statistics kept in memory.
const maxCachedScopes = 512

// Stats returns the dashboard figures for a territory (nil: France). They
// are computed once per change of the data: the store's generation
// counter, bumped by every change to communities or projects (from any
// process), tells whether a cached result is still current.
func (s *Service) Stats(ctx context.Context, scope *territory.Territory) (Stats, error) {
	gen, err := s.generation(ctx)
	if err != nil {
		return Stats{}, err
	}
	key := ""
	if scope != nil {
		key = string(scope.Kind) + ":" + scope.Code
	}
	s.statsMu.Lock()
	e, ok := s.statsCache[key]
	s.statsMu.Unlock()
	if ok && e.gen == gen {
		return e.st.clone(), nil
	}
	st, err := s.ComputeStats(ctx, scope)
	if err != nil {
		return Stats{}, err
	}
	s.statsMu.Lock()
	if s.statsCache == nil || len(s.statsCache) >= maxCachedScopes {
		s.statsCache = map[string]statsEntry{}
	}
	// Stored under the generation read before computing: a change made
	// meanwhile has a higher number and forces a new computation.
	s.statsCache[key] = statsEntry{gen: gen, st: st}
	s.statsMu.Unlock()
	return st.clone(), nil
}

// clone copies the slices so callers cannot alter a cached value.
func (st Stats) clone() Stats {
	if st.Territory != nil {
		t := *st.Territory
		st.Territory = &t
	}
	st.Regions, st.Departements, st.TopEPCI = slices.Clone(st.Regions), slices.Clone(st.Departements), slices.Clone(st.TopEPCI)
	st.Technologies, st.Stages = slices.Clone(st.Technologies), slices.Clone(st.Stages)
	st.FoundedPerYear, st.MembersByType = slices.Clone(st.FoundedPerYear), slices.Clone(st.MembersByType)
	return st
}

// ComputeStats computes the dashboard figures for a territory (nil: France)
// without the cache. Five grouped queries run concurrently on the read
// pool; each groups by the leading columns of a covering index (migration
// 0003), so SQLite streams the index without sorting and only the groups
// cross the driver.
func (s *Service) ComputeStats(ctx context.Context, scope *territory.Territory) (Stats, error) {
	st := Stats{Territory: Ref(scope)}
	cw, cargs := scopeWhere(scope, "c")
	pw, pargs := scopeWhere(scope, "p")
	type areaCount struct {
		key     areaKey
		n       int
		members Members
	}
	var (
		commAreas []areaCount
		projAreas []*areaRow
		stages    = map[string]int{}
		years     = map[int]int{}
		members   Members
		techRows  = map[techKey]*techSum{}
	)
	queries := []struct {
		sql  string
		args []any
		row  func(rows *sql.Rows) error
	}{
		{`SELECT c.departement, c.epci, count(*), COALESCE(SUM(c.members_citizens), 0), COALESCE(SUM(c.members_local_authorities), 0),
			COALESCE(SUM(c.members_businesses), 0), COALESCE(SUM(c.members_associations), 0)
			FROM obs_communities c` + cw + ` GROUP BY c.departement, c.epci`, cargs, func(rows *sql.Rows) error {
			var r areaCount
			m := &r.members
			if err := rows.Scan(&r.key.dep, &r.key.epci, &r.n, &m.Citizens, &m.LocalAuthorities, &m.Businesses, &m.Associations); err != nil {
				return err
			}
			commAreas = append(commAreas, r)
			return nil
		}},
		{`SELECT c.stage, count(*) FROM obs_communities c` + cw + ` GROUP BY c.stage`, cargs, func(rows *sql.Rows) error {
			var k string
			var n int
			if err := rows.Scan(&k, &n); err != nil {
				return err
			}
			stages[k] = n
			return nil
		}},
		{`SELECT c.founding_year, count(*) FROM obs_communities c` + cw + ` GROUP BY c.founding_year`, cargs, func(rows *sql.Rows) error {
			var y, n int
			if err := rows.Scan(&y, &n); err != nil {
				return err
			}
			years[y] = n
			return nil
		}},
		{`SELECT p.departement, p.epci, count(*), COALESCE(SUM(CASE WHEN p.status = 'operation' THEN p.capacity_kw ELSE 0 END), 0)
			FROM obs_projects p` + pw + ` GROUP BY p.departement, p.epci`, pargs, func(rows *sql.Rows) error {
			r := &areaRow{}
			if err := rows.Scan(&r.key.dep, &r.key.epci, &r.projects, &r.installed); err != nil {
				return err
			}
			projAreas = append(projAreas, r)
			return nil
		}},
		{`SELECT p.technology, p.status, count(*), COALESCE(SUM(p.capacity_kw), 0), COALESCE(SUM(p.production_mwh), 0)
			FROM obs_projects p` + pw + ` GROUP BY p.technology, p.status`, pargs, func(rows *sql.Rows) error {
			var k techKey
			t := &techSum{}
			if err := rows.Scan(&k.tech, &k.status, &t.n, &t.kw, &t.mwh); err != nil {
				return err
			}
			techRows[k] = t
			return nil
		}},
	}
	errl := make([]error, len(queries))
	var wg sync.WaitGroup
	for i, q := range queries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rows, err := s.db.R.QueryContext(ctx, q.sql, q.args...)
			if err != nil {
				errl[i] = err
				return
			}
			defer rows.Close()
			for rows.Next() {
				if err := q.row(rows); err != nil {
					errl[i] = err
					return
				}
			}
			errl[i] = rows.Err()
		}()
	}
	wg.Wait()
	if err := errors.Join(errl...); err != nil {
		return Stats{}, err
	}
	for _, r := range commAreas {
		members.Citizens += r.members.Citizens
		members.LocalAuthorities += r.members.LocalAuthorities
		members.Businesses += r.members.Businesses
		members.Associations += r.members.Associations
	}

	// Areas: every région and département of the scope, with zeros, plus
	// any place found in the data.
	regions := map[string]*AreaStat{}
	deps := map[string]*AreaStat{}
	epcis := map[string]*AreaStat{}
	area := func(m map[string]*AreaStat, kind territory.Kind, code string) *AreaStat {
		if a, ok := m[code]; ok {
			return a
		}
		a := &AreaStat{Kind: string(kind), Code: code, Name: code}
		if t, ok := s.terr.Get(kind, code); ok {
			a.Name = t.Name
		}
		m[code] = a
		return a
	}
	for _, rc := range s.scopeRegions(scope) {
		area(regions, territory.Region, rc)
	}
	for _, dc := range s.scopeDepartements(scope) {
		area(deps, territory.Departement, dc)
	}
	// A place's région is its département's (both come from its commune).
	regionOf := func(k areaKey) areaKey {
		if t, ok := s.terr.Get(territory.Departement, k.dep); ok {
			k.reg = t.Region
		}
		return k
	}
	for _, r := range commAreas {
		k, n := regionOf(r.key), r.n
		st.Communities += n
		area(regions, territory.Region, k.reg).Communities += n
		area(deps, territory.Departement, k.dep).Communities += n
		if k.epci != "" {
			area(epcis, territory.EPCI, k.epci).Communities += n
		}
	}
	for _, r := range projAreas {
		r.key = regionOf(r.key)
		st.Projects += r.projects
		for _, a := range []*AreaStat{area(regions, territory.Region, r.key.reg), area(deps, territory.Departement, r.key.dep)} {
			a.Projects += r.projects
			a.InstalledKW += r.installed
		}
		if r.key.epci != "" {
			a := area(epcis, territory.EPCI, r.key.epci)
			a.InstalledKW += r.installed
		}
	}
	st.Regions = sortedAreas(regions, func(a, b AreaStat) int { return cmp.Compare(a.Name, b.Name) })
	st.Departements = sortedAreas(deps, func(a, b AreaStat) int { return cmp.Compare(a.Code, b.Code) })
	top := sortedAreas(epcis, func(a, b AreaStat) int {
		if c := cmp.Compare(b.Communities, a.Communities); c != 0 {
			return c
		}
		if c := cmp.Compare(b.InstalledKW, a.InstalledKW); c != 0 {
			return c
		}
		return cmp.Compare(a.Name, b.Name)
	})
	st.TopEPCI = []AreaStat{}
	for _, a := range top {
		if a.Communities == 0 || len(st.TopEPCI) == TopEPCICount {
			break
		}
		st.TopEPCI = append(st.TopEPCI, a)
	}

	techs := map[string]*TechStat{}
	for _, code := range Technologies.Codes() {
		techs[code] = &TechStat{Technology: code, Label: Technologies.Label(code)}
	}
	for k, r := range techRows {
		t, ok := techs[k.tech]
		if !ok {
			t = &TechStat{Technology: k.tech, Label: i18n.T(k.tech, k.tech)}
			techs[k.tech] = t
		}
		t.Projects += r.n
		switch k.status {
		case "operation":
			t.InstalledKW += r.kw
			t.ProductionMWh += r.mwh
			st.ProjectsInOperation += r.n
			st.InstalledKW += r.kw
			st.ProductionMWh += r.mwh
		case "abandoned":
		default:
			t.PipelineKW += r.kw
			st.PipelineKW += r.kw
		}
	}
	for _, code := range Technologies.Codes() {
		st.Technologies = append(st.Technologies, *techs[code])
		delete(techs, code)
	}
	for _, t := range techs { // codes no longer in the list, if any
		st.Technologies = append(st.Technologies, *t)
	}

	for _, o := range Stages.Options() {
		st.Stages = append(st.Stages, StageStat{Stage: o.Code, Label: o.Label, Communities: stages[o.Code]})
	}
	st.FoundedPerYear = []YearStat{}
	first, last := 0, 0
	for y := range years {
		if y == 0 {
			continue
		}
		if first == 0 || y < first {
			first = y
		}
		if y > last {
			last = y
		}
	}
	if first > 0 {
		for y := first; y <= last; y++ {
			st.FoundedPerYear = append(st.FoundedPerYear, YearStat{Year: y, Communities: years[y]})
		}
	}
	st.FoundingYearUnknown = years[0]
	st.Members = members.Total()
	for _, mt := range MemberTypes {
		n := map[string]int{"citizens": members.Citizens, "local_authorities": members.LocalAuthorities, "businesses": members.Businesses, "associations": members.Associations}[mt.Code]
		st.MembersByType = append(st.MembersByType, MemberStat{Type: mt.Code, Label: mt.Label, Members: n})
	}
	return st, nil
}

func sortedAreas(m map[string]*AreaStat, less func(a, b AreaStat) int) []AreaStat {
	out := make([]AreaStat, 0, len(m))
	for _, a := range m {
		out = append(out, *a)
	}
	slices.SortFunc(out, less)
	return out
}

// scopeRegions lists the régions shown for a scope, even with no data.
func (s *Service) scopeRegions(scope *territory.Territory) []string {
	if scope == nil {
		return RegionCodes
	}
	if scope.Kind == territory.Region {
		return []string{scope.Code}
	}
	if scope.Region != "" {
		return []string{scope.Region}
	}
	return nil
}

// scopeDepartements lists the départements shown for a scope.
func (s *Service) scopeDepartements(scope *territory.Territory) []string {
	var out []string
	switch {
	case scope == nil:
		for _, rc := range RegionCodes {
			for _, d := range s.terr.Children(territory.Region, rc) {
				out = append(out, d.Code)
			}
		}
	case scope.Kind == territory.Region:
		for _, d := range s.terr.Children(territory.Region, scope.Code) {
			out = append(out, d.Code)
		}
	case scope.Kind == territory.Departement:
		out = []string{scope.Code}
	case scope.Departement != "":
		out = []string{scope.Departement}
	}
	return out
}
