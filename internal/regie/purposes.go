package regie

import (
	"fmt"
	"strings"

	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/i18n"
)

// Purpose is one reason a recipient may ask for household data. The list is
// fixed in code so that every consent names a purpose from it; a consent
// keeps a copy of the text and legal basis shown when it was requested.
type Purpose struct {
	Code string
	// Name is the short title; Text says in plain words what will be done.
	Name, Text i18n.Text
	// LegalBasis names the basis of the processing (GDPR article 6) and the
	// law that frames it, when any.
	LegalBasis i18n.Text
	// AggregateOnly purposes accept aggregate-only consents alone.
	AggregateOnly bool
	// Kinds lists the recipient kinds that may ask for it.
	Kinds []RecipientKind
}

// Purpose codes.
const (
	PurposeACC            = "acc-operation"
	PurposeClimatePlan    = "climate-plan"
	PurposeCommunityStats = "community-stats"
	PurposeEnergyAdvice   = "energy-advice"
	PurposeResearch       = "research"
)

var purposes = []Purpose{
	{
		Code: PurposeACC,
		Name: i18n.T("Opération d'autoconsommation collective", "Collective self-consumption operation"),
		Text: i18n.T("Répartir la production locale entre les participants de l'opération d'autoconsommation collective : calculer les clés de répartition envoyées au gestionnaire de réseau, la part d'énergie locale de chaque participant et sa facture.",
			"Share the local production among the participants of the collective self-consumption operation: compute the allocation keys sent to the grid operator, each participant's share of local energy and their bill."),
		LegalBasis: i18n.T("Consentement (RGPD, art. 6-1-a) ; Code de l'énergie, art. L315-2 et suivants.",
			"Consent (GDPR art. 6(1)(a)); French Energy Code art. L315-2 and following."),
		Kinds: []RecipientKind{KindCommunity},
	},
	{
		Code: PurposeClimatePlan,
		Name: i18n.T("Plan climat-air-énergie territorial", "Territorial climate plan"),
		Text: i18n.T("Mesurer la consommation d'électricité des foyers du territoire pour le diagnostic et le suivi du plan climat, uniquement par totaux d'au moins 10 foyers : aucune courbe individuelle n'est transmise.",
			"Measure the electricity use of the territory's households for the climate plan's diagnosis and follow-up, only as totals of at least 10 households: no individual curve is passed on."),
		LegalBasis: i18n.T("Consentement (RGPD, art. 6-1-a) ; Code de l'environnement, art. L229-26 (PCAET).",
			"Consent (GDPR art. 6(1)(a)); French Environment Code art. L229-26 (territorial climate plans)."),
		AggregateOnly: true,
		Kinds:         []RecipientKind{KindTerritory},
	},
	{
		Code: PurposeCommunityStats,
		Name: i18n.T("Statistiques de la communauté", "Community statistics"),
		Text: i18n.T("Établir des statistiques sur la consommation des membres de la communauté énergétique (par exemple pour dimensionner un projet de production), par totaux d'au moins 10 foyers.",
			"Produce statistics on the energy use of the community's members (for example to size a generation project), as totals of at least 10 households."),
		LegalBasis:    i18n.T("Consentement (RGPD, art. 6-1-a).", "Consent (GDPR art. 6(1)(a))."),
		AggregateOnly: true,
		Kinds:         []RecipientKind{KindCommunity, KindTerritory},
	},
	{
		Code: PurposeEnergyAdvice,
		Name: i18n.T("Conseil en économies d'énergie", "Energy-saving advice"),
		Text: i18n.T("Analyser votre consommation pour vous conseiller (isolation, chauffage, horaires de fonctionnement des appareils) lors d'un accompagnement que vous avez demandé.",
			"Analyse your energy use to advise you (insulation, heating, appliance timing) during a support you asked for."),
		LegalBasis: i18n.T("Consentement (RGPD, art. 6-1-a).", "Consent (GDPR art. 6(1)(a))."),
		Kinds:      []RecipientKind{KindCommunity, KindTerritory},
	},
	{
		Code: PurposeResearch,
		Name: i18n.T("Recherche scientifique", "Scientific research"),
		Text: i18n.T("Étudier les usages de l'électricité dans le cadre d'un projet de recherche publique ; les résultats publiés ne permettent pas de reconnaître un foyer.",
			"Study electricity use within a public research project; published results do not allow any household to be recognised."),
		LegalBasis: i18n.T("Consentement (RGPD, art. 6-1-a) ; garanties de l'art. 89 du RGPD (recherche scientifique).",
			"Consent (GDPR art. 6(1)(a)); safeguards of GDPR art. 89 (scientific research)."),
		Kinds: []RecipientKind{KindResearcher},
	},
}

// Purposes returns the purpose list.
func Purposes() []Purpose { return append([]Purpose(nil), purposes...) }

// PurposeByCode finds a purpose.
func PurposeByCode(code string) (Purpose, bool) {
	for _, p := range purposes {
		if p.Code == code {
			return p, true
		}
	}
	return Purpose{}, false
}

func (p Purpose) allows(k RecipientKind) bool {
	for _, x := range p.Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// Category is a kind of household data a consent may cover (DOMAIN §8).
type Category string

const (
	CatLoadCurve   Category = "load_curve"
	CatDailyEnergy Category = "daily_energy"
	CatMaxPower    Category = "max_power"
	CatProduction  Category = "production"
	CatContract    Category = "contract"
)

// Categories lists every data category.
func Categories() []Category {
	return []Category{CatLoadCurve, CatDailyEnergy, CatMaxPower, CatProduction, CatContract}
}

// Label names a category for people.
func (c Category) Label() i18n.Text {
	switch c {
	case CatLoadCurve:
		return i18n.T("courbe de charge (consommation pas à pas)", "load curve (consumption step by step)")
	case CatDailyEnergy:
		return i18n.T("consommation quotidienne et mensuelle", "daily and monthly consumption")
	case CatMaxPower:
		return i18n.T("puissance maximale atteinte", "maximum power reached")
	case CatProduction:
		return i18n.T("production (panneaux solaires…)", "production (solar panels…)")
	case CatContract:
		return i18n.T("données du contrat (puissance souscrite, option tarifaire)", "contract data (subscribed power, tariff option)")
	}
	return i18n.T(string(c), string(c))
}

func parseCategories(list []string) ([]Category, error) {
	var out []Category
	seen := map[Category]bool{}
	for _, s := range list {
		c := Category(strings.TrimSpace(s))
		if c == "" || seen[c] {
			continue
		}
		ok := false
		for _, k := range Categories() {
			ok = ok || k == c
		}
		if !ok {
			return nil, errs.Field("categories",
				fmt.Sprintf("Catégorie de données « %s » inconnue (load_curve, daily_energy, max_power, production, contract).", s),
				fmt.Sprintf("Unknown data category %q (load_curve, daily_energy, max_power, production, contract).", s))
		}
		seen[c] = true
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errs.Field("categories", "Choisissez au moins une catégorie de données.", "Choose at least one data category.")
	}
	return out, nil
}

func joinCategories(cs []Category) string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = string(c)
	}
	return strings.Join(s, ",")
}

func splitCategories(s string) []Category {
	var out []Category
	for _, x := range strings.Split(s, ",") {
		if x != "" {
			out = append(out, Category(x))
		}
	}
	return out
}

// Mode is the access mode of a consent.
type Mode string

const (
	// ModeIndividual lets the recipient read the meters' curves themselves
	// (and use them in aggregates).
	ModeIndividual Mode = "individual"
	// ModeAggregate lets the recipient use the meters only inside aggregates
	// that pass the statistical-secrecy rules.
	ModeAggregate Mode = "aggregate"
)

// Label names the mode.
func (m Mode) Label() i18n.Text {
	if m == ModeAggregate {
		return i18n.T("totaux anonymes seulement", "anonymous totals only")
	}
	return i18n.T("données individuelles", "individual data")
}

// Status is a consent's state.
type Status string

const (
	StatusRequested Status = "requested"
	StatusGiven     Status = "given"
	StatusRefused   Status = "refused"
	StatusWithdrawn Status = "withdrawn"
	StatusExpired   Status = "expired"
)

// Statuses lists every status.
func Statuses() []Status {
	return []Status{StatusRequested, StatusGiven, StatusRefused, StatusWithdrawn, StatusExpired}
}

// Label names the status.
func (s Status) Label() i18n.Text {
	switch s {
	case StatusRequested:
		return i18n.T("en attente de votre réponse", "awaiting your answer")
	case StatusGiven:
		return i18n.T("donné", "given")
	case StatusRefused:
		return i18n.T("refusé", "refused")
	case StatusWithdrawn:
		return i18n.T("retiré", "withdrawn")
	case StatusExpired:
		return i18n.T("expiré", "expired")
	}
	return i18n.T(string(s), string(s))
}

// RecipientKind is the kind of actor a recipient is.
type RecipientKind string

const (
	KindCommunity  RecipientKind = "community"
	KindTerritory  RecipientKind = "territory"
	KindResearcher RecipientKind = "researcher"
)

// Label names the kind.
func (k RecipientKind) Label() i18n.Text {
	switch k {
	case KindCommunity:
		return i18n.T("communauté énergétique", "energy community")
	case KindTerritory:
		return i18n.T("collectivité", "local authority")
	case KindResearcher:
		return i18n.T("équipe de recherche", "research team")
	}
	return i18n.T(string(k), string(k))
}

// Flow tells consumption from production.
type Flow string

const (
	FlowConsumption Flow = "consumption"
	FlowProduction  Flow = "production"
)

// ParseFlow reads a flow; empty means consumption.
func ParseFlow(s string) (Flow, error) {
	switch strings.TrimSpace(s) {
	case "", "consumption", "consommation":
		return FlowConsumption, nil
	case "production":
		return FlowProduction, nil
	}
	return "", errs.Field("flow", "Flux inconnu : consumption ou production.", "Unknown flow: consumption or production.")
}

// Label names the flow.
func (f Flow) Label() i18n.Text {
	if f == FlowProduction {
		return i18n.T("production", "production")
	}
	return i18n.T("consommation", "consumption")
}
