package block

import (
	"bytes"
	"database/sql"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/fabrique-des-energies/fabrique/internal/regie/meterfile"
)

// householdWh draws energies per interval (Wh) shaped like a household: base
// load, morning, midday and evening peaks (later mornings at weekends), a
// heavier winter and multiplicative noise; about 4,500 kWh a year.
func householdWh(seed uint64, start time.Time, step time.Duration, n int) []int64 {
	rng := rand.New(rand.NewPCG(seed, 7))
	out := make([]int64, n)
	hours := step.Hours()
	for i := range out {
		t := start.Add(time.Duration(i) * step).Add(time.Hour) // near enough to French time for a shape
		h := float64(t.Hour()) + float64(t.Minute())/60
		morning := 7.5
		if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
			morning = 9.5
		}
		d := float64(t.YearDay())
		season := -3.92e-10*math.Pow(d, 4) + 3.2e-7*math.Pow(d, 3) - 7.02e-5*d*d + 2.1e-3*d + 1.24
		w := 220 + 700*math.Exp(-(h-morning)*(h-morning)/1.2) + 450*math.Exp(-(h-12.5)*(h-12.5)/1.5) +
			1100*math.Exp(-(h-19.5)*(h-19.5)/2.5)
		w *= season * (0.75 + 0.5*rng.Float64())
		out[i] = int64(w * hours)
	}
	return out
}

var benchYear = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// dayBlock is a UTC day of values, the unit of the alternative day layout.
type dayBlock struct {
	day     time.Time
	step    time.Duration
	values  []int64
	present []bool
}

func (d *dayBlock) Len() int { return len(d.values) }

func (d *dayBlock) Encode() ([]byte, error) { return Encode(d.step, d.values, d.present) }

func yearChunks(seed uint64, step time.Duration) []dayBlock {
	per := int(Day / step)
	vals := householdWh(seed, benchYear, step, 366*per)
	out := make([]dayBlock, 366)
	for d := range out {
		out[d] = dayBlock{day: benchYear.AddDate(0, 0, d), step: step, values: vals[d*per : (d+1)*per], present: allTrue(per)}
	}
	return out
}

func BenchmarkEncodeDay(b *testing.B) {
	for _, step := range []time.Duration{10 * time.Minute, 30 * time.Minute} {
		b.Run(step.String(), func(b *testing.B) {
			chunks := yearChunks(1, step)
			points, size := 0, 0
			var buf []byte
			for _, c := range chunks {
				buf, _ = AppendEncode(buf[:0], c.step, c.values, c.present)
				size += len(buf)
				points += c.Len()
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				c := &chunks[i%len(chunks)]
				buf, _ = AppendEncode(buf[:0], c.step, c.values, c.present)
				i++
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(i*chunks[0].Len()), "ns/point")
			b.ReportMetric(float64(size)/float64(points), "bytes/point")
		})
	}
}

func BenchmarkDecodeDay(b *testing.B) {
	for _, step := range []time.Duration{10 * time.Minute, 30 * time.Minute} {
		b.Run(step.String(), func(b *testing.B) {
			chunks := yearChunks(1, step)
			blocks := make([][]byte, len(chunks))
			for i, c := range chunks {
				blocks[i], _ = c.Encode()
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, _, _, err := Decode(blocks[i%len(blocks)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(i*chunks[0].Len()), "ns/point")
		})
	}
}

// layout is one way of storing blocks in SQLite.
type layout struct {
	name   string
	create string
	month  bool // one block per meter and month instead of per meter and day
}

var layouts = []layout{
	{"day-without-rowid", `CREATE TABLE curve (meter INTEGER NOT NULL, day INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (meter, day)) WITHOUT ROWID`, false},
	{"day-rowid", `CREATE TABLE curve (meter INTEGER NOT NULL, day INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (meter, day))`, false},
	{"month-without-rowid", `CREATE TABLE curve (meter INTEGER NOT NULL, day INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (meter, day)) WITHOUT ROWID`, true},
	{"month-rowid", `CREATE TABLE curve (meter INTEGER NOT NULL, day INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (meter, day))`, true},
}

// benchMeters is the number of meter-years loaded by BenchmarkSQLiteLayout (fewer with -short).
func benchMeters() int {
	if testing.Short() {
		return 50
	}
	return 1000
}

func openBench(b *testing.B, path string) *sql.DB {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)")
	if err != nil {
		b.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	return db
}

// monthBlocks packs a year of days into month chunks, the chosen layout.
func monthBlocks(days []dayBlock) (keys []int64, blocks [][]byte) {
	for m := time.January; m <= time.December; m++ {
		c := newChunk(time.Date(benchYear.Year(), m, 1, 0, 0, 0, 0, time.UTC), days[0].step)
		c.Values, c.Present = c.Values[:0], c.Present[:0]
		for _, d := range days {
			if d.day.Month() == m {
				c.Values = append(c.Values, d.values...)
				c.Present = append(c.Present, d.present...)
			}
		}
		data, err := c.Encode()
		if err != nil {
			panic(err)
		}
		keys = append(keys, dayNumber(c.Month))
		blocks = append(blocks, data)
	}
	return keys, blocks
}

// dayNumber keys both layouts by days since the epoch so one query serves both.
func dayNumber(t time.Time) int64 { return t.Unix() / 86400 }

// BenchmarkSQLiteLayout loads meter-years of 30-minute household curves into
// SQLite in each candidate layout, then measures reading one meter-year (one
// query, all blocks decoded). Reported: import points/s, bytes per point on
// disk (file size after a WAL checkpoint, row and index overhead included) and
// the read time per meter-year (ns/op).
func BenchmarkSQLiteLayout(b *testing.B) {
	for _, step := range []time.Duration{30 * time.Minute, 10 * time.Minute} {
		for _, lay := range layouts {
			meters := benchMeters()
			if step < 30*time.Minute {
				meters /= 4 // keep the 10-minute runs about as long as the 30-minute ones
			}
			b.Run(fmt.Sprintf("%s/%s", step, lay.name), func(b *testing.B) {
				benchLayout(b, lay, step, meters)
			})
		}
	}
}

func benchLayout(b *testing.B, lay layout, step time.Duration, meters int) {
	{
		{
			path := filepath.Join(b.TempDir(), "curves.db")
			db := openBench(b, path)
			defer db.Close()
			if _, err := db.Exec(lay.create); err != nil {
				b.Fatal(err)
			}
			// Curves are generated first: only encoding and inserting are timed.
			all := make([][]dayBlock, meters)
			for m := range all {
				all[m] = yearChunks(uint64(m+1), step)
			}
			startImport := time.Now()
			points := 0
			tx, _ := db.Begin()
			ins, err := tx.Prepare(`INSERT INTO curve (meter, day, data) VALUES ($1, $2, $3)`)
			if err != nil {
				b.Fatal(err)
			}
			rows := 0
			for m := 1; m <= meters; m++ {
				chunks := all[m-1]
				points += len(chunks) * chunks[0].Len()
				var keys []int64
				var blocks [][]byte
				if lay.month {
					keys, blocks = monthBlocks(chunks)
				} else {
					for _, c := range chunks {
						data, _ := c.Encode()
						keys = append(keys, dayNumber(c.day))
						blocks = append(blocks, data)
					}
				}
				for i := range keys {
					if _, err := ins.Exec(m, keys[i], blocks[i]); err != nil {
						b.Fatal(err)
					}
					rows++
					if rows%5000 == 0 {
						if err := tx.Commit(); err != nil {
							b.Fatal(err)
						}
						tx, _ = db.Begin()
						ins, _ = tx.Prepare(`INSERT INTO curve (meter, day, data) VALUES ($1, $2, $3)`)
					}
				}
			}
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
			importTime := time.Since(startImport)
			if _, err := db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
				b.Fatal(err)
			}
			st, err := os.Stat(path)
			if err != nil {
				b.Fatal(err)
			}
			from, to := dayNumber(benchYear), dayNumber(benchYear.AddDate(1, 0, 0))
			q, err := db.Prepare(`SELECT day, data FROM curve WHERE meter = $1 AND day >= $2 AND day < $3 ORDER BY day`)
			if err != nil {
				b.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(9, 9))
			var vals []int64
			var pres []bool
			b.ResetTimer()
			for b.Loop() {
				r, err := q.Query(1+rng.IntN(meters), from, to)
				if err != nil {
					b.Fatal(err)
				}
				n := 0
				vals, pres = vals[:0], pres[:0]
				for r.Next() {
					var day int64
					var data []byte
					if err := r.Scan(&day, &data); err != nil {
						b.Fatal(err)
					}
					var err error
					if _, vals, pres, err = DecodeAppend(vals, pres, data); err != nil {
						b.Fatal(err)
					}
					n = len(vals)
				}
				r.Close()
				if n != 366*int(Day/step) {
					b.Fatalf("read %d points", n)
				}
			}
			b.StopTimer()
			// Aggregate path: every meter-year in one query, summed per interval.
			scanStart := time.Now()
			r, err := db.Query(`SELECT day, data FROM curve WHERE day >= $1 AND day < $2`, from, to)
			if err != nil {
				b.Fatal(err)
			}
			sum := make([]int64, 366*int(Day/step))
			for r.Next() {
				var day int64
				var data []byte
				if err := r.Scan(&day, &data); err != nil {
					b.Fatal(err)
				}
				if _, vals, pres, err = DecodeAppend(vals[:0], pres[:0], data); err != nil {
					b.Fatal(err)
				}
				off := int(day-from) * int(Day/step)
				for i, v := range vals {
					if pres[i] {
						sum[off+i] += v
					}
				}
			}
			r.Close()
			b.ReportMetric(float64(time.Since(scanStart).Milliseconds()), "scan-all-ms")
			b.ReportMetric(float64(st.Size())/float64(points), "disk-bytes/point")
			b.ReportMetric(float64(points)/importTime.Seconds(), "import-points/s")
			b.ReportMetric(float64(rows), "rows")
		}
	}
}

func TestHouseholdSeriesIsPlausible(t *testing.T) {
	v := householdWh(1, benchYear, 30*time.Minute, 366*48)
	var sum int64
	for _, x := range v {
		if x <= 0 || x > 6000 {
			t.Fatalf("implausible %d Wh in 30 minutes", x)
		}
		sum += x
	}
	if kwh := float64(sum) / 1000; kwh < 2500 || kwh > 9000 {
		t.Errorf("%.0f kWh a year, not a household", kwh)
	}
}

// BenchmarkDecodeYear reads a meter-year of day blocks into one reused slice,
// as the read path does.
func BenchmarkDecodeYear(b *testing.B) {
	chunks := yearChunks(1, 30*time.Minute)
	blocks := make([][]byte, len(chunks))
	for i, c := range chunks {
		blocks[i], _ = c.Encode()
	}
	var values []int64
	var present []bool
	b.ReportAllocs()
	for b.Loop() {
		values, present = values[:0], present[:0]
		for _, blk := range blocks {
			var err error
			if _, values, present, err = DecodeAppend(values, present, blk); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(values)), "ns/point")
}

// BenchmarkDecodeMonthYear reads a meter-year of month blocks, the chosen layout.
func BenchmarkDecodeMonthYear(b *testing.B) {
	_, blocks := monthBlocks(yearChunks(1, 30*time.Minute))
	var values []int64
	var present []bool
	size := 0
	for _, blk := range blocks {
		size += len(blk)
	}
	b.ReportAllocs()
	for b.Loop() {
		values, present = values[:0], present[:0]
		for _, blk := range blocks {
			var err error
			if _, values, present, err = DecodeAppend(values, present, blk); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(values)), "ns/point")
	b.ReportMetric(float64(size)/float64(len(values)), "bytes/point")
}

// BenchmarkImportPipeline runs the whole import of meter-year files at 30
// minutes: parse (customer export), split into month chunks, encode and insert
// into SQLite (month blocks, rowid table). Files are generated beforehand; the
// import of all of them is timed. Reported: seconds for all meters, points/s
// and file MB/s.
func BenchmarkImportPipeline(b *testing.B) {
	meters := benchMeters()
	files := make([][]byte, meters)
	size := 0
	for m := range files {
		wh := householdWh(uint64(m+1), benchYear, 30*time.Minute, 366*48)
		watts := make([]int64, len(wh))
		for i, v := range wh {
			watts[i] = 2 * v
		}
		var buf bytes.Buffer
		prm := fmt.Sprintf("3000%010d", m)
		if err := meterfile.WriteCustomerExport(&buf, prm, benchYear, 30*time.Minute, watts); err != nil {
			b.Fatal(err)
		}
		files[m] = buf.Bytes()
		size += buf.Len()
	}
	for b.Loop() {
		b.StopTimer()
		path := filepath.Join(b.TempDir(), "import.db")
		db := openBench(b, path)
		if _, err := db.Exec(`CREATE TABLE curve (meter INTEGER NOT NULL, month INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (meter, month))`); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		points := 0
		tx, _ := db.Begin()
		ins, err := tx.Prepare(`INSERT INTO curve (meter, month, data) VALUES ($1, $2, $3)`)
		if err != nil {
			b.Fatal(err)
		}
		for m, f := range files {
			c, err := meterfile.ParseBytes(f, meterfile.Options{})
			if err != nil {
				b.Fatal(err)
			}
			chunks, err := Split(c)
			if err != nil {
				b.Fatal(err)
			}
			for _, ch := range chunks {
				data, err := ch.Encode()
				if err != nil {
					b.Fatal(err)
				}
				if _, err := ins.Exec(m, MonthIndex(ch.Month), data); err != nil {
					b.Fatal(err)
				}
			}
			points += c.Stats.Points
			if m%100 == 99 {
				if err := tx.Commit(); err != nil {
					b.Fatal(err)
				}
				tx, _ = db.Begin()
				ins, _ = tx.Prepare(`INSERT INTO curve (meter, month, data) VALUES ($1, $2, $3)`)
			}
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
		el := time.Since(start)
		b.StopTimer()
		db.Close()
		b.ReportMetric(el.Seconds(), "s/import")
		b.ReportMetric(float64(points)/el.Seconds(), "points/s")
		b.ReportMetric(float64(size)/1e6/el.Seconds(), "file-MB/s")
		b.StartTimer()
	}
}
