package tail

// Identify returns the identity of the file at path, plain or gzip (the
// fingerprint is of its uncompressed start), so a caller can name a source
// by its content before reading it. The error wraps os.ErrNotExist if there
// is no such file.
func Identify(path string) (Identity, error) {
	fl, err := openFile(path)
	if err != nil {
		return Identity{}, err
	}
	defer fl.close()
	return fl.id, nil
}
