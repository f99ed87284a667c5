package observatory

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/i18n"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
)

// principleField is one principle in the community form.
type principleField struct {
	Code     string
	Label    i18n.Text
	Status   string
	Evidence string
}

type communityFormView struct {
	New         bool
	Slug        string
	Values      map[string]string
	Activities  map[string]bool
	Options     filterOptions
	Assessments []Option
	Principles  []principleField
	Errors      []string
	Invalid     map[string]bool
	IsModerator bool
}

// cellsOf writes a community as form values (private fields included:
// only editors get this form).
func cellsOf(c Community) map[string]string {
	b := func(v bool) string {
		if v {
			return "1"
		}
		return ""
	}
	m := map[string]string{
		"slug": c.Slug, "name": c.Name, "legal_form": c.LegalForm, "eu_status": c.EUStatus,
		"open_participation": c.Principles.OpenParticipation.Status, "open_participation_evidence": c.Principles.OpenParticipation.Evidence,
		"member_control": c.Principles.MemberControl.Status, "member_control_evidence": c.Principles.MemberControl.Evidence,
		"benefits": c.Principles.Benefits.Status, "benefits_evidence": c.Principles.Benefits.Evidence,
		"commune": c.Place.Commune, "stage": c.Stage, "website": c.Website,
		"members_citizens": strconv.Itoa(c.Members.Citizens), "members_local_authorities": strconv.Itoa(c.Members.LocalAuthorities),
		"members_businesses": strconv.Itoa(c.Members.Businesses), "members_associations": strconv.Itoa(c.Members.Associations),
		"contact_name": c.Contact.Name, "contact_name_private": b(c.Contact.NamePrivate),
		"contact_email": c.Contact.Email, "contact_email_private": b(c.Contact.EmailPrivate),
		"contact_phone": c.Contact.Phone, "contact_phone_private": b(c.Contact.PhonePrivate),
		"label": c.Label, "description": c.Description, "example": b(c.Example),
	}
	if c.FoundingYear > 0 {
		m["founding_year"] = strconv.Itoa(c.FoundingYear)
	}
	return m
}

// formCells reads the community form into cells keyed like import columns.
func formCells(r *http.Request, isModerator bool) (map[string]string, map[string]bool) {
	m := map[string]string{}
	for _, col := range ImportColumns {
		if col == "activities" || col == "managers" {
			continue
		}
		m[col] = strings.TrimSpace(r.PostFormValue(col))
	}
	for _, col := range []string{"contact_name_private", "contact_email_private", "contact_phone_private", "example"} {
		if m[col] != "" {
			m[col] = "1"
		} else {
			m[col] = "0"
		}
	}
	if !isModerator {
		delete(m, "example") // only the Fabrique team marks examples
	}
	acts := map[string]bool{}
	for _, a := range r.PostForm["activities"] {
		acts[a] = true
	}
	m["activities"] = strings.Join(r.PostForm["activities"], "|")
	return m, acts
}

func (h *Handlers) communityForm(w http.ResponseWriter, r *http.Request, status int, v communityFormView, err error) error {
	id := web.CurrentUser(r.Context())
	v.Options = h.options()
	v.Assessments = Assessments.Options()
	v.IsModerator = id.IsModerator()
	if v.Activities == nil {
		v.Activities = map[string]bool{}
		for _, a := range strings.Split(v.Values["activities"], "|") {
			v.Activities[a] = true
		}
	}
	for _, p := range Principles {
		v.Principles = append(v.Principles, principleField{Code: p.Code, Label: p.Label, Status: v.Values[p.Code], Evidence: v.Values[p.Code+"_evidence"]})
	}
	if err != nil {
		var inv map[string]bool
		v.Errors, inv = web.FormErrors(lang(r), err)
		v.Invalid = map[string]bool{}
		for f := range inv {
			v.Invalid[fieldColumn(f)] = true
		}
	}
	l := lang(r)
	title := i18n.T("Ajouter une communauté", "Add a community").In(l)
	crumbs := []web.Crumb{{Href: "/communautes", Label: i18n.T("Communautés", "Communities").In(l)}}
	if !v.New {
		title = fmt.Sprintf(i18n.T("Modifier « %s »", "Edit \"%s\"").In(l), v.Values["name"])
		crumbs = append(crumbs, web.Crumb{Href: "/communautes/" + v.Slug, Label: v.Values["name"]})
	}
	crumbs = append(crumbs, web.Crumb{Label: title})
	return h.tmpl.Render(w, r, status, "community_form", &web.Page{Title: title, Data: v, Crumbs: crumbs, Styles: []string{"css/observatory.css"}})
}

func (h *Handlers) newForm(w http.ResponseWriter, r *http.Request) error {
	return h.communityForm(w, r, http.StatusOK, communityFormView{New: true, Values: map[string]string{
		"eu_status": "unknown", "open_participation": "unknown", "member_control": "unknown", "benefits": "unknown", "stage": "emergence"}}, nil)
}

func (h *Handlers) create(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	id := web.CurrentUser(r.Context())
	cells, acts := formCells(r, id.IsModerator())
	var in CommunityInput
	in.Slug = cells["slug"]
	err := cellErrors(applyCells(&in, cells))
	var c Community
	if err == nil {
		c, err = h.svc.Create(r.Context(), id, in)
	}
	if err != nil {
		if !errs.Is(err, errs.Invalid) {
			return err
		}
		return h.communityForm(w, r, http.StatusUnprocessableEntity, communityFormView{New: true, Values: cells, Activities: acts}, err)
	}
	web.SetFlash(w, tr(r, "Communauté ajoutée. Vous en êtes gestionnaire.", "Community added. You manage it."))
	return web.Redirect(w, r, "/communautes/"+c.Slug)
}

// cellErrors turns unreadable cells into one invalid-input error.
func cellErrors(d []errs.Detail) error {
	if len(d) == 0 {
		return nil
	}
	e := errs.New(errs.Invalid, "Certaines informations sont invalides : corrigez les champs signalés.", "Some information is invalid: correct the fields shown.")
	e.Details = d
	return e
}

func (h *Handlers) editForm(w http.ResponseWriter, r *http.Request) error {
	c, err := h.svc.CommunityForEditor(r.Context(), web.CurrentUser(r.Context()), r.PathValue("slug"))
	if err != nil {
		return err
	}
	acts := map[string]bool{}
	for _, a := range c.Activities {
		acts[a] = true
	}
	return h.communityForm(w, r, http.StatusOK, communityFormView{Slug: c.Slug, Values: cellsOf(c), Activities: acts}, nil)
}

func (h *Handlers) update(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	id := web.CurrentUser(r.Context())
	slug := r.PathValue("slug")
	cur, err := h.svc.CommunityForEditor(r.Context(), id, slug)
	if err != nil {
		return err
	}
	cells, acts := formCells(r, id.IsModerator())
	in := CommunityInput{Slug: slug, Stage: cur.Stage, Example: cur.Example}
	err = cellErrors(applyCells(&in, cells))
	if err == nil {
		_, err = h.svc.Update(r.Context(), id, slug, in)
	}
	if err != nil {
		if !errs.Is(err, errs.Invalid) {
			return err
		}
		return h.communityForm(w, r, http.StatusUnprocessableEntity, communityFormView{Slug: slug, Values: cells, Activities: acts}, err)
	}
	web.SetFlash(w, tr(r, "Modifications enregistrées.", "Changes saved."))
	return web.Redirect(w, r, "/communautes/"+slug)
}

func (h *Handlers) delete(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	if r.PostFormValue("confirm") == "" {
		return errs.Field("confirm", "Cochez la case de confirmation pour supprimer la communauté.", "Tick the confirmation box to delete the community.")
	}
	if err := h.svc.Delete(r.Context(), web.CurrentUser(r.Context()), r.PathValue("slug")); err != nil {
		return err
	}
	web.SetFlash(w, tr(r, "Communauté supprimée.", "Community deleted."))
	return web.Redirect(w, r, "/communautes")
}

// followUp runs a follow-up form post: on invalid input the community page
// is shown again with the errors next to that form.
func (h *Handlers) followUp(w http.ResponseWriter, r *http.Request, form, done string, fn func() error) error {
	if err := parseForm(r); err != nil {
		return err
	}
	slug := r.PathValue("slug")
	if err := fn(); err != nil {
		if !errs.Is(err, errs.Invalid) {
			return err
		}
		input := map[string]string{}
		for k := range r.PostForm {
			input[k] = r.PostFormValue(k)
		}
		return h.renderCommunity(w, r, http.StatusUnprocessableEntity, slug, err, form, input)
	}
	web.SetFlash(w, done)
	return web.Redirect(w, r, "/communautes/"+slug+"#"+form)
}

func (h *Handlers) setStage(w http.ResponseWriter, r *http.Request) error {
	return h.followUp(w, r, "suivi", tr(r, "Étape enregistrée.", "Stage saved."), func() error {
		return h.svc.SetStage(r.Context(), web.CurrentUser(r.Context()), r.PathValue("slug"), r.PostFormValue("stage"), r.PostFormValue("note"))
	})
}

func (h *Handlers) addJournal(w http.ResponseWriter, r *http.Request) error {
	return h.followUp(w, r, "journal", tr(r, "Entrée ajoutée au journal.", "Journal entry added."), func() error {
		_, err := h.svc.AddJournal(r.Context(), web.CurrentUser(r.Context()), r.PathValue("slug"), r.PostFormValue("date"), r.PostFormValue("body"))
		return err
	})
}

func (h *Handlers) addNeed(w http.ResponseWriter, r *http.Request) error {
	return h.followUp(w, r, "besoins", tr(r, "Besoin ajouté.", "Need added."), func() error {
		_, err := h.svc.AddNeed(r.Context(), web.CurrentUser(r.Context()), r.PathValue("slug"), r.PostFormValue("title"), r.PostFormValue("details"))
		return err
	})
}

func (h *Handlers) closeNeed(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return h.followUp(w, r, "besoins", tr(r, "Besoin marqué comme satisfait.", "Need marked as met."), func() error {
		return h.svc.CloseNeed(r.Context(), web.CurrentUser(r.Context()), r.PathValue("slug"), id)
	})
}

func (h *Handlers) addAccompaniment(w http.ResponseWriter, r *http.Request) error {
	return h.followUp(w, r, "accompagnements", tr(r, "Accompagnement enregistré.", "Accompaniment recorded."), func() error {
		hours, herr := parseFloatField(r.PostFormValue("hours"))
		if herr != nil {
			return errs.Field("hours", "Le nombre d'heures est un nombre (par exemple 3,5).", "The number of hours is a number (for example 3.5).")
		}
		in := AccompanimentInput{Date: r.PostFormValue("date"), Person: r.PostFormValue("person"), Summary: r.PostFormValue("summary"),
			Resources: strings.FieldsFunc(r.PostFormValue("resources"), func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' })}
		if hours != nil {
			in.Hours = *hours
		}
		_, err := h.svc.AddAccompaniment(r.Context(), web.CurrentUser(r.Context()), r.PathValue("slug"), in)
		return err
	})
}

func (h *Handlers) addManager(w http.ResponseWriter, r *http.Request) error {
	return h.followUp(w, r, "gestionnaires", tr(r, "Gestionnaire ajouté.", "Manager added."), func() error {
		return h.svc.AddManager(r.Context(), web.CurrentUser(r.Context()), r.PathValue("slug"), r.PostFormValue("email"))
	})
}

func (h *Handlers) removeManager(w http.ResponseWriter, r *http.Request) error {
	uid, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return h.followUp(w, r, "gestionnaires", tr(r, "Gestionnaire retiré.", "Manager removed."), func() error {
		return h.svc.RemoveManager(r.Context(), web.CurrentUser(r.Context()), r.PathValue("slug"), uid)
	})
}

// parseFloatField reads a number typed in a form, with a decimal comma or
// point and spaces between thousands; empty gives nil.
func parseFloatField(s string) (*float64, error) {
	s = strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "").Replace(strings.TrimSpace(s))
	if s == "" {
		return nil, nil
	}
	v, err := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64)
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// ---- Projects

type projectFormView struct {
	Community    Community
	ProjectID    int64
	Values       map[string]string
	Technologies []Option
	Statuses     []Option
	Errors       []string
	Invalid      map[string]bool
}

func projectCells(p Project) map[string]string {
	f := func(v *float64) string {
		if v == nil {
			return ""
		}
		return strconv.FormatFloat(*v, 'f', -1, 64)
	}
	m := map[string]string{"name": p.Name, "technology": p.Technology, "capacity_kw": f(p.CapacityKW), "capacity_unit": p.CapacityUnit,
		"production_mwh": f(p.ProductionMWh), "status": p.Status, "commissioning": p.Commissioning, "citizen_share_pct": f(p.CitizenSharePct),
		"investment_eur": f(p.InvestmentEUR), "commune": p.Place.Commune}
	if p.ProductionMeasured {
		m["production_measured"] = "1"
	}
	return m
}

// projectInput reads the project form; unreadable numbers are reported.
func projectInput(r *http.Request) (ProjectInput, map[string]string, error) {
	m := map[string]string{}
	for _, k := range []string{"name", "technology", "capacity_kw", "capacity_unit", "production_mwh", "production_measured", "status", "commissioning", "citizen_share_pct", "investment_eur", "commune"} {
		m[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	in := ProjectInput{Name: m["name"], Technology: m["technology"], CapacityUnit: m["capacity_unit"], Status: m["status"],
		Commissioning: m["commissioning"], Commune: m["commune"], ProductionMeasured: m["production_measured"] != ""}
	var p problems
	for _, n := range []struct {
		field string
		dst   **float64
	}{{"capacity_kw", &in.CapacityKW}, {"production_mwh", &in.ProductionMWh}, {"citizen_share_pct", &in.CitizenSharePct}, {"investment_eur", &in.InvestmentEUR}} {
		v, err := parseFloatField(m[n.field])
		if err != nil {
			p.add(n.field, "Nombre illisible « "+m[n.field]+" ».", "Unreadable number \""+m[n.field]+"\".")
			continue
		}
		*n.dst = v
	}
	if e := p.err(); e != nil {
		return in, m, e
	}
	return in, m, nil
}

func (h *Handlers) projectForm(w http.ResponseWriter, r *http.Request, status int, v projectFormView, err error) error {
	v.Technologies, v.Statuses = Technologies.Options(), ProjectStatuses.Options()
	if err != nil {
		v.Errors, v.Invalid = web.FormErrors(lang(r), err)
	}
	l := lang(r)
	title := i18n.T("Ajouter un projet", "Add a project").In(l)
	if v.ProjectID != 0 {
		title = fmt.Sprintf(i18n.T("Modifier le projet « %s »", "Edit project \"%s\"").In(l), v.Values["name"])
	}
	return h.tmpl.Render(w, r, status, "project_form", &web.Page{Title: title, Data: v, Styles: []string{"css/observatory.css"},
		Crumbs: []web.Crumb{{Href: "/communautes", Label: i18n.T("Communautés", "Communities").In(l)},
			{Href: "/communautes/" + v.Community.Slug, Label: v.Community.Name}, {Label: title}}})
}

func (h *Handlers) newProjectForm(w http.ResponseWriter, r *http.Request) error {
	c, err := h.svc.CommunityForEditor(r.Context(), web.CurrentUser(r.Context()), r.PathValue("slug"))
	if err != nil {
		return err
	}
	return h.projectForm(w, r, http.StatusOK, projectFormView{Community: c, Values: map[string]string{"status": "idea", "commune": c.Place.Commune}}, nil)
}

func (h *Handlers) createProject(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	id := web.CurrentUser(r.Context())
	c, err := h.svc.CommunityForEditor(r.Context(), id, r.PathValue("slug"))
	if err != nil {
		return err
	}
	in, cells, err := projectInput(r)
	if err == nil {
		_, err = h.svc.AddProject(r.Context(), id, c.Slug, in)
	}
	if err != nil {
		if !errs.Is(err, errs.Invalid) {
			return err
		}
		return h.projectForm(w, r, http.StatusUnprocessableEntity, projectFormView{Community: c, Values: cells}, err)
	}
	web.SetFlash(w, tr(r, "Projet ajouté.", "Project added."))
	return web.Redirect(w, r, "/communautes/"+c.Slug+"#projets")
}

func (h *Handlers) editProjectForm(w http.ResponseWriter, r *http.Request) error {
	id := web.CurrentUser(r.Context())
	c, err := h.svc.CommunityForEditor(r.Context(), id, r.PathValue("slug"))
	if err != nil {
		return err
	}
	pid, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := h.svc.Project(r.Context(), c.Slug, pid)
	if err != nil {
		return err
	}
	return h.projectForm(w, r, http.StatusOK, projectFormView{Community: c, ProjectID: pid, Values: projectCells(p)}, nil)
}

func (h *Handlers) updateProject(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	id := web.CurrentUser(r.Context())
	c, err := h.svc.CommunityForEditor(r.Context(), id, r.PathValue("slug"))
	if err != nil {
		return err
	}
	pid, err := pathID(r, "id")
	if err != nil {
		return err
	}
	in, cells, err := projectInput(r)
	if err == nil {
		_, err = h.svc.UpdateProject(r.Context(), id, c.Slug, pid, in)
	}
	if err != nil {
		if !errs.Is(err, errs.Invalid) {
			return err
		}
		return h.projectForm(w, r, http.StatusUnprocessableEntity, projectFormView{Community: c, ProjectID: pid, Values: cells}, err)
	}
	web.SetFlash(w, tr(r, "Projet modifié.", "Project updated."))
	return web.Redirect(w, r, "/communautes/"+c.Slug+"#projets")
}

func (h *Handlers) deleteProject(w http.ResponseWriter, r *http.Request) error {
	pid, err := pathID(r, "id")
	if err != nil {
		return err
	}
	slug := r.PathValue("slug")
	if err := h.svc.DeleteProject(r.Context(), web.CurrentUser(r.Context()), slug, pid); err != nil {
		return err
	}
	web.SetFlash(w, tr(r, "Projet supprimé.", "Project deleted."))
	return web.Redirect(w, r, "/communautes/"+slug+"#projets")
}

// ---- Import page

type importView struct {
	Columns []string
	Report  *ImportReport
	Errors  []errs.Detail
	Message string
	DryRun  bool
}

func (h *Handlers) importForm(w http.ResponseWriter, r *http.Request) error {
	return h.renderImport(w, r, http.StatusOK, importView{DryRun: true})
}

func (h *Handlers) renderImport(w http.ResponseWriter, r *http.Request, status int, v importView) error {
	v.Columns = ImportColumns
	l := lang(r)
	return h.tmpl.Render(w, r, status, "import", &web.Page{Title: i18n.T("Importer des communautés", "Import communities").In(l), Data: v,
		Styles: []string{"css/observatory.css"},
		Crumbs: []web.Crumb{{Href: "/observatoire", Label: i18n.T("Observatoire", "Observatory").In(l)}, {Label: i18n.T("Import", "Import").In(l)}}})
}

func (h *Handlers) importUpload(w http.ResponseWriter, r *http.Request) error {
	v := importView{}
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		if err2 := r.ParseForm(); err2 != nil {
			return errs.Wrap(errs.Invalid, err, "Formulaire illisible.", "Unreadable form.")
		}
	}
	v.DryRun = r.FormValue("dry_run") != ""
	file, _, err := r.FormFile("file")
	if err != nil {
		v.Message = tr(r, "Choisissez un fichier CSV à importer.", "Choose a CSV file to import.")
		return h.renderImport(w, r, http.StatusUnprocessableEntity, v)
	}
	defer file.Close()
	rep, err := h.svc.Import(r.Context(), web.CurrentUser(r.Context()), file, v.DryRun)
	if err != nil {
		e, ok := errs.As(err)
		if !ok || (e.Code != errs.Invalid && e.Code != errs.TooLarge) {
			return err
		}
		v.Message, v.Errors = e.Message.In(lang(r)), e.Details
		return h.renderImport(w, r, http.StatusUnprocessableEntity, v)
	}
	v.Report = &rep
	return h.renderImport(w, r, http.StatusOK, v)
}
