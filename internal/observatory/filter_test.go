package observatory

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/territory"
)

func TestFiltersMatchAnIndependentSelection(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		gen := generate(t, f.svc, 400, 900, 7)
		techs := map[int64]map[string]bool{}
		for _, c := range gen {
			ps, err := f.svc.Projects(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			techs[c.ID] = map[string]bool{}
			for _, p := range ps {
				techs[c.ID][p.Technology] = true
			}
		}
		first := gen[0]
		terr := f.svc.terr
		cases := []struct {
			query string
			keep  func(c Community) bool
		}{
			{"", func(Community) bool { return true }},
			{"region=84", func(c Community) bool { return c.Place.Region == "84" }},
			{"territory=region:53", func(c Community) bool { return c.Place.Region == "53" }},
			{"departement=29", func(c Community) bool { return c.Place.Departement == "29" }},
			{"territoire=departement:" + first.Place.Departement, func(c Community) bool { return c.Place.Departement == first.Place.Departement }},
			{"epci=" + first.Place.EPCI, func(c Community) bool { return c.Place.EPCI == first.Place.EPCI }},
			{"commune=" + first.Place.Commune, func(c Community) bool { return c.Place.Commune == first.Place.Commune }},
			{"legal_form=scic", func(c Community) bool { return c.LegalForm == "scic" }},
			{"eu_status=rec", func(c Community) bool { return c.EUStatus == "rec" }},
			{"stage=operation", func(c Community) bool { return c.Stage == "operation" }},
			{"technology=hydro", func(c Community) bool { return techs[c.ID]["hydro"] }},
			{"activity=sharing", func(c Community) bool { return c.HasActivity("sharing") }},
			// Every word of the query is found somewhere in the name, commune or EPCI.
			{"q=GENEREE+12", func(c Community) bool { return allWords(c, "GENEREE 12") }},
			{"q=" + url.QueryEscape(first.Place.CommuneName), func(c Community) bool { return allWords(c, first.Place.CommuneName) }},
			{"region=76&legal_form=association&stage=emergence", func(c Community) bool {
				return c.Place.Region == "76" && c.LegalForm == "association" && c.Stage == "emergence"
			}},
		}
		for _, tc := range cases {
			v, _ := url.ParseQuery(tc.query)
			flt, err := ParseFilter(terr, v, 1000, 1000)
			if err != nil {
				t.Fatalf("%s: %v", tc.query, err)
			}
			items, total, err := f.svc.List(ctx, flt)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, c := range gen {
				if tc.keep(c) {
					want = append(want, c.Slug)
				}
			}
			var got []string
			for _, c := range items {
				got = append(got, c.Slug)
			}
			slices.Sort(want)
			slices.Sort(got)
			if total != len(want) || !slices.Equal(got, want) {
				t.Errorf("%s: got %d (%d listed), want %d", tc.query, total, len(got), len(want))
			}
			// The map's points are the same set.
			pts, err := f.svc.Points(ctx, flt, 10000)
			if err != nil {
				t.Fatal(err)
			}
			if len(pts) != len(want) {
				t.Errorf("%s: %d points on the map for %d communities", tc.query, len(pts), len(want))
			}
		}
	})
}

func TestSortAndPaging(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		generate(t, f.svc, 120, 200, 11)
		all := map[string]bool{}
		for page := 1; ; page++ {
			items, total, err := f.svc.List(ctx, Filter{Sort: "name", Page: page, Limit: 25})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range items {
				if all[c.Slug] {
					t.Fatalf("%s listed on two pages", c.Slug)
				}
				all[c.Slug] = true
			}
			if len(items) < 25 {
				if len(all) != total || total != 120 {
					t.Fatalf("pages hold %d communities, total %d", len(all), total)
				}
				break
			}
		}
		for _, tc := range []struct {
			sort string
			key  func(c Community) int
			desc bool
		}{
			{"-founded", func(c Community) int {
				if c.FoundingYear == 0 {
					return -1 << 30 // unknown years come last
				}
				return c.FoundingYear
			}, true},
			{"founded", func(c Community) int {
				if c.FoundingYear == 0 {
					return 1 << 30
				}
				return c.FoundingYear
			}, false},
			{"-members", func(c Community) int { return c.Members.Total() }, true},
			{"stage", func(c Community) int { return Stages.Index(c.Stage) }, false},
			{"-stage", func(c Community) int { return Stages.Index(c.Stage) }, true},
		} {
			items, _, err := f.svc.List(ctx, Filter{Sort: tc.sort, Limit: 200, Page: 1})
			if err != nil {
				t.Fatal(err)
			}
			for i := 1; i < len(items); i++ {
				a, b := tc.key(items[i-1]), tc.key(items[i])
				if tc.desc && a < b || !tc.desc && a > b {
					t.Fatalf("sort %s: %s (%d) before %s (%d)", tc.sort, items[i-1].Slug, a, items[i].Slug, b)
				}
			}
		}
	})
}

func TestParseFilterRefusesUnknownValues(t *testing.T) {
	terr := territory.Default()
	for _, tc := range []struct{ query, field string }{
		{"region=99", "region"}, {"departement=00", "departement"}, {"epci=123", "epci"}, {"commune=00000", "commune"},
		{"territory=pays:FR", "territory"}, {"territoire=epci", "territory"}, {"legal_form=club", "legal_form"},
		{"eu_status=x", "eu_status"}, {"stage=fin", "stage"}, {"technology=fusion", "technology"}, {"activity=sieste", "activity"},
		{"sort=hasard", "sort"}, {"page=0", "page"}, {"limit=5000", "limit"}, {"q=" + strings.Repeat("a", 201), "q"},
	} {
		v, _ := url.ParseQuery(tc.query)
		_, err := ParseFilter(terr, v, 20, 100)
		if !errs.Is(err, errs.Invalid) || details(err)[tc.field] == "" {
			t.Errorf("%s: want an error on %s, got %v", tc.query, tc.field, err)
		}
	}
	v, _ := url.ParseQuery("territoire=epci:246900740&legal_form=SCIC&stage=Exploitation&sort=-members&page=2")
	f, err := ParseFilter(terr, v, 20, 100)
	if err != nil || f.EPCI != "246900740" || f.LegalForm != "scic" || f.Stage != "operation" || f.Page != 2 {
		t.Fatalf("%+v %v", f, err)
	}
	if got := f.Values().Encode(); got != "epci=246900740&legal_form=scic&sort=-members&stage=operation" {
		t.Fatalf("values %s", got)
	}
}

func allWords(c Community, q string) bool {
	text := territory.Normalize(c.Name + " " + c.Place.CommuneName + " " + c.Place.EPCIName)
	for _, w := range strings.Fields(territory.Normalize(q)) {
		if !strings.Contains(text, w) {
			return false
		}
	}
	return true
}

func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{"", "territoire=epci:246900740&sort=-members", "region=84&departement=2a&q=%C3%A9nergie", "territory=commune:&page=-1", "limit=9999999999999999999", "q=%ff%fe&activity=Production"} {
		f.Add(s)
	}
	terr := territory.Default()
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		flt, err := ParseFilter(terr, v, 20, 100)
		if err != nil {
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("uncoded error %v", err)
			}
			return
		}
		if flt.Page < 1 || flt.Limit < 1 || flt.Limit > 100 {
			t.Fatalf("paging %d/%d", flt.Page, flt.Limit)
		}
		// What the filter writes back reads back the same.
		again, err := ParseFilter(terr, flt.Values(), 20, 100)
		if err != nil {
			t.Fatalf("round trip of %q: %v", flt.Values().Encode(), err)
		}
		again.Page, again.Limit = flt.Page, flt.Limit
		if again != flt {
			t.Fatalf("round trip: %+v != %+v", again, flt)
		}
		where, args := flt.where()
		if strings.Count(where, "$") != len(args) {
			t.Fatalf("%d placeholders for %d arguments", strings.Count(where, "$"), len(args))
		}
	})
}
