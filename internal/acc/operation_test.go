package acc

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/energy"
	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/i18n"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
	"github.com/fabrique-des-energies/fabrique/internal/territory"
)

// Prats-de-Mollo-la-Preste, and a point about 3 km east of it.
const (
	pratsLat, pratsLon = 42.40404, 2.47928
)

func eastOf(lat, lon, km float64) (float64, float64) {
	return lat, lon + km/(111.195*math.Cos(lat*math.Pi/180))
}

func coords(lat, lon float64) (string, string) { return fmtNum(lat), fmtNum(lon) }

// twoSites is an operation with a producer at Prats and a consumer km east.
func twoSites(km float64, regime Regime) Input {
	lat2, lon2 := eastOf(pratsLat, pratsLon, km)
	la, lo := coords(pratsLat, pratsLon)
	lb, lob := coords(lat2, lon2)
	return Input{Name: "Soleil du Tech", Organiser: "Énergies citoyennes du Vallespir", StepMinutes: 15, Key: "default", Regime: string(regime),
		StartDate: "2025-06-01",
		Participants: []ParticipantInput{
			{Role: "producer", Name: "Toiture de l'école", PRM: "30000000000001", Lat: la, Lon: lo, KWc: "100"},
			{Role: "consumer", Name: "Maison Roig", PRM: "30000000000002", Lat: lb, Lon: lob},
		}}
}

func details(err error) []errs.Detail {
	e, ok := errs.As(err)
	if !ok {
		return nil
	}
	return e.Details
}

func detail(err error, field string) (errs.Detail, bool) {
	for _, d := range details(err) {
		if d.Field == field {
			return d, true
		}
	}
	return errs.Detail{}, false
}

var june2025 = time.Date(2025, 6, 15, 0, 0, 0, 0, energy.Paris())

func TestPerimeterRefusalNamesFarthestPair(t *testing.T) {
	terr := territory.Default()
	in := twoSites(3, Regime2km)
	_, chk, err := Validate(in, terr, june2025)
	if !errs.Is(err, errs.Invalid) {
		t.Fatalf("3 km apart under the 2 km regime: want a refusal, got %v", err)
	}
	d, ok := detail(err, "perimeter")
	if !ok {
		t.Fatalf("no perimeter detail in %v", details(err))
	}
	lat2, lon2 := eastOf(pratsLat, pratsLon, 3)
	want := territory.Distance(pratsLat, pratsLon, lat2, lon2)
	if math.Abs(chk.MaxDistanceM-want) > 1e-6 {
		t.Errorf("max distance %v, want %v", chk.MaxDistanceM, want)
	}
	for _, s := range []string{"« Toiture de l'école »", "« Maison Roig »", web.FormatNumber(i18n.FR, want/1000, 2) + " km", "2 km"} {
		if !strings.Contains(d.Message.FR, s) {
			t.Errorf("French message lacks %q: %s", s, d.Message.FR)
		}
	}
	for _, s := range []string{`"Toiture de l'école"`, `"Maison Roig"`, web.FormatNumber(i18n.EN, want/1000, 2) + " km"} {
		if !strings.Contains(d.Message.EN, s) {
			t.Errorf("English message lacks %q: %s", s, d.Message.EN)
		}
	}
	// The same sites pass under the 10 km regime, with a warning about the
	// density grid Fabrique does not check.
	in.Regime = string(Regime10km)
	o, chk, err := Validate(in, terr, june2025)
	if err != nil {
		t.Fatalf("10 km regime: %v", err)
	}
	if o.RuleVersion != "2025-02" || chk.LimitKM != 10 || len(chk.Warnings) == 0 {
		t.Errorf("rules %s, limit %v, warnings %v", o.RuleVersion, chk.LimitKM, chk.Warnings)
	}
}

func TestPerimeterFarthestOfMany(t *testing.T) {
	in := twoSites(0.5, Regime2km)
	// A third site 2.5 km west of the consumer: the farthest pair is it and the consumer.
	lat, lon := eastOf(pratsLat, pratsLon, -2)
	la, lo := coords(lat, lon)
	in.Participants = append(in.Participants, ParticipantInput{Role: "consumer", Name: "Gîte Costa", PRM: "30000000000003", Lat: la, Lon: lo})
	_, chk, err := Validate(in, territory.Default(), june2025)
	d, ok := detail(err, "perimeter")
	if !ok {
		t.Fatalf("want a perimeter refusal, got %v", err)
	}
	if chk.Farthest != [2]int{1, 2} || !strings.Contains(d.Message.FR, "Maison Roig") || !strings.Contains(d.Message.FR, "Gîte Costa") {
		t.Errorf("farthest %v: %s", chk.Farthest, d.Message.FR)
	}
}

func TestDerogationDistance(t *testing.T) {
	in := twoSites(15, RegimeDerogation)
	_, _, err := Validate(in, territory.Default(), june2025)
	if _, ok := detail(err, "derogation_km"); !ok {
		t.Fatalf("derogation without distance: %v", err)
	}
	in.DerogationKM, in.DerogationRef = "20", "Arrêté ministériel du 3 mars 2025"
	if _, _, err := Validate(in, territory.Default(), june2025); err != nil {
		t.Fatalf("derogation of 20 km for 15 km: %v", err)
	}
	in.DerogationKM = "12,5"
	_, _, err = Validate(in, territory.Default(), june2025)
	if d, ok := detail(err, "perimeter"); !ok || !strings.Contains(d.Message.FR, "12,5 km") {
		t.Fatalf("derogation of 12.5 km for 15 km: %v", err)
	}
}

func producers(kwc ...float64) []ParticipantInput {
	var out []ParticipantInput
	for i, k := range kwc {
		out = append(out, ParticipantInput{Role: "producer", Name: fmt.Sprintf("Centrale %d", i+1), PRM: fmt.Sprintf("300000000001%02d", i), Commune: "66150", KWc: fmtNum(k)})
	}
	return out
}

func TestCapacityCaps(t *testing.T) {
	terr := territory.Default()
	base := func(commune, start string, public bool, kwc ...float64) Input {
		in := Input{Name: "Centrale villageoise", Organiser: "SCIC", StepMinutes: 30, Key: "default", Regime: "2km", StartDate: start, PublicLed: public,
			Participants: append(producers(kwc...), ParticipantInput{Role: "consumer", Name: "Mairie", PRM: "30000000000200", Commune: "66150"})}
		for i := range in.Participants {
			in.Participants[i].Commune = commune
		}
		return in
	}
	cases := []struct {
		name   string
		in     Input
		ok     bool
		capKW  float64
		inText string
	}{
		{"4 MW before February 2025", base("66150", "2025-01-31", false, 2000, 2000), false, 3000, "3 MW"},
		{"4 MW from February 2025", base("66150", "2025-02-01", false, 2000, 2000), true, 5000, ""},
		{"6 MW mainland", base("66150", "2025-06-01", false, 3000, 3000), false, 5000, "5 MW"},
		{"6 MW public inside one EPCI", base("66150", "2025-06-01", true, 3000, 3000), true, 10000, ""},
		{"0.6 MW in Corsica", base("2A004", "2025-06-01", false, 600), false, 500, "0,5 MW"},
		{"0.4 MW in Réunion", base("97411", "2025-06-01", false, 400), true, 500, ""},
		{"0.6 MW on Ouessant", base("29155", "2025-06-01", true, 600), false, 500, "zone non interconnectée"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, chk, err := Validate(tc.in, terr, june2025)
			if chk.CapKW != tc.capKW {
				t.Errorf("cap %v kW, want %v", chk.CapKW, tc.capKW)
			}
			if tc.ok {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			d, ok := detail(err, "capacity")
			if !ok {
				t.Fatalf("want a capacity refusal, got %v", err)
			}
			if !strings.Contains(d.Message.FR, tc.inText) {
				t.Errorf("message lacks %q: %s", tc.inText, d.Message.FR)
			}
		})
	}
	// A declared non-interconnected zone applies the 0.5 MW cap anywhere.
	in := base("66150", "2025-06-01", false, 600)
	in.NonInterconnected = true
	if _, _, err := Validate(in, terr, june2025); err == nil {
		t.Error("declared non-interconnected zone: 600 kWc accepted")
	}
}

func TestRulesAreDatedAndVersioned(t *testing.T) {
	sets := RuleSets()
	for i := 1; i < len(sets); i++ {
		if !sets[i].ValidFrom.After(sets[i-1].ValidFrom) {
			t.Errorf("rule sets out of order at %s", sets[i].Version)
		}
	}
	for _, tc := range []struct {
		day     time.Time
		version string
	}{
		{time.Date(2018, 1, 1, 0, 0, 0, 0, energy.Paris()), "2019-11"},
		{time.Date(2025, 1, 31, 23, 59, 0, 0, energy.Paris()), "2019-11"},
		{time.Date(2025, 2, 1, 0, 0, 0, 0, energy.Paris()), "2025-02"},
	} {
		if got := RulesAt(tc.day).Version; got != tc.version {
			t.Errorf("rules at %s: %s, want %s", tc.day, got, tc.version)
		}
	}
	if _, ok := RulesByVersion("2025-02"); !ok {
		t.Error("version 2025-02 not found")
	}
}

func TestInputErrorsNameTheField(t *testing.T) {
	in := Input{Name: "x", StepMinutes: 20, Key: "random", Regime: "5km", StartDate: "31/12/2025",
		Participants: []ParticipantInput{
			{Role: "producer", Name: "A", PRM: "123", Commune: "99999", KWc: "-3"},
			{Role: "consumer", Name: "B", PRM: "30000000000002", Lat: "2.4", Lon: "42.4"},
			{Role: "consumer", Name: "C", PRM: "30000000000002", Commune: "66150"},
			{}, // a blank form row is ignored
		}}
	_, _, err := Validate(in, territory.Default(), june2025)
	got := map[string]bool{}
	for _, d := range details(err) {
		got[d.Field] = true
	}
	for _, f := range []string{"name", "organiser", "step_minutes", "key", "regime", "start_date", "participants[0].prm", "participants[0].commune",
		"participants[0].kwc", "participants[1].commune", "participants[2].prm"} {
		if !got[f] {
			t.Errorf("no error for %s (got %v)", f, got)
		}
	}
	if got["participants[3].name"] {
		t.Error("blank row reported")
	}
}

func TestStaticCoefficientsAddUpToAtMostOne(t *testing.T) {
	in := twoSites(0.2, Regime2km)
	in.Key = "static"
	in.Participants[1].Coefficient = "60 %"
	in.Participants = append(in.Participants, ParticipantInput{Role: "consumer", Name: "Maison Pujol", PRM: "30000000000003", Commune: "66150", Coefficient: "0,5"})
	if _, _, err := Validate(in, territory.Default(), june2025); err == nil || !strings.Contains(err.Error(), "110") {
		t.Fatalf("coefficients of 110 %%: %v", err)
	}
	in.Participants[2].Coefficient = "0,4"
	o, _, err := Validate(in, territory.Default(), june2025)
	if err != nil {
		t.Fatal(err)
	}
	if c := o.Consumers(); c[0].Coefficient != 0.6 || c[1].Coefficient != 0.4 {
		t.Errorf("coefficients %v %v", c[0].Coefficient, c[1].Coefficient)
	}
}
