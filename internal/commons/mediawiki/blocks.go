package mediawiki

import (
	"strings"
)

// blocks converts the text line by line: headings, lists, tables, rules, preformatted lines and
// paragraphs. Inline markup is left to inline.
func (c *converter) blocks(w *mdWriter, text string) {
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		line := strings.TrimRight(lines[i], " \t")
		trimmed := strings.TrimLeft(line, " \t")
		switch {
		case trimmed == "":
			w.blankLine()

		case c.blockPlaceholder(w, trimmed):

		case strings.HasPrefix(strings.TrimLeft(trimmed, ":"), "{|"):
			end := tableEnd(lines, i)
			c.table(w, lines[i:end])
			i = end - 1

		case line[0] == '=':
			if !c.heading(w, line) {
				c.paragraph(w, line)
			}

		case strings.HasPrefix(line, "----"):
			w.line(kindHR, "* * *", "")
			if rest := strings.TrimLeft(line, "-"); strings.TrimSpace(rest) != "" {
				c.paragraph(w, strings.TrimSpace(rest))
			}

		case strings.ContainsRune("*#:;", rune(line[0])):
			c.listItem(w, line)

		case line[0] == ' ' || line[0] == '\t':
			// Preformatted: consecutive lines starting with a space.
			var pre []string
			for ; i < len(lines); i++ {
				l := strings.TrimRight(lines[i], " \t")
				if l == "" || (l[0] != ' ' && l[0] != '\t') || strings.HasPrefix(strings.TrimLeft(l, " \t:"), "{|") {
					break
				}
				if p, j := c.placeholderAt(strings.TrimSpace(l), 0); p != nil && j == len(strings.TrimSpace(l)) && p.block != "" {
					break
				}
				pre = append(pre, c.expandRaw(l[1:]))
			}
			i--
			w.line(kindCode, fenced(strings.Join(pre, "\n"), ""), "")

		default:
			c.paragraph(w, line)
		}
	}
}

// blockPlaceholder emits a line made of a single block placeholder.
func (c *converter) blockPlaceholder(w *mdWriter, line string) bool {
	p, j := c.placeholderAt(line, 0)
	if p == nil || j != len(line) {
		return false
	}
	switch {
	case p.isRefs:
		if c.lastRefs < len(c.notes) {
			w.line(kindList, c.notesList(c.lastRefs, len(c.notes)), "")
			w.blankLine()
		}
	case p.block != "":
		w.line(kindCode, p.block, "")
	default:
		return false
	}
	return true
}

func (c *converter) paragraph(w *mdWriter, line string) {
	md := escapeLineStart(c.inline(line, inlineCtx{}))
	if strings.TrimSpace(md) == "" {
		// A line left empty (categories, dropped tags) separates paragraphs, as in MediaWiki.
		w.blankLine()
		return
	}
	w.line(kindPara, md, "")
}

func (c *converter) heading(w *mdWriter, line string) bool {
	open := len(line) - len(strings.TrimLeft(line, "="))
	close := len(line) - len(strings.TrimRight(line, "="))
	if open == len(line) || close == 0 {
		return false
	}
	level := min(open, close, 6)
	content := line[level : len(line)-level]
	content = strings.TrimSpace(content)
	if content == "" {
		return false
	}
	md := strings.TrimSpace(c.inline(content, inlineCtx{oneLine: true}))
	if md == "" {
		return false
	}
	if strings.HasSuffix(md, "#") {
		// A closing run of # would be taken for the end of the heading.
		md = md[:len(md)-1] + "\\#"
	}
	w.line(kindHeading, strings.Repeat("#", level)+" "+md, "")
	return true
}

// listItem converts a line starting with list markers (* # : ;).
func (c *converter) listItem(w *mdWriter, line string) {
	n := 0
	for n < len(line) && strings.IndexByte("*#:;", line[n]) >= 0 {
		n++
	}
	prefix, rest := line[:n], strings.TrimSpace(line[n:])

	// ";term : definition" on one line.
	var def string
	if strings.HasSuffix(prefix, ";") {
		if k := definitionColon(rest); k >= 0 {
			rest, def = strings.TrimSpace(rest[:k]), strings.TrimSpace(rest[k+1:])
		}
	}

	// Leading colons before a list become quotation levels; alone they are an indented
	// paragraph (a quotation) or, after a term, its definition.
	quotes := 0
	for quotes < len(prefix) && prefix[quotes] == ':' {
		quotes++
	}
	if quotes == len(prefix) {
		md := c.inline(rest, inlineCtx{})
		if strings.TrimSpace(md) == "" {
			w.blankLine()
			return
		}
		if w.last == kindDef && !w.blank && quotes == 1 {
			w.line(kindDef, escapeLineStart(md), "")
			return
		}
		w.line(kindQuote, strings.Repeat("> ", quotes)+escapeLineStart(md), "")
		return
	}
	lead := strings.Repeat("> ", quotes)
	prefix = prefix[quotes:]

	if strings.Trim(prefix, ";") == "" {
		// A term, possibly with its definition.
		md := c.termMarkdown(rest)
		if def != "" {
			md += " : " + c.inline(def, inlineCtx{})
		}
		if lead != "" {
			w.line(kindQuote, lead+md, "")
			return
		}
		w.line(kindDef, md, "")
		return
	}

	// A list item: every marker but the last is a nesting level.
	var indent strings.Builder
	for k := 0; k < len(prefix)-1; k++ {
		if prefix[k] == '#' {
			indent.WriteString("   ")
		} else {
			indent.WriteString("  ")
		}
	}
	ind := lead + indent.String()
	var md string
	switch last := prefix[len(prefix)-1]; last {
	case '*', '#':
		marker := "- "
		if last == '#' {
			marker = "1. "
		}
		content := escapeLineStart(c.inline(rest, inlineCtx{indent: ind + strings.Repeat(" ", len(marker))}))
		w.line(kindList, ind+marker+content, "")
		c.listPrefix = line[:n]
		return
	case ';':
		md = c.termMarkdown(rest)
		if def != "" {
			md += " : " + c.inline(def, inlineCtx{})
		}
	default: // ':' continues the item above on a new line
		md = escapeLineStart(c.inline(rest, inlineCtx{indent: ind}))
	}
	if strings.TrimSpace(md) == "" {
		return
	}
	if w.last == kindList && !w.blank && c.listPrefix == line[:n-1] {
		// Right after its item: a new line in the same paragraph.
		w.line(kindList, ind+md, "\\\n")
		return
	}
	// After nested items: a new paragraph of the item.
	w.blankLine()
	w.line(kindList, ind+md, "")
}

func (c *converter) termMarkdown(s string) string {
	md := strings.TrimSpace(c.inline(s, inlineCtx{oneLine: true}))
	if md == "" {
		return ""
	}
	return "**" + md + "**"
}

// definitionColon finds the colon ending a term in ";term : definition", outside links, URLs
// and placeholders.
func definitionColon(s string) int {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch {
		case strings.HasPrefix(s[i:], "[["):
			depth++
			i++
		case strings.HasPrefix(s[i:], "]]") && depth > 0:
			depth--
			i++
		case s[i] == ':' && depth == 0 && !strings.HasPrefix(s[i:], "://"):
			return i
		}
	}
	return -1
}
