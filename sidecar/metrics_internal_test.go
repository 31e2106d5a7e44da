package sidecar

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"occupancy/snapshot/snapshottest"
)

// TestMetricsInvalidLabel: a value the registry refuses (a release that is
// not UTF-8, which the snapshot's own checks already rule out) costs its
// own metric, not the process (Collect runs in a goroutine, where a panic
// is fatal) nor the rest of the page.
func TestMetricsInvalidLabel(t *testing.T) {
	s, _ := snapshottest.Generate(snapshottest.Options{Rooms: 3, Seed: 1})
	ix := NewIndex(s, time.Time{})
	ix.release = "bad\xff"
	st := &Store{}
	st.cur.Store(ix)
	m := newMetrics()
	m.collectStore(st)
	m.observe(routeFree, 200, time.Millisecond)
	var b bytes.Buffer
	if err := m.write(&b); err == nil || !strings.Contains(err.Error(), "UTF-8") {
		t.Errorf("write: err = %v, want the invalid label value reported", err)
	}
	for _, want := range []string{"occupancy_snapshot_rooms 3\n", `occupancy_http_requests_total{code="200",route="find_free_rooms"} 1`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("metrics lack %q:\n%s", want, b.String())
		}
	}
	if strings.Contains(b.String(), "occupancy_snapshot_info{") {
		t.Errorf("invalid release exposed:\n%s", b.String())
	}
}
