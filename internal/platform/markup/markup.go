// Package markup turns user Markdown into safe HTML, plain text for indexing, and highlighted
// search snippets.
//
// Rendering is CommonMark plus the GitHub tables, strikethrough and autolink extensions. Raw HTML
// in the source is never passed through: goldmark replaces it with a comment, and the result is
// then sanitised by a strict allow-list policy (bluemonday). Links are kept only for http, https,
// mailto and relative targets; images only for https and same-site relative sources. External
// links carry rel="nofollow ugc noopener".
package markup

import (
	"bytes"
	"html/template"
	"regexp"
	"strings"
	"sync"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// ExternalRel is the rel attribute set on links that leave the site.
const ExternalRel = "nofollow ugc noopener"

var (
	engine = goldmark.New(
		goldmark.WithExtensions(
			extension.NewTable(extension.WithTableCellAlignMethod(extension.TableCellAlignAttribute)),
			extension.Strikethrough,
			extension.NewLinkify(
				extension.WithLinkifyAllowedProtocols([]string{"http:", "https:"}),
			),
		),
		goldmark.WithParserOptions(
			parser.WithASTTransformers(util.Prioritized(linkGuard{}, 1000)),
		),
		// No html.WithUnsafe: raw HTML and dangerous URLs are dropped by the renderer.
	)

	policy = newPolicy()

	bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}
)

// Render converts Markdown to sanitised HTML, safe to embed in a page.
func Render(markdown string) template.HTML {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	if err := engine.Convert([]byte(markdown), buf); err != nil {
		// goldmark only fails on writer errors, which a bytes.Buffer never returns; show the
		// source as escaped text rather than nothing.
		return template.HTML("<pre>" + template.HTMLEscapeString(markdown) + "</pre>")
	}
	return template.HTML(policy.SanitizeBytes(buf.Bytes()))
}

// Policy returns the sanitising policy used by Render, for callers that must clean HTML produced
// elsewhere with the same rules.
func Policy() *bluemonday.Policy { return policy }

var (
	reAlign    = regexp.MustCompile(`^(left|center|right)$`)
	reLangCls  = regexp.MustCompile(`^language-[A-Za-z0-9_+#.-]{1,40}$`)
	reRel      = regexp.MustCompile(`^` + regexp.QuoteMeta(ExternalRel) + `$`)
	reStart    = regexp.MustCompile(`^[0-9]{1,9}$`)
	reImageSrc = regexp.MustCompile(`^(?:https://[^\\\s]+|/(?:[^/\\\s][^\\\s]*)?|[^/\\:?#\s][^\\:\s]*)$`)
)

// newPolicy builds the allow-list: structure and text formatting only, no style, no class except
// code languages, no event handlers, no embedded content other than images.
func newPolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements(
		"p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "code",
		"em", "strong", "del", "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td",
	)
	p.AllowAttrs("start").Matching(reStart).OnElements("ol")
	p.AllowAttrs("align").Matching(reAlign).OnElements("th", "td")
	p.AllowAttrs("class").Matching(reLangCls).OnElements("code")
	p.AllowAttrs("href").OnElements("a")
	p.AllowAttrs("rel").Matching(reRel).OnElements("a")
	p.AllowAttrs("title").Matching(bluemonday.Paragraph).OnElements("a", "img")
	p.AllowAttrs("src").Matching(reImageSrc).OnElements("img")
	p.AllowAttrs("alt").Matching(bluemonday.Paragraph).OnElements("img")
	p.AllowURLSchemes("http", "https", "mailto")
	p.AllowRelativeURLs(true)
	p.RequireParseableURLs(true)
	// Backstop only: the AST pass already sets ExternalRel on every external link.
	p.RequireNoFollowOnFullyQualifiedLinks(true)
	return p
}

// urlClass is what a link or image target turns out to be once decoded as a browser would.
type urlClass int

const (
	urlForbidden   urlClass = iota
	urlRelative             // same site: path, query or fragment only
	urlNetRelative          // "//host/…": another site, scheme of the page
	urlHTTP
	urlHTTPS
	urlMailto
)

// classify decodes a Markdown destination exactly as the HTML renderer will emit it, then finds its
// scheme the way the WHATWG URL parser does (backslash counts as slash, case folded).
func classify(dest []byte) (urlClass, string) {
	return classifyURL(string(util.URLEscape(dest, true)))
}

// classifyURL classifies an attribute value as found in HTML, after character references.
func classifyURL(s string) (urlClass, string) {
	// Browsers drop tabs and newlines anywhere in a URL.
	s = urlNoise.Replace(s)
	// URLEscape percent-encodes spaces and controls, but trim defensively anyway.
	s = strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
	if s == "" {
		return urlRelative, s
	}
	if strings.HasPrefix(s, "//") || strings.HasPrefix(s, `\\`) || strings.HasPrefix(s, `/\`) || strings.HasPrefix(s, `\/`) {
		return urlNetRelative, s
	}
	end := strings.IndexAny(s, ":/?#\\")
	if end < 0 || s[end] != ':' {
		return urlRelative, s
	}
	switch strings.ToLower(s[:end]) {
	case "http":
		return urlHTTP, s
	case "https":
		return urlHTTPS, s
	case "mailto":
		return urlMailto, s
	}
	return urlForbidden, s
}

var urlNoise = strings.NewReplacer("\t", "", "\n", "", "\r", "")

// linkGuard removes links and images whose targets are not allowed and marks external links.
// It runs on the AST so that a forbidden link keeps its visible text.
type linkGuard struct{}

func (linkGuard) Transform(doc *ast.Document, reader text.Reader, pc parser.Context) {
	source := reader.Source()
	var unwrap []ast.Node
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Link:
			switch c, _ := classify(n.Destination); c {
			case urlForbidden:
				unwrap = append(unwrap, n)
			case urlHTTP, urlHTTPS, urlNetRelative:
				n.SetAttributeString("rel", []byte(ExternalRel))
			}
		case *ast.AutoLink:
			if n.AutoLinkType == ast.AutoLinkEmail {
				return ast.WalkSkipChildren, nil
			}
			switch c, _ := classify(n.URL(source)); c {
			case urlHTTP, urlHTTPS, urlNetRelative:
				n.SetAttributeString("rel", []byte(ExternalRel))
			case urlForbidden:
				unwrap = append(unwrap, n)
			}
			return ast.WalkSkipChildren, nil
		case *ast.Image:
			c, s := classify(n.Destination)
			if c != urlHTTPS && (c != urlRelative || s == "") {
				unwrap = append(unwrap, n)
			}
		}
		return ast.WalkContinue, nil
	})
	for _, n := range unwrap {
		parent := n.Parent()
		if parent == nil {
			continue
		}
		if al, ok := n.(*ast.AutoLink); ok {
			t := ast.NewString(al.Label(source))
			t.SetRaw(true)
			parent.ReplaceChild(parent, n, t)
			continue
		}
		// Keep the visible text (link label or image alt) in place of the element.
		for c := n.FirstChild(); c != nil; {
			next := c.NextSibling()
			parent.InsertBefore(parent, n, c)
			c = next
		}
		parent.RemoveChild(parent, n)
	}
}
