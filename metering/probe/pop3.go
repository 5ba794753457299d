package probe

import (
	"context"
	"fmt"
	"strings"
)

// popOpen reads the greeting, upgrades to TLS with StartTLS (STLS) and logs
// in with a Login.
func (s *session) popOpen(ctx context.Context) error {
	l, err := s.line()
	if err != nil {
		return err
	}
	if !strings.HasPrefix(l, "+OK") {
		return fmt.Errorf("greeting %q, want +OK", truncate(l))
	}
	if s.t.StartTLS {
		if err := s.popCmd("STLS", "STLS"); err != nil {
			return err
		}
		if err := s.handshake(ctx); err != nil {
			return err
		}
	}
	l2 := s.t.Login
	switch {
	case l2.Username == "":
		return nil
	case !s.tls:
		return errClearLogin
	}
	if l2.mechanism() == MechLogin {
		if err := s.popCmd("USER "+l2.Username, "login refused"); err != nil {
			return err
		}
		return s.popCmd("PASS "+l2.Password, "login refused")
	}
	if err := s.send("AUTH PLAIN"); err != nil {
		return err
	}
	if l, err = s.line(); err != nil {
		return fmt.Errorf("login refused: %w", err)
	}
	if !strings.HasPrefix(l, "+") || strings.HasPrefix(l, "+OK") {
		return fmt.Errorf("login refused: AUTH PLAIN answered %q", truncate(l))
	}
	return s.popCmd(l2.plain(), "login refused")
}

// popCmd sends cmd and expects +OK; what names the step in the error.
func (s *session) popCmd(cmd, what string) error {
	if err := s.send(cmd); err != nil {
		return err
	}
	l, err := s.line()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if !strings.HasPrefix(l, "+OK") {
		return fmt.Errorf("%s: answered %q, want +OK", what, truncate(l))
	}
	return nil
}

// popQuit says QUIT and expects +OK.
func (s *session) popQuit() error {
	return s.popCmd("QUIT", "QUIT")
}
