package app_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/app"
	"github.com/fabrique-des-energies/fabrique/internal/platform/db/dbtest"
)

// TestMain lets the test binary act as the fabrique program when asked, so
// process-level behaviour (signals, exit codes) is tested on the real Main.
func TestMain(m *testing.M) {
	if os.Getenv("FABRIQUE_AS_MAIN") == "1" {
		ctx, stop := signalContext()
		code := app.Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

func cli(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	if len(args) > 0 {
		args = append(strings.Fields(args[0]), args[1:]...)
	}
	code := app.Main(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), code
}

func TestCLIUsersTokensAndBackup(t *testing.T) {
	dir := t.TempDir()
	if _, e, code := cli(t, "", "migrate", "--data", dir, "--log-level", "error"); code != 0 {
		t.Fatalf("migrate: %d %s", code, e)
	}
	// Password from stdin.
	out, e, code := cli(t, "une phrase de passe solide\n", "user add", "--data", dir, "--email", "Chloe@Exemple.org", "--name", "Chloé", "--role", "admin", "--log-level", "error")
	if code != 0 || !strings.Contains(out, "created") || strings.Contains(out, "password") {
		t.Fatalf("user add: %d %q %q", code, out, e)
	}
	// Generated password, printed once.
	out, _, code = cli(t, "", "user add", "--data", dir, "--email", "paul@exemple.org", "--name", "Paul", "--log-level", "error")
	m := regexp.MustCompile(`password \(shown once\): (\S+)`).FindStringSubmatch(out)
	if code != 0 || m == nil || len(m[1]) < 20 {
		t.Fatalf("generated password: %d %q", code, out)
	}
	// Case-insensitive uniqueness, with a clear message and exit status 1.
	_, e, code = cli(t, "une autre phrase longue\n", "user add", "--data", dir, "--email", "chloe@exemple.org", "--name", "X", "--log-level", "error")
	if code != 1 || !strings.Contains(e, "existe déjà") {
		t.Fatalf("duplicate email: %d %q", code, e)
	}
	_, e, code = cli(t, "court\n", "user add", "--data", dir, "--email", "z@exemple.org", "--name", "Z", "--log-level", "error")
	if code != 1 || !strings.Contains(e, "12 caractères") {
		t.Fatalf("short password: %d %q", code, e)
	}
	out, _, code = cli(t, "", "token create", "--data", dir, "--email", "CHLOE@exemple.org", "--label", "script", "--log-level", "error")
	token := strings.TrimSpace(out)
	if code != 0 || !strings.HasPrefix(token, "fab_") {
		t.Fatalf("token create: %d %q", code, out)
	}

	// Serve the store, use the token, and back up while it runs.
	a := startOn(t, dir)
	req, _ := http.NewRequest("GET", a+"/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"role":"admin"`) {
		t.Fatalf("token use: %d %s", resp.StatusCode, body)
	}
	copyDir := t.TempDir()
	backup := filepath.Join(copyDir, "fabrique.db")
	if out, e, code := cli(t, "", "backup", "--data", dir, "--to", backup, "--log-level", "error"); code != 0 {
		t.Fatalf("backup: %d %s %s", code, out, e)
	}
	if _, e, code := cli(t, "", "backup", "--data", dir, "--to", backup, "--log-level", "error"); code == 0 || !strings.Contains(e, "already exists") {
		t.Fatalf("backup over an existing file must fail: %d %s", code, e)
	}
	// The copy opens with the same content: the token still works there.
	b := startOn(t, copyDir)
	req, _ = http.NewRequest("GET", b+"/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body2, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body2) != string(body) {
		t.Fatalf("backup content differs: %s vs %s", body2, body)
	}
}

// startOn runs `fabrique serve --data dir` as a child process and returns its URL.
func startOn(t *testing.T, dir string, extra ...string) string {
	t.Helper()
	port := freePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	cmd := exec.Command(os.Args[0], append([]string{"serve", "--data", dir, "--addr", addr, "--log-level", "warn"}, extra...)...)
	cmd.Env = append(os.Environ(), "FABRIQUE_AS_MAIN=1")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() })
	waitUp(t, "http://"+addr)
	return "http://" + addr
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func waitUp(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("server at %s did not come up", base)
}

// SIGTERM during a slow request lets it finish, then the process exits 0
// and the store is closed cleanly.
func TestGracefulShutdown(t *testing.T) {
	dir := t.TempDir()
	port := freePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	cmd := exec.Command(os.Args[0], "serve", "--data", dir, "--addr", addr, "--log-format", "json")
	cmd.Env = append(os.Environ(), "FABRIQUE_AS_MAIN=1")
	var logs bytes.Buffer
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitUp(t, "http://"+addr)

	// A slow client: the request body arrives in two parts, with SIGTERM
	// sent in between, while the handler is reading it.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := "email=personne%40exemple.org&password=" + strings.Repeat("x", 20)
	fmt.Fprintf(conn, "POST /connexion HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\nSec-Fetch-Site: same-origin\r\n\r\n%s", addr, len(body), body[:10])
	time.Sleep(300 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if _, err := conn.Write([]byte(body[10:])); err != nil {
		t.Fatalf("the in-flight request was cut: %v", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to the in-flight request: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("in-flight request answered %d, want 422 (wrong password)", resp.StatusCode)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, logs.String())
	}
	if !strings.Contains(logs.String(), "database closed cleanly") {
		t.Fatalf("the store was not closed cleanly:\n%s", logs.String())
	}
	// New connections are refused after shutdown.
	if _, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		t.Fatal("still accepting connections after shutdown")
	}
}

func TestCLIUsageAndEnvironment(t *testing.T) {
	if _, _, code := cli(t, "", "nimporte"); code != 2 {
		t.Errorf("unknown command: %d", code)
	}
	_, e, code := cli(t, "", "serve", "--help")
	if code != 0 || !strings.Contains(e, "FABRIQUE_ADDR") || !strings.Contains(e, "FABRIQUE_DATABASE_URL") || !strings.Contains(e, "FABRIQUE_DATA]") {
		t.Errorf("serve --help: %d %s", code, e)
	}
	if _, e, code := cli(t, "", "user add", "--bogus"); code != 2 || !strings.Contains(e, "bogus") {
		t.Errorf("bad flag: %d %s", code, e)
	}
	out, _, code := cli(t, "", "version")
	if code != 0 || !strings.HasPrefix(out, "fabrique ") {
		t.Errorf("version: %d %q", code, out)
	}
	// The data directory comes from the environment when no flag is given.
	dir := t.TempDir()
	t.Setenv("FABRIQUE_DATA", dir)
	if _, e, code := cli(t, "", "migrate", "--log-level", "error"); code != 0 {
		t.Fatalf("migrate with FABRIQUE_DATA: %d %s", code, e)
	}
	if _, err := os.Stat(filepath.Join(dir, "fabrique.db")); err != nil {
		t.Fatalf("FABRIQUE_DATA was not used: %v", err)
	}
}

func TestBackupRefusedOnPostgres(t *testing.T) {
	if !dbtest.HasPostgres() {
		t.Skip("needs PostgreSQL: set " + dbtest.EnvPostgres)
	}
	u := dbtest.NewPostgresDatabase(t, os.Getenv(dbtest.EnvPostgres))
	_, e, code := cli(t, "", "backup", "--database", u, "--to", filepath.Join(t.TempDir(), "x.db"), "--log-level", "error")
	if code == 0 || !strings.Contains(e, "pg_dump") {
		t.Fatalf("backup on PostgreSQL: %d %s", code, e)
	}
}

// Demo content loads once: a second start adds nothing.
func TestDemoIsIdempotent(t *testing.T) {
	dir := t.TempDir()
	count := func() map[string]int {
		a, err := app.Build(context.Background(), app.Config{DataDir: dir, LogLevel: "error"}, quietLogger())
		if err != nil {
			t.Fatal(err)
		}
		defer a.DB.Close()
		if err := a.LoadDemo(context.Background()); err != nil {
			t.Fatal(err)
		}
		return tableCounts(t, a)
	}
	first := count()
	second := count()
	if first["users"] < 2 {
		t.Fatalf("demo created too few accounts: %v", first)
	}
	for k, v := range first {
		if second[k] != v {
			t.Errorf("table %s: %d rows after the first start, %d after the second", k, v, second[k])
		}
	}
}
