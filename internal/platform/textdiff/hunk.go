package textdiff

import (
	"fmt"
	"strings"
)

// Line is one line of a hunk. A and B are its 1-based line numbers in the old and the new text;
// A is 0 for an inserted line and B is 0 for a deleted one.
type Line struct {
	Kind Kind
	Text string
	A, B int
}

// Hunk is a group of nearby changes with their context lines, as in a unified diff.
// AStart and BStart are 1-based; when a side has no lines (ALen or BLen is 0) its start is the
// line just before the hunk, as unified diffs write it.
type Hunk struct {
	AStart, ALen int
	BStart, BLen int
	Lines        []Line
}

// Header returns the unified-diff hunk header, such as "@@ -3,7 +3,8 @@".
func (h Hunk) Header() string {
	return fmt.Sprintf("@@ -%s +%s @@", rangeString(h.AStart, h.ALen), rangeString(h.BStart, h.BLen))
}

func rangeString(start, n int) string {
	if n == 1 {
		return fmt.Sprint(start)
	}
	return fmt.Sprintf("%d,%d", start, n)
}

// Hunks groups a script into hunks, each change surrounded by up to context unchanged lines;
// changes separated by at most 2×context unchanged lines share a hunk. A script without changes
// gives no hunk. A negative context counts as 0.
func Hunks(ops []Op, context int) []Hunk {
	context = max(context, 0)
	// Flatten to numbered lines; revision bodies are small enough for this to be simplest.
	var lines []Line
	var before [][2]int // old and new lines before each line
	for _, op := range ops {
		for k, t := range op.Lines {
			l := Line{Kind: op.Kind, Text: t}
			switch op.Kind {
			case Equal:
				l.A, l.B = op.A+k+1, op.B+k+1
			case Delete:
				l.A = op.A + k + 1
			case Insert:
				l.B = op.B + k + 1
			}
			switch op.Kind {
			case Equal:
				before = append(before, [2]int{op.A + k, op.B + k})
			case Delete:
				before = append(before, [2]int{op.A + k, op.B})
			case Insert:
				before = append(before, [2]int{op.A, op.B + k})
			}
			lines = append(lines, l)
		}
	}

	var hunks []Hunk
	i := 0
	for i < len(lines) {
		// Find the next change.
		for i < len(lines) && lines[i].Kind == Equal {
			i++
		}
		if i == len(lines) {
			break
		}
		start := max(i-context, 0)
		// Extend while the next change is close enough.
		end := i
		for {
			for end < len(lines) && lines[end].Kind != Equal {
				end++
			}
			run := end
			for run < len(lines) && lines[run].Kind == Equal {
				run++
			}
			if run < len(lines) && run-end <= 2*context {
				end = run
				continue
			}
			end = min(end+context, len(lines))
			break
		}
		hunks = append(hunks, makeHunk(lines[start:end:end], before[start]))
		i = end
	}
	return hunks
}

func makeHunk(lines []Line, before [2]int) Hunk {
	h := Hunk{Lines: lines}
	for _, l := range lines {
		if l.Kind != Insert {
			h.ALen++
		}
		if l.Kind != Delete {
			h.BLen++
		}
	}
	h.AStart, h.BStart = before[0]+1, before[1]+1
	if h.ALen == 0 {
		h.AStart = before[0]
	}
	if h.BLen == 0 {
		h.BStart = before[1]
	}
	return h
}

// Unified formats the differences between two texts as a unified diff body (hunk headers and
// lines prefixed with ' ', '-' or '+'), without file headers. Identical texts give "".
func Unified(a, b string, context int) string {
	var sb strings.Builder
	for _, h := range Hunks(Diff(a, b), context) {
		sb.WriteString(h.Header())
		sb.WriteByte('\n')
		for _, l := range h.Lines {
			switch l.Kind {
			case Equal:
				sb.WriteByte(' ')
			case Insert:
				sb.WriteByte('+')
			case Delete:
				sb.WriteByte('-')
			}
			sb.WriteString(l.Text)
			sb.WriteByte('\n')
		}
	}
	return sb.String()
}
