package collect_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/collect"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// Several hosts' rotated logs backfilled in one run (each host's files in
// a directory named for it), given in any order,
// are read stream by stream in parallel, each stream's files oldest first
// with its open messages carried across the rotations: the totals are
// the sum of the hosts' ground truths exactly, on both databases, though
// the hosts meter the same mailboxes in the same hours.
func TestParallelBackfillOfManyStreams(t *testing.T) {
	for _, format := range []string{collect.FormatPostfix, collect.FormatExim} {
		t.Run(format, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, s *store.Store) {
				const hosts, rotations = 4, 3
				dir := t.TempDir()
				want := map[string]map[metering.Metric]int64{}
				var files []string
				var cfg0 time.Time
				for h := range hosts {
					cfg := smallConfig(uint64(100 + h))
					cfg.Messages = 800
					cfg0 = cfg.Start
					path, truth := generate(t, t.TempDir(), format, cfg)
					files = append(files, rotateInto(t, filepath.Join(dir, fmt.Sprintf("mx%d", h)), splitLines(t, path), rotations)...)
					for mb, vals := range truth.Usage {
						if want[mb] == nil {
							want[mb] = map[metering.Metric]int64{}
						}
						for m, v := range vals {
							want[mb][m] += v
						}
					}
				}
				if len(want) == 0 {
					t.Fatal("the logs meter nothing: the test proves nothing")
				}
				rand.New(rand.NewPCG(1, 2)).Shuffle(len(files), func(i, j int) { files[i], files[j] = files[j], files[i] })
				b := &barrier{Committer: s, want: 2, seen: map[string]bool{}}
				opts := collect.BackfillOptions{HostFromDir: true, Workers: hosts, StreamLines: 50,
					Proc: collect.ProcessorOptions{Location: time.UTC, Delimiter: "+", YearRef: cfg0}}
				res, err := collect.Backfill(context.Background(), files, opts, b, nil, quiet)
				if err != nil {
					t.Fatal(err)
				}
				if !b.met {
					t.Error("no two streams were read at once")
				}
				checkStreamOrder(t, res, hosts, rotations)
				if diff := compareUsage(want, totals(t, s)); diff != "" {
					t.Errorf("totals differ from the hosts' truths summed (-want +got):\n%s", diff)
				}
			})
		})
	}
}

// rotateInto writes lines as n rotated files in dir, mail.log.N … mail.log.1
// then mail.log, cut at arbitrary lines, and returns their paths.
func rotateInto(t *testing.T, dir string, lines []string, n int) []string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var paths []string
	for i := range n {
		name := filepath.Join(dir, "mail.log")
		if k := n - 1 - i; k > 0 {
			name += fmt.Sprintf(".%d", k)
		}
		part := lines[len(lines)*i/n : len(lines)*(i+1)/n]
		if err := os.WriteFile(name, []byte(strings.Join(part, "")), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, name)
	}
	return paths
}

// checkStreamOrder checks that the results come stream by stream, each
// stream's files oldest first, every file metered.
func checkStreamOrder(t *testing.T, res []collect.BackfillResult, hosts, rotations int) {
	t.Helper()
	if len(res) != hosts*rotations {
		t.Fatalf("%d results, want %d", len(res), hosts*rotations)
	}
	for i, r := range res {
		want := "mail.log"
		if k := rotations - 1 - i%rotations; k > 0 {
			want += fmt.Sprintf(".%d", k)
		}
		if r.Err != nil || filepath.Base(r.Path) != want || r.Stream != res[i-i%rotations].Stream {
			t.Errorf("result %d: %s of %s, %v; want %s of the stream of result %d", i, r.Path, r.Stream, r.Err, want, i-i%rotations)
		}
	}
}

// compareUsage is cmp.Diff of usage maps with zero values left out.
func compareUsage(want, got map[string]map[metering.Metric]int64) string {
	var diffs []string
	for mb, vals := range want {
		for m, v := range vals {
			if got[mb][m] != v {
				diffs = append(diffs, fmt.Sprintf("%s %s: -%d +%d", mb, m, v, got[mb][m]))
			}
		}
	}
	for mb, vals := range got {
		for m, v := range vals {
			if _, ok := want[mb][m]; !ok && v != 0 {
				diffs = append(diffs, fmt.Sprintf("%s %s: -0 +%d", mb, m, v))
			}
		}
	}
	return strings.Join(diffs, "\n")
}

// barrier holds each stream's first checkpoint lookup until want streams
// wait there at once (or a deadline passes): met says they did, so that
// many streams were read at once.
type barrier struct {
	metering.Committer
	want    int
	mu      sync.Mutex
	seen    map[string]bool
	waiting int
	met     bool
}

func (b *barrier) Checkpoint(ctx context.Context, source string) (metering.Checkpoint, error) {
	b.mu.Lock()
	first := strings.HasPrefix(source, "stream:") && !b.seen[source]
	if first {
		b.seen[source] = true
		b.waiting++
		b.met = b.met || b.waiting >= b.want
	}
	b.mu.Unlock()
	for deadline := time.Now().Add(10 * time.Second); first && time.Now().Before(deadline); {
		b.mu.Lock()
		met := b.met
		b.mu.Unlock()
		if met {
			break
		}
		<-time.After(5 * time.Millisecond)
	}
	if first {
		b.mu.Lock()
		b.waiting--
		b.mu.Unlock()
	}
	return b.Committer.Checkpoint(ctx, source)
}
