package commons

import (
	"net/http"
	"strconv"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
)

// PlaceDoc is a territory in JSON (name on output only).
type PlaceDoc struct {
	Kind string `json:"kind"`
	Code string `json:"code"`
	Name string `json:"name,omitempty"`
}

// ContributorDoc is a contribution in JSON.
type ContributorDoc struct {
	Actor string `json:"actor"`
	Role  string `json:"role"`
	Name  string `json:"name,omitempty"`
	URL   string `json:"url,omitempty"`
}

// AttachmentDoc is a file in JSON.
type AttachmentDoc struct {
	ID          int64  `json:"id"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	URL         string `json:"url"`
}

// SourceDoc is the provenance of a harvested resource.
type SourceDoc struct {
	Name      string     `json:"name"`
	URL       string     `json:"url"`
	RemoteID  string     `json:"remote_id"`
	RemoteURI string     `json:"remote_uri,omitempty"`
	RemoteURL string     `json:"remote_url,omitempty"`
	LastSeen  time.Time  `json:"last_seen"`
	GoneSince *time.Time `json:"gone_since,omitempty"`
}

// ResourceDoc is a resource in the API. On input (POST, PUT) the read-only members (slug, url,
// licence_url, attachments, essential, example, hidden, dates, source, names) are ignored, so
// a document read with GET can be sent back changed; a PUT carries base_revision (or the
// revision it read).
type ResourceDoc struct {
	Slug         string           `json:"slug,omitempty"`
	URL          string           `json:"url,omitempty"`
	Title        string           `json:"title"`
	Summary      string           `json:"summary"`
	Body         string           `json:"body"`
	Kind         string           `json:"kind"`
	Licence      string           `json:"licence"`
	LicenceURL   string           `json:"licence_url,omitempty"`
	Themes       []string         `json:"themes"`
	Territories  []PlaceDoc       `json:"territories"`
	Contributors []ContributorDoc `json:"contributors"`
	Links        []Link           `json:"links"`
	Attachments  []AttachmentDoc  `json:"attachments,omitempty"`
	Maturity     string           `json:"maturity"`
	Needs        []Need           `json:"needs"`
	Essential    bool             `json:"essential"`
	Example      bool             `json:"example"`
	Status       string           `json:"status"`
	Hidden       bool             `json:"hidden,omitempty"`
	Revision     int              `json:"revision,omitempty"`
	BaseRevision int              `json:"base_revision,omitempty"`
	Comment      string           `json:"comment,omitempty"`
	CreatedAt    *time.Time       `json:"created_at,omitempty"`
	UpdatedAt    *time.Time       `json:"updated_at,omitempty"`
	Source       *SourceDoc       `json:"source,omitempty"`
}

func (d *ResourceDoc) fields() Fields {
	f := Fields{Title: d.Title, Summary: d.Summary, Body: d.Body, Kind: d.Kind, Licence: d.Licence, Themes: d.Themes,
		Links: d.Links, Maturity: d.Maturity, Needs: d.Needs, Status: d.Status}
	for _, p := range d.Territories {
		f.Territories = append(f.Territories, Place{Kind: p.Kind, Code: p.Code})
	}
	for _, c := range d.Contributors {
		f.Contributors = append(f.Contributors, Contribution{Actor: c.Actor, Role: c.Role})
	}
	return f
}

// Doc returns the API document of a resource.
func (s *Service) Doc(r *Resource) ResourceDoc {
	l := labels{s.terr}
	d := ResourceDoc{Slug: r.Slug, URL: s.baseURL + "/ressources/" + r.Slug, Title: r.Title, Summary: r.Summary, Body: r.Body,
		Kind: r.Kind, Licence: r.Licence, LicenceURL: l.LicenceURI(r.Licence), Themes: r.Themes, Territories: []PlaceDoc{},
		Contributors: []ContributorDoc{}, Links: r.Links, Attachments: []AttachmentDoc{}, Maturity: r.Maturity, Needs: r.Needs,
		Essential: r.Essential, Example: r.Example, Status: r.Status, Hidden: r.Hidden, Revision: r.Revision}
	created, updated := r.CreatedAt, r.UpdatedAt
	d.CreatedAt, d.UpdatedAt = &created, &updated
	for _, p := range r.Territories {
		d.Territories = append(d.Territories, PlaceDoc{Kind: p.Kind, Code: p.Code, Name: l.PlaceName(p)})
	}
	for _, c := range r.Contributors {
		d.Contributors = append(d.Contributors, ContributorDoc{Actor: c.Actor, Role: c.Role, Name: c.Name, URL: s.baseURL + "/acteurs/" + c.Actor})
	}
	for _, a := range r.Attachments {
		d.Attachments = append(d.Attachments, AttachmentDoc{ID: a.ID, Filename: a.Filename, ContentType: a.ContentType, Size: a.Size,
			SHA256: a.SHA256, URL: s.baseURL + attachmentPath(r.Slug, a)})
	}
	if p := r.Source; p != nil {
		d.Source = &SourceDoc{Name: p.SourceName, URL: p.SourceURL, RemoteID: p.RemoteID, RemoteURI: p.RemoteURI, RemoteURL: p.RemoteURL,
			LastSeen: p.LastSeen, GoneSince: p.GoneSince}
	}
	return d
}

func attachmentPath(slug string, a Attachment) string {
	return "/ressources/" + slug + "/fichiers/" + strconv.FormatInt(a.ID, 10) + "/" + Slugify(a.Filename)
}

// HitDoc is a search result in the API.
type HitDoc struct {
	Slug      string    `json:"slug"`
	URL       string    `json:"url"`
	Title     string    `json:"title"`
	Summary   string    `json:"summary"`
	Kind      string    `json:"kind"`
	Licence   string    `json:"licence"`
	Themes    []string  `json:"themes"`
	Maturity  string    `json:"maturity"`
	Status    string    `json:"status"`
	Essential bool      `json:"essential"`
	Example   bool      `json:"example"`
	UpdatedAt time.Time `json:"updated_at"`
	Source    string    `json:"source,omitempty"`
	Score     int       `json:"score,omitempty"`
}

// FacetDoc is one facet value in the API.
type FacetDoc struct {
	Value    string `json:"value"`
	Label    string `json:"label"`
	Count    int    `json:"count"`
	Selected bool   `json:"selected,omitempty"`
}

func facetDocs(lang string, vals []FacetValue) []FacetDoc {
	out := []FacetDoc{}
	for _, v := range vals {
		out = append(out, FacetDoc{Value: v.Code, Label: v.Label.In(lang), Count: v.Count, Selected: v.Selected})
	}
	return out
}

func (h *Handlers) apiList(w http.ResponseWriter, r *http.Request) error {
	p, err := searchParams(r)
	if err != nil {
		return err
	}
	res, err := h.s.Search(r.Context(), p)
	if err != nil {
		return err
	}
	items := []HitDoc{}
	for _, x := range res.Hits {
		items = append(items, HitDoc{Slug: x.Slug, URL: h.s.baseURL + "/ressources/" + x.Slug, Title: x.Title, Summary: x.Summary, Kind: x.Kind,
			Licence: x.Licence, Themes: x.Themes, Maturity: x.Maturity, Status: x.Status, Essential: x.Essential, Example: x.Example,
			UpdatedAt: x.UpdatedAt, Source: x.Source, Score: x.Score})
	}
	lg := lang(r)
	w.Header().Set("Access-Control-Allow-Origin", "*")
	web.WriteJSON(w, http.StatusOK, map[string]any{
		"items": items, "total": res.Total, "page": res.Params.Page, "limit": res.Params.Limit, "pages": res.Pages,
		"facets": map[string][]FacetDoc{"kind": facetDocs(lg, res.Facets.Kind), "theme": facetDocs(lg, res.Facets.Theme),
			"licence": facetDocs(lg, res.Facets.Licence), "territory": facetDocs(lg, res.Facets.Territory), "maturity": facetDocs(lg, res.Facets.Maturity)},
	})
	return nil
}

func (h *Handlers) apiResource(r *http.Request) (*Resource, error) { return h.visibleResource(r) }

func (h *Handlers) apiGet(w http.ResponseWriter, r *http.Request) error {
	res, err := h.apiResource(r)
	if err != nil {
		return err
	}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	web.WriteJSON(w, http.StatusOK, h.s.Doc(res))
	return nil
}

func (h *Handlers) apiCreate(w http.ResponseWriter, r *http.Request) error {
	var d ResourceDoc
	if err := web.DecodeJSON(r, &d); err != nil {
		return err
	}
	res, err := h.s.CreateResource(r.Context(), d.fields(), author(r), d.Comment)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/resources/"+res.Slug)
	web.WriteJSON(w, http.StatusCreated, h.s.Doc(res))
	return nil
}

func baseRevision(base, rev int) (int, error) {
	if base == 0 {
		base = rev
	}
	if base < 1 {
		return 0, errs.Field("base_revision", "« base_revision » est obligatoire : le numéro de la révision que vous avez modifiée.",
			"\"base_revision\" is required: the number of the revision you changed.")
	}
	return base, nil
}

func (h *Handlers) apiPut(w http.ResponseWriter, r *http.Request) error {
	cur, err := h.apiResource(r)
	if err != nil {
		return err
	}
	var d ResourceDoc
	if err := web.DecodeJSON(r, &d); err != nil {
		return err
	}
	base, err := baseRevision(d.BaseRevision, d.Revision)
	if err != nil {
		return err
	}
	res, err := h.s.UpdateResource(r.Context(), cur.Slug, base, d.fields(), author(r), d.Comment)
	if err != nil {
		if IsConflict(err) {
			return errs.New(errs.Conflict,
				"Conflit : la ressource est à la révision "+strconv.Itoa(cur.Revision)+", vous êtes parti de la révision "+strconv.Itoa(base)+". Relisez-la (GET) et renvoyez vos changements.",
				"Conflict: the resource is at revision "+strconv.Itoa(cur.Revision)+", you started from revision "+strconv.Itoa(base)+". Read it again (GET) and send your changes.")
		}
		return err
	}
	web.WriteJSON(w, http.StatusOK, h.s.Doc(res))
	return nil
}

// RevisionDoc is a revision in the API.
type RevisionDoc struct {
	Number    int       `json:"number"`
	Author    string    `json:"author"`
	CreatedAt time.Time `json:"created_at"`
	Comment   string    `json:"comment"`
	URL       string    `json:"url"`
}

func (h *Handlers) apiRevisions(e Entity) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		info, err := h.entityInfo(r, e)
		if err != nil {
			return err
		}
		revs, err := h.s.Revisions(r.Context(), e, info.ID)
		if err != nil {
			return err
		}
		items := []RevisionDoc{}
		for _, v := range revs {
			items = append(items, RevisionDoc{Number: v.Number, Author: v.AuthorName, CreatedAt: v.CreatedAt, Comment: v.Comment,
				URL: h.s.baseURL + info.Base + "/revisions/" + strconv.Itoa(v.Number)})
		}
		w.Header().Set("Access-Control-Allow-Origin", "*")
		web.WriteJSON(w, http.StatusOK, map[string]any{"items": items, "total": len(items)})
		return nil
	}
}

// ReportDoc is the body of a report.
type ReportDoc struct {
	Reason string `json:"reason"`
}

func (h *Handlers) apiReport(e Entity) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		info, err := h.entityInfo(r, e)
		if err != nil {
			return err
		}
		var d ReportDoc
		if err := web.DecodeJSON(r, &d); err != nil {
			return err
		}
		out, err := h.s.Report(r.Context(), e, info.Slug, author(r).UserID, d.Reason)
		if err != nil {
			return err
		}
		web.WriteJSON(w, http.StatusCreated, out)
		return nil
	}
}

// ActorDoc is an actor in the API (read-only members are ignored on input).
type ActorDoc struct {
	Slug         string             `json:"slug,omitempty"`
	URL          string             `json:"url,omitempty"`
	Name         string             `json:"name"`
	Kind         string             `json:"kind"`
	Territory    *PlaceDoc          `json:"territory"`
	Website      string             `json:"website"`
	Description  string             `json:"description"`
	Example      bool               `json:"example"`
	Hidden       bool               `json:"hidden,omitempty"`
	Revision     int                `json:"revision,omitempty"`
	BaseRevision int                `json:"base_revision,omitempty"`
	Comment      string             `json:"comment,omitempty"`
	CreatedAt    *time.Time         `json:"created_at,omitempty"`
	UpdatedAt    *time.Time         `json:"updated_at,omitempty"`
	Resources    []ActorResourceDoc `json:"resources,omitempty"`
}

// ActorResourceDoc is a resource an actor contributes to.
type ActorResourceDoc struct {
	Slug  string   `json:"slug"`
	Title string   `json:"title"`
	URL   string   `json:"url"`
	Roles []string `json:"roles"`
}

func (d *ActorDoc) fields() ActorFields {
	f := ActorFields{Name: d.Name, Kind: d.Kind, Website: d.Website, Description: d.Description}
	if d.Territory != nil {
		f.Territory = &Place{Kind: d.Territory.Kind, Code: d.Territory.Code}
	}
	return f
}

func (s *Service) actorDoc(a *Actor) ActorDoc {
	d := ActorDoc{Slug: a.Slug, URL: s.baseURL + "/acteurs/" + a.Slug, Name: a.Name, Kind: a.Kind, Website: a.Website,
		Description: a.Description, Example: a.Example, Hidden: a.Hidden, Revision: a.Revision}
	created, updated := a.CreatedAt, a.UpdatedAt
	d.CreatedAt, d.UpdatedAt = &created, &updated
	if a.Territory != nil {
		d.Territory = &PlaceDoc{Kind: a.Territory.Kind, Code: a.Territory.Code, Name: labels{s.terr}.PlaceName(*a.Territory)}
	}
	return d
}

func (h *Handlers) apiActors(w http.ResponseWriter, r *http.Request) error {
	page, err := web.QueryInt(r, "page", 1, 1, 100000)
	if err != nil {
		return err
	}
	limit, err := web.QueryInt(r, "limit", DefaultLimit, 1, MaxLimit)
	if err != nil {
		return err
	}
	f := actorFilter(r)
	if f.Kind != "" && !ActorKinds.Has(f.Kind) {
		return errs.Field("kind", "Type d'acteur inconnu « "+f.Kind+" ».", "Unknown actor kind \""+f.Kind+"\".")
	}
	kindFilter := f.Kind
	f.Kind = ""
	all, err := h.s.Actors(r.Context(), f)
	if err != nil {
		return err
	}
	counts := map[string]int{}
	var list []*Actor
	for _, a := range all {
		counts[a.Kind]++
		if kindFilter == "" || a.Kind == kindFilter {
			list = append(list, a)
		}
	}
	var kinds []FacetValue
	for _, k := range ActorKinds {
		if counts[k.Code] > 0 || k.Code == kindFilter {
			kinds = append(kinds, FacetValue{Code: k.Code, Label: k.Label, Count: counts[k.Code], Selected: k.Code == kindFilter})
		}
	}
	items := []ActorDoc{}
	from, to := min((page-1)*limit, len(list)), min(page*limit, len(list))
	for _, a := range list[from:to] {
		items = append(items, h.s.actorDoc(a))
	}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": items, "total": len(list), "page": page, "limit": limit,
		"facets": map[string][]FacetDoc{"kind": facetDocs(lang(r), kinds)}})
	return nil
}

func (h *Handlers) fullActorDoc(r *http.Request, a *Actor) (ActorDoc, error) {
	d := h.s.actorDoc(a)
	res, err := h.s.ActorResources(r.Context(), a.ID)
	if err != nil {
		return d, err
	}
	d.Resources = []ActorResourceDoc{}
	for _, x := range res {
		if x.Hidden && !isModerator(r) {
			continue
		}
		d.Resources = append(d.Resources, ActorResourceDoc{Slug: x.Slug, Title: x.Title, URL: h.s.baseURL + "/ressources/" + x.Slug, Roles: x.Roles})
	}
	return d, nil
}

func (h *Handlers) apiGetActor(w http.ResponseWriter, r *http.Request) error {
	a, err := h.visibleActor(r)
	if err != nil {
		return err
	}
	d, err := h.fullActorDoc(r, a)
	if err != nil {
		return err
	}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	web.WriteJSON(w, http.StatusOK, d)
	return nil
}

func (h *Handlers) apiCreateActor(w http.ResponseWriter, r *http.Request) error {
	var d ActorDoc
	if err := web.DecodeJSON(r, &d); err != nil {
		return err
	}
	a, err := h.s.CreateActor(r.Context(), d.fields(), author(r), d.Comment)
	if err != nil {
		return err
	}
	out, err := h.fullActorDoc(r, a)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/actors/"+a.Slug)
	web.WriteJSON(w, http.StatusCreated, out)
	return nil
}

func (h *Handlers) apiPutActor(w http.ResponseWriter, r *http.Request) error {
	cur, err := h.visibleActor(r)
	if err != nil {
		return err
	}
	var d ActorDoc
	if err := web.DecodeJSON(r, &d); err != nil {
		return err
	}
	base, err := baseRevision(d.BaseRevision, d.Revision)
	if err != nil {
		return err
	}
	a, err := h.s.UpdateActor(r.Context(), cur.Slug, base, d.fields(), author(r), d.Comment)
	if err != nil {
		if IsConflict(err) {
			return errs.New(errs.Conflict,
				"Conflit : l'acteur est à la révision "+strconv.Itoa(cur.Revision)+", vous êtes parti de la révision "+strconv.Itoa(base)+".",
				"Conflict: the actor is at revision "+strconv.Itoa(cur.Revision)+", you started from revision "+strconv.Itoa(base)+".")
		}
		return err
	}
	out, err := h.fullActorDoc(r, a)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}
