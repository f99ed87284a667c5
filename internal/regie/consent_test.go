package regie

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/auth"
	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
)

func accRequest(r Recipient, email string, prms ...string) ConsentRequest {
	return ConsentRequest{RecipientID: r.ID, HouseholdEmail: email, Purpose: PurposeACC, Categories: []string{"load_curve"},
		PRMs: prms, DataFrom: jan2025, DataTo: jan2025.AddDate(1, 0, 0), Resolution: StepPT1H, ValidityMonths: 12, RetentionDays: 365}
}

func wantRule(t *testing.T, err error, rule Rule) {
	t.Helper()
	if got := RuleOf(err); got != rule {
		t.Fatalf("want refusal by rule %q, got %v", rule, err)
	}
}

// The consent life: a recipient asks, the household gives, the recipient
// reads (downsampled to the consent's resolution, journaled under the
// household's pseudonym), the household withdraws and the very next read
// is refused; expiry acts on the next read too; every event has a receipt
// whose journal hash is the journal's.
func TestConsentLifecycleAndDoor(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		comm, agent := e.recipient(KindCommunity, "Énergie partagée de test")
		hh := e.user("foyer")
		m := e.meter(hh, "29039")
		other := e.meter(hh, "29039")
		e.importDays(hh, m, jan2025, 5, 1)
		e.importDays(hh, other, jan2025, 5, 2)
		rd := Reader{UserID: agent.ID, RecipientID: comm.ID, Via: "test"}

		c, err := e.svc.RequestConsent(e.ctx, rd, accRequest(comm, hh.Email, m.PRM))
		if err != nil {
			t.Fatal(err)
		}
		if c.Status != StatusRequested || c.Subject == "" || c.NoticeHash != hashText(c.NoticeText) {
			t.Fatalf("request: %+v", c)
		}
		if _, err := e.svc.RequestConsent(e.ctx, rd, accRequest(comm, hh.Email, m.PRM)); !errs.Is(err, errs.Conflict) {
			t.Fatalf("second open request: %v", err)
		}
		read := func(prm string, consent int64, from, to time.Time, step Step) (Curve, error) {
			return e.svc.ReadCurve(e.ctx, CurveRequest{Reader: rd, ConsentID: consent, PRM: prm, From: from, To: to, Step: step})
		}
		day := jan2025.Add(24 * time.Hour)
		_, err = read(m.PRM, c.ID, day, day.Add(24*time.Hour), StepPT30M)
		wantRule(t, err, RuleStatus)

		// Someone who does not act for the recipient gets nothing, whatever the consent.
		stranger := e.user("autre")
		if _, err := e.svc.ReadCurve(e.ctx, CurveRequest{Reader: Reader{UserID: stranger.ID, RecipientID: comm.ID}, ConsentID: c.ID, PRM: m.PRM}); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("stranger: %v", err)
		}

		c, err = e.svc.Give(e.ctx, hh.ID, c.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		if c.Status != StatusGiven || len(c.Meters) != 1 || !c.ValidUntil.Equal(e.now().AddDate(0, 12, 0)) {
			t.Fatalf("given: %+v", c)
		}
		got, err := read(m.PRM, c.ID, day, day.Add(24*time.Hour), StepPT30M)
		if err != nil {
			t.Fatal(err)
		}
		own, err := e.svc.ReadCurve(e.ctx, CurveRequest{Reader: Reader{UserID: hh.ID}, PRM: m.PRM, From: day, To: day.Add(24 * time.Hour), Step: StepPT1H})
		if err != nil {
			t.Fatal(err)
		}
		if got.Step != StepPT1H || !got.Downsampled() || !sameCurve(got, own) {
			t.Fatalf("recipient read at %s (downsampled %v), same as owner's hourly curve: %v", got.Step, got.Downsampled(), sameCurve(got, own))
		}
		_, err = read(other.PRM, c.ID, day, day.Add(24*time.Hour), StepPT1H)
		wantRule(t, err, RuleMeter)
		_, err = read(m.PRM, c.ID, jan2025.AddDate(0, 0, -1), day, StepPT1H)
		wantRule(t, err, RulePeriod)
		_, err = e.svc.ReadCurve(e.ctx, CurveRequest{Reader: rd, ConsentID: c.ID, PRM: m.PRM, From: day, To: day.Add(time.Hour), Purpose: PurposeResearch})
		wantRule(t, err, RulePurpose)
		_, err = e.svc.ReadCurve(e.ctx, CurveRequest{Reader: rd, ConsentID: c.ID, PRM: m.PRM, From: day, To: day.Add(time.Hour), Flow: FlowProduction})
		wantRule(t, err, RuleCategory)

		c, err = e.svc.Withdraw(e.ctx, hh.ID, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		_, err = read(m.PRM, c.ID, day, day.Add(24*time.Hour), StepPT1H)
		wantRule(t, err, RuleStatus)

		// Expiry: a one-month consent, read the day before and the day after.
		req := accRequest(comm, hh.Email, m.PRM)
		req.ValidityMonths = 1
		c2, err := e.svc.RequestConsent(e.ctx, rd, req)
		if err != nil {
			t.Fatal(err)
		}
		if c2, err = e.svc.Give(e.ctx, hh.ID, c2.ID, nil); err != nil {
			t.Fatal(err)
		}
		e.advance(29 * 24 * time.Hour)
		if _, err := read(m.PRM, c2.ID, day, day.Add(time.Hour), StepPT1H); err != nil {
			t.Fatalf("read before expiry: %v", err)
		}
		e.advance(2 * 24 * time.Hour)
		_, err = read(m.PRM, c2.ID, day, day.Add(time.Hour), StepPT1H)
		wantRule(t, err, RuleExpired)
		cs, err := e.svc.HouseholdConsents(e.ctx, hh.ID)
		if err != nil {
			t.Fatal(err)
		}
		var expired *Consent
		for i := range cs {
			if cs[i].ID == c2.ID {
				expired = &cs[i]
			}
		}
		if expired == nil || expired.Status != StatusExpired || expired.Events[len(expired.Events)-1].Kind != StatusExpired {
			t.Fatalf("expired consent: %+v", expired)
		}

		// Receipts: one per event, pointing at the journal entry that proves it.
		for _, ev := range expired.Events {
			var rec Receipt
			if err := json.Unmarshal(ev.Receipt, &rec); err != nil {
				t.Fatal(err)
			}
			je, err := e.svc.entryBySeq(e.ctx, e.db.R, ev.JournalSeq)
			if err != nil {
				t.Fatal(err)
			}
			if rec.Journal.Hash != je.Hash || rec.Subject != c.Subject || rec.Event != string(ev.Kind) || rec.Purpose.Code != PurposeACC ||
				rec.Notice.SHA256 != c2.NoticeHash || rec.Validity.Months != 1 {
				t.Fatalf("receipt %+v does not match journal entry %+v", rec, je)
			}
			for _, u := range []auth.User{hh, agent} {
				if _, _, err := e.svc.ReceiptFor(e.ctx, u.ID, ev.ID); err != nil {
					t.Fatalf("receipt for %s: %v", u.Email, err)
				}
			}
			if _, _, err := e.svc.ReceiptFor(e.ctx, stranger.ID, ev.ID); !errs.Is(err, errs.Forbidden) {
				t.Fatalf("receipt for a stranger: %v", err)
			}
		}

		// The household's journal shows the reads, the refusals and the events.
		page, err := e.svc.SubjectJournal(e.ctx, hh.ID, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]int{}
		for _, en := range page.Entries {
			kinds[en.Kind]++
		}
		if kinds[JRead] < 2 || kinds[JReadRefused] < 5 || kinds[JConsentGiven] != 2 || kinds[JConsentWithdrawn] != 1 || kinds[JConsentExpired] != 1 {
			t.Fatalf("household journal kinds: %v", kinds)
		}
		if _, err := e.svc.VerifyJournal(e.ctx); err != nil {
			t.Fatal(err)
		}
	})
}

// A request made to an email without an account waits for it: the new
// account sees it; an aggregate-only consent cannot be read individually.
func TestRequestWaitsForHouseholdAndAggregateOnly(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		terr, agent := e.recipient(KindTerritory, "Agglomération de test")
		rd := Reader{UserID: agent.ID, RecipientID: terr.ID}
		req := ConsentRequest{HouseholdEmail: "futur.foyer@test.example", Purpose: PurposeClimatePlan, Categories: []string{"daily_energy"},
			DataFrom: jan2025, DataTo: jan2025.AddDate(1, 0, 0), Resolution: StepP1D, ValidityMonths: 36, RetentionDays: 0}
		if _, err := e.svc.RequestConsent(e.ctx, rd, ConsentRequest{HouseholdEmail: req.HouseholdEmail, Purpose: PurposeClimatePlan, Categories: []string{"daily_energy"},
			DataFrom: jan2025, DataTo: jan2025.AddDate(1, 0, 0), Resolution: StepP1D, ValidityMonths: 36, Mode: ModeIndividual}); !errs.Is(err, errs.Invalid) {
			t.Fatalf("climate plan in individual mode: %v", err)
		}
		req.ValidityMonths = 37
		if _, err := e.svc.RequestConsent(e.ctx, rd, req); !errs.Is(err, errs.Invalid) {
			t.Fatalf("validity over three years: %v", err)
		}
		req.ValidityMonths = 36
		c, err := e.svc.RequestConsent(e.ctx, rd, req)
		if err != nil {
			t.Fatal(err)
		}
		u, err := e.auth.CreateUser(e.ctx, "Futur.Foyer@test.example", "Futur", "correct horse battery staple", "member")
		if err != nil {
			t.Fatal(err)
		}
		m := e.meter(u, "29039")
		cs, err := e.svc.HouseholdConsents(e.ctx, u.ID)
		if err != nil || len(cs) != 1 || cs[0].ID != c.ID || cs[0].Mode != ModeAggregate {
			t.Fatalf("waiting request: %v %+v", err, cs)
		}
		if _, err := e.svc.Give(e.ctx, u.ID, c.ID, nil); err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.ReadCurve(e.ctx, CurveRequest{Reader: rd, ConsentID: c.ID, PRM: m.PRM, From: jan2025, To: jan2025.AddDate(0, 1, 0), Step: StepP1D})
		wantRule(t, err, RuleMode)
	})
}
