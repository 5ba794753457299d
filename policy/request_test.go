package policy_test

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/mailmeter/mailmeter/policy"
)

// A request as Postfix 3.7 sends it at RCPT time (SMTPD_POLICY_README).
const rcptRequest = `request=smtpd_access_policy
protocol_state=RCPT
protocol_name=ESMTP
client_address=127.0.0.1
client_name=localhost
reverse_client_name=localhost
helo_name=client.example
sender=someone@remote.example
recipient=Alice+news@Acme.example
recipient_count=0
queue_id=
instance=1a2b.6561e2f0.8c1f3.0
size=12345
etrn_domain=
stress=
sasl_method=
sasl_username=
sasl_sender=
ccert_subject=
ccert_issuer=
ccert_fingerprint=
encryption_protocol=TLSv1.3
encryption_cipher=TLS_AES_256_GCM_SHA384
encryption_keysize=256
policy_context=
server_address=127.0.0.1
server_port=25

`

func TestReadRequest(t *testing.T) {
	r := bufio.NewReader(strings.NewReader(rcptRequest + "\n" + strings.ReplaceAll("request=smtpd_access_policy\nprotocol_state=END-OF-MESSAGE\nsize=900\nrecipient_count=3\nsasl_username=bob@acme.example\nnote=a=b\n\n", "\n", "\r\n")))
	req, err := policy.ReadRequest(r)
	if err != nil {
		t.Fatal(err)
	}
	if req.Request != "smtpd_access_policy" || req.ProtocolState != "RCPT" || req.Recipient != "Alice+news@Acme.example" ||
		req.Size != 12345 || req.Sender != "someone@remote.example" || req.ClientAddress != "127.0.0.1" || req.InstanceID != "1a2b.6561e2f0.8c1f3.0" {
		t.Errorf("first request = %+v", req)
	}
	if len(req.Attrs) != 27 || req.Attrs["server_port"] != "25" {
		t.Errorf("attrs: %d, %v", len(req.Attrs), req.Attrs)
	}
	// A second request on the same stream, with CRLF and a value holding "=".
	req, err = policy.ReadRequest(r)
	if err != nil {
		t.Fatal(err)
	}
	if req.ProtocolState != "END-OF-MESSAGE" || req.Size != 900 || req.RecipientCount != 3 || req.SASLUsername != "bob@acme.example" || req.Attrs["note"] != "a=b" {
		t.Errorf("second request = %+v", req)
	}
	if _, err := policy.ReadRequest(r); err != io.EOF {
		t.Errorf("end of stream: %v, want io.EOF", err)
	}
}

func TestReadRequestErrors(t *testing.T) {
	tests := []struct {
		name, in string
		want     error
		thenOK   bool // a good request after it is still read
	}{
		{"line without =", "request=smtpd_access_policy\ngarbage\n\n", policy.ErrMalformed, true},
		{"empty name", "=x\n\n", policy.ErrMalformed, true},
		{"bad size", "request=smtpd_access_policy\nsize=lots\n\n", policy.ErrMalformed, true},
		{"negative count", "recipient_count=-1\n\n", policy.ErrMalformed, true},
		{"truncated", "request=smtpd_access_policy\nprotocol_state=RCPT", io.ErrUnexpectedEOF, false},
		{"ends without blank line", "request=smtpd_access_policy\n", io.ErrUnexpectedEOF, false},
		{"line too long", "recipient=" + strings.Repeat("a", policy.MaxLineBytes) + "\n\n", policy.ErrTooLong, false},
		{"too many attributes", strings.Repeat("x=y\n", policy.MaxAttributes+1) + "\n", policy.ErrTooLong, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			if tt.thenOK {
				in += "request=smtpd_access_policy\nprotocol_state=RCPT\n\n"
			}
			r := policy.NewReader(strings.NewReader(in))
			_, err := policy.ReadRequest(r)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if !tt.thenOK {
				return
			}
			req, err := policy.ReadRequest(r)
			if err != nil || req.ProtocolState != "RCPT" {
				t.Errorf("next request = %+v, %v", req, err)
			}
		})
	}
}

func TestStrayBlankLinesBetweenRequests(t *testing.T) {
	r := policy.NewReader(strings.NewReader("\n\nrequest=smtpd_access_policy\n\n"))
	if req, err := policy.ReadRequest(r); err != nil || req.Request != "smtpd_access_policy" {
		t.Errorf("got %+v, %v", req, err)
	}
}

// FuzzReadRequest: any bytes give requests or one of the documented
// errors, never a panic, and a request read whole has what its lines say.
func FuzzReadRequest(f *testing.F) {
	f.Add([]byte(rcptRequest))
	f.Add([]byte("request=smtpd_access_policy\r\nsize=1\r\n\r\n"))
	f.Add([]byte("a\n\n=\n\nsize=9999999999999999999999\n\n"))
	f.Add([]byte("recipient_count=\nsize=\n\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		r := policy.NewReader(strings.NewReader(string(in)))
		for range 1000 {
			req, err := policy.ReadRequest(r)
			switch {
			case err == nil:
				if len(req.Attrs) == 0 {
					t.Fatalf("request without attributes from %q", in)
				}
				if req.Size < 0 || req.RecipientCount < 0 {
					t.Fatalf("negative count %+v", req)
				}
			case errors.Is(err, policy.ErrMalformed):
			case err == io.EOF, errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, policy.ErrTooLong):
				return
			default:
				t.Fatalf("unexpected error %v", err)
			}
		}
	})
}
