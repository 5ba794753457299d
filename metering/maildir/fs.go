package maildir

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// FS is the part of the file system the scanner and the watcher read. OSFS
// is the real one; tests wrap it to simulate failures.
type FS interface {
	// ReadDir calls fn for each entry of the directory dir, in directory
	// order, with the entry's type bits from the directory itself (no stat
	// per entry). It must not follow a symbolic link at dir: it returns an
	// error wrapping syscall.ELOOP (or ENOTDIR) for one. It returns an error
	// wrapping fs.ErrNotExist when dir does not exist.
	ReadDir(dir string, fn func(name string, typ fs.FileMode)) error
	// Lstat returns the FileInfo of name without following a symbolic link.
	Lstat(name string) (fs.FileInfo, error)
}

// OSFS is the operating system's file system.
type OSFS struct{}

// ReadDir implements FS with getdents reads: the entry type comes from
// the directory, so no file is stat()ed (but on a file system that does
// not record types), and the only allocation per entry is its name
// (readEntries).
func (OSFS) ReadDir(dir string, fn func(name string, typ fs.FileMode)) error {
	f, err := os.OpenFile(dir, os.O_RDONLY|syscall.O_DIRECTORY|syscall.O_NOFOLLOW, 0)
	if errors.Is(err, syscall.ENOTDIR) {
		// Linux says ENOTDIR for a symlink opened with O_DIRECTORY|O_NOFOLLOW.
		if fi, lerr := os.Lstat(dir); lerr == nil && fi.Mode()&fs.ModeSymlink != 0 {
			return &fs.PathError{Op: "open", Path: dir, Err: syscall.ELOOP}
		}
	}
	if err != nil {
		return err
	}
	defer f.Close()
	return readEntries(f, fn)
}

// Lstat implements FS with os.Lstat.
func (OSFS) Lstat(name string) (fs.FileInfo, error) { return os.Lstat(name) }
