package commons

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
)

type harvestView struct {
	Sources []Source
	Jobs    []Job
	Grace   string
	Days    int
	Errors  []string
	Invalid map[string]bool
	URL     string
	Name    string
}

func (h *Handlers) renderHarvest(w http.ResponseWriter, r *http.Request, status int, v harvestView) error {
	var err error
	if v.Sources, err = h.s.Sources(r.Context()); err != nil {
		return err
	}
	if v.Jobs, err = h.s.Jobs(r.Context(), 0, 20); err != nil {
		return err
	}
	g, err := h.s.GracePeriod(r.Context())
	if err != nil {
		return err
	}
	v.Grace, v.Days = humanDuration(g), int(g/(24*time.Hour))
	if v.Invalid == nil {
		v.Invalid = map[string]bool{}
	}
	return h.tmpl.Render(w, r, status, "harvest", &web.Page{Title: tr(r, "Moissonnage inter-fabriques", "Harvesting between fabriques"), Data: v,
		Styles: []string{"css/commons.css"}})
}

func (h *Handlers) harvestAdmin(w http.ResponseWriter, r *http.Request) error {
	return h.renderHarvest(w, r, http.StatusOK, harvestView{})
}

func (h *Handlers) addSource(w http.ResponseWriter, r *http.Request) error {
	v := harvestView{URL: r.PostFormValue("url"), Name: r.PostFormValue("name")}
	src, err := h.s.AddSource(r.Context(), v.URL, v.Name, author(r))
	if err != nil {
		if !errs.Is(err, errs.Invalid) {
			return err
		}
		v.Errors, v.Invalid = web.FormErrors(lang(r), err)
		return h.renderHarvest(w, r, http.StatusUnprocessableEntity, v)
	}
	web.SetFlash(w, fmt.Sprintf(tr(r, "Source « %s » enregistrée. Lancez un moissonnage pour en importer les ressources.", "Source \"%s\" registered. Run a harvest to import its resources."), src.Name))
	return web.Redirect(w, r, "/admin/moissonnage")
}

func (h *Handlers) runSource(w http.ResponseWriter, r *http.Request) error {
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	if _, err := h.s.Source(r.Context(), id); err != nil {
		return err
	}
	job, err := h.s.Harvest(r.Context(), id, "admin: "+author(r).Name)
	if err != nil && job.ID == 0 {
		return err
	}
	if job.Status == JobFailed {
		web.SetFlash(w, fmt.Sprintf(tr(r, "Moissonnage de « %s » échoué : voir le rapport.", "Harvest of \"%s\" failed: see the report."), job.SourceName))
	} else {
		web.SetFlash(w, fmt.Sprintf(tr(r, "Moissonnage de « %s » : %d créée(s), %d mise(s) à jour, %d inchangée(s), %d archivée(s), %d erreur(s).",
			"Harvest of \"%s\": %d created, %d updated, %d unchanged, %d archived, %d error(s)."),
			job.SourceName, job.Created, job.Updated, job.Unchanged, job.Archived, job.Errors))
	}
	return web.Redirect(w, r, fmt.Sprintf("/admin/moissonnage#rapport-%d", job.ID))
}

func (h *Handlers) harvestSettings(w http.ResponseWriter, r *http.Request) error {
	d, err := ParseGrace(r.PostFormValue("grace"))
	if err == nil {
		err = h.s.SetGracePeriod(r.Context(), d)
	}
	if err != nil {
		if !errs.Is(err, errs.Invalid) {
			return err
		}
		v := harvestView{}
		v.Errors, v.Invalid = web.FormErrors(lang(r), err)
		return h.renderHarvest(w, r, http.StatusUnprocessableEntity, v)
	}
	web.SetFlash(w, fmt.Sprintf(tr(r, "Délai de grâce : %s.", "Grace period: %s."), humanDuration(d)))
	return web.Redirect(w, r, "/admin/moissonnage")
}

func (h *Handlers) harvestJobsCSV(w http.ResponseWriter, r *http.Request) error {
	jobs, err := h.s.Jobs(r.Context(), 0, 10000)
	if err != nil {
		return err
	}
	cw := startCSV(w, "moissonnages.csv")
	_ = cw.Write([]string{"id", "source_id", "source", "debut", "fin", "etat", "lance_par", "creees", "mises_a_jour", "inchangees", "archivees", "erreurs", "details"})
	for _, j := range jobs {
		fin := ""
		if j.FinishedAt != nil {
			fin = rfc3339(*j.FinishedAt)
		}
		var details []string
		for _, is := range j.Report {
			details = append(details, strings.TrimPrefix(is.Item+" : "+is.Message, " : "))
		}
		_ = cw.Write([]string{strconv.FormatInt(j.ID, 10), strconv.FormatInt(j.SourceID, 10), safeCell(j.SourceName), rfc3339(j.StartedAt), fin, j.Status,
			safeCell(j.Trigger), strconv.Itoa(j.Created), strconv.Itoa(j.Updated), strconv.Itoa(j.Unchanged), strconv.Itoa(j.Archived), strconv.Itoa(j.Errors),
			safeCell(strings.Join(details, " | "))})
	}
	cw.Flush()
	return cw.Error()
}
