package regie_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/app/apptest"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
	"github.com/fabrique-des-energies/fabrique/internal/regie"
)

// postFile sends a file through the import form, as a browser without
// JavaScript does.
func postFile(t *testing.T, a *apptest.App, c *apptest.Client, path string, file []byte) *http.Response {
	t.Helper()
	var mb bytes.Buffer
	w := multipart.NewWriter(&mb)
	fw, _ := w.CreateFormFile("file", "mes-mesures.csv")
	fw.Write(file)
	w.WriteField("format", "")
	w.Close()
	return c.Do("POST", path, &mb, http.Header{"Content-Type": {w.FormDataContentType()}, "Origin": {a.URL}, "Sec-Fetch-Site": {"same-origin"}})
}

func get(t *testing.T, c *apptest.Client, path string, want int) string {
	t.Helper()
	resp := c.Get(path)
	body := apptest.Body(t, resp)
	if resp.StatusCode != want {
		t.Fatalf("GET %s: %d, want %d: %.300s", path, resp.StatusCode, want, body)
	}
	return body
}

func post(t *testing.T, c *apptest.Client, path string, v url.Values, want int) *http.Response {
	t.Helper()
	resp := c.PostForm(path, v)
	if resp.StatusCode != want {
		t.Fatalf("POST %s: %d, want %d: %.400s", path, resp.StatusCode, want, apptest.Body(t, resp))
	}
	return resp
}

func mustContain(t *testing.T, what, body string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(body, p) {
			t.Errorf("%s lacks %q", what, p)
		}
	}
}

// The whole household and recipient journey through the HTML pages, with
// forms only (no JavaScript): register a meter, import a file (a malformed
// one is refused with its line), see the chart as SVG with its table and
// the daily and monthly totals, answer a request, let the recipient read,
// withdraw, see the refused read, read the journal in plain words, the
// receipts, the recipient's aggregate pages and the administration page.
func TestPagesWithoutJavaScript(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *apptest.App) {
		ctx := context.Background()
		email := a.NewUser(web.RoleMember)
		hh := a.Login(email)
		body := get(t, hh, "/mes-donnees", 200)
		mustContain(t, "empty dashboard", body, "Mes compteurs", `action="/mes-donnees/compteurs"`)
		prm := newPRM()
		resp := post(t, hh, "/mes-donnees/compteurs", url.Values{"prm": {prm[:4] + " " + prm[4:]}, "label": {"Maison"}, "commune": {"29039"}}, 303)
		if loc := resp.Header.Get("Location"); loc != "/mes-donnees/compteurs/"+prm {
			t.Fatalf("after adding: %s", loc)
		}
		resp = post(t, hh, "/mes-donnees/compteurs", url.Values{"prm": {"12345"}}, 422)
		mustContain(t, "refused PRM", apptest.Body(t, resp), "PRM invalide", "14 chiffres")

		bad := strings.Replace(string(curveFile(t, prm, jan, 2, 0)), "+01:00;", "+01:00;-", 3)
		resp = postFile(t, a, hh, "/mes-donnees/compteurs/"+prm+"/releves", []byte(bad))
		body = apptest.Body(t, resp)
		if resp.StatusCode != 422 || !regexp.MustCompile(`Ligne \d+`).MatchString(body) || !strings.Contains(body, "rien n&#39;a été enregistré") {
			t.Fatalf("malformed file through the form: %d %.500s", resp.StatusCode, body)
		}
		resp = postFile(t, a, hh, "/mes-donnees/compteurs/"+prm+"/releves", curveFile(t, prm, jan, 40, 0))
		resp.Body.Close()
		if resp.StatusCode != 303 {
			t.Fatalf("import through the form: %d", resp.StatusCode)
		}
		body = get(t, hh, "/mes-donnees/compteurs/"+prm, 200)
		mustContain(t, "meter page", body, `<svg class="regie-svg"`, `role="img"`, "<title id=\"courbe-title\">", "<caption>", `scope="col"`,
			"Consommation par jour", "Consommation par mois", "1920 valeurs lues", `data-times="`)
		mustContain(t, "dashboard overview", get(t, hh, "/mes-donnees", 200), "Ma consommation", `<svg class="regie-svg"`, "Consommation par mois")
		body = get(t, hh, "/mes-donnees/compteurs/"+prm+"?du=2025-01-01&au=2025-01-31&pas=P1D", 200)
		mustContain(t, "meter page by day", body, "pas de jour", "1 janvier 2025")

		// A community asks, the household answers in one click.
		rec, comm := recipientClient(t, a, regie.KindCommunity, "Communauté des pages")
		commUser, _ := a.Auth.UserByEmail(ctx, strings.TrimPrefix(emailOf(t, a, comm), ""))
		commPages := a.Login(commUser.Email)
		body = get(t, commPages, fmt.Sprintf("/destinataire/%d", rec.ID), 200)
		mustContain(t, "recipient page", body, "Demander un consentement", "Demander un agrégat")
		resp = post(t, commPages, fmt.Sprintf("/destinataire/%d/demandes", rec.ID), url.Values{"household_email": {email}, "purpose": {"acc-operation"},
			"categories": {"load_curve"}, "prms": {prm}, "data_from": {"2025-01-01"}, "data_to": {"2025-12-31"}, "resolution": {"PT30M"}, "mode": {"individual"},
			"validity_months": {"12"}, "retention_days": {"90"}}, 303)
		var consentID int64
		fmt.Sscanf(resp.Header.Get("Location"), fmt.Sprintf("/destinataire/%d/consentements/%%d", rec.ID), &consentID)
		if consentID == 0 {
			t.Fatalf("request redirect: %s", resp.Header.Get("Location"))
		}
		body = get(t, hh, "/mes-donnees", 200)
		mustContain(t, "dashboard with a request", body, "Communauté des pages", fmt.Sprintf(`action="/mes-donnees/consentements/%d/donner"`, consentID))
		body = get(t, hh, fmt.Sprintf("/mes-donnees/consentements/%d", consentID), 200)
		mustContain(t, "request page", body, "vous demande l&#39;accès à vos données", "Donner mon consentement", "Refuser")
		post(t, hh, fmt.Sprintf("/mes-donnees/consentements/%d/donner", consentID), url.Values{}, 303)
		body = get(t, hh, fmt.Sprintf("/mes-donnees/consentements/%d", consentID), 200)
		mustContain(t, "given consent", body, `id="consent-status">donné`, "Retirer mon consentement", "/recus/")

		// The recipient reads, the household withdraws, the next read is refused.
		readPath := fmt.Sprintf("/destinataire/%d/consentements/%d?prm=%s&du=2025-01-05&au=2025-01-06&pas=PT30M", rec.ID, consentID, prm)
		body = get(t, commPages, readPath, 200)
		mustContain(t, "recipient read", body, `<svg class="regie-svg"`, "Relevés du compteur")
		post(t, hh, fmt.Sprintf("/mes-donnees/consentements/%d/retirer", consentID), url.Values{}, 303)
		body = get(t, commPages, readPath, 403)
		mustContain(t, "refused read", body, `id="refusal"`, "règle « status »", "retiré")

		body = get(t, hh, "/mes-donnees/journal", 200)
		mustContain(t, "journal", body, "Communauté des pages", "a lu les relevés du compteur "+prm, "a tenté de lire", "accès refusé", "avez retiré votre consentement")
		if strings.Contains(body, "avez consulté") {
			t.Error("own views shown by default")
		}
		mustContain(t, "journal with own views", get(t, hh, "/mes-donnees/journal?moi=1", 200), "avez consulté")

		c, err := a.Regie.RecipientConsent(ctx, regie.Reader{UserID: commUser.ID, RecipientID: rec.ID}, consentID)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range c.Events {
			mustContain(t, "receipt page", get(t, hh, fmt.Sprintf("/recus/%d", ev.ID), 200), "SHA-256", "Entrée du journal")
			get(t, commPages, fmt.Sprintf("/recus/%d", ev.ID), 200)
		}
		other := a.As(web.RoleMember)
		get(t, other, fmt.Sprintf("/recus/%d", c.Events[0].ID), 403)
		get(t, other, "/mes-donnees/compteurs/"+prm, 403)
		get(t, other, fmt.Sprintf("/mes-donnees/consentements/%d", consentID), 403)
		get(t, other, fmt.Sprintf("/destinataire/%d", rec.ID), 403)

		// An aggregate request through the form: too small a cohort is refused, the answer page says why.
		resp = post(t, commPages, fmt.Sprintf("/destinataire/%d/agregats", rec.ID), url.Values{"purpose": {"acc-operation"}, "from": {"2025-01-01"}, "to": {"2025-01-31"}, "step": {"P1D"}}, 303)
		body = get(t, commPages, resp.Header.Get("Location"), 200)
		mustContain(t, "aggregate answer", body, "refusée", "cohort-size", "au moins 10")

		// Administration: recipients and members, no household data.
		admin := a.As(web.RoleAdmin)
		body = get(t, admin, "/admin/regie", 200)
		mustContain(t, "admin page", body, "Communauté des pages", "Nouveau destinataire")
		post(t, admin, "/admin/regie/destinataires", url.Values{"kind": {"researcher"}, "name": {"Équipe de test"}}, 303)
		post(t, admin, "/admin/regie/destinataires", url.Values{"kind": {"territory"}, "name": {"X"}}, 422)

		// The export is a zip.
		resp = hh.Get("/mes-donnees/export")
		zb := apptest.Body(t, resp)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/zip" || !strings.HasPrefix(zb, "PK") {
			t.Fatalf("export: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		_ = time.Now
	})
}

// emailOf returns the email of the account behind a token client.
func emailOf(t *testing.T, a *apptest.App, c *apptest.Client) string {
	t.Helper()
	var me struct {
		Email string `json:"email"`
	}
	if st := c.JSON("GET", "/api/v1/me", nil, &me); st != 200 {
		t.Fatalf("me: %d", st)
	}
	return me.Email
}
