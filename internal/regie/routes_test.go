package regie_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/fabrique-des-energies/fabrique/internal/app/apptest"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
	"github.com/fabrique-des-energies/fabrique/internal/regie"
)

// canaryWatts gives a value found nowhere else: 97,531 Wh per half-hour.
const canaryWatts = 2 * 97531

// The traces stand alone: not inside a longer number such as a latency
// in /metrics (0.00975314…).
var canaryTraces = regexp.MustCompile(`(?:^|[^\d.,]|[^\d][.,])(?:97531|97[,.\x{202f} ]531|4681488|4[,.\x{202f} ]681[,.\x{202f} ]488|4[,.\x{202f} ]681[,.]5)(?:[^\d]|$)`)

// No route of the application — page, API, export, administration — lets
// anyone but the household itself, or a recipient under a consent, reach
// household readings. The test enumerates every route of the app as an
// anonymous visitor, a member, a moderator and an administrator, with the
// demo samples and with the ids of a canary household (its PRM, its consent,
// its receipt) put into every wildcard: no answer may carry the canary's
// values, every route returning household data is marked Household and
// refuses the administrator the canary's data, and the journal records no
// read of the canary's data. A recipient under the canary's consent does
// see the values: the detection works.
func TestNoRouteReachesHouseholdDataWithoutConsent(t *testing.T) {
	a := apptest.Start(t, apptest.WithDemo())
	ctx := context.Background()
	canary := newHousehold(t, a, 3, canaryWatts)
	cu, err := a.Auth.UserByEmail(ctx, canary.email)
	if err != nil {
		t.Fatal(err)
	}
	// The demo community asks the canary; the canary gives.
	yann := a.WithToken(a.Token("yann.le-goff@demo.example"))
	var c struct {
		ID     int64 `json:"id"`
		Events []struct {
			ID int64 `json:"id"`
		} `json:"events"`
	}
	if st := yann.JSON("POST", "/api/v1/consent-requests", map[string]any{"household_email": canary.email, "purpose": "acc-operation", "data_categories": []string{"load_curve"},
		"meters": []string{canary.prm}, "data_from": "2025-01-01", "data_to": "2026-01-01", "finest_resolution": "PT30M", "validity_months": 12}, &c); st != 202 {
		t.Fatalf("request: %d", st)
	}
	if st := canary.c.JSON("POST", fmt.Sprintf("/api/v1/me/consents/%d/give", c.ID), nil, &c); st != 200 {
		t.Fatalf("give: %d", st)
	}
	pseudo, err := a.Regie.Pseudonym(ctx, cu.ID)
	if err != nil {
		t.Fatal(err)
	}
	journalBefore, err := a.Regie.VerifyJournal(ctx)
	if err != nil {
		t.Fatal(err)
	}

	roles := map[string]*apptest.Client{"anonymous": a.Anonymous()}
	for _, r := range []web.Role{web.RoleMember, web.RoleModerator, web.RoleAdmin} {
		roles[string(r)] = a.WithToken(a.Token(a.NewUser(r)))
	}
	wild := regexp.MustCompile(`\{[a-z]+\}`)
	substitute := func(pattern string) string {
		return wild.ReplaceAllStringFunc(pattern, func(w string) string {
			switch w {
			case "{prm}":
				return canary.prm
			case "{id}":
				if strings.HasPrefix(pattern, "/recus/") || strings.HasPrefix(pattern, "/api/v1/receipts/") {
					return fmt.Sprint(c.Events[len(c.Events)-1].ID)
				}
				return fmt.Sprint(c.ID)
			case "{rid}":
				return fmt.Sprint(regie.DemoSamples.Recipient)
			}
			return "1"
		})
	}
	dataPath := regexp.MustCompile(`^/(mes-donnees|destinataire/\{rid\}/(consentements|agregats)|api/v1/(me/meters/\{prm\}/readings|me/export|me/journal|data/))`)
	household := 0
	for _, rt := range a.Web.Routes() {
		if rt.Method == "DELETE" || rt.Pattern == "/deconnexion" {
			continue // account deletion and sign-out end the test's sessions
		}
		if dataPath.MatchString(rt.Pattern) && rt.Method == "GET" && !rt.Household {
			t.Errorf("%s %s returns household data but is not marked Household", rt.Method, rt.Pattern)
		}
		if rt.Household {
			household++
		}
		paths := []string{rt.Path()}
		if strings.Contains(rt.Pattern, "{") {
			p := substitute(rt.Pattern)
			if strings.Contains(rt.Pattern, "/data/meters/") {
				p += fmt.Sprintf("?consent=%d&from=2025-01-01&to=2025-01-03", c.ID)
			}
			paths = append(paths, p)
		}
		for name, cl := range roles {
			for _, p := range paths {
				var resp *http.Response
				if rt.Method == "GET" {
					resp = cl.Do("GET", p, nil, nil)
				} else {
					resp = cl.Do(rt.Method, p, strings.NewReader(url.Values{}.Encode()), http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
				}
				body := apptest.Body(t, resp)
				if m := canaryTraces.FindString(body); m != "" {
					t.Errorf("%s %s as %s: the answer carries the canary's data (%q)", rt.Method, p, name, m)
				}
				if rt.Household && name == "admin" && p != rt.Path() && resp.StatusCode < 300 && strings.Contains(p, canary.prm) {
					t.Errorf("%s %s as admin: %d, want a refusal", rt.Method, p, resp.StatusCode)
				}
			}
		}
	}
	if household < 10 {
		t.Fatalf("only %d routes marked Household", household)
	}
	// Nobody read the canary's data: no granted read, aggregate or export
	// names its pseudonym.
	page, err := a.Regie.SubjectJournal(ctx, cu.ID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range page.Entries {
		if e.Seq <= journalBefore.Entries {
			continue
		}
		if (e.Kind == regie.JRead || e.Kind == regie.JAggregate || e.Kind == regie.JExport || e.Kind == regie.JOwnRead) && e.Outcome == regie.OutcomeGranted {
			t.Errorf("journal entry %d: %s of %s's data by %s %s", e.Seq, e.Kind, pseudo, e.Actor, e.ActorID)
		}
	}
	// The one who holds the consent does read the values.
	resp := yann.Do("GET", fmt.Sprintf("/api/v1/data/meters/%s/readings?consent=%d&from=2025-01-01&to=2025-01-02", canary.prm, c.ID), nil, nil)
	if body := apptest.Body(t, resp); resp.StatusCode != 200 || !canaryTraces.MatchString(body) {
		t.Fatalf("the recipient under consent does not see the canary: %d %.200s", resp.StatusCode, body)
	}
}
