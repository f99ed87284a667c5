package markup

import (
	"html/template"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Highlight returns an HTML-escaped excerpt of text of at most maxLen characters (runes, not
// counting the "…" marks at cut ends) around the first words matching terms, each matching word
// wrapped in <mark>. Matching ignores case and accents ("energie" finds "Énergies") and is by word
// prefix ("coop" finds "coopérative"); a final plural s or x of a term is ignored. Whitespace runs
// are collapsed. maxLen <= 0 keeps the whole text. Without a match the excerpt is the beginning of
// the text.
func Highlight(text string, terms []string, maxLen int) template.HTML {
	text = collapseSpace(text)
	words := splitWords(text)
	keys := termKeys(terms)

	first := -1
	match := make([]bool, len(words))
	if len(keys) > 0 {
		for i := range words {
			for _, k := range keys {
				if strings.HasPrefix(words[i].folded, k) {
					match[i] = true
					if first < 0 {
						first = i
					}
					break
				}
			}
		}
	}

	start, end := 0, len(text)
	if maxLen > 0 && utf8.RuneCountInString(text) > maxLen {
		anchor := 0
		if first >= 0 {
			anchor = words[first].start
			// Show a little context before the first match.
			anchor = backRunes(text, anchor, maxLen/4)
			anchor = snapStart(text, anchor)
		}
		start = anchor
		end = forwardRunes(text, start, maxLen)
		if end < len(text) {
			end = snapEnd(text, start, end)
		}
		// A window that ends before the text does may move back to stay full.
		if end == len(text) && start > 0 {
			start = snapStart(text, backRunes(text, end, maxLen))
		}
	}

	var b strings.Builder
	b.Grow(end - start + 64)
	if start > 0 {
		b.WriteString("…")
	}
	pos := start
	for i, w := range words {
		if !match[i] || w.end <= start || w.start >= end {
			continue
		}
		ws, we := max(w.start, start), min(w.end, end)
		b.WriteString(template.HTMLEscapeString(text[pos:ws]))
		b.WriteString("<mark>")
		b.WriteString(template.HTMLEscapeString(text[ws:we]))
		b.WriteString("</mark>")
		pos = we
	}
	b.WriteString(template.HTMLEscapeString(text[pos:end]))
	if end < len(text) {
		b.WriteString("…")
	}
	return template.HTML(b.String())
}

type word struct {
	start, end int // byte offsets in the text
	folded     string
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

func splitWords(s string) []word {
	var out []word
	i := 0
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !isWordRune(r) {
			i += n
			continue
		}
		j := i + n
		for j < len(s) {
			r, n := utf8.DecodeRuneInString(s[j:])
			if !isWordRune(r) {
				break
			}
			j += n
		}
		out = append(out, word{start: i, end: j, folded: Fold(s[i:j])})
		i = j
	}
	return out
}

// termKeys folds the words of the search terms, drops a final plural mark and duplicates.
func termKeys(terms []string) []string {
	var keys []string
	for _, t := range terms {
		for _, w := range splitWords(t) {
			k := w.folded
			if utf8.RuneCountInString(k) > 3 && (strings.HasSuffix(k, "s") || strings.HasSuffix(k, "x")) {
				k = k[:len(k)-1]
			}
			dup := false
			for _, e := range keys {
				if e == k {
					dup = true
					break
				}
			}
			if !dup {
				keys = append(keys, k)
			}
		}
	}
	return keys
}

// Fold lowercases s, removes diacritics and expands the ligatures œ, æ and ß, so that words can
// be compared the way French search folds them.
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
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		switch r = unicode.ToLower(r); r {
		case 'œ':
			b.WriteString("oe")
		case 'æ':
			b.WriteString("ae")
		case 'ß':
			b.WriteString("ss")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func collapseSpace(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	pending := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			pending = b.Len() > 0
			continue
		}
		if pending {
			b.WriteByte(' ')
			pending = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// backRunes moves n runes back from byte offset i.
func backRunes(s string, i, n int) int {
	for ; n > 0 && i > 0; n-- {
		_, size := utf8.DecodeLastRuneInString(s[:i])
		i -= size
	}
	return i
}

// forwardRunes moves n runes forward from byte offset i.
func forwardRunes(s string, i, n int) int {
	for ; n > 0 && i < len(s); n-- {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return i
}

// snapStart moves a cut forward to the beginning of a word, unless that would skip too far.
func snapStart(s string, i int) int {
	if i == 0 || s[i-1] == ' ' {
		return i
	}
	if j := strings.IndexByte(s[i:], ' '); j >= 0 && j < 20 {
		return i + j + 1
	}
	return i
}

// snapEnd moves a cut back to the end of a word, unless that would drop too much.
func snapEnd(s string, start, i int) int {
	if i >= len(s) || s[i] == ' ' {
		return i
	}
	if j := strings.LastIndexByte(s[start:i], ' '); j >= 0 && i-(start+j) < 20 {
		return start + j
	}
	return i
}
