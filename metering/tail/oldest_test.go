package tail_test

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/mailmeter/mailmeter/metering/tail"
)

func TestFromOldest(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string // suffix → content; ".gz" ones compressed
		want  []string
	}{
		{"no rotated files", map[string]string{"": "c1\n"}, []string{"c1"}},
		{"numbered", map[string]string{".2.gz": "a1\na2\n", ".1": "b1\n", "": "c1\n"}, []string{"a1", "a2", "b1", "c1"}},
		{"dated, path missing", map[string]string{"-20250101.gz": "a1\n", "-20250102": "b1\n"}, []string{"a1", "b1"}},
		{"copy being compressed", map[string]string{".2.gz": "a1\n", ".1": "b1\nb2\n", ".1.gz": "b1\n", "": "c1\n"}, []string{"a1", "b1", "b2", "c1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := logPath(t)
			for suffix, content := range tt.files {
				data := []byte(content)
				if strings.HasSuffix(suffix, ".gz") {
					data = gzipBytes(data)
				}
				must(t, os.WriteFile(path+suffix, data, 0o644))
			}
			tl := open(t, path, tail.Position{}, tail.Options{FromOldest: true})
			if got := drain(t, tl, 2).lines; !slices.Equal(got, tt.want) {
				t.Errorf("lines %q, want %q", got, tt.want)
			}
		})
	}
}
