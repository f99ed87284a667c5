package frtext

import "sort"

// suffixes removed by Stem, tried longest first; one is removed at most. They join the nouns,
// adjectives and verbs of one family: énergie, énergies, énergétique → energ; coopérative,
// coopération, coopérateur → cooper; territoire, territorial, territoriaux → territ.
var suffixes = func() []string {
	s := []string{
		"issement", "ement", "ation", "ateur", "atrice", "atif", "ative", "etique", "ique",
		"isme", "iste", "ite", "ete", "eur", "euse", "ence", "ance", "oriale", "orial", "oire",
		"ee", "ie", "if", "ive", "elle", "el", "ale", "al", "er", "ir",
	}
	sort.SliceStable(s, func(i, j int) bool { return len(s[i]) > len(s[j]) })
	return s
}()

// minStem is the shortest stem a suffix removal may leave.
const minStem = 3

func hasSuffix(w, s string) bool { return len(w) >= len(s) && w[len(w)-len(s):] == s }

func isVowel(c byte) bool {
	switch c {
	case 'a', 'e', 'i', 'o', 'u', 'y':
		return true
	}
	return false
}

// Stem reduces a folded word (lower case, no accents: see Fold) to the stem shared by its
// inflections and near derivations. It is deliberately light and predictable: plural, one
// derivational suffix or a final e, then a doubled final consonant. Words of three letters or
// less and words with digits are kept as they are.
func Stem(w string) string {
	if len(w) <= 3 {
		return w
	}
	for i := 0; i < len(w); i++ {
		if c := w[i]; c < 'a' || c > 'z' {
			return w
		}
	}
	// Plural.
	switch {
	case hasSuffix(w, "eaux"):
		w = w[:len(w)-1]
	case hasSuffix(w, "aux") && len(w) > 4:
		w = w[:len(w)-3] + "al"
	case hasSuffix(w, "s") && !hasSuffix(w, "ss"):
		w = w[:len(w)-1]
	case hasSuffix(w, "x") && isVowel(w[len(w)-2]):
		w = w[:len(w)-1]
	}
	cut := false
	for _, s := range suffixes {
		if hasSuffix(w, s) && len(w)-len(s) >= minStem {
			w = w[:len(w)-len(s)]
			cut = true
			break
		}
	}
	if !cut && hasSuffix(w, "e") && len(w)-1 >= minStem {
		w = w[:len(w)-1]
	}
	// Doubled final consonant: citoyenn → citoyen, biomass → biomas.
	if n := len(w); n > minStem && w[n-1] == w[n-2] && !isVowel(w[n-1]) {
		w = w[:n-1]
	}
	return w
}
