package acc

import (
	"fmt"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/platform/i18n"
)

// Regime is the perimeter rule an operation claims (DOMAIN §5): the largest
// distance allowed between its two most distant participants.
type Regime string

// Perimeter regimes.
const (
	// Regime2km is the general rule.
	Regime2km Regime = "2km"
	// Regime10km applies when every participant is in a peri-urban or rural commune.
	Regime10km Regime = "10km"
	// Regime20km applies when every participant is in a rural commune.
	Regime20km Regime = "20km"
	// RegimeDerogation is a ministerial derogation: its decision states the distance.
	RegimeDerogation Regime = "derogation"
)

// Regimes lists the regimes in the order forms show them.
func Regimes() []Regime { return []Regime{Regime2km, Regime10km, Regime20km, RegimeDerogation} }

// ParseRegime checks a regime name.
func ParseRegime(s string) (Regime, bool) {
	for _, r := range Regimes() {
		if string(r) == s {
			return r, true
		}
	}
	return "", false
}

// Label names the regime for people.
func (r Regime) Label() i18n.Text {
	switch r {
	case Regime2km:
		return i18n.T("2 km (règle générale)", "2 km (general rule)")
	case Regime10km:
		return i18n.T("10 km (communes périurbaines ou rurales)", "10 km (peri-urban or rural communes)")
	case Regime20km:
		return i18n.T("20 km (communes rurales)", "20 km (rural communes)")
	case RegimeDerogation:
		return i18n.T("dérogation ministérielle", "ministerial derogation")
	}
	return i18n.T(string(r), string(r))
}

// Zone is the part of the electricity system an operation belongs to; it
// decides the capacity cap.
type Zone string

// Zones.
const (
	ZoneMainland Zone = "mainland" // continental mainland France, interconnected
	ZoneZNI      Zone = "zni"      // non-interconnected zones: Corsica, overseas, unconnected islands
)

// Label names the zone for people.
func (z Zone) Label() i18n.Text {
	if z == ZoneZNI {
		return i18n.T("zone non interconnectée", "non-interconnected zone")
	}
	return i18n.T("métropole continentale", "continental mainland France")
}

// RuleSet is the collective self-consumption rules in force from a date.
// The values are data, not code: a change of the law is a new entry in
// ruleSets, and each operation records the version it was checked against.
type RuleSet struct {
	// Version names the set ("2025-02"); ValidFrom is its first day (Paris).
	Version   string
	ValidFrom time.Time
	// Source cites the texts the values come from.
	Source i18n.Text
	// PerimeterKM is the largest distance between two participants for each
	// regime, in km (the derogation regime takes its distance from the decision).
	PerimeterKM map[Regime]float64
	// DerogationMaxKM bounds the distance a derogation may state (a sanity
	// limit on input, not a legal rule).
	DerogationMaxKM float64
	// Capacity caps of the cumulated producer capacity, in kW.
	CapMainlandKW float64
	CapZNIKW      float64
	// CapPublicKW is the cap of public-led operations whose participants all
	// lie in one EPCI (mainland only); 0 when the set has no such rule.
	CapPublicKW float64
	// ZNIDepartements and ZNICommunes list the non-interconnected zones
	// recognised from a participant's commune.
	ZNIDepartements []string
	ZNICommunes     []string
}

func parisDay(y int, m time.Month, d int) time.Time {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		loc = time.FixedZone("CET", 3600)
	}
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// Non-interconnected zones (zones non interconnectées au réseau
// métropolitain continental): Corsica, the overseas départements and
// collectivities, and the Ponant islands without a cable to the mainland.
// Islands that are part of a mainland commune (Chausey, Glénan) cannot be
// told from the commune: the organiser declares the zone instead.
var (
	zniDepartements = []string{"2A", "2B", "971", "972", "973", "974", "975", "976", "977", "978"}
	zniCommunes     = []string{"29155", "29084", "29083"} // Ouessant, Île-Molène, Île-de-Sein
)

// ruleSets are the rule versions, oldest first.
var ruleSets = []RuleSet{
	{
		Version:   "2019-11",
		ValidFrom: parisDay(2019, time.November, 23),
		Source: i18n.T("Code de l'énergie, art. L315-2 et R315-1 ; arrêté du 21 novembre 2019 (critère de proximité géographique) : 3 MW en métropole continentale, 0,5 MW en zone non interconnectée.",
			"French Energy Code art. L315-2 and R315-1; order of 21 November 2019 (geographical proximity): 3 MW in continental mainland France, 0.5 MW in non-interconnected zones."),
		PerimeterKM:     map[Regime]float64{Regime2km: 2, Regime10km: 10, Regime20km: 20},
		DerogationMaxKM: 50,
		CapMainlandKW:   3000,
		CapZNIKW:        500,
		ZNIDepartements: zniDepartements,
		ZNICommunes:     zniCommunes,
	},
	{
		Version:   "2025-02",
		ValidFrom: parisDay(2025, time.February, 1),
		Source: i18n.T("Code de l'énergie, art. L315-2 et R315-1 ; règles en vigueur depuis février 2025 : 5 MW en métropole continentale, 0,5 MW en zone non interconnectée, jusqu'à 10 MW pour une opération à l'initiative d'une personne publique dont les participants sont dans un même EPCI.",
			"French Energy Code art. L315-2 and R315-1; rules in force since February 2025: 5 MW in continental mainland France, 0.5 MW in non-interconnected zones, up to 10 MW for a public-led operation whose participants lie in one EPCI."),
		PerimeterKM:     map[Regime]float64{Regime2km: 2, Regime10km: 10, Regime20km: 20},
		DerogationMaxKM: 50,
		CapMainlandKW:   5000,
		CapZNIKW:        500,
		CapPublicKW:     10000,
		ZNIDepartements: zniDepartements,
		ZNICommunes:     zniCommunes,
	},
}

// RuleSets returns every rule version, oldest first.
func RuleSets() []RuleSet { return append([]RuleSet(nil), ruleSets...) }

// RulesAt returns the rule set in force on the day of t (Paris time).
// Dates before the first version get the first version.
func RulesAt(t time.Time) RuleSet {
	rs := ruleSets[0]
	for _, r := range ruleSets {
		if !t.Before(r.ValidFrom) {
			rs = r
		}
	}
	return rs
}

// RulesByVersion finds a rule set by its version name.
func RulesByVersion(v string) (RuleSet, bool) {
	for _, r := range ruleSets {
		if r.Version == v {
			return r, true
		}
	}
	return RuleSet{}, false
}

// ZoneOfCommune tells whether a commune is in a non-interconnected zone.
func (rs RuleSet) ZoneOfCommune(code, departement string) Zone {
	for _, d := range rs.ZNIDepartements {
		if d == departement {
			return ZoneZNI
		}
	}
	for _, c := range rs.ZNICommunes {
		if c == code {
			return ZoneZNI
		}
	}
	return ZoneMainland
}

// corsica is a box around Corsica, the one non-interconnected zone inside
// the metropolitan bounding box.
var corsica = struct{ south, west, north, east float64 }{41.3, 8.5, 43.1, 9.6}

// ZoneOfPoint tells the zone of a point given by coordinates: Corsica and
// anything outside the metropolitan box are non-interconnected.
func ZoneOfPoint(lat, lon float64) Zone {
	if lat >= corsica.south && lat <= corsica.north && lon >= corsica.west && lon <= corsica.east {
		return ZoneZNI
	}
	if lat >= 41.2 && lat <= 51.2 && lon >= -5.3 && lon <= 9.7 {
		return ZoneMainland
	}
	return ZoneZNI
}

// CapKW returns the capacity cap for a zone, and for a public-led operation
// inside one EPCI when the set has such a rule.
func (rs RuleSet) CapKW(zone Zone, publicOneEPCI bool) float64 {
	if zone == ZoneZNI {
		return rs.CapZNIKW
	}
	if publicOneEPCI && rs.CapPublicKW > 0 {
		return rs.CapPublicKW
	}
	return rs.CapMainlandKW
}

// MW writes a capacity in kW as people say it ("5 MW", "0,5 MW").
func MW(kw float64, lang string) string {
	s := fmt.Sprintf("%g", kw/1000)
	if lang != i18n.EN {
		for i := range s {
			if s[i] == '.' {
				s = s[:i] + "," + s[i+1:]
			}
		}
	}
	return s + " MW"
}

// MW is MW for templates.
func (rs RuleSet) MW(kw float64, lang string) string { return MW(kw, lang) }
