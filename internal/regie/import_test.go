package regie

import (
	"strings"
	"testing"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/regie/meterfile"
)

// Importing a file stores its values; importing it again changes nothing;
// a file overlapping stored days replaces the overlap and says so; a
// malformed file is refused whole with its line, and nothing changes.
func TestImportReimportOverlapMalformed(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		u := e.user("foyer")
		m := e.meter(u, "29039")
		w := watts(1, 10*48)
		file := customerFile(t, m.PRM, jan2025, 30*time.Minute, w)
		first, err := e.svc.Import(e.ctx, u.ID, m.PRM, file, ImportOptions{Filename: "janvier.csv"})
		if err != nil {
			t.Fatal(err)
		}
		if first.Format != meterfile.FormatCustomerCurve || first.Points != 480 || first.Added != 480 || first.Replaced != 0 {
			t.Fatalf("first import: %+v", first)
		}
		if !first.From.Equal(jan2025) || !first.To.Equal(jan2025.Add(10*24*time.Hour)) {
			t.Fatalf("period %v – %v", first.From, first.To)
		}
		before := readAll(t, e, u.ID, m.PRM)

		again, err := e.svc.Import(e.ctx, u.ID, m.PRM, file, ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if again.Changed() || again.Unchanged != 480 || again.Added != 0 {
			t.Fatalf("re-import changed something: %+v", again)
		}
		if !strings.Contains(again.Summary().FR, "Rien n'a changé") {
			t.Fatalf("summary %q", again.Summary().FR)
		}
		if got := readAll(t, e, u.ID, m.PRM); !sameCurve(got, before) {
			t.Fatal("re-import altered the stored values")
		}

		// Days 6 to 12: days 6–10 overlap (other values), 11–12 are new.
		w2 := watts(2, 7*48)
		over, err := e.svc.Import(e.ctx, u.ID, m.PRM, customerFile(t, m.PRM, jan2025.Add(5*24*time.Hour), 30*time.Minute, w2), ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if over.Added != 2*48 || over.Replaced+over.Unchanged != 5*48 || over.Replaced == 0 {
			t.Fatalf("overlap: %+v", over)
		}
		d5, d10 := jan2025.Add(5*24*time.Hour), jan2025.Add(10*24*time.Hour)
		if over.ReplacedFrom.Before(d5) || !over.ReplacedFrom.Before(d5.Add(time.Hour)) || over.ReplacedTo.After(d10) || !over.ReplacedTo.After(d10.Add(-time.Hour)) {
			t.Fatalf("replaced period %v – %v", over.ReplacedFrom, over.ReplacedTo)
		}
		if !strings.Contains(over.Summary().FR, "remplacées") {
			t.Fatalf("overlap summary does not say so: %q", over.Summary().FR)
		}
		got := readAll(t, e, u.ID, m.PRM)
		if got.Len() != 12*48 {
			t.Fatalf("%d intervals", got.Len())
		}
		for i := 0; i < 12*48; i++ {
			var want int64
			if i < 5*48 {
				want = halfHourWh(w[i])
			} else {
				want = halfHourWh(w2[i-5*48])
			}
			if !got.Present[i] || got.Values[i] != want {
				t.Fatalf("interval %d: %d (present %v), want %d", i, got.Values[i], got.Present[i], want)
			}
		}

		// A malformed row deep in the file: refused whole, with its line.
		bad := strings.Replace(string(customerFile(t, m.PRM, jan2025.Add(20*24*time.Hour), 30*time.Minute, watts(3, 48))), ";1", ";x1", 1)
		_, err = e.svc.Import(e.ctx, u.ID, m.PRM, []byte(bad), ImportOptions{})
		ce, ok := errs.As(err)
		if !ok || ce.Code != errs.Invalid || len(ce.Details) == 0 || ce.Details[0].Line < 5 || !strings.Contains(ce.Message.FR, "Ligne") {
			t.Fatalf("malformed file: %v", err)
		}
		if after := readAll(t, e, u.ID, m.PRM); !sameCurve(after, got) {
			t.Fatal("a refused file changed the stored values")
		}
		ms, err := e.svc.Meters(e.ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if ms[0].Series[0].Points != 12*48 || ms[0].Series[0].Finest != StepPT30M {
			t.Fatalf("series summary %+v", ms[0].Series)
		}
		if _, err := e.svc.VerifyJournal(e.ctx); err != nil {
			t.Fatal(err)
		}
	})
}

func readAll(t *testing.T, e *env, userID int64, prm string) Curve {
	t.Helper()
	c, err := e.svc.ReadCurve(e.ctx, CurveRequest{Reader: Reader{UserID: userID, Via: "test"}, PRM: prm})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func sameCurve(a, b Curve) bool {
	if a.Len() != b.Len() || !a.Start.Equal(b.Start) || a.Step != b.Step {
		return false
	}
	for i := range a.Values {
		if a.Values[i] != b.Values[i] || a.Present[i] != b.Present[i] {
			return false
		}
	}
	return true
}

// The household reads its own curve at every step; coarser steps are exact
// sums; days follow French legal time (a 23-hour day in spring); a month
// with a gap is a gap; nothing is read for a meter of another household.
func TestOwnerReadsAtEveryStep(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		u := e.user("foyer")
		m := e.meter(u, "")
		// 1 March to 30 April 2025 at 30 minutes (spring forward on 30 March).
		start := time.Date(2025, 2, 28, 23, 0, 0, 0, time.UTC)
		end := time.Date(2025, 4, 30, 22, 0, 0, 0, time.UTC)
		n := int(end.Sub(start) / (30 * time.Minute))
		w := watts(5, n)
		w[100] = meterfile.Missing // a gap on 3 March
		if _, err := e.svc.Import(e.ctx, u.ID, m.PRM, customerFile(t, m.PRM, start, 30*time.Minute, w), ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		read := func(step Step) Curve {
			c, err := e.svc.ReadCurve(e.ctx, CurveRequest{Reader: Reader{UserID: u.ID}, PRM: m.PRM, From: start, To: end, Step: step})
			if err != nil {
				t.Fatalf("%s: %v", step, err)
			}
			return c
		}
		half := read(StepPT30M)
		hour := read(StepPT1H)
		for i := 0; i < hour.Len(); i++ {
			a, b := 2*i, 2*i+1
			want := half.Present[a] && half.Present[b]
			if hour.Present[i] != want || (want && hour.Values[i] != half.Values[a]+half.Values[b]) {
				t.Fatalf("hour %d: %d %v", i, hour.Values[i], hour.Present[i])
			}
		}
		days := read(StepP1D)
		if days.Len() != 61 {
			t.Fatalf("%d days", days.Len())
		}
		if days.Present[2] {
			t.Fatal("3 March has a gap but is present")
		}
		// 30 March lasts 23 hours: 46 half-hours.
		var sum int64
		springDay := days.At(29)
		for i := 0; i < half.Len(); i++ {
			if !half.At(i).Before(springDay) && half.At(i).Before(days.At(30)) {
				sum += half.Values[i]
			}
		}
		if days.At(30).Sub(springDay) != 23*time.Hour || !days.Present[29] || days.Values[29] != sum {
			t.Fatalf("spring day: %v long, %d vs %d", days.At(30).Sub(springDay), days.Values[29], sum)
		}
		months := read(StepP1M)
		if months.Len() != 2 || months.Present[0] || !months.Present[1] {
			t.Fatalf("months %+v %+v", months.Values, months.Present)
		}
		var april int64
		for i := 31; i < 61; i++ {
			april += days.Values[i]
		}
		if months.Values[1] != april {
			t.Fatalf("April %d, days sum %d", months.Values[1], april)
		}
		other := e.user("voisin")
		if _, err := e.svc.ReadCurve(e.ctx, CurveRequest{Reader: Reader{UserID: other.ID}, PRM: m.PRM}); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("another household read the curve: %v", err)
		}
	})
}

// halfHourWh is the energy of a half-hour at an average power of w watts,
// rounded half to even as the parser does.
func halfHourWh(w int64) int64 {
	q := w / 2
	if w%2 == 1 && q%2 == 1 {
		q++
	}
	return q
}

// A daily-energy export is stored as such: read by day and by month, never
// spread over finer steps (a finer step is refused, naming the stored one).
func TestDailyEnergyImport(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		u := e.user("foyer")
		m := e.meter(u, "")
		wh := make([]int64, 59) // January and February 2025
		for i := range wh {
			wh[i] = int64(8000 + 100*i)
		}
		wh[40] = meterfile.Missing
		var b strings.Builder
		if err := meterfile.WriteDailyEnergy(&b, m.PRM, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), wh); err != nil {
			t.Fatal(err)
		}
		res, err := e.svc.Import(e.ctx, u.ID, m.PRM, []byte(b.String()), ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Format != meterfile.FormatCustomerDaily || !res.Daily || res.Points != 58 {
			t.Fatalf("daily import: %+v", res)
		}
		feb := parisMidnight(2025, 2, 1)
		days, err := e.svc.ReadCurve(e.ctx, CurveRequest{Reader: Reader{UserID: u.ID}, PRM: m.PRM, From: jan2025, To: parisMidnight(2025, 3, 1), Step: StepP1D})
		if err != nil {
			t.Fatal(err)
		}
		if days.Len() != 59 || days.Values[0] != 8000 || days.Present[40] || days.Values[58] != 13800 {
			t.Fatalf("days: %d, first %d, 41st present %v, last %d", days.Len(), days.Values[0], days.Present[40], days.Values[58])
		}
		months, err := e.svc.ReadCurve(e.ctx, CurveRequest{Reader: Reader{UserID: u.ID}, PRM: m.PRM, From: jan2025, To: parisMidnight(2025, 3, 1), Step: StepP1M})
		if err != nil {
			t.Fatal(err)
		}
		var want int64
		for i := 0; i < 31; i++ {
			want += wh[i]
		}
		if !months.Present[0] || months.Values[0] != want || months.Present[1] || !months.At(1).Equal(feb) {
			t.Fatalf("months: %v %v", months.Values, months.Present)
		}
		_, err = e.svc.ReadCurve(e.ctx, CurveRequest{Reader: Reader{UserID: u.ID}, PRM: m.PRM, From: jan2025, To: feb, Step: StepPT30M})
		if !errs.Is(err, errs.Invalid) {
			t.Fatalf("half-hours from daily energy: %v", err)
		}
	})
}

// The secrecy settings can be made stricter, never looser than the rules.
func TestSettingsCannotGoBelowTheRules(t *testing.T) {
	cases := []struct {
		st Settings
		ok bool
	}{
		{DefaultSettings(), true},
		{Settings{MinCohort: 15, Dominance: 0.7}, true},
		{Settings{MinCohort: 9, Dominance: 0.85}, false},
		{Settings{MinCohort: 10, Dominance: 0.9}, false},
		{Settings{MinCohort: 10, Dominance: 0.2}, false},
		{Settings{}, false},
	}
	for _, c := range cases {
		err := c.st.Validate()
		if (err == nil) != c.ok {
			t.Errorf("%+v: %v", c.st, err)
		}
		if _, err := New(nil, nil, nil, nil, c.st); (err == nil) != c.ok {
			t.Errorf("New with %+v: %v", c.st, err)
		}
	}
}
