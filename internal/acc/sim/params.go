// Package sim is the collective self-consumption simulator: synthetic (or
// shared) consumption curves and a PV installation in one commune, the four
// allocation keys side by side, a sweep of PV capacities, and a plug-in
// solar kit for one household. It is pure: parameters in, results out; the
// parameters travel in a URL query so that a simulation can be shared.
package sim

import (
	"fmt"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/energy"
	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/i18n"
)

// Mode selects what is simulated.
type Mode string

// Modes.
const (
	ModeOperation Mode = "operation" // a collective operation
	ModeKit       Mode = "kit"       // a plug-in solar kit for one household
)

// Limits of a simulation.
const (
	MaxGroups    = 8
	MaxConsumers = 100
	MaxKWc       = 10_000
	MaxSweep     = 100
	// DistinctPerGroup is how many different synthetic curves a group gets;
	// further members reuse them shifted by whole weeks (see Run).
	DistinctPerGroup   = 20
	MinKitWc, MaxKitWc = 100, 3000
)

// Group is a set of similar consumers.
type Group struct {
	Profile energy.LoadProfile
	KWh     float64 // annual consumption of each member
	Count   int
	Rank    int // priority key, 1 served first
}

// Shared is a consumer whose curve comes from elsewhere (a consented curve
// read through the data trust), already on the simulation's grid.
type Shared struct {
	Name   string
	Ref    string // how it is named in the query (consent id)
	Values []float64
	Rank   int
}

// Params describe a simulation. Zero values take defaults (see Defaults).
type Params struct {
	Mode    Mode
	Commune string
	Year    int
	Step    time.Duration
	KWc     float64
	Key     energy.KeyKind
	Groups  []Group
	// Shared consumers (filled by the caller from consent references).
	Consents []int64
	Shared   []Shared
	// SweepMax is the largest capacity of the sweep (kWc) and SweepN the
	// number of sizes, spread evenly from SweepMax/SweepN to SweepMax.
	SweepMax float64
	SweepN   int
	// Kit mode.
	KitWc       float64
	Tilt        float64
	Azimuth     float64
	Price       float64 // €/kWh bought from the supplier
	KitCost     float64 // € (0: unknown)
	HomeProfile energy.LoadProfile
	HomeKWh     float64
}

// Defaults returns the parameters of a first visit: an operation in
// Prats-de-Mollo-la-Preste, 100 kWc on the school roof, households, two
// offices and the school.
func Defaults(year int) Params {
	return Params{Mode: ModeOperation, Commune: "66150", Year: year, Step: 15 * time.Minute, KWc: 100, Key: energy.KeyDefault,
		Groups: []Group{
			{Profile: energy.ProfileHousehold, KWh: 4500, Count: 20, Rank: 2},
			{Profile: energy.ProfileHouseholdWaterHeater, KWh: 6000, Count: 10, Rank: 2},
			{Profile: energy.ProfileOffice, KWh: 30000, Count: 2, Rank: 1},
			{Profile: energy.ProfileSchool, KWh: 40000, Count: 1, Rank: 1},
		},
		SweepMax: 500, SweepN: 50,
		KitWc: 400, Tilt: 70, Azimuth: 0, Price: 0.2516, HomeProfile: energy.ProfileHousehold, HomeKWh: 4500}
}

// Consumers is the number of consumers simulated.
func (p *Params) Consumers() int {
	n := len(p.Shared)
	for _, g := range p.Groups {
		n += g.Count
	}
	return n
}

func parseFloat(s string) (float64, bool) {
	s = strings.TrimSpace(strings.ReplaceAll(s, ",", "."))
	s = strings.ReplaceAll(s, " ", "")
	s = strings.ReplaceAll(s, "\u202f", "")
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false
	}
	return v, true
}

// Parse reads parameters from a query. Absent values take the defaults of
// a first visit, except groups: a query that names any group field lists
// the groups it wants. Every bad field is reported, by its name.
func Parse(q url.Values, year int) (Params, error) {
	p := Defaults(year)
	var bad []errs.Detail
	fail := func(field, fr, en string) {
		bad = append(bad, errs.Detail{Field: field, Message: i18n.T(fr, en)})
	}
	get := func(k string) string { return strings.TrimSpace(q.Get(k)) }
	num := func(k string, def, lo, hi float64, fr, en string) float64 {
		s := get(k)
		if s == "" {
			return def
		}
		v, ok := parseFloat(s)
		if !ok || v < lo || v > hi {
			fail(k, fr, en)
			return def
		}
		return v
	}
	switch m := get("mode"); m {
	case "", string(ModeOperation):
		p.Mode = ModeOperation
	case string(ModeKit):
		p.Mode = ModeKit
	default:
		fail("mode", "Mode inconnu : operation ou kit.", "Unknown mode: operation or kit.")
	}
	if c := strings.ToUpper(get("commune")); c != "" {
		if !inseeRE.MatchString(c) {
			fail("commune", "Code commune INSEE à 5 caractères (par exemple 66150).", "5-character INSEE commune code (for example 66150).")
		} else {
			p.Commune = c
		}
	}
	if s := get("year"); s != "" {
		y, err := strconv.Atoi(s)
		if err != nil || y < 2000 || y > 2100 {
			fail("year", "Année entre 2000 et 2100.", "Year between 2000 and 2100.")
		} else {
			p.Year = y
		}
	}
	switch s := get("step"); s {
	case "", "15":
		p.Step = 15 * time.Minute
	case "30":
		p.Step = 30 * time.Minute
	default:
		fail("step", "Pas de 15 ou 30 minutes.", "Step of 15 or 30 minutes.")
	}
	p.KWc = num("kwc", p.KWc, 0, MaxKWc, fmt.Sprintf("Puissance photovoltaïque entre 0 et %d kWc.", MaxKWc), fmt.Sprintf("PV capacity between 0 and %d kWc.", MaxKWc))
	if k := get("key"); k != "" {
		kk, err := energy.ParseKeyKind(k)
		if err != nil {
			fail("key", "Clé inconnue : default, static, dynamic ou priority.", "Unknown key: default, static, dynamic or priority.")
		}
		p.Key = kk
	}
	named := false
	for i := 1; i <= MaxGroups; i++ {
		for _, f := range []string{"profile", "kwh", "count", "rank"} {
			if _, ok := q[fmt.Sprintf("%s%d", f, i)]; ok {
				named = true
			}
		}
	}
	if named {
		p.Groups = nil
		for i := 1; i <= MaxGroups; i++ {
			ps, ks, cs, rs := get(fmt.Sprintf("profile%d", i)), get(fmt.Sprintf("kwh%d", i)), get(fmt.Sprintf("count%d", i)), get(fmt.Sprintf("rank%d", i))
			if ps == "" && ks == "" && (cs == "" || cs == "0") {
				continue
			}
			g := Group{Count: 1, Rank: 1}
			prof, err := energy.ParseLoadProfile(ps)
			if err != nil {
				fail(fmt.Sprintf("profile%d", i), fmt.Sprintf("Groupe %d : profil inconnu.", i), fmt.Sprintf("Group %d: unknown profile.", i))
			}
			g.Profile = prof
			if v, ok := parseFloat(ks); !ok || v < 100 || v > 10_000_000 {
				fail(fmt.Sprintf("kwh%d", i), fmt.Sprintf("Groupe %d : consommation annuelle entre 100 et 10 000 000 kWh.", i), fmt.Sprintf("Group %d: annual consumption between 100 and 10,000,000 kWh.", i))
			} else {
				g.KWh = v
			}
			if cs != "" {
				n, err := strconv.Atoi(cs)
				if err != nil || n < 0 || n > MaxConsumers {
					fail(fmt.Sprintf("count%d", i), fmt.Sprintf("Groupe %d : nombre de participants entre 0 et %d.", i, MaxConsumers), fmt.Sprintf("Group %d: number of participants between 0 and %d.", i, MaxConsumers))
				} else {
					g.Count = n
				}
			}
			if rs != "" {
				r, err := strconv.Atoi(rs)
				if err != nil || r < 1 || r > MaxGroups {
					fail(fmt.Sprintf("rank%d", i), fmt.Sprintf("Groupe %d : rang de priorité entre 1 et %d.", i, MaxGroups), fmt.Sprintf("Group %d: priority rank between 1 and %d.", i, MaxGroups))
				} else {
					g.Rank = r
				}
			}
			if g.Count > 0 {
				p.Groups = append(p.Groups, g)
			}
		}
	}
	for _, s := range q["consent"] {
		id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil || id <= 0 {
			fail("consent", "Référence de consentement invalide.", "Invalid consent reference.")
			continue
		}
		p.Consents = append(p.Consents, id)
	}
	p.SweepMax = num("sweep_max", min(max(p.SweepMax, 2*p.KWc), MaxKWc), 1, MaxKWc, fmt.Sprintf("Puissance maximale du balayage entre 1 et %d kWc.", MaxKWc), fmt.Sprintf("Largest swept capacity between 1 and %d kWc.", MaxKWc))
	p.SweepN = int(num("sweep_n", float64(p.SweepN), 2, MaxSweep, fmt.Sprintf("Nombre de puissances balayées entre 2 et %d.", MaxSweep), fmt.Sprintf("Number of swept capacities between 2 and %d.", MaxSweep)))
	p.KitWc = num("kit_wc", p.KitWc, MinKitWc, MaxKitWc, fmt.Sprintf("Puissance du kit entre %d et %d Wc.", MinKitWc, MaxKitWc), fmt.Sprintf("Kit capacity between %d and %d Wc.", MinKitWc, MaxKitWc))
	p.Tilt = num("tilt", p.Tilt, 0, 90, "Inclinaison entre 0° (à plat) et 90° (vertical).", "Tilt between 0° (flat) and 90° (vertical).")
	p.Azimuth = num("azimuth", p.Azimuth, -90, 90, "Orientation entre −90° (est) et 90° (ouest), 0 plein sud.", "Orientation between −90° (east) and 90° (west), 0 due south.")
	p.Price = num("price", p.Price, 0, 5, "Prix du kWh entre 0 et 5 €.", "Price per kWh between 0 and 5 €.")
	p.KitCost = num("kit_cost", 0, 0, 100_000, "Coût du kit entre 0 et 100 000 €.", "Kit cost between 0 and 100,000 €.")
	if s := get("home_profile"); s != "" {
		prof, err := energy.ParseLoadProfile(s)
		if err != nil {
			fail("home_profile", "Profil du foyer inconnu.", "Unknown household profile.")
		}
		p.HomeProfile = prof
	}
	p.HomeKWh = num("home_kwh", p.HomeKWh, 100, 100_000, "Consommation du foyer entre 100 et 100 000 kWh par an.", "Household consumption between 100 and 100,000 kWh a year.")
	if p.Mode == ModeOperation {
		if n := p.Consumers() + len(p.Consents); n > MaxConsumers {
			fail("count1", fmt.Sprintf("Le simulateur accepte %d consommateurs au plus (%d demandés).", MaxConsumers, n), fmt.Sprintf("The simulator takes at most %d consumers (%d asked).", MaxConsumers, n))
		} else if n == 0 {
			fail("count1", "Ajoutez au moins un groupe de consommateurs.", "Add at least one group of consumers.")
		}
	}
	if len(bad) > 0 {
		e := errs.New(errs.Invalid, "Paramètres de simulation invalides : corrigez les champs signalés.", "Invalid simulation parameters: fix the fields listed.")
		e.Details = bad
		return p, e
	}
	return p, nil
}

var inseeRE = regexp.MustCompile(`^([0-9]{5}|2[AB][0-9]{3})$`)

func ff(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// Query writes the parameters back as a query: the shareable address of
// the simulation. Parse(p.Query()) gives p back.
func (p *Params) Query() url.Values {
	q := url.Values{}
	q.Set("mode", string(p.Mode))
	q.Set("commune", p.Commune)
	q.Set("year", strconv.Itoa(p.Year))
	q.Set("step", strconv.Itoa(int(p.Step/time.Minute)))
	if p.Mode == ModeKit {
		q.Set("kit_wc", ff(p.KitWc))
		q.Set("tilt", ff(p.Tilt))
		q.Set("azimuth", ff(p.Azimuth))
		q.Set("price", ff(p.Price))
		if p.KitCost > 0 {
			q.Set("kit_cost", ff(p.KitCost))
		}
		q.Set("home_profile", string(p.HomeProfile))
		q.Set("home_kwh", ff(p.HomeKWh))
		return q
	}
	q.Set("kwc", ff(p.KWc))
	q.Set("key", p.Key.String())
	for i, g := range p.Groups {
		n := strconv.Itoa(i + 1)
		q.Set("profile"+n, string(g.Profile))
		q.Set("kwh"+n, ff(g.KWh))
		q.Set("count"+n, strconv.Itoa(g.Count))
		q.Set("rank"+n, strconv.Itoa(g.Rank))
	}
	if len(p.Groups) == 0 {
		q.Set("count1", "0") // says "no groups", not "the default groups"
	}
	for _, c := range p.Consents {
		q.Add("consent", strconv.FormatInt(c, 10))
	}
	q.Set("sweep_max", ff(p.SweepMax))
	q.Set("sweep_n", strconv.Itoa(p.SweepN))
	return q
}

// ProfileLabel names a load profile for people.
func ProfileLabel(p energy.LoadProfile) i18n.Text {
	switch p {
	case energy.ProfileHousehold:
		return i18n.T("Foyer", "Household")
	case energy.ProfileHouseholdWaterHeater:
		return i18n.T("Foyer avec chauffe-eau en heures creuses", "Household with off-peak water heater")
	case energy.ProfileHouseholdElectricHeating:
		return i18n.T("Foyer chauffé à l'électricité", "Electrically heated household")
	case energy.ProfileOffice:
		return i18n.T("Bureaux, commerce", "Office, shop")
	case energy.ProfileSchool:
		return i18n.T("École", "School")
	}
	return i18n.T(string(p), string(p))
}

// KeyLabel names a key for people.
func KeyLabel(k energy.KeyKind) i18n.Text {
	switch k {
	case energy.KeyDefault:
		return i18n.T("Par défaut (au prorata de la consommation)", "Default (pro rata of consumption)")
	case energy.KeyStatic:
		return i18n.T("Statique (parts fixes)", "Static (fixed shares)")
	case energy.KeyDynamic:
		return i18n.T("Dynamique (parts égales redistribuées)", "Dynamic (equal shares, redistributed)")
	case energy.KeyPriority:
		return i18n.T("Par priorité", "Priority")
	}
	return i18n.T(k.String(), k.String())
}

// Keys lists the four keys in display order.
func Keys() []energy.KeyKind {
	return []energy.KeyKind{energy.KeyDefault, energy.KeyStatic, energy.KeyDynamic, energy.KeyPriority}
}
