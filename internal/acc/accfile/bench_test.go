package accfile

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The CLI benchmark of the issue: 100 consumers × 35,040 steps, CSV in and
// out, every output requested:
//
//	go test -run '^$' -bench AllocateCLI -benchtime 5x ./internal/acc/accfile
//
// Peak memory is measured in a child process (this test binary re-run with
// peakChildEnv set, see TestMain) that runs Allocate once and reports VmHWM
// from /proc/self/status: the resident high-water mark of a process doing
// only that, runtime included (idle-MB is the same child doing nothing).
// runtime.MemStats in the benchmark process would mix in the generated data
// and the earlier iterations, and miss memory outside the Go heap.

const peakChildEnv = "ACCFILE_PEAK_CHILD_ARGS"

func TestMain(m *testing.M) {
	if args := os.Getenv(peakChildEnv); args != "" {
		os.Exit(peakChild(args))
	}
	os.Exit(m.Run())
}

// peakChild runs Allocate with the JSON-encoded args and prints VmHWM.
func peakChild(encoded string) int {
	var args []string
	if err := json.Unmarshal([]byte(encoded), &args); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if len(args) > 0 { // an empty list measures the idle process
		if err := Allocate(context.Background(), args, io.Discard, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	for _, line := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			fmt.Println(strings.TrimSpace(strings.TrimPrefix(line, "VmHWM:")))
			return 0
		}
	}
	return 4
}

// child runs the child process and returns its VmHWM in bytes and the CPU
// time (user + system) it used: on a loaded machine the CPU time says what
// the wall-clock time cannot.
func child(b *testing.B, args []string) (peak float64, cpu time.Duration) {
	enc, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), peakChildEnv+"="+string(enc))
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("child: %v", err)
	}
	kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(string(out)), " kB"), 64)
	if err != nil {
		b.Fatalf("child said %q", out)
	}
	return kb * 1024, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
}

// benchOperation writes the 100-consumer year into the benchmark's
// temporary directory (functions using b.Loop run their body once).
func benchOperation(b *testing.B) *operation {
	return writeOperation(b, b.TempDir(), 100, 2025, 15*time.Minute)
}

func BenchmarkAllocateCLI(b *testing.B) {
	op := benchOperation(b)
	out := b.TempDir()
	args := []string{"--key", "default", "--production", op.production, "--consumption", op.consum,
		"--out", filepath.Join(out, "out.csv"), "--summary", filepath.Join(out, "summary.json"), "--key-file", filepath.Join(out, "key.csv")}
	b.ReportAllocs()
	for b.Loop() {
		if err := Allocate(context.Background(), args, io.Discard, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	var input int64
	for _, p := range []string{op.production, op.consum} {
		st, err := os.Stat(p)
		if err != nil {
			b.Fatal(err)
		}
		input += st.Size()
	}
	if _, err := os.Stat("/proc/self/status"); err == nil {
		peak, cpu := child(b, args)
		idle, idleCPU := child(b, nil)
		b.ReportMetric(peak/1e6, "peak-MB")
		b.ReportMetric(idle/1e6, "idle-MB")
		b.ReportMetric(float64(input)/1e6, "input-MB")
		b.ReportMetric(peak/float64(input), "peak/input")
		b.ReportMetric((cpu - idleCPU).Seconds(), "child-cpu-s")
	}
}

func benchConsumptionBytes(b *testing.B) []byte {
	data, err := os.ReadFile(benchOperation(b).consum)
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// BenchmarkReadConsumption compares the reader with encoding/csv plus
// strconv on the 100-consumer year (3.5 million values).
func BenchmarkReadConsumption(b *testing.B) {
	data := benchConsumptionBytes(b)
	b.Run("accfile", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			r, err := NewSeriesReader("c.csv", bytes.NewReader(data))
			if err != nil {
				b.Fatal(err)
			}
			for {
				ok, err := r.Next()
				if err != nil {
					b.Fatal(err)
				}
				if !ok {
					break
				}
			}
		}
	})
	b.Run("encoding_csv", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			r := csv.NewReader(bufio.NewReader(bytes.NewReader(data)))
			r.Comma = ';'
			r.ReuseRecord = true
			if _, err := r.Read(); err != nil {
				b.Fatal(err)
			}
			for {
				rec, err := r.Read()
				if err == io.EOF {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				if _, err := time.Parse(time.RFC3339, rec[0]); err != nil {
					b.Fatal(err)
				}
				for _, f := range rec[1:] {
					if _, err := strconv.ParseFloat(strings.Replace(f, ",", ".", 1), 64); err != nil {
						b.Fatal(err)
					}
				}
			}
		}
	})
}

// BenchmarkFormatKWh compares the six-decimal formatter with strconv.
func BenchmarkFormatKWh(b *testing.B) {
	values := make([]float64, 4096)
	for i := range values {
		values[i] = float64(i) * 0.0123457
	}
	buf := make([]byte, 0, 64)
	b.Run("appendKWh", func(b *testing.B) {
		for b.Loop() {
			for _, v := range values {
				buf = appendKWh(buf[:0], v)
			}
		}
	})
	b.Run("strconv", func(b *testing.B) {
		for b.Loop() {
			for _, v := range values {
				buf = strconv.AppendFloat(buf[:0], v, 'f', 6, 64)
			}
		}
	})
}
