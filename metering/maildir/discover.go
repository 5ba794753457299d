package maildir

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"time"

	"github.com/mailmeter/mailmeter/metering"
)

// Location is one mailbox found on disk.
type Location struct {
	Mailbox string // normalized address
	Path    string // its Maildir root
}

// Discover lists the mailboxes under the layout's root, sorted by address.
// Directory entries that do not fit the template, names that are not valid
// addresses, a second directory for the same address, symbolic links and
// unreadable directories are returned as problems, never guessed at. It
// fails only when the root itself cannot be read or ctx is done.
func (l *Layout) Discover(ctx context.Context, fsys FS) ([]Location, []Problem, error) {
	d, err := l.discover(ctx, fsys)
	return d.found, d.problems, err
}

// discover walks the layout and returns the whole walk, the directories
// above the mailboxes included.
func (l *Layout) discover(ctx context.Context, fsys FS) (*discovery, error) {
	d := &discovery{layout: l, fsys: fsys, ctx: ctx, byAddr: map[string]string{}}
	root, err := filepath.EvalSymlinks(l.root) // the root may be a link; nothing below it is followed
	if err != nil {
		return d, fmt.Errorf("discover mailboxes in %s: %w", l.root, err)
	}
	d.walk(root, 0, map[byte]string{})
	if d.rootErr != nil {
		return d, fmt.Errorf("discover mailboxes in %s: %w", l.root, d.rootErr)
	}
	sort.Slice(d.found, func(i, j int) bool { return d.found[i].Mailbox < d.found[j].Mailbox })
	return d, ctx.Err()
}

// matchesNext reports whether an entry named name in a directory at depth
// of the layout could lead to a mailbox.
func (l *Layout) matchesNext(depth int, name string) bool {
	if depth >= len(l.parts) {
		return false
	}
	_, ok := l.parts[depth].match(name)
	return ok
}

// discovery is the state of one Discover walk.
type discovery struct {
	layout   *Layout
	fsys     FS
	ctx      context.Context
	found    []Location
	problems []Problem
	byAddr   map[string]string // address → path, to catch duplicates
	rootErr  error             // the root could not be read
	dirs     []layoutDir       // directories above the mailboxes
}

// layoutDir is a directory above the mailboxes, with the mtime it had
// before it was listed (zero if too recent to trust; see racyMtime).
type layoutDir struct {
	path  string
	depth int
	mtime time.Time
}

// walk matches the entries of dir against the template component at depth,
// in name order so that duplicates are reported the same way every time.
func (d *discovery) walk(dir string, depth int, vars map[byte]string) {
	if d.ctx.Err() != nil {
		return
	}
	if depth == len(d.layout.parts) {
		d.mailbox(dir, vars)
		return
	}
	d.dirs = append(d.dirs, layoutDir{dir, depth, stableMtime(d.fsys, dir)})
	c := d.layout.parts[depth]
	if c.variable == 0 {
		d.literal(filepath.Join(dir, c.prefix), depth, vars)
		return
	}
	type entry struct {
		name string
		typ  fs.FileMode
	}
	var entries []entry
	err := d.fsys.ReadDir(dir, func(name string, typ fs.FileMode) {
		entries = append(entries, entry{name, typ})
	})
	if err != nil {
		if depth == 0 {
			d.rootErr = err
			return
		}
		d.problems = append(d.problems, problemFor(dir, "", err))
		return
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].name < entries[j].name })
	for _, e := range entries {
		p := filepath.Join(dir, e.name)
		v, ok := c.match(e.name)
		switch {
		case !ok || !e.typ.IsDir() && e.typ&fs.ModeSymlink == 0:
			d.problems = append(d.problems, Problem{Kind: Unknown, Path: p, Err: fmt.Errorf("does not fit the layout %s", d.layout)})
		case e.typ&fs.ModeSymlink != 0:
			d.problems = append(d.problems, Problem{Kind: Symlink, Path: p, Err: fmt.Errorf("symbolic link not followed")})
		default:
			next := copyVars(vars)
			next[c.variable] = v
			d.walk(p, depth+1, next)
		}
	}
}

// literal descends into a fixed component ("Maildir") after checking it is
// a real directory.
func (d *discovery) literal(p string, depth int, vars map[byte]string) {
	fi, err := d.fsys.Lstat(p)
	switch {
	case err != nil:
		d.problems = append(d.problems, Problem{Kind: Missing, Path: p, Err: err})
	case fi.Mode()&fs.ModeSymlink != 0:
		d.problems = append(d.problems, Problem{Kind: Symlink, Path: p, Err: fmt.Errorf("symbolic link not followed")})
	case !fi.IsDir():
		d.problems = append(d.problems, Problem{Kind: Unknown, Path: p, Err: fmt.Errorf("not a directory")})
	default:
		d.walk(p, depth+1, vars)
	}
}

// mailbox records a complete match, if its variables make a valid address.
func (d *discovery) mailbox(dir string, vars map[byte]string) {
	addr, err := d.layout.address(vars)
	if err == nil {
		err = metering.CheckText("address", addr) // quoted local parts take any byte
	}
	if err != nil {
		d.problems = append(d.problems, Problem{Kind: Unknown, Path: dir, Err: err})
		return
	}
	if first, dup := d.byAddr[addr]; dup {
		d.problems = append(d.problems, Problem{Kind: Unknown, Path: dir, Mailbox: addr,
			Err: fmt.Errorf("same mailbox as %s", first)})
		return
	}
	d.byAddr[addr] = dir
	d.found = append(d.found, Location{Mailbox: addr, Path: dir})
}

func copyVars(vars map[byte]string) map[byte]string {
	next := make(map[byte]string, len(vars)+1)
	for k, v := range vars {
		next[k] = v
	}
	return next
}
