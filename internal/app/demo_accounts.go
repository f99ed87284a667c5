package app

import (
	"context"

	"github.com/fabrique-des-energies/fabrique/internal/auth"
	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
)

// DemoAdminEmail is the demo administrator's address.
const DemoAdminEmail = "admin@demo.example"

// DemoAccount is an example account created by --demo.
type DemoAccount struct {
	Email, Name string
	Role        web.Role
}

// DemoAccounts are the example accounts besides the administrator. Their
// password is printed once in the log with the administrator's.
var DemoAccounts = []DemoAccount{
	{"moderation@demo.example", "Sacha Moderation (exemple)", web.RoleModerator},
	{"camille.martin@demo.example", "Camille Martin (exemple)", web.RoleMember},
	{"yann.le-goff@demo.example", "Yann Le Goff (exemple)", web.RoleMember},
	{"ines.bernard@demo.example", "Inès Bernard (exemple)", web.RoleMember},
	{"paul.roux@demo.example", "Paul Roux (exemple)", web.RoleMember},
}

// seedAccounts creates the demo administrator and members. Passwords are
// random and logged once; they are never stored in clear.
func seedAccounts(ctx context.Context, a *App) error {
	adminPw := auth.GeneratePassword()
	if _, err := a.Auth.CreateUser(ctx, DemoAdminEmail, "Administration de démonstration", adminPw, web.RoleAdmin); err != nil && !errs.Is(err, errs.Invalid) {
		return err
	}
	memberPw := auth.GeneratePassword()
	for _, d := range DemoAccounts {
		if _, err := a.Auth.CreateUser(ctx, d.Email, d.Name, memberPw, d.Role); err != nil && !errs.Is(err, errs.Invalid) {
			return err
		}
	}
	a.Log.Warn("demo accounts created: these passwords are shown only once",
		"admin_email", DemoAdminEmail, "admin_password", adminPw,
		"other_accounts_password", memberPw, "other_accounts", len(DemoAccounts))
	return nil
}
