package meterfile

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"
)

// Missing marks a gap in the slices given to the writers: the row is written
// with an empty value.
const Missing int64 = math.MinInt64

// The writers produce files in the supported layouts, for tests, benchmarks and
// demonstration data. start is the UTC start of the first interval and must
// fall on the step; values follow at every step.

// WriteCustomerExport writes a customer load-curve export ("Mes mesures"):
// header block, then Horodate;Valeur rows with the average power in W,
// stamped at the end of each interval in French legal time.
func WriteCustomerExport(w io.Writer, prm string, start time.Time, step time.Duration, watts []int64) error {
	s, err := checkWrite(prm, start, step, true)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	u0 := start.Unix()
	uEnd := u0 + int64(len(watts))*s
	fmt.Fprintf(bw, "Identifiant PRM;Type de donnees;Date de debut;Date de fin;Grandeur physique;Grandeur metier;Etape metier;Unite;Pas en minutes\n")
	fmt.Fprintf(bw, "%s;Courbe de charge;%s;%s;Energie active;Consommation;Comptage Brut;W;%d\n\nHorodate;Valeur\n",
		prm, frDate(u0), frDate(uEnd), s/60)
	var buf []byte
	for i, v := range watts {
		buf = appendParis(buf[:0], u0+int64(i+1)*s)
		buf = append(buf, ';')
		buf = appendValue(buf, v)
		buf = append(buf, '\n')
		bw.Write(buf)
	}
	return bw.Flush()
}

// WriteCustomerMeasures writes the detailed customer export: French local
// date and time at the end of each interval (no offset), average power in W.
func WriteCustomerMeasures(w io.Writer, prm string, start time.Time, step time.Duration, watts []int64) error {
	s, err := checkWrite(prm, start, step, true)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	u0 := start.Unix()
	uEnd := u0 + int64(len(watts))*s
	bw.WriteString("Date de la mesure;Heure de la mesure;Valeur;Statut de la mesure;PRM;Type de données;Date de début;Date de fin;Grandeur métier;Grandeur physique;Statut demandé;Unité;Pas en minutes\n")
	tail := fmt.Sprintf(";%s;Courbe de charge;%s;%s;Consommation;Puissance active;Réelle;W;%d\n", prm, frDate(u0), frDate(uEnd), s/60)
	var buf []byte
	for i, v := range watts {
		u := u0 + int64(i+1)*s
		l := u + parisOffsetUnix(u)
		day := floorDiv(l, secondsPerDay)
		y, m, d := civilFromDays(day)
		sec := l - day*secondsPerDay
		buf = buf[:0]
		buf = appendInt(buf, y, 4)
		buf = append(buf, '-')
		buf = appendInt(buf, m, 2)
		buf = append(buf, '-')
		buf = appendInt(buf, d, 2)
		buf = append(buf, ';')
		buf = appendInt(buf, int(sec/3600), 2)
		buf = append(buf, ':')
		buf = appendInt(buf, int(sec/60%60), 2)
		buf = append(buf, ":00;"...)
		buf = appendValue(buf, v)
		if v == Missing {
			buf = append(buf, ';')
		} else {
			buf = append(buf, ";R"...)
		}
		buf = append(buf, tail...)
		bw.Write(buf)
	}
	return bw.Flush()
}

// WriteCustomerMeanPower writes the two-column export "horodate ISO fin de
// pas;puissance moyenne (W)" after a one-line preamble naming the PRM.
func WriteCustomerMeanPower(w io.Writer, prm string, start time.Time, step time.Duration, watts []int64) error {
	s, err := checkWrite(prm, start, step, true)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	fmt.Fprintf(bw, "Identifiant PRM;%s;Type de donnees;Courbe de charge;\nhorodate ISO fin de pas;puissance moyenne (W)\n", prm)
	u0 := start.Unix()
	var buf []byte
	for i, v := range watts {
		buf = appendParis(buf[:0], u0+int64(i+1)*s)
		buf = append(buf, ';')
		buf = appendValue(buf, v)
		buf = append(buf, '\n')
		bw.Write(buf)
	}
	return bw.Flush()
}

// WriteDailyEnergy writes a customer daily-energy export: one row per French
// calendar day from firstDay (its year, month and day are used), stamped at
// local midnight, in Wh.
func WriteDailyEnergy(w io.Writer, prm string, firstDay time.Time, wh []int64) error {
	if prm != "" {
		if err := ValidPRM(prm); err != nil {
			return err
		}
	}
	y, m, d := firstDay.Date()
	day0 := daysFromCivil(y, int(m), d)
	bw := bufio.NewWriterSize(w, 64<<10)
	fmt.Fprintf(bw, "Identifiant PRM;Type de donnees;Date de debut;Date de fin;Grandeur physique;Grandeur metier;Etape metier;Unite\n")
	fmt.Fprintf(bw, "%s;Consommation quotidienne;%s;%s;Energie active;Consommation;Comptage Brut;Wh\n\nHorodate;Valeur\n",
		prm, frDate(parisMidnightUnix(day0)), frDate(parisMidnightUnix(day0+int64(len(wh)))))
	var buf []byte
	for i, v := range wh {
		buf = appendParis(buf[:0], parisMidnightUnix(day0+int64(i)))
		buf = append(buf, ';')
		buf = appendValue(buf, v)
		buf = append(buf, '\n')
		bw.Write(buf)
	}
	return bw.Flush()
}

// WriteSGE writes a third-party SGE/R63 file: one row per interval, stamped at
// its start in French legal time, average power in W, step as ISO 8601.
func WriteSGE(w io.Writer, prm string, start time.Time, step time.Duration, watts []int64) error {
	s, err := checkWrite(prm, start, step, true)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	u0 := start.Unix()
	uEnd := u0 + int64(len(watts))*s
	bw.WriteString("Identifiant PRM;Date de debut;Date de fin;Grandeur physique;Grandeur metier;Etape metier;Unite;Horodate;Valeur;Nature;Pas\n")
	var head []byte
	head = append(head, prm...)
	head = append(head, ';')
	head = appendParis(head, u0)
	head = append(head, ';')
	head = appendParis(head, uEnd)
	head = append(head, ";PA;CONS;BRUT;W;"...)
	pas := "PT" + strconv.FormatInt(s/60, 10) + "M"
	var buf []byte
	for i, v := range watts {
		buf = append(buf[:0], head...)
		buf = appendParis(buf, u0+int64(i)*s)
		buf = append(buf, ';')
		buf = appendValue(buf, v)
		buf = append(buf, ";R;"...)
		buf = append(buf, pas...)
		buf = append(buf, '\n')
		bw.Write(buf)
	}
	return bw.Flush()
}

// WritePlain writes a plain timestamp;kwh file: UTC instants (Z) at the start
// of each interval, energy in kWh with three decimals (exact for whole Wh).
func WritePlain(w io.Writer, start time.Time, step time.Duration, wh []int64) error {
	s, err := checkWrite("", start, step, false)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString("timestamp;kwh\n")
	u0 := start.Unix()
	var buf []byte
	for i, v := range wh {
		buf = appendUTC(buf[:0], u0+int64(i)*s)
		buf = append(buf, ';')
		if v != Missing {
			if v < 0 {
				buf = append(buf, '-')
				v = -v
			}
			buf = strconv.AppendInt(buf, v/1000, 10)
			buf = append(buf, '.')
			buf = appendInt(buf, int(v%1000), 3)
		}
		buf = append(buf, '\n')
		bw.Write(buf)
	}
	return bw.Flush()
}

func checkWrite(prm string, start time.Time, step time.Duration, needPRM bool) (int64, error) {
	if needPRM || prm != "" {
		if err := ValidPRM(prm); err != nil {
			return 0, err
		}
	}
	if step%time.Second != 0 || !validStep(int64(step/time.Second)) {
		return 0, fmt.Errorf("pas %v non pris en charge (unsupported step %v)", step, step)
	}
	s := int64(step / time.Second)
	if start.Nanosecond() != 0 || floorMod(start.Unix(), s) != 0 {
		return 0, fmt.Errorf("début %v non aligné sur le pas (start %v not on the step)", start, start)
	}
	return s, nil
}

func appendValue(b []byte, v int64) []byte {
	if v == Missing {
		return b
	}
	return strconv.AppendInt(b, v, 10)
}

func appendInt(b []byte, v, width int) []byte {
	var tmp [20]byte
	i := len(tmp)
	for v > 0 || i > len(tmp)-width {
		i--
		tmp[i] = byte('0' + v%10)
		v /= 10
	}
	return append(b, tmp[i:]...)
}

// appendParis formats an instant as ISO 8601 in French legal time with its offset.
func appendParis(b []byte, u int64) []byte {
	off := parisOffsetUnix(u)
	b = appendCivil(b, u+off)
	b = append(b, '+')
	b = appendInt(b, int(off/3600), 2)
	return append(b, ":00"...)
}

func appendUTC(b []byte, u int64) []byte {
	return append(appendCivil(b, u), 'Z')
}

func appendCivil(b []byte, l int64) []byte {
	day := floorDiv(l, secondsPerDay)
	y, m, d := civilFromDays(day)
	sec := int(l - day*secondsPerDay)
	b = appendInt(b, y, 4)
	b = append(b, '-')
	b = appendInt(b, m, 2)
	b = append(b, '-')
	b = appendInt(b, d, 2)
	b = append(b, 'T')
	b = appendInt(b, sec/3600, 2)
	b = append(b, ':')
	b = appendInt(b, sec/60%60, 2)
	b = append(b, ':')
	return appendInt(b, sec%60, 2)
}

// frDate formats the French calendar date of an instant as DD/MM/YYYY.
func frDate(u int64) string {
	day, _ := parisDay(u)
	y, m, d := civilFromDays(day)
	return fmt.Sprintf("%02d/%02d/%04d", d, m, y)
}
