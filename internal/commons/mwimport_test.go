package commons_test

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/app"
	"github.com/fabrique-des-energies/fabrique/internal/auth"
	"github.com/fabrique-des-energies/fabrique/internal/commons"
	"github.com/fabrique-des-energies/fabrique/internal/commons/mediawiki"
	"github.com/fabrique-des-energies/fabrique/internal/platform/markup"
)

// wikiExport is a small Special:Export file: two pages of the main namespace with several
// revisions (registered users, an IP, a hidden author), a talk page, hostile wikitext, and one
// revision with an unreadable timestamp.
const wikiExport = `<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/" version="0.11" xml:lang="fr">
  <siteinfo><sitename>Wiki des mobilités</sitename><dbname>wikimob</dbname><base>https://wiki.example/wiki/Accueil</base>
    <namespaces><namespace key="0" case="first-letter" /><namespace key="1" case="first-letter">Discussion</namespace><namespace key="14" case="first-letter">Catégorie</namespace></namespaces></siteinfo>
  <page><title>Covoiturage rural</title><ns>0</ns><id>10</id>
    <revision><id>100</id><timestamp>2015-03-01T10:00:00Z</timestamp><contributor><username>Alice Martin</username><id>3</id></contributor><comment>Création de la page</comment>
      <model>wikitext</model><format>text/x-wiki</format><text bytes="60">== Principe ==
Le '''covoiturage''' rural relie les [[Village|villages]].</text></revision>
    <revision><id>105</id><parentid>100</parentid><timestamp>2016-06-12T08:30:00Z</timestamp><contributor><ip>192.0.2.7</ip></contributor><comment>liste</comment>
      <text>== Principe ==
Le '''covoiturage''' rural relie les [[Village|villages]].
* arrêts matérialisés
* application mobile
[[Catégorie:Mobilité]]</text></revision>
    <revision><id>110</id><parentid>105</parentid><timestamp>2018-01-20T17:45:10Z</timestamp><contributor deleted="deleted" /><comment>ajout d'un modèle</comment>
      <text>== Principe ==
Le '''covoiturage''' rural relie les [[Village|villages]] ({{Infobox|statut=actif}}).
* arrêts matérialisés
* application mobile
[[Catégorie:Mobilité]]</text></revision>
  </page>
  <page><title>Discussion:Covoiturage rural</title><ns>1</ns><id>11</id>
    <revision><id>101</id><timestamp>2015-03-02T10:00:00Z</timestamp><contributor><username>Bob</username><id>4</id></contributor><text>Bonne idée.</text></revision>
  </page>
  <page><title>Page piégée</title><ns>0</ns><id>12</id>
    <revision><id>120</id><timestamp>2019-05-05T05:05:05Z</timestamp><contributor><username>Mallory</username><id>9</id></contributor><comment>&lt;script&gt;alert(1)&lt;/script&gt;</comment>
      <text>&lt;script&gt;alert('x')&lt;/script&gt; [javascript:alert(2) cliquer] &lt;span onmouseover="alert(3)"&gt;texte&lt;/span&gt; [https://example.org lien sûr]</text></revision>
    <revision><id>121</id><timestamp>hier soir</timestamp><contributor><username>Mallory</username><id>9</id></contributor><text>version perdue</text></revision>
    <revision><id>122</id><timestamp>2019-05-06T05:05:05Z</timestamp><contributor><username>Alice Martin</username><id>3</id></contributor><comment>nettoyage</comment>
      <text>Texte nettoyé, {{Modèle inconnu}} reste visible.</text></revision>
  </page>
</mediawiki>`

func importCLI(t *testing.T, dir, file string, extra ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	args := append([]string{"import", "mediawiki", file, "--data", dir, "--log-level", "error"}, extra...)
	code := app.Main(context.Background(), args, nil, &out, &errb)
	return code, out.String(), errb.String()
}

// A MediaWiki export imports with all revisions, authors and dates intact; a second import
// changes nothing; problems name their page and revision.
func TestMediaWikiImportCommand(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "export.xml")
	if err := os.WriteFile(file, []byte(wikiExport), 0o600); err != nil {
		t.Fatal(err)
	}
	// Dry run: everything is read, nothing written.
	code, out, errOut := importCLI(t, dir, file, "--dry-run")
	if !strings.Contains(out, "would import (dry run, nothing written) 5 new revisions") || code != 1 {
		t.Fatalf("dry run: %d %q %q", code, out, errOut)
	}
	code, out, errOut = importCLI(t, dir, file, "--licence", "CC-BY-SA-4.0")
	if code != 1 || !strings.Contains(out, `wiki "wikimob": 2 pages read (1 in other namespaces skipped); imported 5 new revisions`) {
		t.Fatalf("import: %d %q %q", code, out, errOut)
	}
	if !strings.Contains(errOut, `page "Page piégée", revision 121 (line `) || !strings.Contains(errOut, "timestamp") {
		t.Fatalf("the bad revision is not named: %q", errOut)
	}
	snapshot := func() string {
		var b strings.Builder
		withApp(t, dir, func(a *app.App) {
			rows, err := a.DB.R.Query(`SELECT r.slug, r.revision, r.updated_at, v.number, v.author_name, v.created_at, v.comment, v.origin
				FROM resources r JOIN commons_revisions v ON v.entity = 'resource' AND v.entity_id = r.id ORDER BY r.slug, v.number`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				var slug, author, comment, origin string
				var rev, n int
				var up, at time.Time
				if err := rows.Scan(&slug, &rev, &up, &n, &author, &at, &comment, &origin); err != nil {
					t.Fatal(err)
				}
				b.WriteString(strings.Join([]string{slug, itoa(int64(rev)), up.UTC().Format(time.RFC3339), itoa(int64(n)), author, at.UTC().Format(time.RFC3339), comment, origin}, "|") + "\n")
			}
		})
		return b.String()
	}
	first := snapshot()
	want := `covoiturage-rural|3|2018-01-20T17:45:10Z|1|Alice Martin|2015-03-01T10:00:00Z|Création de la page|mediawiki:wikimob:100
covoiturage-rural|3|2018-01-20T17:45:10Z|2|192.0.2.7|2016-06-12T08:30:00Z|liste|mediawiki:wikimob:105
covoiturage-rural|3|2018-01-20T17:45:10Z|3|(auteur masqué)|2018-01-20T17:45:10Z|ajout d'un modèle|mediawiki:wikimob:110
page-piegee|2|2019-05-06T05:05:05Z|1|Mallory|2019-05-05T05:05:05Z|<script>alert(1)</script>|mediawiki:wikimob:120
page-piegee|2|2019-05-06T05:05:05Z|2|Alice Martin|2019-05-06T05:05:05Z|nettoyage|mediawiki:wikimob:122
`
	if first != want {
		t.Fatalf("imported revisions:\n%s\nwant:\n%s", first, want)
	}
	// Importing the same file again changes nothing.
	code, out, _ = importCLI(t, dir, file, "--licence", "CC-BY-SA-4.0")
	if code != 1 || !strings.Contains(out, "imported 0 new revisions; 5 revisions already present") || !strings.Contains(out, "0 created, 0 updated, 2 unchanged") {
		t.Fatalf("second import: %d %q", code, out)
	}
	if again := snapshot(); again != first {
		t.Fatalf("second import changed the store:\n%s", again)
	}
	// The converted page: headings, bold, links, lists, the template kept as text, the
	// categories kept visible; hostile wikitext inert on the real page.
	withApp(t, dir, func(a *app.App) {
		r, err := a.Commons.Resource(context.Background(), "covoiturage-rural")
		if err != nil {
			t.Fatal(err)
		}
		html := string(markup.Render(r.Body))
		for _, want := range []string{"<h2>Principe</h2>", "<strong>covoiturage</strong>", `<a href="/ressources/village">villages</a>`, "<li>arrêts matérialisés</li>",
			"({{Infobox|statut=actif}})", "Catégories : Mobilité"} {
			if !strings.Contains(html, want) {
				t.Errorf("converted page lacks %q:\n%s", want, html)
			}
		}
		if r.Licence != "CC-BY-SA-4.0" || !r.CreatedAt.Equal(time.Date(2015, 3, 1, 10, 0, 0, 0, time.UTC)) {
			t.Errorf("licence %q created %v", r.Licence, r.CreatedAt)
		}
		u, err := a.Start()
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"/ressources/page-piegee/revisions/1", "/ressources/page-piegee/historique", "/ressources/page-piegee/diff?de=1&vers=2"} {
			resp, err := httpGet(u + p)
			if err != nil {
				t.Fatal(err)
			}
			if m := activeContent(resp); m != "" {
				t.Errorf("%s: active content %q", p, m)
			}
			if !strings.Contains(resp, "Mallory") {
				t.Errorf("%s: author lost", p)
			}
		}
	})
}

// The same import on both stores, from a generated export.
func TestMediaWikiImportGenerated(t *testing.T) {
	var buf bytes.Buffer
	if err := mediawiki.WriteExport(&buf, 25, 4, 7); err != nil {
		t.Fatal(err)
	}
	eachStore(t, func(t *testing.T, s *commons.Service, _ *auth.Service) {
		ctx := context.Background()
		var calls int
		rep, err := s.ImportMediaWiki(ctx, bytes.NewReader(buf.Bytes()), commons.ImportOptions{Size: int64(buf.Len()), BatchRevisions: 7,
			Progress: func(p commons.ImportProgress) { calls++ }})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Pages == 0 || rep.RevisionsAdded != rep.Revisions || rep.IssueCount != 0 || calls == 0 {
			t.Fatalf("report %+v (%d progress calls)", rep, calls)
		}
		again, err := s.ImportMediaWiki(ctx, bytes.NewReader(buf.Bytes()), commons.ImportOptions{})
		if err != nil || again.RevisionsAdded != 0 || again.RevisionsKnown != rep.Revisions {
			t.Fatalf("second import %+v %v", again, err)
		}
		n, _ := s.CountResources(ctx)
		if n != rep.PagesCreated {
			t.Fatalf("%d resources for %d pages", n, rep.PagesCreated)
		}
		res, err := s.Search(ctx, commons.SearchParams{Q: "mobilite OR energie"})
		if err != nil || res.Total == 0 {
			t.Fatalf("imported pages not searchable: %v %v", res, err)
		}
	})
}

func withApp(t *testing.T, dir string, fn func(a *app.App)) {
	t.Helper()
	cfg := app.Config{DataDir: dir, Addr: "127.0.0.1:0", LogLevel: "error"}
	a, err := app.Build(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Shutdown(context.Background())
	fn(a)
}

func httpGet(u string) (string, error) {
	resp, err := apptestHTTP.Get(u)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, err = b.ReadFrom(resp.Body)
	return b.String(), err
}

var apptestHTTP = &http.Client{Timeout: 30 * time.Second}
