package maildir

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/mailmeter/mailmeter/metering"
)

// Layout maps the directories of a mail store to mailbox addresses, from a
// Dovecot-style location template:
//
//	/var/vmail/%d/%n           virtual users, one directory per domain and user
//	/var/vmail/%u              one directory per full address
//	/home/%n/Maildir           system users, with a fixed domain
//
// Variables: %d domain, %n user (local part), %u full address; the Dovecot
// "L" modifier (%Ld, %Ln, %Lu) is accepted (addresses are lower-cased
// anyway) and %% is a literal percent sign. A "maildir:" prefix and
// ":KEY=VALUE" options after the path are ignored. Each path component may
// hold at most one variable, with optional literal text around it
// ("%n.maildir"). The components before the first variable are the root,
// which must exist.
type Layout struct {
	template string
	root     string      // fixed leading directories
	parts    []component // components below the root
	domain   string      // fixed domain when the template has no %d or %u
}

// component is one path component below the root: a literal, or a variable
// with literal text around it.
type component struct {
	prefix, suffix string
	variable       byte // 'd', 'n', 'u', or 0 for a literal (prefix only)
}

// ParseLayout compiles a location template. domain is the fixed domain of
// templates that only have %n (system users); it must be "" otherwise.
// Returns an Invalid *metering.Error naming what is wrong.
func ParseLayout(template, domain string) (*Layout, error) {
	t := strings.TrimPrefix(template, "maildir:")
	if i := strings.IndexByte(t, ':'); i >= 0 {
		t = t[:i]
	}
	if !filepath.IsAbs(t) {
		return nil, metering.FieldError("template", "location %q: want an absolute path", template)
	}
	l := &Layout{template: template, root: "/"}
	seen := map[byte]bool{}
	for _, c := range strings.Split(filepath.Clean(t), "/")[1:] {
		comp, err := parseComponent(c)
		if err != nil {
			return nil, metering.FieldError("template", "location %q: %v", template, err)
		}
		if seen[comp.variable] {
			return nil, metering.FieldError("template", "location %q: %%%c used twice", template, comp.variable)
		}
		if comp.variable != 0 {
			seen[comp.variable] = true
		}
		if comp.variable == 0 && len(l.parts) == 0 {
			l.root = filepath.Join(l.root, comp.prefix)
			continue
		}
		l.parts = append(l.parts, comp)
	}
	if err := l.checkVariables(seen, domain); err != nil {
		return nil, metering.FieldError("template", "location %q: %v", template, err)
	}
	return l, nil
}

// checkVariables accepts {%u}, {%d, %n}, or {%n} with a fixed domain.
func (l *Layout) checkVariables(seen map[byte]bool, domain string) error {
	switch {
	case seen['u'] && (seen['d'] || seen['n']):
		return fmt.Errorf("%%u cannot be combined with %%d or %%n")
	case seen['u'] || seen['d'] && seen['n']:
		if domain != "" {
			return fmt.Errorf("a fixed domain is only for templates without %%d or %%u")
		}
		return nil
	case seen['n']:
		d, err := metering.NormalizeDomain(domain)
		if err != nil {
			return fmt.Errorf("%%n without %%d needs a fixed domain: %v", err)
		}
		l.domain = d
		return nil
	}
	return fmt.Errorf("no %%u, or %%n (with %%d or a fixed domain)")
}

// parseComponent parses one path component of a template.
func parseComponent(s string) (component, error) {
	var c component
	var lit strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			lit.WriteByte(s[i])
			continue
		}
		i++
		if i < len(s) && s[i] == 'L' {
			i++
		}
		if i >= len(s) {
			return c, fmt.Errorf("component %q: dangling %%", s)
		}
		switch v := s[i]; v {
		case '%':
			lit.WriteByte('%')
		case 'd', 'n', 'u':
			if c.variable != 0 {
				return c, fmt.Errorf("component %q: at most one variable per path component", s)
			}
			c.variable, c.prefix = v, lit.String()
			lit.Reset()
		default:
			return c, fmt.Errorf("component %q: unsupported variable %%%c", s, v)
		}
	}
	if c.variable == 0 {
		c.prefix = lit.String()
	} else {
		c.suffix = lit.String()
	}
	return c, nil
}

// Root returns the fixed directory all mailboxes are under.
func (l *Layout) Root() string { return l.root }

// String returns the template the layout was parsed from.
func (l *Layout) String() string { return l.template }

// Path returns the Maildir directory of a mailbox. Returns an Invalid
// *metering.Error if the address is invalid or, for a fixed-domain layout,
// in another domain.
func (l *Layout) Path(mailbox string) (string, error) {
	addr, err := metering.NormalizeAddress(mailbox)
	if err != nil {
		return "", err
	}
	at := strings.LastIndexByte(addr, '@')
	vars := map[byte]string{'u': addr, 'n': addr[:at], 'd': addr[at+1:]}
	if l.domain != "" && vars['d'] != l.domain {
		return "", metering.Errorf(metering.Invalid, "mailbox %q: not in domain %s", mailbox, l.domain)
	}
	p := l.root
	for _, c := range l.parts {
		p = filepath.Join(p, c.prefix+vars[c.variable]+c.suffix)
	}
	return p, nil
}

// match returns the value of c's variable in name, if name fits c.
func (c component) match(name string) (string, bool) {
	if c.variable == 0 {
		return "", name == c.prefix
	}
	if len(name) <= len(c.prefix)+len(c.suffix) ||
		!strings.HasPrefix(name, c.prefix) || !strings.HasSuffix(name, c.suffix) {
		return "", false
	}
	return name[len(c.prefix) : len(name)-len(c.suffix)], true
}

// address builds the mailbox address from the variables bound on a path.
func (l *Layout) address(vars map[byte]string) (string, error) {
	switch {
	case vars['u'] != "":
		return metering.NormalizeAddress(vars['u'])
	case l.domain != "":
		return metering.NormalizeAddress(vars['n'] + "@" + l.domain)
	}
	return metering.NormalizeAddress(vars['n'] + "@" + vars['d'])
}
