// Command fabrique is the open information system of the Fabrique des
// Énergies: one binary for the web application, its API and its tools.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/fabrique-des-energies/fabrique/internal/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := app.Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
