package regie

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/auth"
	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
)

// modelConsent is the test's own idea of a consent.
type modelConsent struct {
	id         int64
	recipient  int64
	household  int
	purpose    string
	status     Status
	meters     []int64 // set when given
	asked      []string
	cats       []Category
	from, to   time.Time
	resolution Step
	mode       Mode
	months     int
	validUntil time.Time
}

func (m *modelConsent) covers(now time.Time, rid, meter int64, flow Flow, from, to time.Time) bool {
	if m.recipient != rid || m.status != StatusGiven || !now.Before(m.validUntil) || m.mode != ModeIndividual {
		return false
	}
	if !slices.Contains(m.meters, meter) {
		return false
	}
	if flow == FlowProduction && !slices.Contains(m.cats, CatProduction) {
		return false
	}
	if flow == FlowConsumption && !slices.Contains(m.cats, CatLoadCurve) && !slices.Contains(m.cats, CatDailyEnergy) {
		return false
	}
	return !from.Before(m.from) && !to.After(m.to)
}

func propertySeed(t *testing.T) uint64 {
	if s := os.Getenv("FABRIQUE_PROPERTY_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	return uint64(time.Now().UnixNano())
}

// For random sequences of request, give, refuse, withdraw, expire (the
// clock moves) and read across several households and recipients, a read
// succeeds if and only if a valid consent covers it; every read is
// journaled and the journal verifies. Set FABRIQUE_PROPERTY_SEED to replay.
func TestPropertyReadIffValidConsentCovers(t *testing.T) {
	seed := propertySeed(t)
	t.Logf("seed %d (FABRIQUE_PROPERTY_SEED=%d to replay)", seed, seed)
	eachStore(t, func(t *testing.T, e *env) {
		r := rand.New(rand.NewPCG(seed, 0x5eed))
		type household struct {
			user   auth.User
			meters []Meter
		}
		var hhs []household
		for i := 0; i < 3; i++ {
			u := e.user("foyer")
			h := household{user: u}
			for j := 0; j < 2; j++ {
				m := e.meter(u, "29039")
				e.importDays(u, m, jan2025, 6, uint64(10*i+j))
				h.meters = append(h.meters, m)
			}
			hhs = append(hhs, h)
		}
		type recip struct {
			r        Recipient
			agent    auth.User
			purposes []string
		}
		var recips []recip
		for i, k := range []RecipientKind{KindCommunity, KindCommunity, KindResearcher} {
			rc, agent := e.recipient(k, fmt.Sprintf("Destinataire %d", i))
			ps := []string{PurposeACC, PurposeACC, PurposeCommunityStats, PurposeEnergyAdvice}
			if k == KindResearcher {
				ps = []string{PurposeResearch}
			}
			recips = append(recips, recip{rc, agent, ps})
		}
		var model []*modelConsent
		day := func(d int) time.Time { return jan2025.Add(time.Duration(d) * 24 * time.Hour) }
		steps := []Step{"", StepPT30M, StepPT1H, StepP1D, StepP1M}
		resolutions := []Step{StepPT30M, StepPT1H, StepP1D, StepP1M}
		allCats := []Category{CatLoadCurve, CatDailyEnergy, CatProduction}
		granted, refused := 0, 0
		rules := map[Rule]int{}
		for op := 0; op < 400; op++ {
			switch k := r.IntN(10); {
			case k < 2: // request
				rc := recips[r.IntN(len(recips))]
				hi := r.IntN(len(hhs))
				h := hhs[hi]
				p := rc.purposes[r.IntN(len(rc.purposes))]
				pu, _ := PurposeByCode(p)
				var cats []string
				var mcats []Category
				for _, c := range allCats {
					if r.IntN(2) == 0 {
						cats, mcats = append(cats, string(c)), append(mcats, c)
					}
				}
				if len(cats) == 0 {
					cats, mcats = []string{string(CatLoadCurve)}, []Category{CatLoadCurve}
				}
				var prms []string
				for _, m := range h.meters {
					if r.IntN(3) == 0 {
						prms = append(prms, m.PRM)
					}
				}
				d1 := r.IntN(4)
				d2 := d1 + 1 + r.IntN(6-d1)
				mode := ModeIndividual
				if pu.AggregateOnly || r.IntN(8) == 0 {
					mode = ModeAggregate
				}
				res := resolutions[r.IntN(len(resolutions))]
				months := 1 + r.IntN(4)
				c, err := e.svc.RequestConsent(e.ctx, Reader{UserID: rc.agent.ID, RecipientID: rc.r.ID}, ConsentRequest{HouseholdEmail: h.user.Email, Purpose: p,
					Categories: cats, PRMs: prms, DataFrom: day(d1), DataTo: day(d2), Resolution: res, Mode: mode, ValidityMonths: months})
				open := false
				for _, m := range model {
					open = open || (m.recipient == rc.r.ID && m.household == hi && m.purpose == p && m.status == StatusRequested)
				}
				if open {
					if !errs.Is(err, errs.Conflict) {
						t.Fatalf("op %d: duplicate open request accepted: %v", op, err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("op %d: request: %v", op, err)
				}
				model = append(model, &modelConsent{id: c.ID, recipient: rc.r.ID, household: hi, purpose: p, status: StatusRequested, asked: prms,
					cats: mcats, from: day(d1), to: day(d2), resolution: res, mode: mode, months: months})
			case k < 5 && len(model) > 0: // give, refuse or withdraw
				m := model[r.IntN(len(model))]
				h := hhs[m.household]
				if r.IntN(8) == 0 {
					// Another household cannot answer for this one.
					other := hhs[(m.household+1)%len(hhs)]
					if _, err := e.svc.Give(e.ctx, other.user.ID, m.id, nil); !errs.Is(err, errs.Forbidden) {
						t.Fatalf("op %d: another household gave consent %d: %v", op, m.id, err)
					}
					continue
				}
				now := e.now()
				if m.status == StatusGiven && !now.Before(m.validUntil) {
					m.status = StatusExpired
				}
				var err error
				var want Status
				switch x := r.IntN(10); {
				case x < 5:
					_, err = e.svc.Give(e.ctx, h.user.ID, m.id, nil)
					want = StatusGiven
				case x < 7:
					_, err = e.svc.Refuse(e.ctx, h.user.ID, m.id)
					want = StatusRefused
				default:
					_, err = e.svc.Withdraw(e.ctx, h.user.ID, m.id)
					want = StatusWithdrawn
				}
				ok := (want == StatusWithdrawn && m.status == StatusGiven) || (want != StatusWithdrawn && m.status == StatusRequested)
				if ok != (err == nil) {
					t.Fatalf("op %d: %s consent %d in status %s: err %v", op, want, m.id, m.status, err)
				}
				if err != nil {
					continue
				}
				m.status = want
				if want == StatusGiven {
					m.validUntil = now.AddDate(0, m.months, 0)
					m.meters = nil
					for _, mt := range h.meters {
						if len(m.asked) == 0 || slices.Contains(m.asked, mt.PRM) {
							m.meters = append(m.meters, mt.ID)
						}
					}
				}
			case k < 6 && r.IntN(2) == 0: // time passes
				e.advance(time.Duration(r.IntN(6*24)) * time.Hour)
			default: // read
				rc := recips[r.IntN(len(recips))]
				var id int64
				h := hhs[r.IntN(len(hhs))]
				a := r.IntN(6)
				b := a + 1 + r.IntN(6-a)
				switch {
				case len(model) == 0 || r.IntN(10) == 0:
					id = int64(1000 + r.IntN(10))
				default:
					m := model[r.IntN(len(model))]
					var given []*modelConsent
					for _, x := range model {
						if x.status == StatusGiven {
							given = append(given, x)
						}
					}
					if len(given) > 0 && r.IntN(10) < 7 {
						m = given[r.IntN(len(given))]
					}
					id = m.id
					if r.IntN(4) > 0 {
						// Aim at the consent: its recipient, household and period.
						for _, x := range recips {
							if x.r.ID == m.recipient && r.IntN(10) > 0 {
								rc = x
							}
						}
						h = hhs[m.household]
						d1 := int(m.from.Sub(jan2025) / (24 * time.Hour))
						d2 := int(m.to.Sub(jan2025) / (24 * time.Hour))
						a = d1 + r.IntN(d2-d1)
						b = a + 1 + r.IntN(d2-a)
					}
				}
				mt := h.meters[r.IntN(len(h.meters))]
				flow := FlowConsumption
				if r.IntN(5) == 0 {
					flow = FlowProduction
				}
				if r.IntN(8) == 0 {
					a-- // may start before the consent's period
				}
				from, to := day(a), day(b)
				step := steps[r.IntN(len(steps))]
				c, err := e.svc.ReadCurve(e.ctx, CurveRequest{Reader: Reader{UserID: rc.agent.ID, RecipientID: rc.r.ID}, ConsentID: id, PRM: mt.PRM,
					Flow: flow, From: from, To: to, Step: step})
				var mc *modelConsent
				for _, m := range model {
					if m.id == id {
						mc = m
					}
				}
				allowed := mc != nil && mc.covers(e.now(), rc.r.ID, mt.ID, flow, from, to)
				if allowed != (err == nil) {
					t.Fatalf("op %d: read meter %d under consent %d (%+v) by recipient %d at %v: allowed %v, err %v", op, mt.ID, id, mc, rc.r.ID, e.now(), allowed, err)
				}
				if err != nil {
					if !errs.Is(err, errs.Forbidden) || RuleOf(err) == "" {
						t.Fatalf("op %d: refusal without a rule: %v", op, err)
					}
					refused++
					rules[RuleOf(err)]++
					continue
				}
				granted++
				res := mc.resolution
				if flow == FlowConsumption && !slices.Contains(mc.cats, CatLoadCurve) {
					res = Coarser(res, StepP1D)
				}
				want := res
				if step != "" && step.Nominal() >= res.Nominal() {
					want = step
				}
				if c.Step != want {
					t.Fatalf("op %d: read at %s, want %s (asked %q, resolution %s)", op, c.Step, want, step, res)
				}
			}
		}
		t.Logf("%d consents, %d reads granted, %d refused %v", len(model), granted, refused, rules)
		if granted == 0 || refused == 0 {
			t.Fatalf("the sequence exercised too little: %d granted, %d refused", granted, refused)
		}
		var nRead, nRefused int
		if err := e.db.R.QueryRow(`SELECT count(*) FROM regie_journal WHERE kind = 'read'`).Scan(&nRead); err != nil {
			t.Fatal(err)
		}
		if err := e.db.R.QueryRow(`SELECT count(*) FROM regie_journal WHERE kind = 'read.refused'`).Scan(&nRefused); err != nil {
			t.Fatal(err)
		}
		if nRead != granted || nRefused != refused {
			t.Fatalf("journal has %d reads and %d refusals, want %d and %d", nRead, nRefused, granted, refused)
		}
		if _, err := e.svc.VerifyJournal(e.ctx); err != nil {
			t.Fatal(err)
		}
	})
}
