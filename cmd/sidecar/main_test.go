package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"occupancy/sidecar/sidecartest"
	"occupancy/snapshot/snapshottest"
)

func TestRunFlagErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-tz", "Mars/Olympus"}, "invalid -tz"},
		{[]string{"-log-format", "xml"}, "invalid -log-format"},
		{[]string{"-log-level", "loud"}, "invalid -log-level"},
		{[]string{"-addr", "256.0.0.1:1"}, "invalid -addr"},
		{[]string{"-nope"}, "flag provided but not defined"},
		{[]string{"extra"}, "unexpected arguments"},
		{[]string{"-max-snapshot", "0"}, "invalid -max-snapshot"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			err := run(t.Context(), append(tt.args, "-static", "", "-snapshot", filepath.Join(t.TempDir(), "none")), io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("run(%q) = %v, want an error containing %q", tt.args, err, tt.want)
			}
		})
	}
	var out bytes.Buffer
	if err := run(t.Context(), []string{"-version"}, &out, io.Discard); err != nil || !strings.HasPrefix(out.String(), "sidecar ") {
		t.Errorf("-version: %v, %q", err, out.String())
	}
}

// TestRun starts the real server on a loopback port, queries it, and shuts
// it down through the context, as SIGTERM does.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	s, _ := snapshottest.Generate(snapshottest.Options{Rooms: 5, Seed: 1})
	data, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	snap := filepath.Join(dir, "occupancy.snapshot")
	snapshottest.Put(t, snap, data)
	r := startRun(t, "-snapshot", snap, "-static", dir)
	addr, stderr := r.addr, r.stderr
	client := &http.Client{Timeout: 2 * time.Second}
	var resp *http.Response
	for i := 0; i < 100; i++ {
		resp, err = client.Get("http://" + addr + "/readyz")
		if err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("server did not come up: %v\n%s", err, stderr.String())
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("readyz = %d", resp.StatusCode)
	}
	resp, err = client.Post("http://"+addr+"/api/rooms/find_soonest_bookings", "application/json", strings.NewReader(`{"after_date":"2026-11-26T10:00"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.HasPrefix(body, []byte(`[{"name":`)) {
		t.Errorf("soonest = %d %s", resp.StatusCode, body)
	}
	// SIGHUP reloads: a new release is served without a restart.
	s.Release = "after-sighup"
	if data, err = s.MarshalBinary(); err != nil {
		t.Fatal(err)
	}
	snapshottest.Put(t, snap, data)
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	reloaded := false
	for i := 0; i < 100 && !reloaded; i++ {
		resp, err := client.Get("http://" + addr + "/readyz")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			reloaded = strings.Contains(string(b), "after-sighup")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !reloaded {
		t.Errorf("the new release was not served after SIGHUP:\n%s", stderr.String())
	}
	if !strings.Contains(stderr.String(), "SIGHUP") {
		t.Errorf("no SIGHUP log line:\n%s", stderr.String())
	}

	r.stop(t)
	if !strings.Contains(stderr.String(), `"msg":"stopped"`) {
		t.Errorf("no shutdown log:\n%s", stderr.String())
	}
}

// running is a run() of the command started by startRun.
type running struct {
	addr   string                 // its -addr, a free loopback port
	stderr *sidecartest.LogBuffer // its logs, in JSON
	cancel context.CancelFunc
	done   chan error
}

// startRun starts run with args, -addr on a free loopback port and JSON
// logs; it is stopped when the test ends unless [running.stop] was called.
func startRun(t *testing.T, args ...string) *running {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(t.Context())
	r := &running{addr: addr, stderr: &sidecartest.LogBuffer{}, cancel: cancel, done: make(chan error, 1)}
	t.Cleanup(cancel)
	go func() {
		r.done <- run(ctx, append([]string{"-addr", addr, "-log-format", "json"}, args...), io.Discard, r.stderr)
	}()
	return r
}

// stop cancels the run and waits for it to return without error.
func (r *running) stop(t *testing.T) {
	t.Helper()
	r.cancel()
	select {
	case err := <-r.done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop")
	}
}

// TestRunSnapshotFIFO: a FIFO at the snapshot's path neither holds the
// start, nor SIGHUP, nor the watcher, nor the shutdown; a valid snapshot
// put there afterwards is served. Before, the first read of the FIFO
// blocked for good: SIGTERM needed kill -9.
func TestRunSnapshotFIFO(t *testing.T) {
	dir := t.TempDir()
	snap := filepath.Join(dir, "occupancy.snapshot")
	if err := syscall.Mkfifo(snap, 0o644); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	r := startRun(t, "-snapshot", snap, "-static", "", "-poll", "20ms")
	client := &http.Client{Timeout: 2 * time.Second}
	readyz := func() (int, string) {
		resp, err := client.Get("http://" + r.addr + "/readyz")
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	var status int
	var body string
	for i := 0; i < 200 && status == 0; i++ {
		if status, body = readyz(); status == 0 {
			time.Sleep(20 * time.Millisecond)
		}
	}
	if status != 503 || !strings.Contains(body, "not a regular file") {
		t.Fatalf("readyz with a FIFO: %d %s\n%s", status, body, r.stderr.String())
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	s, _ := snapshottest.Generate(snapshottest.Options{Rooms: 5, Seed: 1})
	s.Release = "after-the-fifo"
	data, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	snapshottest.Put(t, snap, data)
	for i := 0; i < 250 && !strings.Contains(body, "after-the-fifo"); i++ {
		time.Sleep(20 * time.Millisecond)
		_, body = readyz()
	}
	if !strings.Contains(body, "after-the-fifo") {
		t.Errorf("the snapshot put where the FIFO was is not served: %s\n%s", body, r.stderr.String())
	}
	r.stop(t)
}

// TestRunAnswerCacheFlag checks that the answer cache is on by default
// and that -answer-cache 0 turns it off, as /metrics shows.
func TestRunAnswerCacheFlag(t *testing.T) {
	dir := t.TempDir()
	snap := filepath.Join(dir, "occupancy.snapshot")
	snapshottest.Put(t, snap, snapshottest.Bytes(t, snapshottest.Options{Rooms: 5, Seed: 1}))
	client := &http.Client{Timeout: 2 * time.Second}
	for _, tc := range []struct {
		args []string
		want bool
	}{{nil, true}, {[]string{"-answer-cache", "0"}, false}} {
		r := startRun(t, append([]string{"-snapshot", snap, "-static", ""}, tc.args...)...)
		var metrics string
		for i := 0; i < 100; i++ {
			resp, err := client.Get("http://" + r.addr + "/metrics")
			if err == nil {
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if metrics = string(b); strings.Contains(metrics, "occupancy_snapshot_loaded 1") {
					break
				}
			}
			time.Sleep(20 * time.Millisecond)
		}
		if got := strings.Contains(metrics, "occupancy_answer_cache_bytes "); got != tc.want {
			t.Errorf("%v: answer cache in /metrics = %v, want %v:\n%s", tc.args, got, tc.want, metrics)
		}
		r.stop(t)
	}
}
