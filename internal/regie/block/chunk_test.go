package block

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/regie/meterfile"
)

func parse(t *testing.T, write func(*bytes.Buffer) error) *meterfile.Curve {
	t.Helper()
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		t.Fatal(err)
	}
	c, err := meterfile.ParseBytes(buf.Bytes(), meterfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// valuesByInstant indexes a curve's values by the start of their interval.
func valuesByInstant(c *meterfile.Curve) map[time.Time]int64 {
	m := map[time.Time]int64{}
	for i := range c.Segments {
		s := &c.Segments[i]
		for j := 0; j < s.Len(); j++ {
			if s.Present[j] {
				m[s.At(j)] = s.Values[j]
			}
		}
	}
	return m
}

func TestSplitLoadCurve(t *testing.T) {
	// From 30 September 13:30 UTC to early December, with November empty.
	start := time.Date(2024, 9, 30, 13, 30, 0, 0, time.UTC)
	watts := make([]int64, 63*48+7)
	for i := range watts {
		watts[i] = int64(200 + i%500)
	}
	nov := int(time.Date(2024, 11, 1, 0, 0, 0, 0, time.UTC).Sub(start) / (30 * time.Minute))
	for i := nov; i < nov+30*48; i++ {
		watts[i] = meterfile.Missing
	}
	c := parse(t, func(b *bytes.Buffer) error {
		return meterfile.WriteCustomerExport(b, "30001234567890", start, 30*time.Minute, watts)
	})
	chunks, err := Split(c)
	if err != nil {
		t.Fatal(err)
	}
	want := valuesByInstant(c)
	days := []string{}
	got := map[time.Time]int64{}
	for _, ch := range chunks {
		days = append(days, ch.Month.Format("2006-01"))
		want, _ := SlotsFor(ch.Month, ch.Step)
		if ch.Step != 30*time.Minute || ch.Len() != want || ch.Daily() {
			t.Fatalf("chunk %v: step %v, %d intervals", ch.Month, ch.Step, ch.Len())
		}
		for i := 0; i < ch.Len(); i++ {
			if ch.Present[i] {
				got[ch.At(i)] = ch.Values[i]
			} else if ch.Values[i] != 0 {
				t.Fatalf("gap with a value")
			}
		}
		data, err := ch.Encode()
		if err != nil {
			t.Fatal(err)
		}
		back, err := DecodeChunk(ch.Month, data)
		if err != nil || fmt.Sprint(back) != fmt.Sprint(ch) {
			t.Fatalf("chunk %v does not survive encoding: %v", ch.Month, err)
		}
	}
	// November holds only gaps: no chunk for it.
	if fmt.Sprint(days) != "[2024-09 2024-10 2024-12]" {
		t.Errorf("chunk days %v", days)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("chunks hold other values than the curve")
	}
}

func TestSplitStepChangeDay(t *testing.T) {
	// Hourly until 06:00 UTC, then 10 minutes, on the same UTC day.
	c := &meterfile.Curve{Kind: meterfile.KindLoadCurve, Segments: []meterfile.Segment{
		{Step: time.Hour, Start: time.Date(2024, 2, 5, 3, 0, 0, 0, time.UTC), Values: []int64{300, 310, 320}, Present: []bool{true, true, true}},
		{Step: 10 * time.Minute, Start: time.Date(2024, 2, 5, 6, 0, 0, 0, time.UTC),
			Values:  []int64{10, 11, 12, 13, 14, 15, 20, 0, 22, 23, 24, 25, 30},
			Present: []bool{true, true, true, true, true, true, true, false, true, true, true, true, true}},
	}}
	chunks, err := Split(c)
	if err != nil {
		t.Fatal(err)
	}
	if len(chunks) != 1 || chunks[0].Step != time.Hour {
		t.Fatalf("%d chunks, step %v", len(chunks), chunks[0].Step)
	}
	ch := chunks[0]
	at := func(hour int) int { return 4*24 + hour } // 5 February
	tests := []struct {
		hour    int
		value   int64
		present bool
	}{
		{3, 300, true}, {4, 310, true}, {5, 320, true},
		{6, 10 + 11 + 12 + 13 + 14 + 15, true}, // complete hour: summed
		{7, 0, false},                          // one 10-minute gap: the hour is a gap
		{8, 0, false},                          // only 08:00–08:10 known
		{2, 0, false},
	}
	for _, tt := range tests {
		if ch.Values[at(tt.hour)] != tt.value || ch.Present[at(tt.hour)] != tt.present {
			t.Errorf("%02d:00 = %d %v, want %d %v", tt.hour, ch.Values[at(tt.hour)], ch.Present[at(tt.hour)], tt.value, tt.present)
		}
	}
}

func TestSplitDailyByMonth(t *testing.T) {
	wh := []int64{9000, 9100, meterfile.Missing, 9300, 9400, 9500, 9600}
	c := parse(t, func(b *bytes.Buffer) error {
		return meterfile.WriteDailyEnergy(b, "30001234567890", time.Date(2024, 10, 28, 0, 0, 0, 0, time.UTC), wh)
	})
	chunks, err := Split(c)
	if err != nil {
		t.Fatal(err)
	}
	if len(chunks) != 2 {
		t.Fatalf("%d chunks", len(chunks))
	}
	oct, nov := chunks[0], chunks[1]
	if !oct.Month.Equal(time.Date(2024, 10, 1, 0, 0, 0, 0, time.UTC)) || oct.Len() != 31 || !oct.Daily() {
		t.Fatalf("October chunk %v with %d days", oct.Month, oct.Len())
	}
	if !nov.Month.Equal(time.Date(2024, 11, 1, 0, 0, 0, 0, time.UTC)) || nov.Len() != 30 {
		t.Fatalf("November chunk %v with %d days", nov.Month, nov.Len())
	}
	if oct.Values[27] != 9000 || oct.Values[28] != 9100 || oct.Present[29] || oct.Values[30] != 9300 || oct.Points() != 3 {
		t.Errorf("October %v %v", oct.Values[26:], oct.Present[26:])
	}
	if nov.Values[0] != 9400 || nov.Values[2] != 9600 || nov.Points() != 3 {
		t.Errorf("November %v", nov.Values[:4])
	}
	// Interval starts are French midnights, 23 to 25 hours apart.
	if !oct.At(27).Equal(meterfile.ParisMidnight(2024, 10, 28)) || !nov.At(0).Equal(meterfile.ParisMidnight(2024, 11, 1)) {
		t.Errorf("At: %v %v", oct.At(27), nov.At(0))
	}
	if oct.At(27).Sub(oct.At(26)) != 25*time.Hour {
		t.Errorf("the 27th of October 2024 lasts %v", oct.At(27).Sub(oct.At(26)))
	}
}

func day(step time.Duration, vals map[int]int64) Chunk {
	c := newChunk(time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), step)
	for i, v := range vals {
		c.Values[i], c.Present[i] = v, true
	}
	return c
}

func TestMerge(t *testing.T) {
	h := 30 * time.Minute
	old := day(h, map[int]int64{0: 100, 1: 110, 2: 120, 10: 200})
	tests := []struct {
		name    string
		old     Chunk
		nw      Chunk
		want    Chunk
		stats   MergeStats
		changed bool
	}{
		{"identical", old, old, old, MergeStats{Unchanged: 4}, false},
		{"overlap replaces", old, day(h, map[int]int64{1: 111, 2: 120}),
			day(h, map[int]int64{0: 100, 1: 111, 2: 120, 10: 200}), MergeStats{Replaced: 1, Unchanged: 1}, true},
		{"gaps keep old values", old, day(h, map[int]int64{3: 130}),
			day(h, map[int]int64{0: 100, 1: 110, 2: 120, 3: 130, 10: 200}), MergeStats{Added: 1}, true},
		{"into an empty chunk", day(h, nil), old, old, MergeStats{Added: 4}, true},
		{"finer data covering the old", day(time.Hour, map[int]int64{0: 210, 5: 400}),
			day(h, map[int]int64{0: 100, 1: 110, 10: 150, 11: 250}),
			day(h, map[int]int64{0: 100, 1: 110, 10: 150, 11: 250}), MergeStats{Replaced: 4, Resampled: true}, true},
		{"coarser data covering the old", day(h, map[int]int64{0: 100, 1: 110}),
			day(time.Hour, map[int]int64{0: 210, 1: 50}),
			day(time.Hour, map[int]int64{0: 210, 1: 50}), MergeStats{Unchanged: 1, Added: 1, Resampled: true}, true},
		{"partial cover falls back to the common step", day(time.Hour, map[int]int64{0: 210, 5: 400}),
			day(h, map[int]int64{0: 100, 1: 110}),
			day(time.Hour, map[int]int64{0: 210, 5: 400}), MergeStats{Unchanged: 1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, st, err := Merge(tt.old, tt.nw)
			if err != nil {
				t.Fatal(err)
			}
			if st != tt.stats || st.Changed() != tt.changed {
				t.Errorf("stats %+v changed %v, want %+v %v", st, st.Changed(), tt.stats, tt.changed)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("merged %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestMergeRefuses(t *testing.T) {
	a := day(time.Hour, map[int]int64{0: 1})
	other := newChunk(a.Month.AddDate(0, 1, 0), time.Hour)
	short := a
	short.Values = short.Values[:3]
	daily := newChunk(time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), Day)
	for name, pair := range map[string][2]Chunk{
		"other day":        {a, other},
		"wrong length":     {a, short},
		"daily over curve": {a, daily},
	} {
		if _, _, err := Merge(pair[0], pair[1]); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestMergeEncodedKeepsBytesWhenUnchanged(t *testing.T) {
	old := day(30*time.Minute, map[int]int64{0: 100, 1: 110})
	stored, err := old.Encode()
	if err != nil {
		t.Fatal(err)
	}
	out, st, err := MergeEncoded(stored, old)
	if err != nil || st.Changed() || &out[0] != &stored[0] {
		t.Fatalf("re-import changed the block: %+v %v", st, err)
	}
	nw := day(30*time.Minute, map[int]int64{1: 999})
	out, st, err = MergeEncoded(stored, nw)
	if err != nil || st.Replaced != 1 {
		t.Fatalf("%+v %v", st, err)
	}
	back, err := DecodeChunk(old.Month, out)
	if err != nil || back.Values[0] != 100 || back.Values[1] != 999 {
		t.Fatalf("%v %v", back.Values[:2], err)
	}
	if _, _, err := MergeEncoded([]byte{1}, nw); err == nil {
		t.Error("corrupt stored block accepted")
	}
}

func TestMonthKeys(t *testing.T) {
	tests := []struct {
		at    time.Time
		month string
		index int64
	}{
		{time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), "1970-01", 0},
		{time.Date(2024, 2, 29, 23, 59, 0, 0, time.UTC), "2024-02", 649},
		{time.Date(2024, 3, 31, 23, 30, 0, 0, time.FixedZone("CEST", 7200)), "2024-03", 650}, // 21:30 UTC
		{time.Date(2024, 4, 1, 0, 30, 0, 0, time.FixedZone("CEST", 7200)), "2024-03", 650},   // 22:30 UTC on 31 March
	}
	for _, tt := range tests {
		m := MonthOf(tt.at)
		if m.Format("2006-01") != tt.month || MonthIndex(m) != tt.index || !FromMonthIndex(tt.index).Equal(m) {
			t.Errorf("%v: month %v index %d", tt.at, m, MonthIndex(m))
		}
	}
	for _, c := range []struct {
		month string
		step  time.Duration
		n     int
	}{{"2024-02", 30 * time.Minute, 29 * 48}, {"2023-02", 10 * time.Minute, 28 * 144}, {"2024-10", Day, 31}, {"2024-04", time.Hour, 30 * 24}} {
		m, _ := time.Parse("2006-01", c.month)
		if n, err := SlotsFor(m, c.step); err != nil || n != c.n {
			t.Errorf("SlotsFor(%s, %v) = %d %v, want %d", c.month, c.step, n, err, c.n)
		}
	}
	if _, err := SlotsFor(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), 7*time.Minute); err == nil {
		t.Error("7-minute step accepted")
	}
}

// importFile parses a file and merges its chunks into a store of encoded
// blocks, as the storage layer will; it returns the summed merge statistics.
func importFile(t *testing.T, store map[time.Time][]byte, file []byte) MergeStats {
	t.Helper()
	c, err := meterfile.ParseBytes(file, meterfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	chunks, err := Split(c)
	if err != nil {
		t.Fatal(err)
	}
	var total MergeStats
	for _, ch := range chunks {
		var st MergeStats
		stored, ok := store[ch.Month]
		if !ok {
			data, err := ch.Encode()
			if err != nil {
				t.Fatal(err)
			}
			store[ch.Month] = data
			st.Added = ch.Points()
		} else {
			data, s, err := MergeEncoded(stored, ch)
			if err != nil {
				t.Fatal(err)
			}
			store[ch.Month], st = data, s
		}
		total.Added += st.Added
		total.Replaced += st.Replaced
		total.Unchanged += st.Unchanged
	}
	return total
}

func TestReimport(t *testing.T) {
	step := 30 * time.Minute
	startA := meterfile.ParisMidnight(2024, 1, 1)
	wattsA := make([]int64, 46*48) // to 16 February
	for i := range wattsA {
		wattsA[i] = int64(300 + 2*(i%350)) // even: whole Wh over 30 minutes
	}
	var a bytes.Buffer
	if err := meterfile.WriteCustomerExport(&a, "30001234567890", startA, step, wattsA); err != nil {
		t.Fatal(err)
	}
	store := map[time.Time][]byte{}
	if st := importFile(t, store, a.Bytes()); st.Added != len(wattsA) || st.Replaced != 0 {
		t.Fatalf("first import: %+v", st)
	}
	before := map[time.Time]string{}
	for k, v := range store {
		before[k] = string(v)
	}
	// The same file again changes nothing.
	if st := importFile(t, store, a.Bytes()); st.Added != 0 || st.Replaced != 0 || st.Unchanged != len(wattsA) {
		t.Fatalf("re-import: %+v", st)
	}
	for k, v := range store {
		if before[k] != string(v) {
			t.Fatalf("re-import rewrote %v", k)
		}
	}
	// A file from 10 February to 10 March, in SGE form, with other values:
	// the 6 overlapping days are replaced, the rest added.
	startB := meterfile.ParisMidnight(2024, 2, 10)
	wattsB := make([]int64, 29*48)
	for i := range wattsB {
		wattsB[i] = int64(1000 + i%300)
	}
	var b bytes.Buffer
	if err := meterfile.WriteSGE(&b, "30001234567890", startB, step, wattsB); err != nil {
		t.Fatal(err)
	}
	st := importFile(t, store, b.Bytes())
	overlap := int(startA.Add(time.Duration(len(wattsA))*step).Sub(startB) / step)
	if st.Replaced != overlap || st.Added != len(wattsB)-overlap || st.Unchanged != 0 {
		t.Fatalf("overlapping import: %+v, want %d replaced", st, overlap)
	}
	// What is stored is file A up to 10 February, then file B.
	feb, err := DecodeChunk(time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC), store[time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)])
	if err != nil {
		t.Fatal(err)
	}
	i := int(startB.Sub(feb.Month) / step)
	if feb.Values[i-1] != wattsA[int(startB.Sub(startA)/step)-1]/2 || feb.Values[i] != wattsB[0]/2 {
		t.Errorf("around the seam: %d %d, want %d %d", feb.Values[i-1], feb.Values[i], wattsA[int(startB.Sub(startA)/step)-1]/2, wattsB[0]/2)
	}
}
