package block

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func allTrue(n int) []bool {
	p := make([]bool, n)
	for i := range p {
		p[i] = true
	}
	return p
}

func TestEncodeDecodeTable(t *testing.T) {
	tests := []struct {
		name    string
		step    time.Duration
		values  []int64
		present []bool
	}{
		{"empty", 30 * time.Minute, nil, nil},
		{"one value", time.Hour, []int64{42}, nil},
		{"all present", 30 * time.Minute, []int64{120, 130, 90, 1500, 1490, 0, 7}, nil},
		{"all gaps", 30 * time.Minute, make([]int64, 48), make([]bool, 48)},
		{"leading gap", 10 * time.Minute, []int64{0, 0, 5, 6}, []bool{false, false, true, true}},
		{"trailing gap", 10 * time.Minute, []int64{5, 6, 0}, []bool{true, true, false}},
		{"alternating", 15 * time.Minute, []int64{1, 0, 3, 0, 5, 0}, []bool{true, false, true, false, true, false}},
		{"extremes", time.Second, []int64{math.MaxInt64, math.MinInt64, 0, -1, math.MaxInt64}, nil},
		{"negative", time.Minute, []int64{-500, 250, -3}, nil},
		{"daily", Day, []int64{9000, 12000, 11000}, []bool{true, true, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := Encode(tt.step, tt.values, tt.present)
			if err != nil {
				t.Fatal(err)
			}
			if data[0] != Version {
				t.Errorf("version byte %d", data[0])
			}
			step, values, present, err := Decode(data)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.present
			if want == nil {
				want = allTrue(len(tt.values))
			}
			if step != tt.step || !slices.Equal(present, want) || len(values) != len(tt.values) {
				t.Fatalf("step %v present %v values %v", step, present, values)
			}
			for i := range values {
				if want[i] && values[i] != tt.values[i] || !want[i] && values[i] != 0 {
					t.Fatalf("value %d = %d, want %d (present %v)", i, values[i], tt.values[i], want[i])
				}
			}
		})
	}
}

func TestEncodeIgnoresValuesOfGaps(t *testing.T) {
	a, _ := Encode(time.Hour, []int64{1, 999, 3}, []bool{true, false, true})
	b, _ := Encode(time.Hour, []int64{1, 0, 3}, []bool{true, false, true})
	if !bytes.Equal(a, b) {
		t.Error("a gap's value leaked into the block")
	}
}

func TestEncodeRefuses(t *testing.T) {
	tests := []struct {
		name    string
		step    time.Duration
		values  []int64
		present []bool
	}{
		{"zero step", 0, []int64{1}, nil},
		{"fraction of second", 1500 * time.Millisecond, []int64{1}, nil},
		{"step beyond a day", 25 * time.Hour, []int64{1}, nil},
		{"flags length", time.Hour, []int64{1, 2}, []bool{true}},
		{"too many", time.Second, make([]int64, MaxSlots+1), nil},
	}
	for _, tt := range tests {
		if _, err := Encode(tt.step, tt.values, tt.present); err == nil {
			t.Errorf("%s: accepted", tt.name)
		}
	}
}

func TestRoundTripRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for iter := 0; iter < 2000; iter++ {
		n := rng.IntN(300)
		values := make([]int64, n)
		present := make([]bool, n)
		gapRate := rng.Float64() * rng.Float64()
		scale := []int64{10, 1000, 1 << 40, math.MaxInt64}[rng.IntN(4)]
		for i := range values {
			values[i] = rng.Int64N(scale) - scale/2
			present[i] = rng.Float64() >= gapRate
		}
		data, err := Encode(30*time.Minute, values, present)
		if err != nil {
			t.Fatal(err)
		}
		_, got, gotP, err := Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		for i := range values {
			if gotP[i] != present[i] || present[i] && got[i] != values[i] {
				t.Fatalf("iteration %d, interval %d: %d %v, want %d %v", iter, i, got[i], gotP[i], values[i], present[i])
			}
		}
	}
}

func TestDecodeCorrupt(t *testing.T) {
	good, err := Encode(30*time.Minute, []int64{100, 0, 300, 2000, 1999}, []bool{true, false, true, true, true})
	if err != nil {
		t.Fatal(err)
	}
	// Every strict prefix is refused.
	for i := 0; i < len(good); i++ {
		if _, _, _, err := Decode(good[:i]); !errors.Is(err, ErrCorrupt) {
			t.Errorf("prefix of %d bytes: %v", i, err)
		}
	}
	mutate := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	tests := []struct {
		name string
		data []byte
	}{
		{"unknown version", mutate(func(b []byte) []byte { b[0] = 9; return b })},
		{"unknown flag", mutate(func(b []byte) []byte { b[1] |= 0x80; return b })},
		{"zero step", []byte{Version, 0, 0, 0}},
		{"step beyond a day", append([]byte{Version, 0}, 0x81, 0xA3, 0x05, 0)},
		{"trailing byte", append(append([]byte(nil), good...), 0)},
		{"count beyond the limit", []byte{Version, 0, 60, 0xFF, 0xFF, 0xFF, 0x7F}},
		{"values announced, bytes missing", []byte{Version, 0, 60, 100, 1, 2}},
		{"runs shorter than count", []byte{Version, 1, 60, 4, 2, 1, 1, 2}},
		{"runs longer than count", []byte{Version, 1, 60, 2, 2, 1, 5, 2}},
		{"empty inner run", []byte{Version, 1, 60, 2, 3, 1, 0, 1, 2, 4}},
		{"one run only", []byte{Version, 1, 60, 2, 1, 2, 2, 4}},
		{"overlong varint", []byte{Version, 0, 60, 1, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}},
	}
	for _, tt := range tests {
		if _, _, _, err := Decode(tt.data); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}

func TestDecodeAppend(t *testing.T) {
	a, _ := Encode(time.Hour, []int64{1, 2, 3}, nil)
	b, _ := Encode(time.Hour, []int64{4, 0, 6}, []bool{true, false, true})
	values := make([]int64, 0, 2)
	present := []bool(nil)
	var err error
	for _, blk := range [][]byte{a, b} {
		if _, values, present, err = DecodeAppend(values, present, blk); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(values, []int64{1, 2, 3, 4, 0, 6}) || !slices.Equal(present, []bool{true, true, true, true, false, true}) {
		t.Fatalf("%v %v", values, present)
	}
	// A corrupt block leaves what was decoded so far untouched.
	_, v2, p2, err := DecodeAppend(values, present, b[:len(b)-1])
	if err == nil || len(v2) != 6 || len(p2) != 6 {
		t.Fatalf("%v: %d values", err, len(v2))
	}
	// Reused storage with stale content is overwritten, gaps included.
	stale := []int64{9, 9, 9, 9}
	_, v3, _, err := DecodeAppend(stale[:0], make([]bool, 0, 4), b)
	if err != nil || !slices.Equal(v3, []int64{4, 0, 6}) {
		t.Fatalf("%v %v", v3, err)
	}
}
