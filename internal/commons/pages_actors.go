package commons

import (
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/markup"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
)

func (h *Handlers) visibleActor(r *http.Request) (*Actor, error) {
	a, err := h.s.Actor(r.Context(), r.PathValue("slug"))
	if err != nil {
		return nil, err
	}
	if a.Hidden && !isModerator(r) {
		return nil, errs.New(errs.NotFound, "Cette fiche d'acteur est masquée en attente de modération.", "This actor is hidden pending moderation.")
	}
	return a, nil
}

func actorFilter(r *http.Request) ActorFilter {
	q := r.URL.Query()
	return ActorFilter{Q: strings.TrimSpace(q.Get("q")), Kind: q.Get("kind"), Territory: q.Get("territory"), Hidden: isModerator(r) && q.Get("masques") == "1"}
}

type actorsView struct {
	L      labels
	O      options
	F      ActorFilter
	Actors []*Actor
	Total  int
	Errors []string
	Pager  Pager
	CSV    string
}

func (h *Handlers) actors(w http.ResponseWriter, r *http.Request) error {
	f := actorFilter(r)
	v := actorsView{L: labels{h.s.terr}, O: allOptions, F: f, CSV: "/actors.csv"}
	if qs := r.URL.Query(); len(qs) > 0 {
		qs.Del("page")
		v.CSV += "?" + qs.Encode()
	}
	page, err := web.QueryInt(r, "page", 1, 1, 100000)
	if err != nil {
		return err
	}
	status := http.StatusOK
	list, err := h.s.Actors(r.Context(), f)
	if err != nil {
		if !errs.Is(err, errs.Invalid) {
			return err
		}
		v.Errors, _ = web.FormErrors(lang(r), err)
		status = http.StatusUnprocessableEntity
	}
	const per = 50
	v.Total = len(list)
	pages := (len(list) + per - 1) / per
	from, to := min((page-1)*per, len(list)), min(page*per, len(list))
	v.Actors = list[from:to]
	v.Pager = makePager(r, page, pages)
	return h.tmpl.Render(w, r, status, "actors", &web.Page{Title: tr(r, "Acteurs", "Actors"), Data: v, Styles: []string{"css/commons.css"},
		Description: tr(r, "Collectivités, associations, coopératives et personnes qui font les communs de l'énergie.", "Authorities, associations, cooperatives and people who make energy commons."),
		Alternates:  []web.Alternate{{Type: "text/csv", Href: v.CSV, Title: "CSV"}, {Type: "application/json", Href: "/api/v1/actors", Title: "JSON"}}})
}

type actorView struct {
	L           labels
	A           *Actor
	DescHTML    template.HTML
	Resources   []ActorResource
	SignedIn    bool
	CanModerate bool
	Item        string
}

func (h *Handlers) actor(w http.ResponseWriter, r *http.Request) error {
	a, err := h.visibleActor(r)
	if err != nil {
		return err
	}
	res, err := h.s.ActorResources(r.Context(), a.ID)
	if err != nil {
		return err
	}
	mod := isModerator(r)
	visible := res[:0]
	for _, x := range res {
		if !x.Hidden || mod {
			visible = append(visible, x)
		}
	}
	v := actorView{L: labels{h.s.terr}, A: a, DescHTML: markup.Render(a.Description), Resources: visible,
		SignedIn: web.CurrentUser(r.Context()) != nil, CanModerate: mod, Item: fmt.Sprintf("actor:%d", a.ID)}
	ld, err := h.s.ActorJSONLD(a)
	if err != nil {
		return err
	}
	return h.tmpl.Render(w, r, http.StatusOK, "actor", &web.Page{Title: a.Name, Description: ActorKinds.Label(a.Kind).In(lang(r)), Data: v, JSONLD: ld,
		Styles:     []string{"css/commons.css"},
		Alternates: []web.Alternate{{Type: "application/json", Href: "/api/v1/actors/" + a.Slug, Title: "JSON"}},
		Crumbs:     []web.Crumb{{Href: "/acteurs", Label: tr(r, "Acteurs", "Actors")}, {Label: a.Name}}})
}

type actorFormView struct {
	L         labels
	O         options
	New       bool
	Action    string
	Cancel    string
	Slug      string
	F         ActorFields
	Territory string
	Base      int
	Comment   string
	Errors    []string
	Invalid   map[string]bool
	Conflict  *conflictView
}

// DiffFields are the differences shown on a conflict page.
func (v actorFormView) DiffFields() []FieldDiff {
	if v.Conflict == nil {
		return nil
	}
	return v.Conflict.Diff
}

func (h *Handlers) renderActorForm(w http.ResponseWriter, r *http.Request, status int, v actorFormView) error {
	v.L, v.O = labels{h.s.terr}, allOptions
	if v.Invalid == nil {
		v.Invalid = map[string]bool{}
	}
	if v.F.Territory != nil {
		v.Territory = placeLabel(h.s.terr, *v.F.Territory)
	}
	title := tr(r, "Nouvel acteur", "New actor")
	cr := []web.Crumb{{Href: "/acteurs", Label: tr(r, "Acteurs", "Actors")}}
	if !v.New {
		title = fmt.Sprintf(tr(r, "Modifier « %s »", "Edit \"%s\""), v.F.Name)
		cr = append(cr, web.Crumb{Href: "/acteurs/" + v.Slug, Label: v.F.Name})
	}
	if v.Conflict != nil {
		title = tr(r, "Conflit de modification", "Edit conflict")
	}
	cr = append(cr, web.Crumb{Label: title})
	return h.tmpl.Render(w, r, status, "actor_form", &web.Page{Title: title, Data: v, Crumbs: cr,
		Styles: []string{"css/commons.css"}, Scripts: []string{"js/commons-form.js"}})
}

func (h *Handlers) newActorForm(w http.ResponseWriter, r *http.Request) error {
	return h.renderActorForm(w, r, http.StatusOK, actorFormView{New: true, Action: "/acteurs", Cancel: "/acteurs", F: ActorFields{Kind: "association"}})
}

func (h *Handlers) createActor(w http.ResponseWriter, r *http.Request) error {
	f := actorFieldsFromForm(r)
	a, err := h.s.CreateActor(r.Context(), f, author(r), r.PostFormValue("comment"))
	if err != nil {
		if !errs.Is(err, errs.Invalid) {
			return err
		}
		v := actorFormView{New: true, Action: "/acteurs", Cancel: "/acteurs", F: f, Comment: r.PostFormValue("comment")}
		v.Errors, v.Invalid = web.FormErrors(lang(r), err)
		if v.Invalid["territory"] && f.Territory != nil {
			v.F.Territory = nil
			v.Territory = r.PostFormValue("territory")
		}
		return h.renderActorForm(w, r, http.StatusUnprocessableEntity, v)
	}
	web.SetFlash(w, tr(r, "Fiche d'acteur créée.", "Actor created."))
	return web.Redirect(w, r, "/acteurs/"+a.Slug)
}

func (h *Handlers) editActorForm(w http.ResponseWriter, r *http.Request) error {
	a, err := h.visibleActor(r)
	if err != nil {
		return err
	}
	return h.renderActorForm(w, r, http.StatusOK, actorFormView{Action: "/acteurs/" + a.Slug + "/modifier", Cancel: "/acteurs/" + a.Slug,
		Slug: a.Slug, F: a.ActorFields, Base: a.Revision})
}

func (h *Handlers) saveActor(w http.ResponseWriter, r *http.Request) error {
	a, err := h.visibleActor(r)
	if err != nil {
		return err
	}
	f := actorFieldsFromForm(r)
	base, err := strconv.Atoi(r.PostFormValue("base_revision"))
	v := actorFormView{Action: "/acteurs/" + a.Slug + "/modifier", Cancel: "/acteurs/" + a.Slug, Slug: a.Slug, F: f, Base: base, Comment: r.PostFormValue("comment")}
	if err != nil || base < 1 {
		v.Base = a.Revision
		v.Errors = []string{tr(r, "Le formulaire ne dit pas de quelle révision il part : vérifiez vos changements puis enregistrez de nouveau.",
			"The form does not say which revision it started from: check your changes and save again.")}
		return h.renderActorForm(w, r, http.StatusUnprocessableEntity, v)
	}
	_, err = h.s.UpdateActor(r.Context(), a.Slug, base, f, author(r), v.Comment)
	switch {
	case err == nil:
		web.SetFlash(w, tr(r, "Modifications enregistrées.", "Changes saved."))
		return web.Redirect(w, r, "/acteurs/"+a.Slug)
	case IsConflict(err):
		cur, err := h.s.Actor(r.Context(), a.Slug)
		if err != nil {
			return err
		}
		revs, err := h.s.Revisions(r.Context(), EntityActor, cur.ID)
		if err != nil {
			return err
		}
		theirs := ActorTexts(h.s.terr, cur.ActorFields)
		mine := f
		_ = normalizeActor(&mine, h.s.terr)
		v.Conflict = &conflictView{Theirs: theirs, Diff: DiffTexts(theirs, ActorTexts(h.s.terr, mine)), Revision: cur.Revision,
			Author: revs[0].AuthorName, At: revs[0].CreatedAt}
		v.Base = cur.Revision
		return h.renderActorForm(w, r, http.StatusConflict, v)
	case errs.Is(err, errs.Invalid):
		v.Errors, v.Invalid = web.FormErrors(lang(r), err)
		if v.Invalid["territory"] && f.Territory != nil {
			v.F.Territory = nil
			v.Territory = r.PostFormValue("territory")
		}
		return h.renderActorForm(w, r, http.StatusUnprocessableEntity, v)
	}
	return err
}

func (h *Handlers) actorResourcesCSV(w http.ResponseWriter, r *http.Request) error {
	a, err := h.visibleActor(r)
	if err != nil {
		return err
	}
	list, err := h.s.ActorResources(r.Context(), a.ID)
	if err != nil {
		return err
	}
	cw := startCSV(w, a.Slug+"-ressources.csv")
	_ = cw.Write([]string{"slug", "url", "titre", "resume", "type", "statut", "roles"})
	mod := isModerator(r)
	for _, x := range list {
		if x.Hidden && !mod {
			continue
		}
		_ = cw.Write([]string{x.Slug, h.s.baseURL + "/ressources/" + x.Slug, safeCell(x.Title), safeCell(x.Summary), x.Kind, x.Status, strings.Join(x.Roles, " | ")})
	}
	cw.Flush()
	return cw.Error()
}
