// Package energy is the numeric core of Fabrique: time series, resampling,
// collective self-consumption allocation keys, indicators and synthetic
// profiles. It is pure: slices in, slices out; no SQL, no HTTP, no files.
//
// Conventions used throughout the package:
//
//   - Energy is in kWh per step unless a name says otherwise. Power is in W
//     (average power over a step, as found in meter exports).
//   - A step is identified by its START instant. Series starts are UTC
//     instants; calendar work (days, months) takes an explicit *time.Location,
//     usually [Paris].
//   - Gaps in a [Series] are NaN values: one slice, no parallel mask, and NaN
//     propagates through arithmetic so a gap cannot silently become zero.
//     Allocation inputs must be complete: the allocation functions reject NaN.
//   - Consumers × steps data live in a [Matrix] stored step-major
//     (Data[t*N+i]): one step of all consumers is contiguous, which is how the
//     keys work (a step at a time), how CSV files are laid out (a row per
//     step) and what measured fastest (see the layout benchmark).
//   - Allocation writes into caller-provided buffers so that hot loops do not
//     allocate.
//
// Allocation notation (DOMAIN §5): P_t production, C_i,t consumption of
// consumer i, A_i,t allocated energy, S_t = P_t − Σ_i A_i,t surplus. Every key
// guarantees 0 ≤ A_i,t ≤ C_i,t and Σ_i A_i,t ≤ P_t in float64 arithmetic, for
// any summation order (see [AllocateDefaultStep]).
package energy
