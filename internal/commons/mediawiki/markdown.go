package mediawiki

import (
	"regexp"
	"strings"
)

// escapeText makes text literal in Markdown: every character that could start inline markup is
// backslash-escaped. '&' is left alone so that character references keep their meaning, as in
// wikitext.
func escapeText(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if isMarkdownSpecial(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	b := make([]byte, 0, len(s)+n)
	for i := 0; i < len(s); i++ {
		if isMarkdownSpecial(s[i]) {
			b = append(b, '\\')
		}
		b = append(b, s[i])
	}
	return string(b)
}

func isMarkdownSpecial(c byte) bool {
	switch c {
	case '\\', '`', '*', '_', '[', ']', '<', '>', '~', '|':
		return true
	}
	return false
}

// escapeLineStart escapes what would make a line a block construct in Markdown (heading, quote,
// list item, setext underline, indented code) when the line is meant as plain paragraph text.
func escapeLineStart(s string) string {
	s = strings.TrimLeft(s, " \t")
	if s == "" {
		return s
	}
	switch s[0] {
	case '#', '>', '-', '+', '=':
		return "\\" + s
	}
	// "1." or "1)" would start an ordered list.
	n := 0
	for n < len(s) && n < 10 && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	if n > 0 && n < 10 && n < len(s) && (s[n] == '.' || s[n] == ')') {
		return s[:n] + "\\" + s[n:]
	}
	return s
}

// codeSpan returns s as an inline code span on one line, or "" when s is blank.
func codeSpan(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return ""
	}
	n := longestRun(s, '`')
	fence := strings.Repeat("`", n+1)
	if s[0] == '`' || s[len(s)-1] == '`' {
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}

var reLang = regexp.MustCompile(`[^A-Za-z0-9_+-]`)

// fenced returns s as a fenced code block, the fence longer than any backtick run inside.
func fenced(s, lang string) string {
	fence := strings.Repeat("`", max(3, longestRun(s, '`')+1))
	lang = reLang.ReplaceAllString(lang, "")
	if len(lang) > 30 {
		lang = lang[:30]
	}
	return fence + lang + "\n" + s + "\n" + fence
}

func longestRun(s string, c byte) int {
	best, cur := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			cur++
			best = max(best, cur)
		} else {
			cur = 0
		}
	}
	return best
}

// blockKind says how consecutive Markdown lines join.
type blockKind int

const (
	kindNone  blockKind = iota
	kindPara            // paragraph lines: joined by a newline (a space once rendered)
	kindList            // list items
	kindQuote           // quotation lines
	kindDef             // definition-list lines: joined by a hard line break
	kindHeading
	kindCode
	kindTable
	kindHR
)

// mdWriter assembles Markdown blocks, putting blank lines between blocks of different kinds.
type mdWriter struct {
	b     strings.Builder
	last  blockKind
	blank bool // a blank line was seen since the last block
}

// line appends a block or a line of a block. join, when not empty, replaces the separator used
// to continue a block of the same kind.
func (w *mdWriter) line(k blockKind, s string, join string) {
	if w.b.Len() > 0 {
		switch {
		case w.blank || k != w.last || k >= kindHeading:
			w.b.WriteString("\n\n")
		case join != "":
			w.b.WriteString(join)
		case k == kindDef:
			w.b.WriteString("\\\n")
		default:
			w.b.WriteByte('\n')
		}
	}
	w.b.WriteString(s)
	w.last = k
	w.blank = false
}

// blank records a blank line in the source: the next line starts a new block.
func (w *mdWriter) blankLine() { w.blank = true }

func (w *mdWriter) String() string {
	s := w.b.String()
	if s == "" {
		return ""
	}
	return s + "\n"
}
