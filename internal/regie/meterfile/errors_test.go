package meterfile

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// Lines 1-4; data rows start on line 5.
const custHead = "Identifiant PRM;Type de donnees;Date de debut;Date de fin;Grandeur physique;Grandeur metier;Etape metier;Unite;Pas en minutes\n" +
	"30001234567890;Courbe de charge;01/01/2024;02/01/2024;Energie active;Consommation;Comptage Brut;W;30\n" +
	"\n" +
	"Horodate;Valeur\n"

const sgeHead = "Identifiant PRM;Date de debut;Date de fin;Grandeur physique;Grandeur metier;Etape metier;Unite;Horodate;Valeur;Nature;Pas\n"

const measHead = "Date de la mesure;Heure de la mesure;Valeur;Statut de la mesure;PRM;Unité;Pas en minutes\n"

func sgeRow(prm, flow, unit, ts, val, pas string) string {
	return prm + ";;;PA;" + flow + ";BRUT;" + unit + ";" + ts + ";" + val + ";R;" + pas + "\n"
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		opts      Options
		code      string
		line      int
		column    string
		otherLine int
		fr        string // a fragment the French reason must hold
	}{
		{"empty", "", Options{}, CodeEmpty, 1, "", 0, "vide"},
		{"blank lines", "\n \r\n\n", Options{}, CodeEmpty, 1, "", 0, "vide"},
		{"unknown header", "foo;bar\n1;2\n", Options{}, CodeFormat, 2, "", 0, "non reconnu"},
		{"header only", custHead, Options{}, CodeEmpty, 4, "", 0, "aucune ligne"},
		{"value not a number", custHead + "2024-01-01T00:30:00+01:00;12\n2024-01-01T01:00:00+01:00;abc\n", Options{}, CodeValue, 6, "Valeur", 0, "non numérique"},
		{"negative value", custHead + "2024-01-01T00:30:00+01:00;-12\n", Options{}, CodeValue, 5, "Valeur", 0, "négative"},
		{"bad timestamp", custHead + "2024-01-01T00:30:00+01:00;1\n2024-01-01 1h00;2\n", Options{}, CodeTimestamp, 6, "Horodate", 0, "invalide"},
		{"missing offset", custHead + "2024-01-01T00:30:00;1\n", Options{}, CodeTimestamp, 5, "Horodate", 0, "décalage"},
		{"year out of range", custHead + "1980-01-01T00:30:00+01:00;1\n", Options{}, CodeTimestamp, 5, "Horodate", 0, "année"},
		{"missing timestamp", custHead + ";12\n", Options{}, CodeTimestamp, 5, "Horodate", 0, "manquante"},
		{"conflicting duplicate", custHead + "2024-01-01T00:30:00+01:00;100\n2024-01-01T01:00:00+01:00;100\n2024-01-01T00:30:00+01:00;300\n", Options{}, CodeDuplicate, 7, "", 5, "ligne 5"},
		{"same instant written twice with other offsets", custHead + "2024-01-01T00:30:00+01:00;100\n2023-12-31T23:30:00Z;102\n", Options{}, CodeDuplicate, 6, "", 5, "autre valeur"},
		{"not on the step", custHead + "2024-01-01T00:30:00+01:00;1\n2024-01-01T00:45:00+01:00;1\n", Options{}, CodeAlignment, 6, "", 0, "non alignée"},
		{"fraction of second", custHead + "2024-01-01T00:30:00.5+01:00;1\n", Options{}, CodeAlignment, 5, "Horodate", 0, "fraction"},
		{"too many fields", custHead + "2024-01-01T00:30:00+01:00;1;2\n", Options{}, CodeColumns, 5, "", 0, "3 champs"},
		{"unterminated quote", custHead + "2024-01-01T00:30:00+01:00;\"1\n", Options{}, CodeColumns, 5, "", 0, "guillemet"},
		{"PRM of 13 digits", strings.Replace(custHead, "30001234567890", "3000123456789", 1) + "2024-01-01T00:30:00+01:00;1\n", Options{}, CodePRM, 2, "Identifiant PRM", 0, "13 chiffres"},
		{"PRM with a letter", strings.Replace(custHead, "30001234567890", "3000123456789O", 1) + "2024-01-01T00:30:00+01:00;1\n", Options{}, CodePRM, 2, "Identifiant PRM", 0, "pas un chiffre"},
		{"other meter", custHead + "2024-01-01T00:30:00+01:00;1\n", Options{PRM: "30001234567891"}, CodePRM, 2, "Identifiant PRM", 0, "30001234567891"},
		{"invalid expected PRM", custHead, Options{PRM: "123"}, CodePRM, 1, "", 0, "PRM attendu"},
		{"unknown unit", strings.Replace(custHead, ";W;30", ";VA;30", 1) + "2024-01-01T00:30:00+01:00;1\n", Options{}, CodeUnit, 2, "Unite", 0, "VA"},
		{"unsupported step", strings.Replace(custHead, ";W;30", ";W;7", 1) + "2024-01-01T00:30:00+01:00;1\n", Options{}, CodeStep, 2, "Pas en minutes", 0, "non pris en charge"},
		{"step not stated and one row", strings.Replace(custHead, ";W;30", ";W;", 1) + "2024-01-01T00:30:00+01:00;1\n", Options{}, CodeStep, 5, "", 0, "déterminer le pas"},
		{"step not stated and irregular rows", strings.Replace(custHead, ";W;30", ";W;", 1) + "2024-01-01T00:30:00+01:00;1\n2024-01-01T00:37:00+01:00;1\n", Options{}, CodeStep, 5, "", 0, "déterminer le pas"},
		{"index export", "Identifiant PRM;Type de donnees;Date de debut;Date de fin;Grandeur physique;Grandeur metier;Etape metier;Unite\n30001234567890;Index;01/01/2024;02/01/2024;Energie active;Consommation;Comptage Brut;Wh\nHorodate;Type de releve;EAS F1;EAS F2\n", Options{}, CodeFormat, 3, "", 0, "index"},
		{"max power export", "Identifiant PRM;Type de donnees;Date de debut;Date de fin;Grandeur physique;Grandeur metier;Etape metier;Unite\n30001234567890;Puissance maximale quotidienne;01/01/2024;02/01/2024;Puissance maximale atteinte;Consommation;;VA\nHorodate;Valeur\n2024-01-01T00:00:00+01:00;6000\n", Options{}, CodeFormat, 2, "Type de donnees", 0, "puissance maximale"},
		{"daily not at midnight", strings.Replace(strings.Replace(custHead, "Courbe de charge", "Consommation quotidienne", 1), ";W;30", ";Wh;", 1) + "2024-01-01T00:00:00+01:00;1\n2024-01-02T01:00:00+01:00;1\n", Options{}, CodeDaily, 6, "Horodate", 0, "minuit"},
		{"daily in watts", strings.Replace(custHead, ";W;30", ";W;", 1) + "2024-01-01T00:00:00+01:00;1\n", Options{Format: FormatCustomerDaily}, CodeUnit, 5, "", 0, "puissance"},
		{"forced format mismatch", custHead + "2024-01-01T00:30:00+01:00;1\n", Options{Format: FormatSGE}, CodeFormat, 4, "", 0, "format demandé"},
		{"unknown forced format", custHead, Options{Format: "xls"}, CodeFormat, 1, "", 0, "format inconnu"},
		{"spring gap local time", measHead + "31/03/2024;02:00;100;R;30001234567890;W;30\n31/03/2024;02:30;100;R;30001234567890;W;30\n", Options{}, CodeDST, 2, "Heure de la mesure", 0, "inexistante"},
		{"bad local time", measHead + "31/03/2024;2h30;100;R;30001234567890;W;30\n", Options{}, CodeTimestamp, 2, "Heure de la mesure", 0, "heure attendue"},
		{"bad local date", measHead + "31-03-2024;02:30;100;R;30001234567890;W;30\n", Options{}, CodeTimestamp, 2, "Date de la mesure", 0, "date attendue"},
		{"two meters", sgeHead + sgeRow("30001234567890", "CONS", "W", "2024-01-01T00:00:00+01:00", "1", "PT30M") + sgeRow("30001234567899", "CONS", "W", "2024-01-01T00:30:00+01:00", "1", "PT30M"), Options{}, CodePRM, 3, "Identifiant PRM", 2, "ligne 2"},
		{"mixed flows", sgeHead + sgeRow("30001234567890", "CONS", "W", "2024-01-01T00:00:00+01:00", "1", "PT30M") + sgeRow("30001234567890", "PROD", "W", "2024-01-01T00:00:00+01:00", "1", "PT30M"), Options{}, CodeFlow, 3, "Grandeur metier", 2, "mélange"},
		{"flow absent", sgeHead + sgeRow("30001234567890", "CONS", "W", "2024-01-01T00:00:00+01:00", "1", "PT30M"), Options{Flow: FlowProduction}, CodeFlow, 2, "", 0, "aucune ligne du flux"},
		{"bad ISO step", sgeHead + sgeRow("30001234567890", "CONS", "W", "2024-01-01T00:00:00+01:00", "1", "PT7M"), Options{}, CodeStep, 2, "Pas", 0, "PT7M"},
		{"row unit unknown", sgeHead + sgeRow("30001234567890", "CONS", "VAr", "2024-01-01T00:00:00+01:00", "1", "PT30M"), Options{}, CodeUnit, 2, "Unite", 0, "VAr"},
		{"overlapping steps", sgeHead + sgeRow("30001234567890", "CONS", "W", "2024-01-01T00:00:00+01:00", "1", "PT30M") + sgeRow("30001234567890", "CONS", "W", "2024-01-01T00:10:00+01:00", "1", "PT10M"), Options{}, CodeOverlap, 3, "", 2, "chevauche"},
		{"comma separator and decimal comma", "timestamp,kwh\n2024-01-01T00:00:00Z,0,25\n", Options{}, CodeColumns, 2, "", 0, "virgule"},
		{"plain without offset", "timestamp;kwh\n2024-01-01T00:00:00;0,25\n", Options{}, CodeTimestamp, 2, "timestamp", 0, "décalage"},
		{"implausible value", "timestamp;kwh\n2024-01-01T00:00:00Z;99999999999\n2024-01-01T00:30:00Z;1\n", Options{}, CodeValue, 2, "", 0, "invraisemblable"},
		{"too large", custHead + strings.Repeat("2024-01-01T00:30:00+01:00;1\n", 100), Options{MaxBytes: 500}, CodeTooLarge, 14, "", 0, "volumineux"},
		{"too long", custHead + "2024-01-01T00:30:00+01:00;1\n2030-01-01T00:30:00+01:00;1\n", Options{MaxSlots: 1000}, CodeSpan, 6, "", 0, "trop longue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(strings.NewReader(tt.in), tt.opts)
			if err == nil {
				t.Fatalf("accepted: %+v", c.Stats)
			}
			if c != nil {
				t.Error("a curve came with the error")
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T %v is not a *ParseError", err, err)
			}
			if pe.Code != tt.code || pe.Line != tt.line || pe.Column != tt.column || pe.OtherLine != tt.otherLine {
				t.Errorf("got code %q line %d column %q other %d, want %q %d %q %d: %v",
					pe.Code, pe.Line, pe.Column, pe.OtherLine, tt.code, tt.line, tt.column, tt.otherLine, err)
			}
			if !strings.Contains(pe.Reason, tt.fr) {
				t.Errorf("French reason %q lacks %q", pe.Reason, tt.fr)
			}
			if pe.ReasonEN == "" || pe.ReasonEN == pe.Reason {
				t.Errorf("English reason missing: %q", pe.ReasonEN)
			}
			if msg := pe.Error(); !strings.Contains(msg, "ligne ") || !strings.Contains(msg, "(line ") {
				t.Errorf("message %q lacks the line in both languages", msg)
			}
		})
	}
}

func TestReadErrorCarriesLine(t *testing.T) {
	cause := errors.New("disk on fire")
	r := io.MultiReader(strings.NewReader(custHead), iotest.ErrReader(cause))
	_, err := Parse(r, Options{})
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Code != CodeRead || pe.Line != 5 || !errors.Is(err, cause) {
		t.Fatalf("got %#v", err)
	}
}

func TestDetectErrors(t *testing.T) {
	for _, in := range []string{"", "hello\nworld\n", "a;b;c\n1;2;3\n"} {
		if f, err := Detect([]byte(in)); err == nil {
			t.Errorf("Detect(%q) = %q without error", in, f)
		}
	}
	var b bytes.Buffer
	b.WriteString("Horodate;Type de releve;EAS F1\n")
	if _, err := Detect(b.Bytes()); err == nil {
		t.Error("index export detected as supported")
	}
}
