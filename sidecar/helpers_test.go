package sidecar_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttputil"

	"occupancy/sidecar"
	"occupancy/snapshot"
)

func ptr[T any](v T) *T { return &v }

// at parses an RFC 3339 time for tests.
func at(tb testing.TB, s string) time.Time {
	tb.Helper()
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// sampleSnapshot is the HTTP tests' release. On 2026-11-28:
//
//	BC01   08:10–09:50 (slots 08:00–10:00), 11:10–12:00 (11:00–12:00)
//	CO1    08:00–10:00, 10:00–12:00 (one block 08:00–12:00), 13:00–15:00
//	INM202 nothing
//	XYZ1   2026-01-26 23:00 – 2026-01-27 01:00 (across a container boundary)
func sampleSnapshot(tb testing.TB) *snapshot.Snapshot {
	s := &snapshot.Snapshot{
		Release: "test-release",
		Rooms: []snapshot.Room{
			{Name: "BC01", Type: "SALLE DE COURS", Building: "BC", Link: "https://plan.epfl.ch/?room==BC%2001",
				Capacity: ptr(40), Level: ptr(0), Coordinates: &[2]float64{46.51857, 6.56182}},
			{Name: "CO1", Type: "AUDITOIRE", Building: "CO", Capacity: ptr(300), Level: ptr(1),
				Coordinates: &[2]float64{46.52012, 6.56521}},
			{Name: "INM202", Type: "SALLE DE COURS", Building: "INM", Coordinates: &[2]float64{46.51866, 6.56328}},
			{Name: "XYZ1", Type: "unknown", Building: "XYZ"},
		},
	}
	book := func(i int, from, to string) { s.Rooms[i].Occupy(at(tb, from), at(tb, to)) }
	book(0, "2026-11-28T08:10:00Z", "2026-11-28T09:50:00Z")
	book(0, "2026-11-28T11:10:00Z", "2026-11-28T12:00:00Z")
	book(1, "2026-11-28T08:00:00Z", "2026-11-28T10:00:00Z")
	book(1, "2026-11-28T10:00:00Z", "2026-11-28T12:00:00Z")
	book(1, "2026-11-28T13:00:00Z", "2026-11-28T15:00:00Z")
	book(3, "2026-01-26T23:00:00Z", "2026-01-27T01:00:00Z")
	return s
}

// writeSnapshot writes s to path atomically.
func writeSnapshot(tb testing.TB, path string, s *snapshot.Snapshot) {
	tb.Helper()
	data, err := s.MarshalBinary()
	if err != nil {
		tb.Fatal(err)
	}
	writeFile(tb, path, data)
}

func writeFile(tb testing.TB, path string, data []byte) {
	tb.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		tb.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		tb.Fatal(err)
	}
}

// testServer is a sidecar on an in-memory listener.
type testServer struct {
	srv    *sidecar.Server
	client *fasthttp.HostClient
	dir    string // holds occupancy.snapshot and the static tree under public/
}

// newTestServer starts a server over s (nil = no snapshot) with a small
// static tree. edit may change the configuration.
func newTestServer(tb testing.TB, s *snapshot.Snapshot, edit func(*sidecar.Config)) *testServer {
	tb.Helper()
	dir := tb.TempDir()
	static := filepath.Join(dir, "public")
	for path, body := range map[string]string{
		"api/rooms/index.json":                               `[{"name":"BC01"}]`,
		"api/rooms/BC01/index.json":                          `{"name":"BC01"}`,
		"api/courses/index.json":                             `[{"code":"CS-305"}]`,
		"api/courses/CS-305/index.json":                      `{"code":"CS-305"}`,
		"api/studyplans/index.json":                          `[{"_id":"6b090e389c963b7fee731dbe"}]`,
		"api/studyplans/6b090e389c963b7fee731dbe/index.json": `{"_id":"6b090e389c963b7fee731dbe"}`,
		"api/rooms/BC01.ics":                                 "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
		"api/openapi.json":                                   `{"openapi":"3.1.0"}`,
		"api/docs/index.html":                                "<!doctype html><title>API</title>",
	} {
		p := filepath.Join(static, filepath.FromSlash(path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	cfg := sidecar.DefaultConfig()
	cfg.SnapshotPath = filepath.Join(dir, "occupancy.snapshot")
	cfg.StaticDir = static
	cfg.PollInterval = 20 * time.Millisecond
	if edit != nil {
		edit(&cfg)
	}
	if s != nil {
		writeSnapshot(tb, cfg.SnapshotPath, s)
	}
	srv, err := sidecar.New(cfg, nil)
	if err != nil {
		tb.Fatal(err)
	}
	ts := serveInMemory(tb, srv)
	ts.dir = dir
	return ts
}

// serveInMemory serves srv on an in-memory listener until the test ends
// and returns a client for it.
func serveInMemory(tb testing.TB, srv *sidecar.Server) *testServer {
	tb.Helper()
	ln := fasthttputil.NewInmemoryListener()
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil {
			tb.Errorf("Serve: %v", err)
		}
	}()
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			tb.Errorf("Shutdown: %v", err)
		}
		<-done
	})
	client := &fasthttp.HostClient{
		Addr:         "sidecar.test",
		Dial:         func(string) (net.Conn, error) { return ln.Dial() },
		ReadTimeout:  5 * time.Second,
		WriteTimeout: 5 * time.Second,
	}
	return &testServer{srv: srv, client: client}
}

// response is what tests look at.
type response struct {
	status int
	header map[string]string
	body   string
}

// do sends a request; headers are name, value pairs. It must be called
// from the test's goroutine; others use tryDo.
func (ts *testServer) do(tb testing.TB, method, path, body string, headers ...string) response {
	tb.Helper()
	r, err := ts.tryDo(method, path, body, headers...)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	return r
}

// tryDo sends a request and returns transport errors.
func (ts *testServer) tryDo(method, path, body string, headers ...string) (response, error) {
	req := fasthttp.AcquireRequest()
	resp := fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.Header.SetMethod(method)
	req.SetRequestURI("http://sidecar.test" + path)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	if body != "" {
		req.SetBodyString(body)
	}
	if err := ts.client.Do(req, resp); err != nil {
		return response{}, err
	}
	r := response{status: resp.StatusCode(), header: map[string]string{}, body: string(resp.Body())}
	for k, v := range resp.Header.All() {
		r.header[string(k)] = string(v)
	}
	return r, nil
}

// postJSON posts a JSON body.
func (ts *testServer) postJSON(tb testing.TB, path, body string) response {
	tb.Helper()
	return ts.do(tb, "POST", path, body, "Content-Type", "application/json")
}

// metric returns the value of a metric line (name with its labels).
func metric(t *testing.T, ts *testServer, name string) float64 {
	t.Helper()
	r := ts.do(t, "GET", "/metrics", "")
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` (\S+)$`).FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("metrics lack %s:\n%s", name, r.body)
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
