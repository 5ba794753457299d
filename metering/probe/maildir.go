package probe

import (
	"bufio"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// maxHeader bounds the part of a message read looking for TagHeader.
const maxHeader = 64 << 10

// maildirBox is the probe account's Maildir, read directly: messages in
// new/ and cur/ carrying TagHeader.
type maildirBox struct {
	root   string
	others map[string]bool // files seen not to be this probe's messages
}

func (b *maildirBox) take(ctx context.Context, name, token string) (bool, error) {
	found := false
	for _, sub := range []string{"new", "cur"} {
		dir := filepath.Join(b.root, sub)
		entries, err := os.ReadDir(dir)
		if errors.Is(err, fs.ErrNotExist) {
			continue // created at the first delivery
		}
		if err != nil {
			return false, err
		}
		for _, e := range entries {
			if ctx.Err() != nil {
				return false, ctx.Err()
			}
			path := filepath.Join(dir, e.Name())
			if !e.Type().IsRegular() || b.others[path] {
				continue
			}
			n, tok, err := readTag(path)
			if errors.Is(err, fs.ErrNotExist) {
				continue // moved (new/ to cur/) or deleted meanwhile
			}
			if err != nil {
				return false, err
			}
			if n != name {
				b.others[path] = true
				continue
			}
			if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return false, err
			}
			found = found || tok == token
		}
	}
	return found, nil
}

// readTag returns the probe name and token of the message at path ("" if
// it carries no TagHeader).
func readTag(path string) (name, token string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", "", err
	}
	defer f.Close()
	r := bufio.NewReader(io.LimitReader(f, maxHeader))
	prefix := strings.ToLower(TagHeader) + ":"
	for {
		l, err := r.ReadString('\n')
		l = strings.TrimRight(l, "\r\n")
		if l == "" {
			return "", "", nil // the end of the header (or of the file)
		}
		if len(l) > len(prefix) && strings.ToLower(l[:len(prefix)]) == prefix {
			if n, t, ok := parseTag(l[len(prefix):]); ok {
				return n, t, nil
			}
		}
		if errors.Is(err, io.EOF) {
			return "", "", nil
		}
		if err != nil {
			return "", "", err
		}
	}
}

func (b *maildirBox) close() {}
