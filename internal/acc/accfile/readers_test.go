package accfile

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestReadSeriesAcceptsCommonVariants(t *testing.T) {
	base := "timestamp;a;b\n" +
		"2025-03-30T00:00:00+01:00;0.5;1\n" +
		"2025-03-30T00:30:00+01:00;0,25;0\n" +
		"2025-03-30T01:00:00+01:00;1e-1;2.000\n"
	variants := map[string]string{
		"plain":           base,
		"crlf and bom":    "\xef\xbb\xbf" + strings.ReplaceAll(base, "\n", "\r\n"),
		"trailing blanks": base + "\n\n;;\n",
		"no final eol":    strings.TrimSuffix(base, "\n"),
		"quoted":          strings.Replace(strings.Replace(base, "timestamp;a;b", `"timestamp";"a";"b"`, 1), "0,25", `"0,25"`, 1),
		"spaces":          strings.ReplaceAll(base, ";", " ; "),
		"other offsets": "timestamp;a;b\n" +
			"2025-03-29T23:00:00Z;0.5;1\n" +
			"2025-03-30T00:30:00+01:00;0,25;0\n" +
			"2025-03-30T00:00:00-00:00;1e-1;2.000\n",
	}
	for name, in := range variants {
		t.Run(name, func(t *testing.T) {
			tb, err := ReadSeries("in.csv", strings.NewReader(in))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(tb.IDs, []string{"a", "b"}) || tb.Step != 30*time.Minute || tb.Values.T != 3 {
				t.Fatalf("ids %v step %v rows %d", tb.IDs, tb.Step, tb.Values.T)
			}
			if !tb.Start.Equal(time.Date(2025, 3, 29, 23, 0, 0, 0, time.UTC)) {
				t.Errorf("start %v", tb.Start)
			}
			want := []float64{0.5, 1, 0.25, 0, 0.1, 2}
			if !slices.Equal(tb.Values.Data, want) {
				t.Errorf("values %v, want %v", tb.Values.Data, want)
			}
		})
	}
}

func TestSeriesReaderAcrossDST(t *testing.T) {
	// Local offsets change at 02:00 on 30 March 2025; the instants stay regular.
	in := "timestamp;a\n2025-03-30T01:30:00+01:00;1\n2025-03-30T03:00:00+02:00;2\n2025-03-30T03:30:00+02:00;3\n"
	tb, err := ReadSeries("dst.csv", strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if tb.Step != 30*time.Minute || tb.Stamps[1] != "2025-03-30T03:00:00+02:00" {
		t.Fatalf("step %v stamps %v", tb.Step, tb.Stamps)
	}
}

// errorCase is a file expected to fail with an error of the given kind at
// the given line and column.
type errorCase struct {
	name         string
	in           string
	kind         Kind
	line, column int
	id           string
}

func checkError(t *testing.T, err error, tt errorCase, file string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T), want an *Error", err, err)
	}
	if e.Kind != tt.kind || e.Line != tt.line || e.Column != tt.column || e.File != file || e.Name != tt.id {
		t.Fatalf("got kind %d line %d column %d file %q id %q (%v); want kind %d line %d column %d id %q",
			e.Kind, e.Line, e.Column, e.File, e.Name, e, tt.kind, tt.line, tt.column, tt.id)
	}
	msg := e.Error()
	if strings.Contains(msg, "\n") || !strings.Contains(msg, file) || !strings.Contains(msg, " / ") {
		t.Errorf("message %q is not one bilingual line naming the file", msg)
	}
}

const ts0, ts1, ts2, ts3 = "2025-01-01T00:00:00+01:00", "2025-01-01T00:15:00+01:00", "2025-01-01T00:30:00+01:00", "2025-01-01T00:45:00+01:00"

func TestReadSeriesErrors(t *testing.T) {
	tests := []errorCase{
		{"empty", "", KindEmpty, 0, 0, ""},
		{"only blanks", "\n \n;;\n", KindEmpty, 0, 0, ""},
		{"header only", "timestamp;a\n", KindNoRows, 0, 0, ""},
		{"no header", ts0 + ";1\n", KindHeader, 1, 1, ""},
		{"no id column", "timestamp\n" + ts0 + "\n", KindHeader, 1, 0, ""},
		{"empty id", "timestamp;a;;b\n", KindHeader, 1, 3, ""},
		{"duplicate id", "timestamp;a;b;a\n" + ts0 + ";1;2;3\n", KindDuplicateID, 1, 4, "a"},
		{"ragged short", "timestamp;a;b\n" + ts0 + ";1;2\n" + ts1 + ";1\n", KindRagged, 3, 3, "b"},
		{"ragged long", "timestamp;a;b\n" + ts0 + ";1;2;3\n", KindRagged, 2, 4, ""},
		{"quote", "timestamp;a\n" + ts0 + ";\"1\n", KindQuote, 2, 2, ""},
		{"bad timestamp", "timestamp;a\n2025-01-01 00:00;1\n", KindTimestamp, 2, 1, ""},
		{"no offset", "timestamp;a\n2025-01-01T00:00:00;1\n", KindTimestamp, 2, 1, ""},
		{"decreasing", "timestamp;a\n" + ts1 + ";1\n" + ts0 + ";1\n", KindIrregular, 3, 1, ""},
		{"duplicate time", "timestamp;a\n" + ts0 + ";1\n" + ts1 + ";1\n" + ts1 + ";1\n", KindIrregular, 4, 1, ""},
		{"skip", "timestamp;a\n" + ts0 + ";1\n" + ts1 + ";1\n" + ts3 + ";1\n", KindIrregular, 4, 1, ""},
		{"irregular", "timestamp;a\n" + ts0 + ";1\n" + ts2 + ";1\n" + "2025-01-01T00:45:00+01:00;1\n", KindIrregular, 4, 1, ""},
		{"negative", "timestamp;a;b\n" + ts0 + ";1;-0.5\n", KindNegative, 2, 3, "b"},
		{"not a number", "timestamp;a;b\n" + ts0 + ";1,2,3;0\n", KindNumber, 2, 2, "a"},
		{"missing value", "timestamp;a;b\n" + ts0 + ";;0\n", KindNumber, 2, 2, "a"},
		{"NaN", "timestamp;a\n" + ts0 + ";NaN\n", KindNumber, 2, 2, "a"},
		{"blank line inside", "timestamp;a\n" + ts0 + ";1\n\n" + ts1 + ";1\n", KindEmptyLine, 3, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadSeries("x.csv", strings.NewReader(tt.in))
			checkError(t, err, tt, "x.csv")
		})
	}
}

func TestReadStaticCoefficients(t *testing.T) {
	ids := []string{"a", "b", "c"}
	good := map[string][]float64{
		"a;0.5\nb;0,25\nc;0\n":                       {0.5, 0.25, 0},
		"consumer;coefficient\nc;10 %\nb;20%\na;0\n": {0, 0.2, 0.1},
		"\xef\xbb\xbfa;1\r\nb;0\r\nc;0\r\n\r\n":      {1, 0, 0},
		"a;33,4%\nb;33,3%\nc;33,3%\n":                {0.334, 0.333, 0.333},
	}
	for in, want := range good {
		got, err := ReadStaticCoefficients("k.csv", strings.NewReader(in), ids)
		if err != nil {
			t.Errorf("%q: %v", in, err)
			continue
		}
		for i := range want {
			if d := got[i] - want[i]; d > 1e-15 || d < -1e-15 {
				t.Errorf("%q: %v, want %v", in, got, want)
				break
			}
		}
	}
	bad := []errorCase{
		{"empty", "", KindEmpty, 0, 0, ""},
		{"header only", "consumer;coefficient\n", KindNoRows, 0, 0, ""},
		{"over one", "a;1.5\nb;0\nc;0\n", KindCoefficient, 1, 2, "a"},
		{"over 100 %", "a;0\nb;101 %\nc;0\n", KindCoefficient, 2, 2, "b"},
		{"negative", "a;0\nb;0\nc;-0.1\n", KindNegative, 3, 2, "c"},
		{"sum over one", "a;0.5\nb;0.4\nc;0.2\n", KindCoefficient, 0, 0, ""},
		{"unknown", "a;0\nz;0\n", KindUnknownID, 2, 1, "z"},
		{"duplicate", "a;0\nb;0\na;0\n", KindDuplicateID, 3, 1, "a"},
		{"missing", "a;0\nb;0\n", KindMissingID, 0, 0, ""},
		{"ragged", "a;0\nb;0;1\nc;0\n", KindRagged, 2, 3, ""},
		{"not a number", "a;0\nb;x\nc;0\n", KindNumber, 2, 2, "b"},
		{"blank inside", "a;0\n\nb;0\nc;0\n", KindEmptyLine, 2, 0, ""},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadStaticCoefficients("k.csv", strings.NewReader(tt.in), ids)
			checkError(t, err, tt, "k.csv")
		})
	}
}

func TestReadPriorities(t *testing.T) {
	ids := []string{"a", "b"}
	got, err := ReadPriorities("p.csv", strings.NewReader("consumer;rank\nb;1\na;3\n"), ids)
	if err != nil || !slices.Equal(got, []int{3, 1}) {
		t.Fatalf("%v %v", got, err)
	}
	bad := []errorCase{
		{"zero", "a;0\nb;1\n", KindRank, 1, 2, "a"},
		{"fraction", "a;1\nb;1.5\n", KindRank, 2, 2, "b"},
		{"negative", "a;1\nb;-1\n", KindRank, 2, 2, "b"},
		{"missing", "consumer;rank\na;1\n", KindMissingID, 0, 0, ""},
		{"unknown", "a;1\nb;1\nc;1\n", KindUnknownID, 3, 1, "c"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadPriorities("p.csv", strings.NewReader(tt.in), ids)
			checkError(t, err, tt, "p.csv")
		})
	}
}

func readAllCoefficients(t *testing.T, in string, ids []string) ([][]float64, []time.Time, error) {
	t.Helper()
	c, err := NewCoefficientReader("d.csv", strings.NewReader(in), ids)
	if err != nil {
		return nil, nil, err
	}
	var rows [][]float64
	var times []time.Time
	for {
		ok, err := c.Next()
		if err != nil {
			return rows, times, err
		}
		if !ok {
			return rows, times, nil
		}
		rows = append(rows, slices.Clone(c.Values()))
		times = append(times, c.Time())
	}
}

func TestCoefficientReader(t *testing.T) {
	ids := []string{"a", "b"}
	rows, times, err := readAllCoefficients(t, "timestamp;b;a\n"+ts0+";0.25;50%\n"+ts1+";0;1\n", ids)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rows[0], []float64{0.5, 0.25}) || !slices.Equal(rows[1], []float64{1, 0}) || times[1].Sub(times[0]) != 15*time.Minute {
		t.Fatalf("rows %v times %v", rows, times)
	}
	// The grid operator's layout across the autumn clock change: 02:00 to
	// 02:45 appear twice and map to consecutive instants.
	var b strings.Builder
	b.WriteString("Horodate;a;b\n")
	for _, hm := range []string{"01:30", "01:45", "02:00", "02:15", "02:30", "02:45", "02:00", "02:15", "02:30", "02:45", "03:00"} {
		b.WriteString("27/10/2024 " + hm + ";33,3;66,6\n")
	}
	rows, times, err = readAllCoefficients(t, b.String(), ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(times) != 11 || times[10].Sub(times[0]) != 10*15*time.Minute || rows[3][0] != 0.333 || rows[3][1] != 0.666 {
		t.Fatalf("%d rows from %v to %v, %v", len(times), times[0], times[len(times)-1], rows[3])
	}
	bad := []errorCase{
		{"unknown column", "timestamp;a;z\n", KindUnknownID, 1, 3, "z"},
		{"missing column", "timestamp;a\n", KindMissingID, 1, 0, ""},
		{"over one", "timestamp;a;b\n" + ts0 + ";0.5;1.2\n", KindCoefficient, 2, 3, "b"},
		{"row over one", "timestamp;a;b\n" + ts0 + ";0.5;0.5\n" + ts1 + ";60%;50%\n", KindCoefficient, 3, 0, ""},
		{"horodate over 100", "Horodate;a;b\n01/01/2025 00:00;100,1;0\n", KindCoefficient, 2, 2, "a"},
		{"skipped local time", "Horodate;a;b\n31/03/2024 01:45;0;0\n31/03/2024 02:00;0;0\n", KindTimestamp, 3, 1, ""},
		{"wrong header", "date;a;b\n", KindHeader, 1, 1, ""},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := readAllCoefficients(t, tt.in, ids)
			checkError(t, err, tt, "d.csv")
		})
	}
}
