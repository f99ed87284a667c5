// Package meterfile reads the load-curve files households and operation
// organisers actually hold and normalises them. It is pure: bytes in, a Curve
// out; no SQL, no HTTP.
//
// # Formats
//
// Parse detects the layout from the header lines (Options.Format overrides):
// the customer load-curve export ("Mes mesures", average W at the end of each
// interval), its two newer variants (detailed rows with French local date and
// time; "horodate ISO fin de pas;puissance moyenne (W)"), the daily-energy
// export (Wh per French calendar day), the third-party SGE/R63 CSV (one row per
// point, start of interval, Pas as an ISO 8601 duration) and a plain
// timestamp;kwh CSV (start of interval, energy per step). Files may carry a
// UTF-8 or UTF-16 byte-order mark, CRLF or CR line ends, Latin-1 header names,
// ';', tab or ',' separators (a ',' separator with unquoted decimal commas is
// refused as ambiguous), decimal commas, quoted fields and rows in any order.
//
// # Normalisation
//
//   - Instants are UTC and mark the START of each interval: end-of-interval
//     stamps are moved back by one step.
//   - Values are integer Wh per interval. Power (W, kW) becomes energy by
//     W × step / 1 h, computed exactly on the decimal written in the file and
//     rounded half to even (at most 0.5 Wh off per interval, no bias on sums).
//     Energy (Wh, kWh) is taken as is, with the same rounding for kWh decimals.
//   - The step comes from the file when it states it ("Pas en minutes", "Pas")
//     and otherwise from the spacing of the rows (see inferSteps: a missing
//     row reads as a gap, a lasting change of spacing as a change of step).
//     Steps are whole minutes dividing one hour. When the step changes inside
//     a file, the curve has one Segment per step: nothing is resampled.
//   - Gaps stay gaps: an empty value or a missing row gives Present[i] ==
//     false, never an invented value. Leading and trailing empty rows are not
//     kept.
//   - A row repeating an earlier one exactly (same interval, same value) is
//     ignored and counted; the same interval with another value refuses the
//     file, naming both lines.
//   - Daily energy (KindDailyEnergy) is indexed by French calendar day; a
//     segment's Start is the UTC instant of the first local midnight.
//
// # Daylight saving time
//
// Offsets written in the file are trusted: 2024-10-27T02:30:00+02:00 and
// 2024-10-27T02:30:00+01:00 are two different instants one hour apart, so the
// autumn day has 50 half-hours and the spring day 46. Local times without an
// offset (detailed customer export) are resolved with the French rule (see
// ParisOffset): a local time inside the spring-forward hour is refused; a
// local time of the repeated autumn hour takes, when rows go forward in time,
// the earliest of its two instants later than the previous row (so the first
// 02:30 is summer time and the second winter time), and the mirror rule when
// rows go backward; ambiguous rows opening a file are resolved backwards from
// the first unambiguous row. Rows inside the repeated hour must therefore keep
// their chronological order.
//
// # Errors
//
// A malformed file is refused whole with a *ParseError carrying the line, the
// column, a stable code and the reason in French and English.
package meterfile
