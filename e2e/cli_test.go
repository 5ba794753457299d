package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mailmeter/mailmeter/metering"
)

// checkCLI builds the mailmeter binary, backfills the maillog with it into
// a new SQLite file and checks "mailmeter usage --json" reports the
// expected totals: one object per mailbox, integer values.
func checkCLI(t *testing.T, maillog string, want expectation) {
	ctx := testContext(t, 5*time.Minute)
	dir := t.TempDir()
	bin := filepath.Join(dir, "mailmeter")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/mailmeter")
	build.Dir = ".." // the module root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/mailmeter: %v\n%s", err, out)
	}
	db := "sqlite:" + filepath.Join(dir, "mailmeter.db")
	out := runCLI(t, ctx, bin, "backfill", "--format", "auto", "--timezone", "Local", "--host", "e2e", maillog, "--db", db)
	t.Logf("mailmeter backfill: %s", bytes.TrimSpace(out))
	out = runCLI(t, ctx, bin, "usage", "--json", "--from", want.query.From.Format(time.RFC3339),
		"--to", want.query.To.Format(time.RFC3339), "--db", db)
	t.Logf("mailmeter usage --json: %s", bytes.Join(bytes.Fields(out), nil))
	got, err := usageJSON(out)
	if err != nil {
		t.Fatalf("mailmeter usage --json: %v\n%s", err, out)
	}
	if diff := cmp.Diff(want.usage, got); diff != "" {
		t.Errorf("mailmeter usage --json totals (-want +got):\n%s", diff)
	}
}

// runCLI runs the binary without MAILMETER_* variables from the
// environment, failing the test unless it exits 0.
func runCLI(t *testing.T, ctx context.Context, bin string, args ...string) []byte {
	t.Helper()
	cmd := exec.CommandContext(ctx, bin, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MAILMETER_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("mailmeter %s: %v\n%s%s", strings.Join(args, " "), err, stdout.Bytes(), stderr.Bytes())
	}
	return stdout.Bytes()
}

// usageJSON reads the output of "mailmeter usage --json": an object with
// the period and its rows, each with "mailbox" and one integer per counter
// metric.
func usageJSON(b []byte) (totals, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var doc struct {
		Period struct{ From, To string }
		Rows   []map[string]any
	}
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	if doc.Period.From == "" || doc.Period.To == "" {
		return nil, fmt.Errorf("no period in %s", b)
	}
	rows := doc.Rows
	got := totals{}
	for _, row := range rows {
		mb, ok := row["mailbox"].(string)
		if !ok || got[mb] != nil {
			return nil, fmt.Errorf("row %v: no mailbox, or one seen before", row)
		}
		got[mb] = map[metering.Metric]int64{}
		for _, m := range metering.CounterMetrics {
			n, ok := row[string(m)].(json.Number)
			if !ok {
				return nil, fmt.Errorf("%s: %s is %v, want a number", mb, m, row[string(m)])
			}
			v, err := n.Int64()
			if err != nil {
				return nil, fmt.Errorf("%s: %s is %s, want an integer", mb, m, n)
			}
			if v != 0 {
				got[mb][m] = v
			}
		}
		if len(got[mb]) == 0 {
			delete(got, mb)
		}
	}
	return got, nil
}
