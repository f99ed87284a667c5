// Package web is the HTTP edge of Fabrique: the route table and its
// authorization gate, security headers, cross-origin protection, sessions
// lookup, logs and metrics, error mapping, and the accessible HTML shell.
package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/i18n"
)

// Config is what the edge needs to know about its deployment.
type Config struct {
	// BaseURL is the public address (used in links, feeds, catalogues).
	BaseURL string
	// TileURL is the map tile template; its host is allowed in the CSP.
	TileURL string
	// Version is shown in the footer.
	Version string
	// SourceURL is where visitors get the source code (AGPL section 13).
	SourceURL string
	// TrustedProxies are the networks of reverse proxies whose
	// X-Forwarded-For header is believed (for per-address rate limits).
	TrustedProxies []*net.IPNet
}

// NavItem is an entry of the main navigation.
type NavItem struct {
	Path  string
	Label i18n.Text
	Order int
}

// Server owns the route table and the middleware chain.
type Server struct {
	cfg     Config
	log     *slog.Logger
	auth    Authenticator
	mux     *http.ServeMux
	metrics *Metrics
	shell   *layoutSet

	mu     sync.Mutex
	routes []Route
	nav    []NavItem
	// footerLinks are extra links in the footer (open data formats …).
	footerLinks []NavItem
}

// NewServer builds an edge with no routes yet.
func NewServer(cfg Config, log *slog.Logger, auth Authenticator) *Server {
	if cfg.BaseURL == "" {
		cfg.BaseURL = "http://127.0.0.1:8080"
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.TileURL == "" {
		cfg.TileURL = DefaultTileURL
	}
	if cfg.SourceURL == "" {
		cfg.SourceURL = DefaultSourceURL
	}
	s := &Server{cfg: cfg, log: log, auth: auth, mux: http.NewServeMux(), metrics: NewMetrics()}
	s.shell = newLayoutSet(s)
	return s
}

// DefaultSourceURL is the public repository of the code.
const DefaultSourceURL = "https://github.com/fabrique-des-energies/fabrique"

// DefaultTileURL is OpenStreetMap's standard tile layer.
const DefaultTileURL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"

// Config returns the edge configuration.
func (s *Server) Config() Config { return s.cfg }

// Logger returns the server's logger.
func (s *Server) Logger() *slog.Logger { return s.log }

// Metrics returns the metrics registry (the app adds database gauges).
func (s *Server) Metrics() *Metrics { return s.metrics }

// AddNav adds entries to the main navigation.
func (s *Server) AddNav(items ...NavItem) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nav = append(s.nav, items...)
	sort.SliceStable(s.nav, func(i, j int) bool { return s.nav[i].Order < s.nav[j].Order })
}

// AddFooterLinks adds entries to the footer.
func (s *Server) AddFooterLinks(items ...NavItem) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.footerLinks = append(s.footerLinks, items...)
	sort.SliceStable(s.footerLinks, func(i, j int) bool { return s.footerLinks[i].Order < s.footerLinks[j].Order })
}

func (s *Server) navItems() []NavItem {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nav
}

func (s *Server) footerItems() []NavItem {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.footerLinks
}

// Routes returns a copy of the authorization table.
func (s *Server) Routes() []Route {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Route, len(s.routes))
	copy(out, s.routes)
	return out
}

// Handle registers routes. It panics on a route without an access rule or
// with a malformed pattern: such a program must not start.
func (s *Server) Handle(routes ...Route) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rt := range routes {
		if rt.Access == accessUnset {
			panic(fmt.Sprintf("route %s %s has no access rule", rt.Method, rt.Pattern))
		}
		if rt.Handler == nil || rt.Method == "" || !strings.HasPrefix(rt.Pattern, "/") {
			panic(fmt.Sprintf("route %q %q is incomplete", rt.Method, rt.Pattern))
		}
		if rt.Owner && rt.Access == Public {
			panic(fmt.Sprintf("route %s %s: an owner check needs a signed-in rule", rt.Method, rt.Pattern))
		}
		pattern := rt.Method + " " + rt.Pattern
		s.mux.Handle(pattern, s.wrap(rt))
		s.routes = append(s.routes, rt)
	}
}

// wrap applies, for one route: body limit, the access gate, metrics and
// error mapping.
func (s *Server) wrap(rt Route) http.Handler {
	routeName := rt.Method + " " + rt.Pattern
	maxBody := rt.MaxBody
	if maxBody == 0 {
		maxBody = 1 << 20
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ri := info(r.Context()); ri != nil {
			ri.route = routeName
		}
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		}
		id := CurrentUser(r.Context())
		if !rt.Access.Allows(id) {
			if id == nil {
				s.unauthenticated(w, r)
				return
			}
			s.Error(w, r, errs.New(errs.Forbidden,
				"Vous n'avez pas les droits nécessaires pour cette page.",
				"You do not have the rights needed for this page."))
			return
		}
		if err := rt.Handler(w, r); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				err = errs.Wrap(errs.TooLarge, err,
					fmt.Sprintf("Le fichier ou le formulaire dépasse la taille permise (%s).", humanBytes(mbe.Limit)),
					fmt.Sprintf("The file or form is larger than allowed (%s).", humanBytes(mbe.Limit)))
			}
			s.Error(w, r, err)
		}
	})
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%d Mio", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%d Kio", n>>10)
	}
	return fmt.Sprintf("%d o", n)
}

// LoginPath is where anonymous visitors are sent for pages that need an account.
const LoginPath = "/connexion"

func (s *Server) unauthenticated(w http.ResponseWriter, r *http.Request) {
	if wantsJSON(r) {
		s.Error(w, r, errs.New(errs.Unauthorized,
			"Authentification requise : connectez-vous ou fournissez un jeton d'API.",
			"Authentication required: sign in or send an API bearer token."))
		return
	}
	next := r.URL.RequestURI()
	if r.Method != http.MethodGet {
		next = r.Referer()
		if u, err := url.Parse(next); err == nil {
			next = u.RequestURI()
		} else {
			next = "/"
		}
	}
	http.Redirect(w, r, LoginPath+"?suivant="+url.QueryEscape(next), http.StatusFound)
}

// wantsJSON reports whether errors should be answered in JSON.
func wantsJSON(r *http.Request) bool {
	if IsAPIPath(r.URL.Path) {
		return true
	}
	a := r.Header.Get("Accept")
	return strings.Contains(a, "application/json") && !strings.Contains(a, "text/html")
}

// StatusOf maps an error code to an HTTP status, once for the whole app.
func StatusOf(code errs.Code) int {
	switch code {
	case errs.NotFound:
		return http.StatusNotFound
	case errs.Invalid:
		return http.StatusUnprocessableEntity
	case errs.Conflict:
		return http.StatusConflict
	case errs.Forbidden:
		return http.StatusForbidden
	case errs.Unauthorized:
		return http.StatusUnauthorized
	case errs.TooMany:
		return http.StatusTooManyRequests
	case errs.TooLarge:
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusInternalServerError
}

// Error writes err as a JSON error or an HTML error page. Internal causes
// are logged with the request id and never shown.
func (s *Server) Error(w http.ResponseWriter, r *http.Request, err error) {
	if clientGone(r, err) {
		// Nobody is left to read an answer, and it is not a fault here.
		s.log.DebugContext(r.Context(), "client went away", "request_id", RequestID(r.Context()), "err", err.Error())
		return
	}
	e, ok := errs.As(err)
	if !ok {
		e = errs.Wrap(errs.Internal, err, "Une erreur interne est survenue.", "An internal error occurred.")
	}
	if e.Code == errs.Internal {
		e = &errs.Error{Code: errs.Internal, Message: i18n.T(
			"Une erreur interne est survenue. L'équipe a été prévenue par le journal ; réessayez plus tard.",
			"An internal error occurred. It has been logged; please try again later."), Err: e.Err}
	}
	status := StatusOf(e.Code)
	if status >= 500 {
		s.log.ErrorContext(r.Context(), "request failed", "request_id", RequestID(r.Context()), "err", err.Error())
	}
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "60")
	}
	lang := Lang(r.Context())
	if wantsJSON(r) {
		type detail struct {
			Field   string `json:"field,omitempty"`
			Line    int    `json:"line,omitempty"`
			Column  int    `json:"column,omitempty"`
			Message string `json:"message"`
		}
		body := struct {
			Error struct {
				Code    string   `json:"code"`
				Message string   `json:"message"`
				Details []detail `json:"details,omitempty"`
			} `json:"error"`
		}{}
		body.Error.Code = string(e.Code)
		body.Error.Message = e.Message.In(lang)
		for _, d := range e.Details {
			body.Error.Details = append(body.Error.Details, detail{d.Field, d.Line, d.Column, d.Message.In(lang)})
		}
		WriteJSON(w, status, body)
		return
	}
	s.shell.renderError(w, r, status, e)
}

// clientGone reports whether err only says that the client closed the
// connection or cancelled the request.
func clientGone(r *http.Request, err error) bool {
	if errs.CodeOf(err) != errs.Internal {
		return false
	}
	return errors.Is(err, context.Canceled) && r.Context().Err() != nil ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET)
}

// Handler returns the whole application handler with its middleware.
func (s *Server) Handler() http.Handler {
	cop := http.NewCrossOriginProtection()
	if u, err := url.Parse(s.cfg.BaseURL); err == nil && u.Scheme != "" && u.Host != "" {
		_ = cop.AddTrustedOrigin(u.Scheme + "://" + u.Host)
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.Error(w, r, errs.New(errs.Forbidden,
			"Requête refusée : elle vient d'un autre site (protection contre la falsification de requêtes).",
			"Request refused: it comes from another site (cross-site request forgery protection)."))
	}))
	var h http.Handler = s.mux
	h = cop.Handler(h)
	h = s.identify(h)
	h = s.securityHeaders(h)
	h = s.observe(h)
	return h
}

// identify resolves language and identity once per request.
func (s *Server) identify(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		var id *Identity
		if s.auth != nil {
			var err error
			id, err = s.auth.Authenticate(r)
			if err != nil {
				if errs.Is(err, errs.Unauthorized) {
					// A bad bearer token is an error, not an anonymous visit.
					ctx = context.WithValue(ctx, langKey, i18n.FromRequest(r))
					s.Error(w, r.WithContext(ctx), err)
					return
				}
				s.log.ErrorContext(ctx, "authenticate", "err", err)
			}
		}
		lang := ""
		if c, err := r.Cookie(i18n.CookieName); err == nil {
			lang = i18n.Normalize(c.Value)
		}
		if lang == "" && id != nil {
			lang = i18n.Normalize(id.Lang)
		}
		if lang == "" {
			lang = i18n.FromAcceptLanguage(r.Header.Get("Accept-Language"))
		}
		if id != nil {
			if ri := info(ctx); ri != nil {
				ri.userID = id.UserID
			}
		}
		ctx = context.WithValue(ctx, identityKey, id)
		ctx = context.WithValue(ctx, langKey, lang)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// CSP returns the Content-Security-Policy: no inline script, no inline
// style, no framing, forms only to this site, map tiles from the tile host.
func (s *Server) CSP() string {
	img := "'self' data:"
	if u, err := url.Parse(strings.ReplaceAll(s.cfg.TileURL, "{s}", "a")); err == nil && u.Host != "" {
		host := u.Host
		if strings.Contains(s.cfg.TileURL, "{s}") {
			host = "*." + strings.SplitN(u.Host, ".", 2)[1]
		}
		img += " " + u.Scheme + "://" + host
	}
	return "default-src 'self'; script-src 'self'; style-src 'self'; img-src " + img +
		"; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
}

func (s *Server) securityHeaders(next http.Handler) http.Handler {
	csp := s.CSP()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
		if r.TLS != nil || strings.HasPrefix(s.cfg.BaseURL, "https://") {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// statusWriter records the status and size written.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (sw *statusWriter) WriteHeader(code int) {
	if sw.status == 0 {
		sw.status = code
	}
	sw.ResponseWriter.WriteHeader(code)
}

func (sw *statusWriter) Write(b []byte) (int, error) {
	if sw.status == 0 {
		sw.status = http.StatusOK
	}
	n, err := sw.ResponseWriter.Write(b)
	sw.bytes += int64(n)
	return n, err
}

// Flush lets streaming handlers (progress, exports) push data.
func (sw *statusWriter) Flush() {
	if f, ok := sw.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap exposes the underlying writer to http.ResponseController.
func (sw *statusWriter) Unwrap() http.ResponseWriter { return sw.ResponseWriter }

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// observe gives every request an id, recovers panics, logs one structured
// line and records metrics per route pattern.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ri := &requestInfo{id: newRequestID(), route: "unmatched", ip: s.clientIP(r)}
		w.Header().Set("X-Request-Id", ri.id)
		sw := &statusWriter{ResponseWriter: w}
		ctx := context.WithValue(r.Context(), infoKey, ri)
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.ErrorContext(ctx, "panic", "request_id", ri.id, "panic", fmt.Sprint(p))
				if sw.status == 0 {
					s.Error(sw, r.WithContext(ctx), errs.Wrap(errs.Internal, fmt.Errorf("panic: %v", p), "", ""))
				}
			}
			if sw.status == 0 {
				sw.status = http.StatusOK
			}
			d := time.Since(start)
			s.metrics.observeRequest(ri.route, sw.status, d)
			s.log.LogAttrs(ctx, slog.LevelInfo, "request",
				slog.String("request_id", ri.id),
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.String("route", ri.route),
				slog.Int("status", sw.status),
				slog.Int64("bytes", sw.bytes),
				slog.Float64("duration_ms", float64(d.Microseconds())/1000),
				slog.Int64("user_id", ri.userID),
				slog.String("remote", ri.ip),
			)
		}()
		next.ServeHTTP(sw, r.WithContext(ctx))
	})
}

// ClientIP is the visitor's address: the connection's peer, or, when the
// peer is a trusted proxy, the nearest untrusted address of X-Forwarded-For.
func ClientIP(r *http.Request) string {
	if ri := info(r.Context()); ri != nil && ri.ip != "" {
		return ri.ip
	}
	return peerIP(r)
}

func peerIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (s *Server) trusted(ip net.IP) bool {
	for _, n := range s.cfg.TrustedProxies {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

func (s *Server) clientIP(r *http.Request) string {
	peer := peerIP(r)
	ip := net.ParseIP(peer)
	if ip == nil || !s.trusted(ip) {
		return peer
	}
	hops := strings.Split(r.Header.Get("X-Forwarded-For"), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		h := net.ParseIP(strings.TrimSpace(hops[i]))
		if h == nil {
			break
		}
		if !s.trusted(h) {
			return h.String()
		}
	}
	return peer
}

// ParseCIDRs reads a comma-separated list of networks or addresses.
func ParseCIDRs(list string) ([]*net.IPNet, error) {
	var out []*net.IPNet
	for _, part := range strings.Split(list, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if !strings.Contains(part, "/") {
			if ip := net.ParseIP(part); ip != nil && ip.To4() != nil {
				part += "/32"
			} else {
				part += "/128"
			}
		}
		_, n, err := net.ParseCIDR(part)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: %w", part, err)
		}
		out = append(out, n)
	}
	return out, nil
}
