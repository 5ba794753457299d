package collect_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mailmeter/mailmeter/internal/loggen"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/collect"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// generate writes a log and returns its path and ground truth.
func generate(t testing.TB, dir, format string, cfg loggen.Config) (string, loggen.Truth) {
	t.Helper()
	path := filepath.Join(dir, format+".log")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gen := loggen.Postfix
	if format == collect.FormatExim {
		gen = loggen.Exim
	}
	truth, err := gen(f, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return path, truth
}

// totals reads every mailbox's totals from the store.
func totals(t testing.TB, s metering.UsageStore) map[string]map[metering.Metric]int64 {
	t.Helper()
	all, err := s.Totals(context.Background(), metering.UsageQuery{From: time.Unix(0, 0), To: time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[metering.Metric]int64{}
	for _, m := range all {
		vals := map[metering.Metric]int64{}
		for k, v := range m.Values {
			if v != 0 {
				vals[k] = v
			}
		}
		if len(vals) > 0 {
			out[m.Mailbox] = vals
		}
	}
	return out
}

func compareTruth(t *testing.T, want loggen.Truth, got map[string]map[metering.Metric]int64) {
	t.Helper()
	if diff := cmp.Diff(want.Usage, got); diff != "" {
		var lines []string
		for _, l := range strings.Split(diff, "\n") {
			if strings.HasPrefix(strings.TrimSpace(l), "-") || strings.HasPrefix(strings.TrimSpace(l), "+") {
				lines = append(lines, l)
			}
		}
		sort.Strings(lines)
		if len(lines) > 40 {
			lines = lines[:40]
		}
		t.Errorf("metered usage differs from ground truth (-truth +metered), first lines:\n%s", strings.Join(lines, "\n"))
	}
}

func smallConfig(seed uint64) loggen.Config {
	cfg := loggen.DefaultConfig()
	cfg.Seed = seed
	cfg.Messages = 3000
	cfg.Mailboxes = 60
	cfg.Domains = 4
	return cfg
}
