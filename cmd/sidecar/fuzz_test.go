package main

import (
	"net/http"
	"strings"
	"testing"

	"golang.org/x/net/http/httpguts"
)

// FuzzParseHeader: -snapshot-header never panics, accepts only what an
// HTTP request can carry, and its errors never show the value (a secret).
func FuzzParseHeader(f *testing.F) {
	for _, s := range []string{"Authorization: Bearer tok", "X-Token:tok", "Host: x", "If-None-Match: *", "a b: c", ":x",
		"X: ", "X: a\r\nY: b", "X: a\x00", "Bearer secret-token", "X-T\u00e9: v"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		name, value, err := parseHeader(s)
		if err != nil {
			_, v, _ := strings.Cut(s, ":")
			if v = strings.TrimSpace(v); len(v) >= 8 && strings.Contains(err.Error(), v) {
				t.Fatalf("%q: the error shows the value: %v", s, err)
			}
			return
		}
		if !httpguts.ValidHeaderFieldName(name) || !httpguts.ValidHeaderFieldValue(value) {
			t.Fatalf("%q: accepted %q: %q", s, name, value)
		}
		switch http.CanonicalHeaderKey(name) {
		case "Host", "If-None-Match", "If-Modified-Since", "Content-Length", "Transfer-Encoding", "Connection":
			t.Fatalf("%q: accepted the sidecar's own header %s", s, name)
		}
	})
}
