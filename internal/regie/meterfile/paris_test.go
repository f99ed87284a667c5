package meterfile

import (
	"testing"
	"time"
)

func TestCivilDaysMatchTimePackage(t *testing.T) {
	for day := daysFromCivil(1900, 1, 1); day < daysFromCivil(2200, 1, 1); day += 13 {
		y, m, d := civilFromDays(day)
		ref := time.Unix(day*secondsPerDay, 0).UTC()
		if ref.Year() != y || int(ref.Month()) != m || ref.Day() != d {
			t.Fatalf("day %d: civilFromDays = %d-%d-%d, time = %v", day, y, m, d, ref)
		}
		if got := daysFromCivil(y, m, d); got != day {
			t.Fatalf("daysFromCivil(%d-%d-%d) = %d, want %d", y, m, d, got, day)
		}
	}
}

// The EU rule must agree with the Europe/Paris zone for every accepted year.
func TestParisOffsetMatchesZone(t *testing.T) {
	loc := paris(t)
	for y := minYear; y <= 2037; y++ {
		from := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
		to := time.Date(y+1, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
		for u := from; u < to; u += 1800 {
			_, want := time.Unix(u, 0).In(loc).Zone()
			if got := parisOffsetUnix(u); got != int64(want) {
				t.Fatalf("%v: offset %d, zone says %d", time.Unix(u, 0).UTC(), got, want)
			}
		}
	}
}

func TestLocalToUnixTransitions(t *testing.T) {
	loc := paris(t)
	tests := []struct {
		name         string
		y, m, d      int
		hh, mm       int
		wantN        int
		wantFirstUTC string
	}{
		{"spring gap", 2024, 3, 31, 2, 30, 0, ""},
		{"spring gap start", 2024, 3, 31, 2, 0, 0, ""},
		{"spring after", 2024, 3, 31, 3, 0, 1, "2024-03-31T01:00:00Z"},
		{"spring before", 2024, 3, 31, 1, 59, 1, "2024-03-31T00:59:00Z"},
		{"autumn repeated", 2024, 10, 27, 2, 30, 2, "2024-10-27T00:30:00Z"},
		{"autumn repeated start", 2024, 10, 27, 2, 0, 2, "2024-10-27T00:00:00Z"},
		{"autumn after", 2024, 10, 27, 3, 0, 1, "2024-10-27T02:00:00Z"},
		{"autumn 1995 (September rule)", 1995, 9, 24, 2, 30, 2, "1995-09-24T00:30:00Z"},
		{"plain winter", 2025, 1, 15, 12, 0, 1, "2025-01-15T11:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, n := localToUnix(tt.y, tt.m, tt.d, tt.hh, tt.mm, 0)
			if n != tt.wantN {
				t.Fatalf("%d candidates, want %d", n, tt.wantN)
			}
			for i := 0; i < n; i++ {
				local := time.Unix(c[i], 0).In(loc)
				if local.Hour() != tt.hh || local.Minute() != tt.mm || local.Day() != tt.d {
					t.Errorf("candidate %v is %v in Paris", time.Unix(c[i], 0).UTC(), local)
				}
			}
			if n > 0 && time.Unix(c[0], 0).UTC().Format(time.RFC3339) != tt.wantFirstUTC {
				t.Errorf("first candidate %v, want %s", time.Unix(c[0], 0).UTC(), tt.wantFirstUTC)
			}
			if n == 2 && c[1]-c[0] != 3600 {
				t.Errorf("candidates %d s apart", c[1]-c[0])
			}
		})
	}
}

func TestParisExported(t *testing.T) {
	loc := paris(t)
	for d := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() < 2026; d = d.AddDate(0, 0, 1) {
		got := ParisMidnight(d.Year(), d.Month(), d.Day())
		want := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
		if !got.Equal(want) || got.Location() != time.UTC {
			t.Fatalf("ParisMidnight(%v) = %v, want %v", d.Format(time.DateOnly), got, want.UTC())
		}
		y, m, dd := ParisDate(got.Add(23 * time.Hour))
		wy, wm, wd := got.Add(23 * time.Hour).In(loc).Date()
		if y != wy || m != wm || dd != wd {
			t.Fatalf("ParisDate(%v) = %d-%d-%d, want %d-%d-%d", got.Add(23*time.Hour), y, m, dd, wy, wm, wd)
		}
		_, off := got.In(loc).Zone()
		if ParisOffset(got) != time.Duration(off)*time.Second {
			t.Fatalf("ParisOffset(%v) = %v, want %ds", got, ParisOffset(got), off)
		}
	}
}
