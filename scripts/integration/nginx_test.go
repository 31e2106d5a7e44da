//go:build integration

package integration

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
)

// The Content-Types the checks expect.
const (
	jsonCT = "application/json; charset=utf-8"
	icsCT  = "text/calendar; charset=utf-8"
	htmlCT = "text/html; charset=utf-8"
	jsCT   = "text/javascript; charset=utf-8"
	cssCT  = "text/css; charset=utf-8"
)

// plan is a study plan of the sample with an explicit id.
const plan = "9ec62d992a70d1667be61004"

// TestNginx checks deploy/nginx.conf: the sidecar and nginx on loopback
// ports with that configuration (paths templated into a temporary folder)
// before the embedded sample built by cmd/build, and many URLs requested.
func TestNginx(t *testing.T) {
	needNginx(t)
	work := workDir(t)
	pub := filepath.Join(work, "public")
	runCommand(t, "build of the sample", command(t, "./cmd/build"), "-q", "-no-sync", "-out", pub)

	dumpLogs(t, filepath.Join(work, "error.log"), filepath.Join(work, "sidecar.log"))
	sc := startSidecar(t, work, "sidecar", pub, 0)
	ng := startNginx(t, filepath.Join(root, "deploy", "nginx.conf"), work, pub, []int{sc.port}, 64)
	n := &nginxCheck{t: t, c: newClient(10 * time.Second), base: ng.url(), pub: pub}

	n.want(get("/api/rooms"), 200, jsonCT, n.head("api/rooms/index.json"))
	n.want(get("/api/rooms/"), 200, jsonCT, n.head("api/rooms/index.json"))
	n.want(get("/API/Rooms"), 200, jsonCT, n.head("api/rooms/index.json"))
	n.want(get("/api/rooms/CO1"), 200, jsonCT, n.head("api/rooms/CO1/index.json"))
	n.want(get("/api/Rooms/CO1/"), 200, jsonCT, n.head("api/rooms/CO1/index.json"))
	n.want(req{method: "HEAD", path: "/api/rooms/CO1"}, 200, jsonCT, "")
	n.want(get("/api/rooms/co1"), 404, jsonCT, `{"message":"Room not found"}`)
	n.want(get("/api/courses"), 200, jsonCT, n.head("api/courses/index.json"))
	n.want(get("/api/courses/CS-305"), 200, jsonCT, n.head("api/courses/CS-305/index.json"))
	n.want(get("/api/courses/NOPE-1"), 404, jsonCT, `{"message":"Course not found"}`)
	n.want(get("/api/studyplans"), 200, jsonCT, `[{"_id":`)
	n.want(get("/api/studyplans/"+plan), 200, jsonCT, `{"_id":"`+plan+`"`)
	n.want(get("/api/studyplans/foo"), 404, jsonCT, `{"message":"Studyplan not found"}`)
	// Study plan ids in any case, as the reference matched them: lowered by
	// nginx, the same file served. All 24 digits one upper-case letter is
	// the most passes the rewrite needs.
	upper := strings.ToUpper(plan)
	n.want(get("/api/studyplans/"+upper), 200, jsonCT, `{"_id":"`+plan+`"`)
	n.want(get("/API/StudyPlans/"+upper[:12]+plan[12:]+"/"), 200, jsonCT, `{"_id":"`+plan+`"`)
	n.want(get("/api/studyplans/"+upper+".ics"), 200, icsCT, n.head("api/studyplans/"+plan+".ics"))
	n.want(get("/api/studyplans/AAAAAAAAAAAAAAAAAAAAAAAA"), 404, jsonCT, `{"message":"Studyplan not found"}`)
	n.want(get("/api/studyplans/AAAAAAAAAAAAAAAAAAAAAAAAA"), 404, jsonCT, `{"message":"Studyplan not found"}`)
	n.want(get("/occupancy.snapshot"), 404, jsonCT, `{"message":"Not found"}`)
	n.want(get("/release.json"), 404, jsonCT, `{"message":"Not found"}`)
	n.want(get("/manifest.json"), 404, jsonCT, `{"message":"Not found"}`)
	n.want(get("/api/../occupancy.snapshot"), 404, jsonCT, `{"message":"Not found"}`)
	n.want(get("/api/rooms/..%2Foccupancy.snapshot"), 404, jsonCT, `{"message":`)
	n.want(get("/nothing"), 404, jsonCT, `{"message":"Not found"}`)
	n.want(req{method: "POST", path: "/api/rooms"}, 405, jsonCT, `{"message":"Method not allowed"}`)
	n.want(post("/api/rooms/find_soonest_bookings", jsonType, `{"after_date":"2026-11-26T10:30:00.000Z"}`), 200, jsonCT, `[{"name":`)
	n.want(post("/API/rooms/find_free_rooms/", jsonType, `{"selection":[{"start":"2026-11-26T10:00","end":"2026-11-26T11:00"}]}`), 200, jsonCT, `[{"name":`)
	n.want(post("/api/rooms/find_free_rooms", "application/x-www-form-urlencoded", `selection[0][start]=2026-11-26T10:00&selection[0][end]=2026-11-26T11:00`), 200, jsonCT, `[{"name":`)
	n.want(post("/api/rooms/find_free_rooms", jsonType, `{}`), 400, jsonCT, `{"message":"Missing selection"}`)
	n.want(req{method: "OPTIONS", path: "/api/rooms/find_free_rooms", header: []string{"Origin", "https://occupancy.flep.ch", "Access-Control-Request-Method", "POST"}}, 204, "", "")
	n.want(get("/healthz"), 200, jsonCT, `{"status":"ok"}`)
	n.want(get("/api/openapi.json"), 200, jsonCT, n.head("api/openapi.json"))
	n.want(get("/API/OpenAPI.json"), 200, jsonCT, n.head("api/openapi.json"))
	n.want(req{method: "POST", path: "/api/openapi.json"}, 405, jsonCT, `{"message":"Method not allowed"}`)
	// The API's page for people is HTML.
	for _, path := range []string{"/api/docs", "/api/docs/", "/API/Docs"} {
		n.file(get(path), 200, htmlCT, "api/docs/index.html")
	}
	n.want(get("/metrics"), 404, jsonCT, `{"message":"Not found"}`)
	// The page for people and its files.
	n.want(get("/"), 200, htmlCT, n.head("index.html"))
	n.want(get("/app/app.js"), 200, jsCT, n.head("app/app.js"))
	n.want(get("/app/app.css"), 200, cssCT, n.head("app/app.css"))
	n.want(get("/app/nothing.js"), 404, jsonCT, `{"message":"Not found"}`)
	n.want(req{method: "POST", path: "/"}, 405, jsonCT, `{"message":"Method not allowed"}`)

	// Precompressed copies: a client accepting brotli or gzip gets the
	// build's copy (the same bytes as the file on disk), decompressing to
	// the original; one accepting neither gets the original. Every
	// response varies on Accept-Encoding.
	for _, p := range []struct{ path, file string }{
		{"/api/rooms", "api/rooms/index.json"},
		{"/api/rooms/CO1", "api/rooms/CO1/index.json"},
		{"/api/courses", "api/courses/index.json"},
		{"/api/studyplans/" + plan, "api/studyplans/" + plan + "/index.json"},
		{"/api/openapi.json", "api/openapi.json"},
		{"/", "index.html"},
		{"/app/app.js", "app/app.js"},
	} {
		if !exists(filepath.Join(pub, p.file+".gz")) || !exists(filepath.Join(pub, p.file+".br")) {
			t.Errorf("FAIL %s: no .gz and .br copies in the tree", p.file)
			continue
		}
		n.encoded(p.path, p.file, "gzip, deflate, br", "br")
		n.encoded(p.path, p.file, "gzip", "gzip")
		n.encoded(p.path, p.file, "identity", "")
	}
	if n.brServed == 0 {
		t.Errorf("FAIL brotli_static served no brotli copy (%d declined)", n.brDeclined)
	} else {
		t.Logf("ok   brotli copies served %d times, declined for gzip %d times", n.brServed, n.brDeclined)
	}
	// Calendar feeds beside the details.
	n.want(get("/api/rooms/CO1.ics"), 200, icsCT, n.head("api/rooms/CO1.ics"))
	n.want(get("/api/courses/CS-305.ics"), 200, icsCT, n.head("api/courses/CS-305.ics"))
	n.want(get("/api/studyplans/"+plan+".ics"), 200, icsCT, n.head("api/studyplans/"+plan+".ics"))
	n.want(get("/api/rooms/NOPE.ics"), 404, jsonCT, `{"message":"Room not found"}`)
	// A body over the limit is refused by nginx, in JSON.
	n.want(post("/api/rooms/find_free_rooms", jsonType, strings.Repeat("x", 100000)), 413, jsonCT, `{"message":"Request body too large`)

	// nginx's own refusals of a request it cannot read are JSON too.
	n.want(get("/api/rooms/"+strings.Repeat("a", 20000)), 414, jsonCT, `{"message":"URL too long"}`)
	raw := n.raw("GET /api/rooms HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")
	if !strings.HasPrefix(raw, "HTTP/1.1 400 ") || !strings.Contains(raw, "\nContent-Type: application/json") ||
		!strings.Contains(raw, `{"message":"Bad request"}`) || !strings.Contains(raw, "\nAccess-Control-Allow-Origin: *") {
		t.Errorf("FAIL a request with two Host headers: want a JSON 400 with Access-Control-Allow-Origin, got: %s", raw)
	} else {
		t.Logf("ok   two Host headers -> 400 JSON")
	}

	// Symbolic links planted in the tree are never followed, whatever they
	// point to: a folder outside, a page file, a feed, a precompressed copy.
	outside := filepath.Join(work, "outside")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("{\"secret\":\"outside the tree\"}\n"))
	zw.Close()
	for _, f := range []struct {
		name string
		data []byte
	}{
		{filepath.Join(outside, "index.json"), []byte("{\"secret\":\"outside the tree\"}\n")},
		{filepath.Join(outside, "evil.js"), []byte("outside\n")},
		{filepath.Join(outside, "evil.ics"), []byte("BEGIN:VCALENDAR outside\n")},
		{filepath.Join(outside, "index.json.gz"), gz.Bytes()},
		{filepath.Join(pub, "api/rooms/GZLINK/index.json"), []byte("{\"name\":\"GZLINK\"}\n")},
	} {
		writeFile(t, f.name, f.data)
	}
	for _, l := range [][2]string{
		{outside, "api/rooms/EVIL"},
		{filepath.Join(outside, "evil.js"), "app/evil.js"},
		{filepath.Join(outside, "evil.ics"), "api/rooms/EVIL.ics"},
		{filepath.Join(outside, "index.json.gz"), "api/rooms/GZLINK/index.json.gz"},
	} {
		if err := os.Symlink(l[0], filepath.Join(pub, l[1])); err != nil {
			t.Fatal(err)
		}
	}
	n.want(get("/api/rooms/EVIL"), 404, jsonCT, `{"message":"Room not found"}`)
	n.want(get("/app/evil.js"), 404, jsonCT, `{"message":"Not found"}`)
	n.want(get("/api/rooms/EVIL.ics"), 404, jsonCT, `{"message":"Room not found"}`)
	a := do(n.c, n.base, get("/api/rooms/GZLINK", "Accept-Encoding", "gzip"))
	if body, err := decode(a); a.err == nil && err == nil && bytes.Contains(body, []byte("outside")) {
		t.Errorf("FAIL GET /api/rooms/GZLINK (gzip): the linked copy from outside the tree was served")
	} else {
		t.Logf("ok   GET /api/rooms/GZLINK (gzip): the linked copy is not served")
	}

	// The sidecar down: searches get a JSON 503, static files still work.
	sc.stop(syscall.SIGTERM, 15*time.Second)
	n.want(post("/api/rooms/find_soonest_bookings", jsonType, `{"after_date":"2026-11-26"}`), 503, jsonCT, `{"message":"Search service unavailable`)
	n.want(get("/api/rooms/CO1"), 200, jsonCT, n.head("api/rooms/CO1/index.json"))
}

// nginxCheck runs TestNginx's checks against one nginx.
type nginxCheck struct {
	t         *testing.T
	c         *http.Client
	base, pub string

	brServed, brDeclined int // brotli copies served, and declined for the gzip one
}

// head returns the first bytes of a published file, to compare bodies with.
func (n *nginxCheck) head(file string) string {
	n.t.Helper()
	b, err := os.ReadFile(filepath.Join(n.pub, file))
	if err != nil {
		n.t.Fatal(err)
	}
	return string(b[:min(48, len(b))])
}

// want sends r as a browser on another origin does (with an Origin
// header) and checks the status, that the body starts with prefix, the
// Content-Type (but of a 204), and that there is one
// Access-Control-Allow-Origin header, not none and not two: every answer,
// success or error, is readable from another origin.
func (n *nginxCheck) want(r req, status int, ctype, prefix string) {
	n.t.Helper()
	a := do(n.c, n.base, r, "Origin", "https://other.example")
	what := r.method + " " + short(r.path, 80)
	switch acao := len(a.header.Values("Access-Control-Allow-Origin")); {
	case a.err != nil:
		n.t.Errorf("FAIL %s: %v", what, a.err)
	case a.status != status || !bytes.HasPrefix(a.body, []byte(prefix)):
		n.t.Errorf("FAIL %s: got %d '%s', want %d '%s…'", what, a.status, short(string(a.body), 200), status, prefix)
	case a.status != 204 && a.header.Get("Content-Type") != ctype:
		n.t.Errorf("FAIL %s: Content-Type '%s', want '%s'", what, a.header.Get("Content-Type"), ctype)
	case acao != 1:
		n.t.Errorf("FAIL %s: %d Access-Control-Allow-Origin headers, want 1", what, acao)
	default:
		n.t.Logf("ok   %s -> %d", what, a.status)
	}
}

// file sends r (as a plain client) and checks the status, the
// Content-Type and that the body is the published file, byte for byte.
func (n *nginxCheck) file(r req, status int, ctype, file string) {
	n.t.Helper()
	a := do(n.c, n.base, r)
	want, err := os.ReadFile(filepath.Join(n.pub, file))
	if err != nil {
		n.t.Fatal(err)
	}
	got := fmt.Sprintf("%d %s", a.status, a.header.Get("Content-Type"))
	if a.err != nil || got != fmt.Sprintf("%d %s", status, ctype) || !bytes.Equal(a.body, want) {
		n.t.Errorf("FAIL %s %s: got '%s' (%v), want the bytes of %s as %d %s", r.method, r.path, got, a.err, file, status, ctype)
	} else {
		n.t.Logf("ok   %s %s -> %d %s", r.method, r.path, status, ctype)
	}
}

// encoded checks GET path with Accept-Encoding: accept: the Content-Encoding
// is want ("" for none) with the bytes of the build's copy of file
// (file.gz, file.br, or file itself), Vary names Accept-Encoding, and the
// body decodes to file.
func (n *nginxCheck) encoded(path, file, accept, want string) {
	n.t.Helper()
	what := fmt.Sprintf("GET %s (Accept-Encoding: %s)", path, accept)
	a := do(n.c, n.base, get(path, "Accept-Encoding", accept))
	enc := strings.Join(a.header.Values("Content-Encoding"), ", ")
	copyOf := map[string]string{"gzip": file + ".gz", "br": file + ".br"}
	src, ok := copyOf[want]
	if !ok {
		src = file
	}
	if want == "br" && strings.Contains(accept, "gzip") && enc == "gzip" && n.same(a.body, file+".gz") {
		// Debian's brotli_static (1.0.0~rc) under disable_symlinks at
		// times opens the .br copy as a folder and declines: the client
		// gets the gzip copy, never wrong bytes. Counted: some must be
		// brotli.
		n.brDeclined++
		want, src = "gzip", file+".gz"
	}
	if want == "br" {
		n.brServed++
	}
	vary := strings.Join(a.header.Values("Vary"), ", ")
	switch {
	case a.err != nil:
		n.t.Errorf("FAIL %s: %v", what, a.err)
	case enc != want || !n.same(a.body, src):
		n.t.Errorf("FAIL %s: Content-Encoding '%s', want '%s' with the bytes of %s", what, enc, want, src)
	case !strings.Contains(vary, "Accept-Encoding"):
		n.t.Errorf("FAIL %s: no Vary: Accept-Encoding", what)
	case !n.decodesTo(path, accept, file):
		n.t.Errorf("FAIL %s: does not decompress to %s", what, file)
	default:
		if want == "" {
			want = "identity"
		}
		n.t.Logf("ok   %s -> %s", what, want)
	}
}

// decodesTo requests path again, as curl --compressed does, and reports
// whether the decoded body is the published file.
func (n *nginxCheck) decodesTo(path, accept, file string) bool {
	a := do(n.c, n.base, get(path, "Accept-Encoding", accept))
	if a.err != nil {
		return false
	}
	body, err := decode(a)
	return err == nil && n.same(body, file)
}

// same reports whether b is the published file's bytes.
func (n *nginxCheck) same(b []byte, file string) bool {
	return sameFile(b, filepath.Join(n.pub, file))
}

// raw sends a request as it is, on its own connection, and returns the
// answer without carriage returns (read for at most 5 s).
func (n *nginxCheck) raw(request string) string {
	c, err := net.DialTimeout("tcp", strings.TrimPrefix(n.base, "http://"), 5*time.Second)
	if err != nil {
		return err.Error()
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, request); err != nil {
		return err.Error()
	}
	b, _ := io.ReadAll(c) // until nginx closes, or the deadline
	return strings.ReplaceAll(string(b), "\r", "")
}

// decode returns a's body decoded by its Content-Encoding.
func decode(a answer) ([]byte, error) {
	switch enc := a.header.Get("Content-Encoding"); enc {
	case "":
		return a.body, nil
	case "gzip":
		r, err := gzip.NewReader(bytes.NewReader(a.body))
		if err != nil {
			return nil, err
		}
		return io.ReadAll(r)
	case "br":
		return io.ReadAll(brotli.NewReader(bytes.NewReader(a.body)))
	default:
		return nil, fmt.Errorf("unknown Content-Encoding %q", enc)
	}
}

func exists(file string) bool {
	_, err := os.Stat(file)
	return err == nil
}

func writeFile(t *testing.T, name string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
