//go:build browser

package browser

import (
	"net/url"
	"strings"
	"testing"
)

// TestThroughNginx: the page, served by the sidecar, uses the API through
// the shipped deploy/nginx.conf, another origin: a search (a POST proxied
// to the sidecar) and an unknown room (nginx's own 404, read across
// origins); then fetches from the page read each kind of error answer.
// Before, nginx's error answers carried no Access-Control-Allow-Origin:
// the page could not read them and said "Failed to fetch".
func TestThroughNginx(t *testing.T) {
	if *nginxURL == "" {
		t.Fatal("-nginx is required; run scripts/browser-test.sh")
	}
	srv := servers(t)[0]
	base := strings.TrimSuffix(*nginxURL, "/")
	api := "?api=" + url.QueryEscape(base)
	// fromNginx counts the page's requests that went to nginx: the test
	// proves nothing if the page asked its own origin.
	fromNginx := func(tb *tab) int {
		return eval[int](tb, `performance.getEntriesByType('resource').filter(e => e.name.startsWith(`+jsString(base+"/api/")+`)).length`)
	}

	tb := open(t, srv.url, desktop, deviceZone, api+"#/free?now="+testNow)
	checkFreeList(t, tb, srv, [][2]string{{"2026-11-30T10:00", "2026-11-30T11:00"}})
	if n := eval[int](tb, `document.querySelectorAll('#results li').length`); n == 0 {
		t.Fatal("no free room listed through nginx")
	}
	if fromNginx(tb) == 0 {
		t.Fatal("the page made no request to nginx")
	}
	tb.clean(true)

	// The change feed through nginx: the room's changes.json (its block)
	// and its Atom feed.
	tb = open(t, srv.url, phone, "", api+"#/rooms/"+testRoom+"?now="+testNow)
	if !eval[bool](tb, `document.getElementById('changed') !== null`) {
		t.Errorf("room %s through nginx: no block of changes", testRoom)
	}
	atom := eval[string](tb, `document.querySelector('a.feed[type="application/atom+xml"]').href`)
	if !strings.HasPrefix(atom, base+"/api/rooms/") {
		t.Errorf("the Atom feed link %s does not lead to nginx", atom)
	}
	checkAtom(t, atom)
	tb.clean(true)

	tb = open(t, srv.url, phone, "", api+"#/rooms/NOPE")
	if msg := eval[string](tb, `document.querySelector('[role=alert]').textContent`); msg != "Room not found" {
		t.Errorf("unknown room through nginx: %q, want nginx's 404 message read across origins", msg)
	}
	if fromNginx(tb) == 0 {
		t.Error("the room page made no request to nginx")
	}
	tb.clean(false)

	// Error answers read from another origin, as any client's fetch
	// would: the sidecar's 400 through nginx, nginx's own 404, 405 and
	// 413 (after the preflight a JSON POST needs).
	big := `JSON.stringify({selection: [], pad: "x".repeat(100000)})`
	for _, tc := range []struct{ name, fetch, want string }{
		{"the sidecar's 400", `fetch(B + "/api/rooms/find_free_rooms", {method: "POST", headers: {"Content-Type": "application/json"}, body: "{}"})`, `400 {"message":"Missing selection"}`},
		{"nginx's 404", `fetch(B + "/api/rooms/NOPE")`, `404 {"message":"Room not found"}`},
		// A POST a browser sends without a preflight (a PUT would need one,
		// which static files do not answer).
		{"nginx's 405", `fetch(B + "/api/rooms", {method: "POST", body: "x"})`, `405 {"message":"Method not allowed"}`},
		{"nginx's 413", `fetch(B + "/api/rooms/find_free_rooms", {method: "POST", headers: {"Content-Type": "application/json"}, body: ` + big + `})`, `413 {"message":"Request body too large`},
	} {
		eval[any](tb, `window.__answer = null; (() => { const B = `+jsString(base)+`; `+tc.fetch+
			`.then(async r => { window.__answer = r.status + " " + await r.text(); }, e => { window.__answer = "failed: " + e; }); })(); 0`)
		tb.wait(`window.__answer !== null`)
		if got := eval[string](tb, `window.__answer`); !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s, fetched from %s: %q, want %q…", tc.name, srv.url, got, tc.want)
		}
	}
}

// jsString quotes s as a JavaScript string literal (ASCII URLs only).
func jsString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
