package energy

import (
	"math"
	"slices"
	"testing"
	"time"
)

// TestPVYieldReferences checks the annual yields of DOMAIN §10 within ±5 %
// for seeds and years other than those used to fit the climate.
func TestPVYieldReferences(t *testing.T) {
	sites := []struct {
		name     string
		lat, lon float64
		yield    float64 // kWh/kWc/year
	}{
		{"Concarneau", 47.875, -3.918, 1050},
		{"Mornant", 45.619, 4.672, 1130},
		{"Prats-de-Mollo", 42.404, 2.479, 1350},
	}
	for _, s := range sites {
		for _, run := range []struct {
			year int
			seed uint64
		}{{2024, 11}, {2025, 12}, {2026, 13}, {2027, 14}} {
			pv, err := SynthPV(PVParams{Lat: s.lat, Lon: s.lon, KWc: 3, Year: run.year, Step: 15 * time.Minute, Seed: run.seed})
			if err != nil {
				t.Fatal(err)
			}
			y := sum(pv.Values) / 3
			if math.Abs(y/s.yield-1) > 0.05 {
				t.Errorf("%s %d seed %d: %.0f kWh/kWc, want %.0f ± 5 %%", s.name, run.year, run.seed, y, s.yield)
			}
		}
	}
}

func TestPVShape(t *testing.T) {
	loc := Paris()
	pv, err := SynthPV(PVParams{Lat: 45.619, Lon: 4.672, KWc: 1, Year: 2025, Step: time.Hour, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if pv.Len() != 8760 || !pv.Start.Equal(time.Date(2025, 1, 1, 0, 0, 0, 0, loc)) {
		t.Fatalf("%d steps from %v", pv.Len(), pv.Start)
	}
	var june, december float64
	for i, v := range pv.Values {
		l := pv.Time(i).In(loc)
		if v < 0 || v > 1.1 {
			t.Fatalf("%v: %g kWh from 1 kWc in an hour", l, v)
		}
		if h := l.Hour(); (h < 4 || h >= 23) && v != 0 {
			t.Fatalf("%v: %g kWh at night", l, v)
		}
		switch l.Month() {
		case time.June:
			june += v
		case time.December:
			december += v
		}
	}
	if june < 2.5*december {
		t.Errorf("June %g kWh, December %g kWh: summer should dominate", june, december)
	}
	// In the southern hemisphere the seasons swap and the panel faces north.
	reunion, err := SynthPV(PVParams{Lat: -21.1, Lon: 55.5, KWc: 1, Year: 2025, Step: time.Hour, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	months, _ := SumBy(reunion, loc, Month)
	if months[11].Sum <= months[5].Sum {
		t.Errorf("Réunion: December %g ≤ June %g", months[11].Sum, months[5].Sum)
	}
}

func TestSynthDeterministicAndStepConsistent(t *testing.T) {
	pv := func(step time.Duration, seed uint64) Series {
		s, err := SynthPV(PVParams{Lat: 47.875, Lon: -3.918, KWc: 2, Year: 2024, Step: step, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	load := func(step time.Duration, seed uint64) Series {
		s, err := SynthLoad(LoadParams{Profile: ProfileHouseholdWaterHeater, AnnualKWh: 3000, Year: 2024, Step: step, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	for name, gen := range map[string]func(time.Duration, uint64) Series{"pv": pv, "load": load} {
		a, b, c := gen(15*time.Minute, 7), gen(15*time.Minute, 7), gen(15*time.Minute, 8)
		if !slices.Equal(a.Values, b.Values) {
			t.Errorf("%s: same seed, different output", name)
		}
		if slices.Equal(a.Values, c.Values) {
			t.Errorf("%s: seeds 7 and 8 give the same output", name)
		}
		if a.Len() != 366*96 {
			t.Errorf("%s: %d quarter hours in 2024", name, a.Len())
		}
		hourly := gen(time.Hour, 7)
		for i, v := range hourly.Values {
			if q := sum(a.Values[4*i : 4*i+4]); !near(v, q, 1e-9*max(1, v)) {
				t.Fatalf("%s hour %d: %g, quarters add up to %g", name, i, v, q)
			}
		}
	}
}

// hourlyMeans averages a load by local hour over the days that pass keep.
func hourlyMeans(s Series, keep func(time.Time) bool) [24]float64 {
	var sums [24]float64
	var counts [24]int
	for i, v := range s.Values {
		l := s.Time(i).In(Paris())
		if keep(l) {
			sums[l.Hour()] += v
			counts[l.Hour()]++
		}
	}
	for h := range sums {
		if counts[h] > 0 {
			sums[h] /= float64(counts[h])
		}
	}
	return sums
}

func weekend(l time.Time) bool { return l.Weekday() == time.Saturday || l.Weekday() == time.Sunday }

func argmax(x []float64) int {
	best := 0
	for i, v := range x {
		if v > x[best] {
			best = i
		}
	}
	return best
}

func TestLoadProfiles(t *testing.T) {
	gen := func(p LoadProfile, kwh float64) Series {
		s, err := SynthLoad(LoadParams{Profile: p, AnnualKWh: kwh, Year: 2025, Step: 15 * time.Minute, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	for _, p := range LoadProfiles() {
		s := gen(p, 4500)
		total := sum(s.Values)
		if !near(total, 4500, 1e-9*4500) {
			t.Errorf("%s: %g kWh, want 4500", p, total)
		}
		if mean := total / (float64(s.Len()) / 4); !near(mean, 4500.0/8760, 1e-9) {
			t.Errorf("%s: mean %g kW", p, mean)
		}
		if slices.Min(s.Values) < 0 {
			t.Errorf("%s: negative consumption", p)
		}
	}

	hh := gen(ProfileHousehold, 4500)
	wd := hourlyMeans(hh, func(l time.Time) bool { return !weekend(l) })
	we := hourlyMeans(hh, weekend)
	if argmax(wd[5:12]) >= argmax(we[5:12]) {
		t.Errorf("weekday morning peak at %dh, weekend at %dh: weekends should start later", 5+argmax(wd[5:12]), 5+argmax(we[5:12]))
	}
	if e := argmax(wd[16:24]); e < 2 || e > 5 {
		t.Errorf("weekday evening peak at %dh", 16+e)
	}
	months, _ := SumBy(hh, Paris(), Month)
	if months[0].Sum < 1.3*months[6].Sum {
		t.Errorf("household January %g, July %g: the BDEW factor should make winter higher", months[0].Sum, months[6].Sum)
	}

	// The water heater runs at night.
	night := func(s Series) float64 {
		n := 0.0
		for i, v := range s.Values {
			if h := s.Time(i).In(Paris()).Hour(); h >= 22 || h < 7 {
				n += v
			}
		}
		return n / sum(s.Values)
	}
	if wh := gen(ProfileHouseholdWaterHeater, 4500); night(wh) < night(hh)+0.2 {
		t.Errorf("night share %.2f with water heater, %.2f without", night(wh), night(hh))
	}

	heat, _ := SumBy(gen(ProfileHouseholdElectricHeating, 9000), Paris(), Month)
	if heat[0].Sum < 3*heat[6].Sum {
		t.Errorf("electric heating January %g, July %g", heat[0].Sum, heat[6].Sum)
	}

	// Offices: working days versus weekends and a public holiday (Monday
	// 14 July 2025 behaves like a Sunday).
	office := gen(ProfileOffice, 20000)
	open := hourlyMeans(office, func(l time.Time) bool { return !weekend(l) && l.Month() != time.August })
	closed := hourlyMeans(office, weekend)
	if open[10] < 2.5*closed[10] || open[3] > 1.3*closed[3] {
		t.Errorf("office at 10h: %g open, %g closed; at 3h: %g, %g", open[10], closed[10], open[3], closed[3])
	}
	holiday := hourlyMeans(office, func(l time.Time) bool { return l.Month() == time.July && l.Day() == 14 })
	if holiday[10] > 1.3*closed[10] {
		t.Errorf("office open on 14 July: %g at 10h", holiday[10])
	}

	// Schools: open days, Wednesday afternoons, summer holidays.
	school := gen(ProfileSchool, 30000)
	term := hourlyMeans(school, func(l time.Time) bool {
		return l.Month() == time.March && !weekend(l) && l.Weekday() != time.Wednesday
	})
	wednesday := hourlyMeans(school, func(l time.Time) bool { return l.Month() == time.March && l.Weekday() == time.Wednesday })
	august := hourlyMeans(school, func(l time.Time) bool { return l.Month() == time.August && !weekend(l) })
	if term[14] < 3*august[14] || wednesday[14] > 1.5*august[14] || wednesday[10] < 2*august[10] {
		t.Errorf("school at 14h: term %g, Wednesday %g, August %g", term[14], wednesday[14], august[14])
	}
}

func TestEasterAndHolidays(t *testing.T) {
	// Easter Sundays published in the usual tables.
	for year, want := range map[int]string{2019: "04-21", 2024: "03-31", 2025: "04-20", 2038: "04-25"} {
		m, d := easter(year)
		if got := time.Date(year, m, d, 0, 0, 0, 0, time.UTC).Format("01-02"); got != want {
			t.Errorf("Easter %d: %s, want %s", year, got, want)
		}
	}
	count := 0
	for d := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() == 2025; d = d.AddDate(0, 0, 1) {
		if publicHoliday(d.Year(), d.Month(), d.Day()) {
			count++
		}
	}
	if count != 11 {
		t.Errorf("%d public holidays in 2025, want 11", count)
	}
	if !publicHoliday(2025, time.June, 9) || !publicHoliday(2025, time.May, 29) {
		t.Error("Whit Monday or Ascension 2025 missing")
	}
}

func TestSynthRejectsBadParams(t *testing.T) {
	for _, step := range []time.Duration{5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour} {
		if err := CheckSynthStep(step); err != nil {
			t.Error(err)
		}
	}
	for _, step := range []time.Duration{0, -time.Hour, 7 * time.Minute, 45 * time.Minute, 90 * time.Minute, 5 * time.Hour} {
		if err := CheckSynthStep(step); err == nil {
			t.Errorf("step %v accepted", step)
		}
	}
	bad := []LoadParams{
		{Profile: "villa", AnnualKWh: 1, Year: 2025, Step: time.Hour},
		{Profile: ProfileOffice, AnnualKWh: -1, Year: 2025, Step: time.Hour},
		{Profile: ProfileOffice, AnnualKWh: math.Inf(1), Year: 2025, Step: time.Hour},
		{Profile: ProfileOffice, AnnualKWh: 1, Year: 1800, Step: time.Hour},
		{Profile: ProfileOffice, AnnualKWh: 1, Year: 2025, Step: 7 * time.Minute},
	}
	for _, p := range bad {
		if _, err := SynthLoad(p); err == nil {
			t.Errorf("SynthLoad(%+v) succeeded", p)
		}
	}
	badPV := []PVParams{
		{Lat: 91, KWc: 1, Year: 2025, Step: time.Hour},
		{Lat: 45, Lon: 200, KWc: 1, Year: 2025, Step: time.Hour},
		{Lat: 45, KWc: -1, Year: 2025, Step: time.Hour},
		{Lat: 45, KWc: math.NaN(), Year: 2025, Step: time.Hour},
		{Lat: 45, KWc: 1, Year: 2025, Step: time.Hour, Tilt: 95},
	}
	for _, p := range badPV {
		if _, err := SynthPV(p); err == nil {
			t.Errorf("SynthPV(%+v) succeeded", p)
		}
	}
	if _, err := ParseLoadProfile("household"); err != nil {
		t.Error(err)
	}
}
