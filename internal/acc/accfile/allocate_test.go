package accfile

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/energy"
)

// operation is a generated operation written as allocate input files.
type operation struct {
	dir                string
	production, consum string
	ids                []string
	prod               []float64 // pooled, per step
	cons               energy.Matrix
}

// writeOperation writes synthetic production (two PV plants) and
// consumption (profiles cycled) for a year at the given step, in Paris time
// with offsets, values printed with the decimal comma for half of the
// consumers so both notations go through the files.
func writeOperation(t testing.TB, dir string, consumers int, year int, step time.Duration) *operation {
	t.Helper()
	op := &operation{dir: dir, production: filepath.Join(dir, "production.csv"), consum: filepath.Join(dir, "consumption.csv")}
	var plants []energy.Series
	for i, kwc := range []float64{float64(consumers) * 1.5, float64(consumers)} {
		s, err := energy.SynthPV(energy.PVParams{Lat: 45.619, Lon: 4.672, KWc: kwc, Year: year, Step: step, Seed: uint64(100 + i)})
		if err != nil {
			t.Fatal(err)
		}
		plants = append(plants, s)
	}
	profiles := energy.LoadProfiles()
	loads := make([]energy.Series, consumers)
	for i := range loads {
		s, err := energy.SynthLoad(energy.LoadParams{Profile: profiles[i%len(profiles)], AnnualKWh: 2000 + 500*float64(i%7), Year: year, Step: step, Seed: uint64(i + 1)})
		if err != nil {
			t.Fatal(err)
		}
		loads[i] = s
		op.ids = append(op.ids, fmt.Sprintf("PRM%014d", 30000000000000+i))
	}
	steps := plants[0].Len()
	op.prod = make([]float64, steps)
	op.cons = energy.NewMatrix(consumers, steps)

	var pb, cb bytes.Buffer
	pb.WriteString("timestamp;roof;school\n")
	cb.WriteString("timestamp;" + strings.Join(op.ids, ";") + "\n")
	loc := energy.Paris()
	var stamp []byte
	for t := range steps {
		stamp = plants[0].Time(t).In(loc).AppendFormat(stamp[:0], time.RFC3339)
		pb.Write(stamp)
		for _, p := range plants {
			pb.WriteByte(';')
			pb.Write(appendKWh(nil, p.Values[t]))
			// The engine sees what the file says, to the printed decimals.
			v, _ := parseNumber(appendKWh(nil, p.Values[t]))
			op.prod[t] += v
		}
		pb.WriteByte('\n')
		cb.Write(stamp)
		for i, l := range loads {
			cb.WriteByte(';')
			txt := appendKWh(nil, l.Values[t])
			v, _ := parseNumber(txt)
			op.cons.Set(i, t, v)
			if i%2 == 1 {
				txt = bytes.Replace(txt, []byte("."), []byte(","), 1)
			}
			cb.Write(txt)
		}
		cb.WriteByte('\n')
	}
	if err := os.WriteFile(op.production, pb.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(op.consum, cb.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return op
}

// readOut reads an --out file: allocation matrix and surplus.
func readOut(t *testing.T, path string, ids []string) (energy.Matrix, []float64) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tb, err := ReadSeries(path, f)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tb.IDs, append(slices.Clone(ids), "surplus")) {
		t.Fatalf("out columns %v", tb.IDs)
	}
	n := len(ids)
	alloc := energy.NewMatrix(n, tb.Values.T)
	surplus := make([]float64, tb.Values.T)
	for s := range tb.Values.T {
		row := tb.Values.Row(s)
		copy(alloc.Row(s), row[:n])
		surplus[s] = row[n]
	}
	return alloc, surplus
}

func runAllocateCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := Allocate(context.Background(), args, &stdout, &stderr)
	return stdout.String(), err
}

// TestAllocateEndToEnd runs every key on a generated year and checks the
// output against the formulas of DOMAIN §5, the summary against the output,
// and the key file as a dynamic key against the output.
func TestAllocateEndToEnd(t *testing.T) {
	dir := t.TempDir()
	op := writeOperation(t, dir, 9, 2024, 30*time.Minute)
	n, steps := op.cons.N, op.cons.T
	r := rand.New(rand.NewPCG(9, 9))

	static := make([]float64, n)
	var sb strings.Builder
	sb.WriteString("consumer;coefficient\n")
	for i, id := range op.ids {
		static[i] = float64(1+r.IntN(20)) / 200 // percentages with one decimal, sum ≤ 100 %
		fmt.Fprintf(&sb, "%s;%.1f %%\n", id, static[i]*100)
	}
	staticFile := filepath.Join(dir, "static.csv")
	os.WriteFile(staticFile, []byte(sb.String()), 0o644)

	dyn := energy.NewMatrix(n, steps)
	var db strings.Builder
	reversed := slices.Clone(op.ids)
	slices.Reverse(reversed)
	db.WriteString("timestamp;" + strings.Join(reversed, ";") + "\n") // columns in reverse order
	f, _ := os.ReadFile(op.consum)
	stamps := strings.Split(string(f), "\n")[1:]
	for s := range steps {
		db.WriteString(strings.SplitN(stamps[s], ";", 2)[0])
		left := 1.0
		row := make([]float64, n)
		for i := range row {
			row[i] = math.Floor(left*r.Float64()*1000) / 1000
			left -= row[i]
		}
		for i := n - 1; i >= 0; i-- {
			dyn.Set(i, s, row[i])
			fmt.Fprintf(&db, ";%g", row[i])
		}
		db.WriteString("\n")
	}
	dynFile := filepath.Join(dir, "dynamic.csv")
	os.WriteFile(dynFile, []byte(db.String()), 0o644)

	ranks := make([]int, n)
	var rb strings.Builder
	for i, id := range op.ids {
		ranks[i] = 1 + i%3
		fmt.Fprintf(&rb, "%s;%d\n", id, ranks[i])
	}
	prioFile := filepath.Join(dir, "priorities.csv")
	os.WriteFile(prioFile, []byte(rb.String()), 0o644)

	cases := []struct {
		key   energy.Key
		extra []string
	}{
		{energy.Key{Kind: energy.KeyDefault}, nil},
		{energy.Key{Kind: energy.KeyStatic, Static: static}, []string{"--coefficients", staticFile}},
		{energy.Key{Kind: energy.KeyDynamic, Dynamic: dyn}, []string{"--coefficients", dynFile}},
		{energy.Key{Kind: energy.KeyPriority, Ranks: ranks}, []string{"--priorities", prioFile}},
	}
	const printed = 5.000001e-7 // half a unit in the sixth decimal
	for _, c := range cases {
		t.Run(c.key.Kind.String(), func(t *testing.T) {
			out := filepath.Join(dir, c.key.Kind.String()+"-out.csv")
			sum := filepath.Join(dir, c.key.Kind.String()+"-summary.json")
			keyFile := filepath.Join(dir, c.key.Kind.String()+"-key.csv")
			args := append([]string{"--key", c.key.Kind.String(), "--production", op.production, "--consumption", op.consum,
				"--out", out, "--summary", sum, "--key-file", keyFile}, c.extra...)
			msg, err := runAllocateCLI(t, args...)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(msg, fmt.Sprintf("%d pas", steps)) {
				t.Errorf("stdout %q", msg)
			}
			alloc, surplus := readOut(t, out, op.ids)
			if alloc.T != steps {
				t.Fatalf("%d steps out, want %d", alloc.T, steps)
			}
			for s := range steps {
				p := op.prod[s]
				c0 := op.cons.Row(s)
				ct := 0.0
				for _, v := range c0 {
					ct += v
				}
				left := p
				byRank := map[int]float64{}
				for i := range n {
					byRank[ranks[i]] += c0[i]
				}
				served := map[int]float64{}
				for rank := 1; rank <= 3; rank++ {
					served[rank] = 1
					if byRank[rank] > left {
						served[rank] = left / byRank[rank]
					}
					left = max(0, left-byRank[rank]*served[rank])
				}
				as := 0.0
				for i := range n {
					var want float64
					switch c.key.Kind {
					case energy.KeyDefault:
						if ct > 0 {
							want = c0[i] * min(1, p/ct)
						}
					case energy.KeyStatic:
						want = min(c0[i], static[i]*p)
					case energy.KeyDynamic:
						want = min(c0[i], dyn.At(i, s)*p)
					case energy.KeyPriority:
						want = c0[i] * served[ranks[i]]
					}
					got := alloc.At(i, s)
					if math.Abs(got-want) > printed {
						t.Fatalf("step %d consumer %d: %.6f, formula %.9f", s, i, got, want)
					}
					as += want
				}
				if math.Abs(surplus[s]-(p-as)) > printed*float64(n+1) {
					t.Fatalf("step %d: surplus %.6f, P − ΣA = %.9f", s, surplus[s], p-as)
				}
			}

			// The summary agrees with the output.
			raw, err := os.ReadFile(sum)
			if err != nil {
				t.Fatal(err)
			}
			var got Summary
			if err := json.Unmarshal(raw, &got); err != nil {
				t.Fatal(err)
			}
			var totP, totA, totC float64
			for s := range steps {
				totP += op.prod[s]
				for i := range n {
					totA += alloc.At(i, s)
					totC += op.cons.At(i, s)
				}
			}
			tol := printed * float64(steps*n)
			if got.Key != c.key.Kind.String() || got.Steps != steps || len(got.Consumers) != n ||
				math.Abs(got.ProductionKWh-totP) > 1e-6 || math.Abs(got.ConsumptionKWh-totC) > 1e-6 ||
				math.Abs(got.AllocatedKWh-totA) > tol || math.Abs(got.SurplusKWh-(totP-got.AllocatedKWh)) > 1e-6 ||
				math.Abs(got.SelfConsumptionRate-got.AllocatedKWh/totP) > 1e-8 || math.Abs(got.SelfProductionRate-got.AllocatedKWh/totC) > 1e-8 {
				t.Errorf("summary %+v; from the files P=%g C=%g A=%g", got, totP, totC, totA)
			}
			for i, cs := range got.Consumers {
				if cs.ID != op.ids[i] || math.Abs(cs.SelfProductionRate-cs.AllocatedKWh/cs.ConsumptionKWh) > 1e-8 {
					t.Errorf("consumer %d summary %+v", i, cs)
				}
			}

			// The key file, used as a dynamic key, reproduces the allocation
			// within the 0.1 % flooring: 0 ≤ A − A' < P/1000 (plus printing).
			again := filepath.Join(dir, c.key.Kind.String()+"-again.csv")
			if _, err := runAllocateCLI(t, "--key", "dynamic", "--production", op.production, "--consumption", op.consum,
				"--coefficients", keyFile, "--out", again); err != nil {
				t.Fatal(err)
			}
			alloc2, _ := readOut(t, again, op.ids)
			for s := range steps {
				for i := range n {
					d := alloc.At(i, s) - alloc2.At(i, s)
					if d < -2*printed || d > op.prod[s]/1000+2*printed {
						t.Fatalf("step %d consumer %d: A − A' = %g with P/1000 = %g", s, i, d, op.prod[s]/1000)
					}
				}
			}
		})
	}
}

// listDir returns the names in dir, sorted.
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// TestAllocateBadInputLeavesNothing runs allocate on broken files: the error
// names the file, line and column, and no output (nor temporary file)
// remains, even when the fault is on the last line, after every output has
// been written up to it.
func TestAllocateBadInputLeavesNothing(t *testing.T) {
	prod := "timestamp;p\n" + ts0 + ";1\n" + ts1 + ";1\n" + ts2 + ";1\n"
	cons := "timestamp;a;b\n" + ts0 + ";0.5;0.5\n" + ts1 + ";0.5;0.5\n" + ts2 + ";0.5;0.5\n"
	tests := []struct {
		name       string
		prod, cons string
		key        string
		coef       string
		want       errorCase
		file       string
	}{
		{"negative on last line", prod, strings.Replace(cons, ts2+";0.5;0.5", ts2+";0.5;-1", 1), "default", "",
			errorCase{kind: KindNegative, line: 4, column: 3, id: "b"}, "consumption.csv"},
		{"timestamps differ", prod, strings.Replace(cons, ts0, "2025-01-01T00:00:00Z", 1), "default", "",
			errorCase{kind: KindMismatch, line: 2, column: 1, id: "timestamp"}, "consumption.csv"},
		{"consumption shorter", prod, strings.TrimSuffix(cons, ts2+";0.5;0.5\n"), "default", "",
			errorCase{kind: KindRowCount}, "consumption.csv"},
		{"consumption longer", prod, cons + ts3 + ";1;1\n", "default", "",
			errorCase{kind: KindRowCount, line: 5}, "consumption.csv"},
		{"production skips", strings.Replace(prod, ts2, ts3, 1), strings.Replace(cons, ts2, ts3, 1), "default", "",
			errorCase{kind: KindIrregular, line: 4, column: 1}, "production.csv"},
		{"not a number", strings.Replace(prod, ts1+";1", ts1+";un", 1), cons, "default", "",
			errorCase{kind: KindNumber, line: 3, column: 2, id: "p"}, "production.csv"},
		{"ragged", prod, strings.Replace(cons, ";0.5;0.5\n"+ts2, ";0.5\n"+ts2, 1), "default", "",
			errorCase{kind: KindRagged, line: 3, column: 3, id: "b"}, "consumption.csv"},
		{"empty consumption", prod, "", "default", "", errorCase{kind: KindEmpty}, "consumption.csv"},
		{"consumer named surplus", prod, strings.Replace(cons, "timestamp;a;b", "timestamp;a;surplus", 1), "default", "",
			errorCase{kind: KindHeader, line: 1, column: 3, id: "surplus"}, "consumption.csv"},
		{"duplicate consumer", prod, strings.Replace(cons, "timestamp;a;b", "timestamp;a;a", 1), "default", "",
			errorCase{kind: KindDuplicateID, line: 1, column: 3, id: "a"}, "consumption.csv"},
		{"coefficient over 1", prod, cons, "static", "a;0.5\nb;1.5\n",
			errorCase{kind: KindCoefficient, line: 2, column: 2, id: "b"}, "coefficients.csv"},
		{"unknown consumer", prod, cons, "static", "a;0.5\nz;0.5\n",
			errorCase{kind: KindUnknownID, line: 2, column: 1, id: "z"}, "coefficients.csv"},
		{"missing consumer", prod, cons, "priority", "a;1\n", errorCase{kind: KindMissingID}, "coefficients.csv"},
		{"dynamic row over 100 %", prod, cons, "dynamic",
			"timestamp;a;b\n" + ts0 + ";0.5;0.5\n" + ts1 + ";0.5;0.5\n" + ts2 + ";0.6;0.5\n",
			errorCase{kind: KindCoefficient, line: 4}, "coefficients.csv"},
		{"dynamic shorter", prod, cons, "dynamic", "timestamp;a;b\n" + ts0 + ";0.5;0.5\n",
			errorCase{kind: KindRowCount}, "coefficients.csv"},
		{"dynamic time differs", prod, cons, "dynamic", "timestamp;a;b\n" + ts0 + ";0.5;0.5\n" + ts2 + ";0.5;0.5\n",
			errorCase{kind: KindMismatch, line: 3, column: 1, id: "timestamp"}, "coefficients.csv"},
		{"missing file", prod, cons, "static", "", errorCase{kind: KindRead}, "absent.csv"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			in := filepath.Join(dir, "in")
			outDir := filepath.Join(dir, "out")
			os.Mkdir(in, 0o755)
			os.Mkdir(outDir, 0o755)
			write := func(name, s string) string {
				p := filepath.Join(in, name)
				os.WriteFile(p, []byte(s), 0o644)
				return p
			}
			args := []string{"--key", tt.key, "--production", write("production.csv", tt.prod), "--consumption", write("consumption.csv", tt.cons),
				"--out", filepath.Join(outDir, "out.csv"), "--summary", filepath.Join(outDir, "s.json"), "--key-file", filepath.Join(outDir, "k.csv")}
			coef := write("coefficients.csv", tt.coef)
			if tt.file == "absent.csv" {
				coef = filepath.Join(in, "absent.csv")
			}
			switch tt.key {
			case "static", "dynamic":
				args = append(args, "--coefficients", coef)
			case "priority":
				args = append(args, "--priorities", coef)
			}
			_, err := runAllocateCLI(t, args...)
			checkError(t, err, tt.want, filepath.Join(in, tt.file))
			if left := listDir(t, outDir); len(left) != 0 {
				t.Errorf("left behind: %v", left)
			}
		})
	}
}

func TestAllocateUsage(t *testing.T) {
	dir := t.TempDir()
	prod := filepath.Join(dir, "p.csv")
	cons := filepath.Join(dir, "c.csv")
	os.WriteFile(prod, []byte("timestamp;p\n"+ts0+";1\n"), 0o644)
	os.WriteFile(cons, []byte("timestamp;a\n"+ts0+";1\n"), 0o644)
	out := filepath.Join(dir, "o.csv")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no key", []string{"--production", prod, "--consumption", cons, "--out", out}, "--key"},
		{"unknown key", []string{"--key", "pro-rata", "--production", prod, "--consumption", cons, "--out", out}, "pro-rata"},
		{"no out", []string{"--key", "default", "--production", prod, "--consumption", cons}, "--out"},
		{"static without coefficients", []string{"--key", "static", "--production", prod, "--consumption", cons, "--out", out}, "--coefficients"},
		{"coefficients with default", []string{"--key", "default", "--production", prod, "--consumption", cons, "--out", out, "--coefficients", prod}, "--coefficients"},
		{"priority without ranks", []string{"--key", "priority", "--production", prod, "--consumption", cons, "--out", out}, "--priorities"},
		{"out overwrites input", []string{"--key", "default", "--production", prod, "--consumption", cons, "--out", cons}, "--out"},
		{"two outputs, one file", []string{"--key", "default", "--production", prod, "--consumption", cons, "--out", out, "--summary", out}, "--summary"},
		{"unknown flag", []string{"--key", "default", "--color"}, "color"},
		{"positional", []string{"--key", "default", "extra"}, "extra"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := Allocate(context.Background(), tt.args, &stdout, &stderr)
			var ue *UsageError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want a usage error about %s", err, tt.want)
			}
			if !strings.Contains(stderr.String(), "--key-file") || stdout.Len() != 0 {
				t.Errorf("usage not on stderr: stdout %q", stdout.String())
			}
			if _, err := os.Stat(out); err == nil {
				t.Error("an output was written")
			}
		})
	}
	var stdout, stderr bytes.Buffer
	if err := Allocate(context.Background(), []string{"--help"}, &stdout, &stderr); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("--help: %v", err)
	}
	for _, want := range []string{"--production", "--consumption", "--coefficients", "--priorities", "--summary", "--key-file", "clé", "key"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

func TestAllocateKeepsEarlierResultOnError(t *testing.T) {
	dir := t.TempDir()
	prod := filepath.Join(dir, "p.csv")
	cons := filepath.Join(dir, "c.csv")
	out := filepath.Join(dir, "o.csv")
	os.WriteFile(prod, []byte("timestamp;p\n"+ts0+";1\n"), 0o644)
	os.WriteFile(cons, []byte("timestamp;a\n"+ts0+";x\n"), 0o644)
	os.WriteFile(out, []byte("earlier\n"), 0o644)
	if _, err := runAllocateCLI(t, "--key", "default", "--production", prod, "--consumption", cons, "--out", out); err == nil {
		t.Fatal("bad input accepted")
	}
	if b, _ := os.ReadFile(out); string(b) != "earlier\n" {
		t.Errorf("the earlier output was replaced by %q", b)
	}
	if names := listDir(t, dir); len(names) != 3 {
		t.Errorf("files left: %v", names)
	}
}

func TestAllocateCancelled(t *testing.T) {
	dir := t.TempDir()
	op := writeOperation(t, dir, 2, 2025, time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := Allocate(ctx, []string{"--key", "default", "--production", op.production, "--consumption", op.consum, "--out", filepath.Join(dir, "o.csv")}, io.Discard, io.Discard)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if names := listDir(t, dir); len(names) != 2 {
		t.Errorf("files left: %v", names)
	}
}
