package tail_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/tail"
)

func TestNextHoldsBackUnterminatedLine(t *testing.T) {
	path := logPath(t)
	write(t, path, "a\nb\r\nc")
	tl := open(t, path, tail.Position{}, tail.Options{})

	got := drain(t, tl, 10)
	if diff := cmp.Diff([]string{"a", "b"}, got.lines); diff != "" {
		t.Fatalf("first lines (-want +got):\n%s", diff)
	}
	if got.pos.Offset != 5 {
		t.Errorf("offset = %d, want 5", got.pos.Offset)
	}
	write(t, path, "c\r\n\nd\n")
	got = drain(t, tl, 10)
	if diff := cmp.Diff([]string{"cc", "", "d"}, got.lines); diff != "" {
		t.Errorf("later lines (-want +got):\n%s", diff)
	}
	if got.pos.Offset != 12 {
		t.Errorf("offset = %d, want 12", got.pos.Offset)
	}
}

func TestNextBatchLimits(t *testing.T) {
	path := logPath(t)
	write(t, path, "one\ntwo\nthree\nfour\nfive\n")
	tl := open(t, path, tail.Position{}, tail.Options{})
	var batches [][]string
	for {
		var b []string
		_, err := tl.Next(context.Background(), 2, 7, func(l []byte) { b = append(b, string(l)) })
		if errors.Is(err, errIdle) {
			break
		}
		must(t, err)
		batches = append(batches, b)
	}
	// At most 2 lines and 7 bytes, but always one line however long.
	want := [][]string{{"one", "two"}, {"three"}, {"four"}, {"five"}}
	if diff := cmp.Diff(want, batches); diff != "" {
		t.Errorf("batches (-want +got):\n%s", diff)
	}
}

func TestNextArguments(t *testing.T) {
	tl := open(t, logPath(t), tail.Position{}, tail.Options{})
	fn := func([]byte) {}
	for name, call := range map[string]func() error{
		"max_lines": func() error { _, err := tl.Next(context.Background(), 0, 1, fn); return err },
		"max_bytes": func() error { _, err := tl.Next(context.Background(), 1, 0, fn); return err },
		"fn":        func() error { _, err := tl.Next(context.Background(), 1, 1, nil); return err },
	} {
		if err := call(); metering.KindOf(err) != metering.Invalid || metering.FieldOf(err) != name {
			t.Errorf("%s: err = %v, want invalid %s", name, err, name)
		}
	}
}

func TestOpenRejectsOtherPathsPosition(t *testing.T) {
	_, err := tail.Open(logPath(t), tail.Position{Path: "/var/log/other.log", Offset: 3}, tail.Options{Waiter: &idleWaiter{}})
	if metering.KindOf(err) != metering.Invalid {
		t.Errorf("err = %v, want invalid", err)
	}
}

func TestResumeFromPosition(t *testing.T) {
	path := logPath(t)
	write(t, path, "1\n2\n3\n")
	tl := open(t, path, tail.Position{}, tail.Options{})
	var first []string
	pos, err := tl.Next(context.Background(), 2, 100, func(l []byte) { first = append(first, string(l)) })
	must(t, err)
	tl.Close()
	b, err := pos.Marshal()
	must(t, err)
	pos, err = tail.UnmarshalPosition(b)
	must(t, err)

	write(t, path, "4\n")
	got := drain(t, open(t, path, pos, tail.Options{}), 10)
	if diff := cmp.Diff([]string{"1", "2", "3", "4"}, append(first, got.lines...)); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
	if len(got.gaps) != 0 {
		t.Errorf("gaps: %v", got.gaps)
	}
}

func TestLongLines(t *testing.T) {
	long := strings.Repeat("x", 2500)
	tests := []struct {
		name   string
		policy tail.LongLinePolicy
		want   []string
		count  func(tail.Stats) int64
	}{
		{"truncate", tail.Truncate, []string{"a", long[:1000], "b"}, func(s tail.Stats) int64 { return s.Truncated }},
		{"skip", tail.Skip, []string{"a", "b"}, func(s tail.Stats) int64 { return s.Skipped }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := logPath(t)
			opts := tail.Options{MaxLineBytes: 1000, LongLines: tt.policy}
			tl := open(t, path, tail.Position{}, opts)
			// The long line arrives in pieces, as a writer's buffers would.
			var got []string
			for _, piece := range []string{"a\n" + long[:700], long[700:1600], long[1600:] + "\r\nb\n"} {
				write(t, path, piece)
				got = append(got, drain(t, tl, 10).lines...)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("lines (-want +got):\n%s", diff)
			}
			st := tl.Stats()
			if n := tt.count(st); n != 1 {
				t.Errorf("counted %d long lines, want 1", n)
			}
			if want := int64(2 + 2502 + 2); st.Position.Offset != want {
				t.Errorf("offset = %d, want %d", st.Position.Offset, want)
			}
		})
	}
}

func TestMissingFileAppearsLater(t *testing.T) {
	path := logPath(t)
	tl := open(t, path, tail.Position{}, tail.Options{})
	if got := drain(t, tl, 10); len(got.lines) != 0 || len(got.gaps) != 0 {
		t.Fatalf("read %v from a missing file", got)
	}
	write(t, path, "hello\n")
	if diff := cmp.Diff([]string{"hello"}, drain(t, tl, 10).lines); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
}

func TestDeletedWhileOpen(t *testing.T) {
	path := logPath(t)
	w := appender(t, path)
	writeTo(t, w, "1\n2\n")
	tl := open(t, path, tail.Position{}, tail.Options{})
	got := drain(t, tl, 10).lines

	must(t, removeFile(path))
	writeTo(t, w, "3\nfour") // the writer still has it open
	got = append(got, drain(t, tl, 10).lines...)
	writeTo(t, w, "\n5")
	got = append(got, drain(t, tl, 10).lines...)

	write(t, path, "6\n") // the path reappears
	got = append(got, drain(t, tl, 10).lines...)
	write(t, path, "7\n")
	got = append(got, drain(t, tl, 10).lines...)
	if diff := cmp.Diff([]string{"1", "2", "3", "four", "5", "6", "7"}, got); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
}

func TestNextWaitsUntilTriggered(t *testing.T) {
	path := logPath(t)
	w := &triggerWaiter{waiting: make(chan struct{}), wake: make(chan struct{})}
	tl, err := tail.Open(path, tail.Position{}, tail.Options{Waiter: w})
	must(t, err)
	defer tl.Close()

	type reply struct {
		lines []string
		err   error
	}
	replies := make(chan reply)
	next := func(ctx context.Context) {
		var r reply
		_, r.err = tl.Next(ctx, 10, 100, func(l []byte) { r.lines = append(r.lines, string(l)) })
		replies <- r
	}
	go next(context.Background())
	<-w.waiting // Next found nothing and waits
	write(t, path, "late\n")
	w.wake <- struct{}{}
	r := <-replies
	if r.err != nil || !cmp.Equal(r.lines, []string{"late"}) {
		t.Fatalf("Next = %v, %v; want [late]", r.lines, r.err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	go next(ctx)
	<-w.waiting
	cancel()
	if r := <-replies; !errors.Is(r.err, context.Canceled) {
		t.Errorf("Next after cancel = %v, want context.Canceled", r.err)
	}
}

// triggerWaiter waits until the test wakes it, telling the test it waits.
type triggerWaiter struct {
	waiting chan struct{}
	wake    chan struct{}
}

func (w *triggerWaiter) Wait(ctx context.Context) error {
	w.waiting <- struct{}{}
	select {
	case <-w.wake:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func TestStatsLag(t *testing.T) {
	path := logPath(t)
	write(t, path, "aaaa\nbbbb\n")
	tl := open(t, path, tail.Position{}, tail.Options{})
	if lag := tl.Lag(); lag != 10 {
		t.Errorf("lag before reading = %d, want 10", lag)
	}
	_, err := tl.Next(context.Background(), 1, 100, func([]byte) {})
	must(t, err)
	st := tl.Stats()
	if st.Lag != 5 || st.Size != 10 || st.Read != 5 || st.Lines != 1 || st.Bytes != 4 {
		t.Errorf("stats = %+v, want lag 5, size 10, read 5, 1 line of 4 bytes", st)
	}
}

func TestNextAfterClose(t *testing.T) {
	path := logPath(t)
	write(t, path, "a\n")
	tl := open(t, path, tail.Position{}, tail.Options{})
	must(t, tl.Close())
	_, err := tl.Next(context.Background(), 1, 100, func([]byte) {})
	if metering.KindOf(err) != metering.Conflict {
		t.Errorf("Next after Close = %v, want conflict", err)
	}
}

func TestOptionsValidate(t *testing.T) {
	for field, opts := range map[string]tail.Options{
		"poll_interval":  {PollInterval: -1},
		"max_line_bytes": {MaxLineBytes: -1},
		"long_lines":     {LongLines: 7},
		"rotated":        {Rotated: []string{"/var/log/mail.log.["}},
	} {
		if err := opts.Validate(); metering.FieldOf(err) != field {
			t.Errorf("%s: Validate() = %v, want an error naming it", field, err)
		}
	}
	if err := (tail.Options{}).Validate(); err != nil {
		t.Errorf("zero Options: %v", err)
	}
}
