package postfix

import (
	"encoding/json"
	"fmt"
	"time"
)

// stateVersion is the version of the MarshalState encoding.
const stateVersion = 1

// savedState is the JSON form of a Processor's open state.
type savedState struct {
	Version  int                 `json:"version"`
	LastLine time.Time           `json:"last_line"` // the year inferrer's position
	Messages map[string]*message `json:"messages"`  // keyed "host\x00queue-id"
}

// MarshalState returns the open messages and the year-inference position
// as JSON. Restoring it with UnmarshalState into a fresh Processor with the
// same Options resumes processing exactly.
func (p *Processor) MarshalState() ([]byte, error) {
	b, err := json.Marshal(savedState{Version: stateVersion, LastLine: p.years.Last(), Messages: p.msgs.m})
	if err != nil {
		return nil, fmt.Errorf("postfix: marshal state: %w", err)
	}
	return b, nil
}

// UnmarshalState replaces the open state with one from MarshalState. An
// empty input resets it. On error the Processor is left unchanged.
func (p *Processor) UnmarshalState(b []byte) error {
	var s savedState
	if len(b) > 0 {
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("postfix: unmarshal state: %w", err)
		}
		if s.Version != stateVersion {
			return fmt.Errorf("postfix: unmarshal state: version %d, want %d", s.Version, stateVersion)
		}
	}
	p.msgs = newTable()
	for k, m := range s.Messages {
		if m != nil {
			p.msgs.m[k] = m
		}
	}
	p.years.Seed(s.LastLine)
	return nil
}
