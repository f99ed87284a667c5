package observatory

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/fabrique-des-energies/fabrique/internal/platform/chart"
	"github.com/fabrique-des-energies/fabrique/internal/territory"
)

// CommunityColumns are the columns of communities.csv, in order. The
// import reads the same file: see ImportColumns for those it writes.
var CommunityColumns = []string{
	"slug", "name", "legal_form", "eu_status",
	"open_participation", "open_participation_evidence", "member_control", "member_control_evidence", "benefits", "benefits_evidence",
	"commune", "commune_name", "epci", "epci_name", "departement", "departement_name", "region", "region_name", "lat", "lon",
	"founding_year", "stage", "stage_since",
	"members_citizens", "members_local_authorities", "members_businesses", "members_associations", "members_total",
	"activities", "website", "contact_name", "contact_email", "contact_phone", "label", "description", "example",
	"projects", "projects_in_operation", "installed_kw", "url", "updated_at",
}

// ProjectColumns are the columns of projects.csv.
var ProjectColumns = []string{
	"id", "community_slug", "community_name", "name", "technology", "capacity_kw", "capacity_unit", "production_mwh", "production_measured",
	"status", "commissioning", "citizen_share_pct", "investment_eur",
	"commune", "commune_name", "epci", "epci_name", "departement", "departement_name", "region", "region_name", "updated_at",
}

type projectAgg struct {
	n, operating int
	kw           float64
}

// projectAggregates sums projects per community.
func (s *Service) projectAggregates(ctx context.Context) (map[int64]projectAgg, error) {
	// One narrow scan summed in Go: cheaper on SQLite than GROUP BY,
	// which sorts the table.
	rows, err := s.db.R.QueryContext(ctx, `SELECT community_id, status, capacity_kw FROM obs_projects`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]projectAgg{}
	var id int64
	var status sql.RawBytes
	var kw sql.NullFloat64
	for rows.Next() {
		if err := rows.Scan(&id, &status, &kw); err != nil {
			return nil, err
		}
		a := out[id]
		a.n++
		if string(status) == "operation" {
			a.operating++
			a.kw += kw.Float64
		}
		out[id] = a
	}
	return out, rows.Err()
}

// allActivities loads every community's activities.
func (s *Service) allActivities(ctx context.Context) (map[int64][]string, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT community_id, activity FROM obs_community_activities`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	sets := map[int64]map[string]bool{}
	for rows.Next() {
		var id int64
		var a string
		if err := rows.Scan(&id, &a); err != nil {
			return nil, err
		}
		if sets[id] == nil {
			sets[id] = map[string]bool{}
		}
		sets[id][a] = true
	}
	out := make(map[int64][]string, len(sets))
	for id, set := range sets {
		for _, code := range Activities.Codes() {
			if set[code] {
				out[id] = append(out[id], code)
			}
		}
	}
	return out, rows.Err()
}

// eachCommunity streams the public view of the communities matching f,
// ordered by name, with their project aggregates.
func (s *Service) eachCommunity(ctx context.Context, f Filter, withActivities bool, fn func(c *Community, agg projectAgg) error) error {
	aggs, err := s.projectAggregates(ctx)
	if err != nil {
		return err
	}
	var acts map[int64][]string
	if withActivities {
		if acts, err = s.allActivities(ctx); err != nil {
			return err
		}
	}
	where, args := f.where()
	rows, err := s.db.R.QueryContext(ctx, `SELECT `+communityCols(false)+` FROM obs_communities c`+where+` ORDER BY c.sort_name, c.id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		c, err := s.scanCommunity(rows)
		if err != nil {
			return err
		}
		c.Activities = acts[c.ID]
		if err := fn(&c, aggs[c.ID]); err != nil {
			return err
		}
	}
	return rows.Err()
}

func num(v float64) string { return chart.FormatCSV(v) }

func numPtr(v *float64) string {
	if v == nil {
		return ""
	}
	return chart.FormatCSV(*v)
}

func itoa0(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// WriteCommunitiesCSV writes communities.csv (UTF-8, comma, one header
// row) for the filter; private contact fields are never written.
func (s *Service) WriteCommunitiesCSV(ctx context.Context, w io.Writer, f Filter, baseURL string) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	cw := csv.NewWriter(bw)
	if err := cw.Write(CommunityColumns); err != nil {
		return err
	}
	row := make([]string, len(CommunityColumns))
	err := s.eachCommunity(ctx, f, true, func(c *Community, agg projectAgg) error {
		p, pl := c.Principles, c.Place
		ct := c.Contact.Public()
		row = append(row[:0], c.Slug, c.Name, c.LegalForm, c.EUStatus,
			p.OpenParticipation.Status, p.OpenParticipation.Evidence, p.MemberControl.Status, p.MemberControl.Evidence, p.Benefits.Status, p.Benefits.Evidence,
			pl.Commune, pl.CommuneName, pl.EPCI, pl.EPCIName, pl.Departement, pl.DepartementName, pl.Region, pl.RegionName,
			strconv.FormatFloat(pl.Lat, 'f', 5, 64), strconv.FormatFloat(pl.Lon, 'f', 5, 64),
			itoa0(c.FoundingYear), c.Stage, c.StageSince.UTC().Format("2006-01-02"),
			strconv.Itoa(c.Members.Citizens), strconv.Itoa(c.Members.LocalAuthorities), strconv.Itoa(c.Members.Businesses), strconv.Itoa(c.Members.Associations),
			strconv.Itoa(c.Members.Total()),
			strings.Join(c.Activities, "|"), c.Website, ct.Name, ct.Email, ct.Phone, c.Label, c.Description, strconv.FormatBool(c.Example),
			strconv.Itoa(agg.n), strconv.Itoa(agg.operating), num(agg.kw), baseURL+"/communautes/"+c.Slug, c.UpdatedAt.UTC().Format("2006-01-02T15:04:05Z"))
		return cw.Write(row)
	})
	if err != nil {
		return err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// WriteProjectsCSV writes projects.csv for the communities matching f.
func (s *Service) WriteProjectsCSV(ctx context.Context, w io.Writer, f Filter) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	cw := csv.NewWriter(bw)
	if err := cw.Write(ProjectColumns); err != nil {
		return err
	}
	where, args := f.where()
	rows, err := s.db.R.QueryContext(ctx, `SELECT `+projectCols+` FROM obs_projects p JOIN obs_communities c ON c.id = p.community_id`+where+` ORDER BY c.sort_name, p.id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	row := make([]string, len(ProjectColumns))
	for rows.Next() {
		p, err := s.scanProject(rows)
		if err != nil {
			return err
		}
		pl := p.Place
		row = append(row[:0], strconv.FormatInt(p.ID, 10), p.CommunitySlug, p.CommunityName, p.Name, p.Technology, numPtr(p.CapacityKW), p.CapacityUnit,
			numPtr(p.ProductionMWh), strconv.FormatBool(p.ProductionMeasured), p.Status, p.Commissioning, numPtr(p.CitizenSharePct), numPtr(p.InvestmentEUR),
			pl.Commune, pl.CommuneName, pl.EPCI, pl.EPCIName, pl.Departement, pl.DepartementName, pl.Region, pl.RegionName, p.UpdatedAt.UTC().Format("2006-01-02T15:04:05Z"))
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// geoProps are the properties of one community in communities.geojson.
type geoProps struct {
	Slug        string  `json:"slug"`
	Name        string  `json:"name"`
	URL         string  `json:"url"`
	LegalForm   string  `json:"legal_form"`
	EUStatus    string  `json:"eu_status"`
	Stage       string  `json:"stage"`
	Commune     string  `json:"commune"`
	CommuneName string  `json:"commune_name"`
	EPCI        string  `json:"epci"`
	Departement string  `json:"departement"`
	Region      string  `json:"region"`
	Founded     int     `json:"founding_year,omitempty"`
	Members     int     `json:"members"`
	Projects    int     `json:"projects"`
	InstalledKW float64 `json:"installed_kw"`
	Label       string  `json:"label,omitempty"`
	Example     bool    `json:"example"`
	// Location says how precise the point is: "exact" (the commune's own
	// point) or an approximation ("epci", "departement").
	Location string `json:"location"`
}

func round5(v float64) float64 { return math.Round(v*1e5) / 1e5 }

// WriteGeoJSON writes the communities matching f as a GeoJSON
// FeatureCollection (RFC 7946, WGS 84, [longitude, latitude]) with one
// Point per community at its commune's point. A community whose point lies
// outside France's boxes (territory.InFrance) gets a null geometry.
func (s *Service) WriteGeoJSON(ctx context.Context, w io.Writer, f Filter, baseURL string) error {
	aggs, err := s.projectAggregates(ctx)
	if err != nil {
		return err
	}
	where, args := f.where()
	rows, err := s.db.R.QueryContext(ctx, `SELECT c.id, c.slug, c.name, c.legal_form, c.eu_status, c.stage, c.commune, c.epci, c.departement, c.region,
		c.lat, c.lon, c.founding_year, c.members_citizens + c.members_local_authorities + c.members_businesses + c.members_associations, c.label, c.example
		FROM obs_communities c`+where+` ORDER BY c.sort_name, c.id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString(`{"type":"FeatureCollection","features":[`)
	first := true
	var id int64
	var lat, lon float64
	var buf []byte
	for rows.Next() {
		var p geoProps
		if err := rows.Scan(&id, &p.Slug, &p.Name, &p.LegalForm, &p.EUStatus, &p.Stage, &p.Commune, &p.EPCI, &p.Departement, &p.Region,
			&lat, &lon, &p.Founded, &p.Members, &p.Label, &p.Example); err != nil {
			return err
		}
		agg := aggs[id]
		p.URL, p.Projects, p.InstalledKW, p.Location = baseURL+"/communautes/"+p.Slug, agg.n, agg.kw, "none"
		if t, ok := s.terr.Get(territory.Commune, p.Commune); ok {
			p.CommuneName, p.Location = t.Name, string(t.PointSource)
		}
		if !first {
			bw.WriteByte(',')
		}
		first = false
		pb, err := json.Marshal(p)
		if err != nil {
			return err
		}
		sb, _ := json.Marshal(p.Slug)
		bw.WriteString(`{"type":"Feature","id":`)
		bw.Write(sb)
		if territory.InFrance(lat, lon) {
			buf = append(buf[:0], `,"geometry":{"type":"Point","coordinates":[`...)
			buf = strconv.AppendFloat(buf, round5(lon), 'f', -1, 64)
			buf = append(buf, ',')
			buf = strconv.AppendFloat(buf, round5(lat), 'f', -1, 64)
			buf = append(buf, "]}"...)
			bw.Write(buf)
		} else {
			bw.WriteString(`,"geometry":null`)
		}
		bw.WriteString(`,"properties":`)
		bw.Write(pb)
		bw.WriteByte('}')
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if _, err := bw.WriteString("]}\n"); err != nil {
		return err
	}
	return bw.Flush()
}
