package mediawiki

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

// readAll reads a whole export into memory, for tests on small files.
func readAll(t *testing.T, r *Reader) ([]*Page, [][]*Revision) {
	t.Helper()
	var pages []*Page
	var revs [][]*Revision
	for {
		p, err := r.Next()
		if err == io.EOF {
			return pages, revs
		}
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, p)
		var list []*Revision
		for {
			rev, err := r.NextRevision()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			list = append(list, rev)
		}
		revs = append(revs, list)
	}
}

func openTestdata(t *testing.T, name string) *Reader {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	r, err := NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestReaderExport010(t *testing.T) {
	r := openTestdata(t, "export-0.10.xml")
	si := r.SiteInfo()
	if si.SchemaVersion != "0.10" || si.Lang != "fr" || si.SiteName != "Fabrique des mobilités" ||
		si.DBName != "fabmob" || si.Generator != "MediaWiki 1.31.1" || si.Case != "first-letter" ||
		si.Base != "https://wiki.fabmob.example/wiki/Accueil" {
		t.Errorf("SiteInfo = %+v", si)
	}
	if len(si.Namespaces) != 4 || si.Namespaces[3] != (Namespace{Key: 14, Case: "first-letter", Name: "Catégorie"}) ||
		si.Namespaces[1].Name != "" {
		t.Errorf("Namespaces = %+v", si.Namespaces)
	}

	pages, revs := readAll(t, r)
	if len(pages) != 3 {
		t.Fatalf("%d pages, want 3", len(pages))
	}
	p := pages[0]
	if p.Title != "Vélo cargo partagé" || p.NS != 0 || p.ID != 42 || p.Redirect != "" || p.Line != 15 {
		t.Errorf("page 0 = %+v", p)
	}
	if len(revs[0]) != 3 {
		t.Fatalf("page 0 has %d revisions, want 3 (the upload is skipped)", len(revs[0]))
	}
	r0, r1, r2 := revs[0][0], revs[0][1], revs[0][2]
	want0 := Revision{
		ID: 100, Timestamp: time.Date(2017, 5, 2, 10, 15, 0, 0, time.UTC),
		Contributor: Contributor{Username: "Marie.Dupont", ID: 12},
		Comment:     "Création : <b> & co", Model: "wikitext", Format: "text/x-wiki",
		Text: "== Intro ==\nUn '''vélo''' <partagé>.", TextBytes: 38,
		SHA1: "kvblu3ops96htjpiibmf42pqgp7v5pz", Line: 20,
	}
	if *r0 != want0 {
		t.Errorf("revision 100 =\n%+v\nwant\n%+v", *r0, want0)
	}
	if err := r0.CheckSHA1(); err != nil {
		t.Error(err)
	}
	if r1.ID != 105 || r1.ParentID != 100 || !r1.Minor || r1.Contributor.IP != "192.0.2.7" ||
		r1.Contributor.Name() != "192.0.2.7" || !r1.CommentDeleted || r1.Comment != "" || r1.Text != "" ||
		r1.TextDeleted || r1.TextBytes != 0 {
		t.Errorf("revision 105 = %+v", r1)
	}
	if err := r1.CheckSHA1(); err != nil {
		t.Errorf("empty text checksum: %v", err)
	}
	if r2.ID != 230 || !r2.Contributor.Deleted || r2.Contributor.Name() != "" || !r2.TextDeleted || r2.Minor {
		t.Errorf("revision 230 = %+v", r2)
	}
	if err := r2.CheckSHA1(); err != nil {
		t.Errorf("deleted text must not be checked: %v", err)
	}

	p = pages[1]
	if p.Title != "Vélo partagé" || p.Redirect != "Vélo cargo partagé" || len(revs[1]) != 1 {
		t.Errorf("page 1 = %+v with %d revisions", p, len(revs[1]))
	}
	rr := revs[1][0]
	if rr.Contributor.Username != "Jean & Luc" || rr.Text != "#REDIRECTION [[Vélo cargo partagé]]" {
		t.Errorf("redirect revision = %+v", rr)
	}
	if err := rr.CheckSHA1(); err == nil || !strings.Contains(err.Error(), "106") {
		t.Errorf("wrong declared checksum not reported: %v", err)
	}
	if p := pages[2]; p.Title != "Catégorie:Mobilité" || p.NS != 14 || len(revs[2]) != 0 {
		t.Errorf("page 2 = %+v with %d revisions", p, len(revs[2]))
	}
	// After the end, both calls keep saying so.
	if _, err := r.Next(); err != io.EOF {
		t.Errorf("Next after the end = %v", err)
	}
}

func TestReaderOldSchema(t *testing.T) {
	r := openTestdata(t, "export-0.3.xml")
	if v := r.SiteInfo().SchemaVersion; v != "0.3" {
		t.Errorf("schema version %q, want 0.3 (from the namespace URL)", v)
	}
	pages, revs := readAll(t, r)
	if len(pages) != 2 || pages[0].NS != 12 || pages[1].NS != 0 {
		t.Fatalf("pages = %+v %+v", pages[0], pages[1])
	}
	if revs[1][0].Contributor.IP != "10.0.0.1" || revs[0][0].TextBytes != -1 {
		t.Errorf("revisions = %+v %+v", revs[0][0], revs[1][0])
	}
}

func TestReaderSkipsUnreadRevisions(t *testing.T) {
	r := openTestdata(t, "export-0.10.xml")
	var titles []string
	for {
		p, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		titles = append(titles, p.Title)
		if p.ID == 42 {
			// Read one revision of three, then move on.
			if _, err := r.NextRevision(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if want := []string{"Vélo cargo partagé", "Vélo partagé", "Catégorie:Mobilité"}; strings.Join(titles, "|") != strings.Join(want, "|") {
		t.Errorf("titles = %q, want %q", titles, want)
	}
}

func TestReaderErrors(t *testing.T) {
	const head = `<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/" version="0.11">` + "\n"
	page := func(rev string) string {
		return head + "<page>\n<title>Page A</title>\n<ns>0</ns>\n<id>1</id>\n<revision>\n" + rev + "</revision>\n</page>\n</mediawiki>\n"
	}
	tests := []struct {
		name   string
		in     string
		atOpen bool     // the error comes from NewReader
		want   []string // fragments of the message
	}{
		{"not xml", "bonjour", true, []string{"not a MediaWiki export"}},
		{"other root", "<html><body/></html>", true, []string{"not a MediaWiki export", "<html>"}},
		{"bad timestamp", page("<id>7</id>\n<timestamp>hier</timestamp>\n<text>x</text>\n"), false,
			[]string{`page "Page A"`, "revision 7", "line 8", `<timestamp> "hier"`}},
		{"bad revision id", page("<id>x7</id>\n<timestamp>2020-01-01T00:00:00Z</timestamp>\n"), false,
			[]string{`page "Page A"`, `revision <id> "x7"`}},
		{"missing timestamp", page("<id>9</id>\n<text>x</text>\n"), false,
			[]string{`page "Page A"`, "revision 9", "without <timestamp>"}},
		{"missing id", page("<timestamp>2020-01-01T00:00:00Z</timestamp>\n"), false,
			[]string{"revision without <id>"}},
		{"bad contributor id", page("<id>3</id>\n<timestamp>2020-01-01T00:00:00Z</timestamp>\n<contributor><username>u</username><id>z</id></contributor>\n"), false,
			[]string{"revision 3", `contributor <id> "z"`}},
		{"bad bytes", page("<id>3</id>\n<timestamp>2020-01-01T00:00:00Z</timestamp>\n<text bytes=\"many\">x</text>\n"), false,
			[]string{"revision 3", `bytes="many"`}},
		{"truncated", head + "<page>\n<title>Page B</title>\n<revision>\n<id>5</id>\n<text>abc", false,
			[]string{`page "Page B"`, "unexpected EOF"}},
		{"mismatched tags", head + "<page>\n<title>Page C</title>\n<revision>\n<id>5</id>\n</page>\n", false,
			[]string{`page "Page C"`, "line 6", "</page>"}},
		{"missing title", head + "<page>\n<id>1</id>\n</page>\n</mediawiki>", false,
			[]string{"line 2", "page without <title>"}},
		{"bad ns", head + "<page>\n<title>T</title>\n<ns>principal</ns>\n</page>\n</mediawiki>", false,
			[]string{`page "T"`, `<ns> "principal"`}},
		{"no end", head + "<page>\n<title>T</title>\n</page>\n", false,
			[]string{"line 5", "unexpected EOF"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewReader(strings.NewReader(tt.in))
			if err == nil {
				if tt.atOpen {
					t.Fatal("NewReader accepted the input")
				}
				err = drain(r)
			}
			if err == nil {
				t.Fatal("no error")
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Errorf("error %v is a %T, want *Error", err, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// drain reads everything and returns the first error.
func drain(r *Reader) error {
	for {
		_, err := r.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		for {
			_, err := r.NextRevision()
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
		}
	}
}

func TestReaderContinuesAfterFieldError(t *testing.T) {
	in := `<mediawiki version="0.11"><page><title>P</title><ns>0</ns><id>1</id>
<revision><id>1</id><timestamp>bad</timestamp><text>a</text></revision>
<revision><id>2</id><timestamp>2020-01-01T00:00:00Z</timestamp><text>b</text></revision>
</page></mediawiki>`
	r, err := NewReader(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.NextRevision(); err == nil {
		t.Fatal("bad timestamp accepted")
	}
	rev, err := r.NextRevision()
	if err != nil || rev.ID != 2 || rev.Text != "b" {
		t.Fatalf("next revision = %+v, %v", rev, err)
	}
	if _, err := r.NextRevision(); err != io.EOF {
		t.Fatalf("end of page = %v", err)
	}
}

func TestReaderGenerated(t *testing.T) {
	var buf bytes.Buffer
	const pages, perPage = 60, 7
	if err := WriteExport(&buf, pages, perPage, 42); err != nil {
		t.Fatal(err)
	}
	size := int64(buf.Len())
	data := buf.Bytes()
	r, err := NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if r.SiteInfo().SchemaVersion != "0.11" {
		t.Errorf("schema %q", r.SiteInfo().SchemaVersion)
	}
	var (
		nPages, nRevs, redirects, ips int
		lastOffset                    int64
		lastID                        int64
	)
	for {
		p, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		nPages++
		if p.Redirect != "" {
			redirects++
		}
		var prev *Revision
		for {
			rev, err := r.NextRevision()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			nRevs++
			if err := rev.CheckSHA1(); err != nil {
				t.Fatal(err)
			}
			if rev.TextBytes != int64(len(rev.Text)) {
				t.Fatalf("revision %d: bytes=%d, text has %d", rev.ID, rev.TextBytes, len(rev.Text))
			}
			if rev.ID <= lastID {
				t.Fatalf("revision ids not increasing: %d after %d", rev.ID, lastID)
			}
			lastID = rev.ID
			if prev != nil {
				if !rev.Timestamp.After(prev.Timestamp) || rev.ParentID != prev.ID {
					t.Fatalf("revision %d does not follow %d", rev.ID, prev.ID)
				}
			}
			if rev.Contributor.IP != "" {
				ips++
			}
			prev = rev
			if off := r.Offset(); off < lastOffset || off > size {
				t.Fatalf("offset %d after %d (size %d)", off, lastOffset, size)
			}
			lastOffset = r.Offset()
		}
	}
	if nPages != pages {
		t.Errorf("%d pages, want %d", nPages, pages)
	}
	if want := (pages-redirects)*perPage + redirects; nRevs != want {
		t.Errorf("%d revisions, want %d", nRevs, want)
	}
	if redirects == 0 || ips == 0 {
		t.Errorf("generator made %d redirects and %d IP edits; want some of each", redirects, ips)
	}
	if rest := data[r.Offset():]; len(bytes.TrimSpace(rest)) != 0 {
		t.Errorf("final offset %d of %d leaves %q unread", r.Offset(), size, rest)
	}

	// Same seed, same bytes; another seed, other bytes.
	var again, other bytes.Buffer
	_ = WriteExport(&again, pages, perPage, 42)
	_ = WriteExport(&other, pages, perPage, 43)
	if !bytes.Equal(again.Bytes(), data) || bytes.Equal(other.Bytes(), data) {
		t.Error("WriteExport is not determined by its seed")
	}
}

func FuzzReader(f *testing.F) {
	for _, name := range []string{"export-0.10.xml", "export-0.3.xml"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	var buf bytes.Buffer
	_ = WriteExport(&buf, 2, 2, 1)
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewReader(bytes.NewReader(data))
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("NewReader error %v is a %T", err, err)
			}
			return
		}
		for range 10000 {
			p, err := r.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("Next error %v is a %T", err, err)
				}
				return
			}
			if p.Title == "" {
				t.Fatal("page without title")
			}
			for range 10000 {
				rev, err := r.NextRevision()
				if err == io.EOF {
					break
				}
				if err != nil {
					if _, again := r.Next(); again == nil && r.err != nil {
						t.Fatal("reader went on after a fatal error")
					}
					break
				}
				_ = ToMarkdown(rev.Text, Options{})
			}
		}
	})
}
