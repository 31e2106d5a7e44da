package sidecar_test

import (
	"os"
	"strings"
	"testing"
	"time"
)

// TestBadSnapshotAtStart: a sidecar started on a missing, truncated or
// corrupt snapshot is alive but not ready; /readyz says why (without the
// file's path), both searches answer 503 and nothing partial is served;
// it becomes ready once a valid file appears.
func TestBadSnapshotAtStart(t *testing.T) {
	t.Parallel()
	good, err := sampleSnapshot(t).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var bad []arrival
	for _, a := range arrivals {
		if !a.valid {
			bad = append(bad, a)
		}
	}
	tests := []struct {
		name   string
		setup  func(path string)
		reason string
	}{
		{"missing", func(string) {}, "No snapshot loaded: snapshot file not found"},
		{"a directory", func(path string) {
			if err := os.Mkdir(path, 0o755); err != nil {
				t.Fatal(err)
			}
		}, "No snapshot loaded: snapshot file is not a regular file"},
		{"header only", func(path string) { writeFile(t, path, good[:20]) }, "No snapshot loaded: snapshot: corrupt snapshot: body length"},
		{"truncated", func(path string) { writeFile(t, path, bad[0].make(good)) }, "No snapshot loaded: snapshot: corrupt snapshot: body length"},
		{"corrupt byte", func(path string) { writeFile(t, path, bad[1].make(good)) }, "No snapshot loaded: snapshot: checksum mismatch"},
		{"wrong magic", func(path string) { writeFile(t, path, bad[2].make(good)) }, "No snapshot loaded: snapshot: not a snapshot file (bad magic)"},
		{"future version", func(path string) { writeFile(t, path, bad[3].make(good)) }, "No snapshot loaded: snapshot: unsupported snapshot version 2 (want 1)"},
		{"empty", func(path string) { writeFile(t, path, nil) }, "No snapshot loaded: snapshot: not a snapshot file (bad magic)"},
		{"trailing bytes", func(path string) { writeFile(t, path, bad[5].make(good)) }, "No snapshot loaded: snapshot: corrupt snapshot: body length"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, nil, nil)
			path := ts.dir + "/occupancy.snapshot"
			tt.setup(path)
			if err := ts.srv.Reload(); err == nil { // the state New would start in
				t.Fatal("Reload succeeded")
			}
			if r := ts.do(t, "GET", "/healthz", ""); r.status != 200 {
				t.Errorf("healthz = %d", r.status)
			}
			r := ts.do(t, "GET", "/readyz", "")
			checkJSONError(t, "readyz", r, 503, tt.reason)
			if strings.Contains(r.body, ts.dir) {
				t.Errorf("readyz reveals the path: %s", r.body)
			}
			if r.header["Retry-After"] == "" {
				t.Error("readyz 503 without Retry-After")
			}
			for _, p := range []string{freePath, soonestPath} {
				r := ts.postJSON(t, p, `{"selection":[],"after_date":"2026-11-28"}`)
				checkJSONError(t, p, r, 503, "No snapshot loaded yet")
			}
			if r := ts.do(t, "GET", "/metrics", ""); !strings.Contains(r.body, "occupancy_snapshot_loaded 0\n") || strings.Contains(r.body, "occupancy_snapshot_reload_failures_total 0\n") {
				t.Errorf("metrics do not show the failed load:\n%s", r.body)
			}

			// A valid file appears: ready, without a restart.
			go ts.srv.Watch(t.Context())
			if tt.name == "a directory" {
				if err := os.Remove(path); err != nil {
					t.Fatal(err)
				}
			}
			writeFile(t, path, good)
			deadline := time.Now().Add(5 * time.Second)
			for ts.srv.Store().Index() == nil && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if r := ts.do(t, "GET", "/readyz", ""); r.status != 200 || !strings.Contains(r.body, `"release":"test-release"`) {
				t.Fatalf("readyz after a valid file = %d %s", r.status, r.body)
			}
			checkHealthy(t, ts)
		})
	}
}
