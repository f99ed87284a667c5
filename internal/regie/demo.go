package regie

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/energy"
	"github.com/fabrique-des-energies/fabrique/internal/regie/block"
	"github.com/fabrique-des-energies/fabrique/internal/regie/meterfile"
)

// DemoSamples are the ids the demo content creates on a fresh store (the
// route tests visit them): Camille's meter, her consent to the community
// and its first receipt, the community, the territory and its aggregate.
var DemoSamples = Samples{PRM: demoPRM(0), Consent: 1, Receipt: 1, Recipient: 1, RecipientConsent: 1, AggregateRecipient: 2, Aggregate: 1}

func demoPRM(i int) string { return fmt.Sprintf("%014d", 25000000000100+i) }

// DemoPeople names the demo accounts the data trust uses: households, and
// the accounts acting for the community and the territory.
type DemoPeople struct {
	Household   string // Camille: the main household (Concarneau)
	PVHousehold string // Inès: a household with solar panels (Mornant)
	Community   string // acts for the Concarneau community
	Territory   string // acts for the Concarneau EPCI
}

// demoHousehold is one synthetic household.
type demoHousehold struct {
	email, name string
	commune     string
	annualKWh   float64
	base        int
}

// SeedDemo creates the data trust's demo content: households of the pilot
// territories with a year of synthetic 30-minute readings, a community's
// consent requests for its collective self-consumption operation (given,
// one refused, one withdrawn, one pending), an EPCI with aggregate-only
// consents for its climate plan and a released aggregate, a research team
// waiting for an answer, and a few reads in the journal. newUser creates
// an account (with a password nobody knows) and returns its id.
func (s *Service) SeedDemo(ctx context.Context, people DemoPeople, newUser func(ctx context.Context, email, name string) (int64, error)) error {
	userID := func(email string) (int64, error) {
		u, err := s.accounts.UserByEmail(ctx, email)
		return u.ID, err
	}
	year := s.clock().In(parisLoc).Year() - 1
	start, end := energy.YearBounds(year, parisLoc)

	community, err := s.CreateRecipient(ctx, 0, RecipientSpec{Kind: KindCommunity, Name: "Énergies citoyennes de Concarneau (exemple)", Ref: "demo:community:concarneau"})
	if err != nil {
		return err
	}
	epci, err := s.CreateRecipient(ctx, 0, RecipientSpec{Kind: KindTerritory, Name: "Concarneau Cornouaille Agglomération (exemple)", SIREN: "242900769",
		TerritoryKind: "epci", TerritoryCode: "242900769", Ref: "demo:territory:242900769"})
	if err != nil {
		return err
	}
	lab, err := s.CreateRecipient(ctx, 0, RecipientSpec{Kind: KindResearcher, Name: "Laboratoire des usages de l'énergie (exemple)", Ref: "demo:research:usages"})
	if err != nil {
		return err
	}
	agents := map[int64]int64{}
	for rid, email := range map[int64]string{community.ID: people.Community, epci.ID: people.Territory} {
		uid, err := userID(email)
		if err != nil {
			return err
		}
		if err := s.AddRecipientMember(ctx, 0, rid, uid); err != nil {
			return err
		}
		agents[rid] = uid
	}
	labAgent, err := newUser(ctx, "laboratoire.usages@demo.example", "Laboratoire des usages (exemple)")
	if err != nil {
		return err
	}
	if err := s.AddRecipientMember(ctx, 0, lab.ID, labAgent); err != nil {
		return err
	}

	// Three base profiles, then cheap variations: generating a profile takes
	// far longer than varying one.
	var bases [3][]float64
	for i, p := range []energy.LoadProfile{energy.ProfileHousehold, energy.ProfileHouseholdWaterHeater, energy.ProfileHouseholdElectricHeating} {
		se, err := energy.SynthLoad(energy.LoadParams{Profile: p, AnnualKWh: 1000, Year: year, Step: 30 * time.Minute, Seed: uint64(41 + i), Location: parisLoc})
		if err != nil {
			return err
		}
		bases[i] = se.Values
	}
	households := []demoHousehold{{email: people.Household, commune: "29039", annualKWh: 4200, base: 1}}
	names := []string{"Gwenaël", "Maëlle", "Loïc", "Soizic", "Erwan", "Nolwenn", "Tanguy", "Rozenn", "Yannick", "Anaïs"}
	for i, n := range names {
		households = append(households, demoHousehold{email: fmt.Sprintf("foyer%02d.concarneau@demo.example", i+1), name: n + " (foyer d'exemple)",
			commune: "29039", annualKWh: 2600 + float64(i)*450, base: i % 3})
	}
	households = append(households,
		demoHousehold{email: people.PVHousehold, commune: "69141", annualKWh: 5100, base: 0},
		demoHousehold{email: "foyer01.mornant@demo.example", name: "Bastien (foyer d'exemple)", commune: "69141", annualKWh: 3800, base: 2},
		demoHousehold{email: "foyer01.prats@demo.example", name: "Montserrat (foyer d'exemple)", commune: "66150", annualKWh: 6900, base: 2},
	)
	type seeded struct {
		userID int64
		email  string
		meter  Meter
	}
	var homes []seeded
	var items []*prepared
	for i, hh := range households {
		uid, err := userID(hh.email)
		if err != nil {
			if uid, err = newUser(ctx, hh.email, hh.name); err != nil {
				return err
			}
		}
		m, err := s.AddMeter(ctx, uid, demoPRM(i), "Logement principal", hh.commune)
		if err != nil {
			return err
		}
		homes = append(homes, seeded{uid, hh.email, m})
		wh := vary(bases[hh.base], hh.annualKWh, uint64(1000+i))
		p, err := demoPrepared(m, uid, start, wh, meterfile.FlowConsumption)
		if err != nil {
			return err
		}
		items = append(items, p)
	}
	// Inès also produces: a 3 kWc installation on its own delivery point.
	pvHome := homes[len(names)+1]
	pvMeter, err := s.AddMeter(ctx, pvHome.userID, demoPRM(90), "Panneaux solaires (3 kWc)", "69141")
	if err != nil {
		return err
	}
	pv, err := energy.SynthPV(energy.PVParams{Lat: 45.55, Lon: 4.67, KWc: 3, Year: year, Step: 30 * time.Minute, Seed: 7, Location: parisLoc})
	if err != nil {
		return err
	}
	pvWh := make([]int64, len(pv.Values))
	for i, v := range pv.Values {
		pvWh[i] = int64(math.Round(v * 1000))
	}
	p, err := demoPrepared(pvMeter, pvHome.userID, start, pvWh, meterfile.FlowProduction)
	if err != nil {
		return err
	}
	items = append(items, p)
	if err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := s.commit(ctx, tx, items)
		return err
	}); err != nil {
		return err
	}

	// The community's collective self-consumption operation.
	dataFrom, dataTo := start, end.AddDate(1, 0, 0)
	commRd := Reader{UserID: agents[community.ID], RecipientID: community.ID, Via: "demo"}
	acc := func(h seeded) (Consent, error) {
		return s.RequestConsent(ctx, commRd, ConsentRequest{HouseholdEmail: h.email, Purpose: PurposeACC, Categories: []string{string(CatLoadCurve), string(CatProduction)},
			PRMs: []string{h.meter.PRM}, DataFrom: dataFrom, DataTo: dataTo, Resolution: StepPT30M, Mode: ModeIndividual, ValidityMonths: 24, RetentionDays: 365,
			Message: "Bonjour, pour répartir la production de la toiture de l'école entre les participants de l'opération, nous avons besoin de votre courbe de charge."})
	}
	var accConsents []Consent
	for i := 0; i <= 6; i++ {
		c, err := acc(homes[i])
		if err != nil {
			return err
		}
		accConsents = append(accConsents, c)
	}
	for i, c := range accConsents {
		var err error
		switch {
		case i <= 3:
			_, err = s.Give(ctx, homes[i].userID, c.ID, nil)
		case i == 4:
			_, err = s.Refuse(ctx, homes[i].userID, c.ID)
		case i == 5:
			if _, err = s.Give(ctx, homes[i].userID, c.ID, nil); err == nil {
				_, err = s.Withdraw(ctx, homes[i].userID, c.ID)
			}
		}
		if err != nil {
			return err
		}
	}
	// The community reads Camille's curve twice (a week in January, a month at one hour).
	for _, q := range []struct {
		from, to time.Time
		step     Step
	}{{start, start.AddDate(0, 0, 7), StepPT30M}, {start.AddDate(0, 5, 0), start.AddDate(0, 6, 0), StepPT1H}} {
		if _, err := s.ReadCurve(ctx, CurveRequest{Reader: commRd, ConsentID: accConsents[0].ID, PRM: homes[0].meter.PRM, From: q.from, To: q.to, Step: q.step}); err != nil {
			return err
		}
	}

	// The EPCI's climate plan: aggregate-only consents, then one aggregate.
	epciRd := Reader{UserID: agents[epci.ID], RecipientID: epci.ID, Via: "demo"}
	for i := 0; i <= len(names); i++ {
		c, err := s.RequestConsent(ctx, epciRd, ConsentRequest{HouseholdEmail: homes[i].email, Purpose: PurposeClimatePlan, Categories: []string{string(CatDailyEnergy)},
			DataFrom: dataFrom, DataTo: dataTo, Resolution: StepP1D, Mode: ModeAggregate, ValidityMonths: 36, RetentionDays: 0,
			Message: "Pour le diagnostic du plan climat, nous ne recevrons que des totaux d'au moins 10 foyers."})
		if err != nil {
			return err
		}
		if _, err := s.Give(ctx, homes[i].userID, c.ID, nil); err != nil {
			return err
		}
	}
	if _, err := s.Aggregate(ctx, AggregateRequest{Reader: epciRd, Cohort: &Cohort{Purpose: PurposeClimatePlan, TerritoryKind: "epci", TerritoryCode: "242900769"},
		From: start, To: end, Step: StepP1M}); err != nil {
		return err
	}

	// A research team waits for Inès's answer.
	_, err = s.RequestConsent(ctx, Reader{UserID: labAgent, RecipientID: lab.ID, Via: "demo"}, ConsentRequest{HouseholdEmail: pvHome.email, Purpose: PurposeResearch,
		Categories: []string{string(CatLoadCurve), string(CatProduction)}, DataFrom: dataFrom, DataTo: end, Resolution: StepPT1H, Mode: ModeIndividual,
		ValidityMonths: 12, RetentionDays: 730, Message: "Nous étudions l'autoconsommation des foyers équipés de panneaux solaires."})
	return err
}

// vary turns a base profile (kWh per step for 1,000 kWh a year) into a
// household's curve in Wh: scaled, shifted by whole weeks (weekdays stay
// in place) and with its own noise.
func vary(base []float64, annualKWh float64, seed uint64) []int64 {
	r := rand.New(rand.NewPCG(seed, 3))
	n := len(base)
	shift := (int(seed%5) * 7 * 48) % n
	out := make([]int64, n)
	scale := annualKWh / 1000 * 1000 // kWh per 1,000 kWh → Wh
	for i := range out {
		v := base[(i+shift)%n] * scale * math.Exp(0.18*r.NormFloat64()-0.0162)
		out[i] = int64(math.Round(v))
	}
	return out
}

// demoPrepared stores a series without going through a file.
func demoPrepared(m Meter, userID int64, start time.Time, wh []int64, flow meterfile.Flow) (*prepared, error) {
	present := make([]bool, len(wh))
	for i := range present {
		present[i] = true
	}
	total := int64(0)
	for _, v := range wh {
		total += v
	}
	c := &meterfile.Curve{PRM: m.PRM, Format: meterfile.FormatPlain, Kind: meterfile.KindLoadCurve, Flow: flow,
		Segments: []meterfile.Segment{{Step: 30 * time.Minute, Start: start, Values: wh, Present: present}},
		Stats:    meterfile.Stats{Rows: len(wh), Points: len(wh), Steps: 1, From: start, To: start.Add(time.Duration(len(wh)) * 30 * time.Minute), TotalWh: total}}
	chunks, err := block.Split(c)
	if err != nil {
		return nil, err
	}
	f := FlowConsumption
	if flow == meterfile.FlowProduction {
		f = FlowProduction
	}
	p := &prepared{userID: userID, meterID: m.ID, prm: m.PRM, series: seriesCode(f, false), curve: c, chunks: chunks, sha: "demo", size: 0,
		opts: ImportOptions{Filename: "donnees-synthetiques.csv"}}
	p.encoded = make([][]byte, len(chunks))
	for i := range chunks {
		if p.encoded[i], err = chunks[i].Encode(); err != nil {
			return nil, err
		}
	}
	return p, nil
}
