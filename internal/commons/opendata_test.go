package commons_test

import (
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/app/apptest"
	"github.com/fabrique-des-energies/fabrique/internal/commons"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
)

func TestOpenFormats(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *apptest.App) {
		anon := a.Anonymous()
		member := a.Login(a.NewUser(web.RoleMember))
		// A resource whose text would be read as a spreadsheet formula.
		post(t, member, "/ressources", url.Values{"title": {"=HYPERLINK(\"http://evil\")"}, "summary": {"@SUM(A1)"}, "kind": {"outil"}}, 303)
		var list listDoc
		anon.JSON("GET", "/api/v1/resources?limit=100", nil, &list)
		published := list.Total
		if published < 31 {
			t.Fatalf("demo content: %d published resources", published)
		}

		// DCAT-AP catalogue in JSON-LD.
		var cat map[string]any
		if err := json.Unmarshal([]byte(get(t, anon, "/catalog.jsonld", 200)), &cat); err != nil {
			t.Fatal(err)
		}
		sets := cat["dcat:dataset"].([]any)
		if cat["@type"] != "dcat:Catalog" || len(sets) != published || cat["hydra:view"].(map[string]any)["hydra:totalItems"].(float64) != float64(published) {
			t.Fatalf("catalogue: type %v, %d datasets for %d resources", cat["@type"], len(sets), published)
		}
		var guide map[string]any
		for _, s := range sets {
			d := s.(map[string]any)
			if d["dct:identifier"] == commons.SampleResource {
				guide = d
			}
			for _, k := range []string{"dct:title", "dct:description", "dct:modified", "dcat:landingPage", "dcat:theme", "dct:spatial"} {
				if _, ok := d[k]; !ok {
					t.Errorf("dataset %v lacks %s", d["dct:identifier"], k)
				}
			}
		}
		if guide == nil {
			t.Fatal("sample resource missing from the catalogue")
		}
		if guide["dct:license"].(map[string]any)["@id"] != "https://creativecommons.org/licenses/by-sa/4.0/" {
			t.Errorf("licence %v", guide["dct:license"])
		}
		dists := guide["dcat:distribution"].([]any)
		if len(dists) != 2 { // one link, one attached file
			t.Errorf("distributions %v", dists)
		}
		if sp := guide["dct:spatial"].([]any)[0].(map[string]any); sp["dct:identifier"] != "commune:69141" || sp["skos:prefLabel"] != "Mornant" {
			t.Errorf("spatial %v", sp)
		}

		// The same catalogue in Turtle, well formed.
		ttl := get(t, anon, "/catalog.ttl", 200)
		if n := strings.Count(ttl, " a dcat:Dataset ;"); n != published {
			t.Errorf("turtle: %d datasets, want %d", n, published)
		}
		if err := checkTurtle(ttl); err != nil {
			t.Errorf("turtle: %v", err)
		}

		// CSV: UTF-8 with BOM, ";" separated, one row per resource, formulas neutralised.
		raw := get(t, anon, "/resources.csv", 200)
		if !strings.HasPrefix(raw, "\ufeff") {
			t.Error("CSV without BOM")
		}
		r := csv.NewReader(strings.NewReader(strings.TrimPrefix(raw, "\ufeff")))
		r.Comma = ';'
		rows, err := r.ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(rows[0], ";") != strings.Join(commons.CSVHeader, ";") || len(rows) != published+1 {
			t.Fatalf("CSV: header %v, %d rows for %d resources", rows[0], len(rows)-1, published)
		}
		found := false
		for _, row := range rows[1:] {
			if strings.Contains(row[2], "HYPERLINK") {
				found = true
				if !strings.HasPrefix(row[2], "'=") || !strings.HasPrefix(row[3], "'@") {
					t.Errorf("formula not neutralised: %q %q", row[2], row[3])
				}
			}
		}
		if !found {
			t.Error("the formula resource is not in the CSV")
		}
		// The CSV follows the search filters.
		rows29, _ := csvRows(get(t, anon, "/resources.csv?territory=departement:29", 200))
		var l29 listDoc
		anon.JSON("GET", "/api/v1/resources?territory=departement:29", nil, &l29)
		if len(rows29) != l29.Total+1 || l29.Total == 0 {
			t.Errorf("filtered CSV: %d rows for %d resources", len(rows29)-1, l29.Total)
		}
		var act commons.ActorDoc
		anon.JSON("GET", "/api/v1/actors/"+commons.SampleActor, nil, &act)
		if rowsR, _ := csvRows(get(t, anon, "/acteurs/"+commons.SampleActor+"/ressources.csv", 200)); len(rowsR) != len(act.Resources)+1 || len(act.Resources) < 3 {
			t.Errorf("actor's resources CSV: %d rows for %d resources", len(rowsR)-1, len(act.Resources))
		}
		if rowsA, _ := csvRows(get(t, anon, "/actors.csv", 200)); len(rowsA) < 13 {
			t.Errorf("actors CSV: %d rows", len(rowsA))
		}

		// Atom feed of new and updated resources.
		var feed struct {
			Title   string `xml:"title"`
			Entries []struct {
				Title   string `xml:"title"`
				ID      string `xml:"id"`
				Updated string `xml:"updated"`
			} `xml:"entry"`
		}
		if err := xml.Unmarshal([]byte(get(t, anon, "/feed.atom", 200)), &feed); err != nil {
			t.Fatal(err)
		}
		if len(feed.Entries) != min(published, commons.FeedSize) || !strings.Contains(feed.Entries[0].Title, "HYPERLINK") {
			t.Fatalf("feed: %d entries, first %q", len(feed.Entries), feed.Entries[0].Title)
		}
		for i := 1; i < len(feed.Entries); i++ {
			a, _ := time.Parse(time.RFC3339, feed.Entries[i-1].Updated)
			b, _ := time.Parse(time.RFC3339, feed.Entries[i].Updated)
			if b.After(a) {
				t.Fatalf("feed not newest first at %d", i)
			}
		}

		// schema.org JSON-LD per resource page, typed by kind.
		for slug, typ := range map[string]string{commons.SampleResource: "CreativeWork",
			"donnees-ouvertes-de-production-photovoltaique-du-pays-mornantais": "Dataset",
			"logiciel-libre-de-calcul-des-cles-de-repartition":                 "SoftwareSourceCode"} {
			page := get(t, anon, "/ressources/"+slug, 200)
			m := jsonLD.FindStringSubmatch(page)
			var ld map[string]any
			if m == nil || json.Unmarshal([]byte(m[1]), &ld) != nil || ld["@type"] != typ || ld["@context"] != "https://schema.org" {
				t.Errorf("%s: JSON-LD %v", slug, ld)
			}
		}
		// Footer links to the open formats, navigation entry.
		home := get(t, anon, "/", 200)
		for _, want := range []string{`href="/catalog.jsonld"`, `href="/catalog.ttl"`, `href="/resources.csv"`, `href="/feed.atom"`, `<a href="/ressources">Ressources</a>`} {
			if !strings.Contains(home, want) {
				t.Errorf("home page lacks %s", want)
			}
		}
		// Territory pages list their resources, children included.
		var l69 listDoc
		anon.JSON("GET", "/api/v1/resources?territory=departement:69", nil, &l69)
		want := fmt.Sprintf(`href="/ressources?territory=departement:69">Toutes les ressources de ce territoire (%d)`, l69.Total)
		if p := get(t, anon, "/territoires/departement/69", 200); l69.Total < 5 || !strings.Contains(p, want) {
			t.Errorf("département page does not list the resources of its communes (%d): want %s", l69.Total, want)
		}
	}, apptest.WithDemo())
}

func csvRows(s string) ([][]string, error) {
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(s, "\ufeff")))
	r.Comma = ';'
	return r.ReadAll()
}

var (
	ttlIRI    = regexp.MustCompile(`^<[^<>"{}|^` + "`" + `\\\x00-\x20]*>`)
	ttlString = regexp.MustCompile(`^"(?:[^"\\\n\r]|\\[tbnrf"'\\]|\\u[0-9A-Fa-f]{4})*"(?:@[a-z]+(?:-[a-z0-9]+)*|\^\^[a-z]+:[A-Za-z]+)?`)
	ttlName   = regexp.MustCompile(`^(?:@prefix|a\b|[a-z]+:[A-Za-z][A-Za-z0-9]*|[a-z]+:)`)
	ttlNumber = regexp.MustCompile(`^[0-9]+`)
)

// checkTurtle tokenizes a Turtle document as this site writes it and checks its structure:
// valid IRIs and literals, balanced brackets, statements ended by a dot.
func checkTurtle(s string) error {
	depth, pending := 0, false
	line := 1
	for len(s) > 0 {
		switch c := s[0]; {
		case c == '\n':
			line++
			s = s[1:]
		case c == ' ' || c == '\t':
			s = s[1:]
		case c == '[':
			depth++
			s = s[1:]
		case c == ']':
			depth--
			if depth < 0 {
				return fmt.Errorf("line %d: unbalanced ]", line)
			}
			s = s[1:]
		case c == ';' || c == ',':
			s = s[1:]
		case c == '.':
			if depth != 0 {
				return fmt.Errorf("line %d: statement ends inside brackets", line)
			}
			pending = false
			s = s[1:]
		default:
			var m []int
			for _, re := range []*regexp.Regexp{ttlIRI, ttlString, ttlName, ttlNumber} {
				if m = re.FindStringIndex(s); m != nil {
					break
				}
			}
			if m == nil {
				return fmt.Errorf("line %d: unexpected %.40q", line, s)
			}
			pending = true
			s = s[m[1]:]
		}
	}
	if pending || depth != 0 {
		return fmt.Errorf("document ends inside a statement")
	}
	return nil
}

func TestCheckTurtleFindsErrors(t *testing.T) {
	for _, bad := range []string{`<a> <b> "x .`, `<a b> <c> <d> .`, `<a> <b> [ <c> <d> .`, `<a> <b> "x\q" .`} {
		if checkTurtle(bad) == nil {
			t.Errorf("accepted %q", bad)
		}
	}
	if err := checkTurtle("@prefix dct: <http://purl.org/dc/terms/> .\n<a> dct:title \"x \\\"y\\\"\"@fr ; dct:x [ a dct:Y ] .\n"); err != nil {
		t.Error(err)
	}
}
