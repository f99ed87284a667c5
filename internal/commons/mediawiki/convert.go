package mediawiki

import (
	"html"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Options tune ToMarkdown.
type Options struct {
	// LinkResolver maps the title of a wiki page (normalised by NormalizeTitle, without the
	// #fragment) to the URL its links should point to. Returning "" renders the link text without
	// a link. URLs other than http, https, mailto and relative ones are refused. When nil, links
	// become relative URLs in the MediaWiki style: "./Page_title".
	LinkResolver func(title string) string
	// Namespaces adds the names of the source wiki (from SiteInfo) to the built-in French and
	// English names that mark category (14) and file (6, -2) links.
	Namespaces []Namespace
}

// Property is a Semantic MediaWiki annotation [[Name::Value]] found in the text.
type Property struct {
	Name, Value string
}

// Converted is the result of ToMarkdown.
type Converted struct {
	Markdown   string
	Categories []string   // category names without the namespace, in order, without duplicates
	Files      []string   // titles of the files the text shows or links to, without the namespace
	Properties []Property // Semantic MediaWiki annotations, in order
	Redirect   string     // target title when the text is a redirect, else ""
	// Warnings list, in French then English, the constructs kept as text or simplified, once each.
	Warnings []string
}

// ToMarkdown converts wikitext to CommonMark with GitHub tables.
//
// Converted: headings, bold and italic (”…”, ”'…”', ””'…””'), internal links with labels,
// fragments, link trails and the pipe trick, external links and bare http(s) URLs, bulleted,
// numbered and nested lists, definition lists (";term" in bold, ":definition" on the next line,
// ":" alone as a quotation), simple tables, horizontal rules, <br>, <b>/<i>/<s> and their synonyms,
// <code>/<tt>/<kbd>/<samp>, <pre>, <syntaxhighlight>/<source>, <math> (as code), lines that start
// with a space (as code), <ref> (numbered [n] marks with the notes listed where <references/>
// stands, or at the end), redirects.
//
// Extracted and removed from the text: categories (Converted.Categories), Semantic MediaWiki
// annotations (kept as their value, listed in Converted.Properties).
//
// Kept visible as literal text, never dropped: templates, parser functions and parameters
// ({{…}}, {{#if:…}}, {{{…}}}, as code blocks when they span several lines), file and image
// links, galleries, tables too complex for Markdown (as code blocks), HTML tags outside the short
// list above, links with protocols other than http, https and mailto, any other markup. Text that
// Markdown would read as markup is escaped.
//
// Dropped because MediaWiki does not show them either: HTML comments, behaviour switches such as
// __TOC__ or __NOTOC__ (French names included), <includeonly> sections. Dropped with a warning:
// the presentational tags <span>, <div>, <font>, <center>, <small>, <big>, <u>, <sup>, <sub>… (their
// content stays) and table attributes.
//
// The output never contains raw HTML or a link with a scheme other than http, https or mailto.
func ToMarkdown(wikitext string, opts Options) Converted {
	c := newConverter(opts)
	return c.convert(wikitext)
}

// Placeholders stand for constructs already converted, so that later passes treat them as opaque.
const (
	phStart = "\uE000"
	phEnd   = "\uE001"
)

type placeholder struct {
	raw    string // original wikitext, for code blocks that show source
	inline string // Markdown when the construct sits inside a line
	block  string // Markdown when it stands on its own line ("" for inline-only constructs)
	notes  [2]int // for <references/>: notes numbered from notes[0]+1 to notes[1]
	isRefs bool
}

type note struct {
	name    string
	content string // wikitext
}

type converter struct {
	resolve    func(string) string
	catNames   map[string]bool
	fileNames  map[string]bool
	ph         []placeholder
	notes      []note
	noteNames  map[string]int
	lastRefs   int // notes already listed by a <references/>
	inRef      int
	out        Converted
	warned     map[string]bool
	closeTags  map[string]*closeCache
	listPrefix string // markers of the last list item written
}

func newConverter(opts Options) *converter {
	c := &converter{
		resolve:   opts.LinkResolver,
		catNames:  map[string]bool{"catégorie": true, "category": true},
		fileNames: map[string]bool{"fichier": true, "file": true, "image": true, "média": true, "media": true},
		noteNames: map[string]int{},
		warned:    map[string]bool{},
	}
	if c.resolve == nil {
		c.resolve = defaultResolver
	}
	for _, ns := range opts.Namespaces {
		switch ns.Key {
		case 14:
			c.catNames[strings.ToLower(ns.Name)] = true
		case 6, -2:
			c.fileNames[strings.ToLower(ns.Name)] = true
		}
	}
	return c
}

func defaultResolver(title string) string {
	return "./" + url.PathEscape(strings.ReplaceAll(title, " ", "_"))
}

const maxWarnings = 100

func (c *converter) warn(fr, en, detail string) {
	detail = strings.Join(strings.Fields(detail), " ")
	if utf8.RuneCountInString(detail) > 60 {
		r := []rune(detail)
		detail = string(r[:60]) + "…"
	}
	msg := fr + " (" + en + ")"
	if detail != "" {
		msg += " : " + detail
	}
	if c.warned[msg] || len(c.out.Warnings) >= maxWarnings {
		return
	}
	c.warned[msg] = true
	c.out.Warnings = append(c.out.Warnings, msg)
}

var reRedirect = regexp.MustCompile(`(?i)^\s*#\s*(?:redirect|redirection)\s*:?\s*\[\[([^\]\|\n]+)(?:\|[^\]\n]*)?\]\]`)

func (c *converter) convert(text string) Converted {
	// Our placeholder characters and NUL cannot come from the source.
	if strings.IndexByte(text, 0) >= 0 || strings.Contains(text, phStart) || strings.Contains(text, phEnd) {
		text = strings.Map(func(r rune) rune {
			switch r {
			case 0, '\uE000', '\uE001':
				return '\uFFFD'
			}
			return r
		}, text)
	}
	if strings.Contains(text, "\r") {
		text = strings.ReplaceAll(text, "\r\n", "\n")
		text = strings.ReplaceAll(text, "\r", "\n")
	}

	var head string
	if m := reRedirect.FindStringSubmatchIndex(text); m != nil {
		target := text[m[2]:m[3]]
		page, frag, _ := strings.Cut(target, "#")
		c.out.Redirect = NormalizeTitle(page)
		head = "→ " + c.linkMarkdown(page, frag, escapeText(strings.TrimSpace(target)))
		text = text[m[1]:]
	}

	text = c.extensionTags(text)
	text = c.templates(text)
	text = removeMagicWords(text)

	w := &mdWriter{}
	w.b.Grow(len(text) + len(text)/4)
	if head != "" {
		w.line(kindPara, head, "")
		w.blankLine()
	}
	c.blocks(w, text)
	if c.lastRefs < len(c.notes) {
		w.line(kindHR, "* * *", "")
		w.line(kindList, c.notesList(c.lastRefs, len(c.notes)), "")
	}
	c.out.Markdown = w.String()
	return c.out
}

// Behaviour switches, English and French names; unknown ones stay visible.
var reMagic = regexp.MustCompile(`(?i)__(?:NOTOC|FORCETOC|TOC|NOEDITSECTION|NEWSECTIONLINK|NONEWSECTIONLINK|NOGALLERY|HIDDENCAT|EXPECTUNUSEDCATEGORY|NOCONTENTCONVERT|NOCC|NOTITLECONVERT|NOTC|INDEX|NOINDEX|STATICREDIRECT|DISAMBIG|NOGLOBAL|ARCHIVEDTALK|NOTALK|SHOWFACTBOX|NOFACTBOX|SOMMAIRE|TDM|AUCUNSOMMAIRE|AUCUNETDM|FORCERSOMMAIRE|FORCERTDM|SECTIONNONEDITABLE|LIENNOUVELLESECTION|AUCUNLIENNOUVELLESECTION|AUCUNEGALERIE|CATCACHEE|CATCACHÉE|AUCUNINDEX|REDIRECTIONSTATIQUE|HOMONYMIE|AUCUNECONVERSIONCONTENU|AUCUNECONVERSIONTITRE)__[ \t]*`)

func removeMagicWords(s string) string {
	if !strings.Contains(s, "__") {
		return s
	}
	return reMagic.ReplaceAllString(s, "")
}

func (c *converter) add(p placeholder) string {
	c.ph = append(c.ph, p)
	return phStart + strconv.Itoa(len(c.ph)-1) + phEnd
}

// addBlock inserts a block placeholder on a line of its own.
func (c *converter) addBlock(b *strings.Builder, p placeholder, next string) {
	if s := b.String(); s != "" && !strings.HasSuffix(s, "\n") {
		b.WriteByte('\n')
	}
	b.WriteString(c.add(p))
	if !strings.HasPrefix(next, "\n") {
		b.WriteByte('\n')
	}
}

// placeholderAt returns the placeholder starting at s[i:], if any, and the index after it.
func (c *converter) placeholderAt(s string, i int) (*placeholder, int) {
	if !strings.HasPrefix(s[i:], phStart) {
		return nil, i
	}
	j := i + len(phStart)
	k := strings.Index(s[j:], phEnd)
	if k < 0 {
		return nil, i
	}
	n, err := strconv.Atoi(s[j : j+k])
	if err != nil || n < 0 || n >= len(c.ph) {
		return nil, i
	}
	return &c.ph[n], j + k + len(phEnd)
}

// expandRaw replaces placeholders with the wikitext they stand for.
func (c *converter) expandRaw(s string) string {
	if !strings.Contains(s, phStart) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if p, j := c.placeholderAt(s, i); p != nil {
			b.WriteString(c.expandRaw(p.raw))
			i = j
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// closeCache remembers where a closing tag was found, so that many unclosed tags of one name
// cost one scan of the text, not one each.
type closeCache struct {
	from, at int // searching from 'from' found 'at' (-1: none after 'from')
}

// findClose returns the index of the closing tag </name> (any case) at or after i in s, and the
// index after it, or -1.
func findClose(cache map[string]*closeCache, s, name string, i int) (int, int) {
	cc := cache[name]
	if cc != nil && i >= cc.from && (cc.at < 0 || i <= cc.at) {
		if cc.at < 0 {
			return -1, -1
		}
		return cc.at, closeEnd(s, cc.at)
	}
	for j := i; ; {
		k := strings.Index(s[j:], "</")
		if k < 0 {
			cache[name] = &closeCache{from: i, at: -1}
			return -1, -1
		}
		at := j + k
		after := at + 2 + len(name)
		if after < len(s) && strings.EqualFold(s[at+2:after], name) && !isTagNameByte(s[after]) {
			if end := closeEnd(s, at); end > 0 {
				cache[name] = &closeCache{from: i, at: at}
				return at, end
			}
		}
		j = at + 2
	}
}

func closeEnd(s string, at int) int {
	k := strings.IndexByte(s[at:], '>')
	if k < 0 || k > 200 {
		return -1
	}
	return at + k + 1
}

func isTagNameByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

func lowerASCII(s string) string {
	b := []byte(s)
	for i, ch := range b {
		if ch >= 'A' && ch <= 'Z' {
			b[i] = ch + 'a' - 'A'
		}
	}
	return string(b)
}

// tag is an opening, closing or self-closing HTML-like tag.
type tag struct {
	name        string // lower case
	attrs       string
	closing     bool
	selfClosing bool
	end         int // index after '>'
}

// parseTag reads a tag at s[i] == '<'.
func parseTag(s string, i int) (tag, bool) {
	var t tag
	j := i + 1
	if j < len(s) && s[j] == '/' {
		t.closing = true
		j++
	}
	k := j
	for k < len(s) && isTagNameByte(s[k]) {
		k++
	}
	if k == j || !(s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z') {
		return t, false
	}
	t.name = lowerASCII(s[j:k])
	if k < len(s) && s[k] != '>' && s[k] != '/' && s[k] != ' ' && s[k] != '\t' && s[k] != '\n' {
		return t, false
	}
	// Attributes up to '>', on a bounded stretch, without another '<'.
	limit := min(len(s), k+500)
	for m := k; m < limit; m++ {
		switch s[m] {
		case '<':
			return t, false
		case '>':
			attrs := s[k:m]
			if strings.HasSuffix(attrs, "/") {
				t.selfClosing = true
				attrs = attrs[:len(attrs)-1]
			}
			t.attrs = strings.TrimSpace(attrs)
			t.end = m + 1
			return t, true
		}
	}
	return t, false
}

var reAttr = regexp.MustCompile(`(?i)([a-z][a-z0-9_-]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))`)

func attr(attrs, name string) (string, bool) {
	for _, m := range reAttr.FindAllStringSubmatch(attrs, -1) {
		if strings.EqualFold(m[1], name) {
			return html.UnescapeString(m[2] + m[3] + m[4]), true
		}
	}
	return "", false
}

// extensionTags handles comments and the tags whose content is not ordinary wikitext, before
// anything else, as MediaWiki's preprocessor does.
func (c *converter) extensionTags(s string) string {
	if !strings.Contains(s, "<") {
		return s
	}
	closeTags := map[string]*closeCache{}
	var b strings.Builder
	b.Grow(len(s))
	last := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '<' {
			continue
		}
		if strings.HasPrefix(s[i:], "<!--") {
			end := strings.Index(s[i+4:], "-->")
			if end < 0 {
				// An unclosed comment hides the rest of the page, as in MediaWiki.
				b.WriteString(s[last:i])
				return b.String()
			}
			j := i + 4 + end + 3
			// A comment alone on its line takes the line with it.
			ls, le := i, j
			for ls > last && (s[ls-1] == ' ' || s[ls-1] == '\t') {
				ls--
			}
			for le < len(s) && (s[le] == ' ' || s[le] == '\t') {
				le++
			}
			if (ls == 0 || s[ls-1] == '\n') && le < len(s) && s[le] == '\n' {
				b.WriteString(s[last:ls])
				j = le + 1
			} else {
				b.WriteString(s[last:i])
			}
			last = j
			i = j - 1
			continue
		}
		t, ok := parseTag(s, i)
		if !ok || t.closing {
			continue
		}
		switch t.name {
		case "nowiki", "pre", "ref", "references", "syntaxhighlight", "source", "math", "chem",
			"gallery", "code", "tt", "kbd", "samp", "includeonly", "noinclude", "onlyinclude":
		default:
			continue
		}
		content, end := "", t.end
		if !t.selfClosing {
			at, after := findClose(closeTags, s, t.name, t.end)
			switch {
			case at >= 0:
				content, end = s[t.end:at], after
			case t.name == "noinclude" || t.name == "onlyinclude" || t.name == "code" ||
				t.name == "tt" || t.name == "kbd" || t.name == "samp" || t.name == "ref":
				// Unclosed: leave the tag to the inline pass, which shows it as text.
				continue
			default:
				// MediaWiki runs an unclosed extension tag to the end of the page.
				content, end = s[t.end:], len(s)
			}
		}
		raw := s[i:end]
		b.WriteString(s[last:i])
		next := s[end:]
		switch t.name {
		case "nowiki":
			b.WriteString(c.add(placeholder{raw: raw, inline: escapeText(content)}))
		case "includeonly":
			// Shown only where the page is transcluded.
		case "noinclude", "onlyinclude":
			b.WriteString(c.extensionTags(content))
		case "pre":
			code := html.UnescapeString(content)
			c.addBlock(&b, placeholder{raw: raw, inline: codeSpan(code), block: fenced(strings.Trim(code, "\n"), "")}, next)
		case "syntaxhighlight", "source":
			lang, _ := attr(t.attrs, "lang")
			if reInlineAttr.MatchString(t.attrs) {
				b.WriteString(c.add(placeholder{raw: raw, inline: codeSpan(content)}))
			} else {
				c.addBlock(&b, placeholder{raw: raw, inline: codeSpan(content), block: fenced(strings.Trim(content, "\n"), lang)}, next)
			}
		case "math", "chem", "code", "tt", "kbd", "samp":
			code := content
			if t.name != "math" && t.name != "chem" {
				code = html.UnescapeString(content)
			}
			if strings.Contains(strings.TrimSpace(code), "\n") {
				lang := ""
				if t.name == "math" || t.name == "chem" {
					lang = "latex"
				}
				c.addBlock(&b, placeholder{raw: raw, inline: codeSpan(code), block: fenced(strings.Trim(code, "\n"), lang)}, next)
			} else {
				b.WriteString(c.add(placeholder{raw: raw, inline: codeSpan(code)}))
			}
		case "gallery":
			for _, line := range strings.Split(content, "\n") {
				file, _, _ := strings.Cut(strings.TrimSpace(line), "|")
				if file == "" {
					continue
				}
				if prefix, name, ok := strings.Cut(file, ":"); ok && c.fileNames[strings.ToLower(strings.TrimSpace(prefix))] {
					file = name
				}
				c.addFile(file)
			}
			c.warn("galerie conservée en texte", "gallery kept as text", "")
			c.addBlock(&b, placeholder{raw: raw, inline: escapeText(oneLine(raw)), block: fenced(raw, "")}, next)
		case "ref":
			if c.inRef > 0 {
				b.WriteString(c.add(placeholder{raw: raw, inline: escapeText(oneLine(raw))}))
				break
			}
			b.WriteString(c.add(c.ref(t, content)))
		case "references":
			// List-defined notes: <ref name="x">…</ref> inside.
			if content != "" {
				c.defineNotes(content)
			}
			c.addBlock(&b, placeholder{raw: raw, isRefs: true}, next)
		}
		last = end
		i = end - 1
	}
	b.WriteString(s[last:])
	return b.String()
}

var reInlineAttr = regexp.MustCompile(`(?i)(?:^|\s)inline(?:\s|=|$)`)

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// ref numbers a note and returns its mark.
func (c *converter) ref(t tag, content string) placeholder {
	name, _ := attr(t.attrs, "name")
	n := 0
	if name != "" {
		if k, ok := c.noteNames[name]; ok {
			n = k
			if c.notes[k-1].content == "" {
				c.notes[k-1].content = content
			}
		}
	}
	if n == 0 {
		c.notes = append(c.notes, note{name: name, content: content})
		n = len(c.notes)
		if name != "" {
			c.noteNames[name] = n
		}
	}
	mark := "\\[" + strconv.Itoa(n) + "\\]"
	return placeholder{raw: "<ref>", inline: mark}
}

var reRefDef = regexp.MustCompile(`(?is)<ref\s([^>]*?)>(.*?)</ref\s*>`)

func (c *converter) defineNotes(content string) {
	for _, m := range reRefDef.FindAllStringSubmatch(content, -1) {
		name, _ := attr(m[1], "name")
		if k, ok := c.noteNames[name]; ok && name != "" && c.notes[k-1].content == "" {
			c.notes[k-1].content = m[2]
		}
	}
}

// notesList renders notes from+1..to as an ordered list.
func (c *converter) notesList(from, to int) string {
	var b strings.Builder
	c.inRef++
	for n := from + 1; n <= to; n++ {
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		text := c.fragment(c.notes[n-1].content)
		b.WriteString(strconv.Itoa(n))
		b.WriteString(". ")
		b.WriteString(text)
	}
	c.inRef--
	c.lastRefs = to
	return b.String()
}

// fragment converts a piece of wikitext to a single line of inline Markdown.
func (c *converter) fragment(s string) string {
	s = c.extensionTags(s)
	s = c.templates(s)
	s = removeMagicWords(s)
	return escapeLineStart(c.inline(oneLine(s), inlineCtx{}))
}

// templates turns {{…}} (templates, parser functions, variables, parameters) into placeholders
// showing their source. Braces are matched in one pass; an unmatched "{{" stays as text.
func (c *converter) templates(s string) string {
	if !strings.Contains(s, "{{") {
		return s
	}
	type pair struct{ start, end int }
	var pairs []pair
	var stack []int
	for i := 0; i+1 < len(s); {
		switch {
		case s[i] == '{' && s[i+1] == '{':
			stack = append(stack, i)
			i += 2
		case s[i] == '}' && s[i+1] == '}' && len(stack) > 0:
			start := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			pairs = append(pairs, pair{start, i + 2})
			i += 2
		default:
			i++
		}
	}
	if len(pairs) == 0 {
		return s
	}
	sort.Slice(pairs, func(a, b int) bool { return pairs[a].start < pairs[b].start })
	var b strings.Builder
	b.Grow(len(s))
	last := 0
	for _, p := range pairs {
		if p.start < last {
			continue // nested in the previous one
		}
		b.WriteString(s[last:p.start])
		raw := s[p.start:p.end]
		src := c.expandRaw(raw)
		name := templateName(src)
		inline := escapeText(oneLine(src))
		if strings.Contains(src, "\n") {
			c.warn("modèle conservé en texte", "template kept as text", name)
			c.addBlock(&b, placeholder{raw: raw, inline: inline, block: fenced(src, "")}, s[p.end:])
		} else {
			c.warn("modèle conservé en texte", "template kept as text", name)
			b.WriteString(c.add(placeholder{raw: raw, inline: inline}))
		}
		last = p.end
	}
	b.WriteString(s[last:])
	return b.String()
}

func templateName(src string) string {
	name := strings.TrimPrefix(src, "{{")
	name, _, _ = strings.Cut(name, "|")
	name, _, _ = strings.Cut(name, "\n")
	return "{{" + strings.TrimSpace(strings.TrimRight(name, "}")) + "}}"
}

func (c *converter) addFile(name string) {
	name = NormalizeTitle(name)
	if name == "" {
		return
	}
	for _, f := range c.out.Files {
		if f == name {
			return
		}
	}
	c.out.Files = append(c.out.Files, name)
}

func (c *converter) addCategory(name string) {
	name = NormalizeTitle(name)
	if name == "" {
		return
	}
	for _, f := range c.out.Categories {
		if f == name {
			return
		}
	}
	c.out.Categories = append(c.out.Categories, name)
}

// NormalizeTitle returns a page title as MediaWiki stores it: character references and percent
// escapes decoded, underscores as spaces, runs of spaces collapsed, ends trimmed, first letter in
// upper case (also after a namespace prefix such as "Catégorie:").
func NormalizeTitle(s string) string {
	if strings.Contains(s, "&") {
		s = html.UnescapeString(s)
	}
	if strings.Contains(s, "%") {
		if u, err := url.PathUnescape(s); err == nil && utf8.ValidString(u) {
			s = u
		}
	}
	s = strings.ReplaceAll(s, "_", " ")
	s = strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " ")
	s = strings.TrimPrefix(s, ":")
	s = strings.TrimSpace(s)
	if prefix, rest, ok := strings.Cut(s, ":"); ok && knownNamespace(prefix) {
		return upperFirst(strings.TrimSpace(prefix)) + ":" + upperFirst(strings.TrimSpace(rest))
	}
	return upperFirst(s)
}

func knownNamespace(prefix string) bool {
	switch strings.ToLower(strings.TrimSpace(prefix)) {
	case "catégorie", "category", "fichier", "file", "image", "média", "media", "modèle", "template",
		"aide", "help", "projet", "project", "utilisateur", "user", "utilisatrice", "discussion", "talk",
		"portail", "portal", "spécial", "special", "propriété", "property", "formulaire", "form":
		return true
	}
	return false
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || !unicode.IsLower(r) {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}
