package ingestclient

import (
	"time"
)

// The JSON forms of the ingest API (see openapi/openapi.yaml).

type checkpointJSON struct {
	Source    string    `json:"source"`
	Seq       int64     `json:"seq"`
	Offset    int64     `json:"offset"`
	Position  []byte    `json:"position"`
	State     []byte    `json:"state"`
	UpdatedAt time.Time `json:"updated_at"`
}

type problemJSON struct {
	Type   string `json:"type"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Field string `json:"field"`
	} `json:"errors"`
}
