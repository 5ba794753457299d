package probe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Bounds of what an IMAP server may send a check.
const (
	maxLiteral  = 64 << 10 // bytes of one literal
	maxUntagged = 10000    // untagged lines answering one command
)

// imapOpen reads the greeting, upgrades to TLS with StartTLS and logs in
// with a Login.
func (s *session) imapOpen(ctx context.Context) error {
	l, err := s.line()
	if err != nil {
		return err
	}
	preauth := strings.HasPrefix(l, "* PREAUTH")
	if !strings.HasPrefix(l, "* OK") && !preauth {
		return fmt.Errorf("greeting %q, want * OK", truncate(l))
	}
	if s.t.StartTLS {
		if preauth {
			return errors.New("STARTTLS: the server greeted with PREAUTH, TLS is impossible")
		}
		if _, err := s.imapCmd("STARTTLS", "STARTTLS"); err != nil {
			return err
		}
		if err := s.handshake(ctx); err != nil {
			return err
		}
	}
	switch {
	case s.t.Login.Username == "" || preauth:
		return nil
	case !s.tls:
		return errClearLogin
	}
	return s.imapLogin()
}

// imapLogin logs in with LOGIN or AUTHENTICATE PLAIN.
func (s *session) imapLogin() error {
	l := s.t.Login
	if l.mechanism() == MechLogin {
		u, uok := imapQuote(l.Username)
		p, pok := imapQuote(l.Password)
		if !uok || !pok {
			return errors.New("LOGIN: credentials beyond ASCII need auth plain")
		}
		_, err := s.imapCmd("LOGIN "+u+" "+p, "login refused")
		return err
	}
	s.tags++
	tag := "p" + strconv.Itoa(s.tags)
	if err := s.send(tag + " AUTHENTICATE PLAIN"); err != nil {
		return err
	}
	c, err := s.line()
	if err != nil {
		return fmt.Errorf("login refused: %w", err)
	}
	if !strings.HasPrefix(c, "+") {
		return fmt.Errorf("login refused: AUTHENTICATE PLAIN answered %q", truncate(c))
	}
	if err := s.send(l.plain()); err != nil {
		return err
	}
	_, err = s.imapResult(tag, "login refused")
	return err
}

// imapQuote returns s as an IMAP quoted string; false if s needs a
// literal (beyond 7-bit ASCII).
func imapQuote(s string) (string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return "", false
		}
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`, true
}

// imapLogout says LOGOUT and expects it done.
func (s *session) imapLogout() error {
	_, err := s.imapCmd("LOGOUT", "LOGOUT")
	return err
}

// imapCmd sends a tagged command and returns the untagged lines answering
// it; a tagged answer other than OK is an error about what.
func (s *session) imapCmd(cmd, what string) ([]string, error) {
	s.tags++
	tag := "p" + strconv.Itoa(s.tags)
	if err := s.send(tag + " " + cmd); err != nil {
		return nil, err
	}
	return s.imapResult(tag, what)
}

// imapResult reads the answer to the command tagged tag.
func (s *session) imapResult(tag, what string) ([]string, error) {
	var untagged []string
	for {
		l, err := s.imapLine()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		if rest, ok := strings.CutPrefix(l, tag+" "); ok {
			if !strings.HasPrefix(strings.ToUpper(rest), "OK") {
				return nil, fmt.Errorf("%s: answered %q", what, truncate(rest))
			}
			return untagged, nil
		}
		if !strings.HasPrefix(l, "* ") {
			return nil, fmt.Errorf("%s: answered %q, want an untagged or %s line", what, truncate(l), tag)
		}
		if untagged = append(untagged, l); len(untagged) > maxUntagged {
			return nil, fmt.Errorf("%s: over %d untagged lines", what, maxUntagged)
		}
	}
}

// imapLine reads one line of a response, skipping the literals ({N}) it
// carries.
func (s *session) imapLine() (string, error) {
	var b strings.Builder
	for {
		l, err := s.line()
		if err != nil {
			return "", err
		}
		b.WriteString(l)
		n, ok := literalSize(l)
		if !ok {
			return b.String(), nil
		}
		if n > maxLiteral || b.Len() > maxLiteral {
			return "", fmt.Errorf("a literal of %d bytes, over %d", n, maxLiteral)
		}
		if _, err := io.CopyN(io.Discard, s.r, n); err != nil {
			return "", fmt.Errorf("reading a literal: %w", err)
		}
	}
}

// literalSize returns N when line ends with a literal's {N} (or {N+}).
func literalSize(line string) (int64, bool) {
	if !strings.HasSuffix(line, "}") {
		return 0, false
	}
	i := strings.LastIndexByte(line, '{')
	if i < 0 {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSuffix(line[i+1:len(line)-1], "+"), 10, 64)
	return n, err == nil && n >= 0
}
