package maildir

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"sync"
	"time"
)

// Scanner measures the storage of every mailbox of a layout.
type Scanner struct {
	// Layout finds the mailboxes; required.
	Layout *Layout
	// FS is the file system read; nil means OSFS.
	FS FS
	// Workers bounds the mailboxes scanned at once; 0 means
	// max(4, GOMAXPROCS).
	Workers int
	// Progress, if set, is called after each mailbox with the number done
	// and the total, from one goroutine at a time (for a progress bar).
	Progress func(done, total int)
	// Now returns the time stamped on reports; nil means time.Now.
	Now func() time.Time
}

func (s *Scanner) fsys() FS {
	if s.FS == nil {
		return OSFS{}
	}
	return s.FS
}

func (s *Scanner) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

func (s *Scanner) workers(n int) int {
	w := s.Workers
	if w <= 0 {
		w = max(4, runtime.GOMAXPROCS(0))
	}
	return max(1, min(w, n))
}

// Scan discovers the mailboxes and measures each of them, in parallel.
// Problems (unknown entries, unreadable directories, mailboxes deleted
// while scanned) are in the report; a vanished mailbox is left out of
// Mailboxes. It fails only when the layout root cannot be read; when ctx
// is done it returns what was measured so far with ctx.Err().
func (s *Scanner) Scan(ctx context.Context) (*Report, error) {
	rep := &Report{Time: s.now()}
	locs, problems, err := s.Layout.Discover(ctx, s.fsys())
	rep.Problems = problems
	if err != nil {
		return rep, fmt.Errorf("scan: %w", err)
	}
	reads, problems, stats := s.read(ctx, locs, nil)
	rep.Problems = append(rep.Problems, problems...)
	rep.Stats = stats
	for _, m := range reads {
		if !m.vanished {
			rep.Mailboxes = append(rep.Mailboxes, m.usage())
		}
	}
	sort.Slice(rep.Mailboxes, func(i, j int) bool { return rep.Mailboxes[i].Mailbox < rep.Mailboxes[j].Mailbox })
	return rep, ctx.Err()
}

// ScanMailbox measures one mailbox at path. A mailbox that is missing or
// vanishes during the scan comes back with a Vanished problem.
func (s *Scanner) ScanMailbox(mailbox, path string) (MailboxUsage, []Problem) {
	r := &reader{fsys: s.fsys()}
	m := r.mailbox(Location{Mailbox: mailbox, Path: path})
	return m.usage(), r.problems
}

// read reads mailboxes with a bounded pool of workers, each with its own
// reader configured by setup (nil: a plain scanning reader).
func (s *Scanner) read(ctx context.Context, locs []Location, setup func(*reader)) ([]*mailboxRead, []Problem, Stats) {
	jobs := make(chan Location)
	type result struct {
		m        *mailboxRead
		problems []Problem
		stats    Stats
	}
	results := make(chan result)
	var wg sync.WaitGroup
	for range s.workers(len(locs)) {
		wg.Go(func() {
			for loc := range jobs {
				r := &reader{fsys: s.fsys()}
				if setup != nil {
					setup(r)
				}
				m := r.mailbox(loc)
				results <- result{m, r.problems, r.stats}
			}
		})
	}
	go func() {
		defer close(jobs)
		for _, loc := range locs {
			select {
			case jobs <- loc:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()
	var (
		reads    []*mailboxRead
		problems []Problem
		stats    Stats
	)
	for res := range results {
		reads = append(reads, res.m)
		problems = append(problems, res.problems...)
		stats.add(res.stats)
		if s.Progress != nil {
			s.Progress(len(reads), len(locs))
		}
	}
	return reads, problems, stats
}
