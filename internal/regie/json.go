package regie

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"
)

// ReadingsJSON is the API form of a curve:
// {"step":"PT30M","unit":"Wh","start":"…","values":[…, null for gaps]}.
type ReadingsJSON struct {
	Step   Step      `json:"step"`
	Unit   string    `json:"unit"`
	Start  time.Time `json:"start"`
	Values NullInts  `json:"values"`
}

// NullInts marshals values with null where a value is absent.
type NullInts struct {
	Values  []int64
	Present []bool
}

// MarshalJSON writes the array with nulls for gaps.
func (n NullInts) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 2+6*len(n.Values))
	b = append(b, '[')
	for i, v := range n.Values {
		if i > 0 {
			b = append(b, ',')
		}
		if n.Present[i] {
			b = strconv.AppendInt(b, v, 10)
		} else {
			b = append(b, "null"...)
		}
	}
	return append(b, ']'), nil
}

// UnmarshalJSON reads an array with nulls.
func (n *NullInts) UnmarshalJSON(b []byte) error {
	var raw []*int64
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	n.Values, n.Present = make([]int64, len(raw)), make([]bool, len(raw))
	for i, p := range raw {
		if p != nil {
			n.Values[i], n.Present[i] = *p, true
		}
	}
	return nil
}

// CurveJSON returns a curve in its API form.
func CurveJSON(c *Curve) ReadingsJSON {
	return ReadingsJSON{Step: c.Step, Unit: "Wh", Start: c.Start.UTC(), Values: NullInts{c.Values, c.Present}}
}

// CurveCSV writes a curve as "timestamp;wh" rows (UTC start of each
// interval, empty value for a gap).
func CurveCSV(c *Curve) []byte {
	var b bytes.Buffer
	b.Grow(32 * (c.Len() + 1))
	b.WriteString("timestamp;wh\n")
	var line []byte
	for i := range c.Values {
		line = c.At(i).AppendFormat(line[:0], "2006-01-02T15:04:05Z")
		line = append(line, ';')
		if c.Present[i] {
			line = strconv.AppendInt(line, c.Values[i], 10)
		}
		line = append(line, '\n')
		b.Write(line)
	}
	return b.Bytes()
}

// AggregateAnswer is the API form of an aggregate.
type AggregateAnswer struct {
	ID        int64     `json:"id,omitempty"`
	Purpose   string    `json:"purpose"`
	Flow      Flow      `json:"flow"`
	Step      Step      `json:"step"`
	Requested Step      `json:"requested_step,omitempty"`
	Unit      string    `json:"unit"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	Meters    int       `json:"meters"`
	Sum       NullInts  `json:"sum"`
	Mean      NullFloat `json:"mean"`
	Count     []int     `json:"count"`
	Masked    struct {
		Dominance int `json:"dominance"`
		Small     int `json:"too_few_meters"`
	} `json:"masked"`
	Rules struct {
		MinCohort int     `json:"min_cohort"`
		Dominance float64 `json:"dominance_threshold"`
	} `json:"rules"`
	TotalWh    int64 `json:"total_wh_released_steps"`
	JournalSeq int64 `json:"journal_seq,omitempty"`
}

// NullFloat marshals floats with null where absent.
type NullFloat struct {
	Values  []float64
	Present []bool
}

// MarshalJSON writes the array with nulls, one decimal.
func (n NullFloat) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 2+8*len(n.Values))
	b = append(b, '[')
	for i, v := range n.Values {
		if i > 0 {
			b = append(b, ',')
		}
		if n.Present[i] {
			b = strconv.AppendFloat(b, v, 'f', 1, 64)
		} else {
			b = append(b, "null"...)
		}
	}
	return append(b, ']'), nil
}

// UnmarshalJSON reads an array with nulls.
func (n *NullFloat) UnmarshalJSON(b []byte) error {
	var raw []*float64
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	n.Values, n.Present = make([]float64, len(raw)), make([]bool, len(raw))
	for i, p := range raw {
		if p != nil {
			n.Values[i], n.Present[i] = *p, true
		}
	}
	return nil
}

// AggregateJSON returns an aggregate in its API form.
func AggregateJSON(a *Aggregate) AggregateAnswer {
	out := AggregateAnswer{ID: a.ID, Purpose: a.Purpose, Flow: a.Flow, Step: a.Step, Requested: a.Requested, Unit: "Wh", Start: a.Start.UTC(), End: a.End.UTC(),
		Meters: a.Meters, Sum: NullInts{a.Sum, a.Present}, Mean: NullFloat{a.Mean, a.Present}, Count: a.Count, TotalWh: a.TotalWh, JournalSeq: a.JournalSeq}
	out.Masked.Dominance, out.Masked.Small = a.MaskedDominance, a.MaskedSmall
	out.Rules.MinCohort, out.Rules.Dominance = a.MinCohort, a.Dominance
	return out
}

// ConsentJSON is the API form of a consent: the fields of a consent record
// (DOMAIN §8) and its events with their receipts.
type ConsentJSON struct {
	ID        int64            `json:"id"`
	Status    Status           `json:"status"`
	Erased    bool             `json:"erased,omitempty"`
	Subject   string           `json:"subject"`
	Household string           `json:"household,omitempty"`
	Recipient ReceiptRecipient `json:"recipient"`
	Purpose   ReceiptPurpose   `json:"purpose"`
	// Categories and the other fields are absent from the stubs of erased
	// consents.
	Categories  []Category       `json:"data_categories,omitempty"`
	Meters      []string         `json:"source_meters,omitempty"`
	Period      *ReceiptPeriod   `json:"data_period,omitempty"`
	Resolution  Step             `json:"finest_resolution,omitempty"`
	Access      *ReceiptAccess   `json:"access,omitempty"`
	Validity    *ReceiptValidity `json:"validity,omitempty"`
	Retention   int              `json:"retention_days_after_end"`
	Notice      *ReceiptNotice   `json:"notice,omitempty"`
	NoticeText  string           `json:"notice_text,omitempty"`
	Message     string           `json:"message,omitempty"`
	RequestedAt time.Time        `json:"requested_at"`
	DecidedAt   *time.Time       `json:"decided_at,omitempty"`
	EndedAt     *time.Time       `json:"ended_at,omitempty"`
	Events      []EventJSON      `json:"events"`
}

// EventJSON is a consent event with its receipt.
type EventJSON struct {
	ID         int64           `json:"id"`
	Kind       Status          `json:"kind"`
	At         time.Time       `json:"at"`
	Actor      string          `json:"actor"`
	JournalSeq int64           `json:"journal_seq"`
	Receipt    json.RawMessage `json:"receipt,omitempty"`
}

func consentJSON(c *Consent, withReceipts bool) ConsentJSON {
	out := ConsentJSON{ID: c.ID, Status: c.Status, Erased: c.Erased, Subject: c.Subject,
		Recipient:   ReceiptRecipient{ID: c.Recipient.ID, Kind: c.Recipient.Kind, Name: c.Recipient.Name, SIREN: c.Recipient.SIREN},
		Purpose:     ReceiptPurpose{Code: c.Purpose, Text: c.PurposeText, LegalBasis: c.LegalBasis},
		RequestedAt: c.RequestedAt.UTC(), EndedAt: timePtr(c.EndedAt), Events: []EventJSON{}}
	if !c.Erased {
		out.Categories, out.Meters, out.Resolution, out.Retention = c.Categories, c.PRMs(), c.Resolution, c.RetentionDays
		if len(out.Meters) == 0 {
			out.Meters = c.RequestedPRMs
		}
		if out.Meters == nil {
			out.Meters = []string{}
		}
		out.Period = &ReceiptPeriod{From: c.DataFrom, To: c.DataTo}
		out.Access = &ReceiptAccess{Mode: c.Mode}
		if c.Mode == ModeAggregate {
			out.Access.MinCohort, out.Access.Dominance = c.MinCohort, c.Dominance
		}
		out.Validity = &ReceiptValidity{Months: c.ValidityMonths, From: timePtr(c.ValidFrom), Until: timePtr(c.ValidUntil)}
		out.Notice = &ReceiptNotice{Version: c.NoticeVersion, SHA256: c.NoticeHash}
		out.NoticeText, out.Message, out.DecidedAt = c.NoticeText, c.Message, timePtr(c.DecidedAt)
	}
	for _, e := range c.Events {
		ej := EventJSON{ID: e.ID, Kind: e.Kind, At: e.At.UTC(), Actor: e.Actor, JournalSeq: e.JournalSeq}
		if withReceipts {
			ej.Receipt = e.Receipt
		}
		out.Events = append(out.Events, ej)
	}
	return out
}

// ConsentRecord returns a consent in its API form.
func ConsentRecord(c *Consent) ConsentJSON { return consentJSON(c, true) }
