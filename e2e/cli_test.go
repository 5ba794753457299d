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
	csv := "address,customer,customer_name,created_at\n"
	hosted := map[string]bool{}
	for _, mb := range vmailboxes() {
		csv += mb[0] + ",e2e,E2E," + want.query.From.Add(-24*time.Hour).Format(time.RFC3339) + "\n"
		hosted[mb[0]] = true
	}
	csvPath := filepath.Join(dir, "directory.csv")
	if err := os.WriteFile(csvPath, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	runCLI(t, ctx, bin, "directory", "import", csvPath, "--db", db)
	wantHosted, wantUnknown := totals{}, totals{}
	for mb, u := range want.usage {
		if hosted[mb] {
			wantHosted[mb] = u
		} else {
			wantUnknown[mb] = u
		}
	}
	period := []string{"--from", want.query.From.Format(time.RFC3339), "--to", want.query.To.Format(time.RFC3339), "--db", db}
	out = runCLI(t, ctx, bin, append([]string{"usage", "--json"}, period...)...)
	t.Logf("mailmeter usage --json: %s", bytes.Join(bytes.Fields(out), nil))
	got, err := usageJSON(out)
	if err != nil {
		t.Fatalf("mailmeter usage --json: %v\n%s", err, out)
	}
	if diff := cmp.Diff(wantHosted, got); diff != "" {
		t.Errorf("mailmeter usage --json totals of the directory's mailboxes (-want +got):\n%s", diff)
	}
	out = runCLI(t, ctx, bin, append([]string{"usage", "--unknown", "--json"}, period...)...)
	t.Logf("mailmeter usage --unknown --json: %s", bytes.Join(bytes.Fields(out), nil))
	var rep struct {
		Addresses []struct {
			Address string                    `json:"address"`
			Values  map[metering.Metric]int64 `json:"values"`
		} `json:"addresses"`
	}
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("mailmeter usage --unknown --json: %v\n%s", err, out)
	}
	gotUnknown := totals{}
	for _, a := range rep.Addresses {
		for m, v := range a.Values {
			if v != 0 {
				gotUnknown.add(a.Address, m, v)
			}
		}
	}
	if diff := cmp.Diff(wantUnknown, gotUnknown); diff != "" {
		t.Errorf("mailmeter usage --unknown --json: addresses outside the directory (-want +got):\n%s", diff)
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
