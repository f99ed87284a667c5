package commons

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/platform/db"
	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
)

// Federation: an administrator registers another catalogue's /catalog.jsonld; a harvest
// fetches it (following hydra:next pages), creates or updates one read-only resource per
// dataset with its provenance, and archives the resources that stayed absent upstream longer
// than the grace period. Each run keeps a report.

// DefaultGracePeriod is how long a harvested resource may be missing upstream before it is
// archived here (setting "harvest.grace_period").
const DefaultGracePeriod = 7 * 24 * time.Hour

const settingGrace = "harvest.grace_period"

// Limits of a harvest.
const (
	maxCatalogBytes = 64 << 20
	maxCatalogPages = 1000
	staleRun        = time.Hour
)

// Source is a registered catalogue.
type Source struct {
	ID        int64
	Name      string
	URL       string
	CreatedAt time.Time
	LastRunAt *time.Time
	Items     int
	LastJob   *Job
}

// Job is one harvest run and its report.
type Job struct {
	ID         int64
	SourceID   int64
	SourceName string
	StartedAt  time.Time
	FinishedAt *time.Time
	Status     string // running, ok, failed
	Trigger    string
	Created    int
	Updated    int
	Unchanged  int
	Archived   int
	Errors     int
	Report     []JobIssue
}

// JobIssue is one problem met during a harvest.
type JobIssue struct {
	Item    string `json:"item,omitempty"`
	Message string `json:"message"`
}

// Job statuses.
const (
	JobRunning = "running"
	JobOK      = "ok"
	JobFailed  = "failed"
)

// GracePeriod returns the configured grace period.
func (s *Service) GracePeriod(ctx context.Context) (time.Duration, error) {
	var v string
	err := s.db.R.QueryRowContext(ctx, `SELECT value FROM commons_settings WHERE key = $1`, settingGrace).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultGracePeriod, nil
	}
	if err != nil {
		return 0, err
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return DefaultGracePeriod, nil
	}
	return d, nil
}

// ParseGrace reads a grace period written as a Go duration ("168h") or a number of days ("7").
func ParseGrace(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var days int
	if _, err := fmt.Sscanf(s, "%d", &days); err == nil && fmt.Sprint(days) == s {
		if days < 0 || days > 3650 {
			return 0, errs.Field("grace", "Le délai de grâce va de 0 à 3650 jours.", "The grace period is 0 to 3650 days.")
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, errs.Field("grace", "Délai de grâce invalide « "+s+" » : un nombre de jours (7) ou une durée (36h).",
			"Invalid grace period \""+s+"\": a number of days (7) or a duration (36h).")
	}
	return d, nil
}

// SetGracePeriod changes the grace period.
func (s *Service) SetGracePeriod(ctx context.Context, d time.Duration) error {
	_, err := s.db.W.ExecContext(ctx, `INSERT INTO commons_settings (key, value, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, settingGrace, d.String(), s.Now())
	return err
}

func checkSourceURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return "", errs.Field("url", "Adresse de catalogue invalide : une URL http(s) comme https://exemple.org/catalog.jsonld.",
			"Invalid catalogue address: an http(s) URL such as https://example.org/catalog.jsonld.")
	}
	return u.String(), nil
}

// AddSource registers a catalogue to harvest.
func (s *Service) AddSource(ctx context.Context, rawURL, name string, by Author) (Source, error) {
	u, err := checkSourceURL(rawURL)
	if err != nil {
		return Source{}, err
	}
	name = cleanLine(name)
	if name == "" {
		pu, _ := url.Parse(u)
		name = pu.Host
	}
	if runes(name) > MaxTitle {
		return Source{}, errs.Field("name", "Le nom fait 200 caractères au plus.", "The name is at most 200 characters.")
	}
	src := Source{Name: name, URL: u, CreatedAt: s.Now()}
	var createdBy any
	if by.UserID != 0 {
		createdBy = by.UserID
	}
	err = s.db.W.QueryRowContext(ctx, `INSERT INTO harvest_sources (name, url, created_by, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
		name, u, createdBy, src.CreatedAt).Scan(&src.ID)
	if db.IsUniqueViolation(err) {
		return Source{}, errs.Field("url", "Ce catalogue est déjà enregistré.", "This catalogue is already registered.")
	}
	return src, err
}

// Sources lists the registered catalogues with their last run.
func (s *Service) Sources(ctx context.Context) ([]Source, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT h.id, h.name, h.url, h.created_at, h.last_run_at,
		(SELECT count(*) FROM resources r WHERE r.source_id = h.id AND r.status <> $1) FROM harvest_sources h ORDER BY h.name, h.id`, StatusArchived)
	if err != nil {
		return nil, err
	}
	var out []Source
	for rows.Next() {
		var x Source
		var last sql.NullTime
		if err := rows.Scan(&x.ID, &x.Name, &x.URL, &x.CreatedAt, &last, &x.Items); err != nil {
			rows.Close()
			return nil, err
		}
		if last.Valid {
			t := last.Time.UTC()
			x.LastRunAt = &t
		}
		out = append(out, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		jobs, err := s.Jobs(ctx, out[i].ID, 1)
		if err != nil {
			return nil, err
		}
		if len(jobs) > 0 {
			out[i].LastJob = &jobs[0]
		}
	}
	return out, nil
}

// Source returns one registered catalogue.
func (s *Service) Source(ctx context.Context, id int64) (Source, error) {
	var x Source
	err := s.db.R.QueryRowContext(ctx, `SELECT id, name, url, created_at FROM harvest_sources WHERE id = $1`, id).Scan(&x.ID, &x.Name, &x.URL, &x.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return x, errs.New(errs.NotFound, fmt.Sprintf("Aucune source de moissonnage n° %d.", id), fmt.Sprintf("No harvest source #%d.", id))
	}
	return x, err
}

// Jobs lists the latest runs, of one source (sourceID > 0) or all.
func (s *Service) Jobs(ctx context.Context, sourceID int64, limit int) ([]Job, error) {
	q := `SELECT j.id, j.source_id, h.name, j.started_at, j.finished_at, j.status, j.triggered_by, j.created, j.updated, j.unchanged, j.archived, j.errors, j.report
		FROM harvest_jobs j JOIN harvest_sources h ON h.id = j.source_id`
	args := []any{}
	if sourceID > 0 {
		q += ` WHERE j.source_id = $1`
		args = append(args, sourceID)
	}
	q += fmt.Sprintf(` ORDER BY j.id DESC LIMIT %d`, max(limit, 1))
	rows, err := s.db.R.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Job
	for rows.Next() {
		var j Job
		var fin sql.NullTime
		var report string
		if err := rows.Scan(&j.ID, &j.SourceID, &j.SourceName, &j.StartedAt, &fin, &j.Status, &j.Trigger, &j.Created, &j.Updated, &j.Unchanged,
			&j.Archived, &j.Errors, &report); err != nil {
			return nil, err
		}
		j.StartedAt = j.StartedAt.UTC()
		if fin.Valid {
			t := fin.Time.UTC()
			j.FinishedAt = &t
		}
		_ = json.Unmarshal([]byte(report), &j.Report)
		out = append(out, j)
	}
	return out, rows.Err()
}

// HarvestAll runs every source in turn and returns their jobs.
func (s *Service) HarvestAll(ctx context.Context, trigger string) ([]Job, error) {
	srcs, err := s.Sources(ctx)
	if err != nil {
		return nil, err
	}
	var out []Job
	for _, src := range srcs {
		j, err := s.Harvest(ctx, src.ID, trigger)
		if err != nil && j.ID == 0 {
			return out, err
		}
		out = append(out, j)
	}
	return out, nil
}

// remoteItem is one dataset read from a catalogue.
type remoteItem struct {
	id, uri, url string
	fields       Fields
}

// Harvest fetches one source and reconciles its datasets. The job is recorded even when the
// fetch fails (status failed, with the reason); items are only archived after a complete read.
func (s *Service) Harvest(ctx context.Context, sourceID int64, trigger string) (Job, error) {
	src, err := s.Source(ctx, sourceID)
	if err != nil {
		return Job{}, err
	}
	start := s.Now()
	job := Job{SourceID: src.ID, SourceName: src.Name, StartedAt: start, Status: JobRunning, Trigger: trigger}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		var running int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM harvest_jobs WHERE source_id = $1 AND status = $2 AND started_at > $3`,
			src.ID, JobRunning, start.Add(-staleRun)).Scan(&running); err != nil {
			return err
		}
		if running > 0 {
			return errs.New(errs.Conflict, "Un moissonnage de cette source est déjà en cours.", "A harvest of this source is already running.")
		}
		return tx.QueryRowContext(ctx, `INSERT INTO harvest_jobs (source_id, started_at, status, triggered_by) VALUES ($1, $2, $3, $4) RETURNING id`,
			src.ID, start, JobRunning, trigger).Scan(&job.ID)
	})
	if err != nil {
		return Job{}, err
	}
	issue := func(item, msg string) {
		job.Errors++
		if len(job.Report) < 200 {
			job.Report = append(job.Report, JobIssue{Item: item, Message: msg})
		}
	}
	items, ferr := s.fetchCatalog(ctx, src.URL, issue)
	if ferr == nil {
		seen := map[string]bool{}
		for _, it := range items {
			if seen[it.id] {
				issue(it.id, "identifiant en double dans le catalogue : seule la première occurrence est gardée")
				continue
			}
			seen[it.id] = true
			outcome, err := s.reconcile(ctx, src, it, start)
			if err != nil {
				msg := err.Error()
				if e, ok := errs.As(err); ok {
					msg = e.Message.FR
					for _, d := range e.Details {
						msg += " ; " + d.Message.FR
					}
				}
				issue(it.id, msg)
				continue
			}
			switch outcome {
			case "created":
				job.Created++
			case "updated":
				job.Updated++
			default:
				job.Unchanged++
			}
		}
		n, err := s.archiveGone(ctx, src, start)
		if err != nil {
			ferr = err
		}
		job.Archived = n
	}
	job.Status = JobOK
	if ferr != nil {
		job.Status = JobFailed
		issue("", ferr.Error())
	}
	fin := s.Now()
	job.FinishedAt = &fin
	report, _ := json.Marshal(job.Report)
	if job.Report == nil {
		report = []byte("[]")
	}
	werr := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE harvest_jobs SET finished_at = $1, status = $2, created = $3, updated = $4, unchanged = $5, archived = $6,
			errors = $7, report = $8 WHERE id = $9`, fin, job.Status, job.Created, job.Updated, job.Unchanged, job.Archived, job.Errors, string(report), job.ID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE harvest_sources SET last_run_at = $1 WHERE id = $2`, fin, src.ID)
		return err
	})
	if werr != nil {
		return job, werr
	}
	if ferr != nil {
		return job, errs.Wrap(errs.Invalid, ferr, "Moissonnage de « "+src.Name+" » échoué : "+ferr.Error(), "Harvest of \""+src.Name+"\" failed: "+ferr.Error())
	}
	return job, nil
}

// fetchCatalog reads every page of a catalogue.
func (s *Service) fetchCatalog(ctx context.Context, start string, issue func(item, msg string)) ([]remoteItem, error) {
	var out []remoteItem
	next := start
	first, _ := url.Parse(start)
	visited := map[string]bool{}
	for page := 0; next != "" && page < maxCatalogPages; page++ {
		if visited[next] {
			break
		}
		visited[next] = true
		doc, err := s.fetchJSON(ctx, next)
		if err != nil {
			return nil, err
		}
		sets, nextURL, err := catalogNodes(doc)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", next, err)
		}
		for i, d := range sets {
			it, err := s.parseDataset(d)
			if err != nil {
				issue(fmt.Sprintf("%s#%d", next, i+1), err.Error())
				continue
			}
			out = append(out, it)
		}
		next = ""
		if nextURL != "" {
			if u, err := first.Parse(nextURL); err == nil && u.Host == first.Host {
				next = u.String()
			}
		}
	}
	return out, nil
}

func (s *Service) fetchJSON(ctx context.Context, u string) (map[string]any, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/ld+json, application/json;q=0.9")
	req.Header.Set("User-Agent", "Fabrique-moissonneur (+"+s.baseURL+")")
	resp, err := s.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("lecture de %s impossible : %v", u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s répond %d %s", u, resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	var doc map[string]any
	dec := json.NewDecoder(io.LimitReader(resp.Body, maxCatalogBytes))
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s n'est pas un catalogue JSON-LD lisible : %v", u, err)
	}
	return doc, nil
}

// Prefixes the harvester understands, compacted or expanded.
var prefixes = map[string]string{
	"dcat:": "http://www.w3.org/ns/dcat#", "dct:": "http://purl.org/dc/terms/", "foaf:": "http://xmlns.com/foaf/0.1/",
	"skos:": "http://www.w3.org/2004/02/skos/core#", "hydra:": "http://www.w3.org/ns/hydra/core#", "schema:": "https://schema.org/",
	"owl:": "http://www.w3.org/2002/07/owl#",
}

// prop reads a property given as "dct:title", or by its full IRI.
func prop(m map[string]any, name string) any {
	if v, ok := m[name]; ok {
		return v
	}
	for p, full := range prefixes {
		if rest, ok := strings.CutPrefix(name, p); ok {
			if v, ok := m[full+rest]; ok {
				return v
			}
			if p == "schema:" {
				if v, ok := m["http://schema.org/"+rest]; ok {
					return v
				}
			}
		}
	}
	return nil
}

func asList(v any) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		return x
	}
	return []any{v}
}

// text reads a literal: a string, {"@value": …}, or a list (French first).
func text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return fmt.Sprint(x)
	case map[string]any:
		if s, ok := x["@value"].(string); ok {
			return s
		}
	case []any:
		best := ""
		for _, e := range x {
			if m, ok := e.(map[string]any); ok && m["@language"] == "fr" {
				return text(m)
			}
			if best == "" {
				best = text(e)
			}
		}
		return best
	}
	return ""
}

// ref reads a node reference: {"@id": …} or a string.
func ref(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		if s, ok := x["@id"].(string); ok {
			return s
		}
	case []any:
		if len(x) > 0 {
			return ref(x[0])
		}
	}
	return ""
}

func hasType(m map[string]any, t string) bool {
	full := prefixes["dcat:"] + strings.TrimPrefix(t, "dcat:")
	for _, x := range asList(m["@type"]) {
		if s, _ := x.(string); s == t || s == full {
			return true
		}
	}
	return false
}

// catalogNodes finds the datasets of a catalogue page and its next page.
func catalogNodes(doc map[string]any) ([]map[string]any, string, error) {
	var sets []map[string]any
	next := ""
	collect := func(m map[string]any) {
		for _, d := range asList(prop(m, "dcat:dataset")) {
			if dm, ok := d.(map[string]any); ok {
				sets = append(sets, dm)
			}
		}
		if v, ok := prop(m, "hydra:view").(map[string]any); ok && next == "" {
			next = ref(prop(v, "hydra:next"))
		}
		if n := ref(prop(m, "hydra:next")); n != "" && next == "" {
			next = n
		}
	}
	if g, ok := doc["@graph"]; ok {
		for _, n := range asList(g) {
			m, ok := n.(map[string]any)
			if !ok {
				continue
			}
			switch {
			case hasType(m, "dcat:Dataset"):
				sets = append(sets, m)
			default:
				collect(m)
			}
		}
	} else {
		if !hasType(doc, "dcat:Catalog") && prop(doc, "dcat:dataset") == nil {
			return nil, "", errors.New("ce document n'est pas un catalogue DCAT (ni dcat:Catalog ni dcat:dataset)")
		}
		collect(doc)
	}
	return sets, next, nil
}

// parseDataset maps a DCAT dataset to resource fields.
func (s *Service) parseDataset(d map[string]any) (remoteItem, error) {
	it := remoteItem{uri: ref(d)}
	if id, ok := d["@id"].(string); ok {
		it.uri = id
	}
	it.id = text(prop(d, "dct:identifier"))
	if it.id == "" {
		it.id = it.uri
	}
	if it.id == "" {
		return it, errors.New("jeu de données sans dct:identifier ni @id")
	}
	it.url = ref(prop(d, "dcat:landingPage"))
	if it.url == "" {
		it.url = it.uri
	}
	f := &it.fields
	f.Title = text(prop(d, "dct:title"))
	desc := text(prop(d, "dct:description"))
	f.Body = text(prop(d, "schema:text"))
	if f.Body == "" {
		f.Body = desc
	}
	f.Summary = cleanLine(desc)
	if runes(f.Summary) > MaxSummary {
		f.Summary = summarize(f.Summary)
	}
	f.Kind = text(prop(d, "dct:type"))
	if !Kinds.Has(f.Kind) {
		f.Kind = defaultKind
	}
	f.Licence = LicenceUnspecified
	if l, ok := NormalizeLicence(ref(prop(d, "dct:license"))); ok {
		f.Licence = l
	}
	f.Maturity = text(prop(d, "schema:creativeWorkStatus"))
	if !Maturities.Has(f.Maturity) {
		f.Maturity = defaultMaturity
	}
	f.Status = StatusPublished
	for _, t := range asList(prop(d, "dcat:theme")) {
		code := ""
		if m, ok := t.(map[string]any); ok {
			code = text(prop(m, "skos:notation"))
		}
		if !Themes.Has(code) {
			if u, err := url.Parse(ref(t)); err == nil {
				code = u.Query().Get("theme")
			}
		}
		if Themes.Has(code) {
			f.Themes = append(f.Themes, code)
		}
	}
	for _, sp := range asList(prop(d, "dct:spatial")) {
		key := ""
		if m, ok := sp.(map[string]any); ok {
			key = text(prop(m, "dct:identifier"))
		}
		if key == "" {
			// …/territoires/commune/29039
			parts := strings.Split(strings.TrimRight(ref(sp), "/"), "/")
			if n := len(parts); n >= 3 && parts[n-3] == "territoires" {
				key = parts[n-2] + ":" + parts[n-1]
			}
		}
		if p, err := ParsePlace(s.terr, key); err == nil {
			f.Territories = append(f.Territories, p)
		}
	}
	for _, x := range asList(prop(d, "dcat:distribution")) {
		m, ok := x.(map[string]any)
		if !ok || len(f.Links) >= MaxListItems {
			continue
		}
		u := ref(prop(m, "dcat:accessURL"))
		if u == "" {
			u = ref(prop(m, "dcat:downloadURL"))
		}
		if _, ok := checkURL(u); !ok {
			continue
		}
		typ := text(prop(m, "dct:type"))
		if !LinkTypes.Has(typ) {
			typ = "autre"
			if ref(prop(m, "dcat:downloadURL")) != "" {
				typ = "donnees"
			}
		}
		label := text(prop(m, "dct:title"))
		if runes(label) > MaxTitle {
			label = string([]rune(label)[:MaxTitle])
		}
		f.Links = append(f.Links, Link{URL: u, Label: label, Type: typ})
	}
	return it, nil
}

// reconcile creates or updates the local copy of a remote item: by source and remote id,
// then by URI. It returns "created", "updated" or "unchanged".
func (s *Service) reconcile(ctx context.Context, src Source, it remoteItem, seenAt time.Time) (string, error) {
	f := it.fields
	if err := normalize(&f, s.terr, func(string) (string, bool) { return "", false }); err != nil {
		return "", err
	}
	author := Author{Name: "moissonnage (" + src.Name + ")"}
	outcome := "unchanged"
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var id int64
		var rev int
		var snap string
		err := tx.QueryRowContext(ctx, `SELECT r.id, r.revision, v.snapshot FROM resources r JOIN commons_revisions v
			ON v.entity = 'resource' AND v.entity_id = r.id AND v.number = r.revision WHERE r.source_id = $1 AND r.remote_id = $2`, src.ID, it.id).Scan(&id, &rev, &snap)
		if errors.Is(err, sql.ErrNoRows) && it.uri != "" {
			err = tx.QueryRowContext(ctx, `SELECT r.id, r.revision, v.snapshot FROM resources r JOIN commons_revisions v
				ON v.entity = 'resource' AND v.entity_id = r.id AND v.number = r.revision WHERE r.source_id IS NOT NULL AND r.remote_uri = $1
				ORDER BY r.id LIMIT 1`, it.uri).Scan(&id, &rev, &snap)
		}
		if errors.Is(err, sql.ErrNoRows) {
			prov := &Provenance{SourceID: src.ID, RemoteID: it.id, RemoteURI: it.uri, RemoteURL: it.url, LastSeen: seenAt}
			_, _, err := s.insertResource(ctx, tx, &f, nil, "", writeOpts{at: seenAt, author: author, comment: "Moissonnage : création", prov: prov})
			outcome = "created"
			return err
		}
		if err != nil {
			return err
		}
		if mustJSON(f) != snap {
			if err := s.updateResourceRow(ctx, tx, id, rev, &f, nil, writeOpts{at: seenAt, author: author, comment: "Moissonnage : mise à jour"}); err != nil {
				return err
			}
			outcome = "updated"
		}
		_, err = tx.ExecContext(ctx, `UPDATE resources SET source_id = $1, remote_id = $2, remote_uri = $3, remote_url = $4, last_seen_at = $5, gone_since = NULL
			WHERE id = $6`, src.ID, it.id, it.uri, it.url, seenAt, id)
		return err
	})
	return outcome, err
}

// archiveGone marks what the source no longer lists, and archives what has been missing for
// longer than the grace period.
func (s *Service) archiveGone(ctx context.Context, src Source, runStart time.Time) (int, error) {
	grace, err := s.GracePeriod(ctx)
	if err != nil {
		return 0, err
	}
	now := s.Now()
	if _, err := s.db.W.ExecContext(ctx, `UPDATE resources SET gone_since = $1 WHERE source_id = $2 AND gone_since IS NULL AND status <> $3
		AND (last_seen_at IS NULL OR last_seen_at < $4)`, now, src.ID, StatusArchived, runStart); err != nil {
		return 0, err
	}
	rows, err := s.db.R.QueryContext(ctx, `SELECT slug FROM resources WHERE source_id = $1 AND status <> $2 AND gone_since IS NOT NULL AND gone_since <= $3`,
		src.ID, StatusArchived, now.Add(-grace))
	if err != nil {
		return 0, err
	}
	var slugs []string
	for rows.Next() {
		var sl string
		if err := rows.Scan(&sl); err != nil {
			rows.Close()
			return 0, err
		}
		slugs = append(slugs, sl)
	}
	rows.Close()
	n := 0
	for _, sl := range slugs {
		err := s.db.Tx(ctx, func(tx *sql.Tx) error {
			h, err := s.resourceHead(ctx, tx, sl)
			if err != nil {
				return err
			}
			var f Fields
			if err := json.Unmarshal([]byte(h.snapshot), &f); err != nil {
				return err
			}
			f.Status = StatusArchived
			return s.updateResourceRow(ctx, tx, h.id, h.revision, &f, nil, writeOpts{at: now, author: Author{Name: "moissonnage (" + src.Name + ")"},
				comment: fmt.Sprintf("Archivée : absente de la source depuis plus de %s", humanDuration(grace))})
		})
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

func humanDuration(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%d jour(s)", int(d/(24*time.Hour)))
	}
	return d.String()
}
