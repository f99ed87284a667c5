package regie

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/auth"
	"github.com/fabrique-des-energies/fabrique/internal/platform/db"
	"github.com/fabrique-des-energies/fabrique/internal/platform/db/dbtest"
	"github.com/fabrique-des-energies/fabrique/internal/platform/web"
	"github.com/fabrique-des-energies/fabrique/internal/regie/meterfile"
	"github.com/fabrique-des-energies/fabrique/internal/territory"
)

// env is a data trust on a real store with its accounts.
type env struct {
	t    testing.TB
	ctx  context.Context
	db   *db.DB
	auth *auth.Service
	svc  *Service
	// clock is the service's time, moved by tests.
	clock *atomic.Int64
}

func testMigrations() []db.Migrations { return []db.Migrations{auth.Migrations(), Migrations()} }

// eachStore runs fn on SQLite and, when configured, PostgreSQL.
func eachStore(t *testing.T, fn func(t *testing.T, e *env)) {
	dbtest.Migrated(t, testMigrations(), func(t *testing.T, d *db.DB) {
		fn(t, newEnv(t, d))
	})
}

func newEnv(t testing.TB, d *db.DB) *env {
	a := auth.New(d, nil)
	svc, err := New(d, nil, a, territory.Default(), DefaultSettings())
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, ctx: context.Background(), db: d, auth: a, svc: svc, clock: &atomic.Int64{}}
	e.clock.Store(time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC).UnixMicro())
	svc.SetClock(func() time.Time { return time.UnixMicro(e.clock.Load()).UTC() })
	a.OnDelete(svc.EraseAccount)
	return e
}

func (e *env) now() time.Time { return time.UnixMicro(e.clock.Load()).UTC() }

func (e *env) advance(d time.Duration) { e.clock.Add(d.Microseconds()) }

var userSeq atomic.Int64

func (e *env) user(name string) auth.User {
	e.t.Helper()
	email := fmt.Sprintf("%s%d@test.example", name, userSeq.Add(1))
	u, err := e.auth.CreateUser(e.ctx, email, name, "correct horse battery staple", web.RoleMember)
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

var prmSeq atomic.Int64

func nextPRM() string { return fmt.Sprintf("%014d", 30000000000000+prmSeq.Add(1)) }

// meter registers a new meter for u.
func (e *env) meter(u auth.User, commune string) Meter {
	e.t.Helper()
	m, err := e.svc.AddMeter(e.ctx, u.ID, nextPRM(), "maison", commune)
	if err != nil {
		e.t.Fatal(err)
	}
	return m
}

// watts draws a plausible household curve in W (average power per step).
func watts(seed uint64, n int) []int64 {
	r := rand.New(rand.NewPCG(seed, 7))
	out := make([]int64, n)
	for i := range out {
		out[i] = int64(150 + r.IntN(2500))
	}
	return out
}

// customerFile writes a customer load-curve export of n steps from start.
func customerFile(t testing.TB, prm string, start time.Time, step time.Duration, w []int64) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := meterfile.WriteCustomerExport(&b, prm, start, step, w); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// importDays imports a 30-minute file of `days` days from start for m.
func (e *env) importDays(u auth.User, m Meter, start time.Time, days int, seed uint64) ImportResult {
	e.t.Helper()
	res, err := e.svc.Import(e.ctx, u.ID, m.PRM, customerFile(e.t, m.PRM, start, 30*time.Minute, watts(seed, days*48)), ImportOptions{})
	if err != nil {
		e.t.Fatal(err)
	}
	return res
}

// recipient creates a recipient with one acting account.
func (e *env) recipient(kind RecipientKind, name string) (Recipient, auth.User) {
	e.t.Helper()
	sp := RecipientSpec{Kind: kind, Name: name}
	if kind == KindTerritory {
		sp.TerritoryKind, sp.TerritoryCode = "epci", "242900769"
	}
	r, err := e.svc.CreateRecipient(e.ctx, 0, sp)
	if err != nil {
		e.t.Fatal(err)
	}
	u := e.user("agent")
	if err := e.svc.AddRecipientMember(e.ctx, 0, r.ID, u.ID); err != nil {
		e.t.Fatal(err)
	}
	return r, u
}

var jan2025 = time.Date(2024, 12, 31, 23, 0, 0, 0, time.UTC) // 1 January 2025, 00:00 in Paris
