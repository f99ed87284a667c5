// Package i18n holds the two-language text type used across Fabrique.
// French is the reference language; English is the second language.
package i18n

import (
	"net/http"
	"strings"
)

// Supported languages, French first.
const (
	FR = "fr"
	EN = "en"
)

// Text is a user-facing sentence in both languages.
type Text struct {
	FR string `json:"fr"`
	EN string `json:"en"`
}

// T builds a Text from its French and English forms.
func T(fr, en string) Text { return Text{FR: fr, EN: en} }

// In returns the text in lang, falling back to French.
func (t Text) In(lang string) string {
	if lang == EN && t.EN != "" {
		return t.EN
	}
	return t.FR
}

// Normalize maps any language tag to a supported language, or "" when unknown.
func Normalize(tag string) string {
	tag = strings.ToLower(strings.TrimSpace(tag))
	switch {
	case tag == FR || strings.HasPrefix(tag, "fr-"):
		return FR
	case tag == EN || strings.HasPrefix(tag, "en-"):
		return EN
	}
	return ""
}

// CookieName is the cookie remembering the visitor's language choice.
const CookieName = "lang"

// FromRequest picks the language: explicit cookie first, then Accept-Language
// (by quality order), then French.
func FromRequest(r *http.Request) string {
	if c, err := r.Cookie(CookieName); err == nil {
		if l := Normalize(c.Value); l != "" {
			return l
		}
	}
	return FromAcceptLanguage(r.Header.Get("Accept-Language"))
}

// FromAcceptLanguage parses an Accept-Language header and returns the
// supported language with the highest quality, French when none matches.
func FromAcceptLanguage(h string) string {
	best, bestQ := "", -1.0
	for _, part := range strings.Split(h, ",") {
		fields := strings.Split(strings.TrimSpace(part), ";")
		lang := Normalize(fields[0])
		if lang == "" {
			continue
		}
		q := 1.0
		for _, f := range fields[1:] {
			f = strings.TrimSpace(f)
			if v, ok := strings.CutPrefix(f, "q="); ok {
				q = parseQ(v)
			}
		}
		if q > bestQ {
			best, bestQ = lang, q
		}
	}
	if best == "" || bestQ <= 0 {
		return FR
	}
	return best
}

func parseQ(s string) float64 {
	// q-values are 0, 1 or 0.xxx; parse by hand to avoid strconv edge cases.
	if s == "" {
		return 0
	}
	if s[0] == '1' {
		return 1
	}
	if s[0] != '0' {
		return 0
	}
	v, scale := 0.0, 0.1
	for _, c := range s[1:] {
		if c == '.' {
			continue
		}
		if c < '0' || c > '9' {
			break
		}
		v += float64(c-'0') * scale
		scale /= 10
	}
	return v
}
