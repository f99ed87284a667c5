package acc_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/acc"
	"github.com/fabrique-des-energies/fabrique/internal/app/apptest"
	"github.com/fabrique-des-energies/fabrique/internal/energy"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
	"github.com/fabrique-des-energies/fabrique/internal/regie"
)

const (
	pratsLat, pratsLon = 42.40404, 2.47928
)

func east(km float64) float64 { return pratsLon + km/(111.195*math.Cos(pratsLat*math.Pi/180)) }

// operationForm is the form a browser without JavaScript posts.
func operationForm(consumerKmEast float64, regime string) url.Values {
	f := url.Values{"name": {"Soleil du Tech"}, "organiser": {"Énergies citoyennes du Vallespir"}, "step_minutes": {"15"}, "key": {"default"},
		"regime": {regime}, "start_date": {"2025-06-01"}, "rows": {"6"}, "action": {"save"}}
	set := func(i int, k, v string) { f.Set(fmt.Sprintf("participants[%d].%s", i, k), v) }
	set(0, "role", "producer")
	set(0, "name", "Toiture de l'école")
	set(0, "prm", "30000000000001")
	set(0, "lat", strconv.FormatFloat(pratsLat, 'f', -1, 64))
	set(0, "lon", strconv.FormatFloat(pratsLon, 'f', -1, 64))
	set(0, "kwc", "36")
	set(1, "role", "consumer")
	set(1, "name", "Maison Roig")
	set(1, "prm", "30000000000002")
	set(1, "lat", strconv.FormatFloat(pratsLat, 'f', -1, 64))
	set(1, "lon", strconv.FormatFloat(east(consumerKmEast), 'f', -1, 64))
	set(2, "role", "consumer")
	set(2, "name", "Mairie")
	set(2, "prm", "3000 0000 0000 03")
	set(2, "commune", "66150")
	// Rows 3 to 5 are left blank, as in a browser.
	for i := 3; i < 6; i++ {
		set(i, "role", "consumer")
	}
	return f
}

// uploadTable posts a table in the allocate layout through the data page.
func uploadTable(t *testing.T, a *apptest.App, c *apptest.Client, opID int64, kind, name, body string) *http.Response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("kind", kind)
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = io.WriteString(fw, body)
	_ = mw.Close()
	return c.Do("POST", fmt.Sprintf("/autoconsommation/operations/%d/donnees", opID), &buf, http.Header{
		"Content-Type": {mw.FormDataContentType()}, "Origin": {a.URL}, "Sec-Fetch-Site": {"same-origin"}})
}

// week of synthetic data at Prats in June.
func weekTables(t *testing.T) (prod, cons string) {
	t.Helper()
	pv, err := energy.SynthPV(energy.PVParams{Lat: pratsLat, Lon: pratsLon, KWc: 36, Year: 2025, Step: 15 * time.Minute, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	var loads []energy.Series
	for k, prof := range []energy.LoadProfile{energy.ProfileHousehold, energy.ProfileOffice} {
		l, err := energy.SynthLoad(energy.LoadParams{Profile: prof, AnnualKWh: []float64{4500, 20000}[k], Year: 2025, Step: 15 * time.Minute, Seed: uint64(k + 1)})
		if err != nil {
			t.Fatal(err)
		}
		loads = append(loads, l)
	}
	from := time.Date(2025, 6, 2, 0, 0, 0, 0, energy.Paris()).UTC()
	off := int(from.Sub(pv.Start) / (15 * time.Minute))
	var p, c strings.Builder
	p.WriteString("timestamp;30000000000001\n")
	c.WriteString("timestamp;Maison Roig;30000000000003\n")
	for i := range 7 * 96 {
		ts := from.Add(time.Duration(i) * 15 * time.Minute).In(energy.Paris()).Format(time.RFC3339)
		fmt.Fprintf(&p, "%s;%s\n", ts, strings.Replace(strconv.FormatFloat(pv.Values[off+i], 'f', 6, 64), ".", ",", 1))
		fmt.Fprintf(&c, "%s;%.6f;%.6f\n", ts, loads[0].Values[off+i], loads[1].Values[off+i])
	}
	return p.String(), c.String()
}

func opID(t *testing.T, loc string) int64 {
	t.Helper()
	id, err := strconv.ParseInt(strings.TrimPrefix(loc, "/autoconsommation/operations/"), 10, 64)
	if err != nil {
		t.Fatalf("redirect to %q", loc)
	}
	return id
}

// The journey of the issue, without JavaScript: participants 3 km apart
// under the 2 km regime are refused with a clear message; the fixed
// operation is saved; readings are uploaded; the statement shows them.
func TestOperationJourneyWithoutJavaScript(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *apptest.App) {
		email := a.NewUser(web.RoleMember)
		c := a.Login(email)
		if st := c.Get("/autoconsommation/operations/nouvelle").StatusCode; st != 200 {
			t.Fatalf("form: %d", st)
		}
		resp := c.PostForm("/autoconsommation/operations", operationForm(3, "2km"))
		body := apptest.Body(t, resp)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("3 km under the 2 km regime: %d", resp.StatusCode)
		}
		for _, want := range []string{"Périmètre dépassé", "« Toiture de l&#39;école » et « Maison Roig »", "3,00 km", "au plus 2 km", `href="#f-participants"`} {
			if !strings.Contains(body, want) {
				t.Errorf("refusal lacks %q", want)
			}
		}
		// The form comes back as typed.
		if !strings.Contains(body, `value="3000 0000 0000 03"`) {
			t.Error("typed PRM lost")
		}
		// "Check without saving" says the same, and "add rows" adds rows.
		f := operationForm(3, "2km")
		f.Set("action", "more")
		if body := apptest.Body(t, c.PostForm("/autoconsommation/operations", f)); strings.Count(body, `class="acc-row"`) < 10 {
			t.Errorf("more rows: %d rows", strings.Count(body, `class="acc-row"`))
		}
		// Fixed: the consumer moves to 1.5 km.
		resp = c.PostForm("/autoconsommation/operations", operationForm(1.5, "2km"))
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("fixed operation: %d", resp.StatusCode)
		}
		id := opID(t, resp.Header.Get("Location"))
		body = apptest.Body(t, c.Get(resp.Header.Get("Location")))
		for _, want := range []string{"Périmètre respecté", "Aucun relevé", "fichier déposé par l&#39;organisateur"} {
			if !strings.Contains(body, want) {
				t.Errorf("dashboard lacks %q", want)
			}
		}
		prod, cons := weekTables(t)
		if r := uploadTable(t, a, c, id, "production", "production.csv", prod); r.StatusCode != 200 {
			t.Fatalf("upload production: %d %s", r.StatusCode, apptest.Body(t, r))
		}
		r := uploadTable(t, a, c, id, "consumption", "conso.csv", cons)
		if body := apptest.Body(t, r); r.StatusCode != 200 || !strings.Contains(body, "Fichier enregistré") {
			t.Fatalf("upload consumption: %d", r.StatusCode)
		}
		// A bad file is refused with its line.
		r = uploadTable(t, a, c, id, "consumption", "bad.csv", "timestamp;Maison Roig\n2025-06-02T00:00:00+02:00;abc\n")
		if body := apptest.Body(t, r); r.StatusCode != 422 || !strings.Contains(body, "ligne 2") {
			t.Errorf("bad file: %d", r.StatusCode)
		}
		// The statement of June, in HTML and CSV, agrees with the API.
		page := apptest.Body(t, c.Get(fmt.Sprintf("/autoconsommation/operations/%d/releves/2025-06", id)))
		if !strings.Contains(page, "Relevé de juin 2025") || !strings.Contains(page, "Maison Roig") || !strings.Contains(page, "Toiture de l&#39;école") {
			t.Fatal("statement page incomplete")
		}
		resp = c.Get(fmt.Sprintf("/autoconsommation/operations/%d/releves/2025-06/csv", id))
		rows, err := csv.NewReader(strings.NewReader(strings.ReplaceAll(apptest.Body(t, resp), ";", ","))).ReadAll()
		if err != nil || len(rows) != 1+2+1+1 {
			t.Fatalf("CSV: %v, %d rows", err, len(rows))
		}
		var st struct {
			AllocatedKWh float64 `json:"allocated_kwh"`
			Participants []struct {
				Name         string   `json:"name"`
				AllocatedKWh *float64 `json:"allocated_kwh"`
				Source       string   `json:"source"`
			} `json:"participants"`
		}
		tok := a.WithToken(a.Token(email))
		if code := tok.JSON("GET", fmt.Sprintf("/api/v1/acc/operations/%d/statements/2025-06", id), nil, &st); code != 200 {
			t.Fatalf("API statement: %d", code)
		}
		total, _ := strconv.ParseFloat(rows[len(rows)-1][6], 64)
		if math.Abs(total-st.AllocatedKWh) > 1e-3 || st.AllocatedKWh <= 0 {
			t.Errorf("CSV total %v, API %v", total, st.AllocatedKWh)
		}
		if st.Participants[0].Source != "upload" {
			t.Errorf("source %q", st.Participants[0].Source)
		}
		// Another member sees nothing of it.
		other := a.As(web.RoleMember)
		if code := other.Get(fmt.Sprintf("/autoconsommation/operations/%d/releves/2025-06", id)).StatusCode; code != 403 {
			t.Errorf("another member reads the statement: %d", code)
		}
	})
}

func TestOperationAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *apptest.App) {
		email := a.NewUser(web.RoleMember)
		c := a.WithToken(a.Token(email))
		in := acc.Input{Name: "API", Organiser: "PMO", StepMinutes: 15, Key: "static", Regime: "2km", StartDate: "2025-03-01",
			Participants: []acc.ParticipantInput{
				{Role: "producer", Name: "P", PRM: "30000000000001", Lat: "42.40404", Lon: "2.47928", KWc: "4000"},
				{Role: "producer", Name: "Q", PRM: "30000000000002", Lat: "42.40404", Lon: "2.47928", KWc: "2000"},
				{Role: "consumer", Name: "C", PRM: "30000000000003", Commune: "66150", Coefficient: "100 %"},
			}}
		var e struct {
			Error struct {
				Code    string `json:"code"`
				Details []struct {
					Field   string `json:"field"`
					Message string `json:"message"`
				} `json:"details"`
			} `json:"error"`
		}
		if st := c.JSON("POST", "/api/v1/acc/checks", in, &e); st != 422 || e.Error.Details[0].Field != "capacity" || !strings.Contains(e.Error.Details[0].Message, "5 MW") {
			t.Fatalf("6 MW: %d %+v", st, e)
		}
		in.Participants[1].KWc = "900"
		var op acc.OperationJSON
		if st := c.JSON("POST", "/api/v1/acc/operations", in, &op); st != 201 || op.Check.RuleVersion != "2025-02" || op.Check.CapKW != 5000 || len(op.Participants) != 3 {
			t.Fatalf("create: %d %+v", st, op)
		}
		var list struct {
			Items []map[string]any `json:"items"`
			Total int              `json:"total"`
		}
		if st := c.JSON("GET", "/api/v1/acc/operations", nil, &list); st != 200 || list.Total != 1 {
			t.Fatalf("list: %d %+v", st, list)
		}
		// Upload through the API, then read statements.
		body := "timestamp;30000000000001;30000000000002\n2025-07-01T12:00:00+02:00;2;1\n2025-07-01T12:15:00+02:00;1;0\n"
		resp := c.Do("POST", fmt.Sprintf("/api/v1/acc/operations/%d/data?kind=production", op.ID), strings.NewReader(body), http.Header{"Content-Type": {"text/csv"}})
		if resp.StatusCode != 200 {
			t.Fatalf("upload: %d %s", resp.StatusCode, apptest.Body(t, resp))
		}
		resp.Body.Close()
		body = "timestamp;C\n2025-07-01T12:00:00+02:00;2,5\n2025-07-01T12:15:00+02:00;0,4\n"
		resp = c.Do("POST", fmt.Sprintf("/api/v1/acc/operations/%d/data?kind=consumption", op.ID), strings.NewReader(body), http.Header{"Content-Type": {"text/csv"}})
		resp.Body.Close()
		var sts struct {
			Items []struct {
				Month        string  `json:"month"`
				AllocatedKWh float64 `json:"allocated_kwh"`
				SurplusKWh   float64 `json:"surplus_kwh"`
			} `json:"items"`
		}
		if st := c.JSON("GET", fmt.Sprintf("/api/v1/acc/operations/%d/statements", op.ID), nil, &sts); st != 200 || len(sts.Items) != 1 {
			t.Fatalf("statements: %d %+v", st, sts)
		}
		// Static key, k = 1: A = min(C, P) = 2.5 then 0.4; surplus 0.5 + 0.6.
		if s := sts.Items[0]; s.Month != "2025-07" || math.Abs(s.AllocatedKWh-2.9) > 1e-9 || math.Abs(s.SurplusKWh-1.1) > 1e-9 {
			t.Errorf("statement %+v", s)
		}
		// Others: 403; update; delete.
		other := a.WithToken(a.Token(a.NewUser(web.RoleMember)))
		if st := other.JSON("GET", fmt.Sprintf("/api/v1/acc/operations/%d", op.ID), nil, nil); st != 403 {
			t.Errorf("other member: %d", st)
		}
		in.Regime = "derogation"
		if st := c.JSON("PUT", fmt.Sprintf("/api/v1/acc/operations/%d", op.ID), in, &e); st != 422 || e.Error.Details[0].Field != "derogation_km" {
			t.Errorf("update without derogation distance: %d %+v", st, e)
		}
		if st := c.JSON("DELETE", fmt.Sprintf("/api/v1/acc/operations/%d", op.ID), nil, nil); st != 204 {
			t.Errorf("delete: %d", st)
		}
		if st := c.JSON("GET", fmt.Sprintf("/api/v1/acc/operations/%d", op.ID), nil, nil); st != 404 {
			t.Errorf("after delete: %d", st)
		}
	})
}

// The demo operation of Concarneau reads its households' curves through
// the data trust: each computation is journaled for the household, and a
// withdrawn consent stops the curve at once.
func TestConsentedCurvesComeThroughTheDataTrust(t *testing.T) {
	apptest.Each(t, consentedCurves, apptest.WithDemo())
}

func consentedCurves(t *testing.T, a *apptest.App) {
	ctx := context.Background()
	yann, err := a.Auth.UserByEmail(ctx, "yann.le-goff@demo.example")
	if err != nil {
		t.Fatal(err)
	}
	who := &web.Identity{UserID: yann.ID, Role: web.RoleMember}
	list, err := a.Acc.List(ctx, who)
	if err != nil || len(list) != 1 {
		t.Fatalf("yann's operations: %v %v", list, err)
	}
	o, an, err := a.Acc.Analysis(ctx, who, list[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	var shared *acc.Participant
	for i, p := range o.Participants {
		if p.Source == acc.SourceConsent {
			shared = &o.Participants[i]
			if an.Whole.ConsMissing[i-1] == an.Steps {
				t.Errorf("%s: no reading came through the consent", p.Name)
			}
		}
	}
	if shared == nil || !an.FromConsent || an.Whole.Allocated <= 0 {
		t.Fatalf("no consented curve in the analysis")
	}
	// The household sees the read in its journal.
	rs, err := a.Regie.RecipientsOf(ctx, yann.ID)
	if err != nil {
		t.Fatal(err)
	}
	c, err := a.Regie.RecipientConsent(ctx, regie.Reader{UserID: yann.ID, RecipientID: rs[0].ID}, shared.ConsentID)
	if err != nil {
		t.Fatal(err)
	}
	page, err := a.Regie.SubjectJournal(ctx, c.HouseholdID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range page.Entries {
		found = found || (e.Via == "acc" && e.Consent == c.ID && e.Outcome == regie.OutcomeGranted)
	}
	if !found {
		t.Error("no journal entry of the read via acc")
	}
	// A participant may be given by its consent alone: PRM and commune come from it.
	o2, _, err := a.Acc.Create(ctx, who, acc.Input{Name: "Par consentement", Organiser: "PMO", StepMinutes: 30, Key: "default", Regime: "2km",
		Participants: []acc.ParticipantInput{{Role: "producer", Name: "Toit", PRM: "30009000000001", Commune: "29039", KWc: "9"}, {ConsentID: c.ID}}})
	if err != nil {
		t.Fatal(err)
	}
	if p := o2.Consumers()[0]; p.PRM != shared.PRM || p.Commune != "29039" || p.Source != acc.SourceConsent || !strings.HasPrefix(p.Name, "Foyer ") {
		t.Errorf("participant from a consent: %+v", p)
	}
	// Someone who does not act for the recipient cannot name the consent.
	su, err := a.Auth.UserByEmail(ctx, a.NewUser(web.RoleMember))
	if err != nil {
		t.Fatal(err)
	}
	stranger := &web.Identity{UserID: su.ID, Role: web.RoleMember}
	if _, _, err := a.Acc.Create(ctx, stranger, acc.Input{Name: "Intrus", Organiser: "PMO", StepMinutes: 30, Key: "default", Regime: "2km",
		Participants: []acc.ParticipantInput{{Role: "producer", Name: "Toit", PRM: "30009000000001", Commune: "29039", KWc: "9"},
			{Role: "consumer", Name: "Foyer", PRM: shared.PRM, Commune: "29039", ConsentID: c.ID}}}); err == nil || !strings.Contains(err.Error(), "consent") {
		t.Errorf("a stranger used the consent: %v", err)
	}
	// An administrator gets no household curve: the data trust refuses it.
	admin := &web.Identity{UserID: 1, Role: web.RoleAdmin}
	_, an2, err := a.Acc.Analysis(ctx, admin, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if an2.FromConsent {
		t.Error("an administrator read consented curves")
	}
	// The household withdraws: the next computation no longer has its curve.
	if _, err := a.Regie.Withdraw(ctx, c.HouseholdID, c.ID); err != nil {
		t.Fatal(err)
	}
	_, an3, err := a.Acc.Analysis(ctx, who, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range an3.Consumers {
		if p.ID == shared.ID && an3.Whole.ConsMissing[i] != an3.Steps {
			t.Errorf("withdrawn consent still read: %d missing of %d", an3.Whole.ConsMissing[i], an3.Steps)
		}
	}
}

// The demo operation of Prats shows real numbers on its dashboard and statements.
func TestDemoOperationHasNumbers(t *testing.T) {
	apptest.Each(t, demoNumbers, apptest.WithDemo())
}

func demoNumbers(t *testing.T, a *apptest.App) {
	ctx := context.Background()
	u, _ := a.Auth.UserByEmail(ctx, "ines.bernard@demo.example")
	o, an, err := a.Acc.Analysis(ctx, &web.Identity{UserID: u.ID, Role: web.RoleMember}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if o.Name == "" || len(an.Months) != 12 || an.Whole.SelfConsumptionRate() <= 0.2 || an.Whole.SelfProductionRate() <= 0.1 {
		t.Fatalf("demo analysis: %d months, rates %v %v", len(an.Months), an.Whole.SelfConsumptionRate(), an.Whole.SelfProductionRate())
	}
	for _, m := range an.Whole.ConsMissing {
		if m != 0 {
			t.Errorf("demo readings have gaps: %v", an.Whole.ConsMissing)
		}
	}
}

func TestSimulatorPageCSVAndAPIAgree(t *testing.T) {
	a := apptest.Start(t)
	c := a.Anonymous()
	q := "commune=Mornant&kwc=80&key=priority&step=30&sweep_n=10&sweep_max=200&profile1=household&kwh1=4000&count1=12&rank1=2&profile2=school&kwh2=30000&count2=1&rank2=1"
	resp := c.Get("/simulateur?" + q)
	page := apptest.Body(t, resp)
	if resp.StatusCode != 200 || !strings.Contains(page, `id="comparaison"`) || !strings.Contains(page, "Mornant") {
		t.Fatalf("simulator page: %d", resp.StatusCode)
	}
	// The page's shareable address names the commune by code and every parameter.
	if !strings.Contains(page, "commune=69141") || !strings.Contains(page, "key=priority") {
		t.Error("shareable address incomplete")
	}
	var res struct {
		Keys []struct {
			Key          string  `json:"key"`
			AllocatedKWh float64 `json:"allocated_kwh"`
		} `json:"keys"`
		Sweep []map[string]float64 `json:"sweep"`
		Query string               `json:"query"`
	}
	if st := c.JSON("GET", "/api/v1/acc/simulations?"+q, nil, &res); st != 200 || len(res.Keys) != 4 || len(res.Sweep) != 10 {
		t.Fatalf("API: %d %+v", st, res)
	}
	resp = c.Get("/simulateur/resultats.csv?table=keys&" + res.Query)
	rows, err := csv.NewReader(strings.NewReader(strings.ReplaceAll(apptest.Body(t, resp), ";", ","))).ReadAll()
	if err != nil || len(rows) != 5 || rows[0][3] != "allocated_kwh" {
		t.Fatalf("CSV: %v %v", err, rows)
	}
	for i, k := range res.Keys {
		v, _ := strconv.ParseFloat(rows[i+1][3], 64)
		if rows[i+1][0] != k.Key || math.Abs(v-k.AllocatedKWh) > 1e-3 {
			t.Errorf("CSV %v, API %v", rows[i+1], k)
		}
	}
	for _, table := range acc.SimulationTables[:4] {
		if r := c.Get("/simulateur/resultats.csv?table=" + table + "&" + res.Query); r.StatusCode != 200 {
			t.Errorf("table %s: %d", table, r.StatusCode)
		}
	}
	// Bad parameters come back on the page, named.
	resp = c.Get("/simulateur?kwc=-5&count1=3&profile1=household&kwh1=4000")
	if body := apptest.Body(t, resp); resp.StatusCode != 422 || !strings.Contains(body, `href="#s-kwc"`) {
		t.Errorf("bad parameters: %d", resp.StatusCode)
	}
	// The kit mode.
	resp = c.Get("/simulateur?mode=kit&commune=66150&kit_wc=600&price=0.25&step=30")
	if body := apptest.Body(t, resp); resp.StatusCode != 200 || !strings.Contains(body, `id="s-kit"`) {
		t.Errorf("kit: %d", resp.StatusCode)
	}
}

// A commune's territory page offers the simulator set for it.
func TestTerritorySectionLinksToSimulator(t *testing.T) {
	a := apptest.Start(t)
	body := apptest.Body(t, a.Anonymous().Get("/territoires/commune/69141"))
	if !strings.Contains(body, `href="/simulateur?commune=69141"`) || !strings.Contains(body, `href="/simulateur?commune=69141&amp;mode=kit"`) {
		t.Error("no simulator links on the commune's page")
	}
	if body := apptest.Body(t, a.Anonymous().Get("/territoires/departement/69")); strings.Contains(body, "/simulateur?commune") {
		t.Error("simulator links on a département's page")
	}
}
