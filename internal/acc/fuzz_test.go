package acc

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/territory"
)

// FuzzValidate feeds operation inputs as the API receives them (JSON):
// any input is either refused with a coded error naming fields, or gives
// an operation that obeys the rules it was checked against.
func FuzzValidate(f *testing.F) {
	for _, s := range []string{
		`{"name":"Soleil","organiser":"PMO","step_minutes":15,"key":"default","regime":"2km","participants":[{"role":"producer","name":"A","prm":"30000000000001","commune":"66150","kwc":"36"},{"role":"consumer","name":"B","prm":"30000000000002","lat":"42,41","lon":"2.48"}]}`,
		`{"name":"Statique","organiser":"PMO","step_minutes":30,"key":"static","regime":"derogation","derogation_km":"12,5","derogation_ref":"arrêté","participants":[{"role":"producer","name":"A","prm":"3000 0000 0000 01","commune":"2A004","kwc":"600"},{"role":"consumer","name":"B","prm":"30000000000002","commune":"2A004","coefficient":"150 %"}]}`,
		`{"name":"x","participants":[{"role":"consumer","lat":"NaN","lon":"1e309"},{}]}`,
		`{"name":"Rangs","organiser":"PMO","step_minutes":15,"key":"priority","regime":"10km","start_date":"2019-02-30","public_led":true,"participants":[{"role":"consumer","name":"B","prm":"30000000000002","commune":"29155","rank":"-1"}]}`,
	} {
		f.Add(s)
	}
	terr := territory.Default()
	f.Fuzz(func(t *testing.T, raw string) {
		var in Input
		if json.Unmarshal([]byte(raw), &in) != nil {
			return
		}
		o, chk, err := Validate(in, terr, june2025)
		if err != nil {
			e, ok := errs.As(err)
			if !ok || e.Code != errs.Invalid || len(e.Details) == 0 {
				t.Fatalf("%s: %v", raw, err)
			}
			for _, d := range e.Details {
				if d.Field == "" || d.Message.FR == "" || d.Message.EN == "" {
					t.Fatalf("%s: detail without field or message: %+v", raw, d)
				}
			}
			return
		}
		if chk.MaxDistanceM > chk.LimitKM*1000 || chk.CapacityKW > chk.CapKW || math.IsNaN(chk.MaxDistanceM) {
			t.Fatalf("%s: accepted beyond the rules: %+v", raw, chk)
		}
		var coef float64
		for _, p := range o.Participants {
			if len(p.PRM) != 14 || math.IsNaN(p.Lat) || math.IsNaN(p.KWc) || p.KWc < 0 {
				t.Fatalf("%s: bad participant %+v", raw, p)
			}
			coef += p.Coefficient
		}
		if coef > 1+1e-9 {
			t.Fatalf("%s: coefficients add up to %v", raw, coef)
		}
	})
}
