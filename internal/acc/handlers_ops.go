package acc

import (
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/energy"
	"github.com/fabrique-des-energies/fabrique/internal/platform/chart"
	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/i18n"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
)

// fieldID turns a form field name into an element id.
func fieldID(name string) string {
	r := strings.NewReplacer("[", "-", "]", "", ".", "-", "_", "-")
	return "f-" + r.Replace(name)
}

// formError is one line of the error summary.
type formError struct {
	ID, Message string
}

// rowView is one participant row of the form.
type rowView struct {
	Index int
	In    ParticipantInput
}

// Name is the form name of a row's field.
func (r rowView) Name(f string) string { return fmt.Sprintf("participants[%d].%s", r.Index, f) }

// ID is the element id of a row's field.
func (r rowView) ID(f string) string { return fieldID(r.Name(f)) }

// formView is the operation form.
type formView struct {
	Edit     bool
	ID       int64
	Action   string
	In       Input
	Rows     []rowView
	Errors   []formError
	Invalid  map[string]string
	Check    *checkView
	Keys     []energy.KeyKind
	Regimes  []Regime
	Consents []ConsentOption
	// Extra blank rows asked for with the "more rows" button.
	Extra int
}

// Err returns the message of a field, "" when valid.
func (v *formView) Err(name string) string { return v.Invalid[name] }

// FID is fieldID for templates.
func (v *formView) FID(name string) string { return fieldID(name) }

// checkView describes a check for people.
type checkView struct {
	Check
	FarA, FarB string
	StartDate  time.Time
}

func newCheckView(o *Operation, c Check) *checkView {
	v := &checkView{Check: c, StartDate: o.StartDate}
	if c.Farthest[0] >= 0 {
		v.FarA, v.FarB = o.Participants[c.Farthest[0]].Name, o.Participants[c.Farthest[1]].Name
	}
	return v
}

// DistanceKM is the largest distance in km.
func (c *checkView) DistanceKM() float64 { return c.MaxDistanceM / 1000 }

// CapMW writes the cap.
func (c *checkView) CapMW(lang string) string { return MW(c.CapKW, lang) }

func (h *Handlers) formPage(w http.ResponseWriter, r *http.Request, status int, v *formView) error {
	if v.Invalid == nil {
		v.Invalid = map[string]string{}
	}
	v.Keys = []energy.KeyKind{energy.KeyDefault, energy.KeyStatic, energy.KeyDynamic, energy.KeyPriority}
	v.Regimes = Regimes()
	n := len(v.In.Participants)
	rows := min(max(n+2, 6)+v.Extra, MaxParticipants)
	for i := range rows {
		var p ParticipantInput
		if i < n {
			p = v.In.Participants[i]
		} else if i == 0 {
			p.Role = string(Producer)
		} else {
			p.Role = string(Consumer)
		}
		v.Rows = append(v.Rows, rowView{Index: i, In: p})
	}
	if lister, ok := h.svc.curveSource().(ConsentLister); ok {
		cs, err := lister.Consents(r.Context(), web.CurrentUser(r.Context()))
		if err != nil {
			return err
		}
		v.Consents = cs
	}
	title := tr(r, "Nouvelle opération", "New operation")
	crumbs := []web.Crumb{{Href: "/autoconsommation", Label: tr(r, "Autoconsommation", "Self-consumption")}}
	if v.Edit {
		title = tr(r, "Modifier l'opération", "Edit the operation") + " « " + v.In.Name + " »"
		crumbs = append(crumbs, web.Crumb{Href: fmt.Sprintf("/autoconsommation/operations/%d", v.ID), Label: v.In.Name})
	}
	if len(v.Errors) > 0 {
		title = tr(r, "Erreur : ", "Error: ") + title
	}
	crumbs = append(crumbs, web.Crumb{Label: tr(r, "Formulaire", "Form")})
	return h.tmpl.Render(w, r, status, "op_form", &web.Page{Title: title, Crumbs: crumbs, Data: v,
		Styles: []string{"css/acc.css"}, Scripts: []string{"js/acc-form.js"}})
}

// parseForm reads the operation form.
func parseForm(r *http.Request) (Input, error) {
	if err := r.ParseForm(); err != nil {
		return Input{}, errs.Wrap(errs.Invalid, err, "Formulaire illisible.", "Unreadable form.")
	}
	f := r.PostForm
	in := Input{Name: f.Get("name"), Organiser: f.Get("organiser"), Community: f.Get("community"), Key: f.Get("key"),
		Regime: f.Get("regime"), DerogationKM: f.Get("derogation_km"), DerogationRef: f.Get("derogation_ref"),
		PublicLed: f.Get("public_led") != "", NonInterconnected: f.Get("non_interconnected") != "", StartDate: f.Get("start_date")}
	in.StepMinutes, _ = strconv.Atoi(f.Get("step_minutes"))
	rows, _ := strconv.Atoi(f.Get("rows"))
	rows = min(max(rows, 0), MaxParticipants+10)
	for i := range rows {
		g := func(k string) string { return f.Get(fmt.Sprintf("participants[%d].%s", i, k)) }
		p := ParticipantInput{Role: g("role"), Name: g("name"), PRM: g("prm"), Commune: g("commune"), Lat: g("lat"), Lon: g("lon"),
			KWc: g("kwc"), Coefficient: g("coefficient"), Rank: g("rank")}
		p.ConsentID, _ = strconv.ParseInt(g("consent_id"), 10, 64)
		if !p.Blank() {
			in.Participants = append(in.Participants, p)
		}
	}
	return in, nil
}

// errorsOf lays an error's details out for the form.
func errorsOf(lang string, err error) ([]formError, map[string]string) {
	e, ok := errs.As(err)
	if !ok {
		return nil, nil
	}
	invalid := map[string]string{}
	var out []formError
	for _, d := range e.Details {
		msg := d.Message.In(lang)
		id := "f-summary"
		if d.Field != "" && d.Field != "perimeter" && d.Field != "capacity" {
			id = fieldID(d.Field)
			invalid[d.Field] = msg
		} else if d.Field != "" {
			id = "f-participants"
			invalid[d.Field] = msg
		}
		out = append(out, formError{ID: id, Message: msg})
	}
	if len(out) == 0 {
		out = []formError{{ID: "f-summary", Message: e.Message.In(lang)}}
	}
	return out, invalid
}

func (h *Handlers) newForm(w http.ResponseWriter, r *http.Request) error {
	in := Input{StepMinutes: 15, Key: "default", Regime: string(Regime2km), StartDate: h.svc.today().Format(time.DateOnly)}
	if c := r.URL.Query().Get("communaute"); slugRE.MatchString(c) {
		in.Community = c
	}
	return h.formPage(w, r, http.StatusOK, &formView{Action: "/autoconsommation/operations", In: in})
}

// submit handles the three buttons of the form: more rows, check, save.
func (h *Handlers) submit(w http.ResponseWriter, r *http.Request, v *formView, save func(Input) (*Operation, Check, error)) error {
	in, err := parseForm(r)
	if err != nil {
		return err
	}
	v.In = in
	lg := lang(r)
	switch r.PostForm.Get("action") {
	case "more":
		v.Extra, _ = strconv.Atoi(r.PostForm.Get("extra"))
		v.Extra = min(max(v.Extra, 0), 50) + 5
		return h.formPage(w, r, http.StatusOK, v)
	case "check":
		o, chk, err := h.svc.Validate(in)
		if err != nil {
			if !errs.Is(err, errs.Invalid) {
				return err
			}
			v.Errors, v.Invalid = errorsOf(lg, err)
			if chk.Farthest[0] >= 0 {
				v.Check = newCheckView(o, chk)
			}
			return h.formPage(w, r, http.StatusUnprocessableEntity, v)
		}
		v.Check = newCheckView(o, chk)
		return h.formPage(w, r, http.StatusOK, v)
	}
	o, chk, err := save(in)
	if err != nil {
		if !errs.Is(err, errs.Invalid) {
			return err
		}
		v.Errors, v.Invalid = errorsOf(lg, err)
		if o != nil && chk.Farthest[0] >= 0 {
			v.Check = newCheckView(o, chk)
		}
		return h.formPage(w, r, http.StatusUnprocessableEntity, v)
	}
	cv := newCheckView(o, chk)
	msg := i18n.T(
		fmt.Sprintf("Opération « %s » enregistrée. Périmètre respecté : %s km au plus entre deux participants (limite %s km) ; puissance %s kWc pour un plafond de %s (règles %s).",
			o.Name, web.FormatNumber(i18n.FR, cv.DistanceKM(), 2), web.FormatNumber(i18n.FR, cv.LimitKM, 1), web.FormatNumber(i18n.FR, cv.CapacityKW, 1), cv.CapMW(i18n.FR), cv.Rules.Version),
		fmt.Sprintf("Operation \"%s\" saved. Perimeter respected: at most %s km between two participants (limit %s km); capacity %s kWc under a cap of %s (rules %s).",
			o.Name, web.FormatNumber(i18n.EN, cv.DistanceKM(), 2), web.FormatNumber(i18n.EN, cv.LimitKM, 1), web.FormatNumber(i18n.EN, cv.CapacityKW, 1), cv.CapMW(i18n.EN), cv.Rules.Version))
	web.SetFlash(w, msg.In(lg))
	return web.Redirect(w, r, fmt.Sprintf("/autoconsommation/operations/%d", o.ID))
}

func (h *Handlers) create(w http.ResponseWriter, r *http.Request) error {
	who := web.CurrentUser(r.Context())
	return h.submit(w, r, &formView{Action: "/autoconsommation/operations"}, func(in Input) (*Operation, Check, error) {
		return h.svc.Create(r.Context(), who, in)
	})
}

func (h *Handlers) editForm(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	o, err := h.svc.Get(r.Context(), web.CurrentUser(r.Context()), id)
	if err != nil {
		return err
	}
	return h.formPage(w, r, http.StatusOK, &formView{Edit: true, ID: id, Action: fmt.Sprintf("/autoconsommation/operations/%d/modifier", id), In: InputOf(o)})
}

func (h *Handlers) update(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	who := web.CurrentUser(r.Context())
	if _, err := h.svc.Get(r.Context(), who, id); err != nil {
		return err
	}
	return h.submit(w, r, &formView{Edit: true, ID: id, Action: fmt.Sprintf("/autoconsommation/operations/%d/modifier", id)}, func(in Input) (*Operation, Check, error) {
		return h.svc.Update(r.Context(), who, id, in)
	})
}

func (h *Handlers) delete(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	who := web.CurrentUser(r.Context())
	o, err := h.svc.Get(r.Context(), who, id)
	if err != nil {
		return err
	}
	if r.PostFormValue("confirm") != "oui" {
		return errs.Field("confirm", "Cochez la case de confirmation pour supprimer l'opération et ses relevés.", "Tick the confirmation box to delete the operation and its readings.")
	}
	if err := h.svc.Delete(r.Context(), who, id); err != nil {
		return err
	}
	web.SetFlash(w, tr(r, "Opération « "+o.Name+" » supprimée, avec ses relevés.", "Operation \""+o.Name+"\" deleted, with its readings."))
	return web.Redirect(w, r, "/autoconsommation")
}

// monthRow is one line of the monthly table.
type monthRow struct {
	Key, Label                                  string
	Production, Consumption, Allocated, Surplus float64
	SelfConsumptionRate, SelfProductionRate     float64
	Missing                                     int
}

// dashView is an operation's dashboard.
type dashView struct {
	Op       *Operation
	Check    *checkView
	NoData   string
	A        *Analysis
	Months   []monthRow
	Monthly  template.HTML
	Rates    template.HTML
	Profile  template.HTML
	Warnings []string
	Upload   int
	Consent  int
}

func (h *Handlers) dashboard(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	who := web.CurrentUser(r.Context())
	lg := lang(r)
	o, a, err := h.svc.Analysis(r.Context(), who, id)
	v := &dashView{Op: o}
	if err != nil {
		if o == nil || !errs.Is(err, errs.NotFound) {
			return err
		}
		e, _ := errs.As(err)
		v.NoData = e.Message.In(lg)
	}
	rules, _ := RulesByVersion(o.RuleVersion)
	v.Check = newCheckView(o, CheckRules(o, rules, h.svc.terr))
	for _, p := range o.Participants {
		if p.Source == SourceConsent {
			v.Consent++
		} else {
			v.Upload++
		}
	}
	if a != nil {
		v.A = a
		for _, w := range a.Warnings {
			v.Warnings = append(v.Warnings, w.In(lg))
		}
		var cats []string
		var prod, cons, alloc, tac, tap []float64
		for _, m := range a.Months {
			row := monthRow{Key: m.Month.Format("2006-01"), Label: monthLabel(lg, m.Month), Production: m.Production, Consumption: m.Consumption,
				Allocated: m.Allocated, Surplus: m.Surplus(), SelfConsumptionRate: m.SelfConsumptionRate(), SelfProductionRate: m.SelfProductionRate()}
			for _, x := range m.ConsMissing {
				row.Missing += x
			}
			for _, x := range m.ProdMissing {
				row.Missing += x
			}
			v.Months = append(v.Months, row)
			cats = append(cats, chartMonth(lg, m.Month, a.Months[0].Month.Year() != a.Months[len(a.Months)-1].Month.Year()))
			prod = append(prod, m.Production)
			cons = append(cons, m.Consumption)
			alloc = append(alloc, m.Allocated)
			tac = append(tac, 100*m.SelfConsumptionRate())
			tap = append(tap, 100*m.SelfProductionRate())
		}
		base := fmt.Sprintf("/autoconsommation/operations/%d", o.ID)
		monthly := &chart.Chart{ID: "acc-monthly", Kind: chart.Column, Lang: lg, Unit: "kWh", Decimals: 0,
			Title:         tr(r, "Énergie par mois", "Energy per month"),
			Description:   tr(r, "Production, consommation et énergie autoconsommée (répartie) de chaque mois, en kWh.", "Production, consumption and self-consumed (allocated) energy of each month, in kWh."),
			CategoryLabel: tr(r, "Mois", "Month"), Categories: cats,
			Series: []chart.Series{{Name: tr(r, "Production", "Production"), Values: prod}, {Name: tr(r, "Consommation", "Consumption"), Values: cons},
				{Name: tr(r, "Autoconsommée", "Self-consumed"), Values: alloc}},
			CSVHref: base + "/releves.csv"}
		rates := &chart.Chart{ID: "acc-rates", Kind: chart.Line, Lang: lg, Unit: "%", Decimals: 1,
			Title:         tr(r, "Taux par mois", "Rates per month"),
			Description:   tr(r, "Taux d'autoconsommation (part de la production utilisée par les participants) et taux d'autoproduction (part de la consommation couverte par la production locale), par mois.", "Self-consumption rate (share of production used by the participants) and self-production rate (share of consumption covered by local production), per month."),
			CategoryLabel: tr(r, "Mois", "Month"), Categories: cats,
			Series: []chart.Series{{Name: tr(r, "Taux d'autoconsommation", "Self-consumption rate"), Values: tac}, {Name: tr(r, "Taux d'autoproduction", "Self-production rate"), Values: tap}}}
		// The average day, by hour.
		var hours []string
		var hp, hc, ha []float64
		per := len(a.Profile) / 24
		for hr := range 24 {
			var sp, sc, sa float64
			for k := hr * per; k < (hr+1)*per && k < len(a.Profile); k++ {
				sp += a.Profile[k].ProductionKW
				sc += a.Profile[k].ConsumptionKW
				sa += a.Profile[k].AllocatedKW
			}
			hours = append(hours, fmt.Sprintf("%02dh", hr))
			hp = append(hp, sp/float64(per))
			hc = append(hc, sc/float64(per))
			ha = append(ha, sa/float64(per))
		}
		profile := &chart.Chart{ID: "acc-profile", Kind: chart.Line, Lang: lg, Unit: "kW", Decimals: 1,
			Title:         tr(r, "Journée moyenne", "Average day"),
			Description:   tr(r, "Puissance moyenne heure par heure (heure légale) sur toute la période : production, consommation et énergie autoconsommée.", "Mean power hour by hour (local time) over the whole period: production, consumption and self-consumed energy."),
			CategoryLabel: tr(r, "Heure", "Hour"), Categories: hours,
			Series: []chart.Series{{Name: tr(r, "Production", "Production"), Values: hp}, {Name: tr(r, "Consommation", "Consumption"), Values: hc},
				{Name: tr(r, "Autoconsommée", "Self-consumed"), Values: ha}}}
		v.Monthly, v.Rates, v.Profile = monthly.HTML(), rates.HTML(), profile.HTML()
	}
	return h.tmpl.Render(w, r, http.StatusOK, "op_dashboard", &web.Page{Title: o.Name, Data: v, Styles: []string{"css/acc.css"},
		Crumbs:     []web.Crumb{{Href: "/autoconsommation", Label: tr(r, "Autoconsommation", "Self-consumption")}, {Label: o.Name}},
		Alternates: []web.Alternate{{Type: "text/csv", Href: fmt.Sprintf("/autoconsommation/operations/%d/releves.csv", o.ID), Title: tr(r, "Relevés mensuels (CSV)", "Monthly statements (CSV)")}}})
}

// dataView is the data page.
type dataView struct {
	Op      *Operation
	Lines   []DataLine
	Report  *ImportReport
	Errors  []formError
	Dynamic bool
}

func (h *Handlers) dataPage(w http.ResponseWriter, r *http.Request) error {
	return h.renderData(w, r, http.StatusOK, nil, nil)
}

func (h *Handlers) renderData(w http.ResponseWriter, r *http.Request, status int, rep *ImportReport, errList []formError) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	o, lines, err := h.svc.DataStatus(r.Context(), web.CurrentUser(r.Context()), id)
	if err != nil {
		return err
	}
	v := &dataView{Op: o, Lines: lines, Report: rep, Errors: errList, Dynamic: o.Key == energy.KeyDynamic}
	title := tr(r, "Relevés de l'opération", "Readings of the operation")
	if len(errList) > 0 {
		title = tr(r, "Erreur : ", "Error: ") + title
	}
	return h.tmpl.Render(w, r, status, "op_data", &web.Page{Title: title, Data: v, Styles: []string{"css/acc.css"},
		Crumbs: []web.Crumb{{Href: "/autoconsommation", Label: tr(r, "Autoconsommation", "Self-consumption")},
			{Href: fmt.Sprintf("/autoconsommation/operations/%d", o.ID), Label: o.Name}, {Label: tr(r, "Relevés", "Readings")}}})
}

func (h *Handlers) upload(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	who := web.CurrentUser(r.Context())
	if _, err := h.svc.Get(r.Context(), who, id); err != nil {
		return err
	}
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		return h.renderData(w, r, http.StatusUnprocessableEntity, nil, []formError{{ID: "f-file", Message: tr(r, "Choisissez un fichier à déposer.", "Choose a file to upload.")}})
	}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		return h.renderData(w, r, http.StatusUnprocessableEntity, nil, []formError{{ID: "f-file", Message: tr(r, "Choisissez un fichier à déposer.", "Choose a file to upload.")}})
	}
	defer file.Close()
	var rep ImportReport
	if pid := r.FormValue("participant"); pid != "" {
		p, _ := strconv.ParseInt(pid, 10, 64)
		data, err := io.ReadAll(io.LimitReader(file, MaxUpload+1))
		if err != nil {
			return err
		}
		rep, err = h.svc.ImportMeterFile(r.Context(), who, id, p, hdr.Filename, data)
		if err != nil {
			return h.importFailed(w, r, err)
		}
	} else {
		rep, err = h.svc.ImportTable(r.Context(), who, id, ImportKind(r.FormValue("kind")), hdr.Filename, file)
		if err != nil {
			return h.importFailed(w, r, err)
		}
	}
	return h.renderData(w, r, http.StatusOK, &rep, nil)
}

func (h *Handlers) importFailed(w http.ResponseWriter, r *http.Request, err error) error {
	e, ok := errs.As(err)
	if !ok || e.Code != errs.Invalid {
		return err
	}
	return h.renderData(w, r, http.StatusUnprocessableEntity, nil, []formError{{ID: "f-file", Message: e.Message.In(lang(r))}})
}

func (h *Handlers) clear(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	who := web.CurrentUser(r.Context())
	if _, err := h.svc.Get(r.Context(), who, id); err != nil {
		return err
	}
	pid, _ := strconv.ParseInt(r.PostFormValue("participant"), 10, 64)
	if pid == 0 && r.PostFormValue("all") != "oui" {
		return errs.Field("participant", "Choisissez les relevés à effacer.", "Choose the readings to clear.")
	}
	if err := h.svc.ClearData(r.Context(), who, id, pid); err != nil {
		return err
	}
	web.SetFlash(w, tr(r, "Relevés effacés.", "Readings cleared."))
	return web.Redirect(w, r, fmt.Sprintf("/autoconsommation/operations/%d/donnees", id))
}

// statementView is the printable statement.
type statementView struct {
	St         *Statement
	Title      string
	Months     []monthRow
	PrevMonth  string
	NextMonth  string
	PrevLabel  string
	NextLabel  string
	RegimeText string
}

func (h *Handlers) loadStatement(r *http.Request) (*Operation, *Analysis, *Statement, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, nil, nil, err
	}
	o, a, err := h.svc.Analysis(r.Context(), web.CurrentUser(r.Context()), id)
	if err != nil {
		return nil, nil, nil, err
	}
	month := r.PathValue("month")
	if month == "tout" || month == "all" {
		month = ""
	}
	st, err := a.Statement(o, month, h.svc.now())
	return o, a, st, err
}

func (h *Handlers) statement(w http.ResponseWriter, r *http.Request) error {
	o, a, st, err := h.loadStatement(r)
	if err != nil {
		return err
	}
	lg := lang(r)
	v := &statementView{St: st}
	if st.Whole {
		v.Title = tr(r, "Relevé de toute la période", "Statement of the whole period")
	} else {
		v.Title = tr(r, "Relevé de ", "Statement for ") + monthLabel(lg, st.Month)
		for i, m := range a.Months {
			if m.Month.Equal(st.Month) {
				if i > 0 {
					v.PrevMonth, v.PrevLabel = a.Months[i-1].Month.Format("2006-01"), monthLabel(lg, a.Months[i-1].Month)
				}
				if i+1 < len(a.Months) {
					v.NextMonth, v.NextLabel = a.Months[i+1].Month.Format("2006-01"), monthLabel(lg, a.Months[i+1].Month)
				}
			}
		}
	}
	v.RegimeText = o.Regime.Label().In(lg)
	csv := fmt.Sprintf("/autoconsommation/operations/%d/releves/%s/csv", o.ID, r.PathValue("month"))
	return h.tmpl.Render(w, r, http.StatusOK, "statement", &web.Page{Title: v.Title + " — " + o.Name, Data: v, Styles: []string{"css/acc.css"},
		Scripts: []string{"js/acc-print.js"},
		Crumbs: []web.Crumb{{Href: "/autoconsommation", Label: tr(r, "Autoconsommation", "Self-consumption")},
			{Href: fmt.Sprintf("/autoconsommation/operations/%d", o.ID), Label: o.Name}, {Label: v.Title}},
		Alternates: []web.Alternate{{Type: "text/csv", Href: csv, Title: "CSV"}}})
}

func (h *Handlers) statementCSV(w http.ResponseWriter, r *http.Request) error {
	o, _, st, err := h.loadStatement(r)
	if err != nil {
		return err
	}
	name := fmt.Sprintf("releve-operation-%d-%s.csv", o.ID, r.PathValue("month"))
	attachment(w, name, "text/csv; charset=utf-8")
	return WriteStatementCSV(w, st)
}

func (h *Handlers) statementsCSV(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	o, a, err := h.svc.Analysis(r.Context(), web.CurrentUser(r.Context()), id)
	if err != nil {
		return err
	}
	attachment(w, fmt.Sprintf("releves-operation-%d.csv", o.ID), "text/csv; charset=utf-8")
	return WriteStatementCSV(w, a.Statements(o, h.svc.now())...)
}

// KeyName names a key in the page's language.
func (v *formView) KeyName(k energy.KeyKind, lang string) string { return KeyLabel(k).In(lang) }

// Pct turns a fraction into a percentage for templates.
func (v *dashView) Pct(x float64) float64 { return 100 * x }

// Pct turns a fraction into a percentage for templates.
func (v *statementView) Pct(x float64) float64 { return 100 * x }
