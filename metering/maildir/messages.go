package maildir

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
)

// ignored reports whether a name in a message directory is not a message:
// dot-files and the Dovecot and Courier index and control files.
func ignored(name string) bool {
	switch {
	case name == "" || name[0] == '.':
		return true
	case strings.HasPrefix(name, "dovecot"), strings.HasPrefix(name, "courierimap"):
		return true
	}
	return name == "maildirsize" || name == "maildirfolder" || name == "subscriptions"
}

// messages lists one cur/ or new/ directory into d. Sizes come from the
// ",S=" of the name; without it, from an earlier read of this directory or
// of its sibling (a message moved new→cur or re-flagged keeps its base
// name), or else from a stat. When the reader indexes, only the messages
// without ",S=" are kept in d.index: the others carry their size, so a
// watcher of a million such files holds no entry per file. Returns the error of listing the directory itself.
func (r *reader) messages(mailbox string, d *dirRead) error {
	d.mtime = r.mtime(d.path)
	var known, sibling map[string]msgSize
	if r.known != nil {
		known = r.known(d.path)
		sibling = r.known(siblingDir(d.path))
	}
	d.usage = FolderUsage{}
	d.index = nil
	r.stats.Dirs++
	return r.fsys.ReadDir(d.path, func(name string, typ fs.FileMode) {
		r.stats.Entries++
		if ignored(name) {
			return
		}
		if typ&^fs.ModePerm != 0 {
			r.odd(mailbox, filepath.Join(d.path, name), typ)
			return
		}
		n := ParseName(name)
		s, ok := msgSize{}, false
		if !n.HasSize {
			if s, ok = known[n.Base]; !ok {
				s, ok = sibling[n.Base]
			}
		}
		if !ok {
			if s, ok = r.size(mailbox, d.path, name, n); !ok {
				return
			}
		}
		d.usage.Bytes += s.size
		d.usage.VirtualBytes += s.vsize
		d.usage.Messages++
		if r.index && !n.HasSize { // a name with its size needs no index
			if d.index == nil {
				d.index = make(map[string]msgSize, len(known))
			}
			d.index[strings.Clone(n.Base)] = s // not a slice of the whole name, which would stay alive
		}
	})
}

// size returns a message's sizes from its name, or from a stat when the
// name has no S=. A message expunged before the stat is not counted.
func (r *reader) size(mailbox, dir, name string, n Name) (msgSize, bool) {
	s := msgSize{size: n.Size, vsize: n.VirtualSize}
	if !n.HasSize {
		r.stats.Stats++
		fi, err := r.fsys.Lstat(filepath.Join(dir, name))
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				r.problem(Problem{Kind: Unreadable, Path: filepath.Join(dir, name), Mailbox: mailbox, Err: err})
			}
			return s, false
		}
		if !fi.Mode().IsRegular() {
			r.odd(mailbox, filepath.Join(dir, name), fi.Mode().Type())
			return s, false
		}
		s.size = fi.Size()
	}
	if !n.HasVirtualSize {
		s.vsize = s.size
	}
	return s, true
}

// odd reports an entry of a message directory that is not a regular file.
func (r *reader) odd(mailbox, path string, typ fs.FileMode) {
	if typ&fs.ModeSymlink != 0 {
		r.problem(Problem{Kind: Symlink, Path: path, Mailbox: mailbox, Err: errNoFollow})
		return
	}
	r.problem(Problem{Kind: Unknown, Path: path, Mailbox: mailbox, Err: fmt.Errorf("not a regular file (%v)", typ)})
}

// siblingDir returns new/ for cur/ and cur/ for new/.
func siblingDir(dir string) string {
	parent, base := filepath.Split(dir)
	if base == "cur" {
		return parent + "new"
	}
	return parent + "cur"
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
