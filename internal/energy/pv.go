package energy

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// PV model constants. The mean clearness index is a parabola in latitude whose
// three coefficients were fitted (Newton iterations over seeds 1–8, year 2023)
// to the three reference yields of DOMAIN §10: about 1,050 kWh/kWc at
// Concarneau, 1,130 at Mornant and 1,350 at Prats-de-Mollo (see
// TestPVYieldReferences).
const (
	// DefaultTilt is the panel tilt used when PVParams.Tilt is zero (degrees).
	DefaultTilt = 30.0
	// PerformanceRatio covers inverter, wiring, soiling, mismatch and
	// reflection losses, applied after the temperature correction.
	PerformanceRatio = 0.86

	solarConstant = 1361.0 // W/m²
	albedo        = 0.2
	noct          = 45.0     // nominal operating cell temperature, °C
	tempCoeff     = -0.0037  // relative power change per K above 25 °C
	clearnessMean = 0.76607  // mean daily clearness at 45° of latitude
	clearnessLat  = -0.02964 // per degree of latitude beyond 45°
	clearnessLat2 = 0.00458  // curvature: the gradient steepens towards the Mediterranean
	clearnessSeas = 0.05     // half-range of the seasonal swing
	clearnessSD   = 0.20     // daily anomaly standard deviation
	clearnessPhi  = 0.55     // day-to-day correlation
)

// PVParams describes a PV installation for SynthPV.
type PVParams struct {
	Lat, Lon float64 // degrees, north and east positive
	KWc      float64 // peak power, kWc
	Year     int     // local calendar year
	Step     time.Duration
	Seed     uint64
	// Tilt in degrees from horizontal; zero selects DefaultTilt (pass a tiny
	// value for a flat panel).
	Tilt float64
	// Azimuth in degrees away from facing the equator, west positive
	// (−90 east, 90 west).
	Azimuth float64
	// Location for the calendar year and the output; nil means Paris.
	Location *time.Location
}

// SynthPV returns the production of a PV installation in kWh per step over a
// local calendar year, from a seeded weather model (DOMAIN §10):
//
//   - sun position from the declination, equation of time and hour angle
//     (Spencer's series), extraterrestrial irradiance with the orbit's
//     eccentricity;
//   - clear-sky beam irradiance from the Kasten–Young air mass
//     (DNI = G0·0.7^(AM^0.678), global = 1.1·DNI·cos z);
//   - a daily clearness index: an AR(1) process around a seasonal mean that
//     depends on latitude and longitude; the year's anomalies are re-centred
//     (weighted by clear-sky energy) so a synthetic year is a typical year,
//     plus 5-minute cloud variability on broken-cloud days;
//   - Erbs decomposition into beam and diffuse, plane of array for a tilted
//     panel (isotropic sky, ground albedo 0.2);
//   - cell temperature from a synthetic ambient temperature and NOCT 45 °C,
//     a −0.37 %/K power coefficient and the performance ratio 0.86.
//
// Identical parameters give identical output.
func SynthPV(p PVParams) (Series, error) {
	if err := checkYear(p.Year); err != nil {
		return Series{}, err
	}
	if err := CheckSynthStep(p.Step); err != nil {
		return Series{}, err
	}
	if !(p.Lat >= -90 && p.Lat <= 90 && p.Lon >= -180 && p.Lon <= 180) {
		return Series{}, fmt.Errorf("energy: coordinates %g, %g are out of range", p.Lat, p.Lon)
	}
	if !(p.KWc >= 0) || math.IsInf(p.KWc, 0) {
		return Series{}, fmt.Errorf("energy: capacity %g kWc is negative or not finite", p.KWc)
	}
	tilt := p.Tilt
	if tilt == 0 {
		tilt = DefaultTilt
	}
	if !(tilt >= 0 && tilt <= 90) || !(p.Azimuth >= -180 && p.Azimuth <= 180) {
		return Series{}, fmt.Errorf("energy: tilt %g° or azimuth %g° is out of range", tilt, p.Azimuth)
	}
	loc := p.Location
	if loc == nil {
		loc = Paris()
	}
	start, end := YearBounds(p.Year, loc)
	n := int(end.Sub(start) / baseStep)
	days := n/288 + 2

	south := p.Lat < 0
	az := p.Azimuth
	if south {
		az += 180 // facing the equator means facing north
	}
	phi := p.Lat * math.Pi / 180
	beta := tilt * math.Pi / 180
	gamma := az * math.Pi / 180
	sinPhi, cosPhi := math.Sincos(phi)
	sinBeta, cosBeta := math.Sincos(beta)
	sinGamma, cosGamma := math.Sincos(gamma)

	// Pass 1: geometry and clear-sky irradiance on the base grid.
	type sample struct {
		day              int
		cosZ, cosTheta   float64
		g0h, ghi, solarH float64
	}
	samples := make([]sample, n)
	weight := make([]float64, days)
	for i := range samples {
		t := start.Add(time.Duration(i)*baseStep + baseStep/2)
		s := &samples[i]
		s.day = int(t.Sub(start) / (24 * time.Hour))
		frac := 2 * math.Pi / 365 * (float64(t.YearDay()-1) + (float64(t.Hour())+float64(t.Minute())/60-12)/24)
		decl := 0.006918 - 0.399912*math.Cos(frac) + 0.070257*math.Sin(frac) -
			0.006758*math.Cos(2*frac) + 0.000907*math.Sin(2*frac) -
			0.002697*math.Cos(3*frac) + 0.00148*math.Sin(3*frac)
		eot := 229.18 * (0.000075 + 0.001868*math.Cos(frac) - 0.032077*math.Sin(frac) -
			0.014615*math.Cos(2*frac) - 0.040849*math.Sin(2*frac)) // minutes
		g0n := solarConstant * (1.00011 + 0.034221*math.Cos(frac) + 0.00128*math.Sin(frac) +
			0.000719*math.Cos(2*frac) + 0.000077*math.Sin(2*frac))
		utcMin := float64(t.Hour()*60+t.Minute()) + float64(t.Second())/60
		solarMin := utcMin + eot + 4*p.Lon
		s.solarH = solarMin / 60
		omega := (solarMin/4 - 180) * math.Pi / 180
		sinD, cosD := math.Sincos(decl)
		sinW, cosW := math.Sincos(omega)
		s.cosZ = sinPhi*sinD + cosPhi*cosD*cosW
		if s.cosZ <= 0 {
			continue
		}
		// Incidence on a plane of tilt beta and azimuth gamma (Duffie & Beckman 1.6.2).
		s.cosTheta = sinD*sinPhi*cosBeta - sinD*cosPhi*sinBeta*cosGamma +
			cosD*cosPhi*cosBeta*cosW + cosD*sinPhi*sinBeta*cosGamma*cosW +
			cosD*sinBeta*sinGamma*sinW
		zDeg := math.Acos(s.cosZ) * 180 / math.Pi
		am := 1 / (s.cosZ + 0.50572*math.Pow(96.07995-zDeg, -1.6364))
		dni := g0n * math.Pow(0.7, math.Pow(am, 0.678))
		s.ghi = 1.1 * dni * s.cosZ
		s.g0h = g0n * s.cosZ
		weight[s.day] += s.ghi
	}

	// Daily clearness: seasonal mean plus a re-centred AR(1) anomaly.
	rc := rand.New(rand.NewPCG(p.Seed, streamClearness))
	anomaly := make([]float64, days)
	ar1(rc, anomaly, clearnessSD, clearnessPhi)
	var wx, w float64
	for d := range anomaly {
		wx += weight[d] * anomaly[d]
		w += weight[d]
	}
	if w > 0 {
		for d := range anomaly {
			anomaly[d] -= wx / w
		}
	}
	absLat := math.Abs(p.Lat)
	// Stop at the parabola's minimum (48.3°) so that clearness never rises
	// again towards the north.
	x := min(absLat-45, -clearnessLat/(2*clearnessLat2))
	mean := clamp(clearnessMean+clearnessLat*x+clearnessLat2*x*x, 0.3, 0.95)
	kappa := make([]float64, days)
	peak := 190.0 // early July
	if south {
		peak += 182.5
	}
	for d := range kappa {
		season := math.Cos(2 * math.Pi * (float64(d+1) - peak) / 365)
		kappa[d] = clamp(mean+clearnessSeas*season+anomaly[d], 0.05, 1)
	}

	tDay := dailyTemperatures(p.Seed, days, p.Lat)

	// Pass 2: weather, plane of array, power.
	rcl := rand.New(rand.NewPCG(p.Seed, streamCloud))
	base := make([]float64, n)
	cloud := 0.0
	const rho = 0.8465 // exp(−5/30): 30-minute decorrelation of passing clouds
	innov := 0.6 * math.Sqrt(1-rho*rho)
	for i, s := range samples {
		cloud = rho*cloud + innov*rcl.NormFloat64() // drawn every sample, day or night, to keep the stream aligned
		if s.cosZ <= 0 {
			continue
		}
		k := kappa[s.day]
		ki := clamp(k*(1+2*(1-k)*cloud), 0.02, 1.15)
		ghi := ki * s.ghi
		kt := min(ghi/s.g0h, 1)
		var fd float64 // Erbs diffuse fraction
		switch {
		case kt <= 0.22:
			fd = 1 - 0.09*kt
		case kt <= 0.8:
			fd = 0.9511 - 0.1604*kt + 4.388*kt*kt - 16.638*kt*kt*kt + 12.336*kt*kt*kt*kt
		default:
			fd = 0.165
		}
		dhi := fd * ghi
		beam := 0.0
		if s.cosZ > 0.0872 && s.cosTheta > 0 { // above 5° elevation
			beam = (ghi - dhi) * s.cosTheta / s.cosZ
		} else {
			dhi = ghi
		}
		poa := beam + dhi*(1+cosBeta)/2 + ghi*albedo*(1-cosBeta)/2
		ta := tDay[s.day] + (2+5*k)*math.Cos(2*math.Pi*(s.solarH-15)/24)
		tc := ta + poa*(noct-20)/800
		kw := p.KWc * poa / 1000 * (1 + tempCoeff*(tc-25)) * PerformanceRatio
		base[i] = max(kw, 0) * baseStep.Hours()
	}
	return aggregate(base, start, p.Step), nil
}

// dailyTemperatures returns a daily mean ambient temperature (°C) for each day
// of a synthetic year: a seasonal cosine around a mean that falls with
// latitude, plus an AR(1) anomaly (2.5 K, day-to-day correlation 0.7).
func dailyTemperatures(seed uint64, days int, lat float64) []float64 {
	t := make([]float64, days)
	ar1(rand.New(rand.NewPCG(seed, streamTemperature)), t, 2.5, 0.7)
	mean := 13.5 - 0.45*(math.Abs(lat)-43)
	coldest := 20.0 // 20 January
	if lat < 0 {
		coldest += 182.5
	}
	for d := range t {
		t[d] += mean - 7.5*math.Cos(2*math.Pi*(float64(d+1)-coldest)/365)
	}
	return t
}
