// Package sidecartest holds what the tests of package sidecar and of
// cmd/sidecar share.
package sidecartest

import (
	"bytes"
	"sync"
)

// LogBuffer is a log sink that a running server and its test can share:
// a bytes.Buffer whose writes and reads hold a lock.
type LogBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p to the buffer.
func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns what was written so far.
func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
