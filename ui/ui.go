package ui

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed assets
var assets embed.FS

// Options configure the handler.
type Options struct {
	// FrameOrigins may show the quota widget (/embed/quota) in a frame,
	// besides the console's own origin: the webmails of api.cors_origins.
	FrameOrigins []string
}

// file is one embedded asset with what its responses carry.
type file struct {
	body        []byte
	contentType string
	etag        string
}

// handler serves the embedded console and widget.
type handler struct {
	files      map[string]file // by URL path
	consoleCSP string
	embedCSP   string
}

// New returns the handler of /ui/ (the console) and /embed/ (the quota
// widget): files embedded in the binary, nothing fetched from elsewhere.
func New(o Options) http.Handler {
	h := &handler{files: map[string]file{}}
	add := func(dir, prefix string) {
		_ = fs.WalkDir(assets, dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, _ := assets.ReadFile(p)
			sum := sha256.Sum256(b)
			ct := mime.TypeByExtension(path.Ext(p))
			if ct == "" {
				ct = "text/plain; charset=utf-8"
			}
			h.files[prefix+strings.TrimPrefix(p, dir+"/")] = file{b, ct, `"` + hex.EncodeToString(sum[:8]) + `"`}
			return nil
		})
	}
	add("assets/console", "/ui/")
	add("assets/embed", "/embed/")
	h.files["/ui/"] = h.files["/ui/index.html"]
	h.files["/embed/quota"] = h.files["/embed/quota.html"]
	const base = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
		"font-src 'self'; base-uri 'none'; form-action 'none'; "
	h.consoleCSP = base + "frame-ancestors 'none'"
	h.embedCSP = base + "frame-ancestors 'self'"
	for _, fo := range o.FrameOrigins {
		h.embedCSP += " " + fo
	}
	return h
}

// ServeHTTP answers GET and HEAD for the embedded files.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f, ok := h.files[r.URL.Path]
	if !ok || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		http.NotFound(w, r)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", f.contentType)
	hd.Set("ETag", f.etag)
	hd.Set("Cache-Control", "no-cache")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	if strings.HasPrefix(r.URL.Path, "/embed/") {
		hd.Set("Content-Security-Policy", h.embedCSP)
	} else {
		hd.Set("Content-Security-Policy", h.consoleCSP)
		hd.Set("X-Frame-Options", "DENY")
	}
	if r.Header.Get("If-None-Match") == f.etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(f.body)
}
