package logline_test

import (
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/internal/testenv"
	"github.com/mailmeter/mailmeter/metering/logline"
)

func TestYearInferrer(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		testenv.Skip(t, "the IANA time zone database", "apt-get install tzdata: "+err.Error())
	}
	tests := []struct {
		name  string
		ref   time.Time
		loc   *time.Location
		lines []string
		want  []time.Time
	}{
		{
			name:  "same year as reference",
			ref:   time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC),
			loc:   time.UTC,
			lines: []string{"Mar  9 10:00:00 h p: x"},
			want:  []time.Time{time.Date(2026, 3, 9, 10, 0, 0, 0, time.UTC)},
		},
		{
			name:  "slack of a day after reference",
			ref:   time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC),
			loc:   time.UTC,
			lines: []string{"Mar 10 20:00:00 h p: x"},
			want:  []time.Time{time.Date(2026, 3, 10, 20, 0, 0, 0, time.UTC)},
		},
		{
			name:  "after reference means last year",
			ref:   time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC),
			loc:   time.UTC,
			lines: []string{"Dec 30 23:00:00 h p: a", "Dec 31 23:59:59 h p: b", "Jan  1 00:00:01 h p: c"},
			want: []time.Time{
				time.Date(2025, 12, 30, 23, 0, 0, 0, time.UTC),
				time.Date(2025, 12, 31, 23, 59, 59, 0, time.UTC),
				time.Date(2026, 1, 1, 0, 0, 1, 0, time.UTC),
			},
		},
		{
			name:  "jitter across new year",
			ref:   time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC),
			loc:   time.UTC,
			lines: []string{"Dec 31 23:59:58 h p: a", "Jan  1 00:00:01 h p: b", "Dec 31 23:59:59 h p: c", "Jan  1 00:00:02 h p: d"},
			want: []time.Time{
				time.Date(2025, 12, 31, 23, 59, 58, 0, time.UTC),
				time.Date(2026, 1, 1, 0, 0, 1, 0, time.UTC),
				time.Date(2025, 12, 31, 23, 59, 59, 0, time.UTC),
				time.Date(2026, 1, 1, 0, 0, 2, 0, time.UTC),
			},
		},
		{
			name:  "small backwards jitter",
			ref:   time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC),
			loc:   time.UTC,
			lines: []string{"May  1 10:00:05 h p: a", "May  1 10:00:03 h p: b"},
			want: []time.Time{
				time.Date(2026, 5, 1, 10, 0, 5, 0, time.UTC),
				time.Date(2026, 5, 1, 10, 0, 3, 0, time.UTC),
			},
		},
		{
			name:  "location applies",
			ref:   time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC),
			loc:   berlin,
			lines: []string{"May  1 10:00:00 h p: a"},
			want:  []time.Time{time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)},
		},
		{
			name:  "zoned stamps pass through",
			ref:   time.Date(2020, 6, 1, 0, 0, 0, 0, time.UTC),
			loc:   berlin,
			lines: []string{"2024-08-26T01:33:38+00:00 h p: a"},
			want:  []time.Time{time.Date(2024, 8, 26, 1, 33, 38, 0, time.UTC)},
		},
		{
			name:  "year without zone read in location",
			ref:   time.Date(2020, 6, 1, 0, 0, 0, 0, time.UTC),
			loc:   berlin,
			lines: []string{"2020-06-19 04:51:49 [1] x"},
			want:  []time.Time{time.Date(2020, 6, 19, 2, 51, 49, 0, time.UTC)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			y := logline.NewYearInferrer(tt.ref, tt.loc)
			for i, line := range tt.lines {
				e, err := logline.Parse([]byte(line))
				if err != nil {
					t.Fatalf("Parse(%q): %v", line, err)
				}
				if got := y.Resolve(&e); !got.Equal(tt.want[i]) {
					t.Errorf("line %d %q: got %v, want %v", i, line, got.UTC(), tt.want[i])
				}
			}
		})
	}
}

func TestYearInferrerSeed(t *testing.T) {
	ref := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	lines := []string{"Dec 31 23:59:58 h p: a", "Jan  1 00:00:01 h p: b", "Jan  1 00:00:02 h p: c"}
	whole := logline.NewYearInferrer(ref, time.UTC)
	var want []time.Time
	for _, l := range lines {
		e, _ := logline.Parse([]byte(l))
		want = append(want, whole.Resolve(&e))
	}
	for k := range lines {
		a := logline.NewYearInferrer(ref, time.UTC)
		var got []time.Time
		for _, l := range lines[:k] {
			e, _ := logline.Parse([]byte(l))
			got = append(got, a.Resolve(&e))
		}
		b := logline.NewYearInferrer(ref, time.UTC)
		b.Seed(a.Last())
		for _, l := range lines[k:] {
			e, _ := logline.Parse([]byte(l))
			got = append(got, b.Resolve(&e))
		}
		for i := range want {
			if !got[i].Equal(want[i]) {
				t.Errorf("split at %d, line %d: got %v, want %v", k, i, got[i], want[i])
			}
		}
	}
}
