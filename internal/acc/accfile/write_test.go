package accfile

import (
	"bytes"
	"context"
	"flag"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

func TestAppendKWh(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	for range 200000 {
		v := r.Float64() * math.Pow(10, float64(r.IntN(11)-4))
		got := string(appendKWh(nil, v))
		want := strconv.FormatFloat(v, 'f', 6, 64)
		if got == want {
			continue
		}
		// They may differ only by one unit in the sixth decimal, when v·10^6
		// is within rounding of a half.
		g, _ := strconv.ParseFloat(got, 64)
		w, _ := strconv.ParseFloat(want, 64)
		x := v * 1e6
		ulp := math.Nextafter(x, math.Inf(1)) - x
		if math.Abs(g-w) > 1e-6+4*(math.Nextafter(w, math.Inf(1))-w) || math.Abs(x-math.Floor(x)-0.5) > ulp {
			t.Fatalf("appendKWh(%v) = %s, strconv %s", v, got, want)
		}
	}
	for _, v := range []float64{0, 2.5, 1e10, 123456789012.5, 0.0000004999, 8999999999.999999} {
		if got, want := string(appendKWh(nil, v)), strconv.FormatFloat(v, 'f', 6, 64); got != want {
			t.Errorf("appendKWh(%v) = %s, want %s", v, got, want)
		}
	}
}

func TestAppendField(t *testing.T) {
	for in, want := range map[string]string{"PRM 1": "PRM 1", "a;b": `"a;b"`, `say "x"`: `"say ""x"""`, " pad": `" pad"`} {
		if got := string(appendField(nil, in)); got != want {
			t.Errorf("appendField(%q) = %s, want %s", in, got, want)
		}
	}
}

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to create it)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// goldenInputs is a small operation across the autumn clock change of 2024
// (half hours from 00:30 to 03:30 Paris time, with 02:00–02:59 twice), with
// two producers, three consumers (one id quoted because it holds a ';').
const goldenProduction = "timestamp;roof;field\n" +
	"2024-10-27T00:30:00+02:00;0.2;0.1\n" +
	"2024-10-27T01:00:00+02:00;0.3;0.2\n" +
	"2024-10-27T01:30:00+02:00;0;0\n" +
	"2024-10-27T02:00:00+02:00;0.5;0.5\n" +
	"2024-10-27T02:30:00+02:00;0,4;0,4\n" +
	"2024-10-27T02:00:00+01:00;1;0.2\n" +
	"2024-10-27T02:30:00+01:00;0.05;0.05\n" +
	"2024-10-27T03:00:00+01:00;2;0\n"

const goldenConsumption = "timestamp;PRM 1;\"b;2\";c\n" +
	"2024-10-27T00:30:00+02:00;0.4;0.8;0\n" +
	"2024-10-27T01:00:00+02:00;0.1;0.1;0.1\n" +
	"2024-10-27T01:30:00+02:00;0.3;0.3;0.3\n" +
	"2024-10-27T02:00:00+02:00;0.2;0.5;0.6\n" +
	"2024-10-27T02:30:00+02:00;1;1;1\n" +
	"2024-10-27T02:00:00+01:00;0;0;0\n" +
	"2024-10-27T02:30:00+01:00;0.125;0.125;0.25\n" +
	"2024-10-27T03:00:00+01:00;0.7;0.6;0.5\n"

func TestGoldenOutputs(t *testing.T) {
	keys := []struct {
		key, flag, file string
	}{
		{"default", "", ""},
		{"static", "--coefficients", "PRM 1;50 %\n\"b;2\";0,3\nc;0.2\n"},
		{"dynamic", "--coefficients", "timestamp;c;\"b;2\";PRM 1\n" +
			"2024-10-27T00:30:00+02:00;0;0.5;0.5\n" +
			"2024-10-27T01:00:00+02:00;0.2;0.2;0.2\n" +
			"2024-10-27T01:30:00+02:00;1;0;0\n" +
			"2024-10-27T02:00:00+02:00;30%;30%;40%\n" +
			"2024-10-27T02:30:00+02:00;0.1;0.1;0.1\n" +
			"2024-10-27T02:00:00+01:00;0;0;0\n" +
			"2024-10-27T02:30:00+01:00;0.5;0.25;0.25\n" +
			"2024-10-27T03:00:00+01:00;0.333;0.333;0.334\n"},
		{"priority", "--priorities", "consumer;rank\nc;1\nPRM 1;2\n\"b;2\";2\n"},
	}
	for _, k := range keys {
		t.Run(k.key, func(t *testing.T) {
			dir := t.TempDir()
			write := func(name, content string) string {
				p := filepath.Join(dir, name)
				if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
				return p
			}
			args := []string{"--key", k.key,
				"--production", write("production.csv", goldenProduction),
				"--consumption", write("consumption.csv", goldenConsumption),
				"--out", filepath.Join(dir, "out.csv"),
				"--summary", filepath.Join(dir, "summary.json"),
				"--key-file", filepath.Join(dir, "key.csv")}
			if k.flag != "" {
				args = append(args, k.flag, write("key-input.csv", k.file))
			}
			var stdout, stderr bytes.Buffer
			if err := Allocate(context.Background(), args, &stdout, &stderr); err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{"out.csv", "summary.json", "key.csv"} {
				got, err := os.ReadFile(filepath.Join(dir, f))
				if err != nil {
					t.Fatal(err)
				}
				golden(t, k.key+"-"+f, got)
			}
		})
	}
}

func TestGoldenSynthRows(t *testing.T) {
	var b bytes.Buffer
	tw, err := NewTableWriter(&b, "timestamp", []string{"pv"})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2024, 10, 27, 0, 0, 0, 0, time.UTC)
	for i, v := range []float64{0, 0.1234564, 0.1234565, 12.5, 1e10} {
		if err := tw.TimeRow(start.Add(time.Duration(i)*30*time.Minute), []float64{v}); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Flush(); err != nil {
		t.Fatal(err)
	}
	golden(t, "synth-rows.csv", b.Bytes())
}
