package energy

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// LoadProfile names a synthetic consumption profile.
type LoadProfile string

// Synthetic load profiles (DOMAIN §10).
const (
	ProfileHousehold                LoadProfile = "household"
	ProfileHouseholdWaterHeater     LoadProfile = "household-water-heater"
	ProfileHouseholdElectricHeating LoadProfile = "household-electric-heating"
	ProfileOffice                   LoadProfile = "office"
	ProfileSchool                   LoadProfile = "school"
)

// LoadProfiles lists the profiles SynthLoad knows, in a stable order.
func LoadProfiles() []LoadProfile {
	return []LoadProfile{ProfileHousehold, ProfileHouseholdWaterHeater, ProfileHouseholdElectricHeating, ProfileOffice, ProfileSchool}
}

// ParseLoadProfile checks a profile name.
func ParseLoadProfile(s string) (LoadProfile, error) {
	for _, p := range LoadProfiles() {
		if string(p) == s {
			return p, nil
		}
	}
	return "", fmt.Errorf("energy: unknown load profile %q", s)
}

// Shares of the annual energy taken by the appliance of a variant.
const (
	waterHeaterShare = 0.30
	heatingShare     = 0.55
	waterHeaterKW    = 2.4 // rated power of the heating element
)

// LoadParams describes a consumer for SynthLoad.
type LoadParams struct {
	Profile   LoadProfile
	AnnualKWh float64
	Year      int // local calendar year
	Step      time.Duration
	Seed      uint64
	// Location for behaviour (hours, weekdays, holidays) and the calendar
	// year; nil means Paris.
	Location *time.Location
}

// SynthLoad returns a consumption profile in kWh per step over a local
// calendar year, scaled so that its values sum to AnnualKWh (to float64
// rounding). Behaviour follows local time:
//
//   - household: a base load with morning, midday and evening peaks, later
//     and larger morning and midday peaks at weekends and on public holidays,
//     the BDEW H0 seasonal factor F(d) = −3.92e-10·d⁴ + 3.2e-7·d³ −
//     7.02e-5·d² + 2.1e-3·d + 1.24 (d = day of the year), and multiplicative
//     noise (a daily factor and a correlated 5-minute factor);
//   - household-water-heater: the household (70 %) plus a 2.4 kW water heater
//     (30 %) that starts at the beginning of an off-peak night slot chosen by
//     the seed and runs until the day's need, higher in winter, is met;
//   - household-electric-heating: the household (45 %) plus heating (55 %)
//     following heating degree-days below 16 °C of a synthetic temperature,
//     with morning and evening peaks;
//   - office: office hours on working days (closed at weekends and on public
//     holidays, quieter in August), higher in winter;
//   - school: open Monday, Tuesday, Thursday and Friday, Wednesday morning,
//     closed at weekends, on public holidays and in (approximated) school
//     holidays, with a canteen peak and higher winter use.
//
// Identical parameters give identical output.
func SynthLoad(p LoadParams) (Series, error) {
	if _, err := ParseLoadProfile(string(p.Profile)); err != nil {
		return Series{}, err
	}
	if err := checkYear(p.Year); err != nil {
		return Series{}, err
	}
	if err := CheckSynthStep(p.Step); err != nil {
		return Series{}, err
	}
	if !(p.AnnualKWh >= 0) || math.IsInf(p.AnnualKWh, 0) {
		return Series{}, fmt.Errorf("energy: annual energy %g kWh is negative or not finite", p.AnnualKWh)
	}
	loc := p.Location
	if loc == nil {
		loc = Paris()
	}
	start, end := YearBounds(p.Year, loc)
	n := int(end.Sub(start) / baseStep)

	local := localTimes(start, n, loc)

	household := p.Profile == ProfileHousehold || p.Profile == ProfileHouseholdWaterHeater || p.Profile == ProfileHouseholdElectricHeating
	dailySD, stepSD := 0.05, 0.10
	if household {
		dailySD, stepSD = 0.12, 0.35
	}
	rl := rand.New(rand.NewPCG(p.Seed, streamLoad))
	daily := make([]float64, 367)
	ar1(rl, daily, dailySD, 0.5)
	noise := make([]float64, n)
	ar1(rl, noise, stepSD, 0.8)

	base := make([]float64, n)
	for i, lt := range local {
		var v float64
		switch {
		case household:
			v = householdShape(lt) * bdewFactor(float64(lt.yday))
		case p.Profile == ProfileOffice:
			v = officeShape(lt) * winterFactor(lt.yday, 0.15)
		default:
			v = schoolShape(lt) * winterFactor(lt.yday, 0.25)
		}
		base[i] = v * math.Exp(daily[lt.yday]+noise[i])
	}

	extraShare := 0.0
	var extra []float64
	switch p.Profile {
	case ProfileHouseholdWaterHeater:
		extraShare, extra = waterHeaterShare, waterHeater(p.Seed, start, local)
	case ProfileHouseholdElectricHeating:
		extraShare, extra = heatingShare, heating(p.Seed, local)
	}
	if extra != nil && sum(extra) > 0 {
		scaleTo(base, (1-extraShare)*p.AnnualKWh)
		scaleTo(extra, extraShare*p.AnnualKWh)
		for i := range base {
			base[i] += extra[i]
		}
	}
	out := aggregate(base, start, p.Step)
	scaleTo(out.Values, p.AnnualKWh)
	return out, nil
}

// scaleTo scales x so that it sums to total (no-op when x sums to zero).
func scaleTo(x []float64, total float64) {
	if s := sum(x); s > 0 {
		f := total / s
		for i := range x {
			x[i] *= f
		}
	}
}

// localTime is what behaviour depends on at one instant.
type localTime struct {
	hour    float64 // local hour of day, fractional
	yday    int     // local day of the year, 1-based
	month   time.Month
	day     int
	weekday time.Weekday
	holiday bool // public holiday
}

// localTimes describes the middle of each of n base steps from start. The
// calendar fields are worked out once per local day.
func localTimes(start time.Time, n int, loc *time.Location) []localTime {
	out := make([]localTime, n)
	var day localTime
	for i := range out {
		l := start.Add(time.Duration(i)*baseStep + baseStep/2).In(loc)
		hh, mm, ss := l.Clock()
		if yd := l.YearDay(); yd != day.yday {
			y, m, d := l.Date()
			day = localTime{yday: yd, month: m, day: d, weekday: l.Weekday(), holiday: publicHoliday(y, m, d)}
		}
		out[i] = day
		out[i].hour = float64(hh) + float64(mm)/60 + float64(ss)/3600
	}
	return out
}

// restDay is a weekend day or a public holiday.
func (lt localTime) restDay() bool {
	return lt.holiday || lt.weekday == time.Saturday || lt.weekday == time.Sunday
}

// bump is a Gaussian peak in local hours, wrapped around midnight.
func bump(h, centre, width float64) float64 {
	d := math.Mod(h-centre+36, 24) - 12
	return math.Exp(-0.5 * d * d / (width * width))
}

// ramp rises from 0 to 1 between a and b and falls back between c and d.
func ramp(h, a, b, c, d float64) float64 {
	return smoothstep(a, b, h) * (1 - smoothstep(c, d, h))
}

func smoothstep(a, b, x float64) float64 {
	t := clamp((x-a)/(b-a), 0, 1)
	return t * t * (3 - 2*t)
}

// bdewFactor is the BDEW H0 dynamisation polynomial for day of year d.
func bdewFactor(d float64) float64 {
	return -3.92e-10*d*d*d*d + 3.2e-7*d*d*d - 7.02e-5*d*d + 2.1e-3*d + 1.24
}

// winterFactor peaks mid-January with the given relative amplitude.
func winterFactor(yday int, amp float64) float64 {
	return 1 + amp*math.Cos(2*math.Pi*float64(yday-15)/365)
}

func householdShape(lt localTime) float64 {
	h := lt.hour
	if lt.restDay() {
		return 0.35 + 0.55*bump(h, 9.3, 1.4) + 0.6*bump(h, 12.8, 1.5) + 0.95*bump(h, 19.4, 1.8)
	}
	return 0.35 + 0.55*bump(h, 7.3, 0.9) + 0.3*bump(h, 12.6, 1.2) + 1.0*bump(h, 19.6, 1.7) + 0.2*bump(h, 22.4, 0.9)
}

func officeShape(lt localTime) float64 {
	const standby = 0.3
	if lt.restDay() {
		return standby
	}
	open := ramp(lt.hour, 7, 9, 18, 20) - 0.1*bump(lt.hour, 13, 0.6)
	if lt.month == time.August && lt.day <= 21 {
		open *= 0.7 // summer leave
	}
	return standby + 0.7*open
}

func schoolShape(lt localTime) float64 {
	const standby = 0.15
	if lt.restDay() || schoolHoliday(lt.month, lt.day) {
		return standby
	}
	if lt.weekday == time.Wednesday {
		return standby + 0.85*ramp(lt.hour, 7.5, 8.5, 12, 13)
	}
	return standby + 0.85*ramp(lt.hour, 7.5, 8.5, 16.5, 18) + 0.25*bump(lt.hour, 12.25, 0.6)
}

// waterHeater places, each night, a water heater run at its rated power
// from the start of an off-peak slot until the day's need is met. The need
// is higher in winter (colder inlet water) and varies from day to day.
func waterHeater(seed uint64, start time.Time, local []localTime) []float64 {
	r := rand.New(rand.NewPCG(seed, streamHeater))
	slots := []float64{22, 22.5, 23, 23.5, 0, 1, 2}
	slot := slots[r.IntN(len(slots))]
	out := make([]float64, len(local))
	perStep := waterHeaterKW * baseStep.Hours()
	// Daily need in units of run steps; the scale is set later.
	remaining := 0.0
	prevOn := false
	for i, lt := range local {
		on := inSlot(lt.hour, slot, 8)
		if on && !prevOn {
			need := (1 + 0.3*math.Cos(2*math.Pi*float64(lt.yday-15)/365)) * math.Exp(0.15*r.NormFloat64())
			remaining = need * 20 // about 1.7 h at 2.4 kW for an average night
		}
		prevOn = on
		if on && remaining > 0 {
			e := min(1, remaining)
			out[i] = e * perStep
			remaining -= e
		}
	}
	return out
}

// inSlot reports whether hour h is within the slot starting at s for d hours.
func inSlot(h, s, d float64) bool {
	return math.Mod(h-s+24, 24) < d
}

// heating spreads heating degree-days below 16 °C over each day with
// morning and evening peaks.
func heating(seed uint64, local []localTime) []float64 {
	temps := dailyTemperatures(seed, 367, 46.5) // mainland France average latitude
	out := make([]float64, len(local))
	for i, lt := range local {
		hdd := max(0, 16-temps[lt.yday])
		out[i] = hdd * (0.5 + 0.7*bump(lt.hour, 7.3, 1.3) + 0.6*bump(lt.hour, 19.5, 2.2))
	}
	return out
}
