package observatory

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/fabrique-des-energies/fabrique/internal/auth"
	"github.com/fabrique-des-energies/fabrique/internal/platform/db"
	"github.com/fabrique-des-energies/fabrique/internal/platform/db/dbtest"
	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
	"github.com/fabrique-des-energies/fabrique/internal/territory"
)

// authUsers is the account directory over the real accounts service.
type authUsers struct{ a *auth.Service }

func (u authUsers) LookupEmail(ctx context.Context, email string) (int64, string, error) {
	x, err := u.a.UserByEmail(ctx, email)
	return x.ID, x.Name, err
}

func (u authUsers) LookupID(ctx context.Context, id int64) (string, string, error) {
	x, err := u.a.UserByID(ctx, id)
	return x.Name, x.Email, err
}

type fixture struct {
	svc   *Service
	auth  *auth.Service
	d     *db.DB
	admin *web.Identity
	mod   *web.Identity
}

func (f *fixture) user(t *testing.T, email string, role web.Role) *web.Identity {
	t.Helper()
	u, err := f.auth.CreateUser(context.Background(), email, "Nom "+email, "correct horse battery staple", role)
	if err != nil {
		t.Fatal(err)
	}
	return &web.Identity{UserID: u.ID, Email: u.Email, Name: u.Name, Role: role}
}

// each runs fn on a migrated store of every configured dialect.
func each(t *testing.T, fn func(t *testing.T, f *fixture)) {
	dbtest.Migrated(t, []db.Migrations{auth.Migrations(), Migrations()}, func(t *testing.T, d *db.DB) {
		f := &fixture{d: d, auth: auth.New(d, nil), svc: New(d, territory.Default(), nil)}
		f.svc.SetUsers(authUsers{f.auth})
		f.admin = f.user(t, "admin@test.example", web.RoleAdmin)
		f.mod = f.user(t, "mod@test.example", web.RoleModerator)
		fn(t, f)
	})
}

func validInput(name, commune string) CommunityInput {
	return CommunityInput{Name: name, LegalForm: "scic", Commune: commune, FoundingYear: 2020, Members: Members{Citizens: 10}, Activities: []string{"generation"}}
}

func details(err error) map[string]string {
	out := map[string]string{}
	if e, ok := errs.As(err); ok {
		for _, d := range e.Details {
			out[d.Field] = d.Message.FR
		}
	}
	return out
}

func TestCreateValidatesEveryField(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		bad := CommunityInput{Name: "", LegalForm: "club", EUStatus: "xyz", Commune: "99999", FoundingYear: 1200,
			Members: Members{Citizens: -1}, Activities: []string{"astrologie"}, Website: "ftp://x", Contact: Contact{Email: "pas-une-adresse", Phone: "abc"},
			Principles: PrincipleSet{Benefits: Assessment{Status: "peut-être"}}, Stage: "fin"}
		_, err := f.svc.Create(ctx, f.admin, bad)
		if !errs.Is(err, errs.Invalid) {
			t.Fatalf("want invalid, got %v", err)
		}
		got := details(err)
		for _, field := range []string{"name", "legal_form", "eu_status", "commune", "founding_year", "members.citizens", "activities", "website", "contact.email", "contact.phone", "principles.benefits.status", "stage"} {
			if got[field] == "" {
				t.Errorf("no error reported for %s (got %v)", field, got)
			}
		}
	})
}

func TestSlugsAndLabels(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		a, err := f.svc.Create(ctx, f.admin, validInput("Énergies du Pays Mornantais", "Mornant"))
		if err != nil {
			t.Fatal(err)
		}
		if a.Slug != "energies-du-pays-mornantais" || a.Place.Commune != "69141" || a.Place.EPCI != "246900740" || a.Place.Region != "84" {
			t.Fatalf("slug or place: %+v", a)
		}
		b, err := f.svc.Create(ctx, f.admin, validInput("Energies du pays mornantais", "69141"))
		if err != nil {
			t.Fatal(err)
		}
		if b.Slug != "energies-du-pays-mornantais-2" {
			t.Fatalf("a derived slug already taken gets a number, got %s", b.Slug)
		}
		in := validInput("Autre", "69141")
		in.Slug = a.Slug
		if _, err := f.svc.Create(ctx, f.admin, in); !errs.Is(err, errs.Invalid) || details(err)["slug"] == "" {
			t.Fatalf("an explicit slug already taken must be refused: %v", err)
		}
		// Labels as people write them in spreadsheets.
		in = validInput("Labels", "29039")
		in.LegalForm, in.EUStatus, in.Activities = "Société coopérative d'intérêt collectif", "Communauté d'énergie renouvelable", []string{"Autoconsommation collective", "MOBILITÉ"}
		c, err := f.svc.Create(ctx, f.admin, in)
		if err != nil {
			t.Fatal(err)
		}
		if c.LegalForm != "scic" || c.EUStatus != "rec" || strings.Join(c.Activities, ",") != "sharing,e_mobility" {
			t.Fatalf("labels not parsed: %s %s %v", c.LegalForm, c.EUStatus, c.Activities)
		}
	})
}

func TestEnumsParseCodesAndLabels(t *testing.T) {
	for _, e := range []*Enum{LegalForms, EUStatuses, Assessments, Activities, Technologies, ProjectStatuses, Stages} {
		for _, o := range e.Options() {
			for _, s := range []string{o.Code, o.Label.FR, o.Label.EN, strings.ToUpper(o.Label.FR)} {
				if got, ok := e.Parse(s); !ok || got != o.Code {
					t.Errorf("%s: Parse(%q) = %q, %v; want %q", e.Name, s, got, ok, o.Code)
				}
			}
		}
		if _, ok := e.Parse("n'importe quoi"); ok {
			t.Errorf("%s accepts nonsense", e.Name)
		}
	}
}

// Public reads never carry private contact fields; editors get them.
func TestPrivateContactFields(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		manager := f.user(t, "gestion@test.example", web.RoleMember)
		other := f.user(t, "autre@test.example", web.RoleMember)
		in := validInput("Secrète", "29039")
		in.Contact = Contact{Name: "Nom-Prive-7781", NamePrivate: true, Email: "prive-7781@test.example", EmailPrivate: true, Phone: "01 02 03 04 05", PhonePrivate: false}
		c, err := f.svc.Create(ctx, manager, in)
		if err != nil {
			t.Fatal(err)
		}
		pub, err := f.svc.Community(ctx, c.Slug)
		if err != nil {
			t.Fatal(err)
		}
		if pub.Contact.Name != "" || pub.Contact.Email != "" || pub.Contact.Phone != "01 02 03 04 05" {
			t.Fatalf("public view: %+v", pub.Contact)
		}
		items, _, err := f.svc.List(ctx, Filter{Sort: "name", Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if items[0].Contact.Email != "" || items[0].Contact.Name != "" {
			t.Fatalf("list leaks: %+v", items[0].Contact)
		}
		full, err := f.svc.CommunityForEditor(ctx, manager, c.Slug)
		if err != nil || full.Contact.Email != "prive-7781@test.example" {
			t.Fatalf("the manager sees the private fields: %v %+v", err, full.Contact)
		}
		if _, err := f.svc.CommunityForEditor(ctx, other, c.Slug); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("another member: %v", err)
		}
		if _, err := f.svc.CommunityForEditor(ctx, nil, c.Slug); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("anonymous: %v", err)
		}
		var buf bytes.Buffer
		if err := f.svc.WriteCommunitiesCSV(ctx, &buf, Filter{}, ""); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.WriteGeoJSON(ctx, &buf, Filter{}, ""); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(buf.String(), "7781") {
			t.Fatal("an export contains a private field")
		}
		if !strings.Contains(buf.String(), "01 02 03 04 05") {
			t.Fatal("the public phone should be exported")
		}
	})
}

func TestFollowUpRights(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		manager := f.user(t, "gestion@test.example", web.RoleMember)
		other := f.user(t, "autre@test.example", web.RoleMember)
		c, err := f.svc.Create(ctx, manager, validInput("Suivie", "66150"))
		if err != nil {
			t.Fatal(err)
		}
		// Stage moves are recorded with their author.
		if err := f.svc.SetStage(ctx, other, c.Slug, "structuring", ""); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("a non-manager moves the stage: %v", err)
		}
		if err := f.svc.SetStage(ctx, manager, c.Slug, "structuring", "statuts déposés"); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.SetStage(ctx, manager, c.Slug, "structuring", ""); !errs.Is(err, errs.Invalid) {
			t.Fatalf("the same stage twice: %v", err)
		}
		if err := f.svc.SetStage(ctx, f.mod, c.Slug, "development", ""); err != nil {
			t.Fatalf("a moderator may move the stage: %v", err)
		}
		h, err := f.svc.StageHistory(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(h) != 3 || h[0].Stage != "emergence" || h[1].Stage != "structuring" || h[1].Author != manager.Name || h[1].Note != "statuts déposés" || h[2].Stage != "development" {
			t.Fatalf("history %+v", h)
		}
		cur, _ := f.svc.Community(ctx, c.Slug)
		if cur.Stage != "development" || !cur.StageSince.Equal(h[2].At) {
			t.Fatalf("current stage %s since %v, history %v", cur.Stage, cur.StageSince, h[2].At)
		}
		// Journal: dated, signed, newest first.
		if _, err := f.svc.AddJournal(ctx, other, c.Slug, "2025-01-01", "x"); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("journal by a non-manager: %v", err)
		}
		if _, err := f.svc.AddJournal(ctx, manager, c.Slug, "2025-13-01", ""); !errs.Is(err, errs.Invalid) || details(err)["date"] == "" || details(err)["body"] == "" {
			t.Fatalf("bad journal entry: %v", err)
		}
		for _, d := range []string{"2025-01-10", "2025-03-02"} {
			if _, err := f.svc.AddJournal(ctx, manager, c.Slug, d, "Réunion du "+d); err != nil {
				t.Fatal(err)
			}
		}
		j, _ := f.svc.Journal(ctx, c.ID)
		if len(j) != 2 || j[0].Date != "2025-03-02" || j[0].Author != manager.Name {
			t.Fatalf("journal %+v", j)
		}
		// Needs open and close.
		n, err := f.svc.AddNeed(ctx, manager, c.Slug, "Un juriste", "statuts")
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.CloseNeed(ctx, manager, c.Slug, n.ID); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.CloseNeed(ctx, manager, c.Slug, n.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("closing twice: %v", err)
		}
		needs, _ := f.svc.Needs(ctx, c.ID)
		if len(needs) != 1 || needs[0].Open || needs[0].ClosedAt == nil {
			t.Fatalf("needs %+v", needs)
		}
		// Accompaniments: the team only, resources by slug.
		acc := AccompanimentInput{Date: "2025-02-01", Person: "Équipe", Hours: 3.5, Summary: "Atelier", Resources: []string{"guide-juridique", "/ressources/guide-juridique", "kit"}}
		if _, err := f.svc.AddAccompaniment(ctx, manager, c.Slug, acc); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("a manager records an accompaniment: %v", err)
		}
		if _, err := f.svc.AddAccompaniment(ctx, f.mod, c.Slug, AccompanimentInput{Resources: []string{"Pas Un Slug"}}); !errs.Is(err, errs.Invalid) || len(details(err)) < 4 {
			t.Fatalf("bad accompaniment: %v", err)
		}
		if _, err := f.svc.AddAccompaniment(ctx, f.mod, c.Slug, acc); err != nil {
			t.Fatal(err)
		}
		f.svc.SetResources(resourceTitles{"kit": "Kit de médiation"})
		as, _ := f.svc.Accompaniments(ctx, c.ID)
		if len(as) != 1 || len(as[0].Resources) != 2 || as[0].Resources[0].Slug != "guide-juridique" || as[0].Resources[1].Title != "Kit de médiation" {
			t.Fatalf("accompaniments %+v", as)
		}
		// Managers: administrators assign them.
		if err := f.svc.AddManager(ctx, f.mod, c.Slug, other.Email); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("a moderator assigns a manager: %v", err)
		}
		if err := f.svc.AddManager(ctx, f.admin, c.Slug, "personne@test.example"); !errs.Is(err, errs.Invalid) {
			t.Fatalf("unknown account: %v", err)
		}
		if err := f.svc.AddManager(ctx, f.admin, c.Slug, other.Email); err != nil {
			t.Fatal(err)
		}
		if ok, _ := f.svc.CanEdit(ctx, other, c.ID); !ok {
			t.Fatal("an assigned manager can edit")
		}
		ms, _ := f.svc.Managers(ctx, c.ID)
		if len(ms) != 2 || ms[1].Email != other.Email {
			t.Fatalf("managers %+v", ms)
		}
		if err := f.svc.RemoveManager(ctx, f.admin, c.Slug, other.UserID); err != nil {
			t.Fatal(err)
		}
		if ok, _ := f.svc.CanEdit(ctx, other, c.ID); ok {
			t.Fatal("a removed manager cannot edit")
		}
		mine, _ := f.svc.ManagedBy(ctx, manager.UserID)
		if len(mine) != 1 || mine[0].Slug != c.Slug {
			t.Fatalf("managed by: %+v", mine)
		}
	})
}

// Deleting an account keeps its journal entries and stage changes, not its name.
func TestDeletedAccountLeavesNoName(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		f.auth.OnDelete(ForgetAuthor)
		m := f.user(t, "partant@test.example", web.RoleMember)
		c, err := f.svc.Create(ctx, m, validInput("Orpheline", "29039"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AddJournal(ctx, m, c.Slug, "2025-01-01", "Une note"); err != nil {
			t.Fatal(err)
		}
		if err := f.auth.DeleteAccount(ctx, m.UserID, "correct horse battery staple", true); err != nil {
			t.Fatal(err)
		}
		j, _ := f.svc.Journal(ctx, c.ID)
		h, _ := f.svc.StageHistory(ctx, c.ID)
		if len(j) != 1 || j[0].Author != DeletedAuthor || h[0].Author != DeletedAuthor {
			t.Fatalf("journal %+v, history %+v", j, h)
		}
		if ms, _ := f.svc.Managers(ctx, c.ID); len(ms) != 0 {
			t.Fatalf("a deleted account still manages: %+v", ms)
		}
	})
}

type resourceTitles map[string]string

func (r resourceTitles) ResourceRefs(ctx context.Context, slugs []string) (map[string]ResourceRef, error) {
	out := map[string]ResourceRef{}
	for _, s := range slugs {
		if t, ok := r[s]; ok {
			out[s] = ResourceRef{Title: t, URL: "/ressources/" + s}
		}
	}
	return out, nil
}

func TestProjects(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		manager := f.user(t, "gestion@test.example", web.RoleMember)
		c, err := f.svc.Create(ctx, manager, validInput("Avec projets", "29039"))
		if err != nil {
			t.Fatal(err)
		}
		kw, share := 250.0, 120.0
		_, err = f.svc.AddProject(ctx, manager, c.Slug, ProjectInput{Name: "", Technology: "nucléaire", Status: "operation", CapacityKW: &kw, CitizenSharePct: &share, Commissioning: "2024-02-30"})
		got := details(err)
		for _, field := range []string{"name", "technology", "citizen_share_pct", "commissioning"} {
			if got[field] == "" {
				t.Errorf("no error for %s: %v", field, got)
			}
		}
		share = 60
		p, err := f.svc.AddProject(ctx, manager, c.Slug, ProjectInput{Name: "Toitures", Technology: "pv_rooftop", Status: "Exploitation", CapacityKW: &kw, CitizenSharePct: &share, Commissioning: "2024-02-29", Commune: "29293"})
		if err != nil {
			t.Fatal(err)
		}
		if p.CapacityUnit != "kWc" || p.Status != "operation" || p.Place.Commune != "29293" || p.Place.EPCI != "242900769" || *p.CapacityKW != 250 {
			t.Fatalf("project %+v", p)
		}
		kw = 300
		if p, err = f.svc.UpdateProject(ctx, manager, c.Slug, p.ID, ProjectInput{Name: "Toitures", Technology: "pv_rooftop", Status: "operation", CapacityKW: &kw}); err != nil || *p.CapacityKW != 300 || p.Place.Commune != "29293" {
			t.Fatalf("update: %v %+v", err, p)
		}
		items, _, _ := f.svc.List(ctx, Filter{Sort: "name", Limit: 10})
		if items[0].Projects != 1 || items[0].InstalledKW != 300 {
			t.Fatalf("list aggregates: %d %v", items[0].Projects, items[0].InstalledKW)
		}
		if err := f.svc.DeleteProject(ctx, manager, c.Slug, p.ID); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.DeleteProject(ctx, manager, c.Slug, p.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("delete twice: %v", err)
		}
	})
}

func TestUpdateRecordsStageAndKeepsSlug(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		c, err := f.svc.Create(ctx, f.admin, validInput("Première", "35238"))
		if err != nil {
			t.Fatal(err)
		}
		in := validInput("Nouveau nom", "35238")
		in.Stage = "operation"
		u, err := f.svc.Update(ctx, f.mod, c.Slug, in)
		if err != nil {
			t.Fatal(err)
		}
		if u.Slug != c.Slug || u.Name != "Nouveau nom" || u.Stage != "operation" {
			t.Fatalf("update %+v", u)
		}
		h, _ := f.svc.StageHistory(ctx, c.ID)
		if len(h) != 2 {
			t.Fatalf("history %+v", h)
		}
		if err := f.svc.Delete(ctx, f.mod, c.Slug); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Community(ctx, c.Slug); !errs.Is(err, errs.NotFound) {
			t.Fatalf("deleted community: %v", err)
		}
	})
}

func csvRows(t *testing.T, s string) []map[string]string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(s)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, r := range rows[1:] {
		m := map[string]string{}
		for i, h := range rows[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}
