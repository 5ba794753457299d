package slatest_test

import (
	"testing"

	"github.com/mailmeter/mailmeter/sla/slatest"
)

func TestMemoryContract(t *testing.T) {
	m := slatest.NewMemory()
	slatest.Contract(t, m, m.AddChecks)
}
