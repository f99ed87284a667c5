package commons

import (
	"slices"
	"strings"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/platform/i18n"
)

// Option is one allowed value of a closed list (kind, licence, theme…) with its labels.
type Option struct {
	Code  string
	Label i18n.Text
	// URI identifies the value in linked data (licences, themes), when there is one.
	URI string
}

// Options is a closed list of values.
type Options []Option

// Has reports whether code is in the list.
func (o Options) Has(code string) bool { return o.index(code) >= 0 }

func (o Options) index(code string) int {
	return slices.IndexFunc(o, func(x Option) bool { return x.Code == code })
}

// Label returns the label of code (the code itself when unknown).
func (o Options) Label(code string) i18n.Text {
	if i := o.index(code); i >= 0 {
		return o[i].Label
	}
	return i18n.T(code, code)
}

// Get returns the option of code.
func (o Options) Get(code string) (Option, bool) {
	if i := o.index(code); i >= 0 {
		return o[i], true
	}
	return Option{}, false
}

// Codes lists the codes in order.
func (o Options) Codes() []string {
	out := make([]string, len(o))
	for i, x := range o {
		out[i] = x.Code
	}
	return out
}

// Kinds of resources.
var Kinds = Options{
	{Code: "methode", Label: i18n.T("méthode", "method")},
	{Code: "outil", Label: i18n.T("outil", "tool")},
	{Code: "publication", Label: i18n.T("publication", "publication")},
	{Code: "donnees", Label: i18n.T("données", "data")},
	{Code: "logiciel", Label: i18n.T("logiciel", "software")},
	{Code: "retour-experience", Label: i18n.T("retour d'expérience", "lessons learned")},
	{Code: "formation", Label: i18n.T("formation", "training")},
	{Code: "autre", Label: i18n.T("autre", "other")},
}

// LicenceUnspecified is the licence of a resource whose terms are not known.
const LicenceUnspecified = "non-precisee"

// Licences are SPDX identifiers (Etalab-2.0 is the French Licence Ouverte) plus "non précisée".
var Licences = Options{
	{Code: "CC-BY-4.0", Label: i18n.T("CC BY 4.0 (attribution)", "CC BY 4.0 (attribution)"), URI: "https://creativecommons.org/licenses/by/4.0/"},
	{Code: "CC-BY-SA-4.0", Label: i18n.T("CC BY-SA 4.0 (partage à l'identique)", "CC BY-SA 4.0 (share-alike)"), URI: "https://creativecommons.org/licenses/by-sa/4.0/"},
	{Code: "CC0-1.0", Label: i18n.T("CC0 1.0 (domaine public)", "CC0 1.0 (public domain)"), URI: "https://creativecommons.org/publicdomain/zero/1.0/"},
	{Code: "Etalab-2.0", Label: i18n.T("Licence Ouverte 2.0 (Etalab)", "Open Licence 2.0 (Etalab)"), URI: "https://spdx.org/licenses/etalab-2.0.html"},
	{Code: "ODbL-1.0", Label: i18n.T("ODbL 1.0 (bases de données)", "ODbL 1.0 (databases)"), URI: "https://opendatacommons.org/licenses/odbl/1-0/"},
	{Code: "MIT", Label: i18n.T("MIT", "MIT"), URI: "https://spdx.org/licenses/MIT.html"},
	{Code: "Apache-2.0", Label: i18n.T("Apache 2.0", "Apache 2.0"), URI: "https://spdx.org/licenses/Apache-2.0.html"},
	{Code: "GPL-3.0-or-later", Label: i18n.T("GPL 3.0 ou ultérieure", "GPL 3.0 or later"), URI: "https://spdx.org/licenses/GPL-3.0-or-later.html"},
	{Code: "AGPL-3.0-or-later", Label: i18n.T("AGPL 3.0 ou ultérieure", "AGPL 3.0 or later"), URI: "https://spdx.org/licenses/AGPL-3.0-or-later.html"},
	{Code: "AGPL-3.0-only", Label: i18n.T("AGPL 3.0 seulement", "AGPL 3.0 only"), URI: "https://spdx.org/licenses/AGPL-3.0-only.html"},
	{Code: LicenceUnspecified, Label: i18n.T("non précisée", "not specified")},
}

// licenceAliases accept common spellings and deprecated SPDX identifiers.
var licenceAliases = map[string]string{
	"agpl-3.0": "AGPL-3.0-only", "gpl-3.0": "GPL-3.0-or-later", "etalab": "Etalab-2.0", "lo-2.0": "Etalab-2.0",
	"licence-ouverte": "Etalab-2.0", "non-precise": LicenceUnspecified, "": LicenceUnspecified, "inconnue": LicenceUnspecified,
}

// NormalizeLicence maps a licence as typed or harvested to a known code; ok is false when the
// licence is unknown.
func NormalizeLicence(s string) (string, bool) {
	s = strings.TrimSpace(s)
	for _, l := range Licences {
		if strings.EqualFold(l.Code, s) || (l.URI != "" && strings.EqualFold(strings.TrimRight(l.URI, "/"), strings.TrimRight(s, "/"))) {
			return l.Code, true
		}
	}
	if c, ok := licenceAliases[strings.ToLower(s)]; ok {
		return c, true
	}
	// SPDX licence pages: https://spdx.org/licenses/CC-BY-4.0(.html)
	if rest, ok := strings.CutPrefix(s, "https://spdx.org/licenses/"); ok {
		return NormalizeLicence(strings.TrimSuffix(rest, ".html"))
	}
	return "", false
}

// Themes are the three strategic themes of the Fabrique's note, then its six action poles.
var Themes = Options{
	{Code: "ancrage-territorial", Label: i18n.T("Ancrage territorial et citoyen de la transition", "Territorial and citizen roots of the transition")},
	{Code: "gouvernance-donnees", Label: i18n.T("Gouvernance des données énergétiques", "Governance of energy data")},
	{Code: "dialogue-enr", Label: i18n.T("Mise en dialogue des oppositions aux EnR", "Dialogue with opposition to renewables")},
	{Code: "pole-residences", Label: i18n.T("Pôle résidences de territoire", "Pole: territorial residencies")},
	{Code: "pole-mutualisation", Label: i18n.T("Pôle mutualisation et publication", "Pole: pooling and publication")},
	{Code: "pole-mediation", Label: i18n.T("Pôle appropriation et médiation citoyenne", "Pole: citizen appropriation and mediation")},
	{Code: "pole-dialogue", Label: i18n.T("Pôle dialogue territorial et enquêtes", "Pole: territorial dialogue and surveys")},
	{Code: "pole-donnees", Label: i18n.T("Pôle infrastructures de données", "Pole: data infrastructures")},
	{Code: "pole-recherche", Label: i18n.T("Pôle recherche-action et prospective", "Pole: action research and foresight")},
}

// Maturities of a resource, from the idea to the mature common.
var Maturities = Options{
	{Code: "idee", Label: i18n.T("idée", "idea")},
	{Code: "en-construction", Label: i18n.T("en construction", "in progress")},
	{Code: "utilisable", Label: i18n.T("utilisable", "usable")},
	{Code: "mature", Label: i18n.T("mature", "mature")},
}

// Statuses of a resource.
const (
	StatusDraft     = "brouillon"
	StatusPublished = "publiee"
	StatusArchived  = "archivee"
)

// Statuses of a resource.
var Statuses = Options{
	{Code: StatusDraft, Label: i18n.T("brouillon", "draft")},
	{Code: StatusPublished, Label: i18n.T("publiée", "published")},
	{Code: StatusArchived, Label: i18n.T("archivée", "archived")},
}

// NeedTypes are what a resource may be looking for.
var NeedTypes = Options{
	{Code: "contributeurs", Label: i18n.T("contributeur·rices", "contributors")},
	{Code: "testeurs", Label: i18n.T("testeur·euses", "testers")},
	{Code: "financement", Label: i18n.T("financement", "funding")},
	{Code: "donnees", Label: i18n.T("données", "data")},
	{Code: "expertise", Label: i18n.T("expertise", "expertise")},
	{Code: "terrain", Label: i18n.T("terrain d'expérimentation", "pilot site")},
	{Code: "autre", Label: i18n.T("autre", "other")},
}

// LinkTypes classify a resource's links.
var LinkTypes = Options{
	{Code: "site", Label: i18n.T("site web", "website")},
	{Code: "documentation", Label: i18n.T("documentation", "documentation")},
	{Code: "code", Label: i18n.T("code source", "source code")},
	{Code: "donnees", Label: i18n.T("jeu de données", "dataset")},
	{Code: "video", Label: i18n.T("vidéo", "video")},
	{Code: "article", Label: i18n.T("article", "article")},
	{Code: "autre", Label: i18n.T("autre", "other")},
}

// Roles of an actor in a resource.
var Roles = Options{
	{Code: "auteur", Label: i18n.T("auteur·rice", "author")},
	{Code: "contributeur", Label: i18n.T("contributeur·rice", "contributor")},
	{Code: "porteur", Label: i18n.T("porteur", "lead")},
	{Code: "financeur", Label: i18n.T("financeur", "funder")},
	{Code: "utilisateur", Label: i18n.T("utilisateur·rice", "user")},
	{Code: "partenaire", Label: i18n.T("partenaire", "partner")},
}

// ActorKinds are the kinds of organisations and people.
var ActorKinds = Options{
	{Code: "collectivite", Label: i18n.T("collectivité", "local authority")},
	{Code: "association", Label: i18n.T("association", "association")},
	{Code: "cooperative", Label: i18n.T("coopérative", "cooperative")},
	{Code: "entreprise", Label: i18n.T("entreprise", "company")},
	{Code: "institution", Label: i18n.T("institution", "institution")},
	{Code: "citoyen", Label: i18n.T("citoyen·ne", "citizen")},
	{Code: "fabrique", Label: i18n.T("fabrique", "fabrique")},
}

// Place is a territory of the referential: kind (commune, epci, departement, region) and code.
type Place struct {
	Kind string `json:"kind"`
	Code string `json:"code"`
}

// Key is "kind:code".
func (p Place) Key() string { return p.Kind + ":" + p.Code }

// Contribution links an actor (by slug) to a resource with a role.
type Contribution struct {
	Actor string `json:"actor"`
	Role  string `json:"role"`
	// Name is the actor's name when the revision was saved (display only).
	Name string `json:"name,omitempty"`
}

// Link is a web link of a resource.
type Link struct {
	URL   string `json:"url"`
	Label string `json:"label"`
	Type  string `json:"type"`
}

// Need is something a resource is looking for.
type Need struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// Fields are the editable content of a resource: what a revision records.
type Fields struct {
	Title        string         `json:"title"`
	Summary      string         `json:"summary"`
	Body         string         `json:"body"`
	Kind         string         `json:"kind"`
	Licence      string         `json:"licence"`
	Themes       []string       `json:"themes"`
	Territories  []Place        `json:"territories"`
	Contributors []Contribution `json:"contributors"`
	Links        []Link         `json:"links"`
	Maturity     string         `json:"maturity"`
	Needs        []Need         `json:"needs"`
	Status       string         `json:"status"`
}

// Provenance says where a harvested resource comes from.
type Provenance struct {
	SourceID   int64
	SourceName string
	SourceURL  string
	RemoteID   string
	RemoteURI  string
	RemoteURL  string
	LastSeen   time.Time
	GoneSince  *time.Time
}

// Resource is a common as stored now.
type Resource struct {
	Fields
	ID        int64
	Slug      string
	Revision  int
	Essential bool
	Example   bool
	Hidden    bool
	CreatedBy int64
	CreatedAt time.Time
	UpdatedAt time.Time
	// Source is set for harvested resources, which are read-only here.
	Source      *Provenance
	Attachments []Attachment
	// BodyText is the body as plain text (for snippets and feeds).
	BodyText string
}

// ReadOnly reports whether the resource may not be edited here (harvested from elsewhere).
func (r *Resource) ReadOnly() bool { return r.Source != nil }

// Attachment is a file attached to a resource.
type Attachment struct {
	ID          int64
	ResourceID  int64
	Filename    string
	ContentType string
	Size        int64
	SHA256      string
	CreatedAt   time.Time
}

// ActorFields are the editable content of an actor.
type ActorFields struct {
	Name        string `json:"name"`
	Kind        string `json:"kind"`
	Territory   *Place `json:"territory"`
	Website     string `json:"website"`
	Description string `json:"description"`
}

// Actor is an organisation or a person taking part in commons.
type Actor struct {
	ActorFields
	ID        int64
	Slug      string
	Revision  int
	Example   bool
	Hidden    bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Entity names what a revision, a report or a moderation action is about.
type Entity string

const (
	EntityResource Entity = "resource"
	EntityActor    Entity = "actor"
)

// Revision is one saved version of a resource or an actor.
type Revision struct {
	ID         int64
	Entity     Entity
	EntityID   int64
	Number     int
	AuthorID   int64
	AuthorName string
	CreatedAt  time.Time
	Comment    string
	// Snapshot is the JSON of Fields or ActorFields.
	Snapshot string
}

// Author identifies who saves a revision.
type Author struct {
	UserID int64
	Name   string
}
