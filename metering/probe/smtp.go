package probe

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
)

// maxReplyLines bounds an SMTP reply (EHLO lists a few dozen extensions).
const maxReplyLines = 200

// smtpReply reads an SMTP reply: its code and the text of its lines.
func (s *session) smtpReply() (code string, text []string, err error) {
	for {
		l, err := s.line()
		if err != nil {
			return code, text, err
		}
		if len(l) < 3 || (code != "" && l[:3] != code) || !isDigits(l[:3]) || (len(l) > 3 && l[3] != ' ' && l[3] != '-') {
			return code, text, fmt.Errorf("answered %q, not an SMTP reply", truncate(l))
		}
		code = l[:3]
		text = append(text, l[min(4, len(l)):])
		if len(l) == 3 || l[3] == ' ' {
			return code, text, nil
		}
		if len(text) >= maxReplyLines {
			return code, text, fmt.Errorf("a reply of over %d lines", maxReplyLines)
		}
	}
}

// expect reads a reply to what and checks its code is one of want.
func (s *session) expect(what string, want ...string) ([]string, error) {
	code, text, err := s.smtpReply()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if !slices.Contains(want, code) {
		return nil, fmt.Errorf("%s: answered %q, want %s", what, truncate(code+" "+text[0]), strings.Join(want, " or "))
	}
	return text, nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// smtpOpen reads the greeting, says EHLO, upgrades to TLS with StartTLS
// and logs in with a Login.
func (s *session) smtpOpen(ctx context.Context) error {
	if _, err := s.expect("greeting", "220"); err != nil {
		return err
	}
	ext, err := s.ehlo()
	if err != nil {
		return err
	}
	if s.t.StartTLS {
		if _, ok := ext["STARTTLS"]; !ok {
			return fmt.Errorf("STARTTLS: not offered after EHLO")
		}
		if err := s.send("STARTTLS"); err != nil {
			return err
		}
		if _, err := s.expect("STARTTLS", "220"); err != nil {
			return err
		}
		if err := s.handshake(ctx); err != nil {
			return err
		}
		if ext, err = s.ehlo(); err != nil {
			return err
		}
	}
	switch {
	case s.t.Login.Username == "":
		return nil
	case !s.tls:
		return errClearLogin
	}
	return s.smtpAuth(strings.Fields(strings.ToUpper(ext["AUTH"])))
}

// ehlo says EHLO and returns the extensions offered, by keyword.
func (s *session) ehlo() (map[string]string, error) {
	if err := s.send("EHLO probe.mailmeter.invalid"); err != nil {
		return nil, err
	}
	text, err := s.expect("EHLO", "250")
	if err != nil {
		return nil, err
	}
	ext := map[string]string{}
	for _, l := range text[1:] {
		k, v, _ := strings.Cut(l, " ")
		ext[strings.ToUpper(k)] = v
	}
	return ext, nil
}

// smtpAuth logs in with the target's Login, by a mechanism among offered.
func (s *session) smtpAuth(offered []string) error {
	l := s.t.Login
	mech := strings.ToUpper(l.mechanism())
	if !slices.Contains(offered, mech) {
		return fmt.Errorf("AUTH %s: not offered (offered: %s)", mech, strings.Join(offered, " "))
	}
	if mech == "PLAIN" {
		if err := s.send("AUTH PLAIN " + l.plain()); err != nil {
			return err
		}
	} else {
		for _, v := range []string{"AUTH LOGIN", b64(l.Username)} {
			if err := s.send(v); err != nil {
				return err
			}
			if _, err := s.expect("login refused", "334"); err != nil {
				return err
			}
		}
		if err := s.send(b64(l.Password)); err != nil {
			return err
		}
	}
	_, err := s.expect("login refused", "235")
	return err
}

func (l Login) mechanism() string {
	if l.Mechanism == "" {
		return MechPlain
	}
	return l.Mechanism
}

// plain is the SASL PLAIN response (RFC 4616), base64.
func (l Login) plain() string { return b64("\x00" + l.Username + "\x00" + l.Password) }

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// smtpSend sends msg (lines without CRLF) from → to on an open session
// and quits.
func (s *session) smtpSend(from, to string, msg []string) error {
	steps := []struct {
		cmd, what string
		want      []string
	}{
		{"MAIL FROM:<" + from + ">", "MAIL FROM", []string{"250"}},
		{"RCPT TO:<" + to + ">", "RCPT TO", []string{"250", "251"}},
		{"DATA", "DATA", []string{"354"}},
	}
	for _, st := range steps {
		if err := s.send(st.cmd); err != nil {
			return err
		}
		if _, err := s.expect(st.what, st.want...); err != nil {
			return err
		}
	}
	var b strings.Builder
	for _, l := range msg {
		if strings.HasPrefix(l, ".") {
			b.WriteByte('.')
		}
		b.WriteString(l + "\r\n")
	}
	b.WriteString(".")
	if err := s.send(b.String()); err != nil {
		return err
	}
	if _, err := s.expect("end of DATA", "250"); err != nil {
		return err
	}
	s.send("QUIT")
	return nil
}
