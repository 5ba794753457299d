//go:build !linux

package maildir

import (
	"errors"
	"io"
	"io/fs"
	"os"
)

// readEntries lists f with (*os.File).ReadDir, a batch at a time.
func readEntries(f *os.File, fn func(name string, typ fs.FileMode)) error {
	for {
		entries, err := f.ReadDir(readDirBatch)
		for _, e := range entries {
			fn(e.Name(), e.Type())
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// readDirBatch bounds the entries held at once when listing a large
// directory.
const readDirBatch = 1024
