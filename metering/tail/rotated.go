package tail

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// rotated is a rotated file of the path, opened, with its place in the
// rotation order.
type rotated struct {
	*file
	suffix string    // name after the path's base, without a compressed suffix (".gz", ".bz2", ".xz", ".zst")
	mtime  time.Time // fallback order
	// openSize is the size when opened: a file still being written (a
	// compressed copy in progress) has grown when the listing is checked.
	openSize int64
}

// openRotated opens the files the globs match, except path itself, newest
// first. Files that vanish meanwhile are left out. A rotation running while
// the files are listed (logrotate shifting path.1 → path.2.gz …) could pair
// a name with the wrong file, so the listing is taken again until two
// listings agree on every name's inode.
func openRotated(path string, globs []string) []*rotated {
	var out []*rotated
	for range maxListings {
		out = listRotated(path, globs)
		if stableListing(path, globs, out) {
			break
		}
		for _, r := range out {
			r.close()
		}
		out = nil
		time.Sleep(listingBackoff)
	}
	if out == nil {
		out = listRotated(path, globs) // still moving: take what is there
	}
	return out
}

// Listing retries while a rotation is under way.
const (
	maxListings    = 400
	listingBackoff = 5 * time.Millisecond
)

// stableListing reports whether the globs still match exactly the names in
// rs, each still naming the file that was opened under it.
func stableListing(path string, globs []string, rs []*rotated) bool {
	names := map[string]bool{}
	for _, g := range globs {
		ms, _ := filepath.Glob(g)
		for _, m := range ms {
			if m != path {
				names[m] = true
			}
		}
	}
	if len(names) != len(rs) {
		return false
	}
	for _, r := range rs {
		if !names[r.name] {
			return false
		}
		fi, err := os.Stat(r.name)
		if err != nil {
			return false
		}
		dev, ino := inode(fi)
		if dev != r.id.Dev || ino != r.id.Ino || fi.Size() != r.openSize {
			return false
		}
	}
	return true
}

// listRotated opens what the globs match once.
func listRotated(path string, globs []string) []*rotated {
	base := filepath.Base(path)
	seen := map[string]bool{path: true}
	var out []*rotated
	for _, g := range globs {
		names, _ := filepath.Glob(g) // only ErrBadPattern, checked by Open
		for _, name := range names {
			if seen[name] {
				continue
			}
			seen[name] = true
			if r := openOneRotated(name, base); r != nil {
				out = append(out, r)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].newerThan(out[j]) })
	return out
}

// openOneRotated opens name as a rotated file of base, or returns nil.
func openOneRotated(name, base string) *rotated {
	fl, err := openFile(name)
	if err != nil {
		return nil
	}
	fi, err := fl.f.Stat()
	if err != nil || !fi.Mode().IsRegular() || fl.partial || (fi.Size() == 0 && hasCompressedSuffix(name)) {
		// A compression under way (its plain original is still there):
		// an empty compressed file would pass for an empty plain file, and a
		// short one's head for the start of another file.
		fl.close()
		return nil
	}
	suffix := strings.TrimPrefix(filepath.Base(name), base)
	suffix = trimCompressed(suffix)
	return &rotated{file: fl, suffix: suffix, mtime: fi.ModTime(), openSize: fi.Size()}
}

// newerThan orders rotated files: path.0 before path.1 before path.2, and
// path-20250102 before path-20250101; other names by modification time.
func (r *rotated) newerThan(o *rotated) bool {
	a, aok := numberSuffix(r.suffix, ".")
	b, bok := numberSuffix(o.suffix, ".")
	if aok && bok && a != b {
		return a < b
	}
	da, daok := dateSuffix(r.suffix)
	db, dbok := dateSuffix(o.suffix)
	if daok && dbok && da != db {
		if len(da) != len(db) {
			return len(da) > len(db)
		}
		return da > db
	}
	if !r.mtime.Equal(o.mtime) {
		return r.mtime.After(o.mtime)
	}
	return r.name < o.name
}

// numberSuffix parses ".N".
func numberSuffix(s, sep string) (int, bool) {
	rest, ok := strings.CutPrefix(s, sep)
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	return n, err == nil && n >= 0
}

// dateSuffix returns the digits of "-YYYYMMDD" (or any "-digits").
func dateSuffix(s string) (string, bool) {
	rest, ok := strings.CutPrefix(s, "-")
	if !ok || rest == "" {
		return "", false
	}
	for _, c := range rest {
		if c < '0' || c > '9' {
			return "", false
		}
	}
	return rest, true
}

// holds reports whether r can be the file id was taken from, read up to off:
// the fingerprint matches (the inode too when there is no fingerprint) and,
// for a plain file, it is at least off bytes long.
func (r *rotated) holds(id Identity, off int64) bool {
	if id.FPLen == 0 && (r.compressed || !r.id.sameInode(id)) {
		return false
	}
	if !id.matchesPrefix(r.head) {
		return false
	}
	if r.compressed {
		return true
	}
	size, err := r.size()
	return err == nil && size >= off
}

// findRotated returns the index of the best file in rs holding (id, off),
// or -1: a plain file with the same inode (renamed), then any plain file (a
// copy), then a compressed one.
func findRotated(rs []*rotated, id Identity, off int64) int {
	best, bestScore := -1, 0
	for i, r := range rs {
		if !r.holds(id, off) {
			continue
		}
		score := 1
		if !r.compressed {
			score = 2
		}
		if !r.compressed && r.id.sameInode(id) {
			score = 3
		}
		if score > bestScore {
			best, bestScore = i, score
		}
	}
	return best
}

// newerFiles returns the files newer than rs[i], oldest first, leaving out
// copies of one another or of rs[i] (path.1 next to path.1.gz while it is
// being compressed), keeping the plain one. Two files are copies when one's
// head starts the other's: a compressed copy still being written has a
// shorter head than its original.
func newerFiles(rs []*rotated, i int) []*rotated {
	var out []*rotated
	for j := i - 1; j >= 0; j-- {
		r := rs[j]
		if len(r.head) > 0 && copyOf(r, rs[i]) {
			continue
		}
		k := -1
		for n, o := range out {
			if len(r.head) > 0 && copyOf(r, o) {
				k = n
				break
			}
		}
		switch {
		case k < 0:
			out = append(out, r)
		case out[k].compressed && !r.compressed:
			out[k] = r
		}
	}
	return out
}

// copyOf reports whether a and b hold the same content as far as both heads
// go.
func copyOf(a, b *rotated) bool {
	if len(a.head) == 0 || len(b.head) == 0 {
		return false
	}
	return bytes.HasPrefix(a.head, b.head) || bytes.HasPrefix(b.head, a.head)
}

// locate opens the rotated files of the path and returns the one holding
// (id, off), or nil, and the files newer than it, oldest first. It closes the
// others.
func (t *Tailer) locate(id Identity, off int64) (*rotated, []*file) {
	rs := openRotated(t.path, t.opts.Rotated)
	keep := map[*rotated]bool{}
	var found *rotated
	var newer []*file
	if i := findRotated(rs, id, off); i >= 0 {
		found = rs[i]
		keep[found] = true
		for _, r := range newerFiles(rs, i) {
			keep[r] = true
			newer = append(newer, r.file)
		}
	}
	for _, r := range rs {
		if !keep[r] {
			r.close()
		}
	}
	return found, newer
}

// closeAll closes files.
func closeAll(files []*file) {
	for _, f := range files {
		f.close()
	}
}
