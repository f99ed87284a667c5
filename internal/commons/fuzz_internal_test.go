package commons

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/fabrique-des-energies/fabrique/internal/territory"
)

// FuzzCatalog: any catalogue document from another site is read without panic, and every
// dataset it yields either normalises into valid fields or is refused with field errors.
func FuzzCatalog(f *testing.F) {
	for _, s := range []string{
		`{"@type":"dcat:Catalog","dcat:dataset":[{"@id":"https://a.example/r/1","dct:identifier":"r1","dct:title":"Titre","dct:type":"methode","dct:license":{"@id":"https://spdx.org/licenses/MIT.html"}}]}`,
		`{"@graph":[{"@type":"http://www.w3.org/ns/dcat#Dataset","http://purl.org/dc/terms/title":[{"@value":"x","@language":"fr"}]}]}`,
		`{"dcat:dataset":{"dct:identifier":"solo","dct:spatial":[{"@id":"https://a.example/territoires/commune/29039"}],"dcat:theme":[{"skos:notation":"dialogue-enr"}]}}`,
		`{"@type":"dcat:Catalog","dcat:dataset":[{"dct:identifier":5,"dcat:distribution":[{"dcat:accessURL":"javascript:alert(1)"}]}],"hydra:view":{"hydra:next":{"@id":"?page=2"}}}`,
		`[]`, `{}`, `{"@graph":"x"}`,
	} {
		f.Add([]byte(s))
	}
	s := &Service{terr: territory.Default()}
	f.Fuzz(func(t *testing.T, b []byte) {
		var doc map[string]any
		if json.Unmarshal(b, &doc) != nil {
			return
		}
		sets, _, err := catalogNodes(doc)
		if err != nil {
			return
		}
		for _, d := range sets {
			it, err := s.parseDataset(d)
			if err != nil {
				continue
			}
			if it.id == "" {
				t.Fatal("dataset without identifier accepted")
			}
			fl := it.fields
			if err := normalize(&fl, s.terr, func(string) (string, bool) { return "", false }); err != nil {
				continue
			}
			for _, l := range fl.Links {
				if !strings.HasPrefix(l.URL, "http://") && !strings.HasPrefix(l.URL, "https://") {
					t.Fatalf("link %q kept", l.URL)
				}
			}
			if !Kinds.Has(fl.Kind) || !Licences.Has(fl.Licence) || runes(fl.Summary) > MaxSummary {
				t.Fatalf("invalid fields kept: %+v", fl)
			}
		}
	})
}

// FuzzParsePlace: territory references typed in forms, the API or catalogues.
func FuzzParsePlace(f *testing.F) {
	for _, s := range []string{"commune:29039", "29039", "epci:242900769", "departement:2A", "region:53", "Concarneau (commune:29039)", "2a004", ":", "((()", "commune:"} {
		f.Add(s)
	}
	ref := territory.Default()
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePlace(ref, s)
		if err != nil {
			return
		}
		if _, ok := ref.Get(territory.Kind(p.Kind), p.Code); !ok {
			t.Fatalf("%q gave %v, not in the referential", s, p)
		}
	})
}

// FuzzCleanFilename: uploaded file names.
func FuzzCleanFilename(f *testing.F) {
	for _, s := range []string{"rapport.pdf", "../../etc/passwd", "C:\\Users\\a\\b.docx", "\x00.csv", strings.Repeat("é", 300) + ".txt", "", ".", "a\"b\nc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := CleanFilename(s)
		if n == "" || strings.ContainsAny(n, "/\\\"\x00\n\r") || utf8.RuneCountInString(n) > 200 || n == ".." || n == "." {
			t.Fatalf("CleanFilename(%q) = %q", s, n)
		}
		cd := ContentDisposition(n)
		if strings.ContainsAny(cd, "\r\n") || !strings.HasPrefix(cd, `attachment; filename="`) {
			t.Fatalf("Content-Disposition %q", cd)
		}
	})
}

// FuzzSlugify: titles from people, imports and harvests.
func FuzzSlugify(f *testing.F) {
	for _, s := range []string{"Énergie citoyenne à Concarneau", "nouvelle", "", "---", "Ενέργεια", strings.Repeat("mot ", 40)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sl := Slugify(s)
		if sl == "" || len(sl) > 82 || strings.Trim(sl, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" || strings.HasPrefix(sl, "-") {
			t.Fatalf("Slugify(%q) = %q", s, sl)
		}
	})
}
