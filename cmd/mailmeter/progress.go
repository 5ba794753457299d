package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"
)

// progress draws a one-line progress bar on a terminal; elsewhere it draws
// nothing.
type progress struct {
	w     io.Writer
	label string
	on    bool
	mu    sync.Mutex
	last  time.Time
}

func newProgress(w io.Writer, label string) *progress {
	f, ok := w.(*os.File)
	return &progress{w: w, label: label, on: ok && term.IsTerminal(int(f.Fd()))}
}

func (p *progress) update(done, total int64) {
	if !p.on {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if time.Since(p.last) < 100*time.Millisecond && done < total {
		return
	}
	p.last = time.Now()
	pct := 0.0
	if total > 0 {
		pct = float64(done) / float64(total)
	}
	if pct > 1 {
		pct = 1
	}
	const width = 30
	n := int(pct * width)
	fmt.Fprintf(p.w, "\r%s [%s%s] %5.1f%%", p.label, strings.Repeat("=", n), strings.Repeat(" ", width-n), 100*pct)
}

func (p *progress) done() {
	if p.on {
		fmt.Fprintln(p.w)
	}
}
