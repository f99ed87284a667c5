package commons

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/fabrique-des-energies/fabrique/internal/platform/i18n"
	"github.com/fabrique-des-energies/fabrique/internal/territory"
)

// labels give templates the names of codes.
type labels struct{ ref *territory.Referential }

func (labels) Kind(c string) i18n.Text      { return Kinds.Label(c) }
func (labels) Licence(c string) i18n.Text   { return Licences.Label(c) }
func (labels) Theme(c string) i18n.Text     { return Themes.Label(c) }
func (labels) Maturity(c string) i18n.Text  { return Maturities.Label(c) }
func (labels) Status(c string) i18n.Text    { return Statuses.Label(c) }
func (labels) Role(c string) i18n.Text      { return Roles.Label(c) }
func (labels) Need(c string) i18n.Text      { return NeedTypes.Label(c) }
func (labels) LinkType(c string) i18n.Text  { return LinkTypes.Label(c) }
func (labels) ActorKind(c string) i18n.Text { return ActorKinds.Label(c) }

// LicenceURI is the address of a licence's text ("" when none).
func (labels) LicenceURI(c string) string {
	o, _ := Licences.Get(c)
	return o.URI
}

// Place names a territory: "Concarneau (commune:29039)".
func (l labels) Place(p Place) string { return placeLabel(l.ref, p) }

// PlaceName is the territory's name alone.
func (l labels) PlaceName(p Place) string {
	if t, ok := l.ref.Get(territory.Kind(p.Kind), p.Code); ok {
		return t.Name
	}
	return p.Key()
}

// PlaceHref is the territory's page.
func (labels) PlaceHref(p Place) string { return "/territoires/" + p.Kind + "/" + p.Code }

// Size writes a file size in French units.
func (labels) Size(n int64) string {
	switch {
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " Mio"
	case n >= 1<<10:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', 0, 64) + " Kio"
	}
	return strconv.FormatInt(n, 10) + " o"
}

// options lists the closed lists for form menus.
type options struct {
	Kinds, Licences, Themes, Maturities, Statuses, Roles, NeedTypes, LinkTypes, ActorKinds Options
}

var allOptions = options{Kinds, Licences, Themes, Maturities, Statuses, Roles, NeedTypes, LinkTypes, ActorKinds}

// blankRows adds empty rows to a form's repeated fields so people can add items without
// JavaScript.
const blankRows = 3

// maxRows bounds how many numbered rows a posted form may carry.
const maxRows = MaxListItems + blankRows

// fieldsFromForm reads a resource form: plain fields, checkboxes, a territories text area
// (one per line or separated by commas) and numbered rows for contributors, links and needs.
func fieldsFromForm(r *http.Request) Fields {
	f := Fields{
		Title: r.PostFormValue("title"), Summary: r.PostFormValue("summary"), Body: r.PostFormValue("body"),
		Kind: r.PostFormValue("kind"), Licence: r.PostFormValue("licence"), Maturity: r.PostFormValue("maturity"),
		Status: r.PostFormValue("status"), Themes: r.PostForm["themes"],
	}
	for _, line := range strings.FieldsFunc(r.PostFormValue("territories"), func(c rune) bool { return c == '\n' || c == ';' }) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		kind, code, ok := strings.Cut(line, ":")
		if i := strings.LastIndexByte(line, '('); i >= 0 && strings.HasSuffix(line, ")") {
			kind, code, ok = strings.Cut(line[i+1:len(line)-1], ":")
		}
		if !ok {
			kind, code = "", line
		}
		f.Territories = append(f.Territories, Place{Kind: strings.TrimSpace(kind), Code: strings.TrimSpace(code)})
	}
	for i := 0; i < maxRows; i++ {
		n := strconv.Itoa(i)
		if a := r.PostFormValue("contrib_actor_" + n); a != "" {
			f.Contributors = append(f.Contributors, Contribution{Actor: a, Role: r.PostFormValue("contrib_role_" + n)})
		}
		if u, l := r.PostFormValue("link_url_"+n), r.PostFormValue("link_label_"+n); u != "" || l != "" {
			f.Links = append(f.Links, Link{URL: u, Label: l, Type: r.PostFormValue("link_type_" + n)})
		}
		if t := r.PostFormValue("need_text_" + n); t != "" {
			f.Needs = append(f.Needs, Need{Type: r.PostFormValue("need_type_" + n), Text: t})
		}
	}
	return f
}

// territoriesText writes territories one per line as the form shows them.
func territoriesText(ref *territory.Referential, ps []Place) string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = placeLabel(ref, p)
	}
	return strings.Join(lines, "\n")
}

func actorFieldsFromForm(r *http.Request) ActorFields {
	f := ActorFields{Name: r.PostFormValue("name"), Kind: r.PostFormValue("kind"), Website: r.PostFormValue("website"),
		Description: r.PostFormValue("description")}
	if t := strings.TrimSpace(r.PostFormValue("territory")); t != "" {
		kind, code, ok := strings.Cut(t, ":")
		if i := strings.LastIndexByte(t, '('); i >= 0 && strings.HasSuffix(t, ")") {
			kind, code, ok = strings.Cut(t[i+1:len(t)-1], ":")
		}
		if !ok {
			kind, code = "", t
		}
		f.Territory = &Place{Kind: strings.TrimSpace(kind), Code: strings.TrimSpace(code)}
	}
	return f
}
