package territory

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Normalize folds s into the form the search index uses: lower case, no
// accents or ligatures, every run of characters other than letters and digits
// (hyphens, apostrophes, spaces, punctuation) turned into one space, no
// leading or trailing space, and the abbreviations "st", "ste", "sts",
// "stes" spelt out as "saint", "sainte", "saints", "saintes". A query made
// only of digits and spaces loses its spaces ("66 230" → "66230").
//
// "Prats-de-Mollo-la-Preste", "PRATS DE MOLLO la preste" and
// "prats  de mollo-la-prêste" all give "prats de mollo la preste".
func Normalize(s string) string {
	return string(normalize(nil, s, true))
}

// normalizeQuery is Normalize for text being typed: the last word may be
// unfinished, so a final "st" stays "st" (it may be the start of
// "Strasbourg") unless a separator follows it.
func normalizeQuery(dst []byte, q string) []byte {
	expandLast := len(q) > 0 && isSeparatorByte(q[len(q)-1])
	return normalize(dst, q, expandLast)
}

func isSeparatorByte(c byte) bool {
	return c < utf8.RuneSelf && !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9')
}

// ligatures are the letters that canonical decomposition leaves whole.
var ligatures = map[rune]string{
	'œ': "oe", 'Œ': "oe", 'æ': "ae", 'Æ': "ae", 'ß': "ss", 'ø': "o", 'Ø': "o",
	'đ': "d", 'Đ': "d", 'ł': "l", 'Ł': "l", 'ı': "i",
}

// latinFold folds the Latin-1 and Latin Extended-A letters (U+00C0 to
// U+017F, every accented letter of French) to lower-case ASCII, "" for the
// others: the fast path that spares names a Unicode decomposition.
var latinFold = func() (t [0x180 - 0xC0]string) {
	for r := rune(0xC0); r < 0x180; r++ {
		if l, ok := ligatures[r]; ok {
			t[r-0xC0] = l
			continue
		}
		var b []byte
		for _, d := range norm.NFD.String(string(r)) {
			switch {
			case 'a' <= d && d <= 'z':
				b = append(b, byte(d))
			case 'A' <= d && d <= 'Z':
				b = append(b, byte(d)+'a'-'A')
			case unicode.Is(unicode.M, d):
			default:
				b = nil // not a plain letter with accents
			}
			if b == nil {
				break
			}
		}
		t[r-0xC0] = string(b)
	}
	return t
}()

// normalize appends the folded form of s to dst. expandLast says whether an
// abbreviation in the last word is spelt out too.
func normalize(dst []byte, s string, expandLast bool) []byte {
	start := len(dst)
	wordStart := start
	space := true // at a separator: true at the start so leading ones vanish
	digitsOnly := true
	letter := func(b string) {
		if space {
			wordStart = len(dst)
		}
		dst = append(dst, b...)
		space = false
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case 'a' <= c && c <= 'z':
				digitsOnly = false
				letter(s[i-1 : i])
			case 'A' <= c && c <= 'Z':
				digitsOnly = false
				letter(string(rune(c + 'a' - 'A')))
			case '0' <= c && c <= '9':
				letter(s[i-1 : i])
			case !space:
				dst = expandAbbrev(dst, wordStart)
				dst = append(dst, ' ')
				space = true
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if 0xC0 <= r && r < 0x180 && latinFold[r-0xC0] != "" {
			i += size
			digitsOnly = false
			letter(latinFold[r-0xC0])
			continue
		}
		if unicode.Is(unicode.M, r) {
			i += size // combining accent: the base letter is already in
			continue
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			// Rare: decompose this character alone and keep what is left.
			i += size
			digitsOnly = false
			for _, d := range norm.NFD.String(string(r)) {
				if !unicode.Is(unicode.M, d) {
					letter(foldRune(d))
				}
			}
			continue
		}
		i += size // any other symbol or space separates words
		if !space {
			dst = expandAbbrev(dst, wordStart)
			dst = append(dst, ' ')
			space = true
		}
	}
	if space && len(dst) > start {
		dst = dst[:len(dst)-1] // trailing separator; its word was expanded already
	} else if expandLast && len(dst) > start {
		dst = expandAbbrev(dst, wordStart)
	}
	if digitsOnly && len(dst) > start {
		w := start
		for _, c := range dst[start:] {
			if c != ' ' {
				dst[w] = c
				w++
			}
		}
		dst = dst[:w]
	}
	return dst
}

// foldRune folds one character left by a decomposition.
func foldRune(d rune) string {
	d = unicode.ToLower(d)
	if l, ok := ligatures[d]; ok {
		return l
	}
	if 0xC0 <= d && d < 0x180 && latinFold[d-0xC0] != "" {
		return latinFold[d-0xC0]
	}
	return string(d)
}

// expandAbbrev spells out a saint abbreviation ending dst at from.
func expandAbbrev(dst []byte, from int) []byte {
	var full string
	switch string(dst[from:]) {
	case "st":
		full = "saint"
	case "ste":
		full = "sainte"
	case "sts":
		full = "saints"
	case "stes":
		full = "saintes"
	default:
		return dst
	}
	return append(dst[:from], full...)
}

// eachWordStart calls f with the offset of each word of the normalised
// string s, without allocating.
func eachWordStart(s string, f func(i int)) {
	for i := 0; i < len(s); i++ {
		if i == 0 || s[i-1] == ' ' {
			f(i)
		}
	}
}

// hasWordPrefix reports whether some word of the normalised string s starts
// with w.
func hasWordPrefix(s, w string) bool {
	for i := 0; i+len(w) <= len(s); {
		if strings.HasPrefix(s[i:], w) {
			return true
		}
		j := strings.IndexByte(s[i:], ' ')
		if j < 0 {
			return false
		}
		i += j + 1
	}
	return false
}
