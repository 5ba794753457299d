package logline_test

import (
	"testing"

	"github.com/mailmeter/mailmeter/metering/logline"
)

func TestAtoi(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true},
		{"007", 7, true},
		{"123456789", 123456789, true},
		{"999999999999999999", 999999999999999999, true}, // 18 digits: the most taken
		{"1000000000000000000", 0, false},                // 19 digits could pass int64
		{"", 0, false},
		{"-1", 0, false},
		{"+1", 0, false},
		{"12a", 0, false},
		{" 1", 0, false},
	} {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := logline.Atoi([]byte(tt.in))
			if got != tt.want || ok != tt.ok {
				t.Errorf("Atoi(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}
