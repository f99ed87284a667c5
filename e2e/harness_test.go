// Package e2e holds the browser journeys: the real application on a free
// port, driven by Debian's chromium through the DevTools protocol.
package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/fabrique-des-energies/fabrique/internal/app/apptest"
)

// chromiumPath finds the browser: $FABRIQUE_CHROMIUM, then the usual names.
func chromiumPath() string {
	if p := os.Getenv("FABRIQUE_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Browser returns a fresh browser tab (own profile, own cookies) for the
// test; it skips the test, saying why, when no chromium is installed.
func Browser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is required in CI (.ci/run installs the Debian package)")
		}
		t.Skip("browser journeys need chromium: install the Debian package `chromium` (or set FABRIQUE_CHROMIUM); .ci/run does it")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		// A French visitor: the site follows Accept-Language.
		chromedp.Flag("lang", "fr-FR"),
		chromedp.Flag("accept-lang", "fr-FR,fr"),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// Start runs the real app with demo content for a journey.
func Start(t *testing.T) *apptest.App { return apptest.Start(t, apptest.WithDemo()) }

// run executes browser steps and fails the test with the step's error.
func run(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		shot(t, ctx)
		t.Fatal(err)
	}
}

// shot saves a screenshot of the failing page next to the test's temp files.
func shot(t *testing.T, ctx context.Context) {
	b, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		return
	}
	p := filepath.Join(os.TempDir(), "fabrique-e2e-"+strings.ReplaceAll(t.Name(), "/", "_")+".png")
	if os.WriteFile(p, b, 0o644) == nil {
		t.Logf("screenshot of the failing page: %s", p)
	}
}

// text returns the visible text of the first element matching a CSS selector.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		shot(t, ctx)
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// location returns the current URL.
func location(t *testing.T, ctx context.Context) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var axeSource = func() string {
	_, file, _, _ := runtime.Caller(0)
	b, err := os.ReadFile(filepath.Join(filepath.Dir(file), "vendor", "axe-core", "axe.min.js"))
	if err != nil {
		return ""
	}
	return string(b)
}()

type axeViolation struct {
	ID      string `json:"id"`
	Impact  string `json:"impact"`
	Help    string `json:"help"`
	HelpURL string `json:"helpUrl"`
	Nodes   []struct {
		Target  []any  `json:"target"`
		HTML    string `json:"html"`
		Failure string `json:"failureSummary"`
	} `json:"nodes"`
}

// axe runs axe-core (WCAG 2.0/2.1 A and AA rules) on the current page and
// fails the test on any serious or critical violation.
func axe(t *testing.T, ctx context.Context) {
	t.Helper()
	if axeSource == "" {
		t.Fatal("e2e/vendor/axe-core/axe.min.js is missing: run scripts/vendor-assets.sh")
	}
	// The DevTools evaluation is not subject to the page's CSP, so the
	// page itself keeps its strict policy while axe runs.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](axeSource+";true")); err != nil {
		t.Fatalf("load axe-core: %v", err)
	}
	js := `axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a','wcag2aa','wcag21a','wcag21aa']}, resultTypes: ['violations']}).then(r => JSON.stringify(r.violations))`
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("run axe-core: %v", err)
	}
	var violations []axeViolation
	if err := json.Unmarshal([]byte(raw), &violations); err != nil {
		t.Fatalf("axe-core result: %v", err)
	}
	var bad []string
	for _, v := range violations {
		if v.Impact != "serious" && v.Impact != "critical" {
			continue
		}
		for _, n := range v.Nodes {
			bad = append(bad, fmt.Sprintf("%s (%s): %s — %v %s", v.ID, v.Impact, v.Help, n.Target, n.Failure))
		}
	}
	if len(bad) > 0 {
		t.Errorf("axe-core on %s: %d serious or critical violation(s):\n%s", location(t, ctx), len(bad), strings.Join(bad, "\n"))
	}
}
