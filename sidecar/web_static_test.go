package sidecar_test

import (
	"cmp"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"occupancy/sidecar"
)

// put writes a file, making its folders.
func put(t *testing.T, p, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, p, []byte(body))
}

// withPage adds the page for people to the test server's tree: index.html
// and app/<file>, as the build writes them.
func withPage(t *testing.T, ts *testServer) {
	t.Helper()
	public := filepath.Join(ts.dir, "public")
	for p, body := range map[string]string{
		"index.html":      "<!doctype html><title>Free rooms</title>",
		"app/app.js":      "export const x = 1;",
		"app/app.css":     "body{}",
		"app/config.json": `{"timeZone":"Europe/Zurich","rfc3339":false,"apiBase":""}`,
		"app/notes.txt":   "not a page file",
	} {
		put(t, filepath.Join(public, filepath.FromSlash(p)), body)
	}
}

// TestStaticPage: / is index.html and /app/<file> the page's files, each
// with its Content-Type; HEAD, ETag and 304 work as for the JSON files.
func TestStaticPage(t *testing.T) {
	ts := newTestServer(t, sampleSnapshot(t), nil)
	withPage(t, ts)
	for _, tt := range []struct{ path, ctype, want string }{
		{"/", "text/html; charset=utf-8", "<!doctype html><title>Free rooms</title>"},
		{"/index.html", "text/html; charset=utf-8", "<!doctype html><title>Free rooms</title>"},
		{"/app/app.js", "text/javascript; charset=utf-8", "export const x = 1;"},
		{"/APP/app.js", "text/javascript; charset=utf-8", "export const x = 1;"},
		{"/app/app.css", "text/css; charset=utf-8", "body{}"},
		{"/app/config.json", "application/json; charset=utf-8", `{"timeZone":"Europe/Zurich","rfc3339":false,"apiBase":""}`},
	} {
		r := ts.do(t, "GET", tt.path, "")
		if r.status != 200 || r.body != tt.want || r.header["Content-Type"] != tt.ctype {
			t.Errorf("GET %s = %d %q %q, want 200 %q %q", tt.path, r.status, r.header["Content-Type"], r.body, tt.ctype, tt.want)
		}
		if strings.HasPrefix(strings.ToLower(tt.path), "/app/") && r.header["X-Content-Type-Options"] != "nosniff" {
			t.Errorf("GET %s: no X-Content-Type-Options: nosniff", tt.path)
		}
		etag := r.header["Etag"]
		if etag == "" || r.header["Cache-Control"] != "no-cache" {
			t.Errorf("GET %s: ETag %q, Cache-Control %q, want an ETag and no-cache, as nginx serves the page", tt.path, etag, r.header["Cache-Control"])
		}
		if r := ts.do(t, "GET", tt.path, "", "If-None-Match", etag); r.status != 304 || r.body != "" {
			t.Errorf("GET %s If-None-Match = %d %q, want 304", tt.path, r.status, r.body)
		}
		if r := ts.do(t, "HEAD", tt.path, ""); r.status != 200 || r.body != "" || r.header["Content-Type"] != tt.ctype {
			t.Errorf("HEAD %s = %d %q %q", tt.path, r.status, r.header["Content-Type"], r.body)
		}
	}
	if r := ts.do(t, "GET", "/api/rooms", ""); r.header["Cache-Control"] != sidecar.DefaultStaticCache {
		t.Errorf("GET /api/rooms: Cache-Control %q, want %q", r.header["Cache-Control"], sidecar.DefaultStaticCache)
	}
	for _, p := range []string{"/app/notes.txt", "/app/App.js", "/app/nothing.js", "/app/", "/app", "/app/x/app.js", "/index.htm", "/app.js"} {
		checkJSONError(t, "GET "+p, ts.do(t, "GET", p, ""), 404, "Not found")
	}
	checkJSONError(t, "POST /", ts.do(t, "POST", "/", "{}"), 405, "Method POST not allowed")
	checkJSONError(t, "POST /app/app.js", ts.do(t, "POST", "/app/app.js", "{}"), 405, "Method POST not allowed")
	// The page's requests are counted apart from the API's documents: six
	// paths above, each a GET of 200 (the 304s and HEADs are counted too).
	if n := metric(t, ts, `occupancy_http_requests_total{code="200",route="web"}`); n < 6 {
		t.Errorf("metrics count %v page requests, want at least 6", n)
	}
}

// TestStaticPageNoTree: behind nginx (no static tree) the page is not
// served by the sidecar.
func TestStaticPageNoTree(t *testing.T) {
	ts := newTestServer(t, sampleSnapshot(t), func(c *sidecar.Config) { c.StaticDir = "" })
	withPage(t, ts)
	for _, p := range []string{"/", "/app/app.js"} {
		t.Run("GET "+p, func(t *testing.T) {
			checkJSONError(t, "GET "+p, ts.do(t, "GET", p, ""), 404, "Not found")
		})
	}
}

// TestStaticPageTraversal asks the page's routes for files outside the
// tree and outside app/: a secret beside the tree, and links inside app/
// pointing at it, are never served.
func TestStaticPageTraversal(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, sampleSnapshot(t), nil)
	withPage(t, ts)
	const secret = "SECRET-beside-the-page"
	public := filepath.Join(ts.dir, "public")
	for _, p := range []string{"secret.js", "app/secret.js", "index.html", "public/api/secret.js"} {
		put(t, filepath.Join(ts.dir, "outside", filepath.FromSlash(p)), secret)
	}
	put(t, filepath.Join(ts.dir, "secret.js"), secret)
	put(t, filepath.Join(public, "api", "secret.js"), secret) // in the tree, not in app/
	for link, target := range map[string]string{
		"app/LINK.js":      filepath.Join(ts.dir, "secret.js"),
		"app/REL.js":       "../../secret.js",
		"app/DIR.js":       filepath.Join(ts.dir, "outside"),
		"app/sub":          filepath.Join(ts.dir, "outside", "app"),
		"app/IN.js":        "../api/secret.js", // stays inside the tree, but is a link
		"app/config2.json": filepath.Join(ts.dir, "outside", "index.html"),
	} {
		if err := os.Symlink(target, filepath.Join(public, filepath.FromSlash(link))); err != nil {
			t.Fatal(err)
		}
	}
	dial := func() (net.Conn, error) { return ts.client.Dial("sidecar.test") }
	for _, target := range []string{
		"/app/..%2f..%2fsecret.js",
		"/app/..%2Fapi%2Fsecret.js",
		"/app/%2e%2e%2fapi%2fsecret.js",
		"/app/%2e%2e/%2e%2e/secret.js",
		"/app/..%5c..%5csecret.js",
		`/app/..\..\secret.js`,
		"/app/%252e%252e%252fsecret.js",
		"/app/%c0%ae%c0%ae%c0%afsecret.js",
		"/app/../../secret.js",
		"/app/../api/secret.js",
		"/app/.%2e/api/secret.js",
		"/app/%00.js",
		"/app/app.js%00.txt",
		"/app/LINK.js",
		"/app/REL.js",
		"/app/DIR.js",
		"/app/sub/secret.js",
		"/app/config2.json",
		"/app/..",
		"/app/.",
		"/app//secret.js",
		"/app/" + strings.Repeat("..%2f", 500) + "secret.js",
		"/%2e%2e/secret.js",
		"/..%2fsecret.js",
		"/index.html%2f..%2f..%2fsecret.js",
		"http://sidecar.test/app/..%2f..%2fsecret.js",
	} {
		t.Run(shortTarget(target), func(t *testing.T) {
			for _, method := range []string{"GET", "HEAD"} {
				what := method + " " + fmt.Sprintf("%.80s", target)
				r := rawDo(t, dial, method+" "+target+" HTTP/1.1\r\nHost: sidecar.test\r\nConnection: close\r\n\r\n")
				if strings.Contains(r.body, secret) {
					t.Errorf("%s served the secret: %d %s", what, r.status, r.body)
				}
				if r.status == 200 && r.body != "" && !strings.HasPrefix(r.body, "<!doctype html><title>Free rooms") && !strings.HasPrefix(r.body, "[") {
					t.Errorf("%s = 200 %q: not a file of the page", what, r.body)
				}
				if r.status != 200 && r.status != 404 {
					t.Errorf("%s = %d", what, r.status)
				}
			}
		})
	}
	// IN.js is a symbolic link that stays inside the tree: os.OpenInRoot
	// follows it, which is harmless (the tree is public) but worth knowing.
	checkHealthy(t, ts)
}

// TestStaticPrecompressed: the build's .br and .gz copies are sent to
// clients that accept them, as nginx's brotli_static and gzip_static do,
// each with its own ETag; a client accepting neither gets the original.
func TestStaticPrecompressed(t *testing.T) {
	ts := newTestServer(t, sampleSnapshot(t), nil)
	withPage(t, ts)
	public := filepath.Join(ts.dir, "public")
	put(t, filepath.Join(public, "api/rooms/index.json.br"), "BROTLI")
	put(t, filepath.Join(public, "api/rooms/index.json.gz"), "GZIP")
	put(t, filepath.Join(public, "index.html.gz"), "GZIP PAGE")
	original := ts.do(t, "GET", "/api/rooms", "").body
	etags := map[string]string{}
	for _, tt := range []struct{ path, accept, encoding, body string }{
		{"/api/rooms", "gzip, deflate, br", "br", "BROTLI"},
		{"/api/rooms", "br;q=1.0, gzip;q=0.8", "br", "BROTLI"},
		{"/api/rooms", "gzip", "gzip", "GZIP"},
		{"/api/rooms", "br;q=0, gzip", "gzip", "GZIP"},
		{"/api/rooms", "BR", "br", "BROTLI"},
		{"/api/rooms", "*", "br", "BROTLI"},
		{"/api/rooms", "*, br;q=0", "gzip", "GZIP"},
		{"/api/rooms", "identity", "", original},
		{"/api/rooms", "", "", original},
		{"/api/rooms", "deflate", "", original},
		{"/", "gzip, br", "gzip", "GZIP PAGE"}, // no .br copy: gzip
		{"/app/app.js", "gzip, br", "", "export const x = 1;"},
	} {
		t.Run(tt.path+" accepting "+cmp.Or(tt.accept, "nothing"), func(t *testing.T) {
			var headers []string
			if tt.accept != "" {
				headers = []string{"Accept-Encoding", tt.accept}
			}
			r := ts.do(t, "GET", tt.path, "", headers...)
			if r.status != 200 || r.header["Content-Encoding"] != tt.encoding || r.body != tt.body || r.header["Vary"] != "Accept-Encoding" {
				t.Errorf("GET %s (Accept-Encoding %q) = %d %q %q, Vary %q; want %q %q", tt.path, tt.accept, r.status, r.header["Content-Encoding"], r.body, r.header["Vary"], tt.encoding, tt.body)
			}
			if tt.path == "/api/rooms" {
				if e, ok := etags[tt.encoding]; ok && e != r.header["Etag"] {
					t.Errorf("ETag of the %q form changed: %s, %s", tt.encoding, e, r.header["Etag"])
				}
				etags[tt.encoding] = r.header["Etag"]
				// Revalidating the copy a client holds gives a 304.
				if r2 := ts.do(t, "GET", tt.path, "", append(headers, "If-None-Match", r.header["Etag"])...); r2.status != 304 {
					t.Errorf("GET %s (Accept-Encoding %q) If-None-Match: %d, want 304", tt.path, tt.accept, r2.status)
				}
			}
		})
	}
	if len(etags) != 3 || etags["br"] == etags["gzip"] || etags["br"] == etags[""] || etags["gzip"] == etags[""] {
		t.Errorf("one ETag per form, got %v", etags)
	}
}
