package app_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"testing"

	"github.com/fabrique-des-energies/fabrique/internal/app"
)

func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// tableCounts counts the rows of every application table.
func tableCounts(t *testing.T, a *app.App) map[string]int {
	t.Helper()
	cols, err := a.DB.Schema(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, c := range cols {
		if _, done := out[c.Table]; done {
			continue
		}
		var n int
		if err := a.DB.R.QueryRow("SELECT count(*) FROM " + c.Table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[c.Table] = n
	}
	return out
}
