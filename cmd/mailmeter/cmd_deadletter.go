package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/mailmeter/mailmeter/config"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/store"
)

const deadLetterUsage = "usage: mailmeter deadletter list [--all] [--json] | deadletter replay [ID...]"

// runDeadLetter lists and replays the usage records the database refused.
func runDeadLetter(ctx context.Context, e env, args []string) error {
	if len(args) == 0 {
		return usagef("%s", deadLetterUsage)
	}
	switch args[0] {
	case "list":
		return deadLetterList(ctx, e, args[1:])
	case "replay":
		return deadLetterReplay(ctx, e, args[1:])
	case "-h", "--help", "help":
		fmt.Fprintln(e.stdout, deadLetterUsage)
		fmt.Fprintln(e.stdout, "\nDead letters are usage records the database refused (a sum past the int64 range, a constraint,")
		fmt.Fprintln(e.stdout, "an encoding), kept instead of stopping their source. list shows those not yet replayed (--all: every")
		fmt.Fprintln(e.stdout, "one); replay applies the given ones (default: every pending one) once, and marks them.")
		return errHelp
	}
	return usagef("unknown deadletter action %q; want list or replay", args[0])
}

func deadLetterList(ctx context.Context, e env, args []string) error {
	f := newFlags("deadletter list", "deadletter list [--all] [--json]", e)
	all := f.Bool("all", false, "also the dead letters already replayed")
	asJSON := f.Bool("json", false, "print JSON")
	if _, err := f.parse(e, args, 0, 0); err != nil {
		return err
	}
	return withStore(ctx, e, f, func(_ config.Config, s *store.Store) error {
		ds, err := s.DeadLetters(ctx, !*all)
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(e.stdout, deadLettersJSON(ds))
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tCREATED\tSOURCE\tRECORD\tERROR\tREPLAYED")
		for _, d := range ds {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", d.ID, d.CreatedAt.Format(time.RFC3339), orDash(d.Source),
				d.Describe(), d.Error, replayedAt(d))
		}
		return tw.Flush()
	})
}

func deadLettersJSON(ds []metering.DeadLetter) []map[string]any {
	out := make([]map[string]any, len(ds))
	for i, d := range ds {
		row := map[string]any{"id": d.ID, "source": d.Source, "record": d.Describe(), "error": d.Error,
			"created_at": d.CreatedAt.Format(time.RFC3339)}
		if !d.ReplayedAt.IsZero() {
			row["replayed_at"] = d.ReplayedAt.Format(time.RFC3339)
		}
		out[i] = row
	}
	return out
}

func replayedAt(d metering.DeadLetter) string {
	if d.ReplayedAt.IsZero() {
		return "-"
	}
	return "replayed " + d.ReplayedAt.Format(time.RFC3339)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func deadLetterReplay(ctx context.Context, e env, args []string) error {
	f := newFlags("deadletter replay", "deadletter replay [ID...]", e)
	pos, err := f.parse(e, args, 0, -1)
	if err != nil {
		return err
	}
	ids := make([]int64, len(pos))
	for i, p := range pos {
		if ids[i], err = strconv.ParseInt(p, 10, 64); err != nil || ids[i] <= 0 {
			return usagef("dead letter id %q: want a positive number (see mailmeter deadletter list)", p)
		}
	}
	return withStore(ctx, e, f, func(_ config.Config, s *store.Store) error {
		if len(ids) == 0 {
			pending, err := s.DeadLetters(ctx, true)
			if err != nil {
				return err
			}
			for _, d := range pending {
				ids = append(ids, d.ID)
			}
			if len(ids) == 0 {
				fmt.Fprintln(e.stdout, "no dead letters to replay")
				return nil
			}
		}
		var errs []error
		for _, id := range ids {
			d, err := s.ReplayDeadLetter(ctx, id)
			if err != nil {
				errs = append(errs, replayError(id, err))
				continue
			}
			fmt.Fprintf(e.stdout, "replayed %d: %s\n", id, d.Describe())
		}
		return errors.Join(errs...)
	})
}

func replayError(id int64, err error) error {
	if metering.KindOf(err) == metering.Refused {
		return fmt.Errorf("dead letter %d: the database refused it again; it stays pending: %w", id, err)
	}
	return err
}
