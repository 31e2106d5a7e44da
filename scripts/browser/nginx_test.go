//go:build browser

package browser

import (
	"net/url"
	"strings"
	"testing"
)

// TestThroughNginx: the page, served by the sidecar, uses the API through
// the shipped deploy/nginx.conf, another origin: a search (a POST proxied
// to the sidecar), an unknown room (nginx's own 404, read across origins)
// and a search the sidecar refuses (its 400, through nginx). Before,
// nginx's error answers carried no Access-Control-Allow-Origin: the page
// could not read them and said "Failed to fetch".
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

	tb = open(t, srv.url, phone, "", api+"#/rooms/NOPE")
	if msg := eval[string](tb, `document.querySelector('[role=alert]').textContent`); msg != "Room not found" {
		t.Errorf("unknown room through nginx: %q, want nginx's 404 message read across origins", msg)
	}
	if fromNginx(tb) == 0 {
		t.Error("the room page made no request to nginx")
	}
	tb.clean(false)

	tb = open(t, srv.url, phone, "", api+"#/free?now="+testNow)
	eval[any](tb, setJS+`set('#free-until', '09:00'); 0`)
	tb.wait(`document.getElementById('results').dataset.state === 'error'`)
	if msg := eval[string](tb, `document.getElementById('results-status').textContent`); msg != "Choose a time after 10:00." {
		t.Errorf("the sidecar's 400 through nginx: %q", msg)
	}
	tb.clean(true)
}

// jsString quotes s as a JavaScript string literal (ASCII URLs only).
func jsString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
