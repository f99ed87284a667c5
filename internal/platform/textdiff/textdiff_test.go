package textdiff

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestLines(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"a", []string{"a"}},
		{"a\n", []string{"a"}},
		{"a\nb", []string{"a", "b"}},
		{"a\r\nb\r\n", []string{"a", "b"}},
		{"\n", []string{""}},
		{"a\n\nb", []string{"a", "", "b"}},
	}
	for _, tt := range tests {
		if got := Lines(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("Lines(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDiff(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want []string // ops as "kind A B lines"
	}{
		{"identical", "a\nb", "a\nb", []string{"equal 0 0 [a b]"}},
		{"both empty", "", "", nil},
		{"from empty", "", "a\nb", []string{"insert 0 0 [a b]"}},
		{"to empty", "a\nb", "", []string{"delete 0 0 [a b]"}},
		{"append", "a\nb", "a\nb\nc", []string{"equal 0 0 [a b]", "insert 2 2 [c]"}},
		{"prepend", "b\nc", "a\nb\nc", []string{"insert 0 0 [a]", "equal 0 1 [b c]"}},
		{"replace middle", "a\nb\nc", "a\nx\nc", []string{"equal 0 0 [a]", "delete 1 1 [b]", "insert 2 1 [x]", "equal 2 2 [c]"}},
		{"delete middle", "a\nb\nc", "a\nc", []string{"equal 0 0 [a]", "delete 1 1 [b]", "equal 2 1 [c]"}},
		{"all different", "a\nb", "c\nd", []string{"delete 0 0 [a b]", "insert 2 0 [c d]"}},
		{"classic", "a\nb\nc\na\nb\nb\na", "c\nb\na\nb\na\nc", nil}, // checked by length only
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ops := Diff(tt.a, tt.b)
			got, err := Apply(Lines(tt.a), ops)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, Lines(tt.b)) {
				t.Fatalf("Apply gives %q, want %q", got, Lines(tt.b))
			}
			if tt.want == nil && tt.name == "classic" {
				// Myers' paper example: the shortest script has 5 edits.
				ins, del := Stats(ops)
				if ins+del != 5 {
					t.Errorf("script has %d edits, want 5: %v", ins+del, ops)
				}
				return
			}
			var s []string
			for _, op := range ops {
				s = append(s, fmt.Sprintf("%s %d %d %v", op.Kind, op.A, op.B, op.Lines))
			}
			if !slices.Equal(s, tt.want) {
				t.Errorf("Diff = %q, want %q", s, tt.want)
			}
		})
	}
}

// lcs is the textbook O(NM) longest common subsequence length, as a reference.
func lcs(a, b []string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			switch {
			case a[i-1] == b[j-1]:
				cur[j] = prev[j-1] + 1
			case prev[j] >= cur[j-1]:
				cur[j] = prev[j]
			default:
				cur[j] = cur[j-1]
			}
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func randomLines(r *rand.Rand, n, alphabet int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = string(rune('a' + r.IntN(alphabet)))
	}
	return out
}

// mutate applies random insertions, deletions and replacements.
func mutate(r *rand.Rand, a []string, edits, alphabet int) []string {
	b := slices.Clone(a)
	for range edits {
		switch op := r.IntN(3); {
		case op == 0 || len(b) == 0:
			i := r.IntN(len(b) + 1)
			b = slices.Insert(b, i, string(rune('a'+r.IntN(alphabet))))
		case op == 1:
			i := r.IntN(len(b))
			b = slices.Delete(b, i, i+1)
		default:
			b[r.IntN(len(b))] = string(rune('a' + r.IntN(alphabet)))
		}
	}
	return b
}

// checkScript verifies that ops turn a into b and that positions are consistent.
func checkScript(t *testing.T, a, b []string, ops []Op) {
	t.Helper()
	got, err := Apply(a, ops)
	if err != nil {
		t.Fatalf("a=%q b=%q: %v", a, b, err)
	}
	if !slices.Equal(got, b) {
		t.Fatalf("a=%q b=%q: Apply gives %q", a, b, got)
	}
	for i := 1; i < len(ops); i++ {
		if ops[i].Kind == ops[i-1].Kind {
			t.Fatalf("consecutive ops of the same kind %s", ops[i].Kind)
		}
		if len(ops[i].Lines) == 0 {
			t.Fatalf("empty op")
		}
	}
}

func TestDiffProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for iter := range 3000 {
		alphabet := 2 + r.IntN(8)
		a := randomLines(r, r.IntN(40), alphabet)
		var b []string
		if iter%4 == 0 {
			b = randomLines(r, r.IntN(40), alphabet)
		} else {
			b = mutate(r, a, r.IntN(10), alphabet)
		}
		ops := DiffLines(a, b)
		checkScript(t, a, b, ops)
		ins, del := Stats(ops)
		if want := len(a) + len(b) - 2*lcs(a, b); ins+del != want {
			t.Fatalf("a=%q b=%q: %d edits, shortest is %d", a, b, ins+del, want)
		}
		if Changed(ops) != !slices.Equal(a, b) {
			t.Fatalf("Changed = %v for a=%q b=%q", Changed(ops), a, b)
		}
	}
}

func TestDiffApproximateStaysCorrect(t *testing.T) {
	// With a tiny cost limit the search gives up early and splits approximately: the script must
	// still be correct, only longer.
	r := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		alphabet := 2 + r.IntN(20)
		a := randomLines(r, r.IntN(120), alphabet)
		b := mutate(r, a, r.IntN(60), alphabet)
		if r.IntN(3) == 0 {
			b = randomLines(r, r.IntN(120), alphabet)
		}
		limit := 1 + r.IntN(4)
		checkScript(t, a, b, diffLines(a, b, limit))
	}
}

func TestDiffLargeWorstCase(t *testing.T) {
	// Two large texts with nothing in common except scattered repeated lines: the pathological
	// input for O(ND). It must finish quickly and correctly.
	n := 40000
	if testing.Short() {
		n = 5000
	}
	a := make([]string, n)
	b := make([]string, n)
	for i := range a {
		a[i] = fmt.Sprintf("a%d", i)
		b[i] = fmt.Sprintf("b%d", i)
		if i%7 == 0 {
			a[i], b[i] = "}", "}"
		}
	}
	start := time.Now()
	ops := DiffLines(a, b)
	elapsed := time.Since(start)
	checkScript(t, a, b, ops)
	if elapsed > 10*time.Second {
		t.Errorf("diff of %d lines took %v", n, elapsed)
	}
	t.Logf("%d lines: %v", n, elapsed)
}

func TestHunks(t *testing.T) {
	a := "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12"
	tests := []struct {
		name    string
		b       string
		context int
		want    string
	}{
		{"one change", "1\n2\n3\n4\nquatre\n5\n6\n7\n8\n9\n10\n11\n12", 2,
			"@@ -3,4 +3,5 @@\n 3\n 4\n+quatre\n 5\n 6\n"},
		{"two distant changes", "X\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\nY", 1,
			"@@ -1,2 +1,2 @@\n-1\n+X\n 2\n@@ -11,2 +11,2 @@\n 11\n-12\n+Y\n"},
		{"two close changes merge", "1\n2\nX\n4\n5\nY\n7\n8\n9\n10\n11\n12", 1,
			"@@ -2,6 +2,6 @@\n 2\n-3\n+X\n 4\n 5\n-6\n+Y\n 7\n"},
		{"pure insertion without context", "1\n2\nnew\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12", 0,
			"@@ -2,0 +3 @@\n+new\n"},
		{"pure deletion without context", "1\n2\n4\n5\n6\n7\n8\n9\n10\n11\n12", 0,
			"@@ -3 +2,0 @@\n-3\n"},
		{"no change", a, 3, ""},
		{"everything removed", "", 3,
			"@@ -1,12 +0,0 @@\n-1\n-2\n-3\n-4\n-5\n-6\n-7\n-8\n-9\n-10\n-11\n-12\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Unified(a, tt.b, tt.context); got != tt.want {
				t.Errorf("Unified =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestHunksProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 1000 {
		a := randomLines(r, r.IntN(60), 6)
		b := mutate(r, a, r.IntN(8), 6)
		ctx := r.IntN(4)
		hunks := Hunks(DiffLines(a, b), ctx)
		prevA, prevB := 0, 0
		for _, h := range hunks {
			na, nb := 0, 0
			for _, l := range h.Lines {
				if l.Kind != Insert {
					if l.A < 1 || l.A > len(a) || a[l.A-1] != l.Text {
						t.Fatalf("line %+v does not match old text %q", l, a)
					}
					if l.A <= prevA {
						t.Fatalf("old line numbers not increasing")
					}
					prevA = l.A
					na++
				}
				if l.Kind != Delete {
					if l.B < 1 || l.B > len(b) || b[l.B-1] != l.Text {
						t.Fatalf("line %+v does not match new text %q", l, b)
					}
					if l.B <= prevB {
						t.Fatalf("new line numbers not increasing")
					}
					prevB = l.B
					nb++
				}
			}
			if na != h.ALen || nb != h.BLen {
				t.Fatalf("hunk %s counts %d/%d lines", h.Header(), na, nb)
			}
			if first := h.Lines[0]; first.Kind != Insert && first.A != h.AStart {
				t.Fatalf("hunk %s starts at old line %d", h.Header(), first.A)
			}
			if first := h.Lines[0]; first.Kind == Equal && h.Lines[len(h.Lines)-1].Kind == Equal {
				// Context never exceeds the requested amount on either end.
				lead := 0
				for _, l := range h.Lines {
					if l.Kind != Equal {
						break
					}
					lead++
				}
				if lead > ctx {
					t.Fatalf("hunk %s has %d leading context lines, want at most %d", h.Header(), lead, ctx)
				}
			}
		}
		if (len(hunks) == 0) != slices.Equal(a, b) {
			t.Fatalf("hunks %v for a=%q b=%q", hunks, a, b)
		}
	}
}

func TestUnifiedTextExample(t *testing.T) {
	a := "# Titre\n\nUne phrase.\nUne autre.\n"
	b := "# Titre\n\nUne phrase modifiée.\nUne autre.\nUne de plus.\n"
	got := Unified(a, b, 1)
	want := "@@ -2,3 +2,4 @@\n \n-Une phrase.\n+Une phrase modifiée.\n Une autre.\n+Une de plus.\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if !strings.HasPrefix(got, "@@") {
		t.Error("no header")
	}
}

func benchTexts(n int, changeEvery int) ([]string, []string) {
	a := make([]string, n)
	for i := range a {
		a[i] = fmt.Sprintf("Ligne %d : la coopérative produit de l'énergie locale.", i)
	}
	b := slices.Clone(a)
	for i := 0; i < len(b); i += changeEvery {
		b[i] = b[i] + " (modifiée)"
	}
	return a, b
}

func BenchmarkDiff1000LinesFewChanges(b *testing.B) {
	x, y := benchTexts(1000, 50)
	b.ReportAllocs()
	for b.Loop() {
		_ = DiffLines(x, y)
	}
}

func BenchmarkDiff10000LinesManyChanges(b *testing.B) {
	x, y := benchTexts(10000, 3)
	b.ReportAllocs()
	for b.Loop() {
		_ = DiffLines(x, y)
	}
}

func BenchmarkDiff20000LinesDisjoint(b *testing.B) {
	x := make([]string, 20000)
	y := make([]string, 20000)
	for i := range x {
		x[i] = fmt.Sprintf("a%d", i)
		y[i] = fmt.Sprintf("b%d", i)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = DiffLines(x, y)
	}
}

func FuzzDiff(f *testing.F) {
	f.Add("a\nb\nc\n", "a\nx\nc\n")
	f.Add("", "x")
	f.Add("a\r\nb", "b\na\n")
	f.Fuzz(func(t *testing.T, a, b string) {
		la, lb := Lines(a), Lines(b)
		ops := DiffLines(la, lb)
		checkScript(t, la, lb, ops)
		for _, h := range Hunks(ops, 2) {
			if h.ALen+h.BLen == 0 {
				t.Fatal("empty hunk")
			}
		}
	})
}
