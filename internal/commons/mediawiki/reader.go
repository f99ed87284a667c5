// Package mediawiki reads MediaWiki XML exports (Special:Export and dumpBackup, schema versions
// 0.3 to 0.11) as a stream and converts wikitext to Markdown.
//
// # Reading
//
// Reader pulls one page header at a time (Next) and then the page's revisions one at a time
// (NextRevision), so that neither the file nor a page with thousands of revisions is ever held in
// memory: the largest allocation is the text of the largest single revision. Uploads, log items
// and elements this package does not know are skipped.
//
//	r, err := mediawiki.NewReader(f)
//	for {
//		page, err := r.Next()
//		if err == io.EOF { break }
//		for {
//			rev, err := r.NextRevision()
//			if err == io.EOF { break } // end of this page
//			…
//		}
//	}
//
// Errors are *Error values naming the page, the revision and the XML line. A malformed document
// stops the reader (every later call returns the same error); a revision with a bad field (an
// unreadable timestamp, a non-numeric id) is reported by NextRevision, and the caller may go on
// with the next one.
package mediawiki

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// SiteInfo describes the wiki the export comes from.
type SiteInfo struct {
	SchemaVersion string // version attribute of <mediawiki>, such as "0.11"
	Lang          string // xml:lang of <mediawiki>
	SiteName      string
	DBName        string
	Base          string // URL of the main page
	Generator     string // MediaWiki version
	Case          string // "first-letter" or "case-sensitive"
	Namespaces    []Namespace
}

// Namespace is one namespace declared in the site information.
type Namespace struct {
	Key  int    // 0 main, 6 file, 14 category…
	Case string // first-letter or case-sensitive
	Name string // local name, "" for the main namespace
}

// Page is the header of a page: what comes before its revisions.
type Page struct {
	Title    string
	NS       int   // namespace key; taken from the title prefix in exports older than 0.6
	ID       int64 // page id on the source wiki
	Redirect string
	Line     int // XML line of <page>
}

// Contributor is the author of a revision: a registered user or an IP address.
type Contributor struct {
	Username string
	ID       int64
	IP       string
	Deleted  bool // hidden by revision deletion; Username and IP are then empty
}

// Name returns the user name, else the IP address, else "".
func (c Contributor) Name() string {
	if c.Username != "" {
		return c.Username
	}
	return c.IP
}

// Revision is one version of a page.
type Revision struct {
	ID             int64
	ParentID       int64 // 0 for the first revision or when the export does not say
	Timestamp      time.Time
	Contributor    Contributor
	Minor          bool
	Comment        string
	CommentDeleted bool
	Model          string // content model, such as "wikitext"
	Format         string // such as "text/x-wiki"
	Text           string
	TextDeleted    bool
	TextBytes      int64  // size declared by the bytes attribute of <text>, -1 when absent
	SHA1           string // base-36 SHA-1 of Text declared by the export, "" when absent
	Line           int    // XML line of <revision>
}

// Error is an error found while reading an export, with where it was found.
type Error struct {
	Line     int    // XML line, 0 if unknown
	Page     string // page title, "" if before any page
	Revision int64  // revision id, 0 if none or unknown
	Err      error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("mediawiki export")
	if e.Line > 0 {
		fmt.Fprintf(&b, ", line %d", e.Line)
	}
	if e.Page != "" {
		fmt.Fprintf(&b, ", page %q", e.Page)
	}
	if e.Revision != 0 {
		fmt.Fprintf(&b, ", revision %d", e.Revision)
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// ErrNotExport is wrapped by NewReader's error when the document is not a MediaWiki export.
var ErrNotExport = errors.New("not a MediaWiki export (the root element is not <mediawiki>)")

// Reader reads a MediaWiki XML export as a stream.
type Reader struct {
	d        *xml.Decoder
	site     SiteInfo
	err      error // sticky fatal error
	page     *Page // last page returned by Next
	pageOpen bool  // inside that page's element: </page> not read yet
	pageLine int
	pending  *xml.StartElement // start element already read: a <page> between pages, a <revision> inside one
	text     bytes.Buffer      // reused for element text
	done     bool              // </mediawiki> seen
	nsByName map[string]int
}

// NewReader reads the start of an export, up to the first page, so that SiteInfo is available.
func NewReader(r io.Reader) (*Reader, error) {
	if _, ok := r.(io.ByteReader); !ok {
		r = bufio.NewReaderSize(r, 256<<10)
	}
	d := xml.NewDecoder(r)
	rd := &Reader{d: d}
	if err := rd.readHeader(); err != nil {
		rd.err = err
		return nil, err
	}
	return rd, nil
}

// SiteInfo returns the site information found before the first page (zero if the export has
// none).
func (r *Reader) SiteInfo() SiteInfo { return r.site }

// Offset returns the number of bytes of input consumed so far, for progress reports.
func (r *Reader) Offset() int64 { return r.d.InputOffset() }

func (r *Reader) line() int {
	l, _ := r.d.InputPos()
	return l
}

// fail builds a positioned error.
func (r *Reader) fail(rev int64, err error) *Error {
	e := &Error{Line: r.line(), Revision: rev, Err: err}
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		e.Line = se.Line
	}
	if r.page != nil {
		e.Page = r.page.Title
	}
	return e
}

// token returns the next token; io.ErrUnexpectedEOF replaces io.EOF since callers only ask for
// tokens inside the document.
func (r *Reader) token() (xml.Token, error) {
	t, err := r.d.Token()
	if err == io.EOF {
		return nil, io.ErrUnexpectedEOF
	}
	return t, err
}

func (r *Reader) readHeader() error {
	for {
		t, err := r.d.Token()
		if err == io.EOF {
			return &Error{Line: r.line(), Err: ErrNotExport}
		}
		if err != nil {
			return r.fail(0, err)
		}
		se, ok := t.(xml.StartElement)
		if !ok {
			continue
		}
		if se.Name.Local != "mediawiki" {
			return &Error{Line: r.line(), Err: fmt.Errorf("%w: found <%s>", ErrNotExport, se.Name.Local)}
		}
		for _, a := range se.Attr {
			switch {
			case a.Name.Local == "version":
				r.site.SchemaVersion = a.Value
			case a.Name.Local == "lang":
				r.site.Lang = a.Value
			}
		}
		if r.site.SchemaVersion == "" {
			// Old exports only carry the version in the namespace URL.
			if v, ok := strings.CutPrefix(se.Name.Space, "http://www.mediawiki.org/xml/export-"); ok {
				r.site.SchemaVersion = strings.TrimSuffix(v, "/")
			}
		}
		break
	}
	// Site information comes first when present; stop at the first page.
	for {
		t, err := r.token()
		if err != nil {
			return r.fail(0, err)
		}
		switch t := t.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "siteinfo":
				if err := r.readSiteInfo(); err != nil {
					return err
				}
			case "page":
				se := t.Copy()
				r.pending = &se
				r.pageLine = r.line()
				return nil
			default:
				if err := r.d.Skip(); err != nil {
					return r.fail(0, err)
				}
			}
		case xml.EndElement:
			r.done = true
			return nil
		}
	}
}

func (r *Reader) readSiteInfo() error {
	for {
		t, err := r.token()
		if err != nil {
			return r.fail(0, err)
		}
		switch t := t.(type) {
		case xml.StartElement:
			var dst *string
			switch t.Name.Local {
			case "sitename":
				dst = &r.site.SiteName
			case "dbname":
				dst = &r.site.DBName
			case "base":
				dst = &r.site.Base
			case "generator":
				dst = &r.site.Generator
			case "case":
				dst = &r.site.Case
			case "namespaces":
				if err := r.readNamespaces(); err != nil {
					return err
				}
				continue
			default:
				if err := r.d.Skip(); err != nil {
					return r.fail(0, err)
				}
				continue
			}
			s, err := r.readText()
			if err != nil {
				return err
			}
			*dst = s
		case xml.EndElement:
			return nil
		}
	}
}

func (r *Reader) readNamespaces() error {
	r.nsByName = map[string]int{}
	for {
		t, err := r.token()
		if err != nil {
			return r.fail(0, err)
		}
		switch t := t.(type) {
		case xml.StartElement:
			if t.Name.Local != "namespace" {
				if err := r.d.Skip(); err != nil {
					return r.fail(0, err)
				}
				continue
			}
			var ns Namespace
			for _, a := range t.Attr {
				switch a.Name.Local {
				case "key":
					k, err := strconv.Atoi(strings.TrimSpace(a.Value))
					if err != nil {
						return r.fail(0, fmt.Errorf("namespace key %q is not an integer", a.Value))
					}
					ns.Key = k
				case "case":
					ns.Case = a.Value
				}
			}
			name, err := r.readText()
			if err != nil {
				return err
			}
			ns.Name = name
			r.site.Namespaces = append(r.site.Namespaces, ns)
			if name != "" {
				r.nsByName[strings.ToLower(name)] = ns.Key
			}
		case xml.EndElement:
			return nil
		}
	}
}

// readText returns the character data of the current element up to its end tag, skipping any
// child element.
func (r *Reader) readText() (string, error) {
	r.text.Reset()
	for {
		t, err := r.token()
		if err != nil {
			return "", r.fail(0, err)
		}
		switch t := t.(type) {
		case xml.CharData:
			r.text.Write(t)
		case xml.StartElement:
			if err := r.d.Skip(); err != nil {
				return "", r.fail(0, err)
			}
		case xml.EndElement:
			return r.text.String(), nil
		}
	}
}

// Next returns the header of the next page, skipping whatever is left of the current one.
// It returns io.EOF after the last page.
func (r *Reader) Next() (*Page, error) {
	if r.err != nil {
		return nil, r.err
	}
	p, err := r.next()
	if err != nil && err != io.EOF {
		r.err = err
	}
	return p, err
}

func (r *Reader) next() (*Page, error) {
	if r.pageOpen {
		if err := r.skipPage(); err != nil {
			return nil, err
		}
	}
	r.page = nil
	for r.pending == nil {
		if r.done {
			return nil, io.EOF
		}
		t, err := r.d.Token()
		if err == io.EOF {
			return nil, &Error{Line: r.line(), Err: errors.New("document ends without </mediawiki>")}
		}
		if err != nil {
			return nil, r.fail(0, err)
		}
		switch t := t.(type) {
		case xml.StartElement:
			if t.Name.Local == "page" {
				se := t.Copy()
				r.pending = &se
				r.pageLine = r.line()
				continue
			}
			// <logitem> and anything else at the top level.
			if err := r.d.Skip(); err != nil {
				return nil, r.fail(0, err)
			}
		case xml.EndElement:
			r.done = true
		}
	}
	r.pending = nil
	p := &Page{NS: -1, Line: r.pageLine}
	r.page = p
	r.pageOpen = true
	for {
		t, err := r.token()
		if err != nil {
			return nil, r.fail(0, err)
		}
		switch t := t.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "title":
				s, err := r.readText()
				if err != nil {
					return nil, err
				}
				p.Title = s
			case "ns":
				s, err := r.readText()
				if err != nil {
					return nil, err
				}
				n, err := strconv.Atoi(strings.TrimSpace(s))
				if err != nil {
					return nil, r.fail(0, fmt.Errorf("<ns> %q is not an integer", s))
				}
				p.NS = n
			case "id":
				s, err := r.readText()
				if err != nil {
					return nil, err
				}
				id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
				if err != nil {
					return nil, r.fail(0, fmt.Errorf("page <id> %q is not an integer", s))
				}
				p.ID = id
			case "redirect":
				for _, a := range t.Attr {
					if a.Name.Local == "title" {
						p.Redirect = a.Value
					}
				}
				if err := r.d.Skip(); err != nil {
					return nil, r.fail(0, err)
				}
			case "revision":
				se := t.Copy()
				r.pending = &se
				return r.finishPage(p)
			default:
				// restrictions, discussionthreadinginfo, upload…
				if err := r.d.Skip(); err != nil {
					return nil, r.fail(0, err)
				}
			}
		case xml.EndElement:
			// A page without revisions.
			r.pageOpen = false
			return r.finishPage(p)
		}
	}
}

// finishPage checks the header and fills the namespace of old exports.
func (r *Reader) finishPage(p *Page) (*Page, error) {
	if strings.TrimSpace(p.Title) == "" {
		return nil, &Error{Line: p.Line, Err: errors.New("page without <title>")}
	}
	if p.NS < 0 {
		p.NS = 0
		if prefix, _, ok := strings.Cut(p.Title, ":"); ok {
			if k, ok := r.nsByName[strings.ToLower(prefix)]; ok {
				p.NS = k
			}
		}
	}
	return p, nil
}

// skipPage reads up to the end of the current page.
func (r *Reader) skipPage() error {
	if r.pending != nil {
		r.pending = nil
		if err := r.d.Skip(); err != nil {
			return r.fail(0, err)
		}
	}
	if err := r.d.Skip(); err != nil {
		return r.fail(0, err)
	}
	r.pageOpen = false
	return nil
}

// NextRevision returns the next revision of the current page, or io.EOF after its last one.
// After an *Error about a field of a revision the reader is past that revision and reading may go
// on; after an XML error every call returns that error.
func (r *Reader) NextRevision() (*Revision, error) {
	if r.err != nil {
		return nil, r.err
	}
	if r.page == nil {
		return nil, errors.New("mediawiki: NextRevision called before Next")
	}
	if !r.pageOpen {
		return nil, io.EOF
	}
	for {
		var start xml.StartElement
		if r.pending != nil {
			start = *r.pending
			r.pending = nil
		} else {
			t, err := r.token()
			if err != nil {
				r.err = r.fail(0, err)
				return nil, r.err
			}
			switch t := t.(type) {
			case xml.StartElement:
				start = t
			case xml.EndElement:
				r.pageOpen = false
				return nil, io.EOF
			default:
				continue
			}
		}
		if start.Name.Local != "revision" {
			// <upload> and other page children.
			if err := r.d.Skip(); err != nil {
				r.err = r.fail(0, err)
				return nil, r.err
			}
			continue
		}
		rev, fatal, err := r.readRevision()
		if fatal {
			r.err = err
		}
		if err != nil {
			return nil, err
		}
		return rev, nil
	}
}

// readRevision reads a revision whose start tag has just been read. A field error is returned
// after the whole revision is read (fatal false); an XML error is fatal.
func (r *Reader) readRevision() (*Revision, bool, error) {
	rev := &Revision{TextBytes: -1, Line: r.line()}
	var fieldErr error
	bad := func(err error) {
		if fieldErr == nil {
			fieldErr = r.fail(rev.ID, err)
		}
	}
	for {
		t, err := r.token()
		if err != nil {
			return nil, true, r.fail(rev.ID, err)
		}
		switch t := t.(type) {
		case xml.StartElement:
			name := t.Name.Local
			switch name {
			case "id", "parentid", "timestamp", "comment", "model", "format", "sha1", "text":
				deleted := false
				for _, a := range t.Attr {
					switch a.Name.Local {
					case "deleted":
						deleted = true
					case "bytes":
						if name == "text" {
							n, err := strconv.ParseInt(strings.TrimSpace(a.Value), 10, 64)
							if err != nil {
								bad(fmt.Errorf("<text bytes=%q> is not an integer", a.Value))
							}
							rev.TextBytes = n
						}
					}
				}
				s, err := r.readText()
				if err != nil {
					return nil, true, err
				}
				switch name {
				case "id":
					id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
					if err != nil || id <= 0 {
						bad(fmt.Errorf("revision <id> %q is not a positive integer", s))
					}
					rev.ID = id
				case "parentid":
					id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
					if err != nil {
						bad(fmt.Errorf("<parentid> %q is not an integer", s))
					}
					rev.ParentID = id
				case "timestamp":
					ts, err := time.Parse(time.RFC3339, strings.TrimSpace(s))
					if err != nil {
						bad(fmt.Errorf("<timestamp> %q is not an ISO 8601 UTC time", s))
					}
					rev.Timestamp = ts.UTC()
				case "comment":
					rev.Comment, rev.CommentDeleted = s, deleted
				case "model":
					rev.Model = s
				case "format":
					rev.Format = s
				case "sha1":
					rev.SHA1 = strings.TrimSpace(s)
				case "text":
					rev.Text, rev.TextDeleted = s, deleted
				}
			case "contributor":
				for _, a := range t.Attr {
					if a.Name.Local == "deleted" {
						rev.Contributor.Deleted = true
					}
				}
				if err := r.readContributor(&rev.Contributor, bad); err != nil {
					return nil, true, err
				}
			case "minor":
				rev.Minor = true
				if err := r.d.Skip(); err != nil {
					return nil, true, r.fail(rev.ID, err)
				}
			default:
				// origin, content slots of other roles…
				if err := r.d.Skip(); err != nil {
					return nil, true, r.fail(rev.ID, err)
				}
			}
		case xml.EndElement:
			switch {
			case fieldErr != nil:
			case rev.ID == 0:
				bad(errors.New("revision without <id>"))
			case rev.Timestamp.IsZero():
				bad(errors.New("revision without <timestamp>"))
			}
			if fieldErr != nil {
				return nil, false, fieldErr
			}
			return rev, false, nil
		}
	}
}

func (r *Reader) readContributor(c *Contributor, bad func(error)) error {
	for {
		t, err := r.token()
		if err != nil {
			return r.fail(0, err)
		}
		switch t := t.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "username", "ip", "id":
				s, err := r.readText()
				if err != nil {
					return err
				}
				switch t.Name.Local {
				case "username":
					c.Username = s
				case "ip":
					c.IP = strings.TrimSpace(s)
				case "id":
					id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
					if err != nil {
						bad(fmt.Errorf("contributor <id> %q is not an integer", s))
					}
					c.ID = id
				}
			default:
				if err := r.d.Skip(); err != nil {
					return r.fail(0, err)
				}
			}
		case xml.EndElement:
			return nil
		}
	}
}
