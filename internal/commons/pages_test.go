package commons_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/fabrique-des-energies/fabrique/internal/app/apptest"
	"github.com/fabrique-des-energies/fabrique/internal/commons"
	"github.com/fabrique-des-energies/fabrique/internal/platform/markup"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
)

func get(t *testing.T, c *apptest.Client, path string, want int) string {
	t.Helper()
	resp := c.Get(path)
	body := apptest.Body(t, resp)
	if resp.StatusCode != want {
		t.Fatalf("GET %s: %d, want %d: %.500s", path, resp.StatusCode, want, body)
	}
	return body
}

func post(t *testing.T, c *apptest.Client, path string, v url.Values, want int) (string, *http.Response) {
	t.Helper()
	resp := c.PostForm(path, v)
	body := apptest.Body(t, resp)
	if resp.StatusCode != want {
		t.Fatalf("POST %s: %d, want %d: %.800s", path, resp.StatusCode, want, body)
	}
	return body, resp
}

var markdownDiv = regexp.MustCompile(`(?s)<div class="markdown">(.*?)</div>\s*(?:<aside|</section>|<h2|$)`)
var jsonLD = regexp.MustCompile(`(?s)<script type="application/ld\+json">(.*?)</script>`)

var (
	rawTag = regexp.MustCompile(`<([a-zA-Z][a-zA-Z0-9:-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>`)
	attr   = regexp.MustCompile(`\s([^\s"'>/=]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+))?`)
)

// activeContent returns the first raw tag of a page (escaped text is inert and skipped) that
// could run code: a script other than the site's own files and JSON-LD data, an embedding
// element, an event handler attribute or a script URL.
func activeContent(page string) string {
	for _, m := range rawTag.FindAllStringSubmatch(page, -1) {
		name, attrs := strings.ToLower(m[1]), m[2]
		switch name {
		case "script":
			if !strings.Contains(attrs, `type="application/ld+json"`) && !strings.Contains(attrs, `src="/static/`) {
				return m[0]
			}
		case "iframe", "object", "embed", "svg", "math", "base", "form":
			if name != "form" || strings.Contains(attrs, "javascript:") {
				return m[0]
			}
		}
		for _, a := range attr.FindAllStringSubmatch(attrs, -1) {
			key, val := strings.ToLower(a[1]), strings.ToLower(strings.Trim(a[2], `"'`))
			if strings.HasPrefix(key, "on") {
				return m[0]
			}
			switch key {
			case "href", "src", "action", "formaction", "xlink:href":
				v := strings.TrimSpace(val)
				if strings.HasPrefix(v, "javascript:") || strings.HasPrefix(v, "vbscript:") || strings.HasPrefix(v, "data:") {
					return m[0]
				}
			}
		}
	}
	return ""
}

// Hostile Markdown and field values never become active content on the real pages.
func TestHostileContentIsInert(t *testing.T) {
	a := apptest.Start(t)
	email := a.NewUser(web.RoleMember)
	c := a.Login(email)
	hostile := "# Titre\n\n<script>alert('body')</script>\n\n<img src=x onerror=alert(1)>\n\n[clic](javascript:alert(2)) [data](data:text/html;base64,PHNjcmlwdD4=)\n\n" +
		"<a href=\"javascript:alert(3)\" onclick=\"alert(4)\">lien</a>\n\n<iframe src=\"https://evil.example\"></iframe>\n\n![img](javascript:alert(5))\n\n" +
		"<svg onload=alert(6)></svg>\n\n<<script>script>alert(7)<</script>/script>\n\n[ok](https://example.org/ok)"
	v := url.Values{"title": {`Énergie <script>alert("titre")</script>`}, "summary": {`"><img src=x onerror=alert(8)> énergie`}, "body": {hostile},
		"kind": {"methode"}, "licence": {"CC-BY-4.0"}, "maturity": {"idee"}, "status": {"publiee"}, "comment": {`<b onmouseover=alert(9)>`},
		"link_url_0": {"https://example.org/a?x=\"><script>alert(10)</script>"}, "link_label_0": {`<script>alert(11)</script>`}, "link_type_0": {"site"}}
	_, resp := post(t, c, "/ressources", v, http.StatusSeeOther)
	page := resp.Header.Get("Location")
	// A javascript: link is refused as a field error, not stored.
	bad := url.Values{"title": {"Lien piégé"}, "link_url_0": {"javascript:alert(1)"}}
	body, _ := post(t, c, "/ressources", bad, http.StatusUnprocessableEntity)
	if !strings.Contains(body, "http:// ou https://") {
		t.Fatalf("javascript: link not refused with a clear message")
	}
	// Edit once so history and diff show the hostile text too.
	form := get(t, c, page+"/modifier", 200)
	v.Set("base_revision", regexp.MustCompile(`name="base_revision" value="(\d+)"`).FindStringSubmatch(form)[1])
	v.Set("body", hostile+"\n\n<script>alert('v2')</script>")
	post(t, c, page+"/modifier", v, http.StatusSeeOther)
	actor, _ := post(t, c, "/acteurs", url.Values{"name": {`<script>alert("acteur")</script> Asso`}, "kind": {"association"}, "description": {hostile}}, http.StatusSeeOther)
	_ = actor
	anon := a.Anonymous()
	pages := []string{page, page + "/historique", page + "/revisions/1", page + "/diff?de=1&vers=2", "/ressources?q=energie", "/ressources?q=%3Cscript%3E",
		"/acteurs", "/acteurs/script-alert-acteur-script-asso", "/feed.atom"}
	for _, p := range pages {
		body := get(t, anon, p, 200)
		if m := activeContent(body); m != "" {
			t.Errorf("%s: active content %q", p, m)
		}
		for _, md := range markdownDiv.FindAllStringSubmatch(body, -1) {
			if err := markup.CheckInert(md[1]); err != nil {
				t.Errorf("%s: rendered Markdown is not inert: %v", p, err)
			}
		}
		for _, ld := range jsonLD.FindAllStringSubmatch(body, -1) {
			var x any
			if err := json.Unmarshal([]byte(ld[1]), &x); err != nil || strings.Contains(strings.ToLower(ld[1]), "</script") {
				t.Errorf("%s: JSON-LD block broken or escapable: %v", p, err)
			}
		}
	}
	// The safe link is kept.
	if !strings.Contains(get(t, anon, page, 200), `href="https://example.org/ok"`) {
		t.Error("safe Markdown link lost")
	}
}

// The edit conflict page shows both versions and keeps everything the second editor typed.
func TestEditConflictPage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *apptest.App) {
		alice, bob := a.Login(a.NewUser(web.RoleMember)), a.Login(a.NewUser(web.RoleMember))
		_, resp := post(t, alice, "/ressources", url.Values{"title": {"Guide de la sobriété"}, "body": {"Ligne 1\nLigne 2"}, "kind": {"methode"}}, http.StatusSeeOther)
		page := resp.Header.Get("Location")
		base := regexp.MustCompile(`name="base_revision" value="(\d+)"`)
		fa, fb := get(t, alice, page+"/modifier", 200), get(t, bob, page+"/modifier", 200)
		if base.FindStringSubmatch(fa)[1] != "1" || base.FindStringSubmatch(fb)[1] != "1" {
			t.Fatal("both editors should start from revision 1")
		}
		post(t, alice, page+"/modifier", url.Values{"base_revision": {"1"}, "title": {"Guide de la sobriété"}, "body": {"Ligne 1\nLigne 2 corrigée par Alice"}, "kind": {"methode"}}, http.StatusSeeOther)
		mine := "Ligne 1\nLigne 2\nLigne 3 écrite par Bob, à ne pas perdre"
		body, _ := post(t, bob, page+"/modifier", url.Values{"base_revision": {"1"}, "title": {"Guide de la sobriété"}, "body": {mine}, "kind": {"methode"},
			"comment": {"ajout de Bob"}}, http.StatusConflict)
		for _, want := range []string{"Ligne 2 corrigée par Alice", "Ligne 3 écrite par Bob, à ne pas perdre", `name="base_revision" value="2"`, `value="ajout de Bob"`, "diff-insert"} {
			if !strings.Contains(body, want) {
				t.Errorf("conflict page lacks %q", want)
			}
		}
		// Bob's text is in the form's text area, unchanged.
		if !strings.Contains(body, `<textarea id="body" name="body" rows="16">`+strings.ReplaceAll(mine, "'", "&#39;")+`</textarea>`) {
			t.Errorf("the form does not hold Bob's text as typed")
		}
		// Saving again from revision 2 is a deliberate overwrite and succeeds.
		post(t, bob, page+"/modifier", url.Values{"base_revision": {"2"}, "title": {"Guide de la sobriété"}, "body": {mine}, "kind": {"methode"}}, http.StatusSeeOther)
		var doc commons.ResourceDoc
		a.Anonymous().JSON("GET", "/api/v1/resources/"+strings.TrimPrefix(page, "/ressources/"), nil, &doc)
		if doc.Revision != 3 || doc.Body != mine {
			t.Fatalf("after resolving: revision %d body %q", doc.Revision, doc.Body)
		}
	})
}

// Three reports hide a resource; a moderator restores it in bulk; every action is logged;
// a moderator blocks an account, which can no longer sign in.
func TestModerationFlow(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *apptest.App) {
		authorEmail := a.NewUser(web.RoleMember)
		author := a.Login(authorEmail)
		_, resp := post(t, author, "/ressources", url.Values{"title": {"Offre commerciale déguisée"}, "body": {"Achetez nos panneaux !"}}, http.StatusSeeOther)
		page := resp.Header.Get("Location")
		_, resp2 := post(t, author, "/ressources", url.Values{"title": {"Deuxième annonce"}, "body": {"Promotion"}}, http.StatusSeeOther)
		page2 := resp2.Header.Get("Location")
		for i := 0; i < commons.ReportsToHide; i++ {
			c := a.Login(a.NewUser(web.RoleMember))
			get(t, c, page+"/signaler", 200)
			_, r := post(t, c, page+"/signaler", url.Values{"reason": {"publicité"}}, http.StatusSeeOther)
			if i < commons.ReportsToHide-1 && r.Header.Get("Location") != page {
				t.Fatalf("report %d: back to %s", i, r.Header.Get("Location"))
			}
			post(t, c, page2+"/signaler", url.Values{"reason": {"publicité aussi"}}, http.StatusSeeOther)
		}
		get(t, a.Anonymous(), page, http.StatusNotFound)
		if strings.Contains(get(t, a.Anonymous(), "/ressources?q=annonce+OR+commerciale", 200), "Offre commerciale") {
			t.Fatal("hidden resource still in search")
		}
		mod := a.Login(a.NewUser(web.RoleModerator))
		queue := get(t, mod, "/moderation", 200)
		if !strings.Contains(queue, "Offre commerciale déguisée") || !strings.Contains(queue, "Deuxième annonce") || !strings.Contains(queue, "publicité") {
			t.Fatalf("queue: %.2000s", queue)
		}
		get(t, mod, page, 200) // moderators still see it
		items := regexp.MustCompile(`name="items" value="(resource:\d+)"`).FindAllStringSubmatch(queue, -1)
		if len(items) != 2 {
			t.Fatalf("queue items %v", items)
		}
		post(t, mod, "/moderation/actions", url.Values{"action": {"restore"}, "items": {items[0][1], items[1][1]}, "note": {"pas de publicité avérée"}}, http.StatusSeeOther)
		get(t, a.Anonymous(), page, 200)
		get(t, a.Anonymous(), page2, 200)
		log := get(t, mod, "/moderation/journal", 200)
		for _, want := range []string{"masquage automatique", "rétablissement", "pas de publicité avérée", commons.SystemName} {
			if !strings.Contains(log, want) {
				t.Errorf("log lacks %q", want)
			}
		}
		// Members cannot see the queue or the log.
		resp = author.Get("/moderation/journal")
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("member sees the log: %d", resp.StatusCode)
		}
		// Block the author from the queue: first report again so the item is listed.
		c := a.Login(a.NewUser(web.RoleMember))
		post(t, c, page+"/signaler", url.Values{"reason": {"récidive"}}, http.StatusSeeOther)
		queue = get(t, mod, "/moderation", 200)
		blockURL := regexp.MustCompile(`action="(/moderation/utilisateurs/\d+/bloquer)"`).FindStringSubmatch(queue)
		if blockURL == nil {
			t.Fatal("no block form in the queue")
		}
		post(t, mod, blockURL[1], url.Values{"reason": {}}, http.StatusUnprocessableEntity)
		post(t, mod, blockURL[1], url.Values{"reason": {"annonces répétées"}}, http.StatusSeeOther)
		r := a.Anonymous().PostForm("/connexion", url.Values{"email": {authorEmail}, "password": {apptest.Password}})
		r.Body.Close()
		if r.StatusCode == http.StatusSeeOther {
			t.Fatal("blocked account can still sign in")
		}
		// Its old session cannot write either.
		r = author.PostForm("/ressources", url.Values{"title": {"Encore une annonce"}})
		r.Body.Close()
		if r.StatusCode != http.StatusFound || !strings.HasPrefix(r.Header.Get("Location"), "/connexion") {
			t.Fatalf("blocked session writes: %d", r.StatusCode)
		}
		if !strings.Contains(get(t, mod, "/moderation/journal", 200), "annonces répétées") {
			t.Error("block not logged")
		}
		// Moderators cannot be blocked by moderation.
		other := a.NewUser(web.RoleModerator)
		u, _ := a.Auth.UserByEmail(context.Background(), other)
		post(t, mod, "/moderation/utilisateurs/"+itoa(u.ID)+"/bloquer", url.Values{"reason": {"essai"}}, http.StatusForbidden)
		// Exports of the moderation lists.
		if csv := get(t, mod, "/moderation/journal.csv", 200); !strings.Contains(csv, "auto-hide") {
			t.Error("log CSV lacks the automatic hiding")
		}
		get(t, mod, "/moderation.csv", 200)
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func upload(t *testing.T, c *apptest.Client, a *apptest.App, path, name string, data []byte) *http.Response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	return c.Do("POST", path, &buf, http.Header{"Content-Type": {mw.FormDataContentType()}, "Origin": {a.URL}, "Sec-Fetch-Site": {"same-origin"}})
}

// Attachments: stored in the database (so every instance serves them), content type sniffed,
// downloaded with a safe Content-Disposition, 20 MiB at most.
func TestAttachments(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *apptest.App) {
		c := a.Login(a.NewUser(web.RoleMember))
		_, resp := post(t, c, "/ressources", url.Values{"title": {"Fiche avec pièces jointes"}}, http.StatusSeeOther)
		page := resp.Header.Get("Location")
		pdf := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("x"), 3<<20)...) // spans several chunks
		for _, f := range []struct {
			name string
			data []byte
			want string
		}{
			{"rapport final.txt", pdf, "application/pdf"}, // the name lies, the content decides
			{"données.csv", []byte("a;b\n1;2\n"), "text/csv; charset=utf-8"},
			{"page.html", []byte("<html><script>alert(1)</script></html>"), "text/html; charset=utf-8"},
		} {
			r := upload(t, c, a, page+"/fichiers", f.name, f.data)
			r.Body.Close()
			if r.StatusCode != http.StatusSeeOther {
				t.Fatalf("upload %s: %d", f.name, r.StatusCode)
			}
		}
		var doc commons.ResourceDoc
		a.Anonymous().JSON("GET", "/api/v1"+strings.Replace(page, "/ressources/", "/resources/", 1), nil, &doc)
		if len(doc.Attachments) != 3 {
			t.Fatalf("attachments %+v", doc.Attachments)
		}
		wants := []string{"application/pdf", "text/csv; charset=utf-8", "text/html; charset=utf-8"}
		for i, at := range doc.Attachments {
			if at.ContentType != wants[i] {
				t.Errorf("%s: type %q, want %q", at.Filename, at.ContentType, wants[i])
			}
			r := a.Anonymous().Get(strings.TrimPrefix(at.URL, a.Web.Config().BaseURL))
			b, _ := io.ReadAll(r.Body)
			r.Body.Close()
			cd := r.Header.Get("Content-Disposition")
			if r.StatusCode != 200 || !strings.HasPrefix(cd, "attachment;") || !strings.Contains(r.Header.Get("Content-Security-Policy"), "sandbox") {
				t.Errorf("%s: %d %q %q", at.Filename, r.StatusCode, cd, r.Header.Get("Content-Security-Policy"))
			}
			if int64(len(b)) != at.Size {
				t.Errorf("%s: %d bytes served, %d stored", at.Filename, len(b), at.Size)
			}
		}
		if cd := commons.ContentDisposition("données \"finales\".csv"); cd != `attachment; filename="donn_es _finales_.csv"; filename*=UTF-8''donn%C3%A9es%20%22finales%22.csv` {
			t.Errorf("Content-Disposition %q", cd)
		}
		// More than 20 MiB is refused.
		r := upload(t, c, a, page+"/fichiers", "gros.bin", make([]byte, commons.MaxAttachment+1))
		r.Body.Close()
		if r.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("oversized upload: %d", r.StatusCode)
		}
		// Removing the file.
		_, rr := post(t, c, page+"/fichiers/"+itoa(doc.Attachments[2].ID)+"/supprimer", url.Values{}, http.StatusSeeOther)
		_ = rr
		a.Anonymous().JSON("GET", "/api/v1"+strings.Replace(page, "/ressources/", "/resources/", 1), nil, &doc)
		if len(doc.Attachments) != 2 {
			t.Fatalf("after removal: %d attachments", len(doc.Attachments))
		}
	})
}

// The detector used above finds what it must.
func TestActiveContentDetector(t *testing.T) {
	for _, c := range []struct {
		html   string
		active bool
	}{
		{`<img src=x onerror=alert(1)>`, true},
		{`<a href="javascript:alert(1)">x</a>`, true},
		{`<a href=" JavaScript:alert(1)">x</a>`, true},
		{`<p><script>alert(1)</script></p>`, true},
		{`<iframe src="https://evil.example"></iframe>`, true},
		{`<div OnClick='x()'>`, true},
		{`<p>&lt;img src=x onerror=alert(1)&gt;</p>`, false},
		{`<meta name="description" content="&lt;a onclick=x&gt;">`, false},
		{`<script type="application/ld+json">{"a":1}</script><script src="/static/js/x.js" defer></script>`, false},
		{`<a href="https://example.org/?q=javascript:x">ok</a>`, false},
	} {
		if got := activeContent(c.html) != ""; got != c.active {
			t.Errorf("%q: active=%v, want %v", c.html, got, c.active)
		}
	}
}
