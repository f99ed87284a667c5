package acc

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/i18n"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
)

// ParticipantJSON is the API view of a participant.
type ParticipantJSON struct {
	ID          int64   `json:"id"`
	Role        string  `json:"role"`
	Name        string  `json:"name"`
	PRM         string  `json:"prm"`
	Commune     string  `json:"commune,omitempty"`
	Lat         float64 `json:"lat"`
	Lon         float64 `json:"lon"`
	Approximate bool    `json:"approximate_location"`
	KWc         float64 `json:"kwc,omitempty"`
	Coefficient float64 `json:"coefficient,omitempty"`
	Rank        int     `json:"rank,omitempty"`
	Source      string  `json:"source"`
	ConsentID   int64   `json:"consent_id,omitempty"`
}

// CheckJSON is the API view of a rule check.
type CheckJSON struct {
	RuleVersion  string      `json:"rule_version"`
	RulesFrom    string      `json:"rules_valid_from"`
	Zone         string      `json:"zone"`
	MaxDistanceM float64     `json:"max_distance_m"`
	Farthest     []string    `json:"farthest,omitempty"`
	LimitKM      float64     `json:"limit_km"`
	CapacityKW   float64     `json:"capacity_kw"`
	CapKW        float64     `json:"cap_kw"`
	OneEPCI      string      `json:"one_epci,omitempty"`
	Warnings     []i18n.Text `json:"warnings"`
}

// OperationJSON is the API view of an operation.
type OperationJSON struct {
	ID                int64             `json:"id"`
	Name              string            `json:"name"`
	Organiser         string            `json:"organiser"`
	Community         string            `json:"community,omitempty"`
	StepMinutes       int               `json:"step_minutes"`
	Key               string            `json:"key"`
	Regime            string            `json:"regime"`
	DerogationKM      float64           `json:"derogation_km,omitempty"`
	DerogationRef     string            `json:"derogation_ref,omitempty"`
	PublicLed         bool              `json:"public_led"`
	NonInterconnected bool              `json:"non_interconnected"`
	StartDate         string            `json:"start_date"`
	Check             CheckJSON         `json:"check"`
	Participants      []ParticipantJSON `json:"participants"`
	CreatedAt         time.Time         `json:"created_at"`
	UpdatedAt         time.Time         `json:"updated_at"`
	URL               string            `json:"url"`
}

func participantsJSON(o *Operation) []ParticipantJSON {
	out := []ParticipantJSON{}
	for _, p := range o.Participants {
		out = append(out, ParticipantJSON{ID: p.ID, Role: string(p.Role), Name: p.Name, PRM: p.PRM, Commune: p.Commune, Lat: p.Lat, Lon: p.Lon,
			Approximate: p.Approx, KWc: p.KWc, Coefficient: p.Coefficient, Rank: p.Rank, Source: string(p.Source), ConsentID: p.ConsentID})
	}
	return out
}

func checkJSON(o *Operation, c Check) CheckJSON {
	out := CheckJSON{RuleVersion: c.Rules.Version, RulesFrom: c.Rules.ValidFrom.Format(time.DateOnly), Zone: string(c.Zone), MaxDistanceM: c.MaxDistanceM,
		LimitKM: c.LimitKM, CapacityKW: c.CapacityKW, CapKW: c.CapKW, OneEPCI: c.OneEPCI, Warnings: c.Warnings}
	if c.Farthest[0] >= 0 && c.Farthest[1] < len(o.Participants) {
		out.Farthest = []string{o.Participants[c.Farthest[0]].Name, o.Participants[c.Farthest[1]].Name}
	}
	if out.Warnings == nil {
		out.Warnings = []i18n.Text{}
	}
	return out
}

func (h *Handlers) operationJSON(o *Operation, c Check) OperationJSON {
	return OperationJSON{ID: o.ID, Name: o.Name, Organiser: o.Organiser, Community: o.Community, StepMinutes: o.StepMinutes(), Key: o.Key.String(),
		Regime: string(o.Regime), DerogationKM: o.DerogationKM, DerogationRef: o.DerogationRef, PublicLed: o.PublicLed, NonInterconnected: o.NonInterconnected,
		StartDate: o.StartDate.Format(time.DateOnly), Check: checkJSON(o, c), Participants: participantsJSON(o), CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt,
		URL: fmt.Sprintf("%s/autoconsommation/operations/%d", h.srv.Config().BaseURL, o.ID)}
}

func (h *Handlers) check(o *Operation) Check {
	rules, _ := RulesByVersion(o.RuleVersion)
	return CheckRules(o, rules, h.svc.terr)
}

func (h *Handlers) apiRules(w http.ResponseWriter, r *http.Request) error {
	type set struct {
		Version         string             `json:"version"`
		ValidFrom       string             `json:"valid_from"`
		Current         bool               `json:"current"`
		Source          i18n.Text          `json:"source"`
		PerimeterKM     map[string]float64 `json:"perimeter_km"`
		DerogationMaxKM float64            `json:"derogation_max_km"`
		CapMainlandKW   float64            `json:"cap_mainland_kw"`
		CapZNIKW        float64            `json:"cap_non_interconnected_kw"`
		CapPublicKW     float64            `json:"cap_public_one_epci_kw,omitempty"`
		ZNIDepartements []string           `json:"non_interconnected_departements"`
		ZNICommunes     []string           `json:"non_interconnected_communes"`
	}
	cur := RulesAt(h.svc.today()).Version
	items := []set{}
	for _, rs := range RuleSets() {
		pk := map[string]float64{}
		for k, v := range rs.PerimeterKM {
			pk[string(k)] = v
		}
		items = append(items, set{Version: rs.Version, ValidFrom: rs.ValidFrom.Format(time.DateOnly), Current: rs.Version == cur, Source: rs.Source,
			PerimeterKM: pk, DerogationMaxKM: rs.DerogationMaxKM, CapMainlandKW: rs.CapMainlandKW, CapZNIKW: rs.CapZNIKW, CapPublicKW: rs.CapPublicKW,
			ZNIDepartements: rs.ZNIDepartements, ZNICommunes: rs.ZNICommunes})
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": items, "total": len(items)})
	return nil
}

// apiCheck validates an operation without saving it.
func (h *Handlers) apiCheck(w http.ResponseWriter, r *http.Request) error {
	var in Input
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	o, c, err := h.svc.Validate(in)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, checkJSON(o, c))
	return nil
}

func (h *Handlers) apiList(w http.ResponseWriter, r *http.Request) error {
	list, err := h.svc.List(r.Context(), web.CurrentUser(r.Context()))
	if err != nil {
		return err
	}
	type item struct {
		ID           int64     `json:"id"`
		Name         string    `json:"name"`
		Organiser    string    `json:"organiser"`
		Community    string    `json:"community,omitempty"`
		Key          string    `json:"key"`
		Consumers    int       `json:"consumers"`
		Producers    int       `json:"producers"`
		CapacityKW   float64   `json:"capacity_kw"`
		MaxDistanceM float64   `json:"max_distance_m"`
		UpdatedAt    time.Time `json:"updated_at"`
		URL          string    `json:"url"`
	}
	items := []item{}
	for _, o := range list {
		items = append(items, item{o.ID, o.Name, o.Organiser, o.Community, o.Key.String(), o.Consumers, o.Producers, o.CapacityKW, o.MaxDistanceM, o.UpdatedAt,
			fmt.Sprintf("%s/api/v1/acc/operations/%d", h.srv.Config().BaseURL, o.ID)})
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": items, "total": len(items)})
	return nil
}

func (h *Handlers) apiCreate(w http.ResponseWriter, r *http.Request) error {
	var in Input
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	o, c, err := h.svc.Create(r.Context(), web.CurrentUser(r.Context()), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/acc/operations/%d", o.ID))
	web.WriteJSON(w, http.StatusCreated, h.operationJSON(o, c))
	return nil
}

func (h *Handlers) apiGet(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	o, err := h.svc.Get(r.Context(), web.CurrentUser(r.Context()), id)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, h.operationJSON(o, h.check(o)))
	return nil
}

func (h *Handlers) apiUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	who := web.CurrentUser(r.Context())
	if _, err := h.svc.Get(r.Context(), who, id); err != nil {
		return err
	}
	var in Input
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	o, c, err := h.svc.Update(r.Context(), who, id, in)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, h.operationJSON(o, c))
	return nil
}

func (h *Handlers) apiDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.svc.Delete(r.Context(), web.CurrentUser(r.Context()), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handlers) apiParticipants(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	o, err := h.svc.Get(r.Context(), web.CurrentUser(r.Context()), id)
	if err != nil {
		return err
	}
	ps := participantsJSON(o)
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": ps, "total": len(ps)})
	return nil
}

type importJSON struct {
	File     string       `json:"file"`
	Lines    []importLine `json:"participants"`
	Warnings []i18n.Text  `json:"warnings"`
}

type importLine struct {
	ParticipantID int64     `json:"participant_id"`
	Name          string    `json:"name"`
	Steps         int       `json:"steps"`
	Gaps          int       `json:"gaps"`
	From          time.Time `json:"from"`
	To            time.Time `json:"to"`
	KWh           float64   `json:"kwh"`
}

func reportJSON(rep ImportReport) importJSON {
	out := importJSON{File: rep.File, Lines: []importLine{}, Warnings: rep.Warnings}
	for _, l := range rep.Lines {
		out.Lines = append(out.Lines, importLine{l.ParticipantID, l.Name, l.Steps, l.Gaps, l.From, l.To, l.KWh})
	}
	if out.Warnings == nil {
		out.Warnings = []i18n.Text{}
	}
	return out
}

// apiUpload takes a table in the allocate layout as the request body.
func (h *Handlers) apiUpload(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	kind := r.URL.Query().Get("kind")
	name := r.URL.Query().Get("filename")
	if name == "" {
		name = kind + ".csv"
	}
	rep, err := h.svc.ImportTable(r.Context(), web.CurrentUser(r.Context()), id, ImportKind(kind), name, r.Body)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, reportJSON(rep))
	return nil
}

// apiUploadMeter takes one participant's meter file as the request body.
func (h *Handlers) apiUploadMeter(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	pid, err := strconv.ParseInt(r.PathValue("pid"), 10, 64)
	if err != nil {
		return errs.New(errs.NotFound, "Participant introuvable.", "Participant not found.")
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	name := r.URL.Query().Get("filename")
	if name == "" {
		name = "releves.csv"
	}
	rep, err := h.svc.ImportMeterFile(r.Context(), web.CurrentUser(r.Context()), id, pid, name, data)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, reportJSON(rep))
	return nil
}

type lineJSON struct {
	ParticipantID       int64    `json:"participant_id"`
	Role                string   `json:"role"`
	Name                string   `json:"name"`
	PRM                 string   `json:"prm"`
	Source              string   `json:"source"`
	ConsumptionKWh      *float64 `json:"consumption_kwh,omitempty"`
	AllocatedKWh        *float64 `json:"allocated_kwh,omitempty"`
	ComplementKWh       *float64 `json:"complement_kwh,omitempty"`
	SelfProductionRate  *float64 `json:"self_production_rate,omitempty"`
	ProductionKWh       *float64 `json:"production_kwh,omitempty"`
	SelfConsumedKWh     *float64 `json:"self_consumed_kwh,omitempty"`
	SurplusKWh          *float64 `json:"surplus_kwh,omitempty"`
	SelfConsumptionRate *float64 `json:"self_consumption_rate,omitempty"`
	MissingSteps        int      `json:"missing_steps"`
}

type statementJSON struct {
	Month               string     `json:"month"`
	From                time.Time  `json:"from"`
	To                  time.Time  `json:"to"`
	Steps               int        `json:"steps"`
	Key                 string     `json:"key"`
	RuleVersion         string     `json:"rule_version"`
	ProductionKWh       float64    `json:"production_kwh"`
	ConsumptionKWh      float64    `json:"consumption_kwh"`
	AllocatedKWh        float64    `json:"allocated_kwh"`
	SurplusKWh          float64    `json:"surplus_kwh"`
	SelfConsumptionRate float64    `json:"self_consumption_rate"`
	SelfProductionRate  float64    `json:"self_production_rate"`
	Participants        []lineJSON `json:"participants,omitempty"`
	URL                 string     `json:"url"`
}

func ptr(v float64) *float64 { return &v }

func (h *Handlers) statementJSON(o *Operation, st *Statement, lines bool) statementJSON {
	out := statementJSON{Month: st.MonthKey(), From: st.From.UTC(), To: st.To.UTC(), Steps: st.Steps, Key: o.Key.String(), RuleVersion: o.RuleVersion,
		ProductionKWh: st.Production, ConsumptionKWh: st.Consumption, AllocatedKWh: st.Allocated, SurplusKWh: st.Surplus(),
		SelfConsumptionRate: st.SelfConsumptionRate(), SelfProductionRate: st.SelfProductionRate(),
		URL: fmt.Sprintf("%s/autoconsommation/operations/%d/releves/%s", h.srv.Config().BaseURL, o.ID, st.MonthKey())}
	if !lines {
		return out
	}
	for _, c := range st.Consumers {
		out.Participants = append(out.Participants, lineJSON{ParticipantID: c.ID, Role: string(Consumer), Name: c.Name, PRM: c.PRM, Source: string(c.Source),
			ConsumptionKWh: ptr(c.Consumption), AllocatedKWh: ptr(c.Allocated), ComplementKWh: ptr(c.Complement()), SelfProductionRate: ptr(c.SelfProductionRate()), MissingSteps: c.Missing})
	}
	for _, p := range st.Producers {
		out.Participants = append(out.Participants, lineJSON{ParticipantID: p.ID, Role: string(Producer), Name: p.Name, PRM: p.PRM, Source: string(p.Source),
			ProductionKWh: ptr(p.Production), SelfConsumedKWh: ptr(p.SelfConsumed), SurplusKWh: ptr(p.Surplus()), SelfConsumptionRate: ptr(p.SelfConsumptionRate()), MissingSteps: p.Missing})
	}
	return out
}

func (h *Handlers) apiStatements(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	o, a, err := h.svc.Analysis(r.Context(), web.CurrentUser(r.Context()), id)
	if err != nil {
		return err
	}
	items := []statementJSON{}
	for _, st := range a.Statements(o, h.svc.now()) {
		items = append(items, h.statementJSON(o, st, false))
	}
	warnings := []i18n.Text{}
	warnings = append(warnings, a.Warnings...)
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": items, "total": len(items), "warnings": warnings})
	return nil
}

func (h *Handlers) apiStatement(w http.ResponseWriter, r *http.Request) error {
	o, _, st, err := h.loadStatement(r)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, h.statementJSON(o, st, true))
	return nil
}
