package commons

import (
	"encoding/csv"
	"fmt"
	"html/template"
	"net/http"
	"strconv"

	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/i18n"
	"github.com/fabrique-des-energies/fabrique/internal/platform/markup"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
)

// entityInfo is what the shared history, revision, diff and report pages know of an item.
type entityInfo struct {
	Entity   Entity
	ID       int64
	Slug     string
	Label    string
	Base     string // page path
	Section  string // list path
	Current  int
	ReadOnly bool
	Hidden   bool
	Noun     i18n.Text
	Section2 i18n.Text
}

func (h *Handlers) entityInfo(r *http.Request, e Entity) (entityInfo, error) {
	slug := r.PathValue("slug")
	switch e {
	case EntityResource:
		res, err := h.visibleResource(r)
		if err != nil {
			return entityInfo{}, err
		}
		return entityInfo{Entity: e, ID: res.ID, Slug: slug, Label: res.Title, Base: "/ressources/" + slug, Section: "/ressources",
			Current: res.Revision, ReadOnly: res.ReadOnly(), Hidden: res.Hidden, Noun: i18n.T("ressource", "resource"), Section2: i18n.T("Ressources", "Resources")}, nil
	default:
		a, err := h.visibleActor(r)
		if err != nil {
			return entityInfo{}, err
		}
		return entityInfo{Entity: e, ID: a.ID, Slug: slug, Label: a.Name, Base: "/acteurs/" + slug, Section: "/acteurs",
			Current: a.Revision, Hidden: a.Hidden, Noun: i18n.T("acteur", "actor"), Section2: i18n.T("Acteurs", "Actors")}, nil
	}
}

func (h *Handlers) texts(e Entity, v Revision) ([]FieldText, error) {
	if e == EntityResource {
		f, err := ResourceFields(v)
		if err != nil {
			return nil, err
		}
		return ResourceTexts(h.s.terr, f), nil
	}
	f, err := ActorFieldsOf(v)
	if err != nil {
		return nil, err
	}
	return ActorTexts(h.s.terr, f), nil
}

func crumbs(r *http.Request, info entityInfo, last string) []web.Crumb {
	return []web.Crumb{{Href: info.Section, Label: info.Section2.In(lang(r))}, {Href: info.Base, Label: info.Label}, {Label: last}}
}

type historyView struct {
	Info      entityInfo
	Revisions []Revision
	CanRevert bool
	CSV       string
}

func (h *Handlers) history(e Entity) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		info, err := h.entityInfo(r, e)
		if err != nil {
			return err
		}
		revs, err := h.s.Revisions(r.Context(), e, info.ID)
		if err != nil {
			return err
		}
		v := historyView{Info: info, Revisions: revs, CanRevert: web.CurrentUser(r.Context()) != nil && !info.ReadOnly, CSV: info.Base + "/historique.csv"}
		title := fmt.Sprintf(tr(r, "Historique de « %s »", "History of \"%s\""), info.Label)
		return h.tmpl.Render(w, r, http.StatusOK, "history", &web.Page{Title: title, Data: v, Styles: []string{"css/commons.css"},
			Crumbs:     crumbs(r, info, tr(r, "Historique", "History")),
			Alternates: []web.Alternate{{Type: "text/csv", Href: v.CSV, Title: "CSV"}}})
	}
}

func (h *Handlers) historyCSV(e Entity) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		info, err := h.entityInfo(r, e)
		if err != nil {
			return err
		}
		revs, err := h.s.Revisions(r.Context(), e, info.ID)
		if err != nil {
			return err
		}
		cw := startCSV(w, info.Slug+"-historique.csv")
		_ = cw.Write([]string{"revision", "date", "auteur", "commentaire"})
		for _, v := range revs {
			_ = cw.Write([]string{strconv.Itoa(v.Number), v.CreatedAt.UTC().Format("2006-01-02T15:04:05Z"), safeCell(v.AuthorName), safeCell(v.Comment)})
		}
		cw.Flush()
		return cw.Error()
	}
}

type revisionView struct {
	Info     entityInfo
	Rev      Revision
	Texts    []FieldText
	BodyHTML template.HTML
}

func (h *Handlers) revisionN(r *http.Request, info entityInfo, raw string) (Revision, error) {
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 {
		return Revision{}, errs.New(errs.NotFound, "Numéro de révision invalide « "+raw+" ».", "Invalid revision number \""+raw+"\".")
	}
	return h.s.Revision(r.Context(), info.Entity, info.ID, n)
}

func (h *Handlers) revision(e Entity) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		info, err := h.entityInfo(r, e)
		if err != nil {
			return err
		}
		rev, err := h.revisionN(r, info, r.PathValue("n"))
		if err != nil {
			return err
		}
		texts, err := h.texts(e, rev)
		if err != nil {
			return err
		}
		v := revisionView{Info: info, Rev: rev, Texts: texts}
		for _, t := range texts {
			if t.Name == "body" || t.Name == "description" {
				v.BodyHTML = markup.Render(t.Text)
			}
		}
		title := fmt.Sprintf(tr(r, "Révision %d de « %s »", "Revision %d of \"%s\""), rev.Number, info.Label)
		return h.tmpl.Render(w, r, http.StatusOK, "revision", &web.Page{Title: title, Data: v, Styles: []string{"css/commons.css"},
			Crumbs: crumbs(r, info, fmt.Sprintf(tr(r, "Révision %d", "Revision %d"), rev.Number))})
	}
}

type diffView struct {
	Info     entityInfo
	From, To Revision
	Fields   []FieldDiff
	Changed  int
}

// DiffFields are the compared fields.
func (v diffView) DiffFields() []FieldDiff { return v.Fields }

func (h *Handlers) diff(e Entity) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		info, err := h.entityInfo(r, e)
		if err != nil {
			return err
		}
		q := r.URL.Query()
		from, to := q.Get("de"), q.Get("vers")
		if to == "" {
			to = strconv.Itoa(info.Current)
		}
		if from == "" {
			n, _ := strconv.Atoi(to)
			from = strconv.Itoa(max(n-1, 1))
		}
		a, err := h.revisionN(r, info, from)
		if err != nil {
			return err
		}
		b, err := h.revisionN(r, info, to)
		if err != nil {
			return err
		}
		ta, err := h.texts(e, a)
		if err != nil {
			return err
		}
		tb, err := h.texts(e, b)
		if err != nil {
			return err
		}
		v := diffView{Info: info, From: a, To: b, Fields: DiffTexts(ta, tb)}
		for _, f := range v.Fields {
			if f.Changed {
				v.Changed++
			}
		}
		title := fmt.Sprintf(tr(r, "Différences entre les révisions %d et %d de « %s »", "Differences between revisions %d and %d of \"%s\""), a.Number, b.Number, info.Label)
		return h.tmpl.Render(w, r, http.StatusOK, "diff", &web.Page{Title: title, Data: v, Styles: []string{"css/commons.css"},
			Crumbs: crumbs(r, info, tr(r, "Comparaison", "Comparison"))})
	}
}

func (h *Handlers) revert(e Entity) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		info, err := h.entityInfo(r, e)
		if err != nil {
			return err
		}
		if info.ReadOnly {
			return errs.New(errs.Forbidden, "Ressource moissonnée : elle se modifie à sa source.", "Harvested resource: edit it at its source.")
		}
		n, err := strconv.Atoi(r.PathValue("n"))
		if err != nil {
			return errs.New(errs.NotFound, "Numéro de révision invalide.", "Invalid revision number.")
		}
		if e == EntityResource {
			_, err = h.s.RevertResource(r.Context(), info.Slug, n, author(r))
		} else {
			_, err = h.s.RevertActor(r.Context(), info.Slug, n, author(r))
		}
		if err != nil {
			return err
		}
		web.SetFlash(w, fmt.Sprintf(tr(r, "La révision %d est rétablie (comme une nouvelle révision).", "Revision %d is restored (as a new revision)."), n))
		return web.Redirect(w, r, info.Base+"/historique")
	}
}

type reportView struct {
	Info    entityInfo
	Reason  string
	Errors  []string
	Invalid map[string]bool
	Needed  int
}

func (h *Handlers) renderReport(w http.ResponseWriter, r *http.Request, status int, v reportView) error {
	v.Needed = ReportsToHide
	if v.Invalid == nil {
		v.Invalid = map[string]bool{}
	}
	title := fmt.Sprintf(tr(r, "Signaler « %s »", "Report \"%s\""), v.Info.Label)
	return h.tmpl.Render(w, r, status, "report", &web.Page{Title: title, Data: v, Styles: []string{"css/commons.css"},
		Crumbs: crumbs(r, v.Info, tr(r, "Signaler", "Report"))})
}

func (h *Handlers) reportForm(e Entity) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		info, err := h.entityInfo(r, e)
		if err != nil {
			return err
		}
		return h.renderReport(w, r, http.StatusOK, reportView{Info: info})
	}
}

func (h *Handlers) report(e Entity) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		info, err := h.entityInfo(r, e)
		if err != nil {
			return err
		}
		reason := r.PostFormValue("reason")
		out, err := h.s.Report(r.Context(), e, info.Slug, author(r).UserID, reason)
		switch {
		case errs.Is(err, errs.Invalid):
			v := reportView{Info: info, Reason: reason}
			v.Errors, v.Invalid = web.FormErrors(lang(r), err)
			return h.renderReport(w, r, http.StatusUnprocessableEntity, v)
		case errs.Is(err, errs.Conflict):
			e, _ := errs.As(err)
			web.SetFlash(w, e.Message.In(lang(r)))
			return web.Redirect(w, r, info.Base)
		case err != nil:
			return err
		}
		if out.Hidden && !isModerator(r) {
			web.SetFlash(w, tr(r, "Merci. Après plusieurs signalements, cet élément est masqué en attendant l'examen de la modération.",
				"Thank you. After several reports, this item is hidden until the moderators review it."))
			return web.Redirect(w, r, info.Section)
		}
		web.SetFlash(w, tr(r, "Merci, votre signalement est transmis à l'équipe de modération.", "Thank you, your report has been passed to the moderators."))
		return web.Redirect(w, r, info.Base)
	}
}

// startCSV writes the headers of a CSV download (UTF-8 with BOM, ";" separated, the usual
// choice of French spreadsheets) and returns the writer.
func startCSV(w http.ResponseWriter, filename string) *csv.Writer {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", ContentDisposition(filename))
	w.Header().Set("Access-Control-Allow-Origin", "*")
	_, _ = w.Write([]byte("\ufeff"))
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	return cw
}

// safeCell keeps spreadsheet programs from reading a cell as a formula.
func safeCell(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r') {
		return "'" + s
	}
	return s
}
