package collect

import (
	"encoding/json"
	"time"

	"github.com/mailmeter/mailmeter/metering"
)

// savedState is what a log source keeps in its checkpoint's State, and a
// log stream in its own: the format it detected and its processor's open
// messages.
type savedState struct {
	Format    string `json:"format"`
	Processor []byte `json:"processor,omitempty"`
	// Newest is the time of the newest line read (zero if none had one):
	// a file whose first line is older does not continue the stream.
	Newest time.Time `json:"newest,omitzero"`
	// Sum is the hex SHA-256 of the file's content up to the Position's
	// offset, when the reader knew it (a backfill does): a file with the
	// same beginning continues the stream only if it has the same
	// content up to there.
	Sum string `json:"sum,omitempty"`
}

func encodeState(format string, p metering.LineProcessor) ([]byte, error) {
	s, err := stateOf(format, p)
	if err != nil {
		return nil, err
	}
	return json.Marshal(s)
}

// stateOf returns the state of a processor (which may be nil).
func stateOf(format string, p metering.LineProcessor) (savedState, error) {
	s := savedState{Format: format}
	if p != nil {
		b, err := p.MarshalState()
		if err != nil {
			return s, err
		}
		s.Processor = b
		s.Newest = p.Stats().NewestLog.UTC()
	}
	return s, nil
}

func decodeState(b []byte) (savedState, error) {
	var s savedState
	if len(b) == 0 {
		return s, nil
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, metering.Errorf(metering.Invalid, "checkpoint state: %v", err)
	}
	return s, nil
}
