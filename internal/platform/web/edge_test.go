package web

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
)

func testServer(t *testing.T, routes ...Route) http.Handler {
	t.Helper()
	s := NewServer(Config{Version: "test"}, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	s.Handle(routes...)
	return s.Handler()
}

// A panic or an internal error gives the 500 page in the visitor's language,
// with the request id and without the internal cause.
func TestInternalErrorsAreHidden(t *testing.T) {
	h := testServer(t,
		Route{Method: "GET", Pattern: "/panique", Access: Public, Handler: func(http.ResponseWriter, *http.Request) error {
			panic("secret internal detail")
		}},
		Route{Method: "GET", Pattern: "/erreur", Access: Public, Handler: func(http.ResponseWriter, *http.Request) error {
			return errors.New("pq: password authentication failed for user secret")
		}},
		Route{Method: "GET", Pattern: "/api/v1/erreur", Access: Public, Handler: func(http.ResponseWriter, *http.Request) error {
			return errors.New("secret internal detail")
		}},
	)
	for _, p := range []string{"/panique", "/erreur"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", p, nil))
		body := rec.Body.String()
		if rec.Code != 500 || strings.Contains(body, "secret") || !strings.Contains(body, "Erreur interne") {
			t.Errorf("%s: %d %.300s", p, rec.Code, body)
		}
		if rec.Header().Get("X-Request-Id") == "" || rec.Header().Get("Content-Security-Policy") == "" {
			t.Errorf("%s: missing request id or CSP", p)
		}
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/api/v1/erreur", nil)
	req.Header.Set("Accept-Language", "en")
	h.ServeHTTP(rec, req)
	if rec.Code != 500 || strings.Contains(rec.Body.String(), "secret") || !strings.Contains(rec.Body.String(), `"code":"internal"`) || !strings.Contains(rec.Body.String(), "internal error") {
		t.Errorf("API 500: %s", rec.Body.String())
	}
}

// Coded errors map to their status once, with details, in both forms.
func TestErrorMapping(t *testing.T) {
	cases := map[errs.Code]int{errs.NotFound: 404, errs.Invalid: 422, errs.Conflict: 409, errs.Forbidden: 403, errs.Unauthorized: 401, errs.TooMany: 429, errs.TooLarge: 413, errs.Internal: 500}
	for code, want := range cases {
		code := code
		h := testServer(t, Route{Method: "GET", Pattern: "/api/v1/x", Access: Public, Handler: func(http.ResponseWriter, *http.Request) error {
			return errs.New(code, "message", "message").With(errs.Detail{Field: "f", Line: 3, Message: errs.New(code, "ligne fausse", "bad line").Message})
		}})
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/x", nil))
		if rec.Code != want {
			t.Errorf("%s: %d, want %d", code, rec.Code, want)
		}
		if code != errs.Internal && !strings.Contains(rec.Body.String(), `"line":3`) {
			t.Errorf("%s: details lost: %s", code, rec.Body.String())
		}
	}
}

// The body limit of a route answers 413 with the limit in words.
func TestBodyLimit(t *testing.T) {
	h := testServer(t, Route{Method: "POST", Pattern: "/envoi", Access: Public, MaxBody: 1024, Handler: func(w http.ResponseWriter, r *http.Request) error {
		_, err := io.ReadAll(r.Body)
		return err
	}})
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/envoi", strings.NewReader(strings.Repeat("x", 5000)))
	h.ServeHTTP(rec, req)
	if rec.Code != 413 || !strings.Contains(rec.Body.String(), "1 Kio") {
		t.Fatalf("%d %.300s", rec.Code, rec.Body.String())
	}
}

// A client that goes away is not an internal error: nothing is written
// and no error is logged.
func TestClientGoneIsNotAnError(t *testing.T) {
	var logs strings.Builder
	s := NewServer(Config{}, slog.New(slog.NewTextHandler(&logs, nil)), nil)
	s.Handle(Route{Method: "GET", Pattern: "/lent", Access: Public, Handler: func(w http.ResponseWriter, r *http.Request) error {
		<-r.Context().Done()
		return r.Context().Err()
	}})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/lent", nil).WithContext(ctx))
	if strings.Contains(logs.String(), "request failed") || rec.Body.Len() != 0 {
		t.Fatalf("a cancelled request was reported as a failure: %q %q", logs.String(), rec.Body.String())
	}
}
