package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/i18n"
)

//go:embed templates
var shellTemplates embed.FS

// Alternate is another format of the same page (CSV, JSON, GeoJSON, Atom…).
type Alternate struct {
	Type, Href, Title string
}

// Crumb is one step of a breadcrumb trail.
type Crumb struct {
	Href  string
	Label string
}

// Page is the view model every HTML page gets: the shell's facts (filled
// by Render) and the page's own typed data in Data.
type Page struct {
	Title       string
	Description string
	Data        any
	Alternates  []Alternate
	Crumbs      []Crumb
	// JSONLD is the page's structured data, already marshalled.
	JSONLD template.JS
	// Scripts are extra script files under /static (progressive enhancement).
	Scripts []string
	// Styles are extra stylesheets under /static.
	Styles []string

	Lang        string
	User        *Identity
	Path        string
	RequestURI  string
	Nav         []NavItem
	FooterLinks []NavItem
	Flash       string
	Version     string
	BaseURL     string
	TileURL     string
	SourceURL   string
}

// T picks the French or English form for the page's language.
func (p *Page) T(fr, en string) string {
	if p.Lang == i18n.EN {
		return en
	}
	return fr
}

// Tx renders an i18n.Text in the page's language.
func (p *Page) Tx(t i18n.Text) string { return t.In(p.Lang) }

// Num formats a number for the page's language with the given decimals.
func (p *Page) Num(v any, decimals int) string { return FormatNumber(p.Lang, toFloat(v), decimals) }

// Int formats an integer with thousands separators.
func (p *Page) Int(v any) string { return FormatNumber(p.Lang, toFloat(v), 0) }

// Date formats a date (day precision) for the page's language.
func (p *Page) Date(t time.Time) string { return FormatDate(p.Lang, t) }

// DateTime formats a date and time in Europe/Paris for the page's language.
func (p *Page) DateTime(t time.Time) string { return FormatDateTime(p.Lang, t) }

// Active reports whether the nav path is the current section.
func (p *Page) Active(navPath string) bool {
	if navPath == "/" {
		return p.Path == "/"
	}
	return p.Path == navPath || strings.HasPrefix(p.Path, navPath+"/")
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case int:
		return float64(x)
	case int64:
		return float64(x)
	case int32:
		return float64(x)
	case float64:
		return x
	case float32:
		return float64(x)
	case uint64:
		return float64(x)
	case *float64:
		if x == nil {
			return math.NaN()
		}
		return *x
	case *int64:
		if x == nil {
			return math.NaN()
		}
		return float64(*x)
	}
	return math.NaN()
}

// FormatNumber writes v with thousands separators: "12 345,6" in French
// (narrow no-break space, decimal comma), "12,345.6" in English.
func FormatNumber(lang string, v float64, decimals int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "—"
	}
	// Round half away from zero, as people do (strconv rounds half to even).
	scale := math.Pow(10, float64(decimals))
	s := strconv.FormatFloat(math.Round(math.Abs(v)*scale)/scale, 'f', decimals, 64)
	intPart, frac, _ := strings.Cut(s, ".")
	sep, dec := "\u202f", ","
	if lang == i18n.EN {
		sep, dec = ",", "."
	}
	var b strings.Builder
	if v < 0 && strings.Trim(s, "0.") != "" {
		b.WriteString("−")
	}
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(c)
	}
	if frac != "" {
		b.WriteString(dec)
		b.WriteString(frac)
	}
	return b.String()
}

// Paris is the time zone of user-facing dates.
var Paris = mustLoadParis()

func mustLoadParis() *time.Location {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		// time/tzdata is imported by the app so this does not happen in the binary.
		return time.FixedZone("CET", 3600)
	}
	return loc
}

var monthsFR = []string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}

// FormatDate formats a day: "27 novembre 2026" / "27 November 2026".
func FormatDate(lang string, t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	t = t.In(Paris)
	if lang == i18n.EN {
		return t.Format("2 January 2006")
	}
	return fmt.Sprintf("%d %s %d", t.Day(), monthsFR[t.Month()-1], t.Year())
}

// FormatDateTime formats an instant in Paris time.
func FormatDateTime(lang string, t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	if lang == i18n.EN {
		return FormatDate(lang, t) + ", " + t.In(Paris).Format("15:04")
	}
	return FormatDate(lang, t) + " à " + t.In(Paris).Format("15:04")
}

// Templates are the pages of one capability, each parsed with the shell.
type Templates struct {
	s     *Server
	pages map[string]*template.Template
}

type layoutSet struct {
	s      *Server
	base   *template.Template
	errors *template.Template
}

func (s *Server) funcs() template.FuncMap {
	return template.FuncMap{
		"asset": AssetURL,
		"add":   func(a, b int) int { return a + b },
		"sub":   func(a, b int) int { return a - b },
		"json": func(v any) (template.JS, error) {
			b, err := json.Marshal(v)
			return template.JS(b), err
		},
		"join": strings.Join,
		"query": func(kv ...string) template.URL {
			var b strings.Builder
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i+1] == "" {
					continue
				}
				if b.Len() > 0 {
					b.WriteByte('&')
				}
				b.WriteString(urlEscape(kv[i]) + "=" + urlEscape(kv[i+1]))
			}
			return template.URL(b.String())
		},
		"pct": func(v float64) string { return strconv.FormatFloat(v*100, 'f', 1, 64) },
		"seq": func(n int) []int {
			out := make([]int, n)
			for i := range out {
				out[i] = i
			}
			return out
		},
		"contains": func(list []string, v string) bool {
			for _, x := range list {
				if x == v {
					return true
				}
			}
			return false
		},
		"isoDate": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	}
}

func newLayoutSet(s *Server) *layoutSet {
	base := template.Must(template.New("shell").Funcs(s.funcs()).ParseFS(shellTemplates, "templates/layout.html", "templates/partials/*.html"))
	errT := template.Must(template.Must(base.Clone()).ParseFS(shellTemplates, "templates/error.html"))
	return &layoutSet{s: s, base: base, errors: errT}
}

// Templates parses the pages matching glob in fsys, each together with the
// shell layout. Files whose name starts with "_" are partials shared by all
// the pages of fsys. It panics on a parse error: tests catch it.
func (s *Server) Templates(fsys fs.FS, glob string) *Templates {
	files, err := fs.Glob(fsys, glob)
	if err != nil || len(files) == 0 {
		panic(fmt.Sprintf("no templates match %q", glob))
	}
	var partials, pages []string
	for _, f := range files {
		if strings.HasPrefix(path.Base(f), "_") {
			partials = append(partials, f)
		} else {
			pages = append(pages, f)
		}
	}
	t := &Templates{s: s, pages: map[string]*template.Template{}}
	for _, f := range pages {
		pt := template.Must(s.shell.base.Clone())
		if len(partials) > 0 {
			template.Must(pt.ParseFS(fsys, partials...))
		}
		template.Must(pt.ParseFS(fsys, f))
		t.pages[strings.TrimSuffix(path.Base(f), ".html")] = pt
	}
	return t
}

// Names lists the page names, for tests.
func (t *Templates) Names() []string {
	out := make([]string, 0, len(t.pages))
	for n := range t.pages {
		out = append(out, n)
	}
	return out
}

// Fill completes a page with the shell's facts for this request.
func (s *Server) Fill(w http.ResponseWriter, r *http.Request, p *Page) {
	p.Lang = Lang(r.Context())
	p.User = CurrentUser(r.Context())
	p.Path = r.URL.Path
	p.RequestURI = r.URL.RequestURI()
	p.Nav = s.navItems()
	p.FooterLinks = s.footerItems()
	p.Version = s.cfg.Version
	p.BaseURL = s.cfg.BaseURL
	p.TileURL = s.cfg.TileURL
	p.SourceURL = s.cfg.SourceURL
	if p.Flash == "" {
		p.Flash = takeFlash(w, r)
	}
}

// Render executes the named page into a buffer, then writes it with status.
func (t *Templates) Render(w http.ResponseWriter, r *http.Request, status int, name string, p *Page) error {
	tmpl, ok := t.pages[name]
	if !ok {
		return fmt.Errorf("no template %q", name)
	}
	t.s.Fill(w, r, p)
	buf := renderBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= 1<<20 { // do not keep the occasional huge page
			renderBuffers.Put(buf)
		}
	}()
	if err := tmpl.ExecuteTemplate(buf, "layout", p); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err := buf.WriteTo(w)
	return err
}

// renderBuffers are reused between pages: a page is rendered whole before
// it is sent, and growing a fresh buffer each time showed in profiles.
var renderBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// ErrorView is the data of the error page.
type ErrorView struct {
	Status  int
	Code    string
	Message string
	Details []string
}

func (l *layoutSet) renderError(w http.ResponseWriter, r *http.Request, status int, e *errs.Error) {
	lang := Lang(r.Context())
	v := ErrorView{Status: status, Code: string(e.Code), Message: e.Message.In(lang)}
	for _, d := range e.Details {
		msg := d.Message.In(lang)
		if d.Line > 0 {
			if lang == i18n.EN {
				msg = fmt.Sprintf("line %d: %s", d.Line, msg)
			} else {
				msg = fmt.Sprintf("ligne %d : %s", d.Line, msg)
			}
		}
		v.Details = append(v.Details, msg)
	}
	p := &Page{Title: errorTitle(lang, status), Data: v}
	l.s.Fill(w, r, p)
	var buf bytes.Buffer
	if err := l.errors.ExecuteTemplate(&buf, "layout", p); err != nil {
		l.s.log.Error("render error page", "err", err)
		http.Error(w, v.Message, status)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

func errorTitle(lang string, status int) string {
	fr, en := "Erreur", "Error"
	switch status {
	case 404:
		fr, en = "Page introuvable", "Page not found"
	case 403:
		fr, en = "Accès refusé", "Access denied"
	case 401:
		fr, en = "Connexion requise", "Sign-in required"
	case 422, 400:
		fr, en = "Données invalides", "Invalid data"
	case 409:
		fr, en = "Conflit", "Conflict"
	case 429:
		fr, en = "Trop de tentatives", "Too many attempts"
	case 413:
		fr, en = "Trop volumineux", "Too large"
	case 500:
		fr, en = "Erreur interne", "Internal error"
	}
	if lang == i18n.EN {
		return en
	}
	return fr
}

// WriteJSON writes v as JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}

// DecodeJSON reads a JSON body into v, refusing unknown fields.
func DecodeJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if asMaxBytes(err, &mbe) {
			return err
		}
		return errs.Wrap(errs.Invalid, err,
			"Corps JSON invalide : "+err.Error(),
			"Invalid JSON body: "+err.Error())
	}
	return nil
}

const flashCookie = "flash"

// SetFlash shows a one-time message on the next page.
func SetFlash(w http.ResponseWriter, msg string) {
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: urlEscape(msg), Path: "/", MaxAge: 60, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

func takeFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	return urlUnescape(c.Value)
}

// Redirect sends a 303 See Other (the answer to a successful form POST).
func Redirect(w http.ResponseWriter, r *http.Request, to string) error {
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

//go:embed static
var staticFS embed.FS

var assetHashes = map[string]string{}

func init() {
	_ = fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		assetHashes[strings.TrimPrefix(p, "static/")] = hex.EncodeToString(sum[:5])
		return nil
	})
}

// AssetURL returns the fingerprinted URL of a static file; it panics for a
// missing file so a broken reference fails the page tests.
func AssetURL(name string) string {
	h, ok := assetHashes[name]
	if !ok {
		panic("missing static asset " + name)
	}
	return "/static/" + name + "?v=" + h
}

// StaticRoute serves the embedded static files with long caching.
func (s *Server) StaticRoute() Route {
	sub, _ := fs.Sub(staticFS, "static")
	files := http.FileServer(http.FS(sub))
	return Route{Method: "GET", Pattern: "/static/{path...}", Access: Public, Sample: "/static/css/app.css",
		Handler: func(w http.ResponseWriter, r *http.Request) error {
			name := r.PathValue("path")
			h, ok := assetHashes[name]
			if !ok {
				return errs.New(errs.NotFound, "Fichier introuvable.", "File not found.")
			}
			w.Header().Set("ETag", `"`+h+`"`)
			if r.URL.Query().Get("v") == h {
				w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
			} else {
				w.Header().Set("Cache-Control", "public, max-age=300")
			}
			r2 := r.Clone(r.Context())
			r2.URL.Path = "/" + name
			files.ServeHTTP(w, r2)
			return nil
		}}
}

// VendorSources returns static/vendor/SOURCES.json: versions, licences and
// attributions of the vendored front-end files.
func VendorSources() ([]byte, error) { return staticFS.ReadFile("static/vendor/SOURCES.json") }
