package billing

import (
	"bytes"
	"compress/gzip"
	_ "embed" // the CJK fallback font
	"fmt"
	"io"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
)

// cjkFontGz is Droid Sans Fallback cut to the CJK national character sets
// (see fonts/README.md).
//
//go:embed fonts/cjk-subset.ttf.gz
var cjkFontGz []byte

// Font families of an invoice PDF: the Go fonts, and the CJK font for the
// characters they lack.
const (
	familyGo  = "go"
	familyCJK = "cjk"
)

// fontSet knows which characters each font has.
type fontSet struct {
	goFont, cjk *sfnt.Font
	cjkTTF      []byte
}

// fonts parses the fonts once per process.
var fonts = sync.OnceValues(func() (*fontSet, error) {
	zr, err := gzip.NewReader(bytes.NewReader(cjkFontGz))
	if err != nil {
		return nil, fmt.Errorf("cjk font: %w", err)
	}
	ttf, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("cjk font: %w", err)
	}
	fs := &fontSet{cjkTTF: ttf}
	if fs.goFont, err = sfnt.Parse(goregular.TTF); err != nil {
		return nil, fmt.Errorf("go font: %w", err)
	}
	if fs.cjk, err = sfnt.Parse(ttf); err != nil {
		return nil, fmt.Errorf("cjk font: %w", err)
	}
	return fs, nil
})

// has reports whether f has a glyph for r.
func has(f *sfnt.Font, buf *sfnt.Buffer, r rune) bool {
	i, err := f.GlyphIndex(buf, r)
	return err == nil && i != 0
}

// run is a stretch of text printed in one font family.
type run struct {
	family string
	text   string
}

// runs splits s into runs of the Go fonts and of the CJK font: a
// character goes to the CJK font only when the Go fonts lack it and the
// CJK font has it. Characters outside the Basic Multilingual Plane,
// which the PDF library cannot encode, become U+FFFD.
func (fs *fontSet) runs(s string) []run {
	s = strings.Map(func(r rune) rune {
		if r > 0xFFFF {
			return utf8.RuneError
		}
		return r
	}, s)
	var out []run
	var buf sfnt.Buffer
	start, cur := 0, ""
	for i, r := range s {
		fam := familyGo
		if r > 0x7f && !has(fs.goFont, &buf, r) && has(fs.cjk, &buf, r) {
			fam = familyCJK
		}
		if fam != cur && i > start {
			out = append(out, run{cur, s[start:i]})
			start = i
		}
		cur = fam
	}
	if len(s) > start {
		out = append(out, run{cur, s[start:]})
	}
	return out
}

// goFonts are the Go fonts by style.
var goFonts = map[string][]byte{"": goregular.TTF, "B": gobold.TTF}
