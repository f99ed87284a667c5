package regie

import (
	"embed"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/i18n"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
)

//go:embed templates/*.html openapi.json
var files embed.FS

// OpenAPI is the fragment describing the data trust's API.
func OpenAPI() []byte {
	b, _ := files.ReadFile("openapi.json")
	return b
}

// Handlers are the data trust's pages and API.
type Handlers struct {
	svc  *Service
	srv  *web.Server
	tmpl *web.Templates
}

// MaxUpload caps an uploaded readings file.
const MaxUpload = 32 << 20

// Mount registers the data trust's routes and navigation entry. samples
// gives concrete paths of the demo data for the route tests (see
// DemoSamples); routes marked Household return household data and go
// through the door.
func (s *Service) Mount(srv *web.Server, samples Samples) *Handlers {
	h := &Handlers{svc: s, srv: srv, tmpl: srv.Templates(files, "templates/*.html")}
	srv.AddNav(web.NavItem{Path: "/mes-donnees", Label: i18n.T("Mes données", "My data"), Order: 50})
	prm, consent, receipt, recip, recipConsent, agg := samples.PRM, strconv.FormatInt(samples.Consent, 10), strconv.FormatInt(samples.Receipt, 10),
		strconv.FormatInt(samples.Recipient, 10), strconv.FormatInt(samples.RecipientConsent, 10), strconv.FormatInt(samples.Aggregate, 10)
	aggRecip := strconv.FormatInt(samples.AggregateRecipient, 10)
	srv.Handle(
		// Household pages.
		web.Route{Method: "GET", Pattern: "/mes-donnees", Access: web.SignedIn, Household: true, Handler: h.dashboard},
		web.Route{Method: "POST", Pattern: "/mes-donnees/compteurs", Access: web.SignedIn, Handler: h.addMeter},
		web.Route{Method: "GET", Pattern: "/mes-donnees/compteurs/{prm}", Access: web.SignedIn, Owner: true, Household: true, Sample: "/mes-donnees/compteurs/" + prm, Handler: h.meterPage},
		web.Route{Method: "POST", Pattern: "/mes-donnees/compteurs/{prm}/releves", Access: web.SignedIn, Owner: true, MaxBody: MaxUpload + 1<<20, Sample: "/mes-donnees/compteurs/" + prm + "/releves", Handler: h.importForm},
		web.Route{Method: "POST", Pattern: "/mes-donnees/compteurs/{prm}/supprimer", Access: web.SignedIn, Owner: true, Sample: "/mes-donnees/compteurs/" + prm + "/supprimer", Handler: h.deleteMeter},
		web.Route{Method: "GET", Pattern: "/mes-donnees/consentements/{id}", Access: web.SignedIn, Owner: true, Household: true, Sample: "/mes-donnees/consentements/" + consent, Handler: h.consentPage},
		web.Route{Method: "POST", Pattern: "/mes-donnees/consentements/{id}/donner", Access: web.SignedIn, Owner: true, Sample: "/mes-donnees/consentements/" + consent + "/donner", Handler: h.decideForm(StatusGiven)},
		web.Route{Method: "POST", Pattern: "/mes-donnees/consentements/{id}/refuser", Access: web.SignedIn, Owner: true, Sample: "/mes-donnees/consentements/" + consent + "/refuser", Handler: h.decideForm(StatusRefused)},
		web.Route{Method: "POST", Pattern: "/mes-donnees/consentements/{id}/retirer", Access: web.SignedIn, Owner: true, Sample: "/mes-donnees/consentements/" + consent + "/retirer", Handler: h.decideForm(StatusWithdrawn)},
		web.Route{Method: "GET", Pattern: "/mes-donnees/journal", Access: web.SignedIn, Household: true, Handler: h.journalPage},
		web.Route{Method: "GET", Pattern: "/mes-donnees/export", Access: web.SignedIn, Household: true, Handler: h.exportZip},
		web.Route{Method: "GET", Pattern: "/recus/{id}", Access: web.SignedIn, Owner: true, Sample: "/recus/" + receipt, Handler: h.receiptPage},

		// Recipient pages.
		web.Route{Method: "GET", Pattern: "/destinataire", Access: web.SignedIn, Handler: h.recipientsPage},
		web.Route{Method: "GET", Pattern: "/destinataire/{rid}", Access: web.SignedIn, Owner: true, Sample: "/destinataire/" + recip, Handler: h.recipientPage},
		web.Route{Method: "POST", Pattern: "/destinataire/{rid}/demandes", Access: web.SignedIn, Owner: true, Sample: "/destinataire/" + recip + "/demandes", Handler: h.requestForm},
		web.Route{Method: "GET", Pattern: "/destinataire/{rid}/consentements/{id}", Access: web.SignedIn, Owner: true, Household: true,
			Sample: "/destinataire/" + recip + "/consentements/" + recipConsent, Handler: h.recipientConsentPage},
		web.Route{Method: "POST", Pattern: "/destinataire/{rid}/agregats", Access: web.SignedIn, Owner: true, Household: true, Sample: "/destinataire/" + aggRecip + "/agregats", Handler: h.aggregateForm},
		web.Route{Method: "GET", Pattern: "/destinataire/{rid}/agregats/{aid}", Access: web.SignedIn, Owner: true, Household: true,
			Sample: "/destinataire/" + aggRecip + "/agregats/" + agg, Handler: h.aggregatePage},

		// Administration: recipients and the accounts acting for them. No
		// route here reaches household data.
		web.Route{Method: "GET", Pattern: "/admin/regie", Access: web.Admin, Handler: h.adminPage},
		web.Route{Method: "POST", Pattern: "/admin/regie/destinataires", Access: web.Admin, Handler: h.adminCreateRecipient},
		web.Route{Method: "POST", Pattern: "/admin/regie/destinataires/{rid}/membres", Access: web.Admin, Sample: "/admin/regie/destinataires/" + recip + "/membres", Handler: h.adminAddMember},
		web.Route{Method: "POST", Pattern: "/admin/regie/destinataires/{rid}/membres/{uid}/retirer", Access: web.Admin, Sample: "/admin/regie/destinataires/" + recip + "/membres/0/retirer", Handler: h.adminRemoveMember},
	)
	h.mountAPI(samples)
	return h
}

// Samples are concrete ids of the demo data, for the route tests.
type Samples struct {
	PRM                string
	Consent            int64
	Receipt            int64
	Recipient          int64
	RecipientConsent   int64
	AggregateRecipient int64
	Aggregate          int64
}

func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errs.New(errs.NotFound, "Adresse invalide.", "Invalid address.")
	}
	return id, nil
}

func me(r *http.Request) *web.Identity { return web.CurrentUser(r.Context()) }

func lang(r *http.Request) string { return web.Lang(r.Context()) }

func tr(r *http.Request, fr, en string) string { return i18n.T(fr, en).In(lang(r)) }

// formErrors lists an error's messages for a form summary.
func formErrors(lang string, err error) []string {
	e, ok := errs.As(err)
	if !ok {
		return nil
	}
	var out []string
	if len(e.Details) == 0 || e.Details[0].Line > 0 || e.Code != errs.Invalid {
		out = append(out, e.Message.In(lang))
	}
	for _, d := range e.Details {
		if d.Line > 0 {
			continue
		}
		if d.Field == "rule" {
			continue
		}
		out = append(out, d.Message.In(lang))
	}
	return out
}

// userError reports whether an error is meant for the person (re-render the
// form) rather than a failure.
func userError(err error) bool {
	switch errs.CodeOf(err) {
	case errs.Invalid, errs.Conflict, errs.TooLarge:
		return true
	}
	return false
}

// parseDay reads a date (YYYY-MM-DD) as the start of that French day.
func parseDay(field, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, errs.Field(field, fmt.Sprintf("Date « %s » illisible : écrivez AAAA-MM-JJ.", s), fmt.Sprintf("Unreadable date %q: write YYYY-MM-DD.", s))
	}
	return parisMidnight(d.Year(), d.Month(), d.Day()), nil
}

// parseInstant reads an ISO 8601 instant with an offset, or a date (the
// start of that French day).
func parseInstant(field, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	if len(s) == 10 {
		return parseDay(field, s)
	}
	return time.Time{}, errs.Field(field, fmt.Sprintf("Instant « %s » illisible : écrivez un instant ISO 8601 avec son décalage (2025-01-01T00:00:00+01:00) ou une date (2025-01-01).", s),
		fmt.Sprintf("Unreadable instant %q: write an ISO 8601 instant with its offset (2025-01-01T00:00:00+01:00) or a date (2025-01-01).", s))
}

func dayInput(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(parisLoc).Format(time.DateOnly)
}
