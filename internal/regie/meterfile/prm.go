package meterfile

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// PRMLength is the number of digits of a PRM (point de référence mesure).
const PRMLength = 14

// PRMError explains why a PRM is invalid.
type PRMError struct {
	Value    string
	Reason   string // French
	ReasonEN string // English
}

func (e *PRMError) Error() string {
	return fmt.Sprintf("PRM invalide « %s » : %s (invalid PRM %q: %s)", e.Value, e.Reason, e.Value, e.ReasonEN)
}

// ValidPRM checks that s is a PRM: exactly 14 ASCII digits, nothing else.
// No check digit is tested: none is published for the PRM.
func ValidPRM(s string) error {
	if fr, en, ok := checkPRM(s); !ok {
		return &PRMError{Value: shown([]byte(s)), Reason: fr, ReasonEN: en}
	}
	return nil
}

// NormalizePRM removes the spaces people type or copy from bills
// ("1234 5678 9012 34") and validates the result.
func NormalizePRM(s string) (string, error) {
	t := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\u00a0', '\u202f', '.', '-':
			return -1
		}
		return r
	}, strings.TrimSpace(s))
	if err := ValidPRM(t); err != nil {
		return "", err
	}
	return t, nil
}

func checkPRM(s string) (fr, en string, ok bool) {
	if s == "" {
		return "le PRM est vide", "the PRM is empty", false
	}
	for i, r := range s {
		if r < '0' || r > '9' {
			if r == utf8.RuneError {
				return fmt.Sprintf("caractère illisible en position %d", i+1),
					fmt.Sprintf("unreadable character at position %d", i+1), false
			}
			return fmt.Sprintf("« %c » n'est pas un chiffre", r),
				fmt.Sprintf("%q is not a digit", r), false
		}
	}
	if len(s) != PRMLength {
		return fmt.Sprintf("%d chiffres au lieu de %d", len(s), PRMLength),
			fmt.Sprintf("%d digits instead of %d", len(s), PRMLength), false
	}
	return "", "", true
}
