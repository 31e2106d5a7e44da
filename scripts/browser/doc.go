// Package browser holds the browser tests of the page for people (the
// build's index.html and app/): they drive Debian's chromium through
// github.com/chromedp/chromedp against a running sidecar serving a built
// release. They are behind the "browser" build tag, so that go test ./...
// needs no browser; run them with scripts/browser-test.sh, or by hand
// against running sidecars:
//
//	go test -tags browser -count=1 [-run …] ./scripts/browser -args \
//		-base http://127.0.0.1:8080 [-base-rfc3339 URL] \
//		[-chromium /usr/bin/chromium] [-artifacts DIR] [-update-docs]
//
// The tests' flags go after -args: go test (Go 1.25 and later) has an
// -artifacts flag of its own and would take the tests' for it.
package browser
