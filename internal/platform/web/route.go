package web

import (
	"context"
	"net/http"
	"strings"
)

// Role is an account's role. Capability-specific rights (a community's
// managers, a consent's recipient) are checked by the capability itself.
type Role string

const (
	RoleMember    Role = "member"
	RoleModerator Role = "moderator"
	RoleAdmin     Role = "admin"
)

// Roles lists the roles from least to most powerful.
var Roles = []Role{RoleMember, RoleModerator, RoleAdmin}

func (r Role) rank() int {
	switch r {
	case RoleMember:
		return 1
	case RoleModerator:
		return 2
	case RoleAdmin:
		return 3
	}
	return 0
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r.rank() > 0 }

// Access is the rule that says who may use a route. The zero value is
// deliberately invalid: a route without a rule cannot be registered.
type Access int

const (
	accessUnset Access = iota
	// Public: anyone, signed in or not.
	Public
	// SignedIn: any account (member, moderator, admin). Handlers may narrow
	// further to owners (a community's managers, a household's own data).
	SignedIn
	// Moderator: moderators and admins.
	Moderator
	// Admin: admins only.
	Admin
)

func (a Access) String() string {
	switch a {
	case Public:
		return "public"
	case SignedIn:
		return "signed-in"
	case Moderator:
		return "moderator"
	case Admin:
		return "admin"
	}
	return "unset"
}

// Allows reports whether an identity (nil for anonymous) passes the rule.
func (a Access) Allows(id *Identity) bool {
	switch a {
	case Public:
		return true
	case SignedIn:
		return id != nil
	case Moderator:
		return id != nil && id.Role.rank() >= RoleModerator.rank()
	case Admin:
		return id != nil && id.Role == RoleAdmin
	}
	return false
}

// HandlerFunc is a handler that returns its failure instead of writing it:
// the server maps every error to a status and a page or JSON body once.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Route is one line of the authorization table: every route of the
// application is declared with its rule, and only through this type.
type Route struct {
	Method  string // GET, POST, PUT, DELETE, PATCH
	Pattern string // net/http pattern path, e.g. /territoires/{kind}/{code}
	Access  Access
	Handler HandlerFunc
	// Owner says that the handler narrows Access to the owner of the thing
	// (for example the household itself): other signed-in users get 403.
	Owner bool
	// Sample is a concrete path for the authorization test when Pattern has
	// wildcards; it should exist in the demo data.
	Sample string
	// MaxBody caps the request body (default 1 MiB).
	MaxBody int64
	// Household marks routes that return household energy data: they must
	// go through the data trust's consent check (and are listed by tests).
	Household bool
}

// Path returns the sample path, or the pattern when it has no wildcard.
func (rt Route) Path() string {
	if rt.Sample != "" {
		return rt.Sample
	}
	return rt.Pattern
}

// IsAPI reports whether the route answers JSON by default.
func (rt Route) IsAPI() bool { return IsAPIPath(rt.Pattern) }

// IsAPIPath reports whether a path belongs to the JSON API.
func IsAPIPath(p string) bool { return strings.HasPrefix(p, "/api/") }

// Identity is the signed-in account behind a request.
type Identity struct {
	UserID int64
	Email  string
	Name   string
	Role   Role
	Lang   string
	// SessionID is set for cookie sessions, TokenID for bearer tokens.
	SessionID string
	TokenID   int64
}

// IsModerator reports moderator or admin.
func (id *Identity) IsModerator() bool { return id != nil && id.Role.rank() >= RoleModerator.rank() }

// IsAdmin reports admin.
func (id *Identity) IsAdmin() bool { return id != nil && id.Role == RoleAdmin }

// Authenticator resolves the identity behind a request (session cookie or
// bearer token). It returns nil, nil for anonymous requests.
type Authenticator interface {
	Authenticate(r *http.Request) (*Identity, error)
}

type ctxKey int

const (
	identityKey ctxKey = iota
	langKey
	infoKey
)

// CurrentUser returns the identity of the request, nil when anonymous.
func CurrentUser(ctx context.Context) *Identity {
	id, _ := ctx.Value(identityKey).(*Identity)
	return id
}

// WithIdentity returns a context carrying id (used by tests and internal calls).
func WithIdentity(ctx context.Context, id *Identity) context.Context {
	return context.WithValue(ctx, identityKey, id)
}

// Lang returns the language chosen for the request ("fr" or "en").
func Lang(ctx context.Context) string {
	if l, ok := ctx.Value(langKey).(string); ok {
		return l
	}
	return "fr"
}

// requestInfo is filled along the request for logs and metrics.
type requestInfo struct {
	id     string
	route  string
	userID int64
	ip     string
}

func info(ctx context.Context) *requestInfo {
	ri, _ := ctx.Value(infoKey).(*requestInfo)
	return ri
}

// RequestID returns the request's id (also sent as X-Request-Id).
func RequestID(ctx context.Context) string {
	if ri := info(ctx); ri != nil {
		return ri.id
	}
	return ""
}
