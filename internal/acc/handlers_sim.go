package acc

import (
	"context"
	"encoding/csv"
	"fmt"
	"html/template"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/acc/sim"
	"github.com/fabrique-des-energies/fabrique/internal/energy"
	"github.com/fabrique-des-energies/fabrique/internal/platform/chart"
	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/i18n"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
	"github.com/fabrique-des-energies/fabrique/internal/territory"
)

// groupRow is one group line of the simulator form.
type groupRow struct {
	N     int
	Group sim.Group
	Used  bool
}

// compareRow is one line of the key comparison.
type compareRow struct {
	Label  string
	Values []string
	Unit   string
}

// simView is the simulator page.
type simView struct {
	P          sim.Params
	Res        *sim.Result
	Query      string
	ShareURL   string
	Errors     []formError
	Invalid    map[string]string
	Profiles   []energy.LoadProfile
	Keys       []energy.KeyKind
	Groups     []groupRow
	Consents   []ConsentOption
	Chosen     map[int64]bool
	Compare    []compareRow
	KeysChart  template.HTML
	SweepChart template.HTML
	MonthChart template.HTML
	KitMonths  template.HTML
	KitSizes   template.HTML
	Notes      []string
	SweepKey   string
	SignedIn   bool
	KeyHref    []string
	ElapsedMS  float64
	Tables     []tableLink
	Tilts      []option
	Azimuths   []option
}

// option is a choice of a select.
type option struct {
	Value float64
	Label i18n.Text
}

// tableLink names a CSV table of the results.
type tableLink struct {
	Name  string
	Label i18n.Text
}

// Pct turns a fraction into a percentage.
func (v *simView) Pct(x float64) float64 { return 100 * x }

var (
	tilts = []option{{30, i18n.T("30° (toiture)", "30° (roof)")}, {15, i18n.T("15° (toit peu pentu)", "15° (low-pitched roof)")}, {0, i18n.T("à plat", "flat")},
		{45, i18n.T("45°", "45°")}, {70, i18n.T("70° (garde-corps de balcon)", "70° (balcony railing)")}, {90, i18n.T("90° (façade)", "90° (wall)")}}
	azimuths = []option{{0, i18n.T("plein sud", "due south")}, {-45, i18n.T("sud-est", "south-east")}, {45, i18n.T("sud-ouest", "south-west")},
		{-90, i18n.T("est", "east")}, {90, i18n.T("ouest", "west")}}
)

// Err returns the message of a field.
func (v *simView) Err(name string) string { return v.Invalid[name] }

// KeyName names a key for templates.
func (v *simView) KeyName(k energy.KeyKind, lang string) string { return sim.KeyLabel(k).In(lang) }

// ProfileName names a profile for templates.
func (v *simView) ProfileName(p energy.LoadProfile, lang string) string {
	return sim.ProfileLabel(p).In(lang)
}

// CSV returns the address of a result table as CSV.
func (v *simView) CSV(table string) string {
	return "/simulateur/resultats.csv?table=" + table + "&" + v.Query
}

// resolveCommune accepts an INSEE code or a name ("Mornant").
func (h *Handlers) resolveCommune(q url.Values) {
	c := strings.TrimSpace(q.Get("commune"))
	if c == "" {
		return
	}
	if _, ok := h.svc.terr.Get(territory.Commune, strings.ToUpper(c)); ok {
		return
	}
	if ms := h.svc.terr.Search(c, territory.Commune, 1); len(ms) > 0 {
		q.Set("commune", ms[0].Territory.Code)
	}
}

// params reads the simulator's parameters and fetches the consented curves
// they name (through the data trust, journaled there).
func (h *Handlers) params(r *http.Request) (sim.Params, []ConsentOption, error) {
	q := r.URL.Query()
	h.resolveCommune(q)
	year := h.svc.today().Year() - 1
	p, err := sim.Parse(q, year)
	var consents []ConsentOption
	lister, _ := h.svc.curveSource().(ConsentLister)
	who := web.CurrentUser(r.Context())
	if lister != nil && who != nil {
		all, lerr := lister.Consents(r.Context(), who)
		if lerr != nil {
			return p, nil, lerr
		}
		for _, c := range all {
			if c.Active {
				consents = append(consents, c)
			}
		}
	}
	if err != nil || p.Mode != sim.ModeOperation || len(p.Consents) == 0 {
		return p, consents, err
	}
	if lister == nil || who == nil {
		return p, consents, errs.Field("consent", "Connectez-vous, en agissant pour la structure destinataire, pour utiliser des courbes partagées.",
			"Sign in, acting for the recipient organisation, to use shared curves.")
	}
	p.Shared, err = readShared(r.Context(), lister, who, p)
	return p, consents, err
}

// readShared reads the consented curves of a simulation on its grid.
func readShared(ctx context.Context, lister ConsentLister, who *web.Identity, p sim.Params) ([]sim.Shared, error) {
	from, to := energy.YearBounds(p.Year, energy.Paris())
	T := int(to.Sub(from) / p.Step)
	var out []sim.Shared
	for _, id := range p.Consents {
		rd, err := lister.ReadConsent(ctx, who, id, "", true, from, to, p.Step)
		if err != nil {
			if e, ok := errs.As(err); ok && e.Code != errs.Internal {
				return nil, errs.Field("consent", fmt.Sprintf("Consentement n° %d : %s", id, e.Message.FR), fmt.Sprintf("Consent %d: %s", id, e.Message.EN))
			}
			return nil, err
		}
		vals := make([]float64, len(rd.Values))
		for i, v := range rd.Values {
			if rd.Present[i] {
				vals[i] = float64(v) / 1000
			} else {
				vals[i] = math.NaN()
			}
		}
		ser, _, err := toStep(energy.Series{Start: rd.Start, Step: rd.Step, Values: vals}, p.Step)
		if err != nil {
			return nil, err
		}
		grid := make([]float64, T)
		off := int(from.Sub(ser.Start) / p.Step)
		for t := range grid {
			if k := t + off; k >= 0 && k < ser.Len() && !math.IsNaN(ser.Values[k]) {
				grid[t] = ser.Values[k]
			}
		}
		out = append(out, sim.Shared{Name: fmt.Sprintf("n° %d", id), Ref: strconv.FormatInt(id, 10), Values: grid, Rank: 1})
	}
	return out, nil
}

func (h *Handlers) simulator(w http.ResponseWriter, r *http.Request) error {
	lg := lang(r)
	p, consents, err := h.params(r)
	v := &simView{P: p, Invalid: map[string]string{}, Profiles: energy.LoadProfiles(), Keys: sim.Keys(), Consents: consents, Chosen: map[int64]bool{},
		SignedIn: web.CurrentUser(r.Context()) != nil, Tilts: tilts, Azimuths: azimuths}
	for _, id := range p.Consents {
		v.Chosen[id] = true
	}
	for i := range sim.MaxGroups {
		g := groupRow{N: i + 1, Group: sim.Group{Profile: energy.ProfileHousehold, KWh: 4500, Count: 0, Rank: 1}}
		if i < len(p.Groups) {
			g.Group, g.Used = p.Groups[i], true
		}
		v.Groups = append(v.Groups, g)
	}
	status := http.StatusOK
	if err == nil {
		var res *sim.Result
		res, err = h.runner.Run(r.Context(), p)
		if err == nil {
			h.fillSim(v, res, lg)
		}
	}
	if err != nil {
		if !errs.Is(err, errs.Invalid) {
			return err
		}
		v.Errors, v.Invalid = errorsOf(lg, err)
		for i := range v.Errors {
			v.Errors[i].ID = "s-" + strings.TrimPrefix(v.Errors[i].ID, "f-")
		}
		status = http.StatusUnprocessableEntity
	}
	title := tr(r, "Simulateur d'autoconsommation collective", "Collective self-consumption simulator")
	if p.Mode == sim.ModeKit {
		title = tr(r, "Simulateur de kit solaire prêt à brancher", "Plug-in solar kit simulator")
	}
	if len(v.Errors) > 0 {
		title = tr(r, "Erreur : ", "Error: ") + title
	}
	page := &web.Page{Title: title, Data: v, Styles: []string{"css/acc.css"}, Scripts: []string{"js/acc-sim.js"},
		Description: tr(r, "Comparer les quatre clés de répartition, balayer la puissance photovoltaïque, estimer un kit solaire : données synthétiques, calcul sur le serveur, lien partageable.", "Compare the four allocation keys, sweep the PV capacity, estimate a solar kit: synthetic data, computed on the server, shareable link."),
		Crumbs:      []web.Crumb{{Href: "/autoconsommation", Label: tr(r, "Autoconsommation", "Self-consumption")}, {Label: tr(r, "Simulateur", "Simulator")}}}
	if v.Res != nil {
		page.Alternates = []web.Alternate{{Type: "application/json", Href: "/api/v1/acc/simulations?" + v.Query, Title: "JSON"}}
	}
	return h.tmpl.Render(w, r, status, "simulator", page)
}

func pctS(lang string, v float64) string { return web.FormatNumber(lang, 100*v, 1) + " %" }

func (h *Handlers) fillSim(v *simView, res *sim.Result, lg string) {
	v.Res = res
	q := res.Params.Query()
	v.Query = q.Encode()
	v.ShareURL = h.srv.Config().BaseURL + "/simulateur?" + v.Query
	v.ElapsedMS = float64(res.Elapsed.Microseconds()) / 1000
	for _, k := range res.Keys {
		kq := res.Params.Query()
		kq.Set("key", k.Key.String())
		v.KeyHref = append(v.KeyHref, "/simulateur?"+kq.Encode()+"#comparaison")
	}
	if res.Kit != nil {
		v.Tables = []tableLink{{"kit", i18n.T("Résultat du kit", "Kit result")}, {"kit-months", i18n.T("Kit, par mois", "Kit, per month")}, {"kit-sizes", i18n.T("Kit, selon la puissance", "Kit, by capacity")}}
	} else {
		v.Tables = []tableLink{{"keys", i18n.T("Comparaison des clés", "Key comparison")}, {"groups", i18n.T("Résultats par groupe et par clé", "Results per group and key")},
			{"sweep", i18n.T("Balayage de la puissance", "Capacity sweep")}, {"months", i18n.T("Résultats par mois et par clé", "Results per month and key")}}
	}
	for _, n := range res.Notes {
		v.Notes = append(v.Notes, n.In(lg))
	}
	T := func(fr, en string) string { return i18n.T(fr, en).In(lg) }
	if res.Kit != nil {
		k := res.Kit
		var cats []string
		var prod, self, cons []float64
		for _, m := range k.Months {
			cats = append(cats, chartMonth(lg, m.Month, false))
			prod = append(prod, m.Production)
			self = append(self, m.SelfConsumed)
			cons = append(cons, m.Consumption)
		}
		v.KitMonths = (&chart.Chart{ID: "kit-months", Kind: chart.Column, Lang: lg, Unit: "kWh", Decimals: 1,
			Title: T("Production du kit et part consommée sur place, par mois", "Kit production and the share used at home, per month"), CategoryLabel: T("Mois", "Month"), Categories: cats,
			Series:  []chart.Series{{Name: T("Production du kit", "Kit production"), Values: prod}, {Name: T("Consommée sur place", "Used at home"), Values: self}},
			CSVHref: v.CSV("kit-months")}).HTML()
		cats, prod, self = nil, nil, nil
		var sav []float64
		for _, s := range k.Sizes {
			cats = append(cats, web.FormatNumber(lg, s.Wc, 0)+" Wc")
			sav = append(sav, s.Savings)
			self = append(self, s.SelfConsumed)
		}
		v.KitSizes = (&chart.Chart{ID: "kit-sizes", Kind: chart.Line, Lang: lg, Unit: "€", Decimals: 0,
			Title:         T("Économies annuelles selon la puissance du kit", "Yearly savings by kit capacity"),
			Description:   T("Économie sur la facture par an pour des kits de 100 à 1 500 Wc, au prix du kWh choisi : au-delà des besoins du foyer en journée, la production part sur le réseau sans être payée.", "Yearly bill savings for kits of 100 to 1,500 Wc at the chosen price per kWh: beyond the household's daytime needs, production flows to the grid unpaid."),
			CategoryLabel: T("Puissance du kit", "Kit capacity"), Categories: cats,
			Series:  []chart.Series{{Name: T("Économie annuelle", "Yearly savings"), Values: sav}},
			CSVHref: v.CSV("kit-sizes")}).HTML()
		return
	}
	// Key comparison.
	row := func(label, unit string, f func(k *sim.KeyResult) string) {
		cr := compareRow{Label: label, Unit: unit}
		for i := range res.Keys {
			cr.Values = append(cr.Values, f(&res.Keys[i]))
		}
		v.Compare = append(v.Compare, cr)
	}
	num := func(x float64) string { return web.FormatNumber(lg, x, 0) }
	row(T("Énergie autoconsommée (répartie)", "Self-consumed (allocated) energy"), "kWh", func(k *sim.KeyResult) string { return num(k.Allocated) })
	row(T("Surplus (non réparti)", "Surplus (not allocated)"), "kWh", func(k *sim.KeyResult) string { return num(k.Surplus()) })
	row(T("Taux d'autoconsommation", "Self-consumption rate"), "", func(k *sim.KeyResult) string { return pctS(lg, k.SelfConsumptionRate()) })
	row(T("Taux d'autoproduction", "Self-production rate"), "", func(k *sim.KeyResult) string { return pctS(lg, k.SelfProductionRate()) })
	row(T("Autoproduction individuelle (min – max)", "Individual self-production (min – max)"), "", func(k *sim.KeyResult) string {
		return pctS(lg, k.MinRate) + " – " + pctS(lg, k.MaxRate)
	})
	if len(res.Keys) > 0 {
		for gi, g := range res.Keys[0].Groups {
			row(T("Autoproduction : ", "Self-production: ")+g.Label.In(lg)+fmt.Sprintf(" (×%d)", g.Count), "", func(k *sim.KeyResult) string { return pctS(lg, k.Groups[gi].Rate()) })
		}
	}
	// Chart: self-production rate of each group under each key.
	var cats []string
	if len(res.Keys) > 0 {
		for _, g := range res.Keys[0].Groups {
			cats = append(cats, g.Label.In(lg))
		}
	}
	var series []chart.Series
	for i := range res.Keys {
		k := &res.Keys[i]
		vals := make([]float64, len(k.Groups))
		for gi, g := range k.Groups {
			vals[gi] = 100 * g.Rate()
		}
		series = append(series, chart.Series{Name: sim.KeyLabel(k.Key).In(lg), Values: vals})
	}
	v.KeysChart = (&chart.Chart{ID: "sim-keys", Kind: chart.HBar, Lang: lg, Unit: "%", Decimals: 1,
		Title:         T("Taux d'autoproduction de chaque groupe selon la clé", "Self-production rate of each group by key"),
		Description:   T("Part de la consommation de chaque groupe couverte par la production locale, pour chacune des quatre clés de répartition.", "Share of each group's consumption covered by local production, for each of the four allocation keys."),
		CategoryLabel: T("Groupe", "Group"), Categories: cats, Series: series, CSVHref: v.CSV("groups")}).HTML()
	// Sweep.
	cats = nil
	var tac, tap []float64
	for _, s := range res.Sweep {
		cats = append(cats, web.FormatNumber(lg, s.KWc, 0))
		tac = append(tac, 100*s.SelfConsumptionRate)
		tap = append(tap, 100*s.SelfProductionRate)
	}
	v.SweepKey = sim.KeyLabel(res.SweepKey).In(lg)
	v.SweepChart = (&chart.Chart{ID: "sim-sweep", Kind: chart.Line, Lang: lg, Unit: "%", Decimals: 1,
		Title:         T("Taux selon la puissance photovoltaïque (kWc)", "Rates by PV capacity (kWc)"),
		Description:   T("Plus la puissance installée augmente, plus la consommation est couverte (taux d'autoproduction) et moins la production est utilisée sur place (taux d'autoconsommation).", "The more capacity is installed, the more consumption is covered (self-production rate) and the less of the production is used locally (self-consumption rate)."),
		CategoryLabel: T("Puissance (kWc)", "Capacity (kWc)"), Categories: cats,
		Series:  []chart.Series{{Name: T("Taux d'autoconsommation", "Self-consumption rate"), Values: tac}, {Name: T("Taux d'autoproduction", "Self-production rate"), Values: tap}},
		CSVHref: v.CSV("sweep")}).HTML()
	if sel := res.Selected(); sel != nil {
		cats = nil
		var prod, cons, alloc []float64
		for _, m := range sel.Months {
			cats = append(cats, chartMonth(lg, m.Month, false))
			prod = append(prod, m.Production)
			cons = append(cons, m.Consumption)
			alloc = append(alloc, m.Allocated)
		}
		v.MonthChart = (&chart.Chart{ID: "sim-months", Kind: chart.Column, Lang: lg, Unit: "kWh", Decimals: 0,
			Title:         T("Énergie par mois, clé ", "Energy per month, key ") + sim.KeyLabel(sel.Key).In(lg),
			CategoryLabel: T("Mois", "Month"), Categories: cats,
			Series: []chart.Series{{Name: T("Production", "Production"), Values: prod}, {Name: T("Consommation", "Consumption"), Values: cons},
				{Name: T("Autoconsommée", "Self-consumed"), Values: alloc}},
			CSVHref: v.CSV("months")}).HTML()
	}
}

// simulatorCSV writes one table of a simulation.
func (h *Handlers) simulatorCSV(w http.ResponseWriter, r *http.Request) error {
	p, _, err := h.params(r)
	if err != nil {
		return err
	}
	res, err := h.runner.Run(r.Context(), p)
	if err != nil {
		return err
	}
	table := r.URL.Query().Get("table")
	if table == "" {
		table = "keys"
		if res.Kit != nil {
			table = "kit"
		}
	}
	var buf strings.Builder
	if err := WriteSimulationCSV(&buf, res, table); err != nil {
		return err
	}
	attachment(w, "simulation-"+table+".csv", "text/csv; charset=utf-8")
	_, err = io.WriteString(w, buf.String())
	return err
}

// SimulationTables lists the CSV tables of a simulation.
var SimulationTables = []string{"keys", "groups", "sweep", "months", "kit", "kit-months", "kit-sizes"}

func f3(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }
func f4(v float64) string { return strconv.FormatFloat(v, 'f', 4, 64) }

// WriteSimulationCSV writes one result table as CSV (`;`, decimal point).
func WriteSimulationCSV(w io.Writer, res *sim.Result, table string) error {
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	write := func(rows ...[]string) {
		for _, r := range rows {
			_ = cw.Write(r)
		}
	}
	kit := res.Kit != nil
	switch {
	case table == "keys" && !kit:
		write([]string{"key", "production_kwh", "consumption_kwh", "allocated_kwh", "surplus_kwh", "self_consumption_rate", "self_production_rate", "min_consumer_rate", "max_consumer_rate"})
		for _, k := range res.Keys {
			write([]string{k.Key.String(), f3(k.Production), f3(k.Consumption), f3(k.Allocated), f3(k.Surplus()), f4(k.SelfConsumptionRate()), f4(k.SelfProductionRate()), f4(k.MinRate), f4(k.MaxRate)})
		}
	case table == "groups" && !kit:
		write([]string{"key", "group", "profile", "count", "consumption_kwh", "allocated_kwh", "self_production_rate", "min_rate", "max_rate"})
		for _, k := range res.Keys {
			for gi, g := range k.Groups {
				prof := ""
				if gi < len(res.Params.Groups) {
					prof = string(res.Params.Groups[gi].Profile)
				}
				write([]string{k.Key.String(), strconv.Itoa(gi + 1), prof, strconv.Itoa(g.Count), f3(g.Consumption), f3(g.Allocated), f4(g.Rate()), f4(g.MinRate), f4(g.MaxRate)})
			}
		}
	case table == "sweep" && !kit:
		write([]string{"key", "kwc", "production_kwh", "consumption_kwh", "allocated_kwh", "surplus_kwh", "self_consumption_rate", "self_production_rate"})
		for _, s := range res.Sweep {
			write([]string{res.SweepKey.String(), strconv.FormatFloat(s.KWc, 'f', -1, 64), f3(s.Production), f3(s.Consumption), f3(s.Allocated), f3(s.Surplus), f4(s.SelfConsumptionRate), f4(s.SelfProductionRate)})
		}
	case table == "months" && !kit:
		write([]string{"key", "month", "production_kwh", "consumption_kwh", "allocated_kwh", "self_consumption_rate", "self_production_rate"})
		for _, k := range res.Keys {
			for _, m := range k.Months {
				write([]string{k.Key.String(), m.Month.Format("2006-01"), f3(m.Production), f3(m.Consumption), f3(m.Allocated), f4(ratio(m.Allocated, m.Production)), f4(ratio(m.Allocated, m.Consumption))})
			}
		}
	case table == "kit" && kit:
		k := res.Kit
		write([]string{"kit_wc", "production_kwh", "consumption_kwh", "self_consumed_kwh", "self_consumption_rate", "self_production_rate", "price_eur_per_kwh", "savings_eur", "payback_years"},
			[]string{strconv.FormatFloat(res.Params.KitWc, 'f', -1, 64), f3(k.Production), f3(k.Consumption), f3(k.SelfConsumed), f4(k.SelfConsumptionRate()), f4(k.SelfProductionRate()),
				strconv.FormatFloat(res.Params.Price, 'f', -1, 64), strconv.FormatFloat(k.Savings, 'f', 2, 64), strconv.FormatFloat(k.PaybackYears, 'f', 1, 64)})
	case table == "kit-months" && kit:
		write([]string{"month", "production_kwh", "consumption_kwh", "self_consumed_kwh"})
		for _, m := range res.Kit.Months {
			write([]string{m.Month.Format("2006-01"), f3(m.Production), f3(m.Consumption), f3(m.SelfConsumed)})
		}
	case table == "kit-sizes" && kit:
		write([]string{"kit_wc", "production_kwh", "self_consumed_kwh", "savings_eur"})
		for _, s := range res.Kit.Sizes {
			write([]string{strconv.FormatFloat(s.Wc, 'f', -1, 64), f3(s.Production), f3(s.SelfConsumed), strconv.FormatFloat(s.Savings, 'f', 2, 64)})
		}
	default:
		want := "keys, groups, sweep, months"
		if kit {
			want = "kit, kit-months, kit-sizes"
		}
		return errs.Field("table", fmt.Sprintf("Table « %s » inconnue pour ce mode : %s.", table, want), fmt.Sprintf("Unknown table %q for this mode: %s.", table, want))
	}
	cw.Flush()
	return cw.Error()
}

// simulationJSON is the API view of a simulation.
type simulationJSON struct {
	Query          string           `json:"query"`
	URL            string           `json:"url"`
	Mode           string           `json:"mode"`
	Commune        map[string]any   `json:"commune"`
	Year           int              `json:"year"`
	StepMinutes    int              `json:"step_minutes"`
	YieldKWhPerKWc float64          `json:"yield_kwh_per_kwc"`
	Keys           []map[string]any `json:"keys,omitempty"`
	Sweep          []map[string]any `json:"sweep,omitempty"`
	SweepKey       string           `json:"sweep_key,omitempty"`
	Kit            map[string]any   `json:"kit,omitempty"`
	ElapsedMS      float64          `json:"elapsed_ms"`
	Notes          []i18n.Text      `json:"notes"`
}

func simJSON(base string, res *sim.Result) simulationJSON {
	q := res.Params.Query().Encode()
	out := simulationJSON{Query: q, URL: base + "/simulateur?" + q, Mode: string(res.Params.Mode),
		Commune: map[string]any{"code": res.Params.Commune, "name": res.CommuneName, "lat": res.Lat, "lon": res.Lon},
		Year:    res.Params.Year, StepMinutes: int(res.Params.Step / time.Minute), YieldKWhPerKWc: res.YieldKWhPerKWc,
		ElapsedMS: float64(res.Elapsed.Microseconds()) / 1000, Notes: res.Notes}
	if out.Notes == nil {
		out.Notes = []i18n.Text{}
	}
	for _, k := range res.Keys {
		groups := []map[string]any{}
		for _, g := range k.Groups {
			groups = append(groups, map[string]any{"label": g.Label, "count": g.Count, "consumption_kwh": g.Consumption, "allocated_kwh": g.Allocated,
				"self_production_rate": g.Rate(), "min_rate": g.MinRate, "max_rate": g.MaxRate})
		}
		months := []map[string]any{}
		for _, m := range k.Months {
			months = append(months, map[string]any{"month": m.Month.Format("2006-01"), "production_kwh": m.Production, "consumption_kwh": m.Consumption, "allocated_kwh": m.Allocated})
		}
		out.Keys = append(out.Keys, map[string]any{"key": k.Key.String(), "production_kwh": k.Production, "consumption_kwh": k.Consumption,
			"allocated_kwh": k.Allocated, "surplus_kwh": k.Surplus(), "self_consumption_rate": k.SelfConsumptionRate(), "self_production_rate": k.SelfProductionRate(),
			"min_consumer_rate": k.MinRate, "max_consumer_rate": k.MaxRate, "groups": groups, "months": months})
	}
	for _, s := range res.Sweep {
		out.Sweep = append(out.Sweep, map[string]any{"kwc": s.KWc, "production_kwh": s.Production, "allocated_kwh": s.Allocated,
			"self_consumption_rate": s.SelfConsumptionRate, "self_production_rate": s.SelfProductionRate})
	}
	if len(res.Sweep) > 0 {
		out.SweepKey = res.SweepKey.String()
	}
	if k := res.Kit; k != nil {
		sizes := []map[string]any{}
		for _, s := range k.Sizes {
			sizes = append(sizes, map[string]any{"kit_wc": s.Wc, "production_kwh": s.Production, "self_consumed_kwh": s.SelfConsumed, "savings_eur": s.Savings})
		}
		out.Kit = map[string]any{"kit_wc": res.Params.KitWc, "production_kwh": k.Production, "consumption_kwh": k.Consumption, "self_consumed_kwh": k.SelfConsumed,
			"self_consumption_rate": k.SelfConsumptionRate(), "self_production_rate": k.SelfProductionRate(), "savings_eur": k.Savings,
			"payback_years": k.PaybackYears, "sizes": sizes}
	}
	return out
}

func (h *Handlers) apiSimulation(w http.ResponseWriter, r *http.Request) error {
	p, _, err := h.params(r)
	if err != nil {
		return err
	}
	res, err := h.runner.Run(r.Context(), p)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, simJSON(h.srv.Config().BaseURL, res))
	return nil
}
