package mediawiki

import (
	"regexp"
	"strings"
)

// tableEnd returns the index after the line closing the table that starts at lines[start],
// counting nested tables; an unclosed table runs to the end.
func tableEnd(lines []string, start int) int {
	depth := 0
	for i := start; i < len(lines); i++ {
		t := strings.TrimLeft(lines[i], " \t:")
		switch {
		case strings.HasPrefix(t, "{|"):
			depth++
		case strings.HasPrefix(t, "|}"):
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return len(lines)
}

type cell struct {
	header  bool
	attrs   string
	content string
}

var reSpan = regexp.MustCompile(`(?i)\b(?:rowspan|colspan)\s*=`)

// table converts a wiki table to a GitHub table when it is simple: no nested table, no merged
// cells, no multi-line or block content in cells. Anything else is shown as its source in a code
// block.
func (c *converter) table(w *mdWriter, lines []string) {
	var (
		caption string
		rows    [][]cell
		row     []cell
		simple  = true
	)
	endRow := func() {
		if len(row) > 0 {
			rows = append(rows, row)
		}
		row = nil
	}
	for k, raw := range lines {
		l := strings.TrimSpace(raw)
		if k == 0 {
			l = strings.TrimLeft(l, ":")
			if attrs := strings.TrimSpace(strings.TrimPrefix(l, "{|")); attrs != "" {
				c.warn("attributs de tableau ignorés", "table attributes ignored", attrs)
			}
			continue
		}
		switch {
		case strings.HasPrefix(l, "|}"):
			if k != len(lines)-1 || strings.TrimSpace(l[2:]) != "" {
				simple = false
			}
		case strings.HasPrefix(strings.TrimLeft(l, ":"), "{|"):
			simple = false
		case strings.HasPrefix(l, "|+"):
			caption = strings.TrimSpace(l[2:])
		case strings.HasPrefix(l, "|-"):
			endRow()
		case strings.HasPrefix(l, "!"):
			for _, part := range splitTop(l[1:], "!!", "||") {
				row = append(row, c.makeCell(true, part))
			}
		case strings.HasPrefix(l, "|"):
			for _, part := range splitTop(l[1:], "||") {
				row = append(row, c.makeCell(false, part))
			}
		case l == "":
		default:
			// Text on its own line continues the previous cell: Markdown cells are one line.
			simple = false
		}
	}
	endRow()
	for _, r := range rows {
		for _, cl := range r {
			if reSpan.MatchString(cl.attrs) || c.hasBlock(cl.content) {
				simple = false
			}
		}
	}
	if !simple || len(rows) == 0 {
		c.warn("tableau complexe conservé en texte", "complex table kept as text", "")
		w.line(kindCode, fenced(c.expandRaw(strings.Join(lines, "\n")), ""), "")
		return
	}

	cols := 0
	for _, r := range rows {
		cols = max(cols, len(r))
	}
	var b strings.Builder
	if caption != "" {
		b.WriteString(escapeLineStart(c.inline(caption, inlineCtx{oneLine: true})))
		b.WriteString("\n\n")
	}
	header := rows[0]
	body := rows[1:]
	allHeader := true
	for _, cl := range header {
		allHeader = allHeader && cl.header
	}
	if !allHeader {
		header, body = nil, rows
	}
	writeRow := func(r []cell, isHeader bool) {
		b.WriteByte('|')
		for k := 0; k < cols; k++ {
			b.WriteByte(' ')
			if k < len(r) {
				md := c.inline(r[k].content, inlineCtx{oneLine: true})
				md = escapePipes(md)
				if r[k].header && !isHeader && strings.TrimSpace(md) != "" {
					md = "**" + md + "**"
				}
				b.WriteString(md)
			}
			b.WriteString(" |")
		}
		b.WriteByte('\n')
	}
	writeRow(header, true)
	b.WriteByte('|')
	for range cols {
		b.WriteString(" --- |")
	}
	b.WriteByte('\n')
	for _, r := range body {
		writeRow(r, false)
	}
	w.line(kindTable, strings.TrimRight(b.String(), "\n"), "")
}

func (c *converter) makeCell(header bool, part string) cell {
	attrs, content := "", part
	// "attributes | content": a single bar outside links and placeholders.
	if k := indexTop(part, "|"); k >= 0 {
		attrs, content = part[:k], part[k+1:]
		if strings.TrimSpace(attrs) != "" && !reSpan.MatchString(attrs) {
			c.warn("attributs de tableau ignorés", "table attributes ignored", attrs)
		}
	}
	return cell{header: header, attrs: attrs, content: strings.TrimSpace(content)}
}

// hasBlock reports whether s holds a placeholder that stands for a block (code, multi-line
// template…), which a Markdown cell cannot hold.
func (c *converter) hasBlock(s string) bool {
	for i := 0; i < len(s); i++ {
		if p, j := c.placeholderAt(s, i); p != nil {
			if p.block != "" || p.isRefs {
				return true
			}
			i = j - 1
		}
	}
	return false
}

// escapePipes escapes the bars a cell's Markdown still has unescaped (in code spans or link
// destinations), which GitHub tables would take for cell separators.
func escapePipes(md string) string {
	if !strings.Contains(md, "|") {
		return md
	}
	var b strings.Builder
	for i := 0; i < len(md); i++ {
		if md[i] == '|' && (i == 0 || md[i-1] != '\\') {
			b.WriteByte('\\')
		}
		b.WriteByte(md[i])
	}
	return b.String()
}

// splitTop splits s on any of the separators, outside [[…]] links.
func splitTop(s string, seps ...string) []string {
	var parts []string
	depth, last := 0, 0
	for i := 0; i < len(s); i++ {
		switch {
		case strings.HasPrefix(s[i:], "[["):
			depth++
			i++
			continue
		case strings.HasPrefix(s[i:], "]]") && depth > 0:
			depth--
			i++
			continue
		}
		if depth > 0 {
			continue
		}
		for _, sep := range seps {
			if strings.HasPrefix(s[i:], sep) {
				parts = append(parts, s[last:i])
				last = i + len(sep)
				i = last - 1
				break
			}
		}
	}
	return append(parts, s[last:])
}

// indexTop finds sep in s outside [[…]] links and [url label] links.
func indexTop(s, sep string) int {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch {
		case strings.HasPrefix(s[i:], "[["):
			depth++
			i++
		case strings.HasPrefix(s[i:], "]]") && depth > 0:
			depth--
			i++
		case s[i] == '[':
			depth++
		case s[i] == ']' && depth > 0:
			depth--
		case depth == 0 && strings.HasPrefix(s[i:], sep):
			return i
		}
	}
	return -1
}
