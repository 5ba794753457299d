package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// A Maildir folder whose name is not UTF-8 (a Latin-1 "ü") once stopped
// storage metering for the whole tree on PostgreSQL: every flush failed
// with `invalid byte sequence for encoding "UTF8"`. collect now stores
// every mailbox, the name escaped, and counts the folder it had to skip.
func TestCollectMaildirsWithOddFolderNames(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { collectOddFolders(t, "sqlite:"+filepath.Join(t.TempDir(), "m.db")) })
	t.Run("postgres", func(t *testing.T) { collectOddFolders(t, storetest.PostgresURL(t)) })
}

func collectOddFolders(t *testing.T, dsn string) {
	dir := t.TempDir()
	vmail := filepath.Join(dir, "vmail")
	for _, d := range []string{"bob", "bob/.Entw\xfcrfe", "bob/.not..maildir++", "carol"} {
		for _, sub := range []string{"cur", "new", "tmp"} {
			if err := os.MkdirAll(filepath.Join(vmail, "acme.example", d, sub), 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	writeFile(t, filepath.Join(vmail, "acme.example", "bob", ".Entw\xfcrfe", "cur", "1.b,S=200:2,S"), "x")
	writeFile(t, filepath.Join(vmail, "acme.example", "carol", "cur", "1.c,S=300:2,S"), "x")
	metricsAddr := freeAddr(t)
	conf := filepath.Join(dir, "c.yaml")
	writeFile(t, conf, fmt.Sprintf("db: %s\nmaildirs:\n  - {root: %s, layout: \"%%d/%%n\"}\ncollect:\n  flush_interval: 50ms\n", dsn, vmail))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan result, 1)
	go func() {
		var out, errb bytes.Buffer
		code := run(ctx, []string{"collect", "--config", conf, "--metrics-listen", metricsAddr}, env{stdout: &out, stderr: &errb, getenv: func(string) string { return "" }})
		done <- result{code, out.String(), errb.String()}
	}()
	stored := func() map[string]int64 {
		out := map[string]int64{}
		s, err := store.Open(context.Background(), dsn, nil)
		if err != nil {
			return out
		}
		defer s.Close()
		gs, _ := s.Gauges(context.Background(), metering.UsageQuery{From: time.Now().Add(-2 * time.Hour), To: time.Now().Add(time.Hour)})
		for _, g := range gs {
			if g.Metric == metering.StorageBytes {
				out[g.Mailbox+"/"+g.Folder] = g.Last
			}
		}
		return out
	}
	waitFor(t, func() bool {
		g := stored()
		return g["carol@acme.example/"] == 300 && g[`bob@acme.example/Entw\xfcrfe`] == 200 && g["bob@acme.example/"] == 200
	})
	resp, err := http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := fmt.Sprintf(`mailmeter_maildir_problems_total{kind="unknown",maildir="%s"}`, filepath.Join(vmail, "%d", "%n")); !strings.Contains(string(body), want) {
		t.Errorf("/metrics lacks %s:\n%s", want, body)
	}
	cancel()
	select {
	case r := <-done:
		if r.code != 0 {
			t.Errorf("collect exit %d: %s", r.code, r.stderr)
		}
		if !strings.Contains(r.stderr, "not..maildir++") {
			t.Errorf("the skipped folder was not logged: %s", r.stderr)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("collect did not stop")
	}
}
