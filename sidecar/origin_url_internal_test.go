package sidecar

import (
	"fmt"
	"testing"
	"time"
)

// TestPollDelay: the back-off doubles from the poll interval up to 30 s or
// ten intervals, whichever is less, and never below the interval.
func TestPollDelay(t *testing.T) {
	ms := time.Millisecond
	for _, tt := range []struct {
		interval time.Duration
		failures int64
		want     time.Duration
	}{
		{time.Second, 0, time.Second},
		{time.Second, 1, 2 * time.Second},
		{time.Second, 3, 8 * time.Second},
		{time.Second, 4, 10 * time.Second}, // ten intervals
		{time.Second, 1000, 10 * time.Second},
		{200 * ms, 0, 200 * ms},
		{200 * ms, 2, 800 * ms},
		{200 * ms, 5, 2 * time.Second},
		{5 * time.Second, 3, 30 * time.Second}, // 30 s
		{5 * time.Second, 1 << 40, 30 * time.Second},
		{time.Minute, 5, time.Minute}, // never below the interval
	} {
		t.Run(fmt.Sprintf("%v after %d failures", tt.interval, tt.failures), func(t *testing.T) {
			if got := pollDelay(tt.interval, tt.failures); got != tt.want {
				t.Errorf("pollDelay(%v, %d) = %v, want %v", tt.interval, tt.failures, got, tt.want)
			}
		})
	}
}
