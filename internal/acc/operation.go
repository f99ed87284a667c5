package acc

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fabrique-des-energies/fabrique/internal/energy"
	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/i18n"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
	"github.com/fabrique-des-energies/fabrique/internal/regie/meterfile"
	"github.com/fabrique-des-energies/fabrique/internal/territory"
)

// Role is a participant's part in an operation.
type Role string

// Roles.
const (
	Consumer Role = "consumer"
	Producer Role = "producer"
)

// Label names the role for people.
func (r Role) Label() i18n.Text {
	if r == Producer {
		return i18n.T("producteur", "producer")
	}
	return i18n.T("consommateur", "consumer")
}

// Source tells where a participant's readings come from.
type Source string

// Sources of readings.
const (
	// SourceUpload: files the organiser uploaded (prospective members, or
	// before the household shared its curve through the data trust).
	SourceUpload Source = "upload"
	// SourceConsent: the household's curve read through the data trust
	// under a consent whose purpose is the operation.
	SourceConsent Source = "consent"
)

// Label names the source for people.
func (s Source) Label() i18n.Text {
	if s == SourceConsent {
		return i18n.T("courbe partagée par consentement (régie de données)", "curve shared under consent (data trust)")
	}
	return i18n.T("fichier déposé par l'organisateur", "file uploaded by the organiser")
}

// Limits of an operation.
const (
	MaxParticipants = 500
	MaxKWc          = 100_000 // per producer; the caps are far below
)

// Participant is a consumer or a producer of an operation.
type Participant struct {
	ID       int64
	Position int
	Role     Role
	Name     string
	PRM      string
	// Commune is the INSEE code given for the location, "" when only
	// coordinates were given.
	Commune string
	// Lat, Lon locate the participant: the coordinates given, else the
	// commune's point (Approx then tells it is the commune's centre).
	Lat, Lon float64
	Approx   bool
	// KWc is a producer's peak capacity.
	KWc float64
	// Coefficient is a consumer's share for the static key (0–1).
	Coefficient float64
	// Rank is a consumer's rank for the priority key (1 served first).
	Rank int
	// Source of the readings; ConsentID when they come through a consent.
	Source    Source
	ConsentID int64
}

// Operation is a collective self-consumption operation.
type Operation struct {
	ID int64
	// Name of the operation; Organiser is the organising body (PMO);
	// Community the slug of its energy community in the observatory, if any.
	Name, Organiser, Community string
	OwnerID                    int64
	Step                       time.Duration
	Key                        energy.KeyKind
	Regime                     Regime
	DerogationKM               float64
	DerogationRef              string
	// PublicLed: organised by a public body (for the 10 MW cap).
	PublicLed bool
	// NonInterconnected is the organiser's statement that the operation is
	// in a non-interconnected zone the communes do not reveal.
	NonInterconnected bool
	// StartDate is the day the operation starts (or started): it selects
	// the rule set.
	StartDate   time.Time
	RuleVersion string
	// Check is the result of the last check, as stored.
	MaxDistanceM float64
	CapacityKW   float64
	Zone         Zone
	DataVersion  int64
	Demo         bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
	Participants []Participant
}

// Consumers returns the consumers in position order.
func (o *Operation) Consumers() []Participant { return o.byRole(Consumer) }

// Producers returns the producers in position order.
func (o *Operation) Producers() []Participant { return o.byRole(Producer) }

func (o *Operation) byRole(r Role) []Participant {
	var out []Participant
	for _, p := range o.Participants {
		if p.Role == r {
			out = append(out, p)
		}
	}
	return out
}

// Participant finds a participant by id.
func (o *Operation) Participant(id int64) (Participant, bool) {
	for _, p := range o.Participants {
		if p.ID == id {
			return p, true
		}
	}
	return Participant{}, false
}

// StepMinutes is the step in minutes.
func (o *Operation) StepMinutes() int { return int(o.Step / time.Minute) }

// Input is an operation as typed in a form or sent to the API. Numbers are
// text so that a form can be re-shown exactly as typed.
type Input struct {
	Name              string             `json:"name"`
	Organiser         string             `json:"organiser"`
	Community         string             `json:"community,omitempty"`
	StepMinutes       int                `json:"step_minutes"`
	Key               string             `json:"key"`
	Regime            string             `json:"regime"`
	DerogationKM      string             `json:"derogation_km,omitempty"`
	DerogationRef     string             `json:"derogation_ref,omitempty"`
	PublicLed         bool               `json:"public_led,omitempty"`
	NonInterconnected bool               `json:"non_interconnected,omitempty"`
	StartDate         string             `json:"start_date,omitempty"`
	Participants      []ParticipantInput `json:"participants"`
}

// ParticipantInput is one participant as typed.
type ParticipantInput struct {
	Role        string `json:"role"`
	Name        string `json:"name"`
	PRM         string `json:"prm"`
	Commune     string `json:"commune,omitempty"`
	Lat         string `json:"lat,omitempty"`
	Lon         string `json:"lon,omitempty"`
	KWc         string `json:"kwc,omitempty"`
	Coefficient string `json:"coefficient,omitempty"`
	Rank        string `json:"rank,omitempty"`
	// ConsentID links the participant to a data-trust consent.
	ConsentID int64 `json:"consent_id,omitempty"`
}

// Blank reports a row left empty in a form.
func (p ParticipantInput) Blank() bool {
	return strings.TrimSpace(p.Name+p.PRM+p.Commune+p.Lat+p.Lon+p.KWc+p.Coefficient+p.Rank) == "" && p.ConsentID == 0
}

// InputOf turns an operation back into an input (edit forms, API).
func InputOf(o *Operation) Input {
	in := Input{Name: o.Name, Organiser: o.Organiser, Community: o.Community, StepMinutes: o.StepMinutes(),
		Key: o.Key.String(), Regime: string(o.Regime), DerogationRef: o.DerogationRef, PublicLed: o.PublicLed,
		NonInterconnected: o.NonInterconnected, StartDate: o.StartDate.Format(time.DateOnly)}
	if o.Regime == RegimeDerogation {
		in.DerogationKM = fmtNum(o.DerogationKM)
	}
	for _, p := range o.Participants {
		pi := ParticipantInput{Role: string(p.Role), Name: p.Name, PRM: p.PRM, Commune: p.Commune, ConsentID: p.ConsentID}
		if p.Commune == "" || !p.Approx {
			pi.Lat, pi.Lon = fmtNum(p.Lat), fmtNum(p.Lon)
		}
		if p.Role == Producer {
			pi.KWc = fmtNum(p.KWc)
		} else {
			if o.Key == energy.KeyStatic {
				pi.Coefficient = fmtNum(p.Coefficient)
			}
			if o.Key == energy.KeyPriority {
				pi.Rank = strconv.Itoa(p.Rank)
			}
		}
		in.Participants = append(in.Participants, pi)
	}
	return in
}

func fmtNum(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// parseNum reads a decimal number with a point or a comma.
func parseNum(s string) (float64, bool) {
	s = strings.TrimSpace(strings.ReplaceAll(s, ",", "."))
	s = strings.ReplaceAll(s, "\u202f", "")
	s = strings.ReplaceAll(s, " ", "")
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false
	}
	return v, true
}

// parseShare reads a static coefficient: a fraction 0–1 or a percentage with %.
func parseShare(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	pct := strings.HasSuffix(s, "%")
	v, ok := parseNum(strings.TrimSuffix(s, "%"))
	if !ok {
		return 0, false
	}
	if pct {
		v /= 100
	}
	return v, v >= 0 && v <= 1
}

var slugRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// Check is what Fabrique found when checking an operation against the rules.
type Check struct {
	Rules RuleSet
	Zone  Zone
	// MaxDistanceM is the largest distance between two participants, and
	// Farthest the positions (0-based) of those two (-1 with fewer than two).
	MaxDistanceM float64
	Farthest     [2]int
	LimitKM      float64
	CapacityKW   float64
	CapKW        float64
	// OneEPCI is the SIREN of the EPCI holding every participant, "" otherwise.
	OneEPCI  string
	Warnings []i18n.Text
}

// Validate checks an input, locates the participants and applies the rule
// set in force at the start date. It returns the operation to store (without
// ids) and the check; a refusal is an errs.Invalid error whose details name
// each field, and for the rules the two farthest participants and the
// distance, or the capacity and the cap.
func Validate(in Input, terr *territory.Referential, today time.Time) (*Operation, Check, error) {
	var bad []errs.Detail
	fail := func(field, fr, en string) {
		bad = append(bad, errs.Detail{Field: field, Message: i18n.T(fr, en)})
	}
	o := &Operation{}
	o.Name = strings.TrimSpace(in.Name)
	if n := utf8.RuneCountInString(o.Name); n < 3 || n > 120 {
		fail("name", "Le nom de l'opération est obligatoire (3 à 120 caractères).", "The operation's name is required (3 to 120 characters).")
	}
	o.Organiser = strings.TrimSpace(in.Organiser)
	if n := utf8.RuneCountInString(o.Organiser); n < 2 || n > 120 {
		fail("organiser", "Indiquez la personne morale organisatrice (PMO), 2 à 120 caractères.", "Name the organising body (PMO), 2 to 120 characters.")
	}
	o.Community = strings.TrimSpace(in.Community)
	if o.Community != "" && (len(o.Community) > 100 || !slugRE.MatchString(o.Community)) {
		fail("community", "L'identifiant de la communauté s'écrit en minuscules, chiffres et tirets (par exemple « energies-citoyennes-du-vallespir »).",
			"The community identifier is written in lower case, digits and hyphens (for example \"energies-citoyennes-du-vallespir\").")
	}
	switch in.StepMinutes {
	case 15, 30:
		o.Step = time.Duration(in.StepMinutes) * time.Minute
	default:
		fail("step_minutes", "Le pas de répartition est de 15 ou 30 minutes.", "The allocation step is 15 or 30 minutes.")
	}
	key, err := energy.ParseKeyKind(strings.TrimSpace(in.Key))
	if err != nil {
		fail("key", "Choisissez une clé de répartition : par défaut, statique, dynamique ou par priorité.", "Choose an allocation key: default, static, dynamic or priority.")
	}
	o.Key = key
	reg, ok := ParseRegime(strings.TrimSpace(in.Regime))
	if !ok {
		fail("regime", "Choisissez le régime de périmètre : 2 km, 10 km, 20 km ou dérogation.", "Choose the perimeter regime: 2 km, 10 km, 20 km or derogation.")
	}
	o.Regime = reg
	o.PublicLed, o.NonInterconnected = in.PublicLed, in.NonInterconnected

	o.StartDate = today
	if s := strings.TrimSpace(in.StartDate); s != "" {
		d, err := time.ParseInLocation(time.DateOnly, s, energy.Paris())
		if err != nil || d.Year() < 2017 || d.Year() > 2100 {
			fail("start_date", "Date de début invalide : écrivez-la AAAA-MM-JJ (2017 ou après).", "Invalid start date: write it YYYY-MM-DD (2017 or later).")
		} else {
			o.StartDate = d
		}
	}
	rules := RulesAt(o.StartDate)
	o.RuleVersion = rules.Version
	if reg == RegimeDerogation {
		km, ok := parseNum(in.DerogationKM)
		if !ok || km <= 0 || km > rules.DerogationMaxKM {
			fail("derogation_km", fmt.Sprintf("Indiquez la distance accordée par la dérogation, en km (au plus %g).", rules.DerogationMaxKM),
				fmt.Sprintf("State the distance the derogation grants, in km (at most %g).", rules.DerogationMaxKM))
		}
		o.DerogationKM = km
		o.DerogationRef = strings.TrimSpace(in.DerogationRef)
		if n := utf8.RuneCountInString(o.DerogationRef); n < 3 || n > 200 {
			fail("derogation_ref", "Citez la décision de dérogation (par exemple « arrêté du … »), 3 à 200 caractères.", "Cite the derogation decision (for example \"order of …\"), 3 to 200 characters.")
		}
	}

	var rows []ParticipantInput
	for _, p := range in.Participants {
		if !p.Blank() {
			rows = append(rows, p)
		}
	}
	if len(rows) > MaxParticipants {
		fail("participants", fmt.Sprintf("Une opération compte au plus %d participants ici.", MaxParticipants), fmt.Sprintf("An operation has at most %d participants here.", MaxParticipants))
		rows = rows[:MaxParticipants]
	}
	seen := map[string]int{}
	var nCons, nProd int
	var coefSum float64
	for i, p := range rows {
		f := func(name string) string { return fmt.Sprintf("participants[%d].%s", i, name) }
		who := fmt.Sprintf("Participant %d", i+1)
		pa := Participant{Position: i, Name: strings.TrimSpace(p.Name), Source: SourceUpload, ConsentID: p.ConsentID}
		if p.ConsentID > 0 {
			pa.Source = SourceConsent
		}
		if pa.Name != "" {
			who = fmt.Sprintf("Participant %d (« %s »)", i+1, pa.Name)
		}
		switch Role(strings.TrimSpace(p.Role)) {
		case Consumer:
			pa.Role = Consumer
			nCons++
		case Producer:
			pa.Role = Producer
			nProd++
		default:
			fail(f("role"), who+" : choisissez consommateur ou producteur.", who+": choose consumer or producer.")
		}
		if n := utf8.RuneCountInString(pa.Name); n < 1 || n > 120 {
			fail(f("name"), who+" : le nom est obligatoire (120 caractères au plus).", who+": the name is required (at most 120 characters).")
		}
		prm, err := meterfile.NormalizePRM(p.PRM)
		if err != nil {
			fail(f("prm"), who+" : le PRM (point de livraison) compte exactement 14 chiffres.", who+": the PRM (delivery point) has exactly 14 digits.")
		} else {
			k := string(pa.Role) + "/" + prm
			if j, dup := seen[k]; dup {
				fail(f("prm"), fmt.Sprintf("%s : le PRM %s est déjà celui du participant %d.", who, prm, j+1), fmt.Sprintf("%s: PRM %s is already participant %d's.", who, prm, j+1))
			}
			seen[k] = i
		}
		pa.PRM = prm
		if msg, ok := locate(&pa, p, terr); !ok {
			fail(f("commune"), who+" : "+msg.FR, who+": "+msg.EN)
		}
		switch pa.Role {
		case Producer:
			kwc, ok := parseNum(p.KWc)
			if !ok || kwc <= 0 || kwc > MaxKWc {
				fail(f("kwc"), who+" : indiquez la puissance crête du producteur en kWc (plus de 0).", who+": give the producer's peak capacity in kWc (more than 0).")
			}
			pa.KWc = kwc
		case Consumer:
			if o.Key == energy.KeyStatic {
				k, ok := parseShare(p.Coefficient)
				if !ok {
					fail(f("coefficient"), who+" : la clé statique demande un coefficient entre 0 et 1, ou un pourcentage (par exemple 25 %).",
						who+": the static key needs a coefficient between 0 and 1, or a percentage (for example 25 %).")
				}
				pa.Coefficient = k
				coefSum += k
			}
			pa.Rank = 1
			if o.Key == energy.KeyPriority && strings.TrimSpace(p.Rank) != "" {
				r, err := strconv.Atoi(strings.TrimSpace(p.Rank))
				if err != nil || r < 1 || r > MaxParticipants {
					fail(f("rank"), who+" : le rang de priorité est un entier, 1 pour les premiers servis.", who+": the priority rank is a whole number, 1 for those served first.")
				}
				pa.Rank = r
			}
		}
		o.Participants = append(o.Participants, pa)
	}
	if nCons == 0 || nProd == 0 {
		fail("participants", "Une opération réunit au moins un producteur et un consommateur.", "An operation brings together at least one producer and one consumer.")
	}
	if o.Key == energy.KeyStatic && coefSum > 1+energy.CoefficientTolerance {
		fail("participants", fmt.Sprintf("Les coefficients de la clé statique font %s %% au total : ils ne peuvent dépasser 100 %%.", web.FormatNumber(i18n.FR, coefSum*100, 1)),
			fmt.Sprintf("The static key's coefficients add up to %s %%: they cannot exceed 100 %%.", web.FormatNumber(i18n.EN, coefSum*100, 1)))
	}
	if len(bad) > 0 {
		return o, Check{Rules: rules}, invalid(bad)
	}
	chk := CheckRules(o, rules, terr)
	o.MaxDistanceM, o.CapacityKW, o.Zone = chk.MaxDistanceM, chk.CapacityKW, chk.Zone
	if d := ruleProblems(o, chk); len(d) > 0 {
		return o, chk, invalid(d)
	}
	return o, chk, nil
}

func invalid(d []errs.Detail) error {
	e := errs.New(errs.Invalid, "L'opération ne peut pas être enregistrée : corrigez les points signalés.", "The operation cannot be saved: fix the points listed.")
	if len(d) == 1 {
		e.Message = d[0].Message
	}
	e.Details = d
	return e
}

// locate fills a participant's point from its coordinates or its commune.
func locate(pa *Participant, p ParticipantInput, terr *territory.Referential) (i18n.Text, bool) {
	code := strings.ToUpper(strings.TrimSpace(p.Commune))
	latS, lonS := strings.TrimSpace(p.Lat), strings.TrimSpace(p.Lon)
	if code != "" {
		t, ok := terr.Get(territory.Commune, code)
		if !ok {
			return i18n.T(fmt.Sprintf("commune « %s » inconnue : donnez son code INSEE à 5 caractères (par exemple 66150).", code),
				fmt.Sprintf("unknown commune %q: give its 5-character INSEE code (for example 66150).", code)), false
		}
		pa.Commune = t.Code
		if latS == "" && lonS == "" {
			if !t.Located() {
				return i18n.T(fmt.Sprintf("la commune %s (%s) n'a pas de position connue : donnez les coordonnées du site.", t.Name, t.Code),
					fmt.Sprintf("commune %s (%s) has no known position: give the site's coordinates.", t.Name, t.Code)), false
			}
			pa.Lat, pa.Lon, pa.Approx = t.Lat, t.Lon, true
			return i18n.Text{}, true
		}
	}
	if latS == "" && lonS == "" {
		return i18n.T("indiquez la commune (code INSEE) ou les coordonnées (latitude, longitude) du site.",
			"give the site's commune (INSEE code) or coordinates (latitude, longitude)."), false
	}
	lat, ok1 := parseNum(latS)
	lon, ok2 := parseNum(lonS)
	if !ok1 || !ok2 || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
		return i18n.T("coordonnées invalides : latitude et longitude en degrés décimaux (par exemple 42,404 et 2,479).",
			"invalid coordinates: latitude and longitude in decimal degrees (for example 42.404 and 2.479)."), false
	}
	if !territory.InFrance(lat, lon) {
		return i18n.T(fmt.Sprintf("le point %s, %s n'est pas en France (latitude et longitude inversées ?).", fmtNum(lat), fmtNum(lon)),
			fmt.Sprintf("point %s, %s is not in France (latitude and longitude swapped?).", fmtNum(lat), fmtNum(lon))), false
	}
	pa.Lat, pa.Lon, pa.Approx = lat, lon, false
	return i18n.Text{}, true
}

// CheckRules measures an operation against a rule set: the largest distance
// between two participants, the zone, the cumulated capacity and its cap.
// It does not decide; ruleProblems does.
func CheckRules(o *Operation, rules RuleSet, terr *territory.Referential) Check {
	c := Check{Rules: rules, Farthest: [2]int{-1, -1}, Zone: ZoneMainland}
	ps := o.Participants
	for i := range ps {
		for j := i + 1; j < len(ps); j++ {
			d := territory.Distance(ps[i].Lat, ps[i].Lon, ps[j].Lat, ps[j].Lon)
			if d > c.MaxDistanceM || c.Farthest[0] < 0 {
				c.MaxDistanceM, c.Farthest = d, [2]int{i, j}
			}
		}
	}
	switch o.Regime {
	case RegimeDerogation:
		c.LimitKM = o.DerogationKM
	default:
		c.LimitKM = rules.PerimeterKM[o.Regime]
	}
	epci, one, approx := "", true, false
	for i, p := range ps {
		if p.Role == Producer {
			c.CapacityKW += p.KWc
		}
		zone := ZoneOfPoint(p.Lat, p.Lon)
		if p.Commune != "" {
			t, _ := terr.Get(territory.Commune, p.Commune)
			zone = rules.ZoneOfCommune(t.Code, t.Departement)
			if i == 0 {
				epci = t.EPCI
			}
			one = one && t.EPCI != "" && t.EPCI == epci
		} else {
			one = false
		}
		if zone == ZoneZNI {
			c.Zone = ZoneZNI
		}
		approx = approx || p.Approx
	}
	if o.NonInterconnected {
		c.Zone = ZoneZNI
	}
	if one {
		c.OneEPCI = epci
	}
	c.CapKW = rules.CapKW(c.Zone, o.PublicLed && one)
	if approx {
		c.Warnings = append(c.Warnings, i18n.T(
			"Certains participants sont placés au centre de leur commune : la distance est approchée. Donnez les coordonnées des sites pour une vérification précise.",
			"Some participants are placed at the centre of their commune: the distance is approximate. Give the sites' coordinates for a precise check."))
	}
	switch o.Regime {
	case Regime10km, Regime20km:
		c.Warnings = append(c.Warnings, i18n.T(
			"Fabrique ne vérifie pas le caractère périurbain ou rural des communes (grille communale de densité de l'INSEE) : gardez-en le justificatif pour le gestionnaire de réseau.",
			"Fabrique does not check that the communes are peri-urban or rural (INSEE municipal density grid): keep the evidence for the grid operator."))
	case RegimeDerogation:
		c.Warnings = append(c.Warnings, i18n.T(
			"Périmètre dérogatoire : la distance vérifiée est celle que vous avez indiquée pour la décision citée.",
			"Derogation perimeter: the distance checked is the one you gave for the decision cited."))
	}
	if o.PublicLed && !one && c.Zone == ZoneMainland && rules.CapPublicKW > 0 {
		c.Warnings = append(c.Warnings, i18n.T(
			"Le plafond des opérations à l'initiative d'une personne publique demande que tous les participants soient, par leur commune, dans un même EPCI : le plafond général s'applique.",
			"The cap for public-led operations needs every participant to be, by its commune, in one EPCI: the general cap applies."))
	}
	return c
}

// ruleProblems turns a check into refusals with clear messages.
func ruleProblems(o *Operation, c Check) []errs.Detail {
	var out []errs.Detail
	if c.Farthest[0] >= 0 && c.MaxDistanceM > c.LimitKM*1000 {
		a, b := o.Participants[c.Farthest[0]], o.Participants[c.Farthest[1]]
		reg := o.Regime.Label()
		limFR, limEN := web.FormatNumber(i18n.FR, c.LimitKM, 0)+" km", web.FormatNumber(i18n.EN, c.LimitKM, 0)+" km"
		if c.LimitKM != math.Trunc(c.LimitKM) {
			limFR, limEN = web.FormatNumber(i18n.FR, c.LimitKM, 1)+" km", web.FormatNumber(i18n.EN, c.LimitKM, 1)+" km"
		}
		out = append(out, errs.Detail{Field: "perimeter", Message: i18n.T(
			fmt.Sprintf("Périmètre dépassé : « %s » et « %s » sont à %s km l'un de l'autre, alors que le régime « %s » permet au plus %s entre les deux participants les plus éloignés. Rapprochez ou retirez un participant, ou choisissez le régime que vos communes permettent.",
				a.Name, b.Name, web.FormatNumber(i18n.FR, c.MaxDistanceM/1000, 2), reg.FR, limFR),
			fmt.Sprintf("Perimeter exceeded: \"%s\" and \"%s\" are %s km apart, while the \"%s\" regime allows at most %s between the two most distant participants. Bring a participant closer or remove it, or choose the regime your communes allow.",
				a.Name, b.Name, web.FormatNumber(i18n.EN, c.MaxDistanceM/1000, 2), reg.EN, limEN))})
	}
	if c.CapacityKW > c.CapKW {
		out = append(out, errs.Detail{Field: "capacity", Message: i18n.T(
			fmt.Sprintf("Puissance dépassée : les producteurs totalisent %s kWc, au-delà du plafond de %s (%s, règles %s en vigueur au %s).",
				web.FormatNumber(i18n.FR, c.CapacityKW, 1), MW(c.CapKW, i18n.FR), c.Zone.Label().FR, c.Rules.Version, web.FormatDate(i18n.FR, o.StartDate)),
			fmt.Sprintf("Capacity exceeded: the producers add up to %s kWc, above the cap of %s (%s, rules %s in force on %s).",
				web.FormatNumber(i18n.EN, c.CapacityKW, 1), MW(c.CapKW, i18n.EN), c.Zone.Label().EN, c.Rules.Version, web.FormatDate(i18n.EN, o.StartDate)))})
	}
	return out
}

// KeyLabel names the key for people.
func (o *Operation) KeyLabel() i18n.Text { return KeyLabel(o.Key) }
