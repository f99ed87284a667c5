package commons

import (
	"bytes"
	"html/template"
	"net/http"

	"github.com/fabrique-des-energies/fabrique/internal/platform/i18n"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
	"github.com/fabrique-des-energies/fabrique/internal/site"
	"github.com/fabrique-des-energies/fabrique/internal/territory"
)

var sectionTmpl = template.Must(template.New("section").Parse(`<ul class="resource-list">{{range .Hits}}<li><a href="/ressources/{{.Slug}}">{{.Title}}</a> — <span class="muted">{{.Summary}}</span></li>{{end}}</ul>
<p><a href="{{.More}}">{{.MoreLabel}}</a></p>`))

type sectionData struct {
	Hits      []Hit
	More      string
	MoreLabel string
}

func renderSection(d sectionData) (template.HTML, error) {
	var b bytes.Buffer
	if err := sectionTmpl.Execute(&b, d); err != nil {
		return "", err
	}
	return template.HTML(b.String()), nil
}

// TerritorySection lists, on a territory page, the resources about it or about the
// territories it contains.
func (h *Handlers) TerritorySection(r *http.Request, t territory.Territory) (*site.Section, error) {
	key := string(t.Kind) + ":" + t.Code
	res, err := h.s.Search(r.Context(), SearchParams{Territory: key, Limit: 6})
	if err != nil || res.Total == 0 {
		return nil, err
	}
	lg := web.Lang(r.Context())
	html, err := renderSection(sectionData{Hits: res.Hits, More: "/ressources?territory=" + key,
		MoreLabel: i18n.T("Toutes les ressources de ce territoire", "All resources of this territory").In(lg) + " (" + web.FormatNumber(lg, float64(res.Total), 0) + ")"})
	if err != nil {
		return nil, err
	}
	return &site.Section{ID: "ressources", Title: i18n.T("Ressources", "Resources").In(lg), HTML: html}, nil
}

// HomeBlock shows the curated commons and the latest updates on the home page.
func (h *Handlers) HomeBlock(r *http.Request) (*site.Section, error) {
	res, err := h.s.Search(r.Context(), SearchParams{Limit: 5})
	if err != nil || res.Total == 0 {
		return nil, err
	}
	lg := web.Lang(r.Context())
	html, err := renderSection(sectionData{Hits: res.Hits, More: "/ressources",
		MoreLabel: i18n.T("Toutes les ressources", "All resources").In(lg) + " (" + web.FormatNumber(lg, float64(res.Total), 0) + ")"})
	if err != nil {
		return nil, err
	}
	return &site.Section{ID: "ressources", Title: i18n.T("Centre de ressources", "Resource centre").In(lg), HTML: html}, nil
}
