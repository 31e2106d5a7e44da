package sidecar_test

import (
	"testing"
	"time"
)

// TestReloadChurn is the short form of TestSoak, run by make test: three
// seconds of load with a new snapshot file (valid or not) every 100 ms.
func TestReloadChurn(t *testing.T) {
	t.Parallel()
	reloadChurn(t, 3*time.Second, 100*time.Millisecond, 20*time.Millisecond)
}
