package sidecar_test

import (
	"cmp"
	"path/filepath"
	"strings"
	"testing"

	"occupancy/sidecar"
)

// The change feed's files in the test tree, shaped as the build writes
// them (generator/tree: ChangeLogPath, ChangeFeedPath, ChangeSetPath,
// EntityChangesPath, EntityFeedPath), cut short.
const (
	changeID      = "0123456789ab"
	changeLog     = `{"keep":20,"releases":[{"id":"0123456789ab","release":"0123456789abcdef","previous":null,"date":"2026-11-28T06:30:00Z","path":"api/changes/0123456789ab.json","counts":{"added":1,"removed":0,"changed":0,"moved":0}}]}`
	changeFeed    = `<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom">` + "\n" + `  <title>Timetable changes</title>` + "\n" + `</feed>`
	changeSet     = `{"id":"0123456789ab","release":"0123456789abcdef","previous":null,"date":"2026-11-28T06:30:00Z","changes":[{"type":"room","change":"added","rooms":["BC01"]}]}`
	roomChanges   = `{"releases":[{"id":"0123456789ab","changes":[{"type":"room","change":"added","rooms":["BC01"]}]}]}`
	roomFeed      = `<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom">` + "\n" + `  <title>Timetable changes of room BC01</title>` + "\n" + `</feed>`
	courseChanges = `{"releases":[{"id":"0123456789ab","changes":[{"type":"course","courses":["CS-305"]}]}]}`
	planChanges   = `{"releases":[{"id":"0123456789ab","changes":[{"type":"studyplan","studyplans":["6b090e389c963b7fee731dbe"]}]}]}`
	planFeed      = `<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>plan</title></feed>`
	// A room named "changes": its JSON at /api/rooms/changes, its own
	// changes at /api/rooms/changes/changes.json.
	changesRoom        = `{"name":"changes"}`
	changesRoomChanges = `{"releases":[{"id":"0123456789ab","changes":[{"type":"room","rooms":["changes"]}]}]}`
)

// withChanges adds the change feed to the test server's tree.
func withChanges(t *testing.T, ts *testServer) {
	t.Helper()
	public := filepath.Join(ts.dir, "public")
	for p, body := range map[string]string{
		"api/changes/index.json":                               changeLog,
		"api/changes/index.atom":                               changeFeed,
		"api/changes/" + changeID + ".json":                    changeSet,
		"api/rooms/BC01/changes.json":                          roomChanges,
		"api/rooms/BC01/changes.atom":                          roomFeed,
		"api/courses/CS-305/changes.json":                      courseChanges,
		"api/studyplans/6b090e389c963b7fee731dbe/changes.json": planChanges,
		"api/studyplans/6b090e389c963b7fee731dbe/changes.atom": planFeed,
		"api/rooms/changes/index.json":                         changesRoom,
		"api/rooms/changes/changes.json":                       changesRoomChanges,
	} {
		put(t, filepath.Join(public, filepath.FromSlash(p)), body)
	}
}

const atomCT = "application/atom+xml; charset=utf-8"

// TestStaticChanges: the change feed's URLs serve their files with their
// Content-Type, the API's Cache-Control, an ETag (304 on revalidation)
// and HEAD; every other URL under /api/changes/ is a 404, and a room
// named "changes" is still a room.
func TestStaticChanges(t *testing.T) {
	ts := newTestServer(t, sampleSnapshot(t), nil)
	withChanges(t, ts)
	const jsonCT = "application/json; charset=utf-8"
	for _, tt := range []struct {
		path   string
		status int
		ctype  string
		body   string
	}{
		// The latest releases' changes, as JSON and as Atom.
		{"/api/changes", 200, jsonCT, changeLog},
		{"/api/changes/", 200, jsonCT, changeLog},
		{"/API/Changes", 200, jsonCT, changeLog},
		{"/api/changes/index.json", 200, jsonCT, changeLog},
		{"/api/changes/INDEX.JSON", 200, jsonCT, changeLog},
		{"/api/changes/index.atom", 200, atomCT, changeFeed},
		{"/Api/Changes/Index.Atom", 200, atomCT, changeFeed},
		// One release's changes, by its short id.
		{"/api/changes/" + changeID + ".json", 200, jsonCT, changeSet},
		{"/API/CHANGES/" + changeID + ".JSON", 200, jsonCT, changeSet},
		{"/api/changes/ba9876543210.json", 404, jsonCT, msg("Not found")},
		// The id is published in lower case and served only so.
		{"/api/changes/" + strings.ToUpper(changeID) + ".json", 404, jsonCT, msg("Not found")},
		{"/api/changes/0123456789a.json", 404, jsonCT, msg("Not found")},
		{"/api/changes/0123456789abc.json", 404, jsonCT, msg("Not found")},
		{"/api/changes/0123456789ag.json", 404, jsonCT, msg("Not found")},
		{"/api/changes/" + changeID, 404, jsonCT, msg("Not found")},
		{"/api/changes/" + changeID + ".atom", 404, jsonCT, msg("Not found")},
		{"/api/changes/" + changeID + ".json.gz", 404, jsonCT, msg("Not found")},
		{"/api/changes/index.json.gz", 404, jsonCT, msg("Not found")},
		{"/api/changes/index", 404, jsonCT, msg("Not found")},
		{"/api/changes/index.ics", 404, jsonCT, msg("Not found")},
		{"/api/changes/changes.json", 404, jsonCT, msg("Not found")},
		{"/api/changes/" + changeID + "/index.json", 404, jsonCT, msg("Not found")},
		{"/api/changes/rooms/BC01/changes.json", 404, jsonCT, msg("Not found")},
		// Each entity's changes, in its folder beside its JSON.
		{"/api/rooms/BC01/changes.json", 200, jsonCT, roomChanges},
		{"/api/rooms/BC01/changes.atom", 200, atomCT, roomFeed},
		{"/API/ROOMS/BC01/CHANGES.ATOM", 200, atomCT, roomFeed},
		{"/api/rooms/bc01/changes.json", 404, jsonCT, msg("Room not found")},
		{"/api/rooms/NOPE/changes.atom", 404, jsonCT, msg("Room not found")},
		{"/api/rooms/BC01/changes", 404, jsonCT, msg("Not found")},
		{"/api/rooms/BC01/index.json", 404, jsonCT, msg("Not found")},
		{"/api/rooms/BC01/changes.json.gz", 404, jsonCT, msg("Not found")},
		{"/api/courses/CS-305/changes.json", 200, jsonCT, courseChanges},
		{"/api/courses/CS-305/changes.atom", 404, jsonCT, msg("Course not found")},
		{"/api/studyplans/6b090e389c963b7fee731dbe/changes.json", 200, jsonCT, planChanges},
		{"/api/studyplans/6b090e389c963b7fee731dbe/changes.atom", 200, atomCT, planFeed},
		// A study plan id in upper case is lowered, as for its JSON.
		{"/api/studyplans/6B090E389C963B7FEE731DBE/changes.atom", 200, atomCT, planFeed},
		{"/api/studyplans/6B090E389C963B7FEE731DBE/changes.json", 200, jsonCT, planChanges},
		{"/api/studyplans/NOPE/changes.json", 404, jsonCT, msg("Studyplan not found")},
		// A room named "changes" is a room, with changes of its own; the
		// change feed is not under /api/rooms.
		{"/api/rooms/changes", 200, jsonCT, changesRoom},
		{"/api/rooms/changes/", 200, jsonCT, changesRoom},
		{"/api/rooms/changes/changes.json", 200, jsonCT, changesRoomChanges},
		{"/api/rooms/changes/index.atom", 404, jsonCT, msg("Not found")},
		{"/api/rooms/changes.json", 404, jsonCT, msg("Room not found")},
		{"/api/rooms/changes.atom", 404, jsonCT, msg("Room not found")},
		// The feed's own path with a collection's name in front.
		{"/api/courses/changes/index.json", 404, jsonCT, msg("Not found")},
	} {
		t.Run("GET "+tt.path, func(t *testing.T) {
			r := ts.do(t, "GET", tt.path, "")
			if r.status != tt.status || r.body != tt.body || r.header["Content-Type"] != tt.ctype {
				t.Fatalf("GET %s = %d %q %q, want %d %q %q", tt.path, r.status, r.header["Content-Type"], r.body, tt.status, tt.ctype, tt.body)
			}
			if tt.status != 200 {
				if r.header["Cache-Control"] != "no-store" {
					t.Errorf("GET %s: Cache-Control %q of a 404, want no-store", tt.path, r.header["Cache-Control"])
				}
				return
			}
			etag := r.header["Etag"]
			if etag == "" || r.header["Cache-Control"] != sidecar.DefaultStaticCache || r.header["Vary"] != "Accept-Encoding" {
				t.Errorf("GET %s: ETag %q, Cache-Control %q, Vary %q; want an ETag, %q and Accept-Encoding",
					tt.path, etag, r.header["Cache-Control"], r.header["Vary"], sidecar.DefaultStaticCache)
			}
			if r := ts.do(t, "GET", tt.path, "", "If-None-Match", etag); r.status != 304 || r.body != "" {
				t.Errorf("GET %s If-None-Match = %d %q, want 304", tt.path, r.status, r.body)
			}
			if r := ts.do(t, "HEAD", tt.path, ""); r.status != 200 || r.body != "" || r.header["Content-Type"] != tt.ctype {
				t.Errorf("HEAD %s = %d %q %q", tt.path, r.status, r.header["Content-Type"], r.body)
			}
		})
	}
	// Counted apart from the rest of the API, but for an entity's changes,
	// counted with the entity as its calendar feed is.
	if n := metric(t, ts, `occupancy_http_requests_total{code="200",route="changes"}`); n < 9 {
		t.Errorf("metrics count %v change feed requests, want at least 9", n)
	}
	if n := metric(t, ts, `occupancy_http_requests_total{code="404",route="changes"}`); n < 1 {
		t.Errorf("metrics count %v unknown change sets, want at least 1", n)
	}
}

// TestStaticChangesNoTree: behind nginx (no static tree) the change feed
// is not served by the sidecar.
func TestStaticChangesNoTree(t *testing.T) {
	ts := newTestServer(t, sampleSnapshot(t), func(c *sidecar.Config) { c.StaticDir = "" })
	withChanges(t, ts)
	for _, tt := range []struct{ path, message string }{
		{"/api/changes", "Not found"},
		{"/api/changes/index.atom", "Not found"},
		{"/api/changes/" + changeID + ".json", "Not found"},
		{"/api/rooms/BC01/changes.json", "Room not found"},
		{"/api/studyplans/6b090e389c963b7fee731dbe/changes.atom", "Studyplan not found"},
	} {
		checkJSONError(t, "GET "+tt.path, ts.do(t, "GET", tt.path, ""), 404, tt.message)
	}
}

// TestStaticChangesMethods: the change feed's URLs answer GET and HEAD
// only, with 405 and Allow for the rest and 204 to a preflight; an
// unknown name under /api/changes/ is no route at all, 404 whatever the
// method, as nginx answers it.
func TestStaticChangesMethods(t *testing.T) {
	ts := newTestServer(t, sampleSnapshot(t), nil)
	withChanges(t, ts)
	const get = "GET, HEAD, OPTIONS"
	for _, path := range []string{
		"/api/changes", "/api/changes/index.json", "/api/changes/index.atom",
		"/api/changes/" + changeID + ".json", "/api/changes/ba9876543210.json",
		"/api/rooms/BC01/changes.json", "/api/rooms/BC01/changes.atom", "/api/rooms/NOPE/changes.json",
		"/api/courses/CS-305/changes.atom", "/api/studyplans/6b090e389c963b7fee731dbe/changes.json",
	} {
		for _, m := range []string{"POST", "PUT", "DELETE", "PATCH"} {
			r := ts.do(t, m, path, "{}")
			checkJSONError(t, m+" "+path, r, 405, "Method "+m+" not allowed")
			if r.header["Allow"] != get {
				t.Errorf("%s %s: Allow %q, want %q", m, path, r.header["Allow"], get)
			}
		}
		r := ts.do(t, "OPTIONS", path, "", "Origin", "https://example.org", "Access-Control-Request-Method", "GET")
		if r.status != 204 || r.header["Access-Control-Allow-Methods"] != get || r.header["Access-Control-Allow-Origin"] != "*" {
			t.Errorf("preflight %s = %d %v", path, r.status, r.header)
		}
	}
	for _, path := range []string{"/api/changes/index", "/api/changes/" + strings.ToUpper(changeID) + ".json", "/api/changes/x/y"} {
		for _, m := range []string{"GET", "POST", "OPTIONS"} {
			checkJSONError(t, m+" "+path, ts.do(t, m, path, ""), 404, "Not found")
		}
	}
}

// TestStaticChangesPrecompressed: the build's .br and .gz copies of the
// change feed's files are sent to clients that accept them, as for the
// API's other JSON, and an Atom file's copy too when there is one.
func TestStaticChangesPrecompressed(t *testing.T) {
	ts := newTestServer(t, sampleSnapshot(t), nil)
	withChanges(t, ts)
	public := filepath.Join(ts.dir, "public")
	put(t, filepath.Join(public, "api/changes/index.json.br"), "BROTLI LOG")
	put(t, filepath.Join(public, "api/changes/index.json.gz"), "GZIP LOG")
	put(t, filepath.Join(public, "api/changes/"+changeID+".json.gz"), "GZIP SET")
	put(t, filepath.Join(public, "api/rooms/BC01/changes.json.gz"), "GZIP ROOM")
	put(t, filepath.Join(public, "api/changes/index.atom.gz"), "GZIP FEED")
	for _, tt := range []struct{ path, accept, encoding, ctype, body string }{
		{"/api/changes", "gzip, deflate, br", "br", "application/json; charset=utf-8", "BROTLI LOG"},
		{"/api/changes/index.json", "gzip", "gzip", "application/json; charset=utf-8", "GZIP LOG"},
		{"/api/changes", "identity", "", "application/json; charset=utf-8", changeLog},
		{"/api/changes/" + changeID + ".json", "gzip, br", "gzip", "application/json; charset=utf-8", "GZIP SET"},
		{"/api/rooms/BC01/changes.json", "br, gzip", "gzip", "application/json; charset=utf-8", "GZIP ROOM"},
		{"/api/rooms/BC01/changes.json", "br", "", "application/json; charset=utf-8", roomChanges},
		{"/api/changes/index.atom", "gzip", "gzip", atomCT, "GZIP FEED"},
		{"/api/rooms/BC01/changes.atom", "gzip, br", "", atomCT, roomFeed},
	} {
		t.Run(tt.path+" accepting "+cmp.Or(tt.accept, "nothing"), func(t *testing.T) {
			r := ts.do(t, "GET", tt.path, "", "Accept-Encoding", tt.accept)
			if r.status != 200 || r.header["Content-Encoding"] != tt.encoding || r.body != tt.body ||
				r.header["Content-Type"] != tt.ctype || r.header["Vary"] != "Accept-Encoding" {
				t.Errorf("GET %s (Accept-Encoding %q) = %d %q %q %q, Vary %q; want %q %q %q",
					tt.path, tt.accept, r.status, r.header["Content-Type"], r.header["Content-Encoding"], r.body, r.header["Vary"],
					tt.ctype, tt.encoding, tt.body)
			}
		})
	}
}
