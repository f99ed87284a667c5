package territory

import (
	"strings"
	"testing"
	"unicode"
)

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Prats-de-Mollo-la-Preste", "prats de mollo la preste"},
		{"PRATS-DE-MOLLO", "prats de mollo"},
		{"  prats   de--mollo  ", "prats de mollo"},
		{"Saint-Étienne", "saint etienne"},
		{"SAINT ÉTIENNE", "saint etienne"},
		{"St-Étienne", "saint etienne"},
		{"Ste-Marie", "sainte marie"},
		{"L'Abergement-Clémenciat", "l abergement clemenciat"},
		{"L’Île-d’Yeu", "l ile d yeu"},
		{"Cœuvres-et-Valsery", "coeuvres et valsery"},
		{"ŒUILLY", "oeuilly"},
		{"Bonnœil", "bonnoeil"},
		{"Saint-Jean-de-Luz (64)", "saint jean de luz 64"},
		{"Ville de Paris", "ville de paris"},
		{"66 230", "66230"},
		{"2A", "2a"},
		{"e\u0301tienne", "etienne"}, // decomposed accent
		{"Straße", "strasse"},
		{"", ""},
		{" - ' ", ""},
		{"strasbourg", "strasbourg"},
	}
	for _, tt := range tests {
		if got := Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormalizeQueryKeepsUnfinishedAbbreviation(t *testing.T) {
	tests := []struct{ in, want string }{
		{"st", "st"},     // may be the start of Strasbourg
		{"st ", "saint"}, // a finished word
		{"st etienne", "saint etienne"},
		{"saint-ét", "saint et"},
		{"ste", "ste"},
	}
	for _, tt := range tests {
		if got := string(normalizeQuery(nil, tt.in)); got != tt.want {
			t.Errorf("normalizeQuery(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestHasWordPrefix(t *testing.T) {
	tests := []struct {
		s, w string
		want bool
	}{
		{"prats de mollo la preste", "mollo", true},
		{"prats de mollo la preste", "mol", true},
		{"prats de mollo la preste", "prats", true},
		{"prats de mollo la preste", "ollo", false},
		{"prats de mollo la preste", "preste x", false},
		{"a", "ab", false},
	}
	for _, tt := range tests {
		if got := hasWordPrefix(tt.s, tt.w); got != tt.want {
			t.Errorf("hasWordPrefix(%q, %q) = %v", tt.s, tt.w, got)
		}
	}
}

// checkNormalized fails unless s looks like Normalize output.
func checkNormalized(t *testing.T, in, s string) {
	t.Helper()
	if strings.HasPrefix(s, " ") || strings.HasSuffix(s, " ") || strings.Contains(s, "  ") {
		t.Fatalf("Normalize(%q) = %q: stray spaces", in, s)
	}
	for _, r := range s {
		if r != ' ' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			t.Fatalf("Normalize(%q) = %q: holds %q", in, s, r)
		}
		if unicode.ToLower(r) != r {
			t.Fatalf("Normalize(%q) = %q: holds upper-case %q", in, s, r)
		}
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"Prats-de-Mollo", "Saint-Étienne", "st ", "66 230", "Œ", "e\u0301", "\xff", "İ", "ǅ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		checkNormalized(t, s, n)
		if again := Normalize(n); again != n {
			t.Fatalf("Normalize is not idempotent: %q → %q → %q", s, n, again)
		}
	})
}
