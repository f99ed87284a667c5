package regie

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
	"github.com/fabrique-des-energies/fabrique/internal/regie/meterfile"
)

type meterForm struct {
	PRM, Label, Commune string
}

type dashboardView struct {
	Meters     []Meter
	Pending    []Consent
	Active     []Consent
	Past       []Consent
	Journal    []journalLine
	JournalAll int
	Pseudonym  string
	Recipients []Recipient
	Form       meterForm
	Errors     []string
	Formats    []formatOption
	// Overview shows one meter's last week, with daily and monthly totals.
	Overview *meterView
}

type formatOption struct {
	Value, Label string
}

func formatOptions(lang string) []formatOption {
	out := []formatOption{{"", tr2(lang, "Détection automatique", "Detect automatically")}}
	for _, f := range meterfile.Formats() {
		fr, en := f.Label()
		out = append(out, formatOption{string(f), tr2(lang, fr, en)})
	}
	return out
}

func tr2(lang, fr, en string) string {
	if lang == "en" {
		return en
	}
	return fr
}

func (h *Handlers) dashboardData(r *http.Request, v *dashboardView) error {
	ctx := r.Context()
	uid := me(r).UserID
	var err error
	if v.Meters, err = h.svc.Meters(ctx, uid); err != nil {
		return err
	}
	cs, err := h.svc.HouseholdConsents(ctx, uid)
	if err != nil {
		return err
	}
	for _, c := range cs {
		switch c.Status {
		case StatusRequested:
			v.Pending = append(v.Pending, c)
		case StatusGiven:
			v.Active = append(v.Active, c)
		default:
			v.Past = append(v.Past, c)
		}
	}
	if v.Pseudonym, err = h.svc.Pseudonym(ctx, uid); err != nil {
		return err
	}
	lines, total, err := h.journalLines(r, 0, 10, false)
	if err != nil {
		return err
	}
	v.Journal, v.JournalAll = lines, total
	if v.Recipients, err = h.svc.RecipientsOf(ctx, uid); err != nil {
		return err
	}
	v.Formats = formatOptions(lang(r))
	// The overview: the meter named by ?compteur=, else the first with readings.
	want := r.URL.Query().Get("compteur")
	for _, m := range v.Meters {
		if (want == "" && len(m.Series) > 0) || m.PRM == want {
			mv := &meterView{}
			if err := h.meterData(r, m.PRM, mv); err != nil {
				return err
			}
			if mv.Chart != nil {
				v.Overview = mv
			}
			break
		}
	}
	return nil
}

// journalLines returns the household's journal told in words; own reads are
// left out unless own is set.
func (h *Handlers) journalLines(r *http.Request, offset, limit int, own bool) ([]journalLine, int, error) {
	uid := me(r).UserID
	page, err := h.svc.SubjectJournal(r.Context(), uid, 0, 0)
	if err != nil {
		return nil, 0, err
	}
	names := h.svc.meterNames(r.Context(), uid)
	var all []journalLine
	for _, e := range page.Entries {
		l := describe(e, lang(r), names)
		if l.Own && !own {
			continue
		}
		all = append(all, l)
	}
	total := len(all)
	if offset > len(all) {
		offset = len(all)
	}
	all = all[offset:]
	if limit > 0 && len(all) > limit {
		all = all[:limit]
	}
	return all, total, nil
}

func (h *Handlers) renderDashboard(w http.ResponseWriter, r *http.Request, status int, v dashboardView) error {
	if err := h.dashboardData(r, &v); err != nil {
		return err
	}
	return h.tmpl.Render(w, r, status, "dashboard", &web.Page{
		Title:       tr(r, "Mes données", "My data"),
		Description: tr(r, "Vos compteurs, vos relevés, vos consentements et le journal des accès à vos données.", "Your meters, readings, consents and the log of accesses to your data."),
		Data:        v,
		Scripts:     []string{"vendor/uplot/uPlot.iife.min.js", "js/regie-chart.js"}, Styles: []string{"vendor/uplot/uPlot.min.css", "css/regie.css"}})
}

func (h *Handlers) dashboard(w http.ResponseWriter, r *http.Request) error {
	return h.renderDashboard(w, r, http.StatusOK, dashboardView{})
}

func (h *Handlers) addMeter(w http.ResponseWriter, r *http.Request) error {
	f := meterForm{PRM: r.PostFormValue("prm"), Label: r.PostFormValue("label"), Commune: r.PostFormValue("commune")}
	m, err := h.svc.AddMeter(r.Context(), me(r).UserID, f.PRM, f.Label, f.Commune)
	if err != nil {
		if !userError(err) {
			return err
		}
		return h.renderDashboard(w, r, http.StatusUnprocessableEntity, dashboardView{Form: f, Errors: formErrors(lang(r), err)})
	}
	web.SetFlash(w, tr(r, "Compteur "+m.PRM+" ajouté. Importez maintenant un fichier de relevés.", "Meter "+m.PRM+" added. Now import a readings file."))
	return web.Redirect(w, r, "/mes-donnees/compteurs/"+m.PRM)
}

type meterView struct {
	Meter   Meter
	Chart   *chartView
	Days    *chartView
	Months  *chartView
	From    string
	To      string
	Step    Step
	Steps   []Step
	Flow    Flow
	Flows   []Flow
	Imports []Import
	Formats []formatOption
	Errors  []string
	CSV     string
	Message string
}

// readOwn reads the household's own curve through the door.
func (h *Handlers) readOwn(r *http.Request, prm string, flow Flow, from, to time.Time, step Step) (*Curve, error) {
	c, err := h.svc.ReadCurve(r.Context(), CurveRequest{Reader: Reader{UserID: me(r).UserID, Via: "page"}, PRM: prm, Flow: flow, From: from, To: to, Step: step})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

func (h *Handlers) meterData(r *http.Request, prm string, v *meterView) error {
	ctx := r.Context()
	uid := me(r).UserID
	m, err := h.svc.OwnMeter(ctx, uid, prm)
	if err != nil {
		return err
	}
	v.Meter, v.Steps, v.Formats = m, Steps(), formatOptions(lang(r))
	v.Flows = nil
	for _, si := range m.Series {
		if len(v.Flows) == 0 || v.Flows[len(v.Flows)-1] != si.Flow {
			v.Flows = append(v.Flows, si.Flow)
		}
	}
	if v.Imports, err = h.svc.Imports(ctx, uid, prm, 10); err != nil {
		return err
	}
	q := r.URL.Query()
	flow, err := ParseFlow(q.Get("flux"))
	if err != nil {
		v.Errors = append(v.Errors, formErrors(lang(r), err)...)
		flow = FlowConsumption
	}
	v.Flow = flow
	var held *SeriesInfo
	var dailyHeld *SeriesInfo
	for i, si := range m.Series {
		if si.Flow != flow {
			continue
		}
		if si.Daily {
			dailyHeld = &m.Series[i]
		} else {
			held = &m.Series[i]
		}
	}
	if held == nil && dailyHeld == nil {
		return nil
	}
	last := dailyHeld
	if held != nil {
		last = held
	}
	// Default view: the last seven days held, at the stored step.
	end := addParisDays(last.To.Add(-time.Second), 1)
	to, from := end, addParisDays(end, -7)
	step := last.Finest
	if held == nil {
		from, step = addParisDays(end, -31), StepP1D
	}
	if s := q.Get("du"); s != "" {
		if t, err := parseDay("du", s); err == nil {
			from = t
		} else {
			v.Errors = append(v.Errors, formErrors(lang(r), err)...)
		}
	}
	if s := q.Get("au"); s != "" {
		if t, err := parseDay("au", s); err == nil {
			to = addParisDays(t, 1)
		} else {
			v.Errors = append(v.Errors, formErrors(lang(r), err)...)
		}
	}
	if s := q.Get("pas"); s != "" {
		if st, err := ParseStep(s); err == nil {
			step = st
		} else {
			v.Errors = append(v.Errors, formErrors(lang(r), err)...)
		}
	}
	v.From, v.To, v.Step = dayInput(from), dayInput(to.Add(-time.Second)), step
	c, err := h.readOwn(r, prm, flow, from, to, step)
	if err != nil {
		if !userError(err) {
			return err
		}
		v.Errors = append(v.Errors, formErrors(lang(r), err)...)
	} else {
		cv := newChart("courbe", c, lang(r), tr(r, "Courbe de charge du compteur "+prm, "Load curve of meter "+prm))
		v.Chart = &cv
		v.CSV = fmt.Sprintf("/api/v1/me/meters/%s/readings?from=%s&to=%s&step=%s&flow=%s", prm, c.Start.Format(time.RFC3339), c.End.Format(time.RFC3339), c.Step, flow)
	}
	// Daily totals of the last 31 days and monthly totals of the last 12 months held.
	dayEnd := addParisDays(last.To.Add(-time.Second), 1)
	if d, err := h.readOwn(r, prm, flow, addParisDays(dayEnd, -31), dayEnd, StepP1D); err == nil {
		cv := newChart("jours", d, lang(r), tr(r, "Consommation par jour", "Energy per day"))
		v.Days = &cv
	} else if !userError(err) {
		return err
	}
	monthEnd := addParisMonths(last.To.Add(-time.Second), 1)
	if mo, err := h.readOwn(r, prm, flow, addParisMonths(monthEnd, -12), monthEnd, StepP1M); err == nil {
		cv := newChart("mois", mo, lang(r), tr(r, "Consommation par mois", "Energy per month"))
		v.Months = &cv
	} else if !userError(err) {
		return err
	}
	return nil
}

func (h *Handlers) renderMeter(w http.ResponseWriter, r *http.Request, status int, prm string, v meterView) error {
	if err := h.meterData(r, prm, &v); err != nil {
		return err
	}
	title := tr(r, "Compteur ", "Meter ") + v.Meter.PRM
	if v.Meter.Label != "" {
		title += " — " + v.Meter.Label
	}
	return h.tmpl.Render(w, r, status, "meter", &web.Page{Title: title, Data: v,
		Crumbs:  []web.Crumb{{Href: "/mes-donnees", Label: tr(r, "Mes données", "My data")}, {Label: v.Meter.PRM}},
		Scripts: []string{"vendor/uplot/uPlot.iife.min.js", "js/regie-chart.js"}, Styles: []string{"vendor/uplot/uPlot.min.css", "css/regie.css"}})
}

func (h *Handlers) meterPage(w http.ResponseWriter, r *http.Request) error {
	return h.renderMeter(w, r, http.StatusOK, r.PathValue("prm"), meterView{})
}

// uploadedFile reads the file from a multipart form (field "file") or,
// for API clients, the raw body.
func uploadedFile(r *http.Request) (data []byte, name string, err error) {
	ct := r.Header.Get("Content-Type")
	if strings.HasPrefix(ct, "multipart/form-data") {
		if err := r.ParseMultipartForm(8 << 20); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, "", err
			}
			return nil, "", errs.Field("file", "Formulaire d'envoi illisible.", "Unreadable upload form.")
		}
		f, hdr, err := r.FormFile("file")
		if err != nil {
			return nil, "", errs.Field("file", "Choisissez un fichier de relevés à envoyer.", "Choose a readings file to send.")
		}
		defer f.Close()
		data, err = io.ReadAll(io.LimitReader(f, MaxUpload+1))
		if err != nil {
			return nil, "", err
		}
		name = hdr.Filename
	} else {
		data, err = io.ReadAll(r.Body)
		if err != nil {
			return nil, "", err
		}
		name = r.Header.Get("X-Filename")
	}
	if len(data) > MaxUpload {
		return nil, "", errs.New(errs.TooLarge, fmt.Sprintf("Fichier trop volumineux (%d Mio au plus).", MaxUpload>>20), fmt.Sprintf("File too large (at most %d MiB).", MaxUpload>>20))
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, "", errs.Field("file", "Le fichier envoyé est vide.", "The file sent is empty.")
	}
	return data, name, nil
}

func importOptions(r *http.Request, formFormat, formFlow string) (ImportOptions, error) {
	var o ImportOptions
	if formFormat != "" {
		o.Format = meterfile.Format(formFormat)
		if !o.Format.Valid() {
			return o, errs.Field("format", fmt.Sprintf("Format de fichier inconnu « %s ».", formFormat), fmt.Sprintf("Unknown file format %q.", formFormat))
		}
	}
	switch formFlow {
	case "":
	case string(FlowConsumption), "consommation":
		o.Flow = meterfile.FlowConsumption
	case string(FlowProduction):
		o.Flow = meterfile.FlowProduction
	default:
		return o, errs.Field("flow", "Flux inconnu : consumption ou production.", "Unknown flow: consumption or production.")
	}
	return o, nil
}

func (h *Handlers) importForm(w http.ResponseWriter, r *http.Request) error {
	prm := r.PathValue("prm")
	if _, err := h.svc.OwnMeter(r.Context(), me(r).UserID, prm); err != nil {
		return err
	}
	data, name, err := uploadedFile(r)
	var res ImportResult
	if err == nil {
		var o ImportOptions
		if o, err = importOptions(r, r.FormValue("format"), r.FormValue("flow")); err == nil {
			o.Filename = name
			res, err = h.svc.Import(r.Context(), me(r).UserID, prm, data, o)
		}
	}
	if err != nil {
		if !userError(err) {
			return err
		}
		return h.renderMeter(w, r, web.StatusOf(errs.CodeOf(err)), prm, meterView{Errors: formErrors(lang(r), err)})
	}
	web.SetFlash(w, res.Summary().In(lang(r)))
	to := "/mes-donnees/compteurs/" + prm
	if res.Flow == FlowProduction {
		to += "?flux=production"
	}
	return web.Redirect(w, r, to)
}

func (h *Handlers) deleteMeter(w http.ResponseWriter, r *http.Request) error {
	prm := r.PathValue("prm")
	if r.PostFormValue("confirm") != "oui" {
		if _, err := h.svc.OwnMeter(r.Context(), me(r).UserID, prm); err != nil {
			return err
		}
		return h.renderMeter(w, r, http.StatusUnprocessableEntity, prm, meterView{Errors: []string{tr(r, "Cochez la case de confirmation pour supprimer le compteur et ses relevés.", "Tick the confirmation box to delete the meter and its readings.")}})
	}
	if err := h.svc.DeleteMeter(r.Context(), me(r).UserID, prm); err != nil {
		return err
	}
	web.SetFlash(w, tr(r, "Compteur "+prm+" et ses relevés supprimés.", "Meter "+prm+" and its readings deleted."))
	return web.Redirect(w, r, "/mes-donnees")
}

type consentView struct {
	Consent Consent
	Meters  []Meter
	Purpose Purpose
	Notice  []string
	Errors  []string
	Journal []journalLine
}

func noticeLines(text string) []string { return strings.Split(text, "\n") }

func (h *Handlers) consentPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return errs.New(errs.Forbidden, "Ce consentement ne concerne pas votre compte.", "This consent does not concern your account.")
	}
	return h.renderConsent(w, r, http.StatusOK, id, nil)
}

func (h *Handlers) renderConsent(w http.ResponseWriter, r *http.Request, status int, id int64, problems []string) error {
	c, err := h.svc.HouseholdConsent(r.Context(), me(r).UserID, id)
	if err != nil {
		return err
	}
	v := consentView{Consent: c, Notice: noticeLines(c.NoticeText), Errors: problems}
	v.Purpose, _ = PurposeByCode(c.Purpose)
	if v.Meters, err = h.svc.Meters(r.Context(), me(r).UserID); err != nil {
		return err
	}
	lines, _, err := h.journalLines(r, 0, 0, false)
	if err != nil {
		return err
	}
	for _, l := range lines {
		if l.Consent == c.ID {
			v.Journal = append(v.Journal, l)
		}
	}
	title := tr(r, "Demande de consentement n° ", "Consent request no. ") + fmt.Sprint(c.ID)
	if c.Status != StatusRequested {
		title = tr(r, "Consentement n° ", "Consent no. ") + fmt.Sprint(c.ID)
	}
	return h.tmpl.Render(w, r, status, "consent", &web.Page{Title: title, Data: v, Styles: []string{"css/regie.css"},
		Crumbs: []web.Crumb{{Href: "/mes-donnees", Label: tr(r, "Mes données", "My data")}, {Label: title}}})
}

func (h *Handlers) decideForm(to Status) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return errs.New(errs.Forbidden, "Ce consentement ne concerne pas votre compte.", "This consent does not concern your account.")
		}
		uid := me(r).UserID
		var c Consent
		switch to {
		case StatusGiven:
			_ = r.ParseForm()
			c, err = h.svc.Give(r.Context(), uid, id, r.PostForm["prm"])
		case StatusRefused:
			c, err = h.svc.Refuse(r.Context(), uid, id)
		default:
			c, err = h.svc.Withdraw(r.Context(), uid, id)
		}
		if err != nil {
			if !userError(err) {
				return err
			}
			return h.renderConsent(w, r, web.StatusOf(errs.CodeOf(err)), id, formErrors(lang(r), err))
		}
		var msg string
		switch to {
		case StatusGiven:
			msg = tr(r, fmt.Sprintf("Consentement donné à %s jusqu'au %s. Vous pouvez le retirer à tout moment.", c.Recipient.Name, web.FormatDate("fr", c.ValidUntil)),
				fmt.Sprintf("Consent given to %s until %s. You can withdraw it at any time.", c.Recipient.Name, web.FormatDate("en", c.ValidUntil)))
		case StatusRefused:
			msg = tr(r, "Demande refusée : "+c.Recipient.Name+" n'aura pas accès à vos données.", "Request refused: "+c.Recipient.Name+" will not access your data.")
		default:
			msg = tr(r, "Consentement retiré : "+c.Recipient.Name+" ne peut plus lire vos données, dès maintenant.", "Consent withdrawn: "+c.Recipient.Name+" can no longer read your data, from now on.")
		}
		web.SetFlash(w, msg)
		return web.Redirect(w, r, fmt.Sprintf("/mes-donnees/consentements/%d", c.ID))
	}
}

type journalView struct {
	Journal    []journalLine
	Own        bool
	Pager      pager
	Pseudonym  string
	Total      int
	HeadLength int64
}

type pager struct {
	Prev, Next, Label, PrevLabel, NextLabel string
}

const journalPageSize = 50

func (h *Handlers) journalPage(w http.ResponseWriter, r *http.Request) error {
	page, err := web.QueryInt(r, "page", 1, 1, 100000)
	if err != nil {
		return err
	}
	own := r.URL.Query().Get("moi") == "1"
	lines, total, err := h.journalLines(r, (page-1)*journalPageSize, journalPageSize, own)
	if err != nil {
		return err
	}
	v := journalView{Journal: lines, Own: own, Total: total}
	if v.Pseudonym, err = h.svc.Pseudonym(r.Context(), me(r).UserID); err != nil {
		return err
	}
	base := "/mes-donnees/journal?"
	if own {
		base += "moi=1&"
	}
	pages := (total + journalPageSize - 1) / journalPageSize
	v.Pager = pager{Label: fmt.Sprintf(tr(r, "page %d sur %d", "page %d of %d"), page, max(pages, 1)), PrevLabel: tr(r, "plus récentes", "newer"), NextLabel: tr(r, "plus anciennes", "older")}
	if page > 1 {
		v.Pager.Prev = fmt.Sprintf("%spage=%d", base, page-1)
	}
	if page < pages {
		v.Pager.Next = fmt.Sprintf("%spage=%d", base, page+1)
	}
	return h.tmpl.Render(w, r, http.StatusOK, "journal", &web.Page{Title: tr(r, "Qui a accédé à mes données", "Who accessed my data"), Data: v, Styles: []string{"css/regie.css"},
		Crumbs: []web.Crumb{{Href: "/mes-donnees", Label: tr(r, "Mes données", "My data")}, {Label: tr(r, "Journal", "Log")}}})
}

func (h *Handlers) exportZip(w http.ResponseWriter, r *http.Request) error {
	var buf bytes.Buffer
	if err := h.svc.Export(r.Context(), me(r).UserID, "page", &buf); err != nil {
		return err
	}
	return writeZip(w, buf.Bytes())
}

func writeZip(w http.ResponseWriter, b []byte) error {
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", `attachment; filename="mes-donnees-fabrique-`+time.Now().UTC().Format("2006-01-02")+`.zip"`)
	w.Header().Set("Cache-Control", "no-store")
	_, err := w.Write(b)
	return err
}

type receiptView struct {
	Consent Consent
	Event   ConsentEvent
	Receipt Receipt
	JSON    string
	ForHome bool
}

func (h *Handlers) receiptPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return errs.New(errs.Forbidden, "Reçu inaccessible.", "Receipt not accessible.")
	}
	c, ev, err := h.svc.ReceiptFor(r.Context(), me(r).UserID, id)
	if err != nil {
		return err
	}
	v := receiptView{Consent: c, Event: ev, ForHome: c.HouseholdID == me(r).UserID}
	if err := json.Unmarshal(ev.Receipt, &v.Receipt); err != nil {
		return err
	}
	var pretty bytes.Buffer
	_ = json.Indent(&pretty, ev.Receipt, "", "  ")
	v.JSON = pretty.String()
	title := fmt.Sprintf(tr(r, "Reçu n° %d — consentement n° %d", "Receipt no. %d — consent no. %d"), ev.ID, c.ID)
	back := web.Crumb{Href: fmt.Sprintf("/mes-donnees/consentements/%d", c.ID), Label: fmt.Sprintf(tr(r, "Consentement n° %d", "Consent no. %d"), c.ID)}
	if !v.ForHome {
		back.Href = fmt.Sprintf("/destinataire/%d/consentements/%d", c.Recipient.ID, c.ID)
	}
	return h.tmpl.Render(w, r, http.StatusOK, "receipt", &web.Page{Title: title, Data: v, Styles: []string{"css/regie.css"},
		Alternates: []web.Alternate{{Type: "application/json", Href: fmt.Sprintf("/api/v1/receipts/%d", ev.ID), Title: "JSON"}},
		Crumbs:     []web.Crumb{back, {Label: title}}})
}
