package commons_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/fabrique-des-energies/fabrique/internal/auth"
	"github.com/fabrique-des-energies/fabrique/internal/commons"
	"github.com/fabrique-des-energies/fabrique/internal/platform/db"
	"github.com/fabrique-des-energies/fabrique/internal/platform/db/dbtest"
	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
	"github.com/fabrique-des-energies/fabrique/internal/territory"
)

func migrations() []db.Migrations { return []db.Migrations{auth.Migrations(), commons.Migrations()} }

// eachStore runs fn on SQLite and, when configured, PostgreSQL with a fresh service.
func eachStore(t *testing.T, fn func(t *testing.T, s *commons.Service, users *auth.Service)) {
	t.Helper()
	dbtest.Migrated(t, migrations(), func(t *testing.T, d *db.DB) {
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		s := commons.New(d, territory.Default(), log, "http://fabrique.test")
		users := auth.New(d, log)
		s.SetBlocker(func(ctx context.Context, id int64, reason string) (string, error) {
			u, err := users.UserByID(ctx, id)
			if err != nil {
				return "", err
			}
			return u.Name, users.Block(ctx, id, reason)
		})
		fn(t, s, users)
	})
}

func newUser(t *testing.T, users *auth.Service, email string, role web.Role) commons.Author {
	t.Helper()
	u, err := users.CreateUser(context.Background(), email, strings.Split(email, "@")[0], "correct horse battery staple", role)
	if err != nil {
		t.Fatal(err)
	}
	return commons.Author{UserID: u.ID, Name: u.Name}
}

func TestResourceLifecycle(t *testing.T) {
	eachStore(t, func(t *testing.T, s *commons.Service, users *auth.Service) {
		ctx := context.Background()
		camille := newUser(t, users, "camille@test.example", web.RoleMember)
		yann := newUser(t, users, "yann@test.example", web.RoleMember)
		actor, err := s.CreateActor(ctx, commons.ActorFields{Name: "Centrales Villageoises du Pays Mornantais", Kind: "cooperative",
			Territory: &commons.Place{Kind: "commune", Code: "69141"}}, camille, "")
		if err != nil {
			t.Fatal(err)
		}
		f := commons.Fields{Title: "Guide de la coopérative citoyenne d'énergie", Summary: "Monter une SCIC pas à pas.",
			Body: "## Étapes\n\n1. Réunir les **habitants**\n2. Choisir les statuts", Kind: "methode", Licence: "cc-by-sa-4.0",
			Themes: []string{"pole-mediation", "ancrage-territorial"}, Territories: []commons.Place{{Code: "69141"}},
			Contributors: []commons.Contribution{{Actor: actor.Slug, Role: "auteur"}},
			Links:        []commons.Link{{URL: "https://example.org/guide", Label: "Le guide"}},
			Needs:        []commons.Need{{Type: "testeurs", Text: "Deux communes pilotes"}}}
		r, err := s.CreateResource(ctx, f, camille, "")
		if err != nil {
			t.Fatal(err)
		}
		if r.Slug != "guide-de-la-cooperative-citoyenne-d-energie" || r.Revision != 1 || r.Licence != "CC-BY-SA-4.0" || r.Status != commons.StatusPublished {
			t.Fatalf("created %+v", r)
		}
		if got := r.Themes; len(got) != 2 || got[0] != "ancrage-territorial" {
			t.Fatalf("themes not in the note's order: %v", got)
		}
		if len(r.Contributors) != 1 || r.Contributors[0].Name != actor.Name || len(r.Territories) != 1 || r.Territories[0].Kind != "commune" {
			t.Fatalf("contributors %v territories %v", r.Contributors, r.Territories)
		}
		// Same title: next free slug.
		r2, err := s.CreateResource(ctx, commons.Fields{Title: f.Title, Body: "Autre texte"}, yann, "")
		if err != nil {
			t.Fatal(err)
		}
		if r2.Slug != r.Slug+"-2" || r2.Summary != "Autre texte" {
			t.Fatalf("second slug %q summary %q", r2.Slug, r2.Summary)
		}
		// Two editors start from revision 1; the second save conflicts and saves nothing.
		a, b := r.Fields, r.Fields
		a.Body += "\n3. Ouvrir le capital"
		b.Summary = "Une version concurrente."
		if _, err := s.UpdateResource(ctx, r.Slug, 1, a, yann, "ajout d'une étape"); err != nil {
			t.Fatal(err)
		}
		_, err = s.UpdateResource(ctx, r.Slug, 1, b, camille, "")
		if !commons.IsConflict(err) {
			t.Fatalf("want a conflict, got %v", err)
		}
		cur, _ := s.Resource(ctx, r.Slug)
		if cur.Revision != 2 || cur.Summary != f.Summary {
			t.Fatalf("after conflict: revision %d summary %q", cur.Revision, cur.Summary)
		}
		// Saving the same fields adds no revision.
		if again, err := s.UpdateResource(ctx, r.Slug, 2, cur.Fields, camille, ""); err != nil || again.Revision != 2 {
			t.Fatalf("no-op save: %v %v", again, err)
		}
		// Revert to revision 1 is a new revision 3 with the old body.
		rev, err := s.RevertResource(ctx, r.Slug, 1, camille)
		if err != nil {
			t.Fatal(err)
		}
		if rev.Revision != 3 || rev.Body != r.Body {
			t.Fatalf("revert: revision %d body %q", rev.Revision, rev.Body)
		}
		revs, _ := s.Revisions(ctx, commons.EntityResource, r.ID)
		if len(revs) != 3 || revs[0].Comment != "Rétablissement de la révision 1" || revs[1].AuthorName != yann.Name {
			t.Fatalf("revisions %+v", revs)
		}
		// Invalid input lists each problem with its field.
		_, err = s.CreateResource(ctx, commons.Fields{Title: "x", Kind: "roman", Licence: "WTFPL", Territories: []commons.Place{{Kind: "commune", Code: "00000"}},
			Links: []commons.Link{{URL: "javascript:alert(1)"}}, Contributors: []commons.Contribution{{Actor: "inconnu"}}}, camille, "")
		e, ok := errs.As(err)
		if !ok || e.Code != errs.Invalid {
			t.Fatalf("want invalid, got %v", err)
		}
		fields := map[string]bool{}
		for _, d := range e.Details {
			fields[d.Field] = true
		}
		for _, want := range []string{"title", "kind", "licence", "territories", "links", "contributors"} {
			if !fields[want] {
				t.Errorf("no error on %s: %v", want, e.Details)
			}
		}
		// The actor lists its resources.
		ars, err := s.ActorResources(ctx, actor.ID)
		if err != nil || len(ars) != 1 || ars[0].Slug != r.Slug || ars[0].Roles[0] != "auteur" {
			t.Fatalf("actor resources %+v %v", ars, err)
		}
	})
}

func TestActorRevisions(t *testing.T) {
	eachStore(t, func(t *testing.T, s *commons.Service, users *auth.Service) {
		ctx := context.Background()
		u := newUser(t, users, "ines@test.example", web.RoleMember)
		a, err := s.CreateActor(ctx, commons.ActorFields{Name: "Prats'EnR", Kind: "association", Territory: &commons.Place{Code: "66150"}}, u, "")
		if err != nil {
			t.Fatal(err)
		}
		f := a.ActorFields
		f.Description = "Association d'habitants pour les énergies renouvelables."
		if _, err := s.UpdateActor(ctx, a.Slug, 1, f, u, "description"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdateActor(ctx, a.Slug, 1, f, u, ""); !commons.IsConflict(err) {
			t.Fatalf("want conflict, got %v", err)
		}
		back, err := s.RevertActor(ctx, a.Slug, 1, u)
		if err != nil || back.Revision != 3 || back.Description != "" {
			t.Fatalf("revert %+v %v", back, err)
		}
		list, err := s.Actors(ctx, commons.ActorFilter{Territory: "departement:66"})
		if err != nil || len(list) != 1 {
			t.Fatalf("actors in 66: %v %v", list, err)
		}
		list, _ = s.Actors(ctx, commons.ActorFilter{Q: "enr prats"})
		if len(list) != 1 {
			t.Fatalf("actor words: %v", list)
		}
	})
}
