package commons

import (
	"strings"

	"github.com/fabrique-des-energies/fabrique/internal/platform/i18n"
	"github.com/fabrique-des-energies/fabrique/internal/platform/textdiff"
	"github.com/fabrique-des-energies/fabrique/internal/territory"
)

// FieldText is one field of a revision written as text, for display and comparison.
type FieldText struct {
	Name  string
	Label i18n.Text
	Text  string
}

// FieldDiff compares one field between two revisions, line by line.
type FieldDiff struct {
	FieldText
	Old, New   string
	Changed    bool
	Hunks      []textdiff.Hunk
	Inserted   int
	Deleted    int
	SingleLine bool
}

func lines[T any](items []T, f func(T) string) string {
	parts := make([]string, len(items))
	for i, x := range items {
		parts[i] = f(x)
	}
	return strings.Join(parts, "\n")
}

// placeLabel names a territory as "Concarneau (commune:29039)" (the form accepts it back).
func placeLabel(ref *territory.Referential, p Place) string {
	if t, ok := ref.Get(territory.Kind(p.Kind), p.Code); ok {
		return t.Name + " (" + p.Key() + ")"
	}
	return p.Key()
}

// ResourceTexts writes a resource's fields as texts, in French labels and values (the
// language of the content).
func ResourceTexts(ref *territory.Referential, f Fields) []FieldText {
	fr := func(o Options, c string) string { return o.Label(c).FR }
	return []FieldText{
		{"title", i18n.T("Titre", "Title"), f.Title},
		{"summary", i18n.T("Résumé", "Summary"), f.Summary},
		{"body", i18n.T("Texte", "Text"), f.Body},
		{"kind", i18n.T("Type", "Kind"), fr(Kinds, f.Kind)},
		{"licence", i18n.T("Licence", "Licence"), fr(Licences, f.Licence)},
		{"themes", i18n.T("Thèmes", "Themes"), lines(f.Themes, func(t string) string { return fr(Themes, t) })},
		{"territories", i18n.T("Territoires", "Territories"), lines(f.Territories, func(p Place) string { return placeLabel(ref, p) })},
		{"contributors", i18n.T("Contributeurs", "Contributors"), lines(f.Contributors, func(c Contribution) string {
			name := c.Name
			if name == "" {
				name = c.Actor
			}
			return name + " — " + fr(Roles, c.Role)
		})},
		{"links", i18n.T("Liens", "Links"), lines(f.Links, func(l Link) string { return l.Label + " — " + l.URL + " (" + fr(LinkTypes, l.Type) + ")" })},
		{"maturity", i18n.T("Maturité", "Maturity"), fr(Maturities, f.Maturity)},
		{"needs", i18n.T("Besoins", "Needs"), lines(f.Needs, func(n Need) string { return fr(NeedTypes, n.Type) + " : " + n.Text })},
		{"status", i18n.T("Statut", "Status"), fr(Statuses, f.Status)},
	}
}

// ActorTexts writes an actor's fields as texts.
func ActorTexts(ref *territory.Referential, f ActorFields) []FieldText {
	place := ""
	if f.Territory != nil {
		place = placeLabel(ref, *f.Territory)
	}
	return []FieldText{
		{"name", i18n.T("Nom", "Name"), f.Name},
		{"kind", i18n.T("Type", "Kind"), ActorKinds.Label(f.Kind).FR},
		{"territory", i18n.T("Territoire", "Territory"), place},
		{"website", i18n.T("Site web", "Website"), f.Website},
		{"description", i18n.T("Description", "Description"), f.Description},
	}
}

// DiffTexts compares two revisions field by field.
func DiffTexts(a, b []FieldText) []FieldDiff {
	out := make([]FieldDiff, len(a))
	for i := range a {
		ops := textdiff.Diff(a[i].Text, b[i].Text)
		d := FieldDiff{FieldText: b[i], Old: a[i].Text, New: b[i].Text, Changed: textdiff.Changed(ops), Hunks: textdiff.Hunks(ops, 3)}
		d.Inserted, d.Deleted = textdiff.Stats(ops)
		d.SingleLine = !strings.Contains(a[i].Text, "\n") && !strings.Contains(b[i].Text, "\n")
		out[i] = d
	}
	return out
}
