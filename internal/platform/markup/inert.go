package markup

import (
	"fmt"
	"html"
	"strings"
)

// allowedAttrs lists, per element, the attributes Render may emit.
var allowedAttrs = map[string][]string{
	"p": nil, "br": nil, "hr": nil, "h1": nil, "h2": nil, "h3": nil, "h4": nil, "h5": nil, "h6": nil,
	"blockquote": nil, "pre": nil, "em": nil, "strong": nil, "del": nil, "ul": nil, "li": nil,
	"table": nil, "thead": nil, "tbody": nil, "tr": nil,
	"ol":   {"start"},
	"th":   {"align"},
	"td":   {"align"},
	"code": {"class"},
	"a":    {"href", "rel", "title"},
	"img":  {"src", "alt", "title"},
}

// CheckInert reports the first construct in an HTML fragment that could run code or load content
// it should not: an element or attribute outside Render's allow-list (script, style, iframe, svg,
// event handlers, style attributes…), a comment or declaration, a link whose scheme is not http,
// https or mailto, or an image not served over https or from the site itself. It returns nil for
// an inert fragment. The fragment is read as a browser would (character references decoded,
// attribute names case-insensitive). Render output always passes; tests of other packages use it
// to check pages built from untrusted text.
func CheckInert(fragment string) error {
	s := fragment
	for i := 0; i < len(s); i++ {
		if s[i] != '<' || i+1 >= len(s) {
			continue
		}
		c := s[i+1]
		switch {
		case c == '!' || c == '?':
			return fmt.Errorf("offset %d: comment or declaration %q", i, excerpt(s[i:]))
		case c == '/':
			j := i + 2
			for j < len(s) && isTagNameByte(s[j]) {
				j++
			}
			name := strings.ToLower(s[i+2 : j])
			if name == "" {
				continue
			}
			if _, ok := allowedAttrs[name]; !ok && name != "a" {
				return fmt.Errorf("offset %d: closing tag </%s> outside the allow-list", i, name)
			}
		case isASCIILetter(c):
			end, err := checkTag(s, i)
			if err != nil {
				return err
			}
			i = end
		}
	}
	return nil
}

func checkTag(s string, i int) (int, error) {
	j := i + 1
	for j < len(s) && isTagNameByte(s[j]) {
		j++
	}
	name := strings.ToLower(s[i+1 : j])
	allowed, ok := allowedAttrs[name]
	if !ok {
		return 0, fmt.Errorf("offset %d: element <%s> outside the allow-list", i, name)
	}
	for {
		for j < len(s) && (isSpaceByte(s[j]) || s[j] == '/') {
			j++
		}
		if j >= len(s) {
			return 0, fmt.Errorf("offset %d: unterminated tag <%s", i, name)
		}
		if s[j] == '>' {
			return j, nil
		}
		k := j
		for k < len(s) && !isSpaceByte(s[k]) && s[k] != '=' && s[k] != '>' && s[k] != '/' {
			k++
		}
		attr := strings.ToLower(s[j:k])
		j = k
		for j < len(s) && isSpaceByte(s[j]) {
			j++
		}
		val := ""
		if j < len(s) && s[j] == '=' {
			j++
			for j < len(s) && isSpaceByte(s[j]) {
				j++
			}
			if j < len(s) && (s[j] == '"' || s[j] == '\'') {
				q := s[j]
				e := strings.IndexByte(s[j+1:], q)
				if e < 0 {
					return 0, fmt.Errorf("offset %d: unterminated attribute %s in <%s>", j, attr, name)
				}
				val = s[j+1 : j+1+e]
				j = j + 2 + e
			} else {
				k := j
				for k < len(s) && !isSpaceByte(s[k]) && s[k] != '>' {
					k++
				}
				val = s[j:k]
				j = k
			}
		}
		if !contains(allowed, attr) {
			return 0, fmt.Errorf("offset %d: attribute %s on <%s> outside the allow-list", i, attr, name)
		}
		val = html.UnescapeString(val)
		switch attr {
		case "href":
			c, _ := classifyURL(val)
			if c == urlForbidden {
				return 0, fmt.Errorf("offset %d: link target %q has a forbidden scheme", i, val)
			}
		case "src":
			c, _ := classifyURL(val)
			if c != urlHTTPS && c != urlRelative {
				return 0, fmt.Errorf("offset %d: image source %q is neither https nor relative", i, val)
			}
		case "rel":
			if val != ExternalRel {
				return 0, fmt.Errorf("offset %d: unexpected rel %q", i, val)
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

func excerpt(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

func isTagNameByte(c byte) bool {
	return isASCIILetter(c) || (c >= '0' && c <= '9') || c == '-' || c == ':'
}

func isSpaceByte(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}
