package regie

import (
	"testing"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/regie/meterfile"
)

// climateHouseholds gives n households a meter in Concarneau with two days
// of readings and an aggregate-only climate-plan consent to the territory.
func climateHouseholds(t *testing.T, e *env, terr Recipient, rd Reader, n int, seed uint64) []int64 {
	var ids []int64
	for i := 0; i < n; i++ {
		hh := e.user("foyer")
		m := e.meter(hh, "29039")
		e.importDays(hh, m, jan2025, 2, seed+uint64(i))
		c, err := e.svc.RequestConsent(e.ctx, rd, ConsentRequest{HouseholdEmail: hh.Email, Purpose: PurposeClimatePlan, Categories: []string{"load_curve"},
			DataFrom: jan2025, DataTo: jan2025.AddDate(1, 0, 0), Resolution: StepPT1H, ValidityMonths: 24, Mode: ModeAggregate})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Give(e.ctx, hh.ID, c.ID, nil); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	return ids
}

// The secrecy rules: 9 meters refused, 10 answered, a dominated step masked
// and counted, a cohort differing by fewer than 10 meters from one already
// released for an overlapping period refused; each refusal states its rule.
func TestAggregateSecrecyRules(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		terr, agent := e.recipient(KindTerritory, "Agglomération de test")
		rd := Reader{UserID: agent.ID, RecipientID: terr.ID, Via: "test"}
		ids := climateHouseholds(t, e, terr, rd, 9, 100)
		from, to := jan2025, jan2025.Add(48*time.Hour)
		ask := func(consents []int64, cohort *Cohort, from, to time.Time) (Aggregate, error) {
			return e.svc.Aggregate(e.ctx, AggregateRequest{Reader: rd, Consents: consents, Cohort: cohort, From: from, To: to, Step: StepPT30M})
		}
		_, err := ask(ids, nil, from, to)
		wantRule(t, err, RuleCohort)

		// A tenth household whose first evening dominates the cohort.
		hh := e.user("gros-consommateur")
		m := e.meter(hh, "29039")
		w := watts(999, 96)
		w[40] = 2_000_000 // 1,000 kWh in the half-hour starting 20:00 (Paris)
		w[41] = meterfile.Missing
		if _, err := e.svc.Import(e.ctx, hh.ID, m.PRM, customerFile(t, m.PRM, jan2025, 30*time.Minute, w), ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		c, err := e.svc.RequestConsent(e.ctx, rd, ConsentRequest{HouseholdEmail: hh.Email, Purpose: PurposeClimatePlan, Categories: []string{"load_curve"},
			DataFrom: jan2025, DataTo: jan2025.AddDate(1, 0, 0), Resolution: StepPT30M, ValidityMonths: 24, Mode: ModeAggregate})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Give(e.ctx, hh.ID, c.ID, nil); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
		a, err := ask(nil, &Cohort{Purpose: PurposeClimatePlan, TerritoryKind: "epci", TerritoryCode: "242900769"}, from, to)
		if err != nil {
			t.Fatal(err)
		}
		// Nine consents allow one hour at the finest: the answer is hourly.
		if a.Meters != 10 || a.Step != StepPT1H || len(a.Sum) != 48 {
			t.Fatalf("aggregate: %d meters, step %s, %d steps", a.Meters, a.Step, len(a.Sum))
		}
		// Hour 20 lacks the big meter's second half-hour: 9 meters there,
		// fewer than 10, so it is masked as too small; no hour is dominated.
		if a.Present[20] || a.MaskedSmall != 1 || a.MaskedDominance != 0 {
			t.Fatalf("hour 20: present %v, masked small %d, dominance %d", a.Present[20], a.MaskedSmall, a.MaskedDominance)
		}
		var total int64
		for i, p := range a.Present {
			if p {
				total += a.Sum[i]
				if a.Count[i] != 10 || a.Mean[i] != float64(a.Sum[i])/10 {
					t.Fatalf("hour %d: count %d mean %g sum %d", i, a.Count[i], a.Mean[i], a.Sum[i])
				}
			}
		}
		if total != a.TotalWh {
			t.Fatalf("total %d, released steps sum %d", a.TotalWh, total)
		}

		// The same cohort again: allowed (nothing new can be subtracted).
		if _, err := ask(ids, nil, from, to); err != nil {
			t.Fatalf("same cohort again: %v", err)
		}
		// An eleventh household: the cohort differs by one meter from the
		// released one over an overlapping period.
		more := climateHouseholds(t, e, terr, rd, 1, 500)
		_, err = ask(append(append([]int64(nil), ids...), more...), nil, from, to)
		wantRule(t, err, RuleDifferencing)
		// A period that does not overlap the released one is not differencing.
		if _, err := ask(append(append([]int64(nil), ids...), more...), nil, to, to.Add(24*time.Hour)); err != nil {
			t.Fatalf("non-overlapping period: %v", err)
		}
	})
}

// Dominance masks a step where one meter exceeds the threshold share.
func TestAggregateDominanceMasked(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		terr, agent := e.recipient(KindTerritory, "Agglomération de test")
		rd := Reader{UserID: agent.ID, RecipientID: terr.ID}
		var ids []int64
		for i := 0; i < 10; i++ {
			hh := e.user("foyer")
			m := e.meter(hh, "29039")
			w := watts(uint64(300+i), 48)
			if i == 0 {
				w[10] = 1_000_000 // far above the nine others together
			}
			if _, err := e.svc.Import(e.ctx, hh.ID, m.PRM, customerFile(t, m.PRM, jan2025, 30*time.Minute, w), ImportOptions{}); err != nil {
				t.Fatal(err)
			}
			c, err := e.svc.RequestConsent(e.ctx, rd, ConsentRequest{HouseholdEmail: hh.Email, Purpose: PurposeClimatePlan, Categories: []string{"load_curve"},
				DataFrom: jan2025, DataTo: jan2025.AddDate(1, 0, 0), Resolution: StepPT30M, ValidityMonths: 24})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.svc.Give(e.ctx, hh.ID, c.ID, nil); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, c.ID)
		}
		a, err := e.svc.Aggregate(e.ctx, AggregateRequest{Reader: rd, Consents: ids, From: jan2025, To: jan2025.Add(24 * time.Hour), Step: StepPT30M})
		if err != nil {
			t.Fatal(err)
		}
		if a.MaskedDominance != 1 || a.Present[10] || !a.Present[9] || !a.Present[11] || a.MaskedSmall != 0 {
			t.Fatalf("dominance: masked %d, present %v", a.MaskedDominance, a.Present[8:13])
		}
		// The daily total leaves the masked step out of the released sum.
		var sum int64
		for i, p := range a.Present {
			if p {
				sum += a.Sum[i]
			}
		}
		if a.TotalWh != sum {
			t.Fatalf("total %d vs %d", a.TotalWh, sum)
		}
	})
}
