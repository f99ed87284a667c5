package markup

import (
	"strings"

	"github.com/yuin/goldmark/ast"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// PlainText returns the readable text of a Markdown document: what a reader sees, without markup,
// one line per block. Raw HTML is left out (it is not rendered either); link targets are left out,
// link labels and image descriptions are kept. Intended for full-text indexing and snippets.
func PlainText(markdown string) string {
	src := []byte(markdown)
	doc := engine.Parser().Parse(text.NewReader(src))
	var b strings.Builder
	b.Grow(len(src))
	newline := func() {
		s := b.String()
		if len(s) > 0 && s[len(s)-1] != '\n' {
			b.WriteByte('\n')
		}
	}
	space := func() {
		s := b.String()
		if len(s) > 0 && s[len(s)-1] != '\n' && s[len(s)-1] != ' ' {
			b.WriteByte(' ')
		}
	}
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		switch n := n.(type) {
		case *ast.Text:
			if entering {
				b.Write(resolve(n.Value(src)))
				switch {
				case n.HardLineBreak():
					newline()
				case n.SoftLineBreak():
					space()
				}
			}
		case *ast.String:
			if entering {
				if n.IsRaw() || n.IsCode() {
					b.Write(n.Value)
				} else {
					b.Write(resolve(n.Value))
				}
			}
		case *ast.CodeSpan:
			if entering {
				for c := n.FirstChild(); c != nil; c = c.NextSibling() {
					switch c := c.(type) {
					case *ast.Text:
						b.Write(c.Value(src))
					case *ast.String:
						b.Write(c.Value)
					}
				}
			}
			return ast.WalkSkipChildren, nil
		case *ast.AutoLink:
			if entering {
				b.Write(n.Label(src))
			}
			return ast.WalkSkipChildren, nil
		case *ast.RawHTML, *ast.HTMLBlock:
			return ast.WalkSkipChildren, nil
		case *ast.CodeBlock, *ast.FencedCodeBlock:
			if entering {
				newline()
				lines := n.Lines()
				for i := range lines.Len() {
					seg := lines.At(i)
					b.Write(seg.Value(src))
				}
				newline()
			}
			return ast.WalkSkipChildren, nil
		case *east.TableCell:
			if entering && n.PreviousSibling() != nil {
				space()
			}
		default:
			if n.Type() == ast.TypeBlock {
				newline()
			}
		}
		return ast.WalkContinue, nil
	})
	return strings.TrimSpace(b.String())
}

// resolve applies Markdown backslash escapes and HTML character references.
func resolve(v []byte) []byte {
	if !hasEscapes(v) {
		return v
	}
	v = util.UnescapePunctuations(v)
	v = util.ResolveNumericReferences(v)
	return util.ResolveEntityNames(v)
}

func hasEscapes(v []byte) bool {
	for _, c := range v {
		if c == '\\' || c == '&' {
			return true
		}
	}
	return false
}
