package commons

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/i18n"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
)

// ActionLabel names a moderation action.
func ActionLabel(a string) i18n.Text {
	switch a {
	case ActionAutoHide:
		return i18n.T("masquage automatique", "automatic hiding")
	case ActionHide:
		return i18n.T("masquage", "hiding")
	case ActionRestore:
		return i18n.T("rétablissement", "restoring")
	case ActionDismiss:
		return i18n.T("signalements classés", "reports dismissed")
	case ActionBlockUser:
		return i18n.T("blocage du compte", "account blocked")
	case ActionEssentialOn:
		return i18n.T("marqué commun essentiel", "marked essential")
	case ActionEssentialOff:
		return i18n.T("retiré des communs essentiels", "unmarked essential")
	}
	return i18n.T(a, a)
}

type queueView struct {
	Items []QueueItem
}

// Href is the page of a queue item.
func (q QueueItem) Href() string {
	if q.Entity == EntityActor {
		return "/acteurs/" + q.Slug
	}
	return "/ressources/" + q.Slug
}

func (h *Handlers) queue(w http.ResponseWriter, r *http.Request) error {
	items, err := h.s.Queue(r.Context())
	if err != nil {
		return err
	}
	return h.tmpl.Render(w, r, http.StatusOK, "moderation", &web.Page{Title: tr(r, "Modération des communs", "Commons moderation"),
		Data: queueView{Items: items}, Styles: []string{"css/commons.css"}, Scripts: []string{"js/commons-moderation.js"},
		Alternates: []web.Alternate{{Type: "text/csv", Href: "/moderation.csv", Title: "CSV"}}})
}

func (h *Handlers) queueCSV(w http.ResponseWriter, r *http.Request) error {
	items, err := h.s.Queue(r.Context())
	if err != nil {
		return err
	}
	cw := startCSV(w, "moderation.csv")
	_ = cw.Write([]string{"element", "titre", "masque", "signalements", "motifs", "dernier_auteur_id", "dernier_auteur"})
	for _, it := range items {
		_ = cw.Write([]string{it.Item.String(), safeCell(it.Label), strconv.FormatBool(it.Hidden), strconv.Itoa(it.OpenReports),
			safeCell(strings.Join(it.Reasons, " | ")), strconv.FormatInt(it.LastAuthorID, 10), safeCell(it.LastAuthorName)})
	}
	cw.Flush()
	return cw.Error()
}

func (h *Handlers) moderate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return errs.Wrap(errs.Invalid, err, "Formulaire illisible.", "Unreadable form.")
	}
	var items []Item
	for _, raw := range r.PostForm["items"] {
		it, err := ParseItem(raw)
		if err != nil {
			return err
		}
		items = append(items, it)
	}
	action := r.PostFormValue("action")
	n, err := h.s.Moderate(r.Context(), action, items, author(r), r.PostFormValue("note"))
	if err != nil {
		return err
	}
	web.SetFlash(w, fmt.Sprintf(tr(r, "%s : %d élément(s) traité(s).", "%s: %d item(s) done."), ActionLabel(action).In(lang(r)), n))
	return web.Redirect(w, r, web.SafeNext(r.PostFormValue("suivant"), "/moderation"))
}

func (h *Handlers) block(w http.ResponseWriter, r *http.Request) error {
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	if err := h.s.BlockUser(r.Context(), id, author(r), r.PostFormValue("reason")); err != nil {
		return err
	}
	web.SetFlash(w, tr(r, "Compte bloqué : il ne peut plus se connecter ni écrire.", "Account blocked: it can no longer sign in or write."))
	return web.Redirect(w, r, "/moderation")
}

type logView struct {
	Entries []LogEntry
	Total   int
	Pager   Pager
}

func (h *Handlers) modLog(w http.ResponseWriter, r *http.Request) error {
	page, err := web.QueryInt(r, "page", 1, 1, 1000000)
	if err != nil {
		return err
	}
	const per = 50
	entries, total, err := h.s.ModerationLog(r.Context(), page, per)
	if err != nil {
		return err
	}
	v := logView{Entries: entries, Total: total, Pager: makePager(r, page, (total+per-1)/per)}
	return h.tmpl.Render(w, r, http.StatusOK, "moderation_log", &web.Page{Title: tr(r, "Journal de modération", "Moderation log"), Data: v,
		Styles: []string{"css/commons.css"}, Alternates: []web.Alternate{{Type: "text/csv", Href: "/moderation/journal.csv", Title: "CSV"}},
		Crumbs: []web.Crumb{{Href: "/moderation", Label: tr(r, "Modération", "Moderation")}, {Label: tr(r, "Journal", "Log")}}})
}

func (h *Handlers) modLogCSV(w http.ResponseWriter, r *http.Request) error {
	entries, _, err := h.s.ModerationLog(r.Context(), 1, 0)
	if err != nil {
		return err
	}
	cw := startCSV(w, "journal-moderation.csv")
	_ = cw.Write([]string{"id", "date", "moderateur_id", "moderateur", "action", "element", "element_id", "libelle", "compte_vise", "detail"})
	for _, e := range entries {
		_ = cw.Write([]string{strconv.FormatInt(e.ID, 10), e.At.UTC().Format("2006-01-02T15:04:05Z"), strconv.FormatInt(e.ModeratorID, 10), safeCell(e.ModeratorName),
			e.Action, e.Entity, strconv.FormatInt(e.EntityID, 10), safeCell(e.Label), strconv.FormatInt(e.TargetUserID, 10), safeCell(e.Detail)})
	}
	cw.Flush()
	return cw.Error()
}

// ActionText names the entry's action.
func (l LogEntry) ActionText() i18n.Text { return ActionLabel(l.Action) }
