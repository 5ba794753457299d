package maildir

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// msgSize is what is known of one message: its physical and virtual size.
type msgSize struct{ size, vsize int64 }

// dirRead is one cur/ or new/ directory as read.
type dirRead struct {
	path   string
	exists bool
	usage  FolderUsage
	index  map[string]msgSize // base name → size, when the reader indexes
	mtime  time.Time          // directory mtime before the read, when asked for
}

// folderRead is one folder as read: its root and its cur/ and new/.
type folderRead struct {
	name  string
	root  string
	cur   dirRead
	new   dirRead
	mtime time.Time // root mtime before the read, when asked for (subfolders)
}

func (f *folderRead) usage() FolderUsage {
	u := f.cur.usage
	u.add(f.new.usage)
	return u
}

// mailboxRead is one mailbox as read.
type mailboxRead struct {
	loc     Location
	folders map[string]*folderRead
	// candidates are dot-directories without cur/ or new/ (yet): a folder
	// being created, or not a folder at all. The watcher watches them.
	candidates []*folderRead
	vanished   bool
	mtime      time.Time // root mtime before the read, when asked for
}

// usage returns the mailbox's usage with its folders under their names
// (FolderName); folders that come to the same name are summed.
func (m *mailboxRead) usage() MailboxUsage {
	u := MailboxUsage{Mailbox: m.loc.Mailbox, Path: m.loc.Path, Folders: make(map[string]FolderUsage, len(m.folders))}
	for dir, f := range m.folders {
		name := dir
		if dir != Inbox {
			name = FolderName(dir)
		}
		fu := u.Folders[name]
		fu.add(f.usage())
		u.Folders[name] = fu
	}
	u.setTotals()
	return u
}

// reader reads mailboxes. One reader serves one goroutine.
type reader struct {
	fsys   FS
	index  bool // keep base name → size per directory
	mtimes bool // record directory mtimes (for the watcher's polling)
	// known returns the index of an earlier read of dir, so renamed
	// messages are recognized without a stat; nil means none.
	known    func(dir string) map[string]msgSize
	stats    Stats
	problems []Problem
}

func (r *reader) problem(p Problem) { r.problems = append(r.problems, p) }

// mailbox reads every folder of a mailbox. A mailbox that disappears while
// it is read is returned with vanished set.
func (r *reader) mailbox(loc Location) *mailboxRead {
	m := &mailboxRead{loc: loc, folders: map[string]*folderRead{}}
	inbox := &folderRead{name: Inbox, root: loc.Path}
	m.mtime = r.mtime(loc.Path)
	dots, err := r.root(loc, inbox)
	if err != nil {
		r.problem(problemFor(loc.Path, loc.Mailbox, err))
		m.vanished = errors.Is(err, fs.ErrNotExist)
		return m
	}
	r.stats.Mailboxes++
	lost := r.folder(loc, inbox, true)
	m.folders[Inbox] = inbox
	for _, d := range dots {
		f := &folderRead{name: d[1:], root: filepath.Join(loc.Path, d)}
		if strings.Contains(f.name, "..") {
			r.problem(Problem{Kind: Unknown, Path: f.root, Mailbox: loc.Mailbox, Err: fmt.Errorf("not a Maildir++ folder name")})
			continue
		}
		l := r.folder(loc, f, false)
		lost = lost || l
		if f.cur.exists || f.new.exists {
			m.folders[f.name] = f
		} else {
			m.candidates = append(m.candidates, f)
		}
	}
	if lost {
		m.vanished = r.gone(loc)
	}
	return m
}

// root lists a Maildir root: it notes which of cur/ and new/ the INBOX has
// and returns the dot-directories (folder candidates), sorted. Symbolic
// links are reported, not followed; everything else is metadata.
func (r *reader) root(loc Location, inbox *folderRead) ([]string, error) {
	var dots []string
	r.stats.Dirs++
	err := r.fsys.ReadDir(loc.Path, func(name string, typ fs.FileMode) {
		isDot := len(name) > 1 && name[0] == '.' && name != ".."
		switch {
		case name != "cur" && name != "new" && !isDot:
		case typ&fs.ModeSymlink != 0:
			r.problem(Problem{Kind: Symlink, Path: filepath.Join(loc.Path, name), Mailbox: loc.Mailbox, Err: errNoFollow})
		case !isDot:
			inbox.dir(name).exists = true // even if not a directory: reading it reports that
		case typ.IsDir():
			dots = append(dots, name)
		}
	})
	sort.Strings(dots)
	return dots, err
}

// errNoFollow is the error of a problem about a symbolic link.
const errNoFollow = constError("symbolic link not followed")

// dir returns the cur or new directory of f.
func (f *folderRead) dir(name string) *dirRead {
	if name == "cur" {
		return &f.cur
	}
	return &f.new
}

// folder reads cur/ and new/ of one folder. For the INBOX, listed tells
// that the root listing already says which exist. It reports whether a
// directory expected to exist was not found (for a subfolder: neither
// cur/ nor new/), a sign the mailbox may be going away.
func (r *reader) folder(loc Location, f *folderRead, listed bool) (lost bool) {
	missing := 0
	if !listed {
		f.mtime = r.mtime(f.root)
	}
	for _, name := range [2]string{"cur", "new"} {
		d := f.dir(name)
		d.path = filepath.Join(f.root, name)
		if listed && !d.exists {
			continue
		}
		err := r.messages(loc.Mailbox, d)
		d.exists = err == nil
		if err != nil {
			d.usage, d.index = FolderUsage{}, nil // whatever a failed listing counted
		}
		switch {
		case err == nil:
		case errors.Is(err, fs.ErrNotExist):
			lost = lost || listed
			missing++
		default:
			r.problem(problemFor(d.path, loc.Mailbox, err))
		}
	}
	return lost || missing == 2
}

// racyMtime is how recent a directory mtime may be and still be trusted to
// change with the next modification; file system timestamps are coarse.
const racyMtime = time.Second

// mtime returns the modification time of dir when the reader records
// them. It returns the zero time ("unknown: read again next time")
// otherwise, when dir cannot be stat()ed, or when the mtime is so recent
// that a change right after this read could leave it unchanged.
func (r *reader) mtime(dir string) time.Time {
	if !r.mtimes {
		return time.Time{}
	}
	return stableMtime(r.fsys, dir)
}

// stableMtime returns the mtime of dir, or the zero time when it cannot be
// stat()ed or is too recent to trust.
func stableMtime(fsys FS, dir string) time.Time {
	fi, err := fsys.Lstat(dir)
	if err != nil || time.Since(fi.ModTime()) < racyMtime {
		return time.Time{}
	}
	return fi.ModTime()
}

// gone reports whether the mailbox root has disappeared, and says so.
func (r *reader) gone(loc Location) bool {
	if _, err := r.fsys.Lstat(loc.Path); errors.Is(err, fs.ErrNotExist) {
		r.problem(Problem{Kind: Vanished, Path: loc.Path, Mailbox: loc.Mailbox, Err: err})
		return true
	}
	return false
}
