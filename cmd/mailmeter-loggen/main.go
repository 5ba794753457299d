// Command mailmeter-loggen writes realistic, deterministic Postfix or Exim
// mail logs with their exact ground truth, for tests, benchmarks and demos.
//
//	mailmeter-loggen -format postfix -lines 2000000 -seed 7 -out mail.log -truth truth.json
//	mailmeter-loggen -format exim -messages 500 -start 2026-12-31T23:30:00Z
//	mailmeter-loggen -out /var/log/demo.log -follow 20   # append 20 lines/s until SIGINT
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/mailmeter/mailmeter/internal/loggen"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the whole command; it returns the exit status: 0 done, 1 failed,
// 2 bad usage.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, errHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "mailmeter-loggen: %v\n", err)
		return 2
	}
	if err := o.cfg.Validate(); err != nil {
		fmt.Fprintf(stderr, "mailmeter-loggen: %v\n", err)
		return 2
	}
	if err := generate(ctx, o, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "mailmeter-loggen: %v\n", err)
		return 1
	}
	return 0
}

// generate writes the log where o says and then the truth file.
func generate(ctx context.Context, o options, stdout, stderr io.Writer) (err error) {
	var w io.Writer = stdout
	if o.out != "-" {
		flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
		if o.follow > 0 {
			flags = os.O_WRONLY | os.O_CREATE | os.O_APPEND
		}
		f, err := os.OpenFile(o.out, flags, 0o644)
		if err != nil {
			return err
		}
		defer func() {
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}()
		w = f
	}
	if o.follow > 0 {
		w = loggen.NewPacer(ctx, w, o.follow, time.Now, loggen.SleepContext)
		o.cfg.Stop = func() bool { return ctx.Err() != nil }
	}
	gen := loggen.Postfix
	if o.format == "exim" {
		gen = loggen.Exim
	}
	began := time.Now()
	truth, err := gen(w, o.cfg)
	if err != nil {
		return fmt.Errorf("write %s: %w", o.out, err)
	}
	secs := time.Since(began).Seconds()
	fmt.Fprintf(stderr, "%d lines, %d bytes (%.1f MB/s), %d sessions, %d messages open at the end\n",
		truth.Lines, truth.Bytes, float64(truth.Bytes)/1e6/max(secs, 1e-9), truth.Sessions, truth.Open)
	if o.truth == "" {
		return nil
	}
	return writeTruth(o.truth, truth)
}

func writeTruth(path string, t loggen.Truth) error {
	b, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return fmt.Errorf("truth: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("truth: %w", err)
	}
	return nil
}
