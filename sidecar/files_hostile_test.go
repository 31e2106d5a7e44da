package sidecar_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"occupancy/sidecar"
)

// within fails the test when f has not returned after d: a check that a
// call never blocks, with a deadline far above its normal time.
func within(t *testing.T, d time.Duration, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s: still blocked after %v", what, d)
	}
}

// mkfifo makes a FIFO at path, or fails the test: a check never skips.
func mkfifo(t *testing.T, path string) {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Fatalf("mkfifo %s: %v", path, err)
	}
}

// TestSnapshotFileNotRegular: a FIFO, a device and a file over the size
// limit at the snapshot's path are refused at once with a reason, the
// index in place keeps serving, and a valid snapshot put there afterwards
// is loaded. Before, os.ReadFile blocked on the FIFO for good (and with it
// the watcher, SIGHUP and shutdown) and read /dev/zero without end.
func TestSnapshotFileNotRegular(t *testing.T) {
	snap := sampleSnapshot(t)
	ts := newTestServer(t, snap, func(c *sidecar.Config) { c.SnapshotFetch.MaxBytes = 4096 })
	path := filepath.Join(ts.dir, "occupancy.snapshot")
	st := ts.srv.Store()
	loaded := st.Index()
	if loaded == nil {
		t.Fatal("the sample snapshot was not loaded")
	}
	big := filepath.Join(ts.dir, "big")
	if err := os.WriteFile(big, make([]byte, 4097), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		put    func()
		reason string
	}{
		{"FIFO", func() { mkfifo(t, path) }, "not a regular file"},
		{"link to /dev/zero", func() {
			if err := os.Symlink("/dev/zero", path); err != nil {
				t.Fatal(err)
			}
		}, "not a regular file"},
		{"folder", func() { os.Mkdir(path, 0o755) }, "not a regular file"},
		{"over -max-snapshot", func() { os.Rename(big, path) }, "larger than 4096 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := os.RemoveAll(path); err != nil {
				t.Fatal(err)
			}
			tc.put()
			var err error
			within(t, 10*time.Second, "Reload", func() { err = st.Reload() })
			if err == nil || !strings.Contains(err.Error(), tc.reason) {
				t.Errorf("Reload: %v, want an error saying %q", err, tc.reason)
			}
			if st.Index() != loaded {
				t.Error("the index in place was replaced")
			}
			if r := ts.do(t, "GET", "/readyz", ""); r.status != 200 || !strings.Contains(r.body, `"test-release"`) {
				t.Errorf("/readyz: %d %s, want the release in place", r.status, r.body)
			}
		})
	}
	// The watcher, not stuck, picks up a valid snapshot put there.
	os.RemoveAll(path)
	mkfifo(t, path)
	within(t, 10*time.Second, "Reload of a FIFO", func() { st.Reload() })
	go ts.srv.Watch(t.Context())
	os.Remove(path)
	snap.Release = "after-the-fifo"
	writeSnapshot(t, path, snap)
	deadline := time.Now().Add(10 * time.Second)
	for st.Index().Release() != "after-the-fifo" {
		if time.Now().After(deadline) {
			t.Fatal("a valid snapshot put where a FIFO was is not loaded")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestSnapshotFIFOAtStart: a FIFO at the snapshot's path when the sidecar
// starts does not hold the start; /readyz says why it is not ready.
func TestSnapshotFIFOAtStart(t *testing.T) {
	var ts *testServer
	within(t, 10*time.Second, "start", func() {
		ts = newTestServer(t, nil, func(c *sidecar.Config) { mkfifo(t, c.SnapshotPath) })
	})
	if r := ts.do(t, "GET", "/readyz", ""); r.status != 503 || !strings.Contains(r.body, "snapshot file is not a regular file") {
		t.Errorf("/readyz: %d %s, want 503 saying the file is not a regular file", r.status, r.body)
	}
}

// TestStaticNotRegular: a FIFO or a device in the static tree answers 404
// at once, and does not hold a worker. Before, opening a FIFO blocked the
// request, its worker and an OS thread for good.
func TestStaticNotRegular(t *testing.T) {
	ts := newTestServer(t, sampleSnapshot(t), nil)
	rooms := filepath.Join(ts.dir, "public", "api", "rooms")
	mkfifo(t, filepath.Join(rooms, "FIFO.ics"))
	if err := os.Symlink("/dev/zero", filepath.Join(rooms, "ZERO.ics")); err != nil {
		t.Fatal(err)
	}
	mkfifo(t, filepath.Join(rooms, "BC01.ics.gz"))
	for _, path := range []string{"/api/rooms/FIFO.ics", "/api/rooms/ZERO.ics"} {
		t.Run(strings.TrimPrefix(path, "/api/rooms/"), func(t *testing.T) {
			for range 20 {
				var r response
				within(t, 10*time.Second, "GET "+path, func() { r = ts.do(t, "GET", path, "") })
				if r.status != 404 {
					t.Fatalf("GET %s: %d, want 404", path, r.status)
				}
			}
		})
	}
	// A FIFO where the compressed copy would be: the file itself is sent.
	var r response
	within(t, 10*time.Second, "GET with gzip", func() { r = ts.do(t, "GET", "/api/rooms/BC01.ics", "", "Accept-Encoding", "gzip") })
	if r.status != 200 || !strings.HasPrefix(r.body, "BEGIN:VCALENDAR") {
		t.Errorf("GET /api/rooms/BC01.ics with a FIFO as its gzip copy: %d %.40q", r.status, r.body)
	}
}
