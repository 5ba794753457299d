package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/api"
)

type result struct {
	code           int
	stdout, stderr string
}

func runCLI(t *testing.T, vars map[string]string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, env{
		stdin: strings.NewReader(""), stdout: &out, stderr: &errb,
		getenv: func(k string) string { return vars[k] },
	})
	return result{code, out.String(), errb.String()}
}

func TestHelpAndUnknown(t *testing.T) {
	if r := runCLI(t, nil, "--help"); r.code != 0 || !strings.Contains(r.stdout, "mailbox") || !strings.Contains(r.stdout, "--db URL") {
		t.Errorf("--help: %+v", r)
	}
	if r := runCLI(t, nil, "frobnicate"); r.code != 2 || !strings.Contains(r.stderr, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: %+v", r)
	}
	if r := runCLI(t, nil, "mailbox", "add", "--help"); r.code != 0 || !strings.Contains(r.stdout, "--created") {
		t.Errorf("mailbox add --help: %+v", r)
	}
	if r := runCLI(t, nil, "mailbox", "add"); r.code != 2 || !strings.Contains(r.stderr, "usage: mailmeter mailbox add") {
		t.Errorf("missing argument: %+v", r)
	}
	if r := runCLI(t, nil, "version"); r.code != 0 || !strings.HasPrefix(r.stdout, "mailmeter ") {
		t.Errorf("version: %+v", r)
	}
}

func TestDirectoryCLI(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "m.db")
	vars := map[string]string{"MAILMETER_DB": db, "MAILMETER_CONFIG": plansConfig(t, "gold")}
	steps := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"customer", "add", "acme", "--name", "Acme GmbH", "--timezone", "Europe/Berlin"}, 0, "customer acme added"},
		{[]string{"customer", "add", "acme", "--name", "Again"}, 1, "already exists"},
		{[]string{"customer", "add", "bad", "--name", "B", "--currency", "EURO"}, 1, "currency"},
		{[]string{"domain", "add", "Acme.Example", "--customer", "acme"}, 0, "domain acme.example added"},
		{[]string{"domain", "add", "x.example", "--customer", "ghost"}, 1, "customer ghost does not exist"},
		{[]string{"mailbox", "add", "Bob@ACME.example", "--created", "2026-01-01T00:00:00Z"}, 0, "mailbox bob@acme.example added"},
		{[]string{"mailbox", "add", "bob@acme.example"}, 1, "already exists"},
		{[]string{"mailbox", "add", "not an address"}, 1, "want local-part@domain"},
		{[]string{"mailbox", "add", "a@unknown.example"}, 1, "domain unknown.example does not exist"},
		{[]string{"mailbox", "add", "c@acme.example", "--created", "yesterday"}, 2, "RFC 3339"},
		{[]string{"mailbox", "add", "carol@acme.example", "--created", "2026-10-01T00:00:00Z"}, 0, "added"},
		{[]string{"mailbox", "remove", "carol@acme.example", "--at", "2026-11-01T00:00:00Z"}, 0, "removed"},
		{[]string{"mailbox", "remove", "carol@acme.example"}, 1, "does not exist"},
		{[]string{"customer", "update", "acme", "--plan", "gold", "--currency", "chf"}, 0, `customer acme updated: Acme GmbH, CHF, Europe/Berlin, plan "gold"`},
		{[]string{"customer", "update", "acme", "--plan", "platinum"}, 1, `plan "platinum" is not defined; define the plan under billing.plans`},
		{[]string{"customer", "update", "acme"}, 2, "nothing to change"},
		{[]string{"customer", "update", "acme", "--timezone", "Nowhere/Land"}, 1, "timezone"},
		{[]string{"customer", "add", "globex", "--name", "Globex"}, 0, "added"},
		{[]string{"customer", "remove", "acme"}, 1, "still owns domains (acme.example)"},
		{[]string{"domain", "remove", "acme.example"}, 1, "active mailboxes"},
		{[]string{"domain", "move", "acme.example", "--customer", "globex"}, 0, "domain acme.example moved to customer globex"},
		{[]string{"domain", "move", "acme.example", "--customer", "ghost"}, 1, "customer ghost does not exist"},
		{[]string{"customer", "remove", "acme"}, 0, "customer acme removed"},
		{[]string{"customer", "add", "acme", "--name", "Again"}, 1, "ids are not reused"},
		{[]string{"domain", "add", "spare.example", "--customer", "globex"}, 0, "added"},
		{[]string{"domain", "remove", "spare.example"}, 0, "domain spare.example removed"},
		{[]string{"domain", "remove", "spare.example"}, 1, "does not exist"},
		{[]string{"domain", "frobnicate"}, 2, "want add, move, remove or list"},
	}
	for _, s := range steps {
		r := runCLI(t, vars, s.args...)
		if r.code != s.code || !strings.Contains(r.stdout+r.stderr, s.want) {
			t.Errorf("%v: code %d, out %q, err %q; want code %d and %q", s.args, r.code, r.stdout, r.stderr, s.code, s.want)
		}
	}
	// A global flag after the subcommand overrides the environment.
	r := runCLI(t, map[string]string{"MAILMETER_DB": "sqlite:" + filepath.Join(t.TempDir(), "other.db")}, "mailbox", "list", "--all", "--json", "--db", db)
	var got []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || r.code != 0 {
		t.Fatalf("mailbox list --json: %v %+v", err, r)
	}
	if len(got) != 2 || got[0]["address"] != "bob@acme.example" || got[1]["deleted_at"] != "2026-11-01T00:00:00Z" {
		t.Errorf("listed %v", got)
	}
	// A global flag before the subcommand works too.
	if r := runCLI(t, nil, "--db", db, "customer", "list"); r.code != 0 || !strings.Contains(r.stdout, "Globex") || strings.Contains(r.stdout, "acme") {
		t.Errorf("customer list: %+v", r)
	}
}

func TestDirectoryImportCLI(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "m.db")
	file := filepath.Join(dir, "boxes.csv")
	writeFile(t, file, "address,customer\nalice@one.example,one\nbroken,one\nbob@one.example,one\n")
	r := runCLI(t, nil, "directory", "import", file, "--db", db)
	if r.code != 1 || !strings.Contains(r.stderr, "boxes.csv:3: rejected") || !strings.Contains(r.stdout, "2 mailboxes created") {
		t.Errorf("import: %+v", r)
	}
	r = runCLI(t, nil, "directory", "import", file, "--db", db)
	if !strings.Contains(r.stdout, "0 mailboxes created, 2 already present") {
		t.Errorf("re-import: %+v", r)
	}
}

func TestInvalidConfigNamesKey(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "c.yaml")
	writeFile(t, cfg, "listen: nowhere\n")
	if r := runCLI(t, nil, "migrate", "status", "--config", cfg); r.code != 1 || !strings.Contains(r.stderr, "listen") {
		t.Errorf("bad listen: %+v", r)
	}
	writeFile(t, cfg, "colour: blue\n")
	if r := runCLI(t, nil, "migrate", "status", "--config", cfg); r.code != 1 || !strings.Contains(r.stderr, "colour") {
		t.Errorf("unknown key: %+v", r)
	}
	if r := runCLI(t, map[string]string{"MAILMETER_DB": "mysql://x"}, "migrate", "status"); r.code != 1 || !strings.Contains(r.stderr, "db:") {
		t.Errorf("bad db: %+v", r)
	}
}

func TestServeHealthAndShutdown(t *testing.T) {
	addr := freeAddr(t)
	db := "sqlite:" + filepath.Join(t.TempDir(), "m.db")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan result, 1)
	go func() {
		var out, errb bytes.Buffer
		code := run(ctx, []string{"serve", "--dev", "--listen", addr, "--db", db}, env{stdout: &out, stderr: &errb, getenv: func(string) string { return "" }})
		done <- result{code, out.String(), errb.String()}
	}()
	waitFor(t, func() bool { return get(addr, "/healthz") == http.StatusOK })
	if c := get(addr, "/readyz"); c != http.StatusOK {
		t.Errorf("readyz = %d", c)
	}
	cancel()
	select {
	case r := <-done:
		if r.code != 0 {
			t.Errorf("serve exit %d: %s", r.code, r.stderr)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
}

// In-flight requests finish before the server stops.
func TestGracefulShutdown(t *testing.T) {
	addr := freeAddr(t)
	entered, release := make(chan struct{}), make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		io.WriteString(w, "finished")
	})
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		errc <- serveHTTP(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)), addr, h, api.Timeouts{})
	}()
	waitFor(t, func() bool {
		c, err := net.Dial("tcp", addr)
		ok := err == nil
		if ok {
			c.Close()
		}
		return ok
	})
	body := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/slow")
		if err != nil {
			body <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body <- string(b)
	}()
	<-entered
	cancel()
	close(release)
	if b := <-body; b != "finished" {
		t.Errorf("in-flight request got %q", b)
	}
	if err := <-errc; err != nil {
		t.Errorf("serveHTTP: %v", err)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func get(addr, path string) int {
	resp, err := http.Get("http://" + addr + path)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		pause()
	}
}
