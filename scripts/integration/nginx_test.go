//go:build integration

package integration

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
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

	"occupancy/generator/tree"
)

// The Content-Types the checks expect.
const (
	jsonCT = "application/json; charset=utf-8"
	icsCT  = "text/calendar; charset=utf-8"
	htmlCT = "text/html; charset=utf-8"
	jsCT   = "text/javascript; charset=utf-8"
	cssCT  = "text/css; charset=utf-8"
	atomCT = "application/atom+xml; charset=utf-8"
)

// apiCache is the Cache-Control of the API's files.
const apiCache = "public, max-age=300"

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

	// The change feed (the build does not write it yet: placed by hand),
	// and a sidecar serving the same tree for development, which must
	// answer its URLs as nginx does.
	id := placeChanges(t, pub)
	dev := startSidecar(t, work, "sidecar-static", pub, 0, "-static", pub)
	waitReady(t, dev.url()+"/healthz", dev.proc)
	n.changes(id, dev.url())

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
		{filepath.Join(outside, "changes.json"), []byte("{\"secret\":\"outside the tree\"}\n")},
		{filepath.Join(outside, "changes.atom"), []byte("<feed>outside the tree</feed>\n")},
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
	n.want(get("/api/rooms/EVIL/changes.json"), 404, jsonCT, `{"message":"Room not found"}`)
	n.want(get("/api/rooms/EVIL/changes.atom"), 404, jsonCT, `{"message":"Room not found"}`)
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

// placeChanges writes the change feed into the built tree at the paths of
// the tree's layout, shaped as generator/changefeed.go writes it (cut
// short): the list of the latest releases' changes (JSON, with a gzip
// copy, and Atom, large enough to be gzipped on the fly), one release's
// changes under its short id, the changes of room CO1, course CS-305 and
// the study plan, and a room named "changes" with changes of its own. It
// returns the short id.
func placeChanges(t *testing.T, pub string) string {
	t.Helper()
	var m struct {
		Release string `json:"release"`
	}
	b, err := os.ReadFile(filepath.Join(pub, tree.ManifestName))
	if err == nil {
		err = json.Unmarshal(b, &m)
	}
	if err != nil || len(m.Release) < 12 {
		t.Fatalf("the built tree's release id: %q, %v", m.Release, err)
	}
	id := m.Release[:12]
	const date = "2026-12-07T06:30:00Z"
	entry := func(title, home string) string {
		return "  <entry>\n    <title>" + title + "</title>\n    <updated>" + date + "</updated>\n" +
			"    <id>urn:uuid:" + m.Release[:8] + "-7a4b-83ee-9b46-" + m.Release[8:20] + "</id>\n" +
			"    <content type=\"html\">" + strings.Repeat("&lt;li&gt;Moved: CS-305 cours Monday 08:15–10:00: BC01+CO1 → CO1&lt;/li&gt;", 6) + "</content>\n" +
			"    <link href=\"" + home + "\" rel=\"alternate\" type=\"text/html\"></link>\n  </entry>\n"
	}
	feed := func(title, home string, entries ...string) []byte {
		return []byte(`<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom">` + "\n" +
			"  <title>" + title + "</title>\n  <id>urn:uuid:25eb8e3d-7a4b-83ee-9b46-cebd480ca8f4</id>\n  <updated>" + date + "</updated>\n" +
			`  <link href="` + home + `" rel="alternate" type="text/html"></link>` + "\n" + strings.Join(entries, "") + "</feed>")
	}
	set := func(changes string) string {
		return `{"id":"` + id + `","release":"` + m.Release + `","date":"` + date + `","path":"` + tree.ChangeSetPath(id) + `","changes":[` + changes + `]}`
	}
	room, err := os.ReadFile(filepath.Join(pub, tree.DetailPath("rooms", "CO1")))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(room, []byte(`"name":"CO1"`)) {
		t.Fatalf("room CO1's JSON does not name it: %.80s", room)
	}
	room = bytes.Replace(room, []byte(`"name":"CO1"`), []byte(`"name":"changes"`), 1)
	list := []byte(`{"keep":20,"releases":[{"id":"` + id + `","release":"` + m.Release + `","previous":null,"date":"` + date +
		`","path":"` + tree.ChangeSetPath(id) + `","counts":{"added":1,"removed":0,"changed":1,"moved":2}}]}`)
	roomChange := `{"type":"room","change":"changed","text":"Changed: CO1: capacity 250 → 300","rooms":["CO1"]}`
	for p, data := range map[string][]byte{
		tree.ChangeLogPath:  list,
		tree.ChangeFeedPath: feed("Timetable changes", "../../#/changes", entry("Release "+id+": 4 changes", "../../#/changes"), entry("Release 000000000000: 1 change", "../../#/changes")),
		tree.ChangeSetPath(id): []byte(`{"id":"` + id + `","release":"` + m.Release + `","previous":null,"date":"` + date +
			`","counts":{"added":1,"removed":0,"changed":1,"moved":2},"changes":[` + roomChange + `]}`),
		tree.EntityChangesPath("rooms", "CO1"):      []byte(`{"releases":[` + set(roomChange) + `]}`),
		tree.EntityFeedPath("rooms", "CO1"):         feed("Timetable changes of room CO1", "../../../#/rooms/CO1", entry("CO1: 1 change in release "+id, "../../../#/rooms/CO1")),
		tree.EntityChangesPath("courses", "CS-305"): []byte(`{"releases":[` + set(`{"type":"session","change":"moved","courses":["CS-305"]}`) + `]}`),
		tree.EntityChangesPath("studyplans", plan):  []byte(`{"releases":[` + set(`{"type":"studyplan","change":"changed","studyplans":["`+plan+`"]}`) + `]}`),
		tree.EntityFeedPath("studyplans", plan):     feed("Timetable changes of study plan "+plan, "../../../#/studyplans/"+plan, entry("1 change in release "+id, "../../../#/studyplans/"+plan)),
		tree.DetailPath("rooms", "changes"):         room,
		tree.EntityChangesPath("rooms", "changes"):  []byte(`{"releases":[` + set(`{"type":"room","change":"added","rooms":["changes"]}`) + `]}`),
	} {
		file := filepath.Join(pub, filepath.FromSlash(p))
		writeFile(t, file, data)
		// Copies of what a build may have written there are stale now.
		for _, suffix := range []string{".gz", ".br"} {
			if err := os.Remove(file + suffix); err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
		}
	}
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Write(list)
	zw.Close()
	writeFile(t, filepath.Join(pub, filepath.FromSlash(tree.ChangeLogPath)+".gz"), gz.Bytes())
	return id
}

// changes checks the change feed's locations: each file at its URLs with
// its Content-Type, the API's Cache-Control and CORS, HEAD, 405 for other
// methods, the gzip copy of JSON and Atom gzipped on the fly, and 404 for
// unknown ids and entities and for every near miss, none of which may
// shadow another location (a room named "changes" is still a room). The
// sidecar at dev, serving the same tree, must answer each request with
// the same status and Content-Type (and for a 200, the same bytes).
func (n *nginxCheck) changes(id, dev string) {
	n.t.Helper()
	var asked []req
	defer func() { n.agree(dev, asked) }()
	upper := strings.ToUpper(plan)
	for _, c := range []struct{ path, ctype, file string }{
		{"/api/changes", jsonCT, tree.ChangeLogPath},
		{"/api/changes/", jsonCT, tree.ChangeLogPath},
		{"/API/Changes", jsonCT, tree.ChangeLogPath},
		{"/api/changes/index.json", jsonCT, tree.ChangeLogPath},
		{"/api/Changes/Index.JSON", jsonCT, tree.ChangeLogPath},
		{"/api/changes/index.atom", atomCT, tree.ChangeFeedPath},
		{"/API/changes/INDEX.ATOM", atomCT, tree.ChangeFeedPath},
		{"/api/changes/" + id + ".json", jsonCT, tree.ChangeSetPath(id)},
		{"/Api/Changes/" + id + ".Json", jsonCT, tree.ChangeSetPath(id)},
		{"/api/rooms/CO1/changes.json", jsonCT, tree.EntityChangesPath("rooms", "CO1")},
		{"/api/rooms/CO1/changes.atom", atomCT, tree.EntityFeedPath("rooms", "CO1")},
		{"/API/Rooms/CO1/Changes.Atom", atomCT, tree.EntityFeedPath("rooms", "CO1")},
		{"/api/courses/CS-305/changes.json", jsonCT, tree.EntityChangesPath("courses", "CS-305")},
		{"/api/studyplans/" + plan + "/changes.json", jsonCT, tree.EntityChangesPath("studyplans", plan)},
		{"/api/studyplans/" + plan + "/changes.atom", atomCT, tree.EntityFeedPath("studyplans", plan)},
		// A study plan id in upper case is lowered, as for the plan.
		{"/api/studyplans/" + upper + "/changes.atom", atomCT, tree.EntityFeedPath("studyplans", plan)},
		{"/API/StudyPlans/" + upper[:12] + plan[12:] + "/CHANGES.JSON", jsonCT, tree.EntityChangesPath("studyplans", plan)},
		// A room named "changes" is a room, with changes of its own.
		{"/api/rooms/changes", jsonCT, tree.DetailPath("rooms", "changes")},
		{"/api/Rooms/changes/", jsonCT, tree.DetailPath("rooms", "changes")},
		{"/api/rooms/changes/changes.json", jsonCT, tree.EntityChangesPath("rooms", "changes")},
	} {
		n.want(get(c.path), 200, c.ctype, n.head(c.file))
		n.file(get(c.path), 200, c.ctype, c.file)
		n.cache(get(c.path), apiCache)
		asked = append(asked, get(c.path))
	}
	for _, r := range []req{{method: "HEAD", path: "/api/changes/index.atom"}, {method: "HEAD", path: "/api/rooms/CO1/changes.json"}} {
		ctype := jsonCT
		if strings.HasSuffix(r.path, ".atom") {
			ctype = atomCT
		}
		n.want(r, 200, ctype, "")
		asked = append(asked, r)
	}
	// Other methods: 405 on the feed's URLs, 404 elsewhere under
	// /api/changes/ (no such resource, whatever the method).
	for _, r := range []req{
		{method: "POST", path: "/api/changes"},
		{method: "PUT", path: "/api/changes/index.json"},
		{method: "DELETE", path: "/api/changes/index.atom"},
		{method: "POST", path: "/api/changes/" + id + ".json"},
		{method: "PATCH", path: "/api/rooms/CO1/changes.json"},
		{method: "POST", path: "/api/studyplans/" + plan + "/changes.atom"},
	} {
		n.want(r, 405, jsonCT, `{"message":"Method not allowed"}`)
		asked = append(asked, r)
	}
	n.want(req{method: "POST", path: "/api/changes/nothing"}, 404, jsonCT, `{"message":"Not found"}`)
	asked = append(asked, req{method: "POST", path: "/api/changes/nothing"})
	// Unknown ids and entities, and near misses.
	for _, p := range []string{
		"/api/changes/000000000000.json",
		"/api/changes/" + strings.ToUpper(id) + ".json", // a lower-case id, served only so
		"/api/changes/" + id[:11] + ".json",
		"/api/changes/" + id + "0.json",
		"/api/changes/" + id,
		"/api/changes/" + id + ".atom",
		"/api/changes/" + id + ".json.gz",
		"/api/changes/index.json.gz",
		"/api/changes/index",
		"/api/changes/index.ics",
		"/api/changes/" + id + "/index.json",
		"/api/changes/rooms/CO1/changes.json",
		"/api/changes/..%2F..%2Fmanifest.json",
		"/api/changes/%2e%2e%2foccupancy.snapshot",
		"/api/changes.json",
		"/api/changesx",
	} {
		n.want(get(p), 404, jsonCT, `{"message":"Not found"}`)
		asked = append(asked, get(p))
	}
	for _, c := range []struct{ path, message string }{
		{"/api/rooms/NOPE/changes.json", "Room not found"},
		{"/api/rooms/NOPE/changes.atom", "Room not found"},
		{"/api/rooms/co1/changes.json", "Room not found"},
		{"/api/rooms/CO1/changes", "Room not found"},
		{"/api/rooms/CO1/changes.json.gz", "Room not found"},
		{"/api/rooms/CO1/index.json", "Room not found"},
		{"/api/rooms/changes.json", "Room not found"},
		{"/api/rooms/changes/index.atom", "Room not found"},
		{"/api/courses/NOPE-1/changes.atom", "Course not found"},
		{"/api/studyplans/AAAAAAAAAAAAAAAAAAAAAAAA/changes.json", "Studyplan not found"},
		{"/api/studyplans/foo/changes.atom", "Studyplan not found"},
		{"/api/rooms/%2e%2e/changes.json", "Not found"},
	} {
		n.want(get(c.path), 404, jsonCT, `{"message":"`+c.message+`"}`)
		n.cache(get(c.path), "no-store")
		asked = append(asked, get(c.path))
	}
	// The build's gzip copy of the JSON; Atom, with no copy, gzipped on the fly.
	n.encoded("/api/changes", tree.ChangeLogPath, "gzip", "gzip")
	n.encoded("/api/changes", tree.ChangeLogPath, "identity", "")
	what := "GET /api/changes/index.atom (Accept-Encoding: gzip)"
	a := do(n.c, n.base, get("/api/changes/index.atom", "Accept-Encoding", "gzip"))
	if body, err := decode(a); a.err != nil || err != nil || a.header.Get("Content-Encoding") != "gzip" || !n.same(body, tree.ChangeFeedPath) {
		n.t.Errorf("FAIL %s: Content-Encoding '%s' (%v, %v), want gzip decoding to %s", what, a.header.Get("Content-Encoding"), a.err, err, tree.ChangeFeedPath)
	} else {
		n.t.Logf("ok   %s -> gzip on the fly", what)
	}
}

// agree sends each request to nginx and to the sidecar at dev and checks
// that they answer alike: the same status and Content-Type, and for a 200
// the same body. (Error messages may differ: the sidecar's 405 names the
// method.)
func (n *nginxCheck) agree(dev string, rs []req) {
	n.t.Helper()
	for _, r := range rs {
		what := r.method + " " + short(r.path, 80)
		a, b := do(n.c, n.base, r), do(n.c, dev, r)
		switch {
		case a.err != nil || b.err != nil:
			n.t.Errorf("FAIL %s: nginx %v, sidecar %v", what, a.err, b.err)
		case a.status != b.status || a.header.Get("Content-Type") != b.header.Get("Content-Type"):
			n.t.Errorf("FAIL %s: nginx %d '%s', the sidecar %d '%s'", what, a.status, a.header.Get("Content-Type"), b.status, b.header.Get("Content-Type"))
		case a.status == 200 && !bytes.Equal(a.body, b.body):
			n.t.Errorf("FAIL %s: nginx and the sidecar send different bodies", what)
		default:
			n.t.Logf("ok   %s: the sidecar agrees (%d)", what, a.status)
		}
	}
}

// cache checks the Cache-Control of the answer to r.
func (n *nginxCheck) cache(r req, want string) {
	n.t.Helper()
	a := do(n.c, n.base, r)
	what := r.method + " " + short(r.path, 80)
	if got := strings.Join(a.header.Values("Cache-Control"), ", "); a.err != nil || got != want {
		n.t.Errorf("FAIL %s: Cache-Control '%s' (%v), want '%s'", what, got, a.err, want)
	} else {
		n.t.Logf("ok   %s: Cache-Control %s", what, want)
	}
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
