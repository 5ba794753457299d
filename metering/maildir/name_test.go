package maildir_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mailmeter/mailmeter/metering/maildir"
)

func TestParseName(t *testing.T) {
	tests := []struct {
		name string
		want maildir.Name
	}{
		{"1652167376.M478406P1666126.lh242.irandns.com,S=3147,W=3227",
			maildir.Name{Base: "1652167376.M478406P1666126.lh242.irandns.com", Size: 3147, HasSize: true, VirtualSize: 3227, HasVirtualSize: true}},
		{"1704379908.M88319P2768488.server.irpsc.com,S=299,W=310:2,S",
			maildir.Name{Base: "1704379908.M88319P2768488.server.irpsc.com", Size: 299, HasSize: true, VirtualSize: 310, HasVirtualSize: true, Info: "2,S"}},
		{"1087227438.M423329P18729V0000000000000802I00164E0A_0.secondborn.mahnke.net,S=540:2,S",
			maildir.Name{Base: "1087227438.M423329P18729V0000000000000802I00164E0A_0.secondborn.mahnke.net", Size: 540, HasSize: true, Info: "2,S"}},
		{"1592716534.M220586P7395.lh09.irandns.com,S=398003,W=403244_2,S",
			maildir.Name{Base: "1592716534.M220586P7395.lh09.irandns.com", Size: 398003, HasSize: true, VirtualSize: 403244, HasVirtualSize: true, Info: "2,S"}},
		{"1.host,S=12;2,FS", maildir.Name{Base: "1.host", Size: 12, HasSize: true, Info: "2,FS"}},
		{"1.host,S=12!2,", maildir.Name{Base: "1.host", Size: 12, HasSize: true, Info: "2,"}},
		{"1594117260.H4885P33874.whdaa08.nxcloud.inet.co.th", maildir.Name{Base: "1594117260.H4885P33874.whdaa08.nxcloud.inet.co.th"}},
		{"1594117260.H4885P33874.host_2,S", maildir.Name{Base: "1594117260.H4885P33874.host", Info: "2,S"}},
		{"3.myhost.test.ex:S370", maildir.Name{Base: "3.myhost.test.ex", Info: "S370"}},
		{"4.myhost.test.ex,S=370", maildir.Name{Base: "4.myhost.test.ex", Size: 370, HasSize: true}},
		{"7.myhost.test.ex,S=10694953:2,S", maildir.Name{Base: "7.myhost.test.ex", Size: 10694953, HasSize: true, Info: "2,S"}},
		{"5.host,W=400", maildir.Name{Base: "5.host", VirtualSize: 400, HasVirtualSize: true}},
		{"1035478339.27041_118.foo.org,S=1000,W=1030:2,S",
			maildir.Name{Base: "1035478339.27041_118.foo.org", Size: 1000, HasSize: true, VirtualSize: 1030, HasVirtualSize: true, Info: "2,S"}},
		{"1491941793.M41850P8566V0000000000000015I0000000004F3030E_0.mx1.example.com,S=10956:2,STln",
			maildir.Name{Base: "1491941793.M41850P8566V0000000000000015I0000000004F3030E_0.mx1.example.com", Size: 10956, HasSize: true, Info: "2,STln"}},
		{"6.host,S=12x", maildir.Name{Base: "6.host"}},                 // not followed by a separator
		{"6.host,S=", maildir.Name{Base: "6.host"}},                    // no digits
		{"6.host,S=-5:2,", maildir.Name{Base: "6.host", Info: "2,"}},   // no sign
		{"6.host,XS=5", maildir.Name{Base: "6.host"}},                  // other field
		{"6.host,S=1234567890123456789", maildir.Name{Base: "6.host"}}, // too long
		{"6.host,S=5:2,S,S=9", maildir.Name{Base: "6.host", Size: 5, HasSize: true, Info: "2,S,S=9"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := maildir.ParseName(tt.name)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseName(%q) (-want +got):\n%s", tt.name, diff)
			}
			if b := maildir.BaseName(tt.name); b != tt.want.Base {
				t.Errorf("BaseName(%q) = %q, want %q", tt.name, b, tt.want.Base)
			}
		})
	}
}

func FuzzParseName(f *testing.F) {
	for _, s := range []string{"1.h,S=1,W=2:2,S", "1.h,S=1_2,S", "a:S370", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := maildir.ParseName(s)
		if n.Size < 0 || n.VirtualSize < 0 {
			t.Fatalf("negative size from %q: %+v", s, n)
		}
		if len(n.Base) > len(s) || s[:len(n.Base)] != n.Base {
			t.Fatalf("base %q is not a prefix of %q", n.Base, s)
		}
	})
}
