// Package auth owns accounts, roles, sessions, API tokens and the login
// rate limits. It implements web.Authenticator for the HTTP edge.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/mail"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/fabrique-des-energies/fabrique/internal/platform/db"
	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
)

//go:embed migrations
var migrationsFS embed.FS

// Migrations are the account tables.
func Migrations() db.Migrations {
	sub, _ := fs.Sub(migrationsFS, "migrations")
	return db.Migrations{Component: "auth", FS: sub}
}

// User is an account.
type User struct {
	ID        int64
	Email     string
	Name      string
	Role      web.Role
	Lang      string
	Blocked   bool
	CreatedAt time.Time
}

// Token is an API token as listed to its owner (never the secret).
type Token struct {
	ID         int64
	Label      string
	Prefix     string
	CreatedAt  time.Time
	LastUsedAt *time.Time
}

// DeleteHook runs inside the account-deletion transaction, before the user
// row goes, so capabilities can erase or pseudonymise what they own.
type DeleteHook func(ctx context.Context, tx *sql.Tx, userID int64) error

// Limits of the login rate limiter.
type Limits struct {
	AccountFailures int           // failures per account per window
	IPFailures      int           // failures per client address per window
	Window          time.Duration // counting window and block duration
}

// DefaultLimits: 5 failures per account, 20 per address, per 15 minutes.
var DefaultLimits = Limits{AccountFailures: 5, IPFailures: 20, Window: 15 * time.Minute}

// Service is the accounts capability.
type Service struct {
	db     *db.DB
	log    *slog.Logger
	limits Limits
	// SecureCookies marks cookies Secure (set when the base URL is https).
	SecureCookies bool
	now           func() time.Time

	mu          sync.Mutex
	deleteHooks []DeleteHook
}

// New returns the accounts service.
func New(store *db.DB, log *slog.Logger) *Service {
	return &Service{db: store, log: log, limits: DefaultLimits, now: db.Now}
}

// SetLimits changes the login rate limits (tests use small windows).
func (s *Service) SetLimits(l Limits) { s.limits = l }

// OnDelete registers a hook run when an account is deleted.
func (s *Service) OnDelete(h DeleteHook) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deleteHooks = append(s.deleteHooks, h)
}

// EmailKey is the case-insensitive form of an email used for uniqueness.
func EmailKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

func validateEmail(email string) error {
	email = strings.TrimSpace(email)
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || !strings.Contains(email[strings.LastIndexByte(email, '@')+1:], ".") || len(email) > 254 {
		return errs.Field("email", "Adresse électronique invalide (exemple : prenom.nom@exemple.fr).",
			"Invalid email address (example: first.last@example.org).")
	}
	return nil
}

func validateName(name string) error {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 100 {
		return errs.Field("name", "Le nom affiché est obligatoire (100 caractères au plus).",
			"The display name is required (at most 100 characters).")
	}
	return nil
}

func validatePassword(p string) error {
	if passwordTooShort(p) {
		return errs.Field("password",
			fmt.Sprintf("Le mot de passe doit comporter au moins %d caractères.", MinPasswordLength),
			fmt.Sprintf("The password must be at least %d characters long.", MinPasswordLength))
	}
	if len(p) > 1024 {
		return errs.Field("password", "Le mot de passe est trop long (1024 octets au plus).", "The password is too long (at most 1024 bytes).")
	}
	return nil
}

// CreateUser adds an account. The email is unique without regard to case.
func (s *Service) CreateUser(ctx context.Context, email, name, password string, role web.Role) (User, error) {
	email, name = strings.TrimSpace(email), strings.TrimSpace(name)
	if err := errors.Join(validateEmail(email), validateName(name), validatePassword(password)); err != nil {
		return User{}, firstCoded(err)
	}
	if !role.Valid() {
		return User{}, errs.Field("role", "Rôle inconnu : "+string(role)+" (admin, moderator ou member).",
			"Unknown role: "+string(role)+" (admin, moderator or member).")
	}
	hash, err := HashPassword(password)
	if err != nil {
		return User{}, err
	}
	now := s.now()
	u := User{Email: email, Name: name, Role: role, Lang: "fr", CreatedAt: now}
	err = s.db.W.QueryRowContext(ctx, `INSERT INTO users (email, email_key, name, role, password_hash, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`, email, EmailKey(email), name, string(role), hash, now).Scan(&u.ID)
	if db.IsUniqueViolation(err) {
		return User{}, errs.Field("email", "Un compte existe déjà avec cette adresse.", "An account already exists with this address.")
	}
	if err != nil {
		return User{}, fmt.Errorf("create user: %w", err)
	}
	return u, nil
}

// firstCoded returns the first coded error of a join, to report one clear problem at a time
// while keeping the others as details.
func firstCoded(err error) error {
	var all []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		all = j.Unwrap()
	} else {
		all = []error{err}
	}
	var out *errs.Error
	for _, e := range all {
		ce, ok := errs.As(e)
		if !ok {
			return e
		}
		if out == nil {
			out = &errs.Error{Code: ce.Code, Message: ce.Message}
		}
		out.Details = append(out.Details, ce.Details...)
	}
	return out
}

const userColumns = `id, email, name, role, lang, blocked_at IS NOT NULL, created_at`

func scanUser(row interface{ Scan(...any) error }) (User, error) {
	var u User
	var role string
	err := row.Scan(&u.ID, &u.Email, &u.Name, &role, &u.Lang, &u.Blocked, &u.CreatedAt)
	u.Role = web.Role(role)
	return u, err
}

// UserByEmail finds an account by email, ignoring case.
func (s *Service) UserByEmail(ctx context.Context, email string) (User, error) {
	u, err := scanUser(s.db.R.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE email_key = $1`, EmailKey(email)))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, errs.New(errs.NotFound, "Aucun compte avec l'adresse "+email+".", "No account with address "+email+".")
	}
	return u, err
}

// UserByID finds an account by id.
func (s *Service) UserByID(ctx context.Context, id int64) (User, error) {
	u, err := scanUser(s.db.R.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, errs.New(errs.NotFound, "Compte introuvable.", "Account not found.")
	}
	return u, err
}

// ListUsers returns every account, newest first (admin pages).
func (s *Service) ListUsers(ctx context.Context) ([]User, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY created_at DESC, id DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// CountUsers returns how many accounts exist.
func (s *Service) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.db.R.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n)
	return n, err
}

// SetRole changes an account's role.
func (s *Service) SetRole(ctx context.Context, userID int64, role web.Role) error {
	if !role.Valid() {
		return errs.Field("role", "Rôle inconnu.", "Unknown role.")
	}
	res, err := s.db.W.ExecContext(ctx, `UPDATE users SET role = $1, updated_at = $2 WHERE id = $3`, string(role), s.now(), userID)
	return mustAffect(res, err)
}

// SetLang remembers the account's language.
func (s *Service) SetLang(ctx context.Context, userID int64, lang string) error {
	_, err := s.db.W.ExecContext(ctx, `UPDATE users SET lang = $1 WHERE id = $2`, lang, userID)
	return err
}

// Block stops an account: it can no longer sign in or write, and its
// sessions and tokens stop working at once.
func (s *Service) Block(ctx context.Context, userID int64, reason string) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET blocked_at = $1, blocked_reason = $2 WHERE id = $3`, s.now(), reason, userID)
		if err := mustAffect(res, err); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID)
		return err
	})
}

// Unblock restores a blocked account.
func (s *Service) Unblock(ctx context.Context, userID int64) error {
	res, err := s.db.W.ExecContext(ctx, `UPDATE users SET blocked_at = NULL, blocked_reason = '' WHERE id = $1`, userID)
	return mustAffect(res, err)
}

func mustAffect(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.New(errs.NotFound, "Compte introuvable.", "Account not found.")
	}
	return nil
}

// ---- sessions ----

// SessionCookie is the name of the session cookie.
const SessionCookie = "fabrique_session"

// SessionLifetime is how long a session lasts without a new login.
const SessionLifetime = 30 * 24 * time.Hour

func randomToken(prefix string) string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

func hashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// Login checks the credentials under the rate limits and opens a session.
// It returns the session secret to put in the cookie.
func (s *Service) Login(ctx context.Context, email, password, ip, userAgent string) (string, User, error) {
	key := EmailKey(email)
	if err := s.throttled(ctx, "acct:"+key, s.limits.AccountFailures, true); err != nil {
		return "", User{}, err
	}
	if err := s.throttled(ctx, "ip:"+ip, s.limits.IPFailures, false); err != nil {
		return "", User{}, err
	}
	var u User
	var hash string
	var role string
	var blocked bool
	err := s.db.R.QueryRowContext(ctx, `SELECT id, email, name, role, lang, password_hash, blocked_at IS NOT NULL FROM users WHERE email_key = $1`, key).
		Scan(&u.ID, &u.Email, &u.Name, &role, &u.Lang, &hash, &blocked)
	u.Role = web.Role(role)
	if errors.Is(err, sql.ErrNoRows) {
		hash = dummyHash
	} else if err != nil {
		return "", User{}, err
	}
	ok, err := CheckPassword(hash, password)
	if err != nil {
		return "", User{}, err
	}
	if !ok || u.ID == 0 {
		if ferr := s.recordFailure(ctx, "acct:"+key, "ip:"+ip); ferr != nil {
			s.log.ErrorContext(ctx, "record login failure", "err", ferr)
		}
		return "", User{}, errs.New(errs.Unauthorized, "Adresse électronique ou mot de passe incorrect.", "Wrong email address or password.")
	}
	if blocked {
		return "", User{}, errs.New(errs.Forbidden, "Ce compte est bloqué par la modération. Écrivez à l'équipe de la Fabrique pour en savoir plus.",
			"This account has been blocked by the moderators. Write to the Fabrique team to know more.")
	}
	_, _ = s.db.W.ExecContext(ctx, `DELETE FROM login_throttle WHERE throttle_key = $1`, "acct:"+key)
	secret := randomToken("")
	now := s.now()
	if len(userAgent) > 300 {
		userAgent = userAgent[:300]
	}
	_, err = s.db.W.ExecContext(ctx, `INSERT INTO sessions (id_hash, user_id, created_at, expires_at, last_seen_at, user_agent) VALUES ($1, $2, $3, $4, $3, $5)`,
		hashSecret(secret), u.ID, now, now.Add(SessionLifetime), userAgent)
	if err != nil {
		return "", User{}, err
	}
	return secret, u, nil
}

func (s *Service) throttled(ctx context.Context, key string, limit int, account bool) error {
	var until sql.NullTime
	err := s.db.R.QueryRowContext(ctx, `SELECT blocked_until FROM login_throttle WHERE throttle_key = $1`, key).Scan(&until)
	if errors.Is(err, sql.ErrNoRows) || !until.Valid {
		return nil
	}
	if err != nil {
		return err
	}
	wait := until.Time.Sub(s.now())
	if wait <= 0 {
		return nil
	}
	mins := int(wait.Minutes()) + 1
	if account {
		return errs.New(errs.TooMany,
			fmt.Sprintf("Trop de tentatives de connexion pour ce compte. Par sécurité, réessayez dans %d minute(s).", mins),
			fmt.Sprintf("Too many sign-in attempts for this account. For safety, try again in %d minute(s).", mins))
	}
	return errs.New(errs.TooMany,
		fmt.Sprintf("Trop de tentatives de connexion depuis votre adresse réseau. Réessayez dans %d minute(s).", mins),
		fmt.Sprintf("Too many sign-in attempts from your network address. Try again in %d minute(s).", mins))
}

// recordFailure counts a failed login for the account and the address and
// blocks them for one window when they pass their limit.
func (s *Service) recordFailure(ctx context.Context, acctKey, ipKey string) error {
	now := s.now()
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		for _, k := range []struct {
			key   string
			limit int
		}{{acctKey, s.limits.AccountFailures}, {ipKey, s.limits.IPFailures}} {
			var failures int
			var start time.Time
			err := tx.QueryRowContext(ctx, `SELECT failures, window_start FROM login_throttle WHERE throttle_key = $1`, k.key).Scan(&failures, &start)
			if errors.Is(err, sql.ErrNoRows) || (err == nil && now.Sub(start) > s.limits.Window) {
				failures, start = 0, now
			} else if err != nil {
				return err
			}
			failures++
			var until any
			if failures >= k.limit {
				until = now.Add(s.limits.Window)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO login_throttle (throttle_key, failures, window_start, blocked_until) VALUES ($1, $2, $3, $4)
				ON CONFLICT (throttle_key) DO UPDATE SET failures = excluded.failures, window_start = excluded.window_start, blocked_until = excluded.blocked_until`,
				k.key, failures, start, until); err != nil {
				return err
			}
		}
		return nil
	})
}

// Logout ends a session.
func (s *Service) Logout(ctx context.Context, sessionID string) error {
	_, err := s.db.W.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = $1`, sessionID)
	return err
}

// Authenticate implements web.Authenticator: a bearer token (API clients)
// or the session cookie (browsers).
func (s *Service) Authenticate(r *http.Request) (*web.Identity, error) {
	ctx := r.Context()
	if h := r.Header.Get("Authorization"); h != "" {
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return nil, errs.New(errs.Unauthorized, "En-tête Authorization invalide : utilisez « Bearer <jeton> ».", "Invalid Authorization header: use \"Bearer <token>\".")
		}
		return s.authenticateToken(ctx, strings.TrimSpace(tok))
	}
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return nil, nil
	}
	return s.authenticateSession(ctx, c.Value)
}

func (s *Service) authenticateSession(ctx context.Context, secret string) (*web.Identity, error) {
	id := &web.Identity{SessionID: hashSecret(secret)}
	var role string
	var lastSeen time.Time
	err := s.db.R.QueryRowContext(ctx, `SELECT u.id, u.email, u.name, u.role, u.lang, s.last_seen_at FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.id_hash = $1 AND s.expires_at > $2 AND u.blocked_at IS NULL`, id.SessionID, s.now()).
		Scan(&id.UserID, &id.Email, &id.Name, &role, &id.Lang, &lastSeen)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	id.Role = web.Role(role)
	if now := s.now(); now.Sub(lastSeen) > time.Hour {
		_, _ = s.db.W.ExecContext(ctx, `UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2`, now, id.SessionID)
	}
	return id, nil
}

// TokenPrefix starts every API token, so secret scanners can spot them.
const TokenPrefix = "fab_"

func (s *Service) authenticateToken(ctx context.Context, tok string) (*web.Identity, error) {
	if !strings.HasPrefix(tok, TokenPrefix) {
		return nil, errs.New(errs.Unauthorized, "Jeton d'API invalide.", "Invalid API token.")
	}
	id := &web.Identity{}
	var role string
	var lastUsed sql.NullTime
	err := s.db.R.QueryRowContext(ctx, `SELECT u.id, u.email, u.name, u.role, u.lang, t.id, t.last_used_at FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.token_hash = $1 AND u.blocked_at IS NULL`, hashSecret(tok)).
		Scan(&id.UserID, &id.Email, &id.Name, &role, &id.Lang, &id.TokenID, &lastUsed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.New(errs.Unauthorized, "Jeton d'API inconnu ou révoqué.", "Unknown or revoked API token.")
	}
	if err != nil {
		return nil, err
	}
	id.Role = web.Role(role)
	if now := s.now(); !lastUsed.Valid || now.Sub(lastUsed.Time) > time.Minute {
		_, _ = s.db.W.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $1 WHERE id = $2`, now, id.TokenID)
	}
	return id, nil
}

// ---- tokens ----

// CreateToken makes a new API token; the secret is returned once and only
// its hash is kept.
func (s *Service) CreateToken(ctx context.Context, userID int64, label string) (string, Token, error) {
	label = strings.TrimSpace(label)
	if label == "" {
		label = "jeton " + s.now().In(web.Paris).Format("2006-01-02 15:04")
	}
	if utf8.RuneCountInString(label) > 100 {
		return "", Token{}, errs.Field("label", "Le libellé du jeton fait 100 caractères au plus.", "The token label is at most 100 characters.")
	}
	secret := randomToken(TokenPrefix)
	t := Token{Label: label, Prefix: secret[:len(TokenPrefix)+6], CreatedAt: s.now()}
	err := s.db.W.QueryRowContext(ctx, `INSERT INTO api_tokens (user_id, label, prefix, token_hash, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		userID, t.Label, t.Prefix, hashSecret(secret), t.CreatedAt).Scan(&t.ID)
	if db.IsForeignKeyViolation(err) {
		return "", Token{}, errs.New(errs.NotFound, "Compte introuvable.", "Account not found.")
	}
	if err != nil {
		return "", Token{}, err
	}
	return secret, t, nil
}

// Tokens lists an account's API tokens.
func (s *Service) Tokens(ctx context.Context, userID int64) ([]Token, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT id, label, prefix, created_at, last_used_at FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC, id DESC`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		var t Token
		var last sql.NullTime
		if err := rows.Scan(&t.ID, &t.Label, &t.Prefix, &t.CreatedAt, &last); err != nil {
			return nil, err
		}
		if last.Valid {
			t.LastUsedAt = &last.Time
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken deletes one of the account's tokens.
func (s *Service) RevokeToken(ctx context.Context, userID, tokenID int64) error {
	res, err := s.db.W.ExecContext(ctx, `DELETE FROM api_tokens WHERE id = $1 AND user_id = $2`, tokenID, userID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.New(errs.NotFound, "Jeton introuvable.", "Token not found.")
	}
	return nil
}

// ---- password and deletion ----

func (s *Service) checkCurrentPassword(ctx context.Context, userID int64, password string) error {
	var hash string
	if err := s.db.R.QueryRowContext(ctx, `SELECT password_hash FROM users WHERE id = $1`, userID).Scan(&hash); err != nil {
		return err
	}
	ok, err := CheckPassword(hash, password)
	if err != nil {
		return err
	}
	if !ok {
		return errs.Field("current_password", "Le mot de passe actuel est incorrect.", "The current password is wrong.")
	}
	return nil
}

// ChangePassword replaces the password after checking the current one and
// closes the account's other sessions.
func (s *Service) ChangePassword(ctx context.Context, userID int64, current, next, keepSession string) error {
	if err := s.checkCurrentPassword(ctx, userID, current); err != nil {
		return err
	}
	if err := validatePassword(next); err != nil {
		return err
	}
	hash, err := HashPassword(next)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3`, hash, s.now(), userID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2`, userID, keepSession)
		return err
	})
}

// SetPassword replaces the password without the current one (CLI, admin).
func (s *Service) SetPassword(ctx context.Context, userID int64, password string) error {
	if err := validatePassword(password); err != nil {
		return err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	res, err := s.db.W.ExecContext(ctx, `UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3`, hash, s.now(), userID)
	return mustAffect(res, err)
}

// DeleteAccount removes the account after checking its password (an empty
// password is accepted only when confirmed is true: API token holders).
func (s *Service) DeleteAccount(ctx context.Context, userID int64, password string, confirmed bool) error {
	if !confirmed {
		if err := s.checkCurrentPassword(ctx, userID, password); err != nil {
			return err
		}
	}
	s.mu.Lock()
	hooks := append([]DeleteHook(nil), s.deleteHooks...)
	s.mu.Unlock()
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		for _, h := range hooks {
			if err := h(ctx, tx, userID); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM users WHERE id = $1`, userID)
		return mustAffect(res, err)
	})
}
