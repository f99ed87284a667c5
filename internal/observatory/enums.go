package observatory

import (
	"strings"

	"github.com/fabrique-des-energies/fabrique/internal/platform/i18n"
	"github.com/fabrique-des-energies/fabrique/internal/territory"
)

// Option is one value of a closed list: a stable code (stored, used in the
// API and in files) and its label in both languages.
type Option struct {
	Code  string    `json:"code"`
	Label i18n.Text `json:"label"`
}

// Enum is a closed list of codes. Parse accepts the code or either label,
// ignoring case, accents, hyphens and underscores, so spreadsheets written
// by people ("Société coopérative d'intérêt collectif", "SCIC", "scic")
// import alike.
type Enum struct {
	Name    string
	options []Option
	index   map[string]string
}

func newEnum(name string, opts []Option, aliases map[string]string) *Enum {
	e := &Enum{Name: name, options: opts, index: map[string]string{}}
	for _, o := range opts {
		e.index[enumKey(o.Code)] = o.Code
		e.index[enumKey(o.Label.FR)] = o.Code
		e.index[enumKey(o.Label.EN)] = o.Code
	}
	// "SCIC (société coopérative d'intérêt collectif)" is also known by
	// either part; an exact label or code keeps priority.
	for _, o := range opts {
		for _, l := range []string{o.Label.FR, o.Label.EN} {
			before, inner, ok := strings.Cut(l, " (")
			if !ok {
				continue
			}
			for _, k := range []string{before, strings.TrimSuffix(inner, ")")} {
				if _, taken := e.index[enumKey(k)]; !taken {
					e.index[enumKey(k)] = o.Code
				}
			}
		}
	}
	for alias, code := range aliases {
		e.index[enumKey(alias)] = code
	}
	return e
}

func enumKey(s string) string {
	return territory.Normalize(strings.ReplaceAll(s, "_", " "))
}

// Parse returns the code for s (a code or a label), or false.
func (e *Enum) Parse(s string) (string, bool) {
	c, ok := e.index[enumKey(s)]
	return c, ok
}

// Valid reports whether code is one of the codes (exactly).
func (e *Enum) Valid(code string) bool {
	for _, o := range e.options {
		if o.Code == code {
			return true
		}
	}
	return false
}

// Options lists the values in their display order.
func (e *Enum) Options() []Option { return append([]Option(nil), e.options...) }

// Codes lists the codes in order.
func (e *Enum) Codes() []string {
	out := make([]string, len(e.options))
	for i, o := range e.options {
		out[i] = o.Code
	}
	return out
}

// Label returns the label of a code (the code itself when unknown).
func (e *Enum) Label(code string) i18n.Text {
	for _, o := range e.options {
		if o.Code == code {
			return o.Label
		}
	}
	return i18n.T(code, code)
}

// Index returns the position of code in the list, -1 when unknown.
func (e *Enum) Index(code string) int {
	for i, o := range e.options {
		if o.Code == code {
			return i
		}
	}
	return -1
}

func opt(code, fr, en string) Option { return Option{Code: code, Label: i18n.T(fr, en)} }

// LegalForms are the legal forms of communities (JRC 2020 typology and
// French practice).
var LegalForms = newEnum("legal_form", []Option{
	opt("association", "Association", "Association"),
	opt("scic", "SCIC (société coopérative d'intérêt collectif)", "SCIC (multi-stakeholder cooperative)"),
	opt("coop_company", "SAS ou SA coopérative", "Cooperative SAS or SA"),
	opt("scop", "SCOP (société coopérative et participative)", "SCOP (worker cooperative)"),
	opt("sem", "SEM (société d'économie mixte)", "SEM (public-private company)"),
	opt("regie", "Régie", "Municipal utility (régie)"),
	opt("limited_partnership", "Société en commandite", "Limited partnership"),
	opt("foundation", "Fondation ou fonds de dotation", "Foundation or trust"),
	opt("informal", "Collectif informel", "Informal collective"),
	opt("other", "Autre", "Other"),
}, map[string]string{"SAS coopérative": "coop_company", "SA coopérative": "coop_company", "SCOP": "scop", "SCIC": "scic", "SEM": "sem",
	"commandite": "limited_partnership", "fondation": "foundation", "collectif": "informal", "autre": "other", "SAS/SA coopérative": "coop_company"})

// EUStatuses are the statuses under EU law: Citizen Energy Community
// (Directive 2019/944) and Renewable Energy Community (Directive 2018/2001).
var EUStatuses = newEnum("eu_status", []Option{
	opt("cec", "Communauté énergétique citoyenne (CEC)", "Citizen energy community (CEC)"),
	opt("rec", "Communauté d'énergie renouvelable (CER)", "Renewable energy community (REC)"),
	opt("both", "Les deux (CEC et CER)", "Both (CEC and REC)"),
	opt("none", "Aucune", "None"),
	opt("unknown", "Inconnu", "Unknown"),
}, map[string]string{"CER": "rec", "CEC": "cec", "les deux": "both", "aucun": "none", "aucune": "none", "inconnu": "unknown", "inconnue": "unknown"})

// Assessments mark how far a community meets one of the shared principles.
var Assessments = newEnum("principle", []Option{
	opt("met", "Respecté", "Met"),
	opt("partly", "En partie", "Partly met"),
	opt("not_met", "Non respecté", "Not met"),
	opt("unknown", "Inconnu", "Unknown"),
}, map[string]string{"oui": "met", "partiel": "partly", "partiellement": "partly", "non": "not_met", "yes": "met", "no": "not_met", "partial": "partly"})

// Principles are the three principles shared by the EU definitions.
var Principles = []Option{
	opt("open_participation", "Participation ouverte et volontaire", "Open and voluntary participation"),
	opt("member_control", "Contrôle effectif par les membres", "Effective control by members"),
	opt("benefits", "Bénéfices avant le profit", "Benefits before profit"),
}

// Activities are what communities do (DOMAIN §4).
var Activities = newEnum("activity", []Option{
	opt("generation", "Production", "Generation"),
	opt("supply", "Fourniture", "Supply"),
	opt("sharing", "Partage, autoconsommation collective", "Sharing, collective self-consumption"),
	opt("distribution", "Distribution", "Distribution"),
	opt("energy_services", "Services énergétiques (efficacité, flexibilité, stockage)", "Energy services (efficiency, flexibility, storage)"),
	opt("e_mobility", "Mobilité électrique", "E-mobility"),
	opt("sobriety", "Sobriété et rénovation", "Sobriety and renovation"),
	opt("mediation", "Médiation et éducation", "Mediation and education"),
}, map[string]string{"production": "generation", "fourniture": "supply", "partage": "sharing", "autoconsommation collective": "sharing",
	"services energetiques": "energy_services", "mobilite": "e_mobility", "sobriete": "sobriety", "renovation": "sobriety", "education": "mediation", "mediation": "mediation"})

// Technologies are the PCAET renewable technologies plus storage and
// plug-in solar kits.
var Technologies = newEnum("technology", []Option{
	opt("wind_onshore", "Éolien terrestre", "Onshore wind"),
	opt("pv_rooftop", "Photovoltaïque en toiture", "Rooftop solar PV"),
	opt("pv_ground", "Photovoltaïque au sol", "Ground-mounted solar PV"),
	opt("solar_thermal", "Solaire thermique", "Solar thermal"),
	opt("hydro", "Hydroélectricité", "Hydropower"),
	opt("biomass", "Biomasse solide", "Solid biomass"),
	opt("biogas", "Biogaz, méthanisation", "Biogas, anaerobic digestion"),
	opt("geothermal", "Géothermie", "Geothermal"),
	opt("heat_pump", "Pompes à chaleur", "Heat pumps"),
	opt("heat_network", "Réseau de chaleur", "Heat network"),
	opt("storage", "Stockage", "Storage"),
	opt("plug_in_solar", "Kits solaires prêts à brancher", "Plug-in solar kits"),
}, map[string]string{"eolien": "wind_onshore", "photovoltaique toiture": "pv_rooftop", "pv toiture": "pv_rooftop", "pv sol": "pv_ground",
	"hydro": "hydro", "hydraulique": "hydro", "methanisation": "biogas", "biogaz": "biogas", "bois energie": "biomass", "geothermie": "geothermal",
	"pac": "heat_pump", "reseau de chaleur": "heat_network", "stockage": "storage", "kit solaire": "plug_in_solar"})

// ProjectStatuses are the steps of a project, abandoned last.
var ProjectStatuses = newEnum("status", []Option{
	opt("idea", "Idée", "Idea"),
	opt("study", "Étude", "Study"),
	opt("development", "Développement", "Development"),
	opt("construction", "Construction", "Construction"),
	opt("operation", "Exploitation", "Operation"),
	opt("abandoned", "Abandonné", "Abandoned"),
}, map[string]string{"idee": "idea", "etude": "study", "developpement": "development", "en exploitation": "operation", "abandon": "abandoned", "abandonne": "abandoned"})

// Stages are the follow-up stages of a community ("activation-suivi"), in order.
var Stages = newEnum("stage", []Option{
	opt("emergence", "Émergence", "Emergence"),
	opt("structuring", "Structuration", "Structuring"),
	opt("development", "Développement", "Development"),
	opt("operation", "Exploitation", "Operation"),
	opt("spreading", "Essaimage", "Spreading"),
}, map[string]string{"structuration": "structuring", "developpement": "development", "exploitation": "operation", "essaimage": "spreading"})

// MemberTypes are the kinds of members counted for each community.
var MemberTypes = []Option{
	opt("citizens", "Citoyens", "Citizens"),
	opt("local_authorities", "Collectivités", "Local authorities"),
	opt("businesses", "Entreprises", "Businesses"),
	opt("associations", "Associations", "Associations"),
}

// CapacityUnits are the units a project's capacity is given in: kW for
// most technologies, kWc (peak) for solar PV. They add up as kW.
var CapacityUnits = []string{"kW", "kWc"}
