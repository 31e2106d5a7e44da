package sidecar_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"occupancy/sidecar"
	"occupancy/sidecar/sidecartest"
	"occupancy/snapshot"
)

// snapServer serves one snapshot over HTTP as an object store does: with an
// ETag (unless noETag), Last-Modified when modTime is set, 304 answers to
// If-None-Match and If-Modified-Since (http.ServeContent), and optional
// faults. It records every request's headers.
type snapServer struct {
	*httptest.Server
	mu          sync.Mutex
	body        []byte
	etag        string
	modTime     time.Time
	noETag      bool
	fault       func(w http.ResponseWriter, r *http.Request, body []byte)
	reqs        []http.Header
	notModified int
}

func newSnapServer(t *testing.T, body []byte) *snapServer {
	s := &snapServer{}
	s.publish(body)
	s.Server = httptest.NewServer(s)
	t.Cleanup(s.Close)
	return s
}

// publish replaces the object, as an upload does.
func (s *snapServer) publish(body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.body = bytes.Clone(body)
	sum := sha256.Sum256(body)
	s.etag = fmt.Sprintf(`"%x"`, sum[:8])
	if !s.modTime.IsZero() {
		s.modTime = s.modTime.Add(time.Minute)
	}
}

// with changes the server's settings.
func (s *snapServer) with(f func(*snapServer)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s)
}

func (s *snapServer) currentETag() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.etag
}

func (s *snapServer) setFault(f func(w http.ResponseWriter, r *http.Request, body []byte)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fault = f
}

// requests returns the headers of the requests so far.
func (s *snapServer) requests() []http.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]http.Header(nil), s.reqs...)
}

func (s *snapServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.reqs = append(s.reqs, r.Header.Clone())
	body, etag, modTime, fault := s.body, s.etag, s.modTime, s.fault
	if s.noETag {
		etag = ""
	}
	if etag != "" && r.Header.Get("If-None-Match") == etag {
		s.notModified++
	}
	s.mu.Unlock()
	if fault != nil {
		fault(w, r, body)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	if etag != "" {
		w.Header().Set("ETag", etag)
	}
	http.ServeContent(w, r, "", modTime, bytes.NewReader(body))
}

// Faults of a snapshot URL.
func status(code int) func(http.ResponseWriter, *http.Request, []byte) {
	return func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		http.Error(w, "<html><body>error</body></html>", code)
	}
}

func serve(data []byte) func(http.ResponseWriter, *http.Request, []byte) {
	return func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		w.Header().Set("ETag", fmt.Sprintf(`"fault-%x"`, sha256.Sum256(data)))
		w.Write(data)
	}
}

// hang answers nothing until the client gives up.
func hang(w http.ResponseWriter, r *http.Request, _ []byte) {
	select {
	case <-r.Context().Done():
	case <-time.After(10 * time.Second):
	}
}

// stall sends the headers and part of the body, then nothing.
func stall(w http.ResponseWriter, r *http.Request, body []byte) {
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Write(body[:len(body)/2])
	w.(http.Flusher).Flush()
	hang(w, r, body)
}

// cut promises the whole body and closes the connection after half of it.
func cut(w http.ResponseWriter, _ *http.Request, body []byte) {
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Write(body[:len(body)/2])
	w.(http.Flusher).Flush()
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		conn.Close()
	}
}

// urlTestMaxBytes is the size limit of the tests' sidecars.
const urlTestMaxBytes = 64 << 10

// newURLServer starts a sidecar (on an in-memory listener) whose snapshot is
// the URL; its logs (info and above) are returned.
func newURLServer(t *testing.T, rawURL string, edit func(*sidecar.Config)) (*testServer, *sidecartest.LogBuffer) {
	t.Helper()
	logs := &sidecartest.LogBuffer{}
	cfg := sidecar.DefaultConfig()
	cfg.SnapshotPath = rawURL
	cfg.StaticDir = ""
	cfg.PollInterval = 20 * time.Millisecond
	cfg.SnapshotFetch = sidecar.FetchOptions{Timeout: 2 * time.Second, MaxBytes: urlTestMaxBytes}
	if edit != nil {
		edit(&cfg)
	}
	srv, err := sidecar.New(cfg, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return serveInMemory(t, srv), logs
}

// eventually waits up to 5 s for cond.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func release(t *testing.T, name string) []byte {
	t.Helper()
	s := sampleSnapshot(t)
	s.Release = name
	data, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestURLFirstLoadAndNotModified: the first load comes from the URL; then
// every poll sends the ETag in If-None-Match, gets a 304 and keeps the very
// same index (nothing is parsed again or counted as a reload).
func TestURLFirstLoadAndNotModified(t *testing.T) {
	t.Parallel()
	snap := newSnapServer(t, release(t, "r1"))
	modTime := time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC)
	snap.with(func(s *snapServer) { s.modTime = modTime })
	ts, logs := newURLServer(t, snap.URL+"/bucket/occupancy.snapshot", nil)
	ix := ts.srv.Store().Index()
	if ix == nil || ix.Release() != "r1" {
		t.Fatalf("first load: %v %v", ix, ts.srv.Store().LastError())
	}
	if r := ts.do(t, "GET", "/readyz", ""); r.status != 200 || !strings.Contains(r.body, `"release":"r1"`) {
		t.Errorf("readyz = %d %s", r.status, r.body)
	}
	checkHealthy(t, ts)
	if got, want := ix.FileTime(), modTime; !got.Equal(want) {
		t.Errorf("FileTime = %v, want Last-Modified %v", got, want)
	}
	if !strings.Contains(logs.String(), "msg=\"snapshot loaded\" url="+snap.URL+"/bucket/occupancy.snapshot release=r1") {
		t.Errorf("no load log line:\n%s", logs)
	}

	go ts.srv.Watch(t.Context())
	eventually(t, "ten polls", func() bool { return len(snap.requests()) >= 11 })
	reqs := snap.requests()
	if h := reqs[0]; h.Get("If-None-Match") != "" {
		t.Errorf("first request conditional: %v", h)
	}
	for i, h := range reqs[1:] {
		if got, want := h.Get("If-None-Match"), snap.currentETag(); got != want {
			t.Errorf("poll %d: If-None-Match %q, want %q", i+1, got, want)
		}
	}
	if ts.srv.Store().Index() != ix {
		t.Error("a 304 replaced the index")
	}
	if n := metric(t, ts, "occupancy_snapshot_reloads_total"); n != 1 {
		t.Errorf("reloads = %v, want 1", n)
	}
	eventually(t, "ten 304s counted", func() bool {
		return metric(t, ts, `occupancy_snapshot_fetches_total{result="not_modified"}`) >= 10
	})
	if n := metric(t, ts, "occupancy_snapshot_reload_failures_total"); n != 0 {
		t.Errorf("failures = %v", n)
	}
	if metric(t, ts, "occupancy_snapshot_age_seconds") <= 0 {
		t.Error("no snapshot age from Last-Modified")
	}
}

// TestURLNewRelease: a new release at the same URL is served within a few
// polls; the same bytes under a new ETag, or fetched again by Reload (an
// unconditional GET, as SIGHUP does), are not a reload.
func TestURLNewRelease(t *testing.T) {
	t.Parallel()
	snap := newSnapServer(t, release(t, "r1"))
	ts, logs := newURLServer(t, snap.URL+"/occupancy.snapshot", nil)
	go ts.srv.Watch(t.Context())

	start := time.Now()
	snap.publish(release(t, "r2"))
	eventually(t, "release r2", func() bool { return ts.srv.Store().Index().Release() == "r2" })
	// eventually's 5 s, 250 polls, is a hang check, not a speed target:
	// a missed change or a wrong back-off waits far longer.
	t.Logf("r2 served after %v with a 20ms poll", time.Since(start))
	if !regexp.MustCompile(`release=r2 rooms=4 bytes=[1-9][0-9]* took=[0-9.]+[µm]?s etag=`).MatchString(logs.String()) || !strings.Contains(logs.String(), "previous_release=r1") {
		t.Errorf("no load log line for r2:\n%s", logs)
	}
	if r := ts.do(t, "GET", "/readyz", ""); !strings.Contains(r.body, `"release":"r2"`) {
		t.Errorf("readyz = %s", r.body)
	}

	// The same bytes under another ETag (a multipart upload of the same file).
	ix := ts.srv.Store().Index()
	snap.with(func(s *snapServer) { s.etag = `"other-etag"` })
	eventually(t, "the new ETag", func() bool {
		reqs := snap.requests()
		return reqs[len(reqs)-1].Get("If-None-Match") == `"other-etag"`
	})
	// Reload: unconditional, identical body.
	n := len(snap.requests())
	if err := ts.srv.Reload(); err != nil {
		t.Fatal(err)
	}
	forced := false
	for _, h := range snap.requests()[n:] {
		forced = forced || h.Get("If-None-Match") == ""
	}
	if !forced {
		t.Error("Reload sent a conditional request")
	}
	if ts.srv.Store().Index() != ix {
		t.Error("an identical body replaced the index")
	}
	if n := metric(t, ts, "occupancy_snapshot_reloads_total"); n != 2 {
		t.Errorf("reloads = %v, want 2 (r1, r2)", n)
	}
}

// TestURLWithoutETag: a server without ETag gets If-Modified-Since; one
// without either answers 200 to every poll, and an identical body is not a
// reload.
func TestURLWithoutETag(t *testing.T) {
	t.Parallel()
	t.Run("Last-Modified", func(t *testing.T) {
		t.Parallel()
		snap := newSnapServer(t, release(t, "r1"))
		modTime := time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC)
		snap.with(func(s *snapServer) { s.noETag, s.modTime = true, modTime })
		ts, _ := newURLServer(t, snap.URL+"/occupancy.snapshot", nil)
		go ts.srv.Watch(t.Context())
		eventually(t, "polls", func() bool { return len(snap.requests()) >= 4 })
		if got, want := snap.requests()[2].Get("If-Modified-Since"), modTime.Format(http.TimeFormat); got != want {
			t.Errorf("If-Modified-Since = %q, want %q", got, want)
		}
		snap.publish(release(t, "r2")) // a minute later
		eventually(t, "release r2", func() bool { return ts.srv.Store().Index().Release() == "r2" })
	})
	t.Run("no validators", func(t *testing.T) {
		t.Parallel()
		snap := newSnapServer(t, release(t, "r1"))
		snap.with(func(s *snapServer) { s.noETag = true })
		ts, _ := newURLServer(t, snap.URL+"/occupancy.snapshot", nil)
		ix := ts.srv.Store().Index()
		go ts.srv.Watch(t.Context())
		eventually(t, "polls", func() bool { return len(snap.requests()) >= 6 })
		if ts.srv.Store().Index() != ix || metric(t, ts, "occupancy_snapshot_reloads_total") != 1 {
			t.Error("an identical body was reloaded")
		}
		if n := metric(t, ts, `occupancy_snapshot_fetches_total{result="modified"}`); n < 5 {
			t.Errorf("modified fetches = %v", n)
		}
		snap.publish(release(t, "r2"))
		eventually(t, "release r2", func() bool { return ts.srv.Store().Index().Release() == "r2" })
	})
}

// urlFault is a bad answer of a snapshot URL.
type urlFault struct {
	name   string
	fault  func(http.ResponseWriter, *http.Request, []byte)
	reason string // what /readyz says before a first load
	want   error  // the sentinel the error wraps, if any
}

func urlFaults(t *testing.T) []urlFault {
	good := release(t, "faulty")
	huge := bytes.Repeat([]byte("x"), urlTestMaxBytes+1)
	return []urlFault{
		{"truncated snapshot", serve(good[:len(good)*2/3]), "snapshot: corrupt snapshot: body length", snapshot.ErrCorrupt},
		{"corrupt byte", serve(arrivals[2].make(good)), "snapshot: checksum mismatch", snapshot.ErrChecksum},
		{"empty body", serve(nil), "snapshot: not a snapshot file (bad magic)", snapshot.ErrMagic},
		{"HTML page with 200", serve([]byte("<!doctype html><title>Sign in</title><p>Please sign in")), "snapshot: not a snapshot file (bad magic)", snapshot.ErrMagic},
		{"too large by Content-Length", serve(huge), fmt.Sprintf("snapshot URL: body larger than the %d-byte limit", urlTestMaxBytes), nil},
		{"too large without Content-Length", func(w http.ResponseWriter, _ *http.Request, _ []byte) {
			for range 4 { // chunked: the limit is found while reading
				w.Write(huge[:urlTestMaxBytes/2])
				w.(http.Flusher).Flush()
			}
		}, fmt.Sprintf("snapshot URL: body larger than the %d-byte limit", urlTestMaxBytes), nil},
		{"404", status(404), "snapshot URL answered 404 Not Found", nil},
		{"500", status(500), "snapshot URL answered 500 Internal Server Error", nil},
		{"403", status(403), "snapshot URL answered 403 Forbidden", nil},
		{"hangs", hang, "snapshot URL unreachable: timed out", nil},
		{"stalls mid-body", stall, "snapshot URL: reading the body: timed out", nil},
		{"cut mid-body", cut, "snapshot URL: reading the body: connection closed early", nil},
	}
}

// TestURLBadAnswers: every kind of bad answer, and a dead server, keeps
// the index in place (and serves it), is counted and logged, and is what
// /readyz reports when no snapshot was ever loaded; the sidecar becomes
// ready by itself once the URL serves a valid snapshot.
func TestURLBadAnswers(t *testing.T) {
	t.Parallel()
	faults := append(urlFaults(t), urlFault{name: "connection refused", reason: "snapshot URL unreachable: connection refused"})
	for _, f := range faults {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			// A short fetch timeout for the faults that wait for it; the
			// others get a long one, which a busy machine (these subtests
			// run at once) never reaches before the fault's own error.
			timeout := 10 * time.Second
			if f.name == "hangs" || f.name == "stalls mid-body" {
				timeout = 300 * time.Millisecond
			}
			withTimeout := func(c *sidecar.Config) { c.SnapshotFetch.Timeout = timeout }
			snap := newSnapServer(t, release(t, "good"))
			url := snap.URL + "/occupancy.snapshot"

			// With a snapshot loaded: the bad answer is refused, the index kept.
			ts, logs := newURLServer(t, url, withTimeout)
			if ts.srv.Store().Index() == nil {
				t.Fatal("no first load")
			}
			if f.fault != nil {
				snap.setFault(f.fault)
			} else {
				snap.Close()
			}
			err := ts.srv.Reload()
			if err == nil {
				t.Fatal("Reload succeeded")
			}
			if f.want != nil && !errors.Is(err, f.want) {
				t.Errorf("Reload = %v, want %v", err, f.want)
			}
			if got := ts.srv.Store().Index().Release(); got != "good" {
				t.Errorf("serving %q after a bad answer", got)
			}
			checkHealthy(t, ts)
			if n := metric(t, ts, "occupancy_snapshot_reload_failures_total"); n != 1 {
				t.Errorf("failures = %v, want 1", n)
			}
			if !strings.Contains(logs.String(), `level=ERROR msg="snapshot load failed"`) || !strings.Contains(logs.String(), "kept_release=good") {
				t.Errorf("failure not logged:\n%s", logs)
			}

			// Without one: /readyz says why, the searches answer 503.
			ts, _ = newURLServer(t, url, withTimeout)
			r := ts.do(t, "GET", "/readyz", "")
			checkJSONError(t, "readyz", r, 503, "No snapshot loaded: "+f.reason)
			if strings.Contains(r.body, "127.0.0.1") || strings.Contains(r.body, "occupancy.snapshot") {
				t.Errorf("readyz reveals the URL: %s", r.body)
			}
			checkJSONError(t, "search", ts.postJSON(t, soonestPath, `{"after_date":"2026-11-28"}`), 503, "No snapshot loaded yet")
			if n := metric(t, ts, "occupancy_snapshot_reload_failures_total"); n != 1 {
				t.Errorf("failures = %v, want 1", n)
			}
			if f.fault == nil {
				return // the server is gone for good
			}
			// Ready by itself once the URL serves a valid snapshot.
			go ts.srv.Watch(t.Context())
			snap.setFault(nil)
			eventually(t, "a valid snapshot", func() bool { return ts.srv.Store().Index() != nil })
			checkHealthy(t, ts)
		})
	}
}

// TestURLBackoff: while the URL fails, polls back off (the request rate
// falls), the failure is logged once but counted every time; after a
// success the poll interval is back to normal.
//
// Not parallel: it measures request rates.
func TestURLBackoff(t *testing.T) {
	snap := newSnapServer(t, release(t, "r1"))
	ts, logs := newURLServer(t, snap.URL+"/occupancy.snapshot", func(c *sidecar.Config) { c.PollInterval = 10 * time.Millisecond })
	snap.setFault(status(503))
	go ts.srv.Watch(t.Context())
	time.Sleep(time.Second)
	failing := len(snap.requests()) - 1
	// Without back-off: ~100 polls. With it: 20, 40, 80 ms, then every
	// 100 ms (ten intervals): about 12.
	if failing < 5 || failing > 25 {
		t.Errorf("%d requests in 1s of failures at a 10ms poll; want about 12", failing)
	}
	if n := metric(t, ts, "occupancy_snapshot_reload_failures_total"); n < float64(failing)-1 {
		t.Errorf("failures counted = %v, requests = %d", n, failing)
	}
	if n := metric(t, ts, "occupancy_snapshot_fetch_consecutive_failures"); n < 5 {
		t.Errorf("consecutive failures = %v", n)
	}
	if n := strings.Count(logs.String(), `level=ERROR msg="snapshot load failed"`); n != 1 {
		t.Errorf("a repeated failure logged %d times:\n%s", n, logs)
	}

	// A different failure is logged again.
	snap.setFault(status(404))
	eventually(t, "a 404 logged", func() bool { return strings.Contains(logs.String(), "HTTP 404 Not Found") })

	snap.setFault(nil)
	eventually(t, "recovery", func() bool { return metric(t, ts, "occupancy_snapshot_fetch_consecutive_failures") == 0 })
	n := len(snap.requests())
	time.Sleep(500 * time.Millisecond)
	if got := len(snap.requests()) - n; got < 12 { // still backing off: 5
		t.Errorf("%d polls in 500ms after recovery at a 10ms poll: back-off not reset", got)
	}
	if !strings.Contains(logs.String(), "snapshot source answering again") {
		t.Errorf("no recovery log:\n%s", logs)
	}
}

// TestURLReloadUnderLoad mirrors TestReloadChurn over HTTP: four clients
// check every answer against one complete generation while the URL serves
// a new object every 100 ms (valid, truncated, corrupt, wrong magic,
// future version, empty, trailing bytes), picked up by the poller or by
// Reload. No request fails, answers never mix two snapshots or go back in
// time, every valid release is served and every invalid one refused.
func TestURLReloadUnderLoad(t *testing.T) {
	t.Parallel()
	first, err := generation(0).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	snap := newSnapServer(t, first)
	ts, logs := newURLServer(t, snap.URL+"/releases/occupancy.snapshot", nil)
	go ts.srv.Watch(t.Context())

	st := runChurn(t, ts, 3*time.Second, 100*time.Millisecond, 5*time.Second, 5*time.Millisecond, snap.publish)
	failures := metric(t, ts, "occupancy_snapshot_reload_failures_total")
	reloads := metric(t, ts, "occupancy_snapshot_reloads_total")
	if failures < float64(st.invalid) || reloads < float64(st.valid+1) {
		t.Errorf("%d valid and %d invalid objects; %v reloads, %v failures counted", st.valid, st.invalid, reloads, failures)
	}
	if n := strings.Count(logs.String(), "snapshot load failed"); n < st.invalid {
		t.Errorf("%d invalid objects, %d logged", st.invalid, n)
	}
	t.Logf("%d requests (%d failed); %d objects (%d valid, %d invalid); %v reloads, %v failures",
		st.requests, st.failed, st.valid+st.invalid, st.valid, st.invalid, reloads, failures)
}

// TestURLCredentialsNeverShown: userinfo (sent as basic auth), a query
// string (a presigned URL's signature) and -snapshot-header values reach
// the server but never the logs, /readyz, /metrics or LastError, whatever
// fails; a redirect to another host does not carry the header.
func TestURLCredentialsNeverShown(t *testing.T) {
	t.Parallel()
	const (
		user, pass = "reader", "pa55-w0rd-secret"
		sig        = "X-Amz-Signature=f00dfacecafe1234"
		token      = "Bearer tok-9f8e7d6c5b4a"
	)
	secrets := []string{pass, "f00dfacecafe1234", "tok-9f8e7d6c5b4a", "X-Amz-Signature", "reader:"}
	other := newSnapServer(t, release(t, "elsewhere"))
	snap := newSnapServer(t, release(t, "secret-release"))
	snap.setFault(func(w http.ResponseWriter, r *http.Request, body []byte) {
		u, p, ok := r.BasicAuth()
		switch {
		case !ok || u != user || p != pass || r.URL.RawQuery != sig+"&X-Amz-Expires=60" || r.Header.Get("X-Token") != token:
			http.Error(w, "forbidden", http.StatusForbidden)
		case r.URL.Path == "/redirect":
			http.Redirect(w, r, other.URL+"/occupancy.snapshot", http.StatusFound)
		case r.URL.Path == "/refuse":
			http.Error(w, "forbidden "+r.URL.RawQuery, http.StatusForbidden)
		default:
			w.Write(body)
		}
	})
	withHeader := func(c *sidecar.Config) {
		c.SnapshotFetch.Header = http.Header{"X-Token": {token}}
		c.SnapshotFetch.Timeout = 300 * time.Millisecond
	}
	base := strings.Replace(snap.URL, "http://", "http://"+user+":"+pass+"@", 1)
	query := "?" + sig + "&X-Amz-Expires=60"

	ts, logs := newURLServer(t, base+"/occupancy.snapshot"+query, withHeader)
	if ix := ts.srv.Store().Index(); ix == nil || ix.Release() != "secret-release" {
		t.Fatalf("not loaded with credentials: %v", ts.srv.Store().LastError())
	}
	if h := snap.requests()[0]; h.Get("X-Token") != token {
		t.Errorf("header not sent: %v", h)
	}
	if loc := ts.srv.Store().Location(); loc != snap.URL+"/occupancy.snapshot" {
		t.Errorf("Location = %q", loc)
	}
	var shown []string
	look := func(ts *testServer) {
		shown = append(shown, ts.do(t, "GET", "/readyz", "").body, ts.do(t, "GET", "/metrics", "").body, fmt.Sprint(ts.srv.Store().LastError()))
	}
	// Failing in every way with the credentials in the URL.
	for _, path := range []string{"/refuse", "/redirect"} {
		ts, _ := newURLServer(t, base+path+query, withHeader)
		look(ts)
	}
	snap.setFault(hang)
	_ = ts.srv.Reload()
	look(ts)
	snap.setFault(serve([]byte("not a snapshot")))
	// On a busy machine the first poll after the hang can time out too,
	// and a repeated failure is logged once: poll again (a bounded number
	// of times) until the invalid body's own failure is logged.
	logged := strings.Count(logs.String(), "snapshot load failed")
	for range 5 {
		_ = ts.srv.Reload()
		if strings.Count(logs.String(), "snapshot load failed") > logged {
			break
		}
	}
	look(ts)
	snap.Close()
	_ = ts.srv.Reload()
	look(ts)
	dead, _ := newURLServer(t, base+"/occupancy.snapshot"+query, withHeader)
	look(dead)
	shown = append(shown, logs.String())
	for _, s := range shown {
		for _, secret := range secrets {
			if strings.Contains(s, secret) {
				t.Errorf("%q shown in:\n%s", secret, s)
			}
		}
	}
	if n := strings.Count(logs.String(), "snapshot load failed"); n < 3 {
		t.Errorf("failures not logged:\n%s", logs)
	}
	for _, h := range other.requests() {
		if h.Get("X-Token") != "" || h.Get("Authorization") != "" {
			t.Errorf("credentials sent to the redirect's host: %v", h)
		}
	}
	if sidecar.RedactURL(base+"/x"+query+"#frag") != snap.URL+"/x" {
		t.Errorf("RedactURL = %q", sidecar.RedactURL(base+"/x"+query))
	}
}

// TestURLConfig: invalid locations are refused by New (without quoting
// credentials); NewStore turns them into a failing store.
func TestURLConfig(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, location, want string }{
		{"s3 scheme", "s3://bucket/occupancy.snapshot", `invalid snapshot URL: scheme "s3"`},
		{"no host", "http://", "invalid snapshot URL: no host"},
		{"not a URL, with credentials", "http://user:secret@[::1/x", "invalid snapshot URL: not a valid URL"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := sidecar.DefaultConfig()
			cfg.SnapshotPath = tt.location
			_, err := sidecar.New(cfg, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "secret") {
				t.Errorf("New(%q) = %v, want %q", tt.location, err, tt.want)
			}
			st := sidecar.NewStore(tt.location, nil)
			if err := st.Reload(); err == nil || strings.Contains(err.Error(), "secret") {
				t.Errorf("NewStore(%q).Reload() = %v", tt.location, err)
			}
		})
	}
	cfg := sidecar.DefaultConfig()
	cfg.SnapshotFetch.Header = http.Header{"X-Token": {"t"}}
	if _, err := sidecar.New(cfg, nil); err == nil {
		t.Error("headers accepted for a file")
	}
	if !sidecar.IsSnapshotURL("HTTPS://x/y") || sidecar.IsSnapshotURL("public/occupancy.snapshot") {
		t.Error("IsSnapshotURL")
	}
}
