package main

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"occupancy/snapshot/snapshottest"
)

// TestRunBadSnapshot starts the real command on a corrupt snapshot: it
// serves, but /readyz answers 503 saying why and the searches 503, until a
// valid file replaces it and the watcher loads it.
func TestRunBadSnapshot(t *testing.T) {
	dir := t.TempDir()
	good := snapshottest.Bytes(t, snapshottest.Options{Rooms: 5, Seed: 2})
	snap := filepath.Join(dir, "occupancy.snapshot")
	put := func(data []byte) { snapshottest.Put(t, snap, data) }
	put(good[:len(good)-40]) // truncated: no checksum, part of the body
	r := startRun(t, "-snapshot", snap, "-static", "", "-poll", "50ms")
	addr, stderr := r.addr, r.stderr
	client := &http.Client{Timeout: 2 * time.Second}
	get := func(method, path, body string) (int, string, error) {
		req, err := http.NewRequest(method, "http://"+addr+path, strings.NewReader(body))
		if err != nil {
			return 0, "", err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), err
	}
	var status int
	var body string
	var err error
	for i := 0; i < 100; i++ {
		if status, body, err = get("GET", "/healthz", ""); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil || status != 200 || body != `{"status":"ok"}` {
		t.Fatalf("not alive: %d %s %v\n%s", status, body, err, stderr.String())
	}
	status, body, _ = get("GET", "/readyz", "")
	if want := `{"message":"No snapshot loaded: snapshot: corrupt snapshot: body length`; status != 503 || !strings.HasPrefix(body, want) || strings.Contains(body, dir) {
		t.Errorf("readyz = %d %s, want 503 %s… without the path", status, body, want)
	}
	for _, p := range []string{"/api/rooms/find_free_rooms", "/api/rooms/find_soonest_bookings"} {
		if status, body, _ := get("POST", p, `{"selection":[],"after_date":"2026-11-26"}`); status != 503 || strings.Contains(body, `"name"`) {
			t.Errorf("%s = %d %s, want 503 and no data", p, status, body)
		}
	}
	logs := stderr.String()
	for _, want := range []string{`"msg":"snapshot load failed"`, `"msg":"not ready: no valid snapshot`, "body length"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}

	put(good)
	ready := false
	for i := 0; i < 250 && !ready; i++ {
		time.Sleep(20 * time.Millisecond)
		status, body, _ = get("GET", "/readyz", "")
		ready = status == 200 && strings.Contains(body, `"release":"synthetic-5-2"`)
	}
	if !ready {
		t.Fatalf("not ready after a valid file appeared: %d %s\n%s", status, body, stderr.String())
	}
	if status, body, _ := get("POST", "/api/rooms/find_soonest_bookings", `{"after_date":"2026-11-26"}`); status != 200 || !strings.HasPrefix(body, `[{"name":`) {
		t.Errorf("search once ready = %d %.100s", status, body)
	}
	r.stop(t)
}
