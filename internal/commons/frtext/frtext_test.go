package frtext

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestFold(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Énergie", "energie"},
		{"ŒUVRE cœur", "oeuvre coeur"},
		{"Prats-de-Mollo-la-Preste", "prats-de-mollo-la-preste"},
		{"Straße Øresund Łódź", "strasse oresund lodz"},
		{"déjà vu", "deja vu"},
		{"plain ascii", "plain ascii"},
	} {
		if got := Fold(c.in); got != c.want {
			t.Errorf("Fold(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// Words of one family meet on one stem; unrelated words do not.
func TestStemFamilies(t *testing.T) {
	families := [][]string{
		{"énergie", "énergies", "énergétique", "énergétiques", "Énergie"},
		{"coopérative", "coopératives", "coopération", "coopérateur", "coopératif"},
		{"territoire", "territoires", "territorial", "territoriale", "territoriaux"},
		{"citoyen", "citoyenne", "citoyens", "citoyennes"},
		{"participatif", "participative", "participation", "participer"},
		{"rénovation", "rénover", "rénovations"},
		{"économie", "économique", "économiques"},
		{"réseau", "réseaux"},
		{"gouvernance", "gouvernement"},
		{"donnée", "données"},
		{"mobilité", "mobilités", "mobile"},
		{"social", "sociale", "sociaux", "société"},
		{"local", "locale", "locaux"},
		{"solaire", "solaires"},
	}
	for _, fam := range families {
		want := Terms(fam[0], 0)
		if len(want) != 1 {
			t.Fatalf("%q gives %v", fam[0], want)
		}
		for _, w := range fam[1:] {
			if got := Terms(w, 0); len(got) != 1 || got[0] != want[0] {
				t.Errorf("%q → %v, want %v (as %q)", w, got, want, fam[0])
			}
		}
	}
	apart := [][2]string{{"énergie", "enfant"}, {"chaleur", "chantier"}, {"commun", "compteur"}, {"solaire", "social"}, {"vent", "ventilation"}}
	for _, p := range apart {
		if a, b := Terms(p[0], 0), Terms(p[1], 0); reflect.DeepEqual(a, b) {
			t.Errorf("%q and %q share %v", p[0], p[1], a)
		}
	}
}

func TestTerms(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"L'énergie des citoyens", []string{"energ", "citoyen"}},
		{"Plan climat-air-énergie territorial (PCAET) 2030", []string{"plan", "climat", "air", "energ", "territ", "pcaet", "2030"}},
		{"a b c 7", []string{"7"}},
		{"CO2 et kWc", []string{"co2", "kwc"}},
		{"Ενέργεια", []string{"u3b5u3bdu3b5u3c1u3b3u3b5u3b9u3b1"}},
		{"", nil},
	} {
		if got := Terms(c.in, 0); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Terms(%q) = %v, want %v", c.in, got, c.want)
		}
	}
	if got := Terms("un deux trois quatre cinq", 2); len(got) != 2 {
		t.Errorf("max not applied: %v", got)
	}
	long := strings.Repeat("x", MaxTokenLen+1)
	if got := Terms(long+" court", 0); !reflect.DeepEqual(got, []string{"court"}) {
		t.Errorf("long token kept: %v", got)
	}
}

func TestDocumentCapsTokens(t *testing.T) {
	body := strings.Repeat("énergie ", MaxTokens+50)
	doc := Document("Titre", body)
	if n := len(strings.Fields(doc)); n != MaxTokens {
		t.Fatalf("document has %d tokens, want %d", n, MaxTokens)
	}
	if !strings.HasPrefix(doc, "titr energ") {
		t.Fatalf("fields out of order: %.30s", doc)
	}
}

func TestParse(t *testing.T) {
	for _, c := range []struct {
		in, str, fts, ts string
	}{
		{"énergie citoyenne", `energ citoyen`, `"energ" AND "citoyen"`, `(('energ')) & (('citoyen'))`},
		{`"maison de la culture"`, `"maison cultur"`, `"maison cultur"`, `(('maison' <-> 'cultur'))`},
		{"coop*", `coop*`, `"coop" *`, `(('coop':*))`},
		{"énergies*", `energ*`, `"energ" *`, `(('energ':*))`},
		{"solaire OR éolien", `solair OR eolien`, `("solair" OR "eolien")`, `(('solair') | ('eolien'))`},
		{"solaire | éolien bois", `solair OR eolien boi`, `("solair" OR "eolien") AND "boi"`, `(('solair') | ('eolien')) & (('boi'))`},
		{"énergie -nucléaire", `energ -nucleair`, `"energ" NOT "nucleair"`, `(('energ')) & !(('nucleair'))`},
		{"auto-consommation", `"auto consom"`, `"auto consom"`, `(('auto' <-> 'consom'))`},
		{"de la", ``, ``, ``},
		{`"non fermé`, `"non ferm"`, `"non ferm"`, `(('non' <-> 'ferm'))`},
		{"x* OR", ``, ``, ``},
	} {
		q, err := Parse(c.in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", c.in, err)
		}
		if got := q.String(); got != c.str {
			t.Errorf("Parse(%q).String() = %q, want %q", c.in, got, c.str)
		}
		if got := q.FTS5(); got != c.fts {
			t.Errorf("Parse(%q).FTS5() = %q, want %q", c.in, got, c.fts)
		}
		if got := q.TSQuery(); got != c.ts {
			t.Errorf("Parse(%q).TSQuery() = %q, want %q", c.in, got, c.ts)
		}
	}
}

func TestParseOnlyExclusions(t *testing.T) {
	q, err := Parse("-charbon")
	if err != nil {
		t.Fatal(err)
	}
	if q.FTS5() != "" || q.NotFTS5() != `"charbon"` || q.NotTSQuery() != `(('charbon'))` || q.Empty() {
		t.Fatalf("exclusion-only query: %q %q %q", q.FTS5(), q.NotFTS5(), q.NotTSQuery())
	}
}

func TestParseLimits(t *testing.T) {
	if _, err := Parse(strings.Repeat("é", MaxQueryRunes+1)); err == nil {
		t.Error("overlong query accepted")
	}
	if _, err := Parse(strings.Repeat("mot ", MaxClauses) + "encore"); err == nil {
		t.Error("too many clauses accepted")
	}
}

func TestAtomMatches(t *testing.T) {
	toks := Terms("Les coopératives citoyennes d'énergie renouvelable", 0)
	for _, c := range []struct {
		q    string
		want bool
	}{
		{"coopérative", true},
		{`"coopératives citoyennes"`, true},
		{`"citoyennes coopératives"`, false},
		{"renouv*", true},
		{"éolien", false},
	} {
		q, _ := Parse(c.q)
		if got := q.Must[0].Alts[0].Matches(toks); got != c.want {
			t.Errorf("%q in %v: %v, want %v", c.q, toks, got, c.want)
		}
	}
}

// FuzzParse: any input parses without panic into ASCII expressions that only quote tokens.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"énergie citoyenne", `"a b" -c OR d*`, `"""`, "-", "|||", "OR OR", "x*", "l'été 2030", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := Parse(s)
		if err != nil {
			if utf8.RuneCountInString(s) <= MaxQueryRunes && !strings.Contains(err.Error(), "at most") {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		for _, expr := range []string{q.FTS5(), q.NotFTS5(), q.TSQuery(), q.NotTSQuery()} {
			for _, r := range expr {
				if r >= utf8.RuneSelf {
					t.Fatalf("non-ASCII in %q", expr)
				}
			}
		}
		for _, c := range q.Must {
			for _, a := range c.Alts {
				for _, term := range a.Terms {
					if term == "" || strings.Trim(term, "abcdefghijklmnopqrstuvwxyz0123456789") != "" {
						t.Fatalf("bad term %q", term)
					}
				}
			}
		}
	})
}

func TestFirstMatch(t *testing.T) {
	for _, c := range []struct {
		text  string
		terms []string
		want  int
	}{
		{"La synergie des Énergies locales", []string{"energ"}, 16},
		{"Cœur de l'œuvre", []string{"oeuvr"}, 10},
		{"rien ici", []string{"energ"}, -1},
		{"énergie", []string{"xyz", "energ"}, 0},
		{"fin: Énergie", []string{"energ"}, 5},
		{"", nil, -1},
	} {
		if got := FirstMatch(c.text, c.terms); got != c.want {
			t.Errorf("FirstMatch(%q, %v) = %d, want %d", c.text, c.terms, got, c.want)
		}
	}
}
