// Command testsummary runs `go test -json` with the given arguments, prints
// go test's usual output as it comes, and closes with the distinct reasons
// tests skipped and a one-line summary:
//
//	tests: 1234 passed, 0 failed, 17 skipped
//
// `make test` runs it (go run ./internal/testsummary -count=1 ./...), so a
// developer without PostgreSQL, the fixtures or a mail server sees what did
// not run and why. It exits with go test's status.
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmd := exec.CommandContext(ctx, "go", append([]string{"test", "-json"}, args...)...)
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		fmt.Fprintln(stderr, "testsummary:", err)
		return 1
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(stderr, "testsummary:", err)
		return 1
	}
	w := bufio.NewWriter(stdout)
	s := newSummary()
	readErr := s.read(out, w)
	waitErr := cmd.Wait()
	s.print(w)
	w.Flush()
	var exit *exec.ExitError
	switch {
	case readErr != nil:
		fmt.Fprintln(stderr, "testsummary: reading go test's output:", readErr)
		return 1
	case errors.As(waitErr, &exit):
		return exit.ExitCode()
	case waitErr != nil:
		fmt.Fprintln(stderr, "testsummary:", waitErr)
		return 1
	case s.failed > 0:
		return 1
	}
	return 0
}
