package auth

import (
	"embed"
	"net/http"
	"strconv"
	"strings"

	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/i18n"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
)

//go:embed templates
var templatesFS embed.FS

// Handlers are the account pages and API.
type Handlers struct {
	svc  *Service
	srv  *web.Server
	tmpl *web.Templates
}

// Mount registers the account routes.
func (s *Service) Mount(srv *web.Server) {
	h := &Handlers{svc: s, srv: srv, tmpl: srv.Templates(templatesFS, "templates/*.html")}
	srv.Handle(
		web.Route{Method: "GET", Pattern: "/inscription", Access: web.Public, Handler: h.signupForm},
		web.Route{Method: "POST", Pattern: "/inscription", Access: web.Public, Handler: h.signup},
		web.Route{Method: "GET", Pattern: "/connexion", Access: web.Public, Handler: h.loginForm},
		web.Route{Method: "POST", Pattern: "/connexion", Access: web.Public, Handler: h.login},
		// English aliases kept for API clients and links from elsewhere.
		web.Route{Method: "GET", Pattern: "/login", Access: web.Public, Handler: h.loginForm},
		web.Route{Method: "POST", Pattern: "/login", Access: web.Public, Handler: h.login},
		web.Route{Method: "POST", Pattern: "/deconnexion", Access: web.Public, Handler: h.logout},
		web.Route{Method: "GET", Pattern: "/compte", Access: web.SignedIn, Handler: h.account},
		web.Route{Method: "POST", Pattern: "/compte/mot-de-passe", Access: web.SignedIn, Handler: h.changePassword},
		web.Route{Method: "POST", Pattern: "/compte/jetons", Access: web.SignedIn, Handler: h.createToken},
		web.Route{Method: "POST", Pattern: "/compte/jetons/{id}/revoquer", Access: web.SignedIn, Owner: true, Sample: "/compte/jetons/1/revoquer", Handler: h.revokeToken},
		web.Route{Method: "POST", Pattern: "/compte/supprimer", Access: web.SignedIn, Handler: h.deleteAccount},
		web.Route{Method: "GET", Pattern: "/admin/utilisateurs", Access: web.Admin, Handler: h.adminUsers},
		web.Route{Method: "POST", Pattern: "/admin/utilisateurs/{id}/role", Access: web.Admin, Sample: "/admin/utilisateurs/1/role", Handler: h.adminSetRole},
		web.Route{Method: "GET", Pattern: "/api/v1/me", Access: web.SignedIn, Handler: h.apiMe},
		web.Route{Method: "GET", Pattern: "/api/v1/me/tokens", Access: web.SignedIn, Handler: h.apiTokens},
		web.Route{Method: "DELETE", Pattern: "/api/v1/me", Access: web.SignedIn, Handler: h.apiDeleteMe},
	)
}

type authForm struct {
	Email, Name, Next string
	Errors            []string
	Invalid           map[string]bool
}

func (h *Handlers) signupForm(w http.ResponseWriter, r *http.Request) error {
	if web.CurrentUser(r.Context()) != nil {
		return web.Redirect(w, r, "/compte")
	}
	return h.tmpl.Render(w, r, http.StatusOK, "signup", &web.Page{
		Title: i18n.T("Créer un compte", "Create an account").In(web.Lang(r.Context())),
		Data:  authForm{Next: web.SafeNext(r.URL.Query().Get("suivant"), "")}})
}

func (h *Handlers) signup(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return errs.Wrap(errs.Invalid, err, "Formulaire illisible.", "Unreadable form.")
	}
	lang := web.Lang(r.Context())
	f := authForm{Email: r.PostFormValue("email"), Name: r.PostFormValue("name"), Next: web.SafeNext(r.PostFormValue("suivant"), "")}
	pw := r.PostFormValue("password")
	var err error
	if pw != r.PostFormValue("password_confirm") {
		err = errs.Field("password_confirm", "Les deux mots de passe ne sont pas identiques.", "The two passwords differ.")
	} else {
		_, err = h.svc.CreateUser(r.Context(), f.Email, f.Name, pw, web.RoleMember)
	}
	if err != nil {
		if !errs.Is(err, errs.Invalid) {
			return err
		}
		f.Errors, f.Invalid = web.FormErrors(lang, err)
		return h.tmpl.Render(w, r, http.StatusUnprocessableEntity, "signup", &web.Page{Title: i18n.T("Créer un compte", "Create an account").In(lang), Data: f})
	}
	secret, u, err := h.svc.Login(r.Context(), f.Email, pw, web.ClientIP(r), r.UserAgent())
	if err != nil {
		return err
	}
	h.setSession(w, r, secret)
	if l := web.Lang(r.Context()); l != u.Lang {
		_ = h.svc.SetLang(r.Context(), u.ID, l)
	}
	web.SetFlash(w, i18n.T("Bienvenue ! Votre compte est créé.", "Welcome! Your account has been created.").In(lang))
	return web.Redirect(w, r, web.SafeNext(f.Next, "/compte"))
}

func (h *Handlers) setSession(w http.ResponseWriter, r *http.Request, secret string) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: secret, Path: "/", HttpOnly: true,
		Secure: h.svc.SecureCookies || r.TLS != nil, SameSite: http.SameSiteLaxMode, MaxAge: int(SessionLifetime.Seconds())})
}

func (h *Handlers) loginForm(w http.ResponseWriter, r *http.Request) error {
	if r.URL.Path == "/login" {
		http.Redirect(w, r, "/connexion"+strings.TrimPrefix(r.URL.RequestURI(), "/login"), http.StatusMovedPermanently)
		return nil
	}
	next := web.SafeNext(r.URL.Query().Get("suivant"), "")
	if web.CurrentUser(r.Context()) != nil {
		return web.Redirect(w, r, web.SafeNext(next, "/compte"))
	}
	return h.tmpl.Render(w, r, http.StatusOK, "login", &web.Page{
		Title: i18n.T("Se connecter", "Sign in").In(web.Lang(r.Context())), Data: authForm{Next: next}})
}

func (h *Handlers) login(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return errs.Wrap(errs.Invalid, err, "Formulaire illisible.", "Unreadable form.")
	}
	lang := web.Lang(r.Context())
	f := authForm{Email: r.PostFormValue("email"), Next: web.SafeNext(r.PostFormValue("suivant"), "")}
	secret, _, err := h.svc.Login(r.Context(), f.Email, r.PostFormValue("password"), web.ClientIP(r), r.UserAgent())
	if err != nil {
		code := errs.CodeOf(err)
		if code != errs.Unauthorized && code != errs.TooMany && code != errs.Forbidden {
			return err
		}
		f.Errors, _ = web.FormErrors(lang, err)
		f.Invalid = map[string]bool{"email": code == errs.Unauthorized, "password": code == errs.Unauthorized}
		if code == errs.TooMany {
			w.Header().Set("Retry-After", "900")
		}
		status := web.StatusOf(code)
		if code == errs.Unauthorized {
			// A form answer, not an HTTP authentication challenge.
			status = http.StatusUnprocessableEntity
		}
		return h.tmpl.Render(w, r, status, "login", &web.Page{Title: i18n.T("Se connecter", "Sign in").In(lang), Data: f})
	}
	h.setSession(w, r, secret)
	return web.Redirect(w, r, web.SafeNext(f.Next, "/compte"))
}

func (h *Handlers) logout(w http.ResponseWriter, r *http.Request) error {
	if id := web.CurrentUser(r.Context()); id != nil && id.SessionID != "" {
		if err := h.svc.Logout(r.Context(), id.SessionID); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	web.SetFlash(w, i18n.T("Vous êtes déconnecté·e.", "You are signed out.").In(web.Lang(r.Context())))
	return web.Redirect(w, r, "/")
}

type accountView struct {
	User     User
	Tokens   []Token
	NewToken string
	Errors   []string
	Invalid  map[string]bool
}

func (h *Handlers) renderAccount(w http.ResponseWriter, r *http.Request, status int, v accountView) error {
	id := web.CurrentUser(r.Context())
	u, err := h.svc.UserByID(r.Context(), id.UserID)
	if err != nil {
		return err
	}
	toks, err := h.svc.Tokens(r.Context(), id.UserID)
	if err != nil {
		return err
	}
	v.User, v.Tokens = u, toks
	return h.tmpl.Render(w, r, status, "account", &web.Page{Title: i18n.T("Mon compte", "My account").In(web.Lang(r.Context())), Data: v})
}

func (h *Handlers) account(w http.ResponseWriter, r *http.Request) error {
	return h.renderAccount(w, r, http.StatusOK, accountView{})
}

func (h *Handlers) changePassword(w http.ResponseWriter, r *http.Request) error {
	id := web.CurrentUser(r.Context())
	lang := web.Lang(r.Context())
	next := r.PostFormValue("new_password")
	var err error
	if next != r.PostFormValue("new_password_confirm") {
		err = errs.Field("new_password_confirm", "Les deux nouveaux mots de passe ne sont pas identiques.", "The two new passwords differ.")
	} else {
		err = h.svc.ChangePassword(r.Context(), id.UserID, r.PostFormValue("current_password"), next, id.SessionID)
	}
	if err != nil {
		if !errs.Is(err, errs.Invalid) {
			return err
		}
		msgs, inv := web.FormErrors(lang, err)
		return h.renderAccount(w, r, http.StatusUnprocessableEntity, accountView{Errors: msgs, Invalid: inv})
	}
	web.SetFlash(w, i18n.T("Mot de passe changé. Vos autres sessions sont fermées.", "Password changed. Your other sessions are closed.").In(lang))
	return web.Redirect(w, r, "/compte")
}

func (h *Handlers) createToken(w http.ResponseWriter, r *http.Request) error {
	id := web.CurrentUser(r.Context())
	secret, _, err := h.svc.CreateToken(r.Context(), id.UserID, r.PostFormValue("label"))
	if err != nil {
		if !errs.Is(err, errs.Invalid) {
			return err
		}
		msgs, inv := web.FormErrors(web.Lang(r.Context()), err)
		return h.renderAccount(w, r, http.StatusUnprocessableEntity, accountView{Errors: msgs, Invalid: inv})
	}
	// The secret is shown on this answer only; it is never stored in clear.
	return h.renderAccount(w, r, http.StatusCreated, accountView{NewToken: secret})
}

func (h *Handlers) revokeToken(w http.ResponseWriter, r *http.Request) error {
	id := web.CurrentUser(r.Context())
	tokID, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return errs.New(errs.NotFound, "Jeton introuvable.", "Token not found.")
	}
	if err := h.svc.RevokeToken(r.Context(), id.UserID, tokID); err != nil {
		if errs.Is(err, errs.NotFound) {
			// Someone else's token: same answer as a missing one would leak
			// nothing, but the rule is "owner only", so say forbidden.
			return errs.New(errs.Forbidden, "Ce jeton n'est pas à vous ou n'existe plus.", "This token is not yours or no longer exists.")
		}
		return err
	}
	web.SetFlash(w, i18n.T("Jeton révoqué.", "Token revoked.").In(web.Lang(r.Context())))
	return web.Redirect(w, r, "/compte")
}

func (h *Handlers) deleteAccount(w http.ResponseWriter, r *http.Request) error {
	id := web.CurrentUser(r.Context())
	lang := web.Lang(r.Context())
	if r.PostFormValue("confirm") != "oui" {
		return h.renderAccount(w, r, http.StatusUnprocessableEntity, accountView{
			Errors:  []string{i18n.T("Cochez la case de confirmation pour supprimer le compte.", "Tick the confirmation box to delete the account.").In(lang)},
			Invalid: map[string]bool{"confirm": true}})
	}
	if err := h.svc.DeleteAccount(r.Context(), id.UserID, r.PostFormValue("password"), false); err != nil {
		if !errs.Is(err, errs.Invalid) {
			return err
		}
		msgs, inv := web.FormErrors(lang, err)
		return h.renderAccount(w, r, http.StatusUnprocessableEntity, accountView{Errors: msgs, Invalid: inv})
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	web.SetFlash(w, i18n.T("Votre compte et ses données ont été supprimés.", "Your account and its data have been deleted.").In(lang))
	return web.Redirect(w, r, "/")
}

type adminUsersView struct {
	Users []User
	Roles []web.Role
}

func (h *Handlers) adminUsers(w http.ResponseWriter, r *http.Request) error {
	users, err := h.svc.ListUsers(r.Context())
	if err != nil {
		return err
	}
	return h.tmpl.Render(w, r, http.StatusOK, "admin_users", &web.Page{
		Title: i18n.T("Comptes", "Accounts").In(web.Lang(r.Context())), Data: adminUsersView{Users: users, Roles: web.Roles}})
}

func (h *Handlers) adminSetRole(w http.ResponseWriter, r *http.Request) error {
	uid, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return errs.New(errs.NotFound, "Compte introuvable.", "Account not found.")
	}
	if me := web.CurrentUser(r.Context()); me.UserID == uid {
		return errs.New(errs.Invalid, "Vous ne pouvez pas changer votre propre rôle.", "You cannot change your own role.")
	}
	if err := h.svc.SetRole(r.Context(), uid, web.Role(r.PostFormValue("role"))); err != nil {
		return err
	}
	web.SetFlash(w, i18n.T("Rôle mis à jour.", "Role updated.").In(web.Lang(r.Context())))
	return web.Redirect(w, r, "/admin/utilisateurs")
}

// MeJSON is the API view of the signed-in account.
type MeJSON struct {
	ID    int64  `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
	Role  string `json:"role"`
	Lang  string `json:"lang"`
}

func (h *Handlers) apiMe(w http.ResponseWriter, r *http.Request) error {
	id := web.CurrentUser(r.Context())
	web.WriteJSON(w, http.StatusOK, MeJSON{ID: id.UserID, Email: id.Email, Name: id.Name, Role: string(id.Role), Lang: id.Lang})
	return nil
}

func (h *Handlers) apiTokens(w http.ResponseWriter, r *http.Request) error {
	toks, err := h.svc.Tokens(r.Context(), web.CurrentUser(r.Context()).UserID)
	if err != nil {
		return err
	}
	type tj struct {
		ID         int64   `json:"id"`
		Label      string  `json:"label"`
		Prefix     string  `json:"prefix"`
		CreatedAt  string  `json:"created_at"`
		LastUsedAt *string `json:"last_used_at"`
	}
	out := []tj{}
	for _, t := range toks {
		x := tj{ID: t.ID, Label: t.Label, Prefix: t.Prefix, CreatedAt: t.CreatedAt.Format("2006-01-02T15:04:05Z07:00")}
		if t.LastUsedAt != nil {
			s := t.LastUsedAt.Format("2006-01-02T15:04:05Z07:00")
			x.LastUsedAt = &s
		}
		out = append(out, x)
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": out})
	return nil
}

func (h *Handlers) apiDeleteMe(w http.ResponseWriter, r *http.Request) error {
	id := web.CurrentUser(r.Context())
	// A bearer token proves possession; a browser session must confirm with
	// the password in the X-Confirm-Password header.
	confirmed := id.TokenID != 0
	if err := h.svc.DeleteAccount(r.Context(), id.UserID, r.Header.Get("X-Confirm-Password"), confirmed); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
