package regie

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
)

func (h *Handlers) mountAPI(samples Samples) {
	prm := samples.PRM
	h.srv.Handle(
		web.Route{Method: "GET", Pattern: "/api/v1/purposes", Access: web.Public, Handler: h.apiPurposes},
		// Household.
		web.Route{Method: "GET", Pattern: "/api/v1/me/meters", Access: web.SignedIn, Handler: h.apiMeters},
		web.Route{Method: "POST", Pattern: "/api/v1/me/meters", Access: web.SignedIn, Handler: h.apiAddMeter},
		web.Route{Method: "POST", Pattern: "/api/v1/me/meters/{prm}/readings", Access: web.SignedIn, Owner: true, MaxBody: MaxUpload + 1<<20,
			Sample: "/api/v1/me/meters/" + prm + "/readings", Handler: h.apiImport},
		web.Route{Method: "GET", Pattern: "/api/v1/me/meters/{prm}/readings", Access: web.SignedIn, Owner: true, Household: true,
			Sample: "/api/v1/me/meters/" + prm + "/readings", Handler: h.apiOwnReadings},
		web.Route{Method: "GET", Pattern: "/api/v1/me/consents", Access: web.SignedIn, Handler: h.apiMyConsents},
		web.Route{Method: "POST", Pattern: "/api/v1/me/consents/{id}/give", Access: web.SignedIn, Owner: true, Sample: "/api/v1/me/consents/" + strconv.FormatInt(samples.Consent, 10) + "/give", Handler: h.apiDecide(StatusGiven)},
		web.Route{Method: "POST", Pattern: "/api/v1/me/consents/{id}/refuse", Access: web.SignedIn, Owner: true, Sample: "/api/v1/me/consents/" + strconv.FormatInt(samples.Consent, 10) + "/refuse", Handler: h.apiDecide(StatusRefused)},
		web.Route{Method: "POST", Pattern: "/api/v1/me/consents/{id}/withdraw", Access: web.SignedIn, Owner: true, Sample: "/api/v1/me/consents/" + strconv.FormatInt(samples.Consent, 10) + "/withdraw", Handler: h.apiDecide(StatusWithdrawn)},
		web.Route{Method: "GET", Pattern: "/api/v1/me/journal", Access: web.SignedIn, Household: true, Handler: h.apiJournal},
		web.Route{Method: "GET", Pattern: "/api/v1/me/export", Access: web.SignedIn, Household: true, Handler: h.apiExport},
		web.Route{Method: "GET", Pattern: "/api/v1/receipts/{id}", Access: web.SignedIn, Owner: true, Sample: "/api/v1/receipts/" + strconv.FormatInt(samples.Receipt, 10), Handler: h.apiReceipt},
		// Recipients.
		web.Route{Method: "GET", Pattern: "/api/v1/me/recipients", Access: web.SignedIn, Handler: h.apiMyRecipients},
		web.Route{Method: "POST", Pattern: "/api/v1/consent-requests", Access: web.SignedIn, Owner: true, Handler: h.apiRequest},
		web.Route{Method: "GET", Pattern: "/api/v1/consents", Access: web.SignedIn, Owner: true, Handler: h.apiRecipientConsents},
		web.Route{Method: "GET", Pattern: "/api/v1/data/meters/{prm}/readings", Access: web.SignedIn, Owner: true, Household: true,
			Sample: "/api/v1/data/meters/" + prm + "/readings?consent=" + strconv.FormatInt(samples.RecipientConsent, 10), Handler: h.apiRecipientReadings},
		web.Route{Method: "POST", Pattern: "/api/v1/data/aggregates", Access: web.SignedIn, Owner: true, Household: true, Handler: h.apiAggregate},
	)
}

// purposeJSON is a purpose in the API.
type purposeJSON struct {
	Code          string   `json:"code"`
	Name          string   `json:"name"`
	NameEN        string   `json:"name_en"`
	Text          string   `json:"text"`
	TextEN        string   `json:"text_en"`
	LegalBasis    string   `json:"legal_basis"`
	AggregateOnly bool     `json:"aggregate_only"`
	Recipients    []string `json:"recipient_kinds"`
}

func (h *Handlers) apiPurposes(w http.ResponseWriter, r *http.Request) error {
	out := []purposeJSON{}
	for _, p := range Purposes() {
		x := purposeJSON{Code: p.Code, Name: p.Name.FR, NameEN: p.Name.EN, Text: p.Text.FR, TextEN: p.Text.EN, LegalBasis: p.LegalBasis.FR, AggregateOnly: p.AggregateOnly}
		for _, k := range p.Kinds {
			x.Recipients = append(x.Recipients, string(k))
		}
		out = append(out, x)
	}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": out, "total": len(out)})
	return nil
}

// MeterJSON is a meter in the API.
type MeterJSON struct {
	PRM       string       `json:"prm"`
	Label     string       `json:"label"`
	Commune   string       `json:"commune,omitempty"`
	CreatedAt time.Time    `json:"created_at"`
	Series    []SeriesJSON `json:"series"`
}

func meterJSON(m Meter) MeterJSON {
	return MeterJSON{PRM: m.PRM, Label: m.Label, Commune: m.Commune, CreatedAt: m.CreatedAt.UTC(), Series: seriesJSON(m.Series)}
}

func (h *Handlers) apiMeters(w http.ResponseWriter, r *http.Request) error {
	ms, err := h.svc.Meters(r.Context(), me(r).UserID)
	if err != nil {
		return err
	}
	out := []MeterJSON{}
	for _, m := range ms {
		out = append(out, meterJSON(m))
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": out, "total": len(out)})
	return nil
}

func (h *Handlers) apiAddMeter(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		PRM     string `json:"prm"`
		Label   string `json:"label"`
		Commune string `json:"commune"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	m, err := h.svc.AddMeter(r.Context(), me(r).UserID, in.PRM, in.Label, in.Commune)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, meterJSON(m))
	return nil
}

// ImportJSON is the API answer to an import.
type ImportJSON struct {
	ID         int64     `json:"id"`
	PRM        string    `json:"prm"`
	Format     string    `json:"format"`
	Kind       string    `json:"kind"`
	Flow       Flow      `json:"flow"`
	Steps      []Step    `json:"steps"`
	Points     int       `json:"points"`
	Gaps       int       `json:"gaps"`
	Duplicates int       `json:"duplicates"`
	From       time.Time `json:"from"`
	To         time.Time `json:"to"`
	Added      int       `json:"added"`
	Replaced   int       `json:"replaced"`
	Unchanged  int       `json:"unchanged"`
	Changed    bool      `json:"changed"`
	Overlap    *struct {
		From time.Time `json:"from"`
		To   time.Time `json:"to"`
	} `json:"overlap_replaced,omitempty"`
	Message string `json:"message"`
}

func (h *Handlers) apiImport(w http.ResponseWriter, r *http.Request) error {
	prm := r.PathValue("prm")
	if _, err := h.svc.OwnMeter(r.Context(), me(r).UserID, prm); err != nil {
		return err
	}
	data, name, err := uploadedFile(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	format, flow := q.Get("format"), q.Get("flow")
	if r.MultipartForm != nil {
		if v := r.FormValue("format"); v != "" {
			format = v
		}
		if v := r.FormValue("flow"); v != "" {
			flow = v
		}
	}
	o, err := importOptions(r, format, flow)
	if err != nil {
		return err
	}
	o.Filename = name
	res, err := h.svc.Import(r.Context(), me(r).UserID, prm, data, o)
	if err != nil {
		return err
	}
	out := ImportJSON{ID: res.ID, PRM: res.PRM, Format: string(res.Format), Kind: "load_curve", Flow: res.Flow, Steps: res.Steps, Points: res.Points,
		Gaps: res.Gaps, Duplicates: res.Duplicates, From: res.From.UTC(), To: res.To.UTC(), Added: res.Added, Replaced: res.Replaced, Unchanged: res.Unchanged,
		Changed: res.Changed(), Message: res.Summary().In(lang(r))}
	if res.Daily {
		out.Kind = "daily_energy"
	}
	if res.Replaced > 0 {
		out.Overlap = &struct {
			From time.Time `json:"from"`
			To   time.Time `json:"to"`
		}{res.ReplacedFrom.UTC(), res.ReplacedTo.UTC()}
	}
	status := http.StatusCreated
	if !res.Changed() {
		status = http.StatusOK
	}
	web.WriteJSON(w, status, out)
	return nil
}

// curveQuery reads from, to, step and flow from the query string.
func curveQuery(r *http.Request) (from, to time.Time, step Step, flow Flow, err error) {
	q := r.URL.Query()
	if from, err = parseInstant("from", q.Get("from")); err != nil {
		return
	}
	if to, err = parseInstant("to", q.Get("to")); err != nil {
		return
	}
	if s := q.Get("step"); s != "" {
		if step, err = ParseStep(s); err != nil {
			return
		}
	}
	flow, err = ParseFlow(q.Get("flow"))
	return
}

// writeCurve answers JSON, or CSV when the client asks for text/csv.
func writeCurve(w http.ResponseWriter, r *http.Request, c *Curve) error {
	if c.Downsampled() {
		w.Header().Set("X-Step-Downsampled-From", string(c.Requested))
	}
	if strings.Contains(r.Header.Get("Accept"), "text/csv") {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Disposition", `attachment; filename="`+sanitizeFilename(c.PRM)+"-"+string(c.Step)+`.csv"`)
		_, err := w.Write(CurveCSV(c))
		return err
	}
	web.WriteJSON(w, http.StatusOK, CurveJSON(c))
	return nil
}

func (h *Handlers) apiOwnReadings(w http.ResponseWriter, r *http.Request) error {
	from, to, step, flow, err := curveQuery(r)
	if err != nil {
		return err
	}
	c, err := h.svc.ReadCurve(r.Context(), CurveRequest{Reader: Reader{UserID: me(r).UserID, Via: "api"}, PRM: r.PathValue("prm"), Flow: flow, From: from, To: to, Step: step})
	if err != nil {
		return err
	}
	return writeCurve(w, r, &c)
}

func (h *Handlers) apiMyConsents(w http.ResponseWriter, r *http.Request) error {
	cs, err := h.svc.HouseholdConsents(r.Context(), me(r).UserID)
	if err != nil {
		return err
	}
	out := []ConsentJSON{}
	for i := range cs {
		out = append(out, consentJSON(&cs[i], true))
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": out, "total": len(out)})
	return nil
}

func (h *Handlers) apiDecide(to Status) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return errs.New(errs.Forbidden, "Ce consentement ne concerne pas votre compte.", "This consent does not concern your account.")
		}
		uid := me(r).UserID
		var c Consent
		switch to {
		case StatusGiven:
			var in struct {
				PRMs []string `json:"prms"`
			}
			if r.ContentLength != 0 && strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
				if err := web.DecodeJSON(r, &in); err != nil {
					return err
				}
			}
			c, err = h.svc.Give(r.Context(), uid, id, in.PRMs)
		case StatusRefused:
			c, err = h.svc.Refuse(r.Context(), uid, id)
		default:
			c, err = h.svc.Withdraw(r.Context(), uid, id)
		}
		if err != nil {
			return err
		}
		web.WriteJSON(w, http.StatusOK, consentJSON(&c, true))
		return nil
	}
}

func (h *Handlers) apiJournal(w http.ResponseWriter, r *http.Request) error {
	limit, err := web.QueryInt(r, "limit", 100, 1, 1000)
	if err != nil {
		return err
	}
	page, err := web.QueryInt(r, "page", 1, 1, 1_000_000)
	if err != nil {
		return err
	}
	p, err := h.svc.SubjectJournal(r.Context(), me(r).UserID, (page-1)*limit, limit)
	if err != nil {
		return err
	}
	names := h.svc.meterNames(r.Context(), me(r).UserID)
	type item struct {
		EntryJSON
		Text string `json:"text"`
	}
	out := []item{}
	for _, e := range p.Entries {
		l := describe(e, lang(r), names)
		who := l.Who
		if l.Own || e.Actor == ActorHousehold {
			who = tr(r, "Vous", "You")
		}
		out = append(out, item{entryJSON(e), who + " " + l.What + " — " + l.Result})
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": out, "total": p.Total})
	return nil
}

func (h *Handlers) apiExport(w http.ResponseWriter, r *http.Request) error {
	var buf bytes.Buffer
	if err := h.svc.Export(r.Context(), me(r).UserID, "api", &buf); err != nil {
		return err
	}
	return writeZip(w, buf.Bytes())
}

func (h *Handlers) apiReceipt(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return errs.New(errs.Forbidden, "Reçu inaccessible.", "Receipt not accessible.")
	}
	_, ev, err := h.svc.ReceiptFor(r.Context(), me(r).UserID, id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	var out bytes.Buffer
	_ = json.Indent(&out, ev.Receipt, "", "  ")
	out.WriteByte('\n')
	_, err = w.Write(out.Bytes())
	return err
}

// RecipientJSON is a recipient in the API.
type RecipientJSON struct {
	ID            int64         `json:"id"`
	Kind          RecipientKind `json:"kind"`
	Name          string        `json:"name"`
	SIREN         string        `json:"siren,omitempty"`
	TerritoryKind string        `json:"territory_kind,omitempty"`
	TerritoryCode string        `json:"territory_code,omitempty"`
}

func (h *Handlers) apiMyRecipients(w http.ResponseWriter, r *http.Request) error {
	rs, err := h.svc.RecipientsOf(r.Context(), me(r).UserID)
	if err != nil {
		return err
	}
	out := []RecipientJSON{}
	for _, x := range rs {
		out = append(out, RecipientJSON{x.ID, x.Kind, x.Name, x.SIREN, x.TerritoryKind, x.TerritoryCode})
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": out, "total": len(out)})
	return nil
}

// apiReader finds the recipient an API call acts for: the one named, or
// the account's only one.
func (h *Handlers) apiReader(ctx context.Context, userID, named int64) (Reader, error) {
	rd := Reader{UserID: userID, RecipientID: named, Via: "api"}
	if named != 0 {
		_, err := h.svc.actingFor(ctx, rd)
		return rd, err
	}
	rs, err := h.svc.RecipientsOf(ctx, userID)
	if err != nil {
		return rd, err
	}
	switch len(rs) {
	case 0:
		return rd, errNotRecipient()
	case 1:
		rd.RecipientID = rs[0].ID
		return rd, nil
	}
	return rd, errs.Field("recipient_id", "Votre compte agit pour plusieurs destinataires : précisez lequel (recipient_id).",
		"Your account acts for several recipients: say which one (recipient_id).")
}

func (h *Handlers) apiRequest(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		RecipientID    int64    `json:"recipient_id"`
		HouseholdEmail string   `json:"household_email"`
		Purpose        string   `json:"purpose"`
		Categories     []string `json:"data_categories"`
		Meters         []string `json:"meters"`
		DataFrom       string   `json:"data_from"`
		DataTo         string   `json:"data_to"`
		Resolution     string   `json:"finest_resolution"`
		Mode           string   `json:"access_mode"`
		ValidityMonths int      `json:"validity_months"`
		RetentionDays  int      `json:"retention_days"`
		MinCohort      int      `json:"min_cohort"`
		Dominance      float64  `json:"dominance_threshold"`
		Message        string   `json:"message"`
	}
	rd, err := h.apiReader(r.Context(), me(r).UserID, 0)
	if err != nil && !errs.Is(err, errs.Invalid) {
		return err
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	if rd, err = h.apiReader(r.Context(), me(r).UserID, in.RecipientID); err != nil {
		return err
	}
	from, err := parseInstant("data_from", in.DataFrom)
	if err != nil {
		return err
	}
	to, err := parseInstant("data_to", in.DataTo)
	if err != nil {
		return err
	}
	res, err := ParseStep(in.Resolution)
	if err != nil {
		return errs.Field("finest_resolution", "Précision inconnue : PT10M, PT15M, PT30M, PT1H, P1D ou P1M.", "Unknown resolution: PT10M, PT15M, PT30M, PT1H, P1D or P1M.")
	}
	c, err := h.svc.RequestConsent(r.Context(), rd, ConsentRequest{HouseholdEmail: in.HouseholdEmail, Purpose: in.Purpose, Categories: in.Categories, PRMs: in.Meters,
		DataFrom: from, DataTo: to, Resolution: res, Mode: Mode(in.Mode), ValidityMonths: in.ValidityMonths, RetentionDays: in.RetentionDays,
		MinCohort: in.MinCohort, Dominance: in.Dominance, Message: in.Message})
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusAccepted, consentJSON(&c, true))
	return nil
}

func (h *Handlers) apiRecipientConsents(w http.ResponseWriter, r *http.Request) error {
	var named int64
	if s := r.URL.Query().Get("recipient"); s != "" {
		var err error
		if named, err = strconv.ParseInt(s, 10, 64); err != nil {
			return errs.Field("recipient", "Identifiant de destinataire invalide.", "Invalid recipient id.")
		}
	}
	rd, err := h.apiReader(r.Context(), me(r).UserID, named)
	if err != nil {
		return err
	}
	cs, err := h.svc.RecipientConsents(r.Context(), rd, Status(r.URL.Query().Get("status")))
	if err != nil {
		return err
	}
	out := []ConsentJSON{}
	for i := range cs {
		cj := consentJSON(&cs[i], true)
		cj.NoticeText = ""
		out = append(out, cj)
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": out, "total": len(out)})
	return nil
}

func (h *Handlers) apiRecipientReadings(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	uid := me(r).UserID
	consent, _ := strconv.ParseInt(r.URL.Query().Get("consent"), 10, 64)
	// The consent names the recipient; an account that acts for none is
	// refused before anything else.
	rs, err := h.svc.RecipientsOf(ctx, uid)
	if err != nil {
		return err
	}
	if len(rs) == 0 {
		return errNotRecipient()
	}
	rd := Reader{UserID: uid, RecipientID: rs[0].ID, Via: "api"}
	if consent != 0 {
		if c, err := h.svc.consentByID(ctx, h.svc.db.R, consent); err == nil {
			for _, x := range rs {
				if x.ID == c.Recipient.ID {
					rd.RecipientID = x.ID
				}
			}
		}
	}
	from, to, step, flow, err := curveQuery(r)
	if err != nil {
		return err
	}
	c, err := h.svc.ReadCurve(ctx, CurveRequest{Reader: rd, ConsentID: consent, PRM: r.PathValue("prm"), Flow: flow, From: from, To: to, Step: step,
		Purpose: r.URL.Query().Get("purpose")})
	if err != nil {
		return err
	}
	return writeCurve(w, r, &c)
}

func (h *Handlers) apiAggregate(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		RecipientID int64   `json:"recipient_id"`
		Consents    []int64 `json:"consents"`
		Cohort      *struct {
			Purpose       string `json:"purpose"`
			TerritoryKind string `json:"territory_kind"`
			TerritoryCode string `json:"territory_code"`
		} `json:"cohort"`
		From string `json:"from"`
		To   string `json:"to"`
		Step string `json:"step"`
		Flow string `json:"flow"`
	}
	if _, err := h.apiReader(r.Context(), me(r).UserID, 0); err != nil && !errs.Is(err, errs.Invalid) {
		return err
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	rd, err := h.apiReader(r.Context(), me(r).UserID, in.RecipientID)
	if err != nil {
		return err
	}
	req := AggregateRequest{Reader: rd, Consents: in.Consents}
	if in.Cohort != nil {
		req.Cohort = &Cohort{Purpose: in.Cohort.Purpose, TerritoryKind: in.Cohort.TerritoryKind, TerritoryCode: in.Cohort.TerritoryCode}
	}
	if req.From, err = parseInstant("from", in.From); err != nil {
		return err
	}
	if req.To, err = parseInstant("to", in.To); err != nil {
		return err
	}
	if in.Step != "" {
		if req.Step, err = ParseStep(in.Step); err != nil {
			return err
		}
	}
	if req.Flow, err = ParseFlow(in.Flow); err != nil {
		return err
	}
	a, err := h.svc.Aggregate(r.Context(), req)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, AggregateJSON(&a))
	return nil
}
