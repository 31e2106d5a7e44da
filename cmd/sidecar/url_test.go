package main

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"occupancy/snapshot/snapshottest"
)

// objectStore serves one object as S3 does for a GET: with an ETag,
// answering If-None-Match with 304. It checks the credentials and records
// each request's If-None-Match.
type objectStore struct {
	mu   sync.Mutex
	body []byte
	etag string
	inm  []string
}

func (o *objectStore) put(body []byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.body = body
	o.etag = fmt.Sprintf(`"%x"`, sha256.Sum256(body))
}

func (o *objectStore) conditions() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.inm...)
}

func (o *objectStore) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	user, pass, _ := r.BasicAuth()
	if user != "reader" || pass != "s3cr3t-pw" || r.URL.Query().Get("X-Amz-Signature") != "c0ffee5ig" || r.Header.Get("X-Token") != "tok-5ecret" {
		http.Error(w, "AccessDenied", http.StatusForbidden)
		return
	}
	if r.URL.Path != "/bucket/prefix/occupancy.snapshot" {
		http.NotFound(w, r)
		return
	}
	o.mu.Lock()
	o.inm = append(o.inm, r.Header.Get("If-None-Match"))
	body, etag := o.body, o.etag
	o.mu.Unlock()
	w.Header().Set("ETag", etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// TestRunURL runs the command on a snapshot URL with credentials (userinfo,
// a presigned-style query, a token header): it loads it, polls it with
// If-None-Match, follows a new release within a second, fetches on SIGHUP,
// and never logs a credential.
func TestRunURL(t *testing.T) {
	s, _ := snapshottest.Generate(snapshottest.Options{Rooms: 5, Seed: 3})
	data, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	store := &objectStore{}
	store.put(data)
	hs := httptest.NewServer(store)
	defer hs.Close()
	snapURL := strings.Replace(hs.URL, "http://", "http://reader:s3cr3t-pw@", 1) + "/bucket/prefix/occupancy.snapshot?X-Amz-Signature=c0ffee5ig"

	r := startRun(t, "-snapshot", snapURL, "-snapshot-header", "X-Token: tok-5ecret", "-poll", "50ms", "-static", "")
	addr, stderr := r.addr, r.stderr
	client := &http.Client{Timeout: 2 * time.Second}
	get := func(method, path, body string) (int, string) {
		req, _ := http.NewRequest(method, "http://"+addr+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	waitFor := func(what string, release string) {
		t.Helper()
		for range 100 {
			if status, body := get("GET", "/readyz", ""); status == 200 && strings.Contains(body, `"release":"`+release+`"`) {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatalf("%s: release %s not served:\n%s", what, release, stderr.String())
	}
	waitFor("start", "synthetic-5-3")
	if status, body := get("POST", "/api/rooms/find_soonest_bookings", `{"after_date":"2026-11-26T10:00"}`); status != 200 || !strings.HasPrefix(body, `[{"name":`) {
		t.Errorf("soonest = %d %.100s", status, body)
	}
	time.Sleep(200 * time.Millisecond) // a few polls
	conds := store.conditions()
	if len(conds) < 3 || conds[0] != "" || conds[len(conds)-1] == "" {
		t.Errorf("If-None-Match of the requests: %q; want none first, then the ETag", conds)
	}

	// A new release is published at the same URL.
	start := time.Now()
	s.Release = "published-later"
	if data, err = s.MarshalBinary(); err != nil {
		t.Fatal(err)
	}
	store.put(data)
	waitFor("a new release", "published-later")
	t.Logf("new release served after %v with -poll 50ms", time.Since(start)) // waitFor's bound is a hang check

	// SIGHUP: an unconditional GET.
	n := len(store.conditions())
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	forced := false
	for i := 0; i < 100 && !forced; i++ {
		time.Sleep(20 * time.Millisecond)
		for _, c := range store.conditions()[n:] {
			forced = forced || c == ""
		}
	}
	if !forced {
		t.Error("SIGHUP did not fetch the snapshot unconditionally")
	}

	r.stop(t)
	logs := stderr.String()
	for _, secret := range []string{"s3cr3t-pw", "c0ffee5ig", "tok-5ecret", "reader:", "X-Amz-Signature"} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log shows %q:\n%s", secret, logs)
		}
	}
	for _, want := range []string{`"snapshot":"` + hs.URL + `/bucket/prefix/occupancy.snapshot"`, `"release":"published-later"`, "SIGHUP"} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log lacks %s:\n%s", want, logs)
		}
	}
}

// TestRunURLDown starts the command on a URL that refuses connections: it
// serves, unready with the reason, and says so once in the log.
func TestRunURLDown(t *testing.T) {
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadURL := "http://" + dead.Addr().String() + "/occupancy.snapshot?token=hush-hush"
	dead.Close()
	r := startRun(t, "-snapshot", deadURL, "-poll", "20ms", "-static", "")
	addr, stderr := r.addr, r.stderr
	client := &http.Client{Timeout: 2 * time.Second}
	var body []byte
	status := 0
	for range 100 {
		if resp, err := client.Get("http://" + addr + "/readyz"); err == nil {
			body, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			status = resp.StatusCode
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if want := `{"message":"No snapshot loaded: snapshot URL unreachable: connection refused"}`; status != 503 || string(body) != want {
		t.Errorf("readyz = %d %s, want 503 %s", status, body, want)
	}
	time.Sleep(300 * time.Millisecond) // polls keep failing
	r.stop(t)
	logs := stderr.String()
	if n := strings.Count(logs, `"msg":"snapshot load failed"`); n != 1 {
		t.Errorf("a dead URL logged %d times:\n%s", n, logs)
	}
	if strings.Contains(logs, "hush-hush") || strings.Contains(logs, "token=") {
		t.Errorf("the log shows the query string:\n%s", logs)
	}
}

func TestRunURLFlagErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "none")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"a header for a file", []string{"-snapshot", file, "-snapshot-header", "X-Token: t"}, "invalid -snapshot-header: it needs an http(s) -snapshot URL"},
		{"a header without a colon", []string{"-snapshot", "http://127.0.0.1:1/s", "-snapshot-header", "Authorization Bearer hush-hush"}, `invalid -snapshot-header: want "Name: value"`},
		{"a space in the header name", []string{"-snapshot", "http://127.0.0.1:1/s", "-snapshot-header", "Bearer hush-hush: x"}, `invalid -snapshot-header: invalid character ' ' at byte 6 of the header name`},
		{"the sidecar's own header", []string{"-snapshot", "http://127.0.0.1:1/s", "-snapshot-header", "If-None-Match: hush-hush"}, "invalid -snapshot-header: header If-None-Match is set by the sidecar itself"},
		{"an s3 URL", []string{"-snapshot", "s3://bucket/occupancy.snapshot"}, `invalid -snapshot: invalid snapshot URL: scheme "s3"`},
		{"not a URL, with credentials", []string{"-snapshot", "http://user:hush-hush@[::1/s"}, "invalid -snapshot: invalid snapshot URL: not a valid URL"},
		{"a URL without a host", []string{"-snapshot", "https:///s"}, "invalid -snapshot: invalid snapshot URL: no host"},
		{"a zero timeout", []string{"-snapshot", "http://127.0.0.1:1/s", "-snapshot-timeout", "0s"}, "invalid -snapshot-timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			err := run(t.Context(), append(tt.args, "-static", ""), io.Discard, &stderr)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("run(%q) = %v, want an error containing %q", tt.args, err, tt.want)
				return
			}
			if strings.Contains(err.Error()+stderr.String(), "hush-hush") {
				t.Errorf("run(%q): the error shows the secret: %v %s", tt.args, err, stderr.String())
			}
		})
	}
}
