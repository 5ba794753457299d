package tail_test

import (
	"context"
	"errors"
	"log/slog"

	"github.com/mailmeter/mailmeter/metering/tail"
)

// The collector's loop: read a batch, process it, commit the usage and the
// Position together, retrying the commit (not the read) until it succeeds.
func ExampleTailer_Next() {
	ctx := context.Background()
	var committed []byte // the Position stored with the last committed batch
	pos, err := tail.UnmarshalPosition(committed)
	if err != nil {
		return
	}
	t, err := tail.Open("/var/log/mail.log", pos, tail.Options{})
	if err != nil {
		return
	}
	defer t.Close()
	process := func(line []byte) { /* feed the parser */ }
	commit := func(pos []byte) error { /* one transaction: usage + position */ return nil }
	for ctx.Err() == nil {
		pos, err := t.Next(ctx, 1000, 1<<20, process)
		var gap *tail.GapError
		switch {
		case errors.As(err, &gap):
			slog.Warn("log lines lost", "err", gap) // and count it; go on
		case err != nil:
			slog.Error("tail", "err", err) // pause before trying again
			continue
		}
		b, err := pos.Marshal()
		if err != nil {
			return
		}
		for commit(b) != nil && ctx.Err() == nil {
			// retry the same commit; do not read further
		}
	}
}
