package e2e

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// message is one SMTP transaction the test makes with swaks, and what it
// should come to.
type message struct {
	to        []string // RCPT TO addresses, in order
	delivered []string // mailboxes the accepted recipients are metered to
	rejected  []string // recipients Postfix rejects at RCPT time
	bounced   int      // recipients accepted but bounced after the queue
	body      int      // bytes of generated text for --body (0: swaks' default)
	from      string   // MAIL FROM; "" is sender
	attach    int      // bytes of generated binary data for --attach (0: none)
}

// sent is a message as swaks sent it.
type sent struct {
	message
	queueID string // Postfix queue id from "250 … queued as ID"; "" when nothing was queued
	data    int    // bytes of DATA swaks sent, CRLF line ends included, the final "." not
}

// plan returns the messages of the test: several of different sizes to
// each mailbox, a plus-address, an alias, an address in mixed case,
// several recipients in one message (one of them unknown), an unknown user
// alone, and an alias whose target bounces after the queue.
func plan() []message {
	one := func(to string, body, attach int) message {
		return message{to: []string{to}, delivered: []string{to}, body: body, attach: attach}
	}
	return []message{
		one("alice@a.test", 1000, 0),
		one("alice@a.test", 6000, 0),
		one("alice@a.test", 0, 20000),
		one("bob@a.test", 2000, 0),
		one("bob@a.test", 0, 9000),
		one("bob@a.test", 3500, 0),
		one("carol@b.test", 500, 0),
		one("carol@b.test", 700, 15000),
		{to: []string{"alice+tag@a.test"}, delivered: []string{"alice@a.test"}, body: 1200},
		{to: []string{"alias@a.test"}, delivered: []string{"carol@b.test"}, body: 800},
		{to: []string{"Carol@B.Test"}, delivered: []string{"carol@b.test"}, body: 2500},
		{to: []string{"alice@a.test", "bob@a.test", "ghost@b.test", "carol@b.test"},
			delivered: []string{"alice@a.test", "bob@a.test", "carol@b.test"}, rejected: []string{"ghost@b.test"}, body: 4000},
		{to: []string{"nobody@a.test"}, rejected: []string{"nobody@a.test"}},
		{to: []string{"gone@a.test"}, bounced: 1, body: 300},
	}
}

// send sends message i with swaks to the instance and reads the
// transcript: the queue id and the bytes of DATA sent.
func send(t *testing.T, in *instance, dir string, i int, m message) sent {
	t.Helper()
	from := m.from
	if from == "" {
		from = sender
	}
	args := []string{"--server", "127.0.0.1", "--port", strconv.Itoa(in.port), "--timeout", "30",
		"--helo", "client.e2e.test", "--from", from, "--to", strings.Join(m.to, ","),
		"--h-Subject", fmt.Sprintf("e2e message %d", i)}
	rng := rand.New(rand.NewPCG(uint64(i), 2026))
	if m.body > 0 {
		args = append(args, "--body", "@"+writeData(t, dir, fmt.Sprintf("body%d.txt", i), text(rng, m.body)))
	}
	if m.attach > 0 {
		b := make([]byte, m.attach)
		for j := range b {
			b[j] = byte(rng.Uint32())
		}
		args = append(args, "--attach", "@"+writeData(t, dir, fmt.Sprintf("attach%d.bin", i), b))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "swaks", args...).CombinedOutput()
	want := 0
	if len(m.delivered) == 0 && m.bounced == 0 {
		want = 24 // swaks: every recipient was rejected
	}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit) && exit.ExitCode() == want:
	case err != nil || want != 0:
		t.Fatalf("swaks %v: %v (want exit code %d)\n%s", m.to, err, want, out)
	}
	s := sent{message: m}
	s.queueID, s.data = transcript(string(out))
	if (s.queueID == "") != (want != 0) {
		t.Fatalf("swaks %v: queue id %q, want one only if a recipient was accepted\n%s", m.to, s.queueID, out)
	}
	return s
}

// transcript reads a swaks transcript: the queue id of the "250 … queued
// as ID" reply and the size of what was sent between the 354 reply and the
// final "." (each line with its CRLF, as on the wire).
func transcript(out string) (queueID string, data int) {
	inData := false
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "<-  354"):
			inData = true
		case inData && line == " -> .":
			inData = false
		case inData && strings.HasPrefix(line, " -> "):
			data += len(line) - len(" -> ") + len("\r\n")
		case strings.Contains(line, "queued as "):
			queueID = strings.TrimSpace(line[strings.Index(line, "queued as ")+len("queued as "):])
		}
	}
	return queueID, data
}

// text returns n bytes of printable lines of pseudo-random words.
func text(rng *rand.Rand, n int) []byte {
	const letters = "abcdefghijklmnopqrstuvwxyz"
	b := make([]byte, 0, n)
	for col := 0; len(b) < n; col++ {
		switch {
		case col == 72 || len(b) == n-1:
			b, col = append(b, '\n'), -1
		case rng.IntN(7) == 0:
			b = append(b, ' ')
		default:
			b = append(b, letters[rng.IntN(len(letters))])
		}
	}
	return b
}

// writeData writes a file of generated data and returns its path.
func writeData(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
