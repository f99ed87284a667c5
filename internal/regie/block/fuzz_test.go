package block

import (
	"encoding/binary"
	"errors"
	"slices"
	"testing"
	"time"
)

func seedBlocks(f *testing.F) {
	for _, tc := range []struct {
		values  []int64
		present []bool
	}{
		{[]int64{100, 120, 90, 1500}, nil},
		{[]int64{0, 7, 0, 9}, []bool{false, true, false, true}},
		{nil, nil},
		{[]int64{-1 << 62, 1 << 62}, nil},
	} {
		b, err := Encode(30*time.Minute, tc.values, tc.present)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

func FuzzDecode(f *testing.F) {
	seedBlocks(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		step, values, present, err := Decode(data)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		if len(values) != len(present) || step <= 0 {
			t.Fatalf("%d values, %d flags, step %v", len(values), len(present), step)
		}
		again, err := Encode(step, values, present)
		if err != nil {
			t.Fatal(err)
		}
		s2, v2, p2, err := Decode(again)
		if err != nil || s2 != step || !slices.Equal(v2, values) || !slices.Equal(p2, present) {
			t.Fatalf("re-encoding changed the block: %v", err)
		}
		if len(again) > len(data) {
			t.Fatalf("canonical encoding longer (%d) than the input (%d)", len(again), len(data))
		}
	})
}

// FuzzEncode builds values and gaps from raw bytes and checks the round trip.
func FuzzEncode(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9}, uint32(1800))
	f.Add([]byte{0xFF, 0, 0xFF, 0, 0x80}, uint32(60))
	f.Fuzz(func(t *testing.T, raw []byte, stepSec uint32) {
		n := len(raw) / 9
		values := make([]int64, n)
		present := make([]bool, n)
		for i := 0; i < n; i++ {
			values[i] = int64(binary.LittleEndian.Uint64(raw[9*i:]))
			present[i] = raw[9*i+8]&1 == 0
		}
		step := time.Duration(stepSec) * time.Second
		data, err := Encode(step, values, present)
		if err != nil {
			if stepSec >= 1 && stepSec <= 86400 {
				t.Fatalf("valid input refused: %v", err)
			}
			return
		}
		s, v, p, err := Decode(data)
		if err != nil || s != step || !slices.Equal(p, present) {
			t.Fatalf("round trip: %v", err)
		}
		for i := range values {
			if present[i] && v[i] != values[i] || !present[i] && v[i] != 0 {
				t.Fatalf("interval %d: %d, want %d", i, v[i], values[i])
			}
		}
	})
}

// FuzzMerge merges two stored blocks of the same key: never a panic, and
// merging the same new chunk twice changes nothing the second time.
func FuzzMerge(f *testing.F) {
	a, _ := Encode(30*time.Minute, make([]int64, 29*48), nil)
	b, _ := Encode(time.Hour, make([]int64, 29*24), nil)
	f.Add(a, b)
	f.Add(b, a)
	key := time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, oldB, newB []byte) {
		old, err := DecodeChunk(key, oldB)
		if err != nil {
			return
		}
		nw, err := DecodeChunk(key, newB)
		if err != nil {
			return
		}
		m, st, err := Merge(old, nw)
		if err != nil {
			if old.Daily() == nw.Daily() {
				t.Fatalf("merge of compatible chunks refused: %v", err)
			}
			return
		}
		if err := m.check(); err != nil {
			t.Fatal(err)
		}
		if st.Added+st.Replaced+st.Unchanged > m.Len() {
			t.Fatalf("stats %+v for %d intervals", st, m.Len())
		}
		m2, st2, err := Merge(m, nw)
		if err != nil {
			t.Fatal(err)
		}
		if m2.Step == m.Step && st2.Changed() {
			t.Fatalf("second merge changed the chunk: %+v", st2)
		}
	})
}
