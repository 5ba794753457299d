// Package policy answers Postfix's policy delegation protocol
// (check_policy_service) with quota decisions: a recipient whose mailbox is
// over its storage or message limit is refused at RCPT time, and an
// authenticated sender over its daily outbound limit is deferred. Answers
// come from the in-memory quota view, so a decision costs microseconds.
//
// The protocol (https://www.postfix.org/SMTPD_POLICY_README.html): Postfix
// writes "name=value" lines ending with an empty line; the server answers
// "action=..." and an empty line, and the connection may carry further
// requests.
package policy

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Limits bound what one request may hold.
const (
	MaxLineBytes  = 8 << 10  // one attribute line
	MaxAttributes = 128      // lines of one request
	maxRequest    = 64 << 10 // all lines of one request
)

// Request is one policy request. The attributes the decisions use have
// fields; every attribute is in Attrs (the last value of a repeated name).
type Request struct {
	Request        string // "smtpd_access_policy"
	ProtocolState  string // CONNECT, EHLO, HELO, MAIL, RCPT, DATA, END-OF-MESSAGE, VRFY, ETRN
	Sender         string
	Recipient      string
	SASLUsername   string
	Size           int64 // message size: the SIZE= of MAIL FROM at RCPT time (0 if none), the real size at END-OF-MESSAGE
	RecipientCount int64 // recipients of the message, at DATA and END-OF-MESSAGE
	QueueID        string
	ClientAddress  string
	InstanceID     string // Postfix's per-message instance id
	Attrs          map[string]string
}

// ErrMalformed is a request with a line that is not name=value or a value
// that cannot be read. The request was read to its end: the connection can
// go on.
var ErrMalformed = errors.New("malformed policy request")

// ErrTooLong is a line or request over the limits. The rest of the stream
// cannot be trusted: the connection must close.
var ErrTooLong = errors.New("policy request too long")

// ReadRequest reads one request. It returns io.EOF at a clean end of the
// stream (between requests), io.ErrUnexpectedEOF if the stream ends inside
// a request, ErrTooLong past the limits, and an error wrapping ErrMalformed
// (with the request read so far) for a bad line.
func ReadRequest(r *bufio.Reader) (Request, error) {
	req := Request{Attrs: map[string]string{}}
	var bad error
	total, lines := 0, 0
	for {
		line, err := readLine(r)
		if err != nil {
			if errors.Is(err, io.EOF) && lines > 0 {
				return req, io.ErrUnexpectedEOF
			}
			return req, err
		}
		if len(line) == 0 {
			if lines == 0 {
				continue // stray empty line between requests
			}
			return req, bad
		}
		lines++
		total += len(line) + 1
		if lines > MaxAttributes || total > maxRequest {
			return req, fmt.Errorf("%w: over %d attributes or %d bytes", ErrTooLong, MaxAttributes, maxRequest)
		}
		name, value, ok := bytes.Cut(line, []byte("="))
		if !ok || len(name) == 0 {
			if bad == nil {
				bad = fmt.Errorf("%w: line %d is not name=value: %.40q", ErrMalformed, lines, line)
			}
			continue
		}
		if err := req.set(string(name), string(value)); err != nil && bad == nil {
			bad = fmt.Errorf("%w: %v", ErrMalformed, err)
		}
	}
}

// readLine returns a line without its "\n" (and a "\r" before it). A line
// longer than r's buffer is gathered in a new slice, up to MaxLineBytes.
func readLine(r *bufio.Reader) ([]byte, error) {
	line, err := r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		long := append([]byte(nil), line...)
		for errors.Is(err, bufio.ErrBufferFull) && len(long) <= MaxLineBytes {
			line, err = r.ReadSlice('\n')
			long = append(long, line...)
		}
		line = long
	}
	switch {
	case errors.Is(err, bufio.ErrBufferFull) || len(line) > MaxLineBytes:
		return nil, fmt.Errorf("%w: a line over %d bytes", ErrTooLong, MaxLineBytes)
	case errors.Is(err, io.EOF) && len(line) > 0:
		return nil, io.ErrUnexpectedEOF
	case err != nil:
		return nil, err
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

func (req *Request) set(name, value string) error {
	req.Attrs[name] = value
	switch name {
	case "request":
		req.Request = value
	case "protocol_state":
		req.ProtocolState = value
	case "sender":
		req.Sender = value
	case "recipient":
		req.Recipient = value
	case "sasl_username":
		req.SASLUsername = value
	case "queue_id":
		req.QueueID = value
	case "client_address":
		req.ClientAddress = value
	case "instance":
		req.InstanceID = value
	case "size", "recipient_count":
		n := int64(0)
		if value != "" {
			v, err := strconv.ParseInt(value, 10, 64)
			if err != nil || v < 0 {
				return fmt.Errorf("%s=%.20q is not a count", name, value)
			}
			n = v
		}
		if name == "size" {
			req.Size = n
		} else {
			req.RecipientCount = n
		}
	}
	return nil
}

// readBuffer is the read buffer of a connection: a whole Postfix request
// (some 600 bytes) fits, and ten thousand idle connections hold 20 MB.
const readBuffer = 2 << 10

// NewReader returns a reader sized for requests on conn.
func NewReader(conn io.Reader) *bufio.Reader { return bufio.NewReaderSize(conn, readBuffer) }

// WriteReply writes "action=ACTION" and the empty line that ends a reply.
// An action never holds a newline (Decide builds them).
func WriteReply(w io.Writer, action string) error {
	_, err := io.WriteString(w, "action="+action+"\n\n")
	return err
}
