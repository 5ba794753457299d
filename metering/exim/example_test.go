package exim_test

import (
	"fmt"

	"github.com/mailmeter/mailmeter/metering/exim"
)

func ExampleParseLine() {
	r, err := exim.ParseLine([]byte(`2014-08-10 11:18:35 [28107] 1gsu1C-003dCu-Hb <= aaron@domain.com H=localhost (10.5.40.204) [127.0.0.1]:39753 I=[127.0.0.1]:25 P=esmtpa A=dovecot_plain:aaron@domain.com S=4315 id=d2b6@domain.com T="what's up?!? ;-)" for aaron+forward@domain.com`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Kind, string(r.ID), r.Size, string(r.AuthID), string(r.HostIP), r.RecipientCount())
	// Output: arrival 1gsu1C-003dCu-Hb 4315 aaron@domain.com 127.0.0.1 1
}
