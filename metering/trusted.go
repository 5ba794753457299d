package metering

import (
	"net/netip"
	"strconv"
)

// TrustedSenders names submitters that do not authenticate but whose
// envelope sender is taken as the sending mailbox: web mail and scripts
// submitting through sendmail(1) as a local user (Postfix pickup "uid=",
// Exim "U=" with P=local), or over unauthenticated SMTP from a trusted
// host. An authenticated sender (SASL, Exim A=) always wins. Whether the
// envelope sender is a hosted mailbox is decided when usage is read
// (AddressScope), so an unhosted sender's usage stays evidence, never a
// customer's figure. The zero value trusts nobody.
type TrustedSenders struct {
	UIDs     []int64        // local uids: Postfix pickup uid=, a numeric Exim U=
	Users    []string       // local user names: Exim U= of local submissions
	Networks []netip.Prefix // SMTP client addresses (Postfix client=, Exim H=)
}

// Empty reports whether nothing is trusted.
func (t TrustedSenders) Empty() bool {
	return len(t.UIDs) == 0 && len(t.Users) == 0 && len(t.Networks) == 0
}

// TrustsUID reports whether local uid is trusted.
func (t TrustedSenders) TrustsUID(uid int64) bool {
	for _, u := range t.UIDs {
		if u == uid {
			return true
		}
	}
	return false
}

// TrustsUser reports whether the local user named (or numbered) user is
// trusted.
func (t TrustedSenders) TrustsUser(user []byte) bool {
	for _, u := range t.Users {
		if u == string(user) {
			return true
		}
	}
	if n, err := strconv.ParseInt(string(user), 10, 64); err == nil {
		return t.TrustsUID(n)
	}
	return false
}

// TrustsClient reports whether the SMTP client address ip (text, without
// brackets or port) is in a trusted network.
func (t TrustedSenders) TrustsClient(ip []byte) bool {
	if len(t.Networks) == 0 {
		return false
	}
	a, err := netip.ParseAddr(string(ip))
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, n := range t.Networks {
		if n.Contains(a) {
			return true
		}
	}
	return false
}

// MessageIDHash is a 64-bit hash of a Message-ID, 0 for none. Processors
// keep it for open messages when trusted networks are configured: a
// content filter's re-injected copy carries its original's Message-ID, and
// must not be taken for a new submission from a trusted client.
func MessageIDHash(mid []byte) uint64 {
	if len(mid) == 0 {
		return 0
	}
	h := uint64(14695981039346656037) // FNV-1a
	for _, c := range mid {
		h = (h ^ uint64(c)) * 1099511628211
	}
	return max(h, 1)
}
