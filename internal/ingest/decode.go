package ingest

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/mailmeter/mailmeter/metering"
)

// Decode reads a batch from r as a stream: the top-level fields token by
// token and the entries of counters, gauges and latency one at a time,
// straight into what metering.Ingester takes. Memory grows with the decoded
// entries, not with the JSON text (a 30 MB batch is never held whole), and
// repeated mailboxes, folders and domains share one string.
//
// Errors about the content are Invalid *metering.Error values naming the
// field: "seq", "counters[3].hour", an unknown field. Errors of the JSON
// text itself (syntax, a value of the wrong type, an empty body, a second
// value after the batch) and of reading r are returned as encoding/json
// and the reader gave them, for the caller to describe. Decode does not
// validate values; metering.IngestInput.Validate does.
func Decode(r io.Reader) (metering.IngestInput, error) {
	d := decoder{dec: json.NewDecoder(r), strs: map[string]string{}, seen: map[string]bool{}}
	d.dec.DisallowUnknownFields()
	d.cp = &metering.Checkpoint{}
	if err := d.batch(); err != nil {
		return metering.IngestInput{}, err
	}
	d.in.Batch.Checkpoint = d.cp
	return d.in, nil
}

// decoder is the state of one Decode.
type decoder struct {
	dec  *json.Decoder
	in   metering.IngestInput
	cp   *metering.Checkpoint
	strs map[string]string // interned texts
	seen map[string]bool   // top-level fields read
	// entries are reused for every entry of their list.
	entries struct {
		counter counterIn
		gauge   gaugeIn
		latency latencyIn
	}
}

// batch reads the top-level object and checks nothing follows it. The
// end of the body inside the object is io.ErrUnexpectedEOF; io.EOF
// means an empty body.
func (d *decoder) batch() error {
	if err := d.delim('{', "body", "a JSON object"); err != nil {
		return err
	}
	err := d.members()
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// members reads the fields of the top-level object up to its end.
func (d *decoder) members() error {
	for d.dec.More() {
		tok, err := d.dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		if d.seen[key] {
			return metering.FieldError(key, "%s given twice", key)
		}
		d.seen[key] = true
		if err := d.field(key); err != nil {
			return err
		}
	}
	if _, err := d.dec.Token(); err != nil { // the closing brace
		return err
	}
	if _, err := d.dec.Token(); err != io.EOF {
		return errMore
	}
	return nil
}

// errMore is the error of a body holding more than the batch.
var errMore = errors.New("body holds more than one JSON value")

// field reads the value of one top-level field.
func (d *decoder) field(key string) error {
	switch key {
	case "source":
		return d.value(key, &d.cp.Source)
	case "seq":
		return d.value(key, &d.cp.Seq)
	case "from_offset":
		return d.value(key, &d.in.From)
	case "to_offset":
		return d.value(key, &d.cp.Offset)
	case "position":
		return d.bytes(key, &d.cp.Position)
	case "state":
		return d.bytes(key, &d.cp.State)
	case "counters":
		return d.list(key, d.counter)
	case "gauges":
		return d.list(key, d.gauge)
	case "latency":
		return d.list(key, d.latency)
	}
	if err := metering.CheckText("field name", key); err != nil {
		return metering.FieldError("body", "%v", err)
	}
	return metering.FieldError(key, "unknown field %q", key)
}

// value decodes one scalar into dst.
func (d *decoder) value(key string, dst any) error {
	return entryError(key, d.dec.Decode(dst))
}

// bytes decodes a base64 string, refusing control characters in it
// (which the base64 decoder would skip).
func (d *decoder) bytes(key string, dst *[]byte) error {
	var s *string
	if err := d.value(key, &s); err != nil || s == nil {
		return err
	}
	if err := metering.CheckText(key, *s); err != nil {
		return err
	}
	b, err := base64.StdEncoding.DecodeString(*s)
	if err != nil {
		return metering.FieldError(key, "%s: not base64: %v", key, err)
	}
	*dst = b
	return nil
}

// list reads an array (or null) of entries, each with one.
func (d *decoder) list(key string, one func() error) error {
	tok, err := d.dec.Token()
	if err != nil || tok == nil {
		return err
	}
	if tok != json.Delim('[') {
		return metering.FieldError(key, "%s: want a JSON array", key)
	}
	for i := 0; d.dec.More(); i++ {
		if err := one(); err != nil {
			return metering.InEntry(key, i, err)
		}
	}
	_, err = d.dec.Token() // the closing bracket
	return err
}

// counterIn, gaugeIn and latencyIn are the entries as decoded.
type (
	counterIn struct {
		Mailbox string    `json:"mailbox"`
		Metric  string    `json:"metric"`
		Hour    hourStamp `json:"hour"`
		Value   int64     `json:"value"`
	}
	gaugeIn struct {
		Mailbox    string        `json:"mailbox"`
		Folder     string        `json:"folder"`
		Metric     string        `json:"metric"`
		Hour       hourStamp     `json:"hour"`
		Last       int64         `json:"last"`
		Max        int64         `json:"max"`
		ObservedAt observedStamp `json:"observed_at"`
	}
	latencyIn struct {
		Hour      hourStamp `json:"hour"`
		Direction string    `json:"direction"`
		Domain    string    `json:"domain"`
		Bucket    int       `json:"bucket"`
		Count     int64     `json:"count"`
	}
)

func (d *decoder) counter() error {
	c := &d.entries.counter
	*c = counterIn{}
	if err := d.entry(c); err != nil {
		return err
	}
	d.in.Batch.Counters = append(d.in.Batch.Counters, metering.CounterDelta{Mailbox: d.intern(c.Mailbox),
		Metric: metering.Metric(d.intern(c.Metric)), Hour: time.Time(c.Hour), Value: c.Value})
	return nil
}

func (d *decoder) gauge() error {
	g := &d.entries.gauge
	*g = gaugeIn{}
	if err := d.entry(g); err != nil {
		return err
	}
	d.in.Batch.Gauges = append(d.in.Batch.Gauges, metering.GaugeDelta{Mailbox: d.intern(g.Mailbox), Folder: d.intern(g.Folder),
		Metric: metering.Metric(d.intern(g.Metric)), Hour: time.Time(g.Hour), Last: g.Last, Max: g.Max, ObservedAt: time.Time(g.ObservedAt)})
	return nil
}

func (d *decoder) latency() error {
	l := &d.entries.latency
	*l = latencyIn{}
	if err := d.entry(l); err != nil {
		return err
	}
	d.in.Batch.Latency = append(d.in.Batch.Latency, metering.LatencyDelta{Hour: time.Time(l.Hour),
		Direction: metering.Direction(d.intern(l.Direction)), Domain: d.intern(l.Domain), Bucket: l.Bucket, Count: l.Count})
	return nil
}

// entry decodes one entry of a list into dst.
func (d *decoder) entry(dst any) error { return entryError("", d.dec.Decode(dst)) }

// entryError describes an error of decoding a value: field errors name the
// field under at ("" for an entry, whose list and index the caller adds).
func entryError(at string, err error) error {
	var me *metering.Error
	var te *json.UnmarshalTypeError
	join := func(f string) string {
		if at == "" || f == "" {
			return at + f
		}
		return at + "." + f
	}
	switch {
	case err == nil:
		return nil
	case errors.As(err, &me):
		return &metering.Error{Kind: me.Kind, Field: join(me.Field), Message: me.Message}
	case errors.As(err, &te):
		f := join(te.Field)
		return metering.FieldError(f, "%s: want a JSON %s, got %s", f, te.Type, te.Value)
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		f = join(strings.Trim(f, `"`))
		return metering.FieldError(f, "unknown field %q", f)
	}
	return err
}

// delim reads the opening delimiter of a value.
func (d *decoder) delim(want json.Delim, field, what string) error {
	tok, err := d.dec.Token()
	if err != nil {
		return err
	}
	if tok != want {
		return metering.FieldError(field, "%s: want %s", field, what)
	}
	return nil
}

// intern returns one shared copy of s.
func (d *decoder) intern(s string) string {
	if c, ok := d.strs[s]; ok {
		return c
	}
	d.strs[s] = s
	return s
}

// hourStamp and observedStamp are RFC 3339 times whose errors name their
// field, so a bad time is reported as "counters[3].hour".
type (
	hourStamp     time.Time
	observedStamp time.Time
)

func (h *hourStamp) UnmarshalJSON(b []byte) error { return stamp("hour", (*time.Time)(h), b) }

func (o *observedStamp) UnmarshalJSON(b []byte) error {
	return stamp("observed_at", (*time.Time)(o), b)
}

// stamp parses an RFC 3339 time string into t; errors name field.
func stamp(field string, t *time.Time, b []byte) error {
	if err := t.UnmarshalJSON(b); err == nil {
		return nil
	}
	var s string
	if json.Unmarshal(b, &s) != nil {
		return metering.FieldError(field, "%s: want an RFC 3339 time string, got %.40s", field, b)
	}
	if err := metering.CheckText(field, s); err != nil {
		return err
	}
	return metering.FieldError(field, "%s %q: want RFC 3339, e.g. 2026-01-31T00:00:00Z", field, s)
}
