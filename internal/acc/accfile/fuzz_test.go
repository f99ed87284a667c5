package accfile

import (
	"bytes"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/energy"
)

// Seed corpora live in testdata/fuzz/FuzzXxx. Run one fuzzer with, e.g.:
//
//	go test -run '^$' -fuzz FuzzReadSeries -fuzztime 60s ./internal/acc/accfile

// checkInputError verifies that a reader failure is a well-formed *Error.
func checkInputError(t *testing.T, err error, file string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *Error", err, err)
	}
	if e.File != file || e.Kind == 0 || e.Line < 0 || e.Column < 0 || e.Fr == "" || e.En == "" {
		t.Fatalf("malformed error %#v", e)
	}
	if strings.ContainsAny(e.Error(), "\n\r") {
		t.Fatalf("message spans lines: %q", e.Error())
	}
}

func FuzzReadSeries(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		tb, err := ReadSeries("f.csv", bytes.NewReader(data))
		if err != nil {
			checkInputError(t, err, "f.csv")
			return
		}
		if len(tb.IDs) == 0 || tb.Values.N != len(tb.IDs) || tb.Values.T != len(tb.Stamps) || tb.Values.T == 0 ||
			len(tb.Values.Data) != tb.Values.N*tb.Values.T || (tb.Values.T > 1) != (tb.Step > 0) {
			t.Fatalf("inconsistent table: %d ids, %d×%d, %d stamps, step %v", len(tb.IDs), tb.Values.N, tb.Values.T, len(tb.Stamps), tb.Step)
		}
		for _, v := range tb.Values.Data {
			if !(v >= 0) || math.IsInf(v, 0) || math.Signbit(v) {
				t.Fatalf("value %v accepted", v)
			}
		}
		// Writing the table back and reading it again keeps ids, times and
		// values (to the six printed decimals).
		var b bytes.Buffer
		w, err := NewTableWriter(&b, "timestamp", tb.IDs)
		if err != nil {
			t.Fatal(err)
		}
		for s := range tb.Values.T {
			if err := w.Row([]byte(tb.Stamps[s]), tb.Values.Row(s)); err != nil {
				t.Fatal(err)
			}
		}
		w.Flush()
		again, err := ReadSeries("g.csv", &b)
		if err != nil {
			t.Fatalf("rereading %q: %v", b.String(), err)
		}
		if strings.Join(again.IDs, "\x00") != strings.Join(tb.IDs, "\x00") || !again.Start.Equal(tb.Start) || again.Step != tb.Step || again.Values.T != tb.Values.T {
			t.Fatalf("round trip changed the table: %q", b.String())
		}
		for i, v := range again.Values.Data {
			if w := tb.Values.Data[i]; math.Abs(v-w) > 5e-7*math.Max(1, w) {
				t.Fatalf("value %v came back as %v", w, v)
			}
		}
	})
}

func FuzzStaticCoefficients(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := ReadStaticCoefficients("k.csv", bytes.NewReader(data), []string{"a", "b", "c"})
		if err != nil {
			checkInputError(t, err, "k.csv")
			return
		}
		if len(k) != 3 {
			t.Fatalf("%d coefficients", len(k))
		}
		if err := energy.CheckCoefficients(k); err != nil {
			t.Fatalf("accepted %v: %v", k, err)
		}
	})
}

func FuzzPriorities(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ReadPriorities("p.csv", bytes.NewReader(data), []string{"a", "b"})
		if err != nil {
			checkInputError(t, err, "p.csv")
			return
		}
		if len(r) != 2 || r[0] < 1 || r[1] < 1 {
			t.Fatalf("ranks %v", r)
		}
	})
}

func FuzzCoefficientReader(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := NewCoefficientReader("d.csv", bytes.NewReader(data), []string{"a", "b"})
		if err != nil {
			checkInputError(t, err, "d.csv")
			return
		}
		var prev time.Time
		for rows := 0; ; rows++ {
			ok, err := c.Next()
			if err != nil {
				checkInputError(t, err, "d.csv")
				return
			}
			if !ok {
				return
			}
			if err := energy.CheckCoefficients(c.Values()); err != nil {
				t.Fatalf("row %v accepted: %v", c.Values(), err)
			}
			if rows > 0 && !c.Time().After(prev) {
				t.Fatalf("time %v after %v", c.Time(), prev)
			}
			prev = c.Time()
		}
	})
}

func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"0", "1,5", "-2.25e-3", ".5", "123456789012345678", "1e400", "0x1p3", "NaN", "1_0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, ok := parseNumber([]byte(s))
		if !ok {
			return
		}
		// Whatever the grammar accepts, strconv reads the same number.
		want, err := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			t.Fatalf("parseNumber(%q) = %v but strconv fails: %v", s, v, err)
		}
		if v != want+0 {
			t.Fatalf("parseNumber(%q) = %v, strconv %v", s, v, want)
		}
	})
}

func FuzzParseTimestamp(f *testing.F) {
	for _, s := range []string{"2025-01-01T00:00:00+01:00", "2024-02-29T23:59:59.5Z", "2025-03-30 02:00:00+0100", "2025-13-01T00:00:00Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseTimestamp([]byte(s))
		strict := len(s) >= 20 && s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':' && s[16] == ':'
		if want, err := time.Parse(time.RFC3339Nano, s); err == nil && strict {
			// RFC 3339 input (two-digit fields, which time.Parse does not
			// insist on) must be read as the standard library reads it.
			if !ok || got != want.UnixNano() {
				t.Fatalf("parseTimestamp(%q) = %v, %v; time.Parse %v", s, time.Unix(0, got).UTC(), ok, want.UTC())
			}
		}
		if ok {
			// What we accept formats back to the same instant.
			back := time.Unix(0, got).UTC().Format(time.RFC3339Nano)
			if again, ok2 := parseTimestamp([]byte(back)); !ok2 || again != got {
				t.Fatalf("%q → %s → %v, %v", s, back, again, ok2)
			}
		}
	})
}
