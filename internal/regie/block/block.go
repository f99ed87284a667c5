// Package block packs load curves into compact blocks for storage: one block
// per meter and UTC month for load curves, one per meter and French calendar
// month for daily energies. It is pure: slices in, bytes out.
//
// # Why a month
//
// Measured with SQLite (BenchmarkSQLiteLayout, 1,000 household meter-years at
// 30 minutes): month blocks in a rowid table cost about 1.4 bytes per point on
// disk, rows and index included, against 1.9 for day blocks; a meter-year is
// 12 rows instead of 366, and summing all 1,000 meter-years in one query is
// several times faster, since SQLite's cost is per row. A month block (about
// 2 KB at 30 minutes, 5 KB at 10) belongs in a rowid table: WITHOUT ROWID
// tables spill such rows to half-empty overflow pages (3.2 bytes per point).
// The price is a coarser unit: re-importing a day rewrites its month, and in
// the month a meter changes step the block keeps the coarser step (see Split).
//
// # Encoding (version 1)
//
//	byte     version (1)
//	byte     flags: bit 0 set when the block has gaps; other bits zero
//	uvarint  step in seconds (1 … 86400; 86400 means French calendar days)
//	uvarint  number of intervals n (≤ MaxSlots)
//	if gaps: uvarint number of runs r, then r uvarint run lengths that
//	         alternate present / absent, starting with a present run (which
//	         may be empty); every other run is non-empty; they add up to n
//	then, for each present interval in order, the zigzag varint of the
//	difference with the previous present value (the first one with 0).
//
// A household's 30-minute curve costs about 1.5 bytes per value: consecutive
// half-hours rarely differ by more than 8 kWh, whose zigzag fits two bytes,
// and small differences take one. A block without gaps carries no gap data; a
// gap costs two run lengths. Differences wrap around in int64 arithmetic, so
// any int64 survives the round trip.
package block

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Version is the encoding version written as the first byte of a block.
const Version byte = 1

// MaxSlots bounds the number of intervals of a block (a UTC day at a
// one-second step fits); Decode refuses larger counts.
const MaxSlots = 1 << 17

const flagGaps = 1

// ErrCorrupt is wrapped by every Decode error.
var ErrCorrupt = errors.New("block: corrupt data")

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrCorrupt}, args...)...)
}

// Encode packs values at a step. present marks the intervals holding a value
// (nil: all of them); values of absent intervals are ignored.
func Encode(step time.Duration, values []int64, present []bool) ([]byte, error) {
	return AppendEncode(nil, step, values, present)
}

// AppendEncode is Encode appending to dst.
func AppendEncode(dst []byte, step time.Duration, values []int64, present []bool) ([]byte, error) {
	if step <= 0 || step%time.Second != 0 || step > 24*time.Hour {
		return dst, fmt.Errorf("block: step %v must be a whole number of seconds between 1s and 24h", step)
	}
	n := len(values)
	if present != nil && len(present) != n {
		return dst, fmt.Errorf("block: %d presence flags for %d values", len(present), n)
	}
	if n > MaxSlots {
		return dst, fmt.Errorf("block: %d intervals, more than %d", n, MaxSlots)
	}
	gaps := false
	for _, p := range present {
		if !p {
			gaps = true
			break
		}
	}
	var flags byte
	if gaps {
		flags |= flagGaps
	}
	dst = append(dst, Version, flags)
	dst = binary.AppendUvarint(dst, uint64(step/time.Second))
	dst = binary.AppendUvarint(dst, uint64(n))
	if gaps {
		// Count runs first so the count can precede them.
		runs := 1
		for i := 1; i < n; i++ {
			if present[i] != present[i-1] {
				runs++
			}
		}
		if !present[0] {
			runs++ // empty leading present run
		}
		dst = binary.AppendUvarint(dst, uint64(runs))
		cur, length := true, 0
		for _, p := range present {
			if p != cur {
				dst = binary.AppendUvarint(dst, uint64(length))
				cur, length = p, 0
			}
			length++
		}
		dst = binary.AppendUvarint(dst, uint64(length))
	}
	var prev int64
	for i, v := range values {
		if present != nil && !present[i] {
			continue
		}
		d := v - prev
		prev = v
		u := uint64(d<<1) ^ uint64(d>>63)
		if u < 0x80 {
			dst = append(dst, byte(u))
		} else {
			dst = binary.AppendUvarint(dst, u)
		}
	}
	return dst, nil
}

// Decode unpacks a block. Absent intervals have value 0 and present false.
// Corrupt input yields an error wrapping ErrCorrupt, never a panic.
func Decode(data []byte) (step time.Duration, values []int64, present []bool, err error) {
	return DecodeAppend(nil, nil, data)
}

// DecodeAppend is Decode appending to values and present, so that reading a
// meter-year block after block fills one slice without an allocation per
// block. On error the slices are returned unchanged.
func DecodeAppend(values []int64, present []bool, data []byte) (step time.Duration, _ []int64, _ []bool, err error) {
	v0, p0 := values, present
	pos := 0
	if len(data) < 2 {
		return 0, v0, p0, corrupt("%d bytes, shorter than a header", len(data))
	}
	if data[0] != Version {
		return 0, v0, p0, corrupt("unknown version %d", data[0])
	}
	flags := data[1]
	if flags&^flagGaps != 0 {
		return 0, v0, p0, corrupt("unknown flags %#x", flags)
	}
	pos = 2
	uvar := func(what string) (uint64, error) {
		u, k := binary.Uvarint(data[pos:])
		if k <= 0 {
			return 0, corrupt("bad %s at byte %d", what, pos)
		}
		pos += k
		return u, nil
	}
	s, err := uvar("step")
	if err != nil {
		return 0, v0, p0, err
	}
	if s == 0 || s > 86400 {
		return 0, v0, p0, corrupt("step %d s out of range", s)
	}
	n64, err := uvar("count")
	if err != nil {
		return 0, v0, p0, err
	}
	if n64 > MaxSlots {
		return 0, v0, p0, corrupt("%d intervals, more than %d", n64, MaxSlots)
	}
	n := int(n64)
	var runs []int
	points := n
	if flags&flagGaps != 0 {
		r64, err := uvar("run count")
		if err != nil {
			return 0, v0, p0, err
		}
		if r64 > n64+1 || r64 < 2 {
			return 0, v0, p0, corrupt("%d runs for %d intervals", r64, n)
		}
		runs = make([]int, r64)
		total := 0
		points = 0
		for i := range runs {
			l, err := uvar("run length")
			if err != nil {
				return 0, v0, p0, err
			}
			if l > n64 || (l == 0 && i > 0) {
				return 0, v0, p0, corrupt("run %d of length %d", i, l)
			}
			runs[i] = int(l)
			total += int(l)
			if total > n {
				return 0, v0, p0, corrupt("runs longer than %d intervals", n)
			}
			if i%2 == 0 {
				points += int(l)
			}
		}
		if total != n {
			return 0, v0, p0, corrupt("runs cover %d of %d intervals", total, n)
		}
	}
	// Every present value takes at least one byte: check before allocating.
	if points > len(data)-pos {
		return 0, v0, p0, corrupt("%d values announced, %d bytes left", points, len(data)-pos)
	}
	base := len(values)
	values = slices.Grow(values, n)[:base+n]
	present = slices.Grow(present, n)[:base+n]
	vals, pres := values[base:], present[base:]
	if runs == nil {
		for i := range pres {
			pres[i] = true
		}
	} else {
		i := 0
		for r, l := range runs {
			for j := i; j < i+l; j++ {
				pres[j] = r%2 == 0
			}
			i += l
		}
	}
	var prev int64
	for i := 0; i < n; i++ {
		if !pres[i] {
			vals[i] = 0
			continue
		}
		var u uint64
		if pos < len(data) && data[pos] < 0x80 {
			u = uint64(data[pos])
			pos++
		} else {
			var k int
			u, k = binary.Uvarint(data[pos:])
			if k <= 0 {
				return 0, v0, p0, corrupt("bad value at byte %d", pos)
			}
			pos += k
		}
		prev += int64(u>>1) ^ -int64(u&1)
		vals[i] = prev
	}
	if pos != len(data) {
		return 0, v0, p0, corrupt("%d trailing bytes", len(data)-pos)
	}
	return time.Duration(s) * time.Second, values, present, nil
}
