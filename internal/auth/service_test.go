package auth

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/platform/db"
	"github.com/fabrique-des-energies/fabrique/internal/platform/db/dbtest"
	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
)

func each(t *testing.T, fn func(t *testing.T, s *Service, d *db.DB)) {
	dbtest.Migrated(t, []db.Migrations{Migrations()}, func(t *testing.T, d *db.DB) {
		fn(t, New(d, slog.New(slog.NewTextHandler(io.Discard, nil))), d)
	})
}

const pw = "une phrase de passe correcte"

func TestAccounts(t *testing.T) {
	each(t, func(t *testing.T, s *Service, d *db.DB) {
		ctx := context.Background()
		u, err := s.CreateUser(ctx, "Alice@Exemple.org", "Alice", pw, web.RoleMember)
		if err != nil {
			t.Fatal(err)
		}
		for _, email := range []string{"alice@exemple.org", "ALICE@EXEMPLE.ORG", " Alice@exemple.org "} {
			if _, err := s.CreateUser(ctx, email, "Autre", pw, web.RoleMember); !errs.Is(err, errs.Invalid) {
				t.Errorf("duplicate %q: %v", email, err)
			}
		}
		bad := []struct{ email, name, pw, field string }{
			{"pas-une-adresse", "X", pw, "email"},
			{"x@exemple", "X", pw, "email"},
			{"x@exemple.org", "", pw, "name"},
			{"x@exemple.org", "X", "onze carac.", "password"},
		}
		for _, b := range bad {
			_, err := s.CreateUser(ctx, b.email, b.name, b.pw, web.RoleMember)
			e, ok := errs.As(err)
			if !ok || e.Code != errs.Invalid || len(e.Details) == 0 || e.Details[0].Field != b.field {
				t.Errorf("%+v: %v", b, err)
			}
		}
		// 12 characters counted as characters, not bytes.
		if _, err := s.CreateUser(ctx, "e@exemple.org", "É", "éééééééééééé", web.RoleMember); err != nil {
			t.Errorf("12 accented characters: %v", err)
		}
		// The stored hash is argon2id, never the password.
		var hash string
		d.R.QueryRow(`SELECT password_hash FROM users WHERE id = $1`, u.ID).Scan(&hash)
		if !strings.HasPrefix(hash, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Contains(hash, pw) {
			t.Errorf("hash %q", hash)
		}
		got, err := s.UserByEmail(ctx, "ALICE@exemple.org")
		if err != nil || got.ID != u.ID {
			t.Fatalf("lookup: %v %v", got, err)
		}
		if _, err := s.UserByEmail(ctx, "nobody@exemple.org"); !errs.Is(err, errs.NotFound) {
			t.Errorf("missing user: %v", err)
		}
	})
}

func TestLoginSessionsAndThrottle(t *testing.T) {
	each(t, func(t *testing.T, s *Service, d *db.DB) {
		ctx := context.Background()
		s.SetLimits(Limits{AccountFailures: 3, IPFailures: 5, Window: time.Minute})
		if _, err := s.CreateUser(ctx, "bob@exemple.org", "Bob", pw, web.RoleModerator); err != nil {
			t.Fatal(err)
		}
		secret, u, err := s.Login(ctx, "BOB@exemple.org", pw, "10.0.0.1", "test")
		if err != nil || u.Role != web.RoleModerator {
			t.Fatalf("login: %v", err)
		}
		r := httptest.NewRequest("GET", "/", nil)
		r.AddCookie(&http.Cookie{Name: SessionCookie, Value: secret})
		id, err := s.Authenticate(r)
		if err != nil || id == nil || id.UserID != u.ID || id.Role != web.RoleModerator {
			t.Fatalf("authenticate: %+v %v", id, err)
		}
		// The session secret is not stored in clear.
		var n int
		d.R.QueryRow(`SELECT count(*) FROM sessions WHERE id_hash = $1`, secret).Scan(&n)
		if n != 0 {
			t.Error("session secret stored in clear")
		}
		// Wrong passwords: the account locks after 3 failures, with a clear message.
		for i := 0; i < 3; i++ {
			if _, _, err := s.Login(ctx, "bob@exemple.org", "mauvais mot de passe", "10.0.0.2", ""); !errs.Is(err, errs.Unauthorized) {
				t.Fatalf("failure %d: %v", i, err)
			}
		}
		_, _, err = s.Login(ctx, "bob@exemple.org", pw, "10.0.0.3", "")
		if e, ok := errs.As(err); !ok || e.Code != errs.TooMany || !strings.Contains(e.Message.FR, "ce compte") {
			t.Fatalf("account throttle: %v", err)
		}
		// Per address: unknown accounts from one address lock the address.
		for i := 0; i < 5; i++ {
			s.Login(ctx, "inconnu"+string(rune('a'+i))+"@exemple.org", "x", "10.0.0.9", "")
		}
		if _, err := s.CreateUser(ctx, "carol@exemple.org", "Carol", pw, web.RoleMember); err != nil {
			t.Fatal(err)
		}
		_, _, err = s.Login(ctx, "carol@exemple.org", pw, "10.0.0.9", "")
		if e, ok := errs.As(err); !ok || e.Code != errs.TooMany || !strings.Contains(e.Message.FR, "adresse réseau") {
			t.Fatalf("address throttle: %v", err)
		}
		if _, _, err := s.Login(ctx, "carol@exemple.org", pw, "10.0.0.10", ""); err != nil {
			t.Fatalf("another address still works: %v", err)
		}
		// The window passes: the account can sign in again.
		s.now = func() time.Time { return db.Now().Add(2 * time.Minute) }
		if _, _, err := s.Login(ctx, "bob@exemple.org", pw, "10.0.0.3", ""); err != nil {
			t.Fatalf("after the window: %v", err)
		}
		s.now = db.Now
		// Logout ends the session.
		if err := s.Logout(ctx, id.SessionID); err != nil {
			t.Fatal(err)
		}
		if id, _ := s.Authenticate(r); id != nil {
			t.Fatal("session still valid after logout")
		}
	})
}

func TestTokensBlockAndDelete(t *testing.T) {
	each(t, func(t *testing.T, s *Service, d *db.DB) {
		ctx := context.Background()
		u, _ := s.CreateUser(ctx, "dan@exemple.org", "Dan", pw, web.RoleMember)
		other, _ := s.CreateUser(ctx, "eve@exemple.org", "Eve", pw, web.RoleMember)
		secret, tok, err := s.CreateToken(ctx, u.ID, "script")
		if err != nil || !strings.HasPrefix(secret, TokenPrefix) {
			t.Fatal(err)
		}
		var stored int
		d.R.QueryRow(`SELECT count(*) FROM api_tokens WHERE token_hash = $1 OR prefix = $1`, secret).Scan(&stored)
		if stored != 0 {
			t.Fatal("token stored in clear")
		}
		r := httptest.NewRequest("GET", "/api/v1/me", nil)
		r.Header.Set("Authorization", "Bearer "+secret)
		id, err := s.Authenticate(r)
		if err != nil || id.UserID != u.ID || id.TokenID != tok.ID {
			t.Fatalf("token auth: %+v %v", id, err)
		}
		if err := s.RevokeToken(ctx, other.ID, tok.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("someone else's token: %v", err)
		}
		// Blocking stops sessions and tokens at once.
		sess, _, _ := s.Login(ctx, "dan@exemple.org", pw, "1.1.1.1", "")
		if err := s.Block(ctx, u.ID, "spam"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(r); !errs.Is(err, errs.Unauthorized) {
			t.Fatalf("token of a blocked account: %v", err)
		}
		rc := httptest.NewRequest("GET", "/", nil)
		rc.AddCookie(&http.Cookie{Name: SessionCookie, Value: sess})
		if id, _ := s.Authenticate(rc); id != nil {
			t.Fatal("session of a blocked account")
		}
		if _, _, err := s.Login(ctx, "dan@exemple.org", pw, "1.1.1.1", ""); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("login of a blocked account: %v", err)
		}
		if err := s.Unblock(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		// Deletion runs the hooks in the same transaction and removes tokens.
		hookRan := false
		s.OnDelete(func(ctx context.Context, tx *sql.Tx, userID int64) error {
			hookRan = userID == u.ID
			return nil
		})
		if err := s.DeleteAccount(ctx, u.ID, "faux mot de passe", false); !errs.Is(err, errs.Invalid) {
			t.Fatalf("delete with a wrong password: %v", err)
		}
		if err := s.DeleteAccount(ctx, u.ID, pw, false); err != nil || !hookRan {
			t.Fatalf("delete: %v hook=%v", err, hookRan)
		}
		var left int
		d.R.QueryRow(`SELECT count(*) FROM api_tokens WHERE user_id = $1`, u.ID).Scan(&left)
		if left != 0 {
			t.Fatal("tokens survive the account")
		}
	})
}

func TestPasswordHashing(t *testing.T) {
	h1, _ := HashPassword(pw)
	h2, _ := HashPassword(pw)
	if h1 == h2 {
		t.Fatal("same salt twice")
	}
	if ok, err := CheckPassword(h1, pw); !ok || err != nil {
		t.Fatal("right password refused")
	}
	if ok, _ := CheckPassword(h1, pw+"x"); ok {
		t.Fatal("wrong password accepted")
	}
	if _, err := CheckPassword("$argon2id$garbage", pw); err == nil {
		t.Fatal("malformed hash accepted")
	}
}
