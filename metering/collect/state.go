package collect

import (
	"encoding/json"

	"github.com/mailmeter/mailmeter/metering"
)

// savedState is what a log source keeps in its checkpoint's State: the
// format it detected and its processor's open messages.
type savedState struct {
	Format    string `json:"format"`
	Processor []byte `json:"processor,omitempty"`
}

func encodeState(format string, p metering.LineProcessor) ([]byte, error) {
	var inner []byte
	if p != nil {
		b, err := p.MarshalState()
		if err != nil {
			return nil, err
		}
		inner = b
	}
	return json.Marshal(savedState{Format: format, Processor: inner})
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
