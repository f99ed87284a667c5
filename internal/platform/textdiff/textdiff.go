// Package textdiff computes line differences between two texts, for comparing revisions.
//
// The algorithm is Myers' O(ND) difference algorithm in its linear-space form (divide and conquer
// on the "middle snake"), after the common prefix and suffix are removed. When the two texts are
// very different the search for a minimal script is cut short once its cost passes a bound that
// grows with the input size, and the best partial path found so far is used as the split point:
// the result is then still a correct script (applying it to A gives B) but may not be the shortest.
// This keeps the worst case close to O((N+M)·√(N+M)) instead of O((N+M)²).
package textdiff

import (
	"fmt"
	"strings"
)

// Kind says what an operation does to its lines.
type Kind int8

const (
	// Equal lines are in both texts.
	Equal Kind = iota
	// Insert lines are only in the new text (B).
	Insert
	// Delete lines are only in the old text (A).
	Delete
)

func (k Kind) String() string {
	switch k {
	case Equal:
		return "equal"
	case Insert:
		return "insert"
	case Delete:
		return "delete"
	}
	return fmt.Sprintf("Kind(%d)", int8(k))
}

// Op is a run of consecutive lines of one kind.
//
// A and B are the 0-based indexes, in the old and the new text, of the place where the run starts:
// for Equal both point at the run; for Delete, A is the first deleted line and B the position in the
// new text where the lines used to be; for Insert, B is the first inserted line and A the position
// in the old text before which the lines are inserted.
type Op struct {
	Kind  Kind
	A, B  int
	Lines []string
}

// Lines splits a text into lines. "\r\n" counts as "\n"; a final line break does not start an
// empty line, so "a\nb" and "a\nb\n" both give two lines; "" gives none.
func Lines(s string) []string {
	if s == "" {
		return nil
	}
	if strings.Contains(s, "\r") {
		s = strings.ReplaceAll(s, "\r\n", "\n")
	}
	s = strings.TrimSuffix(s, "\n")
	return strings.Split(s, "\n")
}

// Diff compares two texts line by line (see Lines for how they are split).
func Diff(a, b string) []Op {
	return DiffLines(Lines(a), Lines(b))
}

// DiffLines compares two slices of lines and returns the runs that turn a into b, in order.
// Within a change, deletions come before insertions.
func DiffLines(a, b []string) []Op {
	return diffLines(a, b, costLimit(len(a)+len(b)))
}

func diffLines(a, b []string, limit int) []Op {
	ids := make(map[string]int32, len(a)+len(b))
	ai := intern(a, ids)
	bi := intern(b, ids)

	d := &differ{a: ai, b: bi, delA: make([]bool, len(a)), insB: make([]bool, len(b))}
	d.limit = limit
	d.compare(0, len(a), 0, len(b))
	return d.ops(a, b)
}

func intern(lines []string, ids map[string]int32) []int32 {
	out := make([]int32, len(lines))
	for i, l := range lines {
		id, ok := ids[l]
		if !ok {
			id = int32(len(ids))
			ids[l] = id
		}
		out[i] = id
	}
	return out
}

// costLimit bounds the edit cost explored by one middle-snake search before settling for an
// approximate split. Below it, results are minimal.
func costLimit(n int) int {
	limit := 1
	for limit*limit < n {
		limit <<= 1
	}
	return max(limit, 1024)
}

type differ struct {
	a, b  []int32
	delA  []bool
	insB  []bool
	fd    []int // furthest x per diagonal, forward search
	bd    []int // smallest x per diagonal, backward search
	limit int
}

// compare marks the lines of a[xoff:xlim] and b[yoff:ylim] that are not part of a common
// subsequence.
func (d *differ) compare(xoff, xlim, yoff, ylim int) {
	for {
		// Common prefix and suffix are never part of the script.
		for xoff < xlim && yoff < ylim && d.a[xoff] == d.b[yoff] {
			xoff++
			yoff++
		}
		for xoff < xlim && yoff < ylim && d.a[xlim-1] == d.b[ylim-1] {
			xlim--
			ylim--
		}
		switch {
		case xoff == xlim:
			for y := yoff; y < ylim; y++ {
				d.insB[y] = true
			}
			return
		case yoff == ylim:
			for x := xoff; x < xlim; x++ {
				d.delA[x] = true
			}
			return
		}
		x, y := d.split(xoff, xlim, yoff, ylim)
		if (x == xoff && y == yoff) || (x == xlim && y == ylim) {
			// Cannot happen with a correct split; stay safe rather than loop.
			for i := xoff; i < xlim; i++ {
				d.delA[i] = true
			}
			for i := yoff; i < ylim; i++ {
				d.insB[i] = true
			}
			return
		}
		// Recurse on the smaller half, loop on the larger to bound the stack depth.
		if (x-xoff)+(y-yoff) < (xlim-x)+(ylim-y) {
			d.compare(xoff, x, yoff, y)
			xoff, yoff = x, y
		} else {
			d.compare(x, xlim, y, ylim)
			xlim, ylim = x, y
		}
	}
}

// split finds a point (x, y) on a shortest edit path from (xoff, yoff) to (xlim, ylim), searching
// from both ends at once. Diagonal k holds the points with x - y == k. If the cost passes the limit
// it returns the point furthest along among those reached so far.
func (d *differ) split(xoff, xlim, yoff, ylim int) (int, int) {
	dmin, dmax := xoff-ylim, xlim-yoff // diagonals of the rectangle
	fmid, bmid := xoff-yoff, xlim-ylim // start diagonals of the two searches
	odd := (fmid-bmid)&1 != 0
	size := (xlim - xoff) + (ylim - yoff) + 3
	if cap(d.fd) < size {
		d.fd = make([]int, size)
		d.bd = make([]int, size)
	}
	off := -dmin + 1 // index of diagonal k is k+off
	fd, bd := d.fd[:size], d.bd[:size]
	const inf = int(^uint(0) >> 1)

	fmin, fmax, bmin, bmax := fmid, fmid, bmid, bmid
	fd[fmid+off] = xoff
	bd[bmid+off] = xlim

	for c := 1; ; c++ {
		// One more step forward.
		if fmin > dmin {
			fmin--
			fd[fmin-1+off] = -1
		} else {
			fmin++
		}
		if fmax < dmax {
			fmax++
			fd[fmax+1+off] = -1
		} else {
			fmax--
		}
		for k := fmax; k >= fmin; k -= 2 {
			lo, hi := fd[k-1+off], fd[k+1+off]
			x := lo + 1
			if lo < hi {
				x = hi
			}
			y := x - k
			for x < xlim && y < ylim && d.a[x] == d.b[y] {
				x++
				y++
			}
			fd[k+off] = x
			if odd && bmin <= k && k <= bmax && bd[k+off] <= x {
				return x, y
			}
		}
		// One more step backward.
		if bmin > dmin {
			bmin--
			bd[bmin-1+off] = inf
		} else {
			bmin++
		}
		if bmax < dmax {
			bmax++
			bd[bmax+1+off] = inf
		} else {
			bmax--
		}
		for k := bmax; k >= bmin; k -= 2 {
			lo, hi := bd[k-1+off], bd[k+1+off]
			x := hi - 1
			if lo < hi {
				x = lo
			}
			y := x - k
			for x > xoff && y > yoff && d.a[x-1] == d.b[y-1] {
				x--
				y--
			}
			bd[k+off] = x
			if !odd && fmin <= k && k <= fmax && x <= fd[k+off] {
				return x, y
			}
		}

		if c < d.limit {
			continue
		}
		// Too expensive: take the forward or backward point that went furthest.
		fbest, fxbest := -1, 0
		for k := fmax; k >= fmin; k -= 2 {
			x := min(fd[k+off], xlim)
			y := x - k
			if y > ylim {
				x, y = ylim+k, ylim
			}
			if x+y > fbest {
				fbest, fxbest = x+y, x
			}
		}
		bbest, bxbest := inf, 0
		for k := bmax; k >= bmin; k -= 2 {
			x := max(xoff, bd[k+off])
			y := x - k
			if y < yoff {
				x, y = yoff+k, yoff
			}
			if x+y < bbest {
				bbest, bxbest = x+y, x
			}
		}
		if (xlim+ylim)-bbest < fbest-(xoff+yoff) {
			return fxbest, fbest - fxbest
		}
		return bxbest, bbest - bxbest
	}
}

// ops turns the change marks into runs.
func (d *differ) ops(a, b []string) []Op {
	var out []Op
	add := func(k Kind, ai, bi int, line string) {
		if n := len(out); n > 0 && out[n-1].Kind == k {
			out[n-1].Lines = append(out[n-1].Lines, line)
			return
		}
		out = append(out, Op{Kind: k, A: ai, B: bi, Lines: []string{line}})
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && d.delA[i]:
			add(Delete, i, j, a[i])
			i++
		case j < len(b) && d.insB[j]:
			add(Insert, i, j, b[j])
			j++
		default:
			add(Equal, i, j, a[i])
			i++
			j++
		}
	}
	return out
}

// Apply rebuilds the new text's lines from the old text's lines and a script, checking that every
// equal and deleted line matches the old text.
func Apply(a []string, ops []Op) ([]string, error) {
	var out []string
	i := 0
	for n, op := range ops {
		if op.A != i {
			return nil, fmt.Errorf("op %d (%s) starts at old line %d, expected %d", n, op.Kind, op.A, i)
		}
		if op.B != len(out) {
			return nil, fmt.Errorf("op %d (%s) starts at new line %d, expected %d", n, op.Kind, op.B, len(out))
		}
		switch op.Kind {
		case Equal, Delete:
			for k, l := range op.Lines {
				if i >= len(a) || a[i] != l {
					return nil, fmt.Errorf("op %d (%s), line %d: old text does not match", n, op.Kind, k)
				}
				i++
				if op.Kind == Equal {
					out = append(out, l)
				}
			}
		case Insert:
			out = append(out, op.Lines...)
		default:
			return nil, fmt.Errorf("op %d: unknown kind %d", n, op.Kind)
		}
	}
	if i != len(a) {
		return nil, fmt.Errorf("script covers %d of %d old lines", i, len(a))
	}
	return out, nil
}

// Stats counts inserted and deleted lines.
func Stats(ops []Op) (inserted, deleted int) {
	for _, op := range ops {
		switch op.Kind {
		case Insert:
			inserted += len(op.Lines)
		case Delete:
			deleted += len(op.Lines)
		}
	}
	return inserted, deleted
}

// Changed reports whether the script has any insertion or deletion.
func Changed(ops []Op) bool {
	for _, op := range ops {
		if op.Kind != Equal {
			return true
		}
	}
	return false
}
