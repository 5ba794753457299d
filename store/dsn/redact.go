package dsn

import (
	"net/url"
	"regexp"
	"strings"
)

// redacted replaces every password in a DSN.
const redacted = "xxxxx"

// secretParams are the DSN parameters whose values are secrets.
var secretParams = map[string]bool{"password": true, "sslpassword": true}

var (
	// kvSecret matches a password in a key=value DSN (or a URL query),
	// quoted or not: password=x, password = 'x y', sslpassword=x.
	kvSecret = regexp.MustCompile(`(?i)\b(ssl)?password\s*=\s*('(?:[^'\\]|\\.)*'?|[^\s&]*)`)
	// userinfoSecret matches the password of a URL's userinfo, even in a
	// URL too broken to parse.
	userinfoSecret = regexp.MustCompile(`(/[^:/@\s]*):[^@\s]*@`)
)

// Redact returns dsn with every password replaced by "xxxxx": the
// userinfo password of a URL, the password and sslpassword parameters of
// its query or of a key=value DSN, in malformed input too. User, host and
// database stay, for operators.
func Redact(dsn string) string {
	if strings.Contains(dsn, "://") {
		if u, err := url.Parse(dsn); err == nil {
			return redactURL(u)
		}
	}
	dsn = kvSecret.ReplaceAllStringFunc(dsn, func(m string) string {
		key, _, _ := strings.Cut(m, "=")
		return strings.TrimSpace(key) + "=" + redacted
	})
	return userinfoSecret.ReplaceAllString(dsn, "$1:"+redacted+"@")
}

func redactURL(u *url.URL) string {
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), redacted)
	}
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			if secretParams[strings.ToLower(k)] {
				q[k] = []string{redacted}
			}
		}
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// secrets returns the secret values written in dsn, decoded and as
// written, so they can be scrubbed from any text (a driver's error may
// quote the DSN it was given).
func secrets(dsn string) []string {
	var out []string
	add := func(vs ...string) {
		for _, v := range vs {
			if v != "" && v != redacted {
				out = append(out, v)
			}
		}
	}
	if u, err := url.Parse(dsn); err == nil && strings.Contains(dsn, "://") {
		if pw, ok := u.User.Password(); ok {
			add(pw)
		}
		for k, vs := range u.Query() {
			if secretParams[strings.ToLower(k)] {
				add(vs...)
			}
		}
	}
	for _, m := range kvSecret.FindAllStringSubmatch(dsn, -1) {
		v := m[2]
		add(v, strings.Trim(v, "'"), unquoteKV(v))
	}
	for _, m := range userinfoSecret.FindAllString(dsn, -1) {
		_, pw, _ := strings.Cut(strings.TrimSuffix(m, "@"), ":")
		add(pw)
		if dec, err := url.PathUnescape(pw); err == nil {
			add(dec)
		}
	}
	return out
}

// unquoteKV decodes a single-quoted key=value DSN value.
func unquoteKV(v string) string {
	v = strings.TrimSuffix(strings.TrimPrefix(v, "'"), "'")
	return strings.NewReplacer(`\'`, `'`, `\\`, `\`).Replace(v)
}

// scrubbed is an error whose text has the DSN's secrets removed; it
// unwraps to the original error for errors.Is and errors.As.
type scrubbed struct {
	msg string
	err error
}

func (e *scrubbed) Error() string { return e.msg }
func (e *scrubbed) Unwrap() error { return e.err }

// Scrub returns err with every secret of dsn (and every password= it
// quotes) replaced in its text.
func Scrub(err error, dsn string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	for _, s := range secrets(dsn) {
		msg = strings.ReplaceAll(msg, s, redacted)
	}
	msg = kvSecret.ReplaceAllStringFunc(msg, func(m string) string {
		key, _, _ := strings.Cut(m, "=")
		return strings.TrimSpace(key) + "=" + redacted
	})
	if msg == err.Error() {
		return err
	}
	return &scrubbed{msg: msg, err: err}
}
