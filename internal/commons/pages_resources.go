package commons

import (
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/i18n"
	"github.com/fabrique-des-energies/fabrique/internal/platform/markup"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
)

func searchParams(r *http.Request) (SearchParams, error) {
	q := r.URL.Query()
	p := SearchParams{Q: strings.TrimSpace(q.Get("q")), Kind: q.Get("kind"), Theme: q.Get("theme"), Licence: q.Get("licence"),
		Maturity: q.Get("maturity"), Territory: q.Get("territory"), Status: q.Get("status")}
	var err error
	if p.Page, err = web.QueryInt(r, "page", 1, 1, 100000); err != nil {
		return p, err
	}
	if p.Limit, err = web.QueryInt(r, "limit", DefaultLimit, 1, MaxLimit); err != nil {
		return p, err
	}
	return p, nil
}

type facetLink struct {
	Label    string
	Count    string
	Href     string
	Selected bool
}

// menuOption and menu are filter menus, labels already in the page's language (the list is
// the busiest page: everything is computed before the template runs).
type menuOption struct {
	Code, Label string
	Selected    bool
}

type menu struct {
	ID, Name, Label, Any string
	Options              []menuOption
}

// menusHTML renders the four filter menus; the result is cached per language and selection
// (the search page is the busiest page, and the menus are most of its markup).
func menusHTML(ms []menu, lg string) template.HTML {
	var key strings.Builder
	key.WriteString(lg)
	for _, m := range ms {
		sel := ""
		for _, o := range m.Options {
			if o.Selected {
				sel = o.Code
			}
		}
		key.WriteString("|" + sel)
	}
	if v, ok := menuCache.Load(key.String()); ok {
		return v.(template.HTML)
	}
	var b strings.Builder
	for _, m := range ms {
		fmt.Fprintf(&b, `<div><label for="%s">%s</label><select id="%s" name="%s"><option value="">%s</option>`,
			m.ID, template.HTMLEscapeString(m.Label), m.ID, m.Name, template.HTMLEscapeString(m.Any))
		for _, o := range m.Options {
			sel := ""
			if o.Selected {
				sel = " selected"
			}
			fmt.Fprintf(&b, `<option value="%s"%s>%s</option>`, template.HTMLEscapeString(o.Code), sel, template.HTMLEscapeString(o.Label))
		}
		b.WriteString("</select></div>\n")
	}
	h := template.HTML(b.String())
	if menuCached.Add(1) <= 512 {
		menuCache.Store(key.String(), h)
	}
	return h
}

// facetsHTML renders the facet aside. It is the largest repeated block of
// the search page (up to a hundred links), written here rather than in the
// template because html/template's reflection made it a quarter of the
// page's cost under load. Every value is escaped; hrefs are relative links
// built by withParam.
func facetsHTML(groups []facetGroup, lg string) template.HTML {
	if len(groups) == 0 {
		return ""
	}
	esc := template.HTMLEscapeString
	chosen := i18n.T("(choisi, cliquer pour retirer)", "(chosen, click to remove)").In(lg)
	var b strings.Builder
	fmt.Fprintf(&b, `<aside class="facets" aria-label="%s">`, esc(i18n.T("Affiner par facette", "Refine by facet").In(lg)))
	for _, g := range groups {
		fmt.Fprintf(&b, `<section aria-labelledby="%s"><h2 id="%s">%s</h2><ul>`, esc(g.ID), esc(g.ID), esc(g.Label))
		for _, v := range g.Values {
			if v.Selected {
				fmt.Fprintf(&b, `<li><a href="%s" aria-current="true" class="selected"><span class="visually-hidden">%s </span>%s</a> <span class="count">%s</span></li>`,
					esc(v.Href), esc(chosen), esc(v.Label), esc(v.Count))
			} else {
				fmt.Fprintf(&b, `<li><a href="%s">%s</a> <span class="count">%s</span></li>`, esc(v.Href), esc(v.Label), esc(v.Count))
			}
		}
		b.WriteString("</ul></section>")
	}
	b.WriteString("</aside>")
	return template.HTML(b.String())
}

// menuCache holds rendered menus for the most requested selections (at most 512).
var (
	menuCache  sync.Map
	menuCached atomic.Int64
)

func makeMenu(lg, id, name, label, anyLabel string, opts Options, selected string) menu {
	m := menu{ID: id, Name: name, Label: label, Any: anyLabel}
	for _, o := range opts {
		m.Options = append(m.Options, menuOption{Code: o.Code, Label: o.Label.In(lg), Selected: o.Code == selected})
	}
	return m
}

// hitView is a hit with its labels.
type hitView struct {
	Hit
	KindLabel, MaturityLabel, LicenceLabel, StatusLabel, Updated string
}

type facetGroup struct {
	ID, Label string
	Values    []facetLink
}

type activeFilter struct {
	Label, Remove string
}

type listView struct {
	P       SearchParams
	Menus   template.HTML
	Hits    []hitView
	Total   string
	Result  *SearchResult
	Groups  []facetGroup
	Facets  template.HTML // Groups, rendered
	Filters []activeFilter
	Errors  []string
	Pager   Pager
	CSV     string
	JSON    string
	Query   string // current query string, for export links
}

func (h *Handlers) list(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	lg := lang(r)
	v := listView{}
	p, err := searchParams(r)
	status := http.StatusOK
	if err == nil {
		v.Result, err = h.s.Search(ctx, p)
	}
	if err != nil {
		if !errs.Is(err, errs.Invalid) {
			return err
		}
		v.Errors, _ = web.FormErrors(lg, err)
		status = http.StatusUnprocessableEntity
	}
	v.P = p
	if v.Result != nil {
		v.P = v.Result.Params
		res := v.Result
		group := func(id, label, param string, vals []FacetValue) {
			g := facetGroup{ID: id, Label: label}
			for _, fv := range vals {
				href := withParam(r.URL, param, fv.Code)
				if fv.Selected {
					href = withParam(r.URL, param, "")
				}
				g.Values = append(g.Values, facetLink{Label: fv.Label.In(lg), Count: web.FormatNumber(lg, float64(fv.Count), 0), Href: href, Selected: fv.Selected})
			}
			if len(g.Values) > 0 {
				v.Groups = append(v.Groups, g)
			}
		}
		group("facette-type", tr(r, "Type", "Kind"), "kind", res.Facets.Kind)
		group("facette-theme", tr(r, "Thème", "Theme"), "theme", res.Facets.Theme)
		group("facette-territoire", tr(r, "Territoire", "Territory"), "territory", res.Facets.Territory)
		group("facette-maturite", tr(r, "Maturité", "Maturity"), "maturity", res.Facets.Maturity)
		group("facette-licence", tr(r, "Licence", "Licence"), "licence", res.Facets.Licence)
		v.Facets = facetsHTML(v.Groups, lg)
		v.Pager = makePager(r, res.Params.Page, res.Pages)
		v.Total = web.FormatNumber(lg, float64(res.Total), 0)
		for _, x := range res.Hits {
			hv := hitView{Hit: x, KindLabel: Kinds.Label(x.Kind).In(lg), MaturityLabel: Maturities.Label(x.Maturity).In(lg),
				LicenceLabel: Licences.Label(x.Licence).In(lg), Updated: web.FormatDate(lg, x.UpdatedAt)}
			if x.Status != StatusPublished {
				hv.StatusLabel = Statuses.Label(x.Status).In(lg)
			}
			v.Hits = append(v.Hits, hv)
		}
	}
	v.Menus = menusHTML([]menu{
		makeMenu(lg, "f-kind", "kind", tr(r, "Type", "Kind"), tr(r, "tous", "any"), Kinds, v.P.Kind),
		makeMenu(lg, "f-theme", "theme", tr(r, "Thème", "Theme"), tr(r, "tous", "any"), Themes, v.P.Theme),
		makeMenu(lg, "f-licence", "licence", tr(r, "Licence", "Licence"), tr(r, "toutes", "any"), Licences, v.P.Licence),
		makeMenu(lg, "f-maturity", "maturity", tr(r, "Maturité", "Maturity"), tr(r, "toutes", "any"), Maturities, v.P.Maturity),
	}, lg)
	add := func(param, label string) {
		if r.URL.Query().Get(param) != "" {
			v.Filters = append(v.Filters, activeFilter{Label: label, Remove: withParam(r.URL, param, "")})
		}
	}
	add("q", tr(r, "texte", "text")+" « "+p.Q+" »")
	add("kind", tr(r, "type", "kind")+" : "+Kinds.Label(p.Kind).In(lg))
	add("theme", tr(r, "thème", "theme")+" : "+Themes.Label(p.Theme).In(lg))
	if p.Territory != "" {
		label := p.Territory
		if pl, err := ParsePlace(h.s.terr, p.Territory); err == nil {
			label = placeLabel(h.s.terr, pl)
		}
		add("territory", tr(r, "territoire", "territory")+" : "+label)
	}
	add("maturity", tr(r, "maturité", "maturity")+" : "+Maturities.Label(p.Maturity).In(lg))
	add("licence", tr(r, "licence", "licence")+" : "+Licences.Label(p.Licence).In(lg))
	add("status", tr(r, "statut", "status")+" : "+p.Status)
	qs := r.URL.Query()
	qs.Del("page")
	v.Query = qs.Encode()
	v.CSV, v.JSON = "/resources.csv", "/api/v1/resources"
	if v.Query != "" {
		v.CSV += "?" + v.Query
		v.JSON += "?" + v.Query
	}
	title := tr(r, "Ressources", "Resources")
	if p.Q != "" {
		title = fmt.Sprintf(tr(r, "Recherche « %s » dans les ressources", "Search \"%s\" in resources"), p.Q)
	}
	return h.tmpl.Render(w, r, status, "resources", &web.Page{Title: title,
		Description: tr(r, "Méthodes, outils, publications et données ouvertes des communautés énergétiques.", "Open methods, tools, publications and data of energy communities."),
		Data:        v, Styles: []string{"css/commons.css"},
		Alternates: []web.Alternate{{Type: "text/csv", Href: v.CSV, Title: "CSV"}, {Type: "application/json", Href: v.JSON, Title: "JSON"},
			{Type: "application/atom+xml", Href: "/feed.atom", Title: "Atom"}, {Type: "application/ld+json", Href: "/catalog.jsonld", Title: "DCAT-AP"}}})
}

type resourceView struct {
	L           labels
	R           *Resource
	BodyHTML    template.HTML
	CanEdit     bool
	CanModerate bool
	SignedIn    bool
	Item        string
	Path        string
}

// visibleResource loads a resource and hides it from non-moderators while it is hidden.
func (h *Handlers) visibleResource(r *http.Request) (*Resource, error) {
	res, err := h.s.Resource(r.Context(), r.PathValue("slug"))
	if err != nil {
		return nil, err
	}
	if res.Hidden && !isModerator(r) {
		return nil, errs.New(errs.NotFound, "Cette ressource est masquée en attente de modération.", "This resource is hidden pending moderation.")
	}
	return res, nil
}

// FileHref is the download address of an attachment.
func (v resourceView) FileHref(a Attachment) string { return attachmentPath(v.R.Slug, a) }

func (h *Handlers) page(w http.ResponseWriter, r *http.Request) error {
	res, err := h.visibleResource(r)
	if err != nil {
		return err
	}
	id := web.CurrentUser(r.Context())
	v := resourceView{L: labels{h.s.terr}, R: res, BodyHTML: markup.Render(res.Body), SignedIn: id != nil,
		CanEdit: id != nil && !res.ReadOnly(), CanModerate: id.IsModerator(), Item: fmt.Sprintf("resource:%d", res.ID),
		Path: "/ressources/" + res.Slug}
	ld, err := h.s.ResourceJSONLD(res)
	if err != nil {
		return err
	}
	return h.tmpl.Render(w, r, http.StatusOK, "resource", &web.Page{Title: res.Title, Description: res.Summary, Data: v,
		JSONLD: ld, Styles: []string{"css/commons.css"},
		Alternates: []web.Alternate{{Type: "application/json", Href: "/api/v1/resources/" + res.Slug, Title: "JSON"}},
		Crumbs:     []web.Crumb{{Href: "/ressources", Label: tr(r, "Ressources", "Resources")}, {Label: res.Title}}})
}

type conflictView struct {
	Theirs   []FieldText
	Diff     []FieldDiff
	Revision int
	Author   string
	At       time.Time
}

type formView struct {
	L           labels
	O           options
	New         bool
	Action      string
	Cancel      string
	Slug        string
	F           Fields
	Base        int
	Comment     string
	Territories string
	Contribs    []Contribution
	Links       []Link
	Needs       []Need
	Actors      []Option
	Errors      []string
	Invalid     map[string]bool
	Conflict    *conflictView
}

// DiffFields are the differences shown on a conflict page.
func (v formView) DiffFields() []FieldDiff {
	if v.Conflict == nil {
		return nil
	}
	return v.Conflict.Diff
}

func (h *Handlers) renderForm(w http.ResponseWriter, r *http.Request, status int, v formView) error {
	actors, err := h.s.ActorOptions(r.Context())
	if err != nil {
		return err
	}
	v.L, v.O, v.Actors = labels{h.s.terr}, allOptions, actors
	if v.Invalid == nil {
		v.Invalid = map[string]bool{}
	}
	v.Territories = territoriesText(h.s.terr, v.F.Territories)
	v.Contribs = append(append([]Contribution{}, v.F.Contributors...), make([]Contribution, blankRows)...)
	v.Links = append(append([]Link{}, v.F.Links...), make([]Link, blankRows)...)
	v.Needs = append(append([]Need{}, v.F.Needs...), make([]Need, blankRows)...)
	title := tr(r, "Nouvelle ressource", "New resource")
	crumbs := []web.Crumb{{Href: "/ressources", Label: tr(r, "Ressources", "Resources")}}
	if !v.New {
		title = fmt.Sprintf(tr(r, "Modifier « %s »", "Edit \"%s\""), v.F.Title)
		crumbs = append(crumbs, web.Crumb{Href: "/ressources/" + v.Slug, Label: v.F.Title})
	}
	if v.Conflict != nil {
		title = tr(r, "Conflit de modification", "Edit conflict")
	}
	crumbs = append(crumbs, web.Crumb{Label: title})
	return h.tmpl.Render(w, r, status, "resource_form", &web.Page{Title: title, Data: v, Crumbs: crumbs,
		Styles: []string{"css/commons.css"}, Scripts: []string{"js/commons-form.js"}})
}

func (h *Handlers) newForm(w http.ResponseWriter, r *http.Request) error {
	return h.renderForm(w, r, http.StatusOK, formView{New: true, Action: "/ressources", Cancel: "/ressources",
		F: Fields{Status: StatusPublished, Licence: "CC-BY-SA-4.0", Maturity: defaultMaturity, Kind: "methode"}})
}

func (h *Handlers) create(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return errs.Wrap(errs.Invalid, err, "Formulaire illisible.", "Unreadable form.")
	}
	f := fieldsFromForm(r)
	res, err := h.s.CreateResource(r.Context(), f, author(r), r.PostFormValue("comment"))
	if err != nil {
		if !errs.Is(err, errs.Invalid) {
			return err
		}
		v := formView{New: true, Action: "/ressources", Cancel: "/ressources", F: f, Comment: r.PostFormValue("comment")}
		v.Errors, v.Invalid = web.FormErrors(lang(r), err)
		return h.renderForm(w, r, http.StatusUnprocessableEntity, v)
	}
	web.SetFlash(w, tr(r, "Ressource créée. Merci pour ce commun !", "Resource created. Thank you for this common!"))
	return web.Redirect(w, r, "/ressources/"+res.Slug)
}

func (h *Handlers) editable(r *http.Request) (*Resource, error) {
	res, err := h.visibleResource(r)
	if err != nil {
		return nil, err
	}
	if res.ReadOnly() {
		return nil, errs.New(errs.Forbidden, "Cette ressource est moissonnée depuis « "+res.Source.SourceName+" » : elle se modifie à sa source.",
			"This resource is harvested from \""+res.Source.SourceName+"\": edit it at its source.")
	}
	return res, nil
}

func (h *Handlers) editForm(w http.ResponseWriter, r *http.Request) error {
	res, err := h.editable(r)
	if err != nil {
		return err
	}
	return h.renderForm(w, r, http.StatusOK, formView{Action: "/ressources/" + res.Slug + "/modifier", Cancel: "/ressources/" + res.Slug,
		Slug: res.Slug, F: res.Fields, Base: res.Revision})
}

func (h *Handlers) save(w http.ResponseWriter, r *http.Request) error {
	res, err := h.editable(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return errs.Wrap(errs.Invalid, err, "Formulaire illisible.", "Unreadable form.")
	}
	f := fieldsFromForm(r)
	base, err := strconv.Atoi(r.PostFormValue("base_revision"))
	v := formView{Action: "/ressources/" + res.Slug + "/modifier", Cancel: "/ressources/" + res.Slug, Slug: res.Slug, F: f, Base: base,
		Comment: r.PostFormValue("comment")}
	if err != nil || base < 1 {
		v.Base = res.Revision
		v.Errors = []string{tr(r, "Le formulaire ne dit pas de quelle révision il part : vérifiez vos changements puis enregistrez de nouveau.",
			"The form does not say which revision it started from: check your changes and save again.")}
		return h.renderForm(w, r, http.StatusUnprocessableEntity, v)
	}
	_, err = h.s.UpdateResource(r.Context(), res.Slug, base, f, author(r), v.Comment)
	switch {
	case err == nil:
		web.SetFlash(w, tr(r, "Modifications enregistrées.", "Changes saved."))
		return web.Redirect(w, r, "/ressources/"+res.Slug)
	case IsConflict(err):
		// Both versions are shown; the form keeps everything the person typed and now
		// starts from the newer revision, so saving again is a deliberate choice.
		cur, err := h.s.Resource(r.Context(), res.Slug)
		if err != nil {
			return err
		}
		revs, err := h.s.Revisions(r.Context(), EntityResource, cur.ID)
		if err != nil {
			return err
		}
		theirs := ResourceTexts(h.s.terr, cur.Fields)
		mine := f
		if _, perr := h.s.prepare(r.Context(), h.s.db.R, &mine); perr != nil {
			mine = f
		}
		v.Conflict = &conflictView{Theirs: theirs, Diff: DiffTexts(theirs, ResourceTexts(h.s.terr, mine)), Revision: cur.Revision,
			Author: revs[0].AuthorName, At: revs[0].CreatedAt}
		v.Base = cur.Revision
		return h.renderForm(w, r, http.StatusConflict, v)
	case errs.Is(err, errs.Invalid):
		v.Errors, v.Invalid = web.FormErrors(lang(r), err)
		return h.renderForm(w, r, http.StatusUnprocessableEntity, v)
	}
	return err
}

func (h *Handlers) upload(w http.ResponseWriter, r *http.Request) error {
	slug := r.PathValue("slug")
	if _, err := h.editable(r); err != nil {
		return err
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return errs.Field("file", "Envoyez le fichier avec le formulaire « Ajouter un fichier » (multipart/form-data).",
			"Send the file with the \"Add a file\" form (multipart/form-data).")
	}
	for {
		part, err := mr.NextPart()
		if err != nil {
			return errs.Field("file", "Aucun fichier reçu : choisissez un fichier.", "No file received: choose a file.")
		}
		if part.FormName() != "file" || part.FileName() == "" {
			part.Close()
			continue
		}
		att, err := h.s.AddAttachment(r.Context(), slug, part.FileName(), part, author(r))
		part.Close()
		if err != nil {
			return err
		}
		web.SetFlash(w, fmt.Sprintf(tr(r, "Fichier « %s » ajouté (%s).", "File \"%s\" added (%s)."), att.Filename, att.ContentType))
		return web.Redirect(w, r, "/ressources/"+slug+"#fichiers")
	}
}

func (h *Handlers) download(w http.ResponseWriter, r *http.Request) error {
	res, err := h.visibleResource(r)
	if err != nil {
		return err
	}
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	att, err := h.s.Attachment(r.Context(), res.ID, id)
	if err != nil {
		return err
	}
	hd := w.Header()
	hd.Set("Content-Type", att.ContentType)
	hd.Set("Content-Disposition", ContentDisposition(att.Filename))
	hd.Set("Content-Length", strconv.FormatInt(att.Size, 10))
	// Even if a browser rendered it, an uploaded file could run nothing and load nothing.
	hd.Set("Content-Security-Policy", h.srv.CSP()+"; sandbox")
	hd.Set("ETag", `"`+att.SHA256+`"`)
	hd.Set("Cache-Control", "private, max-age=3600")
	if r.Header.Get("If-None-Match") == `"`+att.SHA256+`"` {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	return h.s.WriteAttachment(r.Context(), att, w)
}

func (h *Handlers) removeFile(w http.ResponseWriter, r *http.Request) error {
	slug := r.PathValue("slug")
	if _, err := h.editable(r); err != nil {
		return err
	}
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	if err := h.s.RemoveAttachment(r.Context(), slug, id); err != nil {
		return err
	}
	web.SetFlash(w, tr(r, "Fichier retiré.", "File removed."))
	return web.Redirect(w, r, "/ressources/"+slug+"#fichiers")
}

func (h *Handlers) essential(w http.ResponseWriter, r *http.Request) error {
	var on bool
	switch r.PostFormValue("essentiel") {
	case "oui":
		on = true
	case "non":
	default:
		return errs.Field("essentiel", "Indiquez « oui » ou « non ».", "Say \"oui\" or \"non\".")
	}
	slug := r.PathValue("slug")
	if err := h.s.SetEssential(r.Context(), slug, on, author(r)); err != nil {
		return err
	}
	if on {
		web.SetFlash(w, tr(r, "Marquée comme commun essentiel.", "Marked as an essential common."))
	} else {
		web.SetFlash(w, tr(r, "Ce n'est plus un commun essentiel.", "No longer an essential common."))
	}
	return web.Redirect(w, r, "/ressources/"+slug)
}
