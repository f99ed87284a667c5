// Package accfile is the file contract of the collective self-consumption
// command line: readers for the allocation inputs, writers for its outputs,
// and the two command entry points the application wires,
// `fabrique acc allocate` ([Allocate]) and `fabrique synth` ([Synth]).
//
// The formats are public; keep names and layouts stable.
//
// Inputs (`;`-separated, UTF-8 with or without BOM, LF or CRLF, values with a
// decimal point or comma, fields optionally in double quotes):
//
//	--production    timestamp;<producer id>;…     kWh per step, producers pooled
//	--consumption   timestamp;<consumer id>;…     kWh per step, same timestamps
//	--coefficients  consumer;coefficient          static key: fraction 0–1 or "25 %"
//	                timestamp;<consumer id>;…     dynamic key, one row per step
//	                Horodate;<consumer id>;…      dynamic key in the --key-file layout
//	--priorities    consumer;rank                 priority key, 1 served first
//
// Timestamps are ISO 8601 with an offset and mark the START of the step; they
// must increase by one constant step and be identical (as instants) in every
// file. Bad input is reported as an [*Error] naming the file, the 1-based line
// and column (and the column's id) and the reason, in French then English.
//
// Outputs, written only when the whole run succeeds (temporary file in the
// destination directory, then rename):
//
//	--out       timestamp;<consumer id>;…;surplus   allocated kWh, 6 decimals,
//	                                                timestamps as in the consumption file
//	--summary   JSON: key, steps, totals, rates, per consumer
//	--key-file  Horodate;<consumer id>;…            Paris time dd/mm/yyyy HH:MM,
//	                                                percentages floored to 0.1 %, decimal comma
//
// Allocation streams: the files are read a step at a time in lockstep, so
// memory stays proportional to the number of consumers, not of steps.
package accfile
