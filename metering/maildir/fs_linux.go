package maildir

import (
	"encoding/binary"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"unsafe"
)

// direntBufs recycles the buffers getdents fills.
var direntBufs = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// readEntries lists f with getdents64 into a pooled buffer, parsing the
// records in place: a name is allocated only as the string fn gets, where
// (*os.File).ReadDir allocates an entry besides. An entry whose type the
// file system does not record is lstat()ed.
func readEntries(f *os.File, fn func(name string, typ fs.FileMode)) error {
	bp := direntBufs.Get().(*[]byte)
	defer direntBufs.Put(bp)
	buf := *bp
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	for {
		var n int
		var rerr error
		if err := rc.Read(func(fd uintptr) bool {
			n, rerr = syscall.ReadDirent(int(fd), buf)
			return rerr != syscall.EAGAIN
		}); err != nil {
			return err
		}
		if rerr != nil {
			return &fs.PathError{Op: "readdirent", Path: f.Name(), Err: rerr}
		}
		if n <= 0 {
			return nil
		}
		if err := parseDirents(f.Name(), buf[:n], fn); err != nil {
			return err
		}
	}
}

// The fields of struct linux_dirent64 that are read.
const (
	direntReclen = int(unsafe.Offsetof(syscall.Dirent{}.Reclen))
	direntType   = int(unsafe.Offsetof(syscall.Dirent{}.Type))
	direntName   = int(unsafe.Offsetof(syscall.Dirent{}.Name))
)

// parseDirents calls fn for each record of buf but "." and "..".
func parseDirents(dir string, buf []byte, fn func(name string, typ fs.FileMode)) error {
	for len(buf) > direntName {
		reclen := int(binary.NativeEndian.Uint16(buf[direntReclen:]))
		if reclen <= direntName || reclen > len(buf) {
			return &fs.PathError{Op: "readdirent", Path: dir, Err: syscall.EIO}
		}
		rec := buf[:reclen]
		buf = buf[reclen:]
		name := rec[direntName:]
		for i, c := range name {
			if c == 0 {
				name = name[:i]
				break
			}
		}
		if len(name) == 0 || string(name) == "." || string(name) == ".." {
			continue
		}
		typ, ok := direntMode(rec[direntType])
		s := string(name)
		if !ok {
			fi, err := os.Lstat(filepath.Join(dir, s))
			if err != nil {
				continue // gone since listed: as if not listed
			}
			typ = fi.Mode().Type()
		}
		fn(s, typ)
	}
	return nil
}

// direntMode maps a d_type to the type bits of an fs.FileMode; ok is false
// for DT_UNKNOWN.
func direntMode(t byte) (fs.FileMode, bool) {
	switch t {
	case syscall.DT_REG:
		return 0, true
	case syscall.DT_DIR:
		return fs.ModeDir, true
	case syscall.DT_LNK:
		return fs.ModeSymlink, true
	case syscall.DT_FIFO:
		return fs.ModeNamedPipe, true
	case syscall.DT_SOCK:
		return fs.ModeSocket, true
	case syscall.DT_CHR:
		return fs.ModeDevice | fs.ModeCharDevice, true
	case syscall.DT_BLK:
		return fs.ModeDevice, true
	}
	return 0, false
}
