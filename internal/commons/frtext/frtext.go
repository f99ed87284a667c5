// Package frtext is the French text analysis shared by both search engines: folding (case,
// accents, ligatures), word splitting, stop words and a light French stemmer, for the indexed
// text and for queries alike.
//
// Both stores index the output of Terms, not the raw text: SQLite's FTS5 and PostgreSQL's
// tsvector then only match exact or prefix tokens that this package produced, so the same query
// finds the same resources on both. Every token is made of ASCII lower-case letters and digits
// only (other letters are spelled as "u" plus their code point in hexadecimal), which both
// engines' tokenizers keep whole and unchanged.
package frtext

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxTokenLen is the longest token kept (bytes); longer ones (hashes, glued words) are dropped.
const MaxTokenLen = 60

// MaxTokens bounds the tokens indexed per document: PostgreSQL positions stop at 16,383, so
// both engines index the same first tokens.
const MaxTokens = 16000

// foldRune appends the folded form of one lower-case rune without diacritics.
func foldRune(b []byte, r rune) []byte {
	switch {
	case r < utf8.RuneSelf:
		return append(b, byte(r))
	case r == 'œ':
		return append(b, "oe"...)
	case r == 'æ':
		return append(b, "ae"...)
	case r == 'ß':
		return append(b, "ss"...)
	case r == 'ø':
		return append(b, 'o')
	case r == 'ł':
		return append(b, 'l')
	case r == 'đ', r == 'ð':
		return append(b, 'd')
	case r == 'þ':
		return append(b, "th"...)
	case r == 'ı':
		return append(b, 'i')
	}
	return utf8.AppendRune(b, r)
}

// Fold lowercases s, removes diacritics and expands ligatures: "Énergie Œuvre" → "energie oeuvre".
func Fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(s)
	}
	b := make([]byte, 0, len(s))
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		b = foldRune(b, unicode.ToLower(r))
	}
	return string(b)
}

// isWordRune says which runes make words; everything else separates them.
func isWordRune(r rune) bool {
	return r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') ||
		r >= utf8.RuneSelf && unicode.IsLetter(r)
}

// Words splits folded text into words: maximal runs of letters and ASCII digits. Letters that
// are still not ASCII after folding are spelled "u<hex>" so tokens stay ASCII.
func Words(s string, fn func(w string) bool) {
	s = Fold(s)
	var buf []byte
	flush := func() bool {
		if len(buf) == 0 {
			return true
		}
		w := string(buf)
		buf = buf[:0]
		if len(w) > MaxTokenLen {
			return true
		}
		return fn(w)
	}
	for _, r := range s {
		if !isWordRune(r) {
			if !flush() {
				return
			}
			continue
		}
		if r < utf8.RuneSelf {
			buf = append(buf, byte(unicode.ToLower(r)))
			continue
		}
		buf = append(buf, 'u')
		buf = strconv.AppendInt(buf, int64(r), 16)
	}
	flush()
}

// Terms returns the indexed tokens of a text: words without stop words and single letters,
// stemmed, in order, at most max of them (max <= 0: MaxTokens).
func Terms(s string, max int) []string {
	if max <= 0 {
		max = MaxTokens
	}
	var out []string
	Words(s, func(w string) bool {
		if t, ok := Term(w); ok {
			out = append(out, t)
		}
		return len(out) < max
	})
	return out
}

// Term turns one folded word into its token; ok is false for stop words and lone letters.
func Term(w string) (string, bool) {
	if len(w) == 1 && (w[0] < '0' || w[0] > '9') {
		return "", false
	}
	if stopWords[w] {
		return "", false
	}
	return Stem(w), true
}

// Join appends tokens to b separated by single spaces.
func Join(b *strings.Builder, terms []string) {
	for _, t := range terms {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(t)
	}
}

// Document builds the text given to the full-text engines from several fields, in order, each
// analysed by Terms, within MaxTokens in all.
func Document(fields ...string) string {
	var b strings.Builder
	left := MaxTokens
	for _, f := range fields {
		if left <= 0 {
			break
		}
		ts := Terms(f, left)
		left -= len(ts)
		Join(&b, ts)
	}
	return b.String()
}

// stopWords are frequent French (and a few English) words that carry no search meaning.
var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`au aux avec ce ces cet cette ceux dans de des du elle elles en et eux il ils
		je la le les leur leurs lui ma mais me meme mes moi mon ne nos notre nous on ou par pas pour qu que qui
		sa se ses son sur ta te tes toi ton tu un une vos votre vous est sont etre avoir ont sans sous entre vers
		chez dont comme plus ainsi aussi afin tres cela ceci ici
		the of and to in for an is on with by or at from as be are this that`) {
		m[w] = true
	}
	return m
}()

// IsStopWord reports whether a folded word is left out of the index.
func IsStopWord(w string) bool { return stopWords[w] }

// foldTable caches the folded form of the letters below U+0250 (Latin scripts).
var foldTable = func() [0x250]string {
	var t [0x250]string
	for r := rune(0); r < 0x250; r++ {
		t[r] = Fold(string(r))
	}
	return t
}()

// IsWordRune reports whether r belongs to words (letters and ASCII digits).
func IsWordRune(r rune) bool { return isWordRune(r) }

// AppendFolded appends the folded form of one rune (lower case, no diacritics).
func AppendFolded(b []byte, r rune) []byte {
	switch {
	case r < utf8.RuneSelf:
		return append(b, byte(unicode.ToLower(r)))
	case r < 0x250:
		return append(b, foldTable[r]...)
	}
	return append(b, Fold(string(r))...)
}

// FirstMatch returns the index, in runes, of the first word of text that starts with one of
// the terms (folded, as Terms and Parse produce them), or -1. It stops at the first match and
// allocates little, for placing excerpts in long texts.
func FirstMatch(text string, terms []string) int {
	if len(terms) == 0 {
		return -1
	}
	var word []byte
	start, n := 0, 0
	check := func() bool {
		for _, t := range terms {
			if len(word) >= len(t) && string(word[:len(t)]) == t {
				return true
			}
		}
		return false
	}
	for _, r := range text {
		if isWordRune(r) {
			if len(word) == 0 {
				start = n
			}
			word = AppendFolded(word, r)
		} else if len(word) > 0 {
			if check() {
				return start
			}
			word = word[:0]
		}
		n++
	}
	if len(word) > 0 && check() {
		return start
	}
	return -1
}
