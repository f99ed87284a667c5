package acc

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/energy"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
)

// DemoPeople names the demo accounts that organise the demo operations.
type DemoPeople struct {
	// Prats organises the operation of Prats-de-Mollo-la-Preste (uploaded files).
	Prats int64
	// Concarneau acts for the Concarneau community in the data trust and
	// organises an operation fed by consented curves.
	Concarneau int64
}

// DemoYear is the calendar year of the demo readings: the last full year.
func DemoYear(now time.Time) int { return now.In(energy.Paris()).Year() - 1 }

// demoLoad is a consumer of the demo operation.
type demoLoad struct {
	name    string
	profile energy.LoadProfile
	kwh     float64
	dLat    float64 // offset from the village centre, km north
	dLon    float64 // km east
}

var pratsLoads = []demoLoad{
	{"École Jules-Ferry (exemple)", energy.ProfileSchool, 38000, 0.1, -0.2},
	{"Mairie (exemple)", energy.ProfileOffice, 24000, 0, 0},
	{"Maison de santé (exemple)", energy.ProfileOffice, 16000, -0.3, 0.4},
	{"Boulangerie du Foiral (exemple)", energy.ProfileOffice, 21000, 0.2, 0.1},
	{"Foyer Roig (exemple)", energy.ProfileHousehold, 4200, 0.5, 0.3},
	{"Foyer Pujol (exemple)", energy.ProfileHouseholdWaterHeater, 6100, -0.4, -0.5},
	{"Foyer Costa (exemple)", energy.ProfileHousehold, 3100, 0.7, -0.1},
	{"Foyer Vidal (exemple)", energy.ProfileHouseholdWaterHeater, 7400, -0.2, 0.8},
	{"Foyer Soler (exemple)", energy.ProfileHousehold, 2600, 0.3, -0.7},
	{"Foyer Batlle (exemple)", energy.ProfileHousehold, 5200, -0.6, 0.2},
}

// offset moves a point by km north and east.
func offset(lat, lon, north, east float64) (float64, float64) {
	return lat + north/111.195, lon + east/(111.195*math.Cos(lat*math.Pi/180))
}

// SeedDemo creates the demo operations: one at Prats-de-Mollo-la-Preste
// with a year of synthetic 15-minute readings uploaded as files (its id is
// 1 on a fresh store: the route samples rely on it), and, when the data
// trust is plugged in, one at Concarneau whose households' curves come
// through their consents.
func (s *Service) SeedDemo(ctx context.Context, people DemoPeople) error {
	year := DemoYear(s.now())
	start, _ := energy.YearBounds(year, energy.Paris())
	const lat, lon = 42.40404, 2.47928 // Prats-de-Mollo-la-Preste
	step := 15 * time.Minute
	in := Input{Name: "Soleil du Haut-Vallespir (exemple)", Organiser: "Haut-Vallespir Énergies (exemple)", Community: "haut-vallespir-energies-exemple",
		StepMinutes: 15, Key: "default", Regime: string(Regime2km), StartDate: fmt.Sprintf("%d-01-01", year)}
	pLat, pLon := offset(lat, lon, 0.15, -0.25)
	pLat, pLon = math.Round(pLat*1e5)/1e5, math.Round(pLon*1e5)/1e5
	in.Participants = append(in.Participants,
		ParticipantInput{Role: "producer", Name: "Toiture de l'école (exemple)", PRM: "30001000000001", Lat: fmtNum(pLat), Lon: fmtNum(pLon), KWc: "36"},
		ParticipantInput{Role: "producer", Name: "Ombrière du parking du Foiral (exemple)", PRM: "30001000000002", Commune: "66150", KWc: "60"})
	for i, l := range pratsLoads {
		la, lo := offset(lat, lon, l.dLat, l.dLon)
		in.Participants = append(in.Participants, ParticipantInput{Role: "consumer", Name: l.name, PRM: fmt.Sprintf("300010000001%02d", i), Lat: fmtNum(math.Round(la*1e5) / 1e5), Lon: fmtNum(math.Round(lo*1e5) / 1e5)})
	}
	who := &web.Identity{UserID: people.Prats, Role: web.RoleMember}
	o, _, err := s.Create(ctx, who, in)
	if err != nil {
		return fmt.Errorf("demo operation at Prats: %w", err)
	}
	if _, err := s.db.W.ExecContext(ctx, `UPDATE acc_operations SET demo = TRUE WHERE id = $1`, o.ID); err != nil {
		return err
	}
	pv, err := energy.SynthPV(energy.PVParams{Lat: lat, Lon: lon, KWc: 1, Year: year, Step: step, Seed: 11})
	if err != nil {
		return err
	}
	var series []pending
	for _, p := range o.Producers() {
		v := make([]float64, pv.Len())
		for t, x := range pv.Values {
			v[t] = x * p.KWc
		}
		series = append(series, pending{p: p, kind: kindEnergy, s: energy.Series{Start: pv.Start, Step: step, Values: v}, scale: 1000})
	}
	// A few base curves, then cheap variations (shifted by whole weeks and
	// scaled): synthesising a curve costs far more than varying one.
	bases := map[string][]float64{}
	perDay := int(24 * time.Hour / step)
	for i, p := range o.Consumers() {
		l := pratsLoads[i]
		key := string(l.profile)
		if bases[key] == nil {
			se, err := energy.SynthLoad(energy.LoadParams{Profile: l.profile, AnnualKWh: 1, Year: year, Step: step, Seed: uint64(20 + len(bases))})
			if err != nil {
				return err
			}
			bases[key] = se.Values
		}
		b := bases[key]
		v := make([]float64, len(b))
		shift := (i * 7 * perDay) % len(b)
		for t := range v {
			v[t] = b[(t+shift)%len(b)] * l.kwh
		}
		series = append(series, pending{p: p, kind: kindEnergy, s: energy.Series{Start: start, Step: step, Values: v}, scale: 1000})
	}
	if _, err := s.store(ctx, o, "donnees-exemple.csv", series); err != nil {
		return err
	}
	return s.seedConsentDemo(ctx, people, year)
}

// seedConsentDemo creates the Concarneau operation from the consents the
// data trust's demo gave to the community (skipped without the data trust).
func (s *Service) seedConsentDemo(ctx context.Context, people DemoPeople, year int) error {
	lister, ok := s.curveSource().(ConsentLister)
	if !ok || people.Concarneau == 0 {
		return nil
	}
	who := &web.Identity{UserID: people.Concarneau, Role: web.RoleMember}
	cs, err := lister.Consents(ctx, who)
	if err != nil {
		return err
	}
	in := Input{Name: "Toits partagés de Concarneau (exemple)", Organiser: "Énergies citoyennes de Concarneau (exemple)", Community: "cooperative-solaire-de-concarneau-exemple",
		StepMinutes: 30, Key: "priority", Regime: string(Regime2km), StartDate: fmt.Sprintf("%d-01-01", year),
		Participants: []ParticipantInput{{Role: "producer", Name: "Toiture du gymnase (exemple)", PRM: "30002000000001", Commune: "29039", KWc: "36"},
			{Role: "consumer", Name: "Médiathèque (exemple)", PRM: "30002000000011", Commune: "29039", Rank: "2"}}}
	n := 0
	for _, c := range cs {
		if !c.Active || len(c.PRMs) == 0 || len(c.Communes) == 0 || c.Communes[0] != "29039" {
			continue
		}
		n++
		in.Participants = append(in.Participants, ParticipantInput{Role: "consumer", Name: fmt.Sprintf("Foyer %s", strings.ToUpper(c.Subject[:min(6, len(c.Subject))])),
			PRM: c.PRMs[0], Commune: "29039", Rank: "1", ConsentID: c.ID})
	}
	if n == 0 {
		return nil
	}
	o, _, err := s.Create(ctx, who, in)
	if err != nil {
		return fmt.Errorf("demo operation at Concarneau: %w", err)
	}
	if _, err := s.db.W.ExecContext(ctx, `UPDATE acc_operations SET demo = TRUE WHERE id = $1`, o.ID); err != nil {
		return err
	}
	step := 30 * time.Minute
	pv, err := energy.SynthPV(energy.PVParams{Lat: 47.8742, Lon: -3.9179, KWc: 36, Year: year, Step: step, Seed: 12})
	if err != nil {
		return err
	}
	office, err := energy.SynthLoad(energy.LoadParams{Profile: energy.ProfileOffice, AnnualKWh: 14000, Year: year, Step: step, Seed: 31})
	if err != nil {
		return err
	}
	series := []pending{{p: o.Producers()[0], kind: kindEnergy, s: pv, scale: 1000}, {p: o.Consumers()[0], kind: kindEnergy, s: office, scale: 1000}}
	_, err = s.store(ctx, o, "donnees-exemple.csv", series)
	return err
}
