package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
)

func urlEscape(s string) string { return url.QueryEscape(s) }

func urlUnescape(s string) string {
	v, err := url.QueryUnescape(s)
	if err != nil {
		return ""
	}
	return v
}

func asMaxBytes(err error, target **http.MaxBytesError) bool { return errors.As(err, target) }

// QueryInt reads an integer query parameter within [min, max], def when absent.
func QueryInt(r *http.Request, name string, def, min, max int) (int, error) {
	s := strings.TrimSpace(r.URL.Query().Get(name))
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < min || n > max {
		return 0, errs.Field(name,
			"Le paramètre « "+name+" » doit être un entier entre "+strconv.Itoa(min)+" et "+strconv.Itoa(max)+".",
			"Parameter \""+name+"\" must be an integer between "+strconv.Itoa(min)+" and "+strconv.Itoa(max)+".")
	}
	return n, nil
}

// SafeNext keeps a post-login or post-action redirect on this site.
func SafeNext(next, fallback string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return fallback
	}
	return next
}

// FormErrors turns a coded error into the lines of a form's error summary
// and the set of fields to mark invalid.
func FormErrors(lang string, err error) ([]string, map[string]bool) {
	e, ok := errs.As(err)
	if !ok {
		return nil, nil
	}
	invalid := map[string]bool{}
	var msgs []string
	for _, d := range e.Details {
		invalid[d.Field] = true
		msgs = append(msgs, d.Message.In(lang))
	}
	if len(msgs) == 0 {
		msgs = []string{e.Message.In(lang)}
	}
	return msgs, invalid
}
