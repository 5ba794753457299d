package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/config"
	"github.com/mailmeter/mailmeter/internal/loggen"
	"github.com/mailmeter/mailmeter/metering"
)

// metering.trusted_senders reaches the processors of backfill: sendmail
// submissions by uid 33 and web mail from 127.0.0.1 are metered for their
// envelope senders, exactly as the generator's truth has them.
func TestBackfillTrustedSendersFromConfig(t *testing.T) {
	for _, format := range []string{"postfix", "exim"} {
		t.Run(format, func(t *testing.T) {
			dir := t.TempDir()
			db := "sqlite:" + filepath.Join(dir, "m.db")
			conf := filepath.Join(dir, "mailmeter.yaml")
			writeFile(t, conf, "metering:\n  trusted_senders: {uids: [33], users: [www-data], networks: [127.0.0.1/32]}\n")
			logPath := filepath.Join(dir, "mail.log")
			f, err := os.Create(logPath)
			if err != nil {
				t.Fatal(err)
			}
			cfg := loggen.DefaultConfig()
			cfg.Messages, cfg.Mailboxes, cfg.Domains, cfg.TrustedSenders = 1500, 30, 3, true
			cfg.Start = time.Date(2026, 10, 5, 8, 0, 0, 0, time.UTC)
			gen := loggen.Postfix
			if format == "exim" {
				gen = loggen.Exim
			}
			truth, err := gen(f, cfg)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			os.Chtimes(logPath, cfg.Start.Add(24*time.Hour), cfg.Start.Add(24*time.Hour))
			if r := runCLI(t, nil, "backfill", "--config", conf, "--format", format, "--timezone", "UTC", "--host", "mx1", logPath, "--db", db); r.code != 0 {
				t.Fatalf("backfill: %+v", r)
			}
			importLoggenDirectory(t, cfg, db)
			hosted, _ := splitTruth(cfg, truth)
			r := runCLI(t, nil, "usage", "--period", "2026-10", "--json", "--db", db)
			var doc struct{ Rows []map[string]any }
			if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
				t.Fatalf("usage --json: %v %+v", err, r)
			}
			rows := doc.Rows
			var out int64
			for _, row := range rows {
				mb := row["mailbox"].(string)
				for _, m := range metering.CounterMetrics {
					if v := int64(row[string(m)].(float64)); v != hosted[mb][m] {
						t.Errorf("%s %s = %d, truth %d", mb, m, v, hosted[mb][m])
					}
				}
				out += int64(row[string(metering.OutMessages)].(float64))
			}
			untrusted := cfg
			untrusted.TrustedSenders = false
			tr0, _ := gen(discard{}, untrusted)
			h0, _ := splitTruth(cfg, tr0)
			var out0 int64
			for _, u := range h0 {
				out0 += u[metering.OutMessages]
			}
			if out <= out0 {
				t.Errorf("out_messages %d with trusted senders, %d without: the configuration did not reach the processor", out, out0)
			}
			t.Logf("%s: out_messages of hosted mailboxes %d with trusted senders, %d without", format, out, out0)
		})
	}
}

type discard struct{}

func (discard) Write(b []byte) (int, error) { return len(b), nil }

// logSources hands the trusted senders of the configuration to every
// collector's processor.
func TestLogSourcesCarryTrustedSenders(t *testing.T) {
	c := config.Default()
	c.Logs = []config.LogFile{{Path: "/var/log/mail.log", Format: "postfix"}}
	c.Metering.TrustedSenders = config.TrustedSenders{UIDs: []int64{33}, Networks: []string{"127.0.0.1/32"}}
	srcs, err := logSources(c)
	if err != nil {
		t.Fatal(err)
	}
	tr := srcs[0].Proc.Trusted
	if !tr.TrustsUID(33) || !tr.TrustsClient([]byte("127.0.0.1")) || tr.TrustsClient([]byte("127.0.0.2")) {
		t.Errorf("collector processor trusts %+v", tr)
	}
}
