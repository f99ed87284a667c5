package commons

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/commons/mediawiki"
	"github.com/fabrique-des-energies/fabrique/internal/platform/markup"
)

// ImportOptions tune a MediaWiki import.
type ImportOptions struct {
	// Namespace selects the pages imported (0: the main namespace).
	Namespace int
	// DryRun reads and converts everything, and writes nothing.
	DryRun bool
	// Licence of the imported resources (default: not specified).
	Licence string
	// Wiki identifies the source wiki in provenance records (default: the export's database
	// name, else its host name). Re-importing the same wiki must use the same identifier.
	Wiki string
	// Size is the size of the input in bytes, for progress percentages (0: unknown).
	Size int64
	// Progress is called about once per second and at the end.
	Progress func(ImportProgress)
	// BatchRevisions is how many revisions one transaction writes at most (default 2000).
	BatchRevisions int
}

// ImportProgress is where an import stands.
type ImportProgress struct {
	Bytes, Size         int64
	Pages, Revisions    int
	NewRevisions        int
	Elapsed             time.Duration
	RevisionsPerSecond  float64
	Done                bool
	CurrentPage         string
	SkippedPages, Fails int
}

// ImportIssue is a page or revision that could not be imported, with where it is.
type ImportIssue struct {
	Page     string
	Revision int64
	Line     int
	Message  string
}

func (i ImportIssue) String() string {
	var b strings.Builder
	if i.Page != "" {
		fmt.Fprintf(&b, "page %q", i.Page)
	}
	if i.Revision != 0 {
		fmt.Fprintf(&b, ", revision %d", i.Revision)
	}
	if i.Line > 0 {
		fmt.Fprintf(&b, " (line %d)", i.Line)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(i.Message)
	return b.String()
}

// ImportReport sums up an import.
type ImportReport struct {
	Wiki                                      string
	Pages, PagesCreated, PagesUpdated         int
	PagesUnchanged, PagesSkipped              int
	Revisions, RevisionsAdded, RevisionsKnown int
	Issues                                    []ImportIssue
	IssueCount                                int
	Elapsed                                   time.Duration
	DryRun                                    bool
}

const maxIssues = 1000

// ImportMediaWiki imports a Special:Export XML stream: one resource per page of the chosen
// namespace, every revision kept in order with its original author name, time and comment.
// The stream is read once, page by page and revision by revision, and written in batched
// transactions, so memory does not grow with the file. Revisions already imported (same
// wiki, same revision id) are skipped, so importing the same file again changes nothing.
// Revisions that cannot be read are reported with their page and revision and skipped; a
// malformed document stops the import (what was read before stays imported).
func (s *Service) ImportMediaWiki(ctx context.Context, in io.Reader, opt ImportOptions) (*ImportReport, error) {
	start := time.Now()
	rd, err := mediawiki.NewReader(in)
	if err != nil {
		return nil, err
	}
	site := rd.SiteInfo()
	wiki := opt.Wiki
	if wiki == "" {
		wiki = site.DBName
	}
	if wiki == "" {
		if u, err := url.Parse(site.Base); err == nil && u.Host != "" {
			wiki = u.Host
		}
	}
	if wiki == "" {
		wiki = "wiki"
	}
	licence := LicenceUnspecified
	if opt.Licence != "" {
		l, ok := NormalizeLicence(opt.Licence)
		if !ok {
			return nil, fmt.Errorf("licence inconnue %q / unknown licence (%s)", opt.Licence, strings.Join(Licences.Codes(), ", "))
		}
		licence = l
	}
	if opt.BatchRevisions <= 0 {
		opt.BatchRevisions = 2000
	}
	rep := &ImportReport{Wiki: wiki, DryRun: opt.DryRun}
	im := &importer{s: s, ctx: ctx, opt: opt, rep: rep, wiki: wiki, licence: licence, conv: mediawiki.Options{Namespaces: site.Namespaces,
		LinkResolver: func(title string) string { return "/ressources/" + Slugify(title) }}}
	defer im.rollback()
	lastProgress := time.Now()
	progress := func(done bool, page string) {
		if opt.Progress == nil {
			return
		}
		el := time.Since(start)
		p := ImportProgress{Bytes: rd.Offset(), Size: opt.Size, Pages: rep.Pages, Revisions: rep.Revisions, NewRevisions: rep.RevisionsAdded,
			Elapsed: el, Done: done, CurrentPage: page, SkippedPages: rep.PagesSkipped, Fails: rep.IssueCount}
		if el > 0 {
			p.RevisionsPerSecond = float64(rep.Revisions) / el.Seconds()
		}
		opt.Progress(p)
	}
	for {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		page, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			im.issue(err, "", 0)
			return rep, im.finishWith(err)
		}
		if page.NS != opt.Namespace {
			rep.PagesSkipped++
			continue
		}
		if err := im.page(rd, page); err != nil {
			return rep, im.finishWith(err)
		}
		if time.Since(lastProgress) >= time.Second {
			lastProgress = time.Now()
			progress(false, page.Title)
		}
	}
	if err := im.commit(); err != nil {
		return rep, err
	}
	rep.Elapsed = time.Since(start)
	progress(true, "")
	return rep, nil
}

type importer struct {
	s       *Service
	ctx     context.Context
	opt     ImportOptions
	rep     *ImportReport
	wiki    string
	licence string
	conv    mediawiki.Options

	tx      *sql.Tx
	pending int // revisions written in the open transaction
	touched bool
}

func (im *importer) issue(err error, page string, rev int64) {
	im.rep.IssueCount++
	if len(im.rep.Issues) >= maxIssues {
		return
	}
	is := ImportIssue{Page: page, Revision: rev, Message: err.Error()}
	var me *mediawiki.Error
	if errors.As(err, &me) {
		is.Line, is.Message = me.Line, me.Err.Error()
		if me.Page != "" {
			is.Page = me.Page
		}
		if me.Revision != 0 {
			is.Revision = me.Revision
		}
	}
	im.rep.Issues = append(im.rep.Issues, is)
}

// finishWith commits what was imported before a fatal error and returns the error.
func (im *importer) finishWith(err error) error {
	if cerr := im.commit(); cerr != nil {
		return errors.Join(err, cerr)
	}
	return err
}

func (im *importer) begin() (*sql.Tx, error) {
	if im.tx != nil {
		return im.tx, nil
	}
	tx, err := im.s.db.W.BeginTx(im.ctx, nil)
	if err != nil {
		return nil, err
	}
	im.tx, im.pending = tx, 0
	return tx, nil
}

func (im *importer) commit() error {
	if im.tx == nil {
		return nil
	}
	tx := im.tx
	im.tx = nil
	if im.touched {
		if err := bumpGeneration(im.ctx, tx); err != nil {
			tx.Rollback()
			return err
		}
		im.touched = false
	}
	return tx.Commit()
}

func (im *importer) rollback() {
	if im.tx != nil {
		im.tx.Rollback()
		im.tx = nil
	}
}

// pageState is what is known of a page's resource during its import.
type pageState struct {
	id       int64
	revision int
	known    map[string]bool
	last     *Fields
	firstAt  time.Time
	lastAt   time.Time
	added    int
	exists   bool
}

func originKey(wiki string, rev int64) string { return fmt.Sprintf("mediawiki:%s:%d", wiki, rev) }

// page imports one page's revisions.
func (im *importer) page(rd *mediawiki.Reader, page *mediawiki.Page) error {
	rep := im.rep
	rep.Pages++
	st, err := im.lookup(page)
	if err != nil {
		return err
	}
	title := strings.TrimSpace(page.Title)
	if runes(title) > MaxTitle {
		title = string([]rune(title)[:MaxTitle])
	}
	var lastErr error
	for {
		rev, err := rd.NextRevision()
		if err == io.EOF {
			break
		}
		if err != nil {
			// The reader repeats a fatal error; a bad field of one revision is reported
			// once and the next call goes on with the following revision.
			if err == lastErr {
				return err
			}
			lastErr = err
			im.issue(err, page.Title, 0)
			continue
		}
		lastErr = nil
		rep.Revisions++
		key := originKey(im.wiki, rev.ID)
		if st.known[key] {
			rep.RevisionsKnown++
			continue
		}
		f := im.fields(title, rev)
		if err := im.write(page, st, rev, key, &f); err != nil {
			return err
		}
		st.last = &f
		rep.RevisionsAdded++
		st.added++
	}
	switch {
	case st.added == 0:
		rep.PagesUnchanged++
	case st.exists:
		rep.PagesUpdated++
	default:
		rep.PagesCreated++
	}
	if st.added == 0 || im.opt.DryRun {
		return nil
	}
	// The resource shows its last revision.
	tx, err := im.begin()
	if err != nil {
		return err
	}
	d := im.s.derive(st.last)
	f := st.last
	if _, err := tx.ExecContext(im.ctx, `UPDATE resources SET title = $1, summary = $2, body = $3, body_text = $4, kind = $5, licence = $6,
		maturity = $7, status = $8, themes = $9, territories = $10, links = $11, needs = $12, title_terms = $13, summary_terms = $14,
		revision = $15, updated_at = $16 WHERE id = $17`,
		f.Title, f.Summary, f.Body, d.bodyText, f.Kind, f.Licence, f.Maturity, f.Status, d.themes, d.territories, d.links, d.needs,
		d.titleTerms, d.summaryTerms, st.revision, st.lastAt, st.id); err != nil {
		return err
	}
	if err := im.s.ftsUpsert(im.ctx, tx, st.id, d.doc); err != nil {
		return err
	}
	im.touched = true
	if im.pending >= im.opt.BatchRevisions {
		return im.commit()
	}
	return nil
}

// lookup finds the resource of an already imported page and the revisions it holds.
func (im *importer) lookup(page *mediawiki.Page) (*pageState, error) {
	st := &pageState{known: map[string]bool{}}
	var q interface {
		QueryRowContext(context.Context, string, ...any) *sql.Row
		QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	} = im.s.db.R
	if im.tx != nil {
		q = im.tx
	}
	err := q.QueryRowContext(im.ctx, `SELECT p.resource_id, r.revision FROM resource_wiki_pages p JOIN resources r ON r.id = p.resource_id
		WHERE p.wiki = $1 AND p.page_id = $2`, im.wiki, page.ID).Scan(&st.id, &st.revision)
	if errors.Is(err, sql.ErrNoRows) {
		return st, nil
	}
	if err != nil {
		return nil, err
	}
	st.exists = true
	rows, err := q.QueryContext(im.ctx, `SELECT origin FROM commons_revisions WHERE entity = 'resource' AND entity_id = $1 AND origin IS NOT NULL`, st.id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var o string
		if err := rows.Scan(&o); err != nil {
			return nil, err
		}
		st.known[o] = true
	}
	return st, rows.Err()
}

// fields converts one revision to resource fields.
func (im *importer) fields(title string, rev *mediawiki.Revision) Fields {
	f := Fields{Title: title, Kind: defaultKind, Licence: im.licence, Maturity: defaultMaturity, Status: StatusPublished,
		Themes: []string{}, Territories: []Place{}, Contributors: []Contribution{}, Links: []Link{}, Needs: []Need{}}
	if rev.TextDeleted {
		f.Body = "*(texte masqué sur le wiki d'origine)*"
	} else {
		c := mediawiki.ToMarkdown(rev.Text, im.conv)
		f.Body = c.Markdown
		if c.Redirect != "" && strings.TrimSpace(f.Body) == "" {
			f.Body = "Redirection vers [" + c.Redirect + "](/ressources/" + Slugify(c.Redirect) + ")."
		}
		if len(c.Categories) > 0 {
			f.Body = strings.TrimRight(f.Body, "\n") + "\n\n---\n\nCatégories : " + strings.Join(c.Categories, ", ")
		}
	}
	f.Body = cleanText(f.Body)
	if runes(f.Body) > MaxBody {
		f.Body = string([]rune(f.Body)[:MaxBody])
	}
	f.Summary = summarize(markup.PlainText(f.Body))
	return f
}

func revAuthor(rev *mediawiki.Revision) (string, string) {
	name := rev.Contributor.Name()
	if rev.Contributor.Deleted || name == "" {
		name = "(auteur masqué)"
	}
	comment := cleanLine(rev.Comment)
	if rev.CommentDeleted {
		comment = "(commentaire masqué)"
	}
	if runes(comment) > MaxComment {
		comment = string([]rune(comment)[:MaxComment-1]) + "…"
	}
	return name, comment
}

// write stores one new revision (and the resource row for a page seen for the first time).
func (im *importer) write(page *mediawiki.Page, st *pageState, rev *mediawiki.Revision, key string, f *Fields) error {
	at := rev.Timestamp.UTC().Truncate(time.Microsecond)
	if st.firstAt.IsZero() {
		st.firstAt = at
	}
	st.lastAt = at
	st.revision++
	if im.opt.DryRun {
		return nil
	}
	tx, err := im.begin()
	if err != nil {
		return err
	}
	name, comment := revAuthor(rev)
	o := writeOpts{at: at, author: Author{Name: name}, comment: comment, origin: key}
	if st.id == 0 {
		d := im.s.derive(f)
		slug, err := freeSlug(im.ctx, tx, "resources", Slugify(f.Title))
		if err != nil {
			return err
		}
		if err := tx.QueryRowContext(im.ctx, `INSERT INTO resources (slug, title, summary, body, body_text, kind, licence, maturity, status,
			themes, territories, links, needs, title_terms, summary_terms, revision, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 1, $16, $16) RETURNING id`,
			slug, f.Title, f.Summary, f.Body, d.bodyText, f.Kind, f.Licence, f.Maturity, f.Status, d.themes, d.territories, d.links, d.needs,
			d.titleTerms, d.summaryTerms, at).Scan(&st.id); err != nil {
			return fmt.Errorf("page %q: %w", page.Title, err)
		}
		if _, err := tx.ExecContext(im.ctx, `INSERT INTO resource_wiki_pages (wiki, page_id, resource_id, title) VALUES ($1, $2, $3, $4)`,
			im.wiki, page.ID, st.id, page.Title); err != nil {
			return fmt.Errorf("page %q: %w", page.Title, err)
		}
		im.touched = true
	}
	if err := im.s.insertRevision(im.ctx, tx, EntityResource, st.id, st.revision, o, mustJSON(f)); err != nil {
		return fmt.Errorf("page %q, revision %d: %w", page.Title, rev.ID, err)
	}
	st.known[key] = true
	im.pending++
	return nil
}
