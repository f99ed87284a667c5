package acc

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
)

// ConsumerLine is a consumer's part of a statement.
type ConsumerLine struct {
	Participant
	Consumption, Allocated float64 // kWh
	Missing                int     // steps without reading (counted as zero)
}

// Complement is the energy bought from the consumer's supplier.
func (c ConsumerLine) Complement() float64 { return max(c.Consumption-c.Allocated, 0) }

// SelfProductionRate is allocated / consumption.
func (c ConsumerLine) SelfProductionRate() float64 { return ratio(c.Allocated, c.Consumption) }

// ProducerLine is a producer's part of a statement.
type ProducerLine struct {
	Participant
	Production, SelfConsumed float64
	Missing                  int
}

// Surplus is the production no consumer of the operation used.
func (p ProducerLine) Surplus() float64 { return max(p.Production-p.SelfConsumed, 0) }

// SelfConsumptionRate is self-consumed / production.
func (p ProducerLine) SelfConsumptionRate() float64 { return ratio(p.SelfConsumed, p.Production) }

func ratio(a, b float64) float64 {
	if b <= 0 {
		return 0
	}
	return a / b
}

// Statement is the monthly statement of an operation (relevé mensuel).
type Statement struct {
	Operation *Operation
	// Month is the first day of the month (Paris); Whole marks a statement
	// of the whole analysed period instead.
	Month      time.Time
	Whole      bool
	From, To   time.Time
	Steps      int
	Consumers  []ConsumerLine
	Producers  []ProducerLine
	Production float64
	Consumption,
	Allocated float64
	Rules       RuleSet
	FromConsent bool
	GeneratedAt time.Time
}

// Surplus is production − allocated.
func (s *Statement) Surplus() float64 { return max(s.Production-s.Allocated, 0) }

// Complement is consumption − allocated.
func (s *Statement) Complement() float64 { return max(s.Consumption-s.Allocated, 0) }

// SelfConsumptionRate is ΣA/ΣP.
func (s *Statement) SelfConsumptionRate() float64 { return ratio(s.Allocated, s.Production) }

// SelfProductionRate is ΣA/ΣC.
func (s *Statement) SelfProductionRate() float64 { return ratio(s.Allocated, s.Consumption) }

// MonthKey is the month as written in paths ("2024-06"), "" for the whole period.
func (s *Statement) MonthKey() string {
	if s.Whole {
		return ""
	}
	return s.Month.Format("2006-01")
}

func statementOf(o *Operation, a *Analysis, m *MonthTotals, now time.Time) *Statement {
	rules, _ := RulesByVersion(o.RuleVersion)
	st := &Statement{Operation: o, Month: m.Month, Steps: m.Steps, Production: m.Production, Consumption: m.Consumption,
		Allocated: m.Allocated, Rules: rules, FromConsent: a.FromConsent, GeneratedAt: now}
	for i, p := range a.Consumers {
		st.Consumers = append(st.Consumers, ConsumerLine{Participant: p, Consumption: m.Consumers[i].Consumption, Allocated: m.Consumers[i].Allocated, Missing: m.ConsMissing[i]})
	}
	for j, p := range a.Producers {
		st.Producers = append(st.Producers, ProducerLine{Participant: p, Production: m.Producers[j].Production, SelfConsumed: m.Producers[j].SelfConsumed, Missing: m.ProdMissing[j]})
	}
	return st
}

// Statement returns the statement of one month ("2024-06"), or of the
// whole analysed period when ym is "".
func (a *Analysis) Statement(o *Operation, ym string, now time.Time) (*Statement, error) {
	if ym == "" {
		st := statementOf(o, a, &a.Whole, now)
		st.Whole, st.From, st.To = true, a.Start, a.End
		return st, nil
	}
	m, ok := a.Month(ym)
	if !ok {
		return nil, errs.New(errs.NotFound, fmt.Sprintf("Pas de relevé pour le mois %s : les relevés couvrent %s à %s.", ym, a.Months[0].Month.Format("2006-01"), a.Months[len(a.Months)-1].Month.Format("2006-01")),
			fmt.Sprintf("No statement for month %s: readings cover %s to %s.", ym, a.Months[0].Month.Format("2006-01"), a.Months[len(a.Months)-1].Month.Format("2006-01")))
	}
	st := statementOf(o, a, m, now)
	st.From, st.To = m.Month, m.Month.AddDate(0, 1, 0)
	return st, nil
}

// StatementColumns is the header of the statement CSV.
var StatementColumns = []string{"month", "role", "name", "prm", "source", "consumption_kwh", "allocated_kwh", "complement_kwh",
	"self_production_rate", "production_kwh", "self_consumed_kwh", "surplus_kwh", "self_consumption_rate", "missing_steps"}

func kwh(v float64) string  { return strconv.FormatFloat(v, 'f', 3, 64) }
func rate(v float64) string { return strconv.FormatFloat(v, 'f', 4, 64) }

// writeRows writes one statement's rows (without header).
func writeRows(cw *csv.Writer, st *Statement) error {
	month := st.MonthKey()
	if st.Whole {
		month = st.From.In(st.Month.Location()).Format("2006-01") + "/" + st.To.Add(-time.Nanosecond).In(st.Month.Location()).Format("2006-01")
	}
	for _, c := range st.Consumers {
		if err := cw.Write([]string{month, string(Consumer), c.Name, c.PRM, string(c.Source), kwh(c.Consumption), kwh(c.Allocated),
			kwh(c.Complement()), rate(c.SelfProductionRate()), "", "", "", "", strconv.Itoa(c.Missing)}); err != nil {
			return err
		}
	}
	for _, p := range st.Producers {
		if err := cw.Write([]string{month, string(Producer), p.Name, p.PRM, string(p.Source), "", "", "", "",
			kwh(p.Production), kwh(p.SelfConsumed), kwh(p.Surplus()), rate(p.SelfConsumptionRate()), strconv.Itoa(p.Missing)}); err != nil {
			return err
		}
	}
	return cw.Write([]string{month, "operation", st.Operation.Name, "", "", kwh(st.Consumption), kwh(st.Allocated), kwh(st.Complement()),
		rate(st.SelfProductionRate()), kwh(st.Production), kwh(st.Allocated), kwh(st.Surplus()), rate(st.SelfConsumptionRate()), ""})
}

// WriteStatementCSV writes statements as CSV (`;`, decimal point, kWh with
// three decimals, rates as fractions): one row per participant and a row
// "operation" with the totals, for each statement given.
func WriteStatementCSV(w io.Writer, sts ...*Statement) error {
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	if err := cw.Write(StatementColumns); err != nil {
		return err
	}
	for _, st := range sts {
		if err := writeRows(cw, st); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// Statements returns the statement of every month of the analysis.
func (a *Analysis) Statements(o *Operation, now time.Time) []*Statement {
	var out []*Statement
	for i := range a.Months {
		st := statementOf(o, a, &a.Months[i], now)
		st.From, st.To = a.Months[i].Month, a.Months[i].Month.AddDate(0, 1, 0)
		out = append(out, st)
	}
	return out
}
