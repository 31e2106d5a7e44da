package sidecar_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestChangesTraversal asks the change feed's routes for files outside
// the tree: hostile names in every encoding of TestPathTraversal, and
// symbolic links planted where the feed's files and folders are (the
// whole api/changes folder, an entity's folder, an entity's feed, a
// precompressed copy). A secret beside the tree is never served; every
// answer is a JSON 404, or the published file itself.
func TestChangesTraversal(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, sampleSnapshot(t), nil)
	const secret = "SECRET-beside-the-change-feed"
	public := filepath.Join(ts.dir, "public")
	for _, p := range []string{
		"changes.json", "changes.atom", "index.json", "index.atom", changeID + ".json",
		"secret/changes.json", "secret/changes.atom", "secret/index.json", "secret/index.atom", "secret/" + changeID + ".json",
	} {
		put(t, filepath.Join(ts.dir, filepath.FromSlash(p)), `{"secret":"`+secret+`"}`)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(`{"secret":"` + secret + `"}`))
	zw.Close()
	put(t, filepath.Join(ts.dir, "secret", "changes.json.gz"), gz.String())
	put(t, filepath.Join(public, "api/rooms/BC01/changes.json"), roomChanges)
	put(t, filepath.Join(public, "api/rooms/FILELINK/index.json"), `{"name":"FILELINK"}`)
	// Links to the secret: the change feed's folder, entities' folders
	// (absolute and relative), an entity's feed and a compressed copy.
	for link, target := range map[string]string{
		"api/changes":                     filepath.Join(ts.dir, "secret"),
		"api/rooms/EVIL":                  ts.dir,
		"api/courses/LINKED":              "../../../secret",
		"api/studyplans/ABS":              filepath.Join(ts.dir, "secret"),
		"api/rooms/FILELINK/changes.atom": filepath.Join(ts.dir, "changes.atom"),
		"api/rooms/BC01/changes.json.gz":  filepath.Join(ts.dir, "secret", "changes.json.gz"),
	} {
		if err := os.Symlink(target, filepath.Join(public, filepath.FromSlash(link))); err != nil {
			t.Fatal(err)
		}
	}

	dial := func() (net.Conn, error) { return ts.client.Dial("sidecar.test") }
	long := strings.Repeat("a", 6000)
	for _, target := range []string{
		"/api/changes",
		"/api/changes/",
		"/api/changes/index.json",
		"/api/changes/index.atom",
		"/api/changes/" + changeID + ".json",
		"/api/rooms/EVIL/changes.json",
		"/api/rooms/EVIL/changes.atom",
		"/api/courses/LINKED/changes.json",
		"/api/studyplans/ABS/changes.atom",
		"/api/rooms/FILELINK/changes.atom",
		"/api/rooms/..%2f..%2f..%2fsecret/changes.json",
		"/api/rooms/..%2F..%2F..%2F/changes.atom",
		"/api/rooms/%2e%2e/changes.json",
		"/api/rooms/%2e%2e%2f%2e%2e%2f%2e%2e/changes.json",
		"/api/rooms/.%2e/.%2e/.%2e/changes.json",
		"/api/rooms/..%5c..%5c..%5csecret/changes.json",
		`/api/rooms/..\..\..\secret/changes.json`,
		"/api/rooms/%252e%252e%252f%252e%252e%252fsecret/changes.json",
		"/api/rooms/%c0%ae%c0%ae%c0%afsecret/changes.json",
		"/api/rooms/../../../changes.json",
		"/api/rooms/../changes.json",
		"/api/rooms/./changes.json",
		"/api/rooms/%00/changes.json",
		"/api/rooms/BC01%00/changes.json",
		"/api/rooms/BC01/changes.json%00",
		"/api/rooms/BC01/changes.json%00.atom",
		"/api/rooms/BC01/..%2f..%2f..%2f..%2fchanges.json",
		"/api/courses/..%2f..%2f..%2fsecret/changes.atom",
		"/api/studyplans/..%2f..%2f..%2fsecret/changes.json",
		"/api/changes/..%2f..%2f..%2fsecret%2f" + changeID + ".json",
		"/api/changes/..%2f..%2fchanges.json",
		"/api/changes/%2e%2e%2f%2e%2e%2fchanges.atom",
		"/api/changes/..%5c..%5cindex.atom",
		"/api/changes/" + changeID + "%00.json",
		"/api/changes/" + changeID + ".json%00",
		"/api/changes/%30123456789ab.json",
		"/api/changes/..",
		"/api/changes/.",
		"/api/rooms/" + long + "/changes.json",
		"/api/rooms/" + strings.Repeat("..%2f", 1500) + "changes.json",
		"http://sidecar.test/api/rooms/..%2f..%2f..%2fsecret/changes.json",
	} {
		t.Run(shortTarget(target), func(t *testing.T) {
			for _, method := range []string{"GET", "HEAD"} {
				what := method + " " + fmt.Sprintf("%.100s", target)
				r := rawDo(t, dial, method+" "+target+" HTTP/1.1\r\nHost: sidecar.test\r\nAccept-Encoding: gzip, br\r\nConnection: close\r\n\r\n")
				switch {
				case strings.Contains(r.body, secret):
					t.Errorf("%s served the secret: %d %s", what, r.status, r.body)
				case r.status == 200 && r.body != "" && !strings.HasPrefix(r.body, "{\"releases\"") && !strings.HasPrefix(r.body, "{\"name\""):
					t.Errorf("%s = 200 %q: not a published file", what, r.body)
				case r.status != 200 && r.status != 404:
					t.Errorf("%s = %d, want 404 (or a published file)", what, r.status)
				case r.status == 404 && method == "GET":
					checkJSONError(t, what, r.asResponse(), 404, "found")
				}
			}
		})
	}
	// The compressed copy linked from outside is declined: the client
	// gets the published file itself.
	r := ts.do(t, "GET", "/api/rooms/BC01/changes.json", "", "Accept-Encoding", "gzip")
	if r.status != 200 || r.header["Content-Encoding"] != "" || r.body != roomChanges {
		t.Errorf("GET /api/rooms/BC01/changes.json (gzip) with a linked copy = %d %q %q, want the file itself",
			r.status, r.header["Content-Encoding"], r.body)
	}
	checkHealthy(t, ts)
}

// TestChangesNotRegular: a FIFO, a device or a folder where a change feed's
// file belongs answers 404 at once, and does not hold a worker.
func TestChangesNotRegular(t *testing.T) {
	ts := newTestServer(t, sampleSnapshot(t), nil)
	public := filepath.Join(ts.dir, "public")
	if err := os.MkdirAll(filepath.Join(public, "api", "changes"), 0o755); err != nil {
		t.Fatal(err)
	}
	mkfifo(t, filepath.Join(public, "api", "changes", "index.atom"))
	mkfifo(t, filepath.Join(public, "api", "rooms", "BC01", "changes.json"))
	if err := os.Symlink("/dev/zero", filepath.Join(public, "api", "changes", changeID+".json")); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(public, "api", "changes", "index.json"), 0o755); err != nil {
		t.Fatal(err)
	}
	// A FIFO where a compressed copy would be: the file itself is sent.
	put(t, filepath.Join(public, "api", "courses", "CS-305", "changes.atom"), roomFeed)
	mkfifo(t, filepath.Join(public, "api", "courses", "CS-305", "changes.atom.gz"))
	for _, tt := range []struct{ path, message string }{
		{"/api/changes", "Not found"},
		{"/api/changes/index.atom", "Not found"},
		{"/api/changes/" + changeID + ".json", "Not found"},
		{"/api/rooms/BC01/changes.json", "Room not found"},
	} {
		t.Run(tt.path, func(t *testing.T) {
			for range 20 {
				var r response
				within(t, 10*time.Second, "GET "+tt.path, func() { r = ts.do(t, "GET", tt.path, "") })
				checkJSONError(t, "GET "+tt.path, r, 404, tt.message)
			}
		})
	}
	var r response
	within(t, 10*time.Second, "GET with gzip", func() {
		r = ts.do(t, "GET", "/api/courses/CS-305/changes.atom", "", "Accept-Encoding", "gzip")
	})
	if r.status != 200 || r.body != roomFeed || r.header["Content-Encoding"] != "" {
		t.Errorf("GET /api/courses/CS-305/changes.atom with a FIFO as its gzip copy: %d %q %.40q", r.status, r.header["Content-Encoding"], r.body)
	}
}
