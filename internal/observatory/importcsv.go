package observatory

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/i18n"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
)

// ImportColumns are the columns the community import reads. Only "name",
// "legal_form" and "commune" are required (for new communities); "slug"
// is the stable key: a line whose slug exists updates that community,
// otherwise it creates one. Without a slug column the key is derived from
// the name.
var ImportColumns = []string{
	"slug", "name", "legal_form", "eu_status",
	"open_participation", "open_participation_evidence", "member_control", "member_control_evidence", "benefits", "benefits_evidence",
	"commune", "founding_year", "stage",
	"members_citizens", "members_local_authorities", "members_businesses", "members_associations",
	"activities", "website",
	"contact_name", "contact_name_private", "contact_email", "contact_email_private", "contact_phone", "contact_phone_private",
	"label", "description", "example", "managers",
}

// importIgnored are columns of communities.csv that an import accepts and
// ignores (they are computed), so an export can be edited and imported back.
var importIgnored = []string{"commune_name", "epci", "epci_name", "departement", "departement_name", "region", "region_name", "lat", "lon",
	"stage_since", "members_total", "projects", "projects_in_operation", "installed_kw", "url", "updated_at"}

// Import limits.
const (
	MaxImportRows  = 50_000
	MaxImportBytes = 32 << 20
	maxReported    = 200
)

// ImportLine is what happened (or would happen) to one line.
type ImportLine struct {
	Line   int    `json:"line"`
	Slug   string `json:"slug"`
	Action string `json:"action"` // "create" or "update"
}

// ImportReport sums up an import.
type ImportReport struct {
	DryRun  bool         `json:"dry_run"`
	Rows    int          `json:"rows"`
	Created int          `json:"created"`
	Updated int          `json:"updated"`
	Lines   []ImportLine `json:"lines"`
}

// importRow is one parsed line.
type importRow struct {
	line     int
	cells    map[string]string
	colOf    map[string]int
	input    CommunityInput
	existing bool
	id       int64
	oldStage string
	managers []int64
	comm     Community
}

// detectComma picks the delimiter of a CSV file from its first line:
// comma, semicolon (French spreadsheets) or tab.
func detectComma(first []byte) rune {
	best, n := ',', bytes.Count(first, []byte{','})
	for _, c := range []rune{';', '\t'} {
		if k := bytes.Count(first, []byte(string(c))); k > n {
			best, n = c, k
		}
	}
	return best
}

func lineErr(line, col int, field, fr, en string) errs.Detail {
	return errs.Detail{Line: line, Column: col, Field: field, Message: i18n.T(fr, en)}
}

// ParseCommunitiesCSV reads an import file into lines of cells keyed by
// column name. It checks the structure only (encoding, header, column
// count); values are checked by Import. Errors carry line and column.
func ParseCommunitiesCSV(r io.Reader) (header []string, rows []map[string]string, lines []int, err error) {
	br := bufio.NewReader(io.LimitReader(r, MaxImportBytes+1))
	data, err := io.ReadAll(br)
	if err != nil {
		return nil, nil, nil, err
	}
	if len(data) > MaxImportBytes {
		return nil, nil, nil, errs.New(errs.TooLarge, fmt.Sprintf("Le fichier dépasse %d Mio.", MaxImportBytes>>20), fmt.Sprintf("The file is larger than %d MiB.", MaxImportBytes>>20))
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		bad := 1 + bytes.Count(data[:invalidAt(data)], []byte{'\n'})
		return nil, nil, nil, errs.New(errs.Invalid, "Le fichier n'est pas en UTF-8 : enregistrez-le en « CSV UTF-8 ».", "The file is not UTF-8: save it as \"CSV UTF-8\".").
			With(lineErr(bad, 0, "", "caractères non UTF-8 sur cette ligne", "non-UTF-8 characters on this line"))
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil, nil, errs.New(errs.Invalid, "Le fichier est vide : la première ligne doit nommer les colonnes.", "The file is empty: the first line must name the columns.")
	}
	firstLine, _, _ := bytes.Cut(data, []byte{'\n'})
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = detectComma(firstLine)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	head, err := cr.Read()
	if err != nil {
		return nil, nil, nil, csvError(err)
	}
	known := map[string]bool{}
	for _, c := range ImportColumns {
		known[c] = true
	}
	for _, c := range importIgnored {
		known[c] = true
	}
	fail := errs.New(errs.Invalid, "Le fichier est refusé : rien n'a été importé. Corrigez les lignes signalées puis recommencez.",
		"The file is refused: nothing was imported. Correct the lines shown and try again.")
	seen := map[string]int{}
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(h))
		head[i] = h
		switch {
		case h == "":
			fail.With(lineErr(1, i+1, "", "colonne sans nom", "column without a name"))
		case !known[h]:
			fail.With(lineErr(1, i+1, h, "colonne inconnue « "+h+" » (voir la liste des colonnes dans la documentation)", "unknown column \""+h+"\" (see the column list in the documentation)"))
		case seen[h] > 0:
			fail.With(lineErr(1, i+1, h, fmt.Sprintf("colonne « %s » en double (déjà en colonne %d)", h, seen[h]), fmt.Sprintf("column %q appears twice (already column %d)", h, seen[h])))
		}
		seen[h] = i + 1
	}
	for _, req := range []string{"name", "legal_form", "commune"} {
		if seen[req] == 0 {
			fail.With(lineErr(1, 0, req, "colonne obligatoire « "+req+" » absente", "required column \""+req+"\" missing"))
		}
	}
	if len(fail.Details) > 0 {
		return nil, nil, nil, fail
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, nil, csvError(err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // blank line
		}
		if len(rec) != len(head) {
			fail.With(lineErr(line, 0, "", fmt.Sprintf("%d champs au lieu de %d (vérifiez les guillemets et le séparateur)", len(rec), len(head)),
				fmt.Sprintf("%d fields instead of %d (check the quotes and the delimiter)", len(rec), len(head))))
			if len(fail.Details) >= maxReported {
				break
			}
			continue
		}
		if len(rows) >= MaxImportRows {
			return nil, nil, nil, errs.New(errs.TooLarge, fmt.Sprintf("Le fichier dépasse %d lignes : découpez-le.", MaxImportRows), fmt.Sprintf("The file has more than %d lines: split it.", MaxImportRows))
		}
		m := make(map[string]string, len(head))
		for i, h := range head {
			m[h] = strings.TrimSpace(rec[i])
		}
		rows = append(rows, m)
		lines = append(lines, line)
	}
	if len(fail.Details) > 0 {
		return nil, nil, nil, fail
	}
	return head, rows, lines, nil
}

func invalidAt(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return len(b)
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return errs.New(errs.Invalid, "Le fichier CSV est mal formé : rien n'a été importé.", "The CSV file is malformed: nothing was imported.").
			With(lineErr(pe.Line, pe.Column, "", "CSV mal formé : "+pe.Err.Error(), "malformed CSV: "+pe.Err.Error()))
	}
	return err
}

// fieldColumn maps a validation field to its import column.
func fieldColumn(field string) string {
	field = strings.TrimPrefix(field, "principles.")
	field = strings.Replace(field, ".status", "", 1)
	field = strings.Replace(field, ".evidence", "_evidence", 1)
	field = strings.Replace(field, "members.", "members_", 1)
	field = strings.Replace(field, "contact.", "contact_", 1)
	return field
}

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "true", "vrai", "oui", "yes", "o", "y", "x":
		return true, true
	case "0", "false", "faux", "non", "no", "n":
		return false, true
	}
	return false, false
}

func parseCount(s string) (int, bool) {
	s = strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "").Replace(s)
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// inputOf turns a stored community back into an input, so an import line
// changes only the cells it fills.
func inputOf(c Community) CommunityInput {
	return CommunityInput{Slug: c.Slug, Name: c.Name, LegalForm: c.LegalForm, EUStatus: c.EUStatus, Principles: c.Principles, Commune: c.Place.Commune,
		FoundingYear: c.FoundingYear, Members: c.Members, Activities: c.Activities, Website: c.Website, Contact: c.Contact, Label: c.Label,
		Description: c.Description, Stage: c.Stage, Example: c.Example}
}

// Import reads a communities CSV and creates or updates every line, all or
// nothing: with a single bad line nothing is written and the error lists
// every problem with its line, column and reason. With dryRun nothing is
// written either; the report says what would happen. Only administrators
// import (by identity), or the command line (id nil).
func (s *Service) Import(ctx context.Context, id *web.Identity, r io.Reader, dryRun bool) (ImportReport, error) {
	if id != nil && !id.IsAdmin() {
		return ImportReport{}, errs.New(errs.Forbidden, "Seuls les administrateurs importent des communautés.", "Only administrators import communities.")
	}
	head, cells, lines, err := ParseCommunitiesCSV(r)
	if err != nil {
		return ImportReport{}, err
	}
	colOf := map[string]int{}
	for i, h := range head {
		colOf[h] = i + 1
	}
	fail := errs.New(errs.Invalid, "Le fichier est refusé : rien n'a été importé. Corrigez les lignes signalées puis recommencez.",
		"The file is refused: nothing was imported. Correct the lines shown and try again.")
	add := func(line int, col string, fr, en string) {
		if len(fail.Details) < maxReported {
			fail.With(lineErr(line, colOf[col], col, fr, en))
		}
	}
	// Existing communities by slug, with their private fields: an import
	// is an administrator's tool and must not blank what it does not fill.
	existing := map[string]int64{}
	rows, err := s.db.R.QueryContext(ctx, `SELECT slug, id FROM obs_communities`)
	if err != nil {
		return ImportReport{}, err
	}
	for rows.Next() {
		var slug string
		var cid int64
		if err := rows.Scan(&slug, &cid); err != nil {
			rows.Close()
			return ImportReport{}, err
		}
		existing[slug] = cid
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return ImportReport{}, err
	}
	now := s.now()
	report := ImportReport{DryRun: dryRun, Rows: len(cells), Lines: []ImportLine{}}
	var parsed []importRow
	keyLine := map[string]int{}
	dir := s.directory()
	for i, m := range cells {
		row := importRow{line: lines[i], cells: m, colOf: colOf}
		slug := strings.ToLower(m["slug"])
		if slug == "" {
			slug = Slugify(m["name"])
		}
		if prev, dup := keyLine[slug]; dup && slug != "" {
			add(row.line, "slug", fmt.Sprintf("la communauté « %s » figure déjà ligne %d", slug, prev), fmt.Sprintf("community %q already appears on line %d", slug, prev))
			continue
		}
		keyLine[slug] = row.line
		in := CommunityInput{Slug: slug}
		if cid, ok := existing[slug]; ok {
			cur, err := s.community(ctx, s.db.R, slug, true)
			if err != nil {
				return ImportReport{}, err
			}
			row.existing, row.id, row.oldStage = true, cid, cur.Stage
			in = inputOf(cur)
		}
		for _, d := range applyCells(&in, m) {
			add(row.line, d.Field, d.Message.FR, d.Message.EN)
		}
		c, verr := validateCommunity(s.terr, in, now)
		if verr != nil {
			for _, d := range verr.Details {
				col := fieldColumn(d.Field)
				if len(fail.Details) < maxReported {
					fail.With(errs.Detail{Line: row.line, Column: colOf[col], Field: col, Message: d.Message})
				}
			}
		}
		if v := m["managers"]; v != "" {
			for _, email := range strings.FieldsFunc(v, func(r rune) bool { return r == '|' || r == ',' || r == ' ' }) {
				if dir == nil {
					add(row.line, "managers", "annuaire des comptes indisponible", "account directory unavailable")
					break
				}
				uid, _, err := dir.LookupEmail(ctx, email)
				if errs.Is(err, errs.NotFound) {
					add(row.line, "managers", "aucun compte avec l'adresse "+email, "no account with address "+email)
					continue
				}
				if err != nil {
					return ImportReport{}, err
				}
				row.managers = append(row.managers, uid)
			}
		}
		row.input, row.comm = in, c
		parsed = append(parsed, row)
	}
	if len(fail.Details) > 0 {
		return ImportReport{}, fail
	}
	for _, row := range parsed {
		action := "create"
		if row.existing {
			action = "update"
			report.Updated++
		} else {
			report.Created++
		}
		report.Lines = append(report.Lines, ImportLine{Line: row.line, Slug: row.comm.Slug, Action: action})
	}
	if dryRun {
		return report, nil
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		for i := range parsed {
			row := &parsed[i]
			c := row.comm
			c.UpdatedAt = now
			if row.existing {
				cur, err := s.community(ctx, tx, c.Slug, true)
				if err != nil {
					return err
				}
				c.ID, c.CreatedAt, c.StageSince = row.id, cur.CreatedAt, cur.StageSince
				if c.Stage != row.oldStage {
					c.StageSince = now
					if _, err := tx.ExecContext(ctx, `INSERT INTO obs_stage_changes (community_id, stage, changed_at, changed_by, author_name, note) VALUES ($1, $2, $3, $4, $5, $6)`,
						c.ID, c.Stage, now, actorID(id), actorName(id), "import"); err != nil {
						return err
					}
				}
				if err := updateCommunity(ctx, tx, c); err != nil {
					return err
				}
			} else {
				c.CreatedAt, c.StageSince = now, now
				var err error
				if c.ID, err = insertCommunity(ctx, tx, c, actorID(id)); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO obs_stage_changes (community_id, stage, changed_at, changed_by, author_name, note) VALUES ($1, $2, $3, $4, $5, $6)`,
					c.ID, c.Stage, now, actorID(id), actorName(id), "import"); err != nil {
					return err
				}
			}
			if err := writeActivities(ctx, tx, c.ID, c.Activities); err != nil {
				return err
			}
			for _, uid := range row.managers {
				if _, err := tx.ExecContext(ctx, `INSERT INTO obs_managers (community_id, user_id, added_at) VALUES ($1, $2, $3) ON CONFLICT (community_id, user_id) DO NOTHING`,
					c.ID, uid, now); err != nil {
					return err
				}
			}
		}
		return bump(ctx, tx)
	})
	if err != nil {
		return ImportReport{}, err
	}
	return report, nil
}

// applyCells writes the non-empty cells of an import line or a form into
// an input. It reports cells it cannot read, each with its column name.
func applyCells(in *CommunityInput, m map[string]string) []errs.Detail {
	var out []errs.Detail
	bad := func(col, fr, en string) {
		out = append(out, errs.Detail{Field: col, Message: i18n.T(fr, en)})
	}
	for _, t := range []struct {
		col string
		dst *string
	}{{"name", &in.Name}, {"legal_form", &in.LegalForm}, {"eu_status", &in.EUStatus},
		{"open_participation", &in.Principles.OpenParticipation.Status}, {"open_participation_evidence", &in.Principles.OpenParticipation.Evidence},
		{"member_control", &in.Principles.MemberControl.Status}, {"member_control_evidence", &in.Principles.MemberControl.Evidence},
		{"benefits", &in.Principles.Benefits.Status}, {"benefits_evidence", &in.Principles.Benefits.Evidence},
		{"commune", &in.Commune}, {"stage", &in.Stage}, {"website", &in.Website},
		{"contact_name", &in.Contact.Name}, {"contact_email", &in.Contact.Email}, {"contact_phone", &in.Contact.Phone},
		{"label", &in.Label}, {"description", &in.Description}} {
		if v := m[t.col]; v != "" {
			*t.dst = v
		}
	}
	if v := m["founding_year"]; v != "" {
		if n, ok := parseCount(v); ok {
			in.FoundingYear = n
		} else {
			bad("founding_year", "année de création illisible « "+v+" » (attendu : 4 chiffres)", "unreadable founding year \""+v+"\" (expected: 4 digits)")
		}
	}
	for _, t := range []struct {
		col string
		dst *int
	}{{"members_citizens", &in.Members.Citizens}, {"members_local_authorities", &in.Members.LocalAuthorities},
		{"members_businesses", &in.Members.Businesses}, {"members_associations", &in.Members.Associations}} {
		if v := m[t.col]; v != "" {
			if n, ok := parseCount(v); ok {
				*t.dst = n
			} else {
				bad(t.col, "nombre de membres illisible « "+v+" »", "unreadable number of members \""+v+"\"")
			}
		}
	}
	for _, t := range []struct {
		col string
		dst *bool
	}{{"contact_name_private", &in.Contact.NamePrivate}, {"contact_email_private", &in.Contact.EmailPrivate},
		{"contact_phone_private", &in.Contact.PhonePrivate}, {"example", &in.Example}} {
		if v := m[t.col]; v != "" {
			if b, ok := parseBool(v); ok {
				*t.dst = b
			} else {
				bad(t.col, "valeur « "+v+" » : écrivez oui ou non", "value \""+v+"\": write yes or no")
			}
		}
	}
	if v := m["activities"]; v != "" {
		in.Activities = strings.FieldsFunc(v, func(r rune) bool { return r == '|' || r == ',' })
	}
	return out
}
