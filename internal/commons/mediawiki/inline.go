package mediawiki

import (
	"html"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

type inlineCtx struct {
	oneLine bool   // headings, table cells, terms: <br> becomes a space
	noLinks bool   // inside a link label: nested links become text
	indent  string // indentation after a hard line break, inside list items
}

type fmtKind byte

const (
	fmtBold fmtKind = iota
	fmtItalic
	fmtStrike
)

var fmtMarker = [...]string{fmtBold: "**", fmtItalic: "*", fmtStrike: "~~"}

// inl converts one line of wikitext. Emphasis markers are written lazily: an opening marker waits
// for the next visible character (so it never precedes a space, which Markdown would not accept)
// and a closing marker goes before trailing spaces.
type inl struct {
	c          *converter
	ctx        inlineCtx
	out        []byte
	stack      []fmtKind
	npending   int         // the last npending formats of stack have no marker written yet
	lineStarts []int       // offsets in out where a line starts after a hard break
	visible    bool        // something other than spaces was written
	linkEnd    map[int]int // for each "[[" of the line, the index after its "]]"
	bracket    closeCache  // where the last search for ']' ended
	quotes     map[int]quoteRun
}

func (c *converter) inline(s string, ctx inlineCtx) string {
	p := &inl{c: c, ctx: ctx, out: make([]byte, 0, len(s)+16)}
	p.run(s)
	p.closeAll()
	out := string(p.out)
	if len(p.lineStarts) > 0 {
		// Lines that start after hard breaks must not read as block markup either.
		var b strings.Builder
		b.Grow(len(out) + len(p.lineStarts))
		prev := 0
		for k, pos := range p.lineStarts {
			if pos > len(out) || pos < prev {
				continue
			}
			end := len(out)
			if k+1 < len(p.lineStarts) && p.lineStarts[k+1] <= len(out) {
				end = p.lineStarts[k+1]
			}
			b.WriteString(out[prev:pos])
			b.WriteString(escapeLineStart(out[pos:end]))
			prev = end
		}
		b.WriteString(out[prev:])
		out = b.String()
	}
	// A hard break at the very end would show as a backslash.
	for {
		t := strings.TrimRight(out, " ")
		t = strings.TrimRight(t, " "+ctx.indent)
		if !strings.HasSuffix(t, "\\\n") {
			break
		}
		out = t[:len(t)-2]
	}
	return strings.TrimRight(out, " ")
}

func (p *inl) flush() {
	for _, k := range p.stack[len(p.stack)-p.npending:] {
		p.out = append(p.out, fmtMarker[k]...)
	}
	p.npending = 0
}

// write appends Markdown that shows something (a link, a code span…).
func (p *inl) write(md string) {
	if md == "" {
		return
	}
	p.flush()
	p.out = append(p.out, md...)
	p.visible = true
}

// text appends literal text, escaped.
func (p *inl) text(s string) {
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch == ' ' || ch == '\t' {
			p.out = append(p.out, ' ')
			continue
		}
		if p.npending > 0 {
			p.flush()
		}
		p.visible = true
		if isMarkdownSpecial(ch) {
			p.out = append(p.out, '\\')
		}
		p.out = append(p.out, ch)
	}
}

func (p *inl) isOpen(k fmtKind) bool {
	for _, e := range p.stack {
		if e == k {
			return true
		}
	}
	return false
}

func (p *inl) open(k fmtKind) {
	p.stack = append(p.stack, k)
	p.npending++
}

// close ends format k; formats opened after it are closed and reopened, since Markdown needs
// proper nesting.
func (p *inl) close(k fmtKind) {
	idx := -1
	for j := len(p.stack) - 1; j >= 0; j-- {
		if p.stack[j] == k {
			idx = j
			break
		}
	}
	if idx < 0 {
		return
	}
	above := append([]fmtKind(nil), p.stack[idx+1:]...)
	for j := len(p.stack) - 1; j >= idx; j-- {
		if j >= len(p.stack)-p.npending {
			p.npending-- // never written: nothing to close
		} else {
			p.closeMarker(fmtMarker[p.stack[j]])
		}
		p.stack = p.stack[:j]
	}
	for _, e := range above {
		p.open(e)
	}
}

func (p *inl) closeAll() {
	for len(p.stack) > 0 {
		p.close(p.stack[len(p.stack)-1])
	}
}

func (p *inl) closeMarker(m string) {
	n := len(p.out)
	for n > 0 && p.out[n-1] == ' ' {
		n--
	}
	spaces := len(p.out) - n
	p.out = append(p.out[:n], m...)
	for range spaces {
		p.out = append(p.out, ' ')
	}
}

func (p *inl) hardBreak() {
	if p.ctx.oneLine {
		p.text(" ")
		return
	}
	if !p.visible {
		return
	}
	n := len(p.out)
	for n > 0 && p.out[n-1] == ' ' {
		n--
	}
	p.out = append(p.out[:n], "\\\n"...)
	p.out = append(p.out, p.ctx.indent...)
	p.lineStarts = append(p.lineStarts, len(p.out))
}

// quoteRun is what a run of apostrophes does, decided for the whole line as MediaWiki does.
type quoteRun struct {
	length  int // apostrophes in the run
	literal int // apostrophes shown as text before the toggle
	toggle  int // 2 italic, 3 bold, 5 both, 0 none
}

// analyseQuotes applies MediaWiki's rules: four apostrophes are one literal plus bold, more than
// five are literals plus bold italic, and when a line has an odd number of both italic and bold
// toggles one bold run is read as an apostrophe followed by italic.
func analyseQuotes(s string) map[int]quoteRun {
	if !strings.Contains(s, "''") {
		return nil
	}
	runs := map[int]quoteRun{}
	var order []int
	italics, bolds := 0, 0
	for i := 0; i < len(s); {
		if s[i] != '\'' {
			i++
			continue
		}
		j := i
		for j < len(s) && s[j] == '\'' {
			j++
		}
		n := j - i
		r := quoteRun{length: n}
		switch {
		case n == 1:
			r.literal = 1
		case n == 4:
			r.literal, r.toggle = 1, 3
		case n > 5:
			r.literal, r.toggle = n-5, 5
		default:
			r.toggle = n
		}
		switch r.toggle {
		case 2:
			italics++
		case 3:
			bolds++
		case 5:
			italics++
			bolds++
		}
		if r.toggle != 0 {
			runs[i] = r
			order = append(order, i)
		}
		i = j
	}
	if italics%2 == 1 && bolds%2 == 1 {
		single, multi, space := -1, -1, -1
		for _, i := range order {
			r := runs[i]
			if r.toggle != 3 {
				continue
			}
			at := i + r.literal
			x1, n1 := utf8.DecodeLastRuneInString(s[:at])
			x2, _ := utf8.DecodeLastRuneInString(s[:at-n1])
			switch {
			case x1 == ' ':
				if space < 0 {
					space = i
				}
			case x2 == ' ' || at-n1 == 0:
				if single < 0 {
					single = i
				}
			default:
				if multi < 0 {
					multi = i
				}
			}
		}
		pick := single
		if pick < 0 {
			pick = multi
		}
		if pick < 0 {
			pick = space
		}
		if pick >= 0 {
			r := runs[pick]
			r.literal++
			r.toggle = 2
			runs[pick] = r
		}
	}
	return runs
}

func (p *inl) quote(r quoteRun) {
	if r.literal > 0 {
		p.text(strings.Repeat("'", r.literal))
	}
	switch r.toggle {
	case 2:
		p.toggle(fmtItalic)
	case 3:
		p.toggle(fmtBold)
	case 5:
		bold, italic := p.isOpen(fmtBold), p.isOpen(fmtItalic)
		switch {
		case bold && italic:
			// Close the inner one first.
			if p.stack[len(p.stack)-1] == fmtBold {
				p.close(fmtBold)
				p.close(fmtItalic)
			} else {
				p.close(fmtItalic)
				p.close(fmtBold)
			}
		case italic:
			p.close(fmtItalic)
			p.open(fmtBold)
		case bold:
			p.close(fmtBold)
			p.open(fmtItalic)
		default:
			p.open(fmtBold)
			p.open(fmtItalic)
		}
	}
}

func (p *inl) toggle(k fmtKind) {
	if p.isOpen(k) {
		p.close(k)
	} else {
		p.open(k)
	}
}

// matchLinks pairs every "[[" of s with its "]]" in one pass.
func matchLinks(s string) map[int]int {
	if !strings.Contains(s, "[[") {
		return nil
	}
	ends := map[int]int{}
	var stack []int
	for i := 0; i+1 < len(s); {
		switch {
		case s[i] == '[' && s[i+1] == '[':
			stack = append(stack, i)
			i += 2
		case s[i] == ']' && s[i+1] == ']' && len(stack) > 0:
			ends[stack[len(stack)-1]] = i + 2
			stack = stack[:len(stack)-1]
			i += 2
		default:
			i++
		}
	}
	return ends
}

// nextBracket returns the index of the first ']' at or after i, remembering the last answer so
// that many unclosed links on one line cost one scan.
func (p *inl) nextBracket(s string, i int) int {
	if c := p.bracket; c.from > 0 && i >= c.from && (c.at < 0 || i <= c.at) {
		return c.at
	}
	at := strings.IndexByte(s[i:], ']')
	if at >= 0 {
		at += i
	}
	p.bracket = closeCache{from: i, at: at}
	return at
}

func (p *inl) run(s string) {
	p.quotes = analyseQuotes(s)
	p.linkEnd = matchLinks(s)
	last := 0 // start of plain text not yet written
	for i := 0; i < len(s); {
		ch := s[i]
		var handled bool
		var next int
		switch {
		case ch == '\'':
			if r, ok := p.quotes[i]; ok {
				p.text(s[last:i])
				p.quote(r)
				handled, next = true, i+r.length
			}
		case ch == 0xEE: // first byte of a placeholder
			if ph, j := p.c.placeholderAt(s, i); ph != nil {
				p.text(s[last:i])
				if ph.isRefs {
					p.text(oneLine(ph.raw))
				} else {
					p.write(ph.inline)
				}
				handled, next = true, j
			}
		case ch == '[' && !p.ctx.noLinks:
			// Inside a label, brackets are text: Markdown links do not nest.
			if strings.HasPrefix(s[i:], "[[") {
				if md, j, ok := p.internalLink(s, i); ok {
					p.text(s[last:i])
					p.write(md)
					handled, next = true, j
				}
			} else if md, j, ok := p.externalLink(s, i); ok {
				p.text(s[last:i])
				p.write(md)
				handled, next = true, j
			}
		case ch == 'h' || ch == 'H':
			if md, j, ok := bareURL(s, i); ok {
				p.text(s[last:i])
				if p.ctx.noLinks {
					p.text(s[i:j])
				} else {
					p.write(md)
				}
				handled, next = true, j
			}
		case ch == '<':
			if t, ok := parseTag(s, i); ok {
				p.text(s[last:i])
				p.tag(t, s[i:t.end])
				handled, next = true, t.end
			}
		}
		if handled {
			i, last = next, next
			continue
		}
		i++
	}
	p.text(s[last:])
}

var formatTags = map[string]fmtKind{
	"b": fmtBold, "strong": fmtBold,
	"i": fmtItalic, "em": fmtItalic, "cite": fmtItalic, "var": fmtItalic, "dfn": fmtItalic,
	"s": fmtStrike, "strike": fmtStrike, "del": fmtStrike,
}

// tag converts an HTML tag allowed in wikitext, or shows it as text.
func (p *inl) tag(t tag, src string) {
	if k, ok := formatTags[t.name]; ok && !t.selfClosing {
		if t.closing {
			p.close(k)
		} else if !p.isOpen(k) {
			p.open(k)
		}
		return
	}
	switch t.name {
	case "br":
		p.hardBreak()
		return
	case "wbr", "nowiki":
		return
	case "u", "ins", "mark", "small", "big", "span", "font", "abbr", "bdi", "bdo", "sup", "sub",
		"center", "div", "p", "q", "data", "time", "ruby", "rb", "rp", "rt", "rtc", "blockquote",
		"h1", "h2", "h3", "h4", "h5", "h6":
		if !t.closing {
			p.c.warn("balise de mise en forme retirée, texte conservé", "formatting tag removed, text kept", "<"+t.name+">")
		}
		if t.name == "sup" || t.name == "sub" || t.name == "q" {
			return
		}
		if t.name == "div" || t.name == "p" || t.name == "center" || t.name == "blockquote" || strings.HasPrefix(t.name, "h") {
			// Block tags separate what they enclose from the text around.
			if len(p.out) > 0 && p.out[len(p.out)-1] != ' ' {
				p.text(" ")
			}
		}
		return
	}
	p.c.warn("balise HTML conservée en texte", "HTML tag kept as text", "<"+t.name+">")
	p.text(src)
}

// internalLink converts [[…]] at s[i:]; ok is false when it is not a valid link, which then
// shows as text.
func (p *inl) internalLink(s string, i int) (string, int, bool) {
	j, ok := p.linkEnd[i]
	if !ok {
		return "", 0, false
	}
	inner := s[i+2 : j-2]
	end := j
	target, label, hasPipe := strings.Cut(inner, "|")
	target = strings.TrimSpace(target)
	if target == "" || strings.ContainsAny(target, "[]{}<>\n") || strings.Contains(target, phStart) {
		return "", 0, false
	}
	c := p.c
	colon := strings.HasPrefix(target, ":")
	if colon {
		target = strings.TrimSpace(target[1:])
	}

	// Semantic MediaWiki annotation: shows its value (or label), records the property.
	if !colon {
		if name, value, ok := strings.Cut(target, "::"); ok && strings.TrimSpace(name) != "" {
			name, value = strings.TrimSpace(name), strings.TrimSpace(value)
			c.out.Properties = append(c.out.Properties, Property{Name: NormalizeTitle(name), Value: html.UnescapeString(value)})
			if hasPipe {
				return c.inline(label, inlineCtx{oneLine: true, noLinks: true}), end, true
			}
			return escapeText(value), end, true
		}
	}

	if prefix, rest, ok := strings.Cut(target, ":"); ok && !colon {
		ns := strings.ToLower(strings.TrimSpace(prefix))
		switch {
		case c.catNames[ns]:
			c.addCategory(rest)
			return "", end, true
		case c.fileNames[ns]:
			c.addFile(rest)
			c.warn("image ou fichier affiché en texte", "image or file shown as text", rest)
			return escapeText(s[i:end]), end, true
		}
	}

	// Link trail: letters right after ]] join the label ([[vélo]]s).
	trailEnd := end
	for trailEnd < len(s) {
		r, n := utf8.DecodeRuneInString(s[trailEnd:])
		if !unicode.IsLower(r) {
			break
		}
		trailEnd += n
	}
	trail := s[end:trailEnd]

	page, frag, _ := strings.Cut(target, "#")
	var labelMD string
	switch {
	case hasPipe && strings.TrimSpace(label) != "":
		labelMD = c.inline(label, inlineCtx{oneLine: true, noLinks: true})
	case hasPipe:
		// Pipe trick: [[Namespace:Page (précision)|]] shows "Page".
		t := page
		if _, rest, ok := strings.Cut(t, ":"); ok {
			t = rest
		}
		if k := strings.Index(t, " ("); k > 0 {
			t = t[:k]
		}
		labelMD = escapeText(strings.TrimSpace(t))
	default:
		labelMD = escapeText(html.UnescapeString(target))
	}
	labelMD += escapeText(trail)
	if p.ctx.noLinks {
		return labelMD, trailEnd, true
	}
	return c.linkMarkdown(page, frag, labelMD), trailEnd, true
}

// linkMarkdown links labelMD to a wiki page through the resolver, or returns the label alone
// when the resolver gives no usable URL.
func (c *converter) linkMarkdown(page, frag, labelMD string) string {
	title := NormalizeTitle(page)
	var u string
	switch {
	case title != "":
		u = c.resolve(title)
		if u != "" && strings.TrimSpace(frag) != "" {
			u += "#" + anchor(frag)
		}
	case strings.TrimSpace(frag) != "":
		u = "#" + anchor(frag)
	}
	dest, ok := safeDestination(u, true)
	if !ok || strings.TrimSpace(labelMD) == "" {
		return labelMD
	}
	return "[" + labelMD + "](" + dest + ")"
}

// anchor encodes a section name the way MediaWiki builds fragment ids.
func anchor(frag string) string {
	frag = strings.ReplaceAll(strings.TrimSpace(html.UnescapeString(frag)), " ", "_")
	return url.PathEscape(frag)
}

// externalLink converts [url label] at s[i:].
func (p *inl) externalLink(s string, i int) (string, int, bool) {
	rest := s[i+1:]
	proto := urlProtocol(rest)
	if proto == "" {
		return "", 0, false
	}
	k := len(proto)
	for k < len(rest) && !endsURL(rest[k]) {
		k++
	}
	if k == len(proto) {
		return "", 0, false
	}
	rawURL := rest[:k]
	var label string
	switch {
	case k < len(rest) && rest[k] == ']':
		k++
	case k < len(rest) && (rest[k] == ' ' || rest[k] == '\t'):
		close := p.nextBracket(s, i+1+k)
		if close < 0 {
			return "", 0, false
		}
		close -= i + 1 + k
		if strings.IndexByte(rest[k:k+close], '\n') >= 0 {
			return "", 0, false
		}
		label = strings.TrimSpace(rest[k : k+close])
		k += close + 1
	default:
		return "", 0, false
	}
	end := i + 1 + k
	labelMD := ""
	if label != "" {
		labelMD = p.c.inline(label, inlineCtx{oneLine: true, noLinks: true})
	}
	u := html.UnescapeString(rawURL)
	if strings.HasPrefix(u, "//") {
		u = "https:" + u
	}
	dest, ok := safeDestination(u, false)
	if !ok || p.ctx.noLinks {
		// A protocol we do not link, or a link inside a link: show it.
		if labelMD != "" {
			return labelMD + " (" + escapeText(rawURL) + ")", end, true
		}
		return escapeText(rawURL), end, true
	}
	if strings.TrimSpace(labelMD) == "" {
		labelMD = escapeText(u)
	}
	return "[" + labelMD + "](" + dest + ")", end, true
}

// MediaWiki's default URL protocols: they make [url label] an external link. Only http, https
// and mailto become Markdown links; the others are shown as text.
var protocols = []string{"https://", "http://", "mailto:", "//", "ftp://", "ftps://", "sftp://",
	"irc://", "ircs://", "news:", "nntp://", "telnet://", "gopher://", "git://", "svn://", "ssh://",
	"mms://", "worldwind://", "geo:", "tel:", "sms:", "urn:", "xmpp:", "magnet:", "bitcoin:",
	"redis://", "matrix:", "sip:", "sips:"}

func urlProtocol(s string) string {
	for _, p := range protocols {
		if len(s) >= len(p) && strings.EqualFold(s[:len(p)], p) {
			return s[:len(p)]
		}
	}
	return ""
}

func endsURL(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '[', ']', '<', '>', '"', 0xEE:
		return true
	}
	return c < 0x20 || c == 0x7f
}

// bareURL converts a free http(s) URL at s[i:].
func bareURL(s string, i int) (string, int, bool) {
	var n int
	switch {
	case len(s)-i > 8 && strings.EqualFold(s[i:i+8], "https://"):
		n = 8
	case len(s)-i > 7 && strings.EqualFold(s[i:i+7], "http://"):
		n = 7
	default:
		return "", 0, false
	}
	if i > 0 {
		r, _ := utf8.DecodeLastRuneInString(s[:i])
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '/' || r == '_' {
			return "", 0, false
		}
	}
	j := i + n
	for j < len(s) && !endsURL(s[j]) && s[j] != '{' && s[j] != '}' && s[j] != '|' {
		j++
	}
	// Trailing punctuation belongs to the sentence; ')' too unless the URL has '('.
	for j > i+n {
		c := s[j-1]
		if strings.IndexByte(",;.:!?'", c) >= 0 || (c == ')' && !strings.Contains(s[i:j], "(")) {
			j--
			continue
		}
		break
	}
	if j == i+n {
		return "", 0, false
	}
	u := html.UnescapeString(s[i:j])
	if strings.ContainsAny(u, "<> \t\n") {
		return "", 0, false
	}
	for _, r := range u {
		if r < 0x20 || r == 0x7f || unicode.IsSpace(r) {
			return "", 0, false
		}
	}
	return "<" + u + ">", j, true
}

// safeDestination checks a URL for a Markdown link and writes it in angle brackets. Allowed:
// http, https, mailto and, when relative is true, URLs without a scheme.
func safeDestination(u string, relative bool) (string, bool) {
	u = strings.TrimSpace(u)
	if u == "" {
		return "", false
	}
	var b strings.Builder
	for _, r := range u {
		switch {
		case r < 0x20 || r == 0x7f:
			return "", false
		case r == ' ':
			b.WriteString("%20")
		case r == '<':
			b.WriteString("%3C")
		case r == '>':
			b.WriteString("%3E")
		case r == '\\':
			b.WriteString("%5C")
		case r == '&':
			b.WriteString("&amp;")
		default:
			b.WriteRune(r)
		}
	}
	out := b.String()
	end := strings.IndexAny(out, ":/?#%")
	if end >= 0 && out[end] == ':' {
		switch strings.ToLower(out[:end]) {
		case "http", "https", "mailto":
		default:
			return "", false
		}
	} else if !relative && !strings.HasPrefix(out, "//") {
		return "", false
	}
	return "<" + out + ">", true
}
