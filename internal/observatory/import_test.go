package observatory

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
	"github.com/fabrique-des-energies/fabrique/internal/territory"
)

const goodCSV = "\ufeffslug;name;legal_form;eu_status;commune;founding_year;stage;members_citizens;activities;contact_email;contact_email_private;managers;description\n" +
	"soleil-du-port;Soleil du port;SCIC;Communauté d'énergie renouvelable;29039;2019;développement;120;generation|sharing;bureau@port.example;oui;gestion@test.example;\"Deux lignes\nde présentation\"\n" +
	";Vents du plateau;Association;;Mornant;;Émergence;15;;;;;\n"

func count(t *testing.T, f *fixture) int {
	t.Helper()
	_, n, err := f.svc.List(context.Background(), Filter{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestImportCreatesThenUpdatesByKey(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		manager := f.user(t, "gestion@test.example", web.RoleMember)
		if _, err := f.svc.Import(ctx, manager, strings.NewReader(goodCSV), false); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("a member imports: %v", err)
		}
		rep, err := f.svc.Import(ctx, f.admin, strings.NewReader(goodCSV), true)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Created != 2 || rep.Updated != 0 || count(t, f) != 0 {
			t.Fatalf("dry run: %+v, %d stored", rep, count(t, f))
		}
		if rep, err = f.svc.Import(ctx, f.admin, strings.NewReader(goodCSV), false); err != nil {
			t.Fatal(err)
		}
		if rep.Created != 2 || count(t, f) != 2 || rep.Lines[1].Line != 4 || rep.Lines[1].Slug != "vents-du-plateau" {
			t.Fatalf("import: %+v", rep)
		}
		c, err := f.svc.CommunityForEditor(ctx, f.admin, "soleil-du-port")
		if err != nil {
			t.Fatal(err)
		}
		if c.LegalForm != "scic" || c.EUStatus != "rec" || c.Stage != "development" || c.Members.Citizens != 120 || !c.Contact.EmailPrivate ||
			c.Description != "Deux lignes\nde présentation" || strings.Join(c.Activities, "|") != "generation|sharing" {
			t.Fatalf("imported %+v", c)
		}
		if ok, _ := f.svc.CanEdit(ctx, manager, c.ID); !ok {
			t.Fatal("the managers column assigns managers")
		}
		// Re-import: the same lines update instead of duplicating; empty
		// cells keep what is stored; a stage change enters the history.
		again := strings.Replace(goodCSV, "120;", "130;", 1)
		again = strings.Replace(again, "développement", "exploitation", 1)
		if rep, err = f.svc.Import(ctx, f.admin, strings.NewReader(again), false); err != nil {
			t.Fatal(err)
		}
		if rep.Created != 0 || rep.Updated != 2 || count(t, f) != 2 {
			t.Fatalf("re-import: %+v, %d stored", rep, count(t, f))
		}
		c, _ = f.svc.CommunityForEditor(ctx, f.admin, "soleil-du-port")
		h, _ := f.svc.StageHistory(ctx, c.ID)
		if c.Members.Citizens != 130 || c.Contact.Email != "bureau@port.example" || c.Stage != "operation" || len(h) != 2 {
			t.Fatalf("after re-import: %+v, history %d", c, len(h))
		}
	})
}

func TestImportRefusesBadFilesWhole(t *testing.T) {
	head := "slug,name,legal_form,commune,founding_year,contact_email_private,managers\n"
	ok := "a,Alpha,scic,29039,2010,non,\n"
	cases := []struct {
		name       string
		file       string
		line, col  int // col -1: any column
		field, has string
	}{
		{"unknown column", "slug,name,legal_form,commune,couleur\n", 1, 5, "couleur", "colonne inconnue"},
		{"duplicate column", "name,legal_form,commune,name\n", 1, 4, "name", "en double"},
		{"missing required column", "slug,name,commune\n" + "a,Alpha,29039\n", 1, 0, "legal_form", "obligatoire"},
		{"bad legal form on line 3", head + ok + "b,Beta,club,29039,2010,,\n", 3, 3, "legal_form", "club"},
		{"unknown commune", head + ok + "b,Beta,scic,99999,2010,,\n", 3, 4, "commune", "99999"},
		{"unreadable year", head + ok + "b,Beta,scic,29039,deux mille,,\n", 3, 5, "founding_year", "deux mille"},
		{"year out of range", head + ok + "b,Beta,scic,29039,1700,,\n", 3, 5, "founding_year", "1850"},
		{"bad boolean", head + ok + "b,Beta,scic,29039,2010,peut-être,\n", 3, 6, "contact_email_private", "oui ou non"},
		{"unknown manager", head + ok + "b,Beta,scic,29039,2010,,inconnu@test.example\n", 3, 7, "managers", "inconnu@test.example"},
		{"duplicate key", head + ok + "a,Alpha bis,scic,29039,2010,,\n", 3, 1, "slug", "ligne 2"},
		{"missing name", head + ok + "c,,scic,29039,2010,,\n", 3, 2, "name", "obligatoire"},
		{"bad slug", head + ok + "C D,Gamma,scic,29039,2010,,\n", 3, 1, "slug", "minuscules"},
		{"wrong number of fields", head + ok + "b,Beta,scic\n", 3, 0, "", "3 champs au lieu de 7"},
		{"line after a multi-line cell", "name,legal_form,commune,description\nAlpha,scic,29039,\"une\ndeux\ntrois\"\nBeta,club,29039,\n", 5, 2, "legal_form", "club"},
		{"malformed quotes", head + "a,\"Alpha,scic,29039,2010,,\n", 2, -1, "", "CSV mal formé"},
		{"not UTF-8", head + "a,Alph\xe9,scic,29039,2010,,\n", 2, 0, "", "UTF-8"},
		{"empty file", "", 0, 0, "", "vide"},
	}
	each(t, func(t *testing.T, f *fixture) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				_, err := f.svc.Import(context.Background(), f.admin, strings.NewReader(tc.file), false)
				e, isCoded := errs.As(err)
				if !isCoded || e.Code != errs.Invalid {
					t.Fatalf("want an invalid-file error, got %v", err)
				}
				if count(t, f) != 0 {
					t.Fatal("a refused file imported something")
				}
				text := e.Message.FR
				found := tc.line == 0
				for _, d := range e.Details {
					text += " | " + d.Message.FR
					if d.Line == tc.line && (d.Column == tc.col || tc.col < 0) && d.Field == tc.field {
						found = true
					}
				}
				if !found {
					t.Errorf("no detail at line %d column %d field %q: %+v", tc.line, tc.col, tc.field, e.Details)
				}
				if !strings.Contains(text, tc.has) {
					t.Errorf("the report should mention %q: %s", tc.has, text)
				}
			})
		}
	})
}

// An export edited in a spreadsheet imports back as updates, without
// duplicating and without blanking private fields the export hid.
func TestExportImportsBack(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		gen := generate(t, f.svc, 60, 90, 3)
		var buf bytes.Buffer
		if err := f.svc.WriteCommunitiesCSV(ctx, &buf, Filter{}, "https://example.org"); err != nil {
			t.Fatal(err)
		}
		rep, err := f.svc.Import(ctx, nil, &buf, false)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Created != 0 || rep.Updated != len(gen) || count(t, f) != len(gen) {
			t.Fatalf("round trip: %+v", rep)
		}
		for _, c := range gen[:10] {
			full, err := f.svc.CommunityForEditor(ctx, f.admin, c.Slug)
			if err != nil {
				t.Fatal(err)
			}
			if full.Contact.Email == "" {
				t.Fatalf("%s lost its contact email", c.Slug)
			}
			if full.Name != c.Name || full.Place.Commune != c.Place.Commune || full.Members != c.Members || full.Stage != c.Stage {
				t.Fatalf("%s changed: %+v", c.Slug, full)
			}
		}
	})
}

func FuzzParseCommunitiesCSV(f *testing.F) {
	for _, s := range []string{goodCSV, "name,legal_form,commune\n", "a;b\n\"x\n", "\ufeff\t\t\n", "name,legal_form,commune\nx,y\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		head, rows, lines, err := ParseCommunitiesCSV(bytes.NewReader(data))
		if err != nil {
			if _, ok := errs.As(err); !ok {
				t.Fatalf("uncoded error: %v", err)
			}
			return
		}
		if len(rows) != len(lines) {
			t.Fatalf("%d rows, %d line numbers", len(rows), len(lines))
		}
		prev := 1
		for i, r := range rows {
			if len(r) != len(head) || lines[i] <= prev {
				t.Fatalf("row %d: %d cells for %d columns, line %d after %d", i, len(r), len(head), lines[i], prev)
			}
			prev = lines[i]
			var in CommunityInput
			applyCells(&in, r)
			validateCommunity(territory.Default(), in, time.Now())
		}
	})
}

// The seed corpus lives in testdata so `go test` replays it.
func TestFuzzCorpusPresent(t *testing.T) {
	entries, err := os.ReadDir(filepath.Join("testdata", "fuzz", "FuzzParseCommunitiesCSV"))
	if err != nil || len(entries) == 0 {
		t.Fatalf("seed corpus missing: %v", err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("testdata", "fuzz", "FuzzParseCommunitiesCSV", e.Name()))
		if err != nil || !bytes.HasPrefix(b, []byte("go test fuzz v1\n")) {
			t.Errorf("%s: not a fuzz corpus file (%v)", e.Name(), err)
		}
	}
}
