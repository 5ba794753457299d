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

func runScan(ctx context.Context, e env, args []string) error {
	f := newFlags("scan", "scan [--layout T] [--domain D] [--json] ROOT...", e)
	layoutT := f.String("layout", "%d/%n", "mailbox location under ROOT: %d domain, %n user, %u full address")
	domain := f.String("domain", "", "domain of the mailboxes when the layout has no %d or %u")
	asJSON := f.Bool("json", false, "print JSON")
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
		rec := metering.NewRecorder(s, nil)
		rep.Emit(rec)
		if err := rec.Flush(ctx, nil); err != nil {
			return err
		}
		all = append(all, rep.Mailboxes...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Mailbox < all[j].Mailbox })
	if *asJSON {
		out := make([]map[string]any, len(all))
		for i, m := range all {
			folders := map[string]any{}
			for name, fu := range m.Folders {
				folders[name] = map[string]int64{"storage_bytes": fu.Bytes, "storage_messages": fu.Messages, "virtual_bytes": fu.VirtualBytes}
			}
			out[i] = map[string]any{"mailbox": m.Mailbox, "storage_bytes": m.Bytes, "storage_messages": m.Messages,
				"virtual_bytes": m.VirtualBytes, "folders": folders}
		}
		if err := writeJSON(e.stdout, out); err != nil {
			return err
		}
	} else {
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "MAILBOX\tBYTES\tMESSAGES\tFOLDERS\t")
		for _, m := range all {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t\n", m.Mailbox, m.Bytes, m.Messages, len(m.Folders))
		}
		tw.Flush()
	}
	if problems > 0 {
		fmt.Fprintf(e.stderr, "mailmeter scan: %d problems (listed above); the rest was recorded\n", problems)
	}
	return nil
}
