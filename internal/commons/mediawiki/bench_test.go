package mediawiki

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

const benchRevisionsPerPage = 20

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// generateFile writes an export of about target bytes to dir and returns its path and size.
func generateFile(tb testing.TB, dir string, target int64) (string, int64) {
	tb.Helper()
	var sample countingWriter
	if err := WriteExport(&sample, 50, benchRevisionsPerPage, 7); err != nil {
		tb.Fatal(err)
	}
	pages := int(target * 50 / sample.n)
	path := filepath.Join(dir, fmt.Sprintf("export-%d.xml", target))
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	if err := WriteExport(f, pages, benchRevisionsPerPage, 7); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		tb.Fatal(err)
	}
	return path, st.Size()
}

// importStats is what streaming a whole export measured.
type importStats struct {
	revisions int
	bytes     int64 // wikitext bytes
	peakHeap  uint64
}

// streamFile reads every revision of an export and, when convert is set, converts its text, as
// the import does before writing to the database. It samples the heap every sample revisions.
func streamFile(tb testing.TB, r io.Reader, convert bool, sample int) importStats {
	tb.Helper()
	var st importStats
	var ms runtime.MemStats
	rd, err := NewReader(r)
	if err != nil {
		tb.Fatal(err)
	}
	opts := Options{Namespaces: rd.SiteInfo().Namespaces}
	for {
		_, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			tb.Fatal(err)
		}
		for {
			rev, err := rd.NextRevision()
			if err == io.EOF {
				break
			}
			if err != nil {
				tb.Fatal(err)
			}
			st.revisions++
			st.bytes += int64(len(rev.Text))
			if convert {
				_ = ToMarkdown(rev.Text, opts)
			}
			if sample > 0 && st.revisions%sample == 0 {
				runtime.ReadMemStats(&ms)
				st.peakHeap = max(st.peakHeap, ms.HeapAlloc)
			}
		}
	}
	return st
}

func benchmarkStream(b *testing.B, convert bool) {
	var buf bytes.Buffer
	if err := WriteExport(&buf, 150, benchRevisionsPerPage, 3); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var revisions int
	start := time.Now()
	for b.Loop() {
		revisions += streamFile(b, bytes.NewReader(data), convert, 0).revisions
	}
	b.ReportMetric(float64(revisions)/time.Since(start).Seconds(), "revisions/s")
}

// BenchmarkRead measures the XML reader alone.
func BenchmarkRead(b *testing.B) { benchmarkStream(b, false) }

// BenchmarkReadAndConvert measures the pure part of an import: reading and converting.
func BenchmarkReadAndConvert(b *testing.B) { benchmarkStream(b, true) }

func BenchmarkToMarkdown(b *testing.B) {
	// A late revision of a generated page: several sections, lists, a table, templates, notes.
	var buf bytes.Buffer
	_ = WriteExport(&buf, 3, 30, 11)
	rd, _ := NewReader(&buf)
	var text string
	for {
		if _, err := rd.Next(); err != nil {
			break
		}
		for {
			rev, err := rd.NextRevision()
			if err != nil {
				break
			}
			if len(rev.Text) > len(text) {
				text = rev.Text
			}
		}
	}
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		_ = ToMarkdown(text, Options{})
	}
}

// BenchmarkPeakHeap streams generated exports of two sizes from disk, converting every revision,
// and reports the largest live heap seen: it should not grow with the file. Run with
// -benchtime=1x; the 100 MB file takes a while to generate.
func BenchmarkPeakHeap(b *testing.B) {
	for _, size := range []int64{10 << 20, 100 << 20} {
		b.Run(fmt.Sprintf("%dMB", size>>20), func(b *testing.B) {
			path, n := generateFile(b, b.TempDir(), size)
			b.SetBytes(n)
			b.ResetTimer()
			var st importStats
			start := time.Now()
			for b.Loop() {
				f, err := os.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				runtime.GC()
				st = streamFile(b, bufio.NewReader(f), true, 25)
				f.Close()
			}
			b.ReportMetric(float64(st.peakHeap)/(1<<20), "peak-heap-MB")
			b.ReportMetric(float64(n)/(1<<20), "file-MB")
			b.ReportMetric(float64(st.revisions*b.N)/time.Since(start).Seconds(), "revisions/s")
		})
	}
}

func TestMemoryIndependentOfFileSize(t *testing.T) {
	if testing.Short() {
		t.Skip("generates two exports of several megabytes")
	}
	dir := t.TempDir()
	peak := func(size int64) (uint64, int) {
		path, _ := generateFile(t, dir, size)
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		runtime.GC()
		st := streamFile(t, f, true, 10)
		return st.peakHeap, st.revisions
	}
	small, nSmall := peak(3 << 20)
	large, nLarge := peak(24 << 20)
	t.Logf("peak heap: %.1f MB for %d revisions, %.1f MB for %d revisions",
		float64(small)/(1<<20), nSmall, float64(large)/(1<<20), nLarge)
	if nLarge < 6*nSmall {
		t.Fatalf("the large export has only %d revisions against %d", nLarge, nSmall)
	}
	// Eight times the data must not need noticeably more memory.
	if large > small*3/2+(4<<20) {
		t.Errorf("peak heap grows with the file: %d bytes for %d revisions, %d for %d", small, nSmall, large, nLarge)
	}
}
