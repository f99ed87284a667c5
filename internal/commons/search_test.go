package commons_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/fabrique-des-energies/fabrique/internal/auth"
	"github.com/fabrique-des-energies/fabrique/internal/commons"
	"github.com/fabrique-des-energies/fabrique/internal/platform/db/dbtest"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
)

// searchCorpus covers the cases of the shared search test: families of words, accents, places
// at several levels, ranking by field.
var searchCorpus = []commons.Fields{
	{Title: "Énergie citoyenne à Concarneau", Summary: "Une coopérative de production solaire.", Body: "Toitures des écoles.",
		Kind: "retour-experience", Licence: "CC-BY-4.0", Themes: []string{"ancrage-territorial"}, Territories: []commons.Place{{Kind: "commune", Code: "29039"}}, Maturity: "mature"},
	{Title: "Tableau de bord des consommations", Summary: "Suivre les énergies d'un patrimoine communal.", Body: "Relevés mensuels.",
		Kind: "outil", Licence: "MIT", Themes: []string{"gouvernance-donnees", "pole-donnees"}, Territories: []commons.Place{{Kind: "epci", Code: "242900769"}}, Maturity: "utilisable"},
	{Title: "Rénovation des écoles", Summary: "Retour sur trois chantiers.", Body: "La performance énergétique a doublé après les travaux.",
		Kind: "retour-experience", Licence: "Etalab-2.0", Themes: []string{"pole-residences"}, Territories: []commons.Place{{Kind: "commune", Code: "69141"}}, Maturity: "utilisable"},
	{Title: "Dialogue autour d'un projet éolien", Summary: "Méthode de concertation.", Body: "Les oppositions au parc éolien ont été écoutées.",
		Kind: "methode", Licence: "CC-BY-SA-4.0", Themes: []string{"dialogue-enr", "pole-dialogue"}, Territories: []commons.Place{{Kind: "departement", Code: "66"}}, Maturity: "en-construction"},
	{Title: "Données de production photovoltaïque", Summary: "Jeu de données ouvert, pas de 30 minutes.", Body: "Production mesurée en kWh par installation. Énergies renouvelables.",
		Kind: "donnees", Licence: "ODbL-1.0", Themes: []string{"gouvernance-donnees"}, Territories: []commons.Place{{Kind: "commune", Code: "66150"}}, Maturity: "mature"},
	{Title: "Kit solaire pour la médiation", Summary: "Atelier pour comprendre la production d'électricité.", Body: "Les coopératives l'utilisent en médiation.",
		Kind: "formation", Licence: "CC0-1.0", Themes: []string{"pole-mediation"}, Territories: []commons.Place{{Kind: "region", Code: "53"}}, Maturity: "idee"},
	{Title: "Maison de la culture et de l'énergie", Summary: "Un lieu ressource.", Body: "Programme d'animations.",
		Kind: "autre", Licence: "non-precisee", Themes: []string{"ancrage-territorial"}, Maturity: "idee"},
	{Title: "Logiciel de clés de répartition", Summary: "Calcule les coefficients d'autoconsommation collective.", Body: "Écrit en Go, sous licence libre.",
		Kind: "logiciel", Licence: "AGPL-3.0-or-later", Themes: []string{"pole-donnees"}, Territories: []commons.Place{{Kind: "commune", Code: "29039"}, {Kind: "commune", Code: "29233"}}, Maturity: "utilisable"},
	{Title: "Archives du séminaire", Summary: "Séminaire énergie 2021.", Body: "Compte rendu.", Kind: "publication", Licence: "CC-BY-4.0", Status: "archivee"},
	{Title: "Brouillon sur l'énergie", Summary: "Pas encore publié.", Body: "Énergie.", Kind: "autre", Status: "brouillon"},
}

type searchCase struct {
	name string
	p    commons.SearchParams
	// check verifies what the result must be, on any store.
	check func(t *testing.T, got searchOutcome)
}

type searchOutcome struct {
	Total  int
	Slugs  []string
	Facets string
}

func wantSlugs(want ...string) func(t *testing.T, got searchOutcome) {
	return func(t *testing.T, got searchOutcome) {
		t.Helper()
		if !slices.Equal(got.Slugs, want) {
			t.Errorf("got %v, want %v", got.Slugs, want)
		}
	}
}

func wantSet(want ...string) func(t *testing.T, got searchOutcome) {
	return func(t *testing.T, got searchOutcome) {
		t.Helper()
		a, b := slices.Clone(got.Slugs), slices.Clone(want)
		slices.Sort(a)
		slices.Sort(b)
		if !slices.Equal(a, b) {
			t.Errorf("got %v, want the set %v", got.Slugs, want)
		}
	}
}

const (
	sConcarneau = "energie-citoyenne-a-concarneau"
	sTableau    = "tableau-de-bord-des-consommations"
	sRenov      = "renovation-des-ecoles"
	sEolien     = "dialogue-autour-d-un-projet-eolien"
	sDonnees    = "donnees-de-production-photovoltaique"
	sKit        = "kit-solaire-pour-la-mediation"
	sMaison     = "maison-de-la-culture-et-de-l-energie"
	sLogiciel   = "logiciel-de-cles-de-repartition"
	sArchives   = "archives-du-seminaire"
)

var searchCases = []searchCase{
	// Stemming, accents and case: énergie, énergies, énergétique meet; title before summary
	// before body; equal scores keep the most recent first.
	{"energie", commons.SearchParams{Q: "energie"}, wantSlugs(sMaison, sConcarneau, sTableau, sDonnees, sRenov)},
	{"ÉNERGÉTIQUE", commons.SearchParams{Q: "ÉNERGÉTIQUE"}, wantSlugs(sMaison, sConcarneau, sTableau, sDonnees, sRenov)},
	{"plural", commons.SearchParams{Q: "coopératives"}, wantSet(sConcarneau, sKit)},
	{"prefix", commons.SearchParams{Q: "photo*"}, wantSlugs(sDonnees)},
	{"short prefix", commons.SearchParams{Q: "co*"}, wantSet(sConcarneau, sTableau, sKit, sLogiciel, sEolien)},
	{"phrase", commons.SearchParams{Q: `"parc éolien"`}, wantSlugs(sEolien)},
	{"phrase order", commons.SearchParams{Q: `"éolien parc"`}, wantSlugs()},
	{"phrase over stop words", commons.SearchParams{Q: `"maison de la culture"`}, wantSlugs(sMaison)},
	{"and", commons.SearchParams{Q: "solaire production"}, wantSlugs(sKit, sConcarneau)},
	{"or", commons.SearchParams{Q: "éolien OR photovoltaïque"}, wantSlugs(sDonnees, sEolien)},
	{"not", commons.SearchParams{Q: "énergie -solaire"}, wantSlugs(sMaison, sTableau, sDonnees, sRenov)},
	{"only not", commons.SearchParams{Q: "-énergie"}, wantSet(sEolien, sKit, sLogiciel)},
	{"contributor territory name", commons.SearchParams{Q: "mornant"}, wantSlugs(sRenov)},
	{"nothing", commons.SearchParams{Q: "hydrogène"}, wantSlugs()},
	{"stop words only", commons.SearchParams{Q: "de la"}, func(t *testing.T, got searchOutcome) {
		if got.Total != 8 {
			t.Errorf("stop words only should list everything published: %d", got.Total)
		}
	}},
	// Territory filter includes children: the département finds its communes' resources,
	// the EPCI its member communes'; the région those of its départements.
	{"departement 29", commons.SearchParams{Territory: "departement:29"}, wantSet(sConcarneau, sTableau, sLogiciel)},
	{"epci", commons.SearchParams{Territory: "epci:242900769"}, wantSet(sConcarneau, sTableau, sLogiciel)},
	{"region 76", commons.SearchParams{Territory: "region:76"}, wantSet(sEolien, sDonnees)},
	{"region 53", commons.SearchParams{Territory: "region:53"}, wantSet(sConcarneau, sTableau, sLogiciel, sKit)},
	{"commune bare code", commons.SearchParams{Territory: "66150"}, wantSlugs(sDonnees)},
	{"filters", commons.SearchParams{Q: "énergies", Kind: "retour-experience"}, wantSlugs(sConcarneau, sRenov)},
	{"theme", commons.SearchParams{Theme: "gouvernance-donnees"}, wantSet(sTableau, sDonnees)},
	{"licence alias", commons.SearchParams{Licence: "etalab"}, wantSlugs(sRenov)},
	{"maturity", commons.SearchParams{Maturity: "mature"}, wantSet(sConcarneau, sDonnees)},
	{"archived", commons.SearchParams{Q: "séminaire", Status: "archivee"}, wantSlugs(sArchives)},
	{"archived not by default", commons.SearchParams{Q: "séminaire"}, wantSlugs()},
	{"page 2", commons.SearchParams{Q: "énergie", Limit: 2, Page: 2}, func(t *testing.T, got searchOutcome) {
		if got.Total != 5 || !slices.Equal(got.Slugs, []string{sTableau, sDonnees}) {
			t.Errorf("page 2: %d %v", got.Total, got.Slugs)
		}
	}},
	{"facets", commons.SearchParams{Q: "énergie", Kind: "retour-experience"}, func(t *testing.T, got searchOutcome) {
		// The kind facet ignores its own filter: other kinds show what they would give.
		for _, want := range []string{"kind=autre:1", "kind=outil:1", "kind=donnees:1", "kind=retour-experience:2*", "licence=CC-BY-4.0:1",
			"territory=departement:29:1", "territory=region:84:1", "maturity=mature:1"} {
			if !strings.Contains(got.Facets, want+" ") {
				t.Errorf("facets lack %q: %s", want, got.Facets)
			}
		}
	}},
}

func outcome(r *commons.SearchResult) searchOutcome {
	o := searchOutcome{Total: r.Total, Slugs: []string{}}
	for _, h := range r.Hits {
		o.Slugs = append(o.Slugs, h.Slug)
	}
	var b strings.Builder
	for _, f := range []struct {
		name string
		v    []commons.FacetValue
	}{{"kind", r.Facets.Kind}, {"theme", r.Facets.Theme}, {"licence", r.Facets.Licence}, {"maturity", r.Facets.Maturity}, {"territory", r.Facets.Territory}} {
		for _, v := range f.v {
			sel := ""
			if v.Selected {
				sel = "*"
			}
			fmt.Fprintf(&b, "%s=%s:%d%s ", f.name, v.Code, v.Count, sel)
		}
	}
	o.Facets = b.String()
	return o
}

// TestSearchSameOnBothDialects is the shared search test: the same corpus and queries on
// SQLite (FTS5) and PostgreSQL (tsvector) give the expected hits, and exactly the same totals,
// order and facets on both.
func TestSearchSameOnBothDialects(t *testing.T) {
	results := map[string]map[string]searchOutcome{}
	eachStore(t, func(t *testing.T, s *commons.Service, users *auth.Service) {
		ctx := context.Background()
		u := newUser(t, users, "search@test.example", web.RoleMember)
		for i, f := range searchCorpus {
			if _, err := s.CreateResource(ctx, f, u, ""); err != nil {
				t.Fatalf("corpus %d: %v", i, err)
			}
		}
		// A hidden resource is never found.
		hidden, err := s.CreateResource(ctx, commons.Fields{Title: "Énergie masquée", Body: "énergie"}, u, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Moderate(ctx, commons.ActionHide, []commons.Item{{Entity: commons.EntityResource, ID: hidden.ID}}, u, "test"); err != nil {
			t.Fatal(err)
		}
		got := map[string]searchOutcome{}
		for _, c := range searchCases {
			t.Run(c.name, func(t *testing.T) {
				r, err := s.Search(ctx, c.p)
				if err != nil {
					t.Fatal(err)
				}
				o := outcome(r)
				got[c.name] = o
				c.check(t, o)
			})
		}
		results[t.Name()] = got
	})
	if !dbtest.HasPostgres() {
		t.Skip("the comparison between dialects needs PostgreSQL: set " + dbtest.EnvPostgres)
	}
	sq, pg := results["TestSearchSameOnBothDialects/sqlite"], results["TestSearchSameOnBothDialects/postgres"]
	if len(sq) != len(searchCases) || len(pg) != len(searchCases) {
		t.Fatalf("missing results: %d sqlite, %d postgres", len(sq), len(pg))
	}
	for _, c := range searchCases {
		a, b := sq[c.name], pg[c.name]
		if a.Total != b.Total || !slices.Equal(a.Slugs, b.Slugs) || a.Facets != b.Facets {
			t.Errorf("%s differs:\n sqlite   %d %v %s\n postgres %d %v %s", c.name, a.Total, a.Slugs, a.Facets, b.Total, b.Slugs, b.Facets)
		}
	}
}

// Bad search parameters are refused field by field.
func TestSearchInvalidParams(t *testing.T) {
	eachStore(t, func(t *testing.T, s *commons.Service, users *auth.Service) {
		_, err := s.Search(context.Background(), commons.SearchParams{Kind: "roman", Territory: "commune:00000", Limit: 1000, Q: strings.Repeat("x ", 200)})
		if err == nil || !strings.Contains(err.Error(), "kind") || !strings.Contains(err.Error(), "4 error") {
			t.Fatalf("got %v", err)
		}
	})
}
