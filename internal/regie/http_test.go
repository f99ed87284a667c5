package regie_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/app"
	"github.com/fabrique-des-energies/fabrique/internal/app/apptest"
	"github.com/fabrique-des-energies/fabrique/internal/platform/db/dbtest"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
	"github.com/fabrique-des-energies/fabrique/internal/regie"
	"github.com/fabrique-des-energies/fabrique/internal/regie/meterfile"
)

var prmSeq atomic.Int64

func newPRM() string { return fmt.Sprintf("%014d", 61000000000000+prmSeq.Add(1)) }

// jan is 1 January 2025, 00:00 in Paris.
var jan = time.Date(2024, 12, 31, 23, 0, 0, 0, time.UTC)

// curveFile is a customer export of `days` days at 30 minutes, every
// half-hour at w watts (so w/2 Wh), or varying with the index when w is 0.
func curveFile(t testing.TB, prm string, start time.Time, days int, w int64) []byte {
	t.Helper()
	vals := make([]int64, days*48)
	for i := range vals {
		vals[i] = w
		if w == 0 {
			vals[i] = int64(300 + (i*37)%1900)
		}
	}
	var b bytes.Buffer
	if err := meterfile.WriteCustomerExport(&b, prm, start, 30*time.Minute, vals); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

type household struct {
	email string
	c     *apptest.Client
	prm   string
}

// newHousehold creates an account with a meter and `days` days of readings.
func newHousehold(t *testing.T, a *apptest.App, days int, w int64) household {
	t.Helper()
	email := a.NewUser(web.RoleMember)
	h := household{email: email, c: a.WithToken(a.Token(email)), prm: newPRM()}
	if st := h.c.JSON("POST", "/api/v1/me/meters", map[string]string{"prm": h.prm, "label": "maison", "commune": "29039"}, nil); st != http.StatusCreated {
		t.Fatalf("add meter: %d", st)
	}
	if days > 0 {
		resp := h.c.Do("POST", "/api/v1/me/meters/"+h.prm+"/readings", bytes.NewReader(curveFile(t, h.prm, jan, days, w)), http.Header{"Content-Type": {"text/csv"}})
		if body := apptest.Body(t, resp); resp.StatusCode != http.StatusCreated {
			t.Fatalf("import: %d %s", resp.StatusCode, body)
		}
	}
	return h
}

// recipientClient creates a recipient with an acting account.
func recipientClient(t *testing.T, a *apptest.App, kind regie.RecipientKind, name string) (regie.Recipient, *apptest.Client) {
	t.Helper()
	sp := regie.RecipientSpec{Kind: kind, Name: name}
	if kind == regie.KindTerritory {
		sp.TerritoryKind, sp.TerritoryCode = "epci", "242900769"
	}
	r, err := a.Regie.CreateRecipient(context.Background(), 0, sp)
	if err != nil {
		t.Fatal(err)
	}
	email := a.NewUser(web.RoleMember)
	u, err := a.Auth.UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Regie.AddRecipientMember(context.Background(), 0, r.ID, u.ID); err != nil {
		t.Fatal(err)
	}
	return r, a.WithToken(a.Token(email))
}

type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Details []struct {
			Field   string `json:"field"`
			Line    int    `json:"line"`
			Message string `json:"message"`
		} `json:"details"`
	} `json:"error"`
}

func rule(e apiError) string {
	for _, d := range e.Error.Details {
		if d.Field == "rule" {
			return d.Message
		}
	}
	return ""
}

// The household API: register, import (raw body and multipart), re-import
// changes nothing, overlap replaces and says so, malformed refused with its
// line, readings in JSON (null for gaps) and CSV, journal, export zip.
func TestHouseholdAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *apptest.App) {
		h := newHousehold(t, a, 0, 0)
		var bad apiError
		if st := h.c.JSON("POST", "/api/v1/me/meters", map[string]string{"prm": "1234"}, &bad); st != 422 || bad.Error.Details[0].Field != "prm" {
			t.Fatalf("short PRM: %d %+v", st, bad)
		}
		file := curveFile(t, h.prm, jan, 3, 0)
		upload := func(body []byte, multi bool) (int, map[string]any) {
			var rd io.Reader = bytes.NewReader(body)
			hdr := http.Header{"Content-Type": {"text/csv"}, "Accept": {"application/json"}}
			if multi {
				var mb bytes.Buffer
				w := multipart.NewWriter(&mb)
				fw, _ := w.CreateFormFile("file", "mes-mesures.csv")
				fw.Write(body)
				w.WriteField("format", string(meterfile.FormatCustomerCurve))
				w.Close()
				rd, hdr = &mb, http.Header{"Content-Type": {w.FormDataContentType()}, "Accept": {"application/json"}}
			}
			resp := h.c.Do("POST", "/api/v1/me/meters/"+h.prm+"/readings", rd, hdr)
			var out map[string]any
			json.Unmarshal([]byte(apptest.Body(t, resp)), &out)
			return resp.StatusCode, out
		}
		st, out := upload(file, false)
		if st != 201 || out["points"].(float64) != 144 || out["format"] != "customer-load-curve" || out["changed"] != true {
			t.Fatalf("import: %d %v", st, out)
		}
		st, out = upload(file, true)
		if st != 200 || out["changed"] != false || out["unchanged"].(float64) != 144 {
			t.Fatalf("re-import (multipart): %d %v", st, out)
		}
		st, out = upload(curveFile(t, h.prm, jan.Add(48*time.Hour), 2, 999), false)
		if st != 201 || out["replaced"].(float64) != 48 || out["overlap_replaced"] == nil || !strings.Contains(out["message"].(string), "remplacées") {
			t.Fatalf("overlap: %d %v", st, out)
		}
		malformed := strings.Replace(string(file), "+01:00;", "+01:00;abc", 1)
		st, out = upload([]byte(malformed), false)
		details, _ := out["error"].(map[string]any)["details"].([]any)
		if st != 422 || len(details) == 0 || details[0].(map[string]any)["line"].(float64) < 2 {
			t.Fatalf("malformed: %d %v", st, out)
		}

		// Readings in JSON: 30-minute steps, Wh, a gap as null.
		var r struct {
			Step   string   `json:"step"`
			Unit   string   `json:"unit"`
			Start  string   `json:"start"`
			Values []*int64 `json:"values"`
		}
		q := "?from=" + url.QueryEscape(jan.Format(time.RFC3339)) + "&to=" + url.QueryEscape(jan.Add(5*24*time.Hour).Format(time.RFC3339)) + "&step=PT30M"
		if st := h.c.JSON("GET", "/api/v1/me/meters/"+h.prm+"/readings"+q, nil, &r); st != 200 {
			t.Fatalf("readings: %d", st)
		}
		if r.Step != "PT30M" || r.Unit != "Wh" || r.Start != "2024-12-31T23:00:00Z" || len(r.Values) != 240 || r.Values[0] == nil || *r.Values[0] != 150 ||
			*r.Values[100] != 500 || r.Values[200] != nil {
			t.Fatalf("readings: %s %s %s %d values, first %v, 100th %v, 200th %v", r.Step, r.Unit, r.Start, len(r.Values), r.Values[0], r.Values[100], r.Values[200])
		}
		resp := h.c.Do("GET", "/api/v1/me/meters/"+h.prm+"/readings"+strings.Replace(q, "PT30M", "P1D", 1), nil, http.Header{"Accept": {"text/csv"}})
		csv := apptest.Body(t, resp)
		lines := strings.Split(strings.TrimSpace(csv), "\n")
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") || lines[0] != "timestamp;wh" || len(lines) != 6 ||
			lines[3] != "2025-01-02T23:00:00Z;24000" || lines[5] != "2025-01-04T23:00:00Z;" {
			t.Fatalf("CSV: %d %q", resp.StatusCode, lines)
		}
		var bad2 apiError
		if st := h.c.JSON("GET", "/api/v1/me/meters/"+h.prm+"/readings?step=PT7M", nil, &bad2); st != 422 {
			t.Fatalf("bad step: %d", st)
		}

		// The journal lists the imports and the reads.
		var j struct {
			Items []map[string]any `json:"items"`
			Total int              `json:"total"`
		}
		if st := h.c.JSON("GET", "/api/v1/me/journal", nil, &j); st != 200 || j.Total < 5 {
			t.Fatalf("journal: %d %d", st, j.Total)
		}

		// The export holds readings that import again unchanged.
		resp = h.c.Do("GET", "/api/v1/me/export", nil, nil)
		zb := []byte(apptest.Body(t, resp))
		if resp.StatusCode != 200 {
			t.Fatalf("export: %d %s", resp.StatusCode, zb)
		}
		zr, err := zip.NewReader(bytes.NewReader(zb), int64(len(zb)))
		if err != nil {
			t.Fatal(err)
		}
		files := map[string][]byte{}
		for _, f := range zr.File {
			rc, _ := f.Open()
			files[f.Name], _ = io.ReadAll(rc)
			rc.Close()
		}
		curve := files["releves/"+h.prm+"-consumption-courbe.csv"]
		for _, name := range []string{"LISEZMOI.txt", "compteurs.json", "consentements.json", "journal.json"} {
			if files[name] == nil {
				t.Errorf("export lacks %s (has %d files)", name, len(files))
			}
		}
		if curve == nil {
			t.Fatalf("export lacks the curve: %v", zr.File)
		}
		st, out = upload(curve, false)
		if st != 200 || out["changed"] != false || out["unchanged"].(float64) != 192 {
			t.Fatalf("re-import of the export: %d %v", st, out)
		}
	})
}

// The recipient API and the household's answers: a request waits, the
// household gives in one call, the recipient reads JSON and CSV at the
// consent's resolution, the household withdraws, the next read is refused
// with its rule; aggregates: 9 meters refused, 10 answered.
func TestRecipientAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *apptest.App) {
		_, comm := recipientClient(t, a, regie.KindCommunity, "Communauté de test")
		h := newHousehold(t, a, 3, 0)
		req := map[string]any{"household_email": h.email, "purpose": "acc-operation", "data_categories": []string{"load_curve"}, "meters": []string{h.prm},
			"data_from": "2025-01-01", "data_to": "2026-01-01", "finest_resolution": "PT1H", "validity_months": 12, "retention_days": 30}
		var c struct {
			ID     int64  `json:"id"`
			Status string `json:"status"`
			Events []struct {
				ID int64 `json:"id"`
			} `json:"events"`
		}
		if st := comm.JSON("POST", "/api/v1/consent-requests", req, &c); st != http.StatusAccepted || c.Status != "requested" {
			t.Fatalf("request: %d %+v", st, c)
		}
		var mine struct {
			Items []struct {
				ID         int64  `json:"id"`
				NoticeText string `json:"notice_text"`
			} `json:"items"`
		}
		if st := h.c.JSON("GET", "/api/v1/me/consents", nil, &mine); st != 200 || len(mine.Items) != 1 || !strings.Contains(mine.Items[0].NoticeText, "Communauté de test") {
			t.Fatalf("household's consents: %d %+v", st, mine)
		}
		read := func(q string, accept string) (*http.Response, string) {
			resp := comm.Do("GET", fmt.Sprintf("/api/v1/data/meters/%s/readings?consent=%d&from=2025-01-01&to=2025-01-02%s", h.prm, c.ID, q), nil, http.Header{"Accept": {accept}})
			return resp, apptest.Body(t, resp)
		}
		if resp, body := read("", "application/json"); resp.StatusCode != 403 || !strings.Contains(body, `"rule"`) {
			t.Fatalf("read before consent: %d %s", resp.StatusCode, body)
		}
		if st := h.c.JSON("POST", fmt.Sprintf("/api/v1/me/consents/%d/give", c.ID), nil, &c); st != 200 || c.Status != "given" {
			t.Fatalf("give: %d %+v", st, c)
		}
		resp, body := read("&step=PT30M", "application/json")
		var r struct {
			Step   string  `json:"step"`
			Values []int64 `json:"values"`
		}
		json.Unmarshal([]byte(body), &r)
		if resp.StatusCode != 200 || r.Step != "PT1H" || len(r.Values) != 24 || resp.Header.Get("X-Step-Downsampled-From") != "PT30M" {
			t.Fatalf("read: %d %s", resp.StatusCode, body)
		}
		if resp, body := read("", "text/csv"); resp.StatusCode != 200 || !strings.HasPrefix(body, "timestamp;wh\n2024-12-31T23:00:00Z;") {
			t.Fatalf("CSV read: %d %.80s", resp.StatusCode, body)
		}
		var rec map[string]any
		if st := comm.JSON("GET", fmt.Sprintf("/api/v1/receipts/%d", c.Events[1].ID), nil, &rec); st != 200 || rec["event"] != "given" || rec["notice"] == nil {
			t.Fatalf("receipt for the recipient: %d %v", st, rec)
		}
		if st := h.c.JSON("POST", fmt.Sprintf("/api/v1/me/consents/%d/withdraw", c.ID), nil, &c); st != 200 || c.Status != "withdrawn" {
			t.Fatalf("withdraw: %d", st)
		}
		var e apiError
		resp, body = read("", "application/json")
		json.Unmarshal([]byte(body), &e)
		if resp.StatusCode != 403 || rule(e) != "status" {
			t.Fatalf("read after withdrawal: %d %s", resp.StatusCode, body)
		}
		var list struct {
			Items []struct {
				ID     int64  `json:"id"`
				Status string `json:"status"`
			} `json:"items"`
		}
		if st := comm.JSON("GET", "/api/v1/consents?status=withdrawn", nil, &list); st != 200 || len(list.Items) != 1 || list.Items[0].ID != c.ID {
			t.Fatalf("recipient's withdrawn consents: %d %+v", st, list)
		}

		// Aggregates: a territory with aggregate-only consents.
		_, terr := recipientClient(t, a, regie.KindTerritory, "Agglomération de test")
		var ids []int64
		for i := 0; i < 10; i++ {
			hh := newHousehold(t, a, 2, 0)
			var cc struct {
				ID int64 `json:"id"`
			}
			if st := terr.JSON("POST", "/api/v1/consent-requests", map[string]any{"household_email": hh.email, "purpose": "climate-plan", "data_categories": []string{"daily_energy"},
				"data_from": "2025-01-01", "data_to": "2026-01-01", "finest_resolution": "P1D", "validity_months": 36, "access_mode": "aggregate"}, &cc); st != 202 {
				t.Fatalf("climate request: %d", st)
			}
			if st := hh.c.JSON("POST", fmt.Sprintf("/api/v1/me/consents/%d/give", cc.ID), nil, nil); st != 200 {
				t.Fatalf("give: %d", st)
			}
			ids = append(ids, cc.ID)
		}
		agg := map[string]any{"consents": ids[:9], "from": "2025-01-01", "to": "2025-01-03", "step": "P1D"}
		e = apiError{}
		if st := terr.JSON("POST", "/api/v1/data/aggregates", agg, &e); st != 403 || rule(e) != "cohort-size" {
			t.Fatalf("9 meters: %d %+v", st, e)
		}
		var ans struct {
			Meters int      `json:"meters"`
			Step   string   `json:"step"`
			Sum    []*int64 `json:"sum"`
			Count  []int    `json:"count"`
		}
		agg["consents"] = ids
		if st := terr.JSON("POST", "/api/v1/data/aggregates", agg, &ans); st != 200 || ans.Meters != 10 || ans.Step != "P1D" || len(ans.Sum) != 2 || ans.Sum[0] == nil || ans.Count[0] != 10 {
			t.Fatalf("10 meters: %d %+v", st, ans)
		}
		cohort := map[string]any{"cohort": map[string]string{"purpose": "climate-plan", "territory_kind": "epci", "territory_code": "242900769"},
			"from": "2025-01-01", "to": "2025-01-03", "step": "P1D"}
		if st := terr.JSON("POST", "/api/v1/data/aggregates", cohort, &ans); st != 200 || ans.Meters != 10 {
			t.Fatalf("cohort by territory: %d %+v", st, ans)
		}
		// The household's journal shows the aggregate, not the other households.
		var j struct {
			Items []struct {
				Kind     string   `json:"kind"`
				Cohort   int      `json:"cohort"`
				Subjects []string `json:"subjects"`
			} `json:"items"`
		}
		if st := h.c.JSON("GET", "/api/v1/me/journal", nil, &j); st != 200 {
			t.Fatalf("journal: %d", st)
		}
		kinds := map[string]bool{}
		for _, it := range j.Items {
			kinds[it.Kind] = true
		}
		if !kinds["read"] || !kinds["read.refused"] || !kinds["consent.withdrawn"] {
			t.Fatalf("household journal kinds: %v", kinds)
		}
	})
}

// Deleting an account erases its readings and consents at once; the
// recipient sees the consent withdrawn; the journal keeps the pseudonym
// and still verifies.
func TestDeleteAccountErasesData(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *apptest.App) {
		_, comm := recipientClient(t, a, regie.KindCommunity, "Communauté de test")
		h := newHousehold(t, a, 2, 0)
		var c struct {
			ID int64 `json:"id"`
		}
		if st := comm.JSON("POST", "/api/v1/consent-requests", map[string]any{"household_email": h.email, "purpose": "acc-operation", "data_categories": []string{"load_curve"},
			"data_from": "2025-01-01", "data_to": "2026-01-01", "finest_resolution": "PT30M", "validity_months": 12}, &c); st != 202 {
			t.Fatalf("request: %d", st)
		}
		if st := h.c.JSON("POST", fmt.Sprintf("/api/v1/me/consents/%d/give", c.ID), nil, nil); st != 200 {
			t.Fatalf("give: %d", st)
		}
		u, err := a.Auth.UserByEmail(context.Background(), h.email)
		if err != nil {
			t.Fatal(err)
		}
		pseudo, err := a.Regie.Pseudonym(context.Background(), u.ID)
		if err != nil || pseudo == "" {
			t.Fatal(err, pseudo)
		}
		count := func(q string, args ...any) int {
			var n int
			if err := a.DB.R.QueryRow(q, args...).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if count(`SELECT count(*) FROM regie_readings`) == 0 {
			t.Fatal("no readings before deletion")
		}
		before := count(`SELECT count(*) FROM regie_journal_subjects WHERE subject = $1`, pseudo)
		resp := h.c.Do("DELETE", "/api/v1/me", nil, nil)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			t.Fatalf("delete: %d", resp.StatusCode)
		}
		for _, q := range []string{`SELECT count(*) FROM regie_readings`, `SELECT count(*) FROM regie_meters`, `SELECT count(*) FROM regie_consents WHERE id = $1`,
			`SELECT count(*) FROM regie_consent_meters`, `SELECT count(*) FROM regie_consent_events WHERE consent_id = $1`, `SELECT count(*) FROM regie_subjects WHERE pseudonym = $2`} {
			args := []any{}
			if strings.Contains(q, "$1") {
				args = append(args, c.ID)
			}
			if strings.Contains(q, "$2") {
				q = strings.Replace(q, "$2", "$1", 1)
				args = []any{pseudo}
			}
			if n := count(q, args...); n != 0 {
				t.Errorf("%s: %d rows left", q, n)
			}
		}
		if after := count(`SELECT count(*) FROM regie_journal_subjects WHERE subject = $1`, pseudo); after <= before {
			t.Errorf("journal under the pseudonym: %d entries before, %d after (the erasure should be added, nothing removed)", before, after)
		}
		var list struct {
			Items []struct {
				ID      int64  `json:"id"`
				Status  string `json:"status"`
				Erased  bool   `json:"erased"`
				Subject string `json:"subject"`
			} `json:"items"`
		}
		if st := comm.JSON("GET", "/api/v1/consents", nil, &list); st != 200 || len(list.Items) != 1 || list.Items[0].Status != "withdrawn" || !list.Items[0].Erased || list.Items[0].Subject != pseudo {
			t.Fatalf("recipient's view: %d %+v", st, list)
		}
		var e apiError
		comm.JSON("GET", fmt.Sprintf("/api/v1/data/meters/%s/readings?consent=%d", h.prm, c.ID), nil, &e)
		if e.Error.Code != "forbidden" {
			t.Fatalf("read after erasure: %+v", e)
		}
		if _, err := a.Regie.VerifyJournal(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}

// fabrique audit verify exits 0 on an intact journal, and 1 naming the first
// bad entry after tampering with content, order or deletion.
func TestAuditVerifyCommand(t *testing.T) {
	for _, s := range dbtest.Configs(t) {
		t.Run(s.Name, func(t *testing.T) {
			ctx := context.Background()
			cfg := app.Config{DataDir: s.Cfg.DataDir, DatabaseURL: s.Cfg.URL}
			a, err := app.Build(ctx, cfg, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			if err := a.LoadDemo(ctx); err != nil {
				t.Fatal(err)
			}
			args := []string{"audit", "verify", "--data", s.Cfg.DataDir}
			if s.Cfg.URL != "" {
				args = []string{"audit", "verify", "--database", s.Cfg.URL}
			}
			run := func() (int, string) {
				var out, errb bytes.Buffer
				code := app.Main(ctx, append(args, "--log-level", "error"), nil, &out, &errb)
				return code, out.String() + errb.String()
			}
			if code, out := run(); code != 0 || !strings.Contains(out, "journal intact") {
				t.Fatalf("intact journal: exit %d, %s", code, out)
			}
			var n int64
			if err := a.DB.R.QueryRow(`SELECT max(seq) FROM regie_journal`).Scan(&n); err != nil || n < 20 {
				t.Fatalf("demo journal has %d entries (%v)", n, err)
			}
			var content string
			a.DB.R.QueryRow(`SELECT content FROM regie_journal WHERE seq = 7`).Scan(&content)
			tamper := []struct {
				name  string
				do    []string
				undo  []string
				entry int64
			}{
				{"content", []string{`UPDATE regie_journal SET content = replace(content, '"seq":7', '"seq":7 ') WHERE seq = 7`}, nil, 7},
				{"order", []string{`UPDATE regie_journal SET seq = -9 WHERE seq = 12`, `UPDATE regie_journal SET seq = 12 WHERE seq = 13`, `UPDATE regie_journal SET seq = 13 WHERE seq = -9`},
					[]string{`UPDATE regie_journal SET seq = -9 WHERE seq = 12`, `UPDATE regie_journal SET seq = 12 WHERE seq = 13`, `UPDATE regie_journal SET seq = 13 WHERE seq = -9`}, 12},
				{"deletion", []string{fmt.Sprintf(`DELETE FROM regie_journal WHERE seq = %d`, n)}, nil, n},
			}
			for _, tc := range tamper {
				for _, q := range tc.do {
					if _, err := a.DB.W.Exec(q); err != nil {
						t.Fatal(err)
					}
				}
				code, out := run()
				if code != 1 || !regexp.MustCompile(fmt.Sprintf(`entrée n° %d\b`, tc.entry)).MatchString(out) {
					t.Errorf("%s: exit %d, %s", tc.name, code, out)
				}
				for _, q := range tc.undo {
					if _, err := a.DB.W.Exec(q); err != nil {
						t.Fatal(err)
					}
				}
				if tc.name == "content" {
					if _, err := a.DB.W.Exec(`UPDATE regie_journal SET content = $1 WHERE seq = 7`, content); err != nil {
						t.Fatal(err)
					}
				}
				if tc.name != "deletion" {
					if code, out := run(); code != 0 {
						t.Fatalf("after undoing %s: exit %d %s", tc.name, code, out)
					}
				}
			}
			a.DB.Close()
		})
	}
}
