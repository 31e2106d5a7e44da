package sidecar_test

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"occupancy/snapshot"
	"occupancy/snapshot/snapshottest"
)

// TestReloadUnderLoad swaps snapshots (valid ones, a corrupt one, a
// truncated one) through file changes and Reload while clients hammer both
// searches: every request must succeed, and the release seen must be one of
// the valid ones. Run with -race.
func TestReloadUnderLoad(t *testing.T) {
	releases := make([]*snapshot.Snapshot, 3)
	for i := range releases {
		s, _ := snapshottest.Generate(snapshottest.Options{Rooms: 40, Seed: uint64(i)})
		s.Release = fmt.Sprintf("release-%d", i)
		releases[i] = s
	}
	ts := newTestServer(t, releases[0], nil)
	path := ts.dir + "/occupancy.snapshot"
	go ts.srv.Watch(t.Context())

	stop := make(chan struct{})
	var requests, failures atomic.Int64
	var wg sync.WaitGroup
	bodies := []struct{ path, body string }{
		{freePath, `{"selection":[{"start":"2026-11-26T10:00","end":"2026-11-26T12:00"}],"coordinates":{"latitude":46.52,"longitude":6.565}}`},
		{soonestPath, `{"after_date":"2026-11-26T10:30:00.000Z"}`},
		{"/readyz", ""},
	}
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			deadline := time.Now().Add(10 * time.Second)
			for i := 0; i < 5000 && time.Now().Before(deadline); i++ {
				select {
				case <-stop:
					return
				default:
				}
				b := bodies[(w+i)%len(bodies)]
				method := "POST"
				if b.body == "" {
					method = "GET"
				}
				r, err := ts.tryDo(method, b.path, b.body, "Content-Type", "application/json")
				requests.Add(1)
				if err != nil {
					failures.Add(1)
					t.Errorf("%s %s: %v", method, b.path, err)
					continue
				}
				if r.status != 200 || (b.body == "" && !strings.Contains(r.body, `"release":"release-`)) {
					failures.Add(1)
					t.Errorf("%s %s = %d %s", method, b.path, r.status, r.body)
				}
			}
		}()
	}

	good, _ := releases[1].MarshalBinary()
	for i := range 12 {
		switch i % 4 {
		case 0, 2:
			writeSnapshot(t, path, releases[(i/2)%3])
		case 1:
			writeFile(t, path, append([]byte("garbage"), good...))
		case 3:
			writeFile(t, path, good[:len(good)/2])
		}
		if i%2 == 0 {
			_ = ts.srv.Reload() // as SIGHUP does
		}
		time.Sleep(60 * time.Millisecond) // let the watcher see the change too
	}
	close(stop)
	wg.Wait()
	if n := failures.Load(); n > 0 {
		t.Fatalf("%d of %d requests failed", n, requests.Load())
	}
	if requests.Load() == 0 {
		t.Fatal("no requests")
	}
	r := ts.do(t, "GET", "/metrics", "")
	if !strings.Contains(r.body, "occupancy_snapshot_reload_failures_total") || strings.Contains(r.body, "occupancy_snapshot_reload_failures_total 0\n") {
		t.Errorf("reload failures not counted:\n%s", r.body)
	}
	t.Logf("%d requests during reloads", requests.Load())

	// A corrupt file never replaces a good index.
	writeSnapshot(t, path, releases[2])
	if err := ts.srv.Reload(); err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, []byte("not a snapshot"))
	if err := ts.srv.Reload(); err == nil {
		t.Error("Reload of a corrupt file succeeded")
	}
	if got := ts.srv.Store().Index().Release(); got != "release-2" {
		t.Errorf("release after a failed reload = %q, want release-2", got)
	}
	os.Remove(path)
	if err := ts.srv.Reload(); err == nil {
		t.Error("Reload of a missing file succeeded")
	}
	if r := ts.postJSON(t, soonestPath, `{"after_date":"2026-11-26"}`); r.status != 200 {
		t.Errorf("search after the file vanished = %d", r.status)
	}
}

// TestWatch checks that a changed file is picked up without a signal.
func TestWatch(t *testing.T) {
	ts := newTestServer(t, sampleSnapshot(t), nil)
	ctx := t.Context()
	go ts.srv.Watch(ctx)
	s := sampleSnapshot(t)
	s.Release = "watched"
	writeSnapshot(t, ts.dir+"/occupancy.snapshot", s)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if ts.srv.Store().Index().Release() == "watched" {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the watcher did not reload the changed file")
}
