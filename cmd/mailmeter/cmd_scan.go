package main

import (
	"context"
	"fmt"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/maildir"
)

// mailboxQuota is a mailbox's Maildir++ quota file and its drift from the
// scan.
type mailboxQuota struct {
	file  maildir.Maildirsize
	drift maildir.QuotaDrift
}

// quotaFiles reads the maildirsize file of every scanned mailbox that has
// one and compares it with the scan.
func quotaFiles(ms []maildir.MailboxUsage) map[string]mailboxQuota {
	out := map[string]mailboxQuota{}
	for _, m := range ms {
		f, err := maildir.ReadMaildirsize(m.Path)
		if err != nil {
			continue // none, or unreadable: the scan stands on its own
		}
		out[m.Mailbox] = mailboxQuota{file: f, drift: maildir.Drift(m, f)}
	}
	return out
}

func runScan(ctx context.Context, e env, args []string) error {
	f := newFlags("scan", "scan [--layout T] [--domain D] [--bytes] [--json] ROOT...", e)
	layoutT := f.String("layout", "%d/%n", "mailbox location under ROOT: %d domain, %n user, %u full address")
	domain := f.String("domain", "", "domain of the mailboxes when the layout has no %d or %u")
	asJSON := f.Bool("json", false, "print JSON")
	rawBytes := f.Bool("bytes", false, "print sizes in bytes (default: human units, 1 MB = 10^6 bytes)")
	roots, err := f.parse(e, args, 1, -1)
	if err != nil {
		return err
	}
	c, log, err := f.load(e)
	if err != nil {
		return err
	}
	s, err := openStore(ctx, c, log, true)
	if err != nil {
		return err
	}
	defer s.Close()
	var all []maildir.MailboxUsage
	problems := 0
	for _, root := range roots {
		layout, err := layoutFor(root, *layoutT, *domain)
		if err != nil {
			return usagef("--layout: %v", err)
		}
		bar := newProgress(e.stderr, "scan "+root)
		sc := &maildir.Scanner{Layout: layout, FS: maildir.OSFS{}, Now: time.Now,
			Progress: func(done, total int) { bar.update(int64(done), int64(total)) }}
		rep, err := sc.Scan(ctx)
		bar.done()
		if err != nil {
			return fmt.Errorf("scan %s: %w", root, err)
		}
		for _, p := range rep.Problems {
			fmt.Fprintf(e.stderr, "mailmeter scan: %s\n", p)
			problems++
		}
		rec := metering.NewRecorder(s, nil).Skip(probeSkip(c))
		rep.Emit(rec)
		if err := rec.Flush(ctx, nil); err != nil {
			return err
		}
		all = append(all, rep.Mailboxes...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Mailbox < all[j].Mailbox })
	quotas := quotaFiles(all)
	for _, m := range all {
		if q, ok := quotas[m.Mailbox]; ok && !q.drift.Zero() {
			fmt.Fprintf(e.stderr, "mailmeter scan: %s: maildirsize says %d bytes / %d messages, the scan %d / %d (drift %+d bytes, %+d messages)\n",
				m.Mailbox, q.drift.FileBytes, q.drift.FileMessages, q.drift.ScanBytes, q.drift.ScanMessages, q.drift.Bytes, q.drift.Messages)
		}
	}
	if *asJSON {
		out := make([]map[string]any, len(all))
		for i, m := range all {
			folders := map[string]any{}
			for name, fu := range m.Folders {
				folders[name] = map[string]int64{"storage_bytes": fu.Bytes, "storage_messages": fu.Messages, "virtual_bytes": fu.VirtualBytes}
			}
			out[i] = map[string]any{"mailbox": m.Mailbox, "storage_bytes": m.Bytes, "storage_messages": m.Messages,
				"virtual_bytes": m.VirtualBytes, "folders": folders}
			if q, ok := quotas[m.Mailbox]; ok {
				out[i]["maildirsize"] = map[string]int64{
					"quota_bytes": q.file.Quota.Bytes, "quota_messages": q.file.Quota.Messages,
					"bytes": q.file.Bytes, "messages": q.file.Messages,
					"drift_bytes": q.drift.Bytes, "drift_messages": q.drift.Messages,
				}
			}
		}
		if err := writeJSON(e.stdout, out); err != nil {
			return err
		}
	} else {
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "MAILBOX\tBYTES\tMESSAGES\tFOLDERS\t")
		for _, m := range all {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t\n", m.Mailbox, metricCell(metering.StorageBytes, m.Bytes, *rawBytes), m.Messages, len(m.Folders))
		}
		tw.Flush()
	}
	if problems > 0 {
		fmt.Fprintf(e.stderr, "mailmeter scan: %d problems (listed above); the rest was recorded\n", problems)
	}
	return nil
}
