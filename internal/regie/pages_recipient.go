package regie

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
)

type recipientsView struct {
	Recipients []Recipient
}

func (h *Handlers) recipientsPage(w http.ResponseWriter, r *http.Request) error {
	rs, err := h.svc.RecipientsOf(r.Context(), me(r).UserID)
	if err != nil {
		return err
	}
	return h.tmpl.Render(w, r, http.StatusOK, "recipients", &web.Page{Title: tr(r, "Destinataires de données", "Data recipients"), Data: recipientsView{rs}, Styles: []string{"css/regie.css"}})
}

// requestFormData is the consent request form as typed.
type requestFormData struct {
	Email, Purpose, PRMs, From, To, Mode, Message string
	Resolution                                    Step
	Categories                                    []string
	Validity, Retention                           string
}

type aggregateFormData struct {
	Consents      []int64
	Purpose       string
	TerritoryKind string
	TerritoryCode string
	From, To      string
	Step          Step
}

type recipientView struct {
	Recipient  Recipient
	Consents   []Consent
	Given      []Consent
	Status     Status
	Statuses   []Status
	Purposes   []Purpose
	Categories []Category
	Steps      []Step
	Members    []Member
	Aggregates []AggregateRecord
	Request    requestFormData
	Agg        aggregateFormData
	Errors     []string
	AggErrors  []string
	Counts     map[Status]int
	// TerritoryKinds are the kinds a cohort may be restricted to.
	TerritoryKinds []string
}

// reader is the recipient reader of a recipient page, refusing accounts
// that do not act for it.
func (h *Handlers) reader(r *http.Request) (Reader, Recipient, error) {
	rid, err := strconv.ParseInt(r.PathValue("rid"), 10, 64)
	if err != nil {
		return Reader{}, Recipient{}, errNotRecipient()
	}
	rd := Reader{UserID: me(r).UserID, RecipientID: rid, Via: "page"}
	rec, err := h.svc.actingFor(r.Context(), rd)
	return rd, rec, err
}

func defaultRequest() requestFormData {
	y := time.Now().In(parisLoc).Year()
	return requestFormData{Purpose: PurposeACC, Categories: []string{string(CatLoadCurve)}, From: fmt.Sprintf("%d-01-01", y-1), To: fmt.Sprintf("%d-12-31", y+1),
		Resolution: StepPT30M, Mode: string(ModeIndividual), Validity: "12", Retention: "365"}
}

func (h *Handlers) renderRecipient(w http.ResponseWriter, r *http.Request, status int, v recipientView) error {
	rd, rec, err := h.reader(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	v.Recipient, v.Statuses, v.Categories, v.Steps = rec, Statuses(), Categories(), Steps()
	v.TerritoryKinds = []string{"commune", "epci", "departement", "region"}
	for _, p := range Purposes() {
		if p.allows(rec.Kind) {
			v.Purposes = append(v.Purposes, p)
		}
	}
	if v.Request.Purpose == "" {
		v.Request = defaultRequest()
		if len(v.Purposes) > 0 {
			v.Request.Purpose = v.Purposes[0].Code
			if v.Purposes[0].AggregateOnly {
				v.Request.Mode, v.Request.Categories, v.Request.Resolution = string(ModeAggregate), []string{string(CatDailyEnergy)}, StepP1D
			}
		}
	}
	if v.Agg.Purpose == "" && len(v.Purposes) > 0 {
		v.Agg.Purpose = v.Purposes[0].Code
		v.Agg.From, v.Agg.To, v.Agg.Step = defaultRequest().From, defaultRequest().From[:4]+"-12-31", StepP1M
		if rec.Kind == KindTerritory {
			v.Agg.TerritoryKind, v.Agg.TerritoryCode = rec.TerritoryKind, rec.TerritoryCode
		}
	}
	st := Status(r.URL.Query().Get("statut"))
	all, err := h.svc.RecipientConsents(ctx, rd, "")
	if err != nil {
		return err
	}
	v.Counts = map[Status]int{}
	for _, c := range all {
		v.Counts[c.Status]++
		if c.Status == StatusGiven {
			v.Given = append(v.Given, c)
		}
		if st == "" || c.Status == st {
			v.Consents = append(v.Consents, c)
		}
	}
	v.Status = st
	if v.Members, err = h.svc.RecipientMembers(ctx, rec.ID); err != nil {
		return err
	}
	if v.Aggregates, err = h.svc.AggregateRecords(ctx, rd, 20); err != nil {
		return err
	}
	return h.tmpl.Render(w, r, status, "recipient", &web.Page{Title: rec.Name, Data: v, Styles: []string{"css/regie.css"},
		Crumbs: []web.Crumb{{Href: "/destinataire", Label: tr(r, "Destinataires", "Recipients")}, {Label: rec.Name}}})
}

func (h *Handlers) recipientPage(w http.ResponseWriter, r *http.Request) error {
	return h.renderRecipient(w, r, http.StatusOK, recipientView{})
}

func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '\n' || r == '\r' || r == ' ' || r == '\t' })
}

func atoiField(field, s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, errs.Field(field, "Nombre entier attendu.", "Whole number expected.")
	}
	return n, nil
}

func (h *Handlers) requestForm(w http.ResponseWriter, r *http.Request) error {
	rd, _, err := h.reader(r)
	if err != nil {
		return err
	}
	_ = r.ParseForm()
	f := requestFormData{Email: r.PostFormValue("household_email"), Purpose: r.PostFormValue("purpose"), PRMs: r.PostFormValue("prms"),
		From: r.PostFormValue("data_from"), To: r.PostFormValue("data_to"), Mode: r.PostFormValue("mode"), Message: r.PostFormValue("message"),
		Resolution: Step(r.PostFormValue("resolution")), Categories: r.PostForm["categories"], Validity: r.PostFormValue("validity_months"), Retention: r.PostFormValue("retention_days")}
	c, err := h.requestFromForm(r, rd, f)
	if err != nil {
		if !userError(err) {
			return err
		}
		return h.renderRecipient(w, r, http.StatusUnprocessableEntity, recipientView{Request: f, Errors: formErrors(lang(r), err)})
	}
	web.SetFlash(w, tr(r, "Demande envoyée : elle attend la réponse du foyer.", "Request sent: it awaits the household's answer."))
	return web.Redirect(w, r, fmt.Sprintf("/destinataire/%d/consentements/%d", rd.RecipientID, c.ID))
}

func (h *Handlers) requestFromForm(r *http.Request, rd Reader, f requestFormData) (Consent, error) {
	from, err := parseDay("data_from", f.From)
	if err != nil {
		return Consent{}, err
	}
	to, err := parseDay("data_to", f.To)
	if err != nil {
		return Consent{}, err
	}
	months, err := atoiField("validity_months", f.Validity)
	if err != nil {
		return Consent{}, err
	}
	days, err := atoiField("retention_days", f.Retention)
	if err != nil {
		return Consent{}, err
	}
	res, err := ParseStep(string(f.Resolution))
	if err != nil {
		return Consent{}, errs.Field("resolution", "Précision inconnue.", "Unknown resolution.")
	}
	return h.svc.RequestConsent(r.Context(), rd, ConsentRequest{HouseholdEmail: f.Email, Purpose: f.Purpose, Categories: f.Categories, PRMs: splitList(f.PRMs),
		DataFrom: from, DataTo: addParisDays(to, 1), Resolution: res, Mode: Mode(f.Mode), ValidityMonths: months, RetentionDays: days, Message: f.Message})
}

type recipientConsentView struct {
	Recipient Recipient
	Consent   Consent
	Notice    []string
	Chart     *chartView
	Refusal   string
	Errors    []string
	PRM       string
	From, To  string
	Step      Step
	Steps     []Step
	Flow      Flow
	CSV       string
}

func (h *Handlers) recipientConsentPage(w http.ResponseWriter, r *http.Request) error {
	rd, rec, err := h.reader(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return errs.New(errs.Forbidden, "Ce consentement ne concerne pas ce destinataire.", "This consent does not concern this recipient.")
	}
	c, err := h.svc.RecipientConsent(r.Context(), rd, id)
	if err != nil {
		return err
	}
	v := recipientConsentView{Recipient: rec, Consent: c, Notice: noticeLines(c.NoticeText), Steps: Steps(), Flow: FlowConsumption}
	status := http.StatusOK
	q := r.URL.Query()
	if prm := q.Get("prm"); prm != "" {
		v.PRM = prm
		var from, to time.Time
		var step Step
		if s := q.Get("du"); s != "" {
			if from, err = parseDay("du", s); err != nil {
				v.Errors = formErrors(lang(r), err)
			}
		}
		if s := q.Get("au"); s != "" {
			if to, err = parseDay("au", s); err != nil {
				v.Errors = formErrors(lang(r), err)
			} else {
				to = addParisDays(to, 1)
			}
		}
		if s := q.Get("pas"); s != "" {
			if step, err = ParseStep(s); err != nil {
				v.Errors = formErrors(lang(r), err)
			}
		}
		if f, err := ParseFlow(q.Get("flux")); err == nil {
			v.Flow = f
		}
		v.From, v.To, v.Step = q.Get("du"), q.Get("au"), step
		if len(v.Errors) == 0 {
			cur, err := h.svc.ReadCurve(r.Context(), CurveRequest{Reader: rd, ConsentID: c.ID, PRM: prm, Flow: v.Flow, From: from, To: to, Step: step})
			switch {
			case err == nil:
				cv := newChart("courbe", &cur, lang(r), tr(r, "Relevés du compteur "+prm, "Readings of meter "+prm))
				v.Chart = &cv
				v.Step = cur.Step
				v.CSV = fmt.Sprintf("/api/v1/data/meters/%s/readings?consent=%d&from=%s&to=%s&step=%s&flow=%s", prm, c.ID, cur.Start.Format(time.RFC3339), cur.End.Format(time.RFC3339), cur.Step, v.Flow)
			case RuleOf(err) != "":
				e, _ := errs.As(err)
				v.Refusal = e.Message.In(lang(r))
				status = http.StatusForbidden
			case userError(err):
				v.Errors = formErrors(lang(r), err)
				status = http.StatusUnprocessableEntity
			default:
				return err
			}
		}
	}
	// Reading the consent again shows its status after an expiry noticed above.
	if fresh, err := h.svc.RecipientConsent(r.Context(), rd, id); err == nil {
		v.Consent = fresh
	}
	title := fmt.Sprintf(tr(r, "Consentement n° %d", "Consent no. %d"), c.ID)
	return h.tmpl.Render(w, r, status, "recipient_consent", &web.Page{Title: title, Data: v,
		Scripts: []string{"vendor/uplot/uPlot.iife.min.js", "js/regie-chart.js"}, Styles: []string{"vendor/uplot/uPlot.min.css", "css/regie.css"},
		Crumbs: []web.Crumb{{Href: "/destinataire", Label: tr(r, "Destinataires", "Recipients")}, {Href: fmt.Sprintf("/destinataire/%d", rec.ID), Label: rec.Name}, {Label: title}}})
}

func (h *Handlers) aggregateForm(w http.ResponseWriter, r *http.Request) error {
	rd, _, err := h.reader(r)
	if err != nil {
		return err
	}
	_ = r.ParseForm()
	f := aggregateFormData{Purpose: r.PostFormValue("purpose"), TerritoryKind: r.PostFormValue("territory_kind"), TerritoryCode: strings.TrimSpace(r.PostFormValue("territory_code")),
		From: r.PostFormValue("from"), To: r.PostFormValue("to"), Step: Step(r.PostFormValue("step"))}
	for _, s := range r.PostForm["consent"] {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil {
			f.Consents = append(f.Consents, id)
		}
	}
	req := AggregateRequest{Reader: rd, Consents: f.Consents}
	if len(f.Consents) == 0 {
		req.Cohort = &Cohort{Purpose: f.Purpose}
		if f.TerritoryCode != "" {
			req.Cohort.TerritoryKind, req.Cohort.TerritoryCode = f.TerritoryKind, f.TerritoryCode
		}
	}
	var perr error
	if req.From, perr = parseDay("from", f.From); perr == nil {
		if req.To, perr = parseDay("to", f.To); perr == nil {
			req.To = addParisDays(req.To, 1)
			req.Step, perr = ParseStep(string(f.Step))
		}
	}
	if perr != nil {
		return h.renderRecipient(w, r, http.StatusUnprocessableEntity, recipientView{Agg: f, AggErrors: formErrors(lang(r), perr)})
	}
	a, err := h.svc.Aggregate(r.Context(), req)
	if err != nil && a.ID == 0 {
		if !userError(err) {
			return err
		}
		return h.renderRecipient(w, r, http.StatusUnprocessableEntity, recipientView{Agg: f, AggErrors: formErrors(lang(r), err)})
	}
	if err != nil {
		web.SetFlash(w, tr(r, "Demande d'agrégat refusée : la règle appliquée est expliquée ci-dessous.", "Aggregate request refused: the rule applied is explained below."))
	} else {
		web.SetFlash(w, tr(r, "Agrégat calculé.", "Aggregate computed."))
	}
	return web.Redirect(w, r, fmt.Sprintf("/destinataire/%d/agregats/%d", rd.RecipientID, a.ID))
}

type aggregateView struct {
	Recipient Recipient
	Record    AggregateRecord
	Chart     *chartView
	Rows      []aggregateRow
	TooMany   bool
}

type aggregateRow struct {
	When     string
	Sum      float64
	Mean     float64
	Count    int
	Released bool
}

func (h *Handlers) aggregatePage(w http.ResponseWriter, r *http.Request) error {
	rd, rec, err := h.reader(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "aid")
	if err != nil {
		return err
	}
	a, err := h.svc.AggregateRecordByID(r.Context(), rd, id)
	if err != nil {
		return err
	}
	v := aggregateView{Recipient: rec, Record: a}
	if ans := a.Answer; ans != nil {
		c := Curve{Step: ans.Step, Start: ans.Start, End: ans.End, Values: ans.Sum.Values, Present: ans.Sum.Present, grid: newGrid(ans.Step, ans.Start, ans.End)}
		cv := newChart("agregat", &c, lang(r), tr(r, "Total de la cohorte", "Cohort total"))
		v.Chart = &cv
		if len(ans.Sum.Values) <= maxTableRows {
			for i := range ans.Sum.Values {
				v.Rows = append(v.Rows, aggregateRow{When: longWhen(c.At(i), c.Step, lang(r)), Sum: float64(ans.Sum.Values[i]) / 1000,
					Mean: ans.Mean.Values[i] / 1000, Count: ans.Count[i], Released: ans.Sum.Present[i]})
			}
		} else {
			v.TooMany = true
		}
	}
	title := fmt.Sprintf(tr(r, "Demande d'agrégat n° %d", "Aggregate request no. %d"), a.ID)
	return h.tmpl.Render(w, r, http.StatusOK, "aggregate", &web.Page{Title: title, Data: v,
		Scripts: []string{"vendor/uplot/uPlot.iife.min.js", "js/regie-chart.js"}, Styles: []string{"vendor/uplot/uPlot.min.css", "css/regie.css"},
		Crumbs: []web.Crumb{{Href: "/destinataire", Label: tr(r, "Destinataires", "Recipients")}, {Href: fmt.Sprintf("/destinataire/%d", rec.ID), Label: rec.Name}, {Label: title}}})
}

// ---- administration ----

type adminView struct {
	Recipients []adminRecipient
	Kinds      []RecipientKind
	Form       RecipientSpec
	Errors     []string
}

type adminRecipient struct {
	Recipient
	Members []Member
}

func (h *Handlers) renderAdmin(w http.ResponseWriter, r *http.Request, status int, v adminView) error {
	rs, err := h.svc.Recipients(r.Context())
	if err != nil {
		return err
	}
	for _, x := range rs {
		ms, err := h.svc.RecipientMembers(r.Context(), x.ID)
		if err != nil {
			return err
		}
		v.Recipients = append(v.Recipients, adminRecipient{x, ms})
	}
	v.Kinds = []RecipientKind{KindCommunity, KindTerritory, KindResearcher}
	return h.tmpl.Render(w, r, status, "admin", &web.Page{Title: tr(r, "Régie de données : destinataires", "Data trust: recipients"), Data: v, Styles: []string{"css/regie.css"}})
}

func (h *Handlers) adminPage(w http.ResponseWriter, r *http.Request) error {
	return h.renderAdmin(w, r, http.StatusOK, adminView{})
}

func (h *Handlers) adminCreateRecipient(w http.ResponseWriter, r *http.Request) error {
	sp := RecipientSpec{Kind: RecipientKind(r.PostFormValue("kind")), Name: r.PostFormValue("name"), SIREN: r.PostFormValue("siren"),
		TerritoryKind: r.PostFormValue("territory_kind"), TerritoryCode: strings.TrimSpace(r.PostFormValue("territory_code"))}
	if sp.TerritoryCode == "" {
		sp.TerritoryKind = ""
	}
	rec, err := h.svc.CreateRecipient(r.Context(), me(r).UserID, sp)
	if err != nil {
		if !userError(err) {
			return err
		}
		return h.renderAdmin(w, r, http.StatusUnprocessableEntity, adminView{Form: sp, Errors: formErrors(lang(r), err)})
	}
	web.SetFlash(w, tr(r, "Destinataire « "+rec.Name+" » créé.", "Recipient \""+rec.Name+"\" created."))
	return web.Redirect(w, r, "/admin/regie")
}

func (h *Handlers) adminAddMember(w http.ResponseWriter, r *http.Request) error {
	rid, err := pathID(r, "rid")
	if err != nil {
		return err
	}
	u, err := h.svc.accounts.UserByEmail(r.Context(), strings.TrimSpace(r.PostFormValue("email")))
	if err == nil {
		err = h.svc.AddRecipientMember(r.Context(), me(r).UserID, rid, u.ID)
	}
	if err != nil {
		if !userError(err) && !errs.Is(err, errs.NotFound) {
			return err
		}
		return h.renderAdmin(w, r, http.StatusUnprocessableEntity, adminView{Errors: formErrors(lang(r), err)})
	}
	web.SetFlash(w, tr(r, u.Email+" agit maintenant pour ce destinataire.", u.Email+" now acts for this recipient."))
	return web.Redirect(w, r, "/admin/regie")
}

func (h *Handlers) adminRemoveMember(w http.ResponseWriter, r *http.Request) error {
	rid, err := pathID(r, "rid")
	if err != nil {
		return err
	}
	uid, err := pathID(r, "uid")
	if err != nil {
		return err
	}
	if err := h.svc.RemoveRecipientMember(r.Context(), me(r).UserID, rid, uid); err != nil {
		return err
	}
	web.SetFlash(w, tr(r, "Rôle de destinataire retiré.", "Recipient role removed."))
	return web.Redirect(w, r, "/admin/regie")
}
