package observatory

import (
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/i18n"
	"github.com/fabrique-des-energies/fabrique/internal/territory"
)

// Assessment is how far a community meets one shared principle, with a
// short evidence text.
type Assessment struct {
	Status   string `json:"status"`
	Evidence string `json:"evidence"`
}

// PrincipleSet holds the three principles shared by the EU definitions.
type PrincipleSet struct {
	OpenParticipation Assessment `json:"open_participation"`
	MemberControl     Assessment `json:"member_control"`
	Benefits          Assessment `json:"benefits"`
}

// Members counts a community's members by type.
type Members struct {
	Citizens         int `json:"citizens"`
	LocalAuthorities int `json:"local_authorities"`
	Businesses       int `json:"businesses"`
	Associations     int `json:"associations"`
}

// Total is the number of members of every type.
func (m Members) Total() int { return m.Citizens + m.LocalAuthorities + m.Businesses + m.Associations }

// Contact is a community's public contact. Each field may be marked
// private: a private field is kept for the community's managers and the
// Fabrique team and never shown publicly, exported or given to others
// through the API.
type Contact struct {
	Name         string `json:"name"`
	NamePrivate  bool   `json:"name_private"`
	Email        string `json:"email"`
	EmailPrivate bool   `json:"email_private"`
	Phone        string `json:"phone"`
	PhonePrivate bool   `json:"phone_private"`
}

// Public returns the contact without its private fields.
func (c Contact) Public() Contact {
	if c.NamePrivate {
		c.Name = ""
	}
	if c.EmailPrivate {
		c.Email = ""
	}
	if c.PhonePrivate {
		c.Phone = ""
	}
	return c
}

// Place is where a community or project is: its commune and the
// territories above it, and the commune's point.
type Place struct {
	Commune         string  `json:"commune"`
	CommuneName     string  `json:"commune_name"`
	EPCI            string  `json:"epci"`
	EPCIName        string  `json:"epci_name"`
	Departement     string  `json:"departement"`
	DepartementName string  `json:"departement_name"`
	Region          string  `json:"region"`
	RegionName      string  `json:"region_name"`
	Lat             float64 `json:"lat"`
	Lon             float64 `json:"lon"`
}

// placeOf resolves a commune code with the referential.
func placeOf(terr *territory.Referential, code string) (Place, bool) {
	c, ok := terr.Get(territory.Commune, code)
	if !ok {
		return Place{}, false
	}
	p := Place{Commune: c.Code, CommuneName: c.Name, EPCI: c.EPCI, Departement: c.Departement, Region: c.Region, Lat: c.Lat, Lon: c.Lon}
	p.fillNames(terr)
	return p, true
}

func (p *Place) fillNames(terr *territory.Referential) {
	if c, ok := terr.Get(territory.Commune, p.Commune); ok {
		p.CommuneName = c.Name
	}
	if t, ok := terr.Get(territory.EPCI, p.EPCI); ok {
		p.EPCIName = t.Name
	}
	if t, ok := terr.Get(territory.Departement, p.Departement); ok {
		p.DepartementName = t.Name
	}
	if t, ok := terr.Get(territory.Region, p.Region); ok {
		p.RegionName = t.Name
	}
}

// Community is one energy community as stored.
type Community struct {
	ID           int64
	Slug         string
	Name         string
	LegalForm    string
	EUStatus     string
	Principles   PrincipleSet
	Place        Place
	FoundingYear int // 0 when unknown
	Members      Members
	Activities   []string
	Website      string
	Contact      Contact
	Label        string
	Description  string
	Stage        string
	StageSince   time.Time
	Example      bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
	// Filled by list queries.
	Projects    int
	InstalledKW float64
}

// Project is one installation or project of a community.
type Project struct {
	ID            int64
	CommunityID   int64
	CommunitySlug string
	CommunityName string
	Name          string
	Technology    string
	CapacityKW    *float64
	CapacityUnit  string
	ProductionMWh *float64
	// ProductionMeasured: the production is measured, not expected.
	ProductionMeasured bool
	Status             string
	// Commissioning is a date "YYYY-MM-DD", or "" when unknown.
	Commissioning   string
	CitizenSharePct *float64
	InvestmentEUR   *float64
	Place           Place
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// StageChange is one step of a community's stage history.
type StageChange struct {
	Stage  string    `json:"stage"`
	At     time.Time `json:"at"`
	Author string    `json:"author"`
	Note   string    `json:"note"`
}

// JournalEntry is one dated line of a community's follow-up journal.
type JournalEntry struct {
	ID        int64     `json:"id"`
	Date      string    `json:"date"`
	Author    string    `json:"author"`
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"created_at"`
}

// Need is something a community is looking for (skills, funding, a site…).
type Need struct {
	ID        int64      `json:"id"`
	Title     string     `json:"title"`
	Details   string     `json:"details"`
	Open      bool       `json:"open"`
	CreatedAt time.Time  `json:"created_at"`
	ClosedAt  *time.Time `json:"closed_at,omitempty"`
}

// ResourceRef is a resource of the commons named by an accompaniment.
type ResourceRef struct {
	Slug  string `json:"slug"`
	Title string `json:"title,omitempty"`
	URL   string `json:"url,omitempty"`
}

// Accompaniment is a record of the Fabrique's support to a community: who,
// when, how many hours, what was produced.
type Accompaniment struct {
	ID        int64         `json:"id"`
	Date      string        `json:"date"`
	Person    string        `json:"person"`
	Hours     float64       `json:"hours"`
	Summary   string        `json:"summary"`
	Resources []ResourceRef `json:"resources"`
	CreatedAt time.Time     `json:"created_at"`
}

// Manager is an account allowed to edit a community.
type Manager struct {
	UserID int64  `json:"user_id"`
	Name   string `json:"name"`
	Email  string `json:"email,omitempty"`
}

// CommunityInput is what a person, the API or an import gives to create
// or change a community. Strings are free text until validated.
type CommunityInput struct {
	Slug         string       `json:"slug,omitempty"`
	Name         string       `json:"name"`
	LegalForm    string       `json:"legal_form"`
	EUStatus     string       `json:"eu_status,omitempty"`
	Principles   PrincipleSet `json:"principles"`
	Commune      string       `json:"commune"`
	FoundingYear int          `json:"founding_year,omitempty"`
	Members      Members      `json:"members"`
	Activities   []string     `json:"activities"`
	Website      string       `json:"website,omitempty"`
	Contact      Contact      `json:"contact"`
	Label        string       `json:"label,omitempty"`
	Description  string       `json:"description,omitempty"`
	// Stage is the initial stage of a new community; on an existing one, a
	// different stage is recorded in the history like any stage change.
	Stage   string `json:"stage,omitempty"`
	Example bool   `json:"example,omitempty"`
}

// ProjectInput is what creates or changes a project.
type ProjectInput struct {
	Name               string   `json:"name"`
	Technology         string   `json:"technology"`
	CapacityKW         *float64 `json:"capacity_kw"`
	CapacityUnit       string   `json:"capacity_unit,omitempty"`
	ProductionMWh      *float64 `json:"production_mwh"`
	ProductionMeasured bool     `json:"production_measured"`
	Status             string   `json:"status"`
	Commissioning      string   `json:"commissioning,omitempty"`
	CitizenSharePct    *float64 `json:"citizen_share_pct"`
	InvestmentEUR      *float64 `json:"investment_eur"`
	// Commune defaults to the community's commune.
	Commune string `json:"commune,omitempty"`
}

// problems collects field errors so a form or an import line reports
// every problem at once.
type problems struct {
	details []errs.Detail
}

func (p *problems) add(field, fr, en string) {
	p.details = append(p.details, errs.Detail{Field: field, Message: i18n.T(fr, en)})
}

func (p *problems) err() *errs.Error {
	if len(p.details) == 0 {
		return nil
	}
	e := errs.New(errs.Invalid, "Certaines informations sont invalides : corrigez les champs signalés.",
		"Some information is invalid: correct the fields shown.")
	e.Details = p.details
	return e
}

func (p *problems) text(field, value string, max int, required bool, fr, en string) string {
	value = strings.TrimSpace(value)
	if required && value == "" {
		p.add(field, fr+" est obligatoire.", en+" is required.")
	}
	if utf8.RuneCountInString(value) > max {
		p.add(field, fmt.Sprintf("%s fait %d caractères au plus.", fr, max), fmt.Sprintf("%s is at most %d characters long.", en, max))
	}
	return value
}

func (p *problems) enum(field string, e *Enum, value, def string, fr, en string) string {
	value = strings.TrimSpace(value)
	if value == "" {
		if def == "" {
			p.add(field, fr+" est obligatoire.", en+" is required.")
		}
		return def
	}
	code, ok := e.Parse(value)
	if !ok {
		p.add(field, fmt.Sprintf("%s inconnu(e) « %s » : valeurs possibles %s.", fr, value, strings.Join(e.Codes(), ", ")),
			fmt.Sprintf("Unknown %s %q: possible values %s.", strings.ToLower(en), value, strings.Join(e.Codes(), ", ")))
		return def
	}
	return code
}

var slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// Slugify turns a name into a URL slug: "Énergies du Pays Mornantais" →
// "energies-du-pays-mornantais".
func Slugify(name string) string {
	s := strings.ReplaceAll(territory.Normalize(name), " ", "-")
	if len(s) > 80 {
		s = strings.TrimRight(s[:80], "-")
	}
	return s
}

// resolveCommune accepts an INSEE code ("69141") or a commune name that
// designates one commune ("Mornant").
func resolveCommune(terr *territory.Referential, s string) (territory.Territory, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return territory.Territory{}, false
	}
	if t, ok := terr.Get(territory.Commune, s); ok {
		return t, true
	}
	var found []territory.Territory
	key := territory.Normalize(s)
	for _, m := range terr.Search(s, territory.Commune, 5) {
		if territory.Normalize(m.Territory.Name) == key {
			found = append(found, m.Territory)
		}
	}
	if len(found) == 1 {
		return found[0], true
	}
	return territory.Territory{}, false
}

var phonePattern = regexp.MustCompile(`^\+?[0-9 .()-]{6,30}$`)

// validateCommunity checks an input and returns the community it describes
// (without id or dates). Every problem is reported, each with its field.
func validateCommunity(terr *territory.Referential, in CommunityInput, now time.Time) (Community, *errs.Error) {
	var p problems
	c := Community{}
	c.Name = p.text("name", in.Name, 200, true, "Le nom", "The name")
	c.Slug = strings.TrimSpace(strings.ToLower(in.Slug))
	if c.Slug == "" {
		c.Slug = Slugify(c.Name)
	}
	if c.Slug != "" && (!slugPattern.MatchString(c.Slug) || len(c.Slug) > 80) {
		p.add("slug", "L'identifiant (slug) ne contient que des lettres minuscules sans accent, des chiffres et des tirets (80 caractères au plus).",
			"The identifier (slug) holds only lower-case letters without accents, digits and hyphens (at most 80 characters).")
	}
	c.LegalForm = p.enum("legal_form", LegalForms, in.LegalForm, "", "La forme juridique", "Legal form")
	c.EUStatus = p.enum("eu_status", EUStatuses, in.EUStatus, "unknown", "Le statut européen", "EU status")
	for _, pr := range []struct {
		field string
		in    Assessment
		out   *Assessment
		fr    string
	}{
		{"principles.open_participation", in.Principles.OpenParticipation, &c.Principles.OpenParticipation, "participation ouverte"},
		{"principles.member_control", in.Principles.MemberControl, &c.Principles.MemberControl, "contrôle par les membres"},
		{"principles.benefits", in.Principles.Benefits, &c.Principles.Benefits, "bénéfices avant le profit"},
	} {
		pr.out.Status = p.enum(pr.field+".status", Assessments, pr.in.Status, "unknown", "L'évaluation du principe « "+pr.fr+" »", "Principle assessment")
		pr.out.Evidence = p.text(pr.field+".evidence", pr.in.Evidence, 1000, false, "La justification du principe « "+pr.fr+" »", "The principle's evidence")
	}
	if strings.TrimSpace(in.Commune) == "" {
		p.add("commune", "La commune est obligatoire (code INSEE, par exemple 69141).", "The commune is required (INSEE code, for example 69141).")
	} else if t, ok := resolveCommune(terr, in.Commune); ok {
		c.Place, _ = placeOf(terr, t.Code)
	} else {
		p.add("commune", "Commune inconnue « "+strings.TrimSpace(in.Commune)+" » : donnez son code INSEE (5 caractères, par exemple 29039).",
			"Unknown commune \""+strings.TrimSpace(in.Commune)+"\": give its INSEE code (5 characters, for example 29039).")
	}
	if in.FoundingYear != 0 && (in.FoundingYear < 1850 || in.FoundingYear > now.Year()) {
		p.add("founding_year", fmt.Sprintf("L'année de création doit être comprise entre 1850 et %d.", now.Year()),
			fmt.Sprintf("The founding year must be between 1850 and %d.", now.Year()))
	}
	c.FoundingYear = in.FoundingYear
	for _, m := range []struct {
		field string
		v     int
	}{{"members.citizens", in.Members.Citizens}, {"members.local_authorities", in.Members.LocalAuthorities},
		{"members.businesses", in.Members.Businesses}, {"members.associations", in.Members.Associations}} {
		if m.v < 0 || m.v > 10_000_000 {
			p.add(m.field, "Un nombre de membres est un entier entre 0 et 10 000 000.", "A number of members is an integer between 0 and 10,000,000.")
		}
	}
	c.Members = in.Members
	seen := map[string]bool{}
	for _, a := range in.Activities {
		if strings.TrimSpace(a) == "" {
			continue
		}
		code, ok := Activities.Parse(a)
		if !ok {
			p.add("activities", "Activité inconnue « "+a+" » : valeurs possibles "+strings.Join(Activities.Codes(), ", ")+".",
				"Unknown activity \""+a+"\": possible values "+strings.Join(Activities.Codes(), ", ")+".")
			continue
		}
		if !seen[code] {
			seen[code] = true
		}
	}
	for _, code := range Activities.Codes() { // stored in the list's order
		if seen[code] {
			c.Activities = append(c.Activities, code)
		}
	}
	c.Website = p.text("website", in.Website, 300, false, "Le site web", "The website")
	if c.Website != "" {
		if u, err := url.Parse(c.Website); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			p.add("website", "Le site web doit être une adresse complète commençant par https:// ou http://.",
				"The website must be a full address starting with https:// or http://.")
		}
	}
	c.Contact = in.Contact
	c.Contact.Name = p.text("contact.name", in.Contact.Name, 120, false, "Le nom du contact", "The contact name")
	c.Contact.Email = p.text("contact.email", in.Contact.Email, 254, false, "L'adresse du contact", "The contact email")
	if c.Contact.Email != "" {
		if a, err := mail.ParseAddress(c.Contact.Email); err != nil || a.Address != c.Contact.Email {
			p.add("contact.email", "Adresse électronique du contact invalide (exemple : contact@exemple.fr).",
				"Invalid contact email address (example: contact@example.org).")
		}
	}
	c.Contact.Phone = p.text("contact.phone", in.Contact.Phone, 30, false, "Le téléphone du contact", "The contact phone")
	if c.Contact.Phone != "" && !phonePattern.MatchString(c.Contact.Phone) {
		p.add("contact.phone", "Numéro de téléphone invalide : chiffres, espaces, points, tirets et + initial.",
			"Invalid phone number: digits, spaces, dots, hyphens and a leading +.")
	}
	c.Label = p.text("label", in.Label, 100, false, "Le label", "The label")
	c.Description = p.text("description", in.Description, 5000, false, "La description", "The description")
	c.Stage = p.enum("stage", Stages, in.Stage, "emergence", "L'étape", "Stage")
	c.Example = in.Example
	return c, p.err()
}

var datePattern = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// parseDate checks an ISO date "YYYY-MM-DD".
func parseDate(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if !datePattern.MatchString(s) {
		return "", false
	}
	if _, err := time.Parse("2006-01-02", s); err != nil {
		return "", false
	}
	return s, true
}

func (p *problems) number(field string, v *float64, min, max float64, fr, en string) *float64 {
	if v == nil {
		return nil
	}
	if *v < min || *v > max || *v != *v {
		p.add(field, fmt.Sprintf("%s doit être compris(e) entre %s et %s.", fr, fmtNum(min), fmtNum(max)),
			fmt.Sprintf("%s must be between %s and %s.", en, fmtNum(min), fmtNum(max)))
		return nil
	}
	x := *v
	return &x
}

func fmtNum(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// validateProject checks a project; defaultCommune is the community's.
func validateProject(terr *territory.Referential, in ProjectInput, defaultCommune string) (Project, *errs.Error) {
	var p problems
	pr := Project{}
	pr.Name = p.text("name", in.Name, 200, true, "Le nom du projet", "The project name")
	pr.Technology = p.enum("technology", Technologies, in.Technology, "", "La technologie", "Technology")
	pr.CapacityKW = p.number("capacity_kw", in.CapacityKW, 0, 10_000_000, "La puissance (kW)", "The capacity (kW)")
	pr.CapacityUnit = strings.TrimSpace(in.CapacityUnit)
	switch strings.ToLower(pr.CapacityUnit) {
	case "":
		pr.CapacityUnit = "kW"
		if strings.HasPrefix(pr.Technology, "pv_") || pr.Technology == "plug_in_solar" {
			pr.CapacityUnit = "kWc"
		}
	case "kw":
		pr.CapacityUnit = "kW"
	case "kwc", "kwp":
		pr.CapacityUnit = "kWc"
	default:
		p.add("capacity_unit", "Unité de puissance inconnue : kW ou kWc.", "Unknown capacity unit: kW or kWc.")
	}
	pr.ProductionMWh = p.number("production_mwh", in.ProductionMWh, 0, 100_000_000, "La production (MWh/an)", "The production (MWh/year)")
	pr.ProductionMeasured = in.ProductionMeasured
	pr.Status = p.enum("status", ProjectStatuses, in.Status, "", "Le statut du projet", "Project status")
	if strings.TrimSpace(in.Commissioning) != "" {
		d, ok := parseDate(in.Commissioning)
		if !ok {
			p.add("commissioning", "La date de mise en service s'écrit AAAA-MM-JJ (par exemple 2024-06-30).",
				"The commissioning date is written YYYY-MM-DD (for example 2024-06-30).")
		}
		pr.Commissioning = d
	}
	pr.CitizenSharePct = p.number("citizen_share_pct", in.CitizenSharePct, 0, 100, "La part citoyenne du capital (%)", "The citizen share of the capital (%)")
	pr.InvestmentEUR = p.number("investment_eur", in.InvestmentEUR, 0, 1e11, "L'investissement (€)", "The investment (€)")
	commune := strings.TrimSpace(in.Commune)
	if commune == "" {
		commune = defaultCommune
	}
	if t, ok := resolveCommune(terr, commune); ok {
		pr.Place, _ = placeOf(terr, t.Code)
	} else {
		p.add("commune", "Commune inconnue « "+commune+" » : donnez son code INSEE.", "Unknown commune \""+commune+"\": give its INSEE code.")
	}
	return pr, p.err()
}

// LegalFormLabel names the legal form.
func (c Community) LegalFormLabel() i18n.Text { return LegalForms.Label(c.LegalForm) }

// EUStatusLabel names the EU status.
func (c Community) EUStatusLabel() i18n.Text { return EUStatuses.Label(c.EUStatus) }

// StageLabel names the current stage.
func (c Community) StageLabel() i18n.Text { return Stages.Label(c.Stage) }

// ActivityLabels names the activities.
func (c Community) ActivityLabels() []i18n.Text {
	out := make([]i18n.Text, len(c.Activities))
	for i, a := range c.Activities {
		out[i] = Activities.Label(a)
	}
	return out
}

// HasActivity reports whether the community declares the activity.
func (c Community) HasActivity(code string) bool {
	for _, a := range c.Activities {
		if a == code {
			return true
		}
	}
	return false
}

// PrincipleRows lists the three principles with their assessment, for pages.
func (c Community) PrincipleRows() []PrincipleRow {
	p := c.Principles
	return []PrincipleRow{
		{Principles[0].Code, Principles[0].Label, p.OpenParticipation, Assessments.Label(p.OpenParticipation.Status)},
		{Principles[1].Code, Principles[1].Label, p.MemberControl, Assessments.Label(p.MemberControl.Status)},
		{Principles[2].Code, Principles[2].Label, p.Benefits, Assessments.Label(p.Benefits.Status)},
	}
}

// PrincipleRow is one principle as shown on a page.
type PrincipleRow struct {
	Code        string
	Label       i18n.Text
	Assessment  Assessment
	StatusLabel i18n.Text
}

// MemberRows lists the members by type, for pages.
func (c Community) MemberRows() []MemberStat {
	m := c.Members
	return []MemberStat{
		{MemberTypes[0].Code, MemberTypes[0].Label, m.Citizens}, {MemberTypes[1].Code, MemberTypes[1].Label, m.LocalAuthorities},
		{MemberTypes[2].Code, MemberTypes[2].Label, m.Businesses}, {MemberTypes[3].Code, MemberTypes[3].Label, m.Associations},
	}
}

// TechnologyLabel names the project's technology.
func (p Project) TechnologyLabel() i18n.Text { return Technologies.Label(p.Technology) }

// StatusLabel names the project's status.
func (p Project) StatusLabel() i18n.Text { return ProjectStatuses.Label(p.Status) }

// Label names the stage of a history step.
func (s StageChange) Label() i18n.Text { return Stages.Label(s.Stage) }

// dayOf reads a stored "YYYY-MM-DD" date (zero when empty or unreadable).
func dayOf(s string) time.Time {
	t, _ := time.Parse("2006-01-02", s)
	return t
}

// Day is the entry's date, for pages.
func (e JournalEntry) Day() time.Time { return dayOf(e.Date) }

// Day is the accompaniment's date, for pages.
func (a Accompaniment) Day() time.Time { return dayOf(a.Date) }

// CommissioningDay is the commissioning date, for pages.
func (p Project) CommissioningDay() time.Time { return dayOf(p.Commissioning) }
