// Package apptest starts the real application for tests: real store
// (SQLite file, and PostgreSQL when FABRIQUE_TEST_POSTGRES is set), real
// HTTP on a free loopback port, real sessions.
package apptest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/fabrique-des-energies/fabrique/internal/app"
	"github.com/fabrique-des-energies/fabrique/internal/platform/db/dbtest"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
)

// App is a running application under test.
type App struct {
	*app.App
	URL     string
	Dialect string
	t       testing.TB
}

// Option adjusts the configuration before the app starts.
type Option func(*app.Config)

// WithDemo loads the demo content before serving.
func WithDemo() Option { return func(c *app.Config) { c.Demo = true } }

func logger() *slog.Logger {
	if os.Getenv("FABRIQUE_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// Start runs the app on SQLite in a temp dir.
func Start(t testing.TB, opts ...Option) *App {
	t.Helper()
	return start(t, "sqlite", app.Config{DataDir: t.TempDir()}, opts)
}

// Each runs fn against the app on SQLite and, when configured, PostgreSQL.
func Each(t *testing.T, fn func(t *testing.T, a *App), opts ...Option) {
	t.Helper()
	for _, s := range dbtest.Configs(t) {
		t.Run(s.Name, func(t *testing.T) {
			cfg := app.Config{DataDir: s.Cfg.DataDir, DatabaseURL: s.Cfg.URL}
			fn(t, start(t, s.Name, cfg, opts))
		})
	}
}

func start(t testing.TB, dialect string, cfg app.Config, opts []Option) *App {
	t.Helper()
	cfg.Addr = "127.0.0.1:0"
	for _, o := range opts {
		o(&cfg)
	}
	ctx := context.Background()
	a, err := app.Build(ctx, cfg, logger())
	if err != nil {
		t.Fatalf("build app: %v", err)
	}
	if cfg.Demo {
		if err := a.LoadDemo(ctx); err != nil {
			a.DB.Close()
			t.Fatalf("demo: %v", err)
		}
	}
	u, err := a.Start()
	if err != nil {
		a.DB.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Shutdown(context.Background()) })
	return &App{App: a, URL: u, Dialect: dialect, t: t}
}

var userSeq atomic.Int64

// Password is the password of every account made by NewUser.
const Password = "correct horse battery staple"

// NewUser creates an account with the role and returns its email.
func (a *App) NewUser(role web.Role) string {
	a.t.Helper()
	email := fmt.Sprintf("%s%d@test.example", role, userSeq.Add(1))
	if _, err := a.Auth.CreateUser(context.Background(), email, "Test "+string(role), Password, role); err != nil {
		a.t.Fatal(err)
	}
	return email
}

// Token creates an API token for the account.
func (a *App) Token(email string) string {
	a.t.Helper()
	u, err := a.Auth.UserByEmail(context.Background(), email)
	if err != nil {
		a.t.Fatal(err)
	}
	tok, _, err := a.Auth.CreateToken(context.Background(), u.ID, "test")
	if err != nil {
		a.t.Fatal(err)
	}
	return tok
}

// Client is an HTTP client with a cookie jar that does not follow redirects,
// sending same-origin headers like a browser on this site.
type Client struct {
	*http.Client
	a     *App
	Token string
}

// Anonymous returns a client without an account.
func (a *App) Anonymous() *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{Client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}, a: a}
}

// Login signs in through the login form and returns the client.
func (a *App) Login(email string) *Client {
	a.t.Helper()
	c := a.Anonymous()
	resp := c.PostForm("/connexion", url.Values{"email": {email}, "password": {Password}})
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		a.t.Fatalf("login %s: status %d", email, resp.StatusCode)
	}
	return c
}

// As returns a signed-in client for a new account with that role.
func (a *App) As(role web.Role) *Client { return a.Login(a.NewUser(role)) }

// WithToken returns a client that authenticates with a bearer token.
func (a *App) WithToken(token string) *Client {
	c := a.Anonymous()
	c.Token = token
	return c
}

// Do sends a request to a path of the app.
func (c *Client) Do(method, path string, body io.Reader, header http.Header) *http.Response {
	c.a.t.Helper()
	req, err := http.NewRequest(method, c.a.URL+path, body)
	if err != nil {
		c.a.t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	resp, err := c.Client.Do(req)
	if err != nil {
		c.a.t.Fatal(err)
	}
	return resp
}

// Get fetches a path.
func (c *Client) Get(path string) *http.Response { return c.Do("GET", path, nil, nil) }

// PostForm posts a form as a browser on this site would.
func (c *Client) PostForm(path string, v url.Values) *http.Response {
	return c.Do("POST", path, strings.NewReader(v.Encode()), http.Header{
		"Content-Type": {"application/x-www-form-urlencoded"}, "Origin": {c.a.URL}, "Sec-Fetch-Site": {"same-origin"}})
}

// JSON sends a JSON body (nil for none) and decodes a JSON answer into out
// (when not nil); it returns the status.
func (c *Client) JSON(method, path string, in, out any) int {
	c.a.t.Helper()
	var body io.Reader
	h := http.Header{"Accept": {"application/json"}}
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			c.a.t.Fatal(err)
		}
		body = strings.NewReader(string(b))
		h.Set("Content-Type", "application/json")
	}
	resp := c.Do(method, path, body, h)
	defer resp.Body.Close()
	if out != nil {
		b, _ := io.ReadAll(resp.Body)
		if err := json.Unmarshal(b, out); err != nil {
			c.a.t.Fatalf("%s %s: status %d, body not JSON: %v: %.300s", method, path, resp.StatusCode, err, b)
		}
	}
	return resp.StatusCode
}

// Body reads and closes a response body.
func Body(t testing.TB, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
