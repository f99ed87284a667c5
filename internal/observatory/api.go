package observatory

import (
	"net/http"
	"strings"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
)

// ContactJSON is a contact in API answers. The privacy flags are given to
// editors only; others get the public fields alone.
type ContactJSON struct {
	Name         string `json:"name,omitempty"`
	Email        string `json:"email,omitempty"`
	Phone        string `json:"phone,omitempty"`
	NamePrivate  *bool  `json:"name_private,omitempty"`
	EmailPrivate *bool  `json:"email_private,omitempty"`
	PhonePrivate *bool  `json:"phone_private,omitempty"`
}

// CommunityJSON is a community in API answers.
type CommunityJSON struct {
	Slug         string       `json:"slug"`
	Name         string       `json:"name"`
	URL          string       `json:"url"`
	LegalForm    string       `json:"legal_form"`
	EUStatus     string       `json:"eu_status"`
	Principles   PrincipleSet `json:"principles"`
	Place        Place        `json:"place"`
	FoundingYear *int         `json:"founding_year"`
	Members      Members      `json:"members"`
	MembersTotal int          `json:"members_total"`
	Activities   []string     `json:"activities"`
	Website      string       `json:"website,omitempty"`
	Contact      ContactJSON  `json:"contact"`
	Label        string       `json:"label,omitempty"`
	Description  string       `json:"description,omitempty"`
	Stage        string       `json:"stage"`
	StageSince   time.Time    `json:"stage_since"`
	Example      bool         `json:"example"`
	CreatedAt    time.Time    `json:"created_at"`
	UpdatedAt    time.Time    `json:"updated_at"`
	ProjectCount int          `json:"project_count"`
	InstalledKW  float64      `json:"installed_kw"`
	// Detail only.
	Projects       []ProjectJSON   `json:"projects,omitempty"`
	StageHistory   []StageChange   `json:"stage_history,omitempty"`
	Journal        []JournalEntry  `json:"journal,omitempty"`
	Needs          []Need          `json:"needs,omitempty"`
	Accompaniments []Accompaniment `json:"accompaniments,omitempty"`
	Managers       []Manager       `json:"managers,omitempty"`
	CanEdit        *bool           `json:"can_edit,omitempty"`
}

// ProjectJSON is a project in API answers.
type ProjectJSON struct {
	ID                 int64     `json:"id"`
	Community          string    `json:"community"`
	Name               string    `json:"name"`
	Technology         string    `json:"technology"`
	CapacityKW         *float64  `json:"capacity_kw"`
	CapacityUnit       string    `json:"capacity_unit"`
	ProductionMWh      *float64  `json:"production_mwh"`
	ProductionMeasured bool      `json:"production_measured"`
	Status             string    `json:"status"`
	Commissioning      string    `json:"commissioning,omitempty"`
	CitizenSharePct    *float64  `json:"citizen_share_pct"`
	InvestmentEUR      *float64  `json:"investment_eur"`
	Place              Place     `json:"place"`
	UpdatedAt          time.Time `json:"updated_at"`
}

func projectJSON(p Project) ProjectJSON {
	return ProjectJSON{ID: p.ID, Community: p.CommunitySlug, Name: p.Name, Technology: p.Technology, CapacityKW: p.CapacityKW, CapacityUnit: p.CapacityUnit,
		ProductionMWh: p.ProductionMWh, ProductionMeasured: p.ProductionMeasured, Status: p.Status, Commissioning: p.Commissioning,
		CitizenSharePct: p.CitizenSharePct, InvestmentEUR: p.InvestmentEUR, Place: p.Place, UpdatedAt: p.UpdatedAt}
}

// communityJSON builds the answer; private is true only for editors, whose
// community value holds the private fields.
func (h *Handlers) communityJSON(c Community, private bool) CommunityJSON {
	j := CommunityJSON{Slug: c.Slug, Name: c.Name, URL: h.srv.Config().BaseURL + "/communautes/" + c.Slug, LegalForm: c.LegalForm, EUStatus: c.EUStatus,
		Principles: c.Principles, Place: c.Place, Members: c.Members, MembersTotal: c.Members.Total(), Activities: c.Activities,
		Website: c.Website, Label: c.Label, Description: c.Description, Stage: c.Stage, StageSince: c.StageSince, Example: c.Example,
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, ProjectCount: c.Projects, InstalledKW: c.InstalledKW}
	if j.Activities == nil {
		j.Activities = []string{}
	}
	if c.FoundingYear > 0 {
		y := c.FoundingYear
		j.FoundingYear = &y
	}
	ct := c.Contact
	if !private {
		ct = ct.Public()
	}
	j.Contact = ContactJSON{Name: ct.Name, Email: ct.Email, Phone: ct.Phone}
	if private {
		j.Contact.NamePrivate, j.Contact.EmailPrivate, j.Contact.PhonePrivate = &ct.NamePrivate, &ct.EmailPrivate, &ct.PhonePrivate
	}
	return j
}

func (h *Handlers) apiList(w http.ResponseWriter, r *http.Request) error {
	f, err := ParseFilter(h.svc.terr, r.URL.Query(), APIPageSize, APIMaxLimit)
	if err != nil {
		return err
	}
	items, total, err := h.svc.List(r.Context(), f)
	if err != nil {
		return err
	}
	out := make([]CommunityJSON, 0, len(items))
	for _, c := range items {
		out = append(out, h.communityJSON(c, false))
	}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": out, "total": total, "page": f.Page, "limit": f.Limit})
	return nil
}

func (h *Handlers) apiGet(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := web.CurrentUser(ctx)
	slug := r.PathValue("slug")
	c, err := h.svc.Community(ctx, slug)
	if err != nil {
		return err
	}
	canEdit, err := h.svc.CanEdit(ctx, id, c.ID)
	if err != nil {
		return err
	}
	if canEdit {
		if c, err = h.svc.CommunityForEditor(ctx, id, slug); err != nil {
			return err
		}
	}
	projects, err := h.svc.Projects(ctx, c.ID)
	if err != nil {
		return err
	}
	for _, p := range projects {
		c.Projects++
		if p.Status == "operation" && p.CapacityKW != nil {
			c.InstalledKW += *p.CapacityKW
		}
	}
	j := h.communityJSON(c, canEdit)
	j.Projects = []ProjectJSON{}
	for _, p := range projects {
		j.Projects = append(j.Projects, projectJSON(p))
	}
	if j.StageHistory, err = h.svc.StageHistory(ctx, c.ID); err != nil {
		return err
	}
	if j.Journal, err = h.svc.Journal(ctx, c.ID); err != nil {
		return err
	}
	if j.Needs, err = h.svc.Needs(ctx, c.ID); err != nil {
		return err
	}
	if j.Accompaniments, err = h.svc.Accompaniments(ctx, c.ID); err != nil {
		return err
	}
	if canEdit {
		if j.Managers, err = h.svc.Managers(ctx, c.ID); err != nil {
			return err
		}
	}
	if id != nil {
		j.CanEdit = &canEdit
	}
	if !canEdit {
		w.Header().Set("Access-Control-Allow-Origin", "*")
	}
	web.WriteJSON(w, http.StatusOK, j)
	return nil
}

func (h *Handlers) apiCreate(w http.ResponseWriter, r *http.Request) error {
	var in CommunityInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	id := web.CurrentUser(r.Context())
	if !id.IsModerator() {
		in.Example = false
	}
	c, err := h.svc.Create(r.Context(), id, in)
	if err != nil {
		return err
	}
	if c, err = h.svc.CommunityForEditor(r.Context(), id, c.Slug); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/communities/"+c.Slug)
	web.WriteJSON(w, http.StatusCreated, h.communityJSON(c, true))
	return nil
}

func (h *Handlers) apiUpdate(w http.ResponseWriter, r *http.Request) error {
	id := web.CurrentUser(r.Context())
	slug := r.PathValue("slug")
	cur, err := h.svc.CommunityForEditor(r.Context(), id, slug)
	if err != nil {
		return err
	}
	var in CommunityInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	if in.Slug != "" && in.Slug != slug {
		return errs.Field("slug", "L'identifiant d'une communauté ne change pas.", "A community's identifier does not change.")
	}
	if !id.IsModerator() {
		in.Example = cur.Example
	}
	if _, err := h.svc.Update(r.Context(), id, slug, in); err != nil {
		return err
	}
	c, err := h.svc.CommunityForEditor(r.Context(), id, slug)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, h.communityJSON(c, true))
	return nil
}

func (h *Handlers) apiAddProject(w http.ResponseWriter, r *http.Request) error {
	var in ProjectInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	p, err := h.svc.AddProject(r.Context(), web.CurrentUser(r.Context()), r.PathValue("slug"), in)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, projectJSON(p))
	return nil
}

func (h *Handlers) apiUpdateProject(w http.ResponseWriter, r *http.Request) error {
	pid, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in ProjectInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	p, err := h.svc.UpdateProject(r.Context(), web.CurrentUser(r.Context()), r.PathValue("slug"), pid, in)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, projectJSON(p))
	return nil
}

func (h *Handlers) apiDeleteProject(w http.ResponseWriter, r *http.Request) error {
	pid, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.svc.DeleteProject(r.Context(), web.CurrentUser(r.Context()), r.PathValue("slug"), pid); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handlers) apiSetStage(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Stage string `json:"stage"`
		Note  string `json:"note"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	ctx := r.Context()
	slug := r.PathValue("slug")
	if err := h.svc.SetStage(ctx, web.CurrentUser(ctx), slug, in.Stage, in.Note); err != nil {
		return err
	}
	c, err := h.svc.Community(ctx, slug)
	if err != nil {
		return err
	}
	hist, err := h.svc.StageHistory(ctx, c.ID)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"stage": c.Stage, "stage_since": c.StageSince, "stage_history": hist})
	return nil
}

func (h *Handlers) apiAddJournal(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Date string `json:"date"`
		Body string `json:"body"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	e, err := h.svc.AddJournal(r.Context(), web.CurrentUser(r.Context()), r.PathValue("slug"), in.Date, in.Body)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, e)
	return nil
}

func (h *Handlers) apiAddNeed(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Title   string `json:"title"`
		Details string `json:"details"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	n, err := h.svc.AddNeed(r.Context(), web.CurrentUser(r.Context()), r.PathValue("slug"), in.Title, in.Details)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, n)
	return nil
}

func (h *Handlers) apiCloseNeed(w http.ResponseWriter, r *http.Request) error {
	nid, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.svc.CloseNeed(r.Context(), web.CurrentUser(r.Context()), r.PathValue("slug"), nid); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handlers) apiAddAccompaniment(w http.ResponseWriter, r *http.Request) error {
	var in AccompanimentInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	a, err := h.svc.AddAccompaniment(r.Context(), web.CurrentUser(r.Context()), r.PathValue("slug"), in)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, a)
	return nil
}

func (h *Handlers) apiManagers(w http.ResponseWriter, r *http.Request) error {
	c, err := h.svc.CommunityForEditor(r.Context(), web.CurrentUser(r.Context()), r.PathValue("slug"))
	if err != nil {
		return err
	}
	ms, err := h.svc.Managers(r.Context(), c.ID)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": ms, "total": len(ms)})
	return nil
}

func (h *Handlers) apiAddManager(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Email string `json:"email"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	if err := h.svc.AddManager(r.Context(), web.CurrentUser(r.Context()), r.PathValue("slug"), in.Email); err != nil {
		return err
	}
	return h.apiManagers(w, r)
}

func (h *Handlers) apiRemoveManager(w http.ResponseWriter, r *http.Request) error {
	uid, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.svc.RemoveManager(r.Context(), web.CurrentUser(r.Context()), r.PathValue("slug"), uid); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handlers) apiStats(w http.ResponseWriter, r *http.Request) error {
	scope, _, err := h.dashboardScope(r)
	if err != nil {
		return err
	}
	st, err := h.svc.Stats(r.Context(), scope)
	if err != nil {
		return err
	}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	web.WriteJSON(w, http.StatusOK, st)
	return nil
}

func (h *Handlers) apiImport(w http.ResponseWriter, r *http.Request) error {
	dry := strings.EqualFold(r.URL.Query().Get("dry_run"), "true") || r.URL.Query().Get("dry_run") == "1"
	rep, err := h.svc.Import(r.Context(), web.CurrentUser(r.Context()), r.Body, dry)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, rep)
	return nil
}

// ---- Open data exports

func (h *Handlers) exportFilter(r *http.Request) (Filter, error) {
	return ParseFilter(h.svc.terr, r.URL.Query(), 1, 1_000_000)
}

func (h *Handlers) communitiesCSV(w http.ResponseWriter, r *http.Request) error {
	f, err := h.exportFilter(r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="communities.csv"`)
	w.Header().Set("Access-Control-Allow-Origin", "*")
	return h.svc.WriteCommunitiesCSV(r.Context(), w, f, h.srv.Config().BaseURL)
}

func (h *Handlers) projectsCSV(w http.ResponseWriter, r *http.Request) error {
	f, err := h.exportFilter(r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="projects.csv"`)
	w.Header().Set("Access-Control-Allow-Origin", "*")
	return h.svc.WriteProjectsCSV(r.Context(), w, f)
}

func (h *Handlers) geojson(w http.ResponseWriter, r *http.Request) error {
	f, err := h.exportFilter(r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/geo+json; charset=utf-8")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	return h.svc.WriteGeoJSON(r.Context(), w, f, h.srv.Config().BaseURL)
}
